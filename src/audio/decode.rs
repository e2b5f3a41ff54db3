//! Streaming decode: any file the scan accepts → mono `f32` at the rate an extractor needs,
//! delivered in blocks to a callback. Memory stays flat with track length: one packet, one
//! resampler chunk and one output block are alive at a time, never the whole track.

use std::fs::File;
use std::path::Path;

use rubato::{FftFixedIn, Resampler};
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{DecoderOptions, CODEC_TYPE_NULL};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::{Limit, MetadataOptions};
use symphonia::core::probe::Hint;
use symphonia::core::units::Time;

/// Input frames per resampler call: ~46 ms at 44.1 kHz, a good FFT size for rubato.
const RESAMPLE_CHUNK: usize = 2048;
/// A stream with this many undecodable packets in a row is given up.
const MAX_BAD_PACKETS_IN_A_ROW: u32 = 64;
/// The lowest source sample rate taken as audio (telephone audio is 8 kHz).
pub const MIN_SAMPLE_RATE: u32 = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("cannot open: {0}")]
    Open(#[from] std::io::Error),
    #[error("not a readable audio stream: {0}")]
    Probe(String),
    #[error("no audio stream in the file")]
    NoTrack,
    #[error("cannot decode this codec: {0}")]
    Unsupported(String),
    #[error("damaged audio: {0}")]
    Damaged(String),
    #[error("resampler: {0}")]
    Resample(String),
}

/// What a decode went through.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub source_rate: u32,
    pub channels: usize,
    /// Frames decoded from the file (at the source rate).
    pub frames_in: u64,
    /// Mono frames delivered to the sink (at the target rate).
    pub frames_out: u64,
    /// Packets skipped because they did not decode (damage in the middle of a file).
    pub bad_packets: u32,
}

impl Decoded {
    pub fn seconds(&self) -> f64 {
        self.frames_in as f64 / f64::from(self.source_rate.max(1))
    }
}

/// Opens a container with symphonia, the file's extension as a hint. Tags are read by lofty
/// elsewhere, so symphonia may not spend memory on them: a lying ID3 size field would otherwise
/// ask for hundreds of MiB.
pub(crate) fn open_format(
    file: File,
    path: &Path,
) -> Result<Box<dyn FormatReader>, SymphoniaError> {
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(&ext.to_ascii_lowercase());
    }
    let mss = MediaSourceStream::new(Box::new(file), MediaSourceStreamOptions::default());
    let metadata = MetadataOptions {
        limit_metadata_bytes: Limit::Maximum(1 << 20),
        limit_visual_bytes: Limit::Maximum(0),
    };
    let format = FormatOptions {
        enable_gapless: false,
        ..FormatOptions::default()
    };
    Ok(crate::audio::codecs::formats()
        .format(&hint, mss, &format, &metadata)?
        .format)
}

/// A file opened for decoding: its container, the first audio track's decoder, and that
/// track's id and sample rate.
pub(crate) struct OpenTrack {
    pub reader: Box<dyn FormatReader>,
    pub decoder: Box<dyn symphonia::core::codecs::Decoder>,
    pub track_id: u32,
    pub channels: usize,
    pub rate: u32,
    /// The unit of the track's timestamps (None: frames at `rate`).
    pub time_base: Option<symphonia::core::units::TimeBase>,
}

/// Opens `path`'s first audio track with the one codec registry (decode and preview share it).
pub(crate) fn open_track(path: &Path) -> Result<OpenTrack, DecodeError> {
    let file = File::open(path)?;
    let reader = open_format(file, path).map_err(|e| DecodeError::Probe(e.to_string()))?;
    let track = reader
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or(DecodeError::NoTrack)?;
    let track_id = track.id;
    let params = track.codec_params.clone();
    let decoder = crate::audio::codecs::codecs()
        .make(&params, &DecoderOptions::default())
        .map_err(|e| DecodeError::Unsupported(e.to_string()))?;
    let rate = params
        .sample_rate
        .filter(|r| *r > 0)
        .ok_or_else(|| DecodeError::Damaged("sample rate missing or 0".into()))?;
    // No audio is recorded this slowly; a header that says so is damaged or hostile, and
    // resampling from it would cost gigabytes (1 Hz to 22.05 kHz: 0.9 GB for 200 samples).
    if rate < MIN_SAMPLE_RATE {
        return Err(DecodeError::Damaged(format!(
            "the header's sample rate, {rate} Hz, is below {MIN_SAMPLE_RATE} Hz"
        )));
    }
    Ok(OpenTrack {
        reader,
        decoder,
        track_id,
        channels: params.channels.map_or(0, |c| c.count()),
        rate,
        time_base: params.time_base,
    })
}

