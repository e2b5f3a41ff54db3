//! What a user asks of a playlist: seeds, length, order and every constraint, each field with
//! its default (`PlaylistRequest::default()` is the one place defaults are declared: the CLI's
//! flags and the UI's knobs read it). A new constraint is a field here and its rule in
//! `rules.rs`.

use serde::{Deserialize, Serialize};

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
    /// A file outside the library to start from (dropped on the app, or `--like-file`): its
    /// sound seeds the playlist beside `seeds`, and it is not in the list.
    pub seed_file: Option<String>,
    /// "Not like this": tracks the playlist should lean away from.
    pub avoid_like: Vec<i64>,
    pub length: usize,
    pub order: Order,
    /// At most this many tracks by one artist, and from one album (0 = no limit).
    pub max_per_artist: usize,
    pub max_per_album: usize,
    /// Keep to the caps whatever they cost. By default a cap gives way to a clearly better
    /// match, and the caps loosen rather than leave out tracks that sound alike.
    pub strict_caps: bool,
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
    /// A journey: the playlist starts at the (first) seed, ends at this track and walks
    /// between them in even steps; `length` counts both ends.
    pub journey_to: Option<i64>,
    /// Tempo or energy following a shape (rising, falling, up then down): the order then
    /// follows it instead of `order`.
    pub ramp: Option<super::Ramp>,
}

impl Default for PlaylistRequest {
    fn default() -> Self {
        PlaylistRequest {
            seeds: Vec::new(),
            seed_file: None,
            avoid_like: Vec::new(),
            length: 20,
            order: Order::Similarity,
            max_per_artist: 2,
            max_per_album: 2,
            strict_caps: false,
            tempo: None,
            key_compatible: false,
            min_duration_s: None,
            max_duration_s: None,
            include_tags: Vec::new(),
            avoid_tags: Vec::new(),
            folders: Vec::new(),
            journey_to: None,
            ramp: None,
        }
    }
}
