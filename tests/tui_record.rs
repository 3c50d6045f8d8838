//! The TUI's forms of the record itself (SPEC §11): voiding a case entered by mistake and
//! bringing it back, a talk with a township secretary, a second case of a village said in
//! the screen's words, and a role that may not do these refused in the status bar with
//! what was typed kept. Driven by keys, checked by the app's state and the ledger.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

mod common;

use common::tui::*;
use zhengdun::domain::{AccountabilityKind, ChangeKind, Field, Person, Role, RosterChange};
use zhengdun::i18n::Lang;
use zhengdun::ledger::Ctx;
use zhengdun::store::Store;
use zhengdun::tui::form::{FormKind, Slot};
use zhengdun::tui::keymap::{Keymap, Mode};

fn error(app: &zhengdun::tui::Tui) -> String {
    app.app
        .form()
        .and_then(|f| f.error.clone())
        .unwrap_or_default()
}

fn status(app: &zhengdun::tui::Tui) -> String {
    app.app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

fn on_list(app: &zhengdun::tui::Tui, id: &str) -> bool {
    app.app
        .rows
        .iter()
        .any(|&i| app.app.summaries[i].id() == id)
}

/// `D` on a case: a reason is required, the void is confirmed, the case leaves the list
/// (and its detail closes) and the status bar says how to bring it back; `U` offers it
/// again and brings it back onto the list, opened.
#[test]
fn a_case_voided_by_mistake_leaves_the_list_and_comes_back() {
    let (_d, mut app) = app();
    press(&mut app, "/ 2017-YG-007 <Enter> <Enter> D");
    assert_eq!(app.app.form().map(|f| f.kind), Some(FormKind::Void));
    press(&mut app, "<C-s>");
    assert!(error(&app).contains("原因"), "{}", error(&app));
    press(&mut app, "重复录入，与2017-YG-003为同一村 <C-s>");
    let asked = app.app.confirm().expect("asks first").message.clone();
    assert!(
        asked.contains("2017-YG-007") && asked.contains("鸳鸯湖村") && asked.contains("（U）"),
        "{asked}"
    );
    press(&mut app, "y");
    assert!(app.app.form().is_none(), "{}", error(&app));
    assert_eq!(
        app.app.mode(),
        Mode::List,
        "the detail of a voided case closes"
    );
    assert!(!on_list(&app, "2017-YG-007"));
    assert_eq!(app.app.summaries.len(), 5);
    let said = status(&app);
    assert!(
        said.contains("已作废 2017-YG-007") && said.contains("（U）"),
        "{said}"
    );
    let voided = app.ledger.case("2017-YG-007").unwrap().voided.unwrap();
    assert_eq!(voided.reason, "重复录入，与2017-YG-003为同一村");
    // a case on the list is not voided: said on the id
    press(&mut app, "U <S-Tab> <C-u> 2017-YG-003 <C-s>");
    assert!(error(&app).contains("没有作废"), "{}", error(&app));
    press(&mut app, "<Esc> y U");
    let f = app.app.form().expect("the unvoid form");
    assert!(
        f.fields[0]
            .value
            .display()
            .starts_with("2017-YG-007 鸳鸯湖村 2017-09-15 重复录入"),
        "offers the case voided: {}",
        f.fields[0].value.display()
    );
    assert_eq!(f.fields[f.focus].slot, Slot::Data(Field::Reason));
    press(&mut app, "误作废 <C-s>");
    assert!(app.app.confirm().is_some(), "asks first");
    press(&mut app, "y");
    assert!(app.app.form().is_none(), "{}", error(&app));
    assert!(on_list(&app, "2017-YG-007"));
    assert_eq!(
        app.app.detail().map(|d| d.full.id.as_str()),
        Some("2017-YG-007"),
        "the case opens"
    );
    assert!(
        status(&app).contains("已恢复 2017-YG-007"),
        "{}",
        status(&app)
    );
    let kinds: Vec<ChangeKind> = app
        .app
        .detail()
        .unwrap()
        .history
        .iter()
        .map(|e| e.change.kind)
        .collect();
    assert!(kinds.ends_with(&[ChangeKind::Voided, ChangeKind::Unvoided]));
}

/// `T` on the dashboard: the talk form on the township of the row, recorded through the
/// ledger's `talk`, and listed on the dashboard at once; from the list it is about the
/// case selected.
#[test]
fn a_talk_is_recorded_from_the_dashboard_and_listed_there() {
    let (_d, mut app) = app();
    press(&mut app, "d");
    let township = app.app.dashboard().unwrap().stats.accountability.townships[0]
        .township
        .clone();
    press(&mut app, "T");
    let f = app.app.form().expect("the talk form");
    assert_eq!(f.kind, FormKind::Talk);
    assert_eq!(f.fields[0].value.display(), township);
    assert_eq!(f.fields[f.focus].slot, Slot::Data(Field::Person));
    press(&mut app, "<C-s>");
    assert!(error(&app).contains("被约谈问责人"), "{}", error(&app));
    press(&mut app, "李明 <Tab> <Right> <Tab> 两个村逾期未整改 <C-s>");
    let asked = app.app.confirm().expect("asks first").message.clone();
    assert!(asked.contains("诫勉") && asked.contains("李明"), "{asked}");
    press(&mut app, "y");
    assert!(app.app.form().is_none(), "{}", error(&app));
    let events = app.ledger.accountability().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (
            events[0].person.as_str(),
            events[0].kind,
            events[0].township.as_str()
        ),
        ("李明", AccountabilityKind::Warning, township.as_str())
    );
    assert!(status(&app).contains("李明"), "{}", status(&app));
    let shown = screen(&mut app, 80, 24);
    assert!(shown.contains("已诫勉"), "the dashboard lists it:\n{shown}");
    assert!(
        shown.lines().nth(23).unwrap_or("").contains("已记录"),
        "and says so on its bottom line:\n{shown}"
    );
    // from the list: about the case selected, its township
    press(&mut app, "<Esc> / 2017-SX-004 <Enter> T");
    let f = app.app.form().unwrap();
    let shown: Vec<String> = f.fields.iter().map(|f| f.value.display()).collect();
    assert_eq!(
        (shown[0].as_str(), shown[1].as_str(), shown[5].as_str()),
        ("古城镇", "莘县", "2017-SX-004")
    );
}

