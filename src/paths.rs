//! Paths as the operating system has them. File names need not be UTF-8, so the database keeps
//! the exact bytes of every path next to a lossy UTF-8 copy used for display and search.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The exact bytes of a path (Unix), or its UTF-8 bytes elsewhere.
pub fn path_to_bytes(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

/// The inverse of [`path_to_bytes`].
pub fn bytes_to_path(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(OsString::from_vec(bytes.to_vec()))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(OsString::from(String::from_utf8_lossy(bytes).into_owned()))
    }
}

/// The key a track is stored under (`tracks.path_bytes`): its file's bytes, and for a span of
/// the file (a track of its CUE sheet) a NUL — never part of a Unix path — and the track
/// number in three digits, so the spans of a file sort together and in order.
pub fn track_key(path: &Path, span: Option<u32>) -> Vec<u8> {
    let mut key = path_to_bytes(path);
    if let Some(number) = span {
        key.push(0);
        key.extend_from_slice(format!("{number:03}").as_bytes());
    }
    key
}

/// The file and span number of a stored track key (the inverse of [`track_key`]).
pub fn split_track_key(key: &[u8]) -> (PathBuf, Option<u32>) {
    match key.iter().position(|&b| b == 0) {
        Some(at) => (
            bytes_to_path(&key[..at]),
            std::str::from_utf8(&key[at + 1..])
                .ok()
                .and_then(|n| n.parse().ok()),
        ),
        None => (bytes_to_path(key), None),
    }
}

/// The keys of every span of `path`'s file lie in `[from, to)`.
pub fn span_key_range(path: &Path) -> (Vec<u8>, Vec<u8>) {
    let file = path_to_bytes(path);
    let mut from = file.clone();
    from.push(0);
    let mut to = file;
    to.push(1);
    (from, to)
}

/// A display form of a path: lossy UTF-8 (invalid bytes become U+FFFD).
pub fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Serialises a path as a (lossy) string: JSON has no bytes, and a non-UTF-8 name must not
/// make a whole listing fail.
pub fn serialize_lossy<S: serde::Serializer>(
    path: &Path,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&path.to_string_lossy())
}

/// Where Segue keeps its database and generated files: `--data-dir`, else `SEGUE_DATA_DIR`,
/// else the platform data dir (`~/.local/share/segue` on Linux).
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SEGUE_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("org", "Segue", "segue")
        .map(|p| p.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".segue"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn non_utf8_paths_round_trip() {
        use std::os::unix::ffi::OsStrExt;
        let raw = b"/music/caf\xe9_\xff.wav";
        let path = Path::new(std::ffi::OsStr::from_bytes(raw));
        let bytes = path_to_bytes(path);
        assert_eq!(bytes, raw);
        assert_eq!(bytes_to_path(&bytes), path);
        assert!(display(path).contains('\u{FFFD}'));
    }

    #[test]
    fn span_keys_round_trip_and_sort_inside_their_range() {
        let file = Path::new("/music/Album (live).flac");
        assert_eq!(track_key(file, None), path_to_bytes(file));
        assert_eq!(split_track_key(&track_key(file, None)), (file.into(), None));
        let keys: Vec<Vec<u8>> = [1, 2, 10, 99].map(|n| track_key(file, Some(n))).into();
        for (key, n) in keys.iter().zip([1, 2, 10, 99]) {
            assert_eq!(split_track_key(key), (file.to_path_buf(), Some(n)));
        }
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "in track order");
        let (from, to) = span_key_range(file);
        assert!(keys.iter().all(|k| *k >= from && *k < to));
        // Neither the file itself nor a file whose name continues it is in the range.
        let other = track_key(Path::new("/music/Album (live).flac2"), Some(1));
        assert!(!(other >= from && other < to));
        assert!(track_key(file, None) < from);
    }
}
