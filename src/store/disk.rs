//! What the disk under a ledger can do to it besides damage: fill up, turn read-only, refuse
//! access, or go away. These are said as what they are (never as damage), and a reading
//! command on a full or read-only disk reads a private copy of the ledger instead of failing.
//! Also the ledger's lock: who holds it, and the wait for a short command to let go of it.

use std::fs::{self, File};
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// What the disk did, as the operating system reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiskProblem {
    /// No space left, or the quota is used up.
    Full,
    /// The file system is mounted read-only.
    ReadOnly,
    /// The files may not be written (or read) by this account.
    Denied,
    /// The drive does not answer: an I/O error, or a disk or network mount that went away.
    Gone,
}

impl DiskProblem {
    pub fn of(e: &std::io::Error) -> Option<DiskProblem> {
        DiskProblem::of_errno(e.raw_os_error()?)
    }

    fn of_errno(n: i32) -> Option<DiskProblem> {
        match n {
            libc::ENOSPC | libc::EDQUOT => Some(DiskProblem::Full),
            libc::EROFS => Some(DiskProblem::ReadOnly),
            libc::EACCES | libc::EPERM => Some(DiskProblem::Denied),
            libc::EIO
            | libc::ENXIO
            | libc::ENODEV
            | libc::ENOTCONN
            | libc::ESTALE
            | libc::ENOMEDIUM
            | libc::ESHUTDOWN => Some(DiskProblem::Gone),
            _ => None,
        }
    }

    /// The problem named in the text of a panic inside the storage engine, which unwraps
    /// some I/O results ("… Os { code: 5, kind: …" or "… (os error 28)").
    pub fn in_text(text: &str) -> Option<DiskProblem> {
        os_error_in_text(text).and_then(DiskProblem::of_errno)
    }

    /// Whether a reading command can still go on from a copy of the files.
    pub fn readable(self) -> bool {
        matches!(self, DiskProblem::Full | DiskProblem::ReadOnly)
    }
}

/// The operating system's error number in the text of a panic or an error ("… Os { code: 28,
/// kind: …" or "… (os error 28)").
pub fn os_error_in_text(text: &str) -> Option<i32> {
    let number_after = |tag: &str| {
        let at = text.find(tag)? + tag.len();
        let digits: String = text
            .get(at..)?
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        digits.parse().ok()
    };
    number_after("code: ").or_else(|| number_after("os error "))
}

/// Who holds a ledger's lock, as its lock file says: written when the lock is taken.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Holder {
    pub pid: String,
    /// The subcommand (`visit`, `import` …), or `tui`.
    pub command: String,
    pub account: String,
}

impl Holder {
    /// This process, running `command` as `account`.
    pub fn me(command: &str, account: &str) -> Holder {
        Holder {
            pid: std::process::id().to_string(),
            command: command.to_string(),
            account: account.to_string(),
        }
    }

    /// The TUI holds a ledger for a whole session: not worth waiting for.
    pub fn is_session(&self) -> bool {
        self.command == "tui"
    }

    /// One line: `pid command account` (older builds wrote the pid alone); the account is
    /// last, so it may hold spaces.
    fn line(&self) -> String {
        format!("{} {} {}", self.pid, self.command, self.account)
    }

    fn parse(text: &str) -> Holder {
        let mut words = text.trim().splitn(3, ' ');
        let mut next = |default: &str| {
            words
                .next()
                .filter(|w| !w.is_empty())
                .unwrap_or(default)
                .to_string()
        };
        Holder {
            pid: next("?"),
            command: next("?"),
            account: next("?"),
        }
    }
}

/// How a lock turned out: taken, or held by someone else.
pub enum Locking {
    Taken(File),
    Held(Holder),
}

