//! Preview playback as the library offers it: one player, opened on the first preview on the
//! output device the user chose (remembered in settings.json), tracks started past their
//! quiet intros, and the player's state reported to a host as it changes.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::Library;
use crate::audio::preview::{Player, PlayerState, QueueItem};
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::store::Span;

/// Called with the player's state whenever it changes (10 times a second at most).
pub(super) type StateFn = Arc<dyn Fn(&PlayerState) + Send + Sync>;

/// What the UI's player bar asks of the preview.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum PreviewAction {
    Pause,
    Resume,
    Stop,
    /// The player bar was closed: stop, and let the sound device go (an open device plays
    /// silence in real time). The next preview opens it again, on the remembered device.
    Close,
    /// To this many seconds into the file.
    Seek,
    /// To this level, 0 … 1.
    Volume,
}

/// How often a host hears of the playing position.
const REPORT_EVERY: Duration = Duration::from_millis(100);

/// The track of a CUE sheet playing now: the player counts seconds into the file, the host into
/// the track, so its states and seeks are moved by the track's start.
#[derive(Debug, Clone, Default)]
pub(super) struct SpanPlaying(Arc<std::sync::Mutex<Option<(String, f64)>>>);

impl SpanPlaying {
    fn set(&self, playing: Option<(String, f64)>) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = playing;
        }
    }

    /// Where the track playing starts in its file (0 for a whole file).
    fn origin(&self, path: Option<&str>) -> f64 {
        match (self.0.lock().ok().and_then(|s| s.clone()), path) {
            (Some((file, start)), Some(path)) if file == path => start,
            _ => 0.0,
        }
    }

    /// `state` in seconds into the track playing.
    fn relative(&self, mut state: PlayerState) -> PlayerState {
        let origin = self.origin(state.path.as_deref());
        if origin > 0.0 {
            state.position_s = (state.position_s - origin).max(0.0);
            state.from_s = (state.from_s - origin).max(0.0);
            state.until_s = state.until_s.map(|u| (u - origin).max(0.0));
        }
        state
    }
}

impl Library {
    /// The output device chosen for previews (`None`: the system default).
    pub fn output_device(&self) -> Option<String> {
        Settings::load(&self.data_dir).preview.device
    }

    /// Chooses the output device (`None`: the system default), remembers it in settings.json
    /// and moves the preview there (opening the player if it is not open yet).
    pub fn set_output_device(&self, name: Option<String>) -> Result<()> {
        let mut settings = Settings::load(&self.data_dir);
        settings.preview.device = name.clone();
        settings.save(&self.data_dir)?;
        match self.open_player()? {
            Some(player) => Ok(player.set_device(name.as_deref())?),
            None => self.player().map(|_| ()),
        }
    }

    /// Calls `callback` with the player's state as it changes: about 10 times a second while
    /// something plays, and on every change of status or track.
    pub fn on_preview_state(&self, callback: impl Fn(&PlayerState) + Send + Sync + 'static) {
        if self.on_preview_state.set(Arc::new(callback)).is_err() {
            tracing::warn!("a second preview-state listener was ignored");
        }
    }

    /// The player if it is open (nothing has been played yet otherwise).
    fn open_player(&self) -> Result<Option<Arc<Player>>> {
        Ok(self
            .player
            .lock()
            .map_err(|_| Error::Poisoned("player"))?
            .clone())
    }

    /// The player, opened on first use on the remembered device. No sound device is an error
    /// (a message, not a crash); the next call tries again (a device may have been plugged in).
    pub fn player(&self) -> Result<Arc<Player>> {
        let mut slot = self.player.lock().map_err(|_| Error::Poisoned("player"))?;
        if let Some(player) = slot.as_ref() {
            return Ok(Arc::clone(player));
        }
        let player = Arc::new(Player::new(self.output_device().as_deref())?);
        *slot = Some(Arc::clone(&player));
        if let Some(report) = self.on_preview_state.get() {
            self.report_states(&player, report);
        }
        Ok(player)
    }

