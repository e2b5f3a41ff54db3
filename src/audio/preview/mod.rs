//! Preview playback: decode a track on its own thread, resample it to the output device's rate
//! and channel count, and feed a cpal output stream through a lock-free ring buffer.
//!
//! Threads:
//! - the **audio callback** (cpal's) only pops samples from the ring, scales them by the
//!   volume and counts frames; it never allocates, locks or does I/O. A pause or an empty ring
//!   plays silence.
//! - the **control thread** owns the stream (cpal streams may not move between threads) and
//!   the decoder: it takes commands, decodes ahead while the ring has room, and publishes the
//!   state.
//!
//! Switching previews is immediate: the control thread raises `flush`, the callback empties
//! the ring on its next call and lowers it, and only then does the new track's audio go in.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SizedSample};
use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};
use rubato::{FftFixedIn, Resampler};
use serde::Serialize;
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::Decoder;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatReader, SeekMode, SeekTo};
use symphonia::core::units::Time;

use crate::audio::decode::DecodeError;

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

/// What the player is doing, for the UI and the CLI.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlayerState {
    /// "idle", "playing", "paused", "finished" or "error".
    pub status: String,
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

/// One preview of a queue: a file, where to start, how long.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    pub path: PathBuf,
    pub from_s: f64,
    pub seconds: Option<f64>,
}

enum Command {
    /// Replace the queue and play item `index`.
    Queue {
        items: Vec<QueueItem>,
        index: usize,
    },
    /// Move by this many items (next: +1, previous: -1).
    Step(i64),
    Pause,
    Resume,
    Stop,
    Seek(f64),
    /// Play through another device (`None`: the system default) from here on.
    SetDevice(Option<String>),
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

/// Where the player sends its audio.
#[derive(Clone)]
pub enum Output {
    /// A cpal output device: the system default (`None`) or one by name.
    Device(Option<String>),
    /// A paced stand-in for a sound card (benchmarks): see [`VirtualDevice`].
    Virtual(VirtualDevice),
}

/// A stand-in for a sound card, for benchmarks on machines without one: a thread calls the
/// player's real audio callback every period in real time, as a device would, and notes when
/// sound first comes out after [`DeviceProbe::arm`].
#[derive(Clone)]
pub struct VirtualDevice {
    pub rate: u32,
    pub channels: u16,
    pub period_frames: usize,
    pub probe: Arc<DeviceProbe>,
}

/// What a [`VirtualDevice`] saw, and a cable to pull.
#[derive(Default)]
pub struct DeviceProbe {
    waiting: AtomicBool,
    first_sound: Mutex<Option<std::time::Instant>>,
    /// Callbacks that came late (the device thread itself was not scheduled in time).
    pub late_periods: AtomicU64,
    unplugged: AtomicBool,
}

impl DeviceProbe {
    /// Pulls the device out: its stream reports an error and stops, as cpal's does, and it
    /// cannot be opened until [`Self::plug_in`].
    pub fn unplug(&self) {
        self.unplugged.store(true, Ordering::SeqCst);
    }

    pub fn plug_in(&self) {
        self.unplugged.store(false, Ordering::SeqCst);
    }

    /// Forget the last sound; [`Self::first_sound`] then waits for the next.
    pub fn arm(&self) {
        if let Ok(mut f) = self.first_sound.lock() {
            *f = None;
        }
        self.waiting.store(true, Ordering::SeqCst);
    }

