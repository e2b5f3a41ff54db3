//! The façade: [`Library`] is what the CLI and the desktop shell call, and the one place that
//! sequences the engine's parts. This module holds the library itself (folders, scans and
//! analysis runs, tracks, tags); the other concerns each have a file: `similar` (the index and
//! its queries), `playlists`, `journeys` (lists that move from one track to another),
//! `describe` (tracks ranked for a description in words), `radio` (a queue that never ends), `preview` (the player on the remembered device), `jobs` (the
//! background scan queue and analysis of a long-running host, which this façade owns once
//! started), `backups` (rolling copies of the database), `mirror` (saved playlists as M3U8
//! files), `recovery` (a damaged database restored on open; `segue doctor`) and `lock` (one
//! process per library).

pub mod backups;
mod calibrate;
mod describe;
pub mod jobs;
mod journeys;
pub mod lock;
mod map;
pub mod mirror;
mod outside;
mod passages;
mod playlists;
mod preview;
mod radio;
mod radio_session;
pub mod recovery;
mod similar;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;

pub use describe::DescribeAnswer;
pub use map::{MapAnswer, MapEvent, MapPhase, MapProgress, MapState, MapSummary, MAP_MIN_TRACKS};
pub use outside::{OutsideTrack, OUTSIDE_ID};
pub use playlists::SavedPlaylistDetail;
pub use preview::{preview_item, PreviewAction};
pub use radio::{Radio, RADIO_AHEAD};
pub use radio_session::{HeardEntry, RadioSession, RadioView};
pub use recovery::{DoctorReport, Recovery};
pub use similar::{OutsideAnswer, SimilarAnswer, SimilarState, SimilarTrack};

use crate::audio::preview::Player;
use crate::error::{Error, Result};
use crate::ingest::analyze::{self, AnalysisProgressFn, AnalysisSummary, AnalyzeOptions};
use crate::ingest::analyze::{AnalysisProgress, PauseSwitch};
use crate::ingest::scan::{self, ProgressFn, ScanOptions, ScanProgress, ScanSummary};
use crate::store::{AnalysisCounts, Failure, Folder, Stats, Store, TagVocabulary};
use crate::store::{TrackDetail, TrackPage, TrackQuery, TrackRow};
use crate::{demo, musicnn, settings, similarity, CancellationToken, INDEX_DIR};
use jobs::{BackgroundScanner, EventFn};

/// An open library: the database plus the data dir that holds it.
pub struct Library {
    store: Store,
    data_dir: PathBuf,
    /// One scan at a time: concurrent scans of one folder would race on the same rows.
    scan_lock: tokio::sync::Mutex<()>,
    /// One analysis run at a time, for the same reason.
    analysis_lock: tokio::sync::Mutex<()>,
    similarity: Arc<similarity::SimilarityIndex>,
    /// MusiCNN, loaded on first use: the models, or why tags are off.
    tagger: OnceLock<std::result::Result<Arc<musicnn::tagger::Tagger>, String>>,
    /// The background jobs of a long-running host (the app), once started.
    jobs: OnceLock<Arc<BackgroundScanner>>,
    /// The preview player, opened on the first preview (a machine without sound starts fine).
    player: Mutex<Option<Arc<Player>>>,
    /// The CUE sheet's track playing, if one does (its states are counted from its start).
    span_playing: preview::SpanPlaying,
    /// Called with the player's state as it changes (the app's `preview-state` events).
    on_preview_state: OnceLock<preview::StateFn>,
    /// What "sounds alike" means in this library, measured on the current index.
    calibration: Mutex<Option<calibrate::Cached>>,
    /// The library map's background layout and its reports.
    map: Arc<map::MapKeeper>,
    /// Rolling copies of the database, made in the background after changes.
    backups: Arc<backups::Backups>,
    /// What opening had to do to get a sound database (a backup restored), if anything.
    recovery: Option<Recovery>,
    /// This process's hold on the data dir, until the library is closed.
    lock: Mutex<Option<lock::LibraryLock>>,
    /// Reading a library another process holds: nothing is written (see `open_to_read`).
    guest: bool,
    /// Files outside the library analysed lately (dropped on the app, seeds of playlists).
    outside: Mutex<outside::OutsideCache>,
}

