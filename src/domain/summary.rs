//! The small per-case summary a ledger list needs: who, where, which stage, and the dates
//! that decide "overdue". Derived from a case, never edited on its own; the store keeps it
//! beside the case in the same atomic write, so a list of 100,000 cases is read without
//! decoding 100,000 full cases.

use chrono::NaiveDate;

use super::case::Case;
use super::codes::Stage;

/// The dates that decide a case's due status (SPEC §3), in a few bytes.
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
        DueInputs {
            stage: case.stage,
            identified_on: case.identified_on,
            paired_on: case.pairing.as_ref().and_then(|p| p.paired_on),
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

const NAMES: usize = 7;

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

    fn part(&self, n: usize) -> &str {
        let start = if n == 0 { 0 } else { self.ends[n - 1] as usize };
        &self.text[start..self.ends[n] as usize]
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

    /// Compact binary form: fixed fields, then length-prefixed strings.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(64 + self.text.len());
        b.push(self.due.stage as u8);
        b.extend_from_slice(&self.year.to_le_bytes());
        for d in [
            Some(self.due.identified_on),
            self.due.paired_on,
            Some(self.due.deadline),
            self.due.first_open_task_due,
            self.last_visit,
        ] {
            b.extend_from_slice(&date_code(d).to_le_bytes());
        }
        for n in 0..NAMES {
            let s = self.part(n);
            b.extend_from_slice(&(s.len() as u32).to_le_bytes());
            b.extend_from_slice(s.as_bytes());
        }
        b
    }

    /// The inverse of [`Summary::encode`]; `None` for bytes it did not write.
    pub fn decode(b: &[u8]) -> Option<Summary> {
        let mut r = Reader { b, at: 0 };
        let stage = *Stage::ALL.get(r.take(1)?[0] as usize)?;
        let year = i32::from_le_bytes(r.take(4)?.try_into().ok()?);
        let mut dates = [None; 5];
        for d in dates.iter_mut() {
            *d = date_of(i32::from_le_bytes(r.take(4)?.try_into().ok()?))?;
        }
        // The names are copied into one buffer and checked as UTF-8 once; each must still
        // end on a character boundary.
        let mut text = Vec::with_capacity(b.len().saturating_sub(r.at + 4 * NAMES));
        let mut ends = [0; NAMES];
        for end in ends.iter_mut() {
            let n = u32::from_le_bytes(r.take(4)?.try_into().ok()?) as usize;
            text.extend_from_slice(r.take(n)?);
            *end = text.len() as u32;
        }
        if r.at != b.len() {
            return None;
        }
        let text = String::from_utf8(text).ok()?;
        if !ends.iter().all(|&e| text.is_char_boundary(e as usize)) {
            return None;
        }
        Some(Summary {
            text: text.into_boxed_str(),
            ends,
            year,
            last_visit: dates[4],
            due: DueInputs {
                stage,
                identified_on: dates[0]?,
                paired_on: dates[1],
                deadline: dates[2]?,
                first_open_task_due: dates[3],
            },
        })
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

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
}

/// Days since 0001-01-01 (CE day count), with `i32::MIN` for "none".
fn date_code(d: Option<NaiveDate>) -> i32 {
    use chrono::Datelike;
    d.map_or(i32::MIN, |d| d.num_days_from_ce())
}

/// `Some(None)` for "none", `None` for a code that is no date.
fn date_of(code: i32) -> Option<Option<NaiveDate>> {
    if code == i32::MIN {
        Some(None)
    } else {
        NaiveDate::from_num_days_from_ce_opt(code).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip_and_refuse_garbage() {
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
        assert_eq!(
            (
                s.id(),
                s.county(),
                s.village(),
                s.township_leader(),
                s.first_secretary()
            ),
            ("2017-YG-003", "阳谷县", "前进村", "", "张伟")
        );
        let b = s.encode();
        assert_eq!(Summary::decode(&b), Some(s));
        assert_eq!(Summary::decode(&b[..b.len() - 1]), None);
        assert_eq!(Summary::decode(b"garbage"), None);
        let mut extra = b.clone();
        extra.push(0);
        assert_eq!(Summary::decode(&extra), None);
        // names one after another: UTF-8 each, then UTF-8 together but "阳" cut between the
        // id and the county
        let header = 1 + 4 + 5 * 4; // stage, year, five dates
        let with_names = |names: [&[u8]; 7]| {
            let mut v = b[..header].to_vec();
            for part in names {
                v.extend_from_slice(&(part.len() as u32).to_le_bytes());
                v.extend_from_slice(part);
            }
            v
        };
        let yang = "阳".as_bytes();
        let whole = Summary::decode(&with_names([b"A-1", yang, b"", b"", b"", b"", b"x"]));
        assert_eq!(
            whole
                .as_ref()
                .map(|s| (s.id(), s.county(), s.township(), s.first_secretary())),
            Some(("A-1", "阳", "", "x"))
        );
        let cut = with_names([&yang[..2], &yang[2..], b"", b"", b"", b"", b""]);
        assert_eq!(Summary::decode(&cut), None);
    }
}
