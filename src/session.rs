//! What one run of zhengdun works with, shared by the CLI and the TUI: the language, who
//! acts on what day ([`Env`]), the ledger it opens, and how a failure reaches the user (one
//! line and an exit code, [`Failure`]).

use std::fs;
use std::path::{Path, PathBuf};

use crate::domain::Policy;
use crate::i18n::{self, Lang, Text};
use crate::ledger::{self, Ctx, Ledger, Local, StoreError};

/// Exit codes: documented in the README.
pub mod exit {
    pub const REFUSED: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const DATABASE: u8 = 3;
    /// The TUI was stopped by SIGTERM, SIGHUP or SIGINT (128 + SIGTERM, as shells report it).
    pub const STOPPED: u8 = 143;
}

/// Says `line` on standard error as `eprintln!` would, without its panic when standard
/// error has gone (the terminal closed, the reader of a log pipe ended).
pub fn say(line: impl std::fmt::Display) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Directories that go with the process however it ends (the demo's throw-away database):
/// [`exit_now`] removes them, since it runs no destructor.
static THROWAWAY: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Has [`exit_now`] remove `dir` too (its owner removes it on a normal end).
pub fn throw_away_at_exit(dir: &Path) {
    let mut dirs = THROWAWAY.lock().unwrap_or_else(|p| p.into_inner());
    dirs.push(dir.to_path_buf());
}

/// Ends the process at once with `code`, after removing the directories
/// [`throw_away_at_exit`] named.
pub fn exit_now(code: u8) -> ! {
    let dirs = std::mem::take(&mut *THROWAWAY.lock().unwrap_or_else(|p| p.into_inner()));
    for d in dirs {
        let _ = fs::remove_dir_all(d);
    }
    std::process::exit(i32::from(code))
}

/// An error on its way to the user: one line, and the exit code that goes with it.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn input(message: impl Into<String>) -> Failure {
        Failure {
            code: exit::BAD_INPUT,
            message: message.into(),
        }
    }

    /// A failure that was already told, another way than a line on standard error.
    pub fn silent(code: u8) -> Failure {
        Failure {
            code,
            message: String::new(),
        }
    }

    pub fn ledger(e: ledger::Error, lang: Lang) -> Failure {
        let code = match &e {
            ledger::Error::Store(e) => return Failure::store(e.clone(), lang),
            ledger::Error::Account {
                refusal: ledger::AccountRefusal::NotYou { .. },
                ..
            } => exit::BAD_INPUT,
            ledger::Error::Account { .. } => exit::REFUSED,
            ledger::Error::Unreachable { .. }
            | ledger::Error::Version { .. }
            | ledger::Error::Protocol { .. } => exit::DATABASE,
        };
        Failure {
            code,
            message: e.message(lang),
        }
    }

    pub fn store(e: StoreError, lang: Lang) -> Failure {
        let code = match &e {
            StoreError::Refused { refusal, .. } if refusal.is_bad_value() => exit::BAD_INPUT,
            StoreError::Refused { .. } | StoreError::Stale { .. } => exit::REFUSED,
            StoreError::Denied(refusal) if refusal.is_bad_value() => exit::BAD_INPUT,
            StoreError::Denied(_) => exit::REFUSED,
            StoreError::NotFound(_) | StoreError::Duplicate(_) | StoreError::BadBackup { .. } => {
                exit::BAD_INPUT
            }
            StoreError::Field(f) => {
                use crate::ledger::FieldError;
                match f {
                    FieldError::NotACopy { .. }
                    | FieldError::NotEmpty { .. }
                    | FieldError::NotOwner { .. }
                    | FieldError::NoSuchQueued { .. } => exit::BAD_INPUT,
                    FieldError::OnlyOnServer
                    | FieldError::OtherAccount { .. }
                    | FieldError::RolledBack { .. } => exit::REFUSED,
                    FieldError::BadCopy { .. } => exit::DATABASE,
                }
            }
            _ => exit::DATABASE,
        };
        let message = match &e {
            StoreError::Refused { id, .. } => format!("{id}: {}", e.message(lang)),
            // on the command line, say where ids are found
            StoreError::NotFound(_) => {
                format!("{}{}", e.message(lang), i18n::t(lang, Text::CliFindIds))
            }
            other => other.message(lang),
        };
        Failure { code, message }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::input(format!("{e:#}"))
    }
}

