//! The store: owns sled. Every change is one atomic sled batch that writes the case and its
//! history event together, flushed and synced to the disk before it reports success.
//!
//! Layout (one sled tree, so one batch is atomic across all of it):
//! - `m/schema`, `m/seq`, `m/head`: schema version, last event number, last event hash
//! - `c/<id>`: the case record (`Record`: the case plus the number of its last event),
//!   compressed ([`layout::encode_record`])
//! - `s/<first id>`: the list summaries (`Summary`) in chunks of consecutive ids, derived
//!   from the records and written with them ([`layout::Family`])
//! - `k/<first id>`: what the counts read of each case (`domain::Counted`), likewise
//! - `r/<first id>`: each case's own fields (`Case::own_fields`), all its CSV row shows,
//!   likewise
//! - `h/<seq>`: history events, hash-chained in `seq` order
//! - `x/<id>\0<seq>`: index from a case to its events
//! - `a/<seq>`: township accountability events
//! - `u/<login>`: the roster (`domain::Person`, JSON); each change is a history event of no
//!   case ([`roster`])

use std::collections::HashMap;
use std::fs::{self, File};

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{Local, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{
    self, AccountabilityEvent, Case, Change, ChangeKind, Command, Counted, Operation, Person,
    Policy, Refusal, Roster, Summary,
};
use crate::panics::quietly;

mod accountability;
mod damage;
pub mod disk;
mod import;
#[doc(hidden)]
pub mod layout;
mod message;
pub mod outbox;
mod roster;
pub use accountability::ACCOUNTABILITY_EVENTS;
pub use damage::Damage;
use disk::{DiskProblem, Holder, Locking};
pub use import::{Arriving, CaseSource, Cases, Spool};
use layout::{case_key, event_key, index_key, Family};
pub use roster::ROSTER_EVENTS;

/// The schema this build writes and reads. Schema 1 (one summary per case, records as plain
/// JSON, no counts) and schema 2 (no rows family) are brought up to date when opened.
pub const SCHEMA_VERSION: u64 = 3;
/// The schema of backup files: 2 added the roster (a schema 1 backup has none).
pub const BACKUP_SCHEMA: u64 = 2;
/// The `format` of a backup file: the interchange ledger plus the full history.
pub const BACKUP_FORMAT: &str = "zhengdun-backup/1";
const LOCK_FILE: &str = "zhengdun.lock";
/// Names the socket of the server that holds the ledger while it runs (written by the
/// server, read by the same account's clients given `--db`).
pub const SERVER_FILE: &str = "zhengdun.server";
/// [`SERVER_FILE`] being written, before it is moved into place (`zhengdun.server.PID`);
/// one left by a server killed in that moment is the ledger's own, not a foreign file.
pub const SERVER_FILE_WORK_PREFIX: &str = "zhengdun.server.";
/// The socket a TUI serves its own ledger on while it runs, in the ledger's directory.
pub const OWN_SOCKET: &str = "zhengdun.sock";
/// The private directory a socket is made in before it is moved into place.
pub const SOCKET_WORK_PREFIX: &str = ".zhengdun-sock-";
/// The cases of an import that arrives in parts through a server, kept until they are
/// written (`zhengdun.import.PID.N`, see [`Arriving`]); one a killed server left is removed
/// at the next open.
pub const IMPORT_SPOOL_PREFIX: &str = "zhengdun.import.";
/// Imports of more cases than this are written in parts of this many.
const CASES_PER_PART: usize = 5_000;
/// Present while a large import is being written: see [`Store::import`].
const IMPORTING: &[u8] = b"m/importing";

/// What a large import adds, written before its first part.
#[derive(Serialize, Deserialize)]
struct ImportMarker {
    /// The last event before the import.
    after_seq: u64,
    ids: Vec<String>,
}

/// What can go wrong in the store, as plain data. [`StoreError::message`] words it in
/// either language; `Display` gives the English. Serialisable, so that a server's error
/// reaches its client as the same value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum StoreError {
    /// Another process holds the ledger (after `waited` seconds of waiting for it).
    Locked {
        dir: String,
        holder: Holder,
        waited: u64,
    },
    /// The disk is full, read-only, not ours to write, or gone: not damage. `dir` is empty
    /// until [`Store::with_dir`] names it.
    Disk {
        dir: String,
        problem: DiskProblem,
        detail: String,
    },
    NotADatabase {
        dir: String,
    },
    /// A restore goes into an empty ledger only.
    NotEmpty {
        dir: String,
    },
    NewerSchema {
        dir: String,
        found: u64,
        supported: u64,
    },
    Damaged {
        dir: String,
        detail: Damage,
    },
    /// The storage engine found damaged data while reading (the store knows no directory here).
    Corrupted(Damage),
    Io(String),
    NotFound(String),
    Duplicate(String),
    BadBackup {
        file: String,
        problem: String,
    },
    Refused {
        id: String,
        refusal: Refusal,
    },
    /// Refused, but not about one case: a role that may not import, an account not in the
    /// roster, a roster change that cannot be.
    Denied(Refusal),
    /// The case changed after the version a change was based on (a form opened on it
    /// before someone else's change): the events since, oldest first.
    Stale {
        id: String,
        since: Vec<Event>,
    },
    /// A field copy's own trouble (SPEC §10): see [`outbox::FieldError`].
    Field(outbox::FieldError),
    /// The cases an import read a second time, to write them, were not those it checked
    /// the first time (the file was changed meanwhile): from `id` on, or after the last.
    ImportChanged {
        id: Option<String>,
    },
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let message = self.message(crate::i18n::Lang::En);
        match self {
            StoreError::Refused { id, .. } => write!(f, "case {id}: {message}"),
            _ => f.write_str(&message),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Corruption { .. } => StoreError::Corrupted(corruption_detail(&e)),
            sled::Error::Io(io) => match DiskProblem::of(&io) {
                Some(problem) => StoreError::disk("", problem, &io),
                None => StoreError::Io(format!("database error: {io}")),
            },
            other => StoreError::Io(format!("database error: {other}")),
        }
    }
}

/// Says where sled found damaged data, without its debug dump.
fn corruption_detail(e: &sled::Error) -> Damage {
    match e {
        sled::Error::Corruption { at: Some(at), .. } => Damage::BadBytesAt { byte: at.lid() },
        sled::Error::Corruption { at: None, .. } => Damage::CutShort,
        sled::Error::Io(io) => Damage::FilesUnreadable {
            why: io.to_string(),
        },
        other => Damage::Engine {
            what: other.to_string(),
        },
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        match DiskProblem::of(&e) {
            Some(problem) => StoreError::disk("", problem, &e),
            None => StoreError::Io(e.to_string()),
        }
    }
}

impl StoreError {
    fn disk(dir: &str, problem: DiskProblem, detail: impl std::fmt::Display) -> StoreError {
        StoreError::Disk {
            dir: dir.to_string(),
            problem,
            detail: detail.to_string(),
        }
    }

    /// `e` as the disk problem it is, or as `other` when it is none.
    pub fn io_in(
        dir: &Path,
        e: std::io::Error,
        other: impl FnOnce(std::io::Error) -> String,
    ) -> Self {
        match DiskProblem::of(&e) {
            Some(problem) => StoreError::disk(&dir.display().to_string(), problem, e),
            None => StoreError::Io(other(e)),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Who acts, on what day, under which policy. Passed to every change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ctx {
    pub today: NaiveDate,
    /// The name history records when no `person` is known (`--as`, or the login).
    pub actor: String,
    pub policy: Policy,
    /// The person acting, as the roster knows the account: set by the server from the
    /// connecting account's credentials. Every change is then authorised by the domain
    /// (`domain::authorize`) against the roster *as it is when the change is made* (a role
    /// taken away applies at once), and history records the roster name and the account.
    ///
    /// `None` is the embedded ledger (SPEC §5, §9: with no server every command opens the
    /// database itself): nothing is checked, whatever the roster holds, exactly as before
    /// there was one. A ledger's directory is readable only by the account that owns it
    /// (0700), and a served ledger's owner is the account that runs `serve`, a clerk of its
    /// roster ([`Store::ensure_clerk`]); a role check on the one process that could as well
    /// rewrite the files would be no check. So a roster kept in an embedded ledger is data:
    /// the clerk sets it up (`user add`) before the first `serve`, and the server enforces it.
    pub person: Option<Person>,
}

impl Ctx {
    /// This context acting as `person` (as the server makes one for each connecting
    /// account): its roster name is the actor.
    pub fn with_person(mut self, person: Person) -> Ctx {
        self.actor = person.name.clone();
        self.person = Some(person);
        self
    }

    /// The name history records: the roster name of the person acting, else `actor`.
    pub fn recorded_actor(&self) -> &str {
        match &self.person {
            Some(p) => &p.name,
            None => &self.actor,
        }
    }
}

/// One history event. `hash` covers every other field, and `prev` is the hash of the event
/// before it, so an edited, reordered or removed event breaks the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub case_id: String,
    /// Local time of the change, RFC 3339.
    pub at: String,
    pub actor: String,
    /// The roster account of the actor, when the change came through a server (absent
    /// from older events, so their hashes are unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(flatten)]
    pub change: Change,
    /// SHA-256 of the case record as this event left it; for a roster event (no case),
    /// of the whole roster as it left it.
    pub case_hash: String,
    pub prev: String,
    pub hash: String,
}

impl Event {
    fn compute_hash(&self) -> Result<String> {
        let mut e = self.clone();
        e.hash = String::new();
        // serde_json writes struct fields in declaration order: a stable encoding.
        let bytes = json_bytes(&e)?;
        Ok(hex(&Sha256::digest(&bytes)))
    }
}

/// A case entered by mistake and voided (SPEC §11), as `list --voided` and the TUI's unvoid
/// form show it: the case, and who voided it when (the actor and time of the event that
/// did; `None` only for a case that came voided from a backup without that event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoidedCase {
    pub case: Case,
    pub by: Option<String>,
    pub at: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Record {
    last_event: u64,
    case: Case,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn case_hash(case: &Case) -> Result<String> {
    Ok(json_hash(&json_bytes(case)?))
}

/// The JSON of a record, an event or a derived value. Plain data does not fail to
/// serialise, but if it ever did the write is refused: an empty record is never written.
fn json_bytes<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| StoreError::Io(e.to_string()))
}

/// The version of a case as a reader holds it: the hash its last history event recorded
/// (`Event::case_hash`). A change based on what a reader saw passes it as `expected`
/// ([`Store::execute_all`]), and is refused if the case has changed since.
pub fn case_version(case: &Case) -> String {
    // Plain data does not fail to serialise; if it ever did, the empty version matches no
    // case, and the change is refused rather than written on a base nobody saw.
    case_hash(case).unwrap_or_default()
}

fn json_hash(json: &[u8]) -> String {
    hex(&Sha256::digest(json))
}

/// What writing a case needs that does not depend on its place in the history: its record
/// (the event number still to be filled in), the hash of its JSON, and the values derived
/// from it. Worked out on every core for a large import.
struct Prepared {
    case: Case,
    record: Vec<u8>,
    hash: String,
    derived: Derived,
}

impl Prepared {
    fn of(case: Case) -> Result<Prepared> {
        let json = json_bytes(&case)?;
        Ok(Prepared {
            hash: json_hash(&json),
            record: layout::encode_record(0, &json),
            derived: Derived::of(&case)?,
            case,
        })
    }
}

/// A case's entries in each chunk family, encoded; none for a voided case, which is in no
/// list and no count (SPEC §11).
struct Derived {
    id: String,
    summary: Option<Vec<u8>>,
    counted: Option<Vec<u8>>,
    row: Option<Vec<u8>>,
}

impl Derived {
    fn of(case: &Case) -> Result<Derived> {
        if case.voided.is_some() {
            return Ok(Derived {
                id: case.id.clone(),
                summary: None,
                counted: None,
                row: None,
            });
        }
        // kept until an import's last part: no spare capacity (100,000 of them)
        let mut counted = json_bytes(&Counted::of(case))?;
        counted.shrink_to_fit();
        let mut summary = layout::encode_summary(&Summary::of(case));
        summary.shrink_to_fit();
        let mut row = json_bytes(&case.own_fields())?;
        row.shrink_to_fit();
        Ok(Derived {
            id: case.id.clone(),
            summary: Some(summary),
            counted: Some(counted),
            row: Some(row),
        })
    }

