//! `list --format json|csv`, `export` (json, csv) and `backup` write a large ledger a part
//! at a time: what they write is what the whole ledger written at once gives, byte for byte.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test fixtures: a failed step should stop the test with its message"
)]

use std::path::Path;
use std::process::Command;

use zhengdun::domain::{ChangeKind, Policy};
use zhengdun::i18n::Lang;
use zhengdun::ledger::{Ctx, Ledger, Local};

mod common;

const TODAY: &str = "2017-09-15";

fn ctx() -> Ctx {
    Ctx {
        today: chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap(),
        actor: "组织部".into(),
        policy: Policy::default(),
        person: None,
    }
}

/// A ledger of more cases than one part (500) holds, with a voided case among them.
fn ledger(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("db");
    let l = Local::open(&db, ctx()).unwrap();
    let sample = zhengdun::sample::generate(1_234, 5);
    l.import(sample.cases, sample.accountability, ChangeKind::Imported)
        .unwrap();
    let id = l.summaries().unwrap()[700].id().to_string();
    l.execute(
        &id,
        &[zhengdun::domain::Command::Void {
            on: ctx().today,
            reason: "重复录入".into(),
        }],
        None,
    )
    .unwrap();
    db
}

fn run(db: &Path, args: &[&str]) -> Vec<u8> {
    let out = common::on_ledger(db)
        .args(["--today", TODAY, "--lang", "zh", "--as", "组织部"])
        .args(args)
        .env_remove("ZHENGDUN_LANG")
        .output()
        .unwrap();
    common::succeeded(&out, args);
    out.stdout
}

#[test]
fn export_and_backup_written_in_parts_are_the_whole_ledger_written_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger(dir.path());
    let json = run(&db, &["export", "--format", "json"]);
    let csv_file = dir.path().join("out.csv");
    run(&db, &["export", "-o", csv_file.to_str().unwrap()]);
    let backup_file = dir.path().join("backup.json");
    run(&db, &["backup", backup_file.to_str().unwrap()]);

    let l = Local::open(&db, ctx()).unwrap();
    let (cases, acc) = l.export().unwrap();
    assert_eq!(cases.len(), 1_233, "the voided case is in no export");
    let mut want = zhengdun::interchange::json::Ledger::new(Some(ctx().today), cases.clone(), acc)
        .to_json()
        .unwrap();
    want.push('\n');
    assert_eq!(String::from_utf8(json).unwrap(), want);

    let refs: Vec<_> = cases.iter().collect();
    let mut want = b"\xEF\xBB\xBF".to_vec();
    zhengdun::interchange::csv::write(&mut want, &refs, Lang::Zh, &[]).unwrap();
    assert_eq!(std::fs::read(&csv_file).unwrap(), want);

    let b = l.backup(Some(ctx().today)).unwrap();
    assert_eq!(b.cases.len(), 1_234, "a backup keeps the voided case");
    assert_eq!(
        std::fs::read(&backup_file).unwrap(),
        zhengdun::backup::to_json(&b).unwrap()
    );

    // the parts cover every case once, in id order
    let mut after = None;
    let mut ids = Vec::new();
    loop {
        let (part, next) = l.export_part(after, 100).unwrap();
        ids.extend(part.into_iter().map(|c| c.id));
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(ids, cases.iter().map(|c| c.id.clone()).collect::<Vec<_>>());
}

#[test]
fn list_in_parts_is_the_list_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger(dir.path());
    let json = run(&db, &["list", "--format", "json"]);
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&json).unwrap();
    assert_eq!(listed.len(), 1_233);
    let table = String::from_utf8(run(&db, &["list", "--format", "csv"])).unwrap();
    assert_eq!(table.lines().count(), 1_234, "a header and a row per case");
    // most overdue first, the same order in both
    let first_csv_id = table.lines().nth(1).unwrap().split(',').next().unwrap();
    assert_eq!(listed[0]["id"], first_csv_id);
    let days: Vec<i64> = listed
        .iter()
        .map(|c| c["days_overdue"].as_i64().unwrap())
        .collect();
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "most overdue first");
    // a closed pipe ends the listing without a message
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} --db {} --today {TODAY} list --format json | head -c 100 >/dev/null",
            common::BIN,
            db.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
