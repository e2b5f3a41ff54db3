//! Reading tracks: the library table's pages (searched, filtered and sorted in SQL), single
//! tracks and their detail, tracks by id.

use std::path::Path;

use sqlx::{QueryBuilder, Row, Sqlite};

use super::{Store, TagScore, TrackDetail, TrackPage, TrackQuery, TrackRow};
use crate::error::Result;
use crate::paths::path_to_bytes;

impl Store {
    /// One page of the library table, searched and sorted in SQL so the UI never holds more
    /// than what it shows. The first pages of an ordering not read yet come from SQL directly
    /// (the default order walks an index) while the ordering is read in the background; any
    /// other page is a slice of the ordering (see `orders`).
    pub async fn track_page(&self, query: &TrackQuery) -> Result<TrackPage> {
        /// Pages this deep are answered directly while the ordering is not in memory.
        const DIRECT_ROWS: i64 = 1_000;
        let stamp = self.order_stamp(query).await?;
        let offset = query.offset.max(0);
        let ids = match self.kept_order(query, stamp)? {
            Some(ids) => ids,
            None if offset < DIRECT_ROWS => {
                // Search as you type makes a new ordering per key stroke: read only on demand.
                if query.search.as_deref().is_none_or(|s| s.trim().is_empty()) {
                    self.read_order_soon(query, stamp);
                }
                return self.track_page_direct(query).await;
            }
            None => self.order(query, stamp).await?,
        };
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(ids.len());
        let end = start
            .saturating_add(usize::try_from(query.limit.clamp(0, 5_000)).unwrap_or(0))
            .min(ids.len());
        Ok(TrackPage {
            total: ids.len() as i64,
            offset,
            rows: self.rows_in_order(&ids[start..end]).await?,
        })
    }

    /// A page by SQL without the ordering: the window's ids, sorted and counted on the tracks
    /// table alone unless the order or a filter reads analysis results (the join with features
    /// for every track costs more than the sort), then their rows.
    async fn track_page_direct(&self, query: &TrackQuery) -> Result<TrackPage> {
        let source = query.source();
        let mut count = QueryBuilder::<Sqlite>::new(format!("SELECT COUNT(*) FROM {source}"));
        push_filters(&mut count, query);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
        let mut select = QueryBuilder::<Sqlite>::new(format!("SELECT tracks.id FROM {source}"));
        push_filters(&mut select, query);
        select.push(" ORDER BY ");
        select.push(query.sort.order_by(query.desc));
        select.push(" LIMIT ");
        select.push_bind(query.limit.clamp(0, 5_000));
        select.push(" OFFSET ");
        select.push_bind(query.offset.max(0));
        let ids: Vec<i64> = select.build_query_scalar().fetch_all(&self.pool).await?;
        Ok(TrackPage {
            total,
            offset: query.offset.max(0),
            rows: self.rows_in_order(&ids).await?,
        })
    }

    /// The rows of these tracks, in this order (a track deleted meanwhile is left out).
    async fn rows_in_order(&self, window: &[i64]) -> Result<Vec<TrackRow>> {
        let mut by_id: std::collections::HashMap<i64, TrackRow> = self
            .tracks_by_ids(window)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        Ok(window.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// [`Self::track_page`] as one SQL query: a count and a sorted, offset window of rows (the
    /// reference the faster paths are tested against).
    pub(crate) async fn track_page_by_sql(&self, query: &TrackQuery) -> Result<TrackPage> {
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
}

const TRACK_COLUMNS: &str = "id, path_bytes, title, artist, album, album_artist, track_no, disc_no, \
    year, genre, duration_s, format, codec, sample_rate, channels, bitrate_kbps, has_cover, status, size, \
    bpm, bpm_confidence, key_tonic, key_scale, key_strength, camelot, loudness_lufs, tag_labels";

/// Tracks with their analysis (column names of the two tables do not overlap).
pub(super) const TRACKS: &str = "tracks LEFT JOIN features ON features.track_id = tracks.id";

/// WHERE clauses for the search words and the tempo and key filters.
pub(super) fn push_filters(builder: &mut QueryBuilder<'_, Sqlite>, query: &TrackQuery) {
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
    if let Some(ids) = &query.ids {
        // One bound JSON array, however many tracks were picked.
        clause(builder);
        builder
            .push("tracks.id IN (SELECT value FROM json_each(")
            .push_bind(serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()))
            .push("))");
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
