//! Key-sequence tests: the app driven by keys, without a terminal, checked by its state
//! and by what reached the database.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

mod common;

use common::tui::*;
use zhengdun::domain::{Command, Field, Stage, Visit, VisitKind};
use zhengdun::tui::app::Tab;
use zhengdun::tui::form::Slot;
use zhengdun::tui::keymap::Mode;

fn ids(app: &zhengdun::tui::Tui) -> Vec<String> {
    app.app
        .rows
        .iter()
        .map(|&i| app.app.summaries[i].id().to_string())
        .collect()
}

fn current_id(app: &zhengdun::tui::Tui) -> String {
    app.app.selected_case().unwrap().id().to_string()
}

#[test]
fn most_overdue_first_then_move_and_open_a_tab() {
    let (_d, mut app) = app();
    assert_eq!(ids(&app)[0], "2017-YG-007", "157 days overdue comes first");
    press(&mut app, "j j <Enter>");
    assert_eq!(app.app.mode(), Mode::Detail);
    assert_eq!(current_id(&app), ids(&app)[2]);
    press(&mut app, "<Tab> <Tab>");
    assert_eq!(app.app.detail().unwrap().tab, Tab::Tasks);
    press(&mut app, "<S-Tab> <Esc>");
    assert_eq!(app.app.mode(), Mode::List);
    press(&mut app, "G");
    assert_eq!(app.app.selected, app.app.rows.len() - 1);
    press(&mut app, "g");
    assert_eq!(app.app.selected, 0);
}

#[test]
fn overdue_mine_stage_and_area_filters() {
    let (_d, mut app) = app();
    press(&mut app, "o");
    assert!(app.app.rows.iter().all(|&i| app.app.due[i].overdue()));
    assert_eq!(app.app.rows.len(), app.app.rows_overdue);
    assert!(app.app.rows.len() < app.app.summaries.len());
    press(&mut app, "o m");
    let mine = ids(&app);
    assert_eq!(mine.len(), 3, "{mine:?}");
    assert!(app
        .app
        .rows
        .iter()
        .all(|&i| app.app.summaries[i].county_leader() == "王建国"));
    press(&mut app, "F f");
    assert!(app
        .app
        .rows
        .iter()
        .all(|&i| app.app.summaries[i].stage() == Stage::Identified));
    press(&mut app, "F c j <Enter>");
    let county = app.app.prefs.filter.county.clone().unwrap();
    assert!(app
        .app
        .rows
        .iter()
        .all(|&i| app.app.summaries[i].county() == county));
    press(&mut app, "s");
    assert_ne!(app.app.prefs.sort, Default::default());
}

#[test]
fn mine_with_an_unknown_name_says_how_to_fix_it() {
    let mut c = ctx();
    c.actor = "root".into();
    let (d, app) = app();
    drop(app);
    let store = store_in(&d);
    let mut app = tui_as(store, c);
    press(&mut app, "m");
    assert!(app.app.rows.is_empty());
    let m = app.app.message.clone().unwrap();
    assert!(m.error && m.text.contains("--as"), "{m:?}");
}

#[test]
fn search_by_pinyin_full_and_initials_and_chinese() {
    let (_d, mut app) = app();
    press(&mut app, "/ yuanyanghu");
    assert_eq!(app.app.mode(), Mode::Search);
    assert_eq!(ids(&app)[0], "2017-YG-007");
    press(&mut app, "<Enter>");
    assert_eq!(app.app.mode(), Mode::List);
    assert_eq!(app.app.query, "yuanyanghu");
    press(&mut app, "<Esc> / yyhc");
    assert_eq!(ids(&app)[0], "2017-YG-007");
    press(&mut app, "<Esc> / 王楼");
    assert_eq!(ids(&app), vec!["2017-DE-002"]);
    press(&mut app, "<Backspace> <Backspace> <Esc>");
    assert_eq!(app.app.rows.len(), app.app.summaries.len());
}

