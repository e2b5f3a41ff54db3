//! Work on every track's file of a benchmark library, one thread per core (the quality
//! benches that decode again what the index does not keep: MusiCNN blocks, timbre models).

use std::collections::HashMap;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::Result;
use segue::Library;

/// Every track's file, by id.
pub(super) async fn paths_of(library: &Library) -> Result<HashMap<i64, PathBuf>> {
    Ok(library
        .tracks(None)
        .await?
        .into_iter()
        .map(|t| (t.id, PathBuf::from(t.path)))
        .collect())
}

/// `work` on the file of each of `ids`, one thread per core: the results by id, and the
/// threads used. A file it fails on is said on stderr and left out.
pub(super) fn on_every_file<T: Send, E: Display>(
    ids: &[i64],
    paths: &HashMap<i64, PathBuf>,
    work: impl Fn(&Path) -> Result<T, E> + Sync,
) -> (HashMap<i64, T>, usize) {
    let done: Mutex<HashMap<i64, T>> = Mutex::new(HashMap::new());
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(id) = ids.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let Some(path) = paths.get(id) else {
                        continue;
                    };
                    match work(path) {
                        Ok(value) => {
                            if let Ok(mut all) = done.lock() {
                                all.insert(*id, value);
                            }
                        }
                        Err(e) => eprintln!("skipped {}: {e:#}", path.display()),
                    }
                }
            });
        }
    });
    (done.into_inner().unwrap_or_default(), threads)
}
