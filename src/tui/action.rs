//! The one contract between the keymap, the help overlay and the app state: every thing a
//! key can ask for is an [`Action`], named in `keymaps/*.toml` by its snake_case code.

use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Unbinds a key in a user keymap.
    Noop,
    Quit,
    Help,
    Back,
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
    Open,
    Search,
    ToggleOverdue,
    ToggleMine,
    CycleStage,
    PickArea,
    Dashboard,
    CycleSort,
    ClearFilters,
    Advance,
    Visit,
    AddTask,
    FinishTask,
    Reopen,
    Pair,
    Edit,
    NewCase,
    Adjust,
    Accept,
    Fix,
    /// Takes a case entered by mistake off the list (asks first; SPEC §11).
    Void,
    /// Brings a voided case back onto the list.
    Unvoid,
    /// Records a 约谈 / 诫勉 / 问责 of a township Party secretary.
    Talk,
    NextTab,
    PrevTab,
    Submit,
    NextField,
    PrevField,
    Left,
    Right,
    DeleteBack,
    DeleteForward,
    LineStart,
    LineEnd,
    DeleteToStart,
    DeleteWord,
    Confirm,
    Cancel,
    /// A field copy's sync (SPEC §10).
    Sync,
    /// The screen of a field copy's conflicting and refused changes.
    Conflicts,
    /// Takes the selected change out of the outbox (asks first).
    DropQueued,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::Noop,
        Action::Quit,
        Action::Help,
        Action::Back,
        Action::Down,
        Action::Up,
        Action::PageDown,
        Action::PageUp,
        Action::Top,
        Action::Bottom,
        Action::Open,
        Action::Search,
        Action::ToggleOverdue,
        Action::ToggleMine,
        Action::CycleStage,
        Action::PickArea,
        Action::Dashboard,
        Action::CycleSort,
        Action::ClearFilters,
        Action::Advance,
        Action::Visit,
        Action::AddTask,
        Action::FinishTask,
        Action::Reopen,
        Action::Pair,
        Action::Edit,
        Action::NewCase,
        Action::Adjust,
        Action::Accept,
        Action::Fix,
        Action::Void,
        Action::Unvoid,
        Action::Talk,
        Action::NextTab,
        Action::PrevTab,
        Action::Submit,
        Action::NextField,
        Action::PrevField,
        Action::Left,
        Action::Right,
        Action::DeleteBack,
        Action::DeleteForward,
        Action::LineStart,
        Action::LineEnd,
        Action::DeleteToStart,
        Action::DeleteWord,
        Action::Confirm,
        Action::Cancel,
        Action::Sync,
        Action::Conflicts,
        Action::DropQueued,
    ];

    /// The code used in keymap files (`run = "…"`).
    pub fn code(self) -> String {
        // A unit variant always serialises to a plain JSON string.
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    pub fn parse(code: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.code() == code)
    }

    /// What the action does, in the interface language: the help overlay's text.
    pub fn description(self, lang: Lang) -> String {
        self.texts().0.get(lang).to_string()
    }

    /// The action's name in the key bar.
    pub fn short(self, lang: Lang) -> &'static str {
        self.texts().1.get(lang)
    }

    /// (what it does, its short name) in the string table.
    fn texts(self) -> (Text, Text) {
        match self {
            Action::Noop => (Text::ActionNoop, Text::ShortNoop),
            Action::Quit => (Text::ActionQuit, Text::ShortQuit),
            Action::Help => (Text::ActionHelp, Text::ShortHelp),
            Action::Back => (Text::ActionBack, Text::ShortBack),
            Action::Down => (Text::ActionDown, Text::ShortDown),
            Action::Up => (Text::ActionUp, Text::ShortUp),
            Action::PageDown => (Text::ActionPageDown, Text::ShortPageDown),
            Action::PageUp => (Text::ActionPageUp, Text::ShortPageUp),
            Action::Top => (Text::ActionTop, Text::ShortTop),
            Action::Bottom => (Text::ActionBottom, Text::ShortBottom),
            Action::Open => (Text::ActionOpen, Text::ShortOpen),
            Action::Search => (Text::ActionSearch, Text::ShortSearch),
            Action::ToggleOverdue => (Text::ActionToggleOverdue, Text::ShortToggleOverdue),
            Action::ToggleMine => (Text::ActionToggleMine, Text::ShortToggleMine),
            Action::CycleStage => (Text::ActionCycleStage, Text::ShortCycleStage),
            Action::PickArea => (Text::ActionPickArea, Text::ShortPickArea),
            Action::Dashboard => (Text::ActionDashboard, Text::ShortDashboard),
            Action::CycleSort => (Text::ActionCycleSort, Text::ShortCycleSort),
            Action::ClearFilters => (Text::ActionClearFilters, Text::ShortClearFilters),
            Action::Advance => (Text::ActionAdvance, Text::ShortAdvance),
            Action::Visit => (Text::ActionVisit, Text::ShortVisit),
            Action::AddTask => (Text::ActionAddTask, Text::ShortAddTask),
            Action::FinishTask => (Text::ActionFinishTask, Text::ShortFinishTask),
            Action::Reopen => (Text::ActionReopen, Text::ShortReopen),
            Action::Pair => (Text::ActionPair, Text::ShortPair),
            Action::Edit => (Text::ActionEdit, Text::ShortEdit),
            Action::NewCase => (Text::ActionNewCase, Text::ShortNewCase),
            Action::Adjust => (Text::ActionAdjust, Text::ShortAdjust),
            Action::Accept => (Text::ActionAccept, Text::ShortAccept),
            Action::Fix => (Text::ActionFix, Text::ShortFix),
            Action::Void => (Text::ActionVoid, Text::ShortVoid),
            Action::Unvoid => (Text::ActionUnvoid, Text::ShortUnvoid),
            Action::Talk => (Text::ActionTalk, Text::ShortTalk),
            Action::NextTab => (Text::ActionNextTab, Text::ShortNextTab),
            Action::PrevTab => (Text::ActionPrevTab, Text::ShortPrevTab),
            Action::Submit => (Text::ActionSubmit, Text::ShortSubmit),
            Action::NextField => (Text::ActionNextField, Text::ShortNextField),
            Action::PrevField => (Text::ActionPrevField, Text::ShortPrevField),
            Action::Left => (Text::ActionLeft, Text::ShortLeft),
            Action::Right => (Text::ActionRight, Text::ShortRight),
            Action::DeleteBack => (Text::ActionDeleteBack, Text::ShortDeleteBack),
            Action::DeleteForward => (Text::ActionDeleteForward, Text::ShortDeleteForward),
            Action::LineStart => (Text::ActionLineStart, Text::ShortLineStart),
            Action::LineEnd => (Text::ActionLineEnd, Text::ShortLineEnd),
            Action::DeleteToStart => (Text::ActionDeleteToStart, Text::ShortDeleteToStart),
            Action::DeleteWord => (Text::ActionDeleteWord, Text::ShortDeleteWord),
            Action::Confirm => (Text::ActionConfirm, Text::ShortConfirm),
            Action::Cancel => (Text::ActionCancel, Text::ShortCancel),
            Action::Sync => (Text::ActionSync, Text::ShortSync),
            Action::Conflicts => (Text::ActionConflicts, Text::ShortConflicts),
            Action::DropQueued => (Text::ActionDropQueued, Text::ShortDropQueued),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_code_and_a_description_in_both_languages() {
        for a in Action::ALL {
            assert_eq!(Action::parse(&a.code()), Some(*a));
            for lang in [Lang::Zh, Lang::En] {
                let d = a.description(lang);
                assert!(!d.starts_with("tui.action."), "{a:?} has no description");
                assert!(!d.is_empty() && !a.short(lang).is_empty(), "{a:?}");
            }
        }
    }
}
