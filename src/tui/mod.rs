//! The terminal interface (SPEC §7): the ledger list, search, filters, case detail, forms
//! for every action, and help generated from the keymap in force.
//!
//! - [`action`]: the `Action` enum, the contract between keymap, help and state;
//! - [`keymap`]: key strings, `keymaps/default.toml` and user overrides;
//! - [`app`]: the state, the messages and [`App::update`], the one place state changes;
//! - [`form`]: the forms and the commands they become; `input`: editing a text field and
//!   wrapping it; `changes`: checking and asking for them;
//! - [`view`]: pure drawing, `render(&App, &mut Frame)`;
//! - [`Tui`] (here): the runtime that carries out the effects an update asks for, through
//!   the [`Ledger`] interface, and feeds their results back as messages;
//! - [`terminal`]: the event loop and terminal restoration.

pub mod action;
pub mod app;
mod changes;
mod conflicts;
pub mod dashboard;
pub mod form;
mod input;
pub mod keymap;
pub mod prefs;
pub mod terminal;
pub mod view;

use std::path::Path;
use std::sync::mpsc::Receiver;

pub use app::{App, Effect, Msg, Problem};
pub use view::render;

use crate::domain::ChangeKind;
use crate::i18n;
use crate::i18n::Text;
use crate::ledger::{Ledger, Link, Notice};
use crate::session::{exit, Env, Failure};

/// The app and the ledger it works on: the one place effects happen.
pub struct Tui {
    pub app: App,
    pub ledger: Box<dyn Ledger>,
    /// The ledger's changes, anyone's, as they happen.
    changes: Receiver<Notice>,
    /// The connection to the ledger's server lost and back (none for a ledger opened here).
    links: Option<Receiver<Link>>,
    /// Draws the app while a long effect runs (a sync's progress); set by the terminal.
    pub painter: Option<Painter>,
    /// The heads this account saw of its ledgers, when the TUI watches for a rollback.
    pub seen: Option<crate::session::Seen>,
}

/// What draws the app on the terminal from inside an effect.
pub type Painter = Box<dyn FnMut(&App)>;

impl Tui {
    /// Reads the ledger's summaries and builds the app on them (no terminal involved): what
    /// `zhengdun` does at start, and the entry point for tests and benchmarks.
    pub fn new(
        ledger: Box<dyn Ledger>,
        env: &Env,
        keymap: keymap::Keymap,
        prefs: prefs::Prefs,
    ) -> Result<Tui, Failure> {
        let summaries = ledger.summaries().map_err(env.failed())?;
        let changes = ledger.subscribe();
        let links = ledger.follow_link();
        let app = App::new(summaries, ledger.ctx().clone(), env.lang, keymap, prefs);
        let mut tui = Tui {
            app,
            ledger,
            changes,
            links,
            painter: None,
            seen: None,
        };
        if let Some(answer) = tui.perform(Effect::CountToSync) {
            tui.dispatch(answer);
        }
        Ok(tui)
    }

    /// Handles one message and everything it leads to, effects and their answers, until
    /// nothing is left to do. Returns whether the screen needs redrawing.
    pub fn dispatch(&mut self, msg: Msg) -> bool {
        let mut redraw = false;
        let mut queue = std::collections::VecDeque::from([msg]);
        while let Some(msg) = queue.pop_front() {
            redraw |= App::redraws(&msg);
            match self.app.update(msg) {
                Ok(effects) => {
                    for effect in effects {
                        redraw |= !matches!(effect, Effect::SavePrefs(_));
                        if let Some(answer) = self.perform(effect) {
                            queue.push_back(answer);
                        }
                    }
                }
                Err(problem) => {
                    self.app.show(problem);
                    redraw = true;
                    // a sync cut off may have sent part of the outbox
                    if self.app.to_sync.is_some() {
                        queue.extend(self.perform(Effect::CountToSync));
                    }
                }
            }
        }
        redraw
    }

    pub fn handle_key(&mut self, key: keymap::Key) -> bool {
        self.dispatch(Msg::Key(key))
    }

    /// Pasted text; returns whether it went anywhere (into what is being typed).
    pub fn paste(&mut self, text: &str) -> bool {
        self.app.takes_text() && self.dispatch(Msg::Paste(text.to_string()))
    }

    /// The changes the ledger has pushed since the last look, and what became of the
    /// connection to its server, handled. Returns whether the screen needs redrawing.
    pub fn take_changes(&mut self) -> bool {
        let mut redraw = false;
        let links: Vec<Link> = match &self.links {
            Some(l) => l.try_iter().collect(),
            None => Vec::new(),
        };
        for link in links {
            let back = matches!(link, Link::Back);
            redraw |= self.dispatch(Msg::Link(link));
            // the server back may be a server brought back from an older copy
            if back {
                redraw |= self.check_head();
            }
        }
        while let Ok(notice) = self.changes.try_recv() {
            if let Some(seen) = self.seen.as_mut() {
                seen.saw(&*self.ledger, notice.seq, &notice.head);
            }
            redraw |= self.dispatch(Msg::Changed(notice));
        }
        redraw
    }

