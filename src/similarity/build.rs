//! Building a new index: when a rebuild is due (only exact search answers, the size policy
//! wants another type, the library doubled or halved), reading every stored vector and fitting
//! the standardisation, answering by exact search meanwhile, training the FAISS index on a
//! blocking thread in the background and swapping it in with what changed during the build.
//! `segue index rebuild` and the CLI's one-shot use wait for it here.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::{lock_err, IndexStats, Searcher, SimilarityIndex};
use crate::analysis::READABLE_SINCE;
use crate::error::{Error, Result};
use crate::index::persist::Manifest;
use crate::index::{choose, AnnIndex, ExactIndex};
use crate::store::Store;
use crate::vector::{self, Normalizer, DIM};

/// Below this many tracks a rebuild takes well under a second, so the standardisation is fitted
/// again at the end of every analysis run that changed the library's size: the same library
/// then always gets the same statistics, however its analysis happened to be timed (the first
/// build starts with whatever is analysed a few seconds into the run).
const REFIT_ALWAYS_BELOW: usize = 20_000;
/// Above it, the end of a run refits when the size moved by more than this share since the fit.
const REFIT_DRIFT: f64 = 0.05;

struct Prepared {
    ids: Vec<i64>,
    vectors: Vec<f32>,
    normalizer: Normalizer,
    seq: i64,
    started: Instant,
}

impl SimilarityIndex {
    /// A rebuild is due when only exact search answers, when the size policy now wants another
    /// type, or when the library doubled or halved since the build (the standardisation
    /// statistics and IVF cells were fitted to a different library).
    pub(super) fn rebuild_due(&self) -> Result<bool> {
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
    pub(super) async fn start_rebuild(self: &Arc<Self>, store: &Store) -> Result<()> {
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

    /// The end of an analysis run: takes in what it analysed and, when the statistics were
    /// fitted on a library of another size (see [`REFIT_ALWAYS_BELOW`]), starts a rebuild that
    /// fits them on the whole library.
    pub async fn settle(self: &Arc<Self>, store: &Store) -> Result<()> {
        // A build started during the run read the library as it was then.
        self.wait_idle().await;
        self.sync(store).await?;
        self.wait_idle().await;
        let _guard = self.maintenance.lock().await;
        if self.refit_due()? {
            self.start_rebuild(store).await?;
        }
        Ok(())
    }

    fn refit_due(&self) -> Result<bool> {
        let inner = self.inner.read().map_err(lock_err)?;
        let count = inner.ids.len();
        if inner.normalizer.is_none() || count == 0 || count == inner.built_count {
            return Ok(false);
        }
        let drift = count.abs_diff(inner.built_count) as f64 / inner.built_count.max(1) as f64;
        Ok(count < REFIT_ALWAYS_BELOW || drift > REFIT_DRIFT)
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
        let rows = store.features_since(READABLE_SINCE, 0).await?;
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
        // A guest of another process's library keeps its vector file out of that library.
        let scratch = if self.read_only.load(std::sync::atomic::Ordering::SeqCst) {
            std::env::temp_dir()
        } else {
            self.dir.clone()
        };
        let ann = tokio::task::spawn_blocking(move || {
            AnnIndex::build(params, &build_ids, &vectors, &policy, &scratch)
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
            measured_recall: ann.measured_recall().library,
            measured_recall_near: ann.measured_recall().near,
            refine_token: None,
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
}
