//! `segue bench timbre --labels FILE`: would a Musly-style timbre model make "sounds like"
//! better (issue 20, lever 5)? Under the similarity protocol (quality.rs): every track's MFCC
//! frames (the analysis's own, from a decode here) as one full-covariance Gaussian, compared by
//! the symmetrised KL divergence or Musly's Jensen–Shannon (`analysis::timbre_model`), alone
//! and as a re-ranker of the index vector's cosine: score = cosine + w · t, where t = −ln(1 +
//! divergence) z-scored over the library's pairs. The variant (divergence, with or without c0,
//! the frames' level), w and the candidate list re-ranked (all tracks, or the cosine's top 50 as
//! the index would give) are chosen on one half of the groups and reported on the other.

use std::collections::HashMap;

use anyhow::Result;
use segue::analysis::timbre_model::MfccGaussian;
use segue::Library;

use super::every_file::{on_every_file, paths_of};
use super::labels::Labelled;
use super::print_json;
use super::quality::{
    choose_on_halves, index_vectors_by_id, paired_gain, print_rows, row, Row, Space,
};

/// Weights of the timbre term tried (the cosine's own spread over pairs is about 0.1–0.2).
const WEIGHTS: [f64; 8] = [0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.2];

/// `values[i][j]` z-scored over all pairs i ≠ j.
fn z_scored(values: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = values.len();
    let pairs: Vec<f64> = (0..n)
        .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
        .map(|(i, j)| values[i][j])
        .collect();
    let count = pairs.len().max(1) as f64;
    let mean = pairs.iter().sum::<f64>() / count;
    let sd = (pairs.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / count)
        .sqrt()
        .max(1e-12);
    values
        .iter()
        .map(|row| row.iter().map(|v| (v - mean) / sd).collect())
        .collect()
}

/// −ln(1 + divergence) of every pair, z-scored over the pairs.
fn timbre_similarity(
    gaussians: &[&MfccGaussian],
    divergence: fn(&MfccGaussian, &MfccGaussian) -> f64,
) -> Vec<Vec<f64>> {
    let raw: Vec<Vec<f64>> = gaussians
        .iter()
        .map(|a| {
            gaussians
                .iter()
                .map(|b| -(1.0f64 + divergence(a, b)).ln())
                .collect()
        })
        .collect();
    z_scored(&raw)
}

pub async fn run(
    library: &Library,
    labels_file: &std::path::Path,
    min_group: usize,
    json: bool,
) -> Result<()> {
    let labelled = Labelled::read(library, labels_file, min_group).await?;
    let mut vectors = index_vectors_by_id(library).await?;
    let ids: Vec<i64> = vectors.keys().copied().collect();
    let paths = paths_of(library).await?;

    // Every track's MFCC frames, one thread per core.
    let started = std::time::Instant::now();
    let (sums, threads) = on_every_file(&ids, &paths, segue::analysis::mfcc_gaussian_sums);
    let decode_s = started.elapsed().as_secs_f64();

    // The tracks with a vector and both Gaussians, in the order `Space` keeps (by id).
    let gaussians: HashMap<i64, [MfccGaussian; 2]> = sums
        .iter()
        .filter_map(|(id, s)| Some((*id, [s.gaussian(0)?, s.gaussian(1)?])))
        .collect();
    vectors.retain(|id, _| gaussians.contains_key(id));
    let space = Space::new(&vectors);
    let ids = space.ids.clone();
    let n = ids.len();

    let with_c0: Vec<&MfccGaussian> = ids.iter().map(|id| &gaussians[id][0]).collect();
    let without_c0: Vec<&MfccGaussian> = ids.iter().map(|id| &gaussians[id][1]).collect();
    let mut pair_us = Vec::new();
    let mut models: Vec<(String, Vec<Vec<f64>>)> = Vec::new();
    for (divergence, f) in [
        (
            "SKL",
            MfccGaussian::symmetric_kl as fn(&MfccGaussian, &MfccGaussian) -> f64,
        ),
        ("JS", MfccGaussian::jensen_shannon),
    ] {
        let timed = std::time::Instant::now();
        models.push((
            format!("{divergence}, c0 kept"),
            timbre_similarity(&with_c0, f),
        ));
        models.push((
            format!("{divergence}, no c0"),
            timbre_similarity(&without_c0, f),
        ));
        let us = timed.elapsed().as_secs_f64() * 1e6 / (2 * n * n).max(1) as f64;
        pair_us.push(format!("{divergence} {us:.2} µs"));
    }

    let judged = |lists: &[Vec<usize>], half: &'static str| labelled.judged(&ids, lists, half);
    let today = space.cosine_lists();

    let mut rows: Vec<Row> = Vec::new();
    for half in ["A", "B"] {
        rows.push(row("index vector (today)", half, &judged(&today, half)));
    }
    for (name, t) in &models {
        let lists = space.lists(&|i, j| t[i][j]);
        for half in ["A", "B"] {
            rows.push(row(
                &format!("timbre alone, {name}"),
                half,
                &judged(&lists, half),
            ));
        }
    }
    // Every variant × weight × candidate rule, chosen as one under the protocol.
    let mut tried: Vec<(String, Vec<Vec<usize>>)> = Vec::new();
    for (variant, t) in &models {
        tried.extend(space.reranked(&|i, j| t[i][j], &WEIGHTS, &format!("{variant}, ")));
    }
    let mut gains = Vec::new();
    for (what, choose_on, report_on, lists) in choose_on_halves(&tried, judged) {
        let held_out = judged(lists, report_on);
        let (gain, se) = paired_gain(&judged(&today, report_on), &held_out, 5);
        gains.push(format!("{report_on} {gain:+.3} ± {se:.3}"));
        rows.push(row(
            &format!("+ timbre ({what}; on {choose_on})"),
            report_on,
            &held_out,
        ));
    }
    if json {
        return print_json(&rows);
    }
    println!(
        "timbre bench: {n} tracks; MFCC frames decoded in {decode_s:.0} s on {threads} threads; \
         per divergence {}; {}",
        pair_us.join(", "),
        labelled.halves()
    );
    print_rows(&rows);
    println!(
        "held-out P@5 gain of the re-ranker over today's vector, paired over the same queries: {}",
        gains.join(", ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_scores_leave_out_the_diagonal() {
        let v = vec![
            vec![100.0, 1.0, 3.0],
            vec![1.0, 100.0, 3.0],
            vec![3.0, 3.0, 100.0],
        ];
        let z = z_scored(&v);
        let off: Vec<f64> = (0..3)
            .flat_map(|i| (0..3).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| z[i][j])
            .collect();
        let mean = off.iter().sum::<f64>() / off.len() as f64;
        assert!(mean.abs() < 1e-12);
        assert!(z[0][1] < 0.0 && z[0][2] > 0.0);
    }
}
