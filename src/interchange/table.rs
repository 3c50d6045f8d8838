//! The flat ledger as a table of cells (SPEC §6), shared by the CSV and xlsx readers: find
//! the header row below any title rows, map the headers people type to columns, and turn each
//! row into a [`Case`], refusing a bad cell with its row (as a spreadsheet shows it), its
//! column (as the file heads it), the value and the reason.
//!
//! A flat row carries no plan tasks, adjustments, visits or acceptance attempts. A row at
//! 班子调整 or 验收销号 is imported with a note in `no_adjustment_reason` saying that the
//! adjustments are in the original ledger; a row at 验收销号 needs its 销号日期 and gets no
//! acceptance attempt (none is invented, so the statistics count no attempt for it).

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{csv::COLUMNS, dates, InputError};
use crate::domain::{
    check_case, Case, Field, Pairing, Policy, Profile, Refusal, Situation, Stage, Task, VillageKind,
};
use crate::i18n::{self, parse_label, Label, Lang, Text};

/// One cell as a reader found it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A date cell (xlsx); CSV dates arrive as text.
    Date(NaiveDate),
}

impl Cell {
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => super::visible(s).is_empty(),
            _ => false,
        }
    }

    /// The cell as a person reads it: numbers without a trailing `.0`, dates as `YYYY-MM-DD`.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => super::visible(s),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.to_string(),
        }
    }
}

/// One row, with its number as a spreadsheet shows it (1-based, counting title and blank rows).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<Cell>,
}

/// The header variants people type, besides the code, the SPEC's Chinese header and the
/// English field label. Compared after [`header_key`].
const ALIASES: &[(&str, &[&str])] = &[
    ("id", &["编号", "案件编号", "台账编号", "code"]),
    ("year", &["年度", "年份", "整顿年度"]),
    (
        "county",
        &[
            "县",
            "县区",
            "县市区",
            "县市",
            "区县",
            "县(市区)",
            "县(市)",
            "县(区)",
            "所属县",
            "所属县区",
            "所属县市区",
            "县名称",
        ],
    ),
    (
        "township",
        &[
            "乡镇",
            "乡镇街道",
            "乡镇(街道)",
            "街道",
            "乡镇街",
            "所属乡镇",
            "所属乡镇街道",
            "镇(街道)",
            "镇街道",
            "镇街",
            "乡镇名称",
            "乡镇名",
        ],
    ),
    (
        "village",
        &[
            "村",
            "村名",
            "村庄",
            "行政村",
            "村居",
            "村(社区)",
            "村党组织",
            "村党支部",
            "村名称",
            "村居名称",
            "所属村",
            "村社区",
            "村社区名称",
        ],
    ),
    (
        "situations",
        &[
            "软弱涣散情形",
            "认定情形",
            "软弱涣散类型",
            "主要类型",
            "情形",
            "类型",
        ],
    ),
    ("problems", &["主要问题", "存在问题", "问题"]),
    (
        "identified_on",
        &[
            "认定日期",
            "认定时间",
            "排查时间",
            "排查日期",
            "排查认定时间",
        ],
    ),
    (
        "deadline",
        &["转化期限", "整顿期限", "整改期限", "转化时限"],
    ),
    (
        "stage",
        &[
            "阶段",
            "整顿阶段",
            "当前阶段",
            "进度",
            "整顿进展",
            "目前进展",
            "整顿进度",
            "进展情况",
        ],
    ),
    (
        "county_leader",
        &[
            "县级包联领导",
            "县级联系领导",
            "包联县级领导",
            "联系县领导",
            "县级领导",
            "包村县级领导",
            "包联县领导",
            "县级包村领导",
        ],
    ),
    (
        "township_leader",
        &[
            "乡镇包村领导",
            "乡镇联系领导",
            "包村乡镇领导",
            "乡镇领导",
            "包村领导",
            "乡镇包联领导",
        ],
    ),
    ("first_secretary", &["第一书记"]),
    (
        "first_secretary_unit",
        &["派出单位", "第一书记派出单位", "选派单位", "第一书记单位"],
    ),
    (
        "assisting_unit",
        &["帮扶单位", "结对帮扶单位", "包联单位", "对口帮扶单位"],
    ),
    ("paired_on", &["包联日期", "包联时间"]),
    ("closed_on", &["销号日期", "销号时间"]),
    ("relapse_of", &["反弹自", "relapse of"]),
    // One plan task in the case's row, as a county's sheet of 整顿措施 has it.
    ("measure", &["整顿措施", "整改措施", "主要措施"]),
    ("responsible", &["责任人", "整改责任人"]),
    ("due", &["完成时限", "完成时间"]),
    // the village's profile (SPEC §2), with the units counties put in brackets
    (
        "households",
        &["户数", "总户数", "农户数", "户籍户数", "households"],
    ),
    (
        "population",
        &[
            "人口",
            "总人口",
            "人口数",
            "户籍人口",
            "总人口数",
            "population",
        ],
    ),
    (
        "party_members",
        &[
            "党员人数",
            "党员数",
            "党员",
            "党员总数",
            "党员数量",
            "party members",
        ],
    ),
    (
        "secretary_age",
        &[
            "书记年龄",
            "支部书记年龄",
            "党支部书记年龄",
            "村党组织书记年龄",
            "村党支部书记年龄",
            "secretary's age",
            "secretary age",
        ],
    ),
    (
        "village_kind",
        &[
            "村或社区",
            "村社区类型",
            "村社区类别",
            "村居类型",
            "村居类别",
            "村社区属性",
            "村或社区类型",
            "village or community",
            "village kind",
        ],
    ),
    (
        "poor_village",
        &[
            "建档立卡贫困村",
            "是否建档立卡贫困村",
            "其中建档立卡贫困村",
            "贫困村",
            "是否贫困村",
            "poor village",
            "registered poor village",
        ],
    ),
];

