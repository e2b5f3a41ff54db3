//! `segue bench musicnn`: MusiCNN's speed and the patches-per-track trade-off.

use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use segue::musicnn::net::Arithmetic;
use segue::musicnn::tagger::{Tagger, TrackTags};

use super::{percentile, print_json, thread_cpu_s};

pub fn run(paths: &[PathBuf], counts: &[usize], json: bool) -> Result<()> {
    let r = measure(paths, counts)?;
    if json {
        return print_json(&r);
    }
    println!(
        "musicnn bench, one thread: one patch through one model p50 {:.1} ms, p90 {:.1} ms; front end (resample 44.1k + mel) per patch: exact {:.2} ms, fast {:.2} ms (resample alone {:.2} vs {:.2} ms at 44.1k, {:.2} vs {:.2} at 22.05k, {:.2} vs {:.2} at 48k)",
        r.patch_ms_p50,
        r.patch_ms_p90,
        r.frontend_ms_per_patch_exact,
        r.frontend_ms_per_patch,
        r.resample_ms.exact_44k,
        r.resample_ms.fast_44k,
        r.resample_ms.exact_22k,
        r.resample_ms.fast_22k,
        r.resample_ms.exact_48k,
        r.resample_ms.fast_48k,
    );
    let n = &r.network;
    println!(
        "the network: {:.2} GFLOP per patch (timbral convs {:.2} + {:.2}, temporal {:.2}, mid-end {:.2}, dense {:.4}) at p50: {:.0} GFLOP/s; the same sgemm kernels on this core: {:.0} GFLOP/s on a 1024^3 product, {:.0} on the 7x38 conv's block ({}x{}x{}): the network runs at {:.0}% of the square product's rate",
        n.gflop_per_patch,
        n.gflop[0],
        n.gflop[1],
        n.gflop[2],
        n.gflop[3],
        n.gflop[4],
        n.gflops,
        n.sgemm_square_gflops,
        n.sgemm_block_gflops,
        n.block_shape[0],
        n.block_shape[1],
        n.block_shape[2],
        100.0 * n.gflops / n.sgemm_square_gflops.max(1e-9),
    );
    let d = &r.fast_vs_exact;
    println!(
        "fast resampler vs exact ({} files, {} patches each, as the scan tags): {}; log-mel max |Δ| {:.3}, mean |Δ| {:.2e}; front end on these files {:.2} ms per patch exact, {:.2} fast",
        d.tags.files,
        r.default_patches,
        d.tags.describe(),
        d.log_mel_max_abs,
        d.log_mel_mean_abs,
        d.frontend_ms_per_patch_exact,
        d.frontend_ms_per_patch_fast,
    );
    println!(
        "8-bit front end vs f32 (same files and patches): one patch through one model p50 {:.1} ms (f32 {:.1} ms, x{:.2}); {}",
        r.patch_ms_int8_p50,
        r.patch_ms_p50,
        r.patch_ms_p50 / r.patch_ms_int8_p50.max(1e-9),
        d.int8_tags.describe(),
    );
    if !r.curve.is_empty() {
        println!(
            "patches  mean|Δp|  top-5 agree  embedding cos  ms/track ({} files)",
            r.files
        );
    }
    for p in &r.curve {
        println!(
            "{:>7}  {:>8.4}  {:>11.3}  {:>13.4}  {:>8.0}",
            p.patches, p.mean_abs_error, p.top5_agreement, p.embedding_cosine, p.ms_per_track
        );
    }
    let ratio = |tagged: f64| tagged / r.analysis_cpu_s.max(1e-9);
    let realtime = |cpu: f64| r.audio_s / cpu.max(1e-9);
    println!(
        "whole analysis, CPU: {:.1} s without tags ({:.0}x realtime); with tags as the scan ({} patches, 8-bit front end, fast resampler) {:.1} s: x{:.2} ({:.0}x realtime); f32 front end {:.1} s: x{:.2}; f32 on {} patches (the scan before the 8-bit front end) {:.1} s: x{:.2}; f32 and the exact resampler {:.1} s: x{:.2}",
        r.analysis_cpu_s,
        realtime(r.analysis_cpu_s),
        r.default_patches,
        r.analysis_with_tags_cpu_s,
        ratio(r.analysis_with_tags_cpu_s),
        realtime(r.analysis_with_tags_cpu_s),
        r.analysis_with_tags_f32_cpu_s,
        ratio(r.analysis_with_tags_f32_cpu_s),
        F32_PATCHES,
        r.analysis_with_tags_f32_before_cpu_s,
        ratio(r.analysis_with_tags_f32_before_cpu_s),
        r.analysis_with_tags_exact_cpu_s,
        ratio(r.analysis_with_tags_exact_cpu_s),
    );
    Ok(())
}

