//! The constraints: what a candidate may not be on its own (a seed, below the similarity floor,
//! outside the tempo range, an incompatible key, too short or long, the wrong tags or folder)
//! and together with the others (a second copy of a song, its artist or album there often
//! enough); `select` picks the best candidates that meet them all, `swap_candidate` the best
//! replacement for one slot.
//!
//! The artist and album caps are for variety, never at the cost of the music: when they would
//! leave the list short while tracks that sound alike are left over, they are loosened one step
//! at a time (and the playlist says so). A track with no artist (or album) counts in a group of
//! its folder's tracks, not as "no artist", which no cap would ever hold.

use std::collections::{HashMap, HashSet};

use super::keys::{folded_ratio, key_relation};
use super::{Candidate, Judge, PlaylistRequest, Rejection, TempoRange};
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

/// The rule's name for tracks below the similarity floor.
pub const BELOW_FLOOR: &str = "not alike enough";

/// The seed's view of the constraints (tempo, key) and how they are judged (the library's
/// floor, caps that give way). Made with [`Context::new`], which applies the request's strict
/// caps to the judge.
pub struct Context<'a> {
    pub request: &'a PlaylistRequest,
    pub seeds: &'a [Candidate],
    /// Tracks that may never appear: the seeds and the "not like" tracks.
    pub excluded: HashSet<i64>,
    judge: Judge<'a>,
}

impl<'a> Context<'a> {
    /// The rules of `request` as `judge` applies them (a request for strict caps turns off
    /// their giving way).
    pub fn new(
        request: &'a PlaylistRequest,
        seeds: &'a [Candidate],
        excluded: HashSet<i64>,
        judge: Judge<'a>,
    ) -> Self {
        let strict = request.strict_caps;
        let judge = Judge {
            relax_caps: judge.relax_caps && !strict,
            cap_margin: judge.cap_margin.filter(|_| !strict),
            ..judge
        };
        Context {
            request,
            seeds,
            excluded,
            judge,
        }
    }

    /// Whether the caps loosen rather than leave the list short.
    pub(super) fn relax_caps(&self) -> bool {
        self.judge.relax_caps
    }

    fn seed_bpm(&self) -> Option<f64> {
        self.seeds.iter().find_map(|s| s.row.bpm)
    }

    /// The rule a candidate breaks on its own (not counting caps and duplicates), if any.
    pub(super) fn breaks(&self, c: &Candidate) -> Option<&'static str> {
        let r = self.request;
        if self.excluded.contains(&c.row.id) {
            return Some("a seed");
        }
        if self
            .judge
            .calibration
            .is_some_and(|cal| !cal.sounds_alike(c.score))
        {
            return Some(BELOW_FLOOR);
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

/// The artist and album limits in force (0 = no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_artist: usize,
    pub per_album: usize,
}

/// Running state of the artist/album caps and duplicates over a list being built.
#[derive(Default)]
pub(super) struct Caps {
    artists: HashMap<String, usize>,
    albums: HashMap<String, usize>,
    songs: HashSet<String>,
}

pub(super) const ARTIST_FULL: &str = "artist already there enough";
pub(super) const ALBUM_FULL: &str = "album already there enough";

fn norm(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(|x| x.trim().to_lowercase())
        .filter(|x| !x.is_empty())
}

/// The folder a track sits in: the group of tracks that have no artist or album tag.
fn folder_of(row: &TrackRow) -> String {
    let folder = std::path::Path::new(&row.path)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("\u{1}{folder}")
}

impl Caps {
    fn artist_key(row: &TrackRow) -> String {
        norm(&row.artist).unwrap_or_else(|| folder_of(row))
    }

    fn album_key(row: &TrackRow) -> String {
        let Some(album) = norm(&row.album) else {
            return folder_of(row);
        };
        let by = norm(&row.album_artist)
            .or_else(|| norm(&row.artist))
            .unwrap_or_default();
        format!("{by}\u{1f}{album}")
    }

    /// Why `c` cannot join `chosen` (caps, duplicates), if it cannot.
    pub(super) fn blocks(
        &self,
        limits: Limits,
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
        let full = |counts: &HashMap<String, usize>, key: String, limit: usize| {
            limit > 0 && counts.get(&key).copied().unwrap_or(0) >= limit
        };
        if full(&self.artists, Self::artist_key(&c.row), limits.per_artist) {
            return Some(ARTIST_FULL);
        }
        if full(&self.albums, Self::album_key(&c.row), limits.per_album) {
            return Some(ALBUM_FULL);
        }
        None
    }

    fn take(&mut self, row: &TrackRow) {
        *self.artists.entry(Self::artist_key(row)).or_default() += 1;
        *self.albums.entry(Self::album_key(row)).or_default() += 1;
        if let Some(s) = song_identity(row) {
            self.songs.insert(s);
        }
    }

    pub(super) fn from_chosen(chosen: &[&Candidate]) -> Self {
        let mut caps = Caps::default();
        for c in chosen {
            caps.take(&c.row);
        }
        caps
    }
}

/// What `select` chose and why the rest stayed out.
pub struct Selection<'a> {
    /// Best first.
    pub chosen: Vec<&'a Candidate>,
    /// What each rule turned away (of the candidates looked at).
    pub rejected: Vec<Rejection>,
    /// The caps in force in the end: the request's, or looser when they would have left the
    /// list short of tracks that sound alike.
    pub limits: Limits,
}

pub(super) fn count(rejected: &mut Vec<Rejection>, rule: &str) {
    match rejected.iter_mut().find(|r| r.rule == rule) {
        Some(r) => r.count += 1,
        None => rejected.push(Rejection {
            rule: rule.to_string(),
            count: 1,
        }),
    }
}

