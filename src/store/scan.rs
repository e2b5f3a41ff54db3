//! What a scan reads and writes: the known files of folders, one batch of changes applied in
//! a transaction, and the pruning of failures that no longer apply.

use std::collections::HashSet;

use sqlx::{Row, Sqlite};

use super::{Change, KnownFile, NewTrack, Store, NOW};
use crate::error::Result;
use crate::paths::{
    bytes_to_path, display, path_to_bytes, span_key_range, split_track_key, track_key,
};

impl Store {
    /// What the database knows about the files of these folders: enough to diff a walk.
    pub async fn known_files(&self, folder_ids: &[i64]) -> Result<Vec<KnownFile>> {
        let mut known = Vec::new();
        for &folder_id in folder_ids {
            let rows = sqlx::query(
                "SELECT id, path_bytes, size, mtime_ns, partial_hash, cue_stamp,
                        EXISTS (SELECT 1 FROM failures f
                                WHERE f.path_bytes = tracks.path_bytes AND f.stage = 'check') AS warned
                 FROM tracks WHERE folder_id = ?",
            )
            .bind(folder_id)
            .fetch_all(&self.pool)
            .await?;
            for row in rows {
                let (path, span) = split_track_key(&row.try_get::<Vec<u8>, _>("path_bytes")?);
                known.push(KnownFile {
                    track_id: Some(row.try_get("id")?),
                    folder_id,
                    path,
                    span,
                    cue_stamp: row.try_get("cue_stamp")?,
                    size: row.try_get("size")?,
                    mtime_ns: row.try_get("mtime_ns")?,
                    partial_hash: row.try_get("partial_hash")?,
                    warned: row.try_get("warned")?,
                });
            }
            let rows = sqlx::query(
                "SELECT path_bytes, size, mtime_ns FROM failures
                 WHERE folder_id = ? AND size IS NOT NULL AND mtime_ns IS NOT NULL",
            )
            .bind(folder_id)
            .fetch_all(&self.pool)
            .await?;
            for row in rows {
                known.push(KnownFile {
                    track_id: None,
                    folder_id,
                    path: bytes_to_path(&row.try_get::<Vec<u8>, _>("path_bytes")?),
                    span: None,
                    cue_stamp: None,
                    size: row.try_get("size")?,
                    mtime_ns: row.try_get("mtime_ns")?,
                    partial_hash: 0,
                    warned: false,
                });
            }
        }
        Ok(known)
    }

