//! The `segue` CLI as a script would use it: JSON documents on stdout with the documented
//! fields, clear errors, and the demo library end to end.

mod common;

use common::*;

#[test]
fn folder_scan_tracks_failures_stats_as_json() {
    let (_root, music, data) = temp_dirs();
    write_tagged(
        &music.join("a/one.flac"),
        Fmt::Flac,
        2.0,
        &tags("One", "Nils Frahm", "Felt"),
    );
    write_audio(&music.join("a/two.wav"), Fmt::Wav, 1.5, 330.0);
    std::fs::write(music.join("a/bad.mp3"), b"plain text, not audio").expect("write");

    let added = segue(
        &data,
        &["folder", "add", music.to_str().expect("utf-8 temp path")],
    );
    assert!(added.status.success());
    let folders = json(&data, &["folder", "ls", "--json"]);
    assert_eq!(folders.as_array().expect("array").len(), 1);

    let summary = json(&data, &["scan", "--json"]);
    assert_eq!(
        (summary["added"].as_u64(), summary["failed"].as_u64()),
        (Some(2), Some(1))
    );

    let tracks = json(&data, &["tracks", "--json"]);
    let tracks = tracks.as_array().expect("array");
    assert_eq!(tracks.len(), 2);
    for field in [
        "id",
        "path",
        "title",
        "artist",
        "album",
        "duration_s",
        "format",
        "sample_rate",
        "channels",
        "status",
    ] {
        assert!(
            tracks.iter().all(|t| t.get(field).is_some()),
            "every track has {field}"
        );
    }
    let one = tracks
        .iter()
        .find(|t| t["title"] == "One")
        .expect("tagged track");
    assert_eq!(one["artist"], "Nils Frahm");
    assert_eq!(one["format"], "FLAC");
    assert!((one["duration_s"].as_f64().expect("number") - 2.0).abs() < 0.01);

    let found = json(&data, &["tracks", "--search", "one frahm", "--json"]);
    assert_eq!(found.as_array().expect("array").len(), 1);

    let failures = json(&data, &["failures", "--json"]);
    let failure = &failures.as_array().expect("array")[0];
    assert!(failure["path"].as_str().expect("path").ends_with("bad.mp3"));
    assert_eq!(failure["stage"], "scan");
    assert!(failure["reason"]
        .as_str()
        .expect("reason")
        .contains("not audio"));

    let stats = json(&data, &["stats", "--json"]);
    assert_eq!(
        (
            stats["tracks"].as_i64(),
            stats["failures"].as_i64(),
            stats["folders"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );

    // Removing the folder forgets its tracks (not the files).
    let removed = segue(&data, &["folder", "rm", "1"]);
    assert!(removed.status.success());
    assert_eq!(json(&data, &["stats", "--json"])["tracks"], 0);
    assert!(music.join("a/one.flac").exists());

    // Mistakes get a clear message and a failing exit code, not a panic.
    let missing = segue(&data, &["folder", "add", "/definitely/not/here"]);
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("/definitely/not/here") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn demo_library_is_varied_and_tagged() {
    let (_root, _music, data) = temp_dirs();
    let summary = json(&data, &["demo", "--json"]);
    assert_eq!(summary["added"], 36);
    assert_eq!(summary["failed"], 0);
    let tracks = json(&data, &["tracks", "--json"]);
    let tracks = tracks.as_array().expect("array");
    let distinct = |field: &str| {
        let mut values: Vec<String> = tracks.iter().map(|t| t[field].to_string()).collect();
        values.sort();
        values.dedup();
        values.len()
    };
    assert_eq!(distinct("artist"), 6);
    assert_eq!(distinct("genre"), 6);
    assert_eq!(distinct("format"), 2);
    assert!(tracks
        .iter()
        .all(|t| t["title"].is_string() && t["duration_s"].as_f64() == Some(24.0)));
    // Running it again changes nothing.
    let again = json(&data, &["demo", "--json"]);
    assert_eq!(again["added"], 0);
}
