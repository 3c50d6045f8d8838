//! Exporting like a clerk: the xlsx read back with calamine (sheets, headers, date cells,
//! overdue marks, the annual sheet), the CSV and xlsx re-imported into an empty database
//! with the same flat fields, files readable by the owner only.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::path::Path;
use std::process::Command;

use calamine::{Data, Reader};
use zhengdun::domain::*;
use zhengdun::i18n::Lang;
use zhengdun::interchange::{csv, json::Ledger};
use zhengdun::stats;

mod common;
use common::d;

fn run(db: &Path, args: &[&str]) -> (bool, String, String) {
    common::run_on(db, &["--today", "2017-09-15"], args)
}

fn base(id: &str, county: &str, township: &str, village: &str, stage: Stage) -> Case {
    Case {
        stage,
        ..Case::identified(
            id,
            2017,
            county,
            township,
            village,
            vec![Situation::SecretaryUnfit],
            d("2017-03-10"),
        )
    }
}

fn pairing(leader: &str, secretary: &str) -> Option<Pairing> {
    Some(Pairing {
        county_leader: leader.into(),
        county_leader_account: None,
        township_leader: "李明".into(),
        first_secretary: secretary.into(),
        first_secretary_unit: "县财政局".into(),
        assisting_unit: "县交通局".into(),
        paired_on: Some(d("2017-03-25")),
    })
}

fn secretary_filled() -> Adjustment {
    Adjustment {
        name: "老张".into(),
        post: Post::Secretary,
        reason: AdjustReason::Vacancy,
        action: AdjustAction::Filled,
        on: d("2017-05-01"),
        replacement: Some("小王".into()),
        replacement_source: Some(ReplacementSource::Returnee),
    }
}

/// Five cases in two counties, at every stage, with tasks, adjustments, visits and attempts;
/// text that CSV must quote (commas, quotes, line breaks) and labels that contain 、.
fn ledger() -> Vec<Case> {
    let mut a = base(
        "2017-YG-001",
        "阳谷县",
        "阿城镇",
        "前进村",
        Stage::Identified,
    );
    a.situations = vec![Situation::LeadershipIncomplete, Situation::PoorService];
    a.problems = "书记空缺，\"两委\"不和\n多年未开会".into();
    let mut b = base("2017-YG-002", "阳谷县", "阿城镇", "后街村", Stage::Paired);
    b.pairing = pairing("王建国", "张伟");
    b.tasks.push(Task {
        measure: "建设党群服务中心".into(),
        responsible: "李明".into(),
        due: d("2017-06-30"),
        done_on: None,
    });
    b.visits.push(Visit {
        on: d("2017-08-01"),
        by: "王建国".into(),
        kind: VisitKind::Unannounced,
        findings: "会议记录不全".into(),
    });
    let mut c = base(
        "2017-YG-003",
        "阳谷县",
        "七级镇",
        "东街村",
        Stage::CadresAdjusted,
    );
    c.pairing = pairing("王建国", "钱五");
    c.adjustments.push(secretary_filled());
    c.acceptance.push(Acceptance {
        on: d("2017-09-01"),
        by: "县委组织部".into(),
        score: 80,
        poll_n: 10,
        poll_dissatisfied: 1,
        standards: [true, true, true, true, true, false],
        verdict: Verdict::BasicPass,
    });
    c.deadline = Some(d("2018-03-01"));
    let mut e = base(
        "2017-SX-001",
        "莘县",
        "张鲁回族镇",
        "菜园村",
        Stage::Accepted,
    );
    e.pairing = pairing("刘洋", "孙丽");
    e.no_adjustment_reason = Some("班子健全".into());
    e.acceptance.push(Acceptance {
        on: d("2017-08-30"),
        by: "县委组织部".into(),
        score: 90,
        poll_n: 20,
        poll_dissatisfied: 2,
        standards: [true; 6],
        verdict: Verdict::Pass,
    });
    e.closed_on = Some(d("2017-08-30"));
    e.situations = vec![Situation::ClanReligiousCriminal, Situation::VillageBully];
    let mut f = base("2017-SX-002", "莘县", "燕店镇", "后王村", Stage::Paired);
    f.pairing = pairing("刘洋", "吴八");
    f.deadline = Some(d("2017-11-30"));
    vec![a, b, c, e, f]
}

