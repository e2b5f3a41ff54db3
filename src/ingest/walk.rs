//! Walking library folders: every regular file worth a look, with hidden entries skipped,
//! symlinks followed safely (loops detected, each file seen once) and special files reported.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::cue;
use crate::store::{NewFailure, Stage};

/// Extensions that name audio: a file with one is reported when it cannot be read.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "mp3", "mp2", "mp1", "mpa", "flac", "fla", "wav", "wave", "aif", "aiff", "aifc", "ogg", "oga",
    "opus", "m4a", "m4b", "mp4", "aac", "alac", "caf", "mka", "webm", "ape",
];

/// Extensions that are certainly not audio: never opened.
const OTHER_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "bmp", "webp", "tif", "tiff", "svg", "ico", "txt", "nfo", "log",
    "m3u", "m3u8", "pls", "xspf", "edl", "pdf", "db", "ini", "sfv", "md5", "ffp", "accurip", "xml",
    "json", "html", "htm", "lrc", "doc", "docx", "rtf", "md", "url", "zip", "rar", "7z", "gz",
    "tar", "exe", "dll", "iso", "torrent", "mid", "midi", "mkv", "avi", "mov", "mpg", "mpeg",
    "srt", "sub", "nsf", "spc", "mod", "xm", "it", "s3m",
];

/// A file found by the walk.
#[derive(Debug, Clone)]
pub struct FoundFile {
    pub folder_id: i64,
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    /// True when the name says audio; false for files of unknown type (sniffed only).
    pub expect_audio: bool,
    /// The CUE sheet next to it that may split it into tracks, and that sheet's stamp.
    pub sheet: Option<(PathBuf, i64)>,
}

#[derive(Debug, Default)]
pub struct WalkResult {
    pub files: Vec<FoundFile>,
    pub failures: Vec<NewFailure>,
}

enum Kind {
    Audio,
    /// A CUE sheet: not read as audio, but it may split the audio file it names.
    Sheet,
    Unknown,
    Other,
}

fn classify(path: &Path) -> Kind {
    match path.extension().and_then(|e| e.to_str()) {
        None => Kind::Unknown,
        Some(ext) => {
            let ext = ext.to_ascii_lowercase();
            if AUDIO_EXTENSIONS.contains(&ext.as_str()) {
                Kind::Audio
            } else if ext == "cue" {
                Kind::Sheet
            } else if OTHER_EXTENSIONS.contains(&ext.as_str()) {
                Kind::Other
            } else {
                Kind::Unknown
            }
        }
    }
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().as_encoded_bytes().first() == Some(&b'.')
}

/// Walks one folder. `on_found` is called with the running count; returning false stops.
pub fn walk_folder(
    folder_id: i64,
    root: &Path,
    mut on_found: impl FnMut(usize) -> bool,
) -> WalkResult {
    let mut result = WalkResult::default();
    let mut sheets: HashMap<PathBuf, i64> = HashMap::new();
    // (device, inode) of every file taken, so a file reached through two symlinked paths is
    // listed once.
    let mut seen: HashSet<(u64, u64)> = HashSet::new();
    let failure = |path: PathBuf, reason: String| NewFailure {
        folder_id,
        path,
        stage: Stage::Walk,
        reason,
        size: None,
        mtime_ns: None,
    };
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !is_hidden(e));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().map(Path::to_path_buf).unwrap_or_default();
                if let Some(ancestor) = err.loop_ancestor() {
                    // Loops are expected in real trees (a `self -> .` link); not a failure the
                    // user must fix, so only logged.
                    tracing::debug!(
                        "symlink loop at {} (back to {})",
                        path.display(),
                        ancestor.display()
                    );
                    continue;
                }
                let reason = match err.io_error() {
                    Some(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
                        "cannot read: permission denied".to_string()
                    }
                    Some(io) if io.kind() == std::io::ErrorKind::NotFound => {
                        "broken symlink: its target does not exist".to_string()
                    }
                    Some(io) => format!("cannot read: {io}"),
                    None => err.to_string(),
                };
                // Unreadable folders and broken audio links are worth telling; a broken link to
                // a text file is not.
                if path == root || matches!(classify(&path), Kind::Audio | Kind::Unknown) {
                    result.failures.push(failure(path, reason));
                }
                continue;
            }
        };
        if entry.file_type().is_dir() {
            continue;
        }
        let path = entry.path();
        let kind = classify(path);
        if matches!(kind, Kind::Other) {
            continue;
        }
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(err) => {
                if matches!(kind, Kind::Audio) {
                    result
                        .failures
                        .push(failure(path.to_path_buf(), format!("cannot read: {err}")));
                }
                continue;
            }
        };
        if !meta.is_file() {
            // Opening a named pipe would block forever; devices and sockets are not music.
            if matches!(kind, Kind::Audio) {
                result.failures.push(failure(
                    path.to_path_buf(),
                    format!("not a regular file ({})", special_kind(&meta)),
                ));
            }
            continue;
        }
        if let Some(key) = file_key(&meta) {
            if !seen.insert(key) {
                continue;
            }
        }
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_nanos() as i64)
            .unwrap_or(0);
        if matches!(kind, Kind::Sheet) {
            sheets.insert(path.to_path_buf(), sheet_stamp(meta.len(), mtime_ns));
            continue;
        }
        result.files.push(FoundFile {
            folder_id,
            path: path.to_path_buf(),
            size: meta.len(),
            mtime_ns,
            expect_audio: matches!(kind, Kind::Audio),
            sheet: None,
        });
        if result.files.len() % 256 == 0 && !on_found(result.files.len()) {
            break;
        }
    }
    on_found(result.files.len());
    if !sheets.is_empty() {
        let mut by_reference = SheetsByReference::new(&sheets);
        for file in &mut result.files {
            file.sheet = cue::sheet_candidates(&file.path)
                .into_iter()
                .find_map(|c| sheets.get(&c).map(|&stamp| (c, stamp)))
                .or_else(|| by_reference.naming(&file.path));
        }
    }
    result
}

