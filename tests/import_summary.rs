//! Imports that lose nothing and say what they did: every ledger sheet of a workbook, the
//! headers counties use, columns not used named, merged cells, CRLF line ends, made ids, the
//! year in the title, labels as people write them, absurd values refused, and zhengdun's own
//! workbook read back to the same cases.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test fixtures: a failed step should stop the test with its message"
)]

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, Worksheet};
use zhengdun::domain::{Case, Policy, Situation, Stage};
use zhengdun::i18n::Lang;
use zhengdun::interchange::{csv, json, xlsx, InputError, ReadOptions};

mod common;
use common::d;

fn opts(lang: Lang) -> ReadOptions<'static> {
    static POLICY: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
    ReadOptions {
        policy: POLICY.get_or_init(Policy::default),
        lang,
        today: Some(d("2017-09-15")),
    }
}

fn put_row(ws: &mut Worksheet, row: u32, cells: &[&str]) {
    for (c, v) in cells.iter().enumerate() {
        if !v.is_empty() {
            ws.write_string(row, c as u16, *v).unwrap();
        }
    }
}

const HEADER: [&str; 9] = [
    "序号",
    "编号",
    "年度",
    "县(市、区)",
    "乡镇(街道)",
    "村",
    "软弱涣散情形",
    "认定日期",
    "阶段",
];

/// A township's sheet of five villages.
fn township(ws: &mut Worksheet, name: &str, prefix: &str) {
    ws.set_name(name).unwrap();
    put_row(ws, 0, &[&format!("{name}软弱涣散村党组织整顿台账")]);
    put_row(ws, 1, &HEADER);
    for i in 1..=5 {
        let id = format!("2017-{prefix}-{i:03}");
        let village = format!("{name}{i}村");
        put_row(
            ws,
            1 + i,
            &[
                &i.to_string(),
                &id,
                "2017",
                "阳谷县",
                name,
                &village,
                "书记不胜任现职",
                "2017-03-10",
                "排查认定",
            ],
        );
    }
}

#[test]
fn every_township_sheet_is_read_and_a_sheet_without_a_table_is_named() {
    let mut wb = Workbook::new();
    township(wb.add_worksheet(), "阿城镇", "AC");
    township(wb.add_worksheet(), "七级镇", "QJ");
    put_row(
        wb.add_worksheet().set_name("说明").unwrap(),
        0,
        &["本表由各乡镇填报"],
    );
    wb.add_worksheet().set_name("空白").unwrap();
    let i = xlsx::import(
        &wb.save_to_buffer().unwrap(),
        "twosheets.xlsx",
        &opts(Lang::Zh),
    )
    .unwrap();
    assert_eq!(i.cases.len(), 10, "{:?}", i.notes);
    assert_eq!(i.cases.iter().filter(|c| c.township == "七级镇").count(), 5);
    let notes = i.notes.join("\n");
    assert!(notes.contains("工作表“七级镇”，5个案件"), "{notes}");
    assert!(notes.contains("跳过工作表“说明”：没有台账表头"), "{notes}");
    assert!(notes.contains("跳过工作表“空白”：空表"), "{notes}");
    assert!(notes.contains("未使用的列：序号"), "{notes}");

    // a bad cell names its sheet
    let mut wb = Workbook::new();
    township(wb.add_worksheet(), "阿城镇", "AC");
    let ws = wb.add_worksheet();
    township(ws, "七级镇", "QJ");
    ws.write_string(4, 7, "2017-02-30").unwrap();
    let e = xlsx::import(&wb.save_to_buffer().unwrap(), "t.xlsx", &opts(Lang::En)).unwrap_err();
    assert_eq!(
        e[0].place, "sheet '七级镇', row 5, column 认定日期",
        "{e:?}"
    );
}

