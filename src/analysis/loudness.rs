//! Loudness: EBU R128 / ITU-R BS.1770-4 integrated loudness, loudness range (EBU Tech 3342) and
//! sample peak, measured on the decoded channels at their own rate, as the standard defines it.
//!
//! Written here rather than taken from the `ebur128` crate, which the tests use as the reference
//! (agreement within 0.05 LU): that crate recomputes its gating blocks every 100 ms over f64
//! channel loops and cost more than decoding the file did. Here each channel goes through the
//! two K-weighting biquads once, and only the weighted power of every 100 ms sub-block is kept
//! (10 numbers per second); the 400 ms gating blocks and 3 s short-term windows are sums of
//! sub-blocks, computed at the end.

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

/// A biquad in direct form I, f64 (the 38 Hz high-pass needs the precision). Written so the
/// only work on the feedback path is one multiply and one subtract: the filter is a serial
/// chain per sample, and its latency is what a loudness measurement costs.
#[derive(Debug, Clone, Copy, Default)]
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
    /// x[n-1], x[n-2], y[n-1], y[n-2].
    s: [f64; 4],
}

impl Biquad {
    #[inline]
    fn run(&mut self, x: f64) -> f64 {
        let [x1, x2, y1, y2] = self.s;
        let feed = self.b[0] * x + self.b[1] * x1 + self.b[2] * x2 - self.a[1] * y2;
        let y = feed - self.a[0] * y1;
        self.s = [x, x1, y, y1];
        y
    }
}

/// Both K-weighting stages of two channels with the same coefficients, state as lanes, so the
/// compiler makes two-lane vector operations of it: one chain's latency for two channels.
struct StereoK {
    b: [[f64; 3]; 2],
    a: [[f64; 2]; 2],
    /// Per stage: x[n-1], x[n-2], y[n-1], y[n-2], each as (left, right).
    s: [[[f64; 2]; 4]; 2],
}

impl StereoK {
    fn load(left: &[Biquad; 2], right: &[Biquad; 2]) -> Self {
        StereoK {
            b: [left[0].b, left[1].b],
            a: [left[0].a, left[1].a],
            s: std::array::from_fn(|stage| {
                std::array::from_fn(|i| [left[stage].s[i], right[stage].s[i]])
            }),
        }
    }

    fn store(&self, left: &mut [Biquad; 2], right: &mut [Biquad; 2]) {
        for stage in 0..2 {
            left[stage].s = std::array::from_fn(|i| self.s[stage][i][0]);
            right[stage].s = std::array::from_fn(|i| self.s[stage][i][1]);
        }
    }

    #[inline]
    fn run(&mut self, mut x: [f64; 2]) -> [f64; 2] {
        for stage in 0..2 {
            let (b, a) = (self.b[stage], self.a[stage]);
            let [x1, x2, y1, y2] = self.s[stage];
            let feed: [f64; 2] =
                std::array::from_fn(|c| b[0] * x[c] + b[1] * x1[c] + b[2] * x2[c] - a[1] * y2[c]);
            let y: [f64; 2] = std::array::from_fn(|c| feed[c] - a[0] * y1[c]);
            self.s[stage] = [x, x1, y, y1];
            x = y;
        }
        x
    }
}

/// The two K-weighting stages at `rate` (BS.1770 pre-filter and RLB high-pass, designed by
/// bilinear transform as libebur128 does, so any sample rate works).
fn k_weighting(rate: f64) -> [Biquad; 2] {
    let (f0, gain_db, q) = (
        1_681.974_450_955_533,
        3.999_843_853_973_347,
        0.707_175_236_955_419_6,
    );
    let k = (std::f64::consts::PI * f0 / rate).tan();
    let vh = 10f64.powf(gain_db / 20.0);
    let vb = vh.powf(0.499_666_774_154_541_6);
    let a0 = 1.0 + k / q + k * k;
    let shelf = Biquad {
        b: [
            (vh + vb * k / q + k * k) / a0,
            2.0 * (k * k - vh) / a0,
            (vh - vb * k / q + k * k) / a0,
        ],
        a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
        s: [0.0; 4],
    };
    let (f0, q) = (38.135_470_876_024_44, 0.500_327_037_323_877_3);
    let k = (std::f64::consts::PI * f0 / rate).tan();
    let a0 = 1.0 + k / q + k * k;
    let high_pass = Biquad {
        b: [1.0, -2.0, 1.0],
        a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
        s: [0.0; 4],
    };
    [shelf, high_pass]
}

