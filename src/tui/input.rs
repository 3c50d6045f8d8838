//! Editing one line of typed text, as a form's text field does: a cursor counted in
//! characters (never inside one), the line editor's keys (Home, End, Ctrl-U, Ctrl-W), and
//! wrapping a long text into rows of terminal cells for a field that grows downwards
//! instead of scrolling what was typed out of sight.

use crate::text;

/// A text being typed, with the cursor in characters from its start.
#[derive(Debug)]
pub struct Editing<'a> {
    pub text: &'a mut String,
    pub cursor: &'a mut usize,
}

impl Editing<'_> {
    fn chars(&self) -> usize {
        self.text.chars().count()
    }

    /// Inserts `s` at the cursor and moves the cursor past it.
    pub fn insert(&mut self, s: &str) {
        let at = byte_at(self.text, *self.cursor);
        self.text.insert_str(at, s);
        *self.cursor += s.chars().count();
    }

    pub fn delete_back(&mut self) {
        if *self.cursor > 0 {
            self.delete(*self.cursor - 1, *self.cursor);
        }
    }

    pub fn delete_forward(&mut self) {
        if *self.cursor < self.chars() {
            self.delete(*self.cursor, *self.cursor + 1);
        }
    }

    pub fn left(&mut self) {
        *self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        *self.cursor = (*self.cursor + 1).min(self.chars());
    }

    /// Home: to the start of the text.
    pub fn home(&mut self) {
        *self.cursor = 0;
    }

    /// End: past the last character.
    pub fn end(&mut self) {
        *self.cursor = self.chars();
    }

    /// Ctrl-U: everything before the cursor goes.
    pub fn delete_to_start(&mut self) {
        self.delete(0, *self.cursor);
    }

    /// Ctrl-W: the word before the cursor goes, with the spaces after it. Chinese has no
    /// spaces between words, so a run of Chinese characters counts as one word (up to the
    /// punctuation that ends its clause), as a run of letters and digits does; punctuation
    /// just before the cursor goes with the word before it (`活动场所，` in one press).
    pub fn delete_word(&mut self) {
        let chars: Vec<char> = self.text.chars().collect();
        let end = (*self.cursor).min(chars.len());
        let class_at = |i: usize| chars.get(i).copied().map(Class::of);
        let mut start = end;
        while start > 0 && class_at(start - 1) == Some(Class::Space) {
            start -= 1;
        }
        while start > 0 && class_at(start - 1) == Some(Class::Punct) {
            start -= 1;
        }
        if let Some(word) = start.checked_sub(1).and_then(class_at) {
            while start > 0 && class_at(start - 1) == Some(word) {
                start -= 1;
            }
        }
        self.delete(start, end);
    }

    /// Removes the characters `from..to` and puts the cursor where they were.
    fn delete(&mut self, from: usize, to: usize) {
        let (a, b) = (byte_at(self.text, from), byte_at(self.text, to));
        if a < b {
            self.text.replace_range(a..b, "");
        }
        *self.cursor = from;
    }
}

/// What a character is, for Ctrl-W.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Space,
    Punct,
    /// Chinese (and other wide) characters.
    Wide,
    /// Letters and digits of narrow scripts.
    Word,
}

impl Class {
    fn of(c: char) -> Class {
        if c.is_whitespace() {
            Class::Space
        } else if c.is_ascii_punctuation() || is_wide_punctuation(c) {
            Class::Punct
        } else if text::width(c.encode_utf8(&mut [0; 4])) > 1 {
            Class::Wide
        } else {
            Class::Word
        }
    }
}

/// CJK punctuation (，。；：、！？“”（）《》…) and full-width forms of ASCII punctuation.
fn is_wide_punctuation(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303f}'
        | '\u{2010}'..='\u{205e}'
        | '\u{fe30}'..='\u{fe4f}'
        | '\u{ff01}'..='\u{ff0f}'
        | '\u{ff1a}'..='\u{ff20}'
        | '\u{ff3b}'..='\u{ff40}'
        | '\u{ff5b}'..='\u{ff65}')
}

/// The byte offset of character `chars` of `s` (its length past the end).
pub fn byte_at(s: &str, chars: usize) -> usize {
    s.char_indices()
        .nth(chars)
        .map(|(b, _)| b)
        .unwrap_or(s.len())
}

/// Where the rows of a wrapped text start: `text` (cleaned) cut into rows of at most
/// `cells` cells, breaking after a space when a word would be cut and the row keeps at
/// least half its width, else anywhere (Chinese has no spaces). Returned as the character
/// offset of each row's start; the first is 0. Every character is on exactly one row, so
/// a cursor maps to one place.
pub fn row_starts(text: &str, cells: usize) -> Vec<usize> {
    let cells = cells.max(2);
    let chars: Vec<char> = text::clean(text).chars().collect();
    let width = |c: &char| text::width(c.encode_utf8(&mut [0; 4]));
    let mut starts = vec![0];
    let mut start = 0;
    let mut w = 0;
    let mut i = 0;
    while let Some(c) = chars.get(i) {
        let cw = width(c);
        if w + cw > cells && i > start {
            // break after the row's last space, if it keeps at least half the row
            let space = (start..i)
                .rev()
                .find(|&j| chars.get(j).is_some_and(|c| *c == ' '))
                .filter(|&j| {
                    chars
                        .get(start..j)
                        .is_some_and(|r| r.iter().map(width).sum::<usize>() >= cells / 2)
                });
            start = space.map(|j| j + 1).unwrap_or(i);
            starts.push(start);
            w = chars
                .get(start..i)
                .map(|r| r.iter().map(width).sum())
                .unwrap_or(0);
            continue;
        }
        w += cw;
        i += 1;
    }
    starts
}

