//! The county's ledger server (SPEC §9): the one process that opens the database, serving
//! clients over a Unix socket — `zhengdun serve`, or a TUI serving the ledger it opened to
//! the same account's other processes while it runs.
//!
//! The server is one more client of the ledger, not a second domain: each request becomes
//! a call of the embedded [`Local`] ledger, so every change goes through the store's one
//! path, in order, under its write lock. What a server adds:
//! - who acts: the connecting account ([`identity`]), never a flag;
//! - one thread per client, and one more that writes to it from a bounded queue with a
//!   write timeout, so that a stalled client never holds up the others: one whose queue is
//!   full is disconnected;
//! - group commit: the changes of cases that client threads receive queue to one writer
//!   thread, which applies all that wait, in order, each through the domain's one path
//!   (authorised, checked against its expected version), makes the group durable with one
//!   flush and fsync, and only then answers each — so 30 people writing at once wait for
//!   one or two fsyncs, not for thirty;
//! - each change pushed to every client ([`crate::ledger::protocol::ToClient::Notice`]);
//! - the summaries and the search index kept in memory, so that a list or a search is
//!   answered without reading the database;
//! - a clean stop on SIGTERM or SIGINT: the change in flight is finished and flushed, the
//!   socket removed.

pub mod identity;
pub mod proxy;
pub mod socket;

use std::io::{BufReader, BufWriter, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::domain::Summary;
use crate::i18n::{msg, Lang, Text};
use crate::interchange::csv::ReadyRows;
use crate::ledger::protocol::{
    self, Answer, Call, FrameError, Hello, Request, ToClient, Welcome, PROTOCOL,
};
use crate::ledger::{self, Ctx, Ledger, Local, Notice, SERVER_FILE};
use crate::search::SearchIndex;
use crate::session::{exit, Env, Failure};

pub use identity::{Access, Peer, Who};
pub use socket::DEFAULT_SOCKET;

/// Frames waiting to be written to one client. A client this far behind is stalled: it is
/// disconnected rather than let hold anything up.
const QUEUE: usize = 256;
/// How long writing one frame to a client may take before it counts as stalled.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a new connection may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// At most this many changes are made durable together: a bound on the wait of the first
/// of a group for the last.
const GROUP_MAX: usize = 64;

/// What `zhengdun serve` is asked.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    pub socket: Option<PathBuf>,
    pub group: Option<String>,
    /// The server's today for every change (`serve --today`), else the date of each change.
    pub today: Option<NaiveDate>,
}

/// The summaries (in id order) and their search index, as of the last notice applied.
struct Cache {
    summaries: Vec<Summary>,
    index: SearchIndex,
    /// The summaries packed as they are sent ([`protocol::Packed`]), made at the first
    /// request for them after each change.
    packed: Mutex<Option<protocol::Packed>>,
    /// Every case's CSV row kept ready, in the summaries' order, for `list --format csv`:
    /// built in the background after the cache ([`Server::build_rows`]); `None` until then
    /// (a list reads the cases it prints meanwhile).
    rows: Option<ReadyRows>,
    /// The cases changed while the rows are not there yet: read again when they are put in.
    touched: Vec<String>,
    /// Which build of the cache this is: rows built for an earlier one are not put in.
    generation: u64,
}

impl Cache {
    fn packed(&self) -> protocol::Packed {
        lock(&self.packed)
            .get_or_insert_with(|| protocol::Packed::of(&self.summaries))
            .clone()
    }
}

/// The frames of one message to a client, written one after another ([`protocol::encode_to_client`]).
type Frames = Vec<Arc<Vec<u8>>>;

/// A change of a case waiting for the writer thread, and where its answer goes.
struct Job {
    ctx: Ctx,
    id: String,
    commands: Vec<crate::domain::Command>,
    expected: Option<String>,
    answer: SyncSender<ledger::Result<crate::domain::Case>>,
}

/// The writer thread: takes the changes that wait (at most [`GROUP_MAX`]), applies them
/// in order and makes them durable as one group ([`Local::execute_group`]), then answers
/// each. It writes to no socket: a stalled client holds nothing up here. Ends when the
/// server, which holds the other end of `jobs`, is gone.
fn write_groups(ledger: &Local, gate: &Mutex<()>, jobs: &Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < GROUP_MAX {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let answers = {
            // a stop waits for this group, and no group starts after it
            let _gate = lock(gate);
            let changes: Vec<ledger::CaseChange<'_>> = group
                .iter()
                .map(|j| ledger::CaseChange {
                    id: &j.id,
                    commands: &j.commands,
                    ctx: &j.ctx,
                    expected: j.expected.as_deref(),
                })
                .collect();
            ledger.execute_group(&changes)
        };
        for (job, answer) in group.into_iter().zip(answers) {
            // the client thread may be gone (its client disconnected): nothing to tell
            let _ = job.answer.send(answer);
        }
    }
}

/// One connected client, as the other threads see it.
struct Client {
    id: u64,
    queue: SyncSender<Frames>,
    outlet: Arc<Outlet>,
    stream: UnixStream,
}

