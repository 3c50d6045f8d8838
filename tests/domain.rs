//! The state machine, (stage, command) → (stage, change) or refusal, for every transition and
//! every refusal of SPEC §3, and the verdict at its boundaries.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use zhengdun::domain::*;

mod common;
use common::d;

const TODAY: &str = "2017-11-15";

fn fresh() -> Case {
    Case {
        problems: "书记不在状态".into(),
        ..Case::identified(
            "2017-YG-003",
            2017,
            "阳谷县",
            "阿城镇",
            "前进村",
            vec![Situation::SecretaryUnfit],
            d("2017-03-10"),
        )
    }
}

fn run(c: &Case, cmd: Command) -> Result<(Case, Change), Refusal> {
    apply(c, &cmd, d(TODAY), &Policy::default())
}

fn pair_all() -> Command {
    pair_on("2017-03-25")
}

fn pair_on(on: &str) -> Command {
    Command::Pair {
        county_leader: Some("王建国".into()),
        county_leader_account: None,
        township_leader: Some("李明".into()),
        first_secretary: Some("张伟".into()),
        first_secretary_unit: Some("县财政局".into()),
        assisting_unit: Some("县供电公司".into()),
        on: Some(d(on)),
    }
}

fn adjustment() -> Adjustment {
    Adjustment {
        name: "赵老三".into(),
        post: Post::Secretary,
        reason: AdjustReason::Aging,
        action: AdjustAction::Removed,
        on: d("2017-05-01"),
        replacement: Some("孙小军".into()),
        replacement_source: Some(ReplacementSource::Returnee),
    }
}

fn accept(
    score: u32,
    dissatisfied: u32,
    standards: [bool; 6],
    new_deadline: Option<&str>,
) -> Command {
    Command::Accept {
        on: d("2017-11-01"),
        by: "县委组织部".into(),
        score,
        poll_n: 15,
        dissatisfied,
        standards,
        new_deadline: new_deadline.map(d),
    }
}

fn at_cadres_adjusted() -> Case {
    let (c, _) = run(&fresh(), pair_all()).unwrap();
    let (c, _) = run(&c, Command::Adjust(adjustment())).unwrap();
    let (c, _) = run(&c, Command::Advance { from: c.stage }).unwrap();
    assert_eq!(c.stage, Stage::CadresAdjusted);
    c
}

#[test]
fn pairing_advances_identified_to_paired() {
    let (c, ch) = run(&fresh(), pair_all()).unwrap();
    assert_eq!(
        (ch.from, ch.to, ch.kind),
        (Stage::Identified, Stage::Paired, ChangeKind::Paired)
    );
    assert_eq!(c.pairing.unwrap().paired_on, Some(d("2017-03-25")));
}

#[test]
fn incomplete_pairing_is_refused_naming_each_missing_person() {
    let r = run(
        &fresh(),
        Command::Pair {
            county_leader: Some("王建国".into()),
            county_leader_account: None,
            township_leader: None,
            first_secretary: Some("  ".into()),
            first_secretary_unit: None,
            assisting_unit: None,
            on: None,
        },
    )
    .unwrap_err();
    assert_eq!(
        r,
        Refusal::PairingIncomplete {
            missing: vec![
                Field::TownshipLeader,
                Field::FirstSecretary,
                Field::FirstSecretaryUnit
            ]
        }
    );
}

#[test]
fn advance_from_identified_needs_the_pairing() {
    assert_eq!(
        run(
            &fresh(),
            Command::Advance {
                from: Stage::Identified
            }
        )
        .unwrap_err(),
        Refusal::PairingIncomplete {
            missing: vec![
                Field::CountyLeader,
                Field::TownshipLeader,
                Field::FirstSecretary,
                Field::FirstSecretaryUnit
            ]
        }
    );
}

#[test]
fn updating_a_pairing_later_keeps_the_stage_and_the_pairing_date() {
    let c = at_cadres_adjusted();
    let (c2, ch) = run(
        &c,
        Command::Pair {
            county_leader: None,
            county_leader_account: None,
            township_leader: None,
            first_secretary: Some("刘洋".into()),
            first_secretary_unit: Some("县农业农村局".into()),
            assisting_unit: None,
            on: None,
        },
    )
    .unwrap();
    assert_eq!(ch.to, Stage::CadresAdjusted);
    let p = c2.pairing.unwrap();
    assert_eq!(p.first_secretary, "刘洋");
    assert_eq!(p.county_leader, "王建国");
    assert_eq!(p.paired_on, Some(d("2017-03-25")));
}

