//! `segue bench playlist`: request-to-list latency on a library of synthetic analysed tracks.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use super::{ms, percentile, print_json};

pub async fn run(scratch: &Path, tracks: usize, requests: usize, json: bool) -> Result<()> {
    let r = measure(scratch, tracks, requests).await?;
    if json {
        return print_json(&r);
    }
    println!(
        "playlist bench: {} tracks ({}; set up in {:.1} s, index built in {:.1} s), {} requests of 20 tracks: p50 {:.2} ms p99 {:.2} ms; with ±8 % tempo and compatible keys: p50 {:.2} ms p99 {:.2} ms (mean length {:.1})",
        r.tracks, r.index, r.setup_s, r.index_build_s, r.requests, r.plain_p50_ms, r.plain_p99_ms,
        r.constrained_p50_ms, r.constrained_p99_ms, r.constrained_mean_length
    );
    Ok(())
}

/// `segue bench playlist`: request-to-list latency on a library of synthetic analysed tracks.
#[derive(Debug, Serialize)]
struct PlaylistBench {
    tracks: usize,
    index: String,
    setup_s: f64,
    index_build_s: f64,
    requests: usize,
    /// 20 tracks, default caps (2 per artist, 2 per album), no other constraint.
    plain_p50_ms: f64,
    plain_p99_ms: f64,
    /// 20 tracks, default caps, ±8 % tempo and key-compatible.
    constrained_p50_ms: f64,
    constrained_p99_ms: f64,
    /// Mean length of the constrained playlists (they may come out shorter).
    constrained_mean_length: f64,
}

/// Plausible features: `styles` clusters of timbre, tempo and mode; keys anywhere.
fn synthetic_features(
    rng: &mut segue::index::synthetic::Rng,
    styles: &[[f32; 4]],
) -> segue::analysis::Features {
    use segue::analysis::key::{Key, Scale};
    use segue::analysis::tempo::Tempo;
    let style = styles[(rng.next_u64() % styles.len() as u64) as usize];
    let mut f = segue::analysis::Features {
        version: segue::analysis::ANALYSIS_VERSION,
        duration_s: 180.0 + f64::from(rng.uniform()) * 120.0,
        tempo: Some(Tempo {
            bpm: (style[0] * (1.0 + 0.08 * rng.normal())).clamp(50.0, 210.0),
            confidence: 0.5 + 0.5 * rng.uniform(),
        }),
        key: Some(Key {
            tonic: (rng.next_u64() % 12) as u8,
            scale: if rng.uniform() < style[1] {
                Scale::Major
            } else {
                Scale::Minor
            },
            strength: 0.3 + 0.6 * rng.uniform(),
        }),
        onset_rate: style[2] * (1.0 + 0.2 * rng.normal()).abs(),
        ..Default::default()
    };
    for (i, c) in f.chroma.iter_mut().enumerate() {
        *c = (0.3 + 0.1 * rng.normal() + if i % 5 == 0 { 0.4 } else { 0.0 }).clamp(0.0, 1.0);
    }
    for i in 0..segue::analysis::timbre::MFCC_COUNT {
        f.timbre.mfcc_mean[i] =
            style[3] * ((i as f32) * 0.7 + style[0] * 0.01).sin() + 0.3 * rng.normal();
        f.timbre.mfcc_std[i] = (1.0 + 0.3 * rng.normal()).abs();
    }
    f.timbre.centroid_hz.mean = 800.0 + 40.0 * style[3] * 10.0 + 150.0 * rng.normal().abs();
    f.timbre.rolloff_hz.mean = f.timbre.centroid_hz.mean * 2.5;
    f.timbre.flatness.mean = 0.05 + 0.02 * rng.uniform();
    f.timbre.zcr.mean = 0.05 + 0.03 * rng.uniform();
    f.loudness.integrated_lufs = Some(-14.0 + 3.0 * f64::from(rng.normal()));
    f.loudness.range_lu = Some(6.0 + 2.0 * f64::from(rng.uniform()));
    f
}

/// Fills a library in `dir` with `tracks` synthetic analysed tracks, builds the index, then
/// times `requests` playlist requests from random seeds.
async fn measure(dir: &Path, tracks: usize, requests: usize) -> Result<PlaylistBench> {
    use segue::index::synthetic::Rng;
    use segue::playlist::{PlaylistRequest, TempoRange};
    use segue::store::AnalysisOutcome;
    let started = Instant::now();
    let library = segue::Library::open(dir).await?;
    let store = library.store();
    store.seed_synthetic_tracks(tracks as i64).await?;
    let mut rng = Rng::new(5);
    let styles: Vec<[f32; 4]> = (0..40)
        .map(|_| {
            [
                70.0 + 110.0 * rng.uniform(),
                rng.uniform(),
                1.0 + 5.0 * rng.uniform(),
                2.0 * rng.normal(),
            ]
        })
        .collect();
    let mut after = 0;
    loop {
        let pending = store
            .pending_analysis(segue::analysis::ANALYSIS_VERSION, None, after, 2_000)
            .await?;
        let Some(last) = pending.last() else { break };
        after = last.id;
        let outcomes: Vec<AnalysisOutcome> = pending
            .into_iter()
            .map(|track| AnalysisOutcome {
                track,
                result: Ok(synthetic_features(&mut rng, &styles)),
            })
            .collect();
        store.save_analysis(&outcomes).await?;
    }
    let setup_s = started.elapsed().as_secs_f64();
    let t = Instant::now();
    library.index_ready().await?;
    let index_build_s = t.elapsed().as_secs_f64();
    let index = library.index_stats()?.index_type;
    let (ids, _) = store.feature_ids(segue::analysis::READABLE_SINCE).await?;
    let mut time = |constrained: bool| {
        let seed = ids[(rng.next_u64() % ids.len() as u64) as usize];
        let mut request = PlaylistRequest {
            seeds: vec![seed],
            ..PlaylistRequest::default()
        };
        if constrained {
            request.tempo = Some(TempoRange::Tolerance { percent: 8.0 });
            request.key_compatible = true;
        }
        request
    };
    let mut plain = Vec::with_capacity(requests);
    let mut constrained = Vec::with_capacity(requests);
    let mut lengths = 0usize;
    for _ in 0..requests {
        let r = time(false);
        let t = Instant::now();
        library.make_playlist(&r).await?;
        plain.push(ms(t));
        let r = time(true);
        let t = Instant::now();
        lengths += library.make_playlist(&r).await?.entries.len();
        constrained.push(ms(t));
    }
    plain.sort_by(f64::total_cmp);
    constrained.sort_by(f64::total_cmp);
    Ok(PlaylistBench {
        tracks,
        index,
        setup_s,
        index_build_s,
        requests,
        plain_p50_ms: percentile(&plain, 0.5),
        plain_p99_ms: percentile(&plain, 0.99),
        constrained_p50_ms: percentile(&constrained, 0.5),
        constrained_p99_ms: percentile(&constrained, 0.99),
        constrained_mean_length: lengths as f64 / requests.max(1) as f64,
    })
}
