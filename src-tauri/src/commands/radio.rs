//! Radio: a queue that never ends, played whole-track through the preview player. The app
//! holds one radio session at a time; the UI plays its `now` track and calls `radio_next`
//! when that track ends or is skipped.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use segue::library::{RadioSession, RadioView};
use segue::{Error, Library};
use tauri::State;
use tokio::sync::Mutex;

use super::CmdResult;

/// A new radio does not play a track heard (by any radio of this run) this recently.
const NOT_AGAIN_WITHIN: Duration = Duration::from_secs(4 * 3600);

/// The app's radio: the session playing, and when tracks were heard.
#[derive(Default)]
pub struct RadioDesk {
    session: Mutex<Option<RadioSession>>,
    heard: std::sync::Mutex<VecDeque<(i64, Instant)>>,
}

impl RadioDesk {
    fn heard_now(&self, session: &RadioSession) {
        let Some(id) = session.now_id() else { return };
        let mut heard = self.heard.lock().unwrap_or_else(|p| p.into_inner());
        heard.retain(|(_, at)| at.elapsed() < NOT_AGAIN_WITHIN);
        heard.push_back((id, Instant::now()));
    }

    fn heard_lately(&self) -> Vec<i64> {
        let heard = self.heard.lock().unwrap_or_else(|p| p.into_inner());
        heard
            .iter()
            .filter(|(_, at)| at.elapsed() < NOT_AGAIN_WITHIN)
            .map(|(id, _)| *id)
            .collect()
    }
}

fn no_radio() -> Error {
    Error::InvalidRequest("no radio is on".into())
}

/// Runs `change` on the radio that is on, and answers the radio as it then stands.
async fn on_session(
    desk: &RadioDesk,
    change: impl AsyncFnOnce(&mut RadioSession) -> segue::Result<()>,
) -> CmdResult<RadioView> {
    let mut slot = desk.session.lock().await;
    let session = slot.as_mut().ok_or_else(no_radio)?;
    change(session).await?;
    Ok(session.view())
}

/// Starts a radio on these tracks (one or more, analysed): its first pick plays next, the
/// following ones are queued. Replaces a radio that was on.
#[tauri::command]
#[specta::specta]
pub async fn start_radio(
    library: State<'_, Arc<Library>>,
    desk: State<'_, RadioDesk>,
    seeds: Vec<i64>,
) -> CmdResult<RadioView> {
    let mut slot = desk.session.lock().await;
    let session = library
        .start_radio_session(&seeds, &desk.heard_lately())
        .await?;
    desk.heard_now(&session);
    let view = session.view();
    *slot = Some(session);
    Ok(view)
}

/// The radio as it stands (`null`: no radio is on).
#[tauri::command]
#[specta::specta]
pub async fn get_radio(desk: State<'_, RadioDesk>) -> CmdResult<Option<RadioView>> {
    Ok(desk.session.lock().await.as_ref().map(RadioSession::view))
}

/// The playing track ended, or was skipped (`skipped_early`: within its first 30 s, which
/// steers the next picks away from it): the next one plays.
#[tauri::command]
#[specta::specta]
pub async fn radio_next(
    library: State<'_, Arc<Library>>,
    desk: State<'_, RadioDesk>,
    skipped_early: bool,
) -> CmdResult<RadioView> {
    on_session(&desk, async |session| {
        library.radio_advance(session, skipped_early).await?;
        desk.heard_now(session);
        Ok(())
    })
    .await
}

/// Thumbs up for track `id` (playing or heard): the next picks lean towards it.
#[tauri::command]
#[specta::specta]
pub async fn radio_like(
    library: State<'_, Arc<Library>>,
    desk: State<'_, RadioDesk>,
    id: i64,
) -> CmdResult<RadioView> {
    on_session(&desk, async |session| library.radio_like(session, id).await).await
}

/// Takes queued track `id` off the queue (it is not picked again).
#[tauri::command]
#[specta::specta]
pub async fn radio_remove(
    library: State<'_, Arc<Library>>,
    desk: State<'_, RadioDesk>,
    id: i64,
) -> CmdResult<RadioView> {
    on_session(&desk, async |session| {
        library.radio_remove(session, id).await
    })
    .await
}

/// Turns the radio off (the player is stopped by the UI).
#[tauri::command]
#[specta::specta]
pub async fn stop_radio(desk: State<'_, RadioDesk>) -> CmdResult<()> {
    *desk.session.lock().await = None;
    Ok(())
}
