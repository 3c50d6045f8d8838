//! Importing the county's existing ledgers: xlsx and CSV files made here the way Excel and
//! clerks make them (title rows, date cells, text dates, GBK, blank rows, extra columns),
//! and every malformed form refused with its row and column, nothing written.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use zhengdun::domain::{Policy, Situation, Stage};
use zhengdun::i18n::Lang;
use zhengdun::interchange::{csv, xlsx, InputError};

mod common;
use common::d;

fn run(db: &Path, args: &[&str]) -> (bool, String, String) {
    common::run_on(db, &["--today", "2017-09-15", "--lang", "en"], args)
}

/// A ledger as a county clerk keeps it: a merged title, a 填报单位 row, 序号 first, columns in
/// their own order with variant headers, a date cell, text dates in several forms, a blank
/// row, an extra 备注 column and a footer.
fn clerk_xlsx() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("yyyy/m/d");
    ws.merge_range(
        0,
        0,
        0,
        12,
        "2017年度软弱涣散村党组织整顿台账",
        &Format::new(),
    )
    .unwrap();
    ws.write_string(1, 0, "填报单位：阳谷县委组织部").unwrap();
    let header = [
        "序号",
        "编号",
        "县（市、区）",
        " 乡镇 ",
        "村",
        "年度",
        "软弱涣散情形",
        "认定日期",
        "阶段",
        "县级包联领导",
        "乡镇包村领导",
        "第一书记",
        "派出单位",
        "包联日期",
        "销号日期",
        "备注",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    // row 4: identified, date cell
    let r = 3;
    ws.write_number(r, 0, 1).unwrap();
    for (c, v) in [
        (1, "2017-YG-001"),
        (2, "阳谷县"),
        (3, "阿城镇"),
        (4, "前进村"),
    ] {
        ws.write_string(r, c, v).unwrap();
    }
    ws.write_number(r, 5, 2017).unwrap();
    ws.write_string(
        r,
        6,
        "班子配备不齐、书记长期缺职、服务意识差、服务能力弱、群众意见大",
    )
    .unwrap();
    ws.write_date_with_format(r, 7, ExcelDateTime::from_ymd(2017, 3, 10).unwrap(), &date)
        .unwrap();
    ws.write_string(r, 8, "排查认定").unwrap();
    ws.write_string(r, 15, "重点村").unwrap();
    // row 5 blank; row 6: paired, text dates
    let r = 5;
    ws.write_number(r, 0, 2).unwrap();
    let cells = [
        (1, "2017-YG-002"),
        (2, "阳谷县"),
        (3, "七级镇"),
        (4, "东街村"),
        (5, "2017年"),
        (6, "secretary_unfit；存在“村霸”问题"),
        (7, "2017年3月12日"),
        (8, "领导包联"),
        (9, "王建国"),
        (10, "李明"),
        (11, "张伟"),
        (12, "县财政局"),
        (13, "2017/3/25"),
    ];
    for (c, v) in cells {
        ws.write_string(r, c, v).unwrap();
    }
    // row 7: accepted, dotted dates
    let r = 6;
    let cells = [
        (1, "2017-YG-003"),
        (2, "阳谷县"),
        (3, "七级镇"),
        (4, "西街村"),
        (5, "2017"),
        (6, "无集体经济收入"),
        (7, "2017.3.12"),
        (8, "验收销号"),
        (9, "王建国"),
        (10, "李明"),
        (11, "赵强"),
        (12, "县农业局"),
        (13, "2017-03-25"),
    ];
    for (c, v) in cells {
        ws.write_string(r, c, v).unwrap();
    }
    let zh_date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    ws.write_date_with_format(
        r,
        14,
        ExcelDateTime::from_ymd(2017, 8, 30).unwrap(),
        &zh_date,
    )
    .unwrap();
    ws.write_string(8, 0, "填表人：张三").unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn a_clerks_xlsx_with_title_rows_date_cells_and_text_dates() {
    let cases = xlsx::read(&clerk_xlsx(), "台账.xlsx", &Policy::default(), Lang::Zh).unwrap();
    assert_eq!(cases.len(), 3);
    let a = &cases[0];
    assert_eq!(
        (a.id.as_str(), a.county.as_str(), a.township.as_str()),
        ("2017-YG-001", "阳谷县", "阿城镇")
    );
    assert_eq!(a.year, 2017);
    assert_eq!(a.identified_on, d("2017-03-10"));
    assert_eq!(
        a.situations,
        [Situation::LeadershipIncomplete, Situation::PoorService]
    );
    assert_eq!(a.stage, Stage::Identified);
    assert!(a.pairing.is_none());
    let b = &cases[1];
    assert_eq!(
        b.situations,
        [Situation::SecretaryUnfit, Situation::VillageBully]
    );
    assert_eq!(b.identified_on, d("2017-03-12"));
    let p = b.pairing.as_ref().unwrap();
    assert_eq!(
        (p.county_leader.as_str(), p.first_secretary_unit.as_str()),
        ("王建国", "县财政局")
    );
    assert_eq!(p.paired_on, Some(d("2017-03-25")));
    let c = &cases[2];
    assert_eq!(c.stage, Stage::Accepted);
    assert_eq!(c.closed_on, Some(d("2017-08-30")));
    // the flat row cannot carry adjustments or attempts: a note, and no invented pass
    assert!(c.adjustments.is_empty() && c.acceptance.is_empty());
    assert_eq!(
        c.no_adjustment_reason.as_deref(),
        Some("台账导入：班子调整情况见原台账")
    );
}

fn gbk(s: &str) -> Vec<u8> {
    let (bytes, _, bad) = encoding_rs::GBK.encode(s);
    assert!(!bad);
    bytes.into_owned()
}

const CSV_ZH: &str = "\
序号,编号,年度,县,乡镇(街道),村,软弱涣散情形,主要问题,认定日期,转化期限,阶段,县级包联领导,乡镇包村领导,第一书记,派出单位,帮扶单位,包联日期,销号日期,联系电话
1,2017-SX-001,2017,莘县,张鲁回族镇,菜园村,班子不团结、内耗严重、宗族宗教和黑恶势力干扰渗透,\"两委不和，\n多年未开会\",2017/3/10,2017/11/30,班子调整,刘洋,陈刚,孙丽,省新闻出版广电局,县交通局,2017/3/20,,13800000000
,,,,,,,,,,,,,,,,,,

2,2017-SX-002,2017,莘县,燕店镇,后王村,no_venue,,20170311,,identified,,,,,,,,
";

#[test]
fn a_gbk_csv_with_chinese_headers_blank_rows_and_extra_columns() {
    let bytes = gbk(CSV_ZH);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture really is GBK"
    );
    let cases = csv::read(&bytes, "台账.csv", &Policy::default(), Lang::Zh).unwrap();
    assert_eq!(cases.len(), 2);
    let a = &cases[0];
    assert_eq!(a.township, "张鲁回族镇");
    assert_eq!(
        a.situations,
        [Situation::Disunited, Situation::ClanReligiousCriminal]
    );
    assert_eq!(a.problems, "两委不和，\n多年未开会");
    assert_eq!(a.deadline, Some(d("2017-11-30")));
    assert_eq!(a.stage, Stage::CadresAdjusted);
    assert_eq!(a.pairing.as_ref().unwrap().assisting_unit, "县交通局");
    assert_eq!(cases[1].identified_on, d("2017-03-11"));
    assert_eq!(cases[1].situations, [Situation::NoVenue]);
    // the same text as UTF-8, with and without a BOM, reads the same
    let utf8 = csv::read(CSV_ZH.as_bytes(), "a.csv", &Policy::default(), Lang::Zh).unwrap();
    assert_eq!(utf8, cases);
    let bom = [b"\xEF\xBB\xBF".as_slice(), CSV_ZH.as_bytes()].concat();
    assert_eq!(
        csv::read(&bom, "a.csv", &Policy::default(), Lang::Zh).unwrap(),
        cases
    );
}