    /// Applies one batch of scan results in a single transaction.
    pub async fn apply(&self, changes: &[Change]) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for change in changes {
            match change {
                Change::Upsert(track) => upsert_track(&mut tx, track).await?,
                Change::Move {
                    track_id,
                    folder_id,
                    track,
                } => {
                    // Re-point the row (keeping its id and analysis); the Upsert that follows
                    // in the same batch writes the file's identity and tags.
                    sqlx::query(
                        "UPDATE tracks SET folder_id = ?, path = ?, path_bytes = ? WHERE id = ?",
                    )
                    .bind(folder_id)
                    .bind(display(&track.path))
                    .bind(path_to_bytes(&track.path))
                    .bind(track_id)
                    .execute(&mut *tx)
                    .await?;
                }
                Change::Fail(failure) => {
                    let bytes = path_to_bytes(&failure.path);
                    // A file that turned bad is no longer a playable track, nor one with a
                    // warning or a failed analysis: this failure is the one that stands.
                    let (from, to) = span_key_range(&failure.path);
                    sqlx::query(
                        "DELETE FROM tracks
                         WHERE path_bytes = ? OR (path_bytes >= ? AND path_bytes < ?)",
                    )
                    .bind(&bytes)
                    .bind(&from)
                    .bind(&to)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM failures WHERE path_bytes = ? AND stage <> ?")
                        .bind(&bytes)
                        .bind(failure.stage.as_str())
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(&format!(
                        "INSERT INTO failures (folder_id, path, path_bytes, stage, reason, size, mtime_ns, at)
                         VALUES (?, ?, ?, ?, ?, ?, ?, {NOW})
                         ON CONFLICT (path_bytes, stage) DO UPDATE SET
                           folder_id = excluded.folder_id, reason = excluded.reason,
                           size = excluded.size, mtime_ns = excluded.mtime_ns, at = excluded.at"
                    ))
                    .bind(failure.folder_id)
                    .bind(display(&failure.path))
                    .bind(&bytes)
                    .bind(failure.stage.as_str())
                    .bind(&failure.reason)
                    .bind(failure.size)
                    .bind(failure.mtime_ns)
                    .execute(&mut *tx)
                    .await?;
                }
                Change::Warn(failure) => {
                    // A cut file analysed before (same content) keeps the length that decoded.
                    sqlx::query(
                        "UPDATE tracks SET duration_s = (SELECT audio_s FROM features
                                                          WHERE track_id = tracks.id)
                         WHERE path_bytes = ? AND status = 'analyzed'
                           AND EXISTS (SELECT 1 FROM features WHERE track_id = tracks.id)",
                    )
                    .bind(path_to_bytes(&failure.path))
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(&format!(
                        "INSERT INTO failures (folder_id, path, path_bytes, stage, reason, size, mtime_ns, at)
                         VALUES (?, ?, ?, ?, ?, NULL, NULL, {NOW})
                         ON CONFLICT (path_bytes, stage) DO UPDATE SET
                           folder_id = excluded.folder_id, reason = excluded.reason, at = excluded.at"
                    ))
                    .bind(failure.folder_id)
                    .bind(display(&failure.path))
                    .bind(path_to_bytes(&failure.path))
                    .bind(failure.stage.as_str())
                    .bind(&failure.reason)
                    .execute(&mut *tx)
                    .await?;
                }
                Change::Forget { path } => {
                    let bytes = path_to_bytes(path);
                    let (from, to) = span_key_range(path);
                    for table in ["tracks", "failures"] {
                        sqlx::query(&format!(
                            "DELETE FROM {table}
                             WHERE path_bytes = ? OR (path_bytes >= ? AND path_bytes < ?)"
                        ))
                        .bind(&bytes)
                        .bind(&from)
                        .bind(&to)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                Change::KeepOnly { path, spans } => {
                    let keep: std::collections::HashSet<Vec<u8>> =
                        spans.iter().map(|&n| track_key(path, n)).collect();
                    let (from, to) = span_key_range(path);
                    let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                        "SELECT id, path_bytes FROM tracks
                         WHERE path_bytes = ? OR (path_bytes >= ? AND path_bytes < ?)",
                    )
                    .bind(path_to_bytes(path))
                    .bind(&from)
                    .bind(&to)
                    .fetch_all(&mut *tx)
                    .await?;
                    for (id, key) in rows {
                        if !keep.contains(&key) {
                            sqlx::query("DELETE FROM tracks WHERE id = ?")
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    sqlx::query("DELETE FROM failures WHERE path_bytes = ? AND stage = 'check'")
                        .bind(path_to_bytes(path))
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Drops failures of a folder whose files are gone or no longer failing, given every path
    /// the walk of that folder found.
    pub async fn prune_failures(&self, folder_id: i64, keep: &HashSet<Vec<u8>>) -> Result<u64> {
        let rows = sqlx::query("SELECT id, path_bytes FROM failures WHERE folder_id = ?")
            .bind(folder_id)
            .fetch_all(&self.pool)
            .await?;
        let mut tx = self.pool.begin().await?;
        let mut dropped = 0;
        for row in rows {
            let bytes: Vec<u8> = row.try_get("path_bytes")?;
            // A CUE sheet's track (its analysis failed) stays while its file is there.
            let file = bytes.split(|&b| b == 0).next().unwrap_or(&bytes);
            if !keep.contains(file) {
                let id: i64 = row.try_get("id")?;
                sqlx::query("DELETE FROM failures WHERE id = ?")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                dropped += 1;
            }
        }
        tx.commit().await?;
        Ok(dropped)
    }
}

async fn upsert_track(tx: &mut sqlx::Transaction<'_, Sqlite>, track: &NewTrack) -> Result<()> {
    let bytes = track_key(&track.path, track.span.map(|s| s.number));
    // A file that reads fine again sheds its old failures; fresh warnings follow in the batch.
    sqlx::query("DELETE FROM failures WHERE path_bytes = ?")
        .bind(&bytes)
        .execute(&mut **tx)
        .await?;
    let t = &track.tags;
    // New content (a different partial hash) must be analysed again; same content keeps it.
    sqlx::query(&format!(
        "INSERT INTO tracks (folder_id, path, path_bytes, size, mtime_ns, partial_hash,
            title, artist, album, album_artist, track_no, disc_no, year, genre, has_cover,
            format, codec, duration_s, sample_rate, channels, bitrate_kbps, cue_start_s, cue_end_s,
            cue_stamp, status, added_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending',
                 {NOW}, {NOW})
         ON CONFLICT (path_bytes) DO UPDATE SET
            folder_id = excluded.folder_id, size = excluded.size, mtime_ns = excluded.mtime_ns,
            -- The same audio (and, for a sheet's track, the same span of it) keeps its analysis.
            status = CASE WHEN tracks.partial_hash = excluded.partial_hash AND tracks.status <> 'failed'
                            AND tracks.cue_start_s IS excluded.cue_start_s
                            AND tracks.cue_end_s IS excluded.cue_end_s
                          THEN tracks.status ELSE 'pending' END,
            cue_start_s = excluded.cue_start_s, cue_end_s = excluded.cue_end_s,
            cue_stamp = excluded.cue_stamp,
            partial_hash = excluded.partial_hash,
            title = excluded.title, artist = excluded.artist, album = excluded.album,
            album_artist = excluded.album_artist, track_no = excluded.track_no,
            disc_no = excluded.disc_no, year = excluded.year, genre = excluded.genre,
            has_cover = excluded.has_cover, format = excluded.format, codec = excluded.codec,
            duration_s = CASE WHEN excluded.duration_s IS NULL
                                AND tracks.partial_hash = excluded.partial_hash
                              THEN tracks.duration_s ELSE excluded.duration_s END,
            sample_rate = excluded.sample_rate,
            channels = excluded.channels, bitrate_kbps = excluded.bitrate_kbps,
            updated_at = excluded.updated_at"
    ))
    .bind(track.folder_id)
    .bind(display(&track.path))
    .bind(&bytes)
    .bind(track.size)
    .bind(track.mtime_ns)
    .bind(track.partial_hash)
    .bind(&t.title)
    .bind(&t.artist)
    .bind(&t.album)
    .bind(&t.album_artist)
    .bind(t.track_no)
    .bind(t.disc_no)
    .bind(t.year)
    .bind(&t.genre)
    .bind(t.has_cover)
    .bind(&track.tech.format)
    .bind(&track.tech.codec)
    .bind(track.tech.duration_s)
    .bind(track.tech.sample_rate)
    .bind(track.tech.channels)
    .bind(track.tech.bitrate_kbps)
    .bind(track.span.map(|s| s.start_s))
    .bind(track.span.and_then(|s| s.end_s))
    .bind(track.cue_stamp)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
