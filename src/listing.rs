//! Listings of the ledger shared by the CLI and the TUI: filters, sort orders and the
//! row a list shows. Pure functions over cases; no I/O.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{due_status_of, DueStatus, Policy, Stage, Summary};

/// What a list is narrowed to. Empty filter = the whole ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filter {
    pub overdue: bool,
    pub stage: Option<Stage>,
    pub county: Option<String>,
    pub township: Option<String>,
    /// A paired leader's name: county leader, township leader or first secretary.
    pub leader: Option<String>,
    /// Whether `county`, `township` and `leader` match a part of a name (`list --township
    /// 莘亭` finds 莘亭街道), as typed on the command line; else the whole name, as the TUI's
    /// dashboard opens a township.
    pub partial: bool,
}

impl Filter {
    pub fn matches(&self, case: &Summary, due: &DueStatus) -> bool {
        if self.overdue && !due.overdue() {
            return false;
        }
        if self.stage.is_some_and(|s| s != case.stage()) {
            return false;
        }
        let names = |asked: &str, name: &str| match self.partial {
            true => name.contains(asked.trim()),
            false => name == asked,
        };
        if self
            .county
            .as_deref()
            .is_some_and(|c| !names(c, case.county()))
        {
            return false;
        }
        if self
            .township
            .as_deref()
            .is_some_and(|t| !names(t, case.township()))
        {
            return false;
        }
        if let Some(name) = self.leader.as_deref() {
            if !names(name, case.county_leader())
                && !names(name, case.township_leader())
                && !names(name, case.first_secretary())
            {
                return false;
            }
        }
        true
    }

    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Most days overdue first, then the nearest due date (the default).
    #[default]
    MostOverdue,
    Due,
    Township,
    Stage,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::MostOverdue, Sort::Due, Sort::Township, Sort::Stage];

    /// The next sort order, in the order of [`Sort::ALL`], round to the first.
    pub fn next(self) -> Sort {
        match self {
            Sort::MostOverdue => Sort::Due,
            Sort::Due => Sort::Township,
            Sort::Township => Sort::Stage,
            Sort::Stage => Sort::MostOverdue,
        }
    }
}

/// Due status for every case, computed once per "today".
pub fn statuses(cases: &[Summary], today: NaiveDate, policy: &Policy) -> Vec<DueStatus> {
    cases
        .iter()
        .map(|c| due_status_of(&c.due, today, policy))
        .collect()
}

/// Indices of the cases that pass `filter` (and, when given, are among `only`), in `sort`
/// order. Ties fall back to the id so the order is stable.
pub fn select(
    cases: &[Summary],
    due: &[DueStatus],
    filter: &Filter,
    only: Option<&[usize]>,
    sort: Sort,
) -> Vec<usize> {
    // `due` has one status per case; an index past either names no case.
    let with_due = |i: usize| due.get(i).map(|d| (i, *d));
    let candidates: Vec<(usize, DueStatus)> = match only {
        Some(only) => only.iter().filter_map(|&i| with_due(i)).collect(),
        None => (0..cases.len()).filter_map(with_due).collect(),
    };
    select_among(cases, candidates, filter, sort)
        .into_iter()
        .map(|(i, _)| i)
        .collect()
}

/// [`select`] with the due status computed for the candidates only (all cases, or those
/// among `only`): what a search answers without the status of every case in the ledger.
pub fn select_due(
    cases: &[Summary],
    filter: &Filter,
    only: Option<&[usize]>,
    today: NaiveDate,
    policy: &Policy,
    sort: Sort,
) -> Vec<(usize, DueStatus)> {
    let with_due = |i: usize| {
        cases
            .get(i)
            .map(|c| (i, due_status_of(&c.due, today, policy)))
    };
    let candidates: Vec<(usize, DueStatus)> = match only {
        Some(only) => only.iter().filter_map(|&i| with_due(i)).collect(),
        None => (0..cases.len()).filter_map(with_due).collect(),
    };
    select_among(cases, candidates, filter, sort)
}

/// The candidates (a case's index and its due status) that pass `filter`, in `sort` order.
fn select_among(
    cases: &[Summary],
    candidates: Vec<(usize, DueStatus)>,
    filter: &Filter,
    sort: Sort,
) -> Vec<(usize, DueStatus)> {
    let mut idx: Vec<(&Summary, usize, DueStatus)> = candidates
        .into_iter()
        .filter_map(|(i, d)| cases.get(i).map(|c| (c, i, d)))
        .filter(|(c, _, d)| filter.matches(c, d))
        .collect();
    let far = NaiveDate::MAX;
    // Places sort by their pinyin; each distinct name is spelled once.
    let mut order: HashMap<&str, (String, String)> = HashMap::new();
    if sort == Sort::Township {
        for (c, _, _) in &idx {
            for name in [c.county(), c.township()] {
                order
                    .entry(name)
                    .or_insert_with(|| crate::search::pinyin_order(name));
            }
        }
    }
    // Only Sort::Township calls it, and `order` then holds every name of `idx`.
    let place = |c: &'_ Summary| (order.get(c.county()), order.get(c.township()));
    idx.sort_by(|(ca, _, da), (cb, _, db)| {
        let by = match sort {
            Sort::MostOverdue => db
                .days_overdue
                .cmp(&da.days_overdue)
                .then(da.next_due.unwrap_or(far).cmp(&db.next_due.unwrap_or(far))),
            Sort::Due => da.next_due.unwrap_or(far).cmp(&db.next_due.unwrap_or(far)),
            Sort::Township => place(ca).cmp(&place(cb)),
            Sort::Stage => ca
                .stage()
                .cmp(&cb.stage())
                .then(db.days_overdue.cmp(&da.days_overdue)),
        };
        by.then_with(|| ca.id().cmp(cb.id()))
    });
    idx.into_iter().map(|(_, i, d)| (i, d)).collect()
}