/// Takes the exclusive lock in `path`, waiting up to `wait` while a short command holds it
/// (a TUI session is not waited for). The holder writes who it is just after it takes the
/// lock, so an empty file is given a moment.
pub fn lock(path: &Path, me: &Holder, wait: Duration) -> std::io::Result<Locking> {
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)?;
    let started = Instant::now();
    // Waiters wake at different moments, so twenty of them do not all try at once.
    let mut pause = 2 + u64::from(std::process::id() % 7);
    loop {
        match f.try_lock() {
            Ok(()) => {
                f.set_len(0)?;
                f.write_all(me.line().as_bytes())?;
                f.flush()?;
                return Ok(Locking::Taken(f));
            }
            Err(fs::TryLockError::WouldBlock) => {
                let holder = read_holder(&mut f);
                if holder.is_session() || started.elapsed() >= wait {
                    return Ok(Locking::Held(holder));
                }
                std::thread::sleep(Duration::from_millis(pause));
                pause = (pause * 2).min(40);
            }
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

fn read_holder(f: &mut File) -> Holder {
    let mut text = String::new();
    for _ in 0..20 {
        text.clear();
        let _ = f.rewind();
        let _ = f.read_to_string(&mut text);
        if !text.trim().is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Holder::parse(&text)
}

/// A shared lock on the lock file of a ledger whose disk cannot be written (the file opened
/// for reading only), held while it is copied, so no writer is half-way through; `None` when
/// the file is missing or cannot be locked (a read-only disk has no writer anyway).
pub fn read_lock(path: &Path) -> Option<File> {
    let f = File::open(path).ok()?;
    f.try_lock_shared().ok()?;
    Some(f)
}

/// Copies the engine's files of the ledger in `dir` (the top level and `blobs/`, not the
/// lock) into a new private directory under the temporary directory, to read from.
pub fn copy_to_read(dir: &Path) -> std::io::Result<tempfile::TempDir> {
    let copy = tempfile::Builder::new()
        .prefix("zhengdun-read-")
        .tempdir()?;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == super::LOCK_FILE {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() && name == "blobs" {
            let to = copy.path().join("blobs");
            fs::create_dir(&to)?;
            for blob in fs::read_dir(entry.path())? {
                let blob = blob?;
                fs::copy(blob.path(), to.join(blob.file_name()))?;
            }
        } else if kind.is_file() {
            fs::copy(entry.path(), copy.path().join(&name))?;
        }
    }
    Ok(copy)
}

/// Whether the names in a ledger directory are those of a ledger that never held a change:
/// the first command was cut off (a power cut, a kill) after it took the lock or after the
/// engine wrote its small `conf`, but before the data file `db` was there. With no `db`, no
/// snapshot and no blob, there is no data anywhere to lose.
pub fn never_written(dir: &Path, names: &[String]) -> bool {
    let no_blobs = fs::read_dir(dir.join("blobs")).map_or(true, |mut d| d.next().is_none());
    no_blobs
        && !names.is_empty()
        && names
            .iter()
            .all(|n| n == super::LOCK_FILE || n == "conf" || n == "blobs")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_found_in_errors_and_in_panic_text() {
        let full = std::io::Error::from_raw_os_error(libc::ENOSPC);
        assert_eq!(DiskProblem::of(&full), Some(DiskProblem::Full));
        let gone = std::io::Error::from_raw_os_error(libc::EIO);
        assert_eq!(DiskProblem::of(&gone), Some(DiskProblem::Gone));
        assert_eq!(DiskProblem::of(&std::io::Error::other("no number")), None);
        let panic = format!("called `Result::unwrap()` on an `Err` value: {gone:?}");
        assert_eq!(DiskProblem::in_text(&panic), Some(DiskProblem::Gone));
        assert_eq!(
            DiskProblem::in_text("database error: Read-only file system (os error 30)"),
            Some(DiskProblem::ReadOnly)
        );
        assert_eq!(DiskProblem::in_text("index out of bounds"), None);
    }

    #[test]
    fn the_holder_line_round_trips_and_an_old_pid_alone_is_read() {
        let me = Holder::me("visit", "王 建国");
        assert_eq!(Holder::parse(&me.line()), me);
        let old = Holder::parse("4242\n");
        assert_eq!((old.pid.as_str(), old.command.as_str()), ("4242", "?"));
    }
}
