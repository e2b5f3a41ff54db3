//! The UI tests' recorded backend: what the real engine answers, on the real demo library, to
//! the calls the UI makes — so the browser tests never need a second engine in JavaScript.
//!
//! `ui/tests/fixtures/demo.json` holds `{cmd: [{args, ok}]}` (or `{args, err: {code, message}}`
//! for a call the engine refuses) for the commands below, in two library states: `calls`, the
//! demo library analysed (what almost every test uses), and `before_analysis`, the same library
//! scanned but not analysed yet (a few calls, for what the UI shows of a pending track). This
//! test records them again and fails when the committed file no longer matches (floats within a
//! small tolerance: analysis is deterministic, but the last bits of SIMD sums may differ
//! between CPUs). Rewrite it with:
//!
//!     SEGUE_WRITE_FIXTURES=1 cargo test -p segue-cli --test ui_fixtures
//!
//! To record another call a UI test needs, add it to `record` below.

mod common;

use std::path::Path;
use std::sync::Arc;

use segue::playlist::{Order, PlaylistRequest, Ramp, SortBy, TempoRange};
use segue::{AnalyzeOptions, CancellationToken, Library, PauseSwitch, ScanOptions, SortKey};
use segue::{TrackQuery, TrackRow};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Where the fixtures say the demo library lives (the temp dir's path is replaced by it).
const SHOWN_ROOT: &str = "/home/ada/Music/Segue demo";
/// Where the fixtures say the file from outside the library lies.
const SHOWN_DOWNLOADS: &str = "/home/ada/Downloads";
/// Every timestamp in the fixtures (they would differ on every run).
const SHOWN_TIME: &str = "2026-11-30T09:00:00Z";
/// Decimals kept of every float.
const DECIMALS: i32 = 4;
/// How far a recorded float may be from a fresh one before the fixtures count as stale.
const TOLERANCE: f64 = 2e-3;

struct Recorder {
    calls: Map<String, Value>,
    /// The temp dir prefix to replace.
    root: String,
    /// Where outside files are made (replaced by SHOWN_DOWNLOADS).
    downloads: String,
}

impl Recorder {
    fn add(&mut self, cmd: &str, args: Value, answer: &impl Serialize) {
        let answer = serde_json::to_value(answer).expect("answers serialise");
        let entry = json!({ "args": self.scrub(args), "ok": self.scrub(answer) });
        self.calls
            .entry(cmd)
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()
            .expect("an array per command")
            .push(entry);
    }

    /// A call's answer, or the error the UI would get (`CommandError`: code and message).
    fn add_result<T: Serialize>(&mut self, cmd: &str, args: Value, result: segue::Result<T>) {
        match result {
            Ok(answer) => self.add(cmd, args, &answer),
            Err(e) => {
                let err = json!({ "code": e.code(), "message": e.to_string() });
                let entry = json!({ "args": self.scrub(args), "err": self.scrub(err) });
                self.calls
                    .entry(cmd)
                    .or_insert_with(|| Value::Array(Vec::new()))
                    .as_array_mut()
                    .expect("an array per command")
                    .push(entry);
            }
        }
    }

    /// Fixed paths and times, floats rounded.
    fn scrub(&self, value: Value) -> Value {
        match value {
            Value::String(s) if looks_like_time(&s) => Value::String(SHOWN_TIME.into()),
            Value::String(s) => Value::String(
                s.replace(&self.root, SHOWN_ROOT)
                    .replace(&self.downloads, SHOWN_DOWNLOADS),
            ),
            Value::Number(n) if n.is_f64() => {
                let scale = 10f64.powi(DECIMALS);
                let x = n.as_f64().unwrap_or_default();
                json!((x * scale).round() / scale)
            }
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.scrub(v)).collect()),
            Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, self.scrub(v))).collect())
            }
            other => other,
        }
    }
}

fn looks_like_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b' ')
        && b[13] == b':'
}

/// A request as the UI sends it: every field spelled out.
fn request(seed: i64, change: impl FnOnce(&mut PlaylistRequest)) -> PlaylistRequest {
    let mut r = PlaylistRequest {
        seeds: vec![seed],
        ..PlaylistRequest::default()
    };
    change(&mut r);
    r
}

