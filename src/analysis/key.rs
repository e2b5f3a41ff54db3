//! Key: tonic, mode and strength from a tuned pitch-class profile (an HPCP).
//!
//! Every frame's spectral peaks (100 Hz – 5 kHz, parabolically interpolated) are placed on a
//! fine pitch-class circle (10 bins per semitone), each also counted, weaker, at the pitch
//! classes it would be a harmonic of. The tuning (how far the music sits from A = 440 Hz) is the
//! magnitude-weighted circular mean of the peaks' distances to the equal-tempered grid; the fine
//! profile is then folded into 12 semitones centred on the tuned grid, so a track a quarter-tone
//! sharp still lands on the right notes. The key is the best Pearson correlation of that profile
//! with 24 rotated key profiles (Temperley's Kostka–Payne profiles). Only the running profile
//! is kept: memory does not grow with track length.

use serde::{Deserialize, Serialize};

use super::stft::{fast_ln, Stft};

/// FFT size for pitch: 186 ms at 22.05 kHz (5.4 Hz bins). Frames do not overlap: a hop of
/// half a frame measured the same accuracy on both rendered sets for twice the work.
pub const FRAME: usize = 4096;
pub const HOP: usize = 4096;
const MIN_HZ: f32 = 100.0;
const MAX_HZ: f32 = 5000.0;
/// Peaks kept per frame, loudest first.
const MAX_PEAKS: usize = 40;
/// Peaks weaker than this fraction of the frame's loudest are noise for key purposes.
const PEAK_FLOOR: f32 = 0.01;
/// A frame whose loudest peak is below this (about −80 dBFS) is silence.
const SILENT_PEAK: f32 = 0.1;
const FINE_PER_SEMITONE: usize = 10;
const FINE_BINS: usize = 12 * FINE_PER_SEMITONE;
/// Harmonics a peak may be of, and how much each further one counts.
const HARMONIC_DECAY: f32 = 0.6;
/// How far below a peak its fundamental would be if it were harmonic 1…4: 12·log2(h).
const HARMONIC_SEMITONES: [f32; 4] = [0.0, 12.0, 19.019_55, 24.0];
const SEMITONES_PER_LN: f32 = 12.0 / std::f32::consts::LN_2;
/// Bins of the tuning histogram per semitone (0.1 cent each).
const TUNING_BINS: usize = 1000;

pub const NOTE_NAMES: [&str; 12] = [
    "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];

const MAJOR_PROFILE: [f32; 12] = [
    0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400,
];
const MINOR_PROFILE: [f32; 12] = [
    0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    Major,
    Minor,
}

impl Scale {
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Major => "major",
            Scale::Minor => "minor",
        }
    }

    pub fn parse(text: &str) -> Option<Scale> {
        match text {
            "major" => Some(Scale::Major),
            "minor" => Some(Scale::Minor),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Key {
    /// Pitch class of the tonic, 0 = C … 11 = B.
    pub tonic: u8,
    pub scale: Scale,
    /// Correlation with the key's profile, clipped to [0, 1].
    pub strength: f32,
}

impl Key {
    /// "F# minor".
    pub fn name(&self) -> String {
        format!("{} {}", self.tonic_name(), self.scale.as_str())
    }

    pub fn tonic_name(&self) -> &'static str {
        NOTE_NAMES[usize::from(self.tonic % 12)]
    }

    /// The Camelot wheel code DJs mix by: "8B" is C major, "8A" A minor.
    pub fn camelot(&self) -> String {
        camelot(self.tonic, self.scale)
    }

    /// Position on the circle of fifths (0 = C major / A minor, 1 = G major / E minor, …), so
    /// relative keys, which share their notes, sit together.
    pub fn fifths(&self) -> u8 {
        // Any u8 tonic (stored JSON is not trusted) stays in range: reduce before multiplying.
        let major_tonic = match self.scale {
            Scale::Major => self.tonic % 12,
            Scale::Minor => (self.tonic % 12 + 3) % 12,
        };
        (major_tonic * 7) % 12
    }
}

/// One key of the Camelot wheel, as the UI's key filter lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WheelKey {
    /// "8B".
    pub code: String,
    /// "C major".
    pub name: String,
}

/// The 24 keys in Camelot order: 1A, 1B, 2A, 2B … 12A, 12B.
pub fn camelot_wheel() -> Vec<WheelKey> {
    let mut keys: Vec<(u32, char, WheelKey)> = (0..12u8)
        .flat_map(|tonic| [Scale::Minor, Scale::Major].map(|scale| (tonic, scale)))
        .map(|(tonic, scale)| {
            let key = Key {
                tonic,
                scale,
                strength: 1.0,
            };
            let code = key.camelot();
            let number: u32 = code[..code.len() - 1].parse().unwrap_or(0);
            let letter = code.chars().last().unwrap_or('A');
            (
                number,
                letter,
                WheelKey {
                    code,
                    name: key.name(),
                },
            )
        })
        .collect();
    keys.sort_by_key(|(number, letter, _)| (*number, *letter));
    keys.into_iter().map(|(_, _, key)| key).collect()
}

