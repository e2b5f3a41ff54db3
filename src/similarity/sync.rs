//! Keeping the index in step with the database: the first load of the saved index (checked
//! against the current layout and weights), taking in what was analysed, re-analysed or
//! deleted since the last look (`features.seq`) without a rebuild, and saving the changes at
//! most every [`SAVE_EVERY`]. This is the cheap path every query goes through first.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::{lock_err, Searcher, SimilarityIndex};
use crate::analysis::READABLE_SINCE;
use crate::error::{Error, Result};
use crate::index::persist;
use crate::store::Store;
use crate::vector::{self, DIM};

/// How often a changing index is saved at most, between the saves at the end of a job.
const SAVE_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

impl SimilarityIndex {
    /// Brings the index in step with the database: loads the saved index on first use, takes in
    /// what changed, and starts a background rebuild when one is due. Cheap when nothing changed.
    pub async fn sync(self: &Arc<Self>, store: &Store) -> Result<()> {
        let _guard = self.maintenance.lock().await;
        if !self.inner.read().map_err(lock_err)?.loaded {
            self.load().await?;
        }
        if self.inner.read().map_err(lock_err)?.normalizer.is_none() {
            // No index yet: build one if anything is analysed.
            if !self.is_building() && !store.feature_ids(READABLE_SINCE).await?.0.is_empty() {
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
    pub(super) async fn load(&self) -> Result<()> {
        let dir = self.dir.clone();
        let weights = self.settings.weights;
        let owner = !self.read_only.load(std::sync::atomic::Ordering::SeqCst);
        let outcome = tokio::task::spawn_blocking(move || {
            if owner {
                crate::index::RefineStore::remove_leftovers(&dir);
            }
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
    pub(super) async fn apply_changes(&self, store: &Store) -> Result<()> {
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
        let changed = store.features_since(READABLE_SINCE, after).await?;
        let (db_ids, max_seq) = store.feature_ids(READABLE_SINCE).await?;
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

    /// Saves unsaved changes; unless `force`, at most every [`SAVE_EVERY`]: during a long
    /// analysis the index changes every few seconds, and a 1M-track index is 70 MB to write.
    /// What a crash loses meanwhile is taken in again from the database on the next start.
    pub(super) fn save_if_dirty(&self, force: bool) -> Result<()> {
        if self.read_only.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(());
        }
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
            let mut ann = ann.lock().map_err(lock_err)?;
            persist::save(&self.dir, &mut ann, &ids, manifest)?
        };
        inner.manifest = Some(saved);
        inner.dirty = false;
        inner.last_saved = Some(Instant::now());
        Ok(())
    }
}
