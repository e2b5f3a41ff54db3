//! What a similarity means in this library. A raw cosine says little by itself: in one library
//! good neighbours sit at 0.3, in another at 0.8. So the library is sampled and every pair of
//! sampled tracks compared; a pair's *match* is the share of those pairs that are less alike
//! than it ("closer than 97 % of the pairs in your library"). People read that as intended,
//! and the same number gives the words ("very close", "close", "related") and the floor below
//! which a track does not count as sounding alike at all — so a playlist is never padded with
//! tracks that do not.

use serde::{Deserialize, Serialize};

use crate::index::dot;

/// How alike two tracks are, in words, from their match.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum Closeness {
    /// Below the floor: does not sound like it.
    Unlike,
    Related,
    Close,
    VeryClose,
}

impl Closeness {
    pub fn as_str(self) -> &'static str {
        match self {
            Closeness::Unlike => "unlike",
            Closeness::Related => "related",
            Closeness::Close => "close",
            Closeness::VeryClose => "very close",
        }
    }
}

/// Where the words change, as matches (shares of the library's pairs less alike).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, specta::Type)]
pub struct Thresholds {
    /// Below this a track does not sound like the seed: never in a playlist or similar list.
    pub floor: f32,
    pub close: f32,
    pub very_close: f32,
}

impl Default for Thresholds {
    /// Chosen on one half of the real soundtracks and reported on the other
    /// (docs/benchmarks.md, "The first playlist").
    fn default() -> Self {
        Thresholds {
            floor: 0.85,
            close: 0.95,
            very_close: 0.99,
        }
    }
}

/// The library's pair similarities, sorted, from which matches are read.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// Cosines of every pair of the sampled tracks, ascending.
    pairs: Vec<f32>,
    /// How many tracks were sampled.
    pub sampled: usize,
    pub thresholds: Thresholds,
}

/// Tracks sampled at most: 600 give 179,700 pairs, a fine enough scale in a few milliseconds.
pub const MAX_SAMPLE: usize = 600;

impl Calibration {
    /// From the index vectors of a sample of the library (unit length). `None` with fewer than
    /// three tracks: too few pairs to say anything.
    pub fn from_vectors(vectors: &[Vec<f32>], thresholds: Thresholds) -> Option<Calibration> {
        if vectors.len() < 3 {
            return None;
        }
        let mut pairs = Vec::with_capacity(vectors.len() * (vectors.len() - 1) / 2);
        for (i, a) in vectors.iter().enumerate() {
            for b in &vectors[i + 1..] {
                pairs.push(dot(a, b));
            }
        }
        pairs.sort_by(f32::total_cmp);
        Some(Calibration {
            pairs,
            sampled: vectors.len(),
            thresholds,
        })
    }

    /// The same measurements with other thresholds.
    pub fn with_thresholds(&self, thresholds: Thresholds) -> Calibration {
        Calibration {
            thresholds,
            ..self.clone()
        }
    }

    /// The share of the library's pairs less alike than a pair at `cosine`, 0 … 1.
    pub fn match_of(&self, cosine: f32) -> f32 {
        let below = self.pairs.partition_point(|&p| p < cosine);
        below as f32 / self.pairs.len() as f32
    }

    pub fn closeness(&self, cosine: f32) -> Closeness {
        let m = self.match_of(cosine);
        let t = &self.thresholds;
        if m >= t.very_close {
            Closeness::VeryClose
        } else if m >= t.close {
            Closeness::Close
        } else if m >= t.floor {
            Closeness::Related
        } else {
            Closeness::Unlike
        }
    }

    /// Whether a pair at `cosine` reaches the floor: sounds alike enough for a playlist.
    pub fn sounds_alike(&self, cosine: f32) -> bool {
        self.match_of(cosine) >= self.thresholds.floor
    }
}

/// A similarity as shown: the raw cosine stays (`score`), the calibrated match and its words
/// come with it; both are absent when the library is too small to calibrate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Match {
    /// The share of the library's pairs less alike, 0 … 1.
    pub r#match: f32,
    pub closeness: Closeness,
}

impl Match {
    pub fn of(calibration: Option<&Calibration>, cosine: f32) -> Option<Match> {
        calibration.map(|c| Match {
            r#match: c.match_of(cosine),
            closeness: c.closeness(cosine),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unit vectors at these angles in a plane.
    fn at(angles: &[f32]) -> Vec<Vec<f32>> {
        angles.iter().map(|a| vec![a.cos(), a.sin()]).collect()
    }

    #[test]
    fn a_match_is_the_share_of_pairs_less_alike() {
        // 5 tracks spread over a half circle: 10 pairs.
        let c = Calibration::from_vectors(&at(&[0.0, 0.4, 0.8, 1.6, 3.0]), Thresholds::default())
            .expect("calibration");
        assert_eq!(c.sampled, 5);
        assert_eq!(c.match_of(1.0), 1.0, "identical beats every pair");
        assert_eq!(c.match_of(-1.0), 0.0, "opposite beats none");
        // The closest pairs are 0.4 apart (2 of them): closer than the other 8 of 10.
        assert!((c.match_of(0.4f32.cos()) - 0.8).abs() < 1e-6);
        // 1.0 apart: closer than the 6 pairs more than 1.0 apart.
        assert!((c.match_of(1.0f32.cos()) - 0.6).abs() < 1e-6);
    }

    #[test]
    fn words_follow_the_thresholds_and_the_floor() {
        let angles: Vec<f32> = (0..40).map(|i| i as f32 * 0.05).collect();
        let c =
            Calibration::from_vectors(&at(&angles), Thresholds::default()).expect("calibration");
        assert_eq!(c.closeness(1.0), Closeness::VeryClose);
        assert_eq!(c.closeness(-1.0), Closeness::Unlike);
        // Walking down from identical to opposite, the words only ever get weaker, and the
        // floor is where "related" turns into "unlike".
        let steps: Vec<f32> = (0..=4000).map(|i| 1.0 - i as f32 / 2000.0).collect();
        let words: Vec<Closeness> = steps.iter().map(|&x| c.closeness(x)).collect();
        assert!(words.windows(2).all(|w| w[0] >= w[1]));
        for (&x, &w) in steps.iter().zip(&words) {
            assert_eq!(c.sounds_alike(x), w >= Closeness::Related);
            assert_eq!(c.sounds_alike(x), c.match_of(x) >= 0.85);
        }
        assert!(words.contains(&Closeness::Close) && words.contains(&Closeness::Related));
    }

    #[test]
    fn too_few_tracks_give_no_calibration() {
        assert!(Calibration::from_vectors(&at(&[0.0, 1.0]), Thresholds::default()).is_none());
        assert!(Match::of(None, 0.5).is_none());
    }
}
