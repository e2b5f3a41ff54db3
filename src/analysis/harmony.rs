//! Harmonic change: how much the pitch-class content moves from one moment to the next (a
//! chord change), one value per onset frame — the cue that tells a chorale's beat (a new chord
//! on every beat) from its passing notes (one voice moving between beats). After Harte,
//! Sandler & Gasser's harmonic change detection function, on the onset STFT's own bins.

use std::collections::VecDeque;

use super::onset::FRAME;
use super::ANALYSIS_RATE;

/// Bins from here to [`TOP_HZ`] are folded into pitch classes: below, the 1024-point frame
/// cannot tell neighbouring semitones apart; above, there are mostly overtones and noise.
const BOTTOM_HZ: f32 = 100.0;
const TOP_HZ: f32 = 2500.0;
/// Frames averaged either side of a moment (±46 ms), and how far apart the two compared
/// moments are (8 frames, 93 ms): a chord change is a step between two steadier stretches.
const HALF_SPAN: usize = 4;
const SPAN: usize = 2 * HALF_SPAN + 1;

type Chroma = [f32; 12];

/// Streams magnitude frames in, harmonic change values out (delayed by 8 frames: the value
/// returned for frame n is the change around frame n − 8; a constant delay does not move a
/// periodicity).
pub struct HarmonicChange {
    /// Each bin's pitch class, or none outside the folded band.
    pitch_class: Vec<Option<u8>>,
    /// The last [`SPAN`] frames' chroma (square-root compressed).
    raw: VecDeque<Chroma>,
    /// The last [`SPAN`] smoothed, unit-length chroma vectors.
    smoothed: VecDeque<Chroma>,
}

impl Default for HarmonicChange {
    fn default() -> Self {
        Self::new()
    }
}

impl HarmonicChange {
    pub fn new() -> Self {
        let pitch_class = (0..=FRAME / 2)
            .map(|k| {
                let hz = k as f32 * ANALYSIS_RATE as f32 / FRAME as f32;
                (BOTTOM_HZ..=TOP_HZ).contains(&hz).then(|| {
                    let midi = 69.0 + 12.0 * (hz / 440.0).log2();
                    (midi.round() as i32).rem_euclid(12) as u8
                })
            })
            .collect();
        HarmonicChange {
            pitch_class,
            raw: VecDeque::with_capacity(SPAN + 1),
            smoothed: VecDeque::with_capacity(SPAN + 1),
        }
    }

    /// One frame's magnitudes (bins 0..=FRAME/2); the harmonic change 8 frames ago (0 until
    /// enough frames have come).
    pub fn push(&mut self, magnitudes: &[f32]) -> f32 {
        let mut chroma = [0.0f32; 12];
        for (m, class) in magnitudes.iter().zip(&self.pitch_class) {
            if let Some(c) = class {
                chroma[usize::from(*c)] += m.max(0.0);
            }
        }
        for c in &mut chroma {
            *c = c.sqrt();
        }
        push_bounded(&mut self.raw, chroma);
        if self.raw.len() < SPAN {
            return 0.0;
        }
        let mut mean = [0.0f32; 12];
        for frame in &self.raw {
            for (m, v) in mean.iter_mut().zip(frame) {
                *m += v;
            }
        }
        let norm = mean.iter().map(|v| v * v).sum::<f32>().sqrt() + 1e-9;
        for m in &mut mean {
            *m /= norm;
        }
        push_bounded(&mut self.smoothed, mean);
        match (self.smoothed.front(), self.smoothed.back()) {
            (Some(before), Some(after)) if self.smoothed.len() == SPAN => {
                let change: f32 = before
                    .iter()
                    .zip(after)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum();
                if change.is_finite() {
                    change.sqrt()
                } else {
                    0.0
                }
            }
            _ => 0.0,
        }
    }
}

/// Appends, dropping the oldest beyond [`SPAN`].
fn push_bounded(queue: &mut VecDeque<Chroma>, value: Chroma) {
    if queue.len() == SPAN {
        queue.pop_front();
    }
    queue.push_back(value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::onset::HOP;
    use crate::analysis::stft::Stft;
    use crate::audio::synth::{add_note, midi_hz, Rng, Voice};

    fn changes_of(samples: &[f32]) -> Vec<f32> {
        let mut stft = Stft::new(FRAME, HOP);
        let mut harmony = HarmonicChange::new();
        let mut out = Vec::new();
        stft.push(samples, |frame| out.push(harmony.push(frame.magnitudes)));
        out
    }

    #[test]
    fn a_chord_change_stands_out_and_a_repeated_chord_does_not() {
        // Organ-like sustained chords: C major for a second, played again (same notes, new
        // attack), then A minor at the same loudness: only the second boundary changes the
        // pitch classes. (A decaying piano's re-attack moves the chroma too — its attack is
        // broadband — which is one reason this is one cue among several.)
        let rate = ANALYSIS_RATE;
        let second = rate as usize;
        let mut audio = vec![0.0f32; 3 * second];
        let mut rng = Rng::new(7);
        for (start, chord) in [(0, [60, 64, 67]), (1, [60, 64, 67]), (2, [57, 60, 64])] {
            for note in chord {
                let at = start * second;
                let hz = midi_hz(note as f32, 0.0);
                add_note(
                    &mut audio,
                    rate,
                    Voice::Square,
                    hz,
                    at..at + second,
                    0.2,
                    &mut rng,
                );
            }
        }
        let h = changes_of(&audio);
        let fps = rate as f32 / HOP as f32;
        // The value for frame n comes out at n + 8; the frame at time t covers t..t + 46 ms.
        let around = |s: f32| {
            let at = (s * fps) as usize + 8;
            h[at.saturating_sub(6)..(at + 6).min(h.len())]
                .iter()
                .copied()
                .fold(0.0f32, f32::max)
        };
        let (repeat, change) = (around(1.0), around(2.0));
        assert!(
            change > 0.2 && change > 3.0 * repeat,
            "the change to A minor {change:.3}, C major again {repeat:.3}"
        );
    }

    #[test]
    fn silence_gives_no_change() {
        let h = changes_of(&vec![0.0; ANALYSIS_RATE as usize]);
        assert!(h.iter().all(|v| *v == 0.0));
    }
}
