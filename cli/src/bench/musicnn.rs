//! `segue bench musicnn`: MusiCNN's speed and the patches-per-track trade-off.

use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use super::{percentile, print_json, thread_cpu_s};

pub fn run(paths: &[PathBuf], counts: &[usize], json: bool) -> Result<()> {
    let r = measure(paths, counts)?;
    if json {
        return print_json(&r);
    }
    println!(
        "musicnn bench, one thread: one patch through one model p50 {:.1} ms, p90 {:.1} ms; front end (resample 44.1k + mel) {:.1} ms per patch",
        r.patch_ms_p50, r.patch_ms_p90, r.frontend_ms_per_patch
    );
    println!(
        "patches  mean|Δp|  top-5 agree  embedding cos  ms/track ({} files)",
        r.files
    );
    for p in &r.curve {
        println!(
            "{:>7}  {:>8.4}  {:>11.3}  {:>13.4}  {:>8.0}",
            p.patches, p.mean_abs_error, p.top5_agreement, p.embedding_cosine, p.ms_per_track
        );
    }
    println!(
        "whole analysis: {:.1} s CPU without tags, {:.1} s with tags ({} patches): x{:.2}; {:.0}x and {:.0}x realtime",
        r.analysis_cpu_s,
        r.analysis_with_tags_cpu_s,
        r.default_patches,
        r.analysis_with_tags_cpu_s / r.analysis_cpu_s.max(1e-9),
        r.audio_s / r.analysis_cpu_s.max(1e-9),
        r.audio_s / r.analysis_with_tags_cpu_s.max(1e-9),
    );
    Ok(())
}

/// One point of the patches-per-track curve: how close N patches come to the whole track.
#[derive(Debug, Serialize)]
struct PatchCurvePoint {
    patches: usize,
    /// Mean over files of the mean |p(N) − p(all)| over the 100 tag probabilities.
    mean_abs_error: f64,
    /// Mean over files of the share of the whole track's top-5 tags (both models) found in
    /// the top 5 with N patches.
    top5_agreement: f64,
    /// Mean cosine between the N-patch and the whole-track embedding.
    embedding_cosine: f64,
    /// Mean CPU milliseconds per track for N patches (front end + both models), measured.
    ms_per_track: f64,
}

#[derive(Debug, Serialize)]
struct MusicnnBench {
    /// One patch through one model on one thread: median and 90th percentile, ms.
    patch_ms_p50: f64,
    patch_ms_p90: f64,
    /// Front end of one patch: resampling its 44.1 kHz source to 16 kHz, mel and log, ms.
    frontend_ms_per_patch: f64,
    files: usize,
    curve: Vec<PatchCurvePoint>,
    /// Whole analysis per file on one thread, CPU seconds, without and with tags at the
    /// default patch count (decode included).
    analysis_cpu_s: f64,
    analysis_with_tags_cpu_s: f64,
    audio_s: f64,
    default_patches: usize,
}

