//! Loudness: EBU R128 integrated loudness, loudness range and sample peak (the `ebur128` crate),
//! measured on the decoded channels at their own rate, as the standard defines it.

use ebur128::{EbuR128, Mode};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Loudness {
    /// Integrated loudness, LUFS. `None` for silence (R128 gates it all away).
    pub integrated_lufs: Option<f64>,
    /// Loudness range, LU.
    pub range_lu: Option<f64>,
    /// Highest sample over all channels, dBFS.
    pub peak_dbfs: Option<f64>,
}

/// Streams interleaved audio in; the R128 figures come out at the end.
pub struct LoudnessMeter {
    meter: Option<EbuR128>,
    channels: usize,
    rate: u32,
}

impl LoudnessMeter {
    pub fn new() -> Self {
        LoudnessMeter {
            meter: None,
            channels: 0,
            rate: 0,
        }
    }

    /// Feeds interleaved samples. The layout is fixed by the first block; a stream that changes
    /// it midway (a chained Ogg file) is measured on its first part only.
    pub fn push(&mut self, interleaved: &[f32], channels: usize, rate: u32) {
        if self.channels == 0 {
            self.channels = channels;
            self.rate = rate;
            self.meter = EbuR128::new(
                channels as u32,
                rate,
                Mode::I | Mode::LRA | Mode::SAMPLE_PEAK,
            )
            .map_err(|e| tracing::debug!("loudness meter: {e}"))
            .ok();
        }
        if channels != self.channels || rate != self.rate {
            return;
        }
        if let Some(meter) = self.meter.as_mut() {
            if meter.add_frames_f32(interleaved).is_err() {
                self.meter = None;
            }
        }
    }

    pub fn finish(self) -> Loudness {
        let Some(meter) = self.meter else {
            return Loudness::default();
        };
        let finite = |v: Result<f64, ebur128::Error>| v.ok().filter(|v| v.is_finite());
        let peak = (0..self.channels as u32)
            .filter_map(|c| finite(meter.sample_peak(c)))
            .fold(0.0f64, f64::max);
        Loudness {
            integrated_lufs: finite(meter.loudness_global()),
            range_lu: finite(meter.loudness_range()),
            peak_dbfs: (peak > 0.0).then(|| 20.0 * peak.log10()),
        }
    }
}

impl Default for LoudnessMeter {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::synth::sine;

    #[test]
    fn a_full_scale_1k_sine_reads_minus_3_lufs_in_one_channel_and_0_in_two() {
        // R128: a 0 dBFS 1 kHz sine in one channel is −3.01 LUFS; channels add up in power.
        let mono = sine(48_000, 5.0, 1000.0, 1.0);
        let mut meter = LoudnessMeter::new();
        meter.push(&mono, 1, 48_000);
        let lufs = meter.finish().integrated_lufs.expect("loudness");
        assert!((lufs + 3.01).abs() < 0.1, "mono {lufs}");
        let stereo: Vec<f32> = mono.iter().flat_map(|s| [*s, *s]).collect();
        let mut meter = LoudnessMeter::new();
        for block in stereo.chunks(4096) {
            meter.push(block, 2, 48_000);
        }
        let l = meter.finish();
        let lufs = l.integrated_lufs.expect("loudness");
        assert!(lufs.abs() < 0.1, "stereo {lufs}");
        assert!(l.peak_dbfs.expect("peak").abs() < 0.01);
        assert!(l.range_lu.expect("range") < 1.0);
    }

    #[test]
    fn silence_has_no_loudness() {
        let mut meter = LoudnessMeter::new();
        meter.push(&vec![0.0; 48_000 * 3], 1, 48_000);
        assert_eq!(meter.finish().integrated_lufs, None);
    }
}
