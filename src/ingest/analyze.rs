//! The analysis run: every track that is new, changed or analysed by an older version is decoded
//! once and analysed on a bounded pool of blocking workers; results are stored in batches.
//!
//! Safe to interrupt at any point: each batch is one transaction, a result is only stored if
//! its track still has the content that was analysed, and the next run finds what is left.
//! Pausing stops taking new tracks (the ones in flight finish); resuming goes on.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::analysis::{analyze_part, TagRequest, ANALYSIS_VERSION};
use crate::audio::decode::Part;
use crate::error::{Error, Result};
use crate::musicnn::tagger::{Tagger, TAGS_VERSION};
use crate::paths::display;
use crate::store::{AnalysisOutcome, Store};

/// Tracks fetched from the database at a time.
const FETCH: i64 = 256;
/// Results are stored at least this often, and in batches of at most `BATCH`.
const FLUSH_EVERY: Duration = Duration::from_millis(700);
const BATCH: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisPhase {
    Idle,
    Running,
    Paused,
    Done,
    Cancelled,
}

/// A snapshot of the analysis, for the UI and the CLI progress bar. `done` and `failed` count
/// what is stored: a view refreshed after the event shows every track they count.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AnalysisProgress {
    pub phase: AnalysisPhase,
    /// Tracks analysed in this run, their results stored.
    pub done: u64,
    /// Tracks that failed to decode in this run, stored as failed (see the failures).
    pub failed: u64,
    /// done + failed + still to do.
    pub total: u64,
    /// Seconds of audio analysed in this run.
    pub audio_s: f64,
    /// Seconds spent analysing (pauses excluded).
    pub elapsed_s: f64,
    /// Audio hours analysed per hour of work.
    pub audio_hours_per_hour: f64,
    pub eta_s: Option<f64>,
    /// The track last started.
    pub current: Option<String>,
}

impl AnalysisProgress {
    pub fn idle() -> Self {
        AnalysisProgress {
            phase: AnalysisPhase::Idle,
            done: 0,
            failed: 0,
            total: 0,
            audio_s: 0.0,
            elapsed_s: 0.0,
            audio_hours_per_hour: 0.0,
            eta_s: None,
            current: None,
        }
    }
}

/// What a run did (results stored).
#[derive(Debug, Clone, Default, Serialize, specta::Type)]
pub struct AnalysisSummary {
    pub analyzed: u64,
    pub failed: u64,
    /// Results dropped because the file changed while it was analysed (a later run redoes it).
    pub stale: u64,
    /// Tracks whose file was not there (a drive unplugged, a file deleted the scan has not
    /// seen yet): left as they were, not failed — a later run tries again, a scan removes
    /// what is truly gone.
    pub missing: u64,
    pub audio_s: f64,
    pub elapsed_s: f64,
}

#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// Tracks analysed at once (each on its own blocking thread).
    pub workers: usize,
    /// MusiCNN patches per track (the library's setting when `None`).
    pub tag_patches: Option<usize>,
}

impl Default for AnalyzeOptions {
    /// One worker per core, or `SEGUE_ANALYSIS_WORKERS` when set (to leave cores free).
    fn default() -> Self {
        let from_env = std::env::var("SEGUE_ANALYSIS_WORKERS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0);
        AnalyzeOptions {
            workers: from_env
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
            tag_patches: None,
        }
    }
}

pub type AnalysisProgressFn = Arc<dyn Fn(&AnalysisProgress) + Send + Sync>;

/// Pause and resume for a run, from any thread.
#[derive(Debug, Clone)]
pub struct PauseSwitch {
    tx: Arc<watch::Sender<bool>>,
}

impl Default for PauseSwitch {
    fn default() -> Self {
        Self::new()
    }
}

impl PauseSwitch {
    pub fn new() -> Self {
        PauseSwitch {
            tx: Arc::new(watch::channel(false).0),
        }
    }

