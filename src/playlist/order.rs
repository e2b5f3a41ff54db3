//! The order of the chosen tracks: by similarity, as a smooth flow, or harmonically.

use super::keys::{folded_ratio, key_relation};
use super::{Candidate, Order, PlaylistRequest};
use crate::index::dot;

/// Orders the chosen tracks.
pub fn order<'a>(
    request: &PlaylistRequest,
    seeds: &[Candidate],
    query: &[f32],
    chosen: Vec<&'a Candidate>,
) -> Vec<&'a Candidate> {
    match request.order {
        Order::Similarity => chosen,
        Order::Flow => {
            // Greedy path: each next track is the one closest to the previous, pulled back
            // towards the seed so the path cannot wander off.
            let mut left = chosen;
            let mut out = Vec::with_capacity(left.len());
            let mut previous: Vec<f32> = seeds
                .first()
                .map_or_else(|| query.to_vec(), |s| s.vector.clone());
            while !left.is_empty() {
                let (best, _) = left
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        (
                            i,
                            0.5 * dot(&c.vector, &previous) + 0.5 * dot(&c.vector, query),
                        )
                    })
                    .fold((0, f32::MIN), |acc, x| if x.1 > acc.1 { x } else { acc });
                let next = left.remove(best);
                previous = next.vector.clone();
                out.push(next);
            }
            out
        }
        Order::Harmonic => {
            // Greedy with one step of lookahead: the next track is the one whose own step plus
            // the best step after it costs least, so the path does not walk into a key with
            // no way on.
            let step = |key: &Option<String>, bpm: Option<f64>, c: &Candidate| -> f32 {
                let key_cost = match (key, &c.row.camelot) {
                    (Some(k), Some(ck)) => match key_relation(ck, k) {
                        Some("same key") => 0.0,
                        Some(_) => 0.3,
                        _ => 2.0,
                    },
                    _ => 1.0,
                };
                let tempo_cost = match (bpm, c.row.bpm) {
                    (Some(a), Some(b)) => ((folded_ratio(b, a) - 1.0).abs() * 10.0) as f32,
                    _ => 0.5,
                };
                key_cost + tempo_cost - c.score
            };
            let mut left = chosen;
            let mut out = Vec::with_capacity(left.len());
            let mut key = seeds.first().and_then(|s| s.row.camelot.clone());
            let mut bpm = seeds.first().and_then(|s| s.row.bpm);
            while !left.is_empty() {
                let total = |i: usize| -> f32 {
                    let c = left[i];
                    let ahead = left
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .map(|(_, d)| step(&c.row.camelot, c.row.bpm, d))
                        .fold(f32::MAX, f32::min);
                    step(&key, bpm, c) + if ahead == f32::MAX { 0.0 } else { ahead }
                };
                let best = (0..left.len())
                    .map(|i| (i, total(i)))
                    .fold((0, f32::MAX), |acc, x| if x.1 < acc.1 { x } else { acc })
                    .0;
                let next = left.remove(best);
                key = next.row.camelot.clone().or(key);
                bpm = next.row.bpm.or(bpm);
                out.push(next);
            }
            out
        }
    }
}
