//! Bringing the names of tracks read by an older Segue up to date with the name fallbacks of
//! `metadata` (a title from the file name, an album from the folder, an artist from the album
//! artist; junk dropped), once per fallback version, in one transaction. Tracks read from now on
//! get them as they are scanned.

use sqlx::Row;

use super::Store;
use crate::error::Result;
use crate::metadata::Tags;
use crate::paths::split_track_key;

/// Bump when `Tags::with_fallbacks` changes what it makes of the tags a track already has.
/// 2: names with no letter or digit ("???", "-") are junk.
pub const NAMES_VERSION: i64 = 2;

impl Store {
    pub(super) async fn upgrade_names(&self) -> Result<()> {
        let version: i64 =
            sqlx::query_scalar("SELECT value FROM counters WHERE name = 'names_version'")
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or(NAMES_VERSION);
        if version >= NAMES_VERSION {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        let rows =
            sqlx::query("SELECT id, path_bytes, title, artist, album, album_artist FROM tracks")
                .fetch_all(&mut *tx)
                .await?;
        for row in rows {
            let (path, _) = split_track_key(&row.try_get::<Vec<u8>, _>("path_bytes")?);
            let before = Tags {
                title: row.try_get("title")?,
                artist: row.try_get("artist")?,
                album: row.try_get("album")?,
                album_artist: row.try_get("album_artist")?,
                ..Tags::default()
            };
            let after = before.clone().with_fallbacks(&path);
            if after != before {
                sqlx::query(
                    "UPDATE tracks SET title = ?, artist = ?, album = ?, album_artist = ? WHERE id = ?",
                )
                .bind(&after.title)
                .bind(&after.artist)
                .bind(&after.album)
                .bind(&after.album_artist)
                .bind(row.try_get::<i64, _>("id")?)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query("UPDATE counters SET value = ? WHERE name = 'names_version'")
            .bind(NAMES_VERSION)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
