//! Re-ordering a list along a dimension: by tempo, energy or brightness (rising), as a walk
//! round the Camelot wheel, or as the smoothest flow (each track next to the one that sounds
//! most like it). The list's tracks stay the same; only their order changes.

use serde::{Deserialize, Serialize};

use super::profile::{Dimension, Profile};
use super::Candidate;
use crate::index::dot;

/// What a list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    /// Slowest first.
    Tempo,
    /// Calmest first (loudness and onsets).
    Energy,
    /// Darkest first.
    Brightness,
    /// From the first track's key round the Camelot wheel, a step at a time.
    Key,
    /// From the first track, each next the one that sounds most like it.
    Flow,
}

impl SortBy {
    pub const ALL: [SortBy; 5] = [
        SortBy::Tempo,
        SortBy::Energy,
        SortBy::Brightness,
        SortBy::Key,
        SortBy::Flow,
    ];

    /// The name the CLI takes and the JSON carries: "tempo", "key", …
    pub fn name(self) -> &'static str {
        match self {
            SortBy::Tempo => "tempo",
            SortBy::Energy => "energy",
            SortBy::Brightness => "brightness",
            SortBy::Key => "key",
            SortBy::Flow => "flow",
        }
    }
}

/// The new order of `tracks` (indices), with each track's profile beside it. Tracks the
/// analysis found nothing for on that dimension keep their order at the end.
pub fn sort_order(tracks: &[&Candidate], profiles: &[Profile], by: SortBy) -> Vec<usize> {
    match by {
        SortBy::Tempo => rising(profiles, Dimension::Tempo),
        SortBy::Energy => rising(profiles, Dimension::Energy),
        SortBy::Brightness => rising(profiles, Dimension::Brightness),
        SortBy::Key => camelot_walk(profiles),
        SortBy::Flow => smoothest_flow(tracks),
    }
}

fn rising(profiles: &[Profile], dimension: Dimension) -> Vec<usize> {
    let mut known: Vec<(usize, f64)> = profiles
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.value(dimension).map(|v| (i, v)))
        .collect();
    // A stable sort: equal values keep the list's order.
    known.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut order: Vec<usize> = known.into_iter().map(|(i, _)| i).collect();
    order.extend((0..profiles.len()).filter(|i| profiles[*i].value(dimension).is_none()));
    order
}

/// Camelot code → (number 1–12, letter).
fn wheel(code: &str) -> Option<(i32, char)> {
    let letter = code.chars().last()?;
    let number: i32 = code.get(..code.len().saturating_sub(1))?.parse().ok()?;
    ((1..=12).contains(&number) && matches!(letter, 'A' | 'B')).then_some((number, letter))
}

/// Steps between two keys on the wheel: round it, plus one to cross between minor and major.
fn wheel_steps(a: (i32, char), b: (i32, char)) -> i32 {
    let round = (a.0 - b.0).rem_euclid(12);
    round.min(12 - round) + i32::from(a.1 != b.1)
}

fn camelot_walk(profiles: &[Profile]) -> Vec<usize> {
    let keys: Vec<Option<(i32, char)>> = profiles
        .iter()
        .map(|p| p.camelot.as_deref().and_then(wheel))
        .collect();
    let mut left: Vec<usize> = (0..profiles.len()).filter(|i| keys[*i].is_some()).collect();
    let mut order = Vec::with_capacity(profiles.len());
    // From the first keyed track, each next the nearest key on the wheel (the list's order
    // breaks ties), so the walk moves round the wheel rather than jumping across it.
    let mut at = left.first().copied();
    while let Some(current) = at {
        left.retain(|i| *i != current);
        order.push(current);
        let here = keys[current].unwrap_or((1, 'A'));
        at = left
            .iter()
            .copied()
            .min_by_key(|i| (wheel_steps(here, keys[*i].unwrap_or(here)), *i));
    }
    order.extend((0..profiles.len()).filter(|i| keys[*i].is_none()));
    order
}

fn distance(a: &Candidate, b: &Candidate) -> f32 {
    if a.vector.is_empty() || b.vector.is_empty() {
        return 2.0;
    }
    (2.0 - 2.0 * dot(&a.vector, &b.vector)).max(0.0).sqrt()
}