/// A second case of a village in one year, refused in the new-case form: the sentence
/// names the form's 反弹自 field, not the command line's option.
#[test]
fn a_second_case_of_a_village_names_the_forms_relapse_field() {
    let (_d, mut app) = app();
    press(
        &mut app,
        "/ 2017-YG-003 <Enter> n 前进村 <Tab> <Space> <C-s>",
    );
    let e = error(&app);
    assert!(e.contains("“反弹自”栏填 2017-YG-003"), "{e}");
    assert!(!e.contains("--relapse-of"), "{e}");
    let (_d, mut en) = app_with(Lang::En, Keymap::default_keys().unwrap());
    press(
        &mut en,
        "/ 2017-YG-003 <Enter> n 前进村 <Tab> <Space> <C-s>",
    );
    let e = error(&en);
    assert!(e.contains("the field 'relapse of'"), "{e}");
    assert!(!e.contains("--relapse-of"), "{e}");
}

/// A county leader may neither void nor record a talk (SPEC §9): the ledger's refusal is
/// in the status bar, the form stays open with what was typed, nothing is written.
#[test]
fn a_role_that_may_not_void_or_talk_is_refused_in_the_status_bar_text_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("ledger")).unwrap();
    store.insert(cases(), ChangeKind::Imported, &ctx()).unwrap();
    let leader = Person {
        login: "wangjg".into(),
        name: "王建国".into(),
        role: Role::Leader,
        county: Some("阳谷县".into()),
        township: None,
    };
    store
        .change_roster(&RosterChange::Add(leader.clone()), &ctx())
        .unwrap();
    let as_leader = Ctx {
        person: Some(leader),
        ..ctx()
    };
    let mut app = tui_on(store, as_leader, Lang::Zh, Keymap::default_keys().unwrap());
    press(&mut app, "/ 2017-YG-003 <Enter> D 录错了 <C-s> y");
    let f = app.app.form().expect("the form stays open");
    assert_eq!(f.fields[0].value.display(), "录错了");
    assert!(status(&app).contains("wangjg"), "{}", status(&app));
    assert!(app.app.message.as_ref().unwrap().error);
    assert!(app.ledger.case("2017-YG-003").unwrap().voided.is_none());
    press(&mut app, "<Esc> y T 李明 <Tab> <Tab> 逾期 <C-s> y");
    let f = app.app.form().expect("the form stays open");
    assert_eq!(f.fields[2].value.display(), "李明");
    assert!(status(&app).contains("wangjg"), "{}", status(&app));
    assert!(app.ledger.accountability().unwrap().is_empty());
}

/// A case voided before this screen was opened (last week, by the clerk): `U` offers every
/// voided case, with its village, the day and why, read from the ledger; the one picked
/// comes back. An ordinary ledger's status line says nothing of a sync.
#[test]
fn the_unvoid_form_offers_the_cases_voided_before() {
    use zhengdun::domain::Command;
    let (_d, mut app) = app();
    for (id, reason) in [("2017-YG-003", "重复录入"), ("2017-YG-007", "村名录错")] {
        let void = Command::Void {
            on: d("2017-09-08"),
            reason: reason.into(),
        };
        app.ledger.execute(id, &[void], None).unwrap();
    }
    app.take_changes();
    let list = screen(&mut app, 80, 24);
    assert!(!list.contains("待同步"), "{list}");
    press(&mut app, "U");
    let f = app.app.form().expect("the unvoid form");
    assert_eq!(f.fields[f.focus].slot, Slot::Voided);
    let shown = screen(&mut app, 80, 24);
    assert!(
        shown.contains("2017-YG-003 前进村 2017-09-08 重复录入"),
        "{shown}"
    );
    press(&mut app, "<Right>");
    let shown = screen(&mut app, 80, 24);
    assert!(shown.contains("2017-YG-007"), "{shown}");
    for line in shown.lines() {
        assert!(zhengdun::text::width(line) <= 80, "{line}");
    }
    press(&mut app, "<Tab> <Tab> 录错了 <C-s> y");
    assert!(app.app.form().is_none(), "{}", error(&app));
    assert!(on_list(&app, "2017-YG-007"));
    assert!(!on_list(&app, "2017-YG-003"));
    assert!(app.ledger.case("2017-YG-007").unwrap().voided.is_none());
}
