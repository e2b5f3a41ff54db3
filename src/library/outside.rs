//! A file outside the library as a seed: read and analysed once (kept by path, size and
//! modification time, so a playlist's knobs can be turned without analysing it again), shown as
//! a track of its own, and turned into the seed of "similar tracks" and of playlists
//! ([`crate::playlist::PlaylistRequest::seed_file`]).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use serde::Serialize;

use super::passages::{matched, Matched};
use super::Library;
use crate::analysis::{self, Features};
use crate::error::{Error, Result};
use crate::ingest::analyze::AnalyzeOptions;
use crate::ingest::probe::{self, ReadOutcome};
use crate::playlist::{Calibration, Candidate};
use crate::store::{TrackRow, TrackStatus, TrackSummary};

/// Outside files kept analysed: a few dropped files, not a second library.
const KEPT: usize = 8;

/// The id an outside file's row carries: never a stored track's (those start at 1).
pub const OUTSIDE_ID: i64 = 0;

/// A file outside the library as the UI shows it: its tags, tempo, key and tag chips, read
/// and analysed as the scan would (its `id` is [`OUTSIDE_ID`]; `path` as the window was handed
/// it).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct OutsideTrack {
    #[serde(flatten)]
    pub track: TrackSummary,
    pub chips: Vec<String>,
    /// The library's own track for this file, when the file is in the library after all.
    pub library_id: Option<i64>,
}

/// An outside file read and analysed.
#[derive(Debug)]
pub(super) struct Outside {
    /// As a track row (id [`OUTSIDE_ID`]): what the playlist rules and reasons read.
    pub(super) row: TrackRow,
    pub(super) features: Features,
    pub(super) library_id: Option<i64>,
}

impl Outside {
    /// The file's passages as the library matches them (none without tags or calibration).
    pub(super) fn passages(&self, calibration: Option<&Calibration>) -> Option<Matched> {
        matched(
            self.features
                .tags
                .as_ref()
                .and_then(|t| t.passages.as_ref()),
            calibration,
        )
    }
}