#[test]
fn the_headers_counties_use_are_read_and_the_rest_are_listed() {
    let text = "\
序号,编号,年度,所属县,镇（街道）,村名称,认定情形,排查时间,目前进展,包村县级领导,乡镇包村领导,第一书记,派出单位,包联日期,整顿措施,完成时限,责任人,备注,销号日期
1,2017-YG-001,2017,阳谷县,阿城镇,前进村,1、书记不胜任现职；2、村霸。,2017-03-10,整改中。,王县长,李书记,张伟,县财政局,2017-03-25,建设党群服务中心,2017-06-30,李书记,重点村,
2,2017-YG-002,2017,阳谷县,阿城镇,后街村,微腐败,2017-03-10,验收合格,王县长,李书记,赵强,县教育局,2017-03-25,清理集体资产,6月底,赵强,,2017-08-30
";
    let i = csv::import(text.as_bytes(), "县里.csv", &opts(Lang::Zh)).unwrap();
    let [a, b] = i.cases.as_slice() else {
        panic!("{:?}", i.cases)
    };
    assert_eq!(
        (a.county.as_str(), a.township.as_str(), a.village.as_str()),
        ("阳谷县", "阿城镇", "前进村")
    );
    assert_eq!(
        a.situations,
        [Situation::SecretaryUnfit, Situation::VillageBully]
    );
    assert_eq!(a.stage, Stage::Paired, "整改中 is being rectified, paired");
    assert_eq!(a.identified_on, d("2017-03-10"));
    let p = a.pairing.as_ref().unwrap();
    assert_eq!(p.county_leader, "王县长");
    assert_eq!(a.tasks.len(), 1);
    assert_eq!(a.tasks[0].measure, "建设党群服务中心");
    assert_eq!(a.tasks[0].responsible, "李书记");
    assert_eq!(a.tasks[0].due, d("2017-06-30"));
    assert_eq!(a.tasks[0].done_on, None);
    assert_eq!(b.situations, [Situation::PettyCorruption]);
    assert_eq!(b.stage, Stage::Accepted, "验收合格 is accepted");
    assert_eq!(b.tasks[0].measure, "清理集体资产（完成时限：6月底）");
    assert_eq!(b.tasks[0].due, d("2017-12-31"), "due at the deadline");
    assert_eq!(b.tasks[0].done_on, Some(d("2017-08-30")));
    let notes = i.notes.join("\n");
    assert!(notes.contains("未使用的列：序号、备注"), "{notes}");
}

#[test]
fn vertically_merged_county_and_township_cells_take_the_merged_value() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    put_row(ws, 0, &HEADER);
    let f = Format::new();
    ws.merge_range(1, 3, 4, 3, "阳谷县", &f).unwrap();
    ws.merge_range(1, 4, 2, 4, "阿城镇", &f).unwrap();
    ws.merge_range(3, 4, 4, 4, "七级镇", &f).unwrap();
    for i in 1..=4u32 {
        let id = format!("2017-YG-{i:03}");
        let village = format!("{i}村");
        let row = [
            "",
            &id,
            "2017",
            "",
            "",
            &village,
            "其他",
            "2017-03-10",
            "排查认定",
        ];
        put_row(ws, i, &row);
    }
    let i = xlsx::import(
        &wb.save_to_buffer().unwrap(),
        "merged.xlsx",
        &opts(Lang::Zh),
    )
    .unwrap();
    let places: Vec<(&str, &str)> = i
        .cases
        .iter()
        .map(|c| (c.county.as_str(), c.township.as_str()))
        .collect();
    assert_eq!(
        places,
        [
            ("阳谷县", "阿城镇"),
            ("阳谷县", "阿城镇"),
            ("阳谷县", "七级镇"),
            ("阳谷县", "七级镇")
        ]
    );
}

#[test]
fn crlf_csv_reports_the_row_a_spreadsheet_shows() {
    let mut text =
        String::from("2017年度台账\r\n编号,年度,县,乡镇,村,软弱涣散情形,认定日期,阶段\r\n");
    for i in 1..=4 {
        text.push_str(&format!(
            "2017-YG-00{i},2017,阳谷县,阿城镇,{i}村,其他,2017-03-10,排查认定\r\n"
        ));
    }
    text.push_str("\r\n2017-YG-005,2017,阳谷县,阿城镇,5村,其他,2017-02-30,排查认定\r\n");
    // title, header, four rows, a blank row: the bad one is row 8
    let e = csv::import(text.as_bytes(), "crlf.csv", &opts(Lang::Zh)).unwrap_err();
    assert_eq!(e[0].place, "第8行，认定日期列", "{e:?}");
    let e = csv::import(
        text.replace("2017-02-30", "2017-03-10\"x").as_bytes(),
        "crlf.csv",
        &opts(Lang::Zh),
    );
    assert!(e.is_err());
}

