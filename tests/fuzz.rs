//! Hostile input, property-based: every importer and loader takes any input without a
//! panic, and every refusal is a message that names the file. Text that carries control
//! characters or terminal escape sequences is neutralised before it reaches a terminal,
//! tested by rendering such data through the real binary on a pseudo-terminal.
//!
//! Targets: the JSON, CSV and xlsx importers, backup restore, the keymap parser, the
//! `policy.toml` loader, TUI preferences, dates, the command line and the text functions.
//! The number of inputs per target is `ZHENGDUN_FUZZ_CASES` (default 1000; the xlsx and
//! preference targets run a quarter of it, restore a tenth); each prints how many it ran.
#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::path::Path;
use std::process::Command;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

use zhengdun::backup;
use zhengdun::domain::Policy;
use zhengdun::i18n::Lang;
use zhengdun::interchange::{dates, json as ledger_json};
use zhengdun::store::Store;
use zhengdun::text;

mod common;

fn cases() -> u32 {
    std::env::var("ZHENGDUN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

fn config(n: u32) -> Config {
    Config {
        cases: n,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Runs `test` over `n` inputs from `strategy`; panics (the test fails) on the first input
/// for which `test` panics or fails, after shrinking it.
fn fuzz<S: Strategy>(
    name: &str,
    n: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(config(n));
    let result = runner.run(&strategy, test);
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    println!("{name}: {n} inputs, no panic");
}

/// Strings that hostile files carry: escapes, controls, bidi marks, CJK, huge numbers.
fn nasty_string() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("\u{1b}[2J".to_string()),
        Just("\u{1b}]0;title\u{7}".to_string()),
        Just("\u{9b}31m".to_string()),
        Just("\r".to_string()),
        Just("\u{0}".to_string()),
        Just("\u{7f}".to_string()),
        Just("\u{202e}".to_string()),
        Just("\u{feff}".to_string()),
        Just("阿城镇".to_string()),
        Just("𠀀".to_string()),
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just("2017-02-30".to_string()),
        Just("99999999999999999999".to_string()),
        "\\PC{0,6}",
        any::<String>(),
    ];
    prop::collection::vec(pieces, 0..5).prop_map(|v| v.concat())
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        (-1e30f64..1e30).prop_map(Value::from),
        nasty_string().prop_map(Value::from),
        "[0-9]{1,5}[-/.][0-9]{1,2}[-/.][0-9]{1,2}".prop_map(Value::from),
        prop::sample::select(vec![
            "identified",
            "paired",
            "adjusted",
            "accepted",
            "basic_pass",
            "fail",
            "pass",
            "poor_service",
            "secretary_unfit",
            "unannounced",
            "zhengdun/1",
            "zhengdun-backup/1",
        ])
        .prop_map(Value::from),
        Just(json!([])),
        Just(json!({})),
        Just(json!([{}])),
    ]
}

/// A valid ledger: one case at each stage, with tasks, visits, an adjustment and an
/// acceptance, so mutations reach every part of the shape.
fn valid_ledger() -> Value {
    json!({
        "format": "zhengdun/1",
        "as_of": "2017-09-15",
        "cases": [
            {"id": "2017-YG-001", "year": 2017, "county": "阳谷县", "township": "阿城镇",
             "village": "前进村", "situations": ["secretary_unfit"], "problems": "…",
             "identified_on": "2017-03-10", "deadline": "2017-12-31", "stage": "identified",
             "pairing": null, "tasks": [], "adjustments": [], "no_adjustment_reason": null,
             "visits": [], "acceptance": [], "closed_on": null, "relapse_of": null},
            {"id": "2017-YG-003", "year": 2017, "county": "阳谷县", "township": "阿城镇",
             "village": "后进村", "situations": ["secretary_unfit", "poor_service"],
             "problems": "…", "identified_on": "2017-03-10", "deadline": "2017-12-31",
             "stage": "paired",
             "pairing": {"county_leader": "甲", "township_leader": "乙", "first_secretary": "丙",
                         "first_secretary_unit": "县财政局", "assisting_unit": "丁",
                         "paired_on": "2017-03-25"},
             "tasks": [{"measure": "…", "responsible": "…", "due": "2017-06-30", "done_on": null}],
             "adjustments": [], "no_adjustment_reason": null,
             "visits": [{"on": "2017-04-02", "by": "…", "kind": "unannounced", "findings": "…"}],
             "acceptance": [], "closed_on": null, "relapse_of": null}
        ],
        "accountability": []
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, Value),
    Remove(usize),
    AddKey(usize, String, Value),
    Duplicate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), leaf()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        2 => any::<usize>().prop_map(Mutation::Remove),
        1 => (any::<usize>(), "[a-z_]{1,12}", leaf()).prop_map(|(i, k, v)| Mutation::AddKey(i, k, v)),
        1 => any::<usize>().prop_map(Mutation::Duplicate),
    ]
}

