//! The centred short-time Fourier transform as librosa 0.7.2 computes it (512 points, hop 256,
//! periodic Hann window, reflect padding, float64 FFT, |X|² from numpy's complex64 `abs`), and
//! the [`FrontEnd`] that turns frames into mel power and log-mel, any range of frames of the
//! whole signal or of a [`Stretch`] of it: reflect padding only matters at the edges.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use super::log_step::log_compress;
use super::mel::sparse_filterbank;
use super::{HOP, N_BINS, N_FFT, N_MELS};

/// A stretch of a longer 16 kHz signal: samples `[offset, offset + data.len())` of a signal of
/// `total` samples.
#[derive(Debug, Clone, Copy)]
pub struct Stretch<'a> {
    pub data: &'a [f32],
    pub offset: usize,
    pub total: usize,
}

impl<'a> Stretch<'a> {
    /// The whole signal.
    pub fn whole(y: &'a [f32]) -> Self {
        Stretch {
            data: y,
            offset: 0,
            total: y.len(),
        }
    }

    /// Sample `i` of the signal; 0 outside the stretch (callers keep what they read inside).
    #[inline]
    fn at(&self, i: usize) -> f32 {
        i.checked_sub(self.offset)
            .and_then(|j| self.data.get(j))
            .copied()
            .unwrap_or(0.0)
    }
}

/// The STFT + mel + log front end, reusable across tracks (filterbank, FFT plan, window and
/// scratch buffers are allocated once).
pub struct FrontEnd {
    fft: Arc<dyn RealToComplex<f64>>,
    window: Vec<f64>,
    filters: Vec<(usize, Vec<f32>)>,
    frame: Vec<f64>,
    spectrum: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
    power: Vec<f32>,
}

impl Default for FrontEnd {
    fn default() -> Self {
        Self::new()
    }
}

impl FrontEnd {
    pub fn new() -> Self {
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(N_FFT);
        let frame = fft.make_input_vec();
        let spectrum = fft.make_output_vec();
        let scratch = fft.make_scratch_vec();
        FrontEnd {
            fft,
            window: hann_window(),
            filters: sparse_filterbank(),
            frame,
            spectrum,
            scratch,
            power: vec![0.0; N_BINS],
        }
    }

    /// Number of STFT frames for `n_samples` samples: `1 + n / 256` (0 for an empty signal,
    /// which the original cannot process at all).
    pub fn n_frames(n_samples: usize) -> usize {
        if n_samples == 0 {
            0
        } else {
            1 + n_samples / HOP
        }
    }

    /// Mel power (float32, before the float16 step) of frames `[start, start + count)` of the
    /// centred STFT of `y` (the whole 16 kHz signal), row-major `count × 96`; the range is
    /// clamped to the frames that exist. Only those frames are computed: reflect padding only
    /// matters at the edges, so a caller can analyse a few patches of a long track cheaply.
    pub fn mel_power(&mut self, y: &[f32], start: usize, count: usize) -> Vec<f32> {
        self.mel_power_of(Stretch::whole(y), start, count)
    }

    /// [`Self::mel_power`] of a stretch of the signal, which must hold every sample the frames
    /// read (256 either side of their centres, reflected at the signal's ends).
    pub fn mel_power_of(&mut self, y: Stretch<'_>, start: usize, count: usize) -> Vec<f32> {
        let total = Self::n_frames(y.total);
        let start = start.min(total);
        let end = start.saturating_add(count).min(total);
        let mut out = Vec::with_capacity((end - start) * N_MELS);
        for t in start..end {
            self.frame_power(y, t);
            for (first, weights) in &self.filters {
                let bins = &self.power[*first..*first + weights.len()];
                let mut acc = 0.0f32;
                for (&w, &p) in weights.iter().zip(bins) {
                    acc = w.mul_add(p, acc);
                }
                out.push(acc);
            }
        }
        out
    }

    /// Network input: the log-compressed mel ([`log_compress`] applied to [`Self::mel_power`]),
    /// same frame range, row-major `count × 96`.
    pub fn log_mel(&mut self, y: &[f32], start: usize, count: usize) -> Vec<f32> {
        self.log_mel_of(Stretch::whole(y), start, count)
    }

    /// [`Self::log_mel`] of a stretch of the signal (see [`Self::mel_power_of`]).
    pub fn log_mel_of(&mut self, y: Stretch<'_>, start: usize, count: usize) -> Vec<f32> {
        let mut mel = self.mel_power_of(y, start, count);
        for v in &mut mel {
            *v = log_compress(*v);
        }
        mel
    }

