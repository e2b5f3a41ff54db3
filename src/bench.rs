//! Benchmarks behind `segue bench …`: they print figures, they never pass or fail.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use crate::audio::encode::{write_flac, write_tags, write_wav};
use crate::audio::synth;
use crate::error::{Error, Result};
use crate::store::Tags;
use crate::{CancellationToken, Library, ScanOptions, TrackQuery};

#[derive(Debug, Serialize)]
pub struct ScanBench {
    pub files: usize,
    pub workers: usize,
    pub generate_s: f64,
    pub first_scan_s: f64,
    pub first_scan_files_per_s: f64,
    pub rescan_s: f64,
    pub table_first_page_ms: f64,
}

/// Generates `files` small tagged files (FLAC and WAV, 4 s at 8 kHz) under `dir`; returns the
/// seconds it took.
pub async fn generate(dir: &Path, files: usize) -> Result<f64> {
    let started = Instant::now();
    let dir_owned = dir.to_path_buf();
    tokio::task::spawn_blocking(move || generate_files(&dir_owned, files))
        .await
        .map_err(|e| Error::Task(e.to_string()))??;
    Ok(started.elapsed().as_secs_f64())
}

/// Times the first scan of the `files` files in `dir` and a no-change rescan, into a fresh
/// library in `data_dir`.
pub async fn scan(dir: &Path, data_dir: &Path, files: usize, workers: usize) -> Result<ScanBench> {
    let generate_s = 0.0;

    let library = Library::open(data_dir).await?;
    library.add_folder(dir).await?;
    let options = ScanOptions {
        workers,
        ..ScanOptions::default()
    };
    let t = Instant::now();
    let first = library
        .scan(None, &options, Arc::new(|_| {}), &CancellationToken::new())
        .await?;
    let first_scan_s = t.elapsed().as_secs_f64();
    if first.added as usize != files {
        return Err(Error::Other(format!(
            "expected {files} tracks, scan added {}",
            first.added
        )));
    }
    let t = Instant::now();
    let again = library
        .scan(None, &options, Arc::new(|_| {}), &CancellationToken::new())
        .await?;
    let rescan_s = t.elapsed().as_secs_f64();
    if !again.is_no_op() {
        return Err(Error::Other(format!("rescan changed things: {again:?}")));
    }
    let t = Instant::now();
    library
        .track_page(&TrackQuery {
            limit: 200,
            ..TrackQuery::default()
        })
        .await?;
    let table_first_page_ms = t.elapsed().as_secs_f64() * 1000.0;
    Ok(ScanBench {
        files,
        workers,
        generate_s,
        first_scan_s,
        first_scan_files_per_s: files as f64 / first_scan_s,
        rescan_s,
        table_first_page_ms,
    })
}