/// Every node's path, as object keys and array indices.
fn paths(v: &Value, here: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                here.push(Value::from(k.as_str()));
                paths(child, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                here.push(Value::from(i));
                paths(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn node<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |v, seg| match seg {
        Value::String(k) => &mut v[k.as_str()],
        _ => &mut v[seg.as_u64().unwrap_or(0) as usize],
    })
}

fn apply(doc: &mut Value, m: &Mutation) {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    let pick = |i: usize| all[i % all.len()].clone();
    match m {
        Mutation::Replace(i, v) => *node(doc, &pick(*i)) = v.clone(),
        Mutation::Remove(i) => {
            let p = pick(*i);
            if let Some((last, parent)) = p.split_last() {
                match (node(doc, parent), last) {
                    (Value::Object(o), Value::String(k)) => {
                        o.remove(k);
                    }
                    (Value::Array(a), idx) => {
                        let idx = idx.as_u64().unwrap_or(0) as usize;
                        if idx < a.len() {
                            a.remove(idx);
                        }
                    }
                    _ => {}
                }
            }
        }
        Mutation::AddKey(i, k, v) => {
            if let Value::Object(o) = node(doc, &pick(*i)) {
                o.insert(k.clone(), v.clone());
            }
        }
        Mutation::Duplicate(i) => {
            if let Value::Array(a) = node(doc, &pick(*i)) {
                if let Some(first) = a.first().cloned() {
                    a.push(first);
                }
            }
        }
    }
}

fn check_json(text: &str) -> Result<(), TestCaseError> {
    for lang in [Lang::En, Lang::Zh] {
        if let Err(e) = ledger_json::parse(text, "in.json", &Policy::default(), lang) {
            let msg = e.to_string();
            prop_assert!(msg.starts_with("in.json: "), "{msg}");
            prop_assert!(!e.problem.trim().is_empty(), "{msg}");
        }
    }
    Ok(())
}

#[test]
fn json_import_takes_any_text() {
    fuzz("json: any text", cases(), any::<String>(), |s| {
        check_json(&s)
    });
    fuzz("json: nasty strings", cases(), nasty_string(), |s| {
        check_json(&s)
    });
}

#[test]
fn json_import_takes_any_mutation_of_a_valid_ledger() {
    let base = valid_ledger();
    let text = base.to_string();
    assert!(ledger_json::parse(&text, "in.json", &Policy::default(), Lang::En).is_ok());
    fuzz(
        "json: mutated ledgers",
        cases(),
        prop::collection::vec(mutation(), 1..6),
        |ms| {
            let mut doc = base.clone();
            for m in &ms {
                apply(&mut doc, m);
            }
            check_json(&doc.to_string())?;
            // An accepted ledger is one whose every case passes the consistency check;
            // it must also survive the round trip through its own writer.
            if let Ok(l) =
                ledger_json::parse(&doc.to_string(), "in.json", &Policy::default(), Lang::En)
            {
                let again = ledger_json::parse(
                    &l.to_json().unwrap(),
                    "out.json",
                    &Policy::default(),
                    Lang::En,
                );
                prop_assert!(again.is_ok(), "{:?}", again.err());
            }
            Ok(())
        },
    );
    // Cut or spliced text: the parser must stop with a place, not a panic.
    fuzz(
        "json: cut and spliced text",
        cases(),
        (any::<usize>(), any::<usize>(), nasty_string()),
        |(at, len, insert)| {
            let mut cut = 0;
            for (i, _) in text.char_indices() {
                if i <= at % text.len() {
                    cut = i;
                }
            }
            let end = (cut + len % 40).min(text.len());
            let end = (end..=text.len())
                .find(|&e| text.is_char_boundary(e))
                .unwrap_or(text.len());
            check_json(&text[..cut])?;
            check_json(&format!("{}{insert}{}", &text[..cut], &text[end..]))
        },
    );
}

/// `import --update` of any mutation of a ledger already recorded: never a panic; an update
/// that is refused (by the domain working it out, or by the ledger running it) writes
/// nothing, and one that goes through leaves a sound history chain.
#[test]
fn update_import_takes_any_mutation_of_a_recorded_ledger() {
    use zhengdun::ledger::{CaseUpdate, Ctx, Ledger, Local};
    let dir = tempfile::tempdir().unwrap();
    let ctx = Ctx {
        today: chrono::NaiveDate::from_ymd_opt(2017, 9, 15).unwrap(),
        actor: "组织部".into(),
        policy: Policy::default(),
        person: None,
    };
    let l = Local::open(&dir.path().join("db"), ctx).unwrap();
    let base = valid_ledger();
    let first =
        ledger_json::parse(&base.to_string(), "in.json", &Policy::default(), Lang::En).unwrap();
    l.import(first.cases, vec![], zhengdun::domain::ChangeKind::Imported)
        .unwrap();
    fuzz(
        "update: mutated revisions",
        (cases() / 10).max(10),
        prop::collection::vec(mutation(), 1..6),
        |ms| {
            let mut doc = base.clone();
            for m in &ms {
                apply(&mut doc, m);
            }
            let Ok(file) =
                ledger_json::parse(&doc.to_string(), "in.json", &Policy::default(), Lang::En)
            else {
                return Ok(());
            };
            let before = l.verify().unwrap().events;
            let mut opened = Vec::new();
            let mut updates = Vec::new();
            for c in file.cases {
                match l.case(&c.id) {
                    Ok(old) => match zhengdun::domain::commands_between(&old, &c) {
                        Ok(update) => updates.push(CaseUpdate {
                            id: old.id.clone(),
                            update,
                            expected: Some(zhengdun::ledger::case_version(&old)),
                        }),
                        Err(_) => return Ok(()),
                    },
                    Err(_) => opened.push(c),
                }
            }
            let dry = l.update(opened.clone(), updates.clone(), false);
            prop_assert_eq!(
                l.verify().unwrap().events,
                before,
                "a dry run writes nothing"
            );
            let real = l.update(opened, updates, true);
            let v = l.verify().unwrap();
            prop_assert!(v.problems.is_empty(), "{:?}", v.problems);
            match &real {
                Err(_) => prop_assert_eq!(v.events, before, "a refused update writes nothing"),
                Ok(r) => {
                    let n: usize = r.changed.iter().map(|(_, c)| c.len()).sum();
                    prop_assert_eq!(v.events, before + (r.opened.len() + n) as u64);
                }
            }
            prop_assert_eq!(
                dry.is_ok(),
                real.is_ok(),
                "the dry run says what the update does"
            );
            Ok(())
        },
    );
}

fn check_policy(text: &str) -> Result<(), TestCaseError> {
    if let Err(e) = Policy::from_toml(text, "policy.toml") {
        let msg = e.to_string();
        prop_assert!(msg.starts_with("policy.toml: "), "{msg}");
        prop_assert!(!msg.contains('\n'), "not one line: {msg}");
    }
    Ok(())
}

#[test]
fn policy_loader_takes_any_text() {
    fuzz("policy.toml: any text", cases(), any::<String>(), |s| {
        check_policy(&s)
    });
    let keys = prop::sample::select(vec![
        "pairing_days",
        "adjustment_days",
        "pass_mark",
        "max_dissatisfied_percent",
        "consolidation_months",
        "talk_threshold",
        "visit_interval_days",
        "unknown_key",
    ]);
    let value = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        nasty_string().prop_map(|s| format!("{s:?}")),
        Just("[1, 2]".to_string()),
        Just("true".to_string()),
        Just("".to_string()),
    ];
    fuzz(
        "policy.toml: key = value",
        cases(),
        prop::collection::vec((keys, value), 0..8),
        |lines| {
            let text: String = lines.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
            check_policy(&text)
        },
    );
}