/// A client's end of its socket, shared by its own thread, which writes a reply itself when
/// nothing waits to go out before it, and its writer thread, which writes the pushes and the
/// replies queued behind them. A slow socket holds up only its own client's two threads:
/// the pushes to it wait in its queue, and a full queue disconnects it.
struct Outlet {
    /// `None` once a write failed (the socket is then shut down and nothing more written).
    out: Mutex<Option<BufWriter<UnixStream>>>,
    /// Messages in the queue not yet written.
    waiting: AtomicUsize,
}

impl Outlet {
    fn write(out: &mut Option<BufWriter<UnixStream>>, message: &Frames) {
        let Some(w) = out.as_mut() else { return };
        let written = message
            .iter()
            .try_for_each(|frame| w.write_all(frame))
            .and_then(|()| w.flush());
        if written.is_err() {
            let _ = w.get_ref().shutdown(std::net::Shutdown::Both);
            *out = None;
        }
    }
}

pub struct Server {
    ledger: Arc<Local>,
    access: Access,
    today: Option<NaiveDate>,
    lang: Lang,
    cache: RwLock<Option<Cache>>,
    /// The changes the cache has yet to take in; locked while it takes them.
    unseen: Mutex<Receiver<Notice>>,
    clients: Mutex<Vec<Client>>,
    next_client: AtomicU64,
    /// Held by every change while it is made: a stop takes it and keeps it.
    gate: Arc<Mutex<()>>,
    /// The writer thread's queue of changes of cases (`None`: it could not be started, and
    /// each change is made by its client's thread).
    writes: Option<mpsc::Sender<Job>>,
    /// Asks the rows thread to build the ready CSV rows (`None`: none are kept, as in a
    /// TUI serving its own ledger, which a list reads the cases of).
    rows_wanted: Option<mpsc::Sender<()>>,
    /// The last build of the cache.
    generation: AtomicU64,
    /// Frames queued for clients and not yet written.
    queued: Arc<AtomicUsize>,
    stopping: AtomicBool,
    socket: PathBuf,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Server {
    fn new(
        ledger: Arc<Local>,
        access: Access,
        today: Option<NaiveDate>,
        lang: Lang,
        socket: PathBuf,
        ready_rows: bool,
    ) -> Arc<Server> {
        let unseen = ledger.subscribe();
        let (rows_wanted, rows_asked) = mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(()));
        let (writes, jobs) = mpsc::channel::<Job>();
        let writing = Arc::clone(&ledger);
        let writer_gate = Arc::clone(&gate);
        let writer = std::thread::Builder::new()
            .name("writer".into())
            .spawn(move || write_groups(&writing, &writer_gate, &jobs));
        let server = Arc::new(Server {
            ledger,
            access,
            today,
            lang,
            cache: RwLock::new(None),
            unseen: Mutex::new(unseen),
            clients: Mutex::new(Vec::new()),
            next_client: AtomicU64::new(1),
            gate,
            writes: writer.is_ok().then_some(writes),
            rows_wanted: ready_rows.then_some(rows_wanted),
            generation: AtomicU64::new(0),
            queued: Arc::new(AtomicUsize::new(0)),
            stopping: AtomicBool::new(false),
            socket,
        });
        let changes = server.ledger.subscribe();
        let pushing = Arc::clone(&server);
        // Without this thread clients are not told of changes; they still work.
        let _ = std::thread::Builder::new()
            .name("push".into())
            .spawn(move || pushing.push(changes));
        if ready_rows {
            let building = Arc::clone(&server);
            // Without this thread a list reads the cases it prints; it still works.
            let _ = std::thread::Builder::new()
                .name("rows".into())
                .spawn(move || {
                    for () in rows_asked.iter() {
                        // one build for all the requests that came meanwhile
                        while rows_asked.try_recv().is_ok() {}
                        building.build_rows();
                    }
                });
        }
        server
    }

    /// Builds every case's ready CSV row from the store's rows (each case's own fields, one
    /// case at a time, never the whole ledger in memory) and puts them in the cache — unless the cache was built
    /// again meanwhile. The cases changed while they were built are read again first.
    fn build_rows(&self) {
        let generation = match &*self.cache.read().unwrap_or_else(|p| p.into_inner()) {
            Some(c) => c.generation,
            None => return,
        };
        let mut rows = ReadyRows::default();
        let mut ids = Vec::new();
        // each case's own fields, not the whole case: a scan of every record would leave
        // the engine's cache holding most of them
        let read = self.ledger.store().for_each_row(|case| {
            // a voided case is on no list
            if case.voided.is_some() {
                return;
            }
            rows.push(&case);
            ids.push(case.id);
        });
        if let Err(e) = read {
            return self.log(&e.message(self.lang));
        }
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        let Some(c) = cache.as_mut().filter(|c| c.generation == generation) else {
            return;
        };
        let same = ids.len() == c.summaries.len()
            && ids.iter().zip(&c.summaries).all(|(id, s)| id == s.id());
        if !same {
            return;
        }
        let touched = std::mem::take(&mut c.touched);
        match self.ledger.cases(Some(&touched)) {
            Ok(cases) => {
                for case in cases {
                    if let Some(i) = place(&c.summaries, &case.id) {
                        rows.set(i, &case);
                    }
                }
                let bytes = rows.size();
                self.log(&msg::server_rows_ready(
                    self.lang,
                    rows.len(),
                    bytes.div_ceil(1 << 20),
                ));
                c.rows = Some(rows);
            }
            Err(e) => self.log(&e.message(self.lang)),
        }
    }

