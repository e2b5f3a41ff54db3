//! What "sounds alike" means in this library (`playlist::calibration`), measured on a sample
//! of its tracks and kept until the index changes noticeably: a rebuild (new statistics), the
//! library grown or shrunk by more than a few percent, or a few percent more (or fewer) of the
//! sampled tracks with passages (an upgrade re-tags tracks in place: the index does not change).

use std::sync::Arc;

use super::Library;
use crate::analysis::READABLE_SINCE;
use crate::error::{Error, Result};
use crate::playlist::calibration::{Calibration, Thresholds, MAX_SAMPLE};

/// A calibration and the index it was measured on.
pub(super) struct Cached {
    built_at: Option<String>,
    count: usize,
    calibration: Option<Arc<Calibration>>,
    /// The sampled tracks, how many of them had passages, and the features' change counter
    /// when that was last looked at.
    sample: Vec<i64>,
    with_passages: usize,
    features_seq: i64,
}

/// Share of the library that may change before the calibration is measured again.
const DRIFT: f64 = 0.02;

impl Library {
    /// The library's calibration (`None` below three analysed tracks). The index must be in
    /// step (`sync`) first.
    pub async fn calibration(&self) -> Result<Option<Arc<Calibration>>> {
        let stats = self.index_stats()?;
        let weight = self.similarity.settings().passage_weight;
        let in_step = {
            let cached = self
                .calibration
                .lock()
                .map_err(|_| Error::Poisoned("calibration"))?;
            cached.as_ref().and_then(|c| {
                let drift = c.count.abs_diff(stats.count) as f64 / c.count.max(1) as f64;
                (c.built_at == stats.built_at && (drift <= DRIFT || c.count == stats.count)).then(
                    || {
                        (
                            c.calibration.clone(),
                            c.features_seq,
                            c.sample.clone(),
                            c.with_passages,
                        )
                    },
                )
            })
        };
        let features_seq = self.store.features_seq().await?;
        if let Some((calibration, seq, sample, with_passages)) = in_step {
            if weight <= 0.0 || seq == features_seq {
                return Ok(calibration);
            }
            let now = self.store.count_passages(&sample).await?;
            if now.abs_diff(with_passages) as f64 <= DRIFT * sample.len() as f64 {
                let mut cached = self
                    .calibration
                    .lock()
                    .map_err(|_| Error::Poisoned("calibration"))?;
                if let Some(c) = cached.as_mut() {
                    c.features_seq = features_seq;
                }
                return Ok(calibration);
            }
        }
        let (mut ids, _) = self.store.feature_ids(READABLE_SINCE).await?;
        ids.sort_unstable();
        // Evenly over the library, the same sample for the same library.
        let step = ids.len().div_ceil(MAX_SAMPLE).max(1);
        let sample: Vec<i64> = ids.iter().step_by(step).copied().collect();
        let vectors = self.similarity.vectors_of(&self.store, &sample).await?;
        let ordered: Vec<i64> = sample
            .iter()
            .copied()
            .filter(|id| vectors.contains_key(id))
            .collect();
        let stored = if weight > 0.0 {
            self.store.passages_of(&ordered).await?
        } else {
            Default::default()
        };
        let with_passages = stored.len();
        let kept_sample = ordered.clone();
        // Matching a few hundred tracks' passages pair by pair takes a fraction of a second:
        // off the async workers.
        let calibration = tokio::task::spawn_blocking(move || {
            let vectors: Vec<Vec<f32>> = ordered.iter().map(|id| vectors[id].clone()).collect();
            let passages: Vec<_> = ordered.iter().map(|id| stored.get(id)).collect();
            Calibration::from_vectors(&vectors, Thresholds::default())
                .map(|c| Arc::new(c.with_passages(&vectors, &passages, weight)))
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?;
        let mut cached = self
            .calibration
            .lock()
            .map_err(|_| Error::Poisoned("calibration"))?;
        *cached = Some(Cached {
            built_at: stats.built_at,
            count: stats.count,
            calibration: calibration.clone(),
            sample: kept_sample,
            with_passages,
            features_seq,
        });
        Ok(calibration)
    }
}
