//! The library map.

use std::sync::Arc;

use segue::library::MapAnswer;
use segue::Library;
use tauri::State;

use super::CmdResult;

/// Every placed track's point with what the map shows of it, and where the map stands (new
/// tracks are placed first; a layout that is due starts in the background, reported by
/// `map-progress` and `map-updated`).
#[tauri::command]
#[specta::specta]
pub async fn get_map(library: State<'_, Arc<Library>>) -> CmdResult<MapAnswer> {
    Ok(library.map().await?)
}

/// Lays the map out afresh in the background; false when a layout runs already or there is
/// too little to map.
#[tauri::command]
#[specta::specta]
pub async fn rearrange_map(library: State<'_, Arc<Library>>) -> CmdResult<bool> {
    Ok(library.start_map_layout().await?)
}
