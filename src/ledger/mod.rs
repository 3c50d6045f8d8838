//! The one interface through which the CLI and the TUI use a ledger, whatever is behind it:
//! the embedded sled store ([`Local`]) today, a connection to the county's server next.
//!
//! Shaped for a back end that can fail, be slow and push changes: every call returns a
//! [`Result`], nothing is borrowed from the back end (owned cases, summaries and events that
//! could cross a socket), and [`Ledger::subscribe`] hands out a channel of [`Notice`]s, one
//! for every change anyone makes.
//!
//! The CLI and the TUI import the store's types from here, never from `store` itself.

mod local;

use std::sync::mpsc::Receiver;

use chrono::NaiveDate;

use crate::domain::{AccountabilityEvent, Case, ChangeKind, Command, Person, Summary};
use crate::stats::Stats;

pub use crate::store::disk::Holder;
pub use crate::store::{
    case_version, Backup, Ctx, Event, RestoreSummary, StoreError, VerifyReport, BACKUP_FORMAT,
    ROSTER_EVENTS,
};
pub use local::Local;

/// What can go wrong with a ledger. The embedded store's errors are the only kind today; a
/// server connection adds its own (unreachable, refused by role, another protocol version).
#[derive(Debug)]
pub enum Error {
    Store(StoreError),
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
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// A change someone made to the ledger: the new head of its history and the cases it
/// touched, so that a screen can refresh just those.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Notice {
    /// The number and hash of the last history event after the change.
    pub seq: u64,
    pub head: String,
    pub case_ids: Vec<String>,
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

    /// The ids of the cases matching `query` (pinyin included), best match first.
    fn search(&self, query: &str) -> Result<Vec<String>>;

    /// Every count of the dashboard and `stats`, as of `today`.
    fn stats(&self, today: NaiveDate) -> Result<Stats>;

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

    /// The whole ledger for `export`: every case, in id order, and the accountability
    /// events (a clerk's, SPEC §9).
    fn export(&self) -> Result<(Vec<Case>, Vec<AccountabilityEvent>)>;

    /// One consistent snapshot of the whole ledger with its history and roster.
    fn backup(&self, as_of: Option<NaiveDate>) -> Result<Backup>;

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

    /// Makes everything written durable, before the process ends.
    fn flush(&self) -> Result<()>;
}
