//! Radio: a queue that never ends. Each next pick comes from the neighbourhood of what was
//! played last, anchored to the seeds so it drifts slowly instead of jumping; never a track
//! heard in this session; at most a few by one artist in any stretch of picks. A track skipped
//! early steers the next picks away from its sound ("not like this"); a thumbs-up pulls
//! towards it.
//!
//! This is the pure part: the listening state and the query and choice it leads to. The
//! library (`library/radio.rs`) feeds it the index's candidates.

use std::collections::{HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use super::Candidate;
use crate::vector::normalize;

/// How the query is made, in weights of unit vectors (none of them fitted to data: the seeds
/// hold the station together, the last tracks make it move, feedback leans it).
const SEED_WEIGHT: f32 = 1.0;
/// The last tracks played, the most recent counting most (halving each step back).
const RECENT: usize = 4;
const RECENT_WEIGHT: f32 = 1.0;
/// A thumbs-up, and an early skip (away from it).
const LIKE_WEIGHT: f32 = 0.5;
const SKIP_WEIGHT: f32 = 0.5;
/// The passages lean away from a skipped track as the query does: its match counts against a
/// candidate at the weight a skip has beside the seeds.
pub const SKIP_PASSAGE_WEIGHT: f32 = SKIP_WEIGHT / SEED_WEIGHT;
/// Feedback older than this many picks no longer leans the query.
const FEEDBACK_MEMORY: usize = 40;

/// At most this many tracks by one artist among any `ARTIST_WINDOW` picks in a row.
pub const ARTIST_CAP: usize = 2;
pub const ARTIST_WINDOW: usize = 10;

/// What the listener did with a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Feedback {
    /// Heard (or let play past its first 30 s).
    Played,
    /// Skipped within its first 30 s: "not like this".
    Skipped,
    /// Thumbs up: "more like this".
    Liked,
}

/// One listening session of a radio.
#[derive(Debug, Clone, Default)]
pub struct Station {
    /// The seeds' vectors (unit length).
    seeds: Vec<Vec<f32>>,
    /// Every track picked so far (played, skipped or queued): never picked again.
    heard: HashSet<i64>,
    /// The artists of the picks, most recent last (the cap's window).
    artists: VecDeque<String>,
    /// The tracks played (id, vector), most recent last.
    recent: VecDeque<(i64, Vec<f32>)>,
    /// (pick number, track id, vector, +1 liked / -1 skipped).
    feedback: VecDeque<(usize, i64, Vec<f32>, f32)>,
    picks: usize,
}

impl Station {
    /// A station on these seeds (their vectors), with these track ids not to be played (the
    /// seeds themselves, tracks heard in the last hours).
    pub fn new(seeds: Vec<Vec<f32>>, not_again: impl IntoIterator<Item = i64>) -> Station {
        Station {
            seeds,
            heard: not_again.into_iter().collect(),
            ..Station::default()
        }
    }

    /// Tracks never to pick again.
    pub fn heard(&self) -> &HashSet<i64> {
        &self.heard
    }

    /// Never pick `id` (the listener took it off the queue).
    pub fn exclude(&mut self, id: i64) {
        self.heard.insert(id);
    }

    /// Where to look next: the seeds' centre, the last tracks played (the latest counts most),
    /// towards liked tracks and away from skipped ones. Unit length.
    pub fn query(&self) -> Vec<f32> {
        let dim = self.seeds.first().map_or(0, Vec::len);
        let mut q = vec![0.0f32; dim];
        let mut add = |v: &[f32], w: f32| {
            for (x, y) in q.iter_mut().zip(v) {
                *x += w * y;
            }
        };
        for s in &self.seeds {
            add(s, SEED_WEIGHT / self.seeds.len() as f32);
        }
        let mut weight = RECENT_WEIGHT;
        for (_, v) in self.recent.iter().rev() {
            add(v, weight);
            weight /= 2.0;
        }
        for (_, _, v, sign) in &self.feedback {
            add(
                v,
                sign * if *sign > 0.0 {
                    LIKE_WEIGHT
                } else {
                    SKIP_WEIGHT
                },
            );
        }
        normalize(&mut q);
        q
    }

