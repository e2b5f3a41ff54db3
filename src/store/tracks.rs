//! Reading tracks: the library table's pages (searched, filtered and sorted in SQL), single
//! tracks and their detail, tracks by id.

use std::path::Path;

use sqlx::{QueryBuilder, Row, Sqlite};

use super::{orders::Stamp, Store, TagScore, TrackDetail, TrackPage, TrackQuery, TrackRow};
use crate::error::Result;
use crate::paths::path_to_bytes;

impl Store {
    /// One page of the library table, searched and sorted in SQL so the UI never holds more
    /// than what it shows. While an ordering is not read yet, its first pages — and every page
    /// of an order that only walks an index, unsearched — come from SQL directly and the
    /// ordering is read in the background; any other page is a slice of the ordering (see
    /// `orders`). A searched or filtered query's first pages may come from a walk (see `search_walk`).
    pub async fn track_page(&self, query: &TrackQuery) -> Result<TrackPage> {
        /// Pages this deep are answered directly while the ordering is not in memory.
        const DIRECT_ROWS: i64 = 1_000;
        let stamp = self.order_stamp(query).await?;
        let offset = query.offset.max(0);
        let ids = match self.kept_order(query, stamp)? {
            Some(ids) => ids,
            None if offset < DIRECT_ROWS || query.skips_cheaply() => {
                // Search as you type makes a new ordering per key stroke: read only on demand.
                if query.search.as_deref().is_none_or(|s| s.trim().is_empty()) {
                    self.read_order_soon(query, stamp);
                }
                if let Some(page) = self.page_by_walk(query, stamp).await? {
                    return Ok(page);
                }
                return self.track_page_direct(query, stamp).await;
            }
            None => self.order(query, stamp).await?,
        };
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(ids.len());
        let end = start
            .saturating_add(usize::try_from(query.limit.clamp(0, 5_000)).unwrap_or(0))
            .min(ids.len());
        Ok(TrackPage {
            total: ids.len() as i64,
            estimated: false,
            offset,
            rows: self.rows_in_order(&ids[start..end]).await?,
        })
    }

    /// A page by SQL without the ordering (a deep page skips its `OFFSET` rows along the
    /// order's index: ~25 ms at a million tracks, where reading the whole ordering takes ~100): the window's ids, sorted and counted on the tracks
    /// table alone unless the order or a filter reads analysis results (the join with features
    /// for every track costs more than the sort), then their rows.
    async fn track_page_direct(&self, query: &TrackQuery, stamp: Stamp) -> Result<TrackPage> {
        let source = query.source();
        let total = match self.kept_count(query, stamp)? {
            Some(total) => total,
            None => {
                let mut count =
                    QueryBuilder::<Sqlite>::new(format!("SELECT COUNT(*) FROM {source}"));
                push_filters(&mut count, query);
                let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
                self.keep_count(query, stamp, total)?;
                total
            }
        };
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
            estimated: false,
            offset: query.offset.max(0),
            rows: self.rows_in_order(&ids).await?,
        })
    }

    /// The rows of these tracks, in this order (a track deleted meanwhile is left out).
    pub(super) async fn rows_in_order(&self, window: &[i64]) -> Result<Vec<TrackRow>> {
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
    #[cfg(test)]
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
            estimated: false,
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
    bpm, bpm_confidence, key_tonic, key_scale, key_strength, camelot, loudness_lufs, tag_labels, \
    cue_start_s, cue_end_s";

/// Tracks with their analysis (column names of the two tables do not overlap).
pub(super) const TRACKS: &str = "tracks LEFT JOIN features ON features.track_id = tracks.id";

/// The text columns a search looks in (and the trigram index `tracks_search` holds).
pub(super) const SEARCHED: [&str; 6] =
    ["title", "artist", "album", "album_artist", "genre", "path"];

/// How the search words are matched: the same tracks either way for words of ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SearchBy {
    /// Words of three characters or more through the trigram index: cheap when few tracks
    /// match, but every matching track is visited.
    Index,
    /// Every word by LIKE on each row: cheap on a short walk of rows.
    Scan,
}

/// WHERE clauses for the search words and the tempo and key filters.
pub(super) fn push_filters(builder: &mut QueryBuilder<'_, Sqlite>, query: &TrackQuery) {
    push_filters_with(builder, query, SearchBy::Index);
}

/// Whether LIKE finds what the trigram index finds for every search word: LIKE folds the case
/// of ASCII letters only, the index that of every letter.
pub(super) fn scannable(search: &str) -> bool {
    search.is_ascii()
}

