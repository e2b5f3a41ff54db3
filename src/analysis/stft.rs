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
                let v = if ok { c.norm() } else { 0.0 };
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
