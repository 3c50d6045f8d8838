//! Statistics checked against counts worked out by hand on a small ledger.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use chrono::NaiveDate;
use zhengdun::domain::*;
use zhengdun::stats::{self, ANNUAL_TYPES};

mod common;
use common::d;

fn case(id: &str, county: &str, township: &str, stage: Stage) -> Case {
    Case {
        stage,
        ..Case::identified(
            id,
            2017,
            county,
            township,
            format!("{id}村"),
            vec![Situation::PoorService],
            d("2017-03-10"),
        )
    }
}

fn paired(mut c: Case, leader: &str, on: &str) -> Case {
    c.pairing = Some(Pairing {
        county_leader: leader.into(),
        county_leader_account: None,
        township_leader: format!("{leader}乡"),
        first_secretary: format!("{}书记", c.id),
        first_secretary_unit: "县财政局".into(),
        assisting_unit: "县财政局".into(),
        paired_on: Some(d(on)),
    });
    c
}

fn adj(post: Post, action: AdjustAction) -> Adjustment {
    Adjustment {
        name: "某".into(),
        post,
        reason: AdjustReason::Aging,
        action,
        on: d("2017-05-01"),
        replacement: None,
        replacement_source: None,
    }
}

fn attempt(on: &str, score: u8, standards: [bool; 6], verdict: Verdict) -> Acceptance {
    Acceptance {
        on: d(on),
        by: "验收组".into(),
        score,
        poll_n: 10,
        poll_dissatisfied: 1,
        standards,
        verdict,
    }
}

fn visit(on: &str, by: &str) -> Visit {
    Visit {
        on: d(on),
        by: by.into(),
        kind: VisitKind::Visit,
        findings: "走访".into(),
    }
}

/// Today 2017-07-01. By hand:
/// - A1 阳谷县/阿城镇 identified 03-10 → due 04-09 → overdue 83 days.
/// - A2 阳谷县/阿城镇 paired 03-20 by 王 → due 06-18 → overdue 13 days; 王 visited 06-20.
/// - A3 阳谷县/阿城镇 cadres_adjusted (secretary removed + member), deadline 12-31, a task due
///   06-30 open → overdue 1 day; one fail attempt.
/// - B1 阳谷县/七级镇 cadres_adjusted, no adjustment needed, basic_pass then … not overdue.
/// - C1 莘县/张鲁镇 accepted, secretary filled, fail then pass; 李's only case is accepted.
/// - C2 莘县/张鲁镇 paired 06-15 by 赵 (never visited, but paired 16 days ago) → due 09-13.
/// - C3 莘县/张鲁镇 paired 04-01 by 钱 → due 06-30 → overdue 1 day; 钱 visited 05-01.
fn ledger() -> Vec<Case> {
    let mut a3 = paired(
        case("A3", "阳谷县", "阿城镇", Stage::CadresAdjusted),
        "王",
        "2017-03-20",
    );
    a3.adjustments = vec![
        adj(Post::Secretary, AdjustAction::Removed),
        adj(Post::Member, AdjustAction::Resigned),
    ];
    a3.tasks.push(Task {
        measure: "建活动室".into(),
        responsible: "乙".into(),
        due: d("2017-06-30"),
        done_on: None,
    });
    a3.acceptance
        .push(attempt("2017-06-01", 60, [true; 6], Verdict::Fail));
    a3.situations = vec![Situation::SecretaryUnfit, Situation::NoCollectiveIncome];
    let mut a2 = paired(
        case("A2", "阳谷县", "阿城镇", Stage::Paired),
        "王",
        "2017-03-20",
    );
    a2.visits.push(visit("2017-06-20", "王"));
    let mut b1 = paired(
        case("B1", "阳谷县", "七级镇", Stage::CadresAdjusted),
        "王",
        "2017-04-01",
    );
    b1.no_adjustment_reason = Some("班子健全".into());
    b1.acceptance.push(attempt(
        "2017-06-15",
        80,
        [true, true, true, true, true, false],
        Verdict::BasicPass,
    ));
    b1.deadline = Some(d("2017-12-15"));
    let mut c1 = paired(
        case("C1", "莘县", "张鲁镇", Stage::Accepted),
        "李",
        "2017-03-20",
    );
    c1.adjustments = vec![adj(Post::Secretary, AdjustAction::Filled)];
    c1.acceptance = vec![
        attempt("2017-05-01", 50, [true; 6], Verdict::Fail),
        attempt("2017-06-01", 90, [true; 6], Verdict::Pass),
    ];
    c1.closed_on = Some(d("2017-06-01"));
    c1.situations = vec![Situation::LeadershipIncomplete, Situation::PoorService];
    let c2 = paired(
        case("C2", "莘县", "张鲁镇", Stage::Paired),
        "赵",
        "2017-06-15",
    );
    let mut c3 = paired(
        case("C3", "莘县", "张鲁镇", Stage::Paired),
        "钱",
        "2017-04-01",
    );
    c3.visits.push(visit("2017-05-01", "钱"));
    c3.visits.push(visit("2017-06-25", "某干部"));
    vec![
        case("A1", "阳谷县", "阿城镇", Stage::Identified),
        a2,
        a3,
        b1,
        c1,
        c2,
        c3,
    ]
}

