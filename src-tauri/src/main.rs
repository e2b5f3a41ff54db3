//! Segue's desktop shell: thin Tauri commands over the engine façade, scan progress as events.
//! All real work lives in the `segue` crate; this file only translates.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::PathBuf;
use std::sync::Arc;

use segue::audio::preview::{Player, PlayerState};
use segue::library::jobs::{BackgroundScanner, JobEvent};
use segue::playlist::{Playlist, PlaylistEntry, PlaylistRequest, SavedPlaylistDetail};
use segue::store::SavedPlaylist;
use segue::{
    AnalysisProgress, AnalyzeOptions, Failure, Folder, Library, ScanOptions, ScanProgress,
    SimilarTrack, Stats, TrackDetail, TrackPage, TrackQuery,
};
use serde::Serialize;
use tauri::{Emitter, Manager, State};
use tauri_plugin_dialog::DialogExt;

struct AppState {
    library: Arc<Library>,
    scanner: Arc<BackgroundScanner>,
    /// Opened on the first preview, so a machine without sound starts fine; `None` until then.
    player: std::sync::Mutex<Option<Arc<Player>>>,
}

/// Errors cross to the webview as plain strings the UI shows as they are.
type CmdResult<T> = Result<T, String>;

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

#[derive(Serialize)]
struct Overview {
    folders: Vec<Folder>,
    stats: Stats,
    scan: ScanProgress,
    analysis: AnalysisProgress,
}

#[tauri::command]
async fn get_overview(state: State<'_, AppState>) -> CmdResult<Overview> {
    Ok(Overview {
        folders: state.library.folders().await.map_err(text)?,
        stats: state.library.stats().await.map_err(text)?,
        scan: state.scanner.progress(),
        analysis: state.scanner.analysis_progress(),
    })
}

/// Opens the native folder chooser (from Rust, so the webview needs no dialog permission),
/// adds the folder and starts scanning it. `None` when the user cancels.
#[tauri::command]
async fn add_folder_dialog(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> CmdResult<Option<Folder>> {
    let Some(path) = pick_folder(&app).await? else {
        return Ok(None);
    };
    let folder = state.library.add_folder(&path).await.map_err(text)?;
    adopt_folder(&app, &state, &folder);
    Ok(Some(folder))
}

async fn pick_folder(app: &tauri::AppHandle) -> CmdResult<Option<PathBuf>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app.dialog().file().set_title("Add a music folder");
    // Start somewhere useful: GTK's default ("Recent") cannot pick a folder by typing.
    if let Some(start) = std::env::var_os("HOME").map(PathBuf::from) {
        let music = start.join("Music");
        dialog = dialog.set_directory(if music.is_dir() { music } else { start });
    }
    dialog.pick_folder(move |picked| {
        let _ = tx.send(picked);
    });
    let picked = rx.await.map_err(text)?;
    match picked {
        None => Ok(None),
        Some(path) => path.into_path().map(Some).map_err(text),
    }
}

#[tauri::command]
async fn remove_folder(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: i64,
) -> CmdResult<()> {
    // A running scan holds the library; cancel it, remove, then let the other folders finish.
    // The analysis run is stopped too: its queue may hold hundreds of the removed folder's
    // tracks, each decoded for nothing. The rescan below (or the next scan) starts a new run.
    state.scanner.cancel();
    state.scanner.cancel_analysis();
    let folder = state.library.remove_folder(id).await.map_err(text)?;
    state.scanner.unwatch(&folder.path);
    if !state.library.folders().await.map_err(text)?.is_empty() {
        state.scanner.scan_all();
    }
    let _ = app.emit("library-changed", ());
    Ok(())
}

#[tauri::command]
async fn list_tracks(state: State<'_, AppState>, query: TrackQuery) -> CmdResult<TrackPage> {
    state.library.track_page(&query).await.map_err(text)
}

/// One track with every stored feature (the detail panel).
#[tauri::command]
async fn get_track(state: State<'_, AppState>, id: i64) -> CmdResult<TrackDetail> {
    state
        .library
        .track_detail(id)
        .await
        .map_err(text)?
        .ok_or_else(|| format!("no track with id {id}"))
}

/// The tags in the library for the tag filter, and whether tagging is on (and how to turn it
/// on when it is not).
#[tauri::command]
async fn tag_vocabulary(state: State<'_, AppState>) -> CmdResult<segue::store::TagVocabulary> {
    state.library.tag_vocabulary().await.map_err(text)
}

