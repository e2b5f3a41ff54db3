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
//!
//! The layout is one table, `ROWS`: each row names a feature, says its block, its scaling and
//! how to read its value(s) from the [`Features`]. Everything else (the dimension, each slot's
//! block and scaling, the block boundaries, the slot names) is derived from it, so adding a
//! value is adding a row (and bumping [`LAYOUT_VERSION`]).

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::analysis::key::{Key, Scale, NOTE_NAMES};
use crate::analysis::tempo::Tempo;
use crate::analysis::Features;
use crate::musicnn::labels;
use crate::musicnn::net::{EMBEDDING, TAGS};
use crate::musicnn::tagger::TrackTags;

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

/// The blocks in layout order.
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

/// How a row reads its value(s) from the features. A value that is missing is NaN; an infinite
/// one becomes NaN too.
#[derive(Clone, Copy)]
enum Source {
    /// A row of one value.
    One(fn(&Features) -> f32),
    /// Value `i` of a row of several.
    Each(fn(&Features, usize) -> f32),
}

/// What the values of a row of several are called, after the row's name.
#[derive(Clone, Copy)]
enum Labels {
    /// Numbers from this one on ("mfcc mean 1").
    Numbered(usize),
    /// One name per value ("tonic C#").
    Names(&'static [&'static str]),
}

/// One row of the layout: a named feature and the value(s) it puts into the vector.
struct Row {
    name: &'static str,
    /// How many values (slots) the row has.
    len: usize,
    block: Block,
    scaling: Scaling,
    labels: Labels,
    source: Source,
}

/// A row of one value.
const fn one(
    name: &'static str,
    block: Block,
    scaling: Scaling,
    read: fn(&Features) -> f32,
) -> Row {
    Row {
        name,
        len: 1,
        block,
        scaling,
        labels: Labels::Numbered(0),
        source: Source::One(read),
    }
}

/// A row of `len` values, value `i` read by `read(features, i)`.
const fn each(
    name: &'static str,
    len: usize,
    block: Block,
    scaling: Scaling,
    labels: Labels,
    read: fn(&Features, usize) -> f32,
) -> Row {
    Row {
        name,
        len,
        block,
        scaling,
        labels,
        source: Source::Each(read),
    }
}

use Block::{Embedding, Harmony, Level, Rhythm, Tags, Timbre};
use Labels::{Names, Numbered};
use Scaling::{Centred, Standard};

/// The layout, in slot order. Rows of a block stay together, blocks in [`BLOCKS`] order.
const ROWS: &[Row] = &[
    // Rhythm: the tempo's octave and its place within the octave (a point on a circle, weighted
    // by the confidence), the confidence, how busy (onsets), how much the spectrum moves.
    one("log2 bpm", Rhythm, Standard, |f| {
        tempo(f).map_or(f32::NAN, |t| t.bpm.log2())
    }),
    one("tempo circle cos", Rhythm, Centred, |f| {
        tempo(f).map_or(0.0, |t| tempo_angle(t).cos() * t.confidence)
    }),
    one("tempo circle sin", Rhythm, Centred, |f| {
        tempo(f).map_or(0.0, |t| tempo_angle(t).sin() * t.confidence)
    }),
    one("tempo confidence", Rhythm, Standard, |f| {
        tempo(f).map_or(0.0, |t| t.confidence)
    }),
    one("onset rate", Rhythm, Standard, |f| {
        f.onset_rate.max(0.0).ln_1p()
    }),
    one("spectral flux", Rhythm, Standard, |f| f.timbre.flux.mean),
    // Harmony: tonic one-hot and scale (±), both weighted by the key's strength, the strength,
    // the key on the circle of fifths, and the chroma profile.
    each("tonic", 12, Harmony, Centred, Names(&NOTE_NAMES), |f, i| {
        key(f)
            .filter(|(k, _)| usize::from(k.tonic % 12) == i)
            .map_or(0.0, |(_, s)| s)
    }),
    one("scale", Harmony, Centred, |f| {
        key(f).map_or(0.0, |(k, s)| match k.scale {
            Scale::Major => s,
            Scale::Minor => -s,
        })
    }),
    one("key strength", Harmony, Standard, |f| {
        key(f).map_or(0.0, |(_, s)| s)
    }),
    one("fifths circle cos", Harmony, Centred, |f| {
        key(f).map_or(0.0, |(k, s)| fifths_angle(k).cos() * s)
    }),
    one("fifths circle sin", Harmony, Centred, |f| {
        key(f).map_or(0.0, |(k, s)| fifths_angle(k).sin() * s)
    }),
    each(
        "chroma",
        12,
        Harmony,
        Centred,
        Names(&NOTE_NAMES),
        |f, i| f.chroma[i],
    ),
    // Timbre: MFCC 1-11 mean and spread (MFCC 0 is overall level, which the level block has;
    // 12 adds least to "sounds like"), brightness, rolloff, noisiness, zero crossings.
    each("mfcc mean", 11, Timbre, Standard, Numbered(1), |f, i| {
        f.timbre.mfcc_mean[1 + i]
    }),
    each("mfcc std", 11, Timbre, Standard, Numbered(1), |f, i| {
        f.timbre.mfcc_std[1 + i]
    }),
    one("log centroid", Timbre, Standard, |f| {
        f.timbre.centroid_hz.mean.max(1.0).ln()
    }),
    one("log rolloff", Timbre, Standard, |f| {
        f.timbre.rolloff_hz.mean.max(1.0).ln()
    }),
    one("flatness", Timbre, Standard, |f| f.timbre.flatness.mean),
    one("zcr", Timbre, Standard, |f| f.timbre.zcr.mean),
    // Level and dynamics: loudness, loudness range, RMS spread, share of near-silent frames.
    one("loudness", Level, Standard, |f| {
        opt(f.loudness.integrated_lufs)
    }),
    one("loudness range", Level, Standard, |f| {
        opt(f.loudness.range_lu)
    }),
    one("rms spread", Level, Standard, |f| f.timbre.rms_db.std),
    one("silent share", Level, Standard, |f| f.timbre.silent_share),
    // MusiCNN: tag probabilities of both models and the embedding, each value standardised.
    // Untagged tracks (no weights, too short) leave them missing: they become the library
    // mean and neither attract nor repel.
    each("msd tag", TAGS, Tags, Standard, Names(&labels::MSD), tag),
    each(
        "mtt tag",
        TAGS,
        Tags,
        Standard,
        Names(&labels::MTT),
        |f, i| tag(f, TAGS + i),
    ),
    each(
        "embedding",
        EMBEDDING,
        Embedding,
        Standard,
        Numbered(0),
        |f, i| musicnn(f).map_or(f32::NAN, |t| t.embedding[i]),
    ),
];

