//! `import --update`: a revised ledger brought into the ledger as recorded changes — new
//! cases opened, changed fields edited, stage moves through the guards — one history event
//! each; `--dry-run` lists them case by case and writes nothing; a row that would move a
//! case back or that its guards refuse is named (file, sheet, row, case, how to fix) and
//! nothing is written.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test fixtures: a failed step should stop the test with its message"
)]

use std::path::{Path, PathBuf};

use rust_xlsxwriter::Workbook;
use serde_json::Value;

mod common;

fn run(db: &Path, lang: &str, args: &[&str]) -> (bool, String, String) {
    common::run_on(
        db,
        &["--today", "2017-09-15", "--lang", lang, "--as", "组织部"],
        args,
    )
}

const HEADER: &str = "编号,年度,县(市、区),乡镇(街道),村,软弱涣散情形,主要问题,认定日期,阶段,县级包联领导,乡镇包村领导,第一书记,派出单位,包联日期,户数";

const FIRST: &str = "\
2017-YG-001,2017,阳谷县,阿城镇,前进村,书记不胜任现职,,2017-03-10,排查认定,,,,,,
2017-YG-002,2017,阳谷县,阿城镇,后屯村,无集体经济收入,,2017-03-10,排查认定,,,,,,
2017-YG-003,2017,阳谷县,七级镇,秦集村,其他,班子不团结,2017-03-10,领导包联,王建国,李乡长,孙伟,县财政局,2017-03-25,";

/// The same ledger as the clerk revised it: 001 paired, 002 corrected, 003 as it was, and
/// a new case 004.
const REVISED: &str = "\
2017-YG-001,2017,阳谷县,阿城镇,前进村,书记不胜任现职,,2017-03-10,领导包联,张伟,赵明,刘军,县农业局,2017-04-01,
2017-YG-002,2017,阳谷县,阿城镇,后屯村,无集体经济收入,村集体无收入来源,2017-03-10,排查认定,,,,,,286
2017-YG-003,2017,阳谷县,七级镇,秦集村,其他,班子不团结,2017-03-10,领导包联,王建国,李乡长,孙伟,县财政局,2017-03-25,
2017-YG-004,2017,阳谷县,七级镇,马庄村,村霸,,2017-04-02,排查认定,,,,,,";

fn csv(dir: &Path, name: &str, rows: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("{HEADER}\n{rows}\n")).unwrap();
    p
}

fn seeded(dir: &Path) -> PathBuf {
    let db = dir.join("db");
    let f = csv(dir, "first.csv", FIRST);
    let (ok, _, err) = run(&db, "zh", &["import", f.to_str().unwrap()]);
    assert!(ok, "{err}");
    db
}

fn export(db: &Path) -> Value {
    let (ok, out, err) = run(db, "zh", &["export", "--format", "json"]);
    assert!(ok, "{err}");
    let mut v: Value = serde_json::from_str(&out).unwrap();
    v.as_object_mut().unwrap().remove("as_of");
    v
}

