//! The library database: SQLite through sqlx, with embedded migrations, WAL and foreign keys.
//!
//! Every multi-row change goes through one transaction, so a crash or `kill -9` at any moment
//! leaves either the old or the new state of each batch, never half of one.

mod model;
mod playlists;
pub use playlists::SavedPlaylist;

pub use model::*;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::error::{Error, Result};
use crate::paths::{bytes_to_path, display, path_to_bytes};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// SQL for "now" in the RFC 3339 form every timestamp column uses.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

/// Handle to the library database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

/// SQL condition (over `tracks t LEFT JOIN features f`) for a track the analysis must visit:
/// new or changed, analysed by an older version (`?1`), or, when a tagger is available
/// (`?2` not NULL), not tagged by its version.
const OUT_OF_DATE: &str = "(t.status = 'pending' OR (t.status = 'analyzed' AND
    (f.version IS NULL OR f.version < ?1
     OR (?2 IS NOT NULL AND (f.tags_version IS NULL OR f.tags_version < ?2)))))";

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
        Ok(Store { pool })
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

    // ----- folders -------------------------------------------------------------------------

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

    // ----- tracks --------------------------------------------------------------------------

    /// One page of the library table, searched and sorted in SQL so the UI never holds more
    /// than what it shows.
    pub async fn track_page(&self, query: &TrackQuery) -> Result<TrackPage> {
        let mut count = QueryBuilder::<Sqlite>::new(format!("SELECT COUNT(*) FROM {TRACKS}"));
        push_filters(&mut count, query);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;

        let mut select =
            QueryBuilder::<Sqlite>::new(format!("SELECT {TRACK_COLUMNS} FROM {TRACKS}"));
        push_filters(&mut select, query);
        select.push(" ORDER BY ");
        select.push(query.sort.order_by(query.desc));
        select.push(" LIMIT ");
        select.push_bind(query.limit.clamp(0, 5_000));
        select.push(" OFFSET ");
        select.push_bind(query.offset.max(0));
        let rows = select
            .build_query_as::<TrackRow>()
            .fetch_all(&self.pool)
            .await?;
        Ok(TrackPage {
            total,
            offset: query.offset.max(0),
            rows,
        })
    }

    /// Every track, in path order (for the CLI and exports).
    pub async fn all_tracks(&self, search: Option<&str>) -> Result<Vec<TrackRow>> {
        let mut select =
            QueryBuilder::<Sqlite>::new(format!("SELECT {TRACK_COLUMNS} FROM {TRACKS}"));
        push_filters(
            &mut select,
            &TrackQuery {
                search: search.map(str::to_string),
                ..TrackQuery::default()
            },
        );
        select.push(" ORDER BY path_bytes");
        Ok(select
            .build_query_as::<TrackRow>()
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn track(&self, id: i64) -> Result<Option<TrackRow>> {
        Ok(sqlx::query_as::<_, TrackRow>(&format!(
            "SELECT {TRACK_COLUMNS} FROM {TRACKS} WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn track_id_by_path(&self, path: &Path) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM tracks WHERE path_bytes = ?")
                .bind(path_to_bytes(path))
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// A track with every stored feature.
    pub async fn track_detail(&self, id: i64) -> Result<Option<TrackDetail>> {
        let Some(track) = self.track(id).await? else {
            return Ok(None);
        };
        let row = sqlx::query("SELECT data, analyzed_at FROM features WHERE track_id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let (features, analyzed_at) = match row {
            Some(row) => {
                let data: String = row.try_get("data")?;
                // Unreadable JSON (written by a future version, say) reads as "not analysed".
                (
                    serde_json::from_str(&data).ok(),
                    row.try_get("analyzed_at")?,
                )
            }
            None => (None, None),
        };
        let tags = features
            .as_ref()
            .and_then(|f: &crate::analysis::Features| f.tags.as_ref())
            .map(|t| {
                t.ranked()
                    .into_iter()
                    .map(|(label, probability)| TagScore {
                        label: label.to_lowercase(),
                        probability,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Some(TrackDetail {
            track,
            features,
            analyzed_at,
            tags,
        }))
    }

    /// Chip labels in the library with their track counts, most common first, and how many
    /// tracks `tags_version` tagged.
    pub async fn tag_counts(&self, tags_version: i64) -> Result<(Vec<TagCount>, i64)> {
        let rows: Vec<Option<String>> =
            sqlx::query_scalar("SELECT tag_labels FROM features WHERE tags_version = ?")
                .bind(tags_version)
                .fetch_all(&self.pool)
                .await?;
        let tagged = rows.len() as i64;
        let mut counts: std::collections::HashMap<String, i64> = Default::default();
        for labels in rows.into_iter().flatten() {
            for label in labels.split(',').filter(|l| !l.is_empty()) {
                *counts.entry(label.to_string()).or_default() += 1;
            }
        }
        let mut tags: Vec<TagCount> = counts
            .into_iter()
            .map(|(label, tracks)| TagCount { label, tracks })
            .collect();
        tags.sort_by(|a, b| b.tracks.cmp(&a.tracks).then_with(|| a.label.cmp(&b.label)));
        Ok((tags, tagged))
    }

    /// Several tracks by id, in no particular order (missing ids are skipped).
    pub async fn tracks_by_ids(&self, ids: &[i64]) -> Result<Vec<TrackRow>> {
        let mut rows = Vec::with_capacity(ids.len());
        // SQLite limits bound parameters: ask in chunks.
        for chunk in ids.chunks(500) {
            let mut query = QueryBuilder::<Sqlite>::new(format!(
                "SELECT {TRACK_COLUMNS} FROM {TRACKS} WHERE id IN ("
            ));
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            query.push(")");
            rows.extend(
                query
                    .build_query_as::<TrackRow>()
                    .fetch_all(&self.pool)
                    .await?,
            );
        }
        Ok(rows)
    }

    // ----- similarity index ----------------------------------------------------------------

    /// Stored features of `version` written after change number `after_seq`, in change order:
    /// (track id, seq, features). Rows whose JSON cannot be read are skipped.
    pub async fn features_since(
        &self,
        version: i64,
        after_seq: i64,
    ) -> Result<Vec<(i64, i64, crate::analysis::Features)>> {
        let rows = sqlx::query(
            "SELECT track_id, seq, data FROM features WHERE version = ? AND seq > ? ORDER BY seq",
        )
        .bind(version)
        .bind(after_seq)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let data: String = row.try_get("data")?;
            match serde_json::from_str(&data) {
                Ok(features) => out.push((row.try_get("track_id")?, row.try_get("seq")?, features)),
                Err(e) => tracing::warn!(
                    track = row.try_get::<i64, _>("track_id")?,
                    "unreadable features: {e}"
                ),
            }
        }
        Ok(out)
    }

    /// The features of one track if they are of `version`.
    pub async fn features_of(
        &self,
        track_id: i64,
        version: i64,
    ) -> Result<Option<crate::analysis::Features>> {
        let data: Option<String> =
            sqlx::query_scalar("SELECT data FROM features WHERE track_id = ? AND version = ?")
                .bind(track_id)
                .bind(version)
                .fetch_optional(&self.pool)
                .await?;
        Ok(data.and_then(|d| serde_json::from_str(&d).ok()))
    }

    /// The features of several tracks (those of `version`; others are left out).
    pub async fn features_of_many(
        &self,
        ids: &[i64],
        version: i64,
    ) -> Result<Vec<(i64, crate::analysis::Features)>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut query =
                QueryBuilder::<Sqlite>::new("SELECT track_id, data FROM features WHERE version = ");
            query.push_bind(version);
            query.push(" AND track_id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            query.push(")");
            for row in query.build().fetch_all(&self.pool).await? {
                let data: String = row.try_get("data")?;
                if let Ok(features) = serde_json::from_str(&data) {
                    out.push((row.try_get("track_id")?, features));
                }
            }
        }
        Ok(out)
    }

    /// The features change counter: it moves on every write and every deletion of features.
    pub async fn features_seq(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT value FROM counters WHERE name = 'features_seq'")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Ids of the tracks with features of `version`, and the change counter.
    pub async fn feature_ids(&self, version: i64) -> Result<(Vec<i64>, i64)> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT track_id FROM features WHERE version = ?")
            .bind(version)
            .fetch_all(&self.pool)
            .await?;
        let seq: i64 = sqlx::query_scalar("SELECT value FROM counters WHERE name = 'features_seq'")
            .fetch_one(&self.pool)
            .await?;
        Ok((ids, seq))
    }

    // ----- analysis ------------------------------------------------------------------------

    /// Tracks to analyse, in id order after `after_id`: new or changed ones, and those analysed
    /// by an older `version`.
    ///
    /// With `tags_version` (the tagger is available), tracks not tagged by that version are
    /// pending too.
    pub async fn pending_analysis(
        &self,
        version: i64,
        tags_version: Option<i64>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<PendingTrack>> {
        let rows = sqlx::query(&format!(
            "SELECT t.id, t.path_bytes, t.partial_hash, t.duration_s
             FROM tracks t LEFT JOIN features f ON f.track_id = t.id
             WHERE t.id > ?3 AND {OUT_OF_DATE}
             ORDER BY t.id LIMIT ?4"
        ))
        .bind(version)
        .bind(tags_version)
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(PendingTrack {
                    id: row.try_get("id")?,
                    path: bytes_to_path(&row.try_get::<Vec<u8>, _>("path_bytes")?),
                    partial_hash: row.try_get("partial_hash")?,
                    duration_s: row.try_get("duration_s")?,
                })
            })
            .collect()
    }

    pub async fn analysis_counts(
        &self,
        version: i64,
        tags_version: Option<i64>,
    ) -> Result<AnalysisCounts> {
        let row = sqlx::query(&format!(
            "SELECT
               COALESCE(SUM(CASE WHEN {OUT_OF_DATE} THEN 1 ELSE 0 END), 0) AS pending,
               CAST(COALESCE(SUM(CASE WHEN {OUT_OF_DATE}
                 THEN COALESCE(t.duration_s, 0) ELSE 0 END), 0) AS REAL) AS pending_s,
               COALESCE(SUM(CASE WHEN t.status = 'analyzed' AND f.version >= ?1 THEN 1 ELSE 0 END), 0) AS analyzed,
               COALESCE(SUM(CASE WHEN t.status = 'failed' THEN 1 ELSE 0 END), 0) AS failed
             FROM tracks t LEFT JOIN features f ON f.track_id = t.id"
        ))
        .bind(version)
        .bind(tags_version)
        .fetch_one(&self.pool)
        .await?;
        Ok(AnalysisCounts {
            pending: row.try_get("pending")?,
            analyzed: row.try_get("analyzed")?,
            failed: row.try_get("failed")?,
            pending_s: row.try_get("pending_s")?,
        })
    }

    /// Stores a batch of analysis results in one transaction. A result is dropped when its track
    /// changed or vanished meanwhile (a rescan got there first): it was of other content.
    /// Returns how many were stored.
    pub async fn save_analysis(&self, outcomes: &[AnalysisOutcome]) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        let mut stored = 0;
        for outcome in outcomes {
            let track = &outcome.track;
            let status = if outcome.result.is_ok() {
                "analyzed"
            } else {
                "failed"
            };
            let updated = sqlx::query(&format!(
                "UPDATE tracks SET status = ?, updated_at = {NOW} WHERE id = ? AND partial_hash = ?"
            ))
            .bind(status)
            .bind(track.id)
            .bind(track.partial_hash)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                continue;
            }
            stored += 1;
            let bytes = path_to_bytes(&track.path);
            match &outcome.result {
                Ok(features) => {
                    sqlx::query("DELETE FROM failures WHERE path_bytes = ? AND stage = 'analyze'")
                        .bind(&bytes)
                        .execute(&mut *tx)
                        .await?;
                    let data = serde_json::to_string(features).map_err(Error::json("features"))?;
                    let key = features.key;
                    let seq: i64 = sqlx::query_scalar(
                        "UPDATE counters SET value = value + 1 WHERE name = 'features_seq' RETURNING value",
                    )
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query(&format!(
                        "INSERT INTO features (track_id, version, analyzed_at, audio_s, bpm,
                            bpm_confidence, key_tonic, key_scale, key_strength, camelot,
                            loudness_lufs, data, seq, tags_version, tag_labels)
                         VALUES (?, ?, {NOW}, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                            ?, ?, ?)
                         ON CONFLICT (track_id) DO UPDATE SET
                            version = excluded.version, analyzed_at = excluded.analyzed_at,
                            audio_s = excluded.audio_s, bpm = excluded.bpm,
                            bpm_confidence = excluded.bpm_confidence,
                            key_tonic = excluded.key_tonic, key_scale = excluded.key_scale,
                            key_strength = excluded.key_strength, camelot = excluded.camelot,
                            loudness_lufs = excluded.loudness_lufs, data = excluded.data,
                            seq = excluded.seq, tags_version = excluded.tags_version,
                            tag_labels = excluded.tag_labels"
                    ))
                    .bind(track.id)
                    .bind(features.version)
                    .bind(features.duration_s)
                    .bind(features.tempo.map(|t| f64::from(t.bpm)))
                    .bind(features.tempo.map(|t| f64::from(t.confidence)))
                    .bind(key.map(|k| i64::from(k.tonic)))
                    .bind(key.map(|k| k.scale.as_str()))
                    .bind(key.map(|k| f64::from(k.strength)))
                    .bind(key.map(|k| k.camelot()))
                    .bind(features.loudness.integrated_lufs)
                    .bind(data)
                    .bind(seq)
                    .bind(features.tags_version)
                    .bind(features.tags.as_ref().map(|t| {
                        let chips = t.chips();
                        format!(",{},", chips.join(","))
                    }))
                    .execute(&mut *tx)
                    .await?;
                }
                Err(reason) => {
                    sqlx::query("DELETE FROM features WHERE track_id = ?")
                        .bind(track.id)
                        .execute(&mut *tx)
                        .await?;
                    // No size/mtime: the scan must not take this for a file it failed to read.
                    sqlx::query(&format!(
                        "INSERT INTO failures (folder_id, path, path_bytes, stage, reason, size, mtime_ns, at)
                         SELECT folder_id, path, path_bytes, 'analyze', ?, NULL, NULL, {NOW}
                         FROM tracks WHERE id = ?
                         ON CONFLICT (path_bytes, stage) DO UPDATE SET
                           folder_id = excluded.folder_id, reason = excluded.reason, at = excluded.at"
                    ))
                    .bind(format!("cannot analyse: {reason}"))
                    .bind(track.id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(stored)
    }

    /// What the database knows about the files of these folders: enough to diff a walk.
    pub async fn known_files(&self, folder_ids: &[i64]) -> Result<Vec<KnownFile>> {
        let mut known = Vec::new();
        for &folder_id in folder_ids {
            let rows = sqlx::query(
                "SELECT id, path_bytes, size, mtime_ns, partial_hash FROM tracks WHERE folder_id = ?",
            )
            .bind(folder_id)
            .fetch_all(&self.pool)
            .await?;
            for row in rows {
                known.push(KnownFile {
                    track_id: Some(row.try_get("id")?),
                    folder_id,
                    path: bytes_to_path(&row.try_get::<Vec<u8>, _>("path_bytes")?),
                    size: row.try_get("size")?,
                    mtime_ns: row.try_get("mtime_ns")?,
                    partial_hash: row.try_get("partial_hash")?,
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
                    size: row.try_get("size")?,
                    mtime_ns: row.try_get("mtime_ns")?,
                    partial_hash: 0,
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
                    // A file that turned bad is no longer a playable track.
                    sqlx::query("DELETE FROM tracks WHERE path_bytes = ?")
                        .bind(&bytes)
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
                    sqlx::query("DELETE FROM tracks WHERE path_bytes = ?")
                        .bind(&bytes)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM failures WHERE path_bytes = ?")
                        .bind(&bytes)
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
    pub async fn prune_failures(
        &self,
        folder_id: i64,
        keep: &std::collections::HashSet<Vec<u8>>,
    ) -> Result<u64> {
        let rows = sqlx::query("SELECT id, path_bytes FROM failures WHERE folder_id = ?")
            .bind(folder_id)
            .fetch_all(&self.pool)
            .await?;
        let mut tx = self.pool.begin().await?;
        let mut dropped = 0;
        for row in rows {
            let bytes: Vec<u8> = row.try_get("path_bytes")?;
            if !keep.contains(&bytes) {
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

    /// Paths (as bytes) of the failures recorded at `stage`.
    pub async fn failure_paths(&self, stage: Stage) -> Result<std::collections::HashSet<Vec<u8>>> {
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
                Ok(Failure {
                    path: display(&bytes_to_path(&row.try_get::<Vec<u8>, _>("path_bytes")?)),
                    stage: row.try_get("stage")?,
                    reason: row.try_get("reason")?,
                    at: row.try_get("at")?,
                })
            })
            .collect()
    }

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

const TRACK_COLUMNS: &str = "id, path_bytes, title, artist, album, album_artist, track_no, disc_no, \
    year, genre, duration_s, format, codec, sample_rate, channels, bitrate_kbps, has_cover, status, size, \
    bpm, bpm_confidence, key_tonic, key_scale, key_strength, camelot, loudness_lufs, tag_labels";

/// Tracks with their analysis (column names of the two tables do not overlap).
const TRACKS: &str = "tracks LEFT JOIN features ON features.track_id = tracks.id";

/// WHERE clauses for the search words and the tempo and key filters.
fn push_filters(builder: &mut QueryBuilder<'_, Sqlite>, query: &TrackQuery) {
    let mut first = true;
    let mut clause = |builder: &mut QueryBuilder<'_, Sqlite>| {
        builder.push(if first { " WHERE " } else { " AND " });
        first = false;
    };
    if let Some(min) = query.bpm_min.filter(|v| v.is_finite()) {
        clause(builder);
        builder.push("bpm >= ").push_bind(min);
    }
    if let Some(max) = query.bpm_max.filter(|v| v.is_finite()) {
        clause(builder);
        builder.push("bpm <= ").push_bind(max);
    }
    if let Some(camelot) = query.camelot.as_deref().filter(|c| !c.is_empty()) {
        clause(builder);
        builder
            .push("camelot = ")
            .push_bind(camelot.to_ascii_uppercase());
    }
    if let Some(tag) = query
        .tag
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        clause(builder);
        builder
            .push("tag_labels LIKE ")
            .push_bind(format!("%,{},%", escape_like(&tag.to_lowercase())))
            .push(" ESCAPE '\\'");
    }
    let Some(search) = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    else {
        return;
    };
    // Every word must match one of the text columns; LIKE is case-insensitive for ASCII.
    for word in search.split_whitespace() {
        clause(builder);
        let pattern = format!("%{}%", escape_like(word));
        builder.push("(");
        for (j, column) in ["title", "artist", "album", "album_artist", "genre", "path"]
            .iter()
            .enumerate()
        {
            if j > 0 {
                builder.push(" OR ");
            }
            builder.push(*column);
            builder.push(" LIKE ");
            builder.push_bind(pattern.clone());
            builder.push(" ESCAPE '\\'");
        }
        builder.push(")");
    }
}

fn escape_like(word: &str) -> String {
    word.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

async fn upsert_track(tx: &mut sqlx::Transaction<'_, Sqlite>, track: &NewTrack) -> Result<()> {
    let bytes = path_to_bytes(&track.path);
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
            format, codec, duration_s, sample_rate, channels, bitrate_kbps, status, added_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', {NOW}, {NOW})
         ON CONFLICT (path_bytes) DO UPDATE SET
            folder_id = excluded.folder_id, size = excluded.size, mtime_ns = excluded.mtime_ns,
            status = CASE WHEN tracks.partial_hash = excluded.partial_hash AND tracks.status <> 'failed'
                          THEN tracks.status ELSE 'pending' END,
            partial_hash = excluded.partial_hash,
            title = excluded.title, artist = excluded.artist, album = excluded.album,
            album_artist = excluded.album_artist, track_no = excluded.track_no,
            disc_no = excluded.disc_no, year = excluded.year, genre = excluded.genre,
            has_cover = excluded.has_cover, format = excluded.format, codec = excluded.codec,
            duration_s = excluded.duration_s, sample_rate = excluded.sample_rate,
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
    .execute(&mut **tx)
    .await?;
    Ok(())
}