#[test]
fn no_id_column_makes_ids_and_the_year_comes_from_the_title() {
    let text = "\
2017年度软弱涣散村党组织整顿台账
县,乡镇,村,软弱涣散情形,认定日期,阶段
阳谷县,阿城镇,前进村,其他,2017-03-10,排查认定
阳谷县,七级镇,后街村,其他,2017-03-10,排查认定
莘县,莘亭街道,东村,其他,2016-12-20,排查认定
";
    let i = csv::import(text.as_bytes(), "noid.csv", &opts(Lang::Zh)).unwrap();
    let ids: Vec<(&str, i32)> = i.cases.iter().map(|c| (c.id.as_str(), c.year)).collect();
    assert_eq!(
        ids,
        [
            ("2017-YG-001", 2017),
            ("2017-YG-002", 2017),
            ("2017-SX-001", 2017)
        ]
    );
    let notes = i.notes.join("\n");
    assert!(notes.contains("没有编号列"), "{notes}");
    assert!(notes.contains("3个编号（2017-YG-001"), "{notes}");
    assert!(notes.contains("年度取自标题：2017"), "{notes}");
    // without a year anywhere it is still refused, naming the column
    let e = csv::import(
        text.replace("2017年度", "").as_bytes(),
        "noid.csv",
        &opts(Lang::En),
    )
    .unwrap_err();
    assert!(e[0].problem.contains("year"), "{e:?}");
}

fn refused(row: &str) -> InputError {
    let text = format!("编号,年度,县,乡镇,村,软弱涣散情形,认定日期,阶段,转化期限\n{row}\n");
    let e = csv::import(text.as_bytes(), "a.csv", &opts(Lang::En)).unwrap_err();
    e.into_iter().next().unwrap()
}

#[test]
fn absurd_values_are_refused_with_their_place_and_reason() {
    let e = refused("2017-YG-001,2017,阳谷县,阿城镇,前进村,其他,0017-03-10,排查认定,");
    assert_eq!(e.place, "row 2, column 认定日期", "{e}");
    assert!(e.problem.contains("0017-03-10"), "{e}");
    let e = refused("2017-YG-001,2017,阳谷县,阿城镇,前进村,其他,2017-03-10,排查认定,9999-12-31");
    assert_eq!(e.place, "row 2, column 转化期限", "{e}");
    assert!(e.problem.contains("9999-12-31"), "{e}");
    let e = refused("2016-YG-001,2016,阳谷县,阿城镇,前进村,其他,2017-03-10,排查认定,");
    assert_eq!(e.place, "row 2, column 认定日期", "{e}");
    assert!(e.problem.contains("2016"), "{e}");
    let e = refused("2017-YG-001,2017,阳谷县,阿城镇,前进村,其他,2017-10-01,排查认定,");
    assert_eq!(e.place, "row 2, column 认定日期", "{e}");
    assert!(e.problem.contains("after today"), "{e}");
    let e = refused("2017-YG-001,2017,阳谷县,阿城镇,\u{200b}\u{200b},其他,2017-03-10,排查认定,");
    assert_eq!(e.place, "row 2, column 村", "{e}");
    assert!(e.problem.contains("invisible"), "{e}");
    // identified in the December before the campaign year is how counties work
    let text = "编号,年度,县,乡镇,村,软弱涣散情形,认定日期,阶段\n2017-YG-001,2017,阳谷县,阿城镇,前进村,其他,2016-12-20,排查认定\n";
    assert!(csv::import(text.as_bytes(), "a.csv", &opts(Lang::En)).is_ok());
}

const SAMPLE: &str = include_str!("../sample-data/liaocheng-2017.json");

fn sample() -> Vec<Case> {
    json::parse(SAMPLE, "sample.json", &Policy::default(), Lang::En)
        .unwrap()
        .cases
}

