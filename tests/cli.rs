//! The real binary on temporary databases: import/export round trip, overdue as SPEC §3
//! defines it, guards, every bad-input class refused with nothing written, a tampered
//! history caught by `verify`, and the second-process refusal.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::{new_case, Db, BIN};

/// A ledger written for these tests, with overdue states worked out by hand for 2017-06-15:
/// - A-1 identified 2017-05-01 → due 05-31 → 15 days overdue
/// - A-2 identified 2017-05-16 → due 06-15 → due today, not overdue
/// - A-3 paired 2017-03-01 → due 05-30 → 16 days; its task due 06-10 is later
/// - A-4 cadres_adjusted, deadline 12-31, task due 06-14 open → 1 day overdue
/// - A-5 cadres_adjusted, task due 06-01 done → not overdue
/// - A-6 accepted, never overdue
const LEDGER: &str = r#"{
  "format": "zhengdun/1",
  "as_of": "2017-06-15",
  "cases": [
    { "id": "A-1", "year": 2017, "county": "阳谷县", "township": "阿城镇", "village": "前进村",
      "situations": ["secretary_unfit"], "identified_on": "2017-05-01", "stage": "identified" },
    { "id": "A-2", "year": 2017, "county": "莘县", "township": "朝城镇", "village": "后屯村",
      "situations": ["poor_service", "no_collective_income"], "problems": "群众意见大",
      "identified_on": "2017-05-16", "stage": "identified" },
    { "id": "A-3", "year": 2017, "county": "东阿县", "township": "铜城街道", "village": "鱼山庄",
      "situations": ["disunited"], "identified_on": "2017-02-10", "stage": "paired",
      "pairing": { "county_leader": "王建国", "township_leader": "李明", "first_secretary": "张伟",
                   "first_secretary_unit": "县财政局", "assisting_unit": "县供电公司", "paired_on": "2017-03-01" },
      "tasks": [ { "measure": "规范三会一课", "responsible": "李明", "due": "2017-06-10", "done_on": null } ] },
    { "id": "A-4", "year": 2017, "county": "阳谷县", "township": "阿城镇", "village": "堌堆村",
      "situations": ["leadership_incomplete"], "identified_on": "2017-02-10", "stage": "cadres_adjusted",
      "deadline": "2017-12-31",
      "pairing": { "county_leader": "王建国", "township_leader": "李明", "first_secretary": "赵敏",
                   "first_secretary_unit": "县农业农村局", "paired_on": "2017-03-01" },
      "tasks": [ { "measure": "选配村党支部书记", "responsible": "李明", "due": "2017-06-14" } ],
      "adjustments": [ { "name": "孙老汉", "post": "secretary", "reason": "aging", "action": "removed",
                         "on": "2017-04-01", "replacement": "陈小军", "replacement_source": "returnee" } ],
      "visits": [ { "on": "2017-05-20", "by": "王建国", "kind": "unannounced", "findings": "新书记到岗" } ] },
    { "id": "A-5", "year": 2017, "county": "冠县", "township": "清泉街道", "village": "东营村",
      "situations": ["rules_on_paper"], "identified_on": "2017-02-10", "stage": "cadres_adjusted",
      "pairing": { "county_leader": "马红", "township_leader": "高峰", "first_secretary": "杨帆",
                   "first_secretary_unit": "市直单位", "paired_on": "2017-03-01" },
      "tasks": [ { "measure": "建立党员活动室", "responsible": "高峰", "due": "2017-06-01", "done_on": "2017-05-30" } ],
      "no_adjustment_reason": "班子结构合理" },
    { "id": "A-6", "year": 2016, "county": "临清市", "township": "松林镇", "village": "西寨村",
      "situations": ["affairs_disorder"], "identified_on": "2016-03-01", "deadline": "2016-12-31",
      "stage": "accepted", "closed_on": "2016-11-20",
      "pairing": { "county_leader": "刘强", "township_leader": "孙丽", "first_secretary": "陈晨",
                   "first_secretary_unit": "县供电公司", "paired_on": "2016-03-20" },
      "no_adjustment_reason": "无需调整",
      "acceptance": [ { "on": "2016-11-20", "by": "县委组织部", "score": 86, "poll_n": 15, "poll_dissatisfied": 1,
                        "standards": { "corruption_curbed": true, "member_management": true, "service_delivery": true,
                                       "village_appearance": true, "stability_civility": true, "development": true },
                        "verdict": "pass" } ] }
  ]
}"#;

