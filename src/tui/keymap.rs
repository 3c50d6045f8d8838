//! Keymaps as data: `keymaps/default.toml` is compiled in; a user file overrides single
//! keys, and `run = "noop"` unbinds one. Key strings parse and print round-trip
//! (`j`, `G`, `<C-s>`, `<S-Tab>`, `<Enter>`), and every mistake in a file is reported with
//! the file and the line.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Action;

pub const DEFAULT: &str = include_str!("../../keymaps/default.toml");
pub const DEFAULT_NAME: &str = "keymaps/default.toml";

/// Where a binding applies. Text-entry modes (search, form, help) let unbound printable
/// keys through as typed characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    List,
    Detail,
    Search,
    Form,
    Confirm,
    Picker,
    Dashboard,
    Help,
    /// A field copy's conflicting and refused changes.
    Conflicts,
}

impl Mode {
    pub const ALL: [Mode; 9] = [
        Mode::List,
        Mode::Detail,
        Mode::Dashboard,
        Mode::Conflicts,
        Mode::Search,
        Mode::Form,
        Mode::Confirm,
        Mode::Picker,
        Mode::Help,
    ];

    /// The mode's name in the help overlay.
    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        use crate::i18n::Text;
        let text = match self {
            Mode::List => Text::ModeList,
            Mode::Detail => Text::ModeDetail,
            Mode::Search => Text::ModeSearch,
            Mode::Form => Text::ModeForm,
            Mode::Confirm => Text::ModeConfirm,
            Mode::Picker => Text::ModePicker,
            Mode::Dashboard => Text::ModeDashboard,
            Mode::Help => Text::ModeHelp,
            Mode::Conflicts => Text::ModeConflicts,
        };
        text.get(lang)
    }

    pub fn code(self) -> &'static str {
        match self {
            Mode::List => "list",
            Mode::Detail => "detail",
            Mode::Search => "search",
            Mode::Form => "form",
            Mode::Confirm => "confirm",
            Mode::Picker => "picker",
            Mode::Dashboard => "dashboard",
            Mode::Help => "help",
            Mode::Conflicts => "conflicts",
        }
    }

    fn parse(s: &str) -> Option<Mode> {
        Mode::ALL.iter().copied().find(|m| m.code() == s)
    }
}

/// A key with its modifiers, normalised so that `G` and `<S-g>` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: Code,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

const NAMED: &[(&str, Code)] = &[
    ("Enter", Code::Enter),
    ("Esc", Code::Esc),
    ("Tab", Code::Tab),
    ("Backspace", Code::Backspace),
    ("Delete", Code::Delete),
    ("Up", Code::Up),
    ("Down", Code::Down),
    ("Left", Code::Left),
    ("Right", Code::Right),
    ("Home", Code::Home),
    ("End", Code::End),
    ("PageUp", Code::PageUp),
    ("PageDown", Code::PageDown),
    ("Space", Code::Char(' ')),
    ("lt", Code::Char('<')),
];

