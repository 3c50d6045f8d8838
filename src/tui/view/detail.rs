//! The case detail: a header, the tabs, and the tab's content, pre-wrapped in cells.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::list::due_text;
use super::{dim, hints_or_message, overdue_style, put, title_style};
use crate::domain::{Case, Field, Standard};
use crate::i18n::{self, Label, Lang, Text};
use crate::text;
use crate::tui::action::Action;
use crate::tui::app::{App, Detail, Tab};
use crate::tui::keymap::Mode;

pub fn render(app: &App, d: &Detail, frame: &mut Frame, area: Rect) {
    let lang = app.lang;
    let case = &d.full;
    let w = area.width;
    // The list's due status of the case, or worked out afresh from the case itself.
    let status = app
        .due
        .get(d.case)
        .copied()
        .unwrap_or_else(|| crate::domain::due_status(case, app.ctx.today, &app.ctx.policy));
    let (due, overdue) = due_text(case.stage, &status, app.ctx.today, lang);
    let head = format!(
        "{}  {} {} {}  [{}]  ",
        case.id,
        case.county,
        case.township,
        case.village,
        case.stage.label(lang)
    );
    let head_w = text::width(&head).min(w as usize);
    let mut spans = vec![Span::styled(text::truncate(&head, head_w), title_style())];
    let rest = (w as usize).saturating_sub(head_w);
    let due_style = if overdue {
        title_style().fg(Color::Red).add_modifier(Modifier::BOLD)
    } else {
        title_style()
    };
    spans.push(Span::styled(text::pad(&due, rest), due_style));
    put(frame, area, 0, Line::from(spans));

    // Tabs: the current one highlighted; the row scrolls so the current tab is visible.
    let mut tabs: Vec<(String, bool)> = Vec::new();
    for t in Tab::ALL {
        let label = i18n::t(lang, t.text());
        // brackets as well as colour, so the current tab shows on a monochrome terminal
        let shown = if t == d.tab {
            format!("[{label}]")
        } else {
            format!(" {label} ")
        };
        tabs.push((shown, t == d.tab));
    }
    let cur = Tab::ALL.iter().position(|t| *t == d.tab).unwrap_or(0);
    let mut first = 0;
    let fits = |from: usize| {
        tabs.iter()
            .take(cur + 1)
            .skip(from)
            .map(|t| text::width(&t.0) + 1)
            .sum::<usize>()
            <= w as usize
    };
    while first < cur && !fits(first) {
        first += 1;
    }
    let mut tab_spans = Vec::new();
    let mut used = 0;
    for (label, on) in tabs.iter().skip(first) {
        let lw = text::width(label);
        if used + lw > w as usize {
            break;
        }
        used += lw + 1;
        let style = if *on {
            Style::new()
                .bg(Color::Yellow)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(Color::Gray)
        };
        tab_spans.push(Span::styled(label.clone(), style));
        tab_spans.push(Span::raw(" "));
    }
    put(frame, area, 1, Line::from(tab_spans));

    let body_h = (area.height as usize).saturating_sub(3);
    let Body { mut lines, records } = content(app, d, case, w as usize);
    // the selected record's first line shows reversed (on a monochrome terminal too)
    if let Some(line) = records.get(d.row).and_then(|r| lines.get_mut(r.first)) {
        *line = std::mem::take(line).patch_style(Style::new().add_modifier(Modifier::REVERSED));
    }
    let scroll = d.scroll.min(lines.len().saturating_sub(body_h));
    for (y, line) in lines.into_iter().skip(scroll).take(body_h).enumerate() {
        put(frame, area, 2 + y as u16, line);
    }

    // the keys of what the tab shows first, so that they are found where they apply
    let keys: &[Action] = match d.tab {
        Tab::Overview => &[
            Action::NextTab,
            Action::Edit,
            Action::Visit,
            Action::Advance,
            Action::Reopen,
            Action::Back,
            Action::Help,
        ],
        Tab::Tasks => &[
            Action::NextTab,
            Action::Fix,
            Action::AddTask,
            Action::FinishTask,
            Action::Back,
            Action::Help,
        ],
        Tab::Adjustments => &[
            Action::NextTab,
            Action::Fix,
            Action::Adjust,
            Action::Advance,
            Action::Back,
            Action::Help,
        ],
        Tab::Visits => &[
            Action::NextTab,
            Action::Fix,
            Action::Visit,
            Action::Back,
            Action::Help,
        ],
        Tab::Acceptance => &[
            Action::NextTab,
            Action::Accept,
            Action::Advance,
            Action::Reopen,
            Action::Back,
            Action::Help,
        ],
        Tab::Pairing | Tab::History => &[
            Action::NextTab,
            Action::Visit,
            Action::Advance,
            Action::AddTask,
            Action::FinishTask,
            Action::Reopen,
            Action::Back,
            Action::Help,
        ],
    };
    put(
        frame,
        area,
        area.height - 1,
        hints_or_message(app, Mode::Detail, keys, w),
    );
}