/// A table page as the UI asks for it.
fn page(sort: SortKey, desc: bool) -> TrackQuery {
    TrackQuery {
        sort,
        desc,
        offset: 0,
        limit: 200,
        ..TrackQuery::default()
    }
}

async fn record(library: &Arc<Library>, rec: &mut Recorder) {
    rec.add(
        "get_overview",
        json!({}),
        &library.overview().await.expect("overview"),
    );
    rec.add(
        "tag_vocabulary",
        json!({}),
        &library.tag_vocabulary().await.expect("tags"),
    );
    rec.add(
        "list_failures",
        json!({}),
        &library.failures().await.expect("failures"),
    );
    for (sort, desc) in [
        (SortKey::Title, false),
        (SortKey::Title, true),
        (SortKey::Artist, false),
        (SortKey::Bpm, false),
        (SortKey::Key, false),
    ] {
        let query = page(sort, desc);
        let answer = library.track_page(&query).await.expect("page");
        rec.add("list_tracks", json!({ "query": query }), &answer);
    }
    // Every track: its details, its similar tracks and the default playlist from it.
    let tracks: Vec<TrackRow> = library.tracks(None).await.expect("tracks");
    for t in &tracks {
        let detail = library.track_detail(t.id).await.expect("detail");
        rec.add("get_track", json!({ "id": t.id }), &detail);
        let similar = library.similar_answer(t.id, 20).await.expect("similar");
        rec.add(
            "similar_tracks",
            json!({ "id": t.id, "limit": 20 }),
            &similar,
        );
        let r = request(t.id, |_| {});
        let made = library.make_playlist(&r).await.expect("playlist");
        rec.add("make_playlist", json!({ "request": r }), &made);
    }
    // Each knob on its own, from the first tracks in title order (the table's first rows).
    let mut by_title = tracks.clone();
    by_title.sort_by(|a, b| a.title.cmp(&b.title));
    for seed in by_title.iter().take(3) {
        let bpm = seed.bpm.unwrap_or(120.0).round();
        let variants: Vec<PlaylistRequest> = vec![
            request(seed.id, |r| r.length = 5),
            request(seed.id, |r| r.length = 10),
            request(seed.id, |r| r.order = Order::Flow),
            request(seed.id, |r| r.order = Order::Harmonic),
            request(seed.id, |r| r.max_per_artist = 0),
            request(seed.id, |r| r.max_per_artist = 1),
            request(seed.id, |r| r.max_per_album = 0),
            request(seed.id, |r| r.key_compatible = true),
            request(seed.id, |r| {
                r.tempo = Some(TempoRange::Tolerance { percent: 6.0 })
            }),
            request(seed.id, |r| {
                r.tempo = Some(TempoRange::Absolute {
                    min: bpm - 10.0,
                    max: bpm + 10.0,
                })
            }),
            request(seed.id, |r| r.include_tags = vec!["electronic".into()]),
            request(seed.id, |r| r.avoid_tags = vec!["guitar".into()]),
        ];
        for r in variants {
            let made = library.make_playlist(&r).await.expect("playlist");
            rec.add("make_playlist", json!({ "request": r }), &made);
        }
        // Swapping each of the first rows of its default playlist.
        let r = request(seed.id, |_| {});
        let made = library.make_playlist(&r).await.expect("playlist");
        let current: Vec<i64> = made.entries.iter().map(|e| e.track.id).collect();
        for position in 0..current.len().min(3) {
            swap(library, rec, &r, &current, position).await;
        }
    }
    record_for_tests(library, rec, &by_title).await;
    library.layout_map().await.expect("map layout");
    rec.add("get_map", json!({}), &library.map().await.expect("map"));
}

/// Records one make_playlist call; answers its track ids.
async fn make(library: &Arc<Library>, rec: &mut Recorder, r: &PlaylistRequest) -> Vec<i64> {
    let made = library.make_playlist(r).await.expect("playlist");
    rec.add("make_playlist", json!({ "request": r }), &made);
    made.entries.iter().map(|e| e.track.id).collect()
}

/// Records one swap_playlist_track call; answers the track put in (if any).
async fn swap(
    library: &Arc<Library>,
    rec: &mut Recorder,
    r: &PlaylistRequest,
    current: &[i64],
    position: usize,
) -> Option<i64> {
    let swapped = library
        .swap_playlist_track(r, current, position)
        .await
        .expect("swap");
    rec.add(
        "swap_playlist_track",
        json!({ "request": r, "current": current, "position": position }),
        &swapped,
    );
    swapped.map(|e| e.track.id)
}

