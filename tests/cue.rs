//! CUE-sheet albums: one generated FLAC holding three tracks (each its own pitch and level)
//! and a sheet naming them, scanned, analysed, exported and rescanned through the real engine —
//! and the sheets people really have: Latin-1 text, broken times, a sheet for another file.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use segue::{AnalyzeOptions, CancellationToken, Library, PauseSwitch, TrackRow};

/// The three tracks of the album: seconds, pitch, amplitude.
const PARTS: [(f32, f32, f32); 3] = [(8.0, 300.0, 0.05), (6.0, 500.0, 0.4), (5.0, 700.0, 0.2)];

/// One mono FLAC of the three parts back to back.
fn write_album(path: &Path) {
    let mut samples = Vec::new();
    // No fades: a track that began or ended a millisecond off would take its neighbour's peak.
    for (seconds, hz, amplitude) in PARTS {
        let n = (seconds * RATE as f32) as usize;
        samples.extend((0..n).map(|i| {
            amplitude * (std::f32::consts::TAU * hz * i as f32 / RATE as f32 + 0.3).sin()
        }));
    }
    write_samples(path, Fmt::Flac, &samples);
}

/// The album's sheet in Windows-1252 (as rippers on Windows write it): "Café" is one byte é.
fn sheet_bytes(second_title: &str) -> Vec<u8> {
    let text = format!(
        "REM GENRE Ambient\r\nPERFORMER \"Ensemble Café\"\r\nTITLE \"Tones of the Café\"\r\n\
         FILE \"album.wav\" WAVE\r\n\
         \x20 TRACK 01 AUDIO\r\n    TITLE \"Low\"\r\n    INDEX 01 00:00:00\r\n\
         \x20 TRACK 02 AUDIO\r\n    TITLE \"{second_title}\"\r\n    PERFORMER \"Soloist\"\r\n\
         \x20   INDEX 00 00:07:50\r\n    INDEX 01 00:08:00\r\n\
         \x20 TRACK 03 AUDIO\r\n    TITLE \"High\"\r\n    INDEX 01 00:14:00\r\n"
    );
    let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!bad);
    bytes.into_owned()
}

async fn analyze(library: &Library) {
    let (options, cancel, pause) = (
        AnalyzeOptions::default(),
        CancellationToken::new(),
        PauseSwitch::new(),
    );
    let run = library.analyze(&options, Arc::new(|_| {}), &cancel, &pause);
    tokio::time::timeout(std::time::Duration::from_secs(600), run)
        .await
        .expect("analysis must finish")
        .expect("analysis");
}

async fn tracks(library: &Library) -> Vec<TrackRow> {
    let mut rows = library.tracks(None).await.expect("tracks");
    rows.sort_by_key(|t| (t.path.clone(), t.track_no));
    rows
}