    /// The entries in [`Family::ALL`]'s order.
    fn entries(&self) -> [&Option<Vec<u8>>; 3] {
        [&self.summary, &self.counted, &self.row]
    }
}

fn decode_record_bytes(v: &[u8]) -> std::result::Result<Record, String> {
    match layout::read_record(v)? {
        layout::StoredRecord::Json(json) => serde_json::from_slice(json),
        layout::StoredRecord::Compressed {
            last_event,
            case_json,
        } => serde_json::from_slice(&case_json).map(|case| Record { last_event, case }),
    }
    .map_err(|e| e.to_string())
}

pub struct Store {
    db: sled::Db,
    /// Where the engine's files are: the ledger's directory, or a copy of it to read from.
    dir: PathBuf,
    /// Who this process is in the lock file, for [`Store::checkpoint`]'s reopen.
    me: Holder,
    /// When the ledger's own disk cannot be written: the ledger's directory, what its disk
    /// did, and the private copy being read instead ([`Store::open_to_read`]).
    copy_of: Option<(PathBuf, DiskProblem, tempfile::TempDir)>,
    /// Serialises writers inside this process; other processes are kept out by the lock file.
    write: Mutex<()>,
    /// Files sled writes once and never changes (`blobs/*`, `snap.*`, `conf`) that
    /// [`Store::sync`] has already made durable, with their lengths then.
    synced: Mutex<std::collections::HashMap<PathBuf, u64>>,
    _lock: File,
}

/// One change of a group commit ([`Store::execute_group`]): commands on one case, made
/// with `ctx`, based on the case's `expected` version when given.
#[derive(Debug, Clone, Copy)]
pub struct CaseChange<'a> {
    pub id: &'a str,
    pub commands: &'a [Command],
    pub ctx: &'a Ctx,
    pub expected: Option<&'a str>,
}

/// The findings of `verify`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VerifyReport {
    pub cases: usize,
    pub events: u64,
    pub problems: Vec<Damage>,
}

impl Store {
    /// Opens (or creates) the ledger in `dir`. A second process gets [`StoreError::Locked`]
    /// at once; a foreign or damaged directory gets a message, never a panic.
    pub fn open(dir: &Path) -> Result<Store> {
        Store::open_as(dir, &Holder::me("zhengdun", ""), std::time::Duration::ZERO)
    }

    /// [`Store::open`] as `me` (named in the lock file, so a process kept out can say who
    /// has the ledger), waiting up to `wait` while another short command holds it.
    pub fn open_as(dir: &Path, me: &Holder, wait: std::time::Duration) -> Result<Store> {
        let dir_s = dir.display().to_string();
        if dir.exists() {
            if !dir.is_dir() {
                return Err(StoreError::NotADatabase { dir: dir_s });
            }
            let names: Vec<String> = fs::read_dir(dir)
                .map_err(|e| StoreError::io_in(dir, e, |e| e.to_string()))?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            let ours = |n: &str| {
                n == "conf"
                    || n == "db"
                    || n == "blobs"
                    || n == LOCK_FILE
                    || n == SERVER_FILE
                    || n == OWN_SOCKET
                    || n.starts_with(SOCKET_WORK_PREFIX)
                    || n.starts_with(SERVER_FILE_WORK_PREFIX)
                    || n.starts_with(IMPORT_SPOOL_PREFIX)
                    || n.starts_with("snap.")
            };
            if !names.is_empty()
                && (!names.iter().all(|n| ours(n)) || !names.iter().any(|n| n == "db"))
                && !disk::never_written(dir, &names)
            {
                let engine_files = names.iter().any(|n| {
                    n != LOCK_FILE
                        && n != SERVER_FILE
                        && n != OWN_SOCKET
                        && !n.starts_with(SERVER_FILE_WORK_PREFIX)
                        && !n.starts_with(IMPORT_SPOOL_PREFIX)
                });
                if engine_files && names.iter().all(|n| ours(n)) {
                    return Err(StoreError::Damaged {
                        dir: dir_s,
                        detail: Damage::DataFileMissing,
                    });
                }
                return Err(StoreError::NotADatabase { dir: dir_s });
            }
        } else {
            create_private_dir(dir)?;
        }
        let lock = take_lock(dir, me, wait)?;
        if fs::metadata(dir.join("db")).is_err() {
            // A first command cut off before the engine wrote its data file may have left
            // its `conf` half-written; with no data anywhere, the engine makes it anew.
            let _ = fs::remove_file(dir.join("conf"));
        }
        remove_unfinished_snapshots(dir)?;
        let config = sled::Config::new()
            .path(dir)
            .cache_capacity(32 * 1024 * 1024)
            .mode(sled::Mode::LowSpace)
            .flush_every_ms(None);
        // sled 0.34 may panic on some kinds of damaged files; that must become a message.
        let mut opened = quietly(|| config.open());
        // Our lock file keeps other processes out, so sled's own lock on `db` can only be
        // held by this process: by the engine just closed (a checkpoint), whose background
        // threads let go of the file a moment after it is dropped. Wait for them.
        let waiting = std::time::Instant::now();
        while engine_lock_held(&opened) && waiting.elapsed() < std::time::Duration::from_secs(10) {
            std::thread::sleep(std::time::Duration::from_millis(20));
            opened = quietly(|| config.open());
        }
        let db = match opened {
            Ok(Ok(db)) => db,
            Ok(Err(sled::Error::Io(e))) if DiskProblem::of(&e).is_some() => {
                return Err(StoreError::io_in(dir, e, |e| e.to_string()))
            }
            Ok(Err(e)) => {
                return Err(StoreError::Damaged {
                    dir: dir_s,
                    detail: corruption_detail(&e),
                })
            }
            Err(what) => {
                return Err(match DiskProblem::in_text(&what) {
                    Some(problem) => StoreError::disk(&dir_s, problem, what),
                    None => StoreError::Damaged {
                        dir: dir_s,
                        detail: Damage::EngineCannotOpen,
                    },
                })
            }
        };
        let store = Store {
            db,
            dir: dir.to_path_buf(),
            me: me.clone(),
            copy_of: None,
            write: Mutex::new(()),
            synced: Default::default(),
            _lock: lock,
        };
        store.check_schema().map_err(|e| store.with_dir(e))?;
        store
            .guarded(|| store.undo_interrupted_import())
            .map_err(|e| store.with_dir(e))?;
        // sled creates its files with the process umask; the ledger is for its owner only.
        make_private(dir)?;
        Ok(store)
    }

    /// [`Store::open_as`] for a command that only reads: when the ledger's disk is full or
    /// read-only (the engine writes when it opens), the ledger is copied into a private
    /// temporary directory and read from there, and every change is refused.
    pub fn open_to_read(dir: &Path, me: &Holder, wait: std::time::Duration) -> Result<Store> {
        let problem = match Store::open_as(dir, me, wait) {
            Err(StoreError::Disk { problem, .. }) if problem.readable() => problem,
            other => return other,
        };
        let _held = disk::read_lock(&dir.join(LOCK_FILE));
        let copy = disk::copy_to_read(dir).map_err(|e| {
            StoreError::io_in(dir, e, |e| {
                format!("cannot copy the ledger {} to read it: {e}", dir.display())
            })
        })?;
        let mut store = Store::open_as(copy.path(), me, std::time::Duration::ZERO)?;
        store.copy_of = Some((dir.to_path_buf(), problem, copy));
        Ok(store)
    }

    /// What the ledger's disk did, when this store reads a copy of it.
    pub fn reading_a_copy(&self) -> Option<DiskProblem> {
        self.copy_of.as_ref().map(|(_, problem, _)| *problem)
    }

    /// Refuses a change to a copy read in place of a ledger whose disk cannot be written.
    fn writable(&self) -> Result<()> {
        match &self.copy_of {
            Some((dir, problem, _)) => Err(StoreError::disk(
                &dir.display().to_string(),
                *problem,
                "the ledger can only be read",
            )),
            None => Ok(()),
        }
    }

    /// Closes the engine. sled 0.34 ends by syncing its log and panics when that fails (a
    /// failing or vanished disk): that becomes an error here, so a command that already
    /// reported its change does not crash after it.
    pub fn close(self) -> Result<()> {
        let dir = self.dir().display().to_string();
        quietly(move || drop(self)).map_err(|what| {
            StoreError::disk(
                &dir,
                DiskProblem::in_text(&what).unwrap_or(DiskProblem::Gone),
                what,
            )
        })
    }

