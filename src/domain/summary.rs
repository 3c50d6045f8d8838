//! The small per-case summary a ledger list needs: who, where, which stage, and the dates
//! that decide "overdue". Derived from a case, never edited on its own; the store keeps it
//! beside the case in the same atomic write, so a list of 100,000 cases is read without
//! decoding 100,000 full cases.

use chrono::NaiveDate;

use super::case::Case;
use super::codes::Stage;

/// The dates that decide a case's due status (SPEC §3), in a few bytes. `identified_on`
/// and `paired_on` are the days the clocks of those stages start: for a case reopened to
/// `identified` or `paired`, the day of the reopen when it is later (SPEC §11: a reopened
/// case is not overdue the day it is reopened).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DueInputs {
    pub stage: Stage,
    pub identified_on: NaiveDate,
    pub paired_on: Option<NaiveDate>,
    /// The conversion deadline in force (recorded, or 31 Dec of the year).
    pub deadline: NaiveDate,
    /// The earliest due date among tasks not done.
    pub first_open_task_due: Option<NaiveDate>,
}

impl DueInputs {
    pub fn of(case: &Case) -> DueInputs {
        let paired_on = case.pairing.as_ref().and_then(|p| p.paired_on);
        let restarted = |start: NaiveDate, at: Stage| match case.reopened_on {
            Some(r) if case.stage == at && r > start => r,
            _ => start,
        };
        DueInputs {
            stage: case.stage,
            identified_on: restarted(case.identified_on, Stage::Identified),
            paired_on: paired_on.map(|p| restarted(p, Stage::Paired)),
            deadline: case.effective_deadline(),
            first_open_task_due: case.open_tasks().map(|(_, t)| t.due).min(),
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Summary {
    /// The seven names ([`Names`]) one after another, so that a summary is one allocation:
    /// a list of 100,000 cases is read at every start.
    text: Box<str>,
    /// Where each name ends in `text`.
    ends: [u32; NAMES],
    pub year: i32,
    pub last_visit: Option<NaiveDate>,
    pub due: DueInputs,
}

/// How many names a summary carries.
pub const NAMES: usize = 7;

/// The names a summary carries, in the order they are kept and encoded.
#[derive(Debug, Clone, Copy, Default)]
pub struct Names<'a> {
    pub id: &'a str,
    pub county: &'a str,
    pub township: &'a str,
    pub village: &'a str,
    pub county_leader: &'a str,
    pub township_leader: &'a str,
    pub first_secretary: &'a str,
}

impl Summary {
    pub fn new(names: Names<'_>, year: i32, last_visit: Option<NaiveDate>, due: DueInputs) -> Self {
        let parts = [
            names.id,
            names.county,
            names.township,
            names.village,
            names.county_leader,
            names.township_leader,
            names.first_secretary,
        ];
        let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut ends = [0; NAMES];
        for (part, end) in parts.iter().zip(ends.iter_mut()) {
            text.push_str(part);
            *end = text.len() as u32;
        }
        Summary {
            text: text.into_boxed_str(),
            ends,
            year,
            last_visit,
            due,
        }
    }

    pub fn of(case: &Case) -> Summary {
        let (county_leader, township_leader, first_secretary) =
            case.pairing.as_ref().map_or(("", "", ""), |p| {
                (&*p.county_leader, &*p.township_leader, &*p.first_secretary)
            });
        Summary::new(
            Names {
                id: &case.id,
                county: &case.county,
                township: &case.township,
                village: &case.village,
                county_leader,
                township_leader,
                first_secretary,
            },
            case.year,
            case.visits.iter().map(|v| v.on).max(),
            DueInputs::of(case),
        )
    }

    /// Name `n` of `text`. The ends only grow and each falls on a character boundary (they
    /// are built so, and `from_packed` checks them), so the range is always there.
    fn part(&self, n: usize) -> &str {
        let end_of = |k: usize| self.ends.get(k).map_or(0, |&e| e as usize);
        let start = n.checked_sub(1).map_or(0, end_of);
        self.text.get(start..end_of(n)).unwrap_or("")
    }

    pub fn names(&self) -> Names<'_> {
        Names {
            id: self.id(),
            county: self.county(),
            township: self.township(),
            village: self.village(),
            county_leader: self.county_leader(),
            township_leader: self.township_leader(),
            first_secretary: self.first_secretary(),
        }
    }

    pub fn id(&self) -> &str {
        self.part(0)
    }
    pub fn county(&self) -> &str {
        self.part(1)
    }
    pub fn township(&self) -> &str {
        self.part(2)
    }
    pub fn village(&self) -> &str {
        self.part(3)
    }
    pub fn county_leader(&self) -> &str {
        self.part(4)
    }
    pub fn township_leader(&self) -> &str {
        self.part(5)
    }
    pub fn first_secretary(&self) -> &str {
        self.part(6)
    }

    pub fn stage(&self) -> Stage {
        self.due.stage
    }

    /// A summary from its names already laid one after another in `text`, each ending
    /// where `ends` says (how the store keeps them, so a read copies them once); `None`
    /// when an end is out of order or not on a character boundary.
    pub fn from_packed(
        text: String,
        ends: [u32; NAMES],
        year: i32,
        last_visit: Option<NaiveDate>,
        due: DueInputs,
    ) -> Option<Summary> {
        let in_order = ends.windows(2).all(|w| matches!(w, [a, b] if a <= b));
        if !in_order || !ends.iter().all(|&e| text.is_char_boundary(e as usize)) {
            return None;
        }
        Some(Summary {
            text: text.into_boxed_str(),
            ends,
            year,
            last_visit,
            due,
        })
    }

    /// The names in the order they are kept, for the store's encoding.
    pub fn parts(&self) -> [&str; NAMES] {
        let n = self.names();
        [
            n.id,
            n.county,
            n.township,
            n.village,
            n.county_leader,
            n.township_leader,
            n.first_secretary,
        ]
    }
}

/// On the wire (a server's answer) a summary is a short array: its seven names, the year,
/// the last visit and the due dates, e.g. `[["2017-YG-003","阳谷县",…],2017,null,{…}]`.
impl serde::Serialize for Summary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let names: [&str; NAMES] = std::array::from_fn(|n| self.part(n));
        (names, self.year, self.last_visit, self.due).serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Summary {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        type Wire = ([String; NAMES], i32, Option<NaiveDate>, DueInputs);
        let (
            [id, county, township, village, county_leader, township_leader, first_secretary],
            year,
            last_visit,
            due,
        ) = Wire::deserialize(d)?;
        Ok(Summary::new(
            Names {
                id: &id,
                county: &county,
                township: &township,
                village: &village,
                county_leader: &county_leader,
                township_leader: &township_leader,
                first_secretary: &first_secretary,
            },
            year,
            last_visit,
            due,
        ))
    }
}

/// The names one by one, not the buffer they share.
impl std::fmt::Debug for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Summary")
            .field("names", &self.names())
            .field("year", &self.year)
            .field("last_visit", &self.last_visit)
            .field("due", &self.due)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_crosses_the_wire_as_a_short_array_and_back() {
        let s = Summary::new(
            Names {
                id: "2017-YG-003",
                county: "阳谷县",
                township: "阿城镇",
                village: "前进村",
                county_leader: "王建国",
                township_leader: "",
                first_secretary: "张伟",
            },
            2017,
            NaiveDate::from_ymd_opt(2017, 4, 2),
            DueInputs {
                stage: Stage::Paired,
                identified_on: NaiveDate::from_ymd_opt(2017, 3, 10).unwrap(),
                paired_on: NaiveDate::from_ymd_opt(2017, 3, 25),
                deadline: NaiveDate::from_ymd_opt(2017, 12, 31).unwrap(),
                first_open_task_due: None,
            },
        );
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.starts_with(r#"[["2017-YG-003","阳谷县","#), "{json}");
        assert_eq!(serde_json::from_str::<Summary>(&json).unwrap(), s);
        assert!(serde_json::from_str::<Summary>(r#"[["x"],2017,null,{}]"#).is_err());
    }
}
