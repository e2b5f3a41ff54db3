//! Monkey's Audio: files made by Debian's jmac encoder from generated WAVs decode sample for
//! sample as the WAV, seek to a time exactly, and scan, analyse, split by a CUE sheet and
//! preview like any album rip; a cut file keeps its track with a warning, files that only
//! start like one fail with the reason.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use segue::audio::decode::{decode_part, DecodeSink, Part};
use segue::{AnalyzeOptions, CancellationToken, PauseSwitch, TrackRow};

const APE_RATE: u32 = 44_100;

/// A stereo WAV of `bits` per sample: a tone on the left, a deterministic noise on the right
/// (so the encoder's predictor has work). Returns the interleaved samples as integers. Written
/// by hand: jmac reads only the plain PCM header, not the extensible one hound writes for 24 bits.
fn write_stereo_wav(path: &Path, bits: u16, seconds: f64) -> Vec<i32> {
    let full = f64::from((1i32 << (bits - 1)) - 1);
    let mut state = 0x2545_f491_u32;
    let mut samples = Vec::new();
    for i in 0..(seconds * f64::from(APE_RATE)) as usize {
        let t = i as f64 / f64::from(APE_RATE);
        let tone = (0.6 * full * (std::f64::consts::TAU * 440.0 * t).sin()) as i32;
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = ((f64::from(state) / f64::from(u32::MAX) - 0.5) * 0.2 * full) as i32;
        samples.extend([tone, noise]);
    }
    let width = usize::from(bits / 8);
    let data: Vec<u8> = samples
        .iter()
        .flat_map(|s| s.to_le_bytes()[..width].to_vec())
        .collect();
    let block = 2 * bits / 8;
    let mut file = Vec::new();
    file.extend(b"RIFF");
    file.extend((36 + data.len() as u32).to_le_bytes());
    file.extend(b"WAVEfmt ");
    file.extend(16u32.to_le_bytes());
    file.extend(1u16.to_le_bytes()); // PCM
    file.extend(2u16.to_le_bytes());
    file.extend(APE_RATE.to_le_bytes());
    file.extend((APE_RATE * u32::from(block)).to_le_bytes());
    file.extend(block.to_le_bytes());
    file.extend(bits.to_le_bytes());
    file.extend(b"data");
    file.extend((data.len() as u32).to_le_bytes());
    file.extend(data);
    std::fs::write(path, file).expect("wav");
    samples
}

/// The decoded audio as the source has it (interleaved, at its rate).
#[derive(Default)]
struct Source {
    samples: Vec<f32>,
    channels: usize,
    rate: u32,
}

impl DecodeSink for Source {
    fn source(&mut self, interleaved: &[f32], channels: usize, rate: u32) {
        self.samples.extend_from_slice(interleaved);
        (self.channels, self.rate) = (channels, rate);
    }
    fn mono(&mut self, _block: &[f32]) {}
    fn wants_mono(&self) -> bool {
        false
    }
}

fn decoded(path: &Path, part: Option<Part>) -> Source {
    let mut sink = Source::default();
    decode_part(path, part, 22_050, None, &mut sink).expect("decode");
    sink
}

#[test]
fn ape_decodes_sample_for_sample_and_seeks_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    for bits in [16u16, 24] {
        let wav = dir.path().join(format!("s{bits}.wav"));
        let ape = wav.with_extension("ape");
        // 7 s: several of jmac's frames (73,728 samples each at "normal").
        let want = write_stereo_wav(&wav, bits, 7.0);
        encode_ape(&wav, &ape);
        let scale = (1i64 << (bits - 1)) as f32;
        let want: Vec<f32> = want.iter().map(|&s| s as f32 / scale).collect();

        let whole = decoded(&ape, None);
        assert_eq!((whole.channels, whole.rate), (2, APE_RATE));
        assert_eq!(whole.samples.len(), want.len(), "{bits}-bit: every sample");
        let differ = whole
            .samples
            .iter()
            .zip(&want)
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(differ, 0, "{bits}-bit: lossless");

        // From 3.5 s (inside the third frame) to 4 s: exactly those samples.
        let part = decoded(
            &ape,
            Some(Part {
                start_s: 3.5,
                end_s: Some(4.0),
            }),
        );
        let from = (3.5 * f64::from(APE_RATE)) as usize * 2;
        let to = (4.0 * f64::from(APE_RATE)) as usize * 2;
        assert_eq!(part.samples, want[from..to], "{bits}-bit: the part");
    }
}

