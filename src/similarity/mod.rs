//! The library's similarity index: keeps a FAISS index (see [`crate::index`]) in step with the
//! analysed tracks in the database, saves it, and answers "what sounds like this?".
//!
//! - On first use the saved index is loaded and checked against the database; a damaged one, or
//!   one made with another layout or weights, is rebuilt (with a warning), and tracks analysed
//!   since it was saved are added.
//! - [`SimilarityIndex::sync`] takes in what changed since the last look (`features.seq`):
//!   new and re-analysed tracks are added, deleted ones removed, no rebuild.
//! - When the library outgrows the index type (the size policy) or doubles, a better index is
//!   trained in the background while the current one keeps answering; with no usable index at
//!   all, exact search over the stored vectors answers until the build is done.
//!
//! The index's state and the type that holds it live here; `sync` takes in what changed in
//! the database and saves, `build` decides when to rebuild and trains the new index in the
//! background, `query` answers nearest-neighbour questions.

mod build;
mod query;
mod sync;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::index::persist::Manifest;
use crate::index::{AnnIndex, ExactIndex, IndexPolicy};
use crate::vector::{self, BlockWeights, Normalizer, DIM};

/// Settings of the similarity index (`settings.json` in the data dir, key `similarity`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimilaritySettings {
    pub weights: BlockWeights,
    pub policy: IndexPolicy,
    /// Weight of the passages' match beside the vector's cosine when the index's nearest are
    /// re-ranked ([`crate::passages`]); 0 ranks by the vector alone.
    pub passage_weight: f32,
}

impl Default for SimilaritySettings {
    fn default() -> Self {
        SimilaritySettings {
            weights: BlockWeights::default(),
            policy: IndexPolicy::default(),
            passage_weight: crate::passages::PASSAGE_WEIGHT,
        }
    }
}

/// Where the index answers from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexState {
    /// No analysed tracks yet.
    Empty,
    /// The index is up to date.
    Ready,
    /// An index is being built; answers come from the previous index or exact search.
    Building,
}

/// `segue index stats`: what the index is and what it costs.
#[derive(Debug, Clone, Serialize)]
pub struct IndexStats {
    pub state: IndexState,
    /// "Flat", "IVF128,Flat", "IVF1024,PQ36", or "exact" while a first build runs.
    #[serde(rename = "type")]
    pub index_type: String,
    pub count: usize,
    pub dimension: usize,
    pub layout: u32,
    pub nlist: usize,
    pub nprobe: usize,
    pub pq_m: usize,
    pub bytes_in_memory: usize,
    /// Recall@10 against exact search measured when the index was tuned: library tracks as
    /// queries, and points near them (as a file from outside the library would be).
    pub measured_recall: Option<f32>,
    pub measured_recall_near: Option<f32>,
    /// Candidates re-ranked by the full vectors on disk (0: the index's scores are final).
    pub refine_k: usize,
    /// Bytes of the full-vector file on disk (a sparse file: holes take nothing).
    pub bytes_on_disk: u64,
    pub built_at: Option<String>,
    pub build_ms: Option<u64>,
    /// The last problem with the saved index (damaged, rebuilt…), if any.
    pub warning: Option<String>,
}

enum Searcher {
    None,
    Exact(ExactIndex),
    Ann(Mutex<AnnIndex>),
}

struct Inner {
    normalizer: Option<Normalizer>,
    searcher: Searcher,
    ids: HashSet<i64>,
    /// The highest `features.seq` taken in.
    seq: i64,
    manifest: Option<Manifest>,
    /// Count when the index was built: the basis of the "library doubled" rebuild rule.
    built_count: usize,
    loaded: bool,
    dirty: bool,
    /// Out of step in a way changes cannot mend: rebuild.
    stale: bool,
    last_saved: Option<Instant>,
    warning: Option<String>,
}

/// Thread-safe; one per library.
pub struct SimilarityIndex {
    dir: PathBuf,
    settings: SimilaritySettings,
    inner: RwLock<Inner>,
    /// One load, sync or build at a time.
    maintenance: tokio::sync::Mutex<()>,
    building: std::sync::atomic::AtomicBool,
    /// Called after a new index is swapped in (the app tells the UI).
    on_built: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>,
    /// A guest of another process's library: keeps what it builds in memory, never saves.
    read_only: std::sync::atomic::AtomicBool,
}

fn lock_err<T>(_: T) -> Error {
    Error::Poisoned("similarity index")
}

impl SimilarityIndex {
    /// From now on nothing is saved (a guest of another process's library).
    pub fn set_read_only(&self) {
        self.read_only
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn new(dir: PathBuf, settings: SimilaritySettings) -> Arc<Self> {
        Arc::new(SimilarityIndex {
            dir,
            settings,
            inner: RwLock::new(Inner {
                normalizer: None,
                searcher: Searcher::None,
                ids: HashSet::new(),
                seq: 0,
                manifest: None,
                built_count: 0,
                loaded: false,
                dirty: false,
                stale: false,
                last_saved: None,
                warning: None,
            }),
            maintenance: tokio::sync::Mutex::new(()),
            building: std::sync::atomic::AtomicBool::new(false),
            read_only: std::sync::atomic::AtomicBool::new(false),
            on_built: std::sync::OnceLock::new(),
        })
    }

    /// Sets what to call after every build (once; later calls are ignored).
    pub fn on_built(&self, callback: Box<dyn Fn() + Send + Sync>) {
        let _ = self.on_built.set(callback);
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn settings(&self) -> &SimilaritySettings {
        &self.settings
    }

    fn is_building(&self) -> bool {
        self.building.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn stats(&self) -> Result<IndexStats> {
        let inner = self.inner.read().map_err(lock_err)?;
        let building = self.is_building();
        let state = if inner.ids.is_empty() && !building {
            IndexState::Empty
        } else if building || !matches!(inner.searcher, Searcher::Ann(_)) {
            IndexState::Building
        } else {
            IndexState::Ready
        };
        let mut stats = IndexStats {
            state,
            index_type: "none".into(),
            count: inner.ids.len(),
            dimension: DIM,
            layout: vector::LAYOUT_VERSION,
            nlist: 0,
            nprobe: 0,
            pq_m: 0,
            bytes_in_memory: 0,
            measured_recall: None,
            measured_recall_near: None,
            refine_k: 0,
            bytes_on_disk: 0,
            built_at: inner.manifest.as_ref().map(|m| m.built_at.clone()),
            build_ms: inner.manifest.as_ref().map(|m| m.build_ms),
            warning: inner.warning.clone(),
        };
        match &inner.searcher {
            Searcher::None => {}
            Searcher::Exact(exact) => {
                stats.index_type = "exact".into();
                stats.bytes_in_memory = exact.len() * (DIM * 4 + 8);
            }
            Searcher::Ann(ann) => {
                let ann = ann.lock().map_err(lock_err)?;
                let params = ann.params();
                stats.index_type = params.name();
                stats.nlist = params.nlist;
                stats.nprobe = params.nprobe;
                stats.pq_m = params.pq_m;
                stats.bytes_in_memory = ann.memory_bytes();
                stats.measured_recall = ann.measured_recall().library;
                stats.measured_recall_near = ann.measured_recall().near;
                stats.refine_k = params.refine_k;
                stats.bytes_on_disk = ann.refine_bytes_on_disk();
            }
        }
        Ok(stats)
    }
}