/// The scan's patches per track while its front ends were f32 (before TAGS_VERSION 2).
const F32_PATCHES: usize = 4;

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
    /// The same with the 8-bit front end ([`Arithmetic::Int8`]): median, ms.
    patch_ms_int8_p50: f64,
    /// The network's arithmetic against what the same kernels reach on this core.
    network: NetworkRate,
    /// Front end of one patch: resampling its 44.1 kHz source to 16 kHz with the scan's
    /// (fast) resampler, mel and log, ms; and the same with the exact resampler.
    frontend_ms_per_patch: f64,
    frontend_ms_per_patch_exact: f64,
    /// Resampling one patch's source alone, both resamplers, at three common rates, ms.
    resample_ms: ResampleMs,
    /// The scan's tags with the fast resampler against the exact one, on the same windows.
    fast_vs_exact: FastVsExact,
    files: usize,
    curve: Vec<PatchCurvePoint>,
    /// Whole analysis per file on one thread, CPU seconds, without and with tags at the
    /// default patch count (decode included).
    analysis_cpu_s: f64,
    analysis_with_tags_cpu_s: f64,
    /// The same with f32 front ends; with f32 front ends on [`F32_PATCHES`] patches (the scan
    /// before its 8-bit front end); with f32 and the exact resampler (the original's path):
    /// each measured beside it file by file.
    analysis_with_tags_f32_cpu_s: f64,
    analysis_with_tags_f32_before_cpu_s: f64,
    analysis_with_tags_exact_cpu_s: f64,
    audio_s: f64,
    default_patches: usize,
}

/// How close one patch through one model comes to the core's attainable sgemm rate.
#[derive(Debug, Default, Serialize)]
struct NetworkRate {
    /// 2 × multiply-adds per patch, in GFLOP: all, and timbral 38, timbral 67, temporal,
    /// mid-end, dense.
    gflop_per_patch: f64,
    gflop: [f64; 5],
    /// At the patch's p50 time.
    gflops: f64,
    /// The same kernels on one thread: a 1024³ product, and the 7 × 38 timbral conv's block
    /// (16 frames × 59 positions, 266 taps, 204 filters), the least time of several runs.
    sgemm_square_gflops: f64,
    sgemm_block_gflops: f64,
    block_shape: [usize; 3],
}

impl NetworkRate {
    fn measure(patch_ms_p50: f64) -> Self {
        use segue::musicnn::net::MultiplyAdds;
        use segue::musicnn::sgemm::sgemm_for_bench;
        let m = MultiplyAdds::per_patch();
        let gflop = |mads: u64| 2.0 * mads as f64 / 1e9;
        let rate = |(rows, k, cols): (usize, usize, usize), reps: usize| {
            let a: Vec<f32> = (0..rows * k).map(|i| (i % 7) as f32 * 0.1).collect();
            let b: Vec<f32> = (0..k * cols).map(|i| (i % 5) as f32 * 0.1).collect();
            let mut c = vec![0.0f32; rows * cols];
            let ms = least_ms(reps, || sgemm_for_bench(rows, k, cols, &a, &b, &mut c));
            2.0 * (rows * k * cols) as f64 / (ms / 1000.0) / 1e9
        };
        let block = (16 * 59, 7 * 38, 204);
        NetworkRate {
            gflop_per_patch: gflop(m.total()),
            gflop: [
                gflop(m.timbral[0]),
                gflop(m.timbral[1]),
                gflop(m.temporal),
                gflop(m.mid),
                gflop(m.dense),
            ],
            gflops: gflop(m.total()) / (patch_ms_p50 / 1000.0).max(1e-12),
            sgemm_square_gflops: rate((1024, 1024, 1024), 5),
            sgemm_block_gflops: rate(block, 40),
            block_shape: [block.0, block.1, block.2],
        }
    }
}

#[derive(Debug, Default, Serialize)]
struct ResampleMs {
    exact_44k: f64,
    fast_44k: f64,
    exact_22k: f64,
    fast_22k: f64,
    exact_48k: f64,
    fast_48k: f64,
}

