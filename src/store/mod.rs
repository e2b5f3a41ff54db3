//! The library database: SQLite through sqlx, with embedded migrations, WAL and foreign keys.
//!
//! Every multi-row change goes through one transaction, so a crash or `kill -9` at any moment
//! leaves either the old or the new state of each batch, never half of one.
//!
//! [`Store`]'s methods are split by concern: `folders`, `tracks` (the library table, track
//! detail), `features` (analysis results), `scan` (what a scan reads and applies), `failures`,
//! `playlists`, `names` (bringing older tracks' names up to date), `orders` (the table's
//! orderings kept in memory for paging at any depth, and exact counts), `search_walk` (a
//! search's first pages without visiting every match), `backup` (copies and checks
//! of the file) and `synthetic` (benchmark libraries); this file opens the database and answers
//! for it as a whole.

mod backup;
mod failures;
mod features;
mod folders;
mod map;
mod model;
mod names;
mod orders;
mod playlists;
mod scan;
mod search_walk;
#[cfg(any(test, feature = "harness"))]
mod synthetic;
mod tracks;
pub(crate) use backup::sync_dir;
pub use backup::{check_file, is_damage};
pub use map::{MapLayoutRecord, MapPoints};
pub use playlists::SavedPlaylist;

pub use model::*;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use crate::error::Result;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// SQL for "now" in the RFC 3339 form every timestamp column uses.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

/// Handle to the library database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// The library table's orderings (shared by every clone).
    orders: std::sync::Arc<orders::OrderCache>,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub async fn open(db_path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(db_path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        let store = Store {
            pool,
            orders: Default::default(),
        };
        store.upgrade_names().await?;
        Ok(store)
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub async fn integrity_check(&self) -> Result<String> {
        let row = sqlx::query("PRAGMA integrity_check")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<String, _>(0)?)
    }

    /// How big the library is: folders, tracks, failures, hours, bytes and formats.
    pub async fn stats(&self) -> Result<Stats> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM folders) AS folders,
                    (SELECT COUNT(*) FROM tracks) AS tracks,
                    (SELECT COUNT(*) FROM failures) AS failures,
                    (SELECT COALESCE(SUM(duration_s), 0.0) FROM tracks) AS total_duration_s,
                    (SELECT COALESCE(SUM(size), 0) FROM tracks) AS total_bytes",
        )
        .fetch_one(&self.pool)
        .await?;
        let formats = sqlx::query(
            "SELECT format, COUNT(*) AS n FROM tracks GROUP BY format ORDER BY n DESC, format",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(Stats {
            folders: row.try_get("folders")?,
            tracks: row.try_get("tracks")?,
            failures: row.try_get("failures")?,
            total_duration_s: row.try_get("total_duration_s")?,
            total_bytes: row.try_get("total_bytes")?,
            formats: formats
                .into_iter()
                .map(|r| Ok((r.try_get("format")?, r.try_get("n")?)))
                .collect::<Result<_>>()?,
        })
    }
}

/// What the store's unit tests share.
#[cfg(test)]
pub(crate) mod testing {
    use super::Store;

    /// A store in a temporary directory, which lives as long as the returned guard.
    pub async fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("library.sqlite3"))
            .await
            .expect("open");
        (dir, store)
    }

    /// [`temp_store`] with folder 1 ("/m") for tracks written by hand.
    pub async fn temp_store_with_folder() -> (tempfile::TempDir, Store) {
        let (dir, store) = temp_store().await;
        sqlx::query(
            "INSERT INTO folders (id, path, path_bytes, added_at) VALUES (1, '/m', x'2f6d', 'now')",
        )
        .execute(store.pool())
        .await
        .expect("folder");
        (dir, store)
    }
}
