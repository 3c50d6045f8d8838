//! The event loop: block on input, act on key presses only, drain what is queued, and
//! redraw only when something changed. The terminal is restored on every way out: normal
//! quit, error, Ctrl-C (a key in raw mode) and panic (its hook restores first).

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste, Event, KeyEventKind};

use super::app::Msg;
use super::keymap::Key;
use super::view::render;
use super::Tui;

/// One terminal event as the app's message: key presses, pastes and resizes; nothing else.
pub fn message(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind == KeyEventKind::Press => Key::from_event(&k).map(Msg::Key),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::Paste(s) => Some(Msg::Paste(s)),
        _ => None,
    }
}

/// Applies one terminal event; returns whether the screen needs redrawing.
pub fn handle_event(tui: &mut Tui, ev: Event) -> bool {
    match message(ev) {
        Some(Msg::Paste(s)) => tui.paste(&s),
        Some(msg) => tui.dispatch(msg),
        None => false,
    }
}

/// The error `run` returns when SIGTERM, SIGHUP or SIGINT stopped it: the terminal is
/// restored, every change saved before it is in the ledger, and a form being typed is dropped.
pub const STOPPED: &str = "stopped by a signal";

/// A flag that SIGTERM, SIGHUP (the terminal went away) and SIGINT raise. The loop looks at
/// it between events, so the terminal is restored on the way out instead of left raw.
fn stop_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        // Without the handler the signal keeps its default action: the process ends as before.
        let _ = signal_hook::flag::register(sig, Arc::clone(&flag));
    }
    flag
}

pub fn run(tui: &mut Tui) -> io::Result<()> {
    let stop = stop_flag();
    // std's own hook, which says the panic on standard error whatever becomes of it
    let said = std::panic::take_hook();
    let done = Arc::new(AtomicBool::new(false));
    watch_for_a_stuck_reader(Arc::clone(&stop), Arc::clone(&done));
    let terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            // raw mode may already be on when the alternate screen failed
            restore();
            return Err(e);
        }
    };
    // A paste arrives as one event, not as keys (its line breaks would press Enter). A
    // terminal without bracketed paste ignores the request.
    let _ = crossterm::execute!(io::stdout(), EnableBracketedPaste);
    // Not ratatui's hook: its restore prints its failure with `eprintln!`, which panics
    // again when the terminal has gone, and a panic in the hook aborts the process.
    std::panic::set_hook(Box::new(move |info| {
        restore();
        said(info);
    }));
    // shared with the painter that draws a long effect's progress (a sync) while it runs
    let terminal = std::rc::Rc::new(std::cell::RefCell::new(terminal));
    let painting = std::rc::Rc::clone(&terminal);
    tui.painter = Some(Box::new(move |app| {
        if let Ok(mut t) = painting.try_borrow_mut() {
            let _ = t.draw(|f| render(app, f));
        }
    }));
    let result = event_loop(tui, &terminal, &stop);
    tui.painter = None;
    done.store(true, Ordering::Relaxed);
    restore();
    result
}

/// Gives the terminal back as it was: bracketed paste off, then ratatui's restore (raw mode
/// off, the main screen back). A terminal that has gone away cannot be given back, and there
/// is no one to tell.
fn restore() {
    let _ = crossterm::execute!(io::stdout(), DisableBracketedPaste);
    let _ = ratatui::try_restore();
}

/// When a signal has asked the loop to stop and it has not within a second, the input
/// reader is stuck: crossterm 0.29 reads a terminal that hung up (an SSH connection that
/// dropped, a closed terminal window) in a loop that never returns. Every change is already
/// in the ledger, so the process restores what it can of the terminal and ends, as the
/// signal would have ended it without a handler. A terminal that hung up without a SIGHUP
/// reaching the process (a parent that ignores it, as `nohup` does) is one that standard
/// input no longer is: that asks the loop to stop too.
fn watch_for_a_stuck_reader(stop: Arc<AtomicBool>, done: Arc<AtomicBool>) {
    use std::io::IsTerminal;
    let watch = move || {
        let on_a_terminal = io::stdin().is_terminal();
        while !stop.load(Ordering::Relaxed) {
            if done.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
            if on_a_terminal && !io::stdin().is_terminal() {
                stop.store(true, Ordering::Relaxed);
            }
        }
        std::thread::sleep(Duration::from_secs(1));
        if !done.load(Ordering::Relaxed) {
            restore();
            crate::session::exit_now(crate::session::exit::STOPPED);
        }
    };
    // Without the thread a stuck reader stays stuck, as before; nothing else depends on it.
    let _ = std::thread::Builder::new()
        .name("stop-watch".into())
        .spawn(watch);
}

fn event_loop(
    tui: &mut Tui,
    terminal: &std::cell::RefCell<ratatui::DefaultTerminal>,
    stop: &AtomicBool,
) -> io::Result<()> {
    let stopped = || io::Error::new(io::ErrorKind::Interrupted, STOPPED);
    // Debug builds only: a key that panics, so a test can prove a panic restores the terminal.
    let test_panic = cfg!(debug_assertions) && std::env::var_os("ZHENGDUN_TEST_PANIC").is_some();
    let size = terminal.borrow().size()?;
    tui.dispatch(Msg::Resize(size.width, size.height));
    terminal.borrow_mut().draw(|f| render(&tui.app, f))?;
    while !tui.app.quit {
        // Changes others made to the ledger show within the poll's interval.
        let polled = event::poll(Duration::from_millis(200));
        if stop.load(Ordering::Relaxed) {
            return Err(stopped());
        }
        if tui.take_changes() {
            terminal.borrow_mut().draw(|f| render(&tui.app, f))?;
        }
        match polled {
            Ok(false) => continue,
            Ok(true) => {}
            Err(e) => return Err(e),
        }
        let mut changed = false;
        loop {
            let ev = event::read()?;
            if let Event::Key(k) = &ev {
                let waits = k.kind == KeyEventKind::Press
                    && Key::from_event(k).is_some_and(|key| tui.app.announce_wait(&key));
                if waits {
                    terminal.borrow_mut().draw(|f| render(&tui.app, f))?;
                }
            }
            if test_panic
                && matches!(&ev, Event::Key(k) if k.code == crossterm::event::KeyCode::F(12))
            {
                forced_panic();
            }
            changed |= handle_event(tui, ev);
            if tui.app.quit || !event::poll(Duration::ZERO)? {
                break;
            }
        }
        if changed && !tui.app.quit {
            terminal.borrow_mut().draw(|f| render(&tui.app, f))?;
        }
    }
    Ok(())
}

/// Debug builds with ZHENGDUN_TEST_PANIC set, on F12: a real panic, so a test can prove
/// that the panic hook restores the terminal.
#[allow(
    clippy::panic,
    reason = "the forced panic is what tests/crash_terminal.rs checks the terminal against"
)]
fn forced_panic() -> ! {
    panic!("ZHENGDUN_TEST_PANIC: F12 pressed");
}
