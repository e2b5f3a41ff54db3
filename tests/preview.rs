//! Preview playback for real: cpal opens ALSA's default device, which a private configuration
//! (HOME/.asoundrc) routes through ALSA's `file` plugin into a raw file (48 kHz, S16, stereo),
//! on any machine, sound card or not. The captured audio is checked for pitch, level and
//! length; seeks, volume, pause and switching previews are checked on what comes out.
//!
//! The `null` device behind the file plugin does not pace playback like a sound card: the
//! callback runs as fast as it is called and plays silence whenever the decoder is behind. So
//! the checks look at the audio that came out (the non-silent samples), not at gaps.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use segue::audio::preview::Player;

const RATE: u32 = 44_100;

/// A private ALSA configuration that captures the default device into `dir/out.raw`.
fn capture_home(dir: &Path) -> PathBuf {
    let home = dir.join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    std::fs::write(
        home.join(".asoundrc"),
        format!(
            "pcm.!default {{\n  type plug\n  slave {{\n    pcm \"segue_capture\"\n    format S16_LE\n    rate 48000\n    channels 2\n  }}\n}}\n\
             pcm.segue_capture {{\n  type file\n  slave.pcm \"null\"\n  file \"{}\"\n  format \"raw\"\n}}\n",
            dir.join("out.raw").display()
        ),
    )
    .expect("asoundrc");
    home
}

/// The left channel of the non-silent captured audio, as floats.
fn captured(dir: &Path) -> Vec<f32> {
    let bytes = std::fs::read(dir.join("out.raw")).expect("captured audio");
    bytes
        .chunks_exact(4)
        .map(|f| f32::from(i16::from_le_bytes([f[0], f[1]])) / 32768.0)
        .filter(|x| *x != 0.0)
        .collect()
}

/// Upward swings through ±0.05: cycles of a tone.
fn cycles(x: &[f32]) -> usize {
    let mut low = false;
    let mut n = 0;
    for &v in x {
        if v < -0.05 {
            low = true;
        } else if v > 0.05 && low {
            low = false;
            n += 1;
        }
    }
    n
}

fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// A mono WAV of consecutive one-second tones at these frequencies, amplitude 0.5.
fn tones(path: &Path, hz: &[f32]) {
    let mut samples = Vec::new();
    for f in hz {
        samples.extend(
            (0..RATE).map(|i| 0.5 * (std::f32::consts::TAU * f * i as f32 / RATE as f32).sin()),
        );
    }
    segue::audio::encode::write_wav(path, RATE, &samples).expect("wav");
}

fn play(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_segue"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("play")
        .args(args)
        .env("HOME", capture_home(dir))
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run segue play")
}