#[test]
fn dates_take_any_text() {
    fuzz("dates: any text", cases(), any::<String>(), |s| {
        let _ = dates::parse(&s);
        Ok(())
    });
    fuzz(
        "dates: date-like text",
        cases(),
        "[0-9]{0,6}[-/.年]?[0-9]{0,3}[-/.月]?[0-9]{0,3}日?",
        |s| {
            if let Some(d) = dates::parse(&s) {
                // A date that parses is a real one, and reads back the same.
                prop_assert_eq!(dates::parse(&d.to_string()), Some(d));
            }
            Ok(())
        },
    );
}

#[test]
fn command_line_takes_any_arguments() {
    use clap::Parser;
    let word = prop_oneof![
        prop::sample::select(vec![
            "import",
            "export",
            "list",
            "show",
            "verify",
            "new",
            "pair",
            "adjust",
            "task",
            "add",
            "done",
            "visit",
            "advance",
            "accept",
            "reopen",
            "backup",
            "restore",
            "--format",
            "--db",
            "--today",
            "--id",
            "--year",
            "--standards",
            "--score",
            "--to",
            "--none",
            "--kind",
            "-o",
            "--",
        ])
        .prop_map(String::from),
        nasty_string(),
    ];
    fuzz(
        "command line: any arguments",
        cases(),
        prop::collection::vec(word, 0..8),
        |args| {
            let argv = std::iter::once("zhengdun".to_string()).chain(args);
            let _ = zhengdun::cli::Cli::try_parse_from(argv);
            Ok(())
        },
    );
}