/// What these tests do on a ledger of their own besides running it.
trait Fixture {
    fn import_fixture(&self);
    fn export(&self) -> Value;
}

impl Fixture for Db {
    fn import_fixture(&self) {
        self.import(LEDGER);
    }

    fn export(&self) -> Value {
        serde_json::from_str(&self.ok(&["export", "--format", "json"])).unwrap()
    }
}

#[test]
fn import_then_export_is_lossless_and_re_imports() {
    let db = Db::new();
    db.import_fixture();
    let out = db.export();
    // every case exactly as given (absent optional fields read as their empty value)
    let parse = |text: &str| {
        zhengdun::interchange::json::parse(
            text,
            "t.json",
            &Default::default(),
            zhengdun::i18n::Lang::En,
        )
        .unwrap()
        .cases
    };
    assert_eq!(parse(&out.to_string()), parse(LEDGER));
    // and the export re-imports into a fresh ledger to the same export
    let db2 = Db::new();
    let f = db.file("export.json", &serde_json::to_string(&out).unwrap());
    db2.ok(&["import", f.to_str().unwrap()]);
    let mut again = db2.export();
    let mut first = out.clone();
    again["as_of"] = Value::Null;
    first["as_of"] = Value::Null;
    assert_eq!(first, again);
}

/// The fixture's cases under other ids, in other townships (a village has one case a year).
fn other_cases(prefix: &str) -> String {
    LEDGER
        .replace("\"A-", &format!("\"{prefix}"))
        .replace("\"township\": \"", "\"township\": \"新")
}

#[test]
fn dry_run_writes_nothing() {
    let db = Db::new();
    let f = db.file("ledger.json", LEDGER);
    let out = db.ok(&["import", "--dry-run", f.to_str().unwrap()]);
    assert!(out.contains("6"), "{out}");
    assert!(!db.dir.exists(), "a dry run creates no ledger");
    let (code, err) = db.refused(&["list"]);
    assert_eq!(code, 2);
    assert!(err.contains("处没有台账"), "{err}");
    db.import_fixture();
    // other ids in other townships: a village has one case a year
    let more = db.file("more.json", &other_cases("B-"));
    db.ok(&["import", "--dry-run", more.to_str().unwrap()]);
    assert_eq!(db.export()["cases"].as_array().unwrap().len(), 6);
}

#[test]
fn overdue_set_and_days_are_exactly_spec_3() {
    let db = Db::new();
    db.import_fixture();
    let list: Value =
        serde_json::from_str(&db.ok(&["list", "--overdue", "--format", "json"])).unwrap();
    let got: Vec<(String, i64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["days_overdue"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![("A-3".into(), 16), ("A-1".into(), 15), ("A-4".into(), 1)]
    );
    // the day before, A-4's task is due today and A-1 is 14 days late
    let o = Command::new(BIN)
        .arg("--db")
        .arg(&db.dir)
        .args([
            "--today",
            "2017-06-14",
            "list",
            "--overdue",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let list: Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["A-3", "A-1"]);
    // the whole list: most overdue first, then nearest due date
    let all: Value = serde_json::from_str(&db.ok(&["list", "--format", "json"])).unwrap();
    let ids: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["A-3", "A-1", "A-4", "A-2", "A-5", "A-6"]);
    assert_eq!(all[3]["overdue"], Value::Bool(false));
}

#[test]
fn list_filters() {
    let db = Db::new();
    db.import_fixture();
    let ids = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["list", "--format", "json"];
        a.extend_from_slice(args);
        let v: Value = serde_json::from_str(&db.ok(&a)).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&["--stage", "cadres_adjusted"]), vec!["A-4", "A-5"]);
    assert_eq!(ids(&["--stage", "班子调整"]), vec!["A-4", "A-5"]);
    assert_eq!(ids(&["--county", "阳谷县"]), vec!["A-1", "A-4"]);
    assert_eq!(ids(&["--township", "朝城镇"]), vec!["A-2"]);
    assert_eq!(ids(&["--leader", "王建国"]), vec!["A-3", "A-4"]);
    assert_eq!(ids(&["--search", "鱼山"]), vec!["A-3"]);
    assert_eq!(ids(&["--search", "houtun"]), vec!["A-2"]);
    let csv = db.ok(&["list", "--format", "csv", "--overdue"]);
    assert_eq!(csv.lines().count(), 4, "{csv}");
    let table = db.ok(&["list"]);
    assert!(table.contains("堌堆村"), "{table}");
}