    /// When the first non-silent sample went out after [`Self::arm`].
    pub fn first_sound(&self) -> Option<std::time::Instant> {
        self.first_sound.lock().ok().and_then(|f| *f)
    }
}

/// Runs the virtual device until `stop` is set, or until it is unplugged (then `on_error`,
/// like a cpal stream's error callback).
fn run_virtual(
    device: VirtualDevice,
    mut callback: impl FnMut(&mut [f32], &cpal::OutputCallbackInfo) + Send + 'static,
    on_error: impl FnOnce() + Send + 'static,
    stop: Arc<AtomicBool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("segue-virtual-device".into())
        .spawn(move || {
            let period =
                Duration::from_secs_f64(device.period_frames as f64 / f64::from(device.rate));
            let mut buffer = vec![0.0f32; device.period_frames * usize::from(device.channels)];
            let info = cpal::OutputCallbackInfo::new(cpal::OutputStreamTimestamp {
                callback: cpal::StreamInstant::new(0, 0),
                playback: cpal::StreamInstant::new(0, 0),
            });
            let mut next = std::time::Instant::now();
            while !stop.load(Ordering::Relaxed) {
                if device.probe.unplugged.load(Ordering::SeqCst) {
                    on_error();
                    return;
                }
                callback(&mut buffer, &info);
                if device.probe.waiting.load(Ordering::SeqCst) && buffer.iter().any(|x| *x != 0.0) {
                    if let Ok(mut f) = device.probe.first_sound.lock() {
                        *f = Some(std::time::Instant::now());
                    }
                    device.probe.waiting.store(false, Ordering::SeqCst);
                }
                next += period;
                let now = std::time::Instant::now();
                if next > now {
                    std::thread::sleep(next - now);
                } else {
                    device.probe.late_periods.fetch_add(1, Ordering::Relaxed);
                    next = now;
                }
            }
        })
}

/// A handle on the player; cheap to share. Dropping the last handle stops it.
pub struct Player {
    commands: mpsc::Sender<Command>,
    live: Arc<Live>,
    state: Arc<Mutex<PlayerState>>,
}

/// Output device names, default first.
pub fn output_devices() -> Vec<String> {
    let host = cpal::default_host();
    let mut names = Vec::new();
    if let Some(d) = host.default_output_device() {
        names.push(device_name(&d));
    }
    if let Ok(devices) = host.output_devices() {
        for d in devices {
            let name = device_name(&d);
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

fn device_name(device: &cpal::Device) -> String {
    device
        .description()
        .map(|d| d.name().to_string())
        .unwrap_or_else(|_| "unknown device".to_string())
}

/// Ring capacity in seconds of audio: enough to ride out a busy moment of the decoder thread
/// while analysis saturates the cores.
const RING_SECONDS: f32 = 0.5;

impl Player {
    /// Opens the output device (`None`: the default) and starts the player thread. No device
    /// is a clear error, not a panic.
    pub fn new(device: Option<&str>) -> Result<Player, PreviewError> {
        Self::with_output(Output::Device(device.map(str::to_string)))
    }

    /// A player on any [`Output`].
    pub fn with_output(output: Output) -> Result<Player, PreviewError> {
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
        let state = Arc::new(Mutex::new(PlayerState {
            status: "idle".into(),
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
        }));
        let thread_live = Arc::clone(&live);
        let thread_state = Arc::clone(&state);
        std::thread::Builder::new()
            .name("segue-preview".into())
            .spawn(move || control_thread(output, command_rx, thread_live, thread_state, ready_tx))
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
        if state.sample_rate > 0 && (state.status == "playing" || state.status == "paused") {
            let played =
                self.live.played.load(Ordering::Relaxed) as f64 / f64::from(state.sample_rate);
            state.position_s = state.from_s + played;
        }
        state
    }
}

/// One open file being decoded for preview, resampled to the device's format.
struct Session {
    reader: Box<dyn FormatReader>,
    decoder: Box<dyn Decoder>,
    track_id: u32,
    out_channels: usize,
    resampler: Option<FftFixedIn<f32>>,
    /// Planar input waiting for a full resampler chunk, per output channel.
    pending: Vec<Vec<f32>>,
    samples: Option<SampleBuffer<f32>>,
    /// Interleaved output ready for the ring.
    ready: Vec<f32>,
    ready_at: usize,
    /// Resampler delay still to drop, in output frames: the preview starts on its first sample.
    skip: usize,
    /// Output frames still to deliver (None: to the end).
    remaining: Option<u64>,
    done: bool,
}

const CHUNK: usize = 1024;

impl Session {
    fn open(
        path: &Path,
        from_s: f64,
        seconds: Option<f64>,
        rate: u32,
        channels: usize,
    ) -> Result<Session, DecodeError> {
        let crate::audio::decode::OpenTrack {
            mut reader,
            decoder,
            track_id,
            rate: source_rate,
            ..
        } = crate::audio::decode::open_track(path)?;
        if from_s > 0.0 {
            // A failed seek (a stream without an index, say) plays from the start.
            let to = SeekTo::Time {
                time: Time::from(from_s),
                track_id: Some(track_id),
            };
            if let Err(e) = reader.seek(SeekMode::Coarse, to) {
                tracing::debug!(path = %path.display(), "seek failed: {e}");
            }
        }
        let resampler: Option<FftFixedIn<f32>> = if source_rate == rate {
            None
        } else {
            Some(
                FftFixedIn::<f32>::new(source_rate as usize, rate as usize, CHUNK, 2, channels)
                    .map_err(|e| DecodeError::Resample(e.to_string()))?,
            )
        };
        let resampler_delay = resampler.as_ref().map_or(0, |r| r.output_delay());
        Ok(Session {
            reader,
            decoder,
            track_id,
            out_channels: channels,
            resampler,
            pending: vec![Vec::with_capacity(CHUNK * 2); channels],
            samples: None,
            ready: Vec::new(),
            ready_at: 0,
            skip: resampler_delay,
            remaining: seconds.map(|s| (s.max(0.0) * f64::from(rate)) as u64),
            done: false,
        })
    }

    /// Decodes one packet into `ready` (resampled, interleaved). False at the end.
    fn decode_some(&mut self) -> Result<bool, DecodeError> {
        let packet = match self.reader.next_packet() {
            Ok(p) => p,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Ok(false)
            }
            Err(SymphoniaError::ResetRequired) => return Ok(false),
            Err(e) => return Err(DecodeError::Damaged(e.to_string())),
        };
        if packet.track_id() != self.track_id {
            return Ok(true);
        }
        let buffer = match self.decoder.decode(&packet) {
            Ok(b) => b,
            Err(SymphoniaError::DecodeError(_)) => return Ok(true),
            Err(e) => return Err(DecodeError::Damaged(e.to_string())),
        };
        let spec = *buffer.spec();
        let frames = buffer.frames();
        if frames == 0 {
            return Ok(true);
        }
        let in_channels = spec.channels.count().max(1);
        let needed = frames * in_channels;
        let sb = match &mut self.samples {
            Some(b) if b.capacity() >= needed => b,
            slot => slot.insert(SampleBuffer::new(buffer.capacity() as u64, spec)),
        };
        sb.copy_interleaved_ref(buffer);
        let interleaved = sb.samples();
        // Channel map: mono goes to every output; otherwise output i takes input i (the last
        // input repeats if the device has more channels).
        for frame in interleaved.chunks_exact(in_channels) {
            for (c, pending) in self.pending.iter_mut().enumerate() {
                let x = if in_channels == 1 {
                    frame[0]
                } else {
                    frame[c.min(in_channels - 1)]
                };
                pending.push(x);
            }
        }
        self.flush_pending(false)?;
        Ok(true)
    }

    fn flush_pending(&mut self, last: bool) -> Result<(), DecodeError> {
        let channels = self.out_channels;
        match &mut self.resampler {
            None => {
                let n = self.pending[0].len();
                for i in 0..n {
                    for c in 0..channels {
                        self.ready.push(self.pending[c][i]);
                    }
                }
                for p in &mut self.pending {
                    p.clear();
                }
            }
            Some(resampler) => loop {
                let need = resampler.input_frames_next();
                let have = self.pending[0].len();
                if have < need && !(last && have > 0) {
                    break;
                }
                if have < need {
                    for p in &mut self.pending {
                        p.resize(need, 0.0);
                    }
                }
                let input: Vec<&[f32]> = self.pending.iter().map(|p| &p[..need]).collect();
                let out = resampler
                    .process(&input, None)
                    .map_err(|e| DecodeError::Resample(e.to_string()))?;
                let skip = self.skip.min(out[0].len());
                self.skip -= skip;
                for i in skip..out[0].len() {
                    for ch in out.iter().take(channels) {
                        self.ready.push(ch[i]);
                    }
                }
                for p in &mut self.pending {
                    p.drain(..need);
                }
            },
        }
        Ok(())
    }

    /// Pushes as much ready audio as the ring takes; decodes more when it runs out.
    fn fill(&mut self, ring: &mut HeapProd<f32>) -> Result<(), DecodeError> {
        while !self.done && ring.vacant_len() >= self.out_channels {
            if self.ready_at >= self.ready.len() {
                self.ready.clear();
                self.ready_at = 0;
                if !self.decode_some()? {
                    self.flush_pending(true)?;
                    if self.ready.is_empty() {
                        self.done = true;
                        break;
                    }
                }
                continue;
            }
            let mut slice = &self.ready[self.ready_at..];
            if let Some(remaining) = self.remaining {
                let max = (remaining as usize) * self.out_channels;
                if max == 0 {
                    self.done = true;
                    break;
                }
                slice = &slice[..slice.len().min(max)];
            }
            // Whole frames only, so channels never slip.
            let room = ring.vacant_len() / self.out_channels * self.out_channels;
            let pushed = ring.push_slice(&slice[..slice.len().min(room)]);
            self.ready_at += pushed;
            if let Some(r) = &mut self.remaining {
                *r -= (pushed / self.out_channels) as u64;
            }
        }
        Ok(())
    }
}

fn output_callback<T: SizedSample + FromSample<f32>>(
    live: Arc<Live>,
    mut ring: HeapCons<f32>,
    channels: usize,
) -> impl FnMut(&mut [T], &cpal::OutputCallbackInfo) + Send + 'static {
    // A fixed scratch buffer, allocated here once, never in the callback.
    let mut scratch = vec![0.0f32; 16_384];
    move |out: &mut [T], _| {
        if live.flush.load(Ordering::Acquire) {
            ring.clear();
            live.flush.store(false, Ordering::Release);
        }
        if live.paused.load(Ordering::Relaxed) {
            for s in out.iter_mut() {
                *s = T::from_sample(0.0f32);
            }
            return;
        }
        let volume = f32::from_bits(live.volume.load(Ordering::Relaxed));
        let mut written = 0;
        while written < out.len() {
            let want = (out.len() - written).min(scratch.len());
            let got = ring.pop_slice(&mut scratch[..want]);
            for (o, s) in out[written..written + got].iter_mut().zip(&scratch[..got]) {
                *o = T::from_sample(s * volume);
            }
            written += got;
            if got < want {
                break;
            }
        }
        if written < out.len() {
            if live.active.load(Ordering::Relaxed) && written > 0 {
                live.underruns.fetch_add(1, Ordering::Relaxed);
            }
            for s in out[written..].iter_mut() {
                *s = T::from_sample(0.0f32);
            }
        }
        live.played
            .fetch_add((written / channels.max(1)) as u64, Ordering::Relaxed);
    }
}

fn open_stream(
    wanted: Option<&str>,
    live: &Arc<Live>,
) -> Result<(cpal::Stream, HeapProd<f32>, String, u32, u16), PreviewError> {
    let host = cpal::default_host();
    let device = match wanted {
        None => host.default_output_device().ok_or(PreviewError::NoDevice)?,
        Some(name) => host
            .output_devices()
            .map_err(|e| PreviewError::Device(e.to_string()))?
            .find(|d| device_name(d) == name)
            .ok_or_else(|| PreviewError::NoSuchDevice(name.to_string()))?,
    };
    let name = device_name(&device);
    let supported = device
        .default_output_config()
        .map_err(|e| PreviewError::Device(e.to_string()))?;
    let config = supported.config();
    let channels = config.channels;
    let rate = config.sample_rate;
    let capacity = ((rate as f32 * RING_SECONDS) as usize).max(4096) * usize::from(channels);
    let (producer, consumer) = HeapRb::<f32>::new(capacity).split();
    let lost = Arc::clone(live);
    let err = move |e: cpal::Error| {
        tracing::warn!("audio output: {e}");
        lost.device_lost.store(true, Ordering::Release);
    };
    let live_cb = Arc::clone(live);
    let ch = usize::from(channels);
    let stream = match supported.sample_format() {
        cpal::SampleFormat::F32 => device.build_output_stream(
            config,
            output_callback::<f32>(live_cb, consumer, ch),
            err,
            None,
        ),
        cpal::SampleFormat::I16 => device.build_output_stream(
            config,
            output_callback::<i16>(live_cb, consumer, ch),
            err,
            None,
        ),
        cpal::SampleFormat::I32 => device.build_output_stream(
            config,
            output_callback::<i32>(live_cb, consumer, ch),
            err,
            None,
        ),
        cpal::SampleFormat::U16 => device.build_output_stream(
            config,
            output_callback::<u16>(live_cb, consumer, ch),
            err,
            None,
        ),
        other => {
            return Err(PreviewError::Device(format!(
                "unsupported sample format {other}"
            )))
        }
    }
    .map_err(|e| PreviewError::Device(e.to_string()))?;
    stream
        .play()
        .map_err(|e| PreviewError::Device(e.to_string()))?;
    Ok((stream, producer, name, rate, channels))
}

/// Keeps the output running while the control thread lives.
enum Running {
    /// Between a lost device and the next one.
    None,
    /// Never read: holding it keeps the device playing.
    #[allow(dead_code)]
    Stream(cpal::Stream),
    Virtual(Arc<AtomicBool>, Option<std::thread::JoinHandle<()>>),
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Running::Virtual(stop, handle) = self {
            stop.store(true, Ordering::Relaxed);
            if let Some(h) = handle.take() {
                let _ = h.join();
            }
        }
    }
}

fn open_output(
    output: Output,
    live: &Arc<Live>,
) -> Result<(Running, HeapProd<f32>, String, u32, u16), PreviewError> {
    match output {
        Output::Device(wanted) => {
            let (stream, ring, name, rate, channels) = open_stream(wanted.as_deref(), live)?;
            Ok((Running::Stream(stream), ring, name, rate, channels))
        }
        Output::Virtual(device) => {
            if device.probe.unplugged.load(Ordering::SeqCst) {
                return Err(PreviewError::Device(
                    "the virtual device is unplugged".into(),
                ));
            }
            let channels = device.channels.max(1);
            let capacity =
                ((device.rate as f32 * RING_SECONDS) as usize).max(4096) * usize::from(channels);
            let (producer, consumer) = HeapRb::<f32>::new(capacity).split();
            let callback =
                output_callback::<f32>(Arc::clone(live), consumer, usize::from(channels));
            let stop = Arc::new(AtomicBool::new(false));
            let rate = device.rate;
            let lost = Arc::clone(live);
            let on_error = move || {
                tracing::warn!("audio output: the virtual device was unplugged");
                lost.device_lost.store(true, Ordering::Release);
            };
            let handle = run_virtual(device, callback, on_error, Arc::clone(&stop))
                .map_err(|e| PreviewError::Device(e.to_string()))?;
            Ok((
                Running::Virtual(stop, Some(handle)),
                producer,
                "virtual device".into(),
                rate,
                channels,
            ))
        }
    }
}

fn control_thread(
    mut output: Output,
    commands: mpsc::Receiver<Command>,
    live: Arc<Live>,
    state: Arc<Mutex<PlayerState>>,
    ready: mpsc::Sender<Result<(), PreviewError>>,
) {
    let set = |f: &dyn Fn(&mut PlayerState)| {
        if let Ok(mut s) = state.lock() {
            f(&mut s);
        }
    };
    let publish_device = |name: &str, rate: u32, channels: u16| {
        set(&|st| {
            st.device = name.to_string();
            st.sample_rate = rate;
            st.channels = channels;
        })
    };
    let (mut running, mut ring, name, mut rate, mut channels) =
        match open_output(output.clone(), &live) {
            Ok(s) => s,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
    publish_device(&name, rate, channels);
    let _ = ready.send(Ok(()));
    let mut session: Option<Session> = None;
    // The file playing and where its preview ends (seconds into the file).
    let mut current: Option<(PathBuf, Option<f64>)> = None;
    let mut queue: Vec<QueueItem> = Vec::new();
    let mut queue_at = 0usize;
    let mut next_retry = std::time::Instant::now();
    loop {
        // Decode ahead while there is room; wait for commands meanwhile.
        let wait = if session.as_ref().is_some_and(|s| !s.done) {
            Duration::from_millis(5)
        } else {
            Duration::from_millis(50)
        };
        let command = match commands.recv_timeout(wait) {
            Ok(c) => Some(c),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let position = |st: &Mutex<PlayerState>, rate: u32| -> f64 {
            let from = st.lock().map_or(0.0, |s| s.from_s);
            from + live.played.load(Ordering::Relaxed) as f64 / f64::from(rate.max(1))
        };
        // A new device (asked for, or the old one lost): reopen, and go on from where it was.
        let mut reopen = match &command {
            Some(Command::SetDevice(name)) => {
                if let Output::Device(wanted) = &mut output {
                    *wanted = name.clone();
                }
                true
            }
            _ => false,
        };
        if live.device_lost.load(Ordering::Acquire) && std::time::Instant::now() >= next_retry {
            reopen = true;
        }
        if reopen {
            let resume_at = current.as_ref().map(|_| position(&state, rate));
            let was_paused = live.paused.load(Ordering::Relaxed);
            drop(running);
            match open_output(output.clone(), &live) {
                Ok((r, new_ring, name, new_rate, new_channels)) => {
                    live.device_lost.store(false, Ordering::Release);
                    running = r;
                    ring = new_ring;
                    rate = new_rate;
                    channels = new_channels;
                    publish_device(&name, rate, channels);
                    set(&|st| {
                        if st
                            .error
                            .as_deref()
                            .is_some_and(|e| e.starts_with("sound device"))
                        {
                            st.error = None;
                            if st.status == "error" {
                                st.status = "idle".into();
                            }
                        }
                    });
                    if let (Some((path, until)), Some(at)) = (current.clone(), resume_at) {
                        let seconds = until.map(|u| (u - at).max(0.0));
                        start(
                            &live,
                            &set,
                            &path,
                            at,
                            seconds,
                            until,
                            &mut session,
                            rate,
                            channels,
                        );
                        live.paused.store(was_paused, Ordering::Relaxed);
                    }
                }
                Err(e) => {
                    // Keep trying once a second: the device may come back (or another appear).
                    live.device_lost.store(true, Ordering::Release);
                    next_retry = std::time::Instant::now() + Duration::from_secs(1);
                    running = Running::None;
                    session = None;
                    let message = format!("sound device lost, retrying: {e}");
                    set(&|st| {
                        st.status = "error".into();
                        st.error = Some(message.clone());
                    });
                    // A command that came with this retry still counts (a stop must stay a
                    // stop when the device returns); without one there is nothing to do.
                    if command.is_none() {
                        continue;
                    }
                }
            }
        }
        match command {
            Some(Command::Queue { items, index }) => {
                queue = items;
                queue_at = index;
                start_item(
                    &live,
                    &set,
                    &queue,
                    queue_at,
                    &mut current,
                    &mut session,
                    rate,
                    channels,
                );
            }
            Some(Command::Step(by)) => {
                let target = queue_at as i64 + by;
                if !queue.is_empty() && target >= 0 && (target as usize) < queue.len() {
                    queue_at = target as usize;
                    start_item(
                        &live,
                        &set,
                        &queue,
                        queue_at,
                        &mut current,
                        &mut session,
                        rate,
                        channels,
                    );
                }
            }
            Some(Command::Seek(to)) => {
                if let Some((path, until)) = current.clone() {
                    let seconds = until.map(|u| (u - to).max(0.0));
                    start(
                        &live,
                        &set,
                        &path,
                        to,
                        seconds,
                        until,
                        &mut session,
                        rate,
                        channels,
                    );
                }
            }
            Some(Command::Pause) => {
                live.paused.store(true, Ordering::Relaxed);
                set(&|st| {
                    if st.status == "playing" {
                        st.status = "paused".into();
                    }
                });
            }
            Some(Command::Resume) => {
                live.paused.store(false, Ordering::Relaxed);
                set(&|st| {
                    if st.status == "paused" {
                        st.status = "playing".into();
                    }
                });
            }
            Some(Command::Stop) => {
                session = None;
                current = None;
                queue.clear();
                live.flush.store(true, Ordering::Release);
                live.active.store(false, Ordering::Relaxed);
                set(&|st| st.status = "idle".into());
            }
            Some(Command::SetDevice(_)) | None => {}
        }
        if let Some(s) = &mut session {
            if let Err(e) = s.fill(&mut ring) {
                session = None;
                live.active.store(false, Ordering::Relaxed);
                set(&|st| {
                    st.status = "error".into();
                    st.error = Some(e.to_string());
                });
            } else if s.done && ring.occupied_len() == 0 && !live.paused.load(Ordering::Relaxed) {
                session = None;
                if queue_at + 1 < queue.len() {
                    // On to the next preview of the queue.
                    queue_at += 1;
                    start_item(
                        &live,
                        &set,
                        &queue,
                        queue_at,
                        &mut current,
                        &mut session,
                        rate,
                        channels,
                    );
                    continue;
                }
                current = None;
                live.active.store(false, Ordering::Relaxed);
                // Position stays where it ended.
                let played = live.played.load(Ordering::Relaxed) as f64 / f64::from(rate.max(1));
                set(&|st| {
                    st.status = "finished".into();
                    st.position_s = st.from_s + played;
                });
            }
        }
    }
    drop(running);
}

/// Starts item `at` of the queue, and publishes where in the queue that is.
#[allow(clippy::too_many_arguments)]
fn start_item(
    live: &Live,
    set: SetState<'_>,
    queue: &[QueueItem],
    at: usize,
    current: &mut Option<(PathBuf, Option<f64>)>,
    session: &mut Option<Session>,
    rate: u32,
    channels: u16,
) {
    let item = &queue[at];
    let until = item.seconds.map(|s| item.from_s + s);
    *current = Some((item.path.clone(), until));
    start(
        live,
        set,
        &item.path,
        item.from_s,
        item.seconds,
        until,
        session,
        rate,
        channels,
    );
    let len = queue.len();
    set(&|st| {
        st.queue_index = at;
        st.queue_len = len;
    });
}

/// Applies a change to the published state.
type SetState<'a> = &'a dyn Fn(&dyn Fn(&mut PlayerState));

/// Starts `path` at `from_s` on the current output: empties the ring first (the callback does
/// it on its next call), then opens the file.
#[allow(clippy::too_many_arguments)]
fn start(
    live: &Live,
    set: SetState<'_>,
    path: &Path,
    from_s: f64,
    seconds: Option<f64>,
    until: Option<f64>,
    session: &mut Option<Session>,
    rate: u32,
    channels: u16,
) {
    live.flush.store(true, Ordering::Release);
    live.active.store(false, Ordering::Relaxed);
    // Wait (briefly) until the callback has emptied the ring.
    for _ in 0..200 {
        if !live.flush.load(Ordering::Acquire) {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    live.played.store(0, Ordering::Relaxed);
    match Session::open(path, from_s, seconds, rate, usize::from(channels)) {
        Ok(s) => {
            *session = Some(s);
            live.paused.store(false, Ordering::Relaxed);
            live.active.store(true, Ordering::Relaxed);
            set(&|st| {
                st.status = "playing".into();
                st.path = Some(path.to_string_lossy().into_owned());
                st.from_s = from_s;
                st.until_s = until;
                st.error = None;
                st.preview += 1;
            });
        }
        Err(e) => {
            *session = None;
            set(&|st| {
                st.status = "error".into();
                st.path = Some(path.to_string_lossy().into_owned());
                st.error = Some(e.to_string());
                st.preview += 1;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Upward swings through ±0.1: cycles of a tone, blind to noise around zero.
    pub(crate) fn cycles(x: &[f32]) -> usize {
        let mut low = false;
        let mut n = 0;
        for &v in x {
            if v < -0.1 {
                low = true;
            } else if v > 0.1 && low {
                low = false;
                n += 1;
            }
        }
        n
    }

    #[test]
    fn session_resamples_to_the_device_rate_and_channels() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tone.wav");
        let rate = 44_100u32;
        let samples: Vec<f32> = (0..rate * 2)
            .map(|i| 0.5 * (std::f32::consts::TAU * 440.0 * i as f32 / rate as f32).sin())
            .collect();
        crate::audio::encode::write_wav(&path, rate, &samples).expect("wav");
        let mut session = Session::open(&path, 0.5, Some(1.0), 48_000, 2).expect("open");
        let (mut prod, mut cons) = HeapRb::<f32>::new(48_000 * 4).split();
        while !session.done {
            session.fill(&mut prod).expect("fill");
        }
        let mut out = vec![0.0f32; cons.occupied_len()];
        cons.pop_slice(&mut out);
        // One second at 48 kHz, stereo, both channels equal.
        assert_eq!(out.len(), 48_000 * 2);
        assert!(out.chunks_exact(2).all(|f| (f[0] - f[1]).abs() < 1e-6));
        // Still 440 Hz, from the first sample (the resampler's delay is trimmed): count the
        // cycles of the left channel.
        let left: Vec<f32> = out.chunks_exact(2).map(|f| f[0]).collect();
        assert!(
            left[..48].iter().any(|x| x.abs() > 0.2),
            "no silent lead-in"
        );
        let crossings = cycles(&left);
        assert!(
            (438..=442).contains(&crossings),
            "{crossings} upward crossings in 1 s"
        );
    }

    /// Waits (up to 10 s) for a state that `ok` accepts; fails the test with `what` and the
    /// last state seen otherwise.
    fn wait_for(player: &Player, what: &str, ok: impl Fn(&PlayerState) -> bool) -> PlayerState {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let seen = player.state();
            if ok(&seen) {
                return seen;
            }
            assert!(std::time::Instant::now() < deadline, "{what}: {seen:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A 20 s 440 Hz tone in `dir`, and a player on a virtual 48 kHz stereo device.
    fn tone_on_virtual_device(dir: &Path) -> (Player, Arc<DeviceProbe>, PathBuf) {
        let path = dir.join("tone.wav");
        let rate = 44_100u32;
        let samples: Vec<f32> = (0..rate * 20)
            .map(|i| 0.5 * (std::f32::consts::TAU * 440.0 * i as f32 / rate as f32).sin())
            .collect();
        crate::audio::encode::write_wav(&path, rate, &samples).expect("wav");
        let probe = Arc::new(DeviceProbe::default());
        let player = Player::with_output(Output::Virtual(VirtualDevice {
            rate: 48_000,
            channels: 2,
            period_frames: 480,
            probe: Arc::clone(&probe),
        }))
        .expect("player");
        (player, probe, path)
    }

    #[test]
    fn an_unplugged_device_is_an_error_then_playback_goes_on_where_it_was() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (player, probe, path) = tone_on_virtual_device(dir.path());
        player.play(&path, 2.0, None).expect("play");
        let playing = wait_for(&player, "never played", |s| {
            s.status == "playing" && s.position_s > 2.5
        });
        assert!(playing.error.is_none(), "{playing:?}");

        probe.unplug();
        let lost = wait_for(&player, "the lost device was not reported", |s| {
            s.status == "error"
        });
        let message = lost.error.clone().unwrap_or_default();
        assert!(message.starts_with("sound device lost"), "{message}");
        assert_eq!(
            lost.path.as_deref(),
            playing.path.as_deref(),
            "the track is kept"
        );
        // Still lost a while later: retries fail quietly, no panic, no busy loop of errors.
        std::thread::sleep(Duration::from_millis(1_500));
        assert_eq!(player.state().status, "error");

        probe.arm();
        probe.plug_in();
        let back = wait_for(&player, "did not come back", |s| {
            s.status == "playing" && s.error.is_none()
        });
        // It goes on from about where it stopped, not from the start of the preview.
        assert!(
            back.position_s >= playing.position_s - 0.05 && back.position_s < 12.0,
            "resumed at {} after {}",
            back.position_s,
            playing.position_s
        );
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while probe.first_sound().is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            probe.first_sound().is_some(),
            "no sound after the device came back"
        );
        player.stop().expect("stop");
    }

    #[test]
    fn stop_while_the_device_is_lost_is_kept_when_it_comes_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (player, probe, path) = tone_on_virtual_device(dir.path());
        player.play(&path, 0.0, None).expect("play");
        wait_for(&player, "never played", |s| {
            s.status == "playing" && s.position_s > 0.3
        });
        probe.unplug();
        wait_for(&player, "the lost device was not reported", |s| {
            s.status == "error"
        });
        player.stop().expect("stop");
        std::thread::sleep(Duration::from_millis(300));
        probe.arm();
        probe.plug_in();
        // The device is back (the error clears) and nothing plays: the stop was not lost.
        let back = wait_for(&player, "the device did not come back", |s| {
            s.error.is_none()
        });
        std::thread::sleep(Duration::from_millis(700));
        let now = player.state();
        assert_ne!(now.status, "playing", "{back:?} then {now:?}");
        assert!(probe.first_sound().is_none(), "sound after stop");
    }
}
