//! Audio analysis: every feature of a track from one streaming decode.
//!
//! The decoder hands each block to an [`Analyzer`] twice: the decoded channels at their own rate
//! go to the loudness meter (R128 is defined on them), the mono mix at [`ANALYSIS_RATE`] to the
//! extractors. One 1024-point STFT feeds onsets (tempo) and timbre; a 4096-point STFT feeds the
//! pitch profile (key). Nothing holds the whole track: every extractor keeps running sums or a
//! bounded window (the tempo's onset envelope: 1.5 × 47.6 s), so memory is the same for a
//! 3-minute and a 30-minute file.

pub mod harmony;
pub mod key;
pub mod loudness;
pub mod onset;
pub mod stft;
#[cfg(any(test, feature = "harness"))]
pub mod synthetic;
pub mod tempo;
pub mod timbre;
pub mod timbre_model;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::audio::decode::{decode_part, DecodeError, DecodeSink};
use crate::musicnn::tagger::{PatchCollector, Tagger, TrackTags, SCAN_ARITHMETIC, TAGS_VERSION};
use key::{Key, KeyDetector};
use loudness::{Loudness, LoudnessMeter};
use onset::OnsetFlux;
use stft::Stft;
use tempo::{LevelCues, Rhythm, Tempo};
use timbre::{Timbre, TimbreAccumulator};

/// The analysis sample rate: enough bandwidth for rhythm, key and timbre, half the work of 44.1k.
pub const ANALYSIS_RATE: u32 = 22_050;

/// Bump whenever an extractor changes what it computes: tracks analysed by an older version
/// are analysed again in the background (keeping their tags when the tagger's version is
/// unchanged), the others are left alone. 3: the tempo's metrical level chosen by the fitted
/// cues of issue 20; 4: refitted with the squared midpoint fills; 5: the strongest pulse found
/// with the harmonic change's periodicity too.
pub const ANALYSIS_VERSION: i64 = 5;

/// The oldest version whose features the readers (index, map, journeys, descriptions, the
/// detail panel) still use while the analysis brings them up to date: a bump that only makes
/// a value more accurate keeps it, so nothing leaves the index or the map during an upgrade.
/// Raise it to ANALYSIS_VERSION when older features can no longer be read as today's (a
/// field's meaning or the vector's inputs change in kind).
pub const READABLE_SINCE: i64 = 2;

/// Everything the analysis stores about a track.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Features {
    pub version: i64,
    /// Seconds of audio analysed.
    pub duration_s: f64,
    /// `None` for silence and clips too short to have a tempo.
    pub tempo: Option<Tempo>,
    /// `None` when nothing pitched was heard.
    pub key: Option<Key>,
    pub tuning_cents: f32,
    /// Pitch-class profile, C first, maximum 1.
    pub chroma: [f32; 12],
    pub loudness: Loudness,
    pub timbre: Timbre,
    /// Note and drum onsets per second: how busy the music is.
    pub onset_rate: f32,
    /// MusiCNN genre/mood tags and embedding; `None` when not tagged or too short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<TrackTags>,
    /// The tagger version that looked at this track (also when it was too short for tags);
    /// `None` when no tagger ran (weights missing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags_version: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("no audio in the file")]
    Empty,
    #[error("the decoder crashed on this file ({0})")]
    Panicked(String),
}

/// Streaming feature extraction: push audio in, take [`Features`] out.
pub struct Analyzer {
    stft: Stft,
    onsets: OnsetFlux,
    rhythm: Rhythm,
    timbre: TimbreAccumulator,
    key: KeyDetector,
    loudness: LoudnessMeter,
    /// The source audio of the patches MusiCNN will tag, when tagging.
    patches: Option<PatchCollector>,
    frames: u64,
    samples: u64,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    pub fn new() -> Self {
        Analyzer {
            stft: Stft::new(onset::FRAME, onset::HOP),
            onsets: OnsetFlux::new(),
            rhythm: Rhythm::new(ANALYSIS_RATE),
            timbre: TimbreAccumulator::new(ANALYSIS_RATE, onset::FRAME),
            key: KeyDetector::new(ANALYSIS_RATE),
            loudness: LoudnessMeter::new(),
            patches: None,
            frames: 0,
            samples: 0,
        }
    }