/// `label  value`, the value wrapped under itself.
fn pair_lines(
    out: &mut Vec<Line<'static>>,
    label: &str,
    value: &str,
    label_w: usize,
    width: usize,
) {
    let value_w = width.saturating_sub(label_w + 1).max(4);
    let value = if value.trim().is_empty() {
        "—"
    } else {
        value
    };
    for (n, part) in text::wrap(value, value_w).into_iter().enumerate() {
        let l = if n == 0 {
            text::pad(label, label_w)
        } else {
            " ".repeat(label_w)
        };
        out.push(Line::from(vec![
            Span::styled(l, dim()),
            Span::raw(" "),
            Span::raw(part),
        ]));
    }
}

fn wrapped(out: &mut Vec<Line<'static>>, s: &str, indent: usize, width: usize, style: Style) {
    for part in text::wrap(s, width.saturating_sub(indent).max(4)) {
        out.push(Line::from(vec![
            Span::raw(" ".repeat(indent)),
            Span::styled(part, style),
        ]));
    }
}

fn none(out: &mut Vec<Line<'static>>, lang: Lang) {
    out.push(Line::from(Span::styled(
        i18n::t(lang, Text::Nothing).to_string(),
        dim(),
    )));
}

/// How far the detail can scroll at the app's size: its lines less the rows that show.
pub fn max_scroll(app: &App, d: &Detail) -> usize {
    let (w, h) = app.size;
    let body_h = (h as usize).saturating_sub(3);
    content(app, d, &d.full, w as usize)
        .lines
        .len()
        .saturating_sub(body_h)
}

/// One record of the tab shown (a plan task, a cadre adjustment, a visit), as j/k select
/// it and `f` corrects it: its number as recorded (from 1) and the lines it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    pub number: usize,
    pub first: usize,
    pub lines: usize,
}

/// The records of the tab shown, in the order drawn, at the app's size.
pub fn records(app: &App, d: &Detail) -> Vec<Record> {
    content(app, d, &d.full, app.size.0 as usize).records
}

/// The tab's lines, pre-wrapped, and where its records are among them.
struct Body {
    lines: Vec<Line<'static>>,
    records: Vec<Record>,
}

