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
    /// Inverted lists of 4-bit product-quantised codes (`pq_m` of them, `pq_m / 2` bytes per
    /// track) after a random rotation that spreads the variance evenly over them, scanned by
    /// FAISS's fast-scan kernels; the `refine_k` best candidates are then re-ranked exactly by
    /// the full vectors kept on disk ([`super::RefineStore`]).
    IvfPqRefine,
}

/// When each index type takes over, and what recall the tuning must reach. A setting.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IndexPolicy {
    /// Up to this many tracks, exact search.
    pub flat_max: usize,
    /// Up to this many, IVF with full vectors; above, IVF with compressed codes within
    /// `code_bytes`: 8-, 6- or 4-bit scalar quantisation of every value when it fits, else
    /// 4-bit PQ re-ranked from the full vectors on disk.
    pub ivf_flat_max: usize,
    /// The recall@10 against exact search that `nprobe` (and the re-ranked candidates) are
    /// tuned to reach at build time, on library tracks and on points near them alike.
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
            // 64 bytes: 128 4-bit PQ codes of the rotated 368-value vector, re-ranked from
            // disk, reach recall@10 0.97 at 1M tracks (docs/benchmarks.md), where SQ8 took
            // 368 bytes for 0.90 on queries near the library.
            code_bytes: 64,
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
    /// PQ sub-quantisers (4 bits each); 0 unless IvfPqRefine.
    pub pq_m: usize,
    /// The dimension after the random rotation (a multiple of `pq_m`); 0 unless IvfPqRefine.
    #[serde(default)]
    pub rotated: usize,
    /// Candidates the index returns for re-ranking by the full vectors; 0 unless IvfPqRefine.
    #[serde(default)]
    pub refine_k: usize,
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
            IndexKind::IvfPqRefine => {
                format!("RR{},IVF{},PQ{}x4fs", self.rotated, self.nlist, self.pq_m)
            }
        }
    }

    /// A short human name: "Flat", "IVF128,Flat", "IVF1024,SQ8", "IVF1024,PQ128x4+refine".
    pub fn name(&self) -> String {
        match self.kind {
            IndexKind::Flat => "Flat".to_string(),
            IndexKind::IvfFlat => format!("IVF{},Flat", self.nlist),
            IndexKind::IvfSq => format!("IVF{},SQ{}", self.nlist, self.sq_bits),
            IndexKind::IvfPqRefine => format!("IVF{},PQ{}x4+refine", self.nlist, self.pq_m),
        }
    }

    /// Bytes of index memory per track (codes and id; centroids and tables come on top).
    pub fn bytes_per_track(&self) -> usize {
        let id = std::mem::size_of::<i64>();
        match self.kind {
            IndexKind::Flat | IndexKind::IvfFlat => self.dimension * 4 + id,
            IndexKind::IvfSq => (self.dimension * self.sq_bits).div_ceil(8) + id,
            IndexKind::IvfPqRefine => self.pq_m.div_ceil(2) + id,
        }
    }
}

/// The policy's choice for `count` vectors of `dimension`: the type by size, then
/// - `nlist` ≈ 4·√count rounded to a power of two, with at least 39 training vectors per cell
///   (below that FAISS's k-means is unreliable) and never fewer than 4 cells. More, smaller
///   cells mean fewer vectors scanned for the same recall (measured: 1M tracks need 0.96
///   recall at 256 of 4096 cells, 6% of the vectors, against 128 of 1024, 12%). Fast-scan
///   codes are cheap to scan and costly to assign, so the re-ranked type takes ≈ √count;
/// - the codec: scalar quantisation of every value at 8, 6 or 4 bits when it fits the byte
///   budget (measured at 100k: SQ6 reaches recall 0.97 and trains in 0.2 s, where 8-bit PQ
///   stalls at 0.94 and trains in 40 s); else as many 4-bit PQ codes as the budget holds
///   (two per byte, at most one per value), over the vector rotated into a dimension they
///   divide, re-ranked from disk;
/// - `nprobe` starts at nlist/16 and the re-ranked candidates at 200; the build tunes both by
///   measured recall.
pub fn choose(count: usize, dimension: usize, policy: &IndexPolicy) -> IndexParams {
    let flat = IndexParams {
        kind: IndexKind::Flat,
        dimension,
        nlist: 0,
        nprobe: 0,
        pq_m: 0,
        rotated: 0,
        refine_k: 0,
        sq_bits: 0,
    };
    if count <= policy.flat_max {
        return flat;
    }
    let cells = |per_track: f64| {
        let root = per_track * (count as f64).sqrt().max(1.0);
        let mut nlist = 1usize << (root.log2().round() as u32);
        while nlist > 4 && count / nlist < 39 {
            nlist /= 2;
        }
        nlist.max(4)
    };
    let ivf = |kind, nlist: usize| IndexParams {
        kind,
        nlist,
        nprobe: (nlist / 16).max(1),
        ..flat.clone()
    };
    if count <= policy.ivf_flat_max {
        return ivf(IndexKind::IvfFlat, cells(4.0));
    }
    if let Some(bits) = [8, 6, 4]
        .into_iter()
        .find(|bits| (dimension * bits).div_ceil(8) <= policy.code_bytes)
    {
        return IndexParams {
            sq_bits: bits,
            ..ivf(IndexKind::IvfSq, cells(4.0))
        };
    }
    let pq_m = (policy.code_bytes.max(1) * 2).min(dimension);
    IndexParams {
        pq_m,
        rotated: dimension.div_ceil(pq_m) * pq_m,
        refine_k: 200,
        ..ivf(IndexKind::IvfPqRefine, cells(2.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_picks_the_type_by_size() {
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
        assert_eq!(
            pq.kind,
            IndexKind::IvfPqRefine,
            "200 values: not even 4 bits fit"
        );
        assert_eq!(
            (pq.pq_m, pq.rotated),
            (128, 256),
            "128 4-bit codes in 64 bytes"
        );
        assert_eq!(pq.bytes_per_track(), 64 + 8);
        assert_eq!(pq.description(), "RR256,IVF512,PQ128x4fs");
        let real = choose(1_000_000, crate::vector::DIM, &IndexPolicy::default());
        assert_eq!(
            (real.kind, real.pq_m, real.rotated, real.nlist),
            (IndexKind::IvfPqRefine, 128, 384, 2048),
            "the track vector at 1M: 64 bytes per track"
        );
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