/// The columns a case cannot do without (SPEC §6).
const REQUIRED: &[&str] = &[
    "id",
    "year",
    "county",
    "township",
    "village",
    "situations",
    "identified_on",
    "stage",
];

/// Headers as compared: no spaces (ASCII or full-width), no brackets or list marks, no `*`
/// or colon, ASCII lower-case, `_`, `-` and `'` dropped; full-width forms folded.
fn header_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !"()（）、,，*＊:：_-'’/·.".contains(*c))
        .flat_map(|c| c.to_lowercase())
        .collect()
}

fn column_of(header: &str) -> Option<&'static str> {
    column_of_key(&header_key(header)).or_else(|| {
        // a unit in brackets after the name: 总户数（户）, 支部书记年龄（岁）
        let t = header.trim().strip_suffix([')', '）'])?;
        let (name, unit) = t.rsplit_once(['(', '（'])?;
        let units = ["户", "人", "名", "岁", "个", "周岁"];
        units
            .contains(&unit.trim())
            .then(|| column_of_key(&header_key(name)))
            .flatten()
    })
}

fn column_of_key(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        return None;
    }
    for (code, zh) in COLUMNS {
        if header_key(code) == key
            || header_key(zh) == key
            || Field::parse(code).is_some_and(|f| header_key(f.en()) == key)
        {
            return Some(code);
        }
    }
    ALIASES
        .iter()
        .find(|(_, names)| names.iter().any(|n| header_key(n) == key))
        .map(|(code, _)| *code)
}

/// The header text of a column code for messages, when the file has no such column.
fn default_header(code: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => COLUMNS
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, zh)| zh.to_string())
            .unwrap_or_else(|| code.to_string()),
        Lang::En => code.to_string(),
    }
}

/// Where each known column is: code → (index, header text as written).
struct Header {
    /// The (first) header row's number, for messages about the header.
    row: usize,
    columns: HashMap<&'static str, (usize, String)>,
    /// Two columns with the same meaning (header texts as written), refused.
    duplicate: Option<(String, String)>,
    /// The headers of the columns no field is read from, as written.
    unused: Vec<String>,
}

/// The known headers of a row: (column index, code, text as written).
fn known(r: &Row) -> Vec<(usize, &'static str, String)> {
    r.cells
        .iter()
        .enumerate()
        .filter_map(|(c, cell)| match cell {
            Cell::Text(t) => column_of(t).map(|code| (c, code, t.trim().to_string())),
            _ => None,
        })
        .collect()
}

/// The header is the first row with at least three known headers; rows above it are titles.
fn is_header_row(r: &Row) -> bool {
    let mut codes: Vec<&str> = known(r).into_iter().map(|(_, code, _)| code).collect();
    codes.sort_unstable();
    codes.dedup();
    codes.len() >= 3
}

/// The header of a table from its (first) header row and the row right under it. That row
/// is a second header row when it adds more known headers, as when 编号 and 村 are merged
/// down over two rows beside a group such as 包联情况; whether it is one is returned with
/// the header.
fn header_of(first: &Row, next: Option<&Row>) -> (bool, Header) {
    let mut cells = known(first);
    let mut second = false;
    if let Some(next) = next {
        let more = known(next);
        let filled = next.cells.iter().filter(|c| !c.is_blank()).count();
        let new = more
            .iter()
            .filter(|(_, code, _)| !cells.iter().any(|(_, seen, _)| seen == code))
            .count();
        if new >= 2 || (new >= 1 && more.len() == filled) {
            cells.extend(more);
            second = true;
        }
    }
    let mut columns: HashMap<&'static str, (usize, String)> = HashMap::new();
    let mut duplicate = None;
    for (c, code, text) in cells {
        match columns.get(code) {
            Some((at, first_text)) if *at != c => {
                duplicate.get_or_insert((first_text.clone(), text));
            }
            Some(_) => {}
            None => {
                columns.insert(code, (c, text));
            }
        }
    }
    let mut unused: Vec<(usize, String)> = Vec::new();
    let header_rows = std::iter::once(first).chain(next.filter(|_| second));
    for r in header_rows {
        for (c, cell) in r.cells.iter().enumerate() {
            let text = cell.text();
            if text.is_empty() || columns.values().any(|(at, _)| *at == c) {
                continue;
            }
            // the lower of two header rows names the column; the upper one its group
            match unused.iter_mut().find(|(at, _)| *at == c) {
                Some(seen) => seen.1 = text,
                None => unused.push((c, text)),
            }
        }
    }
    (
        second,
        Header {
            row: first.number,
            columns,
            duplicate,
            unused: unused.into_iter().map(|(_, t)| t).collect(),
        },
    )
}

/// Whether these rows hold a flat ledger (a header row with known columns).
pub fn has_header(rows: &[Row]) -> bool {
    rows.iter().any(is_header_row)
}

/// A footer or note line under the table (填表人：…, 注：…) is not a case.
fn is_note(r: &Row) -> bool {
    let filled: Vec<&Cell> = r.cells.iter().filter(|c| !c.is_blank()).collect();
    match filled.as_slice() {
        [Cell::Text(t)] => {
            let t = t.trim();
            [
                "注",
                "备注",
                "说明",
                "填表",
                "制表",
                "审核",
                "合计",
                "总计",
                "负责人",
                "联系电话",
            ]
            .iter()
            .any(|m| t.starts_with(m))
        }
        _ => false,
    }
}

struct Problem {
    column: Option<&'static str>,
    text: String,
}

fn problem(column: &'static str, text: String) -> Problem {
    Problem {
        column: Some(column),
        text,
    }
}

/// Where a table comes from, for its messages and for what its cells mean.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub file: &'a str,
    /// The sheet's name in a workbook, said in every place; `None` for a CSV file.
    pub sheet: Option<&'a str>,
    /// zhengdun's own workbook writes a default 转化期限 (31 Dec of the year) as text and a
    /// recorded one as a date cell, so that the default reads back as the default.
    pub text_deadline_is_default: bool,
}

