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

use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

mod tmux_support;
use tmux_support::Tmux;

const BIN: &str = env!("CARGO_BIN_EXE_zhengdun");
const TODAY: &str = "2017-09-15";
const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/sample-data/liaocheng-2017.json"
);
const LOGIN: &str = "zdfldtui";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn uid_of(login: &str) -> Option<u32> {
    let out = Command::new("id").args(["-u", login]).output().ok()?;
    text(&out.stdout).trim().parse().ok()
}

fn users() -> u32 {
    zhengdun::server::identity::group_id("users").expect("a group 'users'")
}

/// A home directory of the account's own for the test's processes (its config file and
/// state are looked for there), under the system's temporary directory.
fn home_of(uid: Option<u32>) -> std::path::PathBuf {
    let name = match uid {
        Some(u) => format!("zhengdun-field-home-{u}"),
        None => format!(
            "zhengdun-field-home-{}",
            rustix::process::geteuid().as_raw()
        ),
    };
    let home = std::env::temp_dir().join(name);
    if !home.exists() {
        std::fs::create_dir_all(&home).unwrap();
        if let Some(u) = uid {
            std::os::unix::fs::chown(&home, Some(u), None).unwrap();
        }
    }
    home
}

/// A client: this account (`None`) or `uid`, in Chinese, on the test's day.
fn run(uid: Option<u32>, args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("ZHENGDUN_SERVER")
        .env("ZHENGDUN_TODAY", TODAY)
        .env("HOME", home_of(uid))
        .env("XDG_CONFIG_HOME", home_of(uid).join(".config"));
    if let Some(uid) = uid {
        cmd.uid(uid).gid(users());
    }
    cmd.output().unwrap()
}

fn ok(uid: Option<u32>, args: &[&str]) -> String {
    let out = run(uid, args);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db: &Path, socket: &Path) -> Server {
    let child = Command::new(BIN)
        .args(["--db", db.to_str().unwrap(), "serve", "--group", "users"])
        .args(["--today", TODAY, "--socket"])
        .arg(socket)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while UnixStream::connect(socket).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never listened"
        );
        sleep(Duration::from_millis(20));
    }
    Server(child)
}

fn stop(mut s: Server) {
    let _ = rustix::process::kill_process(
        rustix::process::Pid::from_child(&s.0),
        rustix::process::Signal::TERM,
    );
    let _ = s.0.wait();
    std::mem::forget(s);
}

#[test]
fn a_field_copy_in_the_tui_records_offline_syncs_and_shows_the_conflict() {
    if !tmux_support::available("field tmux") {
        return;
    }
    if !rustix::process::geteuid().is_root() {
        assert!(!tmux_support::in_ci(), "in CI this test must run as root");
        println!("field tmux: not root; skipping");
        return;
    }
    if uid_of(LOGIN).is_none() {
        let out = Command::new("useradd")
            .args(["-M", "-N", "-g", "users", "-s", "/usr/sbin/nologin", LOGIN])
            .output()
            .unwrap();
        assert!(out.status.success() || out.status.code() == Some(9));
    }
    let uid = uid_of(LOGIN).unwrap();
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
    let server = serve(&db, &socket);
    ok(
        Some(uid),
        &["--db", copy_s, "checkout", socket.to_str().unwrap()],
    );
    stop(server);

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
    t.keys(&["Escape", "Escape", "q"]);

    // on the server: the visit and the task with the secretary's name and the day
    let shown = ok(None, &[&clerk[..], &["show", "2017-YG-017"]].concat());
    assert!(shown.contains("2017-09-15 走访 孙立华"), "{shown}");
    assert!(shown.contains("入户走访，查看村活动场所"), "{shown}");
    assert!(shown.contains("修缮村活动室"), "{shown}");
    assert!(shown.contains("孙立华(zdfldtui)"), "{shown}");
    assert!(!shown.contains("班子健全"), "{shown}");
    assert!(ok(None, &[&clerk[..], &["verify"]].concat()).contains("哈希链完整"));
    let started = Instant::now();
    while t.alive() && started.elapsed() < Duration::from_secs(5) {
        sleep(Duration::from_millis(50));
    }
    assert!(ok(Some(uid), &["--db", copy_s, "verify"]).contains("哈希链完整"));
    let status = ok(Some(uid), &["--db", copy_s, "sync", "--status"]);
    assert!(status.contains("待发送0项，冲突或被拒1项"), "{status}");
}
