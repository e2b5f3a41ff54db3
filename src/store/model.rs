//! Plain data that crosses the store boundary (and, serialised, the CLI and the webview).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, Row};

use crate::metadata::{Tags, TechInfo};
use crate::paths::{display, split_track_key};

/// For an enum stored and serialised as a lower-case word: `as_str` (the word, as SQL and JSON
/// have it), `Display`, and comparison with the word (`failure.stage == "scan"`).
macro_rules! named {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<str> for $ty {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

/// A library folder the user added.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Folder {
    pub id: i64,
    #[serde(serialize_with = "crate::paths::serialize_lossy")]
    #[specta(type = String)]
    pub path: PathBuf,
    pub track_count: i64,
    pub added_at: String,
    /// False when the folder is gone (an unplugged drive): its tracks are kept meanwhile.
    pub exists: bool,
}

/// A track that is part of its file: one track of a CUE sheet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Span {
    /// The track's number in its sheet.
    pub number: u32,
    /// Where it starts in the file, in seconds.
    pub start_s: f64,
    /// Where it ends; `None`: at the end of the file.
    pub end_s: Option<f64>,
}

impl Span {
    /// The span's columns (`cue_start_s`, `cue_end_s`) and its number from the row's key.
    pub(crate) fn from_columns(
        number: Option<u32>,
        start_s: Option<f64>,
        end_s: Option<f64>,
    ) -> Option<Span> {
        Some(Span {
            number: number?,
            start_s: start_s?,
            end_s,
        })
    }
}

/// One row of the library table.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TrackRow {
    pub id: i64,
    /// The audio file (for a track of a CUE sheet: the file it is part of).
    pub path: String,
    /// Set when the track is a part of its file (a CUE sheet's track).
    pub span: Option<Span>,
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
    /// Pending (to analyse), analyzed or failed (see the failures).
    pub status: TrackStatus,
    pub size: i64,
    pub bpm: Option<f64>,
    pub bpm_confidence: Option<f64>,
    /// Tonic name: "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B".
    pub key: Option<String>,
    /// "major" or "minor".
    pub scale: Option<String>,
    pub key_strength: Option<f64>,
    /// Camelot code: "8B" is C major, "8A" A minor.
    pub camelot: Option<String>,
    pub loudness_lufs: Option<f64>,
    /// MusiCNN tags shown on the track (lower case, likeliest first); empty when untagged.
    pub chips: Vec<String>,
}

/// What a list of tracks shows of each one (similar tracks, playlist entries): who, what,
/// how long, tempo and key. Flattened into those types' JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct TrackSummary {
    pub id: i64,
    pub path: String,
    /// Set when the track is a part of its file (a CUE sheet's track).
    #[serde(default)]
    pub span: Option<Span>,
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub duration_s: Option<f64>,
    pub bpm: Option<f64>,
    pub key: Option<String>,
    pub scale: Option<String>,
    pub camelot: Option<String>,
}

impl From<&TrackRow> for TrackSummary {
    fn from(r: &TrackRow) -> Self {
        TrackSummary {
            id: r.id,
            path: r.path.clone(),
            span: r.span,
            title: r.title.clone(),
            artist: r.artist.clone(),
            album: r.album.clone(),
            duration_s: r.duration_s,
            bpm: r.bpm,
            key: r.key.clone(),
            scale: r.scale.clone(),
            camelot: r.camelot.clone(),
        }
    }
}