/// The calls particular UI tests make beyond the ones above, as the test does them (the first
/// three tracks in title order are the table's first rows, the seeds the tests pick).
async fn record_for_tests(library: &Arc<Library>, rec: &mut Recorder, by_title: &[TrackRow]) {
    let (first, second, third) = (&by_title[0], &by_title[1], &by_title[2]);

    // ui.test.mjs (similar tracks): a search that leaves only the first track in the table.
    let query = TrackQuery {
        search: first.title.clone(),
        ..page(SortKey::Title, false)
    };
    let answer = library.track_page(&query).await.expect("page");
    rec.add("list_tracks", json!({ "query": query }), &answer);

    // playlist.test.mjs (knobs): each knob on top of the ones turned before it.
    let bpm = first.bpm.unwrap_or(120.0).round();
    let mut r = request(first.id, |r| r.length = 10);
    r.order = Order::Harmonic;
    make(library, rec, &r).await;
    r.max_per_artist = 1;
    r.max_per_album = 0;
    make(library, rec, &r).await;
    r.strict_caps = true;
    make(library, rec, &r).await;
    for tempo in [
        TempoRange::Tolerance { percent: 6.0 },
        TempoRange::Tolerance { percent: 3.0 },
        TempoRange::Absolute {
            min: (bpm - 10.0).max(0.0),
            max: bpm + 10.0,
        },
        TempoRange::Absolute {
            min: 100.0,
            max: 140.0,
        },
    ] {
        r.tempo = Some(tempo);
        make(library, rec, &r).await;
    }
    r.key_compatible = true;
    make(library, rec, &r).await;
    r.include_tags = vec!["Ambient".into()];
    make(library, rec, &r).await;
    r.avoid_tags = vec!["rock".into(), "pop".into()];
    make(library, rec, &r).await;
    r.tempo = None;
    make(library, rec, &r).await;
    r.length = 5;
    make(library, rec, &r).await;
    // … and the same settings for the next playlist, from the third track
    r.seeds = vec![third.id];
    make(library, rec, &r).await;

    // The first track's default playlist with one change: preview.test.mjs (6), the saved
    // playlist's new settings (8), the shortfall (60, then a tag no track has).
    for length in [6, 8, 60] {
        make(library, rec, &request(first.id, |r| r.length = length)).await;
    }
    let none_fit = request(first.id, |r| {
        r.length = 60;
        r.include_tags = vec!["no such tag".into()];
    });
    make(library, rec, &none_fit).await;

    // Swaps: row 3 of the first track's default playlist swapped twice (the second time with
    // the first swap's track in place), and row 1 once row 1 was removed.
    let r = request(first.id, |_| {});
    let mut current = library
        .make_playlist(&r)
        .await
        .expect("playlist")
        .entries
        .iter()
        .map(|e| e.track.id)
        .collect::<Vec<_>>();
    let sound_alike = current.len();
    let removed: Vec<i64> = current[1..].to_vec();
    swap(library, rec, &r, &removed, 0).await;
    if let Some(id) = swap(library, rec, &r, &current, 2).await {
        current[2] = id;
        swap(library, rec, &r, &current, 2).await;
    }
    // A list one shorter than what sounds like the first track (its default list, shorter than
    // the default length, holds them all), so a swap has a track to bring in:
    // playlist-edit.test.mjs (Undo) and playlist.test.mjs (swap): row 3 swapped, then again.
    let r = request(first.id, |r| r.length = sound_alike - 1);
    let mut current = make(library, rec, &r).await;
    if let Some(id) = swap(library, rec, &r, &current, 2).await {
        current[2] = id;
        swap(library, rec, &r, &current, 2).await;
    }
    // Every candidate in the list (no caps, longer than the library): nothing else fits.
    let all = request(first.id, |r| {
        r.length = 100;
        r.max_per_artist = 0;
        r.max_per_album = 0;
    });
    let everything = make(library, rec, &all).await;
    swap(library, rec, &all, &everything, 1).await;

    // The playlist screenshots: length 12 from the second track, then a tempo tolerance of 6 %
    // and 1 %, then 60 tracks.
    let mut r = request(second.id, |r| r.length = 12);
    make(library, rec, &r).await;
    for percent in [6.0, 1.0] {
        r.tempo = Some(TempoRange::Tolerance { percent });
        make(library, rec, &r).await;
    }
    r.length = 60;
    make(library, rec, &r).await;
    // Playlists from several selected rows (the table's title order), default knobs.
    for rows in [&[2usize, 5][..], &[0, 1, 2, 3, 4], &[6, 7, 8]] {
        let mut r = request(by_title[rows[0]].id, |_| {});
        r.seeds = rows.iter().map(|&i| by_title[i].id).collect();
        make(library, rec, &r).await;
    }
    // journeys.test.mjs: a journey from the first row to the eighth, sorted by tempo; the first
    // row's playlist ramping its tempo up; a description in words.
    let journey = request(first.id, |r| r.journey_to = Some(by_title[7].id));
    let path = make(library, rec, &journey).await;
    for by in SortBy::ALL {
        let sorted = library.sort_tracks(&path, by).await.expect("sort");
        rec.add(
            "sort_playlist_tracks",
            json!({ "trackIds": path, "by": by }),
            &sorted,
        );
    }
    make(
        library,
        rec,
        &request(first.id, |r| r.ramp = Some(Ramp::TempoUp)),
    )
    .await;
    for words in ["electronic, no vocals, zydeco", "zydeco"] {
        let answer = library.describe(words, None, 30).await.expect("describe");
        rec.add(
            "describe_tracks",
            json!({ "words": words, "like": null, "count": 30 }),
            &answer,
        );
    }
    record_radio(library, rec, first.id).await;
    // radio.test.mjs: the first row's playlist → its Radio button (its tracks are the seeds).
    let listed = library
        .make_playlist(&request(first.id, |_| {}))
        .await
        .expect("playlist");
    let seeds: Vec<i64> = listed.entries.iter().map(|e| e.track.id).collect();
    let session = library
        .start_radio_session(&seeds, &[])
        .await
        .expect("radio");
    rec.add(
        "start_radio",
        json!({ "seeds": seeds, "step": 0 }),
        &session.view(),
    );
    record_outside(library, rec, by_title).await;
    record_lengthened(library, rec).await;
}