#[test]
fn text_never_lets_a_control_character_through() {
    fuzz(
        "text: clean/truncate/pad/wrap",
        cases(),
        (nasty_string(), 0usize..40),
        |(s, w)| {
            let controls = |t: &str| t.chars().any(|c| c.is_control());
            prop_assert!(!controls(&text::clean(&s)));
            let t = text::truncate(&s, w);
            prop_assert!(!controls(&t));
            prop_assert!(text::width(&t) <= w, "{t:?} wider than {w}");
            prop_assert!(!controls(&text::pad(&s, w)));
            prop_assert!(!controls(&text::pad_left(&s, w)));
            for line in text::wrap(&s, w.max(2)) {
                prop_assert!(!controls(&line));
            }
            let n = zhengdun::cli::neutralise(&s);
            prop_assert!(!n.chars().any(|c| c.is_control() && c != '\n'));
            prop_assert_eq!(n.lines().count(), s.lines().count());
            Ok(())
        },
    );
}

#[test]
fn restore_takes_any_mutation_of_a_backup() {
    let root = tempfile::tempdir().unwrap();
    let ctx = zhengdun::store::Ctx {
        today: chrono::NaiveDate::from_ymd_opt(2017, 9, 15).unwrap(),
        actor: "fuzz".into(),
        policy: Policy::default(),
        person: None,
    };
    let ledger = ledger_json::parse(
        &valid_ledger().to_string(),
        "in.json",
        &Policy::default(),
        Lang::En,
    )
    .unwrap();
    let source = Store::open(&root.path().join("source")).unwrap();
    source
        .insert(ledger.cases, zhengdun::domain::ChangeKind::Imported, &ctx)
        .unwrap();
    let good: Value =
        serde_json::from_slice(&backup::to_json(&source.backup(None, &ctx).unwrap()).unwrap())
            .unwrap();
    drop(source);
    let n = (cases() / 10).max(20);
    let counter = std::cell::Cell::new(0);
    fuzz(
        "restore: mutated backups",
        n,
        prop::collection::vec(mutation(), 0..4),
        |ms| {
            let mut doc = good.clone();
            for m in &ms {
                apply(&mut doc, m);
            }
            let text = doc.to_string();
            let _ = backup::as_ledger(&text, "b.json");
            let Ok(b) = backup::parse(&text, "b.json") else {
                return Ok(());
            };
            counter.set(counter.get() + 1);
            let dir = root.path().join(format!("r{}", counter.get()));
            let store = Store::open(&dir).unwrap();
            match store.restore(b, "b.json", &ctx) {
                // Whatever was let in must be a ledger whose history checks out.
                Ok(_) => {
                    let v = store.verify(&ctx).unwrap();
                    prop_assert!(v.problems.is_empty(), "restored but: {:?}", v.problems);
                }
                Err(e) => {
                    prop_assert!(!e.to_string().is_empty());
                    prop_assert!(store.is_empty(), "a refused restore wrote cases");
                }
            }
            drop(store);
            let _ = std::fs::remove_dir_all(&dir);
            Ok(())
        },
    );
}