pub fn camelot(tonic: u8, scale: Scale) -> String {
    let (major_tonic, letter) = match scale {
        Scale::Major => (tonic % 12, 'B'),
        Scale::Minor => ((tonic + 3) % 12, 'A'),
    };
    let number = (u32::from(major_tonic) * 7 + 8) % 12;
    format!("{}{letter}", if number == 0 { 12 } else { number })
}

/// What the key extractor found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyAnalysis {
    /// `None` when nothing pitched was heard (silence, drums only, noise).
    pub key: Option<Key>,
    /// Deviation of the music's tuning from A = 440 Hz, in cents (−50…50).
    pub tuning_cents: f32,
    /// Pitch-class profile on the tuned grid, C first, scaled to a maximum of 1.
    pub chroma: [f32; 12],
}

/// Streams samples in; the tuned chroma profile and key come out at the end.
pub struct KeyDetector {
    stft: Stft,
    profile: Profile,
}

#[derive(Default)]
struct Profile {
    bin_hz: f32,
    fine: Vec<f64>,
    frame_fine: Vec<f32>,
    peaks: Vec<(f32, f32)>,
    /// Magnitude-weighted histogram of the peaks' offsets from the 440 Hz grid.
    tuning_histogram: Vec<f64>,
    voiced_frames: usize,
}

impl KeyDetector {
    /// For mono samples at `sample_rate`.
    pub fn new(sample_rate: u32) -> Self {
        KeyDetector {
            stft: Stft::new(FRAME, HOP),
            profile: Profile {
                bin_hz: sample_rate as f32 / FRAME as f32,
                fine: vec![0.0; FINE_BINS],
                frame_fine: vec![0.0; FINE_BINS],
                peaks: Vec::with_capacity(256),
                tuning_histogram: vec![0.0; TUNING_BINS],
                ..Profile::default()
            },
        }
    }

    pub fn push(&mut self, samples: &[f32]) {
        let profile = &mut self.profile;
        self.stft
            .push(samples, |frame| profile.frame(frame.magnitudes));
    }

    pub fn finish(mut self) -> KeyAnalysis {
        let profile = &mut self.profile;
        self.stft.finish(|frame| profile.frame(frame.magnitudes));
        self.profile.finish()
    }
}

