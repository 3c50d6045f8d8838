//! The one interface through which the CLI and the TUI use a ledger, whatever is behind it:
//! the embedded sled store ([`Local`]) today, a connection to the county's server next.
//!
//! Shaped for a back end that can fail, be slow and push changes: every call returns a
//! [`Result`], nothing is borrowed from the back end (owned cases, summaries and events that
//! could cross a socket), and [`Ledger::subscribe`] hands out a channel of [`Notice`]s, one
//! for every change anyone makes.
//!
//! The CLI and the TUI import the store's types from here, never from `store` itself.

pub mod field;
mod forward;
mod local;
pub mod protocol;
mod remote;

use std::sync::mpsc::Receiver;

use forward::forward;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{
    AccountabilityEvent, Case, ChangeKind, Command, Person, Policy, QueuedChange, Summary,
};
use crate::i18n::{msg, Lang, Text};
use crate::listing::Filter;
use crate::stats::Stats;

pub use crate::store::disk::{os_error_in_text, DiskProblem, Holder};
pub use crate::store::outbox::{FieldCopy, FieldError, Outcome, QueueState, Queued, Taken};
pub use crate::store::{
    case_version, Arriving, Backup, CaseChange, CaseSource, CaseUpdate, Cases, Ctx, Event,
    RestoreSummary, Spool, StoreError, UpdateReport, VerifyReport, VoidedCase,
    ACCOUNTABILITY_EVENTS, BACKUP_FORMAT, IMPORT_SPOOL_PREFIX, ROSTER_EVENTS,
};
pub use field::{SyncReport, SyncStep};
pub use local::Local;
pub use remote::{Remote, OWN_SOCKET, SERVER_FILE, SERVER_FILE_WORK_PREFIX, SOCKET_WORK_PREFIX};

/// What can go wrong with a ledger: the store's errors (wherever the store is), and a
/// server connection's own. Serialisable: a server's error reaches its client as it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Error {
    Store(StoreError),
    /// The server could not be reached, or the connection to it broke.
    Unreachable {
        server: String,
        detail: Broken,
    },
    /// The client and the server speak different versions of the protocol.
    Version {
        server: String,
        theirs: String,
        ours: String,
    },
    /// The server does not let the connecting account in.
    Account {
        account: String,
        refusal: AccountRefusal,
    },
    /// The other side sent what this build cannot read.
    Protocol {
        server: String,
        detail: Unreadable,
    },
}

/// Why a server could not be reached, or the connection to it broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Broken {
    /// No socket at the path: no server runs there, or the path is wrong.
    NoSocket,
    /// A socket nobody listens on: its server stopped.
    NotListening,
    /// This account may not reach the socket.
    NotAllowed,
    /// The connection ended before the server answered the hello.
    ClosedBeforeWelcome,
    /// The server ended the connection.
    Closed,
    /// The connection ended in the middle of a frame.
    CutShort,
    /// `ssh://` names no host.
    NoHost(String),
    /// `ssh` could not be started (the system's words).
    Ssh(String),
    /// The other side sent what cannot be read, and the connection was ended for it.
    Garbled(Unreadable),
    /// Any other failure of the connection, in the system's words.
    Io(String),
}

impl Broken {
    /// What an I/O error on a connection means for the user.
    pub fn of(e: &std::io::Error) -> Broken {
        use std::io::ErrorKind as K;
        match e.kind() {
            K::NotFound => Broken::NoSocket,
            K::ConnectionRefused => Broken::NotListening,
            K::PermissionDenied => Broken::NotAllowed,
            K::UnexpectedEof => Broken::CutShort,
            K::BrokenPipe | K::ConnectionReset | K::ConnectionAborted => Broken::Closed,
            _ => Broken::Io(e.to_string()),
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            Broken::NoSocket => Text::BrokenNoSocket.get(lang).to_string(),
            Broken::NotListening => Text::BrokenNotListening.get(lang).to_string(),
            Broken::NotAllowed => Text::BrokenNotAllowed.get(lang).to_string(),
            Broken::ClosedBeforeWelcome => Text::BrokenClosedBeforeWelcome.get(lang).to_string(),
            Broken::Closed => Text::BrokenClosed.get(lang).to_string(),
            Broken::CutShort => Text::BrokenCutShort.get(lang).to_string(),
            Broken::NoHost(host) => msg::broken_no_host(lang, host),
            Broken::Ssh(detail) => msg::broken_ssh(lang, detail),
            Broken::Garbled(what) => what.message(lang),
            Broken::Io(detail) => detail.clone(),
        }
    }
}