/// The rows of `text` wrapped to `cells` (as [`row_starts`] cuts it), and the cursor's
/// (row, cell) among them. A cursor at the very end of a full row goes to the start of a
/// row below it, so that it never sits outside the field.
pub fn wrapped(text: &str, cursor: usize, cells: usize) -> (Vec<String>, (usize, usize)) {
    let cells = cells.max(2);
    let clean = text::clean(text);
    let chars: Vec<char> = clean.chars().collect();
    let starts = row_starts(&clean, cells);
    let mut rows: Vec<String> = starts
        .iter()
        .enumerate()
        .map(|(n, &s)| {
            let e = starts.get(n + 1).copied().unwrap_or(chars.len());
            chars
                .get(s..e)
                .map(|r| r.iter().collect())
                .unwrap_or_default()
        })
        .collect();
    let cursor = cursor.min(chars.len());
    let row = starts.iter().rposition(|&s| s <= cursor).unwrap_or(0);
    let start = starts.get(row).copied().unwrap_or(0);
    let before: String = chars
        .get(start..cursor)
        .map(|r| r.iter().collect())
        .unwrap_or_default();
    let mut at = (row, text::width(&before));
    if at.1 >= cells {
        at = (row + 1, 0);
        if rows.len() <= at.0 {
            rows.push(String::new());
        }
    }
    (rows, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(text: &str, cursor: usize, f: impl Fn(&mut Editing)) -> (String, usize) {
        let (mut t, mut c) = (text.to_string(), cursor);
        f(&mut Editing {
            text: &mut t,
            cursor: &mut c,
        });
        (t, c)
    }

    #[test]
    fn home_end_and_ctrl_u() {
        assert_eq!(edit("前进村abc", 2, |e| e.home()), ("前进村abc".into(), 0));
        assert_eq!(edit("前进村abc", 2, |e| e.end()), ("前进村abc".into(), 6));
        assert_eq!(
            edit("前进村abc", 4, |e| e.delete_to_start()),
            ("bc".into(), 0)
        );
        assert_eq!(
            edit("前进村", 0, |e| e.delete_to_start()),
            ("前进村".into(), 0)
        );
    }

    /// Ctrl-W takes a Chinese run back to its clause's punctuation, a Latin word back to
    /// a space, and the punctuation just before the cursor with the word before it.
    #[test]
    fn ctrl_w_takes_one_word_or_one_chinese_run() {
        let t = "村里新修了活动场所，党员大会";
        let n = t.chars().count();
        assert_eq!(
            edit(t, n, |e| e.delete_word()),
            ("村里新修了活动场所，".into(), 10)
        );
        assert_eq!(
            edit("村里新修了活动场所，", 10, |e| e.delete_word()),
            ("".into(), 0)
        );
        assert_eq!(
            edit("meeting held  ", 14, |e| e.delete_word()),
            ("meeting ".into(), 8)
        );
        assert_eq!(
            edit("2017年9月", 7, |e| e.delete_word()),
            ("2017年9".into(), 6)
        );
        // in the middle: only what is before the cursor goes
        assert_eq!(
            edit("书记 张伟 到会", 5, |e| e.delete_word()),
            ("书记  到会".into(), 3)
        );
        assert_eq!(edit("", 0, |e| e.delete_word()), ("".into(), 0));
    }

    #[test]
    fn wrapping_keeps_every_character_and_the_cursor_inside() {
        let t = "村里新修了活动场所，党员大会按时召开";
        let (rows, at) = wrapped(t, t.chars().count(), 10);
        assert_eq!(rows.concat(), t);
        assert!(rows.iter().all(|r| text::width(r) <= 10), "{rows:?}");
        assert_eq!(rows.len(), 4);
        assert_eq!(at, (3, 6));
        // a full last row: the cursor goes below it
        let (rows, at) = wrapped("前进村前进", 5, 10);
        assert_eq!((rows.len(), at), (2, (1, 0)));
        // English breaks after a space
        let (rows, _) = wrapped("the branch met twice", 0, 12);
        assert_eq!(rows, vec!["the branch ", "met twice"]);
    }

    proptest::proptest! {
        /// Any text, width and cursor: the rows hold the text, none is wider than the
        /// field, and the cursor is inside it.
        #[test]
        fn wrapping_never_loses_or_overflows(t in "[a-z 前进村，\\x1b]{0,40}", cells in 2usize..30, cursor in 0usize..50) {
            let (rows, (row, cell)) = wrapped(&t, cursor, cells);
            proptest::prop_assert_eq!(rows.concat(), text::clean(&t));
            proptest::prop_assert!(rows.iter().all(|r| text::width(r) <= cells));
            proptest::prop_assert!(row < rows.len() && cell < cells);
        }
    }
}
