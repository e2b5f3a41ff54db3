//! `segue bench journeys`: journeys between random pairs of the library's analysed tracks
//! (deterministic pairs), against a naive baseline — the N tracks nearest the pair's midpoint,
//! sorted by their projection on the way from A to B. For each: the ends kept, repeats, how
//! steadily the path moves (Spearman's rank correlation of position with similarity to B, and
//! with similarity to A), and its largest step (chord distance between consecutive tracks).
//! Nothing in a journey is tuned on data: the figures are the same on any half of a library.

use std::collections::{HashMap, HashSet};

use anyhow::{bail, Result};
use segue::index::dot;
use segue::playlist::PlaylistRequest;
use segue::Library;
use serde::Serialize;

use super::{print_json, spearman};

#[derive(Debug, Default, Serialize)]
struct Figures {
    method: String,
    pairs: usize,
    /// Paths that start at A and end at B.
    ends_kept: usize,
    paths_with_repeats: usize,
    mean_length: f64,
    /// Mean Spearman of position with similarity to B (1: rises all the way).
    toward_b: f64,
    /// Mean Spearman of position with similarity to A (-1: falls all the way).
    away_from_a: f64,
    /// Mean over pairs of the path's largest step.
    largest_step: f64,
    /// Mean step.
    mean_step: f64,
}

fn chord(a: &[f32], b: &[f32]) -> f64 {
    f64::from((2.0 - 2.0 * dot(a, b)).max(0.0)).sqrt()
}

/// Adds one path's figures.
fn measure(into: &mut Figures, path: &[i64], a: i64, b: i64, vector: &HashMap<i64, &[f32]>) {
    into.pairs += 1;
    if path.first() == Some(&a) && path.last() == Some(&b) {
        into.ends_kept += 1;
    }
    if path.iter().collect::<HashSet<_>>().len() != path.len() {
        into.paths_with_repeats += 1;
    }
    into.mean_length += path.len() as f64;
    let v: Vec<&[f32]> = path
        .iter()
        .filter_map(|id| vector.get(id).copied())
        .collect();
    let position: Vec<f64> = (0..v.len()).map(|i| i as f64).collect();
    let to = |end: i64| -> Vec<f64> { v.iter().map(|x| f64::from(dot(x, vector[&end]))).collect() };
    into.toward_b += spearman(&position, &to(b));
    into.away_from_a += spearman(&position, &to(a));
    let steps: Vec<f64> = v.windows(2).map(|w| chord(w[0], w[1])).collect();
    into.largest_step += steps.iter().copied().fold(0.0, f64::max);
    into.mean_step += steps.iter().sum::<f64>() / steps.len().max(1) as f64;
}

fn finish(mut f: Figures) -> Figures {
    let n = f.pairs.max(1) as f64;
    f.mean_length /= n;
    f.toward_b /= n;
    f.away_from_a /= n;
    f.largest_step /= n;
    f.mean_step /= n;
    f
}

/// The baseline: A, the `length - 2` tracks nearest the midpoint of A and B sorted by their
/// projection on B − A, then B.
fn baseline(a: i64, b: i64, length: usize, ids: &[i64], vector: &HashMap<i64, &[f32]>) -> Vec<i64> {
    let (va, vb) = (vector[&a], vector[&b]);
    let mid: Vec<f32> = va.iter().zip(vb).map(|(x, y)| (x + y) / 2.0).collect();
    let way: Vec<f32> = vb.iter().zip(va).map(|(x, y)| x - y).collect();
    let mut near: Vec<(i64, f32)> = ids
        .iter()
        .filter(|id| **id != a && **id != b)
        .map(|id| (*id, dot(vector[id], &mid)))
        .collect();
    near.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    near.truncate(length.saturating_sub(2));
    near.sort_by(|x, y| dot(vector[&x.0], &way).total_cmp(&dot(vector[&y.0], &way)));
    std::iter::once(a)
        .chain(near.into_iter().map(|(id, _)| id))
        .chain(std::iter::once(b))
        .collect()
}

pub async fn run(
    library: &Library,
    pairs: usize,
    length: usize,
    seed: u64,
    json: bool,
) -> Result<()> {
    library.index_ready().await?;
    let (ids, flat) = library.index_vectors().await?;
    if ids.len() < length + 2 {
        bail!(
            "the library has {} analysed tracks: too few for journeys of {length}",
            ids.len()
        );
    }
    let dim = flat.len() / ids.len();
    let vector: HashMap<i64, &[f32]> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, &flat[i * dim..(i + 1) * dim]))
        .collect();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut journey = Figures {
        method: "segue journey".into(),
        ..Figures::default()
    };
    let mut naive = Figures {
        method: "baseline (nearest the midpoint, by projection)".into(),
        ..Figures::default()
    };
    let started = std::time::Instant::now();
    for _ in 0..pairs {
        let a = ids[rng.usize(..ids.len())];
        let mut b = ids[rng.usize(..ids.len())];
        while b == a {
            b = ids[rng.usize(..ids.len())];
        }
        let request = PlaylistRequest {
            seeds: vec![a],
            journey_to: Some(b),
            length,
            ..PlaylistRequest::default()
        };
        let made = library.make_playlist(&request).await?;
        let path: Vec<i64> = made.entries.iter().map(|e| e.track.id).collect();
        measure(&mut journey, &path, a, b, &vector);
        measure(
            &mut naive,
            &baseline(a, b, length, &ids, &vector),
            a,
            b,
            &vector,
        );
    }
    let per_journey = started.elapsed().as_secs_f64() * 1000.0 / pairs.max(1) as f64;
    let rows = [finish(journey), finish(naive)];
    if json {
        return print_json(&rows);
    }
    println!(
        "journeys bench: {} analysed tracks, {pairs} random pairs (seed {seed}), length {length} ({per_journey:.1} ms per journey, baseline included)",
        ids.len()
    );
    println!(
        "{:<48} {:>6} {:>8} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "method", "ends", "repeats", "length", "toward B", "from A", "max step", "mean step"
    );
    for f in &rows {
        println!(
            "{:<48} {:>6} {:>8} {:>7.1} {:>9.3} {:>9.3} {:>9.3} {:>9.3}",
            f.method,
            format!("{}/{}", f.ends_kept, f.pairs),
            f.paths_with_repeats,
            f.mean_length,
            f.toward_b,
            f.away_from_a,
            f.largest_step,
            f.mean_step
        );
    }
    Ok(())
}
