//! `segue bench placement --labels FILE [--candidates 16] [--patches 4]`: would *where* the
//! scan's few MusiCNN patches sit make "sounds like" and the tags better (issue 20, lever 2,
//! "better placed patches")? Both networks run on `--candidates` patches spread over every
//! track; from them `--patches` are taken three ways — spread evenly (as the scan does), or
//! herded: chosen greedily so that the mean of their log-mel summaries (each band's mean, or
//! mean and deviation, over the patch: what the front end gives for next to nothing) is
//! closest to the mean over all candidates. Each selection is then judged against pooling all
//! candidates: its embedding's cosine and tag probabilities' distance to all-candidate
//! pooling, and the MSD embedding under the similarity protocol (alone, and appended to the
//! index vector at a weight chosen on one half of the groups, reported on the other).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use segue::musicnn::frontend::N_MELS;
use segue::musicnn::net::{EMBEDDING, TAGS};
use segue::musicnn::tagger::{file_patches, Tagger};
use segue::musicnn::Model;
use segue::Library;

use super::blocks::{combine, standardise, WEIGHTS};
use super::every_file::{on_every_file, paths_of};
use super::labels::Labelled;
use super::print_json;
use super::quality::{choose_on_halves, print_rows, row, Row, Space};

/// One candidate patch: its log-mel summary and both networks' outputs.
struct Candidate {
    /// Each mel band's mean over the patch, then each band's standard deviation.
    summary: Vec<f32>,
    msd: [f32; EMBEDDING],
    /// Both models' tag probabilities, MSD's then MTT's.
    tags: Vec<f32>,
}

fn candidates(tagger: &Tagger, path: &Path, count: usize) -> Result<Vec<Candidate>> {
    let patches = file_patches(path, Some(count))
        .with_context(|| format!("patches of {}", path.display()))?;
    Ok(patches
        .iter()
        .map(|patch| {
            let msd = tagger.network(Model::Msd).forward(patch);
            let mtt = tagger.network(Model::Mtt).forward(patch);
            Candidate {
                summary: band_summary(patch),
                msd: msd.penultimate,
                tags: msd.probs.iter().chain(&mtt.probs).copied().collect(),
            }
        })
        .collect())
}

/// Each mel band's mean over a frame-major log-mel patch, then each band's deviation.
fn band_summary(patch: &[f32]) -> Vec<f32> {
    let frames = (patch.len() / N_MELS).max(1) as f32;
    let mut mean = vec![0.0f32; N_MELS];
    for frame in patch.chunks_exact(N_MELS) {
        mean.iter_mut().zip(frame).for_each(|(m, x)| *m += x);
    }
    mean.iter_mut().for_each(|m| *m /= frames);
    let mut var = vec![0.0f32; N_MELS];
    for frame in patch.chunks_exact(N_MELS) {
        for ((v, x), m) in var.iter_mut().zip(frame).zip(&mean) {
            *v += (x - m).powi(2);
        }
    }
    mean.extend(var.iter().map(|v| (v / frames).sqrt()));
    mean
}

/// `n` of `summaries` picked greedily (kernel herding with a linear kernel): each pick makes
/// the mean of the picked closest to the mean of all. Indices in track order.
fn herd(summaries: &[&[f32]], n: usize) -> Vec<usize> {
    let dim = summaries.first().map_or(0, |s| s.len());
    let count = summaries.len() as f32;
    let target: Vec<f32> = (0..dim)
        .map(|k| summaries.iter().map(|s| s[k]).sum::<f32>() / count)
        .collect();
    let mut sum = vec![0.0f32; dim];
    let mut picked: Vec<usize> = Vec::new();
    while picked.len() < n.min(summaries.len()) {
        let size = (picked.len() + 1) as f32;
        let miss = |j: usize| -> f32 {
            (0..dim)
                .map(|k| ((sum[k] + summaries[j][k]) / size - target[k]).powi(2))
                .sum()
        };
        let Some(best) = (0..summaries.len())
            .filter(|j| !picked.contains(j))
            .min_by(|&a, &b| miss(a).total_cmp(&miss(b)))
        else {
            break;
        };
        sum.iter_mut()
            .zip(summaries[best])
            .for_each(|(s, x)| *s += x);
        picked.push(best);
    }
    picked.sort_unstable();
    picked
}

