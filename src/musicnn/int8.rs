//! 8-bit products for the network's front-end convolutions: unsigned 8-bit inputs times signed
//! 8-bit weights, summed exactly in 32-bit integers.
//!
//! Why by hand: no maintained Rust crate multiplies u8 × i8 matrices with AVX-512 VNNI, and on
//! this project's reference core (AMD EPYC, Zen 4) one `vpdpbusd` does four times the
//! multiply-adds of an f32 FMA: the front end's shapes run 4.2× faster than the `gemm` crate's
//! f32 kernels. Elsewhere the same integers go through f32 products, which are exact while
//! every sum stays below 2^24: both paths give the same bits, so a library's vectors do not
//! depend on the CPU it was analysed on.

use super::sgemm::gemm;

/// A weight matrix (k × n, one column per filter) quantised per filter to i8 and packed for the
/// kernel: panels of 16 filters, each panel's k rows in groups of 4 (the 4 bytes one `vpdpbusd`
/// lane sums), zero-padded to whole groups and panels.
#[derive(Debug, Clone)]
pub struct PackedWeights {
    k: usize,
    n: usize,
    groups: usize,
    panels: usize,
    data: Vec<i8>,
    /// The same q as f32, k × padded filters row-major, for CPUs without VNNI.
    as_f32: Vec<f32>,
    /// Per filter: the real weight is `scale · q`.
    scale: Vec<f32>,
    /// Per filter: Σ_k q, to undo the inputs' offset.
    sum: Vec<i32>,
}

/// The most inputs whose u8 × i8 sums stay below 2^24 (255 · 127 · k), so that f32 products
/// of the same integers are exact in any order of summation (the network's longest is 469).
const EXACT_IN_F32_UP_TO: usize = (1 << 24) / (255 * 127);

/// Lanes of one panel (i32 lanes of a 512-bit register).
const LANES: usize = 16;
/// Bytes summed per lane and instruction.
const GROUP: usize = 4;

impl PackedWeights {
    /// Quantises `kernel` (k × n, row-major) symmetrically per column: the largest |w| of a
    /// filter becomes ±127.
    pub fn quantise(kernel: &[f32], k: usize, n: usize) -> Self {
        assert_eq!(kernel.len(), k * n, "a kernel is k x n values");
        let groups = k.div_ceil(GROUP);
        let panels = n.div_ceil(LANES);
        assert!(
            k <= EXACT_IN_F32_UP_TO,
            "{k} inputs: sums could pass 2^24, where f32 stops being exact"
        );
        let mut data = vec![0i8; panels * groups * LANES * GROUP];
        let mut as_f32 = vec![0.0f32; k * panels * LANES];
        let mut scale = vec![0.0f32; n];
        let mut sum = vec![0i32; n];
        for c in 0..n {
            let peak = (0..k)
                .map(|r| kernel[r * n + c].abs())
                .fold(0.0f32, f32::max);
            let s = if peak > 0.0 { peak / 127.0 } else { 1.0 };
            scale[c] = s;
            let (panel, lane) = (c / LANES, c % LANES);
            for r in 0..k {
                let q = (kernel[r * n + c] / s).round().clamp(-127.0, 127.0) as i8;
                sum[c] += i32::from(q);
                let at = ((panel * groups + r / GROUP) * LANES + lane) * GROUP + r % GROUP;
                data[at] = q;
                as_f32[r * panels * LANES + c] = f32::from(q);
            }
        }
        PackedWeights {
            k,
            n,
            as_f32,
            groups,
            panels,
            data,
            scale,
            sum,
        }
    }

    pub fn filters(&self) -> usize {
        self.n
    }

    /// Bytes every row of A must have readable from its start (k rounded up to whole groups;
    /// the padding meets zero weights, so its values do not matter).
    pub fn row_bytes(&self) -> usize {
        self.groups * GROUP
    }

    /// Columns of the product C (filters rounded up to whole panels).
    pub fn padded_filters(&self) -> usize {
        self.panels * LANES
    }

