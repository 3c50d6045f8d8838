//! A ledger through the county's server ([`Remote`]): every call is a request over a Unix
//! socket, or over `ssh HOST zhengdun proxy` bridged to one. A reader thread takes the
//! server's frames as they come and hands each reply to the call waiting for it and each
//! pushed change to the subscribers.

use std::collections::HashMap;
use std::io::{BufReader, BufWriter, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use crate::domain::{AccountabilityEvent, Case, ChangeKind, Command, Person, Summary};
use crate::listing::Filter;
use crate::stats::Stats;
use crate::store::{Backup, Ctx, Event, RestoreSummary, VerifyReport};

use super::protocol::{self, Answer, Call, Hello, Request, ToClient, Welcome};
use super::{Error, Ledger, Notice, Result};

/// The file in a ledger's directory that names the socket of the server holding it (a
/// `zhengdun serve`, or a TUI serving its own ledger while it runs), so that the same
/// account's other processes given `--db` connect there instead of being refused.
pub use crate::store::{OWN_SOCKET, SERVER_FILE, SOCKET_WORK_PREFIX};

type Waiting = SyncSender<Result<Answer>>;

/// The calls waiting for their replies; once the connection is gone, why.
#[derive(Default)]
struct Pending {
    waiting: HashMap<u64, Waiting>,
    gone: Option<String>,
}

/// What the reader thread shares with the calls.
#[derive(Default)]
struct Shared {
    pending: Mutex<Pending>,
    subscribers: Mutex<Vec<Sender<Notice>>>,
}

pub struct Remote {
    location: String,
    ctx: Ctx,
    out: Mutex<Box<dyn Write + Send>>,
    shared: Arc<Shared>,
    next: AtomicU64,
    /// `ssh`, when the server is reached through it; ended with the connection.
    child: Mutex<Option<Child>>,
    /// The server's account, when its socket says (not through SSH).
    server_uid: Option<u32>,
}

impl Remote {
    /// Connects to `server`: a socket path, or `ssh://[user@]host[/socket/path]`. `today`
    /// overrides the server's today for what this client reads (`--today` on a reading
    /// command); changes always take the server's.
    pub fn connect(server: &str, today: Option<NaiveDate>) -> Result<Remote> {
        match server.strip_prefix("ssh://") {
            Some(rest) => Remote::over_ssh(server, rest, today),
            None => Remote::over_socket(Path::new(server), today),
        }
    }

    /// Connects to the server whose socket a ledger directory names ([`SERVER_FILE`]), if
    /// one is running there under this same account. `None` when there is none to reach.
    pub fn for_db(dir: &Path, today: Option<NaiveDate>) -> Option<Remote> {
        let named = std::fs::read_to_string(dir.join(SERVER_FILE)).ok()?;
        let socket = PathBuf::from(named.trim());
        let remote = Remote::over_socket(&socket, today).ok()?;
        let ours = rustix::process::geteuid().as_raw();
        (remote.server_uid == Some(ours)).then_some(remote)
    }

    fn over_socket(path: &Path, today: Option<NaiveDate>) -> Result<Remote> {
        let location = path.display().to_string();
        let unreachable = |e: std::io::Error| Error::Unreachable {
            server: location.clone(),
            detail: e.to_string(),
        };
        let stream = UnixStream::connect(path).map_err(unreachable)?;
        let server_uid = rustix::net::sockopt::socket_peercred(&stream)
            .ok()
            .map(|c| c.uid.as_raw());
        let reader = stream.try_clone().map_err(unreachable)?;
        let mut remote = Remote::start(
            location,
            Box::new(BufReader::new(reader)),
            Box::new(BufWriter::new(stream)),
            None,
            today,
        )?;
        remote.server_uid = server_uid;
        Ok(remote)
    }

    /// `ssh [user@]host zhengdun proxy [--socket PATH]`, talking over its standard input
    /// and output; its standard error (SSH's own messages, a password prompt) stays the
    /// user's.
    fn over_ssh(server: &str, rest: &str, today: Option<NaiveDate>) -> Result<Remote> {
        let (host, socket) = match rest.find('/') {
            Some(at) => (rest.get(..at).unwrap_or(rest), rest.get(at..)),
            None => (rest, None),
        };
        let unreachable = |detail: String| Error::Unreachable {
            server: server.to_string(),
            detail,
        };
        if host.is_empty() || host.starts_with('-') {
            return Err(unreachable(format!("'{host}' is no host name")));
        }
        let mut ssh = Process::new("ssh");
        // no pseudo-terminal: the connection carries frames, not a session
        ssh.arg("-T")
            .arg("--")
            .arg(host)
            .arg("zhengdun")
            .arg("proxy");
        if let Some(socket) = socket {
            ssh.arg("--socket").arg(socket);
        }
        let mut child = ssh
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| unreachable(format!("ssh: {e}")))?;
        let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(unreachable("ssh: no pipes".into()));
        };
        Remote::start(
            server.to_string(),
            Box::new(BufReader::new(output)),
            Box::new(BufWriter::new(input)),
            Some(child),
            today,
        )
    }

    /// Says hello, reads the welcome, and starts the reader thread.
    fn start(
        location: String,
        mut input: Box<dyn Read + Send>,
        mut out: Box<dyn Write + Send>,
        child: Option<Child>,
        today: Option<NaiveDate>,
    ) -> Result<Remote> {
        let broken = |detail: String| Error::Unreachable {
            server: location.clone(),
            detail,
        };
        let end = |child: Option<Child>| {
            if let Some(mut c) = child {
                let _ = c.kill();
                let _ = c.wait();
            }
        };
        if let Err(e) = protocol::write_frame(&mut *out, &Hello::ours()) {
            end(child);
            return Err(broken(e.to_string()));
        }
        let body = match protocol::read_frame(&mut *input) {
            Ok(Some(b)) => b,
            Ok(None) => {
                end(child);
                return Err(broken(
                    "the connection closed before the server answered".into(),
                ));
            }
            Err(e) => {
                end(child);
                return Err(broken(e.to_string()));
            }
        };
        // The version first, read from whatever the welcome holds: a server of another
        // version may say the rest in another shape.
        let ours = Hello::ours();
        let said: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let protocol = said.get("protocol").and_then(|p| p.as_u64());
        if protocol != Some(u64::from(ours.protocol)) {
            end(child);
            let version = said.get("version").and_then(|v| v.as_str()).unwrap_or("?");
            return Err(Error::Version {
                server: location,
                theirs: match protocol {
                    Some(p) => format!("{p} (zhengdun {version})"),
                    None => "?".into(),
                },
                ours: format!("{} (zhengdun {})", ours.protocol, ours.version),
            });
        }
        let welcome: Welcome = match protocol::decode(&body) {
            Ok(w) => w,
            Err(e) => {
                end(child);
                return Err(Error::Protocol {
                    server: location,
                    detail: e.to_string(),
                });
            }
        };
        if let Some(refused) = welcome.refused {
            end(child);
            return Err(refused);
        }
        let Some(mut ctx) = welcome.ctx else {
            end(child);
            return Err(Error::Protocol {
                server: location,
                detail: "the server's welcome says neither who you are nor refuses you".into(),
            });
        };
        if let Some(today) = today {
            ctx.today = today;
        }
        let shared = Arc::new(Shared::default());
        let reading = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("server-reader".into())
            .spawn(move || read_frames(input, &reading));
        if let Err(e) = spawned {
            end(child);
            return Err(broken(format!("cannot start the reader thread: {e}")));
        }
        Ok(Remote {
            location: if welcome.location.is_empty() {
                location
            } else {
                format!("{location} ({})", welcome.location)
            },
            ctx,
            out: Mutex::new(out),
            shared,
            next: AtomicU64::new(1),
            child: Mutex::new(child),
            server_uid: None,
        })
    }

    /// Sends one call and waits for its reply.
    fn call(&self, call: Call) -> Result<Answer> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::sync_channel(1);
        {
            let mut p = lock(&self.shared.pending);
            if let Some(why) = &p.gone {
                return Err(self.unreachable(why.clone()));
            }
            p.waiting.insert(id, tx);
        }
        let sent = {
            let mut out = lock(&self.out);
            protocol::write_frame(&mut **out, &Request { id, call })
        };
        if let Err(e) = sent {
            lock(&self.shared.pending).waiting.remove(&id);
            return Err(self.unreachable(e.to_string()));
        }
        match rx.recv() {
            Ok(result) => result,
            Err(_) => {
                let why = lock(&self.shared.pending)
                    .gone
                    .clone()
                    .unwrap_or_else(|| "the connection closed".into());
                Err(self.unreachable(why))
            }
        }
    }

    fn unreachable(&self, detail: String) -> Error {
        Error::Unreachable {
            server: self.location.clone(),
            detail,
        }
    }

    fn unexpected(&self, answer: Answer) -> Error {
        let kind = format!("{answer:?}");
        Error::Protocol {
            server: self.location.clone(),
            detail: format!(
                "an answer of the wrong kind: {}",
                kind.split(['(', ' ', '{']).next().unwrap_or("")
            ),
        }
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        if let Some(mut child) = lock(&self.child).take() {
            // closing its input ends the proxy, and with it ssh
            drop(std::mem::replace(
                &mut *lock(&self.out),
                Box::new(std::io::sink()),
            ));
            let _ = child.wait();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The reader thread: each reply to its call, each notice to every subscriber, until the
/// connection ends; then every waiting call is told why.
fn read_frames(mut input: Box<dyn Read + Send>, shared: &Shared) {
    let why = loop {
        match protocol::read::<_, ToClient>(&mut *input) {
            Ok(Some(ToClient::Reply { id, result })) => {
                if let Some(tx) = lock(&shared.pending).waiting.remove(&id) {
                    let _ = tx.send(result);
                }
            }
            Ok(Some(ToClient::Notice(notice))) => {
                lock(&shared.subscribers).retain(|s| s.send(notice.clone()).is_ok());
            }
            Ok(None) => break "the server closed the connection".to_string(),
            Err(e) => break e.to_string(),
        }
    };
    let mut p = lock(&shared.pending);
    p.gone = Some(why);
    // dropping the senders wakes every waiting call
    p.waiting.clear();
}

macro_rules! answer {
    ($self:ident, $call:expr, $variant:ident($x:ident) => $out:expr) => {
        match $self.call($call)? {
            Answer::$variant($x) => Ok($out),
            other => Err($self.unexpected(other)),
        }
    };
    ($self:ident, $call:expr, Done) => {
        match $self.call($call)? {
            Answer::Done => Ok(()),
            other => Err($self.unexpected(other)),
        }
    };
}

impl Ledger for Remote {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    fn summaries(&self) -> Result<Vec<Summary>> {
        answer!(self, Call::Summaries, Summaries(s) => s)
    }

    fn select(
        &self,
        filter: &Filter,
        search: Option<&str>,
        today: NaiveDate,
    ) -> Result<Vec<Summary>> {
        let call = Call::Select {
            filter: filter.clone(),
            search: search.map(str::to_string),
            today,
        };
        answer!(self, call, Summaries(s) => s)
    }

    fn case(&self, id: &str) -> Result<Case> {
        answer!(self, Call::Case(id.to_string()), Case(c) => *c)
    }

    fn cases(&self, ids: Option<&[String]>) -> Result<Vec<Case>> {
        answer!(self, Call::Cases(ids.map(<[String]>::to_vec)), Cases(c) => c)
    }

    fn history(&self, id: &str) -> Result<Vec<Event>> {
        answer!(self, Call::History(id.to_string()), History(h) => h)
    }

    fn accountability(&self) -> Result<Vec<AccountabilityEvent>> {
        answer!(self, Call::Accountability, Accountability(a) => a)
    }

    fn search(&self, query: &str) -> Result<Vec<String>> {
        answer!(self, Call::Search(query.to_string()), Ids(ids) => ids)
    }

    fn stats(&self, today: NaiveDate) -> Result<Stats> {
        answer!(self, Call::Stats(today), Stats(s) => *s)
    }

    fn execute(&self, id: &str, commands: &[Command], expected: Option<&str>) -> Result<Case> {
        let call = Call::Execute {
            id: id.to_string(),
            commands: commands.to_vec(),
            expected: expected.map(str::to_string),
        };
        answer!(self, call, Case(c) => *c)
    }

    fn check_import(&self, cases: &[Case]) -> Result<()> {
        answer!(self, Call::CheckImport(cases.to_vec()), Done)
    }

    fn import(
        &self,
        cases: Vec<Case>,
        accountability: Vec<AccountabilityEvent>,
        kind: ChangeKind,
    ) -> Result<usize> {
        let call = Call::Import {
            cases,
            accountability,
            kind,
        };
        answer!(self, call, Count(n) => n)
    }

    fn backup(&self, as_of: Option<NaiveDate>) -> Result<Backup> {
        answer!(self, Call::Backup(as_of), Backup(b) => *b)
    }

    fn restore(&self, backup: Backup, file: &str) -> Result<RestoreSummary> {
        let call = Call::Restore {
            backup,
            file: file.to_string(),
        };
        answer!(self, call, Restored(r) => r)
    }

    fn verify(&self) -> Result<VerifyReport> {
        answer!(self, Call::Verify, Verified(r) => r)
    }

    fn export(&self) -> Result<(Vec<Case>, Vec<AccountabilityEvent>)> {
        match self.call(Call::Export)? {
            Answer::Exported(cases, accountability) => Ok((cases, accountability)),
            other => Err(self.unexpected(other)),
        }
    }

    fn roster(&self) -> Result<Vec<Person>> {
        answer!(self, Call::Roster, People(p) => p)
    }

    fn add_person(&self, person: Person) -> Result<Option<Event>> {
        answer!(self, Call::AddPerson(person), Recorded(e) => e.map(|e| *e))
    }

    fn remove_person(&self, login: &str) -> Result<Event> {
        match self.call(Call::RemovePerson(login.to_string()))? {
            Answer::Recorded(Some(e)) => Ok(*e),
            other => Err(self.unexpected(other)),
        }
    }

    fn roster_history(&self) -> Result<Vec<Event>> {
        answer!(self, Call::RosterHistory, History(h) => h)
    }

    fn subscribe(&self) -> Receiver<Notice> {
        let (tx, rx) = mpsc::channel();
        lock(&self.shared.subscribers).push(tx);
        rx
    }

    fn flush(&self) -> Result<()> {
        answer!(self, Call::Flush, Done)
    }
}
