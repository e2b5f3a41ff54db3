//! A new track's place on an existing map: where its nearest already-placed neighbours are,
//! the nearest counting most, so the map grows without moving anyone.

use super::Point;

/// The place of a track whose nearest placed tracks are `neighbours` (their distance in the
/// vector space and their place), or `None` without any. `salt` (the track's id) turns a
/// small, fixed offset, so two tracks with the same neighbours do not hide each other.
pub fn place(neighbours: &[(f32, Point)], salt: i64) -> Option<Point> {
    let usable: Vec<&(f32, Point)> = neighbours
        .iter()
        .filter(|(d, p)| d.is_finite() && p[0].is_finite() && p[1].is_finite())
        .collect();
    if usable.is_empty() {
        return None;
    }
    // Inverse-square distance weights (Shepard's interpolation): the nearest counts most, and a
    // track that sounds exactly like a placed one lands on it.
    let mean = usable.iter().map(|(d, _)| *d).sum::<f32>() / usable.len() as f32;
    let floor = (1e-3 * mean).max(1e-6);
    let weights: Vec<f32> = usable
        .iter()
        .map(|(d, _)| 1.0 / (d * d + floor * floor))
        .collect();
    let total: f32 = weights.iter().sum();
    let mut at = [0.0f32; 2];
    for ((_, p), w) in usable.iter().zip(&weights) {
        at[0] += p[0] * w / total;
        at[1] += p[1] * w / total;
    }
    // A tenth of the way to the nearest neighbour's place, in a direction set by the salt; at
    // least a few pixels of a whole-library view (maps span radius 1), so twins both show.
    let reach = usable
        .iter()
        .map(|(_, p)| ((p[0] - at[0]).powi(2) + (p[1] - at[1]).powi(2)).sqrt())
        .fold(f32::INFINITY, f32::min)
        .max(0.05);
    let angle = (salt.wrapping_mul(2_654_435_761) % 360) as f32 * std::f32::consts::PI / 180.0;
    Some([
        at[0] + 0.1 * reach * angle.cos(),
        at[1] + 0.1 * reach * angle.sin(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lands_among_its_neighbours_nearest_first() {
        let neighbours = [(0.1, [1.0, 1.0]), (0.5, [3.0, 1.0]), (0.6, [3.0, 3.0])];
        let p = place(&neighbours, 42).expect("placed");
        let to = |q: [f32; 2]| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt();
        assert!(to([1.0, 1.0]) < to([3.0, 1.0]));
        assert!(to([1.0, 1.0]) < to([3.0, 3.0]));
        assert!(
            p[0] >= 0.9 && p[0] <= 3.0 && p[1] >= 0.9 && p[1] <= 3.0,
            "{p:?}"
        );
    }

    #[test]
    fn twins_do_not_overlap_and_nothing_places_nowhere() {
        let neighbours = [(0.2, [0.0, 0.0]), (0.3, [1.0, 0.0])];
        assert_ne!(place(&neighbours, 1), place(&neighbours, 2));
        assert_eq!(place(&[], 1), None);
        assert_eq!(place(&[(f32::NAN, [0.0, 0.0])], 1), None);
    }
}
