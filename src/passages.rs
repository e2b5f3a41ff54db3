//! Passages: a track heard patch by patch. The tagger runs both MusiCNN models on a few
//! 3-second patches spread over the track and averages them into one embedding for the index;
//! the patches' own 200-d penultimate layers say more. Two tracks whose *passages* match —
//! each patch's best counterpart in the other track, averaged both ways (a symmetric Chamfer
//! similarity) — sound alike beyond what one averaged vector shows: the same soundtrack's
//! calm and loud cues, a theme's variations.
//!
//! The index cannot hold a set-to-set match, so it re-ranks the index's nearest candidates:
//! score = cosine + [`PASSAGE_WEIGHT`] · passage match, over the cosine's
//! [`RERANK_CANDIDATES`] nearest. Both constants were chosen by `segue bench blocks` on each
//! half of the real soundtracks and reported on the other (docs/benchmarks.md, issue 20).
//!
//! Stored per track in 8 bits (one scale per patch, ~3.3 KB with 8 patches); matched after the
//! library's per-value standardisation ([`Standardiser`], fitted on the calibration's sample),
//! each patch at unit length.

use crate::index::dot;
use crate::musicnn::net::EMBEDDING;

/// Weight of the passage match beside the index vector's cosine (both are cosines).
pub const PASSAGE_WEIGHT: f32 = 2.0;

/// How many of the index's nearest candidates the passages re-rank; the rest keep their cosine.
/// Both halves chose the cosine's top 50 over re-ranking everything.
pub const RERANK_CANDIDATES: usize = 50;

/// The models whose patches are kept: MSD, MTT.
const MODELS: usize = 2;

/// Format of the stored bytes.
const FORMAT: u8 = 1;

/// Bytes of one stored patch: its scale (f32) and its values (i8).
const PATCH_BYTES: usize = 4 + EMBEDDING;

/// Every analysed patch's penultimate layer, both models, in patch order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Passages {
    pub msd: Vec<[f32; EMBEDDING]>,
    pub mtt: Vec<[f32; EMBEDDING]>,
}

/// Stored passages that cannot be read back.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PassagesError {
    #[error("stored passages of format {0}, this version reads {FORMAT}")]
    Format(u8),
    #[error("stored passages of {got} bytes, expected {expected}")]
    Length { got: usize, expected: usize },
    #[error("stored passages hold a value that is not finite")]
    NotFinite,
}

impl Passages {
    /// Made-up passages for tests: one patch per seed (the same seed, the same patch), both
    /// models' values drawn apart.
    #[cfg(test)]
    pub(crate) fn synthetic(seeds: &[u64]) -> Passages {
        let patch = |seed: u64| {
            let mut rng = fastrand::Rng::with_seed(seed);
            let mut p = [0.0f32; EMBEDDING];
            p.iter_mut().for_each(|x| *x = rng.f32() * 3.0);
            p
        };
        Passages {
            msd: seeds.iter().map(|&s| patch(s)).collect(),
            mtt: seeds.iter().map(|&s| patch(s + 1000)).collect(),
        }
    }

    fn models(&self) -> [&[[f32; EMBEDDING]]; MODELS] {
        [&self.msd, &self.mtt]
    }