/// Which file, as it was when analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    path: PathBuf,
    size: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(path: &Path) -> Result<Stamp> {
        let meta = std::fs::metadata(path).map_err(|e| Error::Analysis {
            path: path.to_path_buf(),
            reason: format!("cannot read it: {e}"),
        })?;
        if !meta.is_file() {
            return Err(Error::Analysis {
                path: path.to_path_buf(),
                reason: "not a file".into(),
            });
        }
        Ok(Stamp {
            path: path.to_path_buf(),
            size: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

/// The outside files analysed lately, newest last.
#[derive(Debug, Default)]
pub(super) struct OutsideCache {
    kept: VecDeque<(Stamp, Arc<Outside>)>,
}

impl OutsideCache {
    fn get(&self, stamp: &Stamp) -> Option<Arc<Outside>> {
        self.kept
            .iter()
            .find(|(s, _)| s == stamp)
            .map(|(_, o)| o.clone())
    }

    fn put(&mut self, stamp: Stamp, outside: Arc<Outside>) {
        self.kept.retain(|(s, _)| s.path != stamp.path);
        if self.kept.len() >= KEPT {
            self.kept.pop_front();
        }
        self.kept.push_back((stamp, outside));
    }
}

impl Outside {
    pub(super) fn shown(&self) -> OutsideTrack {
        OutsideTrack {
            track: (&self.row).into(),
            chips: self.row.chips.clone(),
            library_id: self.library_id,
        }
    }
}

/// What a file says about itself, or why it is not audio (the scan's per-file reasons: "not
/// audio: …", "damaged …", "empty file").
fn read_outside(path: &Path, size: u64) -> Result<probe::ReadAudio> {
    let reason = match probe::read_file(path, size, true) {
        ReadOutcome::Audio(read) => return Ok(*read),
        ReadOutcome::Failed(reason) => reason,
        ReadOutcome::NotAudio => "not an audio file".into(),
    };
    Err(Error::Analysis {
        path: path.to_path_buf(),
        reason,
    })
}

/// The row a file outside the library stands as: its tags (with the same fallbacks as a
/// scanned file's) and what the analysis found.
fn outside_row(path: &Path, size: u64, read: probe::ReadAudio, features: &Features) -> TrackRow {
    let tags = read.tags.with_fallbacks(path);
    let tech = read.tech;
    let key = features.key;
    TrackRow {
        id: OUTSIDE_ID,
        path: crate::paths::display(path),
        span: None,
        title: tags.title,
        artist: tags.artist,
        album: tags.album,
        album_artist: tags.album_artist,
        track_no: tags.track_no,
        disc_no: tags.disc_no,
        year: tags.year,
        genre: tags.genre,
        duration_s: tech.duration_s.or(Some(features.duration_s)),
        format: tech.format,
        codec: tech.codec,
        sample_rate: tech.sample_rate,
        channels: tech.channels,
        bitrate_kbps: tech.bitrate_kbps,
        has_cover: tags.has_cover,
        status: TrackStatus::Analyzed,
        size: i64::try_from(size).unwrap_or(i64::MAX),
        bpm: features.tempo.map(|t| f64::from(t.bpm)),
        bpm_confidence: features.tempo.map(|t| f64::from(t.confidence)),
        key: key
            .and_then(|k| analysis::key::NOTE_NAMES.get(usize::from(k.tonic % 12)))
            .map(|name| name.to_string()),
        scale: key.map(|k| k.scale.as_str().to_string()),
        key_strength: key.map(|k| f64::from(k.strength)),
        camelot: key.map(|k| k.camelot()),
        loudness_lufs: features.loudness.integrated_lufs,
        chips: features
            .tags
            .as_ref()
            .map(|t| t.chips())
            .unwrap_or_default(),
    }
}

impl Library {
    /// A file outside the library (or inside: then its own track is named), read and analysed
    /// with tags as the scan would, or taken from the files analysed lately when it has not
    /// changed since.
    pub(super) async fn outside(&self, path: &Path) -> Result<Arc<Outside>> {
        let stamp = Stamp::of(path)?;
        if let Some(kept) = self.outside_cache()?.get(&stamp) {
            return Ok(kept);
        }
        let owned = path.to_path_buf();
        let size = stamp.size;
        let tagging = self.tagging(&AnalyzeOptions::default());
        let analysed = tokio::task::spawn_blocking(move || {
            let request = tagging
                .as_ref()
                .map(|t| analysis::TagRequest::as_scan(&t.tagger, t.max_patches, None));
            // Read first: a file that is not audio gets the scan's plain reason.
            let read = read_outside(&owned, size)?;
            let features =
                analysis::analyze_file_with(&owned, request).map_err(|e| Error::Analysis {
                    path: owned.clone(),
                    reason: e.to_string(),
                })?;
            let row = outside_row(&owned, size, read, &features);
            Ok::<_, Error>((row, features))
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))??;
        let (row, features) = analysed;
        let outside = Arc::new(Outside {
            row,
            features,
            library_id: self.track_id_by_path(path).await?,
        });
        self.outside_cache()?.put(stamp, outside.clone());
        Ok(outside)
    }

    fn outside_cache(&self) -> Result<std::sync::MutexGuard<'_, OutsideCache>> {
        self.outside
            .lock()
            .map_err(|_| Error::Poisoned("outside files"))
    }

    /// An outside file as a playlist seed: its row and its index vector (`None` while the
    /// index has no statistics yet).
    pub(super) async fn outside_seed(
        &self,
        path: &Path,
    ) -> Result<Option<(Candidate, Option<i64>)>> {
        let outside = self.outside(path).await?;
        self.similarity.sync(&self.store).await?;
        let calibration = self.calibration().await?;
        let passages = outside.passages(calibration.as_deref());
        Ok(self
            .similarity
            .vector_of_features(&outside.features)?
            .map(|vector| {
                (
                    Candidate {
                        row: outside.row.clone(),
                        vector,
                        score: 1.0,
                        passages,
                    },
                    outside.library_id,
                )
            }))
    }
}