    /// The ledger's directory (also when a copy of it is read).
    pub fn dir(&self) -> &Path {
        match &self.copy_of {
            Some((dir, _, _)) => dir,
            None => &self.dir,
        }
    }

    /// Closes and reopens the engine. sled 0.34 writes its snapshot of the page table only
    /// when it opens, and replays everything written since the last snapshot on the next
    /// open: after a large import that is seconds. Reopening here moves that cost into the
    /// import, so the next open of the ledger is quick.
    pub fn checkpoint(self) -> Result<Store> {
        let (dir, me) = (self.dir.clone(), self.me.clone());
        self.close()?;
        Store::open_as(&dir, &me, std::time::Duration::ZERO)
    }

    /// Names the directory in an engine error that did not know it.
    fn with_dir(&self, e: StoreError) -> StoreError {
        match e {
            StoreError::Corrupted(detail) => self.damaged(detail),
            StoreError::Disk {
                dir,
                problem,
                detail,
            } if dir.is_empty() => {
                StoreError::disk(&self.dir().display().to_string(), problem, detail)
            }
            other => other,
        }
    }

    /// Runs a read of the engine so that a panic inside sled (it has some on damaged pages)
    /// becomes a [`StoreError::Damaged`] message, never a crash.
    fn guarded<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        match quietly(f) {
            Ok(r) => r.map_err(|e| self.with_dir(e)),
            Err(what) => Err(match DiskProblem::in_text(&what) {
                Some(problem) => StoreError::disk(&self.dir().display().to_string(), problem, what),
                None => self.damaged(Damage::EngineFailed { what }),
            }),
        }
    }

    fn damaged(&self, detail: Damage) -> StoreError {
        StoreError::Damaged {
            dir: self.dir().display().to_string(),
            detail,
        }
    }

    fn check_schema(&self) -> Result<()> {
        match self.db.get(b"m/schema")? {
            Some(v) => {
                let found = u64::from_be_bytes(
                    v.as_ref()
                        .try_into()
                        .map_err(|_| self.damaged(Damage::SchemaUnreadable))?,
                );
                if found > SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        dir: self.dir.display().to_string(),
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
                if found < SCHEMA_VERSION {
                    self.upgrade()?;
                }
                Ok(())
            }
            None if self.db.is_empty() => {
                self.db.insert(b"m/schema", &SCHEMA_VERSION.to_be_bytes())?;
                self.sync()?;
                Ok(())
            }
            None => Err(self.damaged(Damage::SchemaMissing)),
        }
    }

    /// Makes everything written so far durable: sled's flush, then a real fsync of its files
    /// (sled 0.34 ends its flush with `sync_file_range`, which does not empty the drive's
    /// write cache), of the files it may have created (`blobs/*` for large values, `snap.*`),
    /// and of the directories that name them. New files are made private on the way.
    pub fn sync(&self) -> Result<()> {
        self.db.flush().map_err(|e| self.with_dir(e.into()))?;
        if skip_fsync() {
            return Ok(());
        }
        let mut synced = self.synced.lock().unwrap_or_else(|p| p.into_inner());
        sync_tree(&self.dir, &mut synced).map_err(|e| {
            StoreError::io_in(self.dir(), e, |e| {
                format!(
                    "cannot make the ledger durable in {}: {e}",
                    self.dir().display()
                )
            })
        })
    }

    /// An older schema brought up to date: every family of derived entries written anew from
    /// the records (schema 1's per-case summaries become chunks; schema 1 had no counts,
    /// schema 2 no rows). The records stay readable as they are, and are compressed when
    /// next written. One atomic batch.
    fn upgrade(&self) -> Result<()> {
        self.guarded(|| {
            let mut batch = sled::Batch::default();
            for family in Family::ALL {
                for kv in self.db.scan_prefix(family.prefix()) {
                    batch.remove(kv?.0);
                }
            }
            let mut derived = Vec::new();
            for kv in self.db.scan_prefix(b"c/") {
                let (k, v) = kv?;
                derived.push(Derived::of(&self.decode_record(&k, &v)?.case)?);
            }
            self.put_derived(&mut batch, derived, true)?;
            batch.insert(b"m/schema".as_slice(), &SCHEMA_VERSION.to_be_bytes());
            self.db.apply_batch(batch)?;
            self.sync()
        })
    }

    /// Puts the cases' derived values into their chunks in `batch`, merged with what the
    /// chunks hold now, or — when `fresh` — into new chunks.
    fn put_derived(
        &self,
        batch: &mut sled::Batch,
        derived: Vec<Derived>,
        fresh: bool,
    ) -> Result<()> {
        let (mut summaries, mut counts, mut rows) = (Vec::new(), Vec::new(), Vec::new());
        for d in derived {
            summaries.push((d.id.clone(), d.summary));
            counts.push((d.id.clone(), d.counted));
            rows.push((d.id, d.row));
        }
        self.put_chunked(batch, Family::Summaries, summaries, fresh)?;
        self.put_chunked(batch, Family::Counts, counts, fresh)?;
        self.put_chunked(batch, Family::Rows, rows, fresh)
    }

    /// Puts each entry into its chunk of `family` (`None`: takes the case's entry out).
    fn put_chunked(
        &self,
        batch: &mut sled::Batch,
        family: Family,
        entries: Vec<(String, Option<Vec<u8>>)>,
        fresh: bool,
    ) -> Result<()> {
        use std::collections::btree_map::Entry;
        let mut chunks: std::collections::BTreeMap<Vec<u8>, _> = Default::default();
        for (id, bytes) in entries {
            let key = if fresh {
                family.key("")
            } else {
                self.chunk_holding(family, &id)?
            };
            let held = match chunks.entry(key) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    let now = if fresh {
                        Default::default()
                    } else {
                        self.chunk(family, e.key())?
                    };
                    e.insert(now)
                }
            };
            match bytes {
                Some(bytes) => held.insert(id, bytes),
                None => held.remove(&id),
            };
        }
        for (key, held) in chunks {
            for (k, v) in family.split(key, held.into_iter().collect()) {
                batch.insert(k, v);
            }
        }
        Ok(())
    }

    /// The key of the chunk of `family` a case's entry belongs in.
    fn chunk_holding(&self, family: Family, id: &str) -> Result<Vec<u8>> {
        match self.db.range(family.key("")..=family.key(id)).next_back() {
            Some(kv) => Ok(kv?.0.to_vec()),
            None => Ok(family.key("")),
        }
    }

    fn chunk(
        &self,
        family: Family,
        key: &[u8],
    ) -> Result<std::collections::BTreeMap<String, Vec<u8>>> {
        match self.db.get(key)? {
            None => Ok(Default::default()),
            Some(v) => match family.entries(&v) {
                Some(entries) => Ok(entries.into_iter().collect()),
                None => Err(self.damaged(layout::unreadable_chunk(family, key))),
            },
        }
    }

    /// After a crash in the middle of a large import: removes what its parts wrote (the
    /// records, events and index entries of the cases the marker names, none of which the
    /// head of the chain reaches yet, and their entries in the derived chunks), so the
    /// ledger is as it was before the import.
    fn undo_interrupted_import(&self) -> Result<()> {
        let Some(v) = self.db.get(IMPORTING)? else {
            return Ok(());
        };
        let marker: ImportMarker = serde_json::from_slice(&v)
            .map_err(|e| self.damaged(Damage::ImportUnreadable { why: e.to_string() }))?;
        if self.head()?.0 != marker.after_seq {
            return Err(self.damaged(Damage::ImportOffHistory));
        }
        // One removal at a time (a batch of them all holds much memory in sled 0.34), the
        // marker last: an undo cut short is done again, whole, at the next open.
        for id in &marker.ids {
            self.db.remove(case_key(id))?;
            self.db.remove(layout::void_key(id))?;
            for kv in self.db.scan_prefix(layout::index_prefix(id)) {
                self.db.remove(kv?.0)?;
            }
        }
        for kv in self
            .db
            .range(event_key(marker.after_seq + 1)..=event_key(u64::MAX))
        {
            self.db.remove(kv?.0)?;
        }
        self.remove_derived_of(&marker.ids)?;
        self.db.flush()?;
        self.db.remove(IMPORTING)?;
        self.sync()
    }

    /// Takes the entries of the cases `ids` out of every derived chunk, a chunk at a time
    /// (each write leaves the chunk's other entries as they were, so one cut short is
    /// simply done again); a chunk left empty goes. The chunks keep the bounds the import
    /// gave them: a case's entry is found in the same chunk as before, by its id.
    fn remove_derived_of(&self, ids: &[String]) -> Result<()> {
        let ids: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        for family in Family::ALL {
            for kv in self.db.scan_prefix(family.prefix()) {
                let (k, v) = kv?;
                let Some(entries) = family.entries(&v) else {
                    return Err(self.damaged(layout::unreadable_chunk(family, &k)));
                };
                let before = entries.len();
                let kept: Vec<_> = entries
                    .into_iter()
                    .filter(|(id, _)| !ids.contains(id.as_str()))
                    .collect();
                if kept.len() == before {
                    continue;
                }
                if kept.is_empty() {
                    self.db.remove(k)?;
                } else {
                    for (key, chunk) in family.split(k.to_vec(), kept) {
                        self.db.insert(key, chunk)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn decode_record(&self, key: &[u8], v: &[u8]) -> Result<Record> {
        decode_record_bytes(v).map_err(|e| {
            self.damaged(Damage::RecordUnreadable {
                key: String::from_utf8_lossy(key).escape_debug().to_string(),
                why: e,
            })
        })
    }

    /// The case with this id, matched without regard to letter case (SPEC §11:
    /// `2017-yg-003` is `2017-YG-003`).
    pub fn get(&self, id: &str) -> Result<Option<Case>> {
        let Some(id) = self.canonical_id(id)? else {
            return Ok(None);
        };
        self.guarded(|| match self.db.get(case_key(&id))? {
            Some(v) => Ok(Some(self.decode_record(&case_key(&id), &v)?.case)),
            None => Ok(None),
        })
    }

    /// The id as the ledger holds it: `id` itself, or else the one whose letters differ from
    /// it only in case. Ids are unique without regard to case (an import checks), so there
    /// is at most one. The second look reads the summaries, only when the first misses.
    pub fn canonical_id(&self, id: &str) -> Result<Option<String>> {
        if self.guarded(|| Ok(self.db.contains_key(case_key(id))?))? {
            return Ok(Some(id.to_string()));
        }
        if id.is_ascii() && !id.bytes().any(|b| b.is_ascii_alphabetic()) {
            return Ok(None);
        }
        let mut found = None;
        self.for_each_summary(|s| {
            if found.is_none() && s.id().eq_ignore_ascii_case(id) {
                found = Some(s.id().to_string());
            }
        })?;
        if found.is_none() {
            found = self
                .voided_ids()?
                .into_iter()
                .find(|v| v.eq_ignore_ascii_case(id));
        }
        Ok(found)
    }

    /// The ids of the voided cases (they have no summary), by their marks.
    pub fn voided_ids(&self) -> Result<Vec<String>> {
        self.guarded(|| {
            let mut out = Vec::new();
            for kv in self.db.scan_prefix(layout::VOID_PREFIX) {
                let (k, _) = kv?;
                let id = k.get(layout::VOID_PREFIX.len()..).unwrap_or_default();
                out.push(String::from_utf8_lossy(id).into_owned());
            }
            Ok(out)
        })
    }

    /// The voided cases, in id order, each with the event that voided it last.
    pub fn voided_cases(&self) -> Result<Vec<VoidedCase>> {
        let mut out = Vec::new();
        for id in self.voided_ids()? {
            let case = self.require(&id)?;
            let event = self
                .history(&id)?
                .into_iter()
                .rev()
                .find(|e| e.change.kind == ChangeKind::Voided);
            out.push(VoidedCase {
                case,
                by: event.as_ref().map(|e| e.actor.clone()),
                at: event.map(|e| e.at),
            });
        }
        Ok(out)
    }

    pub fn require(&self, id: &str) -> Result<Case> {
        self.get(id)?
            .ok_or_else(|| StoreError::NotFound(id.to_string()))
    }

    /// Every case, in id order.
    pub fn cases(&self) -> Result<Vec<Case>> {
        let mut out = Vec::new();
        self.for_each_case(|c| out.push(c))?;
        Ok(out)
    }

    /// Passes every case to `f`, in id order, as it is read: a few thousand at a time,
    /// so that a count over the whole ledger need not hold every
    /// case at once.
    /// At most `limit` cases in id order after the one with id `after` (from the first
    /// without it), and whether there are more: a large ledger read a part at a time.
    pub fn cases_after(&self, after: Option<&str>, limit: usize) -> Result<(Vec<Case>, bool)> {
        self.guarded(|| {
            // ids hold no control characters: the key after `c/<id>` is `c/<id>\0`
            let start = match after {
                Some(id) => [case_key(id).as_slice(), &[0]].concat(),
                None => b"c/".to_vec(),
            };
            let mut out = Vec::new();
            for kv in self.db.range(start..) {
                let (k, v) = kv?;
                if !k.starts_with(b"c/") {
                    return Ok((out, false));
                }
                if out.len() == limit {
                    return Ok((out, true));
                }
                out.push(self.decode_record(&k, &v)?.case);
            }
            Ok((out, false))
        })
    }

    pub fn for_each_case(&self, f: impl FnMut(Case)) -> Result<()> {
        self.scan_decoded(
            b"c/",
            4096,
            |k, v| match decode_record_bytes(v) {
                Ok(rec) => Ok(vec![rec.case]),
                Err(why) => Err(Damage::RecordUnreadable {
                    key: String::from_utf8_lossy(k).escape_debug().to_string(),
                    why,
                }),
            },
            f,
        )
    }

    /// Every listed case's own fields ([`Case::own_fields`]), in id order, one at a time:
    /// all a row of the flat ledger shows, without reading the whole cases.
    pub fn for_each_row(&self, f: impl FnMut(Case)) -> Result<()> {
        self.scan_chunks(Family::Rows, layout::decode_rows, f)
    }

    /// Every case's list summary, in id order: what a list of the whole ledger reads.
    pub fn summaries(&self) -> Result<Vec<Summary>> {
        let mut out = Vec::new();
        self.for_each_summary(|s| out.push(s))?;
        Ok(out)
    }

    /// Every case's list summary, in id order, one at a time.
    pub fn for_each_summary(&self, f: impl FnMut(Summary)) -> Result<()> {
        self.scan_chunks(Family::Summaries, layout::decode_summaries, f)
    }

    /// What the counts read of every case, in id order.
    pub fn counted(&self) -> Result<Vec<Counted>> {
        let mut out = Vec::new();
        self.for_each_counted(|c| out.push(c))?;
        Ok(out)
    }

    /// Passes what the counts read of each case to `f`, in id order: all the dashboard and
    /// `stats` read, never holding the whole ledger.
    pub fn for_each_counted(&self, f: impl FnMut(Counted)) -> Result<()> {
        self.scan_chunks(Family::Counts, layout::decode_counts, f)
    }

    fn scan_chunks<T>(
        &self,
        family: Family,
        decode: fn(&[u8]) -> Option<Vec<T>>,
        f: impl FnMut(T),
    ) -> Result<()> {
        self.scan_decoded(
            family.prefix(),
            256,
            |k, v| decode(v).ok_or_else(|| layout::unreadable_chunk(family, k)),
            f,
        )
    }

    /// Reads the values under `prefix` in key order, `at_a_time` at once, decodes them (a
    /// value to its items, or what is wrong with it) and passes the items to `f` in order.
    /// The first value that does not decode is damage. A thread of its own reads the next
    /// values from sled while these are decoded (when no thread can be started, this one
    /// reads them). Decoding on both cores between reads was no faster at 100,000 cases, for
    /// summaries, counts or whole cases.
    fn scan_decoded<T>(
        &self,
        prefix: &[u8],
        at_a_time: usize,
        decode: impl Fn(&[u8], &[u8]) -> std::result::Result<Vec<T>, Damage>,
        mut f: impl FnMut(T),
    ) -> Result<()> {
        let batches = || {
            let mut values = self.db.scan_prefix(prefix);
            std::iter::from_fn(move || {
                match values
                    .by_ref()
                    .take(at_a_time)
                    .collect::<std::result::Result<Vec<_>, _>>()
                {
                    Ok(raw) if raw.is_empty() => None,
                    read => Some(read),
                }
            })
        };
        self.guarded(|| {
            std::thread::scope(|s| {
                // No queue: the reader reads one batch ahead of the decoding.
                let (tx, rx) = std::sync::mpsc::sync_channel(0);
                let reader = std::thread::Builder::new()
                    .name("store-reader".into())
                    .spawn_scoped(s, move || {
                        for batch in batches() {
                            // The receiver is gone when it met damage, or `f` panicked.
                            if tx.send(batch).is_err() {
                                return;
                            }
                        }
                    });
                let read: Box<dyn Iterator<Item = _>> = match reader {
                    Ok(_) => Box::new(rx.into_iter()),
                    Err(_) => Box::new(batches()),
                };
                for raw in read {
                    for items in raw?.into_iter().map(|(k, v)| decode(&k, &v)) {
                        items
                            .map_err(|e| self.damaged(e))?
                            .into_iter()
                            .for_each(&mut f);
                    }
                }
                Ok(())
            })
        })
    }

    pub fn len(&self) -> usize {
        self.db.scan_prefix(b"c/").count()
    }

    pub fn is_empty(&self) -> bool {
        self.db.scan_prefix(b"c/").next().is_none()
    }

    /// The number and hash of the last history event (0 and empty in a new ledger).
    pub fn head(&self) -> Result<(u64, String)> {
        let seq = match self.db.get(b"m/seq")? {
            Some(v) => u64::from_be_bytes(
                v.as_ref()
                    .try_into()
                    .map_err(|_| self.damaged(Damage::CounterUnreadable))?,
            ),
            None => 0,
        };
        let head = match self.db.get(b"m/head")? {
            Some(v) => String::from_utf8_lossy(&v).into_owned(),
            None => String::new(),
        };
        Ok((seq, head))
    }

    /// The hash of the first history event (empty in a new ledger): what names this ledger,
    /// whatever came after.
    pub fn first_hash(&self) -> Result<String> {
        match self.db.get(layout::event_key(1))? {
            Some(v) => Ok(self.decode_event(1, &v)?.hash),
            None => Ok(String::new()),
        }
    }

    /// Applies a command to one case: the case and its history event are written in one
    /// atomic batch and made durable before this returns.
    pub fn execute(&self, id: &str, cmd: &Command, ctx: &Ctx) -> Result<(Case, Event)> {
        let (case, mut events) = self.execute_all(id, std::slice::from_ref(cmd), ctx, None)?;
        match events.pop() {
            Some(ev) => Ok((case, ev)),
            None => Err(StoreError::Io("a change recorded no history event".into())),
        }
    }

    /// Applies commands to one case in order, each to the case the one before left: the
    /// case and one history event per command are written in one atomic batch and made
    /// durable before this returns. On the first refusal nothing is written.
    ///
    /// With `expected` (a [`case_version`] of the case as the caller saw it), the commands
    /// are refused with [`StoreError::Stale`] when the case has changed since: checked
    /// under the write lock, so no change can fall between the check and the write.
    pub fn execute_all(
        &self,
        id: &str,
        cmds: &[Command],
        ctx: &Ctx,
        expected: Option<&str>,
    ) -> Result<(Case, Vec<Event>)> {
        let change = CaseChange {
            id,
            commands: cmds,
            ctx,
            expected,
        };
        self.execute_group(std::slice::from_ref(&change))
            .pop()
            .unwrap_or_else(|| Err(StoreError::Io("a change gave no answer".into())))
    }

    /// Group commit: applies several changes, each as [`Store::execute_all`] would (its
    /// authorisation, its expected version, its own atomic batch, each seeing the ones
    /// before it), in order under one hold of the write lock, then makes them all durable
    /// with one flush and fsync. One answer per change, in order; none is `Ok` before the
    /// group is durable, and when making it durable fails every change that was applied
    /// answers with that failure.
    pub fn execute_group(&self, changes: &[CaseChange<'_>]) -> Vec<Result<(Case, Vec<Event>)>> {
        if let Err(e) = self.writable() {
            return changes.iter().map(|_| Err(e.clone())).collect();
        }
        let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
        let mut answers: Vec<Result<(Case, Vec<Event>)>> = changes
            .iter()
            .map(|c| {
                self.guarded(|| match self.field_copy()? {
                    // a field copy queues each change in the same write (SPEC §10)
                    Some(copy) => self.execute_queued(c.id, c.commands, c.ctx, c.expected, copy),
                    None => self
                        .execute_locked(c.id, c.commands, c.ctx, c.expected, |_, _| Ok(Vec::new())),
                })
            })
            .collect();
        let written = answers
            .iter()
            .any(|a| a.as_ref().is_ok_and(|(_, events)| !events.is_empty()));
        if written {
            if let Err(e) = self.guarded(|| self.sync()) {
                for a in answers.iter_mut().filter(|a| a.is_ok()) {
                    *a = Err(e.clone());
                }
            }
        }
        answers
    }

    /// [`Store::execute_all`] with the write lock held, not yet made durable (the caller
    /// syncs): `also` gives what else goes into the same atomic batch (keys and values),
    /// from the case as it was and the events.
    fn execute_locked(
        &self,
        id: &str,
        cmds: &[Command],
        ctx: &Ctx,
        expected: Option<&str>,
        also: impl FnOnce(&Case, &[Event]) -> Result<Vec<(Vec<u8>, Vec<u8>)>>,
    ) -> Result<(Case, Vec<Event>)> {
        let mut case = self.require(id)?;
        let before = case.clone();
        let pairs = cmds.iter().any(|c| matches!(c, Command::Pair { .. }));
        let roster = if ctx.person.is_some() || pairs {
            self.roster()?
        } else {
            Roster::default()
        };
        let person = self.acting(ctx, &roster)?;
        if let Some(expected) = expected {
            if case_hash(&case)? != expected {
                return Err(StoreError::Stale {
                    id: case.id.clone(),
                    since: self.events_since(&case.id, expected)?,
                });
            }
        }
        let mut batch = Batches::new(self.head()?);
        let mut events = Vec::with_capacity(cmds.len());
        for cmd in cmds {
            let (after, ev) = self.run(&mut batch, &case, cmd, ctx, &roster, &person)?;
            events.push(ev);
            case = after;
        }
        self.check_moved(&case, cmds)?;
        if !events.is_empty() {
            let extra = also(&before, &events)?;
            let mut batch = batch.finish(self)?;
            for (k, v) in extra {
                batch.insert(k, v);
            }
            self.db.apply_batch(batch)?;
        }
        Ok((case, events))
    }

    /// One command on `case` through the domain's path: a county leader's name linked to
    /// the roster, signed and authorised as the person acting, applied, and recorded in
    /// `batch`. The caller holds the write lock.
    fn run(
        &self,
        batch: &mut Batches,
        case: &Case,
        cmd: &Command,
        ctx: &Ctx,
        roster: &Roster,
        person: &Option<Person>,
    ) -> Result<(Case, Event)> {
        let refused = |refusal| StoreError::Refused {
            id: case.id.clone(),
            refusal,
        };
        let mut cmd = roster.resolve_pair(cmd, case).map_err(refused)?;
        if let Some(p) = person {
            cmd = p.sign(&cmd);
            domain::authorize(p, roster, &cmd, case).map_err(refused)?;
        }
        let (after, change) = domain::apply(case, &cmd, ctx.today, &ctx.policy).map_err(refused)?;
        let ev = batch.record(Prepared::of(after.clone())?, change, ctx)?;
        Ok((after, ev))
    }

    /// A case that `cmds` moved to another village (or brought back) is refused when that
    /// village has a case of the same year already, unless it is a relapse (SPEC §11).
    fn check_moved(&self, case: &Case, cmds: &[Command]) -> Result<()> {
        let moves = |c: &Command| match c {
            Command::Edit(e) => e.county.is_some() || e.township.is_some() || e.village.is_some(),
            Command::Unvoid { .. } => true,
            _ => false,
        };
        if cmds.iter().any(moves) && case.relapse_of.is_none() && case.voided.is_none() {
            let place = place_of(&case.county, &case.township, &case.village, case.year);
            let mut other = None;
            self.for_each_summary(|s| {
                if other.is_none()
                    && s.id() != case.id
                    && place_of(s.county(), s.township(), s.village(), s.year) == place
                {
                    other = Some(s.id().to_string());
                }
            })?;
            if let Some(other) = other {
                return Err(StoreError::Refused {
                    id: case.id.clone(),
                    refusal: same_village_year(case, &other),
                });
            }
        }
        Ok(())
    }

    /// Brings a revised ledger in (`import --update`): opens `opened`, and runs each case's
    /// [`domain::Update`] — its commands, then one `advance` at a time to the stage the file
    /// has — through the domain's path, authorised as the person acting (an import is a
    /// clerk's), each change one history event. All of it in one atomic durable write, or —
    /// on the first refusal, or a case changed since its `expected` version — none. With
    /// `write` false nothing is written either way: what it would do is returned.
    pub fn update(
        &self,
        mut opened: Vec<Case>,
        updates: Vec<CaseUpdate>,
        ctx: &Ctx,
        write: bool,
    ) -> Result<UpdateReport> {
        if write {
            self.writable()?;
        }
        self.guarded(|| {
            let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
            // a field copy's changes go to the server through its outbox, one at a time
            self.not_a_copy()?;
            self.authorize(ctx, Operation::Import)?;
            self.check_cases(&opened, ctx)?;
            let roster = self.roster()?;
            let person = self.acting(ctx, &roster)?;
            if !roster.is_empty() {
                opened.iter_mut().for_each(|c| roster.link_leader(c));
            }
            let mut report = UpdateReport::default();
            let mut batch = Batches::new(self.head()?);
            // one case per village and year among the file's own cases too (SPEC §11): the
            // places of the cases it opens (checked against each other and the ledger by
            // `check_cases`, in the file's order), then those of the cases it changes as
            // they leave them — whose order among the opened ones is not known here, so
            // that a pair of them stands when either is a relapse
            let mut places = Places::default();
            for c in &opened {
                places.take(c, false)?;
            }
            for p in crate::par::map(opened, Prepared::of) {
                let p = p?;
                let change = Change {
                    kind: ChangeKind::Imported,
                    from: p.case.stage,
                    to: p.case.stage,
                    detail: String::new(),
                    note: String::new(),
                };
                report.opened.push(p.case.id.clone());
                batch.record(p, change, ctx)?;
            }
            for u in updates {
                let mut case = self.require(&u.id)?;
                if let Some(expected) = &u.expected {
                    if case_hash(&case)? != *expected {
                        return Err(StoreError::Stale {
                            id: case.id.clone(),
                            since: self.events_since(&case.id, expected)?,
                        });
                    }
                }
                let mut changes = Vec::new();
                for cmd in &u.update.commands {
                    let (after, ev) = self.run(&mut batch, &case, cmd, ctx, &roster, &person)?;
                    changes.push(ev.change);
                    case = after;
                }
                // the stage the file has it at, through each guard in turn
                while case.stage < u.update.to {
                    let advance = Command::Advance { from: case.stage };
                    let (after, ev) =
                        self.run(&mut batch, &case, &advance, ctx, &roster, &person)?;
                    changes.push(ev.change);
                    case = after;
                }
                self.check_moved(&case, &u.update.commands)?;
                places.take(&case, true)?;
                if !changes.is_empty() {
                    report.changed.push((case.id.clone(), changes));
                }
            }
            let nothing = report.opened.is_empty() && report.changed.is_empty();
            if write && !nothing {
                self.db.apply_batch(batch.finish(self)?)?;
                self.sync()?;
            }
            Ok(report)
        })
    }

    /// What an import of `cases` would be refused for, without writing anything: a role
    /// that may not import, a case that is not well formed, an id twice or already in the
    /// ledger, a `relapse_of` that does not name an earlier case of the same village (in
    /// the ledger or among `cases`).
    pub fn check_import(&self, cases: &[Case], ctx: &Ctx) -> Result<()> {
        self.authorize(ctx, Operation::Import)?;
        self.check_cases(cases, ctx)
    }

    fn check_cases(&self, cases: &[Case], ctx: &Ctx) -> Result<()> {
        let mut check = import::Check::new(self, ctx)?;
        cases.iter().try_for_each(|c| check.case(c))?;
        check.finish()
    }

    /// Opens new cases (`new` or `import`): all of them, or — on the first refusal — none.
    pub fn insert(&self, cases: Vec<Case>, kind: ChangeKind, ctx: &Ctx) -> Result<usize> {
        self.import(cases, &[], kind, ctx)
    }

    /// Like [`Store::insert`], with the accountability events of the imported ledger written
    /// with its last part: a killed import leaves all of it or none of it. See
    /// [`Store::import_from`].
    pub fn import(
        &self,
        cases: Vec<Case>,
        accountability: &[AccountabilityEvent],
        kind: ChangeKind,
        ctx: &Ctx,
    ) -> Result<usize> {
        let mut source = WithAccountability(Cases(&cases), accountability);
        Ok(self.import_from(&mut source, kind, ctx)?.len())
    }

    /// The history of one case, oldest first.
    pub fn history(&self, id: &str) -> Result<Vec<Event>> {
        let id = self.canonical_id(id)?.unwrap_or_else(|| id.to_string());
        let id = id.as_str();
        self.guarded(|| {
            let prefix = layout::index_prefix(id);
            let mut out = Vec::new();
            for kv in self.db.scan_prefix(&prefix) {
                let (k, _) = kv?;
                let seq_bytes: [u8; 8] = k
                    .strip_prefix(prefix.as_slice())
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| self.damaged(Damage::HistoryIndexKeyBad))?;
                let seq = u64::from_be_bytes(seq_bytes);
                let v = self.db.get(event_key(seq))?.ok_or_else(|| {
                    self.damaged(Damage::EventMissing {
                        seq,
                        case: id.to_string(),
                    })
                })?;
                out.push(self.decode_event(seq, &v)?);
            }
            Ok(out)
        })
    }

    /// The events of case `id` after the one that left it at `version`, oldest first (its
    /// last event alone when no event did: a version it never had).
    fn events_since(&self, id: &str, version: &str) -> Result<Vec<Event>> {
        let mut history = self.history(id)?;
        let from = match history.iter().rposition(|e| e.case_hash == version) {
            Some(at) => at + 1,
            None => history.len().saturating_sub(1),
        };
        Ok(history.split_off(from.min(history.len())))
    }

    fn decode_event(&self, seq: u64, v: &[u8]) -> Result<Event> {
        serde_json::from_slice(v).map_err(|e| {
            self.damaged(Damage::EventUnreadable {
                seq,
                why: e.to_string(),
            })
        })
    }

    /// Checks every record decodes, the history chain is unbroken from the first event to
    /// the stored head, every case agrees with its last event, and the roster with its
    /// last.
    pub fn verify(&self, ctx: &Ctx) -> Result<VerifyReport> {
        self.authorize(ctx, Operation::Verify)?;
        self.guarded(|| {
            let mut r = VerifyReport::default();
            let (seq, head) = self.head()?;
            let mut prev = String::new();
            let mut expected = 1u64;
            let mut last_of: std::collections::HashMap<String, (u64, String)> = Default::default();
            let mut roster_hash = None;
            let mut accountability_hash = None;
            for kv in self.db.scan_prefix(b"h/") {
                let (k, v) = kv?;
                let Some(seq_bytes) = k
                    .strip_prefix(b"h/")
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                else {
                    r.problems.push(Damage::HistoryKeyMalformed);
                    continue;
                };
                let key_seq = u64::from_be_bytes(seq_bytes);
                // a field copy holds the links of the events of cases it does not hold
                while expected < key_seq {
                    match self.link(expected)? {
                        Some(l) if l.prev == prev => {
                            prev = l.hash;
                            expected += 1;
                            r.events += 1;
                        }
                        _ => break,
                    }
                }
                let ev: Event = match serde_json::from_slice(&v) {
                    Ok(e) => e,
                    Err(e) => {
                        r.problems.push(Damage::EventUnreadable {
                            seq: key_seq,
                            why: e.to_string(),
                        });
                        continue;
                    }
                };
                if ev.seq != key_seq || key_seq != expected {
                    r.problems.push(Damage::EventOutOfPlace {
                        seq: key_seq,
                        expected,
                    });
                }
                if ev.prev != prev {
                    r.problems.push(Damage::ChainBroken {
                        seq: key_seq,
                        case: ev.case_id.clone(),
                    });
                }
                if ev.compute_hash()? != ev.hash {
                    r.problems.push(Damage::EventAltered {
                        seq: key_seq,
                        case: ev.case_id.clone(),
                    });
                }
                prev = ev.hash.clone();
                expected = key_seq + 1;
                if ev.case_id == ROSTER_EVENTS {
                    roster_hash = Some(ev.case_hash.clone());
                } else if ev.case_id == ACCOUNTABILITY_EVENTS {
                    accountability_hash = Some(ev.case_hash.clone());
                } else {
                    last_of.insert(ev.case_id.clone(), (ev.seq, ev.case_hash.clone()));
                }
                r.events += 1;
            }
            while expected <= seq {
                match self.link(expected)? {
                    Some(l) if l.prev == prev => {
                        prev = l.hash;
                        expected += 1;
                        r.events += 1;
                    }
                    _ => break,
                }
            }
            if r.events != seq || prev != head {
                r.problems.push(Damage::HistoryCut {
                    ends_at: expected - 1,
                    recorded: seq,
                });
            }
            // Every derived entry by id, in each family a digest of its bytes, to compare
            // with the records: the bytes themselves of 100,000 cases are some 100 MB to hold.
            use std::hash::BuildHasher;
            let digest = std::collections::hash_map::RandomState::new();
            let mut derived: std::collections::HashMap<String, [Option<u64>; 3]> =
                Default::default();
            for (n, family) in Family::ALL.into_iter().enumerate() {
                for kv in self.db.scan_prefix(family.prefix()) {
                    let (k, v) = kv?;
                    let Some(entries) = family.entries(&v) else {
                        r.problems.push(layout::unreadable_chunk(family, &k));
                        continue;
                    };
                    for (id, bytes) in entries {
                        let found = digest.hash_one(bytes.as_slice());
                        let slot = match derived.get_mut(&id) {
                            Some(slots) => slots.get_mut(n),
                            None => derived.entry(id.clone()).or_default().get_mut(n),
                        };
                        if slot.and_then(|s| s.replace(found)).is_some() {
                            r.problems.push(Damage::EntryTwice { family, case: id });
                        }
                    }
                }
            }
            let mut held: std::collections::HashSet<String> = Default::default();
            for kv in self.db.scan_prefix(b"c/") {
                let (k, v) = kv?;
                r.cases += 1;
                let id = String::from_utf8_lossy(k.strip_prefix(b"c/").unwrap_or(&k)).into_owned();
                held.insert(id.clone());
                let stored = derived.remove(&id).unwrap_or_default();
                let rec: Record = match decode_record_bytes(&v) {
                    Ok(rec) => rec,
                    Err(e) => {
                        r.problems.push(Damage::CaseUnreadable {
                            case: id.clone(),
                            why: e,
                        });
                        continue;
                    }
                };
                match last_of.get(&id) {
                    None => r
                        .problems
                        .push(Damage::CaseWithoutHistory { case: id.clone() }),
                    Some((last, hash)) => {
                        if *last != rec.last_event {
                            r.problems.push(Damage::CaseOutOfStep {
                                case: id.clone(),
                                changed_by: rec.last_event,
                                history_ends: *last,
                            });
                        } else if *hash != case_hash(&rec.case)? {
                            r.problems.push(Damage::CaseAltered { case: id.clone() });
                        } else {
                            let marked = self.db.contains_key(layout::void_key(&id))?;
                            if marked != rec.case.voided.is_some() {
                                r.problems.push(Damage::VoidMarkStale { case: id.clone() });
                            }
                            let d = Derived::of(&rec.case)?;
                            for (family, (stored, want)) in
                                Family::ALL.into_iter().zip(stored.iter().zip(d.entries()))
                            {
                                let want = want.as_deref().map(|b| digest.hash_one(b));
                                if *stored != want {
                                    r.problems.push(Damage::EntryStale {
                                        case: id.clone(),
                                        family,
                                    });
                                }
                            }
                        }
                    }
                }
            }
            // a void mark whose case is gone keeps its id from being used again
            for kv in self.db.scan_prefix(layout::VOID_PREFIX) {
                let (k, _) = kv?;
                let id = k.get(layout::VOID_PREFIX.len()..).unwrap_or_default();
                let id = String::from_utf8_lossy(id).into_owned();
                if !held.contains(&id) {
                    r.problems.push(Damage::VoidMarkOfNoCase { case: id });
                }
            }
            let mut orphans: Vec<(String, [Option<u64>; 3])> = derived.into_iter().collect();
            orphans.sort();
            for (n, family) in Family::ALL.into_iter().enumerate() {
                for (id, found) in &orphans {
                    if found.get(n).is_some_and(|f| f.is_some()) {
                        r.problems.push(Damage::EntryOfNoCase {
                            family,
                            case: id.clone(),
                        });
                    }
                }
            }
            self.verify_roster(roster_hash, &mut r.problems)?;
            self.verify_accountability(accountability_hash, &mut r.problems)?;
            Ok(r)
        })
    }

    /// One consistent snapshot of the whole ledger: every case, the full history and the
    /// accountability events. Writers in this process wait while it is read (the store's
    /// write lock), other processes are kept out by the lock file, so no change can fall
    /// between the keys read.
    /// [`Store::backup`] written into `out` as it is read, so that a ledger of 100,000
    /// cases is never held whole: the same JSON as [`crate::backup::to_json`] gives, of the
    /// same consistent snapshot (the write lock is held throughout). Returns how many cases
    /// and events it wrote. On an error what was written is no backup: `out` is to be
    /// thrown away.
    pub fn backup_to(
        &self,
        as_of: Option<NaiveDate>,
        ctx: &Ctx,
        out: &mut dyn std::io::Write,
    ) -> Result<(usize, usize)> {
        use std::cell::{Cell, RefCell};
        self.authorize(ctx, Operation::Backup)?;
        let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
        self.guarded(|| {
            let (seq, head) = self.head()?;
            let failed: RefCell<Option<StoreError>> = RefCell::new(None);
            let fail = |e: StoreError| {
                let text = e.to_string();
                failed.borrow_mut().get_or_insert(e);
                text
            };
            let (cases, events) = (Cell::new(0usize), Cell::new(0usize));
            let last_hash: RefCell<String> = RefCell::new(String::new());
            let case_items = self.db.scan_prefix(b"c/").map(|kv| {
                let (k, v) = kv.map_err(|e| fail(e.into()))?;
                let case = self.decode_record(&k, &v).map_err(&fail)?.case;
                cases.set(cases.get() + 1);
                Ok(case)
            });
            let event_items = self.db.scan_prefix(b"h/").map(|kv| {
                let (k, v) = kv.map_err(|e| fail(e.into()))?;
                let n = k
                    .strip_prefix(b"h/")
                    .and_then(|b| b.try_into().ok())
                    .map(u64::from_be_bytes)
                    .ok_or_else(|| fail(self.damaged(Damage::HistoryKeyMalformed)))?;
                let ev = self.decode_event(n, &v).map_err(&fail)?;
                events.set(events.get() + 1);
                last_hash.replace(ev.hash.clone());
                Ok(ev)
            });
            #[derive(Serialize)]
            struct Doc<'a, C, H> {
                format: &'a str,
                schema: u64,
                as_of: Option<NaiveDate>,
                cases: C,
                accountability: Vec<AccountabilityEvent>,
                roster: Vec<Person>,
                history: H,
            }
            let doc = Doc {
                format: BACKUP_FORMAT,
                schema: BACKUP_SCHEMA,
                as_of,
                cases: StreamedList::new(case_items),
                accountability: self.accountability()?,
                roster: self.roster()?.people().to_vec(),
                history: StreamedList::new(event_items),
            };
            let written = {
                let mut ser = serde_json::Serializer::pretty(&mut *out);
                doc.serialize(&mut ser)
            };
            if let Some(e) = failed.borrow_mut().take() {
                return Err(e);
            }
            written
                .map_err(|e| StoreError::Io(e.to_string()))
                .and_then(|()| out.write_all(b"\n").map_err(StoreError::from))?;
            if events.get() as u64 != seq || *last_hash.borrow() != head {
                return Err(self.damaged(Damage::HistoryNotAtHead));
            }
            Ok((cases.get(), events.get()))
        })
    }

    pub fn backup(&self, as_of: Option<NaiveDate>, ctx: &Ctx) -> Result<Backup> {
        self.authorize(ctx, Operation::Backup)?;
        let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
        self.guarded(|| {
            let (seq, head) = self.head()?;
            let mut history = Vec::new();
            for kv in self.db.scan_prefix(b"h/") {
                let (k, v) = kv?;
                let seq = k
                    .strip_prefix(b"h/")
                    .and_then(|b| b.try_into().ok())
                    .map(u64::from_be_bytes)
                    .ok_or_else(|| self.damaged(Damage::HistoryKeyMalformed))?;
                history.push(self.decode_event(seq, &v)?);
            }
            if history.len() as u64 != seq
                || history.last().map(|e| e.hash.as_str()).unwrap_or("") != head
            {
                return Err(self.damaged(Damage::HistoryNotAtHead));
            }
            Ok(Backup {
                format: BACKUP_FORMAT.to_string(),
                schema: BACKUP_SCHEMA,
                as_of,
                cases: self.cases()?,
                accountability: self.accountability()?,
                roster: self.roster()?.people().to_vec(),
                history,
            })
        })
    }

    /// Brings a backup back into an empty ledger: its cases, accountability events and full
    /// history, written in one atomic batch. The backup is checked first — the hash chain
    /// unbroken, every case equal to what its last event recorded — so a damaged or edited
    /// backup is refused and nothing is written.
    pub fn restore(&self, backup: Backup, file: &str, ctx: &Ctx) -> Result<RestoreSummary> {
        self.writable()?;
        self.authorize(ctx, Operation::Restore)?;
        let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
        let bad = |problem: String| StoreError::BadBackup {
            file: file.to_string(),
            problem,
        };
        if backup.format != BACKUP_FORMAT {
            return Err(bad(format!(
                "\"{}\" is not a zhengdun backup (expected \"{BACKUP_FORMAT}\")",
                backup.format
            )));
        }
        if backup.schema > BACKUP_SCHEMA {
            return Err(bad(format!(
                "written by a newer zhengdun (schema {}, this build reads {BACKUP_SCHEMA}); upgrade zhengdun",
                backup.schema
            )));
        }
        self.guarded(|| {
            let occupied = ["c/", "s/", "h/", "a/", "u/"]
                .iter()
                .any(|p| self.db.scan_prefix(p.as_bytes()).next().is_some());
            if occupied {
                return Err(StoreError::NotEmpty {
                    dir: self.dir.display().to_string(),
                });
            }
            let mut prev = String::new();
            let mut last_of: std::collections::HashMap<&str, &Event> = Default::default();
            let mut roster_hash = None;
            let mut accountability_hash = None;
            for (i, ev) in backup.history.iter().enumerate() {
                let want = i as u64 + 1;
                if ev.seq != want {
                    return Err(bad(format!(
                        "history event {} is out of place (expected {want})",
                        ev.seq
                    )));
                }
                if ev.prev != prev || ev.compute_hash()? != ev.hash {
                    return Err(bad(format!(
                        "history event {} ({}) was altered: the hash chain is broken",
                        ev.seq, ev.case_id
                    )));
                }
                prev = ev.hash.clone();
                if ev.case_id == ROSTER_EVENTS {
                    roster_hash = Some(ev.case_hash.as_str());
                } else if ev.case_id == ACCOUNTABILITY_EVENTS {
                    accountability_hash = Some(ev.case_hash.as_str());
                } else {
                    last_of.insert(ev.case_id.as_str(), ev);
                }
            }
            let roster = Roster::new(backup.roster.clone());
            if roster.people().len() != backup.roster.len() {
                return Err(bad("the roster names an account twice".into()));
            }
            if !roster::agrees(&roster, roster_hash)? {
                return Err(bad(
                    "the roster differs from what its history recorded".to_string()
                ));
            }
            if let Some(h) = accountability_hash {
                if accountability::hash(&backup.accountability)? != h {
                    return Err(bad(
                        "the accountability events differ from what their history recorded"
                            .to_string(),
                    ));
                }
            }
            let mut seen = std::collections::HashSet::new();
            for c in &backup.cases {
                if !seen.insert(c.id.as_str()) {
                    return Err(bad(format!("case {} appears twice", c.id)));
                }
                match last_of.get(c.id.as_str()) {
                    None => return Err(bad(format!("case {} has no history", c.id))),
                    Some(ev) if ev.case_hash != case_hash(c)? => {
                        return Err(bad(format!(
                            "case {} differs from what its history recorded",
                            c.id
                        )))
                    }
                    Some(_) => {}
                }
            }
            if let Some(orphan) = last_of.keys().find(|id| !seen.contains(*id)) {
                return Err(bad(format!(
                    "the history names case {orphan}, which the backup does not hold"
                )));
            }
            let mut batch = sled::Batch::default();
            for ev in &backup.history {
                let bytes = serde_json::to_vec(ev).map_err(|e| StoreError::Io(e.to_string()))?;
                batch.insert(event_key(ev.seq), bytes);
                batch.insert(index_key(&ev.case_id, ev.seq), &[] as &[u8]);
            }
            let mut derived = Vec::with_capacity(backup.cases.len());
            for c in &backup.cases {
                let last_event = last_of.get(c.id.as_str()).map(|e| e.seq).unwrap_or(0);
                let mut p = Prepared::of(c.clone())?;
                layout::set_last_event(&mut p.record, last_event);
                batch.insert(case_key(&c.id), p.record);
                if c.voided.is_some() {
                    put_void_mark(&mut batch, c);
                }
                derived.push(p.derived);
            }
            self.put_derived(&mut batch, derived, true)?;
            roster::put(&mut batch, &Roster::default(), &roster)?;
            for a in &backup.accountability {
                let n = self.db.generate_id()?;
                let v = serde_json::to_vec(a).map_err(|e| StoreError::Io(e.to_string()))?;
                batch.insert([b"a/".as_slice(), &n.to_be_bytes()].concat(), v);
            }
            batch.insert(
                b"m/seq".as_slice(),
                &(backup.history.len() as u64).to_be_bytes(),
            );
            batch.insert(b"m/head".as_slice(), prev.as_bytes());
            self.db.apply_batch(batch)?;
            self.sync()?;
            Ok(RestoreSummary {
                cases: backup.cases.len(),
                events: backup.history.len(),
                accountability: backup.accountability.len(),
            })
        })
    }

    /// Raw access for tests that tamper with the database to prove `verify` notices.
    #[doc(hidden)]
    pub fn raw(&self) -> &sled::Db {
        &self.db
    }
}

/// A backup file: the interchange ledger's fields (so `import` can read its cases) plus the
/// full hash-chained history, which `restore` brings back.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    pub format: String,
    pub schema: u64,
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
    pub cases: Vec<Case>,
    #[serde(default)]
    pub accountability: Vec<AccountabilityEvent>,
    /// The roster (schema 2; a schema 1 backup has none).
    #[serde(default)]
    pub roster: Vec<Person>,
    pub history: Vec<Event>,
}

/// What `restore` brought back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreSummary {
    pub cases: usize,
    pub events: usize,
    pub accountability: usize,
}

/// Builds one atomic batch of case records, their derived values and their chained history
/// events.
struct Batches {
    batch: Writes,
    derived: Vec<Derived>,
    seq: u64,
    head: String,
}

impl Batches {
    fn new((seq, head): (u64, String)) -> Self {
        Batches {
            batch: Writes::default(),
            derived: Vec::new(),
            seq,
            head,
        }
    }

    /// Records the next event. On an error nothing is recorded and the numbering and the
    /// head stay as they were.
    fn record(&mut self, case: Prepared, change: Change, ctx: &Ctx) -> Result<Event> {
        let Prepared {
            case,
            mut record,
            hash,
            derived,
        } = case;
        let ev = self.event(&case.id, change, hash, ctx)?;
        layout::set_last_event(&mut record, self.seq);
        self.batch.insert(case_key(&case.id), record);
        match case.voided {
            Some(_) => self.batch.insert(layout::void_key(&case.id), &[] as &[u8]),
            None => self.batch.remove(layout::void_key(&case.id)),
        }
        self.derived.push(derived);
        Ok(ev)
    }

    /// The next event of the chain, about case `case_id` (or [`ROSTER_EVENTS`]), with its
    /// index entry; `hash` is what it left behind.
    fn event(&mut self, case_id: &str, change: Change, hash: String, ctx: &Ctx) -> Result<Event> {
        let mut ev = Event {
            seq: self.seq + 1,
            case_id: case_id.to_string(),
            at: Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            actor: ctx.recorded_actor().to_string(),
            account: ctx.person.as_ref().map(|p| p.login.clone()),
            change,
            case_hash: hash,
            prev: self.head.clone(),
            hash: String::new(),
        };
        ev.hash = ev.compute_hash()?;
        let ev_bytes = json_bytes(&ev)?;
        self.seq = ev.seq;
        self.head = ev.hash.clone();
        self.batch.insert(event_key(self.seq), ev_bytes);
        self.batch
            .insert(index_key(case_id, self.seq), &[] as &[u8]);
        Ok(ev)
    }

    /// What is recorded so far, without the derived values and the head (which
    /// [`Batches::finish`] writes with the last part).
    fn take_records(&mut self) -> Writes {
        std::mem::take(&mut self.batch)
    }

    /// The derived values recorded so far, for a part of an import to merge into their
    /// chunks itself ([`Batches::finish`] merges the rest).
    fn take_derived(&mut self) -> Vec<Derived> {
        std::mem::take(&mut self.derived)
    }

    /// The last part: the derived values merged into the chunks they belong to as `store`
    /// holds them now (the caller holds the write lock), and the new head of the chain.
    fn finish(self, store: &Store) -> Result<sled::Batch> {
        let mut batch = self.batch.into_batch();
        store.put_derived(&mut batch, self.derived, false)?;
        batch.insert(b"m/seq".as_slice(), &self.seq.to_be_bytes());
        batch.insert(b"m/head".as_slice(), self.head.as_bytes());
        Ok(batch)
    }
}

/// What a [`Batches`] has recorded, in order: one atomic sled batch in the end, or — the
/// parts of a large import, behind its marker — written into sled one at a time (sled 0.34
/// keeps hold of much of the memory of every batch it applies: 100,000 cases in batches
/// took some 300 MB of it, one at a time 50 MB).
#[derive(Default)]
struct Writes(Vec<(sled::IVec, Option<sled::IVec>)>);

impl Writes {
    fn insert(&mut self, key: impl Into<sled::IVec>, value: impl Into<sled::IVec>) {
        self.0.push((key.into(), Some(value.into())));
    }

    fn remove(&mut self, key: impl Into<sled::IVec>) {
        self.0.push((key.into(), None));
    }

    fn into_batch(self) -> sled::Batch {
        let mut batch = sled::Batch::default();
        for (key, value) in self.0 {
            match value {
                Some(v) => batch.insert(key, v),
                None => batch.remove(key),
            }
        }
        batch
    }

    /// Into `db` one write at a time: not atomic, for what a marker covers.
    fn write_each(self, db: &sled::Db) -> Result<()> {
        for (key, value) in self.0 {
            match value {
                Some(v) => db.insert(key, v)?,
                None => db.remove(key)?,
            };
        }
        Ok(())
    }
}

/// A list serialised as it is read from sled (the backup's cases and history): the
/// serialiser pulls each item as it writes it; an item that cannot be read stops the writing.
struct StreamedList<I>(std::cell::RefCell<Option<I>>);

impl<I> StreamedList<I> {
    fn new(items: I) -> StreamedList<I> {
        StreamedList(std::cell::RefCell::new(Some(items)))
    }
}

impl<T: Serialize, I: Iterator<Item = std::result::Result<T, String>>> Serialize
    for StreamedList<I>
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let items = self.0.borrow_mut().take();
        let mut seq = s.serialize_seq(None)?;
        for item in items.into_iter().flatten() {
            seq.serialize_element(&item.map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

/// One case's part of an update: the case's id in the ledger, what to do to it, and the
/// [`case_version`] it was worked out from (`None`: as it is when the update runs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseUpdate {
    pub id: String,
    pub update: domain::Update,
    pub expected: Option<String>,
}

/// What an update did, or would do: the cases opened, and each case changed with its
/// changes in order (one history event each).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UpdateReport {
    pub opened: Vec<String>,
    pub changed: Vec<(String, Vec<Change>)>,
}

/// Where a case is and of which year: a village has one case a year (SPEC §11).
type Place = (String, String, String, i32);

fn place_of(county: &str, township: &str, village: &str, year: i32) -> Place {
    (
        county.trim().to_string(),
        township.trim().to_string(),
        village.trim().to_string(),
        year,
    )
}

/// The villages and years of the cases one import or update holds, each with the first
/// case of it (and whether that one is a relapse): a second case of one is refused unless
/// it is a relapse (SPEC §11), naming the first.
#[derive(Default)]
struct Places(HashMap<Place, (String, bool)>);

impl Places {
    /// Takes `c`'s place; with `either`, a relapse first holding it lets `c` stand too.
    fn take(&mut self, c: &Case, either: bool) -> Result<()> {
        if c.voided.is_some() {
            return Ok(());
        }
        let place = place_of(&c.county, &c.township, &c.village, c.year);
        match self.0.get(&place) {
            Some((first, relapse))
                if c.relapse_of.is_none() && *first != c.id && !(either && *relapse) =>
            {
                Err(StoreError::Refused {
                    id: c.id.clone(),
                    refusal: same_village_year(c, first),
                })
            }
            Some(_) => Ok(()),
            None => {
                self.0.insert(place, (c.id.clone(), c.relapse_of.is_some()));
                Ok(())
            }
        }
    }
}

fn same_village_year(c: &Case, other: &str) -> Refusal {
    Refusal::SameVillageYear {
        other: other.to_string(),
        year: c.year,
        place: format!("{} {} {}", c.county, c.township, c.village),
    }
}

/// Cases held in memory with the accountability events that come with them.
struct WithAccountability<'a>(Cases<'a>, &'a [AccountabilityEvent]);

impl CaseSource for WithAccountability<'_> {
    fn pass(&mut self, each: &mut dyn FnMut(Case) -> Result<()>) -> Result<()> {
        self.0.pass(each)
    }
    fn accountability(&mut self) -> Vec<AccountabilityEvent> {
        self.1.to_vec()
    }
}

