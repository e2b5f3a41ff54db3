//! Bad input never stops a scan: every broken, hostile or odd file gets a clear per-file
//! reason and every good file next to it is still taken in.

mod common;

use std::path::Path;

use common::*;

fn failure_for<'a>(failures: &'a [segue::Failure], path: &Path) -> Option<&'a segue::Failure> {
    let wanted = path.to_string_lossy();
    failures.iter().find(|f| f.path == wanted)
}

#[tokio::test]
async fn bad_files_are_listed_and_good_ones_indexed() {
    let (_root, music, data) = temp_dirs();
    let good = [
        music.join("good/one.flac"),
        music.join("good/two.mp3"),
        music.join("good/three.wav"),
    ];
    write_audio(&good[0], Fmt::Flac, 2.0, 440.0);
    write_audio(&good[1], Fmt::Mp3, 2.0, 440.0);
    write_audio(&good[2], Fmt::Wav, 2.0, 440.0);
    let bad = music.join("bad");
    std::fs::create_dir_all(&bad).expect("mkdir");

    // Empty, garbage and wrong content.
    std::fs::write(bad.join("zero_bytes.mp3"), b"").expect("write");
    let mut random = vec![0u8; 256 * 1024];
    let mut rng = segue::audio::synth::Rng::new(42);
    random.iter_mut().for_each(|b| *b = rng.next_u64() as u8);
    std::fs::write(bad.join("random_bytes.flac"), &random).expect("write");
    std::fs::write(
        bad.join("text_file.ogg"),
        "This is not an Ogg file.\n".repeat(200),
    )
    .expect("write");
    std::fs::write(
        bad.join("png_image.wav"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0",
    )
    .expect("write");

    // Truncated MP3 and FLAC: headers claim 20 s, the data stops early.
    for fmt in [Fmt::Mp3, Fmt::Flac] {
        let full = bad.join(format!("full.{}", fmt.ext()));
        write_audio(&full, fmt, 20.0, 440.0);
        let bytes = std::fs::read(&full).expect("read");
        let cut = bytes.len() * 43 / 100 + 217;
        std::fs::write(bad.join(format!("truncated.{}", fmt.ext())), &bytes[..cut]).expect("write");
        std::fs::remove_file(&full).expect("rm");
    }

    // A WAV whose RIFF and data sizes claim ~4 GiB (only 3 s follow).
    let wav = bad.join("bogus_size.wav");
    write_audio(&wav, Fmt::Wav, 3.0, 440.0);
    let mut bytes = std::fs::read(&wav).expect("read");
    bytes[4..8].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let data_at = bytes
        .windows(4)
        .position(|w| w == b"data")
        .expect("data chunk");
    bytes[data_at + 4..data_at + 8].copy_from_slice(&0xFFFF_FF00u32.to_le_bytes());
    std::fs::write(&wav, &bytes).expect("write");

    // A WAV claiming 0 channels.
    let zero_ch = bad.join("zero_channels.wav");
    write_audio(&zero_ch, Fmt::Wav, 2.0, 440.0);
    let mut bytes = std::fs::read(&zero_ch).expect("read");
    let fmt_at = bytes
        .windows(4)
        .position(|w| w == b"fmt ")
        .expect("fmt chunk")
        + 8;
    bytes[fmt_at + 2..fmt_at + 4].copy_from_slice(&0u16.to_le_bytes());
    std::fs::write(&zero_ch, &bytes).expect("write");

    // An unreadable file (root reads it anyway, so then it is simply a good file).
    let unreadable = bad.join("unreadable.wav");
    write_audio(&unreadable, Fmt::Wav, 1.0, 440.0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&unreadable, std::fs::Permissions::from_mode(0o000))
            .expect("chmod");
    }

    // Symlink loops, a dangling link, a named pipe and a folder named like a file.
    #[cfg(unix)]
    {
        let loops = bad.join("loop/sub");
        std::fs::create_dir_all(&loops).expect("mkdir");
        std::os::unix::fs::symlink("..", loops.join("up")).expect("symlink");
        std::os::unix::fs::symlink(".", bad.join("loop/self")).expect("symlink");
        write_audio(&loops.join("inside_loop.wav"), Fmt::Wav, 1.0, 440.0);
        std::os::unix::fs::symlink("does_not_exist.mp3", bad.join("dangling.mp3"))
            .expect("symlink");
        let fifo = std::ffi::CString::new(bad.join("fifo.wav").to_string_lossy().as_bytes())
            .expect("cstring");
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        std::fs::create_dir_all(bad.join("directory.mp3")).expect("mkdir");
    }

    // One hour of digital silence (FLAC, 8 kHz: tiny on disk).
    let silence = vec![0.0f32; 8_000 * 3_600];
    let hour = bad.join("silence_1h.flac");
    segue::audio::encode::write_flac(&hour, 8_000, &silence).expect("write flac");

    let library = library_with(&music, &data).await;
    let summary = scan(&library).await;
    let failures = library.failures().await.expect("failures");
    let tracks = library.tracks(None).await.expect("tracks");
    let paths: Vec<&str> = tracks.iter().map(|t| t.path.as_str()).collect();

    for path in &good {
        assert!(
            paths.contains(&path.to_string_lossy().as_ref()),
            "{} missing",
            path.display()
        );
    }
    let inside_loop = bad.join("loop/sub/inside_loop.wav");
    assert_eq!(
        tracks
            .iter()
            .filter(|t| t.path.ends_with("inside_loop.wav"))
            .count(),
        1,
        "a file inside a symlink loop is found exactly once: {paths:?}"
    );
    assert!(paths.contains(&inside_loop.to_string_lossy().as_ref()));
    let hour_track = tracks
        .iter()
        .find(|t| t.path.ends_with("silence_1h.flac"))
        .expect("1 h of silence is a track");
    assert!((hour_track.duration_s.expect("duration") - 3600.0).abs() < 0.5);

    let expect_failure = |name: &str, words: &[&str]| {
        let path = bad.join(name);
        let failure = failure_for(&failures, &path)
            .unwrap_or_else(|| panic!("no failure listed for {name}: {failures:#?}"));
        let reason = failure.reason.to_lowercase();
        assert!(
            words.iter().any(|w| reason.contains(w)),
            "{name}: reason {:?} should mention one of {words:?}",
            failure.reason
        );
    };
    expect_failure("zero_bytes.mp3", &["empty"]);
    expect_failure("random_bytes.flac", &["not audio"]);
    expect_failure("text_file.ogg", &["text"]);
    expect_failure("png_image.wav", &["png"]);
    expect_failure("zero_channels.wav", &["channel", "header"]);
    expect_failure("truncated.mp3", &["truncated"]);
    expect_failure("truncated.flac", &["truncated"]);
    expect_failure("bogus_size.wav", &["truncated", "header"]);
    expect_failure("fifo.wav", &["named pipe"]);
    expect_failure("dangling.mp3", &["broken symlink"]);
    if is_root() {
        assert!(
            paths.iter().any(|p| p.ends_with("unreadable.wav")),
            "root can read a mode-000 file"
        );
    } else {
        expect_failure("unreadable.wav", &["permission denied"]);
    }
    // Truncated files are still playable tracks (with a warning); their length is sane.
    let bogus = tracks
        .iter()
        .find(|t| t.path.ends_with("bogus_size.wav"))
        .expect("bogus wav kept");
    assert!(
        (bogus.duration_s.expect("duration") - 3.0).abs() < 0.1,
        "{bogus:?}"
    );
    // No failure for the folder named like a file, the loops, or the good files.
    for f in &failures {
        assert!(
            !f.path.contains("/good/")
                && !f.path.ends_with("directory.mp3")
                && !f.path.contains("loop"),
            "{f:?}"
        );
    }
    // empty, random, text, PNG, 0 channels, FIFO, dangling link; 3 truncated kept with warnings.
    assert_eq!((summary.failed, summary.warnings), (7, 3), "{summary:?}");

    // Rescanning leaves bad files alone until they change.
    let again = scan(&library).await;
    assert!(again.is_no_op(), "{again:?}");
    assert_eq!(
        library.failures().await.expect("failures").len(),
        failures.len()
    );

    // A bad file that is fixed drops its failure and becomes a track.
    write_audio(&bad.join("zero_bytes.mp3"), Fmt::Mp3, 1.0, 440.0);
    scan(&library).await;
    let failures = library.failures().await.expect("failures");
    assert!(failure_for(&failures, &bad.join("zero_bytes.mp3")).is_none());
    assert!(library
        .tracks(None)
        .await
        .expect("tracks")
        .iter()
        .any(|t| t.path.ends_with("zero_bytes.mp3")));
}

