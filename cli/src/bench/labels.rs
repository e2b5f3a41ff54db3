//! The labelled libraries the quality benchmarks run on: `path → group` from a TSV (the shared
//! corpus's real_manifest.tsv: one game soundtrack per group), the library's tracks that carry
//! one, and the groups big enough to query, split into two fixed halves (alternating by name)
//! for the similarity protocol (choose on one half, report on the other).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use segue::Library;

use super::quality::Judged;

/// `path → group` from a TSV with a header naming `path` and `group` columns; relative paths
/// are under `root`.
pub(super) fn read_labels(file: &Path, root: &Path) -> Result<HashMap<PathBuf, String>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (Some(path_col), Some(group_col)) = (col("path"), col("group")) else {
        bail!(
            "{}: the header needs `path` and `group` columns",
            file.display()
        );
    };
    let mut labels = HashMap::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let (Some(path), Some(group)) = (fields.get(path_col), fields.get(group_col)) else {
            continue;
        };
        let path = root.join(path);
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        labels.insert(path, group.to_string());
    }
    Ok(labels)
}

/// The library's labelled tracks and the groups big enough to query, split into halves.
pub(super) struct Labelled {
    pub(super) group_of: HashMap<i64, String>,
    pub(super) sizes: BTreeMap<String, usize>,
    /// The groups with enough tracks, by name: even places are half A, odd ones half B.
    pub(super) big: Vec<String>,
}

impl Labelled {
    /// The labels of `labels_file` (relative paths under its folder) on `library`; the groups
    /// of at least `min_group` tracks are the big ones.
    pub(super) async fn read(
        library: &Library,
        labels_file: &Path,
        min_group: usize,
    ) -> Result<Labelled> {
        let root = labels_file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        Self::read_under(library, labels_file, &root, min_group).await
    }

    /// [`Self::read`] with the relative paths under `root`.
    pub(super) async fn read_under(
        library: &Library,
        labels_file: &Path,
        root: &Path,
        min_group: usize,
    ) -> Result<Labelled> {
        let labels = read_labels(labels_file, root)?;
        library.index_ready().await?;
        let mut group_of: HashMap<i64, String> = HashMap::new();
        for t in library.tracks(None).await? {
            let path = PathBuf::from(&t.path);
            let path = std::fs::canonicalize(&path).unwrap_or(path);
            if let Some(g) = labels.get(&path) {
                group_of.insert(t.id, g.clone());
            }
        }
        let mut sizes: BTreeMap<String, usize> = BTreeMap::new();
        for g in group_of.values() {
            *sizes.entry(g.clone()).or_default() += 1;
        }
        let big: Vec<String> = sizes
            .iter()
            .filter(|(_, n)| **n >= min_group)
            .map(|(g, _)| g.clone())
            .collect();
        if big.is_empty() {
            bail!("no group has {min_group} labelled tracks in this library");
        }
        Ok(Labelled {
            group_of,
            sizes,
            big,
        })
    }

    /// The labelled tracks of the big groups, by id.
    pub(super) fn seeds(&self) -> Vec<i64> {
        let mut seeds: Vec<i64> = self
            .group_of
            .iter()
            .filter(|(_, g)| self.big.contains(g))
            .map(|(id, _)| *id)
            .collect();
        seeds.sort();
        seeds
    }

    pub(super) fn half_of(&self, group: &str) -> Option<&'static str> {
        self.big
            .iter()
            .position(|b| b == group)
            .map(|i| if i % 2 == 0 { "A" } else { "B" })
    }

    /// "A = x, y; B = z, w".
    pub(super) fn halves(&self) -> String {
        let names = |skip: usize| {
            self.big
                .iter()
                .skip(skip)
                .step_by(2)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!("A = {}; B = {}", names(0), names(1))
    }

    /// The queries of each half (indices into `ids`: labelled tracks of the big groups), and
    /// how a neighbour list of one is judged.
    pub(super) fn queries(&self, ids: &[i64]) -> BTreeMap<&'static str, Vec<usize>> {
        let mut queries: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
        for (i, id) in ids.iter().enumerate() {
            if let Some(half) = self.group_of.get(id).and_then(|g| self.half_of(g)) {
                queries.entry(half).or_default().push(i);
            }
        }
        queries
    }

    /// The neighbour lists (`lists[i]`: track `ids[i]`'s, indices into `ids`) of the queries of
    /// `half`, judged.
    pub(super) fn judged(&self, ids: &[i64], lists: &[Vec<usize>], half: &str) -> Vec<Judged> {
        (0..ids.len())
            .filter(|&i| {
                self.group_of
                    .get(&ids[i])
                    .and_then(|g| self.half_of(g))
                    .is_some_and(|h| h == half)
            })
            .map(|q| self.judge(ids, q, &lists[q]))
            .collect()
    }

    /// Whether each row of `list` (indices into `ids`) is from query `q`'s group, and R.
    pub(super) fn judge(&self, ids: &[i64], q: usize, list: &[usize]) -> Judged {
        let g = self.group_of.get(&ids[q]);
        let same = list
            .iter()
            .map(|&j| self.group_of.get(&ids[j]) == g)
            .collect();
        (same, g.map_or(1, |g| self.sizes[g].saturating_sub(1)))
    }
}