#[test]
fn quick_visit_is_durable_and_uses_the_defaults() {
    let (dir, mut app) = app();
    press(&mut app, "/ 2017-SX-004 <Enter> v");
    assert_eq!(app.app.mode(), Mode::Form);
    press(&mut app, "班子开会研究集体经济项目 <C-s>");
    assert!(
        app.app.form().is_none(),
        "{:?}",
        app.app.form().and_then(|f| f.error.clone())
    );
    assert!(app.app.message.as_ref().is_some_and(|m| !m.error));
    drop(app);
    let store = store_in(&dir);
    let case = store.require("2017-SX-004").unwrap();
    let v = case.visits.last().unwrap();
    assert_eq!(v.findings, "班子开会研究集体经济项目");
    assert_eq!(
        (v.kind, v.on, v.by.as_str()),
        (VisitKind::Visit, today(), "王建国")
    );
}

#[test]
fn a_refusal_shows_in_place_and_keeps_what_was_typed() {
    let (_d, mut app) = app();
    press(&mut app, "/ 2017-YG-007 <Enter> a");
    press(&mut app, "王建国 <Tab> 李明 <C-s>");
    let form = app.app.form().expect("the form stays open");
    let err = form.error.clone().unwrap();
    assert!(
        err.contains("第一书记") && err.contains("派出单位"),
        "{err}"
    );
    assert_eq!(form.fields[0].value.display(), "王建国");
    assert_eq!(form.fields[1].value.display(), "李明");
    assert_eq!(
        form.fields[form.focus].slot,
        Slot::Data(Field::FirstSecretary),
        "the cursor goes to the first field named"
    );
    press(&mut app, "张伟 <Tab> 县财政局 <C-s>");
    assert_eq!(app.app.mode(), Mode::Confirm, "advancing asks first");
    press(&mut app, "n");
    assert_eq!(app.app.mode(), Mode::Form);
    assert_eq!(
        app.ledger.case("2017-YG-007").unwrap().stage,
        Stage::Identified
    );
    press(&mut app, "<C-s> y");
    assert!(app.app.form().is_none());
    assert_eq!(app.ledger.case("2017-YG-007").unwrap().stage, Stage::Paired);
}

#[test]
fn cancelling_a_typed_form_asks_first() {
    let (_d, mut app) = app();
    press(&mut app, "v <Esc>");
    assert_eq!(app.app.mode(), Mode::List, "nothing typed: closes at once");
    press(&mut app, "v 有 <Esc>");
    assert_eq!(app.app.mode(), Mode::Confirm);
    press(&mut app, "n");
    assert_eq!(app.app.mode(), Mode::Form);
    press(&mut app, "<Esc> y");
    assert_eq!(app.app.mode(), Mode::List);
}

#[test]
fn adjustment_then_acceptance_closes_the_case() {
    let (_d, mut app) = app();
    // paired -> cadres_adjusted through the "no adjustment needed" branch
    press(&mut app, "/ 2017-SX-004 <Enter> a");
    press(&mut app, "<S-Tab> <Right>");
    assert_eq!(app.app.form().unwrap().visible_fields().len(), 2);
    press(&mut app, "<Tab> 班子结构合理 <C-s> y");
    assert_eq!(
        app.ledger.case("2017-SX-004").unwrap().stage,
        Stage::CadresAdjusted
    );

    // cadres_adjusted: `a` opens the acceptance form; the open task is finished first
    press(&mut app, "<Esc> / 2017-DE-002 <Enter> a");
    assert_eq!(
        app.app.form().unwrap().kind,
        zhengdun::tui::form::FormKind::Accept
    );
    press(&mut app, "90 <Tab> 40 <Tab> 1 <C-s>");
    let c = app.app.confirm().cloned().expect("acceptance asks first");
    assert!(
        c.message.contains("暂不销号") && c.message.contains("第1项"),
        "{}",
        c.message
    );
    press(&mut app, "n <Esc> y");
    assert!(app.app.form().is_none());
    press(&mut app, "x <C-s>");
    assert!(app
        .ledger
        .case("2017-DE-002")
        .unwrap()
        .open_tasks()
        .next()
        .is_none());
    press(&mut app, "a 85 <Tab> 40 <Tab> 2 <C-s>");
    let c = app.app.confirm().cloned().expect("acceptance asks first");
    assert!(c.message.contains("合格"), "{}", c.message);
    press(&mut app, "y");
    let case = app.ledger.case("2017-DE-002").unwrap();
    assert_eq!(case.stage, Stage::Accepted);
    assert_eq!(case.closed_on, Some(today()));
}