    /// Would `artist` break the cap if picked now?
    fn artist_full(&self, artist: &str) -> bool {
        let window = self.artists.iter().rev().take(ARTIST_WINDOW - 1);
        window.filter(|a| a.as_str() == artist).count() >= ARTIST_CAP
    }

    /// The next pick among `candidates` (scored against [`Self::query`], best first is not
    /// required): the best-scoring one not heard and within the artist cap; if the cap leaves
    /// nothing, the best not heard. `None` when every candidate was heard.
    pub fn choose<'a>(&mut self, candidates: &'a [Candidate]) -> Option<&'a Candidate> {
        let fresh: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| !self.heard.contains(&c.row.id))
            .collect();
        let best = |list: &mut dyn Iterator<Item = &'a Candidate>| {
            list.max_by(|a, b| a.score.total_cmp(&b.score).then(b.row.id.cmp(&a.row.id)))
        };
        let pick = best(
            &mut fresh
                .iter()
                .copied()
                .filter(|c| !self.artist_full(&artist_of(c))),
        )
        .or_else(|| best(&mut fresh.iter().copied()))?;
        self.heard.insert(pick.row.id);
        self.artists.push_back(artist_of(pick));
        while self.artists.len() > ARTIST_WINDOW {
            self.artists.pop_front();
        }
        self.picks += 1;
        Some(pick)
    }

    /// The listener's answer to pick `id` (a pick may be told twice: played when it was
    /// picked, then skipped or liked): its vector leans the next queries.
    pub fn tell(&mut self, id: i64, vector: &[f32], feedback: Feedback) {
        match feedback {
            Feedback::Played => {}
            Feedback::Skipped => {
                // A pick counted as played until it was skipped: it no longer leads the way
                // (another file of the same recording, with the same vector, still does).
                self.recent.retain(|(played, _)| *played != id);
                self.feedback
                    .push_back((self.picks, id, vector.to_vec(), -1.0));
            }
            Feedback::Liked => self
                .feedback
                .push_back((self.picks, id, vector.to_vec(), 1.0)),
        }
        if feedback != Feedback::Skipped {
            self.recent.push_back((id, vector.to_vec()));
            while self.recent.len() > RECENT {
                self.recent.pop_front();
            }
        }
        let now = self.picks;
        self.feedback
            .retain(|(at, _, _, _)| now - at < FEEDBACK_MEMORY);
    }

    /// The tracks skipped lately (those the query still leans away from).
    pub fn skipped(&self) -> impl Iterator<Item = i64> + '_ {
        self.feedback
            .iter()
            .filter(|(_, _, _, sign)| *sign < 0.0)
            .map(|(_, id, _, _)| *id)
    }
}

/// The artist a pick counts for (its folder when it has none, as the playlist caps do).
fn artist_of(c: &Candidate) -> String {
    artist_key(&c.row)
}