#[test]
fn a_case_through_every_stage_with_guards() {
    let db = Db::new();
    let case = new_case(
        "2017-YG-009",
        ["阳谷县", "阿城镇", "前进村"],
        "secretary_unfit",
        "2017-03-10",
    );
    // a second situation, by its words
    db.ok(&[
        &case[..],
        &["--situation", "服务意识差、服务能力弱、群众意见大"],
    ]
    .concat());
    let (code, err) = db.refused(&["advance", "2017-YG-009"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("第一书记") && err.contains("县级包联领导"),
        "{err}"
    );
    let (_, err) = db.refused(&["pair", "2017-YG-009", "--county-leader", "王建国"]);
    assert!(
        err.contains("乡镇包村领导") && err.contains("派出单位"),
        "{err}"
    );
    db.ok(&[
        "pair",
        "2017-YG-009",
        "--county-leader",
        "王建国",
        "--township-leader",
        "李明",
        "--first-secretary",
        "张伟",
        "--unit",
        "县财政局",
        "--on",
        "2017-03-25",
    ]);
    let (_, err) = db.refused(&["--lang", "en", "advance", "2017-YG-009"]);
    assert!(err.contains("no cadre adjustment"), "{err}");
    db.ok(&[
        "adjust",
        "2017-YG-009",
        "--name",
        "赵老三",
        "--post",
        "secretary",
        "--reason",
        "aging",
        "--action",
        "removed",
        "--replacement",
        "孙小军",
        "--source",
        "returnee",
    ]);
    db.ok(&["advance", "2017-YG-009"]);
    db.ok(&[
        "task",
        "2017-YG-009",
        "add",
        "--measure",
        "修建党群服务中心",
        "--responsible",
        "李明",
        "--due",
        "2017-10-01",
    ]);
    db.ok(&[
        "visit",
        "2017-YG-009",
        "--kind",
        "unannounced",
        "--findings",
        "三会一课未落实",
    ]);
    let (_, err) = db.refused(&[
        "accept",
        "2017-YG-009",
        "--score",
        "65",
        "--poll-n",
        "15",
        "--dissatisfied",
        "2",
        "--standards",
        "111111",
    ]);
    assert!(err.contains("新的转化期限"), "{err}");
    let out = db.ok(&[
        "accept",
        "2017-YG-009",
        "--score",
        "65",
        "--poll-n",
        "15",
        "--dissatisfied",
        "2",
        "--standards",
        "111111",
        "--new-deadline",
        "2018-03-31",
    ]);
    assert!(out.contains("不合格"), "{out}");
    let out = db.ok(&[
        "accept",
        "2017-YG-009",
        "--score",
        "85",
        "--poll-n",
        "15",
        "--dissatisfied",
        "2",
        "--standards",
        "111111",
    ]);
    assert!(out.contains(" 合格 ") && out.contains("1"), "{out}");
    let (_, err) = db.refused(&["advance", "2017-YG-009"]);
    assert!(err.contains("第1项"), "{err}");
    db.ok(&["task", "2017-YG-009", "done", "1"]);
    assert!(db.ok(&["advance", "2017-YG-009"]).contains("验收销号"));
    db.ok(&[
        "reopen",
        "2017-YG-009",
        "--to",
        "paired",
        "--reason",
        "回头看发现反弹",
    ]);
    let show: Value =
        serde_json::from_str(&db.ok(&["show", "2017-YG-009", "--format", "json"])).unwrap();
    assert_eq!(show["stage"], "paired");
    assert_eq!(show["closed_on"], Value::Null);
    assert_eq!(show["acceptance"].as_array().unwrap().len(), 2);
    let history = show["history"].as_array().unwrap();
    let kinds: Vec<&str> = history
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "opened",
            "paired",
            "adjusted",
            "advanced",
            "task_added",
            "visit",
            "acceptance",
            "acceptance",
            "task_done",
            "advanced",
            "reopened"
        ]
    );
    assert!(history.iter().all(|e| e["actor"] == "测试员"));
    assert_eq!(show["visits"][0]["by"], "测试员");
    assert!(db
        .ok(&["--lang", "en", "verify"])
        .contains("11 history events"));
    let text = db.ok(&["show", "2017-YG-009"]);
    assert!(text.contains("回头看发现反弹"), "{text}");
}

