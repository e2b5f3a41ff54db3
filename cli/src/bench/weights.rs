//! `segue bench weights --labels FILE`: the index's block weights (issue 20, lever 4) chosen
//! under the similarity protocol (quality.rs) instead of by hand. From every analysed track's
//! stored features, vectors are made as the index makes them (`Normalizer::fit` over the whole
//! library with the weights tried), neighbours are exact cosine. On one half of the groups a
//! coordinate search moves one block's weight at a time (× 0, ½, ¾, 4⁄3, 2) while P@5 on that
//! half rises; the weights it ends with are reported on the other half, beside today's, then
//! the halves swap. Last, the same search over every query (what a default would be set to;
//! its own figures are not a measure, the swapped halves are).
//!
//! Then per-block whitening (lever 4's other half): a block's values of every track decorrelated
//! and brought to unit variance in every direction (Σ + λ·tr(Σ)/d·I shrunk, since 200 values
//! from a few hundred tracks leave Σ nearly singular), scaled back to the block's typical norm
//! so its weight holds. Every whitening W with WᵀW = Σ⁻¹ gives the same inner products, so
//! the Cholesky factor's inverse stands for PCA or ZCA whitening. λ is chosen on one half,
//! reported on the other.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;
use segue::analysis::READABLE_SINCE;
use segue::vector::{
    block_range, normalize, raw_vector, Block, BlockWeights, Normalizer, BLOCKS, RAW_DIM,
};
use segue::Library;

use super::labels::Labelled;
use super::print_json;
use super::quality::{choose_on_halves, print_rows, row, Judged, Row, Space};

/// Factors a block's weight is multiplied by in one step of the search.
const STEPS: [f32; 5] = [0.0, 0.5, 0.75, 4.0 / 3.0, 2.0];
/// Rounds over all blocks at most (the search stops earlier when a round changes nothing).
const ROUNDS: usize = 4;
/// Shrinkage tried for whitening, in units of the mean variance of the block's values.
const SHRINK: [f64; 5] = [0.03, 0.1, 0.3, 1.0, 3.0];

fn weight_mut(w: &mut BlockWeights, block: usize) -> &mut f32 {
    match block {
        0 => &mut w.rhythm,
        1 => &mut w.harmony,
        2 => &mut w.timbre,
        3 => &mut w.level,
        4 => &mut w.tags,
        _ => &mut w.embedding,
    }
}

fn describe(w: &BlockWeights) -> String {
    format!(
        "r {:.2} h {:.2} t {:.2} l {:.2} tags {:.2} emb {:.2}",
        w.rhythm, w.harmony, w.timbre, w.level, w.tags, w.embedding
    )
}

/// The library's raw vectors and what neighbour lists a set of weights gives them.
struct Bench {
    ids: Vec<i64>,
    raws: Vec<[f32; RAW_DIM]>,
}

impl Bench {
    /// Every track's index vector under `weights`.
    fn vectors(&self, weights: BlockWeights) -> Vec<Vec<f32>> {
        let normalizer = Normalizer::fit(self.raws.iter(), weights);
        self.raws.iter().map(|raw| normalizer.vector(raw)).collect()
    }

    /// Every track's neighbour list (indices into `ids`) of these vectors.
    fn lists_of(&self, vectors: Vec<Vec<f32>>) -> Vec<Vec<usize>> {
        let vectors: HashMap<i64, Vec<f32>> = self.ids.iter().copied().zip(vectors).collect();
        let space = Space::new(&vectors);
        space.lists(&|i, j| f64::from(space.sim[i][j]))
    }

    /// Every track's neighbour list (indices into `ids`) under `weights`.
    fn lists(&self, weights: BlockWeights) -> Vec<Vec<usize>> {
        self.lists_of(self.vectors(weights))
    }
}

