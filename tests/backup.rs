//! Backups and recovery: a damaged database (pages overwritten, cut short, deleted, garbage)
//! is restored on the next open from the newest good backup, with every folder, track,
//! playlist (track by track) and counter back; `kill -9` during backups never leaves a
//! half-written file under a backup's name; the playlists' M3U8 files follow save, rename,
//! set-tracks and delete; `segue doctor` on a good and a damaged library; a disk that fills up
//! loses nothing.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use segue::library::backups;
use segue::library::mirror::{file_name, PLAYLISTS_DIR};
use segue::{Library, DATABASE_FILE};
use sqlx::Row;

/// Everything a restore must bring back, read straight from the database.
#[derive(Debug, PartialEq)]
struct Contents {
    folders: Vec<(i64, String)>,
    tracks: Vec<(i64, String, Option<String>, String)>,
    features: Vec<(i64, i64, i64)>,
    playlists: Vec<(i64, String, Option<String>, Vec<i64>)>,
    counters: Vec<(String, i64)>,
}

async fn contents(library: &Library) -> Contents {
    let pool = library.store().pool();
    let folders = sqlx::query("SELECT id, path FROM folders ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("folders")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let tracks = sqlx::query("SELECT id, path, title, status FROM tracks ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("tracks")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let features = sqlx::query("SELECT track_id, version, seq FROM features ORDER BY track_id")
        .fetch_all(pool)
        .await
        .expect("features")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let mut playlists = Vec::new();
    for r in sqlx::query("SELECT id, name, request FROM playlists ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("playlists")
    {
        let id: i64 = r.get(0);
        let (_, ids) = library
            .store()
            .playlist_contents(id)
            .await
            .expect("contents");
        playlists.push((id, r.get(1), r.get(2), ids));
    }
    let counters = sqlx::query("SELECT name, value FROM counters ORDER BY name")
        .fetch_all(pool)
        .await
        .expect("counters")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    Contents {
        folders,
        tracks,
        features,
        playlists,
        counters,
    }
}

/// A library of `tracks` synthetic analysed tracks with three saved playlists, closed (its
/// backups written); what it holds.
async fn made_library(data: &Path, tracks: i64) -> Contents {
    let library = Library::open(data).await.expect("open");
    library
        .seed_synthetic_tracks(tracks)
        .await
        .expect("seed tracks");
    library
        .store()
        .seed_synthetic_analysis(4, 7)
        .await
        .expect("seed analysis");
    library
        .save_playlist("Late night", None, &[3, 1, 2])
        .await
        .expect("save");
    let request = segue::playlist::PlaylistRequest {
        seeds: vec![5],
        ..Default::default()
    };
    library
        .save_playlist("Run: fast/slow?", Some(&request), &[5, 8, 13, 21])
        .await
        .expect("save");
    library
        .save_playlist("Empty", None, &[])
        .await
        .expect("save");
    let made = contents(&library).await;
    library.close().await;
    settled(data).await;
    assert!(!backups::list(data).is_empty(), "a backup was made");
    made
}

/// Waits until the closed database's last connection has checkpointed its WAL into the file
/// (sqlx closes connections on their own threads): only then may a test change the file. An
/// empty WAL may stay behind (a connection that closed while another still held the file
/// leaves it); it holds nothing, and the next open ignores it.
async fn settled(data: &Path) {
    let wal = data.join(format!("{DATABASE_FILE}-wal"));
    for _ in 0..500 {
        if !wal.metadata().is_ok_and(|m| m.len() > 0) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let size = wal.metadata().map(|m| m.len());
    let open: Vec<String> = std::fs::read_dir("/proc/self/fd")
        .map(|d| {
            d.flatten()
                .filter_map(|e| std::fs::read_link(e.path()).ok())
                .filter(|l| l.starts_with(data))
                .map(|l| l.display().to_string())
                .collect()
        })
        .unwrap_or_default();
    panic!("the WAL of a closed database is still there ({size:?} bytes); open: {open:?}");
}

/// Opens the library again and checks it was restored with everything in it.
async fn assert_restored(data: &Path, made: &Contents, what: &str) -> Arc<Library> {
    let started = std::time::Instant::now();
    let library = Library::open(data).await.expect("open restores");
    eprintln!("{what}: restored in {:?}", started.elapsed());
    let recovery = library.recovery().expect("the open says it restored");
    assert!(recovery.backup_used.is_some(), "{what}: {recovery:?}");
    assert!(
        recovery.message.contains("restored the backup"),
        "{what}: {}",
        recovery.message
    );
    if let Some(moved) = &recovery.moved_to {
        assert!(Path::new(moved).join(DATABASE_FILE).exists(), "{what}");
    }
    assert_eq!(&contents(&library).await, made, "{what}");
    assert_eq!(
        library.store().integrity_check().await.expect("check"),
        "ok"
    );
    library
}

fn db(data: &Path) -> PathBuf {
    data.join(DATABASE_FILE)
}

/// A way of damaging the database file, by name.
type Damage = (&'static str, fn(&Path));

#[tokio::test]
async fn damaged_database_is_restored_from_the_newest_good_backup() {
    let damages: [Damage; 4] = [
        ("pages overwritten in the middle", |db| {
            let bytes = std::fs::read(db).expect("read");
            let mut bytes = bytes.clone();
            let (from, to) = (bytes.len() / 3 / 4096 * 4096, bytes.len() * 2 / 3);
            for b in &mut bytes[from..to] {
                *b = 0xA5;
            }
            std::fs::write(db, bytes).expect("write");
        }),
        ("truncated", |db| {
            let len = std::fs::metadata(db).expect("meta").len();
            let f = std::fs::File::options().write(true).open(db).expect("open");
            f.set_len(len / 2).expect("truncate");
        }),
        ("deleted", |db| {
            std::fs::remove_file(db).expect("delete");
        }),
        ("garbage", |db| {
            let len = std::fs::metadata(db).expect("meta").len() as usize;
            let garbage: Vec<u8> = (0..len).map(|i| (i * 7919 % 251) as u8).collect();
            std::fs::write(db, garbage).expect("write");
        }),
    ];
    for (what, damage) in damages {
        let root = tempfile::tempdir().expect("tempdir");
        let data = root.path().join("data");
        let made = made_library(&data, 1_000).await;
        // A half-written temp file (a copy interrupted) must never be taken for a backup.
        std::fs::write(
            data.join(backups::BACKUP_DIR)
                .join(".tmp-99-library-x.sqlite3"),
            b"half",
        )
        .expect("write");
        damage(&db(&data));
        let library = assert_restored(&data, &made, what).await;
        // The playlists' files are back too, one per playlist.
        let files = std::fs::read_dir(data.join(PLAYLISTS_DIR))
            .expect("playlists dir")
            .count();
        assert_eq!(files, made.playlists.len(), "{what}");
        library.close().await;
        // Restored once: the next open has nothing to say.
        let again = Library::open(&data).await.expect("open");
        assert!(again.recovery().is_none(), "{what}");
        again.close().await;
    }
}

/// A clean close notes the database file as it left it, and the next open skips the file's
/// check (a full read: seconds at a million tracks) only while the file is exactly so: any
/// change since — damage included — and the check runs; after a crash (no note) it runs too.
#[tokio::test]
async fn the_open_checks_the_file_unless_it_is_exactly_as_a_clean_close_left_it() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    let made = made_library(&data, 1_000).await;
    let note = data.join("clean-close.json");
    assert!(note.exists(), "a clean close leaves its note");
    let library = Library::open(&data).await.expect("open");
    assert!(library.recovery().is_none());
    assert!(!note.exists(), "the note is used up by the open");
    assert_eq!(contents(&library).await, made);
    library.close().await;
    settled(&data).await;
    // Damaged, the file's size and time put back as noted: the check is skipped (what the
    // note trusts), and the damage shows later, where SQLite reads those pages.
    let damage = |db: &Path| {
        let meta = std::fs::metadata(db).expect("meta");
        let mut bytes = std::fs::read(db).expect("read");
        let (from, to) = (bytes.len() / 3 / 4096 * 4096, bytes.len() * 2 / 3);
        for b in &mut bytes[from..to] {
            *b = 0xA5;
        }
        std::fs::write(db, bytes).expect("write");
        meta
    };
    let meta = damage(&db(&data));
    std::fs::File::options()
        .write(true)
        .open(db(&data))
        .expect("open")
        .set_modified(meta.modified().expect("mtime"))
        .expect("set mtime");
    let trusted = Library::open(&data).await.expect("open");
    assert!(
        trusted.recovery().is_none(),
        "an unchanged file (as far as size and time tell) is not checked"
    );
    drop(trusted);
    // The same damage with the time it was written at: checked, found, restored. (The open
    // above used the note up, so the file is checked again whatever its time.)
    assert!(!note.exists());
    damage(&db(&data));
    let library = assert_restored(&data, &made, "damaged after a clean close").await;
    library.close().await;
}

#[tokio::test]
async fn a_damaged_newest_backup_is_passed_over() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    let made = made_library(&data, 300).await;
    let good = backups::list(&data);
    // A newer "backup" that is garbage.
    let bad = data
        .join(backups::BACKUP_DIR)
        .join("library-29991231T000000.000Z.sqlite3");
    std::fs::write(&bad, vec![0x42; 65_536]).expect("write");
    std::fs::write(db(&data), b"not a database at all").expect("write");
    let library = assert_restored(&data, &made, "newest backup damaged").await;
    let used = library
        .recovery()
        .and_then(|r| r.backup_used.clone())
        .expect("used");
    assert_eq!(Path::new(&used), good[0].path);
    library.close().await;
}

#[tokio::test]
async fn no_good_backup_starts_empty_and_keeps_the_playlist_files() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    let made = made_library(&data, 100).await;
    for b in backups::list(&data) {
        std::fs::write(&b.path, b"garbage").expect("write");
    }
    std::fs::write(db(&data), vec![0u8; 100_000]).expect("write");
    let library = Library::open(&data).await.expect("open");
    let recovery = library.recovery().expect("recovery").clone();
    assert!(recovery.backup_used.is_none());
    assert!(
        recovery.message.contains("No good backup"),
        "{}",
        recovery.message
    );
    assert_eq!(library.stats().await.expect("stats").tracks, 0);
    let kept = Path::new(&recovery.playlists_dir);
    for (id, name, _, _) in &made.playlists {
        assert!(
            kept.join(file_name(name, *id)).is_file(),
            "{name} kept in {}",
            kept.display()
        );
    }
    assert!(recovery.message.contains(&recovery.playlists_dir));
    // The tracks come back (here: the same made-up rows; for a user, a scan of the folders
    // added again), then the kept files are saved as playlists again, track by track.
    library.seed_synthetic_tracks(100).await.expect("seed");
    for (id, name, _, ids) in &made.playlists {
        let (saved, missing) = library
            .import_playlist(&kept.join(file_name(name, *id)))
            .await
            .expect("import");
        assert!(missing.is_empty(), "{name}: {missing:?}");
        assert_eq!(&saved.name, name);
        let (_, imported) = library
            .store()
            .playlist_contents(saved.id)
            .await
            .expect("contents");
        assert_eq!(&imported, ids, "{name}");
    }
    library.close().await;
}

#[tokio::test]
async fn the_cli_says_it_restored_once() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    let made = made_library(&data, 200).await;
    std::fs::remove_file(db(&data)).expect("delete");
    let first = segue(&data, &["playlists", "list", "--json"]);
    assert!(first.status.success());
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(stderr.contains("restored the backup"), "{stderr}");
    let listed: serde_json::Value = serde_json::from_slice(&first.stdout).expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(made.playlists.len()));
    let second = segue(&data, &["stats"]);
    assert!(second.status.success());
    assert!(!String::from_utf8_lossy(&second.stderr).contains("restored"));
}