/// radio.test.mjs: a radio from the first row, as the UI drives it — its first pick plays and
/// ends, the next is skipped early, the one after is liked, the first queued one is taken off,
/// and it plays on. A radio's answers depend on what came before, so each is recorded with its
/// place in the sequence (`step`, which the fake backend adds to the UI's arguments).
async fn record_radio(library: &Arc<Library>, rec: &mut Recorder, seed: i64) {
    let mut session = library
        .start_radio_session(&[seed], &[])
        .await
        .expect("radio");
    rec.add(
        "start_radio",
        json!({ "seeds": [seed], "step": 0 }),
        &session.view(),
    );
    for (step, skipped) in [(1, false), (2, true)] {
        library
            .radio_advance(&mut session, skipped)
            .await
            .expect("next");
        rec.add(
            "radio_next",
            json!({ "skippedEarly": skipped, "step": step }),
            &session.view(),
        );
    }
    let liked = session.now_id().expect("playing");
    library.radio_like(&mut session, liked).await.expect("like");
    rec.add(
        "radio_like",
        json!({ "id": liked, "step": 3 }),
        &session.view(),
    );
    let removed = session.view().upcoming[0].track.id;
    library
        .radio_remove(&mut session, removed)
        .await
        .expect("remove");
    rec.add(
        "radio_remove",
        json!({ "id": removed, "step": 4 }),
        &session.view(),
    );
    library
        .radio_advance(&mut session, false)
        .await
        .expect("next");
    rec.add(
        "radio_next",
        json!({ "skippedEarly": false, "step": 5 }),
        &session.view(),
    );
}

