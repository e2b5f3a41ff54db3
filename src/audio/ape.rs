//! Monkey's Audio (`.ape`, the lossless format of many CUE-sheet album rips) for symphonia,
//! which has none: the `ape-decoder` crate decodes, wrapped as a symphonia container reader
//! and decoder so the scan, the analysis and the preview open it like any other file.
//!
//! APE frames decode independently of each other, but a frame is 1.7–6.7 s of audio: the
//! reader decodes a frame at a time and hands its PCM over in packets of [`PACKET_FRAMES`]
//! samples, and the "decoder" only turns those into symphonia's buffer. A seek lands on the
//! packet holding the time asked for (within 0.1 s, as FLAC's do; an accurate caller drops
//! the samples before it), so a preview starts where it is asked to.

use std::io::{Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

use ape_decoder::{ApeDecoder, ApeError};
use symphonia::core::audio::{
    AsAudioBufferRef, AudioBuffer, AudioBufferRef, Channels, Signal, SignalSpec,
};
use symphonia::core::codecs::{
    CodecDescriptor, CodecParameters, Decoder, DecoderOptions, FinalizeResult,
    CODEC_TYPE_MONKEYS_AUDIO,
};
use symphonia::core::errors::{decode_error, seek_error, Error, Result, SeekErrorKind};
use symphonia::core::formats::{
    Cue, FormatOptions, FormatReader, Packet, SeekMode, SeekTo, SeekedTo, Track,
};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::{Metadata, MetadataLog};
use symphonia::core::probe::{Descriptor, Instantiate, QueryDescriptor};
use symphonia::core::sample::SampleFormat;
use symphonia::core::support_codec;
use symphonia::core::units::TimeBase;

/// Samples per packet (per channel).
const PACKET_FRAMES: u64 = 4096;

/// The media source, shared between the reader (which must give it back in `into_inner`)
/// and the APE decoder (which owns what it reads from).
#[derive(Clone)]
struct SharedSource(Arc<Mutex<MediaSourceStream>>);

impl SharedSource {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut MediaSourceStream) -> std::io::Result<T>,
    ) -> std::io::Result<T> {
        let mut source = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("the APE source was poisoned"))?;
        f(&mut source)
    }
}

impl Read for SharedSource {
    /// Fills `buf` unless the file ends first: the APE decoder reads a frame with one `read`
    /// and takes a short count for a cut file, while symphonia's stream returns at most what
    /// its buffer holds.
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.with(|source| {
            let mut filled = 0;
            while filled < buf.len() {
                match source.read(&mut buf[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                    Err(e) => return Err(e),
                }
            }
            Ok(filled)
        })
    }
}

impl Seek for SharedSource {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.with(|source| source.seek(pos))
    }
}

/// A Monkey's Audio file as a symphonia container of one track.
pub struct ApeReader {
    source: SharedSource,
    decoder: ApeDecoder<SharedSource>,
    tracks: Vec<Track>,
    /// Always empty: tags are lofty's (it reads APEv2 and ID3 on APE files).
    metadata: MetadataLog,
    /// The next frame `next_packet` decodes.
    next_frame: u32,
    blocks_per_frame: u64,
    total_frames: u32,
    /// Bytes of one sample of every channel.
    block_align: usize,
    /// The decoded frame being handed out, from byte `at`, whose first sample is `pcm_ts`.
    pcm: Vec<u8>,
    at: usize,
    pcm_ts: u64,
    /// Where a seek asked the packets to start (dropped from the next frame decoded).
    resume_at: Option<u64>,
}

fn ape_error(e: ApeError) -> Error {
    match e {
        ApeError::Io(e) => Error::IoError(e),
        // A frame shorter than its seek table says: the file was cut there.
        ApeError::DecodingError("short read on frame data") => end_of_stream(),
        ApeError::UnsupportedVersion(v) => Error::Unsupported(if v < 3950 {
            "Monkey's Audio older than version 3.95"
        } else {
            "this Monkey's Audio version"
        }),
        ApeError::InvalidFormat(what) | ApeError::DecodingError(what) => Error::DecodeError(what),
        ApeError::InvalidChecksum => Error::DecodeError("an APE frame fails its checksum"),
        _ => Error::DecodeError("APE: the decoder failed"),
    }
}

fn end_of_stream() -> Error {
    Error::IoError(std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        "end of stream",
    ))
}

/// The first `n` channels of the usual order (APE stores no layout).
fn channels(n: u16) -> Option<Channels> {
    match n {
        1 => Some(Channels::FRONT_LEFT),
        2 => Some(Channels::FRONT_LEFT | Channels::FRONT_RIGHT),
        n if n <= 32 => Channels::from_bits(((1u64 << n) - 1) as u32),
        _ => None,
    }
}

