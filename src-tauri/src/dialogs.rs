//! The native dialogs, opened from Rust so the webview needs no dialog permission.

use std::path::PathBuf;

use segue::playlist::export::Format;
use tauri_plugin_dialog::DialogExt;

use crate::commands::{CmdResult, CommandError};

/// The folder people keep music in: ~/Music when there is one, else home. GTK's default
/// ("Recent") cannot pick a folder by typing.
fn music_dir() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    let music = home.join("Music");
    Some(if music.is_dir() { music } else { home })
}

type FileDialog = tauri_plugin_dialog::FileDialogBuilder<tauri::Wry>;
type Answer = tokio::sync::oneshot::Sender<Option<tauri_plugin_dialog::FilePath>>;

/// A file dialog titled `title` that opens in the music folder.
fn file_dialog(app: &tauri::AppHandle, title: &str) -> FileDialog {
    let dialog = app.dialog().file().set_title(title);
    match music_dir() {
        Some(start) => dialog.set_directory(start),
        None => dialog,
    }
}

/// Shows a dialog (`show` opens it, handing the user's answer to the sender) and waits for
/// the path chosen; `None` when the user cancels.
async fn ask(show: impl FnOnce(Answer)) -> CmdResult<Option<PathBuf>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    show(tx);
    match rx.await.map_err(CommandError::internal)? {
        None => Ok(None),
        Some(path) => path.into_path().map(Some).map_err(CommandError::internal),
    }
}

/// Asks for a music folder; `None` when the user cancels.
pub async fn pick_folder(app: &tauri::AppHandle) -> CmdResult<Option<PathBuf>> {
    let dialog = file_dialog(app, "Add a music folder");
    ask(|tx| {
        dialog.pick_folder(move |picked| {
            let _ = tx.send(picked);
        })
    })
    .await
}

/// Asks for an audio file (to find what sounds like it); `None` when the user cancels.
pub async fn pick_audio_file(app: &tauri::AppHandle) -> CmdResult<Option<PathBuf>> {
    let dialog = file_dialog(app, "Find tracks like a file")
        .add_filter("Audio", segue::ingest::walk::AUDIO_EXTENSIONS);
    ask(|tx| {
        dialog.pick_file(move |picked| {
            let _ = tx.send(picked);
        })
    })
    .await
}

/// Asks where to write a playlist named `name`; `None` when the user cancels. The path gets
/// the format's extension when the user typed another.
pub async fn pick_export_path(
    app: &tauri::AppHandle,
    name: &str,
    format: Format,
) -> CmdResult<Option<PathBuf>> {
    let extension = format.extension();
    let safe_name: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let dialog = file_dialog(app, "Export playlist")
        .add_filter(extension.to_uppercase(), &[extension])
        .set_file_name(format!("{safe_name}.{extension}"));
    let picked = ask(|tx| {
        dialog.save_file(move |picked| {
            let _ = tx.send(picked);
        })
    })
    .await?;
    Ok(picked.map(|mut path| {
        if path.extension().and_then(|e| e.to_str()) != Some(extension) {
            path.set_extension(extension);
        }
        path
    }))
}

/// The app cannot start (a library another process has open, a database that cannot be
/// opened): says why in a native message box — someone who started
/// Segue from a menu sees no terminal — and exits once it is dismissed. The main window stays
/// hidden: without a library its view would only show errors.
pub fn cannot_start(app: &tauri::AppHandle, why: &anyhow::Error) {
    let message = format!("{why:#}");
    tracing::error!("cannot start: {message}");
    eprintln!("segue-app: {message}");
    if let Some(window) = tauri::Manager::get_webview_window(app, "main") {
        let _ = window.hide();
    }
    let handle = app.clone();
    app.dialog()
        .message(message)
        .title(segue::cpu::MESSAGE_BOX_TITLE)
        .kind(tauri_plugin_dialog::MessageDialogKind::Error)
        .show(move |_| handle.exit(1));
}
