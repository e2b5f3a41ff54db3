//! Analysis end to end: generated libraries are scanned and analysed through the engine and the
//! CLI; results land in the database, `segue tracks --json` and `segue show --json`; runs are
//! resumable, pausable, redo only what is out of date, and a file that cannot be decoded goes
//! to the failures while the rest goes on.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use segue::analysis::ANALYSIS_VERSION;
use segue::{AnalysisPhase, AnalysisProgress, AnalyzeOptions, CancellationToken, PauseSwitch};

async fn analyze(library: &segue::Library, pause: &PauseSwitch) -> segue::AnalysisSummary {
    let (options, cancel) = (AnalyzeOptions::default(), CancellationToken::new());
    let run = library.analyze(&options, Arc::new(|_| {}), &cancel, pause);
    tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .expect("analysis must finish")
        .expect("analysis")
}

#[tokio::test]
async fn the_demo_library_is_analysed_with_the_tempi_and_keys_it_was_made_with() {
    let (_root, music, data) = temp_dirs();
    let made = segue::demo::generate(&music).expect("demo");
    let library = library_with(&music, &data).await;
    scan(&library).await;
    let summary = analyze(&library, &PauseSwitch::new()).await;
    assert_eq!((summary.analyzed, summary.failed), (36, 0));
    let counts = library.analysis_counts().await.expect("counts");
    assert_eq!((counts.pending, counts.analyzed, counts.failed), (0, 36, 0));

    let (mut tempo_any_octave, mut keys) = (0, 0);
    for truth in &made {
        let id = library
            .track_id_by_path(&std::fs::canonicalize(&truth.path).expect("path"))
            .await
            .expect("query")
            .expect("track");
        let row = library.track(id).await.expect("query").expect("row");
        assert_eq!(row.status, "analyzed");
        let bpm = row.bpm.expect("every demo track has a beat");
        let ratio = bpm / f64::from(truth.bpm);
        if [1.0, 2.0, 0.5, 3.0, 1.0 / 3.0]
            .iter()
            .any(|r| (ratio / r - 1.0).abs() < 0.04)
        {
            tempo_any_octave += 1;
        }
        // The demo's minor songs play i–VI–III–VII in natural minor: exactly the notes and
        // chords of the relative major (vi–IV–I–V), so either reading counts here.
        let names = segue::analysis::key::NOTE_NAMES;
        let tonic = names
            .iter()
            .position(|n| *n == truth.key)
            .expect("note name");
        let accepted = if truth.minor {
            [(tonic, "minor"), ((tonic + 3) % 12, "major")]
        } else {
            [(tonic, "major"), ((tonic + 9) % 12, "minor")]
        };
        if accepted
            .iter()
            .any(|(t, s)| row.key.as_deref() == Some(names[*t]) && row.scale.as_deref() == Some(*s))
        {
            keys += 1;
        }
        let detail = library.track_detail(id).await.expect("q").expect("detail");
        let features = detail.features.expect("stored features");
        assert_eq!(features.version, ANALYSIS_VERSION);
        assert!((features.duration_s - 24.0).abs() < 0.1);
        assert!(features
            .loudness
            .integrated_lufs
            .is_some_and(|l| l < -3.0 && l > -40.0));
        assert!(features
            .timbre
            .mfcc_mean
            .iter()
            .all(|v| v.is_finite() && *v != 0.0));
    }
    // The demo's six styles include beatless ambient pads and swung jazz: most, not all.
    assert!(
        tempo_any_octave >= 30,
        "tempo (any octave) right for {tempo_any_octave} of 36"
    );
    assert!(keys >= 28, "key (or its relative) right for {keys} of 36");
}

