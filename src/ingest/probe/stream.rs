//! The stream, through symphonia: open the container, find the audio track, refuse codecs
//! Segue cannot decode (naming them), decode the first packet to prove the stream is what the
//! header says, and seek to just before the claimed end to catch cut files; plus the names of
//! formats and codecs shown to the user.

use super::ogg::{ogg_end_of, OggEnd};
use std::fs::File;
use std::path::Path;

use symphonia::core::codecs::{self, CodecType, DecoderOptions};
use symphonia::core::formats::{FormatReader, SeekMode, SeekTo};
use symphonia::core::units::Time;

use super::human_duration;
use super::sniff::{codec_in_header, Container};

pub(super) struct Probed {
    pub(super) codec: CodecType,
    pub(super) sample_rate: u32,
    pub(super) channels: Option<u8>,
    pub(super) duration_s: Option<f64>,
    pub(super) warning: Option<String>,
}

pub(super) fn probe_stream(
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
    let mut refused = None;
    for _ in 0..64 {
        let packet = match reader.next_packet() {
            Ok(p) => p,
            // A stream whose every packet was refused ends: say why they were.
            Err(e) => {
                return Err(match refused {
                    Some(why) => format!("damaged: no packet decodes ({why})"),
                    None => format!("no audio could be read: {e}"),
                })
            }
        };
        if packet.track_id() != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(_) => return Ok(()),
            Err(e) => refused = Some(e.to_string()),
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

pub(super) fn format_label(container: Container, codec: CodecType) -> String {
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
        (Container::Ape, _) => "APE",
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
