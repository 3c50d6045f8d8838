//! The ledger list: only the rows on screen are formatted, so a frame costs the same for
//! ten cases or a hundred thousand.

use chrono::{Datelike, NaiveDate};
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::{bar, dim, hints_or_message, overdue_style, put, title_style};
use crate::domain::{DueState, DueStatus, Field as CaseField, Stage};
use crate::i18n::{self, Label, Lang, Text};
use crate::listing::Sort;
use crate::search::Field;
use crate::text;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Mode;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Id,
    County,
    Township,
    Village,
    Stage,
    Leader,
    Due,
    LastVisit,
}

/// (column, base width, most it grows to). Dropped from the end of `DROP_ORDER` first
/// when the terminal is narrow.
const COLS: [(Col, usize, usize); 8] = [
    (Col::Id, 12, 12),
    (Col::County, 8, 12),
    (Col::Township, 8, 14),
    (Col::Village, 8, 20),
    (Col::Stage, 8, 8),
    (Col::Leader, 6, 10),
    (Col::Due, 15, 18),
    (Col::LastVisit, 5, 8),
];
const DROP_ORDER: [Col; 4] = [Col::LastVisit, Col::County, Col::Leader, Col::Stage];
const GROW_ORDER: [Col; 5] = [
    Col::Village,
    Col::Township,
    Col::County,
    Col::Leader,
    Col::LastVisit,
];

/// The columns that fit in `width` cells, with their widths (one space between columns).
/// The id column is `id_width` wide: ids are told apart by their ends. The due column is
/// at least `due_width` wide, so that no due text of the list is cut.
fn layout(width: usize, id_width: usize, due_width: usize) -> Vec<(Col, usize)> {
    let mut cols: Vec<(Col, usize, usize)> = COLS.to_vec();
    for c in cols.iter_mut() {
        match c.0 {
            Col::Id => c.1 = id_width,
            Col::Due => (c.1, c.2) = (c.1.max(due_width), c.2.max(due_width)),
            _ => {}
        }
    }
    let total = |c: &[(Col, usize, usize)]| {
        c.iter().map(|x| x.1).sum::<usize>() + c.len().saturating_sub(1)
    };
    for drop in DROP_ORDER {
        if total(&cols) <= width {
            break;
        }
        cols.retain(|c| c.0 != drop);
    }
    let mut spare = width.saturating_sub(total(&cols));
    while spare > 0 {
        let mut grew = false;
        for g in GROW_ORDER {
            if let Some(c) = cols.iter_mut().find(|c| c.0 == g && c.1 < c.2) {
                if spare > 0 {
                    c.1 += 1;
                    spare -= 1;
                    grew = true;
                }
            }
        }
        if !grew {
            break;
        }
    }
    cols.into_iter().map(|c| (c.0, c.1)).collect()
}

fn header(col: Col, lang: Lang) -> &'static str {
    match col {
        Col::Id => CaseField::Id.label(lang),
        Col::County => Text::ListColCounty.get(lang),
        Col::Township => Text::ListColTownship.get(lang),
        Col::Village => CaseField::Village.label(lang),
        Col::Stage => CaseField::Stage.label(lang),
        Col::Leader => Text::ListColLeader.get(lang),
        Col::Due => Text::ListColDue.get(lang),
        Col::LastVisit => Text::ListColLastVisit.get(lang),
    }
}

/// "due date, days left or overdue", and whether it is overdue.
pub fn due_text(stage: Stage, due: &DueStatus, today: NaiveDate, lang: Lang) -> (String, bool) {
    let shown = DueState::of(stage, due, today);
    (i18n::due_text(lang, shown, today), shown.overdue())
}

/// Cells the widest [`due_text`] of `cases` takes. One text of each shape is formatted,
/// whatever the number of cases.
pub fn due_width<'a>(
    cases: impl Iterator<Item = (Stage, &'a DueStatus)>,
    today: NaiveDate,
    lang: Lang,
) -> usize {
    // a handful of shapes at most: a list beats hashing 100,000 times
    let mut seen = Vec::new();
    let mut widest = 0;
    for (stage, due) in cases {
        let shown = DueState::of(stage, due, today);
        let shape = shown.shape(today);
        if !seen.contains(&shape) {
            seen.push(shape);
            widest = widest.max(text::width(&i18n::due_text(lang, shown, today)));
        }
    }
    widest
}