#[tokio::test]
async fn every_format_is_analysed_and_a_file_not_there_waits_for_its_return() {
    let (root, music, data) = temp_dirs();
    let cases: [(Fmt, f32, u8, bool); 4] = [
        (Fmt::Wav, 96.0, 0, false),
        (Fmt::Flac, 128.0, 7, false),
        (Fmt::Mp3, 140.0, 9, true),
        (Fmt::Ogg, 75.0, 2, true),
    ];
    for (fmt, bpm, tonic, minor) in cases {
        let path = music.join(format!("{bpm}.{}", fmt.ext()));
        write_samples(&path, fmt, &song(bpm, tonic, minor, 20.0));
    }
    write_samples(
        &music.join("gone.flac"),
        Fmt::Flac,
        &song(110.0, 4, false, 10.0),
    );
    let library = library_with(&music, &data).await;
    assert_eq!(scan(&library).await.added, 5);
    // Gone between the scan and the analysis, as on a drive unplugged: a move keeps its
    // mtime, so once back the scan sees it unchanged.
    let away = root.path().join("away.flac");
    std::fs::rename(music.join("gone.flac"), &away).expect("move away");

    let summary = analyze(&library, &PauseSwitch::new()).await;
    assert_eq!(
        (summary.analyzed, summary.failed, summary.missing),
        (4, 0, 1)
    );
    for (fmt, bpm, tonic, minor) in cases {
        let path = std::fs::canonicalize(music.join(format!("{bpm}.{}", fmt.ext()))).expect("p");
        let id = library
            .track_id_by_path(&path)
            .await
            .expect("q")
            .expect("id");
        let row = library.track(id).await.expect("q").expect("row");
        let found = row.bpm.expect("bpm");
        assert!(
            (found / f64::from(bpm) - 1.0).abs() < 0.04,
            "{fmt:?}: {found:.1} BPM, expected {bpm}"
        );
        assert_eq!(
            (row.key.as_deref(), row.scale.as_deref()),
            (
                Some(segue::analysis::key::NOTE_NAMES[usize::from(tonic)]),
                Some(if minor { "minor" } else { "major" })
            ),
            "{fmt:?}"
        );
        assert!(row.bpm_confidence.is_some_and(|c| c > 0.2));
        assert!(row.camelot.is_some() && row.loudness_lufs.is_some());
    }
    // Not a failure of the file: nothing to fix, and it is tried again when back.
    let failures = library.failures().await.expect("failures");
    assert!(failures.is_empty(), "{failures:?}");
    let again = analyze(&library, &PauseSwitch::new()).await;
    assert_eq!((again.analyzed, again.failed, again.missing), (0, 0, 1));
    std::fs::rename(&away, music.join("gone.flac")).expect("move back");
    assert_eq!(scan(&library).await.unchanged, 5);
    let back = analyze(&library, &PauseSwitch::new()).await;
    assert_eq!((back.analyzed, back.failed, back.missing), (1, 0, 0));
    // Truly gone, the scan removes it.
    std::fs::remove_file(music.join("gone.flac")).expect("remove");
    assert_eq!(scan(&library).await.removed, 1);
    let last = analyze(&library, &PauseSwitch::new()).await;
    assert_eq!((last.analyzed, last.failed, last.missing), (0, 0, 0));
}