impl<'a> Source<'a> {
    pub fn file(file: &'a str) -> Source<'a> {
        Source {
            file,
            sheet: None,
            text_deadline_is_default: false,
        }
    }

    /// A place in the file, with the sheet's name in front when there is one.
    pub fn place(&self, lang: Lang, place: String) -> String {
        match (self.sheet, place.is_empty()) {
            (None, _) => place,
            (Some(sheet), true) => i18n::msg::import_sheet(lang, sheet),
            (Some(sheet), false) => i18n::msg::import_sheet_place(lang, sheet, &place),
        }
    }

    pub fn error(&self, lang: Lang, place: String, problem: String) -> InputError {
        InputError {
            file: self.file.to_string(),
            place: self.place(lang, place),
            problem,
        }
    }
}

/// A table read: each case with the number of its row, and what the import's summary says
/// about the table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub cases: Vec<(usize, Case)>,
    /// The headers of the columns nothing was read from.
    pub unused: Vec<String>,
    /// The ids made for a table without an 编号 column.
    pub made_ids: Vec<String>,
    /// The year of every case when the table has no 年度 column but its title names one.
    pub title_year: Option<i32>,
}

/// Ids for a ledger without an 编号 column, as counties number their cases: the year, the
/// county's pinyin initials and a number, counted per year and county across the sheets of
/// one workbook (2017-YG-001, 2017-YG-002 …).
#[derive(Debug, Default)]
pub struct IdMaker(HashMap<(i32, String), usize>);

impl IdMaker {
    fn make(&mut self, year: i32, county: &str) -> String {
        let n = self.0.entry((year, county.to_string())).or_insert(0);
        *n += 1;
        format!("{year}-{}-{:03}", initials(county), n)
    }
}

/// 阳谷县 → YG: the pinyin initials of a county's name without 县, 区, 市 or 旗; a Latin
/// name's letters, upper-cased.
fn initials(county: &str) -> String {
    use pinyin::ToPinyin;
    let name = county.trim();
    let short = name
        .strip_suffix(['县', '区', '市', '旗'])
        .filter(|s| s.chars().count() >= 2)
        .unwrap_or(name);
    let letters: String = short
        .chars()
        .filter_map(|c| match c.to_pinyin() {
            Some(p) => p.first_letter().chars().next(),
            None => c.is_ascii_alphanumeric().then_some(c),
        })
        .flat_map(|c| c.to_uppercase())
        .take(4)
        .collect();
    if letters.is_empty() {
        "X".to_string()
    } else {
        letters
    }
}

/// The year a title names (2017年度软弱涣散村党组织整顿台账), when it is a campaign year.
pub fn year_in_title(text: &str) -> Option<i32> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(5).find_map(|w| match w {
        [a, b, c, d, '年'] if [a, b, c, d].iter().all(|x| x.is_ascii_digit()) => {
            let y: i32 = [a, b, c, d]
                .iter()
                .copied()
                .collect::<String>()
                .parse()
                .ok()?;
            super::YEARS.contains(&y).then_some(y)
        }
        _ => None,
    })
}

/// Reads every case of a flat ledger (compatibility form: a CSV-like table of one file, no
/// check against today).
pub fn cases(
    rows: &[Row],
    file: &str,
    policy: &Policy,
    lang: Lang,
) -> Result<Vec<Case>, Vec<InputError>> {
    let opts = super::ReadOptions {
        policy,
        lang,
        today: None,
    };
    read(rows, &Source::file(file), &opts, &mut IdMaker::default())
        .map(|t| t.cases.into_iter().map(|(_, c)| c).collect())
}

/// Reads every case of a flat ledger. All or nothing: any bad row makes the whole table
/// refused, with every problem found (first one first). [`each`] reads the same without
/// holding the rows or the cases.
pub fn read(
    rows: &[Row],
    src: &Source,
    opts: &super::ReadOptions,
    ids: &mut IdMaker,
) -> Result<Table, Vec<InputError>> {
    let mut cases = Vec::new();
    let read = each(rows.iter().cloned(), src, opts, ids, &mut |row, c| {
        cases.push((row, c))
    })?;
    // when the table has no 编号 column, every id is made
    let made_ids = match read.made_ids {
        0 => Vec::new(),
        _ => cases.iter().map(|(_, c)| c.id.clone()).collect(),
    };
    Ok(Table {
        cases,
        unused: read.unused,
        made_ids,
        title_year: read.title_year,
    })
}

/// Reads a flat ledger from its rows as they come, from any source (a CSV file, a sheet),
/// handing each case to `case` with its row's number as soon as its row is read, and holding
/// neither the rows nor the cases. The table is refused with every problem found, as by
/// [`read`], once its last row is read: cases of good rows were handed on before that, so
/// a caller writes nothing until this returns `Ok`.
pub fn each(
    rows: impl IntoIterator<Item = Row>,
    src: &Source,
    opts: &super::ReadOptions,
    ids: &mut IdMaker,
    case: &mut dyn FnMut(usize, Case),
) -> Result<Read, Vec<InputError>> {
    let mut reader = Reader::new(*src, opts, ids);
    for r in rows {
        reader.row(r, case);
    }
    reader.finish()
}

/// What the import's summary says about a table read by [`each`] or a [`Reader`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Read {
    /// How many cases were handed on.
    pub cases: usize,
    /// The headers of the columns nothing was read from.
    pub unused: Vec<String>,
    /// How many ids were made for a table without an 编号 column, and the first of them.
    pub made_ids: usize,
    pub first_made_id: Option<String>,
    /// The year of every case when the table has no 年度 column but its title names one.
    pub title_year: Option<i32>,
}