/// Sets or clears the void mark of `case` in `batch`.
fn put_void_mark(batch: &mut sled::Batch, case: &Case) {
    match case.voided {
        Some(_) => batch.insert(layout::void_key(&case.id), &[] as &[u8]),
        None => batch.remove(layout::void_key(&case.id)),
    }
}

/// Whether sled could not open because its lock on `db` is held (an `Other` error it words
/// this way).
fn engine_lock_held(opened: &std::result::Result<sled::Result<sled::Db>, String>) -> bool {
    match opened {
        Ok(Err(sled::Error::Io(e))) => e.to_string().starts_with("could not acquire lock"),
        _ => false,
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| {
        StoreError::io_in(dir, e, |e| {
            format!(
                "cannot create the database directory {}: {e}",
                dir.display()
            )
        })
    })?;
    if let Some(parent) = dir.parent() {
        if let Ok(f) = File::open(parent) {
            let _ = f.sync_all();
        }
    }
    Ok(())
}

/// Takes the exclusive lock that keeps a second process out, and writes who we are in it.
fn take_lock(dir: &Path, me: &Holder, wait: std::time::Duration) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    let locking = disk::lock(&path, me, wait).map_err(|e| {
        StoreError::io_in(dir, e, |e| format!("cannot lock {}: {e}", path.display()))
    })?;
    match locking {
        Locking::Taken(f) => Ok(f),
        Locking::Held(holder) => Err(StoreError::Locked {
            dir: dir.display().to_string(),
            waited: if holder.is_session() {
                0
            } else {
                wait.as_secs()
            },
            holder,
        }),
    }
}

