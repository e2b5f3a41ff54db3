//! `segue bench ramps --labels FILE`: playlists that ramp against the same playlists unramped,
//! on a library whose tracks carry a ground-truth group (the shared corpus: one soundtrack per
//! group). For every labelled seed of a group with enough tracks: same-group precision of the
//! first five rows and of the whole list, and for the tempo ramps Spearman's rank correlation
//! of position with BPM. Nothing in a ramp is tuned on data.

use std::path::Path;

use anyhow::Result;
use segue::playlist::{PlaylistRequest, Ramp};
use segue::Library;
use serde::Serialize;

use super::labels::Labelled;
use super::{print_json, spearman};

#[derive(Debug, Default, Serialize)]
struct Figures {
    ramp: String,
    seeds: usize,
    p5: f64,
    precision: f64,
    mean_length: f64,
    /// Mean over lists of Spearman(position, BPM) (tempo ramps; others: of the energy order,
    /// not shown here).
    tempo_spearman: Option<f64>,
}

pub async fn run(
    library: &Library,
    labels_file: &Path,
    min_group: usize,
    json: bool,
) -> Result<()> {
    let labelled = Labelled::read(library, labels_file, min_group).await?;
    let group_of = &labelled.group_of;
    let seeds = labelled.seeds();
    let mut rows = Vec::new();
    for ramp in std::iter::once(None).chain(Ramp::ALL.map(Some)) {
        let mut f = Figures {
            ramp: ramp
                .map_or("none (the default order)", Ramp::name)
                .to_string(),
            ..Figures::default()
        };
        let mut spearmans = Vec::new();
        for &seed in &seeds {
            let request = PlaylistRequest {
                seeds: vec![seed],
                ramp,
                ..PlaylistRequest::default()
            };
            let made = library.make_playlist(&request).await?;
            let same: Vec<bool> = made
                .entries
                .iter()
                .map(|e| group_of.get(&e.track.id) == group_of.get(&seed))
                .collect();
            let share = |k: usize| {
                let n = same.len().min(k);
                if n == 0 {
                    0.0
                } else {
                    same[..n].iter().filter(|s| **s).count() as f64 / n as f64
                }
            };
            f.seeds += 1;
            f.p5 += share(5);
            f.precision += share(same.len());
            f.mean_length += same.len() as f64;
            if matches!(ramp, Some(Ramp::TempoUp | Ramp::TempoDown)) {
                let bpm: Vec<f64> = made.entries.iter().filter_map(|e| e.track.bpm).collect();
                let position: Vec<f64> = (0..bpm.len()).map(|i| i as f64).collect();
                spearmans.push(spearman(&position, &bpm));
            }
        }
        let n = f.seeds.max(1) as f64;
        f.p5 /= n;
        f.precision /= n;
        f.mean_length /= n;
        if !spearmans.is_empty() {
            f.tempo_spearman = Some(spearmans.iter().sum::<f64>() / spearmans.len() as f64);
        }
        rows.push(f);
    }
    if json {
        return print_json(&rows);
    }
    println!(
        "ramps bench: {} seeds in groups of ≥ {min_group} labelled tracks, default playlists of 20",
        seeds.len()
    );
    println!(
        "{:<26} {:>6} {:>10} {:>8} {:>16}",
        "ramp", "P@5", "precision", "length", "Spearman(BPM)"
    );
    for f in &rows {
        println!(
            "{:<26} {:>6.3} {:>10.3} {:>8.1} {:>16}",
            f.ramp,
            f.p5,
            f.precision,
            f.mean_length,
            f.tempo_spearman.map_or("—".into(), |s| format!("{s:.3}"))
        );
    }
    Ok(())
}
