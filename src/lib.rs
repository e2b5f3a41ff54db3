//! Segue's engine: a local music library kept in SQLite, scanned from folders, and (as later
//! analysed (tempo, key, timbre, loudness), and (as later issues land) indexed in FAISS and
//! turned into playlists.
//!
//! [`Library`] is the façade the CLI and the desktop shell use; it knows nothing about Tauri.
//! Read `ARCHITECTURE.md` first.

pub mod analysis;
pub mod audio;
pub mod bench;
pub mod demo;
pub mod error;
pub mod index;
pub mod library;
pub mod musicnn;
pub mod panics;
pub mod paths;
pub mod playlist;
pub mod settings;
pub mod similarity;
pub mod store;
pub mod vector;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use error::{Error, Result};
pub use library::analyze::{
    AnalysisPhase, AnalysisProgress, AnalysisProgressFn, AnalysisSummary, AnalyzeOptions,
    PauseSwitch,
};
pub use library::scan::{ProgressFn, ScanOptions, ScanPhase, ScanProgress, ScanSummary};
pub use store::{
    AnalysisCounts, Failure, Folder, SortKey, Stats, Store, TrackDetail, TrackPage, TrackQuery,
    TrackRow,
};
pub use tokio_util::sync::CancellationToken;

/// Log directives that silence the decoders' own warnings: every damaged file would otherwise
/// print several lines; Segue reports each problem once, per file, in the failures list.
pub const QUIET_DECODERS: &str = "lofty=error,symphonia=error";

/// File name of the database inside the data dir.
pub const DATABASE_FILE: &str = "library.sqlite3";

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
    tagger: std::sync::OnceLock<std::result::Result<Arc<musicnn::tagger::Tagger>, String>>,
}

/// Folder of the similarity index inside the data dir.
pub const INDEX_DIR: &str = "index";

/// One similar track, ready to show: what the UI and `segue similar --json` list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimilarTrack {
    #[serde(flatten)]
    pub track: store::TrackSummary,
    /// Cosine similarity of the two tracks' vectors, in [-1, 1].
    pub score: f32,
}

impl Library {
    /// Opens the library in `data_dir`, creating the folder and database as needed.
    pub async fn open(data_dir: impl AsRef<Path>) -> Result<Arc<Library>> {
        let data_dir = data_dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&data_dir).map_err(|e| Error::io(&data_dir, e))?;
        let store = Store::open(&data_dir.join(DATABASE_FILE)).await?;
        let settings = settings::Settings::load(&data_dir);
        let similarity =
            similarity::SimilarityIndex::new(data_dir.join(INDEX_DIR), settings.similarity);
        Ok(Arc::new(Library {
            store,
            data_dir,
            scan_lock: tokio::sync::Mutex::new(()),
            analysis_lock: tokio::sync::Mutex::new(()),
            similarity,
            tagger: std::sync::OnceLock::new(),
        }))
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Where the demo library is synthesised.
    pub fn demo_dir(&self) -> PathBuf {
        self.data_dir.join("demo")
    }

