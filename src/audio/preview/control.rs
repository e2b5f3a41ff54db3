//! The control thread: owns the output (cpal streams may not move between threads) and the
//! decoding session, takes the [`Player`](super::Player)'s commands, decodes ahead while the
//! ring has room, reopens a lost device, and publishes the state.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ringbuf::traits::Observer;

use super::output::{open_output, Output, Running};
use super::session::Session;
use super::{Live, PlayerState, PlayerStatus, PreviewError, QueueItem, Release};

/// What a [`Player`](super::Player) asks of the control thread.
pub(super) enum Command {
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
    /// Stop, and let the output go (answered on the channel once it is released).
    Close(mpsc::Sender<()>),
}

/// The control thread's body: runs until every [`Player`](super::Player) handle is gone.
pub(super) fn run(
    mut output: Output,
    commands: mpsc::Receiver<Command>,
    live: Arc<Live>,
    state: Arc<Mutex<PlayerState>>,
    ready: mpsc::Sender<Result<(), PreviewError>>,
    release: Release,
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
    let mut next_retry = Instant::now();
    // The output was let go (closed, or quiet for a while): the next preview opens it again.
    let mut released = false;
    // Since when nothing plays (stopped, finished, failed or paused).
    let mut quiet_since: Option<Instant> = None;
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
        // Nothing played for a while: let the device go rather than feed it silence.
        let paused = live.paused.load(Ordering::Relaxed);
        if command.is_some() || (session.is_some() && !paused) {
            quiet_since = None;
        } else if !released && !live.device_lost.load(Ordering::Acquire) {
            let since = *quiet_since.get_or_insert_with(Instant::now);
            let limit = if paused && current.is_some() {
                release.paused
            } else {
                release.idle
            };
            if since.elapsed() >= limit {
                let_go(&mut running, &mut session, &live);
                released = true;
            }
        }
        let position = |st: &Mutex<PlayerState>, rate: u32| -> f64 {
            let from = st.lock().map_or(0.0, |s| s.from_s);
            from + live.played.load(Ordering::Relaxed) as f64 / f64::from(rate.max(1))
        };
        // A new device (asked for, or the old one lost): reopen, and go on from where it was.
        let mut reopen = match &command {
            Some(Command::SetDevice(name)) => {
                // Without the harness's virtual device, a device is the only output.
                #[allow(irrefutable_let_patterns)]
                if let Output::Device(wanted) = &mut output {
                    *wanted = name.clone();
                }
                true
            }
            _ => false,
        };
        // A let-go output opens again for whatever plays next.
        if released {
            reopen |= match &command {
                Some(Command::Queue { .. }) => true,
                Some(Command::Step(by)) => {
                    let target = queue_at as i64 + by;
                    target >= 0 && (target as usize) < queue.len()
                }
                Some(Command::Seek(_) | Command::Resume) => current.is_some(),
                _ => false,
            };
        }
        if live.device_lost.load(Ordering::Acquire) && Instant::now() >= next_retry {
            reopen = true;
        }
        if reopen {
            // What plays goes on where it was; after the output was let go, only on a resume.
            let resume_at = current
                .as_ref()
                .filter(|_| !released || matches!(command, Some(Command::Resume)))
                .map(|_| position(&state, rate));
            let was_paused = live.paused.load(Ordering::Relaxed);
            released = false;
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
                            if st.status == PlayerStatus::Error {
                                st.status = PlayerStatus::Idle;
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
                        if was_paused {
                            set(&|st| st.status = PlayerStatus::Paused);
                        }
                    }
                }
                Err(e) => {
                    // Keep trying once a second: the device may come back (or another appear).
                    live.device_lost.store(true, Ordering::Release);
                    next_retry = Instant::now() + Duration::from_secs(1);
                    running = Running::None;
                    session = None;
                    let message = format!("sound device lost, retrying: {e}");
                    set(&|st| {
                        st.status = PlayerStatus::Error;
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
                    if st.status == PlayerStatus::Playing {
                        st.status = PlayerStatus::Paused;
                    }
                });
            }
            Some(Command::Resume) => {
                live.paused.store(false, Ordering::Relaxed);
                set(&|st| {
                    if st.status == PlayerStatus::Paused {
                        st.status = PlayerStatus::Playing;
                    }
                });
            }
            Some(Command::Stop) => {
                session = None;
                current = None;
                queue.clear();
                live.flush.store(true, Ordering::Release);
                live.active.store(false, Ordering::Relaxed);
                set(&|st| st.status = PlayerStatus::Idle);
            }
            Some(Command::Close(done)) => {
                current = None;
                queue.clear();
                let_go(&mut running, &mut session, &live);
                released = true;
                // Nothing is retried now: a lost device's error is moot.
                live.device_lost.store(false, Ordering::Release);
                set(&|st| {
                    st.status = PlayerStatus::Idle;
                    st.error = None;
                });
                let _ = done.send(());
            }
            Some(Command::SetDevice(_)) | None => {}
        }
        if let Some(s) = &mut session {
            if let Err(e) = s.fill(&mut ring) {
                session = None;
                live.active.store(false, Ordering::Relaxed);
                set(&|st| {
                    st.status = PlayerStatus::Error;
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
                    st.status = PlayerStatus::Finished;
                    st.position_s = st.from_s + played;
                });
            }
        }
    }
    drop(running);
}

/// Lets the output go: the stream (and the device with it) is closed, what was decoding is
/// dropped; nothing plays until the output is opened again.
fn let_go(running: &mut Running, session: &mut Option<Session>, live: &Live) {
    *session = None;
    live.active.store(false, Ordering::Relaxed);
    // Dropping the stream joins its thread and closes the device.
    *running = Running::None;
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
                st.status = PlayerStatus::Playing;
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
                st.status = PlayerStatus::Error;
                st.path = Some(path.to_string_lossy().into_owned());
                st.error = Some(e.to_string());
                st.preview += 1;
            });
        }
    }
}
