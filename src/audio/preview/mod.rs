//! Preview playback: decode a track on its own thread, resample it to the output device's rate
//! and channel count, and feed a cpal output stream through a lock-free ring buffer.
//!
//! Threads:
//! - the **audio callback** (cpal's) only pops samples from the ring, scales them by the
//!   volume and counts frames; it never allocates, locks or does I/O. A pause or an empty ring
//!   plays silence.
//! - the **control thread** owns the stream (cpal streams may not move between threads) and
//!   the decoder: it takes commands, decodes ahead while the ring has room, and publishes the
//!   state. It drops the stream (releasing the device) on `close` and when nothing has played
//!   for a while ([`Release`]), and opens it again for the next preview.
//!
//! Switching previews is immediate: the control thread raises `flush`, the callback empties
//! the ring on its next call and lowers it, and only then does the new track's audio go in.
//!
//! The parts: `session` decodes one preview (symphonia, rubato) into the ring; `output` opens
//! the cpal device and holds the audio callback; `control` is the control thread and its
//! command loop; `virtual_device` is a paced stand-in for a sound card (benchmarks, tests).

mod control;
mod output;
mod session;
#[cfg(any(test, feature = "harness"))]
mod virtual_device;

pub use output::{output_devices, Output};
#[cfg(any(test, feature = "harness"))]
pub use virtual_device::{DeviceProbe, VirtualDevice};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use crate::audio::decode::DecodeError;
use control::Command;

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("no sound output device found (is a sound card connected, and is ALSA/PulseAudio/PipeWire running?)")]
    NoDevice,
    #[error("no output device named {0:?}")]
    NoSuchDevice(String),
    #[error("the sound device cannot play: {0}")]
    Device(String),
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("the player stopped")]
    Gone,
}

/// What the player is doing. Serialised in lower case: "idle", "playing", "paused", "finished",
/// "error".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum PlayerStatus {
    /// Nothing loaded (not started, or stopped).
    #[default]
    Idle,
    Playing,
    Paused,
    /// The preview (or the queue) played to its end.
    Finished,
    /// The file could not be played, or the device was lost: see [`PlayerState::error`].
    Error,
}

impl PlayerStatus {
    /// The name the JSON uses.
    pub fn as_str(self) -> &'static str {
        match self {
            PlayerStatus::Idle => "idle",
            PlayerStatus::Playing => "playing",
            PlayerStatus::Paused => "paused",
            PlayerStatus::Finished => "finished",
            PlayerStatus::Error => "error",
        }
    }
}

impl std::fmt::Display for PlayerStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with the JSON name, so `state.status == "playing"` reads as before.
impl PartialEq<str> for PlayerStatus {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for PlayerStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What the player is doing, for the UI and the CLI.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct PlayerState {
    pub status: PlayerStatus,
    pub path: Option<String>,
    /// Seconds into the file.
    pub position_s: f64,
    /// Where this preview started and ends (seconds into the file).
    pub from_s: f64,
    pub until_s: Option<f64>,
    pub volume: f32,
    pub device: String,
    pub sample_rate: u32,
    pub channels: u16,
    /// Times the device asked for audio the decoder had not delivered yet, since start.
    pub underruns: u64,
    pub error: Option<String>,
    /// Counts previews started (each play, seek or device change): tells one preview's
    /// "finished" from the next one's.
    pub preview: u64,
    /// Place in the queue and its length (a single play is a queue of one).
    pub queue_index: usize,
    pub queue_len: usize,
}

impl PlayerState {
    /// Nothing played yet.
    pub fn idle() -> PlayerState {
        PlayerState {
            status: PlayerStatus::Idle,
            path: None,
            position_s: 0.0,
            from_s: 0.0,
            until_s: None,
            volume: 1.0,
            device: String::new(),
            sample_rate: 0,
            channels: 0,
            underruns: 0,
            error: None,
            preview: 0,
            queue_index: 0,
            queue_len: 0,
        }
    }
}

/// When the player lets its output device go by itself: a sound card (or the sound server's
/// stream) held open plays silence in real time. The next preview opens it again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Release {
    /// After this long with nothing loaded (stopped, finished, failed).
    pub idle: Duration,
    /// After this long paused (a resume then goes on from where it was, on a reopened device).
    pub paused: Duration,
}

impl Default for Release {
    fn default() -> Self {
        Release {
            idle: Duration::from_secs(10),
            paused: Duration::from_secs(60),
        }
    }
}

/// One preview of a queue: a file, where to start, how long.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    pub path: PathBuf,
    pub from_s: f64,
    pub seconds: Option<f64>,
}

/// State the audio callback shares; atomics only.
struct Live {
    volume: AtomicU32,
    paused: AtomicBool,
    flush: AtomicBool,
    /// Frames the device has been given since the current preview started.
    played: AtomicU64,
    underruns: AtomicU64,
    /// True while a preview is loaded and not yet played out (an empty ring then is an
    /// underrun, not the end).
    active: AtomicBool,
    /// Set by the stream's error callback: the device went away (unplugged, say).
    device_lost: AtomicBool,
}

/// A handle on the player; cheap to share. Dropping the last handle stops it.
pub struct Player {
    commands: mpsc::Sender<Command>,
    live: Arc<Live>,
    state: Arc<Mutex<PlayerState>>,
}

