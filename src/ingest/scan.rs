//! A scan: walk the library folders, diff what is found against the database, read what is
//! new or changed on a bounded pool of blocking workers, and apply the results in batches.
//!
//! Safe to interrupt at any point: each batch is one transaction, deletions happen only after
//! a complete walk, and the next scan simply finds the remaining work again.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::cue::{self, SheetTracks};
use super::probe::{read_file, ReadAudio, ReadOutcome};
use super::walk::{walk_folder, FoundFile};
use crate::error::{Error, Result};
use crate::paths::path_to_bytes;
use crate::store::{Change, Folder, KnownFile, NewFailure, NewTrack, Span, Stage, Store};

/// Where a scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ScanPhase {
    Idle,
    Walking,
    Reading,
    Removing,
    Done,
    Cancelled,
    Failed,
}

/// A snapshot of a running scan, sent to the UI and the CLI progress bar. At the end,
/// `done + unchanged` are the scanned folders' tracks, `failed` their files listed in Failures
/// as not taken in, and `done + unchanged + failed + ignored = found` — counting files: a file
/// split by its CUE sheet is one in `found` and `done`, and one per track in `unchanged` (and in
/// the summary's `added`/`updated`/`removed`).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ScanProgress {
    pub phase: ScanPhase,
    /// Files found by the walk so far (with the entries it could not take: special files,
    /// broken links, unreadable folders).
    pub found: u64,
    /// Files read and taken in as tracks (new or changed).
    pub done: u64,
    /// Files that could not be taken in: read and failed now, or failed before and unchanged
    /// since (not read again), and what the walk could not take.
    pub failed: u64,
    /// Tracks skipped because their files did not change since the last scan.
    pub unchanged: u64,
    /// Files read and found not to be audio (no audio extension): neither tracks nor failures.
    pub ignored: u64,
    /// Files read per second in the reading phase.
    pub rate: f64,
    pub eta_s: Option<f64>,
    pub elapsed_s: f64,
    /// The file being read.
    pub current: Option<String>,
    pub message: Option<String>,
}

impl ScanProgress {
    pub fn idle() -> Self {
        ScanProgress {
            phase: ScanPhase::Idle,
            found: 0,
            done: 0,
            failed: 0,
            unchanged: 0,
            ignored: 0,
            rate: 0.0,
            eta_s: None,
            elapsed_s: 0.0,
            current: None,
            message: None,
        }
    }
}

/// What a scan changed, and what the scanned folders hold after it: `added + updated + moved +
/// unchanged` tracks (`warnings` of them listed in Failures with a warning), `failed` files
/// listed in Failures as not taken in; `found` is all of these and the `ignored` files.
#[derive(Debug, Clone, Default, Serialize, specta::Type)]
pub struct ScanSummary {
    pub found: u64,
    pub added: u64,
    pub updated: u64,
    pub moved: u64,
    pub removed: u64,
    /// Tracks whose files did not change.
    pub unchanged: u64,
    /// Files that could not be taken in, whether read now or failed before and unchanged.
    pub failed: u64,
    /// Tracks with a warning (cut short or damaged, but playable).
    pub warnings: u64,
    /// Files that are not audio (no audio extension, other content).
    pub ignored: u64,
    pub elapsed_s: f64,
    pub cancelled: bool,
    /// Failures this scan wrote (the others were known and unchanged).
    #[serde(skip)]
    new_failures: u64,
}

impl ScanSummary {
    /// True when the scan changed nothing in the database.
    pub fn is_no_op(&self) -> bool {
        self.added + self.updated + self.moved + self.removed + self.new_failures == 0
    }
}

#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files read at once.
    pub workers: usize,
    /// Results written per transaction.
    pub batch_size: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        // Reading is part I/O, part parsing: a few more workers than cores keeps both busy.
        ScanOptions {
            workers: cores * 2,
            batch_size: 500,
        }
    }
}

/// Receives progress snapshots; called from worker threads, throttled to ~10 per second.
pub type ProgressFn = Arc<dyn Fn(&ScanProgress) + Send + Sync>;

