//! The MusiCNN audio front end, numerically equal to the original preprocessing (musicnn 0.1.0
//! with librosa 0.7.2, resampy 0.2.2, numpy 1.x): mono mixdown (the decoder's
//! [`crate::audio::decode::mix_down`], which is numpy's mean), `kaiser_best` resampling to
//! 16 kHz, a centred 512-point STFT (hop 256, periodic Hann, reflect padding), |X|² in float32,
//! the 96-band Slaney mel filterbank, the float16 rounding and `log10(10000·x + 1)`, and the
//! 187-frame patching. See `../shared/musicnn/ARCHITECTURE.md` §1 for the reference algorithm.
//!
//! Numerical parity. The reference outputs were produced with numpy 1.23.5 on an AVX512 machine,
//! where several numpy kernels are not the C library's; this module reproduces those:
//! * mixdown, resampling (resampy's loop: float64 accumulate stored back to float32 after every
//!   tap, the sequential time register; the regenerated `kaiser_best` table gives bit-identical
//!   audio), the window, the reflect padding and the filterbank are bit-exact;
//! * `np.abs` of complex64 is numpy's AVX512F kernel (`larger * sqrt(fma(r, r, 1))`), not
//!   `hypotf` (they differ by one ulp on a third of the bins);
//! * the mel product accumulates each band over its non-zero bins in ascending order with
//!   float32 fused multiply-adds, the order of OpenBLAS's sgemm kernel;
//! * float32 `np.log10` is SVML's `__svml_log10f16`, emulated here (up to 4 ulps from `log10f`);
//! * the FFT runs in float64 like numpy's pocketfft but with another algorithm (rustfft), so a
//!   bin stored to complex64 can differ by one float32 ulp on rare (mostly near-silent) bins.
//!
//! On the 10 reference inputs the whole log-mel spectrogram is bit-identical to numpy 1.23.5
//! running the reference algorithm on such a machine, and its sha256 equals the reference's for
//! 8 of them. In the other two the reference's spectrogram sum differs by 2.8e-4 and 3.4e-4, the
//! size of one value landing on the neighbouring float16 step: numpy on this machine type does
//! not reproduce those two hashes either (a summation-order difference where they were made).
//!
//! Resampling has two implementations of the one `kaiser_best` filter ([`Resampler`]): the
//! bit-exact loop above, for parity with the original (the reference tests, `segue musicnn`),
//! and a vectorised float32 polyphase FIR, ~8× cheaper, for the scan's tags (log-mel within
//! ~0.002 and tag probabilities within ~4.3e-5 of the exact loop on real recordings).
//!
//! The pipeline's steps, one module each: `kaiser` (resampy's `kaiser_best` filter, regenerated,
//! and its interpolation tables), `resample` (resampy's loop to 16 kHz, whole or in ranges, and
//! the choice of resampler), `polyphase` (the fast one),
//! `stft` (the framed, windowed FFT and |X|², and the [`FrontEnd`] that runs STFT, mel and log
//! per frame), `mel` (the Slaney filterbank) and `log_step` (float16 rounding and SVML's log10).
//! The parameters shared by all of them, and the patch grid, are here.

mod kaiser;
mod log_step;
mod mel;
mod polyphase;
mod resample;
mod stft;
#[cfg(test)]
mod tests;

pub use log_step::log_compress;
pub use mel::mel_filterbank;
pub use resample::{
    resample_range_to_16k, resample_stretch_to_16k, resample_to_16k, resampled_len,
    resampler_margin, Resampler,
};
pub use stft::{FrontEnd, Stretch};

/// The sample rate the network expects.
pub const SAMPLE_RATE: u32 = 16_000;
/// STFT size.
pub const N_FFT: usize = 512;
/// STFT hop.
pub const HOP: usize = 256;
/// Mel bands.
pub const N_MELS: usize = 96;
/// Frames per network input patch (3 s): `librosa.time_to_frames(3, 16000, 256, 512) + 1`.
pub const PATCH_FRAMES: usize = 187;
/// Frequency bins of the one-sided spectrum.
pub const N_BINS: usize = N_FFT / 2 + 1;
/// Samples needed for one patch: frames 0..187 exist once `1 + n/256 >= 187`.
pub const PATCH_SAMPLES: usize = (PATCH_FRAMES - 1) * HOP;

/// Start frames of the patches the original takes (hop 187, tail dropped): 0, 187, 374, …
/// while `start + 187 <= n_frames`.
pub fn patch_starts(n_frames: usize) -> Vec<usize> {
    (0..n_frames)
        .step_by(PATCH_FRAMES)
        .take_while(|s| s + PATCH_FRAMES <= n_frames)
        .collect()
}
