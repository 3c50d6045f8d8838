//! Properties of corrections (SPEC §11) in the domain: whatever a correction says, it is
//! applied or refused, never a panic; applied, it changes that entry alone and its history
//! detail keeps what the entry said; refused, the case is as it was. Voiding and bringing
//! back a case leaves it as it was, and a voided case takes no other change.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use chrono::NaiveDate;
use proptest::prelude::*;
use zhengdun::domain::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn today() -> NaiveDate {
    d(2017, 9, 15)
}

/// A case at `cadres_adjusted` with two visits, two tasks (one done) and an adjustment.
fn case() -> Case {
    let mut c = Case::identified(
        "2017-YG-001",
        2017,
        "阳谷县",
        "阿城镇",
        "前进村",
        vec![Situation::SecretaryUnfit],
        d(2017, 3, 10),
    );
    c.stage = Stage::CadresAdjusted;
    c.pairing = Some(Pairing {
        county_leader: "王建国".into(),
        county_leader_account: None,
        township_leader: "李明".into(),
        first_secretary: "张伟".into(),
        first_secretary_unit: "县财政局".into(),
        assisting_unit: String::new(),
        paired_on: Some(d(2017, 3, 25)),
    });
    for (on, by) in [(d(2017, 4, 2), "王建国"), (d(2017, 5, 3), "李明")] {
        c.visits.push(Visit {
            on,
            by: by.into(),
            kind: VisitKind::Unannounced,
            findings: "三会一课记录不全".into(),
        });
    }
    c.tasks.push(Task {
        measure: "规范三会一课".into(),
        responsible: "李明".into(),
        due: d(2017, 6, 30),
        done_on: Some(d(2017, 6, 1)),
    });
    c.tasks.push(Task {
        measure: "选配书记".into(),
        responsible: "李明".into(),
        due: d(2017, 10, 30),
        done_on: None,
    });
    c.adjustments.push(Adjustment {
        name: "孙某".into(),
        post: Post::Secretary,
        reason: AdjustReason::Aging,
        action: AdjustAction::Removed,
        on: d(2017, 4, 1),
        replacement: Some("陈某".into()),
        replacement_source: Some(ReplacementSource::Returnee),
    });
    c
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("  ".to_string()),
        Just("\u{200b}".to_string()),
        "[\u{4e00}-\u{4e2f}a-z =>#/]{1,10}",
    ]
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (2016i32..2019, 1u32..13, 1u32..29).prop_map(|(y, m, day)| d(y, m, day))
}

fn visit() -> impl Strategy<Value = Visit> {
    (date(), text(), 0usize..VisitKind::ALL.len(), text()).prop_map(|(on, by, k, findings)| Visit {
        on,
        by,
        kind: VisitKind::ALL[k],
        findings,
    })
}

fn task() -> impl Strategy<Value = Task> {
    (text(), text(), date(), prop::option::of(date())).prop_map(
        |(measure, responsible, due, done_on)| Task {
            measure,
            responsible,
            due,
            done_on,
        },
    )
}

fn adjustment() -> impl Strategy<Value = Adjustment> {
    (text(), date(), prop::option::of(text())).prop_map(|(name, on, replacement)| Adjustment {
        name,
        post: Post::Director,
        reason: AdjustReason::Inaction,
        action: AdjustAction::Reassigned,
        on,
        replacement_source: replacement.as_ref().map(|_| ReplacementSource::Veteran),
        replacement,
    })
}

fn correction() -> impl Strategy<Value = Command> {
    prop_oneof![
        (0usize..4, visit()).prop_map(|(number, visit)| Command::FixVisit { number, visit }),
        (0usize..4, task()).prop_map(|(number, task)| Command::FixTask { number, task }),
        (0usize..3, adjustment())
            .prop_map(|(number, adjustment)| Command::FixAdjustment { number, adjustment }),
    ]
}

/// The entries a correction may change, each list with the entry `number` taken out.
fn others(c: &Case, cmd: &Command) -> (Vec<Visit>, Vec<Task>, Vec<Adjustment>) {
    let without = |n: usize, len: usize| move |i: &usize| *i + 1 != n || n > len;
    let (mut v, mut t, mut a) = (c.visits.clone(), c.tasks.clone(), c.adjustments.clone());
    match cmd {
        Command::FixVisit { number, .. } => {
            let keep: Vec<usize> = (0..v.len()).filter(without(*number, v.len())).collect();
            v = keep.iter().map(|i| v[*i].clone()).collect();
        }
        Command::FixTask { number, .. } => {
            let keep: Vec<usize> = (0..t.len()).filter(without(*number, t.len())).collect();
            t = keep.iter().map(|i| t[*i].clone()).collect();
        }
        Command::FixAdjustment { number, .. } => {
            let keep: Vec<usize> = (0..a.len()).filter(without(*number, a.len())).collect();
            a = keep.iter().map(|i| a[*i].clone()).collect();
        }
        _ => {}
    }
    (v, t, a)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn a_correction_changes_its_entry_alone_or_nothing(cmd in correction()) {
        let before = case();
        match apply(&before, &cmd, today(), &Policy::default()) {
            Err(_) => {}
            Ok((after, change)) => {
                // the rest of the case as it was
                prop_assert_eq!(others(&before, &cmd), others(&after, &cmd));
                prop_assert_eq!(&before.stage, &after.stage);
                prop_assert_eq!(&before.problems, &after.problems);
                // the entry now reads as the correction says, and the detail keeps the old
                let number = match &cmd {
                    Command::FixVisit { number, visit } => {
                        prop_assert_eq!(&after.visits[number - 1], visit);
                        let old = &before.visits[number - 1];
                        prop_assert!(change.detail.contains(&old.on.to_string()));
                        *number
                    }
                    Command::FixTask { number, task } => {
                        prop_assert_eq!(&after.tasks[number - 1], task);
                        prop_assert!(change.detail.contains(&before.tasks[number - 1].measure));
                        *number
                    }
                    Command::FixAdjustment { number, adjustment } => {
                        prop_assert_eq!(&after.adjustments[number - 1], adjustment);
                        let old = &before.adjustments[number - 1];
                        prop_assert!(change.detail.contains(&old.name));
                        *number
                    }
                    _ => unreachable!(),
                };
                let prefix = format!("#{} ", number);
                prop_assert!(change.detail.starts_with(&prefix));
                prop_assert!(change.detail.contains(" => "));
                prop_assert!(check_case(&after, &Policy::default()).is_ok());
            }
        }
    }

    #[test]
    fn void_then_unvoid_is_the_case_as_it_was(
        reason in text(),
        on in date(),
        then in prop::collection::vec(correction(), 0..3),
    ) {
        let before = case();
        let void = Command::Void { on, reason };
        let Ok((voided, _)) = apply(&before, &void, today(), &Policy::default()) else {
            return Ok(());
        };
        prop_assert!(voided.voided.is_some());
        for cmd in &then {
            let refused = apply(&voided, cmd, today(), &Policy::default());
            prop_assert!(matches!(refused, Err(Refusal::Voided { .. })), "{:?}", refused);
        }
        let unvoid = Command::Unvoid { reason: String::new() };
        let (back, _) = apply(&voided, &unvoid, today(), &Policy::default()).unwrap();
        prop_assert_eq!(back, before);
    }
}
