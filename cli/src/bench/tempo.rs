//! `segue bench tempo --manifest FILE`: tempo accuracy on a rendered set with exact tempi (the
//! shared corpus's `make_rendered.py` writes `rendered_manifest.tsv`: `path` relative to the
//! manifest's folder, `bpm`), and whether the tempo's confidence means something (issue 20):
//! Accuracy1 (within 4 %) and Accuracy2 (also at 2×, ½, 3×, ⅓ — the usual MIREX figures), the
//! misses by kind (octave, the 3:2 family, the 4:3 family, other), Accuracy1 of the most
//! confident 80 % of clips and per fifth of confidence, and how many of the misses the least
//! confident fifth holds; and, when the manifest has `key` and `scale` columns, the key's MIREX
//! weighted score and share of exact keys. Every clip is analysed as the scan analyses (no
//! tags), on every core.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};
use segue::analysis::tempo::LevelCues;
use serde::Serialize;

use super::mirex_key::{self, PitchKey};
use super::print_json;

/// One clip: truth and estimate.
#[derive(Debug, Clone, Serialize)]
struct Clip {
    path: String,
    truth: f64,
    bpm: Option<f64>,
    confidence: f64,
    /// A manifest column to break the figures down by (`drums`, when the manifest has it).
    subset: String,
    /// The key found, "F# minor".
    key: Option<String>,
    /// Its MIREX weighted score against the manifest's key (`None`: the manifest has none).
    key_score: Option<f64>,
    /// The candidate levels the tempo was chosen from, with their cues (`--levels`).
    #[serde(skip)]
    levels: Vec<LevelCues>,
}

/// How an estimate relates to the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Verdict {
    /// Within 4 % of the truth.
    Right,
    /// Within 4 % of twice or half the truth.
    Octave,
    /// Within 4 % of three times or a third of it.
    Triple,
    /// Within 4 % of 3/2 or 2/3 of it (the dotted-beat family).
    ThreeTwo,
    /// Within 4 % of 4/3 or 3/4 of it.
    FourThree,
    Other,
    /// No tempo at all.
    None,
}

impl Verdict {
    /// Right for Accuracy2: right, or off by a factor of 2 or 3.
    pub(super) fn right_but_for_octave(self) -> bool {
        matches!(self, Verdict::Right | Verdict::Octave | Verdict::Triple)
    }
}

fn near(est: f64, target: f64) -> bool {
    (est - target).abs() <= 0.04 * target
}

pub(super) fn verdict(truth: f64, est: Option<f64>) -> Verdict {
    let Some(est) = est.filter(|e| *e > 0.0) else {
        return Verdict::None;
    };
    let any = |factors: &[f64]| factors.iter().any(|f| near(est, truth * f));
    if near(est, truth) {
        Verdict::Right
    } else if any(&[2.0, 0.5]) {
        Verdict::Octave
    } else if any(&[3.0, 1.0 / 3.0]) {
        Verdict::Triple
    } else if any(&[1.5, 2.0 / 3.0]) {
        Verdict::ThreeTwo
    } else if any(&[4.0 / 3.0, 0.75]) {
        Verdict::FourThree
    } else {
        Verdict::Other
    }
}

#[derive(Debug, Default, Serialize)]
struct Figures {
    subset: String,
    clips: usize,
    acc1: f64,
    /// Right, octave or triple (MIREX Accuracy2).
    acc2: f64,
    misses: BTreeMap<String, usize>,
    /// Accuracy1 of the 80 % of clips with the highest confidence.
    acc1_confident_80: f64,
    /// Accuracy1 per fifth of the clips by confidence, least confident first.
    acc1_by_confidence_fifth: Vec<f64>,
    /// Share of the Accuracy1 misses among the least confident fifth of the clips (0.2 when
    /// confidence says nothing).
    misses_in_lowest_fifth: f64,
    /// Mean MIREX weighted key score over the clips with a true key (`None`: no truth).
    key_mirex: Option<f64>,
    /// Share of those clips whose key was found exactly.
    key_exact: Option<f64>,
}

