//! Output shared by the command groups: JSON documents and the columns of track tables.

use anyhow::Result;
use segue::playlist::{Closeness, PlaylistEntry};
use serde::Serialize;

/// Prints a value as the pretty JSON every `--json` flag prints.
pub fn json(value: &impl Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// `s` cut to `width` characters, with an ellipsis when it was longer.
pub fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(width - 1).collect();
        out.push('…');
        out
    }
}

/// A track's title, or its file name when it has none (as the app shows it).
pub fn shown_title(title: &Option<String>, path: &str) -> String {
    title.clone().unwrap_or_else(|| {
        std::path::Path::new(path)
            .file_stem()
            .map_or_else(|| "—".to_string(), |s| s.to_string_lossy().into_owned())
    })
}

/// An artist (or album) column: the name or a dash.
pub fn or_dash(value: Option<&str>) -> &str {
    value.unwrap_or("—")
}

/// A tempo column: whole BPM or a dash.
pub fn bpm(bpm: Option<f64>) -> String {
    bpm.map_or("—".to_string(), |b| format!("{b:.0}"))
}

/// A key column: "F#m", "Eb", or a dash.
pub fn key(key: Option<&str>, scale: Option<&str>) -> String {
    match (key, scale) {
        (Some(k), Some("minor")) => format!("{k}m"),
        (Some(k), _) => k.to_string(),
        _ => "—".to_string(),
    }
}

/// A similarity as the tables show it: the library-calibrated match in words and percent
/// ("very close 99%"; the raw cosine is in the JSON), or the cosine where the library is too
/// small to calibrate.
pub fn similarity(r#match: Option<f32>, closeness: Option<Closeness>, score: f32) -> String {
    match (r#match, closeness) {
        // Whole percents rounded down: a match just under the floor never reads as on it.
        (Some(m), Some(c)) => format!("{:<10} {:>3.0}%", c.as_str(), (m * 100.0).floor()),
        _ => format!("{:<10} {:>3.0}%", "cosine", score.max(0.0) * 100.0),
    }
}

/// Playlist tracks: JSON `[{id, path, title, artist, bpm, key, camelot, score, reasons…}]`, or
/// a table.
pub fn entries(entries: &[PlaylistEntry], as_json: bool) -> Result<()> {
    if as_json {
        return json(&entries);
    }
    for (i, e) in entries.iter().enumerate() {
        println!(
            "{:>3}. {}  {:<30}  {:<20}  {:>5}  {:<4}  {}",
            i + 1,
            similarity(e.r#match, e.closeness, e.score),
            clip(&shown_title(&e.track.title, &e.track.path), 30),
            clip(or_dash(e.track.artist.as_deref()), 20),
            bpm(e.track.bpm),
            e.track.camelot.as_deref().unwrap_or("—"),
            e.reasons.join(" · ")
        );
    }
    Ok(())
}