fn refused_csv(csv_text: &str) -> Vec<InputError> {
    csv::read(
        csv_text.as_bytes(),
        "台账.csv",
        &Policy::default(),
        Lang::En,
    )
    .unwrap_err()
}

const HEAD: &str = "编号,年度,县(市、区),乡镇(街道),村,软弱涣散情形,认定日期,阶段,县级包联领导,乡镇包村领导,第一书记,派出单位,包联日期,销号日期\n";

/// Row 2 is the first data row (the header is row 1).
fn one_row(row: &str) -> String {
    format!("{HEAD}{row}\n")
}

#[test]
fn every_malformed_form_is_refused_with_its_row_and_column() {
    let good = "2017-YG-009,2017,阳谷县,阿城镇,后街村,其他,2017-03-10,排查认定,,,,,,";
    assert!(csv::read(
        one_row(good).as_bytes(),
        "a.csv",
        &Policy::default(),
        Lang::En
    )
    .is_ok());
    let cases: &[(&str, &str, &str)] = &[
        (
            "2017-YG-009,2017,阳谷县,阿城镇,后街村,其他,2017-02-30,排查认定,,,,,,",
            "row 2, column 认定日期",
            "'2017-02-30' is not a date (use 2017-03-10, 2017/3/10, 2017年3月10日)",
        ),
        (
            "2017-YG-009,二〇一七,阳谷县,阿城镇,后街村,其他,2017-03-10,排查认定,,,,,,",
            "row 2, column 年度",
            "'二〇一七' is not a year",
        ),
        (
            "2017-YG-009,2017,阳谷县,阿城镇,后街村,班子软,2017-03-10,排查认定,,,,,,",
            "row 2, column 软弱涣散情形",
            "'班子软' is not a situation",
        ),
        (
            "2017-YG-009,2017,阳谷县,阿城镇,后街村,其他,2017-03-10,整改完毕,,,,,,",
            "row 2, column 阶段",
            "'整改完毕' is not a stage",
        ),
        (
            "2017-YG-009,2017,阳谷县,阿城镇,后街村,其他,2017-03-10,,,,,,,",
            "row 2, column 阶段",
            "is blank",
        ),
        (
            ",2017,阳谷县,阿城镇,后街村,其他,2017-03-10,排查认定,,,,,,",
            "row 2, column 编号",
            "is blank",
        ),
        (
            "2017 YG 9,2017,阳谷县,阿城镇,后街村,其他,2017-03-10,排查认定,,,,,,",
            "row 2, column 编号",
            "no spaces",
        ),
        (
            "2017-YG-009,2017,阳谷县,阿城镇,后街村,其他,2017-03-10,领导包联,王,李,,县财政局,2017-03-20,",
            "row 2, column 第一书记",
            "pairing incomplete: missing first secretary",
        ),
        (
            "2017-YG-009,2017,阳谷县,阿城镇,后街村,其他,2017-03-10,领导包联,王,李,张,县财政局,,",
            "row 2, column 包联日期",
            "paired on is empty",
        ),
        (
            "2017-YG-009,2017,阳谷县,阿城镇,后街村,其他,2017-03-10,验收销号,王,李,张,县财政局,2017-03-20,",
            "row 2, column 销号日期",
            "closed on is empty",
        ),
        (
            "2017-YG-009,2017,阳谷县,阿城镇,后街村,其他,2017-03-10,领导包联,王,李,张,县财政局,2017-03-20,2017-08-01",
            "row 2, column 销号日期",
            "not accepted",
        ),
        (
            "2017-YG-009,1850,阳谷县,阿城镇,后街村,其他,2017-03-10,排查认定,,,,,,",
            "row 2, column 年度",
            "out of range",
        ),
    ];
    for (row, place, problem) in cases {
        let errs = refused_csv(&one_row(row));
        assert_eq!(errs.len(), 1, "{row}: {errs:?}");
        let e = &errs[0];
        assert_eq!(e.file, "台账.csv");
        assert_eq!(e.place, *place, "{row}: {e}");
        assert!(e.problem.contains(problem), "{row}: {e}");
    }
}

