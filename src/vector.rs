//! The feature-vector layout: which stored features go into a track's similarity vector, and
//! how they are scaled so that the inner product of two vectors is a meaningful cosine.
//!
//! Two steps, so a change of weights is a cheap re-index and never a re-analysis:
//! 1. [`raw_vector`] turns one track's stored [`Features`] into fixed raw values (log BPM, a key
//!    one-hot weighted by strength, MFCC statistics…). Missing values (no tempo on a drone, no
//!    key on noise) are NaN.
//! 2. [`Normalizer`] holds library-wide statistics. It standardises each value (z-score, or only
//!    centred for values whose geometry matters, like a point on the circle of fifths), fills a
//!    missing value with the library mean (0 after centring), scales every block so it carries
//!    its weight whatever its size, and L2-normalises the whole vector.

use serde::{Deserialize, Serialize};

use crate::analysis::key::Scale;
use crate::analysis::Features;

/// Bump when [`raw_vector`] or the normalisation changes: stored indexes are then rebuilt.
pub const LAYOUT_VERSION: u32 = 2;

/// The groups of values that are weighted together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Block {
    Rhythm,
    Harmony,
    Timbre,
    Level,
    /// MusiCNN's 100 genre/mood/instrument tag probabilities (both models).
    Tags,
    /// MusiCNN's 200-d embedding (the MSD model's penultimate layer).
    Embedding,
}

pub const BLOCKS: [Block; 6] = [
    Block::Rhythm,
    Block::Harmony,
    Block::Timbre,
    Block::Level,
    Block::Tags,
    Block::Embedding,
];

/// How one raw value is standardised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scaling {
    /// z-score with the library mean and standard deviation.
    Standard,
    /// Only centred: the value is already on a shared scale with its neighbours (a one-hot, a
    /// point on a circle, a chroma bin) and per-value scaling would distort that geometry.
    Centred,
}

struct Slot {
    block: Block,
    scaling: Scaling,
}

const fn slot(block: Block, scaling: Scaling) -> Slot {
    Slot { block, scaling }
}

use Block::{Embedding, Harmony, Level, Rhythm, Tags, Timbre};
use Scaling::{Centred, Standard};

/// Signal-processing values (rhythm, harmony, timbre, level).
const DSP_DIM: usize = 64;
/// First MusiCNN tag value (MSD's 50, then MTT's 50), then the embedding.
const TAGS_AT: usize = DSP_DIM;
const EMBEDDING_AT: usize = TAGS_AT + 2 * crate::musicnn::net::TAGS;

/// Raw values per track. See [`raw_vector`] for what each one is.
pub const RAW_DIM: usize = EMBEDDING_AT + crate::musicnn::net::EMBEDDING;

/// The vector's dimension in the index: [`RAW_DIM`] rounded up to a multiple of 8 with zeros
/// (zeros change no inner product).
pub const DIM: usize = RAW_DIM.div_ceil(8) * 8;

const SLOTS: [Slot; RAW_DIM] = {
    let mut slots = [const { slot(Timbre, Standard) }; RAW_DIM];
    // Rhythm: log2 BPM, the tempo's place within its octave (cos, sin), confidence, onset rate,
    // spectral flux.
    slots[0] = slot(Rhythm, Standard);
    slots[1] = slot(Rhythm, Centred);
    slots[2] = slot(Rhythm, Centred);
    slots[3] = slot(Rhythm, Standard);
    slots[4] = slot(Rhythm, Standard);
    slots[5] = slot(Rhythm, Standard);
    // Harmony: tonic one-hot (12), scale, strength, circle of fifths (cos, sin), chroma (12).
    let mut i = 6;
    while i < 34 {
        slots[i] = slot(Harmony, Centred);
        i += 1;
    }
    slots[19] = slot(Harmony, Standard);
    // Timbre: MFCC 1-11 mean and std, centroid, rolloff, flatness, ZCR: the defaults. Level and
    // dynamics: loudness, loudness range, RMS spread, share of near-silent frames.
    let mut j = DSP_DIM - 4;
    while j < DSP_DIM {
        slots[j] = slot(Level, Standard);
        j += 1;
    }
    // MusiCNN: tag probabilities and the embedding, each value standardised.
    while j < EMBEDDING_AT {
        slots[j] = slot(Tags, Standard);
        j += 1;
    }
    while j < RAW_DIM {
        slots[j] = slot(Embedding, Standard);
        j += 1;
    }
    slots
};

