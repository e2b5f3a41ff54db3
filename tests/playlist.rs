//! Playlists end to end through the CLI, on the analysed demo library (36 tracks in six styles,
//! generated at known tempi and keys): every constraint and order, fewer tracks than asked,
//! saved playlists, and exports that parse and point at the right files.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use common::*;
use segue::playlist::key_relation;
use serde_json::Value;

struct Demo {
    _root: tempfile::TempDir,
    data: PathBuf,
    tracks: HashMap<i64, Value>,
}

fn demo() -> Demo {
    let (root, data) = demo_copy();
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

impl Demo {
    fn playlist(&self, args: &[&str]) -> Vec<Value> {
        let mut all = vec!["playlist"];
        all.extend_from_slice(args);
        all.push("--json");
        json(&self.data, &all).as_array().expect("array").clone()
    }

    /// A seed: the first track (by id) whose title is given.
    fn id_of(&self, title: &str) -> i64 {
        *self
            .tracks
            .iter()
            .find(|(_, t)| t["title"] == title)
            .map(|(id, _)| id)
            .expect("title")
    }
}

fn ids(entries: &[Value]) -> Vec<i64> {
    entries
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect()
}

fn bpm(e: &Value) -> f64 {
    e["bpm"].as_f64().expect("bpm")
}

#[test]
fn constraints_orders_and_fewer_than_asked() {
    let d = demo();
    let seed = d.id_of("Lantern"); // Copper Lanes (folk), 100 BPM
    let seed_str = seed.to_string();
    let s = seed_str.as_str();
    let seed_track = &d.tracks[&seed];
    let seed_bpm = seed_track["bpm"].as_f64().expect("bpm");
    let seed_key = seed_track["camelot"].as_str().expect("camelot").to_string();

    // Default: never the seed, best first, each with reasons and the JSON fields; only tracks
    // that sound like the seed (its band of five, in the demo), and the reason it is short.
    let out = segue(&d.data, &["playlist", s, "-n", "10", "--json"]);
    assert!(out.status.success());
    let plain: Vec<Value> = serde_json::from_slice::<Value>(&out.stdout)
        .expect("json")
        .as_array()
        .expect("array")
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sound like “Lantern”: more would be filler"),
        "{stderr}"
    );
    // The default caps (2 per artist, 2 per album) gave way to keep it sounding alike, and
    // said so in one sentence.
    assert!(
        stderr.contains("Allowed 6 per artist and 6 per album to keep it sounding alike."),
        "{stderr}"
    );
    assert_eq!(plain.len(), 5, "its band: {plain:?}");
    assert!(!ids(&plain).contains(&seed));
    let scores: Vec<f64> = plain
        .iter()
        .map(|e| e["score"].as_f64().expect("score"))
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1] - 1e-6), "{scores:?}");
    for e in &plain {
        for field in [
            "id", "path", "title", "artist", "bpm", "key", "camelot", "score", "match",
        ] {
            assert!(!e[field].is_null(), "{field} in {e}");
        }
        assert!(
            ["very_close", "close", "related"].contains(&e["closeness"].as_str().expect("words")),
            "{e}"
        );
        assert!(!e["reasons"].as_array().expect("reasons").is_empty(), "{e}");
    }

    // Deterministic.
    assert_eq!(ids(&d.playlist(&[s, "-n", "10"])), ids(&plain));

    // Tempo range.
    let ranged = d.playlist(&[s, "-n", "30", "--bpm-range", "90-110"]);
    assert!(!ranged.is_empty());
    assert!(
        ranged.iter().all(|e| (90.0..=110.0).contains(&bpm(e))),
        "{ranged:?}"
    );
    // ± 6 % around the seed, half and double time included.
    let tolerant = d.playlist(&[
        s,
        "-n",
        "30",
        "--bpm-tolerance",
        "6",
        "--max-per-artist",
        "0",
    ]);
    assert!(!tolerant.is_empty());
    for e in &tolerant {
        let mut r = bpm(e) / seed_bpm;
        while r > 1.5 {
            r /= 2.0;
        }
        while r < 0.75 {
            r *= 2.0;
        }
        assert!(
            (r - 1.0).abs() <= 0.06 + 1e-9,
            "{} BPM against {seed_bpm}",
            bpm(e)
        );
    }
    // Key-compatible.
    let keyed = d.playlist(&[s, "-n", "30", "--key-compatible", "--max-per-artist", "0"]);
    assert!(!keyed.is_empty());
    for e in &keyed {
        let k = e["camelot"].as_str().expect("camelot");
        assert!(key_relation(k, &seed_key).is_some(), "{k} after {seed_key}");
    }
    // Strict caps hold whatever they cost: two seeds of two artists, each of whom then has one
    // place left (and the albums likewise).
    let other = d.id_of("Nightcap"); // Marisol Quartet (jazz)
    let other_str = other.to_string();
    let strict = segue(
        &d.data,
        &[
            "playlist",
            s,
            &other_str,
            "-n",
            "10",
            "--strict-caps",
            "--json",
        ],
    );
    assert!(strict.status.success());
    let strict_entries: Vec<Value> = serde_json::from_slice::<Value>(&strict.stdout)
        .expect("json")
        .as_array()
        .expect("array")
        .clone();
    let mut per_artist: HashMap<String, usize> = HashMap::new();
    for e in &strict_entries {
        *per_artist.entry(e["artist"].to_string()).or_default() += 1;
    }
    assert!(!strict_entries.is_empty());
    assert!(per_artist.values().all(|&n| n <= 1), "{per_artist:?}");
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert!(!stderr.contains("Allowed"), "{stderr}");
    assert!(
        stderr.contains("“Limits may give way” would add"),
        "{stderr}"
    );
    // Tags: a jazz seed with "jazz" included, and with it avoided.
    let o = other_str.as_str();
    let jazz = d.playlist(&[o, "-n", "10", "--include", "jazz", "--max-per-artist", "0"]);
    assert!(!jazz.is_empty());
    assert!(jazz
        .iter()
        .all(|e| d.tracks[&e["id"].as_i64().expect("id")]["genre"] == "Jazz"));
    let out = segue(
        &d.data,
        &["playlist", o, "-n", "30", "--avoid", "Jazz", "--json"],
    );
    assert!(out.status.success());
    let no_jazz: Vec<Value> = serde_json::from_slice::<Value>(&out.stdout)
        .expect("json")
        .as_array()
        .expect("array")
        .clone();
    assert!(no_jazz
        .iter()
        .all(|e| d.tracks[&e["id"].as_i64().expect("id")]["genre"] != "Jazz"));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("“Without the avoided tags”"),
        "the one change that helps"
    );
    // "Not like this".
    let away = plain[0]["id"].as_i64().expect("id").to_string();
    let not_like = d.playlist(&[s, "-n", "10", "--not", &away]);
    assert!(!ids(&not_like).contains(&plain[0]["id"].as_i64().expect("id")));
    // Several seeds: neither appears.
    let two = d.playlist(&[s, o, "-n", "10"]);
    assert!(!two.is_empty());
    assert!(!ids(&two).contains(&seed) && !ids(&two).contains(&other));

    // Fewer than asked: every track that sounds alike, no padding, and the reason on stderr.
    let all = d.playlist(&[
        s,
        "-n",
        "40",
        "--max-per-artist",
        "0",
        "--max-per-album",
        "0",
    ]);
    assert_eq!(
        ids(&all),
        ids(&plain),
        "no caps were needed to keep it alike"
    );
    let out = segue(
        &d.data,
        &[
            "playlist",
            s,
            "-n",
            "10",
            "--bpm-range",
            "300-400",
            "--json",
        ],
    );
    assert!(out.status.success());
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).expect("json"),
        Value::Array(vec![])
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("No track fits these settings: “Any tempo” would let in 5"),
        "{stderr}"
    );

    // Orders: the same tracks, arranged differently.
    let by_score = d.playlist(&[s, "-n", "12", "--max-per-artist", "3"]);
    let flow = d.playlist(&[s, "-n", "12", "--max-per-artist", "3", "--order", "flow"]);
    let harmonic = d.playlist(&[
        s,
        "-n",
        "12",
        "--max-per-artist",
        "3",
        "--order",
        "harmonic",
    ]);
    let set = |v: &[Value]| ids(v).into_iter().collect::<HashSet<_>>();
    assert_eq!(set(&flow), set(&by_score));
    assert_eq!(set(&harmonic), set(&by_score));
    let compatible_steps = |v: &[Value]| {
        let mut keys = vec![seed_key.clone()];
        keys.extend(
            v.iter()
                .map(|e| e["camelot"].as_str().expect("k").to_string()),
        );
        keys.windows(2)
            .filter(|w| key_relation(&w[0], &w[1]).is_some())
            .count()
    };
    assert!(
        compatible_steps(&harmonic) >= compatible_steps(&by_score),
        "harmonic mixes at least as well"
    );
    // Errors are clear.
    let bad = segue(&d.data, &["playlist", "999999"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no track with id 999999"));
}

/// Paths of an M3U8 file's entries, resolved against its folder.
fn m3u8_paths(file: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(file).expect("read");
    assert!(text.starts_with("#EXTM3U\n"));
    let dir = file.parent().expect("dir");
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| dir.join(l))
        .collect()
}