/// The first audio track's length from its container header, when the header says
/// (most formats do; raw streams may not). Cheap: no packet is decoded.
pub fn header_duration_s(path: &Path) -> Option<f64> {
    let file = File::open(path).ok()?;
    let reader = open_format(file, path).ok()?;
    let track = reader
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)?;
    let frames = track.codec_params.n_frames?;
    let rate = track.codec_params.sample_rate.filter(|r| *r > 0)?;
    Some(frames as f64 / f64::from(rate))
}

/// Where a decode delivers its audio.
pub trait DecodeSink {
    /// Audio at the source rate and channel layout, interleaved, as decoded (for measurements
    /// that must see the real channels, such as loudness).
    fn source(&mut self, _interleaved: &[f32], _channels: usize, _rate: u32) {}
    /// Mono audio at the target rate, in consecutive blocks.
    fn mono(&mut self, block: &[f32]);
    /// False skips the mix-down and resampling (a sink that only wants the source audio).
    fn wants_mono(&self) -> bool {
        true
    }
}

/// A sink that only touches every decoded sample: decoding alone, the floor under analysis
/// (no mix-down or resampling), for the benchmarks. The sum keeps the work from being
/// optimised away.
#[cfg(feature = "harness")]
#[derive(Debug, Default)]
pub struct DecodeOnly(pub f64);

#[cfg(feature = "harness")]
impl DecodeSink for DecodeOnly {
    fn source(&mut self, interleaved: &[f32], _channels: usize, _rate: u32) {
        self.0 += interleaved.iter().map(|s| f64::from(*s)).sum::<f64>();
    }
    fn mono(&mut self, _block: &[f32]) {}
    fn wants_mono(&self) -> bool {
        false
    }
}

struct MonoOnly<F>(F);

impl<F: FnMut(&[f32])> DecodeSink for MonoOnly<F> {
    fn mono(&mut self, block: &[f32]) {
        (self.0)(block)
    }
}

/// Decodes `path` to mono at `target_rate`, calling `sink` with consecutive blocks. Stops after
/// `max_seconds` of audio when given.
pub fn decode_mono(
    path: &Path,
    target_rate: u32,
    max_seconds: Option<f64>,
    sink: impl FnMut(&[f32]),
) -> Result<Decoded, DecodeError> {
    decode(path, target_rate, max_seconds, &mut MonoOnly(sink))
}

/// Decodes `path` once, feeding `sink` both the source audio and its mono mix at `target_rate`.
pub fn decode(
    path: &Path,
    target_rate: u32,
    max_seconds: Option<f64>,
    sink: &mut impl DecodeSink,
) -> Result<Decoded, DecodeError> {
    decode_part(path, None, target_rate, max_seconds, sink)
}

/// A part of a file: from `start_s` to `end_s` (`None`: the end), in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Part {
    pub start_s: f64,
    pub end_s: Option<f64>,
}

