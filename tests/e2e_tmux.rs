//! End to end: the real binary in a real terminal (tmux, 80×24). Search by pinyin, filter
//! overdue, open a case, log a visit in Chinese, quit, and find the visit in the database.
//! Skips with a notice when tmux is not installed; in CI (`CI=true`) that fails instead.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::path::Path;
use std::thread::sleep;
use std::time::Duration;

mod common;
use common::tmux::{self, Tmux};
use common::{on_ledger, succeeded, BIN};

const TODAY: &str = "2017-09-15";

fn cli(db: &Path, args: &[&str]) -> String {
    let out = on_ledger(db)
        .args(["--today", TODAY, "--as", "王建国"])
        .args(args)
        .output()
        .unwrap();
    succeeded(&out, args)
}

fn ledger(db: &Path) {
    let new = |id: &str, county: &str, township: &str, village: &str, on: &str| {
        cli(
            db,
            &common::new_case(id, [county, township, village], "secretary_unfit", on),
        );
    };
    new("2017-YG-003", "阳谷县", "阿城镇", "前进村", "2017-03-10");
    new("2017-YG-007", "阳谷县", "阿城镇", "鸳鸯湖村", "2017-03-12");
    new("2017-SX-001", "莘县", "燕店镇", "东阿村", "2017-08-30");
    cli(
        db,
        &[
            "pair",
            "2017-YG-003",
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
        ],
    );
}