impl Profile {
    fn frame(&mut self, magnitudes: &[f32]) {
        let lo = ((MIN_HZ / self.bin_hz).ceil() as usize).max(1);
        let hi = ((MAX_HZ / self.bin_hz) as usize).min(magnitudes.len().saturating_sub(2));
        if lo >= hi {
            return;
        }
        let loudest = magnitudes[lo..=hi].iter().copied().fold(0.0, f32::max);
        if loudest < SILENT_PEAK {
            return;
        }
        let floor = loudest * PEAK_FLOOR;
        self.peaks.clear();
        for k in lo..=hi {
            let m = magnitudes[k];
            if m > floor && m > magnitudes[k - 1] && m >= magnitudes[k + 1] {
                // Parabolic interpolation on log magnitudes: frequency to a fraction of a bin.
                let (a, b, c) = (
                    fast_ln(magnitudes[k - 1].max(1e-9)),
                    fast_ln(m),
                    fast_ln(magnitudes[k + 1].max(1e-9)),
                );
                let denom = a - 2.0 * b + c;
                let p = if denom.abs() > 1e-9 {
                    (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
                } else {
                    0.0
                };
                let amplitude = (b - 0.25 * (a - c) * p).exp();
                self.peaks.push(((k as f32 + p) * self.bin_hz, amplitude));
            }
        }
        if self.peaks.len() > MAX_PEAKS {
            self.peaks
                .select_nth_unstable_by(MAX_PEAKS, |x, y| y.1.total_cmp(&x.1));
            self.peaks.truncate(MAX_PEAKS);
        }
        self.frame_fine.iter_mut().for_each(|v| *v = 0.0);
        for &(hz, amplitude) in &self.peaks {
            let midi = 69.0 + SEMITONES_PER_LN * fast_ln(hz / 440.0);
            if !midi.is_finite() {
                continue;
            }
            // The offset from the equal-tempered grid, in [−0.5, 0.5) semitone, as a histogram
            // bin: the tuning's circular mean is taken over the histogram at the end.
            let offset = midi - midi.round();
            let bin = ((offset + 0.5) * TUNING_BINS as f32) as usize;
            self.tuning_histogram[bin.min(TUNING_BINS - 1)] += f64::from(amplitude);
            let mut weight = amplitude;
            for below in HARMONIC_SEMITONES {
                let pitch = midi - below;
                let class = pitch - 12.0 * (pitch / 12.0).floor();
                let bin = (class * FINE_PER_SEMITONE as f32).round() as usize % FINE_BINS;
                self.frame_fine[bin] += weight;
                weight *= HARMONIC_DECAY;
            }
        }
        // Each frame counts alike whatever its level (HPCP's unit-max normalisation).
        let max = self.frame_fine.iter().copied().fold(0.0, f32::max);
        if max > 0.0 && max.is_finite() {
            for (g, f) in self.fine.iter_mut().zip(&self.frame_fine) {
                *g += f64::from(f / max);
            }
            self.voiced_frames += 1;
        }
    }

    fn finish(self) -> KeyAnalysis {
        let silent = KeyAnalysis {
            key: None,
            tuning_cents: 0.0,
            chroma: [0.0; 12],
        };
        if self.voiced_frames == 0 {
            return silent;
        }
        let (mut cos, mut sin) = (0.0f64, 0.0f64);
        for (bin, weight) in self.tuning_histogram.iter().enumerate() {
            let offset = (bin as f64 + 0.5) / TUNING_BINS as f64 - 0.5;
            let angle = offset * std::f64::consts::TAU;
            cos += weight * angle.cos();
            sin += weight * angle.sin();
        }
        let tuning = (sin.atan2(cos) / std::f64::consts::TAU) as f32;
        let tuning = if tuning.is_finite() { tuning } else { 0.0 };
        // Fold the fine circle onto 12 semitones centred on the tuned grid (cosine² window,
        // one semitone wide).
        let mut chroma = [0.0f32; 12];
        for (b, value) in self.fine.iter().enumerate() {
            let pitch = b as f32 / FINE_PER_SEMITONE as f32 - tuning;
            let nearest = pitch.round();
            let distance = pitch - nearest;
            let weight = (std::f32::consts::PI * distance).cos().powi(2);
            let class = (nearest as i32).rem_euclid(12) as usize;
            chroma[class] += weight * *value as f32;
        }
        let max = chroma.iter().copied().fold(0.0, f32::max);
        if !(max > 0.0 && max.is_finite()) {
            return silent;
        }
        chroma.iter_mut().for_each(|c| *c /= max);
        // A flat profile (noise, drums) correlates with some key by chance; the strength
        // counts only as much as the profile has contrast (music's mean sits near 0.5 of its
        // peak, white noise near 0.9).
        let contrast = (2.0 * (1.0 - chroma.iter().sum::<f32>() / 12.0)).clamp(0.0, 1.0);
        let key = best_key(&chroma).map(|k| Key {
            strength: k.strength * contrast,
            ..k
        });
        KeyAnalysis {
            key,
            tuning_cents: 100.0 * tuning,
            chroma,
        }
    }
}

/// The key whose rotated profile correlates best with `chroma`.
pub fn best_key(chroma: &[f32; 12]) -> Option<Key> {
    let mut best: Option<Key> = None;
    let mut best_r = f32::MIN;
    for (scale, profile) in [
        (Scale::Major, &MAJOR_PROFILE),
        (Scale::Minor, &MINOR_PROFILE),
    ] {
        for tonic in 0..12u8 {
            let rotated: [f32; 12] =
                std::array::from_fn(|i| profile[(i + 12 - usize::from(tonic)) % 12]);
            let r = pearson(chroma, &rotated);
            if r > best_r {
                best_r = r;
                best = Some(Key {
                    tonic,
                    scale,
                    strength: r.clamp(0.0, 1.0),
                });
            }
        }
    }
    best.filter(|_| best_r.is_finite())
}

fn pearson(a: &[f32; 12], b: &[f32; 12]) -> f32 {
    let mean = |x: &[f32; 12]| x.iter().sum::<f32>() / 12.0;
    let (ma, mb) = (mean(a), mean(b));
    let (mut num, mut da, mut db) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        num += (x - ma) * (y - mb);
        da += (x - ma) * (x - ma);
        db += (y - mb) * (y - mb);
    }
    let denom = (da * db).sqrt();
    if denom > 0.0 {
        num / denom
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wheel_lists_every_key_once_in_camelot_order() {
        let wheel = camelot_wheel();
        let codes: Vec<&str> = wheel.iter().map(|k| k.code.as_str()).collect();
        assert_eq!(codes[..4], ["1A", "1B", "2A", "2B"]);
        assert_eq!(codes.len(), 24);
        let names: std::collections::HashSet<&str> =
            wheel.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names.len(), 24);
        let c_major = wheel
            .iter()
            .find(|k| k.name == "C major")
            .map(|k| k.code.as_str());
        assert_eq!(c_major, Some("8B"));
        let a_minor = wheel
            .iter()
            .find(|k| k.name == "A minor")
            .map(|k| k.code.as_str());
        assert_eq!(a_minor, Some("8A"));
    }