/// [`decode`] of `part` of the file (all of it when `None`): the first frame delivered is the
/// one at `start_s`, the last the one before `end_s`.
pub fn decode_part(
    path: &Path,
    part: Option<Part>,
    target_rate: u32,
    max_seconds: Option<f64>,
    sink: &mut impl DecodeSink,
) -> Result<Decoded, DecodeError> {
    let OpenTrack {
        mut reader,
        mut decoder,
        track_id,
        channels,
        rate: source_rate,
        time_base,
    } = open_track(path)?;
    let rate = f64::from(source_rate);
    let start_s = part.map_or(0.0, |p| p.start_s.max(0.0));
    let part_s = part
        .and_then(|p| p.end_s)
        .map(|end| (end - start_s).max(0.0));
    let limit_s = match (max_seconds, part_s) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let limit_frames = limit_s.map(|s| (s.max(0.0) * rate) as u64);
    // Frames decoded before the part begins, dropped: a seek lands on a packet at or before
    // the time asked for. A file that cannot seek is decoded from its start.
    let mut skip_frames: u64 = 0;
    if start_s > 0.0 {
        let to = SeekTo::Time {
            time: Time::from(start_s),
            track_id: Some(track_id),
        };
        match reader.seek(SeekMode::Accurate, to) {
            Ok(seeked) => {
                decoder.reset();
                let early = seeked.required_ts.saturating_sub(seeked.actual_ts);
                skip_frames = match time_base {
                    Some(base) => {
                        let t = base.calc_time(early);
                        ((t.seconds as f64 + t.frac) * rate).round() as u64
                    }
                    None => early,
                };
            }
            Err(e) => {
                tracing::debug!(path = %path.display(), "seek failed, decoding from the start: {e}");
                skip_frames = (start_s * rate).round() as u64;
            }
        }
    }

    let mut out = MonoOut::new(source_rate, target_rate)?;
    let mut samples: Option<SampleBuffer<f32>> = None;
    let mut decoded = Decoded {
        source_rate,
        channels,
        frames_in: 0,
        frames_out: 0,
        bad_packets: 0,
    };
    let mut bad_in_a_row = 0;
    loop {
        if limit_frames.is_some_and(|limit| decoded.frames_in >= limit) {
            break;
        }
        let packet = match reader.next_packet() {
            Ok(p) => p,
            // The normal end of a stream, and the end of a truncated one, look alike.
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break
            }
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) if decoded.frames_in > 0 => {
                tracing::debug!(path = %path.display(), "stream ends early: {e}");
                break;
            }
            Err(e) => return Err(DecodeError::Damaged(e.to_string())),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let buffer = match decoder.decode(&packet) {
            Ok(buffer) => {
                bad_in_a_row = 0;
                buffer
            }
            Err(SymphoniaError::DecodeError(e)) => {
                decoded.bad_packets += 1;
                bad_in_a_row += 1;
                if bad_in_a_row >= MAX_BAD_PACKETS_IN_A_ROW {
                    return Err(DecodeError::Damaged(format!(
                        "{bad_in_a_row} packets in a row do not decode ({e})"
                    )));
                }
                continue;
            }
            Err(e) => return Err(DecodeError::Damaged(e.to_string())),
        };
        let spec = *buffer.spec();
        let frames = buffer.frames();
        if frames == 0 {
            continue;
        }
        let channels = spec.channels.count().max(1);
        let needed = frames * channels;
        let sample_buffer = match &mut samples {
            Some(b) if b.capacity() >= needed => b,
            slot => slot.insert(SampleBuffer::new(buffer.capacity() as u64, spec)),
        };
        sample_buffer.copy_interleaved_ref(buffer);
        let interleaved = sample_buffer.samples();
        let dropped = skip_frames.min(frames as u64) as usize;
        skip_frames -= dropped as u64;
        let available = frames - dropped;
        if available == 0 {
            continue;
        }
        let take = limit_frames.map_or(available, |limit| {
            available.min((limit - decoded.frames_in) as usize)
        });
        decoded.frames_in += take as u64;
        let block = &interleaved[dropped * channels..(dropped + take) * channels];
        sink.source(block, channels, spec.rate);
        if sink.wants_mono() {
            out.push_interleaved(block, channels, &mut |b: &[f32]| sink.mono(b))?;
        }
    }
    out.finish(&mut |b: &[f32]| sink.mono(b))?;
    decoded.frames_out = out.delivered;
    Ok(decoded)
}

/// Appends the mean of each frame's channels to `out`, as `np.mean(y, axis=0)` computes it in
/// float32 (channels summed in order, then divided by their count: MusiCNN's front end relies
/// on that). A trailing incomplete frame is ignored. Mono and stereo get loops the compiler
/// vectorises (a per-frame sum over a run-time channel count does not); halving is exact, so
/// stereo is the same division.
pub fn mix_down(interleaved: &[f32], channels: usize, out: &mut Vec<f32>) {
    match channels {
        0 => {}
        1 => out.extend_from_slice(interleaved),
        2 => {
            let (frames, _) = interleaved.as_chunks::<2>();
            out.extend(frames.iter().map(|[left, right]| (left + right) * 0.5));
        }
        n => {
            let count = n as f32;
            out.extend(
                interleaved
                    .chunks_exact(n)
                    .map(|frame| frame.iter().sum::<f32>() / count),
            );
        }
    }
}