    /// What `who` does is done with: the server's today, the county's policy, and the
    /// person, against whose role the domain authorises every change.
    fn ctx_of(&self, who: &Who) -> Ctx {
        let own = self.ledger.ctx();
        Ctx {
            today: self
                .today
                .unwrap_or_else(|| chrono::Local::now().date_naive()),
            actor: who.name().to_string(),
            policy: own.policy.clone(),
            person: who.person.clone(),
        }
    }

    /// Tells every client of each change; a client whose queue is full is disconnected.
    fn push(&self, changes: Receiver<Notice>) {
        for notice in changes {
            let Ok(frames) = protocol::encode_to_client(&ToClient::Notice(notice)) else {
                continue;
            };
            lock(&self.clients).retain(|c| {
                c.outlet.waiting.fetch_add(1, Ordering::SeqCst);
                match c.queue.try_send(frames.clone()) {
                    Ok(()) => {
                        self.queued.fetch_add(1, Ordering::SeqCst);
                        true
                    }
                    Err(e) => {
                        c.outlet.waiting.fetch_sub(1, Ordering::SeqCst);
                        if matches!(e, TrySendError::Full(_)) {
                            let _ = c.stream.shutdown(std::net::Shutdown::Both);
                        }
                        false
                    }
                }
            });
        }
    }