impl FromRow<'_, SqliteRow> for TrackRow {
    fn from_row(row: &SqliteRow) -> sqlx::Result<Self> {
        let bytes: Vec<u8> = row.try_get("path_bytes")?;
        let (path, number) = split_track_key(&bytes);
        Ok(TrackRow {
            id: row.try_get("id")?,
            path: display(&path),
            span: Span::from_columns(
                number,
                row.try_get("cue_start_s")?,
                row.try_get("cue_end_s")?,
            ),
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
            bpm: row.try_get("bpm")?,
            bpm_confidence: row.try_get("bpm_confidence")?,
            key: row
                .try_get::<Option<i64>, _>("key_tonic")?
                .and_then(|t| crate::analysis::key::NOTE_NAMES.get(t.rem_euclid(12) as usize))
                .map(|name| name.to_string()),
            scale: row.try_get("key_scale")?,
            key_strength: row.try_get("key_strength")?,
            camelot: row.try_get("camelot")?,
            loudness_lufs: row.try_get("loudness_lufs")?,
            chips: row
                .try_get::<Option<String>, _>("tag_labels")?
                .map(|labels| {
                    labels
                        .split(',')
                        .filter(|l| !l.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

/// The library table's sort columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    Title,
    Artist,
    Album,
    Duration,
    Format,
    Path,
    Bpm,
    Key,
}

impl SortKey {
    /// An ORDER BY clause; ties fall back to a stable, useful order. Untagged tracks come
    /// last both ways: "x IS NULL" ascending, written "x IS NOT NULL DESC" in a descending
    /// order (the same order), so that each order walks an index spelled like it (migrations
    /// 0010 and 0013) — forwards, or backwards when descending. The last tie-breaker is the
    /// track id (in the order the scan added tracks: by path within a folder), which every
    /// index holds; ascending titles tie by path (their index of 0010).
    pub(crate) fn order_by(self, desc: bool) -> String {
        let dir = if desc { "DESC" } else { "ASC" };
        let last_if_null = |column: &str| {
            if desc {
                format!("{column} IS NOT NULL DESC")
            } else {
                format!("{column} IS NULL")
            }
        };
        match self {
            SortKey::Title if !desc => "title IS NULL, title COLLATE NOCASE ASC, path ASC".into(),
            SortKey::Title => "title IS NOT NULL DESC, title COLLATE NOCASE DESC, id DESC".into(),
            // An album's tracks in disc and track order, both ways.
            SortKey::Artist => format!(
                "{}, artist COLLATE NOCASE {dir}, album COLLATE NOCASE {dir}, disc_no, track_no, id",
                last_if_null("artist")
            ),
            SortKey::Album => format!(
                "{}, album COLLATE NOCASE {dir}, disc_no, track_no, id",
                last_if_null("album")
            ),
            SortKey::Duration => format!(
                "{}, duration_s {dir}, id {dir}",
                last_if_null("duration_s")
            ),
            SortKey::Format => format!("format {dir}, id {dir}"),
            SortKey::Path => format!("path {dir}"),
            // Tempo and key read the tracks' copies of them (migration 0015), indexed.
            SortKey::Bpm => {
                format!("order_bpm IS NULL, order_bpm {dir}, title COLLATE NOCASE, id")
            }
            // Camelot order: neighbours on the wheel mix well, so they sort together.
            SortKey::Key => format!(
                "order_camelot IS NULL, \
                 CAST(substr(order_camelot, 1, length(order_camelot) - 1) AS INTEGER) {dir}, \
                 order_camelot {dir}, title COLLATE NOCASE, id"
            ),
        }
    }
}

/// A window onto the library table.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct TrackQuery {
    pub search: Option<String>,
    pub sort: SortKey,
    pub desc: bool,
    pub offset: i64,
    pub limit: i64,
    /// Tempo range, inclusive; tracks without a tempo never match a range.
    pub bpm_min: Option<f64>,
    pub bpm_max: Option<f64>,
    /// Only tracks in this key (Camelot code, "8A").
    pub camelot: Option<String>,
    /// Only tracks with this MusiCNN tag among their chips ("chill").
    #[serde(default)]
    pub tag: Option<String>,
    /// Only these tracks (a region picked on the map).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TrackPage {
    /// Tracks matching the search (all tracks when there is none).
    pub total: i64,
    /// `total` is estimated from the first rows of the order (a search most tracks match, at
    /// a size where counting them all would hold up the page); `count_tracks` gives it exactly.
    pub estimated: bool,
    pub offset: i64,
    pub rows: Vec<TrackRow>,
}

/// A file that could not be taken in, and why.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Failure {
    pub path: String,
    pub stage: Stage,
    pub reason: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Stats {
    pub folders: i64,
    pub tracks: i64,
    pub failures: i64,
    pub total_duration_s: f64,
    pub total_bytes: i64,
    /// (format, number of tracks), most common first.
    pub formats: Vec<(String, i64)>,
}

/// One analysed track, whole: the row and every stored feature.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TrackDetail {
    pub track: TrackRow,
    pub features: Option<crate::analysis::Features>,
    pub analyzed_at: Option<String>,
    /// MusiCNN tags of both models, likeliest first (empty when not tagged).
    pub tags: Vec<TagScore>,
}

/// One tag and its probability (mean over the analysed patches).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TagScore {
    pub label: String,
    pub probability: f32,
}

/// The tags found in the library, for the tag filter, and whether tagging is on.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TagVocabulary {
    /// False when the MusiCNN weights are missing or tags are turned off.
    pub enabled: bool,
    /// Why tags are off, and how to turn them on.
    pub message: Option<String>,
    /// Tracks tagged by the current tagger.
    pub tagged: i64,
    /// Every chip label in the library with its track count, most common first.
    pub tags: Vec<TagCount>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TagCount {
    pub label: String,
    pub tracks: i64,
}

/// A track waiting for analysis.
#[derive(Debug, Clone)]
pub struct PendingTrack {
    pub id: i64,
    pub path: PathBuf,
    /// The part of the file to analyse (a CUE sheet's track); `None`: all of it.
    pub span: Option<Span>,
    /// The content the analysis is of: a result is only stored if the track still has it.
    pub partial_hash: i64,
    pub duration_s: Option<f64>,
    /// What the tagger of the requested version already heard in this unchanged audio, when
    /// only the other features are out of date: the analysis keeps it instead of running
    /// MusiCNN again.
    pub kept_tags: Option<KeptTags>,
}

/// Stored tags still current for a track whose other features are analysed again.
#[derive(Debug, Clone)]
pub struct KeptTags {
    /// `None`: the tagger looked and found the track too short for tags.
    pub tags: Option<crate::musicnn::tagger::TrackTags>,
    pub version: i64,
}

/// How far the analysis of the library is.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct AnalysisCounts {
    pub pending: i64,
    pub analyzed: i64,
    pub failed: i64,
    /// Seconds of audio (header durations) still to analyse.
    pub pending_s: f64,
}

/// The outcome of analysing one track.
#[derive(Debug)]
pub struct AnalysisOutcome {
    pub track: PendingTrack,
    pub result: std::result::Result<crate::analysis::Features, String>,
}

/// Where a failure happened. Stored and serialised in lower case ("walk", "scan", "check",
/// "analyze").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, specta::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(rename_all = "lowercase")]
pub enum Stage {
    /// Walking folders: permissions, symlink loops, special files.
    Walk,
    /// Reading a file: not audio, unsupported codec, bad header, unreadable tags.
    Scan,
    /// A track was taken in but looks damaged (e.g. shorter than its header claims).
    Check,
    /// The track could not be decoded through for analysis.
    Analyze,
}

named!(Stage {
    Walk => "walk",
    Scan => "scan",
    Check => "check",
    Analyze => "analyze",
});

/// Where a track is in the analysis. Stored and serialised in lower case ("pending",
/// "analyzed", "failed").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, specta::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(rename_all = "lowercase")]
pub enum TrackStatus {
    /// New or changed content, to analyse.
    Pending,
    Analyzed,
    /// The analysis failed: the failures say why.
    Failed,
}

named!(TrackStatus {
    Pending => "pending",
    Analyzed => "analyzed",
    Failed => "failed",
});

/// A file read successfully, ready to store.
#[derive(Debug, Clone)]
pub struct NewTrack {
    pub folder_id: i64,
    pub path: PathBuf,
    /// A track of the file's CUE sheet; `None`: the whole file.
    pub span: Option<Span>,
    /// The stamp of the sheet next to the file when it was read (see `walk::sheet_stamp`).
    pub cue_stamp: Option<i64>,
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
    /// The file (for a track of a CUE sheet: the audio file it is part of).
    pub path: PathBuf,
    /// The track's number in the file's CUE sheet.
    pub span: Option<u32>,
    /// The stamp of the sheet the file was read with.
    pub cue_stamp: Option<i64>,
    pub size: i64,
    pub mtime_ns: i64,
    pub partial_hash: i64,
    /// A track listed in Failures with a warning (cut short or damaged, but playable).
    pub warned: bool,
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
    /// The file is gone: drop its tracks (all of a CUE sheet's) and failures.
    Forget { path: PathBuf },
    /// These are all the tracks of the file at `path` now (its CUE sheet came, went or
    /// changed): drop its other tracks, and its warnings of before (this batch adds the
    /// current ones after it).
    KeepOnly {
        path: PathBuf,
        spans: Vec<Option<u32>>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// JSON, SQL and `as_str` agree on every name, and the names are the strings of before.
    #[test]
    fn names_are_the_same_everywhere() {
        for stage in Stage::ALL {
            let json = serde_json::to_string(stage).expect("json");
            assert_eq!(json, format!("\"{stage}\""));
            assert_eq!(serde_json::from_str::<Stage>(&json).expect("back"), *stage);
        }
        for status in TrackStatus::ALL {
            let json = serde_json::to_string(status).expect("json");
            assert_eq!(json, format!("\"{status}\""));
            assert_eq!(
                serde_json::from_str::<TrackStatus>(&json).expect("back"),
                *status
            );
        }
        let names: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["walk", "scan", "check", "analyze"]);
        let names: Vec<&str> = TrackStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["pending", "analyzed", "failed"]);
        assert!(Stage::Scan == "scan" && TrackStatus::Failed != "pending");
    }
}