#[test]
fn reopen_needs_a_reason_and_goes_back() {
    let (_d, mut app) = app();
    press(&mut app, "/ 2017-DE-009 <Enter> <Enter> r <C-s>");
    assert!(app.app.form().unwrap().error.is_some());
    press(&mut app, "群众反映班子又出现问题 <C-s> y");
    let case = app.ledger.case("2017-DE-009").unwrap();
    assert_eq!(case.stage, Stage::CadresAdjusted);
    let d = app.app.detail().unwrap();
    assert_eq!(
        d.history.last().unwrap().change.note,
        "群众反映班子又出现问题"
    );
}

#[test]
fn help_is_filterable_as_you_type() {
    let (_d, mut app) = app();
    press(&mut app, "?");
    assert_eq!(app.app.mode(), Mode::Help);
    let all = app.app.help_rows().len();
    press(&mut app, "记录走访");
    let rows = app.app.help_rows();
    assert!(!rows.is_empty() && rows.len() < all);
    assert!(rows.iter().all(|(_, k, _)| k == "v"), "{rows:?}");
    press(&mut app, "<Esc>");
    assert_eq!(app.app.mode(), Mode::List);
}

/// Ctrl-C quits, but never drops what was typed in a form: there it asks first, as Esc
/// does (an untouched form just closes).
#[test]
fn ctrl_c_quits_but_asks_before_dropping_a_typed_form() {
    let (_d, mut app) = app();
    press(&mut app, "v 写了一半 <C-c>");
    assert!(!app.app.quit);
    assert_eq!(app.app.mode(), Mode::Confirm);
    press(&mut app, "<C-c>");
    assert_eq!(app.app.mode(), Mode::Form, "Ctrl-C on the question is no");
    assert_eq!(
        app.app.form().unwrap().fields[0].value.display(),
        "写了一半"
    );
    press(&mut app, "<C-c> y");
    assert_eq!(app.app.mode(), Mode::List);
    press(&mut app, "v <C-c>");
    assert_eq!(app.app.mode(), Mode::List, "nothing typed: closes at once");
    press(&mut app, "<Enter> <C-c>");
    assert!(app.app.quit, "from the detail, Ctrl-C quits");
}

/// The line editor's keys in a form: Home/End (and Ctrl-A/Ctrl-E), Ctrl-U, Ctrl-W on
/// Chinese, with the cursor placed by terminal cells.
#[test]
fn form_editing_keys_home_end_ctrl_u_ctrl_w() {
    let (_d, mut app) = app();
    press(&mut app, "v 党员大会 <Home> 召开 <End> ，村里 <C-w>");
    let findings = |app: &zhengdun::tui::Tui| app.app.form().unwrap().fields[0].value.display();
    assert_eq!(findings(&app), "召开党员大会，");
    press(&mut app, "<C-w>");
    assert_eq!(findings(&app), "");
    press(
        &mut app,
        "the <Space> branch <Space> met <C-a> <Right> <Right> <Right> <Right> <C-u>",
    );
    assert_eq!(findings(&app), "branch met");
    press(&mut app, "<C-e> 两次");
    assert_eq!(findings(&app), "branch met两次");
    assert_eq!(app.app.form().unwrap().cursor_cells(), Some(14));
    // a choice: Home and End go to the first and the last option
    press(&mut app, "<Tab> <End>");
    let kind = app.app.form().unwrap().fields[1].value.display();
    assert_eq!(kind, "集中督查");
    press(&mut app, "<Home>");
    assert_eq!(app.app.form().unwrap().fields[1].value.display(), "走访");
}

/// While searching, the best match is on top whatever its due date (the command line's
/// `list --search` keeps most overdue first); without a query the sort order is back.
#[test]
fn search_shows_the_best_match_first() {
    let (_d, mut app) = app();
    assert!(
        !app.app.search_ready(),
        "the first frame does not wait for the index"
    );
    press(&mut app, "/ wang");
    assert!(app.app.search_ready());
    // 王楼村 (a village, 15 days overdue) before 王建国's cases (84 and more days overdue)
    assert_eq!(ids(&app)[0], "2017-DE-002");
    let overdue_first = zhengdun::listing::select(
        &app.app.summaries,
        &app.app.due,
        &app.app.filter(),
        Some(&app.app.rows),
        app.app.prefs.sort,
    );
    assert_ne!(app.app.summaries[overdue_first[0]].id(), "2017-DE-002");
    press(&mut app, "<Esc>");
    assert_eq!(ids(&app)[0], "2017-YG-007", "most overdue first again");
    // typing selects the best match, even when the case selected before still matches
    press(&mut app, "G");
    assert_eq!(current_id(&app), "2017-DE-009");
    press(&mut app, "/ c");
    assert!(ids(&app)[1..].contains(&"2017-DE-009".to_string()));
    assert_eq!((app.app.selected, app.app.offset), (0, 0));
    assert_eq!(current_id(&app), ids(&app)[0]);
}

