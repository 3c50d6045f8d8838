//! The flat CSV ledger (SPEC §6): one row per case, the columns below, Chinese or English
//! headers. Written in UTF-8 with the flat columns; read in UTF-8 or GBK through the shared
//! table reader ([`table`]).

use std::io::{ErrorKind, Read, Seek, SeekFrom};

use super::table::{self, Cell, Row};
use super::{Imported, InputError, ReadOptions};
use crate::domain::{Case, Field, Policy, Situation};
use crate::i18n::{self, Label, Lang, Text};

/// The flat ledger's columns: (code, Chinese header). English headers are the codes.
pub const COLUMNS: &[(&str, &str)] = &[
    ("id", "编号"),
    ("year", "年度"),
    ("county", "县(市、区)"),
    ("township", "乡镇(街道)"),
    ("village", "村"),
    ("situations", "软弱涣散情形"),
    ("problems", "主要问题"),
    ("identified_on", "认定日期"),
    ("deadline", "转化期限"),
    ("stage", "阶段"),
    ("county_leader", "县级包联领导"),
    ("township_leader", "乡镇包村领导"),
    ("first_secretary", "第一书记"),
    ("first_secretary_unit", "派出单位"),
    ("assisting_unit", "帮扶单位"),
    ("paired_on", "包联日期"),
    ("closed_on", "销号日期"),
];

pub fn header(lang: Lang) -> Vec<&'static str> {
    COLUMNS
        .iter()
        .map(|(code, zh)| match lang {
            Lang::Zh => *zh,
            Lang::En => *code,
        })
        .collect()
}

fn situations_cell(s: &[Situation], lang: Lang) -> String {
    match lang {
        Lang::Zh => s.iter().map(|s| s.zh()).collect::<Vec<_>>().join("；"),
        Lang::En => s.iter().map(|s| s.code()).collect::<Vec<_>>().join(";"),
    }
}

/// One case as the flat row, in [`COLUMNS`] order.
pub fn row(c: &Case, lang: Lang) -> Vec<String> {
    let d = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let p = c.pairing.clone().unwrap_or_default();
    vec![
        c.id.clone(),
        c.year.to_string(),
        c.county.clone(),
        c.township.clone(),
        c.village.clone(),
        situations_cell(&c.situations, lang),
        c.problems.clone(),
        c.identified_on.to_string(),
        d(c.deadline),
        match lang {
            Lang::Zh => c.stage.zh().to_string(),
            Lang::En => c.stage.code().to_string(),
        },
        p.county_leader,
        p.township_leader,
        p.first_secretary,
        p.first_secretary_unit,
        p.assisting_unit,
        d(p.paired_on),
        d(c.closed_on),
    ]
}

/// The village's profile (SPEC §2), written after the flat columns under its fields' labels
/// (codes in English), read back by the same headers.
pub const PROFILE: &[Field] = &[
    Field::VillageKind,
    Field::PoorVillage,
    Field::Households,
    Field::Population,
    Field::PartyMembers,
    Field::SecretaryAge,
];

/// The profile columns' headers.
pub fn profile_header(lang: Lang) -> Vec<&'static str> {
    PROFILE
        .iter()
        .map(|f| match lang {
            Lang::Zh => f.zh(),
            Lang::En => f.code(),
        })
        .collect()
}

/// A case's profile as text cells, in [`PROFILE`] order (blank where nothing is recorded).
pub fn profile_row(c: &Case, lang: Lang) -> Vec<String> {
    let p = &c.profile;
    let n = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
    vec![
        p.village_kind
            .map(|k| match lang {
                Lang::Zh => k.zh().to_string(),
                Lang::En => k.code().to_string(),
            })
            .unwrap_or_default(),
        p.poor_village
            .map(|b| i18n::t(lang, if b { Text::Yes } else { Text::No }).to_string())
            .unwrap_or_default(),
        n(p.households),
        n(p.population),
        n(p.party_members),
        n(p.secretary_age),
    ]
}