    /// The cache with every change made so far taken in (built on first use).
    fn fresh(&self) -> ledger::Result<std::sync::RwLockReadGuard<'_, Option<Cache>>> {
        {
            let unseen = lock(&self.unseen);
            let notices: Vec<Notice> = unseen.try_iter().collect();
            let built = self.cache.read().map(|c| c.is_some()).unwrap_or(false);
            if !built || !notices.is_empty() {
                let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
                match cache.as_mut() {
                    Some(c) if built => self.take_in(c, notices)?,
                    _ => *cache = Some(self.rebuilt()?),
                }
            }
        }
        Ok(self.cache.read().unwrap_or_else(|p| p.into_inner()))
    }

    fn build(&self) -> ledger::Result<Cache> {
        let summaries = self.ledger.summaries()?;
        let index = SearchIndex::build(&summaries);
        Ok(Cache {
            summaries,
            index,
            packed: Mutex::new(None),
            rows: None,
            touched: Vec::new(),
            generation: self.generation.fetch_add(1, Ordering::SeqCst) + 1,
        })
    }

    /// A new cache, and its rows asked for.
    fn rebuilt(&self) -> ledger::Result<Cache> {
        let cache = self.build()?;
        if let Some(wanted) = &self.rows_wanted {
            let _ = wanted.send(());
        }
        Ok(cache)
    }

    /// Brings the cache up to date with changes: the cases they name read again, or —
    /// when they name a case the cache does not hold (an import) — everything.
    fn take_in(&self, cache: &mut Cache, notices: Vec<Notice>) -> ledger::Result<()> {
        let mut ids: Vec<String> = notices.into_iter().flat_map(|n| n.case_ids).collect();
        ids.sort();
        ids.dedup();
        if ids.iter().any(|id| place(&cache.summaries, id).is_none()) {
            *cache = self.rebuilt()?;
            return Ok(());
        }
        *lock(&cache.packed) = None;
        let cases = self.ledger.cases(Some(&ids))?;
        // a voided case leaves the list: read it anew
        if cases.iter().any(|c| c.voided.is_some()) {
            *cache = self.build()?;
            return Ok(());
        }
        for case in cases {
            let summary = Summary::of(&case);
            if let Some(i) = place(&cache.summaries, &case.id) {
                cache.index.update(i, &summary);
                if let Some(s) = cache.summaries.get_mut(i) {
                    *s = summary;
                }
                match cache.rows.as_mut() {
                    Some(rows) => rows.set(i, &case),
                    None => cache.touched.push(case.id.clone()),
                }
            }
        }
        Ok(())
    }

    /// A change, made while no stop is under way (a stop waits for it).
    fn change<T>(&self, f: impl FnOnce() -> ledger::Result<T>) -> ledger::Result<T> {
        let _gate = lock(&self.gate);
        f()
    }

    /// A change of one case, through the writer thread's group commit: answered once the
    /// group it went in is durable.
    fn execute(
        &self,
        ctx: Ctx,
        id: String,
        commands: Vec<crate::domain::Command>,
        expected: Option<String>,
    ) -> ledger::Result<crate::domain::Case> {
        let Some(writes) = &self.writes else {
            return self.change(|| {
                self.ledger
                    .acting(&ctx)
                    .execute(&id, &commands, expected.as_deref())
            });
        };
        let (answer, answered) = mpsc::sync_channel(1);
        let job = Job {
            ctx,
            id,
            commands,
            expected,
            answer,
        };
        let gone = || ledger::Error::Unreachable {
            server: self.socket.display().to_string(),
            // the writer thread ends only with the server
            detail: ledger::Broken::Closed,
        };
        writes.send(job).map_err(|_| gone())?;
        answered.recv().map_err(|_| gone())?
    }

    /// `list --format csv` from what the server keeps: the search in its index, the
    /// selection over its summaries (due statuses of the candidates only), the rows it keeps
    /// ready — or, until they are built, the rows of the cases selected, read now.
    fn list_csv(
        &self,
        filter: &crate::listing::Filter,
        search: Option<&str>,
        today: NaiveDate,
        lang: Lang,
        policy: &crate::domain::Policy,
    ) -> ledger::Result<Answer> {
        let cache = self.fresh()?;
        let built;
        let c = match cache.as_ref() {
            Some(c) => c,
            None => {
                built = self.build()?;
                &built
            }
        };
        let hits = search.map(|q| c.index.search(q));
        let selected = crate::listing::select_due(
            &c.summaries,
            filter,
            hits.as_deref(),
            today,
            policy,
            crate::listing::Sort::MostOverdue,
        );
        let text = match &c.rows {
            Some(rows) => ledger::csv_list(
                lang,
                rows,
                selected.iter().map(|(i, d)| (*i, d.days_overdue)),
            ),
            None => {
                let ids: Vec<String> = selected
                    .iter()
                    .filter_map(|(i, _)| c.summaries.get(*i).map(|s| s.id().to_string()))
                    .collect();
                let mut rows = ReadyRows::default();
                for case in self.ledger.cases(Some(&ids))? {
                    rows.push(&case);
                }
                ledger::csv_list(
                    lang,
                    &rows,
                    selected
                        .iter()
                        .enumerate()
                        .map(|(k, (_, d))| (k, d.days_overdue)),
                )
            }
        };
        Ok(Answer::Text(protocol::Packed::from_bytes(
            selected.len(),
            Arc::new(text),
        )))
    }

    /// What one call of `who` gives: a call of the ledger acting as that person. `backup`
    /// is the one this client took and is reading.
    fn answer(
        &self,
        who: &Who,
        call: Call,
        backup: &mut Option<TakenBackup>,
    ) -> ledger::Result<Answer> {
        let ctx = self.ctx_of(who);
        let l = self.ledger.acting(&ctx);
        let policy = &ctx.policy;
        let from_cache = |f: &dyn Fn(&Cache) -> Answer| -> ledger::Result<Answer> {
            match &*self.fresh()? {
                Some(c) => Ok(f(c)),
                None => Ok(f(&self.build()?)),
            }
        };
        match call {
            Call::Summaries => from_cache(&|c| Answer::Packed(c.packed())),
            Call::Search(q) => from_cache(&|c| {
                Answer::Ids(
                    c.index
                        .search(&q)
                        .into_iter()
                        .filter_map(|i| c.summaries.get(i).map(|s| s.id().to_string()))
                        .collect(),
                )
            }),
            Call::Select {
                filter,
                search,
                today,
            } => from_cache(&|c| {
                let hits = search.as_deref().map(|q| c.index.search(q));
                Answer::Packed(protocol::Packed::of(&ledger::select_at(
                    &c.summaries,
                    &filter,
                    hits.as_deref(),
                    today,
                    policy,
                )))
            }),
            Call::Case(id) => l.case(&id).map(|c| Answer::Case(Box::new(c))),
            Call::Cases(ids) => l.cases(ids.as_deref()).map(Answer::Cases),
            Call::History(id) => l.history(&id).map(Answer::History),
            Call::Accountability => l.accountability().map(Answer::Accountability),
            Call::Voided => l.voided().map(Answer::Voided),
            Call::Stats(today, year) => l.stats(today, year).map(|s| Answer::Stats(Box::new(s))),
            Call::Talk(e) => self.change(|| l.talk(e).map(|e| Answer::Recorded(Some(Box::new(e))))),
            Call::ListCsv {
                filter,
                search,
                today,
                lang,
            } => self.list_csv(&filter, search.as_deref(), today, lang, policy),
            Call::Execute {
                id,
                commands,
                expected,
            } => self
                .execute(ctx.clone(), id, commands, expected)
                .map(|c| Answer::Case(Box::new(c))),
            Call::CheckImport(cases) => l.check_import(&cases).map(|()| Answer::Done),
            Call::Update {
                opened,
                updates,
                write: true,
            } => self.change(|| l.update(opened, updates, true).map(Answer::Updated)),
            Call::Update {
                opened, updates, ..
            } => l.update(opened, updates, false).map(Answer::Updated),
            Call::Import {
                cases,
                accountability,
                kind,
            } => self.change(|| l.import(cases, accountability, kind).map(Answer::Count)),
            Call::Export => l.export().map(|(c, a)| {
                give_back_memory();
                Answer::Exported(c, a)
            }),
            Call::ExportPart { after, limit } => l.export_part(after, limit).map(|(c, next)| {
                if next.is_none() {
                    // the last part of a read of the whole ledger
                    give_back_memory();
                }
                Answer::ExportPart(c, next)
            }),
            Call::BackupBegin(as_of) => self.take_backup(&l, as_of, backup),
            Call::BackupPart { from } => self.backup_part(backup, from),
            Call::Restore { backup, file } => {
                self.change(|| l.restore(backup, &file).map(Answer::Restored))
            }
            Call::Verify => l.verify().map(|r| {
                give_back_memory();
                Answer::Verified(r)
            }),
            Call::Roster => l.roster().map(Answer::People),
            Call::AddPerson(p) => {
                self.change(|| l.add_person(p).map(|e| Answer::Recorded(e.map(Box::new))))
            }
            Call::RemovePerson(login) => self.change(|| {
                l.remove_person(&login)
                    .map(|e| Answer::Recorded(Some(Box::new(e))))
            }),
            Call::RosterHistory => l.roster_history().map(Answer::History),
            Call::Flush => l.flush().map(|()| Answer::Done),
            Call::Take {
                after,
                after_hash,
                mine,
                also,
            } => l
                .take(after, &after_hash, mine, &also)
                .map(|t| Answer::Taken(Box::new(t))),
            Call::Holds { after, after_hash } => l.holds(after, &after_hash).map(Answer::Count),
            Call::Head => l.head().map(Answer::Head),
            // an import in parts is the connection's ([`Server::arrive`])
            Call::ImportBegin { .. }
            | Call::ImportPart(_)
            | Call::ImportEnd { .. }
            | Call::ImportAbandon => Err(self.none_begun()),
            Call::ApplyQueued(change) => self.change(|| {
                l.apply_queued(&change)
                    .map(|o| Answer::Outcome(Box::new(o)))
            }),
        }
    }

    /// The answer to a part or the end of an import no [`Call::ImportBegin`] began.
    fn none_begun(&self) -> ledger::Error {
        ledger::Error::Protocol {
            server: self.socket.display().to_string(),
            detail: ledger::Unreadable::Malformed("a part of an import that was not begun".into()),
        }
    }

    /// [`Server::answer`], and the calls of an import that `who` sends in parts on one
    /// connection (`arriving`, while it arrives): each part is checked as it comes and
    /// kept in a spool beside the ledger, holding nothing of the ledger, so that a client
    /// that stalls or goes away between its parts holds up no one (its spool goes with its
    /// connection). Only once every part has arrived and passed is the import written, from
    /// the spool, through the ledger's one path as any import is.
    fn arrive<'s>(
        &'s self,
        who: &Who,
        call: Call,
        arriving: &mut Option<ledger::Arriving<'s>>,
        backup: &mut Option<TakenBackup>,
    ) -> ledger::Result<Answer> {
        let none_begun = || self.none_begun();
        match call {
            Call::ImportBegin { kind, write } => {
                // one begun before and never ended is given up
                *arriving = None;
                let ctx = self.ctx_of(who);
                *arriving = Some(self.ledger.store().arriving(kind, write, &ctx)?);
                Ok(Answer::Done)
            }
            Call::ImportPart(cases) => {
                let part = arriving.as_mut().ok_or_else(none_begun)?.part(cases);
                if part.is_err() {
                    *arriving = None;
                }
                part.map(|()| Answer::Done).map_err(ledger::Error::from)
            }
            Call::ImportEnd { accountability } => {
                let all = arriving.take().ok_or_else(none_begun)?;
                let kind = all.kind();
                let Some(mut spool) = all.arrived(accountability)? else {
                    give_back_memory();
                    return Ok(Answer::Done);
                };
                let ctx = self.ctx_of(who);
                let written =
                    self.change(|| self.ledger.acting(&ctx).import_from(&mut spool, kind));
                drop(spool);
                // every case checked and written: what that took goes back
                give_back_memory();
                written.map(Answer::Count)
            }
            Call::ImportAbandon => {
                *arriving = None;
                Ok(Answer::Done)
            }
            other => self.answer(who, other, backup),
        }
    }

    /// A backup of the whole ledger for one client to read in parts: written as the store
    /// writes an embedded backup (one consistent snapshot, changes waiting meanwhile, never
    /// held whole in memory) into a file beside the database that has no name (gone when
    /// the connection drops it, or the server ends however it ends).
    fn take_backup(
        &self,
        l: &dyn Ledger,
        as_of: Option<NaiveDate>,
        taken: &mut Option<TakenBackup>,
    ) -> ledger::Result<Answer> {
        *taken = None;
        let dir = self.ledger.dir();
        let io = |e: std::io::Error| ledger::StoreError::io_in(dir, e, |e| e.to_string());
        let file = tempfile::Builder::new()
            .prefix(ledger::SERVER_FILE_WORK_PREFIX)
            .tempfile_in(dir)
            .map_err(io)?
            .into_file();
        let mut out = BufWriter::with_capacity(256 * 1024, file);
        let (cases, events) = l.backup_to(as_of, &mut out)?;
        let file = out.into_inner().map_err(|e| io(e.into_error()))?;
        let len = file.metadata().map_err(io)?.len();
        *taken = Some(TakenBackup { file, len });
        give_back_memory();
        Ok(Answer::BackupTaken { len, cases, events })
    }

    /// The bytes of the client's backup from `from` on, at most [`protocol::BACKUP_PART`];
    /// the last part lets go of the file.
    fn backup_part(&self, taken: &mut Option<TakenBackup>, from: u64) -> ledger::Result<Answer> {
        use std::os::unix::fs::FileExt;
        // a reconnected client asks on a connection that took no backup
        let Some(backup) = taken.as_ref() else {
            return Err(ledger::Error::Unreachable {
                server: self.socket.display().to_string(),
                detail: ledger::Broken::Closed,
            });
        };
        let want = backup
            .len
            .saturating_sub(from)
            .min(protocol::BACKUP_PART as u64);
        let mut bytes = vec![0u8; want as usize];
        backup
            .file
            .read_exact_at(&mut bytes, from)
            .map_err(|e| ledger::StoreError::io_in(self.ledger.dir(), e, |e| e.to_string()))?;
        if from + want >= backup.len {
            *taken = None;
        }
        Ok(Answer::BackupPart(protocol::Packed::from_bytes(
            0,
            Arc::new(bytes),
        )))
    }

    /// Accepts clients until the server stops, each on a thread of its own.
    fn accept(self: &Arc<Self>, listener: UnixListener) {
        for stream in listener.incoming() {
            if self.stopping.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = stream else { continue };
            let server = Arc::clone(self);
            let spawned = std::thread::Builder::new()
                .name("client".into())
                .spawn(move || server.serve_client(stream));
            if let Err(e) = spawned {
                self.log(&msg::server_log_no_thread(self.lang, e));
            }
        }
    }

    fn log(&self, line: &str) {
        crate::session::say(format!("zhengdun serve: {}", crate::text::clean(line)));
    }

    /// One client's conversation: hello and welcome, then its requests in turn.
    fn serve_client(self: Arc<Self>, stream: UnixStream) {
        let peer = match Peer::of(&stream) {
            Ok(p) => p,
            Err(e) => return self.log(&msg::server_log_no_credentials(self.lang, e)),
        };
        let who = |known: Option<&Who>| match known {
            Some(w) => format!("{} (pid {})", w.account, peer.pid),
            None => format!("uid {} (pid {})", peer.uid, peer.pid),
        };
        let (Ok(reading), Ok(writing)) = (stream.try_clone(), stream.try_clone()) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(HELLO_TIMEOUT));
        let _ = writing.set_write_timeout(Some(WRITE_TIMEOUT));
        let mut input = BufReader::new(reading);
        let mut out = BufWriter::new(writing);
        let hello: Hello = match protocol::read(&mut input) {
            Ok(Some(h)) => h,
            Ok(None) => return,
            Err(e) => return self.log(&msg::server_log_client(self.lang, who(None), e)),
        };
        let ours = Hello::ours();
        let mut welcome = Welcome {
            protocol: PROTOCOL,
            version: ours.version.clone(),
            refused: None,
            ctx: None,
            location: self.ledger.location(),
            head: None,
        };
        let person = if hello.protocol != PROTOCOL {
            welcome.refused = Some(ledger::Error::Version {
                server: self.socket.display().to_string(),
                theirs: format!("{} (zhengdun {})", PROTOCOL, ours.version),
                ours: format!("{} (zhengdun {})", hello.protocol, hello.version),
            });
            None
        } else {
            let roster = self.ledger.store().roster().map_err(ledger::Error::from);
            match roster.and_then(|r| self.access.who(peer, &r)) {
                Ok(p) => Some(p),
                Err(e) => {
                    self.log(&e.message(self.lang));
                    welcome.refused = Some(e);
                    None
                }
            }
        };
        let Some(mut person) = person else {
            let _ = protocol::write_frame(&mut out, &welcome);
            return;
        };
        // the account's own ledger served by its TUI: the name it goes by, as embedded
        if matches!(self.access, Access::Owner { .. }) {
            person.named = hello
                .name
                .filter(|n| !crate::domain::visible(n).is_empty())
                .map(|n| n.trim().to_string());
        }
        welcome.ctx = Some(self.ctx_of(&person));
        welcome.head = self.ledger.head().ok();
        if protocol::write_frame(&mut out, &welcome).is_err() {
            return;
        }
        let _ = stream.set_read_timeout(None);
        let (queue, frames) = mpsc::sync_channel::<Frames>(QUEUE);
        let id = self.next_client.fetch_add(1, Ordering::Relaxed);
        let Ok(registered) = stream.try_clone() else {
            return;
        };
        let queued = Arc::clone(&self.queued);
        let outlet = Arc::new(Outlet {
            out: Mutex::new(Some(out)),
            waiting: AtomicUsize::new(0),
        });
        let writing = Arc::clone(&outlet);
        let writer = std::thread::Builder::new()
            .name("client-writer".into())
            .spawn(move || write_frames(&writing, frames, &queued));
        if writer.is_err() {
            return;
        }
        lock(&self.clients).push(Client {
            id,
            queue: queue.clone(),
            outlet: Arc::clone(&outlet),
            stream: registered,
        });
        // an import this client is sending in parts, while it arrives
        let mut arriving = None;
        // the backup this client is reading, a part at a time
        let mut backup: Option<TakenBackup> = None;
        loop {
            let request: Request = match protocol::read(&mut input) {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(FrameError::Io(_)) => break,
                Err(e) => {
                    self.log(&msg::server_log_client(self.lang, who(Some(&person)), e));
                    break;
                }
            };
            let result = self.arrive(&person, request.call, &mut arriving, &mut backup);
            let reply = ToClient::Reply {
                id: request.id,
                result,
            };
            let frames = match protocol::encode_to_client(&reply) {
                Ok(f) => f,
                Err(e) => {
                    let failed = ToClient::Reply {
                        id: request.id,
                        result: Err(ledger::Error::Protocol {
                            server: self.socket.display().to_string(),
                            detail: ledger::Unreadable::Unsendable(e.to_string()),
                        }),
                    };
                    match protocol::encode_to_client(&failed) {
                        Ok(f) => f,
                        Err(_) => break,
                    }
                }
            };
            // nothing queued before it and the socket free: written here, with no hand-off
            if outlet.waiting.load(Ordering::SeqCst) == 0 {
                if let Ok(mut out) = outlet.out.try_lock() {
                    self.queued.fetch_add(1, Ordering::SeqCst);
                    Outlet::write(&mut out, &frames);
                    self.queued.fetch_sub(1, Ordering::SeqCst);
                    if out.is_none() {
                        break;
                    }
                    continue;
                }
            }
            outlet.waiting.fetch_add(1, Ordering::SeqCst);
            self.queued.fetch_add(1, Ordering::SeqCst);
            if queue.send(frames).is_err() {
                outlet.waiting.fetch_sub(1, Ordering::SeqCst);
                self.queued.fetch_sub(1, Ordering::SeqCst);
                break;
            }
        }
        lock(&self.clients).retain(|c| c.id != id);
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }

    /// Stops: no new change starts, the one in flight finishes, everything is flushed and
    /// the replies already queued are given a moment to go out; the socket is removed.
    fn stop(&self) -> Result<(), Failure> {
        self.stopping.store(true, Ordering::SeqCst);
        let gate = lock(&self.gate);
        let flushed = self.ledger.flush();
        let waiting = Instant::now();
        while self.queued.load(Ordering::SeqCst) > 0 && waiting.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.remove_files();
        // no change starts after this: the gate stays taken until the process ends
        std::mem::forget(gate);
        flushed.map_err(|e| Failure::ledger(e, self.lang))
    }

    fn remove_files(&self) {
        let _ = std::fs::remove_file(&self.socket);
        let named = self.ledger.dir().join(SERVER_FILE);
        let ours = std::path::absolute(&self.socket).unwrap_or_else(|_| self.socket.clone());
        if std::fs::read_to_string(&named).is_ok_and(|s| Path::new(s.trim()) == ours) {
            let _ = std::fs::remove_file(named);
        }
    }
}