fn figures(subset: &str, clips: &[&Clip]) -> Figures {
    let n = clips.len();
    let mut f = Figures {
        subset: subset.to_string(),
        clips: n,
        ..Figures::default()
    };
    if n == 0 {
        return f;
    }
    let verdicts: Vec<Verdict> = clips.iter().map(|c| verdict(c.truth, c.bpm)).collect();
    let right = |v: &Verdict| *v == Verdict::Right;
    f.acc1 = verdicts.iter().filter(|v| right(v)).count() as f64 / n as f64;
    f.acc2 = verdicts.iter().filter(|v| v.right_but_for_octave()).count() as f64 / n as f64;
    for v in verdicts.iter().filter(|v| !right(v)) {
        let name = serde_json::to_value(v)
            .ok()
            .and_then(|j| j.as_str().map(str::to_string))
            .unwrap_or_default();
        *f.misses.entry(name).or_default() += 1;
    }
    // By confidence, least confident first (ties: by path, for a stable split).
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        clips[a]
            .confidence
            .total_cmp(&clips[b].confidence)
            .then(clips[a].path.cmp(&clips[b].path))
    });
    let acc = |idx: &[usize]| {
        if idx.is_empty() {
            return 0.0;
        }
        idx.iter().filter(|&&i| right(&verdicts[i])).count() as f64 / idx.len() as f64
    };
    let fifth = n.div_ceil(5);
    f.acc1_confident_80 = acc(&order[n - (n * 4).div_ceil(5)..]);
    f.acc1_by_confidence_fifth = order.chunks(fifth.max(1)).map(acc).collect();
    let misses = verdicts.iter().filter(|v| !right(v)).count();
    let low_misses = order[..fifth.min(n)]
        .iter()
        .filter(|&&i| !right(&verdicts[i]))
        .count();
    f.misses_in_lowest_fifth = if misses == 0 {
        0.0
    } else {
        low_misses as f64 / misses as f64
    };
    let keyed: Vec<f64> = clips.iter().filter_map(|c| c.key_score).collect();
    if !keyed.is_empty() {
        let share = |x: usize| x as f64 / keyed.len() as f64;
        f.key_mirex = Some(keyed.iter().sum::<f64>() / keyed.len() as f64);
        f.key_exact = Some(share(keyed.iter().filter(|&&s| s == 1.0).count()));
    }
    f
}

/// One manifest row: the clip's file, its true tempo and key, the subset it belongs to.
struct Row {
    path: PathBuf,
    bpm: f64,
    key: Option<PitchKey>,
    subset: String,
}

/// Every row of the manifest; paths relative to its folder.
fn read_manifest(manifest: &Path) -> Result<Vec<Row>> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    let root = manifest.parent().unwrap_or(Path::new("."));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (Some(path_col), Some(bpm_col)) = (col("path"), col("bpm")) else {
        bail!(
            "{}: the header needs `path` and `bpm` columns",
            manifest.display()
        );
    };
    let subset_col = col("drums");
    let (key_col, scale_col) = (col("key"), col("scale"));
    let mut rows = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let (Some(path), Some(bpm)) = (
            fields.get(path_col),
            fields.get(bpm_col).and_then(|b| b.parse::<f64>().ok()),
        ) else {
            continue;
        };
        let subset = subset_col
            .and_then(|c| fields.get(c))
            .map(|s| format!("drums={s}"))
            .unwrap_or_default();
        let field = |c: Option<usize>| c.and_then(|c| fields.get(c));
        let key = field(key_col)
            .and_then(|k| mirex_key::pitch_class(k))
            .zip(field(scale_col).and_then(|s| segue::analysis::key::Scale::parse(s)));
        rows.push(Row {
            path: root.join(path),
            bpm,
            key,
            subset,
        });
    }
    Ok(rows)
}