    /// The real value of a product sum `acc` of filter `c` when the inputs were quantised as
    /// `x ≈ offset + step · q`.
    pub fn dequantise(&self, c: usize, acc: i32, input: Quantiser) -> f32 {
        self.scale[c] * (input.step * acc as f32 + input.offset * self.sum[c] as f32)
    }
}

/// How real inputs map to bytes: `x ≈ offset + step · q`, q in 0..=255.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantiser {
    pub offset: f32,
    pub step: f32,
}

impl Quantiser {
    /// Spans `values`' range (and 0, so zero padding is exact in value).
    pub fn spanning(values: &[f32]) -> Self {
        let (lo, hi) = values
            .iter()
            .fold((0.0f32, 0.0f32), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        let step = if hi > lo { (hi - lo) / 255.0 } else { 1.0 };
        Quantiser { offset: lo, step }
    }

    pub fn byte(&self, x: f32) -> u8 {
        ((x - self.offset) / self.step).round().clamp(0.0, 255.0) as u8
    }
}

/// C (m × padded_filters, row-major, i32) = A · W, where row r of A is the bytes
/// `a[r·lda ..][.. w.row_bytes()]` (rows may overlap: a conv over time reads a sliding window).
pub fn product(m: usize, a: &[u8], lda: usize, w: &PackedWeights, c: &mut [i32]) {
    let ldc = w.padded_filters();
    if m == 0 {
        return;
    }
    assert!((m - 1) * lda + w.row_bytes() <= a.len(), "A out of bounds");
    assert!(c.len() >= m * ldc, "C out of bounds");
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512vnni")
    {
        // SAFETY: the CPU has the features the kernels are compiled for, and the asserts above
        // keep every row read (row_bytes from r·lda) and every C row written inside the slices.
        unsafe { vnni::product(m, a, lda, w, c) };
        return;
    }
    through_f32(m, a, lda, w, c);
}

/// The same integer sums through f32 products (the `gemm` crate's AVX2/AVX-512 kernels): every
/// partial sum is an integer below 2^24 ([`EXACT_IN_F32_UP_TO`]), so the result is exact and
/// equal to VNNI's, at f32's speed.
fn through_f32(m: usize, a: &[u8], lda: usize, w: &PackedWeights, c: &mut [i32]) {
    let ldc = w.padded_filters();
    // Rows may overlap (lda < k): convert the bytes once and read them through strides.
    let span = (m - 1) * lda + w.k;
    let inputs: Vec<f32> = a[..span].iter().map(|&b| f32::from(b)).collect();
    let mut sums = vec![0.0f32; m * ldc];
    gemm(
        m,
        w.k,
        ldc,
        &inputs,
        lda as isize,
        1,
        &w.as_f32,
        &mut sums,
        false,
    );
    for (out, &sum) in c[..m * ldc].iter_mut().zip(&sums) {
        *out = sum as i32;
    }
}

/// Folds `values` (whole chunks of `max.len()`) into running per-element extremes: the max
/// and min over frequency positions (or bands) of each filter's sums.
pub fn fold_extremes(values: &[i32], max: &mut [i32], min: &mut [i32]) {
    assert_eq!(max.len(), min.len(), "max and min are the same length");
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512F; the body is safe code.
        unsafe { fold_extremes_avx512(values, max, min) };
        return;
    }
    fold_extremes_body(values, max, min);
}

/// The loop of [`fold_extremes`], compiled once more with AVX-512 (the default target has only
/// SSE2, which lacks an integer max).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn fold_extremes_avx512(values: &[i32], max: &mut [i32], min: &mut [i32]) {
    fold_extremes_body(values, max, min);
}

#[inline(always)]
fn fold_extremes_body(values: &[i32], max: &mut [i32], min: &mut [i32]) {
    for chunk in values.chunks_exact(max.len()) {
        for ((hi, lo), &v) in max.iter_mut().zip(min.iter_mut()).zip(chunk) {
            *hi = (*hi).max(v);
            *lo = (*lo).min(v);
        }
    }
}