/// The sheets of each folder, read only when a file of that folder has no sheet of its own
/// name: a sheet named otherwise pairs with the audio its FILE line names.
struct SheetsByReference<'a> {
    /// Folder → its sheets, in path order (the first that names a file wins).
    by_folder: HashMap<&'a Path, Vec<(&'a PathBuf, i64)>>,
    /// Each sheet's FILE entries, once read.
    files: HashMap<&'a Path, Vec<cue::CueFile>>,
}

impl<'a> SheetsByReference<'a> {
    fn new(sheets: &'a HashMap<PathBuf, i64>) -> Self {
        let mut by_folder: HashMap<&Path, Vec<(&PathBuf, i64)>> = HashMap::new();
        for (path, stamp) in sheets {
            let folder = path.parent().unwrap_or(Path::new(""));
            by_folder.entry(folder).or_default().push((path, *stamp));
        }
        for list in by_folder.values_mut() {
            list.sort();
        }
        SheetsByReference {
            by_folder,
            files: HashMap::new(),
        }
    }

    /// The first sheet beside `audio` whose FILE line names it with more than one track.
    fn naming(&mut self, audio: &Path) -> Option<(PathBuf, i64)> {
        let folder = audio.parent()?;
        for &(sheet, stamp) in self.by_folder.get(folder)? {
            let files = self
                .files
                .entry(sheet.as_path())
                .or_insert_with(|| cue::files_of(sheet));
            // An album image: a sheet of one file per track (EAC's "multiple files") names
            // each file with its one track, which the file's own tags describe already.
            if files
                .iter()
                .any(|f| f.tracks.len() > 1 && f.names(folder, audio))
            {
                return Some((sheet.clone(), stamp));
            }
        }
        None
    }
}

/// A sheet's size and modification time in one number: a scan reads an audio file again when
/// the stamp of its sheet changed (or the sheet came or went), though the audio did not.
pub fn sheet_stamp(size: u64, mtime_ns: i64) -> i64 {
    (size as i64).wrapping_mul(1_000_000_007) ^ mtime_ns
}

#[cfg(unix)]
fn file_key(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_key(_meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

#[cfg(unix)]
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        "a named pipe"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_meta: &std::fs::Metadata) -> &'static str {
    "a special file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_extension_case_insensitively() {
        assert!(matches!(classify(Path::new("a/B.FLAC")), Kind::Audio));
        assert!(matches!(classify(Path::new("cover.JPG")), Kind::Other));
        assert!(matches!(classify(Path::new("track")), Kind::Unknown));
        assert!(matches!(classify(Path::new("x.weird")), Kind::Unknown));
    }
}
