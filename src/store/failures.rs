//! Files that could not be taken in (or analysed), and why.

use std::collections::HashSet;

use sqlx::Row;

use super::{Failure, Stage, Store};
use crate::error::Result;
use crate::paths::{display, split_track_key};

impl Store {
    /// Paths (as bytes) of the failures recorded at `stage`.
    pub async fn failure_paths(&self, stage: Stage) -> Result<HashSet<Vec<u8>>> {
        let rows = sqlx::query("SELECT path_bytes FROM failures WHERE stage = ?")
            .bind(stage.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|r| Ok(r.try_get::<Vec<u8>, _>("path_bytes")?))
            .collect()
    }

    pub async fn failures(&self) -> Result<Vec<Failure>> {
        let rows = sqlx::query(
            "SELECT path_bytes, stage, reason, at FROM failures ORDER BY at DESC, path",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                // A CUE sheet's track (an analysis that failed on it) is named by its number.
                let (path, span) = split_track_key(&row.try_get::<Vec<u8>, _>("path_bytes")?);
                Ok(Failure {
                    path: match span {
                        Some(n) => format!("{} (track {n})", display(&path)),
                        None => display(&path),
                    },
                    stage: row.try_get("stage")?,
                    reason: row.try_get("reason")?,
                    at: row.try_get("at")?,
                })
            })
            .collect()
    }
}