/// The debug-build switch that makes [`Store::sync`] skip its fsyncs (sled's own flush is
/// kept), so that the power-cut tests can show they catch a ledger that is not durable.
/// Release builds never read it.
fn skip_fsync() -> bool {
    cfg!(debug_assertions) && std::env::var_os("ZHENGDUN_UNSAFE_SKIP_FSYNC").is_some()
}

/// Removes the snapshot files sled 0.34 left half-written when its process was killed.
/// sled writes a snapshot to `snap.<lsn>.generating` and renames it when complete, but at
/// open it reads the newest `snap.*` file *including* a `.generating` one, and refuses a cut
/// one as corruption: one SIGKILL at the wrong moment would make a sound ledger unopenable.
/// A `.generating` file is never needed (sled rebuilds from the previous snapshot and the
/// log), so it goes; we hold the lock, so no other process is writing it. So does the
/// spool of an import a server was receiving when it was killed: none of it was written.
fn remove_unfinished_snapshots(dir: &Path) -> Result<()> {
    let io = |e: std::io::Error| {
        StoreError::io_in(dir, e, |e| {
            format!("cannot tidy the database in {}: {e}", dir.display())
        })
    };
    for entry in fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let spooled = name.starts_with(IMPORT_SPOOL_PREFIX);
        if spooled || (name.starts_with("snap.") && name.ends_with(".generating")) {
            fs::remove_file(entry.path()).map_err(io)?;
        }
    }
    Ok(())
}