/// `levels`: also write every clip's candidate levels and their cues, one JSON line per clip
/// (the input of `segue bench tempo-fit`).
pub fn run(manifest: &Path, levels: Option<&Path>, json: bool) -> Result<()> {
    let rows = read_manifest(manifest)?;
    if rows.is_empty() {
        bail!("{}: no clips", manifest.display());
    }
    let started = std::time::Instant::now();
    let clips: Mutex<Vec<Clip>> = Mutex::new(Vec::with_capacity(rows.len()));
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(row) = rows.get(i) else {
                    break;
                };
                let (tempo, key, levels) =
                    match segue::analysis::analyze_file_with_levels(&row.path) {
                        Ok((features, levels)) => (features.tempo, features.key, levels),
                        Err(_) => (None, None, Vec::new()),
                    };
                let found = key.map(|k| (k.tonic % 12, k.scale));
                let clip = Clip {
                    path: segue::paths::display(&row.path),
                    truth: row.bpm,
                    bpm: tempo.map(|t| f64::from(t.bpm)),
                    confidence: tempo.map_or(0.0, |t| f64::from(t.confidence)),
                    subset: row.subset.clone(),
                    key: key.map(|k| k.name()),
                    key_score: row.key.map(|truth| mirex_key::score(truth, found)),
                    levels,
                };
                if let Ok(mut all) = clips.lock() {
                    all.push(clip);
                }
            });
        }
    });
    let mut clips = clips.into_inner().unwrap_or_default();
    clips.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(out) = levels {
        write_levels(out, &clips)?;
    }
    let mut table = vec![figures("all", &clips.iter().collect::<Vec<_>>())];
    let mut subsets: Vec<&str> = clips.iter().map(|c| c.subset.as_str()).collect();
    subsets.sort();
    subsets.dedup();
    for s in subsets.into_iter().filter(|s| !s.is_empty()) {
        let part: Vec<&Clip> = clips.iter().filter(|c| c.subset == s).collect();
        table.push(figures(s, &part));
    }
    if json {
        return print_json(&serde_json::json!({ "figures": table, "clips": clips }));
    }
    println!(
        "tempo bench: {} clips of {} in {:.0} s on {threads} threads",
        clips.len(),
        manifest.display(),
        started.elapsed().as_secs_f64()
    );
    for f in &table {
        let fifths: Vec<String> = f
            .acc1_by_confidence_fifth
            .iter()
            .map(|a| format!("{a:.2}"))
            .collect();
        println!(
            "{:<10} n={:<4} Acc1 {:.3}  Acc2 {:.3}  Acc1 of the 80 % most confident {:.3}  Acc1 by confidence fifth (low→high) {}  misses in the lowest fifth {:.0} %  misses {:?}",
            f.subset,
            f.clips,
            f.acc1,
            f.acc2,
            f.acc1_confident_80,
            fifths.join(" "),
            100.0 * f.misses_in_lowest_fifth,
            f.misses
        );
        if let (Some(mirex), Some(exact)) = (f.key_mirex, f.key_exact) {
            println!(
                "{:<10} key: MIREX weighted {mirex:.3}, exactly right {exact:.3}",
                ""
            );
        }
    }
    Ok(())
}

/// One JSON line per clip: its path, the true tempo and the candidate levels (see
/// [`super::tempo_fit::Clip`]).
fn write_levels(out: &Path, clips: &[Clip]) -> Result<()> {
    let mut text = String::new();
    for c in clips {
        let line = super::tempo_fit::Clip {
            path: c.path.clone(),
            truth: c.truth,
            levels: c.levels.clone(),
        };
        text.push_str(&serde_json::to_string(&line)?);
        text.push('\n');
    }
    std::fs::write(out, text).with_context(|| format!("writing {}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_name_the_kind_of_miss() {
        assert_eq!(verdict(120.0, Some(123.0)), Verdict::Right);
        assert_eq!(verdict(120.0, Some(240.0)), Verdict::Octave);
        assert_eq!(verdict(120.0, Some(61.0)), Verdict::Octave);
        assert_eq!(verdict(60.0, Some(180.0)), Verdict::Triple);
        assert_eq!(verdict(120.0, Some(80.0)), Verdict::ThreeTwo);
        assert_eq!(verdict(120.0, Some(180.0)), Verdict::ThreeTwo);
        assert_eq!(verdict(120.0, Some(90.0)), Verdict::FourThree);
        assert_eq!(verdict(120.0, Some(100.0)), Verdict::Other);
        assert_eq!(verdict(120.0, None), Verdict::None);
    }

    #[test]
    fn confidence_figures() {
        // Ten clips: the two least confident are the misses.
        let clips: Vec<Clip> = (0..10)
            .map(|i| Clip {
                path: format!("{i}"),
                truth: 100.0,
                bpm: Some(if i < 2 { 150.0 } else { 100.0 }),
                confidence: f64::from(i),
                subset: String::new(),
                key: None,
                key_score: Some(if i < 5 { 1.0 } else { 0.3 }),
                levels: Vec::new(),
            })
            .collect();
        let f = figures("all", &clips.iter().collect::<Vec<_>>());
        assert_eq!(f.acc1, 0.8);
        assert_eq!(f.acc2, 0.8);
        assert_eq!(f.acc1_confident_80, 1.0);
        assert_eq!(f.acc1_by_confidence_fifth, vec![0.0, 1.0, 1.0, 1.0, 1.0]);
        assert_eq!(f.misses_in_lowest_fifth, 1.0);
        assert_eq!(f.misses.get("three_two"), Some(&2));
        assert!(
            f.key_mirex.is_some_and(|k| (k - 0.65).abs() < 1e-12),
            "{f:?}"
        );
        assert_eq!(f.key_exact, Some(0.5));
    }
}
