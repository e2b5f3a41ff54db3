//! `segue bench blocks --labels FILE [--patches N]`: which MusiCNN outputs would make "sounds
//! like" better (issue 20, levers 1, 2 and 4), under the similarity protocol (quality.rs): the
//! library's index vectors as today, and beside them blocks computed here from every track's
//! audio — the MSD and MTT models' 200-d penultimate layers, pooled by mean and by standard
//! deviation over `--patches` patches spread over the track (the scan takes 4). Each block is
//! z-scored per value over the library and scaled to a typical norm of 1, then appended to the
//! (unit) index vector with a weight chosen on one half of the groups and reported on the
//! other. Neighbours are exact cosine over the combined vectors.

use std::path::Path;

use anyhow::{Context, Result};
use segue::musicnn::net::Arithmetic;
use segue::musicnn::net::EMBEDDING;
use segue::musicnn::tagger::{file_patches, Tagger};
use segue::Library;

use super::every_file::{on_every_file, paths_of};
use super::labels::Labelled;
use super::print_json;
use super::quality::{choose_on_halves, print_rows, row, Row, Space};

/// Block weights tried (relative to the index vector's norm of 1).
pub(super) const WEIGHTS: [f32; 6] = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0];

/// How many patches per track, through which arithmetic.
type Patches = (usize, Arithmetic);

/// One track's penultimate layers pooled over its patches.
#[derive(Clone)]
struct Pooled {
    msd_mean: Vec<f32>,
    msd_std: Vec<f32>,
    mtt_mean: Vec<f32>,
    mtt_std: Vec<f32>,
}

fn mean_std(rows: &[[f32; EMBEDDING]]) -> (Vec<f32>, Vec<f32>) {
    let n = rows.len().max(1) as f32;
    let mean: Vec<f32> = (0..EMBEDDING)
        .map(|k| rows.iter().map(|r| r[k]).sum::<f32>() / n)
        .collect();
    let std = (0..EMBEDDING)
        .map(|k| (rows.iter().map(|r| (r[k] - mean[k]).powi(2)).sum::<f32>() / n).sqrt())
        .collect();
    (mean, std)
}

fn pool(tagger: &Tagger, path: &Path, (patches, arithmetic): Patches) -> Result<Pooled> {
    let patches = file_patches(path, Some(patches))
        .with_context(|| format!("patches of {}", path.display()))?;
    let (mut msd, mut mtt) = (Vec::new(), Vec::new());
    for p in &patches {
        msd.push(
            tagger
                .network(segue::musicnn::Model::Msd)
                .forward_in(p, arithmetic)
                .penultimate,
        );
        mtt.push(
            tagger
                .network(segue::musicnn::Model::Mtt)
                .forward_in(p, arithmetic)
                .penultimate,
        );
    }
    let (msd_mean, msd_std) = mean_std(&msd);
    let (mtt_mean, mtt_std) = mean_std(&mtt);
    Ok(Pooled {
        msd_mean,
        msd_std,
        mtt_mean,
        mtt_std,
    })
}

/// A block over the library: z-scored per value, then divided by its mean norm.
pub(super) fn standardise(block: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let n = block.len().max(1) as f32;
    let dim = block.first().map_or(0, Vec::len);
    let mean: Vec<f32> = (0..dim)
        .map(|k| block.iter().map(|v| v[k]).sum::<f32>() / n)
        .collect();
    let sd: Vec<f32> = (0..dim)
        .map(|k| {
            (block.iter().map(|v| (v[k] - mean[k]).powi(2)).sum::<f32>() / n)
                .sqrt()
                .max(1e-6)
        })
        .collect();
    let z: Vec<Vec<f32>> = block
        .iter()
        .map(|v| (0..dim).map(|k| (v[k] - mean[k]) / sd[k]).collect())
        .collect();
    let typical = z
        .iter()
        .map(|v| v.iter().map(|x| x * x).sum::<f32>().sqrt())
        .sum::<f32>()
        / n;
    z.into_iter()
        .map(|v| v.into_iter().map(|x| x / typical.max(1e-6)).collect())
        .collect()
}

