//! Crash safety: runs the real binary and kills it with SIGKILL at random moments — during
//! a large import, and during a stream of single actions — then reopens the database and
//! checks that it opens, that `verify` passes, that an import is all or nothing, that every
//! action the binary acknowledged (exit 0) is there, and that no action is half-applied
//! (`verify` compares every case with the hash its last history event recorded).
//!
//! CI runs a few tens of kills. A longer run, by hand:
//!
//! ```sh
//! ZHENGDUN_CRASH_ROUNDS=300 cargo test --release --test crash -- --nocapture
//! ```
//!
//! Every run prints its seed; `ZHENGDUN_CRASH_SEED=<seed>` replays the same kill points
//! (the same delays; what the process reached by then depends on the machine).
#![allow(
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::rng::{env_num, Rng};
use common::BIN;
const TODAY: &str = "2017-04-01";

fn seed(test: &str) -> u64 {
    let seed = std::env::var("ZHENGDUN_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    println!("{test}: seed {seed} (replay with ZHENGDUN_CRASH_SEED={seed})");
    seed
}

fn zd(db: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--db")
        .arg(db)
        .args(["--lang", "en", "--today", TODAY, "--as", "crash"]);
    c.stdin(Stdio::null());
    c
}

fn run(db: &Path, args: &[&str]) -> Output {
    zd(db).args(args).output().expect("run zhengdun")
}

/// The ledger of `n` valid cases at `identified`, ids `<prefix>-00000`…
fn ledger(prefix: &str, n: usize) -> String {
    let situations = ["secretary_unfit", "poor_service", "disunited", "no_venue"];
    let mut cases = Vec::with_capacity(n);
    for i in 0..n {
        cases.push(format!(
            r#"{{"id":"{prefix}-{i:05}","year":2017,"county":"阳谷县","township":"阿城镇{t}","village":"{prefix}第{i}村","situations":["{s}"],"problems":"组织涣散 {i}","identified_on":"2017-03-10","deadline":"2017-12-31","stage":"identified","pairing":null,"tasks":[],"adjustments":[],"no_adjustment_reason":null,"visits":[],"acceptance":[],"closed_on":null,"relapse_of":null}}"#,
            t = i % 17,
            s = situations[i % situations.len()],
        ));
    }
    // Three accountability events ride along: they belong to the import's all or nothing.
    let acc: Vec<String> = (0..n.min(3))
        .map(|i| {
            format!(
                r#"{{"on":"2017-03-30","county":"阳谷县","township":"阿城镇{i}","person":"镇党委书记","kind":"talk","reason":"{prefix}","cases":["{prefix}-{i:05}"]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"format":"zhengdun/1","as_of":"2017-04-01","cases":[{}],"accountability":[{}]}}"#,
        cases.join(",\n"),
        acc.join(",")
    )
}

/// `verify` must pass; returns (cases, history events) from its report.
fn verify(db: &Path, context: &str) -> (u64, u64) {
    let out = run(db, &["verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{context}: verify failed after the kill (exit {:?}):\n{stdout}\n{stderr}",
        out.status.code()
    );
    // "<dir>: N cases, M history events, chain intact"
    let tail = stdout.rsplit(": ").next().unwrap_or("");
    let nums: Vec<u64> = tail
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    assert!(
        nums.len() >= 2,
        "{context}: unexpected verify output {stdout}"
    );
    (nums[0], nums[1])
}

/// Waits for `child` until `deadline`; kills it (SIGKILL) if it is still running then.
/// Returns `Some(success)` if it exited by itself, `None` if it was killed.
fn run_until(mut child: Child, deadline: Instant) -> Option<bool> {
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return Some(status.success());
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let status = child.wait().expect("reap");
            // It may have finished between the last look and the kill.
            return status.code().map(|c| c == 0);
        }
        std::thread::sleep(Duration::from_micros(300));
    }
}

fn temp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("zhengdun-crash-")
        .tempdir()
        .expect("tempdir")
}

#[test]
fn a_killed_import_is_all_or_nothing() {
    let seed = seed("import");
    let mut rng = Rng(seed);
    let rounds = (env_num("ZHENGDUN_CRASH_ROUNDS", 30) / 3).max(8);
    let n = env_num("ZHENGDUN_CRASH_CASES", 10_000) as usize;
    let tmp = temp();
    let base_file = tmp.path().join("base.json");
    std::fs::write(&base_file, ledger("2017-BASE", 20)).unwrap();

    // One import that runs to the end measures how long the window is.
    let (mut none, mut all, mut acked) = (0, 0, 0);
    let mut window = Duration::ZERO;
    for round in 0..=rounds {
        let db = tmp.path().join(format!("db{round}"));
        assert!(run(&db, &["import", base_file.to_str().unwrap()])
            .status
            .success());
        let big = tmp.path().join(format!("big{round}.json"));
        std::fs::write(&big, ledger(&format!("2017-R{round}"), n)).unwrap();
        let child = zd(&db)
            .arg("import")
            .arg(&big)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let delay = if round == 0 {
            Duration::from_secs(3600)
        } else if rng.below(2) == 0 {
            window.mul_f64(rng.unit())
        } else {
            // Half the kills land in the last 30%, where the batch is written and synced.
            window.mul_f64(0.7 + rng.unit() * 0.35)
        };
        let exited = run_until(child, started + delay);
        if round == 0 {
            window = started.elapsed();
            assert_eq!(exited, Some(true), "the import without a kill must succeed");
        } else if exited == Some(true) {
            // The machine's pace changes (other work, warm caches): follow it.
            window = (window + started.elapsed()) / 2;
        }
        let context =
            format!("seed {seed}, import round {round}, kill after {delay:?} of {window:?}");
        let (cases, events) = verify(&db, &context);
        if exited == Some(true) {
            acked += 1;
            assert_eq!(
                cases,
                20 + n as u64,
                "{context}: an acknowledged import is missing cases"
            );
        }
        assert!(
            cases == 20 || cases == 20 + n as u64,
            "{context}: a partial import: {cases} cases (expected 20 or {})",
            20 + n
        );
        // one event per case, and one per import that brought accountability events
        let imports = if cases == 20 { 1 } else { 2 };
        assert_eq!(
            events,
            cases + imports,
            "{context}: cases and history disagree"
        );
        let accountability = zhengdun::store::Store::open(&db)
            .and_then(|s| s.accountability())
            .expect("reopen in process")
            .len();
        assert_eq!(
            accountability,
            if cases == 20 { 3 } else { 6 },
            "{context}: the import's accountability events were not written with its cases"
        );
        if cases == 20 {
            none += 1;
        } else {
            all += 1;
        }
        let _ = std::fs::remove_dir_all(&db);
        let _ = std::fs::remove_file(&big);
    }
    println!(
        "import: {rounds} kills of an import of {n} cases (+1 full run): {none} left nothing, {all} left all ({acked} acknowledged)"
    );
}

/// One single action of the stream; `token` makes it recognisable afterwards.
enum Action {
    New(String),
    Visit(String, String),
    Task(String, String),
}

impl Action {
    fn args(&self) -> Vec<String> {
        match self {
            Action::New(id) => common::opening(id),
            Action::Visit(id, token) => common::visiting(id, token),
            Action::Task(id, token) => common::tasking(id, token),
        }
    }

    /// Whether the exported ledger holds this action's result.
    fn is_in(&self, export: &serde_json::Value) -> bool {
        let cases = export["cases"].as_array().cloned().unwrap_or_default();
        let case = |id: &str| cases.iter().find(|c| c["id"] == id).cloned();
        match self {
            Action::New(id) => case(id).is_some(),
            Action::Visit(id, token) => case(id)
                .and_then(|c| c["visits"].as_array().cloned())
                .is_some_and(|v| v.iter().any(|x| x["findings"] == token.as_str())),
            Action::Task(id, token) => case(id)
                .and_then(|c| c["tasks"].as_array().cloned())
                .is_some_and(|v| v.iter().any(|x| x["measure"] == token.as_str())),
        }
    }
}

#[test]
fn a_killed_action_loses_nothing_acknowledged() {
    let seed = seed("actions");
    let mut rng = Rng(seed);
    let rounds = env_num("ZHENGDUN_CRASH_ROUNDS", 30);
    let tmp = temp();
    let db: PathBuf = tmp.path().join("db");
    let base_file = tmp.path().join("base.json");
    std::fs::write(&base_file, ledger("2017-A", 8)).unwrap();
    assert!(run(&db, &["import", base_file.to_str().unwrap()])
        .status
        .success());
    let mut ids: Vec<String> = (0..8).map(|i| format!("2017-A-{i:05}")).collect();

    // How long one action takes here, to spread the kills over a few of them.
    let t0 = Instant::now();
    assert!(run(
        &db,
        &[
            "visit",
            &ids[0],
            "--kind",
            "unannounced",
            "--findings",
            "warm-up"
        ]
    )
    .status
    .success());
    let one = t0.elapsed();

    let (mut acked_total, mut killed_applied, mut killed_absent, mut checked) = (0u64, 0, 0, 0u64);
    let mut acknowledged: Vec<Action> = Vec::new();
    let (_, mut events_before) = verify(&db, "before the first kill");
    for round in 0..rounds {
        let deadline = Instant::now() + one.mul_f64(rng.unit() * 6.0);
        let mut round_acked = 0u64;
        let mut k = 0;
        let killed = loop {
            let token = format!("r{round}-a{k}");
            k += 1;
            let action = match rng.below(5) {
                0 => Action::New(format!("2017-N-{round:04}-{k:03}")),
                1 | 2 => Action::Visit(ids[rng.below(ids.len() as u64) as usize].clone(), token),
                _ => Action::Task(ids[rng.below(ids.len() as u64) as usize].clone(), token),
            };
            let child = zd(&db)
                .args(action.args())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            match run_until(child, deadline) {
                Some(true) => {
                    if let Action::New(id) = &action {
                        ids.push(id.clone());
                    }
                    round_acked += 1;
                    acknowledged.push(action);
                }
                Some(false) => panic!(
                    "seed {seed}, round {round}: an action was refused: {:?}",
                    action.args()
                ),
                None => break action,
            }
        };
        let context = format!("seed {seed}, action round {round}");
        let (_, events) = verify(&db, &context);
        let new_events = events - events_before;
        assert!(
            new_events == round_acked || new_events == round_acked + 1,
            "{context}: {round_acked} actions acknowledged but {new_events} history events written"
        );
        events_before = events;
        acked_total += round_acked;
        let export = run(&db, &["export", "--format", "json"]);
        assert!(export.status.success(), "{context}: export failed");
        let export: serde_json::Value =
            serde_json::from_slice(&export.stdout).expect("export is JSON");
        for a in &acknowledged {
            checked += 1;
            assert!(
                a.is_in(&export),
                "{context}: acknowledged action {:?} is lost",
                a.args()
            );
        }
        // The killed action is either all there or not at all.
        let applied = killed.is_in(&export);
        assert_eq!(
            applied,
            new_events == round_acked + 1,
            "{context}: the killed action {:?} is half there",
            killed.args()
        );
        if applied {
            killed_applied += 1;
            if let Action::New(id) = &killed {
                ids.push(id.clone());
            }
            // It was written: from now on it counts like an acknowledged one.
            acknowledged.push(killed);
        } else {
            killed_absent += 1;
        }
    }
    println!(
        "actions: {rounds} kills; {acked_total} acknowledged actions, all present ({checked} presence checks); \
         killed actions: {killed_applied} written whole, {killed_absent} not written"
    );
}