/// The relative weight of each block; the vector is L2-normalised afterwards, so only ratios
/// matter. A setting: changing it re-indexes, it never re-analyses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlockWeights {
    pub rhythm: f32,
    pub harmony: f32,
    pub timbre: f32,
    pub level: f32,
    pub tags: f32,
    pub embedding: f32,
}

impl Default for BlockWeights {
    fn default() -> Self {
        BlockWeights {
            rhythm: 1.0,
            harmony: 0.8,
            timbre: 1.2,
            level: 0.6,
            // MusiCNN: same-soundtrack P@5 on the real corpus 0.369 → 0.464 with these
            // (docs/benchmarks.md has the sweep).
            tags: 1.0,
            embedding: 1.5,
        }
    }
}

impl BlockWeights {
    pub fn get(&self, block: Block) -> f32 {
        match block {
            Block::Rhythm => self.rhythm,
            Block::Harmony => self.harmony,
            Block::Timbre => self.timbre,
            Block::Level => self.level,
            Block::Tags => self.tags,
            Block::Embedding => self.embedding,
        }
    }
}

/// A track's raw values (NaN where the analysis found nothing).
pub fn raw_vector(features: &Features) -> [f32; RAW_DIM] {
    let mut v = [0.0f32; RAW_DIM];
    match features.tempo {
        Some(tempo) if tempo.bpm > 0.0 => {
            let octave = tempo.bpm.log2();
            let angle = std::f32::consts::TAU * octave.fract();
            v[0] = octave;
            v[1] = angle.cos() * tempo.confidence;
            v[2] = angle.sin() * tempo.confidence;
            v[3] = tempo.confidence;
        }
        _ => {
            v[0] = f32::NAN;
            v[3] = 0.0;
        }
    }
    v[4] = features.onset_rate.max(0.0).ln_1p();
    v[5] = features.timbre.flux.mean;
    if let Some(key) = features.key {
        let strength = key.strength.clamp(0.0, 1.0);
        v[6 + usize::from(key.tonic % 12)] = strength;
        v[18] = match key.scale {
            Scale::Major => strength,
            Scale::Minor => -strength,
        };
        v[19] = strength;
        let angle = std::f32::consts::TAU * f32::from(key.fifths()) / 12.0;
        v[20] = angle.cos() * strength;
        v[21] = angle.sin() * strength;
    }
    v[22..34].copy_from_slice(&features.chroma);
    let timbre = &features.timbre;
    // MFCC 0 is overall level (the level block has it); 12 adds least to "sounds like".
    v[34..45].copy_from_slice(&timbre.mfcc_mean[1..12]);
    v[45..56].copy_from_slice(&timbre.mfcc_std[1..12]);
    v[56] = timbre.centroid_hz.mean.max(1.0).ln();
    v[57] = timbre.rolloff_hz.mean.max(1.0).ln();
    v[58] = timbre.flatness.mean;
    v[59] = timbre.zcr.mean;
    let loudness = &features.loudness;
    v[60] = opt(loudness.integrated_lufs);
    v[61] = opt(loudness.range_lu);
    v[62] = timbre.rms_db.std;
    v[63] = timbre.silent_share;
    // Untagged tracks (no weights, too short) leave the MusiCNN blocks missing: they become
    // the library mean and neither attract nor repel.
    match &features.tags {
        Some(tags)
            if tags.msd.len() + tags.mtt.len() == EMBEDDING_AT - TAGS_AT
                && tags.embedding.len() == RAW_DIM - EMBEDDING_AT =>
        {
            for (slot, p) in v[TAGS_AT..EMBEDDING_AT]
                .iter_mut()
                .zip(tags.msd.iter().chain(tags.mtt.iter()))
            {
                *slot = *p;
            }
            v[EMBEDDING_AT..].copy_from_slice(&tags.embedding);
        }
        _ => v[TAGS_AT..].fill(f32::NAN),
    }
    for x in &mut v {
        if x.is_infinite() {
            *x = f32::NAN;
        }
    }
    v
}

fn opt(value: Option<f64>) -> f32 {
    value.map_or(f32::NAN, |x| x as f32)
}

/// Library-wide statistics that turn raw values into index vectors. Stored with the index:
/// vectors added later are scaled with the same numbers as the ones already in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalizer {
    pub layout: u32,
    pub weights: BlockWeights,
    mean: Vec<f32>,
    /// Divisor per value (1 for centred values).
    scale: Vec<f32>,
    /// Factor per value: the block's weight over its typical norm.
    block_factor: Vec<f32>,
}

