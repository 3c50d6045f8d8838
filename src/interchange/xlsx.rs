//! The xlsx ledger. Reading (calamine): the first sheet with a ledger header row, through
//! the shared table reader. Writing (rust_xlsxwriter): a ledger a clerk can print — the
//! cases with overdue rows marked, the plan tasks, cadre adjustments, visits and acceptance
//! attempts, and the annual statistics sheet 「整顿软弱涣散基层党组织情况」.

use std::collections::HashMap;
use std::io::{Cursor, Read, Seek};

use calamine::{Data, Reader};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::table::{self, Cell, Row};
use super::workbook::{Attach, Detail, Held, Plan, Rows};
use super::{csv as flat, Imported, InputError, ReadOptions};
use crate::domain::{due_status, Case, Field, Policy, Standard, Verdict};
use crate::i18n::{self, msg, t, Label, Lang, Text};
use crate::stats::{self, ANNUAL_TYPES};
use crate::text;

// ---------------------------------------------------------------- reading

fn cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, day, ..) = dt.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(y as i32, m as u32, day as u32)
                .map(Cell::Date)
                .unwrap_or_else(|| Cell::Number(dt.as_f64()))
        }
        Data::DateTime(dt) => Cell::Number(dt.as_f64()),
        Data::DateTimeIso(s) => Cell::Text(s.split('T').next().unwrap_or(s).to_string()),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

/// Reads a flat ledger from an xlsx (or xls, ods) workbook: the cases of every sheet with a
/// ledger header row. All or nothing.
pub fn read(
    bytes: &[u8],
    file: &str,
    policy: &Policy,
    lang: Lang,
) -> Result<Vec<Case>, Vec<InputError>> {
    let opts = ReadOptions {
        policy,
        lang,
        today: None,
    };
    import(bytes, file, &opts).map(|i| i.cases)
}

/// What a read of a workbook learnt that another read of the same file needs again: each
/// xlsx sheet's merged regions (found by a read of the whole sheet of their own) and where
/// each case's details are (see [`Plan`]), so that the second pass of an import reads each
/// sheet once; and whether the read found no problem, so that the second need not hold
/// every id to find one on two sheets (a file changed between the passes is refused by the
/// ledger, which compares each case with the one it checked).
#[derive(Debug, Default)]
pub struct Known {
    merges: HashMap<String, Vec<calamine::Dimensions>>,
    /// `None` once a read found the details in the order of the cases (none needed)
    plan: Option<Plan>,
    /// a whole read found no problem
    good: bool,
}

/// The rows of an xlsx sheet as its cells come, in row order, from the first row with a
/// value to the last, each with its number as a spreadsheet shows it and a vertically merged
/// cell's value in every row it covers (a county or township merged down its villages): a
/// row with no value between them comes as a row of no cells (a merged cell may still fill
/// it), as a whole-sheet read has them. Only the row being assembled is held.
struct SheetRows<'a, RS: Read + Seek> {
    /// `None`: a chart sheet, no cells
    cells: Option<calamine::XlsxCellReader<'a, RS>>,
    merged: Merged,
    /// the first cell with a value of the row after the one assembled: row, column, value
    carry: Option<(u32, u32, Cell)>,
    /// the row assembled (0-based) and its cells, not handed on yet
    ready: Option<(u32, Vec<Cell>)>,
    /// the last row handed on
    last: Option<u32>,
    /// only this column's cells are wanted (no merged regions to fill from the others)
    only: Option<u32>,
}

impl<'a, RS: Read + Seek> SheetRows<'a, RS> {
    fn open(
        book: &'a mut calamine::Xlsx<RS>,
        name: &str,
        merges: Vec<calamine::Dimensions>,
    ) -> Result<Self, String> {
        let cells = match crate::panics::quietly(|| book.worksheet_cells_reader(name))? {
            Ok(reader) => Some(reader),
            Err(calamine::XlsxError::NotAWorksheet(_)) => None,
            Err(e) => return Err(e.to_string()),
        };
        Ok(SheetRows {
            cells,
            merged: Merged::new(merges),
            carry: None,
            ready: None,
            last: None,
            only: None,
        })
    }

    /// Reads the cells of the next row with a value into `ready`.
    fn assemble(&mut self) -> Result<(), String> {
        let Some(reader) = self.cells.as_mut() else {
            return Ok(());
        };
        let (carry, only) = (&mut self.carry, self.only);
        let mut row: Option<(u32, Vec<Cell>)> = None;
        let put = |row: &mut Option<(u32, Vec<Cell>)>, (r, col, value): (u32, u32, Cell)| {
            let (_, found) = row.get_or_insert_with(|| (r, Vec::new()));
            let col = col as usize;
            // a cell reference is at most the sheet's width
            if col >= found.len() && col < 16_384 {
                found.resize(col + 1, Cell::Empty);
            }
            if let Some(slot) = found.get_mut(col) {
                *slot = value;
            }
        };
        if let Some(c) = carry.take() {
            put(&mut row, c);
        }
        // whether the sheet's last cell was read
        let read = crate::panics::quietly(|| -> Result<bool, String> {
            while let Some(c) = reader.next_cell().map_err(|e| e.to_string())? {
                if matches!(c.get_value(), calamine::DataRef::Empty) {
                    continue;
                }
                let (r, col) = c.get_position();
                if only.is_some_and(|o| o != col) {
                    continue;
                }
                let value = cell(&calamine::Data::from(c.get_value().clone()));
                match &row {
                    Some((at, _)) if *at != r => {
                        *carry = Some((r, col, value));
                        return Ok(false);
                    }
                    _ => put(&mut row, (r, col, value)),
                }
            }
            Ok(true)
        });
        self.ready = row;
        if read?? {
            self.cells = None;
        }
        Ok(())
    }
}