/// What a scan says (its summary, its last progress event) is what the library then holds:
/// "N tracks, M failed" counts the tracks and the Failures list, on a first scan and on
/// rescans, where unchanged bad files are skipped but still failed.
#[tokio::test]
async fn scan_counts_agree_with_the_tracks_and_the_failures() {
    let (_root, music, data) = temp_dirs();
    for (i, fmt) in [Fmt::Wav, Fmt::Flac, Fmt::Mp3, Fmt::Ogg, Fmt::Wav]
        .into_iter()
        .enumerate()
    {
        write_audio(
            &music.join(format!("good/{i}.{}", fmt.ext())),
            fmt,
            2.0,
            440.0,
        );
    }
    // Kept with a warning (a track), failed (not tracks), not audio (neither), a walk failure.
    let full = music.join("full.mp3");
    write_audio(&full, Fmt::Mp3, 20.0, 440.0);
    let bytes = std::fs::read(&full).expect("read");
    std::fs::write(music.join("truncated.mp3"), &bytes[..bytes.len() / 2]).expect("write");
    std::fs::remove_file(&full).expect("rm");
    std::fs::write(music.join("zero_bytes.mp3"), b"").expect("write");
    std::fs::write(music.join("text_file.ogg"), "not an Ogg file\n".repeat(100)).expect("write");
    std::fs::write(music.join("random.flac"), [7u8; 4096]).expect("write");
    std::fs::write(music.join("README"), "an extensionless text file").expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink("nowhere.mp3", music.join("dangling.mp3")).expect("symlink");
    let failing = if cfg!(unix) { 4 } else { 3 };

    let library = library_with(&music, &data).await;
    let (first, last) = scan_with_progress(&library).await;
    assert_eq!((first.added, first.warnings), (6, 1), "{first:?}");
    agree(&library, &first, &last, failing).await;

    // A rescan skips every unchanged file, the bad ones included, and says the same.
    let (again, last) = scan_with_progress(&library).await;
    assert!(again.is_no_op(), "{again:?}");
    assert_eq!((again.added, again.unchanged), (0, 6), "{again:?}");
    agree(&library, &again, &last, failing).await;

    // A bad file fixed, a good one and the one with a warning broken: still in agreement (the
    // broken one's warning goes with its track).
    write_audio(&music.join("zero_bytes.mp3"), Fmt::Mp3, 1.0, 440.0);
    std::fs::write(music.join("good/0.wav"), b"RIFF\0\0\0\0WAVEjunk").expect("write");
    std::fs::write(music.join("truncated.mp3"), b"").expect("write");
    let (changed, last) = scan_with_progress(&library).await;
    assert_eq!(
        (changed.added, changed.unchanged, changed.warnings),
        (1, 4, 0),
        "{changed:?}"
    );
    agree(&library, &changed, &last, failing + 1).await;
    let (again, last) = scan_with_progress(&library).await;
    assert!(again.is_no_op(), "{again:?}");
    agree(&library, &again, &last, failing + 1).await;
}

