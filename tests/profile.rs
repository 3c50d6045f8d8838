//! The village's profile (SPEC §2): 村 or 社区, 建档立卡贫困村, households, population, party
//! members and the secretary's age, read under the headers counties use, kept on the case,
//! corrected with `edit`, shown, exported in JSON, CSV and xlsx, and read back.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test fixtures: a failed step should stop the test with its message"
)]

use std::path::Path;

use zhengdun::domain::{Profile, VillageKind};

mod common;

fn run(db: &Path, args: &[&str]) -> (bool, String, String) {
    match args {
        ["--lang", lang, rest @ ..] => run_in(db, lang, rest),
        _ => run_in(db, "zh", args),
    }
}

fn run_in(db: &Path, lang: &str, args: &[&str]) -> (bool, String, String) {
    common::run_on(
        db,
        &["--today", "2017-09-15", "--lang", lang, "--as", "组织部"],
        args,
    )
}

fn profiles(db: &Path) -> Vec<(String, Profile)> {
    let (ok, out, err) = run(db, &["export", "--format", "json"]);
    assert!(ok, "{err}");
    let l = zhengdun::interchange::json::parse(
        &out,
        "export",
        &Default::default(),
        zhengdun::i18n::Lang::En,
    )
    .unwrap();
    l.cases.into_iter().map(|c| (c.id, c.profile)).collect()
}

/// A county's sheet: its own headers for the profile, units in brackets.
const SHEET: &str = "\
编号,年度,县(市、区),乡镇(街道),村名称,软弱涣散情形,认定日期,阶段,村/社区类型,是否建档立卡贫困村,总户数（户）,总人口（人）,党员数（名）,支部书记年龄（岁）
2017-YG-001,2017,阳谷县,阿城镇,前进村,书记不胜任现职,2017-03-10,排查认定,行政村,是,320,1210,41,58
2017-YG-002,2017,阳谷县,阿城镇,城关社区,无集体经济收入,2017-03-10,排查认定,社区,否,1500,4800,96,44
2017-YG-003,2017,阳谷县,阿城镇,后屯村,其他,2017-03-10,排查认定,,,,,,
";

fn imported(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("db");
    let file = dir.join("台账.csv");
    std::fs::write(&file, SHEET).unwrap();
    let (ok, out, err) = run(&db, &["import", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(
        !out.contains("未使用"),
        "every profile column is read: {out}"
    );
    db
}

#[test]
fn the_profile_is_read_under_county_headers_kept_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    let p = profiles(&db);
    assert_eq!(
        p[0].1,
        Profile {
            village_kind: Some(VillageKind::Village),
            poor_village: Some(true),
            households: Some(320),
            population: Some(1210),
            party_members: Some(41),
            secretary_age: Some(58),
        }
    );
    assert_eq!(p[1].1.village_kind, Some(VillageKind::Community));
    assert_eq!(p[1].1.poor_village, Some(false));
    assert_eq!(p[2].1, Profile::default());

    let (ok, shown, _) = run(&db, &["show", "2017-YG-001"]);
    assert!(ok);
    for want in [
        "村或社区",
        "建档立卡贫困村",
        "是",
        "320",
        "1210",
        "41",
        "58",
    ] {
        assert!(shown.contains(want), "{want} in {shown}");
    }
    let (_, shown, _) = run(&db, &["--lang", "en", "show", "2017-YG-002"]);
    assert!(
        shown.contains("community") && shown.contains("no"),
        "{shown}"
    );
}

#[test]
fn edit_sets_and_clears_profile_fields_with_one_history_event() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    let (ok, _, err) = run(
        &db,
        &[
            "edit",
            "2017-YG-003",
            "--village-kind",
            "社区",
            "--poor-village",
            "是",
            "--households",
            "210",
            "--secretary-age",
            "47",
        ],
    );
    assert!(ok, "{err}");
    let p = &profiles(&db)[2].1;
    assert_eq!(p.village_kind, Some(VillageKind::Community));
    assert_eq!(p.poor_village, Some(true));
    assert_eq!((p.households, p.secretary_age), (Some(210), Some(47)));
    let (_, shown, _) = run(&db, &["show", "2017-YG-003"]);
    assert!(shown.contains("户数 - → 210"), "{shown}");
    assert!(shown.contains("村或社区 - → 社区"), "{shown}");

    // cleared
    let (ok, _, err) = run(&db, &["edit", "2017-YG-003", "--households", "none"]);
    assert!(ok, "{err}");
    assert_eq!(profiles(&db)[2].1.households, None);

    // an age no secretary has is refused, naming the field, and nothing is written
    let (ok, _, err) = run(&db, &["edit", "2017-YG-003", "--secretary-age", "470"]);
    assert!(!ok);
    assert!(err.contains("书记年龄"), "{err}");
    assert_eq!(profiles(&db)[2].1.secretary_age, Some(47));
    let (ok, _, err) = run(&db, &["edit", "2017-YG-003", "--poor-village", "maybe"]);
    assert!(!ok && err.contains("maybe"), "{err}");
    let (_, history, _) = run(&db, &["show", "2017-YG-003", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&history).unwrap();
    let edits = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["change"]["kind"] == "edited" || e["kind"] == "edited")
        .count();
    assert_eq!(edits, 2);
}

#[test]
fn the_profile_is_exported_in_csv_and_xlsx_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    let want = profiles(&db);
    for (lang, ext) in [("zh", "csv"), ("en", "csv"), ("zh", "xlsx"), ("en", "xlsx")] {
        let file = dir.path().join(format!("out-{lang}.{ext}"));
        let (ok, _, err) = run(
            &db,
            &["--lang", lang, "export", "-o", file.to_str().unwrap()],
        );
        assert!(ok, "{err}");
        if ext == "csv" {
            let text = std::fs::read_to_string(&file).unwrap();
            let header = text.lines().next().unwrap();
            let expected = if lang == "zh" {
                "村或社区,建档立卡贫困村,户数,人口,党员人数,书记年龄"
            } else {
                "village_kind,poor_village,households,population,party_members,secretary_age"
            };
            assert!(header.contains(expected), "{header}");
        }
        let back = dir.path().join(format!("db-{lang}-{ext}"));
        let (ok, _, err) = run(&back, &["import", file.to_str().unwrap()]);
        assert!(ok, "{lang} {ext}: {err}");
        assert_eq!(profiles(&back), want, "{lang} {ext}");
    }
}

#[test]
fn a_bad_profile_cell_is_refused_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.csv");
    let bad = SHEET.replace("行政村,是,320", "乡村,是,320");
    std::fs::write(&file, bad).unwrap();
    let (ok, _, err) = run(&dir.path().join("db"), &["import", file.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("第2行") && err.contains("村/社区类型") && err.contains("乡村"),
        "{err}"
    );
    let bad = SHEET.replace(",41,58", ",41,5");
    std::fs::write(&file, bad).unwrap();
    let (ok, _, err) = run(&dir.path().join("db"), &["import", file.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("支部书记年龄") && err.contains('5'), "{err}");
}
