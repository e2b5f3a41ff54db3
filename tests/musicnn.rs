//! MusiCNN parity: the Rust port against the outputs of the original `musicnn` 0.1.0 on
//! TensorFlow (`../shared/musicnn/ref/`), for every reference file and both models, through
//! the same decode path the app uses (symphonia, mono mix-down, resampy 0.2.2 port, front end).
//!
//! Needs the weights (`scripts/fetch-models.sh`, run by the test command) and the reference
//! folder beside the repository; without either these tests fail with a message saying so.

use std::path::{Path, PathBuf};

use segue::musicnn::net::Network;
use segue::musicnn::tagger::{file_patches, file_taggram};
use segue::musicnn::{model_dir, Model};
use serde_json::Value;

fn ref_dir() -> PathBuf {
    // This test belongs to the CLI package (cli/): the repo is its parent, shared/ beside it.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/musicnn/ref");
    assert!(
        dir.join("audio").is_dir(),
        "the MusiCNN reference outputs are missing: expected {} (the shared folder beside the repo)",
        dir.display()
    );
    dir
}

fn network(model: Model) -> Network {
    let dir = model_dir(model);
    Network::load(&dir).unwrap_or_else(|e| {
        panic!(
            "cannot load {}: {e} (run scripts/fetch-models.sh)",
            dir.display()
        )
    })
}

fn reference(name: &str, model: Model) -> Value {
    let path = ref_dir().join(format!("{name}.{}.json", model.dir_name()));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn matrix(v: &Value) -> Vec<Vec<f32>> {
    v.as_array()
        .expect("a list of rows")
        .iter()
        .map(|row| {
            row.as_array()
                .expect("a row")
                .iter()
                .map(|x| x.as_f64().expect("a number") as f32)
                .collect()
        })
        .collect()
}

fn reference_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(ref_dir().join("audio"))
        .expect("reference audio folder")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let p = e.path();
            if p.extension()? != "wav" {
                return None;
            }
            Some(p.file_stem()?.to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), 10, "10 reference inputs expected");
    names
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Every reference file, both models: per-patch tag probabilities within 1e-4 of TensorFlow,
/// the same top-3 tags, per-patch penultimate layer within 1e-3.
#[test]
fn every_reference_file_matches_the_original() {
    let names = reference_names();
    for model in Model::ALL {
        let net = network(model);
        let (mut worst_tag, mut worst_pen, mut worst_logit) = (0.0f32, 0.0f32, 0.0f32);
        let mut patches_checked = 0;
        for name in &names {
            let reference = reference(name, model);
            let wav = ref_dir().join("audio").join(format!("{name}.wav"));
            let patches = file_patches(&wav, None)
                .unwrap_or_else(|e| panic!("{name}: cannot compute patches: {e}"));
            let want_tags = matrix(&reference["taggram"]);
            let want_pen = matrix(&reference["penultimate"]);
            let want_logits = matrix(&reference["logits"]);
            assert_eq!(
                patches.len(),
                want_tags.len(),
                "{name}: patch count differs from the original"
            );
            let mut mean = [0.0f32; 50];
            for (k, patch) in patches.iter().enumerate() {
                let out = net.forward(patch);
                let d_tag = max_abs_diff(&out.probs, &want_tags[k]);
                let d_pen = max_abs_diff(&out.penultimate, &want_pen[k]);
                let d_logit = max_abs_diff(&out.logits, &want_logits[k]);
                assert!(
                    d_tag <= 1e-4,
                    "{name} {model:?} patch {k}: tag probabilities differ by {d_tag:e}"
                );
                assert!(
                    d_pen <= 1e-3,
                    "{name} {model:?} patch {k}: penultimate differs by {d_pen:e}"
                );
                worst_tag = worst_tag.max(d_tag);
                worst_pen = worst_pen.max(d_pen);
                worst_logit = worst_logit.max(d_logit);
                for (m, p) in mean.iter_mut().zip(out.probs.iter()) {
                    *m += p / patches.len() as f32;
                }
                patches_checked += 1;
            }
            let mut order: Vec<usize> = (0..50).collect();
            order.sort_by(|&a, &b| mean[b].total_cmp(&mean[a]));
            let top3: Vec<&str> = order[..3].iter().map(|&i| model.labels()[i]).collect();
            let want_top3: Vec<&str> = reference["top3_tags"]
                .as_array()
                .expect("top3_tags")
                .iter()
                .map(|v| v.as_str().expect("a label"))
                .collect();
            assert_eq!(top3, want_top3, "{name} {model:?}: top-3 tags differ");
        }
        eprintln!(
            "{model:?}: {patches_checked} patches of {} files; max |diff| tags {worst_tag:.2e}, logits {worst_logit:.2e}, penultimate {worst_pen:.2e}",
            names.len()
        );
    }
}

