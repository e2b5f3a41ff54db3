//! Playlists from seed tracks: candidates from the similarity index, then constraints, then an
//! order, each pick with the reasons it belongs.
//!
//! The pieces are pure functions over [`Candidate`]s (a track row, its vector and its score),
//! so they are tested without a database; [`crate::Library::make_playlist`] feeds them.
//! Everything is deterministic: the same library and request give the same playlist.
//! `request.rs` says what can be asked, `rules.rs` what may be chosen, `order.rs` in which
//! order, `reasons.rs` why; `keys.rs` holds the music relations they share. `journey.rs` walks
//! from one track to another; `profile.rs` reads the dimensions a list moves along (tempo,
//! energy, brightness, key) and says what changes from one track to the next.

pub mod calibration;
pub mod export;
mod journey;
mod keys;
mod order;
mod profile;
pub mod radio;
mod ramp;
mod reasons;
mod request;
mod rules;
mod sort;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::store::{TrackRow, TrackSummary};

pub use calibration::{Calibration, Closeness, Match, Thresholds};
pub use journey::{journey, waypoints, Journey};
pub use keys::key_relation;
pub use order::order;
pub use profile::{step_reasons, Dimension, Profile};
pub use ramp::{Ramp, RAMP_OPENING};
pub use reasons::{entry, reasons, step_entry};
pub use request::{Order, PlaylistRequest, TempoRange};
pub use rules::{select, swap_candidate, track_tags, Context, Limits, Selection, BELOW_FLOOR};
pub use sort::{sort_order, SortBy};

/// A track considered for the playlist.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub row: TrackRow,
    pub vector: Vec<f32>,
    /// Similarity to the query (the seeds' centre, leaning away from "not like" tracks), on
    /// the cosine's scale: among the index's nearest, moved by the passages' match
    /// ([`Calibration::rescored`]).
    pub score: f32,
    /// The track's passages as this library matches them (`None`: not stored, or no
    /// calibration yet).
    pub passages: Option<std::sync::Arc<crate::passages::Standardised>>,
}

/// One track of a generated playlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct PlaylistEntry {
    #[serde(flatten)]
    pub track: TrackSummary,
    /// Cosine similarity to the seed(s), in [-1, 1] (what the match is calibrated from).
    pub score: f32,
    /// The share of the library's track pairs less alike than this one and the seed(s), 0 … 1
    /// (`None` in a library too small to calibrate).
    pub r#match: Option<f32>,
    /// The match in words: "very close", "close", "related".
    pub closeness: Option<Closeness>,
    /// Why it is here, strongest first: "both ambient and mellow", "similar style", "same key".
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
    /// Set when fewer tracks than asked sound alike and meet the constraints: why, in words.
    pub shortfall: Option<String>,
    /// The one change to the request that would lengthen it most, when a rule (not the music)
    /// is what keeps it short.
    pub lengthen: Option<Lengthen>,
    /// What the playlist did on its own to stay good ("Allowed 4 per artist to keep it sounding
    /// alike").
    pub notes: Vec<String>,
    /// Each entry's reasons explain the step from the track before it (flow and harmonic
    /// orders), not the match with the seed.
    pub reasons_follow_steps: bool,
}

/// A change to the request that would make the playlist longer.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct Lengthen {
    /// What the change is, as a button would say it: "Any tempo", "Any key".
    pub label: String,
    /// Tracks it would add.
    pub tracks: usize,
    /// The request with that change.
    pub request: PlaylistRequest,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Rejection {
    pub rule: String,
    pub count: usize,
}

/// How a playlist judges its candidates: what "alike" means (the floor comes with it) and
/// whether the caps give way to the music.
#[derive(Debug, Clone, Copy)]
pub struct Judge<'a> {
    /// What "sounds alike" means in this library; no floor without one (a tiny library).
    pub calibration: Option<&'a Calibration>,
    /// Loosen the artist/album caps rather than fall short of tracks that sound alike (always,
    /// but for benchmarks that measure the caps as they were).
    pub relax_caps: bool,
    /// A cap holds a track back only while another, at most this much less alike (in match),
    /// can take its place: the caps trade near-equals for variety, never a great match for a
    /// poor one. `None`, or no calibration (a tiny library): caps hold whatever they cost.
    pub cap_margin: Option<f32>,
}

/// How much less alike (in match) a track may be and still take the place of one a cap holds
/// back. Chosen on one half of the real soundtracks, reported on the other
/// (docs/benchmarks.md, "The first playlist").
pub const CAP_MARGIN: f32 = 0.002;

