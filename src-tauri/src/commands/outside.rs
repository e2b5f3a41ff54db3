//! Files from outside the library: dropped on the window or picked in a dialog, then "similar
//! tracks" and playlists from them. The webview never names a file of its own choosing: the
//! app accepts only the paths the window was handed in this run ([`OutsideDesk`]).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use segue::audio::preview::PlayerState;
use segue::library::OutsideAnswer;
use segue::playlist::PlaylistRequest;
use segue::{Error, Library};
use tauri::State;

use super::{CmdResult, CommandError};
use crate::dialogs;

/// How many similar tracks the "like this file" view lists.
const SIMILAR_TO_FILE: usize = 50;

/// The outside files the user has handed the window (dropped or picked) in this run.
#[derive(Default)]
pub struct OutsideDesk {
    given: Mutex<HashSet<PathBuf>>,
}

impl OutsideDesk {
    /// Records files the user handed over; returns those that are files (a dropped folder,
    /// or a path that vanished, is not one).
    pub fn give(&self, paths: &[PathBuf]) -> Vec<String> {
        let files: Vec<&PathBuf> = paths.iter().filter(|p| p.is_file()).collect();
        let mut given = self.given.lock().unwrap_or_else(|p| p.into_inner());
        given.extend(files.iter().map(|p| p.to_path_buf()));
        files
            .into_iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect()
    }

    /// `path` as the user handed it over, or why the app will not read it.
    fn given(&self, path: &str) -> CmdResult<PathBuf> {
        let path = Path::new(path);
        let given = self.given.lock().unwrap_or_else(|p| p.into_inner());
        if given.contains(path) {
            Ok(path.to_path_buf())
        } else {
            Err(Error::InvalidRequest(format!(
                "{} was not dropped on the window or picked: drop it again",
                path.display()
            ))
            .into())
        }
    }

    /// A playlist request from the webview may start from an outside file only if the user
    /// handed that file over.
    pub fn check(&self, request: &PlaylistRequest) -> CmdResult<()> {
        match &request.seed_file {
            Some(file) => self.given(file).map(|_| ()),
            None => Ok(()),
        }
    }
}

/// Asks for an audio file outside the library; `null` when the user cancels.
#[tauri::command]
#[specta::specta]
pub async fn pick_outside_file(
    app: tauri::AppHandle,
    desk: State<'_, OutsideDesk>,
) -> CmdResult<Option<String>> {
    let Some(path) = dialogs::pick_audio_file(&app).await? else {
        return Ok(None);
    };
    Ok(desk.give(&[path]).into_iter().next())
}

/// Plays the outside file (dropped or picked) as `play_preview` plays a track.
#[tauri::command]
#[specta::specta]
pub async fn play_outside_file(
    library: State<'_, Arc<Library>>,
    desk: State<'_, OutsideDesk>,
    path: String,
    from_s: Option<f64>,
    seconds: Option<f64>,
) -> CmdResult<PlayerState> {
    let path = desk.given(&path)?;
    Ok(library.play_file(&path, from_s, seconds).await?)
}

/// The outside file (dropped or picked) as read and analysed, and the library's tracks that
/// sound like it, best first.
#[tauri::command]
#[specta::specta]
pub async fn similar_to_outside_file(
    library: State<'_, Arc<Library>>,
    desk: State<'_, OutsideDesk>,
    path: String,
) -> CmdResult<OutsideAnswer> {
    let path = desk.given(&path)?;
    library
        .similar_to_outside_file(&path, SIMILAR_TO_FILE)
        .await
        .map_err(CommandError::from)
}
