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

use std::sync::{Arc, Mutex, OnceLock};

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

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

// ---------------------------------------------------------------------------- resampling

/// resampy 0.2.2 `kaiser_best`: 64 zero crossings, 512 points per crossing.
const KB_ZEROS: usize = 64;
const KB_PRECISION: usize = 512;
const KB_BETA: f64 = 14.769656459379492;
const KB_ROLLOFF: f64 = 0.9475937167399596;
/// Length of the half window: 64 · 512 + 1.
const KB_NWIN: usize = KB_ZEROS * KB_PRECISION + 1;

/// Cephes / numpy `i0` Chebyshev coefficients, interval [0, 8].
#[allow(clippy::excessive_precision)]
const I0_A: [f64; 30] = [
    -4.41534164647933937950E-18,
    3.33079451882223809783E-17,
    -2.43127984654795469359E-16,
    1.71539128555513303061E-15,
    -1.16853328779934516808E-14,
    7.67618549860493561688E-14,
    -4.85644678311192946090E-13,
    2.95505266312963983461E-12,
    -1.72682629144155570723E-11,
    9.67580903537323691224E-11,
    -5.18979560163526290666E-10,
    2.65982372468238665035E-9,
    -1.30002500998624804212E-8,
    6.04699502254191894932E-8,
    -2.67079385394061173391E-7,
    1.11738753912010371815E-6,
    -4.41673835845875056359E-6,
    1.64484480707288970893E-5,
    -5.75419501008210370398E-5,
    1.88502885095841655729E-4,
    -5.76375574538582365885E-4,
    1.63947561694133579842E-3,
    -4.32430999505057594430E-3,
    1.05464603945949983183E-2,
    -2.37374148058994688156E-2,
    4.93052842396707084878E-2,
    -9.49010970480476444210E-2,
    1.71620901522208775349E-1,
    -3.04682672343198398683E-1,
    6.76795274409476084995E-1,
];

/// Cephes / numpy `i0` Chebyshev coefficients, interval (8, ∞).
#[allow(clippy::excessive_precision)]
const I0_B: [f64; 25] = [
    -7.23318048787475395456E-18,
    -4.83050448594418207126E-18,
    4.46562142029675999901E-17,
    3.46122286769746109310E-17,
    -2.82762398051658348494E-16,
    -3.42548561967721913462E-16,
    1.77256013305652638360E-15,
    3.81168066935262242075E-15,
    -9.55484669882830764870E-15,
    -4.15056934728722208663E-14,
    1.54008621752140982691E-14,
    3.85277838274214270114E-13,
    7.18012445138366623367E-13,
    -1.79417853150680611778E-12,
    -1.32158118404477131188E-11,
    -3.14991652796324136454E-11,
    1.18891471078464383424E-11,
    4.94060238822496958910E-10,
    3.39623202570838634515E-9,
    2.26666899049817806459E-8,
    2.04891858946906374183E-7,
    2.89137052083475648297E-6,
    6.88975834691682398426E-5,
    3.36911647825569408990E-3,
    8.04490411014108831608E-1,
];

fn chbevl(x: f64, coefficients: &[f64]) -> f64 {
    let mut b0 = coefficients[0];
    let mut b1 = 0.0;
    let mut b2 = 0.0;
    for &c in &coefficients[1..] {
        b2 = b1;
        b1 = b0;
        b0 = x * b1 - b2 + c;
    }
    0.5 * (b0 - b2)
}

/// `numpy.i0` for one value.
fn numpy_i0(x: f64) -> f64 {
    let x = x.abs();
    if x <= 8.0 {
        x.exp() * chbevl(x / 2.0 - 2.0, &I0_A)
    } else {
        x.exp() * chbevl(32.0 / x - 2.0, &I0_B) / x.sqrt()
    }
}

/// The `kaiser_best` half window, regenerated with numpy's formulas:
/// `np.kaiser(2n+1, β)[n:] * roll * np.sinc(roll * np.linspace(0, 64, n+1))`, n = 32768.
/// It differs from the table shipped with resampy 0.2.2 by a few 1e-16.
fn kaiser_best_window() -> &'static [f64] {
    static WINDOW: OnceLock<Vec<f64>> = OnceLock::new();
    WINDOW.get_or_init(|| {
        let n = KB_NWIN - 1;
        let alpha = n as f64; // (M - 1) / 2 with M = 2n + 1
        let denominator = numpy_i0(KB_BETA);
        (0..KB_NWIN)
            .map(|j| {
                let a = ((n + j) as f64 - alpha) / alpha;
                let kaiser = numpy_i0(KB_BETA * (1.0 - a * a).sqrt()) / denominator;
                // linspace(0, 64, 32769)[j] = j / 512 exactly.
                let x = KB_ROLLOFF * (j as f64 / KB_PRECISION as f64);
                let y = std::f64::consts::PI * if x == 0.0 { 1.0e-20 } else { x };
                let sinc = KB_ROLLOFF * (y.sin() / y);
                kaiser * sinc
            })
            .collect()
    })
}

/// The interpolation table of one source rate, laid out for contiguous access: resampy reads
/// `win[offset + i*step]` for i = 0, 1, …; row `offset` holds those (value, delta) pairs.
struct ResampleTable {
    scale: f64,
    time_increment: f64,
    step: usize,
    rows: Vec<[f64; 2]>,
    /// Row `p` is `rows[row_start[p]..row_start[p + 1]]`, p in 0..step.
    row_start: Vec<usize>,
}

impl ResampleTable {
    fn new(sr: u32) -> Option<Self> {
        let ratio = f64::from(SAMPLE_RATE) / f64::from(sr);
        let scale = ratio.min(1.0);
        let step = (scale * KB_PRECISION as f64) as usize;
        if step == 0 {
            return None;
        }
        let base = kaiser_best_window();
        let win: Vec<f64> = if ratio < 1.0 {
            base.iter().map(|&w| w * ratio).collect()
        } else {
            base.to_vec()
        };
        let mut delta = vec![0.0f64; KB_NWIN];
        for i in 0..KB_NWIN - 1 {
            delta[i] = win[i + 1] - win[i];
        }
        let mut rows = Vec::with_capacity(KB_NWIN);
        let mut row_start = Vec::with_capacity(step + 1);
        for p in 0..step {
            row_start.push(rows.len());
            let taps = (KB_NWIN - p) / step;
            rows.extend((0..taps).map(|i| [win[p + i * step], delta[p + i * step]]));
        }
        row_start.push(rows.len());
        Some(ResampleTable {
            scale,
            time_increment: 1.0 / ratio,
            step,
            rows,
            row_start,
        })
    }

