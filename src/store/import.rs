//! Imports of new cases read as they come: a first pass checks every case (nothing is
//! written, a refusal names the case), a second writes them in parts of
//! [`CASES_PER_PART`] behind the import marker (see [`Store::undo_interrupted_import`]), so
//! that 100,000 cases are never held at once and a refused or interrupted import leaves the
//! ledger as it was. Each part's derived values (summaries, counts, rows) go into their
//! chunks with the part, so that they are not held until the end either.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::{
    hex, json_bytes, place_of, Batches, Ctx, ImportMarker, Places, Prepared, Result, Store,
    StoreError, CASES_PER_PART, IMPORTING,
};
use crate::domain::{self, AccountabilityEvent, Case, Change, ChangeKind, Operation, Roster};

/// The cases of an import, read as often as the import needs them (twice: checked, then
/// written), the same cases in the same order each time.
pub trait CaseSource {
    /// Hands every case to `each` in turn. An error of `each` ends the pass with it; the
    /// source may end it with an error of its own (a file it cannot read).
    fn pass(&mut self, each: &mut dyn FnMut(Case) -> Result<()>) -> Result<()>;

    /// The accountability events that come with the cases, known after a first pass.
    fn accountability(&mut self) -> Vec<AccountabilityEvent> {
        Vec::new()
    }
}

/// Cases held in memory, as a [`CaseSource`].
pub struct Cases<'a>(pub &'a [Case]);

impl CaseSource for Cases<'_> {
    fn pass(&mut self, each: &mut dyn FnMut(Case) -> Result<()>) -> Result<()> {
        self.0.iter().try_for_each(|c| each(c.clone()))
    }
}

/// The checks of new cases against the ledger and each other, a case at a time, in the
/// order [`Store::check_cases`] words the first problem: a case not well formed or an id
/// already taken (at once), then a second case of a village and year, then a `relapse_of`
/// that names no earlier case of the same village.
pub(super) struct Check<'a> {
    store: &'a Store,
    policy: &'a domain::Policy,
    /// the ids taken, without regard to letter case
    held: HashSet<String>,
    /// the first case of each village and year
    places: Places,
    /// the villages of the new cases, each held once, numbered
    villages: HashMap<[String; 3], u32>,
    /// where (its village's number) and when each new case is, for the relapses that name it
    new: HashMap<String, (u32, NaiveDate)>,
    relapses: Vec<Case>,
    /// the first second case of a village and year
    same_place: Option<StoreError>,
}

