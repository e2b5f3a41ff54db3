//! Background work for a long-running host (the desktop app): a queue of scan requests from the
//! user and the file watcher, coalesced and run one at a time; after each scan, an analysis run
//! of whatever is new or changed (its own task, so a long analysis never holds up a rescan);
//! progress and "library changed" notifications for the UI.

use std::collections::BTreeSet;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Library;
use crate::ingest::analyze::{AnalysisPhase, AnalysisProgress, AnalyzeOptions, PauseSwitch};
use crate::ingest::scan::{ScanOptions, ScanPhase, ScanProgress, ScanSummary};
use crate::ingest::watch::FolderWatcher;

/// What the background scanner tells its host.
#[derive(Debug, Clone)]
pub enum JobEvent {
    Progress(ScanProgress),
    /// Tracks, folders or failures changed: views should refresh.
    LibraryChanged,
    Finished(ScanSummary),
    Failed(String),
    Analysis(AnalysisProgress),
}

pub type EventFn = Arc<dyn Fn(JobEvent) + Send + Sync>;

#[derive(Debug, Clone, Copy)]
enum Request {
    All,
    Folder(i64),
}

/// Handle to the background scanner. Cheap to share.
pub struct BackgroundScanner {
    requests: mpsc::UnboundedSender<Request>,
    progress: Arc<Mutex<ScanProgress>>,
    cancel: Arc<Mutex<CancellationToken>>,
    watcher: Mutex<Option<FolderWatcher>>,
    analysis: Option<Arc<AnalysisJob>>,
}

/// The analysis side: woken after every scan, runs until nothing is pending.
struct AnalysisJob {
    wake: tokio::sync::Notify,
    pause: PauseSwitch,
    cancel: Mutex<CancellationToken>,
    progress: Mutex<AnalysisProgress>,
}

impl BackgroundScanner {
    /// Creates the scanner and the future that runs it; the host spawns that future on its
    /// tokio runtime. Folders are watched from the start when `watch` is true; tracks are
    /// analysed after each scan (and at once, for what an earlier session left) when `analyze`
    /// is given.
    pub fn new(
        library: Arc<Library>,
        options: ScanOptions,
        on_event: EventFn,
        watch: bool,
        analyze: Option<AnalyzeOptions>,
    ) -> (Arc<Self>, impl Future<Output = ()> + Send + 'static) {
        let (tx, rx) = mpsc::unbounded_channel();
        let watcher = if watch {
            let (changed_tx, mut changed_rx) = mpsc::unbounded_channel::<i64>();
            let forward = tx.clone();
            // The watcher thread speaks in folder ids; forward them as scan requests.
            tokio::spawn(async move {
                while let Some(id) = changed_rx.recv().await {
                    if forward.send(Request::Folder(id)).is_err() {
                        break;
                    }
                }
            });
            match FolderWatcher::new(changed_tx) {
                Ok(w) => Some(w),
                Err(e) => {
                    tracing::warn!("file watching unavailable: {e}");
                    None
                }
            }
        } else {
            None
        };
        let scanner = Arc::new(BackgroundScanner {
            requests: tx,
            progress: Arc::new(Mutex::new(ScanProgress::idle())),
            cancel: Arc::new(Mutex::new(CancellationToken::new())),
            watcher: Mutex::new(watcher),
            analysis: analyze.as_ref().map(|_| {
                Arc::new(AnalysisJob {
                    wake: tokio::sync::Notify::new(),
                    pause: PauseSwitch::new(),
                    cancel: Mutex::new(CancellationToken::new()),
                    progress: Mutex::new(AnalysisProgress::idle()),
                })
            }),
        });
        let analysis =
            scanner.analysis.clone().zip(analyze).map(|(job, options)| {
                run_analysis(library.clone(), options, on_event.clone(), job)
            });
        let scans = run(
            library,
            options,
            on_event,
            rx,
            scanner.progress.clone(),
            scanner.cancel.clone(),
            scanner.analysis.clone(),
        );
        let runner = async move {
            match analysis {
                Some(analysis) => {
                    futures::join!(scans, analysis);
                }
                None => scans.await,
            }
        };
        (scanner, runner)
    }

    /// Pauses the analysis (tracks in flight finish); `resume_analysis` goes on.
    pub fn pause_analysis(&self) {
        if let Some(job) = &self.analysis {
            job.pause.pause();
        }
    }

    pub fn resume_analysis(&self) {
        if let Some(job) = &self.analysis {
            job.pause.resume();
        }
    }

    /// Stops the running analysis run (what it stored stays; the next scan starts another).
    pub fn cancel_analysis(&self) {
        if let Some(job) = &self.analysis {
            if let Ok(token) = job.cancel.lock() {
                token.cancel();
            }
        }
    }

    /// Starts an analysis run of whatever is pending (after a folder was removed, say).
    pub fn analyze_now(&self) {
        if let Some(job) = &self.analysis {
            job.wake.notify_one();
        }
    }

    /// The latest analysis progress snapshot.
    pub fn analysis_progress(&self) -> AnalysisProgress {
        let Some(job) = &self.analysis else {
            return AnalysisProgress::idle();
        };
        let mut p = job
            .progress
            .lock()
            .map(|p| p.clone())
            .unwrap_or_else(|_| AnalysisProgress::idle());
        // Paused between runs' events: say so.
        if job.pause.is_paused() && p.phase == AnalysisPhase::Running {
            p.phase = AnalysisPhase::Paused;
        }
        p
    }