/// The whole-file taggram (what `segue musicnn` prints) is the original's, and its tags are
/// the mean over patches.
#[test]
fn file_taggram_is_the_originals() {
    let net = network(Model::Msd);
    let name = "rs44k_stereo_battle"; // 44.1 kHz stereo: mix-down and resampling on the path
    let reference = reference(name, Model::Msd);
    let wav = ref_dir().join("audio").join(format!("{name}.wav"));
    let got = file_taggram(&net, Model::Msd, &wav, None).expect("taggram");
    let want = matrix(&reference["taggram"]);
    assert_eq!(got.taggram.len(), want.len());
    for (row, want_row) in got.taggram.iter().zip(&want) {
        assert!(max_abs_diff(row, want_row) <= 1e-4);
    }
    let want_mean: Vec<f32> = reference["tags_mean"]
        .as_array()
        .expect("tags_mean")
        .iter()
        .map(|v| v.as_f64().expect("a number") as f32)
        .collect();
    for (label, want) in Model::Msd.labels().iter().zip(&want_mean) {
        let got = got.tags[*label].as_f64().expect("a probability") as f32;
        assert!((got - want).abs() <= 1e-4, "{label}: {got} vs {want}");
    }
    assert_eq!(got.embedding.len(), 200);
}

/// Audio shorter than one patch has no tags: a clear error, not the original's crash.
#[test]
fn too_short_audio_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("short.wav");
    let samples = segue::audio::synth::sine(16_000, 2.5, 440.0, 0.5);
    segue::audio::encode::write_wav(&path, 16_000, &samples).expect("write wav");
    let err = file_taggram(&network(Model::Mtt), Model::Mtt, &path, None)
        .expect_err("2.5 s is shorter than a patch");
    assert!(err.to_string().contains("too short"), "{err}");
}

/// The analysis path (patches collected during the one streaming decode, only the audio
/// around them kept and resampled) gives the same patches as resampling the whole file.
#[test]
fn streaming_patches_equal_the_whole_file_path() {
    use segue::musicnn::frontend::Resampler;
    use segue::musicnn::tagger::{choose_patches, PatchCollector};
    for name in [
        "wesnoth_battle",
        "rs44k_stereo_battle",
        "rs48k_mono_elvish",
        "rs22k_mono_northerners",
    ] {
        let wav = reference_wav(name);
        let (spec, samples) = reference_audio(name);
        let channels = usize::from(spec.channels);
        let seconds = samples.len() as f64 / channels as f64 / f64::from(spec.sample_rate);
        for max in [1, 3, 100] {
            let (starts, whole) =
                segue::musicnn::tagger::file_patches_at(&wav, None).expect("whole-file patches");
            let chosen = choose_patches(starts.len() * 187 + 1, max);
            let mut collector = PatchCollector::new(max, Some(seconds));
            // Blocks of an odd size, as a decoder delivers them.
            for block in samples.chunks(1153 * channels) {
                collector.push(block, channels, spec.sample_rate);
            }
            let streamed = collector.finish(Resampler::ResampyExact);
            assert_eq!(
                streamed.len(),
                chosen.len().min(whole.len()),
                "{name} max {max}"
            );
            for (patch, start) in streamed.iter().zip(&chosen) {
                let k = starts
                    .iter()
                    .position(|s| s == start)
                    .expect("a grid patch");
                assert_eq!(
                    patch, &whole[k],
                    "{name} max {max}: patch at frame {start} differs"
                );
            }
        }
    }
}