/// `n` of `count` spread evenly: the middle candidate of each of `n` equal parts.
fn spread(count: usize, n: usize) -> Vec<usize> {
    if count <= n {
        return (0..count).collect();
    }
    (0..n).map(|i| (2 * i + 1) * count / (2 * n)).collect()
}

/// A selection's pooled outputs.
struct Pooled {
    msd_mean: Vec<f32>,
    tags: Vec<f32>,
}

fn pool(candidates: &[Candidate], picked: &[usize]) -> Pooled {
    let n = picked.len().max(1) as f32;
    let mean = |get: &dyn Fn(&Candidate) -> &[f32], dim: usize| -> Vec<f32> {
        (0..dim)
            .map(|k| picked.iter().map(|&j| get(&candidates[j])[k]).sum::<f32>() / n)
            .collect()
    };
    Pooled {
        msd_mean: mean(&|c| &c.msd, EMBEDDING),
        tags: mean(&|c| &c.tags, 2 * TAGS),
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    dot / (norm(a) * norm(b))
}

pub async fn run(
    library: &Library,
    labels_file: &Path,
    min_group: usize,
    candidate_count: usize,
    patches: usize,
    json: bool,
) -> Result<()> {
    let labelled = Labelled::read(library, labels_file, min_group).await?;
    let (ids, flat) = library.index_vectors().await?;
    let dim = flat.len() / ids.len().max(1);
    let base: Vec<Vec<f32>> = flat.chunks(dim.max(1)).map(<[f32]>::to_vec).collect();
    let paths = paths_of(library).await?;
    let tagger = Tagger::load_default().context("the MusiCNN weights (segue musicnn fetch)")?;
    let started = std::time::Instant::now();
    let (found, threads) = on_every_file(&ids, &paths, |path| {
        candidates(&tagger, path, candidate_count)
    });
    let seconds = started.elapsed().as_secs_f64();
    let keep: Vec<usize> = (0..ids.len())
        .filter(|&i| found.get(&ids[i]).is_some_and(|c| !c.is_empty()))
        .collect();
    let ids: Vec<i64> = keep.iter().map(|&i| ids[i]).collect();
    let base: Vec<Vec<f32>> = keep.iter().map(|&i| base[i].clone()).collect();

    type Select = fn(&[Candidate], usize) -> Vec<usize>;
    let selections: [(&str, Select); 4] = [
        ("spread (as the scan)", |c, n| spread(c.len(), n)),
        ("herded on band means", |c, n| {
            herd(
                &c.iter().map(|c| &c.summary[..N_MELS]).collect::<Vec<_>>(),
                n,
            )
        }),
        ("herded on band means and deviations", |c, n| {
            herd(&c.iter().map(|c| &c.summary[..]).collect::<Vec<_>>(), n)
        }),
        ("all candidates", |c, _| (0..c.len()).collect()),
    ];
    let pooled: Vec<(&str, HashMap<i64, Pooled>)> = selections
        .iter()
        .map(|(name, select)| {
            let by_id = ids
                .iter()
                .map(|id| {
                    let c = &found[id];
                    (*id, pool(c, &select(c, patches)))
                })
                .collect();
            (*name, by_id)
        })
        .collect();

    // Fidelity to pooling every candidate.
    let all = &pooled[pooled.len() - 1].1;
    let mut fidelity = Vec::new();
    for (name, by_id) in &pooled[..pooled.len() - 1] {
        let n = ids.len().max(1) as f64;
        let cos = ids
            .iter()
            .map(|id| f64::from(cosine(&by_id[id].msd_mean, &all[id].msd_mean)))
            .sum::<f64>()
            / n;
        let tag_gap = ids
            .iter()
            .map(|id| {
                let (a, b) = (&by_id[id].tags, &all[id].tags);
                a.iter()
                    .zip(b)
                    .map(|(x, y)| f64::from((x - y).abs()))
                    .sum::<f64>()
                    / a.len().max(1) as f64
            })
            .sum::<f64>()
            / n;
        fidelity.push(serde_json::json!({
            "selection": name, "embedding_cosine_to_all": cos, "mean_abs_tag_gap_to_all": tag_gap }));
    }

    let lists_for = |vectors: Vec<Vec<f32>>| Space::in_order(ids.clone(), &vectors).cosine_lists();
    let judged = |lists: &[Vec<usize>], half: &'static str| labelled.judged(&ids, lists, half);
    let mut rows: Vec<Row> = Vec::new();
    let today = lists_for(base.clone());
    for half in ["A", "B"] {
        rows.push(row("index vector (today)", half, &judged(&today, half)));
    }
    for (name, by_id) in &pooled {
        let block = standardise(
            &ids.iter()
                .map(|id| by_id[id].msd_mean.clone())
                .collect::<Vec<_>>(),
        );
        let alone = lists_for(block.iter().map(|v| combine(v, &[])).collect());
        for half in ["A", "B"] {
            rows.push(row(
                &format!("MSD mean alone, {name}"),
                half,
                &judged(&alone, half),
            ));
        }
        let by_weight: Vec<(f32, Vec<Vec<usize>>)> = WEIGHTS
            .iter()
            .map(|&w| {
                let vectors = (0..ids.len())
                    .map(|i| combine(&base[i], &[(&block[i][..], w)]))
                    .collect();
                (w, lists_for(vectors))
            })
            .collect();
        for (w, choose_on, report_on, lists) in choose_on_halves(&by_weight, judged) {
            rows.push(row(
                &format!("+ MSD mean, {name}, w={w} (on {choose_on})"),
                report_on,
                &judged(lists, report_on),
            ));
        }
    }
    if json {
        return print_json(&serde_json::json!({ "fidelity": fidelity, "rows": rows }));
    }
    println!(
        "placement bench: {} tracks, {patches} of {candidate_count} candidate patches, both networks on every candidate in {seconds:.0} s on {threads} threads; {}",
        ids.len(),
        labelled.halves()
    );
    for f in &fidelity {
        println!(
            "{:<40} MSD embedding's cosine to all candidates' {:.4}; mean |tag probability gap| {:.4}",
            f["selection"].as_str().unwrap_or_default(),
            f["embedding_cosine_to_all"].as_f64().unwrap_or_default(),
            f["mean_abs_tag_gap_to_all"].as_f64().unwrap_or_default()
        );
    }
    print_rows(&rows);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn herding_picks_what_matches_the_mean() {
        // Values 0, 10, 4, 6, 5: the mean is 5; one pick is 5, two are 4 and 6.
        let rows: Vec<Vec<f32>> = [0.0, 10.0, 4.0, 6.0, 5.0]
            .iter()
            .map(|&x| vec![x])
            .collect();
        let refs: Vec<&[f32]> = rows.iter().map(|r| &r[..]).collect();
        assert_eq!(herd(&refs, 1), vec![4]);
        assert_eq!(herd(&refs, 3), vec![2, 3, 4]);
        assert_eq!(herd(&refs, 9).len(), 5, "never more than there are");
    }

    #[test]
    fn spreading_takes_the_middle_of_equal_parts() {
        assert_eq!(spread(16, 4), vec![2, 6, 10, 14]);
        assert_eq!(spread(3, 4), vec![0, 1, 2]);
        assert_eq!(spread(8, 2), vec![2, 6]);
    }

    #[test]
    fn a_band_summary_is_means_then_deviations() {
        let mut patch = vec![0.0f32; 2 * N_MELS];
        patch[0] = 1.0;
        patch[N_MELS] = 3.0;
        let s = band_summary(&patch);
        assert_eq!(s.len(), 2 * N_MELS);
        assert_eq!((s[0], s[N_MELS]), (2.0, 1.0));
        assert_eq!((s[1], s[N_MELS + 1]), (0.0, 0.0));
    }
}
