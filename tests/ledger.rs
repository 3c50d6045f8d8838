//! The embedded ledger through the `Ledger` interface: several commands in one atomic
//! write, a change told to every subscriber, search by id.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

mod common;

use common::tui::{cases, ctx, d};
use zhengdun::domain::*;
use zhengdun::ledger::{Ledger, Local, StoreError};

fn ledger() -> (tempfile::TempDir, Local) {
    let dir = tempfile::tempdir().unwrap();
    let l = Local::open(&dir.path().join("ledger"), ctx()).unwrap();
    l.import(cases(), Vec::new(), ChangeKind::Imported).unwrap();
    (dir, l)
}

fn adjustment() -> Command {
    Command::Adjust(Adjustment {
        name: "赵某".into(),
        post: Post::Secretary,
        reason: AdjustReason::Aging,
        action: AdjustAction::Removed,
        on: d("2017-09-01"),
        replacement: Some("钱某".into()),
        replacement_source: Some(ReplacementSource::BusinessLeader),
    })
}

#[test]
fn an_adjustment_and_the_advance_it_allows_are_one_write() {
    let (_d, l) = ledger();
    let before = l.history("2017-YG-003").unwrap().len();
    let case = l
        .execute(
            "2017-YG-003",
            &[
                adjustment(),
                Command::Advance {
                    from: Stage::Paired,
                },
            ],
            None,
        )
        .unwrap();
    assert_eq!(case.stage, Stage::CadresAdjusted);
    let history = l.history("2017-YG-003").unwrap();
    let kinds: Vec<ChangeKind> = history[before..].iter().map(|e| e.change.kind).collect();
    assert_eq!(kinds, vec![ChangeKind::Adjusted, ChangeKind::Advanced]);
    assert_eq!(history[before + 1].seq, history[before].seq + 1);
    assert!(l.verify().unwrap().problems.is_empty());
}

#[test]
fn a_refused_command_leaves_the_others_unwritten() {
    let (_d, l) = ledger();
    let before = l.case("2017-YG-003").unwrap();
    let events = l.history("2017-YG-003").unwrap().len();
    // acceptance needs cadres_adjusted: the adjustment before it must not stay behind
    let accept = Command::Accept {
        on: d("2017-09-10"),
        by: "县委组织部".into(),
        score: 90,
        poll_n: 30,
        dissatisfied: 1,
        standards: [true; 6],
        new_deadline: None,
    };
    let err = l
        .execute("2017-YG-003", &[adjustment(), accept], None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            zhengdun::ledger::Error::Store(StoreError::Refused { .. })
        ),
        "{err:?}"
    );
    assert_eq!(l.case("2017-YG-003").unwrap(), before);
    assert_eq!(l.history("2017-YG-003").unwrap().len(), events);
}

#[test]
fn every_subscriber_hears_of_a_change_with_the_new_head() {
    let (_d, l) = ledger();
    let (a, b) = (l.subscribe(), l.subscribe());
    let visit = Command::LogVisit(Visit {
        on: d("2017-09-14"),
        by: "王建国".into(),
        kind: VisitKind::Visit,
        findings: "活动场所已开放。".into(),
    });
    l.execute("2017-YG-007", &[visit], None).unwrap();
    let last = l.history("2017-YG-007").unwrap().pop().unwrap();
    for rx in [a, b] {
        let n = rx.try_recv().expect("a notice for each subscriber");
        assert_eq!(n.case_ids, vec!["2017-YG-007".to_string()]);
        assert_eq!((n.seq, n.head.as_str()), (last.seq, last.hash.as_str()));
    }
}

#[test]
fn search_gives_ids_best_first() {
    let (_d, l) = ledger();
    assert_eq!(l.search("yuanyanghu").unwrap()[0], "2017-YG-007");
    assert!(l.search("没有这个村").unwrap().is_empty());
}

#[test]
fn a_change_based_on_an_old_version_is_refused_naming_who_changed_what() {
    let (_d, l) = ledger();
    let seen = l.case("2017-YG-007").unwrap();
    let version = zhengdun::ledger::case_version(&seen);
    let visit = |findings: &str| {
        Command::LogVisit(Visit {
            on: d("2017-09-14"),
            by: "王建国".into(),
            kind: VisitKind::Visit,
            findings: findings.into(),
        })
    };
    // the version of the case as it is: accepted
    let after = l
        .execute("2017-YG-007", &[visit("第一次")], Some(&version))
        .unwrap();
    // based on the version before that change: refused, nothing written
    let events = l.history("2017-YG-007").unwrap().len();
    let err = l
        .execute("2017-YG-007", &[visit("第二次")], Some(&version))
        .unwrap_err();
    let zhengdun::ledger::Error::Store(StoreError::Stale { id, since }) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(id, "2017-YG-007");
    assert_eq!(since.len(), 1);
    assert_eq!(since[0].change.kind, ChangeKind::Visit);
    assert_eq!(since[0].actor, ctx().actor);
    let message = err.to_string();
    assert!(message.contains("visit by"), "{message}");
    assert_eq!(l.history("2017-YG-007").unwrap().len(), events);
    assert_eq!(l.case("2017-YG-007").unwrap(), after);
    // based on the case as it is now: accepted
    let now = zhengdun::ledger::case_version(&after);
    l.execute("2017-YG-007", &[visit("第二次")], Some(&now))
        .unwrap();
}

#[test]
fn a_group_commit_answers_each_change_on_its_own_and_in_order() {
    let (_d, l) = ledger();
    let ctx = l.ctx().clone();
    let seen = l.case("2017-YG-007").unwrap();
    let version = zhengdun::ledger::case_version(&seen);
    let visit = |findings: &str| {
        [Command::LogVisit(Visit {
            on: d("2017-09-14"),
            by: "王建国".into(),
            kind: VisitKind::Visit,
            findings: findings.into(),
        })]
    };
    let (first, second, third) = (visit("第一次"), visit("第二次"), visit("别的村"));
    let events = l.history("2017-YG-007").unwrap().len();
    let change = |id, commands, expected| zhengdun::ledger::CaseChange {
        id,
        commands,
        ctx: &ctx,
        expected,
    };
    let answers = l.execute_group(&[
        change("2017-YG-007", &first, Some(&version)),
        // based on the same version: the first change of the group made it stale
        change("2017-YG-007", &second, Some(&version)),
        change("NO-SUCH-CASE", &third, None),
        change("2017-YG-003", &third, None),
    ]);
    assert_eq!(answers.len(), 4);
    assert_eq!(
        answers[0].as_ref().unwrap().visits.last().unwrap().findings,
        "第一次"
    );
    assert!(
        matches!(
            &answers[1],
            Err(zhengdun::ledger::Error::Store(StoreError::Stale { .. }))
        ),
        "{:?}",
        answers[1]
    );
    assert!(
        matches!(
            &answers[2],
            Err(zhengdun::ledger::Error::Store(StoreError::NotFound(_)))
        ),
        "{:?}",
        answers[2]
    );
    assert!(answers[3].is_ok());
    assert_eq!(l.history("2017-YG-007").unwrap().len(), events + 1);
    assert!(l.verify().unwrap().problems.is_empty());
}