impl Read {
    /// The summary's lines, each starting with `name` (the file, or the file and the sheet):
    /// the columns not used, the ids made, the year taken from the title.
    pub fn notes(&self, name: &str, lang: Lang) -> Vec<String> {
        let mut out = Vec::new();
        if !self.unused.is_empty() {
            let sep = if lang == Lang::Zh { "、" } else { ", " };
            out.push(i18n::msg::import_unused(lang, name, self.unused.join(sep)));
        }
        if let Some(first) = &self.first_made_id {
            out.push(i18n::msg::import_made_ids(lang, name, self.made_ids, first));
        }
        if let Some(y) = self.title_year {
            out.push(i18n::msg::import_title_year(lang, name, y));
        }
        out
    }
}

/// A flat ledger read a row at a time, for a source that hands on its rows itself (see
/// [`each`]): [`Reader::row`] for each row in the order of the table, then
/// [`Reader::finish`] for what the table says or every problem found. Rows above the header
/// are titles (only the year one names is kept); the first header row waits for the row
/// under it, which may be a second header row; each data row after is read at once.
pub struct Reader<'a> {
    src: Source<'a>,
    opts: super::ReadOptions<'a>,
    ids: &'a mut IdMaker,
    state: State,
    errors: Vec<InputError>,
    /// The row of each id read, to name it when a later row has the same id.
    first_row_of: HashMap<String, usize>,
    read: Read,
}

enum State {
    /// No header yet: the year the first title naming one names.
    Titles { title_year: Option<i32> },
    /// The first header row, waiting for the row under it.
    Header { first: Row, title_year: Option<i32> },
    Rows {
        header: Header,
        ctx: RowContext,
        /// the table has no 编号 column: each case's id is made
        made: bool,
    },
    /// The header is refused (said in the errors): the rows under it are not read.
    Refused,
}

impl<'a> Reader<'a> {
    pub fn new(src: Source<'a>, opts: &super::ReadOptions<'a>, ids: &'a mut IdMaker) -> Self {
        Reader {
            src,
            opts: *opts,
            ids,
            state: State::Titles { title_year: None },
            errors: Vec::new(),
            first_row_of: HashMap::new(),
            read: Read::default(),
        }
    }

    /// Whether a header row has been seen: a table without one is no ledger (a sheet of
    /// something else).
    pub fn has_header(&self) -> bool {
        !matches!(self.state, State::Titles { .. })
    }

    /// Reads the next row of the table, handing its case, if it holds one, to `case` with
    /// the row's number; a problem of the row is kept for [`Reader::finish`].
    pub fn row(&mut self, r: Row, case: &mut dyn FnMut(usize, Case)) {
        match std::mem::replace(&mut self.state, State::Refused) {
            State::Titles { title_year } if is_header_row(&r) => {
                self.state = State::Header {
                    first: r,
                    title_year,
                }
            }
            State::Titles { title_year } => {
                let title_year =
                    title_year.or_else(|| r.cells.iter().find_map(|c| year_in_title(&c.text())));
                self.state = State::Titles { title_year };
            }
            State::Header { first, title_year } => {
                let (second, header) = header_of(&first, Some(&r));
                self.begin(header, title_year);
                if !second {
                    self.data(&r, case);
                }
            }
            rows @ State::Rows { .. } => {
                self.state = rows;
                self.data(&r, case);
            }
            State::Refused => {}
        }
    }

    /// What the table says for the import's summary, or every problem found in it.
    pub fn finish(mut self) -> Result<Read, Vec<InputError>> {
        match std::mem::replace(&mut self.state, State::Refused) {
            State::Titles { .. } => {
                let lang = self.opts.lang;
                let problem = i18n::t(lang, Text::ImportNoHeader).to_string();
                return Err(vec![self.src.error(lang, String::new(), problem)]);
            }
            State::Header { first, title_year } => {
                let (_, header) = header_of(&first, None);
                self.begin(header, title_year);
            }
            _ => {}
        }
        if self.errors.is_empty() {
            Ok(self.read)
        } else {
            Err(self.errors)
        }
    }

    /// Takes the header found: refused when two columns mean the same or a column a case
    /// needs is missing, else the rows under it are read.
    fn begin(&mut self, header: Header, titles_year: Option<i32>) {
        let lang = self.opts.lang;
        let at_header = i18n::msg::import_row(lang, header.row);
        if let Some((a, b)) = &header.duplicate {
            let problem = i18n::msg::import_duplicate_column(lang, a, b);
            self.errors.push(self.src.error(lang, at_header, problem));
            return;
        }
        let title_year = match header.columns.contains_key("year") {
            true => None,
            false => titles_year.or_else(|| self.src.sheet.and_then(year_in_title)),
        };
        let missing: Vec<String> = REQUIRED
            .iter()
            .filter(|c| !header.columns.contains_key(*c))
            .filter(|c| !(**c == "id" || (**c == "year" && title_year.is_some())))
            .map(|c| default_header(c, lang))
            .collect();
        if !missing.is_empty() {
            let sep = if lang == Lang::Zh { "、" } else { ", " };
            let problem = i18n::msg::import_missing_columns(lang, missing.join(sep));
            self.errors.push(self.src.error(lang, at_header, problem));
            return;
        }
        self.read.unused = header.unused.clone();
        self.read.title_year = title_year;
        self.state = State::Rows {
            made: !header.columns.contains_key("id"),
            ctx: RowContext {
                title_year,
                text_deadline_is_default: self.src.text_deadline_is_default,
            },
            header,
        };
    }