/// Runs the binary on a pseudo-terminal (`script`), returning everything it wrote there.
fn on_terminal(db: &Path, args: &str) -> Option<String> {
    let cmd = format!(
        "{} --db '{}' --lang en --today 2017-09-15 {args}",
        common::BIN,
        db.display()
    );
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn escapes_in_imported_text_never_reach_the_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        // In CI (`CI=true`) the terminal tests must run: a missing `script` fails.
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "no `script` (util-linux) to give the binary a terminal, and with CI=true the \
             terminal tests may not be skipped"
        );
        eprintln!("skipped: no `script` to give the binary a terminal");
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let db = root.path().join("db");
    // Cases whose every free-text field carries hostile strings, generated reproducibly.
    let mut runner = TestRunner::deterministic();
    let mut doc = valid_ledger();
    let strings: Vec<String> = (0..48)
        .map(|_| nasty_string().new_tree(&mut runner).unwrap().current())
        .collect();
    let mut k = 0;
    let mut next = || {
        k += 1;
        format!("甲{}乙", strings[k % strings.len()])
    };
    let template = doc["cases"][1].clone();
    let mut cases = Vec::new();
    for i in 0..12 {
        let mut c = template.clone();
        c["id"] = json!(format!("2017-ESC-{i:03}"));
        for f in ["county", "township", "village", "problems"] {
            c[f] = json!(next());
        }
        for f in [
            "county_leader",
            "township_leader",
            "first_secretary",
            "first_secretary_unit",
            "assisting_unit",
        ] {
            c["pairing"][f] = json!(next());
        }
        c["tasks"][0]["measure"] = json!(next());
        c["tasks"][0]["responsible"] = json!(next());
        c["visits"][0]["by"] = json!(next());
        c["visits"][0]["findings"] = json!(next());
        cases.push(c);
    }
    doc["cases"] = json!(cases);
    let file = root.path().join("hostile.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let import = on_terminal(&db, &format!("import '{}'", file.display())).unwrap();
    assert!(import.contains("imported 12 cases"), "{import}");
    let mut views = vec![
        "list".to_string(),
        "list --format csv".into(),
        "list --format json".into(),
        "export --format csv".into(),
        "export --format json".into(),
        "verify".into(),
        "show NO-SUCH-\u{1b}[2J-ID".into(),
    ];
    views.extend((0..12).map(|i| format!("show 2017-ESC-{i:03}")));
    views.extend((0..12).map(|i| format!("show 2017-ESC-{i:03} --format json")));
    for view in &views {
        let out = on_terminal(&db, view).unwrap();
        assert!(out.len() > 10, "{view}: {out}");
        // The pty turns each "\n" into "\r\n"; anything else is the data's.
        let bare = out.replace("\r\n", "\n");
        let bad: Vec<char> = bare
            .chars()
            .filter(|c| c.is_control() && *c != '\n')
            .collect();
        assert!(
            bad.is_empty(),
            "{view} let {bad:?} reach the terminal:\n{bare:?}"
        );
    }
    println!(
        "terminal: {} views of 12 hostile cases, no control character reached the terminal",
        views.len()
    );
}