/// How close two taggings of the same tracks come (the scan's patches, both models).
#[derive(Debug, Serialize)]
struct TagAgreement {
    files: usize,
    /// Largest |Δp| over the 100 probabilities of every track.
    max_abs_dp: f64,
    /// Mean |Δp| over the 100 probabilities of every track.
    mean_abs_dp: f64,
    /// Share of tracks whose top 3 of `TrackTags::ranked()` are the same labels in the same
    /// order, and the same labels in any order.
    top3_same_order: f64,
    top3_same_set: f64,
    /// Cosine between the two embeddings: mean and lowest over tracks.
    embedding_cosine_mean: f64,
    embedding_cosine_min: f64,
    #[serde(skip)]
    dp_sum: f64,
    #[serde(skip)]
    dp_count: usize,
}

impl Default for TagAgreement {
    fn default() -> Self {
        TagAgreement {
            files: 0,
            max_abs_dp: 0.0,
            mean_abs_dp: 0.0,
            top3_same_order: 0.0,
            top3_same_set: 0.0,
            embedding_cosine_mean: 0.0,
            embedding_cosine_min: 1.0,
            dp_sum: 0.0,
            dp_count: 0,
        }
    }
}

impl TagAgreement {
    fn add(&mut self, a: &TrackTags, b: &TrackTags) {
        for (x, y) in a.msd.iter().chain(&a.mtt).zip(b.msd.iter().chain(&b.mtt)) {
            let e = f64::from((x - y).abs());
            self.max_abs_dp = self.max_abs_dp.max(e);
            self.dp_sum += e;
            self.dp_count += 1;
        }
        let top3 = |t: &TrackTags| -> Vec<&'static str> {
            t.ranked().into_iter().take(3).map(|(l, _)| l).collect()
        };
        let (ta, tb) = (top3(a), top3(b));
        if ta == tb {
            self.top3_same_order += 1.0;
        }
        if ta.iter().all(|l| tb.contains(l)) {
            self.top3_same_set += 1.0;
        }
        let dot: f64 = a
            .embedding
            .iter()
            .zip(&b.embedding)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum();
        let norm = |v: &[f32]| v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
        let cos = dot / (norm(&a.embedding) * norm(&b.embedding)).max(1e-300);
        self.embedding_cosine_mean += cos;
        self.embedding_cosine_min = self.embedding_cosine_min.min(cos);
        self.files += 1;
    }

    /// Sums to means, once every track is in.
    fn finish(&mut self) {
        let k = self.files.max(1) as f64;
        self.top3_same_order /= k;
        self.top3_same_set /= k;
        self.embedding_cosine_mean /= k;
        self.mean_abs_dp = self.dp_sum / self.dp_count.max(1) as f64;
    }

    fn describe(&self) -> String {
        format!(
            "tag probabilities max |Δp| {:.2e}, mean |Δp| {:.2e}; top-3 unchanged {:.1}% in order, {:.1}% as a set; embedding cosine mean {:.7}, min {:.7}",
            self.max_abs_dp,
            self.mean_abs_dp,
            100.0 * self.top3_same_order,
            100.0 * self.top3_same_set,
            self.embedding_cosine_mean,
            self.embedding_cosine_min,
        )
    }
}

/// The scan's tags with the fast resampler against the exact one, and with the 8-bit front
/// end against f32, on the same windows.
#[derive(Debug, Default, Serialize)]
struct FastVsExact {
    tags: TagAgreement,
    /// The 8-bit front end against f32 (both on the fast resampler's patches).
    int8_tags: TagAgreement,
    /// The log-mel patches themselves: largest and mean |Δ| (log10 units).
    log_mel_max_abs: f64,
    log_mel_mean_abs: f64,
    /// CPU ms per patch of [`PatchCollector::patches`] (resample + mel) on these files.
    frontend_ms_per_patch_exact: f64,
    frontend_ms_per_patch_fast: f64,
}

/// CPU ms of one call of `f`: the least of `reps` runs (the machine is shared).
fn least_ms<T>(reps: usize, mut f: impl FnMut() -> T) -> f64 {
    (0..reps)
        .map(|_| {
            let t = thread_cpu_s();
            std::hint::black_box(f());
            (thread_cpu_s() - t) * 1000.0
        })
        .fold(f64::INFINITY, f64::min)
}

