//! The FAISS index ([`AnnIndex`]): built by the index factory from [`IndexParams`], trained on
//! a spread-out sample, `nprobe` tuned by measured recall@10 against exact search; vectors
//! added and removed without a rebuild; batch search; and the OpenMP thread count FAISS uses.
//! The one place that talks to FAISS, apart from its files ([`super::persist`]).

use std::time::Instant;

use faiss::index::autotune::ParameterSpace;
use faiss::index::IndexImpl;
use faiss::selector::IdSelector;
use faiss::{Idx, Index, MetricType};

use super::{ExactIndex, Hit, IndexError, IndexKind, IndexParams, IndexPolicy, Result};

/// Sets how many threads FAISS's OpenMP loops use on the calling thread (0 = one per core).
pub fn set_faiss_threads(threads: usize) {
    extern "C" {
        fn omp_set_num_threads(n: std::ffi::c_int);
        fn omp_get_num_procs() -> std::ffi::c_int;
    }
    // SAFETY: plain calls into libgomp, which FAISS links; they only set a thread-local value.
    unsafe {
        let n = if threads == 0 {
            omp_get_num_procs()
        } else {
            std::ffi::c_int::try_from(threads).unwrap_or(1)
        };
        omp_set_num_threads(n.max(1));
    }
}

/// A FAISS index with track ids.
pub struct AnnIndex {
    index: IndexImpl,
    params: IndexParams,
    /// Recall@10 against exact search measured when `nprobe` was tuned (None for Flat, exact
    /// by construction, and for tiny libraries).
    measured_recall: Option<f32>,
}

impl std::fmt::Debug for AnnIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnnIndex")
            .field("params", &self.params)
            .field("count", &self.index.ntotal())
            .finish()
    }
}

/// Queries used to tune `nprobe`, and the neighbours compared.
const TUNING_QUERIES: usize = 200;
const TUNING_K: usize = 10;

impl AnnIndex {
    /// Builds an index of `params`' type over these vectors (row-major, `params.dimension`
    /// each), training it on them first when the type needs it, then tunes `nprobe` to the
    /// policy's recall target.
    pub fn build(
        mut params: IndexParams,
        ids: &[i64],
        vectors: &[f32],
        policy: &IndexPolicy,
    ) -> Result<Self> {
        let dimension = params.dimension;
        if dimension == 0 || vectors.len() != ids.len() * dimension {
            return Err(IndexError::Invalid(format!(
                "{} values for {} ids of dimension {dimension}",
                vectors.len(),
                ids.len()
            )));
        }
        set_faiss_threads(policy.build_threads);
        let started = Instant::now();
        let mut index = faiss::index_factory(
            dim_u32(dimension)?,
            params.description(),
            MetricType::InnerProduct,
        )?;
        if !index.is_trained() {
            index.train(&training_sample(vectors, dimension, params.nlist))?;
        }
        tracing::debug!(ms = started.elapsed().as_millis(), "trained");
        let labels: Vec<Idx> = ids.iter().map(|&id| Idx::new(id as u64)).collect();
        index.add_with_ids(vectors, &labels)?;
        tracing::debug!(ms = started.elapsed().as_millis(), "added");
        tracing::debug!(index = %params.name(), count = ids.len(), ms = started.elapsed().as_millis(), "index built");
        let mut ann = AnnIndex {
            index,
            params: params.clone(),
            measured_recall: None,
        };
        if params.kind != IndexKind::Flat {
            let (nprobe, recall) = ann.tune_nprobe(ids, vectors, policy.target_recall)?;
            params.nprobe = nprobe;
            ann.params = params;
            ann.measured_recall = recall;
        }
        Ok(ann)
    }

    /// Picks the smallest `nprobe` (doubling from 1) whose recall@10 against exact search, on
    /// vectors of the index used as queries, reaches `target`.
    fn tune_nprobe(
        &mut self,
        ids: &[i64],
        vectors: &[f32],
        target: f32,
    ) -> Result<(usize, Option<f32>)> {
        let dimension = self.params.dimension;
        let count = ids.len();
        if count <= TUNING_K + 1 {
            return Ok((self.params.nlist, None));
        }
        let step = (count / TUNING_QUERIES).max(1);
        let query_rows: Vec<usize> = (0..count).step_by(step).take(TUNING_QUERIES).collect();
        let mut queries = Vec::with_capacity(query_rows.len() * dimension);
        for &row in &query_rows {
            queries.extend_from_slice(&vectors[row * dimension..(row + 1) * dimension]);
        }
        let exact = ExactIndex::from_slices(ids, vectors, dimension);
        let truth: Vec<Vec<i64>> = exact
            .search_batch(&queries, TUNING_K + 1)
            .into_iter()
            .zip(&query_rows)
            .map(|(hits, &row)| {
                hits.iter()
                    .map(|h| h.id)
                    .filter(|&id| id != ids[row])
                    .take(TUNING_K)
                    .collect()
            })
            .collect();
        let mut nprobe = 1;
        let mut best = (self.params.nlist, 0.0f32);
        loop {
            self.set_nprobe(nprobe)?;
            let found = self.search_batch(&queries, TUNING_K + 1)?;
            let mut hits = 0usize;
            let mut total = 0usize;
            for ((result, want), &row) in found.iter().zip(&truth).zip(&query_rows) {
                let got: Vec<i64> = result
                    .iter()
                    .map(|h| h.id)
                    .filter(|&id| id != ids[row])
                    .take(TUNING_K)
                    .collect();
                hits += want.iter().filter(|id| got.contains(id)).count();
                total += want.len();
            }
            let recall = if total == 0 {
                1.0
            } else {
                hits as f32 / total as f32
            };
            tracing::debug!(nprobe, recall, "tuning");
            if recall > best.1 {
                best = (nprobe, recall);
            }
            if recall >= target || nprobe >= self.params.nlist {
                break;
            }
            nprobe = (nprobe * 2).min(self.params.nlist);
        }
        // Below target even at nlist (PQ's quantisation caps recall): keep the best seen.
        self.set_nprobe(best.0)?;
        Ok((best.0, Some(best.1)))
    }