    pub fn pause(&self) {
        self.tx.send_replace(true);
    }

    pub fn resume(&self) {
        self.tx.send_replace(false);
    }

    pub fn is_paused(&self) -> bool {
        *self.tx.borrow()
    }

    fn subscribe(&self) -> watch::Receiver<bool> {
        self.tx.subscribe()
    }
}

/// MusiCNN tagging for a run: the loaded models and the patches per track.
#[derive(Clone)]
pub struct Tagging {
    pub tagger: Arc<Tagger>,
    pub max_patches: usize,
}

/// Analyses everything pending, until done or cancelled. With `tagging`, tracks get MusiCNN
/// tags too, and tracks analysed without them are visited again.
pub async fn analyze(
    store: &Store,
    options: &AnalyzeOptions,
    tagging: Option<Tagging>,
    on_progress: AnalysisProgressFn,
    cancel: &CancellationToken,
    pause: &PauseSwitch,
) -> Result<AnalysisSummary> {
    let tags_version = tagging.as_ref().map(|_| TAGS_VERSION);
    let counts = store
        .analysis_counts(ANALYSIS_VERSION, tags_version)
        .await?;
    if counts.pending == 0 {
        // Nothing to do: no events, so the UI does not flash a finished run at every rescan.
        return Ok(AnalysisSummary::default());
    }
    let mut progress = AnalysisProgress {
        phase: AnalysisPhase::Running,
        total: counts.pending.max(0) as u64,
        ..AnalysisProgress::idle()
    };
    let mut summary = AnalysisSummary::default();
    // Header durations still ahead, for the ETA.
    let mut remaining_s = counts.pending_s;
    let mut worked = Duration::ZERO;
    let mut running_since = Instant::now();
    on_progress(&progress);

    let workers = options.workers.max(1);
    let mut after_id = 0i64;
    let mut paused = pause.subscribe();
    let mut switch_alive = true;
    'fetch: while !cancel.is_cancelled() {
        let batch = store
            .pending_analysis(ANALYSIS_VERSION, tags_version, after_id, FETCH)
            .await?;
        let Some(last) = batch.last() else { break };
        after_id = last.id;
        let gate = paused.clone();
        let tagging = tagging.clone();
        let mut results = futures::stream::iter(batch)
            .map(move |track| {
                let mut paused = gate.clone();
                let tagging = tagging.clone();
                async move {
                    // Pausing holds back the next track; one already decoding finishes.
                    if *paused.borrow() {
                        let _ = paused.wait_for(|p| !*p).await;
                    }
                    let path = track.path.clone();
                    let expected_s = track.duration_s;
                    let part = track.span.map(|s| Part {
                        start_s: s.start_s,
                        end_s: s.end_s,
                    });
                    let kept = track.kept_tags.clone();
                    let result = tokio::task::spawn_blocking(move || {
                        // Tags still current are kept: an upgrade of the other features
                        // does not pay for MusiCNN again.
                        let request = tagging
                            .as_ref()
                            .filter(|_| kept.is_none())
                            .map(|t| TagRequest::as_scan(&t.tagger, t.max_patches, expected_s));
                        let result = analyze_part(&path, part, request).map(|mut features| {
                            if let Some(kept) = kept {
                                features.tags = kept.tags;
                                features.tags_version = Some(kept.version);
                            }
                            features
                        });
                        // Asked here, off the async threads: a stat of a dead mount can hang.
                        // Only "no such file" counts: a folder it may not enter is a failure
                        // to report, not a drive to wait for.
                        let missing = result.is_err() && matches!(path.try_exists(), Ok(false));
                        (result, missing)
                    })
                    .await
                    .map_err(|e| Error::Task(e.to_string()));
                    (track, result)
                }
            })
            .buffer_unordered(workers);
        let mut pending: Vec<AnalysisOutcome> = Vec::new();
        let mut last_flush = Instant::now();
        loop {
            let next = tokio::select! {
                next = results.next() => next,
                _ = cancel.cancelled() => None,
                changed = paused.changed(), if switch_alive => {
                    switch_alive = changed.is_ok();
                    let now_paused = *paused.borrow();
                    if now_paused && progress.phase == AnalysisPhase::Running {
                        worked += running_since.elapsed();
                        progress.phase = AnalysisPhase::Paused;
                    } else if !now_paused && progress.phase == AnalysisPhase::Paused {
                        running_since = Instant::now();
                        progress.phase = AnalysisPhase::Running;
                    } else {
                        continue;
                    }
                    // The counts the event carries are stored ones.
                    flush(store, &mut pending, &mut summary).await?;
                    last_flush = Instant::now();
                    progress.done = summary.analyzed;
                    progress.failed = summary.failed;
                    on_progress(&progress);
                    continue;
                }
            };
            let Some((track, result)) = next else {
                if cancel.is_cancelled() {
                    flush(store, &mut pending, &mut summary).await?;
                    break 'fetch;
                }
                break;
            };
            remaining_s -= track.duration_s.unwrap_or(0.0);
            progress.current = Some(display(&track.path));
            let (result, missing) = result?;
            match result {
                _ if missing => {
                    tracing::info!("not analysed now: {} is not there", track.path.display());
                    summary.missing += 1;
                    progress.total = progress.total.saturating_sub(1);
                }
                Ok(features) => {
                    progress.audio_s += features.duration_s;
                    pending.push(AnalysisOutcome {
                        track,
                        result: Ok(features),
                    });
                }
                Err(e) => {
                    tracing::info!("cannot analyse {}: {e}", track.path.display());
                    pending.push(AnalysisOutcome {
                        track,
                        result: Err(e.to_string()),
                    });
                }
            }
            // Paused, nothing more comes for a while: what finished is stored (and shown) now.
            if pending.len() >= BATCH
                || last_flush.elapsed() >= FLUSH_EVERY
                || progress.phase == AnalysisPhase::Paused
            {
                flush(store, &mut pending, &mut summary).await?;
                last_flush = Instant::now();
                progress.done = summary.analyzed;
                progress.failed = summary.failed;
                progress.elapsed_s = working_time(&progress, worked, running_since).as_secs_f64();
                let speed = progress.audio_s / progress.elapsed_s.max(1e-3);
                progress.audio_hours_per_hour = speed;
                progress.eta_s = (speed > 0.0).then(|| remaining_s.max(0.0) / speed);
                on_progress(&progress);
            }
        }
        flush(store, &mut pending, &mut summary).await?;
    }
    progress.done = summary.analyzed;
    progress.failed = summary.failed;
    progress.elapsed_s = working_time(&progress, worked, running_since).as_secs_f64();
    progress.audio_hours_per_hour = progress.audio_s / progress.elapsed_s.max(1e-3);
    progress.phase = if cancel.is_cancelled() {
        AnalysisPhase::Cancelled
    } else {
        AnalysisPhase::Done
    };
    progress.eta_s = None;
    progress.current = None;
    on_progress(&progress);
    summary.audio_s = progress.audio_s;
    summary.elapsed_s = progress.elapsed_s;
    Ok(summary)
}

/// Time spent working: pauses do not count (nor slow the audio-hours-per-hour figure).
fn working_time(progress: &AnalysisProgress, worked: Duration, running_since: Instant) -> Duration {
    if progress.phase == AnalysisPhase::Paused {
        worked
    } else {
        worked + running_since.elapsed()
    }
}

async fn flush(
    store: &Store,
    pending: &mut Vec<AnalysisOutcome>,
    summary: &mut AnalysisSummary,
) -> Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let (analysed, failed) = store.save_analysis(pending).await?;
    summary.analyzed += analysed as u64;
    summary.failed += failed as u64;
    summary.stale += (pending.len() - analysed - failed) as u64;
    pending.clear();
    Ok(())
}