/// What this build could not read of what the other side sent, or could not send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unreadable {
    /// Not one of the protocol's values (serde's words, which name the place).
    Malformed(String),
    /// A frame longer than the bound.
    TooLarge(u64),
    /// A reply of another kind than the call asks for.
    WrongAnswer(String),
    /// A welcome that neither says who the account acts as nor refuses it.
    NoWelcome,
    /// The server could not put its answer into a frame.
    Unsendable(String),
}

impl Unreadable {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Unreadable::Malformed(detail) => msg::unreadable_malformed(lang, detail),
            Unreadable::TooLarge(n) => msg::unreadable_too_large(lang, n, protocol::MAX_FRAME),
            Unreadable::WrongAnswer(kind) => msg::unreadable_wrong_answer(lang, kind),
            Unreadable::NoWelcome => Text::UnreadableNoWelcome.get(lang).to_string(),
            Unreadable::Unsendable(detail) => msg::unreadable_unsendable(lang, detail),
        }
    }
}

/// The connection to a server, as a screen follows it: lost (why), and back again.
#[derive(Debug, Clone)]
pub enum Link {
    Lost(Error),
    Back,
}

/// Why a server turned an account away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountRefusal {
    /// The server knows no person for this account (no name for its uid; later, not in
    /// the roster).
    Unknown,
    /// A ledger that a TUI serves while it runs is for the account that opened it only.
    NotOwner { owner: String },
    /// `--as` named someone else than the person the account is.
    NotYou { named: String, person: String },
}

impl Error {
    /// The sentence for the user.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Error::Store(e) => e.message(lang),
            Error::Unreachable { server, detail } => {
                msg::ledger_unreachable(lang, server, detail.message(lang))
            }
            Error::Version {
                server,
                theirs,
                ours,
            } => msg::ledger_version(lang, server, theirs, ours),
            Error::Account { account, refusal } => match refusal {
                AccountRefusal::Unknown => msg::ledger_account_unknown(lang, account),
                AccountRefusal::NotOwner { owner } => {
                    msg::ledger_account_not_owner(lang, account, owner)
                }
                AccountRefusal::NotYou { named, person } => {
                    msg::ledger_as_someone_else(lang, named, account, person)
                }
            },
            Error::Protocol { server, detail } => {
                msg::ledger_protocol(lang, server, detail.message(lang))
            }
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::Store(e)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Store(e) => e.fmt(f),
            other => f.write_str(&other.message(Lang::En)),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// Where a ledger's history is: its last event (number and hash), and the hash of its first,
/// which names the ledger whatever was done to it since (a backup restored keeps it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
    pub first: String,
}

/// A change someone made to the ledger: the new head of its history and the cases it
/// touched, so that a screen can refresh just those.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Notice {
    /// The number and hash of the last history event after the change.
    pub seq: u64,
    pub head: String,
    pub case_ids: Vec<String>,
}

/// The summaries (in id order) that `filter` lets through, and — with `hits`, the ids a
/// search found — that are among the hits, most overdue first as of `today`.
pub fn select_in(
    summaries: &[Summary],
    filter: &Filter,
    hits: Option<&[String]>,
    today: NaiveDate,
    policy: &Policy,
) -> Vec<Summary> {
    let hits: Option<Vec<usize>> = hits.map(|ids| {
        ids.iter()
            .filter_map(|id| summaries.binary_search_by(|s| s.id().cmp(id)).ok())
            .collect()
    });
    select_at(summaries, filter, hits.as_deref(), today, policy)
}