/// What the app shows at start and after every change: folders, totals, running jobs.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Overview {
    pub folders: Vec<Folder>,
    pub stats: Stats,
    pub scan: ScanProgress,
    pub analysis: AnalysisProgress,
}

/// A scan and the analysis run after it (`segue scan --json`).
#[derive(Debug, Clone, Serialize)]
pub struct UpdateSummary {
    #[serde(flatten)]
    pub scan: ScanSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<AnalysisSummary>,
}

/// A track with its MusiCNN tags, label → probability (both models; `segue tracks --json`).
#[derive(Debug, Clone, Serialize)]
pub struct TrackWithTags {
    #[serde(flatten)]
    pub row: TrackRow,
    pub tags: Option<BTreeMap<String, f32>>,
}

impl Library {
    /// Opens the library in `data_dir`, creating the folder and database as needed. A damaged
    /// or missing database is moved aside and the newest good backup restored
    /// ([`Self::recovery`] says so). Fails with [`Error::LibraryInUse`] while another process
    /// holds the library (see `lock`).
    pub async fn open(data_dir: impl AsRef<Path>) -> Result<Arc<Library>> {
        let data_dir = created(data_dir.as_ref())?;
        // Before anything reads the files: a restore must not move a database another
        // process has open.
        let lock = lock::LibraryLock::acquire(&data_dir)?;
        Self::open_with(data_dir, lock::Access::Owner(lock)).await
    }

    /// Opens the library to read it, also while another process holds it (the CLI's reading
    /// commands beside the app). With the lock free, exactly as [`Self::open`]; else as a
    /// guest: a damaged database is an error (its holder has it open, it is not restored
    /// under it), and nothing is written — no backups, no saved index, no map layout or
    /// placement. The caller must only read.
    pub async fn open_to_read(data_dir: impl AsRef<Path>) -> Result<Arc<Library>> {
        let data_dir = created(data_dir.as_ref())?;
        let access = lock::Access::owner_or_guest(&data_dir)?;
        Self::open_with(data_dir, access).await
    }

    async fn open_with(data_dir: PathBuf, access: lock::Access) -> Result<Arc<Library>> {
        let (store, recovery, lock) = match access {
            lock::Access::Owner(lock) => {
                let (store, recovery) = recovery::open_store(&data_dir).await?;
                (store, recovery, Some(lock))
            }
            lock::Access::Guest(holder) => (
                recovery::open_store_as_guest(&data_dir, &holder).await?,
                None,
                None,
            ),
        };
        let guest = lock.is_none();
        let backups = backups::Backups::new(store.clone(), data_dir.clone());
        let settings = settings::Settings::load(&data_dir);
        let similarity =
            similarity::SimilarityIndex::new(data_dir.join(INDEX_DIR), settings.similarity);
        if guest {
            backups.disable();
            similarity.set_read_only();
        }
        Ok(Arc::new(Library {
            store,
            data_dir,
            scan_lock: tokio::sync::Mutex::new(()),
            analysis_lock: tokio::sync::Mutex::new(()),
            similarity,
            tagger: OnceLock::new(),
            jobs: OnceLock::new(),
            player: Mutex::new(None),
            span_playing: Default::default(),
            on_preview_state: OnceLock::new(),
            calibration: Mutex::new(None),
            map: Arc::default(),
            backups,
            recovery,
            lock: Mutex::new(lock),
            guest,
            outside: Mutex::default(),
        }))
    }

    /// Whether this process only reads a library another one holds ([`Self::open_to_read`]).
    pub fn is_guest(&self) -> bool {
        self.guest
    }

