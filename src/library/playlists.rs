//! The library's side of playlists: candidates from the similarity index and the database, fed
//! to the pure functions of `crate::playlist`; saved playlists; export.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::passages::{rescore, rescored_among, PassageQuery};
use super::{mirror, Library};
use crate::error::{Error, Result};
use crate::index::dot;
use crate::playlist::{
    assemble, entry, export, select, swap_candidate, Calibration, Candidate, Context, Judge, Order,
    Playlist, PlaylistEntry, PlaylistRequest,
};
use crate::store::SavedPlaylist;
use crate::vector::normalize;

/// How far "not like this" pulls the query away (1 would cancel a seed out entirely).
const AVOID_WEIGHT: f32 = 0.5;

/// A saved playlist with its tracks.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SavedPlaylistDetail {
    pub playlist: SavedPlaylist,
    pub request: Option<PlaylistRequest>,
    pub entries: Vec<PlaylistEntry>,
}

/// Seeds, query vector and scored candidates for a request, and what "alike" means here.
pub(super) struct Pool {
    pub(super) seeds: Vec<Candidate>,
    pub(super) query: Vec<f32>,
    pub(super) candidates: Vec<Candidate>,
    pub(super) excluded: HashSet<i64>,
    pub(super) calibration: Option<Arc<Calibration>>,
}

/// The query of a request: the seeds' centre, leaning away from the "not like" tracks, unit
/// length.
fn query_vector(seeds: &[Candidate], avoid: &[Candidate]) -> Vec<f32> {
    // One seed is its own vector, bit for bit (it is unit length already): its scores are then
    // the very figures the calibration and the similar tracks hold, so a track at the floor
    // reads the same in both lists.
    if let ([seed], []) = (seeds, avoid) {
        return seed.vector.clone();
    }
    let mut query = vec![0.0f32; seeds.first().map_or(0, |s| s.vector.len())];
    for s in seeds {
        for (q, x) in query.iter_mut().zip(&s.vector) {
            *q += x / seeds.len() as f32;
        }
    }
    for a in avoid {
        for (q, x) in query.iter_mut().zip(&a.vector) {
            *q -= AVOID_WEIGHT * x / avoid.len() as f32;
        }
    }
    normalize(&mut query);
    query
}

impl Library {
    /// Rows, vectors and passages of these tracks, in the given order, scored by cosine to
    /// `query`. Tracks without features are left out, or with `keep_unanalysed` kept with no
    /// vector and a score of 0.
    pub(super) async fn candidates_for(
        &self,
        ids: &[i64],
        query: Option<&[f32]>,
        keep_unanalysed: bool,
    ) -> Result<Vec<Candidate>> {
        let rows: HashMap<i64, crate::TrackRow> = self
            .store
            .tracks_by_ids(ids)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let mut vectors = self.similarity.vectors_of(&self.store, ids).await?;
        let calibration = self.calibration().await?;
        let mut passages = self.matched_passages(ids, calibration.as_deref()).await?;
        Ok(ids
            .iter()
            .filter_map(|id| {
                let row = rows.get(id)?.clone();
                let passages = passages.remove(id);
                match vectors.remove(id) {
                    Some(vector) => {
                        let score = query.map_or(1.0, |q| dot(q, &vector));
                        Some(Candidate {
                            row,
                            vector,
                            score,
                            passages,
                        })
                    }
                    None if keep_unanalysed => Some(Candidate {
                        row,
                        vector: Vec::new(),
                        score: 0.0,
                        passages: None,
                    }),
                    None => None,
                }
            })
            .collect())
    }

