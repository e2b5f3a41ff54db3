//! The library table's orderings, kept in memory: for each (sort, direction, filters, search)
//! the table shows, every matching track id in order, so that any page — the middle or the end
//! of a million tracks — is a slice of ids and one read of 200 rows by id, where SQL would sort
//! the whole library (or skip `OFFSET` rows) for every page.
//!
//! An ordering is stamped with the counters it was read under (`tracks_seq`, moved by triggers
//! on every new, removed or renamed track — migration 0010 —, and `features_seq` when the sort
//! or a filter reads analysis results) and is used only while both still read the same. Reads
//! of one ordering are shared: a page asked while it is being read waits for that read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use sqlx::{QueryBuilder, Sqlite};

use super::tracks::{push_filters, TRACKS};
use super::{Store, TrackQuery};
use crate::error::{Error, Result};

/// Orderings kept at most (the least recently used goes first); 8 MB each at 1M tracks.
const KEEP: usize = 8;
/// How long an order must stay asked for before its ordering is read in the background.
const ORDER_READ_DELAY: std::time::Duration = std::time::Duration::from_millis(300);

/// The counters an ordering was read under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Stamp {
    tracks: i64,
    /// Only when the ordering depends on analysis results.
    features: Option<i64>,
}

type Ids = Arc<Vec<i64>>;
/// One read of an ordering, shared by whoever asks for it meanwhile.
type Reading = Arc<tokio::sync::OnceCell<Ids>>;

struct Kept {
    stamp: Stamp,
    ids: Ids,
    used: Instant,
}

/// Shared by every clone of a [`Store`].
#[derive(Default)]
pub(crate) struct OrderCache {
    kept: Mutex<HashMap<String, Kept>>,
    reading: Mutex<HashMap<(String, Stamp), Reading>>,
    /// Exact counts of searches answered from a walk (see `search_walk`), by count key.
    counts: Mutex<HashMap<(String, Stamp), i64>>,
    /// Counts the first pages answered without their ordering: a read started in the
    /// background for one goes ahead only if no other order was asked for meanwhile.
    asked: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for OrderCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OrderCache")
    }
}

fn poisoned<T>(_: T) -> Error {
    Error::Poisoned("table orderings")
}

impl TrackQuery {
    /// What identifies the ordering of this query: everything but the window.
    pub(crate) fn order_key(&self) -> String {
        let mut key = self.clone();
        key.offset = 0;
        key.limit = 0;
        serde_json::to_string(&key).unwrap_or_default()
    }

    /// What identifies the count of this query's matches: its filters and search.
    fn count_key(&self) -> String {
        let mut key = self.clone();
        key.offset = 0;
        key.limit = 0;
        key.sort = Default::default();
        key.desc = false;
        serde_json::to_string(&key).unwrap_or_default()
    }

    /// What an ordering reads from: the tracks table alone (which holds copies of the tempo
    /// and key, migration 0015) unless the tag filter reads the features.
    pub(crate) fn source(&self) -> &'static str {
        if self.tag.is_some() {
            TRACKS
        } else {
            "tracks"
        }
    }

    /// Whether a page at any depth is cheap by SQL: the order walks a covering index of the
    /// tracks table (see `SortKey::order_by`) with nothing to test per row, so `OFFSET` only
    /// counts index entries. Then the first deep page need not wait for the ordering.
    pub(crate) fn skips_cheaply(&self) -> bool {
        self.bpm_min.is_none()
            && self.bpm_max.is_none()
            && self.camelot.is_none()
            && self.tag.is_none()
            && self.ids.is_none()
            && self.search.as_deref().is_none_or(|s| s.trim().is_empty())
    }

    /// Whether the order or the filters read analysis results.
    fn reads_features(&self) -> bool {
        use super::SortKey;
        matches!(self.sort, SortKey::Bpm | SortKey::Key)
            || self.bpm_min.is_some()
            || self.bpm_max.is_some()
            || self.camelot.is_some()
            || self.tag.is_some()
    }
}