    /// Adds a folder. A folder inside an existing one is refused (its files are already in the
    /// library); a folder that contains existing ones takes their tracks over.
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
        self.store.folder(folder.id).await
    }

    /// Removes a folder and its tracks from the library (never touches the files).
    pub async fn remove_folder(&self, id: i64) -> Result<Folder> {
        let folder = self.store.folder(id).await?;
        let _scan = self.scan_lock.lock().await;
        self.store.delete_folder(id).await?;
        self.sync_index().await;
        Ok(folder)
    }

    pub async fn folders(&self) -> Result<Vec<Folder>> {
        self.store.folders().await
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
        let summary =
            library::scan::scan(&self.store, &folders, options, on_progress, cancel).await?;
        self.sync_index().await;
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
        let run =
            library::analyze::analyze(&self.store, options, tagging, on_progress, cancel, pause);
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
                }
            }
        };
        self.sync_index().await;
        Ok(summary)
    }

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

    pub fn index_stats(&self) -> Result<similarity::IndexStats> {
        self.similarity.stats()
    }

    /// Rebuilds the similarity index from the stored features and waits for it.
    pub async fn rebuild_index(&self) -> Result<similarity::IndexStats> {
        self.similarity.rebuild(&self.store).await
    }

    /// The `k` tracks that sound most like track `id`, best first, never `id` itself.
    /// `None` when that track has not been analysed.
    pub async fn similar(&self, id: i64, k: usize) -> Result<Option<Vec<SimilarTrack>>> {
        let found = self
            .similarity
            .similar_to_tracks(&self.store, &[id], k)
            .await?
            .into_iter()
            .next()
            .flatten();
        match found {
            Some(hits) => Ok(Some(self.similar_rows(&hits).await?)),
            None => Ok(None),
        }
    }

    /// [`Self::similar`] for many tracks in one batch.
    pub async fn similar_batch(
        &self,
        ids: &[i64],
        k: usize,
    ) -> Result<Vec<Option<Vec<SimilarTrack>>>> {
        let found = self
            .similarity
            .similar_to_tracks(&self.store, ids, k)
            .await?;
        let mut out = Vec::with_capacity(found.len());
        for hits in found {
            out.push(match hits {
                Some(hits) => Some(self.similar_rows(&hits).await?),
                None => None,
            });
        }
        Ok(out)
    }

    /// Tracks of the library that sound like a file (inside the library or not), analysed on
    /// the fly. The file's own track, if it is in the library, is left out.
    pub async fn similar_to_file(&self, path: &Path, k: usize) -> Result<Vec<SimilarTrack>> {
        let owned = path.to_path_buf();
        let tagging = self.tagging(&AnalyzeOptions::default());
        let features = tokio::task::spawn_blocking(move || {
            let request = tagging.as_ref().map(|t| analysis::TagRequest {
                tagger: &t.tagger,
                max_patches: t.max_patches,
                expected_s: None,
            });
            analysis::analyze_file_with(&owned, request)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
        .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
        let exclude: Vec<i64> = self.track_id_by_path(path).await?.into_iter().collect();
        let hits = self
            .similarity
            .similar_to_features(&self.store, &features, k, &exclude)
            .await?;
        self.similar_rows(&hits).await
    }

    async fn similar_rows(&self, hits: &[index::Hit]) -> Result<Vec<SimilarTrack>> {
        let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
        let rows: std::collections::HashMap<i64, TrackRow> = self
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
                Some(SimilarTrack {
                    track: row.into(),
                    score: hit.score,
                })
            })
            .collect())
    }

    pub async fn analysis_counts(&self) -> Result<AnalysisCounts> {
        let tags_version = self
            .tagging(&AnalyzeOptions::default())
            .map(|_| musicnn::tagger::TAGS_VERSION);
        self.store
            .analysis_counts(analysis::ANALYSIS_VERSION, tags_version)
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
    pub async fn tag_vocabulary(&self) -> Result<store::TagVocabulary> {
        let (tags, tagged) = self.store.tag_counts(musicnn::tagger::TAGS_VERSION).await?;
        let message = if !settings::Settings::load(&self.data_dir).tags.enabled {
            Some("Tags are turned off in settings.json (tags.enabled).".to_string())
        } else {
            self.tagger().err()
        };
        Ok(store::TagVocabulary {
            enabled: message.is_none(),
            message,
            tagged,
            tags,
        })
    }

    /// Tagging for an analysis run: on when the settings allow it and the models load.
    fn tagging(&self, options: &AnalyzeOptions) -> Option<library::analyze::Tagging> {
        let settings = settings::Settings::load(&self.data_dir).tags;
        if !settings.enabled {
            return None;
        }
        let tagger = self.tagger().ok()?;
        Some(library::analyze::Tagging {
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

    pub async fn tracks(&self, search: Option<&str>) -> Result<Vec<TrackRow>> {
        self.store.all_tracks(search).await
    }

    pub async fn track(&self, id: i64) -> Result<Option<TrackRow>> {
        self.store.track(id).await
    }

    pub async fn failures(&self) -> Result<Vec<Failure>> {
        self.store.failures().await
    }

    pub async fn stats(&self) -> Result<Stats> {
        self.store.stats().await
    }

    /// Synthesises the demo library into the data dir and adds it as a folder (not scanned:
    /// the caller starts the scan so it can show progress).
    pub async fn create_demo(&self) -> Result<Folder> {
        let dir = self.demo_dir();
        let generate_dir = dir.clone();
        tokio::task::spawn_blocking(move || demo::generate(&generate_dir))
            .await
            .map_err(|e| Error::Task(e.to_string()))??;
        self.add_folder(&dir).await
    }
}