    /// The taps `win[offset + i*step]`, i < (nwin - offset) / step, for offset in 0..=step.
    #[inline]
    fn row(&self, offset: usize) -> &[[f64; 2]] {
        if offset < self.step {
            &self.rows[self.row_start[offset]..self.row_start[offset + 1]]
        } else {
            // offset == step: the taps of phase 0 shifted by one.
            &self.rows[self.row_start[0] + 1..self.row_start[1]]
        }
    }

    /// Filter offset and interpolation factor for a fractional position (resampy's
    /// `index_frac = frac * num_table; offset = int(index_frac); eta = index_frac - offset`).
    #[inline]
    fn phase(&self, frac: f64) -> (&[[f64; 2]], f64) {
        let index_frac = frac * KB_PRECISION as f64;
        let offset = (index_frac as usize).min(self.step);
        let eta = index_frac - offset as f64;
        (self.row(offset), eta)
    }
}

/// The table for `sr` (cached per source rate; a few distinct rates occur in a library).
fn resample_table(sr: u32) -> Option<Arc<ResampleTable>> {
    type Cache = Mutex<Vec<(u32, Arc<ResampleTable>)>>;
    static TABLES: OnceLock<Cache> = OnceLock::new();
    let tables = TABLES.get_or_init(|| Mutex::new(Vec::new()));
    if let Ok(cache) = tables.lock() {
        if let Some((_, t)) = cache.iter().find(|(rate, _)| *rate == sr) {
            return Some(Arc::clone(t));
        }
    }
    let table = Arc::new(ResampleTable::new(sr)?);
    if let Ok(mut cache) = tables.lock() {
        if let Some((_, t)) = cache.iter().find(|(rate, _)| *rate == sr) {
            return Some(Arc::clone(t));
        }
        cache.push((sr, Arc::clone(&table)));
    }
    Some(table)
}

/// Output lengths for `n` input samples at `sr`: resampy's `int(n * ratio)` and librosa's
/// `fix_length` target `ceil(n * ratio)`.
fn resampled_lengths(n: usize, sr: u32) -> (usize, usize) {
    let ratio = f64::from(SAMPLE_RATE) / f64::from(sr);
    let scaled = n as f64 * ratio;
    (scaled as usize, scaled.ceil() as usize)
}

/// Length of [`resample_to_16k`]'s output for `n` samples at `sr` (0 when it cannot resample).
pub fn resampled_len(n: usize, sr: u32) -> usize {
    if sr == SAMPLE_RATE {
        return n;
    }
    if sr == 0 || n == 0 || resample_table(sr).is_none() {
        return 0;
    }
    let (n_out, target) = resampled_lengths(n, sr);
    if n_out == 0 {
        0
    } else {
        target
    }
}

/// One output sample of resampy's `resample_f` at time register `treg`.
#[inline]
fn resample_one(x: &[f32], table: &ResampleTable, treg: f64) -> f32 {
    let n = treg as usize;
    if n >= x.len() {
        return 0.0;
    }
    let mut acc = 0.0f32;
    let frac = table.scale * (treg - n as f64);
    let (row, eta) = table.phase(frac);
    let i_max = (n + 1).min(row.len());
    for (i, tap) in row[..i_max].iter().enumerate() {
        let weight = tap[0] + eta * tap[1];
        acc = (f64::from(acc) + weight * f64::from(x[n - i])) as f32;
    }
    let frac = table.scale - frac;
    let (row, eta) = table.phase(frac);
    let k_max = (x.len() - n - 1).min(row.len());
    for (k, tap) in row[..k_max].iter().enumerate() {
        let weight = tap[0] + eta * tap[1];
        acc = (f64::from(acc) + weight * f64::from(x[n + k + 1])) as f32;
    }
    acc
}

/// Output samples `[start, start + out.len())` of resampy's loop; `out.len()` must not exceed
/// `int(n * ratio) - start`. The time register is advanced sequentially from 0, as resampy does,
/// so any range is bit-identical to the same samples of the full run.
///
/// `x` may be a stretch of the signal starting at input sample `shift`: positions are then
/// taken relative to it (`treg - shift` is exact: `shift` is an integer below `treg`), and
/// results equal the full run's wherever the stretch covers both filter wings.
fn resample_into(x: &[f32], table: &ResampleTable, start: usize, shift: usize, out: &mut [f32]) {
    let mut treg = 0.0f64;
    for _ in 0..start {
        treg += table.time_increment;
    }
    let shift = shift as f64;
    let mut blocks = out.chunks_exact_mut(LANES);
    for block in &mut blocks {
        let mut tregs = [0.0f64; LANES];
        for t in &mut tregs {
            *t = (treg - shift).max(0.0);
            treg += table.time_increment;
        }
        if !resample_block(x, table, &tregs, block) {
            for (y, &t) in block.iter_mut().zip(&tregs) {
                *y = resample_one(x, table, t);
            }
        }
    }
    for y in blocks.into_remainder() {
        *y = resample_one(x, table, (treg - shift).max(0.0));
        treg += table.time_increment;
    }
}

/// Output samples computed together by [`resample_block`].
const LANES: usize = 6;

/// [`resample_one`] for `LANES` consecutive outputs at once, in the interior of the signal
/// (both wings complete). Each output keeps its own float32 accumulator and resampy's exact
/// order of taps (left wing from the centre outwards, then the right wing); interleaving
/// independent outputs only hides the latency of the add-and-round chain. Returns false,
/// without writing, when a wing reaches past either end of the signal.
#[inline]
fn resample_block(x: &[f32], table: &ResampleTable, tregs: &[f64; LANES], out: &mut [f32]) -> bool {
    let mut n = [0usize; LANES];
    let mut eta_left = [0.0f64; LANES];
    let mut eta_right = [0.0f64; LANES];
    let mut left: [&[[f64; 2]]; LANES] = [&[]; LANES];
    let mut right: [&[[f64; 2]]; LANES] = [&[]; LANES];
    for l in 0..LANES {
        let treg = tregs[l];
        let nl = treg as usize;
        if nl >= x.len() {
            return false;
        }
        let frac = table.scale * (treg - nl as f64);
        let (row, eta) = table.phase(frac);
        if row.len() > nl + 1 {
            return false;
        }
        let (row2, eta2) = table.phase(table.scale - frac);
        if row2.len() > x.len() - nl - 1 {
            return false;
        }
        n[l] = nl;
        left[l] = row;
        eta_left[l] = eta;
        right[l] = row2;
        eta_right[l] = eta2;
    }
    let mut acc = [0.0f32; LANES];

    // Left wing: x[n - i] for i = 0, 1, …
    let common = left.iter().map(|r| r.len()).min().unwrap_or(0);
    let mut xs: [&[f32]; LANES] = [&[]; LANES];
    let mut taps: [&[[f64; 2]]; LANES] = [&[]; LANES];
    for l in 0..LANES {
        // Reversed access: xs[l][common - 1 - i] = x[n - i].
        xs[l] = &x[n[l] + 1 - common..n[l] + 1];
        taps[l] = &left[l][..common];
    }
    for i in 0..common {
        for l in 0..LANES {
            let tap = taps[l][i];
            let weight = tap[0] + eta_left[l] * tap[1];
            acc[l] = (f64::from(acc[l]) + weight * f64::from(xs[l][common - 1 - i])) as f32;
        }
    }
    for l in 0..LANES {
        for (i, tap) in left[l].iter().enumerate().skip(common) {
            let weight = tap[0] + eta_left[l] * tap[1];
            acc[l] = (f64::from(acc[l]) + weight * f64::from(x[n[l] - i])) as f32;
        }
    }

    // Right wing: x[n + 1 + k] for k = 0, 1, …
    let common = right.iter().map(|r| r.len()).min().unwrap_or(0);
    for l in 0..LANES {
        xs[l] = &x[n[l] + 1..n[l] + 1 + common];
        taps[l] = &right[l][..common];
    }
    for k in 0..common {
        for l in 0..LANES {
            let tap = taps[l][k];
            let weight = tap[0] + eta_right[l] * tap[1];
            acc[l] = (f64::from(acc[l]) + weight * f64::from(xs[l][k])) as f32;
        }
    }
    for l in 0..LANES {
        for (k, tap) in right[l].iter().enumerate().skip(common) {
            let weight = tap[0] + eta_right[l] * tap[1];
            acc[l] = (f64::from(acc[l]) + weight * f64::from(x[n[l] + 1 + k])) as f32;
        }
    }
    out[..LANES].copy_from_slice(&acc);
    true
}