    /// Polls the player and calls the host's callback when what it shows changed; the thread
    /// ends with the player.
    fn report_states(&self, player: &Arc<Player>, report: &StateFn) {
        let weak = Arc::downgrade(player);
        let report = Arc::clone(report);
        let span = self.span_playing.clone();
        let spawned = std::thread::Builder::new()
            .name("segue-preview-state".into())
            .spawn(move || {
                let mut last = String::new();
                loop {
                    std::thread::sleep(REPORT_EVERY);
                    let Some(player) = weak.upgrade() else { break };
                    let state = span.relative(player.state());
                    let key = format!("{}|{:?}|{:.1}", state.status, state.path, state.position_s);
                    if key != last {
                        last = key;
                        report(&state);
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::warn!("no preview state reports: {e}");
        }
    }

    /// Plays library track `id` from `from_s` (default: a third of the way into tracks longer
    /// than 30 s, past any quiet intro) for `seconds` (default: to the end). The state it
    /// answers may still be the one from before: the player takes the command a moment later.
    pub async fn play_track(
        &self,
        id: i64,
        from_s: Option<f64>,
        seconds: Option<f64>,
    ) -> Result<PlayerState> {
        let track = self.existing_track(id).await?;
        let from = from_s.unwrap_or_else(|| default_start(track.duration_s));
        let player = self.player()?;
        let item = preview_item(&track.path, track.span, from, seconds);
        self.span_playing
            .set(track.span.map(|span| (track.path.clone(), span.start_s)));
        player.play(&item.path, item.from_s, item.seconds)?;
        Ok(self.span_playing.relative(player.state()))
    }

    /// Plays a file outside the library (one the user handed over: the app checks), as
    /// [`Self::play_track`] plays a track.
    pub async fn play_file(
        &self,
        path: &Path,
        from_s: Option<f64>,
        seconds: Option<f64>,
    ) -> Result<PlayerState> {
        let duration = self.outside(path).await?.row.duration_s;
        let from = from_s.unwrap_or_else(|| default_start(duration));
        let player = self.player()?;
        self.span_playing.set(None);
        player.play(path, from, seconds)?;
        Ok(player.state())
    }

    /// Pauses, resumes, stops, closes (stops and releases the sound device), seeks (`value`:
    /// seconds into the file) or sets the volume (`value`: 0 … 1), and answers the state once
    /// the player has taken the command. Stopping or closing a player that was never opened
    /// opens nothing.
    pub async fn control_preview(
        &self,
        action: PreviewAction,
        value: Option<f64>,
    ) -> Result<PlayerState> {
        let player = match action {
            PreviewAction::Stop | PreviewAction::Close => match self.open_player()? {
                Some(player) => player,
                None => return Ok(PlayerState::idle()),
            },
            _ => self.player()?,
        };
        let before = player.state().preview;
        match action {
            PreviewAction::Pause => player.pause()?,
            PreviewAction::Resume => player.resume()?,
            PreviewAction::Stop => player.stop()?,
            PreviewAction::Close => {
                // Answers once the device is released.
                let closing = Arc::clone(&player);
                tokio::task::spawn_blocking(move || closing.close())
                    .await
                    .map_err(|e| Error::Task(e.to_string()))??;
                return Ok(player.state());
            }
            PreviewAction::Seek => {
                let origin = self.span_playing.origin(player.state().path.as_deref());
                player.seek(origin + value.unwrap_or(0.0))?
            }
            PreviewAction::Volume => player.set_volume(value.unwrap_or(1.0) as f32),
        }
        if action == PreviewAction::Seek {
            // A seek starts a new preview: wait for it (briefly) so the answer shows it.
            let state = tokio::task::spawn_blocking(move || {
                player.state_after(before, Duration::from_millis(500))
            })
            .await
            .map_err(|e| Error::Task(e.to_string()))?;
            return Ok(self.span_playing.relative(state));
        }
        // Pause, resume and stop take effect within one turn of the player's loop (≤ 50 ms).
        tokio::time::sleep(Duration::from_millis(60)).await;
        Ok(self.span_playing.relative(player.state()))
    }

    /// The player's state; `None` before anything was played.
    pub fn preview_state(&self) -> Result<Option<PlayerState>> {
        Ok(self
            .open_player()?
            .map(|p| self.span_playing.relative(p.state())))
    }

    /// Output devices, the system default first.
    pub async fn output_devices(&self) -> Result<Vec<String>> {
        tokio::task::spawn_blocking(crate::audio::preview::output_devices)
            .await
            .map_err(|e| Error::Task(e.to_string()))
    }
}

/// What the player plays of a track at `path` from `from_s` seconds into it, for `seconds` (or
/// to its end): for a CUE sheet's track (`span`), its stretch of the file, never past its end.
pub fn preview_item(
    path: &str,
    span: Option<Span>,
    from_s: f64,
    seconds: Option<f64>,
) -> QueueItem {
    let Some(span) = span else {
        return QueueItem {
            path: path.into(),
            from_s,
            seconds,
        };
    };
    let start = span.start_s + from_s.max(0.0);
    let left = span.end_s.map(|end| (end - start).max(0.0));
    QueueItem {
        path: path.into(),
        from_s: start,
        seconds: match (seconds, left) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
    }
}

/// Where a preview starts when the caller does not say: a third of the way in (past quiet
/// intros), whole seconds; the start of short tracks.
fn default_start(duration_s: Option<f64>) -> f64 {
    match duration_s {
        Some(d) if d > 30.0 => (d / 3.0).floor(),
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPAN: Span = Span {
        number: 2,
        start_s: 100.0,
        end_s: Some(160.0),
    };

    #[test]
    fn a_sheet_track_plays_its_stretch_and_never_past_its_end() {
        let item = preview_item("/m/a.flac", Some(SPAN), 20.0, Some(30.0));
        assert_eq!((item.from_s, item.seconds), (120.0, Some(30.0)));
        let item = preview_item("/m/a.flac", Some(SPAN), 50.0, Some(30.0));
        assert_eq!((item.from_s, item.seconds), (150.0, Some(10.0)));
        let item = preview_item("/m/a.flac", Some(SPAN), 0.0, None);
        assert_eq!((item.from_s, item.seconds), (100.0, Some(60.0)));
        let last = Span {
            end_s: None,
            ..SPAN
        };
        let item = preview_item("/m/a.flac", Some(last), 5.0, None);
        assert_eq!((item.from_s, item.seconds), (105.0, None));
        let whole = preview_item("/m/b.flac", None, 5.0, Some(30.0));
        assert_eq!((whole.from_s, whole.seconds), (5.0, Some(30.0)));
    }

    #[test]
    fn states_of_a_sheet_track_count_from_its_start() {
        let playing = SpanPlaying::default();
        let state = |path: &str| PlayerState {
            path: Some(path.into()),
            position_s: 130.0,
            from_s: 120.0,
            until_s: Some(150.0),
            ..PlayerState::idle()
        };
        let whole = playing.relative(state("/m/a.flac"));
        assert_eq!((whole.position_s, whole.from_s), (130.0, 120.0));
        playing.set(Some(("/m/a.flac".into(), SPAN.start_s)));
        let s = playing.relative(state("/m/a.flac"));
        assert_eq!(
            (s.position_s, s.from_s, s.until_s),
            (30.0, 20.0, Some(50.0))
        );
        assert_eq!(playing.origin(Some("/m/a.flac")), 100.0, "seeks move by it");
        // Another file's state (from before the play) is left as it is.
        let other = playing.relative(state("/m/b.flac"));
        assert_eq!(other.position_s, 130.0);
        assert_eq!(playing.origin(Some("/m/b.flac")), 0.0);
    }
}