#[tokio::test]
async fn doctor_on_a_good_and_a_damaged_library() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    let made = made_library(&data, 500).await;
    let good = json(&data, &["doctor", "--json"]);
    assert_eq!(good["ok"], true, "{good:#}");
    let whats: Vec<&str> = good["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["what"].as_str())
        .collect();
    assert!(
        whats.contains(&"database") && whats.contains(&"backup") && whats.contains(&"playlists")
    );
    let plain = segue(&data, &["doctor"]);
    assert!(plain.status.success());
    assert!(String::from_utf8_lossy(&plain.stdout).contains("ok   database"));

    // Damage: pages in the middle.
    let path = db(&data);
    let mut bytes = std::fs::read(&path).expect("read");
    let (from, to) = (bytes.len() / 3 / 4096 * 4096, bytes.len() * 2 / 3);
    for b in &mut bytes[from..to] {
        *b = 0xFF;
    }
    std::fs::write(&path, &bytes).expect("write");
    let bad = segue(&data, &["doctor"]);
    assert!(!bad.status.success(), "a damaged database is an error");
    assert!(String::from_utf8_lossy(&bad.stdout).contains("BAD  database"));
    // Checking changed nothing.
    assert_eq!(std::fs::read(&path).expect("read"), bytes);
    let repaired = segue(&data, &["doctor", "--repair", "--json"]);
    assert!(
        repaired.status.success(),
        "{}",
        String::from_utf8_lossy(&repaired.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&repaired.stdout).expect("json");
    assert_eq!(report["ok"], true, "{report:#}");
    assert!(!report["repaired"].as_array().expect("repaired").is_empty());
    let library = Library::open(&data).await.expect("open");
    assert!(library.recovery().is_none(), "already repaired by hand");
    assert_eq!(contents(&library).await, made);
    library.close().await;
}

/// Playlist `id`'s file lists its tracks in order, by path, under its name.
async fn m3u8_matches(library: &Library, dir: &Path, id: i64, name: &str) {
    let text = std::fs::read_to_string(dir.join(file_name(name, id))).expect("m3u8");
    let paths: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    let (_, ids) = library
        .store()
        .playlist_contents(id)
        .await
        .expect("contents");
    let mut expected = Vec::new();
    for t in ids {
        expected.push(library.existing_track(t).await.expect("track").path);
    }
    assert_eq!(paths, expected, "{name}");
    assert!(text.contains(&format!("#PLAYLIST:{name}")));
}

#[tokio::test]
async fn playlist_files_follow_save_rename_set_and_delete() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    let library = Library::open(&data).await.expect("open");
    library.seed_synthetic_tracks(50).await.expect("seed");
    let dir = data.join(PLAYLISTS_DIR);
    let a = library
        .save_playlist("Morning", None, &[1, 2, 3])
        .await
        .expect("save");
    let b = library
        .save_playlist("Evening / late", None, &[10, 9])
        .await
        .expect("save");
    let files = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        files(&dir),
        [
            file_name("Evening / late", b.id),
            file_name("Morning", a.id)
        ]
    );
    m3u8_matches(&library, &dir, a.id, "Morning").await;
    m3u8_matches(&library, &dir, b.id, "Evening / late").await;
    library.rename_playlist(a.id, "Dawn").await.expect("rename");
    library
        .set_playlist_tracks(a.id, &[7, 1, 5, 2])
        .await
        .expect("set");
    m3u8_matches(&library, &dir, a.id, "Dawn").await;
    library.delete_playlist(b.id).await.expect("delete");
    assert_eq!(files(&dir), [file_name("Dawn", a.id)]);
    library.close().await;
}