    /// What opening had to do to get a sound database (a backup restored, or an empty library
    /// started), for the shells to say once.
    pub fn recovery(&self) -> Option<&Recovery> {
        self.recovery.as_ref()
    }

    /// Copies the database into `backups/` now (even if nothing changed since the newest) and
    /// prunes old ones; the new backup.
    pub async fn backup_now(&self) -> Result<Option<backups::BackupFile>> {
        self.backups.backup(true).await
    }

    /// Runs the backups waiting out their throttle now, and waits for them (a shell about to
    /// exit).
    pub async fn wait_backups(&self) {
        self.backups.wait_idle().await;
    }

    /// Finishes the backups, closes the database (its WAL checkpointed into the file), notes
    /// the file as it was left (the next open skips its check while it is unchanged) and lets
    /// the next process have the library.
    pub async fn close(&self) {
        self.wait_backups().await;
        self.store.close().await;
        let owner = self.lock.lock().is_ok_and(|held| held.is_some());
        if owner {
            // sqlx closes its connections on their own threads: the last one checkpoints the
            // WAL into the file and removes it a moment later; only then is the file as it is
            // left. (A guest's WAL belongs to the holder, still open: no wait, no note.)
            let wal = self.data_dir.join(format!("{}-wal", crate::DATABASE_FILE));
            for _ in 0..100 {
                if !wal.metadata().is_ok_and(|m| m.len() > 0) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            // Noted while the lock is still held: no other process can have opened it since.
            recovery::note_clean_close(&self.data_dir);
        }
        if let Ok(mut held) = self.lock.lock() {
            held.take();
        }
    }

    /// The database underneath, for tests and benchmarks that fill or inspect it directly.
    #[cfg(feature = "harness")]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Adds `count` synthetic tracks (rows only, no files), for benchmarks of large libraries.
    #[cfg(feature = "harness")]
    pub async fn seed_synthetic_tracks(&self, count: i64) -> Result<()> {
        self.store.seed_synthetic_tracks(count).await
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Where the demo library is synthesised.
    pub fn demo_dir(&self) -> PathBuf {
        self.data_dir.join("demo")
    }

    /// Starts the background jobs of a long-running host: a queue of scans (asked for by the
    /// user, the file watcher and folder changes) run one at a time, the analysis of whatever
    /// they find, and a watcher on every folder. Returns the future that runs them, for the
    /// host to spawn on its tokio runtime (inside which this must be called). Folders are
    /// rescanned at once, so changes made while the host was closed show up.
    pub async fn start_jobs(
        self: &Arc<Self>,
        on_event: EventFn,
    ) -> Result<impl Future<Output = ()> + Send + 'static> {
        let (jobs, runner) = BackgroundScanner::new(
            self.clone(),
            ScanOptions::default(),
            on_event,
            true,
            Some(AnalyzeOptions::default()),
        );
        if self.jobs.set(jobs.clone()).is_err() {
            return Err(Error::InvalidRequest("the jobs are already running".into()));
        }
        let folders = self.folders().await?;
        for folder in &folders {
            jobs.watch(folder.id, &folder.path);
        }
        // Unchanged files cost one stat each; an interrupted scan finishes.
        if !folders.is_empty() {
            jobs.scan_all();
        }
        Ok(runner)
    }

    fn jobs(&self) -> Option<&Arc<BackgroundScanner>> {
        self.jobs.get()
    }

    /// Adds a folder. A folder inside an existing one is refused (its files are already in the
    /// library); a folder that contains existing ones takes their tracks over. With the jobs
    /// running, it is watched and scanned at once; otherwise the caller scans.
    pub async fn add_folder(&self, path: &Path) -> Result<Folder> {
        let path = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
        if !path.is_dir() {
            return Err(Error::NotAFolder(path));
        }
        let folders = self.store.folders().await?;
        if let Some(existing) = folders.iter().find(|f| path.starts_with(&f.path)) {
            if existing.path == path {
                return Ok(existing.clone());
            }
            return Err(Error::FolderInsideLibrary(path, existing.path.clone()));
        }
        let children: Vec<i64> = folders
            .iter()
            .filter(|f| f.path.starts_with(&path))
            .map(|f| f.id)
            .collect();
        let folder = self.store.insert_folder(&path).await?;
        if !children.is_empty() {
            self.store.absorb_folders(folder.id, &children).await?;
        }
        let folder = self.store.folder(folder.id).await?;
        if let Some(jobs) = self.jobs() {
            jobs.watch(folder.id, &folder.path);
            jobs.scan_folder(folder.id);
        }
        self.backups.request(false);
        Ok(folder)
    }

    /// Removes a folder and its tracks from the library (never touches the files). With the
    /// jobs running, the running scan and analysis are stopped first (the analysis queue may
    /// hold hundreds of the folder's tracks, each decoded for nothing), the folder is no longer
    /// watched, and the other folders are scanned again so an interrupted scan finishes.
    pub async fn remove_folder(&self, id: i64) -> Result<Folder> {
        let folder = self.store.folder(id).await?;
        if let Some(jobs) = self.jobs() {
            jobs.cancel();
            jobs.cancel_analysis();
        }
        {
            let _scan = self.scan_lock.lock().await;
            self.store.delete_folder(id).await?;
            self.sync_index().await;
        }
        if let Some(jobs) = self.jobs() {
            jobs.unwatch(&folder.path);
            if !self.store.folders().await?.is_empty() {
                jobs.scan_all();
            }
        }
        self.backups.request(false);
        Ok(folder)
    }

    pub async fn folders(&self) -> Result<Vec<Folder>> {
        self.store.folders().await
    }

    /// Folders, totals and the running jobs' progress.
    pub async fn overview(&self) -> Result<Overview> {
        Ok(Overview {
            folders: self.folders().await?,
            stats: self.stats().await?,
            scan: self.scan_progress(),
            analysis: self.analysis_progress(),
        })
    }

    /// Queues a scan of every folder (the jobs' queue; nothing when they are not running).
    pub fn rescan(&self) {
        if let Some(jobs) = self.jobs() {
            jobs.scan_all();
        }
    }

    /// Cancels the jobs' running scan (what it stored stays).
    pub fn cancel_scan(&self) {
        if let Some(jobs) = self.jobs() {
            jobs.cancel();
        }
    }

    /// Pauses the jobs' analysis (tracks in flight finish); `resume_analysis` goes on.
    pub fn pause_analysis(&self) {
        if let Some(jobs) = self.jobs() {
            jobs.pause_analysis();
        }
    }

    pub fn resume_analysis(&self) {
        if let Some(jobs) = self.jobs() {
            jobs.resume_analysis();
        }
    }

    pub fn scan_progress(&self) -> ScanProgress {
        self.jobs()
            .map_or_else(ScanProgress::idle, |jobs| jobs.progress())
    }

    pub fn analysis_progress(&self) -> AnalysisProgress {
        self.jobs()
            .map_or_else(AnalysisProgress::idle, |jobs| jobs.analysis_progress())
    }

    /// Scans the given folders (all when `None`). Waits for a running scan to finish first.
    pub async fn scan(
        &self,
        folder_ids: Option<&[i64]>,
        options: &ScanOptions,
        on_progress: ProgressFn,
        cancel: &CancellationToken,
    ) -> Result<ScanSummary> {
        let _scan = self.scan_lock.lock().await;
        let folders: Vec<Folder> = self
            .store
            .folders()
            .await?
            .into_iter()
            .filter(|f| folder_ids.is_none_or(|ids| ids.contains(&f.id)))
            .collect();
        let summary = scan::scan(&self.store, &folders, options, on_progress, cancel).await?;
        self.sync_index().await;
        self.backups.request(true);
        Ok(summary)
    }

    /// Analyses every track that needs it (new, changed, or analysed by an older version).
    pub async fn analyze(
        &self,
        options: &AnalyzeOptions,
        on_progress: AnalysisProgressFn,
        cancel: &CancellationToken,
        pause: &PauseSwitch,
    ) -> Result<AnalysisSummary> {
        let _analysis = self.analysis_lock.lock().await;
        // Similar tracks work during a long run: the index takes in new tracks every few
        // seconds, not only at the end.
        let tagging = self.tagging(options);
        let run = analyze::analyze(&self.store, options, tagging, on_progress, cancel, pause);
        tokio::pin!(run);
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3));
        tick.tick().await;
        let summary = loop {
            tokio::select! {
                summary = &mut run => break summary?,
                _ = tick.tick() => {
                    if let Err(e) = self.similarity.sync(&self.store).await {
                        tracing::warn!("updating the similarity index: {e}");
                    }
                    // Between batches (a copy is one read transaction); throttled.
                    self.backups.request(false);
                }
            }
        };
        // Fitted on the whole library now, not on what the first seconds of the run analysed.
        if let Err(e) = self.similarity.settle(&self.store).await {
            tracing::warn!("updating the similarity index: {e}");
        }
        self.sync_index().await;
        self.backups.request(true);
        Ok(summary)
    }

    /// A scan, then (unless `analyze` is `None` or the scan was cancelled) an analysis run of
    /// what it found new or changed: what `segue scan` does and the jobs do after each scan.
    pub async fn scan_and_analyze(
        &self,
        folder_ids: Option<&[i64]>,
        scan: &ScanOptions,
        analyze: Option<&AnalyzeOptions>,
        on_scan: ProgressFn,
        on_analysis: AnalysisProgressFn,
        cancel: &CancellationToken,
    ) -> Result<UpdateSummary> {
        let scan = self.scan(folder_ids, scan, on_scan, cancel).await?;
        let analysis = match analyze {
            Some(options) if !cancel.is_cancelled() => Some(
                self.analyze(options, on_analysis, cancel, &PauseSwitch::new())
                    .await?,
            ),
            _ => None,
        };
        Ok(UpdateSummary { scan, analysis })
    }

    pub async fn analysis_counts(&self) -> Result<AnalysisCounts> {
        let tags_version = self
            .tagging(&AnalyzeOptions::default())
            .map(|_| musicnn::tagger::TAGS_VERSION);
        self.store
            .analysis_counts(crate::analysis::ANALYSIS_VERSION, tags_version)
            .await
    }

    /// The MusiCNN models, loaded once; `Err` says why tags are off (weights missing…).
    pub fn tagger(&self) -> std::result::Result<Arc<musicnn::tagger::Tagger>, String> {
        self.tagger
            .get_or_init(|| {
                let started = std::time::Instant::now();
                match musicnn::tagger::Tagger::load_default() {
                    Ok(tagger) => {
                        tracing::info!("MusiCNN loaded in {:?}", started.elapsed());
                        Ok(Arc::new(tagger))
                    }
                    Err(e) => {
                        tracing::warn!("tags are off: {e}");
                        Err(format!("{e}. {}", musicnn::HOW_TO_ENABLE))
                    }
                }
            })
            .clone()
    }

    /// The tags in the library (for the tag filter) and whether tagging is on.
    pub async fn tag_vocabulary(&self) -> Result<TagVocabulary> {
        let (tags, tagged) = self.store.tag_counts(musicnn::tagger::TAGS_VERSION).await?;
        let message = if !settings::Settings::load(&self.data_dir).tags.enabled {
            Some("Tags are turned off in settings.json (tags.enabled).".to_string())
        } else {
            self.tagger().err()
        };
        Ok(TagVocabulary {
            enabled: message.is_none(),
            message,
            tagged,
            tags,
        })
    }

    /// Tagging for an analysis run: on when the settings allow it and the models load.
    fn tagging(&self, options: &AnalyzeOptions) -> Option<analyze::Tagging> {
        let settings = settings::Settings::load(&self.data_dir).tags;
        if !settings.enabled {
            return None;
        }
        let tagger = self.tagger().ok()?;
        Some(analyze::Tagging {
            tagger,
            max_patches: options.tag_patches.unwrap_or(settings.patches).max(1),
        })
    }

    /// The id of the track at `path`, if there is one. The library keeps paths as the scan
    /// walked them (through symlinks), so the path is tried as given (made absolute), then
    /// with its links resolved.
    pub async fn track_id_by_path(&self, path: &Path) -> Result<Option<i64>> {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        if let Some(id) = self.store.track_id_by_path(&absolute).await? {
            return Ok(Some(id));
        }
        match std::fs::canonicalize(path) {
            Ok(canonical) if canonical != absolute => self.store.track_id_by_path(&canonical).await,
            _ => Ok(None),
        }
    }

    /// A track and every stored feature of it.
    pub async fn track_detail(&self, id: i64) -> Result<Option<TrackDetail>> {
        self.store.track_detail(id).await
    }

    pub async fn track_page(&self, query: &TrackQuery) -> Result<TrackPage> {
        self.store.track_page(query).await
    }

    /// How many tracks `query` matches, exactly (a page may carry an estimate).
    pub async fn count_tracks(&self, query: &TrackQuery) -> Result<i64> {
        self.store.count_tracks(query).await
    }

    pub async fn tracks(&self, search: Option<&str>) -> Result<Vec<TrackRow>> {
        self.store.all_tracks(search).await
    }

    /// [`Self::tracks`], each with its MusiCNN tags (lower case, as the chips spell them).
    pub async fn tracks_with_tags(&self, search: Option<&str>) -> Result<Vec<TrackWithTags>> {
        let tracks = self.tracks(search).await?;
        let ids: Vec<i64> = tracks.iter().map(|t| t.id).collect();
        let mut tags: std::collections::HashMap<i64, BTreeMap<String, f32>> = self
            .store
            .features_of_many(&ids, crate::analysis::READABLE_SINCE)
            .await?
            .into_iter()
            .filter_map(|(id, f)| {
                let ranked = f.tags?.ranked();
                Some((
                    id,
                    ranked
                        .into_iter()
                        .map(|(l, p)| (l.to_lowercase(), p))
                        .collect(),
                ))
            })
            .collect();
        Ok(tracks
            .into_iter()
            .map(|row| TrackWithTags {
                tags: tags.remove(&row.id),
                row,
            })
            .collect())
    }

    pub async fn track(&self, id: i64) -> Result<Option<TrackRow>> {
        self.store.track(id).await
    }

    /// A track that must exist.
    pub async fn existing_track(&self, id: i64) -> Result<TrackRow> {
        self.track(id).await?.ok_or(Error::NoSuchTrack(id))
    }

    pub async fn failures(&self) -> Result<Vec<Failure>> {
        self.store.failures().await
    }

    pub async fn stats(&self) -> Result<Stats> {
        self.store.stats().await
    }

    /// Synthesises the demo library into the data dir and adds it as a folder (scanned by the
    /// jobs when they run; otherwise the caller scans, to show progress its own way).
    pub async fn create_demo(&self) -> Result<Folder> {
        let dir = self.demo_dir();
        let generate_dir = dir.clone();
        tokio::task::spawn_blocking(move || demo::generate(&generate_dir))
            .await
            .map_err(|e| Error::Task(e.to_string()))??;
        self.add_folder(&dir).await
    }
}

/// The data dir, created if it is not there yet.
fn created(data_dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
    Ok(data_dir.to_path_buf())
}
