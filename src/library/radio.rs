//! The library's side of radio: a station on seed tracks, its next picks from the similarity
//! index around the station's query, and the listener's feedback.

use super::passages::{rescore, rescored_among, PassageQuery};
use super::Library;
use crate::error::{Error, Result};
use crate::playlist::radio::{Feedback, Station, SKIP_PASSAGE_WEIGHT};
use crate::playlist::{entry, Candidate, PlaylistEntry};

/// Candidates looked at for each pick (beyond the tracks already heard).
const RADIO_CANDIDATES: usize = 100;

/// Picks planned ahead of what plays in a radio session (the visible "up next").
pub const RADIO_AHEAD: usize = 5;

/// A station, its seeds and what it last picked (each pick is explained against the one
/// before it).
#[derive(Clone)]
pub struct Radio {
    pub(super) station: Station,
    /// What the station is about: the picks' passages are matched to theirs, as a playlist's
    /// candidates are to its seeds', however the station's query drifts.
    pub(super) seeds: Vec<Candidate>,
    pub(super) last: Option<Candidate>,
}

/// A pick, with what it is explained and found by.
pub(super) struct Picked {
    pub candidate: Candidate,
    pub entry: PlaylistEntry,
}

impl Library {
    /// A station on these seed tracks (analysed ones), never picking `not_again` (tracks heard
    /// lately) nor the seeds.
    pub async fn start_radio(&self, seeds: &[i64], not_again: &[i64]) -> Result<Radio> {
        if seeds.is_empty() {
            return Err(Error::InvalidRequest("a radio needs a seed track".into()));
        }
        for id in seeds {
            if self.store.track(*id).await?.is_none() {
                return Err(Error::NoSuchTrack(*id));
            }
        }
        self.similarity.sync(&self.store).await?;
        let seeded = self.candidates_for(seeds, None, false).await?;
        if seeded.is_empty() {
            return Err(Error::SeedNotAnalyzed);
        }
        let vectors = seeded.iter().map(|c| c.vector.clone()).collect();
        let not_again = seeds.iter().chain(not_again).copied();
        Ok(Radio {
            station: Station::new(vectors, not_again),
            last: seeded.first().cloned(),
            seeds: seeded,
        })
    }

    /// The station's next pick, explained against the track before it (`None`: every track
    /// near the station was heard). The pick counts as played until told otherwise.
    pub async fn radio_next(&self, radio: &mut Radio) -> Result<Option<PlaylistEntry>> {
        Ok(self.radio_pick(radio).await?.map(|p| p.entry))
    }

    /// The station's next pick with its vector.
    pub(super) async fn radio_pick(&self, radio: &mut Radio) -> Result<Option<Picked>> {
        let query = radio.station.query();
        let heard: Vec<i64> = radio.station.heard().iter().copied().collect();
        let hits = self
            .similarity
            .search_vectors(std::slice::from_ref(&query), RADIO_CANDIDATES, &[heard])?
            .into_iter()
            .next()
            .unwrap_or_default();
        let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
        let mut candidates = self.candidates_for(&ids, Some(&query), false).await?;
        let calibration = self.calibration().await?;
        // The passages lean as the query does: towards the seeds, away from the tracks skipped
        // lately (without this, a skipped soundtrack's passages would pull it back).
        let skipped: Vec<i64> = radio.station.skipped().collect();
        let away = self
            .matched_passages(&skipped, calibration.as_deref())
            .await?
            .into_values()
            .collect();
        let passages = PassageQuery::of_seeds(&radio.seeds).away_from(away, SKIP_PASSAGE_WEIGHT);
        rescore(
            &rescored_among(&hits),
            &passages,
            &mut candidates,
            calibration.as_deref(),
        );
        let Some(pick) = radio.station.choose(&candidates).cloned() else {
            return Ok(None);
        };
        radio
            .station
            .tell(pick.row.id, &pick.vector, Feedback::Played);
        let shown = entry(radio.last.as_ref(), &pick, calibration.as_deref());
        radio.last = Some(pick.clone());
        Ok(Some(Picked {
            candidate: pick,
            entry: shown,
        }))
    }

    /// The listener skipped (early) or liked track `id`: the next picks lean away or towards.
    pub async fn radio_feedback(
        &self,
        radio: &mut Radio,
        id: i64,
        feedback: Feedback,
    ) -> Result<()> {
        let mut vectors = self.similarity.vectors_of(&self.store, &[id]).await?;
        let vector = vectors.remove(&id).ok_or(Error::SeedNotAnalyzed)?;
        radio.station.tell(id, &vector, feedback);
        Ok(())
    }
}
