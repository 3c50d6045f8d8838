//! Search over village, township, county, the paired leaders and id, in Chinese and in
//! pinyin as people type it (SPEC §7): full (`qianjin` → 前进村) and initials (`qjc`), `v` for
//! ü (`lv` → 吕), every reading of a many-reading character (莘县: `shenxian` and `xinxian`),
//! and the local readings of place names from a small override table (东阿 is `donge`).
//!
//! Ranking: a prefix hit on a field (its text or one of its pinyin forms) beats a substring
//! hit, which beats a fuzzy subsequence hit (scored by fuzzy-matcher's SkimMatcherV2); ties
//! go to the more important field (village first), then to the earlier case.
//!
//! Built for 100,000 cases and a keystroke budget of a few milliseconds:
//! - every distinct field text is keyed once (counties, townships and leaders repeat across
//!   thousands of cases), into one byte arena with a parallel map back to the field's chars;
//! - each key carries a 64-bit character-set mask, so most keys are rejected by one `AND`
//!   before any string is compared, and SkimMatcherV2 runs only on keys that hold the query
//!   as a subsequence and only for cases with no prefix or substring hit;
//! - [`SearchIndex::search_within`] narrows the previous hits when the query grew, and
//!   [`Typing`] decides that for a caller that just reports what is in the search box.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;
use pinyin::ToPinyinMulti;

use crate::domain::Summary;

/// A searchable field of a case, in order of importance (ties in ranking go to the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Village,
    Township,
    County,
    CountyLeader,
    TownshipLeader,
    FirstSecretary,
    Id,
}

impl Field {
    pub const ALL: [Field; 7] = [
        Field::Village,
        Field::Township,
        Field::County,
        Field::CountyLeader,
        Field::TownshipLeader,
        Field::FirstSecretary,
        Field::Id,
    ];

    /// The displayed text of this field of a case (empty when the case has no pairing yet).
    pub fn of(self, case: &Summary) -> &str {
        match self {
            Field::Village => case.village(),
            Field::Township => case.township(),
            Field::County => case.county(),
            Field::CountyLeader => case.county_leader(),
            Field::TownshipLeader => case.township_leader(),
            Field::FirstSecretary => case.first_secretary(),
            Field::Id => case.id(),
        }
    }
}

/// Local readings of place names where the common reading is wrong or not the first one.
/// The local reading is put first; the others stay, so a user who types them still finds it.
const LOCAL_READINGS: &[(&str, &[&str])] = &[
    ("东阿", &["dong", "e"]),
    ("阿城", &["e", "cheng"]),
    ("单县", &["shan", "xian"]),
    ("莘县", &["shen", "xian"]),
    ("莘亭", &["shen", "ting"]),
    ("莘州", &["shen", "zhou"]),
    ("茌平", &["chi", "ping"]),
    ("冠县", &["guan", "xian"]),
    ("堂邑", &["tang", "yi"]),
    ("鄄城", &["juan", "cheng"]),
    ("曲阜", &["qu", "fu"]),
    ("郓城", &["yun", "cheng"]),
    ("乐陵", &["lao", "ling"]),
];

/// The most pinyin spellings kept per field (a name of many many-reading characters would
/// otherwise multiply out); further characters keep their first reading only.
const MAX_SPELLINGS: usize = 16;

/// A character as matched: full-width forms (ＳＸ, typed with a Chinese input method in its
/// full-width mode) as their ASCII letters and digits, lower-cased, `ü` written `v`. Queries
/// and field texts are folded alike.
fn fold(c: char) -> impl Iterator<Item = char> {
    let c = match c {
        // U+FF01..U+FF5E are ASCII U+0021..U+007E, shifted
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        c => c,
    };
    c.to_lowercase().map(|l| if l == 'ü' { 'v' } else { l })
}