/// [`select_in`] with the hits as places in `summaries`.
pub fn select_at(
    summaries: &[Summary],
    filter: &Filter,
    hits: Option<&[usize]>,
    today: NaiveDate,
    policy: &Policy,
) -> Vec<Summary> {
    let due = crate::listing::statuses(summaries, today, policy);
    crate::listing::select(
        summaries,
        &due,
        filter,
        hits,
        crate::listing::Sort::MostOverdue,
    )
    .into_iter()
    .filter_map(|i| summaries.get(i).cloned())
    .collect()
}

/// A list as CSV: the header (with the days overdue after the flat columns) and each row
/// given, with its days overdue. One way of writing it, whether the rows are made now or a
/// server keeps them ready.
pub fn csv_list(
    lang: Lang,
    rows: &crate::interchange::csv::ReadyRows,
    order: impl IntoIterator<Item = (usize, i64)>,
) -> Vec<u8> {
    let order = order.into_iter();
    // room for every row at once: a list of 10,000 rows is grown by no copies of itself
    let rows_wanted = order.size_hint().0.min(rows.len());
    let mut out = Vec::with_capacity(4096 + rows_wanted * rows.row_bytes());
    crate::interchange::csv::write_header(
        &mut out,
        lang,
        &[crate::i18n::t(lang, crate::i18n::Text::XlsxDaysOverdue)],
    );
    for (i, days) in order {
        rows.write(i, &mut out, lang, &[days.to_string()]);
    }
    out
}

/// Everything the CLI and the TUI do with a ledger.
pub trait Ledger {
    /// Where the ledger is, for messages: its directory, or its server.
    fn location(&self) -> String;

    /// Who acts, on what day, under which policy: what every change is made with.
    fn ctx(&self) -> &Ctx;

    /// One summary per case, in id order.
    fn summaries(&self) -> Result<Vec<Summary>>;

    /// One whole case; [`StoreError::NotFound`] when there is none with this id.
    fn case(&self, id: &str) -> Result<Case>;

    /// Whole cases: those named (in the order given), or with `None` every case in id order.
    fn cases(&self, ids: Option<&[String]>) -> Result<Vec<Case>>;

    /// The history of one case, oldest first.
    fn history(&self, id: &str) -> Result<Vec<Event>>;

    /// The township accountability events (约谈, 诫勉, 问责).
    fn accountability(&self) -> Result<Vec<AccountabilityEvent>>;

    /// The cases voided as entered by mistake (they are on no other list), in id order,
    /// with who voided each and when: what `list --voided` and the TUI's unvoid form offer.
    fn voided(&self) -> Result<Vec<VoidedCase>>;

    /// The ids of the cases matching `query` (pinyin included), best match first.
    fn search(&self, query: &str) -> Result<Vec<String>>;

    /// What a list shows: the summaries of the cases `filter` lets through (and, with
    /// `search`, that match it), most overdue first as of `today`. A server answers it from
    /// what it keeps in memory, so that a client reads only what it prints.
    fn select(
        &self,
        filter: &Filter,
        search: Option<&str>,
        today: NaiveDate,
    ) -> Result<Vec<Summary>> {
        let summaries = self.summaries()?;
        let hits = match search {
            Some(q) => Some(self.search(q)?),
            None => None,
        };
        Ok(select_in(
            &summaries,
            filter,
            hits.as_deref(),
            today,
            &self.ctx().policy,
        ))
    }

    /// `list --format csv` as a server answers it: the cases `filter` lets through (and,
    /// with `search`, that match it), most overdue first as of `today`, as the CSV bytes
    /// to print ([`csv_list`]), written from the rows it keeps ready, so that a client only
    /// prints them. `None`: this ledger keeps no rows ready, and the caller writes the list
    /// a part at a time (the bytes are the same).
    fn list_csv(
        &self,
        filter: &Filter,
        search: Option<&str>,
        today: NaiveDate,
        lang: Lang,
    ) -> Result<Option<Vec<u8>>> {
        let _ = (filter, search, today, lang);
        Ok(None)
    }

