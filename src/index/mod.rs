//! Nearest-neighbour search over track vectors: FAISS for the index, chosen by library size, and
//! an exact search in plain Rust that answers while an index is being built (and that tests and
//! benchmarks use as ground truth).
//!
//! Vectors are unit length (see [`crate::vector`]), so the inner product is the cosine
//! similarity; ids are the database's track ids.

pub mod persist;

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::time::Instant;

use faiss::index::autotune::ParameterSpace;
use faiss::index::IndexImpl;
use faiss::selector::IdSelector;
use faiss::{Idx, Index, MetricType};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("FAISS: {0}")]
    Faiss(#[from] faiss::error::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("index file is damaged or does not match its manifest: {0}")]
    Corrupt(String),
}

pub type Result<T, E = IndexError> = std::result::Result<T, E>;

/// One neighbour: a track id and its cosine similarity to the query.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub id: i64,
    pub score: f32,
}

/// The three index types of the size policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IndexKind {
    /// Exact search (`IndexFlatIP`): every vector is compared.
    Flat,
    /// Inverted lists over k-means cells, full vectors in each: search visits `nprobe` cells.
    IvfFlat,
    /// Inverted lists with scalar-quantised codes (`sq_bits` per value).
    IvfSq,
    /// Inverted lists with product-quantised codes (`pq_m` bytes per track).
    IvfPq,
}

/// When each index type takes over, and what recall the tuning must reach. A setting.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IndexPolicy {
    /// Up to this many tracks, exact search.
    pub flat_max: usize,
    /// Up to this many, IVF with full vectors; above, IVF with compressed codes: the most
    /// precise codec within `code_bytes` (8-, 6- or 4-bit scalar quantisation, else PQ).
    pub ivf_flat_max: usize,
    /// The recall@10 against exact search that `nprobe` is tuned to reach at build time.
    pub target_recall: f32,
    /// Bytes per track the compressed codes may take at most.
    pub code_bytes: usize,
    /// FAISS (OpenMP) threads for single queries and for builds; 0 = one per core.
    pub query_threads: usize,
    pub build_threads: usize,
}

impl Default for IndexPolicy {
    fn default() -> Self {
        IndexPolicy {
            flat_max: 1_000,
            // Full vectors up to 50k tracks (74 MB at d = 368), 8-bit codes above.
            ivf_flat_max: 50_000,
            target_recall: 0.97,
            // SQ8 of the 368-value vector (docs/benchmarks.md, at 100k): recall@10 0.984 in
            // 39 MB, where a 64-byte budget only fits PQ46 at 0.834.
            code_bytes: 384,
            // Measured (docs/benchmarks.md): single queries are fastest on one thread, since
            // OpenMP's wake-up costs more than a query; builds use every core.
            query_threads: 1,
            build_threads: 0,
        }
    }
}

/// What an index is built with. Stored in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexParams {
    pub kind: IndexKind,
    pub dimension: usize,
    /// IVF cells (0 for Flat).
    pub nlist: usize,
    /// Cells visited per query (0 for Flat).
    pub nprobe: usize,
    /// PQ sub-vectors (bytes per code with 8 bits each); 0 unless IvfPq.
    pub pq_m: usize,
    /// Bits per value of the scalar quantiser; 0 unless IvfSq.
    #[serde(default)]
    pub sq_bits: usize,
}

impl IndexParams {
    /// The FAISS index-factory string.
    pub fn description(&self) -> String {
        match self.kind {
            IndexKind::Flat => "IDMap,Flat".to_string(),
            IndexKind::IvfFlat => format!("IVF{},Flat", self.nlist),
            IndexKind::IvfSq => format!("IVF{},SQ{}", self.nlist, self.sq_bits),
            IndexKind::IvfPq => format!("IVF{},PQ{}x8", self.nlist, self.pq_m),
        }
    }

    /// A short human name: "Flat", "IVF128,Flat", "IVF1024,PQ36".
    pub fn name(&self) -> String {
        match self.kind {
            IndexKind::Flat => "Flat".to_string(),
            IndexKind::IvfFlat => format!("IVF{},Flat", self.nlist),
            IndexKind::IvfSq => format!("IVF{},SQ{}", self.nlist, self.sq_bits),
            IndexKind::IvfPq => format!("IVF{},PQ{}", self.nlist, self.pq_m),
        }
    }

