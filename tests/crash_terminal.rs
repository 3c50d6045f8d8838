//! The terminal survives every way out of the TUI: a panic (forced by F12 in debug builds
//! with ZHENGDUN_TEST_PANIC=1), SIGTERM and Ctrl-C while a form is half typed. Each runs the
//! real binary in tmux at 80×24 and checks, after it ended, that the alternate screen is
//! left, that the terminal is back in canonical mode with echo (what `stty` reports from
//! the same terminal), and that nothing half-typed was saved. Skips without tmux (fails
//! instead in CI, `CI=true`).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::path::Path;
use std::process::Command;

mod common;
use common::tmux::{self, Tmux};
use common::{on_ledger, succeeded, BIN};

/// A command on the ledger that must succeed: what it printed.
fn cli(db: &Path, args: &[&str]) -> String {
    let out = on_ledger(db)
        .args(["--lang", "en", "--today", "2017-09-15", "--as", "王建国"])
        .args(args)
        .output()
        .unwrap();
    succeeded(&out, args)
}

/// A ledger of one case, and a script that runs the TUI on it, then reports its exit code
/// and the terminal's mode from the same terminal.
fn setup(dir: &Path, env: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let db = dir.join("ledger");
    let case = common::new_case(
        "2017-YG-003",
        ["阳谷县", "阿城镇", "前进村"],
        "secretary_unfit",
        "2017-03-10",
    );
    cli(&db, &case);
    let script = dir.join("tui.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nenv LANG=C.UTF-8 RUST_BACKTRACE=0 {env} '{BIN}' --db '{}' --lang en --today 2017-09-15\n\
             echo EXIT=$?\n\
             stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '\n\
             echo MODE\n\
             sleep 60\n",
            db.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (db, script)
}

/// After the TUI ended: its exit code, and the terminal restored.
fn assert_restored(t: &Tmux, code: &str) -> String {
    let s = t.wait_for("MODE");
    assert!(s.contains(&format!("EXIT={code}")), "{s}");
    assert!(
        s.contains("icanon echo MODE"),
        "the terminal was left raw:\n{s}"
    );
    assert!(
        !t.alternate_screen(),
        "the alternate screen was left on:\n{s}"
    );
    s
}

/// Opens the case and types half a visit into the form, without saving it.
fn half_typed_visit(t: &Tmux) {
    t.wait_for("2017-YG-003");
    t.keys(&["Enter"]);
    t.wait_for("[Overview]");
    t.keys(&["v"]);
    t.wait_for("Log a visit");
    t.type_text("写了一半");
    t.wait_for("写了一半");
}

fn visits(db: &Path) -> usize {
    let out = cli(db, &["show", "2017-YG-003", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["visits"].as_array().map_or(0, |a| a.len())
}

/// Waits up to 20 s for the process of `proc_dir` (`/proc/PID`) to end.
fn assert_ends(proc_dir: &Path) {
    let started = std::time::Instant::now();
    while proc_dir.exists() && started.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        !proc_dir.exists(),
        "the TUI still runs 20 s after its terminal hung up"
    );
}

fn verify_passes(db: &Path) {
    cli(db, &["verify"]);
}

#[test]
fn a_panic_in_the_tui_restores_the_terminal() {
    if !tmux::available("crash_terminal") {
        return;
    }
    if !cfg!(debug_assertions) {
        println!("crash_terminal: the forced panic exists in debug builds only; skipping");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (db, script) = setup(dir.path(), "ZHENGDUN_TEST_PANIC=1");
    let t = Tmux::start("panic", script.to_str().unwrap());
    t.wait_for("2017-YG-003");
    assert!(t.alternate_screen());
    t.keys(&["F12"]);
    let s = assert_restored(&t, "101");
    assert!(s.contains("ZHENGDUN_TEST_PANIC: F12 pressed"), "{s}");
    verify_passes(&db);
}

#[test]
fn sigterm_restores_the_terminal_and_saves_nothing_half_done() {
    if !tmux::available("crash_terminal") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (db, script) = setup(dir.path(), "");
    let t = Tmux::start("term", script.to_str().unwrap());
    half_typed_visit(&t);
    // The TUI's own pid: the child of the pane's shell.
    let shell = t.run(&["display-message", "-p", "-t", "t", "#{pane_pid}"]);
    let out = Command::new("pgrep")
        .args(["-P", shell.trim()])
        .output()
        .unwrap();
    let pids = String::from_utf8_lossy(&out.stdout).to_string();
    let pid = pids.split_whitespace().next().expect("the TUI is running");
    assert!(Command::new("kill")
        .args(["-TERM", pid])
        .status()
        .unwrap()
        .success());
    let s = assert_restored(&t, "143");
    assert!(s.contains("stopped by a signal"), "{s}");
    assert_eq!(visits(&db), 0, "a half-typed visit was saved");
    verify_passes(&db);
}

/// Ctrl-C in a typed form asks before it drops what was typed (as Esc does); said yes, the
/// form goes without saving anything, and Ctrl-C again quits with the terminal restored.
#[test]
fn ctrl_c_restores_the_terminal_and_saves_nothing_half_done() {
    if !tmux::available("crash_terminal") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (db, script) = setup(dir.path(), "");
    let t = Tmux::start("ctrlc", script.to_str().unwrap());
    half_typed_visit(&t);
    t.keys(&["C-c"]);
    t.wait_for("Discard what was typed?");
    t.keys(&["y"]);
    t.keys(&["C-c"]);
    assert_restored(&t, "0");
    assert_eq!(visits(&db), 0, "a half-typed visit was saved");
    verify_passes(&db);
}

/// A terminal that goes away (an SSH connection that drops, a closed window) ends the TUI
/// within seconds rather than leaving it spinning on the dead terminal with the ledger
/// locked; nothing half-typed is saved, and the ledger opens again.
#[test]
fn a_terminal_that_hangs_up_ends_the_tui_and_frees_the_ledger() {
    if !tmux::available("crash_terminal") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = setup(dir.path(), "");
    let t = Tmux::start(
        "hangup",
        &format!(
            "exec env LANG=C.UTF-8 '{BIN}' --db '{}' --lang en --today 2017-09-15",
            db.display()
        ),
    );
    half_typed_visit(&t);
    let pid = t.run(&["display-message", "-p", "-t", "t", "#{pane_pid}"]);
    let proc_dir = Path::new("/proc").join(pid.trim());
    assert!(proc_dir.exists(), "no process {pid}");
    t.run(&["kill-server"]);
    assert_ends(&proc_dir);
    assert_eq!(visits(&db), 0);
    verify_passes(&db);
}

/// A terminal can hang up without a SIGHUP reaching the TUI: its shell ignores SIGHUP (as
/// `nohup` does), and the TUI is that shell's child, not the process the terminal hangs up on.
/// The TUI still ends, not to read a dead terminal for ever, and the demo's throw-away ledger
/// goes with it.
#[test]
fn a_terminal_that_hangs_up_with_sighup_ignored_ends_the_tui_and_its_demo_ledger() {
    if !tmux::available("crash_terminal") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let t = Tmux::start(
        "hangup-ignored",
        &format!(
            "trap '' HUP; env LANG=C.UTF-8 TMPDIR='{}' '{BIN}' --lang en --demo; echo EXIT=$?",
            tmp.display()
        ),
    );
    t.wait_for("2017-LQ-015");
    let shell = t.run(&["display-message", "-p", "-t", "t", "#{pane_pid}"]);
    let shell = shell.trim();
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap();
    let tui = children.split_whitespace().next().unwrap().to_string();
    let proc_dir = Path::new("/proc").join(&tui);
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        1,
        "the demo's ledger"
    );
    t.run(&["kill-server"]);
    assert_ends(&proc_dir);
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(left.is_empty(), "the demo's ledger was left: {left:?}");
}
