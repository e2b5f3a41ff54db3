//! musicnn's log step on the mel power: the float16 rounding (overflowing to infinity above
//! 65504, as the original does) and `log10(10000·x + 1)` in float32 with SVML's
//! `__svml_log10f16`, the kernel numpy 1.x uses on the reference's AVX512 machines, emulated
//! (up to 4 ulps from `log10f`).

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
pub(super) fn numpy_log10f(x: f32) -> f32 {
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

#[cfg(test)]
mod tests {
    use super::super::stft::numpy_cabsf;
    use super::*;

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
}