/// Mixes down to mono and resamples, delivering blocks to the sink.
struct MonoOut {
    resampler: Option<FftFixedIn<f32>>,
    /// Mono input waiting for a full resampler chunk.
    pending: Vec<f32>,
    output: Vec<f32>,
    /// Resampler delay still to drop from the start of the output, so sample 0 out is sample 0 in.
    skip: usize,
    /// Output frames that the input implies (ratio × input), to trim the final padding.
    expected: f64,
    ratio: f64,
    delivered: u64,
}

impl MonoOut {
    fn new(source_rate: u32, target_rate: u32) -> Result<Self, DecodeError> {
        let ratio = f64::from(target_rate) / f64::from(source_rate);
        let resampler = if source_rate == target_rate {
            None
        } else {
            Some(
                FftFixedIn::<f32>::new(
                    source_rate as usize,
                    target_rate as usize,
                    RESAMPLE_CHUNK,
                    2,
                    1,
                )
                .map_err(|e| DecodeError::Resample(e.to_string()))?,
            )
        };
        let (skip, output) = match &resampler {
            Some(r) => (r.output_delay(), vec![0.0; r.output_frames_max()]),
            None => (0, Vec::new()),
        };
        Ok(MonoOut {
            resampler,
            pending: Vec::with_capacity(RESAMPLE_CHUNK * 2),
            output,
            skip,
            expected: 0.0,
            ratio,
            delivered: 0,
        })
    }

    fn push_interleaved(
        &mut self,
        interleaved: &[f32],
        channels: usize,
        sink: &mut impl FnMut(&[f32]),
    ) -> Result<(), DecodeError> {
        if self.resampler.is_none() {
            // Same rate: mono blocks go straight out, in slices of the pending buffer.
            self.pending.clear();
            mix_down(interleaved, channels, &mut self.pending);
            self.delivered += self.pending.len() as u64;
            sink(&self.pending);
            return Ok(());
        }
        mix_down(interleaved, channels, &mut self.pending);
        self.expected += (interleaved.len() / channels) as f64 * self.ratio;
        while self.pending.len() >= RESAMPLE_CHUNK {
            self.run_chunk(RESAMPLE_CHUNK, sink)?;
        }
        Ok(())
    }

    fn run_chunk(&mut self, take: usize, sink: &mut impl FnMut(&[f32])) -> Result<(), DecodeError> {
        let Some(resampler) = self.resampler.as_mut() else {
            return Ok(());
        };
        let produced = if take == RESAMPLE_CHUNK {
            let (_, produced) = resampler
                .process_into_buffer(&[&self.pending[..take]], &mut [&mut self.output[..]], None)
                .map_err(|e| DecodeError::Resample(e.to_string()))?;
            produced
        } else {
            let input = [&self.pending[..take]];
            let (_, produced) = resampler
                .process_partial_into_buffer(
                    if take > 0 { Some(&input[..]) } else { None },
                    &mut [&mut self.output[..]],
                    None,
                )
                .map_err(|e| DecodeError::Resample(e.to_string()))?;
            produced
        };
        self.pending.drain(..take);
        let skip = self.skip.min(produced);
        self.skip -= skip;
        // Never deliver more than the input implies: the tail of the last chunk is padding.
        let room = (self.expected.round() as u64).saturating_sub(self.delivered) as usize;
        let end = produced.min(skip + room);
        if end > skip {
            sink(&self.output[skip..end]);
            self.delivered += (end - skip) as u64;
        }
        Ok(())
    }