/// MusiCNN speed and the patches-per-track trade-off, on this thread.
fn measure(paths: &[PathBuf], counts: &[usize]) -> Result<MusicnnBench> {
    use segue::analysis::{analyze_file_with, TagRequest};
    use segue::musicnn::frontend::{FrontEnd, PATCH_FRAMES};
    use segue::musicnn::tagger::{choose_patches, file_patches_at, Tagger, DEFAULT_MAX_PATCHES};

    let tagger = Tagger::load_default()?;
    let (msd, mtt) = (
        tagger.network(segue::musicnn::Model::Msd),
        tagger.network(segue::musicnn::Model::Mtt),
    );
    // Per-patch time: one patch of real audio when there is one, run many times.
    let mut patch_times = Vec::new();
    let mut frontend_ms = 0.0;
    if let Some((_, patches)) = paths.iter().find_map(|p| file_patches_at(p, Some(1)).ok()) {
        let patch = &patches[0];
        std::hint::black_box(msd.forward(patch));
        for _ in 0..40 {
            let t = thread_cpu_s();
            std::hint::black_box(msd.forward(patch));
            patch_times.push((thread_cpu_s() - t) * 1000.0);
        }
        let y: Vec<f32> = (0..48_000 * 4)
            .map(|i| ((i as f32) * 0.031).sin() * 0.3)
            .collect();
        let mut front = FrontEnd::new();
        let t = thread_cpu_s();
        for _ in 0..20 {
            std::hint::black_box(front.log_mel(&y, 0, PATCH_FRAMES));
        }
        frontend_ms = (thread_cpu_s() - t) * 1000.0 / 20.0;
        // Resampling a patch's 44.1 kHz source (the common rate) to 16 kHz.
        let x: Vec<f32> = (0..44_100 * 4)
            .map(|i| ((i as f32) * 0.011).sin() * 0.3)
            .collect();
        let samples = (PATCH_FRAMES + 1) * segue::musicnn::frontend::HOP;
        let t = thread_cpu_s();
        for _ in 0..5 {
            std::hint::black_box(segue::musicnn::frontend::resample_range_to_16k(
                &x, 44_100, 8_000, samples,
            ));
        }
        frontend_ms += (thread_cpu_s() - t) * 1000.0 / 5.0;
    }
    patch_times.sort_by(f64::total_cmp);
    let patch_ms = |p: f64| percentile(&patch_times, p);

    // The curve: every patch of every file once through both models, then subsets.
    struct FileTags {
        starts: Vec<usize>,
        probs: Vec<Vec<f32>>,
        embeddings: Vec<Vec<f32>>,
    }
    let mut files = Vec::new();
    for path in paths {
        let Ok((starts, patches)) = file_patches_at(path, None) else {
            continue;
        };
        let (mut probs, mut embeddings) = (Vec::new(), Vec::new());
        for patch in &patches {
            let (a, b) = (msd.forward(patch), mtt.forward(patch));
            probs.push(a.probs.iter().chain(b.probs.iter()).copied().collect());
            embeddings.push(a.penultimate.to_vec());
        }
        files.push(FileTags {
            starts,
            probs,
            embeddings,
        });
    }
    let mean_of = |rows: &[&Vec<f32>]| -> Vec<f32> {
        let mut m = vec![0.0f32; rows.first().map_or(0, |r| r.len())];
        for r in rows {
            for (a, b) in m.iter_mut().zip(r.iter()) {
                *a += b / rows.len() as f32;
            }
        }
        m
    };
    let top5 = |v: &[f32]| -> Vec<usize> {
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by(|&a, &b| v[b].total_cmp(&v[a]));
        order.truncate(5);
        order
    };
    let per_patch_ms = 2.0 * patch_ms(0.5) + frontend_ms;
    let mut curve = Vec::new();
    for &n in counts {
        let (mut err, mut agree, mut cos, mut used) = (0.0, 0.0, 0.0, 0.0);
        for f in &files {
            let n_frames = f.starts.last().map_or(0, |s| s + PATCH_FRAMES);
            let chosen = choose_patches(n_frames, n);
            let pick = |rows: &Vec<Vec<f32>>| -> Vec<f32> {
                let picked: Vec<&Vec<f32>> = chosen
                    .iter()
                    .filter_map(|s| f.starts.iter().position(|x| x == s).map(|k| &rows[k]))
                    .collect();
                mean_of(&picked)
            };
            let all_rows: Vec<&Vec<f32>> = f.probs.iter().collect();
            let full = mean_of(&all_rows);
            let part = pick(&f.probs);
            err += full
                .iter()
                .zip(&part)
                .map(|(a, b)| f64::from((a - b).abs()))
                .sum::<f64>()
                / full.len() as f64;
            let (tf, tp) = (top5(&full), top5(&part));
            agree += tf.iter().filter(|i| tp.contains(i)).count() as f64 / 5.0;
            let all_emb: Vec<&Vec<f32>> = f.embeddings.iter().collect();
            let (ef, ep) = (mean_of(&all_emb), pick(&f.embeddings));
            let dot: f32 = ef.iter().zip(&ep).map(|(a, b)| a * b).sum();
            let norms = ef.iter().map(|v| v * v).sum::<f32>().sqrt()
                * ep.iter().map(|v| v * v).sum::<f32>().sqrt();
            cos += f64::from(dot / norms.max(1e-12));
            used += chosen.len() as f64;
        }
        let k = files.len().max(1) as f64;
        curve.push(PatchCurvePoint {
            patches: n,
            mean_abs_error: err / k,
            top5_agreement: agree / k,
            embedding_cosine: cos / k,
            ms_per_track: used / k * per_patch_ms,
        });
    }

    // Whole analysis with and without tags, side by side per file.
    let (mut plain_s, mut tagged_s, mut audio_s) = (0.0, 0.0, 0.0);
    for path in paths {
        let t = thread_cpu_s();
        let plain = segue::analysis::analyze_file(path);
        let t_plain = thread_cpu_s() - t;
        let expected_s = plain.as_ref().ok().map(|f| f.duration_s);
        let t = thread_cpu_s();
        let tagged = analyze_file_with(
            path,
            Some(TagRequest {
                tagger: &tagger,
                max_patches: DEFAULT_MAX_PATCHES,
                expected_s,
            }),
        );
        let t_tagged = thread_cpu_s() - t;
        if let (Ok(f), Ok(_)) = (plain, tagged) {
            plain_s += t_plain;
            tagged_s += t_tagged;
            audio_s += f.duration_s;
        }
    }
    Ok(MusicnnBench {
        patch_ms_p50: patch_ms(0.5),
        patch_ms_p90: patch_ms(0.9),
        frontend_ms_per_patch: frontend_ms,
        files: files.len(),
        curve,
        analysis_cpu_s: plain_s,
        analysis_with_tags_cpu_s: tagged_s,
        audio_s,
        default_patches: DEFAULT_MAX_PATCHES,
    })
}
