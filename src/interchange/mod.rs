//! File formats: the interchange JSON (SPEC §6), and the CSV and xlsx ledgers.

pub mod csv;
pub mod dates;
pub mod json;
pub mod table;
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
