//! Rolling backups of the database in `<data dir>/backups/` (ARCHITECTURE.md, "Backups and
//! recovery"): after a scan, an analysis run, a playlist or folder change, a background task
//! copies the database (`Store::backup_to`: `VACUUM INTO`, a temp name, fsync, rename). At most
//! one per [`THROTTLE`] of changes, except the one at the end of a run; none when nothing was
//! written since the newest. Kept: the [`KEEP_NEWEST`] newest and the newest of an earlier day.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use super::mirror;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::DATABASE_FILE;

/// Folder of the backups inside the data dir.
pub const BACKUP_DIR: &str = "backups";
const PREFIX: &str = "library-";
const SUFFIX: &str = ".sqlite3";
/// Temp files being written start with this; they are never taken for a backup.
const TEMP_PREFIX: &str = ".tmp-";
/// At most one backup per this much time while changes keep coming.
pub const THROTTLE: Duration = Duration::from_secs(30);
const KEEP_NEWEST: usize = 3;

/// One backup file.
#[derive(Debug, Clone, Serialize)]
pub struct BackupFile {
    pub path: PathBuf,
    /// When its snapshot was taken, `YYYYMMDDTHHMMSS.mmmZ` (UTC), from its name.
    pub taken: String,
    pub bytes: u64,
}

/// The backups in `data_dir`, newest first (files being written are not listed).
pub fn list(data_dir: &Path) -> Vec<BackupFile> {
    let Ok(entries) = std::fs::read_dir(data_dir.join(BACKUP_DIR)) else {
        return Vec::new();
    };
    let mut found: Vec<BackupFile> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let taken = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?.to_string();
            let bytes = e.metadata().ok()?.len();
            Some(BackupFile {
                path: e.path(),
                taken,
                bytes,
            })
        })
        .collect();
    found.sort_by(|a, b| b.taken.cmp(&a.taken));
    found
}

/// `YYYYMMDDTHHMMSS.mmmZ` in UTC: sorts as it reads, and is safe in a file name.
pub fn utc_stamp(t: SystemTime) -> String {
    let since = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}.{:03}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// The backups of one library: throttling, the background task, the copy and the pruning.
pub(crate) struct Backups {
    store: Store,
    data_dir: PathBuf,
    state: Mutex<State>,
    /// One copy at a time.
    run: tokio::sync::Mutex<()>,
    /// Wakes a backup waiting out the throttle (a shell about to exit).
    flush: tokio::sync::Notify,
    in_flight: AtomicUsize,
    /// Set for a guest of another process's library: the owner keeps the backups.
    disabled: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct State {
    last: Option<Instant>,
    scheduled: bool,
}

impl Backups {
    pub(crate) fn new(store: Store, data_dir: PathBuf) -> Arc<Self> {
        Arc::new(Backups {
            store,
            data_dir,
            state: Mutex::default(),
            run: tokio::sync::Mutex::new(()),
            flush: tokio::sync::Notify::new(),
            in_flight: AtomicUsize::new(0),
            disabled: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// No more backups from this process (a guest of another process's library).
    pub(crate) fn disable(&self) {
        self.disabled
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// After a change: a backup in the background, now when `end_of_run` or none was made
    /// in the last [`THROTTLE`], else once it has passed (one waiting at most).
    pub(crate) fn request(self: &Arc<Self>, end_of_run: bool) {
        if self.disabled.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let delay = {
            let Ok(mut state) = self.state.lock() else {
                return;
            };
            let due = state
                .last
                .map_or(Duration::ZERO, |l| THROTTLE.saturating_sub(l.elapsed()));
            if end_of_run || due.is_zero() {
                Duration::ZERO
            } else if state.scheduled {
                return;
            } else {
                state.scheduled = true;
                due
            }
        };
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let this = self.clone();
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = this.flush.notified() => {}
                }
            }
            if let Err(e) = this.backup(false).await {
                tracing::warn!("backing up the library: {e}");
            }
            this.in_flight.fetch_sub(1, Ordering::SeqCst);
        });
    }