/// A scan of the library, its summary and its last progress event.
async fn scan_with_progress(library: &segue::Library) -> (segue::ScanSummary, segue::ScanProgress) {
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = events.clone();
    let summary = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        library.scan(
            None,
            &segue::ScanOptions::default(),
            std::sync::Arc::new(move |p: &segue::ScanProgress| {
                sink.lock().expect("events").push(p.clone())
            }),
            &segue::CancellationToken::new(),
        ),
    )
    .await
    .expect("scan must finish")
    .expect("scan");
    let last = events
        .lock()
        .expect("events")
        .last()
        .cloned()
        .expect("events");
    (summary, last)
}

/// The summary and the last progress event agree with the library: done + unchanged are its
/// tracks, failed the files in Failures that are not tracks, warnings the tracks in Failures.
async fn agree(
    library: &segue::Library,
    summary: &segue::ScanSummary,
    last: &segue::ScanProgress,
    failing: u64,
) {
    let stats = library.stats().await.expect("stats");
    let failures = library.failures().await.expect("failures");
    let not_tracks = failures
        .iter()
        .filter(|f| f.stage == "scan" || f.stage == "walk")
        .count() as u64;
    let warnings = failures.iter().filter(|f| f.stage == "check").count() as u64;
    let context = format!("{summary:?}\n{last:?}\n{stats:?}\n{failures:#?}");
    assert_eq!(last.phase, segue::ScanPhase::Done, "{context}");
    assert_eq!(last.done + last.unchanged, stats.tracks as u64, "{context}");
    assert_eq!(
        summary.added + summary.updated + summary.moved + summary.unchanged,
        stats.tracks as u64,
        "{context}"
    );
    assert_eq!(not_tracks, failing, "{context}");
    assert_eq!(
        (summary.failed, last.failed),
        (not_tracks, not_tracks),
        "{context}"
    );
    assert_eq!(stats.failures as usize, failures.len(), "{context}");
    assert_eq!(summary.warnings, warnings, "{context}");
    assert_eq!(summary.found, last.found, "{context}");
    assert_eq!(
        summary.found,
        stats.tracks as u64 + not_tracks + summary.ignored,
        "{context}"
    );
    assert_eq!(last.ignored, summary.ignored, "{context}");
    assert_eq!(summary.ignored, 1, "README is not audio: {context}");
}

