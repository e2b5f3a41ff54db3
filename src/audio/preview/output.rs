//! The output side: cpal device lookup and stream opening, and the audio callback that
//! drains the ring into the device.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SizedSample};
use ringbuf::traits::{Consumer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

#[cfg(any(test, feature = "harness"))]
use super::virtual_device::{self, VirtualDevice};
use super::{Live, PreviewError};

/// Ring capacity in seconds of audio: enough to ride out a busy moment of the decoder thread
/// while analysis saturates the cores.
const RING_SECONDS: f32 = 0.5;

/// An opened output: what keeps it running, the ring that feeds it, its name, rate and
/// channel count.
pub(super) type Opened = (Running, HeapProd<f32>, String, u32, u16);

/// The ring between the control thread and the callback, sized for [`RING_SECONDS`].
pub(super) fn ring(rate: u32, channels: u16) -> (HeapProd<f32>, HeapCons<f32>) {
    let capacity = ((rate as f32 * RING_SECONDS) as usize).max(4096) * usize::from(channels);
    HeapRb::<f32>::new(capacity).split()
}

/// Where the player sends its audio.
#[derive(Clone)]
pub enum Output {
    /// A cpal output device: the system default (`None`) or one by name.
    Device(Option<String>),
    /// A paced stand-in for a sound card (benchmarks, tests): see [`VirtualDevice`].
    #[cfg(any(test, feature = "harness"))]
    Virtual(VirtualDevice),
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

/// The audio callback: pops the ring into the device buffer at the volume, plays silence when
/// paused or starved, empties the ring when asked to, and counts the frames played.
pub(super) fn output_callback<T: SizedSample + FromSample<f32>>(
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
    let (producer, consumer) = ring(rate, channels);
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
pub(super) enum Running {
    /// Between a lost device and the next one.
    None,
    /// Never read: holding it keeps the device playing.
    #[allow(dead_code)]
    Stream(cpal::Stream),
    /// The virtual device's thread, and what stops it.
    #[cfg_attr(not(any(test, feature = "harness")), allow(dead_code))]
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

pub(super) fn open_output(output: Output, live: &Arc<Live>) -> Result<Opened, PreviewError> {
    match output {
        Output::Device(wanted) => {
            let (stream, ring, name, rate, channels) = open_stream(wanted.as_deref(), live)?;
            Ok((Running::Stream(stream), ring, name, rate, channels))
        }
        #[cfg(any(test, feature = "harness"))]
        Output::Virtual(device) => virtual_device::open(device, live),
    }
}
