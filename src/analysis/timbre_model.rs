//! A track's timbre as one Gaussian over its MFCC frames (mean and full covariance), compared
//! by the symmetrised Kullback–Leibler divergence — the "single Gaussian" timbre model of
//! Mandel & Ellis (2005) — or by Musly's Jensen–Shannon approximation (its "timbre" method). Measured as a re-ranker of the similarity
//! index's candidates (`segue bench timbre`, issue 20's lever 5).

use super::timbre::MFCC_COUNT;

/// Running sums of the MFCC frames: count, sum and the upper triangle of Σ x xᵀ (f64: a long
/// track sums hundreds of thousands of frames).
#[derive(Debug, Clone)]
pub struct GaussianSums {
    n: u64,
    sum: [f64; MFCC_COUNT],
    outer: [[f64; MFCC_COUNT]; MFCC_COUNT],
}

impl Default for GaussianSums {
    fn default() -> Self {
        GaussianSums {
            n: 0,
            sum: [0.0; MFCC_COUNT],
            outer: [[0.0; MFCC_COUNT]; MFCC_COUNT],
        }
    }
}

impl GaussianSums {
    /// One frame's MFCCs (a frame with a non-finite value is left out).
    pub fn add(&mut self, mfcc: &[f32; MFCC_COUNT]) {
        if !mfcc.iter().all(|v| v.is_finite()) {
            return;
        }
        self.n += 1;
        for (i, &x) in mfcc.iter().enumerate() {
            let xi = f64::from(x);
            self.sum[i] += xi;
            for (outer, &xj) in self.outer[i].iter_mut().zip(mfcc).skip(i) {
                *outer += xi * f64::from(xj);
            }
        }
    }

    /// The Gaussian of the coefficients from `first` on (1 leaves out c0, the frame's level),
    /// or `None` with fewer frames than dimensions or a covariance that does not invert.
    pub fn gaussian(&self, first: usize) -> Option<MfccGaussian> {
        let d = MFCC_COUNT.checked_sub(first).filter(|d| *d > 0)?;
        if self.n <= d as u64 * 2 {
            return None;
        }
        let n = self.n as f64;
        let mean: Vec<f64> = (first..MFCC_COUNT).map(|i| self.sum[i] / n).collect();
        let mut cov = vec![vec![0.0; d]; d];
        for (a, i) in (first..MFCC_COUNT).enumerate() {
            for (b, j) in (first..MFCC_COUNT).enumerate() {
                let (lo, hi) = if i <= j { (i, j) } else { (j, i) };
                cov[a][b] = self.outer[lo][hi] / n - mean[a] * mean[b];
            }
        }
        // A little ridge: a constant coefficient (a pure tone's) would make Σ singular.
        let ridge = 1e-6 * (0..d).map(|k| cov[k][k]).sum::<f64>().max(1e-9) / d as f64;
        for (k, row) in cov.iter_mut().enumerate() {
            row[k] += ridge;
        }
        let inverse = invert(&cov)?;
        let log_det = log_det(&cov)?;
        Some(MfccGaussian {
            mean,
            cov,
            inverse,
            log_det,
        })
    }
}

/// Mean, covariance, its inverse and its log-determinant.
#[derive(Debug, Clone, PartialEq)]
pub struct MfccGaussian {
    pub mean: Vec<f64>,
    pub cov: Vec<Vec<f64>>,
    pub inverse: Vec<Vec<f64>>,
    pub log_det: f64,
}

impl MfccGaussian {
    /// KL(p‖q) + KL(q‖p) = ½ [tr(Σq⁻¹Σp) + tr(Σp⁻¹Σq) + Δμᵀ(Σp⁻¹ + Σq⁻¹)Δμ] − d: 0 for the
    /// same Gaussian, symmetric, growing as they part.
    pub fn symmetric_kl(&self, other: &MfccGaussian) -> f64 {
        let d = self.mean.len().min(other.mean.len());
        let mut traces = 0.0;
        let mut mahalanobis = 0.0;
        for i in 0..d {
            for j in 0..d {
                traces +=
                    other.inverse[i][j] * self.cov[j][i] + self.inverse[i][j] * other.cov[j][i];
                let dm = (self.mean[i] - other.mean[i]) * (self.mean[j] - other.mean[j]);
                mahalanobis += dm * (self.inverse[i][j] + other.inverse[i][j]);
            }
        }
        (0.5 * (traces + mahalanobis) - d as f64).max(0.0)
    }

    /// Musly's Jensen–Shannon approximation: the Gaussian of the two tracks' frames pooled
    /// (equal weights) against each alone, ½ ln|Σm| − ¼ (ln|Σp| + ln|Σq|) with Σm = ½ (Σp +
    /// μpμpᵀ + Σq + μqμqᵀ) − μmμmᵀ: 0 for the same Gaussian, symmetric, bounded growth.
    pub fn jensen_shannon(&self, other: &MfccGaussian) -> f64 {
        let d = self.mean.len().min(other.mean.len());
        let mid: Vec<f64> = (0..d)
            .map(|i| 0.5 * (self.mean[i] + other.mean[i]))
            .collect();
        let merged: Vec<Vec<f64>> = (0..d)
            .map(|i| {
                (0..d)
                    .map(|j| {
                        0.5 * (self.cov[i][j]
                            + self.mean[i] * self.mean[j]
                            + other.cov[i][j]
                            + other.mean[i] * other.mean[j])
                            - mid[i] * mid[j]
                    })
                    .collect()
            })
            .collect();
        match log_det(&merged) {
            Some(m) => (0.5 * m - 0.25 * (self.log_det + other.log_det)).max(0.0),
            None => f64::INFINITY,
        }
    }
}

