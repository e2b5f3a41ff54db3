//! `segue bench decode` and `segue bench analyze`: decoding alone, and the whole analysis
//! against it, on one thread.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use serde::Serialize;

use super::{peak_rss_mb, print_json, thread_cpu_s};

pub fn decode(paths: &[PathBuf], rate: u32, json: bool) -> Result<()> {
    let r = measure_decode(paths, rate);
    if json {
        return print_json(&r);
    }
    println!(
        "decode bench: {} files ({} failed), {:.1} s of audio in {:.2} s = {:.0}x realtime on one thread, peak memory {}",
        r.files,
        r.failed,
        r.audio_s,
        r.wall_s,
        r.realtime_factor,
        r.peak_rss_mb.map_or("unknown".to_string(), |m| format!("{m:.0} MB"))
    );
    Ok(())
}

pub fn analyze(paths: &[PathBuf], tsv: Option<&Path>, json: bool) -> Result<()> {
    let r = measure_analyze(paths);
    if let Some(tsv) = tsv {
        write_tsv(&r, tsv)?;
    }
    if json {
        return print_json(&r);
    }
    println!(
        "analysis bench: {} files ({} failed), {:.0} s of audio; one thread, CPU time:\n  \
         decode only           {:>8.2} s  {:>6.0}x realtime\n  \
         decode+mono+resample  {:>8.2} s  {:>6.0}x realtime\n  \
         whole analysis        {:>8.2} s  {:>6.0}x realtime\n  \
         analysis / decode = {:.2}, analysis / (decode+resample) = {:.2}, peak memory {}",
        r.files,
        r.failed,
        r.audio_s,
        r.decode_cpu_s,
        r.decode_realtime,
        r.decode_resample_cpu_s,
        r.audio_s / r.decode_resample_cpu_s.max(1e-9),
        r.analysis_cpu_s,
        r.analysis_realtime,
        r.analysis_over_decode,
        r.analysis_over_decode_resample,
        r.peak_rss_mb
            .map_or("unknown".to_string(), |m| format!("{m:.0} MB"))
    );
    Ok(())
}

/// Per-file results as TSV (the evaluation scripts in ../shared/corpus read it).
fn write_tsv(r: &AnalyzeBench, tsv: &Path) -> Result<()> {
    let mut out = String::from(
        "path\tbpm\tkey\tscale\tseconds\tduration_s\tbpm_confidence\tkey_strength\tloudness_lufs\terror\n",
    );
    let opt = |v: Option<String>| v.unwrap_or_default();
    for f in &r.results {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{:.4}\t{:.2}\t{:.3}\t{:.3}\t{}\t{}\n",
            f.path,
            opt(f.bpm.map(|b| format!("{b:.2}"))),
            opt(f.key.clone()),
            opt(f.scale.clone()),
            f.seconds,
            f.duration_s,
            f.bpm_confidence,
            f.key_strength,
            opt(f.loudness_lufs.map(|l| format!("{l:.2}"))),
            opt(f.error.clone()),
        ));
    }
    std::fs::write(tsv, out).with_context(|| format!("writing {}", tsv.display()))
}

#[derive(Debug, Serialize)]
struct DecodeBench {
    files: usize,
    failed: usize,
    audio_s: f64,
    wall_s: f64,
    /// Seconds of audio decoded per second of wall time (one thread).
    realtime_factor: f64,
    peak_rss_mb: Option<f64>,
}

/// Decodes every file to mono at `rate` on this thread (the floor under any analysis).
fn measure_decode(paths: &[PathBuf], rate: u32) -> DecodeBench {
    let started = Instant::now();
    let (mut audio_s, mut failed) = (0.0, 0);
    for path in paths {
        let mut energy = 0.0f64;
        match segue::audio::decode::decode_mono(path, rate, None, |block| {
            // Touch every sample so nothing is optimised away.
            energy += block.iter().map(|s| f64::from(*s * *s)).sum::<f64>();
        }) {
            Ok(info) => audio_s += info.seconds(),
            Err(e) => {
                failed += 1;
                tracing::warn!("{}: {e}", path.display());
            }
        }
        std::hint::black_box(energy);
    }
    let wall_s = started.elapsed().as_secs_f64();
    DecodeBench {
        files: paths.len(),
        failed,
        audio_s,
        wall_s,
        realtime_factor: audio_s / wall_s.max(1e-9),
        peak_rss_mb: peak_rss_mb(),
    }
}