/// An extra column after the flat ones: its header and how to fill it for a case.
pub type ExtraColumn<'a> = (&'a str, &'a dyn Fn(&Case) -> String);

/// Writes the flat ledger, with `extra` columns (header, value per case) appended.
pub fn write<W: std::io::Write>(
    out: W,
    cases: &[&Case],
    lang: Lang,
    extra: &[ExtraColumn],
) -> std::io::Result<()> {
    let names: Vec<&str> = extra.iter().map(|(name, _)| *name).collect();
    let mut w = Writer::new(out, lang, &names)?;
    for c in cases {
        let values: Vec<String> = extra.iter().map(|(_, f)| f(c)).collect();
        w.case(c, values)?;
    }
    w.finish()
}

/// The flat ledger written a case at a time, so that a large ledger is never held whole:
/// the header (with `extra` column names) first, then one row per [`Writer::case`], each
/// through [`ReadyRows`] (the bytes a server's list is written with).
pub struct Writer<W: std::io::Write> {
    out: W,
    lang: Lang,
    rows: ReadyRows,
    buf: Vec<u8>,
}

impl<W: std::io::Write> Writer<W> {
    pub fn new(out: W, lang: Lang, extra: &[&str]) -> std::io::Result<Writer<W>> {
        let mut buf = Vec::with_capacity(64 * 1024);
        write_header(&mut buf, lang, extra);
        Ok(Writer {
            out,
            lang,
            rows: ReadyRows::default(),
            buf,
        })
    }

    /// One case's row, with the values of the extra columns.
    pub fn case(&mut self, c: &Case, extra: Vec<String>) -> std::io::Result<()> {
        self.rows.push(c);
        self.rows.write(0, &mut self.buf, self.lang, &extra);
        // a row is kept only as long as it is written
        self.rows.clear_rows();
        if self.buf.len() >= 1 << 16 {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.out.flush()
    }
}

/// The header line, with `extra` column names after the flat and the profile ones.
pub fn write_header(out: &mut Vec<u8>, lang: Lang, extra: &[&str]) {
    let names = header(lang)
        .into_iter()
        .chain(profile_header(lang))
        .chain(extra.iter().copied());
    for (i, name) in names.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_cell(out, name);
    }
    out.push(b'\n');
}

/// Cases' CSV rows (the flat and the profile columns) kept ready to be written, as a
/// server keeps one for every case: each row's cells already in CSV, but for those whose
/// words depend on the language (the situations, the stage, the village's kind…), which
/// are kept once each in both languages for all rows and put in when a row is written.
/// [`write`] writes every row through it, so a list from a server and one from the
/// ledger itself are the same bytes.
#[derive(Debug, Default)]
pub struct ReadyRows {
    rows: Vec<ReadyRow>,
    /// The cells that read differently in Chinese and in English, in CSV, each once.
    words: Vec<[Box<[u8]>; 2]>,
    known: std::collections::HashMap<[Box<[u8]>; 2], u32>,
}

#[derive(Debug, Clone)]
struct ReadyRow {
    /// The cells that read the same in both languages, in CSV, each with a comma after it.
    text: Box<[u8]>,
    /// The others: where each goes in `text`, and which of the words it is.
    worded: Box<[(u32, u32)]>,
}

impl ReadyRows {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// About how many bytes a row takes when written: the first row's kept cells, their
    /// words and its days (at least 256), for sizing a list before writing it.
    pub fn row_bytes(&self) -> usize {
        let Some(row) = self.rows.first() else {
            return 0;
        };
        let words: usize = row
            .worded
            .iter()
            .filter_map(|&(_, w)| self.words.get(w as usize))
            .map(|[zh, en]| zh.len().max(en.len()) + 1)
            .sum();
        (row.text.len() + words + 8).max(256)
    }

    /// Keeps the row of `c` after the others.
    pub fn push(&mut self, c: &Case) {
        let row = self.row_of(c);
        self.rows.push(row);
    }

