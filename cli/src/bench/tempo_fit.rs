//! `segue bench tempo-fit LEVELS…`: fits the weights of the tempo's metrical-level choice
//! (`LEVEL_WEIGHTS` in `segue::analysis::tempo`) on the candidate levels that `segue bench tempo
//! --levels` wrote for rendered *tuning* sets: a conditional logit (a softmax over each clip's
//! levels; the level within 4 % of the true tempo is the right one), L2-penalised, fitted by
//! Newton's method. It prints the fitted weights, their Acc1/Acc2 on each file next to today's
//! weights', and each file scored by weights fitted on the other files (cross-validation between
//! tuning sets). Held-out sets are never given to it: `segue bench tempo` reports on them once
//! the weights are in the code.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use segue::analysis::tempo::{score_with, LevelCues, LEVEL_CUES};
use serde::{Deserialize, Serialize};

use super::tempo::{verdict, Verdict};

/// One clip as `segue bench tempo --levels` writes it (a JSON line).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Clip {
    pub path: String,
    pub truth: f64,
    pub levels: Vec<LevelCues>,
}

/// Options of a fit.
pub struct Fit<'a> {
    /// Files of clips (JSON lines).
    pub files: &'a [PathBuf],
    /// The L2 penalty on the weights (added to the summed log-loss).
    pub l2: f64,
    /// Cues left out (their weights held at 0), by name.
    pub without: &'a [String],
}

const D: usize = LEVEL_CUES.len();

fn read(file: &Path) -> Result<Vec<Clip>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| format!("{} line {}", file.display(), i + 1))
        })
        .collect()
}

/// The index of the clip's right level (the nearest one that `segue bench tempo` counts as
/// right: within 4 % of the truth), if any.
fn right_level(clip: &Clip) -> Option<usize> {
    clip.levels
        .iter()
        .enumerate()
        .filter(|(_, l)| verdict(clip.truth, Some(f64::from(l.bpm))) == Verdict::Right)
        .min_by(|a, b| {
            let off = |l: &LevelCues| (f64::from(l.bpm) - clip.truth).abs();
            off(a.1).total_cmp(&off(b.1))
        })
        .map(|(i, _)| i)
}

/// Accuracy1 and Accuracy2 of the level choice under `weights` (clips with no level at all
/// are misses).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Accuracy {
    acc1: f64,
    acc2: f64,
}

impl std::fmt::Display for Accuracy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.3}/{:.3}", self.acc1, self.acc2)
    }
}

fn accuracy(clips: &[Clip], weights: &[f32; D]) -> Accuracy {
    let verdicts: Vec<Verdict> = clips
        .iter()
        .map(|c| {
            let chosen = c.levels.iter().max_by(|a, b| {
                score_with(weights, &a.cues).total_cmp(&score_with(weights, &b.cues))
            });
            verdict(c.truth, chosen.map(|l| f64::from(l.bpm)))
        })
        .collect();
    let share = |n: usize| n as f64 / clips.len().max(1) as f64;
    Accuracy {
        acc1: share(verdicts.iter().filter(|v| **v == Verdict::Right).count()),
        acc2: share(verdicts.iter().filter(|v| v.right_but_for_octave()).count()),
    }
}