/// [`push_filters`], the search words matched as `by` says.
pub(super) fn push_filters_with(
    builder: &mut QueryBuilder<'_, Sqlite>,
    query: &TrackQuery,
    by: SearchBy,
) {
    let mut first = true;
    let mut clause = |builder: &mut QueryBuilder<'_, Sqlite>| {
        builder.push(if first { " WHERE " } else { " AND " });
        first = false;
    };
    if let Some(min) = query.bpm_min.filter(|v| v.is_finite()) {
        clause(builder);
        builder.push("order_bpm >= ").push_bind(min);
    }
    if let Some(max) = query.bpm_max.filter(|v| v.is_finite()) {
        clause(builder);
        builder.push("order_bpm <= ").push_bind(max);
    }
    if let Some(camelot) = query.camelot.as_deref().filter(|c| !c.is_empty()) {
        clause(builder);
        builder
            .push("order_camelot = ")
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
    // Every word must match one of the text columns. Searching by index, words of three
    // characters or more are looked up in the trigram index (migration 0011: substrings, case
    // folded) all at once; shorter ones, and every word of a scan, by LIKE (case-insensitive
    // for ASCII).
    let (long, short): (Vec<&str>, Vec<&str>) = search
        .split_whitespace()
        .partition(|word| by == SearchBy::Index && word.chars().count() >= 3);
    if !long.is_empty() {
        clause(builder);
        let phrase: Vec<String> = long
            .iter()
            .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
            .collect();
        builder
            .push("tracks.id IN (SELECT rowid FROM tracks_search WHERE tracks_search MATCH ")
            .push_bind(phrase.join(" "))
            .push(")");
    }
    for word in short {
        clause(builder);
        let pattern = format!("%{}%", escape_like(word));
        builder.push("(");
        for (j, column) in SEARCHED.iter().enumerate() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SortKey;

    /// Every order of the table on the tracks table alone walks an index spelled like it
    /// (migrations 0013, 0015), both ways: SQLite never sorts the whole library for a first page (a
    /// sort of the ties after the indexed terms, per group, is fine). Checked on the plan, not
    /// on time.
    #[tokio::test]
    async fn every_order_walks_an_index_both_ways() {
        let (_dir, store) = crate::store::testing::temp_store().await;
        store.seed_synthetic_tracks(2_000).await.expect("seed");
        store.seed_synthetic_analysis(6, 1).await.expect("analysis");
        for sort in [
            SortKey::Title,
            SortKey::Artist,
            SortKey::Album,
            SortKey::Duration,
            SortKey::Format,
            SortKey::Path,
            SortKey::Bpm,
            SortKey::Key,
        ] {
            for desc in [false, true] {
                let sql = format!(
                    "EXPLAIN QUERY PLAN SELECT tracks.id FROM tracks ORDER BY {} LIMIT 200",
                    sort.order_by(desc)
                );
                let plan: Vec<String> = sqlx::query(&sql)
                    .fetch_all(store.pool())
                    .await
                    .expect("plan")
                    .iter()
                    .map(|row| row.get::<String, _>("detail"))
                    .collect();
                let plan = plan.join(" | ");
                assert!(plan.contains("USING"), "{sort:?} desc={desc}: {plan}");
                assert!(
                    !plan.contains("TEMP B-TREE FOR ORDER BY"),
                    "{sort:?} desc={desc} sorts every track: {plan}"
                );
            }
        }
    }

    /// Search finds every word as a substring of some text column, whatever the characters,
    /// through the trigram index (and LIKE for short words), and follows renames and removals.
    #[tokio::test]
    async fn search_finds_substrings_in_any_column_and_follows_changes() {
        let (_dir, store) = crate::store::testing::temp_store_with_folder().await;
        let pool = store.pool();
        let tracks: [(i64, &str, Option<&str>, &str); 6] = [
            (1, "Late bus home", Some("Sam"), "/m/Night Rides/01.flac"),
            (2, "100% Pure", Some("Ada & Co"), "/m/a/02.flac"),
            (3, "snake_case tune", None, "/m/b/03.flac"),
            (4, "Quote \"this\"", Some("Sam Smith"), "/m/c/04.flac"),
            (5, "Éclair", Some("Zoë"), "/m/d/05.flac"),
            (6, "Busy", Some("Nobody"), "/m/e/06.flac"),
        ];
        for (id, title, artist, path) in tracks {
            sqlx::query(
                "INSERT INTO tracks (id, folder_id, path, path_bytes, size, mtime_ns, partial_hash,
                 format, title, artist, added_at, updated_at)
                 VALUES (?, 1, ?, ?, 1, 1, 1, 'flac', ?, ?, 'now', 'now')",
            )
            .bind(id)
            .bind(path)
            .bind(path.as_bytes())
            .bind(title)
            .bind(artist)
            .execute(pool)
            .await
            .expect("track");
        }
        let found = |search: &'static str| {
            let store = store.clone();
            async move {
                let page = store
                    .track_page(&TrackQuery {
                        search: Some(search.to_string()),
                        limit: 100,
                        ..TrackQuery::default()
                    })
                    .await
                    .expect("page");
                let mut ids: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
                ids.sort_unstable();
                assert_eq!(ids.len() as i64, page.total, "{search}");
                ids
            }
        };
        assert_eq!(found("bus").await, vec![1, 6], "any case, inside a word");
        assert_eq!(found("BUS home").await, vec![1], "every word must match");
        assert_eq!(found("sam").await, vec![1, 4], "the artist column");
        assert_eq!(found("night rides").await, vec![1], "the path");
        assert_eq!(found("100%").await, vec![2], "% is a character");
        assert_eq!(found("e_c").await, vec![3], "_ is a character");
        assert_eq!(found("\"this\"").await, vec![4], "quotes are characters");
        assert_eq!(found("clair").await, vec![5]);
        assert_eq!(found("zoë").await, vec![5]);
        assert_eq!(found("& c").await, vec![2], "short words by LIKE");
        assert_eq!(found("sam 04").await, vec![4], "a long and a short word");
        assert_eq!(found("nowhere").await, Vec::<i64>::new());
        sqlx::query("UPDATE tracks SET title = 'Early train' WHERE id = 1")
            .execute(pool)
            .await
            .expect("rename");
        assert_eq!(found("bus").await, vec![6]);
        assert_eq!(found("train").await, vec![1]);
        sqlx::query("DELETE FROM tracks WHERE id = 6")
            .execute(pool)
            .await
            .expect("remove");
        assert_eq!(found("bus").await, Vec::<i64>::new());
    }
}
