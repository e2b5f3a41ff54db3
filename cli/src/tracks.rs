//! `segue tracks`, `show`, `failures` and `stats`: what the library holds.

use anyhow::{Context, Result};
use segue::ingest::probe::human_duration;
use segue::Library;

use crate::print::{self, clip, or_dash, shown_title};
use crate::resolve;

#[derive(clap::Args)]
pub struct ListArgs {
    /// Only tracks whose title, artist, album, genre or path contain every word
    #[arg(long)]
    search: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct ShowArgs {
    /// Track id (as `segue tracks` lists it) or the file's path
    track: String,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct FailuresArgs {
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct StatsArgs {
    #[arg(long)]
    json: bool,
}

pub async fn list(library: &Library, args: ListArgs) -> Result<()> {
    if args.json {
        // Each track with its MusiCNN tags: label → probability (both models).
        return print::json(&library.tracks_with_tags(args.search.as_deref()).await?);
    }
    let tracks = library.tracks(args.search.as_deref()).await?;
    for t in &tracks {
        println!(
            "{:>6}  {:<32}  {:<24}  {:<24}  {:>7}  {:>5}  {:<4} {}",
            t.id,
            clip(&shown_title(&t.title, &t.path), 32),
            clip(or_dash(t.artist.as_deref()), 24),
            clip(or_dash(t.album.as_deref()), 24),
            t.duration_s.map(human_duration).unwrap_or_default(),
            print::bpm(t.bpm),
            print::key(t.key.as_deref(), t.scale.as_deref()),
            t.format
        );
    }
    eprintln!("{} tracks", tracks.len());
    Ok(())
}

pub async fn show(library: &Library, args: ShowArgs) -> Result<()> {
    let id = resolve::track_id(library, &args.track).await?;
    let detail = library
        .track_detail(id)
        .await?
        .with_context(|| format!("no track with id {id}"))?;
    if args.json {
        return print::json(&detail);
    }
    let t = &detail.track;
    println!("{}", t.path);
    println!(
        "  {} — {} ({})",
        t.artist.as_deref().unwrap_or("unknown artist"),
        t.title.as_deref().unwrap_or("untitled"),
        t.album.as_deref().unwrap_or("no album")
    );
    println!(
        "  {} · {} · status {}",
        t.format,
        t.duration_s.map(human_duration).unwrap_or_default(),
        t.status
    );
    let Some(f) = &detail.features else {
        println!("  not analysed");
        return Ok(());
    };
    match f.tempo {
        Some(tempo) => println!(
            "  tempo     {:.1} BPM (confidence {:.2})",
            tempo.bpm, tempo.confidence
        ),
        None => println!("  tempo     none"),
    }
    match f.key {
        Some(key) => println!(
            "  key       {} ({}), strength {:.2}, tuning {:+.0} cents",
            key.name(),
            key.camelot(),
            key.strength,
            f.tuning_cents
        ),
        None => println!("  key       none"),
    }
    let db = |v: Option<f64>, unit: &str| v.map_or("—".to_string(), |v| format!("{v:.1} {unit}"));
    println!(
        "  loudness  {} integrated, range {}, peak {}",
        db(f.loudness.integrated_lufs, "LUFS"),
        db(f.loudness.range_lu, "LU"),
        db(f.loudness.peak_dbfs, "dBFS")
    );
    println!(
        "  timbre    brightness {:.0} Hz, noisiness {:.2}, {:.1} onsets/s",
        f.timbre.centroid_hz.mean, f.timbre.flatness.mean, f.onset_rate
    );
    Ok(())
}

pub async fn failures(library: &Library, args: FailuresArgs) -> Result<()> {
    let failures = library.failures().await?;
    if args.json {
        return print::json(&failures);
    }
    for f in &failures {
        println!("{}\n    {}: {}", f.path, f.stage, f.reason);
    }
    eprintln!("{} failures", failures.len());
    Ok(())
}

pub async fn stats(library: &Library, args: StatsArgs) -> Result<()> {
    let stats = library.stats().await?;
    if args.json {
        return print::json(&stats);
    }
    println!("folders   {}", stats.folders);
    println!("tracks    {}", stats.tracks);
    println!("failures  {}", stats.failures);
    println!("duration  {}", human_duration(stats.total_duration_s));
    println!("size      {:.1} MB", stats.total_bytes as f64 / 1e6);
    for (format, n) in &stats.formats {
        println!("  {format:<12} {n}");
    }
    Ok(())
}