    fn set_nprobe(&mut self, nprobe: usize) -> Result<()> {
        if self.params.kind != IndexKind::Flat {
            ParameterSpace::new()?.set_index_parameter(&self.index, "nprobe", nprobe as f64)?;
            self.params.nprobe = nprobe;
        }
        Ok(())
    }

    pub fn params(&self) -> &IndexParams {
        &self.params
    }

    pub fn measured_recall(&self) -> Option<f32> {
        self.measured_recall
    }

    pub fn count(&self) -> usize {
        self.index.ntotal() as usize
    }

    /// Index memory: codes and ids per track, plus the coarse centroids and PQ tables.
    pub fn memory_bytes(&self) -> usize {
        let fixed = match self.params.kind {
            IndexKind::Flat => 0,
            IndexKind::IvfFlat => self.params.nlist * self.params.dimension * 4,
            // Centroids plus the quantiser's per-value ranges.
            IndexKind::IvfSq => (self.params.nlist + 2) * self.params.dimension * 4,
            IndexKind::IvfPq => {
                self.params.nlist * self.params.dimension * 4 + 256 * self.params.dimension * 4
            }
        };
        fixed + self.count() * self.params.bytes_per_track()
    }

    /// Adds vectors (trained indexes only encode them: no rebuild).
    pub fn add(&mut self, ids: &[i64], vectors: &[f32]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        if vectors.len() != ids.len() * self.params.dimension {
            return Err(IndexError::Invalid(
                "vector length does not match the index".into(),
            ));
        }
        set_faiss_threads(1);
        let labels: Vec<Idx> = ids.iter().map(|&id| Idx::new(id as u64)).collect();
        self.index.add_with_ids(vectors, &labels)?;
        Ok(())
    }

    /// Removes these ids; returns how many were in the index.
    pub fn remove(&mut self, ids: &[i64]) -> Result<usize> {
        if ids.is_empty() {
            return Ok(0);
        }
        let labels: Vec<Idx> = ids.iter().map(|&id| Idx::new(id as u64)).collect();
        let selector = IdSelector::batch(&labels)?;
        Ok(self.index.remove_ids(&selector)?)
    }

    /// The `k` nearest neighbours of each query (row-major), best first.
    pub fn search_batch(&mut self, queries: &[f32], k: usize) -> Result<Vec<Vec<Hit>>> {
        let dimension = self.params.dimension;
        if k == 0 || queries.is_empty() {
            return Ok(vec![Vec::new(); queries.len() / dimension.max(1)]);
        }
        if !queries.len().is_multiple_of(dimension) {
            return Err(IndexError::Invalid(
                "query length does not match the index".into(),
            ));
        }
        let result = self.index.search(queries, k)?;
        Ok(result
            .labels
            .chunks(k)
            .zip(result.distances.chunks(k))
            .map(|(labels, scores)| {
                labels
                    .iter()
                    .zip(scores)
                    .filter_map(|(label, &score)| {
                        label.get().map(|id| Hit {
                            id: id as i64,
                            score,
                        })
                    })
                    .collect()
            })
            .collect())
    }

    pub(crate) fn inner(&self) -> &IndexImpl {
        &self.index
    }

    pub(crate) fn from_parts(
        index: IndexImpl,
        params: IndexParams,
        measured_recall: Option<f32>,
    ) -> Result<Self> {
        let mut ann = AnnIndex {
            index,
            params: params.clone(),
            measured_recall,
        };
        if ann.index.d() as usize != params.dimension {
            return Err(IndexError::Corrupt(format!(
                "dimension {} in the file, {} in the manifest",
                ann.index.d(),
                params.dimension
            )));
        }
        ann.set_nprobe(params.nprobe)?;
        Ok(ann)
    }
}