/// A query as matched: folded ([`fold`]), apostrophes (syllable separators) dropped, split
/// into terms at white space. A case matches when every term does.
pub fn normalize(query: &str) -> Vec<String> {
    query
        .split_whitespace()
        .map(|t| {
            t.chars()
                .filter(|c| !matches!(c, '\'' | '’' | '＇'))
                .flat_map(fold)
                .collect::<String>()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// The readings of each char of `text` (lower-cased plain pinyin, ü as v), with the local
/// readings first; a char without pinyin reads as itself, lower-cased.
fn readings(text: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<Vec<String>> = chars
        .iter()
        .map(|c| {
            let mut r: Vec<String> = Vec::new();
            if let Some(multi) = c.to_pinyin_multi() {
                for p in multi {
                    let s = p.plain().replace('ü', "v");
                    if !r.contains(&s) {
                        r.push(s);
                    }
                }
            }
            if r.is_empty() {
                r.push(fold(*c).collect());
            }
            r
        })
        .collect();
    for (place, local) in LOCAL_READINGS {
        let p: Vec<char> = place.chars().collect();
        let mut i = 0;
        while let Some(window) = chars.get(i..i + p.len()) {
            if window == p.as_slice() {
                // `out` has one entry per char of `text`, so the window's entries exist.
                for (r, reading) in out.iter_mut().skip(i).zip(local.iter()) {
                    r.retain(|x| x != reading);
                    r.insert(0, reading.to_string());
                }
                i += p.len();
            } else {
                i += 1;
            }
        }
    }
    out
}

/// The ways people type one reading: as written (`lve`, ü as v), and after l and n also
/// with u for ü (`lue`, `nue`), as input methods accept it: both spell the same syllable,
/// so `kulue` finds 圐圙 as `kulve` does, ranked alike.
fn spelled_as_typed(reading: &str) -> Vec<String> {
    let mut out = vec![reading.to_string()];
    for (umlaut, plain) in [("lve", "lue"), ("nve", "nue")] {
        if let Some(rest) = reading.strip_prefix(umlaut) {
            out.push(format!("{plain}{rest}"));
        }
    }
    out
}

/// A key that sorts Chinese names as a Chinese reader expects (and Excel does): by their
/// pinyin, local readings first (莘县 as shen), then by the text itself.
pub fn pinyin_order(text: &str) -> (String, String) {
    let spelled: Vec<String> = readings(text)
        .into_iter()
        .map(|r| r.into_iter().next().unwrap_or_default())
        .collect();
    (spelled.join(" "), text.to_string())
}

/// One way of spelling a field: the key text and, for each of its bytes, the index of the
/// field's char it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spelling {
    pub text: String,
    pub chars: Vec<u16>,
    /// Every char takes its first reading (the local one, else the usual one). A prefix of a
    /// spelling that takes a rarer reading (家 read gu) ranks only as a substring.
    pub common: bool,
}

/// Every spelling a field is searched under: its lower-cased text, then (when it has
/// Chinese characters) each full-pinyin spelling, then each initials spelling. Duplicates
/// are dropped. Public so that tests can check the optimised search against a plain one.
pub fn spellings(text: &str) -> Vec<Spelling> {
    let mut out: Vec<Spelling> = Vec::new();
    let mut push = |s: Spelling| {
        if !s.text.is_empty() && !out.iter().any(|o| o.text == s.text) {
            out.push(s);
        }
    };
    let mut lower = Spelling {
        text: String::new(),
        chars: Vec::new(),
        common: true,
    };
    for (i, c) in text.chars().enumerate() {
        for l in fold(c) {
            lower.text.push(l);
            lower.chars.extend(std::iter::repeat_n(
                i.min(u16::MAX as usize) as u16,
                l.len_utf8(),
            ));
        }
    }
    push(lower);
    if text.is_ascii() {
        return out;
    }
    let r = readings(text);
    for initials in [false, true] {
        // The choices per char: full readings or their distinct first letters, each with
        // whether it is the char's first reading (or that reading spelled another way).
        let choices: Vec<Vec<(String, bool)>> = r
            .iter()
            .map(|rs| {
                let mut v: Vec<(String, bool)> = Vec::new();
                for (n, s) in rs.iter().enumerate() {
                    let forms = if initials {
                        vec![s.chars().take(1).collect()]
                    } else {
                        spelled_as_typed(s)
                    };
                    for f in forms {
                        if !v.iter().any(|(seen, _)| *seen == f) {
                            v.push((f, n == 0));
                        }
                    }
                }
                v
            })
            .collect();
        // Odometer over the choices, capped at MAX_SPELLINGS combinations.
        let mut width: Vec<usize> = Vec::with_capacity(choices.len());
        let mut total = 1usize;
        for c in &choices {
            let w = if total * c.len() <= MAX_SPELLINGS {
                c.len()
            } else {
                1
            };
            total *= w;
            width.push(w);
        }
        let mut pick = vec![0usize; choices.len()];
        for _ in 0..total {
            let mut s = Spelling {
                text: String::new(),
                chars: Vec::new(),
                common: true,
            };
            // Each pick is below its width, at most its choices' count: `get` always finds it.
            for (i, (c, &p)) in choices.iter().zip(&pick).enumerate() {
                let (part, first) = c.get(p).map_or(("", true), |(t, f)| (t.as_str(), *f));
                s.common &= first;
                s.text.push_str(part);
                s.chars.extend(std::iter::repeat_n(
                    i.min(u16::MAX as usize) as u16,
                    part.len(),
                ));
            }
            push(s);
            for (p, &w) in pick.iter_mut().zip(&width).rev() {
                *p += 1;
                if *p < w {
                    break;
                }
                *p = 0;
            }
        }
    }
    out
}

/// A set of characters as 64 bits: a–z, 0–9, '-', other ASCII, and a hash of the rest.
/// If a key's mask lacks a bit of the query's, the key cannot hold the query.
fn mask(s: &str) -> u64 {
    s.chars().fold(0u64, |m, c| {
        m | 1u64
            << match c {
                'a'..='z' => c as u32 - 'a' as u32,
                '0'..='9' => 26 + c as u32 - '0' as u32,
                '-' => 36,
                c if c.is_ascii() => 37,
                c => 38 + (c as u32 % 26),
            }
    })
}

/// How well a term matched one field: higher is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    Fuzzy,
    Substring,
    Prefix,
}

/// A term's best match on a field: the tier, and the fuzzy score within the fuzzy tier
/// (0 for prefix and substring hits, which rank by field and case order only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    pub tier: Tier,
    pub score: i64,
}

/// Matches one term against one spelling, the plain way: prefix, substring, or SkimMatcherV2.
/// A prefix of a spelling that is not `common` ranks as a substring.
pub fn match_spelling(
    matcher: &SkimMatcherV2,
    spelling: &str,
    common: bool,
    term: &str,
) -> Option<Hit> {
    if spelling.starts_with(term) && common {
        Some(Hit {
            tier: Tier::Prefix,
            score: 0,
        })
    } else if spelling.contains(term) {
        Some(Hit {
            tier: Tier::Substring,
            score: 0,
        })
    } else {
        matcher.fuzzy_match(spelling, term).map(|score| Hit {
            tier: Tier::Fuzzy,
            score,
        })
    }
}

/// `hay` holds `needle`: a plain window scan, cheaper than `str::contains`'s searcher set-up
/// on the short keys searched here. Byte-wise is exact for UTF-8.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    match needle {
        [] => true,
        [b] => hay.contains(b),
        [first, rest @ ..] => hay
            .iter()
            .enumerate()
            .take((hay.len() + 1).saturating_sub(needle.len()))
            .any(|(i, c)| c == first && hay.get(i + 1..).is_some_and(|h| h.starts_with(rest))),
    }
}

fn is_subsequence(term: &str, text: &str) -> bool {
    // Byte-wise is exact for UTF-8: a char's bytes match in order only where the char does.
    let mut t = text.bytes();
    term.bytes().all(|q| t.any(|c| c == q))
}

/// Above this many cases (or distinct texts) a search splits its work over two threads
/// (low in unit tests, so that they check the split against the plain search).
const PARALLEL_FROM: usize = if cfg!(test) { 500 } else { 20_000 };

/// The normalised terms of a query and their character-set masks.
struct Query<'a> {
    terms: &'a [String],
    masks: &'a [u64],
}

/// Hits of part of the cases. Exact hits rank by (tier, field, case): one bucket per
/// (tier, field), filled in case order, needs no sort. Fuzzy hits rank by score first and
/// are sorted (packed by [`rank`]).
struct Partial {
    buckets: Vec<Vec<u32>>,
    fuzzy: Vec<u64>,
}

impl Partial {
    /// Adds the hits of later cases.
    fn append(&mut self, later: Partial) {
        for (b, l) in self.buckets.iter_mut().zip(later.buckets) {
            b.extend(l);
        }
        self.fuzzy.extend(later.fuzzy);
    }

    /// The hits, best first. `in_order`: the buckets were filled in case order.
    fn finish(mut self, in_order: bool) -> Vec<usize> {
        if !in_order {
            self.fuzzy.sort_unstable();
        }
        let total = self.buckets.iter().map(Vec::len).sum::<usize>() + self.fuzzy.len();
        let mut out: Vec<usize> = Vec::with_capacity(total);
        for mut b in self.buckets {
            if !in_order {
                b.sort_unstable();
            }
            out.extend(b.into_iter().map(|ci| ci as usize));
        }
        out.extend(self.fuzzy.into_iter().map(|r| (r & 0x07FF_FFFF) as usize));
        out
    }
}

