//! Field copies (SPEC §10) with real processes: `zhengdun serve` on a sample ledger, field
//! copies made by `checkout` under other OS accounts (the tests run as root, as CI does, and
//! start clients with `CommandExt::uid`), changes made on the copies while the server is
//! down, `sync` — killed with `kill -9` at random moments and run again — and two copies of
//! the same township syncing the same case in turn. The TUI's part is in field_tmux.rs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread::sleep;
use std::time::Duration;

mod common;
use common::accounts::{account, client, skip_unless_root as skip};
use common::server::{serve, Server};
use common::{succeeded, text, SAMPLE};

/// Two cases of 阳谷县 石佛镇: YG-017 at `paired`, YG-016 at `cadres_adjusted`.
const PAIRED: &str = "2017-YG-017";
const ADJUSTED: &str = "2017-YG-016";

struct Served {
    dir: tempfile::TempDir,
    db: PathBuf,
    socket: PathBuf,
    server: Option<Server>,
}

impl Served {
    /// A sample ledger, its roster's township secretaries of 石佛镇 added, served to the
    /// group `users`.
    fn start(towns: &[(&str, &str)]) -> Served {
        let dir = tempfile::tempdir().unwrap();
        for d in [dir.path().to_path_buf(), dir.path().join("run")] {
            std::fs::create_dir_all(&d).unwrap();
            set_mode(&d, 0o755);
        }
        let db = dir.path().join("ledger");
        let db_s = db.to_str().unwrap().to_string();
        ok(run(None, &["--db", &db_s, "import", SAMPLE]));
        for (login, name) in towns {
            account(login);
            ok(run(
                None,
                &[
                    "--db",
                    &db_s,
                    "user",
                    "add",
                    login,
                    "--name",
                    name,
                    "--role",
                    "township",
                    "--county",
                    "阳谷县",
                    "--township",
                    "石佛镇",
                ],
            ));
        }
        let socket = dir.path().join("run").join("zhengdun.sock");
        let mut s = Served {
            dir,
            db,
            socket,
            server: None,
        };
        s.serve();
        s
    }

    fn serve(&mut self) {
        let mut cmd = serve(&self.db, &self.socket);
        cmd.args(["--lang", "en", "--group", "users"]);
        self.server = Some(Server::start(&mut cmd, &self.socket));
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.server.take() {
            c.stop();
        }
    }

    /// The clerk (the server's own account) through the server.
    fn clerk(&self, args: &[&str]) -> String {
        let mut all = vec!["--server", self.socket.to_str().unwrap()];
        all.extend_from_slice(args);
        ok(run(None, &all))
    }

    /// A field copy of `login`'s, in a directory of its own that the account owns.
    fn copy_of(&self, login: &str) -> Copy {
        self.copy_with(login, &[])
    }

    fn copy_with(&self, login: &str, flags: &[&str]) -> Copy {
        let uid = account(login);
        let home = self.dir.path().join(format!("home-{login}"));
        std::fs::create_dir_all(&home).unwrap();
        std::os::unix::fs::chown(&home, Some(uid), None).unwrap();
        let db = home.join("copy");
        let c = Copy { uid, db };
        let mut args = vec!["checkout", self.socket.to_str().unwrap()];
        args.extend_from_slice(flags);
        c.ok(&args);
        c
    }
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A client process, as `uid` (None: this account), in English.
fn process(uid: Option<u32>, args: &[&str]) -> Command {
    let mut cmd = client(uid);
    cmd.args(["--lang", "en"]).args(args);
    cmd
}

fn run(uid: Option<u32>, args: &[&str]) -> Output {
    process(uid, args).output().unwrap()
}

fn ok(out: Output) -> String {
    succeeded(&out, "a client")
}

/// A field copy and the account whose it is.
struct Copy {
    uid: u32,
    db: PathBuf,
}

impl Copy {
    fn args<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = vec!["--db", self.db.to_str().unwrap()];
        all.extend_from_slice(args);
        all
    }

    fn run(&self, args: &[&str]) -> Output {
        run(Some(self.uid), &self.args(args))
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    }

    fn sync(&self) -> Command {
        process(Some(self.uid), &self.args(&["sync"]))
    }
}

