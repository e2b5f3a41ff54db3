//! Playlist files players read: extended M3U in UTF-8 (`.m3u8`), XSPF, and mpv's EDL.
//!
//! M3U8 and EDL paths are relative when the playlist file sits in a folder above the tracks
//! (the playlist then travels with the music), else absolute. XSPF locations are `file://`
//! URIs, percent-encoded as RFC 3986 asks. A CUE sheet's track is a stretch of its file: M3U8
//! and XSPF can only say so in VLC's options (other players play the whole file), so the EDL
//! exists for mpv, which plays each stretch exactly.

use std::path::{Path, PathBuf};

use super::PlaylistEntry;
use crate::store::Span;

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    M3u8,
    Xspf,
    /// mpv's edit list: one timeline of the tracks, a chapter each.
    Edl,
}

impl Format {
    /// The file extension, which also names the format in a file dialog.
    pub fn extension(self) -> &'static str {
        match self {
            Format::M3u8 => "m3u8",
            Format::Xspf => "xspf",
            Format::Edl => "edl",
        }
    }

    /// By the file's extension (`.m3u8`, `.m3u`, `.xspf`, `.edl`).
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "m3u8" | "m3u" => Some(Format::M3u8),
            "xspf" => Some(Format::Xspf),
            "edl" => Some(Format::Edl),
            _ => None,
        }
    }
}

/// `track` relative to `dir` if it lies inside it.
fn relative_to(track: &Path, dir: &Path) -> Option<PathBuf> {
    track.strip_prefix(dir).ok().map(Path::to_path_buf)
}

fn display_title(e: &PlaylistEntry) -> String {
    let title = e.track.title.clone().unwrap_or_else(|| {
        Path::new(&e.track.path)
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
    });
    match &e.track.artist {
        Some(a) => format!("{a} - {title}"),
        None => title,
    }
}

/// Extended M3U: `#EXTM3U`, then per track `#EXTINF:seconds,Artist - Title` and its path.
pub fn m3u8(entries: &[PlaylistEntry], name: &str, playlist_file: &Path) -> String {
    let dir = playlist_file.parent().unwrap_or(Path::new(""));
    let mut out = String::from("#EXTM3U\n");
    out.push_str(&format!("#PLAYLIST:{}\n", one_line(name)));
    for e in entries {
        let seconds = e.track.duration_s.map_or(-1, |d| d.round() as i64);
        out.push_str(&format!(
            "#EXTINF:{seconds},{}\n",
            one_line(&display_title(e))
        ));
        if let Some(span) = &e.track.span {
            // A CUE sheet's track: VLC plays just its stretch (other players play the file).
            out.push_str(&format!("# {}\n", span_comment(span)));
            for option in vlc_options(span) {
                out.push_str(&format!("#EXTVLCOPT:{option}\n"));
            }
        }
        let track = Path::new(&e.track.path);
        let shown = relative_to(track, dir).unwrap_or_else(|| track.to_path_buf());
        out.push_str(&shown.to_string_lossy());
        out.push('\n');
    }
    out
}

/// What a player that does not know VLC's options should know of a sheet's track.
fn span_comment(span: &Span) -> String {
    let at = |s: f64| format!("{}:{:06.3}", (s / 60.0).floor() as u64, s % 60.0);
    match span.end_s {
        Some(end) => format!(
            "track {} of the file's CUE sheet: {}–{}",
            span.number,
            at(span.start_s),
            at(end)
        ),
        None => format!(
            "track {} of the file's CUE sheet: {} to the end",
            span.number,
            at(span.start_s)
        ),
    }
}

