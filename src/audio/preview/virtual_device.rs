//! A paced stand-in for a sound card: a thread that calls the player's audio callback every
//! period in real time, for benchmarks and tests on machines without one.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::output::{self, Opened, Running};
use super::{Live, PreviewError};

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
    /// Streams open on the device now, and ever.
    open: AtomicUsize,
    opened: AtomicU64,
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

    /// True while a stream is open on the device (its callback is being called).
    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::SeqCst) > 0
    }

    /// Streams opened on the device so far.
    pub fn times_opened(&self) -> u64 {
        self.opened.load(Ordering::SeqCst)
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
            // The stream is closed whichever way this thread ends.
            struct Closed<'a>(&'a AtomicUsize);
            impl Drop for Closed<'_> {
                fn drop(&mut self) {
                    self.0.fetch_sub(1, Ordering::SeqCst);
                }
            }
            let _closed = Closed(&device.probe.open);
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

/// Starts a virtual device playing through the player's audio callback.
pub(super) fn open(device: VirtualDevice, live: &Arc<Live>) -> Result<Opened, PreviewError> {
    if device.probe.unplugged.load(Ordering::SeqCst) {
        return Err(PreviewError::Device(
            "the virtual device is unplugged".into(),
        ));
    }
    let channels = device.channels.max(1);
    let (producer, consumer) = output::ring(device.rate, channels);
    let callback =
        output::output_callback::<f32>(Arc::clone(live), consumer, usize::from(channels));
    let stop = Arc::new(AtomicBool::new(false));
    let rate = device.rate;
    let probe = Arc::clone(&device.probe);
    probe.open.fetch_add(1, Ordering::SeqCst);
    probe.opened.fetch_add(1, Ordering::SeqCst);
    let lost = Arc::clone(live);
    let on_error = move || {
        tracing::warn!("audio output: the virtual device was unplugged");
        lost.device_lost.store(true, Ordering::Release);
    };
    let handle = run_virtual(device, callback, on_error, Arc::clone(&stop)).map_err(|e| {
        probe.open.fetch_sub(1, Ordering::SeqCst);
        PreviewError::Device(e.to_string())
    })?;
    Ok((
        Running::Virtual(stop, Some(handle)),
        producer,
        "virtual device".into(),
        rate,
        channels,
    ))
}
