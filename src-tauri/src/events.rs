//! Events from the app to the UI, each a type (so the bindings type its payload) named as
//! the UI listens for it, and the shell's reactions to what the engine reports.

use segue::audio::preview::PlayerState;
use segue::library::jobs::JobEvent;
use segue::library::{MapEvent, MapProgress};
use segue::{AnalysisProgress, Folder, ScanProgress};
use serde::Serialize;
use tauri::Manager;
use tauri_specta::Event;

/// The running scan's progress (≤ 10 per second).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
#[tauri_specta(event_name = "scan-progress")]
#[serde(transparent)]
pub struct ScanProgressEvent(pub ScanProgress);

/// The analysis run's progress (per stored batch).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
#[tauri_specta(event_name = "analysis-progress")]
#[serde(transparent)]
pub struct AnalysisProgressEvent(pub AnalysisProgress);

/// The preview player's state: about 10 per second while playing, and on every change of
/// status or track.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
#[tauri_specta(event_name = "preview-state")]
#[serde(transparent)]
pub struct PreviewStateEvent(pub PlayerState);

/// Tracks, folders or failures changed: views should refresh.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct LibraryChanged;

/// A new similarity index was built and swapped in: "building" answers can be asked again.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct IndexUpdated;

/// A playlist was saved, renamed, deleted or its tracks set.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct PlaylistsChanged;

/// A map layout's progress (≤ 10 per second).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
#[tauri_specta(event_name = "map-progress")]
#[serde(transparent)]
pub struct MapProgressEvent(pub MapProgress);

/// A map layout finished: the points moved, ask for the map again.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct MapUpdated;

/// Files were dropped on the window: the regular files among them (the app now accepts these
/// paths as outside files).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct FilesDropped {
    pub paths: Vec<String>,
    /// How many paths were dropped (folders too).
    pub dropped: u32,
}

/// Something is being dragged over the window (`true`), or it left or was dropped (`false`).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
#[serde(transparent)]
pub struct DragHover(pub bool);

/// Every event type, for the bindings and for mounting.
pub fn all() -> tauri_specta::Events {
    tauri_specta::collect_events![
        ScanProgressEvent,
        AnalysisProgressEvent,
        PreviewStateEvent,
        LibraryChanged,
        IndexUpdated,
        PlaylistsChanged,
        MapProgressEvent,
        MapUpdated,
        FilesDropped,
        DragHover
    ]
}

fn send(sent: tauri::Result<()>) {
    if let Err(e) = sent {
        tracing::debug!("event not delivered: {e}");
    }
}

/// Files dragged over and dropped on the window: hover for the UI's drop overlay, dropped
/// files handed to the outside desk and announced.
pub fn drag_drop(app: &tauri::AppHandle, event: &tauri::DragDropEvent) {
    match event {
        tauri::DragDropEvent::Enter { .. } => send(DragHover(true).emit(app)),
        tauri::DragDropEvent::Drop { paths, .. } => {
            send(DragHover(false).emit(app));
            let Some(desk) = app.try_state::<crate::commands::outside::OutsideDesk>() else {
                return;
            };
            let dropped = u32::try_from(paths.len()).unwrap_or(u32::MAX);
            let paths = desk.give(paths);
            send(FilesDropped { paths, dropped }.emit(app));
        }
        tauri::DragDropEvent::Leave => send(DragHover(false).emit(app)),
        _ => {}
    }
}

pub fn library_changed(app: &tauri::AppHandle) {
    send(LibraryChanged.emit(app));
}

pub fn playlists_changed(app: &tauri::AppHandle) {
    send(PlaylistsChanged.emit(app));
}

pub fn index_updated(app: &tauri::AppHandle) {
    send(IndexUpdated.emit(app));
}

pub fn preview_state(app: &tauri::AppHandle, state: &PlayerState) {
    send(PreviewStateEvent(state.clone()).emit(app));
}

/// What the map's background layout reports, as events.
pub fn map_event(app: &tauri::AppHandle, event: MapEvent) {
    match event {
        MapEvent::Progress(p) => send(MapProgressEvent(p).emit(app)),
        MapEvent::Updated => send(MapUpdated.emit(app)),
    }
}

/// What the engine's background jobs report, as events.
pub fn job_event(app: &tauri::AppHandle, event: JobEvent) {
    match event {
        JobEvent::Progress(p) => send(ScanProgressEvent(p).emit(app)),
        JobEvent::LibraryChanged => library_changed(app),
        JobEvent::Finished(summary) => tracing::info!(?summary, "scan finished"),
        JobEvent::Failed(e) => tracing::error!("scan failed: {e}"),
        JobEvent::Analysis(p) => send(AnalysisProgressEvent(p).emit(app)),
    }
}

/// A folder joined the library (the engine scans it): the webview may now read its files.
pub fn folder_added(app: &tauri::AppHandle, folder: &Folder) {
    allow_assets(app, folder);
    library_changed(app);
}

/// The asset protocol may serve files inside library folders and nowhere else.
pub fn allow_assets(app: &tauri::AppHandle, folder: &Folder) {
    if let Err(e) = app
        .asset_protocol_scope()
        .allow_directory(&folder.path, true)
    {
        tracing::warn!("asset scope for {}: {e}", folder.path.display());
    }
}
