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
    let value_w = inner_w.saturating_sub(label_w + 2);
    let error_lines = f
        .error
        .as_deref()
        .map(|e| text::wrap(e, inner_w))
        .unwrap_or_default();
    let want = vis.len() + 2 + error_lines.len() + 2;
    let height = (want as u16).min(area.height);
    let case = app.summary(&f.case_id);
    let title = format!(
        "{} · {} {}",
        i18n::t(lang, f.kind.title()),
        f.case_id,
        case.map(|c| c.village()).unwrap_or("")
    );
    let r = centred(area, width, height);
    let inner = frame_box(frame, r, &title);
    // Rows for fields: whatever is left after the error lines and the hint line.
    let field_rows = (inner.height as usize)
        .saturating_sub(error_lines.len() + 1)
        .max(1);
    let focus_pos = vis.iter().position(|&i| i == f.focus).unwrap_or(0);
    let first = (focus_pos + 1).saturating_sub(field_rows);
    let mut y = 0u16;
    for &i in vis.iter().skip(first).take(field_rows) {
        // `visible_fields` names fields of the form only.
        let Some(field) = f.fields.get(i) else {
            continue;
        };
        let focused = i == f.focus;
        let label_style = if focused {
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else {
            dim()
        };
        let (shown, cursor) = match &field.value {
            Value::Text { text: t, cursor } => {
                let (s, c) = window(t, *cursor, value_w);
                (text::pad(&s, value_w), Some(c))
            }
            Value::Choice { .. } => (
                text::pad(&format!("‹ {} ›", field.value.display()), value_w),
                None,
            ),
        };
        let value_style = if focused {
            Style::new().bg(Color::DarkGray).fg(Color::White)
        } else {
            Style::new()
        };
        put(
            frame,
            inner,
            y,
            Line::from(vec![
                Span::styled(if focused { "▸" } else { " " }, label_style),
                Span::styled(text::pad(&field.label, label_w), label_style),
                Span::raw(" "),
                Span::styled(shown, value_style),
            ]),
        );
        if focused {
            if let Some(c) = cursor {
                // The real cursor, so an input method shows its candidates here.
                let x = inner.x + (label_w + 2 + c).min(inner_w.saturating_sub(1)) as u16;
                frame.set_cursor_position(Position::new(x, inner.y + y));
            }
        }
        y += 1;
    }
    for e in &error_lines {
        if y + 1 >= inner.height {
            break;
        }
        put(
            frame,
            inner,
            y,
            Line::from(Span::styled(e.clone(), overdue_style())),
        );
        y += 1;
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