#[test]
fn counts_per_county_and_township_match_the_hand_count() {
    let cases = ledger();
    let s = stats::compute(&cases, &[], d("2017-07-01"), &Policy::default());
    assert_eq!(s.total.cases, 7);
    assert_eq!(s.total.by_stage.identified, 1);
    assert_eq!(s.total.by_stage.paired, 3);
    assert_eq!(s.total.by_stage.cadres_adjusted, 2);
    assert_eq!(s.total.by_stage.accepted, 1);
    assert_eq!(s.total.overdue, 4, "A1, A2, A3, C3");
    assert_eq!(s.total.cadres_adjusted, 2, "A3 and C1");
    assert_eq!(s.total.adjustments, 3);
    assert_eq!(s.total.secretaries_adjusted, 2);
    assert_eq!(s.total.no_adjustment_needed, 1);
    assert_eq!(s.total.acceptance.attempts, 4);
    assert_eq!(s.total.acceptance.cases, 3);
    assert_eq!(
        (
            s.total.acceptance.pass,
            s.total.acceptance.basic_pass,
            s.total.acceptance.fail
        ),
        (1, 1, 2)
    );

    let names: Vec<&str> = s.counties.iter().map(|c| c.county.as_str()).collect();
    assert_eq!(names, ["阳谷县", "莘县"]);
    let yg = &s.counties[0];
    assert_eq!(yg.counts.cases, 4);
    assert_eq!(yg.counts.overdue, 3);
    let towns: Vec<(&str, usize, usize)> = yg
        .townships
        .iter()
        .map(|t| (t.township.as_str(), t.counts.cases, t.counts.overdue))
        .collect();
    assert_eq!(towns, [("阿城镇", 3, 3), ("七级镇", 1, 0)]);
    let sx = &s.counties[1];
    assert_eq!(sx.counts.by_stage.accepted, 1);
    assert_eq!(sx.counts.by_stage.paired, 2);
    assert_eq!(sx.counts.overdue, 1);
    assert_eq!(sx.townships[0].counts.acceptance.attempts, 2);
    // per-county sums agree with the total
    let sum: usize = s.counties.iter().map(|c| c.counts.cases).sum();
    assert_eq!(sum, s.total.cases);
}

#[test]
fn townships_are_ranked_and_flagged_at_the_threshold() {
    let cases = ledger();
    let talk = AccountabilityEvent {
        on: d("2017-06-20"),
        county: "阳谷县".into(),
        township: "阿城镇".into(),
        person: "镇党委书记".into(),
        kind: AccountabilityKind::Talk,
        reason: "逾期".into(),
        cases: vec!["A1".into()],
    };
    let s = stats::compute(
        &cases,
        std::slice::from_ref(&talk),
        d("2017-07-01"),
        &Policy::default(),
    );
    let t = &s.accountability.townships;
    assert_eq!(t.len(), 2);
    assert_eq!(
        (t[0].township.as_str(), t[0].overdue, t[0].talk_flagged),
        ("阿城镇", 3, true)
    );
    assert_eq!(t[0].max_days_overdue, 83);
    assert_eq!(t[0].cases, ["A1", "A2", "A3"]);
    assert_eq!(t[0].events, [talk]);
    assert_eq!(
        (t[1].township.as_str(), t[1].overdue, t[1].talk_flagged),
        ("张鲁镇", 1, false)
    );
    assert!(t[1].events.is_empty());

    let strict = Policy {
        talk_threshold: 1,
        ..Policy::default()
    };
    let s = stats::compute(&cases, &[], d("2017-07-01"), &strict);
    assert!(s.accountability.townships.iter().all(|t| t.talk_flagged));
}