fn content(app: &App, d: &Detail, case: &Case, width: usize) -> Body {
    let lang = app.lang;
    let f = |field: Field| field.label(lang).to_string();
    let mut out = Vec::new();
    let mut records = Vec::new();
    let mut record = |out: &Vec<Line<'static>>, number: usize, first: usize| {
        records.push(Record {
            number,
            first,
            lines: out.len() - first,
        })
    };
    let label_w = 14.min(width / 3);
    match d.tab {
        Tab::Overview => {
            // Several Chinese labels contain 、 themselves.
            let sep = if lang == Lang::Zh { "；" } else { "; " };
            let situations: Vec<&str> = case.situations.iter().map(|s| s.label(lang)).collect();
            let rows: Vec<(String, String)> = vec![
                (f(Field::Year), case.year.to_string()),
                (f(Field::Stage), case.stage.label(lang).to_string()),
                (f(Field::IdentifiedOn), case.identified_on.to_string()),
                (f(Field::Deadline), case.effective_deadline().to_string()),
                (f(Field::CountyLeader), case.county_leader().to_string()),
                (f(Field::Situations), situations.join(sep)),
                (f(Field::Problems), case.problems.clone()),
                (
                    f(Field::ClosedOn),
                    case.closed_on.map(|d| d.to_string()).unwrap_or_default(),
                ),
                (
                    f(Field::RelapseOf),
                    case.relapse_of.clone().unwrap_or_default(),
                ),
            ];
            for (l, v) in rows {
                pair_lines(&mut out, &l, &v, label_w, width);
            }
            let open: Vec<String> = case.open_tasks().map(|(n, _)| n.to_string()).collect();
            let tasks =
                i18n::msg::task_summary(lang, case.tasks.len(), open.len(), case.visits.len());
            pair_lines(
                &mut out,
                i18n::t(lang, Text::TabTasks),
                &tasks,
                label_w,
                width,
            );
        }
        Tab::Pairing => match &case.pairing {
            None => none(&mut out, lang),
            Some(p) => {
                for (name, v) in [
                    (Field::CountyLeader, p.county_leader.clone()),
                    (Field::TownshipLeader, p.township_leader.clone()),
                    (Field::FirstSecretary, p.first_secretary.clone()),
                    (Field::FirstSecretaryUnit, p.first_secretary_unit.clone()),
                    (Field::AssistingUnit, p.assisting_unit.clone()),
                    (
                        Field::PairedOn,
                        p.paired_on.map(|d| d.to_string()).unwrap_or_default(),
                    ),
                ] {
                    pair_lines(&mut out, &f(name), &v, label_w, width);
                }
            }
        },
        Tab::Tasks => {
            if case.tasks.is_empty() {
                none(&mut out, lang);
            }
            for (n, t) in case.tasks.iter().enumerate() {
                let (state, style) = match t.done_on {
                    Some(d) => (i18n::msg::done_on(lang, d), dim()),
                    None if t.is_overdue(app.ctx.today) => {
                        (i18n::msg::task_overdue(lang, t.due), overdue_style())
                    }
                    None => (i18n::msg::task_due(lang, t.due), Style::new()),
                };
                let first = out.len();
                let head = format!("{}. {}  ", n + 1, text::clean(&t.responsible));
                let hw = text::width(&head).min(width);
                out.push(Line::from(vec![
                    Span::styled(
                        text::truncate(&head, hw),
                        Style::new().add_modifier(Modifier::BOLD),
                    ),
                    Span::styled(text::truncate(&state, width - hw), style),
                ]));
                wrapped(&mut out, &t.measure, 3, width, Style::new());
                record(&out, n + 1, first);
            }
        }
        Tab::Adjustments => {
            if case.adjustments.is_empty() {
                match &case.no_adjustment_reason {
                    Some(r) => {
                        pair_lines(&mut out, &f(Field::NoAdjustmentReason), r, label_w, width)
                    }
                    None => none(&mut out, lang),
                }
            }
            for (n, a) in case.adjustments.iter().enumerate() {
                let first = out.len();
                let s = i18n::adjustment_line(a, lang);
                wrapped(&mut out, &s, 0, width, Style::new());
                record(&out, n + 1, first);
            }
        }
        Tab::Visits => {
            if case.visits.is_empty() {
                none(&mut out, lang);
            }
            // the latest first; numbered as recorded
            let mut visits: Vec<_> = case.visits.iter().enumerate().collect();
            visits.sort_by_key(|(_, v)| std::cmp::Reverse(v.on));
            for (n, v) in visits {
                let first = out.len();
                let head = format!("{}  {}  {}", v.on, v.kind.label(lang), v.by);
                wrapped(
                    &mut out,
                    &head,
                    0,
                    width,
                    Style::new().add_modifier(Modifier::BOLD),
                );
                wrapped(&mut out, &v.findings, 2, width, Style::new());
                record(&out, n + 1, first);
            }
        }
        Tab::Acceptance => {
            if case.acceptance.is_empty() {
                none(&mut out, lang);
            }
            for (i, a) in case.acceptance.iter().enumerate() {
                let head = format!(
                    "{}  {}  {} {}  {} {}/{}  {}",
                    a.on,
                    a.by,
                    f(Field::Score),
                    a.score,
                    f(Field::PollDissatisfied),
                    a.poll_dissatisfied,
                    a.poll_n,
                    i18n::attempt_verdict(lang, case, i)
                );
                wrapped(
                    &mut out,
                    &head,
                    0,
                    width,
                    Style::new().add_modifier(Modifier::BOLD),
                );
                for (s, ok) in Standard::ALL.iter().zip(a.standards.iter()) {
                    let mark = if *ok { "✓" } else { "✗" };
                    let style = if *ok { Style::new() } else { overdue_style() };
                    wrapped(
                        &mut out,
                        &format!("{mark} {}", s.label(lang)),
                        2,
                        width,
                        style,
                    );
                }
            }
        }
        Tab::History => {
            if d.history.is_empty() {
                none(&mut out, lang);
            }
            for e in d.history.iter().rev() {
                let at = e.at.get(..16).unwrap_or(&e.at).replace('T', " ");
                let kind = i18n::change_label(lang, e.change.kind);
                let mut head = format!("{at}  {}  {kind}", e.actor);
                if e.change.from != e.change.to {
                    head.push_str(&format!(
                        "  {} → {}",
                        e.change.from.label(lang),
                        e.change.to.label(lang)
                    ));
                }
                wrapped(
                    &mut out,
                    &head,
                    0,
                    width,
                    Style::new().add_modifier(Modifier::BOLD),
                );
                if !e.change.detail.is_empty() {
                    let detail = i18n::history_detail(lang, e.change.kind, &e.change.detail);
                    wrapped(&mut out, &detail, 2, width, dim());
                }
                if !e.change.note.is_empty() {
                    wrapped(&mut out, &e.change.note, 2, width, Style::new());
                }
            }
        }
    }
    Body {
        lines: out,
        records,
    }
}
