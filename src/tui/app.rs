//! The app state and the one place it changes, in the shape of The Elm Architecture: every
//! input (a key, typed or pasted text, a resize, a change pushed by the ledger, the result
//! of a read or a write) is a [`Msg`], and [`App::update`] turns it into a new state and the
//! [`Effect`]s to carry out. The app never touches the ledger or the disk itself: the
//! runtime ([`super::Tui`]) does what the effects ask, through the one `Ledger` interface,
//! and answers with another message.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::domain::{Case, Command, DueStatus, Stage, Summary};
use crate::i18n::{self, Label, Lang, Text};
use crate::ledger::{self, Ctx, Event, Notice, StoreError};
use crate::listing::{self, Filter};
use crate::search::{Field, SearchIndex, Typing};
use crate::stats;

use super::action::Action;
use super::dashboard::Dashboard;
use super::form::{Form, Slot};
use super::keymap::{Key, Keymap, Mode};
use super::prefs::Prefs;

/// The tabs of the case detail, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Overview,
    Pairing,
    Tasks,
    Adjustments,
    Visits,
    Acceptance,
    History,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Overview,
        Tab::Pairing,
        Tab::Tasks,
        Tab::Adjustments,
        Tab::Visits,
        Tab::Acceptance,
        Tab::History,
    ];

    /// The tab's title in the string table.
    pub fn text(self) -> Text {
        match self {
            Tab::Overview => Text::TabOverview,
            Tab::Pairing => Text::TabPairing,
            Tab::Tasks => Text::TabTasks,
            Tab::Adjustments => Text::TabAdjustments,
            Tab::Visits => Text::TabVisits,
            Tab::Acceptance => Text::TabAcceptance,
            Tab::History => Text::TabHistory,
        }
    }

    fn step(self, by: isize) -> Tab {
        let i = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0) as isize;
        let n = Tab::ALL.len() as isize;
        Tab::ALL
            .get((i + by).rem_euclid(n) as usize)
            .copied()
            .unwrap_or(self)
    }
}

#[derive(Debug, Clone)]
pub struct Detail {
    /// Index into `App::summaries`.
    pub case: usize,
    /// The whole case, read when the detail opened and replaced after each change.
    pub full: Case,
    pub tab: Tab,
    pub scroll: usize,
    /// The record selected on the tasks, adjustments and visits tabs (in the order drawn),
    /// for `f` to correct.
    pub row: usize,
    pub history: Vec<Event>,
}

/// What a confirmation leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// Run the open form's commands.
    SubmitForm,
    /// Close the open form, dropping what was typed.
    DiscardForm,
    /// Move the case to its next stage (its guard already holds).
    Advance(usize),
    /// Take this change out of the field copy's outbox.
    DropQueued(u64),
}

#[derive(Debug, Clone)]
pub struct Confirm {
    pub message: String,
    pub pending: Pending,
}

/// One choice of the county / township picker: `(county, township)`, `None` = all.
#[derive(Debug, Clone)]
pub struct Picker {
    pub options: Vec<(Option<String>, Option<String>)>,
    pub selected: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Help {
    pub filter: String,
    pub scroll: usize,
}

/// A line for the status bar: information, or an error in red.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// What fills the screen under any overlay.
// The app holds one screen at a time: boxing its larger variants would save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Screen {
    /// The ledger list (the search box is an overlay on it).
    List,
    /// One case, its tabs.
    Detail(Detail),
    /// The counts; Esc goes back to the case it was opened from, if any.
    Dashboard {
        board: Dashboard,
        back_to: Option<Detail>,
    },
    /// A field copy's conflicting and refused changes.
    Conflicts(Conflicts),
}

/// The field copy's changes that came back from the server not applied, and the one
/// selected.
#[derive(Debug, Clone, Default)]
pub struct Conflicts {
    pub items: Vec<ledger::Queued>,
    pub selected: usize,
}

/// Drawn over the screen and given the keys first, the last one on top.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// Typing into the search box.
    Search,
    /// A form, with the case as it was when the form opened.
    Form(Box<Form>, Box<Case>),
    Confirm(Confirm),
    Picker(Picker),
    Help(Help),
}

/// Every input the app reacts to.
#[derive(Debug)]
pub enum Msg {
    Key(Key),
    /// Pasted text (the terminal's bracketed paste).
    Paste(String),
    Resize(u16, u16),
    Act(Action),
    /// The case (and, when asked for, its history) that an [`Effect::Load`] read.
    Loaded {
        case: Case,
        history: Option<Vec<Event>>,
        then: Then,
    },
    /// What an [`Effect::Execute`] did.
    Executed {
        id: String,
        result: Result<Case, ledger::Error>,
        then: Then,
    },
    /// What an [`Effect::Talk`] recorded, or why not.
    Talked(Result<Event, ledger::Error>),
    /// What an [`Effect::Open`] did: the new case's id, and how it went.
    Opened {
        id: String,
        result: Result<usize, ledger::Error>,
    },
    /// The dashboard's figures, counted by an [`Effect::Count`].
    Counted(stats::Stats),
    /// The ledger changed (anyone's change, this app's own included).
    Changed(Notice),
    /// The cases an [`Effect::Refresh`] read again.
    Refreshed(Vec<Case>),
    /// Every summary again, when cases were added.
    Reloaded(Vec<Summary>),
    /// The connection to the ledger's server was lost, or is back.
    Link(ledger::Link),
    /// How far a sync is.
    Syncing(ledger::SyncStep),
    /// What a sync did.
    Synced(Result<ledger::SyncReport, ledger::Error>),
    /// The field copy's outbox as it is now, for the conflicts screen.
    Outbox(Vec<ledger::Queued>),
    /// A change taken out of the outbox.
    Dropped(ledger::Queued),
    /// How many changes wait in the field copy's outbox; `None`: the ledger is no field
    /// copy.
    ToSync(Option<usize>),
    /// The voided cases an [`Effect::LoadVoided`] read, for the unvoid form.
    Voided(Vec<ledger::VoidedCase>),
    /// An effect failed.
    Failed(Problem),
}

