//! Power cuts, through the real binary on a file system that loses what was not synced
//! (`tests/powercut/mod.rs`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test harness: a failed step should stop the test with its message"
)]

mod powercut;

use std::fs;
use std::io::Write;

use powercut::{Kind, Plan, PowerCut, Tear};

fn mounted(test: &str, seed: u64) -> Option<(tempfile::TempDir, PowerCut)> {
    if !PowerCut::available(test) {
        return None;
    }
    let tmp = tempfile::Builder::new()
        .prefix("zhengdun-powercut-")
        .tempdir()
        .expect("tempdir");
    let fs = PowerCut::mount(tmp.path(), seed).expect("mount the power-cut file system");
    Some((tmp, fs))
}

fn write_file(path: &std::path::Path, bytes: &[u8], sync: bool) {
    let mut f = fs::File::create(path).unwrap();
    f.write_all(bytes).unwrap();
    if sync {
        f.sync_all().unwrap();
    }
}

fn sync_dir(path: &std::path::Path) {
    fs::File::open(path).unwrap().sync_all().unwrap();
}

/// The file system itself: what was synced survives a cut, what was not is lost; a name is
/// durable by its directory's fsync; a torn cut lets part of the queue through; a planned
/// failure fails one operation.
#[test]
fn the_file_system_keeps_what_was_synced_and_loses_what_was_not() {
    let Some((_tmp, fs)) = mounted("powercut fs", 7) else {
        return;
    };
    let root = fs.path().to_path_buf();
    write_file(&root.join("synced"), b"kept", true);
    write_file(&root.join("named-only"), b"lost data", false);
    sync_dir(&root);
    write_file(&root.join("unnamed"), b"synced, but its name is not", true);
    // More written to the synced file after its fsync: lost.
    fs::OpenOptions::new()
        .append(true)
        .open(root.join("synced"))
        .unwrap()
        .write_all(b" and more")
        .unwrap();
    assert_eq!(fs::read(root.join("synced")).unwrap(), b"kept and more");
    fs.cut(Tear::None);
    assert_eq!(fs::read(root.join("synced")).unwrap(), b"kept");
    assert_eq!(fs::read(root.join("named-only")).unwrap(), b"");
    assert!(!root.join("unnamed").exists());

    // A torn cut in order: a prefix of 64 writes of 1 KiB gets through, the last maybe in part.
    let path = root.join("torn");
    write_file(&path, b"", true);
    sync_dir(&root);
    let mut f = fs::OpenOptions::new().write(true).open(&path).unwrap();
    for i in 0..64u8 {
        f.write_all(&[i + 1; 1024]).unwrap();
    }
    drop(f);
    fs.cut(Tear::InOrder);
    let torn = fs::read(&path).unwrap();
    let whole = torn.len() / 1024;
    for (i, chunk) in torn.chunks(1024).enumerate() {
        if i < whole {
            assert!(
                chunk.iter().all(|b| *b == i as u8 + 1),
                "write {i} is not whole"
            );
        }
    }
    assert!(torn.len() <= 64 * 1024);
    println!(
        "powercut fs: a torn cut kept {} of 64 KiB written (queued/through: {:?})",
        torn.len() / 1024,
        fs.last_cut()
    );

    // A failing fsync: the second one from now.
    fs.arm(Plan::FailAt(Kind::Sync, 2), Tear::None);
    let f = fs::File::open(&path).unwrap();
    assert!(f.sync_all().is_ok());
    assert!(f.sync_all().is_err());
    assert!(f.sync_all().is_ok());
    // A disk that goes away, and comes back.
    fs.set_gone(true);
    assert!(fs::read(root.join("synced")).is_err());
    fs.set_gone(false);
    assert_eq!(fs::read(root.join("synced")).unwrap(), b"kept");
}

// ---------------------------------------------------------------------------------------
// The harness: the real binary on the power-cut file system.
//
// CI runs a short mode; a long run, by hand (the README's figures come from it):
//
//     ZHENGDUN_POWERCUT_ROUNDS=600 cargo test --test power_cuts -- --nocapture
//
// Every run prints its seed; ZHENGDUN_POWERCUT_SEED=<seed> replays the same plan of cuts
// (the same kinds, counts, delays and tears; what a timed cut reaches depends on the
// machine). The harness has three modes: the command line, the TUI in tmux, and the
// server: a `serve` process with its database on the power-cut disk and clients writing to
// it at once through its socket, the power cut under it (and the server killed with it),
// then the ledger checked and the server started again on it.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zhengdun::domain::ChangeKind;
use zhengdun::store::Store;

