//! The musical dimensions a list can move along — tempo, energy, brightness, key — read from a
//! track's analysis, and the change from one track to the next in words ("tempo +6 · brighter
//! · same key"): what journeys, ramps and sorted playlists are built on and explained by.

use serde::{Deserialize, Serialize};

use super::keys::key_relation;
use crate::analysis::Features;
use crate::store::TrackRow;

/// What a track brings to a list that moves: its place on each dimension.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub bpm: Option<f64>,
    pub camelot: Option<String>,
    /// How clear the key is (0 … 1): a key too weak to hear is not worth naming.
    pub key_strength: Option<f64>,
    /// Integrated loudness, LUFS.
    pub loudness_lufs: Option<f64>,
    /// Note and drum onsets per second.
    pub onset_rate: Option<f64>,
    /// The spectrum's centre of mass, Hz (mean over the track).
    pub brightness_hz: Option<f64>,
}

/// Keys weaker than this (noise, drums, atonal textures) are not worth naming.
const CLEAR_KEY: f64 = 0.3;

impl Profile {
    pub fn of(row: &TrackRow, features: Option<&Features>) -> Profile {
        Profile {
            bpm: row.bpm,
            camelot: row.camelot.clone(),
            key_strength: row.key_strength,
            loudness_lufs: row.loudness_lufs,
            onset_rate: features.map(|f| f64::from(f.onset_rate)),
            brightness_hz: features
                .map(|f| f64::from(f.timbre.centroid_hz.mean))
                .filter(|hz| *hz > 0.0),
        }
    }

    /// Energy in one number: 6 LU louder or twice as many onsets per second is one step more.
    /// (Loudness alone calls a loud ambient drone energetic; onsets alone a quiet harpsichord.)
    pub fn energy(&self) -> Option<f64> {
        let lufs = self.loudness_lufs?;
        let onsets = self.onset_rate?;
        Some(lufs / 6.0 + onsets.max(0.1).log2())
    }

    /// Where the track sits on `dimension` (`None` when the analysis did not find it).
    pub fn value(&self, dimension: Dimension) -> Option<f64> {
        match dimension {
            Dimension::Tempo => self.bpm,
            Dimension::Energy => self.energy(),
            // Perceived brightness follows the log of the frequency.
            Dimension::Brightness => self.brightness_hz.map(f64::log2),
        }
    }

    fn clear_key(&self) -> Option<&str> {
        self.camelot
            .as_deref()
            .filter(|_| self.key_strength.is_some_and(|s| s >= CLEAR_KEY))
    }
}

/// A dimension a list can rise or fall along.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    Tempo,
    /// Loudness and how busy the music is ([`Profile::energy`]).
    Energy,
    Brightness,
}

/// A tempo change smaller than this is "the same tempo".
const SAME_TEMPO: f64 = 0.015;
/// A brightness change (ratio of spectral centroids) worth naming.
const BRIGHTER: f64 = 1.08;
/// An energy change worth naming, in [`Profile::energy`] steps.
const MORE_ENERGY: f64 = 0.35;

/// What changes from `from` to `to`, in a few words: tempo first, then energy, brightness and
/// key. Never empty: "same feel" when nothing moves enough to name.
pub fn step_reasons(from: &Profile, to: &Profile) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some(a), Some(b)) = (from.bpm, to.bpm) {
        let ratio = b / a;
        let near = |target: f64| (ratio / target - 1.0).abs() <= 0.03;
        out.push(if (ratio - 1.0).abs() <= SAME_TEMPO {
            "same tempo".to_string()
        } else if near(2.0) {
            "double time".to_string()
        } else if near(0.5) {
            "half time".to_string()
        } else {
            format!("tempo {:+.0}", b - a)
        });
    }
    if let (Some(a), Some(b)) = (from.energy(), to.energy()) {
        if b - a >= MORE_ENERGY {
            out.push("more energy".into());
        } else if a - b >= MORE_ENERGY {
            out.push("calmer".into());
        }
    }
    if let (Some(a), Some(b)) = (from.brightness_hz, to.brightness_hz) {
        if b >= a * BRIGHTER {
            out.push("brighter".into());
        } else if a >= b * BRIGHTER {
            out.push("darker".into());
        }
    }
    if let (Some(a), Some(b)) = (from.clear_key(), to.clear_key()) {
        out.push(key_relation(b, a).unwrap_or("key change").to_string());
    }
    if out.is_empty() {
        out.push("same feel".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(bpm: f64, lufs: f64, onsets: f64, hz: f64, camelot: &str) -> Profile {
        Profile {
            bpm: Some(bpm),
            camelot: Some(camelot.into()),
            key_strength: Some(0.8),
            loudness_lufs: Some(lufs),
            onset_rate: Some(onsets),
            brightness_hz: Some(hz),
        }
    }

    #[test]
    fn a_step_says_what_changes() {
        let a = profile(120.0, -12.0, 3.0, 1500.0, "8A");
        let b = profile(126.0, -12.0, 3.0, 1800.0, "8A");
        assert_eq!(step_reasons(&a, &b), ["tempo +6", "brighter", "same key"]);
        let c = profile(63.0, -20.0, 1.0, 1000.0, "3B");
        assert_eq!(
            step_reasons(&b, &c),
            ["half time", "calmer", "darker", "key change"]
        );
        assert_eq!(step_reasons(&a, &a), ["same tempo", "same key"]);
    }

    #[test]
    fn nothing_known_is_the_same_feel_and_a_weak_key_is_not_named() {
        assert_eq!(
            step_reasons(&Profile::default(), &Profile::default()),
            ["same feel"]
        );
        let mut weak = profile(100.0, -12.0, 3.0, 1500.0, "8A");
        weak.key_strength = Some(0.1);
        let clear = profile(100.0, -12.0, 3.0, 1500.0, "1B");
        assert_eq!(step_reasons(&weak, &clear), ["same tempo"]);
    }

    #[test]
    fn energy_rises_with_loudness_and_with_onsets() {
        let quiet = profile(100.0, -24.0, 2.0, 1500.0, "8A");
        let loud = profile(100.0, -12.0, 2.0, 1500.0, "8A");
        let busy = profile(100.0, -24.0, 8.0, 1500.0, "8A");
        let e = |p: &Profile| p.energy().expect("energy");
        assert!(
            (e(&loud) - e(&quiet) - 2.0).abs() < 1e-9,
            "12 LU is two steps"
        );
        assert!(
            (e(&busy) - e(&quiet) - 2.0).abs() < 1e-9,
            "4x onsets is two steps"
        );
        assert_eq!(
            Profile {
                onset_rate: None,
                ..quiet
            }
            .energy(),
            None
        );
    }
}
