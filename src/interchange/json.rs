//! The interchange JSON, `"format": "zhengdun/1"` (SPEC §6).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{InputError, ReadOptions};
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

    /// The ledger as pretty JSON. Plain data does not fail to serialise, but if it ever did
    /// the caller reports it: an empty file is never written in place of an export.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

/// A list written as it is read, part by part: a serialiser pulls the items from the
/// iterator as it writes them, so that a list of 100,000 cases is never held whole. An
/// item that cannot be had (a ledger's error, in words) stops the writing with that error.
pub struct Streamed<I>(std::cell::RefCell<Option<I>>);

impl<I> Streamed<I> {
    pub fn new(items: I) -> Streamed<I> {
        Streamed(std::cell::RefCell::new(Some(items)))
    }
}

impl<T: Serialize, I: Iterator<Item = Result<T, String>>> Serialize for Streamed<I> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let items = self.0.borrow_mut().take();
        let mut seq = s.serialize_seq(None)?;
        for item in items.into_iter().flatten() {
            seq.serialize_element(&item.map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

/// [`Ledger`] as it is written when its cases are read part by part ([`Streamed`]): the
/// same JSON, field for field.
#[derive(Serialize)]
pub struct StreamedLedger<'a, C> {
    pub format: &'a str,
    pub as_of: Option<NaiveDate>,
    /// A [`Streamed`] list of the cases.
    pub cases: C,
    #[serde(skip_serializing_if = "<[AccountabilityEvent]>::is_empty")]
    pub accountability: &'a [AccountabilityEvent],
}

/// Parses and checks a ledger file: shape, codes and dates (with line and column), then
/// each case's consistency and duplicate ids (with the case's place in the file).
pub fn parse(text: &str, file: &str, policy: &Policy, lang: Lang) -> Result<Ledger, InputError> {
    let opts = ReadOptions {
        policy,
        lang,
        today: None,
    };
    import(text, file, &opts)
}

/// [`parse`], refusing besides what no ledger means ([`super::implausible`]): a case
/// identified after `opts.today`, a date in year 0017, a name of invisible characters.
pub fn import(text: &str, file: &str, opts: &ReadOptions) -> Result<Ledger, InputError> {
    let (policy, lang) = (opts.policy, opts.lang);
    let err = |place: String, problem: String| InputError {
        file: file.to_string(),
        place,
        problem,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // A plain parse; after an error, a second one that records where in the ledger it is.
    let ledger: Ledger = serde_json::from_str(text).map_err(|plain| {
        let mut de = serde_json::Deserializer::from_str(text);
        let (place, problem) = match serde_path_to_error::deserialize::<_, Ledger>(&mut de) {
            Err(e) => locate(text, Some(e.path()), e.inner(), lang),
            // what is left after the ledger
            Ok(_) => locate(text, None, &plain, lang),
        };
        err(place, problem)
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
        if let Some(r) = super::implausible(c, opts.today) {
            return Err(err(place, i18n::refusal(lang, &r)));
        }
        if let Some(first) = seen.insert(c.id.as_str(), i) {
            return Err(err(
                place,
                i18n::msg::json_duplicate(lang, format!("cases[{first}]")),
            ));
        }
    }
    Ok(ledger)
}

/// What [`stream`] read besides the cases.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Read {
    pub as_of: Option<NaiveDate>,
    pub accountability: Vec<AccountabilityEvent>,
    pub cases: usize,
}

/// Reads a ledger as [`import`] does, a case at a time: each case, checked as `import`
/// checks it, goes to `each` as soon as it is read, so that a file of 100,000 cases is never
/// held whole. `None` when the file is not read this way — its `format` is not
/// [`FORMAT`] or comes after its cases (a backup, say), or anything is wrong with it; no
/// case has gone to `each` then, or the file has a problem `import` refuses it for: read it
/// whole with `import`, which words what it is.
pub fn stream(
    reader: impl std::io::Read,
    opts: &ReadOptions,
    each: &mut dyn FnMut(Case),
) -> Option<Read> {
    let mut reader = std::io::BufReader::with_capacity(1 << 16, reader);
    {
        use std::io::BufRead;
        let start = reader.fill_buf().ok()?;
        if start.starts_with("\u{feff}".as_bytes()) {
            reader.consume(3);
        }
    }
    let mut top = Top {
        opts,
        each,
        format: false,
        read: Read::default(),
        seen: std::collections::HashSet::new(),
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    serde::Deserializer::deserialize_map(&mut de, &mut top).ok()?;
    de.end().ok()?;
    top.format.then_some(top.read)
}

/// The top of a ledger, read by [`stream`].
struct Top<'a, 'o> {
    opts: &'a ReadOptions<'o>,
    each: &'a mut dyn FnMut(Case),
    format: bool,
    read: Read,
    seen: std::collections::HashSet<String>,
}

/// Ends a [`stream`]: the file is read whole instead.
fn whole<E: serde::de::Error>() -> E {
    E::custom("read the ledger whole")
}

impl<'de> serde::de::Visitor<'de> for &mut Top<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a zhengdun ledger")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !keys.insert(key.clone()) {
                return Err(whole());
            }
            match key.as_str() {
                "format" => {
                    let format: String = map.next_value()?;
                    if format != FORMAT {
                        return Err(whole());
                    }
                    self.format = true;
                }
                "as_of" => self.read.as_of = map.next_value()?,
                "accountability" => self.read.accountability = map.next_value()?,
                "cases" if self.format => map.next_value_seed(&mut *self)?,
                _ => return Err(whole()),
            }
        }
        if !keys.contains("cases") {
            return Err(whole());
        }
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(c) = seq.next_element::<Case>()? {
            let (policy, today) = (self.opts.policy, self.opts.today);
            if check_case(&c, policy).is_err()
                || super::implausible(&c, today).is_some()
                || !self.seen.insert(c.id.clone())
            {
                return Err(whole());
            }
            self.read.cases += 1;
            (self.each)(c);
        }
        Ok(())
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for &mut Top<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

/// Where a JSON error is, as a clerk finds it: the case by its place and id, the field, and
/// the line; and what is wrong, in words (a bad date names its value and how to write it).
fn locate(
    text: &str,
    path: Option<&serde_path_to_error::Path>,
    inner: &serde_json::Error,
    lang: Lang,
) -> (String, String) {
    use serde_path_to_error::Segment;
    let (line, column) = (inner.line(), inner.column());
    let at = i18n::msg::json_at(lang, line, column);
    let message = inner.to_string();
    // serde_json appends " at line L column C"; the place says it already.
    let message = message.split(" at line ").next().unwrap_or(&message);
    if !text.trim_start().starts_with('{') {
        return (at, i18n::msg::json_not_ledger(lang, FORMAT));
    }
    let mut parts: Vec<String> = Vec::new();
    for seg in path.into_iter().flat_map(|p| p.iter()) {
        match seg {
            Segment::Seq { index } => {
                let last = parts.pop().unwrap_or_default();
                let id = (parts.is_empty() && last == "cases")
                    .then(|| case_id(text, *index))
                    .flatten();
                parts.push(match id {
                    Some(id) => format!("{last}[{index}] ({id})"),
                    None => format!("{last}[{index}]"),
                });
            }
            Segment::Map { key } => parts.push(key.clone()),
            Segment::Enum { variant } => parts.push(variant.clone()),
            Segment::Unknown => {}
        }
    }
    let place = match parts.is_empty() {
        true => at,
        false => format!("{} ({at})", parts.join(".")),
    };
    (place, wording(text, inner, message, lang))
}

/// What is wrong, in the user's words: a date by its value, a missing field, an unknown code,
/// a syntax error; anything else as serde_json says it.
fn wording(text: &str, inner: &serde_json::Error, message: &str, lang: Lang) -> String {
    // chrono's words for a string that is no date
    const NOT_A_DATE: [&str; 4] = [
        "input is out of range",
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
    ];
    if NOT_A_DATE.contains(&message) {
        if let Some(s) = string_before(text, inner.line(), inner.column()) {
            return i18n::msg::json_not_date(lang, s);
        }
    }
    // serde's "missing field `x`" and "unknown variant `x`, expected one of `a`, `b`"
    let quoted = |prefix: &str| {
        let rest = message.strip_prefix(prefix)?;
        let (word, rest) = rest.split_once('`')?;
        Some((word, rest.replace('`', "")))
    };
    if let Some((field, _)) = quoted("missing field `") {
        i18n::msg::json_missing(lang, field)
    } else if let Some((code, rest)) = quoted("unknown variant `") {
        let known = rest.split_once("expected one of ").map_or("", |(_, k)| k);
        i18n::msg::json_unknown_code(lang, code, known)
    } else if inner.is_syntax() || inner.is_eof() {
        i18n::msg::json_syntax(lang, message)
    } else {
        message.to_string()
    }
}

/// The id of the `index`th case, read again without keeping anything but the ids.
fn case_id(text: &str, index: usize) -> Option<String> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum MaybeId {
        Case { id: String },
        Other(serde::de::IgnoredAny),
    }
    #[derive(Deserialize)]
    struct Ids {
        cases: Vec<MaybeId>,
    }
    let ids: Ids = serde_json::from_str(text).ok()?;
    match ids.cases.into_iter().nth(index)? {
        MaybeId::Case { id } => Some(id),
        MaybeId::Other(_) => None,
    }
}

