//! The sample generator: deterministic, valid under the default policy, realistic in shape,
//! and identical to the shipped sample file.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use zhengdun::domain::{check_case, due_status, Case, ChangeKind, Policy, Stage};
use zhengdun::i18n::Lang;
use zhengdun::interchange::json;
use zhengdun::sample::{generate, SAMPLE_CASES, SAMPLE_SEED};
use zhengdun::store::{Ctx, Store};

const COUNTIES: [&str; 8] = [
    "东昌府区",
    "茌平区",
    "阳谷县",
    "莘县",
    "东阿县",
    "冠县",
    "高唐县",
    "临清市",
];

/// Every date a case records as having happened (not due dates or deadlines).
fn happened(c: &Case) -> Vec<NaiveDate> {
    let mut d = vec![c.identified_on];
    d.extend(c.pairing.as_ref().and_then(|p| p.paired_on));
    d.extend(c.tasks.iter().filter_map(|t| t.done_on));
    d.extend(c.adjustments.iter().map(|a| a.on));
    d.extend(c.visits.iter().map(|v| v.on));
    d.extend(c.acceptance.iter().map(|a| a.on));
    d.extend(c.closed_on);
    d
}

#[test]
fn the_shipped_sample_is_the_generator_output() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample-data/liaocheng-2017.json"
    );
    let shipped = std::fs::read_to_string(path).expect("sample-data/liaocheng-2017.json");
    let mut expected = generate(SAMPLE_CASES, SAMPLE_SEED).to_json().unwrap();
    expected.push('\n');
    assert!(
        shipped == expected,
        "sample-data/liaocheng-2017.json is stale: regenerate it with the command in sample-data/README.md"
    );
    assert_eq!(zhengdun::cli::SAMPLE, shipped);
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    assert_eq!(
        generate(500, 42).to_json().unwrap(),
        generate(500, 42).to_json().unwrap()
    );
    assert_ne!(
        generate(500, 42).to_json().unwrap(),
        generate(500, 43).to_json().unwrap()
    );
}

#[test]
fn every_case_passes_the_consistency_check_and_time_runs_forward() {
    let policy = Policy::default();
    for (n, seed) in [(SAMPLE_CASES, SAMPLE_SEED), (300, 1), (5_000, 9)] {
        let l = generate(n, seed);
        let as_of = l.as_of.expect("as_of");
        assert_eq!(l.cases.len(), n);
        let mut ids = BTreeSet::new();
        for c in &l.cases {
            check_case(c, &policy).unwrap_or_else(|e| panic!("{}: {e}", c.id));
            assert!(ids.insert(c.id.clone()), "duplicate id {}", c.id);
            for d in happened(c) {
                assert!(d <= as_of, "{}: {d} is after as_of {as_of}", c.id);
                assert!(
                    d >= c.identified_on,
                    "{}: {d} is before identification",
                    c.id
                );
            }
            if c.stage >= Stage::Paired {
                let p = c.pairing.as_ref().unwrap();
                assert!(!p.assisting_unit.is_empty(), "{}", c.id);
                assert!(
                    (5..=12).contains(&c.tasks.len()),
                    "{}: {} tasks",
                    c.id,
                    c.tasks.len()
                );
            }
            if c.stage >= Stage::CadresAdjusted {
                assert!(
                    c.adjustments.is_empty() != c.no_adjustment_reason.is_none(),
                    "{}",
                    c.id
                );
            }
        }
    }
}

