//! The dashboard: one stacked bar of stages per county, then the accountability list.
//! Bars are drawn cell by cell with a different block character per stage, so the chart
//! reads on a monochrome terminal too.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::{bar, dim, hints_or_message, overdue_style, put, title_style};
use crate::domain::Stage;
use crate::i18n::short_date;
use crate::i18n::{self, Label, Text};
use crate::text;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::dashboard::{Dashboard, Item};
use crate::tui::keymap::Mode;

const STAGE_LOOK: [(char, Color); 4] = [
    ('░', Color::Red),
    ('▒', Color::Yellow),
    ('▓', Color::Cyan),
    ('█', Color::Green),
];

pub fn render(app: &App, d: &Dashboard, frame: &mut Frame, area: Rect) {
    let lang = app.lang;
    let w = area.width as usize;
    let s = &d.stats;
    frame.render_widget(ratatui::widgets::Clear, area);
    let title = i18n::msg::dash_title(
        lang,
        s.as_of,
        s.total.cases,
        s.total.overdue,
        s.total.cadres_adjusted,
    );
    put(frame, area, 0, bar(&title, area.width, title_style()));

    // legend
    let mut legend = Vec::new();
    for (stage, (c, color)) in Stage::ALL.iter().zip(STAGE_LOOK) {
        legend.push(Span::styled(format!("{c}{c}"), Style::new().fg(color)));
        legend.push(Span::raw(format!(
            " {} {}  ",
            stage.label(lang),
            s.total.by_stage.get(*stage)
        )));
    }
    put(frame, area, 1, Line::from(legend));

    // one bar per county; the chart takes at most half of the screen
    let chart_rows = s
        .counties
        .len()
        .min((area.height as usize).saturating_sub(4) / 2);
    let name_w = s
        .counties
        .iter()
        .map(|c| text::width(&c.county))
        .max()
        .unwrap_or(4)
        .min(10);
    // "N村" and "逾期N" after each bar, as wide as the widest (100,000 cases need more)
    let labels: Vec<(String, String)> = s
        .counties
        .iter()
        .map(|c| {
            (
                i18n::msg::dash_cases(lang, c.counts.cases),
                i18n::msg::dash_overdue(lang, c.counts.overdue),
            )
        })
        .collect();
    let widest = |f: fn(&(String, String)) -> &String, min: usize| {
        labels
            .iter()
            .map(|l| text::width(f(l)))
            .fold(min, usize::max)
    };
    // one cell between the two at least
    let (cases_w, late_w) = (widest(|l| &l.0, 5) + 1, widest(|l| &l.1, 10));
    let bar_w = w.saturating_sub(name_w + cases_w + late_w + 2);
    let most = s
        .counties
        .iter()
        .map(|c| c.counts.cases)
        .max()
        .unwrap_or(1)
        .max(1);
    for (y, (c, (cases, late))) in s.counties.iter().zip(&labels).take(chart_rows).enumerate() {
        let mut spans = vec![Span::raw(text::pad(&c.county, name_w)), Span::raw(" ")];
        let total_cells = c.counts.cases * bar_w / most;
        let mut used = 0;
        for (i, (stage, (ch, color))) in Stage::ALL.iter().zip(STAGE_LOOK).enumerate() {
            let n = c.counts.by_stage.get(*stage);
            // cumulative rounding, so the parts add up to the whole bar
            let upto: usize = Stage::ALL
                .iter()
                .take(i + 1)
                .map(|s| c.counts.by_stage.get(*s))
                .sum();
            let end = upto * total_cells / c.counts.cases.max(1);
            let cells = end.saturating_sub(used);
            used = end;
            if n > 0 && cells > 0 {
                spans.push(Span::styled(
                    ch.to_string().repeat(cells),
                    Style::new().fg(color),
                ));
            }
        }
        spans.push(Span::raw(" ".repeat(bar_w.saturating_sub(used) + 1)));
        let late_style = if c.counts.overdue > 0 {
            overdue_style()
        } else {
            dim()
        };
        spans.push(Span::raw(text::pad(cases, cases_w)));
        spans.push(Span::styled(text::pad(late, late_w), late_style));
        put(frame, area, 2 + y as u16, Line::from(spans));
    }

    // the accountability list, scrolled to keep the selection in view
    let top = 2 + chart_rows as u16 + 1;
    let list_h = (area.height as usize).saturating_sub(top as usize + 1);
    let lines = accountability_lines(app, d, w);
    let selected_line = lines
        .iter()
        .position(|(item, _)| *item == Some(d.selected))
        .unwrap_or(0);
    let first = (selected_line + 1).saturating_sub(list_h);
    let first = if selected_line < list_h { 0 } else { first };
    for (y, (_, line)) in lines.into_iter().skip(first).take(list_h).enumerate() {
        put(frame, area, top + y as u16, line);
    }

    const KEYS: [Action; 6] = [
        Action::Down,
        Action::Up,
        Action::Open,
        Action::Talk,
        Action::Back,
        Action::Help,
    ];
    // what was done (a talk recorded) or refused is said here, as on the other screens
    put(
        frame,
        area,
        area.height - 1,
        hints_or_message(app, Mode::Dashboard, &KEYS, area.width),
    );
}

