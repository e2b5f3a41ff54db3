//! The tagger's fast resampler to 16 kHz: resampy's own `kaiser_best` filter (64 zero
//! crossings, its cutoff, gain and truncated filter step, its phase geometry) as a float32
//! polyphase FIR with a vectorised dot product, instead of resampy's loop (the filter read
//! from a table with linear interpolation, a float64 multiply-add rounded to float32 after
//! every tap, one tap at a time). Same filter, other rounding: ~8× cheaper; on 246 real
//! recordings the log-mel stays within 0.005 and the tag probabilities within 4.3e-5 of the
//! exact path (docs/benchmarks.md, 2026-12-03 session 10).
//!
//! Output sample `j` sits at input time `j · sr / 16000`, computed exactly in integers: the
//! 16 kHz grid and so the patches' frames are the exact path's. (resampy accumulates it in
//! float64; where that lands a hair below a whole input sample it reads the sample before at
//! phase ≈ 1, 0.0015 zero crossings off: the one place the two differ by more than rounding.) The fractional position picks one of the filter's phases,
//! tabulated per source rate: every phase of the reduced ratio when there are at most
//! [`MAX_PHASES`] (160 at 44.1 kHz, 320 at 22.05 kHz, 1 at 48 kHz), else [`MAX_PHASES`] of them
//! with linear interpolation between the two nearest (odd rates such as 44 101 Hz).
//!
//! Deterministic: the dot product keeps [`CHAINS`] × [`LANES`] partial sums in a fixed order
//! without fused multiply-adds, so the AVX-512, AVX2 and plain paths give the same bits.

use std::sync::{Arc, OnceLock};

use super::kaiser::{
    cached_per_rate, numpy_i0, RateCache, KB_BETA, KB_PRECISION, KB_ROLLOFF, KB_ZEROS,
};
use super::SAMPLE_RATE;

/// Phases tabulated at most; rates needing more interpolate between neighbours.
const MAX_PHASES: usize = 1024;
/// Partial sums of the dot product per chain (one AVX-512 register of float32).
const LANES: usize = 16;
/// Independent chains of partial sums ([`dot`] spells out four).
const CHAINS: usize = 4;
/// Taps per step of the dot product; the rows are padded to a multiple of it.
const CHUNK: usize = LANES * CHAINS;

/// The filter of one source rate: `phases + 1` rows of `taps` weights; row `p` is for the
/// fractional input position `p / phases` and weighs input samples `n - half .. n - half +
/// taps` for an output at `n + p / phases`. The last row (position 1.0) is for interpolation.
pub(super) struct PolyphaseTable {
    phases: usize,
    /// Whether `phases` is the reduced ratio's denominator (no interpolation ever needed).
    exact_phases: bool,
    taps: usize,
    half: usize,
    rows: Vec<f32>,
}

impl PolyphaseTable {
    fn new(sr: u32) -> Option<Self> {
        if sr == 0 {
            return None;
        }
        let ratio = f64::from(SAMPLE_RATE) / f64::from(sr);
        // resampy's geometry, in zero crossings of the filter: an input sample `i` whole samples
        // left of the output's position `n + f` is at `scale·f + step·i`, one `k` whole samples
        // right of `n + 1` at `scale·(1 - f) + step·k`. Downsampling, `scale` is the ratio and
        // `step` its truncation to 512ths, `int(ratio · 512) / 512` (a slightly lower cutoff);
        // the weights are scaled by the ratio. The exact path's cutoff, gain and phases.
        let (scale, step, gain) = if ratio < 1.0 {
            let step = (ratio * KB_PRECISION as f64) as usize;
            if step == 0 {
                return None;
            }
            (ratio, step as f64 / KB_PRECISION as f64, ratio)
        } else {
            (1.0, 1.0, 1.0)
        };
        let zeros = KB_ZEROS as f64;
        let half = (zeros / step).ceil() as usize + 1;
        let taps = (2 * half + 1).div_ceil(CHUNK) * CHUNK;
        let reduced = (SAMPLE_RATE / gcd(sr, SAMPLE_RATE)) as usize;
        let (phases, exact_phases) = if reduced <= MAX_PHASES {
            (reduced, true)
        } else {
            (MAX_PHASES, false)
        };
        // `kaiser_best` at `x` zero crossings: the Kaiser window times the sinc (as
        // `kaiser::kaiser_best_window` tabulates it at 512 points per crossing).
        let i0_beta = numpy_i0(KB_BETA);
        let filter = |x: f64| -> f32 {
            if x >= zeros {
                return 0.0;
            }
            let u = x / zeros;
            let window = numpy_i0(KB_BETA * (1.0 - u * u).sqrt()) / i0_beta;
            let y = std::f64::consts::PI * KB_ROLLOFF * x;
            let sinc = if y == 0.0 { 1.0 } else { y.sin() / y };
            (gain * KB_ROLLOFF * sinc * window) as f32
        };
        let mut rows = Vec::with_capacity((phases + 1) * taps);
        for p in 0..=phases {
            let f = p as f64 / phases as f64;
            // Tap `k` reads input sample `n - half + k`.
            rows.extend((0..taps).map(|k| match half.checked_sub(k) {
                Some(i) => filter(scale * f + step * i as f64),
                None => filter(scale * (1.0 - f) + step * (k - half - 1) as f64),
            }));
        }
        Some(PolyphaseTable {
            phases,
            exact_phases,
            taps,
            half,
            rows,
        })
    }