/// VLC's `start-time` / `stop-time` options (seconds) for a sheet's track.
fn vlc_options(span: &Span) -> Vec<String> {
    let mut options = vec![format!("start-time={:.3}", span.start_s)];
    if let Some(end) = span.end_s {
        options.push(format!("stop-time={end:.3}"));
    }
    options
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// A `file://` URI for an absolute path: every byte outside RFC 3986's unreserved set and "/"
/// is percent-encoded.
pub fn file_uri(path: &Path) -> String {
    let bytes = crate::paths::path_to_bytes(path);
    let mut out = String::from("file://");
    for b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// XSPF 1 with title, creator, album, duration (ms) and the file URI of each track.
pub fn xspf(entries: &[PlaylistEntry], name: &str) -> String {
    // VLC's namespace only where its options are used (CUE sheets' tracks).
    let vlc = if entries.iter().any(|e| e.track.span.is_some()) {
        " xmlns:vlc=\"http://www.videolan.org/vlc/playlist/ns/0/\""
    } else {
        ""
    };
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<playlist version=\"1\" xmlns=\"http://xspf.org/ns/0/\"{vlc}>\n",
    );
    out.push_str(&format!(
        "  <title>{}</title>\n  <creator>Segue</creator>\n  <trackList>\n",
        xml_escape(name)
    ));
    for e in entries {
        out.push_str("    <track>\n");
        out.push_str(&format!(
            "      <location>{}</location>\n",
            xml_escape(&file_uri(Path::new(&e.track.path)))
        ));
        if let Some(t) = &e.track.title {
            out.push_str(&format!("      <title>{}</title>\n", xml_escape(t)));
        }
        if let Some(a) = &e.track.artist {
            out.push_str(&format!("      <creator>{}</creator>\n", xml_escape(a)));
        }
        if let Some(a) = &e.track.album {
            out.push_str(&format!("      <album>{}</album>\n", xml_escape(a)));
        }
        if let Some(d) = e.track.duration_s {
            out.push_str(&format!(
                "      <duration>{}</duration>\n",
                (d * 1000.0).round() as i64
            ));
        }
        if let Some(span) = &e.track.span {
            out.push_str(&format!(
                "      <annotation>{}</annotation>\n",
                xml_escape(&span_comment(span))
            ));
            out.push_str(
                "      <extension application=\"http://www.videolan.org/vlc/playlist/0\">\n",
            );
            for option in vlc_options(span) {
                out.push_str(&format!("        <vlc:option>{option}</vlc:option>\n"));
            }
            out.push_str("      </extension>\n");
        }
        out.push_str("    </track>\n");
    }
    out.push_str("  </trackList>\n</playlist>\n");
    out
}

/// mpv's EDL (`# mpv EDL v0`): a segment per track — `path,start=…,length=…,title=…` for a
/// CUE sheet's track, the path alone for a whole file — which mpv plays as one timeline with
/// a chapter per track. Paths and titles are written `%bytes%text`, so commas and any other
/// character pass; a relative path is relative to the EDL's folder, as mpv reads it.
pub fn edl(entries: &[PlaylistEntry], playlist_file: &Path) -> String {
    let dir = playlist_file.parent().unwrap_or(Path::new(""));
    let escaped = |s: &str| format!("%{}%{s}", s.len());
    let mut out = String::from("# mpv EDL v0\n");
    for e in entries {
        let track = Path::new(&e.track.path);
        let shown = relative_to(track, dir).unwrap_or_else(|| track.to_path_buf());
        out.push_str(&escaped(&one_line(&shown.to_string_lossy())));
        if let Some(span) = &e.track.span {
            out.push_str(&format!(",start={:.3}", span.start_s));
            if let Some(end) = span.end_s {
                out.push_str(&format!(",length={:.3}", (end - span.start_s).max(0.0)));
            }
        }
        out.push_str(&format!(
            ",title={}\n",
            escaped(&one_line(&display_title(e)))
        ));
    }
    out
}

/// Writes the playlist to `path` in the format its extension names (atomically: temp file,
/// then rename, so a player never reads half a file).
pub fn write(entries: &[PlaylistEntry], name: &str, path: &Path) -> crate::Result<()> {
    let format = Format::from_path(path).ok_or_else(|| {
        crate::Error::InvalidRequest(format!(
            "{}: export to .m3u8, .xspf or .edl",
            path.display()
        ))
    })?;
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| crate::Error::io(path, e))?
            .join(path)
    };
    let text = match format {
        Format::M3u8 => m3u8(entries, name, &absolute),
        Format::Xspf => xspf(entries, name),
        Format::Edl => edl(entries, &absolute),
    };
    let dir = absolute.parent().unwrap_or(Path::new("/"));
    let tmp = dir.join(format!(
        ".{}.tmp",
        absolute
            .file_name()
            .map_or_else(|| "playlist".into(), |n| n.to_string_lossy().into_owned())
    ));
    std::fs::write(&tmp, text).map_err(|e| crate::Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &absolute).map_err(|e| crate::Error::io(&absolute, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, title: Option<&str>) -> PlaylistEntry {
        PlaylistEntry {
            track: crate::store::TrackSummary {
                id: 1,
                path: path.into(),
                span: None,
                title: title.map(Into::into),
                artist: Some("Ana & Bo".into()),
                album: Some("<Live>".into()),
                duration_s: Some(183.4),
                bpm: None,
                key: None,
                scale: None,
                camelot: None,
            },
            r#match: None,
            closeness: None,
            score: 0.9,
            reasons: vec![],
        }
    }

    #[test]
    fn m3u8_relative_below_absolute_elsewhere() {
        let entries = [
            entry("/music/a/One.flac", Some("One")),
            entry("/other/Two.mp3", None),
        ];
        let text = m3u8(&entries, "Mix", Path::new("/music/list.m3u8"));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "#EXTM3U");
        assert_eq!(lines[2], "#EXTINF:183,Ana & Bo - One");
        assert_eq!(lines[3], "a/One.flac");
        assert_eq!(lines[4], "#EXTINF:183,Ana & Bo - Two");
        assert_eq!(lines[5], "/other/Two.mp3");
    }

    #[test]
    fn xspf_escapes_and_encodes() {
        let text = xspf(&[entry("/music/Ça va #1.flac", Some("A < B"))], "R&B");
        assert!(text.contains("<title>R&amp;B</title>"));
        assert!(text.contains("<location>file:///music/%C3%87a%20va%20%231.flac</location>"));
        assert!(text.contains("<title>A &lt; B</title>"));
        assert!(text.contains("<creator>Ana &amp; Bo</creator>"));
        assert!(text.contains("<album>&lt;Live&gt;</album>"));
        assert!(text.contains("<duration>183400</duration>"));
    }

    /// A CUE sheet's track: the whole file for any player, its stretch for VLC's options, and
    /// a comment saying which stretch; the last track runs to the end (no stop time).
    #[test]
    fn sheet_tracks_carry_their_stretch() {
        let mut second = entry("/music/a/Album.flac", Some("Two"));
        second.track.span = Some(Span {
            number: 2,
            start_s: 252.0,
            end_s: Some(511.5),
        });
        let mut last = entry("/music/a/Album.flac", Some("Three"));
        last.track.span = Some(Span {
            number: 3,
            start_s: 511.5,
            end_s: None,
        });
        let text = m3u8(
            &[second.clone(), last.clone()],
            "Mix",
            Path::new("/music/l.m3u8"),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[2..8],
            [
                "#EXTINF:183,Ana & Bo - Two",
                "# track 2 of the file's CUE sheet: 4:12.000–8:31.500",
                "#EXTVLCOPT:start-time=252.000",
                "#EXTVLCOPT:stop-time=511.500",
                "a/Album.flac",
                "#EXTINF:183,Ana & Bo - Three",
            ]
        );
        assert_eq!(lines[9], "#EXTVLCOPT:start-time=511.500");
        assert_eq!(lines[10], "a/Album.flac", "no stop time for the last track");
        let text = xspf(&[second, last], "Mix");
        assert!(text.contains("<vlc:option>start-time=252.000</vlc:option>"));
        assert!(text.contains("<vlc:option>stop-time=511.500</vlc:option>"));
        assert_eq!(text.matches("stop-time").count(), 1);
        assert!(text.contains(
            "<annotation>track 3 of the file&apos;s CUE sheet: 8:31.500 to the end</annotation>"
        ));
    }

    /// The EDL: a sheet's track as its stretch (the last to the file's end), a whole file as
    /// its path; lengths in bytes, so commas and non-ASCII characters pass.
    #[test]
    fn edl_segments_are_stretches_and_files() {
        let mut second = entry("/music/a/Album, live.flac", Some("Two"));
        second.track.span = Some(Span {
            number: 2,
            start_s: 252.0,
            end_s: Some(511.5),
        });
        let mut last = second.clone();
        last.track.span = Some(Span {
            number: 3,
            start_s: 511.5,
            end_s: None,
        });
        let whole = entry("/other/Ça.mp3", None);
        let text = edl(&[second, last, whole], Path::new("/music/l.edl"));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "# mpv EDL v0",
                "%18%a/Album, live.flac,start=252.000,length=259.500,title=%14%Ana & Bo - Two",
                "%18%a/Album, live.flac,start=511.500,title=%14%Ana & Bo - Two",
                "%14%/other/Ça.mp3,title=%14%Ana & Bo - Ça",
            ]
        );
        assert_eq!(
            Format::from_path(Path::new("/x/Mix.EDL")),
            Some(Format::Edl)
        );
    }
}
