//! zhengdun's own workbook read back: the sheets of plan tasks, cadre adjustments, visits
//! and acceptance attempts that [`super::xlsx::write`] writes beside the cases, attached to
//! their cases by id, so that an exported workbook imports to the same cases.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::table::{self, Cell, Row, Source};
use super::{InputError, ReadOptions};
use crate::domain::{
    check_case, verdict, Acceptance, AdjustAction, AdjustReason, Adjustment, Case, Post,
    ReplacementSource, Standards, Task, Visit, VisitKind,
};
use crate::i18n::{self, t, tf, Lang};

/// A sheet of details that zhengdun's workbook has beside its cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Tasks,
    Adjustments,
    Visits,
    Acceptance,
}

impl Detail {
    pub const ALL: &'static [Detail] = &[
        Detail::Tasks,
        Detail::Adjustments,
        Detail::Visits,
        Detail::Acceptance,
    ];

    /// The string key of the sheet's name.
    pub fn sheet_key(self) -> &'static str {
        match self {
            Detail::Tasks => "x.sheet.tasks",
            Detail::Adjustments => "x.sheet.adjustments",
            Detail::Visits => "x.sheet.visits",
            Detail::Acceptance => "x.sheet.acceptance",
        }
    }
}

/// Whether a header cell names a field (its label in either language) or a string key's text.
fn heads(cell: &Cell, name: &str) -> bool {
    let text = cell.text();
    [Lang::Zh, Lang::En]
        .iter()
        .any(|l| i18n::field(*l, name) == text || (name.starts_with("x.") && t(*l, name) == text))
}

/// One data row of a detail sheet, read by the field names of its columns.
struct Line<'a> {
    row: &'a Row,
    columns: &'a HashMap<&'static str, usize>,
    lang: Lang,
}

/// A problem with a cell: the column's field name and why.
type Bad = (&'static str, String);

impl Line<'_> {
    fn cell(&self, name: &str) -> &Cell {
        self.columns
            .get(name)
            .and_then(|i| self.row.cells.get(*i))
            .unwrap_or(&Cell::Empty)
    }

    fn text(&self, name: &str) -> String {
        self.cell(name).text()
    }

    fn date(&self, name: &'static str) -> Result<Option<NaiveDate>, Bad> {
        table::date_cell(self.cell(name)).map_err(|v| (name, tf(self.lang, "imp.not_date", &[&v])))
    }

    fn day(&self, name: &'static str) -> Result<NaiveDate, Bad> {
        self.date(name)?
            .ok_or((name, t(self.lang, "imp.blank").to_string()))
    }

    fn number(&self, name: &'static str) -> Result<u32, Bad> {
        let c = self.cell(name);
        match c {
            Cell::Number(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(n) => {
                Ok(*n as u32)
            }
            _ => c
                .text()
                .parse()
                .map_err(|_| (name, tf(self.lang, "imp.not_number", &[&c.text()]))),
        }
    }

    fn code<T>(
        &self,
        name: &'static str,
        parse: fn(&str) -> Option<T>,
        known: fn() -> String,
    ) -> Result<T, Bad> {
        let v = self.text(name);
        parse(&v).ok_or((name, tf(self.lang, "imp.unknown_value", &[&v, &known()])))
    }
}

/// The columns of a detail sheet's header row (its first row that is not blank), by field.
fn columns(rows: &[Row], names: &[&'static str]) -> (usize, HashMap<&'static str, usize>) {
    let Some((at, header)) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.cells.iter().any(|c| !c.is_blank()))
    else {
        return (0, HashMap::new());
    };
    let mut out = HashMap::new();
    for (i, c) in header.cells.iter().enumerate() {
        if let Some(name) = names.iter().find(|n| heads(c, n)) {
            out.entry(*name).or_insert(i);
        }
    }
    (at, out)
}

/// Whether an acceptance sheet's cell says a standard was met (达标 / met).
fn met(text: &str) -> Option<bool> {
    [Lang::Zh, Lang::En].iter().find_map(|l| {
        if text == t(*l, "x.met") {
            Some(true)
        } else if text == t(*l, "x.unmet") {
            Some(false)
        } else {
            None
        }
    })
}

fn add(case: &mut Case, kind: Detail, line: &Line, opts: &ReadOptions) -> Result<(), Bad> {
    match kind {
        Detail::Tasks => case.tasks.push(Task {
            measure: line.text("measure"),
            responsible: line.text("responsible"),
            due: line.day("due")?,
            done_on: line.date("done_on")?,
        }),
        Detail::Adjustments => {
            let name = line.text("name");
            let why = line.text("no_adjustment_reason");
            if name.is_empty() && !why.is_empty() {
                case.no_adjustment_reason = Some(why);
                return Ok(());
            }
            let replacement = Some(line.text("replacement")).filter(|s| !s.is_empty());
            let replacement_source = match line.text("replacement_source").is_empty() {
                true => None,
                false => Some(line.code(
                    "replacement_source",
                    ReplacementSource::parse,
                    ReplacementSource::codes_list,
                )?),
            };
            case.adjustments.push(Adjustment {
                name,
                post: line.code("post", Post::parse, Post::codes_list)?,
                reason: line.code("reason", AdjustReason::parse, AdjustReason::codes_list)?,
                action: line.code("action", AdjustAction::parse, AdjustAction::codes_list)?,
                on: line.day("on")?,
                replacement,
                replacement_source,
            });
        }
        Detail::Visits => case.visits.push(Visit {
            on: line.day("on")?,
            by: line.text("by"),
            kind: line.code("kind", VisitKind::parse, VisitKind::codes_list)?,
            findings: line.text("findings"),
        }),
        Detail::Acceptance => {
            let mut standards: Standards = [false; 6];
            for (i, s) in standards.iter_mut().enumerate() {
                let v = line.cell(STANDARD_COLUMNS.get(i).copied().unwrap_or_default());
                *s = met(&v.text()).ok_or((
                    "standards",
                    tf(
                        opts.lang,
                        "imp.unknown_value",
                        &[&v.text(), t(opts.lang, "x.met")],
                    ),
                ))?;
            }
            let score = line.number("score")?;
            let (poll_n, poll_dissatisfied) =
                (line.number("poll_n")?, line.number("poll_dissatisfied")?);
            let voided = [Lang::Zh, Lang::En].iter().any(|l| {
                line.text("verdict")
                    .ends_with(t(*l, "acceptance.voided").trim())
            });
            if voided {
                case.voided_attempts += 1;
            }
            case.acceptance.push(Acceptance {
                on: line.day("on")?,
                by: line.text("by"),
                score: u8::try_from(score).map_err(|_| {
                    (
                        "score",
                        tf(opts.lang, "imp.not_number", &[&score.to_string()]),
                    )
                })?,
                poll_n,
                poll_dissatisfied,
                verdict: verdict(score, poll_n, poll_dissatisfied, &standards, opts.policy),
                standards,
            });
        }
    }
    Ok(())
}

/// The acceptance sheet names its standards' columns by their labels; these stand for them
/// in the column map.
const STANDARD_COLUMNS: [&str; 6] = ["std0", "std1", "std2", "std3", "std4", "std5"];

fn fields(kind: Detail) -> &'static [&'static str] {
    match kind {
        Detail::Tasks => &["id", "measure", "responsible", "due", "done_on"],
        Detail::Adjustments => &[
            "id",
            "name",
            "post",
            "reason",
            "action",
            "on",
            "replacement",
            "replacement_source",
            "no_adjustment_reason",
        ],
        Detail::Visits => &["id", "on", "by", "kind", "findings"],
        Detail::Acceptance => &[
            "id",
            "on",
            "by",
            "score",
            "poll_n",
            "poll_dissatisfied",
            "verdict",
        ],
    }
}