/// fsyncs every file of the database (top level and `blobs/`), then the directories.
/// Files another user could read are made owner-only first.
/// Fsyncs the log `db` every time, and every other file once it is whole: sled creates its
/// blobs and snapshots in one go (on its own threads) and never writes to them again. Files
/// sled removes while this runs are passed over.
fn sync_tree(
    dir: &Path,
    synced: &mut std::collections::HashMap<PathBuf, u64>,
) -> std::io::Result<()> {
    let gone = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
    let blobs = dir.join("blobs");
    let mut dirs = vec![dir.to_path_buf()];
    if blobs.is_dir() {
        dirs.push(blobs);
    }
    let mut present = std::collections::HashMap::new();
    for d in &dirs {
        for entry in fs::read_dir(d)? {
            let entry = entry?;
            if entry.file_name() == LOCK_FILE {
                continue;
            }
            let meta = match entry.metadata() {
                Ok(m) if m.is_file() => m,
                Ok(_) => continue,
                Err(e) if gone(&e) => continue,
                Err(e) => return Err(e),
            };
            let path = entry.path();
            let log = entry.file_name() == "db";
            if !log && synced.get(&path) == Some(&meta.len()) {
                present.insert(path, meta.len());
                continue;
            }
            let done = restrict(&path, &meta, 0o600)
                .and_then(|()| File::open(&path))
                .and_then(|f| f.sync_all());
            match done {
                Ok(()) => {}
                Err(e) if gone(&e) => continue,
                Err(e) => return Err(e),
            }
            if !log {
                present.insert(path, meta.len());
            }
        }
    }
    for d in dirs.iter().rev() {
        File::open(d)?.sync_all()?;
    }
    *synced = present;
    Ok(())
}

