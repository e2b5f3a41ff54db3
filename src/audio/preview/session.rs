//! Decoding one preview: symphonia reads and decodes the file from where the preview starts,
//! rubato resamples it to the device's rate, and the interleaved result goes into the ring.

use std::path::Path;

use ringbuf::traits::{Observer, Producer};
use ringbuf::HeapProd;
use rubato::{FftFixedIn, Resampler};
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::Decoder;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatReader, SeekMode, SeekTo};
use symphonia::core::units::Time;

use crate::audio::decode::DecodeError;

/// One open file being decoded for preview, resampled to the device's format.
pub(super) struct Session {
    reader: Box<dyn FormatReader>,
    decoder: Box<dyn Decoder>,
    track_id: u32,
    out_channels: usize,
    resampler: Option<FftFixedIn<f32>>,
    /// Planar input waiting for a full resampler chunk, per output channel.
    pending: Vec<Vec<f32>>,
    samples: Option<SampleBuffer<f32>>,
    /// Interleaved output ready for the ring.
    ready: Vec<f32>,
    ready_at: usize,
    /// Resampler delay still to drop, in output frames: the preview starts on its first sample.
    skip: usize,
    /// Output frames still to deliver (None: to the end).
    remaining: Option<u64>,
    pub(super) done: bool,
}

const CHUNK: usize = 1024;

impl Session {
    pub(super) fn open(
        path: &Path,
        from_s: f64,
        seconds: Option<f64>,
        rate: u32,
        channels: usize,
    ) -> Result<Session, DecodeError> {
        let crate::audio::decode::OpenTrack {
            mut reader,
            decoder,
            track_id,
            rate: source_rate,
            ..
        } = crate::audio::decode::open_track(path)?;
        if from_s > 0.0 {
            // A failed seek (a stream without an index, say) plays from the start.
            let to = SeekTo::Time {
                time: Time::from(from_s),
                track_id: Some(track_id),
            };
            if let Err(e) = reader.seek(SeekMode::Coarse, to) {
                tracing::debug!(path = %path.display(), "seek failed: {e}");
            }
        }
        let resampler: Option<FftFixedIn<f32>> = if source_rate == rate {
            None
        } else {
            Some(
                FftFixedIn::<f32>::new(source_rate as usize, rate as usize, CHUNK, 2, channels)
                    .map_err(|e| DecodeError::Resample(e.to_string()))?,
            )
        };
        let resampler_delay = resampler.as_ref().map_or(0, |r| r.output_delay());
        Ok(Session {
            reader,
            decoder,
            track_id,
            out_channels: channels,
            resampler,
            pending: vec![Vec::with_capacity(CHUNK * 2); channels],
            samples: None,
            ready: Vec::new(),
            ready_at: 0,
            skip: resampler_delay,
            remaining: seconds.map(|s| (s.max(0.0) * f64::from(rate)) as u64),
            done: false,
        })
    }

