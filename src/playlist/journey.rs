//! Journeys: from one track to another through the tracks between, in even, small steps. Each
//! step should sound like the one before, and the whole should walk from the start's sound to
//! the end's.
//!
//! The path is an elastic band: the tracks between minimise the sum of squared steps (an even
//! path: one big jump costs more than two half ones) plus each track's squared distance from
//! its waypoint on the great circle from start to end (so the path moves steadily towards the
//! end instead of lingering by the start). A beam search over the waypoints' nearest tracks
//! finds it, keeping the playlist's rules (tempo, key, tags, duration, folders) and its caps
//! and no-duplicate rule as it goes, and a path on which every step moves further from the
//! start towards the end is preferred to one that doubles back. No weight is fitted: the two
//! terms weigh the same; the search's budget (options, beam) was compared on one set of random
//! pairs and is reported on another (docs/benchmarks.md).

use super::rules::{count, Caps, Context, Limits};
use super::{Candidate, Rejection};
use crate::index::dot;

/// Tracks considered at each waypoint: its nearest that meet the rules.
const OPTIONS_PER_STEP: usize = 96;
/// Partial paths kept at each step.
const BEAM: usize = 48;
/// Partial paths kept that end on the same track (so the beam does not collapse onto one).
const SAME_END: usize = 4;

/// What a journey found between its ends.
pub struct Journey<'a> {
    /// The tracks between start and end, in order (fewer than asked when the library has
    /// fewer that meet the rules).
    pub between: Vec<&'a Candidate>,
    /// The caps in force in the end: the request's, or looser when they would have left the
    /// path short.
    pub limits: Limits,
    /// What each rule turned away.
    pub rejected: Vec<Rejection>,
}

/// `n` points evenly spaced on the great circle from `a` to `b` (unit vectors), ends
/// excluded: the i-th at t = i / (n + 1).
pub fn waypoints(a: &[f32], b: &[f32], n: usize) -> Vec<Vec<f32>> {
    let cos = f64::from(dot(a, b)).clamp(-1.0, 1.0);
    let angle = cos.acos();
    (1..=n)
        .map(|i| {
            let t = i as f64 / (n + 1) as f64;
            // Spherical interpolation; nearly equal ends fall back to the straight line.
            let (wa, wb) = if angle < 1e-4 {
                (1.0 - t, t)
            } else {
                let s = angle.sin();
                (((1.0 - t) * angle).sin() / s, (t * angle).sin() / s)
            };
            let mut w: Vec<f32> = a
                .iter()
                .zip(b)
                .map(|(x, y)| (wa * f64::from(*x) + wb * f64::from(*y)) as f32)
                .collect();
            crate::vector::normalize(&mut w);
            w
        })
        .collect()
}

/// Squared distance of two unit vectors.
fn distance2(a: &[f32], b: &[f32]) -> f32 {
    (2.0 - 2.0 * dot(a, b)).max(0.0)
}

#[derive(Clone)]
struct Partial {
    /// Indices into the eligible tracks.
    path: Vec<usize>,
    cost: f32,
}

/// The tracks between `start` and `end`: `between` of them when the rules and the library
/// allow. Candidates are the pool (the waypoints' neighbours); `ctx` holds the request's rules
/// with the ends as seeds.
pub fn journey<'a>(
    ctx: &Context<'_>,
    start: &Candidate,
    end: &Candidate,
    candidates: &'a [Candidate],
    between: usize,
) -> Journey<'a> {
    let mut rejected = Vec::new();
    let mut eligible: Vec<&Candidate> = Vec::new();
    for c in candidates {
        match ctx.breaks(c) {
            Some(rule) => count(&mut rejected, rule),
            None => eligible.push(c),
        }
    }
    let mut limits = Limits {
        per_artist: ctx.request.max_per_artist,
        per_album: ctx.request.max_per_album,
    };
    let mut wanted = between.min(eligible.len());
    loop {
        if wanted == 0 {
            return Journey {
                between: Vec::new(),
                limits,
                rejected,
            };
        }
        // A path that moves on towards the end at every step if there is one, else the best.
        let found = search(start, end, &eligible, wanted, limits, true)
            .or_else(|| search(start, end, &eligible, wanted, limits, false));
        if let Some(path) = found {
            return Journey {
                between: path.into_iter().map(|i| eligible[i]).collect(),
                limits,
                rejected,
            };
        }
        // The caps left no path of this length: loosen them (as playlists do), or walk fewer
        // steps when they may not give way or no longer hold anything.
        let capped = limits.per_artist > 0 || limits.per_album > 0;
        if ctx.relax_caps() && capped {
            let step = |l: usize| if l > 0 { l + 1 } else { 0 };
            limits = Limits {
                per_artist: step(limits.per_artist),
                per_album: step(limits.per_album),
            };
            // A cap above the whole journey holds nothing (0: none at all).
            let holds_nothing = |l: usize| l == 0 || l > between + 2;
            if holds_nothing(limits.per_artist) && holds_nothing(limits.per_album) {
                limits = Limits {
                    per_artist: 0,
                    per_album: 0,
                };
            }
        } else {
            wanted -= 1;
        }
    }
}