impl<RS: Read + Seek> Rows for SheetRows<'_, RS> {
    fn next_row(&mut self) -> Result<Option<Row>, String> {
        if self.ready.is_none() {
            self.assemble()?;
        }
        let Some(at) = self.ready.as_ref().map(|(at, _)| *at) else {
            return Ok(None);
        };
        // the rows with no value between the last row and this one
        let number = match self.last {
            Some(before) if before + 1 < at => before + 1,
            _ => at,
        };
        let cells = match number == at {
            true => self.ready.take().map(|(_, c)| c).unwrap_or_default(),
            false => Vec::new(),
        };
        self.last = Some(number);
        let mut row = Row {
            number: number as usize + 1,
            cells,
        };
        self.merged.fill(&mut row);
        Ok(Some(row))
    }

    fn only(&mut self, column: usize) {
        if self.merged.is_empty() {
            self.only = u32::try_from(column).ok();
        }
    }
}

/// The rows of one sheet: an xlsx sheet a row at a time (its merged regions read first, or
/// known from an earlier read), an xls or ods sheet read whole.
fn rows_of<'b, RS: Read + Seek + 'b>(
    book: &'b mut calamine::Sheets<RS>,
    name: &str,
    known: &mut Known,
) -> Result<Box<dyn Rows + 'b>, String> {
    if let calamine::Sheets::Xlsx(x) = book {
        let merges = match known.merges.get(name) {
            Some(m) => m.clone(),
            None => {
                let m = crate::panics::quietly(|| x.merge_cells_by_sheet_name(name))?
                    .unwrap_or_default();
                known.merges.insert(name.to_string(), m.clone());
                m
            }
        };
        return Ok(Box::new(SheetRows::open(x, name, merges)?));
    }
    Ok(Box::new(Held(whole_rows(book, name)?.into_iter())))
}

/// The rows of an xls or ods sheet, read whole.
fn whole_rows<RS: Read + Seek>(
    book: &mut calamine::Sheets<RS>,
    name: &str,
) -> Result<Vec<Row>, String> {
    let range =
        crate::panics::quietly(|| book.worksheet_range(name))?.map_err(|e| e.to_string())?;
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut merged = Merged::new(Vec::new());
    let mut rows = Vec::new();
    for (i, r) in range.rows().enumerate() {
        let mut row = Row {
            number: r0 as usize + i + 1,
            cells: std::iter::repeat_n(Cell::Empty, c0 as usize)
                .chain(r.iter().map(cell))
                .collect(),
        };
        merged.fill(&mut row);
        rows.push(row);
    }
    Ok(rows)
}

/// Every row of a sheet.
fn all_rows(rows: &mut dyn Rows) -> Result<Vec<Row>, String> {
    let mut out = Vec::new();
    while let Some(r) = rows.next_row()? {
        out.push(r);
    }
    Ok(out)
}

/// The vertically merged regions of a sheet, filled into its rows as they come in row
/// order: the value of a region's first cell goes into every blank cell it covers.
struct Merged {
    /// the regions by their first row, not yet reached
    ahead: std::collections::VecDeque<calamine::Dimensions>,
    /// the regions reached, with their value once their first row is read
    open: Vec<(calamine::Dimensions, Option<Cell>)>,
}

impl Merged {
    fn new(merges: Vec<calamine::Dimensions>) -> Merged {
        let mut ahead: Vec<_> = merges.into_iter().filter(|m| m.end.0 > m.start.0).collect();
        ahead.sort_by_key(|m| m.start.0);
        Merged {
            ahead: ahead.into(),
            open: Vec::new(),
        }
    }

    fn is_empty(&self) -> bool {
        self.ahead.is_empty() && self.open.is_empty()
    }

    /// Fills a row's blank cells under the regions that cover it; rows come in order.
    fn fill(&mut self, r: &mut Row) {
        let at = (r.number - 1) as u32;
        self.open.retain(|(m, _)| m.end.0 >= at);
        while self.ahead.front().is_some_and(|m| m.start.0 <= at) {
            if let Some(m) = self.ahead.pop_front() {
                // a region whose first row is above the sheet's first row has no value
                let value = (m.start.0 == at)
                    .then(|| r.cells.get(m.start.1 as usize).cloned())
                    .flatten();
                self.open.push((m, value));
            }
        }
        for (m, value) in &self.open {
            let Some(value) = value else { continue };
            for col in m.start.1 as usize..=m.end.1 as usize {
                // a merged region is at most as wide as the sheet
                if col >= r.cells.len() && col < 16_384 {
                    r.cells.resize(col + 1, Cell::Empty);
                }
                if let Some(c) = r.cells.get_mut(col).filter(|c| c.is_blank()) {
                    *c = value.clone();
                }
            }
        }
        self.open.retain(|(m, _)| m.end.0 > at);
    }
}

/// Whether a sheet's name is one zhengdun gives a sheet of its workbook, in either language.
fn named(sheet: &str, name: Text) -> bool {
    [Lang::Zh, Lang::En]
        .iter()
        .any(|l| sheet_name(t(*l, name)) == sheet)
}

/// Reads every sheet of a workbook that holds a ledger table, and zhengdun's own sheets of
/// plan tasks, adjustments, visits and acceptance attempts back into their cases. A sheet
/// that holds none is named in the notes, with why. All or nothing.
pub fn import(bytes: &[u8], file: &str, opts: &ReadOptions) -> Result<Imported, Vec<InputError>> {
    let mut read = Imported::default();
    let each = &mut |c, place| {
        read.cases.push(c);
        read.places.push(place);
    };
    let notes = stream_bytes(bytes, file, opts, &mut Known::default(), each)?;
    read.notes = notes;
    Ok(read)
}