/// The scan's fast resampler against the exact one, through the streaming collector and both
/// models, on generated audio at 44.1 and 48 kHz (tones, noise and a pulse, a patch's worth
/// per second of a 20-s "track") and on two reference recordings: the per-track mean tag
/// probabilities stay within the port's parity tolerance, 1e-4 (measured: 8.2e-5 on the
/// generated 44.1 kHz signal, whose 7.5 kHz tone and noise sit where the two paths' positions
/// differ most; 1e-6 at 48 kHz; 2e-5 on the recordings; 4.3e-5 at most over 246 real files),
/// the top-3 tags stay, and the log-mel patches stay within 0.01.
#[test]
fn fast_resampler_tags_stay_within_parity_tolerance() {
    use segue::musicnn::frontend::Resampler;
    use segue::musicnn::tagger::{PatchCollector, Tagger, SCAN_RESAMPLER};
    assert_eq!(SCAN_RESAMPLER, Resampler::Fast);
    let tagger = Tagger::load(&segue::musicnn::models_dir()).unwrap_or_else(|e| {
        panic!("cannot load the MusiCNN weights: {e} (run scripts/fetch-models.sh)")
    });
    let generated = |rate: u32, channels: usize| -> Vec<f32> {
        let mut state = 0x1234_5678_u32;
        (0..rate as usize * 20)
            .flat_map(|i| {
                let t = i as f64 / f64::from(rate);
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let noise = (f64::from(state) / f64::from(u32::MAX) - 0.5) * 0.2;
                let beat = if (t * 2.0).fract() < 0.05 { 0.6 } else { 0.0 };
                let chord: f64 = [
                    110.0,
                    220.0 * (1.0 + (t / 5.0).floor() / 4.0),
                    1_760.0,
                    7_500.0,
                ]
                .iter()
                .map(|f| (std::f64::consts::TAU * f * t).sin() * 0.15)
                .sum();
                let v = (chord + noise * (1.0 + (t * 0.7).sin()) + beat) as f32;
                std::iter::repeat_n(v, channels)
            })
            .collect()
    };
    let mut inputs: Vec<(String, Vec<f32>, usize, u32)> = vec![
        (
            "generated 44.1 kHz stereo".into(),
            generated(44_100, 2),
            2,
            44_100,
        ),
        (
            "generated 48 kHz mono".into(),
            generated(48_000, 1),
            1,
            48_000,
        ),
    ];
    for name in ["rs44k_stereo_battle", "rs22k_mono_northerners"] {
        let (spec, samples) = reference_audio(name);
        inputs.push((
            name.into(),
            samples,
            usize::from(spec.channels),
            spec.sample_rate,
        ));
    }
    for (name, samples, channels, rate) in inputs {
        let seconds = samples.len() as f64 / channels as f64 / f64::from(rate);
        let mut collector = PatchCollector::new(4, Some(seconds));
        for block in samples.chunks(4096 * channels) {
            collector.push(block, channels, rate);
        }
        let exact_patches = collector.patches(Resampler::ResampyExact);
        let fast_patches = collector.patches(Resampler::Fast);
        assert!(!exact_patches.is_empty(), "{name}: no patch");
        assert_eq!(exact_patches.len(), fast_patches.len());
        for (a, b) in exact_patches.iter().zip(&fast_patches) {
            let d = max_abs_diff(a, b);
            assert!(d < 0.01, "{name}: log-mel differs by {d}");
        }
        let (exact, fast) = (
            tagger.tag(&exact_patches).expect("tags"),
            tagger.tag(&fast_patches).expect("tags"),
        );
        let dp = max_abs_diff(&exact.msd, &fast.msd).max(max_abs_diff(&exact.mtt, &fast.mtt));
        eprintln!("{name}: fast vs exact resampler, max |Δp| {dp:e}");
        assert!(dp < 1e-4, "{name}: tag probabilities differ by {dp:e}");
        let top3 = |t: &segue::musicnn::tagger::TrackTags| -> Vec<&'static str> {
            t.ranked().into_iter().take(3).map(|(l, _)| l).collect()
        };
        assert_eq!(top3(&exact), top3(&fast), "{name}: top-3 tags");
    }
}

fn run(data: &Path, models: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_segue"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("SEGUE_MODEL_DIR", models)
        .output()
        .expect("run segue")
}