/// A change to one case updates its search keys in place: a new pairing is found by the
/// new leader's name, in the same session, with the search box narrowing as typed.
#[test]
fn a_new_pairing_is_searchable_at_once() {
    let (_d, mut app) = app();
    press(&mut app, "/ zhouxiaoming");
    assert!(app.app.rows.is_empty());
    press(&mut app, "<Esc> / 2017-YG-007 <Enter> a");
    press(
        &mut app,
        "周晓明 <Tab> 李明 <Tab> 张伟 <Tab> 县财政局 <C-s> y",
    );
    assert!(app.app.form().is_none());
    press(&mut app, "<Esc> / zhouxiao");
    assert_eq!(ids(&app), vec!["2017-YG-007"]);
    press(&mut app, "ming");
    assert_eq!(ids(&app), vec!["2017-YG-007"]);
    let s = screen_with_marks(&mut app, 80, 24);
    assert!(s.contains("周晓明"), "{s}");
    assert!(s.contains("^^^^^^"), "{s}");
}

/// The dashboard's figures are computed once and kept, until a case changes.
#[test]
fn the_dashboard_follows_a_change() {
    let (_d, mut app) = app();
    let paired = |app: &zhengdun::tui::Tui| {
        let d = app.app.dashboard().expect("the dashboard is open");
        d.stats.total.by_stage.get(Stage::Paired)
    };
    press(&mut app, "d");
    let before = paired(&app);
    press(&mut app, "<Esc> d");
    assert_eq!(paired(&app), before);
    press(&mut app, "<Esc> / 2017-YG-007 <Enter> a");
    press(
        &mut app,
        "周晓明 <Tab> 李明 <Tab> 张伟 <Tab> 县财政局 <C-s> y",
    );
    assert!(app.app.form().is_none());
    press(&mut app, "<Esc> d");
    assert_eq!(paired(&app), before + 1);
}

/// A change made before the first search (while the index is built in the background from
/// the summaries at start) is found by that first search.
#[test]
fn a_change_before_the_first_search_is_searchable() {
    let (_d, mut app) = app();
    assert_eq!(current_id(&app), "2017-YG-007");
    press(
        &mut app,
        "a 周晓明 <Tab> 李明 <Tab> 张伟 <Tab> 县财政局 <C-s> y",
    );
    assert!(app.app.form().is_none());
    assert!(!app.app.search_ready());
    press(&mut app, "/ zhouxiaoming");
    assert_eq!(ids(&app), vec!["2017-YG-007"]);
}

/// On a large ledger the dashboard's first count takes seconds: the key that starts it
/// says so in the status bar first (the loop draws that before handling the key). A
/// small ledger, or counts already made, start nothing to wait for.
#[test]
fn a_slow_first_count_is_announced() {
    use zhengdun::domain::Case;
    use zhengdun::tui::keymap::Key;
    let day = common::tui::d("2017-03-10");
    let many: Vec<Case> = (0..20_000).map(|n| numbered(n, day)).collect();
    let (_dir, mut app) = common::tui::app_with_cases(many);
    let d = Key::parse("d").unwrap();
    assert!(!app.app.announce_wait(&Key::parse("j").unwrap()));
    assert!(app.app.announce_wait(&d));
    let msg = app
        .app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(msg.contains("20000"), "{msg}");
    app.handle_key(d);
    assert!(app.app.dashboard().is_some());
    assert!(
        app.app.message.is_none(),
        "the notice stays after the count"
    );
    press(&mut app, "<Esc>");
    assert!(!app.app.announce_wait(&d), "counted already");

    let (_dir, mut small) = common::tui::app();
    assert!(!small.app.announce_wait(&d));
    assert!(small.app.message.is_none());
}