/// `base` (unit) with each `(block, weight)` appended, unit length again.
pub(super) fn combine(base: &[f32], blocks: &[(&[f32], f32)]) -> Vec<f32> {
    let mut v: Vec<f32> = base.to_vec();
    for (b, w) in blocks {
        v.extend(b.iter().map(|x| x * w));
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

pub async fn run(
    library: &Library,
    labels_file: &Path,
    min_group: usize,
    (patches, arithmetic): Patches,
    json: bool,
) -> Result<()> {
    let labelled = Labelled::read(library, labels_file, min_group).await?;
    let (ids, flat) = library.index_vectors().await?;
    let dim = flat.len() / ids.len().max(1);
    let base: Vec<Vec<f32>> = flat.chunks(dim.max(1)).map(<[f32]>::to_vec).collect();
    let paths = paths_of(library).await?;
    let tagger = Tagger::load_default().context("the MusiCNN weights (segue musicnn fetch)")?;

    // Both networks on every track's patches, one thread per core.
    let started = std::time::Instant::now();
    let (pooled, threads) = on_every_file(&ids, &paths, |path| {
        pool(&tagger, path, (patches, arithmetic))
    });
    let seconds = started.elapsed().as_secs_f64();
    // Only the tracks both sides have.
    let keep: Vec<usize> = (0..ids.len())
        .filter(|&i| pooled.contains_key(&ids[i]))
        .collect();
    let ids: Vec<i64> = keep.iter().map(|&i| ids[i]).collect();
    let base: Vec<Vec<f32>> = keep.iter().map(|&i| base[i].clone()).collect();
    let block = |f: &dyn Fn(&Pooled) -> &Vec<f32>| -> Vec<Vec<f32>> {
        standardise(
            &ids.iter()
                .map(|id| f(&pooled[id]).clone())
                .collect::<Vec<_>>(),
        )
    };
    let msd_mean = block(&|p| &p.msd_mean);
    let msd_std = block(&|p| &p.msd_std);
    let mtt_mean = block(&|p| &p.mtt_mean);
    let mtt_std = block(&|p| &p.mtt_std);

    // A configuration: the blocks appended for track i, at weight w.
    type Blocks<'a> = Box<dyn Fn(usize) -> Vec<&'a [f32]> + 'a>;
    let families: Vec<(&str, Blocks)> = vec![
        ("+ MTT mean", Box::new(|i| vec![&mtt_mean[i][..]])),
        ("+ MSD std", Box::new(|i| vec![&msd_std[i][..]])),
        (
            "+ MTT mean + MTT std",
            Box::new(|i| vec![&mtt_mean[i][..], &mtt_std[i][..]]),
        ),
        (
            "+ MTT mean + MSD std + MTT std",
            Box::new(|i| vec![&mtt_mean[i][..], &msd_std[i][..], &mtt_std[i][..]]),
        ),
        ("+ MSD mean (again)", Box::new(|i| vec![&msd_mean[i][..]])),
    ];
    let lists_for = |vectors: Vec<Vec<f32>>| Space::in_order(ids.clone(), &vectors).cosine_lists();
    let judged = |lists: &[Vec<usize>], half: &'static str| labelled.judged(&ids, lists, half);
    let mut rows: Vec<Row> = Vec::new();
    let today = lists_for(base.clone());
    for half in ["A", "B"] {
        rows.push(row("index vector (today)", half, &judged(&today, half)));
    }
    for (blocks, name) in [(&mtt_mean, "MTT mean alone"), (&msd_mean, "MSD mean alone")] {
        let lists = lists_for(blocks.iter().map(|v| combine(v, &[])).collect());
        for half in ["A", "B"] {
            rows.push(row(name, half, &judged(&lists, half)));
        }
    }
    for (name, blocks) in &families {
        let by_weight: Vec<(f32, Vec<Vec<usize>>)> = WEIGHTS
            .iter()
            .map(|&w| {
                let vectors = (0..ids.len())
                    .map(|i| {
                        let parts: Vec<(&[f32], f32)> =
                            blocks(i).into_iter().map(|b| (b, w)).collect();
                        combine(&base[i], &parts)
                    })
                    .collect();
                (w, lists_for(vectors))
            })
            .collect();
        for (w, choose_on, report_on, lists) in choose_on_halves(&by_weight, judged) {
            rows.push(row(
                &format!("{name}, w={w} (on {choose_on})"),
                report_on,
                &judged(lists, report_on),
            ));
        }
    }
    if json {
        return print_json(&rows);
    }
    println!(
        "blocks bench: {} tracks, {patches} patches each, both networks ({arithmetic:?} front end) in {seconds:.0} s on {threads} threads; {}",
        ids.len(),
        labelled.halves()
    );
    print_rows(&rows);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_standardised_and_combined_to_unit_length() {
        let block = vec![vec![1.0, 10.0], vec![3.0, 30.0], vec![5.0, 50.0]];
        let z = standardise(&block);
        let norms: Vec<f32> = z
            .iter()
            .map(|v| v.iter().map(|x| x * x).sum::<f32>().sqrt())
            .collect();
        assert!(
            (norms.iter().sum::<f32>() / 3.0 - 1.0).abs() < 1e-5,
            "{norms:?}"
        );
        assert!((z[0][0] + z[2][0]).abs() < 1e-6, "centred");
        let v = combine(&[1.0, 0.0], &[(&[0.0, 1.0], 1.0)]);
        assert!((v.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-6);
        assert!((v[0] - v[3]).abs() < 1e-6, "equal weight: equal share");
        let (m, s) = mean_std(&[[1.0; EMBEDDING], [3.0; EMBEDDING]]);
        assert_eq!((m[0], s[0]), (2.0, 1.0));
    }
}
