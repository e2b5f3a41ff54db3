//! `segue bench backup`: what a backup of the library in --data-dir costs, and a restore.

use std::time::Instant;

use anyhow::{Context, Result};
use segue::Library;
use serde::Serialize;

use super::{ms, print_json};

#[derive(Debug, Serialize)]
struct BackupBench {
    tracks: i64,
    database_bytes: u64,
    backups: usize,
    backup_bytes: u64,
    backup_ms: Vec<f64>,
    check_ms: f64,
    restore_ms: f64,
}

/// `repeat` backups in a row (also what tests/backup.rs kills at random moments), then the
/// check of the newest and a restore from it into a temp dir (as when the database is gone).
pub async fn run(library: &Library, repeat: usize, json: bool) -> Result<()> {
    let db = library.data_dir().join(segue::DATABASE_FILE);
    let wal = library
        .data_dir()
        .join(format!("{}-wal", segue::DATABASE_FILE));
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let mut backup_ms = Vec::new();
    let mut newest = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        newest = library.backup_now().await?;
        backup_ms.push(ms(t));
    }
    let newest = newest.context("no backup was made")?;
    let t = Instant::now();
    let problem = segue::store::check_file(&newest.path, false, true).await?;
    let check_ms = ms(t);
    anyhow::ensure!(problem.is_none(), "the new backup is damaged: {problem:?}");
    let scratch = tempfile::tempdir()?;
    let backups = scratch.path().join(segue::library::backups::BACKUP_DIR);
    std::fs::create_dir_all(&backups)?;
    std::fs::copy(
        &newest.path,
        backups.join(newest.path.file_name().context("a backup has a name")?),
    )?;
    let t = Instant::now();
    let restored = Library::open(scratch.path()).await?;
    let restore_ms = ms(t);
    anyhow::ensure!(restored.recovery().is_some(), "nothing was restored");
    restored.close().await;
    let r = BackupBench {
        tracks: library.stats().await?.tracks,
        database_bytes: size(&db) + size(&wal),
        backups: segue::library::backups::list(library.data_dir()).len(),
        backup_bytes: newest.bytes,
        backup_ms,
        check_ms,
        restore_ms,
    };
    if json {
        return print_json(&r);
    }
    println!(
        "backup bench: {} tracks, database {:.1} MB (with WAL), backup {:.1} MB; backup {:?} ms; check {:.0} ms; restore (check + copy + open) {:.0} ms; {} backups kept",
        r.tracks,
        r.database_bytes as f64 / 1e6,
        r.backup_bytes as f64 / 1e6,
        r.backup_ms.iter().map(|m| m.round()).collect::<Vec<_>>(),
        r.check_ms,
        r.restore_ms,
        r.backups
    );
    Ok(())
}
