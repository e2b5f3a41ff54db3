//! What a similarity means in this library. A raw cosine says little by itself: in one library
//! good neighbours sit at 0.3, in another at 0.8. So the library is sampled and every pair of
//! sampled tracks compared; a pair's *match* is the share of those pairs that are less alike
//! than it ("closer than 97 % of the pairs in your library"). People read that as intended,
//! and the same number gives the words ("very close", "close", "related") and the floor below
//! which a track does not count as sounding alike at all — so a playlist is never padded with
//! tracks that do not.

use serde::{Deserialize, Serialize};

use crate::index::dot;
use crate::passages::{pairwise_matches, Passages, Standardised, Standardiser};

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
    /// What the tracks' passages add, when the sample has them.
    passages: Option<PassageScale>,
}

/// What passages add to a pair's similarity in this library ([`crate::passages`]): the
/// standardisation their patches are matched after, and where cosine + weight · passage match
/// falls among the sampled pairs — so a re-ranked score reads on the cosine's scale, and its
/// match is the share of pairs less alike by the same measure.
#[derive(Debug, Clone)]
struct PassageScale {
    standardiser: Standardiser,
    weight: f32,
    /// cosine + weight · passage match of the sampled pairs that have passages, ascending.
    combined: Vec<f32>,
    /// Their passage matches alone, ascending (what "similar passages" is judged on).
    matches: Vec<f32>,
}

/// Tracks sampled at most: 600 give 179,700 pairs, a fine enough scale in a few milliseconds.
pub const MAX_SAMPLE: usize = 600;

/// Tracks of the sample whose passages are matched pair by pair: 300 give 44,850 pairs (each
/// 2 × 64 dot products of 200, through matrix products: docs/benchmarks.md, session 21).
pub const MAX_PASSAGE_SAMPLE: usize = 300;

/// Where `x` falls along ascending `knots`, 0 … 1, linear between them and towards `lowest`
/// and `highest` (the measure's bounds) outside them.
fn share_at(knots: &[f32], x: f32, lowest: f32, highest: f32) -> f32 {
    let n = knots.len();
    let i = knots.partition_point(|&k| k < x);
    let at = |j: usize| (j as f32 + 0.5) / n as f32;
    let (x0, s0, x1, s1) = if i == 0 {
        (lowest, 0.0, knots[0], at(0))
    } else if i == n {
        (knots[n - 1], at(n - 1), highest, 1.0)
    } else {
        (knots[i - 1], at(i - 1), knots[i], at(i))
    };
    if x1 > x0 {
        (s0 + (s1 - s0) * (x - x0) / (x1 - x0)).clamp(0.0, 1.0)
    } else {
        s1
    }
}

