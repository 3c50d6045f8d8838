//! An import through the county's server, sent in parts (more cases than one frame holds):
//! the same cases, messages, refusals and summary as the same import made on a ledger
//! opened locally; nothing written when a case of a late part is refused; a client killed
//! in the middle leaves the ledger as it was and no spool, and held up no one meanwhile.
//! Real `zhengdun serve` and client processes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use zhengdun::domain::Case;
use zhengdun::ledger::protocol::CASES_PER_FRAME;
use zhengdun::ledger::IMPORT_SPOOL_PREFIX;

mod common;
use common::server::{serve, Server};
use common::{text, SAMPLE, SAMPLE_DAY};

/// Cases enough for three parts on the wire.
const CASES: usize = 2 * CASES_PER_FRAME + 500;

/// The binary, in English on the sample's day, reaching no server but the one it is told.
fn zd(args: &[&str]) -> Output {
    common::server::client()
        .args(["--lang", "en", "--today", SAMPLE_DAY])
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = zd(args);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// A ledger in `dir/name`, with the sample's cases or none, and `zhengdun serve` on it.
struct Served {
    db: PathBuf,
    socket: PathBuf,
    _server: Server,
}

impl Served {
    fn start(dir: &Path, name: &str, sample: bool) -> Served {
        let db = dir.join(name);
        if sample {
            ok(&["--db", db.to_str().unwrap(), "import", SAMPLE]);
        }
        let socket = dir.join(format!("{name}.sock"));
        let mut cmd = serve(&db, &socket);
        cmd.args(["--lang", "en"]).stderr(Stdio::piped());
        let server = Server::start(&mut cmd, &socket);
        Served {
            db,
            socket,
            _server: server,
        }
    }

    fn client(&self, args: &[&str]) -> Output {
        let mut all = vec!["--server", self.socket.to_str().unwrap()];
        all.extend_from_slice(args);
        zd(&all)
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.client(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    }

    /// The spools in the ledger's directory (the server's, of imports under way).
    fn spools(&self) -> Vec<PathBuf> {
        std::fs::read_dir(&self.db)
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(IMPORT_SPOOL_PREFIX)
            })
            .map(|e| e.path())
            .collect()
    }

    /// Waits until no spool is left (the server lets go of one as its client's connection
    /// ends); fails the test after a while.
    fn no_spool_left(&self) {
        let started = Instant::now();
        while !self.spools().is_empty() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "a spool was left: {:?}",
                self.spools()
            );
            sleep(Duration::from_millis(20));
        }
    }
}

/// A generated ledger of `CASES` cases, as JSON, changed by `change`. With `beside_sample`,
/// its ids and villages are other than the sample's, so that it imports into it.
fn ledger(beside_sample: bool, change: impl FnOnce(&mut Vec<Case>)) -> String {
    let mut l = zhengdun::sample::generate(CASES, 7);
    if beside_sample {
        let other = |id: &str| id.replacen('-', "-N", 1);
        for c in &mut l.cases {
            c.id = other(&c.id);
            c.relapse_of = c.relapse_of.as_deref().map(other);
            c.village = format!("新{}", c.village);
        }
    }
    change(&mut l.cases);
    l.to_json().unwrap()
}

fn write(dir: &Path, name: &str, json: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, json).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn an_import_in_parts_is_the_same_import_as_a_local_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "l.json", &ledger(false, |_| {}));
    let local = dir.path().join("local");
    let local = local.to_str().unwrap();
    let s = Served::start(dir.path(), "served", false);
    // a dry run says the same, and writes nothing
    let said = ok(&["--db", local, "import", "--dry-run", &file]);
    assert!(
        said.contains(&format!("would import {CASES} cases")),
        "{said}"
    );
    assert_eq!(s.ok(&["import", "--dry-run", &file]), said);
    assert!(s.ok(&["verify"]).contains(": 0 cases"));
    let said = ok(&["--db", local, "import", &file]);
    assert!(said.contains(&format!("imported {CASES} cases")), "{said}");
    assert_eq!(s.ok(&["import", &file]), said);
    let export = ["export", "--format", "json"];
    let mut args = vec!["--db", local];
    args.extend(export);
    assert_eq!(s.ok(&export), ok(&args));
    assert!(s.ok(&["stats"]) == ok(&["--db", local, "stats"]));
    let verified = s.ok(&["verify"]);
    assert!(
        verified.contains(&format!("{CASES} cases")) && verified.contains("chain intact"),
        "{verified}"
    );
    s.no_spool_left();
}

