//! The library's similarity index: keeps a FAISS index (see [`crate::index`]) in step with the
//! analysed tracks in the database, saves it, and answers "what sounds like this?".
//!
//! - On first use the saved index is loaded and checked against the database; a damaged one, or
//!   one made with another layout or weights, is rebuilt (with a warning), and tracks analysed
//!   since it was saved are added.
//! - [`SimilarityIndex::sync`] takes in what changed since the last look (`features.seq`):
//!   new and re-analysed tracks are added, deleted ones removed, no rebuild.
//! - When the library outgrows the index type (the size policy) or doubles, a better index is
//!   trained in the background while the current one keeps answering; with no usable index at
//!   all, exact search over the stored vectors answers until the build is done.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::analysis::{Features, ANALYSIS_VERSION};
use crate::error::{Error, Result};
use crate::index::persist::{self, Manifest};
use crate::index::{choose, AnnIndex, ExactIndex, Hit, IndexPolicy};
use crate::store::Store;
use crate::vector::{self, BlockWeights, Normalizer, DIM};

/// Settings of the similarity index (`settings.json` in the data dir, key `similarity`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimilaritySettings {
    pub weights: BlockWeights,
    pub policy: IndexPolicy,
}

/// Where the index answers from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexState {
    /// No analysed tracks yet.
    Empty,
    /// The index is up to date.
    Ready,
    /// An index is being built; answers come from the previous index or exact search.
    Building,
}

/// `segue index stats`: what the index is and what it costs.
#[derive(Debug, Clone, Serialize)]
pub struct IndexStats {
    pub state: IndexState,
    /// "Flat", "IVF128,Flat", "IVF1024,PQ36", or "exact" while a first build runs.
    #[serde(rename = "type")]
    pub index_type: String,
    pub count: usize,
    pub dimension: usize,
    pub layout: u32,
    pub nlist: usize,
    pub nprobe: usize,
    pub pq_m: usize,
    pub bytes_in_memory: usize,
    /// Recall@10 against exact search measured when nprobe was tuned.
    pub measured_recall: Option<f32>,
    pub built_at: Option<String>,
    pub build_ms: Option<u64>,
    /// The last problem with the saved index (damaged, rebuilt…), if any.
    pub warning: Option<String>,
}

enum Searcher {
    None,
    Exact(ExactIndex),
    Ann(Mutex<AnnIndex>),
}

struct Inner {
    normalizer: Option<Normalizer>,
    searcher: Searcher,
    ids: HashSet<i64>,
    /// The highest `features.seq` taken in.
    seq: i64,
    manifest: Option<Manifest>,
    /// Count when the index was built: the basis of the "library doubled" rebuild rule.
    built_count: usize,
    loaded: bool,
    dirty: bool,
    /// Out of step in a way changes cannot mend: rebuild.
    stale: bool,
    last_saved: Option<Instant>,
    warning: Option<String>,
}

/// Thread-safe; one per library.
pub struct SimilarityIndex {
    dir: PathBuf,
    settings: SimilaritySettings,
    inner: RwLock<Inner>,
    /// One load, sync or build at a time.
    maintenance: tokio::sync::Mutex<()>,
    building: std::sync::atomic::AtomicBool,
    /// Called after a new index is swapped in (the app tells the UI).
    on_built: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>,
}

/// How often a changing index is saved at most, between the saves at the end of a job.
const SAVE_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

struct Prepared {
    ids: Vec<i64>,
    vectors: Vec<f32>,
    normalizer: Normalizer,
    seq: i64,
    started: Instant,
}

fn lock_err<T>(_: T) -> Error {
    Error::Poisoned("similarity index")
}

impl SimilarityIndex {
    pub fn new(dir: PathBuf, settings: SimilaritySettings) -> Arc<Self> {
        Arc::new(SimilarityIndex {
            dir,
            settings,
            inner: RwLock::new(Inner {
                normalizer: None,
                searcher: Searcher::None,
                ids: HashSet::new(),
                seq: 0,
                manifest: None,
                built_count: 0,
                loaded: false,
                dirty: false,
                stale: false,
                last_saved: None,
                warning: None,
            }),
            maintenance: tokio::sync::Mutex::new(()),
            building: std::sync::atomic::AtomicBool::new(false),
            on_built: std::sync::OnceLock::new(),
        })
    }

