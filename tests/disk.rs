//! What a disk does besides damage — fills up, turns read-only, fails once, goes away — and a
//! new ledger cut off during its first command: each is said as what it is, with what to do;
//! the exit code agrees with what was printed; reading commands go on where the disk can
//! still be read; and the ledger is usable again once the cause is gone.
//!
//! The full and read-only disks are a small tmpfs (root only); the failing and vanishing
//! disks, and the cut first command, are the power-cut file system of `tests/powercut/`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

mod powercut;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use powercut::{Kind, Plan, PowerCut, Tear};

mod common;
use common::BIN;

fn zd(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(["--lang", "en", "--today", "2017-04-01", "--as", "测试员"])
        .args(args)
        .env_remove("ZHENGDUN_UNSAFE_SKIP_FSYNC")
        .output()
        .expect("run zhengdun")
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(db: &Path, args: &[&str]) -> String {
    let o = zd(db, args);
    assert!(o.status.success(), "{args:?}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Refused with exit 3 and a message containing `what`, which is not called damage.
fn refused(db: &Path, args: &[&str], what: &str) {
    let o = zd(db, args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{args:?}: {}", text(&o));
    assert!(err.contains(what), "{args:?}: {}", text(&o));
    assert!(!err.contains("damaged"), "{args:?}: {}", text(&o));
}

fn new_case(db: &Path, id: &str) -> Output {
    let case = common::new_case(id, ["阳谷县", "阿城镇", id], "poor_service", "2017-03-10");
    zd(db, &case)
}

fn visit(db: &Path, id: &str, findings: &str) -> Output {
    zd(
        db,
        &["visit", id, "--kind", "visit", "--findings", findings],
    )
}

fn visits(db: &Path, id: &str) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&ok(db, &["show", id, "--format", "json"])).unwrap();
    v["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["findings"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A tmpfs of `size` mounted on a new directory, unmounted when dropped; `None` (with a
/// notice) where mounting is not allowed, except in CI.
struct Tmpfs {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disk");
        fs::create_dir(&path).unwrap();
        let o = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .output();
        if !o.as_ref().is_ok_and(|o| o.status.success()) {
            assert!(
                std::env::var_os("CI").is_none(),
                "cannot mount a tmpfs: {o:?}"
            );
            println!("cannot mount a tmpfs here (not root?); skipping");
            return None;
        }
        Some(Tmpfs { _dir: dir, path })
    }

    fn remount(&self, how: &str) {
        let o = Command::new("mount")
            .args(["-o", &format!("remount,{how}")])
            .arg(&self.path)
            .output()
            .unwrap();
        assert!(o.status.success(), "remount {how}: {o:?}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).output();
    }
}

#[test]
fn a_full_disk_is_said_to_be_full_and_reading_goes_on() {
    let Some(disk) = Tmpfs::mount("4m") else {
        return;
    };
    let db = disk.path.join("ledger");
    assert!(new_case(&db, "A-1").status.success());
    assert!(visit(&db, "A-1", "before").status.success());
    // Fill what is left.
    let fill = disk.path.join("fill");
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=64k"])
        .arg(format!("of={}", fill.display()))
        .output();
    refused(
        &db,
        &["visit", "A-1", "--kind", "visit", "--findings", "full"],
        "is full",
    );
    refused(&db, &["advance", "A-1"], "is full");
    // Reading commands work (from a copy), and say so.
    for args in [
        &["list"][..],
        &["show", "A-1"],
        &["verify"],
        &["stats"],
        &["export", "--format", "json"],
    ] {
        let o = zd(&db, args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("read from a copy"),
            "{args:?}: {}",
            text(&o)
        );
    }
    assert_eq!(visits(&db, "A-1"), ["before"]);
    // Space again: the ledger is usable, nothing acknowledged lost, nothing half-done.
    fs::remove_file(&fill).unwrap();
    assert!(visit(&db, "A-1", "after").status.success());
    assert!(ok(&db, &["verify"]).contains("chain intact"));
    let seen = visits(&db, "A-1");
    assert!(seen.starts_with(&["before".to_string()]), "{seen:?}");
    assert_eq!(seen.last().map(String::as_str), Some("after"));
    assert!(seen.len() <= 3, "{seen:?}");
}

#[test]
fn a_read_only_disk_is_read_and_not_written() {
    let Some(disk) = Tmpfs::mount("8m") else {
        return;
    };
    let db = disk.path.join("ledger");
    assert!(new_case(&db, "A-1").status.success());
    disk.remount("ro");
    refused(
        &db,
        &["visit", "A-1", "--kind", "visit", "--findings", "ro"],
        "read-only",
    );
    assert!(ok(&db, &["list"]).contains("A-1"));
    assert!(ok(&db, &["verify"]).contains("chain intact"));
    disk.remount("rw");
    assert!(visit(&db, "A-1", "writable again").status.success());
    assert_eq!(visits(&db, "A-1"), ["writable again"]);
}

/// An export onto a full disk — the xlsx workbook's rows kept in temporary files beside
/// the output, or the JSON itself — is said to be full (exit 3), and leaves neither half a
/// file nor a temporary one; a file of that name is left as it was.
#[test]
fn an_export_onto_a_full_disk_is_said_to_be_full_and_leaves_no_half_file() {
    let Some(disk) = Tmpfs::mount("256k") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("ledger");
    let file = home.path().join("sample.json");
    fs::write(&file, zhengdun::sample::generate(300, 1).to_json().unwrap()).unwrap();
    let late = |args: &[&str]| {
        Command::new(BIN)
            .arg("--db")
            .arg(&db)
            .args(["--lang", "en", "--today", "2017-09-15"])
            .args(args)
            .output()
            .expect("run zhengdun")
    };
    let o = late(&["import", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let old = disk.path.join("台账.xlsx");
    fs::write(&old, "the export of last week").unwrap();
    for (out, format) in [(&old, "xlsx"), (&disk.path.join("台账.json"), "json")] {
        let o = late(&["export", "--format", format, "-o", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(3), "{format}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("is full"), "{format}: {}", text(&o));
        assert!(
            err.contains("no file was written"),
            "{format}: {}",
            text(&o)
        );
        let left: Vec<_> = fs::read_dir(&disk.path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["台账.xlsx"], "{format}: {}", text(&o));
    }
    assert_eq!(fs::read_to_string(&old).unwrap(), "the export of last week");
}

fn mounted(test: &str) -> Option<(tempfile::TempDir, PowerCut)> {
    if !PowerCut::available(test) {
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    let fs = PowerCut::mount(tmp.path(), 1).expect("mount");
    Some((tmp, fs))
}

#[test]
fn a_disk_that_goes_away_is_not_called_damage() {
    let Some((_tmp, disk)) = mounted("vanishing disk") else {
        return;
    };
    let db = disk.path().join("ledger");
    assert!(new_case(&db, "A-1").status.success());
    disk.set_gone(true);
    refused(&db, &["list"], "does not answer");
    disk.set_gone(false);
    assert!(ok(&db, &["list"]).contains("A-1"));

    // It goes away in the middle of a change: refused as what it is, never half-done.
    disk.arm(Plan::GoneFrom(Kind::Sync, 1), Tear::None);
    refused(
        &db,
        &["visit", "A-1", "--kind", "visit", "--findings", "gone"],
        "does not answer",
    );
    disk.restore();
    assert!(ok(&db, &["verify"]).contains("chain intact"));
    assert!(visits(&db, "A-1").len() <= 1);
}

/// sled syncs its log once more as it closes and panics when that fails; the command had
/// already made its change durable and printed it, so it must exit 0 (with a warning).
#[test]
fn a_disk_failing_as_the_ledger_closes_does_not_turn_success_into_a_crash() {
    let Some((_tmp, disk)) = mounted("failing close") else {
        return;
    };
    let db = disk.path().join("ledger");
    assert!(new_case(&db, "A-1").status.success());
    // The last fsync of a visit is sled's, as it closes.
    let (_, before, _) = disk.counts();
    assert!(visit(&db, "A-1", "counted").status.success());
    let (_, after, _) = disk.counts();
    disk.arm(Plan::FailAt(Kind::Sync, after - before), Tear::None);
    let o = visit(&db, "A-1", "close fails");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "A-1 2",
        "{}",
        text(&o)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("closing the ledger failed"),
        "{}",
        text(&o)
    );
    // And it is there, after a power cut too.
    disk.cut(Tear::None);
    assert_eq!(visits(&db, "A-1"), ["counted", "close fails"]);
}

/// A new ledger whose first command is cut off at any write or sync is an empty ledger
/// afterwards (or holds that first change), never "damaged" or "not a zhengdun database".
#[test]
fn a_new_ledger_cut_during_its_first_command_is_an_empty_ledger() {
    let Some((_tmp, disk)) = mounted("first command") else {
        return;
    };
    // How many changes the first command makes.
    let db = disk.path().join("probe");
    let (_, _, c0) = disk.counts();
    assert!(new_case(&db, "A-1").status.success());
    let (_, _, c1) = disk.counts();
    let mut states = std::collections::BTreeSet::new();
    for n in 1..=(c1 - c0) {
        for tear in [Tear::None, Tear::Scattered] {
            let db = disk.path().join(format!("l{n}-{tear:?}"));
            disk.arm(Plan::FreezeAt(Kind::Change, n), tear);
            let mut child = Command::new(BIN)
                .arg("--db")
                .arg(&db)
                .args([
                    "--lang",
                    "en",
                    "--today",
                    "2017-04-01",
                    "new",
                    "--id",
                    "A-1",
                ])
                .args([
                    "--year",
                    "2017",
                    "--county",
                    "阳谷县",
                    "--township",
                    "阿城镇",
                ])
                .args(["--village", "前进村", "--situation", "poor_service"])
                .args(["--identified-on", "2017-03-10"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            while !disk.frozen() && child.try_wait().unwrap().is_none() {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            let _ = child.kill();
            disk.kill_frozen();
            let _ = child.wait();
            disk.restore();
            let mut names: Vec<String> = fs::read_dir(&db)
                .map(|d| {
                    d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            states.insert(names.join(","));
            let context = format!("cut at change {n} ({tear:?}), left {names:?}");
            let o = new_case(&db, "A-1");
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                o.status.success() || err.contains("already in the ledger"),
                "{context}: {}",
                text(&o)
            );
            let list = zd(&db, &["list"]);
            assert!(list.status.success(), "{context}: {}", text(&list));
            assert!(ok(&db, &["verify"]).contains("1 cases"), "{context}");
        }
    }
    println!(
        "first command: cut at each of {} changes; left {states:?}",
        c1 - c0
    );
    // The cut must have reached the states the defect was about.
    assert!(states.iter().any(|s| s == "zhengdun.lock"), "{states:?}");
    assert!(
        states
            .iter()
            .any(|s| s.contains("conf") && !s.split(',').any(|n| n == "db")),
        "{states:?}"
    );
}

/// The same, made by hand: a directory holding only the lock, or `conf` (even a torn one)
/// without `db`, is an empty ledger; with a snapshot or a blob beside them it is damage.
#[test]
fn what_a_cut_first_command_leaves_is_an_empty_ledger_but_lost_data_is_damage() {
    let tmp = tempfile::tempdir().unwrap();
    let only_lock = tmp.path().join("only-lock");
    fs::create_dir(&only_lock).unwrap();
    fs::write(only_lock.join("zhengdun.lock"), "").unwrap();
    let torn_conf = tmp.path().join("torn-conf");
    fs::create_dir_all(torn_conf.join("blobs")).unwrap();
    fs::write(torn_conf.join("conf"), b"segment_size: 52\0\0garbage").unwrap();
    fs::write(torn_conf.join("zhengdun.lock"), "123").unwrap();
    for db in [&only_lock, &torn_conf] {
        assert!(ok(db, &["list"]).contains("0 cases"), "{}", db.display());
        assert!(new_case(db, "A-1").status.success(), "{}", db.display());
        assert!(ok(db, &["verify"]).contains("1 cases"));
    }
    let lost = tmp.path().join("lost-data");
    fs::create_dir_all(lost.join("blobs")).unwrap();
    fs::write(lost.join("conf"), b"x").unwrap();
    fs::write(lost.join("blobs").join("1"), b"a value").unwrap();
    let o = zd(&lost, &["list"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("damaged"),
        "{}",
        text(&o)
    );
}
