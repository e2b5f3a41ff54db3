//! Watching library folders while the app runs. Events are debounced, reduced to "this folder
//! changed", and handed to the owner, which rescans that folder: a rescan is cheap when little
//! changed and handles adds, edits, deletes and moves the same way a manual scan does.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use notify::RecursiveMode;
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};
use tokio::sync::mpsc::UnboundedSender;

use crate::error::Result;

/// How long the file system must be quiet before a change is reported: long enough that a
/// file being copied is reported once, when complete.
pub const DEBOUNCE: Duration = Duration::from_millis(1500);

pub struct FolderWatcher {
    debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
    roots: Arc<Mutex<Vec<(i64, PathBuf)>>>,
}

impl FolderWatcher {
    /// Starts a watcher that sends the id of every library folder in which something changed.
    pub fn new(changed: UnboundedSender<i64>) -> Result<Self> {
        let roots: Arc<Mutex<Vec<(i64, PathBuf)>>> = Arc::default();
        let handler_roots = roots.clone();
        let debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
            let events = match result {
                Ok(events) => events,
                Err(errors) => {
                    for e in errors {
                        tracing::warn!("file watcher: {e}");
                    }
                    return;
                }
            };
            let Ok(roots) = handler_roots.lock() else {
                return;
            };
            let mut folders: Vec<i64> = Vec::new();
            for event in events {
                if event.kind.is_access() {
                    continue;
                }
                for path in &event.paths {
                    if is_hidden_below(path, &roots) {
                        continue;
                    }
                    if let Some((id, _)) = roots.iter().find(|(_, root)| path.starts_with(root)) {
                        if !folders.contains(id) {
                            folders.push(*id);
                        }
                    }
                }
            }
            for id in folders {
                // The receiver is gone only when the app is shutting down.
                let _ = changed.send(id);
            }
        })?;
        Ok(FolderWatcher { debouncer, roots })
    }

    pub fn watch(&mut self, folder_id: i64, path: &Path) -> Result<()> {
        self.debouncer.watch(path, RecursiveMode::Recursive)?;
        if let Ok(mut roots) = self.roots.lock() {
            roots.push((folder_id, path.to_path_buf()));
        }
        Ok(())
    }

    pub fn unwatch(&mut self, path: &Path) {
        if let Err(e) = self.debouncer.unwatch(path) {
            tracing::debug!("unwatch {}: {e}", path.display());
        }
        if let Ok(mut roots) = self.roots.lock() {
            roots.retain(|(_, root)| root != path);
        }
    }
}

/// Hidden files and folders (editor swap files, `.sync` folders…) are not part of the library.
fn is_hidden_below(path: &Path, roots: &[(i64, PathBuf)]) -> bool {
    let Some((_, root)) = roots.iter().find(|(_, root)| path.starts_with(root)) else {
        return false;
    };
    path.strip_prefix(root).is_ok_and(|rel| {
        rel.components()
            .any(|c| c.as_os_str().as_encoded_bytes().first() == Some(&b'.'))
    })
}