fn dim_u32(dimension: usize) -> Result<u32> {
    u32::try_from(dimension).map_err(|_| IndexError::Invalid("dimension too large".into()))
}

/// A spread-out sample for k-means: FAISS wants at least 39 and uses at most 256 vectors per
/// cell; more only costs time.
fn training_sample(vectors: &[f32], dimension: usize, nlist: usize) -> Vec<f32> {
    let count = vectors.len() / dimension;
    let wanted = (nlist.max(256) * 64).min(count);
    if wanted == count {
        return vectors.to_vec();
    }
    let step = count as f64 / wanted as f64;
    let mut sample = Vec::with_capacity(wanted * dimension);
    for i in 0..wanted {
        let row = ((i as f64 * step) as usize).min(count - 1);
        sample.extend_from_slice(&vectors[row * dimension..(row + 1) * dimension]);
    }
    sample
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::choose;

    /// Unit vectors in tight clusters: `clusters` centres, points spread around them.
    pub(crate) fn clustered(
        count: usize,
        dimension: usize,
        clusters: usize,
        seed: u64,
    ) -> Vec<f32> {
        crate::index::synthetic::clustered(count, dimension, clusters, seed)
    }

    #[test]
    fn flat_equals_brute_force() {
        let dimension = 64;
        let vectors = clustered(800, dimension, 20, 1);
        let ids: Vec<i64> = (0..800).map(|i| i * 3 + 7).collect();
        let policy = IndexPolicy::default();
        let mut ann = AnnIndex::build(choose(800, dimension, &policy), &ids, &vectors, &policy)
            .expect("build");
        assert_eq!(ann.params().kind, IndexKind::Flat);
        let exact = ExactIndex::from_slices(&ids, &vectors, dimension);
        let queries = &vectors[..50 * dimension];
        let got = ann.search_batch(queries, 10).expect("search");
        let want = exact.search_batch(queries, 10);
        for (g, w) in got.iter().zip(&want) {
            let g_ids: Vec<i64> = g.iter().map(|h| h.id).collect();
            let w_ids: Vec<i64> = w.iter().map(|h| h.id).collect();
            assert_eq!(g_ids, w_ids);
            for (a, b) in g.iter().zip(w) {
                assert!((a.score - b.score).abs() < 1e-4);
            }
        }
    }

    fn recall_at_10(ann: &mut AnnIndex, exact: &ExactIndex, queries: &[f32]) -> f32 {
        let got = ann.search_batch(queries, 10).expect("search");
        let want = exact.search_batch(queries, 10);
        let mut hits = 0;
        for (g, w) in got.iter().zip(&want) {
            hits += w.iter().filter(|h| g.iter().any(|x| x.id == h.id)).count();
        }
        hits as f32 / (10 * want.len()) as f32
    }

    #[test]
    fn ivf_flat_and_ivf_sq_reach_the_recall_target_on_clustered_vectors() {
        let dimension = 64;
        let policy = IndexPolicy {
            flat_max: 1_000,
            ivf_flat_max: 5_000,
            ..IndexPolicy::default()
        };
        for count in [4_000, 20_000] {
            let vectors = clustered(count, dimension, count / 40, 2);
            let ids: Vec<i64> = (0..count as i64).collect();
            let params = choose(count, dimension, &policy);
            let mut ann = AnnIndex::build(params, &ids, &vectors, &policy).expect("build");
            // Queries the tuning did not see: fresh points from the same clusters.
            let queries = crate::index::synthetic::queries_near(&vectors, dimension, 300, 9);
            let exact = ExactIndex::from_slices(&ids, &vectors, dimension);
            let recall = recall_at_10(&mut ann, &exact, &queries);
            assert!(
                recall >= 0.95,
                "{}: recall@10 {recall}",
                ann.params().name()
            );
        }
    }

    #[test]
    fn add_and_remove_without_rebuild() {
        let dimension = 64;
        let vectors = clustered(3_000, dimension, 60, 3);
        let ids: Vec<i64> = (1..=3_000).collect();
        let policy = IndexPolicy::default();
        let mut ann = AnnIndex::build(
            choose(2_000, dimension, &policy),
            &ids[..2_000],
            &vectors[..2_000 * dimension],
            &policy,
        )
        .expect("build");
        ann.add(&ids[2_000..], &vectors[2_000 * dimension..])
            .expect("add");
        assert_eq!(ann.count(), 3_000);
        // A vector that was added later is found as its own nearest neighbour.
        let q = &vectors[2_500 * dimension..2_501 * dimension];
        assert_eq!(ann.search_batch(q, 1).expect("search")[0][0].id, 2_501);
        assert_eq!(ann.remove(&[2_501, 99_999]).expect("remove"), 1);
        assert_eq!(ann.count(), 2_999);
        let after = ann.search_batch(q, 5).expect("search");
        assert!(after[0].iter().all(|h| h.id != 2_501));
    }
}