#[test]
fn a_case_refused_in_a_late_part_writes_nothing_and_is_said_as_locally() {
    let dir = tempfile::tempdir().unwrap();
    let s = Served::start(dir.path(), "served", true);
    let local = dir.path().join("local");
    let local = local.to_str().unwrap();
    ok(&["--db", local, "import", SAMPLE]);
    let before = s.ok(&["export", "--format", "json"]);
    let late = CASES - 200;
    let bad = [
        // an id the ledger already holds: refused with the part it came in
        write(
            dir.path(),
            "taken.json",
            &ledger(true, |cases| cases[late].id = "2017-YG-003".into()),
        ),
        // a second case of a village in one year: refused once every part is in, both
        // rows named
        write(
            dir.path(),
            "twice.json",
            &ledger(true, |cases| {
                let first = cases[5].clone();
                let c = &mut cases[late];
                (c.county, c.township, c.village, c.year) =
                    (first.county, first.township, first.village, first.year);
                c.identified_on = first.identified_on;
            }),
        ),
    ];
    // the refusal with a part, the one at the end, and the end's as a dry run says it
    for (file, dry) in [(&bad[0], false), (&bad[1], false), (&bad[1], true)] {
        let mut args = vec!["import"];
        if dry {
            args.push("--dry-run");
        }
        args.push(file);
        let mut on_local = vec!["--db", local];
        on_local.extend(&args);
        let (here, there) = (zd(&on_local), s.client(&args));
        assert!(!here.status.success(), "{args:?} was to be refused");
        assert_eq!(there.status.code(), here.status.code(), "{args:?}");
        assert_eq!(text(&there.stderr), text(&here.stderr), "{args:?}");
        assert_eq!(text(&there.stdout), text(&here.stdout), "{args:?}");
    }
    let said = text(&s.client(&["import", &bad[1]]).stderr);
    assert!(
        said.contains("cases[5]") && said.contains(&format!("cases[{late}]")),
        "{said}"
    );
    assert_eq!(s.ok(&["export", "--format", "json"]), before);
    assert!(s.ok(&["verify"]).contains("chain intact"));
    s.no_spool_left();
}

#[test]
fn a_client_killed_in_the_middle_of_an_import_leaves_the_ledger_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let s = Served::start(dir.path(), "served", true);
    let before = s.ok(&["list", "--format", "csv"]);
    // the import reads a pipe that the test fills halfway, then holds: the client is
    // stalled in the middle of its import, a part or more sent
    let pipe = dir.path().join("import.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap();
    assert!(made.success());
    let json = ledger(true, |_| {});
    let mut importing = common::server::client()
        .args(["--lang", "en", "--server", s.socket.to_str().unwrap()])
        .arg("import")
        .arg(&pipe)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut feed = std::fs::OpenOptions::new().write(true).open(&pipe).unwrap();
    feed.write_all(&json.as_bytes()[..json.len() * 2 / 3])
        .unwrap();
    let started = Instant::now();
    while !s
        .spools()
        .iter()
        .any(|p| std::fs::metadata(p).is_ok_and(|m| m.len() > 0))
    {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no part of the import arrived"
        );
        sleep(Duration::from_millis(20));
    }
    // meanwhile another client writes, unhindered
    s.ok(&[
        "visit",
        "2017-YG-003",
        "--kind",
        "visit",
        "--findings",
        "导入途中的走访",
    ]);
    assert!(s.ok(&["show", "2017-YG-003"]).contains("导入途中的走访"));
    importing.kill().unwrap();
    importing.wait().unwrap();
    drop(feed);
    s.no_spool_left();
    assert_eq!(s.ok(&["list", "--format", "csv"]), before);
    let verified = s.ok(&["verify"]);
    assert!(
        verified.contains("272 cases") && verified.contains("chain intact"),
        "{verified}"
    );
    // and the same import, whole, goes through afterwards
    let file = write(dir.path(), "whole.json", &json);
    assert!(s
        .ok(&["import", &file])
        .contains(&format!("imported {CASES} cases")));
    s.no_spool_left();
}
