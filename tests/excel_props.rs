//! Properties of the flat ledger: whatever the cells hold, reading never panics; any valid
//! case written as a CSV row (Chinese or English headers) reads back with the same flat fields.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use zhengdun::domain::{Case, Pairing, Policy, Situation, Stage};
use zhengdun::i18n::{Label, Lang};
use zhengdun::interchange::table::{self, Cell, Row};
use zhengdun::interchange::{csv, xlsx};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9 ,;、；，\"'\n\r\t\u{1b}]{0,12}",
        "[\u{4e00}-\u{4e2f}、；，（）()“”]{0,8}",
        Just("班子配备不齐、书记长期缺职".to_string()),
        Just("2017年3月10日".to_string()),
        Just("2017-02-30".to_string()),
        Just("领导包联".to_string()),
    ]
}

fn cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        Just(Cell::Empty),
        text().prop_map(Cell::Text),
        any::<f64>().prop_map(Cell::Number),
        (0i64..80_000).prop_map(|n| Cell::Number(n as f64)),
        (1900i32..2300, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| Cell::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())),
    ]
}

fn header() -> Row {
    let names = [
        "编号",
        "年度",
        "县",
        "乡镇",
        "村",
        "软弱涣散情形",
        "认定日期",
        "阶段",
        "县级包联领导",
        "乡镇包村领导",
        "第一书记",
        "派出单位",
        "包联日期",
        "销号日期",
    ];
    Row {
        number: 1,
        cells: names.iter().map(|n| Cell::Text(n.to_string())).collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_cells_are_read_or_refused_with_a_row_never_a_panic(
        rows in prop::collection::vec(prop::collection::vec(cell(), 0..16), 0..6)
    ) {
        let mut all = vec![header()];
        all.extend(rows.into_iter().enumerate().map(|(i, cells)| Row { number: i + 2, cells }));
        match table::cases(&all, "x.csv", &Policy::default(), Lang::Zh) {
            Ok(cases) => prop_assert!(cases.len() < all.len()),
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    prop_assert!(e.place.starts_with('第'), "{}", e);
                }
            }
        }
    }

    #[test]
    fn any_bytes_are_read_or_refused_never_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = csv::read(&bytes, "x.csv", &Policy::default(), Lang::En);
        let _ = xlsx::read(&bytes, "x.xlsx", &Policy::default(), Lang::En);
    }

    #[test]
    fn any_situations_cell_written_reads_back(picks in prop::collection::vec(0usize..14, 1..6)) {
        let mut want: Vec<Situation> = Vec::new();
        for i in picks {
            let s = Situation::ALL[i];
            if !want.contains(&s) {
                want.push(s);
            }
        }
        for sep in ["、", "；", ";", ",", "，"] {
            let zh: Vec<&str> = want.iter().map(|s| s.zh()).collect();
            prop_assert_eq!(table::situations(&zh.join(sep)), Ok(want.clone()));
            let codes: Vec<&str> = want.iter().map(|s| s.code()).collect();
            prop_assert_eq!(table::situations(&codes.join(sep)), Ok(want.clone()));
        }
    }

    #[test]
    fn valid_cases_round_trip_through_csv(
        cases in prop::collection::vec(case(), 1..6),
        english in any::<bool>(),
    ) {
        let mut cases = cases;
        for (i, c) in cases.iter_mut().enumerate() {
            c.id = format!("{}-{i}", c.id);
        }
        let lang = if english { Lang::En } else { Lang::Zh };
        let refs: Vec<&Case> = cases.iter().collect();
        let mut buf = Vec::new();
        csv::write(&mut buf, &refs, lang, &[]).unwrap();
        let written = String::from_utf8_lossy(&buf);
        prop_assert!(
            !written.lines().flat_map(|l| l.split(',')).any(|f| f.trim_start_matches('"').starts_with(['=', '+', '@'])),
            "a cell starts like a formula: {}", written
        );
        let back = csv::read(&buf, "rt.csv", &Policy::default(), lang)
            .map_err(|e| TestCaseError::fail(format!("{e:?}\n{}", String::from_utf8_lossy(&buf))))?;
        let flat = |cs: &[Case]| cs.iter().map(|c| csv::row(c, Lang::Zh)).collect::<Vec<_>>();
        prop_assert_eq!(flat(&back), flat(&cases));
    }

    #[test]
    fn valid_cases_round_trip_through_our_own_xlsx(
        cases in prop::collection::vec(case(), 1..5),
        english in any::<bool>(),
    ) {
        let mut cases = cases;
        for (i, c) in cases.iter_mut().enumerate() {
            c.id = format!("{}-{i}", c.id);
        }
        let lang = if english { Lang::En } else { Lang::Zh };
        let today = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        let bytes = xlsx::write(&cases, today, &Policy::default(), lang).unwrap();
        let back = xlsx::read(&bytes, "rt.xlsx", &Policy::default(), lang)
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(back, cases);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// `import --update` of any revision of a ledger: never a panic; the update either goes
    /// through whole (each case at the file's stage, the history chain sound) or is refused
    /// and writes nothing.
    #[test]
    fn an_update_never_panics_and_a_refused_one_writes_nothing(
        base in prop::collection::vec(case(), 1..4),
        revised in prop::collection::vec(case(), 1..5),
        same in prop::collection::vec(0usize..4, 5),
    ) {
        use zhengdun::ledger::{CaseUpdate, Ctx, Ledger, Local};
        let mut base = base;
        for (i, c) in base.iter_mut().enumerate() {
            c.id = format!("{}-{i}", c.id);
            c.village = format!("{}{i}", c.village);
        }
        let dir = tempfile::tempdir().unwrap();
        let ctx = Ctx {
            today: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            actor: "组织部".into(),
            policy: Policy::default(),
            person: None,
        };
        let l = Local::open(&dir.path().join("db"), ctx).unwrap();
        l.import(base.clone(), vec![], zhengdun::domain::ChangeKind::Imported).unwrap();
        let before = (l.export().unwrap(), l.verify().unwrap().events);
        // a revised case takes the id (and the village) of a recorded one, or is new
        let mut opened = Vec::new();
        let mut updates = Vec::new();
        let mut refused = false;
        let mut seen = std::collections::HashSet::new();
        for (i, (mut c, pick)) in revised.into_iter().zip(same).enumerate() {
            match base.get(pick) {
                Some(old) if seen.insert(old.id.clone()) => {
                    c.id = old.id.clone();
                    if pick % 2 == 0 {
                        c.village = old.village.clone();
                    }
                    match zhengdun::domain::commands_between(old, &c) {
                        Ok(update) => updates.push(CaseUpdate {
                            id: old.id.clone(),
                            update,
                            expected: Some(zhengdun::ledger::case_version(old)),
                        }),
                        Err(_) => refused = true,
                    }
                }
                _ => {
                    c.id = format!("{}-new{i}", c.id);
                    opened.push(c);
                }
            }
        }
        prop_assume!(!refused);
        let targets: Vec<(String, Stage)> =
            updates.iter().map(|u| (u.id.clone(), u.update.to)).collect();
        match l.update(opened, updates, true) {
            Ok(_) => {
                let v = l.verify().unwrap();
                prop_assert!(v.problems.is_empty(), "{:?}", v.problems);
                for (id, to) in targets {
                    prop_assert!(l.case(&id).unwrap().stage >= to, "{id} short of {to:?}");
                }
            }
            Err(_) => {
                prop_assert_eq!((l.export().unwrap(), l.verify().unwrap().events), before);
            }
        }
    }
}