/// A backup taken for one client ([`Server::take_backup`]): its file, and how long it is.
struct TakenBackup {
    file: std::fs::File,
    len: u64,
}

/// Hands the memory freed after a whole-ledger read back to the system. glibc keeps what
/// was freed for the next allocation, and the scattered remains of a scan over 100,000
/// cases (a backup, an export, a verify) would keep a server at twice its size until
/// it ends.
fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory of the allocator's to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Where the summary of case `id` is among `summaries` (id order).
fn place(summaries: &[Summary], id: &str) -> Option<usize> {
    summaries.binary_search_by(|s| s.id().cmp(id)).ok()
}

/// A client's writer thread: its queued frames in order, until one cannot be written in time.
fn write_frames(outlet: &Outlet, frames: Receiver<Frames>, queued: &AtomicUsize) {
    for message in frames {
        Outlet::write(&mut lock(&outlet.out), &message);
        outlet.waiting.fetch_sub(1, Ordering::SeqCst);
        queued.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Writes where the ledger's server listens into its directory, for the same account's
/// clients given `--db`.
fn name_socket(dir: &Path, socket: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let absolute = std::path::absolute(socket)?;
    let named = dir.join(SERVER_FILE);
    // what a server killed while writing this file left
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name()
                .to_string_lossy()
                .starts_with(ledger::SERVER_FILE_WORK_PREFIX)
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let partial = dir.join(format!(
        "{}{}",
        ledger::SERVER_FILE_WORK_PREFIX,
        std::process::id()
    ));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)?;
    f.write_all(absolute.display().to_string().as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&partial, &named)
}

fn socket_failure(e: socket::SocketError, lang: Lang) -> Failure {
    let message = match e {
        socket::SocketError::InUse(p) => msg::server_in_use(lang, p.display()),
        socket::SocketError::NotASocket(p) => msg::server_not_a_socket(lang, p.display()),
        socket::SocketError::Io { path, error } => {
            msg::server_socket_io(lang, path.display(), error)
        }
    };
    Failure {
        code: exit::DATABASE,
        message,
    }
}

/// A server runs a thread or two for each client, and glibc would give each thread that
/// allocates an arena of its own (up to eight a core), each keeping what was freed in it:
/// with 30 clients that is tens of MB held for nothing. Two arenas are enough for a server
/// whose work is mostly one writer and waiting on sockets. Called before its threads start.
fn fewer_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets one of the allocator's parameters.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// `zhengdun serve`: opens the ledger (a second server on it is refused, naming the pid
/// of the first), listens, and serves until SIGTERM or SIGINT.
pub fn serve(env: &Env, opts: ServeOptions) -> Result<(), Failure> {
    fewer_arenas();
    let lang = env.lang;
    let group = match &opts.group {
        Some(name) => Some(
            identity::group_id(name)
                .ok_or_else(|| Failure::input(msg::server_no_group(lang, name)))?,
        ),
        None => None,
    };
    let ledger = Arc::new(env.open()?);
    // The account that runs `serve` is a clerk of its roster (SPEC §9).
    let me = identity::account_name(identity::own_uid()).ok_or_else(|| {
        Failure::input(msg::ledger_account_unknown(
            lang,
            format!("uid {}", identity::own_uid()),
        ))
    })?;
    ledger
        .store()
        .ensure_clerk(&me, &me)
        .map_err(|e| Failure::store(e, lang))?;
    let socket = opts
        .socket
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET));
    let listener = socket::bind(&socket, group).map_err(|e| socket_failure(e, lang))?;
    let server = Server::new(
        Arc::clone(&ledger),
        Access::Accounts,
        opts.today,
        lang,
        socket.clone(),
        true,
    );
    let stops = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ]);
    let mut stops = match stops {
        Ok(s) => s,
        Err(e) => {
            server.remove_files();
            return Err(Failure {
                code: exit::DATABASE,
                message: msg::server_signals(lang, e),
            });
        }
    };
    if let Err(e) = name_socket(ledger.dir(), &socket) {
        server.log(&msg::server_log_socket_name(
            lang,
            ledger.dir().join(SERVER_FILE).display(),
            e,
        ));
    }
    // The first client need not wait for the summaries and the search index.
    if let Err(e) = server.fresh() {
        server.remove_files();
        return Err(Failure::ledger(e, lang));
    }
    server.log(&msg::server_serving(
        lang,
        ledger.location(),
        socket.display(),
        std::process::id(),
    ));
    let stopping = Arc::clone(&server);
    let stopper = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if stops.forever().next().is_some() {
                let code = match stopping.stop() {
                    Ok(()) => {
                        stopping.log(Text::ServerStopped.get(stopping.lang));
                        0
                    }
                    Err(f) => {
                        stopping.log(&f.message);
                        i32::from(f.code)
                    }
                };
                std::process::exit(code);
            }
        });
    if let Err(e) = stopper {
        server.remove_files();
        return Err(Failure {
            code: exit::DATABASE,
            message: msg::server_signals(lang, e),
        });
    }
    server.accept(listener);
    Ok(())
}

