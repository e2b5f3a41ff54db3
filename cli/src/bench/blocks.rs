//! `segue bench blocks --labels FILE [--patches N] [--int8]`: which MusiCNN outputs would make
//! "sounds like" better (issue 20, levers 1, 2 and 4), under the similarity protocol
//! (quality.rs): the library's index vectors as today, and beside them what is computed here
//! from every track's audio by both models (MSD, MTT) over `--patches` patches spread over the
//! track (the scan takes 8):
//! - blocks the index could hold: the 200-d penultimate layers pooled by mean and by standard
//!   deviation, the mid-end's pooled features (the dense layer's 1,506 inputs), the centroid of
//!   the standardised patches. Each is z-scored per value over the library, scaled to a typical
//!   norm of 1 and appended to the (unit) index vector; neighbours are exact cosine;
//! - a re-ranker it could not: the patches matched set to set (each patch's best match in the
//!   other track, averaged both ways), added to the index cosine over all tracks or over its 50
//!   nearest.
//!
//! Every weight (and the re-ranker's scope) is chosen on one half of the groups and reported on
//! the other; the re-ranker's held-out gains are also given paired over the same queries.

use std::path::Path;

use anyhow::{Context, Result};
use segue::musicnn::net::{Arithmetic, PatchOutput, EMBEDDING};
use segue::musicnn::tagger::{file_patches, Tagger};
use segue::musicnn::Model;
use segue::Library;

use super::every_file::{on_every_file, paths_of};
use super::labels::Labelled;
use super::print_json;
use super::quality::{choose_on_halves, paired_gain, print_rows, row, Row, Space};

/// The patch matcher's weights tried, relative to the cosine (its own scale: both are cosines).
const MATCH_WEIGHTS: [f32; 7] = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0];

/// Block weights tried (relative to the index vector's norm of 1).
pub(super) const WEIGHTS: [f32; 6] = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0];

/// How many patches per track, through which arithmetic.
type Patches = (usize, Arithmetic);

/// What one model gives for one track's patches.
#[derive(Clone)]
struct ModelOutputs {
    /// Every patch's 200-d penultimate layer.
    patches: Vec<[f32; EMBEDDING]>,
    /// The mid-end's max- and mean-over-time features (the dense layer's input), averaged
    /// over the patches.
    mid: Vec<f32>,
}

/// Both models' outputs for one track.
#[derive(Clone)]
struct Pooled {
    msd: ModelOutputs,
    mtt: ModelOutputs,
}

/// Each row z-scored per value over all `rows`.
fn z_scored(rows: &[&[f32]]) -> Vec<Vec<f32>> {
    let dim = rows.first().map_or(0, |r| r.len());
    let (mean, sd) = mean_sd(rows, dim);
    rows.iter()
        .map(|v| {
            (0..dim)
                .map(|k| (v[k] - mean[k]) / sd[k].max(1e-6))
                .collect()
        })
        .collect()
}

fn unit(v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.into_iter().map(|x| x / norm).collect()
}

/// Each patch z-scored per value over every patch of the library, then unit length; grouped
/// by track as given.
fn standardise_patches(tracks: &[&[[f32; EMBEDDING]]]) -> Vec<Vec<Vec<f32>>> {
    let all: Vec<&[f32]> = tracks
        .iter()
        .flat_map(|t| t.iter().map(|v| &v[..]))
        .collect();
    let mut z = z_scored(&all).into_iter().map(unit);
    tracks
        .iter()
        .map(|t| z.by_ref().take(t.len()).collect())
        .collect()
}

/// `v` as a store would give it back from 8 bits: one scale per vector, values rounded to
/// −127..=127 of it.
fn through_i8(v: &[f32]) -> Vec<f32> {
    let scale = v.iter().fold(0.0f32, |m, x| m.max(x.abs())).max(1e-12) / 127.0;
    v.iter().map(|x| (x / scale).round() * scale).collect()
}