/// Paths of an XSPF file's locations (file:// URIs, percent-decoded).
fn xspf_paths(file: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(file).expect("read");
    assert!(text.contains("<playlist version=\"1\" xmlns=\"http://xspf.org/ns/0/\">"));
    text.split("<location>")
        .skip(1)
        .map(|rest| {
            let uri = &rest[..rest.find("</location>").expect("close")];
            let raw = uri
                .strip_prefix("file://")
                .expect("file uri")
                .replace("&amp;", "&");
            let mut bytes = Vec::new();
            let b = raw.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'%' {
                    bytes.push(u8::from_str_radix(&raw[i + 1..i + 3], 16).expect("hex"));
                    i += 3;
                } else {
                    bytes.push(b[i]);
                    i += 1;
                }
            }
            PathBuf::from(String::from_utf8(bytes).expect("utf8"))
        })
        .collect()
}

// The playlists below ask for 6 tracks: 7 demo tracks sound like "Afterhours", and the
// playlist's floor stops a longer list there ("Only 7 tracks in your library sound like…").
#[test]
fn saved_playlists_and_exports() {
    let d = demo();
    let seed = d.id_of("Afterhours").to_string();
    let made = d.playlist(&[&seed, "-n", "6", "--save", "Late night"]);
    let made_paths: Vec<PathBuf> = made
        .iter()
        .map(|e| PathBuf::from(e["path"].as_str().expect("p")))
        .collect();

    let listed = json(&d.data, &["playlists", "list", "--json"]);
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["name"], "Late night");
    assert_eq!(listed[0]["track_count"], 6);
    let id = listed[0]["id"].as_i64().expect("id").to_string();
    let shown = json(&d.data, &["playlists", "show", &id, "--json"]);
    assert_eq!(
        ids(shown["entries"].as_array().expect("entries")),
        ids(&made)
    );
    assert_eq!(shown["request"]["length"], 6);
    assert!(shown["entries"][0]["reasons"]
        .as_array()
        .is_some_and(|r| !r.is_empty()));

    // Exports: beside the music (relative paths) and elsewhere (absolute), M3U8 and XSPF; every
    // entry resolves to the right file, in order.
    let music_dir = PathBuf::from(
        d.tracks.values().next().expect("t")["path"]
            .as_str()
            .expect("p"),
    )
    .ancestors()
    .nth(3)
    .expect("demo dir")
    .to_path_buf();
    let elsewhere = tempfile::tempdir().expect("tempdir");
    for file in [
        music_dir.join("late.m3u8"),
        elsewhere.path().join("late.m3u8"),
        elsewhere.path().join("late night.xspf"),
    ] {
        let out = segue(
            &d.data,
            &["playlists", "export", &id, file.to_str().expect("utf8")],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let paths = if file.extension().is_some_and(|e| e == "xspf") {
            xspf_paths(&file)
        } else {
            m3u8_paths(&file)
        };
        assert_eq!(paths.len(), 6);
        for (got, want) in paths.iter().zip(&made_paths) {
            assert_eq!(
                std::fs::canonicalize(got).expect("exported path resolves"),
                std::fs::canonicalize(want).expect("track")
            );
        }
    }
    // A real player loads it: mpv (Debian's) plays every entry of both M3U8 files.
    for file in [
        music_dir.join("late.m3u8"),
        elsewhere.path().join("late.m3u8"),
    ] {
        let out = std::process::Command::new("mpv")
            .args([
                "--ao=null",
                "--vo=null",
                "--end=0.2",
                "--no-config",
                "--msg-level=all=info",
            ])
            .arg(format!("--playlist={}", file.display()))
            .output()
            .expect("mpv (installed by scripts/setup.sh --tests)");
        let log = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let played: Vec<&str> = log
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Playing: "))
            .collect();
        assert_eq!(played.len(), 6, "{log}");
        for (p, want) in played.iter().zip(&made_paths) {
            assert_eq!(
                std::fs::canonicalize(p).expect("played path"),
                std::fs::canonicalize(want).expect("track")
            );
        }
        assert!(!log.contains("Errors when loading"), "{log}");
    }
    let beside = std::fs::read_to_string(music_dir.join("late.m3u8")).expect("read");
    assert!(
        beside
            .lines()
            .filter(|l| !l.starts_with('#'))
            .all(|l| !l.starts_with('/')),
        "relative beside the music"
    );
    let away = std::fs::read_to_string(elsewhere.path().join("late.m3u8")).expect("read");
    assert!(
        away.lines()
            .filter(|l| !l.starts_with('#'))
            .all(|l| l.starts_with('/')),
        "absolute elsewhere"
    );
    // The export option of `segue playlist` writes the same.
    let direct = elsewhere.path().join("direct.xspf");
    d.playlist(&[&seed, "-n", "6", "--export", direct.to_str().expect("utf8")]);
    assert_eq!(
        xspf_paths(&direct),
        xspf_paths(&elsewhere.path().join("late night.xspf"))
    );

    // Rename, then delete.
    assert!(segue(&d.data, &["playlists", "rename", &id, "After dark"])
        .status
        .success());
    assert_eq!(
        json(&d.data, &["playlists", "list", "--json"])[0]["name"],
        "After dark"
    );
    assert!(segue(&d.data, &["playlists", "delete", &id])
        .status
        .success());
    assert_eq!(
        json(&d.data, &["playlists", "list", "--json"]),
        Value::Array(vec![])
    );
    let gone = segue(&d.data, &["playlists", "show", &id]);
    assert!(!gone.status.success());
    assert!(String::from_utf8_lossy(&gone.stderr).contains(&format!("no playlist with id {id}")));
}

