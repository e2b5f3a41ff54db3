//! Reading one file: identity hash, content probe (symphonia), tags and properties (lofty),
//! and a cheap check that the audio really lasts as long as the header claims.
//!
//! Everything here runs on a blocking worker thread and never panics on bad input: every
//! problem becomes a [`ReadOutcome::Failed`] with a reason a user can act on.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use lofty::config::{ParseOptions, ParsingMode};
use lofty::file::{AudioFile, TaggedFileExt};
use lofty::tag::{Accessor, ItemKey};
use symphonia::core::codecs::{self, CodecType, DecoderOptions};
use symphonia::core::formats::{FormatReader, SeekMode, SeekTo};
use symphonia::core::units::Time;
use xxhash_rust::xxh3::Xxh3;

use super::ogg::{ogg_end_of, OggEnd};
use super::sniff::{
    codec_in_header, id3v2_size, not_audio_reason, sniff_container, wav_header_problem, Container,
};
use crate::metadata::{Tags, TechInfo};

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
        tags,
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

struct Probed {
    codec: CodecType,
    sample_rate: u32,
    channels: Option<u8>,
    duration_s: Option<f64>,
    warning: Option<String>,
}

fn probe_stream(
    file: File,
    path: &Path,
    container: Container,
    head: &[u8],
) -> Result<Probed, String> {
    let mut reader = crate::audio::decode::open_format(file, path).map_err(|e| {
        match (container, codec_in_header(container, head)) {
            // The file ends within its headers, or right after them: cut short, whatever the
            // codec.
            _ if ends_in_headers(&e, container, path) => {
                "truncated: the file ends before any of its audio can be read".to_string()
            }
            (_, Some(codec)) => format!(
                "unsupported codec: {codec} inside this {} file (Segue cannot decode it)",
                container.name()
            ),
            (Container::Wav | Container::Aiff, None) => format!("bad or unsupported header: {e}"),
            (_, None) => format!("not a readable {} stream: {e}", container.name()),
        }
    })?;
    let track = reader
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != codecs::CODEC_TYPE_NULL)
        .ok_or_else(|| "no audio stream in the file".to_string())?;
    let params = track.codec_params.clone();
    let track_id = track.id;
    let codec = params.codec;
    if crate::audio::codecs::codecs().get_codec(codec).is_none() {
        return Err(format!(
            "unsupported codec: {} inside this {} file (Segue cannot decode it)",
            codec_name(codec),
            container.name()
        ));
    }
    let sample_rate = match params.sample_rate {
        Some(rate) if rate > 0 => rate,
        _ => return Err("bad header: the sample rate is missing or 0".to_string()),
    };
    let channels = params.channels.map(|c| c.count() as u8);
    if channels == Some(0) {
        return Err("bad header: 0 channels".to_string());
    }
    let claimed_s = params
        .n_frames
        .map(|frames| frames as f64 / f64::from(sample_rate));

    let mut probe = Probed {
        codec,
        sample_rate,
        channels,
        duration_s: claimed_s,
        warning: None,
    };
    // Decoding the first packet proves the stream is really what the header says.
    let mut decoder = crate::audio::codecs::codecs()
        .make(&params, &DecoderOptions::default())
        .map_err(|e| format!("cannot decode {}: {e}", codec_name(codec)))?;
    first_decodable_packet(&mut *reader, &mut *decoder, track_id)?;
    // Only where symphonia seeks exactly: its ADPCM-in-WAV seek lands past the data, which
    // would call every such (valid) file truncated.
    let seek_is_exact = container != Container::Wav || is_pcm(codec);
    if let Some(claimed) = claimed_s.filter(|_| seek_is_exact) {
        if !audio_reaches(&mut *reader, &mut *decoder, track_id, claimed) {
            probe.warning = Some(format!(
                "truncated or damaged: the header claims {}, but the audio stops before the end",
                human_duration(claimed)
            ));
            // Uncompressed audio's length follows from the size; other codecs' is known once
            // the analysis has decoded what is there.
            probe.duration_s = if is_pcm(codec) {
                pcm_duration(&params, path).or(claimed_s)
            } else {
                None
            };
        }
    }
    // An Ogg stream's length is its last page's: a cut file has no last page.
    if container == Container::Ogg && claimed_s.is_none() {
        if let Some(OggEnd {
            granule: Some(granule),
            complete,
        }) = ogg_end_of(path)
        {
            let delay = u64::from(params.delay.unwrap_or(0));
            let decodes_s = granule.saturating_sub(delay) as f64 / f64::from(sample_rate);
            probe.duration_s = Some(decodes_s);
            if !complete {
                probe.warning = Some(format!(
                    "truncated or damaged: the audio stops after {}, before the end of its stream",
                    human_duration(decodes_s)
                ));
            }
        }
    }
    Ok(probe)
}