impl<'a> Judge<'a> {
    /// As Segue makes playlists: the library's floor, caps that give way to a clearly better
    /// match and loosen rather than leave the list short.
    pub fn new(calibration: Option<&'a Calibration>) -> Self {
        Judge {
            calibration,
            relax_caps: true,
            cap_margin: Some(CAP_MARGIN),
        }
    }
}

/// What one seed (or several) is called in a sentence.
pub(crate) fn seeds_name(seeds: &[Candidate]) -> String {
    match seeds {
        [one] => match &one.row.title {
            Some(title) => format!("“{title}”"),
            None => "this track".into(),
        },
        _ => format!("these {} tracks", seeds.len()),
    }
}

/// The request without one of its optional rules, labelled as a button would say it.
fn without_each_rule(request: &PlaylistRequest) -> Vec<(&'static str, PlaylistRequest)> {
    let mut out = Vec::new();
    let mut variant = |label, change: &dyn Fn(&mut PlaylistRequest)| {
        let mut r = request.clone();
        change(&mut r);
        if &r != request {
            out.push((label, r));
        }
    };
    variant("Any tempo", &|r| r.tempo = None);
    variant("Any key", &|r| r.key_compatible = false);
    variant("Without the included tags", &|r| r.include_tags.clear());
    variant("Without the avoided tags", &|r| r.avoid_tags.clear());
    variant("Any duration", &|r| {
        r.min_duration_s = None;
        r.max_duration_s = None
    });
    variant("All folders", &|r| r.folders.clear());
    variant("Limits may give way", &|r| r.strict_caps = false);
    out
}

/// Builds the playlist from scored candidates: constraints (with the library's similarity
/// floor), order, reasons; when it comes out short, why, and the one change that would help.
pub fn assemble(
    request: &PlaylistRequest,
    seeds: &[Candidate],
    query: &[f32],
    candidates: &[Candidate],
    excluded: HashSet<i64>,
    judge: Judge<'_>,
) -> Playlist {
    let calibration = judge.calibration;
    let ctx = Context::new(request, seeds, excluded, judge);
    let selection = select(&ctx, candidates);
    let found = selection.chosen.len();
    let ordered = order(request, seeds, query, selection.chosen);
    let follow = request.order != Order::Similarity;
    let entries: Vec<PlaylistEntry> = ordered
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let reference = match i {
                i if follow && i > 0 => Some(ordered[i - 1]),
                _ => seeds.first(),
            };
            entry(reference, c, calibration)
        })
        .collect();
    // The caps that gave way, in one sentence.
    let relaxed: Vec<String> = [
        (
            selection.limits.per_artist,
            request.max_per_artist,
            "artist",
        ),
        (selection.limits.per_album, request.max_per_album, "album"),
    ]
    .into_iter()
    .filter(|(allowed, asked, _)| allowed > asked)
    .map(|(allowed, _, per)| format!("{allowed} per {per}"))
    .collect();
    let mut notes = Vec::new();
    if !relaxed.is_empty() {
        notes.push(format!(
            "Allowed {} to keep it sounding alike.",
            relaxed.join(" and ")
        ));
    }
    let (shortfall, lengthen) = if found < request.length {
        // Which single rule, dropped, would add the most tracks that sound alike.
        let lengthen = without_each_rule(request)
            .into_iter()
            .filter_map(|(label, looser)| {
                let ctx = Context::new(&looser, seeds, ctx.excluded.clone(), judge);
                let gain = select(&ctx, candidates).chosen.len().saturating_sub(found);
                (gain > 0).then(|| Lengthen {
                    label: label.to_string(),
                    tracks: gain,
                    request: looser,
                })
            })
            .max_by_key(|l| l.tracks);
        let who = seeds_name(seeds);
        let why = match &lengthen {
            Some(l) if found == 0 => format!(
                "No track fits these settings: “{}” would let in {} that sound like {who}.",
                l.label, l.tracks
            ),
            Some(l) => format!(
                "Only {found} of {} tracks: “{}” would add {} more that sound like {who}.",
                request.length, l.label, l.tracks
            ),
            None if found == 0 => format!("No track in your library sounds like {who}."),
            None => format!(
                "Only {found} tracks in your library sound like {who}: more would be filler."
            ),
        };
        (Some(why), lengthen)
    } else {
        (None, None)
    };
    Playlist {
        request: request.clone(),
        entries,
        candidates: candidates.len(),
        rejected: selection.rejected,
        shortfall,
        lengthen,
        notes,
        reasons_follow_steps: follow,
    }
}

#[cfg(test)]
mod tests;