/// Symmetric set-to-set similarity of two tracks' patches: each patch's best match in the
/// other track, averaged, both ways.
fn chamfer(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    let dot = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>();
    let best = |from: &[Vec<f32>], to: &[Vec<f32>]| {
        from.iter()
            .map(|x| {
                to.iter()
                    .map(|y| dot(x, y))
                    .fold(f32::NEG_INFINITY, f32::max)
            })
            .sum::<f32>()
            / from.len().max(1) as f32
    };
    0.5 * (best(a, b) + best(b, a))
}

/// Mean over patches of each patch's `[max_pool, mean_pool]`.
fn mid_mean(outputs: &[PatchOutput]) -> Vec<f32> {
    let n = outputs.len().max(1) as f32;
    let dim = outputs
        .first()
        .map_or(0, |o| o.max_pool.len() + o.mean_pool.len());
    let mut sum = vec![0.0f32; dim];
    for o in outputs {
        for (s, v) in sum.iter_mut().zip(o.max_pool.iter().chain(&o.mean_pool)) {
            *s += v;
        }
    }
    sum.into_iter().map(|s| s / n).collect()
}

/// Per value over `rows`: the mean and the (population) standard deviation.
fn mean_sd(rows: &[&[f32]], dim: usize) -> (Vec<f32>, Vec<f32>) {
    let n = rows.len().max(1) as f32;
    let mean: Vec<f32> = (0..dim)
        .map(|k| rows.iter().map(|r| r[k]).sum::<f32>() / n)
        .collect();
    let sd = (0..dim)
        .map(|k| (rows.iter().map(|r| (r[k] - mean[k]).powi(2)).sum::<f32>() / n).sqrt())
        .collect();
    (mean, sd)
}

/// Per value over a track's patches: the mean and the standard deviation.
fn mean_std(patches: &[[f32; EMBEDDING]]) -> (Vec<f32>, Vec<f32>) {
    mean_sd(
        &patches.iter().map(|r| &r[..]).collect::<Vec<_>>(),
        EMBEDDING,
    )
}

fn pool(tagger: &Tagger, path: &Path, (patches, arithmetic): Patches) -> Result<Pooled> {
    let patches = file_patches(path, Some(patches))
        .with_context(|| format!("patches of {}", path.display()))?;
    let run = |model| -> Vec<PatchOutput> {
        patches
            .iter()
            .map(|p| tagger.network(model).forward_in(p, arithmetic))
            .collect()
    };
    let kept = |outputs: Vec<PatchOutput>| ModelOutputs {
        patches: outputs.iter().map(|o| o.penultimate).collect(),
        mid: mid_mean(&outputs),
    };
    Ok(Pooled {
        msd: kept(run(Model::Msd)),
        mtt: kept(run(Model::Mtt)),
    })
}

