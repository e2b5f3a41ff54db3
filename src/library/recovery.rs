//! Opening the database safely, and `segue doctor`.
//!
//! [`open_store`] checks the file (`quick_check`) before the schema is touched; a damaged file
//! (corrupt, not a database, cut short, emptied) or a missing one with backups beside it is
//! moved aside to `<data dir>/damaged/<time>/` and the newest backup that passes its own check
//! is restored. With no good backup the library starts empty, and the playlists' M3U8 files
//! are kept for the user. What happened is a [`Recovery`], for both shells to say.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use super::backups::{self, utc_stamp};
use super::mirror::{self, PLAYLISTS_DIR};
use crate::error::{Error, Result};
use crate::store::{check_file, is_damage, Store};
use crate::{DATABASE_FILE, INDEX_DIR};

/// Folder damaged files are moved to, one subfolder per recovery.
pub const DAMAGED_DIR: &str = "damaged";

/// What the last open had to do to get a sound database.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct Recovery {
    /// What was wrong: "database disk image is malformed", "the database file is missing"…
    pub what: String,
    /// The backup restored, if one was good.
    pub backup_used: Option<String>,
    /// Where the damaged file (and its -wal/-shm) now are.
    pub moved_to: Option<String>,
    /// Where the saved playlists' M3U8 files are.
    pub playlists_dir: String,
    /// All of it in a sentence or three, for people.
    pub message: String,
}

/// Where [`Library::close`](super::Library::close) notes the database file as it left it.
const CLEAN_CLOSE_FILE: &str = "clean-close.json";

/// The database file as a clean close left it: the check at the next open is skipped while
/// the file is still exactly so (a million-track library is most of a gigabyte to read).
#[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
struct LeftAs {
    size: u64,
    modified_ns: u128,
}

fn left_as(db: &Path) -> Option<LeftAs> {
    let meta = std::fs::metadata(db).ok()?;
    let modified_ns = meta
        .modified()
        .ok()?
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some(LeftAs {
        size: meta.len(),
        modified_ns,
    })
}

/// Notes the closed database file (after its WAL went into it), for the next open.
pub(crate) fn note_clean_close(data_dir: &Path) {
    let db = data_dir.join(DATABASE_FILE);
    let wal = data_dir.join(format!("{DATABASE_FILE}-wal"));
    if wal.metadata().is_ok_and(|m| m.len() > 0) {
        return; // not checkpointed: the next open checks
    }
    let Some(left) = left_as(&db) else {
        return;
    };
    let Ok(json) = serde_json::to_vec(&left) else {
        return;
    };
    let tmp = data_dir.join(format!(".{CLEAN_CLOSE_FILE}.tmp"));
    if std::fs::write(&tmp, json).is_ok() {
        let _ = std::fs::rename(&tmp, data_dir.join(CLEAN_CLOSE_FILE));
    }
}

/// Whether the database file is exactly as the last clean close left it, with no WAL since;
/// the note is used up either way (a crash from here on must be checked at the next open).
fn closed_cleanly(data_dir: &Path) -> bool {
    let note = data_dir.join(CLEAN_CLOSE_FILE);
    let Ok(json) = std::fs::read(&note) else {
        return false;
    };
    let _ = std::fs::remove_file(&note);
    let db = data_dir.join(DATABASE_FILE);
    let wal = data_dir.join(format!("{DATABASE_FILE}-wal"));
    let noted: Option<LeftAs> = serde_json::from_slice(&json).ok();
    noted.is_some() && noted == left_as(&db) && !wal.metadata().is_ok_and(|m| m.len() > 0)
}