#[tokio::test]
async fn runs_resume_after_a_cancel_pause_and_redo_only_outdated_tracks() {
    let (_root, music, data) = temp_dirs();
    // Long enough that one worker needs a few stored batches (one per ~0.7 s) for all 12.
    for i in 0..12 {
        let path = music.join(format!("t{i:02}.flac"));
        write_samples(
            &path,
            Fmt::Flac,
            &song(90.0 + 5.0 * i as f32, i as u8, false, 90.0),
        );
    }
    let library = library_with(&music, &data).await;
    scan(&library).await;

    // Cancel after the first stored batch: what was stored stays, the rest is done next time.
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let seen = Arc::new(Mutex::new(Vec::<AnalysisProgress>::new()));
    let log = seen.clone();
    let first = library
        .analyze(
            &AnalyzeOptions {
                workers: 1,
                tag_patches: None,
            },
            Arc::new(move |p: &AnalysisProgress| {
                if p.done >= 1 {
                    stop.cancel();
                }
                log.lock().expect("log").push(p.clone());
            }),
            &cancel,
            &PauseSwitch::new(),
        )
        .await
        .expect("first run");
    let done_first = first.analyzed;
    assert!((1..12).contains(&done_first), "{first:?}");
    let last = seen.lock().expect("log").last().cloned().expect("progress");
    assert_eq!(last.phase, AnalysisPhase::Cancelled);
    assert_eq!(last.total, 12);
    let counts = library.analysis_counts().await.expect("counts");
    assert_eq!(counts.analyzed as u64, done_first);
    let second = analyze(&library, &PauseSwitch::new()).await;
    assert_eq!(second.analyzed, 12 - done_first);

    // A paused run takes nothing new until resumed.
    let store = library.store().clone();
    sqlx::query("UPDATE features SET version = version - 1 WHERE track_id IN (SELECT id FROM tracks ORDER BY id LIMIT 3)")
        .execute(store.pool())
        .await
        .expect("age three rows");
    let pause = PauseSwitch::new();
    pause.pause();
    let run = {
        let library = library.clone();
        let pause = pause.clone();
        tokio::spawn(async move { analyze(&library, &pause).await })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    let counts = library.analysis_counts().await.expect("counts");
    assert_eq!(counts.pending, 3, "nothing is analysed while paused");
    pause.resume();
    let third = run.await.expect("join");
    // Only the three out-of-date tracks were analysed again.
    assert_eq!((third.analyzed, third.failed), (3, 0));
    assert_eq!(library.analysis_counts().await.expect("c").analyzed, 12);
}

/// An analysis upgrade (features of an older, still readable version): every track stays in
/// the index and the detail panel while the background analyses it again; tags the current
/// tagger gave unchanged audio are kept (MusiCNN does not run again), a changed file is
/// tagged afresh.
#[tokio::test]
async fn an_upgrade_keeps_tracks_readable_and_current_tags() {
    use segue::analysis::READABLE_SINCE;
    use segue::musicnn::tagger::TAGS_VERSION;
    // The test ages rows to a readable older version: with none, it has nothing to test.
    const { assert!(READABLE_SINCE < ANALYSIS_VERSION) };
    let (_root, music, data) = temp_dirs();
    for i in 0..4u8 {
        let path = music.join(format!("u{i}.flac"));
        write_samples(
            &path,
            Fmt::Flac,
            &song(96.0 + 8.0 * f32::from(i), i, false, 12.0),
        );
    }
    let library = library_with(&music, &data).await;
    scan(&library).await;
    library
        .tagger()
        .expect("the MusiCNN weights (scripts/fetch-models.sh) are needed by this test");
    assert_eq!(analyze(&library, &PauseSwitch::new()).await.analyzed, 4);
    let pool = library.store().pool().clone();
    let versions = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_as::<_, (i64, i64, Option<i64>, Option<i64>)>(sql)
                .fetch_all(&pool)
                .await
                .expect("features")
        }
    };
    const ROWS: &str =
        "SELECT track_id, version, tags_version, json_extract(data, '$.tags.patches')
                        FROM features ORDER BY track_id";
    assert!(versions(ROWS)
        .await
        .iter()
        .all(|r| r.1 == ANALYSIS_VERSION && r.2 == Some(TAGS_VERSION)));

    // Age every row to the oldest readable version; mark the stored tags (no run of the
    // tagger gives 99 patches) so a kept tag can be told from a new one.
    sqlx::query(
        "UPDATE features SET version = ?1,
            data = json_set(data, '$.version', ?1, '$.tags.patches', 99)",
    )
    .bind(READABLE_SINCE)
    .execute(&pool)
    .await
    .expect("age");
    // One file changes: its audio must be heard again, tags included.
    let changed = music.join("u0.flac");
    write_samples(&changed, Fmt::Flac, &song(140.0, 7, true, 13.0));
    scan(&library).await;
    let changed_id = library
        .track_id_by_path(&changed)
        .await
        .expect("id")
        .expect("changed track");

    // Before the upgrade runs: the three unchanged tracks are still served.
    let counts = library.analysis_counts().await.expect("counts");
    assert_eq!((counts.pending, counts.analyzed), (4, 0), "{counts:?}");
    let ids: Vec<i64> = versions(ROWS).await.iter().map(|r| r.0).collect();
    let unchanged: Vec<i64> = ids.iter().copied().filter(|&id| id != changed_id).collect();
    assert_eq!(unchanged.len(), 3);
    for &id in &unchanged {
        let detail = library.track_detail(id).await.expect("q").expect("detail");
        assert_eq!(
            detail.features.map(|f| f.version),
            Some(READABLE_SINCE),
            "track {id}: the older features are shown meanwhile"
        );
        let similar = library.similar(id, 5).await.expect("similar");
        let found: Vec<i64> = similar
            .expect("in the index")
            .iter()
            .map(|s| s.track.id)
            .collect();
        assert!(
            unchanged
                .iter()
                .filter(|&&o| o != id)
                .all(|o| found.contains(o)),
            "track {id}: its unchanged neighbours are in the index ({found:?})"
        );
    }

    assert_eq!(analyze(&library, &PauseSwitch::new()).await.analyzed, 4);
    for (id, version, tags_version, patches) in versions(ROWS).await {
        assert_eq!(version, ANALYSIS_VERSION, "track {id}");
        assert_eq!(tags_version, Some(TAGS_VERSION), "track {id}");
        if id == changed_id {
            assert!(
                patches.is_some_and(|p| (1..=4).contains(&p)),
                "tagged afresh: {patches:?}"
            );
        } else {
            assert_eq!(patches, Some(99), "track {id}: its tags are kept");
        }
    }
    let counts = library.analysis_counts().await.expect("counts");
    assert_eq!((counts.pending, counts.analyzed), (0, 4));
}