    /// Every count of the dashboard and `stats`, as of `today`: of the cases of campaign
    /// year `year` and the accountability events of that year, or with `None` of all.
    fn stats(&self, today: NaiveDate, year: Option<i32>) -> Result<Stats>;

    /// Records a township accountability event (约谈, 诫勉, 问责; `talk`): one history event,
    /// returned. The county is worked out from the township's cases when not given.
    fn talk(&self, event: AccountabilityEvent) -> Result<Event>;

    /// Runs commands on one case through the domain's one path: all of them, in one atomic
    /// durable write, or — on the first refusal — none. Returns the case as they left it.
    ///
    /// `expected` is the [`case_version`] of the case the change was based on (the one a
    /// form opened on): when the case has changed since, nothing is written and the error
    /// ([`StoreError::Stale`]) names who changed what and when.
    fn execute(&self, id: &str, commands: &[Command], expected: Option<&str>) -> Result<Case>;

    /// What an import of `cases` would be refused for, without writing anything.
    fn check_import(&self, cases: &[Case]) -> Result<()>;

    /// Opens new cases (`new`, `import`) with the accountability events of an imported
    /// ledger: all of it, or none. Returns how many cases were opened.
    fn import(
        &self,
        cases: Vec<Case>,
        accountability: Vec<AccountabilityEvent>,
        kind: ChangeKind,
    ) -> Result<usize>;

    /// [`Ledger::check_import`] of the cases of `source`, read as they come (through a
    /// server, sent to it in parts), never all held at once.
    fn check_import_from(&self, source: &mut dyn CaseSource) -> Result<()>;

    /// [`Ledger::import`] of the cases of `source` with its accountability events, read as
    /// they come, never all held at once: a local ledger checks them in a first pass and
    /// writes them part by part in a second; through a server they are sent once, in parts,
    /// which the server checks as they arrive and keeps in a spool beside the ledger until
    /// all have passed, then writes from it as a local ledger does. Returns how many cases
    /// were opened.
    fn import_from(&self, source: &mut dyn CaseSource, kind: ChangeKind) -> Result<usize>;

    /// Brings a revised ledger in (`import --update`): opens `opened` and runs each case's
    /// update through the domain's one path, authorised (an import is a clerk's), one
    /// history event per change; all of it in one atomic durable write, or none. With
    /// `write` false, nothing is written: what it would do is returned.
    fn update(
        &self,
        opened: Vec<Case>,
        updates: Vec<CaseUpdate>,
        write: bool,
    ) -> Result<UpdateReport>;

    /// The whole ledger for `export`: every case, in id order, and the accountability
    /// events (a clerk's, SPEC §9).
    fn export(&self) -> Result<(Vec<Case>, Vec<AccountabilityEvent>)>;

    /// A part of what `export` gives, so that a large ledger is written without being held
    /// whole: at most `limit` cases in id order after the case `after` (from the first
    /// without it), and the id to ask after next (`None`: that was the last part).
    fn export_part(
        &self,
        after: Option<String>,
        limit: usize,
    ) -> Result<(Vec<Case>, Option<String>)>;

    /// One consistent snapshot of the whole ledger with its history and roster.
    fn backup(&self, as_of: Option<NaiveDate>) -> Result<Backup>;

    /// The backup written into `out` (the JSON of [`crate::backup::to_json`]); returns how
    /// many cases and events it holds. The embedded ledger writes it as it reads it, never
    /// holding the ledger whole; through a server it comes whole and is written out.
    fn backup_to(
        &self,
        as_of: Option<NaiveDate>,
        out: &mut dyn std::io::Write,
    ) -> Result<(usize, usize)> {
        let b = self.backup(as_of)?;
        let io = |e: String| Error::Store(StoreError::Io(e));
        // as `backup::to_json` writes it: pretty, and a line end
        serde_json::to_writer_pretty(&mut *out, &b).map_err(|e| io(e.to_string()))?;
        out.write_all(b"\n").map_err(|e| io(e.to_string()))?;
        Ok((b.cases.len(), b.history.len()))
    }

