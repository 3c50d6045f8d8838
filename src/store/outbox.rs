//! Field copies in the store (SPEC §10).
//!
//! On a field copy (a ledger made by `checkout`), `f/copy` says where it came from: the
//! server, the copy's own id, its owner's roster entry, and the number and hash of the
//! server's last event it has taken. Each change made on it is applied as on any ledger and
//! queued in the same atomic batch under `o/<number>` ([`Queued`]); `l/<seq>` keeps the link
//! of a server event the copy does not hold (a `--mine` copy holds only its owner's cases),
//! so the hash chain is checked from the first event to the head all the same.
//!
//! On the server, `d/<operation id>` records the events a queued change made, written in
//! the same batch as the change: an operation that comes again (a sync cut off after the
//! server applied it) is acknowledged and not applied twice.

use super::*;
use crate::domain::{Conflict, Merge, QueuedChange};

const COPY: &[u8] = b"f/copy";
const QUEUE: &[u8] = b"o/";
const LINKS: &[u8] = b"l/";
const DONE: &[u8] = b"d/";

fn queue_key(number: u64) -> Vec<u8> {
    [QUEUE, &number.to_be_bytes()].concat()
}

fn link_key(seq: u64) -> Vec<u8> {
    [LINKS, &seq.to_be_bytes()].concat()
}

fn done_key(op: &str) -> Vec<u8> {
    [DONE, op.as_bytes()].concat()
}

/// Where a field copy came from, and how far it has taken the server's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldCopy {
    /// The server as `checkout` was given it (a socket path or `ssh://…`).
    pub server: String,
    /// The copy's own id: the first part of its operation ids.
    pub copy: String,
    /// The copy's owner as the server's roster had them.
    pub person: Person,
    /// Only the owner's cases (`--mine`).
    pub mine: bool,
    /// The number and hash of the server's last event the copy has taken.
    pub head_seq: u64,
    pub head: String,
    /// The number the next queued change gets.
    pub next: u64,
}

/// One change in a field copy's outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    /// Its place in the outbox (from 1, in the order made): what `sync --drop N` names.
    pub number: u64,
    pub change: QueuedChange,
    pub state: QueueState,
}

/// Whether a queued change still waits to be sent, or came back not applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QueueState {
    Waiting,
    /// Not applied: someone else changed the case meanwhile. The events they made.
    Conflict {
        conflict: Conflict,
        since: Vec<Event>,
    },
    /// Refused by the server's guards or roles, as if it were typed there.
    Refused {
        refusal: Refusal,
        since: Vec<Event>,
    },
}

/// What the server did with a queued change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    /// Applied: the numbers of the events it made. `again`: it had been applied before, and
    /// this is the acknowledgement of a change sent twice.
    Applied {
        seqs: Vec<u64>,
        again: bool,
    },
    Conflict {
        conflict: Conflict,
        since: Vec<Event>,
    },
    Refused {
        refusal: Refusal,
        since: Vec<Event>,
    },
}

/// The link of an event a copy does not hold: enough to check the chain through it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub seq: u64,
    pub prev: String,
    pub hash: String,
}

/// What a copy takes from the server: every event after the one it had (whole for the cases
/// it holds and the roster, a [`Link`] for the others), the cases those events and the
/// copy's own changes touched as the server has them now (with the number of their last
/// event), the roster, and the server's head.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Taken {
    pub head_seq: u64,
    pub head: String,
    pub events: Vec<Event>,
    pub links: Vec<Link>,
    pub cases: Vec<(Case, u64)>,
    pub roster: Vec<Person>,
    /// The township accountability events (约谈, 诫勉, 问责), all of them.
    #[serde(default)]
    pub accountability: Vec<AccountabilityEvent>,
}

/// What is wrong with a field copy or its sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldError {
    /// `sync` on a ledger that is no field copy.
    NotACopy { dir: String },
    /// `checkout` into a ledger that already holds something.
    NotEmpty { dir: String },
    /// The server's history ends before the event the copy last took from it, or has
    /// another event there: its ledger was brought back from an older copy.
    RolledBack {
        server: String,
        ours: u64,
        theirs: u64,
    },
    /// What the server sent does not hold together (a broken chain, a case that is not
    /// what its last event recorded).
    BadCopy { problem: String },
    /// A change that only the server makes (a new case, an import, the roster): a field
    /// copy queues changes of cases only.
    OnlyOnServer,
    /// `sync --drop N` of a number the outbox does not hold.
    NoSuchQueued { number: u64 },
    /// A queued change of another account than the one syncing.
    OtherAccount { account: String, connected: String },
    /// `--as` (or `ZHENGDUN_AS`) naming someone else than the copy's owner, under whose
    /// name every change on the copy is recorded.
    NotOwner {
        named: String,
        owner: String,
        login: String,
    },
}

