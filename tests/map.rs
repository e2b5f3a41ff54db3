//! The library map through the CLI, on the real demo library (36 tracks in six styles): a point
//! for every analysed track, styles kept together, the map kept between runs, new tracks placed
//! without moving anyone, a layout again when the library doubles or the vectors change, and
//! points gone with their tracks.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::*;
use serde_json::Value;

/// `segue map --json` as id → (x, y).
fn map_of(data: &Path) -> HashMap<i64, (f64, f64)> {
    json(data, &["map", "--json"])
        .as_array()
        .expect("an array of points")
        .iter()
        .map(|p| {
            let x = p["x"].as_f64().expect("x");
            let y = p["y"].as_f64().expect("y");
            assert!(x.is_finite() && y.is_finite(), "a point off the map: {p}");
            (p["id"].as_i64().expect("id"), (x, y))
        })
        .collect()
}

fn artists(data: &Path) -> HashMap<i64, String> {
    json(data, &["tracks", "--json"])
        .as_array()
        .expect("tracks")
        .iter()
        .map(|t: &Value| {
            let artist = t["artist"].as_str().unwrap_or_default().to_string();
            (t["id"].as_i64().expect("id"), artist)
        })
        .collect()
}

fn distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// The ids of the `k` points nearest to `id` on the map.
fn nearest(map: &HashMap<i64, (f64, f64)>, id: i64, k: usize) -> Vec<i64> {
    let mut others: Vec<(f64, i64)> = map
        .iter()
        .filter(|(&j, _)| j != id)
        .map(|(&j, &p)| (distance(map[&id], p), j))
        .collect();
    others.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    others.into_iter().take(k).map(|(_, j)| j).collect()
}

/// Share of each track's 5 nearest on the map by the same artist (a demo artist is a style).
fn same_style_share(map: &HashMap<i64, (f64, f64)>, artists: &HashMap<i64, String>) -> f64 {
    let mut same = 0;
    for &id in map.keys() {
        same += nearest(map, id, 5)
            .iter()
            .filter(|j| artists[j] == artists[&id])
            .count();
    }
    same as f64 / (5 * map.len()) as f64
}