/// z-scores beyond this are clipped: one odd track must not dominate its block.
const CLIP: f32 = 5.0;

impl Normalizer {
    /// Statistics of these raw vectors. With none, every value is only L2-normalised.
    pub fn fit<'a>(
        raws: impl Iterator<Item = &'a [f32; RAW_DIM]> + Clone,
        weights: BlockWeights,
    ) -> Self {
        let mut sum = [0.0f64; RAW_DIM];
        let mut sum_sq = [0.0f64; RAW_DIM];
        let mut count = [0u64; RAW_DIM];
        for raw in raws.clone() {
            for (i, &x) in raw.iter().enumerate() {
                if x.is_finite() {
                    sum[i] += f64::from(x);
                    sum_sq[i] += f64::from(x) * f64::from(x);
                    count[i] += 1;
                }
            }
        }
        let mut mean = vec![0.0f32; RAW_DIM];
        let mut scale = vec![1.0f32; RAW_DIM];
        for i in 0..RAW_DIM {
            if count[i] == 0 {
                continue;
            }
            let m = sum[i] / count[i] as f64;
            let var = (sum_sq[i] / count[i] as f64 - m * m).max(0.0);
            mean[i] = m as f32;
            if SLOTS[i].scaling == Standard {
                let sd = var.sqrt() as f32;
                // A value that never varies carries no information: it becomes 0.
                // (f32::MAX, not infinity: the normaliser is saved as JSON, which has no inf.)
                scale[i] = if sd > 1e-6 { sd } else { f32::MAX };
            }
        }
        let mut normalizer = Normalizer {
            layout: LAYOUT_VERSION,
            weights,
            mean,
            scale,
            block_factor: vec![1.0; RAW_DIM],
        };
        // Each block's typical (root mean square) norm after standardising, so a block of 28
        // values does not outweigh one of 6 just by its size.
        let mut block_sq = [0.0f64; BLOCKS.len()];
        let mut tracks = 0u64;
        for raw in raws {
            let z = normalizer.standardise(raw);
            for (i, x) in z.iter().enumerate() {
                block_sq[block_index(SLOTS[i].block)] += f64::from(x * x);
            }
            tracks += 1;
        }
        for (i, factor) in normalizer.block_factor.iter_mut().enumerate() {
            let block = SLOTS[i].block;
            let rms = if tracks > 0 {
                (block_sq[block_index(block)] / tracks as f64).sqrt() as f32
            } else {
                1.0
            };
            *factor = if rms > 1e-6 {
                weights.get(block) / rms
            } else {
                0.0
            };
        }
        normalizer
    }

    fn standardise(&self, raw: &[f32; RAW_DIM]) -> [f32; RAW_DIM] {
        let mut z = [0.0f32; RAW_DIM];
        for i in 0..RAW_DIM {
            let x = raw[i];
            z[i] = if x.is_finite() {
                ((x - self.mean[i]) / self.scale[i]).clamp(-CLIP, CLIP)
            } else {
                0.0
            };
        }
        z
    }

    /// The index vector of one track: [`DIM`] values, unit length (all zeros only if every
    /// value equals the library mean, which then matches nothing).
    pub fn vector(&self, raw: &[f32; RAW_DIM]) -> Vec<f32> {
        let z = self.standardise(raw);
        let mut v = vec![0.0f32; DIM];
        for i in 0..RAW_DIM {
            v[i] = z[i] * self.block_factor[i];
        }
        normalize(&mut v);
        v
    }

    /// Whether this was fitted for the current layout with these weights.
    pub fn fits(&self, weights: &BlockWeights) -> bool {
        self.layout == LAYOUT_VERSION
            && &self.weights == weights
            && self.mean.len() == RAW_DIM
            && self.scale.len() == RAW_DIM
            && self.block_factor.len() == RAW_DIM
    }

    /// How much each block contributes to the inner product of two index vectors: the
    /// per-block partial sums, which add up to the cosine. Used to explain a match.
    pub fn block_contributions(a: &[f32], b: &[f32]) -> [(Block, f32); BLOCKS.len()] {
        let mut out = BLOCKS.map(|b| (b, 0.0f32));
        for i in 0..RAW_DIM.min(a.len()).min(b.len()) {
            out[block_index(SLOTS[i].block)].1 += a[i] * b[i];
        }
        out
    }
}