/// The artist a track counts for in the radio's cap: its artist tag, else its folder.
pub fn artist_key(row: &crate::store::TrackRow) -> String {
    row.artist
        .as_deref()
        .map(|a| a.trim().to_lowercase())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| {
            let folder = std::path::Path::new(&row.path).parent();
            format!(
                "\u{1}{}",
                folder.map(|p| p.to_string_lossy()).unwrap_or_default()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::dot;
    use crate::playlist::tests::{row, vector};

    fn track(id: i64, artist: &str, angle: f32) -> Candidate {
        Candidate {
            row: row(id, artist, "Album", &format!("Song {id}")),
            vector: vector(angle),
            score: 0.0,
            passages: None,
        }
    }

    /// Scores every track against the station's query, as the library does.
    fn scored(station: &Station, all: &[Candidate]) -> Vec<Candidate> {
        let q = station.query();
        all.iter()
            .map(|c| Candidate {
                score: dot(&c.vector, &q),
                ..c.clone()
            })
            .collect()
    }

    fn play(station: &mut Station, all: &[Candidate], n: usize) -> Vec<i64> {
        (0..n)
            .map(|_| {
                let pool = scored(station, all);
                let pick = station.choose(&pool).expect("a pick").clone();
                station.tell(pick.row.id, &pick.vector, Feedback::Played);
                pick.row.id
            })
            .collect()
    }

    #[test]
    fn never_twice_caps_the_artists_and_drifts_slowly() {
        // 60 tracks round the circle, five artists taking turns.
        const ARTISTS: [&str; 5] = ["A", "B", "C", "D", "E"];
        let artist = |id: i64| ARTISTS[(id % 5) as usize];
        let all: Vec<Candidate> = (0..60)
            .map(|i| track(i, artist(i), i as f32 * 0.1))
            .collect();
        let mut station = Station::new(vec![vector(0.0)], [0]);
        let picks = play(&mut station, &all, 40);
        assert_eq!(
            picks.iter().collect::<HashSet<_>>().len(),
            40,
            "no repeats: {picks:?}"
        );
        assert!(!picks.contains(&0), "never the seed");
        for window in picks.windows(ARTIST_WINDOW) {
            for a in ARTISTS {
                let n = window.iter().filter(|id| artist(**id) == a).count();
                assert!(n <= ARTIST_CAP, "{n} by {a} in {window:?}");
            }
        }
        // It moves away from the seed a little at a time: nearly every step is to a neighbour
        // on the circle (the odd longer one when the near side is used up).
        let angle = |id: i64| (id as f32 * 0.1).min(std::f32::consts::TAU - id as f32 * 0.1);
        let steps: Vec<f32> = picks
            .windows(2)
            .map(|w| (angle(w[1]) - angle(w[0])).abs())
            .collect();
        let small = steps.iter().filter(|s| **s <= 0.15).count();
        assert!(small * 10 >= steps.len() * 9, "small steps: {steps:?}");
    }

    #[test]
    fn a_skip_steers_away_and_a_like_pulls_towards() {
        // Seed at 0; tracks on both sides of it.
        let mut all = Vec::new();
        for i in 1..30 {
            all.push(track(i, &format!("Up {i}"), i as f32 * 0.05));
            all.push(track(100 + i, &format!("Down {i}"), -(i as f32) * 0.05));
        }
        let by_id = |id: i64| {
            all.iter()
                .find(|c| c.row.id == id)
                .expect("track")
                .vector
                .clone()
        };
        // How alike the picks are, on average, to the track told about.
        let closeness = |ids: &[i64], to: &[f32]| {
            ids.iter().map(|id| dot(&by_id(*id), to)).sum::<f32>() / ids.len() as f32
        };
        let station_after = |feedback: Option<Feedback>| {
            let mut station = Station::new(vec![vector(0.0)], []);
            let pool = scored(&station, &all);
            let first = station.choose(&pool).expect("pick").clone();
            station.tell(first.row.id, &first.vector, Feedback::Played);
            if let Some(f) = feedback {
                station.tell(first.row.id, &first.vector, f);
            }
            (first.vector, play(&mut station, &all, 10))
        };
        let (first, alone) = station_after(None);
        let (_, skipped) = station_after(Some(Feedback::Skipped));
        let (_, liked) = station_after(Some(Feedback::Liked));
        assert!(
            closeness(&skipped, &first) < closeness(&alone, &first),
            "skip: {skipped:?} vs {alone:?}"
        );
        assert!(
            closeness(&liked, &first) > closeness(&alone, &first),
            "like: {liked:?} vs {alone:?}"
        );
    }

    #[test]
    fn a_skip_leaves_another_file_of_the_same_recording_leading() {
        // Two files of one recording (the same vector) played; the second one skipped.
        let (twin, other) = (vector(0.5), vector(-0.5));
        let mut station = Station::new(vec![vector(0.0)], []);
        station.tell(1, &twin, Feedback::Played);
        station.tell(2, &other, Feedback::Played);
        station.tell(3, &twin, Feedback::Played);
        let before = station.query();
        station.tell(3, &twin, Feedback::Skipped);
        assert_eq!(
            station.recent.len(),
            2,
            "only the skipped file leaves the recent"
        );
        assert!(
            station.recent.iter().any(|(id, _)| *id == 1),
            "the other file still leads"
        );
        assert!(dot(&station.query(), &twin) < dot(&before, &twin));
        assert_eq!(station.skipped().collect::<Vec<_>>(), vec![3]);
    }

    #[test]
    fn when_everything_was_heard_there_is_no_pick() {
        let all = vec![track(1, "A", 0.1)];
        let mut station = Station::new(vec![vector(0.0)], [1]);
        assert!(station.choose(&all).is_none());
    }
}
