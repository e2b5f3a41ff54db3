//! Library folders: adding, absorbing (a parent added over its children), removing, listing.

use std::path::Path;

use sqlx::Row;

use super::{Folder, Store, NOW};
use crate::error::{Error, Result};
use crate::paths::{bytes_to_path, display, path_to_bytes};

impl Store {
    pub async fn insert_folder(&self, path: &Path) -> Result<Folder> {
        let id: i64 = sqlx::query_scalar(&format!(
            "INSERT INTO folders (path, path_bytes, added_at) VALUES (?, ?, {NOW}) RETURNING id"
        ))
        .bind(display(path))
        .bind(path_to_bytes(path))
        .fetch_one(&self.pool)
        .await?;
        self.folder(id).await
    }

    /// Moves the tracks and failures of `children` under `parent` and forgets the child
    /// folders, keeping every track row (and so its analysis).
    pub async fn absorb_folders(&self, parent: i64, children: &[i64]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for child in children {
            sqlx::query("UPDATE tracks SET folder_id = ? WHERE folder_id = ?")
                .bind(parent)
                .bind(child)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE failures SET folder_id = ? WHERE folder_id = ?")
                .bind(parent)
                .bind(child)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM folders WHERE id = ?")
                .bind(child)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_folder(&self, id: i64) -> Result<()> {
        let done = sqlx::query("DELETE FROM folders WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NoSuchFolder(id));
        }
        Ok(())
    }

    pub async fn folder(&self, id: i64) -> Result<Folder> {
        self.folders()
            .await?
            .into_iter()
            .find(|f| f.id == id)
            .ok_or(Error::NoSuchFolder(id))
    }

    pub async fn folders(&self) -> Result<Vec<Folder>> {
        let rows = sqlx::query(
            "SELECT f.id, f.path_bytes, f.added_at,
                    (SELECT COUNT(*) FROM tracks t WHERE t.folder_id = f.id) AS track_count
             FROM folders f ORDER BY f.path",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let path = bytes_to_path(&row.try_get::<Vec<u8>, _>("path_bytes")?);
                Ok(Folder {
                    id: row.try_get("id")?,
                    exists: path.is_dir(),
                    path,
                    track_count: row.try_get("track_count")?,
                    added_at: row.try_get("added_at")?,
                })
            })
            .collect()
    }
}