#[test]
fn json_refuses_absurd_values_and_takes_standards_in_three_forms() {
    let one = |case: &str| format!(r#"{{ "format": "zhengdun/1", "cases": [ {case} ] }}"#);
    let base = r#"{ "id": "2017-YG-001", "year": 2017, "county": "阳谷县", "township": "阿城镇",
        "village": "前进村", "situations": ["other"], "identified_on": "2017-03-10",
        "stage": "identified" }"#;
    let read = |text: &str| json::import(text, "a.json", &opts(Lang::En));
    assert!(read(&one(base)).is_ok());
    for (from, to, says) in [
        ("2017-03-10", "0017-03-10", "0017-03-10"),
        ("\"year\": 2017", "\"year\": 2016", "2016"),
        ("2017-03-10", "2017-09-16", "after today"),
        ("前进村", "\\u200b\\u200b", "invisible"),
    ] {
        let e = read(&one(&base.replace(from, to))).unwrap_err();
        assert_eq!(e.place, "cases[0] (2017-YG-001)", "{e}");
        assert!(e.problem.contains(says), "{to}: {e}");
    }

    // one case of the sample with an acceptance attempt, its standards written three ways
    let mut c = sample()
        .into_iter()
        .find(|c| c.acceptance.len() == 1)
        .unwrap();
    c.acceptance[0].standards = [true; 6];
    c.acceptance[0].verdict = zhengdun::domain::verdict(
        c.acceptance[0].score.into(),
        c.acceptance[0].poll_n,
        c.acceptance[0].poll_dissatisfied,
        &[true; 6],
        &Policy::default(),
    );
    let as_map = serde_json::to_value(&c).unwrap();
    for form in [
        as_map["acceptance"][0]["standards"].clone(),
        serde_json::json!([true, true, true, true, true, true]),
        serde_json::json!("111111"),
    ] {
        let mut v = as_map.clone();
        v["acceptance"][0]["standards"] = form.clone();
        let text = one(&v.to_string());
        let back = json::parse(&text, "a.json", &Policy::default(), Lang::En).unwrap();
        assert_eq!(back.cases, [c.clone()], "{form}");
    }
    for bad in [
        serde_json::json!("11111"),
        serde_json::json!("11111x"),
        serde_json::json!([true, true]),
        serde_json::json!([true, true, true, true, true, true, true]),
    ] {
        let mut v = as_map.clone();
        v["acceptance"][0]["standards"] = bad.clone();
        let e = json::parse(&one(&v.to_string()), "a.json", &Policy::default(), Lang::En);
        assert!(e.is_err(), "{bad}");
    }
}

#[test]
fn our_own_workbook_imports_to_the_same_cases() {
    let cases = sample();
    assert!(cases
        .iter()
        .any(|c| !c.visits.is_empty() && !c.tasks.is_empty()));
    assert!(cases.iter().any(|c| c.relapse_of.is_some()));
    for lang in [Lang::Zh, Lang::En] {
        let bytes = xlsx::write(&cases, d("2017-09-15"), &Policy::default(), lang).unwrap();
        let back = xlsx::import(&bytes, "ours.xlsx", &opts(lang)).unwrap();
        let same = |a: &Case, b: &Case| {
            serde_json::to_value(a).unwrap() == serde_json::to_value(b).unwrap()
        };
        for (a, b) in cases.iter().zip(&back.cases) {
            assert!(
                same(a, b),
                "{lang:?} {}\n{}\n{}",
                a.id,
                serde_json::to_string(a).unwrap(),
                serde_json::to_string(b).unwrap()
            );
        }
        assert_eq!(back.cases.len(), cases.len());
        let notes = back.notes.join("\n");
        assert!(
            notes.contains(if lang == Lang::Zh {
                "整顿软弱涣散基层党组织情况"
            } else {
                "Annual statistics"
            }),
            "{notes}"
        );
    }
}