    /// Bytes of index memory per track (codes and id; centroids and tables come on top).
    pub fn bytes_per_track(&self) -> usize {
        let id = std::mem::size_of::<i64>();
        match self.kind {
            IndexKind::Flat | IndexKind::IvfFlat => self.dimension * 4 + id,
            IndexKind::IvfSq => (self.dimension * self.sq_bits).div_ceil(8) + id,
            IndexKind::IvfPq => self.pq_m + id,
        }
    }
}

/// The policy's choice for `count` vectors of `dimension`: the type by size, then
/// - `nlist` ≈ 4·√count rounded to a power of two, with at least 39 training vectors per cell
///   (below that FAISS's k-means is unreliable) and never fewer than 4 cells. More, smaller
///   cells mean fewer vectors scanned for the same recall (measured: 1M tracks need 0.96
///   recall at 256 of 4096 cells, 6% of the vectors, against 128 of 1024, 12%);
/// - the codec: the most precise one within the byte budget. Scalar quantisation at 8, 6 or
///   4 bits per value first (measured at 100k: SQ6 reaches recall 0.97 and trains in 0.2 s,
///   where PQ36 stalls at 0.94 and trains in 40 s); PQ with the largest divisor of the
///   dimension within the budget when even 4 bits per value do not fit;
/// - `nprobe` starts at nlist/16 and is tuned by measured recall when the index is built.
pub fn choose(count: usize, dimension: usize, policy: &IndexPolicy) -> IndexParams {
    let kind = if count <= policy.flat_max {
        IndexKind::Flat
    } else if count <= policy.ivf_flat_max {
        IndexKind::IvfFlat
    } else {
        IndexKind::IvfPq
    };
    if kind == IndexKind::Flat {
        return IndexParams {
            kind,
            dimension,
            nlist: 0,
            nprobe: 0,
            pq_m: 0,
            sq_bits: 0,
        };
    }
    let root = 4.0 * (count as f64).sqrt().max(1.0);
    let mut nlist = 1usize << (root.log2().round() as u32);
    while nlist > 4 && count / nlist < 39 {
        nlist /= 2;
    }
    let nlist = nlist.max(4);
    let (mut kind, mut sq_bits, mut pq_m) = (kind, 0, 0);
    if kind == IndexKind::IvfPq {
        match [8, 6, 4]
            .into_iter()
            .find(|bits| (dimension * bits).div_ceil(8) <= policy.code_bytes)
        {
            Some(bits) => {
                kind = IndexKind::IvfSq;
                sq_bits = bits;
            }
            None => {
                pq_m = (1..=dimension.min(policy.code_bytes.max(1)))
                    .rev()
                    .find(|m| dimension.is_multiple_of(*m))
                    .unwrap_or(1);
            }
        }
    }
    IndexParams {
        kind,
        dimension,
        nlist,
        nprobe: (nlist / 16).max(1),
        pq_m,
        sq_bits,
    }
}

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

/// Exact inner-product search over vectors held in memory.
#[derive(Debug, Clone, Default)]
pub struct ExactIndex {
    dimension: usize,
    ids: Vec<i64>,
    vectors: Vec<f32>,
}

#[derive(PartialEq)]
struct Candidate(Hit);

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    /// Reversed, so the max-heap's top is the worst hit kept so far.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .score
            .total_cmp(&self.0.score)
            .then_with(|| self.0.id.cmp(&other.0.id))
    }
}

impl ExactIndex {
    pub fn new(dimension: usize) -> Self {
        ExactIndex {
            dimension,
            ids: Vec::new(),
            vectors: Vec::new(),
        }
    }