/// Opens the library's database, restoring a backup when it is damaged or gone. The file is
/// checked first unless the last close was clean and nothing touched it since.
pub(crate) async fn open_store(data_dir: &Path) -> Result<(Store, Option<Recovery>)> {
    let db = data_dir.join(DATABASE_FILE);
    let problem = if closed_cleanly(data_dir) {
        None
    } else {
        diagnose(data_dir).await?
    };
    let problem = match problem {
        Some(problem) => problem,
        None => match Store::open(&db).await {
            Ok(store) => return Ok((store, None)),
            Err(e) if is_damage(&e) => e.to_string(),
            Err(e) => return Err(e),
        },
    };
    let (store, recovery) = recover(data_dir, &problem).await?;
    Ok((store, Some(recovery)))
}

/// Opens the database of a library another process holds, to read it: a damaged one is an
/// error here, never restored (the holder has it open).
pub(crate) async fn open_store_as_guest(data_dir: &Path, holder: &str) -> Result<Store> {
    if let Some(problem) = diagnose(data_dir).await? {
        return Err(Error::InvalidRequest(format!(
            "the library database needs repair ({problem}), but {holder} has it open: close it, then run again"
        )));
    }
    Store::open(&data_dir.join(DATABASE_FILE)).await
}

/// What is wrong with the database file, if anything: `None` also for a new library.
async fn diagnose(data_dir: &Path) -> Result<Option<String>> {
    let db = data_dir.join(DATABASE_FILE);
    if !db.exists() {
        let wal = data_dir.join(format!("{DATABASE_FILE}-wal"));
        let had_library = !backups::list(data_dir).is_empty() || wal.exists();
        return Ok(had_library.then(|| "the database file is missing".to_string()));
    }
    check_file(&db, false, false).await
}

/// Moves the damaged database aside, restores the newest good backup (or starts empty) and
/// opens it. Also the by-hand repair of `segue doctor --repair`.
pub(crate) async fn recover(data_dir: &Path, problem: &str) -> Result<(Store, Recovery)> {
    tracing::warn!("the library database is damaged ({problem}): restoring");
    let db = data_dir.join(DATABASE_FILE);
    let aside = data_dir
        .join(DAMAGED_DIR)
        .join(utc_stamp(SystemTime::now()));
    let mut moved = false;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let from = data_dir.join(format!("{DATABASE_FILE}{suffix}"));
        if from.exists() {
            std::fs::create_dir_all(&aside).map_err(|e| Error::io(&aside, e))?;
            let to = aside.join(format!("{DATABASE_FILE}{suffix}"));
            match std::fs::rename(&from, &to) {
                Ok(()) => moved = true,
                // A WAL or SHM can vanish between the look and the move (a connection of the
                // damaged database closing late deletes its own): nothing left to keep.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&from, e)),
            }
        }
    }
    // The playlists' files of the lost database: kept aside, since the restored one reuses ids.
    let playlists = data_dir.join(PLAYLISTS_DIR);
    let old_files = mirror::files_in(&playlists);
    let kept_playlists = aside.join(PLAYLISTS_DIR);
    if !old_files.is_empty() {
        std::fs::create_dir_all(&aside).map_err(|e| Error::io(&aside, e))?;
        std::fs::rename(&playlists, &kept_playlists).map_err(|e| Error::io(&playlists, e))?;
    }
    // The index describes the lost database: derived data, rebuilt from the restored one.
    let index = data_dir.join(INDEX_DIR);
    if index.exists() {
        if let Err(e) = std::fs::remove_dir_all(&index) {
            tracing::warn!("removing the similarity index {}: {e}", index.display());
        }
    }
    let mut used = None;
    for backup in backups::list(data_dir) {
        match check_file(&backup.path, false, true).await {
            Ok(None) => {}
            Ok(Some(reason)) => {
                tracing::warn!("backup {} is damaged too: {reason}", backup.path.display());
                continue;
            }
            Err(e) => {
                tracing::warn!("backup {} cannot be read: {e}", backup.path.display());
                continue;
            }
        }
        if let Err(e) = copy_in(&backup.path, &db).await {
            tracing::warn!("restoring {}: {e}", backup.path.display());
            continue;
        }
        match Store::open(&db).await {
            Ok(store) => {
                used = Some((store, backup));
                break;
            }
            Err(e) => {
                tracing::warn!("the restored {} does not open: {e}", backup.path.display());
                let _ = std::fs::remove_file(&db);
            }
        }
    }
    let (store, backup_used) = match used {
        Some((store, backup)) => (store, Some(backup)),
        None => (Store::open(&db).await?, None),
    };
    if let Err(e) = mirror::write_all(&store, data_dir).await {
        tracing::warn!("writing the playlists' M3U8 files: {e}");
    }
    let new_names: Vec<Option<std::ffi::OsString>> = mirror::files_in(&playlists)
        .iter()
        .map(|p| p.file_name().map(Into::into))
        .collect();
    let not_restored = old_files
        .iter()
        .filter(|p| !new_names.contains(&p.file_name().map(Into::into)))
        .count();
    let mut message = format!("The library database was damaged ({problem}). ");
    if moved {
        message.push_str(&format!("It was moved to {}. ", aside.display()));
    }
    match &backup_used {
        Some(b) => message.push_str(&format!(
            "Segue restored the backup taken {} UTC; the next scan brings it up to date.",
            shown_time(&b.taken)
        )),
        None => message.push_str(
            "No good backup was found: Segue started an empty library; add your folders again.",
        ),
    }
    if not_restored > 0 {
        message.push_str(&format!(
            " {not_restored} saved playlist file(s) not in the restored library are kept as M3U8 in {} \
             (once their folders are scanned, `segue playlists import FILE…` saves them again).",
            kept_playlists.display()
        ));
    }
    tracing::warn!("{message}");
    let recovery = Recovery {
        what: problem.to_string(),
        backup_used: backup_used.map(|b| b.path.display().to_string()),
        moved_to: moved.then(|| aside.display().to_string()),
        playlists_dir: if not_restored > 0 {
            kept_playlists.display().to_string()
        } else {
            playlists.display().to_string()
        },
        message,
    };
    Ok((store, recovery))
}