/// The conditional logit's weights on `clips` (those with a right level), cues outside `free`
/// held at 0: Newton's method on the penalised log-loss, halving a step that does not lower it.
fn fit(clips: &[Clip], l2: f64, free: &[bool; D]) -> [f32; D] {
    let usable: Vec<(&Clip, usize)> = clips
        .iter()
        .filter_map(|c| right_level(c).map(|r| (c, r)))
        .collect();
    let loss = |w: &[f64; D]| -> f64 {
        let mut total = l2 * w.iter().map(|v| v * v).sum::<f64>();
        for (c, r) in &usable {
            let scores: Vec<f64> = c.levels.iter().map(|l| dot(w, &l.cues)).collect();
            total += log_sum_exp(&scores) - scores[*r];
        }
        total
    };
    let mut w = [0.0f64; D];
    let mut current = loss(&w);
    for _ in 0..100 {
        let mut gradient = [0.0f64; D];
        let mut hessian = [[0.0f64; D]; D];
        for (c, r) in &usable {
            let scores: Vec<f64> = c.levels.iter().map(|l| dot(&w, &l.cues)).collect();
            let top = log_sum_exp(&scores);
            let p: Vec<f64> = scores.iter().map(|s| (s - top).exp()).collect();
            let mut mean = [0.0f64; D];
            for (l, p) in c.levels.iter().zip(&p) {
                for (m, x) in mean.iter_mut().zip(&l.cues) {
                    *m += p * f64::from(*x);
                }
            }
            for (g, (m, x)) in gradient.iter_mut().zip(mean.iter().zip(&c.levels[*r].cues)) {
                *g += m - f64::from(*x);
            }
            for (l, p) in c.levels.iter().zip(&p) {
                for i in 0..D {
                    let di = f64::from(l.cues[i]) - mean[i];
                    for j in 0..D {
                        hessian[i][j] += p * di * (f64::from(l.cues[j]) - mean[j]);
                    }
                }
            }
        }
        for i in 0..D {
            gradient[i] += 2.0 * l2 * w[i];
            hessian[i][i] += 2.0 * l2;
        }
        // Fixed cues: no gradient, an identity row (their step is 0).
        for i in (0..D).filter(|&i| !free[i]) {
            gradient[i] = 0.0;
            hessian[i] = [0.0; D];
            for row in hessian.iter_mut() {
                row[i] = 0.0;
            }
            hessian[i][i] = 1.0;
        }
        let Some(step) = solve(hessian, gradient) else {
            break;
        };
        let mut scale = 1.0;
        let mut moved = false;
        while scale > 1e-6 {
            let mut next = w;
            for (n, s) in next.iter_mut().zip(&step) {
                *n -= scale * s;
            }
            let l = loss(&next);
            if l < current {
                (w, current, moved) = (next, l, true);
                break;
            }
            scale /= 2.0;
        }
        if !moved || step.iter().map(|s| s.abs()).fold(0.0, f64::max) * scale < 1e-7 {
            break;
        }
    }
    w.map(|v| v as f32)
}

fn dot(w: &[f64; D], cues: &[f32; D]) -> f64 {
    w.iter().zip(cues).map(|(w, c)| w * f64::from(*c)).sum()
}

fn log_sum_exp(values: &[f64]) -> f64 {
    let top = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    top + values.iter().map(|v| (v - top).exp()).sum::<f64>().ln()
}

/// `a x = b` by Gaussian elimination with partial pivoting (a symmetric positive definite
/// D×D system); `None` when singular.
fn solve(mut a: [[f64; D]; D], mut b: [f64; D]) -> Option<[f64; D]> {
    for col in 0..D {
        let pivot = (col..D).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let pivot_row = a[col];
        for row in col + 1..D {
            let f = a[row][col] / pivot_row[col];
            for (v, p) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *v -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0f64; D];
    for row in (0..D).rev() {
        let rest: f64 = (row + 1..D).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - rest) / a[row][row];
    }
    Some(x)
}

