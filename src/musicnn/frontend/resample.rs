//! `librosa.load(..., sr=16000)`'s resampling as resampy 0.2.2 runs it: the output lengths
//! (`int(n·ratio)` computed, `fix_length` to `ceil(n·ratio)`), the loop itself (float64
//! accumulate stored back to float32 after every tap, the time register advanced sequentially
//! from 0, several outputs interleaved for speed), over the whole signal, a range of outputs, or
//! a stretch of the input around the patches the analysis tags. Bit-exact with the reference.
//!
//! Two resamplers share the lengths and the 16 kHz grid ([`Resampler`]): this bit-exact loop,
//! for everything that claims parity with the original, and the same `kaiser_best` filter as
//! a vectorised float32 polyphase FIR (`polyphase`), ~8× cheaper, for the scan's tags: its tag
//! probabilities stay within 4.3e-5 of this loop's (docs/benchmarks.md, issue 19).

use super::kaiser::{resample_table, ResampleTable, KB_NWIN, KB_PRECISION};
use super::polyphase::{self, polyphase_table};
use super::SAMPLE_RATE;

/// Which resampler brings a patch's source audio to 16 kHz. Both run resampy's `kaiser_best`
/// filter and give the same lengths and the same 16 kHz sample grid, so the same patches at
/// the same frames; they differ in rounding and speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resampler {
    /// resampy 0.2.2's loop, bit-identical to the original (the filter interpolated from its
    /// table, float64 multiply-adds rounded to float32 after every tap, one tap at a time):
    /// the reference-parity tests and `segue musicnn`.
    ResampyExact,
    /// The same filter evaluated at each phase's exact positions, as a float32 polyphase FIR
    /// with a vectorised dot product: ~8× cheaper per patch, log-mel within ~0.005 and tag
    /// probabilities within ~4.3e-5 of [`Resampler::ResampyExact`] (measured by `segue bench
    /// musicnn`). What the scan's tags use ([`crate::musicnn::tagger::SCAN_RESAMPLER`]).
    Fast,
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

/// Input samples either side of a position `resampler` reads at `sr` (its filter's reach).
pub fn resampler_margin(sr: u32, resampler: Resampler) -> usize {
    match resampler {
        Resampler::ResampyExact => {
            let ratio = f64::from(SAMPLE_RATE) / f64::from(sr.max(1));
            let step = ((ratio.min(1.0)) * KB_PRECISION as f64) as usize;
            KB_NWIN / step.max(1) + 2
        }
        Resampler::Fast => polyphase_table(sr).map_or(0, |t| t.reach()),
    }
}

/// [`resample_range_to_16k`] (with [`Resampler::ResampyExact`]) when only a stretch of the
/// input is at hand: `stretch` holds input samples `[stretch_start, stretch_start +
/// stretch.len())` of a signal of `total_in` samples. Equal to `resampler` run on the whole
/// signal wherever the stretch covers [`resampler_margin`] samples beyond the input positions
/// the outputs sit at (the streaming analysis keeps just the audio around the patches it tags).
pub fn resample_stretch_to_16k(
    stretch: &[f32],
    stretch_start: usize,
    total_in: usize,
    sr: u32,
    out_start: usize,
    out_len: usize,
    resampler: Resampler,
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
    let (n_out, _) = resampled_lengths(total_in, sr);
    let mut out = vec![0.0f32; end - start];
    // Samples at or past resampy's own length are fix_length's zero padding.
    let computed_end = end.min(n_out);
    if computed_end > start {
        let computed = &mut out[..computed_end - start];
        match resampler {
            Resampler::ResampyExact => {
                let Some(table) = resample_table(sr) else {
                    return Vec::new();
                };
                resample_into(stretch, &table, start, stretch_start, computed);
            }
            Resampler::Fast => {
                let Some(table) = polyphase_table(sr) else {
                    return Vec::new();
                };
                polyphase::resample_into(stretch, &table, sr, start, stretch_start, computed);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{read_wav, ref_dir};
    use super::*;

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
}
