//! `kill -9` in the middle of a scan leaves a sound database, and the next scan finishes the
//! job: no duplicates, nothing lost.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use sqlx::Row;

const FILES: usize = 4_000;

#[tokio::test]
async fn killed_scan_resumes_cleanly() {
    let (_root, music, data) = temp_dirs();
    let samples_per_file = 2_205; // 0.1 s
    for i in 0..FILES {
        let hz = 200.0 + i as f32 * 0.37; // every file different, so every identity differs
        let samples =
            segue::audio::synth::sine(RATE, samples_per_file as f32 / RATE as f32, hz, 0.5);
        let path = music.join(format!("{:02}/{i:05}.wav", i % 40));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        segue::audio::encode::write_wav(&path, RATE, &samples).expect("wav");
    }
    let segue = env!("CARGO_BIN_EXE_segue");
    let status = Command::new(segue)
        .arg("--data-dir")
        .arg(&data)
        .args(["folder", "add"])
        .arg(&music)
        .stdout(Stdio::null())
        .status()
        .expect("run segue");
    assert!(status.success());

    let mut child = Command::new(segue)
        .arg("--data-dir")
        .arg(&data)
        .args(["scan", "--workers", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn scan");
    let store = segue::Store::open(&data.join(segue::DATABASE_FILE))
        .await
        .expect("open db");
    let started = Instant::now();
    // Wait until some batches are committed, then kill without warning.
    loop {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tracks")
            .fetch_one(store.pool())
            .await
            .expect("count");
        if n >= 500 {
            break;
        }
        assert!(
            child.try_wait().expect("wait").is_none(),
            "scan ended before it could be killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "scan made no progress"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    let status = child.wait().expect("wait");
    assert!(
        !status.success(),
        "the scan must have been killed, not finished"
    );
    let partial: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tracks")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert!(
        partial < FILES as i64,
        "killed mid-scan: {partial} of {FILES}"
    );
    eprintln!("killed after {partial} of {FILES} files were committed");
    drop(store);

    // Rerun to completion.
    let output = Command::new(segue)
        .arg("--data-dir")
        .arg(&data)
        .args(["scan", "--json"])
        .output()
        .expect("rerun scan");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json summary");
    assert_eq!(summary["found"], FILES as u64);
    assert_eq!(summary["failed"], 0);
    assert_eq!(
        summary["unchanged"].as_u64().expect("n") as i64,
        partial,
        "committed work is not redone"
    );

    let store = segue::Store::open(&data.join(segue::DATABASE_FILE))
        .await
        .expect("open db");
    assert_eq!(store.integrity_check().await.expect("check"), "ok");
    let row = sqlx::query("SELECT COUNT(*) AS n, COUNT(DISTINCT path_bytes) AS paths, COUNT(DISTINCT partial_hash) AS ids FROM tracks")
        .fetch_one(store.pool())
        .await
        .expect("counts");
    let (n, paths, ids): (i64, i64, i64) = (row.get("n"), row.get("paths"), row.get("ids"));
    assert_eq!((n, paths, ids), (FILES as i64, FILES as i64, FILES as i64));
    let fk: Vec<sqlx::sqlite::SqliteRow> = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(store.pool())
        .await
        .expect("fk check");
    assert!(fk.is_empty());
}