    /// A row under the header: a case, a problem, or nothing (a blank row, a note).
    fn data(&mut self, r: &Row, case: &mut dyn FnMut(usize, Case)) {
        let Reader {
            src,
            opts,
            ids,
            state,
            errors,
            first_row_of,
            read,
        } = self;
        let State::Rows { header, ctx, made } = state else {
            return;
        };
        let (lang, made) = (opts.lang, *made);
        if r.cells.iter().all(Cell::is_blank) || is_note(r) {
            return;
        }
        let place = |p: &Problem| match p.column {
            Some(code) => {
                let name = header
                    .columns
                    .get(code)
                    .map(|(_, h)| h.clone())
                    .unwrap_or_else(|| default_header(code, lang));
                i18n::msg::import_place(lang, r.number, &name)
            }
            None => i18n::msg::import_row(lang, r.number),
        };
        let id_of = |year: i32, county: &str| made.then(|| ids.make(year, county));
        match case_of(r, header, opts, ctx, id_of) {
            Ok(c) => {
                if let Some(first) = first_row_of.get(&c.id) {
                    let p = problem("id", i18n::msg::import_duplicate_id(lang, &c.id, first));
                    errors.push(src.error(lang, place(&p), p.text));
                } else {
                    first_row_of.insert(c.id.clone(), r.number);
                    if made {
                        read.made_ids += 1;
                        read.first_made_id.get_or_insert_with(|| c.id.clone());
                    }
                    read.cases += 1;
                    case(r.number, c);
                }
            }
            Err(p) => errors.push(src.error(lang, place(&p), p.text)),
        }
    }
}

/// What the import's summary says about a table, each line starting with `name` (the file,
/// or the file and the sheet): the columns it did not use, the ids it made, the year it took
/// from the title.
pub fn notes(t: &Table, name: &str, lang: Lang) -> Vec<String> {
    Read {
        cases: t.cases.len(),
        unused: t.unused.clone(),
        made_ids: t.made_ids.len(),
        first_made_id: t.made_ids.first().cloned(),
        title_year: t.title_year,
    }
    .notes(name, lang)
}

/// What every row of a table shares besides its header.
struct RowContext {
    title_year: Option<i32>,
    text_deadline_is_default: bool,
}

/// The cell of a column in a row (blank when the column or the cell is absent).
fn cell<'a>(r: &'a Row, header: &Header, code: &str) -> &'a Cell {
    header
        .columns
        .get(code)
        .and_then(|(i, _)| r.cells.get(*i))
        .unwrap_or(&Cell::Empty)
}

fn case_of(
    r: &Row,
    h: &Header,
    opts: &super::ReadOptions,
    ctx: &RowContext,
    mut made_id: impl FnMut(i32, &str) -> Option<String>,
) -> Result<Case, Problem> {
    let (policy, lang) = (opts.policy, opts.lang);
    let text = |code: &'static str| cell(r, h, code).text();
    let required = |code: &'static str| -> Result<String, Problem> {
        let t = text(code);
        match cell(r, h, code) {
            Cell::Text(raw) if t.is_empty() && !raw.trim().is_empty() => {
                Err(problem(code, i18n::t(lang, Text::Invisible).to_string()))
            }
            _ if t.is_empty() => Err(problem(code, i18n::t(lang, Text::ImportBlank).to_string())),
            _ => Ok(t),
        }
    };
    let date = |code: &'static str| -> Result<Option<NaiveDate>, Problem> {
        date_cell(cell(r, h, code)).map_err(|v| problem(code, i18n::msg::import_not_date(lang, &v)))
    };
    let year = match ctx.title_year.filter(|_| !h.columns.contains_key("year")) {
        Some(y) => y,
        None => {
            let year_text = required("year")?;
            year_of(cell(r, h, "year"))
                .ok_or_else(|| problem("year", i18n::msg::import_not_year(lang, &year_text)))?
        }
    };
    let county = required("county")?;
    let id = match made_id(year, &county) {
        Some(id) => id,
        None => required("id")?,
    };
    let township = required("township")?;
    let village = required("village")?;
    let situations_text = required("situations")?;
    let situations = situations(&situations_text).map_err(|bad| {
        problem(
            "situations",
            i18n::msg::import_unknown_situation(lang, &bad, accepted_situations(lang)),
        )
    })?;
    required("identified_on")?;
    let identified_on = date("identified_on")?.ok_or_else(|| {
        problem(
            "identified_on",
            i18n::t(lang, Text::ImportBlank).to_string(),
        )
    })?;
    let default_deadline = NaiveDate::from_ymd_opt(year, 12, 31);
    let deadline = match cell(r, h, "deadline") {
        Cell::Text(t)
            if ctx.text_deadline_is_default
                && dates::parse(t).is_some()
                && dates::parse(t) == default_deadline =>
        {
            None
        }
        _ => date("deadline")?,
    };
    let stage_text = required("stage")?;
    let stage = stage_of(&stage_text)
        .ok_or_else(|| problem("stage", i18n::msg::import_unknown_stage(lang, &stage_text)))?;
    let paired_on = date("paired_on")?;
    let closed_on = date("closed_on")?;
    let pairing = Pairing {
        county_leader: text("county_leader"),
        county_leader_account: None,
        township_leader: text("township_leader"),
        first_secretary: text("first_secretary"),
        first_secretary_unit: text("first_secretary_unit"),
        assisting_unit: text("assisting_unit"),
        paired_on,
    };
    // One plan task in the row. A 完成时限 that is no date (6月底, 长期坚持) stays with the
    // measure; the task is then due at the conversion deadline.
    let measure = text("measure");
    let tasks = if measure.is_empty() {
        Vec::new()
    } else {
        let (due, words) = match date_cell(cell(r, h, "due")) {
            Ok(d) => (d, None),
            Err(v) => (None, Some(v)),
        };
        let measure = match words {
            Some(w) => format!("{measure}{}", i18n::msg::import_due_words(lang, &w)),
            None => measure,
        };
        let due = due
            .or(deadline)
            .or(default_deadline)
            .unwrap_or(identified_on);
        vec![Task {
            measure,
            responsible: text("responsible"),
            due,
            // a case struck off had its plan done by then
            done_on: closed_on.filter(|_| stage == Stage::Accepted),
        }]
    };
    let relapse_of = Some(text("relapse_of")).filter(|s| !s.is_empty());
    let count = |code: &'static str| -> Result<Option<u32>, Problem> {
        let c = cell(r, h, code);
        match c {
            Cell::Number(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(n) => {
                Ok(Some(*n as u32))
            }
            _ if c.is_blank() => Ok(None),
            _ => c
                .text()
                .parse()
                .map(Some)
                .map_err(|_| problem(code, i18n::msg::import_not_number(lang, c.text()))),
        }
    };
    let village_kind = match cell(r, h, "village_kind") {
        c if c.is_blank() => None,
        c => Some(village_kind_of(&c.text()).ok_or_else(|| {
            problem(
                "village_kind",
                i18n::msg::import_unknown_village_kind(lang, c.text()),
            )
        })?),
    };
    let poor_village = match cell(r, h, "poor_village") {
        c if c.is_blank() => None,
        c => Some(yes_no(c).ok_or_else(|| {
            problem("poor_village", i18n::msg::import_not_yes_no(lang, c.text()))
        })?),
    };
    let profile = Profile {
        village_kind,
        poor_village,
        households: count("households")?,
        population: count("population")?,
        party_members: count("party_members")?,
        secretary_age: count("secretary_age")?,
    };
    let case = Case {
        problems: text("problems"),
        deadline,
        stage,
        pairing: (pairing != Pairing::default()).then_some(pairing),
        tasks,
        no_adjustment_reason: (stage >= Stage::CadresAdjusted)
            .then(|| i18n::t(lang, Text::ImportAdjustmentsElsewhere).to_string()),
        closed_on,
        relapse_of,
        profile,
        ..Case::identified(
            id,
            year,
            county,
            township,
            village,
            situations,
            identified_on,
        )
    };
    let refused = |r: Refusal| Problem {
        column: refusal_column(&r),
        text: i18n::refusal(lang, &r),
    };
    check_case(&case, policy).map_err(refused)?;
    if let Some(r) = super::implausible(&case, opts.today) {
        return Err(refused(r));
    }
    Ok(case)
}

