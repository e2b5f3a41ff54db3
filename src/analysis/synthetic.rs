//! Made-up analysis results for benchmarks of large libraries (the map at 100,000 tracks):
//! tracks of `styles` styles, each style a centre in every feature (tempo, key, chroma, timbre,
//! loudness, tags, embedding) that its tracks vary around along a few directions of their own,
//! as real styles do. Deterministic from the seed. Compiled for tests and the `harness` feature.

use super::key::{Key, Scale};
use super::loudness::Loudness;
use super::tempo::Tempo;
use super::timbre::{Stat, Timbre, MFCC_COUNT};
use super::{Features, ANALYSIS_VERSION};
use crate::index::synthetic::Rng;
use crate::musicnn::tagger::{TrackTags, TAGS_VERSION};

/// Values drawn per track: the style's centre plus this many latent directions.
const LATENT: usize = 4;
/// MusiCNN's tag counts (MSD, MTT) and embedding width.
const MSD_TAGS: usize = 50;
const MTT_TAGS: usize = 50;
const EMBEDDING: usize = 200;
/// Values describing a track before they are shaped into features.
const VALUES: usize = 12 + 2 * MFCC_COUNT + 8 + MSD_TAGS + MTT_TAGS + EMBEDDING;

/// The features of track `index` (its style is `index % styles`).
pub fn features(index: usize, styles: usize, seed: u64) -> Features {
    let styles = styles.max(1);
    let style = index % styles;
    let mut style_rng = Rng::new(seed.wrapping_add(style as u64 * 7919));
    let centre: Vec<f32> = (0..VALUES).map(|_| style_rng.normal()).collect();
    let directions: Vec<Vec<f32>> = (0..LATENT)
        .map(|_| (0..VALUES).map(|_| style_rng.normal() * 0.5).collect())
        .collect();
    let tonic = (style_rng.next_u64() % 12) as u8;
    let scale = if style_rng.uniform() < 0.5 {
        Scale::Major
    } else {
        Scale::Minor
    };
    let bpm = 70.0 + style_rng.uniform() * 100.0;

    let mut rng = Rng::new(seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let weights: Vec<f32> = (0..LATENT).map(|_| rng.normal()).collect();
    let v: Vec<f32> = (0..VALUES)
        .map(|i| {
            centre[i]
                + directions
                    .iter()
                    .zip(&weights)
                    .map(|(d, w)| d[i] * w)
                    .sum::<f32>()
                + rng.normal() * 0.15
        })
        .collect();
    let mut at = 0;
    let mut take = |n: usize| {
        let part = &v[at..at + n];
        at += n;
        part.to_vec()
    };
    let squash = |x: f32| 1.0 / (1.0 + (-x).exp());
    let chroma_values = take(12);
    let mut chroma = [0.0f32; 12];
    for (c, x) in chroma.iter_mut().zip(&chroma_values) {
        *c = squash(*x);
    }
    chroma[tonic as usize] = 1.0;
    let mean = take(MFCC_COUNT);
    let spread = take(MFCC_COUNT);
    let mut timbre = Timbre::default();
    for i in 0..MFCC_COUNT {
        timbre.mfcc_mean[i] = mean[i] * 20.0 / (i + 1) as f32;
        timbre.mfcc_std[i] = 5.0 + spread[i].abs() * 3.0;
    }
    let stats = take(8);
    let stat = |x: f32, scale: f32, offset: f32| Stat {
        mean: offset + x.abs() * scale,
        std: scale * 0.3,
    };
    timbre.centroid_hz = stat(stats[0], 800.0, 1200.0);
    timbre.rolloff_hz = stat(stats[1], 2000.0, 3000.0);
    timbre.flatness = stat(stats[2], 0.05, 0.02);
    timbre.flux = stat(stats[3], 0.1, 0.05);
    timbre.zcr = stat(stats[4], 0.02, 0.03);
    timbre.rms_db = stat(stats[5], 4.0, -20.0);
    timbre.silent_share = squash(stats[6] - 4.0) * 0.2;
    let msd: Vec<f32> = take(MSD_TAGS)
        .iter()
        .map(|x| squash(2.0 * x - 3.0))
        .collect();
    let mtt: Vec<f32> = take(MTT_TAGS)
        .iter()
        .map(|x| squash(2.0 * x - 3.0))
        .collect();
    let embedding = take(EMBEDDING);
    Features {
        version: ANALYSIS_VERSION,
        duration_s: 180.0 + (index % 120) as f64,
        tempo: Some(Tempo {
            bpm: (bpm * (1.0 + 0.03 * stats[7])).clamp(50.0, 200.0),
            confidence: 0.8,
        }),
        key: Some(Key {
            tonic,
            scale,
            strength: 0.7,
        }),
        tuning_cents: 0.0,
        chroma,
        loudness: Loudness {
            integrated_lufs: Some(-14.0 + f64::from(stats[5]) * 3.0),
            range_lu: Some(6.0 + f64::from(stats[6].abs()) * 2.0),
            peak_dbfs: Some(-0.5),
        },
        timbre,
        onset_rate: 2.0 + stats[7].abs(),
        tags: Some(TrackTags {
            version: TAGS_VERSION,
            patches: 5,
            msd,
            mtt,
            embedding,
            passages: None,
        }),
        tags_version: Some(TAGS_VERSION),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_index_same_features_and_styles_differ() {
        assert_eq!(features(3, 5, 1), features(3, 5, 1));
        let a = features(0, 5, 1);
        let b = features(1, 5, 1);
        assert_ne!(a.key.map(|k| k.tonic * 2 + k.scale as u8), None);
        assert_ne!(a.timbre.mfcc_mean, b.timbre.mfcc_mean);
        assert!(a
            .tags
            .as_ref()
            .is_some_and(|t| t.msd.len() == 50 && t.embedding.len() == 200));
    }
}
