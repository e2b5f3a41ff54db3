//! The library map, kept in step with the library: laid out in a background job from the
//! similarity index's vectors and neighbours, new tracks placed near their neighbours as they
//! are analysed, everything kept in SQLite so the next start shows the map at once.
//!
//! When a layout runs: when there is none, when it was made from other vectors (the vector
//! layout, the weights or the method changed), when the library has doubled since (a map laid
//! out on 300 tracks places the next 3,000 poorly; the new layout starts from the points'
//! current places, so it refines the map rather than redrawing it), and when asked.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::Library;
use crate::analysis::READABLE_SINCE;
use crate::error::{Error, Result};
use crate::map::{self, layout, Point};
use crate::musicnn::tagger::TAGS_VERSION;
use crate::similarity::SimilarityIndex;
use crate::store::{MapPoints, Store};
use crate::vector;

/// Fewer analysed tracks than this make no map.
pub const MAP_MIN_TRACKS: i64 = 3;
/// Placed tracks looked for among a new track's nearest (the rest may be unplaced yet).
const PLACE_SEARCH: usize = 30;
/// Placed neighbours a new track's place is taken from.
const PLACE_FROM: usize = 8;
/// Queries per FAISS batch while gathering neighbours (progress between batches).
const QUERY_BATCH: usize = 2_000;

/// Where the map stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum MapState {
    /// Fewer than three analysed tracks: nothing to map yet.
    Empty,
    /// A layout is running; the points shown are the previous map's (maybe none).
    Building,
    Ready,
}

/// The step a layout is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum MapPhase {
    /// Asking the index for every track's nearest tracks.
    Neighbours,
    /// Moving the points (epochs).
    Layout,
    Saving,
}

/// A running layout's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub struct MapProgress {
    pub phase: MapPhase,
    pub done: u32,
    pub total: u32,
}

/// The map view's answer: the points and where the map stands.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct MapAnswer {
    pub state: MapState,
    pub progress: Option<MapProgress>,
    /// Tracks in the library, and those analysed (the map shows analysed tracks).
    pub tracks: i64,
    pub analyzed: i64,
    /// Points of the last full layout, and tracks placed near their neighbours since.
    pub laid_out: i64,
    pub placed: i64,
    pub built_at: Option<String>,
    pub points: MapPoints,
}

/// What a finished layout did (`segue map --rebuild`).
#[derive(Debug, Clone, Serialize)]
pub struct MapSummary {
    pub points: usize,
    pub neighbours_ms: u64,
    pub layout_ms: u64,
    pub total_ms: u64,
}

/// What the map reports to a host (the app's `map-progress` and `map-updated` events).
#[derive(Debug, Clone, Copy)]
pub enum MapEvent {
    Progress(MapProgress),
    /// A layout finished: points moved.
    Updated,
}

type MapEventFn = Box<dyn Fn(MapEvent) + Send + Sync>;

/// The map's job state, shared with the background layout.
#[derive(Default)]
pub(super) struct MapKeeper {
    building: AtomicBool,
    progress: Mutex<Option<MapProgress>>,
    /// One layout or placement writes at a time.
    writing: tokio::sync::Mutex<()>,
    on_event: OnceLock<MapEventFn>,
}

impl MapKeeper {
    fn report(&self, event: MapEvent) {
        if let MapEvent::Progress(p) = event {
            if let Ok(mut slot) = self.progress.lock() {
                *slot = Some(p);
            }
        }
        if let Some(callback) = self.on_event.get() {
            callback(event);
        }
    }

    fn progress(&self) -> Option<MapProgress> {
        self.progress.lock().ok().and_then(|p| *p)
    }
}

/// How a layout starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    /// From PCA: a new map.
    Fresh,
    /// From the points' current places: the same map, refined.
    Current,
}

/// Names what made a map: the method, the vector layout and the weights.
fn layout_key(similarity: &SimilarityIndex) -> String {
    let w = similarity.settings().weights;
    format!(
        "map{}-vectors{}-weights{}/{}/{}/{}/{}/{}",
        map::MAP_VERSION,
        vector::LAYOUT_VERSION,
        w.rhythm,
        w.harmony,
        w.timbre,
        w.level,
        w.tags,
        w.embedding
    )
}

impl Library {
    /// Calls `callback` with the map's progress and when a layout has finished.
    pub fn on_map_event(&self, callback: impl Fn(MapEvent) + Send + Sync + 'static) {
        let _ = self.map.on_event.set(Box::new(callback));
    }

    /// The map: new tracks placed first, a layout started in the background when one is due
    /// (see the module's notes), every placed track with what the view shows of it.
    pub async fn map(&self) -> Result<MapAnswer> {
        let analyzed = self.store.analyzed_count(READABLE_SINCE).await?;
        // A guest shows the map its owner keeps.
        if analyzed >= MAP_MIN_TRACKS && !self.is_guest() {
            match self.map_layout_due(analyzed).await? {
                Some(start) => self.start_layout(start),
                None => {
                    self.place_on_map().await?;
                }
            }
        }
        let (laid_out, placed) = self.store.map_point_counts().await?;
        let building = self.map.building.load(Ordering::SeqCst);
        Ok(MapAnswer {
            state: if building {
                MapState::Building
            } else if analyzed < MAP_MIN_TRACKS {
                MapState::Empty
            } else {
                MapState::Ready
            },
            progress: if building { self.map.progress() } else { None },
            tracks: self.store.track_count().await?,
            analyzed,
            laid_out,
            placed,
            built_at: self.store.map_layout().await?.map(|l| l.built_at),
            points: self.store.map_points(READABLE_SINCE, TAGS_VERSION).await?,
        })
    }

