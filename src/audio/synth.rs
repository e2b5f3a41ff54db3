//! Signal synthesis for the demo library and for tests: tones, chords, plucked strings,
//! drums and click tracks at known tempi and keys. Output is mono `f32` in [-1, 1].

use std::f32::consts::TAU;

/// Equal-tempered frequency of a MIDI note (A4 = 69 = 440 Hz), optionally detuned in cents.
pub fn midi_hz(note: f32, cents: f32) -> f32 {
    440.0 * 2f32.powf((note - 69.0 + cents / 100.0) / 12.0)
}

/// A small deterministic PRNG (xorshift) so generated audio is identical run to run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    /// Uniform in [-1, 1).
    pub fn noise(&mut self) -> f32 {
        self.unit() * 2.0 - 1.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// The voice an instrument plays notes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voice {
    /// Pure sine.
    Sine,
    /// Slow-attack detuned sines: an ambient pad.
    Pad,
    /// Karplus-Strong plucked string.
    Pluck,
    /// Band-limited-ish sawtooth (a few harmonics): synth lead/bass.
    Saw,
    /// Odd harmonics: a hollow square/clarinet-like tone.
    Square,
    /// Two-operator FM: an electric piano.
    Keys,
    /// Saturated saw: an overdriven guitar.
    Drive,
}

/// Adds one note to `out` (mixing) over the sample range `span`.
pub fn add_note(
    out: &mut [f32],
    rate: u32,
    voice: Voice,
    hz: f32,
    span: std::ops::Range<usize>,
    gain: f32,
    rng: &mut Rng,
) {
    let rate_f = rate as f32;
    let start = span.start;
    let end = span.end.min(out.len());
    if start >= end || hz <= 0.0 || hz >= rate_f / 2.0 {
        return;
    }
    let n = end - start;
    match voice {
        Voice::Pluck => {
            // Karplus-Strong: a noise burst in a delay line, averaged as it circulates.
            let period = (rate_f / hz).round().max(2.0) as usize;
            let mut line: Vec<f32> = (0..period).map(|_| rng.noise()).collect();
            let mut idx = 0;
            for i in 0..n {
                let next = (idx + 1) % period;
                let v = line[idx];
                line[idx] = 0.996 * 0.5 * (line[idx] + line[next]);
                idx = next;
                out[start + i] += gain * v * release(i, n, rate_f);
            }
        }
        _ => {
            for i in 0..n {
                let t = i as f32 / rate_f;
                let phase = TAU * hz * t;
                let v = match voice {
                    Voice::Sine => phase.sin(),
                    Voice::Pad => {
                        let detune = TAU * hz * 1.004 * t;
                        0.5 * (phase.sin() + detune.sin()) + 0.2 * (2.0 * phase).sin()
                    }
                    Voice::Saw => {
                        (1..=8)
                            .map(|k| (k as f32 * phase).sin() / k as f32)
                            .sum::<f32>()
                            * 0.6
                    }
                    Voice::Square => {
                        (0..5)
                            .map(|j| {
                                let k = (2 * j + 1) as f32;
                                (k * phase).sin() / k
                            })
                            .sum::<f32>()
                            * 0.8
                    }
                    Voice::Keys => {
                        let index = 2.0 * (-3.0 * t).exp();
                        (phase + index * (phase).sin()).sin()
                    }
                    Voice::Drive => {
                        let saw: f32 = (1..=6).map(|k| (k as f32 * phase).sin() / k as f32).sum();
                        (3.0 * saw).tanh() * 0.7
                    }
                    Voice::Pluck => 0.0,
                };
                let env = match voice {
                    Voice::Pad => attack(i, 0.25 * rate_f) * release(i, n, rate_f),
                    Voice::Keys => {
                        (-2.5 * t).exp() * attack(i, 0.005 * rate_f) * release(i, n, rate_f)
                    }
                    _ => attack(i, 0.01 * rate_f) * release(i, n, rate_f),
                };
                out[start + i] += gain * v * env;
            }
        }
    }
}

fn attack(i: usize, samples: f32) -> f32 {
    (i as f32 / samples.max(1.0)).min(1.0)
}

/// A short fade at the end of a note, so notes do not click.
fn release(i: usize, n: usize, rate: f32) -> f32 {
    let fade = (0.03 * rate).max(1.0);
    ((n - i) as f32 / fade).min(1.0)
}