    /// Mono samples at [`ANALYSIS_RATE`].
    pub fn push(&mut self, mono: &[f32]) {
        self.samples += mono.len() as u64;
        let (stft, mut frames) = self.frame_sink();
        stft.push(mono, |frame| frames.frame(&frame));
        self.key.push(mono);
    }

    /// The decoded channels at their own rate, for loudness. Without it (analysing bare
    /// samples) the mono signal is measured instead.
    pub fn push_source(&mut self, interleaved: &[f32], channels: usize, rate: u32) {
        self.loudness.push(interleaved, channels, rate);
        if let Some(patches) = &mut self.patches {
            patches.push(interleaved, channels, rate);
        }
    }

    /// The STFT's last, partly filled frames to every frame consumer (once, at the end).
    fn flush_frames(&mut self) {
        let (stft, mut frames) = self.frame_sink();
        stft.finish(|frame| frames.frame(&frame));
    }

    /// The shared STFT and where its frames go (disjoint borrows of the analyser).
    fn frame_sink(&mut self) -> (&mut Stft, FrameSink<'_>) {
        let sink = FrameSink {
            onsets: &mut self.onsets,
            rhythm: &mut self.rhythm,
            timbre: &mut self.timbre,
            frames: &mut self.frames,
        };
        (&mut self.stft, sink)
    }

    pub fn finish(self) -> Features {
        self.finish_with_levels().0
    }

    /// [`Analyzer::finish`], and the tempo's candidate levels with their cues.
    pub fn finish_with_levels(mut self) -> (Features, Vec<LevelCues>) {
        self.flush_frames();
        let (tempo, onset_rate, levels) = self.rhythm.finish_with_levels();
        let key = self.key.finish();
        let features = Features {
            version: ANALYSIS_VERSION,
            duration_s: self.samples as f64 / f64::from(ANALYSIS_RATE),
            tempo,
            key: key.key,
            tuning_cents: key.tuning_cents,
            chroma: key.chroma,
            loudness: self.loudness.finish(),
            timbre: self.timbre.finish(),
            onset_rate,
            tags: None,
            tags_version: None,
        };
        (features, levels)
    }
}

/// Where each frame of the shared 1024-point STFT goes.
struct FrameSink<'a> {
    onsets: &'a mut OnsetFlux,
    rhythm: &'a mut Rhythm,
    timbre: &'a mut TimbreAccumulator,
    frames: &'a mut u64,
}

impl FrameSink<'_> {
    fn frame(&mut self, frame: &stft::Frame<'_>) {
        let strengths = self.onsets.strengths(frame.magnitudes);
        self.rhythm.push(strengths);
        // Timbre statistics need no more than every other frame (23 ms apart).
        if self.frames.is_multiple_of(2) {
            self.timbre.frame(frame.magnitudes, frame.samples);
        }
        *self.frames += 1;
    }
}

impl DecodeSink for Analyzer {
    fn source(&mut self, interleaved: &[f32], channels: usize, rate: u32) {
        self.push_source(interleaved, channels, rate);
    }

    fn mono(&mut self, block: &[f32]) {
        self.push(block);
    }
}

/// Analyses mono samples at [`ANALYSIS_RATE`] (loudness measured on them as one channel).
pub fn analyze_samples(samples: &[f32]) -> Features {
    let mut analyzer = Analyzer::new();
    for block in samples.chunks(8192) {
        analyzer.push_source(block, 1, ANALYSIS_RATE);
        analyzer.push(block);
    }
    analyzer.finish()
}

/// Decodes `path` once and computes every feature. A decoder panic on hostile input becomes
/// an error for this file, never a crash.
pub fn analyze_file(path: &Path) -> Result<Features, AnalysisError> {
    analyze_file_with(path, None)
}

