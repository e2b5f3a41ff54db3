//! The passages' part in "sounds alike", on the library's side ([`crate::passages`]): the
//! stored passages of a query's tracks and its candidates, standardised as the library's
//! calibration matches them, and the index's nearest candidates rescored by how well their
//! passages match the query's ([`Calibration::rescored`]: the cosine's scale, so matches,
//! floors and words read as before).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::Library;
use crate::error::Result;
use crate::index::Hit;
use crate::passages::{passage_match, Passages, Standardised, RERANK_CANDIDATES};
use crate::playlist::{Calibration, Candidate};

/// A track's passages as the library matches them.
pub(super) type Matched = Arc<Standardised>;

impl Library {
    /// These tracks' stored passages, standardised for `calibration` (none without passages in
    /// it).
    pub(super) async fn matched_passages(
        &self,
        ids: &[i64],
        calibration: Option<&Calibration>,
    ) -> Result<HashMap<i64, Matched>> {
        let Some(calibration) = calibration.filter(|c| c.has_passages()) else {
            return Ok(HashMap::new());
        };
        let stored = self.store.passages_of(ids).await?;
        Ok(stored
            .iter()
            .filter_map(|(id, p)| Some((*id, Arc::new(calibration.standardise(p)?))))
            .collect())
    }
}

/// Passages held in memory (a file outside the library's), standardised for `calibration`
/// as the store would give them back.
pub(super) fn matched(
    passages: Option<&Passages>,
    calibration: Option<&Calibration>,
) -> Option<Matched> {
    Some(Arc::new(calibration?.standardise(&passages?.as_stored())?))
}

/// How well a candidate's passages match the query's tracks': the mean over those that have
/// passages (`None` when neither side has any).
fn match_to(query: &[Matched], candidate: Option<&Matched>) -> Option<f32> {
    let candidate = candidate?;
    if query.is_empty() {
        return None;
    }
    let sum: f32 = query.iter().map(|q| passage_match(q, candidate)).sum();
    Some(sum / query.len() as f32)
}

/// `hits` with the [`RERANK_CANDIDATES`] best by cosine rescored by their passages' match to
/// `query`, best first again (ties by id, as the index's own order).
pub(super) fn rerank_hits(
    hits: &mut [Hit],
    query: &[Matched],
    passages: &HashMap<i64, Matched>,
    calibration: Option<&Calibration>,
) {
    let Some(calibration) = calibration else {
        return;
    };
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    for hit in hits.iter_mut().take(RERANK_CANDIDATES) {
        if let Some(m) = match_to(query, passages.get(&hit.id)) {
            hit.score = calibration.rescored(hit.score, m);
        }
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
}

/// Whose passages a candidate's are matched to: its seeds' (the mean match), and, for a radio,
/// away from the tracks skipped lately (their mean match, weighted, taken off).
pub(super) struct PassageQuery {
    toward: Vec<Matched>,
    away: Vec<Matched>,
    away_weight: f32,
}

impl PassageQuery {
    pub(super) fn of_seeds(seeds: &[Candidate]) -> PassageQuery {
        PassageQuery {
            toward: seeds.iter().filter_map(|s| s.passages.clone()).collect(),
            away: Vec::new(),
            away_weight: 0.0,
        }
    }

    pub(super) fn away_from(self, away: Vec<Matched>, weight: f32) -> PassageQuery {
        PassageQuery {
            away,
            away_weight: weight,
            ..self
        }
    }

    fn match_of(&self, candidate: Option<&Matched>) -> Option<f32> {
        let toward = match_to(&self.toward, candidate)?;
        Some(toward - self.away_weight * match_to(&self.away, candidate).unwrap_or(0.0))
    }
}

/// The ids among `hits` (an index search, best first) that the passages rescore: the
/// [`RERANK_CANDIDATES`] nearest.
pub(super) fn rescored_among(hits: &[Hit]) -> HashSet<i64> {
    hits.iter().take(RERANK_CANDIDATES).map(|h| h.id).collect()
}

/// Candidates scored by cosine to a playlist's or a radio's query, those in `near` (see
/// [`rescored_among`]) rescored by their passages' match to `passages`. The order is left as
/// it was.
pub(super) fn rescore(
    near: &HashSet<i64>,
    passages: &PassageQuery,
    candidates: &mut [Candidate],
    calibration: Option<&Calibration>,
) {
    let Some(calibration) = calibration else {
        return;
    };
    for c in candidates.iter_mut().filter(|c| near.contains(&c.row.id)) {
        if let Some(m) = passages.match_of(c.passages.as_ref()) {
            c.score = calibration.rescored(c.score, m);
        }
    }
}

impl Library {
    /// [`rescore`] for tracks that did not come from a search (a saved list reopened): those
    /// among the [`RERANK_CANDIDATES`] nearest of the index's `pool` nearest to `query`
    /// (`excluded` left out) — the search the playlist's pool was made from (an approximate
    /// index may order a shorter search's nearest otherwise), so the list reads as made.
    pub(super) fn rescore_near(
        &self,
        query: &[f32],
        pool: usize,
        excluded: &[i64],
        passages: &PassageQuery,
        candidates: &mut [Candidate],
        calibration: Option<&Calibration>,
    ) -> Result<()> {
        if calibration.is_none() || passages.toward.is_empty() {
            return Ok(());
        }
        let hits = self
            .similarity
            .search_vectors(&[query.to_vec()], pool, &[excluded.to_vec()])?
            .into_iter()
            .next()
            .unwrap_or_default();
        rescore(&rescored_among(&hits), passages, candidates, calibration);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passages::Standardiser;

    fn passages(seeds: &[u64]) -> Passages {
        Passages::synthetic(seeds)
    }

    #[test]
    fn a_skipped_tracks_passages_count_against_what_shares_them() {
        let sample: Vec<Passages> = (0..20).map(|i| passages(&[i * 3, i * 3 + 1])).collect();
        let s = Standardiser::fit(&sample).expect("fitted");
        let of = |seeds: &[u64]| Arc::new(s.apply(&passages(seeds)).expect("patches"));
        let seed = of(&[100, 101, 102]);
        let skipped = of(&[200, 201, 202]);
        // Both share one passage with the seed; one shares another with the skipped track.
        let like_skipped = of(&[101, 201, 301]);
        let unlike = of(&[101, 401, 402]);
        let toward = PassageQuery {
            toward: vec![seed],
            away: Vec::new(),
            away_weight: 0.0,
        };
        let (a, b) = (
            toward.match_of(Some(&like_skipped)).expect("match"),
            toward.match_of(Some(&unlike)).expect("match"),
        );
        assert!((a - b).abs() < 0.1, "alike towards the seed: {a} vs {b}");
        let leaning = toward.away_from(vec![skipped.clone()], 0.5);
        let (a2, b2) = (
            leaning.match_of(Some(&like_skipped)).expect("match"),
            leaning.match_of(Some(&unlike)).expect("match"),
        );
        assert!(
            a2 < b2 - 0.1,
            "the skipped track's passage counts: {a2} vs {b2}"
        );
        assert!(a2 < a && b2 <= b);
        // Without the seeds' passages there is nothing to match.
        let none = PassageQuery::of_seeds(&[]).away_from(vec![skipped], 0.5);
        assert_eq!(none.match_of(Some(&unlike)), None);
        assert_eq!(leaning.match_of(None), None);
    }
}
