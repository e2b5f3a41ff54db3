//! Onset strength: how much new energy each short frame brings, the input to tempo estimation.
//! Computed as log-compressed spectral flux over a streaming STFT, so a track is never held whole:
//! only the envelope (86 values per second) is kept.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

/// FFT size: 46 ms at 22.05 kHz, fine enough in time for drum hits, coarse enough in frequency.
pub const FRAME: usize = 1024;
/// Hop between frames: 11.6 ms at 22.05 kHz (86.1 frames per second).
pub const HOP: usize = 256;
/// Log compression of magnitudes before differencing: loud and quiet onsets count alike.
const COMPRESSION: f32 = 1000.0;
/// Bins of the low band (up to ~260 Hz at 22.05 kHz): kick and snare bodies, bass notes.
/// Hi-hats flood the full-band flux; the low band tells which pulse level carries the beat.
pub const LOW_BINS: usize = 12;
/// Milder compression for the low band: a snare body still counts next to a kick, the faint
/// low end of a hi-hat does not.
const LOW_COMPRESSION: f32 = 4.0;

/// Onset strength in the full band and in the low band, one value per hop.
#[derive(Debug, Clone, Default)]
pub struct Envelope {
    pub full: Vec<f32>,
    pub low: Vec<f32>,
}

/// Streams samples in, onset strength values out (one per hop).
pub struct OnsetDetector {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    /// Samples not yet consumed by a full frame.
    buffer: Vec<f32>,
    frame: Vec<f32>,
    spectrum: Vec<realfft::num_complex::Complex<f32>>,
    scratch: Vec<realfft::num_complex::Complex<f32>>,
    previous: Vec<f32>,
    current: Vec<f32>,
    previous_low: Vec<f32>,
    envelope: Envelope,
    frames: usize,
}

impl Default for OnsetDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl OnsetDetector {
    pub fn new() -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FRAME);
        let window = (0..FRAME)
            .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / FRAME as f32).cos())
            .collect();
        let spectrum = fft.make_output_vec();
        let scratch = fft.make_scratch_vec();
        let bins = spectrum.len();
        OnsetDetector {
            fft,
            window,
            buffer: Vec::with_capacity(FRAME * 4),
            frame: vec![0.0; FRAME],
            spectrum,
            scratch,
            previous: vec![0.0; bins],
            previous_low: vec![0.0; LOW_BINS],
            current: vec![0.0; bins],
            envelope: Envelope::default(),
            frames: 0,
        }
    }

    /// Feeds mono samples at [`super::ANALYSIS_RATE`].
    pub fn push(&mut self, samples: &[f32]) {
        self.buffer.extend_from_slice(samples);
        let mut start = 0;
        while self.buffer.len() - start >= FRAME {
            for (i, (out, w)) in self.frame.iter_mut().zip(&self.window).enumerate() {
                *out = self.buffer[start + i] * w;
            }
            self.process_frame();
            start += HOP;
        }
        self.buffer.drain(..start);
    }

    fn process_frame(&mut self) {
        if self
            .fft
            .process_with_scratch(&mut self.frame, &mut self.spectrum, &mut self.scratch)
            .is_err()
        {
            // Cannot happen with buffers made by the plan; a silent frame keeps the timeline.
            self.envelope.full.push(0.0);
            self.envelope.low.push(0.0);
            return;
        }
        for (c, s) in self.current.iter_mut().zip(&self.spectrum) {
            *c = (1.0 + COMPRESSION * s.norm()).ln();
        }
        let rise = |range: std::ops::Range<usize>| -> f32 {
            if self.frames == 0 {
                return 0.0;
            }
            let flux: f32 = self.current[range.clone()]
                .iter()
                .zip(&self.previous[range])
                .map(|(c, p)| (c - p).max(0.0))
                .sum();
            if flux.is_finite() {
                flux
            } else {
                0.0
            }
        };
        let bins = self.current.len();
        let full = rise(1..bins);
        // The low band on linear magnitudes: log compression would let the faint low end of
        // every hi-hat count as much as a kick.
        let low: f32 = if self.frames == 0 {
            0.0
        } else {
            self.spectrum[1..LOW_BINS.min(bins)]
                .iter()
                .zip(&self.previous_low)
                .map(|(c, p)| ((1.0 + LOW_COMPRESSION * c.norm()).ln() - p).max(0.0))
                .sum()
        };
        for (p, c) in self
            .previous_low
            .iter_mut()
            .zip(&self.spectrum[1..LOW_BINS.min(bins)])
        {
            *p = (1.0 + LOW_COMPRESSION * c.norm()).ln();
        }
        let low = if low.is_finite() { low } else { 0.0 };
        self.envelope.full.push(full);
        self.envelope.low.push(low);
        std::mem::swap(&mut self.current, &mut self.previous);
        self.frames += 1;
    }

    /// The onset strength envelopes, one value per hop.
    pub fn finish(self) -> Envelope {
        self.envelope
    }
}

/// Frames per second of the envelope at a sample rate.
pub fn frame_rate(sample_rate: u32) -> f32 {
    sample_rate as f32 / HOP as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::ANALYSIS_RATE;
    use crate::audio::synth::{click_track, sine};

    fn envelope_of(samples: &[f32]) -> Envelope {
        let mut detector = OnsetDetector::new();
        // Odd block sizes: framing must not depend on how the stream is cut.
        for block in samples.chunks(1000) {
            detector.push(block);
        }
        detector.finish()
    }

    #[test]
    fn clicks_make_peaks_one_beat_apart() {
        let env = envelope_of(&click_track(ANALYSIS_RATE, 6.0, 120.0));
        let fps = frame_rate(ANALYSIS_RATE);
        assert_eq!(env.full.len(), env.low.len());
        assert!((env.full.len() as f32 - 6.0 * fps).abs() < 6.0);
        let max = env.full.iter().copied().fold(0.0, f32::max);
        let peaks: Vec<usize> = (1..env.full.len() - 1)
            .filter(|&i| {
                env.full[i] > 0.5 * max
                    && env.full[i] >= env.full[i - 1]
                    && env.full[i] > env.full[i + 1]
            })
            .collect();
        // Clicks at 0.5 s … 5.5 s (the one at 0 s has no earlier frame to rise from).
        assert_eq!(peaks.len(), 11, "{peaks:?}");
        for pair in peaks.windows(2) {
            let seconds = (pair[1] - pair[0]) as f32 / fps;
            assert!((seconds - 0.5).abs() < 0.02, "{peaks:?}");
        }
    }

    #[test]
    fn steady_tones_and_silence_have_no_onsets_after_the_start() {
        let tone = envelope_of(&sine(ANALYSIS_RATE, 3.0, 440.0, 0.5));
        let start = (0.2 * frame_rate(ANALYSIS_RATE)) as usize;
        let late_max = tone.full[start..tone.full.len() - start]
            .iter()
            .copied()
            .fold(0.0, f32::max);
        let clicks = envelope_of(&click_track(ANALYSIS_RATE, 3.0, 120.0));
        let click_max = clicks.full.iter().copied().fold(0.0, f32::max);
        assert!(
            late_max < 0.2 * click_max,
            "a steady tone mid-way: {late_max} vs a click: {click_max}"
        );
        let silence = envelope_of(&vec![0.0; ANALYSIS_RATE as usize * 2]);
        assert!(silence.full.iter().chain(&silence.low).all(|v| *v == 0.0));
    }
}
