//! The forms behind every action: their fields, editing, and the domain [`Command`]s they
//! turn into. A form never changes the store itself; the app runs its commands through
//! `Store::execute`, and on a refusal the form stays open with everything typed kept.

use chrono::NaiveDate;

use crate::domain::{
    AdjustAction, AdjustReason, Adjustment, Case, Command, Post, ReplacementSource, Stage,
    Standard, Task, Visit, VisitKind,
};
use crate::i18n::{self, Lang};
use crate::interchange::dates;
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Visit,
    Pair,
    Adjust,
    Accept,
    AddTask,
    FinishTask,
    Reopen,
}

impl FormKind {
    pub fn title_key(self) -> &'static str {
        match self {
            FormKind::Visit => "tui.form.visit",
            FormKind::Pair => "tui.form.pair",
            FormKind::Adjust => "tui.form.adjust",
            FormKind::Accept => "tui.form.accept",
            FormKind::AddTask => "tui.form.add_task",
            FormKind::FinishTask => "tui.form.finish_task",
            FormKind::Reopen => "tui.form.reopen",
        }
    }
}

/// A field's value: free text with a cursor (in chars), or a choice among coded options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text {
        text: String,
        cursor: usize,
    },
    Choice {
        options: Vec<(String, String)>,
        index: usize,
    },
}

impl Value {
    fn text(s: &str) -> Value {
        Value::Text {
            text: s.to_string(),
            cursor: s.chars().count(),
        }
    }

    fn choice<T: Copy>(
        all: &[T],
        code: impl Fn(T) -> &'static str,
        label: impl Fn(T) -> &'static str,
        at: usize,
    ) -> Value {
        Value::Choice {
            options: all
                .iter()
                .map(|v| (code(*v).to_string(), label(*v).to_string()))
                .collect(),
            index: at,
        }
    }

    /// What the field shows.
    pub fn display(&self) -> &str {
        match self {
            Value::Text { text, .. } => text,
            Value::Choice { options, index } => {
                options.get(*index).map(|o| o.1.as_str()).unwrap_or("")
            }
        }
    }