/// The first track stays first; the rest follow as the shortest path through them: nearest
/// neighbour first, then 2-opt (reverse any stretch that shortens the path) until nothing
/// improves.
fn smoothest_flow(tracks: &[&Candidate]) -> Vec<usize> {
    let n = tracks.len();
    if n < 3 {
        return (0..n).collect();
    }
    let d = |i: usize, j: usize| distance(tracks[i], tracks[j]);
    let mut order = vec![0];
    let mut left: Vec<usize> = (1..n).collect();
    while !left.is_empty() {
        let last = order[order.len() - 1];
        let (at, _) = left
            .iter()
            .enumerate()
            .map(|(k, &i)| (k, d(last, i)))
            .fold((0, f32::MAX), |best, x| if x.1 < best.1 { x } else { best });
        order.push(left.remove(at));
    }
    // 2-opt on an open path with a fixed start: reversing order[i..=j] swaps the edges
    // (i-1, i) and (j, j+1) for (i-1, j) and (i, j+1).
    let mut improved = true;
    let mut rounds = 0;
    while improved && rounds < 50 {
        improved = false;
        rounds += 1;
        for i in 1..n - 1 {
            for j in i + 1..n {
                let before = d(order[i - 1], order[i])
                    + if j + 1 < n {
                        d(order[j], order[j + 1])
                    } else {
                        0.0
                    };
                let after = d(order[i - 1], order[j])
                    + if j + 1 < n {
                        d(order[i], order[j + 1])
                    } else {
                        0.0
                    };
                if after + 1e-6 < before {
                    order[i..=j].reverse();
                    improved = true;
                }
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playlist::tests::{row, vector};

    fn track(id: i64, angle: f32) -> Candidate {
        Candidate {
            row: row(id, "A", "B", &format!("S{id}")),
            vector: vector(angle),
            score: 0.0,
            passages: None,
        }
    }

    fn profile(bpm: Option<f64>, camelot: Option<&str>) -> Profile {
        Profile {
            bpm,
            camelot: camelot.map(str::to_string),
            ..Profile::default()
        }
    }

    #[test]
    fn names_are_the_json_names() {
        for by in SortBy::ALL {
            assert_eq!(
                serde_json::to_string(&by).expect("json"),
                format!("\"{}\"", by.name())
            );
        }
    }

    #[test]
    fn tempo_rises_and_unknown_tempi_go_last_in_their_order() {
        let t: Vec<Candidate> = (0..5).map(|i| track(i, 0.0)).collect();
        let refs: Vec<&Candidate> = t.iter().collect();
        let p = [
            profile(Some(128.0), None),
            profile(None, None),
            profile(Some(90.0), None),
            profile(None, None),
            profile(Some(100.0), None),
        ];
        assert_eq!(sort_order(&refs, &p, SortBy::Tempo), [2, 4, 0, 1, 3]);
    }

    #[test]
    fn the_key_walk_moves_round_the_wheel_from_the_first_key() {
        let t: Vec<Candidate> = (0..6).map(|i| track(i, 0.0)).collect();
        let refs: Vec<&Candidate> = t.iter().collect();
        let p = [
            profile(None, Some("8A")),
            profile(None, Some("11A")),
            profile(None, Some("9A")),
            profile(None, None),
            profile(None, Some("8B")),
            profile(None, Some("10A")),
        ];
        // 8A → 9A, 10A, 11A (a step each; 9A and 8B are both one away from 8A: the list's
        // order decides), then 8B; the keyless track last.
        assert_eq!(sort_order(&refs, &p, SortBy::Key), [0, 2, 5, 1, 4, 3]);
        assert_eq!(wheel_steps((12, 'A'), (1, 'A')), 1, "the wheel closes");
    }

    #[test]
    fn the_smoothest_flow_keeps_the_first_and_orders_the_rest_along_the_way() {
        let angles = [0.0f32, 0.5, 0.1, 0.4, 0.2, 0.3];
        let t: Vec<Candidate> = angles
            .iter()
            .enumerate()
            .map(|(i, a)| track(i as i64, *a))
            .collect();
        let refs: Vec<&Candidate> = t.iter().collect();
        let p = vec![Profile::default(); t.len()];
        assert_eq!(sort_order(&refs, &p, SortBy::Flow), [0, 2, 4, 5, 3, 1]);
    }
}