/// The tempo, if there is one.
fn tempo(f: &Features) -> Option<Tempo> {
    f.tempo.filter(|t| t.bpm > 0.0)
}

/// The tempo's place within its octave, as an angle.
fn tempo_angle(t: Tempo) -> f32 {
    std::f32::consts::TAU * t.bpm.log2().fract()
}

/// The key and its strength, clipped to [0, 1].
fn key(f: &Features) -> Option<(Key, f32)> {
    f.key.map(|k| (k, k.strength.clamp(0.0, 1.0)))
}

/// The key's place on the circle of fifths, as an angle.
fn fifths_angle(k: Key) -> f32 {
    std::f32::consts::TAU * f32::from(k.fifths()) / 12.0
}

/// The MusiCNN output, if it is whole.
fn musicnn(f: &Features) -> Option<&TrackTags> {
    f.tags
        .as_ref()
        .filter(|t| t.msd.len() + t.mtt.len() == 2 * TAGS && t.embedding.len() == EMBEDDING)
}

/// Tag probability `i` of MSD's then MTT's.
fn tag(f: &Features, i: usize) -> f32 {
    musicnn(f).map_or(f32::NAN, |t| match t.msd.get(i) {
        Some(p) => *p,
        None => t.mtt[i - t.msd.len()],
    })
}

fn opt(value: Option<f64>) -> f32 {
    value.map_or(f32::NAN, |x| x as f32)
}

/// Raw values per track: the slots of every row of the layout.
pub const RAW_DIM: usize = {
    let mut n = 0;
    let mut r = 0;
    while r < ROWS.len() {
        n += ROWS[r].len;
        r += 1;
    }
    n
};

/// The vector's dimension in the index: [`RAW_DIM`] rounded up to a multiple of 8 with zeros
/// (zeros change no inner product).
pub const DIM: usize = RAW_DIM.div_ceil(8) * 8;

/// What one slot is: its block and scaling, and the row it belongs to.
#[derive(Clone, Copy)]
struct Slot {
    block: Block,
    scaling: Scaling,
    /// Index into [`ROWS`].
    row: usize,
    /// Place within the row.
    index: usize,
}

/// Every slot, derived from the rows (a static: looked up at run time, built at compile time).
static SLOTS: [Slot; RAW_DIM] = {
    let mut slots = [Slot {
        block: Rhythm,
        scaling: Standard,
        row: 0,
        index: 0,
    }; RAW_DIM];
    let mut at = 0;
    let mut r = 0;
    while r < ROWS.len() {
        let row = &ROWS[r];
        // A row of one value has one; names cover every value of a row.
        match (row.source, row.labels) {
            (Source::One(_), _) => assert!(row.len == 1, "a row of one value"),
            (Source::Each(_), Names(names)) => assert!(names.len() == row.len, "a name per value"),
            (Source::Each(_), Numbered(_)) => {}
        }
        // Blocks are contiguous, in BLOCKS order.
        assert!(
            r == 0 || block_index(ROWS[r - 1].block) <= block_index(row.block),
            "rows of a block stay together"
        );
        let mut i = 0;
        while i < row.len {
            slots[at] = Slot {
                block: row.block,
                scaling: row.scaling,
                row: r,
                index: i,
            };
            at += 1;
            i += 1;
        }
        r += 1;
    }
    slots
};