/// A few cases of every stage from the sample generator, for the table importers.
fn sample_cases() -> Vec<zhengdun::domain::Case> {
    zhengdun::sample::generate(12, 7).cases
}

fn check_table(
    result: Result<Vec<zhengdun::domain::Case>, Vec<zhengdun::interchange::InputError>>,
    file: &str,
) -> Result<(), TestCaseError> {
    if let Err(errors) = result {
        prop_assert!(!errors.is_empty(), "a refusal without a message");
        for e in &errors {
            let msg = e.to_string();
            prop_assert!(msg.starts_with(&format!("{file}: ")), "{msg}");
            prop_assert!(!e.problem.trim().is_empty(), "{msg}");
        }
    }
    Ok(())
}

#[test]
fn csv_import_takes_any_bytes_and_any_mutation() {
    use zhengdun::interchange::csv;
    let p = Policy::default();
    fuzz(
        "csv: any bytes",
        cases(),
        prop::collection::vec(any::<u8>(), 0..400),
        |b| check_table(csv::read(&b, "in.csv", &p, Lang::Zh), "in.csv"),
    );
    let cases_ = sample_cases();
    let refs: Vec<&zhengdun::domain::Case> = cases_.iter().collect();
    let mut good = Vec::new();
    csv::write(&mut good, &refs, Lang::Zh, &[]).unwrap();
    let good = String::from_utf8(good).unwrap();
    assert!(
        csv::read(good.as_bytes(), "in.csv", &p, Lang::Zh).is_ok(),
        "the written CSV reads back"
    );
    let rows: Vec<Vec<String>> = {
        let mut r = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(good.as_bytes());
        r.records()
            .map(|x| x.unwrap().iter().map(String::from).collect())
            .collect()
    };
    fuzz(
        "csv: mutated ledgers",
        cases(),
        (
            prop::collection::vec((any::<usize>(), any::<usize>(), nasty_string()), 1..5),
            any::<bool>(),
            any::<bool>(),
        ),
        |(edits, drop_column, tabs)| {
            let mut rows = rows.clone();
            for (r, c, v) in &edits {
                let r = r % rows.len();
                let row = &mut rows[r];
                if row.is_empty() {
                    continue;
                }
                let c = c % row.len();
                row[c] = v.clone();
            }
            if drop_column {
                let c = edits[0].1 % rows[0].len();
                for row in &mut rows {
                    if c < row.len() {
                        row.remove(c);
                    }
                }
            }
            let mut w = ::csv::WriterBuilder::new()
                .delimiter(if tabs { b'\t' } else { b',' })
                .flexible(true)
                .from_writer(Vec::new());
            for row in &rows {
                w.write_record(row).unwrap();
            }
            let bytes = w.into_inner().unwrap();
            check_table(csv::read(&bytes, "in.csv", &p, Lang::Zh), "in.csv")?;
            // The same text as GB18030, as Excel on Chinese Windows saves it.
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
            check_table(csv::read(&gbk, "in.csv", &p, Lang::En), "in.csv")
        },
    );
}