#[test]
fn row_numbers_are_the_ones_a_spreadsheet_shows() {
    // title row 1, header row 2, blank row 3, a case with a two-line cell on row 4, a bad
    // date on row 5, a duplicate id on row 6
    let text = format!(
        "2017年度软弱涣散村党组织整顿台账,,,\n{HEAD}\n{}\n{}\n{}\n",
        "2017-YG-001,2017,阳谷县,阿城镇,\"前进\n村\",其他,2017-03-10,排查认定,,,,,,",
        "2017-YG-002,2017,阳谷县,阿城镇,后街村,其他,2017-3-40,排查认定,,,,,,",
        "2017-YG-001,2017,阳谷县,阿城镇,东村,其他,2017-03-10,排查认定,,,,,,",
    );
    let errs = refused_csv(&text);
    let places: Vec<&str> = errs.iter().map(|e| e.place.as_str()).collect();
    assert_eq!(places, ["row 5, column 认定日期", "row 6, column 编号"]);
    assert!(errs[1].problem.contains("first at row 4"), "{}", errs[1]);
    let one = zhengdun::interchange::summary(&errs, Lang::En);
    assert!(
        one.starts_with("台账.csv: row 5, column 认定日期: '2017-3-40'"),
        "{one}"
    );
    assert!(one.ends_with("(and 1 more problem(s))"), "{one}");
}

