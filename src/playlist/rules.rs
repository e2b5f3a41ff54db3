//! The constraints: what a candidate may not be on its own (a seed, outside the tempo range,
//! an incompatible key, too short or long, the wrong tags or folder) and together with the
//! others (a second copy of a song, its artist or album there often enough); `select` picks the
//! best candidates that meet them all, `swap_candidate` the best replacement for one slot.

use std::collections::{HashMap, HashSet};

use super::keys::{folded_ratio, key_relation};
use super::{Candidate, PlaylistRequest, Rejection, TempoRange};
use crate::index::dot;
use crate::store::TrackRow;

/// The tags a track carries: its genre tag split on the usual separators, lowercased, and
/// the genre and mood tags MusiCNN heard (its chips).
pub fn track_tags(row: &TrackRow) -> Vec<String> {
    row.genre
        .as_deref()
        .unwrap_or_default()
        .split([';', ',', '/', '|'])
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .chain(row.chips.iter().map(|c| c.to_lowercase()))
        .collect()
}

/// A title and artist reduced to what identifies a song: lowercase letters and digits, with
/// bracketed parts ("(Remastered 2011)", "[Live]") dropped.
fn song_identity(row: &TrackRow) -> Option<String> {
    let title = row.title.as_deref()?;
    let mut depth = 0i32;
    let mut core = String::new();
    for c in title.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            _ if depth <= 0 && c.is_alphanumeric() => core.extend(c.to_lowercase()),
            _ => {}
        }
    }
    let artist: String = row
        .artist
        .as_deref()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    (!core.is_empty()).then(|| format!("{artist}\u{1f}{core}"))
}

/// Two files of one recording: near-identical vectors and durations.
fn same_recording(a: &Candidate, b: &Candidate) -> bool {
    let close = dot(&a.vector, &b.vector) > 0.995;
    let durations = match (a.row.duration_s, b.row.duration_s) {
        (Some(x), Some(y)) => (x - y).abs() <= 2.0,
        _ => false,
    };
    close && durations
}

/// The seed's view of the constraints (tempo, key).
pub struct Context<'a> {
    pub request: &'a PlaylistRequest,
    pub seeds: &'a [Candidate],
    /// Tracks that may never appear: the seeds and the "not like" tracks.
    pub excluded: HashSet<i64>,
}

impl Context<'_> {
    fn seed_bpm(&self) -> Option<f64> {
        self.seeds.iter().find_map(|s| s.row.bpm)
    }

    /// The rule a candidate breaks on its own (not counting caps and duplicates), if any.
    fn breaks(&self, c: &Candidate) -> Option<&'static str> {
        let r = self.request;
        if self.excluded.contains(&c.row.id) {
            return Some("a seed");
        }
        if let Some(tempo) = r.tempo {
            let Some(bpm) = c.row.bpm else {
                return Some("no tempo");
            };
            let inside = match tempo {
                TempoRange::Absolute { min, max } => bpm >= min && bpm <= max,
                TempoRange::Tolerance { percent } => match self.seed_bpm() {
                    Some(seed) => (folded_ratio(bpm, seed) - 1.0).abs() * 100.0 <= percent,
                    None => true,
                },
            };
            if !inside {
                return Some("outside the tempo range");
            }
        }
        if r.key_compatible {
            let seed_keys: Vec<&str> = self
                .seeds
                .iter()
                .filter_map(|s| s.row.camelot.as_deref())
                .collect();
            if !seed_keys.is_empty() {
                let ok = c
                    .row
                    .camelot
                    .as_deref()
                    .is_some_and(|k| seed_keys.iter().any(|s| key_relation(k, s).is_some()));
                if !ok {
                    return Some("key not compatible");
                }
            }
        }
        if let Some(min) = r.min_duration_s {
            if c.row.duration_s.is_none_or(|d| d < min) {
                return Some("too short");
            }
        }
        if let Some(max) = r.max_duration_s {
            if c.row.duration_s.is_none_or(|d| d > max) {
                return Some("too long");
            }
        }
        if !r.include_tags.is_empty() || !r.avoid_tags.is_empty() {
            let tags = track_tags(&c.row);
            let want = |t: &String| tags.contains(&t.to_lowercase());
            if !r.include_tags.is_empty() && !r.include_tags.iter().any(want) {
                return Some("without an included tag");
            }
            if r.avoid_tags.iter().any(want) {
                return Some("with an avoided tag");
            }
        }
        if !r.folders.is_empty()
            && !r
                .folders
                .iter()
                .any(|f| std::path::Path::new(&c.row.path).starts_with(f))
        {
            return Some("outside the chosen folders");
        }
        None
    }
}

/// Running state of the artist/album caps and duplicates over a list being built.
#[derive(Default)]
struct Caps {
    artists: HashMap<String, usize>,
    albums: HashMap<String, usize>,
    songs: HashSet<String>,
}