/// MusiCNN tagging as part of an analysis.
#[derive(Clone, Copy)]
pub struct TagRequest<'a> {
    pub tagger: &'a Tagger,
    /// Patches analysed at most, spread over the track.
    pub max_patches: usize,
    /// The length the file's header gives, to spread the patches (the decode is streamed).
    pub expected_s: Option<f64>,
    /// How the patches' audio is brought to 16 kHz: the scan uses
    /// [`crate::musicnn::tagger::SCAN_RESAMPLER`].
    pub resampler: crate::musicnn::frontend::Resampler,
    /// The networks' front-end arithmetic: the scan uses
    /// [`crate::musicnn::tagger::SCAN_ARITHMETIC`].
    pub arithmetic: crate::musicnn::net::Arithmetic,
}

impl<'a> TagRequest<'a> {
    /// Tags as the scan computes them: its resampler and arithmetic.
    pub fn as_scan(tagger: &'a Tagger, max_patches: usize, expected_s: Option<f64>) -> Self {
        TagRequest {
            tagger,
            max_patches,
            expected_s,
            resampler: crate::musicnn::tagger::SCAN_RESAMPLER,
            arithmetic: SCAN_ARITHMETIC,
        }
    }
}

/// [`analyze_file`], with MusiCNN tags from the same decode when `tags` is given.
pub fn analyze_file_with(
    path: &Path,
    tags: Option<TagRequest<'_>>,
) -> Result<Features, AnalysisError> {
    analyze_part(path, None, tags)
}

/// [`analyze_file_with`] of a part of the file (a CUE sheet's track), all of it when `None`.
pub fn analyze_part(
    path: &Path,
    part: Option<crate::audio::decode::Part>,
    tags: Option<TagRequest<'_>>,
) -> Result<Features, AnalysisError> {
    analyze(path, part, tags).map(|(features, _)| features)
}

/// The MFCC frames of the whole file as sums for a Gaussian timbre model (`segue bench
/// timbre`): the analysis's own frames, from one decode.
pub fn mfcc_gaussian_sums(path: &Path) -> Result<timbre_model::GaussianSums, AnalysisError> {
    crate::panics::catch_decoder_panic(|| {
        let mut analyzer = Analyzer::new();
        analyzer.timbre.keep_gaussian();
        decode_into(path, None, &mut analyzer)?;
        analyzer.flush_frames();
        Ok(analyzer.timbre.take_gaussian().unwrap_or_default())
    })
    .unwrap_or_else(|what| Err(AnalysisError::Panicked(what)))
}

/// [`analyze_file`], and the tempo's candidate levels with the cues each was scored on (to fit
/// the level weights: `segue bench tempo --levels`).
pub fn analyze_file_with_levels(path: &Path) -> Result<(Features, Vec<LevelCues>), AnalysisError> {
    analyze(path, None, None)
}

/// Decodes `path` (or its `part`) into `analyzer` at the analysis rate; a file with no sound
/// at all is an error.
fn decode_into(
    path: &Path,
    part: Option<crate::audio::decode::Part>,
    analyzer: &mut Analyzer,
) -> Result<(), AnalysisError> {
    let decoded = decode_part(path, part, ANALYSIS_RATE, None, analyzer)?;
    if decoded.frames_in == 0 {
        return Err(AnalysisError::Empty);
    }
    Ok(())
}

fn analyze(
    path: &Path,
    part: Option<crate::audio::decode::Part>,
    tags: Option<TagRequest<'_>>,
) -> Result<(Features, Vec<LevelCues>), AnalysisError> {
    crate::panics::catch_decoder_panic(|| {
        let mut analyzer = Analyzer::new();
        if let Some(request) = &tags {
            let expected_s = request
                .expected_s
                .or_else(|| crate::audio::decode::header_duration_s(path));
            analyzer.patches = Some(PatchCollector::new(request.max_patches, expected_s));
        }
        decode_into(path, part, &mut analyzer)?;
        let patches = analyzer.patches.take();
        let (mut features, levels) = analyzer.finish_with_levels();
        if let (Some(request), Some(patches)) = (tags, patches) {
            features.tags = request
                .tagger
                .tag_in(&patches.finish(request.resampler), request.arithmetic);
            features.tags_version = Some(TAGS_VERSION);
        }
        Ok((features, levels))
    })
    .unwrap_or_else(|what| Err(AnalysisError::Panicked(what)))
}
