//! Plain data that crosses the store boundary (and, serialised, the CLI and the webview).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, Row};

use crate::paths::{bytes_to_path, display};

/// A library folder the user added.
#[derive(Debug, Clone, Serialize)]
pub struct Folder {
    pub id: i64,
    #[serde(serialize_with = "crate::paths::serialize_lossy")]
    pub path: PathBuf,
    pub track_count: i64,
    pub added_at: String,
    /// False when the folder is gone (an unplugged drive): its tracks are kept meanwhile.
    pub exists: bool,
}

/// One row of the library table.
#[derive(Debug, Clone, Serialize)]
pub struct TrackRow {
    pub id: i64,
    pub path: String,
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub track_no: Option<i64>,
    pub disc_no: Option<i64>,
    pub year: Option<i64>,
    pub genre: Option<String>,
    pub duration_s: Option<f64>,
    pub format: String,
    pub codec: Option<String>,
    pub sample_rate: Option<i64>,
    pub channels: Option<i64>,
    pub bitrate_kbps: Option<i64>,
    pub has_cover: bool,
    pub status: String,
    pub size: i64,
}

impl FromRow<'_, SqliteRow> for TrackRow {
    fn from_row(row: &SqliteRow) -> sqlx::Result<Self> {
        let bytes: Vec<u8> = row.try_get("path_bytes")?;
        Ok(TrackRow {
            id: row.try_get("id")?,
            path: display(&bytes_to_path(&bytes)),
            title: row.try_get("title")?,
            artist: row.try_get("artist")?,
            album: row.try_get("album")?,
            album_artist: row.try_get("album_artist")?,
            track_no: row.try_get("track_no")?,
            disc_no: row.try_get("disc_no")?,
            year: row.try_get("year")?,
            genre: row.try_get("genre")?,
            duration_s: row.try_get("duration_s")?,
            format: row.try_get("format")?,
            codec: row.try_get("codec")?,
            sample_rate: row.try_get("sample_rate")?,
            channels: row.try_get("channels")?,
            bitrate_kbps: row.try_get("bitrate_kbps")?,
            has_cover: row.try_get("has_cover")?,
            status: row.try_get("status")?,
            size: row.try_get("size")?,
        })
    }
}

/// The library table's sort columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    Title,
    Artist,
    Album,
    Duration,
    Format,
    Path,
}

impl SortKey {
    /// An ORDER BY clause; ties fall back to a stable, useful order.
    pub(crate) fn order_by(self, desc: bool) -> String {
        let dir = if desc { "DESC" } else { "ASC" };
        // Untagged tracks sort by path among themselves, after the tagged ones.
        match self {
            SortKey::Title => format!("title IS NULL, title COLLATE NOCASE {dir}, path {dir}"),
            SortKey::Artist => format!(
                "artist IS NULL, artist COLLATE NOCASE {dir}, album COLLATE NOCASE {dir}, disc_no, track_no, path"
            ),
            SortKey::Album => format!(
                "album IS NULL, album COLLATE NOCASE {dir}, disc_no, track_no, path"
            ),
            SortKey::Duration => format!("duration_s IS NULL, duration_s {dir}, id"),
            SortKey::Format => format!("format {dir}, path"),
            SortKey::Path => format!("path {dir}"),
        }
    }
}

/// A window onto the library table.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TrackQuery {
    pub search: Option<String>,
    pub sort: SortKey,
    pub desc: bool,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrackPage {
    /// Tracks matching the search (all tracks when there is none).
    pub total: i64,
    pub offset: i64,
    pub rows: Vec<TrackRow>,
}

/// A file that could not be taken in, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub path: String,
    pub stage: String,
    pub reason: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub folders: i64,
    pub tracks: i64,
    pub failures: i64,
    pub total_duration_s: f64,
    pub total_bytes: i64,
    /// (format, number of tracks), most common first.
    pub formats: Vec<(String, i64)>,
}

/// Where a failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Walking folders: permissions, symlink loops, special files.
    Walk,
    /// Reading a file: not audio, unsupported codec, bad header, unreadable tags.
    Scan,
    /// A track was taken in but looks damaged (e.g. shorter than its header claims).
    Check,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Walk => "walk",
            Stage::Scan => "scan",
            Stage::Check => "check",
        }
    }
}

/// Tags as read from the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tags {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub track_no: Option<i64>,
    pub disc_no: Option<i64>,
    pub year: Option<i64>,
    pub genre: Option<String>,
    pub has_cover: bool,
}

/// Container, codec and stream properties.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TechInfo {
    /// Container as found by probing the content ("FLAC", "MP3", "WAV", "Ogg", "MP4", "AIFF"…).
    pub format: String,
    /// Codec of the audio stream ("flac", "mp3", "vorbis", "opus", "pcm_s16le", "aac", "alac"…).
    pub codec: Option<String>,
    pub duration_s: Option<f64>,
    pub sample_rate: Option<i64>,
    pub channels: Option<i64>,
    pub bitrate_kbps: Option<i64>,
}

/// A file read successfully, ready to store.
#[derive(Debug, Clone)]
pub struct NewTrack {
    pub folder_id: i64,
    pub path: PathBuf,
    pub size: i64,
    pub mtime_ns: i64,
    pub partial_hash: i64,
    pub tags: Tags,
    pub tech: TechInfo,
}

/// A per-file problem to record.
#[derive(Debug, Clone)]
pub struct NewFailure {
    pub folder_id: i64,
    pub path: PathBuf,
    pub stage: Stage,
    pub reason: String,
    pub size: Option<i64>,
    pub mtime_ns: Option<i64>,
}

/// What the database remembers of a file (a track, or a failed file when `track_id` is None).
#[derive(Debug, Clone)]
pub struct KnownFile {
    pub track_id: Option<i64>,
    pub folder_id: i64,
    pub path: PathBuf,
    pub size: i64,
    pub mtime_ns: i64,
    pub partial_hash: i64,
}

/// One change a scan applies to the database.
#[derive(Debug, Clone)]
pub enum Change {
    /// A new or changed file: insert it, or update the row at its path.
    Upsert(NewTrack),
    /// A file found at a new path with the content of a track that vanished: same track.
    /// Always followed by an `Upsert` of the same file.
    Move {
        track_id: i64,
        folder_id: i64,
        track: NewTrack,
    },
    /// The file cannot be taken in (replaces any track at that path).
    Fail(NewFailure),
    /// The track was taken in but something about it deserves a warning.
    Warn(NewFailure),
    /// The file is gone: drop its track and failures.
    Forget { path: PathBuf },
}