pub fn sort_label(sort: Sort, lang: Lang) -> &'static str {
    let key = match sort {
        Sort::MostOverdue => Text::SortMostOverdue,
        Sort::Due => Text::SortDue,
        Sort::Township => Text::SortTownship,
        Sort::Stage => Text::SortStage,
    };
    i18n::t(lang, key)
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let lang = app.lang;
    let w = area.width;
    let title = i18n::msg::title(lang, app.ctx.today, &app.ctx.actor);
    put(frame, area, 0, bar(&title, w, title_style()));

    let cols = layout(w as usize, app.id_width, app.due_width);
    let mut head = Vec::new();
    for (i, (c, cw)) in cols.iter().enumerate() {
        if i > 0 {
            head.push(Span::raw(" "));
        }
        head.push(Span::raw(text::pad(header(*c, lang), *cw)));
    }
    put(
        frame,
        area,
        1,
        Line::from(head).style(Style::new().add_modifier(Modifier::BOLD)),
    );

    let height = (area.height as usize).saturating_sub(4);
    if app.rows.is_empty() {
        put(
            frame,
            area,
            2,
            Line::from(Span::styled(
                text::truncate(
                    i18n::t(
                        lang,
                        if app.summaries.is_empty() {
                            Text::EmptyLedger
                        } else {
                            Text::Empty
                        },
                    ),
                    w as usize,
                ),
                dim(),
            )),
        );
    }
    let shown = app.rows.iter().enumerate().skip(app.offset).take(height);
    for (y, (pos, &i)) in shown.enumerate() {
        if let Some(line) = row(app, i, &cols, pos == app.selected) {
            put(frame, area, 2 + y as u16, line);
        }
    }

    put(frame, area, area.height - 2, status_bar(app, w));
    let bottom = area.height - 1;
    // While typing, the line is the query; after Enter a message (a refusal, "saved") has it.
    if app.searching() || (!app.query.is_empty() && app.message.is_none()) {
        let prompt = format!("/{}", app.query);
        let shown = text::truncate(&prompt, w.saturating_sub(1) as usize);
        put(
            frame,
            area,
            bottom,
            Line::from(Span::raw(text::pad(&shown, w as usize))),
        );
        if app.searching() {
            let x = (text::width(&shown) as u16).min(w - 1);
            frame.set_cursor_position(Position::new(area.x + x, area.y + bottom));
        }
    } else {
        const KEYS: [Action; 8] = [
            Action::Open,
            Action::Search,
            Action::ToggleOverdue,
            Action::ToggleMine,
            Action::Visit,
            Action::Advance,
            Action::Help,
            Action::Quit,
        ];
        put(
            frame,
            area,
            bottom,
            hints_or_message(app, Mode::List, &KEYS, w),
        );
    }
}