/// A paste (bracketed) goes whole into the field being typed, its line breaks as spaces;
/// in the list it is ignored, so a pasted `q` does not quit.
#[test]
fn a_paste_goes_whole_into_the_field_and_is_ignored_in_the_list() {
    let (dir, mut app) = app();
    assert!(!app.paste("q\n"));
    assert!(!app.app.quit);
    press(&mut app, "/ 2017-SX-004 <Enter> v");
    assert_eq!(app.app.mode(), Mode::Form);
    assert!(app.paste("群众反映村干部坐班制度落实较好\r\n但集体经济仍无起色\t"));
    press(&mut app, "<C-s>");
    assert!(
        app.app.form().is_none(),
        "{:?}",
        app.app.form().and_then(|f| f.error.clone())
    );
    drop(app);
    let store = store_in(&dir);
    let v = store.require("2017-SX-004").unwrap().visits.pop().unwrap();
    assert_eq!(
        v.findings,
        "群众反映村干部坐班制度落实较好 但集体经济仍无起色"
    );
}

/// A history that cannot be read is reported, never shown as an empty one.
#[test]
fn a_damaged_history_is_reported_not_shown_empty() {
    let (d, app) = app();
    drop(app);
    let store = store_in(&d);
    let events = store.history("2017-YG-007").unwrap();
    let seq = events.last().unwrap().seq;
    let key = [b"h/".as_slice(), &seq.to_be_bytes()].concat();
    store
        .raw()
        .insert(key, b"{not an event".as_slice())
        .unwrap();
    store.sync().unwrap();
    let mut app = tui_as(store, ctx());
    press(&mut app, "/ 2017-YG-007 <Enter> <Enter>");
    assert_eq!(
        app.app.mode(),
        Mode::List,
        "the detail does not open on a bad history"
    );
    let m = app.app.message.clone().expect("the damage is said");
    assert!(m.error && m.text.contains("损坏"), "{m:?}");
}

#[test]
fn a_form_confirmed_on_a_case_changed_since_it_opened_is_refused_and_keeps_what_was_typed() {
    let (_d, mut app) = app();
    press(&mut app, "/ 2017-SX-004 <Enter> v");
    press(&mut app, "班子开会研究集体经济项目");
    // a visit is logged on the same case meanwhile (as a server's other client would)
    let meanwhile = Command::LogVisit(Visit {
        on: today(),
        by: "李华".into(),
        kind: VisitKind::Unannounced,
        findings: "暗访".into(),
    });
    let visits_before = app.ledger.case("2017-SX-004").unwrap().visits.len();
    app.ledger
        .execute("2017-SX-004", &[meanwhile], None)
        .unwrap();
    app.take_changes();
    press(&mut app, "<C-s>");
    let form = app.app.form().expect("the form stays open");
    let error = form.error.clone().unwrap_or_default();
    assert!(
        error.contains("2017-SX-004") && error.contains("走访督查"),
        "{error}"
    );
    assert!(
        form.fields.iter().any(|f| matches!(
            &f.value,
            zhengdun::tui::form::Value::Text { text, .. } if text == "班子开会研究集体经济项目"
        )),
        "what was typed is kept"
    );
    assert_eq!(
        app.ledger.case("2017-SX-004").unwrap().visits.len(),
        visits_before + 1,
        "the stale form wrote nothing"
    );
    // a second Ctrl-S saves it on the case as it is now
    press(&mut app, "<C-s>");
    assert!(
        app.app.form().is_none(),
        "{:?}",
        app.app.form().map(|f| &f.error)
    );
    let case = app.ledger.case("2017-SX-004").unwrap();
    assert_eq!(case.visits.len(), visits_before + 2);
    assert_eq!(
        case.visits.last().unwrap().findings,
        "班子开会研究集体经济项目"
    );
}

