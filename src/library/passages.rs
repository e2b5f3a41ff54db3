//! The passages' part in "sounds alike", on the library's side ([`crate::passages`]): the
//! stored passages of a query's tracks and its candidates, standardised as the library's
//! calibration matches them, and the index's nearest candidates rescored by how well their
//! passages match the query's ([`Calibration::rescored`]: the cosine's scale, so matches,
//! floors and words read as before).

use std::collections::HashMap;
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

/// Passages held in memory (a file outside the library's), standardised for `calibration`.
pub(super) fn matched(
    passages: Option<&Passages>,
    calibration: Option<&Calibration>,
) -> Option<Matched> {
    Some(Arc::new(calibration?.standardise(passages?)?))
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

/// [`rerank_hits`] for a playlist's or a station's candidates (each carrying its passages).
pub(super) fn rerank_candidates(
    candidates: &mut [Candidate],
    query: &[Matched],
    calibration: Option<&Calibration>,
) {
    let Some(calibration) = calibration else {
        return;
    };
    let by_score =
        |a: &Candidate, b: &Candidate| b.score.total_cmp(&a.score).then(a.row.id.cmp(&b.row.id));
    candidates.sort_by(by_score);
    for c in candidates.iter_mut().take(RERANK_CANDIDATES) {
        if let Some(m) = match_to(query, c.passages.as_ref()) {
            c.score = calibration.rescored(c.score, m);
        }
    }
    candidates.sort_by(by_score);
}
