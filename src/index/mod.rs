//! Nearest-neighbour search over track vectors: FAISS for the index, chosen by library size, and
//! an exact search in plain Rust that answers while an index is being built (and that tests and
//! benchmarks use as ground truth).
//!
//! Vectors are unit length (see [`crate::vector`]), so the inner product is the cosine
//! similarity; ids are the database's track ids.
//!
//! The size policy and what an index is built with (`policy`), the FAISS index with its
//! build-time tuning (`ann`), the full vectors on disk that re-rank a compressed index's
//! candidates (`refine`), the exact search (`exact`), saving and loading ([`persist`]) and
//! synthetic vectors (`synthetic`: for tests and benchmarks, and the points near library
//! tracks the tuning queries with). The errors
//! and the hit type live here, and every module's public items are re-exported from here.

mod ann;
mod exact;
pub mod persist;
mod policy;
mod refine;
pub mod synthetic;

use serde::{Deserialize, Serialize};

pub use ann::{set_faiss_threads, AnnIndex, MeasuredRecall};
pub use exact::{dot, ExactIndex};
pub use policy::{choose, IndexKind, IndexParams, IndexPolicy};
pub use refine::RefineStore;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("FAISS: {0}")]
    Faiss(#[from] faiss::error::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("index file is damaged or does not match its manifest: {0}")]
    Corrupt(String),
}

pub type Result<T, E = IndexError> = std::result::Result<T, E>;

/// One neighbour: a track id and its cosine similarity to the query.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub id: i64,
    pub score: f32,
}