/// `e` on the overview: the case's own fields, as recorded, corrected in place; only what
/// changed goes into the edit (and the history), and the list and search follow at once.
#[test]
fn the_edit_form_corrects_the_case_and_the_history_says_what_changed() {
    use zhengdun::domain::{ChangeKind, Situation};
    let (_d, mut app) = app();
    press(&mut app, "/ 2017-YG-003 <Enter> <Enter> e");
    let form = app.app.form().expect("the edit form opens");
    assert_eq!(form.kind, zhengdun::tui::form::FormKind::Edit);
    assert_eq!(form.fields[2].value.display(), "前进村");
    // nothing changed: refused in place, nothing written
    press(&mut app, "<C-s>");
    assert!(app.app.form().unwrap().error.is_some());
    // the village retyped, a situation added, the deadline given
    press(
        &mut app,
        "<Tab> <Tab> <End> <C-u> 前进新村 <Tab> <Space> <Tab> <Tab> <C-u> 2017-12-15 <C-s>",
    );
    assert!(
        app.app.form().is_none(),
        "{:?}",
        app.app.form().and_then(|f| f.error.clone())
    );
    let case = app.ledger.case("2017-YG-003").unwrap();
    assert_eq!(case.village, "前进新村");
    assert_eq!(
        case.situations,
        vec![
            Situation::LeadershipIncomplete,
            Situation::SecretaryUnfit,
            Situation::PoorService
        ]
    );
    assert_eq!(case.deadline, Some(d("2017-12-15")));
    assert_eq!(case.county, "阳谷县", "what was not touched stays");
    let last = app.app.detail().unwrap().history.last().unwrap().clone();
    assert_eq!(last.change.kind, ChangeKind::Edited);
    assert!(
        last.change.detail.contains("前进新村") && !last.change.detail.contains("county"),
        "{}",
        last.change.detail
    );
    press(&mut app, "<Esc> <Esc> / qianjinxin");
    assert_eq!(ids(&app), vec!["2017-YG-003"]);
}

/// An edit form confirmed on a case someone changed since is refused, keeping what was
/// typed; Ctrl-S again saves it on the case as it is now.
#[test]
fn a_stale_edit_form_keeps_what_was_typed() {
    let (_d, mut app) = app();
    press(&mut app, "/ 2017-SX-004 <Enter> e <Tab> <Tab> <End> 东");
    let meanwhile = Command::LogVisit(Visit {
        on: today(),
        by: "李华".into(),
        kind: VisitKind::Routine,
        findings: "日常督查".into(),
    });
    app.ledger
        .execute("2017-SX-004", &[meanwhile], None)
        .unwrap();
    app.take_changes();
    press(&mut app, "<C-s>");
    let form = app.app.form().expect("the form stays open");
    assert!(form.error.as_deref().unwrap_or("").contains("2017-SX-004"));
    assert_eq!(form.fields[2].value.display(), "后屯村东");
    assert_eq!(app.ledger.case("2017-SX-004").unwrap().village, "后屯村");
    press(&mut app, "<C-s>");
    assert!(app.app.form().is_none());
    assert_eq!(app.ledger.case("2017-SX-004").unwrap().village, "后屯村东");
}

/// `n` in the list: a new case next to the one selected (its county, township and the
/// next id of its series); what is missing or taken is said in place, on its field.
#[test]
fn a_new_case_from_the_list_with_the_guards_in_place() {
    let (_d, mut app) = app();
    press(&mut app, "/ 2017-YG-003 <Enter> n");
    let form = app.app.form().expect("the new-case form opens");
    let shown: Vec<String> = form.fields.iter().map(|f| f.value.display()).collect();
    assert_eq!(
        shown[..6],
        ["2017-YG-008", "2017", "2017-09-15", "阳谷县", "阿城镇", ""]
    );
    assert_eq!(form.fields[form.focus].slot, Slot::Data(Field::Village));
    // no village, no situation: the domain's refusals, one at a time, on their fields
    press(&mut app, "<C-s>");
    let f = app.app.form().unwrap();
    assert!(
        f.error.as_deref().unwrap_or("").contains("村"),
        "{:?}",
        f.error
    );
    press(&mut app, "后河村 <C-s>");
    let f = app.app.form().unwrap();
    assert!(
        f.error.as_deref().unwrap_or("").contains("情形"),
        "{:?}",
        f.error
    );
    assert_eq!(f.fields[f.focus].slot, Slot::Data(Field::Situations));
    press(&mut app, "<Right> <Space>");
    // an id already taken, without regard to letter case
    press(&mut app, "<Home>");
    let f = app.app.form().unwrap();
    assert_eq!(f.fields[f.focus].slot, Slot::Data(Field::Situations));
    for _ in 0..6 {
        press(&mut app, "<S-Tab>");
    }
    press(&mut app, "<End> <C-u> 2017-yg-003 <C-s>");
    let f = app.app.form().unwrap();
    assert!(
        f.error.as_deref().unwrap_or("").contains("2017-yg-003"),
        "{:?}",
        f.error
    );
    assert_eq!(f.fields[f.focus].slot, Slot::Data(Field::Id));
    press(&mut app, "<C-u> 2017-YG-010 <C-s>");
    assert!(
        app.app.form().is_none(),
        "{:?}",
        app.app.form().and_then(|f| f.error.clone())
    );
    let case = app.ledger.case("2017-YG-010").unwrap();
    assert_eq!(
        (case.village.as_str(), case.stage, case.situations.clone()),
        (
            "后河村",
            Stage::Identified,
            vec![zhengdun::domain::Situation::SecretaryUnfit]
        )
    );
    assert_eq!(app.app.summaries.len(), 7);
    assert_eq!(
        app.app.detail().map(|d| d.full.id.clone()).as_deref(),
        Some("2017-YG-010"),
        "the new case opens"
    );
    assert!(app
        .app
        .message
        .as_ref()
        .is_some_and(|m| m.text.contains("后河村")));
}