/// Throttles and timestamps progress snapshots.
struct Reporter {
    callback: ProgressFn,
    state: Mutex<ReporterState>,
}

struct ReporterState {
    progress: ScanProgress,
    started: Instant,
    reading_started: Option<Instant>,
    to_read: u64,
    /// Failures counted before reading (known ones, unchanged): not read, so not in the rate.
    failed_unread: u64,
    last_emit: Option<Instant>,
}

impl Reporter {
    fn new(callback: ProgressFn) -> Self {
        Reporter {
            callback,
            state: Mutex::new(ReporterState {
                progress: ScanProgress::idle(),
                started: Instant::now(),
                reading_started: None,
                to_read: 0,
                failed_unread: 0,
                last_emit: None,
            }),
        }
    }

    /// Updates the snapshot; emits it when `force` or enough time has passed.
    fn update(&self, force: bool, change: impl FnOnce(&mut ScanProgress)) {
        let snapshot = {
            let Ok(mut state) = self.state.lock() else {
                return;
            };
            change(&mut state.progress);
            let now = Instant::now();
            if !force
                && state
                    .last_emit
                    .is_some_and(|t| now.duration_since(t) < Duration::from_millis(100))
            {
                return;
            }
            state.last_emit = Some(now);
            state.progress.elapsed_s = state.started.elapsed().as_secs_f64();
            if let Some(reading_started) = state.reading_started {
                let p = &state.progress;
                let processed = p.done + p.ignored + p.failed.saturating_sub(state.failed_unread);
                let secs = reading_started.elapsed().as_secs_f64();
                if secs > 0.2 && processed > 0 {
                    let rate = processed as f64 / secs;
                    state.progress.rate = rate;
                    let left = state.to_read.saturating_sub(processed);
                    state.progress.eta_s = Some(left as f64 / rate);
                }
            }
            state.progress.clone()
        };
        (self.callback)(&snapshot);
    }

    fn start_reading(&self, to_read: u64) {
        if let Ok(mut state) = self.state.lock() {
            state.reading_started = Some(Instant::now());
            state.to_read = to_read;
            state.failed_unread = state.progress.failed;
        }
        self.update(true, |p| p.phase = ScanPhase::Reading);
    }
}