use common::rng::{env_num, Rng};
use common::BIN;
const TODAY: &str = "2017-04-01";
const ACTOR: &str = "断电测试";
/// The debug-build switch that makes zhengdun skip its fsyncs (the control).
const SKIP_FSYNC: &str = "ZHENGDUN_UNSAFE_SKIP_FSYNC";

fn seed(test: &str) -> u64 {
    let seed = env_num(
        "ZHENGDUN_POWERCUT_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    );
    println!("{test}: seed {seed} (replay with ZHENGDUN_POWERCUT_SEED={seed})");
    seed
}

/// A ledger file of `n` cases at `identified`, ids `<prefix>-00000`…
fn ledger_json(prefix: &str, n: usize) -> String {
    let cases: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id":"{prefix}-{i:05}","year":2017,"county":"阳谷县","township":"阿城镇{t}","village":"{prefix}第{i}村","situations":["poor_service"],"identified_on":"2017-03-10","stage":"identified"}}"#,
                t = i % 7
            )
        })
        .collect();
    format!(
        r#"{{"format":"zhengdun/1","as_of":"{TODAY}","cases":[{}]}}"#,
        cases.join(",\n")
    )
}

/// One change made through the binary; its token finds it afterwards.
#[derive(Clone, Debug)]
enum Action {
    New(String),
    Visit(String, String),
    Task(String, String),
    /// An import of this many cases with ids under the prefix, from this file.
    Import(String, usize, PathBuf),
}

impl Action {
    fn args(&self) -> Vec<String> {
        match self {
            Action::New(id) => common::opening(id),
            Action::Visit(id, token) => common::visiting(id, token),
            Action::Task(id, token) => common::tasking(id, token),
            Action::Import(_, _, file) => vec!["import".into(), file.display().to_string()],
        }
    }
}

/// How often a change is in the ledger: (in the cases, in the history).
fn presence(store: &Store, a: &Action) -> (usize, usize) {
    let mentions = |id: &str, token: &str| {
        store
            .history(id)
            .map(|h| {
                h.iter()
                    .filter(|e| e.change.note == token || e.change.detail.contains(token))
                    .count()
            })
            .unwrap_or(0)
    };
    let events_of = |id: &str, kind: ChangeKind| {
        store
            .history(id)
            .map(|h| h.iter().filter(|e| e.change.kind == kind).count())
            .unwrap_or(0)
    };
    match a {
        Action::New(id) => match store.get(id) {
            Ok(Some(_)) => (1, events_of(id, ChangeKind::Opened)),
            _ => (0, events_of(id, ChangeKind::Opened)),
        },
        Action::Visit(id, token) => {
            let n = store.get(id).ok().flatten().map_or(0, |c| {
                c.visits.iter().filter(|v| v.findings == *token).count()
            });
            (n, mentions(id, token))
        }
        Action::Task(id, token) => {
            let n = store.get(id).ok().flatten().map_or(0, |c| {
                c.tasks.iter().filter(|t| t.measure == *token).count()
            });
            (n, mentions(id, token))
        }
        Action::Import(prefix, n, _) => {
            let ids: Vec<String> = (0..*n).map(|i| format!("{prefix}-{i:05}")).collect();
            let cases = ids
                .iter()
                .filter(|id| matches!(store.get(id), Ok(Some(_))))
                .count();
            let events = ids
                .iter()
                .map(|id| events_of(id, ChangeKind::Imported))
                .sum();
            // All or none: one "presence" when all are there.
            match cases {
                0 => (0, events),
                c if c == *n => (1, events / n),
                c => (c, events),
            }
        }
    }
}

/// Where a cut lands.
#[derive(Clone, Copy, Debug)]
enum When {
    /// After the commands have finished.
    Between,
    /// This long after the command started.
    Timed(Duration),
    /// Before the n-th write of the command.
    AtWrite(u64),
    /// Before the n-th fsync of the command.
    AtSync(u64),
    /// As soon as the command has printed its result (before it closes the ledger).
    AfterAck,
}

/// What the harness found wrong; the control expects some, the real thing none.
#[derive(Default)]
struct Findings {
    cuts: u64,
    acknowledged: u64,
    lost: Vec<String>,
    verify_failed: Vec<String>,
    half: Vec<String>,
    twice: Vec<String>,
    disagree: Vec<String>,
}

