//! Preview playback as the library offers it: one player, opened on the first preview on the
//! output device the user chose (remembered in settings.json), tracks started past their
//! quiet intros, and the player's state reported to a host as it changes.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::Library;
use crate::audio::preview::{Player, PlayerState};
use crate::error::{Error, Result};
use crate::settings::Settings;

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
        let spawned = std::thread::Builder::new()
            .name("segue-preview-state".into())
            .spawn(move || {
                let mut last = String::new();
                loop {
                    std::thread::sleep(REPORT_EVERY);
                    let Some(player) = weak.upgrade() else { break };
                    let state = player.state();
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
        player.play(Path::new(&track.path), from, seconds)?;
        Ok(player.state())
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
            PreviewAction::Seek => player.seek(value.unwrap_or(0.0))?,
            PreviewAction::Volume => player.set_volume(value.unwrap_or(1.0) as f32),
        }
        if action == PreviewAction::Seek {
            // A seek starts a new preview: wait for it (briefly) so the answer shows it.
            return tokio::task::spawn_blocking(move || {
                player.state_after(before, Duration::from_millis(500))
            })
            .await
            .map_err(|e| Error::Task(e.to_string()));
        }
        // Pause, resume and stop take effect within one turn of the player's loop (≤ 50 ms).
        tokio::time::sleep(Duration::from_millis(60)).await;
        Ok(player.state())
    }

    /// The player's state; `None` before anything was played.
    pub fn preview_state(&self) -> Result<Option<PlayerState>> {
        Ok(self.open_player()?.map(|p| p.state()))
    }

    /// Output devices, the system default first.
    pub async fn output_devices(&self) -> Result<Vec<String>> {
        tokio::task::spawn_blocking(crate::audio::preview::output_devices)
            .await
            .map_err(|e| Error::Task(e.to_string()))
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
