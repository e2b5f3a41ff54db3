//! What "sounds alike" means in this library (`playlist::calibration`), measured on a sample
//! of its tracks and kept until the index changes noticeably: a rebuild (new statistics), or
//! the library grown or shrunk by more than a few percent.

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
}

/// Share of the library that may change before the calibration is measured again.
const DRIFT: f64 = 0.02;

impl Library {
    /// The library's calibration (`None` below three analysed tracks). The index must be in
    /// step (`sync`) first.
    pub async fn calibration(&self) -> Result<Option<Arc<Calibration>>> {
        let stats = self.index_stats()?;
        {
            let cached = self
                .calibration
                .lock()
                .map_err(|_| Error::Poisoned("calibration"))?;
            if let Some(c) = cached.as_ref() {
                let drift = c.count.abs_diff(stats.count) as f64 / c.count.max(1) as f64;
                if c.built_at == stats.built_at && (drift <= DRIFT || c.count == stats.count) {
                    return Ok(c.calibration.clone());
                }
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
        let weight = self.similarity.settings().passage_weight;
        let stored = if weight > 0.0 {
            self.store.passages_of(&ordered).await?
        } else {
            Default::default()
        };
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
        });
        Ok(calibration)
    }
}