/// Every class of bad input: refused with one line naming the place, non-zero exit, and the
/// ledger exactly as before.
#[test]
fn bad_input_is_refused_and_writes_nothing() {
    let db = Db::new();
    db.import_fixture();
    let before = db.export();
    let bad = |name: &str, body: &str| db.file(name, body);
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            bad(
                "malformed.json",
                "{ \"format\": \"zhengdun/1\", \"cases\": [ {",
            ),
            "(第1行第38列): JSON 格式有误",
        ),
        (
            bad(
                "code.json",
                &LEDGER.replace("\"secretary_unfit\"", "\"secretary_unfitt\""),
            ),
            "secretary_unfitt",
        ),
        (
            bad("date.json", &LEDGER.replace("2017-05-16", "2017-02-30")),
            "cases[1] (A-2).identified_on (第9行第35列): “2017-02-30”不是日期",
        ),
        (
            bad(
                "village.json",
                &LEDGER.replace("\"village\": \"后屯村\",", ""),
            ),
            "cases[1] (A-2) (第9行第60列): 缺少 village",
        ),
        (bad("array.json", "[]"), "不是 zhengdun 台账"),
        (
            bad(
                "dup.json",
                &LEDGER.replace("\"id\": \"A-2\"", "\"id\": \"A-1\""),
            ),
            "cases[1] (A-1)",
        ),
        (
            bad(
                "stage.json",
                &LEDGER.replace("\"first_secretary\": \"张伟\",", ""),
            ),
            "cases[2] (A-3)",
        ),
        (
            bad("format.json", &LEDGER.replace("zhengdun/1", "zhengdun/9")),
            "zhengdun/9",
        ),
        (bad("notes.txt", "hello"), ".txt"),
    ];
    for (file, needle) in &cases {
        let (code, err) = db.refused(&["import", file.to_str().unwrap()]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(needle), "{file:?}: {err}");
        assert!(
            err.contains(file.file_name().unwrap().to_str().unwrap()),
            "{err}"
        );
    }
    // the same ids again: duplicates against the ledger
    let again = db.file("again.json", LEDGER);
    let (_, err) = db.refused(&["import", again.to_str().unwrap()]);
    assert!(err.contains("A-1"), "{err}");
    // a missing file
    let (_, err) = db.refused(&["import", "/nonexistent/x.json"]);
    assert!(err.contains("/nonexistent/x.json"), "{err}");
    // an unknown case id and bad flag values
    for (args, needle) in [
        (vec!["show", "NOPE"], "NOPE"),
        (
            vec!["visit", "NOPE", "--kind", "visit", "--findings", "x"],
            "NOPE",
        ),
        (vec!["list", "--stage", "finished"], "finished"),
        (
            vec!["visit", "A-1", "--kind", "party", "--findings", "x"],
            "party",
        ),
        (
            vec![
                "accept",
                "A-4",
                "--score",
                "80",
                "--poll-n",
                "15",
                "--dissatisfied",
                "1",
                "--standards",
                "1111",
            ],
            "1111",
        ),
        (
            vec![
                "accept",
                "A-4",
                "--score",
                "-3",
                "--poll-n",
                "15",
                "--dissatisfied",
                "1",
                "--standards",
                "111111",
            ],
            "-3",
        ),
        (vec!["task", "A-4", "done", "7"], "7"),
        (
            vec!["reopen", "A-1", "--to", "paired", "--reason", "x"],
            "排查认定",
        ),
        (vec!["--lang", "fr", "list"], "fr"),
        (
            new_case("bad id", ["a", "b", "c"], "other", "2017-01-01").to_vec(),
            "bad id",
        ),
        (
            new_case("A-1", ["a", "b", "c"], "other", "2017-01-01").to_vec(),
            "A-1",
        ),
    ] {
        let (_, err) = db.refused(&args);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let o = Command::new(BIN)
        .arg("--db")
        .arg(&db.dir)
        .args(["--today", "2017-02-30", "list"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("2017-02-30"));
    assert_eq!(db.export(), before);
    db.ok(&["verify"]);
}

#[test]
fn several_files_import_all_or_nothing() {
    let db = Db::new();
    let good = db.file("good.json", LEDGER);
    let other = other_cases("B-").replace("\"secretary_unfit\"", "\"nonsense\"");
    let bad = db.file("bad.json", &other);
    db.refused(&["import", good.to_str().unwrap(), bad.to_str().unwrap()]);
    assert!(!db.dir.exists(), "a failed first import leaves no ledger");
    let fine = db.file("fine.json", &other_cases("B-"));
    db.ok(&["import", good.to_str().unwrap(), fine.to_str().unwrap()]);
    assert_eq!(db.export()["cases"].as_array().unwrap().len(), 12);
}

fn tamper(dir: &Path, f: impl FnOnce(&sled::Db)) {
    let store = zhengdun::store::Store::open(dir).unwrap();
    f(store.raw());
    store.raw().flush().unwrap();
}

fn event_key(seq: u64) -> Vec<u8> {
    [b"h/".as_slice(), &seq.to_be_bytes()].concat()
}

#[test]
fn verify_catches_an_edited_a_removed_and_a_reordered_event_and_an_altered_case() {
    let setup = || {
        let db = Db::new();
        db.import_fixture();
        db.ok(&[
            "visit",
            "A-1",
            "--kind",
            "visit",
            "--findings",
            "走访了解情况",
        ]);
        db.ok(&[
            "visit",
            "A-1",
            "--kind",
            "visit",
            "--findings",
            "第二次走访",
        ]);
        assert!(db.ok(&["--lang", "en", "verify"]).contains("chain intact"));
        db
    };
    // the findings in the user's language: in English with `--lang en`, in Chinese without
    let check = |db: &Db, needle: &str| {
        let o = db.run(&["--lang", "en", "verify"]);
        assert_eq!(o.status.code(), Some(3));
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains(needle), "{out}");
        let o = db.run(&["verify"]);
        assert_eq!(o.status.code(), Some(3));
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(!out.is_empty() && !out.contains(needle), "{out}");
    };
    // an edited event
    let db = setup();
    tamper(&db.dir, |s| {
        let v = s.get(event_key(7)).unwrap().unwrap();
        let edited = String::from_utf8(v.to_vec())
            .unwrap()
            .replace("走访了解情况", "一切正常");
        s.insert(event_key(7), edited.as_bytes()).unwrap();
    });
    check(&db, "altered");
    // the latest event removed
    let db = setup();
    tamper(&db.dir, |s| {
        s.remove(event_key(8)).unwrap();
    });
    check(&db, "removed");
    // an event in the middle removed
    let db = setup();
    tamper(&db.dir, |s| {
        s.remove(event_key(3)).unwrap();
    });
    check(&db, "removed or reordered");
    // two events swapped
    let db = setup();
    tamper(&db.dir, |s| {
        let a = s.get(event_key(7)).unwrap().unwrap();
        let b = s.get(event_key(8)).unwrap().unwrap();
        s.insert(event_key(7), b).unwrap();
        s.insert(event_key(8), a).unwrap();
    });
    check(&db, "out of place");
    // a case record altered behind the history's back
    let db = setup();
    {
        // rewritten as a plain JSON record (as schema 1 wrote them, still read), same event
        let store = zhengdun::store::Store::open(&db.dir).unwrap();
        let mut case = store.get("A-1").unwrap().unwrap();
        case.village = "后退村".into();
        let record = serde_json::json!({ "last_event": 8, "case": case });
        let bytes = serde_json::to_vec(&record).unwrap();
        store.raw().insert(b"c/A-1", bytes).unwrap();
        store.raw().flush().unwrap();
    }
    check(&db, "case A-1 differs");
}

