//! Saved playlists also as M3U8 files in `<data dir>/playlists/`, one per playlist, named
//! from its name and id, rewritten on every change and removed on delete: plain files any
//! player reads, so a user's playlists survive the loss of every database copy.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::playlist::{export, PlaylistEntry};
use crate::store::Store;

/// Folder of the playlists' M3U8 files inside the data dir.
pub const PLAYLISTS_DIR: &str = "playlists";

/// The file name of playlist `id`: its name with anything unsafe in a file name replaced,
/// then ` [id].m3u8` (names may repeat, ids do not).
pub fn file_name(name: &str, id: i64) -> String {
    let safe: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .take(80)
        .collect();
    let safe = safe.trim().trim_start_matches('.').trim();
    let safe = if safe.is_empty() { "playlist" } else { safe };
    format!("{safe} [{id}].m3u8")
}

fn id_suffix(id: i64) -> String {
    format!(" [{id}].m3u8")
}

/// The M3U8 text of a saved playlist as it would be written at `path`.
async fn render(store: &Store, id: i64, path: &Path) -> Result<String> {
    let playlist = store.saved_playlist(id).await?;
    let (_, ids) = store.playlist_contents(id).await?;
    let rows: HashMap<i64, crate::TrackRow> = store
        .tracks_by_ids(&ids)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let entries: Vec<PlaylistEntry> = ids
        .iter()
        .filter_map(|id| rows.get(id))
        .map(|row| PlaylistEntry {
            track: row.into(),
            score: 0.0,
            r#match: None,
            closeness: None,
            reasons: Vec::new(),
        })
        .collect();
    Ok(export::m3u8(&entries, &playlist.name, path))
}

/// Playlist `id`'s file path as it should be now.
async fn path_of(store: &Store, data_dir: &Path, id: i64) -> Result<PathBuf> {
    let playlist = store.saved_playlist(id).await?;
    Ok(data_dir
        .join(PLAYLISTS_DIR)
        .join(file_name(&playlist.name, id)))
}

/// (Re)writes playlist `id`'s file, removing its file under an older name.
pub async fn write_one(store: &Store, data_dir: &Path, id: i64) -> Result<()> {
    let path = path_of(store, data_dir, id).await?;
    let text = render(store, id, &path).await?;
    let dir = data_dir.join(PLAYLISTS_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        let tmp = dir.join(format!(".tmp-{}", std::process::id()));
        std::fs::write(&tmp, &text).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    }
    for other in files_of(data_dir, id) {
        if other != path {
            let _ = std::fs::remove_file(other);
        }
    }
    Ok(())
}

/// Removes playlist `id`'s file (the playlist was deleted).
pub fn remove_one(data_dir: &Path, id: i64) {
    for path in files_of(data_dir, id) {
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!("removing {}: {e}", path.display());
        }
    }
}

fn files_of(data_dir: &Path, id: i64) -> Vec<PathBuf> {
    let suffix = id_suffix(id);
    std::fs::read_dir(data_dir.join(PLAYLISTS_DIR))
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(&suffix))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

/// Rewrites every saved playlist's file (tracks a scan removed leave the files too).
pub async fn write_all(store: &Store, data_dir: &Path) -> Result<()> {
    for p in store.saved_playlists().await? {
        write_one(store, data_dir, p.id).await?;
    }
    Ok(())
}

/// The playlists whose file is missing or out of date, by name (for `segue doctor`).
pub async fn out_of_date(store: &Store, data_dir: &Path) -> Result<Vec<String>> {
    let mut stale = Vec::new();
    for p in store.saved_playlists().await? {
        let path = path_of(store, data_dir, p.id).await?;
        let text = render(store, p.id, &path).await?;
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(p.name);
        }
    }
    Ok(stale)
}

/// The M3U8 files in `dir`.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "m3u8"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// A playlist file read back: its name (`#PLAYLIST:`, else the file name without ` [id]`)
/// and its tracks' paths in order (relative ones against the file's folder).
pub fn read_m3u8(path: &Path) -> Result<(String, Vec<PathBuf>)> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut name = None;
    let mut tracks = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(n) = line.strip_prefix("#PLAYLIST:") {
            name = Some(n.trim().to_string());
        } else if !line.starts_with('#') {
            tracks.push(dir.join(line));
        }
    }
    let name = name.filter(|n| !n.is_empty()).unwrap_or_else(|| {
        let stem = path
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        match stem.rfind(" [") {
            Some(at) if stem.ends_with(']') => stem[..at].to_string(),
            _ => stem,
        }
    });
    Ok((name, tracks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_carry_the_id() {
        assert_eq!(file_name("Late night", 3), "Late night [3].m3u8");
        assert_eq!(file_name("a/b: c?", 4), "a_b_ c_ [4].m3u8");
        assert_eq!(file_name("..", 5), "playlist [5].m3u8");
        assert_eq!(file_name(" \n ", 6), "_ [6].m3u8");
        assert!(file_name(&"x".repeat(500), 7).len() < 100);
    }

    #[test]
    fn a_written_file_reads_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("Mix [4].m3u8");
        let text =
            "#EXTM3U\n#PLAYLIST:Mix\n#EXTINF:10,A - B\n/music/a.flac\n#EXTINF:-1,c\nsub/c.ogg\n";
        std::fs::write(&path, text).expect("write");
        let (name, tracks) = read_m3u8(&path).expect("read");
        assert_eq!(name, "Mix");
        assert_eq!(
            tracks,
            [PathBuf::from("/music/a.flac"), dir.path().join("sub/c.ogg")]
        );
        std::fs::write(&path, "/music/a.flac\n").expect("write");
        assert_eq!(read_m3u8(&path).expect("read").0, "Mix");
    }
}
