//! The library's similarity side: keeping the index in step, and "tracks that sound like this"
//! for a track, many tracks, or a file outside the library.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use super::outside::{Outside, OutsideTrack};
use super::passages::{rerank_hits, Matched};
use super::Library;
use crate::error::Result;
use crate::index;
use crate::passages::RERANK_CANDIDATES;
use crate::playlist::{Calibration, Closeness, Match};
use crate::similarity::{IndexState, IndexStats};
use crate::store::{TrackRow, TrackSummary};

/// One similar track, ready to show: what the UI and `segue similar --json` list.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SimilarTrack {
    #[serde(flatten)]
    pub track: TrackSummary,
    /// Cosine similarity of the two tracks' vectors, in [-1, 1].
    pub score: f32,
    /// The share of the library's track pairs less alike, 0 … 1 (`None` in a library too
    /// small to calibrate).
    pub r#match: Option<f32>,
    /// The match in words: "very close", "close", "related", "unlike".
    pub closeness: Option<Closeness>,
}

/// Where "Similar tracks" stands for one track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SimilarState {
    /// From the index.
    Ready,
    /// The index is being (re)built; these come from the previous index or an exact search
    /// meanwhile (still valid).
    Building,
    /// The track has no features yet.
    NotAnalyzed,
    /// Fewer than 2 analysed tracks in the library: nothing to compare.
    Empty,
}

/// The detail panel's "Similar tracks": the answer and what it came from.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SimilarAnswer {
    pub state: SimilarState,
    /// The index behind the results: "Flat", "IVF64,Flat", "IVF1024,SQ8", "exact"…
    pub index_type: String,
    /// Best first; never the asked track.
    pub results: Vec<SimilarTrack>,
}

/// "Similar to this file" for a file outside the library: what the file is, and its matches.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct OutsideAnswer {
    pub file: OutsideTrack,
    /// Best first; never the file's own track when it is in the library.
    pub results: Vec<SimilarTrack>,
}

impl Library {
    /// Takes new, changed and removed tracks into the similarity index and saves it. Failures
    /// are logged, not returned: the index is derived data and is rebuilt when it cannot be
    /// updated.
    pub async fn sync_index(&self) {
        let synced = self.similarity.sync(&self.store).await;
        if let Err(e) = synced.and_then(|()| self.similarity.flush()) {
            tracing::warn!("updating the similarity index: {e}");
        }
    }

    /// The similarity index, up to date, and waits for a build to finish (for one-shot use).
    pub async fn index_ready(&self) -> Result<()> {
        self.similarity.ready(&self.store).await
    }

    /// Calls `callback` whenever a new similarity index has been built and swapped in.
    pub fn on_index_built(&self, callback: impl Fn() + Send + Sync + 'static) {
        self.similarity.on_built(Box::new(callback));
    }

    /// Waits for a background index build, if one runs.
    pub async fn wait_index_idle(&self) {
        self.similarity.wait_idle().await;
    }

    pub fn index_stats(&self) -> Result<IndexStats> {
        self.similarity.stats()
    }

    /// Rebuilds the similarity index from the stored features and waits for it.
    pub async fn rebuild_index(&self) -> Result<IndexStats> {
        self.similarity.rebuild(&self.store).await
    }

    /// The `k` tracks that sound most like track `id`, best first, never `id` itself.
    /// `None` when that track has not been analysed.
    pub async fn similar(&self, id: i64, k: usize) -> Result<Option<Vec<SimilarTrack>>> {
        let mut batch = self.similar_batch(&[id], k).await?;
        Ok(batch.pop().flatten())
    }

    /// [`Self::similar`] with where the answer stands (the detail panel's "Similar tracks"):
    /// only tracks that sound alike (at or above the library's floor, as in playlists).
    pub async fn similar_answer(&self, id: i64, k: usize) -> Result<SimilarAnswer> {
        let found = self.similar(id, k).await?.map(|results| {
            results
                .into_iter()
                .filter(|r| r.closeness.is_none_or(|c| c > Closeness::Unlike))
                .collect::<Vec<_>>()
        });
        let stats = self.index_stats()?;
        let (state, results) = match found {
            None => (SimilarState::NotAnalyzed, Vec::new()),
            Some(results) if results.is_empty() && stats.count < 2 => {
                (SimilarState::Empty, results)
            }
            Some(results) => match stats.state {
                IndexState::Ready => (SimilarState::Ready, results),
                _ => (SimilarState::Building, results),
            },
        };
        Ok(SimilarAnswer {
            state,
            index_type: stats.index_type,
            results,
        })
    }