/// How many visits of a case (`show --format json`) have these findings.
fn visits(json: &str, findings: &str) -> usize {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["visits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["findings"] == findings)
        .count()
}

#[test]
fn offline_changes_sync_back_with_their_dates_and_a_stage_move_on_a_reopened_case_conflicts() {
    if skip("field") {
        return;
    }
    let mut s = Served::start(&[("zdfldshifo", "孙立华")]);
    let copy = s.copy_of("zdfldshifo");
    // the copy is its owner's only, whatever the umask
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = std::fs::metadata(&copy.db).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    assert_eq!(meta.uid(), copy.uid);
    for f in std::fs::read_dir(&copy.db).unwrap() {
        let m = f.unwrap().metadata().unwrap();
        assert_eq!(m.permissions().mode() & 0o077, 0, "{m:?}");
    }
    let before = s.clerk(&["show", ADJUSTED, "--format", "json"]);
    // the copy's changes are all its owner's: --as or ZHENGDUN_AS naming someone else is
    // refused, saying whose the copy is, as a server refuses it
    let visit = ["visit", PAIRED, "--kind", "visit", "--findings", "代人记录"];
    let named = [&["--as", "王某某"][..], &visit[..]].concat();
    let as_env = process(Some(copy.uid), &copy.args(&visit))
        .env("ZHENGDUN_AS", "王某某")
        .output()
        .unwrap();
    for out in [copy.run(&named), as_env] {
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        let err = text(&out.stderr);
        assert!(
            err.contains("孙立华") && err.contains("zdfldshifo") && err.contains("王某某"),
            "{err}"
        );
        assert!(err.contains("drop --as"), "{err}");
    }
    assert!(copy.ok(&["sync", "--status"]).contains("0 waiting"));
    copy.ok(&["--as", "孙立华", "list"]);
    // offline: the server is down while the secretary works in the field
    s.stop();
    let on = ["--today", "2017-09-10"];
    let day = |args: &[&str]| -> Vec<String> {
        args.iter()
            .chain(on.iter())
            .map(|a| a.to_string())
            .collect()
    };
    for args in [
        day(&[
            "visit",
            PAIRED,
            "--kind",
            "visit",
            "--findings",
            "入户走访，听取群众意见",
        ]),
        day(&[
            "visit",
            ADJUSTED,
            "--kind",
            "onsite_office",
            "--findings",
            "现场办公，解决用水问题",
        ]),
        day(&[
            "task",
            ADJUSTED,
            "add",
            "--measure",
            "硬化村内道路",
            "--responsible",
            "村委会",
            "--due",
            "2017-11-30",
        ]),
        day(&["task", PAIRED, "done", "1"]),
        day(&["adjust", PAIRED, "--none", "班子健全，无需调整"]),
        day(&["advance", PAIRED]),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        copy.ok(&args);
    }
    let status = copy.ok(&["sync", "--status"]);
    assert!(status.contains("6 waiting"), "{status}");
    // meanwhile the clerk reopens the case the advance was made on
    s.serve();
    s.clerk(&[
        "reopen",
        PAIRED,
        "--to",
        "identified",
        "--reason",
        "复查发现问题",
    ]);
    s.clerk(&["void", "2017-YG-007", "--reason", "录入错误"]);
    let out = copy.ok(&["sync"]);
    assert!(
        out.contains("4 applied on the server, 2 conflicting"),
        "{out}"
    );
    // a case voided on the server is found again on the copy, with who and why
    let voided = copy.ok(&["list", "--voided"]);
    assert!(
        voided.contains("2017-YG-007") && voided.contains("录入错误") && voided.contains("root"),
        "{voided}"
    );
    // the stage moves wait, with the server's reason and what happened meanwhile
    let status = copy.ok(&["sync", "--status"]);
    assert!(status.contains("0 waiting, 2 conflicting"), "{status}");
    assert!(status.contains("conflict"), "{status}");
    assert!(
        status.contains("changed the case after the copy was taken"),
        "{status}"
    );
    assert!(status.contains("meanwhile: root"), "{status}");
    assert!(status.contains("reopened"), "{status}");
    // on the server: the visits and tasks with their own dates and the secretary's name
    let shown = s.clerk(&["show", PAIRED]);
    let json = s.clerk(&["show", PAIRED, "--format", "json"]);
    assert_eq!(visits(&json, "入户走访，听取群众意见"), 1, "{json}");
    assert!(shown.contains("2017-09-10 visit 孙立华"), "{shown}");
    assert!(shown.contains("#1 2017-09-10"), "{shown}");
    assert!(!shown.contains("班子健全"), "{shown}");
    assert!(json.contains("\"stage\": \"identified\""), "{json}");
    let shown = s.clerk(&["show", ADJUSTED]);
    let json = s.clerk(&["show", ADJUSTED, "--format", "json"]);
    assert_eq!(visits(&json, "现场办公，解决用水问题"), 1, "{json}");
    assert!(
        shown.contains("2017-09-10 on-site office 孙立华"),
        "{shown}"
    );
    assert!(shown.contains("硬化村内道路"), "{shown}");
    // nothing else changed: the other case differs by its visit and task only
    let after = s.clerk(&["show", ADJUSTED, "--format", "json"]);
    let strip = |j: &str| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_str(j).unwrap();
        for k in ["visits", "tasks", "history", "overdue", "days_overdue"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    assert_eq!(strip(&before), strip(&after));
    // the copy took the server's state: the reopen is there, the advance is not
    let json = copy.ok(&["show", PAIRED, "--format", "json"]);
    assert!(json.contains("\"stage\": \"identified\""), "{json}");
    assert!(copy.ok(&["verify"]).contains("intact"));
    assert!(s.clerk(&["verify"]).contains("intact"));
    // the user drops a conflict; only the other stays
    copy.ok(&["sync", "--drop", "6"]);
    let status = copy.ok(&["sync", "--status"]);
    assert!(status.contains("0 waiting, 1 conflicting"), "{status}");
    let out = copy.run(&["sync", "--drop", "6"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // what only the server does is refused on the copy
    let out = copy.run(&["user", "add", "x", "--name", "某", "--role", "leader"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("field copy records changes of cases only"));
}

/// The number of kills: `ZHENGDUN_FIELD_KILLS` (the long mode: 50 or more), else 10.
fn kills() -> usize {
    std::env::var("ZHENGDUN_FIELD_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
}

#[test]
fn a_sync_killed_at_random_moments_and_run_again_applies_each_change_exactly_once() {
    if skip("field kill") {
        return;
    }
    let s = Served::start(&[("zdfldkill", "王振")]);
    let copy = s.copy_of("zdfldkill");
    let (mut made, mut killed, mut rounds) = (0usize, 0usize, 0u64);
    // a cheap, seeded sequence of moments: 0 to ~120 ms after the start
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15 ^ u64::from(std::process::id());
    while killed < kills() {
        rounds += 1;
        for _ in 0..3 {
            made += 1;
            let findings = format!("走访记录{made:03}");
            let case = if made % 2 == 0 { PAIRED } else { ADJUSTED };
            copy.ok(&["visit", case, "--kind", "visit", "--findings", &findings]);
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let wait = Duration::from_micros(seed % 120_000);
        let mut sync = copy
            .sync()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        sleep(wait);
        if sync.try_wait().unwrap().is_none() {
            sync.kill().unwrap();
            killed += 1;
        }
        sync.wait().unwrap();
        assert!(
            rounds < 20 * kills() as u64,
            "the syncs always finished first"
        );
    }
    let out = copy.ok(&["sync"]);
    assert!(out.contains("synced"), "{out}");
    let status = copy.ok(&["sync", "--status"]);
    assert!(status.contains("0 waiting, 0 conflicting"), "{status}");
    let paired = s.clerk(&["show", PAIRED, "--format", "json"]);
    let adjusted = s.clerk(&["show", ADJUSTED, "--format", "json"]);
    for n in 1..=made {
        let findings = format!("走访记录{n:03}");
        let found = visits(&paired, &findings) + visits(&adjusted, &findings);
        assert_eq!(found, 1, "{findings} after {killed} kills");
    }
    assert!(copy.ok(&["verify"]).contains("intact"));
    assert!(s.clerk(&["verify"]).contains("intact"));
    println!("field kill: {made} changes, {killed} syncs killed, each applied once");
}

#[test]
fn two_copies_sync_the_same_case_in_turn_both_visits_one_stage_move() {
    if skip("field two copies") {
        return;
    }
    let s = Served::start(&[("zdfldone", "孙立华"), ("zdfldtwo", "李玉梅")]);
    let one = s.copy_of("zdfldone");
    let two = s.copy_of("zdfldtwo");
    for (copy, findings) in [(&one, "第一次走访"), (&two, "第二次走访")] {
        copy.ok(&["visit", PAIRED, "--kind", "visit", "--findings", findings]);
        copy.ok(&["adjust", PAIRED, "--none", "班子健全"]);
        copy.ok(&["advance", PAIRED]);
    }
    let out = one.ok(&["sync"]);
    assert!(
        out.contains("3 applied on the server, 0 conflicting"),
        "{out}"
    );
    let out = two.ok(&["sync"]);
    assert!(
        out.contains("1 applied on the server, 2 conflicting"),
        "{out}"
    );
    let status = two.ok(&["sync", "--status"]);
    assert!(status.contains("孙立华 changed the case"), "{status}");
    let shown = s.clerk(&["show", PAIRED]);
    let json = s.clerk(&["show", PAIRED, "--format", "json"]);
    assert_eq!(visits(&json, "第一次走访"), 1, "{json}");
    assert_eq!(visits(&json, "第二次走访"), 1, "{json}");
    assert_eq!(shown.matches("advanced").count(), 1, "{shown}");
    let json = s.clerk(&["show", PAIRED, "--format", "json"]);
    assert!(json.contains("\"stage\": \"cadres_adjusted\""), "{json}");
    // the second copy now holds the server's case, and verifies
    let json = two.ok(&["show", PAIRED, "--format", "json"]);
    assert!(
        json.contains("第一次走访") && json.contains("cadres_adjusted"),
        "{json}"
    );
    assert!(two.ok(&["verify"]).contains("intact"));
}

#[test]
fn a_copy_that_finds_the_servers_ledger_rolled_back_takes_nothing_older() {
    if skip("field rollback") {
        return;
    }
    let mut s = Served::start(&[("zdfldroll", "赵敏")]);
    let old = s.dir.path().join("old.json");
    s.clerk(&["backup", old.to_str().unwrap()]);
    s.clerk(&[
        "visit",
        ADJUSTED,
        "--kind",
        "visit",
        "--findings",
        "备份之后的走访",
    ]);
    let copy = s.copy_of("zdfldroll");
    copy.ok(&[
        "visit",
        PAIRED,
        "--kind",
        "visit",
        "--findings",
        "回退前记录",
    ]);
    // the server's ledger is brought back from the backup taken before the copy
    s.stop();
    std::fs::remove_dir_all(&s.db).unwrap();
    ok(run(
        None,
        &[
            "--db",
            s.db.to_str().unwrap(),
            "restore",
            old.to_str().unwrap(),
        ],
    ));
    s.serve();
    let out = copy.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("was rolled back"),
        "{}",
        text(&out.stderr)
    );
    // nothing was sent, nothing older taken: the copy keeps what it had and its outbox
    let status = copy.ok(&["sync", "--status"]);
    assert!(status.contains("1 waiting"), "{status}");
    let json = copy.ok(&["show", ADJUSTED, "--format", "json"]);
    assert_eq!(visits(&json, "备份之后的走访"), 1, "{json}");
    let json = s.clerk(&["show", PAIRED, "--format", "json"]);
    assert_eq!(visits(&json, "回退前记录"), 0, "{json}");
}

#[test]
fn a_copy_of_my_scope_holds_only_my_cases_and_its_chain_still_checks() {
    if skip("field mine") {
        return;
    }
    let s = Served::start(&[("zdfldmine", "赵敏")]);
    let copy = s.copy_with("zdfldmine", &["--mine"]);
    let listed = copy.ok(&["list", "--format", "csv"]);
    let ids: Vec<&str> = listed
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    assert_eq!(ids.len(), 2, "{listed}");
    assert!(ids.contains(&PAIRED) && ids.contains(&ADJUSTED), "{listed}");
    assert!(copy.ok(&["verify"]).contains("intact"));
    // the clerk changes a case of another township; the copy takes only its link
    s.clerk(&[
        "visit",
        "2017-LQ-015",
        "--kind",
        "visit",
        "--findings",
        "别处的走访",
    ]);
    copy.ok(&[
        "visit",
        ADJUSTED,
        "--kind",
        "visit",
        "--findings",
        "本乡镇走访",
    ]);
    let out = copy.ok(&["sync"]);
    assert!(out.contains("1 applied"), "{out}");
    assert!(copy.ok(&["verify"]).contains("intact"));
    let out = copy.run(&["show", "2017-LQ-015"]);
    assert!(!out.status.success());
    let json = s.clerk(&["show", ADJUSTED, "--format", "json"]);
    assert_eq!(visits(&json, "本乡镇走访"), 1, "{json}");
}