/// outside.test.mjs: a file from outside the library dropped on the window — a mix of two
/// demo tracks of different bands, tagged as someone's recording — its similar tracks and the
/// playlist "Make playlist" asks for; and a file that is not audio.
async fn record_outside(library: &Arc<Library>, rec: &mut Recorder, by_title: &[TrackRow]) {
    use segue::demo::DEMO_RATE;
    let downloads = std::path::PathBuf::from(&rec.downloads);
    std::fs::create_dir_all(&downloads).expect("downloads");
    let first = &by_title[0];
    let other = by_title
        .iter()
        .find(|t| t.artist != first.artist)
        .expect("another band");
    let decode = |path: &str| {
        let mut samples = Vec::new();
        segue::audio::decode::decode_mono(Path::new(path), DEMO_RATE, None, |b| {
            samples.extend_from_slice(b)
        })
        .expect("decode a demo track");
        samples
    };
    let (a, b) = (decode(&first.path), decode(&other.path));
    let mix: Vec<f32> = a.iter().zip(&b).map(|(x, y)| 0.5 * (x + y)).collect();
    let file = downloads.join("Late bus home.flac");
    segue::audio::encode::write_flac(&file, DEMO_RATE, &mix).expect("flac");
    let tags = segue::metadata::Tags {
        title: Some("Late bus home".into()),
        artist: Some("Sam".into()),
        ..Default::default()
    };
    segue::audio::encode::write_tags(&file, &tags).expect("tags");
    let path = file.to_string_lossy().into_owned();
    rec.add_result(
        "similar_to_outside_file",
        json!({ "path": path }),
        library.similar_to_outside_file(&file, 50).await,
    );
    let request = PlaylistRequest {
        seed_file: Some(path),
        ..PlaylistRequest::default()
    };
    make(library, rec, &request).await;
    let text = downloads.join("notes.mp3");
    std::fs::write(&text, "not music at all, just words").expect("write");
    rec.add_result(
        "similar_to_outside_file",
        json!({ "path": text.to_string_lossy() }),
        library.similar_to_outside_file(&text, 50).await,
    );
}

/// The change each recorded playlist offers to lengthen it (`lengthen.request`), recorded too,
/// so a test can click its button wherever it shows (until every one offered is recorded).
async fn record_lengthened(library: &Arc<Library>, rec: &mut Recorder) {
    loop {
        let made = rec.calls["make_playlist"].as_array().expect("playlists");
        let asked: Vec<&Value> = made.iter().map(|m| &m["args"]["request"]).collect();
        let mut offered: Vec<Value> = Vec::new();
        for m in made {
            let looser = &m["ok"]["lengthen"]["request"];
            if looser.is_object() && !asked.contains(&looser) && !offered.contains(looser) {
                offered.push(looser.clone());
            }
        }
        if offered.is_empty() {
            return;
        }
        for looser in offered {
            let r: PlaylistRequest = serde_json::from_value(looser).expect("a request");
            make(library, rec, &r).await;
        }
    }
}

/// The library scanned but not analysed yet: what the UI shows of pending tracks, for the first
/// three tracks in title order (a playlist from one is refused).
async fn record_before_analysis(library: &Arc<Library>, rec: &mut Recorder) {
    rec.add(
        "get_overview",
        json!({}),
        &library.overview().await.expect("overview"),
    );
    rec.add(
        "tag_vocabulary",
        json!({}),
        &library.tag_vocabulary().await.expect("tags"),
    );
    rec.add(
        "list_failures",
        json!({}),
        &library.failures().await.expect("failures"),
    );
    let query = page(SortKey::Title, false);
    let answer = library.track_page(&query).await.expect("page");
    rec.add("list_tracks", json!({ "query": query }), &answer);
    rec.add("get_map", json!({}), &library.map().await.expect("map"));
    let mut by_title: Vec<TrackRow> = library.tracks(None).await.expect("tracks");
    by_title.sort_by(|a, b| a.title.cmp(&b.title));
    for t in by_title.iter().take(3) {
        let detail = library.track_detail(t.id).await.expect("detail");
        rec.add("get_track", json!({ "id": t.id }), &detail);
        let similar = library.similar_answer(t.id, 20).await.expect("similar");
        rec.add(
            "similar_tracks",
            json!({ "id": t.id, "limit": 20 }),
            &similar,
        );
        let r = request(t.id, |_| {});
        let made = library.make_playlist(&r).await;
        rec.add_result("make_playlist", json!({ "request": r }), made);
    }
}

/// The demo library, scanned by one worker (so track ids do not depend on timing).
async fn scanned_demo_library(root: &Path) -> Arc<Library> {
    let music = root.join("music");
    segue::demo::generate(&music).expect("demo library");
    let library = Library::open(root.join("data")).await.expect("open");
    library.add_folder(&music).await.expect("folder");
    let one = ScanOptions {
        workers: 1,
        ..ScanOptions::default()
    };
    let cancel = CancellationToken::new();
    library
        .scan(None, &one, Arc::new(|_| {}), &cancel)
        .await
        .expect("scan");
    library
}