/// The string value that ends just before a place serde_json reports (1-based line and
/// column): the text of a date it could not read.
fn string_before(text: &str, line: usize, column: usize) -> Option<&str> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let upto = l.get(..column.min(l.len()))?;
    let end = upto.rfind('"')?;
    let start = upto[..end].rfind('"')?;
    Some(&upto[start + 1..end])
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
        let again = parse(
            &l.to_json().unwrap(),
            "b.json",
            &Policy::default(),
            Lang::En,
        )
        .unwrap();
        assert_eq!(l, again);
    }

    #[test]
    fn unknown_codes_and_bad_dates_name_their_place() {
        let bad = ONE.replace("\"poor_service\"", "\"poor_servic\"");
        let e = parse(&bad, "a.json", &Policy::default(), Lang::En).unwrap_err();
        assert_eq!(
            e.place,
            "cases[0] (2017-YG-003).situations[1] (line 3, column 81)"
        );
        assert!(e.problem.contains("poor_servic"), "{e}");
        let bad = ONE.replace("2017-03-10", "2017-02-30");
        let e = parse(&bad, "a.json", &Policy::default(), Lang::En).unwrap_err();
        assert!(
            e.place
                .starts_with("cases[0] (2017-YG-003).identified_on (line 4"),
            "{e}"
        );
        assert_eq!(e.problem, "'2017-02-30' is not a date (write 2017-03-10)");
    }

    #[test]
    fn a_stage_its_data_contradicts_is_refused() {
        let bad = ONE.replace("\"first_secretary\": \"丙\"", "\"first_secretary\": \"\"");
        let e = parse(&bad, "a.json", &Policy::default(), Lang::En).unwrap_err();
        assert_eq!(e.place, "cases[0] (2017-YG-003)");
        assert!(e.problem.contains("first secretary"), "{e}");
    }
}