/// BS.1770 channel weights for the common layouts (5.1 as L R C LFE Ls Rs: the LFE does not
/// count, the surrounds count 1.41×).
fn channel_weights(channels: usize) -> Vec<f64> {
    match channels {
        5 => vec![1.0, 1.0, 1.0, 1.41, 1.41],
        6 => vec![1.0, 1.0, 1.0, 0.0, 1.41, 1.41],
        n => vec![1.0; n],
    }
}

/// Streams interleaved audio in; the R128 figures come out at the end.
pub struct LoudnessMeter {
    channels: usize,
    rate: u32,
    filters: Vec<[Biquad; 2]>,
    weights: Vec<f64>,
    /// Samples per 100 ms sub-block, and how far the current one is.
    sub_block: usize,
    in_block: usize,
    /// Per-channel sums of squares in the current sub-block.
    sums: Vec<f64>,
    /// Weighted mean square of each finished sub-block.
    powers: Vec<f64>,
    peak: f32,
}

impl Default for LoudnessMeter {
    fn default() -> Self {
        Self::new()
    }
}

impl LoudnessMeter {
    pub fn new() -> Self {
        LoudnessMeter {
            channels: 0,
            rate: 0,
            filters: Vec::new(),
            weights: Vec::new(),
            sub_block: 0,
            in_block: 0,
            sums: Vec::new(),
            powers: Vec::new(),
            peak: 0.0,
        }
    }

    /// Feeds interleaved samples. The layout is fixed by the first block; a stream that changes
    /// it midway (a chained Ogg file) is measured on its first part only.
    pub fn push(&mut self, interleaved: &[f32], channels: usize, rate: u32) {
        if channels == 0 || rate < 1000 {
            return;
        }
        if self.channels == 0 {
            self.channels = channels;
            self.rate = rate;
            self.filters = vec![k_weighting(f64::from(rate)); channels];
            self.weights = channel_weights(channels);
            self.sub_block = (rate / 10) as usize;
            self.sums = vec![0.0; channels];
        }
        if channels != self.channels || rate != self.rate {
            return;
        }
        let mut start = 0;
        let frames = interleaved.len() / channels;
        while start < frames {
            let take = (self.sub_block - self.in_block).min(frames - start);
            let chunk = &interleaved[start * channels..(start + take) * channels];
            // Frame by frame, all channels together: each channel's filter is a serial chain,
            // and interleaving them lets the CPU run the chains side by side.
            // The peak in its own pass, on the bits of |x| (ordered like the values for finite
            // floats; NaN counts as 0): this vectorises, a float max with NaN rules does not.
            let peak_bits = chunk
                .iter()
                .map(|x| match x.to_bits() & 0x7fff_ffff {
                    b if b > 0x7f80_0000 => 0,
                    b => b,
                })
                .max()
                .unwrap_or(0);
            self.peak = self.peak.max(f32::from_bits(peak_bits));
            if channels == 2 {
                // Stereo, the common case: both channels in lock-step arrays, which the
                // compiler turns into two-lane vector operations (one chain's latency for two).
                let (left, right) = self.filters.split_at_mut(1);
                let mut pair = StereoK::load(&left[0], &right[0]);
                let mut sums = [0.0f64; 2];
                for frame in chunk.chunks_exact(2) {
                    let y = pair.run([f64::from(frame[0]), f64::from(frame[1])]);
                    sums[0] += y[0] * y[0];
                    sums[1] += y[1] * y[1];
                }
                pair.store(&mut left[0], &mut right[0]);
                self.sums[0] += sums[0];
                self.sums[1] += sums[1];
            } else {
                for frame in chunk.chunks_exact(channels) {
                    for ((x, [shelf, high_pass]), sum) in
                        frame.iter().zip(&mut self.filters).zip(&mut self.sums)
                    {
                        let y = high_pass.run(shelf.run(f64::from(*x)));
                        *sum += y * y;
                    }
                }
            }
            self.in_block += take;
            start += take;
            if self.in_block == self.sub_block {
                let n = self.sub_block as f64;
                let power: f64 = self
                    .sums
                    .iter()
                    .zip(&self.weights)
                    .map(|(s, w)| w * s / n)
                    .sum();
                self.powers
                    .push(if power.is_finite() { power } else { 0.0 });
                self.sums.iter_mut().for_each(|s| *s = 0.0);
                self.in_block = 0;
            }
        }
    }