impl Store {
    /// Whether this ledger is a field copy, and where it came from.
    pub fn field_copy(&self) -> Result<Option<FieldCopy>> {
        match self.db.get(COPY)? {
            None => Ok(None),
            Some(v) => serde_json::from_slice(&v).map(Some).map_err(|e| {
                self.damaged(Damage::Engine {
                    what: format!("field copy record: {e}"),
                })
            }),
        }
    }

    /// Refuses a change only the server makes, on a field copy.
    pub(super) fn not_a_copy(&self) -> Result<()> {
        match self.field_copy()? {
            Some(_) => Err(StoreError::Field(FieldError::OnlyOnServer)),
            None => Ok(()),
        }
    }

    /// The outbox, in the order the changes were made.
    pub fn outbox(&self) -> Result<Vec<Queued>> {
        self.guarded(|| {
            let mut out = Vec::new();
            for kv in self.db.scan_prefix(QUEUE) {
                let (_, v) = kv?;
                out.push(serde_json::from_slice(&v).map_err(|e| {
                    self.damaged(Damage::Engine {
                        what: format!("outbox entry: {e}"),
                    })
                })?);
            }
            Ok(out)
        })
    }

    /// A change on a field copy: applied as the copy's owner (so what the server's roles
    /// would refuse is refused here already) and queued in the same batch.
    pub(super) fn execute_queued(
        &self,
        id: &str,
        cmds: &[Command],
        ctx: &Ctx,
        expected: Option<&str>,
        mut copy: FieldCopy,
    ) -> Result<(Case, Vec<Event>)> {
        let ctx = ctx.clone().with_person(copy.person.clone());
        let number = copy.next;
        let at = Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
        self.execute_locked(id, cmds, &ctx, expected, |before, _| {
            let change = QueuedChange {
                op: format!("{}-{number}", copy.copy),
                account: copy.person.login.clone(),
                case_id: before.id.clone(),
                commands: cmds.to_vec(),
                base: case_hash(before)?,
                head_seq: copy.head_seq,
                today: ctx.today,
                at,
                tasks_seen: before.tasks.clone(),
            };
            let queued = Queued {
                number,
                change,
                state: QueueState::Waiting,
            };
            copy.next = number + 1;
            Ok(vec![
                (queue_key(number), json_bytes(&queued)?),
                (COPY.to_vec(), json_bytes(&copy)?),
            ])
        })
    }

    /// What the server did with queued changes, kept in one durable write: an applied one
    /// leaves the outbox; one not applied stays with the reason. Written after several
    /// answers at once: a change the server applied whose answer was not written yet (the
    /// sync cut off) is sent again, and the server acknowledges it without applying it.
    pub fn settle(&self, outcomes: &[(u64, Outcome)]) -> Result<()> {
        self.writable()?;
        self.guarded(|| {
            let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
            let mut batch = sled::Batch::default();
            for (number, outcome) in outcomes {
                let Some(v) = self.db.get(queue_key(*number))? else {
                    continue;
                };
                let mut queued: Queued = serde_json::from_slice(&v)
                    .map_err(|e| StoreError::Io(format!("outbox entry {number}: {e}")))?;
                queued.state = match outcome {
                    Outcome::Applied { .. } => {
                        batch.remove(queue_key(*number));
                        continue;
                    }
                    Outcome::Conflict { conflict, since } => QueueState::Conflict {
                        conflict: conflict.clone(),
                        since: since.clone(),
                    },
                    Outcome::Refused { refusal, since } => QueueState::Refused {
                        refusal: refusal.clone(),
                        since: since.clone(),
                    },
                };
                batch.insert(queue_key(*number), json_bytes(&queued)?);
            }
            self.db.apply_batch(batch)?;
            self.sync()
        })
    }

    /// Takes change `number` out of the outbox (the user's decision, `sync --drop N`).
    pub fn drop_queued(&self, number: u64) -> Result<Queued> {
        self.writable()?;
        self.guarded(|| {
            let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
            let v = self
                .db
                .remove(queue_key(number))?
                .ok_or(StoreError::Field(FieldError::NoSuchQueued { number }))?;
            self.sync()?;
            serde_json::from_slice(&v).map_err(|e| StoreError::Io(e.to_string()))
        })
    }

