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

/// Rows of a sheet, in row order, as a reader gives them: a row at a time from an xlsx
/// sheet, from a sheet read whole otherwise. An error is the reader's (a damaged sheet).
pub trait Rows {
    fn next_row(&mut self) -> Result<Option<Row>, String>;

    /// Only the cell of this column is wanted from the next rows (a reader may leave the
    /// others empty).
    fn only(&mut self, _column: usize) {}
}

/// The rows of a sheet held whole.
pub struct Held(pub std::vec::IntoIter<Row>);

impl Rows for Held {
    fn next_row(&mut self) -> Result<Option<Row>, String> {
        Ok(self.0.next())
    }
}

/// The header of a detail sheet (its first row that is not blank) and its columns, the
/// rows above it read; `None` when the sheet has no such row.
fn header(rows: &mut dyn Rows, kind: Detail) -> Result<Option<Columns>, String> {
    while let Some(row) = rows.next_row()? {
        if row.cells.iter().all(Cell::is_blank) {
            continue;
        }
        let mut out = Columns::default();
        for (i, c) in row.cells.iter().enumerate() {
            if let Some(name) = fields(kind).iter().find(|n| heads(c, **n)) {
                out.fields.entry(*name).or_insert(i);
            }
        }
        if kind == Detail::Acceptance {
            for (s, column) in Standard::ALL.iter().zip(out.standards.iter_mut()) {
                let label = |l: Lang| s.label(l);
                *column = row
                    .cells
                    .iter()
                    .position(|c| c.text() == label(Lang::Zh) || c.text() == label(Lang::En));
            }
        }
        return Ok(Some(out));
    }
    Ok(None)
}

/// The next data row of a detail sheet: not blank, below its header.
fn data_row(rows: &mut dyn Rows) -> Result<Option<Row>, String> {
    while let Some(row) = rows.next_row()? {
        if !row.cells.iter().all(Cell::is_blank) {
            return Ok(Some(row));
        }
    }
    Ok(None)
}

/// Where each case's rows are on the detail sheets: the last row of each id on each sheet,
/// found by a first read of the sheets' id columns. With it the cases can be read with their
/// details a case at a time, the detail sheets read beside the cases sheet, whatever the
/// order of their rows: the rows of a case not reached yet are held until it is (none, in
/// zhengdun's own workbook, whose details are in the order of its cases).
#[derive(Debug, Default, Clone)]
pub struct Plan {
    /// each id, numbered
    ids: HashMap<Box<str>, u32>,
    /// for each sheet, the number of the last row of each id (by its number); 0: none
    last: Vec<Vec<u32>>,
}

impl Plan {
    /// Reads the next detail sheet's id column.
    pub fn sheet(&mut self, rows: &mut dyn Rows, kind: Detail) -> Result<(), String> {
        let mut last = Vec::new();
        let column = header(rows, kind)?.and_then(|c| c.fields.get(&Field::Id).copied());
        if let Some(c) = column {
            rows.only(c);
        }
        let blank = Cell::Empty;
        while let Some(row) = data_row(rows)? {
            let id = column
                .and_then(|c| row.cells.get(c))
                .unwrap_or(&blank)
                .text();
            let next = self.ids.len() as u32;
            let n = *self.ids.entry(id.into_boxed_str()).or_insert(next) as usize;
            if last.len() <= n {
                last.resize(n + 1, 0);
            }
            if let Some(at) = last.get_mut(n) {
                *at = row.number as u32;
            }
        }
        self.last.push(last);
        Ok(())
    }

    /// The last row of `id` on sheet `sheet` (0: none).
    fn last(&self, sheet: usize, id: &str) -> u32 {
        let n = self.ids.get(id).map(|n| *n as usize);
        self.last
            .get(sheet)
            .and_then(|l| l.get(n?))
            .copied()
            .unwrap_or(0)
    }
}

/// One detail sheet read beside the cases: its rows not yet reached, those of cases not
/// reached yet, and the problems of its rows with their row numbers.
struct Sheet<'r> {
    kind: Detail,
    name: String,
    rows: Box<dyn Rows + 'r>,
    columns: Columns,
    next: Option<Row>,
    ahead: HashMap<String, Vec<Row>>,
    errors: Vec<(usize, InputError)>,
}

/// zhengdun's own workbook read back a case at a time: the details of each case read from
/// the plan tasks, adjustments, visits and acceptance sheets as the case comes from its
/// cases sheet (see [`Plan`]), then the case checked again as a whole (its stage against its
/// details). The problems are said in the order of the sheets and their rows, then of the
/// cases, as when every sheet was read whole first.
pub struct Attach<'r, 'o> {
    sheets: Vec<Sheet<'r>>,
    /// `None`: the rows are known to be in the order of the cases, each case's together
    plan: Option<&'r Plan>,
    /// whether a row was held for a case not reached yet
    held: bool,
    file: &'r str,
    opts: &'r ReadOptions<'o>,
    /// the adjustments sheet says which cases needed none, and why
    adjustments: bool,
    refused: Vec<InputError>,
}