    /// Decodes one packet into `ready` (resampled, interleaved). False at the end.
    fn decode_some(&mut self) -> Result<bool, DecodeError> {
        let packet = match self.reader.next_packet() {
            Ok(p) => p,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Ok(false)
            }
            Err(SymphoniaError::ResetRequired) => return Ok(false),
            Err(e) => return Err(DecodeError::Damaged(e.to_string())),
        };
        if packet.track_id() != self.track_id {
            return Ok(true);
        }
        let buffer = match self.decoder.decode(&packet) {
            Ok(b) => b,
            Err(SymphoniaError::DecodeError(_)) => return Ok(true),
            Err(e) => return Err(DecodeError::Damaged(e.to_string())),
        };
        let spec = *buffer.spec();
        let frames = buffer.frames();
        if frames == 0 {
            return Ok(true);
        }
        let in_channels = spec.channels.count().max(1);
        let needed = frames * in_channels;
        let sb = match &mut self.samples {
            Some(b) if b.capacity() >= needed => b,
            slot => slot.insert(SampleBuffer::new(buffer.capacity() as u64, spec)),
        };
        sb.copy_interleaved_ref(buffer);
        let interleaved = sb.samples();
        // Channel map: mono goes to every output; otherwise output i takes input i (the last
        // input repeats if the device has more channels).
        for frame in interleaved.chunks_exact(in_channels) {
            for (c, pending) in self.pending.iter_mut().enumerate() {
                let x = if in_channels == 1 {
                    frame[0]
                } else {
                    frame[c.min(in_channels - 1)]
                };
                pending.push(x);
            }
        }
        self.flush_pending(false)?;
        Ok(true)
    }

    fn flush_pending(&mut self, last: bool) -> Result<(), DecodeError> {
        let channels = self.out_channels;
        match &mut self.resampler {
            None => {
                let n = self.pending[0].len();
                for i in 0..n {
                    for c in 0..channels {
                        self.ready.push(self.pending[c][i]);
                    }
                }
                for p in &mut self.pending {
                    p.clear();
                }
            }
            Some(resampler) => loop {
                let need = resampler.input_frames_next();
                let have = self.pending[0].len();
                if have < need && !(last && have > 0) {
                    break;
                }
                if have < need {
                    for p in &mut self.pending {
                        p.resize(need, 0.0);
                    }
                }
                let input: Vec<&[f32]> = self.pending.iter().map(|p| &p[..need]).collect();
                let out = resampler
                    .process(&input, None)
                    .map_err(|e| DecodeError::Resample(e.to_string()))?;
                let skip = self.skip.min(out[0].len());
                self.skip -= skip;
                for i in skip..out[0].len() {
                    for ch in out.iter().take(channels) {
                        self.ready.push(ch[i]);
                    }
                }
                for p in &mut self.pending {
                    p.drain(..need);
                }
            },
        }
        Ok(())
    }

    /// Pushes as much ready audio as the ring takes; decodes more when it runs out.
    pub(super) fn fill(&mut self, ring: &mut HeapProd<f32>) -> Result<(), DecodeError> {
        while !self.done && ring.vacant_len() >= self.out_channels {
            if self.ready_at >= self.ready.len() {
                self.ready.clear();
                self.ready_at = 0;
                if !self.decode_some()? {
                    self.flush_pending(true)?;
                    if self.ready.is_empty() {
                        self.done = true;
                        break;
                    }
                }
                continue;
            }
            let mut slice = &self.ready[self.ready_at..];
            if let Some(remaining) = self.remaining {
                let max = (remaining as usize) * self.out_channels;
                if max == 0 {
                    self.done = true;
                    break;
                }
                slice = &slice[..slice.len().min(max)];
            }
            // Whole frames only, so channels never slip.
            let room = ring.vacant_len() / self.out_channels * self.out_channels;
            let pushed = ring.push_slice(&slice[..slice.len().min(room)]);
            self.ready_at += pushed;
            if let Some(r) = &mut self.remaining {
                *r -= (pushed / self.out_channels) as u64;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use ringbuf::traits::{Consumer, Split};
    use ringbuf::HeapRb;

    use super::*;

    /// Upward swings through ±0.1: cycles of a tone, blind to noise around zero.
    fn cycles(x: &[f32]) -> usize {
        let mut low = false;
        let mut n = 0;
        for &v in x {
            if v < -0.1 {
                low = true;
            } else if v > 0.1 && low {
                low = false;
                n += 1;
            }
        }
        n
    }

    #[test]
    fn session_resamples_to_the_device_rate_and_channels() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tone.wav");
        let rate = 44_100u32;
        let samples: Vec<f32> = (0..rate * 2)
            .map(|i| 0.5 * (std::f32::consts::TAU * 440.0 * i as f32 / rate as f32).sin())
            .collect();
        crate::audio::encode::write_wav(&path, rate, &samples).expect("wav");
        let mut session = Session::open(&path, 0.5, Some(1.0), 48_000, 2).expect("open");
        let (mut prod, mut cons) = HeapRb::<f32>::new(48_000 * 4).split();
        while !session.done {
            session.fill(&mut prod).expect("fill");
        }
        let mut out = vec![0.0f32; cons.occupied_len()];
        cons.pop_slice(&mut out);
        // One second at 48 kHz, stereo, both channels equal.
        assert_eq!(out.len(), 48_000 * 2);
        assert!(out.chunks_exact(2).all(|f| (f[0] - f[1]).abs() < 1e-6));
        // Still 440 Hz, from the first sample (the resampler's delay is trimmed): count the
        // cycles of the left channel.
        let left: Vec<f32> = out.chunks_exact(2).map(|f| f[0]).collect();
        assert!(
            left[..48].iter().any(|x| x.abs() > 0.2),
            "no silent lead-in"
        );
        let crossings = cycles(&left);
        assert!(
            (438..=442).contains(&crossings),
            "{crossings} upward crossings in 1 s"
        );
    }
}