/// Whitens `block` of every vector (see the module's notes) with shrinkage `shrink`, keeps the
/// block's typical norm, and makes each vector unit length again.
fn whiten(vectors: &mut [Vec<f32>], block: Block, shrink: f64) {
    let range = block_range(block);
    let d = range.len();
    let n = vectors.len().max(1) as f64;
    let x: Vec<Vec<f64>> = vectors
        .iter()
        .map(|v| v[range.clone()].iter().map(|&a| f64::from(a)).collect())
        .collect();
    let mean: Vec<f64> = (0..d)
        .map(|k| x.iter().map(|r| r[k]).sum::<f64>() / n)
        .collect();
    let mut cov = vec![vec![0.0f64; d]; d];
    for r in &x {
        for a in 0..d {
            for b in 0..=a {
                cov[a][b] += (r[a] - mean[a]) * (r[b] - mean[b]) / n;
            }
        }
    }
    let ridge = shrink * (0..d).map(|k| cov[k][k]).sum::<f64>() / d.max(1) as f64;
    for (k, row) in cov.iter_mut().enumerate() {
        row[k] += ridge.max(1e-12);
    }
    let Some(l) = cholesky(&cov) else { return };
    let typical = |rows: &[Vec<f64>]| -> f64 {
        (rows
            .iter()
            .map(|r| r.iter().map(|a| a * a).sum::<f64>())
            .sum::<f64>()
            / n)
            .sqrt()
    };
    let before = typical(&x);
    // y = L⁻¹ (x − mean), by forward substitution.
    let y: Vec<Vec<f64>> = x
        .iter()
        .map(|r| {
            let mut y = vec![0.0f64; d];
            for a in 0..d {
                let s: f64 = (0..a).map(|b| l[a][b] * y[b]).sum();
                y[a] = (r[a] - mean[a] - s) / l[a][a];
            }
            y
        })
        .collect();
    let factor = before / typical(&y).max(1e-12);
    for (v, y) in vectors.iter_mut().zip(&y) {
        for (slot, value) in range.clone().zip(y) {
            v[slot] = (value * factor) as f32;
        }
        normalize(v);
    }
}

/// The lower Cholesky factor of a symmetric positive definite matrix.
fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let d = a.len();
    let mut l = vec![vec![0.0f64; d]; d];
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let v = a[i][i] - s;
                if v <= 0.0 {
                    return None;
                }
                l[i][j] = v.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    Some(l)
}

/// Coordinate search from `start`: the weights with the best `score`, and that score.
fn search(start: BlockWeights, score: &dyn Fn(BlockWeights) -> f64) -> (BlockWeights, f64, usize) {
    let mut best = start;
    let mut best_score = score(best);
    let mut tried = 1;
    for _ in 0..ROUNDS {
        let mut moved = false;
        for block in 0..BLOCKS.len() {
            let here = *weight_mut(&mut best, block);
            for step in STEPS {
                let mut w = best;
                *weight_mut(&mut w, block) = here * step;
                let s = score(w);
                tried += 1;
                if s > best_score + 1e-9 {
                    (best, best_score, moved) = (w, s, true);
                }
            }
        }
        if !moved {
            break;
        }
    }
    (best, best_score, tried)
}

