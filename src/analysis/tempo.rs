//! Tempo: BPM with a confidence, from the onset envelopes.
//!
//! 1. Periodicity: the strongly compressed envelope is detrended and turned into a generalised
//!    autocorrelation (Percival & Tzanetakis 2014: |FFT|^0.5 before the inverse FFT sharpens
//!    the peaks). Each tempo on a fine log grid is scored as a comb (Böck et al.): the
//!    autocorrelation at the beat period and its first multiples, so a period that keeps
//!    repeating beats a lucky single peak.
//! 2. Metrical level: the strongest pulse and its relatives (¼, ⅓, ½, ⅔, 1, 3⁄2, 2, 3, 4 times
//!    it) are the candidates; each is scored by a linear function of what tells a beat from
//!    its subdivision or its bar: its comb, a preference over log tempo, and how the notes sit
//!    on its grid, phase-folded window by window — the share of its beats that have an onset
//!    and the share of the midpoints between them that do, in the full-band, the accent and
//!    the harmonic change envelope ([`super::harmony`]: a chorale has a new chord on every
//!    beat but a passing note on only some off-beats; at twice the tempo, half of the "beats"
//!    are empty; at half, the "off-beats" are as full as the beats). The weights are a
//!    conditional logit fitted on rendered tuning sets (see [`LEVEL_WEIGHTS`]).
//! 3. Confidence: how far the chosen level's comb stands above the typical one, times the
//!    level's probability under that logit (low when two levels score alike: the likely
//!    octave errors), in [0, 1]. Silence and too-short clips give no tempo at all; noise
//!    gives a low confidence.

use realfft::num_complex::Complex;
use realfft::RealFftPlanner;
use serde::{Deserialize, Serialize};

use super::onset::{frame_rate, Envelope, Strengths};

pub const MIN_BPM: f32 = 50.0;
pub const MAX_BPM: f32 = 210.0;
/// The tempo reported when there is no pulse at all, and the centre of the log-tempo term.
const PRIOR_BPM: f32 = 120.0;
/// The accent envelope's autocorrelation is computed from |X|^1, not the |X|^0.5 that sharpens
/// periodicity peaks (chosen on the tuning set, rendered SEED 11, when an accent-ratio rule
/// picked the level: Acc1 0.900 → 0.912).
const ACCENT_SPECTRUM_EXPONENT: f32 = 1.0;
/// Weight of the full-band envelope in the onsets' periodicity evidence (the rest: the accent
/// one).
const EVIDENCE_FULL: f32 = 0.3;
/// Share of the harmonic change envelope's periodicity (chord changes) in the evidence the
/// strongest pulse is found in: in a drumless chorale the chords move on the beat while the
/// voices' passing notes blur the onsets' periodicity. Chosen on the tuning sets (SEED 11 and
/// 17, 400 clips; 0 to 0.7 tried, pooled Acc1 highest at 0.3–0.35 — 0.9625 → 0.975, Acc2
/// 0.9875 → 0.9975 — the plateau's middle taken), reported on the held-out ones
/// (docs/benchmarks.md, session 18).
const EVIDENCE_HARMONY: f32 = 0.3;
/// Multiples of the period that the comb looks at.
const COMB_TEETH: usize = 4;

/// Below this confidence a tempo is shown in doubt (the UI dims it and says it may be half or
/// twice the beat: most misses are octave errors). Chosen on the tuning sets (SEED 11 and 17,
/// 400 clips) as the line that best separates misses from hits (F1 of flagging a miss: 0.34;
/// 0.3 before flagged none of their 7 misses); on the held-out seeds 13 and 19 it flags 6.5 %
/// of clips holding 8 of the 15 misses (a flagged tempo is wrong 31 % of the time, an
/// unflagged one 1.9 %); on the real recordings it flags 20 % (docs/benchmarks.md, session 18).
pub const DOUBTFUL_BELOW: f32 = 0.7;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Tempo {
    pub bpm: f32,
    /// In [0, 1]: near 0 for noise or no steady pulse.
    pub confidence: f32,
}

/// Frames per analysis window (47.6 s at 86.1 frames/s): long tracks are analysed window by
/// window, half-overlapping, and the windows' autocorrelations averaged, so memory does not
/// grow with track length. A clip up to 1.5 windows long is one window.
const WINDOW: usize = 4096;

/// Streams onset envelope values in; keeps at most 1.5 windows of them plus the running
/// average of the windows' autocorrelations.
pub struct Rhythm {
    fps: f32,
    max_lag: usize,
    full: Vec<f32>,
    accent: Vec<f32>,
    harmony: Vec<f32>,
    acf_sum: Vec<f64>,
    accent_sum: Vec<f64>,
    harmony_sum: Vec<f64>,
    windows: usize,
    frames: usize,
    onsets_per_s_sum: f64,
    onset_windows: usize,
}