#[derive(Serialize)]
struct SimilarResponse {
    /// "ready", "building" (answers from the previous index or exact search meanwhile),
    /// "not_analyzed" (the track has no features yet) or "empty" (nothing else to compare).
    state: &'static str,
    /// "Flat", "IVF256,Flat", "IVF4096,SQ8", "exact"…
    index_type: String,
    results: Vec<SimilarTrack>,
}

/// The "Similar tracks" panel: tracks that sound like track `id`, best first, never itself.
#[tauri::command]
async fn similar_tracks(
    state: State<'_, AppState>,
    id: i64,
    limit: Option<u32>,
) -> CmdResult<SimilarResponse> {
    let limit = limit.unwrap_or(20).clamp(1, 200) as usize;
    let found = state.library.similar(id, limit).await.map_err(text)?;
    let stats = state.library.index_stats().map_err(text)?;
    let (state_name, results) = match found {
        None => ("not_analyzed", Vec::new()),
        Some(results) if results.is_empty() && stats.count < 2 => ("empty", results),
        Some(results) => match stats.state {
            segue::similarity::IndexState::Ready => ("ready", results),
            _ => ("building", results),
        },
    };
    Ok(SimilarResponse {
        state: state_name,
        index_type: stats.index_type,
        results,
    })
}

// ----- playlists -------------------------------------------------------------------------

#[tauri::command]
async fn make_playlist(
    state: State<'_, AppState>,
    request: PlaylistRequest,
) -> CmdResult<Playlist> {
    state.library.make_playlist(&request).await.map_err(text)
}

#[tauri::command]
async fn swap_playlist_track(
    state: State<'_, AppState>,
    request: PlaylistRequest,
    current: Vec<i64>,
    position: usize,
) -> CmdResult<Option<PlaylistEntry>> {
    state
        .library
        .swap_playlist_track(&request, &current, position)
        .await
        .map_err(text)
}

fn playlists_changed(app: &tauri::AppHandle) {
    if let Err(e) = app.emit("playlists-changed", ()) {
        tracing::debug!("event not delivered: {e}");
    }
}

#[tauri::command]
async fn save_playlist(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    name: String,
    request: Option<PlaylistRequest>,
    track_ids: Vec<i64>,
) -> CmdResult<SavedPlaylist> {
    let saved = state
        .library
        .save_playlist(&name, request.as_ref(), &track_ids)
        .await
        .map_err(text)?;
    playlists_changed(&app);
    Ok(saved)
}

#[tauri::command]
async fn list_playlists(state: State<'_, AppState>) -> CmdResult<Vec<SavedPlaylist>> {
    state.library.saved_playlists().await.map_err(text)
}

#[tauri::command]
async fn get_playlist(state: State<'_, AppState>, id: i64) -> CmdResult<SavedPlaylistDetail> {
    state.library.saved_playlist(id).await.map_err(text)
}

#[tauri::command]
async fn rename_playlist(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: i64,
    name: String,
) -> CmdResult<SavedPlaylist> {
    let saved = state
        .library
        .rename_playlist(id, &name)
        .await
        .map_err(text)?;
    playlists_changed(&app);
    Ok(saved)
}

#[tauri::command]
async fn set_playlist_tracks(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: i64,
    track_ids: Vec<i64>,
) -> CmdResult<SavedPlaylist> {
    let saved = state
        .library
        .set_playlist_tracks(id, &track_ids)
        .await
        .map_err(text)?;
    playlists_changed(&app);
    Ok(saved)
}

#[tauri::command]
async fn delete_playlist(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: i64,
) -> CmdResult<()> {
    state.library.delete_playlist(id).await.map_err(text)?;
    playlists_changed(&app);
    Ok(())
}

/// Asks where to save (the native dialog, opened from Rust) and writes the playlist there.
/// `None` when the user cancels.
#[tauri::command]
async fn export_playlist(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: i64,
    format: String,
) -> CmdResult<Option<String>> {
    let extension = match format.as_str() {
        "m3u8" => "m3u8",
        "xspf" => "xspf",
        other => return Err(format!("cannot export as {other}: choose m3u8 or xspf")),
    };
    let playlist = state.library.saved_playlist(id).await.map_err(text)?;
    let safe_name: String = playlist
        .playlist
        .name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app
        .dialog()
        .file()
        .set_title("Export playlist")
        .add_filter(extension.to_uppercase(), &[extension])
        .set_file_name(format!("{safe_name}.{extension}"));
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        let music = home.join("Music");
        dialog = dialog.set_directory(if music.is_dir() { music } else { home });
    }
    dialog.save_file(move |picked| {
        let _ = tx.send(picked);
    });
    let Some(picked) = rx.await.map_err(text)? else {
        return Ok(None);
    };
    let mut path = picked.into_path().map_err(text)?;
    if path.extension().and_then(|e| e.to_str()) != Some(extension) {
        path.set_extension(extension);
    }
    state
        .library
        .export_playlist(id, &path)
        .await
        .map_err(text)?;
    Ok(Some(path.to_string_lossy().into_owned()))
}

