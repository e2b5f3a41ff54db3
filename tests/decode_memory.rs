//! Decoding and analysis stream: peak memory does not grow with track length (a 30-minute track
//! costs what a 3-minute one does). Measured in child processes (`segue bench decode` and
//! `segue bench analyze`), so nothing else in the test run shares their memory high-water mark.

use std::path::Path;
use std::process::Command;

fn write_long_wav(path: &Path, seconds: u32, rate: u32) {
    // Written sample by sample: the test must not hold the track in memory either.
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("create wav");
    let step = 2.0 * std::f32::consts::PI * 220.0 / rate as f32;
    for i in 0..seconds * rate {
        let s = ((i as f32 * step).sin() * 8000.0) as i16;
        writer.write_sample(s).expect("write");
        writer.write_sample(s).expect("write");
    }
    writer.finalize().expect("finalize");
}

fn peak_mb(what: &str, path: &Path) -> (f64, f64) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_segue"));
    command.args(["bench", what, "--json"]);
    if what == "decode" {
        command.args(["--rate", "22050"]);
    }
    let out = command.arg(path).output().expect("run segue bench decode");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["failed"], 0);
    (
        v["audio_s"].as_f64().expect("audio_s"),
        v["peak_rss_mb"].as_f64().expect("peak"),
    )
}

#[test]
fn peak_memory_is_flat_with_track_length_for_decode_and_analysis() {
    let dir = tempfile::tempdir().expect("tempdir");
    let short = dir.path().join("3min.wav");
    let long = dir.path().join("30min.wav");
    write_long_wav(&short, 180, 44_100);
    write_long_wav(&long, 1_800, 44_100);
    for what in ["decode", "analyze"] {
        let (short_s, short_mb) = peak_mb(what, &short);
        let (long_s, long_mb) = peak_mb(what, &long);
        assert!((short_s - 180.0).abs() < 0.05 && (long_s - 1800.0).abs() < 0.05);
        eprintln!("peak memory, {what} 3 min: {short_mb:.1} MB, 30 min: {long_mb:.1} MB");
        // Holding 30 minutes of mono f32 would add 159 MB at 22.05 kHz (318 MB at 44.1 kHz);
        // a whole-track onset envelope and its FFT about 8 MB.
        assert!(
            long_mb < short_mb + 4.0,
            "{what}: 3 min: {short_mb:.1} MB, 30 min: {long_mb:.1} MB"
        );
    }
}