pub fn run(options: &Fit<'_>) -> Result<()> {
    if options.files.is_empty() {
        bail!(
            "no files of levels (write them with `segue bench tempo --manifest M --levels FILE`)"
        );
    }
    let mut free = [true; D];
    for name in options.without {
        let Some(i) = LEVEL_CUES.iter().position(|c| c == name) else {
            bail!("no cue named {name:?} (cues: {})", LEVEL_CUES.join(", "));
        };
        free[i] = false;
    }
    let sets: Vec<(String, Vec<Clip>)> = options
        .files
        .iter()
        .map(|f| Ok((segue::paths::display(f), read(f)?)))
        .collect::<Result<_>>()?;
    let all: Vec<Clip> = sets.iter().flat_map(|(_, c)| c.clone()).collect();
    let weights = fit(&all, options.l2, &free);
    let today = segue::analysis::tempo::LEVEL_WEIGHTS;
    println!(
        "tempo-fit: {} clips in {} files, L2 {}, cues left out: {}",
        all.len(),
        sets.len(),
        options.l2,
        if options.without.is_empty() {
            "none".to_string()
        } else {
            options.without.join(", ")
        }
    );
    for (name, w) in LEVEL_CUES.iter().zip(&weights) {
        println!("  {name:<26} {w:>8.3}");
    }
    let literal: Vec<String> = weights.iter().map(|w| format!("{w:.3}")).collect();
    println!("  as code: [{}]", literal.join(", "));
    println!(
        "Acc1/Acc2 of the level choice (ceiling: the share of clips with a right level at all)"
    );
    println!(
        "{:<44} {:>7} {:>11} {:>11} {:>11}",
        "file", "ceiling", "today", "this fit", "cross"
    );
    for (i, (name, clips)) in sets.iter().enumerate() {
        let ceiling = clips.iter().filter(|c| right_level(c).is_some()).count() as f64
            / clips.len().max(1) as f64;
        // Fitted on the other files only (nothing to cross with a single file).
        let cross = (sets.len() > 1).then(|| {
            let others: Vec<Clip> = sets
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .flat_map(|(_, (_, c))| c.clone())
                .collect();
            accuracy(clips, &fit(&others, options.l2, &free))
        });
        println!(
            "{name:<44} {ceiling:>7.3} {:>11} {:>11} {:>11}",
            accuracy(clips, &today),
            accuracy(clips, &weights),
            cross.map_or("-".to_string(), |c| c.to_string())
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(bpm: f32, cue0: f32, cue1: f32) -> LevelCues {
        let mut cues = [0.0; D];
        cues[0] = cue0;
        cues[1] = cue1;
        LevelCues { bpm, cues }
    }

    /// Clips whose right level has the higher first cue but, as often, the lower second one:
    /// the fit weighs the first cue up and the second down, and then picks every right level.
    #[test]
    fn the_fit_finds_the_cue_that_marks_the_right_level() {
        let clips: Vec<Clip> = (0..40)
            .map(|i| {
                let noise = (i % 7) as f32 * 0.05;
                Clip {
                    path: format!("clip {i}"),
                    truth: 100.0,
                    levels: vec![
                        level(100.0, 0.8 + noise, 0.2 + noise),
                        level(200.0, 0.5 + noise, 0.6),
                        level(50.0, 0.3, 0.1 + noise),
                    ],
                }
            })
            .collect();
        let w = fit(&clips, 0.01, &[true; D]);
        assert!(w[0] > 0.0, "{w:?}");
        assert_eq!(accuracy(&clips, &w).acc1, 1.0, "{w:?}");
        // With the first cue left out, the second cannot tell the levels apart as well.
        let mut free = [true; D];
        free[0] = false;
        let without = fit(&clips, 0.01, &free);
        assert_eq!(without[0], 0.0);
        assert!(accuracy(&clips, &without).acc1 < 1.0, "{without:?}");
    }

    #[test]
    fn the_right_level_is_within_four_percent() {
        let clip = Clip {
            path: String::new(),
            truth: 90.0,
            levels: vec![
                level(45.5, 0.0, 0.0),
                level(91.0, 0.0, 0.0),
                level(182.0, 0.0, 0.0),
            ],
        };
        assert_eq!(right_level(&clip), Some(1));
        let off = Clip {
            truth: 120.0,
            ..clip
        };
        assert_eq!(right_level(&off), None);
    }

    #[test]
    fn solve_solves() {
        let mut a = [[0.0; D]; D];
        let mut b = [0.0; D];
        for i in 0..D {
            a[i][i] = 2.0 + i as f64;
            if i + 1 < D {
                a[i][i + 1] = 0.5;
                a[i + 1][i] = 0.5;
            }
            b[i] = i as f64;
        }
        let x = solve(a, b).expect("not singular");
        for i in 0..D {
            let back: f64 = (0..D).map(|k| a[i][k] * x[k]).sum();
            assert!((back - b[i]).abs() < 1e-9);
        }
    }
}
