//! Field copies (SPEC §10), between a copy and its server: `checkout` makes one, [`sync`]
//! sends its outbox and takes the server's changes.
//!
//! A sync can be cut off at any moment (the laptop's lid closed, the connection lost, the
//! process killed) and run again: each queued change stays in the outbox until the server's
//! answer for it is written down, and the server records each operation id in the same
//! write as the change it made, so a change sent again is acknowledged, not applied twice.
//! The server's changes are taken in one atomic write at the end.

use serde::{Deserialize, Serialize};

use crate::i18n::{self, field, Lang};
use crate::store::outbox::{FieldError, Outcome, QueueState, Queued};
use crate::store::StoreError;

use super::{Error, Ledger, Local, Remote, Result};

/// How many of the server's answers a sync writes down at once.
const SETTLE_EVERY: usize = 100;

/// How far a sync is, for a progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncStep {
    /// `done` of `total` queued changes sent.
    Sending { done: usize, total: usize },
    /// Taking the server's changes.
    Taking,
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Queued changes the server applied (or had applied already, from a sync cut off).
    pub applied: usize,
    /// Queued changes that came back as conflicts or refusals, and stay in the outbox.
    pub kept: usize,
    /// Cases taken from the server.
    pub taken: usize,
    /// The number of the server's last event, now the copy's.
    pub head_seq: u64,
}

/// Makes the empty ledger `copy` a field copy of `server`'s (all its cases, or with `mine`
/// those in the connecting person's scope), its history checked. Returns how many cases.
pub fn checkout(copy: &Local, server: &Remote, address: &str, mine: bool) -> Result<usize> {
    let person = server.ctx().person.clone().ok_or_else(|| Error::Protocol {
        server: address.to_string(),
        detail: super::Unreadable::NoWelcome,
    })?;
    let taken = server.take(0, "", mine, &[])?;
    let n = copy.store().start_copy(taken, address, person, mine)?;
    copy.changed(Vec::new())?;
    Ok(n)
}

/// Sends `copy`'s outbox to the server it came from, in order, then takes every event the
/// server has that the copy lacks. A server whose history no longer holds the event the
/// copy last took was rolled back: nothing is sent and nothing taken.
pub fn sync(copy: &Local, progress: &mut dyn FnMut(SyncStep)) -> Result<SyncReport> {
    let store = copy.store();
    let field = store.field_copy()?.ok_or_else(|| {
        Error::Store(StoreError::Field(FieldError::NotACopy {
            dir: copy.dir().display().to_string(),
        }))
    })?;
    let server = Remote::connect(&field.server, None)?;
    let named = |e: Error| match e {
        // the server names its own directory; the user knows it by its address
        Error::Store(StoreError::Field(FieldError::RolledBack { ours, theirs, .. })) => {
            Error::Store(StoreError::Field(FieldError::RolledBack {
                server: field.server.clone(),
                ours,
                theirs,
            }))
        }
        other => other,
    };
    server.holds(field.head_seq, &field.head).map_err(named)?;
    let waiting: Vec<_> = store
        .outbox()?
        .into_iter()
        .filter(|q| q.state == QueueState::Waiting)
        .collect();
    let mut report = SyncReport::default();
    let total = waiting.len();
    // the server's answers are written down a batch at a time (see `Store::settle`)
    let mut answers = Vec::with_capacity(SETTLE_EVERY);
    for (done, q) in waiting.into_iter().enumerate() {
        progress(SyncStep::Sending { done, total });
        let outcome = match server.apply_queued(&q.change) {
            Ok(o) => o,
            Err(e) => {
                store.settle(&answers)?;
                return Err(e);
            }
        };
        match outcome {
            Outcome::Applied { .. } => report.applied += 1,
            _ => report.kept += 1,
        }
        answers.push((q.number, outcome));
        if answers.len() == SETTLE_EVERY {
            store.settle(&answers)?;
            answers.clear();
        }
    }
    store.settle(&answers)?;
    progress(SyncStep::Taking);
    let also = store.changed_here()?;
    let taken = server
        .take(field.head_seq, &field.head, field.mine, &also)
        .map_err(named)?;
    let ids: Vec<String> = taken.cases.iter().map(|(c, _)| c.id.clone()).collect();
    report.head_seq = taken.head_seq;
    report.taken = store.take_in(taken)?;
    copy.changed(ids)?;
    Ok(report)
}

/// The progress line of a sync, for the terminal and the TUI's status bar.
pub fn progress_line(lang: Lang, step: SyncStep) -> String {
    match step {
        SyncStep::Sending { done, total } => field::sync_progress(lang, done, total),
        SyncStep::Taking => field::sync_taking(lang),
    }
}

/// One queued change in lines: what, on which case, when, and — when it came back — why,
/// with the events made meanwhile.
pub fn describe(lang: Lang, q: &Queued) -> Vec<String> {
    let what: Vec<&str> = q
        .change
        .commands
        .iter()
        .map(|c| i18n::change_label(lang, field::command_kind(c)))
        .collect();
    let what = what.join("+");
    // the day it was recorded on (the copy's today then)
    let on = q.change.today.to_string();
    let case = &q.change.case_id;
    let (head, since) = match &q.state {
        QueueState::Waiting => (
            field::status_waiting(lang, q.number, case, &what, &on),
            &[][..],
        ),
        QueueState::Conflict { conflict, since } => (
            field::status_conflict(
                lang,
                q.number,
                case,
                &what,
                &on,
                field::conflict(lang, conflict),
            ),
            &since[..],
        ),
        QueueState::Refused { refusal, since } => (
            field::status_refused(
                lang,
                q.number,
                case,
                &what,
                &on,
                i18n::refusal(lang, refusal),
            ),
            &since[..],
        ),
    };
    let mut lines = vec![head];
    for e in since {
        let at = e.at.get(..16).unwrap_or(&e.at).replace('T', " ");
        lines.push(field::status_between(
            lang,
            &e.actor,
            at,
            i18n::change_label(lang, e.change.kind),
        ));
    }
    lines
}