#[tokio::test]
async fn silence_and_a_short_clip_get_no_made_up_tempo_or_key() {
    let (_root, music, data) = temp_dirs();
    write_samples(
        &music.join("silence.wav"),
        Fmt::Wav,
        &vec![0.0; RATE as usize * 30],
    );
    write_samples(
        &music.join("blip.flac"),
        Fmt::Flac,
        &song(120.0, 0, false, 1.0),
    );
    let library = library_with(&music, &data).await;
    scan(&library).await;
    assert_eq!(analyze(&library, &PauseSwitch::new()).await.analyzed, 2);
    for name in ["silence.wav", "blip.flac"] {
        let path = std::fs::canonicalize(music.join(name)).expect("path");
        let id = library
            .track_id_by_path(&path)
            .await
            .expect("q")
            .expect("id");
        let detail = library.track_detail(id).await.expect("q").expect("detail");
        let features = detail.features.expect("features");
        assert_eq!(features.tempo, None, "{name}");
        let json = serde_json::to_string(&features).expect("json");
        assert!(
            !json.contains("NaN") && !json.contains("inf"),
            "{name}: {json}"
        );
    }
    let silence = library
        .track_detail(
            library
                .track_id_by_path(&std::fs::canonicalize(music.join("silence.wav")).expect("p"))
                .await
                .expect("q")
                .expect("id"),
        )
        .await
        .expect("q")
        .expect("detail");
    let features = silence.features.expect("features");
    assert_eq!(features.key, None);
    assert_eq!(features.loudness.integrated_lufs, None);
}

