//! The TUI with the county's server, in a real terminal (tmux, 80×24): a TUI through the
//! server shows another client's change without a key press; a form confirmed on a case
//! changed since it opened is refused and kept; and a TUI that opened a ledger itself lets
//! the same account's `list` in instead of exiting 3. Skips without tmux, except in CI.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::server::Server;
use common::tmux::{self, Tmux};
use common::{succeeded, BIN, SAMPLE, SAMPLE_DAY as TODAY};

fn zhengdun(args: &[&str]) -> Output {
    common::server::client()
        .args(["--lang", "en"])
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    succeeded(&zhengdun(args), args)
}

fn sample(dir: &Path) -> PathBuf {
    let db = dir.join("ledger");
    ok(&["--db", db.to_str().unwrap(), "import", SAMPLE]);
    db
}

fn serve(db: &Path, socket: &Path) -> Server {
    Server::start(&mut common::server::serve(db, socket), socket)
}

#[test]
fn a_tui_through_the_server_shows_another_clients_change_and_refuses_a_stale_form() {
    if !tmux::available("server_tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = sample(dir.path());
    let socket = dir.path().join("z.sock");
    let _server = serve(&db, &socket);
    let server = socket.to_str().unwrap().to_string();
    let cmd = format!("env LANG=C.UTF-8 '{BIN}' --lang en --server '{server}'");
    let tmux = Tmux::start("server-live", &cmd);
    // the most overdue case, last visited on 08-18
    let s = tmux.wait_for_row("2017-LQ-015", "08-18");
    assert!(s.contains(TODAY), "the server's today: {s}");
    tmux.keys(&["j"]);
    // another client logs a visit: the TUI shows it without a key press
    ok(&[
        "--server",
        &server,
        "visit",
        "2017-LQ-015",
        "--kind",
        "visit",
        "--findings",
        "另一终端",
    ]);
    tmux.wait_for_row("2017-LQ-015", "09-15");

    // a visit form opened, then someone else changes the case
    tmux.keys(&["/"]);
    tmux.type_text("2017-SX-004");
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("2017-SX-004");
    tmux.keys(&["v"]);
    tmux.wait_for("Log a visit");
    tmux.type_text("表单里的字");
    tmux.wait_for("表单里的字");
    ok(&[
        "--server",
        &server,
        "visit",
        "2017-SX-004",
        "--kind",
        "routine",
        "--findings",
        "抢先一步",
    ]);
    tmux.keys(&["C-s"]);
    let s = tmux.wait_for("was changed after this form was opened");
    assert!(s.contains("表单里的字"), "what was typed is kept: {s}");
    let shown = ok(&["--server", &server, "show", "2017-SX-004"]);
    assert!(
        shown.contains("抢先一步") && !shown.contains("表单里的字"),
        "{shown}"
    );
    // a second Ctrl-S saves it on the case as it is now
    tmux.keys(&["C-s"]);
    tmux.wait_for("saved: ");
    let shown = ok(&["--server", &server, "show", "2017-SX-004"]);
    assert!(shown.contains("表单里的字"), "{shown}");
    tmux.keys(&["q"]);
}

#[test]
fn a_list_and_a_second_tui_work_while_a_tui_has_the_ledger_open() {
    if !tmux::available("server_tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = sample(dir.path());
    let dbs = db.to_str().unwrap().to_string();
    let cmd = format!("env LANG=C.UTF-8 '{BIN}' --lang en --today {TODAY} --db '{dbs}'");
    let first = Tmux::start("server-own-1", &cmd);
    first.wait_for("2017-LQ-015");
    // the same account's list: through the TUI, not refused
    let listed = ok(&["--db", &dbs, "--today", TODAY, "list", "--search", "qjc"]);
    assert!(listed.contains("cases"), "{listed}");
    let second = Tmux::start("server-own-2", &cmd);
    second.wait_for("2017-LQ-015");
    // a change in the second shows in the first
    ok(&[
        "--db",
        &dbs,
        "visit",
        "2017-LQ-015",
        "--kind",
        "visit",
        "--findings",
        "x",
        "--on",
        TODAY,
    ]);
    first.wait_for_row("2017-LQ-015", "09-15");
    second.wait_for_row("2017-LQ-015", "09-15");
    second.keys(&["q"]);
    first.keys(&["q"]);
    first.ended();
    // the socket is gone with the TUI, and the ledger opens as before
    assert!(!db.join(zhengdun::ledger::OWN_SOCKET).exists());
    assert!(ok(&["--db", &dbs, "verify"]).contains("chain intact"));
}

#[test]
fn a_tui_says_the_server_went_away_keeps_its_form_and_reconnects_when_it_is_back() {
    if !tmux::available("server_tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = sample(dir.path());
    let dbs = db.to_str().unwrap().to_string();
    let socket = dir.path().join("z.sock");
    let server = socket.to_str().unwrap().to_string();
    let running = serve(&db, &socket);
    let cmd = format!("env LANG=C.UTF-8 '{BIN}' --lang zh --server '{server}'");
    let tmux = Tmux::start("server-away", &cmd);
    tmux.wait_for_row("2017-LQ-015", "08-18");
    // a visit form on the first row, half typed
    tmux.keys(&["v"]);
    tmux.wait_for("记录走访");
    tmux.type_text("断线前写的");
    tmux.wait_for("断线前写的");

    // the server is killed: the status bar says so without a key press, the form stays
    drop(running);
    let s = tmux.wait_for("台账服务器已断开");
    assert!(s.contains("断线前写的"), "the form is kept: {s}");
    println!("server gone:\n{s}");
    // a command says so in one line
    let out = common::zhengdun()
        .args(["--lang", "zh", "--server", &server, "list"])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("无法连接台账服务器 {server}：没有服务器在监听")),
        "{err}"
    );
    // saving now is refused in the form, and what was typed stays
    tmux.keys(&["C-s"]);
    let s = tmux.wait_for("无法连接台账服务器");
    assert!(s.contains("断线前写的"), "the form is kept: {s}");

    // meanwhile someone changes the ledger itself (no server holds it now)
    ok(&[
        "--db",
        &dbs,
        "visit",
        "2017-LQ-016",
        "--kind",
        "visit",
        "--findings",
        "停机时的走访",
        "--today",
        TODAY,
    ]);
    // the server is back: the TUI reconnects by itself and reads everything again
    let _back = serve(&db, &socket);
    let s = tmux.wait_for("已重新连接台账服务器");
    assert!(s.contains("断线前写的"), "the form is kept: {s}");
    println!("server back:\n{s}");
    tmux.keys(&["C-s"]);
    tmux.wait_for("已保存");
    let s = tmux.wait_for_row("2017-LQ-016", "09-15");
    println!("saved and refreshed:\n{s}");
    let shown = ok(&["--server", &server, "show", "2017-LQ-015"]);
    assert!(shown.contains("断线前写的"), "{shown}");
    tmux.keys(&["q"]);
}

#[test]
fn a_tui_reconnected_to_a_ledger_brought_back_from_an_old_copy_says_it_was_rolled_back() {
    if !tmux::available("server_tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = sample(dir.path());
    let dbs = db.to_str().unwrap().to_string();
    let socket = dir.path().join("z.sock");
    let server = socket.to_str().unwrap().to_string();
    let backup = dir.path().join("old.json");
    ok(&["--db", &dbs, "backup", backup.to_str().unwrap()]);
    let running = serve(&db, &socket);
    let state = dir.path().join("state");
    let cmd = format!(
        "env LANG=C.UTF-8 XDG_STATE_HOME='{}' '{BIN}' --lang zh --server '{server}'",
        state.display()
    );
    let tmux = Tmux::start("server-rollback", &cmd);
    tmux.wait_for_row("2017-LQ-015", "08-18");
    // a change after the backup, seen by the TUI as it happens
    ok(&[
        "--server",
        &server,
        "visit",
        "2017-LQ-015",
        "--kind",
        "visit",
        "--findings",
        "备份之后",
    ]);
    tmux.wait_for_row("2017-LQ-015", "09-15");
    // the server's ledger is brought back from the older backup
    drop(running);
    tmux.wait_for("台账服务器已断开");
    let restored = dir.path().join("restored");
    ok(&[
        "--db",
        restored.to_str().unwrap(),
        "restore",
        backup.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&db).unwrap();
    std::fs::rename(&restored, &db).unwrap();
    let _back = serve(&db, &socket);
    let s = tmux.wait_for("被回退了");
    println!("rolled back:\n{s}");
    tmux.wait_for_row("2017-LQ-015", "08-18");
    tmux.keys(&["q"]);
}