    pub fn finish(self) -> Loudness {
        let loudness = |power: f64| -0.691 + 10.0 * power.log10();
        // Mean power of windows of `len` sub-blocks, every `hop` sub-blocks.
        let windows = |len: usize, hop: usize| -> Vec<f64> {
            (len..=self.powers.len())
                .step_by(hop)
                .map(|end| self.powers[end - len..end].iter().sum::<f64>() / len as f64)
                .collect()
        };
        // Absolute gate, then the relative gate `relative_lu` below the gated mean.
        let gated = |blocks: &[f64], relative_lu: f64| -> Vec<f64> {
            let loud: Vec<f64> = blocks
                .iter()
                .copied()
                .filter(|p| *p > 0.0 && loudness(*p) > -70.0)
                .collect();
            if loud.is_empty() {
                return loud;
            }
            let mean = loud.iter().sum::<f64>() / loud.len() as f64;
            let threshold = loudness(mean) + relative_lu;
            loud.into_iter()
                .filter(|p| loudness(*p) > threshold)
                .collect()
        };
        // 400 ms gating blocks every 100 ms (BS.1770); 3 s short-term windows every second
        // (Tech 3342 asks for at least 2 s of overlap; libebur128 uses exactly this).
        let momentary = gated(&windows(4, 1), -10.0);
        let integrated = (!momentary.is_empty())
            .then(|| loudness(momentary.iter().sum::<f64>() / momentary.len() as f64))
            .filter(|l| l.is_finite());
        let mut short_term: Vec<f64> = gated(&windows(30, 10), -20.0)
            .into_iter()
            .map(loudness)
            .collect();
        short_term.sort_by(f64::total_cmp);
        let range = (!short_term.is_empty()).then(|| {
            let at = |q: f64| short_term[((short_term.len() - 1) as f64 * q).round() as usize];
            at(0.95) - at(0.10)
        });
        Loudness {
            integrated_lufs: integrated,
            range_lu: range.filter(|r| r.is_finite()),
            peak_dbfs: (self.peak > 0.0).then(|| 20.0 * f64::from(self.peak).log10()),
        }
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

    /// The `ebur128` crate (libebur128's port) is the reference.
    fn reference(interleaved: &[f32], channels: usize, rate: u32) -> (f64, f64) {
        let mode = ebur128::Mode::I | ebur128::Mode::LRA;
        let mut meter = ebur128::EbuR128::new(channels as u32, rate, mode).expect("meter");
        if channels == 6 {
            use ebur128::Channel::*;
            meter
                .set_channel_map(&[Left, Right, Center, Unused, LeftSurround, RightSurround])
                .expect("map");
        }
        meter.add_frames_f32(interleaved).expect("frames");
        (
            meter.loudness_global().expect("I"),
            meter.loudness_range().expect("LRA"),
        )
    }

    #[test]
    fn agrees_with_libebur128_on_music_like_signals() {
        use crate::audio::synth::Rng;
        let mut rng = Rng::new(8);
        for (channels, rate) in [(1usize, 22_050u32), (2, 44_100), (2, 48_000), (6, 48_000)] {
            // Noise bursts and tones whose level wanders over 20 dB, plus a quiet stretch that
            // the gates must drop.
            let seconds = 24.0;
            let frames = (seconds * rate as f32) as usize;
            let mut signal = Vec::with_capacity(frames * channels);
            for i in 0..frames {
                let t = i as f32 / rate as f32;
                let level = if (8.0..10.0).contains(&t) {
                    0.0005
                } else {
                    0.3 * (0.5 + 0.5 * (t * 0.7).sin()).powi(2) + 0.02
                };
                for c in 0..channels {
                    let tone = (2.0 * std::f32::consts::PI * (220.0 + 110.0 * c as f32) * t).sin();
                    signal.push(level * (0.6 * tone + 0.4 * rng.noise()));
                }
            }
            let mut meter = LoudnessMeter::new();
            for block in signal.chunks(4096 * channels) {
                meter.push(block, channels, rate);
            }
            let ours = meter.finish();
            let (i, lra) = reference(&signal, channels, rate);
            let (our_i, our_lra) = (
                ours.integrated_lufs.expect("I"),
                ours.range_lu.expect("LRA"),
            );
            assert!(
                (our_i - i).abs() < 0.05,
                "{channels} ch {rate} Hz: I {our_i:.3} vs {i:.3}"
            );
            assert!(
                (our_lra - lra).abs() < 0.3,
                "{channels} ch {rate} Hz: LRA {our_lra:.3} vs {lra:.3}"
            );
        }
    }

    #[test]
    fn silence_has_no_loudness() {
        let mut meter = LoudnessMeter::new();
        meter.push(&vec![0.0; 48_000 * 3], 1, 48_000);
        assert_eq!(meter.finish().integrated_lufs, None);
    }
}
