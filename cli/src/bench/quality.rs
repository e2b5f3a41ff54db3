//! `segue bench quality --labels FILE`: how often "sounds like" lands in the same group (one
//! game soundtrack per group in the shared corpus), under the similarity protocol of
//! docs/benchmarks.md: the groups with enough tracks are split into two halves (alternating by
//! name); anything with a free parameter is chosen on one half and reported on the other, then
//! the halves swap. Per half: P@5, P@10 and R-precision (R = the seed's group size − 1) of
//! `segue similar` and of the default playlist, each with its standard error over queries; and
//! the hubness levers of issue 20, measured on the neighbour list from the same vectors:
//! local scaling (CSLS, its k chosen on the other half) and mutual proximity — each with the
//! k-occurrence skewness (how much a few "hub" tracks turn up in everyone's neighbours); and
//! query expansion and database-side augmentation (the query's or every track's vector joined
//! by its nearest), their k and weighting chosen on one half, reported on the other.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::Result;
use segue::playlist::PlaylistRequest;
use segue::Library;
use serde::Serialize;

use super::labels::Labelled;
use super::print_json;

/// The neighbour lists scored are this long (P@10 and R-precision read into them).
pub(super) const LIST: usize = 30;
/// Candidates the index hands a re-ranker (the passages' scope in the app).
pub(super) use segue::passages::RERANK_CANDIDATES;
/// CSLS's neighbourhood sizes tried (chosen on the other half).
const CSLS_K: [usize; 4] = [5, 10, 20, 40];
/// Query expansion's and database augmentation's neighbours joined, and the powers of their
/// similarity that weight them (chosen on the other half).
const EXPANSION_K: [usize; 5] = [1, 2, 3, 5, 8];
const EXPANSION_ALPHA: [i32; 3] = [0, 1, 3];

/// Every (k, α) of query expansion and database augmentation tried.
fn expansion_settings() -> impl Iterator<Item = (usize, i32)> {
    EXPANSION_K
        .iter()
        .flat_map(|&k| EXPANSION_ALPHA.iter().map(move |&alpha| (k, alpha)))
}
/// The k of the k-occurrence (hubness) figure.
const OCCURRENCE_K: usize = 10;

/// A method's figures on one half.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Row {
    pub(super) method: String,
    pub(super) half: &'static str,
    pub(super) queries: usize,
    pub(super) p5: (f64, f64),
    pub(super) p10: (f64, f64),
    pub(super) r_precision: (f64, f64),
    /// Skewness of the k-occurrence over the library (neighbour lists only).
    pub(super) hub_skew: Option<f64>,
}

/// Mean and standard error of the mean.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, (var / n).sqrt())
}

fn skewness(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let m2 = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let m3 = xs.iter().map(|x| (x - mean).powi(3)).sum::<f64>() / n;
    if m2 == 0.0 {
        0.0
    } else {
        m3 / m2.powf(1.5)
    }
}

/// Hits of the first `k` rows over `k` (a list shorter than `k` is charged for the rows it
/// lacks: a neighbour list never is; a playlist may be).
fn precision_at(same: &[bool], k: usize) -> f64 {
    same.iter().take(k).filter(|s| **s).count() as f64 / k.max(1) as f64
}

/// One query's list: whether each row is from the query's group, and that group's size less
/// one (R).
pub(super) type Judged = (Vec<bool>, usize);

/// The figures of one method's lists on one half.
pub(super) fn row(method: &str, half: &'static str, lists: &[Judged]) -> Row {
    let col = |f: &dyn Fn(&Judged) -> f64| -> (f64, f64) {
        mean_se(&lists.iter().map(f).collect::<Vec<_>>())
    };
    Row {
        method: method.to_string(),
        half,
        queries: lists.len(),
        p5: col(&|(s, _)| precision_at(s, 5)),
        p10: col(&|(s, _)| precision_at(s, 10)),
        r_precision: col(&|(s, r)| precision_at(s, *r)),
        hub_skew: None,
    }
}

/// How much `new` gains on `base` in P@k over the same queries (in the same order): the mean
/// of the per-query differences and its standard error (paired, so tighter than either
/// row's own).
pub(super) fn paired_gain(base: &[Judged], new: &[Judged], k: usize) -> (f64, f64) {
    let diffs: Vec<f64> = base
        .iter()
        .zip(new)
        .map(|((b, _), (n, _))| precision_at(n, k) - precision_at(b, k))
        .collect();
    mean_se(&diffs)
}