impl Rhythm {
    pub fn new(sample_rate: u32) -> Self {
        let fps = frame_rate(sample_rate);
        let max_lag = (60.0 * fps / MIN_BPM * COMB_TEETH as f32).ceil() as usize + 2;
        Rhythm {
            fps,
            max_lag,
            full: Vec::with_capacity(WINDOW + WINDOW / 2),
            accent: Vec::with_capacity(WINDOW + WINDOW / 2),
            harmony: Vec::with_capacity(WINDOW + WINDOW / 2),
            acf_sum: vec![0.0; max_lag + 1],
            accent_sum: vec![0.0; max_lag + 1],
            harmony_sum: vec![0.0; max_lag + 1],
            windows: 0,
            frames: 0,
            onsets_per_s_sum: 0.0,
            onset_windows: 0,
        }
    }

    /// One onset envelope frame (full band, accent).
    pub fn push(&mut self, strengths: Strengths) {
        self.full.push(strengths.full);
        self.accent.push(strengths.accent);
        self.harmony.push(strengths.harmony);
        self.frames += 1;
        if self.full.len() == WINDOW + WINDOW / 2 {
            self.window(0..WINDOW);
            self.full.drain(..WINDOW / 2);
            self.accent.drain(..WINDOW / 2);
            self.harmony.drain(..WINDOW / 2);
        }
    }

    fn window(&mut self, range: std::ops::Range<usize>) {
        let w = (self.fps * 0.5) as usize;
        let full = &self.full[range.clone()];
        self.onsets_per_s_sum += f64::from(super::onset::onset_rate(full, self.fps));
        self.onset_windows += 1;
        let Some(acf) = generalized_acf(&detrend(full, w), self.max_lag) else {
            return;
        };
        let accent = generalized_acf_with(
            &detrend(&self.accent[range.clone()], w),
            self.max_lag,
            ACCENT_SPECTRUM_EXPONENT,
        )
        .unwrap_or_else(|| acf.clone());
        // No harmonic change at all (one chord held, drums alone): the onsets' periodicity
        // stands in for it.
        let harmony = generalized_acf(&detrend(&self.harmony[range], w), self.max_lag)
            .unwrap_or_else(|| acf.clone());
        add_to(&mut self.acf_sum, &acf);
        add_to(&mut self.accent_sum, &accent);
        add_to(&mut self.harmony_sum, &harmony);
        self.windows += 1;
    }

    /// The tempo (see [`estimate`]) and the onset rate per second.
    pub fn finish(self) -> (Option<Tempo>, f32) {
        let (tempo, onset_rate, _) = self.finish_with_levels();
        (tempo, onset_rate)
    }

    /// [`Rhythm::finish`], and the candidate levels the tempo was chosen from (none when there
    /// is no tempo): what `segue bench tempo --levels` writes to fit [`LEVEL_WEIGHTS`].
    pub fn finish_with_levels(mut self) -> (Option<Tempo>, f32, Vec<LevelCues>) {
        let len = self.full.len();
        if self.onset_windows == 0 {
            self.window(0..len);
        } else if len > WINDOW / 2 {
            self.window(len.saturating_sub(WINDOW)..len);
        }
        let onset_rate = (self.onsets_per_s_sum / self.onset_windows.max(1) as f64) as f32;
        // Four beats at the slowest tempo, and some sound.
        if (self.frames as f32) < self.fps * 4.0 * 60.0 / MIN_BPM || self.windows == 0 {
            return (None, onset_rate, Vec::new());
        }
        let n = self.windows as f64;
        let mean = |sum: &[f64]| -> Vec<f32> { sum.iter().map(|v| (v / n) as f32).collect() };
        let (acf, accent, harmony) = (
            mean(&self.acf_sum),
            mean(&self.accent_sum),
            mean(&self.harmony_sum),
        );
        let recent = Recent {
            full: &self.full,
            accent: &self.accent,
            harmony: &self.harmony,
        };
        let (tempo, levels) = from_periodicity(&acf, &accent, &harmony, recent, self.fps);
        (Some(tempo), onset_rate, levels)
    }
}

/// Estimates the tempo from whole onset envelopes computed at `sample_rate`.
/// `None` when there is nothing to measure: silence, or less than ~5 s of audio.
pub fn estimate(onsets: &Envelope, sample_rate: u32) -> Option<Tempo> {
    let mut rhythm = Rhythm::new(sample_rate);
    for ((full, accent), harmony) in onsets.full.iter().zip(&onsets.accent).zip(&onsets.harmony) {
        rhythm.push(Strengths {
            full: *full,
            accent: *accent,
            harmony: *harmony,
        });
    }
    rhythm.finish().0
}

/// The most recent stretch of the onset envelopes that [`Rhythm`] keeps (the whole of a clip up
/// to 1.5 windows long, the last 1–1.5 windows of a longer track): where the candidate levels'
/// grids are laid over the notes.
struct Recent<'a> {
    full: &'a [f32],
    accent: &'a [f32],
    harmony: &'a [f32],
}

