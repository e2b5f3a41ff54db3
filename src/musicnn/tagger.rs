//! Tags for a whole track: which 3-second patches to analyse, collecting just their audio from
//! the one streaming decode, and averaging the two models over them.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::frontend::{self, FrontEnd, Resampler, Stretch, HOP, PATCH_FRAMES};
use super::net::{Arithmetic, NetError, Network, EMBEDDING, TAGS};
use super::Model;
use crate::passages::Passages;

/// Bump when the tags a track gets would change (front end, patch choice, averaging).
///
/// Not bumped for the switch of the scan's resampler to [`Resampler::Fast`] (issue 19): on 246
/// real recordings its per-track tag probabilities stay within 4.3e-5 of the exact path's
/// (mean 9e-7, inside the port's 1e-4 parity tolerance), the top-3 tags are the same, in the
/// same order, on every track, and the embeddings' cosine rounds to 1.0000000. Tags already
/// stored are as good as new ones; a bump would make every library re-analyse every track.
///
/// 2: the scan's front-end convolutions in 8 bits ([`SCAN_ARITHMETIC`]).
/// 3: every patch's penultimate layers kept, both models ([`Passages`]: the re-ranker).
pub const TAGS_VERSION: i64 = 3;

/// The arithmetic of the scan's networks: 8-bit front ends, about 3× the network's speed
/// (`segue bench musicnn`, "8-bit front end vs f32"). Parity with the original (`segue
/// musicnn`, the reference tests) keeps [`Arithmetic::Exact`].
pub const SCAN_ARITHMETIC: Arithmetic = Arithmetic::Int8;

/// The resampler of the scan's tags: the fast one, whose deviation from the bit-exact path is
/// measured by `segue bench musicnn` ("fast resampler vs exact") and bounded by the tests.
/// Parity with the original (`segue musicnn`, the reference tests) uses
/// [`Resampler::ResampyExact`].
pub const SCAN_RESAMPLER: Resampler = Resampler::Fast;

/// Patches analysed per track unless configured: see docs/benchmarks.md for the measured
/// agreement with the whole track against the time spent. 8 since the 8-bit front end (was 4
/// in f32): top-5 tags agree with the whole track's 0.95 instead of 0.90, for less CPU.
pub const DEFAULT_MAX_PATCHES: usize = 8;

/// What MusiCNN says about a track, stored raw with the features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct TrackTags {
    pub version: i64,
    /// 3-second patches the averages are over.
    pub patches: u32,
    /// Mean MSD tag probabilities, in [`Model::Msd`] label order.
    pub msd: Vec<f32>,
    /// Mean MTT tag probabilities, in [`Model::Mtt`] label order.
    pub mtt: Vec<f32>,
    /// Mean of the MSD model's per-patch 200-d penultimate layer.
    pub embedding: Vec<f32>,
    /// Every patch's penultimate layer, both models: stored apart from the features (in 8
    /// bits, table `passages`), not in their JSON; `None` when read back from it.
    #[serde(skip)]
    #[specta(skip)]
    pub passages: Option<Passages>,
}