/// A music-like test signal: a few tones across the band and a little noise.
fn test_signal(rate: u32, seconds: usize) -> Vec<f32> {
    let mut noise = 0x2545_f491_u32;
    (0..rate as usize * seconds)
        .map(|i| {
            let t = i as f32 / rate as f32;
            noise ^= noise << 13;
            noise ^= noise >> 17;
            noise ^= noise << 5;
            let n = (noise as f32 / u32::MAX as f32 - 0.5) * 0.05;
            [110.0f32, 440.0, 1234.5, 3000.0, 7100.0]
                .iter()
                .map(|f| (std::f32::consts::TAU * f * t).sin() * 0.1)
                .sum::<f32>()
                + n
        })
        .collect()
}

/// The fast resampler against the exact one, and the 8-bit front end against f32, on the
/// scan's windows of `paths`.
fn fast_vs_exact(tagger: &Tagger, paths: &[PathBuf]) -> FastVsExact {
    use segue::musicnn::frontend::Resampler;
    use segue::musicnn::tagger::{collect_scan_windows, DEFAULT_MAX_PATCHES};
    let mut d = FastVsExact::default();
    let (mut mel_sum, mut mel_count) = (0.0, 0usize);
    let (mut exact_ms, mut fast_ms, mut patches_timed) = (0.0, 0.0, 0usize);
    for path in paths {
        let Ok(collector) = collect_scan_windows(path, DEFAULT_MAX_PATCHES, None) else {
            continue;
        };
        let t = thread_cpu_s();
        let exact = collector.patches(Resampler::ResampyExact);
        let t_exact = thread_cpu_s() - t;
        let t = thread_cpu_s();
        let fast = collector.patches(Resampler::Fast);
        let t_fast = thread_cpu_s() - t;
        let (Some(a), Some(b), Some(c)) = (
            tagger.tag(&exact),
            tagger.tag(&fast),
            tagger.tag_in(&fast, Arithmetic::Int8),
        ) else {
            continue;
        };
        exact_ms += t_exact * 1000.0;
        fast_ms += t_fast * 1000.0;
        patches_timed += exact.len();
        for (pa, pb) in exact.iter().zip(&fast) {
            for (x, y) in pa.iter().zip(pb) {
                let e = f64::from((x - y).abs());
                d.log_mel_max_abs = d.log_mel_max_abs.max(e);
                mel_sum += e;
                mel_count += 1;
            }
        }
        d.tags.add(&a, &b);
        d.int8_tags.add(&b, &c);
    }
    d.tags.finish();
    d.int8_tags.finish();
    d.log_mel_mean_abs = mel_sum / mel_count.max(1) as f64;
    d.frontend_ms_per_patch_exact = exact_ms / patches_timed.max(1) as f64;
    d.frontend_ms_per_patch_fast = fast_ms / patches_timed.max(1) as f64;
    d
}

