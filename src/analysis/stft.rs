//! A streaming short-time Fourier transform: samples in, one magnitude spectrum per hop out.
//! Only one frame of samples is buffered, so memory does not grow with track length.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

/// One analysed frame, lent to the caller's closure.
pub struct Frame<'a> {
    /// Magnitudes of bins 0..=size/2 (unnormalised: a full-scale sine peaks near size/4).
    pub magnitudes: &'a [f32],
    /// The frame's samples before windowing (for time-domain features).
    pub samples: &'a [f32],
}

pub struct Stft {
    size: usize,
    hop: usize,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    /// Samples not yet consumed by a full frame.
    buffer: Vec<f32>,
    windowed: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    magnitudes: Vec<f32>,
}

impl Stft {
    /// A Hann-windowed STFT of `size` samples every `hop` samples.
    pub fn new(size: usize, hop: usize) -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(size);
        let window = (0..size)
            .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / size as f32).cos())
            .collect();
        let spectrum = fft.make_output_vec();
        let scratch = fft.make_scratch_vec();
        let bins = spectrum.len();
        Stft {
            size,
            hop,
            fft,
            window,
            buffer: Vec::with_capacity(size * 4),
            windowed: vec![0.0; size],
            spectrum,
            scratch,
            magnitudes: vec![0.0; bins],
        }
    }

    pub fn bins(&self) -> usize {
        self.magnitudes.len()
    }

    /// Feeds samples; calls `on_frame` for every complete frame, in order.
    pub fn push(&mut self, samples: &[f32], mut on_frame: impl FnMut(Frame<'_>)) {
        self.buffer.extend_from_slice(samples);
        let mut start = 0;
        while self.buffer.len() - start >= self.size {
            let frame = &self.buffer[start..start + self.size];
            for ((out, s), w) in self.windowed.iter_mut().zip(frame).zip(&self.window) {
                *out = s * w;
            }
            let ok = self
                .fft
                .process_with_scratch(&mut self.windowed, &mut self.spectrum, &mut self.scratch)
                .is_ok();
            for (m, c) in self.magnitudes.iter_mut().zip(&self.spectrum) {
                // A failed FFT cannot happen with buffers made by the plan; if it did, a silent
                // frame keeps the timeline intact.
                // sqrt(re² + im²): hypot's overflow care is not needed at these magnitudes.
                let v = if ok {
                    (c.re * c.re + c.im * c.im).sqrt()
                } else {
                    0.0
                };
                *m = if v.is_finite() { v } else { 0.0 };
            }
            on_frame(Frame {
                magnitudes: &self.magnitudes,
                samples: frame,
            });
            start += self.hop;
        }
        self.buffer.drain(..start);
    }
}

/// Natural log, about 1e-5 relative error, for positive finite `x`: the per-bin logs of onset
/// flux and spectral flatness, where libm's `logf` was a tenth of the analysis time.
#[inline]
pub fn fast_ln(x: f32) -> f32 {
    let bits = x.to_bits();
    let exponent = ((bits >> 23) & 0xff) as i32 - 127;
    // Mantissa in [1, 2); ln m = 2 atanh t with t = (m − 1)/(m + 1) < 1/3.
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let ln_m = 2.0 * t * (1.0 + t2 * (1.0 / 3.0 + t2 * (0.2 + t2 * (1.0 / 7.0 + t2 / 9.0))));
    exponent as f32 * std::f32::consts::LN_2 + ln_m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_ln_is_close_to_ln() {
        let mut x = 1e-12f32;
        while x < 1e12 {
            let (fast, exact) = (fast_ln(x), x.ln());
            assert!(
                (fast - exact).abs() < 2e-5 * exact.abs().max(1.0),
                "{x}: {fast} vs {exact}"
            );
            x *= 1.37;
        }
    }
}
