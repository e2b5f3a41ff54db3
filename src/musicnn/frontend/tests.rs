use super::log_step::numpy_log10f;
use super::*;

/// `np.mean(y, axis=0)` over channels, as a new vector (the front end's own path appends
/// with [`crate::audio::decode::mix_down`]).
fn mixdown(interleaved: &[f32], channels: usize) -> Vec<f32> {
    let mut out = Vec::new();
    crate::audio::decode::mix_down(interleaved, channels, &mut out);
    out
}
use std::path::{Path, PathBuf};

pub(super) fn ref_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/musicnn/ref"
    ));
    assert!(
        dir.join("audio").is_dir(),
        "MusiCNN reference data missing: expected {} \
         (shared/musicnn/ref with audio/*.wav and *.MSD_musicnn.json)",
        dir.display()
    );
    dir
}

/// int16 / 32768 as float32, channels averaged (soundfile + librosa.to_mono).
pub(super) fn read_wav(path: &Path) -> (Vec<f32>, u32) {
    let mut reader = hound::WavReader::open(path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let spec = reader.spec();
    assert_eq!(spec.sample_format, hound::SampleFormat::Int);
    assert_eq!(spec.bits_per_sample, 16);
    let samples: Vec<f32> = reader
        .samples::<i16>()
        .map(|s| f32::from(s.expect("sample")) / 32768.0f32)
        .collect();
    (
        mixdown(&samples, usize::from(spec.channels)),
        spec.sample_rate,
    )
}

/// The reference inputs: every `audio/*.wav` with its `*.MSD_musicnn.json`.
fn reference_cases() -> Vec<(String, PathBuf, serde_json::Value, String)> {
    let dir = ref_dir();
    let mut names: Vec<String> = std::fs::read_dir(dir.join("audio"))
        .expect("list ref/audio")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".wav").map(str::to_owned)
        })
        .collect();
    names.sort();
    assert!(
        names.len() >= 10,
        "expected the 10 reference WAVs, found {}",
        names.len()
    );
    names
        .into_iter()
        .map(|name| {
            let json_path = dir.join(format!("{name}.MSD_musicnn.json"));
            let text = std::fs::read_to_string(&json_path)
                .unwrap_or_else(|e| panic!("{}: {e}", json_path.display()));
            let json: serde_json::Value = serde_json::from_str(&text).expect("reference JSON");
            (
                name.clone(),
                dir.join(format!("audio/{name}.wav")),
                json,
                text,
            )
        })
        .collect()
}

fn json_matrix(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .expect("matrix")
        .iter()
        .flat_map(|row| {
            row.as_array()
                .expect("row")
                .iter()
                .map(|x| x.as_f64().expect("number"))
        })
        .collect()
}