/// A reason that only compares tempi ("same tempo", "tempo +3 %", "half time").
fn is_tempo_only(reason: &str) -> bool {
    reason == "same tempo"
        || reason == "double time"
        || reason == "half time"
        || reason.starts_with("tempo ")
}

/// The playlist a newcomer gets from every demo track with the default knobs: as long as the
/// library allows (all its tracks that sound like the seed, and a sentence saying so when that
/// is fewer than asked), never a row below the library's floor, and every row with a reason
/// beyond tempo.
#[tokio::test(flavor = "multi_thread")]
async fn every_demo_seed_gives_an_honest_default_playlist() {
    use segue::playlist::{Closeness, PlaylistRequest, Thresholds};
    let floor = Thresholds::default().floor;

    let d = demo();
    let library = segue::Library::open(&d.data).await.expect("open");
    library.index_ready().await.expect("index");
    let mut lengths = Vec::new();
    let mut band_rows = 0;
    for &seed in d.tracks.keys() {
        let request = PlaylistRequest {
            seeds: vec![seed],
            ..PlaylistRequest::default()
        };
        let playlist = library.make_playlist(&request).await.expect("playlist");
        let n = playlist.entries.len();
        lengths.push(n);
        // Most of its band (six tracks of one style): the demo is made to show that.
        assert!(n >= 3, "seed {seed}: {n} tracks ({:?})", playlist.shortfall);
        let artist = &d.tracks[&seed]["artist"];
        band_rows += playlist
            .entries
            .iter()
            .filter(|e| e.track.artist.as_deref() == artist.as_str())
            .count();
        // Everything that sounds alike, and no more: the similar tracks (floored) bound it.
        let similar = library
            .similar_answer(seed, 35)
            .await
            .expect("similar")
            .results;
        let alike = similar.len();
        // A track reads the same match in both lists (one seed: the same cosine, bit for bit).
        for e in &playlist.entries {
            let s = similar.iter().find(|s| s.track.id == e.track.id);
            assert_eq!(
                s.map(|s| (s.score, s.r#match)),
                Some((e.score, e.r#match)),
                "seed {seed}, track {}",
                e.track.id
            );
        }
        if n < request.length {
            let why = playlist
                .shortfall
                .as_deref()
                .expect("a short list says why");
            assert!(why.contains("sound like"), "{why}");
            assert_eq!(n, alike, "seed {seed}: short, yet more sound alike ({why})");
        }
        for e in &playlist.entries {
            let closeness = e.closeness.expect("a calibrated library");
            assert!(closeness > Closeness::Unlike, "seed {seed}: {e:?}");
            assert!(e.r#match.is_some_and(|m| m >= floor), "seed {seed}: {e:?}");
            assert!(
                e.reasons.iter().any(|r| !is_tempo_only(r)),
                "seed {seed}: {:?} has only tempo reasons {:?}",
                e.track.title,
                e.reasons
            );
        }
    }
    assert_eq!(lengths.len(), 36);
    let rows: usize = lengths.iter().sum();
    eprintln!("default playlist lengths over the demo seeds: {lengths:?}; {band_rows} of {rows} rows from the seed's band");
    assert!(
        band_rows * 10 >= rows * 8,
        "{band_rows} of {rows} rows from the seed's band"
    );
}

/// A playlist from a file outside the library (`--like-file`, what a file dropped on the app
/// makes): the file's sound is the seed — a copy of a demo track gives its twin first and then
/// the twin's own playlist —, it saves and reopens like any list (explained against the file
/// while it is there, and still listed once it is gone), and a file that is not audio is a
/// clear error, not a list.
#[test]
fn a_playlist_from_a_file_outside_the_library() {
    let d = demo();
    let seed = d.id_of("Afterhours");
    let source = PathBuf::from(d.tracks[&seed]["path"].as_str().expect("path"));
    let outside = tempfile::tempdir().expect("tempdir");
    let copy = outside.path().join(format!(
        "dropped.{}",
        source.extension().and_then(|e| e.to_str()).expect("ext")
    ));
    std::fs::copy(&source, &copy).expect("copy");
    let copy_arg = copy.to_str().expect("utf8");

    // As many as sound like the seed (its default list stops at the floor).
    let n = d.playlist(&[&seed.to_string()]).len();
    assert!(n >= 4, "{n} tracks sound like Afterhours");
    let n_arg = n.to_string();
    let from_file = d.playlist(&["--like-file", copy_arg, "-n", &n_arg]);
    let from_seed = d.playlist(&[&seed.to_string(), "-n", &n_arg]);
    assert_eq!(from_file.len(), n, "{from_file:?}");
    // The copy is the same song as its twin (same title and artist): the twin is left out as
    // a seed's duplicate, and the rest is the twin's own playlist.
    assert!(!ids(&from_file).contains(&seed));
    let alike = |a: &[Value], b: &[Value]| {
        let b: HashSet<i64> = ids(b).into_iter().collect();
        ids(a).iter().filter(|id| b.contains(id)).count()
    };
    let shared = alike(&from_file, &from_seed);
    assert!(
        shared + 1 >= n,
        "{shared} of {n} shared: {:?} vs {:?}",
        ids(&from_file),
        ids(&from_seed)
    );
    assert_eq!(from_file[0]["id"], from_seed[0]["id"]);
    let (a, b) = (
        from_file[0]["score"].as_f64(),
        from_seed[0]["score"].as_f64(),
    );
    assert!(
        (a.expect("score") - b.expect("score")).abs() < 1e-3,
        "{a:?} {b:?}"
    );
    // `segue similar` of the file lists the twin first, near 1 (it is a library track).
    let similar = json(&d.data, &["similar", copy_arg, "-n", "3", "--json"]);
    assert_eq!(similar[0]["id"].as_i64(), Some(seed));
    for e in &from_file {
        assert!(
            e["reasons"].as_array().is_some_and(|r| !r.is_empty()),
            "{e}"
        );
    }
    // With a seed track too: both count (the list no longer holds that track).
    let other = d.id_of("Wildflower Ridge").to_string();
    let both = d.playlist(&[&other, "--like-file", copy_arg, "-n", &n_arg]);
    assert!(!ids(&both).contains(&other.parse().expect("id")));

    // Saved: the request keeps the file; reopened, the rows are scored against it.
    let saved = d.playlist(&["--like-file", copy_arg, "-n", &n_arg, "--save", "Dropped"]);
    let listed = json(&d.data, &["playlists", "list", "--json"]);
    let id = listed[0]["id"].as_i64().expect("id").to_string();
    let shown = json(&d.data, &["playlists", "show", &id, "--json"]);
    assert_eq!(shown["request"]["seed_file"].as_str(), Some(copy_arg));
    assert_eq!(ids(shown["entries"].as_array().expect("e")), ids(&saved));
    // Every row as it was made: the passages rescore the same tracks the same way.
    for (reopened, made) in shown["entries"].as_array().expect("e").iter().zip(&saved) {
        let (a, b) = (reopened["score"].as_f64(), made["score"].as_f64());
        assert!(
            (a.expect("score") - b.expect("score")).abs() < 1e-4,
            "{a:?} {b:?}"
        );
        assert_eq!(reopened["reasons"], made["reasons"]);
    }
    // The file gone: the list still opens, every track listed.
    std::fs::remove_file(&copy).expect("rm");
    let shown = json(&d.data, &["playlists", "show", &id, "--json"]);
    assert_eq!(ids(shown["entries"].as_array().expect("e")), ids(&saved));

    // The library's own file as the "outside" file: its track is left out, as a seed is.
    let own = d.playlist(&["--like-file", source.to_str().expect("utf8"), "-n", &n_arg]);
    assert!(!ids(&own).contains(&seed));
    assert!(alike(&own, &from_seed) + 1 >= n);

    // Not audio: a clear error naming the file.
    let text = outside.path().join("notes.mp3");
    std::fs::write(&text, "not music at all, just words").expect("write");
    let out = segue(
        &d.data,
        &[
            "playlist",
            "--like-file",
            text.to_str().expect("utf8"),
            "--json",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("notes.mp3"), "{err}");
}