/// The tempo from the averaged autocorrelations of the two envelopes and their recent stretch,
/// and the candidate levels it was chosen from.
fn from_periodicity(
    acf: &[f32],
    accent_acf: &[f32],
    harmony_acf: &[f32],
    recent: Recent<'_>,
    fps: f32,
) -> (Tempo, Vec<LevelCues>) {
    let lag_of = |bpm: f32| 60.0 * fps / bpm;
    // Periodicity evidence: both envelopes, each normalised at lag 0, so hi-hats on every
    // eighth (loud in the compressed full band) cannot alone make the eighths the pulse.
    // and the harmonic change's, where chord changes mark the beat when the notes do not.
    let evidence: Vec<f32> = acf
        .iter()
        .zip(accent_acf)
        .zip(harmony_acf)
        .map(|((full, accent), harmony)| {
            let onsets = EVIDENCE_FULL * full + (1.0 - EVIDENCE_FULL) * accent;
            (1.0 - EVIDENCE_HARMONY) * onsets + EVIDENCE_HARMONY * harmony
        })
        .collect();
    let comb = |bpm: f32| -> f32 {
        let acf = &evidence;
        let lag = lag_of(bpm);
        let (mut total, mut weight) = (0.0, 0.0);
        for k in 1..=COMB_TEETH {
            let at = lag * k as f32;
            if at + 1.0 >= acf.len() as f32 {
                break;
            }
            let w = 1.0 / k as f32;
            total += w * interpolate(acf, at);
            weight += w;
        }
        if weight > 0.0 {
            total / weight
        } else {
            0.0
        }
    };

    // Comb scores on a fine log grid (0.14 % steps).
    const STEPS: usize = 1000;
    let span = (MAX_BPM / MIN_BPM).ln();
    let grid: Vec<(f32, f32)> = (0..=STEPS)
        .map(|i| {
            let bpm = MIN_BPM * (span * i as f32 / STEPS as f32).exp();
            (bpm, comb(bpm))
        })
        .collect();
    let best = grid.iter().map(|g| g.1).fold(f32::MIN, f32::max);
    if !(best.is_finite() && best > 0.0) {
        let none = Tempo {
            bpm: PRIOR_BPM,
            confidence: 0.0,
        };
        return (none, Vec::new());
    }
    // The strongest pulse and its relatives are the candidate levels; the level scoring
    // best under the fitted weights is the beat.
    let strongest = (1..STEPS)
        .filter(|&i| grid[i].1 >= grid[i - 1].1 && grid[i].1 > grid[i + 1].1)
        .max_by(|a, b| grid[*a].1.total_cmp(&grid[*b].1))
        .unwrap_or(STEPS / 2);
    let strongest_bpm = refine(&grid, strongest);
    let full_onsets = Onsets::pick(recent.full, fps);
    let accent_onsets = Onsets::pick(recent.accent, fps);
    let harmony_onsets = Onsets::pick(recent.harmony, fps);
    let cues: Vec<LevelCues> = LEVELS
        .iter()
        .map(|f| strongest_bpm * f)
        .filter(|b| (MIN_BPM * 0.98..=MAX_BPM * 1.02).contains(b))
        .map(|b| {
            let period = lag_of(b);
            let features = LevelFeatures {
                comb: comb(b) / best,
                log_tempo: (b / PRIOR_BPM).log2(),
                full: full_onsets.fills(period),
                accent: accent_onsets.fills(period),
                harmony: harmony_onsets.fills(period),
            };
            LevelCues {
                bpm: b,
                cues: features.cues(),
            }
        })
        .collect();
    let levels: Vec<(f32, f32)> = cues.iter().map(|l| (l.bpm, l.score())).collect();
    let top = levels.iter().map(|l| l.1).fold(f32::NEG_INFINITY, f32::max);
    let total: f32 = levels.iter().map(|l| (l.1 - top).exp()).sum();
    let (bpm, probability) = levels
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or((strongest_bpm, 1.0), |l| (l.0, 1.0 / total.max(1.0)));

    let mut scores: Vec<f32> = grid.iter().map(|g| g.1).collect();
    scores.sort_by(f32::total_cmp);
    let median = scores[scores.len() / 2];
    let contrast = (comb(bpm) - median).max(0.0) / (best - median.min(best * 0.999)).max(1e-6);
    let sharpness = ((best - median) / best.max(1e-6)).clamp(0.0, 1.0);
    let confidence = (contrast.min(1.0) * sharpness * 1.6).clamp(0.0, 1.0) * probability;
    let tempo = Tempo {
        bpm,
        confidence: if confidence.is_finite() {
            confidence
        } else {
            0.0
        },
    };
    (tempo, cues)
}