    /// Starts a fresh layout in the background (the view's "Re-arrange"); false when one
    /// runs already or the library has too few analysed tracks.
    pub async fn start_map_layout(&self) -> Result<bool> {
        let analyzed = self.store.analyzed_count(READABLE_SINCE).await?;
        if analyzed < MAP_MIN_TRACKS || self.map.building.load(Ordering::SeqCst) {
            return Ok(false);
        }
        self.start_layout(Start::Fresh);
        Ok(true)
    }

    /// Lays the map out afresh and waits for it (`segue map --rebuild`).
    pub async fn layout_map(&self) -> Result<MapSummary> {
        if self
            .map
            .building
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return Err(Error::InvalidRequest("a map layout is running".into()));
        }
        let job = LayoutJob::of(self);
        let result = job.run(Start::Fresh).await;
        self.map.building.store(false, Ordering::SeqCst);
        result
    }

    /// Every analysed track's id and index vector, row-major (what the layout starts from), for
    /// benchmarks that compare the map with other pictures of the same vectors.
    #[cfg(feature = "harness")]
    pub async fn index_vectors(&self) -> Result<(Vec<i64>, Vec<f32>)> {
        self.similarity.sync(&self.store).await?;
        let ids = self.store.feature_ids(READABLE_SINCE).await?.0;
        let vectors = self.similarity.vectors_of(&self.store, &ids).await?;
        let ids: Vec<i64> = ids
            .into_iter()
            .filter(|id| vectors.contains_key(id))
            .collect();
        let flat = ids
            .iter()
            .flat_map(|id| vectors[id].iter().copied())
            .collect();
        Ok((ids, flat))
    }

    /// Waits for a background layout, if one runs (for one-shot use).
    pub async fn wait_map_idle(&self) {
        while self.map.building.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Places analysed tracks that have no point yet near their nearest placed neighbours;
    /// returns how many. Nothing moves.
    pub async fn place_on_map(&self) -> Result<usize> {
        let _writing = self.map.writing.lock().await;
        let unplaced = self.store.unplaced_tracks(READABLE_SINCE).await?;
        if unplaced.is_empty() {
            return Ok(0);
        }
        let mut coords = self.store.map_coordinates().await?;
        if coords.is_empty() {
            return Ok(0);
        }
        self.similarity.sync(&self.store).await?;
        let vectors = self.similarity.vectors_of(&self.store, &unplaced).await?;
        let centre = centroid(coords.values());
        let mut placed: Vec<(i64, Point)> = Vec::new();
        let ids: Vec<i64> = unplaced
            .into_iter()
            .filter(|id| vectors.contains_key(id))
            .collect();
        for chunk in ids.chunks(QUERY_BATCH) {
            let queries: Vec<Vec<f32>> = chunk
                .iter()
                .filter_map(|id| vectors.get(id).cloned())
                .collect();
            let exclude: Vec<Vec<i64>> = chunk.iter().map(|&id| vec![id]).collect();
            let found = self
                .similarity
                .search_vectors(&queries, PLACE_SEARCH, &exclude)?;
            for (&id, hits) in chunk.iter().zip(found) {
                let near: Vec<(f32, Point)> = hits
                    .iter()
                    .filter_map(|h| {
                        coords
                            .get(&h.id)
                            .map(|p| (map::distance_of_score(h.score), *p))
                    })
                    .take(PLACE_FROM)
                    .collect();
                let at = map::place::place(&near, id)
                    .or_else(|| map::place::place(&[(1.0, centre)], id))
                    .unwrap_or(centre);
                coords.insert(id, at);
                placed.push((id, at));
            }
        }
        self.store.add_map_points(&placed).await?;
        Ok(placed.len())
    }

    /// A layout is due (see the module's notes) — and how it should start.
    async fn map_layout_due(&self, analyzed: i64) -> Result<Option<Start>> {
        if self.map.building.load(Ordering::SeqCst) {
            return Ok(None);
        }
        let Some(layout) = self.store.map_layout().await? else {
            return Ok(Some(Start::Fresh));
        };
        if layout.layout_key != layout_key(&self.similarity) {
            return Ok(Some(Start::Fresh));
        }
        let laid_out = self.store.map_point_counts().await?.0;
        Ok((analyzed >= 2 * laid_out.max(1)).then_some(Start::Current))
    }

    fn start_layout(&self, start: Start) {
        if self
            .map
            .building
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return;
        }
        let job = LayoutJob::of(self);
        tokio::spawn(async move {
            let keeper = job.keeper.clone();
            if let Err(e) = job.run(start).await {
                tracing::warn!("laying out the map: {e}");
            }
            keeper.building.store(false, Ordering::SeqCst);
            keeper.report(MapEvent::Updated);
        });
    }
}

