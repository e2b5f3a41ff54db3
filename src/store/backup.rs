//! Copies of the database and checks of a database file.
//!
//! A copy is `VACUUM INTO` (one read transaction: consistent, compact, and writers carry on
//! meanwhile) into a temp name, fsynced, then renamed: a crash never leaves a half-written
//! file under a backup's name. A check opens a file without migrating it, so a damaged file is
//! looked at, never changed.

use std::path::Path;
use std::time::SystemTime;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::Store;
use crate::error::{Error, Result};

impl Store {
    /// Writes a consistent copy of the database to `target` through `tmp`, fsynced, with
    /// `snapshot` (when the copy's read began) as its modification time.
    pub async fn backup_to(&self, tmp: &Path, target: &Path, snapshot: SystemTime) -> Result<()> {
        let tmp_text = tmp.to_str().ok_or_else(|| {
            Error::InvalidRequest(format!("{}: backups need a UTF-8 path", tmp.display()))
        })?;
        let _ = std::fs::remove_file(tmp);
        sqlx::query("VACUUM INTO ?")
            .bind(tmp_text)
            .execute(&self.pool)
            .await?;
        let (tmp, target) = (tmp.to_path_buf(), target.to_path_buf());
        tokio::task::spawn_blocking(move || {
            let file = std::fs::File::options()
                .write(true)
                .open(&tmp)
                .map_err(|e| Error::io(&tmp, e))?;
            // The snapshot's time: a write after it makes the database newer than this copy.
            file.set_modified(snapshot)
                .map_err(|e| Error::io(&tmp, e))?;
            file.sync_all().map_err(|e| Error::io(&tmp, e))?;
            drop(file);
            std::fs::rename(&tmp, &target).map_err(|e| Error::io(&target, e))?;
            sync_dir(&target);
            Ok(())
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
    }

    /// Closes every connection (WAL checkpointed), e.g. before the file is copied or moved.
    pub async fn close(&self) {
        // sqlx 0.8.6's `close` can return while a connection being given back (its ping on
        // release still running) has yet to reach the idle list: it goes idle after the close
        // looked, and stays open with its WAL until the pool is dropped. Closing again closes
        // such late arrivals.
        for _ in 0..1_000 {
            self.pool.close().await;
            if self.pool.size() == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        tracing::warn!(
            "{} database connections still open after closing",
            self.pool.size()
        );
    }
}

/// Makes a rename or a new file in `path`'s folder durable.
pub(crate) fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent() {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// Checks the database file at `path` without changing it: `Ok(None)` when it is a sound Segue
/// library, `Ok(Some(reason))` when it is damaged or not a library at all, `Err` when it could
/// not be looked at (locked, no permission). `full` runs `integrity_check` instead of the
/// quicker `quick_check`; `frozen` opens it immutable (a backup nobody writes: no locks, no
/// WAL).
pub async fn check_file(path: &Path, full: bool, frozen: bool) -> Result<Option<String>> {
    match std::fs::metadata(path) {
        Ok(m) if m.len() == 0 => return Ok(Some("the file is empty".into())),
        Ok(_) => {}
        Err(e) => return Err(Error::io(path, e)),
    }
    let mut options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(std::time::Duration::from_secs(10));
    options = if frozen {
        options.read_only(true).immutable(true)
    } else {
        options
    };
    let outcome = async {
        let mut conn = options.connect().await?;
        let pragma = if full {
            "PRAGMA integrity_check(20)"
        } else {
            "PRAGMA quick_check(20)"
        };
        let rows: Vec<String> = sqlx::query_scalar(pragma).fetch_all(&mut conn).await?;
        let schema: Option<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(&mut conn)
        .await?;
        let _ = conn.close().await;
        Ok::<_, sqlx::Error>((rows, schema))
    }
    .await;
    match outcome {
        Ok((rows, _)) if rows.first().map(String::as_str) != Some("ok") => {
            Ok(Some(rows.join("; ")))
        }
        Ok((_, None)) => Ok(Some("the file holds no Segue library".into())),
        Ok(_) => Ok(None),
        Err(e) => {
            let e = Error::from(e);
            if is_damage(&e) {
                Ok(Some(damage_reason(&e)))
            } else {
                Err(e)
            }
        }
    }
}

/// SQLite's result code in an error's text ("(code: 11) database disk image is malformed").
fn sqlite_code(text: &str) -> Option<i64> {
    let at = text.find("(code: ")? + "(code: ".len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Whether an error says the file itself is damaged (corrupt, not a database, cut short), as
/// opposed to locked, unreadable or a bug: only then is the file moved aside and restored.
pub fn is_damage(e: &Error) -> bool {
    let text = e.to_string();
    match sqlite_code(&text) {
        // SQLITE_CORRUPT (and its extended codes), SQLITE_NOTADB, SQLITE_IOERR_SHORT_READ.
        Some(code) => code & 0xff == 11 || code == 26 || code == 522,
        None => text.contains("malformed") || text.contains("file is not a database"),
    }
}

/// The plain part of a damage error ("database disk image is malformed").
fn damage_reason(e: &Error) -> String {
    let text = e.to_string();
    match text.find(") ") {
        Some(at) if sqlite_code(&text).is_some() => text[at + 2..].to_string(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_is_told_from_other_failures() {
        let corrupt = Error::InvalidRequest("(code: 11) database disk image is malformed".into());
        let notadb = Error::InvalidRequest("(code: 26) file is not a database".into());
        let index = Error::InvalidRequest("(code: 779) corrupt index".into());
        let busy = Error::InvalidRequest("(code: 5) database is locked".into());
        assert!(is_damage(&corrupt) && is_damage(&notadb) && is_damage(&index));
        assert!(!is_damage(&busy));
        assert_eq!(damage_reason(&notadb), "file is not a database");
    }

    #[tokio::test]
    async fn a_copy_checks_ok_and_garbage_does_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("db.sqlite3"))
            .await
            .expect("open");
        store
            .create_playlist("Mix", None, &[])
            .await
            .expect("playlist");
        let (tmp, copy) = (dir.path().join(".tmp-copy"), dir.path().join("copy"));
        store
            .backup_to(&tmp, &copy, SystemTime::now())
            .await
            .expect("backup");
        assert!(!tmp.exists());
        assert_eq!(check_file(&copy, true, true).await.expect("check"), None);
        let garbage = dir.path().join("garbage");
        std::fs::write(&garbage, vec![0x5a; 8192]).expect("write");
        assert!(check_file(&garbage, false, true)
            .await
            .expect("check")
            .is_some());
        std::fs::write(&garbage, b"").expect("write");
        assert!(check_file(&garbage, false, true)
            .await
            .expect("check")
            .is_some());
    }
}