/// Adds one window's autocorrelation to a running sum of them.
fn add_to(sum: &mut [f64], acf: &[f32]) {
    for (total, v) in sum.iter_mut().zip(acf) {
        *total += f64::from(*v);
    }
}

/// Subtracts a moving average (±`w` frames) and clips negatives: keeps the pulses.
fn detrend(x: &[f32], w: usize) -> Vec<f32> {
    let w = w.max(1);
    let mut prefix = Vec::with_capacity(x.len() + 1);
    let mut sum = 0.0f64;
    prefix.push(0.0f64);
    for v in x {
        sum += f64::from(*v);
        prefix.push(sum);
    }
    (0..x.len())
        .map(|i| {
            let lo = i.saturating_sub(w);
            let hi = (i + w + 1).min(x.len());
            let mean = (prefix[hi] - prefix[lo]) / (hi - lo) as f64;
            (f64::from(x[i]) - mean).max(0.0) as f32
        })
        .collect()
}

/// Generalised autocorrelation (|X|^0.5 spectrum), unbiased, normalised to 1 at lag 0, for
/// lags 0..=max_lag. `None` when the signal is silent.
fn generalized_acf(x: &[f32], max_lag: usize) -> Option<Vec<f32>> {
    generalized_acf_with(x, max_lag, 0.5)
}

/// [`generalized_acf`] with the spectrum raised to `exponent` (2 would be the plain
/// autocorrelation).
fn generalized_acf_with(x: &[f32], max_lag: usize, exponent: f32) -> Option<Vec<f32>> {
    let energy: f64 = x.iter().map(|v| f64::from(*v) * f64::from(*v)).sum();
    if !(energy.is_finite() && energy > 1e-9) || x.len() < 2 {
        return None;
    }
    let n = (2 * x.len()).next_power_of_two();
    let mut planner = RealFftPlanner::<f32>::new();
    let forward = planner.plan_fft_forward(n);
    let inverse = planner.plan_fft_inverse(n);
    let mut input = vec![0.0f32; n];
    input[..x.len()].copy_from_slice(x);
    let mut spectrum = forward.make_output_vec();
    forward.process(&mut input, &mut spectrum).ok()?;
    for c in spectrum.iter_mut() {
        *c = Complex::new(c.norm().powf(exponent), 0.0);
    }
    let mut out = vec![0.0f32; n];
    inverse.process(&mut spectrum, &mut out).ok()?;
    let max_lag = max_lag.min(x.len() - 1);
    let mut acf: Vec<f32> = (0..=max_lag)
        .map(|lag| out[lag] / (x.len() - lag) as f32)
        .collect();
    let zero = acf[0];
    if !(zero.is_finite() && zero > 0.0) {
        return None;
    }
    for v in acf.iter_mut() {
        *v = if v.is_finite() {
            (*v / zero).max(0.0)
        } else {
            0.0
        };
    }
    Some(acf)
}

fn interpolate(v: &[f32], at: f32) -> f32 {
    let i = at.floor() as usize;
    let f = at - i as f32;
    match (v.get(i), v.get(i + 1)) {
        (Some(a), Some(b)) => a + (b - a) * f,
        (Some(a), None) => *a,
        _ => 0.0,
    }
}

/// Multiples of the strongest pulse that are candidate beat levels.
const LEVELS: [f32; 9] = [0.25, 1.0 / 3.0, 0.5, 2.0 / 3.0, 1.0, 1.5, 2.0, 3.0, 4.0];

/// What the level choice looks at for one candidate level.
struct LevelFeatures {
    /// Its comb score over the best one on the grid (1 for the strongest pulse).
    comb: f32,
    /// log2(bpm / 120).
    log_tempo: f32,
    /// Onsets on its grid in the full-band, the accent and the harmonic change envelope.
    full: Fills,
    accent: Fills,
    harmony: Fills,
}

/// Weights of the level cues ([`LEVEL_CUES`]): a conditional logit (a softmax over each clip's
/// candidate levels, L2 0.03) fitted by `segue bench tempo-fit` on the rendered sets of SEED 11
/// and 17 (400 clips, the *tuning* sets), reported on SEED 13 and 19 (held out;
/// docs/benchmarks.md). Kept by cross-validation between the two tuning sets (fit on one, score
/// the other): the harmonic change cue (0.940 → 0.950, an earlier session) and the squared
/// midpoint fills (Acc1 0.935/0.960 → 0.945/0.970: a beat has *some* notes between its beats —
/// none means a too-fast grid, all a too-slow one — which a linear term cannot say). Refitted
/// when the harmonic change joined the periodicity evidence ([`EVIDENCE_HARMONY`]; cross
/// Acc1 0.970/0.980 with the weights before → 0.970/0.985). The log-tempo terms peak far above
/// 120 BPM: alone they would favour fast levels, but the comb and the empty beats of a
/// too-fast grid outweigh them.
pub const LEVEL_WEIGHTS: [f32; LEVEL_CUES.len()] = [
    16.375, 4.960, -2.011, 0.291, 1.711, 2.542, 2.230, 3.309, 5.439, -1.021, -4.251, -3.501,
];

