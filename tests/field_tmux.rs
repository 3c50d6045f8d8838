//! A field copy in the TUI, in a real terminal (tmux, 80×24, Chinese text): a township
//! secretary's copy made from `zhengdun serve`, the server stopped; a visit and a task
//! recorded in the TUI, a stage move on the command line; the clerk reopens that case on the
//! server meanwhile; `S` in the TUI syncs, with its progress in the status bar, and shows the
//! conflict on its own screen, where it is dropped after a confirmation. Needs root (the
//! copy is another account's) and tmux; skips without them, except in CI.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::path::Path;
use std::process::Output;

mod common;
use common::accounts::{account, client, home_of, skip_unless_root, users};
use common::server::Server;
use common::tmux::{self, Tmux};
use common::{succeeded, BIN, SAMPLE, SAMPLE_DAY as TODAY};

const LOGIN: &str = "zdfldtui";

/// A client: this account (`None`) or `uid`, in Chinese, on the test's day.
fn run(uid: Option<u32>, args: &[&str]) -> Output {
    client(uid).args(args).output().unwrap()
}

fn ok(uid: Option<u32>, args: &[&str]) -> String {
    succeeded(&run(uid, args), args)
}

fn serve(db: &Path, socket: &Path) -> Server {
    let mut cmd = common::server::serve(db, socket);
    cmd.args(["--group", "users"]);
    Server::start(&mut cmd, socket)
}

#[test]
fn a_field_copy_in_the_tui_records_offline_syncs_and_shows_the_conflict() {
    if !tmux::available("field tmux") {
        return;
    }
    if skip_unless_root("field tmux") {
        return;
    }
    let uid = account(LOGIN);
    let dir = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = dir.path().join("ledger");
    let db_s = db.to_str().unwrap();
    ok(None, &["--db", db_s, "import", SAMPLE]);
    ok(
        None,
        &[
            "--db",
            db_s,
            "user",
            "add",
            LOGIN,
            "--name",
            "孙立华",
            "--role",
            "township",
            "--county",
            "阳谷县",
            "--township",
            "石佛镇",
        ],
    );
    let socket = dir.path().join("zhengdun.sock");
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    std::os::unix::fs::chown(&home, Some(uid), None).unwrap();
    let copy = home.join("copy");
    let copy_s = copy.to_str().unwrap();
    let mut server = serve(&db, &socket);
    ok(
        Some(uid),
        &["--db", copy_s, "checkout", socket.to_str().unwrap()],
    );
    server.stop();
    drop(server);

    // offline, in the TUI: a visit and a task on 西菜园村, typed in Chinese
    let tui = format!(
        "env HOME={home} XDG_CONFIG_HOME={home}/.config ZHENGDUN_TODAY={TODAY} \
         setpriv --reuid={uid} --regid={} --clear-groups {BIN} --db {copy_s}",
        users(),
        home = home_of(Some(uid)).display()
    );
    let t = Tmux::start("field", &tui);
    t.wait_for("孙立华");
    t.keys(&["/"]);
    t.type_text("xicaiyuan");
    t.keys(&["Enter"]);
    t.keys(&["v"]);
    t.wait_for("记录走访");
    t.type_text("入户走访，查看村活动场所");
    t.keys(&["C-s"]);
    t.wait_for("已保存");
    t.keys(&["t"]);
    t.wait_for("整改措施");
    t.type_text("修缮村活动室");
    t.keys(&["Tab", "Tab"]);
    t.type_text("2017-11-30");
    t.keys(&["C-s"]);
    let screen = t.wait_for("已保存");
    assert!(screen.contains("添加整改任务"), "{screen}");
    // the list says what waits to be sent
    t.keys(&["Escape"]);
    t.wait_for("待同步 2");
    // and on the command line, through the TUI that holds the copy: a stage move
    ok(
        Some(uid),
        &[
            "--db",
            copy_s,
            "adjust",
            "2017-YG-017",
            "--none",
            "班子健全",
        ],
    );
    ok(Some(uid), &["--db", copy_s, "advance", "2017-YG-017"]);
    t.wait_for("待同步 4");

    // the server is back; the clerk reopens the case meanwhile
    let _server = serve(&db, &socket);
    let clerk = ["--server", socket.to_str().unwrap()];
    let reopen = [
        "reopen",
        "2017-YG-017",
        "--to",
        "identified",
        "--reason",
        "复查发现问题",
    ];
    ok(None, &[&clerk[..], &reopen[..]].concat());
    t.keys(&["S"]);
    let screen = t.wait_for("同步完成");
    assert!(screen.contains("冲突和被拒的变更（2项）"), "{screen}");
    assert!(screen.contains("取副本之后root已改动此案"), "{screen}");
    assert!(screen.contains("其间：root"), "{screen}");
    // nothing wider than the terminal
    for line in screen.lines() {
        assert!(zhengdun::text::width(line) <= 80, "{line}");
    }
    // the advance is dropped, after a confirmation
    t.keys(&["j", "D"]);
    t.wait_for("此变更将不再同步");
    t.keys(&["y"]);
    let screen = t.wait_for("已从待同步清单删除第4项");
    assert!(screen.contains("冲突和被拒的变更（1项）"), "{screen}");
    // the help lists the keys of the conflicts screen
    t.keys(&["?"]);
    t.type_text("同步");
    let help = t.wait_for("同步外业副本");
    assert!(help.contains("冲突清单"), "{help}");
    t.keys(&["Escape", "Escape"]);
    t.wait_for("冲突和被拒的变更（1项）");
    t.keys(&["Escape"]);
    // back on the list: nothing waits (the one kept is a conflict, not sent again)
    let list = t.wait_for("待同步 0");
    assert!(list.contains("显示"), "{list}");
    t.keys(&["q"]);

    // on the server: the visit and the task with the secretary's name and the day
    let shown = ok(None, &[&clerk[..], &["show", "2017-YG-017"]].concat());
    assert!(shown.contains("2017-09-15 走访 孙立华"), "{shown}");
    assert!(shown.contains("入户走访，查看村活动场所"), "{shown}");
    assert!(shown.contains("修缮村活动室"), "{shown}");
    assert!(shown.contains("孙立华(zdfldtui)"), "{shown}");
    assert!(!shown.contains("班子健全"), "{shown}");
    assert!(ok(None, &[&clerk[..], &["verify"]].concat()).contains("哈希链完整"));
    t.ended();
    assert!(ok(Some(uid), &["--db", copy_s, "verify"]).contains("哈希链完整"));
    let status = ok(Some(uid), &["--db", copy_s, "sync", "--status"]);
    assert!(status.contains("待发送0项，冲突或被拒1项"), "{status}");
}
