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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub id: String,
    pub year: i32,
    pub county: String,
    pub township: String,
    pub village: String,
    pub county_leader: String,
    pub township_leader: String,
    pub first_secretary: String,
    pub last_visit: Option<NaiveDate>,
    pub due: DueInputs,
}

impl Summary {
    pub fn of(case: &Case) -> Summary {
        let p = case.pairing.clone().unwrap_or_default();
        Summary {
            id: case.id.clone(),
            year: case.year,
            county: case.county.clone(),
            township: case.township.clone(),
            village: case.village.clone(),
            county_leader: p.county_leader,
            township_leader: p.township_leader,
            first_secretary: p.first_secretary,
            last_visit: case.visits.iter().map(|v| v.on).max(),
            due: DueInputs::of(case),
        }
    }

    pub fn stage(&self) -> Stage {
        self.due.stage
    }

    /// Compact binary form: fixed fields, then length-prefixed strings.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(96);
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
        for s in [
            &self.id,
            &self.county,
            &self.township,
            &self.village,
            &self.county_leader,
            &self.township_leader,
            &self.first_secretary,
        ] {
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
        let mut strings: [String; 7] = Default::default();
        for s in strings.iter_mut() {
            let n = u32::from_le_bytes(r.take(4)?.try_into().ok()?) as usize;
            *s = String::from_utf8(r.take(n)?.to_vec()).ok()?;
        }
        if r.at != b.len() {
            return None;
        }
        let [id, county, township, village, county_leader, township_leader, first_secretary] =
            strings;
        Some(Summary {
            id,
            year,
            county,
            township,
            village,
            county_leader,
            township_leader,
            first_secretary,
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
        let s = Summary {
            id: "2017-YG-003".into(),
            year: 2017,
            county: "阳谷县".into(),
            township: "阿城镇".into(),
            village: "前进村".into(),
            county_leader: "王建国".into(),
            township_leader: String::new(),
            first_secretary: "张伟".into(),
            last_visit: NaiveDate::from_ymd_opt(2017, 4, 2),
            due: DueInputs {
                stage: Stage::Paired,
                identified_on: NaiveDate::from_ymd_opt(2017, 3, 10).unwrap(),
                paired_on: NaiveDate::from_ymd_opt(2017, 3, 25),
                deadline: NaiveDate::from_ymd_opt(2017, 12, 31).unwrap(),
                first_open_task_due: None,
            },
        };
        let b = s.encode();
        assert_eq!(Summary::decode(&b), Some(s));
        assert_eq!(Summary::decode(&b[..b.len() - 1]), None);
        assert_eq!(Summary::decode(b"garbage"), None);
        let mut extra = b.clone();
        extra.push(0);
        assert_eq!(Summary::decode(&extra), None);
    }
}