impl Player {
    /// Opens the output device (`None`: the default) and starts the player thread. No device
    /// is a clear error, not a panic.
    pub fn new(device: Option<&str>) -> Result<Player, PreviewError> {
        Self::with_output(Output::Device(device.map(str::to_string)))
    }

    /// A player on any [`Output`].
    pub fn with_output(output: Output) -> Result<Player, PreviewError> {
        Self::with_release(output, Release::default())
    }

    /// A player on any [`Output`] that lets it go when quiet as `release` says.
    pub fn with_release(output: Output, release: Release) -> Result<Player, PreviewError> {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (commands, command_rx) = mpsc::channel();
        let live = Arc::new(Live {
            volume: AtomicU32::new(1.0f32.to_bits()),
            paused: AtomicBool::new(false),
            flush: AtomicBool::new(false),
            played: AtomicU64::new(0),
            underruns: AtomicU64::new(0),
            active: AtomicBool::new(false),
            device_lost: AtomicBool::new(false),
        });
        let state = Arc::new(Mutex::new(PlayerState::idle()));
        let thread_live = Arc::clone(&live);
        let thread_state = Arc::clone(&state);
        std::thread::Builder::new()
            .name("segue-preview".into())
            .spawn(move || {
                control::run(
                    output,
                    command_rx,
                    thread_live,
                    thread_state,
                    ready_tx,
                    release,
                )
            })
            .map_err(|e| PreviewError::Device(e.to_string()))?;
        ready_rx.recv().map_err(|_| PreviewError::Gone)??;
        Ok(Player {
            commands,
            live,
            state,
        })
    }

    fn send(&self, command: Command) -> Result<(), PreviewError> {
        self.commands.send(command).map_err(|_| PreviewError::Gone)
    }

    /// Waits (up to `timeout`) until the player has taken in the commands sent so far that
    /// start a preview, then returns its state: what a caller that just sent `play` shows.
    pub fn state_after(&self, previous: u64, timeout: Duration) -> PlayerState {
        let until = std::time::Instant::now() + timeout;
        loop {
            let s = self.state();
            if s.preview > previous || std::time::Instant::now() >= until {
                return s;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Plays `path` from `from_s` seconds for `seconds` (or to the end), replacing whatever
    /// plays now.
    pub fn play(&self, path: &Path, from_s: f64, seconds: Option<f64>) -> Result<(), PreviewError> {
        let item = QueueItem {
            path: path.to_path_buf(),
            from_s: from_s.max(0.0),
            seconds,
        };
        self.play_queue(vec![item], 0)
    }

    /// Plays a list of previews one after the other, from item `index`; each one that ends
    /// moves on to the next.
    pub fn play_queue(&self, items: Vec<QueueItem>, index: usize) -> Result<(), PreviewError> {
        if index >= items.len() {
            return Ok(());
        }
        self.send(Command::Queue { items, index })
    }

    /// The next item of the queue (nothing at its end).
    pub fn next(&self) -> Result<(), PreviewError> {
        self.send(Command::Step(1))
    }

    /// The previous item of the queue (the first one again at its start).
    pub fn previous(&self) -> Result<(), PreviewError> {
        self.send(Command::Step(-1))
    }

    pub fn pause(&self) -> Result<(), PreviewError> {
        self.send(Command::Pause)
    }

    pub fn resume(&self) -> Result<(), PreviewError> {
        self.send(Command::Resume)
    }

    pub fn stop(&self) -> Result<(), PreviewError> {
        self.send(Command::Stop)
    }

    /// Stops, and lets the output device go (the player bar was closed): nothing more is
    /// written to it until the next preview, which opens it again on the same device. Returns
    /// once the device is released (at most two seconds later, should the player be busy).
    pub fn close(&self) -> Result<(), PreviewError> {
        let (done, released) = mpsc::channel();
        self.send(Command::Close(done))?;
        match released.recv_timeout(Duration::from_secs(2)) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => Ok(()),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(PreviewError::Gone),
        }
    }

    /// Jumps to `seconds` into the file.
    pub fn seek(&self, seconds: f64) -> Result<(), PreviewError> {
        self.send(Command::Seek(seconds.max(0.0)))
    }

    /// Plays through another output device (`None`: the system default) from now on; what
    /// plays goes on from where it was. If the device cannot be opened, the state says so and
    /// the player keeps trying once a second.
    pub fn set_device(&self, name: Option<&str>) -> Result<(), PreviewError> {
        self.send(Command::SetDevice(name.map(str::to_string)))
    }

    /// 0 (silent) to 1 (as decoded).
    pub fn set_volume(&self, volume: f32) {
        let v = if volume.is_finite() {
            volume.clamp(0.0, 1.0)
        } else {
            1.0
        };
        self.live.volume.store(v.to_bits(), Ordering::Relaxed);
    }

    pub fn state(&self) -> PlayerState {
        let mut state = self
            .state
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|e| e.into_inner().clone());
        state.volume = f32::from_bits(self.live.volume.load(Ordering::Relaxed));
        state.underruns = self.live.underruns.load(Ordering::Relaxed);
        if state.sample_rate > 0
            && matches!(state.status, PlayerStatus::Playing | PlayerStatus::Paused)
        {
            let played =
                self.live.played.load(Ordering::Relaxed) as f64 / f64::from(state.sample_rate);
            state.position_s = state.from_s + played;
        }
        state
    }
}

#[cfg(test)]
mod tests;
