//! Exact inner-product search in plain Rust ([`ExactIndex`]): what answers while a first FAISS
//! index is being built, and the ground truth that `nprobe` tuning, tests and benchmarks
//! measure recall against; and [`dot`], the inner product the playlist code uses too.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::Hit;

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
