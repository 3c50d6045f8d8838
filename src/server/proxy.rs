//! `zhengdun proxy [--socket PATH]`: what `--server ssh://host` runs on the county machine.
//! It bridges its standard input and output to the server's socket, byte for byte, so
//! that SSH authenticates and encrypts and zhengdun opens no network port of its own. The
//! server sees the account SSH logged in as, from the socket's peer credentials.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use crate::i18n::Lang;
use crate::ledger;
use crate::ledger::protocol::{self, Hello, Welcome};
use crate::session::{exit, Failure};

/// Copies until either side ends. When the socket cannot be reached, the client is told
/// so as a server refuses, in a welcome, and says it in one line in its user's language;
/// the proxy's own message (in `--lang`, which the client passes) goes to standard error,
/// and through ssh to the user, only when that welcome cannot be written.
pub fn proxy(socket: &Path, lang: Lang) -> Result<(), Failure> {
    let unreachable = |e: &io::Error| ledger::Error::Unreachable {
        server: socket.display().to_string(),
        detail: ledger::Broken::of(e),
    };
    let failure = |e: ledger::Error| Failure {
        code: exit::DATABASE,
        message: e.message(lang),
    };
    let stream = match UnixStream::connect(socket) {
        Ok(s) => s,
        Err(e) => {
            let hello = Hello::ours();
            let welcome = Welcome {
                protocol: hello.protocol,
                version: hello.version,
                refused: Some(unreachable(&e)),
                ctx: None,
                location: String::new(),
                head: None,
            };
            return match protocol::write_frame(&mut io::stdout().lock(), &welcome) {
                Ok(()) => Err(Failure::silent(exit::DATABASE)),
                Err(_) => Err(failure(unreachable(&e))),
            };
        }
    };
    let mut to_server = stream.try_clone().map_err(|e| failure(unreachable(&e)))?;
    let up = std::thread::Builder::new()
        .name("proxy-up".into())
        .spawn(move || {
            let _ = copy(&mut io::stdin().lock(), &mut to_server);
            // the client is done: let the server see the end
            let _ = to_server.shutdown(std::net::Shutdown::Write);
        });
    if let Err(e) = up {
        return Err(failure(unreachable(&e)));
    }
    let mut from_server = stream;
    let _ = copy(&mut from_server, &mut io::stdout().lock());
    Ok(())
}

/// `io::copy`, flushing after each read so that a frame is never held back.
fn copy(from: &mut impl Read, to: &mut impl Write) -> io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        to.write_all(buf.get(..n).unwrap_or_default())?;
        to.flush()?;
    }
}