#[test]
fn the_cli_scans_analyses_lists_and_shows_features() {
    let (_root, music, data) = temp_dirs();
    write_samples(
        &music.join("groove.flac"),
        Fmt::Flac,
        &song(124.0, 6, true, 20.0),
    );
    write_samples(
        &music.join("later.wav"),
        Fmt::Wav,
        &song(100.0, 5, false, 12.0),
    );
    let folder = music.to_str().expect("utf-8 temp path");
    assert!(segue(&data, &["folder", "add", folder]).status.success());

    let scanned = json(&data, &["scan", "--no-analyze", "--json"]);
    assert_eq!(scanned["added"], 2);
    assert!(scanned.get("analysis").is_none());
    let tracks = json(&data, &["tracks", "--json"]);
    assert!(tracks
        .as_array()
        .expect("array")
        .iter()
        .all(|t| t["status"] == "pending" && t["bpm"].is_null()));

    let scanned = json(&data, &["scan", "--json"]);
    assert_eq!(scanned["analysis"]["analyzed"], 2);
    let tracks = json(&data, &["tracks", "--json"]);
    let groove = tracks
        .as_array()
        .expect("array")
        .iter()
        .find(|t| {
            t["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("groove.flac"))
        })
        .expect("groove")
        .clone();
    let bpm = groove["bpm"].as_f64().expect("bpm");
    assert!((bpm - 124.0).abs() < 124.0 * 0.04, "{bpm}");
    assert_eq!(groove["key"], "F#");
    assert_eq!(groove["scale"], "minor");
    assert_eq!(groove["camelot"], "11A");
    for field in ["bpm_confidence", "key_strength", "loudness_lufs"] {
        let v = groove[field].as_f64().unwrap_or(f64::NAN);
        assert!(v.is_finite(), "{field}: {}", groove[field]);
    }

    let id = groove["id"].as_i64().expect("id").to_string();
    let shown = json(&data, &["show", &id, "--json"]);
    let features = &shown["features"];
    assert_eq!(features["version"], ANALYSIS_VERSION);
    assert_eq!(
        features["timbre"]["mfcc_mean"].as_array().map(Vec::len),
        Some(13)
    );
    assert_eq!(features["chroma"].as_array().map(Vec::len), Some(12));
    assert!(features["loudness"]["integrated_lufs"].is_number());
    assert!(shown["analyzed_at"].is_string());
    let by_path = json(
        &data,
        &[
            "show",
            music.join("groove.flac").to_str().expect("utf-8"),
            "--json",
        ],
    );
    assert_eq!(by_path["track"]["id"], groove["id"]);

    // Nothing changed: a rescan analyses nothing.
    let again = json(&data, &["scan", "--json"]);
    assert_eq!(again["analysis"]["analyzed"], 0);
}

/// A progress event and the (analysed, failed) tracks stored when it came.
type Check = (AnalysisProgress, (i64, i64));

/// Waits (up to a minute) for an event that `ok` accepts, and returns it.
fn wait_for_event(
    checks: &Mutex<Vec<Check>>,
    what: &str,
    ok: impl Fn(&AnalysisProgress) -> bool,
) -> AnalysisProgress {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some((p, _)) = checks.lock().expect("log").iter().find(|(p, _)| ok(p)) {
            return p.clone();
        }
        let last = checks.lock().expect("log").last().cloned();
        assert!(
            std::time::Instant::now() < deadline,
            "no event for {what}; the last: {last:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// While a run goes on, its progress says done what the table shows: at every progress event
/// (pauses included) the tracks stored as analysed are `done` and those stored as failed are
/// `failed`, no more and no fewer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_counts_what_is_stored() {
    let (_root, music, data) = temp_dirs();
    for i in 0..40 {
        let path = music.join(format!("t{i:02}.flac"));
        write_samples(
            &path,
            Fmt::Flac,
            &song(100.0 + i as f32, i as u8 % 12, false, 6.0),
        );
    }
    let library = library_with(&music, &data).await;
    scan(&library).await;
    // Two files turn into something that cannot be read (a file merely gone is not a
    // failure): their analysis fails.
    for i in [5, 25] {
        let path = music.join(format!("t{i:02}.flac"));
        std::fs::remove_file(&path).expect("rm");
        std::fs::create_dir(&path).expect("a folder in its place");
    }

    let checks = Arc::new(Mutex::new(Vec::<Check>::new()));
    let pause = PauseSwitch::new();
    let (log, pool, switch) = (
        checks.clone(),
        library.store().pool().clone(),
        pause.clone(),
    );
    let paused_once = std::sync::atomic::AtomicBool::new(false);
    let on_progress = Arc::new(move |p: &AnalysisProgress| {
        // What the table would show now (the run waits for this answer).
        let stored: (i64, i64) = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(
                sqlx::query_as(
                    "SELECT COALESCE(SUM(status = 'analyzed' AND EXISTS
                              (SELECT 1 FROM features WHERE track_id = tracks.id)), 0),
                            COALESCE(SUM(status = 'failed'), 0)
                     FROM tracks",
                )
                .fetch_one(&pool),
            )
        })
        .expect("count stored results");
        // Pause once, midway; the test resumes.
        if p.phase == AnalysisPhase::Running
            && p.done >= 10
            && !paused_once.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            switch.pause();
        }
        log.lock().expect("log").push((p.clone(), stored));
    });
    let run = {
        let (library, pause) = (library.clone(), pause.clone());
        tokio::spawn(async move {
            let options = AnalyzeOptions {
                workers: 2,
                tag_patches: None,
            };
            library
                .analyze(&options, on_progress, &CancellationToken::new(), &pause)
                .await
        })
    };
    // Paused, the tracks already decoding finish (one per worker at most): the progress and
    // the library show them while the pause lasts, not only once it is resumed. One may finish
    // before the run sees the pause (then the pause's own event counts it), or after: either
    // way a paused event counts more than the event that asked for the pause.
    let asked_at = wait_for_event(&checks, "the event that pauses", |p| {
        p.phase == AnalysisPhase::Running && p.done >= 10
    });
    wait_for_event(&checks, "the tracks in flight stored while paused", |p| {
        p.phase == AnalysisPhase::Paused && p.done + p.failed > asked_at.done + asked_at.failed
    });
    pause.resume();
    let summary = tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .expect("analysis must finish")
        .expect("join")
        .expect("analysis");
    assert_eq!((summary.analyzed, summary.failed), (38, 2), "{summary:?}");

    let checks = checks.lock().expect("log");
    assert!(checks.len() >= 4, "{} events", checks.len());
    for (p, (analysed, failed)) in checks.iter() {
        assert_eq!(
            (p.done as i64, p.failed as i64),
            (*analysed, *failed),
            "{:?} says {} done, {} failed; the library holds {analysed} analysed, {failed} failed",
            p.phase,
            p.done,
            p.failed
        );
    }
    let (last, _) = checks.last().expect("events");
    assert_eq!(
        (last.phase, last.done, last.failed),
        (AnalysisPhase::Done, 38, 2)
    );
}