/// `librosa.load(..., sr=16000)` resampling of a mono float32 signal: resampy 0.2.2
/// `kaiser_best` from `sr` to 16 kHz, then `fix_length` to `ceil(n * 16000 / sr)` (zero-padded
/// or trimmed). At 16 kHz it is a copy. Bit-exact with the reference. Empty input, a rate of 0
/// and inputs too short to give one output sample (where resampy raises) give an empty result.
pub fn resample_to_16k(mono: &[f32], sr: u32) -> Vec<f32> {
    let len = resampled_len(mono.len(), sr);
    resample_range_to_16k(mono, sr, 0, len)
}

/// The same resampler computing only output samples `[out_start, out_start + out_len)`,
/// clamped to the full output length (`fix_length` padding included): for long tracks where
/// only a few 3-s patches are analysed. The time register is still accumulated sequentially
/// from sample 0, as resampy does (one float64 addition per skipped output sample: a few ms to
/// reach minute 3, against ~1 s to resample a whole 4-minute 44.1 kHz track), instead of being
/// computed as `out_index / ratio`; so the result is bit-identical to the same range of
/// [`resample_to_16k`]: the tests measure a max abs diff of exactly 0.
pub fn resample_range_to_16k(mono: &[f32], sr: u32, out_start: usize, out_len: usize) -> Vec<f32> {
    if sr == SAMPLE_RATE {
        let start = out_start.min(mono.len());
        let end = out_start.saturating_add(out_len).min(mono.len());
        return mono[start..end].to_vec();
    }
    let total = resampled_len(mono.len(), sr);
    let start = out_start.min(total);
    let end = out_start.saturating_add(out_len).min(total);
    if start >= end {
        return Vec::new();
    }
    let Some(table) = resample_table(sr) else {
        return Vec::new();
    };
    let (n_out, _) = resampled_lengths(mono.len(), sr);
    let mut out = vec![0.0f32; end - start];
    // Samples at or past resampy's own length are fix_length's zero padding.
    let computed_end = end.min(n_out);
    if computed_end > start {
        resample_into(mono, &table, start, 0, &mut out[..computed_end - start]);
    }
    out
}

/// Input samples either side of a position the resampler reads at `sr` (its filter's reach).
pub fn resampler_margin(sr: u32) -> usize {
    let ratio = f64::from(SAMPLE_RATE) / f64::from(sr.max(1));
    let step = ((ratio.min(1.0)) * KB_PRECISION as f64) as usize;
    KB_NWIN / step.max(1) + 2
}

/// [`resample_range_to_16k`] when only a stretch of the input is at hand: `stretch` holds
/// input samples `[stretch_start, stretch_start + stretch.len())` of a signal of `total_in`
/// samples. Equal to the full resampler's output wherever the stretch covers
/// [`resampler_margin`] samples beyond the input positions the outputs sit at (the streaming
/// analysis keeps just the audio around the patches it tags).
pub fn resample_stretch_to_16k(
    stretch: &[f32],
    stretch_start: usize,
    total_in: usize,
    sr: u32,
    out_start: usize,
    out_len: usize,
) -> Vec<f32> {
    let end = out_start.saturating_add(out_len);
    if sr == SAMPLE_RATE {
        return (out_start..end.min(total_in))
            .map(|i| {
                i.checked_sub(stretch_start)
                    .and_then(|j| stretch.get(j))
                    .copied()
                    .unwrap_or(0.0)
            })
            .collect();
    }
    let total = resampled_len(total_in, sr);
    let start = out_start.min(total);
    let end = end.min(total);
    if start >= end {
        return Vec::new();
    }
    let Some(table) = resample_table(sr) else {
        return Vec::new();
    };
    let (n_out, _) = resampled_lengths(total_in, sr);
    let mut out = vec![0.0f32; end - start];
    let computed_end = end.min(n_out);
    if computed_end > start {
        resample_into(
            stretch,
            &table,
            start,
            stretch_start,
            &mut out[..computed_end - start],
        );
    }
    out
}

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

// ---------------------------------------------------------------------------- mel filterbank

