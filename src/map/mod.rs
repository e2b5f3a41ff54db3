//! The library map: every analysed track as a point on a plane where neighbours sound alike.
//!
//! Pure functions over vectors and neighbour lists; the façade (`library/map.rs`) feeds them
//! from the similarity index and keeps the result in SQLite.
//! - [`layout`]: UMAP's optimisation over the FAISS k-nearest-neighbour graph (the same vectors
//!   and the same neighbours as "Similar tracks"), started from [`pca`] or from the points'
//!   current places (so a refined map does not jump).
//! - [`place`]: a new track's place from its nearest already-placed neighbours.
//! - [`quality`]: how well a map keeps neighbours (what `segue bench map` prints).

pub mod layout;
pub mod pca;
pub mod place;
pub mod quality;

/// A point on the map.
pub type Point = [f32; 2];

/// Bumped when the layout method changes: maps made by another version are laid out again.
pub const MAP_VERSION: u32 = 1;

/// Neighbours per track in the graph the layout keeps (UMAP's default).
pub const NEIGHBOURS: usize = 15;

/// Euclidean distance between two unit vectors whose inner product is `score`.
pub fn distance_of_score(score: f32) -> f32 {
    (2.0 - 2.0 * score).max(0.0).sqrt()
}

/// Moves, turns and scales points so they are centred on 0, lie widest along x (screens are
/// wider than tall: a map laid out tall would use a third of the window) and the farthest
/// sits at radius 1: maps of different libraries and builds share one frame, and placed points
/// land in it.
pub fn normalise(points: &mut [Point]) {
    if points.is_empty() {
        return;
    }
    let n = points.len() as f32;
    let cx = points.iter().map(|p| p[0]).sum::<f32>() / n;
    let cy = points.iter().map(|p| p[1]).sum::<f32>() / n;
    let (mut sxx, mut syy, mut sxy) = (0.0f32, 0.0f32, 0.0f32);
    for p in points.iter() {
        let (x, y) = (p[0] - cx, p[1] - cy);
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    }
    // The angle of the direction of largest spread, turned onto the x axis.
    let angle = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    let (sin, cos) = (-angle).sin_cos();
    let radius = points
        .iter()
        .map(|p| ((p[0] - cx).powi(2) + (p[1] - cy).powi(2)).sqrt())
        .fold(0.0f32, f32::max);
    let scale = if radius > 0.0 { 1.0 / radius } else { 1.0 };
    for p in points.iter_mut() {
        let (x, y) = (p[0] - cx, p[1] - cy);
        p[0] = (x * cos - y * sin) * scale;
        p[1] = (x * sin + y * cos) * scale;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_points_are_centred_within_the_unit_circle() {
        let mut points = vec![[2.0, 2.0], [4.0, 2.0], [3.0, 5.0]];
        normalise(&mut points);
        let radius = points.iter().map(|p| (p[0] * p[0] + p[1] * p[1]).sqrt());
        assert!((radius.fold(0.0f32, f32::max) - 1.0).abs() < 1e-6);
        let cx: f32 = points.iter().map(|p| p[0]).sum();
        assert!(cx.abs() < 1e-6);
    }

    #[test]
    fn a_tall_map_is_turned_wide() {
        let mut points: Vec<Point> = (0..50).map(|i| [0.1 * (i % 3) as f32, i as f32]).collect();
        normalise(&mut points);
        let spread = |k: usize| points.iter().map(|p| p[k] * p[k]).sum::<f32>();
        assert!(
            spread(0) > 10.0 * spread(1),
            "{} vs {}",
            spread(0),
            spread(1)
        );
    }

    #[test]
    fn distance_of_unit_vectors() {
        assert_eq!(distance_of_score(1.0), 0.0);
        assert!((distance_of_score(0.0) - 2f32.sqrt()).abs() < 1e-6);
        assert_eq!(distance_of_score(1.0000001), 0.0);
    }
}