/// Every indexed track's vector, by id.
pub(super) async fn index_vectors_by_id(library: &Library) -> Result<HashMap<i64, Vec<f32>>> {
    let (ids, flat) = library.index_vectors().await?;
    let dim = flat.len() / ids.len().max(1);
    Ok(ids
        .into_iter()
        .zip(flat.chunks(dim.max(1)))
        .map(|(id, v)| (id, v.to_vec()))
        .collect())
}

/// All-pairs similarities of the library's vectors (a benchmark library: hundreds to a few
/// thousand tracks), and ranked neighbour lists under a rescoring.
pub(super) struct Space {
    pub(super) ids: Vec<i64>,
    /// sim[i][j], cosine (the vectors are unit length).
    pub(super) sim: Vec<Vec<f32>>,
}

impl Space {
    /// The tracks in id order.
    pub(super) fn new(vectors: &HashMap<i64, Vec<f32>>) -> Space {
        let mut ids: Vec<i64> = vectors.keys().copied().collect();
        ids.sort();
        let rows: Vec<&[f32]> = ids.iter().map(|id| &vectors[id][..]).collect();
        Space::in_order(ids, &rows)
    }

    /// The tracks in the order given: `rows[i]` is track `ids[i]`'s vector.
    pub(super) fn in_order(ids: Vec<i64>, rows: &[impl AsRef<[f32]>]) -> Space {
        let sim = rows
            .iter()
            .map(|a| {
                rows.iter()
                    .map(|b| a.as_ref().iter().zip(b.as_ref()).map(|(x, y)| x * y).sum())
                    .collect()
            })
            .collect();
        Space { ids, sim }
    }

    /// Every track's neighbours by plain cosine, best first.
    pub(super) fn cosine_lists(&self) -> Vec<Vec<usize>> {
        self.lists(&|i, j| f64::from(self.sim[i][j]))
    }

    /// Each track's mean similarity to its `k` nearest others (CSLS's r_k).
    fn local_density(&self, k: usize) -> Vec<f32> {
        (0..self.ids.len())
            .map(|i| {
                let mut row: Vec<f32> = (0..self.ids.len())
                    .filter(|&j| j != i)
                    .map(|j| self.sim[i][j])
                    .collect();
                row.sort_by(|a, b| b.total_cmp(a));
                row.iter().take(k).sum::<f32>() / k.min(row.len()).max(1) as f32
            })
            .collect()
    }

    /// Each track's mean and standard deviation of similarity to all others (mutual
    /// proximity's Gaussians).
    fn moments(&self) -> Vec<(f64, f64)> {
        (0..self.ids.len())
            .map(|i| {
                let row: Vec<f64> = (0..self.ids.len())
                    .filter(|&j| j != i)
                    .map(|j| f64::from(self.sim[i][j]))
                    .collect();
                let (m, _) = mean_se(&row);
                let sd = (row.iter().map(|x| (x - m).powi(2)).sum::<f64>()
                    / row.len().max(1) as f64)
                    .sqrt();
                (m, sd.max(1e-9))
            })
            .collect()
    }

    /// Each track's `k` nearest others by cosine, marked: what the index hands a re-ranker.
    fn shortlist(&self, k: usize) -> Vec<Vec<bool>> {
        let n = self.ids.len();
        (0..n)
            .map(|i| {
                let mut others: Vec<usize> = (0..n).filter(|&j| j != i).collect();
                others.sort_by(|&a, &b| self.sim[i][b].total_cmp(&self.sim[i][a]).then(a.cmp(&b)));
                let mut near = vec![false; n];
                others.iter().take(k).for_each(|&j| near[j] = true);
                near
            })
            .collect()
    }

    /// A re-ranker's tries: lists under cosine + w · `extra(i, j)` for every w, over all tracks
    /// and over the cosine's [`RERANK_CANDIDATES`] nearest (as the index would hand them), each
    /// named "{prefix}w={w}, {scope}".
    pub(super) fn reranked<W: Copy + Into<f64> + std::fmt::Display>(
        &self,
        extra: &dyn Fn(usize, usize) -> f64,
        weights: &[W],
        prefix: &str,
    ) -> Vec<(String, Vec<Vec<usize>>)> {
        let shortlist = self.shortlist(RERANK_CANDIDATES);
        let mut tried = Vec::new();
        for rerank_only in [false, true] {
            for &w in weights {
                let lists = self.lists(&|i, j| {
                    let score = f64::from(self.sim[i][j]) + w.into() * extra(i, j);
                    if rerank_only && !shortlist[i][j] {
                        score - 1e6
                    } else {
                        score
                    }
                });
                let scope = if rerank_only {
                    format!("top {RERANK_CANDIDATES}")
                } else {
                    "all".to_string()
                };
                tried.push((format!("{prefix}w={w}, {scope}"), lists));
            }
        }
        tried
    }

