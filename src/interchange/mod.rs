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
            crate::i18n::tf(lang, "imp.more", &[&rest.len().to_string()])
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
}

/// The earliest and latest years a date of a case may have.
const YEARS: std::ops::RangeInclusive<i32> = 1949..=2200;

/// Values no ledger means: a date in year 0017 or 9999, a case identified in a later year
/// than its campaign year (or more than a year before it), an identification after today,
/// a name of invisible characters only. The field at fault and why, in the domain's words.
pub fn implausible(
    case: &crate::domain::Case,
    today: Option<chrono::NaiveDate>,
    lang: crate::i18n::Lang,
) -> Option<crate::domain::Refusal> {
    use crate::domain::Refusal;
    use chrono::Datelike;
    let p = case.pairing.as_ref();
    let mut dates: Vec<(&'static str, chrono::NaiveDate)> =
        vec![("identified_on", case.identified_on)];
    dates.extend(case.deadline.map(|d| ("deadline", d)));
    dates.extend(p.and_then(|p| p.paired_on).map(|d| ("paired_on", d)));
    dates.extend(case.closed_on.map(|d| ("closed_on", d)));
    for t in &case.tasks {
        dates.push(("due", t.due));
        dates.extend(t.done_on.map(|d| ("done_on", d)));
    }
    dates.extend(case.adjustments.iter().map(|a| ("adjustments", a.on)));
    dates.extend(case.visits.iter().map(|v| ("visits", v.on)));
    dates.extend(case.acceptance.iter().map(|a| ("acceptance", a.on)));
    if let Some((field, d)) = dates.iter().find(|(_, d)| !YEARS.contains(&d.year())) {
        return Some(Refusal::Invalid {
            field,
            problem: crate::i18n::tf(lang, "imp.date_range", &[&d.to_string()]),
        });
    }
    let y = case.identified_on.year();
    if y > case.year || y < case.year - 1 {
        return Some(Refusal::Invalid {
            field: "identified_on",
            problem: crate::i18n::tf(
                lang,
                "imp.identified_year",
                &[&case.identified_on.to_string(), &case.year.to_string()],
            ),
        });
    }
    if let Some(today) = today.filter(|t| case.identified_on > *t) {
        return Some(Refusal::AfterToday {
            field: "identified_on",
            date: case.identified_on,
            today,
        });
    }
    let mut names: Vec<(&'static str, &str)> = vec![
        ("county", &case.county),
        ("township", &case.township),
        ("village", &case.village),
    ];
    if let Some(p) = p {
        names.extend([
            ("county_leader", p.county_leader.as_str()),
            ("township_leader", p.township_leader.as_str()),
            ("first_secretary", p.first_secretary.as_str()),
            ("first_secretary_unit", p.first_secretary_unit.as_str()),
            ("assisting_unit", p.assisting_unit.as_str()),
        ]);
    }
    names
        .into_iter()
        .find(|(_, s)| !s.is_empty() && visible(s).is_empty())
        .map(|(field, _)| Refusal::Invalid {
            field,
            problem: crate::i18n::t(lang, "imp.invisible").to_string(),
        })
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
