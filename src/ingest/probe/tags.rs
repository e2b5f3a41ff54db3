//! Tags and audio properties through lofty (relaxed parsing): title, artists, album, genre,
//! numbers, year, cover, and the duration, bitrate and channels its header parsers give. A
//! file whose tags cannot be parsed keeps its audio: untagged is not a failure.

use std::path::Path;

use lofty::config::{ParseOptions, ParsingMode};
use lofty::file::{AudioFile, TaggedFileExt};
use lofty::tag::{Accessor, ItemKey};

use crate::metadata::Tags;

pub(super) struct Props {
    pub(super) duration_s: f64,
    pub(super) bitrate_kbps: Option<i64>,
    pub(super) channels: Option<i64>,
}

/// Tags and properties through lofty. A file whose tags cannot be parsed keeps its audio:
/// untagged is not a failure.
pub(super) fn read_tags(path: &Path) -> Option<(Tags, Props)> {
    let mut options = ParseOptions::new();
    options.parsing_mode(ParsingMode::Relaxed);
    let tagged = lofty::probe::Probe::open(path)
        .ok()?
        .options(options)
        .guess_file_type()
        .ok()?
        .read()
        .map_err(|e| tracing::debug!(path = %path.display(), "tags unreadable: {e}"))
        .ok()?;
    let props = tagged.properties();
    let props = Props {
        duration_s: props.duration().as_secs_f64(),
        bitrate_kbps: props
            .audio_bitrate()
            .or(props.overall_bitrate())
            .filter(|b| *b > 0)
            .map(i64::from),
        channels: props.channels().filter(|c| *c > 0).map(i64::from),
    };
    let mut tags = Tags::default();
    if let Some(tag) = tagged.primary_tag().or_else(|| tagged.first_tag()) {
        let text = |s: Option<std::borrow::Cow<'_, str>>| {
            s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
        };
        tags.title = text(tag.title());
        tags.artist = text(tag.artist());
        tags.album = text(tag.album());
        tags.genre = text(tag.genre());
        let item = |key: &ItemKey| {
            tag.get_string(key)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        tags.album_artist = item(&ItemKey::AlbumArtist);
        tags.composer = item(&ItemKey::Composer);
        tags.performer = item(&ItemKey::Performer);
        tags.track_no = tag.track().map(i64::from);
        tags.disc_no = tag.disk().map(i64::from);
        tags.year = tag.year().filter(|y| *y > 0).map(i64::from);
        tags.has_cover = !tag.pictures().is_empty();
        // FLAC's `CUESHEET` comment, APEv2's `Cuesheet` item (rippers spell it either way;
        // APE keys are case-insensitive).
        tags.cue_sheet = tag
            .items()
            .find(|item| {
                matches!(item.key(), ItemKey::Unknown(key) if key.eq_ignore_ascii_case("cuesheet"))
            })
            .and_then(|item| item.value().text())
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string);
    }
    if !tags.has_cover {
        tags.has_cover = tagged.tags().iter().any(|t| !t.pictures().is_empty());
    }
    Some((tags, props))
}
