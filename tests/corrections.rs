//! Corrections and the record (SPEC §11), through the real binary: a recorded visit, task
//! or adjustment corrected by its number with the history keeping what it said; a case
//! voided off the list and every count and brought back; a reopen's new deadline.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::process::Command;

use serde_json::Value;

mod common;
use common::{new_case, Db, BIN};

/// Two townships of 阳谷县 and one of 莘县, as of 2017-06-15:
/// - B-1 cadres_adjusted, a visit by 王建国, an adjustment, a task done, a task open
/// - B-2 identified 2017-05-01: 15 days overdue
/// - B-3 identified 2017-05-10 in another township: 6 days overdue
const LEDGER: &str = r#"{
  "format": "zhengdun/1",
  "as_of": "2017-06-15",
  "cases": [
    { "id": "B-1", "year": 2017, "county": "阳谷县", "township": "阿城镇", "village": "堌堆村",
      "situations": ["leadership_incomplete"], "identified_on": "2017-02-10", "stage": "cadres_adjusted",
      "pairing": { "county_leader": "王建国", "township_leader": "李明", "first_secretary": "赵敏",
                   "first_secretary_unit": "县农业农村局", "paired_on": "2017-03-01" },
      "tasks": [ { "measure": "选配村党支部书记", "responsible": "李明", "due": "2017-05-14", "done_on": "2017-05-10" },
                 { "measure": "规范三会一课", "responsible": "李明", "due": "2017-08-01" } ],
      "adjustments": [ { "name": "孙老汉", "post": "secretary", "reason": "aging", "action": "removed",
                         "on": "2017-04-01", "replacement": "陈小军", "replacement_source": "returnee" } ],
      "visits": [ { "on": "2017-05-20", "by": "王建国", "kind": "unannounced", "findings": "新书记到岗" } ] },
    { "id": "B-2", "year": 2017, "county": "阳谷县", "township": "阿城镇", "village": "前进村",
      "situations": ["secretary_unfit"], "identified_on": "2017-05-01", "stage": "identified" },
    { "id": "B-3", "year": 2017, "county": "莘县", "township": "朝城镇", "village": "后屯村",
      "situations": ["poor_service"], "identified_on": "2017-05-10", "stage": "identified" }
  ]
}"#;

/// A ledger of the test's own with the ledger above imported, run in Chinese.
fn db() -> Db {
    let db = Db::in_lang("zh");
    db.import(LEDGER);
    db
}

/// What these tests read of a ledger besides running it.
trait Look {
    fn last_event(&self, id: &str) -> Value;
    fn ids(&self, args: &[&str]) -> Vec<String>;
    fn stats(&self, args: &[&str]) -> Value;
}