/// The inverse of [`share_at`]: the value at `share` along ascending `knots`.
fn value_at(knots: &[f32], share: f32, lowest: f32, highest: f32) -> f32 {
    let n = knots.len();
    let position = share * n as f32 - 0.5;
    if position < 0.0 {
        let t = share / (0.5 / n as f32);
        lowest + (knots[0] - lowest) * t
    } else if position >= (n - 1) as f32 {
        let t = (share - (n as f32 - 0.5) / n as f32) / (0.5 / n as f32);
        knots[n - 1] + (highest - knots[n - 1]) * t.min(1.0)
    } else {
        let i = position.floor() as usize;
        let t = position - i as f32;
        knots[i] + (knots[i + 1] - knots[i]) * t
    }
}

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
            passages: None,
        })
    }

    /// With what passages add: `passages[i]` belongs to `vectors[i]` (the sample
    /// [`Calibration::from_vectors`] was given). The first [`MAX_PASSAGE_SAMPLE`] tracks with
    /// passages are matched pair by pair; unchanged with fewer than three of them or a weight
    /// of 0.
    pub fn with_passages(
        mut self,
        vectors: &[Vec<f32>],
        passages: &[Option<&Passages>],
        weight: f32,
    ) -> Calibration {
        let mut with: Vec<(&Vec<f32>, &Passages)> = vectors
            .iter()
            .zip(passages)
            .filter_map(|(v, p)| Some((v, (*p)?)).filter(|(_, p)| !p.is_empty()))
            .take(MAX_PASSAGE_SAMPLE)
            .collect();
        // Summed and multiplied in an order of their content, not of the tracks' ids: the same
        // music scanned in another order gets the same calibration to the last bit.
        with.sort_by(|a, b| a.1.content_cmp(b.1));
        if with.len() < 3 || weight <= 0.0 || !weight.is_finite() {
            return self;
        }
        let Some(standardiser) = Standardiser::fit(with.iter().map(|(_, p)| *p)) else {
            return self;
        };
        let standardised: Vec<(&Vec<f32>, Standardised)> = with
            .iter()
            .filter_map(|(v, p)| Some((*v, standardiser.apply(p)?)))
            .collect();
        let (vectors, tracks): (Vec<&Vec<f32>>, Vec<Standardised>) =
            standardised.into_iter().unzip();
        let mut matches = pairwise_matches(&tracks);
        let mut combined = Vec::with_capacity(matches.len());
        let mut pair = matches.iter();
        for (i, va) in vectors.iter().enumerate() {
            for (vb, m) in vectors[i + 1..].iter().zip(pair.by_ref()) {
                combined.push(dot(va, vb) + weight * m);
            }
        }
        combined.sort_by(f32::total_cmp);
        matches.sort_by(f32::total_cmp);
        self.passages = Some(PassageScale {
            standardiser,
            weight,
            combined,
            matches,
        });
        self
    }

    /// A track's passages as they are matched in this library (`None` without passages in the
    /// calibration, or in the track).
    pub fn standardise(&self, passages: &Passages) -> Option<Standardised> {
        self.passages.as_ref()?.standardiser.apply(passages)
    }

    /// Whether matches here take passages into account.
    pub fn has_passages(&self) -> bool {
        self.passages.is_some()
    }

    /// A pair's score from its cosine and passage match, on the cosine's scale: the cosine
    /// found at the share of the library's pairs that cosine + weight · match beats. Ranks as
    /// the sum does; its match is that share. Without passages in the calibration: the cosine.
    pub fn rescored(&self, cosine: f32, passage_match: f32) -> f32 {
        let Some(scale) = &self.passages else {
            return cosine;
        };
        let bound = 1.0 + scale.weight;
        let share = share_at(
            &scale.combined,
            cosine + scale.weight * passage_match,
            -bound,
            bound,
        );
        value_at(&self.pairs, share, -1.0, 1.0)
    }

    /// Whether two tracks' passages alone are closer than the library's "close" pairs are.
    pub fn passages_stand_out(&self, passage_match: f32) -> bool {
        self.passages.as_ref().is_some_and(|scale| {
            let below = scale.matches.partition_point(|&m| m < passage_match);
            below as f32 / scale.matches.len() as f32 >= self.thresholds.close
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

    /// `n` tracks at angles in a plane, each with passages of two patches drawn around a
    /// direction that turns with the track (neighbours share passages more than far tracks).
    fn with_passages(n: usize) -> (Vec<Vec<f32>>, Vec<Passages>) {
        use crate::musicnn::net::EMBEDDING;
        let mut rng = fastrand::Rng::with_seed(7);
        // Random angles: evenly spaced ones would tie many pairs' cosines.
        let angles: Vec<f32> = (0..n).map(|_| rng.f32() * 4.0).collect();
        let passages = angles
            .iter()
            .map(|a| {
                let patch = |rng: &mut fastrand::Rng| {
                    let mut p = [0.0f32; EMBEDDING];
                    p.iter_mut().for_each(|x| *x = rng.f32());
                    p[0] += 4.0 * a.cos();
                    p[1] += 4.0 * a.sin();
                    p
                };
                Passages {
                    msd: vec![patch(&mut rng), patch(&mut rng)],
                    mtt: vec![patch(&mut rng), patch(&mut rng)],
                }
            })
            .collect();
        (at(&angles), passages)
    }

    #[test]
    fn a_rescored_pair_reads_as_the_share_its_combined_score_beats() {
        let (vectors, passages) = with_passages(40);
        let refs: Vec<Option<&Passages>> = passages.iter().map(Some).collect();
        let plain =
            Calibration::from_vectors(&vectors, Thresholds::default()).expect("calibration");
        assert_eq!(plain.rescored(0.3, 0.9), 0.3, "no passages: the cosine");
        let c = plain.clone().with_passages(&vectors, &refs, 2.0);
        assert!(c.has_passages());
        let scale = c.passages.as_ref().expect("passages");
        assert_eq!(scale.combined.len(), 40 * 39 / 2);
        // Monotone in the combined score, on the cosine's scale, and its match is the share of
        // pairs the combined score beats (within the two tables' resolution).
        let mut last = -2.0;
        for step in 0..=60 {
            let cosine = -1.0 + step as f32 / 30.0;
            for m in [-0.2, 0.1, 0.5, 0.9] {
                let r = c.rescored(cosine, m);
                assert!((-1.0..=1.0).contains(&r), "{r}");
                let beats = scale.combined.partition_point(|&x| x < cosine + 2.0 * m) as f32
                    / scale.combined.len() as f32;
                assert!(
                    (c.match_of(r) - beats).abs() <= 2.0 / 780.0 + 1e-4,
                    "{cosine} {m}"
                );
            }
            let r = c.rescored(cosine, 0.5);
            assert!(r >= last);
            last = r;
        }
        // The same cosine with better matching passages ranks higher.
        assert!(c.rescored(0.5, 0.9) > c.rescored(0.5, 0.2));
        // Identical tracks stay at the top.
        assert!(c.rescored(1.0, 1.0) >= c.rescored(0.99, 0.99));
        assert_eq!(c.match_of(c.rescored(1.0, 1.0)), 1.0);
        // Words: a pair whose passages alone beat 95 % of the pairs' stands out.
        let best = *scale.matches.last().expect("pairs");
        assert!(c.passages_stand_out(best));
        assert!(!c.passages_stand_out(scale.matches[scale.matches.len() / 2]));
        assert!(!plain.passages_stand_out(best));
        // A track's passages standardised by the library's sample match themselves fully.
        let own = c.standardise(&passages[3]).expect("standardised");
        assert!((crate::passages::passage_match(&own, &own) - 1.0).abs() < 1e-4);
    }

    #[test]
    fn passages_need_three_tracks_and_a_weight() {
        let (vectors, passages) = with_passages(5);
        let plain =
            Calibration::from_vectors(&vectors, Thresholds::default()).expect("calibration");
        let some: Vec<Option<&Passages>> = passages
            .iter()
            .enumerate()
            .map(|(i, p)| (i < 2).then_some(p))
            .collect();
        assert!(!plain
            .clone()
            .with_passages(&vectors, &some, 2.0)
            .has_passages());
        let all: Vec<Option<&Passages>> = passages.iter().map(Some).collect();
        assert!(!plain
            .clone()
            .with_passages(&vectors, &all, 0.0)
            .has_passages());
        assert!(plain.with_passages(&vectors, &all, 2.0).has_passages());
    }

    #[test]
    fn too_few_tracks_give_no_calibration() {
        assert!(Calibration::from_vectors(&at(&[0.0, 1.0]), Thresholds::default()).is_none());
        assert!(Match::of(None, 0.5).is_none());
    }
}
