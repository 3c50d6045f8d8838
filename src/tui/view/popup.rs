//! Popups over the screen: the form, the confirmation, the county/township picker and the
//! help overlay. Each clears its rectangle first, so nothing of the screen shows through.

use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};
use ratatui::Frame;

use super::{centred, dim, hints, overdue_style, put};
use crate::i18n;
use crate::i18n::Text;
use crate::text;
use crate::tui::action::Action;
use crate::tui::app::{App, Confirm, Help, Picker};
use crate::tui::form::{Form, Value};
use crate::tui::keymap::Mode;

/// Clears `r`, draws a border with `title`, and returns the inner area.
fn frame_box(frame: &mut Frame, r: Rect, title: &str) -> Rect {
    frame.render_widget(Clear, r);
    // A wide character just left of the box would cover its left border: blank it.
    let buf = frame.buffer_mut();
    if r.x > buf.area.x {
        for y in r.top()..r.bottom().min(buf.area.bottom()) {
            let cell = &mut buf[(r.x - 1, y)];
            if text::width(cell.symbol()) > 1 {
                cell.set_symbol(" ");
            }
        }
    }
    let title = text::truncate(title, r.width.saturating_sub(4) as usize);
    let block = Block::bordered()
        .title(format!(" {title} "))
        .border_style(Style::new().fg(Color::Cyan));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    inner
}

/// The part of a text field's value that is shown in `avail` cells, keeping the cursor in
/// view, and the cursor's cell offset within it.
fn window(value: &str, cursor: usize, avail: usize) -> (String, usize) {
    let clean = text::clean(value);
    let chars: Vec<char> = clean.chars().collect();
    let avail = avail.max(2);
    let cursor = cursor.min(chars.len());
    if text::width(&clean) < avail {
        let before: String = chars.iter().take(cursor).collect();
        return (clean, text::width(&before));
    }
    // Walk back from the cursor while the text fits, leaving a cell for the cursor.
    let mut start = cursor;
    let mut w = 0;
    for c in chars.iter().take(cursor).rev() {
        let cw = text::width(&c.to_string());
        if w + cw > avail - 1 {
            break;
        }
        w += cw;
        start -= 1;
    }
    let shown: String = chars.iter().skip(start).collect();
    (text::truncate(&shown, avail), w)
}

/// Rows a multi-line text field may grow to before it scrolls within itself.
const MULTILINE_ROWS: usize = 6;
/// Rows the options checked of a list of several may take.
const SEVERAL_ROWS: usize = 3;

/// One input as drawn: its value's rows (already fitted to the value's width) and, when
/// focused on a text, the cursor's (row, cell) among them.
struct Drawn {
    rows: Vec<String>,
    cursor: Option<(usize, usize)>,
}

fn several_line(options: &[(crate::tui::form::Pick, String)], chosen: &[bool], i: usize) -> String {
    let mark = if chosen.get(i).copied().unwrap_or(false) {
        "[x]"
    } else {
        "[ ]"
    };
    let label = options.get(i).map(|o| o.1.as_str()).unwrap_or("");
    let n = chosen.iter().filter(|c| **c).count();
    format!("‹{mark} {label}› {}/{}", n, options.len())
}

/// The rows input `field` takes at `value_w` cells.
fn drawn(field: &crate::tui::form::Input, focused: bool, value_w: usize) -> Drawn {
    let wrap_at_most = |s: &str, max: usize| {
        let mut rows = text::wrap(s, value_w);
        if rows.len() > max {
            rows.truncate(max);
            if let Some(last) = rows.last_mut() {
                *last = text::truncate(&format!("{last}…"), value_w);
            }
        }
        rows
    };
    match &field.value {
        Value::Text { text: t, cursor } if field.multiline => {
            let (rows, at) = crate::tui::input::wrapped(t, *cursor, value_w);
            let rows = if rows.len() < 2 {
                vec![rows.into_iter().next().unwrap_or_default(), String::new()]
            } else {
                rows
            };
            Drawn {
                rows,
                cursor: focused.then_some(at),
            }
        }
        // a long value shows from its start (with …), and around the cursor while typed
        Value::Text { text: t, .. } if !focused => Drawn {
            rows: vec![text::truncate(t, value_w)],
            cursor: None,
        },
        Value::Text { text: t, cursor } => {
            let (s, c) = window(t, *cursor, value_w);
            Drawn {
                rows: vec![s],
                cursor: Some((0, c)),
            }
        }
        Value::Choice { .. } => Drawn {
            // a long option (a voided case with its reason) shows from its start
            rows: vec![format!(
                "‹ {} ›",
                text::truncate(&field.value.display(), value_w.saturating_sub(4))
            )],
            cursor: None,
        },
        Value::Several {
            options,
            chosen,
            index,
        } => {
            let shown = field.value.display();
            let shown = if shown.is_empty() {
                "—".to_string()
            } else {
                shown
            };
            let mut rows = Vec::new();
            if focused {
                rows.push(several_line(options, chosen, *index));
            }
            rows.extend(wrap_at_most(&shown, SEVERAL_ROWS));
            Drawn { rows, cursor: None }
        }
    }
}