/// The search hits `hits` (best match first) that pass `filter`, in the order given: what a
/// list shows while a query is active, where the best match belongs on top whatever the
/// sort order. (The CLI's `list --search` keeps its most-overdue order through [`select`].)
pub fn ranked(cases: &[Summary], due: &[DueStatus], filter: &Filter, hits: &[usize]) -> Vec<usize> {
    hits.iter()
        .copied()
        .filter(|&i| {
            cases
                .get(i)
                .zip(due.get(i))
                .is_some_and(|(c, d)| filter.matches(c, d))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Case, Pairing, Situation};

    fn case(id: &str, stage: Stage, identified: &str) -> Case {
        Case {
            stage,
            pairing: Some(Pairing {
                county_leader: "王建国".into(),
                county_leader_account: None,
                township_leader: "李明".into(),
                first_secretary: "张伟".into(),
                first_secretary_unit: "县财政局".into(),
                assisting_unit: String::new(),
                paired_on: NaiveDate::from_ymd_opt(2017, 3, 1),
            }),
            ..Case::identified(
                id,
                2017,
                "阳谷县",
                "阿城镇",
                "前进村",
                vec![Situation::Other],
                NaiveDate::parse_from_str(identified, "%Y-%m-%d").unwrap(),
            )
        }
    }

    /// Two identified cases (one later) and one at cadres_adjusted, as of 2017-04-15.
    fn three_cases() -> (Vec<Summary>, Vec<DueStatus>) {
        let cases: Vec<Summary> = [
            case("a", Stage::Identified, "2017-03-01"),
            case("b", Stage::Identified, "2017-02-01"),
            case("c", Stage::CadresAdjusted, "2017-02-01"),
        ]
        .iter()
        .map(Summary::of)
        .collect();
        let today = NaiveDate::from_ymd_opt(2017, 4, 15).unwrap();
        let due = statuses(&cases, today, &Policy::default());
        (cases, due)
    }

    #[test]
    fn most_overdue_first_and_filters() {
        let (cases, due) = three_cases();
        let all = select(&cases, &due, &Filter::default(), None, Sort::MostOverdue);
        assert_eq!(all, vec![1, 0, 2]);
        let f = Filter {
            overdue: true,
            ..Default::default()
        };
        assert_eq!(
            select(&cases, &due, &f, None, Sort::MostOverdue),
            vec![1, 0]
        );
        let f = Filter {
            leader: Some("张伟".into()),
            stage: Some(Stage::CadresAdjusted),
            ..Default::default()
        };
        assert_eq!(select(&cases, &due, &f, None, Sort::MostOverdue), vec![2]);
    }

    #[test]
    fn places_sort_by_their_pinyin() {
        let (mut cases, due) = three_cases();
        for (c, (county, township)) in cases.iter_mut().zip([
            ("莘县", "燕店镇"),
            ("东昌府区", "于集镇"),
            ("东昌府区", "北城街道"),
        ]) {
            let names = crate::domain::Names {
                county,
                township,
                ..c.names()
            };
            *c = Summary::new(names, c.year, c.last_visit, c.due);
        }
        // dong chang fu qu / bei, dong chang fu qu / yu, shen xian (local reading)
        let f = Filter::default();
        assert_eq!(
            select(&cases, &due, &f, None, Sort::Township),
            vec![2, 1, 0]
        );
    }

    #[test]
    fn ranked_keeps_the_hit_order_and_select_sorts_it() {
        let (cases, due) = three_cases();
        let hits = [2, 0, 1];
        assert_eq!(
            ranked(&cases, &due, &Filter::default(), &hits),
            vec![2, 0, 1]
        );
        let overdue = Filter {
            overdue: true,
            ..Default::default()
        };
        assert_eq!(ranked(&cases, &due, &overdue, &hits), vec![0, 1]);
        assert_eq!(
            select(
                &cases,
                &due,
                &Filter::default(),
                Some(&hits),
                Sort::MostOverdue
            ),
            vec![1, 0, 2]
        );
    }
}