/// Per-file outcome of the analysis benchmark.
#[derive(Debug, Serialize)]
struct AnalyzedFile {
    path: String,
    duration_s: f64,
    bpm: Option<f32>,
    bpm_confidence: f32,
    key: Option<String>,
    scale: Option<String>,
    key_strength: f32,
    loudness_lufs: Option<f64>,
    /// CPU seconds of the whole analysis (decode included).
    seconds: f64,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct AnalyzeBench {
    files: usize,
    failed: usize,
    audio_s: f64,
    /// CPU seconds, one thread, each file decoded three ways side by side.
    decode_cpu_s: f64,
    decode_resample_cpu_s: f64,
    analysis_cpu_s: f64,
    /// Seconds of audio per CPU second.
    decode_realtime: f64,
    analysis_realtime: f64,
    /// Whole analysis over decoding alone (1.0 would be free extraction).
    analysis_over_decode: f64,
    analysis_over_decode_resample: f64,
    peak_rss_mb: Option<f64>,
    results: Vec<AnalyzedFile>,
}

/// For every file, on this thread: decode alone, decode + mix-down + resample, and the whole
/// analysis, one after the other (same cache state), timed in thread CPU seconds.
fn measure_analyze(paths: &[PathBuf]) -> AnalyzeBench {
    use segue::analysis::{analyze_file, ANALYSIS_RATE};
    let (mut decode_s, mut resample_s, mut analysis_s, mut audio_s) = (0.0, 0.0, 0.0, 0.0);
    let mut results = Vec::new();
    let mut failed = 0;
    for path in paths {
        let t = thread_cpu_s();
        let mut only = segue::audio::decode::DecodeOnly(0.0);
        let decoded = segue::audio::decode::decode(path, ANALYSIS_RATE, None, &mut only);
        std::hint::black_box(only.0);
        let t_decode = thread_cpu_s() - t;
        let t = thread_cpu_s();
        let mut energy = 0.0f64;
        let _ = segue::audio::decode::decode_mono(path, ANALYSIS_RATE, None, |b| {
            energy += b.iter().map(|s| f64::from(*s)).sum::<f64>();
        });
        std::hint::black_box(energy);
        let t_resample = thread_cpu_s() - t;
        let t = thread_cpu_s();
        let analysed = analyze_file(path);
        let t_analysis = thread_cpu_s() - t;
        let name = segue::paths::display(path);
        match (decoded, analysed) {
            (Ok(_), Ok(f)) => {
                decode_s += t_decode;
                resample_s += t_resample;
                analysis_s += t_analysis;
                audio_s += f.duration_s;
                results.push(AnalyzedFile {
                    path: name,
                    duration_s: f.duration_s,
                    bpm: f.tempo.map(|t| t.bpm),
                    bpm_confidence: f.tempo.map_or(0.0, |t| t.confidence),
                    key: f.key.map(|k| k.tonic_name().to_string()),
                    scale: f.key.map(|k| k.scale.as_str().to_string()),
                    key_strength: f.key.map_or(0.0, |k| k.strength),
                    loudness_lufs: f.loudness.integrated_lufs,
                    seconds: t_analysis,
                    error: None,
                });
            }
            (d, a) => {
                failed += 1;
                let error = match (d, a) {
                    (Err(e), _) => e.to_string(),
                    (_, Err(e)) => e.to_string(),
                    _ => String::new(),
                };
                results.push(AnalyzedFile {
                    path: name,
                    duration_s: 0.0,
                    bpm: None,
                    bpm_confidence: 0.0,
                    key: None,
                    scale: None,
                    key_strength: 0.0,
                    loudness_lufs: None,
                    seconds: t_analysis,
                    error: Some(error),
                });
            }
        }
    }
    AnalyzeBench {
        files: paths.len(),
        failed,
        audio_s,
        decode_cpu_s: decode_s,
        decode_resample_cpu_s: resample_s,
        analysis_cpu_s: analysis_s,
        decode_realtime: audio_s / decode_s.max(1e-9),
        analysis_realtime: audio_s / analysis_s.max(1e-9),
        analysis_over_decode: analysis_s / decode_s.max(1e-9),
        analysis_over_decode_resample: analysis_s / resample_s.max(1e-9),
        peak_rss_mb: peak_rss_mb(),
        results,
    }
}
