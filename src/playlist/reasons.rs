//! Why a track is in the playlist, in a few words, and the entry that shows it.

use super::keys::key_relation;
use super::{Candidate, PlaylistEntry};
use crate::vector::{Block, Normalizer};

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