    /// Makes this empty ledger a field copy of what a server gave ([`Store::take`] after
    /// event 0): its events checked first — the chain unbroken through the events and
    /// links, every case what its last event recorded — then written in one atomic batch.
    pub fn start_copy(
        &self,
        taken: Taken,
        server: &str,
        person: Person,
        mine: bool,
    ) -> Result<usize> {
        self.writable()?;
        self.guarded(|| {
            let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
            let occupied = ["c/", "h/", "u/", "f/"]
                .iter()
                .any(|p| self.db.scan_prefix(p.as_bytes()).next().is_some());
            if occupied {
                return Err(StoreError::Field(FieldError::NotEmpty {
                    dir: self.dir().display().to_string(),
                }));
            }
            let seed = format!(
                "{}{}{:?}",
                taken.head,
                std::process::id(),
                std::time::SystemTime::now()
            );
            let copy = FieldCopy {
                server: server.to_string(),
                copy: json_hash(seed.as_bytes())
                    .get(..16)
                    .unwrap_or("")
                    .to_string(),
                person,
                mine,
                head_seq: 0,
                head: String::new(),
                next: 1,
            };
            let n = taken.cases.len();
            let batch = self.taking(taken, &copy, &Roster::default(), Vec::new())?;
            self.db.apply_batch(batch)?;
            self.sync()?;
            Ok(n)
        })
    }

    /// Takes in what the server gave after the event this copy last took: its own changes
    /// since (now on the server, or come back as conflicts) give way to the server's
    /// events, and the cases they touched become what the server holds. One atomic batch.
    pub fn take_in(&self, taken: Taken) -> Result<usize> {
        self.writable()?;
        self.guarded(|| {
            let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
            let copy = self.field_copy()?.ok_or_else(|| self.not_copy_error())?;
            if taken.head_seq < copy.head_seq {
                return Err(StoreError::Field(FieldError::RolledBack {
                    server: copy.server.clone(),
                    ours: copy.head_seq,
                    theirs: taken.head_seq,
                }));
            }
            // this copy's own events since the server's head it had: they give way
            let ours = self.events_after(copy.head_seq)?;
            let n = taken.cases.len();
            let batch = self.taking(taken, &copy, &self.roster()?, ours)?;
            self.db.apply_batch(batch)?;
            self.sync()?;
            Ok(n)
        })
    }

