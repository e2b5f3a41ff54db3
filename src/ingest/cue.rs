//! CUE sheets: one audio file holding a whole album, and a `.cue` text naming its tracks and
//! where each starts. Parsed by hand: the format is a few line commands, and the sheets people
//! have are messy (any encoding — UTF-8, often Latin-1 or CP1252 —, extra spaces, unquoted
//! names, CRLF, commands a ripper made up), which the crates on offer do not take.
//!
//! Only what a library needs is kept: the album's title and performer, and per FILE its tracks'
//! numbers, titles, performers and start times (`INDEX 01`; the pregap, `INDEX 00`, belongs to
//! the track before, as most players play it). A track ends where the next one starts, the last
//! where the file ends.

use std::path::{Path, PathBuf};

/// CD frames per second (a CUE time is MM:SS:FF).
const FRAMES_PER_SECOND: f64 = 75.0;

/// A parsed sheet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CueSheet {
    pub title: Option<String>,
    pub performer: Option<String>,
    pub files: Vec<CueFile>,
}

/// One FILE of a sheet and its tracks, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CueFile {
    /// As written in the sheet (relative to the sheet's folder, usually).
    pub name: String,
    pub tracks: Vec<CueTrack>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CueTrack {
    pub number: u32,
    pub title: Option<String>,
    pub performer: Option<String>,
    pub songwriter: Option<String>,
    /// Where the track starts in its file (`INDEX 01`), in seconds.
    pub start_s: f64,
}

/// A track of a file as the library keeps it: a span of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct CueSpan {
    pub number: u32,
    pub title: Option<String>,
    pub performer: Option<String>,
    pub start_s: f64,
    /// `None`: to the end of the file.
    pub end_s: Option<f64>,
}

/// Why a sheet cannot be used (the audio then stays one track).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CueError {
    #[error("line {line}: {what}")]
    Line { line: usize, what: String },
    #[error("no FILE with tracks in the sheet")]
    NoTracks,
    #[error("track {number} has no start (INDEX 01)")]
    NoStart { number: u32 },
    #[error("track {number} starts at {start}, before the track before it")]
    OutOfOrder { number: u32, start: String },
}

/// The sheet's text: UTF-8 (with or without a byte-order mark) when it is valid UTF-8, UTF-16
/// with a byte-order mark, else Windows-1252 (which reads Latin-1 too: what rippers on Windows
/// wrote for years).
pub fn decode_text(bytes: &[u8]) -> String {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return text.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

/// Splits a command line into words: quoted strings are one word (quotes removed), other words
/// end at whitespace.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.trim().chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut word = String::new();
        if c == '"' {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                word.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        out.push(word);
    }
    out
}

/// "MM:SS:FF" in seconds; minutes may exceed 99 (long files).
fn time(text: &str) -> Option<f64> {
    let mut parts = text.split(':');
    let (m, s, f) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (m, s, f): (u32, u32, u32) = (m.parse().ok()?, s.parse().ok()?, f.parse().ok()?);
    if s >= 60 || f >= 75 {
        return None;
    }
    Some(f64::from(m) * 60.0 + f64::from(s) + f64::from(f) / FRAMES_PER_SECOND)
}

/// A text value, or `None` when it is empty.
fn value(words: &[String], at: usize) -> Option<String> {
    words
        .get(at)
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
}