/// True when opening failed because the file ends before its first audio: an Ogg stream with
/// no complete page past its headers, or another container whose reader ran out of bytes (an
/// Ogg reader also runs out looking for a stream it knows: a codec Segue cannot decode).
fn ends_in_headers(
    error: &symphonia::core::errors::Error,
    container: Container,
    path: &Path,
) -> bool {
    if container == Container::Ogg {
        return ogg_end_of(path).is_some_and(|end| end.granule == Some(0));
    }
    matches!(error, symphonia::core::errors::Error::IoError(e)
        if e.kind() == std::io::ErrorKind::UnexpectedEof)
}

fn first_decodable_packet(
    reader: &mut dyn FormatReader,
    decoder: &mut dyn codecs::Decoder,
    track_id: u32,
) -> Result<(), String> {
    // A few undecodable packets at the start happen (junk before the first MP3 frame).
    for _ in 0..64 {
        let packet = match reader.next_packet() {
            Ok(p) => p,
            Err(e) => return Err(format!("no audio could be read: {e}")),
        };
        if packet.track_id() != track_id {
            continue;
        }
        if decoder.decode(&packet).is_ok() {
            return Ok(());
        }
    }
    Err("no decodable audio in the first packets".to_string())
}

/// Seeks to just before the claimed end and decodes a packet there: a file cut short (or a
/// header that lies about its length) fails this.
fn audio_reaches(
    reader: &mut dyn FormatReader,
    decoder: &mut dyn codecs::Decoder,
    track_id: u32,
    claimed_s: f64,
) -> bool {
    if claimed_s < 3.0 {
        return true;
    }
    // Seeking in a cut file is where decoders meet impossible offsets (symphonia's FLAC seek
    // overflows on one); a panic here means the end is not where the header says.
    crate::panics::catch_decoder_panic(|| {
        seek_and_decode(reader, decoder, track_id, claimed_s - 1.5)
    })
    .unwrap_or(false)
}

