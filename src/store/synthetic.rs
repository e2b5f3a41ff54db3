//! Made-up libraries for benchmarks and UI tests of large libraries.

use super::{Store, NOW};
use crate::error::Result;
use crate::paths::{display, path_to_bytes};

impl Store {
    /// Inserts `count` made-up tracks (no files behind them) under a made-up folder: for
    /// benchmarks and UI tests of large libraries.
    pub async fn seed_synthetic_tracks(&self, count: i64) -> Result<()> {
        let folder = std::path::PathBuf::from(format!("/synthetic/{count}"));
        let folder_id: i64 = sqlx::query_scalar(&format!(
            "INSERT INTO folders (path, path_bytes, added_at) VALUES (?, ?, {NOW}) RETURNING id"
        ))
        .bind(display(&folder))
        .bind(path_to_bytes(&folder))
        .fetch_one(&self.pool)
        .await?;
        let mut tx = self.pool.begin().await?;
        // A recursive CTE writes the rows inside SQLite: 100,000 rows in well under a second.
        sqlx::query(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
             INSERT INTO tracks (folder_id, path, path_bytes, size, mtime_ns, partial_hash,
                title, artist, album, album_artist, track_no, disc_no, year, genre, has_cover,
                format, codec, duration_s, sample_rate, channels, bitrate_kbps, status, added_at, updated_at)
             SELECT ?, '/synthetic/' || i || '.flac', CAST('/synthetic/' || i || '.flac' AS BLOB),
                1000000 + i, i, i, 'Track ' || i, 'Artist ' || (i / 100), 'Album ' || (i / 10),
                'Artist ' || (i / 100), i % 10 + 1, 1, 1960 + i % 60, 'Synthetic', 0,
                CASE i % 4 WHEN 0 THEN 'MP3' WHEN 1 THEN 'FLAC' WHEN 2 THEN 'Ogg Vorbis' ELSE 'AAC' END,
                NULL, 120 + (i * 37) % 300, 44100, 2, 320, 'pending', {NOW}, {NOW}
             FROM n"
        ))
        .bind(count)
        .bind(folder_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