/// A number from the JSON text parsed with Rust's correctly rounded parser (serde_json's
/// default float parsing can be one ulp off): the first `"key": <number>` after `after`.
fn raw_json_f64(text: &str, after: &str, key: &str) -> f64 {
    let start = text.find(after).unwrap_or_else(|| panic!("no {after}"));
    let pattern = format!("\"{key}\":");
    let at = start
        + text[start..]
            .find(&pattern)
            .unwrap_or_else(|| panic!("no {key}"))
        + pattern.len();
    let rest = text[at..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
        .unwrap_or(rest.len());
    rest[..end].parse().unwrap_or_else(|e| panic!("{key}: {e}"))
}

fn json_usize(v: &serde_json::Value, key: &str) -> usize {
    v[key].as_u64().unwrap_or_else(|| panic!("missing {key}")) as usize
}

/// numpy's float64 `sum` of a contiguous array (pairwise summation, blocks of 128,
/// 8 accumulators, over chunks of 8192), as `spectrogram_stats.sum` was computed.
fn numpy_sum(a: &[f64]) -> f64 {
    fn pairwise(a: &[f64]) -> f64 {
        let n = a.len();
        if n < 8 {
            let mut res = 0.0;
            for &v in a {
                res += v;
            }
            res
        } else if n <= 128 {
            let mut r = [0.0f64; 8];
            r.copy_from_slice(&a[..8]);
            let mut i = 8;
            while i < n - n % 8 {
                for j in 0..8 {
                    r[j] += a[i + j];
                }
                i += 8;
            }
            let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for &v in &a[i..] {
                res += v;
            }
            res
        } else {
            let mut n2 = n / 2;
            n2 -= n2 % 8;
            pairwise(&a[..n2]) + pairwise(&a[n2..])
        }
    }
    // The reduction's inner loop sees the array in buffer-sized chunks of 8192.
    let mut sum = 0.0;
    for chunk in a.chunks(8192) {
        sum += pairwise(chunk);
    }
    sum
}

/// SHA-256 (FIPS 180-4), for `spectrogram_sha256_f32`.
fn sha256_hex(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, c) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7]
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [
                t1.wrapping_add(t2),
                v[0],
                v[1],
                v[2],
                v[3].wrapping_add(t1),
                v[4],
                v[5],
                v[6],
            ];
        }
        for (a, b) in h.iter_mut().zip(v) {
            *a = a.wrapping_add(b);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

#[test]
fn sha256_known_vectors() {
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
}

/// Frames 0–4 against `mel_power_first5` / `mel_first5`. Returns (max relative diff of the
/// mel power, max abs diff of the log-mel, values that land on a neighbouring float16 step).
fn check_first5(
    name: &str,
    mel: &[f32],
    log_mel: &[f32],
    json: &serde_json::Value,
) -> (f64, f64, usize) {
    let ref_power = json_matrix(&json["mel_power_first5"]);
    let ref_log = json_matrix(&json["mel_first5"]);
    assert_eq!(ref_power.len(), 5 * N_MELS);
    assert_eq!(ref_log.len(), 5 * N_MELS);
    let mut max_rel = 0.0f64;
    for (i, (&ours, &want)) in mel.iter().zip(&ref_power).enumerate() {
        let diff = (f64::from(ours) - want).abs();
        // The JSON holds 6 significant digits.
        assert!(
            diff <= 1e-5 * want.abs() + 1e-12,
            "{name}: mel power [{}, {}] = {ours}, reference {want}",
            i / N_MELS,
            i % N_MELS
        );
        if want != 0.0 {
            max_rel = max_rel.max(diff / want.abs());
        }
    }
    let mut max_abs = 0.0f64;
    let mut flips = 0;
    for (i, ((&ours, &want), &power)) in log_mel.iter().zip(&ref_log).zip(mel).enumerate() {
        let tolerance = 1e-5 * want.abs() + 1e-7;
        let diff = (f64::from(ours) - want).abs();
        max_abs = max_abs.max(diff);
        if diff <= tolerance {
            continue;
        }
        // One float16 step either side of our rounding.
        let h = half::f16::from_f32(power);
        let neighbours = [h.to_bits().wrapping_sub(1), h.to_bits().wrapping_add(1)];
        let explained = neighbours.iter().any(|&b| {
            let v = half::f16::from_bits(b).to_f32();
            let alt = numpy_log10f(v * 10000.0 + 1.0);
            (f64::from(alt) - want).abs() <= tolerance
        });
        assert!(
            explained,
            "{name}: log-mel [{}, {}] = {ours}, reference {want}, not within one float16 step",
            i / N_MELS,
            i % N_MELS
        );
        flips += 1;
    }
    (max_rel, max_abs, flips)
}

#[test]
fn reference_files_match() {
    let mut fe = FrontEnd::new();
    let mut total_flips = 0;
    let mut sha_matches = 0;
    let cases = reference_cases();
    for (name, wav, json, text) in &cases {
        let (x, sr) = read_wav(wav);
        let y = resample_to_16k(&x, sr);
        let n_samples = json_usize(json, "n_samples");
        assert_eq!(y.len(), n_samples, "{name}: 16 kHz length");
        if sr != SAMPLE_RATE {
            // librosa's fix_length target.
            let expected = (x.len() as f64 * 16000.0 / f64::from(sr)).ceil() as usize;
            assert_eq!(
                n_samples, expected,
                "{name}: n_samples is the 16 kHz length"
            );
        }
        let t = FrontEnd::n_frames(y.len());
        assert_eq!(t, json_usize(json, "n_frames_total"), "{name}: frames");
        assert_eq!(
            patch_starts(t).len(),
            json_usize(json, "n_patches"),
            "{name}: patches"
        );

        let mel = fe.mel_power(&y, 0, 5);
        let log_mel = fe.log_mel(&y, 0, 5);
        let (max_rel, max_abs, flips) = check_first5(name, &mel, &log_mel, json);
        total_flips += flips;

        // The whole spectrogram: sha256 of the float32 bytes, and the stats.
        let spec = fe.log_mel(&y, 0, t);
        assert_eq!(spec.len(), t * N_MELS);
        let bytes: Vec<u8> = spec.iter().flat_map(|v| v.to_le_bytes()).collect();
        let sha_ok = sha256_hex(&bytes) == json["spectrogram_sha256_f32"].as_str().expect("sha");
        sha_matches += usize::from(sha_ok);
        let stat = |key| raw_json_f64(text, "\"spectrogram_stats\"", key);
        let spec64: Vec<f64> = spec.iter().map(|&v| f64::from(v)).collect();
        let sum_diff = numpy_sum(&spec64) - stat("sum");
        let min = spec.iter().copied().fold(f32::INFINITY, f32::min);
        let max = spec.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        eprintln!(
            "{name}: sr {sr}, {} samples, {t} frames; first5 mel power max rel diff \
             {max_rel:.2e}, log-mel max abs diff {max_abs:.2e}, f16 flips {flips}; \
             sha256 {}; sum diff {sum_diff:.3e}",
            y.len(),
            if sha_ok { "equal" } else { "differs" }
        );
        if sha_ok {
            assert_eq!(
                sum_diff, 0.0,
                "{name}: identical bytes must give the identical sum"
            );
        } else {
            // A float16 flip moves one value by at most ~2.1e-4 (one step of the log).
            assert!(
                sum_diff.abs() < 1e-3,
                "{name}: spectrogram sum off by {sum_diff}"
            );
        }
        assert_eq!(f64::from(min), stat("min"), "{name}: min");
        assert_eq!(f64::from(max), stat("max"), "{name}: max");
    }
    eprintln!(
        "sha256 equal on {sha_matches} of {} files; {total_flips} float16 flips in frames 0-4",
        cases.len()
    );
    assert!(
        total_flips <= 3,
        "{total_flips} float16 flips in the first frames"
    );
    assert!(
        2 * sha_matches >= cases.len(),
        "only {sha_matches} spectrograms bit-identical"
    );
}

#[test]
fn resampled_reference_files() {
    let dir = ref_dir();
    let mut fe = FrontEnd::new();
    for (name, rate, channels) in [
        ("rs44k_stereo_battle", 44_100, 2),
        ("rs48k_mono_elvish", 48_000, 1),
        ("rs22k_mono_northerners", 22_050, 1),
    ] {
        let wav = dir.join(format!("audio/{name}.wav"));
        let reader = hound::WavReader::open(&wav).expect("open");
        assert_eq!(reader.spec().sample_rate, rate);
        assert_eq!(usize::from(reader.spec().channels), channels);
        drop(reader);
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{name}.MSD_musicnn.json"))).expect("json"),
        )
        .expect("parse");
        let (x, sr) = read_wav(&wav);
        let y = resample_to_16k(&x, sr);
        assert_eq!(y.len(), json_usize(&json, "n_samples"), "{name}");
        assert_eq!(y.len(), resampled_len(x.len(), sr));
        let mel = fe.mel_power(&y, 0, 5);
        let log_mel = fe.log_mel(&y, 0, 5);
        let (max_rel, max_abs, flips) = check_first5(name, &mel, &log_mel, &json);
        eprintln!(
            "{name}: {} -> {} samples; first5 max rel {max_rel:.2e}, max abs {max_abs:.2e}, \
             flips {flips}",
            x.len(),
            y.len()
        );
        assert_eq!(flips, 0, "{name}");
    }
}