    /// [`Self::similar`] for many tracks in one batch.
    pub async fn similar_batch(
        &self,
        ids: &[i64],
        k: usize,
    ) -> Result<Vec<Option<Vec<SimilarTrack>>>> {
        let found = self
            .similarity
            .similar_to_tracks(&self.store, ids, k.max(RERANK_CANDIDATES))
            .await?;
        let calibration = self.calibration().await?;
        let mut out = Vec::with_capacity(found.len());
        for (&id, hits) in ids.iter().zip(found) {
            out.push(match hits {
                Some(hits) => {
                    let query = self.matched_passages(&[id], calibration.as_deref()).await?;
                    let query: Vec<Matched> = query.into_values().collect();
                    let hits = self
                        .reranked(hits, &query, k, calibration.as_deref())
                        .await?;
                    Some(self.similar_rows(&hits).await?)
                }
                None => None,
            });
        }
        Ok(out)
    }

    /// The index's nearest (best first by cosine) rescored by their passages' match to the
    /// query's, the best `k`.
    async fn reranked(
        &self,
        mut hits: Vec<index::Hit>,
        query: &[Matched],
        k: usize,
        calibration: Option<&Calibration>,
    ) -> Result<Vec<index::Hit>> {
        if !query.is_empty() {
            let ids: Vec<i64> = hits.iter().take(RERANK_CANDIDATES).map(|h| h.id).collect();
            let passages = self.matched_passages(&ids, calibration).await?;
            rerank_hits(&mut hits, query, &passages, calibration);
        }
        hits.truncate(k);
        Ok(hits)
    }

    /// Tracks of the library that sound like a file (inside the library or not), analysed on
    /// the fly (or taken from the outside files analysed lately). The file's own track, if it
    /// is in the library, is left out.
    pub async fn similar_to_file(&self, path: &Path, k: usize) -> Result<Vec<SimilarTrack>> {
        let outside = self.outside(path).await?;
        self.similar_to_outside(&outside, k).await
    }

    async fn similar_to_outside(&self, outside: &Outside, k: usize) -> Result<Vec<SimilarTrack>> {
        let exclude: Vec<i64> = outside.library_id.into_iter().collect();
        let hits = self
            .similarity
            .similar_to_features(
                &self.store,
                &outside.features,
                k.max(RERANK_CANDIDATES),
                &exclude,
            )
            .await?;
        let calibration = self.calibration().await?;
        let query: Vec<Matched> = outside
            .passages(calibration.as_deref())
            .into_iter()
            .collect();
        let hits = self
            .reranked(hits, &query, k, calibration.as_deref())
            .await?;
        self.similar_rows(&hits).await
    }

    /// [`Self::similar_to_file`] as the app shows it: the file as read and analysed, and its
    /// similar tracks that sound alike (at or above the library's floor).
    pub async fn similar_to_outside_file(&self, path: &Path, k: usize) -> Result<OutsideAnswer> {
        let outside = self.outside(path).await?;
        let results = self
            .similar_to_outside(&outside, k)
            .await?
            .into_iter()
            .filter(|r| r.closeness.is_none_or(|c| c > Closeness::Unlike))
            .collect();
        Ok(OutsideAnswer {
            file: outside.shown(),
            results,
        })
    }

    async fn similar_rows(&self, hits: &[index::Hit]) -> Result<Vec<SimilarTrack>> {
        let calibration = self.calibration().await?;
        let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
        let rows: HashMap<i64, TrackRow> = self
            .store
            .tracks_by_ids(&ids)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        Ok(hits
            .iter()
            .filter_map(|hit| {
                // A track deleted since the index last synced is skipped, not shown broken.
                let row = rows.get(&hit.id)?;
                let matched = Match::of(calibration.as_deref(), hit.score);
                Some(SimilarTrack {
                    track: row.into(),
                    score: hit.score,
                    r#match: matched.map(|m| m.r#match),
                    closeness: matched.map(|m| m.closeness),
                })
            })
            .collect())
    }
}