fn seeded(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("db");
    let file = dir.join("ledger.json");
    std::fs::write(
        &file,
        Ledger::new(None, ledger(), vec![]).to_json().unwrap(),
    )
    .unwrap();
    let (ok, _, err) = run(&db, &["import", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    db
}

fn flat(cases: &[Case]) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = cases.iter().map(|c| csv::row(c, Lang::Zh)).collect();
    rows.sort();
    rows
}

fn cases_in(db: &Path) -> Vec<Case> {
    let (ok, out, err) = run(db, &["export", "--format", "json"]);
    assert!(ok, "{err}");
    let l: Ledger = serde_json::from_str(&out).unwrap();
    l.cases
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn csv_export_reimports_into_an_empty_database_with_the_same_flat_fields() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    for lang in ["zh", "en"] {
        let out = dir.path().join(format!("台账-{lang}.csv"));
        let (ok, _, err) = run(
            &db,
            &[
                "--lang",
                lang,
                "export",
                "--format",
                "csv",
                "-o",
                out.to_str().unwrap(),
            ],
        );
        assert!(ok, "{err}");
        #[cfg(unix)]
        assert_eq!(mode(&out), 0o600);
        let bytes = std::fs::read(&out).unwrap();
        assert!(
            bytes.starts_with(b"\xEF\xBB\xBF"),
            "a BOM, so Excel reads it as UTF-8"
        );
        let empty = dir.path().join(format!("db-csv-{lang}"));
        let (ok, stdout, err) = run(&empty, &["--lang", "en", "import", out.to_str().unwrap()]);
        assert!(ok, "{lang}: {err}");
        assert!(stdout.contains("imported 5 cases"), "{stdout}");
        assert_eq!(flat(&cases_in(&empty)), flat(&ledger()), "{lang}");
    }
}

fn sheet(
    book: &mut calamine::Sheets<std::io::BufReader<std::fs::File>>,
    name: &str,
) -> calamine::Range<Data> {
    book.worksheet_range(name).unwrap()
}

fn text(r: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match r.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Int(i)) => i.to_string(),
        Some(Data::DateTime(dt)) => format!("date {}", dt.as_f64()),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

/// The column of a header in row `header_row`.
fn col(r: &calamine::Range<Data>, header_row: u32, name: &str) -> u32 {
    (0..r.width() as u32)
        .find(|c| text(r, header_row, *c) == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn xlsx_export_reads_back_like_a_ledger_a_clerk_can_print() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let out = dir.path().join("台账.xlsx");
    let (ok, _, err) = run(
        &db,
        &["export", "--format", "xlsx", "-o", out.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    #[cfg(unix)]
    assert_eq!(mode(&out), 0o600);

    let mut book = calamine::open_workbook_auto(&out).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "台账",
            "整改任务",
            "班子调整",
            "走访督查",
            "验收",
            "整顿软弱涣散基层党组织情况"
        ]
    );
    let cases = sheet(&mut book, "台账");
    assert!(text(&cases, 0, 0).starts_with("软弱涣散村党组织整顿台账（截至2017-09-15）"));
    let header: Vec<String> = (0..25).map(|c| text(&cases, 1, c)).collect();
    assert_eq!(header[..3], ["编号", "年度", "县(市、区)"]);
    assert_eq!(
        header[17..],
        [
            "反弹自",
            "村或社区",
            "建档立卡贫困村",
            "户数",
            "人口",
            "党员人数",
            "书记年龄",
            "逾期天数"
        ]
    );
    assert_eq!(cases.height(), 2 + 5);
    // dates are date cells, the year a number
    let identified = col(&cases, 1, "认定日期");
    assert!(
        matches!(cases.get_value((2, identified)), Some(Data::DateTime(dt)) if dt.is_datetime())
    );
    assert!(matches!(cases.get_value((2, 1)), Some(Data::Float(y)) if *y == 2017.0));
    // days overdue on 2017-09-15, by id
    let late = col(&cases, 1, "逾期天数");
    let days: Vec<(String, String)> = (2..7)
        .map(|r| (text(&cases, r, 0), text(&cases, r, late)))
        .collect();
    let expect = |id: &str| days.iter().find(|(i, _)| i == id).unwrap().1.clone();
    assert_eq!(expect("2017-YG-001"), "159", "identified 03-10, due 04-09");
    assert_eq!(
        expect("2017-YG-002"),
        "84",
        "paired 03-25, due 06-23 (its task was due 06-30)"
    );
    assert_eq!(expect("2017-YG-003"), "");
    assert_eq!(expect("2017-SX-001"), "");
    assert_eq!(expect("2017-SX-002"), "84", "paired 03-25, due 06-23");

    let tasks = sheet(&mut book, "整改任务");
    assert_eq!(text(&tasks, 0, 0), "编号");
    assert_eq!(text(&tasks, 1, 0), "2017-YG-002");
    assert_eq!(text(&tasks, 1, 1), "后街村");
    assert_eq!(text(&tasks, 1, 3), "建设党群服务中心");
    assert_eq!(text(&tasks, 1, 7), "77");
    let adj = sheet(&mut book, "班子调整");
    let rows: Vec<(String, String, String)> = (1..adj.height() as u32)
        .map(|r| (text(&adj, r, 0), text(&adj, r, 3), text(&adj, r, 9)))
        .collect();
    assert_eq!(
        rows,
        [
            ("2017-SX-001".into(), String::new(), "班子健全".into()),
            ("2017-YG-003".into(), "书记".into(), String::new()),
        ]
    );
    let visits = sheet(&mut book, "走访督查");
    assert_eq!(text(&visits, 1, 4), "明察暗访");
    let acc = sheet(&mut book, "验收");
    assert_eq!(acc.height(), 3);
    assert_eq!(
        (text(&acc, 1, 13), text(&acc, 2, 13)),
        ("合格".into(), "基本合格".into())
    );

    // the annual sheet: title, two header rows, a row per county, 总计
    let annual = sheet(&mut book, "整顿软弱涣散基层党组织情况");
    assert_eq!(text(&annual, 0, 0), "整顿软弱涣散基层党组织情况");
    assert_eq!(text(&annual, 1, 2), "排查整顿");
    assert_eq!(text(&annual, 2, 2), "排查软弱涣散基层党组织（个）");
    assert_eq!(text(&annual, 2, 3), "其中：建档立卡贫困村（个）");
    assert_eq!(text(&annual, 2, 5), "班子配备不齐、书记长期缺职");
    // the store keeps cases in id order, so the counties come in that order
    let mut by_id = ledger();
    by_id.sort_by(|a, b| a.id.cmp(&b.id));
    let expected = stats::annual(&by_id);
    assert_eq!(expected[0].county.as_deref(), Some("莘县"));
    for (i, row) in expected.iter().enumerate() {
        let r = 3 + i as u32;
        let unit = match (&row.county, row.kind) {
            (Some(c), _) => c.clone(),
            (None, Some(VillageKind::Village)) => "村".into(),
            (None, Some(VillageKind::Community)) => "社区".into(),
            (None, None) => "总计".into(),
        };
        assert_eq!(text(&annual, r, 1), unit);
        let mut nums = vec![row.identified, row.poor_villages, row.rectified];
        nums.extend(&row.by_type);
        nums.extend([
            row.secretaries_filled,
            row.secretaries_adjusted,
            row.paired_units,
            row.pairing_leaders,
            row.first_secretaries,
        ]);
        let got: Vec<String> = (2..2 + nums.len() as u32)
            .map(|c| text(&annual, r, c))
            .collect();
        let want: Vec<String> = nums.iter().map(|n| n.to_string()).collect();
        assert_eq!(got, want, "{unit}");
    }
    let total = &expected[2];
    assert_eq!(
        (total.identified, total.rectified, total.secretaries_filled),
        (5, 1, 1)
    );

    // and it imports back into an empty database with the same flat fields
    let empty = dir.path().join("db-xlsx");
    let (ok, _, err) = run(&empty, &["import", out.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(flat(&cases_in(&empty)), flat(&ledger()));
}

#[test]
fn english_xlsx_has_english_headers_and_reimports() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let out = dir.path().join("ledger.xlsx");
    let (ok, _, err) = run(
        &db,
        &[
            "--lang",
            "en",
            "export",
            "--format",
            "xlsx",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    let mut book = calamine::open_workbook_auto(&out).unwrap();
    assert_eq!(book.sheet_names()[0], "Cases");
    let cases = sheet(&mut book, "Cases");
    assert_eq!(text(&cases, 1, 0), "id");
    assert_eq!(text(&cases, 1, 9), "stage");
    let empty = dir.path().join("db2");
    let (ok, _, err) = run(&empty, &["import", out.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(flat(&cases_in(&empty)), flat(&ledger()));
}

#[test]
fn xlsx_export_to_a_pipe_and_of_an_empty_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    // without -o the workbook goes to standard output when that is not a terminal
    let out = Command::new(common::BIN)
        .arg("--db")
        .arg(&db)
        .args(["--today", "2017-09-15", "export", "--format", "xlsx"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let piped = dir.path().join("piped.xlsx");
    std::fs::write(&piped, &out.stdout).unwrap();
    let mut book = calamine::open_workbook_auto(&piped).unwrap();
    assert_eq!(sheet(&mut book, "台账").height(), 2 + 5);

    let empty_db = dir.path().join("empty");
    let none = dir.path().join("none.json");
    std::fs::write(&none, r#"{ "format": "zhengdun/1", "cases": [] }"#).unwrap();
    let (ok, _, err) = run(&empty_db, &["import", none.to_str().unwrap()]);
    assert!(ok, "{err}");
    let out = dir.path().join("empty.xlsx");
    let (ok, _, err) = run(
        &empty_db,
        &["export", "--format", "xlsx", "-o", out.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    let mut book = calamine::open_workbook_auto(&out).unwrap();
    assert_eq!(sheet(&mut book, "台账").height(), 2);
}

#[test]
fn stats_on_the_command_line_match_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let (ok, out, err) = run(&db, &["stats", "--format", "json"]);
    assert!(ok, "{err}");
    let got: stats::Stats = serde_json::from_str(&out).unwrap();
    let want = stats::compute(&ledger(), &[], d("2017-09-15"), &Policy::default());
    assert_eq!(got.total, want.total);
    assert_eq!(got.accountability, want.accountability);
    assert_eq!(got.total.overdue, 3);
    // the table: aligned, within 80 cells, in Chinese by default
    let (ok, out, err) = run(&db, &["stats"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("统计（截至2017-09-15）"), "{out}");
    assert!(out.contains("阿城镇") && out.contains("须约谈"), "{out}");
    for l in out.lines() {
        assert!(zhengdun::text::width(l) <= 80, "too wide: {l}");
    }
}