/// An error of the whole file, without a place.
fn whole(file: &str, problem: String) -> Vec<InputError> {
    vec![InputError {
        file: file.to_string(),
        place: String::new(),
        problem,
    }]
}

fn stream_bytes(
    bytes: &[u8],
    file: &str,
    opts: &ReadOptions,
    known: &mut Known,
    each: &mut dyn FnMut(Case, String),
) -> Result<Vec<String>, Vec<InputError>> {
    let lang = opts.lang;
    // calamine can panic on a damaged workbook (e.g. an overflowing cell reference).
    let damaged = |what: String| whole(file, i18n::msg::import_xlsx(lang, &what));
    let book = crate::panics::quietly(|| calamine::open_workbook_auto_from_rs(Cursor::new(bytes)))
        .map_err(damaged)?
        .map_err(|e| damaged(e.to_string()))?;
    let again = || {
        crate::panics::quietly(|| calamine::Xlsx::new(Cursor::new(bytes)))?
            .map_err(|e| e.to_string())
    };
    stream(book, &again, file, opts, known, each)
}

/// Reads a workbook file as [`stream_bytes`] does, an xlsx workbook from the file itself (a
/// sheet at a time, a row at a time: the file is not held), any other (xls, ods, or not a
/// workbook at all) read whole first. `known` is what an earlier read of the same file
/// learnt, and learns.
pub fn stream_file(
    path: &std::path::Path,
    file: &str,
    opts: &ReadOptions,
    known: &mut Known,
    each: &mut dyn FnMut(Case, String),
) -> Result<Vec<String>, Vec<InputError>> {
    let open = || -> Result<calamine::Xlsx<std::io::BufReader<std::fs::File>>, String> {
        let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
        crate::panics::quietly(|| calamine::Xlsx::new(std::io::BufReader::new(f)))?
            .map_err(|e| e.to_string())
    };
    match open() {
        Ok(book) => stream(calamine::Sheets::Xlsx(book), &open, file, opts, known, each),
        Err(_) => {
            let bytes = std::fs::read(path).map_err(|e| whole(file, e.to_string()))?;
            stream_bytes(&bytes, file, opts, known, each)
        }
    }
}

