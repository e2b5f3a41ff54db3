//! `segue bench map`: how well the library map keeps neighbours, on a labelled library
//! (neighbour preservation@10, same-group precision@5 on map coordinates) against PCA and
//! random points in the same run; and `segue bench map-speed`: the layout, placement and
//! read times on synthetic analysed libraries of given sizes, through the real engine.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use segue::index::ExactIndex;
use segue::map::{self, quality, Point};
use segue::vector::DIM;
use segue::Library;
use serde::Serialize;

use super::{ms, peak_rss_mb, print_json};

#[derive(Serialize)]
struct Picture {
    method: &'static str,
    neighbour_preservation_at_10: f64,
    same_group_p_at_5: f64,
    same_group_p_at_5_tuning: f64,
    same_group_p_at_5_held_out: f64,
}

#[derive(Serialize)]
struct Quality {
    tracks: usize,
    labelled: usize,
    groups: usize,
    layout_ms: u64,
    pictures: Vec<Picture>,
}

pub async fn quality(
    library: &Library,
    labels_file: &Path,
    root: Option<&Path>,
    json: bool,
) -> Result<()> {
    let root = root
        .map(Path::to_path_buf)
        .or_else(|| labels_file.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let labels = super::labels::read_labels(labels_file, &root)?;
    library.index_ready().await?;
    let (ids, vectors) = library.index_vectors().await?;
    let n = ids.len();
    anyhow::ensure!(
        n > 11,
        "the library has {n} analysed tracks: too few to measure"
    );

    // Each track's group, as an index (None: unlabelled).
    let mut group_of_path: HashMap<i64, String> = HashMap::new();
    for t in library.tracks(None).await? {
        let path = PathBuf::from(&t.path);
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        if let Some(g) = labels.get(&path) {
            group_of_path.insert(t.id, g.clone());
        }
    }
    let mut names: Vec<String> = group_of_path.values().cloned().collect();
    names.sort();
    names.dedup();
    let group: Vec<Option<usize>> = ids
        .iter()
        .map(|id| {
            group_of_path
                .get(id)
                .and_then(|g| names.iter().position(|n| n == g))
        })
        .collect();
    // Groups alternate (by name) into a tuning and a held-out half, as in `bench playlists`:
    // the map's constants are UMAP's published defaults, tuned on neither.
    let half = |wanted: usize| -> Vec<Option<usize>> {
        group
            .iter()
            .map(|g| g.filter(|g| g % 2 == wanted))
            .collect()
    };
    let (tuning, held_out) = (half(0), half(1));

    // The vector space's own 10 nearest (exact cosine), the reference.
    let exact = ExactIndex::from_slices(&(0..n as i64).collect::<Vec<_>>(), &vectors, DIM);
    let reference: Vec<Vec<u32>> = exact
        .search_batch(&vectors, 11)
        .into_iter()
        .enumerate()
        .map(|(i, hits)| {
            hits.into_iter()
                .map(|h| h.id as u32)
                .filter(|&j| j as usize != i)
                .take(10)
                .collect()
        })
        .collect();

    let started = Instant::now();
    library.layout_map().await?;
    let layout_ms = started.elapsed().as_millis() as u64;
    let answer = library.map().await?;
    let placed: HashMap<i64, Point> = answer
        .points
        .ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, [answer.points.x[i], answer.points.y[i]]))
        .collect();
    let on_map: Vec<Point> = ids
        .iter()
        .map(|id| placed.get(id).copied().unwrap_or([f32::NAN, f32::NAN]))
        .collect();
    let pca = map::pca::project_2d(&vectors, DIM);
    let mut rng = segue::index::synthetic::Rng::new(1);
    let random: Vec<Point> = (0..n).map(|_| [rng.uniform(), rng.uniform()]).collect();

    let score = |method: &'static str, points: &[Point]| {
        let near = quality::nearest_on_map(points, 5);
        Picture {
            method,
            neighbour_preservation_at_10: quality::neighbour_preservation(&reference, points, 10),
            same_group_p_at_5: quality::label_precision(&near, &group, 5),
            same_group_p_at_5_tuning: quality::label_precision(&near, &tuning, 5),
            same_group_p_at_5_held_out: quality::label_precision(&near, &held_out, 5),
        }
    };
    let vector_space = {
        let p = |labels: &[Option<usize>]| quality::label_precision(&reference, labels, 5);
        Picture {
            method: "vector space (reference)",
            neighbour_preservation_at_10: 1.0,
            same_group_p_at_5: p(&group),
            same_group_p_at_5_tuning: p(&tuning),
            same_group_p_at_5_held_out: p(&held_out),
        }
    };
    let result = Quality {
        tracks: n,
        labelled: group.iter().flatten().count(),
        groups: names.len(),
        layout_ms,
        pictures: vec![
            vector_space,
            score("map (UMAP on the FAISS graph)", &on_map),
            score("PCA-2D", &pca),
            score("random points", &random),
        ],
    };
    if json {
        return print_json(&result);
    }
    println!(
        "map quality: {} tracks, {} labelled in {} groups; layout {:.1} s",
        result.tracks,
        result.labelled,
        result.groups,
        layout_ms as f64 / 1000.0
    );
    println!(
        "{:<32} {:>8} {:>8} {:>8} {:>9}",
        "picture", "NP@10", "P@5", "P@5 tun", "P@5 held"
    );
    for p in &result.pictures {
        println!(
            "{:<32} {:>8.3} {:>8.3} {:>8.3} {:>9.3}",
            p.method,
            p.neighbour_preservation_at_10,
            p.same_group_p_at_5,
            p.same_group_p_at_5_tuning,
            p.same_group_p_at_5_held_out
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct Speed {
    tracks: usize,
    threads: usize,
    seed_s: f64,
    index_s: f64,
    neighbours_s: f64,
    layout_s: f64,
    layout_total_s: f64,
    placed: usize,
    place_ms: f64,
    read_ms: f64,
    answer_mb: f64,
    peak_rss_mb: Option<f64>,
}

/// Styles in the synthetic libraries (a real collection has a few dozen).
const STYLES: usize = 40;

pub async fn speed(
    scratch: &Path,
    sizes: &[usize],
    place: usize,
    keep: Option<&Path>,
    json: bool,
) -> Result<()> {
    let mut rows = Vec::new();
    for &tracks in sizes {
        let dir = match keep {
            Some(dir) if sizes.len() == 1 => dir.to_path_buf(),
            Some(dir) => dir.join(tracks.to_string()),
            None => scratch.join(tracks.to_string()),
        };
        let library = Library::open(&dir)
            .await
            .with_context(|| format!("opening {}", dir.display()))?;
        let t = Instant::now();
        library.seed_synthetic_tracks(tracks as i64).await?;
        library.store().seed_synthetic_analysis(STYLES, 7).await?;
        let seed_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        library.rebuild_index().await?;
        let index_s = t.elapsed().as_secs_f64();
        let summary = library.layout_map().await?;

        library.seed_synthetic_tracks(place as i64).await?;
        library.store().seed_synthetic_analysis(STYLES, 7).await?;
        let t = Instant::now();
        let placed = library.place_on_map().await?;
        let place_ms = ms(t);
        let t = Instant::now();
        let answer = library.map().await?;
        let read_ms = ms(t);
        let answer_mb = serde_json::to_vec(&answer)?.len() as f64 / 1e6;
        library.wait_index_idle().await;
        let row = Speed {
            tracks,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            seed_s,
            index_s,
            neighbours_s: summary.neighbours_ms as f64 / 1000.0,
            layout_s: summary.layout_ms as f64 / 1000.0,
            layout_total_s: summary.total_ms as f64 / 1000.0,
            placed,
            place_ms,
            read_ms,
            answer_mb,
            peak_rss_mb: peak_rss_mb(),
        };
        if !json {
            println!(
                "{:>7} tracks: layout {:.1} s (neighbours {:.1} s + descent {:.1} s + saving), \
                 {} placed in {:.0} ms, map read {:.0} ms ({:.1} MB as JSON); \
                 setup: seeding {:.1} s, index {:.1} s; peak RSS {:.0} MB",
                row.tracks,
                row.layout_total_s,
                row.neighbours_s,
                row.layout_s,
                row.placed,
                row.place_ms,
                row.read_ms,
                row.answer_mb,
                row.seed_s,
                row.index_s,
                row.peak_rss_mb.unwrap_or(0.0)
            );
        }
        rows.push(row);
    }
    if json {
        print_json(&rows)?;
    }
    Ok(())
}