    /// |X|² (float32) of frame `t` into `self.power`.
    fn frame_power(&mut self, y: Stretch<'_>, t: usize) {
        let n = y.total;
        let first = t * HOP; // padded index of the frame's first sample
        let interior = first >= HOP
            && first + N_FFT - HOP <= n
            && first - HOP >= y.offset
            && first - HOP + N_FFT <= y.offset + y.data.len();
        if interior {
            let from = first - HOP - y.offset;
            let src = &y.data[from..from + N_FFT];
            for ((f, &s), &w) in self.frame.iter_mut().zip(src).zip(&self.window) {
                *f = f64::from(s) * w;
            }
        } else {
            for (j, (f, &w)) in self.frame.iter_mut().zip(&self.window).enumerate() {
                let s = y.at(reflect_index(first as isize + j as isize - HOP as isize, n));
                *f = f64::from(s) * w;
            }
        }
        let ok =
            self.fft
                .process_with_scratch(&mut self.frame, &mut self.spectrum, &mut self.scratch);
        debug_assert!(ok.is_ok());
        for (p, c) in self.power.iter_mut().zip(&self.spectrum) {
            let magnitude = numpy_cabsf(c.re as f32, c.im as f32);
            *p = magnitude * magnitude;
        }
    }
}

/// `np.abs` of a complex64 value as numpy 1.x computes it on AVX512F machines (the reference's):
/// `larger * sqrt(fma(r, r, 1))` with `r = smaller / larger`, all in float32. It differs from
/// `hypotf` by one ulp on about a third of the values.
#[inline]
pub(super) fn numpy_cabsf(re: f32, im: f32) -> f32 {
    let (re, im) = (re.abs(), im.abs());
    if re.is_infinite() || im.is_infinite() {
        return f32::INFINITY;
    }
    if re.is_nan() || im.is_nan() {
        return f32::NAN;
    }
    let larger = re.max(im);
    let smaller = re.min(im);
    let ratio = if larger == 0.0 { 0.0 } else { smaller / larger };
    ratio.mul_add(ratio, 1.0).sqrt() * larger
}

/// `np.pad(y, 256, mode='reflect')` as an index map: mirror without repeating the edge sample,
/// periodically for pads longer than the signal; a one-sample signal is edge-padded (numpy).
fn reflect_index(i: isize, n: usize) -> usize {
    if n <= 1 {
        return 0;
    }
    let n = n as isize;
    let period = 2 * (n - 1);
    let m = i.rem_euclid(period);
    (if m >= n { period - m } else { m }) as usize
}

/// `scipy.signal.get_window('hann', 512, fftbins=True)`: the periodic Hann window, computed as
/// scipy 1.x does (`0.5 + 0.5*cos(linspace(-π, π, 513))`, last point dropped), in float64.
fn hann_window() -> Vec<f64> {
    let pi = std::f64::consts::PI;
    let step = (pi - -pi) / N_FFT as f64;
    (0..N_FFT)
        .map(|n| {
            let fac = n as f64 * step + -pi;
            0.5 + 0.5 * fac.cos()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{read_wav, ref_dir};
    use super::*;

    #[test]
    fn reflect_padding_matches_numpy() {
        // np.pad([0, 1, 2, 3], 6, mode='reflect')
        let expected = [0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3];
        for (k, &e) in expected.iter().enumerate() {
            assert_eq!(reflect_index(k as isize - 6, 4), e, "padded index {k}");
        }
        assert_eq!(reflect_index(-5, 1), 0);
        assert_eq!(reflect_index(-1, 10), 1);
        assert_eq!(reflect_index(10, 10), 8);
    }

    #[test]
    fn frame_ranges_equal_the_full_computation() {
        let (x, _) = read_wav(&ref_dir().join("audio/noise.wav"));
        let y = &x[..20_000];
        let mut fe = FrontEnd::new();
        let t = FrontEnd::n_frames(y.len());
        let full = fe.mel_power(y, 0, t);
        for (start, count) in [(0, 3), (5, 10), (t - 3, 3), (t - 1, 100)] {
            let part = fe.mel_power(y, start, count);
            let end = (start + count).min(t);
            assert_eq!(part, full[start * N_MELS..end * N_MELS].to_vec());
        }
    }
}