pub async fn run(
    library: &Library,
    labels_file: &Path,
    min_group: usize,
    json: bool,
) -> Result<()> {
    let labelled = Labelled::read(library, labels_file, min_group).await?;
    let (mut ids, _) = library.store().feature_ids(READABLE_SINCE).await?;
    ids.sort();
    let features = library
        .store()
        .features_of_many(&ids, READABLE_SINCE)
        .await?;
    let raws_by_id: HashMap<i64, [f32; RAW_DIM]> = features
        .iter()
        .map(|(id, f)| (*id, raw_vector(f)))
        .collect();
    // Space sorts its ids: keep the same order here so list indices match.
    let ids: Vec<i64> = ids
        .into_iter()
        .filter(|id| raws_by_id.contains_key(id))
        .collect();
    let bench = Bench {
        raws: ids.iter().map(|id| raws_by_id[id]).collect(),
        ids,
    };
    let queries = labelled.queries(&bench.ids);
    let judged = |lists: &[Vec<usize>], halves: &[&'static str]| -> Vec<Judged> {
        halves
            .iter()
            .flat_map(|h| queries.get(h).into_iter().flatten())
            .map(|&q| labelled.judge(&bench.ids, q, &lists[q]))
            .collect()
    };
    let p5 = |w: BlockWeights, halves: &[&'static str]| -> f64 {
        row("", "", &judged(&bench.lists(w), halves)).p5.0
    };

    let today = BlockWeights::default();
    let started = std::time::Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    let mut chosen: Vec<(String, BlockWeights)> = Vec::new();
    let today_lists = bench.lists(today);
    for half in ["A", "B"] {
        rows.push(row("today's weights", half, &judged(&today_lists, &[half])));
    }
    let mut searches = 0;
    for (choose_on, report_on) in [("A", "B"), ("B", "A")] {
        let (w, _, tried) = search(today, &|w| p5(w, &[choose_on]));
        searches += tried;
        rows.push(row(
            &format!("chosen on {choose_on}"),
            report_on,
            &judged(&bench.lists(w), &[report_on]),
        ));
        chosen.push((format!("chosen on {choose_on}"), w));
    }
    let (all, _, tried) = search(today, &|w| p5(w, &["A", "B"]));
    searches += tried;
    chosen.push(("chosen on A and B (a default)".into(), all));

    // Whitening, with today's weights.
    let base = bench.vectors(today);
    let judged_one = |lists: &[Vec<usize>], half: &'static str| judged(lists, &[half]);
    for (name, blocks) in [
        ("embedding whitened", &[Block::Embedding][..]),
        ("tags whitened", &[Block::Tags][..]),
        ("timbre whitened", &[Block::Timbre][..]),
        (
            "embedding, tags, timbre whitened",
            &[Block::Embedding, Block::Tags, Block::Timbre][..],
        ),
    ] {
        let tried: Vec<(f64, Vec<Vec<usize>>)> = SHRINK
            .iter()
            .map(|&shrink| {
                let mut vectors = base.clone();
                for &block in blocks {
                    whiten(&mut vectors, block, shrink);
                }
                (shrink, bench.lists_of(vectors))
            })
            .collect();
        for (shrink, choose_on, report_on, lists) in choose_on_halves(&tried, judged_one) {
            rows.push(row(
                &format!("{name}, λ={shrink} (on {choose_on})"),
                report_on,
                &judged(lists, &[report_on]),
            ));
        }
    }
    if json {
        return print_json(&serde_json::json!({
            "rows": rows,
            "weights": chosen
                .iter()
                .map(|(name, w)| serde_json::json!({"name": name, "weights": w}))
                .collect::<Vec<_>>(),
        }));
    }
    println!(
        "weights bench: {} tracks, {} weight sets tried in {:.1} s; {}",
        bench.ids.len(),
        searches,
        started.elapsed().as_secs_f64(),
        labelled.halves()
    );
    print_rows(&rows);
    println!("today: {}", describe(&today));
    for (name, w) in &chosen {
        println!("{name}: {}", describe(w));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitening_decorrelates_a_block_and_keeps_its_norm() {
        let range = block_range(Block::Embedding);
        // Two strongly correlated values in the block, the rest zero.
        let mut vectors: Vec<Vec<f32>> = (0..200)
            .map(|i| {
                let mut v = vec![0.0f32; RAW_DIM];
                let t = (i as f32 * 0.37).sin();
                let u = (i as f32 * 1.91).cos() * 0.1;
                v[range.start] = t;
                v[range.start + 1] = t + u;
                v[0] = 1.0;
                normalize(&mut v);
                v
            })
            .collect();
        let corr = |vs: &[Vec<f32>]| {
            let (a, b): (Vec<f64>, Vec<f64>) = vs
                .iter()
                .map(|v| (f64::from(v[range.start]), f64::from(v[range.start + 1])))
                .unzip();
            let m = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
            let (ma, mb) = (m(&a), m(&b));
            let cov: f64 = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum();
            let sa: f64 = a.iter().map(|x| (x - ma).powi(2)).sum::<f64>().sqrt();
            let sb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum::<f64>().sqrt();
            cov / (sa * sb)
        };
        assert!(corr(&vectors) > 0.9);
        whiten(&mut vectors, Block::Embedding, 1e-6);
        assert!(corr(&vectors).abs() < 0.05, "{}", corr(&vectors));
        for v in &vectors {
            let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-4);
        }
    }

    #[test]
    fn the_search_climbs_one_block_at_a_time_and_stops() {
        // A score that wants no level and twice the timbre: found from the defaults.
        let target = |w: BlockWeights| -> f64 {
            -(f64::from(w.level)).abs() - (f64::from(w.timbre) - 2.4).abs()
        };
        let (w, s, tried) = search(BlockWeights::default(), &target);
        assert_eq!(w.level, 0.0);
        assert!((w.timbre - 2.4).abs() < 1e-6, "{w:?}");
        assert!(s.abs() < 1e-6);
        assert_eq!(w.rhythm, BlockWeights::default().rhythm, "untouched");
        assert!(tried <= 1 + ROUNDS * BLOCKS.len() * STEPS.len());
    }
}