impl<'a> Check<'a> {
    pub(super) fn new(store: &'a Store, ctx: &'a Ctx) -> Result<Check<'a>> {
        let mut held = HashSet::new();
        let mut places = Places::default();
        if !store.is_empty() {
            store.for_each_summary(|s| {
                held.insert(s.id().to_ascii_lowercase());
                let place = place_of(s.county(), s.township(), s.village(), s.year);
                places
                    .0
                    .entry(place)
                    .or_insert_with(|| (s.id().to_string(), false));
            })?;
            held.extend(store.voided_ids()?.iter().map(|id| id.to_ascii_lowercase()));
        }
        Ok(Check {
            store,
            policy: &ctx.policy,
            held,
            places,
            villages: HashMap::new(),
            new: HashMap::new(),
            relapses: Vec::new(),
            same_place: None,
        })
    }

    pub(super) fn case(&mut self, c: &Case) -> Result<()> {
        domain::check_case(c, self.policy).map_err(|r| refused(c, r))?;
        if !self.held.insert(c.id.to_ascii_lowercase()) {
            return Err(StoreError::Duplicate(c.id.clone()));
        }
        if self.same_place.is_none() {
            self.same_place = self.places.take(c, false).err();
        }
        let (county, township, village, _) = place_of(&c.county, &c.township, &c.village, c.year);
        let next = u32::try_from(self.villages.len()).unwrap_or(u32::MAX);
        let village = *self
            .villages
            .entry([county, township, village])
            .or_insert(next);
        self.new.insert(c.id.clone(), (village, c.identified_on));
        if c.relapse_of.is_some() {
            self.relapses.push(c.clone());
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Result<()> {
        if let Some(e) = self.same_place {
            return Err(e);
        }
        let mut villages: Vec<Option<&[String; 3]>> = vec![None; self.villages.len()];
        for (names, &n) in &self.villages {
            if let Some(at) = villages.get_mut(n as usize) {
                *at = Some(names);
            }
        }
        for c in &self.relapses {
            let Some(of) = c.relapse_of.as_deref() else {
                continue;
            };
            let stored;
            let earlier = match self.new.get(of) {
                Some((n, on)) => {
                    let [county, township, village] = villages
                        .get(*n as usize)
                        .copied()
                        .flatten()
                        .ok_or_else(|| StoreError::Io("a village of the import lost".into()))?;
                    Some(([county.as_str(), township, village], *on))
                }
                None => {
                    stored = self.store.get(of)?;
                    stored.as_ref().map(|e| {
                        (
                            [e.county.as_str(), &e.township, &e.village],
                            e.identified_on,
                        )
                    })
                }
            };
            domain::check_relapse_at(c, earlier).map_err(|r| refused(c, r))?;
        }
        Ok(())
    }
}

fn refused(c: &Case, refusal: domain::Refusal) -> StoreError {
    StoreError::Refused {
        id: c.id.clone(),
        refusal,
    }
}

impl Store {
    /// What an import of the cases of `source` would be refused for (one pass over them),
    /// without writing anything.
    pub fn check_import_from(&self, source: &mut dyn CaseSource, ctx: &Ctx) -> Result<()> {
        self.authorize(ctx, Operation::Import)?;
        let mut check = Check::new(self, ctx)?;
        source.pass(&mut |c| check.case(&c))?;
        check.finish()
    }

    /// Opens the cases of `source` (`new`, `import`) with its accountability events: all of
    /// them, or — on the first refusal, or a crash — none. Every case is checked in a first
    /// pass over `source` and written in a second, in parts; the ids opened are returned.
    /// A county leader named by exactly one leader of the roster is linked to that account
    /// ([`Roster::link_leader`]).
    pub fn import_from(
        &self,
        source: &mut dyn CaseSource,
        kind: ChangeKind,
        ctx: &Ctx,
    ) -> Result<Vec<String>> {
        self.writable()?;
        self.guarded(|| {
            let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
            self.not_a_copy()?;
            let op = match kind {
                ChangeKind::Opened => Operation::New,
                _ => Operation::Import,
            };
            self.authorize(ctx, op)?;
            let roster = self.roster()?;
            // the first pass: each case checked, and what it will be written as remembered
            // (its id and the hash of its JSON, as bytes: 100,000 of them), nothing written
            let mut check = Check::new(self, ctx)?;
            let mut checked: Vec<(String, [u8; 32])> = Vec::new();
            source.pass(&mut |mut c| {
                check.case(&c)?;
                link(&roster, &mut c);
                checked.push((c.id.clone(), Sha256::digest(json_bytes(&c)?).into()));
                Ok(())
            })?;
            check.finish()?;
            let accountability = source.accountability();
            let head = self.head()?;
            // A large import goes to sled in parts (sled takes one huge batch slowly), behind
            // a marker that names what it adds: until the last part clears the marker, the
            // ledger's head still points before the import, and an open after a crash
            // removes the parts already written (`undo_interrupted_import`).
            let staged = checked.len() > CASES_PER_PART;
            if staged {
                let marker = ImportMarker {
                    after_seq: head.0,
                    ids: checked.iter().map(|(id, _)| id.clone()).collect(),
                };
                let bytes =
                    serde_json::to_vec(&marker).map_err(|e| StoreError::Io(e.to_string()))?;
                self.db.insert(IMPORTING, bytes)?;
                // on the disk before any part: a part that survives a crash is undone
                self.db.flush()?;
            }
            let mut writing = Writing {
                store: self,
                ctx,
                kind,
                staged,
                batch: Batches::new(head),
                part: Vec::with_capacity(CASES_PER_PART.min(checked.len())),
                checked: checked.iter(),
            };
            let written = source
                .pass(&mut |mut c| {
                    link(&roster, &mut c);
                    writing.case(c)
                })
                .and_then(|()| writing.finish(&accountability));
            if let Err(e) = written {
                if staged {
                    // what the parts wrote goes now; if that fails too, the next open does it
                    let _ = self.undo_interrupted_import();
                }
                return Err(e);
            }
            Ok(checked.into_iter().map(|(id, _)| id).collect())
        })
    }
}

fn link(roster: &Roster, case: &mut Case) {
    if !roster.is_empty() {
        roster.link_leader(case);
    }
}

/// The second pass of an import: the cases recorded part by part, each the one the first
/// pass checked.
struct Writing<'a, I> {
    store: &'a Store,
    ctx: &'a Ctx,
    kind: ChangeKind,
    staged: bool,
    batch: Batches,
    part: Vec<Case>,
    checked: I,
}

impl<'a, I: Iterator<Item = &'a (String, [u8; 32])>> Writing<'a, I> {
    fn case(&mut self, case: Case) -> Result<()> {
        self.part.push(case);
        if self.part.len() < CASES_PER_PART {
            return Ok(());
        }
        self.record_part()?;
        if self.staged {
            self.batch.take_records().write_each(&self.store.db)?;
            // the part's derived values merged into their chunks, one batch (a chunk split
            // written halfway would lose the entries of the cases already there); the undo
            // takes the part's entries out again
            let mut chunks = sled::Batch::default();
            self.store
                .put_derived(&mut chunks, self.batch.take_derived(), false)?;
            self.store.db.apply_batch(chunks)?;
            // Debug builds only: die here, so a test can prove the undo.
            if cfg!(debug_assertions) && std::env::var_os("ZHENGDUN_TEST_DIE_IN_IMPORT").is_some() {
                self.store.db.flush()?;
                std::process::abort();
            }
        }
        Ok(())
    }

    /// The cases of the part into the batch, worked out on every core.
    fn record_part(&mut self) -> Result<()> {
        let part = std::mem::take(&mut self.part);
        for p in crate::par::map(part, Prepared::of) {
            let p = p?;
            match self.checked.next() {
                Some((id, hash)) if *id == p.case.id && hex(hash) == p.hash => {}
                _ => {
                    return Err(StoreError::ImportChanged {
                        id: Some(p.case.id.clone()),
                    })
                }
            }
            let change = Change {
                kind: self.kind,
                from: p.case.stage,
                to: p.case.stage,
                detail: String::new(),
                note: String::new(),
            };
            self.batch.record(p, change, self.ctx)?;
        }
        Ok(())
    }

    /// The last part with the accountability events, the derived values and the new head,
    /// clearing the marker: durable when it returns.
    fn finish(&mut self, accountability: &[AccountabilityEvent]) -> Result<()> {
        self.record_part()?;
        if self.checked.next().is_some() {
            return Err(StoreError::ImportChanged { id: None });
        }
        let store = self.store;
        let mut batch = std::mem::replace(&mut self.batch, Batches::new((0, String::new())));
        store.put_accountability(&mut batch, accountability, ChangeKind::Imported, self.ctx)?;
        let mut batch = batch.finish(store)?;
        if self.staged {
            batch.remove(IMPORTING);
        }
        store.db.apply_batch(batch)?;
        store.sync()
    }
}
