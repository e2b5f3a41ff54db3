//! Made-up libraries for benchmarks and UI tests of large libraries.

use super::{AnalysisOutcome, Store, NOW};
use crate::error::Result;
use crate::paths::{display, path_to_bytes};

impl Store {
    /// Inserts `count` made-up tracks (no files behind them) under a made-up folder: for
    /// benchmarks and UI tests of large libraries.
    pub async fn seed_synthetic_tracks(&self, count: i64) -> Result<()> {
        // Numbered after the tracks already there, so a library can be seeded twice.
        let offset: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM tracks")
            .fetch_one(&self.pool)
            .await?;
        let folder = std::path::PathBuf::from(if offset == 0 {
            format!("/synthetic/{count}")
        } else {
            format!("/synthetic/{offset}+{count}")
        });
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
            "WITH RECURSIVE m(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM m WHERE j + 1 < ?),
                n(i) AS (SELECT j + ? FROM m)
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
        .bind(offset)
        .bind(folder_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// "Analyses" every pending track with made-up features of `styles` styles (see
    /// `analysis::synthetic`), through the same write as a real analysis run; returns how many.
    pub async fn seed_synthetic_analysis(&self, styles: usize, seed: u64) -> Result<usize> {
        let version = crate::analysis::ANALYSIS_VERSION;
        let mut done = 0;
        let mut after = 0;
        loop {
            let pending = self.pending_analysis(version, None, after, 5_000).await?;
            let Some(last) = pending.last() else {
                return Ok(done);
            };
            after = last.id;
            let outcomes: Vec<AnalysisOutcome> = pending
                .into_iter()
                .map(|track| AnalysisOutcome {
                    result: Ok(crate::analysis::synthetic::features(
                        track.id as usize,
                        styles,
                        seed,
                    )),
                    track,
                })
                .collect();
            done += self.save_analysis(&outcomes).await?.0;
        }
    }
}