#[test]
fn search_filter_open_and_log_a_visit_in_tmux() {
    if !tmux::available("e2e_tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger");
    ledger(&db);
    let cmd = format!(
        "env LANG=C.UTF-8 ZHENGDUN_TODAY={TODAY} '{BIN}' --db '{}' --as 王建国",
        db.display()
    );
    let tmux = Tmux::start("e2e", &cmd);
    let s = tmux.wait_for("整顿软弱涣散村党组织台账");
    assert!(s.contains("东阿村"), "{s}");

    // search by full pinyin
    tmux.keys(&["/"]);
    tmux.type_text("yuanyanghu");
    let s = tmux.wait_for("/yuanyanghu");
    let first_row = s.lines().nth(2).unwrap_or("");
    assert!(first_row.contains("鸳鸯湖村"), "{s}");
    tmux.keys(&["Enter"]);
    tmux.keys(&["Escape"]);
    sleep(Duration::from_millis(200));

    // overdue only: 东阿村 (due in 14 days) goes away
    tmux.keys(&["o"]);
    let s = tmux.wait_for("筛选：逾期");
    assert!(
        !s.contains("东阿村") && s.contains("鸳鸯湖村") && s.contains("逾期"),
        "{s}"
    );

    // open the most overdue case and log a visit in Chinese
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("[概况]");
    assert!(s.contains("2017-YG-007"), "{s}");
    tmux.keys(&["v"]);
    tmux.wait_for("记录走访");
    tmux.type_text("村里新修了活动场所");
    tmux.wait_for("村里新修了活动场所");
    tmux.keys(&["C-s"]);
    tmux.wait_for("已保存");
    tmux.keys(&["q"]);
    assert!(tmux.ended(), "the app did not quit");

    let json = cli(&db, &["show", "2017-YG-007", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let visits = v["visits"].as_array().unwrap();
    assert_eq!(visits.len(), 1, "{json}");
    assert_eq!(visits[0]["findings"], "村里新修了活动场所");
    assert_eq!(visits[0]["by"], "王建国");
    assert_eq!(visits[0]["kind"], "visit");
    assert_eq!(visits[0]["on"], TODAY);
}

/// The edit form and the acceptance form in a real 80×24 terminal with Chinese text: the
/// cursor right after what was typed (two cells per Chinese character), a long text
/// wrapping inside its field, the verdict worked out as the figures are typed, Ctrl-C
/// asking before it drops a typed form; and what was saved is in the ledger.
#[test]
fn edit_and_acceptance_forms_in_tmux() {
    if !tmux::available("e2e_tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger");
    ledger(&db);
    cli(
        &db,
        &["adjust", "2017-YG-003", "--none", "班子结构合理，无需调整"],
    );
    cli(&db, &["advance", "2017-YG-003"]);
    let cmd = format!(
        "env LANG=C.UTF-8 ZHENGDUN_TODAY={TODAY} '{BIN}' --db '{}' --as 王建国",
        db.display()
    );
    let tmux = Tmux::start("e2e-forms", &cmd);
    tmux.wait_for("整顿软弱涣散村党组织台账");
    tmux.keys(&["/"]);
    tmux.type_text("2017-YG-003");
    tmux.keys(&["Enter", "Enter"]);
    tmux.wait_for("[概况]");

    // the edit form: the village corrected, the cursor just after it
    tmux.keys(&["e"]);
    tmux.wait_for("修改基本情况");
    tmux.keys(&["Tab", "Tab", "End"]);
    tmux.type_text("新村");
    let s = tmux.wait_for("前进村新村");
    let (x, y) = tmux.cursor();
    let row = s.lines().nth(y).unwrap_or("");
    let end = row.find("前进村新村").unwrap() + "前进村新村".len();
    assert_eq!(x, zhengdun::text::width(&row[..end]), "{s}");
    // a long problems text wraps inside its field: all of it shows
    let problems =
        "村两委班子不团结，换届后书记与主任长期不和，党员大会一年未开，集体经济收入为零。";
    tmux.keys(&["Tab", "Tab", "C-u"]);
    tmux.type_text(problems);
    let s = tmux.wait_for("集体经济收入为零。");
    let inside: String = s
        .lines()
        .filter_map(|l| Some(l.get(l.find('│')? + 3..l.rfind('│')?)?.trim()))
        .collect();
    assert!(inside.contains(problems), "{s}");
    tmux.keys(&["C-s"]);
    tmux.wait_for("已保存：修改基本情况");

    // Ctrl-C in a typed form asks first, and No keeps what was typed
    tmux.keys(&["v"]);
    tmux.wait_for("记录走访");
    tmux.type_text("写了一半");
    tmux.keys(&["C-c"]);
    tmux.wait_for("放弃已填写的内容？");
    tmux.keys(&["n"]);
    let s = tmux.wait_for("写了一半");
    assert!(!s.contains("放弃已填写的内容？"), "{s}");
    // (a key right after Esc would reach the app as Alt and that key)
    tmux.keys(&["Escape"]);
    tmux.wait_for("放弃已填写的内容？");
    tmux.keys(&["y"]);
    sleep(Duration::from_millis(200));

    // the acceptance form: the verdict as the figures are typed
    tmux.keys(&["y"]);
    tmux.wait_for("验收结论：填好得分与测评人数后自动得出");
    tmux.type_text("85");
    tmux.keys(&["Tab"]);
    tmux.type_text("40");
    tmux.keys(&["Tab"]);
    tmux.type_text("2");
    tmux.wait_for("验收结论：合格");
    tmux.keys(&["Tab", "Space"]);
    tmux.wait_for("验收结论：基本合格（巩固提升，转化期限延至 2018-03-15）");
    tmux.keys(&["C-s"]);
    let s = tmux.wait_for("请确认");
    assert!(s.contains("2018-03-15"), "{s}");
    tmux.keys(&["y"]);
    tmux.wait_for("已保存：验收");
    tmux.keys(&["q"]);
    assert!(tmux.ended(), "the app did not quit");

    let json = cli(&db, &["show", "2017-YG-003", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["village"], "前进村新村", "{json}");
    assert_eq!(v["problems"], problems);
    assert_eq!(v["county"], "阳谷县");
    assert_eq!(v["visits"].as_array().map(Vec::len), Some(0), "{json}");
    let a = &v["acceptance"][0];
    assert_eq!(
        (a["score"].as_u64(), a["verdict"].as_str()),
        (Some(85), Some("basic_pass")),
        "{json}"
    );
    assert_eq!(v["deadline"], "2018-03-15");
}