#[test]
fn tiny_and_degenerate_inputs_do_not_panic() {
    let mut fe = FrontEnd::new();
    // Empty.
    assert!(mixdown(&[], 2).is_empty());
    assert!(mixdown(&[1.0, 2.0], 0).is_empty());
    assert!(resample_to_16k(&[], 44_100).is_empty());
    assert!(resample_to_16k(&[], 16_000).is_empty());
    assert_eq!(FrontEnd::n_frames(0), 0);
    assert!(fe.mel_power(&[], 0, 10).is_empty());
    assert!(fe.log_mel(&[], 0, usize::MAX).is_empty());
    assert!(patch_starts(0).is_empty());
    // Rates that cannot be resampled.
    assert!(resample_to_16k(&[0.1; 100], 0).is_empty());
    assert!(resample_to_16k(&[0.1; 100], 20_000_000).is_empty());
    // int(2/3) = 0 output samples: resampy raises.
    assert!(resample_to_16k(&[0.1; 2], 48_000).is_empty());
    // One sample, 100 samples, around one FFT frame.
    for n in [1usize, 2, 3, 100, 255, 256, 257, 511, 512, 513] {
        let y: Vec<f32> = (0..n)
            .map(|i| ((i * 7919) % 200) as f32 / 100.0 - 1.0)
            .collect();
        let t = FrontEnd::n_frames(n);
        assert_eq!(t, 1 + n / 256);
        let mel = fe.log_mel(&y, 0, usize::MAX);
        assert_eq!(mel.len(), t * N_MELS, "n = {n}");
        assert!(mel.iter().all(|v| v.is_finite()), "n = {n}");
        assert!(fe.mel_power(&y, t, 5).is_empty());
        assert!(patch_starts(t).is_empty());
        let r = resample_to_16k(&y, 44_100);
        assert_eq!(r.len(), resampled_len(n, 44_100));
    }
    // Exactly one patch.
    let y = vec![0.25f32; PATCH_SAMPLES];
    assert_eq!(PATCH_SAMPLES, 47_616);
    assert_eq!(FrontEnd::n_frames(y.len()), PATCH_FRAMES);
    assert_eq!(patch_starts(FrontEnd::n_frames(y.len())), vec![0]);
    assert!(patch_starts(FrontEnd::n_frames(y.len() - 1)).is_empty());
    assert_eq!(fe.log_mel(&y, 0, PATCH_FRAMES).len(), PATCH_FRAMES * N_MELS);
    assert_eq!(
        patch_starts(1876),
        (0..10).map(|k| k * 187).collect::<Vec<_>>()
    );
    assert_eq!(patch_starts(626), vec![0, 187, 374]);
}