/// `b`: one more cadre adjustment on a case already at cadres_adjusted, recorded without
/// moving it; on an accepted case it is refused with the reason.
#[test]
fn a_second_adjustment_is_recorded_where_the_first_is() {
    let (_d, mut app) = app();
    press(&mut app, "/ 2017-DE-002 <Enter> <Enter> b");
    let form = app.app.form().expect("the adjustment form opens");
    assert!(!form.moves_stage);
    press(&mut app, "钱某 <Tab> <Right> <C-s>");
    assert!(
        app.app.form().is_none(),
        "{:?}",
        app.app.form().and_then(|f| f.error.clone())
    );
    let case = app.ledger.case("2017-DE-002").unwrap();
    assert_eq!(case.adjustments.len(), 2);
    assert_eq!(case.adjustments[1].name, "钱某");
    assert_eq!(case.adjustments[1].post, zhengdun::domain::Post::Director);
    assert_eq!(case.stage, Stage::CadresAdjusted);
    press(&mut app, "<Esc> <Esc> / 2017-DE-009 <Enter> b");
    assert!(app.app.form().is_none());
    assert!(app.app.message.as_ref().is_some_and(|m| m.error));
}

/// `y`: the acceptance form of its own, its verdict worked out as the figures are typed
/// and said before it is saved; refused with the reason on a case not ready for it.
#[test]
fn the_acceptance_form_shows_the_verdict_as_it_is_typed() {
    let (_d, mut app) = app();
    press(&mut app, "/ 2017-YG-007 <Enter> y");
    assert!(app.app.form().is_none());
    let m = app.app.message.clone().expect("a refusal");
    assert!(m.error && m.text.contains("排查认定"), "{m:?}");
    press(&mut app, "<Esc> / 2017-DE-002 <Enter> <Enter> y");
    let policy = app.app.ctx.policy.clone();
    let verdict = |app: &zhengdun::tui::Tui| {
        app.app
            .form()
            .unwrap()
            .verdict_line(zhengdun::i18n::Lang::Zh, &policy)
            .unwrap()
    };
    assert!(verdict(&app).contains("自动得出"), "{}", verdict(&app));
    press(&mut app, "65 <Tab> 40 <Tab> 1");
    assert!(verdict(&app).contains("不合格"), "{}", verdict(&app));
    press(
        &mut app,
        "<S-Tab> <S-Tab> <C-u> 90 <Tab> <Tab> <Tab> <Space>",
    );
    let v = verdict(&app);
    assert!(v.contains("基本合格") && v.contains("2018-03-15"), "{v}");
    press(&mut app, "<Left>");
    assert!(verdict(&app).contains("：合格"), "{}", verdict(&app));
    press(&mut app, "<C-s>");
    let c = app.app.confirm().cloned().expect("acceptance asks first");
    assert!(c.message.contains("合格"), "{}", c.message);
    press(&mut app, "y");
    let case = app.ledger.case("2017-DE-002").unwrap();
    assert_eq!(case.acceptance.len(), 1);
    assert_eq!(case.acceptance[0].score, 90);
    assert_eq!(case.stage, Stage::CadresAdjusted, "a task is still open");
}