#[test]
fn a_second_process_waits_then_is_refused_naming_who_holds_the_ledger() {
    use zhengdun::store::{disk::Holder, Store};
    let db = Db::new();
    db.import_fixture();
    let holder = Holder::me("import", "办公室王");
    let store = Store::open_as(&db.dir, &holder, std::time::Duration::ZERO).unwrap();
    let (code, err) = db.refused(&["--wait", "1", "list"]);
    assert_eq!(code, 3);
    assert!(err.contains("zhengdun import"), "{err}");
    assert!(err.contains("办公室王"), "{err}");
    assert!(err.contains("等了 1 秒"), "{err}");
    assert!(
        err.contains(&format!("pid {}", std::process::id())),
        "{err}"
    );
    drop(store);
    db.ok(&["list"]);

    // The TUI holds the ledger for a whole session: no waiting for it.
    let store = Store::open_as(
        &db.dir,
        &Holder::me("tui", "李明"),
        std::time::Duration::ZERO,
    )
    .unwrap();
    let started = std::time::Instant::now();
    let (code, err) = db.refused(&["--wait", "600", "--lang", "en", "list"]);
    assert_eq!(code, 3);
    assert!(err.contains("open in the zhengdun screen of 李明"), "{err}");
    // "at once": well under the wait asked for (not a performance assertion)
    assert!(started.elapsed().as_secs() < 300);
    drop(store);
}