/// Everything a command needs besides its own arguments.
pub struct Env {
    pub lang: Lang,
    pub ctx: Ctx,
    pub db_dir: PathBuf,
    /// How long to wait for the ledger's lock (`--wait`).
    pub wait: std::time::Duration,
    /// What this process is doing, for the lock file: a subcommand's name, or `tui`.
    pub command: &'static str,
    /// The name `--as` or `ZHENGDUN_AS` gave, if any: on a field copy, whose changes are
    /// all its owner's, a name other than the owner's is refused ([`Env::open`]).
    pub asked: Option<String>,
}

impl Env {
    /// Opens (or creates) the embedded ledger in `db_dir`, waiting up to `wait` while
    /// another command holds it.
    pub fn open(&self) -> Result<Local, Failure> {
        let ledger = Local::open_as(&self.db_dir, self.ctx.clone(), &self.holder(), self.wait)
            .map_err(|e| Failure::ledger(e, self.lang))?;
        self.owned(ledger)
    }

    /// `ledger`, unless it is a field copy and `--as` names someone else than its owner:
    /// every change on a copy is recorded as the owner's, as a server records the
    /// account's, so a name that says otherwise is refused rather than silently replaced.
    fn owned(&self, ledger: Local) -> Result<Local, Failure> {
        let Some(named) = self.asked.as_deref().map(str::trim) else {
            return Ok(ledger);
        };
        match ledger.field_copy() {
            Ok(Some(copy)) if copy.person.name != named => Err(Failure::store(
                StoreError::Field(ledger::FieldError::NotOwner {
                    named: named.to_string(),
                    owner: copy.person.name,
                    login: copy.person.login,
                }),
                self.lang,
            )),
            _ => Ok(ledger),
        }
    }

    /// [`Env::open`] for a command that only reads: a ledger on a full or read-only disk
    /// is read from a copy, and a line on stderr says so.
    pub fn open_to_read(&self) -> Result<Local, Failure> {
        let ledger = Local::open_to_read(&self.db_dir, self.ctx.clone(), &self.holder(), self.wait)
            .map_err(|e| Failure::ledger(e, self.lang))?;
        if ledger.store().reading_a_copy().is_some() {
            let dir = self.db_dir.display().to_string();
            say(format!(
                "zhengdun: {}",
                i18n::msg::warn_read_copy(self.lang, dir)
            ));
        }
        self.owned(ledger)
    }

    fn holder(&self) -> crate::ledger::Holder {
        crate::ledger::Holder::me(self.command, &self.ctx.actor)
    }

    /// A closure that turns a ledger error into this run's failure, for `map_err`.
    pub fn failed(&self) -> impl Fn(ledger::Error) -> Failure + '_ {
        move |e| Failure::ledger(e, self.lang)
    }
}

/// The user's own settings: `config.toml` in the platform's config directory
/// (`~/.config/zhengdun/config.toml` on Linux): the server to work through (`server =
/// "ssh://county-host"` or a socket path), and the name history records when no server is
/// used and `--as` is not given (`name = "王建国"`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Config {
    pub server: Option<String>,
    pub name: Option<String>,
}

impl Config {
    pub fn path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "zhengdun")
            .map(|d| d.config_dir().join("config.toml"))
    }

    /// The settings, or none when there is no file; a file that cannot be read is an error
    /// that names it.
    pub fn load(lang: Lang) -> Result<Config, Failure> {
        let Some(path) = Config::path() else {
            return Ok(Config::default());
        };
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => {
                return Err(Failure::input(i18n::msg::config_unreadable(
                    lang,
                    path.display(),
                    e,
                )))
            }
        };
        let mut config: Config = toml::from_str(&text).map_err(|e| {
            Failure::input(i18n::msg::config_unreadable(
                lang,
                path.display(),
                e.message(),
            ))
        })?;
        config.server = config.server.filter(|s| !s.trim().is_empty());
        // `name = ""` is kept, to be refused as a name (`actor`)
        Ok(config)
    }
}

/// Who acts when no server says so (SPEC §11): `--as` or `ZHENGDUN_AS` (`asked`), else
/// `name = "…"` in the user's config file, else the account's full name (the GECOS field of
/// its passwd entry), else its login. A name given that is empty or holds only invisible
/// characters is refused, saying where it came from; none at all is refused too — never
/// "unknown" in the history. With `through_server` (the command works through a county
/// server), the server names people by their accounts: the config file is not read for it,
/// and an account with no name is the server's to refuse (the name is then empty here).
pub fn actor(asked: Option<&str>, through_server: bool, lang: Lang) -> Result<String, Failure> {
    let checked = |name: &str, from: String| {
        crate::domain::checked_name(crate::domain::Field::Name, name)
            .map_err(|_| Failure::input(i18n::msg::actor_empty(lang, from)))
    };
    if let Some(name) = asked {
        return checked(name, "--as / ZHENGDUN_AS".to_string());
    }
    let config = match through_server {
        true => Config::default(),
        false => Config::load(lang)?,
    };
    if let Some(name) = config.name {
        let file = Config::path().map_or_else(String::new, |p| p.display().to_string());
        return checked(&name, file);
    }
    account_names()
        .into_iter()
        .find(|n| !crate::domain::visible(n).is_empty())
        .map(|n| n.trim().to_string())
        .or_else(|| through_server.then(String::new))
        .ok_or_else(|| Failure::input(i18n::t(lang, Text::ActorUnknown)))
}

