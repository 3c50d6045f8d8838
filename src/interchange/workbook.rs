//! zhengdun's own workbook read back: the sheets of plan tasks, cadre adjustments, visits
//! and acceptance attempts that [`super::xlsx::write`] writes beside the cases, attached to
//! their cases by id, so that an exported workbook imports to the same cases.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::table::{self, Cell, Row, Source};
use super::{InputError, ReadOptions};
use crate::domain::{
    check_case, verdict, Acceptance, AdjustAction, AdjustReason, Adjustment, Case, Coded, Field,
    Post, ReplacementSource, Standard, Standards, Task, Visit, VisitKind,
};
use crate::i18n::{self, msg, parse_label, t, Label, Lang, Text};

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

    /// The sheet's name.
    pub fn sheet(self) -> Text {
        match self {
            Detail::Tasks => Text::XlsxSheetTasks,
            Detail::Adjustments => Text::XlsxSheetAdjustments,
            Detail::Visits => Text::XlsxSheetVisits,
            Detail::Acceptance => Text::XlsxSheetAcceptance,
        }
    }
}

/// Whether a header cell names a field (its label in either language).
fn heads(cell: &Cell, field: Field) -> bool {
    let text = cell.text();
    [Lang::Zh, Lang::En].iter().any(|l| field.label(*l) == text)
}

/// The columns of a detail sheet: its fields', and on the acceptance sheet the six
/// standards' (named by their labels), in §4's order.
#[derive(Default)]
struct Columns {
    fields: HashMap<Field, usize>,
    standards: [Option<usize>; 6],
}

/// One data row of a detail sheet, read by the fields of its columns.
struct Line<'a> {
    row: &'a Row,
    columns: &'a Columns,
    lang: Lang,
}

/// A problem with a cell: the column's field and why.
type Bad = (Field, String);

impl Line<'_> {
    fn at(&self, column: Option<usize>) -> &Cell {
        column
            .and_then(|i| self.row.cells.get(i))
            .unwrap_or(&Cell::Empty)
    }

    fn cell(&self, name: Field) -> &Cell {
        self.at(self.columns.fields.get(&name).copied())
    }

    fn text(&self, name: Field) -> String {
        self.cell(name).text()
    }

    fn date(&self, name: Field) -> Result<Option<NaiveDate>, Bad> {
        table::date_cell(self.cell(name)).map_err(|v| (name, msg::import_not_date(self.lang, &v)))
    }

    fn day(&self, name: Field) -> Result<NaiveDate, Bad> {
        self.date(name)?
            .ok_or((name, t(self.lang, Text::ImportBlank).to_string()))
    }

    fn number(&self, name: Field) -> Result<u32, Bad> {
        let c = self.cell(name);
        match c {
            Cell::Number(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(n) => {
                Ok(*n as u32)
            }
            _ => c
                .text()
                .parse()
                .map_err(|_| (name, msg::import_not_number(self.lang, c.text()))),
        }
    }

    /// A value of a code list, by its code or its label in either language.
    fn code<T: Coded + Label>(&self, name: Field) -> Result<T, Bad> {
        let v = self.text(name);
        let known = || {
            T::ALL
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(", ")
        };
        parse_label::<T>(&v)
            .ok_or_else(|| (name, msg::import_unknown_value(self.lang, &v, known())))
    }
}

/// The columns of a detail sheet's header row (its first row that is not blank).
fn columns(rows: &[Row], names: &[Field]) -> (usize, Columns) {
    let Some((at, header)) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.cells.iter().any(|c| !c.is_blank()))
    else {
        return (0, Columns::default());
    };
    let mut out = Columns::default();
    for (i, c) in header.cells.iter().enumerate() {
        if let Some(name) = names.iter().find(|n| heads(c, **n)) {
            out.fields.entry(*name).or_insert(i);
        }
    }
    (at, out)
}

/// Whether an acceptance sheet's cell says a standard was met (达标 / met).
fn met(text: &str) -> Option<bool> {
    [Lang::Zh, Lang::En].iter().find_map(|l| {
        if text == t(*l, Text::XlsxMet) {
            Some(true)
        } else if text == t(*l, Text::XlsxUnmet) {
            Some(false)
        } else {
            None
        }
    })
}