impl Findings {
    fn problems(&self) -> usize {
        self.lost.len()
            + self.verify_failed.len()
            + self.half.len()
            + self.twice.len()
            + self.disagree.len()
    }

    fn report(&self, what: &str) -> String {
        let mut s = format!(
            "{what}: {} cuts, {} acknowledged changes, {} lost, {} verify failures, {} half-applied, {} twice, {} exit codes that disagree with the output",
            self.cuts,
            self.acknowledged,
            self.lost.len(),
            self.verify_failed.len(),
            self.half.len(),
            self.twice.len(),
            self.disagree.len()
        );
        for (name, list) in [
            ("lost", &self.lost),
            ("verify", &self.verify_failed),
            ("half", &self.half),
            ("twice", &self.twice),
            ("disagree", &self.disagree),
        ] {
            for x in list.iter().take(8) {
                s.push_str(&format!("\n  {name}: {x}"));
            }
        }
        s
    }
}

/// The harness's modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Cli,
    Tui,
    Server,
}

/// Clients writing at once through the server in one round, and the changes each makes.
const CLIENTS: u64 = 3;
const CLIENT_CHANGES: u64 = 3;

struct Harness<'a> {
    fs: &'a PowerCut,
    db: PathBuf,
    /// Import files, off the power-cut disk.
    files: PathBuf,
    control: bool,
    rng: Rng,
    seed: u64,
    ids: Vec<String>,
    /// Every change acknowledged (or found applied after a cut), which must stay.
    kept: Vec<Action>,
    found: Findings,
    /// A command's writes and fsyncs, and how long it takes, for placing cuts.
    writes: u64,
    syncs: u64,
    takes: Duration,
}

impl<'a> Harness<'a> {
    fn new(fs: &'a PowerCut, files: &Path, seed: u64, control: bool) -> Harness<'a> {
        let mut h = Harness {
            fs,
            db: fs.path().join("ledger"),
            files: files.to_path_buf(),
            control,
            rng: Rng(seed),
            seed,
            ids: Vec::new(),
            kept: Vec::new(),
            found: Findings::default(),
            writes: 1,
            syncs: 1,
            takes: Duration::from_millis(100),
        };
        h.start_ledger();
        // How much one visit writes, syncs and takes here.
        let a = Action::Visit(h.ids[0].clone(), "warm-up".into());
        let (w0, s0, _) = fs.counts();
        let t0 = Instant::now();
        h.run(&a, When::Between, Tear::None);
        h.takes = t0.elapsed();
        let (w1, s1, _) = fs.counts();
        (h.writes, h.syncs) = ((w1 - w0).max(1), (s1 - s0).max(1));
        println!(
            "{}: one visit: {} writes, {} fsyncs, {:?}",
            h.name(),
            h.writes,
            h.syncs,
            h.takes
        );
        h
    }

    fn name(&self) -> &'static str {
        if self.control {
            "control (fsync skipped)"
        } else {
            "power cuts"
        }
    }

    /// A ledger of eight cases, imported and cut (the import must survive; under the
    /// control it may not, and is tried again).
    fn start_ledger(&mut self) {
        let control = self.control;
        for attempt in 0..2 {
            // Under the control the first import is usually lost with its ledger (the
            // directory entry of the data file is never synced): the second attempt
            // imports with the fsync on, so that the rounds have a ledger to cut.
            self.control = control && attempt == 0;
            let _ = fs::remove_dir_all(&self.db);
            if let Ok(f) = fs::File::open(self.fs.path()) {
                let _ = f.sync_all();
            }
            let prefix = format!("2017-P{}", self.found.cuts);
            let file = self.files.join(format!("{prefix}.json"));
            fs::write(&file, ledger_json(&prefix, 8)).unwrap();
            self.ids = (0..8).map(|i| format!("{prefix}-{i:05}")).collect();
            self.kept.clear();
            let base = Action::Import(prefix, 8, file);
            self.run(&base, When::Between, Tear::None);
            self.fs.cut(Tear::None);
            self.found.cuts += 1;
            let ok = self.check(&[], "the first import") && !self.ids.is_empty();
            self.control = control;
            if ok {
                return;
            }
            assert!(
                control,
                "seed {}: the first import did not survive",
                self.seed
            );
        }
        panic!("seed {}: no ledger survived its first import", self.seed);
    }