impl Look for Db {
    fn last_event(&self, id: &str) -> Value {
        self.show(id)["history"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone()
    }

    fn ids(&self, args: &[&str]) -> Vec<String> {
        let mut a = vec!["list", "--format", "json"];
        a.extend_from_slice(args);
        let v: Value = serde_json::from_str(&self.ok(&a)).unwrap();
        let mut ids: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    }

    fn stats(&self, args: &[&str]) -> Value {
        let mut a = vec!["stats", "--format", "json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(&a)).unwrap()
    }
}

#[test]
fn a_visit_corrected_by_number_keeps_what_it_said_in_the_history() {
    let db = db();
    let out = db.ok(&[
        "visit",
        "b-1",
        "--fix",
        "1",
        "--on",
        "2017-05-21",
        "--findings",
        "新书记到岗，班子开始运转",
    ]);
    assert!(out.contains("B-1") && out.contains('1'), "{out}");
    let show = db.show("B-1");
    let visit = &show["visits"][0];
    assert_eq!(visit["on"], "2017-05-21");
    assert_eq!(visit["kind"], "unannounced", "what was not given stays");
    assert_eq!(visit["by"], "王建国");
    assert_eq!(visit["findings"], "新书记到岗，班子开始运转");
    let ev = db.last_event("B-1");
    assert_eq!(ev["kind"], "visit_fixed");
    assert_eq!(ev["actor"], "测试员");
    let detail = ev["detail"].as_str().unwrap();
    assert!(
        detail.contains("2017-05-20") && detail.contains("2017-05-21"),
        "{detail}"
    );
    assert!(
        ev["note"].as_str().unwrap().starts_with("新书记到岗 =>"),
        "{ev}"
    );
    // the export carries the corrected visit
    let export: Value = serde_json::from_str(&db.ok(&["export", "--format", "json"])).unwrap();
    assert_eq!(export["cases"][0]["visits"][0]["on"], "2017-05-21");
    // show in words, both sides
    let text = db.ok(&["show", "B-1"]);
    assert!(text.contains("更正走访"), "{text}");
    assert!(text.contains("2017-05-20 明察暗访 王建国"), "{text}");
    db.ok(&["verify"]);

    let (code, err) = db.refused(&["visit", "B-1", "--fix", "3", "--findings", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("第3条") && err.contains("共1条"), "{err}");
    let (code, err) = db.refused_in("en", &["visit", "B-1", "--fix", "1", "--on", "2017-05-21"]);
    assert_eq!(code, 2);
    assert!(err.contains("already reads so"), "{err}");
    let (code, err) = db.refused_in("en", &["visit", "B-1", "--fix", "1", "--on", "2017-07-01"]);
    assert_eq!(code, 2, "{err}");
    let (_, err) = db.refused_in("en", &["visit", "B-1", "--findings", "x"]);
    assert!(
        err.contains("--kind"),
        "a new visit still needs its kind: {err}"
    );
}

#[test]
fn a_task_and_an_adjustment_corrected_by_number() {
    let db = db();
    // a task marked done by mistake is taken back; its due date corrected
    db.ok(&[
        "task",
        "B-1",
        "fix",
        "1",
        "--not-done",
        "--due",
        "2017-07-14",
    ]);
    let show = db.show("B-1");
    assert_eq!(show["tasks"][0]["done_on"], Value::Null);
    assert_eq!(show["tasks"][0]["due"], "2017-07-14");
    assert_eq!(show["tasks"][0]["measure"], "选配村党支部书记");
    let ev = db.last_event("B-1");
    assert_eq!(ev["kind"], "task_fixed");
    assert!(
        ev["detail"].as_str().unwrap().contains("2017-05-10 =>"),
        "{ev}"
    );
    db.ok(&["task", "B-1", "fix", "2", "--measure", "规范“三会一课”制度"]);
    assert_eq!(db.show("B-1")["tasks"][1]["measure"], "规范“三会一课”制度");

    db.ok(&[
        "adjust",
        "B-1",
        "--fix",
        "1",
        "--name",
        "孙老栓",
        "--reason",
        "low_capability",
        "--replacement",
        "",
    ]);
    let a = &db.show("B-1")["adjustments"][0];
    assert_eq!(a["name"], "孙老栓");
    assert_eq!(a["reason"], "low_capability");
    assert_eq!(a["post"], "secretary");
    assert_eq!(a["replacement"], Value::Null);
    assert_eq!(a["replacement_source"], Value::Null);
    let ev = db.last_event("B-1");
    assert_eq!(ev["kind"], "adjustment_fixed");
    assert!(ev["detail"].as_str().unwrap().contains("孙老汉"), "{ev}");
    let text = db.ok(&["show", "B-1"]);
    assert!(
        text.contains("更正班子调整") && text.contains("孙老汉"),
        "{text}"
    );
    let (code, err) = db.refused(&["adjust", "B-1", "--fix", "2", "--name", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("第2条班子调整"), "{err}");
    let (code, _) = db.refused(&["task", "B-1", "fix", "9", "--measure", "x"]);
    assert_eq!(code, 2);
    let (code, _) = db.refused(&["adjust", "B-1", "--fix", "1", "--none", "无需调整"]);
    assert_eq!(code, 2);
    // stats count the corrected task: no longer done, and now overdue? due 07-14: not yet
    let s = db.stats(&[]);
    assert_eq!(s["total"]["cases"], 3);
    db.ok(&["verify"]);
}

#[test]
fn a_voided_case_leaves_the_list_every_count_and_export_and_comes_back() {
    let db = db();
    assert_eq!(db.stats(&[])["total"]["cases"], 3);
    let (code, _) = db.refused(&["void", "B-2"]);
    assert_eq!(code, 2, "a reason is needed");
    let out = db.ok(&["void", "b-2", "--reason", "重复录入"]);
    assert!(out.contains("B-2") && out.contains("unvoid"), "{out}");
    assert_eq!(db.ids(&[]), ["B-1", "B-3"]);
    assert_eq!(db.ids(&["--overdue"]), ["B-3"]);
    assert!(!db.ok(&["list"]).contains("B-2"));
    assert!(!db.ok(&["list", "--search", "qianjin"]).contains("B-2"));
    let s = db.stats(&[]);
    assert_eq!(s["total"]["cases"], 2);
    assert_eq!(s["total"]["overdue"], 1);
    let export: Value = serde_json::from_str(&db.ok(&["export", "--format", "json"])).unwrap();
    let exported: Vec<&str> = export["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(exported, ["B-1", "B-3"]);
    // still there to see, saying so, with its history
    let text = db.ok(&["show", "B-2"]);
    assert!(
        text.contains("已作废") && text.contains("重复录入"),
        "{text}"
    );
    assert_eq!(db.last_event("B-2")["kind"], "voided");
    // a clerk who voided it by mistake finds it again: who voided it, when, why
    let listed = db.ok(&["list", "--voided"]);
    let row = listed.lines().find(|l| l.starts_with("B-2")).unwrap_or("");
    assert!(
        row.contains("前进村") && row.contains("2017-06-15") && row.contains("测试员"),
        "{listed}"
    );
    assert!(
        row.contains("重复录入") && listed.contains("共 1 个"),
        "{listed}"
    );
    assert!(
        !listed.contains("B-1") && !listed.contains("B-3"),
        "{listed}"
    );
    let json: Value =
        serde_json::from_str(&db.ok(&["list", "--voided", "--format", "json"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1, "{json}");
    assert_eq!(json[0]["id"], "B-2");
    assert_eq!(json[0]["voided"]["reason"], "重复录入");
    assert_eq!(json[0]["voided_by"], "测试员");
    assert!(json[0]["voided_at"].as_str().is_some(), "{json}");
    let csv = db.ok(&["list", "--voided", "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[0].contains("作废原因") && lines[0].contains("作废人"),
        "{csv}"
    );
    assert!(
        lines[1].starts_with("B-2,") && lines[1].contains(",重复录入,测试员,"),
        "{csv}"
    );
    assert!(db
        .ok(&["list", "--voided", "--township", "朝城"])
        .contains("没有已作废"));
    let (code, _) = db.refused(&["list", "--voided", "--overdue"]);
    assert_eq!(code, 2, "--voided lists no overdue");
    // nothing else applies to it, and its id is not free
    let (code, err) = db.refused(&["visit", "B-2", "--kind", "visit", "--findings", "x"]);
    assert_eq!(code, 1);
    assert!(err.contains("unvoid"), "{err}");
    let twin = db.file(
        "twin.json",
        r#"{ "format": "zhengdun/1", "cases": [ { "id": "b-2", "year": 2017, "county": "冠县",
            "township": "清泉街道", "village": "东营村", "situations": ["other"],
            "identified_on": "2017-05-01", "stage": "identified" } ] }"#,
    );
    let (code, _) = db.refused(&["import", twin.to_str().unwrap()]);
    assert_eq!(code, 2);
    // a second case of its village is no longer a second one
    db.ok(&new_case(
        "B-4",
        ["阳谷县", "阿城镇", "前进村"],
        "other",
        "2017-06-01",
    ));
    db.ok(&["verify"]);
    // …so bringing the voided one back is refused, naming the other
    let (code, err) = db.refused(&["unvoid", "B-2"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("B-4"), "{err}");
    db.ok(&["void", "B-4", "--reason", "录错了"]);
    let out = db.ok(&["unvoid", "B-2"]);
    assert!(out.contains("B-2"), "{out}");
    assert_eq!(db.ids(&[]), ["B-1", "B-2", "B-3"]);
    assert_eq!(db.stats(&[])["total"]["overdue"], 2);
    assert_eq!(db.last_event("B-2")["kind"], "unvoided");
    let listed = db.ok(&["list", "--voided"]);
    assert!(
        listed.contains("B-4") && !listed.contains("B-2 "),
        "{listed}"
    );
    let (code, _) = db.refused(&["unvoid", "B-2"]);
    assert_eq!(code, 1);
    db.ok(&["verify"]);
    // a backup keeps the voided case; restored, it is still void
    let backup = db.tmp.path().join("b.json");
    db.ok(&["backup", backup.to_str().unwrap()]);
    let restored = db.tmp.path().join("restored");
    let o = Command::new(BIN)
        .arg("--db")
        .arg(&restored)
        .args(["--today", "2017-06-15", "restore", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = Command::new(BIN)
        .arg("--db")
        .arg(&restored)
        .args(["--today", "2017-06-15", "list", "--format", "json"])
        .output()
        .unwrap();
    let listed: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 3, "B-4 stays void");
}

#[test]
fn a_reopened_case_gets_a_new_deadline_and_is_not_overdue_that_day() {
    let db = db();
    // B-1 to paired: its pairing was 2017-03-01, 90 days long gone
    let out = db.ok(&[
        "reopen",
        "B-1",
        "--to",
        "paired",
        "--reason",
        "新书记履职不力",
    ]);
    assert!(out.contains("2017-12-15"), "{out}");
    let show = db.show("B-1");
    assert_eq!(show["stage"], "paired");
    assert_eq!(show["deadline"], "2017-12-15");
    assert_eq!(show["overdue"], false, "{show}");
    assert_eq!(db.last_event("B-1")["detail"], "paired deadline 2017-12-15");
    assert!(!db.ids(&["--overdue"]).contains(&"B-1".to_string()));
    // back to identified with a deadline given
    db.ok(&[
        "reopen",
        "B-1",
        "--to",
        "identified",
        "--reason",
        "重新排查",
        "--deadline",
        "2017-10-31",
    ]);
    let show = db.show("B-1");
    assert_eq!(show["deadline"], "2017-10-31");
    assert_eq!(show["overdue"], false);
    let text = db.ok(&["show", "B-1"]);
    assert!(text.contains("新转化期限 2017-10-31"), "{text}");
    // the identified stage's 30 days run from the reopen: overdue on 07-16, not on 07-15
    let o = Command::new(BIN)
        .arg("--db")
        .arg(&db.dir)
        .args(["--today", "2017-07-16", "show", "B-1", "--format", "json"])
        .output()
        .unwrap();
    let later: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(later["days_overdue"], 1, "{later}");
    let (code, err) = db.refused_in(
        "en",
        &["reopen", "B-2", "--to", "identified", "--reason", "x"],
    );
    assert_eq!(code, 1, "{err}");
    db.ok(&["pair", "B-1", "--county-leader", "王建国"]);
    let (code, err) = db.refused_in(
        "en",
        &[
            "reopen",
            "B-1",
            "--to",
            "identified",
            "--reason",
            "x",
            "--deadline",
            "2017-06-01",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("before today"), "{err}");
    db.ok(&["verify"]);
}

#[test]
fn a_second_case_of_a_village_in_a_year_is_refused_unless_a_relapse() {
    let db = db();
    let new = |id: &'static str, extra: &[&'static str]| {
        let case = new_case(id, ["阳谷县", "阿城镇", "前进村"], "other", "2017-06-10");
        [&case[..], extra].concat()
    };
    let (code, err) = db.refused(&new("B-9", &[]));
    assert_eq!(code, 1);
    assert!(
        err.contains("B-2") && err.contains("前进村") && err.contains("--relapse-of"),
        "{err}"
    );
    let (_, err) = db.refused_in("en", &new("B-9", &[]));
    assert!(err.contains("already has case B-2 in 2017"), "{err}");
    // another year, or a relapse, is a case of its own
    db.ok(&new("B-9", &["--relapse-of", "B-2"]));
    let file = db.file(
        "more.json",
        r#"{ "format": "zhengdun/1", "cases": [
            { "id": "C-1", "year": 2017, "county": "莘县", "township": "朝城镇", "village": "后屯村",
              "situations": ["other"], "identified_on": "2017-05-01", "stage": "identified" } ] }"#,
    );
    let (code, err) = db.refused(&["import", "--dry-run", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("C-1") && err.contains("B-3"), "{err}");
    let (_, err) = db.refused(&["import", file.to_str().unwrap()]);
    assert!(err.contains("B-3"), "{err}");
    // two of one village in one file
    let file = db.file(
        "twice.json",
        r#"{ "format": "zhengdun/1", "cases": [
            { "id": "D-1", "year": 2017, "county": "莘县", "township": "朝城镇", "village": "新屯村",
              "situations": ["other"], "identified_on": "2017-05-01", "stage": "identified" },
            { "id": "D-2", "year": 2017, "county": "莘县", "township": "朝城镇", "village": "新屯村",
              "situations": ["other"], "identified_on": "2017-05-02", "stage": "identified" } ] }"#,
    );
    let (_, err) = db.refused(&["import", file.to_str().unwrap()]);
    assert!(err.contains("D-2") && err.contains("D-1"), "{err}");
    // an edit that moves a case onto another's village is refused too
    let (code, err) = db.refused(&[
        "edit",
        "B-3",
        "--county",
        "阳谷县",
        "--township",
        "阿城镇",
        "--village",
        "堌堆村",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("B-1"), "{err}");
    assert_eq!(db.ids(&[]).len(), 4);
    db.ok(&["verify"]);
}

#[test]
fn a_talk_is_recorded_in_the_history_and_shown_in_stats() {
    let db = db();
    let out = db.ok(&[
        "talk",
        "--township",
        "阿城镇",
        "--person",
        "张书记",
        "--kind",
        "talk",
        "--reason",
        "两个村逾期未整改",
        "--cases",
        "b-2,B-1",
        "--on",
        "2017-06-14",
    ]);
    assert!(
        out.contains("约谈") && out.contains("阳谷县阿城镇") && out.contains("B-2"),
        "{out}"
    );
    db.ok(&[
        "talk",
        "--township",
        "朝城镇",
        "--person",
        "李书记",
        "--kind",
        "admonish",
        "--reason",
        "整改不力",
    ]);
    let s = db.stats(&[]);
    let events = s["accountability"]["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["township"], "朝城镇", "the latest first");
    assert_eq!(
        events[0]["county"], "莘县",
        "the county from the township's cases"
    );
    assert_eq!(events[0]["kind"], "warning");
    assert_eq!(events[1]["cases"], serde_json::json!(["B-2", "B-1"]));
    // the ranking of townships carries its own
    let towns = s["accountability"]["townships"].as_array().unwrap();
    let acheng = towns.iter().find(|t| t["township"] == "阿城镇").unwrap();
    assert_eq!(acheng["events"][0]["person"], "张书记");
    let table = db.ok(&["stats"]);
    assert!(
        table.contains("约谈、诫勉、问责记录") && table.contains("两个村逾期未整改"),
        "{table}"
    );
    assert!(
        table.contains("诫勉") && table.contains("李书记"),
        "{table}"
    );
    // the year's events only
    let none = db.stats(&["--year", "2016"]);
    assert_eq!(
        none["accountability"]["events"].as_array().unwrap().len(),
        0
    );
    assert_eq!(none["total"]["cases"], 0);
    // kept in the export and in the hash chain
    let export: Value = serde_json::from_str(&db.ok(&["export", "--format", "json"])).unwrap();
    assert_eq!(export["accountability"].as_array().unwrap().len(), 2);
    db.ok(&["verify"]);

    let (code, err) = db.refused(&[
        "talk",
        "--township",
        "阿成镇",
        "--person",
        "张",
        "--kind",
        "talk",
        "--reason",
        "x",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("阿成镇") && err.contains("stats"), "{err}");
    let (code, err) = db.refused(&[
        "talk",
        "--township",
        "阿城镇",
        "--person",
        "\u{200b}\u{200b}",
        "--kind",
        "talk",
        "--reason",
        "x",
    ]);
    assert_eq!(code, 2, "{err}");
    let (code, err) = db.refused(&[
        "talk",
        "--township",
        "阿城镇",
        "--person",
        "张",
        "--kind",
        "talk",
        "--reason",
        "x",
        "--cases",
        "B-3",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("B-3") && err.contains("朝城镇"), "{err}");
    let (code, err) = db.refused(&[
        "talk",
        "--township",
        "阿城镇",
        "--person",
        "张",
        "--kind",
        "scold",
        "--reason",
        "x",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("admonish"), "{err}");
    let (code, _) = db.refused(&[
        "talk",
        "--township",
        "阿城镇",
        "--person",
        "张",
        "--kind",
        "talk",
        "--reason",
        "x",
        "--on",
        "2017-07-01",
    ]);
    assert_eq!(code, 2);
    // an edited event is caught by verify
    let dir = db.dir.clone();
    {
        let store = zhengdun::store::Store::open(&dir).unwrap();
        let raw = store.raw();
        let (k, v) = raw.scan_prefix(b"a/").next().unwrap().unwrap();
        let edited = String::from_utf8(v.to_vec())
            .unwrap()
            .replace("张书记", "王书记");
        raw.insert(k, edited.as_bytes()).unwrap();
        raw.flush().unwrap();
    }
    let o = db.run_in("en", &["verify"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("accountability events differ"));
}

#[test]
fn list_filters_match_a_part_of_a_name_and_stats_a_year() {
    let db = db();
    assert_eq!(db.ids(&["--township", "阿城"]), ["B-1", "B-2"]);
    assert_eq!(db.ids(&["--county", "莘"]), ["B-3"]);
    assert_eq!(db.ids(&["--leader", "建国"]), ["B-1"]);
    assert_eq!(db.ids(&["--township", "阿城镇", "--overdue"]), ["B-2"]);
    assert!(db.ids(&["--township", "七级"]).is_empty());
    let f = db.file(
        "2018.json",
        r#"{ "format": "zhengdun/1", "cases": [
            { "id": "E-1", "year": 2018, "county": "阳谷县", "township": "阿城镇", "village": "前进村",
              "situations": ["other"], "identified_on": "2017-06-01", "stage": "identified",
              "relapse_of": null } ] }"#,
    );
    db.ok(&["import", f.to_str().unwrap()]);
    assert_eq!(db.stats(&[])["total"]["cases"], 4);
    let y = db.stats(&["--year", "2018"]);
    assert_eq!(y["total"]["cases"], 1);
    assert_eq!(y["counties"][0]["townships"][0]["township"], "阿城镇");
    assert_eq!(db.stats(&["--year", "2017"])["total"]["cases"], 3);
}

/// The name history records with no server (SPEC §11): `--as`, `ZHENGDUN_AS`, `name = "…"`
/// in the config file, else the account's full name, else its login; an empty or invisible
/// name is refused, saying where it came from.
#[test]
fn identity_without_a_server() {
    let db = db();
    let home = db.tmp.path().join("home");
    let config = home.join(".config/zhengdun");
    std::fs::create_dir_all(&config).unwrap();
    let run = |env: &[(&str, &str)], args: &[&str]| {
        let mut c = Command::new(BIN);
        c.arg("--db")
            .arg(&db.dir)
            .args(["--today", "2017-06-15", "--lang", "en"])
            .args(args)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env_remove("ZHENGDUN_AS");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let visit = ["visit", "B-2", "--kind", "visit", "--findings", "走访"];
    let actor_of_last = || db.last_event("B-2")["actor"].as_str().unwrap().to_string();
    // no config file: the account's full name, else its login — never "unknown"
    let o = run(&[], &visit);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let me = actor_of_last();
    assert!(!me.is_empty() && me != "unknown", "{me}");
    std::fs::write(config.join("config.toml"), "name = \"张丽\"\n").unwrap();
    assert!(run(&[], &visit).status.success());
    assert_eq!(actor_of_last(), "张丽");
    assert!(run(&[("ZHENGDUN_AS", "王建国")], &visit).status.success());
    assert_eq!(actor_of_last(), "王建国");
    let mut with_as = vec!["--as", "李明"];
    with_as.extend_from_slice(&visit);
    assert!(run(&[("ZHENGDUN_AS", "王建国")], &with_as).status.success());
    assert_eq!(actor_of_last(), "李明");
    for (env, args, from) in [
        (vec![], vec!["--as", "  ", "list"], "--as"),
        (vec![], vec!["--as", "\u{200b}\u{200b}", "list"], "--as"),
        (vec![("ZHENGDUN_AS", "")], vec!["list"], "ZHENGDUN_AS"),
    ] {
        let o = run(&env, &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(from) && err.contains("empty"), "{err}");
    }
    std::fs::write(config.join("config.toml"), "name = \"\u{200b}\"\n").unwrap();
    let o = run(&[], &["list"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("config.toml"), "{err}");
    std::fs::remove_file(config.join("config.toml")).unwrap();
    // an account with a full name in its passwd entry is recorded by it
    if !rustix::process::geteuid().is_root() {
        println!("not root: no account with a full name to run as; skipping that part");
        return;
    }
    let login = "zd-gecos";
    let uid = common::accounts::account_named(login, "赵六,组织部,,");
    let mine = db.tmp.path().join("theirs");
    std::fs::create_dir(&mine).unwrap();
    std::os::unix::fs::chown(&mine, Some(uid), None).unwrap();
    use std::os::unix::process::CommandExt;
    let o = Command::new(BIN)
        .arg("--db")
        .arg(mine.join("ledger"))
        .args(["--today", "2017-06-15"])
        .args(["new", "--id", "G-1", "--year", "2017", "--county", "阳谷县"])
        .args([
            "--township",
            "阿城镇",
            "--village",
            "前进村",
            "--situation",
            "other",
        ])
        .args(["--identified-on", "2017-06-01"])
        .env("HOME", &mine)
        .env("XDG_CONFIG_HOME", mine.join(".config"))
        .env_remove("ZHENGDUN_AS")
        .env("USER", login)
        .uid(uid)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = Command::new(BIN)
        .arg("--db")
        .arg(mine.join("ledger"))
        .args(["show", "G-1", "--format", "json"])
        .env("HOME", &mine)
        .uid(uid)
        .output()
        .unwrap();
    let show: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(show["history"][0]["actor"], "赵六");
}

/// A ledger a TUI serves to its own account's other processes records the name those
/// processes go by (`--as`, the config file, the full name), as the embedded ledger would.
#[test]
fn a_tuis_own_ledger_records_the_name_its_clients_go_by() {
    use std::sync::Arc;
    use zhengdun::ledger::{Ledger, Local, Remote};
    let db = db();
    let ctx = zhengdun::ledger::Ctx {
        today: chrono::NaiveDate::from_ymd_opt(2017, 6, 15).unwrap(),
        actor: "张丽".into(),
        policy: zhengdun::domain::Policy::default(),
        person: None,
    };
    let local = Arc::new(Local::open(&db.dir, ctx).unwrap());
    let serving = zhengdun::server::Serving::start(Arc::clone(&local), zhengdun::i18n::Lang::En)
        .expect("the TUI's server starts");
    zhengdun::ledger::protocol::announce("赵六");
    let remote = Remote::for_db(&db.dir, None, zhengdun::i18n::Lang::En).expect("through it");
    assert_eq!(remote.ctx().actor, "赵六");
    remote
        .execute(
            "B-2",
            &[zhengdun::domain::Command::Void {
                on: chrono::NaiveDate::from_ymd_opt(2017, 6, 15).unwrap(),
                reason: "重复录入".into(),
            }],
            None,
        )
        .unwrap();
    let history = local.history("B-2").unwrap();
    assert_eq!(history.last().unwrap().actor, "赵六");
    assert!(local.summaries().unwrap().iter().all(|s| s.id() != "B-2"));
    drop(remote);
    drop(serving);
}
