//! The FAISS index ([`AnnIndex`]): built by the index factory from [`IndexParams`], trained on
//! a spread-out sample, `nprobe` (and the re-ranked candidates of a compressed index) tuned by
//! measured recall@10 against exact search; vectors added and removed without a rebuild; batch
//! search, re-ranked from the full vectors on disk where the codes are coarse; and the OpenMP
//! thread count FAISS uses. The one place that talks to FAISS, apart from its files
//! ([`super::persist`]).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use faiss::index::autotune::ParameterSpace;
use faiss::index::IndexImpl;
use faiss::selector::IdSelector;
use faiss::{Idx, Index, MetricType};

use super::{
    ExactIndex, Hit, IndexError, IndexKind, IndexParams, IndexPolicy, RefineStore, Result,
};

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

/// Recall@10 against exact search, measured when the index was tuned (None for Flat, exact by
/// construction, and for tiny libraries).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MeasuredRecall {
    /// With library tracks as queries ("more like this track").
    pub library: Option<f32>,
    /// With points near library tracks as queries (a file from outside the library).
    pub near: Option<f32>,
}

/// A FAISS index with track ids.
pub struct AnnIndex {
    index: IndexImpl,
    params: IndexParams,
    measured: MeasuredRecall,
    /// The full vectors that re-rank a compressed index's candidates (IvfPqRefine only).
    refine: Option<RefineStore>,
    /// A row was missing or damaged once: said once, not at every query.
    warned_refine: AtomicBool,
    /// Vectors in the index. FAISS's own count goes wrong for fast-scan lists (1.12's
    /// `BlockInvertedLists::remove_ids` removes but reports 0 removed), so it is kept here.
    count: usize,
}

impl std::fmt::Debug for AnnIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnnIndex")
            .field("params", &self.params)
            .field("count", &self.index.ntotal())
            .finish()
    }
}

/// Queries used to tune `nprobe` (half library tracks, half points near them), and the
/// neighbours compared.
const TUNING_QUERIES: usize = 200;
const TUNING_K: usize = 10;
/// Candidate list lengths tried for re-ranking, shortest first.
const REFINE_STEPS: [usize; 4] = [100, 200, 400, 800];
/// A doubling of `nprobe` that gains less recall than this has reached what the candidate
/// list allows: a longer list is tried.
const PLATEAU: f32 = 0.003;

impl AnnIndex {
    /// Builds an index of `params`' type over these vectors (row-major, `params.dimension`
    /// each), training it on them first when the type needs it, then tunes `nprobe` (and the
    /// re-ranked candidates) to the policy's recall target. A re-ranked type writes its full
    /// vectors to a new file in `scratch`, deleted unless the index is saved.
    pub fn build(
        params: IndexParams,
        ids: &[i64],
        vectors: &[f32],
        policy: &IndexPolicy,
        scratch: &Path,
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
        let refine = if params.kind == IndexKind::IvfPqRefine {
            let mut store = RefineStore::create_in(scratch, dimension)?;
            store.write(ids, vectors)?;
            Some(store)
        } else {
            None
        };
        let labels: Vec<Idx> = ids.iter().map(|&id| Idx::new(id as u64)).collect();
        index.add_with_ids(vectors, &labels)?;
        tracing::debug!(index = %params.name(), count = ids.len(), ms = started.elapsed().as_millis(), "index built");
        let mut ann = AnnIndex {
            index,
            params,
            measured: MeasuredRecall::default(),
            refine,
            warned_refine: AtomicBool::new(false),
            count: ids.len(),
        };
        if ann.params.kind != IndexKind::Flat {
            ann.tune(ids, vectors, policy.target_recall)?;
        }
        Ok(ann)
    }