/// The 98 band edges of the Slaney mel filterbank in Hz (float64 bit patterns):
/// `mel_to_hz(linspace(hz_to_mel(0), hz_to_mel(8000), 98))`, exactly as numpy 1.23 computes them
/// on the reference's AVX512 machines. numpy's own vectorised `exp`/`log` there differ from the
/// C library's by one ulp on 23 of these values (and on `log(6.4)`), and that moves one of the
/// 24 672 float32 weights by one ulp, so the edges are stored rather than recomputed. The tests
/// recompute them from librosa's formulas and check they agree to within 1e-14 (relative).
const MEL_EDGES: [u64; N_MELS + 2] = [
    0x0000000000000000,
    0x403f18beb7ae54c4,
    0x404f18beb7ae54c4,
    0x4057528f09c2bf93,
    0x405f18beb7ae54c4,
    0x40636f7732ccf4fb,
    0x4067528f09c2bf93,
    0x406b35a6e0b88a2c,
    0x406f18beb7ae54c4,
    0x40717deb47520faf,
    0x40736f7732ccf4fb,
    0x407561031e47da46,
    0x4077528f09c2bf93,
    0x4079441af53da4e0,
    0x407b35a6e0b88a2c,
    0x407d2732cc336f77,
    0x407f18beb7ae54c4,
    0x4080852551949d09,
    0x40817deb47520faf,
    0x408276b13d0f8254,
    0x40836f7732ccf4fb,
    0x4084683d288a67a1,
    0x408561031e47da46,
    0x408659c914054ced,
    0x4087528f09c2bf93,
    0x40884b54ff80323a,
    0x4089441af53da4e0,
    0x408a3ce0eafb1785,
    0x408b35a6e0b88a2c,
    0x408c2e6cd675fcd2,
    0x408d2732cc336f77,
    0x408e1ff8c1f0e21e,
    0x408f18beb7ae54c4,
    0x40900d8201b49cd1,
    0x4090936ec3819ffa,
    0x40911db8d3cd95bc,
    0x4091ac849c0c9596,
    0x40923ff7b579a290,
    0x4092d838f2fd0446,
    0x409375706b65376f,
    0x409417c783f526f7,
    0x4094bf68fb4a7537,
    0x40956c80f49eb3e4,
    0x40961f3d0366816c,
    0x4096d7cc37519b12,
    0x4097965f28af0cb4,
    0x40985b280538c15d,
    0x4099265a9d49d356,
    0x4099f82c718315f7,
    0x409ad0d4c0e17120,
    0x409bb08c9749c3ae,
    0x409c978edc8e218e,
    0x409d861863f061de,
    0x409e7c67fc26128d,
    0x409f7abe7fe20901,
    0x40a040af7373f542,
    0x40a0c8472bd715ad,
    0x40a1544a1cc994b2,
    0x40a1e4dd23d51689,
    0x40a27a265212a23f,
    0x40a3144cf6308a62,
    0x40a3b379a6cbf496,
    0x40a457d64d20b997,
    0x40a5018e30126e0f,
    0x40a5b0cdff917c26,
    0x40a665c3e05f4db7,
    0x40a7209f7834a077,
    0x40a7e191fa4d36e8,
    0x40a8a8ce345c33b1,
    0x40a976889bec88c6,
    0x40aa4af75c30ffb4,
    0x40ab265264477e7a,
    0x40ac08d375f34a0c,
    0x40acf2b634d22747,
    0x40ade43836105ba2,
    0x40aedd99109fafb3,
    0x40afdf1a6df5b8d2,
    0x40b074800daae922,
    0x40b0fdc80dd5a9b8,
    0x40b18b895cfc5b25,
    0x40b21de94e304459,
    0x40b2b50e6be695e0,
    0x40b35120821e46ec,
    0x40b3f248a8da9bcc,
    0x40b498b14ef5181d,
    0x40b544864549b61e,
    0x40b5f5f4ca405424,
    0x40b6ad2b95b661df,
    0x40b76a5ae54bf07a,
    0x40b82db4891762af,
    0x40b8f76bf0c314ee,
    0x40b9c7b6391871e3,
    0x40ba9eca39fc03f9,
    0x40bb7ce094de32a5,
    0x40bc6233c3a478e4,
    0x40bd4f00280f01c1,
    0x40be43841b9eb920,
    0x40bf3fffffffffff,
];

/// `librosa.filters.mel(16000, 512, n_mels=96)` (Slaney scale and area norm, float32): the
/// 96×257 filterbank, row-major, bit-identical to the reference. The triangles are evaluated in
/// float64 and stored to float32, then multiplied by `2 / (f[i+2] - f[i])` and rounded again.
pub fn mel_filterbank() -> Vec<f32> {
    let nyquist = f64::from(SAMPLE_RATE) / 2.0;
    // np.linspace(0, 8000, 257): step 31.25 exactly.
    let fft_step = nyquist / (N_BINS - 1) as f64;
    let fftfreqs: Vec<f64> = (0..N_BINS).map(|k| k as f64 * fft_step).collect();
    let mel_f: Vec<f64> = MEL_EDGES.iter().map(|&b| f64::from_bits(b)).collect();
    let fdiff: Vec<f64> = mel_f.windows(2).map(|w| w[1] - w[0]).collect();
    let mut weights = vec![0.0f32; N_MELS * N_BINS];
    for i in 0..N_MELS {
        let enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
        for (k, &f) in fftfreqs.iter().enumerate() {
            let lower = -(mel_f[i] - f) / fdiff[i];
            let upper = (mel_f[i + 2] - f) / fdiff[i + 1];
            // np.minimum / np.maximum as numpy's AVX512 loops evaluate them (x86 min/max return
            // the second operand on ties): band 0 starts with -0.0, as in the original.
            let tri = if lower < upper { lower } else { upper };
            let tri = if 0.0 > tri { 0.0 } else { tri };
            let stored = tri as f32;
            weights[i * N_BINS + k] = (f64::from(stored) * enorm) as f32;
        }
    }
    weights
}

/// The filterbank as rows of their non-zero span: (first bin, weights).
fn sparse_filterbank() -> Vec<(usize, Vec<f32>)> {
    let dense = mel_filterbank();
    dense
        .chunks_exact(N_BINS)
        .map(|row| {
            let first = row.iter().position(|&w| w != 0.0).unwrap_or(0);
            let last = row.iter().rposition(|&w| w != 0.0).map_or(first, |l| l + 1);
            (first, row[first..last].to_vec())
        })
        .collect()
}

// ---------------------------------------------------------------------------- log step, patches

/// The musicnn log step on one mel power value: round to float16 (nearest, ties to even; above
/// 65504 it becomes infinity, as in the original), then `log10(f32(f16) * 10000 + 1)` in float32.
pub fn log_compress(mel_power: f32) -> f32 {
    let m16 = half::f16::from_f32(mel_power).to_f32();
    numpy_log10f(m16 * 10000.0f32 + 1.0f32)
}