    /// Queues a scan of every folder.
    pub fn scan_all(&self) {
        let _ = self.requests.send(Request::All);
    }

    /// Queues a scan of one folder.
    pub fn scan_folder(&self, id: i64) {
        let _ = self.requests.send(Request::Folder(id));
    }

    /// Cancels the running scan (what it already stored stays).
    pub fn cancel(&self) {
        if let Ok(token) = self.cancel.lock() {
            token.cancel();
        }
    }

    /// The latest progress snapshot.
    pub fn progress(&self) -> ScanProgress {
        self.progress
            .lock()
            .map(|p| p.clone())
            .unwrap_or_else(|_| ScanProgress::idle())
    }

    pub fn watch(&self, folder_id: i64, path: &Path) {
        if let Ok(mut guard) = self.watcher.lock() {
            if let Some(w) = guard.as_mut() {
                if let Err(e) = w.watch(folder_id, path) {
                    tracing::warn!("cannot watch {}: {e}", path.display());
                }
            }
        }
    }

    pub fn unwatch(&self, path: &Path) {
        if let Ok(mut guard) = self.watcher.lock() {
            if let Some(w) = guard.as_mut() {
                w.unwatch(path);
            }
        }
    }
}

async fn run(
    library: Arc<Library>,
    options: ScanOptions,
    on_event: EventFn,
    mut rx: mpsc::UnboundedReceiver<Request>,
    progress: Arc<Mutex<ScanProgress>>,
    cancel: Arc<Mutex<CancellationToken>>,
    analysis: Option<Arc<AnalysisJob>>,
) {
    while let Some(first) = rx.recv().await {
        // Coalesce everything queued meanwhile into one scan.
        let mut all = matches!(first, Request::All);
        let mut folders = BTreeSet::new();
        if let Request::Folder(id) = first {
            folders.insert(id);
        }
        while let Ok(more) = rx.try_recv() {
            match more {
                Request::All => all = true,
                Request::Folder(id) => {
                    folders.insert(id);
                }
            }
        }
        let token = CancellationToken::new();
        if let Ok(mut slot) = cancel.lock() {
            *slot = token.clone();
        }
        let ids: Vec<i64> = folders.into_iter().collect();
        let last_refresh = Arc::new(Mutex::new(Instant::now()));
        let (events, snapshot) = (on_event.clone(), progress.clone());
        let on_progress = Arc::new(move |p: &ScanProgress| {
            if let Ok(mut slot) = snapshot.lock() {
                *slot = p.clone();
            }
            events(JobEvent::Progress(p.clone()));
            // Let the table fill in while a long scan runs, about once a second.
            if p.phase == ScanPhase::Reading {
                if let Ok(mut last) = last_refresh.lock() {
                    if last.elapsed() > Duration::from_secs(1) {
                        *last = Instant::now();
                        events(JobEvent::LibraryChanged);
                    }
                }
            }
        });
        let result = library
            .scan(
                (!all).then_some(ids.as_slice()),
                &options,
                on_progress,
                &token,
            )
            .await;
        match result {
            Ok(summary) => {
                on_event(JobEvent::LibraryChanged);
                on_event(JobEvent::Finished(summary));
            }
            Err(e) => {
                tracing::error!("scan failed: {e}");
                let mut failed = progress
                    .lock()
                    .map(|p| p.clone())
                    .unwrap_or_else(|_| ScanProgress::idle());
                failed.phase = ScanPhase::Failed;
                failed.message = Some(e.to_string());
                if let Ok(mut slot) = progress.lock() {
                    *slot = failed.clone();
                }
                on_event(JobEvent::Progress(failed));
                on_event(JobEvent::LibraryChanged);
                on_event(JobEvent::Failed(e.to_string()));
            }
        }
        if token.is_cancelled() {
            // A cancel also drops what was queued behind the cancelled scan.
            while rx.try_recv().is_ok() {}
        }
        if let Some(job) = &analysis {
            job.wake.notify_one();
        }
    }
}

async fn run_analysis(
    library: Arc<Library>,
    options: AnalyzeOptions,
    on_event: EventFn,
    job: Arc<AnalysisJob>,
) {
    // What an earlier session left pending is analysed right away.
    job.wake.notify_one();
    loop {
        job.wake.notified().await;
        let token = CancellationToken::new();
        if let Ok(mut slot) = job.cancel.lock() {
            *slot = token.clone();
        }
        let (events, snapshot) = (on_event.clone(), job.clone());
        let shown = std::sync::atomic::AtomicU64::new(0);
        let on_progress = Arc::new(move |p: &AnalysisProgress| {
            if let Ok(mut slot) = snapshot.progress.lock() {
                *slot = p.clone();
            }
            events(JobEvent::Analysis(p.clone()));
            // Each stored batch shows up in the table (one stored while paused too).
            let stored = p.done + p.failed;
            let before = shown.swap(stored, std::sync::atomic::Ordering::Relaxed);
            if stored != before && matches!(p.phase, AnalysisPhase::Running | AnalysisPhase::Paused)
            {
                events(JobEvent::LibraryChanged);
            }
        });
        match library
            .analyze(&options, on_progress, &token, &job.pause)
            .await
        {
            Ok(summary) => {
                if summary.analyzed + summary.failed > 0 {
                    on_event(JobEvent::LibraryChanged);
                }
            }
            Err(e) => {
                tracing::error!("analysis failed: {e}");
                on_event(JobEvent::Failed(format!("analysis: {e}")));
            }
        }
    }
}
