//! The record's own rules where a file or the store could slip past them: one case per
//! village and year between the rows of one `import --update` file (SPEC §11), and a void
//! mark left without its case, which `verify` names.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test fixtures: a failed step should stop the test with its message"
)]

use std::path::{Path, PathBuf};

mod common;

fn run(db: &Path, lang: &str, args: &[&str]) -> (bool, String, String) {
    common::run_on(
        db,
        &["--today", "2017-09-15", "--lang", lang, "--as", "组织部"],
        args,
    )
}

const HEADER: &str = "编号,年度,县(市、区),乡镇(街道),村,软弱涣散情形,认定日期,阶段,反弹自";

fn csv(dir: &Path, name: &str, rows: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("{HEADER}\n{rows}\n")).unwrap();
    p
}

/// A ledger of two cases of 阿城镇.
fn seeded(dir: &Path) -> PathBuf {
    let db = dir.join("db");
    let f = csv(
        dir,
        "first.csv",
        "2017-YG-001,2017,阳谷县,阿城镇,前进村,书记不胜任现职,2017-03-10,排查认定,\n\
         2017-YG-002,2017,阳谷县,阿城镇,后屯村,无集体经济收入,2017-03-10,排查认定,",
    );
    let (ok, _, err) = run(&db, "zh", &["import", f.to_str().unwrap()]);
    assert!(ok, "{err}");
    db
}

fn export(db: &Path) -> String {
    let (ok, out, err) = run(db, "zh", &["export", "--format", "json"]);
    assert!(ok, "{err}");
    out.lines().filter(|l| !l.contains("as_of")).collect()
}

/// Refused, with and without `--dry-run`, in the same words, and nothing written.
fn refused(db: &Path, file: &Path, lang: &str) -> String {
    let before = export(db);
    let f = file.to_str().unwrap();
    let (ok, _, dry) = run(db, lang, &["import", "--update", "--dry-run", f]);
    assert!(!ok, "{dry}");
    let (ok, _, err) = run(db, lang, &["import", "--update", f]);
    assert!(!ok, "{err}");
    assert_eq!(dry, err, "the dry run says what the import says");
    assert_eq!(export(db), before, "nothing written");
    err
}