#[test]
fn xlsx_import_takes_damaged_workbooks_and_any_cells() {
    use zhengdun::interchange::xlsx;
    let p = Policy::default();
    let today = chrono::NaiveDate::from_ymd_opt(2017, 9, 15).unwrap();
    let good = xlsx::write(&sample_cases(), today, &p, Lang::Zh).unwrap();
    assert!(
        xlsx::read(&good, "in.xlsx", &p, Lang::Zh).is_ok(),
        "the written workbook reads back"
    );
    let n = (cases() / 4).max(50);
    fuzz(
        "xlsx: any bytes",
        n,
        prop::collection::vec(any::<u8>(), 0..600),
        |b| check_table(xlsx::read(&b, "in.xlsx", &p, Lang::Zh), "in.xlsx"),
    );
    fuzz(
        "xlsx: flipped and cut workbooks",
        n,
        (
            prop::collection::vec((any::<usize>(), any::<u8>()), 0..8),
            any::<usize>(),
        ),
        |(flips, cut)| {
            let mut b = good.clone();
            for (i, x) in &flips {
                let i = i % b.len();
                b[i] ^= x | 1;
            }
            if flips.len() % 2 == 0 {
                b.truncate(cut % (b.len() + 1));
            }
            check_table(xlsx::read(&b, "in.xlsx", &p, Lang::Zh), "in.xlsx")
        },
    );
    // Workbooks with the right header and hostile cells: strings, numbers, dates, errors.
    let header: Vec<String> = zhengdun::interchange::csv::header(Lang::Zh)
        .iter()
        .map(|s| s.to_string())
        .collect();
    let cell = prop_oneof![
        nasty_string().prop_map(|s| (0u8, s, 0f64)),
        (-1e12f64..1e12).prop_map(|f| (1u8, String::new(), f)),
        (0f64..80000.0).prop_map(|f| (2u8, String::new(), f)),
        Just((3u8, String::new(), 0f64)),
    ];
    fuzz(
        "xlsx: hostile cells",
        n,
        prop::collection::vec(prop::collection::vec(cell, 0..24), 1..4),
        |rows| {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            for (c, h) in header.iter().enumerate() {
                sheet.write_string(0, c as u16, h).unwrap();
            }
            let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
            for (r, row) in rows.iter().enumerate() {
                let r = r as u32 + 1;
                for (c, (kind, s, f)) in row.iter().enumerate() {
                    let c = c as u16;
                    let _ = match kind {
                        0 => sheet.write_string(r, c, s),
                        1 => sheet.write_number(r, c, *f),
                        2 => sheet.write_number_with_format(r, c, *f, &date),
                        _ => sheet.write_formula(r, c, "=1/0"),
                    };
                }
            }
            let bytes = book.save_to_buffer().unwrap();
            check_table(xlsx::read(&bytes, "in.xlsx", &p, Lang::Zh), "in.xlsx")
        },
    );
}

#[test]
fn keymap_parser_takes_any_text() {
    use zhengdun::tui::keymap::{Key, Keymap};
    let check = |text: &str| -> Result<(), TestCaseError> {
        if let Err(e) = Keymap::with_overrides(text, "keymap.toml") {
            let msg = e.to_string();
            prop_assert!(msg.starts_with("keymap.toml"), "{msg}");
        }
        Ok(())
    };
    fuzz("keymap: any text", cases(), any::<String>(), |s| check(&s));
    fuzz("keymap: any key name", cases(), nasty_string(), |s| {
        let _ = Key::parse(&s);
        let _ = Key::parse(&format!("<{s}>"));
        let _ = Key::parse(&format!("<C-{s}>"));
        Ok(())
    });
    let section = prop::sample::select(vec![
        "list", "case", "form", "search", "help", "nope", "列表",
    ]);
    let key = prop_oneof![
        prop::sample::select(vec![
            "j", "<C-s>", "<S-Tab>", "<F1>", "<F99>", "<>", "<C->", "<Space>", "", "jj", "<Enter"
        ])
        .prop_map(String::from),
        nasty_string(),
    ];
    let action = prop_oneof![
        prop::sample::select(vec![
            "down", "up", "open", "quit", "noop", "save", "back", "nope"
        ])
        .prop_map(String::from),
        nasty_string(),
    ];
    fuzz(
        "keymap: rows",
        cases(),
        prop::collection::vec((section, prop::collection::vec((key, action), 0..4)), 0..4),
        |sections| {
            let mut text = String::new();
            for (name, rows) in &sections {
                text.push_str(&format!("[{name}]\nkeymap = [\n"));
                for (k, a) in rows {
                    text.push_str(&format!("  {{ on = {k:?}, run = {a:?} }},\n"));
                }
                text.push_str("]\n");
            }
            check(&text)
        },
    );
}