/// The line of case `i`; none for an index that names no case (rows are made from
/// `summaries`, with one due status each, so there always is one).
fn row(app: &App, i: usize, cols: &[(Col, usize)], selected: bool) -> Option<Line<'static>> {
    let case = app.summaries.get(i)?;
    let due = app.due.get(i)?;
    let lang = app.lang;
    let base = if selected {
        Style::new().bg(Color::Blue).fg(Color::White)
    } else if case.stage() == Stage::Accepted {
        dim()
    } else {
        Style::new()
    };
    let marks = app.highlights(i);
    let marked = |f: Field| {
        marks
            .iter()
            .find(|(g, _)| *g == f)
            .map(|(_, m)| m.as_slice())
    };
    let mut spans = Vec::with_capacity(cols.len() * 2);
    for (n, (c, cw)) in cols.iter().enumerate() {
        if n > 0 {
            spans.push(Span::styled(" ", base));
        }
        let field = match c {
            Col::Id => Some(Field::Id),
            Col::County => Some(Field::County),
            Col::Township => Some(Field::Township),
            Col::Village => Some(Field::Village),
            Col::Leader => Some(Field::CountyLeader),
            _ => None,
        };
        if let Some(m) = field.and_then(marked) {
            let s = field.map(|f| f.of(case)).unwrap_or_default();
            spans.extend(highlighted(s, *cw, m, base));
            continue;
        }
        let (s, style) = match c {
            Col::Id => (case.id().to_string(), base),
            Col::County => (case.county().to_string(), base),
            Col::Township => (case.township().to_string(), base),
            Col::Village => (case.village().to_string(), base),
            Col::Stage => (case.stage().label(lang).to_string(), base),
            Col::Leader => (case.county_leader().to_string(), base),
            Col::Due => {
                let (s, overdue) = due_text(case.stage(), due, app.ctx.today, lang);
                (
                    s,
                    if overdue {
                        base.patch(overdue_style())
                    } else {
                        base
                    },
                )
            }
            Col::LastVisit => (
                // The column is five cells: a visit in another year shows its year alone.
                case.last_visit
                    .map(|v| match v.year() == app.ctx.today.year() {
                        true => v.format("%m-%d").to_string(),
                        false => v.year().to_string(),
                    })
                    .unwrap_or_else(|| "—".into()),
                base,
            ),
        };
        spans.push(Span::styled(text::pad(&s, *cw), style));
    }
    Some(Line::from(spans))
}

/// How matched chars look: the row's style, underlined, bold and yellow.
fn match_style(base: Style) -> Style {
    base.fg(Color::Yellow)
        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}

/// `s` padded to `cells` cells like [`text::pad`], its chars at `marked` (char indices into
/// the whole of `s`) drawn in [`match_style`]. A mark on a char cut off by the truncation
/// marks nothing (the `…` stays plain), so the cell is never wider than `cells`.
fn highlighted(s: &str, cells: usize, marked: &[usize], base: Style) -> Vec<Span<'static>> {
    let shown = text::pad(s, cells);
    // `clean` keeps one char per char, so indices hold; `truncate` keeps a prefix and
    // adds `…` when it cuts.
    let kept = if text::width(s) > cells {
        text::truncate(s, cells).chars().count().saturating_sub(1)
    } else {
        s.chars().count()
    };
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut run_marked = false;
    for (k, ch) in shown.chars().enumerate() {
        let m = k < kept && marked.binary_search(&k).is_ok();
        if m != run_marked && !run.is_empty() {
            let style = if run_marked { match_style(base) } else { base };
            spans.push(Span::styled(std::mem::take(&mut run), style));
        }
        run_marked = m;
        run.push(ch);
    }
    if !run.is_empty() {
        let style = if run_marked { match_style(base) } else { base };
        spans.push(Span::styled(run, style));
    }
    spans
}

