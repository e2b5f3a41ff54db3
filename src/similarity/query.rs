//! Answering "what sounds like this?": the index vector of a stored track or of features from
//! outside the library (through the index's standardisation), and the nearest tracks to one or
//! many of them in one batch, from whichever searcher answers now (FAISS, or exact search
//! while a first build runs), with the query's own tracks left out.

use std::sync::Arc;

use super::{lock_err, Searcher, SimilarityIndex};
use crate::analysis::{Features, READABLE_SINCE};
use crate::error::Result;
use crate::index::Hit;
use crate::store::Store;
use crate::vector;

impl SimilarityIndex {
    /// Index vectors of these tracks (those analysed; the index must have statistics, so sync
    /// first).
    pub async fn vectors_of(
        &self,
        store: &Store,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, Vec<f32>>> {
        let features = store.features_of_many(ids, READABLE_SINCE).await?;
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
        let Some(features) = store.features_of(id, READABLE_SINCE).await? else {
            return Ok(None);
        };
        self.vector_of_features(&features)
    }

    /// The index vector of features (of a file outside the library, say); `None` while the
    /// index has no statistics.
    pub fn vector_of_features(&self, features: &Features) -> Result<Option<Vec<f32>>> {
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
        let mut found = self.search_vectors(&vectors, k, &exclude)?;
        self.rescore(store, &vectors, &mut found).await?;
        let mut found = found.into_iter();
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
        let Some(v) = self.vector_of_features(features)? else {
            return Ok(Vec::new());
        };
        let mut found = self.search_vectors(std::slice::from_ref(&v), k, &[exclude.to_vec()])?;
        self.rescore(store, std::slice::from_ref(&v), &mut found)
            .await?;
        Ok(found.into_iter().next().unwrap_or_default())
    }

    /// Each hit scored by the dot product the calibration and the playlists use, best first
    /// again. FAISS sums in another order (and compressed codes are approximate), and a score a
    /// few ulps off moves a track across the library's floor in one list and not the other.
    async fn rescore(
        &self,
        store: &Store,
        queries: &[Vec<f32>],
        found: &mut [Vec<Hit>],
    ) -> Result<()> {
        let ids: Vec<i64> = found
            .iter()
            .flatten()
            .map(|h| h.id)
            .collect::<std::collections::HashSet<_>>()
            .into_iter()
            .collect();
        let vectors = self.vectors_of(store, &ids).await?;
        for (query, hits) in queries.iter().zip(found.iter_mut()) {
            for hit in hits.iter_mut() {
                if let Some(v) = vectors.get(&hit.id) {
                    hit.score = crate::index::dot(query, v);
                }
            }
            hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        }
        Ok(())
    }
}
