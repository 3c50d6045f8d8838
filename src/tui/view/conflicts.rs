//! The field copy's conflicts screen: each change that came back from the server not
//! applied, its reason and what happened meanwhile; the selected one in full.

use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::{bar, dim, hints_or_message, put, title_style};
use crate::i18n::field;
use crate::ledger::field::describe;
use crate::text;
use crate::tui::action::Action;
use crate::tui::app::{App, Conflicts};
use crate::tui::keymap::Mode;

pub fn render(app: &App, c: &Conflicts, frame: &mut Frame, area: Rect) {
    let w = area.width;
    let lang = app.lang;
    put(
        frame,
        area,
        0,
        bar(
            &field::conflicts_title(lang, c.items.len()),
            w,
            title_style(),
        ),
    );
    let bottom = area.height.saturating_sub(1);
    let mut y = 1u16;
    if c.items.is_empty() {
        put(
            frame,
            area,
            y,
            Line::from(Span::styled(
                text::truncate(&field::conflicts_none(lang), w as usize),
                dim(),
            )),
        );
    }
    // the selected change in full (wrapped), the others on one line each
    for (n, q) in c
        .items
        .iter()
        .enumerate()
        .skip(c.selected.saturating_sub(3))
    {
        if y >= bottom {
            break;
        }
        let lines = describe(lang, q);
        if n == c.selected {
            let style = Style::new().bg(Color::Blue).fg(Color::White);
            for l in lines {
                for part in text::wrap(&l, w as usize) {
                    if y >= bottom {
                        break;
                    }
                    put(
                        frame,
                        area,
                        y,
                        Line::from(Span::styled(text::pad(&part, w as usize), style)),
                    );
                    y += 1;
                }
            }
        } else if let Some(first) = lines.first() {
            put(
                frame,
                area,
                y,
                Line::from(Span::raw(text::truncate(first, w as usize))),
            );
            y += 1;
        }
    }
    const KEYS: [Action; 5] = [
        Action::Open,
        Action::DropQueued,
        Action::Sync,
        Action::Back,
        Action::Help,
    ];
    put(
        frame,
        area,
        bottom,
        hints_or_message(app, Mode::Conflicts, &KEYS, w),
    );
}