/// 村 or 社区 as people write it: the code, the label, or what the place is called (行政村,
/// 居委会).
pub fn village_kind_of(s: &str) -> Option<VillageKind> {
    let packed: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .trim_end_matches(['。', '.'])
        .to_string();
    parse_label::<VillageKind>(&packed).or(match packed.as_str() {
        "行政村" | "村委会" | "村民委员会" | "农村" | "村党组织" | "村党支部" => {
            Some(VillageKind::Village)
        }
        "居委会" | "社区居委会" | "居民委员会" | "城市社区" | "社区党组织" => {
            Some(VillageKind::Community)
        }
        _ => None,
    })
}

/// A yes-or-no cell: 是/否, √/×, 1/0, yes/no, true/false, and Excel's TRUE/FALSE.
pub fn yes_no(c: &Cell) -> Option<bool> {
    match c {
        Cell::Number(n) if *n == 1.0 => return Some(true),
        Cell::Number(n) if *n == 0.0 => return Some(false),
        _ => {}
    }
    let t = c.text().to_lowercase();
    match t.trim_end_matches(['。', '.']) {
        "是" | "√" | "✓" | "✔" | "1" | "yes" | "y" | "true" | "有" | "贫困村" => {
            Some(true)
        }
        "否" | "×" | "✗" | "0" | "no" | "n" | "false" | "无" | "不是" | "非" => Some(false),
        _ => None,
    }
}

/// A stage as people write it in a ledger: the code, the label, or a short form (已销号).
fn stage_of(s: &str) -> Option<Stage> {
    const SHORT: &[(&str, Stage)] = &[
        ("排查", Stage::Identified),
        ("认定", Stage::Identified),
        ("已认定", Stage::Identified),
        ("包联", Stage::Paired),
        ("已包联", Stage::Paired),
        ("调整", Stage::CadresAdjusted),
        ("已调整", Stage::CadresAdjusted),
        ("班子已调整", Stage::CadresAdjusted),
        ("销号", Stage::Accepted),
        ("已销号", Stage::Accepted),
        ("已验收", Stage::Accepted),
        ("已验收销号", Stage::Accepted),
        ("验收合格", Stage::Accepted),
        ("已验收合格", Stage::Accepted),
        ("验收通过", Stage::Accepted),
        // being rectified: the leaders are paired and at work
        ("整改中", Stage::Paired),
        ("整顿中", Stage::Paired),
        ("正在整改", Stage::Paired),
        ("正在整顿", Stage::Paired),
    ];
    let packed: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .trim_end_matches(['。', '.', '；', ';'])
        .to_string();
    parse_label::<Stage>(s)
        .or_else(|| parse_label::<Stage>(&packed))
        .or_else(|| SHORT.iter().find(|(k, _)| *k == packed).map(|(_, v)| *v))
}

/// What a situations cell may hold, for the message: the Chinese labels to a Chinese reader
/// (separated by ；, since labels contain 、), the codes otherwise.
fn accepted_situations(lang: Lang) -> String {
    match lang {
        Lang::Zh => Situation::ALL
            .iter()
            .map(|s| s.zh())
            .collect::<Vec<_>>()
            .join("；"),
        Lang::En => Situation::codes_list(),
    }
}

/// The column a consistency refusal is about, so the message points at the cell to fix.
fn refusal_column(r: &Refusal) -> Option<&'static str> {
    match r {
        Refusal::Contradiction { cause, .. } => refusal_column(cause),
        Refusal::PairingIncomplete { missing } => missing.first().map(|f| f.code()),
        Refusal::ClosedButOpen => Some(Field::ClosedOn.code()),
        Refusal::BadId { .. } => Some(Field::Id.code()),
        Refusal::IdentifiedOutsideYear { .. } => Some(Field::IdentifiedOn.code()),
        Refusal::Empty { field }
        | Refusal::ImplausibleDate { field, .. }
        | Refusal::Invisible { field }
        | Refusal::OutOfRange { field, .. }
        | Refusal::BeforeIdentified { field, .. }
        | Refusal::AfterToday { field, .. } => COLUMNS
            .iter()
            .map(|(c, _)| *c)
            .chain(ALIASES.iter().map(|(c, _)| *c))
            .find(|c| *c == field.code()),
        _ => None,
    }
}

