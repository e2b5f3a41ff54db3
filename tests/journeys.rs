//! Lists that move, and music asked for in words, through the CLI on the analysed demo library
//! (36 tracks in six styles of six, at known tempi and keys): a journey from one style to
//! another, playlists that ramp in tempo, saved playlists sorted along a dimension, a radio's
//! picks, and `segue describe`.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use common::*;
use serde_json::Value;

struct Demo {
    _root: tempfile::TempDir,
    data: PathBuf,
    tracks: HashMap<i64, Value>,
}

fn demo() -> Demo {
    let (root, _music, data) = temp_dirs();
    assert_eq!(json(&data, &["demo", "--json"])["added"], 36);
    let tracks = json(&data, &["tracks", "--json"])
        .as_array()
        .expect("array")
        .iter()
        .map(|t| (t["id"].as_i64().expect("id"), t.clone()))
        .collect();
    Demo {
        _root: root,
        data,
        tracks,
    }
}

fn list(data: &std::path::Path, args: &[&str]) -> Vec<Value> {
    json(data, args).as_array().expect("array").clone()
}

fn ids(entries: &[Value]) -> Vec<i64> {
    entries
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect()
}

fn bpms(entries: &[Value]) -> Vec<f64> {
    entries
        .iter()
        .map(|e| e["bpm"].as_f64().expect("bpm"))
        .collect()
}

/// Spearman's rank correlation (no ties expected in these figures).
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let rank = |v: &[f64]| -> Vec<f64> {
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by(|i, j| v[*i].total_cmp(&v[*j]));
        let mut r = vec![0.0; v.len()];
        for (k, i) in order.into_iter().enumerate() {
            r[i] = k as f64;
        }
        r
    };
    let (ra, rb) = (rank(a), rank(b));
    let n = a.len() as f64;
    let d2: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - y).powi(2)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

