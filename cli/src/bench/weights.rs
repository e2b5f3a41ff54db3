//! `segue bench weights --labels FILE`: the index's block weights (issue 20, lever 4) chosen
//! under the similarity protocol (quality.rs) instead of by hand. From every analysed track's
//! stored features, vectors are made as the index makes them (`Normalizer::fit` over the whole
//! library with the weights tried), neighbours are exact cosine. On one half of the groups a
//! coordinate search moves one block's weight at a time (× 0, ½, ¾, 4⁄3, 2) while P@5 on that
//! half rises; the weights it ends with are reported on the other half, beside today's, then
//! the halves swap. Last, the same search over every query (what a default would be set to;
//! its own figures are not a measure, the swapped halves are).

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;
use segue::analysis::READABLE_SINCE;
use segue::vector::{raw_vector, BlockWeights, Normalizer, BLOCKS, RAW_DIM};
use segue::Library;

use super::labels::Labelled;
use super::print_json;
use super::quality::{print_rows, row, Judged, Row, Space};

/// Factors a block's weight is multiplied by in one step of the search.
const STEPS: [f32; 5] = [0.0, 0.5, 0.75, 4.0 / 3.0, 2.0];
/// Rounds over all blocks at most (the search stops earlier when a round changes nothing).
const ROUNDS: usize = 4;

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
    /// Every track's neighbour list (indices into `ids`) under `weights`.
    fn lists(&self, weights: BlockWeights) -> Vec<Vec<usize>> {
        let normalizer = Normalizer::fit(self.raws.iter(), weights);
        let vectors: HashMap<i64, Vec<f32>> = self
            .ids
            .iter()
            .zip(&self.raws)
            .map(|(id, raw)| (*id, normalizer.vector(raw)))
            .collect();
        let space = Space::new(&vectors);
        space.lists(&|i, j| f64::from(space.sim[i][j]))
    }
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
