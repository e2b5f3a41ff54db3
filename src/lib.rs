//! Segue's engine: a local music library kept in SQLite, scanned from folders, analysed (tempo,
//! key, timbre, loudness, MusiCNN tags), indexed in FAISS, turned into playlists and previewed.
//!
//! [`Library`] is the façade the CLI and the desktop shell use, and the only orchestrator:
//! every sequence of steps (scan then analyse, remove a folder mid-scan, open the player on the
//! remembered device) happens behind it, so both shells behave alike. The engine knows nothing
//! about Tauri. Read `ARCHITECTURE.md` first.

pub mod analysis;
pub mod audio;
pub mod cpu;
pub mod demo;
pub mod describe;
pub mod error;
pub mod index;
pub mod ingest;
pub mod library;
pub mod map;
pub mod metadata;
pub mod musicnn;
pub mod panics;
pub mod passages;
pub mod paths;
pub mod playlist;
pub mod settings;
pub mod similarity;
pub mod store;
pub mod vector;

pub use error::{Error, ErrorCode, Result};
pub use ingest::analyze::{
    AnalysisPhase, AnalysisProgress, AnalysisProgressFn, AnalysisSummary, AnalyzeOptions,
    PauseSwitch,
};
pub use ingest::scan::{ProgressFn, ScanOptions, ScanPhase, ScanProgress, ScanSummary};
pub use library::{
    DoctorReport, Library, Overview, Recovery, SimilarAnswer, SimilarState, SimilarTrack,
    UpdateSummary,
};
pub use store::{
    AnalysisCounts, Failure, Folder, SortKey, Stats, Store, TrackDetail, TrackPage, TrackQuery,
    TrackRow,
};
pub use tokio_util::sync::CancellationToken;

/// Log directives that silence the decoders' own warnings: every damaged file would otherwise
/// print several lines; Segue reports each problem once, per file, in the failures list.
pub const QUIET_DECODERS: &str = "lofty=error,symphonia=error";

/// File name of the database inside the data dir.
pub const DATABASE_FILE: &str = "library.sqlite3";

/// Folder of the similarity index inside the data dir.
pub const INDEX_DIR: &str = "index";