fn norm(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(|x| x.trim().to_lowercase())
        .filter(|x| !x.is_empty())
}

impl Caps {
    fn album_key(row: &TrackRow) -> Option<String> {
        let album = norm(&row.album)?;
        let by = norm(&row.album_artist)
            .or_else(|| norm(&row.artist))
            .unwrap_or_default();
        Some(format!("{by}\u{1f}{album}"))
    }

    /// Why `c` cannot join `chosen` (caps, duplicates), if it cannot.
    fn blocks(
        &self,
        request: &PlaylistRequest,
        c: &Candidate,
        chosen: &[&Candidate],
    ) -> Option<&'static str> {
        if let Some(song) = song_identity(&c.row) {
            if self.songs.contains(&song) {
                return Some("another copy of a song already in");
            }
        }
        if chosen.iter().any(|o| same_recording(o, c)) {
            return Some("another copy of a song already in");
        }
        if request.max_per_artist > 0 {
            if let Some(a) = norm(&c.row.artist) {
                if self.artists.get(&a).copied().unwrap_or(0) >= request.max_per_artist {
                    return Some("artist already there enough");
                }
            }
        }
        if request.max_per_album > 0 {
            if let Some(a) = Self::album_key(&c.row) {
                if self.albums.get(&a).copied().unwrap_or(0) >= request.max_per_album {
                    return Some("album already there enough");
                }
            }
        }
        None
    }

    fn take(&mut self, row: &TrackRow) {
        if let Some(a) = norm(&row.artist) {
            *self.artists.entry(a).or_default() += 1;
        }
        if let Some(a) = Self::album_key(row) {
            *self.albums.entry(a).or_default() += 1;
        }
        if let Some(s) = song_identity(row) {
            self.songs.insert(s);
        }
    }

    fn from_chosen(chosen: &[&Candidate]) -> Self {
        let mut caps = Caps::default();
        for c in chosen {
            caps.take(&c.row);
        }
        caps
    }
}

/// The best candidates (by score) that meet every constraint, up to the requested length;
/// what each rule turned away.
pub fn select<'a>(
    ctx: &Context<'_>,
    candidates: &'a [Candidate],
) -> (Vec<&'a Candidate>, Vec<Rejection>) {
    let mut sorted: Vec<&Candidate> = candidates.iter().collect();
    sorted.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.row.id.cmp(&b.row.id)));
    // The seeds count towards the caps and duplicates: no copy of the seed song, and the seed's
    // artist already has one place.
    let seeds: Vec<&Candidate> = ctx.seeds.iter().collect();
    let mut caps = Caps::from_chosen(&seeds);
    let mut chosen: Vec<&Candidate> = Vec::new();
    let mut rejected: Vec<Rejection> = Vec::new();
    let mut reject = |rule: &str| match rejected.iter_mut().find(|r| r.rule == rule) {
        Some(r) => r.count += 1,
        None => rejected.push(Rejection {
            rule: rule.to_string(),
            count: 1,
        }),
    };
    for c in sorted {
        if chosen.len() >= ctx.request.length {
            break;
        }
        if let Some(rule) = ctx.breaks(c) {
            reject(rule);
            continue;
        }
        let with_seeds: Vec<&Candidate> = seeds.iter().chain(chosen.iter()).copied().collect();
        if let Some(rule) = caps.blocks(ctx.request, c, &with_seeds) {
            reject(rule);
            continue;
        }
        caps.take(&c.row);
        chosen.push(c);
    }
    (chosen, rejected)
}

/// The best candidate for slot `position` of `current` (ids in order) that is not in it and
/// meets every constraint with the others: what "swap" puts there.
pub fn swap_candidate<'a>(
    request: &PlaylistRequest,
    seeds: &[Candidate],
    candidates: &'a [Candidate],
    current: &[i64],
    position: usize,
    excluded: HashSet<i64>,
) -> Option<&'a Candidate> {
    let by_id: HashMap<i64, &Candidate> = candidates.iter().map(|c| (c.row.id, c)).collect();
    let others: Vec<&Candidate> = current
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != position)
        .filter_map(|(_, id)| by_id.get(id).copied())
        .collect();
    let in_list: HashSet<i64> = current.iter().copied().collect();
    let seed_refs: Vec<&Candidate> = seeds.iter().collect();
    let with_seeds: Vec<&Candidate> = seed_refs.iter().chain(others.iter()).copied().collect();
    let caps = Caps::from_chosen(&with_seeds);
    let ctx = Context {
        request,
        seeds,
        excluded,
    };
    let mut sorted: Vec<&Candidate> = candidates.iter().collect();
    sorted.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.row.id.cmp(&b.row.id)));
    sorted
        .into_iter()
        .filter(|c| !in_list.contains(&c.row.id))
        .find(|c| ctx.breaks(c).is_none() && caps.blocks(request, c, &with_seeds).is_none())
}
