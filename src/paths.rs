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
}