/// A block over the library: z-scored per value, then divided by its mean norm.
pub(super) fn standardise(block: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let n = block.len().max(1) as f32;
    let z = z_scored(&block.iter().map(Vec::as_slice).collect::<Vec<_>>());
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
    let block = |f: &dyn Fn(&Pooled) -> Vec<f32>| -> Vec<Vec<f32>> {
        standardise(&ids.iter().map(|id| f(&pooled[id])).collect::<Vec<_>>())
    };
    let msd_mean = block(&|p| mean_std(&p.msd.patches).0);
    let msd_std = block(&|p| mean_std(&p.msd.patches).1);
    let mtt_mean = block(&|p| mean_std(&p.mtt.patches).0);
    let mtt_std = block(&|p| mean_std(&p.mtt.patches).1);
    let msd_mid = block(&|p| p.msd.mid.clone());
    let mtt_mid = block(&|p| p.mtt.mid.clone());
    // Each track's patches, standardised over the library's patches and unit length; their
    // centroid is a block the index could hold (the mean of every cross-pair's cosine).
    let sets_of = |of: fn(&Pooled) -> &ModelOutputs| {
        standardise_patches(
            &ids.iter()
                .map(|id| &of(&pooled[id]).patches[..])
                .collect::<Vec<_>>(),
        )
    };
    let (msd_sets, mtt_sets) = (sets_of(|p| &p.msd), sets_of(|p| &p.mtt));
    let centroids = |sets: &[Vec<Vec<f32>>]| {
        let means: Vec<Vec<f32>> = sets
            .iter()
            .map(|set| {
                mean_sd(
                    &set.iter().map(Vec::as_slice).collect::<Vec<_>>(),
                    EMBEDDING,
                )
                .0
            })
            .collect();
        standardise(&means)
    };
    let (msd_centroid, mtt_centroid) = (centroids(&msd_sets), centroids(&mtt_sets));

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
        ("+ MSD mid-end", Box::new(|i| vec![&msd_mid[i][..]])),
        ("+ MTT mid-end", Box::new(|i| vec![&mtt_mid[i][..]])),
        (
            "+ MSD mid-end + MTT mid-end",
            Box::new(|i| vec![&msd_mid[i][..], &mtt_mid[i][..]]),
        ),
        (
            "+ MSD + MTT patch centroids",
            Box::new(|i| vec![&msd_centroid[i][..], &mtt_centroid[i][..]]),
        ),
    ];
    let lists_for = |vectors: Vec<Vec<f32>>| Space::in_order(ids.clone(), &vectors).cosine_lists();
    let judged = |lists: &[Vec<usize>], half: &'static str| labelled.judged(&ids, lists, half);
    let mut rows: Vec<Row> = Vec::new();
    let today = lists_for(base.clone());
    for half in ["A", "B"] {
        rows.push(row("index vector (today)", half, &judged(&today, half)));
    }
    for (blocks, name) in [
        (&mtt_mean, "MTT mean alone"),
        (&msd_mean, "MSD mean alone"),
        (&msd_mid, "MSD mid-end alone"),
        (&mtt_mid, "MTT mid-end alone"),
    ] {
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
    // Set-to-set matching of the patches (a re-ranker: the index cannot hold it), alone and
    // added to the index vector's cosine, over all tracks or the cosine's top candidates.
    let space = Space::in_order(ids.clone(), &base);
    let timer = std::time::Instant::now();
    let matched_by = |sets: &[Vec<Vec<f32>>]| -> Vec<Vec<f32>> {
        sets.iter()
            .map(|a| sets.iter().map(|b| chamfer(a, b)).collect())
            .collect()
    };
    let (msd_matched, mtt_matched) = (matched_by(&msd_sets), matched_by(&mtt_sets));
    let pair_us = timer.elapsed().as_secs_f64() * 1e6 / (2 * ids.len() * ids.len()) as f64;
    let average = |a: &[Vec<f32>], b: &[Vec<f32>]| -> Vec<Vec<f32>> {
        a.iter()
            .zip(b)
            .map(|(a, b)| a.iter().zip(b).map(|(x, y)| 0.5 * (x + y)).collect())
            .collect()
    };
    let both_matched = average(&msd_matched, &mtt_matched);
    // The same from patches kept in 8 bits, as a store would keep them.
    let in_bytes = |sets: &[Vec<Vec<f32>>]| -> Vec<Vec<Vec<f32>>> {
        sets.iter()
            .map(|set| set.iter().map(|v| through_i8(v)).collect())
            .collect()
    };
    let both_matched_i8 = average(
        &matched_by(&in_bytes(&msd_sets)),
        &matched_by(&in_bytes(&mtt_sets)),
    );
    // And from the raw patches kept in 8 bits before any library statistics exist, as the
    // analysis must store them.
    let raw_in_bytes = |of: fn(&Pooled) -> &ModelOutputs| {
        let quantised: Vec<Vec<[f32; EMBEDDING]>> = ids
            .iter()
            .map(|id| {
                of(&pooled[id])
                    .patches
                    .iter()
                    .map(|p| {
                        let mut q = [0.0f32; EMBEDDING];
                        q.copy_from_slice(&through_i8(p));
                        q
                    })
                    .collect()
            })
            .collect();
        standardise_patches(&quantised.iter().map(Vec::as_slice).collect::<Vec<_>>())
    };
    let both_matched_raw_i8 = average(
        &matched_by(&raw_in_bytes(|p| &p.msd)),
        &matched_by(&raw_in_bytes(|p| &p.mtt)),
    );
    let mut gains = Vec::new();
    for (name, matched) in [
        ("MSD patches", &msd_matched),
        ("MTT patches", &mtt_matched),
        ("MSD + MTT patches", &both_matched),
        ("MSD + MTT patches (i8)", &both_matched_i8),
        ("MSD + MTT patches (raw i8)", &both_matched_raw_i8),
    ] {
        let alone = space.lists(&|i, j| f64::from(matched[i][j]));
        for half in ["A", "B"] {
            rows.push(row(
                &format!("{name} matched, alone"),
                half,
                &judged(&alone, half),
            ));
        }
        let tried = space.reranked(&|i, j| f64::from(matched[i][j]), &MATCH_WEIGHTS, "");
        for (what, choose_on, report_on, lists) in choose_on_halves(&tried, judged) {
            let held_out = judged(lists, report_on);
            let (gain, se) = paired_gain(&judged(&today, report_on), &held_out, 5);
            gains.push(format!("{name} {report_on} {gain:+.3} ± {se:.3}"));
            rows.push(row(
                &format!("cosine + {name} matched ({what}; on {choose_on})"),
                report_on,
                &held_out,
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
    println!(
        "patches matched: {pair_us:.1} µs per pair of tracks (one model, {patches} × {patches} patches); held-out P@5 gain over today's vector, paired: {}",
        gains.join(", ")
    );
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

    fn patch(hot: usize, level: f32) -> [f32; EMBEDDING] {
        let mut p = [level; EMBEDDING];
        p[hot] += 10.0;
        p
    }

    #[test]
    fn patches_are_standardised_to_unit_length() {
        let a = [patch(0, 1.0), patch(1, 2.0)];
        let b = [patch(2, 0.5)];
        let sets = standardise_patches(&[&a[..], &b[..]]);
        assert_eq!((sets.len(), sets[0].len(), sets[1].len()), (2, 2, 1));
        for v in sets.iter().flatten() {
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-5, "{norm}");
        }
    }

    #[test]
    fn patches_match_on_their_best_counterparts_both_ways() {
        let unit = |hot: usize| {
            let mut v = vec![0.0f32; 4];
            v[hot] = 1.0;
            v
        };
        let a = vec![unit(0), unit(1)];
        // b shares one passage with a (and has one a lacks); c shares none.
        let b = vec![unit(1), unit(2)];
        let c = vec![unit(3)];
        assert!(
            (chamfer(&a, &a) - 1.0).abs() < 1e-6,
            "a set matches itself fully"
        );
        assert!(
            (chamfer(&a, &b) - chamfer(&b, &a)).abs() < 1e-6,
            "symmetric"
        );
        assert!((chamfer(&a, &b) - 0.5).abs() < 1e-6, "{}", chamfer(&a, &b));
        assert_eq!(chamfer(&a, &c), 0.0);
    }

    #[test]
    fn eight_bits_keep_a_vector_within_half_a_step() {
        let v = [0.5f32, -0.25, 0.1, 0.0];
        let back = through_i8(&v);
        let step = 0.5 / 127.0;
        for (x, y) in v.iter().zip(&back) {
            assert!((x - y).abs() <= 0.5 * step + 1e-7, "{x} vs {y}");
        }
        assert_eq!(back[0], 0.5);
    }
}
