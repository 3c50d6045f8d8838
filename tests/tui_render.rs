//! Rendering: snapshots at 80×24 and 120×40 on Chinese data, and checks that nothing
//! overflows, misaligns or panics at any size, with hostile data too.

mod common;

use common::tui::*;
use zhengdun::i18n::Lang;
use zhengdun::text;
use zhengdun::tui::keymap::Keymap;

#[test]
fn list_80x24() {
    let (_d, mut app) = app();
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}

#[test]
fn list_overdue_mine_120x40() {
    let (_d, mut app) = app();
    press(&mut app, "o m");
    insta::assert_snapshot!(screen(&mut app, 120, 40));
}

#[test]
fn list_english_80x24() {
    let (_d, mut app) = app_with(Lang::En, Keymap::default_keys().unwrap());
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}

#[test]
fn search_by_initials_80x24() {
    let (_d, mut app) = app();
    press(&mut app, "/ yyhc");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("/yyhc"));
    insta::assert_snapshot!(s);
}

#[test]
fn detail_tabs_80x24() {
    let (_d, mut app) = app();
    press(&mut app, "/ 2017-YG-003 <Enter> <Enter>");
    insta::assert_snapshot!("detail_overview_80x24", screen(&mut app, 80, 24));
    press(&mut app, "<Tab>");
    insta::assert_snapshot!("detail_pairing_80x24", screen(&mut app, 80, 24));
    press(&mut app, "<Tab> <Tab> <Tab>");
    insta::assert_snapshot!("detail_visits_80x24", screen(&mut app, 80, 24));
}

#[test]
fn detail_acceptance_and_history_120x40() {
    let (_d, mut app) = app();
    press(&mut app, "/ 2017-DE-009 <Enter> <Enter> <S-Tab> <S-Tab>");
    insta::assert_snapshot!("detail_acceptance_120x40", screen(&mut app, 120, 40));
    press(&mut app, "<Tab>");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("导入"), "{s}");
}

#[test]
fn visit_form_with_chinese_80x24() {
    let (_d, mut app) = app();
    press(&mut app, "v 村里新修了活动场所，党员大会按时召开");
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}

