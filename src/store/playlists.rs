//! Saved playlists: a name, the request that made them (JSON, optional) and track ids in order.

use serde::Serialize;
use sqlx::Row;

use super::{Store, NOW};
use crate::error::{Error, Result};

/// A saved playlist as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct SavedPlaylist {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
    pub track_count: i64,
    pub duration_s: Option<f64>,
}

const SUMMARY: &str = "SELECT p.id, p.name, p.created_at, p.updated_at,
        (SELECT COUNT(*) FROM playlist_tracks pt WHERE pt.playlist_id = p.id) AS track_count,
        (SELECT SUM(t.duration_s) FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id
          WHERE pt.playlist_id = p.id) AS duration_s
     FROM playlists p";

fn summary(row: &sqlx::sqlite::SqliteRow) -> sqlx::Result<SavedPlaylist> {
    Ok(SavedPlaylist {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        track_count: row.try_get("track_count")?,
        duration_s: row.try_get("duration_s")?,
    })
}

fn clean_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::InvalidRequest("a playlist needs a name".into()));
    }
    Ok(name.chars().take(200).collect())
}

impl Store {
    pub async fn create_playlist(
        &self,
        name: &str,
        request: Option<&str>,
        track_ids: &[i64],
    ) -> Result<SavedPlaylist> {
        let name = clean_name(name)?;
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(&format!(
            "INSERT INTO playlists (name, request, created_at, updated_at) VALUES (?, ?, {NOW}, {NOW}) RETURNING id"
        ))
        .bind(&name)
        .bind(request)
        .fetch_one(&mut *tx)
        .await?;
        insert_tracks(&mut tx, id, track_ids).await?;
        tx.commit().await?;
        self.saved_playlist(id).await
    }

    pub async fn saved_playlist(&self, id: i64) -> Result<SavedPlaylist> {
        let row = sqlx::query(&format!("{SUMMARY} WHERE p.id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::NoSuchPlaylist(id))?;
        Ok(summary(&row)?)
    }

    /// Every saved playlist, most recently changed first.
    pub async fn saved_playlists(&self) -> Result<Vec<SavedPlaylist>> {
        let rows = sqlx::query(&format!("{SUMMARY} ORDER BY p.updated_at DESC, p.id DESC"))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(summary).collect::<sqlx::Result<_>>()?)
    }

    /// A playlist's request (JSON) and track ids in order.
    pub async fn playlist_contents(&self, id: i64) -> Result<(Option<String>, Vec<i64>)> {
        let request: Option<Option<String>> =
            sqlx::query_scalar("SELECT request FROM playlists WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        let Some(request) = request else {
            return Err(Error::NoSuchPlaylist(id));
        };
        let ids = sqlx::query_scalar(
            "SELECT track_id FROM playlist_tracks WHERE playlist_id = ? ORDER BY position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok((request, ids))
    }

    pub async fn rename_playlist(&self, id: i64, name: &str) -> Result<SavedPlaylist> {
        let name = clean_name(name)?;
        let done = sqlx::query(&format!(
            "UPDATE playlists SET name = ?, updated_at = {NOW} WHERE id = ?"
        ))
        .bind(name)
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NoSuchPlaylist(id));
        }
        self.saved_playlist(id).await
    }

    /// Replaces the track list (reorder, remove, swap) in one transaction.
    pub async fn set_playlist_tracks(&self, id: i64, track_ids: &[i64]) -> Result<SavedPlaylist> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(&format!(
            "UPDATE playlists SET updated_at = {NOW} WHERE id = ?"
        ))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NoSuchPlaylist(id));
        }
        sqlx::query("DELETE FROM playlist_tracks WHERE playlist_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        insert_tracks(&mut tx, id, track_ids).await?;
        tx.commit().await?;
        self.saved_playlist(id).await
    }

    pub async fn delete_playlist(&self, id: i64) -> Result<()> {
        let done = sqlx::query("DELETE FROM playlists WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NoSuchPlaylist(id));
        }
        Ok(())
    }
}

async fn insert_tracks(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    playlist: i64,
    track_ids: &[i64],
) -> Result<()> {
    for (position, track) in track_ids.iter().enumerate() {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM tracks WHERE id = ?")
            .bind(track)
            .fetch_optional(&mut **tx)
            .await?;
        if exists.is_none() {
            return Err(Error::NoSuchTrack(*track));
        }
        sqlx::query(
            "INSERT INTO playlist_tracks (playlist_id, position, track_id) VALUES (?, ?, ?)",
        )
        .bind(playlist)
        .bind(position as i64)
        .bind(track)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
