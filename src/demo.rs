//! The demo library: a few dozen short tracks synthesised on the spot, in six styles of known
//! tempo, key, instrumentation and tags, so someone without music at hand can try everything.

use std::path::{Path, PathBuf};

use crate::audio::encode::{write_flac, write_tags, write_wav};
use crate::audio::synth::{add_drum, add_note, midi_hz, normalize, Drum, Rng, Voice};
use crate::error::{Error, Result};
use crate::metadata::Tags;

/// Sample rate of demo tracks: enough for every analysis, small on disk.
pub const DEMO_RATE: u32 = 22_050;
/// Length of each demo track.
pub const DEMO_SECONDS: f32 = 24.0;

const NOTE_NAMES: [&str; 12] = [
    "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];

/// One demo artist: a style with its tempo range, mode, instruments and drums.
struct Style {
    artist: &'static str,
    album: &'static str,
    genre: &'static str,
    year: i64,
    bpm: (f32, f32),
    minor: bool,
    lead: Voice,
    chords: Voice,
    drums: Groove,
    titles: [&'static str; 6],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Groove {
    None,
    Brushes,
    FourOnFloor,
    Rock,
    Boombap,
    Swing,
}

const STYLES: [Style; 6] = [
    Style {
        artist: "Lumen Drift",
        album: "Slow Light",
        genre: "Ambient",
        year: 2021,
        bpm: (62.0, 76.0),
        minor: false,
        lead: Voice::Sine,
        chords: Voice::Pad,
        drums: Groove::None,
        titles: [
            "Morning Haze",
            "Glass Harbour",
            "Low Tide",
            "Fernlight",
            "Quiet Orbit",
            "Snowfield",
        ],
    },
    Style {
        artist: "Copper Lanes",
        album: "Kitchen Table Songs",
        genre: "Folk",
        year: 2019,
        bpm: (88.0, 108.0),
        minor: false,
        lead: Voice::Pluck,
        chords: Voice::Pluck,
        drums: Groove::Brushes,
        titles: [
            "River Road",
            "Old Porch",
            "Wildflower Ridge",
            "Lantern",
            "Harvest Reel",
            "Long Way Home",
        ],
    },
    Style {
        artist: "Night Circuit",
        album: "Neon Grid",
        genre: "Electronic",
        year: 2023,
        bpm: (120.0, 128.0),
        minor: true,
        lead: Voice::Square,
        chords: Voice::Saw,
        drums: Groove::FourOnFloor,
        titles: [
            "Afterhours",
            "Signal Bloom",
            "Mainframe",
            "Tokyo Rain",
            "Overdrive",
            "Static Hearts",
        ],
    },
    Style {
        artist: "The Hollow Pines",
        album: "Timber",
        genre: "Rock",
        year: 2018,
        bpm: (140.0, 172.0),
        minor: true,
        lead: Voice::Drive,
        chords: Voice::Drive,
        drums: Groove::Rock,
        titles: [
            "Sawmill",
            "Thunderhead",
            "Split Rail",
            "Wildfire",
            "Black Ice",
            "Last Call",
        ],
    },
    Style {
        artist: "Marisol Quartet",
        album: "Blue Hours",
        genre: "Jazz",
        year: 2016,
        bpm: (84.0, 100.0),
        minor: false,
        lead: Voice::Keys,
        chords: Voice::Keys,
        drums: Groove::Swing,
        titles: [
            "Velvet Room",
            "Half Past Two",
            "Cobalt",
            "Small Talk",
            "Rainy Avenue",
            "Nightcap",
        ],
    },
    Style {
        artist: "Pulse Theory",
        album: "Concrete Dreams",
        genre: "Hip-Hop",
        year: 2022,
        bpm: (84.0, 94.0),
        minor: true,
        lead: Voice::Keys,
        chords: Voice::Square,
        drums: Groove::Boombap,
        titles: [
            "Block Party",
            "Subway Lines",
            "Gold Chains",
            "Rooftop",
            "Late Bus",
            "Crate Digger",
        ],
    },
];

/// What the demo generator made.
#[derive(Debug, Clone)]
pub struct DemoTrack {
    pub path: PathBuf,
    pub bpm: f32,
    /// Tonic as a pitch class name ("F#") and whether the key is minor.
    pub key: &'static str,
    pub minor: bool,
    pub tags: Tags,
}

/// Synthesises the demo library into `dir` (created if needed) and returns its tracks.
/// Existing files are overwritten, so running it twice gives the same library.
pub fn generate(dir: &Path) -> Result<Vec<DemoTrack>> {
    let mut made = Vec::new();
    for (s, style) in STYLES.iter().enumerate() {
        let album_dir = dir.join(style.artist).join(style.album);
        std::fs::create_dir_all(&album_dir).map_err(|e| Error::io(&album_dir, e))?;
        for (t, title) in style.titles.iter().enumerate() {
            let mut rng = Rng::new((s * 16 + t) as u64 + 7);
            // Spread tempi over the style's range and keys around the circle of fifths.
            let bpm = (style.bpm.0 + (style.bpm.1 - style.bpm.0) * t as f32 / 5.0).round();
            let tonic = (s * 5 + t * 7) % 12;
            let samples = render(style, tonic, bpm, &mut rng);
            // Mostly FLAC, some WAV, so the format column has something to show.
            let ext = if t % 3 == 2 { "wav" } else { "flac" };
            let path = album_dir.join(format!("{:02} {title}.{ext}", t + 1));
            if ext == "wav" {
                write_wav(&path, DEMO_RATE, &samples)?;
            } else {
                write_flac(&path, DEMO_RATE, &samples)?;
            }
            let tags = Tags {
                title: Some((*title).to_string()),
                artist: Some(style.artist.to_string()),
                album: Some(style.album.to_string()),
                album_artist: Some(style.artist.to_string()),
                track_no: Some(t as i64 + 1),
                disc_no: Some(1),
                year: Some(style.year),
                genre: Some(style.genre.to_string()),
                has_cover: false,
                ..Tags::default()
            };
            write_tags(&path, &tags)?;
            made.push(DemoTrack {
                path,
                bpm,
                key: NOTE_NAMES[tonic],
                minor: style.minor,
                tags,
            });
        }
    }
    Ok(made)
}

/// Renders one track: a four-chord loop in the key, a melody over it, and the style's drums.
fn render(style: &Style, tonic: usize, bpm: f32, rng: &mut Rng) -> Vec<f32> {
    let rate = DEMO_RATE;
    let n = (DEMO_SECONDS * rate as f32) as usize;
    let mut out = vec![0.0f32; n];
    let beat = 60.0 / bpm * rate as f32;
    let bar = 4.0 * beat;
    // Scale degrees (semitones) and diatonic progressions.
    let (scale, progression): ([i32; 7], [usize; 4]) = if style.minor {
        ([0, 2, 3, 5, 7, 8, 10], [0, 5, 2, 6]) // i – VI – III – VII
    } else {
        ([0, 2, 4, 5, 7, 9, 11], [0, 4, 5, 3]) // I – V – vi – IV
    };
    let root_note = 48 + tonic as i32; // C3 + tonic
    let chord_tones = |degree: usize| -> [i32; 3] {
        [0, 2, 4].map(|step| {
            let d = degree + step;
            scale[d % 7] + 12 * (d / 7) as i32
        })
    };
    let bars = (n as f32 / bar).ceil() as usize;
    for b in 0..bars {
        let degree = progression[b % 4];
        let start = (b as f32 * bar) as usize;
        let tones = chord_tones(degree);
        // Chords: sustained for pads and keys, strummed on beats for plucked and driven voices.
        match style.chords {
            Voice::Pluck | Voice::Drive => {
                for k in 0..4 {
                    let at = start + (k as f32 * beat) as usize;
                    for (i, semis) in tones.iter().enumerate() {
                        let strum = (i as f32 * 0.012 * rate as f32) as usize;
                        let hz = midi_hz((root_note + semis) as f32, 0.0);
                        add_note(
                            &mut out,
                            rate,
                            style.chords,
                            hz,
                            at + strum..at + strum + beat as usize,
                            0.18,
                            rng,
                        );
                    }
                }
            }
            voice => {
                for semis in tones {
                    let hz = midi_hz((root_note + semis) as f32, 0.0);
                    add_note(
                        &mut out,
                        rate,
                        voice,
                        hz,
                        start..start + bar as usize,
                        0.14,
                        rng,
                    );
                }
            }
        }
        // Bass on the root.
        let bass_hz = midi_hz((root_note - 12 + scale[degree % 7]) as f32, 0.0);
        add_note(
            &mut out,
            rate,
            Voice::Sine,
            bass_hz,
            start..start + (bar * 0.9) as usize,
            0.25,
            rng,
        );
        // Melody: eighth notes drawn from the chord and scale, an octave up.
        let notes_per_bar = if style.drums == Groove::None { 2 } else { 8 };
        let step = bar / notes_per_bar as f32;
        for k in 0..notes_per_bar {
            if rng.unit() < 0.25 {
                continue;
            }
            let pick = if rng.unit() < 0.6 {
                tones[rng.below(3)]
            } else {
                scale[rng.below(7)]
            };
            let hz = midi_hz((root_note + 12 + pick) as f32, 0.0);
            let at = start + (k as f32 * step) as usize;
            add_note(
                &mut out,
                rate,
                style.lead,
                hz,
                at..at + (step * 0.9) as usize,
                0.16,
                rng,
            );
        }
        add_groove(&mut out, style.drums, start, beat, rng);
    }
    normalize(&mut out, 0.85);
    out
}

fn add_groove(out: &mut [f32], groove: Groove, bar_start: usize, beat: f32, rng: &mut Rng) {
    let rate = DEMO_RATE;
    let at = |beats: f32| bar_start + (beats * beat) as usize;
    let mut hit =
        |out: &mut [f32], drum, beats: f32, gain| add_drum(out, rate, drum, at(beats), gain, rng);
    match groove {
        Groove::None => {}
        Groove::Brushes => {
            for k in 0..4 {
                hit(out, Drum::HiHat, k as f32, 0.25);
                hit(out, Drum::Snare, k as f32 + 0.5, 0.08);
            }
            hit(out, Drum::Kick, 0.0, 0.4);
            hit(out, Drum::Kick, 2.0, 0.4);
        }
        Groove::FourOnFloor => {
            for k in 0..4 {
                hit(out, Drum::Kick, k as f32, 0.9);
                hit(out, Drum::HiHat, k as f32 + 0.5, 0.35);
            }
            hit(out, Drum::Snare, 1.0, 0.4);
            hit(out, Drum::Snare, 3.0, 0.4);
        }
        Groove::Rock => {
            for k in 0..8 {
                hit(out, Drum::HiHat, k as f32 * 0.5, 0.3);
            }
            hit(out, Drum::Kick, 0.0, 0.9);
            hit(out, Drum::Kick, 2.5, 0.8);
            hit(out, Drum::Snare, 1.0, 0.7);
            hit(out, Drum::Snare, 3.0, 0.7);
        }
        Groove::Boombap => {
            hit(out, Drum::Kick, 0.0, 1.0);
            hit(out, Drum::Kick, 1.75, 0.8);
            hit(out, Drum::Kick, 2.5, 0.9);
            hit(out, Drum::Snare, 1.0, 0.8);
            hit(out, Drum::Snare, 3.0, 0.8);
            for k in 0..8 {
                hit(out, Drum::HiHat, k as f32 * 0.5, 0.2);
            }
        }
        Groove::Swing => {
            // Ride pattern: 1, 2, 2-and (swung), 3, 4, 4-and.
            for pos in [0.0, 1.0, 1.66, 2.0, 3.0, 3.66] {
                hit(out, Drum::HiHat, pos, 0.3);
            }
            hit(out, Drum::Kick, 0.0, 0.35);
            hit(out, Drum::Snare, 3.66, 0.1);
        }
    }
}