/// FNV-1a: a fast hash for interning short field texts (no untrusted-input concern here:
/// the texts come from the user's own ledger).
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Where one spelling lives in the arenas.
#[derive(Debug, Clone, Copy)]
struct Key {
    start: u32,
    len: u32,
    mask: u64,
    /// [`Spelling::common`].
    common: bool,
}

/// The spellings of one distinct field text, and the cases that use it.
#[derive(Debug, Clone, Copy)]
struct Text {
    keys_start: u32,
    keys_len: u32,
    mask: u64,
    /// The first case that used the text (NONE for none yet); the others, when there are
    /// others, are `SearchIndex::more_users[more]`. A case that stopped using it may still
    /// be named: a search only visits the cases named, and decides on their fields as
    /// they are.
    first_user: u32,
    more: u32,
}

const NONE: u32 = u32::MAX;

// What a term does on a distinct text, one byte per text while a query runs.
const UNKNOWN: u8 = 0;
const NO_MATCH: u8 = 1;
const MAYBE_FUZZY: u8 = 2;
const SUBSTRING: u8 = 3;
const PREFIX: u8 = 4;
const FUZZY_UNKNOWN: i64 = i64::MIN;
const FUZZY_NONE: i64 = i64::MIN + 1;

/// The ranking key of a case: tier, then fuzzy score, then field, then case index, packed
/// so that a plain ascending sort of `u64`s puts the best first.
fn rank(hit: Hit, field: Field, case: usize) -> u64 {
    let tier = 2 - hit.tier as u64;
    let score = (u32::MAX as i64 - hit.score.clamp(0, u32::MAX as i64)) as u64;
    (tier << 62)
        | ((score & 0xFFFF_FFFF) << 30)
        | ((field as u64) << 27)
        | (case as u64 & 0x07FF_FFFF)
}

pub struct SearchIndex {
    /// Per case, the distinct-text number of each field (in `Field::ALL` order), or NONE.
    cases: Vec<[u32; 7]>,
    texts: Vec<Text>,
    keys: Vec<Key>,
    /// All spellings, back to back.
    bytes: String,
    /// For each byte of `bytes`, the index of the field char it spells.
    chars: Vec<u16>,
    /// The cases of the texts used by more than one ([`Text::more`]).
    more_users: Vec<Vec<u32>>,
    matcher: SkimMatcherV2,
}

impl SearchIndex {
    pub fn build(cases: &[Summary]) -> SearchIndex {
        let mut ix = SearchIndex {
            cases: Vec::with_capacity(cases.len()),
            texts: Vec::new(),
            keys: Vec::new(),
            bytes: String::new(),
            chars: Vec::new(),
            more_users: Vec::new(),
            matcher: SkimMatcherV2::default(),
        };
        let mut interned: HashMap<&str, u32, BuildHasherDefault<Fnv>> = HashMap::default();
        for case in cases {
            let mut ids = [NONE; 7];
            for (id, field) in ids.iter_mut().zip(Field::ALL) {
                let text = field.of(case);
                if text.is_empty() {
                    continue;
                }
                // Ids are unique: nothing to share, and no point remembering them.
                if field == Field::Id {
                    *id = ix.add_text(text);
                } else {
                    *id = match interned.get(text) {
                        Some(id) => *id,
                        None => {
                            let id = ix.add_text(text);
                            interned.insert(text, id);
                            id
                        }
                    };
                }
                ix.add_user(*id, ix.cases.len() as u32);
            }
            ix.cases.push(ids);
        }
        ix.more_users.shrink_to_fit();
        ix.bytes.shrink_to_fit();
        ix.chars.shrink_to_fit();
        ix.keys.shrink_to_fit();
        ix.texts.shrink_to_fit();
        ix
    }

    /// Replaces the search keys of case `case` (or adds it, when `case` is the next index)
    /// after a change to it: same results as building the index again, without reading
    /// every case. Texts the case no longer uses stay in the index, unreferenced.
    pub fn update(&mut self, case: usize, summary: &Summary) {
        let old = self.cases.get(case).copied().unwrap_or([NONE; 7]);
        let mut ids = [NONE; 7];
        for ((id, field), old) in ids.iter_mut().zip(Field::ALL).zip(old) {
            let text = field.of(summary);
            if text.is_empty() {
                continue;
            }
            *id = match Some(old).filter(|&t| t != NONE) {
                Some(t) if self.spells(t, text) => t,
                _ => {
                    let t = self.add_text(text);
                    self.add_user(t, case as u32);
                    t
                }
            };
        }
        if let Some(slot) = self.cases.get_mut(case) {
            *slot = ids;
        } else if case == self.cases.len() {
            self.cases.push(ids);
        }
        // An index further past the end names no case: nothing refers to it.
    }

    /// Whether distinct text `text` is spelled like `s`: its first spelling is `s` lower-cased
    /// (see [`spellings`]), and every other spelling follows from that one.
    fn spells(&self, text: u32, s: &str) -> bool {
        let lower: String = s.chars().flat_map(fold).collect();
        self.keys_of(text)
            .first()
            .is_some_and(|k| self.key_text(k) == lower)
    }

    fn add_text(&mut self, text: &str) -> u32 {
        let keys_start = self.keys.len() as u32;
        let mut all = 0u64;
        for s in spellings(text) {
            let m = mask(&s.text);
            all |= m;
            self.keys.push(Key {
                start: self.bytes.len() as u32,
                len: s.text.len() as u32,
                mask: m,
                common: s.common,
            });
            self.bytes.push_str(&s.text);
            self.chars.extend_from_slice(&s.chars);
        }
        self.texts.push(Text {
            keys_start,
            keys_len: self.keys.len() as u32 - keys_start,
            mask: all,
            first_user: NONE,
            more: NONE,
        });
        self.texts.len() as u32 - 1
    }

    /// Notes that case `case` uses distinct text `text` (once, however many of its fields
    /// do).
    fn add_user(&mut self, text: u32, case: u32) {
        let Some(t) = self.texts.get_mut(text as usize) else {
            return;
        };
        if t.first_user == NONE {
            t.first_user = case;
        } else if t.first_user != case {
            match self.more_users.get_mut(t.more as usize) {
                Some(more) => {
                    if more.last() != Some(&case) {
                        more.push(case);
                    }
                }
                None => {
                    t.more = self.more_users.len() as u32;
                    self.more_users.push(vec![case]);
                }
            }
        }
    }