/// Where the first Ogg page with audio starts (the pages before it hold only headers).
fn first_audio_page(ogg: &[u8]) -> usize {
    let mut at = 0;
    while at + 27 <= ogg.len() {
        let granule = u64::from_le_bytes(ogg[at + 6..at + 14].try_into().expect("8 bytes"));
        if granule != 0 {
            return at;
        }
        let segments = usize::from(ogg[at + 26]);
        let body: usize = ogg[at + 27..at + 27 + segments]
            .iter()
            .map(|&s| usize::from(s))
            .sum();
        at += 27 + segments + body;
    }
    panic!("no audio page")
}

/// A file cut short is a track analysed as far as it decodes (its length what decoded, tempo,
/// key and tags from the audio there, a warning in Failures), or, when no audio is left, a
/// failure that says so: never a track without a length, nor one left to analyse forever.
#[tokio::test]
async fn truncated_files_are_analysed_as_far_as_they_decode() {
    let (_root, music, data) = temp_dirs();
    let source = song(120.0, 0, false, 20.0);
    let ogg_path = music.join("full.ogg");
    write_samples(&ogg_path, Fmt::Ogg, &source);
    let ogg = std::fs::read(&ogg_path).expect("read");
    std::fs::remove_file(&ogg_path).expect("rm");
    let audio_at = first_audio_page(&ogg);
    let flac_path = music.join("full.flac");
    write_samples(&flac_path, Fmt::Flac, &source);
    let flac = std::fs::read(&flac_path).expect("read");
    std::fs::remove_file(&flac_path).expect("rm");
    let cut = |name: &str, bytes: &[u8]| std::fs::write(music.join(name), bytes).expect("write");
    cut("ogg_headers_only.ogg", &ogg[..audio_at]);
    cut("ogg_headers_and_a_bit.ogg", &ogg[..audio_at + 40]);
    cut("ogg_few_pages.ogg", &ogg[..ogg.len() * 35 / 100]);
    cut("ogg_most.ogg", &ogg[..ogg.len() * 9 / 10]);
    cut("ogg_whole.ogg", &ogg);
    cut("flac_header_only.flac", &flac[..flac_audio_start(&flac)]);
    cut("flac_half.flac", &flac[..flac.len() / 2 + 101]);

    let library = library_with(&music, &data).await;
    scan(&library).await;
    for name in [
        "ogg_headers_only.ogg",
        "ogg_headers_and_a_bit.ogg",
        "flac_header_only.flac",
    ] {
        let why = failure_reason(&library, name, "scan").await;
        assert!(
            why.as_deref().is_some_and(|r| r.starts_with("truncated")),
            "{name}: {why:?}"
        );
    }
    // A cut Ogg's length is known from its pages before any analysis; a cut FLAC's header
    // overstates it, so it waits for the analysis.
    let before = by_name(&library).await;
    let few_s = before["ogg_few_pages.ogg"].duration_s.expect("a length");
    assert!((5.0..8.0).contains(&few_s), "{few_s}");
    let most_s = before["ogg_most.ogg"].duration_s.expect("a length");
    assert!((16.0..19.0).contains(&most_s), "{most_s}");
    assert!(before["flac_half.flac"].duration_s.is_none());
    for name in ["ogg_few_pages.ogg", "ogg_most.ogg", "flac_half.flac"] {
        let why = failure_reason(&library, name, "check").await;
        assert!(
            why.as_deref().is_some_and(|r| r.starts_with("truncated")),
            "{name}: {why:?}"
        );
    }
    assert!(failure_reason(&library, "ogg_whole.ogg", "check")
        .await
        .is_none());

    let (options, cancel) = (
        segue::AnalyzeOptions::default(),
        segue::CancellationToken::new(),
    );
    let pause = segue::PauseSwitch::new();
    let run = library.analyze(&options, std::sync::Arc::new(|_| {}), &cancel, &pause);
    let summary = tokio::time::timeout(std::time::Duration::from_secs(300), run)
        .await
        .expect("analysis must finish")
        .expect("analysis");
    assert_eq!((summary.analyzed, summary.failed), (4, 0), "{summary:?}");
    let tagging = library.tag_vocabulary().await.expect("tags").enabled;
    let after = by_name(&library).await;
    // (name, expected length, tolerance): half a FLAC's bytes are about half its audio.
    for (name, seconds, within) in [
        ("ogg_few_pages.ogg", few_s, 0.1),
        ("ogg_most.ogg", most_s, 0.1),
        ("flac_half.flac", 10.0, 1.5),
        ("ogg_whole.ogg", 20.0, 0.1),
    ] {
        let track = &after[name];
        let detail = library
            .track_detail(track.id)
            .await
            .expect("detail")
            .expect("track");
        let features = detail.features.expect("analysed");
        let length = track.duration_s.expect("a length");
        assert!(
            (length - features.duration_s).abs() < 0.1 && (length - seconds).abs() < within,
            "{name}: {length} s listed, {} s decoded, {seconds} s expected",
            features.duration_s
        );
        let bpm = features.tempo.map(|t| t.bpm).unwrap_or(0.0);
        assert!((bpm - 120.0).abs() < 3.0, "{name}: {bpm} BPM");
        let key = features.key.expect("a key");
        assert_eq!(key.tonic, 0, "{name}: {key:?}");
        if tagging {
            assert!(!detail.tags.is_empty(), "{name}: not tagged");
        }
    }
    // Nothing is left to analyse, and a rescan keeps every length (a cut file's included, even
    // when only its date changed).
    let counts = library.analysis_counts().await.expect("counts");
    assert_eq!(counts.pending, 0, "{counts:?}");
    let file = std::fs::File::options()
        .append(true)
        .open(music.join("flac_half.flac"))
        .expect("open");
    file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .expect("touch");
    let again = scan(&library).await;
    assert_eq!(again.updated, 1, "{again:?}");
    let rescanned = by_name(&library).await;
    for (name, track) in &after {
        assert_eq!(rescanned[name].duration_s, track.duration_s, "{name}");
        assert_eq!(rescanned[name].status, track.status, "{name}");
    }
}

/// The reason of `name`'s failure at `stage`, if it has one.
async fn failure_reason(library: &segue::Library, name: &str, stage: &str) -> Option<String> {
    let failures = library.failures().await.expect("failures");
    failures
        .into_iter()
        .find(|f| f.path.ends_with(name) && f.stage == stage)
        .map(|f| f.reason)
}

/// Where a FLAC file's first audio frame starts (after its metadata blocks).
fn flac_audio_start(flac: &[u8]) -> usize {
    let mut at = 4;
    loop {
        let header = flac[at];
        let len = usize::from(flac[at + 1]) << 16
            | usize::from(flac[at + 2]) << 8
            | usize::from(flac[at + 3]);
        at += 4 + len;
        if header & 0x80 != 0 {
            return at;
        }
    }
}

/// The library's tracks by file name.
async fn by_name(library: &segue::Library) -> std::collections::HashMap<String, segue::TrackRow> {
    library
        .tracks(None)
        .await
        .expect("tracks")
        .into_iter()
        .map(|t| {
            let name = t.path.rsplit('/').next().unwrap_or_default().to_string();
            (name, t)
        })
        .collect()
}