/// Reads a workbook's sheets in order, handing each case to `each` with its place (its
/// sheet and row) as its row is read, with its details when the workbook is zhengdun's own:
/// the details are read beside the cases, each detail sheet from its own reader (`again`
/// opens the xlsx workbook once more), in the order [`Plan`] found. Returns what the
/// import's summary says of the workbook, or every problem found once it is read to the end;
/// cases of good rows were handed on before that, so a caller writes nothing until this
/// returns `Ok`.
fn stream<RS: Read + Seek>(
    mut book: calamine::Sheets<RS>,
    again: &dyn Fn() -> Result<calamine::Xlsx<RS>, String>,
    file: &str,
    opts: &ReadOptions,
    known: &mut Known,
    each: &mut dyn FnMut(Case, String),
) -> Result<Vec<String>, Vec<InputError>> {
    let lang = opts.lang;
    let damaged = |what: String| whole(file, i18n::msg::import_xlsx(lang, &what));
    let names = book.sheet_names();
    let several = names.len() > 1;
    // zhengdun's own workbook: its default 转化期限 is text, its details are on their sheets
    let ours = names.iter().any(|n| named(n, Text::XlsxSheetTasks))
        && names.iter().any(|n| named(n, Text::XlsxSheetAcceptance));
    let detail_of = |name: &str| Detail::ALL.iter().copied().find(|d| named(name, d.sheet()));
    let details: Vec<(Detail, &String)> = names
        .iter()
        .filter_map(|n| detail_of(n).map(|d| (d, n)))
        .filter(|_| ours)
        .collect();
    // an xlsx workbook's detail sheets are read beside its cases, each by a reader of its own
    let xlsx = matches!(book, calamine::Sheets::Xlsx(_));
    let mut readers: Vec<calamine::Sheets<RS>> = Vec::new();
    if xlsx {
        for _ in &details {
            readers.push(calamine::Sheets::Xlsx(again().map_err(damaged)?));
        }
    }
    if !known.good && known.plan.is_none() {
        let mut plan = Plan::default();
        for (i, (kind, name)) in details.iter().enumerate() {
            let mut rows = match readers.get_mut(i) {
                Some(reader) => rows_of(reader, name, known),
                None => whole_rows(&mut book, name).map(|r| Box::new(Held(r.into_iter())) as _),
            }
            .map_err(damaged)?;
            plan.sheet(rows.as_mut(), *kind).map_err(damaged)?;
        }
        known.plan = Some(plan);
    }
    let plan = known.plan.take();
    let mut sheets = Vec::new();
    let mut readers = readers.iter_mut();
    for (kind, name) in &details {
        let rows = match readers.next() {
            Some(reader) => rows_of(reader, name, known),
            None => whole_rows(&mut book, name).map(|r| Box::new(Held(r.into_iter())) as _),
        }
        .map_err(damaged)?;
        sheets.push((*kind, name.to_string(), rows));
    }
    let mut attach = Attach::new(sheets, plan.as_ref(), file, opts).map_err(damaged)?;

    let mut ids = table::IdMaker::default();
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    let mut twice = Vec::new();
    let mut found = 0usize;
    // the first sheet and row of each id, for an id on two sheets
    let mut first: HashMap<Box<str>, (u32, u32)> = HashMap::new();
    let known_good = known.good;
    let mut skipped = Vec::new();
    for (at, name) in names.iter().enumerate() {
        let skip = |why: Text| msg::import_skipped(lang, file, name, t(lang, why));
        if detail_of(name).is_some() {
            if !ours {
                // not zhengdun's workbook: read, and said to be skipped at the end
                all_rows(rows_of(&mut book, name, known).map_err(damaged)?.as_mut())
                    .map_err(damaged)?;
                skipped.push(name);
            }
            continue;
        }
        let mut rows = rows_of(&mut book, name, known).map_err(damaged)?;
        if named(name, Text::XlsxSheetAnnual) {
            all_rows(rows.as_mut()).map_err(damaged)?;
            notes.push(skip(Text::ImportSkipAnnual));
            continue;
        }
        let sheet = several.then_some(name.as_str());
        let src = table::Source {
            file,
            sheet,
            text_deadline_is_default: ours,
        };
        let mut table = table::Reader::new(src, opts, &mut ids);
        let mut blank = true;
        // a sheet that cannot be read further, said at once
        let mut broken = None;
        let mut case = |row: usize, mut c: Case| {
            if broken.is_some() {
                return;
            }
            found += 1;
            // The same id on two sheets (none, when an earlier read found no problem).
            if let Some((s0, r0)) = first.get(c.id.as_str()) {
                let at0 = table::Source {
                    sheet: several
                        .then(|| names.get(*s0 as usize).map(String::as_str))
                        .flatten(),
                    ..src
                }
                .place(lang, msg::import_row(lang, *r0 as usize));
                twice.push(src.error(
                    lang,
                    msg::import_row(lang, row),
                    msg::import_duplicate_id(lang, &c.id, &at0),
                ));
                return;
            }
            if !known_good {
                first.insert(c.id.clone().into_boxed_str(), (at as u32, row as u32));
            }
            if ours {
                if let Err(e) = attach.case(&mut c, sheet, row) {
                    broken = Some(e);
                    return;
                }
            }
            if errors.is_empty() && twice.is_empty() && !attach.failed() {
                each(c, src.place(lang, msg::import_row(lang, row)));
            }
        };
        while let Some(r) = rows.next_row().map_err(damaged)? {
            blank = blank && r.cells.iter().all(Cell::is_blank);
            table.row(r, &mut case);
        }
        if let Some(e) = broken {
            return Err(damaged(e));
        }
        if blank {
            notes.push(skip(Text::ImportSkipEmpty));
            continue;
        }
        if !table.has_header() {
            notes.push(skip(Text::ImportSkipNoHeader));
            continue;
        }
        match table.finish() {
            Ok(read) => {
                if several {
                    notes.push(msg::import_sheet_cases(lang, file, name, read.cases));
                }
                let label = match several {
                    true => format!("{file} {}", msg::import_sheet(lang, name)),
                    false => file.to_string(),
                };
                notes.extend(read.notes(&label, lang));
            }
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if found == 0 {
        return Err(whole(file, t(lang, Text::ImportNoSheet).to_string()));
    }
    if !twice.is_empty() {
        return Err(twice);
    }
    let in_order = attach.in_order();
    let refused = attach.finish().map_err(damaged)?;
    if !refused.is_empty() {
        return Err(refused);
    }
    known.good = true;
    // details in the order of the cases are read again without their plan
    known.plan = plan.filter(|_| !in_order);
    for name in skipped {
        notes.push(msg::import_skipped(
            lang,
            file,
            name,
            t(lang, Text::ImportSkipNoHeader),
        ));
    }
    Ok(notes)
}

// ---------------------------------------------------------------- writing

/// The formats of one workbook.
struct Styles {
    title: Format,
    header: Format,
    text: Format,
    wrap: Format,
    date: Format,
    number: Format,
    late_text: Format,
    late_wrap: Format,
    late_date: Format,
    late_number: Format,
    note: Format,
}

impl Styles {
    fn new() -> Styles {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        let late = |f: &Format| {
            f.clone()
                .set_background_color(Color::RGB(0xFFC7CE))
                .set_font_color(Color::RGB(0x9C0006))
        };
        let text = cell.clone();
        let wrap = cell.clone().set_text_wrap();
        let date = cell
            .clone()
            .set_num_format("yyyy-mm-dd")
            .set_align(FormatAlign::Center);
        let number = cell.clone().set_align(FormatAlign::Right);
        Styles {
            title: Format::new()
                .set_bold()
                .set_font_size(14)
                .set_align(FormatAlign::Center),
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_background_color(Color::RGB(0xD9E1F2)),
            late_text: late(&text),
            late_wrap: late(&wrap),
            late_date: late(&date),
            late_number: late(&number),
            text,
            wrap,
            date,
            number,
            note: Format::new().set_italic(),
        }
    }
}

/// A value for one cell.
enum V {
    Text(String),
    Date(Option<NaiveDate>),
    Num(Option<f64>),
}

/// Writes a table of rows under a title and a header, a row at a time and in row order (a
/// constant-memory sheet sends each finished row to its temporary file), keeping the widest
/// value of each column (in terminal cells, which is how wide CJK text prints) for the
/// column widths, which are set at the end.
struct Table {
    ws: Worksheet,
    widths: Vec<usize>,
    /// Columns of long prose (problems, findings), wrapped at a fixed width.
    prose: Vec<usize>,
    /// Columns kept narrow (the acceptance standards, whose long labels wrap instead).
    narrow: Vec<usize>,
    /// The header row, under which the autofilter starts.
    header_row: Option<u32>,
    row: u32,
    /// Whether the last row written has a height of its own.
    tall_last: bool,
    /// A constant-memory sheet: its rows go to its temporary file as they are finished.
    spilled: bool,
}

const PROSE_WIDTH: usize = 28;
const TEXT_WIDTH: usize = 30;
const NARROW_WIDTH: usize = 10;

impl Table {
    /// `spilled`: `ws` is a constant-memory sheet.
    fn new(mut ws: Worksheet, name: &str, spilled: bool) -> Result<Table, XlsxError> {
        ws.set_name(sheet_name(name))?;
        Ok(Table {
            ws,
            widths: Vec::new(),
            prose: Vec::new(),
            narrow: Vec::new(),
            header_row: None,
            row: 0,
            tall_last: false,
            spilled,
        })
    }

    /// The widest a column is made, in terminal cells.
    fn cap(&self, col: usize) -> usize {
        if self.prose.contains(&col) {
            PROSE_WIDTH
        } else if self.narrow.contains(&col) {
            NARROW_WIDTH
        } else {
            TEXT_WIDTH
        }
    }

    fn title(&mut self, st: &Styles, title: &str, columns: usize) -> Result<(), XlsxError> {
        let last = columns.saturating_sub(1) as u16;
        if last > 0 {
            self.ws
                .merge_range(self.row, 0, self.row, last, title, &st.title)?;
        } else {
            self.ws
                .write_string_with_format(self.row, 0, title, &st.title)?;
        }
        self.ws.set_row_height(self.row, 24)?;
        self.tall_last = true;
        self.row += 1;
        Ok(())
    }

    /// The header row, as tall as its longest wrapped header: known before the rows below are
    /// written, since a column is at least as wide as its header up to its cap, so only a
    /// header wider than its cap wraps, whatever the rows hold.
    fn header(&mut self, st: &Styles, names: &[String]) -> Result<(), XlsxError> {
        let mut lines = 1;
        for (c, n) in names.iter().enumerate() {
            self.ws
                .write_string_with_format(self.row, c as u16, n, &st.header)?;
            self.fit(c, n);
            lines = lines.max(text::width(n).div_ceil(self.cap(c)));
        }
        if lines > 1 {
            self.ws
                .set_row_height(self.row, 15.0 * lines.min(6) as f64)?;
        }
        self.tall_last = lines > 1;
        self.ws.set_freeze_panes(self.row + 1, 0)?;
        self.ws.set_repeat_rows(self.row, self.row)?;
        self.header_row = Some(self.row);
        self.row += 1;
        Ok(())
    }

    fn fit(&mut self, col: usize, s: &str) {
        if self.widths.len() <= col {
            self.widths.resize(col + 1, 0);
        }
        let w = s.lines().map(text::width).max().unwrap_or(0);
        if let Some(widest) = self.widths.get_mut(col) {
            *widest = (*widest).max(w);
        }
    }

    /// A row of values. A row of wrapped prose is made taller in a sheet held in memory; in a
    /// constant-memory sheet the writer would keep every such row's height in memory to the
    /// end (some 550 bytes a row: 170 MB for 300,000 visits), so the spreadsheet sizes it, as
    /// Excel does for a row of wrapped text without a height of its own when it loads the file.
    fn put(&mut self, st: &Styles, values: Vec<V>, late: bool) -> Result<(), XlsxError> {
        let mut lines = 1;
        for (c, v) in values.into_iter().enumerate() {
            let col = c as u16;
            let prose = self.prose.contains(&c);
            match v {
                V::Text(s) => {
                    let f = match (prose, late) {
                        (true, true) => &st.late_wrap,
                        (true, false) => &st.wrap,
                        (false, true) => &st.late_text,
                        (false, false) => &st.text,
                    };
                    self.ws.write_string_with_format(self.row, col, &s, f)?;
                    if prose {
                        let wrapped: usize = s
                            .lines()
                            .map(|l| text::width(l).div_ceil(PROSE_WIDTH).max(1))
                            .sum();
                        lines = lines.max(wrapped);
                    }
                    self.fit(c, &s);
                }
                V::Date(Some(d)) => {
                    let f = if late { &st.late_date } else { &st.date };
                    match excel_date(d) {
                        Some(x) => self.ws.write_date_with_format(self.row, col, x, f)?,
                        // Excel has no dates before 1900: keep the date, as text.
                        None => {
                            self.ws
                                .write_string_with_format(self.row, col, d.to_string(), f)?
                        }
                    };
                    self.fit(c, "2017-03-10");
                }
                V::Num(Some(n)) => {
                    let f = if late { &st.late_number } else { &st.number };
                    self.ws.write_number_with_format(self.row, col, n, f)?;
                    self.fit(c, &n.to_string());
                }
                V::Date(None) | V::Num(None) => {
                    let f = if late { &st.late_text } else { &st.text };
                    self.ws.write_blank(self.row, col, f)?;
                }
            }
        }
        let tall = lines > 1 && !self.spilled;
        if tall {
            self.ws
                .set_row_height(self.row, 15.0 * lines.min(20) as f64)?;
        }
        self.tall_last = tall;
        self.row += 1;
        Ok(())
    }

    /// Sets the column widths, the autofilter and the print layout, and adds the sheet to
    /// the workbook; call after the last row.
    fn finish(mut self, book: &mut Workbook) -> Result<(), XlsxError> {
        for (c, w) in self.widths.iter().enumerate() {
            let w = (*w).clamp(4, self.cap(c));
            self.ws.set_column_width(c as u16, w as f64 + 2.0)?;
        }
        if let (Some(h), Some(last)) = (self.header_row, self.widths.len().checked_sub(1)) {
            if self.row > h + 1 {
                self.ws.autofilter(h, 0, self.row - 1, last as u16)?;
            }
        }
        if self.tall_last && self.spilled {
            // rust_xlsxwriter 0.102 writes the last row of a constant-memory sheet twice
            // when that row has a height of its own (Excel would repair the file): an empty
            // cell in the row after ends that row as any other, and writes nothing itself.
            self.ws.write_blank(self.row, 0, &Format::new())?;
        }
        self.ws.set_landscape();
        self.ws.set_paper_size(9); // A4
        self.ws.set_print_fit_to_pages(1, 0);
        book.push_worksheet(self.ws);
        Ok(())
    }
}

/// Sheet names are at most 31 characters and may not contain `[]:*?/\`.
fn sheet_name(s: &str) -> String {
    s.chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

/// The Excel date cell of a day, or `None` outside Excel's years 1900–9999.
fn excel_date(d: NaiveDate) -> Option<ExcelDateTime> {
    let y = u16::try_from(d.year()).ok()?;
    ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).ok()
}

fn fields(lang: Lang, names: &[Field]) -> Vec<String> {
    names.iter().map(|n| n.label(lang).to_string()).collect()
}

/// The cases sheet's columns after the flat ones.
const EXTRA_COLUMNS: &[Field] = &[
    Field::RelapseOf,
    Field::VillageKind,
    Field::PoorVillage,
    Field::Households,
    Field::Population,
    Field::PartyMembers,
    Field::SecretaryAge,
];

const DATE_COLUMNS: &[&str] = &["identified_on", "deadline", "paired_on", "closed_on"];

/// Why a workbook could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0}")]
    Xlsx(#[from] XlsxError),
    /// The workbook writer gave up on a temporary file of a sheet (it panics when a write to
    /// one fails, a full disk for one): what it said.
    #[error("{0}")]
    Spilled(String),
}

impl WriteError {
    /// The operating system's error, when writing a file is what failed.
    pub fn io(&self) -> Option<&std::io::Error> {
        match self {
            WriteError::Xlsx(XlsxError::IoError(e) | XlsxError::TempFileError(_, e)) => Some(e),
            _ => None,
        }
    }
}

/// Runs a step of the writer, its panic on a failed write to a temporary file made an error.
fn guarded<T>(f: impl FnOnce() -> Result<T, XlsxError>) -> Result<T, WriteError> {
    crate::panics::quietly(f)
        .map_err(WriteError::Spilled)?
        .map_err(WriteError::from)
}

/// The whole ledger as an xlsx workbook, as of a day, written a case at a time: the sheets of
/// cases, plan tasks, cadre adjustments, visits and acceptance attempts are constant-memory
/// sheets, each of whose finished rows goes to a temporary file of its own, so a ledger of
/// 100,000 cases is never held whole; the annual sheet is counted as the cases go by and
/// written at the end. Strings are written in their cells (no shared string table).
pub struct Writer<'a> {
    book: Workbook,
    st: Styles,
    today: NaiveDate,
    policy: &'a Policy,
    lang: Lang,
    cases: Table,
    tasks: Table,
    adjustments: Table,
    visits: Table,
    acceptance: Table,
    annual: stats::Annual,
}

impl<'a> Writer<'a> {
    /// A workbook whose sheets keep their rows in temporary files in `tempdir` (else the
    /// system's temporary directory).
    pub fn new(
        tempdir: Option<&std::path::Path>,
        today: NaiveDate,
        policy: &'a Policy,
        lang: Lang,
    ) -> Result<Writer<'a>, WriteError> {
        guarded(|| Writer::open(tempdir, today, policy, lang))
    }

    fn open(
        tempdir: Option<&std::path::Path>,
        today: NaiveDate,
        policy: &'a Policy,
        lang: Lang,
    ) -> Result<Writer<'a>, XlsxError> {
        let st = Styles::new();
        let mut book = Workbook::new();
        if let Some(dir) = tempdir {
            book.set_tempdir(dir)?;
        }
        let mut sheet = |name: Text| {
            Table::new(
                book.new_worksheet_with_constant_memory()?,
                t(lang, name),
                true,
            )
        };

        // The cases: the flat columns (re-importable), the relapse and the village's profile,
        // then days overdue.
        let mut names: Vec<String> = flat::header(lang).iter().map(|s| s.to_string()).collect();
        names.extend(fields(lang, EXTRA_COLUMNS));
        names.push(t(lang, Text::XlsxDaysOverdue).to_string());
        let mut cases = sheet(Text::XlsxSheetCases)?;
        cases.prose = vec![5, 6];
        cases.title(&st, &i18n::msg::xlsx_title(lang, today), names.len())?;
        cases.header(&st, &names)?;

        // Plan tasks.
        let mut names = fields(lang, &[Field::Id, Field::Village]);
        names.push(t(lang, Text::XlsxTaskNo).to_string());
        names.extend(fields(
            lang,
            &[
                Field::Measure,
                Field::Responsible,
                Field::Due,
                Field::DoneOn,
            ],
        ));
        names.push(t(lang, Text::XlsxDaysOverdue).to_string());
        let mut tasks = sheet(Text::XlsxSheetTasks)?;
        tasks.prose = vec![3];
        tasks.header(&st, &names)?;

        // Cadre adjustments, and the cases that needed none (with the reason).
        let names = fields(
            lang,
            &[
                Field::Id,
                Field::Village,
                Field::Name,
                Field::Post,
                Field::Reason,
                Field::Action,
                Field::On,
                Field::Replacement,
                Field::ReplacementSource,
                Field::NoAdjustmentReason,
            ],
        );
        let mut adjustments = sheet(Text::XlsxSheetAdjustments)?;
        adjustments.prose = vec![9];
        adjustments.header(&st, &names)?;

        // Field visits, newest first within a case.
        let names = fields(
            lang,
            &[
                Field::Id,
                Field::Village,
                Field::On,
                Field::By,
                Field::Kind,
                Field::Findings,
            ],
        );
        let mut visits = sheet(Text::XlsxSheetVisits)?;
        visits.prose = vec![5];
        visits.header(&st, &names)?;

        // Acceptance attempts; a fail is marked like an overdue row.
        let mut names = fields(
            lang,
            &[
                Field::Id,
                Field::Village,
                Field::On,
                Field::By,
                Field::Score,
                Field::PollN,
                Field::PollDissatisfied,
            ],
        );
        names.extend(Standard::ALL.iter().map(|s| s.label(lang).to_string()));
        names.push(Field::Verdict.label(lang).to_string());
        let mut acceptance = sheet(Text::XlsxSheetAcceptance)?;
        // Standards' labels are long: let them wrap instead of widening the sheet.
        acceptance.narrow = (7..7 + Standard::ALL.len()).collect();
        acceptance.header(&st, &names)?;

        Ok(Writer {
            book,
            st,
            today,
            policy,
            lang,
            cases,
            tasks,
            adjustments,
            visits,
            acceptance,
            annual: stats::Annual::default(),
        })
    }

    /// Writes one case's rows on every sheet and counts it for the annual sheet.
    pub fn case(&mut self, c: &Case) -> Result<(), WriteError> {
        guarded(|| self.rows(c))?;
        self.annual.case(c);
        Ok(())
    }

    fn rows(&mut self, c: &Case) -> Result<(), XlsxError> {
        let (st, lang, today) = (&self.st, self.lang, self.today);
        let d = due_status(c, today, self.policy);
        let mut values: Vec<V> = flat::row(c, lang)
            .into_iter()
            .zip(flat::COLUMNS)
            .map(|(s, (code, _))| {
                if *code == "deadline" && c.deadline.is_none() {
                    // the default, as text: it reads back as the default, not as a date
                    // someone set
                    V::Text(
                        NaiveDate::from_ymd_opt(c.year, 12, 31)
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                    )
                } else if DATE_COLUMNS.contains(code) {
                    V::Date(super::dates::parse(&s))
                } else if *code == "year" {
                    V::Num(Some(c.year as f64))
                } else {
                    V::Text(s)
                }
            })
            .collect();
        let p = &c.profile;
        values.push(V::Text(c.relapse_of.clone().unwrap_or_default()));
        // 村/社区 and 是/否 as words, as the clerk reads them
        values.extend(flat::profile_row(c, lang).into_iter().take(2).map(V::Text));
        values.extend(
            [p.households, p.population, p.party_members, p.secretary_age]
                .map(|n| V::Num(n.map(f64::from))),
        );
        values.push(V::Num(d.overdue().then_some(d.days_overdue as f64)));
        self.cases.put(st, values, d.overdue())?;

        for (i, task) in c.tasks.iter().enumerate() {
            let late = task.is_overdue(today);
            self.tasks.put(
                st,
                vec![
                    V::Text(c.id.clone()),
                    V::Text(c.village.clone()),
                    V::Num(Some((i + 1) as f64)),
                    V::Text(task.measure.clone()),
                    V::Text(task.responsible.clone()),
                    V::Date(Some(task.due)),
                    V::Date(task.done_on),
                    V::Num(late.then(|| (today - task.due).num_days() as f64)),
                ],
                late,
            )?;
        }

        for a in &c.adjustments {
            self.adjustments.put(
                st,
                vec![
                    V::Text(c.id.clone()),
                    V::Text(c.village.clone()),
                    V::Text(a.name.clone()),
                    V::Text(a.post.label(lang).to_string()),
                    V::Text(a.reason.label(lang).to_string()),
                    V::Text(a.action.label(lang).to_string()),
                    V::Date(Some(a.on)),
                    V::Text(a.replacement.clone().unwrap_or_default()),
                    V::Text(
                        a.replacement_source
                            .map(|s| s.label(lang).to_string())
                            .unwrap_or_default(),
                    ),
                    V::Text(String::new()),
                ],
                false,
            )?;
        }
        if let (true, Some(r)) = (c.adjustments.is_empty(), &c.no_adjustment_reason) {
            let mut values = vec![V::Text(c.id.clone()), V::Text(c.village.clone())];
            values.extend((0..4).map(|_| V::Text(String::new())));
            values.extend([
                V::Date(None),
                V::Text(String::new()),
                V::Text(String::new()),
            ]);
            values.push(V::Text(r.clone()));
            self.adjustments.put(st, values, false)?;
        }

        let mut visits: Vec<_> = c.visits.iter().collect();
        visits.sort_by_key(|v| std::cmp::Reverse(v.on));
        for v in visits {
            self.visits.put(
                st,
                vec![
                    V::Text(c.id.clone()),
                    V::Text(c.village.clone()),
                    V::Date(Some(v.on)),
                    V::Text(v.by.clone()),
                    V::Text(v.kind.label(lang).to_string()),
                    V::Text(v.findings.clone()),
                ],
                false,
            )?;
        }

        for (i, a) in c.acceptance.iter().enumerate() {
            let mut values = vec![
                V::Text(c.id.clone()),
                V::Text(c.village.clone()),
                V::Date(Some(a.on)),
                V::Text(a.by.clone()),
                V::Num(Some(a.score as f64)),
                V::Num(Some(a.poll_n as f64)),
                V::Num(Some(a.poll_dissatisfied as f64)),
            ];
            values.extend(a.standards.iter().map(|m| {
                V::Text(t(lang, if *m { Text::XlsxMet } else { Text::XlsxUnmet }).to_string())
            }));
            values.push(V::Text(i18n::attempt_verdict(lang, c, i)));
            self.acceptance
                .put(st, values, a.verdict == Verdict::Fail)?;
        }
        Ok(())
    }

    /// Finishes every sheet, adds the annual sheet and writes the workbook into `out`.
    pub fn finish<W: std::io::Write + Send>(self, out: W) -> Result<(), WriteError> {
        let Writer {
            mut book,
            st,
            lang,
            cases,
            tasks,
            adjustments,
            visits,
            acceptance,
            annual,
            ..
        } = self;
        let rows = annual.rows();
        guarded(move || {
            for table in [cases, tasks, adjustments, visits, acceptance] {
                table.finish(&mut book)?;
            }
            annual_sheet(&st, &rows, lang)?.finish(&mut book)?;
            book.save_to_writer(out)
        })
    }
}