    #[test]
    fn fifths_of_an_out_of_range_tonic_do_not_overflow() {
        let key = Key {
            tonic: 250,
            scale: Scale::Minor,
            strength: 0.5,
        };
        assert!(key.fifths() < 12);
    }
    use crate::analysis::ANALYSIS_RATE;
    use crate::audio::synth::{add_note, midi_hz, Rng, Voice};

    /// I–IV–V–I (major) or i–iv–V–i (minor) in `tonic`, block chords with bass, `cents` off.
    fn cadence(tonic: u8, scale: Scale, cents: f32, voice: Voice) -> Vec<f32> {
        let rate = ANALYSIS_RATE;
        let chord_len = (1.5 * rate as f32) as usize;
        let third = if scale == Scale::Major { 4 } else { 3 };
        let chords: [[i32; 3]; 4] = [
            [0, third, 7],
            [5, 5 + if scale == Scale::Major { 4 } else { 3 }, 12],
            [7, 11, 14],
            [0, third, 7],
        ];
        let mut out = vec![0.0; chord_len * 8];
        let mut rng = Rng::new(11);
        for (i, chord) in chords.iter().cycle().take(8).enumerate() {
            let span = i * chord_len..(i + 1) * chord_len;
            let root = 60 + i32::from(tonic);
            for interval in chord {
                let hz = midi_hz((root + interval) as f32, cents);
                add_note(&mut out, rate, voice, hz, span.clone(), 0.2, &mut rng);
            }
            let bass = midi_hz((root + chord[0] - 24) as f32, cents);
            add_note(&mut out, rate, voice, bass, span, 0.25, &mut rng);
        }
        out
    }

    fn analyse(samples: &[f32]) -> KeyAnalysis {
        let mut detector = KeyDetector::new(ANALYSIS_RATE);
        for block in samples.chunks(3000) {
            detector.push(block);
        }
        detector.finish()
    }

    #[test]
    fn cadences_in_several_keys_both_modes_and_detuned() {
        let cases = [
            (0, Scale::Major, 0.0, Voice::Keys),
            (7, Scale::Major, 20.0, Voice::Saw),
            (3, Scale::Major, -25.0, Voice::Pluck),
            (9, Scale::Minor, 0.0, Voice::Keys),
            (6, Scale::Minor, -30.0, Voice::Saw),
            (2, Scale::Minor, 35.0, Voice::Square),
            (11, Scale::Major, 40.0, Voice::Keys),
        ];
        for (tonic, scale, cents, voice) in cases {
            let found = analyse(&cadence(tonic, scale, cents, voice));
            let key = found.key.expect("a key");
            assert_eq!(
                (key.tonic, key.scale),
                (tonic, scale),
                "{} {} at {cents} cents ({voice:?}): found {}",
                NOTE_NAMES[tonic as usize],
                scale.as_str(),
                key.name()
            );
            assert!(
                (found.tuning_cents - cents).abs() < 8.0,
                "tuning {cents}: found {}",
                found.tuning_cents
            );
            assert!(key.strength > 0.5, "strength {}", key.strength);
        }
    }

    #[test]
    fn silence_and_noise_have_no_clear_key() {
        let silence = analyse(&vec![0.0; ANALYSIS_RATE as usize * 5]);
        assert_eq!(silence.key, None);
        assert!(silence.chroma.iter().all(|c| *c == 0.0));
        let mut rng = Rng::new(2);
        let noise: Vec<f32> = (0..ANALYSIS_RATE * 10).map(|_| 0.3 * rng.noise()).collect();
        let found = analyse(&noise);
        let strength = found.key.map_or(0.0, |k| k.strength);
        assert!(strength < 0.5, "white noise key strength {strength}");
        assert!(found.chroma.iter().all(|c| c.is_finite()));
    }

    #[test]
    fn camelot_codes_and_names() {
        assert_eq!(camelot(0, Scale::Major), "8B");
        assert_eq!(camelot(9, Scale::Minor), "8A");
        assert_eq!(camelot(6, Scale::Minor), "11A");
        assert_eq!(camelot(7, Scale::Major), "9B");
        assert_eq!(camelot(5, Scale::Major), "7B");
        assert_eq!(camelot(8, Scale::Minor), "1A");
        assert_eq!(camelot(4, Scale::Major), "12B");
        let key = Key {
            tonic: 6,
            scale: Scale::Minor,
            strength: 0.8,
        };
        assert_eq!(key.name(), "F# minor");
        assert_eq!(
            key.fifths(),
            Key {
                tonic: 9,
                scale: Scale::Major,
                strength: 1.0
            }
            .fifths()
        );
    }
}
