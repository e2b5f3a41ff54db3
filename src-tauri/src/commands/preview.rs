//! Preview playback through the sound card (the webview's own audio does not play on
//! WebKitGTK): play a track, control the player, choose the output device.

use std::sync::Arc;

use segue::audio::preview::PlayerState;
use segue::library::PreviewAction;
use segue::Library;
use tauri::State;

use super::CmdResult;

/// Plays track `id` from `from_s` (`null`: a third of the way into tracks longer than 30 s)
/// for `seconds` (`null`: to the end). Fails with a message when there is no sound device.
/// The state it answers may still be the one from before (the player takes the command a
/// moment later): the `preview-state` events tell what happened.
#[tauri::command]
#[specta::specta]
pub async fn play_preview(
    library: State<'_, Arc<Library>>,
    id: i64,
    from_s: Option<f64>,
    seconds: Option<f64>,
) -> CmdResult<PlayerState> {
    Ok(library.play_track(id, from_s, seconds).await?)
}

/// seek: `value` = seconds into the file; volume: `value` in 0 … 1. close (the player bar was
/// closed): stops and releases the sound device; the next `play_preview` opens it again.
#[tauri::command]
#[specta::specta]
pub async fn control_preview(
    library: State<'_, Arc<Library>>,
    action: PreviewAction,
    value: Option<f64>,
) -> CmdResult<PlayerState> {
    Ok(library.control_preview(action, value).await?)
}

/// `null` before anything was played.
#[tauri::command]
#[specta::specta]
pub fn preview_state(library: State<'_, Arc<Library>>) -> CmdResult<Option<PlayerState>> {
    Ok(library.preview_state()?)
}

/// Output device names, the system default first.
#[tauri::command]
#[specta::specta]
pub async fn list_output_devices(library: State<'_, Arc<Library>>) -> CmdResult<Vec<String>> {
    Ok(library.output_devices().await?)
}

/// Chooses the output device (`null`: the system default), remembered by the library.
#[tauri::command]
#[specta::specta]
pub fn set_output_device(library: State<'_, Arc<Library>>, name: Option<String>) -> CmdResult<()> {
    Ok(library.set_output_device(name)?)
}