/// Attaches the details of zhengdun's workbook to the cases read from its cases sheet(s),
/// then checks each case again as a whole (its stage against its details). All or nothing.
pub fn attach(
    cases: &mut [(Option<String>, usize, Case)],
    details: &[(Detail, String, Vec<Row>)],
    file: &str,
    opts: &ReadOptions,
) -> Result<(), Vec<InputError>> {
    let lang = opts.lang;
    let by_id: HashMap<String, usize> = cases
        .iter()
        .enumerate()
        .map(|(i, (_, _, c))| (c.id.clone(), i))
        .collect();
    if details.iter().any(|(k, _, _)| *k == Detail::Adjustments) {
        // the adjustments sheet says which cases needed none, and why
        for (_, _, c) in cases.iter_mut() {
            c.no_adjustment_reason = None;
        }
    }
    let mut errors = Vec::new();
    for (kind, sheet, rows) in details {
        let src = Source {
            file,
            sheet: Some(sheet),
            text_deadline_is_default: true,
        };
        let (at, mut columns) = columns(rows, fields(*kind));
        if *kind == Detail::Acceptance {
            let header = rows.get(at).map(|r| r.cells.as_slice()).unwrap_or_default();
            for (s, key) in crate::domain::Standard::ALL.iter().zip(STANDARD_COLUMNS) {
                let label = |l: Lang| s.label(l);
                if let Some(i) = header
                    .iter()
                    .position(|c| c.text() == label(Lang::Zh) || c.text() == label(Lang::En))
                {
                    columns.insert(key, i);
                }
            }
        }
        let header_text = |name: &str| i18n::field(lang, name);
        for row in rows.iter().skip(at + 1) {
            if row.cells.iter().all(Cell::is_blank) {
                continue;
            }
            let line = Line {
                row,
                columns: &columns,
                lang,
            };
            let place = |name: &str| {
                tf(
                    lang,
                    "imp.place",
                    &[&row.number.to_string(), &header_text(name)],
                )
            };
            let id = line.text("id");
            let Some((_, _, case)) = by_id.get(&id).and_then(|i| cases.get_mut(*i)) else {
                errors.push(src.error(lang, place("id"), tf(lang, "imp.no_such_case", &[&id])));
                continue;
            };
            if let Err((name, why)) = add(case, *kind, &line, opts) {
                errors.push(src.error(lang, place(name), why));
            }
        }
    }
    for (sheet, row, case) in cases.iter_mut() {
        // visits are written newest first; the record keeps them in the order they happened
        case.visits.sort_by_key(|v| v.on);
        let src = Source {
            file,
            sheet: sheet.as_deref(),
            text_deadline_is_default: true,
        };
        let refused = check_case(case, opts.policy)
            .err()
            .or_else(|| super::implausible(case, opts.today, lang));
        if let Some(r) = refused {
            let place = tf(lang, "imp.row", &[&row.to_string()]);
            errors.push(src.error(lang, place, i18n::refusal(lang, &r)));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
