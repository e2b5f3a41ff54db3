//! Playlists: make (journeys and ramps too), swap a track, sort, and the saved ones (save,
//! list, open, rename, reorder, delete, export).

use std::sync::Arc;

use segue::library::SavedPlaylistDetail;
use segue::playlist::{Playlist, PlaylistEntry, PlaylistRequest, SortBy};
use segue::store::SavedPlaylist;
use segue::Library;
use tauri::State;

use super::outside::OutsideDesk;
use super::{CmdResult, CommandError};
use crate::{dialogs, events};

#[tauri::command]
#[specta::specta]
pub async fn make_playlist(
    library: State<'_, Arc<Library>>,
    outside: State<'_, OutsideDesk>,
    request: PlaylistRequest,
) -> CmdResult<Playlist> {
    outside.check(&request)?;
    Ok(library.make_playlist(&request).await?)
}

/// The best unused track for slot `position` given the other ids of `current`; `null` when
/// nothing else fits.
#[tauri::command]
#[specta::specta]
pub async fn swap_playlist_track(
    library: State<'_, Arc<Library>>,
    outside: State<'_, OutsideDesk>,
    request: PlaylistRequest,
    current: Vec<i64>,
    position: u32,
) -> CmdResult<Option<PlaylistEntry>> {
    outside.check(&request)?;
    Ok(library
        .swap_playlist_track(&request, &current, position as usize)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_playlist(
    app: tauri::AppHandle,
    library: State<'_, Arc<Library>>,
    outside: State<'_, OutsideDesk>,
    name: String,
    request: Option<PlaylistRequest>,
    track_ids: Vec<i64>,
) -> CmdResult<SavedPlaylist> {
    if let Some(request) = &request {
        outside.check(request)?;
    }
    let saved = library
        .save_playlist(&name, request.as_ref(), &track_ids)
        .await?;
    events::playlists_changed(&app);
    Ok(saved)
}

#[tauri::command]
#[specta::specta]
pub async fn list_playlists(library: State<'_, Arc<Library>>) -> CmdResult<Vec<SavedPlaylist>> {
    Ok(library.saved_playlists().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_playlist(
    library: State<'_, Arc<Library>>,
    outside: State<'_, OutsideDesk>,
    id: i64,
) -> CmdResult<SavedPlaylistDetail> {
    let detail = library.saved_playlist(id).await?;
    // A list made from a file the user dropped in an earlier run: its knobs may make it again.
    if let Some(file) = detail.request.as_ref().and_then(|r| r.seed_file.as_ref()) {
        outside.give(&[file.into()]);
    }
    Ok(detail)
}

#[tauri::command]
#[specta::specta]
pub async fn rename_playlist(
    app: tauri::AppHandle,
    library: State<'_, Arc<Library>>,
    id: i64,
    name: String,
) -> CmdResult<SavedPlaylist> {
    let saved = library.rename_playlist(id, &name).await?;
    events::playlists_changed(&app);
    Ok(saved)
}

/// These tracks in a new order along `by` (tempo, energy, brightness, key, flow): the UI
/// applies it as an edit it can undo.
#[tauri::command]
#[specta::specta]
pub async fn sort_playlist_tracks(
    library: State<'_, Arc<Library>>,
    track_ids: Vec<i64>,
    by: SortBy,
) -> CmdResult<Vec<i64>> {
    Ok(library.sort_tracks(&track_ids, by).await?)
}

/// Replaces a saved playlist's tracks (reorder, remove, swap).
#[tauri::command]
#[specta::specta]
pub async fn set_playlist_tracks(
    app: tauri::AppHandle,
    library: State<'_, Arc<Library>>,
    id: i64,
    track_ids: Vec<i64>,
) -> CmdResult<SavedPlaylist> {
    let saved = library.set_playlist_tracks(id, &track_ids).await?;
    events::playlists_changed(&app);
    Ok(saved)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_playlist(
    app: tauri::AppHandle,
    library: State<'_, Arc<Library>>,
    id: i64,
) -> CmdResult<()> {
    library.delete_playlist(id).await?;
    events::playlists_changed(&app);
    Ok(())
}

/// Asks where to save (the native dialog, opened from Rust) and writes the playlist there:
/// the path written, or `null` when the user cancels.
#[tauri::command]
#[specta::specta]
pub async fn export_playlist(
    app: tauri::AppHandle,
    library: State<'_, Arc<Library>>,
    id: i64,
    format: segue::playlist::export::Format,
) -> CmdResult<Option<String>> {
    let playlist = library.saved_playlist(id).await?;
    let Some(path) = dialogs::pick_export_path(&app, &playlist.playlist.name, format).await? else {
        return Ok(None);
    };
    library
        .export_playlist(id, &path)
        .await
        .map_err(CommandError::from)?;
    Ok(Some(path.to_string_lossy().into_owned()))
}