/// Analyses every track, and rebuilds the index from every track (so its statistics do not
/// depend on when the analysis run synced it).
async fn analyse(library: &Arc<Library>) {
    let cancel = CancellationToken::new();
    library
        .analyze(
            &AnalyzeOptions::default(),
            Arc::new(|_| {}),
            &cancel,
            &PauseSwitch::new(),
        )
        .await
        .expect("analysis");
    library.rebuild_index().await.expect("index");
}

/// The fixtures as JSON with one recorded call per line: compact, and a diff shows which calls
/// changed.
fn one_call_per_line(fixtures: &Value) -> String {
    let mut out = format!("{{\n\"about\": {}", fixtures["about"]);
    for section in SECTIONS {
        out.push_str(&format!(",\n\"{section}\": {{\n"));
        let calls = fixtures[section].as_object().expect("calls by command");
        for (i, (cmd, entries)) in calls.iter().enumerate() {
            out.push_str(&format!("{}: [\n", Value::String(cmd.clone())));
            let entries = entries.as_array().expect("an array per command");
            for (j, entry) in entries.iter().enumerate() {
                let comma = if j + 1 < entries.len() { "," } else { "" };
                out.push_str(&format!("{entry}{comma}\n"));
            }
            out.push_str(if i + 1 < calls.len() { "],\n" } else { "]\n" });
        }
        out.push('}');
    }
    out + "\n}\n"
}

/// The library states recorded, in the order written.
const SECTIONS: [&str; 2] = ["calls", "before_analysis"];

/// Whether two recordings agree: the same shape and strings, floats within `TOLERANCE` — but
/// the map's coordinates only in number: the layout is stochastic descent, which turns the last
/// bits of the vectors (they differ between CPUs) into different, equally good pictures.
fn agree(a: &Value, b: &Value, path: &str) -> Result<(), String> {
    let coordinates =
        path.contains("get_map") && [".points.x", ".points.y"].iter().any(|c| path.ends_with(c));
    match (a, b) {
        (Value::Array(x), Value::Array(y)) if coordinates && x.len() == y.len() => Ok(()),
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            if (x - y).abs() <= TOLERANCE * x.abs().max(1.0) {
                Ok(())
            } else {
                Err(format!("{path}: {x} vs {y}"))
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .try_for_each(|(i, (x, y))| agree(x, y, &format!("{path}[{i}]"))),
        (Value::Object(x), Value::Object(y)) if x.len() == y.len() => {
            x.iter().try_for_each(|(k, v)| {
                let other = y.get(k).ok_or_else(|| format!("{path}.{k}: missing"))?;
                agree(v, other, &format!("{path}.{k}"))
            })
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {a} vs {b}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ui_fixtures_are_what_the_engine_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical temp dir");
    let library = scanned_demo_library(&root).await;
    let recorder = || Recorder {
        calls: Map::new(),
        root: root.join("music").to_string_lossy().into_owned(),
        downloads: root.join("downloads").to_string_lossy().into_owned(),
    };
    let mut before = recorder();
    record_before_analysis(&library, &mut before).await;
    analyse(&library).await;
    let mut rec = recorder();
    record(&library, &mut rec).await;
    let fresh = json!({
        "about": "Answers of the real engine on the demo library, recorded by tests/ui_fixtures.rs \
                  (SEGUE_WRITE_FIXTURES=1 cargo test -p segue-cli --test ui_fixtures). Do not edit. \
                  calls: the library analysed; before_analysis: scanned, not analysed yet.",
        "calls": rec.calls,
        "before_analysis": before.calls,
    });
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/tests/fixtures/demo.json");
    if std::env::var_os("SEGUE_WRITE_FIXTURES").is_some() {
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("fixtures folder");
        std::fs::write(&path, one_call_per_line(&fresh)).expect("writing the fixtures");
    }
    let committed: Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    if let Err(difference) = agree(&committed, &fresh, "demo.json") {
        panic!(
            "ui/tests/fixtures/demo.json is stale ({difference}): run \
             `SEGUE_WRITE_FIXTURES=1 cargo test -p segue-cli --test ui_fixtures` and commit it"
        );
    }
}
