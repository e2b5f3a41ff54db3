//! Playlists from seed tracks: candidates from the similarity index, then constraints, then an
//! order, each pick with the reasons it belongs.
//!
//! The pieces are pure functions over [`Candidate`]s (a track row, its vector and its score),
//! so they are tested without a database; [`crate::Library::make_playlist`] feeds them.
//! Everything is deterministic: the same library and request give the same playlist.

pub mod export;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::index::dot;
use crate::store::{TrackRow, TrackSummary};
use crate::vector::{Block, Normalizer};

/// How the picks are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// Most similar to the seed first.
    #[default]
    Similarity,
    /// Each step close to the previous track while staying near the seed: a smooth path that
    /// does not drift off to another style.
    Flow,
    /// As DJs mix: each step to a Camelot-compatible key with a small tempo change.
    Harmonic,
}

/// A tempo constraint.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum TempoRange {
    /// BPM between these (inclusive).
    Absolute { min: f64, max: f64 },
    /// Within ± this percentage of the seed's tempo, or of its half or double (a track at
    /// 170 BPM sits fine after one at 85).
    Tolerance { percent: f64 },
}

/// What the user asks for. Every field has a default, so `{seeds: [12]}` is a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct PlaylistRequest {
    /// "More like these": one or more tracks.
    pub seeds: Vec<i64>,
    /// "Not like this": tracks the playlist should lean away from.
    pub avoid_like: Vec<i64>,
    pub length: usize,
    pub order: Order,
    /// At most this many tracks by one artist, and from one album (0 = no limit).
    pub max_per_artist: usize,
    pub max_per_album: usize,
    pub tempo: Option<TempoRange>,
    /// Only keys next to the seed's on the Camelot wheel: the same, ±1, or the relative key.
    pub key_compatible: bool,
    pub min_duration_s: Option<f64>,
    pub max_duration_s: Option<f64>,
    /// Tags a track must have one of / must have none of: the files' genre tags and the
    /// analysed genre and mood tags (chips).
    pub include_tags: Vec<String>,
    pub avoid_tags: Vec<String>,
    /// Only tracks under these folders (paths); empty = all.
    pub folders: Vec<String>,
}

impl Default for PlaylistRequest {
    fn default() -> Self {
        PlaylistRequest {
            seeds: Vec::new(),
            avoid_like: Vec::new(),
            length: 20,
            order: Order::Similarity,
            max_per_artist: 2,
            max_per_album: 2,
            tempo: None,
            key_compatible: false,
            min_duration_s: None,
            max_duration_s: None,
            include_tags: Vec::new(),
            avoid_tags: Vec::new(),
            folders: Vec::new(),
        }
    }
}

/// A track considered for the playlist.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub row: TrackRow,
    pub vector: Vec<f32>,
    /// Similarity to the query (the seeds' centre, leaning away from "not like" tracks).
    pub score: f32,
}

/// One track of a generated playlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct PlaylistEntry {
    #[serde(flatten)]
    pub track: TrackSummary,
    /// Cosine similarity to the seed(s), in [-1, 1].
    pub score: f32,
    /// Why it is here, shortest first: "same key", "+3 BPM", "similar timbre".
    pub reasons: Vec<String>,
}

/// A generated playlist, and why it may be shorter than asked.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct Playlist {
    pub request: PlaylistRequest,
    pub entries: Vec<PlaylistEntry>,
    /// How many candidates the index gave, and how many each constraint turned away.
    pub candidates: usize,
    pub rejected: Vec<Rejection>,
    /// Set when fewer tracks than asked met the constraints.
    pub shortfall: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Rejection {
    pub rule: String,
    pub count: usize,
}

/// The Camelot code's number (1–12) and letter ('A' minor, 'B' major).
fn camelot_parts(code: &str) -> Option<(u8, char)> {
    let letter = code.chars().last()?;
    let number: u8 = code[..code.len() - 1].parse().ok()?;
    ((1..=12).contains(&number) && matches!(letter, 'A' | 'B')).then_some((number, letter))
}