/// Short commands wait for each other: twenty visits started at once all get the ledger in
/// turn (each waits up to `--wait`, 10 s by default) and all are recorded.
#[test]
fn twenty_visits_started_at_once_all_succeed() {
    let db = Db::new();
    db.import_fixture();
    let id = "A-1";
    let children: Vec<_> = (0..20)
        .map(|i| {
            Command::new(BIN)
                .arg("--db")
                .arg(&db.dir)
                .args(["--today", "2017-06-15", "--as", "测试员", "visit", id])
                .args(["--kind", "visit", "--findings", &format!("同时走访{i}")])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, c) in children.into_iter().enumerate() {
        let o = c.wait_with_output().unwrap();
        assert!(
            o.status.success(),
            "visit {i}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let v: Value = serde_json::from_str(&db.ok(&["show", id, "--format", "json"])).unwrap();
    let findings: Vec<&str> = v["visits"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["findings"].as_str())
        .filter(|f| f.starts_with("同时走访"))
        .collect();
    assert_eq!(findings.len(), 20, "{findings:?}");
}

#[test]
fn the_database_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let db = Db::new();
    db.import_fixture();
    let mode = std::fs::metadata(&db.dir).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
}

#[test]
fn demo_subcommands_run_on_the_sample() {
    let o = Command::new(BIN)
        .args(["--demo", "list", "--format", "json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.is_array());
}

/// `relapse_of` names an earlier case of the same village, in the ledger or in the same
/// import; anything else is refused with what is wrong.
#[test]
fn a_relapse_names_an_earlier_case_of_the_same_village() {
    let db = Db::new();
    db.import_fixture();
    let new = |id: &'static str, village: &'static str, of: &'static str| {
        let case = new_case(id, ["阳谷县", "阿城镇", village], "other", "2017-06-10");
        [&case[..], &["--relapse-of", of]].concat()
    };
    let (code, err) = db.refused(&new("R-1", "前进村", "NOPE"));
    assert_eq!(code, 2);
    assert!(err.contains("台账中没有这个编号"), "{err}");
    let (_, err) = db.refused(&new("R-1", "后屯村", "A-1"));
    assert!(err.contains("另一个村"), "{err}");
    let (_, err) = db.refused(&new("R-1", "前进村", "R-1"));
    assert!(err.contains("不早于本案"), "{err}");
    assert_eq!(db.ok(&new("R-1", "前进村", "A-1")).trim(), "R-1");
}

/// The table's id column takes the widest id: ids of large ledgers (2008-DCF-1751,
/// 2008-DCF-1752) differ only at their ends, and the user types them next.
#[test]
fn the_table_shows_long_ids_whole() {
    let db = Db::new();
    let f = db.file(
        "long.json",
        r#"{ "format": "zhengdun/1", "cases": [
          { "id": "2008-DCF-17512", "year": 2008, "county": "东昌府区", "township": "顾官屯镇",
            "village": "前油坊村", "situations": ["poor_service"], "identified_on": "2008-03-01",
            "stage": "identified" } ] }"#,
    );
    db.ok(&["import", f.to_str().unwrap()]);
    let table = db.ok(&["list"]);
    let row = table.lines().nth(1).unwrap();
    assert!(row.starts_with("2008-DCF-17512 东昌府区"), "{table}");
    let head = table.lines().next().unwrap();
    assert_eq!(
        zhengdun::text::width(&head[..head.find("县").unwrap()]),
        zhengdun::text::width("2008-DCF-17512 "),
        "header aligned with the rows: {table}"
    );
}

/// The list summaries and the counts live in chunks of consecutive ids that split as they
/// fill: after imports that land in the middle of existing chunks, and changes, the store
/// still holds every case's once, in id order, each equal to what its case gives.
#[test]
fn summaries_stay_whole_and_in_id_order_as_chunks_split() {
    use zhengdun::domain::{ChangeKind, Command as Cmd, Policy, Summary, Visit, VisitKind};
    use zhengdun::store::{Ctx, Store};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2017, 3, 10).unwrap();
    let ctx = Ctx {
        today: day,
        actor: "test".into(),
        policy: Policy::default(),
        person: None,
    };
    let case = |n: u32| common::tui::numbered(n, day);
    // every tenth id first, then the ones between in imports of 300, last ids first
    let mut batches: Vec<Vec<u32>> = vec![(0..1000).step_by(10).collect()];
    let rest: Vec<u32> = (1..1000).rev().filter(|n| n % 10 != 0).collect();
    batches.extend(rest.chunks(300).map(|c| c.to_vec()));
    for b in &batches {
        store
            .insert(
                b.iter().map(|&n| case(n)).collect(),
                ChangeKind::Imported,
                &ctx,
            )
            .unwrap();
    }
    for n in [0, 5, 517, 999] {
        let visit = Cmd::LogVisit(Visit {
            on: day,
            by: "王建国".into(),
            kind: VisitKind::Visit,
            findings: format!("第{n}次"),
        });
        store
            .execute(&format!("2017-T-{n:05}"), &visit, &ctx)
            .unwrap();
    }
    let summaries = store.summaries().unwrap();
    let cases = store.cases().unwrap();
    assert_eq!(summaries.len(), 1000);
    let want: Vec<Summary> = cases.iter().map(Summary::of).collect();
    assert_eq!(summaries, want);
    assert!(summaries.windows(2).all(|w| w[0].id() < w[1].id()));
    assert!(store.raw().scan_prefix(b"s/").count() > 1000 / 64);
    let counted: Vec<zhengdun::stats::Counted> =
        cases.iter().map(zhengdun::stats::Counted::of).collect();
    assert_eq!(store.counted().unwrap(), counted);
    assert!(store.raw().scan_prefix(b"k/").count() > 1000 / 64);
    assert!(store.verify(&ctx).unwrap().problems.is_empty());
}