    /// Picks the smallest `nprobe` (doubling from 1) — and for a re-ranked index the shortest
    /// candidate list — whose recall@10 against exact search reaches `target` on both kinds
    /// of query: library tracks, and points near them (the step [`synthetic::queries_near`]
    /// takes), which land between cells and need more of them. Below target everywhere
    /// (coarse codes cap recall), the best seen is kept.
    fn tune(&mut self, ids: &[i64], vectors: &[f32], target: f32) -> Result<()> {
        let dimension = self.params.dimension;
        let count = ids.len();
        if count <= TUNING_K + 1 {
            self.set_nprobe(self.params.nlist)?;
            return Ok(());
        }
        let half = TUNING_QUERIES / 2;
        let step = (count / half).max(1);
        let rows: Vec<usize> = (0..count).step_by(step).take(half).collect();
        let mut queries = Vec::with_capacity(2 * rows.len() * dimension);
        for &row in &rows {
            queries.extend_from_slice(&vectors[row * dimension..(row + 1) * dimension]);
        }
        queries.extend(super::synthetic::queries_near(
            vectors,
            dimension,
            rows.len(),
            0x5E6E,
        ));
        // A library track's own id is not its neighbour.
        let own: Vec<Option<i64>> = rows
            .iter()
            .map(|&row| Some(ids[row]))
            .chain(std::iter::repeat_n(None, rows.len()))
            .collect();
        let top = |hits: &[Hit], own: Option<i64>| -> Vec<i64> {
            hits.iter()
                .map(|h| h.id)
                .filter(|&id| Some(id) != own)
                .take(TUNING_K)
                .collect()
        };
        let truth: Vec<Vec<i64>> = ExactIndex::from_slices(ids, vectors, dimension)
            .search_batch(&queries, TUNING_K + 1)
            .iter()
            .zip(&own)
            .map(|(hits, &own)| top(hits, own))
            .collect();
        let measure = |ann: &mut Self| -> Result<MeasuredRecall> {
            let found = ann.search_batch(&queries, TUNING_K + 1)?;
            let mut hits = [0usize; 2];
            let mut total = [0usize; 2];
            for (i, ((result, want), &own)) in found.iter().zip(&truth).zip(&own).enumerate() {
                let got = top(result, own);
                let kind = usize::from(i >= rows.len());
                hits[kind] += want.iter().filter(|id| got.contains(id)).count();
                total[kind] += want.len();
            }
            let recall = |k: usize| Some(hits[k] as f32 / total[k].max(1) as f32);
            Ok(MeasuredRecall {
                library: recall(0),
                near: recall(1),
            })
        };
        let worst = |m: &MeasuredRecall| m.library.unwrap_or(0.0).min(m.near.unwrap_or(0.0));
        let lists: Vec<usize> = if self.params.kind == IndexKind::IvfPqRefine {
            REFINE_STEPS.to_vec()
        } else {
            vec![0]
        };
        let nlist = self.params.nlist;
        let mut best = (nlist, 0, MeasuredRecall::default());
        let mut nprobe = 1;
        'lists: for refine_k in lists {
            self.params.refine_k = refine_k;
            let mut previous = -1.0f32;
            loop {
                self.set_nprobe(nprobe)?;
                let measured = measure(self)?;
                let recall = worst(&measured);
                tracing::debug!(nprobe, refine_k, ?measured, "tuning");
                if recall > worst(&best.2) {
                    best = (nprobe, refine_k, measured);
                }
                if recall >= target {
                    break 'lists;
                }
                if nprobe >= nlist || (refine_k > 0 && recall - previous < PLATEAU) {
                    // This list is as good as it gets: a longer one starts a step back.
                    nprobe = (nprobe / 2).max(1);
                    break;
                }
                previous = recall;
                nprobe = (nprobe * 2).min(nlist);
            }
        }
        self.params.refine_k = best.1;
        self.set_nprobe(best.0)?;
        self.measured = best.2;
        Ok(())
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