/// SVML `__svml_log10f16` (the "la" variant numpy 1.x uses for float32 `np.log10` on AVX512
/// machines, the reference's): `log10(x) = e·log10(2) + p(r)`, with `x = 2^e · m`,
/// m = getmant(x) in [0.75, 1.5), r = m - 1 and a cubic-plus-linear polynomial per sixteenth of
/// the mantissa range (Horner with FMAs, float32). Within 1 ulp of `log10f`, but not equal to it.
/// Non-positive, infinite and NaN inputs take the library path, as SVML's own special cases
/// give the same values (−inf, NaN, inf).
fn numpy_log10f(x: f32) -> f32 {
    const A: [u32; 16] = [
        3184111259, 3181837556, 3180047478, 3177957936, 3175655835, 3173780127, 3172237531,
        3170958066, 3196205737, 3194315592, 3192585145, 3191105685, 3189833727, 3188734475,
        3187779868, 3186223182,
    ];
    const B: [u32; 16] = [
        1041488008, 1041279100, 1040946627, 1040547595, 1040048184, 1039171801, 1038306334,
        1037468467, 1034710670, 1037388369, 1039339328, 1040458589, 1040937011, 1041247376,
        1041427373, 1041506296,
    ];
    const C: [u32; 16] = [
        3193854619, 3193841271, 3193799669, 3193724950, 3193617675, 3193480957, 3193318914,
        3193135864, 3194544764, 3194251079, 3194067571, 3193958490, 3193898352, 3193869008,
        3193857579, 3193854984,
    ];
    const D: [u32; 16] = [
        1054759896, 1054759749, 1054758872, 1054756529, 1054752055, 1054744934, 1054734809,
        1054721467, 1054738669, 1054749415, 1054755175, 1054758032, 1054759295, 1054759760,
        1054759882, 1054759897,
    ];
    const LOG10_2: u32 = 1050288283;
    if !(x > 0.0 && x.is_finite()) {
        return x.log10();
    }
    // getexp / getmant (interval [0.75, 1.5)); subnormals are normalised first.
    let (bits, exp_bias) = if x.is_normal() {
        (x.to_bits(), 127i32)
    } else {
        ((x * 16_777_216.0f32).to_bits(), 127 + 24)
    };
    let exponent = ((bits >> 23) & 0xff) as i32 - exp_bias;
    let fraction = bits & 0x007f_ffff;
    let (mant_bits, mant_exp) = if fraction & 0x0040_0000 != 0 {
        ((126u32 << 23) | fraction, -1i32)
    } else {
        ((127u32 << 23) | fraction, 0i32)
    };
    let mant = f32::from_bits(mant_bits);
    let idx = ((mant_bits >> 19) & 15) as usize;
    let r = mant - 1.0f32;
    let e = (exponent - mant_exp) as f32 * f32::from_bits(LOG10_2);
    let mut p = r.mul_add(f32::from_bits(A[idx]), f32::from_bits(B[idx]));
    p = r.mul_add(p, f32::from_bits(C[idx]));
    p = r.mul_add(p, f32::from_bits(D[idx]));
    r.mul_add(p, e)
}

/// Start frames of the patches the original takes (hop 187, tail dropped): 0, 187, 374, …
/// while `start + 187 <= n_frames`.
pub fn patch_starts(n_frames: usize) -> Vec<usize> {
    (0..n_frames)
        .step_by(PATCH_FRAMES)
        .take_while(|s| s + PATCH_FRAMES <= n_frames)
        .collect()
}