/// The list's lines, each with the index of the item it shows (headers have none).
fn accountability_lines(app: &App, d: &Dashboard, w: usize) -> Vec<(Option<usize>, Line<'static>)> {
    let lang = app.lang;
    let a = &d.stats.accountability;
    let head = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
    let mut out = Vec::new();
    let title = i18n::msg::dash_townships(lang, d.stats.talk_threshold);
    out.push((
        None,
        Line::from(Span::styled(text::truncate(&title, w), head)),
    ));
    let mut leaders_started = false;
    // where the leaders' part begins: the accountability events recorded go before it
    let mut leaders_at = None;
    for (n, item) in d.items.iter().enumerate() {
        let selected = n == d.selected;
        let base = if selected {
            Style::new().bg(Color::Blue).fg(Color::White)
        } else {
            Style::new()
        };
        let row = match item {
            Item::Township(i) => {
                // Items are made from these same lists: an index names an entry of them.
                let Some(t) = a.townships.get(*i) else {
                    continue;
                };
                let flag = if t.talk_flagged {
                    format!("⚑{}", i18n::t(lang, Text::DashTalk))
                } else {
                    String::new()
                };
                let mut s = format!(
                    "{} {} {}  {}  {}",
                    text::pad(&flag, 6),
                    text::pad(&t.county, 8),
                    text::pad(&t.township, 12),
                    text::pad(&i18n::msg::dash_overdue(lang, t.overdue), 8),
                    i18n::msg::dash_longest(lang, t.max_days_overdue),
                );
                if let Some(e) = t.events.last() {
                    s.push_str("  ");
                    s.push_str(&i18n::msg::dash_held(lang, e.kind.label(lang), e.on));
                }
                let style = if t.talk_flagged && !selected {
                    overdue_style()
                } else {
                    base
                };
                Line::from(Span::styled(text::pad(&s, w), style))
            }
            Item::Leader(i) => {
                if !leaders_started {
                    leaders_started = true;
                    leaders_at = Some(out.len());
                    let title = i18n::msg::dash_leaders(lang, d.stats.visit_interval_days);
                    out.push((
                        None,
                        Line::from(Span::styled(text::truncate(&title, w), head)),
                    ));
                }
                let Some(l) = a.unvisited_leaders.get(*i) else {
                    continue;
                };
                let when = match l.last_visit {
                    None => i18n::t(lang, Text::DashNever).to_string(),
                    Some(v) => i18n::msg::dash_last(
                        lang,
                        short_date(v, d.stats.as_of),
                        l.days_without_visit,
                    ),
                };
                let villages: Vec<&str> = l.cases.iter().map(|c| c.village.as_str()).collect();
                let sep = if lang == i18n::Lang::Zh { "、" } else { ", " };
                let s = format!(
                    "{} {}  {}",
                    text::pad(&l.leader, 8),
                    text::pad(&when, 24),
                    villages.join(sep)
                );
                Line::from(Span::styled(text::pad(&s, w), base))
            }
        };
        out.push((Some(n), row));
    }
    if a.townships.is_empty() {
        leaders_at = leaders_at.map(|at| at + 1);
        out.insert(
            1,
            (
                None,
                Line::from(Span::styled(
                    i18n::t(lang, Text::Nothing).to_string(),
                    dim(),
                )),
            ),
        );
    }
    if a.unvisited_leaders.is_empty() {
        leaders_at = Some(out.len());
        let title = i18n::msg::dash_leaders(lang, d.stats.visit_interval_days);
        out.push((
            None,
            Line::from(Span::styled(text::truncate(&title, w), head)),
        ));
        out.push((
            None,
            Line::from(Span::styled(
                i18n::t(lang, Text::Nothing).to_string(),
                dim(),
            )),
        ));
    }
    let at = leaders_at.unwrap_or(out.len()).min(out.len());
    let events = event_lines(app, d, w, head);
    out.splice(at..at, events);
    out
}

/// The accountability events recorded (约谈, 诫勉, 问责), the latest first: a title and a line
/// each, the first few only.
fn event_lines(
    app: &App,
    d: &Dashboard,
    w: usize,
    head: Style,
) -> Vec<(Option<usize>, Line<'static>)> {
    const SHOWN: usize = 4;
    let lang = app.lang;
    let events = &d.stats.accountability.events;
    let title = i18n::msg::dash_events(lang, events.len());
    let mut out = vec![(
        None,
        Line::from(Span::styled(text::truncate(&title, w), head)),
    )];
    if events.is_empty() {
        out.push((
            None,
            Line::from(Span::styled(
                i18n::t(lang, Text::Nothing).to_string(),
                dim(),
            )),
        ));
    }
    for e in events.iter().take(SHOWN) {
        let mut s = i18n::msg::history_talk(
            lang,
            short_date(e.on, d.stats.as_of),
            e.kind.label(lang),
            &e.county,
            &e.township,
            &e.person,
        );
        s.push_str(&i18n::msg::dash_event_reason(lang, &e.reason));
        out.push((None, Line::from(Span::raw(text::truncate(&s, w)))));
    }
    if events.len() > SHOWN {
        let more = i18n::msg::dash_events_more(lang, events.len() - SHOWN);
        out.push((
            None,
            Line::from(Span::styled(text::truncate(&more, w), dim())),
        ));
    }
    out
}