fn generate_files(dir: &Path, files: usize) -> Result<()> {
    const RATE: u32 = 8_000;
    for i in 0..files {
        let sub = dir.join(format!("artist {:03}/album {:02}", i / 100, (i / 10) % 10));
        std::fs::create_dir_all(&sub).map_err(|e| Error::io(&sub, e))?;
        let samples = synth::sine(RATE, 4.0, 110.0 + (i % 880) as f32, 0.4);
        let path = if i % 4 == 3 {
            let p = sub.join(format!("{i:05}.wav"));
            write_wav(&p, RATE, &samples)?;
            p
        } else {
            let p = sub.join(format!("{i:05}.flac"));
            write_flac(&p, RATE, &samples)?;
            p
        };
        write_tags(
            &path,
            &Tags {
                title: Some(format!("Track {i}")),
                artist: Some(format!("Artist {}", i / 100)),
                album: Some(format!("Album {}", i / 10)),
                track_no: Some((i % 10) as i64 + 1),
                year: Some(2000 + (i % 25) as i64),
                genre: Some("Bench".into()),
                ..Tags::default()
            },
        )?;
    }
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct TableBench {
    pub tracks: i64,
    pub open_ms: f64,
    pub overview_ms: f64,
    pub first_page_ms: f64,
    pub sorted_page_ms: f64,
    pub deep_page_ms: f64,
    pub search_ms: f64,
}

/// Fills a library with `tracks` synthetic rows (no files) and times what the app does at
/// start: open, overview, the first page, a sort, a deep scroll and a search.
pub async fn table(data_dir: &Path, tracks: i64) -> Result<TableBench> {
    {
        let library = Library::open(data_dir).await?;
        library.store().seed_synthetic_tracks(tracks).await?;
    }
    let t = Instant::now();
    let library = Library::open(data_dir).await?;
    let open_ms = ms(t);
    let t = Instant::now();
    library.folders().await?;
    let stats = library.stats().await?;
    let overview_ms = ms(t);
    let page = |sort, offset, search: Option<&str>| TrackQuery {
        search: search.map(str::to_string),
        sort,
        desc: false,
        offset,
        limit: 200,
        ..TrackQuery::default()
    };
    let t = Instant::now();
    library
        .track_page(&page(crate::SortKey::Title, 0, None))
        .await?;
    let first_page_ms = ms(t);
    let t = Instant::now();
    library
        .track_page(&page(crate::SortKey::Artist, 0, None))
        .await?;
    let sorted_page_ms = ms(t);
    let t = Instant::now();
    library
        .track_page(&page(crate::SortKey::Title, stats.tracks - 200, None))
        .await?;
    let deep_page_ms = ms(t);
    let t = Instant::now();
    library
        .track_page(&page(crate::SortKey::Title, 0, Some("artist 42")))
        .await?;
    let search_ms = ms(t);
    Ok(TableBench {
        tracks: stats.tracks,
        open_ms,
        overview_ms,
        first_page_ms,
        sorted_page_ms,
        deep_page_ms,
        search_ms,
    })
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

#[derive(Debug, Serialize)]
pub struct DecodeBench {
    pub files: usize,
    pub failed: usize,
    pub audio_s: f64,
    pub wall_s: f64,
    /// Seconds of audio decoded per second of wall time (one thread).
    pub realtime_factor: f64,
    pub peak_rss_mb: Option<f64>,
}

/// Decodes every file to mono at `rate` on this thread (the floor under any analysis).
pub fn decode(paths: &[std::path::PathBuf], rate: u32) -> DecodeBench {
    let started = Instant::now();
    let (mut audio_s, mut failed) = (0.0, 0);
    for path in paths {
        let mut energy = 0.0f64;
        match crate::audio::decode::decode_mono(path, rate, None, |block| {
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
pub struct AnalyzedFile {
    pub path: String,
    pub duration_s: f64,
    pub bpm: Option<f32>,
    pub bpm_confidence: f32,
    pub key: Option<String>,
    pub scale: Option<String>,
    pub key_strength: f32,
    pub loudness_lufs: Option<f64>,
    /// CPU seconds of the whole analysis (decode included).
    pub seconds: f64,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AnalyzeBench {
    pub files: usize,
    pub failed: usize,
    pub audio_s: f64,
    /// CPU seconds, one thread, each file decoded three ways side by side.
    pub decode_cpu_s: f64,
    pub decode_resample_cpu_s: f64,
    pub analysis_cpu_s: f64,
    /// Seconds of audio per CPU second.
    pub decode_realtime: f64,
    pub analysis_realtime: f64,
    /// Whole analysis over decoding alone (1.0 would be free extraction).
    pub analysis_over_decode: f64,
    pub analysis_over_decode_resample: f64,
    pub peak_rss_mb: Option<f64>,
    pub results: Vec<AnalyzedFile>,
}

/// CPU time of the calling thread, seconds: steadier than wall time on a shared machine.
pub fn thread_cpu_s() -> f64 {
    cpu_seconds(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// CPU time of every thread of this process, seconds (for code that spreads work on threads).
pub fn process_cpu_s() -> f64 {
    cpu_seconds(libc::CLOCK_PROCESS_CPUTIME_ID)
}

fn cpu_seconds(clock: libc::clockid_t) -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the pointer we own.
    if unsafe { libc::clock_gettime(clock, &mut ts) } == 0 {
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    } else {
        0.0
    }
}

/// A decode sink that only touches every decoded sample: decoding alone, the floor under
/// analysis (no mix-down or resampling).
#[derive(Debug, Default)]
pub struct DecodeOnly(pub f64);

impl crate::audio::decode::DecodeSink for DecodeOnly {
    fn source(&mut self, interleaved: &[f32], _channels: usize, _rate: u32) {
        self.0 += interleaved.iter().map(|s| f64::from(*s)).sum::<f64>();
    }
    fn mono(&mut self, _block: &[f32]) {}
    fn wants_mono(&self) -> bool {
        false
    }
}

/// For every file, on this thread: decode alone, decode + mix-down + resample, and the whole
/// analysis, one after the other (same cache state), timed in thread CPU seconds.
pub fn analyze(paths: &[std::path::PathBuf]) -> AnalyzeBench {
    use crate::analysis::{analyze_file, ANALYSIS_RATE};
    let (mut decode_s, mut resample_s, mut analysis_s, mut audio_s) = (0.0, 0.0, 0.0, 0.0);
    let mut results = Vec::new();
    let mut failed = 0;
    for path in paths {
        let t = thread_cpu_s();
        let mut only = DecodeOnly(0.0);
        let decoded = crate::audio::decode::decode(path, ANALYSIS_RATE, None, &mut only);
        std::hint::black_box(only.0);
        let t_decode = thread_cpu_s() - t;
        let t = thread_cpu_s();
        let mut energy = 0.0f64;
        let _ = crate::audio::decode::decode_mono(path, ANALYSIS_RATE, None, |b| {
            energy += b.iter().map(|s| f64::from(*s)).sum::<f64>();
        });
        std::hint::black_box(energy);
        let t_resample = thread_cpu_s() - t;
        let t = thread_cpu_s();
        let analysed = analyze_file(path);
        let t_analysis = thread_cpu_s() - t;
        let name = crate::paths::display(path);
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

/// The process's peak resident memory (Linux `VmHWM`), in MB.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// One library size of `segue bench index`.
#[derive(Debug, Serialize)]
pub struct IndexBench {
    pub tracks: usize,
    pub dimension: usize,
    pub index: String,
    pub nprobe: usize,
    pub build_s: f64,
    /// Recall@10 measured by the build's own nprobe tuning (on vectors of the index).
    pub tuned_recall: Option<f32>,
    /// Index memory per track (codes + id) and in all (with centroids and tables).
    pub bytes_per_track: usize,
    pub memory_mb: f64,
    pub rss_growth_mb: f64,
    /// Single queries on one thread, and on one thread per core.
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p50_all_threads_ms: f64,
    pub p99_all_threads_ms: f64,
    /// Queries per second when all queries are sent as one batch (all cores).
    pub batch_qps: f64,
    /// Recall@10 against exact search, on fresh queries near the data.
    pub recall_at_10: f32,
    pub recall_queries: usize,
}

fn current_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_string();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return 0.0;
    }
    let i = ((sorted_ms.len() - 1) as f64 * p).round() as usize;
    sorted_ms[i.min(sorted_ms.len() - 1)]
}

/// Builds the policy's index over clustered synthetic vectors of the real dimension and times
/// it: build, single-query latency (1 thread and all), batch throughput, recall@10 vs exact.
pub fn index(
    tracks: usize,
    queries: usize,
    policy: &crate::index::IndexPolicy,
) -> crate::Result<IndexBench> {
    use crate::index::{choose, set_faiss_threads, synthetic, AnnIndex, ExactIndex};
    let dimension = crate::vector::DIM;
    let vectors = synthetic::clustered(tracks, dimension, (tracks / 50).max(10), 1);
    let ids: Vec<i64> = (1..=tracks as i64).collect();
    let rss_before = current_rss_mb();
    let started = Instant::now();
    let mut ann = AnnIndex::build(choose(tracks, dimension, policy), &ids, &vectors, policy)?;
    let build_s = started.elapsed().as_secs_f64();
    let rss_growth_mb = current_rss_mb() - rss_before;
    let query_set = synthetic::queries_near(&vectors, dimension, queries, 2);
    let mut single = |threads: usize| -> crate::Result<Vec<f64>> {
        set_faiss_threads(threads);
        let mut times = Vec::with_capacity(queries);
        for q in query_set.chunks_exact(dimension) {
            let t = Instant::now();
            ann.search_batch(q, 10)?;
            times.push(ms(t));
        }
        times.sort_by(f64::total_cmp);
        Ok(times)
    };
    let one = single(1)?;
    let all = single(0)?;
    set_faiss_threads(0);
    let t = Instant::now();
    let found = ann.search_batch(&query_set, 10)?;
    let batch_qps = queries as f64 / t.elapsed().as_secs_f64().max(1e-9);
    // Exact search costs tracks × dimension per query: a subset is enough at 1M.
    let recall_queries = queries.min((400_000_000 / tracks.max(1)).max(100));
    let exact = ExactIndex::from_slices(&ids, &vectors, dimension);
    drop(vectors);
    let truth = exact.search_batch(&query_set[..recall_queries * dimension], 10);
    let hits: usize = truth
        .iter()
        .zip(&found)
        .map(|(want, got)| {
            want.iter()
                .filter(|h| got.iter().any(|g| g.id == h.id))
                .count()
        })
        .sum();
    Ok(IndexBench {
        tracks,
        dimension,
        index: ann.params().name(),
        nprobe: ann.params().nprobe,
        build_s,
        tuned_recall: ann.measured_recall(),
        bytes_per_track: ann.params().bytes_per_track(),
        memory_mb: ann.memory_bytes() as f64 / 1e6,
        rss_growth_mb,
        p50_ms: percentile(&one, 0.5),
        p99_ms: percentile(&one, 0.99),
        p50_all_threads_ms: percentile(&all, 0.5),
        p99_all_threads_ms: percentile(&all, 0.99),
        batch_qps,
        recall_at_10: hits as f32 / (10 * truth.len()).max(1) as f32,
        recall_queries: truth.len(),
    })
}

/// `segue bench playlist`: request-to-list latency on a library of synthetic analysed tracks.
#[derive(Debug, Serialize)]
pub struct PlaylistBench {
    pub tracks: usize,
    pub index: String,
    pub setup_s: f64,
    pub index_build_s: f64,
    pub requests: usize,
    /// 20 tracks, default caps (2 per artist, 2 per album), no other constraint.
    pub plain_p50_ms: f64,
    pub plain_p99_ms: f64,
    /// 20 tracks, default caps, ±8 % tempo and key-compatible.
    pub constrained_p50_ms: f64,
    pub constrained_p99_ms: f64,
    /// Mean length of the constrained playlists (they may come out shorter).
    pub constrained_mean_length: f64,
}

/// Plausible features: `styles` clusters of timbre, tempo and mode; keys anywhere.
fn synthetic_features(
    rng: &mut crate::index::synthetic::Rng,
    styles: &[[f32; 4]],
) -> crate::analysis::Features {
    use crate::analysis::key::{Key, Scale};
    use crate::analysis::tempo::Tempo;
    let style = styles[(rng.next_u64() % styles.len() as u64) as usize];
    let mut f = crate::analysis::Features {
        version: crate::analysis::ANALYSIS_VERSION,
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
    for i in 0..crate::analysis::timbre::MFCC_COUNT {
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
pub async fn playlist(
    dir: &std::path::Path,
    tracks: usize,
    requests: usize,
) -> crate::Result<PlaylistBench> {
    use crate::index::synthetic::Rng;
    use crate::playlist::{PlaylistRequest, TempoRange};
    use crate::store::AnalysisOutcome;
    let started = Instant::now();
    let library = crate::Library::open(dir).await?;
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
            .pending_analysis(crate::analysis::ANALYSIS_VERSION, None, after, 2_000)
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
    let (ids, _) = store.feature_ids(crate::analysis::ANALYSIS_VERSION).await?;
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

/// `segue bench preview`: the preview player on a paced virtual device (a stand-in for a sound
/// card that calls the real audio callback every 10 ms).
#[derive(Debug, Serialize)]
pub struct PreviewBench {
    pub files: usize,
    /// From `play()` to the first non-silent sample leaving the callback, per file.
    pub latency_p50_ms: f64,
    pub latency_max_ms: f64,
    /// Process CPU while playing, in % of one core (player threads + the virtual device).
    pub cpu_percent_of_one_core: f64,
    pub underruns_idle: u64,
    /// Underruns while `load_threads` threads analyse files flat out.
    pub underruns_loaded: u64,
    pub load_threads: usize,
    pub loaded_seconds: f64,
    /// Periods the virtual device itself was scheduled late under load.
    pub late_periods: u64,
}

/// Plays each file briefly for latency, then one file for `seconds` idle and `seconds` under
/// full analysis load.
pub fn preview(paths: &[std::path::PathBuf], seconds: f64) -> crate::Result<PreviewBench> {
    use crate::audio::preview::{DeviceProbe, Output, Player, VirtualDevice};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let probe = Arc::new(DeviceProbe::default());
    let device = VirtualDevice {
        rate: 48_000,
        channels: 2,
        period_frames: 480,
        probe: Arc::clone(&probe),
    };
    let err = |e: crate::audio::preview::PreviewError| crate::Error::Other(e.to_string());
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
    let first = paths
        .first()
        .ok_or_else(|| crate::Error::Other("give at least one file".into()))?;
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
                    let _ = crate::analysis::analyze_file(&files[k % files.len()]);
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

/// One point of the patches-per-track curve: how close N patches come to the whole track.
#[derive(Debug, Serialize)]
pub struct PatchCurvePoint {
    pub patches: usize,
    /// Mean over files of the mean |p(N) − p(all)| over the 100 tag probabilities.
    pub mean_abs_error: f64,
    /// Mean over files of the share of the whole track's top-5 tags (both models) found in
    /// the top 5 with N patches.
    pub top5_agreement: f64,
    /// Mean cosine between the N-patch and the whole-track embedding.
    pub embedding_cosine: f64,
    /// Mean CPU milliseconds per track for N patches (front end + both models), measured.
    pub ms_per_track: f64,
}

#[derive(Debug, Serialize)]
pub struct MusicnnBench {
    /// One patch through one model on one thread: median and 90th percentile, ms.
    pub patch_ms_p50: f64,
    pub patch_ms_p90: f64,
    /// Front end of one patch: resampling its 44.1 kHz source to 16 kHz, mel and log, ms.
    pub frontend_ms_per_patch: f64,
    pub files: usize,
    pub curve: Vec<PatchCurvePoint>,
    /// Whole analysis per file on one thread, CPU seconds, without and with tags at the
    /// default patch count (decode included).
    pub analysis_cpu_s: f64,
    pub analysis_with_tags_cpu_s: f64,
    pub audio_s: f64,
    pub default_patches: usize,
}

/// MusiCNN speed and the patches-per-track trade-off, on this thread.
pub fn musicnn(
    paths: &[std::path::PathBuf],
    counts: &[usize],
) -> std::result::Result<MusicnnBench, crate::musicnn::net::NetError> {
    use crate::analysis::{analyze_file_with, TagRequest};
    use crate::musicnn::frontend::{FrontEnd, PATCH_FRAMES};
    use crate::musicnn::tagger::{choose_patches, file_patches_at, Tagger, DEFAULT_MAX_PATCHES};

    let tagger = Tagger::load_default()?;
    let (msd, mtt) = (
        tagger.network(crate::musicnn::Model::Msd),
        tagger.network(crate::musicnn::Model::Mtt),
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
        let samples = (PATCH_FRAMES + 1) * crate::musicnn::frontend::HOP;
        let t = thread_cpu_s();
        for _ in 0..5 {
            std::hint::black_box(crate::musicnn::frontend::resample_range_to_16k(
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
        let plain = crate::analysis::analyze_file(path);
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