/// Scans `folders` (all library folders, or the ones a watcher saw change).
pub async fn scan(
    store: &Store,
    folders: &[Folder],
    options: &ScanOptions,
    on_progress: ProgressFn,
    cancel: &CancellationToken,
) -> Result<ScanSummary> {
    let started = Instant::now();
    let reporter = Arc::new(Reporter::new(on_progress));
    let mut summary = ScanSummary::default();
    reporter.update(true, |p| p.phase = ScanPhase::Walking);

    // 1. Walk every folder (blocking I/O, off the async threads).
    let mut found: Vec<FoundFile> = Vec::new();
    let mut walk_failures: Vec<NewFailure> = Vec::new();
    let mut walked_folders: Vec<i64> = Vec::new();
    for folder in folders {
        if !folder.path.is_dir() {
            // An unplugged drive must not empty the library: keep its tracks, say so.
            tracing::warn!(
                "library folder {} is missing; kept its tracks",
                folder.path.display()
            );
            reporter.update(true, |p| {
                p.message = Some(format!(
                    "{} is not reachable; its tracks are kept",
                    folder.path.display()
                ))
            });
            continue;
        }
        let (id, root) = (folder.id, folder.path.clone());
        let (rep, stop, already) = (reporter.clone(), cancel.clone(), found.len() as u64);
        let walked = tokio::task::spawn_blocking(move || {
            walk_folder(id, &root, |n| {
                rep.update(false, |p| p.found = already + n as u64);
                !stop.is_cancelled()
            })
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?;
        found.extend(walked.files);
        walk_failures.extend(walked.failures);
        walked_folders.push(folder.id);
        if cancel.is_cancelled() {
            break;
        }
    }
    summary.found = found.len() as u64;
    reporter.update(true, |p| p.found = summary.found);

    // 2. Diff against the database. A file is one track, or one per track of its CUE sheet:
    // its rows are grouped by file, and it is unchanged when its size, time and sheet are.
    let known = store.known_files(&walked_folders).await?;
    let mut known_by_path: HashMap<PathBuf, KnownRows> = HashMap::with_capacity(known.len());
    for k in known {
        match known_by_path.entry(k.path.clone()) {
            std::collections::hash_map::Entry::Occupied(mut rows) => rows.get_mut().more.push(k),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(KnownRows {
                    first: k,
                    more: Vec::new(),
                });
            }
        }
    }
    let mut to_read = Vec::new();
    let mut seen_paths: HashSet<Vec<u8>> = HashSet::with_capacity(found.len());
    for file in found {
        seen_paths.insert(path_to_bytes(&file.path));
        let unchanged = known_by_path.get(&file.path).and_then(|rows| {
            let k = &rows.first;
            let sheet = file.sheet.as_ref().map(|(_, stamp)| *stamp);
            // A failure keeps no sheet stamp: a file that fails stays failed until it changes.
            let same_sheet = k.track_id.is_none() || k.cue_stamp == sheet;
            (k.size == file.size as i64 && k.mtime_ns == file.mtime_ns && same_sheet)
                .then_some(rows)
        });
        match unchanged {
            Some(rows) => {
                // Not read again: a track stays a track, a failure stays a failure.
                for k in rows.iter() {
                    if k.track_id.is_some() {
                        summary.unchanged += 1;
                        summary.warnings += u64::from(k.warned);
                    } else {
                        summary.failed += 1;
                    }
                }
                known_by_path.remove(&file.path);
            }
            None => to_read.push(file),
        }
    }
    // Tracks whose file was not found: moved (recognised below by content) or deleted. A CUE
    // sheet's tracks are not followed on a move: read again at the new path.
    let mut vanished: HashMap<(i64, i64), Vec<i64>> = HashMap::new();
    let mut vanished_paths: HashMap<i64, PathBuf> = HashMap::new();
    // Files of CUE sheets' tracks gone, with how many tracks each had.
    let mut vanished_files: HashMap<PathBuf, u64> = HashMap::new();
    let changed_paths: HashSet<&PathBuf> = to_read.iter().map(|f| &f.path).collect();
    for k in known_by_path.values().flat_map(KnownRows::iter) {
        if let Some(track_id) = k.track_id {
            if changed_paths.contains(&k.path) {
                continue;
            }
            if k.span.is_some() {
                *vanished_files.entry(k.path.clone()).or_default() += 1;
            } else {
                vanished
                    .entry((k.size, k.partial_hash))
                    .or_default()
                    .push(track_id);
                vanished_paths.insert(track_id, k.path.clone());
            }
        }
    }
    // Files read again that had tracks: updated, not added; and whether any was a sheet's.
    let existing: HashMap<PathBuf, (bool, u64)> = known_by_path
        .into_iter()
        .filter(|(_, rows)| rows.iter().any(|k| k.track_id.is_some()))
        .map(|(path, rows)| {
            let spans = rows.iter().any(|k| k.span.is_some());
            (path, (spans, rows.iter().count() as u64))
        })
        .collect();

    // Walk failures first: they need no reading. They are found again on every walk (and
    // counted every time, as they stay in Failures); only new ones change the database.
    for failure in &walk_failures {
        seen_paths.insert(path_to_bytes(&failure.path));
    }
    let known_walk_failures = store.failure_paths(Stage::Walk).await?;
    summary.new_failures += walk_failures
        .iter()
        .filter(|f| !known_walk_failures.contains(&path_to_bytes(&f.path)))
        .count() as u64;
    summary.found += walk_failures.len() as u64;
    summary.failed += walk_failures.len() as u64;
    reporter.update(true, |p| {
        p.found = summary.found;
        p.unchanged = summary.unchanged;
        p.failed = summary.failed;
    });
    store
        .apply(
            &walk_failures
                .iter()
                .cloned()
                .map(Change::Fail)
                .collect::<Vec<_>>(),
        )
        .await?;

    // 3. Read new and changed files on the worker pool; write in batches.
    reporter.start_reading(to_read.len() as u64);
    let workers = options.workers.max(1);
    let mut results = futures::stream::iter(to_read.into_iter().map(|file| {
        let stop = cancel.clone();
        tokio::task::spawn_blocking(move || {
            if stop.is_cancelled() {
                return (file, None);
            }
            let outcome = read_file(&file.path, file.size, file.expect_audio);
            // A sheet beside the file wins over one in its tags (the one people edit).
            let sheet = match (&outcome, &file.sheet) {
                (ReadOutcome::Audio(audio), Some((sheet, _))) => {
                    Some(cue::tracks_for(sheet, &file.path, audio.tech.duration_s))
                }
                (ReadOutcome::Audio(audio), None) => audio
                    .tags
                    .cue_sheet
                    .as_deref()
                    .map(|text| cue::embedded_tracks(text, &file.path, audio.tech.duration_s)),
                _ => None,
            };
            (file, Some((outcome, sheet)))
        })
    }))
    .buffer_unordered(workers);

    let mut batch: Vec<Change> = Vec::with_capacity(options.batch_size);
    let mut last_flush = Instant::now();
    while let Some(joined) = results.next().await {
        let (file, outcome) = joined.map_err(|e| Error::Task(e.to_string()))?;
        let Some((outcome, sheet)) = outcome else {
            continue;
        };
        let name = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let known = existing.get(&file.path).copied();
        let had_spans = known.map(|(spans, _)| spans);
        match outcome {
            ReadOutcome::Audio(audio) => {
                let ReadAudio {
                    partial_hash,
                    mut tags,
                    tech,
                    warning,
                } = *audio;
                // The sheet in the tags was read above; no track keeps its text.
                tags.cue_sheet = None;
                let track = NewTrack {
                    folder_id: file.folder_id,
                    path: file.path.clone(),
                    span: None,
                    cue_stamp: file.sheet.as_ref().map(|(_, stamp)| *stamp),
                    size: file.size as i64,
                    mtime_ns: file.mtime_ns,
                    partial_hash,
                    tags,
                    tech,
                };
                let mut warnings: Vec<String> = warning.into_iter().collect();
                let tracks = match sheet {
                    Some(Ok(sheet)) => sheet_tracks(&track, &sheet),
                    Some(Err(reason)) => {
                        warnings.push(reason);
                        vec![track]
                    }
                    None => vec![track],
                };
                let is_sheet = tracks[0].span.is_some();
                let moved_from = if had_spans.is_some() || is_sheet {
                    None
                } else {
                    vanished
                        .get_mut(&(tracks[0].size, partial_hash))
                        .and_then(|ids| ids.pop())
                };
                if let Some(track_id) = moved_from {
                    vanished_paths.remove(&track_id);
                    summary.moved += 1;
                    batch.push(Change::Move {
                        track_id,
                        folder_id: file.folder_id,
                        track: tracks[0].clone(),
                    });
                } else if had_spans.is_some() {
                    summary.updated += tracks.len() as u64;
                } else {
                    summary.added += tracks.len() as u64;
                }
                // Tags may have changed along with the name of a moved file.
                let spans: Vec<Option<u32>> =
                    tracks.iter().map(|t| t.span.map(|s| s.number)).collect();
                batch.extend(tracks.into_iter().map(Change::Upsert));
                if is_sheet || had_spans == Some(true) {
                    batch.push(Change::KeepOnly {
                        path: file.path.clone(),
                        spans,
                    });
                }
                if !warnings.is_empty() {
                    summary.warnings += 1;
                    batch.push(Change::Warn(NewFailure {
                        folder_id: file.folder_id,
                        path: file.path,
                        stage: Stage::Check,
                        reason: warnings.join("; "),
                        size: None,
                        mtime_ns: None,
                    }));
                }
                reporter.update(false, |p| {
                    p.done += 1;
                    p.current = name;
                });
            }
            ReadOutcome::Failed(reason) => {
                summary.failed += 1;
                summary.new_failures += 1;
                batch.push(Change::Fail(NewFailure {
                    folder_id: file.folder_id,
                    path: file.path,
                    stage: Stage::Scan,
                    reason,
                    size: Some(file.size as i64),
                    mtime_ns: Some(file.mtime_ns),
                }));
                reporter.update(false, |p| {
                    p.failed += 1;
                    p.current = name;
                });
            }
            ReadOutcome::NotAudio => {
                summary.ignored += 1;
                if let Some((_, tracks)) = known {
                    summary.removed += tracks;
                    batch.push(Change::Forget { path: file.path });
                }
                reporter.update(false, |p| p.ignored += 1);
            }
        }
        if batch.len() >= options.batch_size || last_flush.elapsed() > Duration::from_millis(500) {
            store.apply(&batch).await?;
            batch.clear();
            last_flush = Instant::now();
        }
    }
    store.apply(&batch).await?;
    batch.clear();

    if cancel.is_cancelled() {
        summary.cancelled = true;
        summary.elapsed_s = started.elapsed().as_secs_f64();
        reporter.update(true, |p| {
            p.phase = ScanPhase::Cancelled;
            p.eta_s = None;
            p.message =
                Some("Scan cancelled; the next scan picks up where this one stopped".into());
        });
        return Ok(summary);
    }

    // 4. Forget tracks that are gone, unless they sit under a folder the walk could not read.
    reporter.update(true, |p| p.phase = ScanPhase::Removing);
    let unreadable: Vec<PathBuf> = walk_failures.iter().map(|f| f.path.clone()).collect();
    let mut gone: Vec<Change> = Vec::new();
    for (path, tracks) in vanished_paths
        .into_values()
        .map(|path| (path, 1))
        .chain(vanished_files)
    {
        if !unreadable.iter().any(|dir| path.starts_with(dir)) {
            summary.removed += tracks;
            gone.push(Change::Forget { path });
        }
    }
    for chunk in gone.chunks(options.batch_size.max(1)) {
        store.apply(chunk).await?;
    }
    gone.clear();
    for folder_id in &walked_folders {
        store.prune_failures(*folder_id, &seen_paths).await?;
    }

    summary.elapsed_s = started.elapsed().as_secs_f64();
    reporter.update(true, |p| {
        p.phase = ScanPhase::Done;
        p.eta_s = Some(0.0);
        p.current = None;
    });
    Ok(summary)
}

/// The tracks a CUE sheet makes of a file read as `whole`: each a span with the sheet's title,
/// performer and number, the album and album artist of the sheet (the file's tags where the
/// sheet is silent), and its own length.
fn sheet_tracks(whole: &NewTrack, sheet: &SheetTracks) -> Vec<NewTrack> {
    let file_s = whole.tech.duration_s;
    sheet
        .spans
        .iter()
        .map(|span| {
            let mut track = whole.clone();
            track.span = Some(Span {
                number: span.number,
                start_s: span.start_s,
                end_s: span.end_s,
            });
            let end_s = span.end_s.or(file_s);
            track.tech.duration_s = end_s.map(|end| (end - span.start_s).max(0.0));
            let tags = &mut track.tags;
            tags.title = span
                .title
                .clone()
                .or_else(|| Some(format!("Track {:02}", span.number)));
            tags.artist = span
                .performer
                .clone()
                .or_else(|| sheet.performer.clone())
                .or(tags.artist.take());
            tags.album = sheet.album.clone().or(tags.album.take());
            tags.album_artist = sheet.performer.clone().or(tags.album_artist.take());
            tags.track_no = Some(i64::from(span.number));
            track
        })
        .collect()
}

/// The database's rows of one file: one, or one per track of its CUE sheet.
struct KnownRows {
    first: KnownFile,
    /// The other tracks of a CUE sheet (empty, allocating nothing, for a plain file).
    more: Vec<KnownFile>,
}

impl KnownRows {
    fn iter(&self) -> impl Iterator<Item = &KnownFile> {
        std::iter::once(&self.first).chain(&self.more)
    }
}
