//! Playlists from seed tracks: candidates from the similarity index, then constraints, then an
//! order, each pick with the reasons it belongs.
//!
//! The pieces are pure functions over [`Candidate`]s (a track row, its vector and its score),
//! so they are tested without a database; [`crate::Library::make_playlist`] feeds them.
//! Everything is deterministic: the same library and request give the same playlist.
//! `request.rs` says what can be asked, `rules.rs` what may be chosen, `order.rs` in which
//! order, `reasons.rs` why; `keys.rs` holds the music relations they share.

pub mod export;
mod keys;
mod order;
mod reasons;
mod request;
mod rules;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::store::{TrackRow, TrackSummary};

pub use keys::key_relation;
pub use order::order;
pub use reasons::{entry, reasons};
pub use request::{Order, PlaylistRequest, TempoRange};
pub use rules::{select, swap_candidate, track_tags, Context};

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

#[cfg(test)]
mod tests;