// ----- preview ---------------------------------------------------------------------------

/// The player, opened on first use. No sound device is an error the UI shows, not a crash;
/// the next attempt tries again (a device may have been plugged in).
fn player(app: &tauri::AppHandle, state: &AppState) -> CmdResult<Arc<Player>> {
    let mut slot = state.player.lock().map_err(text)?;
    if let Some(p) = slot.as_ref() {
        return Ok(Arc::clone(p));
    }
    let device = segue::settings::Settings::load(state.library.data_dir())
        .preview
        .device;
    let p = Arc::new(Player::new(device.as_deref()).map_err(text)?);
    *slot = Some(Arc::clone(&p));
    // Position and state events while something plays (10 per second), one when it stops.
    let weak = Arc::downgrade(&p);
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut last = String::new();
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let Some(p) = weak.upgrade() else { break };
            let s = p.state();
            let key = format!("{}|{:?}|{:.1}", s.status, s.path, s.position_s);
            if key != last {
                last = key;
                if let Err(e) = handle.emit("preview-state", &s) {
                    tracing::debug!("event not delivered: {e}");
                }
            }
        }
    });
    Ok(p)
}

/// Plays track `id` from `from_s` (default: a third of the way in, past any quiet intro) for
/// `seconds` (default: to the end).
#[tauri::command]
async fn play_preview(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: i64,
    from_s: Option<f64>,
    seconds: Option<f64>,
) -> CmdResult<PlayerState> {
    let track = state
        .library
        .track(id)
        .await
        .map_err(text)?
        .ok_or_else(|| format!("no track with id {id}"))?;
    let from = from_s.unwrap_or_else(|| match track.duration_s {
        Some(d) if d > 30.0 => (d / 3.0).floor(),
        _ => 0.0,
    });
    let p = player(&app, &state)?;
    p.play(std::path::Path::new(&track.path), from, seconds)
        .map_err(text)?;
    Ok(p.state())
}

#[tauri::command]
async fn control_preview(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    action: String,
    value: Option<f64>,
) -> CmdResult<PlayerState> {
    let p = player(&app, &state)?;
    let before = p.state().preview;
    match action.as_str() {
        "pause" => p.pause(),
        "resume" => p.resume(),
        "stop" => p.stop(),
        "seek" => p.seek(value.unwrap_or(0.0)),
        "volume" => {
            p.set_volume(value.unwrap_or(1.0) as f32);
            Ok(())
        }
        other => return Err(format!("unknown preview action {other}")),
    }
    .map_err(text)?;
    if action == "seek" {
        let waited = tauri::async_runtime::spawn_blocking(move || {
            p.state_after(before, std::time::Duration::from_millis(500))
        });
        return waited.await.map_err(text);
    }
    // Pause, resume and stop take effect within one turn of the player's loop (≤ 50 ms).
    tokio::time::sleep(std::time::Duration::from_millis(60)).await;
    Ok(p.state())
}

/// Output devices, the system default first.
#[tauri::command]
async fn list_output_devices() -> CmdResult<Vec<String>> {
    tauri::async_runtime::spawn_blocking(segue::audio::preview::output_devices)
        .await
        .map_err(text)
}

/// Chooses the output device (`None`: the system default), remembered in settings.json.
#[tauri::command]
fn set_output_device(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    name: Option<String>,
) -> CmdResult<()> {
    let dir = state.library.data_dir();
    let mut settings = segue::settings::Settings::load(dir);
    settings.preview.device = name.clone();
    settings.save(dir).map_err(text)?;
    let open = state.player.lock().map_err(text)?.clone();
    match open {
        Some(p) => p.set_device(name.as_deref()).map_err(text),
        None => player(&app, &state).map(|_| ()),
    }
}

#[tauri::command]
fn preview_state(state: State<'_, AppState>) -> CmdResult<Option<PlayerState>> {
    Ok(state
        .player
        .lock()
        .map_err(text)?
        .as_ref()
        .map(|p| p.state()))
}

#[tauri::command]
fn pause_analysis(state: State<'_, AppState>) {
    state.scanner.pause_analysis();
}

#[tauri::command]
fn resume_analysis(state: State<'_, AppState>) {
    state.scanner.resume_analysis();
}