    /// The history events after event `after`, in order: on a field copy after the
    /// server's head it had, its own.
    fn events_after(&self, after: u64) -> Result<Vec<Event>> {
        let mut events = Vec::new();
        for kv in self.db.range(event_key(after + 1)..=event_key(u64::MAX)) {
            let (k, v) = kv?;
            let seq = k
                .strip_prefix(b"h/")
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_be_bytes)
                .unwrap_or(0);
            events.push(self.decode_event(seq, &v)?);
        }
        Ok(events)
    }

    fn not_copy_error(&self) -> StoreError {
        StoreError::Field(FieldError::NotACopy {
            dir: self.dir().display().to_string(),
        })
    }

    /// The batch that takes `taken` in after `copy`'s head, replacing `ours` (the copy's
    /// own events after it). The events and links are checked to continue the chain from
    /// the copy's head, and each case to be what its last event recorded.
    fn taking(
        &self,
        taken: Taken,
        copy: &FieldCopy,
        roster_before: &Roster,
        ours: Vec<Event>,
    ) -> Result<sled::Batch> {
        let bad = |problem: String| StoreError::Field(FieldError::BadCopy { problem });
        // the chain, in order, through events and links
        let mut links: Vec<(u64, &str, &str, Option<&Event>)> = taken
            .events
            .iter()
            .map(|e| (e.seq, e.prev.as_str(), e.hash.as_str(), Some(e)))
            .chain(
                taken
                    .links
                    .iter()
                    .map(|l| (l.seq, l.prev.as_str(), l.hash.as_str(), None)),
            )
            .collect();
        links.sort_by_key(|l| l.0);
        let (mut seq, mut prev) = (copy.head_seq, copy.head.clone());
        for (s, p, h, ev) in &links {
            if *s != seq + 1 || *p != prev {
                return Err(bad(format!("event {s} does not follow event {seq}")));
            }
            if let Some(ev) = ev {
                if ev.compute_hash()? != ev.hash {
                    return Err(bad(format!("event {s} ({}) was altered", ev.case_id)));
                }
            }
            seq = *s;
            prev = h.to_string();
        }
        if seq != taken.head_seq || prev != taken.head {
            return Err(bad(format!(
                "the history ends at event {seq}, the server's head is {}",
                taken.head_seq
            )));
        }
        let mut batch = sled::Batch::default();
        for ev in &ours {
            batch.remove(event_key(ev.seq));
            batch.remove(index_key(&ev.case_id, ev.seq));
        }
        let mut last_of: HashMap<&str, &Event> = HashMap::new();
        let (mut roster_hash, mut accountability_hash) = (None, None);
        for ev in &taken.events {
            batch.insert(event_key(ev.seq), json_bytes(ev)?);
            batch.insert(index_key(&ev.case_id, ev.seq), &[] as &[u8]);
            if ev.case_id == ROSTER_EVENTS {
                roster_hash = Some(ev.case_hash.as_str());
            } else if ev.case_id == ACCOUNTABILITY_EVENTS {
                accountability_hash = Some(ev.case_hash.as_str());
            } else {
                last_of.insert(ev.case_id.as_str(), ev);
            }
        }
        for l in &taken.links {
            batch.insert(link_key(l.seq), json_bytes(l)?);
        }
        let mut derived = Vec::with_capacity(taken.cases.len());
        for (case, last_event) in &taken.cases {
            if let Some(ev) = last_of.get(case.id.as_str()) {
                if ev.case_hash != case_hash(case)? {
                    return Err(bad(format!(
                        "case {} differs from what its history recorded",
                        case.id
                    )));
                }
            }
            let mut p = Prepared::of(case.clone())?;
            layout::set_last_event(&mut p.record, *last_event);
            batch.insert(case_key(&case.id), p.record);
            // a voided case has no summary: its mark keeps it findable (`list --voided`)
            super::put_void_mark(&mut batch, case);
            derived.push(p.derived);
        }
        self.put_derived(&mut batch, derived, copy.head_seq == 0)?;
        let roster = Roster::new(taken.roster.clone());
        if roster_hash.is_some() && !roster::agrees(&roster, roster_hash)? {
            return Err(bad(
                "the roster differs from what its history recorded".into()
            ));
        }
        roster::put(&mut batch, roster_before, &roster)?;
        if let Some(h) = accountability_hash {
            if accountability::hash(&taken.accountability)? != h {
                return Err(bad(
                    "the accountability events differ from what their history recorded".into(),
                ));
            }
        }
        // the server's list in place of the copy's, in its order
        for kv in self.db.scan_prefix(b"a/") {
            batch.remove(kv?.0);
        }
        for a in &taken.accountability {
            let n = self.db.generate_id()?;
            batch.insert(
                [b"a/".as_slice(), &n.to_be_bytes()].concat(),
                json_bytes(a)?,
            );
        }
        batch.insert(b"m/seq".as_slice(), &taken.head_seq.to_be_bytes());
        batch.insert(b"m/head".as_slice(), taken.head.as_bytes());
        let copy = FieldCopy {
            head_seq: taken.head_seq,
            head: taken.head.clone(),
            ..copy.clone()
        };
        batch.insert(COPY, json_bytes(&copy)?);
        Ok(batch)
    }

    /// The link of event `seq` where a copy holds no event of that number.
    pub(super) fn link(&self, seq: u64) -> Result<Option<Link>> {
        match self.db.get(link_key(seq))? {
            None => Ok(None),
            Some(v) => Ok(serde_json::from_slice(&v).ok()),
        }
    }

    // ---- the server's side ----

    /// What a field copy takes: the events after `after` (which must be the server's
    /// event `after_hash`: else the server's ledger was rolled back), whole for the cases
    /// in `scope`'s (every case when `None`) and the roster, linked for the others; and
    /// the cases they and `also` name, as they are now.
    pub fn take(
        &self,
        after: u64,
        after_hash: &str,
        scope: Option<&Person>,
        also: &[String],
    ) -> Result<Taken> {
        let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
        self.guarded(|| {
            let (head_seq, head) = self.holds(after, after_hash)?;
            let roster = self.roster()?;
            let mut held: HashMap<String, bool> = HashMap::new();
            let mut in_scope = |id: &str| -> Result<bool> {
                if id == ROSTER_EVENTS || id == ACCOUNTABILITY_EVENTS {
                    return Ok(true);
                }
                if let Some(b) = held.get(id) {
                    return Ok(*b);
                }
                let b = match (scope, self.get(id)?) {
                    (None, _) => true,
                    (Some(p), Some(c)) => domain::in_scope(p, &roster, &c),
                    (Some(_), None) => false,
                };
                held.insert(id.to_string(), b);
                Ok(b)
            };
            let (mut events, mut links) = (Vec::new(), Vec::new());
            let mut ids: std::collections::BTreeSet<String> = also.iter().cloned().collect();
            for kv in self.db.range(event_key(after + 1)..=event_key(u64::MAX)) {
                let (k, v) = kv?;
                let seq = k
                    .strip_prefix(b"h/")
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                    .map(u64::from_be_bytes)
                    .ok_or_else(|| self.damaged(Damage::HistoryKeyMalformed))?;
                let ev = self.decode_event(seq, &v)?;
                if in_scope(&ev.case_id)? {
                    if ev.case_id != ROSTER_EVENTS && ev.case_id != ACCOUNTABILITY_EVENTS {
                        ids.insert(ev.case_id.clone());
                    }
                    events.push(ev);
                } else {
                    links.push(Link {
                        seq,
                        prev: ev.prev,
                        hash: ev.hash,
                    });
                }
            }
            let mut cases = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(v) = self.db.get(case_key(&id))? {
                    let rec = self.decode_record(&case_key(&id), &v)?;
                    cases.push((rec.case, rec.last_event));
                }
            }
            Ok(Taken {
                head_seq,
                head,
                events,
                links,
                cases,
                roster: roster.people().to_vec(),
                accountability: self.accountability()?,
            })
        })
    }

    /// The server's head, when its history holds event `after` as `after_hash` (0: none):
    /// else its ledger was rolled back since a copy took that event.
    pub fn holds(&self, after: u64, after_hash: &str) -> Result<(u64, String)> {
        let (head_seq, head) = self.head()?;
        let at_after = match after {
            0 => Some(String::new()),
            n => match self.db.get(event_key(n))? {
                Some(v) => Some(self.decode_event(n, &v)?.hash),
                None => None,
            },
        };
        if head_seq < after || at_after.as_deref() != Some(after_hash) {
            return Err(StoreError::Field(FieldError::RolledBack {
                server: self.dir().display().to_string(),
                ours: after,
                theirs: head_seq,
            }));
        }
        Ok((head_seq, head))
    }

    /// The cases this copy changed since it last took the server's events: those of its
    /// own events after the server's head it had.
    pub fn changed_here(&self) -> Result<Vec<String>> {
        let Some(copy) = self.field_copy()? else {
            return Ok(Vec::new());
        };
        self.guarded(|| {
            let mut ids = std::collections::BTreeSet::new();
            for ev in self.events_after(copy.head_seq)? {
                if ev.case_id != ROSTER_EVENTS && ev.case_id != ACCOUNTABILITY_EVENTS {
                    ids.insert(ev.case_id);
                }
            }
            Ok(ids.into_iter().collect())
        })
    }

    /// Applies a change queued on a field copy, as `ctx`'s person (the connecting account,
    /// who must be the change's own), on its own day: through the merge rules
    /// ([`domain::merge`]), then the same authorisation and guards as any change. The
    /// operation id is recorded in the same batch; an id already recorded is acknowledged
    /// and not applied again.
    pub fn apply_queued(&self, change: &QueuedChange, ctx: &Ctx) -> Result<Outcome> {
        self.writable()?;
        self.guarded(|| {
            let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(v) = self.db.get(done_key(&change.op))? {
                let seqs: Vec<u64> = serde_json::from_slice(&v).unwrap_or_default();
                return Ok(Outcome::Applied { seqs, again: true });
            }
            if let Some(p) = &ctx.person {
                if p.login != change.account {
                    return Err(StoreError::Field(FieldError::OtherAccount {
                        account: change.account.clone(),
                        connected: p.login.clone(),
                    }));
                }
            }
            let case = self.require(&change.case_id)?;
            let since: Vec<Event> = self
                .history(&case.id)?
                .into_iter()
                .filter(|e| e.seq > change.head_seq)
                .filter(|e| e.account.as_deref() != Some(change.account.as_str()))
                .collect();
            let mut others: Vec<String> = Vec::new();
            for e in &since {
                if !others.contains(&e.actor) {
                    others.push(e.actor.clone());
                }
            }
            let commands = match domain::merge(&change.commands, &change.tasks_seen, &case, &others)
            {
                Merge::Conflict(conflict) => return Ok(Outcome::Conflict { conflict, since }),
                Merge::Apply(commands) => commands,
            };
            let mut on_day = ctx.clone();
            on_day.today = change.today.min(ctx.today);
            let done =
                self.execute_locked(&case.id, &commands, &on_day, None, |_, events: &[Event]| {
                    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
                    Ok(vec![(done_key(&change.op), json_bytes(&seqs)?)])
                });
            match done {
                Ok((_, events)) => {
                    if !events.is_empty() {
                        self.sync()?;
                    }
                    Ok(Outcome::Applied {
                        seqs: events.iter().map(|e| e.seq).collect(),
                        again: false,
                    })
                }
                Err(StoreError::Refused { refusal, .. }) => Ok(Outcome::Refused { refusal, since }),
                Err(e) => Err(e),
            }
        })
    }
}