/// The whole ledger as an xlsx workbook, as of `today`, in memory (a small ledger; `export`
/// writes a large one through [`Writer`] into its file).
pub fn write(
    cases: &[Case],
    today: NaiveDate,
    policy: &Policy,
    lang: Lang,
) -> Result<Vec<u8>, WriteError> {
    let mut w = Writer::new(None, today, policy, lang)?;
    for c in cases {
        w.case(c)?;
    }
    let mut bytes = Vec::new();
    w.finish(&mut bytes)?;
    Ok(bytes)
}

/// The annual statistics sheet: two header rows (groups, then columns), a row per county
/// and a 总计 row per year. A sheet held in memory (a few rows per county and year): its
/// header cells are merged across both header rows, written out of row order.
fn annual_sheet(st: &Styles, rows: &[stats::AnnualRow], lang: Lang) -> Result<Table, XlsxError> {
    let n_types = ANNUAL_TYPES.len() as u16;
    // columns: year, unit, identified, of them poor villages, rectified, 10 types, filled,
    // adjusted, units, leaders, first secretaries
    let last = 2 + 3 + n_types + 2 + 3 - 1;
    let mut tb = Table::new(Worksheet::new(), t(lang, Text::XlsxSheetAnnual), false)?;
    tb.title(st, t(lang, Text::XlsxSheetAnnual), last as usize + 1)?;
    let (g, h) = (tb.row, tb.row + 1);
    let hf = &st.header;
    let group = |ws: &mut Worksheet, c0: u16, c1: u16, key: Text| -> Result<(), XlsxError> {
        ws.merge_range(g, c0, g, c1, t(lang, key), hf).map(|_| ())
    };
    // year and unit span both header rows
    tb.ws.merge_range(g, 0, h, 0, t(lang, Text::XlsxYear), hf)?;
    tb.ws.merge_range(g, 1, h, 1, t(lang, Text::XlsxUnit), hf)?;
    group(&mut tb.ws, 2, 4, Text::XlsxScreening)?;
    group(&mut tb.ws, 5, 4 + n_types, Text::XlsxTypes)?;
    group(&mut tb.ws, 5 + n_types, 6 + n_types, Text::XlsxSecretaries)?;
    group(&mut tb.ws, 7 + n_types, 9 + n_types, Text::XlsxMeasures)?;
    let mut names = vec![String::new(), String::new()];
    names.extend(
        [
            Text::XlsxIdentified,
            Text::XlsxPoorVillages,
            Text::XlsxRectified,
        ]
        .iter()
        .map(|k| t(lang, *k).to_string()),
    );
    names.extend(ANNUAL_TYPES.iter().map(|s| s.label(lang).to_string()));
    names.extend(
        [
            Text::XlsxFilled,
            Text::XlsxAdjusted,
            Text::XlsxUnits,
            Text::XlsxLeaders,
            Text::XlsxFirstSecretaries,
        ]
        .iter()
        .map(|k| t(lang, *k).to_string()),
    );
    for (c, n) in names.iter().enumerate().skip(2) {
        tb.ws.write_string_with_format(h, c as u16, n, hf)?;
    }
    tb.ws.set_row_height(h, 75)?;
    tb.ws.set_freeze_panes(h + 1, 2)?;
    tb.ws.set_repeat_rows(g, h)?;
    tb.row = h + 1;
    tb.fit(0, t(lang, Text::XlsxYear));
    for c in 2..=last as usize {
        tb.fit(c, "整顿提升"); // header texts wrap; numbers are short
    }
    for r in rows {
        let unit = match (&r.county, r.kind) {
            (Some(county), _) => county.clone(),
            (None, Some(kind)) => kind.label(lang).to_string(),
            (None, None) => t(lang, Text::XlsxTotal).to_string(),
        };
        let mut values = vec![V::Num(Some(r.year as f64)), V::Text(unit)];
        let nums = [r.identified, r.poor_villages, r.rectified]
            .into_iter()
            .chain(r.by_type.iter().copied())
            .chain([
                r.secretaries_filled,
                r.secretaries_adjusted,
                r.paired_units,
                r.pairing_leaders,
                r.first_secretaries,
            ]);
        values.extend(nums.map(|n| V::Num(Some(n as f64))));
        tb.put(st, values, false)?;
    }
    let note_row = tb.row + 1;
    tb.ws
        .write_string_with_format(note_row, 0, t(lang, Text::XlsxNote), &st.note)?;
    Ok(tb)
}
