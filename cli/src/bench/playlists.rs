//! `segue bench playlists --labels FILE`: how much of each playlist sounds like its seed, on a
//! library whose tracks carry a ground-truth group (the shared corpus: one game soundtrack per
//! group). Every labelled track of a group with enough tracks is a seed; each rule (caps,
//! floor) makes a default playlist of 20 from it; same-group precision of the whole playlist,
//! the share of rows below the floor and the mean length are printed per rule, for two halves
//! of the groups: the defaults are chosen on the first (tuning) half and reported on the
//! second (held-out) half. `segue similar`'s plain neighbour list is the reference.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::Result;
use segue::playlist::{PlaylistRequest, Thresholds};
use segue::Library;
use serde::Serialize;

use super::labels::Labelled;
use super::print_json;

/// One way of making playlists, as measured.
struct Rule {
    name: String,
    max_per: usize,
    floor: Option<f32>,
    relax_caps: bool,
    cap_margin: Option<f32>,
}

fn rules() -> Vec<Rule> {
    let rule = |name: String, max_per, floor, relax_caps, cap_margin| Rule {
        name,
        max_per,
        floor,
        relax_caps,
        cap_margin,
    };
    let mut out = vec![
        rule("caps off, no floor".into(), 0, None, false, None),
        rule(
            "caps 2/2 strict, no floor (before)".into(),
            2,
            None,
            false,
            None,
        ),
    ];
    out.push(rule(
        "caps off, floor 0.85".into(),
        0,
        Some(0.85),
        false,
        None,
    ));
    for floor in [0.80, 0.85, 0.90, 0.95] {
        let name = format!("caps 2/2 loosen when short, floor {floor:.2}");
        out.push(rule(name, 2, Some(floor), true, None));
    }
    for margin in [0.002, 0.005, 0.01, 0.02] {
        for floor in [0.85, 0.90] {
            let name = format!("caps 2/2 margin {margin}, floor {floor:.2}");
            out.push(rule(name, 2, Some(floor), true, Some(margin)));
        }
    }
    out
}

/// What one rule did on one half of the groups.
#[derive(Debug, Default, Clone, Serialize)]
struct Score {
    rule: String,
    half: String,
    queries: usize,
    p5: f64,
    p10: f64,
    p20: f64,
    /// Same-group rows per playlist (precision times length: a short list has fewer).
    same_group_rows: f64,
    /// Rows whose match is below the default floor.
    below_floor: f64,
    /// Rows from the playlist's most frequent album (what the caps hold down: variety).
    most_from_one_album: f64,
    mean_length: f64,
}

/// Hits of the first `k` rows over the rows there are (a short list is not charged for rows
/// it rightly left out; its length is reported beside).
fn precision(same: &[bool], k: usize) -> f64 {
    let n = same.len().min(k);
    if n == 0 {
        return 0.0;
    }
    same[..n].iter().filter(|&&s| s).count() as f64 / n as f64
}