/// Parses a sheet's text. Unknown commands (REM, CATALOG, FLAGS, ISRC, CDTEXTFILE…) are
/// skipped; a bad time or a TRACK before any FILE is an error naming its line.
pub fn parse(text: &str) -> Result<CueSheet, CueError> {
    let mut sheet = CueSheet::default();
    let mut in_track = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let bad = |what: &str| CueError::Line {
            line,
            what: what.to_string(),
        };
        let w = words(raw);
        let Some(command) = w.first() else { continue };
        match command.to_ascii_uppercase().as_str() {
            "FILE" => {
                let name = value(&w, 1).ok_or_else(|| bad("FILE without a name"))?;
                sheet.files.push(CueFile {
                    name,
                    tracks: Vec::new(),
                });
                in_track = false;
            }
            "TRACK" => {
                let file = sheet
                    .files
                    .last_mut()
                    .ok_or_else(|| bad("TRACK before any FILE"))?;
                let number = w
                    .get(1)
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| bad("TRACK without a number"))?;
                // Data tracks of mixed-mode CDs are not music.
                let audio = w.get(2).is_none_or(|t| t.eq_ignore_ascii_case("AUDIO"));
                if audio {
                    file.tracks.push(CueTrack {
                        number,
                        start_s: f64::NAN,
                        ..CueTrack::default()
                    });
                }
                in_track = audio;
            }
            "INDEX" if in_track => {
                let number: u32 = w
                    .get(1)
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| bad("INDEX without a number"))?;
                let at = w
                    .get(2)
                    .and_then(|t| time(t))
                    .ok_or_else(|| bad("INDEX with a bad time (MM:SS:FF, frames < 75)"))?;
                if number == 1 {
                    if let Some(track) = sheet.files.last_mut().and_then(|f| f.tracks.last_mut()) {
                        track.start_s = at;
                    }
                }
            }
            field @ ("TITLE" | "PERFORMER" | "SONGWRITER") => {
                let text = value(&w, 1);
                let track = sheet
                    .files
                    .last_mut()
                    .and_then(|f| f.tracks.last_mut())
                    .filter(|_| in_track);
                match (track, field) {
                    (Some(t), "TITLE") => t.title = text,
                    (Some(t), "PERFORMER") => t.performer = text,
                    (Some(t), _) => t.songwriter = text,
                    (None, "TITLE") => sheet.title = text,
                    (None, "PERFORMER") => sheet.performer = text,
                    (None, _) => {}
                }
            }
            _ => {}
        }
    }
    sheet.files.retain(|f| !f.tracks.is_empty());
    if sheet.files.is_empty() {
        return Err(CueError::NoTracks);
    }
    for file in &sheet.files {
        let mut last = f64::NEG_INFINITY;
        for t in &file.tracks {
            if t.start_s.is_nan() {
                return Err(CueError::NoStart { number: t.number });
            }
            if t.start_s < last {
                return Err(CueError::OutOfOrder {
                    number: t.number,
                    start: format_time(t.start_s),
                });
            }
            last = t.start_s;
        }
    }
    Ok(sheet)
}

/// A time as a sheet writes it (MM:SS:FF).
pub fn format_time(seconds: f64) -> String {
    let frames = (seconds * FRAMES_PER_SECOND).round() as u64;
    let (m, rest) = (frames / (60 * 75), frames % (60 * 75));
    format!("{:02}:{:02}:{:02}", m, rest / 75, rest % 75)
}

impl CueFile {
    /// The file's tracks as spans: each to the next one's start, the last to the end.
    pub fn spans(&self) -> Vec<CueSpan> {
        self.tracks
            .iter()
            .enumerate()
            .map(|(i, t)| CueSpan {
                number: t.number,
                title: t.title.clone(),
                performer: t.performer.clone(),
                start_s: t.start_s,
                end_s: self.tracks.get(i + 1).map(|next| next.start_s),
            })
            .collect()
    }

    /// Whether this FILE names `audio` (the sheet lives in `dir`): the same path, or — sheets
    /// often name the WAV a rip started from, then the file was compressed — the same name
    /// with another extension.
    pub fn names(&self, dir: &Path, audio: &Path) -> bool {
        let named = dir.join(self.name.replace('\\', "/"));
        if named == audio {
            return true;
        }
        named.file_stem() == audio.file_stem() && named.parent() == audio.parent()
    }
}

/// The largest sheet read: a real one is a few KB; anything near this is not a sheet.
const MAX_SHEET_BYTES: u64 = 1 << 20;

/// What a sheet makes of one audio file: the album's title and performer, and its tracks.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetTracks {
    pub album: Option<String>,
    pub performer: Option<String>,
    pub spans: Vec<CueSpan>,
}

