//! A real `zhengdun serve` for the tests: started, waited for until it listens, stopped as
//! systemd stops it (SIGTERM) or killed (`kill -9`); killed when the value drops.

use std::io::Read;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::{on_ledger, SAMPLE_DAY};

/// `zhengdun serve` on the ledger in `db`, on the sample's day, listening on `socket`, with
/// nothing printed (a caller wanting its log pipes stderr).
pub fn serve(db: &Path, socket: &Path) -> Command {
    let mut cmd = on_ledger(db);
    cmd.args(["serve", "--today", SAMPLE_DAY, "--socket"])
        .arg(socket)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// The binary as a client of the server it is told of (`--server`) and no other: neither
/// `ZHENGDUN_SERVER` nor a user's config file names one.
pub fn client() -> Command {
    let mut cmd = super::zhengdun();
    cmd.env_remove("ZHENGDUN_SERVER")
        .env("XDG_CONFIG_HOME", "/nonexistent");
    cmd
}

pub struct Server(Child);

impl Server {
    /// Starts `serve` and waits until it listens on `socket`.
    pub fn start(serve: &mut Command, socket: &Path) -> Server {
        let mut child = serve.spawn().unwrap();
        listening(&mut child, socket);
        Server(child)
    }

    pub fn id(&self) -> u32 {
        self.0.id()
    }

    pub fn child(&mut self) -> &mut Child {
        &mut self.0
    }

    /// SIGTERM, and how it ended.
    pub fn stop(&mut self) -> ExitStatus {
        let _ = rustix::process::kill_process(
            rustix::process::Pid::from_child(&self.0),
            rustix::process::Signal::TERM,
        );
        self.0.wait().unwrap()
    }

    /// `kill -9`, and reaped.
    pub fn kill_9(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until `server` listens on `socket`. A server that ends first fails the test with
/// what it said (when its stderr is piped); the bound only catches a hang (a loaded machine
/// may take long to start a debug build, which is not what these tests measure).
pub fn listening(server: &mut Child, socket: &Path) {
    let started = Instant::now();
    while UnixStream::connect(socket).is_err() {
        if let Some(status) = server.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = server.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("the server ended ({status}) before it listened: {err}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the server never listened on {} (waited 180 s)",
            socket.display()
        );
        sleep(Duration::from_millis(20));
    }
}
