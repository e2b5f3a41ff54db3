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

/// The process's peak resident memory (Linux `VmHWM`), in MB.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