/// What mpv (Debian's) plays of a playlist file: mono 16-bit samples at `RATE` (the output
/// format fixed, as mpv's file output cannot change format between tracks).
fn mpv_plays(playlist: &Path) -> Vec<i16> {
    let out = playlist.with_extension("pcm");
    let status = std::process::Command::new("mpv")
        .args([
            "--no-config",
            "--vo=null",
            "--ao=pcm",
            "--ao-pcm-waveheader=no",
            "--audio-format=s16",
            "--audio-channels=mono",
            &format!("--audio-samplerate={RATE}"),
            &format!("--ao-pcm-file={}", out.display()),
        ])
        .arg(playlist)
        .output()
        .expect("mpv (installed by scripts/setup.sh --tests)");
    assert!(status.status.success(), "{status:?}");
    let bytes = std::fs::read(&out).expect("mpv's output");
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// The pitch of a pure tone between two times (seconds), from its rising zero crossings.
fn pitch(samples: &[i16], from_s: f64, to_s: f64) -> f64 {
    let at = |s: f64| ((s * f64::from(RATE)) as usize).min(samples.len());
    let part = &samples[at(from_s)..at(to_s)];
    let rising = part.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
    rising as f64 / (to_s - from_s)
}

#[tokio::test]
async fn a_sheet_turns_its_file_into_tracks_analysed_exported_and_rescanned() {
    let (_root, music, data) = temp_dirs();
    let album = music.join("Ensemble/album.flac");
    write_album(&album);
    let sheet = music.join("Ensemble/album.cue");
    std::fs::write(&sheet, sheet_bytes("Middle")).expect("sheet");
    // A plain file beside it stays one track.
    write_audio(&music.join("Ensemble/bonus.flac"), Fmt::Flac, 3.0, 440.0);
    let library = library_with(&music, &data).await;

    let summary = scan(&library).await;
    assert_eq!(
        (summary.added, summary.failed, summary.warnings),
        (4, 0, 0),
        "{summary:?}"
    );
    let rows = tracks(&library).await;
    let spans: Vec<&TrackRow> = rows.iter().filter(|t| t.span.is_some()).collect();
    assert_eq!(spans.len(), 3);
    let titles: Vec<&str> = spans.iter().filter_map(|t| t.title.as_deref()).collect();
    assert_eq!(titles, ["Low", "Middle", "High"]);
    let artists: Vec<&str> = spans.iter().filter_map(|t| t.artist.as_deref()).collect();
    assert_eq!(artists, ["Ensemble Café", "Soloist", "Ensemble Café"]);
    let mut start = 0.0;
    for (t, (seconds, _, _)) in spans.iter().zip(PARTS) {
        assert_eq!(t.album.as_deref(), Some("Tones of the Café"));
        assert_eq!(t.album_artist.as_deref(), Some("Ensemble Café"));
        assert_eq!(t.path, album.to_string_lossy(), "the file it plays from");
        let span = t.span.expect("span");
        assert_eq!(t.track_no, Some(i64::from(span.number)));
        assert!((span.start_s - start).abs() < 0.02, "{span:?}");
        let duration = t.duration_s.expect("duration");
        assert!(
            (duration - f64::from(seconds)).abs() <= 0.1,
            "{duration} s for {seconds} s"
        );
        start += f64::from(seconds);
    }
    assert_eq!(
        spans[2].span.and_then(|s| s.end_s),
        None,
        "the last runs to the end"
    );

    // Each track is analysed on its own stretch: its length, and its own peak (one sample of
    // a louder neighbour would show).
    analyze(&library).await;
    for (t, (seconds, _, amplitude)) in spans.iter().zip(PARTS) {
        let detail = library
            .track_detail(t.id)
            .await
            .expect("q")
            .expect("detail");
        let features = detail.features.expect("analysed");
        assert!(
            (features.duration_s - f64::from(seconds)).abs() <= 0.1,
            "analysed {} s of a {seconds} s track",
            features.duration_s
        );
        let peak = features.loudness.peak_dbfs.expect("peak");
        let want = 20.0 * f64::from(amplitude).log10();
        assert!(
            (peak - want).abs() < 0.3,
            "{:?}: peak {peak} dBFS, not {want}",
            t.title
        );
    }

    // A failure of a sheet's track (its analysis, say) stays while its file is there: the scan
    // prunes failures by file, not by the track's key.
    sqlx::query(
        "INSERT INTO failures (folder_id, path, path_bytes, stage, reason, at)
         SELECT folder_id, path, path_bytes, 'analyze', 'test', 'now' FROM tracks WHERE id = ?",
    )
    .bind(spans[1].id)
    .execute(library.store().pool())
    .await
    .expect("failure");
    scan(&library).await;
    let failures = library.failures().await.expect("failures");
    assert!(
        failures
            .iter()
            .any(|f| f.path.ends_with("album.flac (track 2)")),
        "{failures:?}"
    );
    sqlx::query("DELETE FROM failures WHERE stage = 'analyze'")
        .execute(library.store().pool())
        .await
        .expect("clean");

    // Exported: VLC's start/stop options (M3U8 and XSPF), a comment for other players.
    let ids: Vec<i64> = spans.iter().map(|t| t.id).collect();
    let saved = library
        .save_playlist("Café tones", None, &ids)
        .await
        .expect("save");
    let m3u = music.join("tones.m3u8");
    library
        .export_playlist(saved.id, &m3u)
        .await
        .expect("export");
    let text = std::fs::read_to_string(&m3u).expect("m3u8");
    assert!(
        text.contains(
            "#EXTVLCOPT:start-time=8.000\n#EXTVLCOPT:stop-time=14.000\nEnsemble/album.flac\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("# track 3 of the file's CUE sheet: 0:14.000 to the end"),
        "{text}"
    );
    let xspf = music.join("tones.xspf");
    library
        .export_playlist(saved.id, &xspf)
        .await
        .expect("export");
    let text = std::fs::read_to_string(&xspf).expect("xspf");
    assert!(
        text.contains("<vlc:option>start-time=8.000</vlc:option>"),
        "{text}"
    );
    assert!(
        text.contains("xmlns:vlc=\"http://www.videolan.org/vlc/playlist/ns/0/\""),
        "{text}"
    );

    // mpv plays the EDL's stretches exactly: High, then Middle, then the plain file whole.
    let bonus = rows
        .iter()
        .find(|t| t.span.is_none())
        .expect("the plain file");
    let saved = library
        .save_playlist("For mpv", None, &[spans[2].id, spans[1].id, bonus.id])
        .await
        .expect("save");
    let edl = music.join("for mpv.edl");
    library
        .export_playlist(saved.id, &edl)
        .await
        .expect("export");
    let played = mpv_plays(&edl);
    let seconds = played.len() as f64 / f64::from(RATE);
    assert!(
        (seconds - 14.0).abs() <= 0.1,
        "mpv played {seconds} s, not 5 + 6 + 3"
    );
    for (from, to, hz) in [(0.0, 5.0, 700.0), (5.0, 11.0, 500.0), (11.0, 14.0, 440.0)] {
        let heard = pitch(&played, from + 0.3, to - 0.3);
        assert!(
            (heard - hz).abs() < 10.0,
            "{from}–{to} s: {heard} Hz, not {hz} Hz"
        );
    }

    // Nothing changed: nothing read.
    let again = scan(&library).await;
    assert_eq!(
        (again.unchanged, again.added, again.updated),
        (4, 0, 0),
        "{again:?}"
    );

    // The sheet edited (a title): its tracks are read again, keep their ids and analysis.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&sheet, sheet_bytes("Centre")).expect("sheet");
    let edited = scan(&library).await;
    assert_eq!(
        (edited.updated, edited.unchanged, edited.removed),
        (3, 1, 0),
        "{edited:?}"
    );
    let after = tracks(&library).await;
    let spans_after: Vec<&TrackRow> = after.iter().filter(|t| t.span.is_some()).collect();
    assert_eq!(spans_after[1].title.as_deref(), Some("Centre"));
    assert_eq!(spans_after.iter().map(|t| t.id).collect::<Vec<_>>(), ids);
    assert!(spans_after.iter().all(|t| t.status.as_str() == "analyzed"));

    // The sheet gone: one track again, the whole file.
    std::fs::remove_file(&sheet).expect("rm");
    let gone = scan(&library).await;
    assert_eq!(gone.updated, 1, "{gone:?}");
    let whole: Vec<TrackRow> = tracks(&library).await;
    assert_eq!(whole.len(), 2);
    let album_row = whole
        .iter()
        .find(|t| t.path == album.to_string_lossy())
        .expect("album");
    assert!(album_row.span.is_none());
    assert!((album_row.duration_s.expect("duration") - 19.0).abs() <= 0.1);
    // The saved playlist lost the tracks that are gone, not the playlist.
    library.close().await;
}

#[tokio::test]
async fn broken_sheets_leave_the_file_one_track_and_say_why() {
    let (_root, music, data) = temp_dirs();
    let cases: [(&str, &str, &str); 3] = [
        (
            "bad time",
            "FILE \"a.flac\" WAVE\n TRACK 01 AUDIO\n  INDEX 01 00:00:00\n TRACK 02 AUDIO\n  INDEX 01 00:99:00\n",
            "line 5",
        ),
        (
            "another file",
            "FILE \"other.flac\" WAVE\n TRACK 01 AUDIO\n  INDEX 01 00:00:00\n",
            "names other.flac",
        ),
        (
            "past the end",
            "FILE \"a.flac\" WAVE\n TRACK 01 AUDIO\n  INDEX 01 00:00:00\n TRACK 02 AUDIO\n  INDEX 01 09:00:00\n",
            "past the end",
        ),
    ];
    for (i, (what, text, _)) in cases.iter().enumerate() {
        let dir = music.join(format!("case {i} {what}"));
        write_audio(&dir.join("a.flac"), Fmt::Flac, 4.0, 440.0);
        std::fs::write(dir.join("a.cue"), text).expect("sheet");
    }
    let library = library_with(&music, &data).await;
    let summary = scan(&library).await;
    assert_eq!(
        (summary.added, summary.warnings, summary.failed),
        (3, 3, 0),
        "{summary:?}"
    );
    let rows = tracks(&library).await;
    assert!(rows.iter().all(|t| t.span.is_none()), "one track per file");
    let failures = library.failures().await.expect("failures");
    for (i, (what, _, says)) in cases.iter().enumerate() {
        let f = failures
            .iter()
            .find(|f| f.path.contains(&format!("case {i} ")))
            .unwrap_or_else(|| panic!("{what}: no warning in {failures:?}"));
        assert!(f.reason.contains("CUE sheet a.cue"), "{what}: {}", f.reason);
        assert!(f.reason.contains(says), "{what}: {}", f.reason);
        assert!(
            f.reason.contains("kept as one track"),
            "{what}: {}",
            f.reason
        );
    }
    // Unchanged, the warnings are not read again nor lost.
    let again = scan(&library).await;
    assert_eq!(
        (again.unchanged, again.warnings, again.updated),
        (3, 3, 0),
        "{again:?}"
    );
    library.close().await;
}

#[tokio::test]
async fn a_sheet_in_the_flac_tags_splits_it_too() {
    let (_root, music, data) = temp_dirs();
    let album = music.join("rip.flac");
    write_album(&album);
    // The ripper's name for the file, not this one: an embedded sheet describes its own file.
    let sheet = "TITLE \"Inside\"\nPERFORMER \"Embedded\"\nFILE \"CDImage.wav\" WAVE\n\
                 \x20TRACK 01 AUDIO\n  TITLE \"One\"\n  INDEX 01 00:00:00\n\
                 \x20TRACK 02 AUDIO\n  TITLE \"Two\"\n  INDEX 01 00:08:00\n";
    let tags = segue::metadata::Tags {
        cue_sheet: Some(sheet.into()),
        ..Default::default()
    };
    segue::audio::encode::write_tags(&album, &tags).expect("tags");
    let library = library_with(&music, &data).await;
    let summary = scan(&library).await;
    assert_eq!((summary.added, summary.warnings), (2, 0), "{summary:?}");
    let rows = tracks(&library).await;
    let titles: Vec<(&str, &str)> = rows
        .iter()
        .map(|t| {
            (
                t.title.as_deref().unwrap_or(""),
                t.album.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(titles, [("One", "Inside"), ("Two", "Inside")]);
    let durations: Vec<f64> = rows.iter().filter_map(|t| t.duration_s).collect();
    assert!(
        (durations[0] - 8.0).abs() <= 0.1 && (durations[1] - 11.0).abs() <= 0.1,
        "{durations:?}"
    );
    // A sheet beside it wins (the one people edit).
    std::fs::write(music.join("rip.cue"), sheet_bytes("Beside")).expect("sheet");
    std::fs::rename(&album, music.join("album.flac")).expect("rename");
    std::fs::rename(music.join("rip.cue"), music.join("album.cue")).expect("rename");
    let again = scan(&library).await;
    assert_eq!((again.added, again.removed), (3, 2), "{again:?}");
    let rows = tracks(&library).await;
    assert_eq!(rows[1].title.as_deref(), Some("Beside"));
    library.close().await;
}

#[tokio::test]
async fn a_sheet_named_otherwise_pairs_with_the_file_it_names() {
    let (_root, music, data) = temp_dirs();
    // As many rippers leave it: the image named by the program, the sheet by the album (the
    // sheet names the WAV the rip started from, compressed to FLAC since).
    write_album(&music.join("CDImage.flac"));
    let sheet = music.join("Ensemble Café - Tones of the Café.cue");
    let naming_the_image = |second_title: &str| {
        let bytes = sheet_bytes(second_title);
        let at = bytes
            .windows(9)
            .position(|w| w == b"album.wav")
            .expect("FILE line");
        [&bytes[..at], b"CDImage.wav", &bytes[at + 9..]].concat()
    };
    std::fs::write(&sheet, naming_the_image("Middle")).expect("sheet");
    // Another file of the folder, named only by a sheet of one file per track (that is the
    // file's own tags' job), and a sheet for a file that is not there.
    write_audio(&music.join("bonus.flac"), Fmt::Flac, 4.0, 440.0);
    std::fs::write(
        music.join("per track.cue"),
        "FILE \"bonus.wav\" WAVE\n TRACK 01 AUDIO\n  TITLE \"Not this\"\n  INDEX 01 00:00:00\n\
         FILE \"elsewhere.flac\" WAVE\n TRACK 02 AUDIO\n  INDEX 01 00:00:00\n\
         \x20TRACK 03 AUDIO\n  INDEX 01 00:01:00\n",
    )
    .expect("sheet");
    let library = library_with(&music, &data).await;
    let summary = scan(&library).await;
    assert_eq!(
        (summary.added, summary.warnings, summary.failed),
        (4, 0, 0),
        "{summary:?}"
    );
    let rows = tracks(&library).await;
    let titles: Vec<&str> = rows
        .iter()
        .map(|t| t.title.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(titles, ["Low", "Middle", "High", "bonus"], "{rows:?}");
    assert_eq!(rows[0].album.as_deref(), Some("Tones of the Café"));
    for (row, want) in rows.iter().zip([8.0, 6.0, 5.0]) {
        let got = row.duration_s.expect("duration");
        assert!((got - want).abs() <= 0.1, "{got} vs {want}");
    }
    assert!(
        rows[3].span.is_none(),
        "a file no sheet names stays one track"
    );
    // Unchanged, nothing is read again; an edited sheet is.
    let again = scan(&library).await;
    assert_eq!((again.unchanged, again.updated), (4, 0), "{again:?}");
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&sheet, naming_the_image("Centre stage")).expect("edit");
    let edited = scan(&library).await;
    assert_eq!(edited.updated, 3, "{edited:?}");
    let rows = tracks(&library).await;
    assert_eq!(rows[1].title.as_deref(), Some("Centre stage"));
    library.close().await;
}
