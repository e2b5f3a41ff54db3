//! The app's commands: each a `#[tauri::command]` + `#[specta::specta]` function in one of
//! these files, translating a UI request into one call of the engine's `Library`. The function
//! is the only place a command is named: build.rs derives the handler list, the app manifest
//! and the capability from these files, and the TypeScript bindings come from their types.

pub mod library;
pub mod map;
pub mod outside;
pub mod playlists;
pub mod preview;
pub mod radio;

use serde::Serialize;

/// How a failed command reaches the UI: what kind of failure (for the UI to react to) and a
/// message for people.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CommandError {
    pub code: segue::ErrorCode,
    pub message: String,
}

impl From<segue::Error> for CommandError {
    fn from(e: segue::Error) -> Self {
        CommandError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl CommandError {
    /// A failure of the shell itself (a dialog that did not answer, say).
    pub fn internal(e: impl std::fmt::Display) -> Self {
        CommandError {
            code: segue::ErrorCode::Internal,
            message: e.to_string(),
        }
    }
}

pub type CmdResult<T> = Result<T, CommandError>;
