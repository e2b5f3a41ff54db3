//! Track and folder arguments, as every command takes them: an id, a library track's path, or
//! (where a command allows it) any audio file outside the library.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use segue::audio::preview::QueueItem;
use segue::library::preview_item;
use segue::Library;

/// A track argument: an id, a library track's path, or (`None`) a file outside the library.
pub async fn track_or_file(library: &Library, arg: &str) -> Result<Option<i64>> {
    if let Ok(id) = arg.parse::<i64>() {
        return Ok(Some(id));
    }
    let path = PathBuf::from(arg);
    if let Some(id) = library.track_id_by_path(&path).await? {
        return Ok(Some(id));
    }
    if !path.exists() {
        bail!("{arg}: no such track or file");
    }
    Ok(None)
}

/// A library track given by id or path, which must exist.
pub async fn library_track(library: &Library, arg: &str) -> Result<i64> {
    let id = track_or_file(library, arg)
        .await?
        .with_context(|| format!("{arg} is not a track in the library"))?;
    if library.track(id).await?.is_none() {
        bail!("no track with id {id}");
    }
    Ok(id)
}

/// A track given by id (not checked) or by a library track's path.
pub async fn track_id(library: &Library, arg: &str) -> Result<i64> {
    match arg.parse::<i64>() {
        Ok(id) => Ok(id),
        Err(_) => library
            .track_id_by_path(Path::new(arg))
            .await?
            .with_context(|| format!("{arg} is not a track in the library")),
    }
}

/// The file to play for an argument: a library track's file, or the file given.
pub async fn playable_item(
    library: &Library,
    arg: &str,
    from_s: f64,
    seconds: Option<f64>,
) -> Result<QueueItem> {
    Ok(match track_or_file(library, arg).await? {
        Some(id) => {
            let track = library
                .track(id)
                .await?
                .with_context(|| format!("no track with id {id}"))?;
            preview_item(&track.path, track.span, from_s, seconds)
        }
        None => preview_item(arg, None, from_s, seconds),
    })
}

/// A library folder given by id or path.
pub async fn folder_id(library: &Library, arg: &str) -> Result<i64> {
    if let Ok(id) = arg.parse::<i64>() {
        return Ok(id);
    }
    let path = std::fs::canonicalize(arg).unwrap_or_else(|_| PathBuf::from(arg));
    match library.folders().await?.iter().find(|f| f.path == path) {
        Some(f) => Ok(f.id),
        None => bail!("no library folder {arg}"),
    }
}

/// A folder argument as the playlist's folder rule takes it: the canonical path.
pub fn folder_path(arg: &Path) -> Result<String> {
    let path = std::fs::canonicalize(arg).with_context(|| format!("{}", arg.display()))?;
    Ok(path.to_string_lossy().into_owned())
}
