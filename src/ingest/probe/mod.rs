//! Reading one file: identity hash, content probe (symphonia), tags and properties (lofty),
//! and a cheap check that the audio really lasts as long as the header claims.
//!
//! Everything here runs on a blocking worker thread and never panics on bad input: every
//! problem becomes a [`ReadOutcome::Failed`] with a reason a user can act on.
//!
//! This module reads the file and puts the answer together (the identity hash, the checks that
//! need the file's size, the duration and bitrate fixes); `sniff` recognises the container
//! from the first bytes, `stream` probes and test-decodes the stream with symphonia, `tags`
//! reads tags and properties with lofty.

mod ogg;
mod sniff;
mod stream;
mod tags;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use xxhash_rust::xxh3::Xxh3;

use crate::metadata::{Tags, TechInfo};
use sniff::{id3v2_size, not_audio_reason, sniff_container, wav_header_problem, Container};
pub use stream::codec_name;
use stream::{format_label, probe_stream};
use tags::read_tags;

/// Bytes hashed at each end of a file for its identity.
const HASH_SPAN: u64 = 64 * 1024;

/// What reading a file gave.
#[derive(Debug)]
pub enum ReadOutcome {
    Audio(Box<ReadAudio>),
    /// A file that should be audio (by its name) but cannot be taken in.
    Failed(String),
    /// A file of unknown type whose content is not audio either: quietly ignored.
    NotAudio,
}

/// An audio file as read.
#[derive(Debug)]
pub struct ReadAudio {
    pub partial_hash: i64,
    pub tags: Tags,
    pub tech: TechInfo,
    /// Damage that still leaves the file playable (e.g. truncated).
    pub warning: Option<String>,
}

/// Reads `path`. `expect_audio` is true when the name says audio (so a failure is reported);
/// false for files of unknown type that are only sniffed.
///
/// Decoders are third-party code fed hostile input; a panic in one (seen in symphonia on a
/// WAV with sample rate 0 and on seeking in some cut FLACs) becomes this file's failure instead
/// of taking the scan down.
pub fn read_file(path: &Path, size: u64, expect_audio: bool) -> ReadOutcome {
    match crate::panics::catch_decoder_panic(|| read_file_unguarded(path, size, expect_audio)) {
        Ok(outcome) => outcome,
        Err(what) => {
            tracing::warn!(path = %path.display(), "decoder panicked: {what}");
            if expect_audio {
                ReadOutcome::Failed(format!(
                    "damaged or malformed: the decoder gave up ({what})"
                ))
            } else {
                ReadOutcome::NotAudio
            }
        }
    }
}

fn read_file_unguarded(path: &Path, size: u64, expect_audio: bool) -> ReadOutcome {
    let fail = |reason: String| {
        if expect_audio {
            ReadOutcome::Failed(reason)
        } else {
            ReadOutcome::NotAudio
        }
    };
    if size == 0 {
        return fail("empty file (0 bytes)".into());
    }
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return fail(format!("cannot open: {}", io_reason(&e))),
    };
    let (partial_hash, head) = match identity_hash(&mut file, size) {
        Ok(h) => h,
        Err(e) => return fail(format!("cannot read: {}", io_reason(&e))),
    };
    let Some(container) = sniff_container(&head) else {
        return fail(not_audio_reason(&head));
    };

    if container == Container::Wav {
        if let Some(reason) = wav_header_problem(&head) {
            return fail(reason);
        }
    }
    if let Some(tag_size) = id3v2_size(&head) {
        if tag_size == size {
            return fail("no audio: the file holds only an ID3 tag".to_string());
        }
        if tag_size > size {
            return fail(format!(
                "bad ID3 tag: it claims {:.1} MB in a file of {:.1} MB",
                tag_size as f64 / 1e6,
                size as f64 / 1e6
            ));
        }
    }
    let probed = match probe_stream(file, path, container, &head) {
        Ok(p) => p,
        Err(reason) => return fail(reason),
    };
    let tags_and_props = read_tags(path);

    let mut tech = TechInfo {
        format: format_label(container, probed.codec),
        codec: Some(codec_name(probed.codec).to_string()),
        duration_s: probed.duration_s,
        sample_rate: Some(i64::from(probed.sample_rate)),
        channels: probed.channels.map(i64::from),
        bitrate_kbps: None,
    };
    let mut tags = Tags::default();
    if let Some((t, props)) = tags_and_props {
        tags = t;
        // lofty reads durations from headers more precisely for VBR MP3 and MP4.
        if props.duration_s > 0.0 && probed.warning.is_none() {
            tech.duration_s = Some(props.duration_s);
        }
        tech.bitrate_kbps = props.bitrate_kbps;
        if tech.channels.is_none() {
            tech.channels = props.channels;
        }
    }
    let mut warning = probed.warning;
    // symphonia takes a CBR MP3's length from its size, so a cut file looks whole to it; the
    // LAME/Xing header (read by lofty) still says how long it was. More claimed audio than
    // the bytes can hold at the stated bitrate means the file was cut.
    if warning.is_none() && container == Container::Mpeg {
        if let (Some(claimed), Some(kbps)) = (tech.duration_s, tech.bitrate_kbps.filter(|k| *k > 0))
        {
            let holds_s = size as f64 * 8.0 / (kbps as f64 * 1000.0);
            if claimed > holds_s * 1.25 && claimed - holds_s > 1.0 {
                warning = Some(format!(
                    "truncated or damaged: the header claims {}, but the file holds about {}",
                    human_duration(claimed),
                    human_duration(holds_s)
                ));
                tech.duration_s = Some(holds_s);
            }
        }
    }
    if tech.bitrate_kbps.is_none() {
        if let Some(d) = tech.duration_s.filter(|d| *d > 0.5) {
            tech.bitrate_kbps = Some((size as f64 * 8.0 / d / 1000.0).round() as i64);
        }
    }
    ReadOutcome::Audio(Box::new(ReadAudio {
        partial_hash,
        // What the library shows, sorts and groups by: missing names filled from other tags,
        // the folder, the file name.
        tags: tags.with_fallbacks(path),
        tech,
        warning,
    }))
}

/// xxh3 of the size and the first and last 64 KiB: a fast fingerprint that recognises a moved
/// file and notices most edits (tags live at the ends). Also returns the head for sniffing.
fn identity_hash(file: &mut File, size: u64) -> std::io::Result<(i64, Vec<u8>)> {
    let mut hasher = Xxh3::new();
    hasher.update(&size.to_le_bytes());
    let mut head = Vec::with_capacity(HASH_SPAN.min(size) as usize);
    file.by_ref().take(HASH_SPAN).read_to_end(&mut head)?;
    hasher.update(&head);
    if size > HASH_SPAN {
        let tail_start = size.saturating_sub(HASH_SPAN).max(HASH_SPAN);
        file.seek(SeekFrom::Start(tail_start))?;
        let mut tail = Vec::with_capacity((size - tail_start) as usize);
        file.by_ref().take(HASH_SPAN).read_to_end(&mut tail)?;
        hasher.update(&tail);
    }
    file.seek(SeekFrom::Start(0))?;
    // Stored as SQLite's signed 64-bit integer; the bit pattern is what matters.
    Ok((hasher.digest() as i64, head))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::NotFound => "the file disappeared".to_string(),
        _ => e.to_string(),
    }
}

/// "3:07" or "1:02:03".
pub fn human_duration(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(0.0), "0:00");
        assert_eq!(human_duration(187.4), "3:07");
        assert_eq!(human_duration(3723.0), "1:02:03");
    }
}
