//! The app state and the one place it changes: keys become [`Action`]s through the keymap,
//! and [`App::update`] turns actions into state changes and, for forms, into domain commands
//! run through `Store::execute` — the same path as the command line.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::domain::{Case, Command, DueStatus, Stage, Summary};
use crate::i18n::{self, Lang};
use crate::listing::{self, Filter};
use crate::search::{Field, SearchIndex, Typing};
use crate::stats;
use crate::store::{Ctx, Event, Store, StoreError};

use super::action::Action;
use super::dashboard::Dashboard;
use super::form::Form;
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

    pub fn label_key(self) -> &'static str {
        match self {
            Tab::Overview => "tui.tab.overview",
            Tab::Pairing => "tui.tab.pairing",
            Tab::Tasks => "tui.tab.tasks",
            Tab::Adjustments => "tui.tab.adjustments",
            Tab::Visits => "tui.tab.visits",
            Tab::Acceptance => "tui.tab.acceptance",
            Tab::History => "tui.tab.history",
        }
    }

    fn step(self, by: isize) -> Tab {
        let i = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0) as isize;
        let n = Tab::ALL.len() as isize;
        Tab::ALL[((i + by).rem_euclid(n)) as usize]
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

pub struct App {
    pub store: Store,
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
    pub searching: bool,
    /// The cases shown, as indices into `summaries`, in display order.
    pub rows: Vec<usize>,
    /// How many of `rows` are overdue (kept with `rows`, so a frame does not count).
    pub rows_overdue: usize,
    pub selected: usize,
    pub offset: usize,
    pub detail: Option<Detail>,
    pub form: Option<Form>,
    pub confirm: Option<Confirm>,
    pub picker: Option<Picker>,
    pub help: Option<Help>,
    pub dashboard: Option<Dashboard>,
    /// The dashboard's figures, counted on the first `d` from what the store keeps of each
    /// case for the counts (under a second at a hundred thousand cases) and kept until a
    /// case changes.
    pub(super) dashboard_stats: Option<stats::Stats>,
    pub message: Option<Message>,
    pub quit: bool,
    /// Terminal size in cells, for paging and keeping the selection in view.
    pub size: (u16, u16),
    /// The list's id column: as wide as the widest id (12 to 16 cells).
    pub id_width: usize,
    /// Cells the widest due text of `rows` takes.
    pub due_width: usize,
}

impl App {
    /// Reads every case's summary from the store, and starts building the search index in
    /// the background.
    pub fn new(
        store: Store,
        ctx: Ctx,
        lang: Lang,
        keymap: Keymap,
        prefs: Prefs,
    ) -> Result<App, StoreError> {
        let summaries = Arc::new(store.summaries()?);
        let due = listing::statuses(&summaries, ctx.today, &ctx.policy);
        let mut app = App {
            store,
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
            searching: false,
            rows: Vec::new(),
            rows_overdue: 0,
            selected: 0,
            offset: 0,
            detail: None,
            form: None,
            confirm: None,
            picker: None,
            help: None,
            dashboard: None,
            dashboard_stats: None,
            message: None,
            quit: false,
            size: (80, 24),
            id_width: 12,
            due_width: 0,
        };
        app.id_width = crate::text::widest(app.summaries.iter().map(|s| s.id())).clamp(12, 16);
        app.refresh_rows();
        let start = Arc::clone(&app.summaries);
        // If the thread cannot be started, the index is built on the first `/` instead.
        app.index_job = std::thread::Builder::new()
            .name("search-index".into())
            .spawn(move || SearchIndex::build(&start))
            .ok();
        Ok(app)
    }

    /// The mode whose keymap section is in force.
    pub fn mode(&self) -> Mode {
        if self.help.is_some() {
            Mode::Help
        } else if self.confirm.is_some() {
            Mode::Confirm
        } else if self.picker.is_some() {
            Mode::Picker
        } else if self.form.is_some() {
            Mode::Form
        } else if self.searching {
            Mode::Search
        } else if self.dashboard.is_some() {
            Mode::Dashboard
        } else if self.detail.is_some() {
            Mode::Detail
        } else {
            Mode::List
        }
    }