#[tokio::test(flavor = "multi_thread")]
async fn journeys_ramps_sorts_and_words_on_the_demo_library() {
    let d = demo();
    let artist_of = |id: i64| {
        d.tracks[&id]["artist"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    // Two tracks of two styles.
    // Ordered by path, not by id: the scan numbers tracks in the order its workers finish, so
    // ids differ from run to run while the audio and its analysis do not.
    let path_of = |id: &i64| {
        d.tracks[id]["path"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let mut by_path: Vec<i64> = d.tracks.keys().copied().collect();
    by_path.sort_by_key(path_of);
    let mut by_artist: HashMap<String, Vec<i64>> = HashMap::new();
    for id in &by_path {
        by_artist.entry(artist_of(*id)).or_default().push(*id);
    }
    let mut styles: Vec<&Vec<i64>> = by_artist.values().collect();
    styles.sort_by_key(|v| path_of(&v[0]));
    let (a, b) = (styles[0][0], styles[3][0]);

    // ---- a journey ----
    let journey = list(
        &d.data,
        &[
            "journey",
            &a.to_string(),
            &b.to_string(),
            "-n",
            "8",
            "--json",
        ],
    );
    let path = ids(&journey);
    eprintln!("journey {a} → {b}: {path:?}");
    assert_eq!(path.first(), Some(&a), "starts at A");
    assert_eq!(path.last(), Some(&b), "ends at B");
    assert!(path.len() >= 4 && path.len() <= 8, "{} tracks", path.len());
    assert_eq!(
        path.iter().collect::<HashSet<_>>().len(),
        path.len(),
        "no repeats"
    );
    for e in &journey {
        for field in [
            "id", "path", "title", "artist", "bpm", "key", "camelot", "score", "reasons",
        ] {
            assert!(e.get(field).is_some(), "{field} missing in {e}");
        }
    }
    assert_eq!(journey[0]["reasons"][0], "the start");
    for e in &journey[1..] {
        let reasons = e["reasons"].as_array().expect("reasons");
        assert!(!reasons.is_empty(), "{e}");
    }
    // Similarity to B rises along the path, to A falls (Spearman of position).
    let library = segue::Library::open_to_read(&d.data).await.expect("open");
    library.index_ready().await.expect("index");
    let (all, flat) = library.index_vectors().await.expect("vectors");
    let dim = flat.len() / all.len();
    let vector = |id: i64| {
        let i = all.iter().position(|x| *x == id).expect("analysed");
        &flat[i * dim..(i + 1) * dim]
    };
    let toward = |end: i64| -> Vec<f64> {
        path.iter()
            .map(|id| f64::from(segue::index::dot(vector(*id), vector(end))))
            .collect()
    };
    let position: Vec<f64> = (0..path.len()).map(|i| i as f64).collect();
    let to_b = spearman(&position, &toward(b));
    let to_a = spearman(&position, &toward(a));
    eprintln!("Spearman of position with similarity to B {to_b:.2}, to A {to_a:.2}");
    assert!(to_b >= 0.6, "similarity to B along the path: {to_b}");
    assert!(to_a <= -0.6, "similarity to A along the path: {to_a}");
    library.close().await;

    // Saved, it comes back in the same order, still explained step by step.
    let saved = list(
        &d.data,
        &[
            "journey",
            &a.to_string(),
            &b.to_string(),
            "-n",
            "8",
            "--save",
            "Trip",
            "--json",
        ],
    );
    assert_eq!(ids(&saved), path, "the same journey again");
    let playlists = json(&d.data, &["playlists", "list", "--json"]);
    let trip = playlists[0]["id"].as_i64().expect("id").to_string();
    let shown = json(&d.data, &["playlists", "show", &trip, "--json"]);
    let entries = shown["entries"].as_array().expect("entries");
    assert_eq!(ids(entries), path);
    assert_eq!(shown["request"]["journey_to"], b);
    assert_eq!(entries[0]["reasons"][0], "the start");
    assert_eq!(entries[1]["reasons"], journey[1]["reasons"]);

    // A journey to itself, or to a track that does not exist, is refused plainly.
    let same = segue(&d.data, &["journey", &a.to_string(), &a.to_string()]);
    assert!(!same.status.success());
    assert!(String::from_utf8_lossy(&same.stderr).contains("two different tracks"));

    // ---- ramps ----
    let seed = styles[1][0].to_string();
    let up = list(
        &d.data,
        &[
            "playlist", &seed, "-n", "10", "--ramp", "tempo-up", "--json",
        ],
    );
    let up_bpm = bpms(&up);
    assert!(up.len() >= 3, "{} tracks", up.len());
    assert!(
        up_bpm.windows(2).all(|w| w[0] <= w[1]),
        "tempo rises: {up_bpm:?}"
    );
    let down = list(
        &d.data,
        &[
            "playlist",
            &seed,
            "-n",
            "10",
            "--ramp",
            "tempo-down",
            "--json",
        ],
    );
    let down_bpm = bpms(&down);
    assert!(
        down_bpm.windows(2).all(|w| w[0] >= w[1]),
        "tempo falls: {down_bpm:?}"
    );
    let plain = list(&d.data, &["playlist", &seed, "-n", "10", "--json"]);
    let set = |e: &[Value]| ids(e).into_iter().collect::<HashSet<_>>();
    // A rise or a fall opens with the plain list's five closest matches (in its order), then
    // goes on from where they end: every other track is one of the tracks that sound alike.
    for ramped in [&up, &down] {
        let opening = ramped.len().min(5);
        assert_eq!(
            set(&ramped[..opening]),
            set(&plain[..opening.min(plain.len())]),
            "the five closest matches open it"
        );
        assert!(ramped.len() <= plain.len().max(10));
    }
    let cool = list(
        &d.data,
        &[
            "playlist",
            &seed,
            "-n",
            "10",
            "--ramp",
            "cool-down",
            "--json",
        ],
    );
    assert_eq!(set(&cool), set(&plain));
    let bad = segue(&d.data, &["playlist", &seed, "--ramp", "sideways"]);
    assert!(!bad.status.success());

    // ---- sorting a saved playlist ----
    let made = list(
        &d.data,
        &["playlist", &seed, "-n", "10", "--save", "To sort", "--json"],
    );
    let playlists = json(&d.data, &["playlists", "list", "--json"]);
    let to_sort = playlists
        .as_array()
        .expect("array")
        .iter()
        .find(|p| p["name"] == "To sort")
        .expect("saved")["id"]
        .as_i64()
        .expect("id")
        .to_string();
    let sorted = json(
        &d.data,
        &["playlists", "sort", &to_sort, "--by", "tempo", "--json"],
    );
    let sorted = sorted["entries"].as_array().expect("entries");
    let sorted_bpm = bpms(sorted);
    assert!(
        sorted_bpm.windows(2).all(|w| w[0] <= w[1]),
        "{sorted_bpm:?}"
    );
    assert_eq!(set(sorted), set(&made), "the same tracks");
    for by in ["energy", "brightness", "key"] {
        let again = json(
            &d.data,
            &["playlists", "sort", &to_sort, "--by", by, "--json"],
        );
        assert_eq!(
            set(again["entries"].as_array().expect("entries")),
            set(&made),
            "{by}"
        );
    }
    let before = json(&d.data, &["playlists", "show", &to_sort, "--json"]);
    let flowed = json(
        &d.data,
        &["playlists", "sort", &to_sort, "--by", "flow", "--json"],
    );
    assert_eq!(
        set(flowed["entries"].as_array().expect("entries")),
        set(&made)
    );
    assert_eq!(
        flowed["entries"][0]["id"], before["entries"][0]["id"],
        "flow keeps the first track first"
    );

    // ---- describe ----
    let jazz = json(
        &d.data,
        &["describe", "jazz, no vocals, zydeco", "-n", "6", "--json"],
    );
    let understood: Vec<&str> = jazz["understood"]
        .as_array()
        .expect("understood")
        .iter()
        .map(|u| u["words"].as_str().expect("words"))
        .collect();
    assert_eq!(understood, ["jazz", "no vocals"]);
    assert_eq!(jazz["ignored"], serde_json::json!(["zydeco"]));
    let top = jazz["tracks"].as_array().expect("tracks");
    assert_eq!(top.len(), 6);
    // The demo's jazz-tagged tracks come first.
    let jazz_chips = d
        .tracks
        .values()
        .filter(|t| {
            t["chips"]
                .as_array()
                .is_some_and(|c| c.iter().any(|x| x == "jazz"))
        })
        .count();
    let top_jazz = top
        .iter()
        .filter(|e| {
            d.tracks[&e["id"].as_i64().expect("id")]["chips"]
                .as_array()
                .is_some_and(|c| c.iter().any(|x| x == "jazz"))
        })
        .count();
    eprintln!(
        "describe jazz: {top_jazz} of the top 6 carry the jazz chip ({jazz_chips} in the library)"
    );
    assert!(top_jazz >= jazz_chips.min(6) * 2 / 3, "{top_jazz} of 6");
    assert!(top[0]["reasons"][0]
        .as_str()
        .is_some_and(|r| r.starts_with("jazz")));
    // ---- radio ----
    let radio = list(&d.data, &["radio", &seed, "-n", "24", "--json"]);
    let picks = ids(&radio);
    assert_eq!(picks.len(), 24);
    assert_eq!(
        picks.iter().collect::<HashSet<_>>().len(),
        24,
        "never twice: {picks:?}"
    );
    assert!(!picks.contains(&styles[1][0]), "never the seed");
    for window in picks.windows(segue::playlist::radio::ARTIST_WINDOW) {
        let mut by: HashMap<String, usize> = HashMap::new();
        for id in window {
            *by.entry(artist_of(*id)).or_default() += 1;
        }
        assert!(
            by.values()
                .all(|n| *n <= segue::playlist::radio::ARTIST_CAP),
            "artist cap in {window:?}"
        );
    }
    assert_eq!(
        artist_of(picks[0]),
        artist_of(styles[1][0]),
        "it starts by the seed's sound"
    );
    let again = ids(&list(&d.data, &["radio", &seed, "-n", "24", "--json"]));
    assert_eq!(again, picks, "the same picks for the same seed");

    // ---- a radio session (what the app plays): the CLI's picks, a queue kept full ahead,
    // a removal, a skip and a thumbs-up that re-plan it ----
    use segue::playlist::radio::Feedback;
    let ids_of =
        |v: &[segue::playlist::PlaylistEntry]| v.iter().map(|e| e.track.id).collect::<Vec<_>>();
    let ahead = segue::library::RADIO_AHEAD;
    let library = segue::Library::open_to_read(&d.data).await.expect("open");
    let mut session = library
        .start_radio_session(&[styles[1][0]], &[])
        .await
        .expect("radio");
    let view = session.view();
    assert_eq!(view.now.as_ref().map(|e| e.track.id), Some(picks[0]));
    assert_eq!(ids_of(&view.upcoming), picks[1..=ahead]);
    library
        .radio_advance(&mut session, false)
        .await
        .expect("next");
    let view = session.view();
    assert_eq!(view.now.as_ref().map(|e| e.track.id), Some(picks[1]));
    assert_eq!(
        ids_of(&view.upcoming),
        picks[2..=ahead + 1],
        "refilled ahead"
    );
    assert_eq!(view.history[0].entry.track.id, picks[0]);
    assert_eq!(view.history[0].feedback, Feedback::Played);
    let removed = view.upcoming[0].track.id;
    library
        .radio_remove(&mut session, removed)
        .await
        .expect("remove");
    let view = session.view();
    assert_eq!(view.upcoming.len(), ahead);
    assert!(!ids_of(&view.upcoming).contains(&removed));
    // A skip leans the queue away from the skipped track: its picks sound less like it than
    // the picks the same radio queues after letting that track play.
    let mut control = library
        .start_radio_session(&[styles[1][0]], &[])
        .await
        .expect("radio");
    library
        .radio_advance(&mut control, false)
        .await
        .expect("next");
    library
        .radio_remove(&mut control, removed)
        .await
        .expect("remove");
    let skipped = session.now_id().expect("playing");
    let likeness = |s: &segue::library::RadioSession, to: i64| -> f64 {
        let v = s.view();
        let mut queued = ids_of(&v.upcoming);
        queued.extend(v.now.iter().map(|e| e.track.id));
        queued
            .iter()
            .map(|id| f64::from(segue::index::dot(vector(*id), vector(to))))
            .sum::<f64>()
            / queued.len() as f64
    };
    library
        .radio_advance(&mut session, true)
        .await
        .expect("skip");
    library
        .radio_advance(&mut control, false)
        .await
        .expect("next");
    let (steered, left_alone) = (likeness(&session, skipped), likeness(&control, skipped));
    // One radio in a library of 36 is noise (once a style's six tracks are heard the picks
    // come from other styles, one way or another): the same comparison from every track of the
    // library as the seed, summed.
    let (mut steered_sum, mut alone_sum) = (steered, left_alone);
    let mut liked_sum = 0.0;
    let mut leaned_away = usize::from(steered < left_alone);
    for seed in by_path.iter().filter(|id| **id != styles[1][0]) {
        let mut pair = Vec::new();
        for skip in [true, false] {
            let mut radio = library
                .start_radio_session(&[*seed], &[])
                .await
                .expect("radio");
            library
                .radio_advance(&mut radio, false)
                .await
                .expect("next");
            let passed = radio.now_id().expect("playing");
            library.radio_advance(&mut radio, skip).await.expect("next");
            pair.push(likeness(&radio, passed));
            if skip {
                library
                    .radio_like(&mut radio, passed)
                    .await
                    .expect("like a heard track");
                liked_sum += likeness(&radio, passed);
            }
        }
        leaned_away += usize::from(pair[0] < pair[1]);
        steered_sum += pair[0];
        alone_sum += pair[1];
    }
    eprintln!(
        "radio skip: likeness of the queue to the skipped track {steered:.3} vs {left_alone:.3}; \
         summed over every seed {steered_sum:.3} vs {alone_sum:.3} (further in {leaned_away} of \
         {} seeds)",
        by_path.len()
    );
    assert!(steered_sum < alone_sum, "{steered_sum} vs {alone_sum}");
    assert_eq!(session.view().history[0].feedback, Feedback::Skipped);
    // A thumbs-up pulls the queue towards the liked track: liking the skipped track (in the
    // history) takes back the skip's push away from it. (In a library of 36 the lean may leave
    // the five best picks as they were: never further from it.)
    library
        .radio_like(&mut session, skipped)
        .await
        .expect("like a heard track");
    let liked_back = likeness(&session, skipped);
    liked_sum += liked_back;
    eprintln!("radio like: likeness of the queue to the track skipped, then liked {liked_back:.3} vs {steered:.3}; summed over every seed {liked_sum:.3} vs {steered_sum:.3}");
    assert!(liked_sum >= steered_sum, "{liked_sum} vs {steered_sum}");
    assert_eq!(session.view().history[0].feedback, Feedback::Liked);
    let playing = session.now_id().expect("playing");
    library
        .radio_like(&mut session, playing)
        .await
        .expect("like");
    assert!(session.view().now_liked);
    for _ in 0..12 {
        library
            .radio_advance(&mut session, false)
            .await
            .expect("next");
    }
    let view = session.view();
    let mut all: Vec<i64> = view.history.iter().map(|h| h.entry.track.id).collect();
    all.extend(view.now.iter().map(|e| e.track.id));
    all.extend(ids_of(&view.upcoming));
    assert_eq!(
        all.iter().collect::<HashSet<_>>().len(),
        all.len(),
        "never twice: {all:?}"
    );
    assert!(!all.contains(&styles[1][0]) && !all.contains(&removed));
    library.close().await;

    let nothing = json(&d.data, &["describe", "zydeco", "--json"]);
    assert_eq!(nothing["tracks"].as_array().map(Vec::len), Some(0));
    assert_eq!(nothing["ignored"], serde_json::json!(["zydeco"]));
}
