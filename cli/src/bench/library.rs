//! `segue bench scan` and `segue bench table`: scanning generated files, and the queries the
//! app makes at start on a large synthetic library.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use segue::audio::encode::{write_flac, write_tags, write_wav};
use segue::audio::synth;
use segue::metadata::Tags;
use segue::{CancellationToken, Library, ScanOptions, TrackQuery};
use serde::Serialize;

use super::{ms, print_json};

/// Generates `files` files once, then scans them into a fresh library per worker count.
pub async fn scan(scratch: &Path, files: usize, workers: &[usize], json: bool) -> Result<()> {
    let dir = scratch.join("music");
    let generate_s = generate(&dir, files).await?;
    if !json {
        println!("generated {files} tagged FLAC/WAV files in {generate_s:.1} s (page cache warm from here on)");
    }
    let mut results = Vec::new();
    for (i, &w) in workers.iter().enumerate() {
        let data = scratch.join(format!("data-{i}"));
        let mut r = scan_once(&dir, &data, files, w).await?;
        r.generate_s = generate_s;
        if !json {
            println!(
                "scan bench: {} files, {} workers: first scan {:.2} s = {:.0} files/s; no-change rescan {:.3} s; first table page {:.1} ms",
                r.files, r.workers, r.first_scan_s, r.first_scan_files_per_s, r.rescan_s, r.table_first_page_ms
            );
        }
        results.push(r);
    }
    if json {
        print_json(&results)?;
    }
    Ok(())
}

/// The app's start-up queries on a library of `tracks` synthetic rows.
pub async fn table(scratch: &Path, tracks: i64, json: bool) -> Result<()> {
    let r = measure_table(scratch, tracks).await?;
    if json {
        return print_json(&r);
    }
    println!(
        "table bench: {} tracks: open {:.1} ms, overview {:.1} ms, first page {:.1} ms, sorted by artist {:.1} ms, last page {:.1} ms (first deep page), middle page {:.1} ms, last page by artist {:.1} ms, last page again {:.1} ms, first page by title descending {:.1} ms, by artist descending {:.1} ms, by album {:.1} ms, by duration descending {:.1} ms, search {:.1} ms (estimated {}; its count {:.1} ms), selective search {:.1} ms, typing \"artist 4242\" slowest key {:.1} ms",
        r.tracks, r.open_ms, r.overview_ms, r.first_page_ms, r.sorted_page_ms, r.deep_page_ms,
        r.middle_page_ms, r.deep_artist_page_ms, r.deep_page_again_ms, r.descending_page_ms,
        r.artist_desc_page_ms, r.album_page_ms, r.duration_desc_page_ms,
        r.search_ms, r.search_estimated, r.search_count_ms, r.selective_search_ms, r.typing_max_ms
    );
    Ok(())
}

#[derive(Debug, Serialize)]
struct ScanBench {
    files: usize,
    workers: usize,
    generate_s: f64,
    first_scan_s: f64,
    first_scan_files_per_s: f64,
    rescan_s: f64,
    table_first_page_ms: f64,
}

/// Generates `files` small tagged files (FLAC and WAV, 4 s at 8 kHz) under `dir`; returns the
/// seconds it took.
async fn generate(dir: &Path, files: usize) -> Result<f64> {
    let started = Instant::now();
    let dir_owned = dir.to_path_buf();
    tokio::task::spawn_blocking(move || generate_files(&dir_owned, files)).await??;
    Ok(started.elapsed().as_secs_f64())
}