fn year_of(c: &Cell) -> Option<i32> {
    let y = match c {
        Cell::Number(n) if n.fract() == 0.0 => *n as i64,
        Cell::Text(t) => t
            .trim()
            .trim_end_matches(['年', '度'])
            .trim()
            .parse()
            .ok()?,
        _ => return None,
    };
    i32::try_from(y).ok()
}

/// Excel keeps a date as days since 1899-12-30; a number in a date column whose format was
/// lost is taken as such a serial when it falls in 1954–2099, or as `20170310`.
pub(super) fn date_cell(c: &Cell) -> Result<Option<NaiveDate>, String> {
    match c {
        Cell::Empty => Ok(None),
        Cell::Date(d) => Ok(Some(*d)),
        Cell::Text(t) if t.trim().is_empty() => Ok(None),
        Cell::Text(t) => {
            let t = t.trim();
            // "2017/3/10 0:00" as Excel writes a date cell into CSV
            let day = match t.split_once(' ') {
                Some((d, time)) if time.trim().chars().all(|c| c.is_ascii_digit() || c == ':') => d,
                _ => t,
            };
            dates::parse(day).map(Some).ok_or_else(|| t.to_string())
        }
        Cell::Number(n) => {
            let whole = n.fract() == 0.0;
            if whole && (20_000.0..=73_050.0).contains(n) {
                let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).ok_or_else(|| c.text())?;
                return Ok(epoch.checked_add_days(chrono::Days::new(*n as u64)));
            }
            let s = c.text();
            if whole {
                if let Some(d) = dates::parse(&s) {
                    return Ok(Some(d));
                }
            }
            Err(s)
        }
    }
}

/// Quote marks people type differently around 村霸 and 微腐败.
fn unquote(s: &str) -> String {
    s.chars()
        .filter(|c| !"\"“”'‘’「」『』".contains(*c))
        .collect()
}

const LIST_SEPARATORS: &[char] = &['、', '；', ';', ',', '，', '。', '\n', '\r'];

/// The short names people give some situations.
const SHORT_SITUATIONS: &[(&str, Situation)] = &[
    ("村霸", Situation::VillageBully),
    ("微腐败", Situation::PettyCorruption),
];

/// A list mark in front of an item: `1、` `2.` `(3)` `（4）` `5)` `①`.
fn strip_list_mark(s: &str) -> &str {
    if let Some(rest) = s.strip_prefix(|c: char| ('\u{2460}'..='\u{2473}').contains(&c)) {
        return rest;
    }
    let inner = s.strip_prefix(['(', '（']);
    let body = inner.unwrap_or(s);
    let digits = body.len() - body.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return s;
    }
    let after = body.get(digits..).unwrap_or("");
    let closers: &[char] = if inner.is_some() {
        &[')', '）']
    } else {
        &['、', '.', '．', ')', '）']
    };
    after.strip_prefix(closers).unwrap_or(s)
}

