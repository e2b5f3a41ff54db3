//! The f32 matrix products of the network: the `gemm` crate (which picks AVX-512 or AVX2
//! kernels at run time) behind a safe interface that checks every operand's bounds.

/// One product C = A · B of the shapes given, through the same kernels as the network (for
/// `segue bench musicnn`: the core's attainable rate beside the network's).
#[cfg(feature = "harness")]
pub fn sgemm_for_bench(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    gemm(m, k, n, a, k as isize, 1, b, c, false);
}

/// C (m × n, row-major) = A · B (+ C if `accumulate`), where A is read through strides
/// (row stride `rsa`, column stride `csa`) and B is k × n row-major.
#[allow(clippy::too_many_arguments)]
pub(super) fn gemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    rsa: isize,
    csa: isize,
    b: &[f32],
    c: &mut [f32],
    accumulate: bool,
) {
    let n_i = n as isize;
    gemm_strided(
        (m, k, n),
        (a, rsa, csa),
        (b, n_i, 1),
        (c, n_i, 1),
        accumulate,
    );
}

/// Every row of `a` dotted with every row of `b` (both row-major, `k` wide): C (rows of a ×
/// rows of b, row-major) = A · Bᵀ.
pub(crate) fn row_dots(k: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    if k == 0 {
        return;
    }
    let (m, n) = (a.len() / k, b.len() / k);
    gemm_strided(
        (m, k, n),
        (a, k as isize, 1),
        (b, 1, k as isize),
        (c, n as isize, 1),
        false,
    );
}

type Operand<'a> = (&'a [f32], isize, isize);

/// The general product: every operand with its own row and column strides (non-negative).
fn gemm_strided(
    (m, k, n): (usize, usize, usize),
    (a, rsa, csa): Operand,
    (b, rsb, csb): Operand,
    (c, rsc, csc): (&mut [f32], isize, isize),
    accumulate: bool,
) {
    if m == 0 || k == 0 || n == 0 {
        return;
    }
    // Bounds of every element the product reads or writes: the kernel trusts its pointers.
    let last = |rows: usize, cols: usize, rs: isize, cs: isize| -> Option<usize> {
        (rs >= 0 && cs >= 0).then(|| (rows - 1) * rs as usize + (cols - 1) * cs as usize)
    };
    let fits = |len: usize, end: Option<usize>| end.is_some_and(|e| e < len);
    assert!(fits(a.len(), last(m, k, rsa, csa)), "A out of bounds");
    assert!(fits(b.len(), last(k, n, rsb, csb)), "B out of bounds");
    assert!(fits(c.len(), last(m, n, rsc, csc)), "C out of bounds");
    // SAFETY: the asserts above keep every access inside the three slices, and C does not
    // alias A or B (it is a distinct &mut). Distinct (row, column) pairs of C are distinct
    // elements for every stride pair used here (one of the two strides spans the other).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            csc,
            rsc,
            accumulate,
            a.as_ptr(),
            csa,
            rsa,
            b.as_ptr(),
            csb,
            rsb,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}
