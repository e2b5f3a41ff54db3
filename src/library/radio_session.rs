//! A radio being listened to (what the app holds while its radio plays): the track playing,
//! the picks queued ahead of it, and what was heard. The queue ahead is planned from a copy of
//! the station as the heard tracks left it, so a skip, a thumbs-up or a track taken off the
//! queue re-plans it at once; a plain advance re-plans to the same picks plus one more.

use serde::Serialize;

use super::radio::{Picked, Radio, RADIO_AHEAD};
use super::Library;
use crate::error::{Error, Result};
use crate::playlist::radio::Feedback;
use crate::playlist::PlaylistEntry;
use crate::store::TrackSummary;

/// The history keeps this many tracks (the station itself never forgets a pick).
const HISTORY: usize = 200;

pub struct RadioSession {
    /// The station as the tracks heard so far (and the one playing) left it.
    heard: Radio,
    seeds: Vec<TrackSummary>,
    now: Option<Picked>,
    now_liked: bool,
    upcoming: Vec<Picked>,
    /// Most recent first.
    history: Vec<HeardEntry>,
}

/// A track the radio played, and how the listener took it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct HeardEntry {
    pub entry: PlaylistEntry,
    pub feedback: Feedback,
}

/// What a radio session shows.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct RadioView {
    /// The tracks the radio started from.
    pub seeds: Vec<TrackSummary>,
    /// The track playing (`None`: every track near the station has been heard).
    pub now: Option<PlaylistEntry>,
    /// The listener gave the playing track a thumbs-up.
    pub now_liked: bool,
    /// The next picks, in the order they will play.
    pub upcoming: Vec<PlaylistEntry>,
    /// What was played, most recent first.
    pub history: Vec<HeardEntry>,
}

impl RadioSession {
    pub fn view(&self) -> RadioView {
        RadioView {
            seeds: self.seeds.clone(),
            now: self.now.as_ref().map(|p| p.entry.clone()),
            now_liked: self.now_liked,
            upcoming: self.upcoming.iter().map(|p| p.entry.clone()).collect(),
            history: self.history.clone(),
        }
    }

    /// The track playing.
    pub fn now_id(&self) -> Option<i64> {
        self.now.as_ref().map(|p| p.candidate.row.id)
    }

    fn remember(&mut self, entry: PlaylistEntry, feedback: Feedback) {
        self.history.insert(0, HeardEntry { entry, feedback });
        self.history.truncate(HISTORY);
    }
}

impl Library {
    /// A radio on these seeds, its first pick playing and the next ones queued; never a seed
    /// nor a track of `not_again` (heard lately).
    pub async fn start_radio_session(
        &self,
        seeds: &[i64],
        not_again: &[i64],
    ) -> Result<RadioSession> {
        let heard = self.start_radio(seeds, not_again).await?;
        let mut shown = Vec::with_capacity(seeds.len());
        for id in seeds {
            if let Some(row) = self.store.track(*id).await? {
                shown.push(TrackSummary::from(&row));
            }
        }
        let mut session = RadioSession {
            heard,
            seeds: shown,
            now: None,
            now_liked: false,
            upcoming: Vec::new(),
            history: Vec::new(),
        };
        self.radio_plan(&mut session).await?;
        self.radio_take_next(&mut session).await?;
        Ok(session)
    }

    /// The playing track ended (`skipped_early`: the listener skipped it within its first
    /// 30 s — the next picks lean away from it); the first queued pick plays next.
    pub async fn radio_advance(
        &self,
        session: &mut RadioSession,
        skipped_early: bool,
    ) -> Result<()> {
        if let Some(done) = session.now.take() {
            let feedback = if skipped_early {
                session.heard.station.tell(
                    done.candidate.row.id,
                    &done.candidate.vector,
                    Feedback::Skipped,
                );
                // The next track must already lean away from it (the queue is planned in
                // full once that one plays).
                self.radio_plan_ahead(session, 1).await?;
                Feedback::Skipped
            } else if session.now_liked {
                Feedback::Liked
            } else {
                Feedback::Played
            };
            session.remember(done.entry, feedback);
        }
        session.now_liked = false;
        self.radio_take_next(session).await
    }

    /// A thumbs-up for the playing track (or one heard before): the next picks lean towards it.
    pub async fn radio_like(&self, session: &mut RadioSession, id: i64) -> Result<()> {
        let vector = if session.now_id() == Some(id) {
            session.now_liked = true;
            session.now.as_ref().map(|p| p.candidate.vector.clone())
        } else {
            let heard = session.history.iter_mut().find(|h| h.entry.track.id == id);
            match heard {
                Some(h) => h.feedback = Feedback::Liked,
                None => {
                    return Err(Error::InvalidRequest(format!(
                        "track {id} was not played by this radio"
                    )))
                }
            }
            self.similarity
                .vectors_of(&self.store, &[id])
                .await?
                .remove(&id)
        };
        let vector = vector.ok_or(Error::SeedNotAnalyzed)?;
        session.heard.station.tell(id, &vector, Feedback::Liked);
        self.radio_plan(session).await
    }

    /// Takes a queued pick off the queue: it will not be picked again.
    pub async fn radio_remove(&self, session: &mut RadioSession, id: i64) -> Result<()> {
        if !session.upcoming.iter().any(|p| p.candidate.row.id == id) {
            return Err(Error::InvalidRequest(format!("track {id} is not queued")));
        }
        session.heard.station.exclude(id);
        self.radio_plan(session).await
    }

    /// The first queued pick becomes the one playing (the station takes it as heard), and the
    /// queue is planned again.
    async fn radio_take_next(&self, session: &mut RadioSession) -> Result<()> {
        if session.upcoming.is_empty() {
            return Ok(()); // nothing near the station is left
        }
        let next = session.upcoming.remove(0);
        let station = &mut session.heard.station;
        station.choose(std::slice::from_ref(&next.candidate));
        station.tell(
            next.candidate.row.id,
            &next.candidate.vector,
            Feedback::Played,
        );
        session.heard.last = Some(next.candidate.clone());
        session.now = Some(next);
        self.radio_plan(session).await
    }

    /// Plans the queue ahead from a copy of the station as the heard tracks left it.
    async fn radio_plan(&self, session: &mut RadioSession) -> Result<()> {
        self.radio_plan_ahead(session, RADIO_AHEAD).await
    }

    /// [`Self::radio_plan`], `picks` deep.
    async fn radio_plan_ahead(&self, session: &mut RadioSession, picks: usize) -> Result<()> {
        let mut ahead = session.heard.clone();
        session.upcoming.clear();
        while session.upcoming.len() < picks {
            match self.radio_pick(&mut ahead).await? {
                Some(pick) => session.upcoming.push(pick),
                None => break,
            }
        }
        Ok(())
    }
}