/// MusiCNN speed and the patches-per-track trade-off, on this thread.
fn measure(paths: &[PathBuf], counts: &[usize]) -> Result<MusicnnBench> {
    use segue::analysis::{analyze_file_with, TagRequest};
    use segue::musicnn::frontend::{
        resample_stretch_to_16k, FrontEnd, Resampler, HOP, PATCH_FRAMES,
    };
    use segue::musicnn::tagger::{choose_patches, file_patches_at, DEFAULT_MAX_PATCHES};

    let tagger = Tagger::load_default()?;
    let (msd, mtt) = (
        tagger.network(segue::musicnn::Model::Msd),
        tagger.network(segue::musicnn::Model::Mtt),
    );
    // Per-patch time: one patch of real audio when there is one, run many times.
    let (mut patch_times, mut int8_times) = (Vec::new(), Vec::new());
    let (mut frontend_ms, mut frontend_exact_ms) = (0.0, 0.0);
    let mut resample_ms = ResampleMs::default();
    if let Some((_, patches)) = paths.iter().find_map(|p| file_patches_at(p, Some(1)).ok()) {
        let patch = &patches[0];
        std::hint::black_box(msd.forward(patch));
        for _ in 0..40 {
            let t = thread_cpu_s();
            std::hint::black_box(msd.forward(patch));
            patch_times.push((thread_cpu_s() - t) * 1000.0);
            let t = thread_cpu_s();
            std::hint::black_box(msd.forward_in(patch, Arithmetic::Int8));
            int8_times.push((thread_cpu_s() - t) * 1000.0);
        }
        // Mel and log of one patch.
        let y = test_signal(16_000, 4);
        let mut front = FrontEnd::new();
        let mel_ms = least_ms(20, || front.log_mel(&y, 0, PATCH_FRAMES));
        // Resampling one patch's source (what `PatchCollector::finish` asks for: the patch's
        // frames plus the STFT's reach) to 16 kHz, both resamplers side by side.
        let samples = (PATCH_FRAMES + 1) * HOP + 2 * HOP + 2;
        let resample = |rate: u32, resampler: Resampler| {
            let x = test_signal(rate, 4);
            let total = x.len();
            least_ms(7, || {
                resample_stretch_to_16k(&x, 0, total, rate, 8_000, samples, resampler)
            })
        };
        for _ in 0..2 {
            // Twice, keeping the lesser: the machine is shared.
            let keep = |old: f64, new: f64| if old == 0.0 { new } else { old.min(new) };
            let r = &mut resample_ms;
            r.exact_44k = keep(r.exact_44k, resample(44_100, Resampler::ResampyExact));
            r.fast_44k = keep(r.fast_44k, resample(44_100, Resampler::Fast));
            r.exact_22k = keep(r.exact_22k, resample(22_050, Resampler::ResampyExact));
            r.fast_22k = keep(r.fast_22k, resample(22_050, Resampler::Fast));
            r.exact_48k = keep(r.exact_48k, resample(48_000, Resampler::ResampyExact));
            r.fast_48k = keep(r.fast_48k, resample(48_000, Resampler::Fast));
        }
        frontend_ms = mel_ms + resample_ms.fast_44k;
        frontend_exact_ms = mel_ms + resample_ms.exact_44k;
    }
    patch_times.sort_by(f64::total_cmp);
    int8_times.sort_by(f64::total_cmp);
    let patch_ms = |p: f64| percentile(&patch_times, p);

    // The curve: every patch of every file once through both models, then subsets.
    struct FileTags {
        starts: Vec<usize>,
        probs: Vec<Vec<f32>>,
        embeddings: Vec<Vec<f32>>,
    }
    let mut files = Vec::new();
    for path in paths.iter().filter(|_| !counts.is_empty()) {
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

    let fast_vs_exact = fast_vs_exact(&tagger, paths);

    // Whole analysis without tags, and with tags as the scan computes them and in the other
    // arithmetic, patch count and resampler, side by side per file.
    let (mut plain_s, mut audio_s) = (0.0, 0.0);
    let mut tagged_s = [0.0; 4];
    for path in paths {
        let t = thread_cpu_s();
        let plain = segue::analysis::analyze_file(path);
        let t_plain = thread_cpu_s() - t;
        let expected_s = plain.as_ref().ok().map(|f| f.duration_s);
        let scan = TagRequest::as_scan(&tagger, DEFAULT_MAX_PATCHES, expected_s);
        let variants = [
            scan,
            TagRequest {
                arithmetic: Arithmetic::Exact,
                ..scan
            },
            TagRequest {
                arithmetic: Arithmetic::Exact,
                max_patches: F32_PATCHES,
                ..scan
            },
            TagRequest {
                arithmetic: Arithmetic::Exact,
                resampler: Resampler::ResampyExact,
                ..scan
            },
        ];
        let mut times = [0.0; 4];
        let mut all_ok = plain.is_ok();
        for (request, time) in variants.into_iter().zip(&mut times) {
            let t = thread_cpu_s();
            all_ok &= analyze_file_with(path, Some(request)).is_ok();
            *time = thread_cpu_s() - t;
        }
        if let (Ok(f), true) = (plain, all_ok) {
            plain_s += t_plain;
            for (sum, t) in tagged_s.iter_mut().zip(times) {
                *sum += t;
            }
            audio_s += f.duration_s;
        }
    }
    Ok(MusicnnBench {
        network: NetworkRate::measure(patch_ms(0.5)),
        patch_ms_p50: patch_ms(0.5),
        patch_ms_p90: patch_ms(0.9),
        patch_ms_int8_p50: percentile(&int8_times, 0.5),
        frontend_ms_per_patch: frontend_ms,
        frontend_ms_per_patch_exact: frontend_exact_ms,
        resample_ms,
        fast_vs_exact,
        files: files.len(),
        curve,
        analysis_cpu_s: plain_s,
        analysis_with_tags_cpu_s: tagged_s[0],
        analysis_with_tags_f32_cpu_s: tagged_s[1],
        analysis_with_tags_f32_before_cpu_s: tagged_s[2],
        analysis_with_tags_exact_cpu_s: tagged_s[3],
        audio_s,
        default_patches: DEFAULT_MAX_PATCHES,
    })
}
