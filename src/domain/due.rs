//! Due dates and "overdue" exactly as SPEC §3 defines them, for any "today".

use chrono::{Days, Months, NaiveDate};

use super::case::Case;
use super::codes::Stage;
use super::policy::Policy;
use super::summary::DueInputs;

/// The due date of the stage the case is at; `None` once accepted.
pub fn stage_due(case: &Case, policy: &Policy) -> Option<NaiveDate> {
    stage_due_of(&DueInputs::of(case), policy)
}

pub fn stage_due_of(d: &DueInputs, policy: &Policy) -> Option<NaiveDate> {
    match d.stage {
        Stage::Identified => Some(d.identified_on + Days::new(policy.pairing_days as u64)),
        Stage::Paired => {
            let paired_on = d.paired_on.unwrap_or(d.identified_on);
            Some(paired_on + Days::new(policy.adjustment_days as u64))
        }
        Stage::CadresAdjusted => Some(d.deadline),
        Stage::Accepted => None,
    }
}

/// Where a case stands against its due dates on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueStatus {
    /// The earliest date still ahead or missed: the stage due date or an open task's due date.
    pub next_due: Option<NaiveDate>,
    /// Days overdue (today − the earliest missed due date); 0 when not overdue.
    pub days_overdue: i64,
}

impl DueStatus {
    pub fn overdue(&self) -> bool {
        self.days_overdue > 0
    }

    /// Days until `next_due`; negative when it has passed.
    pub fn days_left(&self, today: NaiveDate) -> Option<i64> {
        self.next_due.map(|d| (d - today).num_days())
    }
}

/// What a case's due state says, before it is put in words: the one description the CLI
/// and the TUI both render (through `i18n::due_text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueState {
    /// Accepted: nothing is due any more.
    Closed,
    /// Not accepted, and no date to meet (cannot happen with a stage due date; kept total).
    NoDate,
    /// Missed: the earliest missed date and the days since.
    Overdue(NaiveDate, i64),
    /// Due today (not overdue).
    Today,
    /// The next date to meet and the days until it.
    Left(NaiveDate, i64),
}

impl DueState {
    pub fn of(stage: Stage, due: &DueStatus, today: NaiveDate) -> DueState {
        match due.next_due {
            _ if stage == Stage::Accepted => DueState::Closed,
            None => DueState::NoDate,
            Some(next) if due.overdue() => DueState::Overdue(next, due.days_overdue),
            Some(next) if next == today => DueState::Today,
            Some(next) => DueState::Left(next, (next - today).num_days()),
        }
    }

    pub fn overdue(self) -> bool {
        matches!(self, DueState::Overdue(..))
    }

    /// What the width of its text depends on: the kind, whether the date is in another year
    /// than `today`, and the digits (and sign) of the day count. States of one shape take
    /// the same cells in a language, so a column's width needs one text of each shape.
    pub fn shape(self, today: NaiveDate) -> (u8, bool, u32) {
        use chrono::Datelike;
        let other_year = |d: NaiveDate| d.year() != today.year();
        let chars = |n: i64| n.unsigned_abs().checked_ilog10().unwrap_or(0) + 1 + u32::from(n < 0);
        match self {
            DueState::Closed => (0, false, 0),
            DueState::NoDate => (1, false, 0),
            DueState::Overdue(d, n) => (2, other_year(d), chars(n)),
            DueState::Today => (3, false, 0),
            DueState::Left(d, n) => (4, other_year(d), chars(n)),
        }
    }
}

/// SPEC §3: a case is overdue when it is not accepted and its stage due date or any open
/// task's due date is before today. Due today is not overdue.
pub fn due_status(case: &Case, today: NaiveDate, policy: &Policy) -> DueStatus {
    due_status_of(&DueInputs::of(case), today, policy)
}

