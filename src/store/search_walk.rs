//! A search's (or a filter's) first pages, found by walking the first rows of the table's order.
//!
//! Through the trigram index a search visits every track that matches: a word most tracks
//! hold ("the", an artist's common first name, "flac") costs a second at a million tracks, for
//! the count and for the first page alike; a tempo or key filter's count visits every track
//! too. Walking the order instead and testing each row finds the first page of such a query
//! among the order's first few thousand rows, and the share of matches among them estimates
//! the count. A selective query finds too few matches in the walk and goes through SQL as
//! before (the trigram index for a search), exactly counted. The exact count of a walked query
//! comes from [`Store::count_tracks`], asked separately (the table asks once typing pauses).

use sqlx::{QueryBuilder, Sqlite};

use super::tracks::{push_filters_with, scannable, SearchBy, SEARCHED};
use super::{orders::Stamp, Store, TrackPage, TrackQuery};
use crate::error::{Error, Result};

/// Rows of the order a query walks before it leaves the page to SQL: enough for the first
/// pages of a search or filter that one track in twenty matches, a few milliseconds of tests.
pub(super) const WALK_ROWS: i64 = 20_000;

impl Store {
    /// A page of a searched or filtered query from the walk of the order's first [`WALK_ROWS`]
    /// rows, or `None` when the walk cannot answer it: nothing to test per row (or only a
    /// list of picked ids), fewer matches in the walk than the page needs (SQL answers a
    /// selective query quickly), or a word LIKE would not match as the index does.
    pub(super) async fn page_by_walk(
        &self,
        query: &TrackQuery,
        stamp: Stamp,
    ) -> Result<Option<TrackPage>> {
        let search = query.search.as_deref().filter(|s| !s.trim().is_empty());
        let filtered = query.bpm_min.is_some()
            || query.bpm_max.is_some()
            || query.camelot.is_some()
            || query.tag.is_some();
        if query.ids.is_some() || (search.is_none() && !filtered) {
            return Ok(None);
        }
        if search.is_some_and(|s| !scannable(s)) {
            return Ok(None);
        }
        let source = query.source();
        let mut columns = SEARCHED.join(", ") + ", order_bpm, order_camelot";
        if source != "tracks" {
            columns.push_str(", tag_labels");
        }
        // The walk's rows, in order, are named `tracks` so that the filters read as they do on
        // the table itself.
        let mut select = QueryBuilder::<Sqlite>::new(format!(
            "WITH walk AS (SELECT tracks.id AS id, {columns} FROM {source} ORDER BY {} LIMIT ",
            query.sort.order_by(query.desc)
        ));
        select.push_bind(WALK_ROWS);
        select.push(
            ") SELECT (SELECT COUNT(*) FROM walk), \
             (SELECT json_group_array(id) FROM walk AS tracks",
        );
        push_filters_with(&mut select, query, SearchBy::Scan);
        select.push(")");
        let (walked, json): (i64, String) = select.build_query_as().fetch_one(&self.pool).await?;
        let matched: Vec<i64> = serde_json::from_str(&json).map_err(|source| Error::Json {
            what: "a walk's matches",
            source,
        })?;
        let offset = usize::try_from(query.offset.max(0)).unwrap_or(usize::MAX);
        let limit = usize::try_from(query.limit.clamp(0, 5_000)).unwrap_or(0);
        let walked_all = walked < WALK_ROWS;
        if !walked_all && matched.len() < offset.saturating_add(limit) {
            return Ok(None);
        }
        let found = matched.len() as i64;
        let (total, estimated) = if walked_all {
            (found, false)
        } else if let Some(exact) = self.kept_count(query, stamp)? {
            (exact, false)
        } else {
            let all: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {source}"))
                .fetch_one(&self.pool)
                .await?;
            let share = found as f64 / walked.max(1) as f64;
            (((share * all as f64).round() as i64).max(found), true)
        };
        if !estimated {
            self.keep_count(query, stamp, total)?;
        }
        let start = offset.min(matched.len());
        let end = start.saturating_add(limit).min(matched.len());
        Ok(Some(TrackPage {
            total,
            estimated,
            offset: query.offset.max(0),
            rows: self.rows_in_order(&matched[start..end]).await?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{SortKey, TrackPage, TrackQuery};

    fn ids(page: &TrackPage) -> Vec<i64> {
        page.rows.iter().map(|r| r.id).collect()
    }

    /// A search most tracks match is answered from a walk of the order — the rows SQL gives
    /// over the whole table, with an estimated total — and counted exactly when asked, after
    /// which its pages carry the exact total. A selective search and a non-ASCII word go
    /// through the index, exactly counted.
    #[tokio::test]
    async fn a_walked_search_pages_as_sql_and_counts_exactly_when_asked() {
        let (_dir, store) = crate::store::testing::temp_store().await;
        let tracks = super::WALK_ROWS + 5_000;
        store.seed_synthetic_tracks(tracks).await.expect("seed");
        store.seed_synthetic_analysis(6, 1).await.expect("analysis");
        // (search, tempo filter, answered by a walk at first)
        for (search, bpm_min, walks) in [
            ("synthetic", None, true),
            ("ARTIST 1", None, true),
            ("rack 3 flac", None, true),
            ("Track 1", Some(110.0), true),
            // ~460 of the first 20,000 titles: the first page, not the fourth
            ("77", None, true),
            // a tempo filter alone
            ("", Some(110.0), true),
            ("24321", None, false),
            ("tràck", None, false),
        ] {
            let first = TrackQuery {
                search: Some(search.into()),
                bpm_min,
                limit: 200,
                ..TrackQuery::default()
            };
            let page = store.track_page(&first).await.expect("page");
            assert_eq!(page.estimated, walks, "{search}");
            for sort in [SortKey::Title, SortKey::Artist, SortKey::Bpm] {
                for desc in [false, true] {
                    for offset in [0, 600] {
                        let query = TrackQuery {
                            search: Some(search.into()),
                            bpm_min,
                            sort,
                            desc,
                            offset,
                            limit: 200,
                            ..TrackQuery::default()
                        };
                        let what = format!("{search:?} {bpm_min:?} {sort:?} {desc} {offset}");
                        let page = store.track_page(&query).await.expect("page");
                        let sql = store.track_page_by_sql(&query).await.expect("sql");
                        assert_eq!(ids(&page), ids(&sql), "{what}");
                        if !page.estimated {
                            assert_eq!(page.total, sql.total, "{what}");
                            continue;
                        }
                        assert!(page.total >= offset + page.rows.len() as i64, "{what}");
                        assert_eq!(store.count_tracks(&query).await.expect("count"), sql.total);
                        let again = store.track_page(&query).await.expect("page");
                        assert!(!again.estimated, "{what}");
                        assert_eq!((again.total, ids(&again)), (sql.total, ids(&sql)), "{what}");
                    }
                }
            }
        }
        // The tag filter reads the features (the walk joins them): the commonest chip.
        let (tags, _) = store
            .tag_counts(crate::musicnn::tagger::TAGS_VERSION)
            .await
            .expect("tags");
        let tag = tags.first().expect("a chip").label.clone();
        for sort in [SortKey::Title, SortKey::Bpm] {
            for offset in [0, 600] {
                let query = TrackQuery {
                    tag: Some(tag.clone()),
                    sort,
                    offset,
                    limit: 200,
                    ..TrackQuery::default()
                };
                let page = store.track_page(&query).await.expect("page");
                let sql = store.track_page_by_sql(&query).await.expect("sql");
                assert_eq!(ids(&page), ids(&sql), "{tag} {sort:?} {offset}");
                assert!(!page.rows.is_empty(), "{tag} {sort:?} {offset}");
            }
        }

        // Everything matches: the estimate is the whole library. A selective search, and a
        // word LIKE cannot fold as the index does, are never estimated.
        let every = TrackQuery {
            search: Some("flac synth".into()),
            limit: 50,
            ..TrackQuery::default()
        };
        let page = store.track_page(&every).await.expect("page");
        assert!(page.estimated);
        assert_eq!(page.total, tracks);
        for search in ["24321", "tràck"] {
            let query = TrackQuery {
                search: Some(search.into()),
                limit: 50,
                ..TrackQuery::default()
            };
            assert!(
                !store.track_page(&query).await.expect("page").estimated,
                "{search}"
            );
        }

        // A new track changes the count: the kept count is not used under the new stamp.
        let before = store.count_tracks(&every).await.expect("count");
        store.seed_synthetic_tracks(1).await.expect("seed");
        assert_eq!(store.count_tracks(&every).await.expect("count"), before + 1);
    }
}