fn centroid<'a>(points: impl Iterator<Item = &'a Point>) -> Point {
    let (mut sum, mut n) = ([0.0f32; 2], 0usize);
    for p in points {
        sum[0] += p[0];
        sum[1] += p[1];
        n += 1;
    }
    if n == 0 {
        [0.0, 0.0]
    } else {
        [sum[0] / n as f32, sum[1] / n as f32]
    }
}

/// A layout's parts, owned so that it can run in the background.
struct LayoutJob {
    store: Store,
    similarity: Arc<SimilarityIndex>,
    keeper: Arc<MapKeeper>,
}

impl LayoutJob {
    fn of(library: &Library) -> LayoutJob {
        LayoutJob {
            store: library.store.clone(),
            similarity: library.similarity.clone(),
            keeper: library.map.clone(),
        }
    }

    async fn run(&self, start: Start) -> Result<MapSummary> {
        let began = Instant::now();
        self.similarity.sync(&self.store).await?;
        let ids = self.store.feature_ids(READABLE_SINCE).await?.0;
        let vectors = self.similarity.vectors_of(&self.store, &ids).await?;
        let ids: Vec<i64> = ids
            .into_iter()
            .filter(|id| vectors.contains_key(id))
            .collect();
        let n = ids.len();
        let position: HashMap<i64, u32> = ids
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, i as u32))
            .collect();

        let k = map::NEIGHBOURS.min(n.saturating_sub(1));
        let mut neighbours: Vec<Vec<(u32, f32)>> = Vec::with_capacity(n);
        let total = n as u32;
        for chunk in ids.chunks(QUERY_BATCH) {
            let queries: Vec<Vec<f32>> = chunk
                .iter()
                .filter_map(|id| vectors.get(id).cloned())
                .collect();
            let exclude: Vec<Vec<i64>> = chunk.iter().map(|&id| vec![id]).collect();
            for hits in self.similarity.search_vectors(&queries, k, &exclude)? {
                neighbours.push(
                    hits.iter()
                        .filter_map(|h| {
                            position
                                .get(&h.id)
                                .map(|&j| (j, map::distance_of_score(h.score)))
                        })
                        .collect(),
                );
            }
            self.keeper.report(MapEvent::Progress(MapProgress {
                phase: MapPhase::Neighbours,
                done: neighbours.len() as u32,
                total,
            }));
        }
        let neighbours_ms = began.elapsed().as_millis() as u64;

        let mut points: Vec<Point> = match start {
            Start::Fresh => {
                let flat: Vec<f32> = ids
                    .iter()
                    .flat_map(|id| vectors[id].iter().copied())
                    .collect();
                map::pca::project_2d(&flat, vector::DIM)
            }
            Start::Current => {
                let current = self.store.map_coordinates().await?;
                let centre = centroid(current.values());
                ids.iter()
                    .zip(&neighbours)
                    .map(|(id, near)| {
                        current.get(id).copied().unwrap_or_else(|| {
                            let placed: Vec<(f32, Point)> = near
                                .iter()
                                .filter_map(|&(j, d)| {
                                    current.get(&ids[j as usize]).map(|p| (d, *p))
                                })
                                .collect();
                            map::place::place(&placed, *id).unwrap_or(centre)
                        })
                    })
                    .collect()
            }
        };
        drop(vectors);

        let keeper = self.keeper.clone();
        let laid_began = Instant::now();
        let points = tokio::task::spawn_blocking(move || {
            let graph = layout::Graph::from_neighbours(&neighbours);
            let options = layout::Options::for_points(points.len());
            let mut last = Instant::now();
            let outcome = layout::optimise(&mut points, &graph, options, &mut |done, total| {
                if last.elapsed() >= Duration::from_millis(100) || done == total {
                    last = Instant::now();
                    keeper.report(MapEvent::Progress(MapProgress {
                        phase: MapPhase::Layout,
                        done: done as u32,
                        total: total as u32,
                    }));
                }
                true
            });
            map::normalise(&mut points);
            outcome.map(|()| points)
        })
        .await
        .map_err(|e| Error::Task(format!("the map layout stopped: {e}")))?
        .map_err(|_| Error::Task("the map layout was cancelled".into()))?;
        let layout_ms = laid_began.elapsed().as_millis() as u64;

        self.keeper.report(MapEvent::Progress(MapProgress {
            phase: MapPhase::Saving,
            done: 0,
            total: 1,
        }));
        let placed: Vec<(i64, Point)> = ids.iter().copied().zip(points).collect();
        let _writing = self.keeper.writing.lock().await;
        let total_ms = began.elapsed().as_millis() as u64;
        self.store
            .replace_map(&layout_key(&self.similarity), &placed, total_ms as i64)
            .await?;
        Ok(MapSummary {
            points: placed.len(),
            neighbours_ms,
            layout_ms,
            total_ms,
        })
    }
}