/// ln|m| of a symmetric positive-definite matrix, by Cholesky; `None` when it is not one.
fn log_det(m: &[Vec<f64>]) -> Option<f64> {
    let d = m.len();
    let mut l = vec![vec![0.0; d]; d];
    let mut sum = 0.0;
    for i in 0..d {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let v = m[i][i] - dot;
                if !(v > 0.0 && v.is_finite()) {
                    return None;
                }
                l[i][i] = v.sqrt();
                sum += v.ln();
            } else {
                l[i][j] = (m[i][j] - dot) / l[j][j];
            }
        }
    }
    Some(sum)
}

/// Gauss–Jordan inverse with partial pivoting; `None` when singular.
fn invert(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let d = m.len();
    let mut a: Vec<Vec<f64>> = m.to_vec();
    let mut inv: Vec<Vec<f64>> = (0..d)
        .map(|i| (0..d).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    for col in 0..d {
        let pivot = (col..d).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 || !a[pivot][col].is_finite() {
            return None;
        }
        a.swap(col, pivot);
        inv.swap(col, pivot);
        let p = a[col][col];
        for k in 0..d {
            a[col][k] /= p;
            inv[col][k] /= p;
        }
        for row in 0..d {
            if row != col {
                let f = a[row][col];
                if f != 0.0 {
                    for k in 0..d {
                        a[row][k] -= f * a[col][k];
                        inv[row][k] -= f * inv[col][k];
                    }
                }
            }
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::synth::Rng;

    /// Frames drawn around `centre` with per-coefficient spreads `spread`, the first two
    /// coefficients correlated.
    fn sums(centre: f32, spread: f32, seed: u64) -> GaussianSums {
        let mut rng = Rng::new(seed);
        let mut s = GaussianSums::default();
        for _ in 0..4000 {
            let shared = rng.noise();
            let frame: [f32; MFCC_COUNT] = std::array::from_fn(|k| {
                let own = rng.noise();
                centre + spread * if k < 2 { shared + 0.3 * own } else { own }
            });
            s.add(&frame);
        }
        s
    }

    #[test]
    fn the_divergence_is_zero_for_itself_symmetric_and_grows_apart() {
        let a = sums(0.0, 1.0, 1).gaussian(0).expect("a");
        let b = sums(0.0, 1.0, 2).gaussian(0).expect("b");
        let c = sums(1.5, 1.0, 3).gaussian(0).expect("c");
        let wide = sums(0.0, 3.0, 4).gaussian(0).expect("wide");
        assert!(a.symmetric_kl(&a).abs() < 1e-9);
        assert!((a.symmetric_kl(&c) - c.symmetric_kl(&a)).abs() < 1e-9);
        // Same distribution, other draws: near 0; moved means or wider spread: far.
        assert!(a.symmetric_kl(&b) < 0.1, "{}", a.symmetric_kl(&b));
        assert!(a.symmetric_kl(&c) > 10.0 * a.symmetric_kl(&b).max(0.01));
        assert!(a.symmetric_kl(&wide) > 10.0 * a.symmetric_kl(&b).max(0.01));
        // Jensen–Shannon orders them alike.
        assert!(a.jensen_shannon(&a).abs() < 1e-9);
        assert!((a.jensen_shannon(&c) - c.jensen_shannon(&a)).abs() < 1e-9);
        assert!(a.jensen_shannon(&c) > 10.0 * a.jensen_shannon(&b).max(0.001));
        assert!(a.jensen_shannon(&wide) > 10.0 * a.jensen_shannon(&b).max(0.001));
        // The correlation is in the covariance.
        assert!(a.cov[0][1] > 0.5 * a.cov[0][0], "{:?}", a.cov[0]);
    }

    #[test]
    fn the_log_determinant_is_that_of_a_known_matrix() {
        // [[4, 2], [2, 3]]: det 8.
        let m = vec![vec![4.0, 2.0], vec![2.0, 3.0]];
        assert!((log_det(&m).expect("positive definite") - 8f64.ln()).abs() < 1e-12);
        assert!(
            log_det(&[vec![1.0, 2.0], vec![2.0, 1.0]]).is_none(),
            "indefinite"
        );
    }

    #[test]
    fn leaving_out_c0_ignores_the_level_and_too_few_frames_give_nothing() {
        let mut quiet = sums(0.0, 1.0, 5);
        let mut loud = GaussianSums::default();
        let mut rng = Rng::new(5);
        for _ in 0..4000 {
            let shared = rng.noise();
            let frame: [f32; MFCC_COUNT] = std::array::from_fn(|k| {
                let own = rng.noise();
                (if k == 0 { 10.0 } else { 0.0 }) + if k < 2 { shared + 0.3 * own } else { own }
            });
            loud.add(&frame);
        }
        let with_c0 = |s: &GaussianSums| s.gaussian(0).expect("g");
        let without = |s: &GaussianSums| s.gaussian(1).expect("g");
        assert!(with_c0(&quiet).symmetric_kl(&with_c0(&loud)) > 10.0);
        assert!(without(&quiet).symmetric_kl(&without(&loud)) < 1e-6);
        quiet.add(&[f32::NAN; MFCC_COUNT]);
        assert_eq!(quiet.n, 4000, "a non-finite frame is left out");
        let mut few = GaussianSums::default();
        few.add(&[1.0; MFCC_COUNT]);
        assert!(few.gaussian(0).is_none());
    }
}