    /// The request's seeds: its tracks (those analysed) and the outside file it starts from,
    /// with the library tracks they leave out of the list (the seeds, the file's own track).
    async fn seeds_of(&self, request: &PlaylistRequest) -> Result<(Vec<Candidate>, Vec<i64>)> {
        let mut seeds = Vec::new();
        let mut own = Vec::new();
        if let Some(file) = &request.seed_file {
            let (seed, library_id) = self
                .outside_seed(Path::new(file))
                .await?
                .ok_or(Error::SeedNotAnalyzed)?;
            seeds.push(seed);
            own.extend(library_id);
        }
        seeds.extend(self.candidates_for(&request.seeds, None, false).await?);
        Ok((seeds, own))
    }

    pub(super) async fn pool(&self, request: &PlaylistRequest) -> Result<Pool> {
        if request.seeds.is_empty() && request.seed_file.is_none() {
            return Err(Error::InvalidRequest(
                "a playlist needs at least one seed track".into(),
            ));
        }
        for id in request.seeds.iter().chain(&request.avoid_like) {
            if self.store.track(*id).await?.is_none() {
                return Err(Error::NoSuchTrack(*id));
            }
        }
        self.similarity.sync(&self.store).await?;
        let (seeds, own) = self.seeds_of(request).await?;
        if seeds.is_empty() {
            return Err(Error::SeedNotAnalyzed);
        }
        let avoid = self
            .candidates_for(&request.avoid_like, None, false)
            .await?;
        let query = query_vector(&seeds, &avoid);
        let excluded: HashSet<i64> = request
            .seeds
            .iter()
            .chain(&request.avoid_like)
            .chain(&own)
            .copied()
            .collect();
        let hits = self
            .similarity
            .search_vectors(
                std::slice::from_ref(&query),
                pool_size(request),
                &[excluded.iter().copied().collect()],
            )?
            .into_iter()
            .next()
            .unwrap_or_default();
        let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
        let mut candidates = self.candidates_for(&ids, Some(&query), false).await?;
        let calibration = self.calibration().await?;
        rescore(
            &rescored_among(&hits),
            &PassageQuery::of_seeds(&seeds),
            &mut candidates,
            calibration.as_deref(),
        );
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.row.id.cmp(&b.row.id)));
        Ok(Pool {
            seeds,
            query,
            candidates,
            excluded,
            calibration,
        })
    }

    /// Generates a playlist: candidates from the index, then the request's constraints and
    /// order, each pick with its reasons. Fewer tracks than asked when the constraints leave
    /// fewer (`shortfall` says why); never a track that breaks them.
    pub async fn make_playlist(&self, request: &PlaylistRequest) -> Result<Playlist> {
        if request.journey_to.is_some() {
            if request.seed_file.is_some() {
                return Err(Error::InvalidRequest(
                    "a journey starts at a track of the library, not at a file".into(),
                ));
            }
            return self.make_journey(request).await;
        }
        let pool = self.pool(request).await?;
        if let Some(ramp) = request.ramp {
            return self.make_ramp(request, ramp, pool).await;
        }
        Ok(assemble(
            request,
            &pool.seeds,
            &pool.query,
            &pool.candidates,
            pool.excluded,
            Judge::new(pool.calibration.as_deref()),
        ))
    }

    /// [`Self::make_playlist`] judged another way: another floor (a match, 0 … 1; `None`: no
    /// floor), caps that never loosen, another cap margin. For benchmarks that compare rules.
    #[cfg(feature = "harness")]
    pub async fn make_playlist_judged(
        &self,
        request: &PlaylistRequest,
        floor: Option<f32>,
        relax_caps: bool,
        cap_margin: Option<f32>,
    ) -> Result<Playlist> {
        let pool = self.pool(request).await?;
        let calibration = pool.calibration.map(|c| {
            let mut thresholds = c.thresholds;
            thresholds.floor = floor.unwrap_or(0.0);
            c.with_thresholds(thresholds)
        });
        Ok(assemble(
            request,
            &pool.seeds,
            &pool.query,
            &pool.candidates,
            pool.excluded,
            Judge {
                calibration: calibration.as_ref(),
                relax_caps,
                cap_margin,
            },
        ))
    }

    /// The best track for slot `position` of `current` that is not in it and meets the
    /// request's constraints with the others; `None` when nothing else fits.
    pub async fn swap_playlist_track(
        &self,
        request: &PlaylistRequest,
        current: &[i64],
        position: usize,
    ) -> Result<Option<PlaylistEntry>> {
        if position >= current.len() {
            return Err(Error::InvalidRequest(format!(
                "no position {position} in the playlist"
            )));
        }
        let mut pool = self.pool(request).await?;
        // Tracks of the list that the pool does not hold (added by hand) still count for the
        // caps and duplicates.
        let known: HashSet<i64> = pool.candidates.iter().map(|c| c.row.id).collect();
        let missing: Vec<i64> = current
            .iter()
            .copied()
            .filter(|id| !known.contains(id))
            .collect();
        if !missing.is_empty() {
            let extra = self
                .candidates_for(&missing, Some(&pool.query), false)
                .await?;
            pool.candidates.extend(extra);
        }
        let calibration = pool.calibration.as_deref();
        let ctx = Context::new(request, &pool.seeds, pool.excluded, Judge::new(calibration));
        // The caps the playlist was made with (loosened when they would have left it short).
        let limits = select(&ctx, &pool.candidates).limits;
        Ok(
            swap_candidate(&ctx, limits, &pool.candidates, current, position)
                .map(|c| entry(pool.seeds.first(), c, calibration)),
        )
    }

    /// Entries for tracks in this order, scored and explained against the request's seeds (no
    /// scores or reasons without one).
    pub async fn playlist_entries(
        &self,
        request: Option<&PlaylistRequest>,
        ids: &[i64],
    ) -> Result<Vec<PlaylistEntry>> {
        self.similarity.sync(&self.store).await?;
        let ((seeds, own), avoid) = match request {
            Some(r) => (
                self.explaining_seeds(r).await?,
                self.candidates_for(&r.avoid_like, None, false).await?,
            ),
            None => ((Vec::new(), Vec::new()), Vec::new()),
        };
        // Scored and explained as when the playlist was made; without a seed, unscored.
        let query = (!seeds.is_empty()).then(|| query_vector(&seeds, &avoid));
        let calibration = match query {
            Some(_) => self.calibration().await?,
            None => None,
        };
        let follow = request.is_some_and(|r| r.order != Order::Similarity);
        let mut tracks = self.candidates_for(ids, query.as_deref(), true).await?;
        if let (Some(query), Some(r)) = (&query, request) {
            // Rescored as the pool was.
            let excluded: Vec<i64> = r
                .seeds
                .iter()
                .chain(&r.avoid_like)
                .chain(&own)
                .copied()
                .collect();
            self.rescore_near(
                query,
                pool_size(r),
                &excluded,
                &PassageQuery::of_seeds(&seeds),
                &mut tracks,
                calibration.as_deref(),
            )?;
        }
        // Lists that move are explained step by step, as when they were made.
        if let Some(r) = request.filter(|r| r.journey_to.is_some() || r.ramp.is_some()) {
            let path: Vec<&Candidate> = tracks.iter().collect();
            // A ramp's first track follows the seed; a journey's is its start.
            let before = seeds.first().filter(|_| r.ramp.is_some());
            return self
                .step_entries(before, &path, calibration.as_deref())
                .await;
        }
        Ok(tracks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let reference = match i {
                    i if follow && i > 0 => tracks.get(i - 1),
                    _ => seeds.first(),
                };
                entry(reference, c, calibration.as_deref())
            })
            .collect())
    }

    /// The seeds a saved or edited list is explained against: an outside file that can no
    /// longer be read (moved, deleted) leaves its list explained by the other seeds, or
    /// unscored, rather than unopenable.
    /// With the library tracks the seeds leave out (an outside file's own track).
    async fn explaining_seeds(
        &self,
        request: &PlaylistRequest,
    ) -> Result<(Vec<Candidate>, Vec<i64>)> {
        match self.seeds_of(request).await {
            Ok(seeds) => Ok(seeds),
            Err(Error::Analysis { path, reason }) => {
                tracing::info!("a playlist's seed file {}: {reason}", path.display());
                Ok((
                    self.candidates_for(&request.seeds, None, false).await?,
                    Vec::new(),
                ))
            }
            Err(e) => Err(e),
        }
    }

    pub async fn save_playlist(
        &self,
        name: &str,
        request: Option<&PlaylistRequest>,
        track_ids: &[i64],
    ) -> Result<SavedPlaylist> {
        let json = request
            .map(serde_json::to_string)
            .transpose()
            .map_err(Error::json("playlist request"))?;
        let saved = self
            .store
            .create_playlist(name, json.as_deref(), track_ids)
            .await?;
        self.playlist_changed(saved.id).await;
        Ok(saved)
    }

    /// After a saved playlist changed: its M3U8 file now, a backup soon. Neither fails the
    /// change (it is stored); a problem is logged.
    async fn playlist_changed(&self, id: i64) {
        if let Err(e) = mirror::write_one(&self.store, &self.data_dir, id).await {
            tracing::warn!("writing playlist {id}'s M3U8 file: {e}");
        }
        self.backups.request(false);
    }

    pub async fn saved_playlists(&self) -> Result<Vec<SavedPlaylist>> {
        self.store.saved_playlists().await
    }

    pub async fn saved_playlist(&self, id: i64) -> Result<SavedPlaylistDetail> {
        let playlist = self.store.saved_playlist(id).await?;
        let (request, ids) = self.store.playlist_contents(id).await?;
        // A request written by another version that no longer parses: the tracks still show.
        let request: Option<PlaylistRequest> = request.and_then(|r| serde_json::from_str(&r).ok());
        let entries = self.playlist_entries(request.as_ref(), &ids).await?;
        Ok(SavedPlaylistDetail {
            playlist,
            request,
            entries,
        })
    }

    pub async fn rename_playlist(&self, id: i64, name: &str) -> Result<SavedPlaylist> {
        let saved = self.store.rename_playlist(id, name).await?;
        self.playlist_changed(id).await;
        Ok(saved)
    }

    pub async fn set_playlist_tracks(&self, id: i64, track_ids: &[i64]) -> Result<SavedPlaylist> {
        let saved = self.store.set_playlist_tracks(id, track_ids).await?;
        self.playlist_changed(id).await;
        Ok(saved)
    }

    pub async fn delete_playlist(&self, id: i64) -> Result<()> {
        self.store.delete_playlist(id).await?;
        mirror::remove_one(&self.data_dir, id);
        self.backups.request(false);
        Ok(())
    }

    /// Saves the playlist of an M3U8 file (Segue's own from `playlists/`, kept after a
    /// database was lost, or any player's) with the library's tracks it names; the paths it
    /// names that are not in the library are returned.
    pub async fn import_playlist(&self, path: &Path) -> Result<(SavedPlaylist, Vec<PathBuf>)> {
        let (name, paths) = mirror::read_m3u8(path)?;
        let mut ids = Vec::new();
        let mut missing = Vec::new();
        for p in paths {
            match self.track_id_by_path(&p).await? {
                Some(id) => ids.push(id),
                None => missing.push(p),
            }
        }
        let saved = self.save_playlist(&name, None, &ids).await?;
        Ok((saved, missing))
    }

    /// Writes a saved playlist to `path` (.m3u8, .xspf or .edl).
    pub async fn export_playlist(&self, id: i64, path: &Path) -> Result<()> {
        let detail = self.saved_playlist(id).await?;
        export::write(&detail.entries, &detail.playlist.name, path)
    }
}

/// How many of the index's nearest a playlist's pool is made from: a generous pool, since the
/// constraints may turn most of it away.
fn pool_size(request: &PlaylistRequest) -> usize {
    (request.length.max(1) * 10).max(200)
}