/// How two keys relate on the Camelot wheel, if they mix well.
pub fn key_relation(a: &str, b: &str) -> Option<&'static str> {
    let (na, la) = camelot_parts(a)?;
    let (nb, lb) = camelot_parts(b)?;
    let step = (i32::from(na) - i32::from(nb)).rem_euclid(12);
    match (la == lb, step) {
        (true, 0) => Some("same key"),
        (true, 1) | (true, 11) => Some("adjacent key"),
        (false, 0) => Some("relative key"),
        _ => None,
    }
}

/// The tempo ratio folded into one octave around 1 (0.75–1.5): 170 against 85 is 1.0.
fn folded_ratio(bpm: f64, reference: f64) -> f64 {
    let mut r = bpm / reference;
    while r > 1.5 {
        r /= 2.0;
    }
    while r < 0.75 {
        r *= 2.0;
    }
    r
}

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

/// Why `c` is close to the seed, in a few words: key, tempo, then the feature blocks that
/// carry the match.
pub fn reasons(seed: Option<&Candidate>, c: &Candidate) -> Vec<String> {
    let mut out = Vec::new();
    let Some(seed) = seed else {
        return out;
    };
    if let (Some(a), Some(b)) = (&c.row.camelot, &seed.row.camelot) {
        if let Some(rel) = key_relation(a, b) {
            out.push(rel.to_string());
        }
    }
    if let (Some(bpm), Some(seed_bpm)) = (c.row.bpm, seed.row.bpm) {
        let ratio = bpm / seed_bpm;
        if (ratio - 2.0).abs() < 0.08 {
            out.push("double time".into());
        } else if (ratio - 0.5).abs() < 0.02 {
            out.push("half time".into());
        } else {
            let delta = (bpm - seed_bpm).round() as i64;
            out.push(if delta == 0 {
                "same tempo".into()
            } else {
                format!("{delta:+} BPM")
            });
        }
    }
    // Blocks whose share of the cosine is well above their share of the vector's weight.
    let parts = Normalizer::block_contributions(&c.vector, &seed.vector);
    let mut strong: Vec<(Block, f32)> = parts.iter().copied().filter(|(_, v)| *v > 0.12).collect();
    strong.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (block, _) in strong.into_iter().take(2) {
        out.push(
            match block {
                Block::Rhythm => "similar rhythm",
                Block::Harmony => "similar harmony",
                Block::Timbre => "similar timbre",
                Block::Level => "similar loudness",
                Block::Tags => "similar genre and mood",
                Block::Embedding => "similar style",
            }
            .to_string(),
        );
    }
    out
}

/// The entry shown for a chosen candidate.
pub fn entry(seed: Option<&Candidate>, c: &Candidate) -> PlaylistEntry {
    PlaylistEntry {
        track: (&c.row).into(),
        score: c.score,
        reasons: reasons(seed, c),
    }
}

/// Builds the playlist from scored candidates: constraints, order, reasons.
pub fn assemble(
    request: &PlaylistRequest,
    seeds: &[Candidate],
    query: &[f32],
    candidates: &[Candidate],
    excluded: HashSet<i64>,
) -> Playlist {
    let ctx = Context {
        request,
        seeds,
        excluded,
    };
    let (chosen, rejected) = select(&ctx, candidates);
    let ordered = order(request, seeds, query, chosen);
    let entries: Vec<PlaylistEntry> = ordered.iter().map(|c| entry(seeds.first(), c)).collect();
    let shortfall = (entries.len() < request.length).then(|| {
        let mut why = format!(
            "only {} of {} tracks meet the constraints ({} candidates considered",
            entries.len(),
            request.length,
            candidates.len()
        );
        for r in &rejected {
            why.push_str(&format!("; {} {}", r.count, r.rule));
        }
        why.push(')');
        why
    });
    Playlist {
        request: request.clone(),
        entries,
        candidates: candidates.len(),
        rejected,
        shortfall,
    }
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

#[cfg(test)]
mod tests;
