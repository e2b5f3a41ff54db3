//! Timbre: MFCCs and spectral shape, summarised over the track as means and spreads.
//!
//! Fed the same 1024-point spectra as the onset detector (every other frame: 23 ms apart is
//! plenty for statistics). Silent frames are left out so a quiet intro or a fade does not make
//! two tracks look alike. Only running sums are kept.

use serde::{Deserialize, Serialize};

use super::timbre_model::GaussianSums;

pub const MFCC_COUNT: usize = 13;
const MEL_BANDS: usize = 40;
const MEL_MIN_HZ: f32 = 30.0;
/// Frames quieter than this (RMS, dBFS) are silence.
const SILENT_DB: f32 = -60.0;
const ROLLOFF_SHARE: f32 = 0.85;

/// Mean and standard deviation of a descriptor over the track's non-silent frames.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Stat {
    pub mean: f32,
    pub std: f32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Timbre {
    pub mfcc_mean: [f32; MFCC_COUNT],
    pub mfcc_std: [f32; MFCC_COUNT],
    /// Brightness: the spectrum's centre of mass, Hz.
    pub centroid_hz: Stat,
    /// Frequency below which 85 % of the energy lies, Hz.
    pub rolloff_hz: Stat,
    /// Noisiness: geometric over arithmetic mean of the power spectrum, 0 (tonal) … 1 (noise).
    pub flatness: Stat,
    /// How fast the spectrum changes from frame to frame (0 … √2).
    pub flux: Stat,
    /// Zero crossings per sample (0 … 1).
    pub zcr: Stat,
    /// Frame level, dBFS: the mean is how loud it sits, the spread how dynamic it is.
    pub rms_db: Stat,
    /// Share of frames that were silent.
    pub silent_share: f32,
}

#[derive(Debug, Clone, Copy, Default)]
struct Running {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Running {
    fn add(&mut self, x: f32) {
        if !x.is_finite() {
            return;
        }
        let x = f64::from(x);
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    fn stat(&self) -> Stat {
        if self.n == 0 {
            return Stat::default();
        }
        Stat {
            mean: self.mean as f32,
            std: (self.m2 / self.n as f64).max(0.0).sqrt() as f32,
        }
    }
}

/// Accumulates timbre descriptors frame by frame.
pub struct TimbreAccumulator {
    bin_hz: f32,
    /// Centre frequency of each bin, Hz.
    freqs: Vec<f32>,
    /// Per mel band: first bin and triangular weights.
    filters: Vec<(usize, Vec<f32>)>,
    /// DCT-II (orthonormal) rows for the MFCCs.
    dct: Vec<[f32; MEL_BANDS]>,
    previous: Vec<f32>,
    has_previous: bool,
    /// The frame's power spectrum (scratch).
    power: Vec<f32>,
    mel: [f32; MEL_BANDS],
    mfcc: [Running; MFCC_COUNT],
    /// The MFCC frames' sums for a full-covariance Gaussian ([`super::timbre_model`]), kept
    /// only when asked (`segue bench timbre`): the analysis stores no such model.
    gaussian: Option<GaussianSums>,
    centroid: Running,
    rolloff: Running,
    flatness: Running,
    flux: Running,
    zcr: Running,
    rms_db: Running,
    frames: u64,
    silent: u64,
}

fn hz_to_mel(hz: f32) -> f32 {
    2595.0 * (1.0 + hz / 700.0).log10()
}

fn mel_to_hz(mel: f32) -> f32 {
    700.0 * (10f32.powf(mel / 2595.0) - 1.0)
}

impl TimbreAccumulator {
    /// For spectra of `frame_size`-point FFTs at `sample_rate`.
    pub fn new(sample_rate: u32, frame_size: usize) -> Self {
        let bins = frame_size / 2 + 1;
        let bin_hz = sample_rate as f32 / frame_size as f32;
        let top = hz_to_mel(sample_rate as f32 / 2.0);
        let bottom = hz_to_mel(MEL_MIN_HZ);
        let edges: Vec<f32> = (0..MEL_BANDS + 2)
            .map(|i| mel_to_hz(bottom + (top - bottom) * i as f32 / (MEL_BANDS + 1) as f32))
            .collect();
        let filters = (0..MEL_BANDS)
            .map(|band| {
                let (lo, mid, hi) = (edges[band], edges[band + 1], edges[band + 2]);
                let first = ((lo / bin_hz).floor() as usize).min(bins - 1);
                let last = ((hi / bin_hz).ceil() as usize).min(bins - 1);
                let weights = (first..=last)
                    .map(|k| {
                        let f = k as f32 * bin_hz;
                        let w = if f <= mid {
                            (f - lo) / (mid - lo)
                        } else {
                            (hi - f) / (hi - mid)
                        };
                        w.max(0.0)
                    })
                    .collect();
                (first, weights)
            })
            .collect();
        let dct = (0..MFCC_COUNT)
            .map(|c| {
                let scale = if c == 0 {
                    (1.0 / MEL_BANDS as f32).sqrt()
                } else {
                    (2.0 / MEL_BANDS as f32).sqrt()
                };
                std::array::from_fn(|m| {
                    scale
                        * (std::f32::consts::PI * c as f32 * (m as f32 + 0.5) / MEL_BANDS as f32)
                            .cos()
                })
            })
            .collect();
        TimbreAccumulator {
            bin_hz,
            freqs: (0..bins).map(|k| k as f32 * bin_hz).collect(),
            filters,
            dct,
            previous: vec![0.0; bins],
            has_previous: false,
            power: Vec::with_capacity(bins),
            mel: [0.0; MEL_BANDS],
            mfcc: [Running::default(); MFCC_COUNT],
            gaussian: None,
            centroid: Running::default(),
            rolloff: Running::default(),
            flatness: Running::default(),
            flux: Running::default(),
            zcr: Running::default(),
            rms_db: Running::default(),
            frames: 0,
            silent: 0,
        }
    }