/// The same sums in plain integer arithmetic: the tests' reference.
#[cfg(test)]
fn portable(m: usize, a: &[u8], lda: usize, w: &PackedWeights, c: &mut [i32]) {
    let ldc = w.padded_filters();
    for r in 0..m {
        let row = &a[r * lda..][..w.row_bytes()];
        let out = &mut c[r * ldc..(r + 1) * ldc];
        out.fill(0);
        for panel in 0..w.panels {
            let block = &w.data[panel * w.groups * LANES * GROUP..][..w.groups * LANES * GROUP];
            for (g, bytes) in row.chunks_exact(GROUP).enumerate() {
                let weights = &block[g * LANES * GROUP..(g + 1) * LANES * GROUP];
                for lane in 0..LANES {
                    let q = &weights[lane * GROUP..(lane + 1) * GROUP];
                    out[panel * LANES + lane] += bytes
                        .iter()
                        .zip(q)
                        .map(|(&x, &y)| i32::from(x) * i32::from(y))
                        .sum::<i32>();
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod vnni {
    use super::{PackedWeights, GROUP, LANES};
    use std::arch::x86_64::*;

    /// Rows per kernel call: 6 rows × 2 panels keep 12 accumulators in registers (measured
    /// 4–14 rows within 6 % of each other).
    const ROWS: usize = 6;

    /// Where one tile reads and writes: rows of A from `a` (`lda` apart), `groups` groups of
    /// 4 weights per panel from `b` (panels `panel_bytes` apart), rows of C at `c` (`ldc` apart).
    #[derive(Clone, Copy)]
    struct Tile {
        a: *const u8,
        lda: usize,
        b: *const i8,
        panel_bytes: usize,
        groups: usize,
        c: *mut i32,
        ldc: usize,
    }

    /// # Safety
    /// The CPU has AVX-512F and VNNI; `product`'s bounds hold.
    #[target_feature(enable = "avx512f,avx512vnni")]
    pub(super) unsafe fn product(m: usize, a: &[u8], lda: usize, w: &PackedWeights, c: &mut [i32]) {
        let ldc = w.padded_filters();
        let panel_bytes = w.groups * LANES * GROUP;
        let mut r = 0;
        while r < m {
            let rows = ROWS.min(m - r);
            let mut p = 0;
            while p < w.panels {
                let at = Tile {
                    a: a.as_ptr().add(r * lda),
                    lda,
                    b: w.data.as_ptr().add(p * panel_bytes),
                    panel_bytes,
                    groups: w.groups,
                    c: c.as_mut_ptr().add(r * ldc + p * LANES),
                    ldc,
                };
                if p + 1 < w.panels {
                    block::<2>(rows, at);
                    p += 2;
                } else {
                    block::<1>(rows, at);
                    p += 1;
                }
            }
            r += rows;
        }
    }

    /// `rows` (at most [`ROWS`]) rows × P panels: one tile when the block is whole, else a tile
    /// per row.
    #[target_feature(enable = "avx512f,avx512vnni")]
    #[inline]
    unsafe fn block<const P: usize>(rows: usize, at: Tile) {
        if rows == ROWS {
            tile::<ROWS, P>(at);
            return;
        }
        for i in 0..rows {
            tile::<1, P>(Tile {
                a: at.a.add(i * at.lda),
                c: at.c.add(i * at.ldc),
                ..at
            });
        }
    }

    /// R rows × P panels of C: for every group of 4 inputs, broadcast each row's 4 bytes and
    /// multiply-add them with each panel's 16 × 4 weights.
    #[target_feature(enable = "avx512f,avx512vnni")]
    #[inline]
    unsafe fn tile<const R: usize, const P: usize>(at: Tile) {
        let mut acc = [[_mm512_setzero_si512(); P]; R];
        for g in 0..at.groups {
            let mut weights = [_mm512_setzero_si512(); P];
            for (p, v) in weights.iter_mut().enumerate() {
                *v = _mm512_loadu_si512(at.b.add(p * at.panel_bytes + g * LANES * GROUP).cast());
            }
            for (i, row) in acc.iter_mut().enumerate() {
                let x = _mm512_set1_epi32(
                    at.a.add(i * at.lda + g * GROUP)
                        .cast::<i32>()
                        .read_unaligned(),
                );
                for (sum, &v) in row.iter_mut().zip(&weights) {
                    *sum = _mm512_dpbusd_epi32(*sum, x, v);
                }
            }
        }
        for (i, row) in acc.iter().enumerate() {
            for (p, sum) in row.iter().enumerate() {
                _mm512_storeu_si512(at.c.add(i * at.ldc + p * LANES).cast(), *sum);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize, seed: u64) -> Vec<u8> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 24) as u8
            })
            .collect()
    }

    /// The kernel's sums are the exact integer products, for shapes with ragged rows, groups
    /// and panels, and for overlapping rows (the sliding window of a conv over time).
    #[test]
    fn sums_are_exact_for_ragged_and_overlapping_shapes() {
        let shapes = [
            (13, 266, 204, 268),
            (7, 5, 3, 8),
            (20, 128, 51, 1),
            (1, 4, 16, 4),
            // The longest window (7 × 67) with every byte and weight at its extreme: the
            // largest sums the network can make, still exact through f32.
            (3, 469, 17, 472),
        ];
        for &(m, k, n, lda) in &shapes {
            let extreme = k == 469;
            let kernel: Vec<f32> = if extreme {
                (0..k * n)
                    .map(|i| if i % n % 2 == 0 { 1.0 } else { -1.0 })
                    .collect()
            } else {
                bytes(k * n, 7).iter().map(|&b| b as f32 - 128.0).collect()
            };
            let w = PackedWeights::quantise(&kernel, k, n);
            let span = (m - 1) * lda + w.row_bytes();
            let a = if extreme {
                vec![255u8; span]
            } else {
                bytes(span, 3)
            };
            let mut c = vec![0i32; m * w.padded_filters()];
            product(m, &a, lda, &w, &mut c);
            let mut reference = vec![1i32; c.len()];
            portable(m, &a, lda, &w, &mut reference);
            assert_eq!(
                c, reference,
                "the CPU's kernel and the reference differ at {m}x{k}x{n}"
            );
            let mut through = vec![1i32; c.len()];
            through_f32(m, &a, lda, &w, &mut through);
            assert_eq!(
                through, reference,
                "f32 products and the reference differ at {m}x{k}x{n}"
            );
            for r in 0..m {
                for col in 0..n {
                    let want: i32 = (0..k)
                        .map(|i| {
                            let q = (kernel[i * n + col] / w.scale[col]).round() as i32;
                            i32::from(a[r * lda + i]) * q
                        })
                        .sum();
                    assert_eq!(
                        c[r * w.padded_filters() + col],
                        want,
                        "({r}, {col}) at {m}x{k}x{n}"
                    );
                }
            }
        }
    }

    /// Dequantised sums approximate the real dot product within the quantisation's error.
    #[test]
    fn dequantised_products_approximate_real_ones() {
        let (k, n) = (266, 20);
        let kernel: Vec<f32> = bytes(k * n, 11)
            .iter()
            .map(|&b| (b as f32 - 128.0) / 300.0)
            .collect();
        let x: Vec<f32> = bytes(k, 5)
            .iter()
            .map(|&b| (b as f32 - 90.0) / 40.0)
            .collect();
        let w = PackedWeights::quantise(&kernel, k, n);
        let quant = Quantiser::spanning(&x);
        let mut a: Vec<u8> = x.iter().map(|&v| quant.byte(v)).collect();
        a.resize(w.row_bytes(), 0);
        let mut c = vec![0i32; w.padded_filters()];
        product(1, &a, w.row_bytes(), &w, &mut c);
        for col in 0..n {
            let exact: f32 = (0..k).map(|i| x[i] * kernel[i * n + col]).sum();
            let norm: f32 = (0..k).map(|i| (x[i] * kernel[i * n + col]).abs()).sum();
            let got = w.dequantise(col, c[col], quant);
            assert!(
                (got - exact).abs() < 0.01 * norm,
                "{col}: {got} vs {exact} (Σ|xw| {norm})"
            );
        }
    }
}