    /// Input samples either side of an output's position the filter reads.
    pub(super) fn reach(&self) -> usize {
        self.taps - self.half
    }

    fn row(&self, p: usize) -> &[f32] {
        &self.rows[p * self.taps..(p + 1) * self.taps]
    }
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The table for `sr`, cached per source rate (a library holds a few distinct rates).
pub(super) fn polyphase_table(sr: u32) -> Option<Arc<PolyphaseTable>> {
    static TABLES: RateCache<PolyphaseTable> = OnceLock::new();
    cached_per_rate(&TABLES, sr, PolyphaseTable::new)
}

/// Output samples `[start, start + out.len())` at 16 kHz of a signal at `sr`, of which `x`
/// holds input samples `[shift, shift + x.len())`; samples outside it count as 0 (the signal's
/// own edges, as resampy treats them).
pub(super) fn resample_into(
    x: &[f32],
    table: &PolyphaseTable,
    sr: u32,
    start: usize,
    shift: usize,
    out: &mut [f32],
) {
    if out.is_empty() {
        return;
    }
    let position = |j: usize| (j as u64 * u64::from(sr)) / u64::from(SAMPLE_RATE);
    // The input the outputs read, zero-padded where it lies outside `x`: [first, last).
    let first = position(start) as i64 - table.half as i64;
    let last = position(start + out.len() - 1) as i64 - table.half as i64 + table.taps as i64 + 1;
    let padded: Vec<f32> = (first..last)
        .map(|m| {
            usize::try_from(m)
                .ok()
                .and_then(|m| m.checked_sub(shift))
                .and_then(|i| x.get(i))
                .copied()
                .unwrap_or(0.0)
        })
        .collect();
    let job = Job {
        table,
        sr: u64::from(sr),
        start,
        first,
        padded: &padded,
    };
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F, checked just above.
            return unsafe { run_avx512(&job, out) };
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { run_avx2(&job, out) };
        }
    }
    run(&job, out, dot);
}

