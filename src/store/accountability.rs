//! Township accountability events in the store (SPEC §2, §11): `a/<n>` holds each
//! [`AccountabilityEvent`], in the order recorded, and each one recorded (`talk`, or a
//! ledger imported with some) is a history event in the same hash chain as the cases' — an
//! event of no case ([`ACCOUNTABILITY_EVENTS`]) whose `case_hash` is the hash of the whole
//! list as it left it, so `verify`, `backup` and `restore` check the list as they check a
//! case. A ledger that holds events from before they were recorded in the history is
//! checked from its first recorded one on.

use super::*;

/// The `case_id` of an accountability event's history: no case, since no case id has a
/// space. The history of the list is therefore [`Store::history`] of this id.
pub const ACCOUNTABILITY_EVENTS: &str = "accountability events";

const PREFIX: &[u8] = b"a/";

/// The hash a history event records for the list `events`.
pub(super) fn hash(events: &[AccountabilityEvent]) -> Result<String> {
    Ok(json_hash(&json_bytes(events)?))
}

/// The history event's change for events recorded: data, language-neutral.
fn describe(e: &AccountabilityEvent) -> String {
    let mut s = format!(
        "{} {} {} {} {}",
        e.on,
        e.kind.code(),
        e.county,
        e.township,
        e.person
    );
    if !e.cases.is_empty() {
        s.push_str(&format!(" [{}]", e.cases.join(",")));
    }
    s
}

impl Store {
    /// The accountability events, in the order recorded.
    pub fn accountability(&self) -> Result<Vec<AccountabilityEvent>> {
        self.guarded(|| {
            let mut out = Vec::new();
            for kv in self.db.scan_prefix(PREFIX) {
                let (_, v) = kv?;
                out.push(serde_json::from_slice(&v).map_err(|e| {
                    self.damaged(Damage::AccountabilityUnreadable { why: e.to_string() })
                })?);
            }
            Ok(out)
        })
    }

    /// Puts `events` into `batch` after those recorded, with the history event that
    /// records them (`kind`: `Accountability` for a `talk`, `Imported` for an import's).
    pub(super) fn put_accountability(
        &self,
        batch: &mut Batches,
        events: &[AccountabilityEvent],
        kind: ChangeKind,
        ctx: &Ctx,
    ) -> Result<Option<Event>> {
        if events.is_empty() {
            return Ok(None);
        }
        let mut all = self.accountability()?;
        all.extend_from_slice(events);
        let detail = match (kind, events) {
            (ChangeKind::Accountability, [one]) => describe(one),
            _ => events.len().to_string(),
        };
        let note = match (kind, events) {
            (ChangeKind::Accountability, [one]) => one.reason.clone(),
            _ => String::new(),
        };
        let change = Change {
            kind,
            from: domain::Stage::Identified,
            to: domain::Stage::Identified,
            detail,
            note,
        };
        let ev = batch.event(ACCOUNTABILITY_EVENTS, change, hash(&all)?, ctx)?;
        for a in events {
            let id = self.db.generate_id()?;
            batch
                .batch
                .insert([PREFIX, &id.to_be_bytes()].concat(), json_bytes(a)?);
        }
        Ok(Some(ev))
    }

    /// Records a township accountability event (`talk`, a clerk's): its township must have
    /// cases in the ledger (the county worked out from them when not given) and its linked
    /// cases must be of that township; one history event, durable before this returns.
    pub fn talk(&self, event: &AccountabilityEvent, ctx: &Ctx) -> Result<Event> {
        self.writable()?;
        self.not_a_copy()?;
        self.authorize(ctx, Operation::Talk)?;
        let mut e = domain::check_accountability(event, ctx.today).map_err(StoreError::Denied)?;
        self.guarded(|| {
            let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
            let mut counties: Vec<String> = Vec::new();
            self.for_each_summary(|s| {
                let county = s.county().trim();
                let here = s.township().trim() == e.township
                    && (e.county.is_empty() || county == e.county);
                if here && !counties.iter().any(|c| c == county) {
                    counties.push(county.to_string());
                }
            })?;
            e.county = match &counties[..] {
                [] => {
                    return Err(StoreError::Denied(Refusal::UnknownTownship {
                        township: e.township.clone(),
                    }))
                }
                [one] => one.clone(),
                _ => {
                    return Err(StoreError::Denied(Refusal::TownshipInCounties {
                        township: e.township.clone(),
                        counties,
                    }))
                }
            };
            let mut ids = Vec::with_capacity(e.cases.len());
            for id in &e.cases {
                let case = self.require(id)?;
                if let Some(v) = &case.voided {
                    return Err(StoreError::Refused {
                        id: case.id,
                        refusal: Refusal::Voided {
                            on: v.on,
                            reason: v.reason.clone(),
                        },
                    });
                }
                if case.township.trim() != e.township || case.county.trim() != e.county {
                    return Err(StoreError::Denied(Refusal::CaseOfOtherTownship {
                        case: case.id,
                        township: format!("{} {}", case.county, case.township),
                    }));
                }
                ids.push(case.id);
            }
            e.cases = ids;
            let mut batch = Batches::new(self.head()?);
            let ev = self
                .put_accountability(
                    &mut batch,
                    std::slice::from_ref(&e),
                    ChangeKind::Accountability,
                    ctx,
                )?
                .ok_or_else(|| StoreError::Io("an event recorded no history".into()))?;
            self.db.apply_batch(batch.finish(self)?)?;
            self.sync()?;
            Ok(ev)
        })
    }

    /// `verify`'s look at the accountability events: every one readable, and the list equal
    /// to what the last history event of it recorded (when one did).
    pub(super) fn verify_accountability(
        &self,
        last: Option<String>,
        problems: &mut Vec<Damage>,
    ) -> Result<()> {
        match self.accountability() {
            Err(StoreError::Damaged { detail, .. }) => problems.push(detail),
            Err(e) => return Err(e),
            Ok(events) => {
                if last.is_some_and(|h| hash(&events).is_ok_and(|mine| mine != h)) {
                    problems.push(Damage::AccountabilityAltered);
                }
            }
        }
        Ok(())
    }
}
