//! The county's server with real processes: `zhengdun serve`, clients of the CLI (as this
//! account and, when the tests run as root, as other accounts), raw connections that send
//! what no client would, `kill -9` in the middle of a stream of writes, SIGTERM.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use zhengdun::domain::{Command as Change, Visit, VisitKind};
use zhengdun::ledger::protocol::{self, Hello};
use zhengdun::ledger::{Ledger, Remote};

mod common;
use common::accounts::{account, am_root};
use common::server::{serve, Server};
use common::{text, BIN, SAMPLE, SAMPLE_DAY as TODAY};

struct Served {
    dir: tempfile::TempDir,
    db: PathBuf,
    socket: PathBuf,
    server: Option<Server>,
}

impl Served {
    /// A sample ledger and `zhengdun serve` on it, listening.
    fn start(group: Option<&str>) -> Served {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("ledger");
        let out = zhengdun(&["--db", db.to_str().unwrap(), "import", SAMPLE]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        // a directory others may enter, as /run is: the socket's own mode decides
        let socket = dir.path().join("run").join("zhengdun.sock");
        let mut s = Served {
            dir,
            db,
            socket,
            server: None,
        };
        s.serve(group);
        s
    }

    fn serve(&mut self, group: Option<&str>) {
        let mut cmd = serve(&self.db, &self.socket);
        cmd.args(["--lang", "en"]).stderr(Stdio::piped());
        if let Some(g) = group {
            cmd.args(["--group", g]);
        }
        self.server = Some(Server::start(&mut cmd, &self.socket));
    }

    fn client(&self, args: &[&str]) -> Output {
        let mut all = vec!["--lang", "en", "--server", self.socket.to_str().unwrap()];
        all.extend_from_slice(args);
        zhengdun(&all)
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.client(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    }

    fn remote(&self) -> Remote {
        Remote::connect(self.socket.to_str().unwrap(), None).unwrap()
    }

    fn kill_9(&mut self) {
        if let Some(mut c) = self.server.take() {
            c.kill_9();
        }
    }
}

fn zhengdun(args: &[&str]) -> Output {
    common::server::client().args(args).output().unwrap()
}

fn visit(findings: &str) -> Change {
    Change::LogVisit(Visit {
        on: zhengdun::interchange::dates::parse(TODAY).unwrap(),
        by: "王建国".into(),
        kind: VisitKind::Visit,
        findings: findings.into(),
    })
}

#[test]
fn clients_share_one_ledger_and_the_server_knows_who_they_are() {
    let s = Served::start(None);
    // the socket is the server's account's only, whatever the umask
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&s.socket).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let me = zhengdun::server::identity::account_name(rustix::process::geteuid().as_raw()).unwrap();
    s.ok(&[
        "visit",
        "2017-YG-003",
        "--kind",
        "visit",
        "--findings",
        "服务器上的走访",
    ]);
    let shown = s.ok(&["show", "2017-YG-003"]);
    // recorded by the account, on the server's today
    assert!(
        shown.contains(&format!("{me} visit {TODAY} visit {me} — 服务器上的走访")),
        "{shown}"
    );
    let listed = s.ok(&["list", "--search", "qjc", "--format", "csv"]);
    assert!(listed.lines().count() > 2, "{listed}");
    // --as naming someone else is refused, exit 2
    let out = s.client(&[
        "--as",
        "张三",
        "visit",
        "2017-YG-003",
        "--kind",
        "visit",
        "--findings",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cannot name someone else"),
        "{}",
        text(&out.stderr)
    );
    // --as naming oneself is no refusal
    s.ok(&["--as", &me, "stats"]);
    // a client given the --db the server holds goes through it instead of exiting 3
    let out = zhengdun(&[
        "--lang",
        "en",
        "--db",
        s.db.to_str().unwrap(),
        "list",
        "--overdue",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let backup = s.dir.path().join("b.json");
    let out = zhengdun(&[
        "--db",
        s.db.to_str().unwrap(),
        "backup",
        backup.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // a second server on the same ledger is refused, naming the first one's pid
    let pid = s.server.as_ref().unwrap().id().to_string();
    let out = zhengdun(&[
        "--lang",
        "en",
        "--db",
        s.db.to_str().unwrap(),
        "serve",
        "--socket",
        s.dir.path().join("other.sock").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains(&format!("pid {pid}")),
        "{}",
        text(&out.stderr)
    );
    assert!(s.ok(&["verify"]).contains("chain intact"));
}

#[test]
fn through_ssh_a_proxy_bridges_to_the_socket() {
    let s = Served::start(None);
    // a stand-in for ssh on PATH: drops its options and the host, runs the command here
    let bin = s.dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let ssh = bin.join("ssh");
    let zdir = Path::new(BIN).parent().unwrap().display().to_string();
    std::fs::write(
        &ssh,
        format!(
            "#!/bin/sh\nwhile [ \"$1\" != \"--\" ]; do shift; done\nshift; shift\nPATH={zdir}:$PATH exec \"$@\"\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let url = format!("ssh://leader@county{}", s.socket.display());
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(["--lang", "en", "--server", &url])
            .args(args)
            .env("PATH", &path)
            .output()
            .unwrap()
    };
    let out = run(&[
        "visit",
        "2017-YG-007",
        "--kind",
        "routine",
        "--findings",
        "经SSH",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(s.ok(&["show", "2017-YG-007"]).contains("经SSH"));
    // a config file naming the server does the same, without --server
    let config = s.dir.path().join("config");
    std::fs::create_dir_all(config.join("zhengdun")).unwrap();
    std::fs::write(
        config.join("zhengdun/config.toml"),
        format!("server = \"{url}\"\n"),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["--lang", "en", "show", "2017-YG-007"])
        .env("PATH", &path)
        .env("XDG_CONFIG_HOME", &config)
        .env_remove("ZHENGDUN_SERVER")
        .output()
        .unwrap();
    assert!(text(&out.stdout).contains("经SSH"), "{}", text(&out.stderr));
    // a server that is not there: one line, exit 3
    let out = Command::new(BIN)
        .args([
            "--lang",
            "en",
            "--server",
            "ssh://county/nowhere.sock",
            "stats",
        ])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("cannot reach the ledger server"));
}

#[test]
fn sigterm_finishes_flushes_and_removes_the_socket_and_a_stale_one_is_replaced() {
    let mut s = Served::start(None);
    s.ok(&[
        "visit",
        "2017-YG-003",
        "--kind",
        "visit",
        "--findings",
        "停止之前",
    ]);
    let mut server = s.server.take().unwrap();
    let status = server.stop();
    assert_eq!(status.code(), Some(0));
    let mut err = String::new();
    server
        .child()
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.contains("stopped: every change is on disk"), "{err}");
    assert!(!s.socket.exists(), "the socket is removed");
    assert!(!s.db.join(zhengdun::ledger::SERVER_FILE).exists());
    // killed: its socket stays behind, and the next server replaces it; so does the file
    // naming the socket when the kill came while it was being written
    s.serve(None);
    s.kill_9();
    assert!(s.socket.exists());
    let partial =
        s.db.join(format!("{}4321", zhengdun::ledger::SERVER_FILE_WORK_PREFIX));
    std::fs::write(&partial, "/half/writ").unwrap();
    s.serve(None);
    let started = Instant::now();
    while partial.exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "never removed");
        sleep(Duration::from_millis(20));
    }
    assert!(s.ok(&["show", "2017-YG-003"]).contains("停止之前"));
}

#[test]
fn kill_9_during_a_stream_of_writes_loses_no_acknowledged_change() {
    let mut s = Served::start(None);
    let socket = s.socket.clone();
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let socket = socket.clone();
            std::thread::spawn(move || {
                let remote = Remote::connect(socket.to_str().unwrap(), None).unwrap();
                let mut acknowledged = Vec::new();
                for n in 0.. {
                    let findings = format!("写入{w}-{n}");
                    match remote.execute("2017-YG-003", &[visit(&findings)], None) {
                        Ok(_) => acknowledged.push(findings),
                        Err(_) => break,
                    }
                }
                acknowledged
            })
        })
        .collect();
    sleep(Duration::from_millis(700));
    s.kill_9();
    let acknowledged: Vec<String> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(
        acknowledged.len() > 3,
        "the writers got going: {}",
        acknowledged.len()
    );
    s.serve(None);
    let case = s.remote().case("2017-YG-003").unwrap();
    for f in &acknowledged {
        assert!(case.visits.iter().any(|v| &v.findings == f), "{f} was lost");
    }
    assert!(s.ok(&["verify"]).contains("chain intact"));
}

#[test]
fn a_malformed_an_oversized_or_a_cut_frame_closes_that_connection_only() {
    let s = Served::start(None);
    let good = s.remote();
    let hello = protocol::encode(&Hello::ours()).unwrap();
    let closed = |mut c: UnixStream| {
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut rest = Vec::new();
        // the server may send its welcome first; then the connection ends
        let _ = c.read_to_end(&mut rest);
    };
    // not JSON at all, before the hello
    let mut c = UnixStream::connect(&s.socket).unwrap();
    c.write_all(&[0, 0, 0, 5, b'{', b'x', b'x', b'x', b'}'])
        .unwrap();
    closed(c);
    // a hello, then a frame that is no request
    let mut c = UnixStream::connect(&s.socket).unwrap();
    c.write_all(&hello).unwrap();
    c.write_all(&protocol::encode(&"not a request").unwrap())
        .unwrap();
    closed(c);
    // a length over the bound: refused before anything of it is read
    let mut c = UnixStream::connect(&s.socket).unwrap();
    c.write_all(&hello).unwrap();
    c.write_all(&u32::MAX.to_be_bytes()).unwrap();
    closed(c);
    // cut in the middle of a request: the client went away; nothing half-written
    let mut c = UnixStream::connect(&s.socket).unwrap();
    c.write_all(&hello).unwrap();
    let request = protocol::encode(&protocol::Request {
        id: 1,
        call: protocol::Call::Execute {
            id: "2017-YG-003".into(),
            commands: vec![visit("半截请求")],
            expected: None,
        },
    })
    .unwrap();
    c.write_all(&request[..request.len() / 2]).unwrap();
    drop(c);
    // a whole request whose client died before the reply: written whole, and kept
    let mut c = UnixStream::connect(&s.socket).unwrap();
    c.write_all(&hello).unwrap();
    let _: protocol::Welcome = protocol::read(&mut c).unwrap().unwrap();
    let request = protocol::encode(&protocol::Request {
        id: 1,
        call: protocol::Call::Execute {
            id: "2017-YG-003".into(),
            commands: vec![visit("整个请求")],
            expected: None,
        },
    })
    .unwrap();
    c.write_all(&request).unwrap();
    drop(c);
    // the other client was never disturbed
    good.execute("2017-YG-003", &[visit("另一个客户端")], None)
        .unwrap();
    sleep(Duration::from_millis(300));
    let case = good.case("2017-YG-003").unwrap();
    let has = |f: &str| case.visits.iter().any(|v| v.findings == f);
    assert!(has("另一个客户端") && has("整个请求") && !has("半截请求"));
    assert!(good.verify().unwrap().problems.is_empty());
}

#[test]
fn the_welcome_carries_the_head_and_a_later_head_is_asked_afresh() {
    let s = Served::start(None);
    let writer = s.remote();
    let reader = s.remote();
    // a command's rollback check: the head its welcome brought, with no round trip
    let before = reader.head().unwrap();
    writer
        .execute("2017-YG-003", &[visit("欢迎之后的走访")], None)
        .unwrap();
    let mut c = UnixStream::connect(&s.socket).unwrap();
    protocol::write_frame(&mut c, &Hello::ours()).unwrap();
    let welcome: protocol::Welcome = protocol::read(&mut c).unwrap().unwrap();
    let now = welcome.head.expect("the welcome names the head");
    assert!(now.seq > before.seq && now.first == before.first);
    // the welcome's head serves once: asked again, the server says where it is now
    assert_eq!(reader.head().unwrap(), now);
}

#[test]
fn a_client_of_another_protocol_version_is_told_so() {
    let s = Served::start(None);
    let mut c = UnixStream::connect(&s.socket).unwrap();
    let old = Hello {
        protocol: 0,
        version: "0.0.1".into(),
        name: None,
    };
    protocol::write_frame(&mut c, &old).unwrap();
    let welcome: protocol::Welcome = protocol::read(&mut c).unwrap().unwrap();
    let refused = welcome.refused.expect("refused");
    let message = refused.message(zhengdun::i18n::Lang::En);
    assert!(
        message.contains(&format!("protocol {}", protocol::PROTOCOL))
            && message.contains("0 (zhengdun 0.0.1)"),
        "{message}"
    );
}

#[test]
fn a_change_confirmed_on_an_old_version_is_refused_over_the_server() {
    let s = Served::start(None);
    let a = s.remote();
    let b = s.remote();
    let seen = a.case("2017-YG-003").unwrap();
    let version = zhengdun::ledger::case_version(&seen);
    let changes = a.subscribe();
    b.execute("2017-YG-003", &[visit("别人先改")], None)
        .unwrap();
    // pushed to the other client
    let notice = changes.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(notice.case_ids, vec!["2017-YG-003".to_string()]);
    let err = a
        .execute("2017-YG-003", &[visit("过时的表单")], Some(&version))
        .unwrap_err();
    let message = err.message(zhengdun::i18n::Lang::En);
    assert!(
        message.contains("was changed after this form was opened"),
        "{message}"
    );
    assert!(message.contains("visit by"), "{message}");
}

/// Accounts other than the server's: run as root (as CI does), clients run under other
/// uids with `Command::uid`. Members of `--group` (here by the process's gid) reach the
/// socket; an account with no name is refused naming its uid; others cannot reach it.
#[test]
fn other_accounts_reach_the_socket_through_the_group_and_are_named() {
    if !am_root() {
        assert!(
            std::env::var("CI").is_err(),
            "in CI this test must run as root"
        );
        println!("server: not root, so no other accounts to run clients as; skipping");
        return;
    }
    let users = zhengdun::server::identity::group_id("users").expect("a group 'users'");
    let nobody = 65534;
    let mut s = Served::start(Some("users"));
    // others must be able to enter the directories on the way to the socket and the binary
    for d in [s.dir.path(), &s.dir.path().join("run")] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let as_account = |uid: u32, gid: u32, args: &[&str]| {
        Command::new(BIN)
            .args(["--lang", "en", "--server", s.socket.to_str().unwrap()])
            .args(args)
            .env("HOME", "/nonexistent")
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .uid(uid)
            .gid(gid)
            .output()
            .unwrap()
    };
    // in the group and in the roster (the server's account, a clerk, adds it): works,
    // recorded under its roster name
    let login = zhengdun::server::identity::account_name(nobody).unwrap();
    s.ok(&["user", "add", &login, "--name", "值班员", "--role", "clerk"]);
    let out = as_account(
        nobody,
        users,
        &[
            "visit",
            "2017-YG-003",
            "--kind",
            "visit",
            "--findings",
            "组员走访",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = s.ok(&["show", "2017-YG-003"]);
    assert!(shown.contains(&format!("值班员({login}) visit")), "{shown}");
    // in the group but not in the roster: refused, naming the account
    let daemon = zhengdun::server::identity::account_name(1).unwrap();
    let out = as_account(1, users, &["stats"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(&format!("does not know the account {daemon}")),
        "{}",
        text(&out.stderr)
    );
    // not in the group: the socket cannot be reached
    let out = as_account(nobody, nobody, &["stats"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cannot reach"),
        "{}",
        text(&out.stderr)
    );
    // an account without a name: refused, naming it
    let out = as_account(54_321, users, &["stats"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("uid 54321"),
        "{}",
        text(&out.stderr)
    );
    s.kill_9();
}

/// What a step of the role table expects.
#[derive(Debug, Clone, Copy)]
enum Expect {
    Done,
    /// Refused for the role: exit 1, naming the role, what was asked and what it may do.
    Cannot(&'static str, &'static str),
    /// Refused for the case being someone else's: exit 1, naming the role and the scope.
    NotOwn(&'static str, &'static str),
}

const TOWNSHIP: &str = "a township secretary";
const LEADER: &str = "a county leader";
const AUDITOR: &str = "an auditor";

#[test]
fn every_row_of_the_role_table_for_every_role_with_real_accounts() {
    if !am_root() {
        assert!(
            std::env::var("CI").is_err(),
            "in CI this test must run as root"
        );
        println!("server: not root, so no other accounts to run clients as; skipping");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let users = zhengdun::server::identity::group_id("users").expect("a group 'users'");
    let s = Served::start(Some("users"));
    for d in [s.dir.path(), &s.dir.path().join("run")] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // where the accounts write backups and exports, and an import they read
    let out_dir = s.dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    std::fs::set_permissions(&out_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let import = s.dir.path().join("new.json");
    std::fs::write(
        &import,
        r#"{"format":"zhengdun/1","cases":[{"id":"2017-ZZ-002","year":2017,"county":"茌平区","township":"贾寨镇","village":"新导入村","situations":["poor_service"],"identified_on":"2017-09-01","stage":"identified"}]}"#,
    )
    .unwrap();
    let file = |name: &str| out_dir.join(name).to_str().unwrap().to_string();
    let (backup, export) = (file("backup.json"), file("export.json"));
    let import = import.to_str().unwrap().to_string();

    let accounts = [
        ("zdclerk", "赵文书", "clerk", None),
        ("zdtown", "孙书记", "township", Some("贾寨镇")),
        ("zdlead", "钱领导", "leader", None),
        ("zdaudit", "周审计", "auditor", None),
    ];
    let mut uids = std::collections::HashMap::new();
    for (login, name, role, township) in accounts {
        uids.insert(login, account(login));
        let mut add = vec!["user", "add", login, "--name", name, "--role", role];
        if let Some(t) = township {
            add.extend(["--county", "茌平区", "--township", t]);
        }
        s.ok(&add);
    }
    let stranger = account("zdstranger");
    let in_lang = |lang: &str, uid: u32, args: &[&str]| {
        Command::new(BIN)
            .args(["--lang", lang, "--server", s.socket.to_str().unwrap()])
            .args(args)
            .env("HOME", "/nonexistent")
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .env("XDG_STATE_HOME", "/nonexistent")
            .env_remove("ZHENGDUN_SERVER")
            .current_dir("/")
            .uid(uid)
            .gid(users)
            .output()
            .unwrap()
    };
    let as_account = |uid: u32, args: &[&str]| in_lang("en", uid, args);
    // 2017-CP-013 (菜屯镇) is the leader's: the clerk links it to the account
    s.ok(&["pair", "2017-CP-013", "--county-leader-account", "zdlead"]);

    // The cases: the township's own in 贾寨镇 (CP-025, CP-026 identified, CP-027, CP-028),
    // others' in 菜屯镇 (CP-012, CP-014) and 柳园街道 (DCF-005 identified); the leader's own
    // CP-013, not its CP-014. Each step in order, as one of the accounts.
    use Expect::*;
    let visit = |id: &'static str| -> Vec<&'static str> {
        vec![
            "visit",
            id,
            "--kind",
            "visit",
            "--findings",
            "见到书记，查看了记录",
        ]
    };
    let task_add = |id: &'static str| -> Vec<&'static str> {
        vec![
            "task",
            id,
            "add",
            "--measure",
            "规范三会一课",
            "--responsible",
            "李明",
            "--due",
            "2017-12-31",
        ]
    };
    let pair = |id: &'static str| -> Vec<&'static str> {
        vec![
            "pair",
            id,
            "--county-leader",
            "钱领导",
            "--township-leader",
            "孙书记",
            "--first-secretary",
            "张伟",
            "--unit",
            "县财政局",
        ]
    };
    let none = |id: &'static str| vec!["adjust", id, "--none", "班子结构合理"];
    let new = |id: &'static str| -> Vec<&'static str> {
        common::new_case(
            id,
            ["茌平区", "贾寨镇", "新村"],
            "poor_service",
            "2017-09-01",
        )
        .to_vec()
    };
    let accept = |id: &'static str| -> Vec<&'static str> {
        vec![
            "accept",
            id,
            "--score",
            "92",
            "--poll-n",
            "20",
            "--dissatisfied",
            "1",
            "--standards",
            "111111",
        ]
    };
    let reopen = |id: &'static str| vec!["reopen", id, "--to", "identified", "--reason", "复查"];
    let v = |a: &[&'static str]| a.to_vec();
    let steps: Vec<(&str, Vec<&str>, Expect)> = vec![
        // list, show, stats, reading: all, for every role
        ("zdclerk", v(&["list", "--overdue"]), Done),
        ("zdtown", v(&["list", "--township", "菜屯镇"]), Done),
        ("zdlead", v(&["show", "2017-CP-014"]), Done),
        ("zdaudit", v(&["stats"]), Done),
        (
            "zdtown",
            v(&["show", "2017-DCF-005", "--format", "json"]),
            Done,
        ),
        (
            "zdlead",
            v(&["list", "--search", "cp", "--format", "csv"]),
            Done,
        ),
        ("zdaudit", v(&["show", "2017-CP-013"]), Done),
        ("zdclerk", v(&["stats", "--format", "json"]), Done),
        // visit: clerk all, township its own, leader its own, auditor never
        ("zdclerk", visit("2017-CP-014"), Done),
        ("zdtown", visit("2017-CP-025"), Done),
        (
            "zdtown",
            visit("2017-CP-014"),
            NotOwn(TOWNSHIP, "log a visit"),
        ),
        ("zdlead", visit("2017-CP-013"), Done),
        (
            "zdlead",
            visit("2017-CP-014"),
            NotOwn(LEADER, "log a visit"),
        ),
        (
            "zdaudit",
            visit("2017-CP-013"),
            Cannot(AUDITOR, "log a visit"),
        ),
        // task add and task done: the same
        ("zdclerk", task_add("2017-CP-014"), Done),
        ("zdclerk", v(&["task", "2017-CP-014", "done", "9"]), Done),
        ("zdtown", task_add("2017-CP-025"), Done),
        ("zdtown", v(&["task", "2017-CP-025", "done", "12"]), Done),
        (
            "zdtown",
            task_add("2017-CP-014"),
            NotOwn(TOWNSHIP, "add a plan task"),
        ),
        (
            "zdtown",
            v(&["task", "2017-CP-014", "done", "5"]),
            NotOwn(TOWNSHIP, "mark a plan task done"),
        ),
        ("zdlead", task_add("2017-CP-013"), Done),
        ("zdlead", v(&["task", "2017-CP-013", "done", "8"]), Done),
        (
            "zdlead",
            task_add("2017-CP-014"),
            NotOwn(LEADER, "add a plan task"),
        ),
        (
            "zdlead",
            v(&["task", "2017-CP-014", "done", "6"]),
            NotOwn(LEADER, "mark a plan task done"),
        ),
        (
            "zdaudit",
            task_add("2017-CP-013"),
            Cannot(AUDITOR, "add a plan task"),
        ),
        (
            "zdaudit",
            v(&["task", "2017-CP-013", "done", "2"]),
            Cannot(AUDITOR, "mark a plan task done"),
        ),
        // pair, adjust, advance to paired or cadres_adjusted: clerk all, township its own
        ("zdtown", pair("2017-CP-026"), Done),
        (
            "zdtown",
            pair("2017-CP-012"),
            NotOwn(TOWNSHIP, "record the pairing"),
        ),
        (
            "zdlead",
            pair("2017-CP-013"),
            Cannot(LEADER, "record the pairing"),
        ),
        (
            "zdaudit",
            pair("2017-CP-013"),
            Cannot(AUDITOR, "record the pairing"),
        ),
        ("zdclerk", pair("2017-DCF-005"), Done),
        ("zdtown", none("2017-CP-026"), Done),
        (
            "zdtown",
            none("2017-CP-012"),
            NotOwn(TOWNSHIP, "record a cadre adjustment"),
        ),
        (
            "zdlead",
            none("2017-CP-013"),
            Cannot(LEADER, "record a cadre adjustment"),
        ),
        (
            "zdaudit",
            none("2017-CP-013"),
            Cannot(AUDITOR, "record a cadre adjustment"),
        ),
        ("zdclerk", none("2017-CP-012"), Done),
        ("zdtown", v(&["advance", "2017-CP-026"]), Done),
        (
            "zdtown",
            v(&["advance", "2017-CP-012"]),
            NotOwn(TOWNSHIP, "advance to cadres adjusted"),
        ),
        (
            "zdlead",
            v(&["advance", "2017-CP-013"]),
            Cannot(LEADER, "advance to cadres adjusted"),
        ),
        (
            "zdaudit",
            v(&["advance", "2017-CP-012"]),
            Cannot(AUDITOR, "advance to cadres adjusted"),
        ),
        ("zdclerk", v(&["advance", "2017-CP-012"]), Done),
        // reopen (a clerk's) takes both back to identified, paired already
        (
            "zdtown",
            reopen("2017-CP-026"),
            Cannot(TOWNSHIP, "reopen a case"),
        ),
        (
            "zdlead",
            reopen("2017-CP-013"),
            Cannot(LEADER, "reopen a case"),
        ),
        (
            "zdaudit",
            reopen("2017-CP-026"),
            Cannot(AUDITOR, "reopen a case"),
        ),
        ("zdclerk", reopen("2017-CP-026"), Done),
        ("zdclerk", reopen("2017-DCF-005"), Done),
        (
            "zdtown",
            v(&["advance", "2017-DCF-005"]),
            NotOwn(TOWNSHIP, "advance to paired"),
        ),
        (
            "zdlead",
            v(&["advance", "2017-CP-026"]),
            Cannot(LEADER, "advance to paired"),
        ),
        (
            "zdaudit",
            v(&["advance", "2017-CP-026"]),
            Cannot(AUDITOR, "advance to paired"),
        ),
        ("zdtown", v(&["advance", "2017-CP-026"]), Done),
        ("zdclerk", v(&["advance", "2017-DCF-005"]), Done),
        // new, import, accept, edit, user, export, backup: a clerk's only, even on a
        // township's or a leader's own cases
        ("zdclerk", new("2017-ZZ-001"), Done),
        (
            "zdtown",
            new("2017-ZZ-009"),
            Cannot(TOWNSHIP, "open a case"),
        ),
        ("zdlead", new("2017-ZZ-009"), Cannot(LEADER, "open a case")),
        (
            "zdaudit",
            new("2017-ZZ-009"),
            Cannot(AUDITOR, "open a case"),
        ),
        (
            "zdtown",
            vec!["import", &import],
            Cannot(TOWNSHIP, "import a ledger"),
        ),
        (
            "zdlead",
            vec!["import", &import],
            Cannot(LEADER, "import a ledger"),
        ),
        (
            "zdaudit",
            vec!["import", &import],
            Cannot(AUDITOR, "import a ledger"),
        ),
        // a dry run too, before any case is sent
        (
            "zdtown",
            vec!["import", "--dry-run", &import],
            Cannot(TOWNSHIP, "import a ledger"),
        ),
        ("zdclerk", vec!["import", &import], Done),
        (
            "zdtown",
            accept("2017-CP-027"),
            Cannot(TOWNSHIP, "record an acceptance"),
        ),
        (
            "zdlead",
            accept("2017-CP-013"),
            Cannot(LEADER, "record an acceptance"),
        ),
        (
            "zdaudit",
            accept("2017-YG-006"),
            Cannot(AUDITOR, "record an acceptance"),
        ),
        ("zdclerk", accept("2017-YG-006"), Done),
        (
            "zdtown",
            v(&["edit", "2017-CP-028", "--problems", "改"]),
            Cannot(TOWNSHIP, "edit a case"),
        ),
        (
            "zdlead",
            v(&["edit", "2017-CP-013", "--problems", "改"]),
            Cannot(LEADER, "edit a case"),
        ),
        (
            "zdaudit",
            v(&["edit", "2017-CP-028", "--problems", "改"]),
            Cannot(AUDITOR, "edit a case"),
        ),
        (
            "zdclerk",
            v(&["edit", "2017-CP-028", "--problems", "村集体经济薄弱"]),
            Done,
        ),
        (
            "zdtown",
            v(&["void", "2017-CP-028", "--reason", "误录"]),
            Cannot(TOWNSHIP, "void a case"),
        ),
        (
            "zdlead",
            v(&["void", "2017-CP-013", "--reason", "误录"]),
            Cannot(LEADER, "void a case"),
        ),
        (
            "zdaudit",
            v(&["void", "2017-CP-028", "--reason", "误录"]),
            Cannot(AUDITOR, "void a case"),
        ),
        (
            "zdclerk",
            v(&["void", "2017-ZZ-001", "--reason", "误录"]),
            Done,
        ),
        (
            "zdtown",
            v(&["unvoid", "2017-ZZ-001"]),
            Cannot(TOWNSHIP, "void a case"),
        ),
        ("zdclerk", v(&["unvoid", "2017-ZZ-001"]), Done),
        (
            "zdtown",
            v(&["user", "list"]),
            Cannot(TOWNSHIP, "see or change the roster"),
        ),
        (
            "zdlead",
            v(&[
                "user",
                "add",
                "zdstranger",
                "--name",
                "外人",
                "--role",
                "clerk",
            ]),
            Cannot(LEADER, "see or change the roster"),
        ),
        (
            "zdaudit",
            v(&["user", "list"]),
            Cannot(AUDITOR, "see or change the roster"),
        ),
        ("zdclerk", v(&["user", "list"]), Done),
        (
            "zdtown",
            vec!["export", "-o", &export],
            Cannot(TOWNSHIP, "export the ledger"),
        ),
        (
            "zdlead",
            vec!["export", "-o", &export],
            Cannot(LEADER, "export the ledger"),
        ),
        (
            "zdaudit",
            vec!["export", "-o", &export],
            Cannot(AUDITOR, "export the ledger"),
        ),
        ("zdclerk", vec!["export", "-o", &export], Done),
        (
            "zdtown",
            vec!["backup", &backup],
            Cannot(TOWNSHIP, "back up the ledger"),
        ),
        (
            "zdlead",
            vec!["backup", &backup],
            Cannot(LEADER, "back up the ledger"),
        ),
        (
            "zdaudit",
            vec!["backup", &backup],
            Cannot(AUDITOR, "back up the ledger"),
        ),
        ("zdclerk", vec!["backup", &backup], Done),
        // verify: clerk and auditor
        ("zdclerk", v(&["verify"]), Done),
        ("zdaudit", v(&["verify"]), Done),
        (
            "zdtown",
            v(&["verify"]),
            Cannot(TOWNSHIP, "verify the ledger"),
        ),
        (
            "zdlead",
            v(&["verify"]),
            Cannot(LEADER, "verify the ledger"),
        ),
    ];
    let mut refused = 0;
    for (login, args, expect) in &steps {
        let out = as_account(uids[login], args);
        let err = text(&out.stderr);
        let what = format!("{login} {args:?}: exit {:?}, {err}", out.status.code());
        match expect {
            Done => assert!(out.status.success(), "{what}"),
            Cannot(role, op) => {
                assert_eq!(out.status.code(), Some(1), "{what}");
                let said = format!("account {login} is {role} and cannot {op}; {role} may ");
                assert!(err.contains(&said), "{what}\nexpected: {said}");
                refused += 1;
            }
            NotOwn(role, op) => {
                assert_eq!(out.status.code(), Some(1), "{what}");
                let said = format!("account {login} is {role} and may {op} only on ");
                assert!(err.contains(&said), "{what}\nexpected: {said}");
                refused += 1;
            }
        }
        if !matches!(expect, Done) {
            assert_eq!(err.trim_end().lines().count(), 1, "{what}");
        }
    }
    // what was done is there, each once, by the roster name of the account that did it
    let shown = s.ok(&["show", "2017-CP-026"]);
    assert!(shown.contains("孙书记(zdtown)"), "{shown}");
    let listed = s.ok(&["list", "--format", "csv"]);
    assert!(listed.contains("2017-ZZ-001") && listed.contains("2017-ZZ-002"));
    assert!(std::path::Path::new(&backup).exists() && std::path::Path::new(&export).exists());
    assert!(s.client(&["verify"]).status.success());
    println!(
        "role table: {} steps, {refused} refused as the table says",
        steps.len()
    );

    // the roster's role, never the name typed: --as naming someone else is refused, exit 2
    let mut as_other = vec!["--as", "钱领导"];
    as_other.extend(visit("2017-CP-025"));
    let out = as_account(uids["zdtown"], &as_other);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cannot name someone else"),
        "{}",
        text(&out.stderr)
    );
    // a leader records only its own visits; a clerk records another's with --by, and both
    // names are kept: the visit's, and the account's that recorded it
    let mut by = visit("2017-CP-013");
    by.extend(["--by", "孙书记"]);
    let out = as_account(uids["zdlead"], &by);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("logs only its own visits; only a clerk logs a visit by 孙书记"),
        "{}",
        text(&out.stderr)
    );
    let mut by = vec![
        "visit",
        "2017-CP-014",
        "--kind",
        "visit",
        "--findings",
        "代领导记录",
    ];
    by.extend(["--by", "钱领导"]);
    let out = as_account(uids["zdclerk"], &by);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = s.ok(&["show", "2017-CP-014"]);
    let line = shown
        .lines()
        .find(|l| l.contains("代领导记录") && l.contains("赵文书(zdclerk)"))
        .unwrap_or_else(|| panic!("no history line by the clerk: {shown}"));
    assert!(line.contains("钱领导"), "{line}");
    // the unknown account is refused, named, exit 1
    let out = as_account(stranger, &["list"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("does not know the account zdstranger"),
        "{}",
        text(&out.stderr)
    );
    // and the refusals are in the user's language
    let out = in_lang("zh", uids["zdaudit"], &["backup", &backup]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("账户 zdaudit 是审核员，不能"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn writes_at_once_are_each_checked_against_their_version_in_a_group() {
    let s = Served::start(None);
    let version = zhengdun::ledger::case_version(&s.remote().case("2017-YG-003").unwrap());
    let start = std::sync::Arc::new(std::sync::Barrier::new(8));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (socket, version, start) = (s.socket.clone(), version.clone(), start.clone());
            std::thread::spawn(move || {
                let remote = Remote::connect(socket.to_str().unwrap(), None).unwrap();
                start.wait();
                // one on the version all of them saw, and one on a case of its own
                let stale =
                    remote.execute("2017-YG-003", &[visit(&format!("表单{w}"))], Some(&version));
                let own = remote.execute("2017-YG-007", &[visit(&format!("走访{w}"))], None);
                (stale.is_ok(), own.is_ok())
            })
        })
        .collect();
    let answers: Vec<(bool, bool)> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    assert_eq!(
        answers.iter().filter(|(won, _)| *won).count(),
        1,
        "{answers:?}"
    );
    assert!(answers.iter().all(|(_, own)| *own), "{answers:?}");
    let case = s.remote().case("2017-YG-007").unwrap();
    for w in 0..8 {
        assert!(case.visits.iter().any(|v| v.findings == format!("走访{w}")));
    }
    assert!(s.ok(&["verify"]).contains("chain intact"));
}

#[test]
fn summaries_cross_packed_and_follow_each_change() {
    let s = Served::start(None);
    let r = s.remote();
    let before = r.summaries().unwrap();
    assert!(before.len() > 10, "{}", before.len());
    assert!(before.windows(2).all(|w| w[0].id() < w[1].id()));
    let i = before.iter().position(|x| x.id() == "2017-YG-003").unwrap();
    let today = zhengdun::interchange::dates::parse(TODAY).unwrap();
    assert_ne!(before[i].last_visit, Some(today));
    r.execute("2017-YG-003", &[visit("打包之后")], None)
        .unwrap();
    let after = r.summaries().unwrap();
    assert_eq!(after.len(), before.len());
    assert_eq!(after[i].last_visit, Some(today));
    assert_eq!(after[i].village(), before[i].village());
    // what a list selects crosses the same way
    let filter = zhengdun::listing::Filter::default();
    let found = r.select(&filter, Some("2017-YG-003"), today).unwrap();
    assert_eq!(found.first().map(|x| x.id()), Some("2017-YG-003"));
}

/// Waits for the server's log to say its ready CSV rows are built.
fn rows_ready(s: &mut Served) {
    let log = s.server.as_mut().unwrap().child().stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(log).lines().map_while(Result::ok) {
            if line.contains("list rows ready") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the server's ready rows");
}

#[test]
fn a_csv_list_from_the_server_is_the_ledgers_own_also_after_a_change() {
    let mut s = Served::start(None);
    rows_ready(&mut s);
    // the same ledger, not served
    let own = s.dir.path().join("own");
    let out = zhengdun(&["--db", own.to_str().unwrap(), "import", SAMPLE]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let local = |args: &[&str]| {
        let mut all = vec!["--db", own.to_str().unwrap(), "--today", TODAY];
        all.extend_from_slice(args);
        let out = zhengdun(&all);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let lists: &[&[&str]] = &[
        &["list", "--format", "csv"],
        &["list", "--format", "csv", "--search", "yanggu"],
        &["list", "--format", "csv", "--search", "王庄", "--overdue"],
        &[
            "--lang",
            "en",
            "list",
            "--format",
            "csv",
            "--county",
            "阳谷县",
        ],
        &["list", "--format", "csv", "--search", "没有这个村"],
    ];
    let same = |when: &str| {
        for args in lists {
            let mut remote = vec!["--server", s.socket.to_str().unwrap()];
            remote.extend_from_slice(args);
            let served = text(&zhengdun(&remote).stdout);
            assert!(served.lines().count() >= 1, "{args:?}: {served}");
            assert_eq!(served, local(args), "{when}: {args:?}");
        }
    };
    same("as imported");
    for db in [None, Some(own.to_str().unwrap())] {
        let args = [
            "edit",
            "2017-YG-003",
            "--problems",
            "新问题，含逗号,和\"引号\"",
        ];
        let out = match db {
            None => s.client(&args),
            Some(d) => zhengdun(&[&["--db", d][..], &args[..]].concat()),
        };
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    same("after an edit");
    for db in [None, Some(own.to_str().unwrap())] {
        let args = ["void", "2017-YG-007", "--reason", "录入错误"];
        let out = match db {
            None => s.client(&args),
            Some(d) => zhengdun(&[&["--db", d][..], &args[..]].concat()),
        };
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    same("after a void");
    // the voided case is found again through the server, with who voided it and why
    let voided: serde_json::Value =
        serde_json::from_str(&s.ok(&["list", "--voided", "--format", "json"])).unwrap();
    assert_eq!(voided.as_array().map(Vec::len), Some(1), "{voided}");
    assert_eq!(voided[0]["id"], "2017-YG-007");
    assert_eq!(voided[0]["voided"]["reason"], "录入错误");
    assert!(voided[0]["voided_by"].as_str().is_some(), "{voided}");
    let table = s.ok(&["list", "--voided"]);
    assert!(
        table.contains("2017-YG-007") && table.contains("录入错误"),
        "{table}"
    );
    assert!(s.ok(&["list", "--format", "csv"]).contains("新问题"));
}

#[test]
fn a_ledger_brought_back_from_an_old_copy_is_said_to_be_rolled_back() {
    let mut s = Served::start(None);
    let root = s.dir.path().to_path_buf();
    let socket = s.socket.clone();
    let state = |who: &str| root.join(format!("state-{who}"));
    // a client of its own memory (what each account's state directory is)
    let client = |who: &str, args: &[&str]| {
        Command::new(BIN)
            .args(["--lang", "en", "--server", socket.to_str().unwrap()])
            .args(args)
            .env_remove("ZHENGDUN_SERVER")
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .env("XDG_STATE_HOME", state(who))
            .output()
            .unwrap()
    };
    let backup = root.join("old.json");
    let out = client("clerk", &["backup", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // after the backup, two people see a later ledger
    let visit = [
        "visit",
        "2017-YG-003",
        "--kind",
        "visit",
        "--findings",
        "备份之后",
    ];
    let out = client("clerk", &visit);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = client("leader", &["list"]);
    assert!(out.status.success() && text(&out.stderr).is_empty());
    let heads = state("leader").join("zhengdun").join("heads.json");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&heads).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the memory is the account's own");

    // the server's ledger is lost, and the clerk brings it back from the older backup into
    // a new directory that the server then serves
    s.kill_9();
    let restored = root.join("restored");
    let out = Command::new(BIN)
        .args(["--lang", "en", "--db", restored.to_str().unwrap()])
        .args(["restore", backup.to_str().unwrap()])
        .env_remove("ZHENGDUN_SERVER")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("XDG_STATE_HOME", state("clerk"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::remove_dir_all(&s.db).unwrap();
    std::fs::rename(&restored, &s.db).unwrap();
    s.serve(None);
    // the one who restored is not told of it; someone who saw a later state is, once
    let out = client("clerk", &["list"]);
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
    let out = client("leader", &["show", "2017-YG-003"]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("was rolled back (restored from an old copy, say): you last saw its event"),
        "{err}"
    );
    assert!(!text(&out.stdout).contains("备份之后"));
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let out = client("leader", &["list"]);
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
    // a ledger that only moved on is never said to be rolled back
    let out = client("clerk", &visit);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = client("leader", &["list"]);
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
}
