//! resampy 0.2.2's `kaiser_best` filter: the half window regenerated with numpy's formulas
//! (Kaiser window with Cephes' `i0`, times the sinc; within a few 1e-16 of the table resampy
//! ships, and the audio it gives is bit-identical); and per source rate, the interpolation
//! table laid out for contiguous access, cached (a library holds a few distinct rates).

use std::sync::{Arc, Mutex, OnceLock};

use super::SAMPLE_RATE;

/// resampy 0.2.2 `kaiser_best`: 64 zero crossings, 512 points per crossing.
pub(super) const KB_ZEROS: usize = 64;
pub(super) const KB_PRECISION: usize = 512;
pub(super) const KB_BETA: f64 = 14.769656459379492;
pub(super) const KB_ROLLOFF: f64 = 0.9475937167399596;
/// Length of the half window: 64 · 512 + 1.
pub(super) const KB_NWIN: usize = KB_ZEROS * KB_PRECISION + 1;

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
pub(super) fn numpy_i0(x: f64) -> f64 {
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
pub(super) struct ResampleTable {
    pub(super) scale: f64,
    pub(super) time_increment: f64,
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
    pub(super) fn phase(&self, frac: f64) -> (&[[f64; 2]], f64) {
        let index_frac = frac * KB_PRECISION as f64;
        let offset = (index_frac as usize).min(self.step);
        let eta = index_frac - offset as f64;
        (self.row(offset), eta)
    }
}

/// The table for `sr` (cached per source rate; a few distinct rates occur in a library).
pub(super) fn resample_table(sr: u32) -> Option<Arc<ResampleTable>> {
    static TABLES: RateCache<ResampleTable> = OnceLock::new();
    cached_per_rate(&TABLES, sr, ResampleTable::new)
}

/// Tables built once per source rate and shared by every worker.
pub(super) type RateCache<T> = OnceLock<Mutex<Vec<(u32, Arc<T>)>>>;

/// The cached table for `sr`, built by `make` on first use (`None` when it cannot be); a
/// poisoned lock only costs a rebuild.
pub(super) fn cached_per_rate<T>(
    cache: &RateCache<T>,
    sr: u32,
    make: impl FnOnce(u32) -> Option<T>,
) -> Option<Arc<T>> {
    let tables = cache.get_or_init(|| Mutex::new(Vec::new()));
    let find = |list: &[(u32, Arc<T>)]| {
        list.iter()
            .find(|(rate, _)| *rate == sr)
            .map(|(_, t)| Arc::clone(t))
    };
    if let Some(t) = tables.lock().ok().and_then(|list| find(&list)) {
        return Some(t);
    }
    let table = Arc::new(make(sr)?);
    if let Ok(mut list) = tables.lock() {
        if let Some(t) = find(&list) {
            return Some(t);
        }
        list.push((sr, Arc::clone(&table)));
    }
    Some(table)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
