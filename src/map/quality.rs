//! How well a map keeps what the vectors say: the share of each track's nearest neighbours in
//! the vector space that are also nearest on the map, and the share of its nearest on the map
//! that carry its label (same soundtrack). Exact, O(n²): for benchmarks and tests.

use super::Point;

/// Each point's `k` nearest other points on the map (Euclidean), nearest first.
pub fn nearest_on_map(points: &[Point], k: usize) -> Vec<Vec<u32>> {
    (0..points.len())
        .map(|i| {
            let mut all: Vec<(f32, u32)> = points
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(j, q)| {
                    let d = (points[i][0] - q[0]).powi(2) + (points[i][1] - q[1]).powi(2);
                    (d, j as u32)
                })
                .collect();
            let k = k.min(all.len());
            if k > 0 {
                all.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            }
            all.truncate(k);
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            all.into_iter().map(|(_, j)| j).collect()
        })
        .collect()
}

/// Neighbour preservation@k: the mean share of `reference[i][..k]` (the vector space's
/// nearest) found among point i's `k` nearest on the map.
pub fn neighbour_preservation(reference: &[Vec<u32>], points: &[Point], k: usize) -> f64 {
    let on_map = nearest_on_map(points, k);
    let mut total = 0.0;
    let mut counted = 0usize;
    for (truth, mapped) in reference.iter().zip(&on_map) {
        let truth = &truth[..k.min(truth.len())];
        if truth.is_empty() {
            continue;
        }
        let kept = truth.iter().filter(|j| mapped.contains(j)).count();
        total += kept as f64 / truth.len() as f64;
        counted += 1;
    }
    if counted == 0 {
        0.0
    } else {
        total / counted as f64
    }
}

/// Precision@k of labels: over labelled points, the mean share of their `k` nearest
/// (`neighbours[i]`, nearest first) with the same label.
pub fn label_precision(neighbours: &[Vec<u32>], labels: &[Option<usize>], k: usize) -> f64 {
    let mut total = 0.0;
    let mut counted = 0usize;
    for (i, list) in neighbours.iter().enumerate() {
        let Some(Some(own)) = labels.get(i) else {
            continue;
        };
        let list = &list[..k.min(list.len())];
        if list.is_empty() {
            continue;
        }
        let same = list
            .iter()
            .filter(|&&j| labels.get(j as usize).copied().flatten() == Some(*own))
            .count();
        total += same as f64 / list.len() as f64;
        counted += 1;
    }
    if counted == 0 {
        0.0
    } else {
        total / counted as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_keeps_its_order() {
        let points: Vec<Point> = (0..10).map(|i| [i as f32, 0.0]).collect();
        let near = nearest_on_map(&points, 2);
        assert_eq!(near[0], vec![1, 2]);
        assert_eq!(near[5], vec![4, 6]);
        let reference: Vec<Vec<u32>> = near.clone();
        assert_eq!(neighbour_preservation(&reference, &points, 2), 1.0);
        // A reference that disagrees everywhere keeps nothing.
        let reversed: Vec<Vec<u32>> = (0..10u32).map(|i| vec![9 - i]).collect();
        let kept = neighbour_preservation(&reversed, &points, 1);
        assert!(kept < 0.5, "{kept}");
    }

    #[test]
    fn label_precision_counts_only_labelled_points() {
        let neighbours = vec![vec![1, 2], vec![0, 2], vec![1, 0]];
        let labels = vec![Some(0), Some(0), None];
        // 0: {1 same, 2 none} = 0.5; 1: {0 same, 2 none} = 0.5; 2 unlabelled.
        assert_eq!(label_precision(&neighbours, &labels, 2), 0.5);
    }
}