#[test]
fn two_new_rows_of_one_village_and_year_are_refused_naming_both_unless_a_relapse() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let twice = csv(
        dir.path(),
        "twice.csv",
        "2017-YG-001,2017,阳谷县,阿城镇,前进村,书记不胜任现职,2017-03-10,排查认定,\n\
         2017-YG-005,2017,阳谷县,七级镇,马庄村,村霸,2017-04-02,排查认定,\n\
         2017-YG-006,2017,阳谷县,七级镇,马庄村,其他,2017-05-02,排查认定,",
    );
    let err = refused(&db, &twice, "zh");
    for said in [
        "twice.csv: 第3行（2017-YG-005）",
        "第4行（2017-YG-006）",
        "阳谷县 七级镇 马庄村",
        "2017年",
        "“反弹自”列填 2017-YG-005",
        "删去其中一行",
        "未写入任何内容",
    ] {
        assert!(err.contains(said), "{said:?} not in {err}");
    }
    let err = refused(&db, &twice, "en");
    assert!(
        err.contains("row 3 (2017-YG-005) and row 4 (2017-YG-006)"),
        "{err}"
    );
    // the second as a relapse of the first: both open
    let relapse = csv(
        dir.path(),
        "relapse.csv",
        "2017-YG-005,2017,阳谷县,七级镇,马庄村,村霸,2017-04-02,排查认定,\n\
         2017-YG-006,2017,阳谷县,七级镇,马庄村,其他,2017-05-02,排查认定,2017-YG-005",
    );
    let (ok, out, err) = run(
        &db,
        "zh",
        &["import", "--update", relapse.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    assert!(out.contains("新建2个案件"), "{out}");
}

/// A plain `import` (not `--update`) of two rows of one village and year names both rows,
/// the village, the year and the fix, as `import --update` does; the dry run says the same,
/// and nothing is written. Rows of two files name each one's file.
#[test]
fn a_plain_import_of_two_rows_of_one_village_and_year_names_both() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let before = export(&db);
    let twice = csv(
        dir.path(),
        "twice.csv",
        "2017-YG-005,2017,阳谷县,七级镇,马庄村,村霸,2017-04-02,排查认定,\n\
         2017-YG-007,2017,阳谷县,七级镇,王楼村,其他,2017-04-02,排查认定,\n\
         2017-YG-006,2017,阳谷县,七级镇,马庄村,其他,2017-05-02,排查认定,",
    );
    let f = twice.to_str().unwrap();
    let (ok, _, dry) = run(&db, "zh", &["import", "--dry-run", f]);
    assert!(!ok, "{dry}");
    let (ok, _, err) = run(&db, "zh", &["import", f]);
    assert!(!ok, "{err}");
    assert_eq!(dry, err, "the dry run says what the import says");
    assert_eq!(export(&db), before, "nothing written");
    for said in [
        "twice.csv: 第2行（2017-YG-005）和第4行（2017-YG-006）",
        "阳谷县 七级镇 马庄村",
        "2017年",
        "“反弹自”列填 2017-YG-005",
        "删去其中一行",
        "未写入任何内容",
    ] {
        assert!(err.contains(said), "{said:?} not in {err}");
    }
    let (ok, _, err) = run(&db, "en", &["import", f]);
    assert!(!ok);
    assert!(
        err.contains("row 2 (2017-YG-005) and row 4 (2017-YG-006)"),
        "{err}"
    );
    // one row in each of two files: each named with its file
    let one = csv(
        dir.path(),
        "one.csv",
        "2017-YG-005,2017,阳谷县,七级镇,马庄村,村霸,2017-04-02,排查认定,",
    );
    let other = csv(
        dir.path(),
        "other.csv",
        "2017-YG-006,2017,阳谷县,七级镇,马庄村,其他,2017-05-02,排查认定,",
    );
    let (ok, _, err) = run(
        &db,
        "zh",
        &["import", one.to_str().unwrap(), other.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(
        err.contains("one.csv: 第2行（2017-YG-005）和")
            && err.contains("other.csv: 第2行（2017-YG-006）"),
        "{err}"
    );
    // a second case of a village the ledger already holds names the case there
    let again = csv(
        dir.path(),
        "again.csv",
        "2017-YG-009,2017,阳谷县,阿城镇,前进村,其他,2017-05-02,排查认定,",
    );
    let (ok, _, err) = run(&db, "zh", &["import", again.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("2017-YG-001"), "{err}");
    assert_eq!(export(&db), before, "nothing written");
}

/// A recorded case moved by the file to the village of a case the file opens, or two
/// recorded cases moved to one village: refused the same way.
#[test]
fn a_case_moved_onto_the_village_of_another_row_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let onto_new = csv(
        dir.path(),
        "onto_new.csv",
        "2017-YG-005,2017,阳谷县,七级镇,马庄村,村霸,2017-04-02,排查认定,\n\
         2017-YG-001,2017,阳谷县,七级镇,马庄村,书记不胜任现职,2017-03-10,排查认定,",
    );
    let err = refused(&db, &onto_new, "zh");
    assert!(
        err.contains("onto_new.csv: 第2行（2017-YG-005）和第3行（2017-YG-001）"),
        "{err}"
    );
    let both_moved = csv(
        dir.path(),
        "both_moved.csv",
        "2017-YG-001,2017,阳谷县,七级镇,马庄村,书记不胜任现职,2017-03-10,排查认定,\n\
         2017-YG-002,2017,阳谷县,七级镇,马庄村,无集体经济收入,2017-03-10,排查认定,",
    );
    let err = refused(&db, &both_moved, "zh");
    assert!(
        err.contains("第2行（2017-YG-001）和第3行（2017-YG-002）") && err.contains("马庄村"),
        "{err}"
    );
}

/// A recorded case moved onto a village whose case the file opens as a relapse (of an
/// earlier year's case): one of the two is a relapse, and both stand.
#[test]
fn a_case_moved_next_to_a_relapse_the_file_opens_stands() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let earlier = csv(
        dir.path(),
        "2016.csv",
        "2016-YG-009,2016,阳谷县,七级镇,马庄村,村霸,2016-04-02,排查认定,",
    );
    let (ok, _, err) = run(&db, "zh", &["import", earlier.to_str().unwrap()]);
    assert!(ok, "{err}");
    let file = csv(
        dir.path(),
        "moved.csv",
        "2017-YG-005,2017,阳谷县,七级镇,马庄村,村霸,2017-04-02,排查认定,2016-YG-009\n\
         2017-YG-001,2017,阳谷县,七级镇,马庄村,书记不胜任现职,2017-03-10,排查认定,",
    );
    let (ok, out, err) = run(&db, "zh", &["import", "--update", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("新建1个案件，修改1个案件"), "{out}");
}

/// A void mark whose case is gone (an orphan in the store's void index) keeps its id from
/// ever being used again: `verify` names it, the id and what to do.
#[test]
fn verify_names_a_void_mark_left_without_its_case() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let (ok, out, err) = run(&db, "zh", &["verify"]);
    assert!(ok, "{out}{err}");
    {
        let store = zhengdun::store::Store::open(&db).unwrap();
        store
            .raw()
            .insert(
                zhengdun::store::layout::void_key("2017-YG-404"),
                b"".as_slice(),
            )
            .unwrap();
        store.sync().unwrap();
    }
    let (ok, out, err) = run(&db, "zh", &["verify"]);
    assert!(!ok);
    assert!(
        out.contains("2017-YG-404") && out.contains("作废标记") && out.contains("恢复"),
        "{out}"
    );
    assert!(err.contains("1 处问题"), "{err}");
    let (_, out, _) = run(&db, "en", &["verify"]);
    assert!(
        out.contains("void mark of 2017-YG-404, which is no case"),
        "{out}"
    );
}
