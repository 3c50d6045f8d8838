//! What the test binaries share: the real binary run on a ledger of the test's own
//! (`zhengdun`, `Db`), a `zhengdun serve` waited for until it listens (`server`), the OS
//! accounts the tests run clients as (`accounts`), the real terminal (`tmux`), and the app
//! driven without a terminal on a small Chinese ledger (`tui`). Each test crate says
//! `mod common;` and uses the part it needs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "helpers shared by the test binaries: a failed step should stop the test with its message"
)]
// Each test crate uses part of it.
#![allow(dead_code)]

pub mod accounts;
pub mod people;
pub mod rng;
pub mod server;
pub mod tmux;
pub mod tui;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_zhengdun");

/// The shipped sample ledger (聊城市 2017) and the day it is as of.
pub const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/sample-data/liaocheng-2017.json"
);
pub const SAMPLE_DAY: &str = "2017-09-15";

/// A day written as 2017-09-15.
pub fn d(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The binary, as a command to add arguments to.
pub fn zhengdun() -> Command {
    Command::new(BIN)
}

/// The binary on the ledger in `db`.
pub fn on_ledger(db: &Path) -> Command {
    let mut cmd = zhengdun();
    cmd.arg("--db").arg(db);
    cmd
}

/// Bytes a process printed, as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// What a run that must succeed printed; a failure stops the test with `what` and the
/// run's stderr.
pub fn succeeded(out: &Output, what: impl std::fmt::Debug) -> String {
    assert!(out.status.success(), "{what:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// The binary on the ledger in `db`, with `flags` then `args`, and no `ZHENGDUN_LANG` or
/// `ZHENGDUN_TODAY` of the caller's: whether it succeeded, what it printed on stdout and on
/// stderr.
pub fn run_on(db: &Path, flags: &[&str], args: &[&str]) -> (bool, String, String) {
    let out = on_ledger(db)
        .args(flags)
        .args(args)
        .env_remove("ZHENGDUN_LANG")
        .env_remove("ZHENGDUN_TODAY")
        .output()
        .unwrap();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

/// The arguments of `new` for a case identified on `on`, of one situation.
pub fn new_case<'a>(
    id: &'a str,
    [county, township, village]: [&'a str; 3],
    situation: &'a str,
    on: &'a str,
) -> [&'a str; 15] {
    [
        "new",
        "--id",
        id,
        "--year",
        "2017",
        "--county",
        county,
        "--township",
        township,
        "--village",
        village,
        "--situation",
        situation,
        "--identified-on",
        on,
    ]
}

/// The single changes the crash and power-cut tests make by the hundred, as the binary's
/// arguments: a new case of 阳谷县 阿城镇 (its village named by its id), and a visit and a
/// task whose findings and measure are `token`, which finds the change again afterwards.
pub fn opening(id: &str) -> Vec<String> {
    owned(&new_case(
        id,
        ["阳谷县", "阿城镇", id],
        "poor_service",
        "2017-03-10",
    ))
}

pub fn visiting(id: &str, token: &str) -> Vec<String> {
    owned(&["visit", id, "--kind", "unannounced", "--findings", token])
}

pub fn tasking(id: &str, token: &str) -> Vec<String> {
    owned(&[
        "task",
        id,
        "add",
        "--measure",
        token,
        "--responsible",
        "镇党委",
        "--due",
        "2017-06-30",
    ])
}

fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// A ledger directory of the test's own (removed with the value), with room for files
/// beside it, run by the binary as 测试员 on 2017-06-15: the day the hand-made ledgers of
/// the CLI tests are worked out for. In the language of `ZHENGDUN_LANG` removed, unless made
/// `in_lang`.
pub struct Db {
    pub tmp: tempfile::TempDir,
    pub dir: PathBuf,
    lang: Option<&'static str>,
}

impl Db {
    pub fn new() -> Db {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ledger");
        Db {
            tmp,
            dir,
            lang: None,
        }
    }

    /// A ledger whose runs say `--lang lang`.
    pub fn in_lang(lang: &'static str) -> Db {
        Db {
            lang: Some(lang),
            ..Db::new()
        }
    }

    /// Writes a file beside the ledger; its path.
    pub fn file(&self, name: &str, body: &str) -> PathBuf {
        let p = self.tmp.path().join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    /// Imports a ledger file of this JSON.
    pub fn import(&self, json: &str) {
        let f = self.file("ledger.json", json);
        self.ok(&["import", f.to_str().unwrap()]);
    }

    fn command(&self, lang: Option<&str>, args: &[&str]) -> Command {
        let mut cmd = on_ledger(&self.dir);
        cmd.args(["--today", "2017-06-15", "--as", "测试员"]);
        if let Some(lang) = lang {
            cmd.args(["--lang", lang]);
        }
        cmd.args(args).env_remove("ZHENGDUN_LANG");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(self.lang, args).output().unwrap()
    }

    pub fn run_in(&self, lang: &str, args: &[&str]) -> Output {
        self.command(Some(lang), args).output().unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    /// Runs a command that must be refused: non-zero exit, one line on stderr, nothing on
    /// stdout (but `verify`'s report of what it checked). Its exit code and its line.
    pub fn refused(&self, args: &[&str]) -> (i32, String) {
        Db::refusal(args, self.run(args))
    }

    /// The same, in `lang`.
    pub fn refused_in(&self, lang: &str, args: &[&str]) -> (i32, String) {
        Db::refusal(args, self.run_in(lang, args))
    }

    fn refusal(args: &[&str], o: Output) -> (i32, String) {
        let err = String::from_utf8(o.stderr).unwrap();
        assert!(!o.status.success(), "{args:?} should fail");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?}: not one line: {err}"
        );
        assert!(
            o.stdout.is_empty() || args.contains(&"verify"),
            "{args:?} printed {:?}",
            o.stdout
        );
        (o.status.code().unwrap(), err)
    }

    /// `show ID --format json`.
    pub fn show(&self, id: &str) -> Value {
        serde_json::from_str(&self.ok(&["show", id, "--format", "json"])).unwrap()
    }
}