/// The names of the cues a level is scored on, in the order of [`LevelCues::cues`] and
/// [`LEVEL_WEIGHTS`].
pub const LEVEL_CUES: [&str; 12] = [
    "comb",
    "log_tempo",
    "log_tempo_squared",
    "full_beats",
    "full_midpoints",
    "accent_beats",
    "accent_midpoints",
    "harmony_beats",
    "harmony_midpoints",
    "full_midpoints_squared",
    "accent_midpoints_squared",
    "harmony_midpoints_squared",
];

impl LevelFeatures {
    fn cues(&self) -> [f32; LEVEL_CUES.len()] {
        [
            self.comb,
            self.log_tempo,
            self.log_tempo * self.log_tempo,
            self.full.beats,
            self.full.midpoints,
            self.accent.beats,
            self.accent.midpoints,
            self.harmony.beats,
            self.harmony.midpoints,
            self.full.midpoints * self.full.midpoints,
            self.accent.midpoints * self.accent.midpoints,
            self.harmony.midpoints * self.harmony.midpoints,
        ]
    }
}

/// One candidate metrical level of a clip and the cues the choice between levels looks at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelCues {
    pub bpm: f32,
    /// In the order of [`LEVEL_CUES`].
    pub cues: [f32; LEVEL_CUES.len()],
}

impl LevelCues {
    /// The level's score under the fitted weights (the highest is the beat).
    pub fn score(&self) -> f32 {
        score_with(&LEVEL_WEIGHTS, &self.cues)
    }
}

/// A level's score under `weights` (a fit's, or [`LEVEL_WEIGHTS`]).
pub fn score_with(weights: &[f32], cues: &[f32]) -> f32 {
    weights.iter().zip(cues).map(|(w, c)| w * c).sum()
}

/// How full a grid of beats is: the share of its beats, and of the midpoints between them,
/// that have an onset within [`Onsets::TOLERANCE`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct Fills {
    beats: f32,
    midpoints: f32,
}

/// Onset positions (frames) picked from an envelope: its detrended peaks above a share of
/// its loud ones.
struct Onsets {
    frames: Vec<usize>,
    len: usize,
}

impl Onsets {
    /// An onset may be this many frames (35 ms) from a beat and still be on it.
    const TOLERANCE: f32 = 3.0;
    /// Beats per window over which the grid's phase is found again (tempo drift, rubato).
    const BEATS_PER_WINDOW: usize = 8;
    /// A peak is an onset from this share of the envelope's 95th percentile.
    const THRESHOLD: f32 = 0.15;

    fn pick(envelope: &[f32], fps: f32) -> Onsets {
        let x = detrend(envelope, (fps * 0.5) as usize);
        let mut positive: Vec<f32> = x.iter().copied().filter(|v| *v > 0.0).collect();
        let threshold = if positive.is_empty() {
            f32::INFINITY
        } else {
            positive.sort_by(f32::total_cmp);
            Self::THRESHOLD * percentile(&positive, 0.95)
        };
        let frames = (1..x.len().saturating_sub(1))
            .filter(|&i| x[i] >= x[i - 1] && x[i] > x[i + 1] && x[i] > threshold)
            .collect();
        Onsets {
            frames,
            len: x.len(),
        }
    }

    /// Whether an onset lies within the tolerance of `at` (frames from the window's start).
    fn near(window: &[usize], start: usize, at: f32) -> bool {
        let lo = (start as f32 + at - Self::TOLERANCE).ceil().max(0.0) as usize;
        let i = window.partition_point(|&f| f < lo);
        window
            .get(i)
            .is_some_and(|&f| f as f32 <= start as f32 + at + Self::TOLERANCE)
    }

    /// The grid of `period` frames laid over the onsets eight beats at a time, each window at
    /// the phase that puts the most onsets on beats; the shares averaged over the windows.
    fn fills(&self, period: f32) -> Fills {
        let beats = Self::BEATS_PER_WINDOW;
        let width = (period * beats as f32) as usize;
        let none = Fills {
            beats: 0.0,
            midpoints: 0.0,
        };
        if width < 8 {
            return none;
        }
        let (mut on_beats, mut on_midpoints, mut windows) = (0.0f32, 0.0f32, 0usize);
        let mut start = 0;
        while start < self.len.saturating_sub(width).max(1) {
            let lo = self.frames.partition_point(|&f| f < start);
            let hi = self.frames.partition_point(|&f| f < start + width);
            let window = &self.frames[lo..hi];
            start += width;
            if window.is_empty() {
                continue;
            }
            let window_start = start - width;
            let count = |phase: f32, offset: f32| {
                (0..beats)
                    .filter(|&k| {
                        Self::near(window, window_start, phase + period * (k as f32 + offset))
                    })
                    .count()
            };
            let (mut best, mut best_phase) = (0, 0.0);
            let mut phase = 0.0f32;
            while phase < period {
                let hits = count(phase, 0.0);
                if hits > best {
                    (best, best_phase) = (hits, phase);
                }
                phase += 1.0;
            }
            on_beats += best as f32 / beats as f32;
            on_midpoints += count(best_phase, 0.5) as f32 / beats as f32;
            windows += 1;
        }
        if windows == 0 {
            return none;
        }
        let n = windows as f32;
        Fills {
            beats: on_beats / n,
            midpoints: on_midpoints / n,
        }
    }
}