impl Key {
    pub fn plain(code: Code) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
            shift: false,
        }
    }

    /// Parses `j`, `?`, `<C-s>`, `<A-x>`, `<S-Tab>`, `<Enter>`, `<F1>`, `<Space>`.
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c != '<' && !c.is_control() => return Ok(Key::plain(Code::Char(c))),
            (Some('<'), Some(_)) if s.ends_with('>') => {}
            _ => {
                return Err(format!(
                    "bad key \"{s}\" (write j, G, <C-s>, <S-Tab>, <Enter> …)"
                ))
            }
        }
        let inner = &s[1..s.len() - 1];
        let mut key = Key::plain(Code::Esc);
        let mut rest = inner;
        while rest.len() > 2 && rest.as_bytes().get(1) == Some(&b'-') {
            match &rest[..1] {
                "C" => key.ctrl = true,
                "A" => key.alt = true,
                "S" => key.shift = true,
                _ => return Err(format!("bad modifier in \"{s}\" (use C-, A- or S-)")),
            }
            rest = &rest[2..];
        }
        let mut rc = rest.chars();
        key.code = match (rc.next(), rc.next()) {
            (Some(c), None) if !c.is_control() => Code::Char(c),
            _ => {
                if let Some((_, code)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(rest)) {
                    *code
                } else if let Some(n) = rest.strip_prefix('F').and_then(|n| n.parse::<u8>().ok()) {
                    if !(1..=12).contains(&n) {
                        return Err(format!("bad key \"{s}\" (function keys are F1–F12)"));
                    }
                    Code::F(n)
                } else {
                    return Err(format!("unknown key name \"{rest}\" in \"{s}\""));
                }
            }
        };
        Ok(key.normalised())
    }

    /// Shift on a character is the character itself (`<S-g>` = `G`); Shift-Tab is BackTab.
    fn normalised(mut self) -> Key {
        match self.code {
            Code::Char(c) if self.shift => {
                self.code = Code::Char(c.to_uppercase().next().unwrap_or(c));
                self.shift = false;
            }
            Code::Tab if self.shift => {
                self.code = Code::BackTab;
                self.shift = false;
            }
            Code::BackTab => self.shift = false,
            _ => {}
        }
        self
    }

    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let code = match ev.code {
            KeyCode::Char(c) => Code::Char(c),
            KeyCode::Enter => Code::Enter,
            KeyCode::Esc => Code::Esc,
            KeyCode::Tab => Code::Tab,
            KeyCode::BackTab => Code::BackTab,
            KeyCode::Backspace => Code::Backspace,
            KeyCode::Delete => Code::Delete,
            KeyCode::Up => Code::Up,
            KeyCode::Down => Code::Down,
            KeyCode::Left => Code::Left,
            KeyCode::Right => Code::Right,
            KeyCode::Home => Code::Home,
            KeyCode::End => Code::End,
            KeyCode::PageUp => Code::PageUp,
            KeyCode::PageDown => Code::PageDown,
            KeyCode::F(n) => Code::F(n),
            _ => return None,
        };
        let m = ev.modifiers;
        let key = Key {
            code,
            ctrl: m.contains(KeyModifiers::CONTROL),
            alt: m.contains(KeyModifiers::ALT),
            shift: m.contains(KeyModifiers::SHIFT) && !matches!(code, Code::Char(_)),
        };
        Some(key.normalised())
    }

    /// A character to insert into a text field, when this key is one.
    pub fn typed_char(&self) -> Option<char> {
        match self.code {
            Code::Char(c) if !self.ctrl && !self.alt && !c.is_control() => Some(c),
            _ => None,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mods = self.ctrl || self.alt || self.shift;
        let name: String = match self.code {
            Code::Char(' ') => "Space".into(),
            Code::Char('<') => "lt".into(),
            Code::Char(c) if !mods => return write!(f, "{c}"),
            Code::Char(c) => c.to_string(),
            Code::BackTab => return write!(f, "<S-Tab>"),
            Code::F(n) => format!("F{n}"),
            other => NAMED
                .iter()
                .find(|(_, c)| *c == other)
                .map(|(n, _)| n.to_string())
                .unwrap_or_default(),
        };
        write!(f, "<")?;
        if self.ctrl {
            write!(f, "C-")?;
        }
        if self.alt {
            write!(f, "A-")?;
        }
        if self.shift {
            write!(f, "S-")?;
        }
        write!(f, "{name}>")
    }
}

/// One row of the keymap in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub key: Key,
    pub action: Action,
}

/// The bindings in force, per mode, in file order (the help overlay shows them so).
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    modes: BTreeMap<Mode, Vec<Binding>>,
}

/// A mistake in a keymap file, with its place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {problem}")]
pub struct KeymapError {
    pub file: String,
    pub line: usize,
    pub problem: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    on: toml::Spanned<String>,
    run: toml::Spanned<String>,
    #[serde(default)]
    #[allow(dead_code)]
    // documentation for people reading the file; help uses the action's own
    desc: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Section {
    #[serde(default)]
    keymap: Vec<Row>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses one keymap file into (mode, binding) rows, or the first mistake with its line.
fn parse_file(text: &str, file: &str) -> Result<Vec<(Mode, Binding)>, KeymapError> {
    let err = |line: usize, problem: String| KeymapError {
        file: file.to_string(),
        line,
        problem,
    };
    let spanned: BTreeMap<String, Section> =
        toml::from_str(text).map_err(|e: toml::de::Error| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            err(line, e.message().to_string())
        })?;
    let mut out = Vec::new();
    for (name, section) in spanned {
        let mode = Mode::parse(&name).ok_or_else(|| {
            let header = text
                .find(&format!("[{name}]"))
                .map(|o| line_of(text, o))
                .unwrap_or(1);
            let modes: Vec<&str> = Mode::ALL.iter().map(|m| m.code()).collect();
            err(
                header,
                format!(
                    "unknown section [{name}] (expected one of {})",
                    modes.join(", ")
                ),
            )
        })?;
        for row in section.keymap {
            let line = line_of(text, row.on.span().start);
            let key = Key::parse(row.on.get_ref()).map_err(|p| err(line, p))?;
            let run = row.run.get_ref();
            let action = Action::parse(run).ok_or_else(|| {
                err(
                    line_of(text, row.run.span().start),
                    format!("unknown action \"{run}\" (see the default keymap for the names)"),
                )
            })?;
            out.push((mode, Binding { key, action }));
        }
    }
    Ok(out)
}

impl Keymap {
    /// The compiled-in default keymap.
    pub fn default_keys() -> Result<Keymap, KeymapError> {
        let mut k = Keymap::default();
        k.overlay(parse_file(DEFAULT, DEFAULT_NAME)?);
        Ok(k)
    }

