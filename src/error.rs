//! The engine's error type. The CLI and the app shell wrap it in `anyhow` at their edges.

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
    #[error("no library folder with id {0}")]
    NoSuchFolder(i64),
    #[error("file watcher: {0}")]
    Watch(#[from] notify::Error),
    #[error("background task failed: {0}")]
    Task(String),
    #[error("similarity index: {0}")]
    Index(#[from] crate::index::IndexError),
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
