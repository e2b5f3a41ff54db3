//! The order of the chosen tracks: by similarity, as a smooth flow, or harmonically.

use super::keys::key_relation;
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
                    (Some(a), Some(b)) => tempo_step(a, b),
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

/// The cost of a tempo step in a DJ's terms: the change in log-tempo, where exactly half or
/// double time (within 4 %) counts as the same pulse; anything else is the plain change. (An
/// octave-folded ratio alone would take 90 → 166 BPM for a small step: 166 is not 180.)
fn tempo_step(from: f64, to: f64) -> f32 {
    let ratio = to / from;
    let plain = ratio.ln().abs();
    let octave = [2.0f64, 0.5]
        .iter()
        .map(|o| (ratio / o).ln().abs())
        .filter(|d| *d <= 0.04)
        .fold(f64::MAX, f64::min);
    (plain.min(octave) * 12.0) as f32
}

#[cfg(test)]
mod tests {
    use super::tempo_step;

    #[test]
    fn a_tempo_step_counts_exact_double_time_as_no_jump_and_a_near_octave_as_a_jump() {
        assert!(tempo_step(90.0, 92.0) < 0.3);
        assert!(tempo_step(90.0, 180.0) < 0.1, "double time");
        assert!(
            tempo_step(90.0, 166.0) > 5.0,
            "166 is a jump from 90, not double time"
        );
        assert!(tempo_step(86.0, 140.0) > 5.0);
    }
}
