//! The library map's points: replaced whole by a layout (one transaction, so a crash leaves
//! the old map or the new one), grown by placing new tracks, read with what the map view
//! colours and shows.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::{Store, NOW};
use crate::error::Result;
use crate::map::Point;

/// What the last full layout was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapLayoutRecord {
    pub layout_key: String,
    pub laid_out: i64,
    pub build_ms: i64,
    pub built_at: String,
}

/// Every placed, analysed track, column by column (one array per field keeps 100,000 points
/// a few MB and quick to read in the webview).
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
pub struct MapPoints {
    pub ids: Vec<i64>,
    pub x: Vec<f32>,
    pub y: Vec<f32>,
    pub title: Vec<String>,
    pub artist: Vec<String>,
    pub album: Vec<String>,
    /// The folder id (see the overview's folders).
    pub folder: Vec<i64>,
    pub bpm: Vec<Option<f32>>,
    /// Camelot code ("8B").
    pub camelot: Vec<Option<String>>,
    /// Integrated loudness, LUFS.
    pub loudness: Vec<Option<f32>>,
    /// Each track's tag chips, likeliest first, as indices into `tags`.
    pub chips: Vec<Vec<u32>>,
    /// The chip labels used.
    pub tags: Vec<String>,
}

/// Rows per INSERT: well under SQLite's limit on bound values.
const INSERT_BATCH: usize = 2_000;

impl Store {
    pub async fn map_layout(&self) -> Result<Option<MapLayoutRecord>> {
        let row = sqlx::query(
            "SELECT layout_key, laid_out, build_ms, built_at FROM map_layout WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(MapLayoutRecord {
                layout_key: r.try_get("layout_key")?,
                laid_out: r.try_get("laid_out")?,
                build_ms: r.try_get("build_ms")?,
                built_at: r.try_get("built_at")?,
            })
        })
        .transpose()
    }

    /// Every stored point, placed or laid out, by track id.
    pub async fn map_coordinates(&self) -> Result<HashMap<i64, Point>> {
        let rows = sqlx::query("SELECT track_id, x, y FROM map_points")
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|r| {
                let x: f64 = r.try_get("x")?;
                let y: f64 = r.try_get("y")?;
                Ok((r.try_get("track_id")?, [x as f32, y as f32]))
            })
            .collect()
    }

    /// (laid out, placed since) among the stored points.
    pub async fn map_point_counts(&self) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(placed = 0), 0) AS laid, COALESCE(SUM(placed = 1), 0) AS placed
             FROM map_points",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("laid")?, row.try_get("placed")?))
    }

    /// Replaces the whole map with a new layout, in one transaction. Points of tracks deleted
    /// meanwhile are left out.
    pub async fn replace_map(
        &self,
        layout_key: &str,
        points: &[(i64, Point)],
        build_ms: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM map_points")
            .execute(&mut *tx)
            .await?;
        insert_points(&mut tx, points, false).await?;
        let laid_out: i64 = sqlx::query("SELECT COUNT(*) FROM map_points")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        sqlx::query(&format!(
            "INSERT INTO map_layout (id, layout_key, laid_out, build_ms, built_at)
             VALUES (1, ?1, ?2, ?3, {NOW})
             ON CONFLICT(id) DO UPDATE SET layout_key = ?1, laid_out = ?2, build_ms = ?3,
                built_at = {NOW}"
        ))
        .bind(layout_key)
        .bind(laid_out)
        .bind(build_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds points of newly placed tracks (those deleted meanwhile are left out).
    pub async fn add_map_points(&self, points: &[(i64, Point)]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_points(&mut tx, points, true).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Tracks in the library.
    pub async fn track_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM tracks")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Tracks analysed by version `since` or later (what the map can show).
    pub async fn analyzed_count(&self, since: i64) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM features WHERE version >= ?")
                .bind(since)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Analysed tracks (by version `since` or later) without a point, in id order.
    pub async fn unplaced_tracks(&self, since: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT f.track_id FROM features f
             WHERE f.version >= ?1
               AND NOT EXISTS (SELECT 1 FROM map_points m WHERE m.track_id = f.track_id)
             ORDER BY f.track_id",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| Ok(r.try_get("track_id")?))
            .collect()
    }

    /// The map view's points: placed tracks analysed by version `since` or later, with the
    /// chips of `tags_version`.
    pub async fn map_points(&self, since: i64, tags_version: i64) -> Result<MapPoints> {
        let rows = sqlx::query(
            "SELECT m.track_id, m.x, m.y, COALESCE(t.title, '') AS title,
                    COALESCE(t.artist, '') AS artist, COALESCE(t.album, '') AS album,
                    t.folder_id, f.bpm, f.camelot, f.loudness_lufs,
                    CASE WHEN f.tags_version = ?2 THEN f.tag_labels END AS tag_labels
             FROM map_points m
             JOIN tracks t ON t.id = m.track_id
             JOIN features f ON f.track_id = m.track_id AND f.version >= ?1
             ORDER BY m.track_id",
        )
        .bind(since)
        .bind(tags_version)
        .fetch_all(&self.pool)
        .await?;
        let mut points = MapPoints::default();
        let mut tag_index: HashMap<String, u32> = HashMap::new();
        for r in rows {
            let x: f64 = r.try_get("x")?;
            let y: f64 = r.try_get("y")?;
            points.ids.push(r.try_get("track_id")?);
            points.x.push(x as f32);
            points.y.push(y as f32);
            points.title.push(r.try_get("title")?);
            points.artist.push(r.try_get("artist")?);
            points.album.push(r.try_get("album")?);
            points.folder.push(r.try_get("folder_id")?);
            points
                .bpm
                .push(r.try_get::<Option<f64>, _>("bpm")?.map(|v| v as f32));
            points.camelot.push(r.try_get("camelot")?);
            points.loudness.push(
                r.try_get::<Option<f64>, _>("loudness_lufs")?
                    .map(|v| v as f32),
            );
            let labels: Option<String> = r.try_get("tag_labels")?;
            let chips = labels
                .as_deref()
                .unwrap_or("")
                .split(',')
                .filter(|l| !l.is_empty())
                .map(|label| {
                    let next = tag_index.len() as u32;
                    let index = *tag_index.entry(label.to_string()).or_insert(next);
                    if index == next {
                        points.tags.push(label.to_string());
                    }
                    index
                })
                .collect();
            points.chips.push(chips);
        }
        Ok(points)
    }
}

async fn insert_points(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    points: &[(i64, Point)],
    placed: bool,
) -> Result<()> {
    for batch in points.chunks(INSERT_BATCH) {
        let mut query: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT OR REPLACE INTO map_points (track_id, x, y, placed) ");
        query.push("SELECT p.column1, p.column2, p.column3, p.column4 FROM (");
        query.push_values(batch, |mut row, (id, p)| {
            row.push_bind(*id)
                .push_bind(p[0] as f64)
                .push_bind(p[1] as f64)
                .push_bind(placed as i64);
        });
        query.push(") p WHERE EXISTS (SELECT 1 FROM tracks t WHERE t.id = p.column1)");
        query.build().execute(&mut **tx).await?;
    }
    Ok(())
}
