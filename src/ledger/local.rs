//! The embedded ledger: this process opens the sled store itself (the default, SPEC §5).

use std::path::Path;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Mutex;

use chrono::NaiveDate;

use super::forward::forward;
use crate::domain::{
    AccountabilityEvent, Case, ChangeKind, Command, Operation, Person, QueuedChange, RosterChange,
    Summary,
};
use crate::listing::Filter;
use crate::search::SearchIndex;
use crate::stats::{Stats, Tally};
use crate::store::outbox::{FieldCopy, Outcome, Queued, Taken};
use crate::store::{
    Backup, CaseChange, CaseSource, Ctx, Event, RestoreSummary, Store, StoreError, VerifyReport,
    VoidedCase,
};

use super::field::{SyncReport, SyncStep};
use super::{CaseUpdate, Head, Ledger, Notice, Result, UpdateReport};

pub struct Local {
    store: Store,
    ctx: Ctx,
    /// Who is told of each change; a receiver that is gone is dropped at the next change.
    subscribers: Mutex<Vec<Sender<Notice>>>,
}

impl Local {
    /// Opens (or creates) the ledger in `dir`; see [`Store::open`].
    pub fn open(dir: &Path, ctx: Ctx) -> Result<Local> {
        Ok(Local::new(Store::open(dir)?, ctx))
    }

    /// [`Store::open_as`]: as `me`, waiting up to `wait` for another command's lock.
    pub fn open_as(
        dir: &Path,
        ctx: Ctx,
        me: &super::Holder,
        wait: std::time::Duration,
    ) -> Result<Local> {
        Ok(Local::new(Store::open_as(dir, me, wait)?, ctx))
    }

    /// [`Store::open_to_read`]: a ledger on a full or read-only disk is read from a copy.
    pub fn open_to_read(
        dir: &Path,
        ctx: Ctx,
        me: &super::Holder,
        wait: std::time::Duration,
    ) -> Result<Local> {
        Ok(Local::new(Store::open_to_read(dir, me, wait)?, ctx))
    }

    /// Closes the engine; see [`Store::close`].
    pub fn close(self) -> Result<()> {
        Ok(self.store.close()?)
    }

    pub fn new(store: Store, mut ctx: Ctx) -> Local {
        // on a field copy, the copy's owner acts (SPEC §10), as on the server they came from
        if let Ok(Some(copy)) = store.field_copy() {
            ctx.actor = copy.person.name;
        }
        Local {
            store,
            ctx,
            subscribers: Mutex::new(Vec::new()),
        }
    }

    pub fn dir(&self) -> &Path {
        self.store.dir()
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// The store, for what only the process that owns the ledger does (checkpoints, tests).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Tells the subscribers that these cases changed (a field copy's sync took them in).
    pub(super) fn changed(&self, case_ids: Vec<String>) -> Result<()> {
        self.notify(case_ids)
    }

    pub fn into_store(self) -> Store {
        self.store
    }

    /// Closes and reopens the engine after a bulk write; see [`Store::checkpoint`].
    pub fn checkpoint(self) -> Result<Local> {
        let Local {
            store,
            ctx,
            subscribers,
        } = self;
        Ok(Local {
            store: store.checkpoint()?,
            ctx,
            subscribers,
        })
    }

    fn notify(&self, case_ids: Vec<String>) -> Result<()> {
        let (seq, head) = self.store.head()?;
        let notice = Notice {
            seq,
            head,
            case_ids,
        };
        let mut subs = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        subs.retain(|s| s.send(notice.clone()).is_ok());
        Ok(())
    }
}

impl Local {
    /// Group commit: changes of several people at once, each through the domain's one path
    /// (authorised, checked against its expected version, applied on what the ones before
    /// it left), then made durable together with one flush and fsync
    /// ([`Store::execute_group`]). One answer per change, in order, none before the group
    /// is durable; one notice names every case the group changed.
    pub fn execute_group(&self, changes: &[CaseChange<'_>]) -> Vec<Result<Case>> {
        let answers = self.store.execute_group(changes);
        let changed: Vec<String> = answers
            .iter()
            .filter_map(|a| a.as_ref().ok())
            .filter(|(_, events)| !events.is_empty())
            .map(|(case, _)| case.id.clone())
            .collect();
        let told = match changed.is_empty() {
            true => Ok(()),
            false => self.notify(changed),
        };
        answers
            .into_iter()
            .map(|a| match (&told, a) {
                (_, Err(e)) => Err(e.into()),
                (Err(e), Ok(_)) => Err(e.clone()),
                (Ok(()), Ok((case, _))) => Ok(case),
            })
            .collect()
    }
}

/// The ledger as someone else than its own actor uses it: a server's client, with the
/// context the server made for the connecting account (its person, the server's today).
pub struct Acting<'a> {
    local: &'a Local,
    ctx: &'a Ctx,
}

impl Local {
    /// This ledger used with `ctx` instead of its own.
    pub fn acting<'a>(&'a self, ctx: &'a Ctx) -> Acting<'a> {
        Acting { local: self, ctx }
    }

