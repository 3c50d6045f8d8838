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
    policy: domain::Policy,
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
    pub(super) fn new(store: &'a Store, ctx: &Ctx) -> Result<Check<'a>> {
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
            policy: ctx.policy.clone(),
            held,
            places,
            villages: HashMap::new(),
            new: HashMap::new(),
            relapses: Vec::new(),
            same_place: None,
        })
    }

    pub(super) fn case(&mut self, c: &Case) -> Result<()> {
        domain::check_case(c, &self.policy).map_err(|r| refused(c, r))?;
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
            self.authorize(ctx, operation(kind))?;
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

/// An import whose cases arrive in parts, as a server receives them from its client: each
/// part checked as it comes, against the ledger as it was when the import began and the
/// parts before it (compact state, as [`Store::check_import_from`] keeps), and — when it is
/// to be written — put in a [`Spool`] beside the ledger. Nothing of the ledger is locked
/// meanwhile: a client that stalls or goes away holds up no one, and leaves only its spool,
/// removed when this is dropped.
pub struct Arriving<'a> {
    check: Check<'a>,
    kind: ChangeKind,
    spool: Option<Spool>,
}

impl Store {
    /// Begins an import arriving in parts: refused at once for a role that may not import
    /// (or, to be written, a ledger that cannot be). With `write` false it only checks
    /// (`import --dry-run`), and nothing is kept of the cases.
    pub fn arriving(&self, kind: ChangeKind, write: bool, ctx: &Ctx) -> Result<Arriving<'_>> {
        if write {
            self.writable()?;
            self.not_a_copy()?;
        }
        self.authorize(ctx, operation(kind))?;
        let check = self.guarded(|| Check::new(self, ctx))?;
        let spool = match write {
            true => Some(Spool::create(self.dir())?),
            false => None,
        };
        Ok(Arriving { check, kind, spool })
    }
}

impl Arriving<'_> {
    /// What the cases were sent to be: opened (`new`) or imported.
    pub fn kind(&self) -> ChangeKind {
        self.kind
    }

    /// The next cases, checked in turn (the first refusal ends it) and spooled.
    pub fn part(&mut self, cases: Vec<Case>) -> Result<()> {
        for c in cases {
            self.check.case(&c)?;
            if let Some(spool) = self.spool.as_mut() {
                spool.put(&c)?;
            }
        }
        Ok(())
    }

    /// Every case has arrived: the checks that need all of them (a second case of a village
    /// in one year, the relapses), and the spool to write them from with `accountability`
    /// ([`Store::import_from`], which checks them again under the write lock, against the
    /// ledger as it is then); `None` when the import was only checked.
    pub fn arrived(self, accountability: Vec<AccountabilityEvent>) -> Result<Option<Spool>> {
        self.check.finish()?;
        match self.spool {
            Some(mut spool) => {
                spool.close(accountability)?;
                Ok(Some(spool))
            }
            None => Ok(None),
        }
    }
}

fn operation(kind: ChangeKind) -> Operation {
    match kind {
        ChangeKind::Opened => Operation::New,
        _ => Operation::Import,
    }
}

/// The cases of an import that arrived in parts, kept in a private file in the ledger's
/// directory (one case's JSON a line, named [`super::IMPORT_SPOOL_PREFIX`]...) until they
/// are written: a [`CaseSource`] read from the file at each pass. The file is removed when
/// the spool is dropped, and one a killed server left is removed at the next open.
pub struct Spool {
    path: std::path::PathBuf,
    out: Option<std::io::BufWriter<std::fs::File>>,
    accountability: Vec<AccountabilityEvent>,
}

impl Spool {
    fn create(dir: &std::path::Path) -> Result<Spool> {
        use std::os::unix::fs::OpenOptionsExt;
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!(
            "{}{}.{n}",
            super::IMPORT_SPOOL_PREFIX,
            std::process::id()
        ));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| spool_error(dir, e))?;
        Ok(Spool {
            path,
            out: Some(std::io::BufWriter::new(file)),
            accountability: Vec::new(),
        })
    }

    fn put(&mut self, case: &Case) -> Result<()> {
        use std::io::Write;
        let Some(out) = self.out.as_mut() else {
            return Err(StoreError::Io("a case spooled after the last".into()));
        };
        serde_json::to_writer(&mut *out, case).map_err(|e| StoreError::Io(e.to_string()))?;
        out.write_all(b"\n").map_err(|e| self.error(e))
    }

    /// No more cases: what is buffered goes to the file.
    fn close(&mut self, accountability: Vec<AccountabilityEvent>) -> Result<()> {
        use std::io::Write;
        self.accountability = accountability;
        match self.out.take() {
            Some(mut out) => out.flush().map_err(|e| self.error(e)),
            None => Ok(()),
        }
    }

    fn error(&self, e: std::io::Error) -> StoreError {
        spool_error(self.path.parent().unwrap_or(&self.path), e)
    }
}

fn spool_error(dir: &std::path::Path, e: std::io::Error) -> StoreError {
    StoreError::io_in(dir, e, |e| {
        format!(
            "cannot keep the cases of an import in {}: {e}",
            dir.display()
        )
    })
}

impl CaseSource for Spool {
    fn pass(&mut self, each: &mut dyn FnMut(Case) -> Result<()>) -> Result<()> {
        use std::io::BufRead;
        let file = std::fs::File::open(&self.path).map_err(|e| self.error(e))?;
        let mut lines = std::io::BufReader::with_capacity(1 << 16, file).lines();
        // a thousand lines at a time, read on every core, handed on in order
        loop {
            let batch = lines
                .by_ref()
                .take(1_000)
                .collect::<std::io::Result<Vec<String>>>()
                .map_err(|e| self.error(e))?;
            if batch.is_empty() {
                return Ok(());
            }
            for case in crate::par::map(batch, |line| serde_json::from_str::<Case>(&line)) {
                each(case.map_err(|e| StoreError::Io(e.to_string()))?)?;
            }
        }
    }

    fn accountability(&mut self) -> Vec<AccountabilityEvent> {
        self.accountability.clone()
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        drop(self.out.take());
        let _ = std::fs::remove_file(&self.path);
    }
}