struct Job<'a> {
    table: &'a PolyphaseTable,
    sr: u64,
    start: usize,
    /// Input sample index of `padded[0]`.
    first: i64,
    padded: &'a [f32],
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn run_avx512(job: &Job<'_>, out: &mut [f32]) {
    // SAFETY (of the calls): this function only runs where AVX-512F is present.
    run(job, out, |w, x| unsafe { x86::dot_avx512(w, x) });
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2(job: &Job<'_>, out: &mut [f32]) {
    // SAFETY (of the calls): this function only runs where AVX2 is present.
    run(job, out, |w, x| unsafe { x86::dot_avx2(w, x) });
}

/// The loop over outputs, inlined into each instruction-set wrapper above with its `dot`.
/// Positions advance in integers: input sample `n` and the remainder `r` of `j · sr / 16000`.
#[inline(always)]
fn run(job: &Job<'_>, out: &mut [f32], dot: impl Fn(&[f32], &[f32]) -> f32) {
    let t = job.table;
    let rate = u64::from(SAMPLE_RATE);
    let num = job.start as u64 * job.sr;
    let (mut n, mut r) = ((num / rate) as usize, num % rate);
    let (n_step, r_step) = ((job.sr / rate) as usize, job.sr % rate);
    // The input sample whose filter starts at padded[0]: outputs at `n` read from `n - first`.
    let first = (job.first + t.half as i64) as usize;
    for y in out.iter_mut() {
        let xs = &job.padded[n - first..n - first + t.taps];
        let pos = r * t.phases as u64;
        let (p, rem) = ((pos / rate) as usize, pos % rate);
        let a = dot(t.row(p), xs);
        *y = if t.exact_phases || rem == 0 {
            a
        } else {
            let eta = (rem as f64 / rate as f64) as f32;
            let b = dot(t.row(p + 1), xs);
            a + eta * (b - a)
        };
        n += n_step;
        r += r_step;
        if r >= rate {
            r -= rate;
            n += 1;
        }
    }
}

/// The reduction every path ends with: the chains added lane by lane, `(a + b) + (c + d)`,
/// then the lanes pairwise.
#[inline(always)]
fn reduce(acc: [[f32; LANES]; CHAINS]) -> f32 {
    let [mut a, b, c, d] = acc;
    for l in 0..LANES {
        a[l] = (a[l] + b[l]) + (c[l] + d[l]);
    }
    let mut width = LANES / 2;
    while width > 0 {
        for l in 0..width {
            a[l] += a[l + width];
        }
        width /= 2;
    }
    a[0]
}

/// `Σ w·x` over slices whose length is a multiple of [`CHUNK`]: tap `i` goes to lane `i % 16`
/// of chain `i / 16 % 4` (multiply, then add: no fused multiply-add), then [`reduce`]. The
/// vector paths in [`x86`] compute exactly this, in registers.
fn dot(w: &[f32], x: &[f32]) -> f32 {
    let mut acc = [[0.0f32; LANES]; CHAINS];
    for (wc, xc) in w
        .as_chunks::<CHUNK>()
        .0
        .iter()
        .zip(x.as_chunks::<CHUNK>().0)
    {
        for (i, (&wi, &xi)) in wc.iter().zip(xc).enumerate() {
            acc[i / LANES][i % LANES] += wi * xi;
        }
    }
    reduce(acc)
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{reduce, CHAINS, CHUNK, LANES};

    /// [`super::dot`] with AVX-512: one register per chain.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn dot_avx512(w: &[f32], x: &[f32]) -> f32 {
        let mut acc = [_mm512_setzero_ps(); CHAINS];
        for (wc, xc) in w
            .as_chunks::<CHUNK>()
            .0
            .iter()
            .zip(x.as_chunks::<CHUNK>().0)
        {
            for (c, a) in acc.iter_mut().enumerate() {
                // SAFETY: 16 floats from offset c·16 of a 64-float chunk.
                let (wv, xv) = unsafe {
                    (
                        _mm512_loadu_ps(wc.as_ptr().add(c * LANES)),
                        _mm512_loadu_ps(xc.as_ptr().add(c * LANES)),
                    )
                };
                *a = _mm512_add_ps(*a, _mm512_mul_ps(wv, xv));
            }
        }
        let mut lanes = [[0.0f32; LANES]; CHAINS];
        for (l, a) in lanes.iter_mut().zip(acc) {
            // SAFETY: 16 floats into a 16-float array.
            unsafe { _mm512_storeu_ps(l.as_mut_ptr(), a) };
        }
        reduce(lanes)
    }

    /// [`super::dot`] with AVX2: two registers per chain.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn dot_avx2(w: &[f32], x: &[f32]) -> f32 {
        let mut acc = [_mm256_setzero_ps(); 2 * CHAINS];
        for (wc, xc) in w
            .as_chunks::<CHUNK>()
            .0
            .iter()
            .zip(x.as_chunks::<CHUNK>().0)
        {
            for (h, a) in acc.iter_mut().enumerate() {
                // SAFETY: 8 floats from offset h·8 of a 64-float chunk.
                let (wv, xv) = unsafe {
                    (
                        _mm256_loadu_ps(wc.as_ptr().add(h * 8)),
                        _mm256_loadu_ps(xc.as_ptr().add(h * 8)),
                    )
                };
                *a = _mm256_add_ps(*a, _mm256_mul_ps(wv, xv));
            }
        }
        let mut lanes = [[0.0f32; LANES]; CHAINS];
        for (h, a) in acc.into_iter().enumerate() {
            // SAFETY: 8 floats into half of a 16-float array.
            unsafe { _mm256_storeu_ps(lanes[h / 2].as_mut_ptr().add(h % 2 * 8), a) };
        }
        reduce(lanes)
    }
}

#[cfg(test)]
mod tests {
    use super::super::resample::{resample_stretch_to_16k, resample_to_16k, Resampler};
    use super::*;

