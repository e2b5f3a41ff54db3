//! Helpers for engine integration tests: a library generated on the spot in a temp dir.
//! WAV and FLAC are written by the engine itself; MP3 and Ogg Vorbis by the `lame` and
//! `oggenc` encoders (installed by the test command), since no pure-Rust encoders exist.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use segue::audio::encode::{write_flac, write_tags, write_wav};
use segue::audio::synth::{self, add_drum, add_note, midi_hz, Drum, Rng, Voice};
use segue::metadata::Tags;
use segue::{CancellationToken, Library, ScanOptions, ScanSummary};

pub const RATE: u32 = 22_050;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    Wav,
    Flac,
    Mp3,
    Ogg,
}

impl Fmt {
    pub fn ext(self) -> &'static str {
        match self {
            Fmt::Wav => "wav",
            Fmt::Flac => "flac",
            Fmt::Mp3 => "mp3",
            Fmt::Ogg => "ogg",
        }
    }
}

/// A tone of `seconds` at `hz`, written as `fmt` to `path` (parent folders created).
pub fn write_audio(path: &Path, fmt: Fmt, seconds: f32, hz: f32) {
    write_samples(path, fmt, &synth::sine(RATE, seconds, hz, 0.5));
}

/// Mono samples at [`RATE`], written as `fmt` to `path` (parent folders created).
pub fn write_samples(path: &Path, fmt: Fmt, samples: &[f32]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create folders");
    }
    let samples = samples.to_vec();
    match fmt {
        Fmt::Wav => write_wav(path, RATE, &samples).expect("write wav"),
        Fmt::Flac => write_flac(path, RATE, &samples).expect("write flac"),
        Fmt::Mp3 | Fmt::Ogg => {
            let wav = path.with_extension("tmp.wav");
            write_wav(&wav, RATE, &samples).expect("write wav");
            let status = match fmt {
                Fmt::Mp3 => Command::new("lame")
                    .args(["--quiet", "-b", "128"])
                    .arg(&wav)
                    .arg(path)
                    .status(),
                _ => Command::new("oggenc")
                    .args(["--quiet", "-q", "3", "-o"])
                    .arg(path)
                    .arg(&wav)
                    .status(),
            };
            let status = status.unwrap_or_else(|e| {
                panic!("cannot run the {fmt:?} encoder (the test command installs lame and vorbis-tools): {e}")
            });
            assert!(status.success(), "encoder failed for {}", path.display());
            std::fs::remove_file(&wav).expect("remove temp wav");
        }
    }
}

/// `wav` (plain PCM) compressed to Monkey's Audio at `ape` by jmac (Debian's
/// `libjmac-java`, installed by the test command: the one APE encoder Debian ships).
pub fn encode_ape(wav: &Path, ape: &Path) {
    let out = Command::new("java")
        .args(["-jar", "/usr/share/java/jmac.jar", "c2"])
        .arg(wav)
        .arg(ape)
        .output()
        .expect("java and jmac (scripts/setup.sh --tests installs libjmac-java)");
    // jmac exits 0 even when it refuses the input: the file is the proof.
    assert!(ape.is_file(), "jmac made no {}: {out:?}", ape.display());
}

/// A drum groove with chords on the beat: tempo `bpm`, key `tonic` major or minor.
pub fn song(bpm: f32, tonic: u8, minor: bool, seconds: f32) -> Vec<f32> {
    let mut out = vec![0.0; (seconds * RATE as f32) as usize];
    let mut rng = Rng::new(u64::from(tonic) + bpm as u64);
    let beat = 60.0 / bpm * RATE as f32;
    let third = if minor { 3 } else { 4 };
    let chords = [
        [0, third, 7],
        [5, 5 + third, 12],
        [7, 11, 14],
        [0, third, 7],
    ];
    let mut b = 0usize;
    while ((b + 1) as f32 * beat) < out.len() as f32 {
        let at = (b as f32 * beat) as usize;
        let drum = if b.is_multiple_of(2) {
            Drum::Kick
        } else {
            Drum::Snare
        };
        add_drum(&mut out, RATE, drum, at, 0.6, &mut rng);
        add_drum(
            &mut out,
            RATE,
            Drum::HiHat,
            at + (beat / 2.0) as usize,
            0.15,
            &mut rng,
        );
        let chord = chords[(b / 4) % 4];
        for interval in chord {
            let hz = midi_hz((60 + i32::from(tonic) + interval) as f32, 0.0);
            add_note(
                &mut out,
                RATE,
                Voice::Keys,
                hz,
                at..at + beat as usize,
                0.12,
                &mut rng,
            );
        }
        let bass = midi_hz((36 + i32::from(tonic) + chord[0]) as f32, 0.0);
        add_note(
            &mut out,
            RATE,
            Voice::Saw,
            bass,
            at..at + beat as usize,
            0.15,
            &mut rng,
        );
        b += 1;
    }
    out
}