    /// The cases that use a distinct text (possibly some that no longer do).
    fn users(&self, text: &Text) -> impl Iterator<Item = usize> + '_ {
        let first = (text.first_user != NONE).then_some(text.first_user);
        let more = self
            .more_users
            .get(text.more as usize)
            .map_or(&[][..], Vec::as_slice);
        first
            .into_iter()
            .chain(more.iter().copied())
            .map(|c| c as usize)
    }

    pub fn len(&self) -> usize {
        self.cases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    /// The text of a key. `add_text` made the key from the bytes it appended, so the range
    /// is always there; an empty text would only match nothing.
    fn key_text(&self, k: &Key) -> &str {
        self.bytes
            .get(k.start as usize..(k.start + k.len) as usize)
            .unwrap_or("")
    }

    /// The keys of a distinct text, all added with it by `add_text` (none for an id that
    /// names no text).
    fn keys_of(&self, text: u32) -> &[Key] {
        self.texts
            .get(text as usize)
            .and_then(|t| {
                self.keys
                    .get(t.keys_start as usize..(t.keys_start + t.keys_len) as usize)
            })
            .unwrap_or(&[])
    }

    /// Prefix or substring hit of `term` on a distinct text, without fuzzy scoring.
    fn exact(&self, text: u32, term: &str, qmask: u64) -> Option<Hit> {
        let mut best: Option<Hit> = None;
        for k in self.keys_of(text) {
            if k.mask & qmask != qmask || (k.len as usize) < term.len() {
                continue;
            }
            let s = self.key_text(k);
            if s.starts_with(term) && k.common {
                return Some(Hit {
                    tier: Tier::Prefix,
                    score: 0,
                });
            }
            if best.is_none() && contains(s.as_bytes(), term.as_bytes()) {
                best = Some(Hit {
                    tier: Tier::Substring,
                    score: 0,
                });
            }
        }
        best
    }

    /// The best fuzzy score of `term` on a distinct text.
    fn fuzzy(&self, text: u32, term: &str, qmask: u64) -> Option<Hit> {
        let mut best: Option<i64> = None;
        for k in self.keys_of(text) {
            if k.mask & qmask != qmask {
                continue;
            }
            let s = self.key_text(k);
            if !is_subsequence(term, s) {
                continue;
            }
            if let Some(score) = self.matcher.fuzzy_match(s, term) {
                best = Some(best.map_or(score, |b| b.max(score)));
            }
        }
        best.map(|score| Hit {
            tier: Tier::Fuzzy,
            score,
        })
    }

    /// Indices of the cases matching `query`, best first. An empty query matches every
    /// case, in order.
    pub fn search(&self, query: &str) -> Vec<usize> {
        self.run(query, None)
    }

    /// Like [`search`](Self::search) but only among `previous` — the hits of a query that
    /// this one extends (typed one more character, or another term). Same result as a full
    /// search in that case, for a fraction of the work.
    pub fn search_within(&self, previous: &[usize], query: &str) -> Vec<usize> {
        self.run(query, Some(previous))
    }

    /// Pinyin typed with spaces between syllables (`zhang lu`) ranks as typed without them
    /// (`zhanglu`): the cases the joined term finds come first, in its order, then those
    /// where each term matches some field.
    fn run(&self, query: &str, within: Option<&[usize]>) -> Vec<usize> {
        let terms = normalize(query);
        let pinyin = |t: &String| t.bytes().all(|b| b.is_ascii_lowercase());
        if terms.len() < 2 || !terms.iter().all(pinyin) {
            return self.run_terms(&terms, within);
        }
        let joined = self.run_terms(&[terms.concat()], within);
        let apart = self.run_terms(&terms, within);
        let mut seen = vec![false; self.cases.len()];
        let mut out = Vec::with_capacity(joined.len() + apart.len());
        for ci in joined.into_iter().chain(apart) {
            if let Some(s) = seen.get_mut(ci).filter(|s| !**s) {
                *s = true;
                out.push(ci);
            }
        }
        out
    }

    fn run_terms(&self, terms: &[String], within: Option<&[usize]>) -> Vec<usize> {
        if terms.is_empty() {
            return match within {
                Some(w) => w.to_vec(),
                None => (0..self.cases.len()).collect(),
            };
        }
        let masks: Vec<u64> = terms.iter().map(|t| mask(t)).collect();
        let q = Query {
            terms,
            masks: &masks,
        };
        let n = self.cases.len();
        match within {
            // Few previous hits: visit them as they are, filling the per-text states lazily
            // for the few texts they use, then sort the buckets (rank order is not case order).
            Some(w) if w.len() * 16 < n => {
                let mut states = vec![vec![UNKNOWN; self.texts.len()]; terms.len()];
                let part = self.scan(&q, &mut states, w.iter().copied());
                part.finish(false)
            }
            _ => {
                // Many cases: states for every text in one sequential pass; then only the
                // cases using a text that the first term matches (a hit needs one), in case
                // order (a sequential walk of the case table: in rank order, cache misses
                // dominated), split over two threads when there is enough work.
                let mut states: Vec<Vec<u8>> = terms
                    .iter()
                    .zip(&masks)
                    .map(|(term, &qmask)| self.states(term, qmask))
                    .collect();
                let order = match (terms.first(), masks.first(), states.first_mut()) {
                    (Some(term), Some(&qmask), Some(first)) => {
                        self.candidates(term, qmask, first, within)
                    }
                    _ => Vec::new(),
                };
                let parallel = order.len() >= PARALLEL_FROM;
                let half = if parallel {
                    order.len() / 2
                } else {
                    order.len()
                };
                let (low, high) = order.split_at(half);
                let mut part = std::thread::scope(|scope| {
                    let high_part = (!high.is_empty()).then(|| {
                        let mut states = states.clone();
                        let q = &q;
                        scope.spawn(move || self.scan(q, &mut states, high.iter().copied()))
                    });
                    let mut mine = states.clone();
                    let mut part = self.scan(&q, &mut mine, low.iter().copied());
                    if let Some(h) = high_part {
                        // A panic in the scan is a bug; re-raise it here rather than lose hits.
                        match h.join() {
                            Ok(other) => part.append(other),
                            Err(e) => std::panic::resume_unwind(e),
                        }
                    }
                    part
                });
                part.fuzzy.sort_unstable();
                part.finish(true)
            }
        }
    }

    /// The cases, in case order, that use a distinct text on which `term` has a hit
    /// (among `within`, when given): those a search must look at. `state` holds the term's
    /// state on every text; a text that could only be a fuzzy hit, and is not, becomes
    /// NO_MATCH in it.
    fn candidates(
        &self,
        term: &str,
        qmask: u64,
        state: &mut [u8],
        within: Option<&[usize]>,
    ) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for (t, (text, st)) in self.texts.iter().zip(state.iter_mut()).enumerate() {
            match *st {
                PREFIX | SUBSTRING => {}
                MAYBE_FUZZY if self.fuzzy(t as u32, term, qmask).is_some() => {}
                MAYBE_FUZZY => {
                    *st = NO_MATCH;
                    continue;
                }
                _ => continue,
            }
            out.extend(self.users(text));
        }
        if let Some(w) = within {
            let mut member = vec![false; self.cases.len()];
            for &ci in w {
                if let Some(m) = member.get_mut(ci) {
                    *m = true;
                }
            }
            out.retain(|&ci| member.get(ci).copied().unwrap_or(false));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The state of `term` on every distinct text, in one sequential pass.
    fn states(&self, term: &str, qmask: u64) -> Vec<u8> {
        let n = self.texts.len() as u32;
        if n as usize >= PARALLEL_FROM {
            let mid = n / 2;
            std::thread::scope(|scope| {
                let high = scope.spawn(move || {
                    (mid..n)
                        .map(|t| self.state(t, term, qmask))
                        .collect::<Vec<u8>>()
                });
                let mut low: Vec<u8> = (0..mid).map(|t| self.state(t, term, qmask)).collect();
                match high.join() {
                    Ok(h) => low.extend(h),
                    Err(e) => std::panic::resume_unwind(e),
                }
                low
            })
        } else {
            (0..n).map(|t| self.state(t, term, qmask)).collect()
        }
    }

    /// Ranks the given cases into a [`Partial`]: each case's best hit on the first term,
    /// provided every term matches some field.
    fn scan(
        &self,
        q: &Query,
        states: &mut [Vec<u8>],
        cases: impl Iterator<Item = usize>,
    ) -> Partial {
        let mut part = Partial {
            buckets: vec![Vec::new(); 2 * Field::ALL.len()],
            fuzzy: Vec::new(),
        };
        let mut fuzzy_memo: Vec<Vec<i64>> = vec![Vec::new(); q.terms.len()];
        'cases: for ci in cases {
            let Some(fields) = self.cases.get(ci) else {
                continue;
            };
            let mut first: Option<(Hit, Field)> = None;
            // `states` and `fuzzy_memo` hold one entry per term, each with one slot per
            // distinct text (the memo once filled): the `get`s below always find theirs.
            let per_term = q.terms.iter().zip(q.masks).zip(states.iter_mut());
            for (ti, (((term, &qmask), state), memo)) in
                per_term.zip(fuzzy_memo.iter_mut()).enumerate()
            {
                let mut best: Option<(Hit, Field)> = None;
                let mut fuzzy_candidate = false;
                // Exact hits first; fuzzy only when no field has one.
                for (&text, field) in fields.iter().zip(Field::ALL) {
                    if text == NONE {
                        continue;
                    }
                    let Some(st) = state.get_mut(text as usize) else {
                        continue;
                    };
                    if *st == UNKNOWN {
                        *st = self.state(text, term, qmask);
                    }
                    let tier = match *st {
                        PREFIX => Tier::Prefix,
                        SUBSTRING => Tier::Substring,
                        MAYBE_FUZZY => {
                            fuzzy_candidate = true;
                            continue;
                        }
                        _ => continue,
                    };
                    let hit = Hit { tier, score: 0 };
                    if best.is_none_or(|(b, _)| hit > b) {
                        best = Some((hit, field));
                    }
                }
                if best.is_none() && fuzzy_candidate {
                    if memo.is_empty() {
                        memo.resize(self.texts.len(), FUZZY_UNKNOWN);
                    }
                    for (&text, field) in fields.iter().zip(Field::ALL) {
                        if text == NONE || state.get(text as usize) != Some(&MAYBE_FUZZY) {
                            continue;
                        }
                        let Some(score) = memo.get_mut(text as usize) else {
                            continue;
                        };
                        if *score == FUZZY_UNKNOWN {
                            *score = self
                                .fuzzy(text, term, qmask)
                                .map_or(FUZZY_NONE, |h| h.score);
                        }
                        if *score != FUZZY_NONE {
                            let hit = Hit {
                                tier: Tier::Fuzzy,
                                score: *score,
                            };
                            if best.is_none_or(|(b, _)| hit > b) {
                                best = Some((hit, field));
                            }
                        }
                    }
                }
                match best {
                    None => continue 'cases,
                    Some(b) if ti == 0 => first = Some(b),
                    Some(_) => {}
                }
            }
            match first {
                Some((hit, field)) if hit.tier == Tier::Fuzzy => {
                    part.fuzzy.push(rank(hit, field, ci))
                }
                Some((hit, field)) => {
                    let b = if hit.tier == Tier::Prefix {
                        0
                    } else {
                        Field::ALL.len()
                    };
                    // Two buckets per field (prefix, substring): always there.
                    if let Some(bucket) = part.buckets.get_mut(b + field as usize) {
                        bucket.push(ci as u32);
                    }
                }
                None => {}
            }
        }
        part
    }

    /// What `term` does on a distinct text: a prefix or substring hit, possibly a fuzzy one
    /// (its characters are all there), or nothing.
    fn state(&self, text: u32, term: &str, qmask: u64) -> u8 {
        if self
            .texts
            .get(text as usize)
            .is_none_or(|t| t.mask & qmask != qmask)
        {
            return NO_MATCH;
        }
        match self.exact(text, term, qmask) {
            Some(Hit {
                tier: Tier::Prefix, ..
            }) => PREFIX,
            Some(_) => SUBSTRING,
            None => MAYBE_FUZZY,
        }
    }

    /// Which chars of which fields of case `case` the query matched, for highlighting:
    /// char indices into the field's displayed text ([`Field::of`]), in field order.
    pub fn highlights(&self, case: usize, query: &str) -> Vec<(Field, Vec<usize>)> {
        let terms = normalize(query);
        let Some(fields) = self.cases.get(case) else {
            return vec![];
        };
        let mut out = Vec::new();
        for (&text, field) in fields.iter().zip(Field::ALL) {
            if text == NONE {
                continue;
            }
            let mut marked: Vec<usize> = Vec::new();
            for term in &terms {
                marked.extend(self.term_chars(text, term));
            }
            marked.sort_unstable();
            marked.dedup();
            if !marked.is_empty() {
                out.push((field, marked));
            }
        }
        out
    }

    /// The field chars that `term`'s best match on a distinct text covers.
    fn term_chars(&self, text: u32, term: &str) -> Vec<usize> {
        let qmask = mask(term);
        let mut best: Option<(Hit, Vec<usize>)> = None;
        for k in self.keys_of(text) {
            if k.mask & qmask != qmask {
                continue;
            }
            let s = self.key_text(k);
            let Some(hit) = match_spelling(&self.matcher, s, k.common, term) else {
                continue;
            };
            if best.as_ref().is_some_and(|(b, _)| *b >= hit) {
                continue;
            }
            // `chars` has an entry for every byte of every key (see `add_text`).
            let byte_at = |b: usize| self.chars.get(k.start as usize + b).map(|&c| c as usize);
            let mut chars: Vec<usize> = match hit.tier {
                Tier::Prefix | Tier::Substring => {
                    let at = s.find(term).unwrap_or(0);
                    (at..at + term.len()).filter_map(byte_at).collect()
                }
                Tier::Fuzzy => {
                    let offsets: Vec<usize> = s.char_indices().map(|(b, _)| b).collect();
                    self.matcher
                        .fuzzy_indices(s, term)
                        .map(|(_, idx)| {
                            idx.into_iter()
                                .filter_map(|i| offsets.get(i).and_then(|b| byte_at(*b)))
                                .collect()
                        })
                        .unwrap_or_default()
                }
            };
            chars.dedup();
            best = Some((hit, chars));
        }
        best.map(|(_, c)| c).unwrap_or_default()
    }
}