/// The slots of `block`.
pub fn block_range(block: Block) -> Range<usize> {
    let start = SLOTS
        .iter()
        .position(|s| s.block == block)
        .unwrap_or(RAW_DIM);
    let len = SLOTS[start..]
        .iter()
        .take_while(|s| s.block == block)
        .count();
    start..start + len
}

/// The slots of the feature (row) called `name`, such as "log centroid" (brightness),
/// "log2 bpm" (tempo) or "chroma"; `None` for a name not in the layout.
pub fn feature_slots(name: &str) -> Option<Range<usize>> {
    let mut start = 0;
    for row in ROWS {
        if row.name == name {
            return Some(start..start + row.len);
        }
        start += row.len;
    }
    None
}

/// What slot `slot` holds, for explanations: "log2 bpm", "tonic C#", "mfcc mean 3",
/// "msd tag rock", "embedding 17". `None` past [`RAW_DIM`] (the zero padding).
pub fn slot_name(slot: usize) -> Option<String> {
    let s = SLOTS.get(slot)?;
    let row = &ROWS[s.row];
    Some(match (row.source, row.labels) {
        (Source::One(_), _) => row.name.to_string(),
        (Source::Each(_), Numbered(first)) => format!("{} {}", row.name, first + s.index),
        (Source::Each(_), Names(names)) => format!("{} {}", row.name, names[s.index]),
    })
}

/// The block of slot `slot`; `None` past [`RAW_DIM`].
pub fn slot_block(slot: usize) -> Option<Block> {
    SLOTS.get(slot).map(|s| s.block)
}

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

/// A track's raw values (NaN where the analysis found nothing), row by row of the layout.
pub fn raw_vector(features: &Features) -> [f32; RAW_DIM] {
    let mut v = [0.0f32; RAW_DIM];
    let mut at = 0;
    for row in ROWS {
        let values = &mut v[at..at + row.len];
        match row.source {
            Source::One(read) => values[0] = read(features),
            Source::Each(read) => {
                for (i, x) in values.iter_mut().enumerate() {
                    *x = read(features, i);
                }
            }
        }
        at += row.len;
    }
    for x in &mut v {
        if x.is_infinite() {
            *x = f32::NAN;
        }
    }
    v
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

const fn block_index(block: Block) -> usize {
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
    fn the_table_gives_blocks_scalings_and_names() {
        let ranges = BLOCKS.map(block_range);
        assert_eq!(ranges, [0..6, 6..34, 34..60, 60..64, 64..164, 164..364]);
        for (block, range) in BLOCKS.iter().zip(ranges) {
            assert!(range.clone().all(|i| slot_block(i) == Some(*block)));
        }
        assert_eq!(slot_block(RAW_DIM), None);
        // Only the values with a geometry of their own are only centred (as in layout 2).
        let centred: Vec<usize> = (0..RAW_DIM)
            .filter(|&i| SLOTS[i].scaling == Centred)
            .collect();
        let expected: Vec<usize> = [1, 2].into_iter().chain(6..19).chain(20..34).collect();
        assert_eq!(centred, expected);

        let name = |i: usize| slot_name(i).unwrap_or_default();
        assert_eq!(name(0), "log2 bpm");
        assert_eq!(name(1), "tempo circle cos");
        assert_eq!(name(6 + 9), "tonic A");
        assert_eq!(name(18), "scale");
        assert_eq!(name(19), "key strength");
        assert_eq!(name(22 + 1), "chroma C#");
        assert_eq!(name(34 + 2), "mfcc mean 3");
        assert_eq!(name(45), "mfcc std 1");
        assert_eq!(name(56), "log centroid");
        assert_eq!(name(60), "loudness");
        assert_eq!(
            name(64),
            format!("msd tag {}", crate::musicnn::labels::MSD[0])
        );
        assert_eq!(
            name(114),
            format!("mtt tag {}", crate::musicnn::labels::MTT[0])
        );
        assert_eq!(name(RAW_DIM - 1), "embedding 199");
        assert_eq!(slot_name(RAW_DIM), None);
        let names: std::collections::HashSet<String> = (0..RAW_DIM).map(name).collect();
        assert_eq!(names.len(), RAW_DIM, "every slot has a name of its own");

        assert_eq!(feature_slots("log centroid"), Some(56..57));
        assert_eq!(feature_slots("log2 bpm"), Some(0..1));
        assert_eq!(feature_slots("chroma"), Some(22..34));
        assert_eq!(feature_slots("embedding"), Some(164..364));
        assert_eq!(feature_slots("brightness"), None);
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
            passages: None,
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