/// `20261202T103012.345Z` as `2026-12-02 10:30`.
fn shown_time(taken: &str) -> String {
    let t = |a: usize, b: usize| taken.get(a..b).unwrap_or("");
    format!(
        "{}-{}-{} {}:{}",
        t(0, 4),
        t(4, 6),
        t(6, 8),
        t(9, 11),
        t(11, 13)
    )
}

/// Copies a backup in as the database: temp name, fsync, rename.
async fn copy_in(backup: &Path, db: &Path) -> Result<()> {
    let (backup, db) = (backup.to_path_buf(), db.to_path_buf());
    tokio::task::spawn_blocking(move || {
        let tmp = db.with_extension("restoring");
        std::fs::copy(&backup, &tmp).map_err(|e| Error::io(&tmp, e))?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &db).map_err(|e| Error::io(&db, e))?;
        crate::store::sync_dir(&db);
        Ok(())
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))?
}

/// One finding of `segue doctor`.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `database`, `backup`, `index` or `playlists`.
    pub what: &'static str,
    pub path: PathBuf,
    pub ok: bool,
    pub detail: String,
}

/// What `segue doctor` found, and what `--repair` did.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    /// Everything sound (after the repairs, when asked for).
    pub ok: bool,
    pub findings: Vec<Finding>,
    pub repaired: Vec<String>,
}