    pub(super) fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key).to_string()
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
                        ix.update(i, &self.summaries[i]);
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
        self.rows_overdue = self.rows.iter().filter(|&&i| self.due[i].overdue()).count();
        self.due_width = super::view::list::due_width(
            self.rows
                .iter()
                .map(|&i| (self.summaries[i].stage(), &self.due[i])),
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

    fn scroll_into_view(&mut self) {
        let h = self.list_height();
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + h {
            self.offset = self.selected + 1 - h;
        }
        let max_offset = self.rows.len().saturating_sub(h);
        self.offset = self.offset.min(max_offset);
    }

    pub fn resize(&mut self, w: u16, h: u16) {
        self.size = (w, h);
        self.scroll_into_view();
    }

    /// The case the next action applies to: the open one, else the selected row.
    pub fn current(&self) -> Option<usize> {
        match &self.detail {
            Some(d) => Some(d.case),
            None => self.rows.get(self.selected).copied(),
        }
    }

    pub fn summary(&self, id: &str) -> Option<&Summary> {
        self.position(id).map(|i| &self.summaries[i])
    }

    /// Where a case is in `summaries` (which the store gives in id order).
    pub(super) fn position(&self, id: &str) -> Option<usize> {
        self.summaries.binary_search_by(|s| s.id().cmp(id)).ok()
    }

    pub fn selected_case(&self) -> Option<&Summary> {
        self.current().map(|i| &self.summaries[i])
    }

    /// The whole case behind summary `i`: the open detail's copy, else read from the store.
    pub(super) fn load(&mut self, i: usize) -> Option<Case> {
        if let Some(d) = self.detail.as_ref().filter(|d| d.case == i) {
            return Some(d.full.clone());
        }
        match self.store.require(self.summaries[i].id()) {
            Ok(c) => Some(c),
            Err(e) => {
                self.warn(i18n::store_error(self.lang, &e));
                None
            }
        }
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
                text: i18n::tf(
                    self.lang,
                    "tui.dash.counting",
                    &[&self.summaries.len().to_string()],
                ),
                error: false,
            });
        }
        counts
    }

    /// One key press. Returns whether anything changed (the screen needs redrawing).
    pub fn handle_key(&mut self, key: Key) -> bool {
        if key.ctrl && key.code == super::keymap::Code::Char('c') {
            self.quit = true;
            return true;
        }
        let mode = self.mode();
        if let Some(action) = self.keymap.action(mode, &key) {
            return self.update(action);
        }
        match key.typed_char() {
            Some(c) => self.type_text(c.encode_utf8(&mut [0; 4])),
            None => false,
        }
    }

    /// Typed (or pasted) text goes to what is being typed: the query, the form's field or
    /// the help filter. Anywhere else it is nothing.
    fn type_text(&mut self, text: &str) -> bool {
        match self.mode() {
            Mode::Search => {
                self.query.push_str(text);
                self.query_changed();
                true
            }
            Mode::Form => {
                if let Some(f) = self.form.as_mut() {
                    f.insert_str(text);
                    f.error = None;
                }
                true
            }
            Mode::Help => {
                if let Some(h) = self.help.as_mut() {
                    h.filter.push_str(text);
                    h.scroll = 0;
                }
                true
            }
            _ => false,
        }
    }

    /// Pasted text (the terminal's bracketed paste) goes whole into what is being typed,
    /// with its line breaks and tabs as spaces. Anywhere else it is ignored, so a pasted `q`
    /// never quits.
    pub fn paste(&mut self, pasted: &str) -> bool {
        let text: String = pasted
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        self.type_text(&text)
    }

    /// The one place state changes. Returns whether anything changed.
    pub fn update(&mut self, action: Action) -> bool {
        if action == Action::Help {
            self.help = Some(Help::default());
            return true;
        }
        match self.mode() {
            Mode::Help => self.update_help(action),
            Mode::Dashboard => self.update_dashboard(action),
            Mode::Confirm => self.update_confirm(action),
            Mode::Picker => self.update_picker(action),
            Mode::Form => self.update_form(action),
            Mode::Search => self.update_search(action),
            Mode::Detail => self.update_detail(action),
            Mode::List => self.update_list(action),
        }
        true
    }

    fn move_selection(&mut self, by: isize) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() as isize - 1;
        self.selected = (self.selected as isize + by).clamp(0, last) as usize;
        self.scroll_into_view();
    }

    fn update_list(&mut self, action: Action) {
        let page = self.list_height() as isize;
        match action {
            Action::Down => self.move_selection(1),
            Action::Up => self.move_selection(-1),
            Action::PageDown => self.move_selection(page),
            Action::PageUp => self.move_selection(-page),
            Action::Top => self.move_selection(isize::MIN / 2),
            Action::Bottom => self.move_selection(isize::MAX / 2),
            Action::Open => self.open_detail(),
            Action::Search => {
                self.searching = true;
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
                self.filters_changed();
            }
            Action::ToggleMine => {
                self.prefs.mine = !self.prefs.mine;
                self.prefs.filter.leader = None;
                self.filters_changed();
                let me = self.ctx.actor.as_str();
                let paired = |c: &Summary| {
                    c.county_leader() == me
                        || c.township_leader() == me
                        || c.first_secretary() == me
                };
                if self.prefs.mine && !self.summaries.iter().any(paired) {
                    self.warn(i18n::tf(self.lang, "tui.msg.no_mine", &[me]));
                }
            }
            Action::CycleStage => {
                let next = match self.prefs.filter.stage {
                    None => Some(Stage::ALL[0]),
                    Some(s) => Stage::ALL.iter().copied().find(|x| *x > s),
                };
                self.prefs.filter.stage = next;
                self.filters_changed();
            }
            Action::CycleSort => {
                self.prefs.sort = self.prefs.sort.next();
                self.filters_changed();
            }
            Action::ClearFilters => {
                self.prefs.filter = Filter::default();
                self.prefs.mine = false;
                self.query.clear();
                self.filters_changed();
            }
            Action::PickArea => self.open_picker(),
            Action::Dashboard => self.open_dashboard(),
            Action::Quit => self.quit = true,
            other => self.case_action(other),
        }
    }

    fn update_detail(&mut self, action: Action) {
        let max = self
            .detail
            .as_ref()
            .map(|d| super::view::detail::max_scroll(self, d))
            .unwrap_or(0);
        let Some(d) = self.detail.as_mut() else {
            return;
        };
        match action {
            Action::NextTab => {
                d.tab = d.tab.step(1);
                d.scroll = 0;
            }
            Action::PrevTab => {
                d.tab = d.tab.step(-1);
                d.scroll = 0;
            }
            Action::Down => d.scroll = (d.scroll + 1).min(max),
            Action::Up => d.scroll = d.scroll.saturating_sub(1),
            Action::PageDown => d.scroll = (d.scroll + 10).min(max),
            Action::PageUp => d.scroll = d.scroll.saturating_sub(10),
            Action::Back => {
                self.detail = None;
                self.message = None;
            }
            Action::Dashboard => self.open_dashboard(),
            Action::Quit => self.quit = true,
            other => self.case_action(other),
        }
    }

    /// `d`: the counts and the accountability list, computed from the whole ledger — once,
    /// then again only after a case has changed.
    pub fn open_dashboard(&mut self) {
        if self.dashboard_stats.is_none() {
            let mut tally = stats::Tally::new(self.ctx.today, &self.ctx.policy);
            let read = self
                .store
                .for_each_counted(|c| tally.add(&c))
                .and_then(|()| self.store.accountability());
            match read {
                Ok(events) => self.dashboard_stats = Some(tally.finish(&events)),
                Err(e) => return self.warn(i18n::store_error(self.lang, &e)),
            }
        }
        if let Some(stats) = &self.dashboard_stats {
            self.dashboard = Some(Dashboard::new(stats.clone()));
            self.message = None;
        }
    }

    fn update_dashboard(&mut self, action: Action) {
        let Some(d) = self.dashboard.as_mut() else {
            return;
        };
        match action {
            Action::Down => d.move_by(1),
            Action::Up => d.move_by(-1),
            Action::PageDown => d.move_by(10),
            Action::PageUp => d.move_by(-10),
            Action::Top => d.move_by(isize::MIN / 2),
            Action::Bottom => d.move_by(isize::MAX / 2),
            Action::Open => {
                if let Some(filter) = d.filter() {
                    self.dashboard = None;
                    self.detail = None;
                    self.query.clear();
                    self.prefs.filter = filter;
                    self.prefs.mine = false;
                    self.filters_changed();
                }
            }
            Action::Back | Action::Dashboard => self.dashboard = None,
            Action::Quit => self.quit = true,
            _ => {}
        }
    }

    fn update_search(&mut self, action: Action) {
        match action {
            Action::Confirm => self.searching = false,
            Action::Cancel => {
                self.searching = false;
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
        let Some(h) = self.help.as_mut() else { return };
        match action {
            Action::Back | Action::Cancel | Action::Quit => self.help = None,
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

    fn update_picker(&mut self, action: Action) {
        let Some(p) = self.picker.as_mut() else {
            return;
        };
        match action {
            Action::Down => p.selected = (p.selected + 1).min(p.options.len().saturating_sub(1)),
            Action::Up => p.selected = p.selected.saturating_sub(1),
            Action::Confirm => {
                let (county, township) = p.options.get(p.selected).cloned().unwrap_or((None, None));
                self.picker = None;
                self.prefs.filter.county = county;
                self.prefs.filter.township = township;
                self.filters_changed();
            }
            Action::Cancel | Action::Back => self.picker = None,
            _ => {}
        }
    }

    fn update_confirm(&mut self, action: Action) {
        let Some(c) = self.confirm.take() else { return };
        match action {
            Action::Confirm => match c.pending {
                Pending::SubmitForm => self.run_form(),
                Pending::DiscardForm => self.form = None,
                Pending::Advance(i) => {
                    let id = self.summaries[i].id().to_string();
                    self.execute(&id, &[Command::Advance]);
                }
            },
            Action::Cancel | Action::Back => {}
            _ => self.confirm = Some(c),
        }
    }

    fn update_form(&mut self, action: Action) {
        let Some(f) = self.form.as_mut() else { return };
        match action {
            Action::NextField => f.next_field(),
            Action::PrevField => f.prev_field(),
            Action::Left => f.left(),
            Action::Right => f.right(),
            Action::DeleteBack => f.delete_back(),
            Action::DeleteForward => f.delete_forward(),
            Action::Cancel | Action::Back => {
                if f.is_dirty() {
                    self.confirm = Some(Confirm {
                        message: self.t("tui.confirm.discard"),
                        pending: Pending::DiscardForm,
                    });
                } else {
                    self.form = None;
                }
            }
            Action::Submit => self.submit_form(),
            _ => {}
        }
    }

    pub(super) fn filters_changed(&mut self) {
        self.refresh_rows();
        if let Err(e) = self.prefs.save() {
            self.warn(e);
        } else {
            self.message = None;
        }
    }

    fn open_detail(&mut self) {
        let Some(i) = self.rows.get(self.selected).copied() else {
            return;
        };
        let Some(full) = self.load(i) else {
            return;
        };
        let history = self.store.history(&full.id).unwrap_or_default();
        self.detail = Some(Detail {
            case: i,
            full,
            tab: Tab::Overview,
            scroll: 0,
            history,
        });
        self.message = None;
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
        self.picker = Some(Picker { options, selected });
    }

    /// Help rows in force: (mode, key, description), narrowed by the help filter.
    pub fn help_rows(&self) -> Vec<(Mode, String, String)> {
        let filter = self
            .help
            .as_ref()
            .map(|h| h.filter.to_lowercase())
            .unwrap_or_default();
        let mut rows = Vec::new();
        for mode in Mode::ALL {
            for b in self.keymap.bindings(mode) {
                let key = b.key.to_string();
                let desc = b.action.description(self.lang);
                let mode_label = self.t(&format!("tui.mode.{}", mode.code()));
                let hay = format!("{key} {desc} {} {mode_label}", b.action.code()).to_lowercase();
                if filter.is_empty() || hay.contains(&filter) {
                    rows.push((mode, key, desc));
                }
            }
        }
        rows
    }
}