/// The best path of exactly `n` eligible tracks between the ends under `limits`, if any.
/// `steady`: each step must move further along the way — its similarity to the end minus its
/// similarity to the start must grow.
fn search(
    start: &Candidate,
    end: &Candidate,
    eligible: &[&Candidate],
    n: usize,
    limits: Limits,
    steady: bool,
) -> Option<Vec<usize>> {
    let points = waypoints(&start.vector, &end.vector, n);
    let toward = |x: &[f32]| (dot(x, &end.vector), dot(x, &start.vector));
    let mut beam = vec![Partial {
        path: Vec::new(),
        cost: 0.0,
    }];
    for point in &points {
        let mut options: Vec<(usize, f32)> = eligible
            .iter()
            .enumerate()
            .map(|(i, c)| (i, distance2(&c.vector, point)))
            .collect();
        options.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        options.truncate(OPTIONS_PER_STEP.max(n + 1));
        let mut next: Vec<Partial> = Vec::new();
        for partial in &beam {
            let previous = partial
                .path
                .last()
                .map_or(&start.vector, |&i| &eligible[i].vector);
            // The ends count towards the caps and duplicates, as seeds do.
            let mut chosen: Vec<&Candidate> = vec![start, end];
            chosen.extend(partial.path.iter().map(|&i| eligible[i]));
            let caps = Caps::from_chosen(&chosen);
            let (near_end, near_start) = toward(previous);
            for &(i, off_course) in &options {
                if partial.path.contains(&i) || caps.blocks(limits, eligible[i], &chosen).is_some()
                {
                    continue;
                }
                if steady {
                    let (to_end, to_start) = toward(&eligible[i].vector);
                    if to_end - to_start <= near_end - near_start {
                        continue;
                    }
                }
                let mut path = partial.path.clone();
                path.push(i);
                next.push(Partial {
                    path,
                    cost: partial.cost + distance2(previous, &eligible[i].vector) + off_course,
                });
            }
        }
        next.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.path.cmp(&b.path)));
        let mut per_end = std::collections::HashMap::<usize, usize>::new();
        next.retain(|p| {
            let seen = per_end.entry(*p.path.last().unwrap_or(&0)).or_default();
            *seen += 1;
            *seen <= SAME_END
        });
        next.truncate(BEAM);
        if next.is_empty() {
            return None;
        }
        beam = next;
    }
    beam.into_iter()
        .map(|p| {
            let last = p
                .path
                .last()
                .map_or(&start.vector, |&i| &eligible[i].vector);
            let cost = p.cost + distance2(last, &end.vector);
            (p.path, cost)
        })
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
        .map(|(path, _)| path)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::playlist::tests::{row, vector};
    use crate::playlist::{Judge, PlaylistRequest};

    /// A track at `angle` on the circle of the two ends, `off` out of it (third dimension).
    fn at(id: i64, artist: &str, angle: f32, off: f32) -> Candidate {
        let mut v = vector(angle);
        v[2] = off;
        crate::vector::normalize(&mut v);
        Candidate {
            row: row(id, artist, &format!("Album {id}"), &format!("Song {id}")),
            score: 0.0,
            vector: v,
            passages: None,
        }
    }

    /// Ends at 0 and 1.2 rad; 24 tracks along the way, each a little off it, and 24 off to the
    /// side (third dimension) at the same angles.
    fn library() -> (Candidate, Candidate, Vec<Candidate>) {
        let start = at(1, "Start", 0.0, 0.0);
        let end = at(2, "End", 1.2, 0.0);
        let mut pool = Vec::new();
        for i in 0..24 {
            let angle = 0.05 * (i + 1) as f32 - 0.025;
            let wobble = if i % 2 == 0 { 0.05 } else { -0.05 };
            pool.push(at(100 + i, &format!("Artist {i}"), angle, wobble));
            pool.push(at(200 + i, &format!("Side {i}"), angle, 1.5));
        }
        (start, end, pool)
    }

    fn walk<'a>(
        request: &PlaylistRequest,
        start: &Candidate,
        end: &Candidate,
        pool: &'a [Candidate],
        between: usize,
    ) -> Journey<'a> {
        let seeds = [start.clone(), end.clone()];
        let excluded: HashSet<i64> = [start.row.id, end.row.id].into();
        let ctx = Context::new(request, &seeds, excluded, Judge::new(None));
        journey(&ctx, start, end, pool, between)
    }

    #[test]
    fn a_journey_walks_from_start_to_end_in_even_steps_on_the_way() {
        let (start, end, pool) = library();
        let path = walk(&PlaylistRequest::default(), &start, &end, &pool, 6).between;
        let ids: Vec<i64> = path.iter().map(|c| c.row.id).collect();
        assert_eq!(ids.len(), 6);
        assert_eq!(
            ids.iter().collect::<HashSet<_>>().len(),
            6,
            "no repeats: {ids:?}"
        );
        assert!(
            ids.iter().all(|id| (100..200).contains(id)),
            "on the way, not to the side: {ids:?}"
        );
        let to_end: Vec<f32> = path.iter().map(|c| dot(&c.vector, &end.vector)).collect();
        let to_start: Vec<f32> = path.iter().map(|c| dot(&c.vector, &start.vector)).collect();
        assert!(
            to_end.windows(2).all(|w| w[1] > w[0]),
            "nearer the end each step: {to_end:?}"
        );
        assert!(
            to_start.windows(2).all(|w| w[1] < w[0]),
            "further from the start: {to_start:?}"
        );
        // Even steps: the largest is not much more than the even share of the way.
        let mut steps = vec![distance2(&start.vector, &path[0].vector).sqrt()];
        steps.extend(
            path.windows(2)
                .map(|w| distance2(&w[0].vector, &w[1].vector).sqrt()),
        );
        steps.push(distance2(&path[5].vector, &end.vector).sqrt());
        let even = 1.2 / 7.0;
        let largest = steps.iter().copied().fold(0.0f32, f32::max);
        assert!(
            largest < even * 1.6,
            "largest step {largest}, even {even}: {steps:?}"
        );
    }

    #[test]
    fn waypoints_are_even_on_the_great_circle() {
        let a = vector(0.0);
        let b = vector(1.0);
        let points = waypoints(&a, &b, 4);
        for (i, w) in points.iter().enumerate() {
            let angle = dot(w, &a).clamp(-1.0, 1.0).acos();
            assert!((angle - 0.2 * (i + 1) as f32).abs() < 1e-4, "{i}: {angle}");
            assert!((dot(w, w) - 1.0).abs() < 1e-5);
        }
        // Equal ends: every waypoint is the end itself.
        assert!(waypoints(&a, &a, 3).iter().all(|w| dot(w, &a) > 0.9999));
    }

    #[test]
    fn the_rules_and_caps_hold_on_the_way() {
        let (start, end, mut pool) = library();
        // Half the tracks on the way by one artist, and the rest too slow.
        for (i, c) in pool.iter_mut().enumerate() {
            if i % 4 == 0 {
                c.row.artist = Some("Prolific".into());
            } else if i % 4 == 2 {
                c.row.bpm = Some(60.0);
            }
        }
        let request = PlaylistRequest {
            tempo: Some(crate::playlist::TempoRange::Absolute {
                min: 100.0,
                max: 140.0,
            }),
            max_per_artist: 1,
            strict_caps: true,
            ..PlaylistRequest::default()
        };
        let found = walk(&request, &start, &end, &pool, 8);
        assert!(found.between.iter().all(|c| c.row.bpm == Some(120.0)));
        let prolific = found
            .between
            .iter()
            .filter(|c| c.row.artist.as_deref() == Some("Prolific"))
            .count();
        assert!(prolific <= 1, "{prolific} by one artist under a cap of 1");
        assert!(found
            .rejected
            .iter()
            .any(|r| r.rule == "outside the tempo range"));
        // Without strict caps, a journey that would come out short loosens them instead.
        let only_prolific: Vec<Candidate> = pool
            .iter()
            .filter(|c| c.row.artist.as_deref() == Some("Prolific"))
            .cloned()
            .collect();
        let strict = walk(&request, &start, &end, &only_prolific, 4);
        assert_eq!(strict.between.len(), 1, "strict: one by the artist");
        let loose = PlaylistRequest {
            strict_caps: false,
            ..request
        };
        let loosened = walk(&loose, &start, &end, &only_prolific, 4);
        assert_eq!(loosened.between.len(), 4);
        assert!(loosened.limits.per_artist >= 4 || loosened.limits.per_artist == 0);
    }

    #[test]
    fn copies_of_one_song_end_in_a_shorter_journey_whatever_the_caps() {
        let (start, end, pool) = library();
        // Five files of one song: one may be on the way. (With one cap off and the other
        // loosening, the search once never gave up.)
        let copies: Vec<Candidate> = pool[..10]
            .iter()
            .step_by(2)
            .map(|c| {
                let mut c = c.clone();
                c.row.title = Some("Same Song".into());
                c.row.artist = Some("Same Artist".into());
                c
            })
            .collect();
        let request = PlaylistRequest {
            max_per_artist: 0,
            ..PlaylistRequest::default()
        };
        let found = walk(&request, &start, &end, &copies, 3);
        assert_eq!(found.between.len(), 1);
    }

    #[test]
    fn a_pool_smaller_than_asked_gives_a_shorter_journey() {
        let (start, end, pool) = library();
        let found = walk(&PlaylistRequest::default(), &start, &end, &pool[..3], 10);
        assert_eq!(found.between.len(), 3);
    }
}