#[test]
fn missing_columns_and_files_that_are_not_ledgers() {
    let e = refused_csv("编号,年度,村,阶段\n2017-YG-001,2017,前进村,排查认定\n");
    assert_eq!(e[0].place, "row 1");
    assert!(
        e[0].problem.contains("county") && e[0].problem.contains("identified_on"),
        "{}",
        e[0]
    );
    let e = refused_csv("a,b,c\n1,2,3\n");
    assert!(e[0].problem.contains("no header row"), "{}", e[0]);
    let e = refused_csv("编号,村,村名,阶段\n");
    assert!(e[0].problem.contains("same column"), "{}", e[0]);
    // neither UTF-8 nor GBK
    let e = csv::read(
        &[0x81, 0x20, 0xff, 0xfe, 0x00],
        "x.csv",
        &Policy::default(),
        Lang::En,
    )
    .unwrap_err();
    assert!(e[0].problem.contains("neither UTF-8 nor GBK"), "{}", e[0]);
    let e = xlsx::read(b"not a workbook", "x.xlsx", &Policy::default(), Lang::En).unwrap_err();
    assert!(e[0].problem.contains("cannot read this xlsx"), "{}", e[0]);
}

#[test]
fn english_headers_and_codes_in_any_order() {
    let text = "stage,village,township,county,year,id,identified on,situations\n\
                identified,Qianjin,Acheng,Yanggu,2017,2017-YG-001,2017-03-10,\"poor_service, other\"\n";
    let cases = csv::read(text.as_bytes(), "en.csv", &Policy::default(), Lang::En).unwrap();
    assert_eq!(cases[0].village, "Qianjin");
    assert_eq!(
        cases[0].situations,
        [Situation::PoorService, Situation::Other]
    );
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn the_cli_imports_all_or_nothing_and_dry_run_writes_nothing() {
    let dir = tmp();
    let db = dir.path().join("db");
    let good = write(dir.path(), "台账.xlsx", &clerk_xlsx());
    let bad = write(
        dir.path(),
        "bad.csv",
        one_row("2017-YG-100,2017,阳谷县,阿城镇,后街村,其他,2017-02-30,排查认定,,,,,,").as_bytes(),
    );
    let (ok, _, err) = run(
        &db,
        &["import", good.to_str().unwrap(), bad.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(
        err.contains("bad.csv: row 2, column 认定日期: '2017-02-30' is not a date"),
        "{err}"
    );
    assert!(!db.exists(), "nothing was written, not even a ledger");

    let (ok, out, err) = run(&db, &["import", "--dry-run", good.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("would import 3 cases"), "{out}");
    assert!(!db.exists(), "a dry run writes nothing");

    let (ok, out, err) = run(&db, &["import", good.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("imported 3 cases"), "{out}");
    let (ok, out, _) = run(&db, &["show", "2017-YG-003", "--format", "json"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["stage"], "accepted");
    assert_eq!(v["closed_on"], "2017-08-30");
    assert_eq!(v["acceptance"], serde_json::json!([]));
    let (ok, out, _) = run(&db, &["verify"]);
    assert!(ok, "{out}");
}

#[test]
fn an_accepted_case_with_attempts_must_have_passed_one() {
    use zhengdun::domain::{check_case, Acceptance, Refusal, Verdict};
    let mut c = csv::read(
        one_row("2017-YG-009,2017,阳谷县,阿城镇,后街村,其他,2017-03-10,验收销号,王,李,张,县财政局,2017-03-20,2017-08-01")
            .as_bytes(),
        "a.csv",
        &Policy::default(),
        Lang::En,
    )
    .unwrap()
    .remove(0);
    assert!(
        check_case(&c, &Policy::default()).is_ok(),
        "accepted before it came into this ledger"
    );
    c.acceptance.push(Acceptance {
        on: d("2017-08-01"),
        by: "验收组".into(),
        score: 50,
        poll_n: 10,
        poll_dissatisfied: 1,
        standards: [true; 6],
        verdict: Verdict::Fail,
    });
    let r = check_case(&c, &Policy::default()).unwrap_err();
    assert!(
        matches!(r, Refusal::Contradiction { ref cause, .. } if **cause == Refusal::NoPassingAcceptance),
        "{r:?}"
    );
}

#[test]
fn excel_unicode_text_is_utf16_and_tab_separated() {
    let tsv = CSV_ZH
        .replace(',', "\t")
        .replace("\"两委不和，\n多年未开会\"", "两委不和");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(tsv.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let cases = csv::read(&bytes, "台账.txt", &Policy::default(), Lang::Zh).unwrap();
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0].village, "菜园村");
    assert_eq!(
        cases[0].situations,
        [Situation::Disunited, Situation::ClanReligiousCriminal]
    );
}

#[test]
fn the_cli_lists_every_problem_of_a_file_one_line_each() {
    let dir = tmp();
    let db = dir.path().join("db");
    let text = format!(
        "{HEAD}{}\n{}\n",
        "2017-YG-001,2017,阳谷县,阿城镇,前进村,其他,2017-3-40,排查认定,,,,,,",
        "2017-YG-002,2017,阳谷县,阿城镇,后街村,乱,2017-03-10,排查认定,,,,,,",
    );
    let f = write(dir.path(), "台账.csv", text.as_bytes());
    let (ok, _, err) = run(&db, &["import", f.to_str().unwrap()]);
    assert!(!ok);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].contains("row 2, column 认定日期: '2017-3-40'"),
        "{err}"
    );
    assert!(
        lines[1].contains("row 3, column 软弱涣散情形: '乱'"),
        "{err}"
    );
    assert!(
        lines[2].ends_with("2 problems (above); nothing was imported"),
        "{err}"
    );
}

#[test]
fn a_two_row_header_with_merged_cells_and_a_group_title() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let f = Format::new();
    ws.merge_range(0, 0, 0, 11, "软弱涣散村党组织整顿台账", &f)
        .unwrap();
    // row 2: single headers merged down over rows 2-3, and a group over the pairing columns
    let tall = [
        "编号",
        "年度",
        "县",
        "乡镇",
        "村",
        "软弱涣散情形",
        "认定日期",
        "阶段",
    ];
    for (c, h) in tall.iter().enumerate() {
        ws.merge_range(1, c as u16, 2, c as u16, h, &f).unwrap();
    }
    ws.merge_range(1, 8, 1, 12, "包联情况", &f).unwrap();
    for (c, h) in [
        "县级包联领导",
        "乡镇包村领导",
        "第一书记",
        "派出单位",
        "包联日期",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(2, 8 + c as u16, *h).unwrap();
    }
    let row = [
        "2017-YG-001",
        "2017",
        "阳谷县",
        "阿城镇",
        "前进村",
        "书记不胜任现职",
        "2017-03-10",
        "领导包联",
        "王建国",
        "李明",
        "张伟",
        "县财政局",
        "2017-03-25",
    ];
    for (c, v) in row.iter().enumerate() {
        ws.write_string(3, c as u16, *v).unwrap();
    }
    let cases = xlsx::read(
        &wb.save_to_buffer().unwrap(),
        "两行表头.xlsx",
        &Policy::default(),
        Lang::En,
    )
    .unwrap();
    assert_eq!(cases.len(), 1);
    let p = cases[0].pairing.as_ref().unwrap();
    assert_eq!(
        (p.first_secretary.as_str(), p.paired_on),
        ("张伟", Some(d("2017-03-25")))
    );

    // a bad cell under it is still named by its spreadsheet row (4)
    let mut wb2 = Workbook::new();
    let ws = wb2.add_worksheet();
    for (c, h) in tall.iter().enumerate() {
        ws.merge_range(0, c as u16, 1, c as u16, h, &f).unwrap();
    }
    ws.merge_range(0, 8, 0, 9, "包联情况", &f).unwrap();
    ws.write_string(1, 8, "县级包联领导").unwrap();
    ws.write_string(1, 9, "乡镇包村领导").unwrap();
    for (c, v) in row.iter().take(8).enumerate() {
        ws.write_string(2, c as u16, if c == 6 { "2017-13-01" } else { v })
            .unwrap();
    }
    let e = xlsx::read(
        &wb2.save_to_buffer().unwrap(),
        "b.xlsx",
        &Policy::default(),
        Lang::En,
    )
    .unwrap_err();
    assert_eq!(e[0].place, "row 3, column 认定日期", "{e:?}");
}