/// Splits a situations cell. Known labels are matched first, longest first, since several
/// contain 、 themselves (班子配备不齐、书记长期缺职); what is left is split on 、 ； ; , ，.
/// Returns the first piece that is neither a code nor a label.
pub fn situations(cell: &str) -> Result<Vec<Situation>, String> {
    static NAMES: std::sync::OnceLock<Vec<(String, Situation)>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let mut names: Vec<(String, Situation)> = Situation::ALL
            .iter()
            .flat_map(|s| {
                [
                    (unquote(s.zh()), *s),
                    (s.en().to_lowercase(), *s),
                    (s.code().to_string(), *s),
                ]
            })
            .collect();
        names.extend(SHORT_SITUATIONS.iter().map(|(n, s)| (n.to_string(), *s)));
        names.sort_by_key(|(n, _)| std::cmp::Reverse(n.chars().count()));
        names
    });
    let text = unquote(cell);
    let mut rest = text.as_str();
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || LIST_SEPARATORS.contains(&c));
        rest = strip_list_mark(rest).trim_start();
        if rest.is_empty() {
            break;
        }
        let lower = rest.to_lowercase();
        let hit = names.iter().find(|(n, _)| {
            lower.starts_with(n.as_str())
                && lower[n.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| c.is_whitespace() || LIST_SEPARATORS.contains(&c))
        });
        match hit {
            // Lower-casing leaves CJK text and ASCII byte lengths unchanged, so the cut is in step.
            Some((n, s)) if rest.is_char_boundary(n.len()) => {
                if !out.contains(s) {
                    out.push(*s);
                }
                rest = &rest[n.len()..];
            }
            _ => {
                let end = rest.find(LIST_SEPARATORS).unwrap_or(rest.len());
                return Err(rest[..end].trim().to_string());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_row(number: usize, cells: &[&str]) -> Row {
        Row {
            number,
            cells: cells.iter().map(|c| Cell::Text(c.to_string())).collect(),
        }
    }

    /// A row's case is handed on when the row is read, not when the table ends; the
    /// problems of later rows are all said at the end, each with its row.
    #[test]
    fn a_reader_hands_on_each_case_as_its_row_comes() {
        let policy = Policy::default();
        let opts = crate::interchange::ReadOptions {
            policy: &policy,
            lang: Lang::En,
            today: None,
        };
        let mut ids = IdMaker::default();
        let mut reader = Reader::new(Source::file("a.csv"), &opts, &mut ids);
        let mut got: Vec<(usize, String)> = Vec::new();
        let rows = [
            text_row(1, &["2017年度台账"]),
            text_row(2, &["县", "乡镇", "村", "软弱涣散情形", "认定日期", "阶段"]),
            text_row(
                3,
                &[
                    "阳谷县",
                    "阿城镇",
                    "前进村",
                    "其他",
                    "2017-03-10",
                    "排查认定",
                ],
            ),
            text_row(
                4,
                &[
                    "阳谷县",
                    "阿城镇",
                    "后街村",
                    "其他",
                    "2017-02-30",
                    "排查认定",
                ],
            ),
            text_row(
                5,
                &["莘县", "莘亭街道", "东村", "其他", "2017-03-10", "整改"],
            ),
            text_row(
                6,
                &["莘县", "莘亭街道", "西村", "其他", "2017-03-10", "排查认定"],
            ),
        ];
        let mut handed = Vec::new();
        for r in rows {
            reader.row(r, &mut |row, c| got.push((row, c.id)));
            handed.push(got.len());
        }
        assert!(reader.has_header());
        // the header waits for the row under it, then every good row is handed on at once
        assert_eq!(handed, [0, 0, 1, 1, 1, 2]);
        assert_eq!(
            got,
            [
                (3, "2017-YG-001".to_string()),
                (6, "2017-SX-002".to_string())
            ]
        );
        let e = reader.finish().unwrap_err();
        let places: Vec<&str> = e.iter().map(|e| e.place.as_str()).collect();
        assert_eq!(places, ["row 4, column 认定日期", "row 5, column 阶段"]);
    }

    #[test]
    fn header_variants_people_type() {
        for h in [
            "县(市、区)",
            "县（市、区）",
            " 县 ",
            "县区",
            "县(市区)",
            "county",
            "County",
        ] {
            assert_eq!(column_of(h), Some("county"), "{h}");
        }
        for h in ["乡镇（街道）", "乡镇", "township"] {
            assert_eq!(column_of(h), Some("township"), "{h}");
        }
        assert_eq!(column_of("identified on"), Some("identified_on"));
        assert_eq!(
            column_of("First secretary's unit"),
            Some("first_secretary_unit")
        );
        assert_eq!(column_of("认定\n日期"), Some("identified_on"));
        assert_eq!(column_of("序号"), None);
        for (h, code) in [
            ("包村县级领导", "county_leader"),
            ("所属乡镇", "township"),
            ("镇（街道）", "township"),
            ("乡镇名称", "township"),
            ("村名称", "village"),
            ("所属县", "county"),
            ("排查时间", "identified_on"),
            ("整顿进展", "stage"),
            ("目前进展", "stage"),
            ("整顿措施", "measure"),
            ("完成时限", "due"),
            ("责任人", "responsible"),
        ] {
            assert_eq!(column_of(h), Some(code), "{h}");
        }
        assert_eq!(column_of("2017年度软弱涣散村党组织整顿台账"), None);
    }

    #[test]
    fn labels_with_the_separator_in_them_are_matched_before_splitting() {
        use Situation::*;
        assert_eq!(
            situations("班子配备不齐、书记长期缺职、服务意识差、服务能力弱、群众意见大"),
            Ok(vec![LeadershipIncomplete, PoorService])
        );
        assert_eq!(
            situations("secretary_unfit; 无集体经济收入，存在“村霸”问题"),
            Ok(vec![SecretaryUnfit, NoCollectiveIncome, VillageBully])
        );
        assert_eq!(
            situations("Poor service, strong complaints, other"),
            Ok(vec![PoorService, Other])
        );
        assert_eq!(situations("书记不胜任现职、班子软"), Err("班子软".into()));
        assert_eq!(situations("班子配备不齐"), Err("班子配备不齐".into()));
        assert_eq!(situations("其他其他"), Err("其他其他".into()));
        assert_eq!(
            situations("1、书记不胜任现职；2、村霸。"),
            Ok(vec![SecretaryUnfit, VillageBully])
        );
        assert_eq!(
            situations("（1）微腐败 ②无集体经济收入。"),
            Ok(vec![PettyCorruption, NoCollectiveIncome])
        );
        assert_eq!(situations("12、"), Ok(vec![]));
    }

    #[test]
    fn stages_as_codes_labels_and_short_forms() {
        assert_eq!(stage_of("验收销号"), Some(Stage::Accepted));
        assert_eq!(stage_of(" 已销号 "), Some(Stage::Accepted));
        assert_eq!(stage_of("cadres_adjusted"), Some(Stage::CadresAdjusted));
        assert_eq!(stage_of("Cadres adjusted"), Some(Stage::CadresAdjusted));
        assert_eq!(stage_of("包联"), Some(Stage::Paired));
        assert_eq!(stage_of("整改中"), Some(Stage::Paired));
        assert_eq!(stage_of("验收合格。"), Some(Stage::Accepted));
        assert_eq!(stage_of("验收"), None, "being accepted is not accepted");
    }

    #[test]
    fn date_cells_in_every_form() {
        let d = NaiveDate::from_ymd_opt(2017, 3, 10);
        assert_eq!(date_cell(&Cell::Number(42804.0)), Ok(d));
        assert_eq!(date_cell(&Cell::Number(20170310.0)), Ok(d));
        assert_eq!(date_cell(&Cell::Text("2017/3/10 0:00".into())), Ok(d));
        assert_eq!(date_cell(&Cell::Text("2017年3月10日".into())), Ok(d));
        assert_eq!(date_cell(&Cell::Date(d.unwrap())), Ok(d));
        assert_eq!(date_cell(&Cell::Text("  ".into())), Ok(None));
        assert_eq!(date_cell(&Cell::Number(3.5)), Err("3.5".into()));
        assert_eq!(
            date_cell(&Cell::Text("2017-02-30".into())),
            Err("2017-02-30".into())
        );
    }
}