/// Sets the database directory to 0700 and everything in it to owner-only.
fn make_private(dir: &Path) -> Result<()> {
    let io = |e: std::io::Error| {
        StoreError::io_in(dir, e, |e| {
            format!("cannot make {} private: {e}", dir.display())
        })
    };
    restrict(dir, &fs::metadata(dir).map_err(io)?, 0o700).map_err(io)?;
    // sled may remove a file (an old snapshot, a blob) while this runs: that is no error.
    let ok_if_gone = |r: std::io::Result<()>| match r {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other.map_err(io),
    };
    let private = |entry: fs::DirEntry| -> std::io::Result<Option<PathBuf>> {
        let meta = entry.metadata()?;
        restrict(
            &entry.path(),
            &meta,
            if meta.is_dir() { 0o700 } else { 0o600 },
        )?;
        Ok(meta.is_dir().then(|| entry.path()))
    };
    for entry in fs::read_dir(dir).map_err(io)? {
        let mut inner_dir = None;
        ok_if_gone(private(entry.map_err(io)?).map(|d| inner_dir = d))?;
        if let Some(d) = inner_dir {
            for inner in fs::read_dir(d).map_err(io)? {
                ok_if_gone(private(inner.map_err(io)?).map(|_| ()))?;
            }
        }
    }
    Ok(())
}

/// Takes away the group and other permission bits (to `mode`) when any are set.
fn restrict(path: &Path, meta: &fs::Metadata, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return fs::set_permissions(path, fs::Permissions::from_mode(mode));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, meta, mode);
    Ok(())
}