/// Drum sounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drum {
    Kick,
    Snare,
    HiHat,
    /// A short, bright click (a metronome tick).
    Click,
}

pub fn add_drum(out: &mut [f32], rate: u32, drum: Drum, start: usize, gain: f32, rng: &mut Rng) {
    let rate_f = rate as f32;
    let len = match drum {
        Drum::Kick => 0.25,
        Drum::Snare => 0.18,
        Drum::HiHat => 0.05,
        Drum::Click => 0.015,
    };
    let n = ((len * rate_f) as usize).min(out.len().saturating_sub(start));
    let mut phase = 0.0f32;
    for i in 0..n {
        let t = i as f32 / rate_f;
        let v = match drum {
            Drum::Kick => {
                // A sine sweeping down from 120 Hz to 45 Hz.
                let hz = 45.0 + 75.0 * (-t * 30.0).exp();
                phase += TAU * hz / rate_f;
                phase.sin() * (-t * 14.0).exp()
            }
            Drum::Snare => {
                0.6 * rng.noise() * (-t * 22.0).exp()
                    + 0.4 * (TAU * 190.0 * t).sin() * (-t * 30.0).exp()
            }
            Drum::HiHat => {
                // Differenced noise: mostly highs.
                let a = rng.noise();
                let b = rng.noise();
                0.5 * (a - b) * (-t * 80.0).exp()
            }
            Drum::Click => (TAU * 2000.0 * t).sin() * (-t * 300.0).exp(),
        };
        out[start + i] += gain * v;
    }
}

/// A click track: one click per beat at `bpm`, accented on the bar (every 4th beat).
pub fn click_track(rate: u32, seconds: f32, bpm: f32) -> Vec<f32> {
    let mut out = vec![0.0; (seconds * rate as f32) as usize];
    let mut rng = Rng::new(1);
    let beat = 60.0 / bpm;
    let mut k = 0;
    loop {
        let start = (k as f32 * beat * rate as f32) as usize;
        if start >= out.len() {
            break;
        }
        let gain = if k % 4 == 0 { 0.9 } else { 0.6 };
        add_drum(&mut out, rate, Drum::Click, start, gain, &mut rng);
        k += 1;
    }
    out
}

/// A sine tone with a short fade in and out.
pub fn sine(rate: u32, seconds: f32, hz: f32, amplitude: f32) -> Vec<f32> {
    let n = (seconds * rate as f32) as usize;
    let mut out = vec![0.0; n];
    let mut rng = Rng::new(0);
    add_note(&mut out, rate, Voice::Sine, hz, 0..n, amplitude, &mut rng);
    out
}

/// Scales the signal so its peak is `peak` (no-op on silence).
pub fn normalize(samples: &mut [f32], peak: f32) {
    let max = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    if max > 0.0 {
        let g = peak / max;
        samples.iter_mut().for_each(|s| *s *= g);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a4_is_440() {
        assert!((midi_hz(69.0, 0.0) - 440.0).abs() < 1e-3);
        assert!((midi_hz(81.0, 0.0) - 880.0).abs() < 1e-2);
    }

    #[test]
    fn click_track_has_one_click_per_beat() {
        let rate = 8000;
        let clicks = click_track(rate, 4.0, 120.0);
        // Count onsets: samples above a threshold after at least 0.1 s of quiet.
        let mut onsets = 0;
        let mut quiet = usize::MAX;
        for s in clicks {
            if s.abs() > 0.2 {
                if quiet > 800 {
                    onsets += 1;
                }
                quiet = 0;
            } else {
                quiet = quiet.saturating_add(1);
            }
        }
        assert_eq!(onsets, 8);
    }

    #[test]
    fn notes_stay_in_range_after_normalising() {
        let mut out = vec![0.0; 22050];
        let mut rng = Rng::new(3);
        for voice in [
            Voice::Pad,
            Voice::Pluck,
            Voice::Saw,
            Voice::Square,
            Voice::Keys,
            Voice::Drive,
        ] {
            add_note(&mut out, 22050, voice, 220.0, 0..22050, 0.3, &mut rng);
        }
        normalize(&mut out, 0.9);
        assert!(out.iter().all(|s| s.is_finite() && s.abs() <= 0.9 + 1e-6));
        assert!(out.iter().any(|s| s.abs() > 0.5));
    }
}