fn add(case: &mut Case, kind: Detail, line: &Line, opts: &ReadOptions) -> Result<(), Bad> {
    match kind {
        Detail::Tasks => case.tasks.push(Task {
            measure: line.text(Field::Measure),
            responsible: line.text(Field::Responsible),
            due: line.day(Field::Due)?,
            done_on: line.date(Field::DoneOn)?,
        }),
        Detail::Adjustments => {
            let name = line.text(Field::Name);
            let why = line.text(Field::NoAdjustmentReason);
            if name.is_empty() && !why.is_empty() {
                case.no_adjustment_reason = Some(why);
                return Ok(());
            }
            let replacement = Some(line.text(Field::Replacement)).filter(|s| !s.is_empty());
            let replacement_source = match line.text(Field::ReplacementSource).is_empty() {
                true => None,
                false => Some(line.code::<ReplacementSource>(Field::ReplacementSource)?),
            };
            case.adjustments.push(Adjustment {
                name,
                post: line.code::<Post>(Field::Post)?,
                reason: line.code::<AdjustReason>(Field::Reason)?,
                action: line.code::<AdjustAction>(Field::Action)?,
                on: line.day(Field::On)?,
                replacement,
                replacement_source,
            });
        }
        Detail::Visits => case.visits.push(Visit {
            on: line.day(Field::On)?,
            by: line.text(Field::By),
            kind: line.code::<VisitKind>(Field::Kind)?,
            findings: line.text(Field::Findings),
        }),
        Detail::Acceptance => {
            let mut standards: Standards = [false; 6];
            for (s, column) in standards.iter_mut().zip(line.columns.standards) {
                let v = line.at(column);
                *s = met(&v.text()).ok_or_else(|| {
                    (
                        Field::Standards,
                        msg::import_unknown_value(opts.lang, v.text(), t(opts.lang, Text::XlsxMet)),
                    )
                })?;
            }
            let score = line.number(Field::Score)?;
            let (poll_n, poll_dissatisfied) = (
                line.number(Field::PollN)?,
                line.number(Field::PollDissatisfied)?,
            );
            let voided = [Lang::Zh, Lang::En].iter().any(|l| {
                line.text(Field::Verdict)
                    .ends_with(t(*l, Text::AcceptanceVoided).trim())
            });
            if voided {
                case.voided_attempts += 1;
            }
            case.acceptance.push(Acceptance {
                on: line.day(Field::On)?,
                by: line.text(Field::By),
                score: u8::try_from(score)
                    .map_err(|_| (Field::Score, msg::import_not_number(opts.lang, score)))?,
                poll_n,
                poll_dissatisfied,
                verdict: verdict(score, poll_n, poll_dissatisfied, &standards, opts.policy),
                standards,
            });
        }
    }
    Ok(())
}

fn fields(kind: Detail) -> &'static [Field] {
    match kind {
        Detail::Tasks => &[
            Field::Id,
            Field::Measure,
            Field::Responsible,
            Field::Due,
            Field::DoneOn,
        ],
        Detail::Adjustments => &[
            Field::Id,
            Field::Name,
            Field::Post,
            Field::Reason,
            Field::Action,
            Field::On,
            Field::Replacement,
            Field::ReplacementSource,
            Field::NoAdjustmentReason,
        ],
        Detail::Visits => &[
            Field::Id,
            Field::On,
            Field::By,
            Field::Kind,
            Field::Findings,
        ],
        Detail::Acceptance => &[
            Field::Id,
            Field::On,
            Field::By,
            Field::Score,
            Field::PollN,
            Field::PollDissatisfied,
            Field::Verdict,
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
            for (s, column) in Standard::ALL.iter().zip(columns.standards.iter_mut()) {
                let label = |l: Lang| s.label(l);
                *column = header
                    .iter()
                    .position(|c| c.text() == label(Lang::Zh) || c.text() == label(Lang::En));
            }
        }
        for row in rows.iter().skip(at + 1) {
            if row.cells.iter().all(Cell::is_blank) {
                continue;
            }
            let line = Line {
                row,
                columns: &columns,
                lang,
            };
            let place = |name: Field| msg::import_place(lang, row.number, name.label(lang));
            let id = line.text(Field::Id);
            let Some((_, _, case)) = by_id.get(&id).and_then(|i| cases.get_mut(*i)) else {
                errors.push(src.error(lang, place(Field::Id), msg::import_no_such_case(lang, &id)));
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
            .or_else(|| super::implausible(case, opts.today));
        if let Some(r) = refused {
            let place = msg::import_row(lang, row);
            errors.push(src.error(lang, place, i18n::refusal(lang, &r)));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
