//! One writer per library. The database is safe to share (SQLite's WAL), but the rest of a
//! library is not: the similarity index and the map are rewritten whole by whoever holds them,
//! a restore on open moves the database aside, and two scans would both insert the same new
//! files. So the process that opens a data dir to change it holds an exclusive lock on
//! `segue.lock` in it for as long as it is open; a second one is told plainly who has it, and
//! one that only reads may come in as a guest ([`Access::Guest`], `Library::open_to_read`).
//! The kernel drops the lock when its holder exits, however it exits (kill -9 included), so a
//! stale lock file never blocks anyone.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// The lock file's name in the data dir.
pub const LOCK_FILE: &str = "segue.lock";

/// How long a process waits for a lock that is held. A holder that is closing (the app's
/// window was just shut, a scan was just interrupted) lets go within moments: `segue scan`
/// typed right after closing the app, or the app reopened at once, should wait for that rather
/// than be refused. A holder that stays is named after this.
pub const CLOSING_HOLDER_GRACE: Duration = Duration::from_secs(3);

/// The held lock; dropping it lets the next process in.
#[derive(Debug)]
pub struct LibraryLock {
    _file: File,
}

impl LibraryLock {
    /// Takes the data dir's lock, or fails with [`Error::LibraryInUse`] naming the process
    /// that holds it once [`CLOSING_HOLDER_GRACE`] has passed.
    pub fn acquire(data_dir: &Path) -> Result<LibraryLock> {
        Self::acquire_within(data_dir, CLOSING_HOLDER_GRACE)
    }

    /// Takes the lock, waiting up to `grace` for a holder to let go.
    fn acquire_within(data_dir: &Path, grace: Duration) -> Result<LibraryLock> {
        let path = data_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let deadline = Instant::now() + grace;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(Error::LibraryInUse {
                        data_dir: data_dir.to_path_buf(),
                        holder: read_holder(&mut file),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
            }
        }
        // Who holds it, for the message the next process shows.
        let owner = format!("{}\n{}\n", std::process::id(), invocation());
        file.set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| file.write_all(owner.as_bytes()))
            .map_err(|e| Error::io(&path, e))?;
        Ok(LibraryLock { _file: file })
    }
}

/// Who holds the lock, from what it wrote in the file. A holder that has just taken the lock
/// may not have written its name yet (the file then still names the one before it, or nothing):
/// the name counts once it parses and names a running process, waited for up to a second.
fn read_holder(file: &mut File) -> String {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let mut contents = String::new();
        let read = file
            .rewind()
            .and_then(|()| file.read_to_string(&mut contents));
        if read.is_ok() {
            if let Some(holder) = running_holder(&contents) {
                return holder;
            }
        }
        if Instant::now() >= deadline {
            return "another Segue".into();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The description of the holder in `contents` if that process is running.
fn running_holder(contents: &str) -> Option<String> {
    let pid: u32 = contents.lines().next()?.trim().parse().ok()?;
    if cfg!(target_os = "linux") && !Path::new(&format!("/proc/{pid}")).exists() {
        return None;
    }
    Some(describe_holder(contents))
}

/// The program and its command, without options: "segue scan", "segue-app".
fn invocation() -> String {
    let mut args = std::env::args_os();
    let program = args
        .next()
        .map(PathBuf::from)
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "segue".into());
    let mut words = vec![program];
    let mut skip_value = false;
    for arg in args {
        let arg = arg.to_string_lossy();
        if std::mem::take(&mut skip_value) {
            continue;
        }
        if arg == "--data-dir" {
            skip_value = true;
        } else if !arg.starts_with('-') {
            words.push(arg.into_owned());
            break;
        }
    }
    words.join(" ")
}

/// How a process holds a library: the owner holds the lock; a guest reads a library another
/// process owns (`Library::open_to_read`).
#[derive(Debug)]
pub enum Access {
    Owner(LibraryLock),
    /// Who the owner is.
    Guest(String),
}

impl Access {
    /// The lock when it is free, else a guest's access naming the holder. A reader does not
    /// wait for a closing holder: it can read beside one.
    pub fn owner_or_guest(data_dir: &Path) -> Result<Access> {
        match LibraryLock::acquire_within(data_dir, Duration::ZERO) {
            Ok(lock) => Ok(Access::Owner(lock)),
            Err(Error::LibraryInUse { holder, .. }) => Ok(Access::Guest(holder)),
            Err(e) => Err(e),
        }
    }
}

/// "segue scan, process 1234" from the lock file's "1234\nsegue scan\n".
fn describe_holder(contents: &str) -> String {
    let mut lines = contents.lines();
    let pid = lines.next().unwrap_or("").trim();
    let program = lines.next().unwrap_or("").trim();
    match (program.is_empty(), pid.parse::<u32>().is_ok()) {
        (false, true) => format!("{program}, process {pid}"),
        (true, true) => format!("process {pid}"),
        _ => "another Segue".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = LibraryLock::acquire(dir.path()).expect("first");
        let refused = LibraryLock::acquire(dir.path()).expect_err("second");
        let message = refused.to_string();
        assert!(
            message.contains(&format!("process {}", std::process::id())),
            "{message}"
        );
        assert!(message.contains("in use"), "{message}");
        drop(first);
        LibraryLock::acquire(dir.path()).expect("free again");
    }

    #[test]
    fn a_holder_that_lets_go_within_the_grace_lets_the_next_in() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = LibraryLock::acquire(dir.path()).expect("first");
        let closing = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            drop(first);
        });
        let started = Instant::now();
        LibraryLock::acquire(dir.path()).expect("taken once the first let go");
        assert!(started.elapsed() >= Duration::from_millis(300));
        closing.join().expect("the closing holder");
    }

    #[test]
    fn a_reader_does_not_wait_for_the_holder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let _owner = LibraryLock::acquire(dir.path()).expect("owner");
        let started = Instant::now();
        let access = Access::owner_or_guest(dir.path()).expect("guest");
        assert!(matches!(access, Access::Guest(_)), "{access:?}");
        assert!(started.elapsed() < CLOSING_HOLDER_GRACE);
    }

    #[test]
    fn a_dead_holder_is_not_named() {
        let mine = format!("{}\nsegue scan\n", std::process::id());
        assert_eq!(
            running_holder(&mine),
            Some(format!("segue scan, process {}", std::process::id()))
        );
        // Beyond the kernel's largest pid.
        assert_eq!(running_holder("99999999\nsegue scan\n"), None);
        assert_eq!(running_holder(""), None);
    }

    #[test]
    fn holder_descriptions() {
        assert_eq!(
            describe_holder("42\nsegue scan\n"),
            "segue scan, process 42"
        );
        assert_eq!(describe_holder("42\n"), "process 42");
        assert_eq!(describe_holder(""), "another Segue");
        assert_eq!(describe_holder("garbage"), "another Segue");
    }
}