fn name() -> impl Strategy<Value = String> {
    // a leading = + - @ is what Excel would run as a formula: written guarded, read back
    "[=+@-]?[\u{4e00}-\u{4e2f}a-z][\u{4e00}-\u{4e2f}a-z ,\"，、\n]{0,6}[\u{4e00}-\u{4e2f}a-z]"
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (2016i32..2020, 1u32..13, 1u32..29)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

/// A case as a flat ledger can hold it, consistent with its stage.
fn case() -> impl Strategy<Value = Case> {
    (
        "[A-Z]{2}",
        (name(), name(), name()),
        prop::collection::vec(0usize..14, 1..4),
        prop::option::of(name()),
        (date(), prop::option::of(date()), date(), date()),
        0usize..4,
        (name(), name(), name(), name(), prop::option::of(name())),
    )
        .prop_map(
            |(
                code,
                (county, township, village),
                sits,
                problems,
                (on, deadline, paired_on, closed_on),
                stage,
                p,
            )| {
                let stage = Stage::ALL[stage];
                let mut situations: Vec<Situation> = Vec::new();
                for i in sits {
                    if !situations.contains(&Situation::ALL[i]) {
                        situations.push(Situation::ALL[i]);
                    }
                }
                Case {
                    problems: problems.unwrap_or_default(),
                    // a deadline before the identification is refused
                    deadline: deadline.map(|d| d.max(on)),
                    stage,
                    pairing: (stage >= Stage::Paired).then(|| Pairing {
                        county_leader: p.0,
                        county_leader_account: None,
                        township_leader: p.1,
                        first_secretary: p.2,
                        first_secretary_unit: p.3,
                        assisting_unit: p.4.unwrap_or_default(),
                        paired_on: Some(paired_on),
                    }),
                    no_adjustment_reason: (stage >= Stage::CadresAdjusted)
                        .then(|| "见原台账".to_string()),
                    closed_on: (stage == Stage::Accepted).then_some(closed_on),
                    // identified in its campaign year (a later one is refused as absurd)
                    ..Case::identified(
                        format!("{}-{code}", on.year()),
                        on.year(),
                        county,
                        township,
                        village,
                        situations,
                        on,
                    )
                }
            },
        )
}