#[test]
fn leaders_without_a_visit_in_the_interval_are_listed_with_their_open_cases() {
    let cases = ledger();
    let s = stats::compute(&cases, &[], d("2017-07-01"), &Policy::default());
    let u = &s.accountability.unvisited_leaders;
    // 王 visited 06-20 (11 days); 李 has only an accepted case; 赵 was paired 16 days ago;
    // 钱 last visited 05-01 (61 days; someone else's visit on 06-25 does not count).
    assert_eq!(u.len(), 1, "{u:?}");
    assert_eq!(u[0].leader, "钱");
    assert_eq!(u[0].last_visit, Some(d("2017-05-01")));
    assert_eq!(u[0].days_without_visit, 61);
    assert_eq!(u[0].cases.len(), 1);
    assert_eq!(u[0].cases[0].id, "C3");
    assert_eq!(u[0].cases[0].last_visit, Some(d("2017-05-01")));

    // A month later 王 (last 06-20, 42 days) and 赵 (paired 06-15, 47 days, never) are due.
    let s = stats::compute(&cases, &[], d("2017-08-01"), &Policy::default());
    let names: Vec<(&str, Option<NaiveDate>, i64, usize)> = s
        .accountability
        .unvisited_leaders
        .iter()
        .map(|l| {
            (
                l.leader.as_str(),
                l.last_visit,
                l.days_without_visit,
                l.cases.len(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("钱", Some(d("2017-05-01")), 92, 1),
            ("赵", None, 47, 1),
            ("王", Some(d("2017-06-20")), 42, 3),
        ]
    );
    // exactly the interval is not yet late
    let s = stats::compute(&cases, &[], d("2017-07-20"), &Policy::default());
    assert!(!s
        .accountability
        .unvisited_leaders
        .iter()
        .any(|l| l.leader == "王"));
    let s = stats::compute(&cases, &[], d("2017-07-21"), &Policy::default());
    assert!(s
        .accountability
        .unvisited_leaders
        .iter()
        .any(|l| l.leader == "王"));
}

#[test]
fn a_visit_after_the_review_day_does_not_count() {
    let cases = ledger();
    // As of 2017-06-10, 王's visit of 06-20 has not happened yet: paired 03-20, 82 days.
    let s = stats::compute(&cases, &[], d("2017-06-10"), &Policy::default());
    let w = s
        .accountability
        .unvisited_leaders
        .iter()
        .find(|l| l.leader == "王")
        .unwrap();
    assert_eq!(w.last_visit, None);
    assert_eq!(w.days_without_visit, 82);
}

#[test]
fn the_annual_sheet_counts_per_county_and_in_total() {
    let cases = ledger();
    let rows = stats::annual(&cases);
    assert_eq!(rows.len(), 5, "two counties, 总计, 村 and 社区");
    let yg = &rows[0];
    assert_eq!(yg.county.as_deref(), Some("阳谷县"));
    assert_eq!((yg.identified, yg.rectified), (4, 0));
    let idx = |s: Situation| ANNUAL_TYPES.iter().position(|t| *t == s).unwrap();
    assert_eq!(yg.by_type[idx(Situation::PoorService)], 3);
    assert_eq!(yg.by_type[idx(Situation::SecretaryUnfit)], 1);
    assert_eq!(
        yg.by_type.iter().sum::<usize>(),
        4,
        "no_collective_income is not one of the ten"
    );
    assert_eq!((yg.secretaries_filled, yg.secretaries_adjusted), (0, 1));
    assert_eq!(yg.paired_units, 1);
    assert_eq!(yg.pairing_leaders, 2, "王 and 王乡");
    assert_eq!(yg.first_secretaries, 3);
    let sx = &rows[1];
    assert_eq!((sx.identified, sx.rectified), (3, 1));
    assert_eq!((sx.secretaries_filled, sx.secretaries_adjusted), (1, 0));
    assert_eq!(sx.pairing_leaders, 6);
    let total = &rows[2];
    assert_eq!(total.county, None);
    assert_eq!((total.identified, total.rectified), (7, 1));
    assert_eq!(total.by_type[idx(Situation::LeadershipIncomplete)], 1);
    // 总计 is the sum of the county rows: a unit or person of one name in two counties is
    // counted in each, as each county reports it
    assert_eq!(total.paired_units, yg.paired_units + sx.paired_units);
    assert_eq!(total.paired_units, 2);
    assert_eq!(total.pairing_leaders, 8);
    assert_eq!(total.first_secretaries, 6);
}

#[test]
fn the_annual_sheet_splits_villages_and_communities_and_counts_poor_villages() {
    let mut cases = ledger();
    // one community of each county, and two registered poor villages
    for id in ["A3", "B1"] {
        let c = cases.iter_mut().find(|c| c.id == id).unwrap();
        c.profile.village_kind = Some(VillageKind::Community);
    }
    for c in cases.iter_mut().filter(|c| c.id != "A3").take(2) {
        c.profile.poor_village = Some(true);
    }
    if let Some(c) = cases.iter_mut().find(|c| c.id == "A1") {
        c.profile.village_kind = Some(VillageKind::Village);
    }
    let rows = stats::annual(&cases);
    let total = rows
        .iter()
        .find(|r| r.county.is_none() && r.kind.is_none())
        .unwrap();
    let part = |k: VillageKind| rows.iter().find(|r| r.kind == Some(k)).unwrap();
    let (v, c) = (part(VillageKind::Village), part(VillageKind::Community));
    assert_eq!((total.identified, v.identified, c.identified), (7, 5, 2));
    assert_eq!(total.poor_villages, 2);
    assert_eq!(v.poor_villages + c.poor_villages, 2);
    // each column of 总计 is the sum of its 村 and 社区 rows
    assert_eq!(total.rectified, v.rectified + c.rectified);
    for (t, (a, b)) in total.by_type.iter().zip(v.by_type.iter().zip(&c.by_type)) {
        assert_eq!(*t, a + b);
    }
    assert_eq!(
        total.secretaries_filled + total.secretaries_adjusted,
        v.secretaries_filled
            + v.secretaries_adjusted
            + c.secretaries_filled
            + c.secretaries_adjusted
    );
    // people and units are counted by the person in each row, as in each county: 王 leads a
    // village and a community of 阳谷县, and is in both rows
    assert!(v.pairing_leaders + c.pairing_leaders > total.pairing_leaders);
    assert_eq!(
        total.first_secretaries,
        v.first_secretaries + c.first_secretaries
    );
    // the county rows come first, then 总计, 村, 社区
    let at = |r: &stats::AnnualRow| rows.iter().position(|x| x == r).unwrap();
    assert_eq!((at(total), at(v), at(c)), (2, 3, 4));
}

#[test]
fn stats_serialise_to_json_and_back() {
    let cases = ledger();
    let s = stats::compute(&cases, &[], d("2017-07-01"), &Policy::default());
    let j = serde_json::to_string(&s).unwrap();
    assert!(j.contains("\"unvisited_leaders\""));
    let back: stats::Stats = serde_json::from_str(&j).unwrap();
    assert_eq!(back, s);
}

#[test]
fn an_empty_ledger_has_zero_counts() {
    let s = stats::compute(&[], &[], d("2017-07-01"), &Policy::default());
    assert_eq!(s.total.cases, 0);
    assert!(s.counties.is_empty() && s.annual.is_empty());
    assert!(s.accountability.townships.is_empty() && s.accountability.unvisited_leaders.is_empty());
}

#[test]
fn the_table_lines_up_in_terminal_cells_within_80_columns() {
    use zhengdun::i18n::Lang;
    use zhengdun::text::width;
    let s = stats::compute(&ledger(), &[], d("2017-07-01"), &Policy::default());
    for lang in [Lang::Zh, Lang::En] {
        let out = stats::table(&s, lang);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.iter().all(|l| width(l) <= 80), "{out}");
        // the two count tables end in a right-aligned number column: every row as wide as its header
        for block in out.split("\n\n").skip(1).take(2) {
            let rows: Vec<&str> = block.lines().skip(1).collect();
            let w = width(rows[0]);
            assert!(rows.iter().all(|r| width(r) == w), "{block}");
        }
    }
    let zh = stats::table(&s, Lang::Zh);
    assert!(zh.contains("统计（截至2017-07-01）"), "{zh}");
    let talk = zh
        .lines()
        .find(|l| l.contains("阿城镇") && l.contains("须约谈"))
        .unwrap();
    assert!(talk.contains("A1 A2 A3"), "{talk}");
    let qian = zh.lines().find(|l| l.starts_with("钱")).unwrap();
    assert!(
        qian.contains("2017-05-01") && qian.contains("61") && qian.contains("张鲁镇C3村"),
        "{qian}"
    );
    let empty = stats::compute(&[], &[], d("2017-07-01"), &Policy::default());
    assert!(stats::table(&empty, Lang::En).contains("The ledger has no cases."));
}

/// The store keeps what the counts read of each case beside it, and keeps it current: the
/// counts from the store (what `stats` and the dashboard read) equal the counts computed
/// from the whole cases, after an import and after changes.
#[test]
fn counts_from_the_store_equal_counts_from_the_cases() {
    use zhengdun::store::{Ctx, Store};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    let ctx = Ctx {
        today: d("2017-06-15"),
        actor: "test".into(),
        policy: Policy::default(),
        person: None,
    };
    store.insert(ledger(), ChangeKind::Imported, &ctx).unwrap();
    let check = |store: &Store| {
        let cases = store.cases().unwrap();
        let counted = store.counted().unwrap();
        let want: Vec<stats::Counted> = cases.iter().map(stats::Counted::of).collect();
        assert_eq!(counted, want);
        assert_eq!(
            stats::from_counted(&counted, &[], ctx.today, &ctx.policy),
            stats::compute(&cases, &[], ctx.today, &ctx.policy)
        );
    };
    check(&store);
    let first = store.cases().unwrap()[0].id.clone();
    store
        .execute(
            &first,
            &Command::LogVisit(visit("2017-06-10", "新来的领导")),
            &ctx,
        )
        .unwrap();
    check(&store);
    assert!(store.verify(&ctx).unwrap().problems.is_empty());
}