/// The search box as it is typed into: remembers the last query and its hits, and narrows
/// them when the new query extends the old one instead of searching everything again.
#[derive(Default)]
pub struct Typing {
    query: String,
    hits: Option<Vec<usize>>,
}

impl Typing {
    pub fn new() -> Typing {
        Typing::default()
    }

    /// The hits for `query`, best first.
    pub fn update(&mut self, index: &SearchIndex, query: &str) -> &[usize] {
        let narrows = match &self.hits {
            Some(_) => {
                let old = normalize(&self.query);
                let new = normalize(query);
                !old.is_empty() && extends(&old, &new)
            }
            None => false,
        };
        let hits = match (&self.hits, narrows) {
            (Some(prev), true) => index.search_within(prev, query),
            _ => index.search(query),
        };
        self.query = query.to_string();
        self.hits.insert(hits)
    }
}

/// Whether every case matching `new` also matches `old`: the same terms, the last one
/// possibly longer, possibly more terms after it.
fn extends(old: &[String], new: &[String]) -> bool {
    let Some((old_last, old_rest)) = old.split_last() else {
        return false;
    };
    match (new.get(..old_rest.len()), new.get(old_rest.len())) {
        (Some(new_rest), Some(new_last)) => {
            old_rest == new_rest && new_last.starts_with(old_last.as_str())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Case, Pairing, Situation, Stage};
    use chrono::NaiveDate;

    fn case(id: &str, county: &str, township: &str, village: &str, leader: &str) -> Summary {
        Summary::of(&Case {
            stage: Stage::Paired,
            pairing: Some(Pairing {
                county_leader: leader.into(),
                county_leader_account: None,
                township_leader: "赵明".into(),
                first_secretary: "孙伟".into(),
                first_secretary_unit: "县财政局".into(),
                assisting_unit: String::new(),
                paired_on: NaiveDate::from_ymd_opt(2017, 3, 20),
            }),
            ..Case::identified(
                id,
                2017,
                county,
                township,
                village,
                vec![Situation::Other],
                NaiveDate::from_ymd_opt(2017, 3, 1).unwrap(),
            )
        })
    }

    fn fixture() -> Vec<Summary> {
        vec![
            case("2017-YG-001", "阳谷县", "阿城镇", "前进村", "王建国"),
            case("2017-SX-001", "莘县", "莘亭街道", "菜园村", "吕长青"),
            case("2017-DE-001", "东阿县", "刘集镇", "后屯村", "张伟"),
            case("2017-CP-001", "茌平区", "博平镇", "李庄村", "单立新"),
            case("2017-GX-001", "冠县", "清泉街道", "前王庄村", "高明"),
            case("2017-DCF-001", "东昌府区", "堂邑镇", "教场李村", "刘军"),
            case("2017-YG-002", "阳谷县", "七级镇", "秦集村", "马强"),
        ]
    }

    fn ids(ix: &SearchIndex, cases: &[Summary], q: &str) -> Vec<String> {
        ix.search(q)
            .into_iter()
            .map(|i| cases[i].id().to_string())
            .collect()
    }

    /// Updating one case in place gives what a rebuild gives: hits, order and highlights.
    #[test]
    fn update_in_place_equals_a_rebuild() {
        let mut cases = fixture();
        let mut ix = SearchIndex::build(&cases);
        // new leader names, a renamed village, one field emptied, one unchanged case
        cases[2] = case("2017-DE-001", "东阿县", "刘集镇", "前进新村", "吕长青");
        let c = &cases[4];
        let names = crate::domain::Names {
            county_leader: "",
            ..c.names()
        };
        cases[4] = Summary::new(names, c.year, c.last_visit, c.due);
        ix.update(2, &cases[2]);
        ix.update(4, &cases[4]);
        ix.update(5, &cases[5]);
        let rebuilt = SearchIndex::build(&cases);
        for q in [
            "qianjin", "qjc", "lv", "gaoming", "gm", "前进", "liuji", "2017", "dong e",
        ] {
            assert_eq!(ix.search(q), rebuilt.search(q), "{q}");
            for i in 0..cases.len() {
                assert_eq!(ix.highlights(i, q), rebuilt.highlights(i, q), "{q} {i}");
            }
        }
        assert_eq!(
            ids(&ix, &cases, "qianjin"),
            vec!["2017-YG-001", "2017-DE-001"]
        );
        assert!(ix.search("gaoming").is_empty());
        // a case added at the end
        cases.push(case("2017-YG-099", "阳谷县", "阿城镇", "新华村", "王建国"));
        ix.update(cases.len() - 1, &cases[cases.len() - 1]);
        assert_eq!(
            ix.search("xinhua"),
            SearchIndex::build(&cases).search("xinhua")
        );
        assert_eq!(ix.len(), cases.len());
    }

    #[test]
    fn full_pinyin_and_initials_find_the_village() {
        let cases = fixture();
        let ix = SearchIndex::build(&cases);
        assert_eq!(ids(&ix, &cases, "qianjin")[0], "2017-YG-001");
        assert_eq!(ids(&ix, &cases, "qjc")[0], "2017-YG-001");
        assert_eq!(ids(&ix, &cases, "QianJin")[0], "2017-YG-001");
        assert_eq!(ids(&ix, &cases, "qian'jin")[0], "2017-YG-001");
    }

    #[test]
    fn v_stands_for_u_umlaut() {
        let cases = fixture();
        let ix = SearchIndex::build(&cases);
        assert_eq!(ids(&ix, &cases, "lv"), vec!["2017-SX-001"]);
        assert_eq!(ids(&ix, &cases, "lvchangqing"), vec!["2017-SX-001"]);
        assert_eq!(ids(&ix, &cases, "lü"), vec!["2017-SX-001"]);
    }

    #[test]
    fn every_reading_of_a_many_reading_character() {
        let cases = fixture();
        let ix = SearchIndex::build(&cases);
        assert_eq!(ids(&ix, &cases, "shenxian")[0], "2017-SX-001");
        assert_eq!(ids(&ix, &cases, "xinxian")[0], "2017-SX-001");
        assert_eq!(ids(&ix, &cases, "sx")[0], "2017-SX-001");
        // 长 is zhang or chang; 单 (a surname) is shan, dan or chan.
        assert_eq!(ids(&ix, &cases, "lvzhangqing"), vec!["2017-SX-001"]);
        assert_eq!(ids(&ix, &cases, "shanlixin"), vec!["2017-CP-001"]);
        assert_eq!(ids(&ix, &cases, "danlixin"), vec!["2017-CP-001"]);
    }

    #[test]
    fn local_readings_of_place_names() {
        let cases = fixture();
        let ix = SearchIndex::build(&cases);
        assert_eq!(ids(&ix, &cases, "donge")[0], "2017-DE-001");
        assert_eq!(ids(&ix, &cases, "dongexian")[0], "2017-DE-001");
        assert_eq!(ids(&ix, &cases, "chiping")[0], "2017-CP-001");
        assert_eq!(ids(&ix, &cases, "guanxian")[0], "2017-GX-001");
        assert_eq!(ids(&ix, &cases, "tangyi")[0], "2017-DCF-001");
        assert_eq!(ids(&ix, &cases, "echeng")[0], "2017-YG-001");
        let r = readings("单县");
        assert_eq!(r[0][0], "shan");
        assert_eq!(readings("东阿")[1][0], "e");
    }

    #[test]
    fn chinese_typed_through_an_input_method_matches_the_text() {
        let cases = fixture();
        let ix = SearchIndex::build(&cases);
        assert_eq!(ids(&ix, &cases, "前进"), vec!["2017-YG-001"]);
        assert_eq!(ids(&ix, &cases, "阳谷"), vec!["2017-YG-001", "2017-YG-002"]);
        // a fuzzy subsequence of the text
        assert_eq!(ids(&ix, &cases, "前村"), vec!["2017-YG-001", "2017-GX-001"]);
        assert!(ix.search("不存在").is_empty());
    }

    #[test]
    fn prefix_beats_substring_beats_fuzzy_and_village_beats_county() {
        let cases = fixture();
        let ix = SearchIndex::build(&cases);
        // "qian": prefix of 前进村 and 前王庄村 (villages); substring of nothing else here;
        // fuzzy in qinjicun (秦集村)? no: q-i-a-n needs an a after i... q(in)j(i)c(un) has no a.
        let r = ids(&ix, &cases, "qian");
        assert_eq!(&r[..2], ["2017-YG-001", "2017-GX-001"]);
        // "yg": initials prefix of 阳谷县 (county) and substring of the ids; the county
        // field's prefix wins over the id's substring, the case order breaks the tie.
        let r = ids(&ix, &cases, "yg");
        assert_eq!(&r[..2], ["2017-YG-001", "2017-YG-002"]);
        let r = ids(&ix, &cases, "jc");
        // 教场李村 has initials jclc (prefix); 前进村 and 秦集村 both qjc (substring, case order).
        assert_eq!(&r[..3], ["2017-DCF-001", "2017-YG-001", "2017-YG-002"]);
    }

    #[test]
    fn a_rare_reading_does_not_make_a_prefix() {
        // 家 also reads gu: 杨家口村 spells yanggukoucun too, but 阳谷县 is what "yanggu" means
        let cases = vec![
            case("2017-CP-001", "茌平区", "振兴街道", "杨家口村", "赵长军"),
            case("2017-YG-001", "阳谷县", "阿城镇", "前进村", "王建国"),
        ];
        let ix = SearchIndex::build(&cases);
        assert_eq!(ids(&ix, &cases, "yanggu"), ["2017-YG-001", "2017-CP-001"]);
        // its usual reading still is one
        assert_eq!(ids(&ix, &cases, "yangjia"), ["2017-CP-001"]);
        assert!(spellings("杨家口")
            .iter()
            .any(|s| s.text == "yanggukou" && !s.common));
    }

    #[test]
    fn ids_and_leaders_are_searched() {
        let cases = fixture();
        let ix = SearchIndex::build(&cases);
        assert_eq!(ids(&ix, &cases, "2017-dcf")[0], "2017-DCF-001");
        assert_eq!(ids(&ix, &cases, "wangjianguo"), vec!["2017-YG-001"]);
        assert_eq!(ids(&ix, &cases, "马强"), vec!["2017-YG-002"]);
        assert_eq!(ix.search("").len(), cases.len());
        // terms are ANDed
        assert_eq!(ids(&ix, &cases, "阳谷 马"), vec!["2017-YG-002"]);
    }

    #[test]
    fn highlights_name_the_matched_chars_of_each_field() {
        let cases = fixture();
        let ix = SearchIndex::build(&cases);
        let h = ix.highlights(0, "qianjin");
        assert_eq!(h, vec![(Field::Village, vec![0, 1])]);
        let h = ix.highlights(0, "qjc");
        assert_eq!(h, vec![(Field::Village, vec![0, 1, 2])]);
        let h = ix.highlights(1, "xin");
        assert!(h.contains(&(Field::County, vec![0])), "{h:?}");
        assert!(h.contains(&(Field::Township, vec![0])), "{h:?}");
        let h = ix.highlights(0, "进");
        assert_eq!(h, vec![(Field::Village, vec![1])]);
        // 东昌府区 by its initials, and the id's letters
        let h = ix.highlights(5, "dcf");
        assert_eq!(
            h,
            vec![(Field::County, vec![0, 1, 2]), (Field::Id, vec![5, 6, 7])]
        );
        let h = ix.highlights(1, "lv");
        assert_eq!(h, vec![(Field::CountyLeader, vec![0])]);
    }

    #[test]
    fn typing_narrows_and_agrees_with_a_fresh_search() {
        let cases: Vec<Summary> = crate::sample::generate(1_500, 11)
            .cases
            .iter()
            .map(Summary::of)
            .collect();
        let ix = SearchIndex::build(&cases);
        for typed in [
            "yangguxian",
            "shenxian",
            "wangzhuang",
            "2017-sx-01",
            "前进村",
            "li zh",
        ] {
            let mut t = Typing::new();
            let mut q = String::new();
            for c in typed.chars() {
                q.push(c);
                let got = t.update(&ix, &q).to_vec();
                assert_eq!(got, ix.search(&q), "{q}");
            }
            // backspace: no longer an extension, searched afresh
            q.pop();
            assert_eq!(t.update(&ix, &q).to_vec(), ix.search(&q));
        }
    }

    #[test]
    fn u_for_umlaut_after_l_and_n() {
        let cases = vec![
            case("2017-HS-001", "和林县", "巴彦镇", "圐圙村", "虐明"),
            case("2017-HS-002", "和林县", "巴彦镇", "前进村", "王建国"),
        ];
        let ix = SearchIndex::build(&cases);
        assert_eq!(ids(&ix, &cases, "kulve"), ["2017-HS-001"]);
        assert_eq!(ix.search("kulue"), ix.search("kulve"));
        assert_eq!(ix.search("kuluecun"), ix.search("kulvecun"));
        assert_eq!(ids(&ix, &cases, "nueming"), ["2017-HS-001"]);
        // the same rank: a prefix either way
        assert!(spellings("圐圙")
            .iter()
            .any(|s| s.text == "kulue" && s.common));
        assert_eq!(ix.highlights(0, "kulue"), ix.highlights(0, "kulve"));
    }

    #[test]
    fn full_width_letters_and_digits_are_ascii() {
        let mut cases = fixture();
        cases.push(case("2017-ＤＺ-００１", "德州市", "Ａ区", "新村", "刘军"));
        let ix = SearchIndex::build(&cases);
        assert_eq!(ix.search("ＳＸ"), ix.search("sx"));
        assert_eq!(ids(&ix, &cases, "ＳＸ")[0], "2017-SX-001");
        assert_eq!(ids(&ix, &cases, "２０１７－ＳＸ")[0], "2017-SX-001");
        // folded in the data too
        assert_eq!(ids(&ix, &cases, "2017-dz-001"), ["2017-ＤＺ-００１"]);
        assert_eq!(ids(&ix, &cases, "a区"), ["2017-ＤＺ-００１"]);
        // an ideographic space separates terms
        assert_eq!(normalize("阳谷\u{3000}马"), ["阳谷", "马"]);
        assert_eq!(normalize("ＱＩＡＮ＇ＪＩＮ"), ["qianjin"]);
    }

    #[test]
    fn pinyin_with_spaces_ranks_like_pinyin_without() {
        let cases = vec![
            // zhang (leader) and lu (village) apart, an earlier case
            case("2017-YG-001", "阳谷县", "阿城镇", "路庄村", "张伟"),
            case("2017-YG-002", "阳谷县", "阿城镇", "前进村", "张路"),
            case("2017-YG-003", "阳谷县", "阿城镇", "后屯村", "王强"),
        ];
        let ix = SearchIndex::build(&cases);
        assert_eq!(ids(&ix, &cases, "zhanglu")[0], "2017-YG-002");
        assert_eq!(
            ids(&ix, &cases, "zhang lu")[..2],
            ["2017-YG-002", "2017-YG-001"]
        );
        let joined = ix.search("zhanglu");
        assert_eq!(ix.search("zhang lu")[..joined.len()], joined[..]);
        // Chinese terms are not joined
        assert_eq!(
            ids(&ix, &cases, "张 路")[..2],
            ["2017-YG-001", "2017-YG-002"]
        );
    }

    /// The plain, obviously correct search: every term against every spelling of every
    /// field of every case, SkimMatcherV2 on every spelling; pinyin terms joined first.
    fn reference(cases: &[Summary], spelled: &[Vec<Vec<Spelling>>], query: &str) -> Vec<usize> {
        let terms = normalize(query);
        if terms.len() >= 2
            && terms
                .iter()
                .all(|t| t.bytes().all(|b| b.is_ascii_lowercase()))
        {
            let mut out = reference(cases, spelled, &terms.concat());
            for ci in reference_terms(cases, spelled, &terms) {
                if !out.contains(&ci) {
                    out.push(ci);
                }
            }
            return out;
        }
        reference_terms(cases, spelled, &terms)
    }

    fn reference_terms(
        cases: &[Summary],
        spelled: &[Vec<Vec<Spelling>>],
        terms: &[String],
    ) -> Vec<usize> {
        let matcher = SkimMatcherV2::default();
        if terms.is_empty() {
            return (0..cases.len()).collect();
        }
        // Sorted descending: tier, fuzzy score, then the earlier field, then the earlier case.
        type Rank = (
            (Tier, i64),
            std::cmp::Reverse<Field>,
            std::cmp::Reverse<usize>,
        );
        let mut ranked: Vec<Rank> = Vec::new();
        'cases: for (i, c) in cases.iter().enumerate() {
            let mut first = None;
            for (ti, term) in terms.iter().enumerate() {
                let mut best: Option<(Hit, Field)> = None;
                for (slot, f) in Field::ALL.into_iter().enumerate() {
                    if f.of(c).is_empty() {
                        continue;
                    }
                    for s in &spelled[i][slot] {
                        if let Some(h) = match_spelling(&matcher, &s.text, s.common, term) {
                            let better = match best {
                                None => true,
                                Some((b, bf)) => h > b || (h == b && f < bf),
                            };
                            if better {
                                best = Some((h, f));
                            }
                        }
                    }
                }
                match best {
                    None => continue 'cases,
                    Some(b) if ti == 0 => first = Some(b),
                    Some(_) => {}
                }
            }
            let (h, f) = first.unwrap();
            ranked.push((
                (h.tier, h.score),
                std::cmp::Reverse(f),
                std::cmp::Reverse(i),
            ));
        }
        ranked.sort_by(|a, b| b.cmp(a));
        ranked.into_iter().map(|(_, _, i)| i.0).collect()
    }

    #[test]
    fn the_optimised_search_equals_the_reference() {
        let cases: Vec<Summary> = crate::sample::generate(1_200, 3)
            .cases
            .iter()
            .map(Summary::of)
            .collect();
        let ix = SearchIndex::build(&cases);
        let spelled: Vec<Vec<Vec<Spelling>>> = cases
            .iter()
            .map(|c| Field::ALL.iter().map(|f| spellings(f.of(c))).collect())
            .collect();
        for q in [
            "y",
            "ya",
            "yang",
            "yanggu",
            "yangguxian",
            "shen",
            "xinxian",
            "donge",
            "lv",
            "qjc",
            "wz",
            "zhang",
            "jia",
            "王",
            "王庄",
            "前",
            "堌",
            "2017-yg",
            "sx-00",
            "cun",
            "zxc",
            "li wang",
            "zhang lu",
            "kulue",
            "ＳＸ",
            "阳谷 li",
            "kulve",
            "tuan",
        ] {
            assert_eq!(ix.search(q), reference(&cases, &spelled, q), "query {q:?}");
        }
    }
}
