//! The server's socket on disk: made with the mode it must have whatever the umask (in a
//! private directory first, then moved into place), given to `--group`, and — when a killed
//! server left one behind — recognised as stale and replaced.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use crate::ledger::SOCKET_WORK_PREFIX;

/// Where `zhengdun serve` listens, and `zhengdun proxy` connects, without `--socket`: the
/// directory systemd makes for the unit in `contrib/` (`RuntimeDirectory=zhengdun`).
pub const DEFAULT_SOCKET: &str = "/run/zhengdun/zhengdun.sock";

/// Why the socket could not be made.
#[derive(Debug)]
pub enum SocketError {
    /// A server is listening there now.
    InUse(PathBuf),
    /// Something that is not a socket is in the way.
    NotASocket(PathBuf),
    Io {
        path: PathBuf,
        error: io::Error,
    },
}

fn io_at(path: &Path) -> impl Fn(io::Error) -> SocketError + '_ {
    move |error| SocketError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// Listens on `path`, reachable by this account and — with `group` — that group's members
/// only: the socket is `0600` (`0660` with a group), and a directory made for it `0700`
/// (`0750`). A socket left there by a server that is gone is replaced; one a server still
/// listens on is not.
pub fn bind(path: &Path, group: Option<u32>) -> Result<UnixListener, SocketError> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(io_at(parent))?;
        let mode = if group.is_some() { 0o750 } else { 0o700 };
        fs::set_permissions(parent, fs::Permissions::from_mode(mode)).map_err(io_at(parent))?;
        if group.is_some() {
            std::os::unix::fs::chown(parent, None, group).map_err(io_at(parent))?;
        }
    }
    remove_stale(path)?;
    // Made in a directory only this account can enter, with its mode and group set there,
    // then renamed into place: it is never reachable with the umask's mode.
    let work = tempfile::Builder::new()
        .prefix(SOCKET_WORK_PREFIX)
        .tempdir_in(parent)
        .map_err(io_at(parent))?;
    let made = work.path().join("s");
    let listener = UnixListener::bind(&made).map_err(io_at(&made))?;
    let mode = if group.is_some() { 0o660 } else { 0o600 };
    fs::set_permissions(&made, fs::Permissions::from_mode(mode)).map_err(io_at(&made))?;
    if group.is_some() {
        std::os::unix::fs::chown(&made, None, group).map_err(io_at(&made))?;
    }
    fs::rename(&made, path).map_err(io_at(path))?;
    Ok(listener)
}

/// Takes away a socket at `path` that nobody listens on (its server was killed).
fn remove_stale(path: &Path) -> Result<(), SocketError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_at(path)(e)),
    };
    if !meta.file_type().is_socket() {
        return Err(SocketError::NotASocket(path.to_path_buf()));
    }
    match UnixStream::connect(path) {
        Ok(_) => Err(SocketError::InUse(path.to_path_buf())),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            fs::remove_file(path).map_err(io_at(path))
        }
        Err(e) => Err(io_at(path)(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_is_private_whatever_the_umask_and_a_stale_one_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run").join("z.sock");
        let old = rustix::process::umask(rustix::fs::Mode::empty());
        let listener = bind(&path, None);
        rustix::process::umask(old);
        let listener = listener.unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        // a second server on the same socket is refused while the first listens
        assert!(matches!(bind(&path, None), Err(SocketError::InUse(_))));
        // once it is gone, its socket is stale and replaced
        drop(listener);
        let again = bind(&path, None).unwrap();
        assert!(UnixStream::connect(&path).is_ok());
        drop(again);
        // never a file that is not a socket
        let file = dir.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(matches!(bind(&file, None), Err(SocketError::NotASocket(_))));
    }
}