#[tauri::command]
async fn list_failures(state: State<'_, AppState>) -> CmdResult<Vec<Failure>> {
    state.library.failures().await.map_err(text)
}

#[tauri::command]
fn start_scan(state: State<'_, AppState>) {
    state.scanner.scan_all();
}

#[tauri::command]
fn cancel_scan(state: State<'_, AppState>) {
    state.scanner.cancel();
}

#[tauri::command]
async fn create_demo_library(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> CmdResult<Folder> {
    let folder = state.library.create_demo().await.map_err(text)?;
    adopt_folder(&app, &state, &folder);
    Ok(folder)
}

/// A folder joined the library: let the webview read its files, watch it, scan it.
fn adopt_folder(app: &tauri::AppHandle, state: &AppState, folder: &Folder) {
    allow_assets(app, folder);
    state.scanner.watch(folder.id, &folder.path);
    state.scanner.scan_folder(folder.id);
    let _ = app.emit("library-changed", ());
}

/// The asset protocol may serve files inside library folders and nowhere else.
fn allow_assets(app: &tauri::AppHandle, folder: &Folder) {
    if let Err(e) = app
        .asset_protocol_scope()
        .allow_directory(&folder.path, true)
    {
        tracing::warn!("asset scope for {}: {e}", folder.path.display());
    }
}

/// `--data-dir DIR` on the command line, else `SEGUE_DATA_DIR`, else the platform data dir.
fn data_dir_from_args() -> PathBuf {
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            if let Some(dir) = args.next() {
                return PathBuf::from(dir);
            }
        } else if let Some(dir) = arg.to_str().and_then(|a| a.strip_prefix("--data-dir=")) {
            return PathBuf::from(dir);
        }
    }
    segue::paths::default_data_dir()
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SEGUE_LOG")
                .unwrap_or_else(|_| format!("info,{}", segue::QUIET_DECODERS).into()),
        )
        .init();
    segue::panics::quiet_decoder_panics();
    let data_dir = data_dir_from_args();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(move |app| {
            let library = tauri::async_runtime::block_on(Library::open(&data_dir))?;
            let handle = app.handle().clone();
            let on_event = Arc::new(move |event: JobEvent| {
                let sent = match event {
                    JobEvent::Progress(p) => handle.emit("scan-progress", p),
                    JobEvent::LibraryChanged => handle.emit("library-changed", ()),
                    JobEvent::Finished(summary) => {
                        tracing::info!(?summary, "scan finished");
                        Ok(())
                    }
                    JobEvent::Failed(e) => {
                        tracing::error!("scan failed: {e}");
                        Ok(())
                    }
                    JobEvent::Analysis(p) => handle.emit("analysis-progress", p),
                };
                if let Err(e) = sent {
                    tracing::debug!("event not delivered: {e}");
                }
            });
            let (scanner, runner) = {
                let _guard = tauri::async_runtime::handle().inner().enter();
                BackgroundScanner::new(
                    library.clone(),
                    ScanOptions::default(),
                    on_event,
                    true,
                    Some(AnalyzeOptions::default()),
                )
            };
            tauri::async_runtime::spawn(runner);
            let folders = tauri::async_runtime::block_on(library.folders())?;
            for folder in &folders {
                allow_assets(app.handle(), folder);
                scanner.watch(folder.id, &folder.path);
            }
            // Catch up with changes made while the app was closed (and finish an interrupted
            // scan): unchanged files cost one stat each.
            if !folders.is_empty() {
                scanner.scan_all();
            }
            let index_handle = app.handle().clone();
            library.on_index_built(move || {
                if let Err(e) = index_handle.emit("index-updated", ()) {
                    tracing::debug!("event not delivered: {e}");
                }
            });
            // Load and check the similarity index now, not on the first click.
            let warm = library.clone();
            tauri::async_runtime::spawn(async move { warm.sync_index().await });
            app.manage(AppState {
                library,
                scanner,
                player: std::sync::Mutex::new(None),
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            get_overview,
            add_folder_dialog,
            remove_folder,
            list_tracks,
            list_failures,
            start_scan,
            cancel_scan,
            create_demo_library,
            get_track,
            tag_vocabulary,
            pause_analysis,
            resume_analysis,
            similar_tracks,
            make_playlist,
            swap_playlist_track,
            save_playlist,
            list_playlists,
            get_playlist,
            rename_playlist,
            set_playlist_tracks,
            delete_playlist,
            export_playlist,
            play_preview,
            control_preview,
            preview_state,
            list_output_devices,
            set_output_device,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"))?;
    Ok(())
}
