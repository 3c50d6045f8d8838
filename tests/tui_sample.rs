//! The TUI on the shipped sample ledger: snapshots at 80×24 and 120×40, and the dashboard.

mod common;

use common::tui::*;
use zhengdun::tui::keymap::Mode;

#[test]
fn sample_list_80x24_and_120x40() {
    let (_d, mut app) = sample_app("刘文梅");
    insta::assert_snapshot!("sample_list_80x24", screen(&mut app, 80, 24));
    insta::assert_snapshot!("sample_list_120x40", screen(&mut app, 120, 40));
    press(&mut app, "m o");
    insta::assert_snapshot!("sample_mine_overdue_80x24", screen(&mut app, 80, 24));
}

#[test]
fn sample_detail_and_visit_form_80x24() {
    let (_d, mut app) = sample_app("刘文梅");
    press(&mut app, "<Enter>");
    insta::assert_snapshot!("sample_detail_80x24", screen(&mut app, 80, 24));
    press(&mut app, "<Tab> <Tab>");
    insta::assert_snapshot!("sample_detail_tasks_80x24", screen(&mut app, 80, 24));
    press(&mut app, "v 村务公开栏已更新，账目已清理");
    insta::assert_snapshot!("sample_visit_form_80x24", screen(&mut app, 80, 24));
}

#[test]
fn dashboard_80x24_120x40_and_enter_filters_the_ledger() {
    let (_d, mut app) = sample_app("刘文梅");
    press(&mut app, "d");
    assert_eq!(app.app.mode(), Mode::Dashboard);
    let dash = app.app.dashboard().unwrap();
    assert!(dash
        .stats
        .accountability
        .townships
        .iter()
        .any(|t| t.talk_flagged));
    insta::assert_snapshot!("sample_dashboard_80x24", screen(&mut app, 80, 24));
    insta::assert_snapshot!("sample_dashboard_120x40", screen(&mut app, 120, 40));

    // Enter on the first township opens the ledger filtered to it
    let first = app.app.dashboard().unwrap().stats.accountability.townships[0].clone();
    press(&mut app, "<Enter>");
    assert_eq!(app.app.mode(), Mode::List);
    assert_eq!(
        app.app.rows.len(),
        app.app
            .rows
            .iter()
            .filter(|&&i| app.app.summaries[i].township() == first.township)
            .count()
    );
    assert!(app.app.rows_overdue >= first.overdue);

    // Enter on a leader without a recent visit opens that leader's cases
    press(&mut app, "d G");
    let leader = app
        .app
        .dashboard()
        .unwrap()
        .stats
        .accountability
        .unvisited_leaders
        .last()
        .unwrap()
        .clone();
    press(&mut app, "<Enter>");
    assert_eq!(app.app.rows.len(), leader.cases.len());
    let s = screen(&mut app, 80, 24);
    assert!(s.contains(&leader.leader), "{s}");
    press(&mut app, "F d <Esc>");
    assert_eq!(app.app.mode(), Mode::List);
    assert_eq!(app.app.rows.len(), app.app.summaries.len());
}

#[test]
fn sample_screens_fit_every_size() {
    let (_d, mut app) = sample_app("刘文梅");
    for script in [
        "",
        "d",
        "d G",
        "<Enter>",
        "<Enter> <S-Tab>",
        "<Enter> a",
        "?",
    ] {
        let (_d2, mut a) = sample_app("刘文梅");
        press(&mut a, script);
        for (w, h) in [(80, 24), (60, 18), (45, 12), (120, 40), (200, 60)] {
            for line in screen(&mut a, w, h).lines() {
                assert!(
                    zhengdun::text::width(line) <= w as usize,
                    "{script} {w}x{h}: {line}"
                );
            }
        }
    }
    let _ = screen(&mut app, 80, 24);
}