impl TrackTags {
    /// (label, probability) of both models, most likely first. Labels both models have
    /// ("rock", "pop"…) keep the higher probability.
    pub fn ranked(&self) -> Vec<(&'static str, f32)> {
        let mut all: Vec<(&'static str, f32)> = Vec::with_capacity(100);
        for (model, probs) in [(Model::Msd, &self.msd), (Model::Mtt, &self.mtt)] {
            for (label, &p) in model.labels().iter().zip(probs.iter()) {
                let label = canonical_label(label);
                match all.iter_mut().find(|(l, _)| *l == label) {
                    Some(entry) => entry.1 = entry.1.max(p),
                    None => all.push((label, p)),
                }
            }
        }
        all.sort_by(|a, b| b.1.total_cmp(&a.1));
        all
    }
}

/// A tag is shown on a track (a chip, and what tag filters match) from this probability.
pub const CHIP_MIN: f32 = 0.2;
/// Chips shown per track at most.
pub const CHIPS_MAX: usize = 5;

impl TrackTags {
    /// The track's tags as chips: the likeliest labels of both models above [`CHIP_MIN`],
    /// lower case, most likely first.
    pub fn chips(&self) -> Vec<String> {
        self.ranked()
            .into_iter()
            .filter(|(_, p)| *p >= CHIP_MIN)
            .take(CHIPS_MAX)
            .map(|(l, _)| l.to_lowercase())
            .collect()
    }
}

/// One spelling per tag across the two label sets ("Mellow" → "mellow", "Hip-Hop" → "hip-hop").
pub fn canonical_label(label: &'static str) -> &'static str {
    match label {
        "Mellow" => "mellow",
        "Hip-Hop" => "hip-hop",
        "House" => "house",
        "Progressive rock" => "progressive rock",
        other => other,
    }
}

/// Both models, loaded once and shared by every analysis worker.
pub struct Tagger {
    msd: Network,
    mtt: Network,
}

/// One patch through one model: a row of the taggram and the penultimate layer.
pub struct PatchTags {
    pub probs: [f32; TAGS],
    pub penultimate: [f32; EMBEDDING],
}

impl Tagger {
    /// Loads both checkpoints from `<models_dir>/musicnn/`.
    pub fn load(models_dir: &Path) -> Result<Tagger, NetError> {
        let dir = models_dir.join("musicnn");
        Ok(Tagger {
            msd: Network::load(&dir.join(Model::Msd.dir_name()))?,
            mtt: Network::load(&dir.join(Model::Mtt.dir_name()))?,
        })
    }

    /// Loads from [`super::models_dir`].
    pub fn load_default() -> Result<Tagger, NetError> {
        Self::load(&super::models_dir())
    }

    pub fn network(&self, model: Model) -> &Network {
        match model {
            Model::Msd => &self.msd,
            Model::Mtt => &self.mtt,
        }
    }

    /// Averages both models over the given log-mel patches (187 × 96 each). `None` without
    /// patches (audio shorter than 3 s).
    pub fn tag(&self, patches: &[Vec<f32>]) -> Option<TrackTags> {
        self.tag_in(patches, Arithmetic::Exact)
    }

    /// [`Tagger::tag`] with the networks' front ends in the given arithmetic.
    pub fn tag_in(&self, patches: &[Vec<f32>], arithmetic: Arithmetic) -> Option<TrackTags> {
        if patches.is_empty() {
            return None;
        }
        let mut msd = vec![0.0f32; TAGS];
        let mut mtt = vec![0.0f32; TAGS];
        let mut embedding = vec![0.0f32; EMBEDDING];
        let mut passages = Passages::default();
        for patch in patches {
            let a = self.msd.forward_in(patch, arithmetic);
            let b = self.mtt.forward_in(patch, arithmetic);
            passages.msd.push(a.penultimate);
            passages.mtt.push(b.penultimate);
            for k in 0..TAGS {
                msd[k] += a.probs[k];
                mtt[k] += b.probs[k];
            }
            for (e, p) in embedding.iter_mut().zip(a.penultimate.iter()) {
                *e += p;
            }
        }
        let n = patches.len() as f32;
        for v in msd
            .iter_mut()
            .chain(mtt.iter_mut())
            .chain(embedding.iter_mut())
        {
            *v /= n;
        }
        Some(TrackTags {
            version: TAGS_VERSION,
            patches: patches.len() as u32,
            msd,
            mtt,
            embedding,
            passages: Some(passages),
        })
    }
}

/// Which patches of the original's grid (frames 0, 187, 374…) to analyse: all of them when
/// there are at most `max`, else `max` spread evenly over the track.
pub fn choose_patches(n_frames: usize, max: usize) -> Vec<usize> {
    let grid = frontend::patch_starts(n_frames);
    if grid.len() <= max || max == 0 {
        return if max == 0 { Vec::new() } else { grid };
    }
    (0..max)
        .map(|i| {
            let k = ((i as f64 + 0.5) * grid.len() as f64 / max as f64).floor() as usize;
            grid[k.min(grid.len() - 1)]
        })
        .collect()
}

/// Number of 16 kHz samples the original makes of `frames` source frames at `rate`.
pub fn samples_16k(frames: u64, rate: u32) -> u64 {
    if rate == frontend::SAMPLE_RATE {
        frames
    } else {
        (frames * u64::from(frontend::SAMPLE_RATE)).div_ceil(u64::from(rate))
    }
}

/// 16 kHz samples a patch starting at `frame` reads, reflect padding included.
fn patch_span_16k(frame: usize) -> (usize, usize) {
    let start = (frame * HOP).saturating_sub(HOP + 1);
    let end = (frame + PATCH_FRAMES) * HOP + HOP + 1;
    (start, end)
}

/// A window of the mono source kept for one patch.
struct Window {
    /// Patch start frame on the 16 kHz grid.
    frame: usize,
    /// Source frames [start, end) kept.
    start: u64,
    end: u64,
    samples: Vec<f32>,
}

/// Collects, during the streaming decode, the source audio of the patches to analyse: memory
/// is `max` × a few seconds whatever the track's length.
pub struct PatchCollector {
    max: usize,
    expected_s: Option<f64>,
    rate: u32,
    windows: Vec<Window>,
    /// Source frames seen.
    position: u64,
    mono: Vec<f32>,
}

impl PatchCollector {
    /// `expected_s`: the track's length from its header, to spread the patches; without it the
    /// first `max` patches are taken.
    pub fn new(max: usize, expected_s: Option<f64>) -> Self {
        PatchCollector {
            max,
            expected_s: expected_s.filter(|s| s.is_finite() && *s > 0.0),
            rate: 0,
            windows: Vec::new(),
            position: 0,
            mono: Vec::new(),
        }
    }

    fn plan(&mut self, rate: u32) {
        self.rate = rate;
        let frames = match self.expected_s {
            Some(seconds) => (seconds * f64::from(rate)) as u64,
            None => {
                (self.max as u64 * PATCH_FRAMES as u64 + 2) * HOP as u64 * u64::from(rate)
                    / u64::from(frontend::SAMPLE_RATE)
            }
        };
        let n16 = samples_16k(frames, rate) as usize;
        // The wider reach of the two resamplers: the windows serve either (the bench and the
        // tests compare them on the same decode).
        let margin = frontend::resampler_margin(rate, Resampler::ResampyExact)
            .max(frontend::resampler_margin(rate, Resampler::Fast)) as u64;
        let to_source =
            |s16: usize| s16 as u64 * u64::from(rate) / u64::from(frontend::SAMPLE_RATE);
        for frame in choose_patches(FrontEnd::n_frames(n16), self.max) {
            let (a, b) = patch_span_16k(frame);
            self.windows.push(Window {
                frame,
                start: to_source(a).saturating_sub(margin),
                end: to_source(b) + margin + 1,
                samples: Vec::new(),
            });
        }
    }

    /// Decoded source audio, interleaved.
    pub fn push(&mut self, interleaved: &[f32], channels: usize, rate: u32) {
        if self.max == 0 || channels == 0 {
            return;
        }
        if self.rate == 0 {
            self.plan(rate);
        }
        let frames = (interleaved.len() / channels) as u64;
        let (from, to) = (self.position, self.position + frames);
        self.position = to;
        if !self.windows.iter().any(|w| w.start < to && w.end > from) {
            return;
        }
        self.mono.clear();
        crate::audio::decode::mix_down(interleaved, channels, &mut self.mono);
        for w in &mut self.windows {
            let a = w.start.max(from);
            let b = w.end.min(to);
            if a < b {
                w.samples
                    .extend_from_slice(&self.mono[(a - from) as usize..(b - from) as usize]);
            }
        }
    }

    /// The log-mel patches of the windows the audio filled, in track order, resampled to
    /// 16 kHz by `resampler` (the scan: [`SCAN_RESAMPLER`]).
    pub fn finish(self, resampler: Resampler) -> Vec<Vec<f32>> {
        self.patches(resampler)
    }

    /// [`Self::finish`] without giving the windows up: the same audio through either resampler.
    pub fn patches(&self, resampler: Resampler) -> Vec<Vec<f32>> {
        if self.rate == 0 {
            return Vec::new();
        }
        let total_in = self.position as usize;
        let n16 = samples_16k(self.position, self.rate) as usize;
        let n_frames = FrontEnd::n_frames(n16);
        let mut front = FrontEnd::new();
        let mut patches = Vec::new();
        for w in &self.windows {
            if w.frame + PATCH_FRAMES > n_frames {
                continue; // the track is shorter than its header said
            }
            let (a, b) = patch_span_16k(w.frame);
            let (a, b) = (a.min(n16), b.min(n16));
            let y = frontend::resample_stretch_to_16k(
                &w.samples,
                w.start as usize,
                total_in,
                self.rate,
                a,
                b - a,
                resampler,
            );
            let stretch = Stretch {
                data: &y,
                offset: a,
                total: n16,
            };
            patches.push(front.log_mel_of(stretch, w.frame, PATCH_FRAMES));
        }
        patches
    }
}

impl crate::audio::decode::DecodeSink for PatchCollector {
    fn source(&mut self, interleaved: &[f32], channels: usize, rate: u32) {
        self.push(interleaved, channels, rate);
    }
    fn mono(&mut self, _block: &[f32]) {}
    fn wants_mono(&self) -> bool {
        false
    }
}

/// The patches' source audio of a file as the scan collects it (`max` patches spread over
/// the header's length, or `expected_s`), from a decode of its own: for comparing resamplers
/// on the windows the scan resamples ([`PatchCollector::patches`]).
pub fn collect_scan_windows(
    path: &Path,
    max: usize,
    expected_s: Option<f64>,
) -> Result<PatchCollector, TagError> {
    let expected_s = expected_s.or_else(|| crate::audio::decode::header_duration_s(path));
    let mut collector = PatchCollector::new(max, expected_s);
    crate::panics::catch_decoder_panic(|| {
        crate::audio::decode::decode(path, frontend::SAMPLE_RATE, None, &mut collector)
    })
    .map_err(TagError::Panicked)??;
    Ok(collector)
}

#[derive(Debug, thiserror::Error)]
pub enum TagError {
    #[error(transparent)]
    Decode(#[from] crate::audio::decode::DecodeError),
    #[error("too short for tags: MusiCNN needs at least 3 seconds of audio")]
    TooShort,
    #[error("the decoder crashed on this file ({0})")]
    Panicked(String),
}

/// One model's output on a file, the way the original `musicnn` extractor reports it.
#[derive(Debug, Clone, Serialize)]
pub struct FileTaggram {
    pub model: Model,
    pub labels: Vec<&'static str>,
    /// patches × 50, label order.
    pub taggram: Vec<Vec<f32>>,
    /// label → mean probability over the patches.
    pub tags: serde_json::Map<String, serde_json::Value>,
    /// Mean of the per-patch 200-d penultimate layer.
    pub embedding: Vec<f32>,
    /// Start of each patch in seconds.
    pub patch_starts_s: Vec<f64>,
}

/// Collects the whole file's mono mix at its own rate (the CLI's full-taggram path).
struct SourceMono {
    rate: u32,
    samples: Vec<f32>,
}

impl crate::audio::decode::DecodeSink for SourceMono {
    fn source(&mut self, interleaved: &[f32], channels: usize, rate: u32) {
        self.rate = rate;
        crate::audio::decode::mix_down(interleaved, channels, &mut self.samples);
    }
    fn mono(&mut self, _block: &[f32]) {}
    fn wants_mono(&self) -> bool {
        false
    }
}

/// The log-mel patches of a whole file as the original computes them: decoded, mixed to
/// mono, resampled to 16 kHz, every patch of the grid (or `max_patches` spread over it), with
/// their start frames.
pub fn file_patches_at(
    path: &Path,
    max_patches: Option<usize>,
) -> Result<(Vec<usize>, Vec<Vec<f32>>), TagError> {
    let mut sink = SourceMono {
        rate: 0,
        samples: Vec::new(),
    };
    crate::panics::catch_decoder_panic(|| {
        crate::audio::decode::decode(path, frontend::SAMPLE_RATE, None, &mut sink)
    })
    .map_err(TagError::Panicked)??;
    let y = frontend::resample_to_16k(&sink.samples, sink.rate.max(1));
    let n_frames = FrontEnd::n_frames(y.len());
    let starts = choose_patches(n_frames, max_patches.unwrap_or(usize::MAX));
    if starts.is_empty() {
        return Err(TagError::TooShort);
    }
    let mut front = FrontEnd::new();
    let patches = starts
        .iter()
        .map(|&start| front.log_mel(&y, start, PATCH_FRAMES))
        .collect();
    Ok((starts, patches))
}

/// [`file_patches_at`] without the start frames.
pub fn file_patches(path: &Path, max_patches: Option<usize>) -> Result<Vec<Vec<f32>>, TagError> {
    Ok(file_patches_at(path, max_patches)?.1)
}

/// Runs `model` on a whole file, every patch of the original's grid (or `max_patches` spread
/// over it), as `musicnn.extractor` does.
pub fn file_taggram(
    network: &Network,
    model: Model,
    path: &Path,
    max_patches: Option<usize>,
) -> Result<FileTaggram, TagError> {
    let (starts, patches) = file_patches_at(path, max_patches)?;
    let mut taggram = Vec::with_capacity(starts.len());
    let mut embedding = vec![0.0f32; EMBEDDING];
    let mut mean = vec![0.0f32; TAGS];
    for patch in &patches {
        let out = network.forward(patch);
        for (m, p) in mean.iter_mut().zip(out.probs.iter()) {
            *m += p;
        }
        for (e, p) in embedding.iter_mut().zip(out.penultimate.iter()) {
            *e += p;
        }
        taggram.push(out.probs.to_vec());
    }
    let n = starts.len() as f32;
    let labels: Vec<&'static str> = model.labels().to_vec();
    let tags = labels
        .iter()
        .zip(&mean)
        .map(|(l, m)| (l.to_string(), serde_json::json!(m / n)))
        .collect();
    Ok(FileTaggram {
        model,
        labels,
        taggram,
        tags,
        embedding: embedding.iter().map(|e| e / n).collect(),
        patch_starts_s: starts
            .iter()
            .map(|&s| (s * HOP) as f64 / f64::from(frontend::SAMPLE_RATE))
            .collect(),
    })
}