impl Store {
    /// The counters an ordering of `query` depends on, as they read now.
    pub(crate) async fn order_stamp(&self, query: &TrackQuery) -> Result<Stamp> {
        let (tracks, features): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT value FROM counters WHERE name = 'tracks_seq'),
                    (SELECT value FROM counters WHERE name = 'features_seq')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Stamp {
            tracks,
            features: query.reads_features().then_some(features),
        })
    }

    /// The kept ordering of `query`, if it is still current.
    pub(crate) fn kept_order(&self, query: &TrackQuery, stamp: Stamp) -> Result<Option<Ids>> {
        let mut kept = self.orders.kept.lock().map_err(poisoned)?;
        Ok(kept.get_mut(&query.order_key()).and_then(|k| {
            (k.stamp == stamp).then(|| {
                k.used = Instant::now();
                Arc::clone(&k.ids)
            })
        }))
    }

    /// The exact number of tracks `query` matches, if known under `stamp`: counted before,
    /// or the length of its kept ordering.
    pub(crate) fn kept_count(&self, query: &TrackQuery, stamp: Stamp) -> Result<Option<i64>> {
        if let Some(ids) = self.kept_order(query, stamp)? {
            return Ok(Some(ids.len() as i64));
        }
        let counts = self.orders.counts.lock().map_err(poisoned)?;
        Ok(counts.get(&(query.count_key(), stamp)).copied())
    }

    /// Remembers the exact count of `query` under `stamp` (counts under older stamps go).
    pub(crate) fn keep_count(&self, query: &TrackQuery, stamp: Stamp, total: i64) -> Result<()> {
        /// Counts kept at most: one per search typed, a few bytes each.
        const KEEP_COUNTS: usize = 256;
        let mut counts = self.orders.counts.lock().map_err(poisoned)?;
        if counts.len() >= KEEP_COUNTS {
            counts.retain(|(_, kept), _| kept.tracks == stamp.tracks);
            if counts.len() >= KEEP_COUNTS {
                counts.clear();
            }
        }
        counts.insert((query.count_key(), stamp), total);
        Ok(())
    }

    /// How many tracks `query` matches, exactly (the page of a search walked for its first
    /// rows gives an estimate; see `search_walk`).
    pub async fn count_tracks(&self, query: &TrackQuery) -> Result<i64> {
        let stamp = self.order_stamp(query).await?;
        if let Some(total) = self.kept_count(query, stamp)? {
            return Ok(total);
        }
        let mut count =
            QueryBuilder::<Sqlite>::new(format!("SELECT COUNT(*) FROM {}", query.source()));
        push_filters(&mut count, query);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
        self.keep_count(query, stamp, total)?;
        Ok(total)
    }

    /// Every id matching `query`, in its order: kept, being read (then shared), or read now.
    pub(crate) async fn order(&self, query: &TrackQuery, stamp: Stamp) -> Result<Ids> {
        if let Some(ids) = self.kept_order(query, stamp)? {
            return Ok(ids);
        }
        let key = query.order_key();
        let cell = {
            let mut reading = self.orders.reading.lock().map_err(poisoned)?;
            Arc::clone(reading.entry((key.clone(), stamp)).or_default())
        };
        let ids = cell
            .get_or_try_init(|| async {
                let started = Instant::now();
                // One JSON array instead of a million rows: sqlx's cost per row is ten times
                // SQLite's walk of the order's index. The sub-query runs as a co-routine that
                // hands its rows over in order.
                let mut select = QueryBuilder::<Sqlite>::new(format!(
                    "SELECT json_group_array(id) FROM (SELECT tracks.id AS id FROM {}",
                    query.source()
                ));
                push_filters(&mut select, query);
                select.push(" ORDER BY ");
                select.push(query.sort.order_by(query.desc));
                select.push(")");
                let json: String = select.build_query_scalar().fetch_one(&self.pool).await?;
                let ids: Vec<i64> = serde_json::from_str(&json).map_err(|source| Error::Json {
                    what: "a table ordering",
                    source,
                })?;
                tracing::debug!(
                    tracks = ids.len(),
                    ms = started.elapsed().as_millis(),
                    "table ordering read"
                );
                Ok::<Ids, Error>(Arc::new(ids))
            })
            .await
            .cloned();
        // Done reading, whether it worked or not: a failed read is tried afresh next time.
        self.orders
            .reading
            .lock()
            .map_err(poisoned)?
            .remove(&(key.clone(), stamp));
        let ids = ids?;
        let mut kept = self.orders.kept.lock().map_err(poisoned)?;
        kept.insert(
            key,
            Kept {
                stamp,
                ids: Arc::clone(&ids),
                used: Instant::now(),
            },
        );
        while kept.len() > KEEP {
            let Some(oldest) = kept
                .iter()
                .min_by_key(|(_, k)| k.used)
                .map(|(key, _)| key.clone())
            else {
                break;
            };
            kept.remove(&oldest);
        }
        Ok(ids)
    }

    /// Reads the ordering of `query` in the background (the first page was answered by SQL
    /// directly; the pages after it will want the ordering).
    pub(crate) fn read_order_soon(&self, query: &TrackQuery, stamp: Stamp) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        use std::sync::atomic::Ordering::SeqCst;
        let asked = self.orders.asked.fetch_add(1, SeqCst) + 1;
        let store = self.clone();
        let query = query.clone();
        handle.spawn(async move {
            // Someone clicking through the sorts leaves each order at once: reading all of
            // them (a million rows each) would slow the page they stop at. Only the order
            // still shown a moment later is read.
            tokio::time::sleep(ORDER_READ_DELAY).await;
            if store.orders.asked.load(SeqCst) != asked {
                return;
            }
            if let Err(e) = store.order(&query, stamp).await {
                tracing::debug!("reading a table ordering: {e}");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SortKey;

    /// Pages served from a kept ordering are the pages SQL gives, for every sort, both
    /// directions, with filters and a search; and an ordering is read again after a change.
    #[tokio::test]
    async fn pages_from_an_ordering_are_the_pages_sql_gives() {
        let (_dir, store) = crate::store::testing::temp_store().await;
        store.seed_synthetic_tracks(3_000).await.expect("seed");
        store.seed_synthetic_analysis(6, 1).await.expect("analysis");
        let ids = |page: &crate::store::TrackPage| -> Vec<i64> {
            page.rows.iter().map(|r| r.id).collect()
        };
        let sorts = [
            SortKey::Title,
            SortKey::Artist,
            SortKey::Album,
            SortKey::Duration,
            SortKey::Format,
            SortKey::Path,
            SortKey::Bpm,
            SortKey::Key,
        ];
        for sort in sorts {
            for desc in [false, true] {
                for (search, bpm_min) in
                    [(None, None), (Some("track 1"), None), (None, Some(120.0))]
                {
                    let mut query = TrackQuery {
                        sort,
                        desc,
                        search: search.map(str::to_string),
                        bpm_min,
                        limit: 100,
                        ..TrackQuery::default()
                    };
                    // The first page before the ordering is read: by SQL, tracks alone.
                    let direct = store.track_page(&query).await.expect("page");
                    let sql = store.track_page_by_sql(&query).await.expect("sql");
                    assert_eq!(direct.total, sql.total);
                    assert_eq!(ids(&direct), ids(&sql), "{sort:?} {desc} {search:?}");
                    let stamp = store.order_stamp(&query).await.expect("stamp");
                    store.order(&query, stamp).await.expect("ordering");
                    for offset in [0, 150, 1_470, 2_950] {
                        query.offset = offset;
                        let kept = store.track_page(&query).await.expect("page");
                        let sql = store.track_page_by_sql(&query).await.expect("sql");
                        assert_eq!(kept.total, sql.total, "{sort:?} {desc} {search:?} {offset}");
                        assert_eq!(ids(&kept), ids(&sql), "{sort:?} {desc} {search:?} {offset}");
                    }
                }
            }
        }
        // A renamed track moves; new analysis moves the BPM order.
        let query = TrackQuery {
            sort: SortKey::Title,
            limit: 5,
            offset: 2_000,
            ..TrackQuery::default()
        };
        let before = store.track_page(&query).await.expect("page");
        sqlx::query("UPDATE tracks SET title = 'Aaa first' WHERE id = ?")
            .bind(before.rows[0].id)
            .execute(store.pool())
            .await
            .expect("rename");
        let after = store.track_page(&query).await.expect("page");
        assert_eq!(
            ids(&after),
            ids(&store.track_page_by_sql(&query).await.expect("sql"))
        );
        assert_ne!(ids(&after), ids(&before));
        let by_bpm = TrackQuery {
            sort: SortKey::Bpm,
            limit: 5,
            offset: 1_500,
            ..TrackQuery::default()
        };
        store.track_page(&by_bpm).await.expect("page");
        sqlx::query("UPDATE features SET bpm = 1.0 WHERE track_id = 1")
            .execute(store.pool())
            .await
            .expect("bpm");
        sqlx::query("UPDATE counters SET value = value + 1 WHERE name = 'features_seq'")
            .execute(store.pool())
            .await
            .expect("seq");
        assert_eq!(
            ids(&store.track_page(&by_bpm).await.expect("page")),
            ids(&store.track_page_by_sql(&by_bpm).await.expect("sql"))
        );
    }
}