    /// One frame: its magnitude spectrum and its raw samples.
    pub fn frame(&mut self, magnitudes: &[f32], samples: &[f32]) {
        add_frame(self, magnitudes, samples);
    }

    /// From now on, also sum the MFCC frames for a Gaussian timbre model.
    pub fn keep_gaussian(&mut self) {
        self.gaussian.get_or_insert_with(GaussianSums::default);
    }

    /// The MFCC frames since [`Self::keep_gaussian`], as sums for a Gaussian timbre model.
    pub fn take_gaussian(&mut self) -> Option<GaussianSums> {
        self.gaussian.take()
    }

    pub fn finish(self) -> Timbre {
        Timbre {
            mfcc_mean: std::array::from_fn(|i| self.mfcc[i].stat().mean),
            mfcc_std: std::array::from_fn(|i| self.mfcc[i].stat().std),
            centroid_hz: self.centroid.stat(),
            rolloff_hz: self.rolloff.stat(),
            flatness: self.flatness.stat(),
            flux: self.flux.stat(),
            zcr: self.zcr.stat(),
            rms_db: self.rms_db.stat(),
            silent_share: if self.frames > 0 {
                self.silent as f32 / self.frames as f32
            } else {
                1.0
            },
        }
    }
}

super::stft::wide_vectors! {
    /// [`TimbreAccumulator::frame`], in wide vectors where the CPU has them.
    fn add_frame(acc: &mut TimbreAccumulator, magnitudes: &[f32], samples: &[f32]) {
        use super::stft::{dot, sum};
        acc.frames += 1;
        let n = samples.len().max(1) as f32;
        let rms = (dot(samples, samples) / n).sqrt();
        let rms_db = 20.0 * rms.max(1e-10).log10();
        if !(rms_db.is_finite() && rms_db > SILENT_DB) {
            acc.silent += 1;
            acc.has_previous = false;
            return;
        }
        acc.rms_db.add(rms_db);
        let crossings = samples
            .windows(2)
            .filter(|w| (w[0] >= 0.0) != (w[1] >= 0.0))
            .count();
        acc.zcr.add(crossings as f32 / n);

        let power = &mut acc.power;
        power.clear();
        power.extend(magnitudes.iter().map(|m| m * m));
        let (magnitude_sum, weighted, energy, log_power) =
            super::stft::spectral_sums(&magnitudes[1..], &acc.freqs[1..]);
        let bins = magnitudes.len().saturating_sub(1).max(1) as f32;
        let power_sum = energy + 1e-12 * bins;
        if magnitude_sum > 0.0 {
            acc.centroid.add(weighted / magnitude_sum);
        }
        acc.flatness
            .add(((log_power / bins).exp() / (power_sum / bins)).clamp(0.0, 1.0));
        // Roll-off: whole blocks of bins while the running energy stays under the target,
        // then bin by bin inside the block that crosses it.
        let target = ROLLOFF_SHARE * energy;
        let mut cumulative = 0.0;
        let mut k = 1;
        const BLOCK: usize = 32;
        while k < power.len() {
            let end = (k + BLOCK).min(power.len());
            let block = sum(&power[k..end]);
            if cumulative + block < target {
                cumulative += block;
                k = end;
                continue;
            }
            for (i, p) in power[k..end].iter().enumerate() {
                cumulative += p;
                if cumulative >= target {
                    acc.rolloff.add((k + i) as f32 * acc.bin_hz);
                    break;
                }
            }
            break;
        }
        // Flux between unit-norm spectra: change of shape, not of level.
        let norm = energy.sqrt();
        if norm > 0.0 {
            let scale = 1.0 / norm;
            if acc.has_previous {
                // |m/‖m‖ − p|² summed = 1·(own share) + ‖p‖² − 2 m·p/‖m‖.
                let own = sum(power) * scale * scale;
                let previous = dot(&acc.previous, &acc.previous);
                let cross = dot(magnitudes, &acc.previous) * scale;
                acc.flux
                    .add((own + previous - 2.0 * cross).max(0.0).sqrt());
            }
            for (p, m) in acc.previous.iter_mut().zip(magnitudes) {
                *p = m * scale;
            }
            acc.has_previous = true;
        }

        for (mel, (first, weights)) in acc.mel.iter_mut().zip(&acc.filters) {
            let e = dot(weights, &power[(*first).min(power.len())..]);
            *mel = (e + 1e-6).ln();
        }
        let mfcc: [f32; MFCC_COUNT] = std::array::from_fn(|c| dot(&acc.dct[c], &acc.mel));
        for (running, value) in acc.mfcc.iter_mut().zip(mfcc) {
            running.add(value);
        }
        if let Some(gaussian) = &mut acc.gaussian {
            gaussian.add(&mfcc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stft::Stft;
    use crate::analysis::ANALYSIS_RATE;
    use crate::audio::synth::{sine, Rng};

    fn timbre_of(samples: &[f32]) -> Timbre {
        let mut stft = Stft::new(1024, 512);
        let mut timbre = TimbreAccumulator::new(ANALYSIS_RATE, 1024);
        stft.push(samples, |f| timbre.frame(f.magnitudes, f.samples));
        stft.finish(|f| timbre.frame(f.magnitudes, f.samples));
        timbre.finish()
    }

    #[test]
    fn a_low_sine_is_darker_and_more_tonal_than_noise() {
        let low = timbre_of(&sine(ANALYSIS_RATE, 3.0, 220.0, 0.5));
        let mut rng = Rng::new(4);
        let noise: Vec<f32> = (0..ANALYSIS_RATE * 3).map(|_| 0.3 * rng.noise()).collect();
        let noisy = timbre_of(&noise);
        assert!(
            (low.centroid_hz.mean - 220.0).abs() < 60.0,
            "{:?}",
            low.centroid_hz
        );
        assert!(noisy.centroid_hz.mean > 4000.0, "{:?}", noisy.centroid_hz);
        assert!(low.flatness.mean < 0.05 && noisy.flatness.mean > 0.4);
        // A 220 Hz sine crosses zero 440 times a second.
        assert!((low.zcr.mean * ANALYSIS_RATE as f32 - 440.0).abs() < 15.0);
        assert!(noisy.zcr.mean > 0.4);
        assert!(low.rolloff_hz.mean < 400.0 && noisy.rolloff_hz.mean > 8000.0);
        assert!(low
            .mfcc_mean
            .iter()
            .chain(&noisy.mfcc_std)
            .all(|v| v.is_finite()));
        assert_ne!(low.mfcc_mean, noisy.mfcc_mean);
        // −6 dBFS peak sine: RMS −9 dBFS.
        assert!((low.rms_db.mean + 9.0).abs() < 0.5, "{:?}", low.rms_db);
    }

    #[test]
    fn silence_is_all_silent_frames_and_zeros() {
        let t = timbre_of(&vec![0.0; ANALYSIS_RATE as usize * 2]);
        assert_eq!(t.silent_share, 1.0);
        assert_eq!(t.centroid_hz, Stat::default());
        assert!(t.mfcc_mean.iter().all(|v| *v == 0.0));
    }
}