/// The names of the account this process runs as, the most telling first: its full name
/// (the GECOS field up to its first comma), its login by the name service, the login a
/// shell over SSH or a cron job sets.
fn account_names() -> Vec<String> {
    let uid = rustix::process::geteuid().as_raw();
    let mut names = Vec::new();
    if let Some((login, gecos)) = passwd_entry(uid) {
        names.push(gecos.split(',').next().unwrap_or("").to_string());
        names.push(login);
    }
    names.extend(login_name());
    names
}

/// The login and the GECOS field of an account, through the system's name service
/// (`/etc/passwd`, LDAP…).
pub fn passwd_entry(uid: u32) -> Option<(String, String)> {
    let mut size = 4096;
    while size <= 1 << 20 {
        let mut buf = vec![0 as libc::c_char; size];
        // SAFETY: `passwd` is plain C data, for which all zeroes is a valid value.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call, and `buf.len()` is the size of
        // `buf`; getpwuid_r writes only into `pwd`, `buf` and `found`.
        let rc =
            unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut found) };
        if rc == libc::ERANGE {
            size *= 4;
            continue;
        }
        if rc != 0 || found.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        let text = |p: *const libc::c_char| {
            if p.is_null() {
                String::new()
            } else {
                // SAFETY: on success the entry's strings are NUL-terminated inside `buf`,
                // which lives until the end of this block.
                unsafe { std::ffi::CStr::from_ptr(p) }
                    .to_string_lossy()
                    .into_owned()
            }
        };
        return Some((text(pwd.pw_name), text(pwd.pw_gecos)));
    }
    None
}

/// A ledger found older than this account last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolledBack {
    pub location: String,
    /// The last event seen of it, and its last event now.
    pub seen: u64,
    pub now: u64,
}

impl RolledBack {
    pub fn message(&self, lang: Lang) -> String {
        i18n::msg::ledger_rolled_back(lang, &self.location, self.seen, self.now)
    }

    /// For a status bar, where the ledger is the one on the screen.
    pub fn short(&self, lang: Lang) -> String {
        i18n::msg::ledger_rolled_back_here(lang, self.seen, self.now)
    }
}

/// How [`Seen`] names a ledger in a directory.
const DIR: &str = "dir:";

/// The last history head this account saw of each ledger it used, so that a ledger brought
/// back to an older state (restored from an old copy) is said to be, rather than its older
/// state silently taken: `heads.json` in the user's state directory
/// (`~/.local/state/zhengdun/`), owner-only. A ledger is known by where it is (its
/// directory, or its server) and by its first event; a field copy keeps its own watch on
/// its server (`sync`), and is not watched here. The memory is a help, never in the way: one
/// that cannot be read or written is as none.
pub struct Seen {
    path: Option<PathBuf>,
    heads: std::collections::BTreeMap<String, ledger::Head>,
    /// Changed in memory since last written.
    dirty: bool,
}

impl Seen {
    /// The account's memory, in the state directory `XDG_STATE_HOME` names, or else under
    /// the home directory if that exists: an account whose home is missing (`/nonexistent`,
    /// a service's) keeps none, and no home directory is made for it.
    pub fn load() -> Seen {
        let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
        let path = directories::ProjectDirs::from("", "", "zhengdun")
            .and_then(|d| d.state_dir().map(Path::to_path_buf))
            .filter(|dir| match &home {
                Some(home) if dir.starts_with(home) => home.is_dir(),
                _ => true,
            })
            .map(|dir| dir.join("heads.json"));
        Seen::at(path)
    }

