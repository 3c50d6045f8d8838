//! Text measured in terminal cells: Chinese characters are two cells wide. Every view and
//! every table goes through here, never through `format!("{:8}")`, which pads by chars.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display width in terminal cells, after [`clean`].
pub fn width(s: &str) -> usize {
    // every ASCII char, control or not, is one cell
    if s.is_ascii() {
        return s.len();
    }
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    if c.is_control() {
        // shown as a replacement by `clean`
        1
    } else {
        UnicodeWidthChar::width(c).unwrap_or(0)
    }
}

/// Neutralises control characters (including ESC, so no escape sequence reaches the
/// terminal): newlines and tabs become spaces, every other control becomes `�`.
pub fn clean(s: &str) -> String {
    if !s.chars().any(|c| c.is_control()) {
        return s.to_string();
    }
    s.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Cleans and cuts `s` to at most `max` cells, ending with `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> String {
    let s = clean(s);
    if UnicodeWidthStr::width(s.as_str()) <= max {
        return s;
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = char_width(c);
        if w + cw > max - 1 {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// The width in cells of the widest of `texts` (0 when there are none).
pub fn widest<'a>(texts: impl Iterator<Item = &'a str>) -> usize {
    texts.map(width).max().unwrap_or(0)
}

/// Truncates, then pads with spaces on the right to exactly `cells` cells.
pub fn pad(s: &str, cells: usize) -> String {
    let mut t = truncate(s, cells);
    let w = width(&t);
    t.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    t
}

/// Truncates, then pads on the left to exactly `cells` cells (for numbers).
pub fn pad_left(s: &str, cells: usize) -> String {
    let t = truncate(s, cells);
    let w = width(&t);
    let mut out: String = std::iter::repeat_n(' ', cells.saturating_sub(w)).collect();
    out.push_str(&t);
    out
}

/// Wraps cleaned text into lines of at most `cells` cells, breaking anywhere (Chinese has
/// no spaces) but preferring a space when one is near. Newlines in the input are kept.
pub fn wrap(s: &str, cells: usize) -> Vec<String> {
    let cells = cells.max(2);
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let para = clean(para);
        let mut line = String::new();
        let mut w = 0;
        for c in para.chars() {
            let cw = char_width(c);
            if w + cw > cells {
                // break at the last space if it keeps at least half the line
                if let Some(pos) = line.rfind(' ').filter(|p| width(&line[..*p]) >= cells / 2) {
                    let rest = line[pos + 1..].to_string();
                    line.truncate(pos);
                    lines.push(std::mem::take(&mut line));
                    line = rest;
                    w = width(&line);
                } else {
                    lines.push(std::mem::take(&mut line));
                    w = 0;
                }
            }
            line.push(c);
            w += cw;
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_two_cells() {
        assert_eq!(width("前进村"), 6);
        assert_eq!(width("a前"), 3);
    }

    #[test]
    fn truncate_never_exceeds_and_marks_the_cut() {
        assert_eq!(truncate("阳谷县阿城镇", 7), "阳谷县…");
        assert!(width(&truncate("阳谷县阿城镇", 7)) <= 7);
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 0), "");
    }

    #[test]
    fn pad_is_exact_in_cells() {
        for s in ["前进村", "abc", "阳谷县阿城镇前进村", ""] {
            for n in 0..12 {
                assert_eq!(width(&pad(s, n)), n, "{s} {n}");
            }
        }
    }

    #[test]
    fn escapes_never_survive() {
        let s = clean("a\x1b[31mred\x07");
        assert!(!s.contains('\x1b'));
        assert!(!s.contains('\x07'));
        assert_eq!(clean("a\nb"), "a b");
    }

    #[test]
    fn wrap_respects_the_width() {
        let lines = wrap(
            "村两委班子不团结，内耗严重，群众意见大 and some English words here",
            10,
        );
        assert!(lines.iter().all(|l| width(l) <= 10), "{lines:?}");
        assert_eq!(
            lines.concat().replace(' ', ""),
            "村两委班子不团结，内耗严重，群众意见大andsomeEnglishwordshere"
        );
    }
}