    /// This ledger used with its own context: what its `Ledger` methods hand on to.
    fn as_itself(&self) -> Acting<'_> {
        self.acting(&self.ctx)
    }
}

impl Ledger for Local {
    forward!(
        Local::as_itself: location, summaries, case, cases, history, accountability, voided, search,
        select, stats, talk, execute, check_import, check_import_from, import, import_from, update, export, export_part, backup,
        backup_to, restore, verify, roster, add_person, remove_person, roster_history, subscribe,
        flush, take, holds, head, apply_queued
    );
    fn ctx(&self) -> &Ctx {
        &self.ctx
    }
    fn field_copy(&self) -> Result<Option<FieldCopy>> {
        Ok(self.store.field_copy()?)
    }
    fn outbox(&self) -> Result<Vec<Queued>> {
        Ok(self.store.outbox()?)
    }
    fn drop_queued(&self, number: u64) -> Result<Queued> {
        let q = self.store.drop_queued(number)?;
        self.notify(Vec::new())?;
        Ok(q)
    }
    fn sync(&self, progress: &mut dyn FnMut(SyncStep)) -> Result<SyncReport> {
        super::field::sync(self, progress)
    }
}

impl Ledger for Acting<'_> {
    fn location(&self) -> String {
        self.local.store.dir().display().to_string()
    }

    fn ctx(&self) -> &Ctx {
        self.ctx
    }

    fn summaries(&self) -> Result<Vec<Summary>> {
        Ok(self.local.store.summaries()?)
    }

    fn case(&self, id: &str) -> Result<Case> {
        Ok(self.local.store.require(id)?)
    }

    fn cases(&self, ids: Option<&[String]>) -> Result<Vec<Case>> {
        match ids {
            None => Ok(self.local.store.cases()?),
            Some(ids) => ids.iter().map(|id| self.case(id)).collect(),
        }
    }

    fn history(&self, id: &str) -> Result<Vec<Event>> {
        Ok(self.local.store.history(id)?)
    }

    fn accountability(&self) -> Result<Vec<AccountabilityEvent>> {
        Ok(self.local.store.accountability()?)
    }

    fn voided(&self) -> Result<Vec<VoidedCase>> {
        Ok(self.local.store.voided_cases()?)
    }

    fn search(&self, query: &str) -> Result<Vec<String>> {
        let summaries = self.local.store.summaries()?;
        let hits = SearchIndex::build(&summaries).search(query);
        Ok(hits
            .into_iter()
            .filter_map(|i| summaries.get(i).map(|s| s.id().to_string()))
            .collect())
    }

    fn stats(&self, today: NaiveDate, year: Option<i32>) -> Result<Stats> {
        use chrono::Datelike;
        let mut tally = Tally::new(today, &self.ctx.policy);
        self.local.store.for_each_counted(|c| {
            if year.is_none_or(|y| c.year == y) {
                tally.add(&c)
            }
        })?;
        let mut events = self.local.store.accountability()?;
        events.retain(|e| year.is_none_or(|y| e.on.year() == y));
        Ok(tally.finish(&events))
    }

    fn talk(&self, event: AccountabilityEvent) -> Result<Event> {
        let ev = self.local.store.talk(&event, self.ctx)?;
        self.local.notify(Vec::new())?;
        Ok(ev)
    }

    fn execute(&self, id: &str, commands: &[Command], expected: Option<&str>) -> Result<Case> {
        let (case, _) = self
            .local
            .store
            .execute_all(id, commands, self.ctx, expected)?;
        self.local.notify(vec![case.id.clone()])?;
        Ok(case)
    }

    fn check_import(&self, cases: &[Case]) -> Result<()> {
        Ok(self.local.store.check_import(cases, self.ctx)?)
    }

    fn check_import_from(&self, source: &mut dyn CaseSource) -> Result<()> {
        Ok(self.local.store.check_import_from(source, self.ctx)?)
    }

    fn import_from(&self, source: &mut dyn CaseSource, kind: ChangeKind) -> Result<usize> {
        let ids = self.local.store.import_from(source, kind, self.ctx)?;
        let n = ids.len();
        self.local.notify(ids)?;
        Ok(n)
    }

    fn import(
        &self,
        cases: Vec<Case>,
        accountability: Vec<AccountabilityEvent>,
        kind: ChangeKind,
    ) -> Result<usize> {
        let ids = cases.iter().map(|c| c.id.clone()).collect();
        let n = self
            .local
            .store
            .import(cases, &accountability, kind, self.ctx)?;
        self.local.notify(ids)?;
        Ok(n)
    }

    fn update(
        &self,
        opened: Vec<Case>,
        updates: Vec<CaseUpdate>,
        write: bool,
    ) -> Result<UpdateReport> {
        let report = self.local.store.update(opened, updates, self.ctx, write)?;
        if write {
            let ids: Vec<String> = report
                .opened
                .iter()
                .cloned()
                .chain(report.changed.iter().map(|(id, _)| id.clone()))
                .collect();
            if !ids.is_empty() {
                self.local.notify(ids)?;
            }
        }
        Ok(report)
    }

    fn export(&self) -> Result<(Vec<Case>, Vec<AccountabilityEvent>)> {
        self.local.store.authorize(self.ctx, Operation::Export)?;
        // a voided case was entered by mistake: it is in no export (a backup keeps it)
        let mut cases = self.local.store.cases()?;
        cases.retain(|c| c.voided.is_none());
        Ok((cases, self.local.store.accountability()?))
    }

    fn export_part(
        &self,
        after: Option<String>,
        limit: usize,
    ) -> Result<(Vec<Case>, Option<String>)> {
        self.local.store.authorize(self.ctx, Operation::Export)?;
        let (mut cases, more) = self.local.store.cases_after(after.as_deref(), limit)?;
        let next = more.then(|| cases.last().map(|c| c.id.clone())).flatten();
        // a voided case was entered by mistake: it is in no export (a backup keeps it)
        cases.retain(|c| c.voided.is_none());
        Ok((cases, next))
    }

    fn backup(&self, as_of: Option<NaiveDate>) -> Result<Backup> {
        Ok(self.local.store.backup(as_of, self.ctx)?)
    }

    fn backup_to(
        &self,
        as_of: Option<NaiveDate>,
        out: &mut dyn std::io::Write,
    ) -> Result<(usize, usize)> {
        Ok(self.local.store.backup_to(as_of, self.ctx, out)?)
    }

    fn restore(&self, backup: Backup, file: &str) -> Result<RestoreSummary> {
        let ids = backup.cases.iter().map(|c| c.id.clone()).collect();
        let r = self.local.store.restore(backup, file, self.ctx)?;
        self.local.notify(ids)?;
        Ok(r)
    }

    fn verify(&self) -> Result<VerifyReport> {
        Ok(self.local.store.verify(self.ctx)?)
    }

    fn roster(&self) -> Result<Vec<Person>> {
        Ok(self.local.store.people(self.ctx)?.people().to_vec())
    }

    fn add_person(&self, person: Person) -> Result<Option<Event>> {
        let ev = self
            .local
            .store
            .change_roster(&RosterChange::Add(person), self.ctx)?;
        if ev.is_some() {
            self.local.notify(Vec::new())?;
        }
        Ok(ev)
    }

    fn remove_person(&self, login: &str) -> Result<Event> {
        let change = RosterChange::Remove {
            login: login.to_string(),
        };
        let ev = self.local.store.change_roster(&change, self.ctx)?;
        self.local.notify(Vec::new())?;
        // a removal always changes the roster, or is refused
        ev.ok_or_else(|| StoreError::Io("a removal recorded no history event".into()).into())
    }

    fn roster_history(&self) -> Result<Vec<Event>> {
        Ok(self.local.store.roster_history(self.ctx)?)
    }

    fn subscribe(&self) -> Receiver<Notice> {
        let (tx, rx) = mpsc::channel();
        self.local
            .subscribers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(tx);
        rx
    }

    fn flush(&self) -> Result<()> {
        Ok(self.local.store.sync()?)
    }

    fn take(&self, after: u64, after_hash: &str, mine: bool, also: &[String]) -> Result<Taken> {
        let scope = self.ctx.person.as_ref().filter(|_| mine);
        Ok(self.local.store.take(after, after_hash, scope, also)?)
    }

    fn head(&self) -> Result<Head> {
        let store = &self.local.store;
        let (seq, hash) = store.head()?;
        Ok(Head {
            seq,
            hash,
            first: store.first_hash()?,
        })
    }

    fn holds(&self, after: u64, after_hash: &str) -> Result<usize> {
        let (seq, _) = self.local.store.holds(after, after_hash)?;
        Ok(seq as usize)
    }

    fn apply_queued(&self, change: &QueuedChange) -> Result<Outcome> {
        let outcome = self.local.store.apply_queued(change, self.ctx)?;
        if matches!(outcome, Outcome::Applied { again: false, .. }) {
            self.local.notify(vec![change.case_id.clone()])?;
        }
        Ok(outcome)
    }
}