impl QueryDescriptor for ApeReader {
    fn query() -> &'static [Descriptor] {
        &[Descriptor {
            short_name: "ape",
            long_name: "Monkey's Audio",
            extensions: &["ape"],
            mime_types: &["audio/x-ape", "audio/ape"],
            markers: &[b"MAC "],
            score: Self::score,
            inst: Instantiate::Format(|source, options| {
                Ok(Box::new(ApeReader::try_new(source, options)?))
            }),
        }]
    }

    fn score(_context: &[u8]) -> u8 {
        255
    }
}

impl FormatReader for ApeReader {
    fn try_new(source: MediaSourceStream, _options: &FormatOptions) -> Result<Self> {
        let source = SharedSource(Arc::new(Mutex::new(source)));
        let decoder = ApeDecoder::new(source.clone()).map_err(ape_error)?;
        let info = decoder.info().clone();
        if info.sample_rate == 0
            || info.channels == 0
            || info.blocks_per_frame == 0
            || info.block_align == 0
        {
            return Err(Error::DecodeError(
                "APE header without rate, channels or frames",
            ));
        }
        let mut params = CodecParameters::new();
        params
            .for_codec(CODEC_TYPE_MONKEYS_AUDIO)
            .with_sample_rate(info.sample_rate)
            .with_time_base(TimeBase::new(1, info.sample_rate))
            .with_n_frames(info.total_samples)
            .with_bits_per_sample(u32::from(info.bits_per_sample))
            .with_max_frames_per_packet(PACKET_FRAMES)
            .with_sample_format(if info.is_floating_point {
                SampleFormat::F32
            } else {
                SampleFormat::S32
            });
        if let Some(channels) = channels(info.channels) {
            params.with_channels(channels);
        } else {
            return Err(Error::Unsupported("more than 32 channels"));
        }
        Ok(ApeReader {
            source,
            decoder,
            tracks: vec![Track::new(0, params)],
            metadata: MetadataLog::default(),
            next_frame: 0,
            blocks_per_frame: u64::from(info.blocks_per_frame),
            total_frames: info.total_frames,
            block_align: usize::from(info.block_align),
            pcm: Vec::new(),
            at: 0,
            pcm_ts: 0,
            resume_at: None,
        })
    }

    fn cues(&self) -> &[Cue] {
        &[]
    }

    fn metadata(&mut self) -> Metadata<'_> {
        self.metadata.metadata()
    }

    fn seek(&mut self, _mode: SeekMode, to: SeekTo) -> Result<SeekedTo> {
        let rate = u64::from(self.decoder.info().sample_rate);
        let required_ts = match to {
            SeekTo::TimeStamp { ts, .. } => ts,
            SeekTo::Time { time, .. } => {
                (time.seconds as f64 * rate as f64 + time.frac * rate as f64) as u64
            }
        };
        if required_ts >= self.decoder.info().total_samples {
            return seek_error(SeekErrorKind::OutOfRange);
        }
        let frame =
            ((required_ts / self.blocks_per_frame) as u32).min(self.total_frames.saturating_sub(1));
        let frame_ts = u64::from(frame) * self.blocks_per_frame;
        let actual_ts = frame_ts + (required_ts - frame_ts) / PACKET_FRAMES * PACKET_FRAMES;
        self.next_frame = frame;
        self.pcm.clear();
        self.at = 0;
        self.resume_at = Some(actual_ts);
        Ok(SeekedTo {
            track_id: 0,
            required_ts,
            actual_ts,
        })
    }

    fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    fn next_packet(&mut self) -> Result<Packet> {
        if self.at >= self.pcm.len() {
            if let Some(damaged) = self.decode_next_frame()? {
                return Ok(damaged);
            }
        }
        let frames = ((self.pcm.len() - self.at) / self.block_align).min(PACKET_FRAMES as usize);
        let end = self.at + frames * self.block_align;
        let packet = Packet::new_from_slice(0, self.pcm_ts, frames as u64, &self.pcm[self.at..end]);
        self.at = end;
        self.pcm_ts += frames as u64;
        Ok(packet)
    }

    fn into_inner(self: Box<Self>) -> MediaSourceStream {
        let ApeReader {
            source, decoder, ..
        } = *self;
        drop(decoder);
        match Arc::try_unwrap(source.0) {
            Ok(source) => source.into_inner().unwrap_or_else(|p| p.into_inner()),
            // Not reachable (the decoder held the only other handle); an empty stream keeps
            // the signature's promise without a panic.
            Err(_) => MediaSourceStream::new(
                Box::new(std::io::Cursor::new(Vec::new())),
                MediaSourceStreamOptions::default(),
            ),
        }
    }
}