pub async fn run(
    library: &Library,
    labels_file: &Path,
    root: Option<&Path>,
    min_group: usize,
    json: bool,
) -> Result<()> {
    let root = root
        .map(Path::to_path_buf)
        .or_else(|| labels_file.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let labelled = Labelled::read_under(library, labels_file, &root, min_group).await?;
    let (group_of, big) = (&labelled.group_of, &labelled.big);
    // Alternate groups (by name) into the tuning half and the held-out half.
    let half_of = |g: &str| match big.iter().position(|b| b == g) {
        Some(i) if i % 2 == 0 => Some("tuning"),
        Some(_) => Some("held-out"),
        None => None,
    };
    let mut seeds: Vec<(i64, &'static str)> = group_of
        .iter()
        .filter_map(|(id, g)| half_of(g).map(|h| (*id, h)))
        .collect();
    seeds.sort();
    if !json {
        println!(
            "playlists bench: {} labelled tracks, {} seeds in {} groups of ≥ {min_group} (tuning: {}; held-out: {})",
            group_of.len(),
            seeds.len(),
            big.len(),
            big.iter().step_by(2).cloned().collect::<Vec<_>>().join(", "),
            big.iter().skip(1).step_by(2).cloned().collect::<Vec<_>>().join(", ")
        );
    }
    let default_floor = Thresholds::default().floor;
    let mut scores = Vec::new();
    // The reference: the plain neighbour list.
    let mut reference: BTreeMap<&str, (Vec<Vec<bool>>, Vec<f32>)> = BTreeMap::new();
    for (id, half) in &seeds {
        let group = &group_of[id];
        let list = library.similar(*id, 20).await?.unwrap_or_default();
        let entry = reference.entry(half).or_default();
        entry.0.push(
            list.iter()
                .map(|s| group_of.get(&s.track.id) == Some(group))
                .collect(),
        );
        entry
            .1
            .extend(list.iter().map(|s| s.r#match.unwrap_or(1.0)));
    }
    for (half, (lists, matches)) in &reference {
        let mut s = score("segue similar (neighbour list)", half, lists);
        s.below_floor = below(matches, default_floor);
        scores.push(s);
    }
    for rule in rules() {
        let mut by_half: BTreeMap<&str, (Vec<Vec<bool>>, Vec<f32>)> = BTreeMap::new();
        let mut album_runs: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (id, half) in &seeds {
            let group = &group_of[id];
            let request = PlaylistRequest {
                seeds: vec![*id],
                max_per_artist: rule.max_per,
                max_per_album: rule.max_per,
                ..PlaylistRequest::default()
            };
            let playlist = library
                .make_playlist_judged(&request, rule.floor, rule.relax_caps, rule.cap_margin)
                .await?;
            let entry = by_half.entry(half).or_default();
            entry.0.push(
                playlist
                    .entries
                    .iter()
                    .map(|e| group_of.get(&e.track.id) == Some(group))
                    .collect(),
            );
            entry
                .1
                .extend(playlist.entries.iter().map(|e| e.r#match.unwrap_or(1.0)));
            let mut albums: HashMap<&str, usize> = HashMap::new();
            for e in &playlist.entries {
                *albums
                    .entry(e.track.album.as_deref().unwrap_or(""))
                    .or_default() += 1;
            }
            album_runs
                .entry(half)
                .or_default()
                .push(albums.into_values().max().unwrap_or(0));
        }
        for (half, (lists, matches)) in &by_half {
            let mut s = score(&rule.name, half, lists);
            s.below_floor = below(matches, default_floor);
            let runs = &album_runs[half];
            s.most_from_one_album = runs.iter().sum::<usize>() as f64 / runs.len().max(1) as f64;
            scores.push(s);
        }
    }
    if json {
        return print_json(&scores);
    }
    for half in ["tuning", "held-out"] {
        println!("\n{half} half:");
        println!(
            "{:<38} {:>6} {:>6} {:>6} {:>9} {:>8} {:>7} {:>9}",
            "rule", "P@5", "P@10", "P@20", "same/list", "below fl", "length", "one album"
        );
        for s in scores.iter().filter(|s| s.half == half) {
            println!(
                "{:<38} {:>6.3} {:>6.3} {:>6.3} {:>9.2} {:>8.3} {:>7.1} {:>9.1}",
                s.rule,
                s.p5,
                s.p10,
                s.p20,
                s.same_group_rows,
                s.below_floor,
                s.mean_length,
                s.most_from_one_album
            );
        }
    }
    Ok(())
}

/// The share of rows whose match is below `floor`.
fn below(matches: &[f32], floor: f32) -> f64 {
    matches.iter().filter(|m| **m < floor).count() as f64 / matches.len().max(1) as f64
}

fn score(rule: &str, half: &str, lists: &[Vec<bool>]) -> Score {
    let n = lists.len().max(1) as f64;
    let mean = |f: &dyn Fn(&Vec<bool>) -> f64| lists.iter().map(f).sum::<f64>() / n;
    Score {
        rule: rule.to_string(),
        half: half.to_string(),
        queries: lists.len(),
        p5: mean(&|l| precision(l, 5)),
        p10: mean(&|l| precision(l, 10)),
        p20: mean(&|l| precision(l, 20)),
        same_group_rows: mean(&|l| l.iter().filter(|s| **s).count() as f64),
        below_floor: 0.0,
        most_from_one_album: 0.0,
        mean_length: mean(&|l| l.len() as f64),
    }
}