    /// Brings a backup back into an empty ledger.
    fn restore(&self, backup: Backup, file: &str) -> Result<RestoreSummary>;

    /// Checks the records and the history chain.
    fn verify(&self) -> Result<VerifyReport>;

    /// The roster (SPEC §9), in login order: a clerk's to see and change.
    fn roster(&self) -> Result<Vec<Person>>;

    /// Adds an account to the roster, or changes its entry: one history event, returned;
    /// `None` when the entry was already as given.
    fn add_person(&self, person: Person) -> Result<Option<Event>>;

    /// Removes an account from the roster: one history event.
    fn remove_person(&self, login: &str) -> Result<Event>;

    /// The roster's history events, oldest first.
    fn roster_history(&self) -> Result<Vec<Event>>;

    /// A channel that receives a [`Notice`] for every change made from now on.
    fn subscribe(&self) -> Receiver<Notice>;

    /// For a ledger behind a server: a channel told when the connection is lost and when
    /// it is back (it reconnects by itself once someone follows it). `None` for a ledger
    /// with no connection to lose.
    fn follow_link(&self) -> Option<Receiver<Link>> {
        None
    }

    /// Makes everything written durable, before the process ends.
    fn flush(&self) -> Result<()>;

    /// The server's side of a field copy (SPEC §10): the events after `after` (the event
    /// `after_hash`, else the ledger was rolled back), whole for the cases the connecting
    /// person holds (with `mine`, only those of their scope) and linked for the others,
    /// and the cases they and `also` name as they are now.
    fn take(&self, after: u64, after_hash: &str, mine: bool, also: &[String]) -> Result<Taken>;

    /// Whether the server's history still holds event `after` as `after_hash` (else its
    /// ledger was rolled back since a copy took it): the number of its last event.
    fn holds(&self, after: u64, after_hash: &str) -> Result<usize>;

    /// The server's side of a sync: one queued change of a field copy applied once, through
    /// the merge rules and the same authorisation and guards as any change.
    fn apply_queued(&self, change: &QueuedChange) -> Result<Outcome>;

    /// Where this ledger came from, when it is a field copy.
    fn field_copy(&self) -> Result<Option<FieldCopy>> {
        Ok(None)
    }

    /// Where its history is now: the last event, and the first (which names the ledger).
    fn head(&self) -> Result<Head>;

    /// A field copy's outbox, in the order the changes were made.
    fn outbox(&self) -> Result<Vec<Queued>> {
        Ok(Vec::new())
    }

    /// Takes one change out of a field copy's outbox (the user's decision).
    fn drop_queued(&self, number: u64) -> Result<Queued> {
        let _ = number;
        Err(self.not_a_copy())
    }

    /// Sends a field copy's outbox to its server and takes the server's changes, telling
    /// `progress` how far it is.
    fn sync(&self, progress: &mut dyn FnMut(SyncStep)) -> Result<SyncReport> {
        let _ = progress;
        Err(self.not_a_copy())
    }

    /// The error of a field copy's call on a ledger that is none.
    fn not_a_copy(&self) -> Error {
        Error::Store(StoreError::Field(FieldError::NotACopy {
            dir: self.location(),
        }))
    }
}

/// A ledger shared by several owners in one process (a TUI and the server it runs for
/// the same account's other processes).
impl<L: Ledger + ?Sized> Ledger for std::sync::Arc<L> {
    forward!(shared: location, ctx, summaries, case, cases, history, accountability, voided, search, select, list_csv, stats, talk, execute, check_import, check_import_from, import, import_from, update, export, export_part, backup, backup_to, restore, verify, roster, add_person, remove_person, roster_history, subscribe, follow_link, flush, take, holds, apply_queued, field_copy, head, outbox, drop_queued, sync);
}

fn shared<L: ?Sized>(arc: &std::sync::Arc<L>) -> &L {
    arc
}