pub fn form(app: &App, f: &Form, frame: &mut Frame, area: Rect) {
    let lang = app.lang;
    let width = area.width.saturating_sub(4).clamp(20, 76);
    let inner_w = width.saturating_sub(2) as usize;
    let vis = f.visible_fields();
    let label_w = vis
        .iter()
        .filter_map(|&i| f.fields.get(i))
        .map(|field| text::width(&field.label))
        .max()
        .unwrap_or(4)
        .min(inner_w * 2 / 5);
    // one cell for the focus marker, one between label and value
    let value_w = inner_w.saturating_sub(label_w + 2).max(2);
    let drawn: Vec<(usize, Drawn)> = vis
        .iter()
        .filter_map(|&i| Some((i, drawn(f.fields.get(i)?, i == f.focus, value_w))))
        .collect();
    // a multi-line field shows up to MULTILINE_ROWS rows, the cursor's among them
    let shown_rows = |d: &Drawn| d.rows.len().clamp(1, MULTILINE_ROWS);
    let verdict = f.verdict_line(lang, &app.ctx.policy);
    let verdict_lines = verdict
        .as_deref()
        .map(|v| text::wrap(v, inner_w))
        .unwrap_or_default();
    let error_lines = f
        .error
        .as_deref()
        .map(|e| text::wrap(e, inner_w))
        .unwrap_or_default();
    let field_rows_wanted: usize = drawn.iter().map(|(_, d)| shown_rows(d)).sum();
    let want = field_rows_wanted + verdict_lines.len() + error_lines.len() + 1 + 2;
    let height = (want as u16).min(area.height);
    let mut title = i18n::t(lang, f.kind.title()).to_string();
    if let Some(n) = f.entry {
        title.push_str(&format!(" #{n}"));
    }
    if let Some(c) = app.summary(&f.case_id) {
        title.push_str(&format!(" · {} {}", f.case_id, c.village()));
    }
    let r = centred(area, width, height);
    let inner = frame_box(frame, r, &title);
    // Rows for fields: whatever is left after the verdict, the error lines and the hints.
    let field_rows = (inner.height as usize)
        .saturating_sub(verdict_lines.len() + error_lines.len() + 1)
        .max(1);
    // The first field shown: early enough that the focused field's rows fit below it.
    let focus_pos = drawn.iter().position(|(i, _)| *i == f.focus).unwrap_or(0);
    let mut first = 0;
    let upto_focus = |from: usize| -> usize {
        drawn
            .iter()
            .take(focus_pos + 1)
            .skip(from)
            .map(|(_, d)| shown_rows(d))
            .sum()
    };
    while first < focus_pos && upto_focus(first) > field_rows {
        first += 1;
    }
    let mut y = 0usize;
    for (i, d) in drawn.iter().skip(first) {
        if y >= field_rows {
            break;
        }
        let Some(field) = f.fields.get(*i) else {
            continue;
        };
        let focused = *i == f.focus;
        let label_style = if focused {
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else {
            dim()
        };
        let value_style = if focused {
            Style::new().bg(Color::DarkGray).fg(Color::White)
        } else {
            Style::new()
        };
        let rows = shown_rows(d).min(field_rows - y);
        // scrolled within the field so that the cursor's row shows
        let start = d
            .cursor
            .map(|(row, _)| (row + 1).saturating_sub(rows))
            .unwrap_or(0);
        for (n, row) in d.rows.iter().skip(start).take(rows).enumerate() {
            let (marker, label) = if n == 0 {
                (
                    if focused { "▸" } else { " " },
                    text::pad(&field.label, label_w),
                )
            } else {
                (" ", " ".repeat(label_w))
            };
            put(
                frame,
                inner,
                (y + n) as u16,
                Line::from(vec![
                    Span::styled(marker, label_style),
                    Span::styled(label, label_style),
                    Span::raw(" "),
                    Span::styled(text::pad(row, value_w), value_style),
                ]),
            );
        }
        if let Some((row, cell)) = d.cursor {
            // The real cursor, so an input method shows its candidates here.
            let x = inner.x + (label_w + 2 + cell).min(inner_w.saturating_sub(1)) as u16;
            let cy = (y + row.saturating_sub(start)).min(field_rows - 1);
            frame.set_cursor_position(Position::new(x, inner.y + cy as u16));
        }
        y += rows;
    }
    let mut y = y as u16;
    let verdict_style = match f.verdict(&app.ctx.policy) {
        Some(crate::domain::Verdict::Pass) => {
            Style::new().fg(Color::Green).add_modifier(Modifier::BOLD)
        }
        Some(crate::domain::Verdict::BasicPass) => {
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
        }
        Some(crate::domain::Verdict::Fail) => overdue_style(),
        None => dim(),
    };
    for (lines, style) in [
        (&verdict_lines, verdict_style),
        (&error_lines, overdue_style()),
    ] {
        for l in lines {
            if y + 1 >= inner.height {
                break;
            }
            put(frame, inner, y, Line::from(Span::styled(l.clone(), style)));
            y += 1;
        }
    }
    const KEYS: [Action; 5] = [
        Action::Submit,
        Action::Cancel,
        Action::NextField,
        Action::PrevField,
        Action::Right,
    ];
    if inner.height > 0 {
        put(
            frame,
            inner,
            inner.height - 1,
            hints(app, Mode::Form, &KEYS, inner.width),
        );
    }
}

pub fn confirm(app: &App, c: &Confirm, frame: &mut Frame, area: Rect) {
    let width = area.width.saturating_sub(4).clamp(20, 60);
    let lines = text::wrap(&c.message, width.saturating_sub(2) as usize);
    let height = (lines.len() as u16 + 4).min(area.height);
    let r = centred(area, width, height);
    let inner = frame_box(frame, r, i18n::t(app.lang, Text::Confirm));
    for (y, l) in lines.into_iter().enumerate() {
        put(frame, inner, y as u16, Line::from(l));
    }
    if inner.height > 0 {
        put(
            frame,
            inner,
            inner.height - 1,
            hints(
                app,
                Mode::Confirm,
                &[Action::Confirm, Action::Cancel],
                inner.width,
            ),
        );
    }
}

pub fn picker(app: &App, p: &Picker, frame: &mut Frame, area: Rect) {
    let width = area.width.saturating_sub(4).clamp(20, 40);
    let height = (p.options.len() as u16 + 2)
        .min(area.height.saturating_sub(2))
        .max(3);
    let r = centred(area, width, height);
    let inner = frame_box(frame, r, i18n::t(app.lang, Text::PickArea));
    let rows = inner.height as usize;
    let first = (p.selected + 1).saturating_sub(rows);
    for (y, (n, (county, township))) in p
        .options
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .enumerate()
    {
        let label = match (county, township) {
            (None, _) => i18n::t(app.lang, Text::All).to_string(),
            (Some(c), None) => c.clone(),
            (Some(_), Some(t)) => format!("  {t}"),
        };
        let style = if n == p.selected {
            Style::new().bg(Color::Blue).fg(Color::White)
        } else {
            Style::new()
        };
        put(
            frame,
            inner,
            y as u16,
            Line::from(Span::styled(text::pad(&label, inner.width as usize), style)),
        );
    }
}

pub fn help(app: &App, h: &Help, frame: &mut Frame, area: Rect) {
    let inner = frame_box(frame, area, i18n::t(app.lang, Text::Help));
    if inner.height < 2 {
        return;
    }
    let prompt = format!("{}{}", i18n::t(app.lang, Text::HelpFilter), h.filter);
    // "(Esc 返回)" on the right, so the way out is on screen
    let close = app.keymap.hint(Mode::Help, Action::Back);
    let close = if close.is_empty() {
        String::new()
    } else {
        format!("({close} {})", i18n::t(app.lang, Text::ShortBack))
    };
    let close_w = text::width(&close);
    let shown = if close_w + 2 < inner.width as usize / 2 {
        let pad = inner.width as usize - close_w;
        let left = text::pad(&text::truncate(&prompt, pad - 1), pad);
        let shown = text::truncate(&prompt, pad - 1);
        put(
            frame,
            inner,
            0,
            Line::from(vec![
                Span::styled(left, Style::new().fg(Color::Yellow)),
                Span::styled(close, dim()),
            ]),
        );
        shown
    } else {
        let shown = text::truncate(&prompt, inner.width.saturating_sub(1) as usize);
        put(
            frame,
            inner,
            0,
            Line::from(Span::styled(shown.clone(), Style::new().fg(Color::Yellow))),
        );
        shown
    };
    frame.set_cursor_position(Position::new(inner.x + text::width(&shown) as u16, inner.y));
    let mut lines: Vec<Line> = Vec::new();
    let mut last_mode = None;
    for (mode, key, desc) in app.help_rows() {
        if last_mode != Some(mode) {
            let title = mode.label(app.lang);
            lines.push(Line::from(Span::styled(
                text::truncate(title, inner.width as usize),
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            )));
            last_mode = Some(mode);
        }
        let key_w = 12.min(inner.width as usize / 3);
        let desc_w = (inner.width as usize).saturating_sub(key_w + 2);
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {}", text::pad(&key, key_w)),
                Style::new().fg(Color::Yellow),
            ),
            Span::raw(text::truncate(&desc, desc_w)),
        ]));
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            i18n::t(app.lang, Text::Nothing).to_string(),
            dim(),
        )));
    }
    let rows = inner.height as usize - 1;
    let scroll = h.scroll.min(lines.len().saturating_sub(rows));
    for (y, l) in lines.into_iter().skip(scroll).take(rows).enumerate() {
        put(frame, inner, 1 + y as u16, l);
    }
}