/// `edit` corrects a case's fields through the one domain path: the change is a history
/// event, the list shows the new names, and an empty or absent correction is refused.
#[test]
fn edit_corrects_fields_and_keeps_the_record() {
    let db = Db::new();
    db.import_fixture();
    db.ok(&[
        "edit",
        "A-1",
        "--village",
        "前进新村",
        "--problems",
        "班子软弱，书记长期外出",
        "--situations",
        "secretary_unfit,poor_service",
        "--deadline",
        "2017-11-30",
    ]);
    let show: Value = serde_json::from_str(&db.ok(&["show", "A-1", "--format", "json"])).unwrap();
    assert_eq!(show["village"], "前进新村");
    assert_eq!(show["problems"], "班子软弱，书记长期外出");
    assert_eq!(show["situations"][1], "poor_service");
    assert_eq!(show["deadline"], "2017-11-30");
    let history = show["history"].as_array().unwrap();
    let last = history.last().unwrap();
    assert_eq!(last["kind"], "edited");
    assert_eq!(last["actor"], "测试员");
    assert!(
        last["detail"].as_str().unwrap().contains("前进村"),
        "the old name stays in the record: {last}"
    );
    assert!(db.ok(&["list", "--search", "前进新村"]).contains("A-1"));
    db.ok(&["verify"]);
    let (code, _) = db.refused(&["edit", "A-1", "--village", "  "]);
    assert_eq!(code, 2);
    let (code, _) = db.refused(&["edit", "A-1"]);
    assert_ne!(code, 0);
    let (code, _) = db.refused(&["edit", "NOPE", "--problems", "x"]);
    assert_eq!(code, 2);
}