#[tokio::test]
async fn ape_albums_scan_split_by_their_sheet_analyse_and_fail_clearly() {
    let (_root, music, data) = temp_dirs();
    std::fs::create_dir_all(&music).expect("music");
    // The album: 9 s, split 0–4 s, 4–9 s by its sheet.
    let wav = data.with_file_name("album.wav");
    write_stereo_wav(&wav, 16, 9.0);
    let album = music.join("Rip/album.ape");
    std::fs::create_dir_all(album.parent().expect("parent")).expect("folder");
    encode_ape(&wav, &album);
    std::fs::remove_file(&wav).expect("tmp");
    std::fs::write(
        music.join("Rip/album.cue"),
        "PERFORMER \"Rip\"\nTITLE \"Monkeys\"\nFILE \"album.ape\" WAVE\n  TRACK 01 AUDIO\n    \
         TITLE \"One\"\n    INDEX 01 00:00:00\n  TRACK 02 AUDIO\n    TITLE \"Two\"\n    \
         INDEX 01 00:04:00\n",
    )
    .expect("sheet");
    // The same audio cut at 60 %, and a file that only starts like Monkey's Audio.
    let bytes = std::fs::read(&album).expect("album");
    std::fs::write(music.join("cut.ape"), &bytes[..bytes.len() * 6 / 10]).expect("cut");
    let mut fake = b"MAC \x96\x0f\0\0".to_vec();
    fake.extend((0..4000u32).map(|i| (i * 7919 % 251) as u8));
    std::fs::write(music.join("fake.ape"), fake).expect("fake");
    // The real header over a body of noise: every frame fails its checksum.
    let mut garbled = bytes[..200].to_vec();
    garbled.extend((200..bytes.len() as u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    std::fs::write(music.join("garbled.ape"), garbled).expect("garbled");

    // The same album with its sheet in its APEv2 tag (as EAC and foobar2000 keep it).
    let embedded = music.join("Tagged/album.ape");
    std::fs::create_dir_all(embedded.parent().expect("parent")).expect("folder");
    std::fs::copy(&album, &embedded).expect("copy");
    let mut tag = lofty::tag::Tag::new(lofty::tag::TagType::Ape);
    tag.insert_unchecked(lofty::tag::TagItem::new(
        lofty::tag::ItemKey::Unknown("Cuesheet".into()),
        lofty::tag::ItemValue::Text(
            "FILE \"CDImage.ape\" WAVE\n  TRACK 01 AUDIO\n    TITLE \"Uno\"\n    INDEX 01 00:00:00\n  \
             TRACK 02 AUDIO\n    TITLE \"Dos\"\n    INDEX 01 00:04:00\n"
                .into(),
        ),
    ));
    lofty::tag::TagExt::save_to_path(&tag, &embedded, lofty::config::WriteOptions::default())
        .expect("APEv2 tag");

    let library = library_with(&music, &data).await;
    let summary = scan(&library).await;
    assert_eq!(
        (summary.added, summary.failed, summary.warnings),
        (5, 2, 1),
        "{summary:?}"
    );
    let failures = library.failures().await.expect("failures");
    let reason = |name: &str| {
        failures
            .iter()
            .find(|f| f.path.ends_with(name))
            .map(|f| f.reason.clone())
            .unwrap_or_else(|| panic!("{name} is listed: {failures:?}"))
    };
    let fake = reason("fake.ape");
    assert!(
        fake.contains("truncated"),
        "its header asks for more than it holds: {fake}"
    );
    let garbled = reason("garbled.ape");
    assert!(garbled.contains("damaged"), "{garbled}");
    let cut = reason("cut.ape");
    assert!(cut.contains("truncated"), "{cut}");

    let mut rows: Vec<TrackRow> = library.tracks(None).await.expect("tracks");
    rows.sort_by_key(|t| (t.path.clone(), t.track_no));
    let spans: Vec<&TrackRow> = rows.iter().filter(|t| t.span.is_some()).collect();
    let titles: Vec<&str> = spans.iter().filter_map(|t| t.title.as_deref()).collect();
    assert_eq!(titles, ["One", "Two", "Uno", "Dos"]);
    for (t, seconds) in spans.iter().zip([4.0, 5.0, 4.0, 5.0]) {
        assert_eq!(t.format, "APE");
        assert_eq!((t.sample_rate, t.channels), (Some(44_100), Some(2)));
        let d = t.duration_s.expect("duration");
        assert!((d - seconds).abs() <= 0.1, "{d} s, not {seconds} s");
    }
    let cut = rows
        .iter()
        .find(|t| t.path.ends_with("cut.ape"))
        .expect("the cut file keeps its track");

    // Each sheet track analysed on its own stretch; the cut file on what it holds.
    let (options, cancel, pause) = (
        AnalyzeOptions::default(),
        CancellationToken::new(),
        PauseSwitch::new(),
    );
    let run = library.analyze(&options, Arc::new(|_| {}), &cancel, &pause);
    let done = tokio::time::timeout(std::time::Duration::from_secs(600), run)
        .await
        .expect("analysis must finish")
        .expect("analysis");
    assert_eq!((done.analyzed, done.failed), (5, 0), "{done:?}");
    for (t, seconds) in spans.iter().zip([4.0, 5.0, 4.0, 5.0]) {
        let features = library
            .track_detail(t.id)
            .await
            .expect("q")
            .and_then(|d| d.features)
            .expect("analysed");
        assert!(
            (features.duration_s - seconds).abs() <= 0.1,
            "analysed {} s of {seconds}",
            features.duration_s
        );
    }
    let cut = library
        .track_detail(cut.id)
        .await
        .expect("q")
        .and_then(|d| d.features)
        .expect("the cut file analysed");
    assert!(
        cut.duration_s > 4.0 && cut.duration_s < 6.0,
        "60 % of 9 s decodes: {} s",
        cut.duration_s
    );
}