#[test]
fn cadres_adjusted_needs_an_adjustment_or_a_reason() {
    let (c, _) = run(&fresh(), pair_all()).unwrap();
    assert_eq!(
        run(&c, Command::Advance { from: c.stage }).unwrap_err(),
        Refusal::NoAdjustment
    );
    let (with_reason, _) = run(
        &c,
        Command::NoAdjustment {
            reason: "班子结构合理，经考察无需调整".into(),
        },
    )
    .unwrap();
    assert_eq!(
        run(
            &with_reason,
            Command::Advance {
                from: with_reason.stage
            }
        )
        .unwrap()
        .0
        .stage,
        Stage::CadresAdjusted
    );
    let (with_adj, ch) = run(&c, Command::Adjust(adjustment())).unwrap();
    assert_eq!(ch.kind, ChangeKind::Adjusted);
    assert_eq!(
        run(
            &with_adj,
            Command::Advance {
                from: with_adj.stage
            }
        )
        .unwrap()
        .0
        .stage,
        Stage::CadresAdjusted
    );
    assert_eq!(
        run(&c, Command::NoAdjustment { reason: " ".into() }).unwrap_err(),
        Refusal::Empty {
            field: Field::NoAdjustmentReason
        }
    );
}

#[test]
fn accepted_needs_a_pass_and_every_task_done() {
    let mut c = at_cadres_adjusted();
    assert_eq!(
        run(&c, Command::Advance { from: c.stage }).unwrap_err(),
        Refusal::NoPassingAcceptance
    );
    c.tasks.push(Task {
        measure: "规范三会一课".into(),
        responsible: "李明".into(),
        due: d("2017-09-30"),
        done_on: None,
    });
    // a pass with an open task is recorded but does not close the case
    let (c, ch) = run(&c, accept(85, 2, [true; 6], None)).unwrap();
    assert_eq!(
        (ch.kind, ch.to),
        (ChangeKind::Acceptance, Stage::CadresAdjusted)
    );
    assert_eq!(c.acceptance.last().unwrap().verdict, Verdict::Pass);
    assert_eq!(
        run(&c, Command::Advance { from: c.stage }).unwrap_err(),
        Refusal::TasksOpen { numbers: vec![1] }
    );
    let (c, _) = run(
        &c,
        Command::FinishTask {
            number: 1,
            on: d(TODAY),
        },
    )
    .unwrap();
    let (c, ch) = run(&c, Command::Advance { from: c.stage }).unwrap();
    assert_eq!((ch.from, ch.to), (Stage::CadresAdjusted, Stage::Accepted));
    assert_eq!(c.closed_on, Some(d(TODAY)));
    assert_eq!(
        run(&c, Command::Advance { from: c.stage }).unwrap_err(),
        Refusal::AlreadyAccepted
    );
}

#[test]
fn a_pass_with_all_tasks_done_closes_the_case_on_the_attempt_date() {
    let (c, ch) = run(&at_cadres_adjusted(), accept(70, 7, [true; 6], None)).unwrap();
    assert_eq!(ch.to, Stage::Accepted);
    assert_eq!(c.closed_on, Some(d("2017-11-01")));
}

#[test]
fn acceptance_only_from_cadres_adjusted() {
    let (paired, _) = run(&fresh(), pair_all()).unwrap();
    assert_eq!(
        run(&paired, accept(90, 0, [true; 6], None)).unwrap_err(),
        Refusal::NotReadyForAcceptance {
            stage: Stage::Paired
        }
    );
}

#[test]
fn verdict_boundaries() {
    let p = Policy::default();
    let all = [true; 6];
    // score: 69 fails, 70 passes
    assert_eq!(verdict(69, 15, 0, &all, &p), Verdict::Fail);
    assert_eq!(verdict(70, 15, 0, &all, &p), Verdict::Pass);
    // poll: exactly 50 % dissatisfied passes, 51 % fails
    assert_eq!(verdict(80, 100, 50, &all, &p), Verdict::Pass);
    assert_eq!(verdict(80, 100, 51, &all, &p), Verdict::Fail);
    assert_eq!(verdict(80, 15, 7, &all, &p), Verdict::Pass); // 46.7 %
    assert_eq!(verdict(80, 15, 8, &all, &p), Verdict::Fail); // 53.3 %
                                                             // one unmet standard with a good score and poll: basic pass
    let mut five = all;
    five[3] = false;
    assert_eq!(verdict(90, 15, 1, &five, &p), Verdict::BasicPass);
    // a bad poll or score is a fail whatever the standards
    assert_eq!(verdict(90, 15, 8, &five, &p), Verdict::Fail);
    assert_eq!(verdict(60, 15, 0, &five, &p), Verdict::Fail);
    // the policy moves the pass mark
    let strict = Policy {
        pass_mark: 75,
        ..Policy::default()
    };
    assert_eq!(verdict(74, 15, 0, &all, &strict), Verdict::Fail);
}