// ---------------------------------------------------------------------------- STFT + mel

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
fn numpy_cabsf(re: f32, im: f32) -> f32 {
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
    use super::*;

    /// `np.mean(y, axis=0)` over channels, as a new vector (the front end's own path appends
    /// with [`crate::audio::decode::mix_down`]).
    fn mixdown(interleaved: &[f32], channels: usize) -> Vec<f32> {
        let mut out = Vec::new();
        crate::audio::decode::mix_down(interleaved, channels, &mut out);
        out
    }
    use std::path::{Path, PathBuf};

    fn ref_dir() -> PathBuf {
        let dir = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/musicnn/ref"
        ));
        assert!(
            dir.join("audio").is_dir(),
            "MusiCNN reference data missing: expected {} \
             (shared/musicnn/ref with audio/*.wav and *.MSD_musicnn.json)",
            dir.display()
        );
        dir
    }

    /// int16 / 32768 as float32, channels averaged (soundfile + librosa.to_mono).
    fn read_wav(path: &Path) -> (Vec<f32>, u32) {
        let mut reader = hound::WavReader::open(path)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
        let spec = reader.spec();
        assert_eq!(spec.sample_format, hound::SampleFormat::Int);
        assert_eq!(spec.bits_per_sample, 16);
        let samples: Vec<f32> = reader
            .samples::<i16>()
            .map(|s| f32::from(s.expect("sample")) / 32768.0f32)
            .collect();
        (
            mixdown(&samples, usize::from(spec.channels)),
            spec.sample_rate,
        )
    }

    /// The reference inputs: every `audio/*.wav` with its `*.MSD_musicnn.json`.
    fn reference_cases() -> Vec<(String, PathBuf, serde_json::Value, String)> {
        let dir = ref_dir();
        let mut names: Vec<String> = std::fs::read_dir(dir.join("audio"))
            .expect("list ref/audio")
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".wav").map(str::to_owned)
            })
            .collect();
        names.sort();
        assert!(
            names.len() >= 10,
            "expected the 10 reference WAVs, found {}",
            names.len()
        );
        names
            .into_iter()
            .map(|name| {
                let json_path = dir.join(format!("{name}.MSD_musicnn.json"));
                let text = std::fs::read_to_string(&json_path)
                    .unwrap_or_else(|e| panic!("{}: {e}", json_path.display()));
                let json: serde_json::Value = serde_json::from_str(&text).expect("reference JSON");
                (
                    name.clone(),
                    dir.join(format!("audio/{name}.wav")),
                    json,
                    text,
                )
            })
            .collect()
    }

    fn json_matrix(v: &serde_json::Value) -> Vec<f64> {
        v.as_array()
            .expect("matrix")
            .iter()
            .flat_map(|row| {
                row.as_array()
                    .expect("row")
                    .iter()
                    .map(|x| x.as_f64().expect("number"))
            })
            .collect()
    }

    /// A number from the JSON text parsed with Rust's correctly rounded parser (serde_json's
    /// default float parsing can be one ulp off): the first `"key": <number>` after `after`.
    fn raw_json_f64(text: &str, after: &str, key: &str) -> f64 {
        let start = text.find(after).unwrap_or_else(|| panic!("no {after}"));
        let pattern = format!("\"{key}\":");
        let at = start
            + text[start..]
                .find(&pattern)
                .unwrap_or_else(|| panic!("no {key}"))
            + pattern.len();
        let rest = text[at..].trim_start();
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
            .unwrap_or(rest.len());
        rest[..end].parse().unwrap_or_else(|e| panic!("{key}: {e}"))
    }

    fn json_usize(v: &serde_json::Value, key: &str) -> usize {
        v[key].as_u64().unwrap_or_else(|| panic!("missing {key}")) as usize
    }

    /// numpy's float64 `sum` of a contiguous array (pairwise summation, blocks of 128,
    /// 8 accumulators, over chunks of 8192), as `spectrogram_stats.sum` was computed.
    fn numpy_sum(a: &[f64]) -> f64 {
        fn pairwise(a: &[f64]) -> f64 {
            let n = a.len();
            if n < 8 {
                let mut res = 0.0;
                for &v in a {
                    res += v;
                }
                res
            } else if n <= 128 {
                let mut r = [0.0f64; 8];
                r.copy_from_slice(&a[..8]);
                let mut i = 8;
                while i < n - n % 8 {
                    for j in 0..8 {
                        r[j] += a[i + j];
                    }
                    i += 8;
                }
                let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
                for &v in &a[i..] {
                    res += v;
                }
                res
            } else {
                let mut n2 = n / 2;
                n2 -= n2 % 8;
                pairwise(&a[..n2]) + pairwise(&a[n2..])
            }
        }
        // The reduction's inner loop sees the array in buffer-sized chunks of 8192.
        let mut sum = 0.0;
        for chunk in a.chunks(8192) {
            sum += pairwise(chunk);
        }
        sum
    }

    /// SHA-256 (FIPS 180-4), for `spectrogram_sha256_f32`.
    fn sha256_hex(data: &[u8]) -> String {
        const K: [u32; 64] = [
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
            0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
            0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
            0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
            0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
            0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
            0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
            0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
            0xc67178f2,
        ];
        let mut h: [u32; 8] = [
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
            0x5be0cd19,
        ];
        let mut msg = data.to_vec();
        msg.push(0x80);
        while msg.len() % 64 != 56 {
            msg.push(0);
        }
        msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
        for block in msg.chunks_exact(64) {
            let mut w = [0u32; 64];
            for (i, c) in block.chunks_exact(4).enumerate() {
                w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
            }
            for i in 16..64 {
                let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
                let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
                w[i] = w[i - 16]
                    .wrapping_add(s0)
                    .wrapping_add(w[i - 7])
                    .wrapping_add(s1);
            }
            let mut v = h;
            for i in 0..64 {
                let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
                let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
                let t1 = v[7]
                    .wrapping_add(s1)
                    .wrapping_add(ch)
                    .wrapping_add(K[i])
                    .wrapping_add(w[i]);
                let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
                let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
                let t2 = s0.wrapping_add(maj);
                v = [
                    t1.wrapping_add(t2),
                    v[0],
                    v[1],
                    v[2],
                    v[3].wrapping_add(t1),
                    v[4],
                    v[5],
                    v[6],
                ];
            }
            for (a, b) in h.iter_mut().zip(v) {
                *a = a.wrapping_add(b);
            }
        }
        h.iter().map(|x| format!("{x:08x}")).collect()
    }

    #[test]
    fn sha256_known_vectors() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    #[test]
    fn filterbank_is_bit_identical_to_reference_npy() {
        let bytes =
            std::fs::read(ref_dir().join("mel_filterbank_96x257_f32.npy")).expect("read npy");
        assert_eq!(&bytes[..6], b"\x93NUMPY", "not an npy file");
        let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
        let header = std::str::from_utf8(&bytes[10..10 + header_len]).expect("npy header");
        assert!(
            header.contains("'<f4'") && header.contains("(96, 257)"),
            "{header}"
        );
        assert!(header.contains("'fortran_order': False"), "{header}");
        let data: Vec<f32> = bytes[10 + header_len..]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let ours = mel_filterbank();
        assert_eq!(data.len(), N_MELS * N_BINS);
        let differing = ours
            .iter()
            .zip(&data)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        assert_eq!(differing, 0, "filterbank values differing from the npy");
    }

    /// Frames 0–4 against `mel_power_first5` / `mel_first5`. Returns (max relative diff of the
    /// mel power, max abs diff of the log-mel, values that land on a neighbouring float16 step).
    fn check_first5(
        name: &str,
        mel: &[f32],
        log_mel: &[f32],
        json: &serde_json::Value,
    ) -> (f64, f64, usize) {
        let ref_power = json_matrix(&json["mel_power_first5"]);
        let ref_log = json_matrix(&json["mel_first5"]);
        assert_eq!(ref_power.len(), 5 * N_MELS);
        assert_eq!(ref_log.len(), 5 * N_MELS);
        let mut max_rel = 0.0f64;
        for (i, (&ours, &want)) in mel.iter().zip(&ref_power).enumerate() {
            let diff = (f64::from(ours) - want).abs();
            // The JSON holds 6 significant digits.
            assert!(
                diff <= 1e-5 * want.abs() + 1e-12,
                "{name}: mel power [{}, {}] = {ours}, reference {want}",
                i / N_MELS,
                i % N_MELS
            );
            if want != 0.0 {
                max_rel = max_rel.max(diff / want.abs());
            }
        }
        let mut max_abs = 0.0f64;
        let mut flips = 0;
        for (i, ((&ours, &want), &power)) in log_mel.iter().zip(&ref_log).zip(mel).enumerate() {
            let tolerance = 1e-5 * want.abs() + 1e-7;
            let diff = (f64::from(ours) - want).abs();
            max_abs = max_abs.max(diff);
            if diff <= tolerance {
                continue;
            }
            // One float16 step either side of our rounding.
            let h = half::f16::from_f32(power);
            let neighbours = [h.to_bits().wrapping_sub(1), h.to_bits().wrapping_add(1)];
            let explained = neighbours.iter().any(|&b| {
                let v = half::f16::from_bits(b).to_f32();
                let alt = numpy_log10f(v * 10000.0 + 1.0);
                (f64::from(alt) - want).abs() <= tolerance
            });
            assert!(
                explained,
                "{name}: log-mel [{}, {}] = {ours}, reference {want}, not within one float16 step",
                i / N_MELS,
                i % N_MELS
            );
            flips += 1;
        }
        (max_rel, max_abs, flips)
    }

    #[test]
    fn reference_files_match() {
        let mut fe = FrontEnd::new();
        let mut total_flips = 0;
        let mut sha_matches = 0;
        let cases = reference_cases();
        for (name, wav, json, text) in &cases {
            let (x, sr) = read_wav(wav);
            let y = resample_to_16k(&x, sr);
            let n_samples = json_usize(json, "n_samples");
            assert_eq!(y.len(), n_samples, "{name}: 16 kHz length");
            if sr != SAMPLE_RATE {
                // librosa's fix_length target.
                let expected = (x.len() as f64 * 16000.0 / f64::from(sr)).ceil() as usize;
                assert_eq!(
                    n_samples, expected,
                    "{name}: n_samples is the 16 kHz length"
                );
            }
            let t = FrontEnd::n_frames(y.len());
            assert_eq!(t, json_usize(json, "n_frames_total"), "{name}: frames");
            assert_eq!(
                patch_starts(t).len(),
                json_usize(json, "n_patches"),
                "{name}: patches"
            );

            let mel = fe.mel_power(&y, 0, 5);
            let log_mel = fe.log_mel(&y, 0, 5);
            let (max_rel, max_abs, flips) = check_first5(name, &mel, &log_mel, json);
            total_flips += flips;

            // The whole spectrogram: sha256 of the float32 bytes, and the stats.
            let spec = fe.log_mel(&y, 0, t);
            assert_eq!(spec.len(), t * N_MELS);
            let bytes: Vec<u8> = spec.iter().flat_map(|v| v.to_le_bytes()).collect();
            let sha_ok =
                sha256_hex(&bytes) == json["spectrogram_sha256_f32"].as_str().expect("sha");
            sha_matches += usize::from(sha_ok);
            let stat = |key| raw_json_f64(text, "\"spectrogram_stats\"", key);
            let spec64: Vec<f64> = spec.iter().map(|&v| f64::from(v)).collect();
            let sum_diff = numpy_sum(&spec64) - stat("sum");
            let min = spec.iter().copied().fold(f32::INFINITY, f32::min);
            let max = spec.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            eprintln!(
                "{name}: sr {sr}, {} samples, {t} frames; first5 mel power max rel diff \
                 {max_rel:.2e}, log-mel max abs diff {max_abs:.2e}, f16 flips {flips}; \
                 sha256 {}; sum diff {sum_diff:.3e}",
                y.len(),
                if sha_ok { "equal" } else { "differs" }
            );
            if sha_ok {
                assert_eq!(
                    sum_diff, 0.0,
                    "{name}: identical bytes must give the identical sum"
                );
            } else {
                // A float16 flip moves one value by at most ~2.1e-4 (one step of the log).
                assert!(
                    sum_diff.abs() < 1e-3,
                    "{name}: spectrogram sum off by {sum_diff}"
                );
            }
            assert_eq!(f64::from(min), stat("min"), "{name}: min");
            assert_eq!(f64::from(max), stat("max"), "{name}: max");
        }
        eprintln!(
            "sha256 equal on {sha_matches} of {} files; {total_flips} float16 flips in frames 0-4",
            cases.len()
        );
        assert!(
            total_flips <= 3,
            "{total_flips} float16 flips in the first frames"
        );
        assert!(
            2 * sha_matches >= cases.len(),
            "only {sha_matches} spectrograms bit-identical"
        );
    }

    #[test]
    fn resampled_reference_files() {
        let dir = ref_dir();
        let mut fe = FrontEnd::new();
        for (name, rate, channels) in [
            ("rs44k_stereo_battle", 44_100, 2),
            ("rs48k_mono_elvish", 48_000, 1),
            ("rs22k_mono_northerners", 22_050, 1),
        ] {
            let wav = dir.join(format!("audio/{name}.wav"));
            let reader = hound::WavReader::open(&wav).expect("open");
            assert_eq!(reader.spec().sample_rate, rate);
            assert_eq!(usize::from(reader.spec().channels), channels);
            drop(reader);
            let json: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(dir.join(format!("{name}.MSD_musicnn.json")))
                    .expect("json"),
            )
            .expect("parse");
            let (x, sr) = read_wav(&wav);
            let y = resample_to_16k(&x, sr);
            assert_eq!(y.len(), json_usize(&json, "n_samples"), "{name}");
            assert_eq!(y.len(), resampled_len(x.len(), sr));
            let mel = fe.mel_power(&y, 0, 5);
            let log_mel = fe.log_mel(&y, 0, 5);
            let (max_rel, max_abs, flips) = check_first5(name, &mel, &log_mel, &json);
            eprintln!(
                "{name}: {} -> {} samples; first5 max rel {max_rel:.2e}, max abs {max_abs:.2e}, \
                 flips {flips}",
                x.len(),
                y.len()
            );
            assert_eq!(flips, 0, "{name}");
        }
    }

    #[test]
    fn range_resampling_equals_full() {
        let (x, sr) = read_wav(&ref_dir().join("audio/rs44k_stereo_battle.wav"));
        let full = resample_to_16k(&x, sr);
        let mut worst = 0.0f32;
        for (start, len) in [
            (0, 100),
            (30_000, 8_000),
            (47_616, 47_616),
            (full.len() - 500, 1_000),
            (12_345, 1),
        ] {
            let part = resample_range_to_16k(&x, sr, start, len);
            let end = (start + len).min(full.len());
            assert_eq!(part.len(), end - start);
            for (a, b) in part.iter().zip(&full[start..end]) {
                worst = worst.max((a - b).abs());
            }
        }
        eprintln!("resample_range_to_16k vs resample_to_16k: max abs diff {worst:e}");
        assert!(worst < 1e-6);
        assert_eq!(
            worst, 0.0,
            "the range resampler is meant to be bit-identical"
        );
        assert!(resample_range_to_16k(&x, sr, full.len(), 10).is_empty());
        assert!(resample_range_to_16k(&x, sr, usize::MAX, usize::MAX).is_empty());
        // 16 kHz: a slice.
        let y: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        assert_eq!(
            resample_range_to_16k(&y, 16_000, 990, 100),
            y[990..].to_vec()
        );
    }

    #[test]
    fn fix_length_pads_with_zeros() {
        // 7 samples at 44.1 kHz: int(7 * 0.3628) = 2 computed, ceil = 3, the last is padding.
        let x = [0.5f32, -0.25, 0.125, 1.0, -1.0, 0.0, 0.75];
        let y = resample_to_16k(&x, 44_100);
        assert_eq!(y.len(), 3);
        assert_eq!(y[2], 0.0);
        assert!(y[0] != 0.0);
        // Upsampling (8 kHz -> 16 kHz) doubles the length.
        let x: Vec<f32> = (0..800).map(|i| (i as f32 * 0.1).sin()).collect();
        let y = resample_to_16k(&x, 8_000);
        assert_eq!(y.len(), 1600);
        // Interpolating a band-limited sine: every other output is close to the input.
        for i in 100..700 {
            assert!(
                (y[2 * i] - x[i]).abs() < 1e-3,
                "{i}: {} vs {}",
                y[2 * i],
                x[i]
            );
        }
    }

    #[test]
    fn tiny_and_degenerate_inputs_do_not_panic() {
        let mut fe = FrontEnd::new();
        // Empty.
        assert!(mixdown(&[], 2).is_empty());
        assert!(mixdown(&[1.0, 2.0], 0).is_empty());
        assert!(resample_to_16k(&[], 44_100).is_empty());
        assert!(resample_to_16k(&[], 16_000).is_empty());
        assert_eq!(FrontEnd::n_frames(0), 0);
        assert!(fe.mel_power(&[], 0, 10).is_empty());
        assert!(fe.log_mel(&[], 0, usize::MAX).is_empty());
        assert!(patch_starts(0).is_empty());
        // Rates that cannot be resampled.
        assert!(resample_to_16k(&[0.1; 100], 0).is_empty());
        assert!(resample_to_16k(&[0.1; 100], 20_000_000).is_empty());
        // int(2/3) = 0 output samples: resampy raises.
        assert!(resample_to_16k(&[0.1; 2], 48_000).is_empty());
        // One sample, 100 samples, around one FFT frame.
        for n in [1usize, 2, 3, 100, 255, 256, 257, 511, 512, 513] {
            let y: Vec<f32> = (0..n)
                .map(|i| ((i * 7919) % 200) as f32 / 100.0 - 1.0)
                .collect();
            let t = FrontEnd::n_frames(n);
            assert_eq!(t, 1 + n / 256);
            let mel = fe.log_mel(&y, 0, usize::MAX);
            assert_eq!(mel.len(), t * N_MELS, "n = {n}");
            assert!(mel.iter().all(|v| v.is_finite()), "n = {n}");
            assert!(fe.mel_power(&y, t, 5).is_empty());
            assert!(patch_starts(t).is_empty());
            let r = resample_to_16k(&y, 44_100);
            assert_eq!(r.len(), resampled_len(n, 44_100));
        }
        // Exactly one patch.
        let y = vec![0.25f32; PATCH_SAMPLES];
        assert_eq!(PATCH_SAMPLES, 47_616);
        assert_eq!(FrontEnd::n_frames(y.len()), PATCH_FRAMES);
        assert_eq!(patch_starts(FrontEnd::n_frames(y.len())), vec![0]);
        assert!(patch_starts(FrontEnd::n_frames(y.len() - 1)).is_empty());
        assert_eq!(fe.log_mel(&y, 0, PATCH_FRAMES).len(), PATCH_FRAMES * N_MELS);
        assert_eq!(
            patch_starts(1876),
            (0..10).map(|k| k * 187).collect::<Vec<_>>()
        );
        assert_eq!(patch_starts(626), vec![0, 187, 374]);
    }

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

    #[test]
    fn mixdown_is_the_float32_mean() {
        assert_eq!(mixdown(&[1.0, 2.0, 3.0, 5.0], 2), vec![1.5, 4.0]);
        assert_eq!(mixdown(&[1.0, 2.0, 4.0, 0.5], 1), vec![1.0, 2.0, 4.0, 0.5]);
        let m = mixdown(&[0.1, 0.2, 0.4, 9.0], 3); // trailing partial frame ignored
        assert_eq!(m, vec![((0.1f32 + 0.2f32) + 0.4f32) / 3.0f32]);
    }

    #[test]
    fn log_step_is_float16_then_svml_log10() {
        assert_eq!(log_compress(0.0), 0.0);
        assert!(
            log_compress(1e6).is_infinite(),
            "beyond float16 the original overflows too"
        );
        // Values rounding to the same float16 give the same output.
        assert_eq!(log_compress(1.0), log_compress(1.0002));
        // SVML's "la" log10 stays within 4 ulps of the correctly rounded value.
        let mut x = 1.0f32;
        while x < 1.0e9 {
            let exact = (f64::from(x)).log10() as f32;
            let ours = numpy_log10f(x);
            let ulps = (ours.to_bits() as i64 - exact.to_bits() as i64).abs();
            assert!(ulps <= 4, "log10({x}) = {ours}, exact {exact}");
            x *= 1.000_37;
        }
        // Values printed by numpy 1.23.5 (np.log10 on float32, AVX512 machine).
        assert_eq!(numpy_log10f(1.0), 0.0);
        assert_eq!(numpy_log10f(10.0), 1.0);
        assert_eq!(numpy_log10f(100.0), 2.000_000_2);
        assert_eq!(numpy_log10f(1000.0), 3.000_000_2);
        assert_eq!(numpy_log10f(1.519_560_5), 0.181_718);
        assert_eq!(log_compress(0.5), 3.699_056_9);
        assert_eq!(log_compress(6.0), 4.778_158_7);
        // complex64 abs as numpy computes it.
        assert_eq!(numpy_cabsf(3.0, 4.0), 5.0);
        assert_eq!(numpy_cabsf(0.0, 0.0), 0.0);
        assert_eq!(numpy_cabsf(-0.0, 2.0), 2.0);
        assert!(numpy_cabsf(f32::INFINITY, f32::NAN).is_infinite());
    }

    #[test]
    fn mel_edges_follow_librosa_formulas() {
        // librosa 0.7.2 hz_to_mel / mel_to_hz (Slaney), with the C library's exp and log.
        let f_sp = 200.0 / 3.0;
        let min_log_mel = 1000.0 / f_sp;
        let logstep = 6.4f64.ln() / 27.0;
        let m1 = min_log_mel + (8000.0f64 / 1000.0).ln() / logstep;
        let step = m1 / 97.0;
        for (j, &bits) in MEL_EDGES.iter().enumerate() {
            let m = if j == 97 { m1 } else { j as f64 * step };
            let hz = if m >= min_log_mel {
                1000.0 * (logstep * (m - min_log_mel)).exp()
            } else {
                f_sp * m
            };
            let edge = f64::from_bits(bits);
            assert!(
                (hz - edge).abs() <= 1e-14 * edge,
                "edge {j}: {hz} vs {edge}"
            );
        }
        assert_eq!(f64::from_bits(MEL_EDGES[0]), 0.0);
        assert!((f64::from_bits(MEL_EDGES[97]) - 8000.0).abs() < 1e-9);
    }

    #[test]
    fn kaiser_table_regeneration() {
        let w = kaiser_best_window();
        assert_eq!(w.len(), KB_NWIN);
        // w[0] = roll (kaiser(0) = 1, sinc(0) = 1), the tail is ~0.
        assert!((w[0] - KB_ROLLOFF).abs() < 1e-15, "{}", w[0]);
        assert!(w[KB_NWIN - 1].abs() < 1e-6);
        let table = resample_table(44_100).expect("table");
        assert_eq!(table.step, 185);
        assert_eq!(table.row(0).len(), KB_NWIN / 185);
        assert_eq!(table.row(185).len(), table.row(0).len() - 1);
    }

    #[test]
    fn timing() {
        let (x, sr) = read_wav(&ref_dir().join("audio/rs44k_stereo_battle.wav"));
        let seconds = x.len() as f64 / f64::from(sr);
        let start = std::time::Instant::now();
        let y = resample_to_16k(&x, sr);
        let resample_ms = start.elapsed().as_secs_f64() * 1e3;
        let (z, _) = read_wav(&ref_dir().join("audio/wesnoth_battle.wav"));
        let mut fe = FrontEnd::new();
        let start = std::time::Instant::now();
        let spec = fe.log_mel(&z, 0, usize::MAX);
        let log_mel_ms = start.elapsed().as_secs_f64() * 1e3;
        eprintln!(
            "resample 44.1k -> 16k: {:.2} ms per second of audio; \
             log_mel on 30 s: {:.1} ms ({:.3} ms per second)",
            resample_ms / seconds,
            log_mel_ms,
            log_mel_ms / 30.0
        );
        assert_eq!(y.len(), 80_000);
        assert_eq!(spec.len(), 1876 * N_MELS);
    }
}
