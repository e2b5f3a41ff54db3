//! Onset strength: how much new energy each short frame brings, the input to tempo estimation.
//! Computed as spectral flux over a streaming STFT, so a track is never held whole: only the
//! envelopes (86 values per second each) are kept.

use super::harmony::HarmonicChange;
use super::stft::{log_flux, Stft};

/// FFT size: 46 ms at 22.05 kHz, fine enough in time for drum hits, coarse enough in frequency.
pub const FRAME: usize = 1024;
/// Hop between frames: 11.6 ms at 22.05 kHz (86.1 frames per second).
pub const HOP: usize = 256;
/// Strong log compression of magnitudes before differencing: loud and quiet onsets count alike,
/// so every note of a soft passage shows up (periodicity).
const COMPRESSION: f32 = 1000.0;
/// Mild compression: loud events stay louder than soft ones, so a kick or a chord change on the
/// beat stands out from a hi-hat or a passing note between beats (metrical accent).
const ACCENT_COMPRESSION: f32 = 0.1;
/// The accent envelope looks below ~1.5 kHz (at 22.05 kHz): kick, snare body, bass and chord
/// changes live there; hi-hats and cymbals, which fill the off-beats, mostly do not.
pub const ACCENT_BINS: usize = 70;

/// Onset strength per hop: `full` for periodicity, `accent` and `harmony` (chord changes) for
/// which pulse level is the beat.
#[derive(Debug, Clone, Default)]
pub struct Envelope {
    pub full: Vec<f32>,
    pub accent: Vec<f32>,
    pub harmony: Vec<f32>,
}

/// One frame's onset strengths.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Strengths {
    pub full: f32,
    pub accent: f32,
    /// Harmonic change (see [`HarmonicChange`]: delayed by a few frames).
    pub harmony: f32,
}

/// Turns magnitude spectra into onset strength values, one per frame.
#[derive(Default)]
pub struct OnsetFlux {
    previous: Vec<f32>,
    previous_accent: Vec<f32>,
    harmony: HarmonicChange,
    envelope: Envelope,
}

impl OnsetFlux {
    pub fn new() -> Self {
        Self::default()
    }

    /// Consumes one frame's magnitudes (bins 0..=FRAME/2) and keeps its onset strengths.
    pub fn frame(&mut self, magnitudes: &[f32]) {
        let strengths = self.strengths(magnitudes);
        self.envelope.full.push(strengths.full);
        self.envelope.accent.push(strengths.accent);
        self.envelope.harmony.push(strengths.harmony);
    }

    /// Consumes one frame's magnitudes and returns its onset strengths without keeping them.
    pub fn strengths(&mut self, magnitudes: &[f32]) -> Strengths {
        let first = self.previous.is_empty();
        if first {
            self.previous = vec![0.0; magnitudes.len()];
            self.previous_accent = vec![0.0; magnitudes.len()];
        }
        // Bin 0 (DC) carries no onset information.
        let full = log_flux(&magnitudes[1..], &mut self.previous[1..], COMPRESSION);
        let top = ACCENT_BINS.min(magnitudes.len());
        let accent = log_flux(
            &magnitudes[1..top],
            &mut self.previous_accent[1..top],
            ACCENT_COMPRESSION,
        );
        // The first frame rises from nothing: it is not an onset of the music.
        let clean = |v: f32| if first || !v.is_finite() { 0.0 } else { v };
        Strengths {
            full: clean(full),
            accent: clean(accent),
            harmony: self.harmony.push(magnitudes),
        }
    }

    pub fn finish(self) -> Envelope {
        self.envelope
    }
}

/// Samples in, onset envelopes out: an STFT feeding an [`OnsetFlux`].
pub struct OnsetDetector {
    stft: Stft,
    flux: OnsetFlux,
}

impl Default for OnsetDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl OnsetDetector {
    pub fn new() -> Self {
        OnsetDetector {
            stft: Stft::new(FRAME, HOP),
            flux: OnsetFlux::new(),
        }
    }

    /// Feeds mono samples at [`super::ANALYSIS_RATE`].
    pub fn push(&mut self, samples: &[f32]) {
        let flux = &mut self.flux;
        self.stft
            .push(samples, |frame| flux.frame(frame.magnitudes));
    }

    /// The onset strength envelopes, one value per hop.
    pub fn finish(mut self) -> Envelope {
        let flux = &mut self.flux;
        self.stft.finish(|frame| flux.frame(frame.magnitudes));
        self.flux.finish()
    }
}

/// Frames per second of the envelope at a sample rate.
pub fn frame_rate(sample_rate: u32) -> f32 {
    sample_rate as f32 / HOP as f32
}

/// Onsets per second: peaks of the envelope that stand out from their surroundings, at least
/// 50 ms apart.
pub fn onset_rate(envelope: &[f32], fps: f32) -> f32 {
    if envelope.len() < 3 || fps <= 0.0 {
        return 0.0;
    }
    let max = envelope.iter().copied().fold(0.0, f32::max);
    if max <= 0.0 {
        return 0.0;
    }
    let half = (fps * 0.25) as usize;
    let gap = (fps * 0.05).ceil() as usize;
    let mut prefix = vec![0.0f64; envelope.len() + 1];
    for (i, v) in envelope.iter().enumerate() {
        prefix[i + 1] = prefix[i] + f64::from(*v);
    }
    let mut count = 0usize;
    let mut last: Option<usize> = None;
    for i in 1..envelope.len() - 1 {
        let v = envelope[i];
        if v < 0.1 * max || v < envelope[i - 1] || v <= envelope[i + 1] {
            continue;
        }
        let (lo, hi) = (i.saturating_sub(half), (i + half + 1).min(envelope.len()));
        let local = (prefix[hi] - prefix[lo]) / (hi - lo) as f64;
        if f64::from(v) > 1.5 * local && last.is_none_or(|l| i - l >= gap) {
            count += 1;
            last = Some(i);
        }
    }
    count as f32 / (envelope.len() as f32 / fps)
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
        assert_eq!(env.full.len(), env.accent.len());
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
        assert!(silence
            .full
            .iter()
            .chain(&silence.accent)
            .all(|v| *v == 0.0));
    }
}