fn stdout(data: &Path, args: &[&str]) -> String {
    let out = segue(data, args);
    assert!(
        out.status.success(),
        "segue {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_demo_track_is_on_a_map_where_styles_sit_together() {
    let (_root, _music, data) = temp_dirs();
    assert!(stdout(&data, &["map"]).contains("No map yet"));
    json(&data, &["demo", "--json"]);
    let map = map_of(&data);
    let artists = artists(&data);
    assert_eq!(map.len(), 36, "a point per analysed demo track");
    assert!(map.keys().all(|id| artists.contains_key(id)));
    let share = same_style_share(&map, &artists);
    // Chance is 5 of 35 (0.14): the six styles must sit apart.
    assert!(
        share >= 0.8,
        "same style among the 5 nearest on the map: {share:.2}"
    );
    // The map fills its frame: centred, the farthest point at radius 1.
    let radius = map
        .values()
        .map(|&p| distance(p, (0.0, 0.0)))
        .fold(0.0, f64::max);
    assert!((radius - 1.0).abs() < 1e-3, "radius {radius}");

    // Kept: asked again, nothing moves.
    assert_eq!(map_of(&data), map);
    let text = stdout(&data, &["map"]);
    assert!(
        text.contains("36 tracks on the map (36 laid out, 0 placed since)"),
        "{text}"
    );

    // --rebuild lays it out again and says how long it took.
    let out = segue(&data, &["map", "--rebuild", "--json"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("laid out 36 tracks"));
    let again: Vec<Value> = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(again.len(), 36);
}

#[test]
fn new_tracks_are_placed_beside_their_twins_and_nobody_moves() {
    let (_root, _music, data) = temp_dirs();
    json(&data, &["demo", "--json"]);
    let before = map_of(&data);
    // Four demo files copied under new names: the same sound, so the same vector.
    let tracks = json(&data, &["tracks", "--json"]);
    let originals: Vec<(i64, String)> = tracks
        .as_array()
        .expect("tracks")
        .iter()
        .step_by(9)
        .map(|t| {
            (
                t["id"].as_i64().expect("id"),
                t["path"].as_str().expect("path").to_string(),
            )
        })
        .collect();
    assert_eq!(originals.len(), 4);
    let mut copies = HashMap::new();
    for (i, (id, path)) in originals.iter().enumerate() {
        let path = Path::new(path);
        let copy = path.with_file_name(format!(
            "copy {i}.{}",
            path.extension().and_then(|e| e.to_str()).unwrap_or("wav")
        ));
        std::fs::copy(path, &copy).expect("copy");
        copies.insert(copy.to_string_lossy().into_owned(), *id);
    }
    json(&data, &["scan", "--json"]);
    let after = map_of(&data);
    assert_eq!(after.len(), 40);
    for (id, p) in &before {
        assert_eq!(after.get(id), Some(p), "track {id} moved");
    }
    let text = stdout(&data, &["map"]);
    assert!(text.contains("(36 laid out, 4 placed since)"), "{text}");
    let paths: HashMap<i64, String> = json(&data, &["tracks", "--json"])
        .as_array()
        .expect("tracks")
        .iter()
        .map(|t| {
            (
                t["id"].as_i64().expect("id"),
                t["path"].as_str().expect("path").to_string(),
            )
        })
        .collect();
    for (new_id, path) in paths.iter().filter(|(id, _)| !before.contains_key(id)) {
        let twin = copies[path];
        let old_only: HashMap<i64, (f64, f64)> = before
            .iter()
            .map(|(&id, &p)| (id, p))
            .chain([(*new_id, after[new_id])])
            .collect();
        assert_eq!(
            nearest(&old_only, *new_id, 1),
            vec![twin],
            "{path} lands by its twin"
        );
    }
}

#[test]
fn the_map_is_laid_out_again_when_the_library_doubles_or_the_vectors_change() {
    let (_root, music, data) = temp_dirs();
    let demo = tempfile::tempdir().expect("tempdir");
    segue::demo::generate(demo.path()).expect("demo files");
    let mut styles: Vec<_> = std::fs::read_dir(demo.path())
        .expect("styles")
        .map(|e| e.expect("entry").path())
        .collect();
    styles.sort();
    assert_eq!(styles.len(), 6);
    let copy_style = |from: &Path| {
        let to = music.join(from.file_name().expect("a name"));
        for entry in walk(from) {
            let target = to.join(entry.strip_prefix(from).expect("inside"));
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            std::fs::copy(&entry, &target).expect("copy");
        }
    };
    for style in &styles[..3] {
        copy_style(style);
    }
    stdout(&data, &["folder", "add", music.to_str().expect("utf-8")]);
    json(&data, &["scan", "--json"]);
    assert_eq!(map_of(&data).len(), 18);
    for style in &styles[3..] {
        copy_style(style);
    }
    json(&data, &["scan", "--json"]);
    let doubled = map_of(&data);
    assert_eq!(doubled.len(), 36);
    // 36 analysed ≥ twice the 18 laid out: a new layout, not 18 placements.
    let text = stdout(&data, &["map"]);
    assert!(text.contains("(36 laid out, 0 placed since)"), "{text}");
    assert!(same_style_share(&doubled, &artists(&data)) >= 0.8);

    // Other weights make other vectors: the map is laid out from them.
    std::fs::write(
        data.join("settings.json"),
        r#"{"similarity": {"weights": {"rhythm": 3.0, "harmony": 0.2}}}"#,
    )
    .expect("settings");
    let reweighted = map_of(&data);
    assert_eq!(reweighted.len(), 36);
    assert_ne!(reweighted, doubled, "a map of other vectors");

    // Tracks removed from the library leave the map.
    stdout(&data, &["folder", "rm", music.to_str().expect("utf-8")]);
    assert!(map_of(&data).is_empty());
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
