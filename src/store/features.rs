//! Analysis results: what is left to analyse, storing results, and reading stored features
//! back (for the similarity index) and the tags found in them.

use sqlx::{QueryBuilder, Row, Sqlite};

use super::{
    AnalysisCounts, AnalysisOutcome, KeptTags, PendingTrack, Span, Store, TagCount, TrackStatus,
    NOW,
};
use crate::error::{Error, Result};
use crate::paths::{split_track_key, track_key};

/// SQL condition (over `tracks t LEFT JOIN features f`) for a track the analysis must visit:
/// new or changed, analysed by an older version (`?1`), or, when a tagger is available
/// (`?2` not NULL), not tagged by its version.
const OUT_OF_DATE: &str = "(t.status = 'pending' OR (t.status = 'analyzed' AND
    (f.version IS NULL OR f.version < ?1
     OR (?2 IS NOT NULL AND (f.tags_version IS NULL OR f.tags_version < ?2)))))";

impl Store {
    /// Tracks to analyse, in id order after `after_id`: new or changed ones, and those analysed
    /// by an older `version`.
    ///
    /// With `tags_version` (the tagger is available), tracks not tagged by that version are
    /// pending too; a track only out of date in its other features comes with its stored tags.
    pub async fn pending_analysis(
        &self,
        version: i64,
        tags_version: Option<i64>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<PendingTrack>> {
        let rows = sqlx::query(&format!(
            "SELECT t.id, t.path_bytes, t.partial_hash, t.duration_s, t.cue_start_s, t.cue_end_s,
                    CASE WHEN t.status = 'analyzed' AND f.tags_version = ?2
                      THEN COALESCE(json_extract(f.data, '$.tags'), 'null') END AS kept_tags
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
                let (path, number) = split_track_key(&row.try_get::<Vec<u8>, _>("path_bytes")?);
                Ok(PendingTrack {
                    id: row.try_get("id")?,
                    path,
                    span: Span::from_columns(
                        number,
                        row.try_get("cue_start_s")?,
                        row.try_get("cue_end_s")?,
                    ),
                    partial_hash: row.try_get("partial_hash")?,
                    duration_s: row.try_get("duration_s")?,
                    // Tags another version wrote differently are heard again, not an error.
                    kept_tags: row
                        .try_get::<Option<String>, _>("kept_tags")?
                        .zip(tags_version)
                        .and_then(|(json, version)| {
                            let tags = serde_json::from_str(&json).ok()?;
                            Some(KeptTags { tags, version })
                        }),
                })
            })
            .collect()
    }

    /// What the analysis has left to do, what it did and what failed. Each part reads an index
    /// range as long as what it counts (migration 0014): tracks by status, and the analysed
    /// ones whose features an older analysis or tagger wrote — never every track.
    pub async fn analysis_counts(
        &self,
        version: i64,
        tags_version: Option<i64>,
    ) -> Result<AnalysisCounts> {
        // OUT_OF_DATE for an analysed track, written for the OR of its indexes (an analysed
        // track always has its features: migration 0014's trigger).
        let stale_features = if tags_version.is_some() {
            "f.version < ?1 OR f.tags_version IS NULL OR f.tags_version < ?2"
        } else {
            "f.version < ?1"
        };
        // CROSS JOIN keeps features the outer loop, read through its version indexes: left to
        // itself the planner walks every analysed track by status instead (1.7 s at 1M).
        let row = sqlx::query(&format!(
            "WITH stale AS (
               SELECT t.duration_s AS duration_s, f.version < ?1 AS older
               FROM features f CROSS JOIN tracks t ON t.id = f.track_id
               WHERE ({stale_features}) AND t.status = 'analyzed')
             SELECT
               (SELECT COUNT(*) FROM tracks WHERE status = 'pending')
                 + (SELECT COUNT(*) FROM stale) AS pending,
               (SELECT TOTAL(duration_s) FROM tracks WHERE status = 'pending')
                 + (SELECT TOTAL(duration_s) FROM stale) AS pending_s,
               (SELECT COUNT(*) FROM tracks WHERE status = 'analyzed')
                 - (SELECT COUNT(*) FROM stale WHERE older) AS analyzed,
               (SELECT COUNT(*) FROM tracks WHERE status = 'failed') AS failed"
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
    /// Returns how many were stored: (analysed, failed).
    pub async fn save_analysis(&self, outcomes: &[AnalysisOutcome]) -> Result<(usize, usize)> {
        let mut tx = self.pool.begin().await?;
        let (mut analysed, mut failed) = (0, 0);
        for outcome in outcomes {
            let track = &outcome.track;
            let status = if outcome.result.is_ok() {
                TrackStatus::Analyzed
            } else {
                TrackStatus::Failed
            };
            let updated = sqlx::query(&format!(
                "UPDATE tracks SET status = ?, updated_at = {NOW} WHERE id = ? AND partial_hash = ?"
            ))
            .bind(status.as_str())
            .bind(track.id)
            .bind(track.partial_hash)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                continue;
            }
            if outcome.result.is_ok() {
                analysed += 1;
            } else {
                failed += 1;
            }
            let bytes = track_key(&track.path, track.span.map(|s| s.number));
            match &outcome.result {
                Ok(features) => {
                    sqlx::query("DELETE FROM failures WHERE path_bytes = ? AND stage = 'analyze'")
                        .bind(&bytes)
                        .execute(&mut *tx)
                        .await?;
                    // A length the header did not give, or a cut file's (which its header
                    // overstates): what decoded.
                    sqlx::query(
                        "UPDATE tracks SET duration_s = ? WHERE id = ? AND (duration_s IS NULL
                           OR EXISTS (SELECT 1 FROM failures
                                      WHERE path_bytes = tracks.path_bytes AND stage = 'check'))",
                    )
                    .bind(features.duration_s)
                    .bind(track.id)
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
                    // Tags carried over from an earlier run keep the passages stored with them;
                    // untagged features have none.
                    match features.tags.as_ref().map(|t| t.passages.as_ref()) {
                        Some(Some(passages)) => {
                            sqlx::query(
                                "INSERT INTO passages (track_id, data) VALUES (?, ?)
                                 ON CONFLICT (track_id) DO UPDATE SET data = excluded.data",
                            )
                            .bind(track.id)
                            .bind(passages.to_bytes())
                            .execute(&mut *tx)
                            .await?;
                        }
                        Some(None) => {}
                        None => {
                            sqlx::query("DELETE FROM passages WHERE track_id = ?")
                                .bind(track.id)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
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
        Ok((analysed, failed))
    }

    /// Stored features of version `since` or later written after change number `after_seq`,
    /// in change order: (track id, seq, features). Rows whose JSON cannot be read are skipped.
    pub async fn features_since(
        &self,
        since: i64,
        after_seq: i64,
    ) -> Result<Vec<(i64, i64, crate::analysis::Features)>> {
        let rows = sqlx::query(
            "SELECT track_id, seq, data FROM features WHERE version >= ? AND seq > ? ORDER BY seq",
        )
        .bind(since)
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

    /// The features of one track if they are of version `since` or later.
    pub async fn features_of(
        &self,
        track_id: i64,
        since: i64,
    ) -> Result<Option<crate::analysis::Features>> {
        let data: Option<String> =
            sqlx::query_scalar("SELECT data FROM features WHERE track_id = ? AND version >= ?")
                .bind(track_id)
                .bind(since)
                .fetch_optional(&self.pool)
                .await?;
        Ok(data.and_then(|d| serde_json::from_str(&d).ok()))
    }

    /// The features of several tracks (those of version `since` or later; others are left out).
    pub async fn features_of_many(
        &self,
        ids: &[i64],
        since: i64,
    ) -> Result<Vec<(i64, crate::analysis::Features)>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "SELECT track_id, data FROM features WHERE version >= ",
            );
            query.push_bind(since);
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

    /// How many of these tracks have stored passages.
    pub async fn count_passages(&self, ids: &[i64]) -> Result<usize> {
        let mut count = 0i64;
        for chunk in ids.chunks(500) {
            let mut query =
                QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM passages WHERE track_id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            query.push(")");
            count += query
                .build_query_scalar::<i64>()
                .fetch_one(&self.pool)
                .await?;
        }
        Ok(count.max(0) as usize)
    }

    /// The stored passages of these tracks (those that have them). A row that cannot be read
    /// back is left out with a warning: the track is then matched by its vector alone.
    pub async fn passages_of(
        &self,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, crate::passages::Passages>> {
        let mut out = std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "SELECT track_id, data FROM passages WHERE track_id IN (",
            );
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            query.push(")");
            for row in query.build().fetch_all(&self.pool).await? {
                let id: i64 = row.try_get("track_id")?;
                let data: Vec<u8> = row.try_get("data")?;
                match crate::passages::Passages::from_bytes(&data) {
                    Ok(passages) => {
                        out.insert(id, passages);
                    }
                    Err(e) => tracing::warn!(track = id, "unreadable passages: {e}"),
                }
            }
        }
        Ok(out)
    }

    /// Every tagged track's mean tag probabilities (MSD, MTT model order), of features of
    /// version `since` or later: what a description in words is ranked by. Only the two arrays
    /// are read out of each row's JSON.
    pub async fn tag_probabilities(&self, since: i64) -> Result<Vec<(i64, Vec<f32>, Vec<f32>)>> {
        let rows = sqlx::query(
            "SELECT track_id, json_extract(data, '$.tags.msd') AS msd,
                    json_extract(data, '$.tags.mtt') AS mtt
             FROM features WHERE version >= ? AND json_extract(data, '$.tags.msd') IS NOT NULL",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let msd: String = row.try_get("msd")?;
            let mtt: String = row.try_get("mtt")?;
            // A row another version wrote differently is left out, not an error.
            if let (Ok(msd), Ok(mtt)) = (serde_json::from_str(&msd), serde_json::from_str(&mtt)) {
                out.push((row.try_get("track_id")?, msd, mtt));
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

    /// Ids of the tracks with features of version `since` or later, and the change counter.
    pub async fn feature_ids(&self, since: i64) -> Result<(Vec<i64>, i64)> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT track_id FROM features WHERE version >= ?")
            .bind(since)
            .fetch_all(&self.pool)
            .await?;
        let seq: i64 = sqlx::query_scalar("SELECT value FROM counters WHERE name = 'features_seq'")
            .fetch_one(&self.pool)
            .await?;
        Ok((ids, seq))
    }

    /// Chip labels in the library with their track counts, most common first, and how many
    /// tracks `tags_version` tagged.
    pub async fn tag_counts(&self, tags_version: i64) -> Result<(Vec<TagCount>, i64)> {
        // Kept by triggers on every features write (migration 0009): one small read.
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT label, tracks FROM tag_counts WHERE tags_version = ? AND tracks > 0",
        )
        .bind(tags_version)
        .fetch_all(&self.pool)
        .await?;
        let mut tagged = 0;
        let mut tags = Vec::with_capacity(rows.len());
        for (label, tracks) in rows {
            if label.is_empty() {
                tagged = tracks;
            } else {
                tags.push(TagCount { label, tracks });
            }
        }
        tags.sort_by(|a, b| b.tracks.cmp(&a.tracks).then_with(|| a.label.cmp(&b.label)));
        Ok((tags, tagged))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `tag_counts` returns, counted the slow way from every row.
    async fn recount(store: &Store, version: i64) -> (Vec<(String, i64)>, i64) {
        let rows: Vec<Option<String>> =
            sqlx::query_scalar("SELECT tag_labels FROM features WHERE tags_version = ?")
                .bind(version)
                .fetch_all(store.pool())
                .await
                .expect("rows");
        let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
        for labels in rows.iter().flatten() {
            for label in labels.split(',').filter(|l| !l.is_empty()) {
                *counts.entry(label.to_string()).or_default() += 1;
            }
        }
        let mut list: Vec<(String, i64)> = counts.into_iter().collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        (list, rows.len() as i64)
    }

    async fn kept(store: &Store, version: i64) -> (Vec<(String, i64)>, i64) {
        let (tags, tagged) = store.tag_counts(version).await.expect("counts");
        (
            tags.into_iter().map(|t| (t.label, t.tracks)).collect(),
            tagged,
        )
    }

    #[tokio::test]
    async fn the_tag_vocabulary_follows_every_write_without_a_recount() {
        let (_dir, store) = crate::store::testing::temp_store_with_folder().await;
        let pool = store.pool();
        let run = |sql: &'static str| async move {
            sqlx::query(sql).execute(pool).await.expect(sql);
        };
        for id in 1..=6 {
            sqlx::query(
                "INSERT INTO tracks (id, folder_id, path, path_bytes, size, mtime_ns, partial_hash,
                 format, added_at, updated_at) VALUES (?, 1, ?, ?, 1, 1, 1, 'flac', 'now', 'now')",
            )
            .bind(id)
            .bind(format!("/m/{id}.flac"))
            .bind(format!("/m/{id}.flac").into_bytes())
            .execute(pool)
            .await
            .expect("track");
        }
        let features = |id: i64, version: Option<i64>, labels: Option<&'static str>| async move {
            sqlx::query(
                "INSERT INTO features (track_id, version, analyzed_at, audio_s, data, tags_version,
                 tag_labels) VALUES (?, 1, 'now', 1.0, '{}', ?, ?)
                 ON CONFLICT (track_id) DO UPDATE SET tags_version = excluded.tags_version,
                 tag_labels = excluded.tag_labels",
            )
            .bind(id)
            .bind(version)
            .bind(labels)
            .execute(pool)
            .await
            .expect("features");
        };
        features(1, Some(2), Some(",rock,guitar,")).await;
        features(2, Some(2), Some(",rock,")).await;
        features(3, Some(2), Some(",")).await; // tagged, no chip
        features(4, None, None).await; // not tagged
        features(5, Some(1), Some(",piano,")).await; // an older tagger
        features(6, Some(2), Some(",say \"hi\",")).await; // not JSON-safe: tagged only
        assert_eq!(kept(&store, 2).await.1, 4);
        assert_eq!(kept(&store, 2).await.0, {
            let mut want = recount(&store, 2).await.0;
            want.retain(|(label, _)| label != "say \"hi\"");
            want
        });
        run("DELETE FROM features WHERE track_id = 6").await;
        assert_eq!(kept(&store, 2).await, recount(&store, 2).await);
        assert_eq!(kept(&store, 1).await, recount(&store, 1).await);
        // Re-analysed with other chips, re-tagged by a newer tagger, untagged, removed.
        features(2, Some(2), Some(",jazz,guitar,")).await;
        features(5, Some(2), Some(",piano,rock,")).await;
        features(4, Some(2), Some(",jazz,")).await;
        features(1, None, None).await;
        assert_eq!(kept(&store, 2).await, recount(&store, 2).await);
        assert_eq!(kept(&store, 1).await, (vec![], 0));
        run("DELETE FROM tracks WHERE id = 2").await; // cascades to its features
        assert_eq!(kept(&store, 2).await, recount(&store, 2).await);
        assert_eq!(
            kept(&store, 2).await,
            (
                vec![
                    ("jazz".to_string(), 1),
                    ("piano".to_string(), 1),
                    ("rock".to_string(), 1)
                ],
                3
            )
        );
    }
}

#[cfg(test)]
mod copy_tests {
    use crate::store::testing::temp_store;

    /// Tracks whose copies of the tempo and key (migration 0015) differ from their features.
    async fn out_of_step(store: &crate::store::Store) -> i64 {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM tracks t LEFT JOIN features f ON f.track_id = t.id
             WHERE t.order_bpm IS NOT f.bpm OR t.order_camelot IS NOT f.camelot",
        )
        .fetch_one(store.pool())
        .await
        .expect("count")
    }

    /// The tracks' copies of tempo and key follow every write of features: an analysis (insert
    /// and upsert), an edit, a removal.
    #[tokio::test]
    async fn the_tempo_and_key_copies_follow_the_features() {
        let (_dir, store) = temp_store().await;
        store.seed_synthetic_tracks(300).await.expect("seed");
        assert_eq!(out_of_step(&store).await, 0, "nothing analysed");
        store.seed_synthetic_analysis(4, 1).await.expect("analysis");
        let copied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tracks WHERE order_bpm > 0")
            .fetch_one(store.pool())
            .await
            .expect("copied");
        assert!(
            copied > 250,
            "analysed tracks have a tempo copied: {copied}"
        );
        assert_eq!(out_of_step(&store).await, 0, "after the analysis");
        // Analysed again (the upsert of save_analysis): other values.
        sqlx::query("UPDATE tracks SET status = 'pending'")
            .execute(store.pool())
            .await
            .expect("pending");
        store.seed_synthetic_analysis(4, 2).await.expect("again");
        assert_eq!(out_of_step(&store).await, 0, "after the second analysis");
        for sql in [
            "UPDATE features SET bpm = bpm + 1, camelot = '1A' WHERE track_id % 3 = 0",
            "DELETE FROM features WHERE track_id % 5 = 0",
        ] {
            sqlx::query(sql).execute(store.pool()).await.expect(sql);
            assert_eq!(out_of_step(&store).await, 0, "{sql}");
        }
    }
}

#[cfg(test)]
mod passage_tests {
    use super::*;
    use crate::musicnn::net::EMBEDDING;
    use crate::passages::Passages;
    use crate::store::testing::temp_store;

    fn passages(level: f32) -> Passages {
        Passages {
            msd: vec![[level; EMBEDDING]; 3],
            mtt: vec![[-level; EMBEDDING]; 3],
        }
    }

    /// One analysis of the pending tracks, each track's tags given by `tags(id)`.
    async fn analyse(store: &Store, tags: impl Fn(i64) -> Option<Option<Passages>>) {
        let pending = store
            .pending_analysis(crate::analysis::ANALYSIS_VERSION, None, 0, 100)
            .await
            .expect("pending");
        let outcomes: Vec<AnalysisOutcome> = pending
            .into_iter()
            .map(|track| {
                let mut features = crate::analysis::synthetic::features(track.id as usize, 2, 1);
                match tags(track.id) {
                    Some(passages) => {
                        if let Some(t) = features.tags.as_mut() {
                            t.passages = passages;
                        }
                    }
                    None => features.tags = None,
                }
                AnalysisOutcome {
                    result: Ok(features),
                    track,
                }
            })
            .collect();
        store.save_analysis(&outcomes).await.expect("saved");
        sqlx::query("UPDATE tracks SET status = 'pending'")
            .execute(store.pool())
            .await
            .expect("pending again");
    }

    /// Passages are written with the tags that bring them, kept with tags carried over, gone
    /// with the tags, and gone with the features (a failed analysis, a removed track).
    #[tokio::test]
    async fn passages_follow_the_features_they_were_analysed_with() {
        let (_dir, store) = temp_store().await;
        store.seed_synthetic_tracks(4).await.expect("seed");
        let ids = [1, 2, 3, 4];
        analyse(&store, |id| Some((id != 4).then(|| passages(id as f32)))).await;
        let stored = store.passages_of(&ids).await.expect("read");
        assert_eq!(stored.len(), 3, "track 4 was tagged without passages");
        assert_eq!(store.count_passages(&ids).await.expect("count"), 3);
        assert_eq!(store.count_passages(&[2, 4, 9]).await.expect("count"), 1);
        assert_eq!(stored[&2].msd[0][0], 2.0);
        assert_eq!(stored[&2].mtt[2][199], -2.0);
        // Tags carried over (no passages in hand) keep the stored ones; no tags: none.
        analyse(&store, |id| if id == 3 { None } else { Some(None) }).await;
        let stored = store.passages_of(&ids).await.expect("read");
        assert_eq!(
            stored
                .keys()
                .copied()
                .collect::<std::collections::BTreeSet<_>>(),
            [1, 2].into()
        );
        // A failed analysis removes the features and with them the passages; so does removing
        // the track.
        let pending = store
            .pending_analysis(crate::analysis::ANALYSIS_VERSION, None, 0, 1)
            .await
            .expect("pending");
        let failed: Vec<AnalysisOutcome> = pending
            .into_iter()
            .map(|track| AnalysisOutcome {
                track,
                result: Err("cut short".into()),
            })
            .collect();
        store.save_analysis(&failed).await.expect("saved");
        sqlx::query("DELETE FROM tracks WHERE id = 2")
            .execute(store.pool())
            .await
            .expect("removed");
        assert!(store.passages_of(&ids).await.expect("read").is_empty());
        sqlx::query("UPDATE tracks SET status = 'pending'")
            .execute(store.pool())
            .await
            .expect("pending again");
        // A damaged row is left out, not an error.
        analyse(&store, |_| Some(Some(passages(1.0)))).await;
        sqlx::query("UPDATE passages SET data = x'0102' WHERE track_id = 3")
            .execute(store.pool())
            .await
            .expect("damaged");
        let stored = store.passages_of(&ids).await.expect("read");
        assert!(stored.contains_key(&1) && !stored.contains_key(&3));
    }
}

#[cfg(test)]
mod count_tests {
    use super::*;

    /// `analysis_counts` as it was: every track joined with its features (the reference).
    async fn counted_by_join(store: &Store, version: i64, tags: Option<i64>) -> AnalysisCounts {
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
        .bind(tags)
        .fetch_one(store.pool())
        .await
        .expect("reference count");
        AnalysisCounts {
            pending: row.try_get("pending").expect("pending"),
            analyzed: row.try_get("analyzed").expect("analyzed"),
            failed: row.try_get("failed").expect("failed"),
            pending_s: row.try_get("pending_s").expect("pending_s"),
        }
    }

    /// The counts read from indexes are the counts of the join, for every kind of track: new,
    /// analysed now, by an older analysis, untagged or by an older tagger, failed, without a
    /// duration — and a track whose features are deleted is to analyse again.
    #[tokio::test]
    async fn analysis_counts_are_those_of_every_track_joined_with_its_features() {
        let (_dir, store) = crate::store::testing::temp_store_with_folder().await;
        let pool = store.pool();
        // (status, features version, tags version); ids from 1
        let kinds: [(&str, Option<i64>, Option<i64>); 9] = [
            ("pending", None, None),
            ("pending", Some(3), Some(1)), // changed since its analysis
            ("analyzed", Some(3), Some(1)),
            ("analyzed", Some(3), None),    // analysed without the tagger
            ("analyzed", Some(3), Some(0)), // by an older tagger
            ("analyzed", Some(2), Some(1)), // by an older analysis
            ("analyzed", Some(2), None),
            ("failed", None, None),
            ("analyzed", Some(4), Some(1)), // by a newer build
        ];
        for (i, (status, version, tags)) in kinds.iter().enumerate() {
            let id = i as i64 + 1;
            sqlx::query(
                "INSERT INTO tracks (id, folder_id, path, path_bytes, size, mtime_ns, partial_hash,
                 format, duration_s, status, added_at, updated_at)
                 VALUES (?, 1, ?, ?, 1, 1, 1, 'flac', ?, ?, 'now', 'now')",
            )
            .bind(id)
            .bind(format!("/m/{id}.flac"))
            .bind(format!("/m/{id}.flac").into_bytes())
            .bind((id != 6).then_some(10.0 * id as f64))
            .bind(status)
            .execute(pool)
            .await
            .expect("track");
            if let Some(version) = version {
                sqlx::query(
                    "INSERT INTO features (track_id, version, analyzed_at, audio_s, data, tags_version)
                     VALUES (?, ?, 'now', 1.0, '{}', ?)",
                )
                .bind(id)
                .bind(version)
                .bind(tags)
                .execute(pool)
                .await
                .expect("features");
            }
        }
        let check = |what: &'static str| {
            let store = store.clone();
            async move {
                for (version, tags) in [(3, Some(1)), (3, None), (4, Some(1)), (2, Some(0))] {
                    let got = store.analysis_counts(version, tags).await.expect("counts");
                    let want = counted_by_join(&store, version, tags).await;
                    assert_eq!(
                        (got.pending, got.analyzed, got.failed),
                        (want.pending, want.analyzed, want.failed),
                        "{what}: version {version}, tags {tags:?}"
                    );
                    assert!((got.pending_s - want.pending_s).abs() < 1e-9, "{what}");
                }
            }
        };
        check("every kind").await;
        let now = store.analysis_counts(3, Some(1)).await.expect("counts");
        assert_eq!((now.pending, now.analyzed, now.failed), (6, 4, 1));
        assert_eq!(now.pending_s, 10.0 + 20.0 + 40.0 + 50.0 + 70.0);

        // Features gone (not through a failure): the track is to analyse again.
        sqlx::query("DELETE FROM features WHERE track_id = 3")
            .execute(pool)
            .await
            .expect("delete");
        let status: String = sqlx::query_scalar("SELECT status FROM tracks WHERE id = 3")
            .fetch_one(pool)
            .await
            .expect("status");
        assert_eq!(status, "pending");
        check("features deleted").await;
        let after = store.analysis_counts(3, Some(1)).await.expect("counts");
        assert_eq!((after.pending, after.analyzed), (7, 3));
    }
}