    fn command(&self, args: &[String]) -> Command {
        let mut c = Command::new(BIN);
        c.arg("--db")
            .arg(&self.db)
            .args(["--lang", "en", "--today", TODAY, "--as", ACTOR]);
        c.args(args);
        c.stdin(Stdio::null());
        // what the commands remember of the ledgers they saw stays with the test
        c.env("XDG_STATE_HOME", self.files.join("state"));
        if self.control {
            c.env(SKIP_FSYNC, "1");
        } else {
            c.env_remove(SKIP_FSYNC);
        }
        c
    }

    /// Runs one action, cutting the power where `when` says. Whether it was acknowledged
    /// (printed its result), and whether the power was cut during it.
    fn run(&mut self, action: &Action, when: When, tear: Tear) -> (bool, bool) {
        match when {
            When::AtWrite(n) => self.fs.arm(Plan::FreezeAt(Kind::Write, n), tear),
            When::AtSync(n) => self.fs.arm(Plan::FreezeAt(Kind::Sync, n), tear),
            _ => {}
        }
        let mut child = self
            .command(&action.args())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start zhengdun");
        let out = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let out = out.clone();
            let mut stdout = child.stdout.take().expect("stdout");
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stdout.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    out.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            })
        };
        let started = Instant::now();
        let printed = |out: &Arc<Mutex<Vec<u8>>>| out.lock().unwrap().contains(&b'\n');
        let mut cut = false;
        let status = loop {
            if self.fs.frozen() {
                cut = true;
                break None;
            }
            if let Some(status) = child.try_wait().expect("wait") {
                break Some(status);
            }
            let now = match when {
                When::Timed(d) => started.elapsed() >= d,
                When::AfterAck => printed(&out),
                _ => false,
            };
            if now {
                self.fs.freeze(tear);
                cut = true;
                break None;
            }
            std::thread::sleep(Duration::from_micros(200));
        };
        let mut stderr = String::new();
        if cut {
            let _ = child.kill();
            self.fs.kill_frozen();
            let _ = child.wait();
            self.fs.restore();
        } else {
            self.fs.disarm();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut stderr);
            }
        }
        let _ = reader.join();
        let acked = printed(&out);
        if let Some(status) = status {
            if status.success() != acked {
                self.found.disagree.push(format!(
                    "seed {}: {:?} exited {:?} after printing {:?}: {stderr}",
                    self.seed,
                    action.args(),
                    status.code(),
                    String::from_utf8_lossy(&out.lock().unwrap())
                ));
            }
            if !status.success() && !self.control {
                panic!(
                    "seed {}: {:?} was refused: {stderr}",
                    self.seed,
                    action.args()
                );
            }
        }
        if acked {
            self.found.acknowledged += 1;
            self.now_in_ledger(action);
            self.kept.push(action.clone());
        }
        (acked, cut)
    }

    /// After a cut: the ledger opens, `verify` passes, every change kept is there once,
    /// the ones cut mid-way are whole or absent. False when the ledger has to be started
    /// anew (it does not verify, or no case is left to change).
    fn check(&mut self, cut_off: &[Action], context: &str) -> bool {
        let context = format!("seed {}, {context}", self.seed);
        let verify = self
            .command(&["verify".into()])
            .env_remove(SKIP_FSYNC)
            .output()
            .expect("run verify");
        if !verify.status.success() {
            self.found.verify_failed.push(format!(
                "{context}: {}",
                String::from_utf8_lossy(&verify.stderr).trim()
            ));
            // Nothing more can be checked in a ledger that does not verify.
            return false;
        }
        let store = match Store::open(&self.db) {
            Ok(s) => s,
            Err(e) => {
                self.found
                    .verify_failed
                    .push(format!("{context}: reopen: {e}"));
                return false;
            }
        };
        let mut still = Vec::new();
        for a in std::mem::take(&mut self.kept) {
            match presence(&store, &a) {
                (1, 1) => still.push(a),
                (0, 0) => self.found.lost.push(format!("{context}: {:?}", a.args())),
                (n, e) => {
                    self.found.twice.push(format!(
                        "{context}: {:?} in {n} cases, {e} events",
                        a.args()
                    ));
                    still.push(a);
                }
            }
        }
        for a in cut_off {
            match presence(&store, a) {
                (0, 0) => {}
                (1, 1) => {
                    // It was written whole: from now on it must stay.
                    self.now_in_ledger(a);
                    still.push(a.clone());
                }
                (n, e) => self.found.half.push(format!(
                    "{context}: {:?} cut mid-way is in {n} cases, {e} events",
                    a.args()
                )),
            }
        }
        self.kept = still;
        self.ids.retain(|id| matches!(store.get(id), Ok(Some(_))));
        if let Err(e) = store.close() {
            self.found
                .verify_failed
                .push(format!("{context}: close: {e}"));
        }
        !self.ids.is_empty()
    }

    /// The cases an action added can be changed from now on.
    fn now_in_ledger(&mut self, a: &Action) {
        match a {
            Action::New(id) => self.ids.push(id.clone()),
            Action::Import(prefix, n, _) => {
                self.ids
                    .extend((0..*n).step_by(10).map(|i| format!("{prefix}-{i:05}")));
            }
            _ => {}
        }
    }

    fn pick_action(&mut self, round: u64, k: u64) -> Action {
        let token = format!("r{round}-a{k}");
        let id = self.ids[self.rng.below(self.ids.len() as u64) as usize].clone();
        match self.rng.below(12) {
            0 => {
                let prefix = format!("2017-I{round:04}{k}");
                let file = self.files.join(format!("{prefix}.json"));
                let n = 150;
                fs::write(&file, ledger_json(&prefix, n)).unwrap();
                Action::Import(prefix, n, file)
            }
            1 | 2 => Action::New(format!("2017-N{round:04}-{k}")),
            3..=7 => Action::Visit(id, token),
            _ => Action::Task(id, token),
        }
    }

    /// One round of the command line: a few commands, one of them cut where the plan says
    /// (or a cut after them all).
    fn cli_round(&mut self, round: u64) {
        let tear = match self.rng.below(3) {
            0 => Tear::None,
            1 => Tear::InOrder,
            _ => Tear::Scattered,
        };
        // Every fifth round cuts right after the result is printed, and the next one at
        // the command's last fsync (sled's own, as it closes, after the result): the cuts
        // that a ledger without its own fsync cannot survive.
        let when = match (round % 5, self.rng.below(4)) {
            (0, _) => When::AfterAck,
            (1, _) => When::AtSync(self.syncs),
            (_, 0) => When::Between,
            (_, 1) => When::Timed(self.takes.mul_f64(self.rng.unit() * 1.5)),
            (_, 2) => When::AtWrite(1 + self.rng.below(self.writes + 2)),
            _ => When::AtSync(1 + self.rng.below(self.syncs + 1)),
        };
        let before = self.rng.below(3);
        for k in 0..before {
            let a = self.pick_action(round, k);
            self.run(&a, When::Between, Tear::None);
        }
        let a = self.pick_action(round, before);
        let (acked, cut) = self.run(&a, when, tear);
        if !cut {
            self.fs.cut(tear);
        }
        self.found.cuts += 1;
        let cut_off = if acked { vec![] } else { vec![a] };
        if !self.check(&cut_off, &format!("round {round}, {when:?}, {tear:?}")) {
            self.start_ledger();
        }
    }

    /// One round of the TUI in tmux: open the first case, log a visit, Ctrl-S, and the
    /// power goes as soon as "已保存" shows.
    fn tui_round(&mut self, round: u64) {
        let token = format!("tui-r{round}");
        let tear = if self.rng.below(2) == 0 {
            Tear::None
        } else {
            Tear::Scattered
        };
        let cmd = format!(
            "exec env LANG=C.UTF-8 {} ZHENGDUN_TODAY={TODAY} '{BIN}' --db '{}' --as {ACTOR}",
            if self.control {
                format!("{SKIP_FSYNC}=1")
            } else {
                String::new()
            },
            self.db.display()
        );
        let tmux = common::tmux::Tmux::start(&format!("powercut-{round}"), &cmd);
        tmux.wait_for("整顿软弱涣散村党组织台账");
        tmux.keys(&["Enter"]);
        let screen = tmux.wait_for("[概况]");
        // The detail's first line starts with the case's id.
        let id = screen
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        tmux.keys(&["v"]);
        tmux.wait_for("记录走访");
        tmux.type_text(&token);
        tmux.wait_for(&token);
        tmux.keys(&["C-s"]);
        tmux.wait_for("已保存");
        self.fs.freeze(tear);
        let pid: i32 = tmux
            .run(&["display-message", "-p", "-t", "t", "#{pane_pid}"])
            .trim()
            .parse()
            .expect("the pane's pid");
        // SAFETY: a plain kill(2) of the process tmux runs for this test.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
        self.fs.kill_frozen();
        tmux.ended();
        self.fs.restore();
        drop(tmux);
        self.found.cuts += 1;
        self.found.acknowledged += 1;
        self.kept.push(Action::Visit(id, token));
        if !self.check(&[], &format!("TUI round {round}, {tear:?}")) {
            self.start_ledger();
        }
    }

    /// `zhengdun serve` on the ledger, listening on a socket off the power-cut disk, and
    /// done with its own writes (its socket named, its clerk on the roster).
    fn start_server(&self, socket: &Path) -> std::process::Child {
        let mut c = Command::new(BIN);
        c.arg("--db")
            .arg(&self.db)
            .args(["--lang", "en", "serve", "--today", TODAY, "--socket"])
            .arg(socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if self.control {
            c.env(SKIP_FSYNC, "1");
        } else {
            c.env_remove(SKIP_FSYNC);
        }
        let mut server = c.spawn().expect("start zhengdun serve");
        let named = self.db.join(zhengdun::ledger::SERVER_FILE);
        let started = Instant::now();
        while std::os::unix::net::UnixStream::connect(socket).is_err() || !named.exists() {
            if let Some(status) = server.try_wait().expect("wait") {
                let mut err = String::new();
                if let Some(mut e) = server.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("seed {}: the server ended ({status}): {err}", self.seed);
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "seed {}: the server never listened",
                self.seed
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        server
    }

    /// One round of the server: clients write at once through a `serve` process whose
    /// database is on the power-cut disk; the power is cut (timed, or at the n-th write or
    /// fsync of the server, torn or not) and the server dies with it. Every change a
    /// client was told is done must be there once; one in flight, whole or absent.
    fn server_round(&mut self, round: u64) {
        let tear = match self.rng.below(3) {
            0 => Tear::None,
            1 => Tear::InOrder,
            _ => Tear::Scattered,
        };
        let all = CLIENTS * CLIENT_CHANGES;
        let when = match self.rng.below(4) {
            0 => When::Timed(self.takes.mul_f64(self.rng.unit() * all as f64)),
            1 => When::AtWrite(1 + self.rng.below(self.writes * all)),
            2 => When::AtSync(1 + self.rng.below(self.syncs * all)),
            _ => When::Between,
        };
        let socket = self.files.join(format!("s{round}.sock"));
        let mut server = self.start_server(&socket);
        let plans: Vec<Vec<Action>> = (0..CLIENTS)
            .map(|c| {
                (0..CLIENT_CHANGES)
                    .map(|k| self.pick_action(2000 + round, c * CLIENT_CHANGES + k))
                    .collect()
            })
            .collect();
        match when {
            When::AtWrite(n) => self.fs.arm(Plan::FreezeAt(Kind::Write, n), tear),
            When::AtSync(n) => self.fs.arm(Plan::FreezeAt(Kind::Sync, n), tear),
            _ => {}
        }
        // each client: its changes in turn, each (action, printed, exit code) as it ends
        let state = self.files.join("state");
        let clients: Vec<_> = plans
            .into_iter()
            .map(|plan| {
                let (socket, state) = (socket.clone(), state.clone());
                std::thread::spawn(move || {
                    let mut done = Vec::new();
                    for a in plan {
                        let out = Command::new(BIN)
                            .args(["--lang", "en", "--server"])
                            .arg(&socket)
                            .args(a.args())
                            .stdin(Stdio::null())
                            .env("XDG_STATE_HOME", &state)
                            .env_remove("ZHENGDUN_SERVER")
                            .output()
                            .expect("run a client");
                        let printed = out.stdout.contains(&b'\n');
                        let gone = !out.status.success() && !printed;
                        done.push((a, printed, out.status.code(), out.stderr));
                        if gone {
                            break; // the server is gone: the rest would not reach it
                        }
                    }
                    done
                })
            })
            .collect();
        let started = Instant::now();
        loop {
            if self.fs.frozen() {
                break;
            }
            let finished = clients.iter().all(|c| c.is_finished());
            let due = match when {
                When::Timed(d) => started.elapsed() >= d,
                _ => finished,
            };
            if due || finished {
                self.fs.freeze(tear);
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let _ = server.kill();
        self.fs.kill_frozen();
        let _ = server.wait();
        let results: Vec<_> = clients
            .into_iter()
            .flat_map(|c| c.join().expect("a client thread"))
            .collect();
        self.fs.restore();
        self.found.cuts += 1;
        let mut cut_off = Vec::new();
        for (a, printed, code, stderr) in results {
            let ok = code == Some(0);
            if ok != printed {
                self.found.disagree.push(format!(
                    "seed {}: {:?} through the server exited {code:?}, printed: {printed}: {}",
                    self.seed,
                    a.args(),
                    String::from_utf8_lossy(&stderr)
                ));
            }
            if printed {
                self.found.acknowledged += 1;
                self.now_in_ledger(&a);
                self.kept.push(a);
            } else {
                // refused for another reason than the server going away: a harness bug
                if code != Some(3) && !self.control {
                    panic!(
                        "seed {}: {:?} was refused: {}",
                        self.seed,
                        a.args(),
                        String::from_utf8_lossy(&stderr)
                    );
                }
                cut_off.push(a);
            }
        }
        let _ = fs::remove_file(&socket);
        if !self.check(
            &cut_off,
            &format!("server round {round}, {when:?}, {tear:?}"),
        ) {
            self.start_ledger();
        }
    }

    fn rounds(&mut self, mode: Mode, n: u64) {
        for round in 0..n {
            match mode {
                Mode::Cli => self.cli_round(round),
                Mode::Tui => self.tui_round(1000 + round),
                Mode::Server => self.server_round(round),
            }
        }
    }
}

/// Runs the harness in its three modes; what it found.
fn harness(
    test: &str,
    control: bool,
    cli_rounds: u64,
    tui_rounds: u64,
    server_rounds: u64,
) -> Option<Findings> {
    let seed = seed(test);
    let (_tmp, fs) = mounted(test, seed)?;
    let files = tempfile::tempdir().unwrap();
    let mut h = Harness::new(&fs, files.path(), seed, control);
    let started = Instant::now();
    h.rounds(Mode::Cli, cli_rounds);
    let cli_took = started.elapsed();
    if common::tmux::available(test) {
        h.rounds(Mode::Tui, tui_rounds);
    } else {
        assert!(std::env::var_os("CI").is_none(), "{test}: CI needs tmux");
    }
    let tui_took = started.elapsed() - cli_took;
    let before = (h.found.cuts, h.found.acknowledged, h.found.problems());
    h.rounds(Mode::Server, server_rounds);
    let server_took = started.elapsed() - cli_took - tui_took;
    println!(
        "{} ({cli_rounds} command-line rounds in {cli_took:?}, {tui_rounds} TUI rounds in {tui_took:?}, {server_rounds} server rounds in {server_took:?}: {} cuts, {} acknowledged, {} problems; seed {seed})",
        h.found.report(h.name()),
        h.found.cuts - before.0,
        h.found.acknowledged - before.1,
        h.found.problems() - before.2,
    );
    let found = std::mem::take(&mut h.found);
    drop(h);
    Some(found)
}

#[test]
fn no_acknowledged_change_is_lost_to_a_power_cut() {
    let rounds = env_num("ZHENGDUN_POWERCUT_ROUNDS", 30);
    let server = env_num("ZHENGDUN_POWERCUT_SERVER_ROUNDS", (rounds / 10).max(3));
    let Some(found) = harness("power cuts", false, rounds, (rounds / 10).max(3), server) else {
        return;
    };
    assert_eq!(found.problems(), 0, "{}", found.report("power cuts"));
}

/// The teeth: the same harness on a build that skips zhengdun's own fsync (a debug-build
/// switch) must find losses, or it would not catch what it claims to.
#[test]
fn the_harness_catches_a_ledger_that_skips_its_fsync() {
    if !cfg!(debug_assertions) {
        println!("control: the fsync switch exists in debug builds only; skipping");
        return;
    }
    let rounds = (env_num("ZHENGDUN_POWERCUT_ROUNDS", 30) / 10).max(10);
    let server = env_num("ZHENGDUN_POWERCUT_SERVER_ROUNDS", 0) / 10;
    let Some(found) = harness("control", true, rounds, (rounds / 5).max(2), server.max(2)) else {
        return;
    };
    assert!(
        found.problems() > 0,
        "skipping fsync lost nothing: the harness has no teeth\n{}",
        found.report("control")
    );
}