fn history(db: &Path, id: &str) -> Vec<String> {
    let (ok, out, err) = run(db, "zh", &["show", id, "--format", "json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_dry_run_lists_each_case_and_writes_nothing_then_the_update_records_each_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let revised = csv(dir.path(), "revised.csv", REVISED);
    let before = export(&db);

    let (ok, out, err) = run(
        &db,
        "zh",
        &["import", "--update", "--dry-run", revised.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    let line = |id: &str| {
        out.lines()
            .find(|l| l.contains(id))
            .unwrap_or("")
            .to_string()
    };
    assert!(line("2017-YG-001").contains("第2行"), "{out}");
    assert!(
        line("2017-YG-001").contains("包联") && line("2017-YG-001").contains("张伟"),
        "{out}"
    );
    assert!(
        line("2017-YG-002").contains("第3行") && line("2017-YG-002").contains("户数"),
        "{out}"
    );
    assert!(
        line("2017-YG-003").is_empty(),
        "unchanged cases are counted, not listed: {out}"
    );
    assert!(line("2017-YG-004").contains("新建"), "{out}");
    assert!(
        out.contains("试运行") && out.contains("1个案件无变化"),
        "{out}"
    );
    assert_eq!(export(&db), before, "a dry run writes nothing");

    let (ok, out, err) = run(
        &db,
        "zh",
        &["import", "--update", revised.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    assert!(out.contains("已更新"), "{out}");
    let after = export(&db);
    let cases = after["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    let case = |id: &str| cases.iter().find(|c| c["id"] == id).unwrap();
    assert_eq!(case("2017-YG-001")["stage"], "paired");
    assert_eq!(case("2017-YG-001")["pairing"]["county_leader"], "张伟");
    assert_eq!(case("2017-YG-001")["pairing"]["paired_on"], "2017-04-01");
    assert_eq!(case("2017-YG-002")["problems"], "村集体无收入来源");
    assert_eq!(case("2017-YG-002")["profile"]["households"], 286);
    // one history event per change, as if typed
    assert_eq!(history(&db, "2017-YG-001"), ["imported", "paired"]);
    assert_eq!(history(&db, "2017-YG-002"), ["imported", "edited"]);
    assert_eq!(history(&db, "2017-YG-003"), ["imported"]);
    assert_eq!(history(&db, "2017-YG-004"), ["imported"]);

    // the same file again changes nothing
    let (ok, out, _) = run(
        &db,
        "en",
        &["import", "--update", revised.to_str().unwrap()],
    );
    assert!(ok);
    assert!(
        out.contains("0 new cases, 0 cases changed (0 changes, each in the history), 4 unchanged"),
        "{out}"
    );
    let (ok, _, err) = run(&db, "zh", &["verify"]);
    assert!(ok, "{err}");
}

#[test]
fn a_backward_move_is_refused_by_file_row_and_case_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    // 003 back to 排查认定, 002 corrected (fine on its own)
    let rows = REVISED.replace(
        "2017-03-10,领导包联,王建国,李乡长,孙伟,县财政局,2017-03-25,",
        "2017-03-10,排查认定,,,,,,",
    );
    let f = csv(dir.path(), "back.csv", &rows);
    let before = export(&db);
    let (ok, _, err) = run(&db, "zh", &["import", "--update", f.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("back.csv") && err.contains("第4行") && err.contains("2017-YG-003"),
        "{err}"
    );
    assert!(err.contains("reopen"), "says how: {err}");
    assert_eq!(export(&db), before, "all or nothing");
    let (ok, _, err) = run(
        &db,
        "en",
        &["import", "--update", "--dry-run", f.to_str().unwrap()],
    );
    assert!(
        !ok && err.contains("row 4") && err.contains("only moves a case forward"),
        "{err}"
    );
}

#[test]
fn a_move_its_guard_refuses_is_named_with_the_sheet_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    // a workbook: 003 struck off (验收销号) with no acceptance attempt on record
    let file = dir.path().join("revised.xlsx");
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("七级镇").unwrap();
    let header: Vec<&str> = HEADER.split(',').chain(["销号日期"]).collect();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    ws.write_string(0, 0, "2017年度软弱涣散村党组织整顿台账")
        .unwrap();
    let row = "2017-YG-003,2017,阳谷县,七级镇,秦集村,其他,班子不团结,2017-03-10,验收销号,王建国,李乡长,孙伟,县财政局,2017-03-25,,2017-09-01";
    for (c, v) in row.split(',').enumerate() {
        if !v.is_empty() {
            ws.write_string(2, c as u16, v).unwrap();
        }
    }
    let ws = book.add_worksheet();
    ws.set_name("阿城镇").unwrap();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    book.save(&file).unwrap();
    let before = export(&db);
    let (ok, _, err) = run(&db, "zh", &["import", "--update", file.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("revised.xlsx") && err.contains("七级镇") && err.contains("第3行"),
        "{err}"
    );
    assert!(
        err.contains("2017-YG-003") && err.contains("合格"),
        "names the guard: {err}"
    );
    assert_eq!(export(&db), before);
}

#[test]
fn our_own_json_brings_visits_tasks_and_acceptance_as_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let mut v = export(&db);
    v["as_of"] = Value::from("2017-09-15");
    let c = v["cases"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["id"] == "2017-YG-003")
        .unwrap();
    c["visits"] = serde_json::json!([
        {"on": "2017-05-02", "by": "王建国", "kind": "unannounced", "findings": "班子已召开民主生活会"}
    ]);
    c["tasks"] = serde_json::json!([
        {"measure": "调整村两委班子", "responsible": "李乡长", "due": "2017-06-30", "done_on": "2017-06-20"}
    ]);
    c["stage"] = Value::from("cadres_adjusted");
    c["no_adjustment_reason"] = Value::from("班子健全，无需调整");
    let f = dir.path().join("revised.json");
    std::fs::write(&f, serde_json::to_string(&v).unwrap()).unwrap();
    let (ok, out, err) = run(&db, "en", &["import", "--update", f.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("cases[2] (2017-YG-003)"), "{out}");
    assert_eq!(
        history(&db, "2017-YG-003"),
        [
            "imported",
            "task_added",
            "task_done",
            "visit",
            "no_adjustment",
            "advanced"
        ]
    );
    let after = export(&db);
    let c = after["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "2017-YG-003")
        .unwrap();
    assert_eq!(c["stage"], "cadres_adjusted");
    assert_eq!(c["tasks"][0]["done_on"], "2017-06-20");
}

#[test]
fn a_case_changed_by_someone_else_meanwhile_is_not_overwritten() {
    // the update is worked out from the case as read, and written only if it is unchanged:
    // here two files name the same case (refused before anything is read into the ledger)
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let a = csv(dir.path(), "a.csv", REVISED);
    let b = csv(
        dir.path(),
        "b.csv",
        &REVISED.replace("2017-YG-004", "2017-YG-005"),
    );
    let (ok, _, err) = run(
        &db,
        "zh",
        &[
            "import",
            "--update",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
    );
    assert!(
        !ok && err.contains("2017-YG-001") && err.contains("b.csv"),
        "{err}"
    );
}

/// A ledger of `n` villages, each a case at 排查认定 but those in `paired` (at 领导包联),
/// with 户数 286 on those in `households`.
fn many(n: usize, paired: &[usize], households: &[usize]) -> String {
    (1..=n)
        .map(|i| {
            let stage = match paired.contains(&i) {
                true => "领导包联,王建国,李乡长,孙伟,县财政局,2017-03-25",
                false => "排查认定,,,,,",
            };
            let h = if households.contains(&i) { "286" } else { "" };
            format!(
                "2017-YG-{i:04},2017,阳谷县,阿城镇,第{i}村,书记不胜任现职,,2017-03-10,{stage},{h}"
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_large_update_is_read_a_part_at_a_time_and_still_lists_every_problem_and_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let first = csv(dir.path(), "first.csv", &many(1200, &[700, 1150], &[]));
    let (ok, _, err) = run(&db, "zh", &["import", first.to_str().unwrap()]);
    assert!(ok, "{err}");
    let before = export(&db);
    // two cases moved back, in two different parts of the file: both named, nothing written
    let back = csv(dir.path(), "back.csv", &many(1200, &[], &[10, 1100]));
    let (ok, _, err) = run(&db, "en", &["import", "--update", back.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("row 701") && err.contains("2017-YG-0700"),
        "{err}"
    );
    assert!(
        err.contains("row 1151") && err.contains("2017-YG-1150"),
        "{err}"
    );
    assert!(err.contains("2 problems"), "{err}");
    assert_eq!(export(&db), before, "all or nothing");
    // the two changes, in parts one and three, listed case by case in the file's order
    let revised = csv(
        dir.path(),
        "revised.csv",
        &many(1200, &[700, 1150], &[10, 1100]),
    );
    let (ok, out, err) = run(
        &db,
        "en",
        &["import", "--update", revised.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    let (a, b) = (out.find("2017-YG-0010"), out.find("2017-YG-1100"));
    assert!(a.is_some() && b.is_some() && a < b, "{out}");
    assert!(
        out.contains("2 cases changed (2 changes, each in the history), 1198 unchanged"),
        "{out}"
    );
}
