//! The library's side of lists that move: journeys from one track to another (the pool is the
//! neighbourhood of each waypoint on the way), playlists that ramp up or down in tempo or
//! energy, lists sorted along a dimension, and entries explained step by step from the
//! tracks' analysed dimensions.

use std::collections::{HashMap, HashSet};

use super::playlists::Pool;
use super::Library;
use crate::analysis::READABLE_SINCE;
use crate::error::{Error, Result};
use crate::index::dot;
use crate::playlist::{
    assemble, journey, seeds_name, sort_order, step_entry, waypoints, Calibration, Candidate,
    Context, Dimension, Judge, Playlist, PlaylistEntry, PlaylistRequest, Profile, Ramp, Rejection,
    SortBy, RAMP_OPENING,
};
use crate::store::SavedPlaylist;

/// Tracks looked at around each waypoint of a journey.
const NEIGHBOURS_PER_WAYPOINT: usize = 64;

impl Library {
    /// A journey from the request's first seed to `journey_to`: both ends and `length - 2`
    /// tracks between, in even steps, under the request's rules.
    pub(super) async fn make_journey(&self, request: &PlaylistRequest) -> Result<Playlist> {
        let (Some(&from), Some(to)) = (request.seeds.first(), request.journey_to) else {
            return Err(Error::InvalidRequest(
                "a journey needs a start and an end track".into(),
            ));
        };
        if from == to {
            return Err(Error::InvalidRequest(
                "a journey needs two different tracks".into(),
            ));
        }
        for id in [from, to].iter().chain(&request.avoid_like) {
            if self.store.track(*id).await?.is_none() {
                return Err(Error::NoSuchTrack(*id));
            }
        }
        self.similarity.sync(&self.store).await?;
        let ends = self.candidates_for(&[from, to], None, false).await?;
        let [start, end] = ends.as_slice() else {
            return Err(Error::SeedNotAnalyzed);
        };
        let between = request.length.saturating_sub(2);
        let excluded: HashSet<i64> = [from, to]
            .into_iter()
            .chain(request.avoid_like.iter().copied())
            .collect();
        let points = waypoints(&start.vector, &end.vector, between.max(1));
        let skip: Vec<i64> = excluded.iter().copied().collect();
        let hits = self.similarity.search_vectors(
            &points,
            NEIGHBOURS_PER_WAYPOINT,
            &vec![skip; points.len()],
        )?;
        let mut seen = HashSet::new();
        let ids: Vec<i64> = hits
            .into_iter()
            .flatten()
            .map(|h| h.id)
            .filter(|id| seen.insert(*id))
            .collect();
        let mut candidates = self.candidates_for(&ids, None, false).await?;
        for c in &mut candidates {
            // How near the way it lies: its similarity to the nearest waypoint.
            c.score = points
                .iter()
                .map(|w| dot(w, &c.vector))
                .fold(f32::MIN, f32::max);
        }
        let ends_as_seeds = [start.clone(), end.clone()];
        // No similarity floor on the way: between two ends that differ, the tracks need sound
        // like neither; each step is judged against the one before instead.
        let ctx = Context::new(request, &ends_as_seeds, excluded, Judge::new(None));
        let found = journey(&ctx, start, end, &candidates, between);
        let mut path: Vec<&Candidate> = vec![start];
        path.extend(&found.between);
        path.push(end);
        let calibration = self.calibration().await?;
        let entries = self
            .step_entries(None, &path, calibration.as_deref())
            .await?;

        // The caps that gave way, in one sentence (a limit of 0 is none at all).
        let relaxed: Vec<String> = [
            (found.limits.per_artist, request.max_per_artist, "artist"),
            (found.limits.per_album, request.max_per_album, "album"),
        ]
        .into_iter()
        .filter(|(limit, asked, _)| limit != asked && *asked > 0)
        .map(|(limit, _, per)| match limit {
            0 => format!("any number per {per}"),
            n => format!("{n} per {per}"),
        })
        .collect();
        let mut notes = Vec::new();
        if !relaxed.is_empty() {
            notes.push(format!(
                "Allowed {} to make the journey whole.",
                relaxed.join(" and ")
            ));
        }
        let shortfall = (found.between.len() < between).then(|| {
            format!(
                "Only {} tracks fit between these two under these settings.",
                found.between.len()
            )
        });
        Ok(Playlist {
            request: request.clone(),
            entries,
            candidates: candidates.len(),
            rejected: found.rejected,
            shortfall,
            lengthen: None,
            notes,
            reasons_follow_steps: true,
        })
    }

    /// `ids` in a new order along `by`: the same tracks (those without the analysis it needs
    /// go last, in their order).
    pub async fn sort_tracks(&self, ids: &[i64], by: SortBy) -> Result<Vec<i64>> {
        self.similarity.sync(&self.store).await?;
        let tracks = self.candidates_for(ids, None, true).await?;
        let refs: Vec<&Candidate> = tracks.iter().collect();
        let profiles = self.profiles(&refs).await?;
        Ok(sort_order(&refs, &profiles, by)
            .into_iter()
            .map(|i| tracks[i].row.id)
            .collect())
    }

    /// Re-orders a saved playlist along `by` and stores the new order.
    pub async fn sort_saved_playlist(&self, id: i64, by: SortBy) -> Result<SavedPlaylist> {
        let (_, ids) = self.store.playlist_contents(id).await?;
        let sorted = self.sort_tracks(&ids, by).await?;
        self.set_playlist_tracks(id, &sorted).await
    }