/// Reads the sheet at `sheet` and finds the tracks it gives `audio` (whose length, when known,
/// is `audio_s`). An error says why, in words for the failures list; the audio then stays one
/// track.
pub fn tracks_for(sheet: &Path, audio: &Path, audio_s: Option<f64>) -> Result<SheetTracks, String> {
    let name = sheet.file_name().map_or_else(
        || sheet.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let why = |what: String| format!("CUE sheet {name}: {what}; the file is kept as one track");
    let text = read_sheet(sheet).map_err(why)?;
    let dir = sheet.parent().unwrap_or(Path::new(""));
    tracks_in(&text, Some(dir), audio, audio_s).map_err(why)
}

/// The text of the sheet at `sheet`, in whatever encoding it came; an error says why not.
fn read_sheet(sheet: &Path) -> Result<String, String> {
    let size = std::fs::metadata(sheet)
        .map_err(|e| format!("cannot read it ({e})"))?
        .len();
    if size > MAX_SHEET_BYTES {
        return Err(format!("{size} bytes is too big for a sheet"));
    }
    let bytes = std::fs::read(sheet).map_err(|e| format!("cannot read it ({e})"))?;
    Ok(decode_text(&bytes))
}

/// The tracks of a sheet embedded in `audio`'s own tags (FLAC's `CUESHEET` comment, APE's
/// `Cuesheet` item): its FILE
/// line names whatever the ripper read, so a sheet of one FILE is taken as this file's.
pub fn embedded_tracks(
    text: &str,
    audio: &Path,
    audio_s: Option<f64>,
) -> Result<SheetTracks, String> {
    tracks_in(text, None, audio, audio_s).map_err(|what| {
        format!("CUE sheet in the file's tags: {what}; the file is kept as one track")
    })
}

/// The tracks `text` gives `audio`: the FILE that names it (`dir`: where the sheet lives), or
/// for an embedded sheet (`dir` None) its only FILE.
fn tracks_in(
    text: &str,
    dir: Option<&Path>,
    audio: &Path,
    audio_s: Option<f64>,
) -> Result<SheetTracks, String> {
    let parsed = parse(text).map_err(|e| e.to_string())?;
    let file = match dir {
        Some(dir) => parsed.files.iter().find(|f| f.names(dir, audio)),
        None if parsed.files.len() == 1 => parsed.files.first(),
        None => parsed
            .files
            .iter()
            .find(|f| f.names(audio.parent().unwrap_or(Path::new("")), audio)),
    };
    let Some(file) = file else {
        let named: Vec<&str> = parsed.files.iter().map(|f| f.name.as_str()).collect();
        return Err(format!("it names {}, not this file", named.join(", ")));
    };
    if file.tracks.is_empty() {
        return Err("no tracks for this file".into());
    }
    let spans = file.spans();
    if let Some(length) = audio_s {
        if let Some(late) = spans.iter().find(|s| s.start_s >= length) {
            return Err(format!(
                "track {} starts at {}, past the end of the audio ({})",
                late.number,
                format_time(late.start_s),
                format_time(length)
            ));
        }
    }
    Ok(SheetTracks {
        album: parsed.title.clone(),
        performer: parsed.performer.clone(),
        spans,
    })
}

/// The FILE entries of the sheet at `sheet`, for pairing it by what it names rather than by
/// its own name ("Artist - Album.cue" beside "CDImage.flac"). Empty when it cannot be read or
/// parsed: such a sheet pairs with no file (one paired by name says why it failed).
pub fn files_of(sheet: &Path) -> Vec<CueFile> {
    read_sheet(sheet)
        .ok()
        .and_then(|text| parse(&text).ok())
        .map_or_else(Vec::new, |sheet| sheet.files)
}

/// The sheet files next to `audio` that may describe it: `album.cue` for `album.flac`, and
/// `album.flac.cue`.
pub fn sheet_candidates(audio: &Path) -> Vec<PathBuf> {
    let mut out = vec![audio.with_extension("cue")];
    let mut doubled = audio.as_os_str().to_owned();
    doubled.push(".cue");
    out.push(PathBuf::from(doubled));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALBUM: &str = "REM GENRE Jazz\r\n\
        PERFORMER \"The Quartet\"\r\n\
        TITLE \"Blue Hours\"\r\n\
        FILE \"Blue Hours.wav\" WAVE\r\n\
        \x20 TRACK 01 AUDIO\r\n\
        \x20   TITLE \"Cobalt\"\r\n\
        \x20   INDEX 01 00:00:00\r\n\
        \x20 TRACK 02 AUDIO\r\n\
        \x20   TITLE \"Half Past Two\"\r\n\
        \x20   PERFORMER \"The Quartet feat. Ada\"\r\n\
        \x20   INDEX 00 03:58:70\r\n\
        \x20   INDEX 01 04:00:00\r\n\
        \x20 TRACK 03 AUDIO\r\n\
        \x20   TITLE    \"Nightcap\"\r\n\
        \x20   INDEX 01 07:30:37\r\n";

    #[test]
    fn an_album_sheet_gives_its_tracks_and_spans() {
        let sheet = parse(ALBUM).expect("parses");
        assert_eq!(sheet.title.as_deref(), Some("Blue Hours"));
        assert_eq!(sheet.performer.as_deref(), Some("The Quartet"));
        assert_eq!(sheet.files.len(), 1);
        let spans = sheet.files[0].spans();
        assert_eq!(spans.len(), 3);
        assert_eq!(spans[1].title.as_deref(), Some("Half Past Two"));
        assert_eq!(spans[1].performer.as_deref(), Some("The Quartet feat. Ada"));
        assert_eq!(
            spans[0].performer, None,
            "the album's performer is the sheet's"
        );
        assert_eq!((spans[0].start_s, spans[0].end_s), (0.0, Some(240.0)));
        assert_eq!(spans[1].end_s, Some(450.0 + 37.0 / 75.0));
        assert_eq!(spans[2].end_s, None, "the last track runs to the end");
        assert_eq!(spans[2].title.as_deref(), Some("Nightcap"), "extra spaces");
    }

    #[test]
    fn times_are_minutes_seconds_and_frames() {
        assert_eq!(time("00:00:00"), Some(0.0));
        assert_eq!(time("01:02:74"), Some(62.0 + 74.0 / 75.0));
        assert_eq!(time("120:00:00"), Some(7200.0), "long files");
        for bad in ["00:60:00", "00:00:75", "1:2", "a:00:00", "00:00:00:00", ""] {
            assert_eq!(time(bad), None, "{bad}");
        }
        assert_eq!(format_time(62.0 + 74.0 / 75.0), "01:02:74");
    }

    #[test]
    fn latin1_cp1252_utf8_and_utf16_sheets_read_right() {
        let latin1 = b"TITLE \"Caf\xe9 Noir\"\n";
        assert!(decode_text(latin1).contains("Café Noir"));
        let cp1252 = b"TITLE \"\x93Quoted\x94 \x96 dash\"\n";
        assert!(decode_text(cp1252).contains("“Quoted” – dash"));
        let utf8 = "TITLE \"Ñandú ♪\"\n";
        assert_eq!(decode_text(utf8.as_bytes()), utf8);
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(utf8.as_bytes());
        assert_eq!(decode_text(&bom), utf8);
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(utf8.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode_text(&utf16), utf8);
    }

    #[test]
    fn broken_sheets_say_what_is_wrong() {
        let bad_time = "FILE a.flac WAVE\nTRACK 01 AUDIO\nINDEX 01 00:61:00\n";
        assert_eq!(
            parse(bad_time),
            Err(CueError::Line {
                line: 3,
                what: "INDEX with a bad time (MM:SS:FF, frames < 75)".into()
            })
        );
        let no_file = "TRACK 01 AUDIO\nINDEX 01 00:00:00\n";
        assert!(matches!(
            parse(no_file),
            Err(CueError::Line { line: 1, .. })
        ));
        let no_start = "FILE a.flac WAVE\nTRACK 01 AUDIO\nINDEX 00 00:00:00\n";
        assert_eq!(parse(no_start), Err(CueError::NoStart { number: 1 }));
        let backwards =
            "FILE a.flac WAVE\nTRACK 01 AUDIO\nINDEX 01 02:00:00\nTRACK 02 AUDIO\nINDEX 01 01:00:00\n";
        assert!(matches!(
            parse(backwards),
            Err(CueError::OutOfOrder { number: 2, .. })
        ));
        assert_eq!(parse("REM nothing here\n"), Err(CueError::NoTracks));
        assert_eq!(parse(""), Err(CueError::NoTracks));
    }

    #[test]
    fn data_tracks_unquoted_names_and_several_files() {
        let sheet = parse(
            "FILE disc1.flac WAVE\nTRACK 1 AUDIO\nINDEX 01 00:00:00\nTRACK 2 MODE1/2352\nINDEX 01 03:00:00\n\
             FILE \"disc 2.flac\" WAVE\nTRACK 3 AUDIO\nTITLE Untitled\nINDEX 01 00:00:00\n",
        )
        .expect("parses");
        assert_eq!(sheet.files.len(), 2);
        assert_eq!(sheet.files[0].name, "disc1.flac");
        assert_eq!(sheet.files[0].tracks.len(), 1, "no data track");
        assert_eq!(sheet.files[1].name, "disc 2.flac");
        assert_eq!(sheet.files[1].tracks[0].title.as_deref(), Some("Untitled"));
    }

    #[test]
    fn a_file_entry_names_its_audio_even_after_a_change_of_format() {
        let dir = Path::new("/music/album");
        let file = CueFile {
            name: "Blue Hours.wav".into(),
            tracks: Vec::new(),
        };
        assert!(file.names(dir, Path::new("/music/album/Blue Hours.wav")));
        assert!(file.names(dir, Path::new("/music/album/Blue Hours.flac")));
        assert!(!file.names(dir, Path::new("/music/album/Other.flac")));
        assert!(!file.names(dir, Path::new("/music/other/Blue Hours.flac")));
        let windows = CueFile {
            name: "cd1\\Blue Hours.ape".into(),
            tracks: Vec::new(),
        };
        assert!(windows.names(dir, Path::new("/music/album/cd1/Blue Hours.flac")));
        assert_eq!(
            sheet_candidates(Path::new("/m/a.flac")),
            [PathBuf::from("/m/a.cue"), PathBuf::from("/m/a.flac.cue")]
        );
    }
}