/// What a read or a write is for, carried through the effect and back in its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Then {
    /// Open the case's detail.
    Open,
    /// Open the detail of a case just opened, saying so.
    Created,
    /// Start this action on the case (a form, or the advance confirmation).
    Act(Action),
    /// Show the history just read in the open detail.
    ShowHistory,
    /// Say that the form `title` was saved (and the stage it left, if it moved).
    Saved { title: String, from: Stage },
    /// Say that the case advanced.
    Advanced,
    /// Put the case as it is now under the open form, keeping what was typed (someone
    /// changed it after the form opened).
    Rebase,
    /// Open the form of the conflict selected, filled in with what it asked.
    Redo,
    /// Say that the case was voided (it leaves the list).
    Voided,
    /// A voided case was brought back: read the list again and open it, saying so.
    Unvoided,
}

/// Something for the runtime to do, outside the app: every read and write of the ledger,
/// and writing the preferences.
#[derive(Debug, Clone)]
pub enum Effect {
    Load {
        id: String,
        history: bool,
        then: Then,
    },
    Execute {
        id: String,
        commands: Vec<Command>,
        /// The version of the case the change is based on (`ledger::case_version`), when a
        /// form opened on it: refused if someone changed the case since.
        expected: Option<String>,
        then: Then,
    },
    /// Opens a new case (the new-case form), through the same path as `zhengdun new`.
    Open {
        case: Box<Case>,
    },
    Count,
    Refresh(Vec<String>),
    ReloadAll,
    SavePrefs(Prefs),
    /// Sends the field copy's outbox and takes the server's changes.
    Sync,
    /// Reads the field copy's outbox.
    LoadOutbox,
    /// Takes a change out of the outbox.
    DropQueued(u64),
    /// Counts the changes waiting in the outbox, when the ledger is a field copy.
    CountToSync,
    /// Reads the voided cases (the unvoid form offers them).
    LoadVoided,
    /// Records a township accountability event (the talk form), through the ledger's
    /// `talk`.
    Talk(Box<crate::domain::AccountabilityEvent>),
}

/// Why an update could not do what was asked: said in the open form, or the status bar.
#[derive(Debug)]
pub enum Problem {
    Say(String),
    /// A bad value or a guard's refusal, in the form, with the cursor on its field.
    InForm {
        message: String,
        field: Option<Slot>,
    },
    Ledger(ledger::Error),
}

impl From<ledger::Error> for Problem {
    fn from(e: ledger::Error) -> Self {
        Problem::Ledger(e)
    }
}

/// What one update asks for.
pub type Effects = Vec<Effect>;

pub struct App {
    pub ctx: Ctx,
    pub lang: Lang,
    pub keymap: Keymap,
    /// One small summary per case, in id order: what the list, filters and search read.
    /// Whole cases are read one at a time, when a case is opened or acted on. Shared with
    /// the thread that builds the search index at start.
    pub summaries: Arc<Vec<Summary>>,
    pub due: Vec<DueStatus>,
    /// Built beside the first frame (see `index_job`) and taken on the first `/`; then kept
    /// up to date one case at a time.
    pub(super) index: Option<SearchIndex>,
    /// The search index being built in the background from the summaries as they were at
    /// start, so that neither the first frame nor (usually) the first `/` waits for it.
    index_job: Option<JoinHandle<SearchIndex>>,
    /// Cases changed while `index_job` ran: updated in the index when it is taken.
    pub(super) changed_before_index: Vec<usize>,
    /// The search box's last query and hits, narrowed as it is typed.
    pub(super) typing: Typing,
    pub prefs: Prefs,
    pub query: String,
    /// The cases shown, as indices into `summaries`, in display order.
    pub rows: Vec<usize>,
    /// How many of `rows` are overdue (kept with `rows`, so a frame does not count).
    pub rows_overdue: usize,
    pub selected: usize,
    pub offset: usize,
    pub screen: Screen,
    pub overlays: Vec<Overlay>,
    /// The dashboard's figures, counted on the first `d` from what the store keeps of each
    /// case for the counts (under a second at a hundred thousand cases) and kept until a
    /// case changes.
    pub(super) dashboard_stats: Option<stats::Stats>,
    pub message: Option<Message>,
    /// While the ledger's server is out of reach: why, for the status bar, until it is back.
    pub offline: Option<String>,
    pub quit: bool,
    /// Terminal size in cells, for paging and keeping the selection in view.
    pub size: (u16, u16),
    /// The list's id column: as wide as the widest id (12 to 16 cells).
    pub id_width: usize,
    /// Cells the widest due text of `rows` takes.
    pub due_width: usize,
    /// The case voided last from this screen: what the unvoid form offers first.
    pub(super) last_voided: Option<String>,
    /// On a field copy, how many changes wait in its outbox (the list's status line says
    /// it); `None` on any other ledger.
    pub to_sync: Option<usize>,
}