#[test]
fn tui_preferences_take_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.tui.json");
    fuzz(
        "tui preferences: any file",
        (cases() / 4).max(50),
        any::<String>(),
        |s| {
            std::fs::write(&path, &s).unwrap();
            let (_, problem) = zhengdun::tui::prefs::Prefs::load(Some(path.clone()));
            if let Some(p) = problem {
                prop_assert!(!p.is_empty());
            }
            Ok(())
        },
    );
}

/// The server's and the client's frame decoder: any bytes give a value or an error, never
/// a panic, and never a wait for more than there is (a length that claims more than the
/// bytes hold is an error at their end; one over the bound is refused unread).
fn check_frames(bytes: &[u8]) -> Result<(), TestCaseError> {
    use zhengdun::ledger::protocol::{self, FrameError, Hello, Request, ToClient, Welcome};
    let mut rest = bytes;
    // as the server reads a connection: frames until the first error or the end
    for _ in 0..bytes.len() + 1 {
        match protocol::read::<_, Request>(&mut rest) {
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(FrameError::TooLarge(n)) => {
                prop_assert!(n > u64::from(protocol::MAX_FRAME));
                break;
            }
            Err(_) => break,
        }
    }
    for decode in [
        |b: &[u8]| protocol::decode::<Hello>(b).is_ok(),
        |b: &[u8]| protocol::decode::<Welcome>(b).is_ok(),
        |b: &[u8]| protocol::decode::<ToClient>(b).is_ok(),
    ] {
        let _ = decode(bytes);
    }
    Ok(())
}

#[test]
fn frame_decoder_takes_any_bytes_and_any_mutation_of_real_frames() {
    use zhengdun::ledger::protocol::{self, Call, Hello, Request};
    fuzz(
        "frames: any bytes",
        cases(),
        prop::collection::vec(any::<u8>(), 0..512),
        |b| check_frames(&b),
    );
    // real frames, then cut, flipped, or their length rewritten
    let mut real = protocol::encode(&Hello::ours()).unwrap();
    for call in [
        Call::Summaries,
        Call::Search("qjc".into()),
        Call::Execute {
            id: "2017-YG-003".into(),
            commands: vec![zhengdun::domain::Command::Advance {
                from: zhengdun::domain::Stage::Paired,
            }],
            expected: Some("ab".repeat(32)),
        },
    ] {
        real.extend(protocol::encode(&Request { id: 7, call }).unwrap());
    }
    let len = real.len();
    let edits = prop::collection::vec((0..len, any::<u8>()), 0..6);
    fuzz(
        "frames: mutated",
        cases(),
        (edits, 0..=len, any::<u32>()),
        |(edits, cut, length)| {
            let mut b = real.clone();
            for (at, byte) in edits {
                if let Some(x) = b.get_mut(at) {
                    *x = byte;
                }
            }
            b.truncate(cut);
            check_frames(&b)?;
            // a first frame whose length says anything at all
            let mut claimed = length.to_be_bytes().to_vec();
            claimed.extend_from_slice(b.get(4..).unwrap_or_default());
            check_frames(&claimed)
        },
    );
}
