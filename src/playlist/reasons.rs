//! Why a track is in the playlist, in a few words, and the entry that shows it. Reasons lead
//! with what the two tracks share — genre and mood tags heard in both, passages that match, a similar style
//! (MusiCNN's embedding) or sound (timbre), the same or a related key — and mention tempo only
//! when it says something: the same tempo, half or double time, within a few percent. In a flow
//! or harmonic order each track is explained against the one before it (the step you hear).

use super::calibration::{Calibration, Match};
use super::keys::key_relation;
use super::profile::{step_reasons, Profile};
use super::{Candidate, PlaylistEntry};
use crate::passages::passage_match;
use crate::vector::{Block, Normalizer};

/// A block carries a match when its share of the cosine is at least this.
const STRONG_BLOCK: f32 = 0.12;
/// Keys weaker than this (noise, drums, atonal textures) are not worth naming.
const CLEAR_KEY: f64 = 0.3;
/// The reason given when the passages match (see [`reasons`]).
pub const SIMILAR_PASSAGES: &str = "similar passages";
/// At most this many reasons per track.
const MOST: usize = 4;

fn block_reason(block: Block) -> &'static str {
    match block {
        Block::Rhythm => "similar rhythm",
        Block::Harmony => "similar harmony",
        Block::Timbre => "similar sound",
        Block::Level => "similar loudness",
        Block::Tags => "similar genre and mood",
        Block::Embedding => "similar style",
    }
}

/// The chips (genre and mood tags heard in the audio) both tracks carry, likeliest first.
fn shared_tags(a: &Candidate, b: &Candidate) -> Vec<String> {
    a.row
        .chips
        .iter()
        .filter(|t| b.row.chips.iter().any(|u| u.eq_ignore_ascii_case(t)))
        .map(|t| t.to_lowercase())
        .collect()
}

/// The tempo, when it is worth saying: the same, half or double, or within a few percent.
fn tempo_reason(bpm: f64, reference: f64) -> Option<String> {
    let ratio = bpm / reference;
    let near = |target: f64, tolerance: f64| (ratio / target - 1.0).abs() <= tolerance;
    if near(1.0, 0.015) {
        Some("same tempo".into())
    } else if near(1.0, 0.05) {
        Some(format!("tempo {:+.0} %", (ratio - 1.0) * 100.0))
    } else if near(2.0, 0.03) {
        Some("double time".into())
    } else if near(0.5, 0.03) {
        Some("half time".into())
    } else {
        None
    }
}

/// Why `c` belongs after `reference` (the seed, or the track before it), strongest first;
/// never empty. Passages that match better than the library's close pairs do are named
/// ("similar passages": the re-ranker's part, [`crate::passages`]).
pub fn reasons(
    reference: Option<&Candidate>,
    c: &Candidate,
    calibration: Option<&Calibration>,
) -> Vec<String> {
    let Some(reference) = reference else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let shared = shared_tags(c, reference);
    if !shared.is_empty() {
        out.push(format!(
            "both {}",
            shared[..shared.len().min(2)].join(" and ")
        ));
    }
    if let (Some(a), Some(b), Some(calibration)) = (&c.passages, &reference.passages, calibration) {
        if calibration.passages_stand_out(passage_match(a, b)) {
            out.push(SIMILAR_PASSAGES.to_string());
        }
    }
    let mut blocks: Vec<(Block, f32)> = if c.vector.is_empty() || reference.vector.is_empty() {
        Vec::new()
    } else {
        Normalizer::block_contributions(&c.vector, &reference.vector).to_vec()
    };
    blocks.sort_by(|a, b| b.1.total_cmp(&a.1));
    let strong: Vec<Block> = blocks
        .iter()
        .filter(|(block, share)| {
            // Shared tags already say what the tags block would.
            *share >= STRONG_BLOCK && (*block != Block::Tags || shared.is_empty())
        })
        .map(|(block, _)| *block)
        .take(2)
        .collect();
    out.extend(strong.iter().map(|b| block_reason(*b).to_string()));
    let clear = |x: &Candidate| x.row.key_strength.is_some_and(|s| s >= CLEAR_KEY);
    if let (Some(a), Some(b)) = (&c.row.camelot, &reference.row.camelot) {
        if clear(c) && clear(reference) {
            if let Some(rel) = key_relation(a, b) {
                out.push(rel.to_string());
            }
        }
    }
    if let (Some(bpm), Some(reference_bpm)) = (c.row.bpm, reference.row.bpm) {
        out.extend(tempo_reason(bpm, reference_bpm));
    }
    if out.is_empty() {
        // Nothing stands out on its own: name the part of the sound that carries the match.
        out.push(match blocks.first() {
            Some((block, share)) if *share > 0.0 => block_reason(*block).to_string(),
            _ => "alike overall".to_string(),
        });
    }
    out.truncate(MOST);
    out
}

/// The entry shown for a chosen candidate, explained against `reference`.
pub fn entry(
    reference: Option<&Candidate>,
    c: &Candidate,
    calibration: Option<&Calibration>,
) -> PlaylistEntry {
    let matched = Match::of(calibration, c.score);
    PlaylistEntry {
        track: (&c.row).into(),
        score: c.score,
        r#match: matched.map(|m| m.r#match),
        closeness: matched.map(|m| m.closeness),
        reasons: reasons(reference, c, calibration),
    }
}

/// The entry of a list that moves (a journey): scored by how alike it is to the track before
/// it and explained by what changes from that track ("tempo +6 · brighter · same key"). The
/// first track has nothing before it: it is "the start".
pub fn step_entry(
    previous: Option<(&Candidate, &Profile)>,
    c: &Candidate,
    profile: &Profile,
    calibration: Option<&Calibration>,
) -> PlaylistEntry {
    let Some((before, before_profile)) = previous else {
        return PlaylistEntry {
            track: (&c.row).into(),
            score: 1.0,
            r#match: None,
            closeness: None,
            reasons: vec!["the start".into()],
        };
    };
    let score = if c.vector.is_empty() || before.vector.is_empty() {
        0.0
    } else {
        crate::index::dot(&c.vector, &before.vector)
    };
    let matched = Match::of(calibration, score);
    PlaylistEntry {
        track: (&c.row).into(),
        score,
        r#match: matched.map(|m| m.r#match),
        closeness: matched.map(|m| m.closeness),
        reasons: step_reasons(before_profile, profile),
    }
}