    /// Patches per model (both models see the same patches).
    pub fn len(&self) -> usize {
        self.msd.len().min(self.mtt.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A total order of passages by their values (any order that depends on content alone).
    pub fn content_cmp(&self, other: &Passages) -> std::cmp::Ordering {
        let values = |p: &Passages| {
            p.msd
                .iter()
                .chain(&p.mtt)
                .flat_map(|patch| patch.iter().copied())
                .collect::<Vec<f32>>()
        };
        let (a, b) = (values(self), values(other));
        a.iter()
            .zip(&b)
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(a.len().cmp(&b.len()))
    }

    /// The stored form: format, patch count, then per model and patch a scale and 200 values
    /// rounded to −127..=127 of it. At most 255 patches are kept.
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = self.len().min(usize::from(u8::MAX));
        let mut out = Vec::with_capacity(2 + MODELS * n * PATCH_BYTES);
        out.push(FORMAT);
        out.push(n as u8);
        for model in self.models() {
            for patch in &model[..n] {
                let scale = patch.iter().fold(0.0f32, |m, x| m.max(x.abs())) / 127.0;
                out.extend_from_slice(&scale.to_le_bytes());
                for x in patch {
                    let q = if scale > 0.0 {
                        (x / scale).round().clamp(-127.0, 127.0)
                    } else {
                        0.0
                    };
                    out.push(q as i8 as u8);
                }
            }
        }
        out
    }

    /// The passages as the store gives them back (8 bits): what a file outside the library
    /// is matched by, so that it meets the library's tracks on equal terms (its own twin in
    /// the library then matches it fully).
    pub fn as_stored(&self) -> Passages {
        Passages::from_bytes(&self.to_bytes()).unwrap_or_default()
    }

    /// Reads [`Passages::to_bytes`]' form back.
    pub fn from_bytes(bytes: &[u8]) -> Result<Passages, PassagesError> {
        let (&format, rest) = bytes.split_first().ok_or(PassagesError::Length {
            got: 0,
            expected: 2,
        })?;
        if format != FORMAT {
            return Err(PassagesError::Format(format));
        }
        let (&n, body) = rest.split_first().ok_or(PassagesError::Length {
            got: bytes.len(),
            expected: 2,
        })?;
        let n = usize::from(n);
        let expected = MODELS * n * PATCH_BYTES;
        if body.len() != expected {
            return Err(PassagesError::Length {
                got: bytes.len(),
                expected: expected + 2,
            });
        }
        let mut models = body.chunks_exact(n.max(1) * PATCH_BYTES).map(|model| {
            model
                .chunks_exact(PATCH_BYTES)
                .map(|patch| {
                    let (scale, values) = patch.split_at(4);
                    let scale = f32::from_le_bytes([scale[0], scale[1], scale[2], scale[3]]);
                    if !scale.is_finite() {
                        return Err(PassagesError::NotFinite);
                    }
                    let mut out = [0.0f32; EMBEDDING];
                    for (o, &v) in out.iter_mut().zip(values) {
                        *o = f32::from(v as i8) * scale;
                    }
                    Ok(out)
                })
                .collect::<Result<Vec<_>, _>>()
        });
        let msd = models.next().transpose()?.unwrap_or_default();
        let mtt = models.next().transpose()?.unwrap_or_default();
        Ok(Passages { msd, mtt })
    }
}

/// The library's per-value mean and spread of every patch, per model: a patch is matched after
/// subtracting the one and dividing by the other (values that vary little across the library
/// would otherwise be drowned by the few that vary much).
#[derive(Debug, Clone, PartialEq)]
pub struct Standardiser {
    mean: [Vec<f32>; MODELS],
    inv_sd: [Vec<f32>; MODELS],
}

/// A track's passages standardised and each patch at unit length, per model `n` rows of 200.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardised {
    rows: [Vec<f32>; MODELS],
}

impl Standardiser {
    /// Fitted on the patches of a sample of the library; `None` with fewer than two patches.
    pub fn fit<'a>(sample: impl IntoIterator<Item = &'a Passages> + Clone) -> Option<Standardiser> {
        let mut mean: [Vec<f64>; MODELS] = [vec![0.0; EMBEDDING], vec![0.0; EMBEDDING]];
        let mut square: [Vec<f64>; MODELS] = [vec![0.0; EMBEDDING], vec![0.0; EMBEDDING]];
        let mut count = 0usize;
        for passages in sample {
            let n = passages.len();
            count += n;
            for (m, model) in passages.models().into_iter().enumerate() {
                for patch in &model[..n] {
                    for (k, &x) in patch.iter().enumerate() {
                        mean[m][k] += f64::from(x);
                        square[m][k] += f64::from(x) * f64::from(x);
                    }
                }
            }
        }
        if count < 2 {
            return None;
        }
        let n = count as f64;
        let per_model = |m: usize| -> (Vec<f32>, Vec<f32>) {
            (0..EMBEDDING)
                .map(|k| {
                    let mu = mean[m][k] / n;
                    let var = (square[m][k] / n - mu * mu).max(0.0);
                    (mu as f32, 1.0 / (var.sqrt() as f32).max(1e-6))
                })
                .unzip()
        };
        let (msd, mtt) = (per_model(0), per_model(1));
        Some(Standardiser {
            mean: [msd.0, mtt.0],
            inv_sd: [msd.1, mtt.1],
        })
    }

    /// `None` for a track without patches.
    pub fn apply(&self, passages: &Passages) -> Option<Standardised> {
        let n = passages.len();
        if n == 0 {
            return None;
        }
        let mut rows: [Vec<f32>; MODELS] = [Vec::new(), Vec::new()];
        for (m, model) in passages.models().into_iter().enumerate() {
            rows[m].reserve(n * EMBEDDING);
            for patch in &model[..n] {
                let start = rows[m].len();
                rows[m].extend(
                    patch
                        .iter()
                        .zip(self.mean[m].iter().zip(&self.inv_sd[m]))
                        .map(|(x, (mu, inv))| (x - mu) * inv),
                );
                let row = &mut rows[m][start..];
                let norm = dot(row, row).sqrt().max(1e-12);
                row.iter_mut().for_each(|x| *x /= norm);
            }
        }
        Some(Standardised { rows })
    }
}

