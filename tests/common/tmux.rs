//! The real binary in a real terminal: a tmux session of 80×24 on its own socket, killed
//! when the value drops. Shared by the end-to-end tests.

use std::process::Command;
use std::thread::sleep;
use std::time::Duration;

/// Whether tmux is installed; says so when it is not, so the test can skip. In CI
/// (`CI=true`) a missing tmux fails the test instead: the terminal tests must run there.
pub fn available(test: &str) -> bool {
    let ok = Command::new("tmux").arg("-V").output().is_ok();
    if !ok {
        assert!(
            !in_ci(),
            "{test}: tmux is not installed, and with CI=true the terminal tests may not be \
             skipped (.ci/run installs tmux)"
        );
        println!("{test}: tmux is not installed; skipping");
    }
    ok
}

/// Whether this is a CI run (`CI=true`, as CI services set it), where no test may skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` (run by tmux's shell) in a detached 80×24 session.
    pub fn start(name: &str, command: &str) -> Tmux {
        let t = Tmux {
            socket: format!("zhengdun-{name}-{}", std::process::id()),
        };
        t.run(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "80",
            "-y",
            "24",
            command,
        ]);
        t
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-u")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends keys by tmux's names (`Enter`, `C-s`, `F12`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend(keys);
        self.run(&args);
        sleep(Duration::from_millis(150));
    }

    /// Types text literally (Chinese included), as an input method would send it.
    pub fn type_text(&self, s: &str) {
        self.run(&["send-keys", "-t", "t", "-l", s]);
        sleep(Duration::from_millis(150));
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t"])
    }

    /// Polls the screen until `what` shows (up to ~15 s), and returns it.
    pub fn wait_for(&self, what: &str) -> String {
        let mut s = String::new();
        for _ in 0..150 {
            s = self.screen();
            if s.contains(what) {
                return s;
            }
            sleep(Duration::from_millis(100));
        }
        panic!("\"{what}\" never showed; the screen was:\n{s}");
    }

    /// Polls the screen (up to ~10 s) until its line holding `row` also holds `what`, and
    /// returns it.
    pub fn wait_for_row(&self, row: &str, what: &str) -> String {
        let mut s = String::new();
        for _ in 0..100 {
            s = self.screen();
            if s.lines().any(|l| l.contains(row) && l.contains(what)) {
                return s;
            }
            sleep(Duration::from_millis(100));
        }
        panic!("{row} never showed {what}; the screen was:\n{s}");
    }

    /// Whether the session (the program in it) still runs.
    pub fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["-L", &self.socket, "has-session", "-t", "t"])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Waits (up to ~5 s) for the program in the session to end; whether it did.
    pub fn ended(&self) -> bool {
        for _ in 0..200 {
            if !self.alive() {
                return true;
            }
            sleep(Duration::from_millis(25));
        }
        !self.alive()
    }

    /// Where the terminal's cursor is: (column, row) in cells.
    pub fn cursor(&self) -> (usize, usize) {
        let out = self.run(&[
            "display-message",
            "-p",
            "-t",
            "t",
            "#{cursor_x} #{cursor_y}",
        ]);
        let mut n = out.split_whitespace().map(|v| v.parse().unwrap_or(0));
        (n.next().unwrap_or(0), n.next().unwrap_or(0))
    }

    pub fn alternate_screen(&self) -> bool {
        self.run(&["display-message", "-p", "-t", "t", "#{alternate_on}"])
            .trim()
            == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}
