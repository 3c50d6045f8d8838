//! The roster in the store (SPEC §9): `u/<login>` holds each account's [`Person`], and each
//! change is a history event in the same hash chain as the cases' — an event of no case
//! ([`ROSTER_EVENTS`]) whose `case_hash` is the hash of the whole roster as it left it, so
//! `verify`, `backup` and `restore` check the roster as they check a case.

use super::*;

/// The `case_id` of a roster event: none, since no case has an empty id. The history of
/// the roster is therefore [`Store::history`] of this id.
pub const ROSTER_EVENTS: &str = "";

const PREFIX: &[u8] = b"u/";

fn person_key(login: &str) -> Vec<u8> {
    [PREFIX, login.as_bytes()].concat()
}

/// The hash a roster event records for `roster`.
fn hash(roster: &Roster) -> Result<String> {
    Ok(json_hash(&json_bytes(roster)?))
}

/// Whether `roster` is what the last roster event recorded (`None`: there was none, and
/// the roster must be empty).
pub(super) fn agrees(roster: &Roster, last: Option<&str>) -> Result<bool> {
    Ok(match last {
        None => roster.is_empty(),
        Some(h) => hash(roster)? == h,
    })
}

/// Writes into `batch` what turns roster `before` into `after`.
pub(super) fn put(batch: &mut sled::Batch, before: &Roster, after: &Roster) -> Result<()> {
    for p in before.people() {
        if after.get(&p.login).is_none() {
            batch.remove(person_key(&p.login));
        }
    }
    for p in after.people() {
        batch.insert(person_key(&p.login), json_bytes(p)?);
    }
    Ok(())
}

impl Store {
    /// The whole roster, as stored. Not authorised: this is what the server asks to learn
    /// who connected ([`Store::person`]); clients see it through [`Store::people`].
    pub fn roster(&self) -> Result<Roster> {
        self.guarded(|| {
            let mut people = Vec::new();
            for kv in self.db.scan_prefix(PREFIX) {
                let (k, v) = kv?;
                let login = String::from_utf8_lossy(k.get(PREFIX.len()..).unwrap_or_default())
                    .escape_debug()
                    .to_string();
                let p: Person = serde_json::from_slice(&v).map_err(|e| {
                    self.damaged(Damage::RosterEntryUnreadable {
                        login: login.clone(),
                        why: e.to_string(),
                    })
                })?;
                if p.login != login {
                    return Err(self.damaged(Damage::RosterEntryHoldsOther {
                        login,
                        account: p.login.escape_debug().to_string(),
                    }));
                }
                people.push(p);
            }
            Ok(Roster::new(people))
        })
    }

    /// The person an account is: what the server asks of each connecting account. An
    /// account not in the roster is refused ([`StoreError::Denied`]) with a message that
    /// names it and says that a clerk can add it.
    pub fn person(&self, login: &str) -> Result<Person> {
        self.roster()?
            .person(login)
            .cloned()
            .map_err(StoreError::Denied)
    }

    /// The roster as `ctx`'s person may see it: `user list` (a clerk's, SPEC §9).
    pub fn people(&self, ctx: &Ctx) -> Result<Roster> {
        self.authorize(ctx, Operation::Roster)?;
        self.roster()
    }

    /// The roster's history events, oldest first (a clerk's, like the roster).
    pub fn roster_history(&self, ctx: &Ctx) -> Result<Vec<Event>> {
        self.authorize(ctx, Operation::Roster)?;
        self.history(ROSTER_EVENTS)
    }

    /// The person acting in `ctx` as the roster has them now: a role changed or an account
    /// removed since the person connected counts at once.
    pub(super) fn acting(&self, ctx: &Ctx, roster: &Roster) -> Result<Option<Person>> {
        match &ctx.person {
            None => Ok(None),
            Some(p) => roster
                .person(&p.login)
                .cloned()
                .map(Some)
                .map_err(StoreError::Denied),
        }
    }

    /// Whether `ctx`'s person may do `op` on the whole ledger; the embedded ledger (no
    /// person) may do everything. The store's own paths call it; a server may ask first.
    pub fn authorize(&self, ctx: &Ctx, op: Operation) -> Result<()> {
        if ctx.person.is_none() {
            return Ok(());
        }
        match self.acting(ctx, &self.roster()?)? {
            Some(p) => domain::authorize_ledger(&p, op).map_err(StoreError::Denied),
            None => Ok(()),
        }
    }

    /// Adds, changes or removes an account: a clerk's (or the embedded owner's), one
    /// history event, durable before this returns. `None` when the entry was already as
    /// given (nothing recorded).
    pub fn change_roster(&self, change: &domain::RosterChange, ctx: &Ctx) -> Result<Option<Event>> {
        self.writable()?;
        let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
        self.not_a_copy()?;
        let roster = self.roster()?;
        if let Some(p) = self.acting(ctx, &roster)? {
            domain::authorize_ledger(&p, Operation::Roster).map_err(StoreError::Denied)?;
        }
        self.write_roster(&roster, change, ctx)
    }

    /// Makes sure the account that runs `serve` is a clerk (SPEC §9): added as one under
    /// `name` when it is not in the roster, made one (its entry otherwise kept) when it has
    /// another role. Recorded as its own change. `None` when it was a clerk already.
    pub fn ensure_clerk(&self, login: &str, name: &str) -> Result<Option<Event>> {
        self.writable()?;
        let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
        let roster = self.roster()?;
        let clerk = match roster.get(login) {
            Some(p) if p.role == domain::Role::Clerk => return Ok(None),
            Some(p) => Person {
                role: domain::Role::Clerk,
                ..p.clone()
            },
            None => Person {
                login: login.to_string(),
                name: name.to_string(),
                role: domain::Role::Clerk,
                county: None,
                township: None,
            },
        };
        let ctx = Ctx {
            today: Local::now().date_naive(),
            actor: clerk.name.clone(),
            policy: Policy::default(),
            person: Some(clerk.clone()),
        };
        self.write_roster(&roster, &domain::RosterChange::Add(clerk), &ctx)
    }

    fn write_roster(
        &self,
        roster: &Roster,
        change: &domain::RosterChange,
        ctx: &Ctx,
    ) -> Result<Option<Event>> {
        self.guarded(|| {
            let Some((after, change)) = roster.apply(change).map_err(StoreError::Denied)? else {
                return Ok(None);
            };
            let mut batch = Batches::new(self.head()?);
            let ev = batch.event(ROSTER_EVENTS, change, hash(&after)?, ctx)?;
            let mut batch = batch.finish(self)?;
            put(&mut batch, roster, &after)?;
            self.db.apply_batch(batch)?;
            self.sync()?;
            Ok(Some(ev))
        })
    }

    /// `verify`'s look at the roster: every entry readable, and the whole equal to what the
    /// last roster event recorded.
    pub(super) fn verify_roster(
        &self,
        last: Option<String>,
        problems: &mut Vec<Damage>,
    ) -> Result<()> {
        match self.roster() {
            Err(StoreError::Damaged { detail, .. }) => problems.push(detail),
            Err(e) => return Err(e),
            Ok(roster) => {
                if !agrees(&roster, last.as_deref())? {
                    problems.push(Damage::RosterAltered);
                }
            }
        }
        Ok(())
    }
}