fn run_json(data: &Path, models: &Path, args: &[&str]) -> Value {
    let out = run(data, models, args);
    assert!(
        out.status.success(),
        "segue {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// A library scanned without the weights has no tags and says how to get them; once the
/// weights are there, the next analysis run tags exactly those tracks; tags, chips and the
/// tag filter show in the CLI; `segue musicnn` matches the original.
#[test]
fn tracks_get_tags_when_the_weights_arrive() {
    let root = tempfile::tempdir().expect("temp dir");
    let (music, data) = (root.path().join("music"), root.path().join("data"));
    std::fs::create_dir_all(&music).expect("mkdir");
    for name in [
        "wesnoth_battle",
        "wesnoth_elvish_theme",
        "rs48k_mono_elvish",
        "sine440",
    ] {
        std::fs::copy(
            ref_dir().join("audio").join(format!("{name}.wav")),
            music.join(format!("{name}.wav")),
        )
        .expect("copy");
    }
    // A clip shorter than one patch: analysed, never tagged, never revisited.
    let short = segue::audio::synth::sine(22_050, 2.0, 330.0, 0.4);
    segue::audio::encode::write_wav(&music.join("short.wav"), 22_050, &short).expect("wav");

    let no_models = root.path().join("no-models");
    let models = segue::musicnn::models_dir();
    let added = run(
        &data,
        &no_models,
        &["folder", "add", music.to_str().expect("utf8")],
    );
    assert!(added.status.success());
    let first = run_json(&data, &no_models, &["scan", "--json"]);
    assert_eq!(first["analysis"]["analyzed"], 5, "{first}");
    let tracks = run_json(&data, &no_models, &["tracks", "--json"]);
    assert!(tracks
        .as_array()
        .expect("tracks")
        .iter()
        .all(|t| t["tags"].is_null()));
    let missing = run(&data, &no_models, &["musicnn", "x.wav"]);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("scripts/fetch-models.sh"),
        "the error says how to get the weights"
    );

    // With the weights: the four tracks long enough are tagged (and only those are redone).
    let second = run_json(&data, &models, &["analyze", "--json"]);
    assert_eq!(second["analyzed"], 5, "{second}");
    let tracks = run_json(&data, &models, &["tracks", "--json"]);
    let by_name = |name: &str| -> Value {
        tracks
            .as_array()
            .expect("tracks")
            .iter()
            .find(|t| t["path"].as_str().is_some_and(|p| p.ends_with(name)))
            .cloned()
            .expect("track")
    };
    for name in [
        "wesnoth_battle.wav",
        "wesnoth_elvish_theme.wav",
        "rs48k_mono_elvish.wav",
        "sine440.wav",
    ] {
        let t = by_name(name);
        let tags = t["tags"].as_object().expect("tags: label → probability");
        assert!(tags.len() >= 90, "{name}: both models' labels");
        assert!(tags
            .values()
            .all(|p| (0.0..=1.0).contains(&p.as_f64().expect("p"))));
        assert!(tags.contains_key("rock") && tags.contains_key("mellow"));
    }
    assert!(by_name("short.wav")["tags"].is_null());
    // Nothing left to do: the short clip is not revisited.
    let third = run_json(&data, &models, &["analyze", "--json"]);
    assert_eq!(third["analyzed"], 0, "{third}");

    // Chips are the likeliest tags; the same ones `segue show` ranks first.
    let battle = by_name("wesnoth_battle.wav");
    let chips: Vec<&str> = battle["chips"]
        .as_array()
        .expect("chips")
        .iter()
        .map(|c| c.as_str().expect("chip"))
        .collect();
    let detail = run_json(
        &data,
        &models,
        &["show", &battle["id"].to_string(), "--json"],
    );
    let ranked: Vec<&str> = detail["tags"]
        .as_array()
        .expect("ranked tags")
        .iter()
        .map(|t| t["label"].as_str().expect("label"))
        .collect();
    assert_eq!(chips, ranked[..chips.len()].to_vec());
    for chip in &chips {
        assert!(battle["tags"][*chip].as_f64().expect("p") >= 0.2);
    }

    // `segue musicnn --json`: the documented shape, and the original's numbers.
    let wav = music.join("wesnoth_battle.wav");
    let out = run_json(
        &data,
        &models,
        &["musicnn", wav.to_str().expect("utf8"), "--json"],
    );
    let reference = reference("wesnoth_battle", Model::Msd);
    assert_eq!(out["labels"], reference["labels"]);
    let taggram = matrix(&out["taggram"]);
    for (row, want) in taggram.iter().zip(&matrix(&reference["taggram"])) {
        assert!(max_abs_diff(row, want) <= 1e-4);
    }
    assert_eq!(out["embedding"].as_array().expect("embedding").len(), 200);
    assert_eq!(out["tags"].as_object().expect("tags").len(), 50);
    let mtt = run_json(
        &data,
        &models,
        &[
            "musicnn",
            wav.to_str().expect("utf8"),
            "--model",
            "mtt",
            "--json",
        ],
    );
    assert_eq!(mtt["labels"], reference_mtt_labels());
}

fn reference_mtt_labels() -> Value {
    reference("wesnoth_battle", Model::Mtt)["labels"].clone()
}

/// A reference recording of `../shared/musicnn` (16-bit WAV): its header and samples in [−1, 1).
fn reference_audio(name: &str) -> (hound::WavSpec, Vec<f32>) {
    let mut reader = hound::WavReader::open(reference_wav(name)).expect("wav");
    let spec = reader.spec();
    let samples = reader
        .samples::<i16>()
        .map(|s| f32::from(s.expect("sample")) / 32768.0)
        .collect();
    (spec, samples)
}

fn reference_wav(name: &str) -> std::path::PathBuf {
    ref_dir().join("audio").join(format!("{name}.wav"))
}