fn best_first(candidates: &[Candidate]) -> Vec<&Candidate> {
    let mut sorted: Vec<&Candidate> = candidates.iter().collect();
    sorted.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.row.id.cmp(&b.row.id)));
    sorted
}

/// One greedy pass: the best candidates that pass `ctx`'s rules and the caps at `limits`.
fn pick<'a>(
    ctx: &Context<'_>,
    eligible: &[&'a Candidate],
    limits: Limits,
) -> (Vec<&'a Candidate>, Vec<Rejection>) {
    // The seeds count towards the caps and duplicates: no copy of the seed song, and the seed's
    // artist already has one place.
    let seeds: Vec<&Candidate> = ctx.seeds.iter().collect();
    let mut caps = Caps::from_chosen(&seeds);
    let mut chosen: Vec<&Candidate> = Vec::new();
    let mut rejected = Vec::new();
    for (i, &c) in eligible.iter().enumerate() {
        if chosen.len() >= ctx.request.length {
            break;
        }
        let with_seeds: Vec<&Candidate> = seeds.iter().chain(chosen.iter()).copied().collect();
        if let Some(rule) = caps.blocks(limits, c, &with_seeds) {
            let capped = rule == ARTIST_FULL || rule == ALBUM_FULL;
            // Does a track nearly as alike wait to take its place? Then the cap holds.
            let yields = capped
                && ctx
                    .judge
                    .cap_margin
                    .zip(ctx.judge.calibration)
                    .is_some_and(|(margin, cal)| {
                        let next = eligible[i + 1..]
                            .iter()
                            .find(|d| caps.blocks(limits, d, &with_seeds).is_none());
                        next.is_none_or(|d| cal.match_of(d.score) < cal.match_of(c.score) - margin)
                    });
            if !yields {
                count(&mut rejected, rule);
                continue;
            }
        }
        caps.take(&c.row);
        chosen.push(c);
    }
    (chosen, rejected)
}

/// The best candidates (by score) that meet every constraint, up to the requested length;
/// what each rule turned away. When the artist or album cap leaves the list short while
/// tracks that sound alike are left over, that cap is raised one step at a time until the
/// list is full or nothing it held back is left.
pub fn select<'a>(ctx: &Context<'_>, candidates: &'a [Candidate]) -> Selection<'a> {
    let mut rejected = Vec::new();
    let mut eligible = Vec::new();
    for c in best_first(candidates) {
        match ctx.breaks(c) {
            Some(rule) => count(&mut rejected, rule),
            None => eligible.push(c),
        }
    }
    let asked = Limits {
        per_artist: ctx.request.max_per_artist,
        per_album: ctx.request.max_per_album,
    };
    let mut limits = asked;
    loop {
        let (chosen, capped) = pick(ctx, &eligible, limits);
        let held = |rule: &str| capped.iter().any(|r| r.rule == rule);
        // (Without relax_caps, as strict caps and benchmarks want: the caps hold whatever
        // they leave out.)
        let loosen = ctx.judge.relax_caps && chosen.len() < ctx.request.length;
        let mut looser = limits;
        if loosen && held(ARTIST_FULL) {
            looser.per_artist += 1;
        }
        if loosen && held(ALBUM_FULL) {
            looser.per_album += 1;
        }
        if looser == limits {
            for r in capped {
                for _ in 0..r.count {
                    count(&mut rejected, &r.rule);
                }
            }
            // The caps as they came out: a cap that yielded to a great match counts as raised.
            let seeds: Vec<&Candidate> = ctx.seeds.iter().collect();
            let most = |key: fn(&TrackRow) -> String| {
                let mut counts: HashMap<String, usize> = HashMap::new();
                for c in seeds.iter().chain(chosen.iter()) {
                    *counts.entry(key(&c.row)).or_default() += 1;
                }
                counts.into_values().max().unwrap_or(0)
            };
            let raised = |limit: usize, most: usize| if limit > 0 { limit.max(most) } else { 0 };
            let limits = Limits {
                per_artist: raised(limits.per_artist, most(Caps::artist_key)),
                per_album: raised(limits.per_album, most(Caps::album_key)),
            };
            return Selection {
                chosen,
                rejected,
                limits,
            };
        }
        limits = looser;
    }
}

/// The best candidate for slot `position` of `current` (ids in order) that is not in it and
/// meets every constraint with the others, at the caps the playlist was made with: what
/// "swap" puts there.
pub fn swap_candidate<'a>(
    ctx: &Context<'_>,
    limits: Limits,
    candidates: &'a [Candidate],
    current: &[i64],
    position: usize,
) -> Option<&'a Candidate> {
    let by_id: HashMap<i64, &Candidate> = candidates.iter().map(|c| (c.row.id, c)).collect();
    let others: Vec<&Candidate> = current
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != position)
        .filter_map(|(_, id)| by_id.get(id).copied())
        .collect();
    let in_list: HashSet<i64> = current.iter().copied().collect();
    let seed_refs: Vec<&Candidate> = ctx.seeds.iter().collect();
    let with_seeds: Vec<&Candidate> = seed_refs.iter().chain(others.iter()).copied().collect();
    let caps = Caps::from_chosen(&with_seeds);
    best_first(candidates)
        .into_iter()
        .filter(|c| !in_list.contains(&c.row.id))
        .find(|c| ctx.breaks(c).is_none() && caps.blocks(limits, c, &with_seeds).is_none())
}
