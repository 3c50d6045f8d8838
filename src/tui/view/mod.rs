//! The views: pure functions from the app state to a frame. Every piece of user text goes
//! through `text::clean/truncate/pad/wrap` before it reaches a buffer, so widths are in
//! cells and no control character reaches the terminal; ratatui's own wrapping is never
//! used on user text.

mod conflicts;
mod dashboard;
pub(crate) mod detail;
pub(crate) mod list;
mod popup;

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::action::Action;
use super::app::{App, Overlay, Screen};
use super::keymap::Mode;
use crate::i18n;
use crate::i18n::Text;
use crate::text;

/// Draws the whole screen for the current state. Reads only.
pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.width < 20 || area.height < 6 {
        let msg = text::truncate(i18n::t(app.lang, Text::TooSmall), area.width as usize);
        frame.render_widget(Paragraph::new(msg), area);
        return;
    }
    match &app.screen {
        Screen::List => list::render(app, frame, area),
        Screen::Detail(d) => detail::render(app, d, frame, area),
        Screen::Dashboard { board, back_to } => {
            // the dashboard covers what it was opened from, as a popup does
            match back_to {
                Some(d) => detail::render(app, d, frame, area),
                None => list::render(app, frame, area),
            }
            dashboard::render(app, board, frame, area);
        }
        Screen::Conflicts(c) => conflicts::render(app, c, frame, area),
    }
    for overlay in &app.overlays {
        match overlay {
            Overlay::Search => {}
            Overlay::Picker(p) => popup::picker(app, p, frame, area),
            Overlay::Form(f, _) => popup::form(app, f, frame, area),
            Overlay::Confirm(c) => popup::confirm(app, c, frame, area),
            Overlay::Help(h) => popup::help(app, h, frame, area),
        }
    }
}

pub(crate) fn title_style() -> Style {
    Style::new().fg(Color::Black).bg(Color::Cyan)
}

pub(crate) fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub(crate) fn overdue_style() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

/// One row of `area` at `y` (relative), as a paragraph of one line.
pub(crate) fn put(frame: &mut Frame, area: Rect, y: u16, line: Line) {
    if y >= area.height {
        return;
    }
    let r = Rect::new(area.x, area.y + y, area.width, 1);
    frame.render_widget(Paragraph::new(line), r);
}

/// A full-width bar: `s` cleaned and padded to the width, in `style`.
pub(crate) fn bar(s: &str, width: u16, style: Style) -> Line<'static> {
    Line::from(Span::styled(text::pad(s, width as usize), style))
}

/// The bottom line: the message if there is one, else the main keys of `mode`, generated
/// from the bindings in force.
pub(crate) fn hints_or_message(
    app: &App,
    mode: Mode,
    actions: &[Action],
    width: u16,
) -> Line<'static> {
    if let Some(offline) = &app.offline {
        return Line::from(Span::styled(
            text::pad(offline, width as usize),
            overdue_style(),
        ));
    }
    if let Some(m) = &app.message {
        let style = if m.error {
            overdue_style()
        } else {
            Style::new().fg(Color::Green)
        };
        return Line::from(Span::styled(text::pad(&m.text, width as usize), style));
    }
    hints(app, mode, actions, width)
}

pub(crate) fn hints(app: &App, mode: Mode, actions: &[Action], width: u16) -> Line<'static> {
    let mut spans = Vec::new();
    let mut used = 0usize;
    let width = width as usize;
    for a in actions {
        let key = app.keymap.hint(mode, *a);
        if key.is_empty() {
            continue;
        }
        let label = a.short(app.lang);
        let w = text::width(&key) + 1 + text::width(label) + 2;
        if used + w > width {
            break;
        }
        used += w;
        spans.push(Span::styled(
            text::clean(&key),
            Style::new().fg(Color::Yellow),
        ));
        spans.push(Span::raw(format!(" {}  ", text::clean(label))));
    }
    Line::from(spans)
}

/// A rectangle of `w`×`h` cells centred in `area` (clamped to it).
pub(crate) fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
