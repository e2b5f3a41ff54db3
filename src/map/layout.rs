//! UMAP's optimisation (McInnes, Healy & Melville, 2018) on a given k-nearest-neighbour graph.
//!
//! Written here rather than taken from a crate: the Rust UMAP crates compute their own
//! neighbours or take dense `ndarray`s, print progress bars to the terminal and panic on bad
//! input; Segue already has the neighbours (FAISS, the same ones "Similar tracks" shows) and
//! needs progress and cancellation in a background job. What remains is the two steps below.
//!
//! 1. [`Graph::from_neighbours`]: each track's neighbour distances become memberships of a
//!    fuzzy set (its nearest neighbour at 1, the rest decaying at a rate chosen so that they
//!    sum to log2 k), and the two directions of each pair are joined (a + b − ab).
//! 2. [`optimise`]: stochastic gradient descent that pulls each edge's ends together, in
//!    proportion to its weight, and pushes random pairs apart. Two threads update the points
//!    at once without locks, as UMAP does ("Hogwild"): an update lost to a race is noise of
//!    the kind SGD already has; the coordinates are atomics so that this is defined behaviour.

use std::sync::atomic::{AtomicU32, Ordering};

use super::Point;

/// The curve 1 / (1 + a·d^2b) that turns map distance into closeness, for UMAP's default
/// spread 1 and minimum distance 0.1 (points of one style sit close but do not collapse).
const CURVE_A: f32 = 1.577;
const CURVE_B: f32 = 0.8951;
/// Random pairs pushed apart per pulled edge.
const NEGATIVE_RATE: f32 = 5.0;
/// No single step moves a point further than this.
const CLIP: f32 = 4.0;

/// The weighted, symmetric neighbour graph the layout keeps.
#[derive(Debug, Clone)]
pub struct Graph {
    pub points: usize,
    /// (i, j, weight) with i < j, each pair once.
    pub edges: Vec<(u32, u32, f32)>,
}

impl Graph {
    /// `neighbours[i]`: track i's nearest tracks as (index, distance), any order, without i.
    /// Indices out of range are ignored.
    pub fn from_neighbours(neighbours: &[Vec<(u32, f32)>]) -> Graph {
        let n = neighbours.len();
        let mut directed: Vec<(u32, u32, f32)> = Vec::new();
        for (i, list) in neighbours.iter().enumerate() {
            let list: Vec<(u32, f32)> = list
                .iter()
                .copied()
                .filter(|&(j, d)| (j as usize) < n && j as usize != i && d.is_finite())
                .collect();
            if list.is_empty() {
                continue;
            }
            let distances: Vec<f32> = list.iter().map(|&(_, d)| d.max(0.0)).collect();
            let (rho, sigma) = smooth_distance(&distances);
            for (&(j, _), &d) in list.iter().zip(&distances) {
                let w = if d <= rho {
                    1.0
                } else {
                    (-(d - rho) / sigma).exp()
                };
                let (a, b) = if (i as u32) < j {
                    (i as u32, j)
                } else {
                    (j, i as u32)
                };
                directed.push((a, b, w));
            }
        }
        directed.sort_by_key(|e| (e.0, e.1));
        let mut edges: Vec<(u32, u32, f32)> = Vec::with_capacity(directed.len());
        for (a, b, w) in directed {
            match edges.last_mut() {
                // The same pair from the other end (or listed twice): fuzzy union.
                Some(last) if last.0 == a && last.1 == b => last.2 = last.2 + w - last.2 * w,
                _ => edges.push((a, b, w)),
            }
        }
        Graph { points: n, edges }
    }
}