#[test]
fn plays_a_tone_at_its_pitch_level_and_length() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a440.wav");
    tones(&file, &[440.0, 440.0, 440.0]);
    let out = play(
        dir.path(),
        &[file.to_str().expect("utf8"), "--seconds", "1", "--json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(state["status"], "finished");
    assert_eq!(state["sample_rate"], 48_000);
    let audio = captured(dir.path());
    // One second at the device's 48 kHz (resampled from 44.1 kHz), give or take a block.
    assert!(
        (47_000..=48_100).contains(&audio.len()),
        "{} samples",
        audio.len()
    );
    let c = cycles(&audio) as f32 * 48_000.0 / audio.len() as f32;
    assert!((c - 440.0).abs() < 4.0, "{c} Hz");
    assert!((peak(&audio) - 0.5).abs() < 0.03, "peak {}", peak(&audio));
}

#[test]
fn starts_where_asked_and_at_the_volume_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("steps.wav");
    tones(&file, &[300.0, 500.0, 700.0]);
    let out = play(
        dir.path(),
        &[
            file.to_str().expect("utf8"),
            "--from",
            "1.2",
            "--seconds",
            "0.5",
            "--volume",
            "0.5",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let audio = captured(dir.path());
    assert!(
        (23_000..=24_100).contains(&audio.len()),
        "{} samples",
        audio.len()
    );
    // Inside the second tone: 500 Hz from the first sample to the last.
    let c = cycles(&audio) as f32 * 48_000.0 / audio.len() as f32;
    assert!((c - 500.0).abs() < 8.0, "{c} Hz");
    assert!(
        (peak(&audio) - 0.25).abs() < 0.02,
        "half volume: peak {}",
        peak(&audio)
    );
}

/// Monkey's Audio (its own container and decoder, `audio::ape`) plays from a time inside
/// one of its frames.
#[test]
fn an_ape_file_plays_from_where_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("steps.wav");
    tones(&wav, &[300.0, 500.0, 700.0]);
    let file = dir.path().join("steps.ape");
    common::encode_ape(&wav, &file);
    let out = play(
        dir.path(),
        &[
            file.to_str().expect("utf8"),
            "--from",
            "1.2",
            "--seconds",
            "0.5",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let audio = captured(dir.path());
    assert!(
        (23_000..=24_100).contains(&audio.len()),
        "{} samples",
        audio.len()
    );
    let c = cycles(&audio) as f32 * 48_000.0 / audio.len() as f32;
    assert!((c - 500.0).abs() < 8.0, "{c} Hz");
}

#[test]
fn no_device_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    std::fs::write(home.join(".asoundrc"), "pcm.!default { type hw card 57 }\n").expect("asoundrc");
    let file = dir.path().join("a.wav");
    tones(&file, &[440.0]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_segue"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["play", file.to_str().expect("utf8")])
        .env("HOME", &home)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sound device") || stderr.contains("sound output"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Pause, resume, switch and seek through the engine's API (one test: ALSA reads HOME once per
/// process).
#[test]
fn pause_resume_switch_and_seek() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = capture_home(dir.path());
    // SAFETY (of the test): the only test in this binary that touches the process
    // environment; the others pass HOME to child processes.
    std::env::set_var("HOME", &home);
    let low = dir.path().join("low.wav");
    let high = dir.path().join("high.wav");
    tones(&low, &[300.0; 4]);
    tones(&high, &[900.0; 4]);
    let player = Player::new(None).expect("the captured default device opens");
    let wait_for = |what: &str, done: &dyn Fn(&segue::audio::preview::PlayerState) -> bool| {
        // A generous ceiling (20 s): the wait is on the player's progress, not on the clock.
        for _ in 0..4000 {
            let state = player.state();
            if done(&state) {
                return state;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("timed out waiting for {what}: {:?}", player.state());
    };

    player.play(&low, 0.0, Some(3.0)).expect("play");
    wait_for("playing", &|s| s.status == "playing" && s.position_s > 0.1);
    player.pause().expect("pause");
    let paused = wait_for("paused", &|s| s.status == "paused");
    std::thread::sleep(Duration::from_millis(50));
    let still = player.state();
    assert!(
        (still.position_s - paused.position_s).abs() < 0.2,
        "position holds while paused"
    );
    player.resume().expect("resume");
    // The capture device is not paced: the rest of the 3 s may play out before a look, so
    // reaching the end also shows it resumed (CI saw that) — from a pause that may itself have
    // landed at the very end (a run saw it paused at 3.0 s and finished there).
    wait_for("playing again", &|s| {
        s.status == "playing" || (s.status == "finished" && s.position_s >= paused.position_s)
    });

    // Switching is immediate: the rest of the low tone never plays after the switch.
    player.play(&high, 0.0, Some(0.5)).expect("switch");
    let finished = wait_for("the second preview to finish", &|s| s.status == "finished");
    assert!(finished
        .path
        .as_deref()
        .is_some_and(|p| p.ends_with("high.wav")));
    let audio = captured(dir.path());
    // The last half second is the high tone, and nothing of the low one comes after it starts.
    let tail = &audio[audio.len() - 24_000..];
    let c = cycles(tail) as f32 * 48_000.0 / tail.len() as f32;
    assert!((c - 900.0).abs() < 10.0, "{c} Hz at the end");

    // Seek moves the position and plays from there.
    player.play(&low, 0.0, None).expect("play");
    wait_for("playing", &|s| s.status == "playing");
    player.seek(3.5).expect("seek");
    let after = wait_for("seeked", &|s| s.from_s == 3.5);
    assert!(after.position_s >= 3.5);
    wait_for("end of file", &|s| s.status == "finished");
    let end = player.state();
    assert!((end.position_s - 4.0).abs() < 0.1, "{}", end.position_s);
    // A queue: each preview plays in turn; next and previous move through it.
    let queue = |paths: &[&Path]| {
        paths
            .iter()
            .map(|p| segue::audio::preview::QueueItem {
                path: p.to_path_buf(),
                from_s: 0.0,
                seconds: Some(0.4),
            })
            .collect::<Vec<_>>()
    };
    let before = player.state().preview;
    player
        .play_queue(queue(&[&high, &low, &high]), 0)
        .expect("queue");
    let first = player.state_after(before, Duration::from_secs(1));
    assert_eq!((first.queue_index, first.queue_len), (0, 3));
    player.next().expect("next");
    wait_for("the second item", &|s| s.queue_index == 1);
    player.previous().expect("previous");
    wait_for("the first again", &|s| s.queue_index == 0);
    let done = wait_for("the end of the queue", &|s| s.status == "finished");
    assert_eq!(done.queue_index, 2, "played on to the last item by itself");
    assert!(done
        .path
        .as_deref()
        .is_some_and(|p| p.ends_with("high.wav")));
    let audio = captured(dir.path());
    let tail = &audio[audio.len() - 19_200..];
    let c = cycles(tail) as f32 * 48_000.0 / tail.len() as f32;
    assert!(
        (c - 900.0).abs() < 12.0,
        "the last item's tone at the end: {c} Hz"
    );

    // Another device: a missing one is an error in the state (and retried), never a panic;
    // back on the default, what played goes on from where it was.
    player.play(&low, 0.0, None).expect("play");
    wait_for("playing", &|s| s.status == "playing" && s.position_s > 0.3);
    player.set_device(Some("no such device")).expect("send");
    let lost = wait_for("the error", &|s| s.status == "error");
    assert!(
        lost.error
            .as_deref()
            .is_some_and(|e| e.contains("no output device named")),
        "{lost:?}"
    );
    player.set_device(None).expect("send");
    let back = wait_for("playing again", &|s| s.status == "playing");
    assert!(
        back.from_s > 0.2,
        "resumed where it was, not from the start: {back:?}"
    );
    assert!(back.error.is_none());
    player.stop().expect("stop");
    wait_for("idle", &|s| s.status == "idle");
}

/// The player bar's close releases the sound device: a stopped player still feeds it (silence,
/// for a while), a closed one writes nothing more, and the next preview opens it again. Runs
/// the library in a child process of this test binary (ALSA reads HOME once per process).
#[test]
fn closing_the_player_releases_the_device() {
    const CHILD: &str = "SEGUE_PREVIEW_CLOSE_DIR";
    if let Some(dir) = std::env::var_os(CHILD) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        return runtime.block_on(close_through_the_library(Path::new(&dir)));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "closing_the_player_releases_the_device",
            "--exact",
            "--nocapture",
        ])
        .env("HOME", capture_home(dir.path()))
        .env(CHILD, dir.path())
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run the test in a child process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The bytes captured so far.
fn captured_len(dir: &Path) -> u64 {
    std::fs::metadata(dir.join("out.raw")).map_or(0, |m| m.len())
}

/// True if the capture grows within `ceiling` (the `null` device takes audio as fast as it
/// is written, so an open stream grows it at once).
fn grows(dir: &Path, ceiling: Duration) -> bool {
    let before = captured_len(dir);
    let deadline = std::time::Instant::now() + ceiling;
    while std::time::Instant::now() < deadline {
        if captured_len(dir) > before {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

async fn close_through_the_library(dir: &Path) {
    use segue::library::PreviewAction;
    let music = dir.join("music");
    std::fs::create_dir_all(&music).expect("mkdir");
    tones(&music.join("a_low.wav"), &[440.0; 6]);
    tones(&music.join("b_high.wav"), &[900.0; 6]);
    let library = segue::Library::open(dir.join("data")).await.expect("open");
    library.add_folder(&music).await.expect("add folder");
    library
        .scan(
            None,
            &segue::ScanOptions::default(),
            std::sync::Arc::new(|_| {}),
            &segue::CancellationToken::new(),
        )
        .await
        .expect("scan");
    let tracks = library.tracks(None).await.expect("tracks");
    let id = |name: &str| {
        tracks
            .iter()
            .find(|t| t.path.ends_with(name))
            .map(|t| t.id)
            .expect("track")
    };
    let wait_for = |what: &str, done: &dyn Fn(&segue::audio::preview::PlayerState) -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let state = library.preview_state().expect("state").expect("a player");
            if done(&state) {
                return state;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}: {state:?}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    };

    // Closing before anything played opens nothing.
    let state = library
        .control_preview(PreviewAction::Close, None)
        .await
        .expect("close");
    assert_eq!(state.status, "idle");
    assert!(library.preview_state().expect("state").is_none());
    assert_eq!(captured_len(dir), 0, "no device was opened");

    library
        .play_track(id("a_low.wav"), Some(0.0), None)
        .await
        .expect("play");
    let playing = wait_for("playing", &|s| s.status == "playing" && s.position_s > 0.3);
    // A stop leaves the device open: it goes on taking (silent) audio.
    library
        .control_preview(PreviewAction::Stop, None)
        .await
        .expect("stop");
    assert!(
        grows(dir, Duration::from_secs(10)),
        "a stopped player feeds its device"
    );

    // Close releases it: the capture stops growing.
    let closed = library
        .control_preview(PreviewAction::Close, None)
        .await
        .expect("close");
    assert_eq!(closed.status, "idle", "{closed:?}");
    assert!(closed.error.is_none(), "{closed:?}");
    assert!(
        !grows(dir, Duration::from_secs(1)),
        "the device still takes audio after close: {} bytes",
        captured_len(dir)
    );

    // The next preview opens it again, on the same device, and plays.
    library
        .play_track(id("b_high.wav"), Some(0.0), None)
        .await
        .expect("play again");
    let again = wait_for("playing again", &|s| {
        s.status == "playing"
            && s.path.as_deref().is_some_and(|p| p.ends_with("b_high.wav"))
            && s.position_s > 0.6
    });
    assert_eq!(again.device, playing.device);
    assert_eq!(again.sample_rate, 48_000);
    library
        .control_preview(PreviewAction::Close, None)
        .await
        .expect("close");
    let size = captured_len(dir);
    assert!(
        !grows(dir, Duration::from_secs(1)),
        "still written after the second close"
    );
    assert_eq!(captured_len(dir), size);
    // What came out after reopening is the second track's tone.
    let audio = captured(dir);
    assert!(audio.len() > 19_200, "{} samples", audio.len());
    let tail = &audio[audio.len() - 19_200..];
    let c = cycles(tail) as f32 * 48_000.0 / tail.len() as f32;
    assert!((c - 900.0).abs() < 12.0, "{c} Hz after reopening");
}

/// A CUE sheet's track plays its own stretch of the file: from its start (or from where asked,
/// counted from its start) to its end, never into the next track.
#[test]
fn a_cue_sheet_track_plays_its_stretch_of_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let music = dir.path().join("music");
    std::fs::create_dir_all(&music).expect("mkdir");
    tones(&music.join("album.wav"), &[300.0, 500.0, 700.0]);
    std::fs::write(
        music.join("album.cue"),
        "FILE \"album.wav\" WAVE\n TRACK 01 AUDIO\n  TITLE \"Low\"\n  INDEX 01 00:00:00\n\
         \x20TRACK 02 AUDIO\n  TITLE \"Middle\"\n  INDEX 01 00:01:00\n\
         \x20TRACK 03 AUDIO\n  TITLE \"High\"\n  INDEX 01 00:02:00\n",
    )
    .expect("sheet");
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_segue"))
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(args)
            .output()
            .expect("run segue");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    cli(&["folder", "add", music.to_str().expect("utf8")]);
    cli(&["scan", "--no-analyze"]);
    let tracks: serde_json::Value =
        serde_json::from_slice(&cli(&["tracks", "--json"])).expect("json");
    let id = |title: &str| {
        tracks
            .as_array()
            .expect("list")
            .iter()
            .find(|t| t["title"] == title)
            .and_then(|t| t["id"].as_i64())
            .unwrap_or_else(|| panic!("no track {title} in {tracks}"))
            .to_string()
    };
    // The middle track, whole: one second of 500 Hz, not a sample of its neighbours.
    let out = play(dir.path(), &[&id("Middle"), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let audio = captured(dir.path());
    assert!(
        (47_000..=48_100).contains(&audio.len()),
        "{} samples",
        audio.len()
    );
    let c = cycles(&audio) as f32 * 48_000.0 / audio.len() as f32;
    assert!((c - 500.0).abs() < 8.0, "{c} Hz");
    // The last track from half a second into it: half a second of 700 Hz, to the file's end.
    std::fs::remove_file(dir.path().join("out.raw")).expect("rm");
    let out = play(dir.path(), &[&id("High"), "--from", "0.5"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let audio = captured(dir.path());
    // Played to the end of the file, the resampler's last chunk comes out too (≤ 1,200 frames
    // at 48 kHz, fading).
    assert!(
        (23_000..=25_300).contains(&audio.len()),
        "{} samples",
        audio.len()
    );
    let c = cycles(&audio[..23_000]) as f32 * 48_000.0 / 23_000.0;
    assert!((c - 700.0).abs() < 10.0, "{c} Hz");
}