/// Times the first scan of the `files` files in `dir` and a no-change rescan, into a fresh
/// library in `data_dir`.
async fn scan_once(dir: &Path, data_dir: &Path, files: usize, workers: usize) -> Result<ScanBench> {
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
        bail!("expected {files} tracks, scan added {}", first.added);
    }
    let t = Instant::now();
    let again = library
        .scan(None, &options, Arc::new(|_| {}), &CancellationToken::new())
        .await?;
    let rescan_s = t.elapsed().as_secs_f64();
    if !again.is_no_op() {
        bail!("rescan changed things: {again:?}");
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
        std::fs::create_dir_all(&sub).with_context(|| format!("{}", sub.display()))?;
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
struct TableBench {
    tracks: i64,
    open_ms: f64,
    overview_ms: f64,
    first_page_ms: f64,
    sorted_page_ms: f64,
    /// The last page by title: the first deep page waits for the ordering's read (started
    /// in the background by the first page).
    deep_page_ms: f64,
    /// Then: the middle page by title, the last page by artist, the last page by title again.
    middle_page_ms: f64,
    deep_artist_page_ms: f64,
    deep_page_again_ms: f64,
    /// The first page of other orders, each its first request.
    descending_page_ms: f64,
    artist_desc_page_ms: f64,
    album_page_ms: f64,
    duration_desc_page_ms: f64,
    /// "artist 42": one word every track has, one short; then "4242" (a few hundred tracks).
    search_ms: f64,
    /// Whether its total was an estimate, and the exact count asked after it.
    search_estimated: bool,
    search_count_ms: f64,
    selective_search_ms: f64,
    /// The slowest first page while typing "artist 4242" key by key (each prefix asked once).
    typing_max_ms: f64,
}

/// Fills a library with `tracks` synthetic rows (no files) and times what the app does at
/// start: open, overview, the first page, a sort, a deep scroll and a search.
async fn measure_table(data_dir: &Path, tracks: i64) -> Result<TableBench> {
    {
        let library = Library::open(data_dir).await?;
        library.seed_synthetic_tracks(tracks).await?;
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
        .track_page(&page(segue::SortKey::Title, 0, None))
        .await?;
    let first_page_ms = ms(t);
    let t = Instant::now();
    library
        .track_page(&page(segue::SortKey::Artist, 0, None))
        .await?;
    let sorted_page_ms = ms(t);
    let t = Instant::now();
    library
        .track_page(&page(segue::SortKey::Title, stats.tracks - 200, None))
        .await?;
    let deep_page_ms = ms(t);
    let t = Instant::now();
    library
        .track_page(&page(segue::SortKey::Title, stats.tracks / 2, None))
        .await?;
    let middle_page_ms = ms(t);
    let t = Instant::now();
    library
        .track_page(&page(segue::SortKey::Artist, stats.tracks - 200, None))
        .await?;
    let deep_artist_page_ms = ms(t);
    let t = Instant::now();
    library
        .track_page(&page(segue::SortKey::Title, stats.tracks - 200, None))
        .await?;
    let deep_page_again_ms = ms(t);
    let t = Instant::now();
    library
        .track_page(&TrackQuery {
            desc: true,
            ..page(segue::SortKey::Title, 0, None)
        })
        .await?;
    let descending_page_ms = ms(t);
    let first_of = |sort, desc| TrackQuery {
        desc,
        ..page(sort, 0, None)
    };
    let t = Instant::now();
    library
        .track_page(&first_of(segue::SortKey::Artist, true))
        .await?;
    let artist_desc_page_ms = ms(t);
    let t = Instant::now();
    library
        .track_page(&first_of(segue::SortKey::Album, false))
        .await?;
    let album_page_ms = ms(t);
    let t = Instant::now();
    library
        .track_page(&first_of(segue::SortKey::Duration, true))
        .await?;
    let duration_desc_page_ms = ms(t);
    let t = Instant::now();
    let searched = page(segue::SortKey::Title, 0, Some("artist 42"));
    let search_estimated = library.track_page(&searched).await?.estimated;
    let search_ms = ms(t);
    let t = Instant::now();
    library.count_tracks(&searched).await?;
    let search_count_ms = ms(t);
    let t = Instant::now();
    library
        .track_page(&page(segue::SortKey::Title, 0, Some("4242")))
        .await?;
    let selective_search_ms = ms(t);
    let typed = "artist 4242";
    let mut typing_max_ms = 0.0f64;
    for end in 1..=typed.len() {
        let t = Instant::now();
        library
            .track_page(&page(segue::SortKey::Title, 0, Some(&typed[..end])))
            .await?;
        typing_max_ms = typing_max_ms.max(ms(t));
    }
    Ok(TableBench {
        tracks: stats.tracks,
        open_ms,
        overview_ms,
        first_page_ms,
        sorted_page_ms,
        deep_page_ms,
        middle_page_ms,
        deep_artist_page_ms,
        deep_page_again_ms,
        descending_page_ms,
        artist_desc_page_ms,
        album_page_ms,
        duration_desc_page_ms,
        search_ms,
        search_estimated,
        search_count_ms,
        selective_search_ms,
        typing_max_ms,
    })
}