    /// The dimensions (tempo, energy, brightness, key) of these tracks, in their order.
    pub(super) async fn profiles(&self, tracks: &[&Candidate]) -> Result<Vec<Profile>> {
        let ids: Vec<i64> = tracks.iter().map(|c| c.row.id).collect();
        let features: std::collections::HashMap<i64, _> = self
            .store
            .features_of_many(&ids, READABLE_SINCE)
            .await?
            .into_iter()
            .collect();
        Ok(tracks
            .iter()
            .map(|c| Profile::of(&c.row, features.get(&c.row.id)))
            .collect())
    }

    /// Entries for a list that moves: each scored against, and explained by its change from,
    /// the track before it; the first one against `before` (a ramp's seed), or as the start.
    pub(super) async fn step_entries(
        &self,
        before: Option<&Candidate>,
        tracks: &[&Candidate],
        calibration: Option<&Calibration>,
    ) -> Result<Vec<PlaylistEntry>> {
        let all: Vec<&Candidate> = before.into_iter().chain(tracks.iter().copied()).collect();
        let profiles = self.profiles(&all).await?;
        let skip = usize::from(before.is_some());
        Ok((skip..all.len())
            .map(|i| {
                let previous = i.checked_sub(1).map(|j| (all[j], &profiles[j]));
                step_entry(previous, all[i], &profiles[i], calibration)
            })
            .collect())
    }

    /// A playlist that ramps: the best matches that have the ramp's dimension, under the
    /// request's rules, in the order of its shape, each explained by its step. A rise or a fall
    /// opens with its closest matches (see `playlist::ramp`).
    pub(super) async fn make_ramp(
        &self,
        request: &PlaylistRequest,
        ramp: Ramp,
        pool: Pool,
    ) -> Result<Playlist> {
        let dimension = ramp.dimension();
        let all: Vec<&Candidate> = pool.candidates.iter().collect();
        let profiles = self.profiles(&all).await?;
        let value: HashMap<i64, f64> = all
            .iter()
            .zip(&profiles)
            .filter_map(|(c, p)| Some((c.row.id, p.value(dimension)?)))
            .collect();
        let (with, without): (Vec<Candidate>, Vec<Candidate>) = pool
            .candidates
            .into_iter()
            .partition(|c| value.contains_key(&c.row.id));
        let calibration = pool.calibration.as_deref();
        let judge = Judge::new(calibration);
        let mut playlist = assemble(
            request,
            &pool.seeds,
            &pool.query,
            &with,
            pool.excluded.clone(),
            judge,
        );
        let value_of = |c: &Candidate| value.get(&c.row.id).copied().unwrap_or_default();
        let chosen = |playlist: &Playlist| -> Vec<Candidate> {
            let by_id: HashMap<i64, &Candidate> = with.iter().map(|c| (c.row.id, c)).collect();
            let mut best: Vec<Candidate> = playlist
                .entries
                .iter()
                .filter_map(|e| by_id.get(&e.track.id).map(|c| (*c).clone()))
                .collect();
            best.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.row.id.cmp(&b.row.id)));
            best
        };
        let best = chosen(&playlist);
        let opening: Vec<&Candidate> = best.iter().take(RAMP_OPENING).collect();
        let opening_values: Vec<f64> = opening.iter().map(|c| value_of(c)).collect();
        let (opening_ids, rest): (HashSet<i64>, Vec<Candidate>) = match ramp
            .edge(&opening_values)
            .filter(|_| best.len() > RAMP_OPENING)
        {
            // Chosen again from the opening and the tracks that can follow it (the rules
            // and caps hold over the whole list).
            Some(edge) => {
                let ids: HashSet<i64> = opening.iter().map(|c| c.row.id).collect();
                let followers: Vec<Candidate> = with
                    .iter()
                    .filter(|c| ids.contains(&c.row.id) || ramp.follows(edge, value_of(c)))
                    .cloned()
                    .collect();
                let before = playlist.entries.len();
                playlist = assemble(
                    request,
                    &pool.seeds,
                    &pool.query,
                    &followers,
                    pool.excluded,
                    judge,
                );
                let left_out = before.saturating_sub(playlist.entries.len());
                if left_out > 0 {
                    // Not "only N sound alike": the shape, not the music, left them out.
                    playlist.shortfall = Some(format!(
                        "Only {} of {} tracks: {before} sound like {}, and {left_out} of \
                             them {} {} than the {RAMP_OPENING} closest matches it opens with.",
                        playlist.entries.len(),
                        request.length,
                        seeds_name(&pool.seeds),
                        if left_out == 1 { "is" } else { "are" },
                        ramp.left_out(),
                    ));
                }
                let again = chosen(&playlist);
                let rest = again
                    .into_iter()
                    .filter(|c| !ids.contains(&c.row.id))
                    .collect();
                (ids, rest)
            }
            None => (HashSet::new(), best.clone()),
        };
        if !without.is_empty() {
            playlist.rejected.push(Rejection {
                rule: match dimension {
                    Dimension::Tempo => "no tempo",
                    Dimension::Energy => "no energy",
                    Dimension::Brightness => "no brightness",
                }
                .into(),
                count: without.len(),
            });
        }
        // The opening in the shape's order, then the rest in it.
        let mut shaped: Vec<&Candidate> = Vec::new();
        for part in [
            best.iter()
                .filter(|c| opening_ids.contains(&c.row.id))
                .collect::<Vec<_>>(),
            rest.iter().collect(),
        ] {
            let values: Vec<f64> = part.iter().map(|c| value_of(c)).collect();
            shaped.extend(ramp.order(&values).into_iter().map(|i| part[i]));
        }
        playlist.entries = self
            .step_entries(pool.seeds.first(), &shaped, calibration)
            .await?;
        playlist.reasons_follow_steps = true;
        Ok(playlist)
    }
}