    /// Keeps the row of `c` in place of row `i` (the case changed).
    pub fn set(&mut self, i: usize, c: &Case) {
        let row = self.row_of(c);
        if let Some(r) = self.rows.get_mut(i) {
            *r = row;
        }
    }

    /// Forgets the rows, keeping the words.
    fn clear_rows(&mut self) {
        self.rows.clear();
    }

    fn row_of(&mut self, c: &Case) -> ReadyRow {
        let cells = |lang| {
            let mut r = row(c, lang);
            r.extend(profile_row(c, lang));
            r.into_iter().map(|cell| {
                let mut b = Vec::with_capacity(cell.len());
                push_cell(&mut b, &guard_formula(cell));
                b
            })
        };
        let mut text = Vec::with_capacity(512);
        let mut worded = Vec::new();
        for (zh, en) in cells(Lang::Zh).zip(cells(Lang::En)) {
            if zh == en {
                text.extend_from_slice(&zh);
                text.push(b',');
                continue;
            }
            let pair = [zh.into_boxed_slice(), en.into_boxed_slice()];
            let word = match self.known.get(&pair) {
                Some(w) => *w,
                None => {
                    let w = self.words.len() as u32;
                    self.words.push(pair.clone());
                    self.known.insert(pair, w);
                    w
                }
            };
            worded.push((text.len() as u32, word));
        }
        ReadyRow {
            text: text.into_boxed_slice(),
            worded: worded.into_boxed_slice(),
        }
    }

    /// Appends row `i` in `lang`, with `extra` cells after the kept ones, and the line's end.
    pub fn write(&self, i: usize, out: &mut Vec<u8>, lang: Lang, extra: &[String]) {
        let Some(row) = self.rows.get(i) else {
            return;
        };
        let which = usize::from(lang == Lang::En);
        let mut at = 0;
        for &(place, word) in row.worded.iter() {
            let place = (place as usize).min(row.text.len());
            out.extend_from_slice(row.text.get(at..place).unwrap_or_default());
            let cell = self
                .words
                .get(word as usize)
                .and_then(|w| w.get(which))
                .map_or(&[][..], |c| &c[..]);
            out.extend_from_slice(cell);
            out.push(b',');
            at = place;
        }
        out.extend_from_slice(row.text.get(at..).unwrap_or_default());
        for cell in extra {
            push_cell(out, &guard_formula(cell.clone()));
            out.push(b',');
        }
        // every cell has a comma after it: the last one ends the line instead
        if out.last() == Some(&b',') {
            out.pop();
        }
        out.push(b'\n');
    }

    /// About the bytes they keep, for a server's log.
    pub fn size(&self) -> usize {
        let row = std::mem::size_of::<ReadyRow>();
        self.rows
            .iter()
            .map(|r| row + r.text.len() + 8 * r.worded.len())
            .sum::<usize>()
            + self
                .words
                .iter()
                .map(|[a, b]| 2 * (a.len() + b.len()))
                .sum::<usize>()
    }
}

/// One cell as the csv crate writes it: quoted (quotes doubled) when it holds a comma, a
/// quote or a line break, else as it is.
fn push_cell(out: &mut Vec<u8>, cell: &str) {
    if cell
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        out.push(b'"');
        for b in cell.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(cell.as_bytes());
    }
}

/// Excel runs a CSV cell that starts with `=`, `+`, `-` or `@` as a formula (a name typed as
/// `=HYPERLINK(…)` would become a live link). Such text is written after an apostrophe,
/// which Excel shows as text; [`unguard_formula`] takes it off again on import.
fn guard_formula(cell: String) -> String {
    // text that itself starts with the apostrophe and a formula character keeps it too
    if starts_like_formula(&cell) || unguard_formula(&cell) != cell {
        format!("'{cell}")
    } else {
        cell
    }
}

fn unguard_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_like_formula(rest) => rest,
        _ => cell,
    }
}