fn seek_and_decode(
    reader: &mut dyn FormatReader,
    decoder: &mut dyn codecs::Decoder,
    track_id: u32,
    target: f64,
) -> bool {
    let seek = reader.seek(
        SeekMode::Coarse,
        SeekTo::Time {
            time: Time::new(target.trunc() as u64, target.fract()),
            track_id: Some(track_id),
        },
    );
    if seek.is_err() {
        return false;
    }
    decoder.reset();
    for _ in 0..16 {
        match reader.next_packet() {
            Ok(packet) if packet.track_id() == track_id => {
                if decoder.decode(&packet).is_ok() {
                    return true;
                }
            }
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

fn is_pcm(codec: CodecType) -> bool {
    use codecs::*;
    [
        CODEC_TYPE_PCM_S16LE,
        CODEC_TYPE_PCM_S24LE,
        CODEC_TYPE_PCM_S32LE,
        CODEC_TYPE_PCM_F32LE,
        CODEC_TYPE_PCM_F64LE,
        CODEC_TYPE_PCM_U8,
        CODEC_TYPE_PCM_S8,
        CODEC_TYPE_PCM_S16BE,
        CODEC_TYPE_PCM_S24BE,
        CODEC_TYPE_PCM_S32BE,
        CODEC_TYPE_PCM_F32BE,
        CODEC_TYPE_PCM_F64BE,
        CODEC_TYPE_PCM_ALAW,
        CODEC_TYPE_PCM_MULAW,
    ]
    .contains(&codec)
}

/// For uncompressed PCM the real length follows from the file size, whatever the header says.
fn pcm_duration(params: &codecs::CodecParameters, path: &Path) -> Option<f64> {
    let bits = params.bits_per_coded_sample.or(params.bits_per_sample)?;
    let channels = params.channels?.count() as u64;
    let rate = params.sample_rate? as u64;
    let size = std::fs::metadata(path).ok()?.len();
    let bytes_per_second = rate * channels * u64::from(bits) / 8;
    (bytes_per_second > 0).then(|| size as f64 / bytes_per_second as f64)
}

struct Props {
    duration_s: f64,
    bitrate_kbps: Option<i64>,
    channels: Option<i64>,
}

/// Tags and properties through lofty. A file whose tags cannot be parsed keeps its audio:
/// untagged is not a failure.
fn read_tags(path: &Path) -> Option<(Tags, Props)> {
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
        tags.album_artist = tag
            .get_string(&ItemKey::AlbumArtist)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        tags.track_no = tag.track().map(i64::from);
        tags.disc_no = tag.disk().map(i64::from);
        tags.year = tag.year().filter(|y| *y > 0).map(i64::from);
        tags.has_cover = !tag.pictures().is_empty();
    }
    if !tags.has_cover {
        tags.has_cover = tagged.tags().iter().any(|t| !t.pictures().is_empty());
    }
    Some((tags, props))
}

fn format_label(container: Container, codec: CodecType) -> String {
    let label = match (container, codec) {
        (Container::Flac, _) => "FLAC",
        (Container::Ogg, c) if c == codecs::CODEC_TYPE_OPUS => "Opus",
        (Container::Ogg, c) if c == codecs::CODEC_TYPE_FLAC => "Ogg FLAC",
        (Container::Ogg, _) => "Ogg Vorbis",
        (Container::Wav, _) => "WAV",
        (Container::Aiff, _) => "AIFF",
        (Container::Mp4, c) if c == codecs::CODEC_TYPE_ALAC => "ALAC",
        (Container::Mp4, _) => "AAC",
        (Container::Caf, _) => "CAF",
        (Container::Matroska, _) => "Matroska",
        (Container::Mpeg, c) if c == codecs::CODEC_TYPE_MP2 => "MP2",
        (Container::Mpeg, c) if c == codecs::CODEC_TYPE_MP1 => "MP1",
        (Container::Mpeg, _) => "MP3",
    };
    label.to_string()
}

/// A short name for any codec symphonia knows of, decodable or not.
pub fn codec_name(codec: CodecType) -> &'static str {
    if let Some(descriptor) = crate::audio::codecs::codecs().get_codec(codec) {
        return descriptor.short_name;
    }
    use codecs::*;
    match codec {
        c if c == CODEC_TYPE_OPUS => "opus",
        c if c == CODEC_TYPE_SPEEX => "speex",
        c if c == CODEC_TYPE_ADPCM_G722 => "G.722 ADPCM",
        c if c == CODEC_TYPE_ADPCM_G726 || c == CODEC_TYPE_ADPCM_G726LE => "G.726 ADPCM",
        c if c == CODEC_TYPE_MUSEPACK => "musepack",
        c if c == CODEC_TYPE_WMA => "WMA",
        c if c == CODEC_TYPE_WAVPACK => "wavpack",
        c if c == CODEC_TYPE_MONKEYS_AUDIO => "monkey's audio",
        c if c == CODEC_TYPE_TTA => "TTA",
        c if c == CODEC_TYPE_EAC3 => "E-AC-3",
        c if c == CODEC_TYPE_AC4 => "AC-4",
        c if c == CODEC_TYPE_DCA => "DTS",
        c if c == CODEC_TYPE_ATRAC1
            || c == CODEC_TYPE_ATRAC3
            || c == CODEC_TYPE_ATRAC3PLUS
            || c == CODEC_TYPE_ATRAC9 =>
        {
            "ATRAC"
        }
        _ => "an unknown codec",
    }
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