    /// The defaults, overridden by `text` (a user file named `file`).
    pub fn with_overrides(text: &str, file: &str) -> Result<Keymap, KeymapError> {
        let mut k = Keymap::default_keys()?;
        k.overlay(parse_file(text, file)?);
        Ok(k)
    }

    /// The keymap in force: the defaults, plus `explicit` (`--keymap FILE`) or else the
    /// platform config directory's `zhengdun/keymap.toml` when it exists.
    pub fn load(explicit: Option<&Path>) -> Result<Keymap, KeymapError> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => directories::ProjectDirs::from("", "", "zhengdun")
                .map(|d| d.config_dir().join("keymap.toml"))
                .filter(|p| p.exists()),
        };
        match path {
            None => Keymap::default_keys(),
            Some(p) => {
                let name = p.display().to_string();
                let text = std::fs::read_to_string(&p).map_err(|e| KeymapError {
                    file: name.clone(),
                    line: 0,
                    problem: e.to_string(),
                })?;
                Keymap::with_overrides(&text, &name)
            }
        }
    }

    /// Adds rows; a key already bound in that mode is rebound, `noop` unbinds it.
    fn overlay(&mut self, rows: Vec<(Mode, Binding)>) {
        for (mode, b) in rows {
            let list = self.modes.entry(mode).or_default();
            match list.iter_mut().find(|x| x.key == b.key) {
                Some(existing) => existing.action = b.action,
                None => list.push(b),
            }
        }
        for list in self.modes.values_mut() {
            list.retain(|b| b.action != Action::Noop);
        }
    }

    pub fn action(&self, mode: Mode, key: &Key) -> Option<Action> {
        self.modes
            .get(&mode)
            .and_then(|l| l.iter().find(|b| b.key == *key))
            .map(|b| b.action)
    }

    pub fn bindings(&self, mode: Mode) -> &[Binding] {
        self.modes.get(&mode).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The keys bound to `action` in `mode`, as printed in hints ("<C-s>").
    pub fn keys_for(&self, mode: Mode, action: Action) -> Vec<Key> {
        self.bindings(mode)
            .iter()
            .filter(|b| b.action == action)
            .map(|b| b.key)
            .collect()
    }

    /// The first key for `action`, for a hint line; empty when unbound.
    pub fn hint(&self, mode: Mode, action: Action) -> String {
        self.keys_for(mode, action)
            .first()
            .map(|k| k.to_string())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for s in [
            "j", "G", "?", "/", "<C-s>", "<S-Tab>", "<Enter>", "<Esc>", "<A-x>", "<F1>", "<Space>",
            "<C-Left>",
        ] {
            let k = Key::parse(s).unwrap();
            assert_eq!(k.to_string(), s, "{s}");
        }
        assert_eq!(Key::parse("<S-g>").unwrap(), Key::parse("G").unwrap());
        assert!(Key::parse("<Foo>").is_err());
        assert!(Key::parse("jj").is_err());
        assert!(Key::parse("<X-j>").is_err());
    }

    proptest::proptest! {
        /// Any text in a keymap file: a key or a message, never a panic; a key prints
        /// back to a string that parses to the same key.
        #[test]
        fn any_key_string_parses_or_is_refused(s in "\\PC{0,8}|<[CAS]-.{0,6}>|<.{0,8}>") {
            if let Ok(k) = Key::parse(&s) {
                proptest::prop_assert_eq!(Key::parse(&k.to_string()), Ok(k));
            }
        }
    }

    #[test]
    fn user_file_overrides_single_keys_and_noop_unbinds() {
        let user = "[list]\nkeymap = [\n  { on = \"J\", run = \"down\" },\n  { on = \"q\", run = \"noop\" },\n]\n";
        let k = Keymap::with_overrides(user, "user.toml").unwrap();
        assert_eq!(
            k.action(Mode::List, &Key::parse("J").unwrap()),
            Some(Action::Down)
        );
        assert_eq!(
            k.action(Mode::List, &Key::parse("j").unwrap()),
            Some(Action::Down)
        );
        assert_eq!(k.action(Mode::List, &Key::parse("q").unwrap()), None);
    }

    #[test]
    fn mistakes_name_the_file_and_line() {
        let user = "[list]\nkeymap = [\n  { on = \"j\", run = \"down\" },\n  { on = \"<Bogus>\", run = \"up\" },\n]\n";
        let e = Keymap::with_overrides(user, "user.toml").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("user.toml", 4), "{e}");
        let user = "[list]\nkeymap = [\n  { on = \"j\", run = \"fly\" },\n]\n";
        let e = Keymap::with_overrides(user, "user.toml").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.problem.contains("fly"));
        let e = Keymap::with_overrides("[lists]\nkeymap = []\n", "u.toml").unwrap_err();
        assert_eq!(e.line, 1);
        let e =
            Keymap::with_overrides("[list]\nkeymap = [ { on = \"j\" ]\n", "u.toml").unwrap_err();
        assert_eq!(e.line, 2);
    }
}