#[test]
fn the_sample_has_every_county_stage_and_outcome() {
    let l = generate(SAMPLE_CASES, SAMPLE_SEED);
    let as_of = l.as_of.unwrap();
    let policy = Policy::default();
    for county in COUNTIES {
        assert!(
            l.cases.iter().any(|c| c.county == county),
            "no case in {county}"
        );
    }
    for stage in Stage::ALL {
        assert!(
            l.cases.iter().any(|c| c.stage == *stage),
            "no case at {stage:?}"
        );
    }
    let verdicts: Vec<_> = l
        .cases
        .iter()
        .flat_map(|c| &c.acceptance)
        .map(|a| a.verdict.code())
        .collect();
    for v in ["pass", "fail", "basic_pass"] {
        assert!(verdicts.contains(&v), "no {v} attempt");
    }
    // A realistic share is overdue: 15–30 % of open cases, 8–25 % of open tasks.
    let open: Vec<&Case> = l
        .cases
        .iter()
        .filter(|c| c.stage != Stage::Accepted)
        .collect();
    let overdue = open
        .iter()
        .filter(|c| due_status(c, as_of, &policy).overdue())
        .count();
    let share = overdue as f64 / open.len() as f64;
    assert!((0.15..=0.30).contains(&share), "overdue share {share}");
    let open_tasks: Vec<_> = open.iter().flat_map(|c| c.open_tasks()).collect();
    let late =
        open_tasks.iter().filter(|(_, t)| t.due < as_of).count() as f64 / open_tasks.len() as f64;
    assert!(
        (0.08..=0.25).contains(&late),
        "past-due share of open tasks {late}"
    );
    // About a third of the adjusted-or-later cases adjusted cadres.
    let later: Vec<&Case> = l
        .cases
        .iter()
        .filter(|c| c.stage >= Stage::CadresAdjusted)
        .collect();
    let adjusted =
        later.iter().filter(|c| !c.adjustments.is_empty()).count() as f64 / later.len() as f64;
    assert!((0.2..=0.5).contains(&adjusted), "adjusted share {adjusted}");
    // Relapses point at an included, accepted, earlier case of the same village.
    let by_id: HashMap<&str, &Case> = l.cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let relapses: Vec<&Case> = l.cases.iter().filter(|c| c.relapse_of.is_some()).collect();
    assert!((1..=2).contains(&relapses.len()));
    for r in relapses {
        let o = by_id[r.relapse_of.as_deref().unwrap()];
        assert!(o.year < r.year && o.stage == Stage::Accepted);
        assert_eq!(
            (&o.county, &o.township, &o.village),
            (&r.county, &r.township, &r.village)
        );
    }
    // Talks name townships with overdue cases, and the cases exist there.
    assert!(!l.accountability.is_empty());
    for a in &l.accountability {
        assert!(a.on <= as_of && a.cases.len() >= policy.talk_threshold);
        for id in &a.cases {
            assert_eq!(by_id[id.as_str()].township, a.township);
        }
    }
    // Leaders: each county leader has 1–3 villages in the sample year.
    let mut load: HashMap<(&str, &str), usize> = HashMap::new();
    for c in l.cases.iter().filter(|c| c.year == 2017) {
        if let Some(p) = &c.pairing {
            *load
                .entry((c.county.as_str(), p.county_leader.as_str()))
                .or_default() += 1;
        }
    }
    assert!(load.values().all(|n| (1..=3).contains(n)), "{load:?}");
}

#[test]
fn a_large_ledger_spreads_over_years_with_unique_ids() {
    let l = generate(30_000, 5);
    let ids: BTreeSet<&str> = l.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), 30_000);
    let years: BTreeSet<i32> = l.cases.iter().map(|c| c.year).collect();
    assert!(years.len() >= 10 && years.contains(&2017), "{years:?}");
    // One village has at most one case per year.
    let places: BTreeSet<(i32, &str, &str, &str)> = l
        .cases
        .iter()
        .map(|c| {
            (
                c.year,
                c.county.as_str(),
                c.township.as_str(),
                c.village.as_str(),
            )
        })
        .collect();
    assert_eq!(places.len(), 30_000);
}

#[test]
fn the_sample_imports_through_the_real_path() {
    let text = generate(SAMPLE_CASES, SAMPLE_SEED).to_json().unwrap();
    let policy = Policy::default();
    let ledger =
        json::parse(&text, "sample.json", &policy, Lang::En).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    let ctx = Ctx {
        today: ledger.as_of.unwrap(),
        actor: "test".into(),
        policy,
        person: None,
    };
    let n = ledger.cases.len();
    assert_eq!(
        store
            .import(
                ledger.cases.clone(),
                &ledger.accountability,
                ChangeKind::Imported,
                &ctx
            )
            .unwrap(),
        n
    );
    assert_eq!(store.len(), n);
    assert_eq!(store.cases().unwrap(), ledger.cases);
    assert_eq!(
        store.accountability().unwrap().len(),
        ledger.accountability.len()
    );
    assert!(store.verify(&ctx).unwrap().problems.is_empty());
}