/// `f` on a visit or task row: j/k select the record, the correction form opens with what
/// it says, and saving records a correcting event for that number; the history keeps what
/// was there before.
#[test]
fn a_fix_key_on_a_visit_or_task_row_corrects_it() {
    use zhengdun::domain::ChangeKind;
    let (_d, mut app) = app();
    press(&mut app, "/ 2017-YG-003 <Enter> <Enter> f");
    assert!(
        app.app.form().is_none(),
        "nothing to correct on the overview"
    );
    assert!(app.app.message.as_ref().is_some_and(|m| m.error));
    // a second visit, later than the first: shown first, numbered 2
    press(&mut app, "v 党员大会按时召开 <C-s>");
    press(&mut app, "<Tab> <Tab> <Tab> <Tab>");
    assert_eq!(app.app.detail().unwrap().tab, Tab::Visits);
    press(&mut app, "j f");
    let form = app.app.form().expect("the correction form opens");
    assert_eq!(form.entry, Some(1), "the older visit, recorded first");
    assert_eq!(
        form.fields[0].value.display(),
        "书记长期不在村，活动场所大门紧锁。"
    );
    press(&mut app, "<End> <C-w> 大门紧锁 <C-s>");
    assert!(
        app.app.form().is_none(),
        "{:?}",
        app.app.form().and_then(|f| f.error.clone())
    );
    let case = app.ledger.case("2017-YG-003").unwrap();
    assert_eq!(case.visits[0].findings, "书记长期不在村，大门紧锁");
    assert_eq!(case.visits[1].findings, "党员大会按时召开");
    let detail = app.app.detail().unwrap();
    let last = detail.history.last().unwrap();
    assert_eq!(last.change.kind, ChangeKind::VisitFixed);
    assert!(
        last.change.note.contains("活动场所大门紧锁"),
        "{:?}",
        last.change
    );
    // nothing changed: refused in place
    press(&mut app, "f <C-s>");
    assert!(app.app.form().unwrap().error.is_some());
    press(&mut app, "<Esc>");

    // a task: its due date corrected
    press(
        &mut app,
        "<Esc> <Esc> / 2017-DE-002 <Enter> <Enter> <Tab> <Tab> f",
    );
    let form = app.app.form().expect("the task correction form opens");
    assert_eq!(form.kind, zhengdun::tui::form::FormKind::FixTask);
    press(&mut app, "<Tab> <Tab> <C-u> 2017-10-31 <C-s>");
    assert!(app.app.form().is_none());
    let case = app.ledger.case("2017-DE-002").unwrap();
    assert_eq!(case.tasks[0].due, d("2017-10-31"));
    assert_eq!(
        app.app
            .detail()
            .unwrap()
            .history
            .last()
            .unwrap()
            .change
            .kind,
        ChangeKind::TaskFixed
    );
}

/// A second case of a village in one year is the store's refusal, said in the new-case
/// form on the village, naming the case there; as a relapse of it, it opens.
#[test]
fn a_second_case_of_a_village_in_a_year_is_refused_in_the_form() {
    let (_d, mut app) = app();
    press(
        &mut app,
        "/ 2017-YG-003 <Enter> n 前进村 <Tab> <Space> <C-s>",
    );
    let f = app.app.form().expect("the form stays open");
    let e = f.error.clone().unwrap_or_default();
    assert!(e.contains("2017-YG-003"), "{e}");
    assert_eq!(f.fields[f.focus].slot, Slot::Data(Field::Village));
    assert!(app.ledger.case("2017-YG-008").is_err(), "nothing written");
    for _ in 0..4 {
        press(&mut app, "<Tab>");
    }
    assert_eq!(
        app.app.form().unwrap().fields[app.app.form().unwrap().focus].slot,
        Slot::Data(Field::RelapseOf)
    );
    press(&mut app, "2017-YG-003 <C-s>");
    assert!(
        app.app.form().is_none(),
        "{:?}",
        app.app.form().and_then(|f| f.error.clone())
    );
    let case = app.ledger.case("2017-YG-008").unwrap();
    assert_eq!(case.relapse_of.as_deref(), Some("2017-YG-003"));
}