impl<'r, 'o> Attach<'r, 'o> {
    /// The detail sheets, in the workbook's order, each with its rows from the top; `plan`
    /// has read the same sheets in the same order. Without a plan, the rows must be in the
    /// order of the cases, each case's together (as a read with one found: see
    /// [`Attach::in_order`]); a case's rows are then those at the top of each sheet.
    pub fn new(
        sheets: Vec<(Detail, String, Box<dyn Rows + 'r>)>,
        plan: Option<&'r Plan>,
        file: &'r str,
        opts: &'r ReadOptions<'o>,
    ) -> Result<Self, String> {
        let mut out = Attach {
            sheets: Vec::new(),
            plan,
            held: false,
            file,
            opts,
            adjustments: sheets.iter().any(|(k, _, _)| *k == Detail::Adjustments),
            refused: Vec::new(),
        };
        for (kind, name, mut rows) in sheets {
            let columns = header(rows.as_mut(), kind)?.unwrap_or_default();
            out.sheets.push(Sheet {
                kind,
                name,
                rows,
                columns,
                next: None,
                ahead: HashMap::new(),
                errors: Vec::new(),
            });
        }
        Ok(out)
    }

    /// Whether every row came in the order of the cases, each case's rows together, so
    /// that another read of the same sheets needs no plan.
    pub fn in_order(&self) -> bool {
        !self.held
    }

    /// Whether a problem was found so far.
    pub fn failed(&self) -> bool {
        !self.refused.is_empty() || self.sheets.iter().any(|s| !s.errors.is_empty())
    }

    /// Adds its details to a case read from row `row` of a cases sheet (`sheet`, when the
    /// workbook's places name it), and checks it.
    pub fn case(&mut self, case: &mut Case, sheet: Option<&str>, row: usize) -> Result<(), String> {
        let (file, opts) = (self.file, self.opts);
        let lang = opts.lang;
        if self.adjustments {
            case.no_adjustment_reason = None;
        }
        for (i, s) in self.sheets.iter_mut().enumerate() {
            // the case's last row on the sheet; without a plan, the rows at the top of its id
            let last = match self.plan {
                Some(plan) => plan.last(i, &case.id) as usize,
                None => usize::MAX,
            };
            if last == 0 {
                continue;
            }
            let mut mine = s.ahead.remove(&case.id).unwrap_or_default();
            loop {
                if s.next.is_none() {
                    s.next = data_row(s.rows.as_mut())?;
                }
                let Some(r) = s.next.take() else {
                    break;
                };
                if r.number > last {
                    s.next = Some(r);
                    break;
                }
                let id = Line {
                    row: &r,
                    columns: &s.columns,
                    lang,
                }
                .text(Field::Id);
                if id == case.id {
                    mine.push(r);
                } else if self.plan.is_none() {
                    s.next = Some(r);
                    break;
                } else {
                    self.held = true;
                    s.ahead.entry(id).or_default().push(r);
                }
            }
            let src = Source {
                file,
                sheet: Some(&s.name),
                text_deadline_is_default: true,
            };
            for r in &mine {
                let line = Line {
                    row: r,
                    columns: &s.columns,
                    lang,
                };
                if let Err((name, why)) = add(case, s.kind, &line, opts) {
                    let place = msg::import_place(lang, r.number, name.label(lang));
                    s.errors.push((r.number, src.error(lang, place, why)));
                }
            }
        }
        // visits are written newest first; the record keeps them in the order they happened
        case.visits.sort_by_key(|v| v.on);
        let refused = check_case(case, opts.policy)
            .err()
            .or_else(|| super::implausible(case, opts.today));
        if let Some(r) = refused {
            let src = Source {
                file,
                sheet,
                text_deadline_is_default: true,
            };
            let place = msg::import_row(lang, row);
            self.refused
                .push(src.error(lang, place, i18n::refusal(lang, &r)));
        }
        Ok(())
    }

    /// Once every case is read: the rows of ids that no case has, then every problem found,
    /// sheet by sheet in row order, then case by case.
    pub fn finish(self) -> Result<Vec<InputError>, String> {
        let lang = self.opts.lang;
        let mut errors = Vec::new();
        for mut s in self.sheets {
            let mut left: Vec<Row> = s.ahead.into_values().flatten().collect();
            left.extend(s.next.take());
            while let Some(r) = data_row(s.rows.as_mut())? {
                left.push(r);
            }
            let src = Source {
                file: self.file,
                sheet: Some(&s.name),
                text_deadline_is_default: true,
            };
            for r in &left {
                let id = Line {
                    row: r,
                    columns: &s.columns,
                    lang,
                }
                .text(Field::Id);
                let place = msg::import_place(lang, r.number, Field::Id.label(lang));
                s.errors.push((
                    r.number,
                    src.error(lang, place, msg::import_no_such_case(lang, &id)),
                ));
            }
            s.errors.sort_by_key(|(n, _)| *n);
            errors.extend(s.errors.into_iter().map(|(_, e)| e));
        }
        errors.extend(self.refused);
        Ok(errors)
    }
}