#[test]
fn a_fail_needs_a_later_new_deadline_and_keeps_the_attempt() {
    let c = at_cadres_adjusted();
    assert_eq!(
        run(&c, accept(60, 2, [true; 6], None)).unwrap_err(),
        Refusal::FailNeedsNewDeadline
    );
    assert_eq!(
        run(&c, accept(60, 2, [true; 6], Some("2017-10-01"))).unwrap_err(),
        Refusal::DeadlineNotAfter {
            new_deadline: d("2017-10-01"),
            on: d("2017-11-01")
        }
    );
    let (c, ch) = run(&c, accept(60, 2, [true; 6], Some("2018-03-31"))).unwrap();
    assert_eq!(
        (ch.kind, ch.to),
        (ChangeKind::Acceptance, Stage::CadresAdjusted)
    );
    assert_eq!(c.deadline, Some(d("2018-03-31")));
    assert_eq!(c.acceptance.len(), 1);
    assert_eq!(c.acceptance[0].verdict, Verdict::Fail);
}

#[test]
fn a_basic_pass_sets_the_deadline_six_months_on() {
    let mut five = [true; 6];
    five[0] = false;
    let (c, ch) = run(&at_cadres_adjusted(), accept(80, 1, five, None)).unwrap();
    assert_eq!(ch.to, Stage::CadresAdjusted);
    assert_eq!(c.acceptance[0].verdict, Verdict::BasicPass);
    assert_eq!(c.deadline, Some(d("2018-05-01")));
}

#[test]
fn acceptance_inputs_out_of_range_are_refused() {
    let c = at_cadres_adjusted();
    assert!(matches!(
        run(&c, accept(101, 0, [true; 6], None)),
        Err(Refusal::OutOfRange {
            field: Field::Score,
            ..
        })
    ));
    assert!(matches!(
        run(&c, accept(80, 16, [true; 6], None)),
        Err(Refusal::OutOfRange {
            field: Field::PollDissatisfied,
            ..
        })
    ));
}

#[test]
fn reopen_goes_back_with_a_reason_and_clears_the_closing() {
    let (c, _) = run(&at_cadres_adjusted(), accept(88, 1, [true; 6], None)).unwrap();
    assert_eq!(c.stage, Stage::Accepted);
    assert_eq!(
        run(
            &c,
            Command::Reopen {
                deadline: None,
                to: Stage::Accepted,
                reason: "x".into()
            }
        )
        .unwrap_err(),
        Refusal::ReopenNotEarlier {
            from: Stage::Accepted,
            to: Stage::Accepted
        }
    );
    assert_eq!(
        run(
            &c,
            Command::Reopen {
                deadline: None,
                to: Stage::Paired,
                reason: "".into()
            }
        )
        .unwrap_err(),
        Refusal::Empty {
            field: Field::Reason
        }
    );
    let (c, ch) = run(
        &c,
        Command::Reopen {
            deadline: None,
            to: Stage::Paired,
            reason: "回头看发现问题反弹".into(),
        },
    )
    .unwrap();
    assert_eq!(
        (ch.from, ch.to, ch.kind),
        (Stage::Accepted, Stage::Paired, ChangeKind::Reopened)
    );
    assert_eq!(ch.note, "回头看发现问题反弹");
    assert_eq!(c.closed_on, None);
    assert!(check_case(&c, &Policy::default()).is_ok());
}

