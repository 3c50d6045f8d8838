//! File formats: the interchange JSON (SPEC §6), and the CSV and xlsx ledgers.

pub mod csv;
pub mod dates;
pub mod json;
pub mod table;
pub mod workbook;
pub mod xlsx;

use std::fmt;

/// A refusal of an input file, with its place: file, then row/line and column where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    /// "line 12, column 30", "row 7, column 软弱涣散情形", "cases[3] (2017-YG-003)"
    pub place: String,
    pub problem: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.place.is_empty() {
            write!(f, "{}: {}", self.file, self.problem)
        } else {
            write!(f, "{}: {}: {}", self.file, self.place, self.problem)
        }
    }
}

impl std::error::Error for InputError {}

/// The first of several problems as one line, with how many more there are, so that a
/// clerk sees where to start and that there is more to fix.
pub fn summary(errors: &[InputError], lang: crate::i18n::Lang) -> String {
    match errors {
        [] => String::new(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!(
            "{} {}",
            first,
            crate::i18n::msg::import_more(lang, rest.len())
        ),
    }
}

/// What a reader needs besides the bytes: the policy the cases are checked against, the
/// language of its messages, and the day the import runs (a case identified after it is
/// refused; `None` skips that check).
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions<'a> {
    pub policy: &'a crate::domain::Policy,
    pub lang: crate::i18n::Lang,
    pub today: Option<chrono::NaiveDate>,
}

/// The cases of a file and what the import says about how it read them: the sheets it
/// skipped and why, the columns it did not use, the ids it made.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Imported {
    pub cases: Vec<crate::domain::Case>,
    pub notes: Vec<String>,
    /// Where each case is in the file (its sheet and row), in the user's language.
    pub places: Vec<String>,
}

/// The earliest and latest years a date of a case may have.
const YEARS: std::ops::RangeInclusive<i32> = 1949..=2200;

/// Values no ledger means: a date in year 0017 or 9999, a case identified in a later year
/// than its campaign year (or more than a year before it), an identification after today,
/// a name of invisible characters only. The field at fault and why, in the domain's words.
pub fn implausible(
    case: &crate::domain::Case,
    today: Option<chrono::NaiveDate>,
) -> Option<crate::domain::Refusal> {
    use crate::domain::{Field, Refusal};
    use chrono::Datelike;
    let p = case.pairing.as_ref();
    let mut dates: Vec<(Field, chrono::NaiveDate)> =
        vec![(Field::IdentifiedOn, case.identified_on)];
    dates.extend(case.deadline.map(|d| (Field::Deadline, d)));
    dates.extend(p.and_then(|p| p.paired_on).map(|d| (Field::PairedOn, d)));
    dates.extend(case.closed_on.map(|d| (Field::ClosedOn, d)));
    for t in &case.tasks {
        dates.push((Field::Due, t.due));
        dates.extend(t.done_on.map(|d| (Field::DoneOn, d)));
    }
    dates.extend(case.adjustments.iter().map(|a| (Field::Adjustments, a.on)));
    dates.extend(case.visits.iter().map(|v| (Field::Visits, v.on)));
    dates.extend(case.acceptance.iter().map(|a| (Field::Acceptance, a.on)));
    if let Some((field, date)) = dates.iter().find(|(_, d)| !YEARS.contains(&d.year())) {
        return Some(Refusal::ImplausibleDate {
            field: *field,
            date: *date,
        });
    }
    let y = case.identified_on.year();
    if y > case.year || y < case.year - 1 {
        return Some(Refusal::IdentifiedOutsideYear {
            identified_on: case.identified_on,
            year: case.year,
        });
    }
    if let Some(today) = today.filter(|t| case.identified_on > *t) {
        return Some(Refusal::AfterToday {
            field: Field::IdentifiedOn,
            date: case.identified_on,
            today,
        });
    }
    let mut names: Vec<(Field, &str)> = vec![
        (Field::County, &case.county),
        (Field::Township, &case.township),
        (Field::Village, &case.village),
    ];
    if let Some(p) = p {
        names.extend([
            (Field::CountyLeader, p.county_leader.as_str()),
            (Field::TownshipLeader, p.township_leader.as_str()),
            (Field::FirstSecretary, p.first_secretary.as_str()),
            (Field::FirstSecretaryUnit, p.first_secretary_unit.as_str()),
            (Field::AssistingUnit, p.assisting_unit.as_str()),
        ]);
    }
    names
        .into_iter()
        .find(|(_, s)| !s.is_empty() && visible(s).is_empty())
        .map(|(field, _)| Refusal::Invisible { field })
}

/// Characters that print nothing: zero-width spaces and joiners, the word joiner, the byte
/// order mark and the soft hyphen. A cell of these and spaces looks blank to a clerk.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}')
}

/// The text without invisible characters and surrounding spaces.
pub fn visible(s: &str) -> String {
    let s: String = s.chars().filter(|c| !invisible(*c)).collect();
    s.trim().to_string()
}
