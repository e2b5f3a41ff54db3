//! The library's side of asking for music in words: every tagged track's tag probabilities
//! against the library's means, ranked for a description (optionally among the neighbours of
//! a seed: "like this, but calmer").

use std::collections::HashMap;

use serde::Serialize;

use super::Library;
use crate::analysis::READABLE_SINCE;
use crate::describe::{parse, probabilities, reasons, score, Description, TagProbabilities};
use crate::error::{Error, Result};
use crate::playlist::PlaylistEntry;

/// Neighbours of the seed a description re-ranks ("like this, but …").
const LIKE_NEIGHBOURS: usize = 200;

/// The tracks a description asks for, and what of it was understood.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DescribeAnswer {
    #[serde(flatten)]
    pub description: Description,
    /// Best match first; `score` is the summed log-lift over the library's means, `reasons` the
    /// asked tags' probabilities.
    pub tracks: Vec<PlaylistEntry>,
}

impl Library {
    /// The `n` tracks that best fit `text` ("calm piano", "no vocals"), among all tagged tracks
    /// or, with `like`, among that track's nearest neighbours.
    pub async fn describe(
        &self,
        text: &str,
        like: Option<i64>,
        n: usize,
    ) -> Result<DescribeAnswer> {
        let description = parse(text);
        if description.understood.is_empty() {
            return Ok(DescribeAnswer {
                description,
                tracks: Vec::new(),
            });
        }
        let tagged: Vec<(i64, TagProbabilities)> = self
            .store
            .tag_probabilities(READABLE_SINCE)
            .await?
            .into_iter()
            .map(|(id, msd, mtt)| (id, probabilities(msd, mtt)))
            .collect();
        let mut sums: HashMap<&'static str, f64> = HashMap::new();
        for (_, probabilities) in &tagged {
            for (label, p) in probabilities {
                *sums.entry(label).or_default() += f64::from(*p);
            }
        }
        let means: TagProbabilities = sums
            .into_iter()
            .map(|(label, sum)| (label, (sum / tagged.len().max(1) as f64) as f32))
            .collect();
        let among: Option<std::collections::HashSet<i64>> = match like {
            Some(id) => {
                let hits = self
                    .similarity
                    .similar_to_tracks(&self.store, &[id], LIKE_NEIGHBOURS)
                    .await?
                    .into_iter()
                    .next()
                    .flatten()
                    .ok_or(Error::SeedNotAnalyzed)?;
                Some(hits.into_iter().map(|h| h.id).collect())
            }
            None => None,
        };
        let mut ranked: Vec<(i64, f32, Vec<String>)> = tagged
            .iter()
            .filter(|(id, _)| among.as_ref().is_none_or(|a| a.contains(id)))
            .map(|(id, p)| {
                (
                    *id,
                    score(&description, p, &means),
                    reasons(&description, p),
                )
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(n);
        let ids: Vec<i64> = ranked.iter().map(|r| r.0).collect();
        let rows: HashMap<i64, crate::TrackRow> = self
            .store
            .tracks_by_ids(&ids)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let tracks = ranked
            .into_iter()
            .filter_map(|(id, score, reasons)| {
                Some(PlaylistEntry {
                    track: rows.get(&id)?.into(),
                    score,
                    r#match: None,
                    closeness: None,
                    reasons,
                })
            })
            .collect();
        Ok(DescribeAnswer {
            description,
            tracks,
        })
    }
}
