//! Folders, scanning, analysis, tracks, similar tracks and tracks described in words.

use std::sync::Arc;

use segue::library::DescribeAnswer;
use segue::store::TagVocabulary;
use segue::{
    Failure, Folder, Library, Overview, Recovery, SimilarAnswer, TrackDetail, TrackPage, TrackQuery,
};
use tauri::State;

use super::{CmdResult, CommandError};
use crate::{dialogs, events};

/// Folders, totals, and the progress of the running scan and analysis.
#[tauri::command]
#[specta::specta]
pub async fn get_overview(library: State<'_, Arc<Library>>) -> CmdResult<Overview> {
    Ok(library.overview().await?)
}

/// What opening the library had to do to get a sound database (a damaged one moved aside and a
/// backup restored), for the notice at start; `null` when nothing happened.
#[tauri::command]
#[specta::specta]
pub fn get_recovery(library: State<'_, Arc<Library>>) -> Option<Recovery> {
    library.recovery().cloned()
}

/// Opens the native folder chooser (from Rust, so the webview needs no dialog permission),
/// adds the folder and starts scanning it. `null` when the user cancels.
#[tauri::command]
#[specta::specta]
pub async fn add_folder_dialog(
    app: tauri::AppHandle,
    library: State<'_, Arc<Library>>,
) -> CmdResult<Option<Folder>> {
    let Some(path) = dialogs::pick_folder(&app).await? else {
        return Ok(None);
    };
    let folder = library.add_folder(&path).await?;
    events::folder_added(&app, &folder);
    Ok(Some(folder))
}

/// Removes a folder and its tracks (never the files).
#[tauri::command]
#[specta::specta]
pub async fn remove_folder(
    app: tauri::AppHandle,
    library: State<'_, Arc<Library>>,
    id: i64,
) -> CmdResult<()> {
    library.remove_folder(id).await?;
    events::library_changed(&app);
    Ok(())
}

/// One page of the library table: server-side search, sort, filters and paging.
#[tauri::command]
#[specta::specta]
pub async fn list_tracks(
    library: State<'_, Arc<Library>>,
    query: TrackQuery,
) -> CmdResult<TrackPage> {
    Ok(library.track_page(&query).await?)
}

/// The exact number of tracks a table query matches (its first page may carry an estimate).
#[tauri::command]
#[specta::specta]
pub async fn count_tracks(library: State<'_, Arc<Library>>, query: TrackQuery) -> CmdResult<i64> {
    Ok(library.count_tracks(&query).await?)
}

/// Files that could not be read or analysed, and why.
#[tauri::command]
#[specta::specta]
pub async fn list_failures(library: State<'_, Arc<Library>>) -> CmdResult<Vec<Failure>> {
    Ok(library.failures().await?)
}

/// Scans every folder again.
#[tauri::command]
#[specta::specta]
pub fn start_scan(library: State<'_, Arc<Library>>) {
    library.rescan();
}

#[tauri::command]
#[specta::specta]
pub fn cancel_scan(library: State<'_, Arc<Library>>) {
    library.cancel_scan();
}

/// Synthesises the demo library, adds it and starts scanning it.
#[tauri::command]
#[specta::specta]
pub async fn create_demo_library(
    app: tauri::AppHandle,
    library: State<'_, Arc<Library>>,
) -> CmdResult<Folder> {
    let folder = library.create_demo().await?;
    events::folder_added(&app, &folder);
    Ok(folder)
}

/// One track with every stored feature (the detail panel).
#[tauri::command]
#[specta::specta]
pub async fn get_track(library: State<'_, Arc<Library>>, id: i64) -> CmdResult<TrackDetail> {
    library
        .track_detail(id)
        .await?
        .ok_or_else(|| CommandError::from(segue::Error::NoSuchTrack(id)))
}

/// The tags in the library for the tag filter, and whether tagging is on (and how to turn it
/// on when it is not).
#[tauri::command]
#[specta::specta]
pub async fn tag_vocabulary(library: State<'_, Arc<Library>>) -> CmdResult<TagVocabulary> {
    Ok(library.tag_vocabulary().await?)
}

#[tauri::command]
#[specta::specta]
pub fn pause_analysis(library: State<'_, Arc<Library>>) {
    library.pause_analysis();
}

#[tauri::command]
#[specta::specta]
pub fn resume_analysis(library: State<'_, Arc<Library>>) {
    library.resume_analysis();
}

/// The "Similar tracks" panel: tracks that sound like track `id`, best first, never itself
/// (`limit`: 20 when not given, at most 200).
#[tauri::command]
#[specta::specta]
pub async fn similar_tracks(
    library: State<'_, Arc<Library>>,
    id: i64,
    limit: Option<u32>,
) -> CmdResult<SimilarAnswer> {
    let limit = limit.unwrap_or(20).clamp(1, 200) as usize;
    Ok(library.similar_answer(id, limit).await?)
}

/// The tracks that best fit a description in words ("calm piano", "no vocals"), among all or
/// among `like`'s neighbours; what was understood and what was not.
#[tauri::command]
#[specta::specta]
pub async fn describe_tracks(
    library: State<'_, Arc<Library>>,
    words: String,
    like: Option<i64>,
    count: u32,
) -> CmdResult<DescribeAnswer> {
    Ok(library.describe(&words, like, count as usize).await?)
}