pub fn tags(title: &str, artist: &str, album: &str) -> Tags {
    Tags {
        title: Some(title.to_string()),
        artist: Some(artist.to_string()),
        album: Some(album.to_string()),
        album_artist: Some(artist.to_string()),
        track_no: Some(3),
        disc_no: Some(1),
        year: Some(2020),
        genre: Some("Test".to_string()),
        has_cover: false,
        ..Tags::default()
    }
}

pub fn write_tagged(path: &Path, fmt: Fmt, seconds: f32, tags: &Tags) {
    write_audio(path, fmt, seconds, 440.0);
    write_tags(path, tags).expect("write tags");
}

/// A fresh library in a temp dir with `music` added as its only folder.
pub async fn library_with(music: &Path, data: &Path) -> Arc<Library> {
    let library = Library::open(data).await.expect("open library");
    library.add_folder(music).await.expect("add folder");
    library
}

pub async fn scan(library: &Library) -> ScanSummary {
    let options = ScanOptions::default();
    let cancel = CancellationToken::new();
    let scan = library.scan(None, &options, Arc::new(|_| {}), &cancel);
    tokio::time::timeout(std::time::Duration::from_secs(120), scan)
        .await
        .expect("scan must finish, not hang")
        .expect("scan")
}

pub fn temp_dirs() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let root = tempfile::tempdir().expect("tempdir");
    let music = root.path().join("music");
    let data = root.path().join("data");
    std::fs::create_dir_all(&music).expect("mkdir");
    (root, music, data)
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Runs the `segue` CLI on the library in `data`.
pub fn segue(data: &Path, args: &[&str]) -> std::process::Output {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_segue"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .expect("run segue");
    output
}

/// Runs the CLI and parses its stdout as one JSON document (the command must succeed).
pub fn json(data: &Path, args: &[&str]) -> serde_json::Value {
    let output = segue(data, args);
    assert!(
        output.status.success(),
        "segue {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "segue {args:?}: stdout is not one JSON document ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// A fresh library in a temp dir: the demo's 36 tracks made, scanned and analysed by `segue
/// demo` (what a user's first click does).
pub fn fresh_demo() -> (tempfile::TempDir, PathBuf) {
    let (root, _music, data) = temp_dirs();
    let summary = json(&data, &["demo", "--json"]);
    assert_eq!(summary["added"], 36, "{summary}");
    (root, data)
}

/// A library of the analysed demo for one test: a copy of the data (database, index, backups)
/// of one `fresh_demo` made per test binary, over that library's music, which no test changes.
/// The demo's analysis is the same for every copy (tests/analysis.rs checks it, and
/// tests/similarity.rs that two analyses agree); making it once saves a test binary ~20 s of
/// two cores per test.
pub fn demo_copy() -> (tempfile::TempDir, PathBuf) {
    static TEMPLATE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        // Under the target dir: kept while the binary runs, made again by its next run.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("demo-template")
            .join(env!("CARGO_CRATE_NAME"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("remove the last run's template");
        }
        let data = dir.join("data");
        let summary = json(&data, &["demo", "--json"]);
        assert_eq!(summary["added"], 36, "{summary}");
        data
    });
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    copy_tree(template, &data, &|name| {
        name == "demo" || name == "segue.lock"
    });
    (root, data)
}

/// Copies the tree at `from` to `to`, leaving out top-level entries `skip` names.
fn copy_tree(from: &Path, to: &Path, skip: &dyn Fn(&str) -> bool) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let name = entry.file_name();
        if skip(&name.to_string_lossy()) {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target, &|_| false);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
