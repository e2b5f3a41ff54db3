//! The engine's error type. The CLI and the app shell wrap it in `anyhow` at their edges; the
//! app hands the UI its [`ErrorCode`] and message.

use std::path::PathBuf;

/// Everything the engine can fail with, as a caller would want to tell it apart.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("not a folder: {0}")]
    NotAFolder(PathBuf),
    #[error("{0} is already in the library (inside {1})")]
    FolderInsideLibrary(PathBuf, PathBuf),
    /// Another process has this library open (see `library::lock`).
    #[error(
        "the library in {} is in use by {holder}: close it first, or use another --data-dir",
        data_dir.display()
    )]
    LibraryInUse { data_dir: PathBuf, holder: String },
    #[error("no library folder with id {0}")]
    NoSuchFolder(i64),
    #[error("no track with id {0}")]
    NoSuchTrack(i64),
    #[error("no playlist with id {0}")]
    NoSuchPlaylist(i64),
    /// A playlist from a track that has no features yet.
    #[error("the seed track is not analysed yet: its playlist can be made once it is")]
    SeedNotAnalyzed,
    /// A request that cannot be answered as asked (no seed, no name, a position past the end…).
    #[error("{0}")]
    InvalidRequest(String),
    /// A file outside the library that could not be analysed.
    #[error("{path}: {reason}")]
    Analysis { path: PathBuf, reason: String },
    /// Writing audio or tags (the demo library, test and benchmark files).
    #[error("{0}")]
    Encode(String),
    #[error("{what} to JSON: {source}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("file watcher: {0}")]
    Watch(#[from] notify::Error),
    #[error("background task failed: {0}")]
    Task(String),
    #[error("{0} lock poisoned")]
    Poisoned(&'static str),
    #[error("similarity index: {0}")]
    Index(#[from] crate::index::IndexError),
    #[error(transparent)]
    Preview(#[from] crate::audio::preview::PreviewError),
}

/// What kind of failure, for a UI to react to (the message is for people).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The database or its files (including a migration).
    Database,
    /// A file or folder could not be read or written.
    Io,
    NotAFolder,
    FolderInsideLibrary,
    NoSuchFolder,
    NoSuchTrack,
    NoSuchPlaylist,
    SeedNotAnalyzed,
    InvalidRequest,
    Analysis,
    /// No sound device, or it failed; a file the player cannot decode.
    Preview,
    /// Anything else: a bug or an environment problem, not the user's doing.
    Internal,
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn json(what: &'static str) -> impl FnOnce(serde_json::Error) -> Self {
        move |source| Error::Json { what, source }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Database(_) | Error::Migration(_) | Error::LibraryInUse { .. } => {
                ErrorCode::Database
            }
            Error::Io { .. } | Error::Watch(_) => ErrorCode::Io,
            Error::NotAFolder(_) => ErrorCode::NotAFolder,
            Error::FolderInsideLibrary(..) => ErrorCode::FolderInsideLibrary,
            Error::NoSuchFolder(_) => ErrorCode::NoSuchFolder,
            Error::NoSuchTrack(_) => ErrorCode::NoSuchTrack,
            Error::NoSuchPlaylist(_) => ErrorCode::NoSuchPlaylist,
            Error::SeedNotAnalyzed => ErrorCode::SeedNotAnalyzed,
            Error::InvalidRequest(_) => ErrorCode::InvalidRequest,
            Error::Analysis { .. } => ErrorCode::Analysis,
            Error::Preview(_) => ErrorCode::Preview,
            Error::Encode(_)
            | Error::Json { .. }
            | Error::Task(_)
            | Error::Poisoned(_)
            | Error::Index(_) => ErrorCode::Internal,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