/// UMAP's `smooth_knn_dist` for one point: ρ, the distance to its nearest neighbour, and σ
/// such that Σ exp(−(d − ρ)/σ) = log2 k.
fn smooth_distance(distances: &[f32]) -> (f32, f32) {
    let rho = distances
        .iter()
        .copied()
        .filter(|&d| d > 0.0)
        .fold(f32::INFINITY, f32::min);
    let rho = if rho.is_finite() { rho } else { 0.0 };
    let target = (distances.len() as f32).log2();
    let (mut lo, mut hi, mut sigma) = (0.0f32, f32::INFINITY, 1.0f32);
    for _ in 0..64 {
        let sum: f32 = distances
            .iter()
            .map(|&d| {
                if d > rho {
                    (-(d - rho) / sigma).exp()
                } else {
                    1.0
                }
            })
            .sum();
        if (sum - target).abs() < 1e-5 {
            break;
        }
        if sum > target {
            hi = sigma;
            sigma = (lo + hi) / 2.0;
        } else {
            lo = sigma;
            sigma = if hi.is_finite() {
                (lo + hi) / 2.0
            } else {
                sigma * 2.0
            };
        }
    }
    let mean = distances.iter().sum::<f32>() / distances.len().max(1) as f32;
    (rho, sigma.max(1e-3 * mean).max(1e-12))
}

/// How the descent runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Passes over the graph (UMAP: 500 up to 10,000 points, 200 above).
    pub epochs: usize,
    pub threads: usize,
    pub seed: u64,
}

impl Options {
    pub fn for_points(points: usize) -> Options {
        Options {
            epochs: if points <= 10_000 { 500 } else { 200 },
            // One thread below 5,000 points: fast enough, and the same map on every run.
            threads: if points < 5_000 {
                1
            } else {
                std::thread::available_parallelism()
                    .map_or(1, |n| n.get())
                    .min(8)
            },
            seed: 0x5E6E,
        }
    }
}