#[test]
fn pairing_refusal_in_place_80x24() {
    let (_d, mut app) = app();
    press(&mut app, "/ 2017-YG-007 <Enter> a 王建国 <C-s>");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("包联未完成"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn acceptance_form_small_terminal_60x18() {
    let (_d, mut app) = app();
    press(&mut app, "/ 2017-DE-002 <Enter> a");
    insta::assert_snapshot!(screen(&mut app, 60, 18));
}

#[test]
fn help_80x24() {
    let (_d, mut app) = app();
    press(&mut app, "?");
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}

/// Every line of every screen fits its width in cells, at sizes from tiny to wide, in
/// every mode, and the terminal cursor stays inside the screen.
#[test]
fn nothing_overflows_or_panics_at_any_size() {
    let (_d, mut app) = app();
    let scripts = [
        "",
        "o",
        "<Enter>",
        "<Enter> <Tab> <Tab> <Tab> <Tab>",
        "v 很长的发现问题描述很长的发现问题描述很长的发现问题描述",
        "a",
        "?",
        "c",
        "/ qian",
        "<Enter> e",
        "n",
        "/ 2017-DE-002 <Enter> <Enter> b",
        "/ 2017-DE-002 <Enter> <Enter> y 90 <Tab> 40 <Tab> 1",
        "v 村里新修了活动场所，党员大会按时召开，群众反映较好。村里新修了活动场所，党员大会按时召开，群众反映较好。村里新修了活动场所，党员大会按时召开，群众反映较好。村里新修了活动场所，党员大会按时召开。",
    ];
    for script in scripts {
        let (_d2, mut app2) = app_with(Lang::Zh, Keymap::default_keys().unwrap());
        press(&mut app2, script);
        for (w, h) in [
            (80, 24),
            (60, 18),
            (40, 10),
            (20, 6),
            (10, 3),
            (120, 40),
            (81, 25),
            (1, 1),
        ] {
            let s = screen(&mut app2, w, h);
            for line in s.lines() {
                assert!(
                    text::width(line) <= w as usize,
                    "{script:?} at {w}x{h}: {line:?}"
                );
            }
            let mut b = draw(&mut app2, w, h);
            let at = ratatui::backend::Backend::get_cursor_position(&mut b).unwrap();
            assert!(
                at.x < w.max(1) && at.y < h.max(1),
                "{script:?} at {w}x{h}: the cursor at {at:?}"
            );
        }
    }
    let _ = screen(&mut app, 80, 24);
}

/// Control characters and escape sequences in the data never reach the terminal.
#[test]
fn hostile_data_is_neutralised() {
    let mut cases = cases();
    cases[0].village = "前\x1b[2J进村".into();
    cases[0].visits[0].findings = "红字\x1b[31m攻击\x07\n第二行\r回车".into();
    cases[0].visits[0].by = "王\x1b]0;title\x07建国".into();
    let (_d, mut app) = app_with_cases(cases);
    for script in ["", "/ 2017-YG-003 <Enter> <Enter> <Tab> <Tab> <Tab> <Tab>"] {
        press(&mut app, script);
        let b = draw(&mut app, 80, 24);
        for cell in b.buffer().content() {
            assert!(
                !cell.symbol().chars().any(|c| c.is_control()),
                "{script}: {:?}",
                cell.symbol()
            );
        }
    }
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("红字") && s.contains("攻击"), "{s}");
}

/// Overdue due dates are red; others are not.
#[test]
fn overdue_is_red() {
    use ratatui::style::Color;
    let (_d, mut app) = app();
    let b = draw(&mut app, 80, 24);
    let buf = b.buffer();
    let text = screen(&mut app, 80, 24);
    let lines: Vec<&str> = text.lines().collect();
    let colour_of = |row: usize, needle: &str| {
        let before = &lines[row][..lines[row].find(needle).unwrap()];
        let x = zhengdun::text::width(before) as u16;
        buf[(x, row as u16)].fg
    };
    let overdue_row = lines.iter().position(|l| l.contains("逾期157天")).unwrap();
    assert_eq!(colour_of(overdue_row, "逾期"), Color::Red);
    let ok_row = lines.iter().position(|l| l.contains("剩14天")).unwrap();
    assert_ne!(colour_of(ok_row, "剩"), Color::Red);
}

/// After a resize the selected row is still on screen.
#[test]
fn the_selection_stays_visible_when_the_terminal_shrinks() {
    let (_d, mut app) = app();
    press(&mut app, "G");
    let last = app.app.summaries[*app.app.rows.last().unwrap()]
        .id()
        .to_string();
    assert!(screen(&mut app, 80, 24).contains(&last));
    assert!(screen(&mut app, 60, 7).contains(&last));
    press(&mut app, "g");
    let first = app.app.summaries[app.app.rows[0]].id().to_string();
    assert!(screen(&mut app, 60, 7).contains(&first));
}

/// While a query is active, the matched characters of the village, township, county,
/// leader and id cells are underlined, and the best match comes first.
#[test]
fn search_highlights_pinyin_80x24() {
    let (_d, mut app) = app();
    press(&mut app, "/ qianjin");
    let s = screen_with_marks(&mut app, 80, 24);
    let lines: Vec<&str> = s.lines().collect();
    assert!(lines[2].contains("前进村"), "{s}");
    // 前进 marked (two wide chars = four cells), 村 not
    let at = text::width(&lines[2][..lines[2].find("前进村").unwrap()]);
    assert_eq!(&lines[3][at..], "^^^^", "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn search_highlights_chinese_and_leader_80x24() {
    let (_d, mut app) = app();
    press(&mut app, "/ 王");
    insta::assert_snapshot!(
        "search_highlights_wang_80x24",
        screen_with_marks(&mut app, 80, 24)
    );
    press(&mut app, "<Esc> / yg");
    insta::assert_snapshot!(
        "search_highlights_initials_80x24",
        screen_with_marks(&mut app, 80, 24)
    );
}

/// A highlight on a char cut off by truncation marks nothing, and no cell grows.
#[test]
fn highlights_survive_truncation() {
    let mut cases = cases();
    cases[0].village = "前进前进前进前进前进前进前进前进村".into();
    let (_d, mut app) = app_with_cases(cases);
    press(
        &mut app,
        "/ qianjinqianjinqianjinqianjinqianjinqianjinqianjinqianjincun",
    );
    for (w, h) in [(80, 24), (60, 10), (200, 60)] {
        let s = screen_with_marks(&mut app, w, h);
        let lines: Vec<&str> = s.lines().collect();
        let row = lines.iter().position(|l| l.contains("前进前进")).unwrap();
        assert!(lines[row].contains('…'), "{s}");
        let marks = lines[row + 1];
        assert!(marks.contains('^'), "{s}");
        // the marks end where the ellipsis begins
        let ellipsis = text::width(&lines[row][..lines[row].find('…').unwrap()]);
        assert!(marks.trim_end().len() <= ellipsis, "{s}");
        for l in &lines {
            assert!(text::width(l) <= w as usize, "{s}");
        }
    }
}

#[test]
fn edit_form_on_the_overview_80x24() {
    let (_d, mut app) = app();
    press(
        &mut app,
        "/ 2017-YG-003 <Enter> <Enter> e <Tab> <Tab> <Tab>",
    );
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("修改基本情况") && s.contains("2/14 "), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn new_case_form_80x24() {
    let (_d, mut app) = app();
    press(&mut app, "/ 2017-YG-003 <Enter> n 后河村 <C-s>");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("2017-YG-008") && s.contains("情形"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn acceptance_form_with_its_verdict_80x24() {
    let (_d, mut app) = app();
    press(
        &mut app,
        "/ 2017-DE-002 <Enter> <Enter> y 90 <Tab> 40 <Tab> 1 <Tab> <Space>",
    );
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("验收结论：基本合格"), "{s}");
    insta::assert_snapshot!(s);
}

/// A long finding wraps inside the field, growing it downwards: every character typed is
/// on screen, and the terminal's cursor (where an input method shows its candidates) is
/// just after the last one, counted in cells.
#[test]
fn long_findings_wrap_in_the_field_with_the_cursor_after_the_text() {
    let findings = "村里新修了活动场所，党员大会按时召开，群众反映较好；集体经济项目已经立项，下一步落实资金。";
    for (w, h) in [(80, 24), (50, 16)] {
        let (_d, mut app) = app();
        press(&mut app, &format!("v {findings}"));
        let s = screen(&mut app, w, h);
        // what is between the form's borders, row after row
        let inside: String = s
            .lines()
            .filter_map(|l| Some(l.get(l.find('│')? + 3..l.rfind('│')?)?.trim()))
            .collect();
        assert!(inside.contains(findings), "{w}x{h}:\n{s}");
        let mut b = draw(&mut app, w, h);
        let pos = ratatui::backend::Backend::get_cursor_position(&mut b).unwrap();
        let lines: Vec<&str> = s.lines().collect();
        let row = lines[pos.y as usize];
        let last = findings.chars().last().unwrap().to_string();
        let end = text::width(&row[..row.rfind(&last).unwrap()]) + 2;
        assert_eq!(pos.x as usize, end, "{w}x{h}: the cursor after 。\n{s}");
        if w == 80 {
            insta::assert_snapshot!(s);
        }
    }
}

/// A value longer than its field shows around the cursor while it is typed, and from its
/// start, cut with …, once the cursor has moved on.
#[test]
fn a_long_value_shows_from_its_start_when_left() {
    let (_d, mut app) = app();
    press(&mut app, "n 很长的村名很长的村名很长的村名末尾");
    let s = screen(&mut app, 40, 12);
    let row = s
        .lines()
        .find(|l| l.contains("▸村"))
        .unwrap_or("")
        .to_string();
    assert!(row.contains("村名末尾") && !row.contains('…'), "{s}");
    press(&mut app, "<Tab>");
    let s = screen(&mut app, 40, 12);
    let row = s
        .lines()
        .find(|l| l.contains(" 村 "))
        .unwrap_or("")
        .to_string();
    assert!(row.contains("很长的村名") && row.contains('…'), "{s}");
}