/// A TUI's ledger, served to the same account's other processes while the TUI runs (an
/// owner-only socket in the ledger's directory). Dropping it stops the serving and takes
/// the socket away.
pub struct Serving {
    server: Arc<Server>,
}

impl Serving {
    /// Starts serving `ledger` in the background; `None` when it cannot (the TUI works the
    /// same, only other processes are refused as before).
    pub fn start(ledger: Arc<Local>, lang: Lang) -> Option<Serving> {
        let socket = ledger.dir().join(ledger::OWN_SOCKET);
        let listener = socket::bind(&socket, None).ok()?;
        let server = Server::new(
            Arc::clone(&ledger),
            Access::Owner {
                uid: identity::own_uid(),
            },
            Some(ledger.ctx().today),
            lang,
            socket.clone(),
            false,
        );
        if name_socket(ledger.dir(), &socket).is_err() {
            server.remove_files();
            return None;
        }
        let accepting = Arc::clone(&server);
        let spawned = std::thread::Builder::new()
            .name("serve".into())
            .spawn(move || accepting.accept(listener));
        if spawned.is_err() {
            server.remove_files();
            return None;
        }
        Some(Serving { server })
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.server.stopping.store(true, Ordering::SeqCst);
        // wakes the accepting thread, which sees it is to stop
        let _ = UnixStream::connect(&self.server.socket);
        self.server.remove_files();
        for c in lock(&self.server.clients).drain(..) {
            let _ = c.stream.shutdown(std::net::Shutdown::Both);
        }
    }
}
