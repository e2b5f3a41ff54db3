//! The size policy: which index type a library of a given size gets (exact, IVF with full
//! vectors, IVF with compressed codes), the codec within the byte budget, the number of IVF
//! cells and the starting `nprobe`; and [`IndexParams`], what an index is built with, which the
//! manifest stores. Pure arithmetic, no FAISS: the build and the rebuild rules both ask it.

use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