    /// Runs the waiting backups now and waits for them (before a shell exits).
    pub(crate) async fn wait_idle(&self) {
        while self.in_flight.load(Ordering::SeqCst) > 0 {
            self.flush.notify_waiters();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Copies the database now (unless nothing changed since the newest backup and `force`
    /// is off), rewrites the playlists' M3U8 files and prunes old backups. The new backup, if
    /// one was made.
    pub(crate) async fn backup(&self, force: bool) -> Result<Option<BackupFile>> {
        let _run = self.run.lock().await;
        if let Ok(mut state) = self.state.lock() {
            state.last = Some(Instant::now());
            state.scheduled = false;
        }
        let snapshot = SystemTime::now();
        if !force && !self.changed_since_newest() {
            return Ok(None);
        }
        if let Err(e) = mirror::write_all(&self.store, &self.data_dir).await {
            tracing::warn!("writing the playlists' M3U8 files: {e}");
        }
        let dir = self.data_dir.join(BACKUP_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let taken = utc_stamp(snapshot);
        let target = dir.join(format!("{PREFIX}{taken}{SUFFIX}"));
        let tmp = dir.join(format!(
            "{TEMP_PREFIX}{}-{PREFIX}{taken}{SUFFIX}",
            std::process::id()
        ));
        let started = Instant::now();
        self.store.backup_to(&tmp, &target, snapshot).await?;
        let bytes = std::fs::metadata(&target).map_or(0, |m| m.len());
        tracing::info!(
            "backed up the library to {} ({} KB) in {:?}",
            target.display(),
            bytes / 1024,
            started.elapsed()
        );
        prune(&self.data_dir);
        Ok(Some(BackupFile {
            path: target,
            taken,
            bytes,
        }))
    }

    /// Whether the database (or its WAL) was written after the newest backup's snapshot.
    fn changed_since_newest(&self) -> bool {
        let Some(newest) = list(&self.data_dir).into_iter().next() else {
            return true;
        };
        let Some(taken) = modified(&newest.path) else {
            return true;
        };
        let db = self.data_dir.join(DATABASE_FILE);
        let wal = self.data_dir.join(format!("{DATABASE_FILE}-wal"));
        let wal_written = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
        modified(&db).is_none_or(|t| t > taken)
            || (wal_written && modified(&wal).is_none_or(|t| t > taken))
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).ok()?.modified().ok()
}

/// Keeps the [`KEEP_NEWEST`] newest backups and the newest of an earlier day than the newest
/// (damage noticed late still has a copy from before it); removes the rest, and temp files an
/// interrupted copy left (older than an hour: another process may be writing one now).
fn prune(data_dir: &Path) {
    let all = list(data_dir);
    let newest_day = all.first().map(|b| b.taken[..8].to_string());
    let mut daily_kept = false;
    for (i, backup) in all.iter().enumerate() {
        let earlier_day = newest_day
            .as_deref()
            .is_some_and(|d| backup.taken[..8] < *d);
        let keep = i < KEEP_NEWEST || (earlier_day && !daily_kept);
        if i >= KEEP_NEWEST && earlier_day && !daily_kept {
            daily_kept = true;
        }
        if !keep {
            if let Err(e) = std::fs::remove_file(&backup.path) {
                tracing::warn!("removing the old backup {}: {e}", backup.path.display());
            }
        }
    }
    let Ok(entries) = std::fs::read_dir(data_dir.join(BACKUP_DIR)) else {
        return;
    };
    for e in entries.flatten() {
        let stale = e.file_name().to_string_lossy().starts_with(TEMP_PREFIX)
            && modified(&e.path())
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(3_600));
        if stale {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_read_as_utc_dates() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_796_207_412_345);
        assert_eq!(utc_stamp(t), "20261202T103012.345Z");
        assert_eq!(utc_stamp(SystemTime::UNIX_EPOCH), "19700101T000000.000Z");
    }

    #[test]
    fn prune_keeps_three_newest_and_one_daily() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backups = dir.path().join(BACKUP_DIR);
        std::fs::create_dir_all(&backups).expect("mkdir");
        let names = [
            "20261201T100000.000Z",
            "20261201T110000.000Z",
            "20261202T080000.000Z",
            "20261202T090000.000Z",
            "20261202T100000.000Z",
            "20261202T110000.000Z",
        ];
        for n in names {
            std::fs::write(backups.join(format!("{PREFIX}{n}{SUFFIX}")), b"x").expect("write");
        }
        std::fs::write(backups.join(".tmp-1-half"), b"x").expect("write");
        prune(dir.path());
        let kept: Vec<String> = list(dir.path()).into_iter().map(|b| b.taken).collect();
        assert_eq!(
            kept,
            [
                "20261202T110000.000Z",
                "20261202T100000.000Z",
                "20261202T090000.000Z",
                "20261201T110000.000Z"
            ]
        );
        // A fresh temp file may be another process's copy in progress.
        assert!(backups.join(".tmp-1-half").exists());
    }
}
