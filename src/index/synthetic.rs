//! Clustered synthetic unit vectors, for tests and `segue bench index`: a small deterministic
//! generator, a library-like set of styles with a few directions of variation each, and
//! queries near its vectors (which the index tuning uses too: a new track of a known style).

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

/// Like the library whose vectors are `basis` (row-major, unit length): each new vector mixes
/// three of its tracks (random weights summing to 1) and moves along sixteen more of them
/// (centred), so the set keeps the real layout's blocks, scales and correlations while filling
/// the space between the tracks; a little noise in every dimension. Unit length, row-major.
pub fn like(basis: &[f32], dimension: usize, count: usize, seed: u64) -> Vec<f32> {
    let rows = basis.len() / dimension.max(1);
    if rows == 0 {
        return Vec::new();
    }
    let mut mean = vec![0.0f32; dimension];
    for row in basis.chunks_exact(dimension) {
        for (m, x) in mean.iter_mut().zip(row) {
            *m += x / rows as f32;
        }
    }
    let mut rng = Rng::new(seed);
    let pick = |rng: &mut Rng| {
        let row = (rng.next_u64() % rows as u64) as usize;
        &basis[row * dimension..(row + 1) * dimension]
    };
    const MIXED: usize = 3;
    const SPREAD: usize = 16;
    let mut out = Vec::with_capacity(count * dimension);
    for _ in 0..count {
        let mut v = vec![0.0f32; dimension];
        // Dirichlet(1, 1, 1) weights: normalised exponentials.
        let weights: Vec<f32> = (0..MIXED).map(|_| -rng.uniform().max(1e-7).ln()).collect();
        let total: f32 = weights.iter().sum();
        for w in weights {
            let row = pick(&mut rng);
            for (x, b) in v.iter_mut().zip(row) {
                *x += w / total * b;
            }
        }
        for _ in 0..SPREAD {
            let w = rng.normal() * 0.5 / (SPREAD as f32).sqrt();
            let row = pick(&mut rng);
            for ((x, b), m) in v.iter_mut().zip(row).zip(&mean) {
                *x += w * (b - m);
            }
        }
        for x in v.iter_mut() {
            *x += rng.normal() * 0.01;
        }
        crate::vector::normalize(&mut v);
        out.extend_from_slice(&v);
    }
    out
}
