//! The event loop: block on input, act on key presses only, drain what is queued, and
//! redraw only when something changed. The terminal is restored on every way out: normal
//! quit, error, Ctrl-C (a key in raw mode) and panic (ratatui's hook restores first).

use std::io;
use std::time::Duration;

use crossterm::event::{self, Event, KeyEventKind};

use super::app::App;
use super::keymap::Key;
use super::view::render;

/// Applies one terminal event; returns whether the screen needs redrawing.
pub fn handle_event(app: &mut App, ev: Event) -> bool {
    match ev {
        Event::Key(k) if k.kind == KeyEventKind::Press => match Key::from_event(&k) {
            Some(key) => app.handle_key(key),
            None => false,
        },
        Event::Resize(w, h) => {
            app.resize(w, h);
            true
        }
        Event::Paste(s) => {
            let mut changed = false;
            for c in s.chars() {
                changed |= app.handle_key(Key::plain(super::keymap::Code::Char(c)));
            }
            changed
        }
        _ => false,
    }
}

pub fn run(app: &mut App) -> io::Result<()> {
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            // raw mode may already be on when the alternate screen failed
            ratatui::restore();
            return Err(e);
        }
    };
    let result = event_loop(app, &mut terminal);
    ratatui::restore();
    result
}

fn event_loop(app: &mut App, terminal: &mut ratatui::DefaultTerminal) -> io::Result<()> {
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    terminal.draw(|f| render(app, f))?;
    while !app.quit {
        let mut changed = handle_event(app, event::read()?);
        while !app.quit && event::poll(Duration::ZERO)? {
            changed |= handle_event(app, event::read()?);
        }
        if changed && !app.quit {
            terminal.draw(|f| render(app, f))?;
        }
    }
    Ok(())
}
