//! How a change made on a field copy (SPEC §10) joins the county's ledger when it is synced:
//! a pure decision on the change, the case as the server holds it now, and whether someone
//! else changed that case since the copy last took it from the server.
//!
//! A visit, a task added or a task done is a fact: it happened, whatever else happened to
//! the case meanwhile, so it is applied (a task done is found again by what it is, since
//! someone may have added a task before it on the server). Every other change — pair,
//! adjust, advance, accept, reopen, an edit, and anything new — decides where a case stands,
//! and on a case someone else changed meanwhile it is a conflict, never merged silently:
//! the person who made it looks at what happened and redoes it, or drops it.

use serde::{Deserialize, Serialize};

use super::case::{Case, Task};
use super::machine::Command;

/// What a queued change becomes on the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Merge {
    /// Applied as these commands, through the same authorisation and guards as any change.
    Apply(Vec<Command>),
    /// Not applied: the person who made it decides.
    Conflict(Conflict),
}

/// Why a queued change was not applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Conflict {
    /// A change of where the case stands, on a case that these people changed since the
    /// copy was taken.
    ChangedMeanwhile { by: Vec<String> },
    /// A task marked done on the copy that the server's case no longer has as it was
    /// (its number, what it says): `number` on the copy.
    TaskNotFound { number: usize, measure: String },
}

/// Whether a command records a fact (a visit, a task, a task done) rather than moving or
/// deciding where the case stands.
pub fn is_fact(cmd: &Command) -> bool {
    matches!(
        cmd,
        Command::LogVisit(_) | Command::AddTask(_) | Command::FinishTask { .. }
    )
}

/// The merge of one queued change (`commands`, made on a copy whose case had the plan
/// `tasks_seen`) into the server's case `now`. `others` are the names of the people other
/// than the change's own author who changed the case since the copy last took it from the
/// server (empty: nobody did, and the change applies as it was made).
pub fn merge(commands: &[Command], tasks_seen: &[Task], now: &Case, others: &[String]) -> Merge {
    if !others.is_empty() && !commands.iter().all(is_fact) {
        return Merge::Conflict(Conflict::ChangedMeanwhile {
            by: others.to_vec(),
        });
    }
    // tasks added by this same change come after the server's own
    let mut plan: Vec<Task> = now.tasks.clone();
    let mut out = Vec::with_capacity(commands.len());
    for cmd in commands {
        match cmd {
            Command::FinishTask { number, on } => {
                let seen = number.checked_sub(1).and_then(|i| tasks_seen.get(i));
                let found = match seen {
                    // the copy's task, found again on the server by what it says
                    Some(seen) => plan.iter().position(|t| same_task(t, seen)),
                    // a number the copy never had: the guard says so, as it would there
                    None => number.checked_sub(1),
                };
                match found {
                    Some(i) => out.push(Command::FinishTask {
                        number: i + 1,
                        on: *on,
                    }),
                    None => {
                        return Merge::Conflict(Conflict::TaskNotFound {
                            number: *number,
                            measure: seen.map(|t| t.measure.clone()).unwrap_or_default(),
                        })
                    }
                }
            }
            Command::AddTask(t) => {
                plan.push(t.clone());
                out.push(cmd.clone());
            }
            other => out.push(other.clone()),
        }
    }
    Merge::Apply(out)
}

fn same_task(a: &Task, b: &Task) -> bool {
    (a.measure.trim(), a.responsible.trim(), a.due)
        == (b.measure.trim(), b.responsible.trim(), b.due)
}

/// One change made on a field copy, as its outbox keeps it and the server receives it:
/// everything the server needs to apply it later as it was made, with no "today" left to
/// fill in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedChange {
    /// The operation's id, unique to the copy (`<copy>-<number>`): the server applies an
    /// id once, and acknowledges it again without applying it when it comes back.
    pub op: String,
    /// The roster account of the copy's owner.
    pub account: String,
    pub case_id: String,
    /// The commands, with every date they record.
    pub commands: Vec<Command>,
    /// The version of the case it was made on (the hash its last event recorded).
    pub base: String,
    /// The number of the server's last event the copy had taken when it was made.
    pub head_seq: u64,
    /// The day it was made: the day a stage move is made on, as "today" was on the copy.
    pub today: chrono::NaiveDate,
    /// When it was made (local time, RFC 3339).
    pub at: String,
    /// The case's plan as the copy had it, to find a finished task again on the server.
    pub tasks_seen: Vec<Task>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Stage, Visit, VisitKind};
    use chrono::NaiveDate;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2017, 9, d).unwrap_or_default()
    }

    fn task(measure: &str) -> Task {
        Task {
            measure: measure.into(),
            responsible: "村委会".into(),
            due: day(30),
            done_on: None,
        }
    }

    fn case() -> Case {
        serde_json::from_str(
            r#"{"id": "2017-YG-017", "year": 2017, "county": "阳谷县", "township": "石佛镇",
                "village": "西菜园村", "situations": ["other"], "identified_on": "2017-04-03",
                "stage": "paired"}"#,
        )
        .unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn visit() -> Command {
        Command::LogVisit(Visit {
            on: day(10),
            by: "孙立华".into(),
            kind: VisitKind::Visit,
            findings: "走访".into(),
        })
    }

    #[test]
    fn facts_apply_on_a_case_that_moved_on_and_stage_moves_conflict() {
        let now = case();
        let others = ["王主任".to_string()];
        assert_eq!(
            merge(&[visit()], &[], &now, &others),
            Merge::Apply(vec![visit()])
        );
        let advance = Command::Advance {
            from: Stage::Paired,
        };
        assert_eq!(
            merge(std::slice::from_ref(&advance), &[], &now, &others),
            Merge::Conflict(Conflict::ChangedMeanwhile {
                by: others.to_vec()
            })
        );
        // a change that moves the stage is a conflict even beside a fact
        assert!(matches!(
            merge(&[visit(), advance.clone()], &[], &now, &others),
            Merge::Conflict(_)
        ));
        // nobody else changed the case: the guards decide, as if typed there
        assert_eq!(
            merge(std::slice::from_ref(&advance), &[], &now, &[]),
            Merge::Apply(vec![advance])
        );
    }

    #[test]
    fn a_task_done_is_found_again_by_what_it_says() {
        let seen = [task("修路"), task("建活动室")];
        let mut now = case();
        // the server has a task the copy had not seen, before the copy's
        now.tasks = vec![task("清理河道"), task("修路"), task("建活动室")];
        let done = Command::FinishTask {
            number: 2,
            on: day(12),
        };
        assert_eq!(
            merge(&[done], &seen, &now, &["王主任".into()]),
            Merge::Apply(vec![Command::FinishTask {
                number: 3,
                on: day(12)
            }])
        );
        now.tasks = vec![task("清理河道")];
        let done = Command::FinishTask {
            number: 1,
            on: day(12),
        };
        assert_eq!(
            merge(&[done], &seen, &now, &[]),
            Merge::Conflict(Conflict::TaskNotFound {
                number: 1,
                measure: "修路".into()
            })
        );
    }
}