#[test]
fn mixdown_is_the_float32_mean() {
    assert_eq!(mixdown(&[1.0, 2.0, 3.0, 5.0], 2), vec![1.5, 4.0]);
    assert_eq!(mixdown(&[1.0, 2.0, 4.0, 0.5], 1), vec![1.0, 2.0, 4.0, 0.5]);
    let m = mixdown(&[0.1, 0.2, 0.4, 9.0], 3); // trailing partial frame ignored
    assert_eq!(m, vec![((0.1f32 + 0.2f32) + 0.4f32) / 3.0f32]);
}

#[test]
fn timing() {
    let (x, sr) = read_wav(&ref_dir().join("audio/rs44k_stereo_battle.wav"));
    let seconds = x.len() as f64 / f64::from(sr);
    let start = std::time::Instant::now();
    let y = resample_to_16k(&x, sr);
    let resample_ms = start.elapsed().as_secs_f64() * 1e3;
    let (z, _) = read_wav(&ref_dir().join("audio/wesnoth_battle.wav"));
    let mut fe = FrontEnd::new();
    let start = std::time::Instant::now();
    let spec = fe.log_mel(&z, 0, usize::MAX);
    let log_mel_ms = start.elapsed().as_secs_f64() * 1e3;
    eprintln!(
        "resample 44.1k -> 16k: {:.2} ms per second of audio; \
         log_mel on 30 s: {:.1} ms ({:.3} ms per second)",
        resample_ms / seconds,
        log_mel_ms,
        log_mel_ms / 30.0
    );
    assert_eq!(y.len(), 80_000);
    assert_eq!(spec.len(), 1876 * N_MELS);
}
