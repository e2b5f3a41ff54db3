//! `segue bench preview`: the preview player on a paced virtual device.

use std::time::Instant;

use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::Serialize;

use super::{percentile, print_json, process_cpu_s};

pub fn run(paths: &[PathBuf], seconds: f64, json: bool) -> Result<()> {
    let r = measure(paths, seconds)?;
    if json {
        return print_json(&r);
    }
    println!(
        "preview bench: play to first sample p50 {:.1} ms, max {:.1} ms ({} files); CPU while playing {:.2} % of one core; underruns {} idle, {} in {:.0} s with {} threads analysing ({} late device periods)",
        r.latency_p50_ms, r.latency_max_ms, r.files, r.cpu_percent_of_one_core, r.underruns_idle,
        r.underruns_loaded, r.loaded_seconds, r.load_threads, r.late_periods
    );
    Ok(())
}

/// `segue bench preview`: the preview player on a paced virtual device (a stand-in for a sound
/// card that calls the real audio callback every 10 ms).
#[derive(Debug, Serialize)]
struct PreviewBench {
    files: usize,
    /// From `play()` to the first non-silent sample leaving the callback, per file.
    latency_p50_ms: f64,
    latency_max_ms: f64,
    /// Process CPU while playing, in % of one core (player threads + the virtual device).
    cpu_percent_of_one_core: f64,
    underruns_idle: u64,
    /// Underruns while `load_threads` threads analyse files flat out.
    underruns_loaded: u64,
    load_threads: usize,
    loaded_seconds: f64,
    /// Periods the virtual device itself was scheduled late under load.
    late_periods: u64,
}

/// Plays each file briefly for latency, then one file for `seconds` idle and `seconds` under
/// full analysis load.
fn measure(paths: &[PathBuf], seconds: f64) -> Result<PreviewBench> {
    use segue::audio::preview::{DeviceProbe, Output, Player, VirtualDevice};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let probe = Arc::new(DeviceProbe::default());
    let device = VirtualDevice {
        rate: 48_000,
        channels: 2,
        period_frames: 480,
        probe: Arc::clone(&probe),
    };
    let err = |e: segue::audio::preview::PreviewError| anyhow::anyhow!(e);
    let player = Player::with_output(Output::Virtual(device)).map_err(err)?;
    let mut latencies = Vec::new();
    for path in paths {
        player.stop().map_err(err)?;
        std::thread::sleep(std::time::Duration::from_millis(30));
        probe.arm();
        let t = Instant::now();
        player.play(path, 5.0, Some(2.0)).map_err(err)?;
        let deadline = Instant::now() + std::time::Duration::from_secs(3);
        while probe.first_sound().is_none() && Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        if let Some(first) = probe.first_sound() {
            latencies.push(first.duration_since(t).as_secs_f64() * 1000.0);
        }
    }
    latencies.sort_by(f64::total_cmp);
    let first = paths.first().context("give at least one file")?;
    // Idle: CPU and underruns while one file plays.
    player.play(first, 0.0, None).map_err(err)?;
    std::thread::sleep(std::time::Duration::from_millis(200));
    let under0 = player.state().underruns;
    let (cpu0, wall0) = (process_cpu_s(), Instant::now());
    std::thread::sleep(std::time::Duration::from_secs_f64(seconds));
    let cpu = (process_cpu_s() - cpu0) / wall0.elapsed().as_secs_f64() * 100.0;
    let underruns_idle = player.state().underruns - under0;
    // Loaded: every core analysing while it plays on.
    let load_threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..load_threads)
        .map(|i| {
            let stop = Arc::clone(&stop);
            let files = paths.to_vec();
            std::thread::spawn(move || {
                let mut k = i;
                while !stop.load(Ordering::Relaxed) {
                    let _ = segue::analysis::analyze_file(&files[k % files.len()]);
                    k += 1;
                }
            })
        })
        .collect();
    let late0 = probe.late_periods.load(Ordering::Relaxed);
    let under1 = player.state().underruns;
    std::thread::sleep(std::time::Duration::from_secs_f64(seconds));
    let underruns_loaded = player.state().underruns - under1;
    let late_periods = probe.late_periods.load(Ordering::Relaxed) - late0;
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.join();
    }
    player.stop().map_err(err)?;
    Ok(PreviewBench {
        files: latencies.len(),
        latency_p50_ms: percentile(&latencies, 0.5),
        latency_max_ms: latencies.last().copied().unwrap_or(0.0),
        cpu_percent_of_one_core: cpu,
        underruns_idle,
        underruns_loaded,
        load_threads,
        loaded_seconds: seconds,
        late_periods,
    })
}