    /// Every track's neighbours, best first, under `score(i, j)`.
    pub(super) fn lists(&self, score: &dyn Fn(usize, usize) -> f64) -> Vec<Vec<usize>> {
        (0..self.ids.len())
            .map(|i| {
                let mut others: Vec<(usize, f64)> = (0..self.ids.len())
                    .filter(|&j| j != i)
                    .map(|j| (j, score(i, j)))
                    .collect();
                others.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                others.into_iter().map(|(j, _)| j).take(LIST).collect()
            })
            .collect()
    }
}

/// The standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    0.5 * (1.0 + if x >= 0.0 { y } else { -y })
}

/// A parameter chosen under the protocol: of `tried` (a value and every query's neighbour
/// list under it), the value with the best P@5 on one half, reported on the other, both ways.
/// Answers (the value, the half it was chosen on, the half reported, that half's lists).
pub(super) fn choose_on_halves<T>(
    tried: &[(T, Vec<Vec<usize>>)],
    judged: impl Fn(&[Vec<usize>], &'static str) -> Vec<Judged>,
) -> Vec<(&T, &'static str, &'static str, &[Vec<usize>])> {
    [("A", "B"), ("B", "A")]
        .into_iter()
        .filter_map(|(choose_on, report_on)| {
            let p5 = |lists: &[Vec<usize>]| row("", choose_on, &judged(lists, choose_on)).p5.0;
            tried
                .iter()
                .max_by(|a, b| p5(&a.1).total_cmp(&p5(&b.1)))
                .map(|(value, lists)| (value, choose_on, report_on, &lists[..]))
        })
        .collect()
}

/// The table every quality bench prints.
pub(super) fn print_rows(rows: &[Row]) {
    println!(
        "{:<48} {:>4} {:>5} {:>15} {:>15} {:>15} {:>9}",
        "method", "half", "n", "P@5 ± se", "P@10 ± se", "R-prec ± se", "hub skew"
    );
    for r in rows {
        let f = |(m, se): (f64, f64)| format!("{m:.3} ± {se:.3}");
        println!(
            "{:<48} {:>4} {:>5} {:>15} {:>15} {:>15} {:>9}",
            r.method,
            r.half,
            r.queries,
            f(r.p5),
            f(r.p10),
            f(r.r_precision),
            r.hub_skew.map_or("—".into(), |s| format!("{s:.2}"))
        );
    }
}

pub async fn run(
    library: &Library,
    labels_file: &Path,
    min_group: usize,
    json: bool,
) -> Result<()> {
    let labelled = Labelled::read(library, labels_file, min_group).await?;
    let group_of = &labelled.group_of;
    let vectors = index_vectors_by_id(library).await?;
    let space = Space::new(&vectors);
    let n = space.ids.len();
    let at: HashMap<i64, usize> = space
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    let queries = labelled.queries(&space.ids);
    let judged =
        |lists: &[Vec<usize>], half: &'static str| labelled.judged(&space.ids, lists, half);
    let hub_skew = |lists: &[Vec<usize>]| -> f64 {
        let mut count = vec![0.0; n];
        for list in lists {
            for &j in list.iter().take(OCCURRENCE_K) {
                count[j] += 1.0;
            }
        }
        skewness(&count)
    };
    let mut rows = Vec::new();
    let mut method = |name: &str, lists: &[Vec<usize>], halves: &[&'static str]| {
        for &half in halves {
            let mut r = row(name, half, &judged(lists, half));
            r.hub_skew = Some(hub_skew(lists));
            rows.push(r);
        }
    };

    // The library's calibration (and its passage scale) measured, timed on its own.
    let started = std::time::Instant::now();
    let calibration = library.calibration().await?;
    let calibration_ms = started.elapsed().as_secs_f64() * 1e3;
    // What `segue similar` answers (the index, FAISS, rescored exactly, re-ranked by the
    // passages), as the app shows it.
    let mut similar_lists = vec![Vec::new(); n];
    let started = std::time::Instant::now();
    for (i, id) in space.ids.iter().enumerate() {
        let found = library.similar(*id, LIST).await?.unwrap_or_default();
        similar_lists[i] = found
            .iter()
            .filter_map(|s| at.get(&s.track.id).copied())
            .collect();
    }
    let similar_ms = started.elapsed().as_secs_f64() * 1e3 / n.max(1) as f64;
    method("segue similar (today)", &similar_lists, &["A", "B"]);
    let cosine = space.cosine_lists();
    method("cosine, exact (same vectors)", &cosine, &["A", "B"]);

    // CSLS: 2·cos − r_k(query) − r_k(neighbour); the query's own term does not change its
    // ranking, so it ranks by cos − r_k(neighbour). k chosen on one half, reported on the other.
    let csls: Vec<(usize, Vec<Vec<usize>>)> = CSLS_K
        .iter()
        .map(|&k| {
            let r = space.local_density(k);
            (k, space.lists(&|i, j| f64::from(space.sim[i][j] - r[j])))
        })
        .collect();
    for (k, choose_on, report_on, lists) in choose_on_halves(&csls, judged) {
        method(
            &format!("CSLS k={k} (chosen on {choose_on})"),
            lists,
            &[report_on],
        );
    }
    // Mutual proximity (Gaussian): P(the query finds x this close) · P(x finds the query this
    // close), from each track's similarity distribution. No parameter.
    let moments = space.moments();
    let mp = space.lists(&|i, j| {
        let s = f64::from(space.sim[i][j]);
        let (mi, si) = moments[i];
        let (mj, sj) = moments[j];
        normal_cdf((s - mi) / si) * normal_cdf((s - mj) / sj)
    });
    method("mutual proximity (Gaussian)", &mp, &["A", "B"]);

    // Query expansion (αQE; Radenović, Tolias and Chum, TPAMI 2019): the query joined by its
    // k nearest, each weighted by its similarity^α, ranks by cos(q + Σ wᵢ nᵢ, x) — by
    // sim(q, x) + Σ wᵢ sim(nᵢ, x), the norm being the query's alone. Two index searches per
    // query. k and α chosen on one half, reported on the other.
    let expanded: Vec<(String, Vec<Vec<usize>>)> = expansion_settings()
        .map(|(k, alpha)| {
            let lists = space.lists(&|i, j| {
                cosine[i]
                    .iter()
                    .take(k)
                    .fold(f64::from(space.sim[i][j]), |s, &t| {
                        let weight = f64::from(space.sim[i][t].max(0.0)).powi(alpha);
                        s + weight * f64::from(space.sim[t][j])
                    })
            });
            (format!("k={k} α={alpha}"), lists)
        })
        .collect();
    for (what, choose_on, report_on, lists) in choose_on_halves(&expanded, judged) {
        method(
            &format!("query expansion {what} (chosen on {choose_on})"),
            lists,
            &[report_on],
        );
    }
    // Database-side augmentation (DBA, the same paper): every track's vector replaced by that
    // sum over its own k nearest, renormalised, before the index is built; queries as usual.
    let augmented: Vec<(String, Vec<Vec<usize>>)> = expansion_settings()
        .map(|(k, alpha)| {
            let by_id: HashMap<i64, Vec<f32>> = space
                .ids
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    let mut v = vectors[id].clone();
                    for &t in cosine[i].iter().take(k) {
                        let weight = space.sim[i][t].max(0.0).powi(alpha);
                        for (x, y) in v.iter_mut().zip(&vectors[&space.ids[t]]) {
                            *x += weight * y;
                        }
                    }
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
                    v.iter_mut().for_each(|x| *x /= norm);
                    (*id, v)
                })
                .collect();
            (
                format!("k={k} α={alpha}"),
                Space::new(&by_id).cosine_lists(),
            )
        })
        .collect();
    for (what, choose_on, report_on, lists) in choose_on_halves(&augmented, judged) {
        method(
            &format!("database augmentation {what} (chosen on {choose_on})"),
            lists,
            &[report_on],
        );
    }

    // Default playlists (the caps and floor of a first playlist), for reference.
    let mut playlist_rows: BTreeMap<&'static str, Vec<Judged>> = BTreeMap::new();
    let started = std::time::Instant::now();
    for (&half, qs) in &queries {
        for &q in qs {
            let made = library
                .make_playlist(&PlaylistRequest {
                    seeds: vec![space.ids[q]],
                    ..PlaylistRequest::default()
                })
                .await?;
            let g = group_of.get(&space.ids[q]);
            let same = made
                .entries
                .iter()
                .map(|e| group_of.get(&e.track.id) == g)
                .collect();
            playlist_rows
                .entry(half)
                .or_default()
                .push((same, g.map_or(1, |g| labelled.sizes[g].saturating_sub(1))));
        }
    }
    let made = playlist_rows.values().map(Vec::len).sum::<usize>();
    let playlist_ms = started.elapsed().as_secs_f64() * 1e3 / made.max(1) as f64;
    for (half, lists) in &playlist_rows {
        rows.push(row("default playlist of 20", half, lists));
    }

    if json {
        return print_json(&rows);
    }
    println!(
        "quality bench: {n} analysed tracks, {} labelled; {} groups of ≥ {min_group}: {}",
        group_of.len(),
        labelled.big.len(),
        labelled.halves()
    );
    print_rows(&rows);
    let passages = match calibration.as_deref() {
        Some(c) if c.has_passages() => "passages matched",
        _ => "no passages",
    };
    println!(
        "times: calibration {calibration_ms:.0} ms ({} tracks sampled, {passages}); segue similar {similar_ms:.2} ms per query ({n}, {LIST} each); default playlist {playlist_ms:.1} ms per request ({made})",
        calibration.as_deref().map_or(0, |c| c.sampled)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normal_cdf_and_the_moments() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.96) - 0.975).abs() < 1e-4);
        assert!((normal_cdf(-1.0) - 0.158_655).abs() < 1e-5);
        let (m, se) = mean_se(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m, 2.5);
        assert!((se - (1.666_666_7f64 / 4.0).sqrt()).abs() < 1e-6);
        assert!(skewness(&[0.0, 0.0, 0.0, 10.0]) > 1.0);
    }

    #[test]
    fn a_paired_gain_is_the_mean_of_per_query_differences() {
        let list = |hits: usize| -> Judged { ((0..10).map(|k| k < hits).collect(), 5) };
        let base = [list(1), list(2), list(3)];
        // One query gains two hits of five, one gains one, one loses one: +0.4, +0.2, −0.2.
        let new = [list(3), list(3), list(2)];
        let (gain, se) = paired_gain(&base, &new, 5);
        assert!((gain - 0.4 / 3.0).abs() < 1e-12, "{gain}");
        let d: [f64; 3] = [0.4, 0.2, -0.2];
        let var = d.iter().map(|x| (x - 0.4 / 3.0).powi(2)).sum::<f64>() / 2.0;
        assert!((se - (var / 3.0).sqrt()).abs() < 1e-12, "{se}");
        // The same lists gain nothing, with no spread.
        assert_eq!(paired_gain(&base, &base, 5), (0.0, 0.0));
    }

    /// CSLS on a synthetic hubby set — high-dimensional Gaussian points around a common mean,
    /// where the points nearest the mean turn up in far more neighbour lists than the rest
    /// (Radovanović et al. 2010) —: the k-occurrence is less skewed, and no query finds itself.
    #[test]
    fn local_scaling_lowers_hubness_and_never_returns_the_query() {
        let mut rng = fastrand::Rng::with_seed(3);
        let gauss = |rng: &mut fastrand::Rng| {
            // Box–Muller
            let (u, v) = (rng.f64().max(1e-12), rng.f64());
            ((-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()) as f32
        };
        let dim = 100;
        let mut vectors = HashMap::new();
        for i in 0..500 {
            let mut v: Vec<f32> = (0..dim).map(|_| gauss(&mut rng)).collect();
            v[0] += 3.0;
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter_mut().for_each(|x| *x /= n);
            vectors.insert(i, v);
        }
        let space = Space::new(&vectors);
        let skew = |lists: &[Vec<usize>]| {
            let mut k = vec![0.0; space.ids.len()];
            for l in lists {
                for &j in l.iter().take(OCCURRENCE_K) {
                    k[j] += 1.0;
                }
            }
            skewness(&k)
        };
        let cosine = space.cosine_lists();
        let r = space.local_density(10);
        let csls = space.lists(&|i, j| f64::from(space.sim[i][j] - r[j]));
        for (i, l) in csls.iter().enumerate() {
            assert!(!l.contains(&i), "query {i} found itself");
        }
        let (before, after) = (skew(&cosine), skew(&csls));
        assert!(before > 1.0, "the set is hubby: skew {before}");
        assert!(after < 0.75 * before, "skew {before} → {after}");
    }
}