    /// Says in the status bar when the ledger was rolled back since this account last saw
    /// it; whether it was.
    pub fn check_head(&mut self) -> bool {
        let said = match self.seen.as_mut() {
            Some(seen) => seen.check(&*self.ledger).map(|b| b.short(self.app.lang)),
            None => None,
        };
        let told = said.is_some();
        if let Some(said) = said {
            self.app.show(Problem::Say(said));
        }
        told
    }

    /// Carries out one effect; its result comes back as a message.
    fn perform(&mut self, effect: Effect) -> Option<Msg> {
        let ledger = &*self.ledger;
        let answer = match effect {
            Effect::Load { id, history, then } => ledger.case(&id).and_then(|case| {
                let history = match history {
                    true => Some(ledger.history(&id)?),
                    false => None,
                };
                Ok(Msg::Loaded {
                    case,
                    history,
                    then,
                })
            }),
            Effect::Execute {
                id,
                commands,
                expected,
                then,
            } => {
                let result = ledger.execute(&id, &commands, expected.as_deref());
                Ok(Msg::Executed { id, result, then })
            }
            Effect::Open { case } => {
                let id = case.id.clone();
                let result = ledger.import(vec![*case], Vec::new(), ChangeKind::Opened);
                Ok(Msg::Opened { id, result })
            }
            Effect::Count => ledger.stats(self.app.ctx.today, None).map(Msg::Counted),
            Effect::Refresh(ids) => ledger.cases(Some(&ids)).map(Msg::Refreshed),
            Effect::ReloadAll => ledger.summaries().map(Msg::Reloaded),
            Effect::SavePrefs(prefs) => {
                return prefs.save().err().map(|e| Msg::Failed(Problem::Say(e)));
            }
            Effect::Sync => {
                // the progress line is drawn while the sync runs, between its steps
                let (app, painter) = (&mut self.app, &mut self.painter);
                let report = ledger.sync(&mut |step| {
                    let _ = app.update(Msg::Syncing(step));
                    if let Some(paint) = painter.as_mut() {
                        paint(app);
                    }
                });
                Ok(Msg::Synced(report))
            }
            Effect::Talk(event) => Ok(Msg::Talked(ledger.talk(*event))),
            Effect::LoadOutbox => ledger.outbox().map(Msg::Outbox),
            Effect::DropQueued(number) => ledger.drop_queued(number).map(Msg::Dropped),
            Effect::CountToSync => to_sync(ledger).map(Msg::ToSync),
            Effect::LoadVoided => ledger.voided().map(Msg::Voided),
        };
        Some(answer.unwrap_or_else(|e| Msg::Failed(Problem::Ledger(e))))
    }
}

/// How many changes wait in the outbox of `ledger`, when it is a field copy.
fn to_sync(ledger: &dyn Ledger) -> Result<Option<usize>, crate::ledger::Error> {
    if ledger.field_copy()?.is_none() {
        return Ok(None);
    }
    let outbox = ledger.outbox()?;
    Ok(Some(
        outbox
            .iter()
            .filter(|q| q.state == crate::ledger::QueueState::Waiting)
            .count(),
    ))
}

/// `zhengdun` without a subcommand: everything that can fail before the screen is taken
/// over (keymap, database lock) fails here, on a normal terminal, with one line.
///
/// While it runs, the TUI serves the ledger it opened to the same account's other
/// processes (a second TUI, a `list`, a nightly `backup`), which would otherwise be kept
/// out by its lock; a ledger another process of this account serves is used through it.
pub fn run(env: &Env, keymap: Option<&Path>) -> Result<(), Failure> {
    let ledger = match env.open() {
        Ok(l) => std::sync::Arc::new(l),
        Err(refused) => {
            return match crate::ledger::Remote::for_db(&env.db_dir, Some(env.ctx.today), env.lang) {
                Some(remote) => run_on(env, keymap, Box::new(remote)),
                None => Err(refused),
            }
        }
    };
    let serving = crate::server::Serving::start(std::sync::Arc::clone(&ledger), env.lang);
    let result = run_on(env, keymap, Box::new(ledger));
    drop(serving);
    result
}

/// The TUI on a ledger already opened (the embedded one, or a server's).
pub fn run_on(env: &Env, keymap: Option<&Path>, ledger: Box<dyn Ledger>) -> Result<(), Failure> {
    let keys = keymap::Keymap::load(keymap)
        .map_err(|e| Failure::input(i18n::msg::keymap_error(env.lang, e)))?;
    let (prefs, problem) = prefs::Prefs::load(prefs::Prefs::path_for(&env.db_dir));
    let mut tui = Tui::new(ledger, env, keys, prefs)?;
    if let Some(p) = problem {
        tui.app
            .show(Problem::Say(i18n::msg::prefs_error(env.lang, &p)));
    }
    tui.seen = Some(crate::session::Seen::load());
    tui.check_head();
    terminal::run(&mut tui).map_err(|e| match e.kind() {
        std::io::ErrorKind::Interrupted => Failure {
            code: exit::STOPPED,
            message: i18n::t(env.lang, Text::Stopped).to_string(),
        },
        _ => Failure {
            code: exit::DATABASE,
            message: format!("terminal: {e}"),
        },
    })?;
    if let Some(seen) = tui.seen.as_mut() {
        seen.remember(&*tui.ledger);
    }
    tui.ledger.flush().map_err(env.failed())
}