fn status_bar(app: &App, w: u16) -> Line<'static> {
    let lang = app.lang;
    let mut parts = vec![i18n::msg::counts(
        lang,
        app.rows.len(),
        app.summaries.len(),
        app.rows_overdue,
    )];
    if let Some(count) = app.to_sync {
        parts.push(i18n::field::to_sync(lang, count));
    }
    let f = &app.prefs.filter;
    let mut active = Vec::new();
    if f.overdue {
        active.push(i18n::t(lang, Text::FilterOverdue).to_string());
    }
    if app.prefs.mine {
        active.push(i18n::msg::filter_mine(lang, &app.ctx.actor));
    } else if let Some(l) = &f.leader {
        active.push(i18n::msg::filter_leader(lang, l));
    }
    if let Some(s) = f.stage {
        active.push(s.label(lang).to_string());
    }
    match (&f.county, &f.township) {
        (Some(c), Some(t)) => active.push(format!("{c}/{t}")),
        (Some(c), None) => active.push(c.clone()),
        _ => {}
    }
    if !app.query.is_empty() {
        active.push(format!("/{}", app.query));
    }
    if !active.is_empty() {
        parts.push(format!(
            "{}{}",
            i18n::t(lang, Text::Filters),
            active.join(" · ")
        ));
    }
    let sort = if app.query_active() {
        i18n::t(lang, Text::SortRelevance)
    } else {
        sort_label(app.prefs.sort, lang)
    };
    parts.push(format!("{}{}", i18n::t(lang, Text::Sort), sort));
    bar(
        &parts.join(" │ "),
        w,
        Style::new().bg(Color::DarkGray).fg(Color::White),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fill_the_width_exactly_when_they_can() {
        for w in [60usize, 80, 100, 120, 200] {
            let cols = layout(w, 12, 15);
            let total: usize = cols.iter().map(|c| c.1).sum::<usize>() + cols.len() - 1;
            assert!(total <= w, "{w}: {total}");
        }
        assert_eq!(layout(80, 12, 15).len(), 8);
        assert!(layout(60, 12, 15).len() < 8);
        // a ledger with longer ids gets a wider id column, and still every column at 80
        let wide = layout(80, 14, 15);
        assert!(wide.len() == 8 && wide[0].0 == Col::Id && wide[0].1 == 14);
        // a due text wider than the column's base width widens it; the last visit goes first
        let due = layout(80, 13, 19);
        assert!(due.contains(&(Col::Due, 19)));
        assert!(!due.iter().any(|c| c.0 == Col::LastVisit));
    }

    #[test]
    fn the_due_column_is_as_wide_as_its_widest_text() {
        let today = NaiveDate::from_ymd_opt(2019, 1, 10).unwrap();
        let due = |y, m, d, days_overdue| DueStatus {
            next_due: NaiveDate::from_ymd_opt(y, m, d),
            days_overdue,
        };
        let (late, soon) = (due(2017, 6, 5, 584), due(2019, 2, 1, 0));
        let cases = [(Stage::Paired, &soon), (Stage::Paired, &late)];
        // "17-06-05 逾期584天" and "17-06-05 584d late"
        assert_eq!(due_width(cases.into_iter(), today, Lang::Zh), 18);
        assert_eq!(due_width(cases.into_iter(), today, Lang::En), 18);
        // "02-01 剩22天"
        assert_eq!(due_width(cases[..1].iter().copied(), today, Lang::Zh), 12);
        // a date passed but not overdue (a status from another day): "01-05 剩-5天" is wider
        // than "01-15 剩5天"
        let (ahead, passed) = (due(2019, 1, 15, 0), due(2019, 1, 5, 0));
        let both = [(Stage::Paired, &ahead), (Stage::Paired, &passed)];
        assert_eq!(due_width(both.into_iter(), today, Lang::Zh), 12);
        assert_eq!(due_width(std::iter::empty(), today, Lang::Zh), 0);
    }

    #[test]
    fn highlighted_cells_keep_their_width_and_mark_only_what_is_shown() {
        let base = Style::new();
        let spans_text = |v: &[Span]| v.iter().map(|s| s.content.to_string()).collect::<String>();
        let marked_text = |v: &[Span]| {
            v.iter()
                .filter(|s| s.style == match_style(base))
                .map(|s| s.content.to_string())
                .collect::<String>()
        };
        // fits: the marked chars, nothing else
        let v = highlighted("前进村", 8, &[0, 1], base);
        assert_eq!(spans_text(&v), "前进村  ");
        assert_eq!(marked_text(&v), "前进");
        // cut: a mark on a char that is cut off marks nothing, the ellipsis stays plain
        let v = highlighted("博济桥街道", 8, &[2, 3, 4], base);
        assert_eq!(spans_text(&v), "博济桥… ");
        assert_eq!(marked_text(&v), "桥");
        for cells in 0..12 {
            for s in ["前进村", "2017-YG-003", "博济桥街道", "a\u{1b}[31mb"] {
                let n = s.chars().count();
                let all: Vec<usize> = (0..n + 3).collect();
                let v = highlighted(s, cells, &all, base);
                assert_eq!(
                    text::width(&spans_text(&v)),
                    text::width(&text::pad(s, cells))
                );
                assert!(!marked_text(&v).contains('…'));
            }
        }
    }
}