/// [`due_status`] from the few dates that decide it. The earliest of the stage due date and
/// the open tasks' due dates is both the next date to meet and, once passed, the earliest
/// missed one.
pub fn due_status_of(d: &DueInputs, today: NaiveDate, policy: &Policy) -> DueStatus {
    let next_due = match (stage_due_of(d, policy), d.first_open_task_due) {
        _ if d.stage == Stage::Accepted => None,
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    DueStatus {
        next_due,
        days_overdue: next_due.map_or(0, |n| (today - n).num_days().max(0)),
    }
}

/// `date` plus whole months, clamped to the month's end (31 Aug + 6 months = 28/29 Feb).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months)).unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::{Pairing, Task};
    use crate::domain::codes::Situation;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    pub(crate) fn case_at(stage: Stage) -> Case {
        Case {
            stage,
            pairing: Some(Pairing {
                county_leader: "王建国".into(),
                county_leader_account: None,
                township_leader: "李明".into(),
                first_secretary: "张伟".into(),
                first_secretary_unit: "县财政局".into(),
                assisting_unit: String::new(),
                paired_on: Some(d("2017-03-25")),
            }),
            ..Case::identified(
                "2017-YG-001",
                2017,
                "阳谷县",
                "阿城镇",
                "前进村",
                vec![Situation::PoorService],
                d("2017-03-10"),
            )
        }
    }

    #[test]
    fn identified_is_due_thirty_days_after_identification() {
        let c = case_at(Stage::Identified);
        let p = Policy::default();
        assert_eq!(stage_due(&c, &p), Some(d("2017-04-09")));
        // due today: not overdue
        assert_eq!(due_status(&c, d("2017-04-09"), &p).days_overdue, 0);
        // due yesterday: one day overdue
        assert_eq!(due_status(&c, d("2017-04-10"), &p).days_overdue, 1);
    }

    #[test]
    fn paired_is_due_ninety_days_after_pairing() {
        let c = case_at(Stage::Paired);
        let p = Policy::default();
        assert_eq!(stage_due(&c, &p), Some(d("2017-06-23")));
        assert!(!due_status(&c, d("2017-06-23"), &p).overdue());
        assert!(due_status(&c, d("2017-06-24"), &p).overdue());
    }

    #[test]
    fn cadres_adjusted_is_due_at_the_deadline_default_year_end() {
        let mut c = case_at(Stage::CadresAdjusted);
        let p = Policy::default();
        assert_eq!(stage_due(&c, &p), Some(d("2017-12-31")));
        c.deadline = Some(d("2017-11-30"));
        assert_eq!(due_status(&c, d("2017-12-02"), &p).days_overdue, 2);
    }

    #[test]
    fn an_overdue_task_makes_the_case_overdue_from_its_due_date() {
        let mut c = case_at(Stage::CadresAdjusted);
        c.tasks.push(Task {
            measure: "修建党群服务中心".into(),
            responsible: "李明".into(),
            due: d("2017-06-30"),
            done_on: None,
        });
        let p = Policy::default();
        assert_eq!(due_status(&c, d("2017-06-30"), &p).days_overdue, 0);
        let s = due_status(&c, d("2017-07-05"), &p);
        assert_eq!(s.days_overdue, 5);
        assert_eq!(s.next_due, Some(d("2017-06-30")));
        // a done task no longer counts
        c.tasks[0].done_on = Some(d("2017-07-01"));
        assert_eq!(due_status(&c, d("2017-07-05"), &p).days_overdue, 0);
    }

    #[test]
    fn days_overdue_counts_from_the_earliest_missed_date() {
        let mut c = case_at(Stage::Identified);
        c.tasks.push(Task {
            measure: "x".into(),
            responsible: String::new(),
            due: d("2017-04-01"),
            done_on: None,
        });
        // stage due 04-09, task due 04-01: on 04-20 the task is the earliest miss
        assert_eq!(
            due_status(&c, d("2017-04-20"), &Policy::default()).days_overdue,
            19
        );
    }

    #[test]
    fn accepted_is_never_overdue() {
        let mut c = case_at(Stage::Accepted);
        c.tasks.push(Task {
            measure: "x".into(),
            responsible: String::new(),
            due: d("2017-04-01"),
            done_on: None,
        });
        assert!(!due_status(&c, d("2018-04-20"), &Policy::default()).overdue());
    }

    #[test]
    fn months_clamp_at_month_end() {
        assert_eq!(add_months(d("2017-08-31"), 6), d("2018-02-28"));
    }
}