    /// Tones across the band (up to just under 16 kHz, so downsampling has aliases to
    /// reject), white noise and a click: what music gives a resampler.
    fn test_signal(rate: u32, seconds: f64) -> Vec<f32> {
        let mut state = 0x9e37_79b9_u32;
        let n = (f64::from(rate) * seconds) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let noise = (f64::from(state) / f64::from(u32::MAX) - 0.5) * 0.1;
                let tones: f64 = [55.0, 440.0, 1_000.0, 3_517.0, 7_300.0, 7_900.0, 12_000.0]
                    .iter()
                    .filter(|&&f| f < f64::from(rate) / 2.0)
                    .map(|f| (std::f64::consts::TAU * f * t).sin() * 0.12)
                    .sum();
                let click = if i % 20_011 == 0 { 0.5 } else { 0.0 };
                (tones + noise + click) as f32
            })
            .collect()
    }

    fn fast(x: &[f32], sr: u32) -> Vec<f32> {
        let len = super::super::resample::resampled_len(x.len(), sr);
        resample_stretch_to_16k(x, 0, x.len(), sr, 0, len, Resampler::Fast)
    }

    /// The fast resampler against resampy's loop on the whole signal, at the common rates, an
    /// upsampling one and an odd one (interpolated phases): same length, same grid, and 99% of
    /// the samples within 2e-6 of a full-scale signal (measured ~6e-7; a misplaced grid, a
    /// wrong gain or a shorter filter gives 1e-4 and more). The rest, within 2e-3 (measured
    /// 9e-4), are outputs at a whole input sample: resampy's float64 time register can land a
    /// hair below it and take the sample before at phase ≈ 1, where its truncated filter step
    /// puts the taps 0.0015 zero crossings off; the fast path's positions are exact.
    #[test]
    fn fast_resampler_stays_within_tolerance_of_the_exact_one() {
        for sr in [44_100, 48_000, 22_050, 8_000, 44_101, 96_000] {
            let x = test_signal(sr, 2.0);
            let exact = resample_to_16k(&x, sr);
            let fast = fast(&x, sr);
            assert_eq!(fast.len(), exact.len(), "{sr} Hz");
            let worst = exact
                .iter()
                .zip(&fast)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            let mut diffs: Vec<f32> = exact
                .iter()
                .zip(&fast)
                .map(|(a, b)| (a - b).abs())
                .collect();
            diffs.sort_by(f32::total_cmp);
            let p99 = diffs[diffs.len() * 99 / 100];
            eprintln!("{sr} Hz: fast vs exact max abs diff {worst:e}, 99th percentile {p99:e}");
            assert!(
                p99 < 2e-6,
                "{sr} Hz: 99th percentile of the abs diff {p99:e}"
            );
            assert!(worst < 2e-3, "{sr} Hz: max abs diff {worst:e}");
        }
    }

    /// A stretch with the margin gives the whole run's samples exactly (the collector keeps
    /// only the audio around each patch), and the result does not depend on the instruction
    /// set: the plain dot product equals the vector one bit for bit.
    #[test]
    fn stretches_and_instruction_sets_give_identical_samples() {
        let sr = 44_100;
        let x = test_signal(sr, 3.0);
        let whole = fast(&x, sr);
        let margin = super::super::resample::resampler_margin(sr, Resampler::Fast);
        let (a, len) = (12_345, 9_000);
        let from = (a as u64 * u64::from(sr) / 16_000) as usize - margin;
        let to = ((a + len) as u64 * u64::from(sr) / 16_000) as usize + margin + 1;
        let part =
            resample_stretch_to_16k(&x[from..to], from, x.len(), sr, a, len, Resampler::Fast);
        assert_eq!(part, whole[a..a + len].to_vec());
        // A stretch short of the filter's reach changes the last outputs.
        let short = resample_stretch_to_16k(
            &x[from..to - margin / 2],
            from,
            x.len(),
            sr,
            a,
            len,
            Resampler::Fast,
        );
        assert_ne!(short, whole[a..a + len].to_vec());

        let table = polyphase_table(sr).expect("table");
        let w = table.row(37);
        let xs = &x[1_000..1_000 + table.taps];
        let plain = dot(w, xs);
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f") {
                // SAFETY: AVX-512F is present.
                assert_eq!(unsafe { x86::dot_avx512(w, xs) }.to_bits(), plain.to_bits());
            }
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 is present.
                assert_eq!(unsafe { x86::dot_avx2(w, xs) }.to_bits(), plain.to_bits());
            }
        }
    }

    #[test]
    fn tables_for_common_rates() {
        let t = polyphase_table(44_100).expect("44.1k");
        assert_eq!((t.phases, t.exact_phases), (160, true));
        assert_eq!(t.taps % CHUNK, 0);
        let t = polyphase_table(48_000).expect("48k");
        assert_eq!(t.phases, 1);
        let t = polyphase_table(44_101).expect("odd");
        assert_eq!((t.phases, t.exact_phases), (MAX_PHASES, false));
        assert!(polyphase_table(0).is_none());
        assert!(polyphase_table(20_000_000).is_none());
    }
}
