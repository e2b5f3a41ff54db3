//! `segue map`: every placed track's point on the library map, laying the map out first when
//! it is due (or with `--rebuild`).

use anyhow::Result;
use segue::Library;
use serde::Serialize;

use crate::print::{self, clip};

#[derive(clap::Args)]
pub struct Args {
    /// Lay the map out afresh (from the stored vectors) and wait for it
    #[arg(long)]
    rebuild: bool,
    /// Print `[{id, x, y}]`
    #[arg(long)]
    json: bool,
}

impl Args {
    /// Showing the map only reads (as a guest, the map its owner keeps); `--rebuild` writes.
    pub fn only_reads(&self) -> bool {
        !self.rebuild
    }
}

#[derive(Serialize)]
struct Point {
    id: i64,
    x: f32,
    y: f32,
}

pub async fn run(library: &Library, args: Args) -> Result<()> {
    library.index_ready().await?;
    if args.rebuild {
        let summary = library.layout_map().await?;
        eprintln!(
            "laid out {} tracks in {:.1} s (neighbours {:.1} s, layout {:.1} s)",
            summary.points,
            summary.total_ms as f64 / 1000.0,
            summary.neighbours_ms as f64 / 1000.0,
            summary.layout_ms as f64 / 1000.0
        );
    }
    // A layout due (none yet, the vectors changed, the library doubled) starts with the first
    // look; a one-shot command waits for it and looks again.
    library.map().await?;
    library.wait_map_idle().await;
    let answer = library.map().await?;
    let p = &answer.points;
    if args.json {
        let points: Vec<Point> = (0..p.ids.len())
            .map(|i| Point {
                id: p.ids[i],
                x: p.x[i],
                y: p.y[i],
            })
            .collect();
        return print::json(&points);
    }
    if p.ids.is_empty() {
        println!(
            "No map yet: {} of {} tracks analysed (a map needs {}).",
            answer.analyzed,
            answer.tracks,
            segue::library::MAP_MIN_TRACKS
        );
        return Ok(());
    }
    println!(
        "{} tracks on the map ({} laid out, {} placed since){}",
        p.ids.len(),
        answer.laid_out,
        answer.placed,
        answer
            .built_at
            .as_deref()
            .map(|at| format!(", laid out {at}"))
            .unwrap_or_default()
    );
    println!("{:>6}  {:>7}  {:>7}  track", "id", "x", "y");
    for i in 0..p.ids.len() {
        let who = if p.artist[i].is_empty() {
            p.title[i].clone()
        } else {
            format!("{} — {}", p.title[i], p.artist[i])
        };
        println!(
            "{:>6}  {:>7.3}  {:>7.3}  {}",
            p.ids[i],
            p.x[i],
            p.y[i],
            clip(&who, 60)
        );
    }
    Ok(())
}