/// Why a layout stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// Moves `points` (one per graph point, the start: PCA or their current places) so that the
/// graph's neighbours sit close. `progress(epochs_done, epochs)` is called after every epoch
/// and stops the layout when it returns false.
pub fn optimise(
    points: &mut [Point],
    graph: &Graph,
    options: Options,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<(), Cancelled> {
    let n = points.len();
    let epochs = options.epochs.max(1);
    if n < 2 || graph.edges.is_empty() {
        return Ok(());
    }
    scale_start(points);
    let coords: Vec<AtomicU32> = points
        .iter()
        .flat_map(|p| [p[0], p[1]])
        .map(|v| AtomicU32::new(v.to_bits()))
        .collect();
    let max_w = graph.edges.iter().map(|e| e.2).fold(0.0f32, f32::max);
    // Edges too weak to be sampled even once are dropped, as UMAP does.
    let mut edges: Vec<Edge> = graph
        .edges
        .iter()
        .filter(|e| e.2 >= max_w / epochs as f32 && (e.0 as usize) < n && (e.1 as usize) < n)
        .map(|&(a, b, w)| {
            let every = max_w / w;
            Edge {
                a,
                b,
                every,
                next: every,
                negative_every: every / NEGATIVE_RATE,
                next_negative: every / NEGATIVE_RATE,
            }
        })
        .collect();
    let threads = options.threads.clamp(1, 8);
    let chunk = edges.len().div_ceil(threads).max(1);
    for epoch in 0..epochs {
        let alpha = 1.0 - epoch as f32 / epochs as f32;
        let now = epoch as f32;
        std::thread::scope(|scope| {
            for (t, part) in edges.chunks_mut(chunk).enumerate() {
                let coords = &coords;
                let seed = options
                    .seed
                    .wrapping_mul(0x9E37_79B9)
                    .wrapping_add((epoch * threads + t) as u64);
                scope.spawn(move || descend(part, coords, n, now, alpha, seed));
            }
        });
        if !progress(epoch + 1, epochs) {
            return Err(Cancelled);
        }
    }
    for (i, p) in points.iter_mut().enumerate() {
        *p = [load(&coords, 2 * i), load(&coords, 2 * i + 1)];
    }
    Ok(())
}

struct Edge {
    a: u32,
    b: u32,
    /// Epochs between two pulls of this edge (1 for the heaviest).
    every: f32,
    next: f32,
    negative_every: f32,
    next_negative: f32,
}

fn load(coords: &[AtomicU32], i: usize) -> f32 {
    f32::from_bits(coords[i].load(Ordering::Relaxed))
}

fn store(coords: &[AtomicU32], i: usize, v: f32) {
    coords[i].store(v.to_bits(), Ordering::Relaxed);
}

/// One epoch over a share of the edges.
fn descend(edges: &mut [Edge], coords: &[AtomicU32], n: usize, now: f32, alpha: f32, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    for edge in edges.iter_mut().filter(|e| e.next <= now + 1.0) {
        let (a, b) = (edge.a as usize, edge.b as usize);
        let mut here = [load(coords, 2 * a), load(coords, 2 * a + 1)];
        let there = [load(coords, 2 * b), load(coords, 2 * b + 1)];
        let d2 = (here[0] - there[0]).powi(2) + (here[1] - there[1]).powi(2);
        if d2 > 0.0 {
            let pull = -2.0 * CURVE_A * CURVE_B * d2.powf(CURVE_B - 1.0)
                / (CURVE_A * d2.powf(CURVE_B) + 1.0);
            for k in 0..2 {
                let step = (pull * (here[k] - there[k])).clamp(-CLIP, CLIP) * alpha;
                here[k] += step;
                store(coords, 2 * b + k, there[k] - step);
            }
        }
        edge.next += edge.every;
        let negatives = ((now + 1.0 - edge.next_negative) / edge.negative_every).max(0.0) as usize;
        for _ in 0..negatives {
            let c = rng.usize(..n);
            if c == a {
                continue;
            }
            let other = [load(coords, 2 * c), load(coords, 2 * c + 1)];
            let d2 = (here[0] - other[0]).powi(2) + (here[1] - other[1]).powi(2);
            let push = if d2 > 0.0 {
                2.0 * CURVE_B / ((0.001 + d2) * (CURVE_A * d2.powf(CURVE_B) + 1.0))
            } else {
                0.0
            };
            for k in 0..2 {
                let step = if push > 0.0 {
                    (push * (here[k] - other[k])).clamp(-CLIP, CLIP)
                } else {
                    CLIP
                };
                here[k] += step * alpha;
            }
        }
        edge.next_negative += negatives as f32 * edge.negative_every;
        store(coords, 2 * a, here[0]);
        store(coords, 2 * a + 1, here[1]);
    }
}

/// UMAP's start: the initial picture scaled to ±10, with a trace of noise so that no two
/// points coincide.
fn scale_start(points: &mut [Point]) {
    let largest = points
        .iter()
        .flat_map(|p| [p[0].abs(), p[1].abs()])
        .filter(|v| v.is_finite())
        .fold(0.0f32, f32::max);
    let scale = if largest > 0.0 { 10.0 / largest } else { 1.0 };
    let mut rng = fastrand::Rng::with_seed(0x1A_u64);
    for p in points.iter_mut() {
        for v in p.iter_mut() {
            let start = if v.is_finite() { *v * scale } else { 0.0 };
            *v = start + (rng.f32() - 0.5) * 1e-3;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::quality;

    /// Points on three well separated rings in 8 dimensions, with their exact neighbours.
    fn rings(per_ring: usize) -> (Vec<Vec<f32>>, Vec<usize>) {
        let mut vectors = Vec::new();
        let mut labels = Vec::new();
        for ring in 0..3 {
            for i in 0..per_ring {
                let t = i as f32 / per_ring as f32 * std::f32::consts::TAU;
                let mut v = vec![0.0f32; 8];
                v[ring * 2] = 5.0 + t.cos();
                v[ring * 2 + 1] = t.sin();
                v[7] = (i % 3) as f32 * 0.01;
                vectors.push(v);
                labels.push(ring);
            }
        }
        (vectors, labels)
    }

    fn exact_neighbours(vectors: &[Vec<f32>], k: usize) -> Vec<Vec<(u32, f32)>> {
        vectors
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let mut all: Vec<(u32, f32)> = vectors
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(j, w)| {
                        let d: f32 = v.iter().zip(w).map(|(a, b)| (a - b).powi(2)).sum();
                        (j as u32, d.sqrt())
                    })
                    .collect();
                all.sort_by(|a, b| a.1.total_cmp(&b.1));
                all.truncate(k);
                all
            })
            .collect()
    }

    #[test]
    fn memberships_sum_to_log2_k_and_pairs_are_joined() {
        let neighbours = vec![
            vec![(1, 0.5), (2, 1.0), (3, 2.0)],
            vec![(0, 0.5), (2, 0.7), (3, 1.5)],
            vec![(1, 0.7), (0, 1.0), (3, 1.1)],
            vec![(2, 1.1), (1, 1.5), (0, 2.0)],
        ];
        let (rho, sigma) = smooth_distance(&[0.5, 1.0, 2.0]);
        assert_eq!(rho, 0.5);
        let sum: f32 = [0.5f32, 1.0, 2.0]
            .iter()
            .map(|d| (-(d - rho) / sigma).exp())
            .sum();
        assert!((sum - 3f32.log2()).abs() < 1e-3, "{sum}");
        let graph = Graph::from_neighbours(&neighbours);
        // Six pairs among four points, each once, i < j; the nearest pair has weight 1.
        assert_eq!(graph.edges.len(), 6);
        assert!(graph
            .edges
            .iter()
            .all(|e| e.0 < e.1 && e.2 > 0.0 && e.2 <= 1.0));
        let w01 = graph
            .edges
            .iter()
            .find(|e| (e.0, e.1) == (0, 1))
            .map(|e| e.2);
        assert_eq!(w01, Some(1.0));
    }

    #[test]
    fn ignores_self_loops_bad_indices_and_non_finite_distances() {
        let neighbours = vec![vec![(0, 0.0), (1, f32::NAN), (9, 0.3)], vec![(0, 0.4)]];
        let graph = Graph::from_neighbours(&neighbours);
        assert_eq!(graph.edges.len(), 1);
    }

    #[test]
    fn separate_groups_stay_apart_and_neighbours_stay_near() {
        let (vectors, labels) = rings(60);
        let neighbours = exact_neighbours(&vectors, 10);
        let graph = Graph::from_neighbours(&neighbours);
        // A scrambled start: the layout, not the start, must bring the rings together.
        let mut points: Vec<Point> = (0..vectors.len())
            .map(|i| [((i * 37) % 101) as f32, ((i * 53) % 97) as f32])
            .collect();
        let mut calls = 0;
        let options = Options {
            epochs: 300,
            threads: 2,
            seed: 7,
        };
        optimise(&mut points, &graph, options, &mut |_, _| {
            calls += 1;
            true
        })
        .expect("not cancelled");
        assert_eq!(calls, 300);
        assert!(points.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
        let on_map = quality::nearest_on_map(&points, 5);
        let same = quality::label_precision(
            &on_map,
            &labels.iter().map(|&l| Some(l)).collect::<Vec<_>>(),
            5,
        );
        assert!(same > 0.95, "same-ring share of map neighbours: {same}");
        let reference: Vec<Vec<u32>> = neighbours
            .iter()
            .map(|l| l.iter().map(|&(j, _)| j).collect())
            .collect();
        let kept = quality::neighbour_preservation(&reference, &points, 10);
        assert!(kept > 0.5, "neighbour preservation@10: {kept}");
    }

    #[test]
    fn stops_when_asked() {
        let (vectors, _) = rings(20);
        let graph = Graph::from_neighbours(&exact_neighbours(&vectors, 5));
        let mut points = vec![[0.0, 0.0]; vectors.len()];
        let options = Options {
            epochs: 100,
            threads: 1,
            seed: 1,
        };
        let stopped = optimise(&mut points, &graph, options, &mut |done, _| done < 10);
        assert_eq!(stopped, Err(Cancelled));
    }
}