/// How alike two tracks' passages are, −1 … 1: per model, each patch's best cosine among the
/// other track's patches, averaged over both tracks' patches; then the two models' mean.
pub fn passage_match(a: &Standardised, b: &Standardised) -> f32 {
    let mut sum = 0.0;
    for m in 0..MODELS {
        sum += chamfer(&a.rows[m], &b.rows[m]);
    }
    sum / MODELS as f32
}

/// Every pair's [`passage_match`] among `tracks`, pairs (i, j > i) in order, as one
/// product per track and model (each of its patches against every patch of the others):
/// ~20× the pair-by-pair dot products on a core with AVX-512.
pub fn pairwise_matches(tracks: &[Standardised]) -> Vec<f32> {
    let n = tracks.len();
    let mut out = vec![0.0f32; n * n.saturating_sub(1) / 2];
    for m in 0..MODELS {
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        for t in tracks {
            offsets.push(offsets[offsets.len() - 1] + t.rows[m].len() / EMBEDDING);
        }
        let total = offsets[n];
        let all: Vec<f32> = tracks
            .iter()
            .flat_map(|t| t.rows[m].iter().copied())
            .collect();
        let mut pair = 0;
        let mut block = Vec::new();
        for i in 0..n {
            let rows = offsets[i + 1] - offsets[i];
            // Track i's patches against every patch from track i + 1 on.
            let later = &all[offsets[i + 1] * EMBEDDING..];
            let width = total - offsets[i + 1];
            block.clear();
            block.resize(rows * width, 0.0);
            crate::musicnn::sgemm::row_dots(EMBEDDING, &tracks[i].rows[m], later, &mut block);
            for j in i + 1..n {
                let (from, to) = (offsets[j] - offsets[i + 1], offsets[j + 1] - offsets[i + 1]);
                out[pair] += block_chamfer(&block, width, rows, from..to) / MODELS as f32;
                pair += 1;
            }
        }
    }
    out
}

/// [`chamfer`] of one track's `rows` patches against the columns `cols` of their products.
fn block_chamfer(block: &[f32], width: usize, rows: usize, cols: std::ops::Range<usize>) -> f32 {
    if rows == 0 || cols.is_empty() {
        return 0.0;
    }
    let mut best_cols = vec![f32::NEG_INFINITY; cols.len()];
    let mut rows_sum = 0.0;
    for r in 0..rows {
        let line = &block[r * width + cols.start..r * width + cols.end];
        rows_sum += line.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        for (b, &x) in best_cols.iter_mut().zip(line) {
            *b = b.max(x);
        }
    }
    0.5 * (rows_sum / rows as f32 + best_cols.iter().sum::<f32>() / cols.len() as f32)
}