/// Ids are matched without regard to letter case (SPEC §11), and a second id that differs
/// only in case is refused as a duplicate.
#[test]
fn ids_are_matched_without_regard_to_case() {
    let db = Db::new();
    db.import_fixture();
    let show: Value = serde_json::from_str(&db.ok(&["show", "a-3", "--format", "json"])).unwrap();
    assert_eq!(show["id"], "A-3");
    db.ok(&[
        "visit",
        "a-3",
        "--kind",
        "visit",
        "--findings",
        "走访了解班子情况",
    ]);
    let show: Value = serde_json::from_str(&db.ok(&["show", "A-3", "--format", "json"])).unwrap();
    assert_eq!(show["visits"].as_array().unwrap().len(), 1);
    assert_eq!(
        show["history"].as_array().unwrap().last().unwrap()["case_id"],
        "A-3"
    );
    let twin = db.file(
        "twin.json",
        r#"{ "format": "zhengdun/1", "cases": [ { "id": "a-1", "year": 2017, "county": "阳谷县",
            "township": "阿城镇", "village": "新村", "situations": ["other"],
            "identified_on": "2017-05-01", "stage": "identified" } ] }"#,
    );
    let (code, err) = db.refused(&["import", twin.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a-1"), "{err}");
    db.ok(&["verify"]);
}

/// `show` in Chinese puts the history's codes in words: no English word is left in it but
/// the case's id (the data's own words are Chinese here).
#[test]
fn history_in_chinese_shows_no_english_code_words() {
    let db = Db::new();
    db.ok(&new_case(
        "2017-YG-009",
        ["阳谷县", "阿城镇", "前进村"],
        "poor_service",
        "2017-03-10",
    ));
    db.ok(&[
        "adjust",
        "2017-YG-009",
        "--name",
        "赵老三",
        "--post",
        "secretary",
        "--reason",
        "aging",
        "--action",
        "removed",
        "--replacement",
        "孙小军",
        "--source",
        "business_leader",
    ]);
    db.ok(&[
        "visit",
        "2017-YG-009",
        "--kind",
        "unannounced",
        "--findings",
        "三会一课未落实",
    ]);
    let text = db.ok(&["show", "2017-YG-009"]);
    let history = text.split("历史记录").nth(1).unwrap_or_default();
    assert!(history.contains("明察暗访"), "{text}");
    assert!(history.contains("书记（年龄老化，免职）"), "{text}");
    assert!(history.contains("致富带头人"), "{text}");
    let without_id = text.replace("2017-YG-009", "");
    let english: Vec<&str> = without_id
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 2)
        .collect();
    assert!(english.is_empty(), "{english:?} in:\n{text}");
    // the same ledger in English keeps the labels English
    let en = db.ok(&["--lang", "en", "show", "2017-YG-009"]);
    assert!(
        en.contains("unannounced inspection") && en.contains("business leader"),
        "{en}"
    );
    // verify in Chinese says so in Chinese
    assert!(db.ok(&["verify"]).contains("哈希链完整"));
}