    pub fn measured_recall(&self) -> MeasuredRecall {
        self.measured
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// Index memory: codes and ids per track, plus the coarse centroids and PQ tables.
    pub fn memory_bytes(&self) -> usize {
        let fixed = match self.params.kind {
            IndexKind::Flat => 0,
            IndexKind::IvfFlat => self.params.nlist * self.params.dimension * 4,
            // Centroids plus the quantiser's per-value ranges.
            IndexKind::IvfSq => (self.params.nlist + 2) * self.params.dimension * 4,
            // Centroids (in the rotated space), the rotation and the 16-entry PQ tables.
            IndexKind::IvfPqRefine => {
                let rotated = self.params.rotated;
                (self.params.nlist + self.params.dimension + 16) * rotated * 4
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
        // The rows first: an id in the index always has its full vector.
        if let Some(store) = &mut self.refine {
            store.write(ids, vectors)?;
        }
        let labels: Vec<Idx> = ids.iter().map(|&id| Idx::new(id as u64)).collect();
        self.index.add_with_ids(vectors, &labels)?;
        self.count += ids.len();
        Ok(())
    }

    /// Removes these ids; returns how many were in the index.
    pub fn remove(&mut self, ids: &[i64]) -> Result<usize> {
        if ids.is_empty() {
            return Ok(0);
        }
        let labels: Vec<Idx> = ids.iter().map(|&id| Idx::new(id as u64)).collect();
        let selector = IdSelector::batch(&labels)?;
        let removed = match &mut self.refine {
            // A track is in the index exactly when its row is sound (written before the add).
            Some(store) => {
                let mut removed = 0;
                for &id in ids {
                    removed += usize::from(store.erase(id)?);
                }
                self.index.remove_ids(&selector)?;
                removed
            }
            None => self.index.remove_ids(&selector)?,
        };
        self.count -= removed.min(self.count);
        Ok(removed)
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
        let candidates = match &self.refine {
            Some(_) => k.max(self.params.refine_k),
            None => k,
        };
        let result = self.index.search(queries, candidates)?;
        let found = result
            .labels
            .chunks(candidates)
            .zip(result.distances.chunks(candidates))
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
                    .collect::<Vec<Hit>>()
            });
        let Some(store) = &self.refine else {
            return Ok(found.collect());
        };
        let mut missing = 0;
        let ranked = found
            .zip(queries.chunks_exact(dimension))
            .map(|(hits, query)| {
                let (ranked, lacking) = store.rerank(query, &hits, k);
                missing += lacking;
                ranked
            })
            .collect();
        if missing > 0 && !self.warned_refine.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                missing,
                "tracks of the similarity index have no sound full vector on disk: their scores are approximate"
            );
        }
        Ok(ranked)
    }

    pub(crate) fn inner(&self) -> &IndexImpl {
        &self.index
    }

    /// Bytes the full-vector file takes on disk (0 without one).
    pub fn refine_bytes_on_disk(&self) -> u64 {
        self.refine.as_ref().map_or(0, RefineStore::bytes_on_disk)
    }

    pub(crate) fn refine_mut(&mut self) -> Option<&mut RefineStore> {
        self.refine.as_mut()
    }

    /// A loaded index of `count` vectors (the manifest's). Apart from fast-scan lists, whose
    /// own count FAISS gets wrong, the file must hold that many.
    pub(crate) fn from_parts(
        index: IndexImpl,
        params: IndexParams,
        measured: MeasuredRecall,
        refine: Option<RefineStore>,
        count: usize,
    ) -> Result<Self> {
        if (params.kind == IndexKind::IvfPqRefine) != refine.is_some() {
            return Err(IndexError::Corrupt(
                "the full vectors and the index type do not agree".into(),
            ));
        }
        if refine.is_none() && index.ntotal() as usize != count {
            return Err(IndexError::Corrupt(format!(
                "{} vectors in the file, {count} in the manifest",
                index.ntotal()
            )));
        }
        let mut ann = AnnIndex {
            index,
            params: params.clone(),
            measured,
            refine,
            warned_refine: AtomicBool::new(false),
            count,
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
        let scratch = tempfile::tempdir().expect("tempdir");
        let mut ann = AnnIndex::build(
            choose(800, dimension, &policy),
            &ids,
            &vectors,
            &policy,
            scratch.path(),
        )
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
    fn every_compressed_type_reaches_the_recall_target_on_library_tracks_and_near_them() {
        let dimension = 64;
        let count = 20_000;
        let vectors = clustered(count, dimension, count / 40, 2);
        let ids: Vec<i64> = (0..count as i64).collect();
        let exact = ExactIndex::from_slices(&ids, &vectors, dimension);
        // Queries the tuning did not see: fresh points from the same clusters.
        let queries = crate::index::synthetic::queries_near(&vectors, dimension, 300, 9);
        for (ivf_flat_max, code_bytes, kind) in [
            (50_000, 64, IndexKind::IvfFlat),
            (5_000, 64, IndexKind::IvfSq),
            // 64 values cannot take even 4 bits each in 16 bytes: 32 4-bit PQ codes.
            (5_000, 16, IndexKind::IvfPqRefine),
        ] {
            let policy = IndexPolicy {
                flat_max: 1_000,
                ivf_flat_max,
                code_bytes,
                ..IndexPolicy::default()
            };
            let params = choose(count, dimension, &policy);
            assert_eq!(params.kind, kind);
            let scratch = tempfile::tempdir().expect("tempdir");
            let mut ann =
                AnnIndex::build(params, &ids, &vectors, &policy, scratch.path()).expect("build");
            let name = ann.params().name();
            let recall = recall_at_10(&mut ann, &exact, &queries);
            assert!(recall >= 0.95, "{name}: recall@10 {recall}");
            let tuned = ann.measured_recall();
            assert!(
                tuned.library >= Some(0.95) && tuned.near >= Some(0.95),
                "{name}: {tuned:?}"
            );
            if kind == IndexKind::IvfPqRefine {
                assert!(ann.params().refine_k >= 100, "{:?}", ann.params());
                assert_eq!(ann.params().bytes_per_track(), 16 + 8);
                // Scores are the re-ranked (float16) cosines, not the codes' estimates.
                let found = ann.search_batch(&queries[..dimension], 3).expect("search");
                for hit in &found[0] {
                    let row = hit.id as usize;
                    let v = &vectors[row * dimension..(row + 1) * dimension];
                    let exact_score = crate::index::dot(&queries[..dimension], v);
                    assert!(
                        (hit.score - exact_score).abs() < 2e-3,
                        "{hit:?} vs {exact_score}"
                    );
                }
            }
        }
    }

    #[test]
    fn add_and_remove_without_rebuild() {
        for code_bytes in [64, 16] {
            add_and_remove(IndexPolicy {
                ivf_flat_max: 1_500,
                code_bytes,
                ..IndexPolicy::default()
            });
        }
    }

    /// A track added after the build is found, with its full vector when the type re-ranks;
    /// a removed one is not.
    fn add_and_remove(policy: IndexPolicy) {
        let dimension = 64;
        let vectors = clustered(3_000, dimension, 60, 3);
        let ids: Vec<i64> = (1..=3_000).collect();
        let scratch = tempfile::tempdir().expect("tempdir");
        let mut ann = AnnIndex::build(
            choose(2_000, dimension, &policy),
            &ids[..2_000],
            &vectors[..2_000 * dimension],
            &policy,
            scratch.path(),
        )
        .expect("build");
        ann.add(&ids[2_000..], &vectors[2_000 * dimension..])
            .expect("add");
        assert_eq!(ann.count(), 3_000);
        // A vector that was added later is found as its own nearest neighbour.
        let q = &vectors[2_500 * dimension..2_501 * dimension];
        let first = ann.search_batch(q, 1).expect("search")[0][0];
        assert_eq!(first.id, 2_501, "{}", ann.params().name());
        assert!(first.score > 0.99, "{first:?}");
        assert_eq!(ann.remove(&[2_501, 99_999]).expect("remove"), 1);
        assert_eq!(ann.count(), 2_999);
        let after = ann.search_batch(q, 5).expect("search");
        assert!(after[0].iter().all(|h| h.id != 2_501));
    }
}