fn block_index(block: Block) -> usize {
    match block {
        Block::Rhythm => 0,
        Block::Harmony => 1,
        Block::Timbre => 2,
        Block::Level => 3,
        Block::Tags => 4,
        Block::Embedding => 5,
    }
}

/// Scales `v` to unit length (leaves an all-zero vector as it is).
pub fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 1e-12 {
        for x in v.iter_mut() {
            *x /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::key::Key;
    use crate::analysis::tempo::Tempo;

    fn features(bpm: Option<f32>, tonic: u8, scale: Scale, centroid: f32) -> Features {
        let mut f = Features {
            tempo: bpm.map(|bpm| Tempo {
                bpm,
                confidence: 0.8,
            }),
            key: Some(Key {
                tonic,
                scale,
                strength: 0.7,
            }),
            onset_rate: 3.0,
            ..Features::default()
        };
        f.timbre.centroid_hz.mean = centroid;
        f.timbre.rolloff_hz.mean = centroid * 2.0;
        f.loudness.integrated_lufs = Some(-14.0);
        f
    }

    fn library() -> Vec<[f32; RAW_DIM]> {
        let mut raws = Vec::new();
        for (i, bpm) in [70.0, 90.0, 110.0, 128.0, 140.0, 174.0].iter().enumerate() {
            for tonic in 0..4u8 {
                let scale = if tonic % 2 == 0 {
                    Scale::Major
                } else {
                    Scale::Minor
                };
                let centroid = 800.0 + 300.0 * i as f32 + 50.0 * f32::from(tonic);
                raws.push(raw_vector(&features(
                    Some(*bpm),
                    tonic * 3,
                    scale,
                    centroid,
                )));
            }
        }
        raws
    }

    #[test]
    fn every_slot_is_assigned_and_dimension_is_padded() {
        const { assert!(DIM.is_multiple_of(8) && DIM >= RAW_DIM && DIM - RAW_DIM < 8) };
        assert!(SLOTS[..6].iter().all(|s| s.block == Rhythm));
        assert!(SLOTS[6..34].iter().all(|s| s.block == Harmony));
        assert!(SLOTS[34..60].iter().all(|s| s.block == Timbre));
        assert!(SLOTS[60..64].iter().all(|s| s.block == Level));
        assert!(SLOTS[64..164].iter().all(|s| s.block == Tags));
        assert!(SLOTS[164..].iter().all(|s| s.block == Embedding));
        let raw = raw_vector(&features(Some(120.0), 9, Scale::Minor, 1500.0));
        assert_eq!(raw.len(), RAW_DIM);
        assert!((raw[0] - 120f32.log2()).abs() < 1e-6);
        assert_eq!(raw[6 + 9], 0.7, "tonic one-hot is weighted by strength");
        assert_eq!(raw[18], -0.7, "minor is negative");
    }

    #[test]
    fn vectors_are_unit_length_and_finite_even_for_missing_values() {
        let raws = library();
        let norm = Normalizer::fit(raws.iter(), BlockWeights::default());
        let mut silent = Features::default();
        silent.loudness.integrated_lufs = None;
        for raw in raws.iter().chain([raw_vector(&silent)].iter()) {
            let v = norm.vector(raw);
            assert_eq!(v.len(), DIM);
            assert!(v.iter().all(|x| x.is_finite()));
            let n: f32 = v.iter().map(|x| x * x).sum();
            assert!((n - 1.0).abs() < 1e-4 || n == 0.0, "norm² {n}");
        }
    }

    #[test]
    fn octave_related_tempi_are_closer_than_unrelated_ones() {
        let raws = library();
        let norm = Normalizer::fit(
            raws.iter(),
            BlockWeights {
                rhythm: 1.0,
                harmony: 0.0,
                timbre: 0.0,
                level: 0.0,
                tags: 0.0,
                embedding: 0.0,
            },
        );
        let v = |bpm: f32| norm.vector(&raw_vector(&features(Some(bpm), 0, Scale::Major, 1000.0)));
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let base = v(80.0);
        assert!(dot(&base, &v(82.0)) > dot(&base, &v(100.0)));
        // 160 is an octave above 80: closer than 113, which sits half an octave away.
        assert!(dot(&base, &v(160.0)) > dot(&base, &v(113.0)));
    }

    #[test]
    fn keys_a_fifth_apart_are_closer_than_a_tritone_apart() {
        let raws = library();
        let norm = Normalizer::fit(
            raws.iter(),
            BlockWeights {
                rhythm: 0.0,
                harmony: 1.0,
                timbre: 0.0,
                level: 0.0,
                tags: 0.0,
                embedding: 0.0,
            },
        );
        let v = |tonic: u8| {
            norm.vector(&raw_vector(&features(
                Some(120.0),
                tonic,
                Scale::Major,
                1000.0,
            )))
        };
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let c = v(0);
        assert!(
            dot(&c, &v(7)) > dot(&c, &v(6)),
            "G is closer to C than F# is"
        );
    }

    #[test]
    fn weights_shift_what_counts() {
        let raws = library();
        let rhythm = Normalizer::fit(
            raws.iter(),
            BlockWeights {
                rhythm: 1.0,
                harmony: 0.0,
                timbre: 0.0,
                level: 0.0,
                tags: 0.0,
                embedding: 0.0,
            },
        );
        let timbre = Normalizer::fit(
            raws.iter(),
            BlockWeights {
                rhythm: 0.0,
                harmony: 0.0,
                timbre: 1.0,
                level: 0.0,
                tags: 0.0,
                embedding: 0.0,
            },
        );
        let a = raw_vector(&features(Some(120.0), 0, Scale::Major, 800.0));
        let same_tempo = raw_vector(&features(Some(120.0), 0, Scale::Major, 2400.0));
        let same_timbre = raw_vector(&features(Some(75.0), 0, Scale::Major, 800.0));
        let dot = |n: &Normalizer, x: &[f32; RAW_DIM], y: &[f32; RAW_DIM]| {
            n.vector(x)
                .iter()
                .zip(n.vector(y))
                .map(|(p, q)| p * q)
                .sum::<f32>()
        };
        assert!(dot(&rhythm, &a, &same_tempo) > dot(&rhythm, &a, &same_timbre));
        assert!(dot(&timbre, &a, &same_timbre) > dot(&timbre, &a, &same_tempo));
    }

    #[test]
    fn block_contributions_add_up_to_the_cosine() {
        let raws = library();
        let norm = Normalizer::fit(raws.iter(), BlockWeights::default());
        let a = norm.vector(&raws[0]);
        let b = norm.vector(&raws[5]);
        let cos: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        let parts: f32 = Normalizer::block_contributions(&a, &b)
            .iter()
            .map(|p| p.1)
            .sum();
        assert!((cos - parts).abs() < 1e-5);
    }

    fn tags(
        msd: Vec<f32>,
        mtt: Vec<f32>,
        embedding: Vec<f32>,
    ) -> crate::musicnn::tagger::TrackTags {
        crate::musicnn::tagger::TrackTags {
            version: 1,
            patches: 4,
            msd,
            mtt,
            embedding,
        }
    }

    /// FNV-1a over the values' bits (every NaN counted as the same NaN).
    fn digest(v: &[f32]) -> u64 {
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for x in v {
            let bits = if x.is_nan() {
                f32::NAN.to_bits()
            } else {
                x.to_bits()
            };
            for byte in bits.to_le_bytes() {
                h ^= u64::from(byte);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        h
    }

    /// A track with every value set, one with none, and one at the edges.
    fn cases() -> [(&'static str, Features); 3] {
        let mut full = Features {
            tempo: Some(Tempo {
                bpm: 123.4,
                confidence: 0.8,
            }),
            key: Some(Key {
                tonic: 9,
                scale: Scale::Minor,
                strength: 0.65,
            }),
            onset_rate: 3.7,
            ..Features::default()
        };
        for (i, c) in full.chroma.iter_mut().enumerate() {
            *c = (i as f32 + 1.0) / 13.0;
        }
        for i in 0..13 {
            full.timbre.mfcc_mean[i] = i as f32 * 1.5 - 7.0;
            full.timbre.mfcc_std[i] = 0.25 + i as f32 * 0.1;
        }
        full.timbre.centroid_hz.mean = 1834.5;
        full.timbre.rolloff_hz.mean = 4210.0;
        full.timbre.flatness.mean = 0.21;
        full.timbre.flux.mean = 0.37;
        full.timbre.zcr.mean = 0.061;
        full.timbre.rms_db.std = 6.3;
        full.timbre.silent_share = 0.02;
        full.loudness.integrated_lufs = Some(-11.2);
        full.loudness.range_lu = Some(7.4);
        full.tags = Some(tags(
            (0..50).map(|i| i as f32 / 50.0).collect(),
            (0..50).map(|i| 1.0 - i as f32 / 64.0).collect(),
            (0..200).map(|i| (i as f32 - 100.0) / 37.0).collect(),
        ));

        let none = Features::default();

        let mut edges = Features {
            tempo: Some(Tempo {
                bpm: 0.0,
                confidence: 0.4,
            }),
            key: Some(Key {
                tonic: 14,
                scale: Scale::Major,
                strength: 1.3,
            }),
            onset_rate: -1.0,
            ..Features::default()
        };
        edges.chroma[4] = f32::INFINITY;
        edges.timbre.mfcc_mean[1] = f32::NEG_INFINITY;
        edges.timbre.mfcc_std[11] = f32::NAN;
        edges.timbre.centroid_hz.mean = 0.0;
        edges.timbre.rolloff_hz.mean = f32::INFINITY;
        edges.timbre.flatness.mean = f32::NAN;
        edges.loudness.integrated_lufs = Some(f64::NEG_INFINITY);
        edges.loudness.range_lu = Some(1e300);
        edges.tags = Some(tags(vec![0.5; 50], vec![0.5; 50], vec![0.1; 199]));
        [("full", full), ("none", none), ("edges", edges)]
    }

    const NAN: f32 = f32::NAN;

    /// The first 64 raw values of [`cases`] and a digest of all 364, as computed by the layout
    /// before it became one table (LAYOUT_VERSION 2): a change here is a change of layout.
    #[rustfmt::skip]
    const PINNED: [([f32; 64], u64); 3] = [
        // full
        ([
            6.9471984, 0.7563759, -0.26056767, 0.8, 1.5475625, 0.37, // rhythm
            0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.65, 0.0, 0.0, // tonic
            -0.65, 0.65, 0.65, 0.0, // scale, strength, fifths
            0.07692308, 0.15384616, 0.23076923, 0.30769232, 0.3846154, 0.46153846, // chroma
            0.53846157, 0.61538464, 0.6923077, 0.7692308, 0.84615386, 0.9230769,
            -5.5, -4.0, -2.5, -1.0, 0.5, 2.0, 3.5, 5.0, 6.5, 8.0, 9.5, // mfcc mean
            0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95, 1.05, 1.1500001, 1.25, 1.35, // mfcc std
            7.5145273, 8.345218, 0.21, 0.061, // centroid … zcr
            -11.2, 7.4, 6.3, 0.02, // level
        ], 0xcc4d_b161_cdd0_8305),
        // none
        ([
            NAN, 0.0, 0.0, 0.0, 0.0, 0.0, // rhythm
            0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, // tonic
            0.0, 0.0, 0.0, 0.0, // scale, strength, fifths
            0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, // chroma
            0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, // mfcc mean
            0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, // mfcc std
            0.0, 0.0, 0.0, 0.0, // centroid … zcr
            NAN, NAN, 0.0, 0.0, // level
        ], 0xb839_44f8_cd93_8d68),
        // edges
        ([
            NAN, 0.0, 0.0, 0.0, 0.0, 0.0, // rhythm
            0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, // tonic
            1.0, 1.0, 0.49999997, 0.86602545, // scale, strength, fifths
            0.0, 0.0, 0.0, 0.0, NAN, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, // chroma
            NAN, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, // mfcc mean
            0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, NAN, // mfcc std
            0.0, NAN, NAN, 0.0, // centroid … zcr
            NAN, NAN, 0.0, 0.0, // level
        ], 0x3869_ad10_be76_bece),
    ];

    #[test]
    fn raw_vector_is_pinned_to_layout_2() {
        assert_eq!((RAW_DIM, DIM, LAYOUT_VERSION), (364, 368, 2));
        for ((name, features), (head, hash)) in cases().iter().zip(PINNED) {
            let raw = raw_vector(features);
            for (i, (got, want)) in raw.iter().zip(head).enumerate() {
                assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "{name}: slot {i} is {got:?}, was {want:?}"
                );
            }
            match &features.tags {
                Some(t) if t.embedding.len() == 200 => {
                    let tags: Vec<f32> = t.msd.iter().chain(&t.mtt).copied().collect();
                    assert_eq!(raw[64..164].to_vec(), tags, "{name}: tags");
                    assert_eq!(raw[164..].to_vec(), t.embedding, "{name}: embedding");
                }
                _ => assert!(raw[64..].iter().all(|x| x.is_nan()), "{name}: no tags"),
            }
            assert_eq!(digest(&raw), hash, "{name}: digest");
        }
    }
}