/// Symmetric set-to-set similarity of two sets of unit rows (flattened, 200 wide).
fn chamfer(a: &[f32], b: &[f32]) -> f32 {
    let (na, nb) = (a.len() / EMBEDDING, b.len() / EMBEDDING);
    if na == 0 || nb == 0 {
        return 0.0;
    }
    let mut best_a = vec![f32::NEG_INFINITY; na];
    let mut best_b = vec![f32::NEG_INFINITY; nb];
    for (i, x) in a.chunks_exact(EMBEDDING).enumerate() {
        for (j, y) in b.chunks_exact(EMBEDDING).enumerate() {
            let d = dot(x, y);
            best_a[i] = best_a[i].max(d);
            best_b[j] = best_b[j].max(d);
        }
    }
    0.5 * (best_a.iter().sum::<f32>() / na as f32 + best_b.iter().sum::<f32>() / nb as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passages(seeds: &[u64]) -> Passages {
        Passages::synthetic(seeds)
    }

    #[test]
    fn stored_bytes_read_back_within_a_step_of_the_scale() {
        let p = passages(&[1, 2, 3]);
        let bytes = p.to_bytes();
        assert_eq!(bytes.len(), 2 + 2 * 3 * PATCH_BYTES);
        let back = Passages::from_bytes(&bytes).expect("readable");
        assert_eq!(back.len(), 3);
        for (a, b) in p
            .msd
            .iter()
            .chain(&p.mtt)
            .zip(back.msd.iter().chain(&back.mtt))
        {
            let step = a.iter().fold(0.0f32, |m, x| m.max(x.abs())) / 127.0;
            for (x, y) in a.iter().zip(b) {
                assert!((x - y).abs() <= 0.5 * step + 1e-6, "{x} vs {y}");
            }
        }
        // An all-zero patch (silence through a ReLU) survives.
        let zero = Passages {
            msd: vec![[0.0; EMBEDDING]],
            mtt: vec![[0.0; EMBEDDING]],
        };
        assert_eq!(Passages::from_bytes(&zero.to_bytes()), Ok(zero));
        assert_eq!(p.as_stored(), back);
    }

    #[test]
    fn damaged_bytes_are_an_error_not_a_panic() {
        let bytes = passages(&[1, 2]).to_bytes();
        assert!(matches!(
            Passages::from_bytes(&bytes[..bytes.len() - 1]),
            Err(PassagesError::Length { .. })
        ));
        assert!(Passages::from_bytes(&[]).is_err());
        assert!(Passages::from_bytes(&[FORMAT]).is_err());
        assert_eq!(Passages::from_bytes(&[9, 0]), Err(PassagesError::Format(9)));
        let mut nan = bytes.clone();
        nan[2..6].copy_from_slice(&f32::NAN.to_le_bytes());
        assert_eq!(Passages::from_bytes(&nan), Err(PassagesError::NotFinite));
        assert_eq!(Passages::from_bytes(&[FORMAT, 0]), Ok(Passages::default()));
    }

    #[test]
    fn standardised_patches_are_centred_and_unit_length() {
        let sample = [passages(&[1, 2]), passages(&[3, 4, 5])];
        let s = Standardiser::fit(&sample).expect("enough patches");
        let t = s.apply(&sample[1]).expect("patches");
        for rows in &t.rows {
            assert_eq!(rows.len(), 3 * EMBEDDING);
            for row in rows.chunks_exact(EMBEDDING) {
                assert!((dot(row, row) - 1.0).abs() < 1e-4);
            }
        }
        assert!(Standardiser::fit(&[passages(&[1])]).is_none(), "one patch");
        assert!(s.apply(&Passages::default()).is_none());
    }

    #[test]
    fn the_match_finds_a_shared_passage_and_is_symmetric() {
        let sample: Vec<Passages> = (0..20).map(|i| passages(&[i * 3, i * 3 + 1])).collect();
        let s = Standardiser::fit(&sample).expect("fitted");
        let of = |p: &Passages| s.apply(p).expect("patches");
        let a = of(&passages(&[100, 101, 102]));
        // Shares one passage with a, the rest new.
        let b = of(&passages(&[200, 101, 201]));
        let c = of(&passages(&[300, 301, 302]));
        assert!((passage_match(&a, &a) - 1.0).abs() < 1e-4, "itself");
        assert!((passage_match(&a, &b) - passage_match(&b, &a)).abs() < 1e-6);
        assert!(passage_match(&a, &b) > passage_match(&a, &c) + 0.1);
        // A shared passage counts for each track's own patch count: b's one of three.
        let (ab, ac) = (passage_match(&a, &b), passage_match(&a, &c));
        assert!(ab < 0.5 * (1.0 + ac), "{ab} vs {ac}");
    }

    #[test]
    fn every_pair_at_once_matches_pair_by_pair() {
        let sample: Vec<Passages> = (0..12)
            .map(|i| passages(&(0..(i % 4 + 1)).map(|k| i * 10 + k).collect::<Vec<_>>()))
            .collect();
        let s = Standardiser::fit(&sample).expect("fitted");
        let tracks: Vec<Standardised> = sample.iter().filter_map(|p| s.apply(p)).collect();
        let all = pairwise_matches(&tracks);
        assert_eq!(all.len(), 12 * 11 / 2);
        let mut k = 0;
        for i in 0..12 {
            for j in i + 1..12 {
                let one = passage_match(&tracks[i], &tracks[j]);
                assert!((all[k] - one).abs() < 1e-4, "{i} {j}: {} vs {one}", all[k]);
                k += 1;
            }
        }
        assert!(pairwise_matches(&tracks[..1]).is_empty());
    }
}
