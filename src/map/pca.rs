//! The two principal components of a set of vectors, by subspace iteration: no matrix of
//! d × d is formed (d is 368), each pass reads the vectors twice. The layout's starting point
//! and the baseline `segue bench map` compares the layout with.

use super::Point;

/// Each vector (row-major, `dimension` values each) projected on the two directions of
/// largest variance. Signs are fixed (each direction's largest component is positive), so the
/// same vectors give the same picture.
pub fn project_2d(vectors: &[f32], dimension: usize) -> Vec<Point> {
    let n = vectors.len().checked_div(dimension).unwrap_or(0);
    if n == 0 {
        return Vec::new();
    }
    let rows = || vectors.chunks_exact(dimension);
    let mut mean = vec![0.0f64; dimension];
    for row in rows() {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += v as f64;
        }
    }
    let mean: Vec<f32> = mean.iter().map(|m| (m / n as f64) as f32).collect();
    // A fixed, generic start: two directions no real data is orthogonal to.
    let mut basis: [Vec<f32>; 2] = [
        (0..dimension).map(|i| 1.0 + (i % 7) as f32 * 0.1).collect(),
        (0..dimension)
            .map(|i| if i % 2 == 0 { 1.0 } else { -0.7 } + (i % 5) as f32 * 0.05)
            .collect(),
    ];
    orthonormalise(&mut basis);
    for _ in 0..100 {
        let mut next = [vec![0.0f32; dimension], vec![0.0f32; dimension]];
        let mut centred = vec![0.0f32; dimension];
        for row in rows() {
            for ((c, &v), &m) in centred.iter_mut().zip(row).zip(&mean) {
                *c = v - m;
            }
            for (b, acc) in basis.iter().zip(next.iter_mut()) {
                let s = dot(&centred, b);
                for (a, &c) in acc.iter_mut().zip(&centred) {
                    *a += s * c;
                }
            }
        }
        orthonormalise(&mut next);
        let settled = basis
            .iter()
            .zip(&next)
            .all(|(a, b)| dot(a, b).abs() > 1.0 - 1e-7);
        basis = next;
        if settled {
            break;
        }
    }
    for b in basis.iter_mut() {
        let largest = b
            .iter()
            .copied()
            .fold(0.0f32, |m, v| if v.abs() > m.abs() { v } else { m });
        if largest < 0.0 {
            b.iter_mut().for_each(|v| *v = -*v);
        }
    }
    rows()
        .map(|row| {
            let mut p = [0.0f32; 2];
            for (k, b) in basis.iter().enumerate() {
                p[k] = row
                    .iter()
                    .zip(&mean)
                    .zip(b)
                    .map(|((v, m), b)| (v - m) * b)
                    .sum();
            }
            p
        })
        .collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Gram–Schmidt on two vectors; a vanishing one (rank-1 data) becomes an arbitrary unit
/// vector orthogonal to the first.
fn orthonormalise(basis: &mut [Vec<f32>; 2]) {
    let norm = dot(&basis[0], &basis[0]).sqrt();
    if norm > 0.0 {
        basis[0].iter_mut().for_each(|v| *v /= norm);
    }
    let (first, second) = basis.split_at_mut(1);
    let along = dot(&first[0], &second[0]);
    for (s, f) in second[0].iter_mut().zip(&first[0]) {
        *s -= along * f;
    }
    let norm = dot(&second[0], &second[0]).sqrt();
    if norm > 1e-12 {
        second[0].iter_mut().for_each(|v| *v /= norm);
    } else {
        second[0].iter_mut().for_each(|v| *v = 0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_directions_of_largest_spread() {
        // Points spread 10 along axis 2, 3 along axis 0, barely along 1 and 3.
        let mut vectors = Vec::new();
        for i in 0..200 {
            let t = (i as f32 / 200.0) * std::f32::consts::TAU;
            vectors.extend([3.0 * t.sin(), 0.01 * t.cos(), 10.0 * t.cos(), 0.02]);
        }
        let points = project_2d(&vectors, 4);
        assert_eq!(points.len(), 200);
        let spread = |k: usize| points.iter().map(|p| p[k] * p[k]).sum::<f32>() / 200.0;
        assert!(
            (spread(0).sqrt() - 10.0 / 2f32.sqrt()).abs() < 0.05,
            "{}",
            spread(0)
        );
        assert!(
            (spread(1).sqrt() - 3.0 / 2f32.sqrt()).abs() < 0.05,
            "{}",
            spread(1)
        );
    }

    #[test]
    fn empty_and_degenerate_inputs() {
        assert!(project_2d(&[], 4).is_empty());
        let same = project_2d(&[1.0, 2.0, 1.0, 2.0], 2);
        assert_eq!(same, vec![[0.0, 0.0], [0.0, 0.0]]);
    }
}