    /// Sets what to call after every build (once; later calls are ignored).
    pub fn on_built(&self, callback: Box<dyn Fn() + Send + Sync>) {
        let _ = self.on_built.set(callback);
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn settings(&self) -> &SimilaritySettings {
        &self.settings
    }

    fn is_building(&self) -> bool {
        self.building.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Brings the index in step with the database: loads the saved index on first use, takes in
    /// what changed, and starts a background rebuild when one is due. Cheap when nothing changed.
    pub async fn sync(self: &Arc<Self>, store: &Store) -> Result<()> {
        let _guard = self.maintenance.lock().await;
        if !self.inner.read().map_err(lock_err)?.loaded {
            self.load().await?;
        }
        if self.inner.read().map_err(lock_err)?.normalizer.is_none() {
            // No index yet: build one if anything is analysed.
            if !self.is_building() && !store.feature_ids(ANALYSIS_VERSION).await?.0.is_empty() {
                self.start_rebuild(store).await?;
            }
            return Ok(());
        }
        self.apply_changes(store).await?;
        if self.rebuild_due()? {
            self.start_rebuild(store).await?;
        }
        self.save_if_dirty(false)
    }

    /// Saves what [`Self::sync`] took in since the last save, whatever its age (at the end of
    /// a scan or an analysis run).
    pub fn flush(&self) -> Result<()> {
        self.save_if_dirty(true)
    }

    /// Loads the saved index if it is sound and made with the current layout and weights;
    /// otherwise leaves the index empty so the sync rebuilds it (with a warning if it was
    /// damaged).
    async fn load(&self) -> Result<()> {
        let dir = self.dir.clone();
        let weights = self.settings.weights;
        let outcome = tokio::task::spawn_blocking(move || {
            if !persist::exists(&dir) {
                return Ok(None);
            }
            persist::load(&dir).map(Some)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?;
        let mut inner = self.inner.write().map_err(lock_err)?;
        inner.loaded = true;
        match outcome {
            Ok(None) => {}
            Ok(Some(saved))
                if saved.manifest.layout != vector::LAYOUT_VERSION
                    || saved.manifest.params.dimension != DIM
                    || !saved.manifest.normalizer.fits(&weights) =>
            {
                tracing::info!(
                    "the saved similarity index was made with another layout, dimension or weights: rebuilding"
                );
            }
            Ok(Some(saved)) => {
                inner.normalizer = Some(saved.manifest.normalizer.clone());
                inner.ids = saved.ids.iter().copied().collect();
                inner.seq = saved.manifest.seq;
                inner.built_count = saved.manifest.count.max(1);
                inner.manifest = Some(saved.manifest);
                inner.searcher = Searcher::Ann(Mutex::new(saved.index));
            }
            Err(e) => {
                let warning =
                    format!("the saved similarity index could not be used ({e}); it was rebuilt");
                tracing::warn!("{warning}");
                inner.warning = Some(warning);
            }
        }
        Ok(())
    }

    /// Adds what was analysed since `seq`, replaces what was re-analysed, removes what is gone.
    async fn apply_changes(&self, store: &Store) -> Result<()> {
        let after = {
            let inner = self.inner.read().map_err(lock_err)?;
            if inner.normalizer.is_none() {
                return Ok(());
            }
            inner.seq
        };
        // One read of the counter tells whether anything was written or deleted since.
        if store.features_seq().await? == after {
            return Ok(());
        }
        let changed = store.features_since(ANALYSIS_VERSION, after).await?;
        let (db_ids, max_seq) = store.feature_ids(ANALYSIS_VERSION).await?;
        let mut inner = self.inner.write().map_err(lock_err)?;
        let Some(normalizer) = inner.normalizer.clone() else {
            return Ok(());
        };
        if max_seq < inner.seq {
            // The database is older than the index (restored from a backup?): start afresh.
            tracing::info!("the database is older than the similarity index: rebuilding");
            inner.stale = true;
            return Ok(());
        }
        let db: HashSet<i64> = db_ids.into_iter().collect();
        let mut removed: Vec<i64> = inner
            .ids
            .iter()
            .filter(|id| !db.contains(id))
            .copied()
            .collect();
        let mut ids = Vec::with_capacity(changed.len());
        let mut vectors = Vec::with_capacity(changed.len() * DIM);
        for (id, _, features) in &changed {
            if inner.ids.contains(id) {
                removed.push(*id);
            }
            ids.push(*id);
            vectors.extend(normalizer.vector(&vector::raw_vector(features)));
        }
        inner.seq = inner.seq.max(max_seq);
        if removed.is_empty() && ids.is_empty() {
            return Ok(());
        }
        match &mut inner.searcher {
            Searcher::Ann(ann) => {
                let ann = ann.get_mut().map_err(lock_err)?;
                ann.remove(&removed)?;
                ann.add(&ids, &vectors)?;
            }
            Searcher::Exact(exact) => {
                exact.remove(&removed);
                exact.upsert(&ids, &vectors);
            }
            Searcher::None => {}
        }
        for id in &removed {
            inner.ids.remove(id);
        }
        inner.ids.extend(ids.iter().copied());
        inner.dirty = true;
        tracing::debug!(
            added = ids.len(),
            removed = removed.len(),
            "similarity index updated"
        );
        Ok(())
    }

    /// A rebuild is due when only exact search answers, when the size policy now wants another
    /// type, or when the library doubled or halved since the build (the standardisation
    /// statistics and IVF cells were fitted to a different library).
    fn rebuild_due(&self) -> Result<bool> {
        if self.is_building() {
            return Ok(false);
        }
        let inner = self.inner.read().map_err(lock_err)?;
        let count = inner.ids.len();
        if inner.stale {
            return Ok(true);
        }
        let Some(manifest) = &inner.manifest else {
            return Ok(!matches!(inner.searcher, Searcher::Ann(_)));
        };
        let wanted = choose(count, DIM, &self.settings.policy).kind;
        // An emptied library keeps its (empty) index: tracks coming back are simply added.
        Ok(count > 0
            && (wanted != manifest.params.kind
                || count > inner.built_count * 2
                || count * 2 < inner.built_count))
    }

    /// Reads every stored vector, and (when there is no index to answer with) installs exact
    /// search over them at once; then trains the new index in the background.
    async fn start_rebuild(self: &Arc<Self>, store: &Store) -> Result<()> {
        if self
            .building
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            return Ok(());
        }
        let prepared = match self.prepare(store).await {
            Ok(p) => p,
            Err(e) => {
                self.building
                    .store(false, std::sync::atomic::Ordering::SeqCst);
                return Err(e);
            }
        };
        let this = Arc::clone(self);
        let store = store.clone();
        tokio::spawn(async move {
            if let Err(e) = this.finish(&store, prepared).await {
                tracing::warn!("building the similarity index failed: {e}");
                if let Ok(mut inner) = this.inner.write() {
                    inner.warning = Some(format!("building the similarity index failed: {e}"));
                }
            }
            this.building
                .store(false, std::sync::atomic::Ordering::SeqCst);
        });
        Ok(())
    }

    /// Rebuilds the index from the stored features and waits for it (`segue index rebuild`).
    pub async fn rebuild(self: &Arc<Self>, store: &Store) -> Result<IndexStats> {
        self.wait_idle().await;
        {
            let _guard = self.maintenance.lock().await;
            if !self.inner.read().map_err(lock_err)?.loaded {
                self.load().await?;
            }
            self.start_rebuild(store).await?;
        }
        self.wait_idle().await;
        self.stats()
    }

    /// Brings the index up to date and waits for any build to finish (the CLI's one-shot use).
    pub async fn ready(self: &Arc<Self>, store: &Store) -> Result<()> {
        self.sync(store).await?;
        self.wait_idle().await;
        Ok(())
    }

    /// Waits for a background build to finish.
    pub async fn wait_idle(&self) {
        while self.is_building() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    async fn prepare(&self, store: &Store) -> Result<Prepared> {
        let started = Instant::now();
        let rows = store.features_since(ANALYSIS_VERSION, 0).await?;
        let seq = rows.iter().map(|r| r.1).max().unwrap_or(0);
        let raws: Vec<[f32; vector::RAW_DIM]> =
            rows.iter().map(|r| vector::raw_vector(&r.2)).collect();
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        drop(rows);
        let normalizer = Normalizer::fit(raws.iter(), self.settings.weights);
        let mut vectors = Vec::with_capacity(ids.len() * DIM);
        for raw in &raws {
            vectors.extend(normalizer.vector(raw));
        }
        let mut inner = self.inner.write().map_err(lock_err)?;
        if !matches!(inner.searcher, Searcher::Ann(_)) {
            inner.searcher = Searcher::Exact(ExactIndex::from_slices(&ids, &vectors, DIM));
            inner.normalizer = Some(normalizer.clone());
            inner.ids = ids.iter().copied().collect();
            inner.seq = seq;
        }
        Ok(Prepared {
            ids,
            vectors,
            normalizer,
            seq,
            started,
        })
    }

    async fn finish(self: &Arc<Self>, store: &Store, prepared: Prepared) -> Result<()> {
        let Prepared {
            ids,
            vectors,
            normalizer,
            seq,
            started,
        } = prepared;
        let policy = self.settings.policy;
        let params = choose(ids.len(), DIM, &policy);
        let build_ids = ids.clone();
        let ann = tokio::task::spawn_blocking(move || {
            AnnIndex::build(params, &build_ids, &vectors, &policy)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))??;
        let build_ms = started.elapsed().as_millis() as u64;
        tracing::info!(index = %ann.params().name(), count = ids.len(), build_ms, "similarity index built");
        let built_at: String = sqlx::query_scalar("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")
            .fetch_one(store.pool())
            .await?;
        let manifest = Manifest {
            format: 0,
            layout: vector::LAYOUT_VERSION,
            params: ann.params().clone(),
            count: ids.len(),
            ids_checksum: 0,
            index_checksum: 0,
            ids_file_checksum: 0,
            seq,
            measured_recall: ann.measured_recall(),
            built_at,
            build_ms,
            normalizer: normalizer.clone(),
        };
        let _guard = self.maintenance.lock().await;
        {
            let mut inner = self.inner.write().map_err(lock_err)?;
            inner.normalizer = Some(normalizer);
            inner.searcher = Searcher::Ann(Mutex::new(ann));
            inner.ids = ids.into_iter().collect();
            inner.seq = seq;
            inner.built_count = inner.ids.len().max(1);
            inner.manifest = Some(manifest);
            inner.dirty = true;
            inner.loaded = true;
            inner.stale = false;
            inner.warning = inner.warning.take().filter(|w| !w.starts_with("building"));
        }
        // Take in what changed during the build, then save.
        self.apply_changes(store).await?;
        let saved = self.save_if_dirty(true);
        if let Some(callback) = self.on_built.get() {
            callback();
        }
        saved
    }

    /// Saves unsaved changes; unless `force`, at most every [`SAVE_EVERY`]: during a long
    /// analysis the index changes every few seconds, and a 1M-track index is 70 MB to write.
    /// What a crash loses meanwhile is taken in again from the database on the next start.
    fn save_if_dirty(&self, force: bool) -> Result<()> {
        // The write lock keeps FAISS still while it writes.
        let mut inner = self.inner.write().map_err(lock_err)?;
        if !inner.dirty || (!force && inner.last_saved.is_some_and(|t| t.elapsed() < SAVE_EVERY)) {
            return Ok(());
        }
        let Some(mut manifest) = inner.manifest.clone() else {
            return Ok(());
        };
        let Searcher::Ann(ann) = &inner.searcher else {
            return Ok(());
        };
        manifest.seq = inner.seq;
        let ids: Vec<i64> = inner.ids.iter().copied().collect();
        let saved = {
            let ann = ann.lock().map_err(lock_err)?;
            persist::save(&self.dir, &ann, &ids, manifest)?
        };
        inner.manifest = Some(saved);
        inner.dirty = false;
        inner.last_saved = Some(Instant::now());
        Ok(())
    }

    /// Index vectors of these tracks (those analysed; the index must have statistics, so sync
    /// first).
    pub async fn vectors_of(
        &self,
        store: &Store,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, Vec<f32>>> {
        let features = store.features_of_many(ids, ANALYSIS_VERSION).await?;
        let inner = self.inner.read().map_err(lock_err)?;
        let Some(normalizer) = &inner.normalizer else {
            return Ok(Default::default());
        };
        Ok(features
            .iter()
            .map(|(id, f)| (*id, normalizer.vector(&vector::raw_vector(f))))
            .collect())
    }

    /// The vector of a stored track, if it is analysed and the index has statistics.
    async fn track_vector(&self, store: &Store, id: i64) -> Result<Option<Vec<f32>>> {
        let Some(features) = store.features_of(id, ANALYSIS_VERSION).await? else {
            return Ok(None);
        };
        self.features_vector(&features)
    }

    fn features_vector(&self, features: &Features) -> Result<Option<Vec<f32>>> {
        let inner = self.inner.read().map_err(lock_err)?;
        Ok(inner
            .normalizer
            .as_ref()
            .map(|n| n.vector(&vector::raw_vector(features))))
    }

    /// The `k` nearest tracks to each vector, never one of `exclude[i]` for query `i`.
    pub fn search_vectors(
        &self,
        queries: &[Vec<f32>],
        k: usize,
        exclude: &[Vec<i64>],
    ) -> Result<Vec<Vec<Hit>>> {
        let inner = self.inner.read().map_err(lock_err)?;
        let extra = exclude.iter().map(Vec::len).max().unwrap_or(0);
        let want = (k + extra).min(inner.ids.len());
        let flat: Vec<f32> = queries.iter().flatten().copied().collect();
        let found = match &inner.searcher {
            Searcher::None => vec![Vec::new(); queries.len()],
            Searcher::Exact(exact) => exact.search_batch(&flat, want),
            Searcher::Ann(ann) => {
                let mut ann = ann.lock().map_err(lock_err)?;
                crate::index::set_faiss_threads(if queries.len() > 1 {
                    self.settings.policy.build_threads
                } else {
                    self.settings.policy.query_threads
                });
                ann.search_batch(&flat, want)?
            }
        };
        Ok(found
            .into_iter()
            .enumerate()
            .map(|(i, hits)| {
                let skip = exclude.get(i);
                hits.into_iter()
                    .filter(|h| skip.is_none_or(|s| !s.contains(&h.id)))
                    .take(k)
                    .collect()
            })
            .collect())
    }

    /// Tracks that sound like track `id`, best first, never `id` itself. `None` when the track
    /// is not analysed.
    pub async fn similar_to_track(
        self: &Arc<Self>,
        store: &Store,
        id: i64,
        k: usize,
    ) -> Result<Option<Vec<Hit>>> {
        let batch = self.similar_to_tracks(store, &[id], k).await?;
        Ok(batch.into_iter().next().flatten())
    }

    /// [`Self::similar_to_track`] for many tracks at once (one FAISS batch).
    pub async fn similar_to_tracks(
        self: &Arc<Self>,
        store: &Store,
        ids: &[i64],
        k: usize,
    ) -> Result<Vec<Option<Vec<Hit>>>> {
        self.sync(store).await?;
        let mut vectors = Vec::new();
        let mut slots = Vec::with_capacity(ids.len());
        for &id in ids {
            match self.track_vector(store, id).await? {
                Some(v) => {
                    slots.push(Some(vectors.len()));
                    vectors.push(v);
                }
                None => slots.push(None),
            }
        }
        let exclude: Vec<Vec<i64>> = slots
            .iter()
            .zip(ids)
            .filter(|(slot, _)| slot.is_some())
            .map(|(_, &id)| vec![id])
            .collect();
        let mut found = self.search_vectors(&vectors, k, &exclude)?.into_iter();
        Ok(slots
            .into_iter()
            .map(|slot| slot.and_then(|_| found.next()))
            .collect())
    }

    /// Tracks that sound like these features (of a file outside the library, say), never one of
    /// `exclude`.
    pub async fn similar_to_features(
        self: &Arc<Self>,
        store: &Store,
        features: &Features,
        k: usize,
        exclude: &[i64],
    ) -> Result<Vec<Hit>> {
        self.sync(store).await?;
        let Some(v) = self.features_vector(features)? else {
            return Ok(Vec::new());
        };
        Ok(self
            .search_vectors(&[v], k, &[exclude.to_vec()])?
            .into_iter()
            .next()
            .unwrap_or_default())
    }

    pub fn stats(&self) -> Result<IndexStats> {
        let inner = self.inner.read().map_err(lock_err)?;
        let building = self.is_building();
        let state = if inner.ids.is_empty() && !building {
            IndexState::Empty
        } else if building || !matches!(inner.searcher, Searcher::Ann(_)) {
            IndexState::Building
        } else {
            IndexState::Ready
        };
        let mut stats = IndexStats {
            state,
            index_type: "none".into(),
            count: inner.ids.len(),
            dimension: DIM,
            layout: vector::LAYOUT_VERSION,
            nlist: 0,
            nprobe: 0,
            pq_m: 0,
            bytes_in_memory: 0,
            measured_recall: None,
            built_at: inner.manifest.as_ref().map(|m| m.built_at.clone()),
            build_ms: inner.manifest.as_ref().map(|m| m.build_ms),
            warning: inner.warning.clone(),
        };
        match &inner.searcher {
            Searcher::None => {}
            Searcher::Exact(exact) => {
                stats.index_type = "exact".into();
                stats.bytes_in_memory = exact.len() * (DIM * 4 + 8);
            }
            Searcher::Ann(ann) => {
                let ann = ann.lock().map_err(lock_err)?;
                let params = ann.params();
                stats.index_type = params.name();
                stats.nlist = params.nlist;
                stats.nprobe = params.nprobe;
                stats.pq_m = params.pq_m;
                stats.bytes_in_memory = ann.memory_bytes();
                stats.measured_recall = ann.measured_recall();
            }
        }
        Ok(stats)
    }
}
