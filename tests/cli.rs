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

/// The `segue` binary on `data`, started in the background.
fn spawn_segue(data: &std::path::Path, args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_segue"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn segue")
}

/// Two processes on one library: while a `segue scan` holds it, a second scan (or any other
/// command that writes, or `segue doctor`) is refused at once with a message naming the first,
/// and changes nothing, while reading commands run beside it; two scans started together end
/// with every file in the library once and a database that passes `segue doctor`.
#[test]
fn a_second_process_is_refused_while_one_holds_the_library() {
    let (_root, music, data) = temp_dirs();
    for i in 0..40 {
        write_audio(
            &music.join(format!("t{i:02}.wav")),
            Fmt::Wav,
            1.0,
            200.0 + 10.0 * i as f32,
        );
    }
    let folder = music.to_str().expect("utf-8 temp path");
    assert!(segue(&data, &["folder", "add", folder]).status.success());

    // Hold the first scan still once it has the library and has written to it (its database is
    // open and past SQLite's start-up, which a reader would wait on): the overlap is certain.
    let wal = data.join(format!("{}-wal", segue::DATABASE_FILE));
    let wal_len = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    let before_scan = wal_len();
    let mut first = spawn_segue(&data, &["scan", "--no-analyze"]);
    let lock = data.join("segue.lock");
    let holder = first.id().to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let holds = || std::fs::read_to_string(&lock).is_ok_and(|s| s.lines().next() == Some(&holder));
    let wrote = || wal_len() > before_scan;
    while !(holds() && wrote()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the scan never took the library"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // SAFETY: signalling a child process we spawned.
    assert_eq!(unsafe { libc::kill(first.id() as i32, libc::SIGSTOP) }, 0);
    for args in [&["scan"][..], &["folder", "ls"], &["doctor"]] {
        let refused = segue(&data, args);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            !refused.status.success(),
            "segue {args:?} ran beside the scan"
        );
        assert!(
            stderr.contains("is in use by segue scan")
                && stderr.contains(&format!("process {holder}")),
            "segue {args:?}: {stderr}"
        );
    }
    // Reading commands are let in as guests: they see what the scan has committed so far, and
    // write nothing (no backup, no saved index).
    let backups = || std::fs::read_dir(data.join("backups")).map_or(0, |d| d.count());
    let before = backups();
    let guest = json(&data, &["tracks", "--json"]);
    assert!(guest.as_array().map(Vec::len) <= Some(40));
    assert!(json(&data, &["stats", "--json"]).is_object());
    assert_eq!(backups(), before, "a guest made a backup");
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(first.id() as i32, libc::SIGCONT) }, 0);
    assert!(first.wait().expect("wait").success());
    assert_eq!(
        json(&data, &["tracks", "--json"]).as_array().map(Vec::len),
        Some(40)
    );

    // Two scans at once, after a change: each either scans or says the library is busy.
    for i in 40..60 {
        write_audio(&music.join(format!("t{i:02}.wav")), Fmt::Wav, 1.0, 220.0);
    }
    let racers = [
        spawn_segue(&data, &["scan", "--no-analyze"]),
        spawn_segue(&data, &["scan", "--no-analyze"]),
    ];
    let mut scanned = 0;
    for racer in racers {
        let out = racer.wait_with_output().expect("wait");
        if out.status.success() {
            scanned += 1;
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("is in use by segue scan"), "{stderr}");
        }
    }
    assert!(scanned >= 1, "neither scan ran");
    let tracks = json(&data, &["tracks", "--json"]);
    let mut paths: Vec<&str> = tracks
        .as_array()
        .expect("array")
        .iter()
        .map(|t| t["path"].as_str().expect("path"))
        .collect();
    paths.sort_unstable();
    paths.dedup();
    assert_eq!(paths.len(), 60, "every file once");
    assert_eq!(
        tracks.as_array().map(Vec::len),
        Some(60),
        "no duplicate rows"
    );
    let doctor = segue(&data, &["doctor"]);
    assert!(
        doctor.status.success(),
        "{}",
        String::from_utf8_lossy(&doctor.stdout)
    );
}