impl App {
    /// The app over the ledger's summaries; starts building the search index in the
    /// background.
    pub fn new(summaries: Vec<Summary>, ctx: Ctx, lang: Lang, keymap: Keymap, prefs: Prefs) -> App {
        let summaries = Arc::new(summaries);
        let due = listing::statuses(&summaries, ctx.today, &ctx.policy);
        let mut app = App {
            ctx,
            lang,
            keymap,
            summaries,
            due,
            index: None,
            index_job: None,
            changed_before_index: Vec::new(),
            typing: Typing::new(),
            prefs,
            query: String::new(),
            rows: Vec::new(),
            rows_overdue: 0,
            selected: 0,
            offset: 0,
            screen: Screen::List,
            overlays: Vec::new(),
            dashboard_stats: None,
            message: None,
            offline: None,
            quit: false,
            size: (80, 24),
            id_width: 12,
            due_width: 0,
            last_voided: None,
            to_sync: None,
        };
        app.id_width = crate::text::widest(app.summaries.iter().map(|s| s.id())).clamp(12, 16);
        app.refresh_rows();
        app.start_index_job();
        app
    }

    pub(super) fn start_index_job(&mut self) {
        let start = Arc::clone(&self.summaries);
        // If the thread cannot be started, the index is built on the first `/` instead.
        self.index_job = std::thread::Builder::new()
            .name("search-index".into())
            .spawn(move || SearchIndex::build(&start))
            .ok();
    }

    /// The mode whose keymap section is in force: the top overlay's, else the screen's.
    pub fn mode(&self) -> Mode {
        match (self.overlays.last(), &self.screen) {
            (Some(Overlay::Help(_)), _) => Mode::Help,
            (Some(Overlay::Confirm(_)), _) => Mode::Confirm,
            (Some(Overlay::Picker(_)), _) => Mode::Picker,
            (Some(Overlay::Form(..)), _) => Mode::Form,
            (Some(Overlay::Search), _) => Mode::Search,
            (None, Screen::Dashboard { .. }) => Mode::Dashboard,
            (None, Screen::Conflicts(_)) => Mode::Conflicts,
            (None, Screen::Detail(_)) => Mode::Detail,
            (None, Screen::List) => Mode::List,
        }
    }

    /// The open case, on the detail screen.
    pub fn detail(&self) -> Option<&Detail> {
        match &self.screen {
            Screen::Detail(d) => Some(d),
            _ => None,
        }
    }

    pub(super) fn detail_mut(&mut self) -> Option<&mut Detail> {
        match &mut self.screen {
            Screen::Detail(d) => Some(d),
            _ => None,
        }
    }

    pub fn dashboard(&self) -> Option<&Dashboard> {
        match &self.screen {
            Screen::Dashboard { board, .. } => Some(board),
            _ => None,
        }
    }

    /// The open form (wherever it is in the overlays: a confirmation may be above it).
    pub fn form(&self) -> Option<&Form> {
        self.overlays.iter().rev().find_map(|o| match o {
            Overlay::Form(f, _) => Some(&**f),
            _ => None,
        })
    }

    pub(super) fn form_mut(&mut self) -> Option<&mut Form> {
        self.overlays.iter_mut().rev().find_map(|o| match o {
            Overlay::Form(f, _) => Some(&mut **f),
            _ => None,
        })
    }

    /// The case as it was when the open form opened.
    pub(super) fn form_case(&self) -> Option<&Case> {
        self.overlays.iter().rev().find_map(|o| match o {
            Overlay::Form(_, c) => Some(&**c),
            _ => None,
        })
    }

    /// The confirmation being asked, if it is on top.
    pub fn confirm(&self) -> Option<&Confirm> {
        match self.overlays.last() {
            Some(Overlay::Confirm(c)) => Some(c),
            _ => None,
        }
    }

    pub fn help(&self) -> Option<&Help> {
        self.overlays.iter().rev().find_map(|o| match o {
            Overlay::Help(h) => Some(h),
            _ => None,
        })
    }

    /// Whether the search box is being typed into.
    pub fn searching(&self) -> bool {
        matches!(self.overlays.last(), Some(Overlay::Search))
    }

    pub(super) fn close_form(&mut self) {
        self.overlays
            .retain(|o| !matches!(o, Overlay::Form(..) | Overlay::Confirm(_)));
    }

    pub(super) fn t(&self, text: Text) -> String {
        text.get(self.lang).to_string()
    }