fn starts_like_formula(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// The encoding a CSV file is read in, as Excel writes it: UTF-16 after its byte order
/// mark; else UTF-8 with or without a BOM, tried strictly first; else GBK/GB18030 (Excel on
/// Chinese Windows; GBK text is almost never valid UTF-8, so the guess is safe). The file
/// is read through once to know; `None` when it is none of them. Returns the encoding and
/// where the text starts (after the BOM).
fn encoding_of(
    input: &mut (impl Read + Seek),
) -> std::io::Result<Option<(&'static encoding_rs::Encoding, u64)>> {
    use encoding_rs::{GB18030, UTF_16BE, UTF_16LE, UTF_8};
    input.seek(SeekFrom::Start(0))?;
    let mut head = Vec::with_capacity(3);
    input.by_ref().take(3).read_to_end(&mut head)?;
    let tries = if head.starts_with(b"\xFF\xFE") {
        vec![(UTF_16LE, 2)]
    } else if head.starts_with(b"\xFE\xFF") {
        vec![(UTF_16BE, 2)]
    } else {
        let bom = if head.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        vec![(UTF_8, bom), (GB18030, bom)]
    };
    for (encoding, start) in tries {
        input.seek(SeekFrom::Start(start))?;
        let mut text = Decoded::new(&mut *input, encoding);
        match std::io::copy(&mut text, &mut std::io::sink()) {
            Ok(_) => return Ok(Some((encoding, start))),
            Err(e) if e.kind() == ErrorKind::InvalidData => {}
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// A CSV file's text as the csv reader reads it: decoded to UTF-8 a part at a time, each
/// CR LF made LF (Excel writes CRLF; one line end is one line, whatever it is made of,
/// in a quoted cell too), and the text from the start of the record being read kept, so
/// that the blank lines the csv reader skipped before it can be counted.
struct Decoded<R> {
    input: R,
    decoder: encoding_rs::Decoder,
    raw: Vec<u8>,
    decoded: Vec<u8>,
    /// The text not yet forgotten (see [`Decoded::forget_before`]).
    text: Vec<u8>,
    /// Where `text` starts in the whole text.
    from: u64,
    /// How much of `text` the csv reader has read.
    given: usize,
    /// A CR at the end of the text decoded, held back until the next byte says whether it
    /// is a CR LF.
    cr: bool,
    done: bool,
    /// Whether the text read is kept until forgotten; else it is dropped once read.
    keep: bool,
}

impl<R: Read> Decoded<R> {
    const PART: usize = 1 << 16;

    fn new(input: R, encoding: &'static encoding_rs::Encoding) -> Self {
        Decoded {
            input,
            decoder: encoding.new_decoder_without_bom_handling(),
            raw: vec![0; Self::PART],
            decoded: Vec::new(),
            text: Vec::new(),
            from: 0,
            given: 0,
            cr: false,
            done: false,
            keep: false,
        }
    }

    /// Decodes the next part of the file onto the text; a byte the encoding does not
    /// allow is an `InvalidData` error.
    fn fill(&mut self) -> std::io::Result<()> {
        let n = loop {
            match self.input.read(&mut self.raw) {
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                read => break read?,
            }
        };
        let last = n == 0;
        let mut raw = self.raw.get(..n).unwrap_or_default();
        loop {
            let room = self
                .decoder
                .max_utf8_buffer_length_without_replacement(raw.len())
                .unwrap_or(4 * Self::PART)
                .max(16);
            self.decoded.resize(room, 0);
            let (result, read, written) =
                self.decoder
                    .decode_to_utf8_without_replacement(raw, &mut self.decoded, last);
            for &b in self.decoded.get(..written).unwrap_or_default() {
                if std::mem::take(&mut self.cr) && b != b'\n' {
                    self.text.push(b'\r');
                }
                if b == b'\r' {
                    self.cr = true;
                } else {
                    self.text.push(b);
                }
            }
            raw = raw.get(read..).unwrap_or_default();
            match result {
                encoding_rs::DecoderResult::InputEmpty => break,
                encoding_rs::DecoderResult::OutputFull => continue,
                encoding_rs::DecoderResult::Malformed(..) => {
                    return Err(std::io::Error::from(ErrorKind::InvalidData))
                }
            }
        }
        if last {
            if std::mem::take(&mut self.cr) {
                self.text.push(b'\r');
            }
            self.done = true;
        }
        Ok(())
    }

    /// The text read so far from its start, or at most its first ten lines (where
    /// [`delimiter`] looks).
    fn head(&mut self) -> std::io::Result<String> {
        while !self.done && self.text.iter().filter(|b| **b == b'\n').count() < 10 {
            self.fill()?;
        }
        Ok(String::from_utf8_lossy(&self.text).into_owned())
    }

    /// How many line ends there are in the run of line ends at `start` (where the csv
    /// reader began reading a record).
    fn line_ends_at(&self, start: u64) -> usize {
        let at = usize::try_from(start.saturating_sub(self.from)).unwrap_or(usize::MAX);
        self.text
            .get(at..self.given)
            .unwrap_or_default()
            .iter()
            .take_while(|b| **b == b'\n' || **b == b'\r')
            .filter(|b| **b == b'\n')
            .count()
    }

    /// Forgets the text before `start`, now that no record starts there. Done a large
    /// part at a time, so that the text kept is not moved on every record.
    fn forget_before(&mut self, start: u64) {
        let cut = usize::try_from(start.saturating_sub(self.from))
            .unwrap_or(usize::MAX)
            .min(self.given);
        if cut >= Self::PART {
            self.text.drain(..cut);
            self.from += cut as u64;
            self.given -= cut;
        }
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.keep && self.given == self.text.len() {
            self.from += self.given as u64;
            self.text.clear();
            self.given = 0;
        }
        while self.given == self.text.len() && !self.done {
            self.fill()?;
        }
        let rest = self.text.get(self.given..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), rest.get(..n)) {
            to.copy_from_slice(from);
        }
        self.given += n;
        Ok(n)
    }
}

/// Tab-separated when the first lines have more tabs than commas (Excel's "Unicode text").
fn delimiter(text: &str) -> u8 {
    let head: String = text.lines().take(10).collect();
    if head.matches('\t').count() > head.matches(',').count() {
        b'\t'
    } else {
        b','
    }
}

/// Reads a flat CSV ledger (SPEC §6) into cases, all or nothing.
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

/// Reads a flat CSV ledger with what the import's summary says of it (columns not used,
/// ids made), all or nothing.
pub fn import(bytes: &[u8], file: &str, opts: &ReadOptions) -> Result<Imported, Vec<InputError>> {
    let mut read = Imported::default();
    read.notes = stream(std::io::Cursor::new(bytes), file, opts, &mut |c, place| {
        read.cases.push(c);
        read.places.push(place);
    })?;
    Ok(read)
}

/// Reads a flat CSV ledger a row at a time (see [`table::each`]), from a file read a part
/// at a time: each case is handed to `case` with its place (its row) as its row is read,
/// and neither the file, nor its rows, nor its cases are held. Returns what the import's
/// summary says of the file, or every problem found in it once it is read to the end (a
/// malformed line alone, at once): cases of good rows were handed on before that, so a
/// caller writes nothing until this returns `Ok`.
pub fn stream(
    mut input: impl Read + Seek,
    file: &str,
    opts: &ReadOptions,
    case: &mut dyn FnMut(Case, String),
) -> Result<Vec<String>, Vec<InputError>> {
    let lang = opts.lang;
    let err = |place: String, problem: String| {
        vec![InputError {
            file: file.to_string(),
            place,
            problem,
        }]
    };
    let encoding = || {
        err(
            String::new(),
            i18n::t(lang, Text::ImportEncoding).to_string(),
        )
    };
    // the file could not be read, or changed since its encoding was found
    let unread = |e: &std::io::Error| match e.kind() {
        ErrorKind::InvalidData => encoding(),
        _ => err(String::new(), e.to_string()),
    };
    let (encoding_rs, start) = encoding_of(&mut input)
        .map_err(|e| unread(&e))?
        .ok_or_else(encoding)?;
    input.seek(SeekFrom::Start(start)).map_err(|e| unread(&e))?;
    let mut text = Decoded::new(input, encoding_rs);
    text.keep = true;
    let head = text.head().map_err(|e| unread(&e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(&head))
        .from_reader(text);
    let mut ids = table::IdMaker::default();
    let mut table = table::Reader::new(table::Source::file(file), opts, &mut ids);
    let mut handed = |row: usize, c: Case| case(c, i18n::msg::import_row(lang, row));
    // The csv crate skips empty lines, and a record's position is where it started reading,
    // before the lines it skipped. Count them back so that row numbers are the ones a
    // spreadsheet shows (where a quoted cell with line breaks is still one row).
    let mut number = 0usize;
    let mut rec = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(match e.kind() {
                    csv::ErrorKind::Io(e) => unread(e),
                    _ => err(
                        i18n::msg::import_row(lang, number + 1),
                        i18n::msg::import_csv(lang, e),
                    ),
                })
            }
        }
        let start = rec.position().map_or(0, |p| p.byte());
        number += 1 + reader.get_ref().line_ends_at(start);
        reader.get_mut().forget_before(start);
        let cells = rec
            .iter()
            .map(|f| Cell::Text(unguard_formula(f).to_string()))
            .collect();
        table.row(Row { number, cells }, &mut handed);
    }
    Ok(table.finish()?.notes(file, lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows written are the csv crate's own, for cells that need quoting, guarding or
    /// neither, in both languages.
    #[test]
    fn ready_rows_are_the_csv_writers_bytes() {
        let text = include_str!("../../sample-data/liaocheng-2017.json");
        let ledger = crate::interchange::json::parse(
            text,
            "sample",
            &crate::domain::Policy::default(),
            Lang::En,
        )
        .unwrap();
        let mut cases = ledger.cases;
        cases[0].problems = "逗号,引号\"换行\n回车\r完".into();
        cases[1].village = "=HYPERLINK(\"x\")".into();
        cases[2].problems = String::new();
        cases[3].profile.poor_village = Some(true);
        cases[4].profile.households = Some(120);
        for lang in [Lang::Zh, Lang::En] {
            let mut ours = Vec::new();
            let refs: Vec<&Case> = cases.iter().collect();
            let f = |c: &Case| {
                if c.id == cases[1].id {
                    "-3".to_string()
                } else {
                    "1,2".to_string()
                }
            };
            write(&mut ours, &refs, lang, &[("days", &f)]).unwrap();
            let mut theirs = csv::Writer::from_writer(Vec::new());
            let mut h = header(lang);
            h.extend(profile_header(lang));
            h.push("days");
            theirs.write_record(&h).unwrap();
            for c in &cases {
                let mut r = row(c, lang);
                r.extend(profile_row(c, lang));
                r.push(f(c));
                theirs
                    .write_record(r.into_iter().map(guard_formula))
                    .unwrap();
            }
            let theirs = theirs.into_inner().unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(theirs).unwrap()
            );
        }
    }

    /// A server builds its ready rows from each case's own fields (the store's rows
    /// family), not the whole case: the same bytes, for cases at every stage, with visits,
    /// tasks, adjustments and acceptance attempts recorded.
    #[test]
    fn rows_of_the_own_fields_are_the_rows_of_the_case() {
        let cases = crate::sample::generate(400, 7).cases;
        assert!(cases.iter().any(|c| !c.visits.is_empty()));
        assert!(cases.iter().any(|c| !c.acceptance.is_empty()));
        assert!(cases.iter().any(|c| c.closed_on.is_some()));
        let (mut whole, mut own) = (ReadyRows::default(), ReadyRows::default());
        for c in &cases {
            whole.push(c);
            own.push(&c.own_fields());
        }
        for lang in [Lang::Zh, Lang::En] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for i in 0..cases.len() {
                whole.write(i, &mut a, lang, &["3".to_string()]);
                own.write(i, &mut b, lang, &["3".to_string()]);
            }
            assert_eq!(String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap());
        }
    }
}