    /// The memory kept in `path` (none: nothing is kept).
    pub fn at(path: Option<PathBuf>) -> Seen {
        let heads = path
            .as_ref()
            .and_then(|p| fs::read(p).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Seen {
            path,
            heads,
            dirty: false,
        }
    }

    /// The key of a ledger: `dir:` and its directory's full path, or `at:` and its
    /// location (a server).
    fn key(ledger: &dyn Ledger) -> String {
        let location = ledger.location();
        match fs::canonicalize(&location) {
            Ok(p) if p.is_dir() => format!("{DIR}{}", p.display()),
            _ => format!("at:{location}"),
        }
    }

    /// What the user is told the ledger is: its location.
    fn named(key: &str) -> &str {
        key.split_once(':').map_or(key, |(_, l)| l)
    }

    /// Compares the ledger with the head last seen of it: whether it was rolled back.
    /// Then remembers where it is now.
    pub fn check(&mut self, ledger: &dyn Ledger) -> Option<RolledBack> {
        if ledger.field_copy().ok().flatten().is_some() {
            return None;
        }
        let now = ledger.head().ok()?;
        let key = Seen::key(ledger);
        let said = match self.heads.get(&key) {
            Some(seen) if seen.seq > 0 && (now.seq == 0 || now.first == seen.first) => {
                let kept = now.seq >= seen.seq
                    && (now.seq == seen.seq && now.hash == seen.hash
                        || ledger.holds(seen.seq, &seen.hash).is_ok());
                (!kept).then(|| RolledBack {
                    location: Seen::named(&key).to_string(),
                    seen: seen.seq,
                    now: now.seq,
                })
            }
            // never seen, or another ledger there now
            _ => None,
        };
        self.keep(key, now);
        said
    }

    /// Remembers where the ledger is now (after a command, when a screen closes, after a
    /// restore: the one who restores is not told of their own restore; others are).
    pub fn remember(&mut self, ledger: &dyn Ledger) {
        if ledger.field_copy().ok().flatten().is_some() {
            return;
        }
        if let Ok(now) = ledger.head() {
            self.keep(Seen::key(ledger), now);
        }
    }

    /// A change the ledger pushed (a screen following it): where its history is now, kept
    /// in memory only, until the screen closes ([`Seen::remember`]).
    pub fn saw(&mut self, ledger: &dyn Ledger, seq: u64, hash: &str) {
        if let Some(seen) = self.heads.get_mut(&Seen::key(ledger)) {
            if seq > seen.seq {
                seen.seq = seq;
                seen.hash = hash.to_string();
                self.dirty = true;
            }
        }
    }

    /// After a restore: the one who restored knows the ledger is older now, wherever they
    /// saw it (its directory, its server), so what they saw of every ledger with this first
    /// event is forgotten, and where this one is now remembered. Others are told.
    pub fn restored(&mut self, ledger: &dyn Ledger) {
        let Ok(now) = ledger.head() else { return };
        self.heads
            .retain(|_, seen| seen.first.is_empty() || seen.first != now.first);
        self.keep(Seen::key(ledger), now);
    }

    fn keep(&mut self, key: String, now: ledger::Head) {
        if self.heads.get(&key) == Some(&now) && !self.dirty {
            return;
        }
        self.dirty = false;
        self.heads.insert(key, now);
        // a directory that is gone (a ledger removed, a test's) is forgotten
        self.heads
            .retain(|k, _| k.strip_prefix(DIR).is_none_or(|d| Path::new(d).exists()));
        let Some(path) = &self.path else { return };
        let _ = write_private(path, &serde_json::to_vec(&self.heads).unwrap_or_default());
    }
}

/// Writes `bytes` to `path` whole (a file beside it, renamed over it), the file `0600` and
/// a directory made for it `0700`.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(dir) = path.parent() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    let partial = path.with_extension(format!("{}.tmp", std::process::id()));
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)?;
    // not synced: a memory lost to a power cut is only an older one
    f.write_all(bytes)?;
    fs::rename(&partial, path)
}

/// The login name, as a shell over SSH or a cron job sets it.
pub fn login_name() -> Option<String> {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
}

pub fn default_db_dir() -> Result<PathBuf, Failure> {
    directories::ProjectDirs::from("", "", "zhengdun")
        .map(|d| d.data_dir().join("ledger"))
        .ok_or_else(|| Failure::input(i18n::t(Lang::default(), Text::NoHomeDirectory)))
}

/// The county's policy: the file named, else `policy.toml` beside the ledger, else the
/// defaults of SPEC §3.
pub fn load_policy(explicit: Option<&Path>, db_dir: &Path, lang: Lang) -> Result<Policy, Failure> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = db_dir.join("policy.toml");
            if !p.exists() {
                return Ok(Policy::default());
            }
            p
        }
    };
    let text = fs::read_to_string(&path)
        .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
    Policy::from_toml(&text, &path.display().to_string())
        .map_err(|e| Failure::input(i18n::policy_error(lang, &e)))
}