/// numpy's default (linear) percentile of sorted, non-empty values.
fn percentile(sorted: &[f32], q: f32) -> f32 {
    let at = q * (sorted.len() - 1) as f32;
    let i = at.floor() as usize;
    let f = at - i as f32;
    match sorted.get(i + 1) {
        Some(next) => sorted[i] + (next - sorted[i]) * f,
        None => sorted[i],
    }
}

/// Parabolic refinement of a grid maximum (in log-BPM).
fn refine(grid: &[(f32, f32)], i: usize) -> f32 {
    if i == 0 || i + 1 >= grid.len() {
        return grid[i].0;
    }
    let (a, b, c) = (grid[i - 1].1, grid[i].1, grid[i + 1].1);
    let denom = a - 2.0 * b + c;
    if denom.abs() < 1e-12 {
        return grid[i].0;
    }
    let offset = (0.5 * (a - c) / denom).clamp(-0.5, 0.5);
    let (l0, l1) = (grid[i].0.ln(), grid[i + 1].0.ln());
    (l0 + offset * (l1 - l0)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::onset::OnsetDetector;
    use crate::analysis::ANALYSIS_RATE;
    use crate::audio::synth::{add_drum, add_note, click_track, midi_hz, Drum, Rng, Voice};

    fn tempo_of(samples: &[f32]) -> Option<Tempo> {
        let mut onsets = OnsetDetector::new();
        for block in samples.chunks(4096) {
            onsets.push(block);
        }
        estimate(&onsets.finish(), ANALYSIS_RATE)
    }

    /// A rock/pop pattern: kick on 1 and 3, snare on 2 and 4, eighth-note hats.
    fn drums(bpm: f32, seconds: f32) -> Vec<f32> {
        let rate = ANALYSIS_RATE;
        let mut out = vec![0.0; (seconds * rate as f32) as usize];
        let mut rng = Rng::new(9);
        let beat = 60.0 / bpm * rate as f32;
        let mut b = 0;
        while (b as f32 * beat) < out.len() as f32 {
            let at = (b as f32 * beat) as usize;
            let drum = if b % 2 == 0 { Drum::Kick } else { Drum::Snare };
            add_drum(&mut out, rate, drum, at, 0.8, &mut rng);
            add_drum(&mut out, rate, Drum::HiHat, at, 0.25, &mut rng);
            add_drum(
                &mut out,
                rate,
                Drum::HiHat,
                at + (beat / 2.0) as usize,
                0.2,
                &mut rng,
            );
            b += 1;
        }
        out
    }

    /// Block chords on every beat with a passing note on some off-beats, no drums: like a
    /// chorale. `beats_per_bar` 3 makes a waltz-like accent pattern.
    fn chords(bpm: f32, seconds: f32, beats_per_bar: usize) -> Vec<f32> {
        chords_played(bpm, seconds, beats_per_bar, 0.0)
    }

    /// [`chords`] played with rubato: every beat lasts up to ±`rubato` of its written length
    /// (at random, the tempo drifting around the written one).
    fn chords_played(bpm: f32, seconds: f32, beats_per_bar: usize, rubato: f32) -> Vec<f32> {
        let rate = ANALYSIS_RATE;
        let mut out = vec![0.0; (seconds * rate as f32) as usize];
        let mut rng = Rng::new(3);
        let written = 60.0 / bpm * rate as f32;
        let progression = [[60, 64, 67], [57, 60, 64], [62, 65, 69], [55, 59, 62]];
        let (mut b, mut at) = (0, 0.0f32);
        loop {
            let beat = written * (1.0 + rubato * rng.noise());
            if at + beat >= out.len() as f32 {
                break;
            }
            let start = at as usize;
            let chord = progression[(b / beats_per_bar) % progression.len()];
            let gain = if b % beats_per_bar == 0 { 0.3 } else { 0.22 };
            for note in chord {
                add_note(
                    &mut out,
                    rate,
                    Voice::Keys,
                    midi_hz(note as f32, 0.0),
                    start..start + beat as usize,
                    gain,
                    &mut rng,
                );
            }
            if b % 3 == 1 {
                let half = start + (beat / 2.0) as usize;
                add_note(
                    &mut out,
                    rate,
                    Voice::Keys,
                    midi_hz(72.0, 0.0),
                    half..start + beat as usize,
                    0.08,
                    &mut rng,
                );
            }
            b += 1;
            at += beat;
        }
        out
    }

    /// Kick on 1 and 3, snare on 2 and 4, hats on swung eighths (the second of each pair at
    /// `swing` of the beat: 2/3 is a triplet feel).
    fn swung_drums(bpm: f32, seconds: f32, swing: f32) -> Vec<f32> {
        let rate = ANALYSIS_RATE;
        let mut out = vec![0.0; (seconds * rate as f32) as usize];
        let mut rng = Rng::new(11);
        let beat = 60.0 / bpm * rate as f32;
        let mut b = 0;
        while ((b + 1) as f32 * beat) < out.len() as f32 {
            let at = (b as f32 * beat) as usize;
            let drum = if b % 2 == 0 { Drum::Kick } else { Drum::Snare };
            add_drum(&mut out, rate, drum, at, 0.8, &mut rng);
            add_drum(&mut out, rate, Drum::HiHat, at, 0.25, &mut rng);
            let off = at + (beat * swing) as usize;
            add_drum(&mut out, rate, Drum::HiHat, off, 0.2, &mut rng);
            b += 1;
        }
        out
    }

    fn assert_bpm(found: Option<Tempo>, bpm: f32, what: &str) {
        let t = found.unwrap_or_else(|| panic!("{what}: no tempo"));
        assert!(
            (t.bpm - bpm).abs() / bpm < 0.02,
            "{what}: found {:.2} BPM, expected {bpm}",
            t.bpm
        );
        assert!(t.confidence > 0.3, "{what}: confidence {:.2}", t.confidence);
    }

    #[test]
    fn click_tracks_at_slow_medium_and_fast_tempi() {
        for bpm in [62.0, 75.0, 96.0, 120.0, 133.0, 150.0, 168.0, 184.0] {
            let clicks = click_track(ANALYSIS_RATE, 20.0, bpm);
            assert_bpm(tempo_of(&clicks), bpm, &format!("clicks at {bpm}"));
        }
    }

    #[test]
    fn drum_patterns_slow_and_fast() {
        for bpm in [72.0, 88.0, 110.0, 128.0, 140.0, 165.0, 174.0] {
            assert_bpm(tempo_of(&drums(bpm, 20.0)), bpm, &format!("drums at {bpm}"));
        }
    }

    #[test]
    fn chords_without_drums_in_duple_and_triple_time() {
        for (bpm, meter) in [
            (66.0, 4),
            (92.0, 4),
            (126.0, 4),
            (172.0, 4),
            (84.0, 3),
            (150.0, 3),
        ] {
            let what = format!("chords at {bpm} in {meter}");
            assert_bpm(tempo_of(&chords(bpm, 24.0, meter)), bpm, &what);
        }
    }

    #[test]
    fn chords_played_with_rubato_keep_their_beat() {
        // The played tempo wanders around the written one: Acc1's 4 % is the bar here.
        for bpm in [66.0, 92.0, 160.0] {
            let t = tempo_of(&chords_played(bpm, 30.0, 4, 0.04)).expect("a tempo");
            assert!(
                (t.bpm - bpm).abs() / bpm < 0.04,
                "rubato chords at {bpm}: found {:.2}",
                t.bpm
            );
        }
    }

    #[test]
    fn swung_eighths_do_not_make_the_swing_the_beat() {
        for bpm in [90.0, 120.0, 150.0] {
            let what = format!("swung drums at {bpm}");
            assert_bpm(tempo_of(&swung_drums(bpm, 20.0, 2.0 / 3.0)), bpm, &what);
        }
    }

    /// 6/8: a chord on every dotted-quarter beat (two per bar, the first louder) and a melody
    /// note on every eighth between them (three per beat), no drums — a jig.
    fn jig(beats_per_minute: f32, seconds: f32) -> Vec<f32> {
        let rate = ANALYSIS_RATE;
        let mut out = vec![0.0; (seconds * rate as f32) as usize];
        let mut rng = Rng::new(5);
        let beat = 60.0 / beats_per_minute * rate as f32;
        let eighth = beat / 3.0;
        let progression = [[57, 60, 64], [55, 59, 62], [53, 57, 60], [52, 56, 59]];
        let melody = [69, 72, 76, 74, 72, 71, 69, 67, 65, 64, 67, 71];
        let mut b = 0;
        while ((b + 1) as f32 * beat) < out.len() as f32 {
            let at = (b as f32 * beat) as usize;
            let gain = if b % 2 == 0 { 0.28 } else { 0.2 };
            for note in progression[(b / 2) % progression.len()] {
                let hz = midi_hz(note as f32, 0.0);
                add_note(
                    &mut out,
                    rate,
                    Voice::Keys,
                    hz,
                    at..at + beat as usize,
                    gain,
                    &mut rng,
                );
            }
            for e in 0..3 {
                let start = at + (e as f32 * eighth) as usize;
                let hz = midi_hz(melody[(3 * b + e) % melody.len()] as f32, 0.0);
                let end = start + eighth as usize;
                add_note(&mut out, rate, Voice::Pluck, hz, start..end, 0.12, &mut rng);
            }
            b += 1;
        }
        out
    }

    #[test]
    fn six_eight_keeps_its_dotted_quarter_beat() {
        for bpm in [60.0, 80.0, 100.0, 120.0] {
            assert_bpm(tempo_of(&jig(bpm, 24.0)), bpm, &format!("a jig at {bpm}"));
        }
    }

    /// Onsets at the given frames, over `len` frames.
    fn onsets_at(frames: impl IntoIterator<Item = f32>, len: usize) -> Onsets {
        Onsets {
            frames: frames.into_iter().map(|f| f.round() as usize).collect(),
            len,
        }
    }

    #[test]
    fn fills_tell_a_beat_from_its_subdivision_and_its_bar() {
        // A note on every beat of 40 frames, and one between two beats every third beat.
        let beats = (0..100).map(|k| 40.0 * k as f32);
        let passing = (0..100)
            .filter(|k| k % 3 == 1)
            .map(|k| 40.0 * k as f32 + 20.0);
        let mut all: Vec<f32> = beats.chain(passing).collect();
        all.sort_by(f32::total_cmp);
        let onsets = onsets_at(all, 4000);
        let beat = onsets.fills(40.0);
        assert!(beat.beats > 0.99, "every beat has its note: {beat:?}");
        assert!(
            (0.2..0.5).contains(&beat.midpoints),
            "a third of the midpoints: {beat:?}"
        );
        let twice = onsets.fills(20.0);
        assert!(
            twice.beats < 0.75,
            "twice the tempo leaves beats empty: {twice:?}"
        );
        let half = onsets.fills(80.0);
        assert!(
            half.beats > 0.99 && half.midpoints > 0.99,
            "at half the tempo the off-beats are as full as the beats: {half:?}"
        );
    }

    #[test]
    fn fills_follow_a_drifting_tempo() {
        // The beat slows from 39.6 to 40.4 frames over 100 beats (±1 % around 40): one grid
        // over the whole clip would be a quarter of a beat off in the middle.
        let mut at = 0.0f32;
        let frames: Vec<f32> = (0..100)
            .map(|k| {
                let here = at;
                at += 39.6 + 0.8 * k as f32 / 99.0;
                here
            })
            .collect();
        let len = at as usize + 1;
        let fills = onsets_at(frames, len).fills(40.0);
        assert!(
            fills.beats > 0.9,
            "the grid's phase is found again every eight beats: {fills:?}"
        );
    }

    #[test]
    fn chord_changes_mark_the_beat_when_the_notes_do_not() {
        // Notes start at random (no pulse in the onset envelopes); the harmony changes on
        // every beat at 100 BPM: the beat is the harmonic change's.
        let fps = super::super::onset::frame_rate(ANALYSIS_RATE);
        let frames = (40.0 * fps) as usize;
        let mut rng = Rng::new(5);
        let notes: Vec<f32> = (0..frames)
            .map(|_| {
                if rng.unit() < 0.05 {
                    0.5 + rng.unit()
                } else {
                    0.0
                }
            })
            .collect();
        let beat = 60.0 / 100.0 * fps;
        let chords: Vec<f32> = (0..frames)
            .map(|i| {
                let phase = (i as f32 / beat).fract() * beat;
                if phase < 1.0 {
                    1.0
                } else {
                    0.05 * rng.unit()
                }
            })
            .collect();
        let found = estimate(
            &crate::analysis::onset::Envelope {
                full: notes.clone(),
                accent: notes,
                harmony: chords,
            },
            ANALYSIS_RATE,
        );
        assert_bpm(found, 100.0, "random notes over chords changing at 100 BPM");
    }

    #[test]
    fn silence_noise_and_short_clips_give_no_made_up_tempo() {
        assert_eq!(tempo_of(&vec![0.0; ANALYSIS_RATE as usize * 10]), None);
        assert_eq!(
            tempo_of(&click_track(ANALYSIS_RATE, 1.0, 120.0)),
            None,
            "a 1-second clip"
        );
        let mut rng = Rng::new(5);
        let noise: Vec<f32> = (0..ANALYSIS_RATE * 15).map(|_| 0.3 * rng.noise()).collect();
        let t = tempo_of(&noise).expect("noise has an envelope");
        assert!(
            t.confidence < 0.25,
            "white noise confidence {:.2} at {:.1} BPM",
            t.confidence,
            t.bpm
        );
        assert!((MIN_BPM..=MAX_BPM * 1.02).contains(&t.bpm) && t.bpm.is_finite());
    }
}