    pub fn from_slices(ids: &[i64], vectors: &[f32], dimension: usize) -> Self {
        ExactIndex {
            dimension,
            ids: ids.to_vec(),
            vectors: vectors.to_vec(),
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn ids(&self) -> &[i64] {
        &self.ids
    }

    pub fn vectors(&self) -> &[f32] {
        &self.vectors
    }

    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// Adds or replaces vectors.
    pub fn upsert(&mut self, ids: &[i64], vectors: &[f32]) {
        self.remove(ids);
        self.ids.extend_from_slice(ids);
        self.vectors.extend_from_slice(vectors);
    }

    pub fn remove(&mut self, ids: &[i64]) -> usize {
        let gone: std::collections::HashSet<i64> = ids.iter().copied().collect();
        let dimension = self.dimension;
        let mut kept_ids = Vec::with_capacity(self.ids.len());
        let mut kept = Vec::with_capacity(self.vectors.len());
        for (i, id) in self.ids.iter().enumerate() {
            if !gone.contains(id) {
                kept_ids.push(*id);
                kept.extend_from_slice(&self.vectors[i * dimension..(i + 1) * dimension]);
            }
        }
        let removed = self.ids.len() - kept_ids.len();
        self.ids = kept_ids;
        self.vectors = kept;
        removed
    }

    pub fn search(&self, query: &[f32], k: usize) -> Vec<Hit> {
        let mut heap: BinaryHeap<Candidate> = BinaryHeap::with_capacity(k + 1);
        if k == 0 || query.len() != self.dimension {
            return Vec::new();
        }
        for (row, &id) in self.vectors.chunks_exact(self.dimension).zip(&self.ids) {
            let score = dot(row, query);
            if heap.len() < k {
                heap.push(Candidate(Hit { id, score }));
            } else if heap.peek().is_some_and(|worst| score > worst.0.score) {
                heap.pop();
                heap.push(Candidate(Hit { id, score }));
            }
        }
        // Ascending in the reversed order = best first.
        heap.into_sorted_vec().into_iter().map(|c| c.0).collect()
    }

    /// Queries in parallel over the cores.
    pub fn search_batch(&self, queries: &[f32], k: usize) -> Vec<Vec<Hit>> {
        if self.dimension == 0 {
            return Vec::new();
        }
        let rows: Vec<&[f32]> = queries.chunks_exact(self.dimension).collect();
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(rows.len().max(1));
        let per = rows.len().div_ceil(threads.max(1)).max(1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = rows
                .chunks(per)
                .map(|chunk| {
                    scope.spawn(move || chunk.iter().map(|q| self.search(q, k)).collect::<Vec<_>>())
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        })
    }
}

/// Inner product, in 8 independent lanes so the compiler vectorises it.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let chunks = a.len() / 8;
    for c in 0..chunks {
        for l in 0..8 {
            lanes[l] += a[c * 8 + l] * b[c * 8 + l];
        }
    }
    let mut sum: f32 = lanes.iter().sum();
    for i in chunks * 8..a.len().min(b.len()) {
        sum += a[i] * b[i];
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn policy_picks_the_type_by_size() {
        let default = choose(50_001, crate::vector::DIM, &IndexPolicy::default());
        assert_eq!(
            (default.kind, default.sq_bits),
            (IndexKind::IvfSq, 8),
            "the default budget fits 8 bits of every value of the track vector"
        );
        let policy = IndexPolicy {
            code_bytes: 64,
            ..IndexPolicy::default()
        };
        assert_eq!(choose(10, 64, &policy).kind, IndexKind::Flat);
        assert_eq!(choose(1_000, 64, &policy).kind, IndexKind::Flat);
        assert_eq!(choose(1_001, 64, &policy).kind, IndexKind::IvfFlat);
        assert_eq!(choose(50_000, 64, &policy).kind, IndexKind::IvfFlat);
        let sq = choose(50_001, 64, &policy);
        assert_eq!(
            (sq.kind, sq.sq_bits),
            (IndexKind::IvfSq, 8),
            "64 values at 8 bits fit 64 bytes"
        );
        assert_eq!(sq.bytes_per_track(), 64 + 8);
        let sq6 = choose(50_001, 72, &policy);
        assert_eq!(
            (sq6.kind, sq6.sq_bits),
            (IndexKind::IvfSq, 6),
            "72 values: 6 bits fit"
        );
        let pq = choose(50_001, 200, &policy);
        assert_eq!(pq.kind, IndexKind::IvfPq, "200 values: not even 4 bits fit");
        assert_eq!(pq.pq_m, 50, "largest divisor of 200 within 64 bytes");
        assert!(pq.bytes_per_track() <= 64 + 8);
        let big = choose(1_000_000, 64, &policy);
        assert_eq!(big.nlist, 4096);
        let small = choose(1_500, 64, &policy);
        assert!(small.nlist >= 4 && 1_500 / small.nlist >= 39, "{small:?}");
        let custom = IndexPolicy {
            flat_max: 50,
            ivf_flat_max: 100,
            ..policy
        };
        assert_eq!(choose(60, 64, &custom).kind, IndexKind::IvfFlat);
        assert_eq!(choose(101, 72, &custom).kind, IndexKind::IvfSq);
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

    #[test]
    fn exact_search_is_best_first_and_bounded() {
        let ids = [1, 2, 3];
        let vectors = [1.0, 0.0, 0.6, 0.8, 0.0, 1.0];
        let exact = ExactIndex::from_slices(&ids, &vectors, 2);
        let hits = exact.search(&[1.0, 0.0], 2);
        assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![1, 2]);
        assert!((hits[1].score - 0.6).abs() < 1e-6);
        assert_eq!(exact.search(&[1.0, 0.0], 10).len(), 3);
        assert!(
            exact.search(&[1.0], 3).is_empty(),
            "wrong dimension finds nothing"
        );
    }
}

/// Clustered synthetic unit vectors, for tests and `segue bench index`.
#[cfg(any(test, feature = "harness"))]
pub mod synthetic {
    /// A small deterministic generator (SplitMix64), so sets are the same on every machine.
    pub struct Rng(u64);

    impl Rng {
        pub fn new(seed: u64) -> Self {
            Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
        }

        pub fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in [0, 1).
        pub fn uniform(&mut self) -> f32 {
            (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
        }

        /// Standard normal (Box-Muller).
        pub fn normal(&mut self) -> f32 {
            let u = self.uniform().max(1e-7);
            let v = self.uniform();
            (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
        }
    }

    /// Like a music library: `clusters` styles (random centres), each spreading its tracks over
    /// a few directions of its own (a track varies in a handful of ways from its style, not in
    /// all 72 at once), plus a little noise in every dimension. Unit length, row-major.
    pub fn clustered(count: usize, dimension: usize, clusters: usize, seed: u64) -> Vec<f32> {
        let mut rng = Rng::new(seed);
        let clusters = clusters.max(1);
        const LATENT: usize = 6;
        let centres: Vec<Vec<f32>> = (0..clusters)
            .map(|_| (0..dimension).map(|_| rng.normal()).collect())
            .collect();
        let bases: Vec<Vec<Vec<f32>>> = (0..clusters)
            .map(|_| {
                (0..LATENT)
                    .map(|_| (0..dimension).map(|_| rng.normal() * 0.35).collect())
                    .collect()
            })
            .collect();
        let mut out = Vec::with_capacity(count * dimension);
        for _ in 0..count {
            let c = (rng.next_u64() % clusters as u64) as usize;
            let mut v = centres[c].clone();
            for basis in &bases[c] {
                let w = rng.normal();
                for (x, b) in v.iter_mut().zip(basis) {
                    *x += w * b;
                }
            }
            for x in v.iter_mut() {
                *x += rng.normal() * 0.05;
            }
            crate::vector::normalize(&mut v);
            out.extend_from_slice(&v);
        }
        out
    }

    /// `count` queries near random vectors of the set (a small step off each): like a new track
    /// of a known style.
    pub fn queries_near(vectors: &[f32], dimension: usize, count: usize, seed: u64) -> Vec<f32> {
        let mut rng = Rng::new(seed);
        let rows = vectors.len() / dimension;
        let mut out = Vec::with_capacity(count * dimension);
        for _ in 0..count {
            let row = (rng.next_u64() % rows as u64) as usize;
            let mut v: Vec<f32> = vectors[row * dimension..(row + 1) * dimension]
                .iter()
                .map(|x| x + rng.normal() * 0.05)
                .collect();
            crate::vector::normalize(&mut v);
            out.extend_from_slice(&v);
        }
        out
    }
}