impl ApeReader {
    /// Decodes the next frame into `pcm` (from where a seek asked, if one did). A damaged
    /// frame comes back as an empty packet, which the decoder refuses: the caller counts it
    /// as a bad packet and goes on, as with any codec.
    fn decode_next_frame(&mut self) -> Result<Option<Packet>> {
        loop {
            if self.next_frame >= self.total_frames {
                return Err(end_of_stream());
            }
            let frame = self.next_frame;
            self.next_frame += 1;
            let frame_ts = u64::from(frame) * self.blocks_per_frame;
            let samples = u64::from(self.decoder.info().frame_samples(frame));
            self.pcm = match self.decoder.decode_frame(frame) {
                Ok(pcm) => pcm,
                Err(e) => match ape_error(e) {
                    Error::DecodeError(what) => {
                        tracing::debug!("APE frame {frame} does not decode: {what}");
                        self.pcm.clear();
                        self.at = 0;
                        self.resume_at = None;
                        return Ok(Some(Packet::new_from_slice(0, frame_ts, samples, &[])));
                    }
                    other => return Err(other),
                },
            };
            let skip = self
                .resume_at
                .take()
                .map_or(0, |at| at.saturating_sub(frame_ts));
            self.at = (skip as usize * self.block_align).min(self.pcm.len());
            self.pcm_ts = frame_ts + skip;
            if self.at < self.pcm.len() {
                return Ok(None);
            }
        }
    }
}

/// Turns the PCM of a decoded APE frame (little-endian, interleaved, as `ape-decoder` gives
/// it) into symphonia's planar float buffer.
pub struct ApePcmDecoder {
    params: CodecParameters,
    buffer: AudioBuffer<f32>,
    bytes_per_sample: usize,
    float: bool,
}

impl Decoder for ApePcmDecoder {
    fn try_new(params: &CodecParameters, _options: &DecoderOptions) -> Result<Self> {
        let rate = params
            .sample_rate
            .ok_or(Error::DecodeError("APE: no sample rate"))?;
        let channels = params
            .channels
            .ok_or(Error::DecodeError("APE: no channels"))?;
        let bits = params.bits_per_sample.unwrap_or(16);
        let bytes_per_sample = match bits {
            8 | 16 | 24 | 32 => (bits / 8) as usize,
            _ => return Err(Error::Unsupported("APE sample size")),
        };
        let capacity = params.max_frames_per_packet.unwrap_or(PACKET_FRAMES);
        Ok(ApePcmDecoder {
            params: params.clone(),
            buffer: AudioBuffer::new(capacity, SignalSpec::new(rate, channels)),
            bytes_per_sample,
            float: matches!(params.sample_format, Some(SampleFormat::F32)),
        })
    }

    fn supported_codecs() -> &'static [CodecDescriptor] {
        &[support_codec!(
            CODEC_TYPE_MONKEYS_AUDIO,
            "ape",
            "Monkey's Audio"
        )]
    }

    fn reset(&mut self) {}

    fn codec_params(&self) -> &CodecParameters {
        &self.params
    }

    fn decode(&mut self, packet: &Packet) -> Result<AudioBufferRef<'_>> {
        let channels = self.buffer.spec().channels.count();
        let block = channels * self.bytes_per_sample;
        let data = packet.buf();
        if data.is_empty() {
            return decode_error("APE: a damaged frame");
        }
        let frames = (data.len() / block).min(self.buffer.capacity());
        self.buffer.clear();
        self.buffer.render_reserved(Some(frames));
        let (size, float) = (self.bytes_per_sample, self.float);
        for c in 0..channels {
            let plane = self.buffer.chan_mut(c);
            for (i, out) in plane.iter_mut().enumerate() {
                let at = i * block + c * size;
                *out = sample(&data[at..at + size], float);
            }
        }
        Ok(self.buffer.as_audio_buffer_ref())
    }

    fn finalize(&mut self) -> FinalizeResult {
        FinalizeResult::default()
    }

    fn last_decoded(&self) -> AudioBufferRef<'_> {
        self.buffer.as_audio_buffer_ref()
    }
}

/// One little-endian sample as a float in [-1, 1) (8-bit APE samples are unsigned, as in WAV).
fn sample(bytes: &[u8], float: bool) -> f32 {
    match bytes {
        [b] => (f32::from(*b) - 128.0) / 128.0,
        [a, b] => f32::from(i16::from_le_bytes([*a, *b])) / 32_768.0,
        [a, b, c] => (i32::from_le_bytes([0, *a, *b, *c]) >> 8) as f32 / 8_388_608.0,
        [a, b, c, d] if float => f32::from_le_bytes([*a, *b, *c, *d]),
        [a, b, c, d] => i32::from_le_bytes([*a, *b, *c, *d]) as f32 / 2_147_483_648.0,
        _ => 0.0,
    }
}