/// A child process making backups in a loop, killed at random moments: every file under a
/// backup's name opens and checks ok, and the newest restores.
#[tokio::test]
async fn killed_backups_leave_only_complete_ones() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    let made = made_library(&data, 5_000).await;
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.subsec_nanos() as u64 | 1);
    let mut killed_mid_copy = 0;
    for round in 0..6 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_segue"))
            .arg("--data-dir")
            .arg(&data)
            .args(["bench", "backup", "--repeat", "10000"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let wait = 150 + seed % 900;
        std::thread::sleep(Duration::from_millis(wait));
        assert!(child.try_wait().expect("wait").is_none(), "still copying");
        // SAFETY: sending a signal to our own child process.
        unsafe {
            libc::kill(child.id() as i32, libc::SIGKILL);
        }
        let _ = child.wait();
        // A temp file left behind: this kill landed in the middle of a copy (removed, so the
        // next round counts afresh).
        let temp: Vec<PathBuf> = std::fs::read_dir(data.join(backups::BACKUP_DIR))
            .expect("dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
            .map(|e| e.path())
            .collect();
        killed_mid_copy += usize::from(!temp.is_empty());
        for t in temp {
            std::fs::remove_file(t).expect("remove temp");
        }
        let all = backups::list(&data);
        assert!(!all.is_empty(), "round {round}");
        for b in &all {
            let problem = segue::store::check_file(&b.path, true, true)
                .await
                .expect("check");
            assert_eq!(problem, None, "round {round}: {}", b.path.display());
        }
    }
    eprintln!("{killed_mid_copy} of 6 kills landed in the middle of a copy");
    std::fs::remove_file(db(&data)).expect("delete");
    let _ = std::fs::remove_file(data.join(format!("{DATABASE_FILE}-wal")));
    let _ = std::fs::remove_file(data.join(format!("{DATABASE_FILE}-shm")));
    assert_restored(&data, &made, "after killed backups")
        .await
        .close()
        .await;
}

/// A database put back to an older backup by hand, behind the saved index's back (its
/// `features.seq` went back): the index is rebuilt from the older features, not trusted, and
/// nothing crashes.
#[tokio::test]
async fn an_older_database_under_a_newer_index_rebuilds_it() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    let library = Library::open(&data).await.expect("open");
    library.seed_synthetic_tracks(300).await.expect("seed");
    library
        .store()
        .seed_synthetic_analysis(4, 3)
        .await
        .expect("analysis");
    library.index_ready().await.expect("index");
    let older = library.backup_now().await.expect("backup").expect("made");
    library.seed_synthetic_tracks(200).await.expect("seed");
    library
        .store()
        .seed_synthetic_analysis(4, 5)
        .await
        .expect("analysis");
    library.sync_index().await;
    library.wait_index_idle().await;
    library.sync_index().await;
    assert_eq!(library.index_stats().expect("stats").count, 500);
    // The older database with the newer index beside it, in a data dir of their own (the
    // first library's connections may still be closing on their threads).
    let moved = root.path().join("moved");
    std::fs::create_dir_all(moved.join(segue::INDEX_DIR)).expect("mkdir");
    for e in std::fs::read_dir(data.join(segue::INDEX_DIR))
        .expect("index")
        .flatten()
    {
        std::fs::copy(e.path(), moved.join(segue::INDEX_DIR).join(e.file_name())).expect("copy");
    }
    std::fs::copy(&older.path, db(&moved)).expect("put the older copy back");
    library.close().await;
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(moved.join(segue::INDEX_DIR).join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    assert_eq!(manifest["count"], 500, "the newer index is on disk");
    let data = moved;
    let library = Library::open(&data).await.expect("open");
    assert!(library.recovery().is_none(), "a sound (older) file");
    library.index_ready().await.expect("index");
    library.wait_index_idle().await;
    library.index_ready().await.expect("index");
    assert_eq!(library.index_stats().expect("stats").count, 300);
    let similar = library.similar(1, 5).await.expect("similar");
    assert!(similar.is_some_and(|s| s.iter().all(|t| t.track.id <= 300)));
    library.close().await;
}

/// A disk that fills up while Segue writes: the writes fail with errors (no panic, no damage),
/// and once there is room again the library opens with everything it held before — every
/// folder, track, feature, counter and playlist — and passes its integrity check. A real full
/// file system: a 64 MB tmpfs, mounted for the test (root, as CI runs).
#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_loses_nothing() {
    use std::io::Write;
    assert!(
        is_root(),
        "this test mounts a small file system: run it as root"
    );
    let root = tempfile::tempdir().expect("tempdir");
    let small = root.path().join("small");
    std::fs::create_dir_all(&small).expect("mkdir");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64m", "tmpfs"])
        .arg(&small)
        .status()
        .expect("run mount");
    assert!(mounted.success(), "mounting a tmpfs at {}", small.display());
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(small.clone());

    let data = small.join("data");
    let made = made_library(&data, 1_000).await;
    // Open, then fill what is left of the file system under the open library.
    let library = Library::open(&data).await.expect("open");
    let filler = small.join("filler");
    {
        let mut f = std::fs::File::create(&filler).expect("create filler");
        let chunk = vec![0x5Au8; 1 << 16];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
    }
    // Its writes fail, with errors.
    let mut failures = Vec::new();
    if let Err(e) = library.seed_synthetic_tracks(5_000).await {
        failures.push(format!("adding tracks: {e}"));
    }
    if let Err(e) = library.save_playlist("On a full disk", None, &[1, 2]).await {
        failures.push(format!("saving a playlist: {e}"));
    }
    library.close().await;
    assert!(!failures.is_empty(), "nothing failed on a full disk");
    // So does opening it again (SQLite's shared memory file needs room).
    if let Err(e) = Library::open(&data).await {
        failures.push(format!("opening: {e}"));
    }
    eprintln!("on the full disk: {failures:?}");

    std::fs::remove_file(&filler).expect("remove filler");
    let library = Library::open(&data).await.expect("open once there is room");
    if let Some(recovery) = library.recovery() {
        eprintln!("after the full disk: {}", recovery.message);
    }
    let now = contents(&library).await;
    assert_eq!(now.folders, made.folders);
    for (what, before, after) in [
        ("tracks", made.tracks.len(), now.tracks.len()),
        ("features", made.features.len(), now.features.len()),
    ] {
        assert!(after >= before, "{what}: {after} of {before}");
    }
    assert_eq!(
        now.tracks[..made.tracks.len()],
        made.tracks[..],
        "the tracks made before"
    );
    assert_eq!(now.features[..made.features.len()], made.features[..]);
    for playlist in &made.playlists {
        assert!(now.playlists.contains(playlist), "{playlist:?} is gone");
    }
    assert_eq!(
        library.store().integrity_check().await.expect("check"),
        "ok"
    );
    library.close().await;
}