    fn finish(&mut self, sink: &mut impl FnMut(&[f32])) -> Result<(), DecodeError> {
        if self.resampler.is_none() {
            return Ok(());
        }
        let rest = self.pending.len();
        self.run_chunk(rest, sink)?;
        // Flush the resampler's delay line until everything the input implies is out.
        let mut guard = 0;
        while (self.delivered as f64) < self.expected.round() - 0.5 && guard < 8 {
            self.run_chunk(0, sink)?;
            guard += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::encode::{write_flac, write_wav};
    use crate::audio::synth;

    /// Frequency from zero crossings (good enough for a clean sine).
    fn frequency(samples: &[f32], rate: u32) -> f32 {
        let crossings = samples
            .windows(2)
            .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
            .count();
        crossings as f32 / (samples.len() as f32 / rate as f32)
    }

    fn decode_all(path: &Path, rate: u32) -> (Vec<f32>, Decoded) {
        let mut all = Vec::new();
        let info =
            decode_mono(path, rate, None, |block| all.extend_from_slice(block)).expect("decode");
        (all, info)
    }

    #[test]
    fn resamples_keeping_length_and_pitch() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a440.wav");
        write_wav(&path, 44_100, &synth::sine(44_100, 3.0, 440.0, 0.5)).expect("wav");
        for target in [22_050, 16_000, 11_025, 48_000] {
            let (samples, info) = decode_all(&path, target);
            assert_eq!(info.source_rate, 44_100);
            assert_eq!(info.frames_in, 132_300);
            let expected = 3.0 * target as f32;
            assert!(
                (samples.len() as f32 - expected).abs() <= 2.0,
                "{target}: {} vs {expected}",
                samples.len()
            );
            assert_eq!(info.frames_out as usize, samples.len());
            let mid = &samples[target as usize / 2..samples.len() - target as usize / 2];
            let hz = frequency(mid, target);
            assert!((hz - 440.0).abs() < 1.5, "{target}: {hz} Hz");
            // The resampler's delay is removed: the tone starts at the start.
            assert!(
                samples[..target as usize / 20]
                    .iter()
                    .any(|s| s.abs() > 0.3),
                "{target}: late start"
            );
        }
    }

    #[test]
    fn same_rate_passes_through_and_flac_decodes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tone.flac");
        let tone = synth::sine(22_050, 2.0, 330.0, 0.5);
        write_flac(&path, 22_050, &tone).expect("flac");
        let (samples, info) = decode_all(&path, 22_050);
        assert_eq!(samples.len(), tone.len());
        assert_eq!(info.frames_out as usize, tone.len());
        let max_err = samples
            .iter()
            .zip(&tone)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(max_err < 1e-4, "lossless round trip, error {max_err}");
    }

    #[test]
    fn stops_at_the_limit_and_rejects_garbage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("long.wav");
        write_wav(&path, 8_000, &synth::sine(8_000, 10.0, 200.0, 0.5)).expect("wav");
        let mut n = 0;
        let info = decode_mono(&path, 8_000, Some(2.5), |b| n += b.len()).expect("decode");
        assert_eq!(info.frames_in, 20_000);
        assert_eq!(n, 20_000);
        let junk = dir.path().join("junk.wav");
        std::fs::write(&junk, b"RIFF garbage that is not a wave file at all").expect("write");
        assert!(matches!(
            decode_mono(&junk, 8_000, None, |_| {}),
            Err(DecodeError::Probe(_))
        ));
        assert!(matches!(
            decode_mono(&dir.path().join("missing.wav"), 8_000, None, |_| {}),
            Err(DecodeError::Open(_))
        ));
    }

    #[test]
    fn a_header_rate_below_1_khz_is_damaged_not_resampled() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("one_hertz.wav");
        write_wav(&path, 1, &synth::sine(8_000, 0.025, 200.0, 0.5)).expect("wav");
        match decode_mono(&path, 22_050, None, |_| {}) {
            Err(DecodeError::Damaged(reason)) => assert!(reason.contains("1 Hz"), "{reason}"),
            other => panic!("{other:?}"),
        }
        let ok = dir.path().join("low_but_real.wav");
        write_wav(
            &ok,
            MIN_SAMPLE_RATE,
            &synth::sine(MIN_SAMPLE_RATE, 1.0, 100.0, 0.5),
        )
        .expect("wav");
        assert!(decode_mono(&ok, 22_050, None, |_| {}).is_ok());
    }
}
