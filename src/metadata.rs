//! What a file says about itself: its tags (title, artist, album…) and the properties of its
//! stream. The scan reads them (`ingest::probe`), the store keeps them, the encoder writes tags
//! into test and demo files; none of those layers owns them.
//!
//! Many files lack the tags people sort and group by, so what is shown, sorted, capped and
//! exported falls back ([`Tags::with_fallbacks`]): the artist is ARTIST, else ALBUMARTIST, else
//! COMPOSER or PERFORMER; the album is ALBUM, else the folder the file sits in (a generic one
//! like "music" or "CD1" names the folder above); the title is TITLE, else the file's name.
//! Junk ("Unknown", "Various artists", web addresses) counts as no value.

use std::path::Path;

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
    /// Read for the artist fallback; not stored.
    pub composer: Option<String>,
    pub performer: Option<String>,
    pub has_cover: bool,
    /// A CUE sheet kept in the file's own tags (FLAC's `CUESHEET` comment, APEv2's
    /// `Cuesheet`); not stored.
    pub cue_sheet: Option<String>,
}

/// A value people would not call a name.
fn is_junk(value: &str) -> bool {
    let v = value.trim().to_lowercase();
    let unknown = [
        "unknown",
        "unknown artist",
        "unknown album",
        "untitled",
        "<unknown>",
        "[unknown]",
        "artist",
        "album",
        "title",
        "various",
        "various artists",
        "va",
        "n/a",
        "none",
    ];
    // "", "-", "?", "???", "…": nothing a name is made of.
    !v.chars().any(char::is_alphanumeric)
        || unknown.contains(&v.as_str())
        || v.starts_with("http://")
        || v.starts_with("https://")
        || v.starts_with("www.")
}

fn named(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !is_junk(v))
        .map(str::to_string)
}

/// Folder names that say nothing about the album, so the folder above names it.
fn generic_folder(name: &str) -> bool {
    let n = name.trim().to_lowercase();
    let words = [
        "music", "musics", "audio", "sound", "sounds", "songs", "tracks", "ogg", "mp3", "flac",
        "wav", "opus", "data", "media", "files",
    ];
    words.contains(&n.as_str())
        || ["cd", "disc", "disk"].iter().any(|p| {
            n.strip_prefix(p)
                .is_some_and(|rest| rest.trim().chars().all(|c| c.is_ascii_digit()))
        })
}

/// The folder a file's album falls back to: its own, or the one above a generic one.
pub fn album_folder(path: &Path) -> Option<String> {
    let mut dir = path.parent()?;
    for _ in 0..3 {
        let name = dir.file_name()?.to_string_lossy().into_owned();
        if !generic_folder(&name) && !is_junk(&name) {
            return Some(name);
        }
        dir = dir.parent()?;
    }
    None
}

impl Tags {
    /// The tags as shown, sorted, grouped and exported: each missing (or junk) name filled
    /// from the next best source (see the module's doc).
    pub fn with_fallbacks(mut self, path: &Path) -> Tags {
        self.title = named(&self.title).or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().trim().to_string())
                .filter(|s| !s.is_empty())
        });
        self.album_artist = named(&self.album_artist);
        self.artist = named(&self.artist)
            .or_else(|| self.album_artist.clone())
            .or_else(|| named(&self.composer))
            .or_else(|| named(&self.performer));
        self.album = named(&self.album).or_else(|| album_folder(path));
        self
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tags() -> Tags {
        Tags::default()
    }

    #[test]
    fn the_artist_falls_back_to_album_artist_then_composer_then_performer() {
        let p = Path::new("/m/a.ogg");
        let mut t = tags();
        t.composer = Some("Comp".into());
        t.performer = Some("Perf".into());
        assert_eq!(t.clone().with_fallbacks(p).artist.as_deref(), Some("Comp"));
        t.album_artist = Some("AA".into());
        assert_eq!(t.clone().with_fallbacks(p).artist.as_deref(), Some("AA"));
        t.artist = Some("Unknown Artist".into());
        assert_eq!(
            t.clone().with_fallbacks(p).artist.as_deref(),
            Some("AA"),
            "junk"
        );
        t.artist = Some("Real".into());
        assert_eq!(t.with_fallbacks(p).artist.as_deref(), Some("Real"));
        let mut t = tags();
        t.performer = Some("Perf".into());
        assert_eq!(t.with_fallbacks(p).artist.as_deref(), Some("Perf"));
        assert_eq!(tags().with_fallbacks(p).artist, None);
    }

    #[test]
    fn the_album_falls_back_to_the_folder_and_skips_generic_folders() {
        let t = tags();
        let album = |path: &str| t.clone().with_fallbacks(Path::new(path)).album;
        assert_eq!(album("/m/Hypatia/01.ogg").as_deref(), Some("Hypatia"));
        assert_eq!(
            album("/usr/share/games/widelands/music/ingame.ogg").as_deref(),
            Some("widelands")
        );
        assert_eq!(
            album("/m/Kind of Blue/CD1/01.flac").as_deref(),
            Some("Kind of Blue")
        );
        let mut tagged = tags();
        tagged.album = Some("Timber".into());
        assert_eq!(
            tagged
                .with_fallbacks(Path::new("/m/music/x.ogg"))
                .album
                .as_deref(),
            Some("Timber")
        );
    }

    #[test]
    fn the_title_falls_back_to_the_file_name_and_junk_is_no_value() {
        let title = |t: Option<&str>, path: &str| {
            let mut tags = tags();
            tags.title = t.map(Into::into);
            tags.with_fallbacks(Path::new(path)).title
        };
        assert_eq!(
            title(None, "/m/x/Hypatia's theme.ogg").as_deref(),
            Some("Hypatia's theme")
        );
        assert_eq!(
            title(Some("Unknown"), "/m/x/intro.ogg").as_deref(),
            Some("intro")
        );
        assert_eq!(
            title(Some("http://example.com"), "/m/x/a.ogg").as_deref(),
            Some("a")
        );
        assert_eq!(
            title(Some("Trackside"), "/m/x/a.ogg").as_deref(),
            Some("Trackside")
        );
        assert_eq!(title(Some("???"), "/m/x/b.ogg").as_deref(), Some("b"));
        assert_eq!(title(Some(" - "), "/m/x/c.ogg").as_deref(), Some("c"));
        assert_eq!(title(Some("1979"), "/m/x/d.ogg").as_deref(), Some("1979"));
    }
}
