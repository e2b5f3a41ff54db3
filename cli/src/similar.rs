//! `segue similar` (by track, by file, in batches) and `segue index stats|rebuild`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use segue::{Library, SimilarTrack};

use crate::print::{self, clip, or_dash, shown_title};
use crate::resolve;

#[derive(clap::Args)]
pub struct Args {
    /// Track id, a library track's path, or any audio file (analysed on the fly)
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    track: Option<String>,
    /// Answer for every id or path in this file (one per line) in one batch
    #[arg(long, value_name = "FILE")]
    batch: Option<PathBuf>,
    /// How many tracks to list
    #[arg(short = 'n', long, default_value_t = 10)]
    count: usize,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct IndexArgs {
    #[command(subcommand)]
    action: IndexAction,
}

impl IndexArgs {
    /// `stats` only reads: it may run beside the app.
    pub fn only_reads(&self) -> bool {
        matches!(self.action, IndexAction::Stats { .. })
    }
}

#[derive(Subcommand)]
enum IndexAction {
    /// Type, size, parameters, memory and last build of the similarity index
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the index from the stored features (no re-analysis) and wait for it
    Rebuild {
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(library: &Library, args: Args) -> Result<()> {
    library.index_ready().await?;
    if let Some(file) = &args.batch {
        return batch(library, file, args.count, args.json).await;
    }
    let arg = args
        .track
        .as_deref()
        .context("give a track or --batch FILE")?;
    let results = similar_to(library, arg, args.count).await?;
    if args.json {
        return print::json(&results);
    }
    for r in &results {
        println!(
            "{}  {:>6}  {:<32}  {:<24}  {:>5}  {:<4}",
            print::similarity(r.r#match, r.closeness, r.score),
            r.track.id,
            clip(&shown_title(&r.track.title, &r.track.path), 32),
            clip(or_dash(r.track.artist.as_deref()), 24),
            print::bpm(r.track.bpm),
            print::key(r.track.key.as_deref(), r.track.scale.as_deref())
        );
    }
    eprintln!("{} similar tracks", results.len());
    Ok(())
}

/// Tracks like a library track (by id or path) or like any audio file.
async fn similar_to(library: &Library, arg: &str, count: usize) -> Result<Vec<SimilarTrack>> {
    match resolve::track_or_file(library, arg).await? {
        Some(id) => {
            if library.track(id).await?.is_none() {
                bail!("no track with id {id}");
            }
            library
                .similar(id, count)
                .await?
                .with_context(|| format!("track {arg} is not analysed yet (run `segue analyze`)"))
        }
        None => Ok(library.similar_to_file(Path::new(arg), count).await?),
    }
}

/// One query per line of `file`: library tracks go to the index in one batch; outside files
/// are analysed one by one.
async fn batch(library: &Library, file: &Path, count: usize, json: bool) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let queries: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut ids = Vec::with_capacity(queries.len());
    for q in &queries {
        ids.push(resolve::track_or_file(library, q).await?);
    }
    let known: Vec<i64> = ids.iter().flatten().copied().collect();
    let mut answers = library.similar_batch(&known, count).await?.into_iter();
    let mut out = Vec::with_capacity(queries.len());
    for (q, id) in queries.iter().zip(&ids) {
        let results = match id {
            Some(id) => answers
                .next()
                .flatten()
                .with_context(|| format!("track {id} ({q}) is not analysed yet"))?,
            None => library.similar_to_file(Path::new(q), count).await?,
        };
        out.push(serde_json::json!({ "query": q, "results": results }));
    }
    if json {
        return print::json(&out);
    }
    for entry in &out {
        println!("{}", entry["query"].as_str().unwrap_or_default());
        for r in entry["results"].as_array().into_iter().flatten() {
            println!(
                "  {:>5.3}  {:>6}  {}",
                r["score"].as_f64().unwrap_or_default(),
                r["id"],
                r["path"].as_str().unwrap_or_default()
            );
        }
    }
    Ok(())
}

pub async fn index(library: &Library, args: IndexArgs) -> Result<()> {
    let (stats, json) = match args.action {
        IndexAction::Stats { json } => {
            library.index_ready().await?;
            (library.index_stats()?, json)
        }
        IndexAction::Rebuild { json } => (library.rebuild_index().await?, json),
    };
    if json {
        return print::json(&stats);
    }
    println!(
        "{} index ({:?}): {} tracks, dimension {}, layout {}",
        stats.index_type, stats.state, stats.count, stats.dimension, stats.layout
    );
    if stats.nlist > 0 {
        let recall = |r: Option<f32>| r.map_or("-".to_string(), |r| format!("{r:.3}"));
        println!(
            "  {} cells, {} visited per query; recall@10 measured at build: {} on library tracks, {} near them",
            stats.nlist,
            stats.nprobe,
            recall(stats.measured_recall),
            recall(stats.measured_recall_near),
        );
    }
    if stats.refine_k > 0 {
        println!(
            "  {} candidates re-ranked by the full vectors on disk ({:.1} MB)",
            stats.refine_k,
            stats.bytes_on_disk as f64 / 1e6
        );
    }
    println!(
        "  {:.1} MB in memory; built {} in {} ms",
        stats.bytes_in_memory as f64 / 1e6,
        stats.built_at.as_deref().unwrap_or("never"),
        stats.build_ms.unwrap_or(0)
    );
    if let Some(w) = &stats.warning {
        println!("  warning: {w}");
    }
    Ok(())
}