/// Our workbook with its detail sheets re-sorted, as a clerk may sort them by hand: the cases
/// in the opposite order and each case's rows apart (every case's first row, then every
/// second row…), a case's own rows still in their order. Each cell keeps its kind (a date
/// cell stays a date cell).
fn out_of_order(bytes: &[u8]) -> Vec<u8> {
    use calamine::{Data, Reader};
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let details = [
        "整改任务",
        "班子调整",
        "走访督查",
        "验收",
        "Tasks",
        "Adjustments",
        "Visits",
    ];
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        let mut rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        let detail = details.contains(&name.as_str()) || name.starts_with("Acceptance");
        if detail && rows.len() > 2 {
            let body = rows.split_off(1);
            let mut keyed: Vec<(usize, usize, Vec<Data>)> = Vec::new();
            let (mut group, mut last_id, mut pos) = (0usize, String::new(), 0usize);
            for r in body {
                let id = r[0].to_string();
                if id != last_id {
                    (group, last_id, pos) = (group + 1, id, 0);
                }
                keyed.push((pos, usize::MAX - group, r));
                pos += 1;
            }
            keyed.sort_by_key(|(pos, group, _)| (*pos, *group));
            rows.extend(keyed.into_iter().map(|(_, _, r)| r));
        }
        let ws = wb.add_worksheet();
        ws.set_name(&name).unwrap();
        let (r0, c0) = range.start().unwrap_or((0, 0));
        for (i, r) in rows.iter().enumerate() {
            for (j, v) in r.iter().enumerate() {
                let (row, col) = (r0 + i as u32, (c0 as usize + j) as u16);
                match v {
                    Data::String(t) => drop(ws.write_string(row, col, t).unwrap()),
                    Data::Float(f) => drop(ws.write_number(row, col, *f).unwrap()),
                    Data::Int(n) => drop(ws.write_number(row, col, *n as f64).unwrap()),
                    Data::DateTime(x) => drop(
                        ws.write_number_with_format(row, col, x.as_f64(), &date)
                            .unwrap(),
                    ),
                    Data::Empty => {}
                    other => unreachable!("{other:?} in {name}"),
                }
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn our_workbook_with_its_detail_rows_out_of_order_imports_to_the_same_cases() {
    let cases = sample();
    let lang = Lang::Zh;
    let bytes = xlsx::write(&cases, d("2017-09-15"), &Policy::default(), lang).unwrap();
    let sorted = xlsx::import(&bytes, "ours.xlsx", &opts(lang)).unwrap();
    let shuffled = out_of_order(&bytes);
    let back = xlsx::import(&shuffled, "ours.xlsx", &opts(lang)).unwrap();
    let json = |cs: &[Case]| serde_json::to_value(cs).unwrap();
    assert_eq!(json(&back.cases), json(&cases));
    assert_eq!((back.notes, back.places), (sorted.notes, sorted.places));

    // and from its file, read twice (checked, then written) by the import
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ours.xlsx");
    std::fs::write(&file, &shuffled).unwrap();
    let (ok, out, err) = run(&dir.path().join("db"), &["import", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("已导入 {} 个案件", cases.len())),
        "{out}"
    );
}

#[test]
fn the_annual_total_is_the_sum_of_its_county_rows() {
    let mut cases = sample();
    // one leader paired in two counties is counted in each
    let leader = cases
        .iter()
        .find_map(|c| c.pairing.as_ref().map(|p| p.county_leader.clone()))
        .unwrap();
    for c in cases.iter_mut() {
        if let Some(p) = c.pairing.as_mut() {
            p.county_leader = leader.clone();
        }
    }
    let rows = zhengdun::stats::annual(&cases);
    for total in rows
        .iter()
        .filter(|r| r.county.is_none() && r.kind.is_none())
    {
        let counties: Vec<_> = rows
            .iter()
            .filter(|r| r.year == total.year && r.county.is_some())
            .collect();
        assert!(counties.len() > 1, "the sample has several counties");
        let sum = |f: fn(&zhengdun::stats::AnnualRow) -> usize| {
            counties.iter().map(|r| f(r)).sum::<usize>()
        };
        assert_eq!(total.identified, sum(|r| r.identified));
        assert_eq!(total.pairing_leaders, sum(|r| r.pairing_leaders));
        assert_eq!(total.paired_units, sum(|r| r.paired_units));
        assert_eq!(total.first_secretaries, sum(|r| r.first_secretaries));
        assert_eq!(total.secretaries_filled, sum(|r| r.secretaries_filled));
    }
}

fn run(db: &Path, args: &[&str]) -> (bool, String, String) {
    common::run_on(db, &["--today", "2017-09-15", "--lang", "zh"], args)
}

#[test]
fn the_cli_exports_by_extension_and_says_what_the_import_did() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let sample = dir.path().join("sample.json");
    std::fs::write(&sample, SAMPLE).unwrap();
    let (ok, _, err) = run(&db, &["import", sample.to_str().unwrap()]);
    assert!(ok, "{err}");
    let out = dir.path().join("台账.xlsx");
    let (ok, _, err) = run(&db, &["export", "-o", out.to_str().unwrap()]);
    assert!(ok, "{err}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"PK"), "a workbook, not JSON");
    // the default deadline is written, not left blank
    let cases = sample_cases_with_default_deadline();
    assert!(!cases.is_empty());
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&out).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range("台账").unwrap();
    let deadline_col = (0..sheet.width())
        .find(|c| sheet.get((1, *c)).map(|v| v.to_string()) == Some("转化期限".into()))
        .unwrap();
    let blanks = (2..sheet.height())
        .filter(|r| {
            sheet
                .get((*r, deadline_col))
                .is_none_or(|v| v.to_string().is_empty())
        })
        .count();
    assert_eq!(blanks, 0);

    // re-imported into a fresh ledger: the same cases, and the summary names the sheets
    let db2 = dir.path().join("db2");
    let (ok, said, err) = run(&db2, &["import", out.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(
        said.contains("跳过工作表“整顿软弱涣散基层党组织情况”"),
        "{said}"
    );
    assert!(said.contains("未使用的列：逾期天数"), "{said}");
    let (_, a, _) = run(&db, &["list", "--overdue", "--format", "json"]);
    let (_, b, _) = run(&db2, &["list", "--overdue", "--format", "json"]);
    assert_eq!(a, b);
}

fn sample_cases_with_default_deadline() -> Vec<Case> {
    sample()
        .into_iter()
        .filter(|c| c.deadline.is_none())
        .collect()
}

#[test]
fn an_id_or_a_village_in_two_files_is_named_with_both_places() {
    let dir = tempfile::tempdir().unwrap();
    let case = |id: &str, village: &str| {
        format!(
            r#"{{ "id": "{id}", "year": 2017, "county": "阳谷县", "township": "阿城镇",
            "village": "{village}", "situations": ["other"], "identified_on": "2017-03-10",
            "stage": "identified" }}"#
        )
    };
    let file = |name: &str, cases: &[String]| {
        let path = dir.path().join(name);
        let body = format!(
            r#"{{ "format": "zhengdun/1", "cases": [{}] }}"#,
            cases.join(",")
        );
        std::fs::write(&path, body).unwrap();
        path.to_str().unwrap().to_string()
    };
    let a = file(
        "a.json",
        &[case("2017-YG-001", "前进村"), case("2017-YG-002", "后进村")],
    );
    let b = file("b.json", &[case("2017-YG-002", "别村")]);
    let c = file(
        "c.json",
        &[case("2017-YG-004", "东村"), case("2017-YG-003", "前进村")],
    );
    let db = dir.path().join("db");
    let (ok, _, err) = run(&db, &["import", &a, &b]);
    assert!(!ok);
    assert!(
        err.contains(&format!("编号“2017-YG-002”在 {a} 和 {b} 中都有")),
        "{err}"
    );
    // the rows in the files' order, whichever file comes first
    for (first, second) in [(&a, &c), (&c, &a)] {
        let (ok, _, err) = run(&db, &["import", first, second]);
        assert!(!ok);
        let (x, y) = match first == &a {
            true => (
                format!("{a}: cases[0]（2017-YG-001）"),
                format!("{c}: cases[1]（2017-YG-003）"),
            ),
            false => (
                format!("{c}: cases[1]（2017-YG-003）"),
                format!("{a}: cases[0]（2017-YG-001）"),
            ),
        };
        assert!(
            err.contains(&format!("{x}和{y}是同一村同一年的两个案件")),
            "{err}"
        );
    }
}
