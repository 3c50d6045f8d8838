//! The interchange JSON, `"format": "zhengdun/1"` (SPEC §6).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::InputError;
use crate::domain::{check_case, AccountabilityEvent, Case, Policy};
use crate::i18n::{self, Lang};

pub const FORMAT: &str = "zhengdun/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ledger {
    pub format: String,
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
    pub cases: Vec<Case>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accountability: Vec<AccountabilityEvent>,
}

impl Ledger {
    pub fn new(
        as_of: Option<NaiveDate>,
        cases: Vec<Case>,
        accountability: Vec<AccountabilityEvent>,
    ) -> Self {
        Ledger {
            format: FORMAT.to_string(),
            as_of,
            cases,
            accountability,
        }
    }

    pub fn to_json(&self) -> String {
        // Plain data: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Parses and checks a ledger file: shape, codes and dates (with line and column), then
/// each case's consistency and duplicate ids (with the case's place in the file).
pub fn parse(text: &str, file: &str, policy: &Policy, lang: Lang) -> Result<Ledger, InputError> {
    let err = |place: String, problem: String| InputError {
        file: file.to_string(),
        place,
        problem,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let ledger: Ledger = serde_json::from_str(text).map_err(|e| {
        let msg = e.to_string();
        // serde_json appends " at line L column C"; put the place first instead.
        let problem = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        err(format!("line {}, column {}", e.line(), e.column()), problem)
    })?;
    if ledger.format != FORMAT {
        return Err(err(
            "format".into(),
            format!(
                "\"{}\" is not a zhengdun ledger (expected \"{FORMAT}\")",
                ledger.format
            ),
        ));
    }
    let mut seen = std::collections::HashMap::new();
    for (i, c) in ledger.cases.iter().enumerate() {
        let place = format!("cases[{i}] ({})", c.id);
        check_case(c, policy).map_err(|r| err(place.clone(), i18n::refusal(lang, &r)))?;
        if let Some(first) = seen.insert(c.id.as_str(), i) {
            return Err(err(place, format!("duplicate id, first at cases[{first}]")));
        }
    }
    Ok(ledger)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{ "format": "zhengdun/1", "as_of": "2017-09-15",
      "cases": [ { "id": "2017-YG-003", "year": 2017, "county": "阳谷县", "township": "阿城镇",
          "village": "前进村", "situations": ["secretary_unfit", "poor_service"], "problems": "…",
          "identified_on": "2017-03-10", "deadline": "2017-12-31", "stage": "paired",
          "pairing": { "county_leader": "甲", "township_leader": "乙", "first_secretary": "丙",
                       "first_secretary_unit": "县财政局", "assisting_unit": "丁", "paired_on": "2017-03-25" },
          "tasks": [ { "measure": "…", "responsible": "…", "due": "2017-06-30", "done_on": null } ],
          "adjustments": [], "no_adjustment_reason": null,
          "visits": [ { "on": "2017-04-02", "by": "…", "kind": "unannounced", "findings": "…" } ],
          "acceptance": [], "closed_on": null, "relapse_of": null } ] }"#;

    #[test]
    fn the_spec_example_parses_and_round_trips() {
        let l = parse(ONE, "a.json", &Policy::default(), Lang::En).unwrap();
        assert_eq!(l.cases.len(), 1);
        let again = parse(&l.to_json(), "b.json", &Policy::default(), Lang::En).unwrap();
        assert_eq!(l, again);
    }

    #[test]
    fn unknown_codes_and_bad_dates_name_their_place() {
        let bad = ONE.replace("\"poor_service\"", "\"poor_servic\"");
        let e = parse(&bad, "a.json", &Policy::default(), Lang::En).unwrap_err();
        assert!(e.place.starts_with("line 3"), "{e}");
        assert!(e.problem.contains("poor_servic"), "{e}");
        let bad = ONE.replace("2017-03-10", "2017-02-30");
        let e = parse(&bad, "a.json", &Policy::default(), Lang::En).unwrap_err();
        assert!(e.place.starts_with("line 4"), "{e}");
    }

    #[test]
    fn a_stage_its_data_contradicts_is_refused() {
        let bad = ONE.replace("\"first_secretary\": \"丙\"", "\"first_secretary\": \"\"");
        let e = parse(&bad, "a.json", &Policy::default(), Lang::En).unwrap_err();
        assert_eq!(e.place, "cases[0] (2017-YG-003)");
        assert!(e.problem.contains("first secretary"), "{e}");
    }
}