    pub(super) fn say(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: false,
        });
    }

    pub(super) fn warn(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: true,
        });
    }

    /// Shows a problem where it belongs: in the open form, with the cursor on its field,
    /// or in the status bar.
    pub fn show(&mut self, problem: Problem) {
        let (message, field) = match problem {
            Problem::Say(text) => return self.warn(text),
            Problem::InForm { message, field } => (message, field),
            Problem::Ledger(e) => {
                let refusal = match &e {
                    ledger::Error::Store(
                        StoreError::Refused { refusal, .. } | StoreError::Denied(refusal),
                    ) => Some(refusal),
                    _ => None,
                };
                let Some(r) = refusal else {
                    return self.show_in_form(e.message(self.lang), None);
                };
                // in the screen's words: a form's field, an action, not a command's option
                let message = i18n::refusal_on(self.lang, i18n::Surface::Screen, r);
                if r.is_not_allowed() {
                    // nothing typed changes who may do it: said in the status bar, and
                    // the form stays as it was typed
                    return self.warn(message);
                }
                (message, r.field().map(Slot::Data))
            }
        };
        self.show_in_form(message, field)
    }

    /// A problem in the open form, with the cursor on its field; in the status bar when
    /// no form is open.
    fn show_in_form(&mut self, message: String, field: Option<Slot>) {
        match self.form_mut() {
            Some(f) => {
                f.error = Some(message);
                if let Some(slot) = field {
                    f.focus_on(slot);
                }
            }
            None => self.warn(message),
        }
    }

    /// The filter in force; "mine" names the `--as` person as the leader.
    pub fn filter(&self) -> Filter {
        let mut f = self.prefs.filter.clone();
        if self.prefs.mine {
            f.leader = Some(self.ctx.actor.clone());
        }
        f
    }

    /// The search index: on the first search, the background one (waiting for it if it is
    /// not done) brought up to date with the cases changed since, or built now.
    pub(super) fn search_index(&mut self) -> &SearchIndex {
        if self.index.is_none() {
            let built = self.index_job.take().and_then(|job| job.join().ok());
            let ix = match built {
                Some(mut ix) if ix.len() == self.summaries.len() => {
                    for &i in &self.changed_before_index {
                        if let Some(s) = self.summaries.get(i) {
                            ix.update(i, s);
                        }
                    }
                    ix
                }
                _ => SearchIndex::build(&self.summaries),
            };
            self.changed_before_index.clear();
            self.index = Some(ix);
        }
        self.index
            .get_or_insert_with(|| SearchIndex::build(&self.summaries))
    }

    /// Whether the search index has been taken into use (on the first `/`).
    pub fn search_ready(&self) -> bool {
        self.index.is_some()
    }

    /// Whether a query narrows the list (its rows are then best match first).
    pub fn query_active(&self) -> bool {
        !crate::search::normalize(&self.query).is_empty()
    }

    /// The matched chars of case `i`'s fields under the current query, for highlighting:
    /// empty when no query is active.
    pub fn highlights(&self, i: usize) -> Vec<(Field, Vec<usize>)> {
        match &self.index {
            Some(ix) if self.query_active() => ix.highlights(i, &self.query),
            _ => Vec::new(),
        }
    }

    /// Recomputes the shown rows after a change of filter, sort, query or data, keeping the
    /// selected case selected when it is still shown. While a query is active the rows are
    /// the search hits, best match first; otherwise the ledger in the chosen sort order.
    pub fn refresh_rows(&mut self) {
        let keep = self.rows.get(self.selected).copied();
        let filter = self.filter();
        self.rows = if self.query_active() {
            self.search_index();
            let hits = match &self.index {
                Some(ix) => self.typing.update(ix, &self.query),
                None => &[],
            };
            listing::ranked(&self.summaries, &self.due, &filter, hits)
        } else {
            listing::select(&self.summaries, &self.due, &filter, None, self.prefs.sort)
        };
        let due = &self.due;
        self.rows_overdue = self
            .rows
            .iter()
            .filter(|&&i| due.get(i).is_some_and(DueStatus::overdue))
            .count();
        let summaries = &self.summaries;
        self.due_width = super::view::list::due_width(
            self.rows
                .iter()
                .filter_map(|&i| Some((summaries.get(i)?.stage(), due.get(i)?))),
            self.ctx.today,
            self.lang,
        );
        self.selected = keep
            .and_then(|k| self.rows.iter().position(|&i| i == k))
            .unwrap_or(0);
        if self.query.trim().is_empty() && keep.is_none() {
            self.selected = 0;
        }
        self.scroll_into_view();
    }

    /// Rows of the list that fit on screen: the terminal less the header, the column
    /// titles and the status bar.
    pub fn list_height(&self) -> usize {
        (self.size.1 as usize).saturating_sub(4).max(1)
    }

    pub(super) fn scroll_into_view(&mut self) {
        let h = self.list_height();
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + h {
            self.offset = self.selected + 1 - h;
        }
        let max_offset = self.rows.len().saturating_sub(h);
        self.offset = self.offset.min(max_offset);
    }

    fn resize(&mut self, w: u16, h: u16) {
        self.size = (w, h);
        self.scroll_into_view();
    }

    /// The case the next action applies to: the open one, else the selected row.
    pub fn current(&self) -> Option<usize> {
        match self.detail() {
            Some(d) => Some(d.case),
            None => self.rows.get(self.selected).copied(),
        }
    }

    pub fn summary(&self, id: &str) -> Option<&Summary> {
        self.position(id).and_then(|i| self.summaries.get(i))
    }

    /// Where a case is in `summaries` (which the ledger gives in id order).
    pub(super) fn position(&self, id: &str) -> Option<usize> {
        self.summaries.binary_search_by(|s| s.id().cmp(id)).ok()
    }

    pub fn selected_case(&self) -> Option<&Summary> {
        self.current().and_then(|i| self.summaries.get(i))
    }

    /// Whether `key` starts something the user waits for (the dashboard's first count over
    /// a large ledger, most of a second at 100,000 cases); if so, says so in the status bar so that
    /// the loop can draw it before handling the key.
    pub fn announce_wait(&mut self, key: &Key) -> bool {
        const NOTICEABLE: usize = 20_000;
        let counts = self.keymap.action(self.mode(), key) == Some(Action::Dashboard)
            && self.mode() != Mode::Dashboard
            && self.dashboard_stats.is_none()
            && self.summaries.len() >= NOTICEABLE;
        if counts {
            self.message = Some(Message {
                text: i18n::msg::dash_counting(self.lang, self.summaries.len()),
                error: false,
            });
        }
        counts
    }

    /// The one place state changes: a message in, the effects it asks for out. A problem is
    /// returned, for the runtime to show ([`App::show`]).
    pub fn update(&mut self, msg: Msg) -> Result<Effects, Problem> {
        // on a field copy, every change (and a sync or a drop) changes what waits to sync
        let recount = self.to_sync.is_some()
            && matches!(
                msg,
                Msg::Executed { .. }
                    | Msg::Talked(_)
                    | Msg::Opened { .. }
                    | Msg::Changed(_)
                    | Msg::Synced(_)
                    | Msg::Dropped(_)
            );
        let mut effects = self.handle(msg);
        if let (true, Ok(effects)) = (recount, &mut effects) {
            effects.push(Effect::CountToSync);
        }
        effects
    }

    fn handle(&mut self, msg: Msg) -> Result<Effects, Problem> {
        match msg {
            Msg::Key(key) => {
                let ctrl_c = key.ctrl && key.code == super::keymap::Code::Char('c');
                if ctrl_c && self.form().is_none() {
                    self.quit = true;
                    return Ok(Vec::new());
                }
                // With a form open, Ctrl-C never drops what was typed: it cancels as Esc
                // does (asking first), whatever a user keymap binds.
                let action = match self.keymap.action(self.mode(), &key) {
                    Some(Action::Quit) | None if ctrl_c => Some(Action::Cancel),
                    other => other,
                };
                if let Some(action) = action {
                    return self.act(action);
                }
                if let Some(c) = key.typed_char() {
                    self.type_text(c.encode_utf8(&mut [0; 4]));
                }
                Ok(Vec::new())
            }
            Msg::Paste(pasted) => {
                self.paste(&pasted);
                Ok(Vec::new())
            }
            Msg::Resize(w, h) => {
                self.resize(w, h);
                Ok(Vec::new())
            }
            Msg::Act(action) => self.act(action),
            Msg::Loaded {
                case,
                history,
                then,
            } => self.loaded(case, history, then),
            Msg::Executed {
                id,
                result: Err(e @ ledger::Error::Store(StoreError::Stale { .. })),
                ..
            } => Ok(self.stale(&id, e)),
            Msg::Executed {
                result: Ok(case),
                then: Then::Unvoided,
                ..
            } => Ok(self.unvoided(case)),
            Msg::Executed { id, result, then } => self.executed(&id, result?, then),
            Msg::Talked(result) => Ok(self.talked(result?)),
            Msg::Opened { id, result } => {
                result?;
                Ok(self.opened(id))
            }
            Msg::Counted(stats) => {
                self.dashboard_stats = Some(stats);
                self.show_dashboard();
                Ok(Vec::new())
            }
            Msg::Changed(notice) => Ok(self.changed(notice)),
            Msg::Refreshed(cases) => Ok(self.refreshed(cases)),
            Msg::Reloaded(summaries) => {
                self.reloaded(summaries);
                Ok(Vec::new())
            }
            Msg::Link(link) => Ok(self.link(link)),
            msg @ (Msg::Syncing(_) | Msg::Synced(_) | Msg::Outbox(_) | Msg::Dropped(_)) => {
                self.field_msg(msg)
            }
            Msg::Voided(voided) => {
                self.start_unvoid(&voided);
                Ok(Vec::new())
            }
            Msg::ToSync(count) => {
                self.to_sync = count;
                Ok(Vec::new())
            }
            Msg::Failed(problem) => Err(problem),
        }
    }

    /// Whether a message may change what is drawn (all but a change of nobody's concern).
    pub fn redraws(msg: &Msg) -> bool {
        !matches!(msg, Msg::Changed(_))
    }

    /// Typed (or pasted) text goes to what is being typed: the query, the form's field or
    /// the help filter. Anywhere else it is nothing.
    fn type_text(&mut self, text: &str) {
        match self.overlays.last_mut() {
            Some(Overlay::Search) => {
                self.query.push_str(text);
                self.query_changed();
            }
            Some(Overlay::Form(f, _)) => {
                f.insert_str(text);
                f.error = None;
            }
            Some(Overlay::Help(h)) => {
                h.filter.push_str(text);
                h.scroll = 0;
            }
            _ => {}
        }
    }

    /// Pasted text goes whole into what is being typed, with its line breaks and tabs as
    /// spaces. Anywhere else it is ignored, so a pasted `q` never quits.
    fn paste(&mut self, pasted: &str) {
        let text: String = pasted
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        self.type_text(&text);
    }

    /// Whether pasting now would go anywhere (the terminal loop redraws only then).
    pub fn takes_text(&self) -> bool {
        matches!(
            self.overlays.last(),
            Some(Overlay::Search | Overlay::Form(..) | Overlay::Help(_))
        )
    }

    fn act(&mut self, action: Action) -> Result<Effects, Problem> {
        if action == Action::Help {
            self.overlays.push(Overlay::Help(Help::default()));
            return Ok(Vec::new());
        }
        match self.mode() {
            Mode::Help => self.update_help(action),
            Mode::Dashboard => return self.update_dashboard(action),
            Mode::Confirm => return self.update_confirm(action),
            Mode::Picker => return Ok(self.update_picker(action)),
            Mode::Form => return self.update_form(action),
            Mode::Search => self.update_search(action),
            Mode::Detail => return self.update_detail(action),
            Mode::List => return self.update_list(action),
            Mode::Conflicts => return self.update_conflicts(action),
        }
        Ok(Vec::new())
    }

    fn move_selection(&mut self, by: isize) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() as isize - 1;
        self.selected = (self.selected as isize + by).clamp(0, last) as usize;
        self.scroll_into_view();
    }

    fn update_list(&mut self, action: Action) -> Result<Effects, Problem> {
        let page = self.list_height() as isize;
        match action {
            Action::Down => self.move_selection(1),
            Action::Up => self.move_selection(-1),
            Action::PageDown => self.move_selection(page),
            Action::PageUp => self.move_selection(-page),
            Action::Top => self.move_selection(isize::MIN / 2),
            Action::Bottom => self.move_selection(isize::MAX / 2),
            Action::Open => return Ok(self.load_selected(true, Then::Open)),
            Action::Search => {
                self.overlays.push(Overlay::Search);
                self.search_index();
                self.message = None;
            }
            Action::Back => {
                if !self.query.is_empty() {
                    self.query.clear();
                    self.refresh_rows();
                }
                self.message = None;
            }
            Action::ToggleOverdue => {
                self.prefs.filter.overdue = !self.prefs.filter.overdue;
                return Ok(self.filters_changed());
            }
            Action::ToggleMine => {
                self.prefs.mine = !self.prefs.mine;
                self.prefs.filter.leader = None;
                let effects = self.filters_changed();
                let me = self.ctx.actor.as_str();
                let paired = |c: &Summary| {
                    c.county_leader() == me
                        || c.township_leader() == me
                        || c.first_secretary() == me
                };
                if self.prefs.mine && !self.summaries.iter().any(paired) {
                    self.warn(i18n::msg::msg_no_mine(self.lang, me));
                }
                return Ok(effects);
            }
            Action::CycleStage => {
                let next = match self.prefs.filter.stage {
                    None => Stage::ALL.first().copied(),
                    Some(s) => Stage::ALL.iter().copied().find(|x| *x > s),
                };
                self.prefs.filter.stage = next;
                return Ok(self.filters_changed());
            }
            Action::CycleSort => {
                self.prefs.sort = self.prefs.sort.next();
                return Ok(self.filters_changed());
            }
            Action::ClearFilters => {
                self.prefs.filter = Filter::default();
                self.prefs.mine = false;
                self.query.clear();
                return Ok(self.filters_changed());
            }
            Action::PickArea => self.open_picker(),
            Action::Dashboard => return Ok(self.open_dashboard()),
            Action::NewCase => self.start_new_case(),
            Action::Unvoid => return Ok(vec![Effect::LoadVoided]),
            Action::Talk => self.start_talk(),
            Action::Quit => self.quit = true,
            Action::Sync | Action::Conflicts => return Ok(self.field_action(action)),
            other => return self.case_action(other),
        }
        Ok(Vec::new())
    }

    fn update_detail(&mut self, action: Action) -> Result<Effects, Problem> {
        let max = self
            .detail()
            .map(|d| super::view::detail::max_scroll(self, d))
            .unwrap_or(0);
        let records = self
            .detail()
            .map(|d| super::view::detail::records(self, d))
            .unwrap_or_default();
        let body_h = (self.size.1 as usize).saturating_sub(3).max(1);
        let lang = self.lang;
        let Some(d) = self.detail_mut() else {
            return Ok(Vec::new());
        };
        // j/k on a tab of records select one, scrolled into view
        let select = |d: &mut Detail, by: isize| {
            let last = records.len().saturating_sub(1) as isize;
            d.row = (d.row as isize + by).clamp(0, last) as usize;
            if let Some(r) = records.get(d.row) {
                if r.first < d.scroll {
                    d.scroll = r.first;
                } else if r.first + r.lines > d.scroll + body_h {
                    d.scroll = (r.first + r.lines).saturating_sub(body_h).min(r.first);
                }
                d.scroll = d.scroll.min(max);
            }
        };
        match action {
            Action::NextTab => {
                d.tab = d.tab.step(1);
                d.scroll = 0;
                d.row = 0;
            }
            Action::PrevTab => {
                d.tab = d.tab.step(-1);
                d.scroll = 0;
                d.row = 0;
            }
            Action::Down if !records.is_empty() => select(d, 1),
            Action::Up if !records.is_empty() => select(d, -1),
            Action::Down => d.scroll = (d.scroll + 1).min(max),
            Action::Up => d.scroll = d.scroll.saturating_sub(1),
            Action::Fix => {
                let number = records.get(d.row).map(|r| r.number);
                let form = number.and_then(|n| match d.tab {
                    Tab::Visits => Form::fix_visit(&d.full, lang, n),
                    Tab::Tasks => Form::fix_task(&d.full, lang, n),
                    Tab::Adjustments => Form::fix_adjustment(&d.full, lang, n),
                    _ => None,
                });
                let Some(form) = form else {
                    return Err(Problem::Say(self.t(Text::MsgNothingToFix)));
                };
                let case = Box::new(d.full.clone());
                self.message = None;
                self.overlays.push(Overlay::Form(Box::new(form), case));
            }
            Action::PageDown => d.scroll = (d.scroll + 10).min(max),
            Action::PageUp => d.scroll = d.scroll.saturating_sub(10),
            Action::Back => {
                self.screen = Screen::List;
                self.message = None;
            }
            Action::Dashboard => return Ok(self.open_dashboard()),
            Action::Talk => self.start_talk(),
            Action::Quit => self.quit = true,
            Action::Sync | Action::Conflicts => return Ok(self.field_action(action)),
            other => return self.case_action(other),
        }
        Ok(Vec::new())
    }

    /// `d`: the counts and the accountability list, counted from the whole ledger — once,
    /// then again only after a case has changed.
    fn open_dashboard(&mut self) -> Effects {
        if self.dashboard_stats.is_none() {
            return vec![Effect::Count];
        }
        self.show_dashboard();
        Vec::new()
    }

    fn show_dashboard(&mut self) {
        let Some(stats) = &self.dashboard_stats else {
            return;
        };
        let mut board = Dashboard::new(stats.clone());
        let back_to = match std::mem::replace(&mut self.screen, Screen::List) {
            Screen::Detail(d) => Some(d),
            // counted again (a talk recorded on it): the row selected and what the status
            // bar says stay
            Screen::Dashboard {
                back_to,
                board: old,
            } => {
                board.move_by(old.selected as isize);
                self.screen = Screen::Dashboard { board, back_to };
                return;
            }
            Screen::List | Screen::Conflicts(_) => None,
        };
        self.screen = Screen::Dashboard { board, back_to };
        self.message = None;
    }

    fn update_dashboard(&mut self, action: Action) -> Result<Effects, Problem> {
        let Screen::Dashboard { board, back_to } = &mut self.screen else {
            return Ok(Vec::new());
        };
        match action {
            Action::Down => board.move_by(1),
            Action::Up => board.move_by(-1),
            Action::PageDown => board.move_by(10),
            Action::PageUp => board.move_by(-10),
            Action::Top => board.move_by(isize::MIN / 2),
            Action::Bottom => board.move_by(isize::MAX / 2),
            Action::Open => {
                if let Some(filter) = board.filter() {
                    self.screen = Screen::List;
                    self.query.clear();
                    self.prefs.filter = filter;
                    self.prefs.mine = false;
                    return Ok(self.filters_changed());
                }
            }
            Action::Talk => self.start_talk(),
            Action::Back | Action::Dashboard => {
                self.screen = match back_to.take() {
                    Some(d) => Screen::Detail(d),
                    None => Screen::List,
                };
            }
            Action::Quit => self.quit = true,
            _ => {}
        }
        Ok(Vec::new())
    }

    fn update_search(&mut self, action: Action) {
        match action {
            Action::Confirm => {
                self.overlays.pop();
            }
            Action::Cancel => {
                self.overlays.pop();
                self.query.clear();
                self.refresh_rows();
            }
            Action::Down => self.move_selection(1),
            Action::Up => self.move_selection(-1),
            Action::DeleteBack => {
                self.query.pop();
                self.query_changed();
            }
            _ => {}
        }
    }

    /// The search box's text changed: new rows, with the best match selected and on top
    /// (not the case selected before, which may now be a weak match far down the list).
    fn query_changed(&mut self) {
        self.rows.clear();
        self.selected = 0;
        self.offset = 0;
        self.refresh_rows();
    }

    fn update_help(&mut self, action: Action) {
        let Some(Overlay::Help(h)) = self.overlays.last_mut() else {
            return;
        };
        match action {
            Action::Back | Action::Cancel | Action::Quit => {
                self.overlays.pop();
            }
            Action::Down => h.scroll += 1,
            Action::Up => h.scroll = h.scroll.saturating_sub(1),
            Action::PageDown => h.scroll += 10,
            Action::PageUp => h.scroll = h.scroll.saturating_sub(10),
            Action::DeleteBack => {
                h.filter.pop();
                h.scroll = 0;
            }
            _ => {}
        }
    }

    fn update_picker(&mut self, action: Action) -> Effects {
        let Some(Overlay::Picker(p)) = self.overlays.last_mut() else {
            return Vec::new();
        };
        match action {
            Action::Down => p.selected = (p.selected + 1).min(p.options.len().saturating_sub(1)),
            Action::Up => p.selected = p.selected.saturating_sub(1),
            Action::Confirm => {
                let (county, township) = p.options.get(p.selected).cloned().unwrap_or((None, None));
                self.overlays.pop();
                self.prefs.filter.county = county;
                self.prefs.filter.township = township;
                return self.filters_changed();
            }
            Action::Cancel | Action::Back => {
                self.overlays.pop();
            }
            _ => {}
        }
        Vec::new()
    }

    fn update_confirm(&mut self, action: Action) -> Result<Effects, Problem> {
        let Some(Overlay::Confirm(c)) = self.overlays.last() else {
            return Ok(Vec::new());
        };
        let pending = c.pending.clone();
        match action {
            Action::Confirm => {
                self.overlays.pop();
                match pending {
                    Pending::SubmitForm => self.run_form(),
                    Pending::DiscardForm => {
                        self.close_form();
                        Ok(Vec::new())
                    }
                    Pending::Advance(i) => {
                        let Some(s) = self.summaries.get(i) else {
                            return Ok(Vec::new());
                        };
                        Ok(vec![Effect::Execute {
                            id: s.id().to_string(),
                            commands: vec![Command::Advance { from: s.stage() }],
                            // the guard is checked again on the case as it is then
                            expected: None,
                            then: Then::Advanced,
                        }])
                    }
                    Pending::DropQueued(number) => Ok(vec![Effect::DropQueued(number)]),
                }
            }
            Action::Cancel | Action::Back => {
                self.overlays.pop();
                Ok(Vec::new())
            }
            _ => Ok(Vec::new()),
        }
    }

    fn update_form(&mut self, action: Action) -> Result<Effects, Problem> {
        let Some(f) = self.form_mut() else {
            return Ok(Vec::new());
        };
        match action {
            Action::NextField => f.next_field(),
            Action::PrevField => f.prev_field(),
            Action::Left => f.left(),
            Action::Right => f.right(),
            Action::DeleteBack => f.delete_back(),
            Action::DeleteForward => f.delete_forward(),
            Action::LineStart => f.home(),
            Action::LineEnd => f.end(),
            Action::DeleteToStart => f.delete_to_start(),
            Action::DeleteWord => f.delete_word(),
            Action::Cancel | Action::Back => {
                if f.is_dirty() {
                    let message = self.t(Text::ConfirmDiscard);
                    self.overlays.push(Overlay::Confirm(Confirm {
                        message,
                        pending: Pending::DiscardForm,
                    }));
                } else {
                    self.close_form();
                }
            }
            Action::Submit => return self.submit_form(),
            _ => {}
        }
        Ok(Vec::new())
    }

    /// The filters or the sort changed: new rows, and the preferences written.
    pub(super) fn filters_changed(&mut self) -> Effects {
        self.refresh_rows();
        self.message = None;
        vec![Effect::SavePrefs(self.prefs.clone())]
    }

    /// Reads the selected case (and its history), for `then`.
    fn load_selected(&mut self, history: bool, then: Then) -> Effects {
        match self
            .rows
            .get(self.selected)
            .and_then(|&i| self.summaries.get(i))
        {
            Some(s) => vec![Effect::Load {
                id: s.id().to_string(),
                history,
                then,
            }],
            None => Vec::new(),
        }
    }

    fn loaded(
        &mut self,
        case: Case,
        history: Option<Vec<Event>>,
        then: Then,
    ) -> Result<Effects, Problem> {
        let Some(i) = self.position(&case.id) else {
            return Ok(Vec::new());
        };
        match then {
            Then::Open | Then::Created | Then::Unvoided => {
                match then {
                    Then::Created => {
                        self.say(i18n::msg::msg_opened(self.lang, &case.id, &case.village))
                    }
                    Then::Unvoided => self.say(i18n::msg::msg_unvoided(
                        self.lang,
                        &case.id,
                        &case.village,
                        case.stage.label(self.lang),
                    )),
                    _ => self.message = None,
                }
                // the case opened is the one selected in the list when it shows there
                if let Some(pos) = self.rows.iter().position(|&r| r == i) {
                    self.selected = pos;
                    self.scroll_into_view();
                }
                self.screen = Screen::Detail(Detail {
                    case: i,
                    full: case,
                    tab: Tab::Overview,
                    scroll: 0,
                    row: 0,
                    history: history.unwrap_or_default(),
                });
                Ok(Vec::new())
            }
            Then::ShowHistory => {
                if let Some(d) = self.detail_mut().filter(|d| d.case == i) {
                    if let Some(h) = history {
                        d.history = h;
                    }
                    d.full = case;
                }
                Ok(Vec::new())
            }
            Then::Act(action) => self.start(action, i, case),
            Then::Rebase => {
                let on_it = self.form().is_some_and(|f| f.case_id == case.id);
                for o in self.overlays.iter_mut() {
                    if let Overlay::Form(_, under) = o {
                        if on_it {
                            **under = case.clone();
                        }
                    }
                }
                Ok(Vec::new())
            }
            Then::Redo => self.redo(i, case),
            Then::Saved { .. } | Then::Advanced | Then::Voided => Ok(Vec::new()),
        }
    }

    fn open_picker(&mut self) {
        let mut distinct: BTreeSet<(&str, &str)> = BTreeSet::new();
        for c in self.summaries.iter() {
            distinct.insert((c.county(), c.township()));
        }
        // counties and their townships in pinyin order, as a Chinese reader looks them up
        let mut areas: Vec<(&str, &str)> = distinct.into_iter().collect();
        areas.sort_by_cached_key(|(county, township)| {
            (
                crate::search::pinyin_order(county),
                crate::search::pinyin_order(township),
            )
        });
        let mut options = vec![(None, None)];
        let mut last_county = "";
        for (county, township) in areas {
            if county != last_county {
                options.push((Some(county.to_string()), None));
                last_county = county;
            }
            options.push((Some(county.to_string()), Some(township.to_string())));
        }
        let current = (
            self.prefs.filter.county.clone(),
            self.prefs.filter.township.clone(),
        );
        let selected = options.iter().position(|o| *o == current).unwrap_or(0);
        self.overlays
            .push(Overlay::Picker(Picker { options, selected }));
    }

    /// Help rows in force: (mode, key, description), narrowed by the help filter.
    pub fn help_rows(&self) -> Vec<(Mode, String, String)> {
        let filter = self
            .help()
            .map(|h| h.filter.to_lowercase())
            .unwrap_or_default();
        let mut rows = Vec::new();
        for mode in Mode::ALL {
            for b in self.keymap.bindings(mode) {
                let key = b.key.to_string();
                let desc = b.action.description(self.lang);
                let mode_label = mode.label(self.lang);
                let hay = format!("{key} {desc} {} {mode_label}", b.action.code()).to_lowercase();
                if filter.is_empty() || hay.contains(&filter) {
                    rows.push((mode, key, desc));
                }
            }
        }
        rows
    }
}