    fn code(&self) -> &str {
        match self {
            Value::Text { text, .. } => text.trim(),
            Value::Choice { options, index } => {
                options.get(*index).map(|o| o.0.as_str()).unwrap_or("")
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Field {
    /// The field's name: its data name (`findings`) or a standard's code.
    pub name: String,
    pub label: String,
    pub value: Value,
}

/// What is wrong with a value as typed, and in which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub kind: FormKind,
    pub case_id: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// The guard's refusal or a bad value, shown in place.
    pub error: Option<String>,
    /// True when submitting moves the case to another stage (asks for confirmation).
    pub moves_stage: bool,
    initial: Vec<Value>,
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Form {
    fn new(
        kind: FormKind,
        case: &Case,
        fields: Vec<Field>,
        focus: usize,
        moves_stage: bool,
    ) -> Form {
        let initial = fields.iter().map(|f| f.value.clone()).collect();
        Form {
            kind,
            case_id: case.id.clone(),
            fields,
            focus,
            error: None,
            moves_stage,
            initial,
        }
    }

    fn field(lang: Lang, name: &str, value: Value) -> Field {
        Field {
            name: name.to_string(),
            label: i18n::field(lang, name),
            value,
        }
    }

    /// The hot path: cursor in findings, kind `visit`, date today, visitor `--as`.
    pub fn visit(case: &Case, lang: Lang, today: NaiveDate, actor: &str) -> Form {
        let fields = vec![
            Form::field(lang, "findings", Value::text("")),
            Form::field(
                lang,
                "kind",
                Value::choice(VisitKind::ALL, |v| v.code(), |v| v.label(lang), 0),
            ),
            Form::field(lang, "on", Value::text(&date_text(today))),
            Form::field(lang, "by", Value::text(actor)),
        ];
        Form::new(FormKind::Visit, case, fields, 0, false)
    }

    /// The 四个一, prefilled with what is recorded.
    pub fn pair(case: &Case, lang: Lang, today: NaiveDate) -> Form {
        let p = case.pairing.clone().unwrap_or_default();
        let fields = vec![
            Form::field(lang, "county_leader", Value::text(&p.county_leader)),
            Form::field(lang, "township_leader", Value::text(&p.township_leader)),
            Form::field(lang, "first_secretary", Value::text(&p.first_secretary)),
            Form::field(
                lang,
                "first_secretary_unit",
                Value::text(&p.first_secretary_unit),
            ),
            Form::field(lang, "assisting_unit", Value::text(&p.assisting_unit)),
            Form::field(
                lang,
                "paired_on",
                Value::text(&date_text(p.paired_on.unwrap_or(today))),
            ),
        ];
        let focus = fields
            .iter()
            .position(|f| f.value.display().trim().is_empty())
            .unwrap_or(0);
        Form::new(
            FormKind::Pair,
            case,
            fields,
            focus,
            case.stage == Stage::Identified,
        )
    }

    /// A cadre adjustment, or the reason none was needed; from `paired` it also advances.
    pub fn adjust(case: &Case, lang: Lang, today: NaiveDate) -> Form {
        let record = Value::Choice {
            options: vec![
                ("adjustment".into(), i18n::t(lang, "tui.adjust.one").into()),
                ("none".into(), i18n::t(lang, "tui.adjust.none").into()),
            ],
            index: 0,
        };
        let mut sources = vec![(String::new(), i18n::t(lang, "tui.none").to_string())];
        sources.extend(
            ReplacementSource::ALL
                .iter()
                .map(|s| (s.code().to_string(), s.label(lang).to_string())),
        );
        let fields = vec![
            Field {
                name: "record".into(),
                label: i18n::t(lang, "tui.adjust.record").into(),
                value: record,
            },
            Form::field(lang, "name", Value::text("")),
            Form::field(
                lang,
                "post",
                Value::choice(Post::ALL, |v| v.code(), |v| v.label(lang), 0),
            ),
            Form::field(
                lang,
                "reason",
                Value::choice(AdjustReason::ALL, |v| v.code(), |v| v.label(lang), 0),
            ),
            Form::field(
                lang,
                "action",
                Value::choice(AdjustAction::ALL, |v| v.code(), |v| v.label(lang), 0),
            ),
            Form::field(lang, "replacement", Value::text("")),
            Form::field(
                lang,
                "replacement_source",
                Value::Choice {
                    options: sources,
                    index: 0,
                },
            ),
            Form::field(lang, "on", Value::text(&date_text(today))),
            Form::field(lang, "no_adjustment_reason", Value::text("")),
        ];
        Form::new(
            FormKind::Adjust,
            case,
            fields,
            1,
            case.stage == Stage::Paired,
        )
    }

    /// An acceptance attempt; the verdict is derived, never typed.
    pub fn accept(case: &Case, lang: Lang, today: NaiveDate, actor: &str) -> Form {
        let yes_no = || Value::Choice {
            options: vec![
                ("1".into(), i18n::t(lang, "tui.yes").into()),
                ("0".into(), i18n::t(lang, "tui.no").into()),
            ],
            index: 0,
        };
        let mut fields = vec![
            Form::field(lang, "on", Value::text(&date_text(today))),
            Form::field(lang, "by", Value::text(actor)),
            Form::field(lang, "score", Value::text("")),
            Form::field(lang, "poll_n", Value::text("")),
            Form::field(lang, "poll_dissatisfied", Value::text("")),
        ];
        for s in Standard::ALL {
            fields.push(Field {
                name: s.code().to_string(),
                label: s.label(lang).to_string(),
                value: yes_no(),
            });
        }
        fields.push(Form::field(lang, "new_deadline", Value::text("")));
        Form::new(FormKind::Accept, case, fields, 2, true)
    }

    pub fn add_task(case: &Case, lang: Lang, actor: &str) -> Form {
        let fields = vec![
            Form::field(lang, "measure", Value::text("")),
            Form::field(lang, "responsible", Value::text(actor)),
            Form::field(lang, "due", Value::text("")),
        ];
        Form::new(FormKind::AddTask, case, fields, 0, false)
    }

    /// `None` when the plan has no open task.
    pub fn finish_task(case: &Case, lang: Lang, today: NaiveDate) -> Option<Form> {
        let options: Vec<(String, String)> = case
            .open_tasks()
            .map(|(n, t)| (n.to_string(), format!("{n}. {}", text::clean(&t.measure))))
            .collect();
        if options.is_empty() {
            return None;
        }
        let fields = vec![
            Field {
                name: "task".into(),
                label: i18n::t(lang, "tui.task").into(),
                value: Value::Choice { options, index: 0 },
            },
            Form::field(lang, "done_on", Value::text(&date_text(today))),
        ];
        Some(Form::new(FormKind::FinishTask, case, fields, 0, false))
    }

    /// `None` at the first stage: there is nothing earlier to go back to.
    pub fn reopen(case: &Case, lang: Lang) -> Option<Form> {
        let earlier: Vec<Stage> = Stage::ALL
            .iter()
            .copied()
            .filter(|s| *s < case.stage)
            .collect();
        if earlier.is_empty() {
            return None;
        }
        let at = earlier.len() - 1;
        let fields = vec![
            Form::field(
                lang,
                "stage",
                Value::choice(&earlier, |v| v.code(), |v| v.label(lang), at),
            ),
            Form::field(lang, "reason", Value::text("")),
        ];
        Some(Form::new(FormKind::Reopen, case, fields, 1, true))
    }

    /// Whether field `i` applies (the adjustment form shows either the cadre or the reason).
    pub fn visible(&self, i: usize) -> bool {
        if self.kind != FormKind::Adjust {
            return true;
        }
        let none = self.get("record") == "none";
        match self.fields.get(i).map(|f| f.name.as_str()) {
            None => false,
            Some("record") => true,
            Some("no_adjustment_reason") => none,
            Some(_) => !none,
        }
    }

    /// The value of the focused field (the focus is always one of the form's fields).
    fn focused(&self) -> Option<&Value> {
        self.fields.get(self.focus).map(|f| &f.value)
    }

    fn focused_mut(&mut self) -> Option<&mut Value> {
        self.fields.get_mut(self.focus).map(|f| &mut f.value)
    }

    pub fn visible_fields(&self) -> Vec<usize> {
        (0..self.fields.len())
            .filter(|&i| self.visible(i))
            .collect()
    }

    fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.code())
            .unwrap_or("")
    }

    /// Puts the cursor on the field called `name`, when it is shown.
    pub fn focus_on(&mut self, name: &str) {
        if let Some(i) = self
            .visible_fields()
            .into_iter()
            .find(|&i| self.fields.get(i).is_some_and(|f| f.name == name))
        {
            self.focus = i;
        }
    }

    /// Something differs from what the form opened with: cancelling asks first.
    pub fn is_dirty(&self) -> bool {
        self.fields
            .iter()
            .zip(&self.initial)
            .any(|(f, i)| f.value.display() != i.display())
    }

    pub fn next_field(&mut self) {
        let vis = self.visible_fields();
        if let Some(p) = vis.iter().position(|&i| i == self.focus) {
            if let Some(&next) = vis.get((p + 1) % vis.len()) {
                self.focus = next;
            }
        }
    }

    pub fn prev_field(&mut self) {
        let vis = self.visible_fields();
        if let Some(p) = vis.iter().position(|&i| i == self.focus) {
            if let Some(&prev) = vis.get((p + vis.len() - 1) % vis.len()) {
                self.focus = prev;
            }
        }
    }

    pub fn insert(&mut self, c: char) {
        self.insert_str(c.encode_utf8(&mut [0; 4]));
    }

    /// Text typed or pasted at the cursor; a space on a choice moves to the next option.
    pub fn insert_str(&mut self, s: &str) {
        match self.focused_mut() {
            Some(Value::Text { text, cursor }) => {
                let at = byte_at(text, *cursor);
                text.insert_str(at, s);
                *cursor += s.chars().count();
            }
            Some(Value::Choice { .. }) if s == " " => self.right(),
            Some(Value::Choice { .. }) | None => {}
        }
    }

    pub fn delete_back(&mut self) {
        if let Some(Value::Text { text, cursor }) = self.focused_mut() {
            if *cursor > 0 {
                let at = byte_at(text, *cursor - 1);
                text.remove(at);
                *cursor -= 1;
            }
        }
    }

    pub fn delete_forward(&mut self) {
        if let Some(Value::Text { text, cursor }) = self.focused_mut() {
            if *cursor < text.chars().count() {
                let at = byte_at(text, *cursor);
                text.remove(at);
            }
        }
    }

    pub fn left(&mut self) {
        match self.focused_mut() {
            Some(Value::Text { cursor, .. }) => *cursor = cursor.saturating_sub(1),
            Some(Value::Choice { options, index }) => {
                let n = options.len().max(1);
                *index = (*index + n - 1) % n
            }
            None => {}
        }
    }

    pub fn right(&mut self) {
        match self.focused_mut() {
            Some(Value::Text { text, cursor }) => *cursor = (*cursor + 1).min(text.chars().count()),
            Some(Value::Choice { options, index }) => *index = (*index + 1) % options.len().max(1),
            None => {}
        }
    }

    /// The commands this form asks for, in order, or what is wrong with a typed value.
    pub fn commands(&self, lang: Lang) -> Result<Vec<Command>, FieldError> {
        let wrong = |name: &str, key: &str, s: &str| FieldError {
            field: name.to_string(),
            message: i18n::tf(lang, key, &[&i18n::field(lang, name), s]),
        };
        let date = |name: &str| -> Result<NaiveDate, FieldError> {
            match self.get(name) {
                "" => Err(wrong(name, "r.empty", "")),
                s => dates::parse(s).ok_or_else(|| wrong(name, "tui.bad_date", s)),
            }
        };
        let number = |name: &str| -> Result<u32, FieldError> {
            match self.get(name) {
                "" => Err(wrong(name, "r.empty", "")),
                s => s.parse().map_err(|_| wrong(name, "tui.bad_number", s)),
            }
        };
        let opt = |name: &str| {
            let s = self.get(name);
            (!s.is_empty()).then(|| s.to_string())
        };
        let text = |name: &str| self.get(name).to_string();
        Ok(match self.kind {
            FormKind::Visit => vec![Command::LogVisit(Visit {
                on: date("on")?,
                by: text("by"),
                kind: VisitKind::parse(self.get("kind")).unwrap_or(VisitKind::Visit),
                findings: text("findings"),
            })],
            FormKind::Pair => vec![Command::Pair {
                county_leader: Some(text("county_leader")),
                county_leader_account: None,
                township_leader: Some(text("township_leader")),
                first_secretary: Some(text("first_secretary")),
                first_secretary_unit: Some(text("first_secretary_unit")),
                assisting_unit: Some(text("assisting_unit")),
                on: Some(date("paired_on")?),
            }],
            FormKind::Adjust => {
                let first = if self.get("record") == "none" {
                    Command::NoAdjustment {
                        reason: text("no_adjustment_reason"),
                    }
                } else {
                    Command::Adjust(Adjustment {
                        name: text("name"),
                        post: Post::parse(self.get("post")).unwrap_or(Post::Secretary),
                        reason: AdjustReason::parse(self.get("reason"))
                            .unwrap_or(AdjustReason::Other),
                        action: AdjustAction::parse(self.get("action"))
                            .unwrap_or(AdjustAction::Removed),
                        on: date("on")?,
                        replacement: opt("replacement"),
                        replacement_source: ReplacementSource::parse(
                            self.get("replacement_source"),
                        ),
                    })
                };
                if self.moves_stage {
                    vec![first, Command::Advance]
                } else {
                    vec![first]
                }
            }
            FormKind::Accept => {
                let mut standards = [false; 6];
                for (met, s) in standards.iter_mut().zip(Standard::ALL) {
                    *met = self.get(s.code()) == "1";
                }
                let new_deadline = match self.get("new_deadline") {
                    "" => None,
                    _ => Some(date("new_deadline")?),
                };
                vec![Command::Accept {
                    on: date("on")?,
                    by: text("by"),
                    score: number("score")?,
                    poll_n: number("poll_n")?,
                    dissatisfied: number("poll_dissatisfied")?,
                    standards,
                    new_deadline,
                }]
            }
            FormKind::AddTask => vec![Command::AddTask(Task {
                measure: text("measure"),
                responsible: text("responsible"),
                due: date("due")?,
                done_on: None,
            })],
            FormKind::FinishTask => vec![Command::FinishTask {
                number: self.get("task").parse().unwrap_or(0),
                on: date("done_on")?,
            }],
            FormKind::Reopen => vec![Command::Reopen {
                to: Stage::parse(self.get("stage")).unwrap_or(Stage::Identified),
                reason: text("reason"),
            }],
        })
    }

    /// The cursor's place in the focused text field, in cells from the field's start.
    pub fn cursor_cells(&self) -> Option<usize> {
        match self.focused()? {
            Value::Text { text, cursor } => {
                Some(text::width(&text.chars().take(*cursor).collect::<String>()))
            }
            Value::Choice { .. } => None,
        }
    }
}

fn byte_at(s: &str, chars: usize) -> usize {
    s.char_indices()
        .nth(chars)
        .map(|(b, _)| b)
        .unwrap_or(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Situation;

    fn case() -> Case {
        Case::identified(
            "2017-YG-003",
            2017,
            "阳谷县",
            "阿城镇",
            "前进村",
            vec![Situation::Other],
            NaiveDate::from_ymd_opt(2017, 3, 1).unwrap(),
        )
    }

    #[test]
    fn chinese_editing_keeps_the_cursor_on_char_boundaries() {
        let today = NaiveDate::from_ymd_opt(2017, 9, 15).unwrap();
        let mut f = Form::visit(&case(), Lang::Zh, today, "王建国");
        for c in "班子团结".chars() {
            f.insert(c);
        }
        f.left();
        f.delete_back();
        f.insert('很');
        assert_eq!(f.fields[0].value.display(), "班子很结");
        assert_eq!(f.cursor_cells(), Some(6));
        assert!(f.is_dirty());
        let cmds = f.commands(Lang::Zh).unwrap();
        match &cmds[0] {
            Command::LogVisit(v) => {
                assert_eq!(
                    (v.by.as_str(), v.kind, v.on),
                    ("王建国", VisitKind::Visit, today)
                );
            }
            other => panic!("{other:?}"),
        }
    }

    proptest::proptest! {
        /// Any mix of typing (wide, narrow, control characters), deleting and moving keeps
        /// the cursor inside the text and on a character boundary.
        #[test]
        fn editing_never_panics(ops in proptest::collection::vec(0u8..8, 0..60), text in "[a-z前进村鸳鸯\\x1b\\n ]{0,12}") {
            let today = NaiveDate::from_ymd_opt(2017, 9, 15).unwrap();
            let mut f = Form::accept(&case(), Lang::Zh, today, "王建国");
            let mut chars = text.chars().cycle();
            for op in ops {
                match op {
                    0 | 1 => if let Some(c) = chars.next() { f.insert(c) },
                    2 => f.delete_back(),
                    3 => f.delete_forward(),
                    4 => f.left(),
                    5 => f.right(),
                    6 => f.next_field(),
                    _ => f.prev_field(),
                }
                if let Value::Text { text, cursor } = &f.fields[f.focus].value {
                    proptest::prop_assert!(*cursor <= text.chars().count());
                }
            }
            let _ = f.commands(Lang::Zh);
        }
    }

    #[test]
    fn a_bad_date_is_named_and_the_adjust_form_shows_one_branch() {
        let today = NaiveDate::from_ymd_opt(2017, 9, 15).unwrap();
        let mut f = Form::add_task(&case(), Lang::Zh, "");
        f.focus = 2;
        for c in "2017-13-01".chars() {
            f.insert(c);
        }
        let e = f.commands(Lang::Zh).unwrap_err().message;
        assert!(e.contains("完成时限") && e.contains("2017-13-01"), "{e}");
        let mut a = Form::adjust(&case(), Lang::Zh, today);
        assert!(!a.visible_fields().contains(&8));
        a.focus = 0;
        a.right();
        assert_eq!(a.visible_fields(), vec![0, 8]);
    }
}
