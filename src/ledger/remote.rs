//! A ledger through the county's server ([`Remote`]): every call is a request over a Unix
//! socket, or over `ssh HOST zhengdun proxy` bridged to one. A command reads each reply on
//! the thread that asked; once someone follows the server's pushes (a TUI), a reader thread
//! takes the server's frames as they come and hands each reply to the call waiting for it
//! and each pushed change to the subscribers.

use std::collections::HashMap;
use std::io::{BufReader, BufWriter, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command as Process, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use chrono::NaiveDate;

use crate::domain::{
    AccountabilityEvent, Case, ChangeKind, Command, Person, QueuedChange, Summary,
};
use crate::i18n::Lang;
use crate::listing::Filter;
use crate::stats::Stats;
use crate::store::outbox::{Outcome, Taken};
use crate::store::{
    Backup, CaseSource, Ctx, Event, RestoreSummary, StoreError, VerifyReport, VoidedCase,
};

use super::protocol::{self, Answer, Call, FrameError, Hello, Request, ToClient, Welcome};
use super::{
    Broken, CaseUpdate, Error, Head, Ledger, Link, Notice, Result, Unreadable, UpdateReport,
};

/// The file in a ledger's directory that names the socket of the server holding it (a
/// `zhengdun serve`, or a TUI serving its own ledger while it runs), so that the same
/// account's other processes given `--db` connect there instead of being refused.
pub use crate::store::{OWN_SOCKET, SERVER_FILE, SERVER_FILE_WORK_PREFIX, SOCKET_WORK_PREFIX};

type Waiting = SyncSender<Result<Answer>>;

/// How long a lost connection waits between attempts to connect again: a socket is cheap
/// to try, an SSH login less so.
const RETRY_SOCKET: Duration = Duration::from_secs(1);
const RETRY_SSH: Duration = Duration::from_secs(3);

/// The calls waiting for their replies; once the connection is gone, why.
#[derive(Default)]
struct Pending {
    waiting: HashMap<u64, Waiting>,
    gone: Option<Broken>,
}

/// One connection to the server: where requests go, the calls waiting on it, and `ssh`
/// when the server is reached through it.
struct Conn {
    out: Mutex<Box<dyn Write + Send>>,
    pending: Mutex<Pending>,
    child: Mutex<Option<Child>>,
    /// The ledger's head the welcome gave, until this connection's first other call.
    welcomed: Mutex<Option<Head>>,
}

impl Conn {
    /// Ends it: closing its input ends the proxy, and with it ssh.
    fn close(&self) {
        drop(std::mem::replace(
            &mut *lock(&self.out),
            Box::new(std::io::sink()),
        ));
        if let Some(mut child) = lock(&self.child).take() {
            let _ = child.wait();
        }
    }
}

/// What outlives one connection: how to connect again, and who is told of changes and of
/// the connection itself.
struct Hub {
    server: String,
    today: Option<NaiveDate>,
    lang: Lang,
    conn: RwLock<Arc<Conn>>,
    subscribers: Mutex<Vec<Sender<Notice>>>,
    links: Mutex<Vec<Sender<Link>>>,
}

impl Hub {
    fn conn(&self) -> Arc<Conn> {
        Arc::clone(&self.conn.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Tells whoever follows the connection; whether anyone does.
    fn tell(&self, link: &Link) -> bool {
        let mut links = lock(&self.links);
        links.retain(|l| l.send(link.clone()).is_ok());
        !links.is_empty()
    }
}

/// A connection just made: the welcome read, the reader not yet started.
struct Opened {
    conn: Conn,
    input: Box<dyn Read + Send>,
    ctx: Ctx,
    location: String,
    server_uid: Option<u32>,
}

pub struct Remote {
    location: String,
    ctx: Ctx,
    hub: Arc<Hub>,
    next: AtomicU64,
    /// The server's account, when its socket says (not through SSH).
    server_uid: Option<u32>,
    /// The connection's input while no reader thread follows it: each call reads its own
    /// reply, with no hand-off between threads. Taken by the reader thread once someone
    /// subscribes to the server's pushes or follows the connection.
    input: Mutex<Option<Box<dyn Read + Send>>>,
}

impl Remote {
    /// Connects to `server`: a socket path, or `ssh://[user@]host[/socket/path]`. `today`
    /// overrides the server's today for what this client reads (`--today` on a reading
    /// command); changes always take the server's.
    pub fn connect(server: &str, today: Option<NaiveDate>) -> Result<Remote> {
        Remote::connect_in(server, today, Lang::default())
    }

    /// [`Remote::connect`] for a user of `lang`: what a proxy on the county machine says
    /// itself (through `ssh`) is in that language.
    pub fn connect_in(server: &str, today: Option<NaiveDate>, lang: Lang) -> Result<Remote> {
        let opened = open(server, today, lang, false)?;
        let conn = Arc::new(opened.conn);
        let hub = Arc::new(Hub {
            server: server.to_string(),
            today,
            lang,
            conn: RwLock::new(Arc::clone(&conn)),
            subscribers: Mutex::new(Vec::new()),
            links: Mutex::new(Vec::new()),
        });
        Ok(Remote {
            location: opened.location,
            ctx: opened.ctx,
            hub,
            next: AtomicU64::new(1),
            server_uid: opened.server_uid,
            input: Mutex::new(Some(opened.input)),
        })
    }

    /// Starts the reader thread, if it is not running yet: from now on the server's pushes
    /// reach the subscribers as they come, and a lost connection is made again for those
    /// who follow it.
    fn followed(&self) {
        let Some(input) = lock(&self.input).take() else {
            return;
        };
        let conn = self.hub.conn();
        let weak = Arc::downgrade(&self.hub);
        let spawned = std::thread::Builder::new()
            .name("server-reader".into())
            .spawn(move || follow(input, conn, &weak));
        if let Err(e) = spawned {
            let conn = self.hub.conn();
            lock(&conn.pending).gone = Some(Broken::Io(e.to_string()));
            conn.close();
        }
    }

    /// [`Remote::call`] with no reader thread: sends, then reads frames on this thread
    /// until the reply comes (pushes meanwhile go to nobody: no one subscribed).
    fn call_here(&self, input: &mut (dyn Read + Send), conn: &Conn, call: Call) -> Result<Answer> {
        if let Some(why) = &lock(&conn.pending).gone {
            return Err(self.unreachable(why.clone()));
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let sent = {
            let mut out = lock(&conn.out);
            protocol::write_frame(&mut **out, &Request { id, call })
        };
        let why = match sent {
            Err(e) => Broken::of(&e),
            Ok(()) => loop {
                match protocol::read_to_client(&mut *input) {
                    Ok(Some(ToClient::Reply { id: theirs, result })) if theirs == id => {
                        return result;
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break Broken::Closed,
                    Err(FrameError::Io(e)) => break Broken::of(&e),
                    Err(FrameError::TooLarge(n)) => break Broken::Garbled(Unreadable::TooLarge(n)),
                    Err(FrameError::Malformed(m)) => {
                        break Broken::Garbled(Unreadable::Malformed(m))
                    }
                }
            },
        };
        lock(&conn.pending).gone = Some(why.clone());
        Err(self.unreachable(why))
    }

    /// Connects to the server whose socket a ledger directory names ([`SERVER_FILE`]), if
    /// one is running there under this same account. `None` when there is none to reach.
    pub fn for_db(dir: &Path, today: Option<NaiveDate>, lang: Lang) -> Option<Remote> {
        let named = std::fs::read_to_string(dir.join(SERVER_FILE)).ok()?;
        let remote = Remote::connect_in(named.trim(), today, lang).ok()?;
        let ours = rustix::process::geteuid().as_raw();
        (remote.server_uid == Some(ours)).then_some(remote)
    }

    /// Sends one call and waits for its reply.
    fn call(&self, call: Call) -> Result<Answer> {
        let conn = self.hub.conn();
        lock(&conn.welcomed).take();
        {
            let mut here = lock(&self.input);
            if let Some(input) = here.as_mut() {
                return self.call_here(&mut **input, &conn, call);
            }
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::sync_channel(1);
        {
            let mut p = lock(&conn.pending);
            if let Some(why) = &p.gone {
                return Err(self.unreachable(why.clone()));
            }
            p.waiting.insert(id, tx);
        }
        let sent = {
            let mut out = lock(&conn.out);
            protocol::write_frame(&mut **out, &Request { id, call })
        };
        if let Err(e) = sent {
            lock(&conn.pending).waiting.remove(&id);
            return Err(self.unreachable(Broken::of(&e)));
        }
        match rx.recv() {
            Ok(result) => result,
            Err(_) => {
                let why = lock(&conn.pending).gone.clone().unwrap_or(Broken::Closed);
                Err(self.unreachable(why))
            }
        }
    }

    fn unreachable(&self, detail: Broken) -> Error {
        Error::Unreachable {
            server: self.location.clone(),
            detail,
        }
    }

    fn unpacked(&self, packed: &protocol::Packed) -> Result<Vec<Summary>> {
        packed.summaries().map_err(|detail| Error::Protocol {
            server: self.location(),
            detail: super::Unreadable::Malformed(detail),
        })
    }

    fn unexpected(&self, answer: Answer) -> Error {
        let kind = format!("{answer:?}");
        Error::Protocol {
            server: self.location.clone(),
            detail: Unreadable::WrongAnswer(
                kind.split(['(', ' ', '{']).next().unwrap_or("").to_string(),
            ),
        }
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        self.hub.conn().close();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A connection to `server`, its welcome read. `again`: a connection made again in the
/// background, under a screen, where ssh may neither ask nor write anything.
fn open(server: &str, today: Option<NaiveDate>, lang: Lang, again: bool) -> Result<Opened> {
    match server.strip_prefix("ssh://") {
        Some(rest) => over_ssh(server, rest, today, lang, again),
        None => over_socket(Path::new(server), today),
    }
}

fn over_socket(path: &Path, today: Option<NaiveDate>) -> Result<Opened> {
    let location = path.display().to_string();
    let unreachable = |e: std::io::Error| Error::Unreachable {
        server: location.clone(),
        detail: Broken::of(&e),
    };
    let stream = UnixStream::connect(path).map_err(unreachable)?;
    let server_uid = rustix::net::sockopt::socket_peercred(&stream)
        .ok()
        .map(|c| c.uid.as_raw());
    let reader = stream.try_clone().map_err(unreachable)?;
    let mut opened = handshake(
        location,
        Box::new(BufReader::new(reader)),
        Box::new(BufWriter::new(stream)),
        None,
        today,
    )?;
    opened.server_uid = server_uid;
    Ok(opened)
}

/// `ssh [user@]host zhengdun --lang L proxy [--socket PATH]`, talking over its standard
/// input and output; its standard error (SSH's own messages, a password prompt) stays the
/// user's, except when connecting `again`.
fn over_ssh(
    server: &str,
    rest: &str,
    today: Option<NaiveDate>,
    lang: Lang,
    again: bool,
) -> Result<Opened> {
    let (host, socket) = match rest.find('/') {
        Some(at) => (rest.get(..at).unwrap_or(rest), rest.get(at..)),
        None => (rest, None),
    };
    let unreachable = |detail: Broken| Error::Unreachable {
        server: server.to_string(),
        detail,
    };
    if host.is_empty() || host.starts_with('-') {
        return Err(unreachable(Broken::NoHost(host.to_string())));
    }
    let mut ssh = Process::new("ssh");
    // no pseudo-terminal: the connection carries frames, not a session; the proxy says
    // what it has to say in this client's language
    ssh.arg("-T");
    if again {
        // no password prompt over the screen: a key (or an agent) or nothing
        ssh.args(["-o", "BatchMode=yes"]);
    }
    ssh.arg("--")
        .arg(host)
        .arg("zhengdun")
        .arg("--lang")
        .arg(lang.code())
        .arg("proxy");
    if let Some(socket) = socket {
        ssh.arg("--socket").arg(socket);
    }
    let mut child = ssh
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(if again {
            Stdio::null()
        } else {
            Stdio::inherit()
        })
        .spawn()
        .map_err(|e| unreachable(Broken::Ssh(e.to_string())))?;
    let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        return Err(unreachable(Broken::Ssh("no pipes".into())));
    };
    handshake(
        server.to_string(),
        Box::new(BufReader::new(output)),
        Box::new(BufWriter::new(input)),
        Some(child),
        today,
    )
}

/// Says hello and reads the welcome.
fn handshake(
    location: String,
    mut input: Box<dyn Read + Send>,
    mut out: Box<dyn Write + Send>,
    child: Option<Child>,
    today: Option<NaiveDate>,
) -> Result<Opened> {
    let end = |child: Option<Child>| {
        if let Some(mut c) = child {
            let _ = c.kill();
            let _ = c.wait();
        }
    };
    if let Err(e) = protocol::write_frame(&mut *out, &Hello::ours()) {
        end(child);
        return Err(Error::Unreachable {
            server: location,
            detail: Broken::of(&e),
        });
    }
    let body = match protocol::read_frame(&mut *input) {
        Ok(Some(b)) => b,
        Ok(None) => {
            end(child);
            return Err(Error::Unreachable {
                server: location,
                detail: Broken::ClosedBeforeWelcome,
            });
        }
        Err(e) => {
            end(child);
            return Err(frame_error(location, e));
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
            return Err(frame_error(location, e));
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
            detail: Unreadable::NoWelcome,
        });
    };
    if let Some(today) = today {
        ctx.today = today;
    }
    Ok(Opened {
        conn: Conn {
            out: Mutex::new(out),
            pending: Mutex::new(Pending::default()),
            child: Mutex::new(child),
            welcomed: Mutex::new(welcome.head),
        },
        input,
        ctx,
        location: if welcome.location.is_empty() {
            location
        } else {
            format!("{location} ({})", welcome.location)
        },
        server_uid: None,
    })
}

/// A frame that could not be read from `server`'s connection, as the error the user sees.
fn frame_error(server: String, e: FrameError) -> Error {
    match e {
        FrameError::Io(e) => Error::Unreachable {
            server,
            detail: Broken::of(&e),
        },
        FrameError::TooLarge(n) => Error::Protocol {
            server,
            detail: Unreadable::TooLarge(n),
        },
        FrameError::Malformed(m) => Error::Protocol {
            server,
            detail: Unreadable::Malformed(m),
        },
    }
}

/// The reader thread: each reply to its call, each notice to every subscriber, until the
/// connection ends; then every waiting call is told why. When someone follows the
/// connection (a TUI), they are told it was lost, it is made again as soon as the server
/// is back, and they are told that; else (a command) the thread ends.
fn follow(mut input: Box<dyn Read + Send>, mut conn: Arc<Conn>, hub: &Weak<Hub>) {
    loop {
        let why = read_frames(&mut *input, &conn, hub);
        {
            let mut p = lock(&conn.pending);
            p.gone = Some(why.clone());
            // dropping the senders wakes every waiting call
            p.waiting.clear();
        }
        let Some(h) = hub.upgrade() else { return };
        let server = h.server.clone();
        let (today, lang) = (h.today, h.lang);
        let lost = |detail: Broken| {
            Link::Lost(Error::Unreachable {
                server: server.clone(),
                detail,
            })
        };
        if !h.tell(&lost(why)) {
            return;
        }
        drop(h);
        let pause = if server.starts_with("ssh://") {
            RETRY_SSH
        } else {
            RETRY_SOCKET
        };
        let mut last: Option<String> = None;
        let opened = loop {
            std::thread::sleep(pause);
            if hub.strong_count() == 0 {
                return;
            }
            match open(&server, today, lang, true) {
                Ok(o) => break o,
                // still away: said once already. A server that is back but turns this
                // account away (another version, taken off the roster) is told, once.
                Err(Error::Unreachable { .. }) => {}
                Err(e) => {
                    let said = format!("{e:?}");
                    let Some(h) = hub.upgrade() else { return };
                    if last.as_deref() != Some(said.as_str()) && !h.tell(&Link::Lost(e)) {
                        return;
                    }
                    last = Some(said);
                }
            }
        };
        let Some(h) = hub.upgrade() else {
            opened.conn.close();
            return;
        };
        conn = Arc::new(opened.conn);
        input = opened.input;
        let old = std::mem::replace(
            &mut *h.conn.write().unwrap_or_else(|p| p.into_inner()),
            Arc::clone(&conn),
        );
        old.close();
        h.tell(&Link::Back);
    }
}

/// Hands out what one connection brings until it ends; why it ended.
fn read_frames(input: &mut (dyn Read + Send), conn: &Conn, hub: &Weak<Hub>) -> Broken {
    loop {
        match protocol::read_to_client(&mut *input) {
            Ok(Some(ToClient::Reply { id, result })) => {
                if let Some(tx) = lock(&conn.pending).waiting.remove(&id) {
                    let _ = tx.send(result);
                }
            }
            Ok(Some(ToClient::Notice(notice))) => {
                let Some(h) = hub.upgrade() else {
                    return Broken::Closed;
                };
                lock(&h.subscribers).retain(|s| s.send(notice.clone()).is_ok());
            }
            Ok(None) => return Broken::Closed,
            Err(FrameError::Io(e)) => return Broken::of(&e),
            Err(FrameError::TooLarge(n)) => return Broken::Garbled(Unreadable::TooLarge(n)),
            Err(FrameError::Malformed(m)) => return Broken::Garbled(Unreadable::Malformed(m)),
        }
    }
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
        let packed = answer!(self, Call::Summaries, Packed(p) => p)?;
        self.unpacked(&packed)
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
        let packed = answer!(self, call, Packed(p) => p)?;
        self.unpacked(&packed)
    }

    fn case(&self, id: &str) -> Result<Case> {
        answer!(self, Call::Case(id.to_string()), Case(c) => *c)
    }

    fn take(&self, after: u64, after_hash: &str, mine: bool, also: &[String]) -> Result<Taken> {
        let call = Call::Take {
            after,
            after_hash: after_hash.to_string(),
            mine,
            also: also.to_vec(),
        };
        answer!(self, call, Taken(t) => *t)
    }

    fn head(&self) -> Result<Head> {
        if let Some(head) = lock(&self.hub.conn().welcomed).take() {
            return Ok(head);
        }
        answer!(self, Call::Head, Head(h) => h)
    }

    fn holds(&self, after: u64, after_hash: &str) -> Result<usize> {
        let call = Call::Holds {
            after,
            after_hash: after_hash.to_string(),
        };
        answer!(self, call, Count(n) => n)
    }

    fn apply_queued(&self, change: &QueuedChange) -> Result<Outcome> {
        answer!(self, Call::ApplyQueued(Box::new(change.clone())), Outcome(o) => *o)
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

    fn voided(&self) -> Result<Vec<VoidedCase>> {
        answer!(self, Call::Voided, Voided(v) => v)
    }

    fn search(&self, query: &str) -> Result<Vec<String>> {
        answer!(self, Call::Search(query.to_string()), Ids(ids) => ids)
    }

    fn list_csv(
        &self,
        filter: &Filter,
        search: Option<&str>,
        today: NaiveDate,
        lang: crate::i18n::Lang,
    ) -> Result<Option<Vec<u8>>> {
        let call = Call::ListCsv {
            filter: filter.clone(),
            search: search.map(str::to_string),
            today,
            lang,
        };
        let text = answer!(self, call, Text(p) => p.bytes)?;
        Ok(Some(
            std::sync::Arc::try_unwrap(text).unwrap_or_else(|shared| (*shared).clone()),
        ))
    }

    fn stats(&self, today: NaiveDate, year: Option<i32>) -> Result<Stats> {
        answer!(self, Call::Stats(today, year), Stats(s) => *s)
    }

    fn talk(&self, event: AccountabilityEvent) -> Result<Event> {
        match self.call(Call::Talk(event))? {
            Answer::Recorded(Some(e)) => Ok(*e),
            other => Err(self.unexpected(other)),
        }
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

    fn check_import_from(&self, source: &mut dyn CaseSource) -> Result<()> {
        self.send_import(source, ChangeKind::Imported, false)
            .map(|_| ())
    }

    fn import_from(&self, source: &mut dyn CaseSource, kind: ChangeKind) -> Result<usize> {
        self.send_import(source, kind, true)
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

    fn update(
        &self,
        opened: Vec<Case>,
        updates: Vec<CaseUpdate>,
        write: bool,
    ) -> Result<UpdateReport> {
        let call = Call::Update {
            opened,
            updates,
            write,
        };
        answer!(self, call, Updated(r) => r)
    }

    fn export_part(
        &self,
        after: Option<String>,
        limit: usize,
    ) -> Result<(Vec<Case>, Option<String>)> {
        match self.call(Call::ExportPart { after, limit })? {
            Answer::ExportPart(cases, next) => Ok((cases, next)),
            other => Err(self.unexpected(other)),
        }
    }

    /// The parts of [`Ledger::backup_to`], read back: the whole backup in memory, as the
    /// trait's callers of it want (every command writes the parts to its file instead).
    fn backup(&self, as_of: Option<NaiveDate>) -> Result<Backup> {
        let mut bytes = Vec::new();
        self.backup_to(as_of, &mut bytes)?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Store(StoreError::Io(e.to_string())))
    }

    /// The server takes the backup into a file of its own, and it is written into `out` a
    /// part at a time as the parts come: neither side holds the ledger whole.
    fn backup_to(
        &self,
        as_of: Option<NaiveDate>,
        out: &mut dyn std::io::Write,
    ) -> Result<(usize, usize)> {
        let (len, cases, events) = match self.call(Call::BackupBegin(as_of))? {
            Answer::BackupTaken { len, cases, events } => (len, cases, events),
            other => return Err(self.unexpected(other)),
        };
        let mut from = 0;
        while from < len {
            let part = answer!(self, Call::BackupPart { from }, BackupPart(p) => p)?;
            if part.bytes.is_empty() {
                return Err(self.unreachable(Broken::CutShort));
            }
            out.write_all(&part.bytes)
                .map_err(|e| Error::Store(StoreError::from(e)))?;
            from += part.bytes.len() as u64;
        }
        Ok((cases, events))
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
        lock(&self.hub.subscribers).push(tx);
        self.followed();
        rx
    }

    fn follow_link(&self) -> Option<Receiver<Link>> {
        let (tx, rx) = mpsc::channel();
        lock(&self.hub.links).push(tx);
        self.followed();
        Some(rx)
    }

    fn flush(&self) -> Result<()> {
        answer!(self, Call::Flush, Done)
    }
}

impl Remote {
    /// An import sent once, in parts of at most [`protocol::CASES_PER_FRAME`] cases as
    /// `source` reads them (one pass), each part checked by the server as it arrives; then
    /// its end, on which the server checks what needs every case and, with `write`, writes
    /// them all or none. Neither side holds more than a few parts in memory. When the server
    /// refuses a part, or the source ends its pass with a problem of its own, the import is
    /// given up and nothing is kept of it; the server's refusal is returned as it said it.
    fn send_import(
        &self,
        source: &mut dyn CaseSource,
        kind: ChangeKind,
        write: bool,
    ) -> Result<usize> {
        answer!(self, Call::ImportBegin { kind, write }, Done)?;
        let per_frame = protocol::CASES_PER_FRAME;
        // The parts go out on a thread of their own, one waiting at most, while the source
        // reads the next: the file is read while the server checks what came before.
        let (parts, outgoing) = mpsc::sync_channel::<Vec<Case>>(1);
        let (refused, passed) = std::thread::scope(|scope| {
            let sender = std::thread::Builder::new()
                .name("import-parts".into())
                .spawn_scoped(scope, move || -> Result<()> {
                    for cases in outgoing {
                        answer!(self, Call::ImportPart(cases), Done)?;
                    }
                    Ok(())
                });
            let sender = match sender {
                Ok(s) => s,
                Err(e) => return (Some(Error::Store(StoreError::Io(e.to_string()))), Ok(())),
            };
            let mut part = Vec::with_capacity(per_frame);
            let passed = source.pass(&mut |case| {
                part.push(case);
                if part.len() < per_frame {
                    return Ok(());
                }
                let full = std::mem::replace(&mut part, Vec::with_capacity(per_frame));
                // the sender stopped: what the server said ends the import, below; the
                // source is only told that its pass ends
                parts
                    .send(full)
                    .map_err(|_| StoreError::Io("a part of the import was not taken".into()))
            });
            if passed.is_ok() && !part.is_empty() {
                // the sender is gone only with a refusal, said below
                let _ = parts.send(part);
            }
            drop(parts);
            let refused = match sender.join() {
                Ok(sent) => sent.err(),
                Err(_) => Some(Error::Store(StoreError::Io(
                    "the thread sending the import ended".into(),
                ))),
            };
            (refused, passed)
        });
        let sent = match (refused, passed) {
            (Some(e), _) => Err(e),
            (None, Err(e)) => Err(Error::Store(e)),
            (None, Ok(())) => Ok(()),
        };
        if let Err(e) = sent {
            // nothing is kept of it (the server has already let go of a part it refused)
            if !matches!(e, Error::Unreachable { .. }) {
                let _ = self.call(Call::ImportAbandon);
            }
            return Err(e);
        }
        let accountability = source.accountability();
        match self.call(Call::ImportEnd { accountability })? {
            Answer::Count(n) => Ok(n),
            Answer::Done => Ok(0),
            other => Err(self.unexpected(other)),
        }
    }
}