/// Checks the database (`integrity_check`), each backup, the similarity index's files and the
/// playlists' M3U8 files, without changing anything; with `repair`, restores the database
/// (as [`open_store`] would), removes a damaged index (rebuilt on the next start) and rewrites
/// the M3U8 files, then checks again.
pub async fn doctor(data_dir: &Path, repair: bool) -> Result<DoctorReport> {
    // Not while another process has the library open: it may be rewriting the index, and a
    // repair moves the database aside.
    let _lock = if data_dir.is_dir() {
        Some(super::lock::LibraryLock::acquire(data_dir)?)
    } else {
        None
    };
    let mut report = examine(data_dir).await?;
    if !repair || report.ok {
        return Ok(report);
    }
    let mut repaired = Vec::new();
    let failed = |what: &str| report.findings.iter().any(|f| f.what == what && !f.ok);
    let (db_bad, index_bad, playlists_bad) =
        (failed("database"), failed("index"), failed("playlists"));
    if db_bad {
        let problem = report
            .findings
            .iter()
            .find(|f| f.what == "database")
            .map_or_else(String::new, |f| f.detail.clone());
        let (store, recovery) = recover(data_dir, &problem).await?;
        store.close().await;
        repaired.push(recovery.message);
    }
    if index_bad && !db_bad {
        let index = data_dir.join(INDEX_DIR);
        std::fs::remove_dir_all(&index).map_err(|e| Error::io(&index, e))?;
        repaired
            .push("removed the damaged similarity index: it is rebuilt on the next start".into());
    }
    if playlists_bad && !db_bad {
        let store = Store::open(&data_dir.join(DATABASE_FILE)).await?;
        mirror::write_all(&store, data_dir).await?;
        store.close().await;
        repaired.push("rewrote the playlists' M3U8 files".into());
    }
    report = examine(data_dir).await?;
    report.repaired = repaired;
    Ok(report)
}

async fn examine(data_dir: &Path) -> Result<DoctorReport> {
    let mut findings = Vec::new();
    let db = data_dir.join(DATABASE_FILE);
    let db_ok = if db.exists() {
        let problem = check_file(&db, true, false).await?;
        findings.push(Finding {
            what: "database",
            path: db.clone(),
            ok: problem.is_none(),
            detail: problem.clone().unwrap_or_else(|| {
                format!(
                    "sound ({} KB)",
                    std::fs::metadata(&db).map_or(0, |m| m.len()) / 1024
                )
            }),
        });
        problem.is_none()
    } else {
        let problem = diagnose(data_dir).await?;
        findings.push(Finding {
            what: "database",
            path: db.clone(),
            ok: problem.is_none(),
            detail: problem.unwrap_or_else(|| "no library yet".into()),
        });
        false
    };
    let all = backups::list(data_dir);
    if all.is_empty() {
        findings.push(Finding {
            what: "backup",
            path: data_dir.join(backups::BACKUP_DIR),
            ok: true,
            detail: "no backups yet (one is made after the next change)".into(),
        });
    }
    for b in all {
        let problem = check_file(&b.path, true, true)
            .await
            .unwrap_or_else(|e| Some(e.to_string()));
        findings.push(Finding {
            what: "backup",
            path: b.path,
            ok: problem.is_none(),
            detail: problem.unwrap_or_else(|| format!("sound ({} KB)", b.bytes / 1024)),
        });
    }
    let index = data_dir.join(INDEX_DIR);
    if crate::index::persist::exists(&index) {
        let dir = index.clone();
        let loaded = tokio::task::spawn_blocking(move || crate::index::persist::load(&dir))
            .await
            .map_err(|e| Error::Task(e.to_string()))?;
        findings.push(Finding {
            what: "index",
            path: index,
            ok: loaded.is_ok(),
            detail: match loaded {
                Ok(saved) => format!(
                    "sound ({} tracks, seq {})",
                    saved.manifest.count, saved.manifest.seq
                ),
                Err(e) => e.to_string(),
            },
        });
    }
    if db_ok {
        let store = Store::open(&db).await?;
        let stale = mirror::out_of_date(&store, data_dir).await;
        let count = store.saved_playlists().await.map_or(0, |p| p.len());
        store.close().await;
        let stale = stale?;
        findings.push(Finding {
            what: "playlists",
            path: data_dir.join(PLAYLISTS_DIR),
            ok: stale.is_empty(),
            detail: if stale.is_empty() {
                format!("{count} saved playlist(s), each in its M3U8 file")
            } else {
                format!("M3U8 file missing or out of date: {}", stale.join(", "))
            },
        });
    }
    Ok(DoctorReport {
        ok: findings.iter().all(|f| f.ok),
        findings,
        repaired: Vec::new(),
    })
}