/// A reopened case is accepted anew: the pass from before the reopen stays on record but
/// no longer closes it, neither through `advance` nor when it is imported back.
#[test]
fn a_reopen_voids_the_earlier_pass() {
    let (c, _) = run(&at_cadres_adjusted(), accept(88, 1, [true; 6], None)).unwrap();
    let reopen = Command::Reopen {
        deadline: None,
        to: Stage::CadresAdjusted,
        reason: "群众反映问题反弹".into(),
    };
    let (c, _) = run(&c, reopen).unwrap();
    assert_eq!((c.stage, c.voided_attempts), (Stage::CadresAdjusted, 1));
    assert_eq!(
        run(&c, Command::Advance { from: c.stage }).unwrap_err(),
        Refusal::NoPassingAcceptance
    );
    let mut forged = c.clone();
    forged.stage = Stage::Accepted;
    forged.closed_on = Some(d("2017-11-01"));
    assert!(check_case(&forged, &Policy::default()).is_err());
    let json = serde_json::to_string(&c).unwrap();
    assert!(json.contains(r#""voided_attempts":1"#), "{json}");
    assert_eq!(serde_json::from_str::<Case>(&json).unwrap(), c);
    let (c, _) = run(&c, accept(90, 0, [true; 6], None)).unwrap();
    assert_eq!((c.stage, c.acceptance.len()), (Stage::Accepted, 2));
}

#[test]
fn tasks_and_visits() {
    let c = fresh();
    let (c, ch) = run(
        &c,
        Command::AddTask(Task {
            measure: "建立村务公开栏".into(),
            responsible: "李明".into(),
            due: d("2017-07-01"),
            done_on: None,
        }),
    )
    .unwrap();
    assert_eq!(ch.kind, ChangeKind::TaskAdded);
    assert_eq!(
        run(
            &c,
            Command::FinishTask {
                number: 2,
                on: d(TODAY)
            }
        )
        .unwrap_err(),
        Refusal::NoSuchTask {
            number: 2,
            count: 1
        }
    );
    assert_eq!(
        run(
            &c,
            Command::FinishTask {
                number: 0,
                on: d(TODAY)
            }
        )
        .unwrap_err(),
        Refusal::NoSuchTask {
            number: 0,
            count: 1
        }
    );
    let (c, _) = run(
        &c,
        Command::FinishTask {
            number: 1,
            on: d(TODAY),
        },
    )
    .unwrap();
    assert_eq!(c.tasks[0].done_on, Some(d(TODAY)));
    assert_eq!(
        run(
            &c,
            Command::FinishTask {
                number: 1,
                on: d(TODAY)
            }
        )
        .unwrap_err(),
        Refusal::TaskAlreadyDone { number: 1 }
    );
    let visit = |findings: &str| {
        Command::LogVisit(Visit {
            on: d(TODAY),
            by: "王建国".into(),
            kind: VisitKind::Unannounced,
            findings: findings.into(),
        })
    };
    assert_eq!(
        run(&c, visit("")).unwrap_err(),
        Refusal::Empty {
            field: Field::Findings
        }
    );
    let (c, ch) = run(&c, visit("三会一课记录不全")).unwrap();
    assert_eq!(
        (ch.kind, ch.from, ch.to),
        (ChangeKind::Visit, Stage::Identified, Stage::Identified)
    );
    assert_eq!(c.visits.len(), 1);
}

#[test]
fn an_accepted_case_takes_visits_but_no_plan_changes() {
    let (c, _) = run(&at_cadres_adjusted(), accept(88, 1, [true; 6], None)).unwrap();
    assert_eq!(
        run(&c, Command::Adjust(adjustment())).unwrap_err(),
        Refusal::AlreadyAccepted
    );
    assert_eq!(run(&c, pair_all()).unwrap_err(), Refusal::AlreadyAccepted);
    assert!(run(
        &c,
        Command::LogVisit(Visit {
            on: d(TODAY),
            by: "王建国".into(),
            kind: VisitKind::Visit,
            findings: "回头看：运转正常".into(),
        })
    )
    .is_ok());
}

#[test]
fn a_refusal_leaves_the_case_untouched() {
    let c = fresh();
    let before = c.clone();
    let _ = run(&c, Command::Advance { from: c.stage });
    assert_eq!(c, before);
}

#[test]
fn check_case_catches_every_stage_contradiction() {
    let p = Policy::default();
    let mut c = fresh();
    assert!(check_case(&c, &p).is_ok());
    c.stage = Stage::Paired;
    assert!(matches!(
        check_case(&c, &p),
        Err(Refusal::Contradiction { .. })
    ));
    let (mut c, _) = run(&fresh(), pair_all()).unwrap();
    c.stage = Stage::CadresAdjusted;
    assert!(matches!(
        check_case(&c, &p),
        Err(Refusal::Contradiction { .. })
    ));
    let mut c = at_cadres_adjusted();
    c.closed_on = Some(d("2017-11-01"));
    assert!(matches!(
        check_case(&c, &p),
        Err(Refusal::Contradiction { .. })
    ));
    // accepted with no attempt on record: accepted before it came into the ledger (a flat
    // CSV/xlsx row with its 销号日期); with attempts, one of them must be a pass
    c.stage = Stage::Accepted;
    assert!(check_case(&c, &p).is_ok());
    let basic = [true, true, true, true, true, false];
    let (mut c, _) = run(&at_cadres_adjusted(), accept(88, 1, basic, None)).unwrap();
    c.stage = Stage::Accepted;
    c.closed_on = Some(d("2017-11-01"));
    assert!(matches!(
        check_case(&c, &p),
        Err(Refusal::Contradiction { .. })
    ));
    // a verdict that its numbers do not give is refused
    let (mut c, _) = run(&at_cadres_adjusted(), accept(88, 1, [true; 6], None)).unwrap();
    assert!(check_case(&c, &p).is_ok());
    c.acceptance[0].score = 50;
    assert!(matches!(
        check_case(&c, &p),
        Err(Refusal::VerdictNotDerived { .. })
    ));
}

/// Dates of things that happened cannot be after today, nor (but for visits, which may
/// belong to the investigation) before the case was identified; a visit names its visitor.
#[test]
fn dates_that_cannot_be_and_a_visit_without_a_visitor_are_refused() {
    let c = fresh();
    let bad = run(&c, pair_on("2017-03-01")).unwrap_err();
    assert_eq!(
        bad,
        Refusal::BeforeIdentified {
            field: Field::PairedOn,
            date: d("2017-03-01"),
            identified_on: d("2017-03-10")
        }
    );
    assert!(bad.is_bad_value());
    assert!(matches!(
        run(&c, pair_on("2099-01-01")).unwrap_err(),
        Refusal::AfterToday {
            field: Field::PairedOn,
            ..
        }
    ));
    let visit = |on: &str, by: &str| {
        Command::LogVisit(Visit {
            on: d(on),
            by: by.into(),
            kind: VisitKind::Visit,
            findings: "群众反映较好".into(),
        })
    };
    assert!(run(&c, visit("2017-03-01", "王建国")).is_ok());
    assert!(matches!(
        run(&c, visit("2099-01-01", "王建国")).unwrap_err(),
        Refusal::AfterToday {
            field: Field::On,
            ..
        }
    ));
    assert_eq!(
        run(&c, visit("2017-05-01", " ")).unwrap_err(),
        Refusal::Empty { field: Field::By }
    );
    let c = at_cadres_adjusted();
    assert!(matches!(
        run(
            &c,
            Command::Accept {
                on: d("2099-01-01"),
                by: "县委组织部".into(),
                score: 90,
                poll_n: 15,
                dissatisfied: 0,
                standards: [true; 6],
                new_deadline: None,
            }
        )
        .unwrap_err(),
        Refusal::AfterToday { .. }
    ));
    let mut late = fresh();
    late.deadline = Some(d("2016-12-31"));
    assert!(matches!(
        check_case(&late, &Policy::default()).unwrap_err(),
        Refusal::BeforeIdentified {
            field: Field::Deadline,
            ..
        }
    ));
}

/// Every date a command records is in the command: a first pairing without a date is
/// refused rather than dated "today" by whoever applies it, and a later one keeps its date.
#[test]
fn a_pairing_date_comes_with_the_command() {
    let Command::Pair {
        county_leader,
        township_leader,
        first_secretary,
        first_secretary_unit,
        assisting_unit,
        ..
    } = pair_all()
    else {
        unreachable!()
    };
    let undated = Command::Pair {
        county_leader,
        county_leader_account: None,
        township_leader,
        first_secretary,
        first_secretary_unit,
        assisting_unit,
        on: None,
    };
    assert_eq!(
        run(&fresh(), undated.clone()).unwrap_err(),
        Refusal::Empty {
            field: Field::PairedOn
        }
    );
    let (paired, _) = run(&fresh(), pair_all()).unwrap();
    let (again, _) = run(&paired, undated).unwrap();
    assert_eq!(again.pairing.unwrap().paired_on, Some(d("2017-03-25")));
}

#[test]
fn a_refusal_goes_over_the_wire_and_back_with_its_fields_by_code() {
    for f in Field::ALL {
        let r = Refusal::Empty { field: *f };
        let wire = serde_json::to_string(&r).unwrap();
        assert!(wire.contains(&format!("\"{}\"", f.code())), "{wire}");
        assert_eq!(serde_json::from_str::<Refusal>(&wire).unwrap(), r);
    }
    let r = Refusal::PairingIncomplete {
        missing: vec![Field::CountyLeader, Field::FirstSecretaryUnit],
    };
    let wire = serde_json::to_string(&r).unwrap();
    assert_eq!(serde_json::from_str::<Refusal>(&wire).unwrap(), r);
    assert!(serde_json::from_str::<Field>("\"no_such_field\"").is_err());
}
