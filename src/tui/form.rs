//! The forms behind every action: their fields, editing, and the domain [`Command`]s they
//! turn into. A form never changes the store itself; the app runs its commands through
//! the ledger's `execute`, and on a refusal the form stays open with everything typed kept.
//! The forms of a case's own fields (a new case, the edit form) are in [`case`].

mod case;
mod fix;
mod record;

pub use case::draft;

use chrono::NaiveDate;

use crate::domain::{
    AccountabilityKind, AdjustAction, AdjustReason, Adjustment, Case, Command, Field, Policy, Post,
    ReplacementSource, Situation, Stage, Standard, Task, Verdict, VillageKind, Visit, VisitKind,
};
use crate::i18n::{self, msg, Label, Lang, Text};
use crate::interchange::dates;
use crate::text;

use super::input::Editing;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Visit,
    Pair,
    Adjust,
    Accept,
    AddTask,
    FinishTask,
    Reopen,
    /// A case's own fields corrected (`Command::Edit`).
    Edit,
    /// A new case opened at `identified`.
    NewCase,
    /// A recorded visit, plan task or cadre adjustment corrected (its number in
    /// [`Form::entry`]).
    FixVisit,
    FixTask,
    FixAdjustment,
    /// A case entered by mistake taken off the list (`Command::Void`).
    Void,
    /// A voided case, named by its id, brought back (`Command::Unvoid`).
    Unvoid,
    /// A township accountability event (约谈, 诫勉, 问责): no command of a case.
    Talk,
}

impl FormKind {
    /// The form's title in the string table.
    pub fn title(self) -> Text {
        match self {
            FormKind::Visit => Text::FormVisit,
            FormKind::Pair => Text::FormPair,
            FormKind::Adjust => Text::FormAdjust,
            FormKind::Accept => Text::FormAccept,
            FormKind::AddTask => Text::FormAddTask,
            FormKind::FinishTask => Text::FormFinishTask,
            FormKind::Reopen => Text::FormReopen,
            FormKind::Edit => Text::FormEdit,
            FormKind::NewCase => Text::FormNewCase,
            FormKind::FixVisit => Text::FormFixVisit,
            FormKind::FixTask => Text::FormFixTask,
            FormKind::FixAdjustment => Text::FormFixAdjustment,
            FormKind::Void => Text::FormVoid,
            FormKind::Unvoid => Text::FormUnvoid,
            FormKind::Talk => Text::FormTalk,
        }
    }
}

/// One option of a choice: a value of the domain's own type with the label it shows, so
/// that what the form asks for is never a string parsed back (and never a default when the
/// parse fails).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Kind(VisitKind),
    Post(Post),
    Reason(AdjustReason),
    Action(AdjustAction),
    /// Where the replacement comes from; `None`: not said.
    Source(Option<ReplacementSource>),
    Stage(Stage),
    /// An open task, by its number in the plan.
    Task(usize),
    /// A standard met or not.
    Met(bool),
    /// The adjustment form records a cadre adjusted (`true`), or why none was needed.
    Adjusted(bool),
    /// An identification situation, of the several a case may have.
    Situation(Situation),
    /// 村 or 社区; `None`: not said.
    VillageKind(Option<VillageKind>),
    /// Yes or no (a registered poor village); `None`: not said.
    Yes(Option<bool>),
    /// 约谈, 诫勉 or 问责.
    Talk(AccountabilityKind),
    /// A voided case, by its place in [`Form::voided`]; `None`: the one whose id is typed.
    Voided(Option<usize>),
}

/// A field's value: free text with a cursor (in chars), a choice among typed options, or
/// several of them (`chosen` beside `options`, `index` the one under the cursor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text {
        text: String,
        cursor: usize,
    },
    Choice {
        options: Vec<(Pick, String)>,
        index: usize,
    },
    Several {
        options: Vec<(Pick, String)>,
        chosen: Vec<bool>,
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
        pick: impl Fn(T) -> Pick,
        label: impl Fn(T) -> &'static str,
        at: usize,
    ) -> Value {
        Value::Choice {
            options: all
                .iter()
                .map(|v| (pick(*v), label(*v).to_string()))
                .collect(),
            index: at,
        }
    }

    /// Several of `all`, those `on` picks checked.
    fn several<T: Copy>(
        all: &[T],
        pick: impl Fn(T) -> Pick,
        label: impl Fn(T) -> &'static str,
        on: impl Fn(T) -> bool,
    ) -> Value {
        Value::Several {
            options: all
                .iter()
                .map(|v| (pick(*v), label(*v).to_string()))
                .collect(),
            chosen: all.iter().map(|v| on(*v)).collect(),
            index: 0,
        }
    }

    /// What the field shows: the text, the option chosen, or the options checked.
    pub fn display(&self) -> String {
        match self {
            Value::Text { text, .. } => text.clone(),
            Value::Choice { options, index } => {
                options.get(*index).map(|o| o.1.clone()).unwrap_or_default()
            }
            Value::Several {
                options, chosen, ..
            } => options
                .iter()
                .zip(chosen)
                .filter(|(_, on)| **on)
                .map(|(o, _)| o.1.as_str())
                .collect::<Vec<_>>()
                // several Chinese labels contain 、 themselves
                .join("；"),
        }
    }

    /// The text typed, trimmed; empty for a choice.
    fn typed(&self) -> &str {
        match self {
            Value::Text { text, .. } => text.trim(),
            Value::Choice { .. } | Value::Several { .. } => "",
        }
    }

    /// The option chosen; `None` for text.
    fn picked(&self) -> Option<Pick> {
        match self {
            Value::Text { .. } | Value::Several { .. } => None,
            Value::Choice { options, index } => options.get(*index).map(|o| o.0),
        }
    }

    /// The options checked, in their order; empty for text or a single choice.
    fn checked(&self) -> Vec<Pick> {
        match self {
            Value::Several {
                options, chosen, ..
            } => options
                .iter()
                .zip(chosen)
                .filter(|(_, on)| **on)
                .map(|(o, _)| o.0)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The text and its cursor, for editing; `None` for a choice.
    fn editing(&mut self) -> Option<Editing<'_>> {
        match self {
            Value::Text { text, cursor } => Some(Editing { text, cursor }),
            _ => None,
        }
    }
}

/// What a form's input stands for: a field of the case or command, one of the six
/// acceptance standards, or the adjustment form's choice between a cadre and no adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Data(Field),
    Standard(Standard),
    Record,
    /// The unvoid form's choice among the voided cases.
    Voided,
}

impl From<Field> for Slot {
    fn from(f: Field) -> Slot {
        Slot::Data(f)
    }
}

impl Slot {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Slot::Data(f) => f.label(lang),
            Slot::Standard(s) => s.label(lang),
            Slot::Record => Text::AdjustRecord.get(lang),
            Slot::Voided => Text::VoidedCase.get(lang),
        }
    }
}

/// A value to put in a form's input: typed text, or an option of a choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prefill {
    Text(String),
    Pick(Pick),
}

#[derive(Debug, Clone)]
pub struct Input {
    pub slot: Slot,
    pub label: String,
    pub value: Value,
    /// A text that may run long (findings, problems, a reason): it wraps within the form,
    /// growing downwards, instead of scrolling what was typed out of sight.
    pub multiline: bool,
}

/// What is wrong with a value as typed, and in which input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub slot: Slot,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub kind: FormKind,
    pub case_id: String,
    pub fields: Vec<Input>,
    pub focus: usize,
    /// The guard's refusal or a bad value, shown in place.
    pub error: Option<String>,
    /// True when submitting moves the case to another stage (asks for confirmation).
    pub moves_stage: bool,
    /// The stage the case was at when the form opened: an advance it makes is from there.
    pub stage: Stage,
    /// The number (from 1, in the order recorded) of the visit, task or adjustment a
    /// correction form corrects.
    pub entry: Option<usize>,
    /// The unvoid form's voided cases, by id, in the order its choice offers them.
    pub voided: Vec<String>,
    initial: Vec<Value>,
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Form {
    fn new(
        kind: FormKind,
        case: &Case,
        fields: Vec<Input>,
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
            stage: case.stage,
            entry: None,
            voided: Vec::new(),
            initial,
        }
    }

    fn input(lang: Lang, field: Field, value: Value) -> Input {
        let slot = Slot::Data(field);
        Input {
            slot,
            label: slot.label(lang).to_string(),
            value,
            multiline: matches!(
                field,
                Field::Findings
                    | Field::Problems
                    | Field::Measure
                    | Field::NoAdjustmentReason
                    | Field::Reason
            ),
        }
    }

    /// The hot path: cursor in findings, kind `visit`, date today, visitor `--as`.
    pub fn visit(case: &Case, lang: Lang, today: NaiveDate, actor: &str) -> Form {
        let fields = vec![
            Form::input(lang, Field::Findings, Value::text("")),
            Form::input(
                lang,
                Field::Kind,
                Value::choice(VisitKind::ALL, Pick::Kind, |v| v.label(lang), 0),
            ),
            Form::input(lang, Field::On, Value::text(&date_text(today))),
            Form::input(lang, Field::By, Value::text(actor)),
        ];
        Form::new(FormKind::Visit, case, fields, 0, false)
    }

    /// The 四个一, prefilled with what is recorded.
    pub fn pair(case: &Case, lang: Lang, today: NaiveDate) -> Form {
        let p = case.pairing.clone().unwrap_or_default();
        let fields = vec![
            Form::input(lang, Field::CountyLeader, Value::text(&p.county_leader)),
            Form::input(lang, Field::TownshipLeader, Value::text(&p.township_leader)),
            Form::input(lang, Field::FirstSecretary, Value::text(&p.first_secretary)),
            Form::input(
                lang,
                Field::FirstSecretaryUnit,
                Value::text(&p.first_secretary_unit),
            ),
            Form::input(lang, Field::AssistingUnit, Value::text(&p.assisting_unit)),
            Form::input(
                lang,
                Field::PairedOn,
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

    /// A cadre adjustment (the first, or one more), or the reason none was needed; with
    /// `advance`, from `paired` it also moves the case on to `cadres_adjusted`.
    pub fn adjust(case: &Case, lang: Lang, today: NaiveDate, advance: bool) -> Form {
        let record = Value::Choice {
            options: vec![
                (Pick::Adjusted(true), i18n::t(lang, Text::AdjustOne).into()),
                (
                    Pick::Adjusted(false),
                    i18n::t(lang, Text::AdjustNone).into(),
                ),
            ],
            index: 0,
        };
        let mut sources = vec![(
            Pick::Source(None),
            i18n::t(lang, Text::NoneChoice).to_string(),
        )];
        sources.extend(
            ReplacementSource::ALL
                .iter()
                .map(|s| (Pick::Source(Some(*s)), s.label(lang).to_string())),
        );
        let fields = vec![
            Input {
                slot: Slot::Record,
                label: Slot::Record.label(lang).into(),
                value: record,
                multiline: false,
            },
            Form::input(lang, Field::Name, Value::text("")),
            Form::input(
                lang,
                Field::Post,
                Value::choice(Post::ALL, Pick::Post, |v| v.label(lang), 0),
            ),
            Form::input(
                lang,
                Field::Reason,
                Value::choice(AdjustReason::ALL, Pick::Reason, |v| v.label(lang), 0),
            ),
            Form::input(
                lang,
                Field::Action,
                Value::choice(AdjustAction::ALL, Pick::Action, |v| v.label(lang), 0),
            ),
            Form::input(lang, Field::Replacement, Value::text("")),
            Form::input(
                lang,
                Field::ReplacementSource,
                Value::Choice {
                    options: sources,
                    index: 0,
                },
            ),
            Form::input(lang, Field::On, Value::text(&date_text(today))),
            Form::input(lang, Field::NoAdjustmentReason, Value::text("")),
        ];
        Form::new(
            FormKind::Adjust,
            case,
            fields,
            1,
            advance && case.stage == Stage::Paired,
        )
    }

    /// An acceptance attempt; the verdict is derived, never typed.
    pub fn accept(case: &Case, lang: Lang, today: NaiveDate, actor: &str) -> Form {
        let yes_no = || Value::Choice {
            options: vec![
                (Pick::Met(true), i18n::t(lang, Text::StandardMet).into()),
                (Pick::Met(false), i18n::t(lang, Text::StandardNotMet).into()),
            ],
            index: 0,
        };
        let mut fields = vec![
            Form::input(lang, Field::On, Value::text(&date_text(today))),
            Form::input(lang, Field::By, Value::text(actor)),
            Form::input(lang, Field::Score, Value::text("")),
            Form::input(lang, Field::PollN, Value::text("")),
            Form::input(lang, Field::PollDissatisfied, Value::text("")),
        ];
        for s in Standard::ALL {
            fields.push(Input {
                slot: Slot::Standard(*s),
                label: s.label(lang).to_string(),
                value: yes_no(),
                multiline: false,
            });
        }
        fields.push(Form::input(lang, Field::NewDeadline, Value::text("")));
        Form::new(FormKind::Accept, case, fields, 2, true)
    }

    pub fn add_task(case: &Case, lang: Lang, actor: &str) -> Form {
        let fields = vec![
            Form::input(lang, Field::Measure, Value::text("")),
            Form::input(lang, Field::Responsible, Value::text(actor)),
            Form::input(lang, Field::Due, Value::text("")),
        ];
        Form::new(FormKind::AddTask, case, fields, 0, false)
    }

    /// `None` when the plan has no open task.
    pub fn finish_task(case: &Case, lang: Lang, today: NaiveDate) -> Option<Form> {
        let options: Vec<(Pick, String)> = case
            .open_tasks()
            .map(|(n, t)| (Pick::Task(n), format!("{n}. {}", text::clean(&t.measure))))
            .collect();
        if options.is_empty() {
            return None;
        }
        let fields = vec![
            Input {
                slot: Slot::Data(Field::Task),
                label: Field::Task.label(lang).into(),
                value: Value::Choice { options, index: 0 },
                multiline: false,
            },
            Form::input(lang, Field::DoneOn, Value::text(&date_text(today))),
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
            Form::input(
                lang,
                Field::Stage,
                Value::choice(&earlier, Pick::Stage, |v| v.label(lang), at),
            ),
            Form::input(lang, Field::Reason, Value::text("")),
        ];
        Some(Form::new(FormKind::Reopen, case, fields, 1, true))
    }

    /// Whether field `i` applies (the adjustment form shows either the cadre or the reason).
    pub fn visible(&self, i: usize) -> bool {
        if self.kind != FormKind::Adjust {
            return true;
        }
        let none = self
            .fields
            .iter()
            .find(|f| f.slot == Slot::Record)
            .and_then(|f| f.value.picked())
            == Some(Pick::Adjusted(false));
        match self.fields.get(i).map(|f| f.slot) {
            None => false,
            Some(Slot::Record) => true,
            Some(Slot::Data(Field::NoAdjustmentReason)) => none,
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

    fn get(&self, slot: impl Into<Slot>) -> &str {
        let slot = slot.into();
        self.fields
            .iter()
            .find(|f| f.slot == slot)
            .map(|f| f.value.typed())
            .unwrap_or("")
    }

    /// The option chosen in the input of `slot`, as `of` takes it; what the form shows is
    /// what it asks for, so a choice of another kind is a form built wrong, said as such.
    fn chosen<T>(
        &self,
        lang: Lang,
        slot: impl Into<Slot>,
        of: impl Fn(Pick) -> Option<T>,
    ) -> Result<T, FieldError> {
        let slot = slot.into();
        self.fields
            .iter()
            .find(|f| f.slot == slot)
            .and_then(|f| f.value.picked())
            .and_then(of)
            .ok_or_else(|| FieldError {
                slot,
                message: msg::refusal_empty(lang, slot.label(lang)),
            })
    }

    /// Puts the cursor on the input of `slot`, when it is shown.
    pub fn focus_on(&mut self, slot: Slot) {
        if let Some(i) = self
            .visible_fields()
            .into_iter()
            .find(|&i| self.fields.get(i).is_some_and(|f| f.slot == slot))
        {
            self.focus = i;
        }
    }

    /// Something differs from what the form opened with: cancelling asks first.
    /// Puts `value` in the input for `slot` as if it were typed or chosen (a form redoing a
    /// change that came back from the server): text into a text field, an option into a
    /// choice. A choice that does not offer the option is left as it is.
    pub fn prefill(&mut self, slot: Slot, value: Prefill) {
        let Some(input) = self.fields.iter_mut().find(|f| f.slot == slot) else {
            return;
        };
        match (&mut input.value, value) {
            (Value::Text { text, cursor }, Prefill::Text(s)) => {
                *cursor = s.chars().count();
                *text = s;
            }
            (Value::Choice { options, index }, Prefill::Pick(p)) => {
                if let Some(i) = options.iter().position(|o| o.0 == p) {
                    *index = i;
                }
            }
            _ => {}
        }
    }

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

    /// Text typed or pasted at the cursor; a space on a choice moves to the next option,
    /// and on a list of several checks or unchecks the one under the cursor.
    pub fn insert_str(&mut self, s: &str) {
        match self.focused_mut() {
            Some(Value::Text { text, cursor }) => Editing { text, cursor }.insert(s),
            Some(Value::Choice { .. }) if s == " " => self.right(),
            Some(Value::Several { chosen, index, .. }) if s == " " => {
                if let Some(on) = chosen.get_mut(*index) {
                    *on = !*on;
                }
            }
            Some(Value::Choice { .. } | Value::Several { .. }) | None => {}
        }
    }

    /// Edits the focused text field; a choice is left as it is.
    fn edit_text(&mut self, f: impl FnOnce(&mut Editing)) {
        if let Some(mut e) = self.focused_mut().and_then(Value::editing) {
            f(&mut e);
        }
    }

    pub fn delete_back(&mut self) {
        self.edit_text(|e| e.delete_back());
    }

    pub fn delete_forward(&mut self) {
        self.edit_text(|e| e.delete_forward());
    }

    /// Ctrl-U: the text before the cursor goes.
    pub fn delete_to_start(&mut self) {
        self.edit_text(|e| e.delete_to_start());
    }

    /// Ctrl-W: the word (or the run of Chinese) before the cursor goes.
    pub fn delete_word(&mut self) {
        self.edit_text(|e| e.delete_word());
    }

    /// Home: the start of the text, or the first option.
    pub fn home(&mut self) {
        match self.focused_mut() {
            Some(Value::Text { text, cursor }) => Editing { text, cursor }.home(),
            Some(Value::Choice { index, .. } | Value::Several { index, .. }) => *index = 0,
            None => {}
        }
    }

    /// End: the end of the text, or the last option.
    pub fn end(&mut self) {
        match self.focused_mut() {
            Some(Value::Text { text, cursor }) => Editing { text, cursor }.end(),
            Some(Value::Choice { options, index } | Value::Several { options, index, .. }) => {
                *index = options.len().saturating_sub(1)
            }
            None => {}
        }
    }

    pub fn left(&mut self) {
        match self.focused_mut() {
            Some(Value::Text { text, cursor }) => Editing { text, cursor }.left(),
            Some(Value::Choice { options, index } | Value::Several { options, index, .. }) => {
                let n = options.len().max(1);
                *index = (*index + n - 1) % n
            }
            None => {}
        }
    }

    pub fn right(&mut self) {
        match self.focused_mut() {
            Some(Value::Text { text, cursor }) => Editing { text, cursor }.right(),
            Some(Value::Choice { options, index } | Value::Several { options, index, .. }) => {
                *index = (*index + 1) % options.len().max(1)
            }
            None => {}
        }
    }

    /// The commands this form asks for, in order, or what is wrong with a typed value.
    pub fn commands(&self, lang: Lang) -> Result<Vec<Command>, FieldError> {
        let wrong = |field: Field, message: String| FieldError {
            slot: Slot::Data(field),
            message,
        };
        let date = |field: Field| self.date_of(lang, field);
        let number = |field: Field| -> Result<u32, FieldError> {
            match self.get(field) {
                "" => Err(wrong(field, msg::refusal_empty(lang, field.label(lang)))),
                s => s
                    .parse()
                    .map_err(|_| wrong(field, msg::bad_number(lang, field.label(lang), s))),
            }
        };
        let opt = |field: Field| {
            let s = self.get(field);
            (!s.is_empty()).then(|| s.to_string())
        };
        let text = |field: Field| self.get(field).to_string();
        Ok(match self.kind {
            FormKind::Visit => vec![Command::LogVisit(Visit {
                on: date(Field::On)?,
                by: text(Field::By),
                kind: self.chosen(lang, Field::Kind, |p| match p {
                    Pick::Kind(k) => Some(k),
                    _ => None,
                })?,
                findings: text(Field::Findings),
            })],
            FormKind::Pair => vec![Command::Pair {
                county_leader: Some(text(Field::CountyLeader)),
                county_leader_account: None,
                township_leader: Some(text(Field::TownshipLeader)),
                first_secretary: Some(text(Field::FirstSecretary)),
                first_secretary_unit: Some(text(Field::FirstSecretaryUnit)),
                assisting_unit: Some(text(Field::AssistingUnit)),
                on: Some(date(Field::PairedOn)?),
            }],
            FormKind::Adjust => {
                let adjusted = self.chosen(lang, Slot::Record, |p| match p {
                    Pick::Adjusted(a) => Some(a),
                    _ => None,
                })?;
                let first = if !adjusted {
                    Command::NoAdjustment {
                        reason: text(Field::NoAdjustmentReason),
                    }
                } else {
                    Command::Adjust(Adjustment {
                        name: text(Field::Name),
                        post: self.chosen(lang, Field::Post, |p| match p {
                            Pick::Post(v) => Some(v),
                            _ => None,
                        })?,
                        reason: self.chosen(lang, Field::Reason, |p| match p {
                            Pick::Reason(v) => Some(v),
                            _ => None,
                        })?,
                        action: self.chosen(lang, Field::Action, |p| match p {
                            Pick::Action(v) => Some(v),
                            _ => None,
                        })?,
                        on: date(Field::On)?,
                        replacement: opt(Field::Replacement),
                        replacement_source: self.chosen(
                            lang,
                            Field::ReplacementSource,
                            |p| match p {
                                Pick::Source(v) => Some(v),
                                _ => None,
                            },
                        )?,
                    })
                };
                if self.moves_stage {
                    vec![first, Command::Advance { from: self.stage }]
                } else {
                    vec![first]
                }
            }
            FormKind::Accept => {
                let mut standards = [false; 6];
                for (met, s) in standards.iter_mut().zip(Standard::ALL) {
                    *met = self.chosen(lang, Slot::Standard(*s), |p| match p {
                        Pick::Met(m) => Some(m),
                        _ => None,
                    })?;
                }
                let new_deadline = match self.get(Field::NewDeadline) {
                    "" => None,
                    _ => Some(date(Field::NewDeadline)?),
                };
                vec![Command::Accept {
                    on: date(Field::On)?,
                    by: text(Field::By),
                    score: number(Field::Score)?,
                    poll_n: number(Field::PollN)?,
                    dissatisfied: number(Field::PollDissatisfied)?,
                    standards,
                    new_deadline,
                }]
            }
            FormKind::AddTask => vec![Command::AddTask(Task {
                measure: text(Field::Measure),
                responsible: text(Field::Responsible),
                due: date(Field::Due)?,
                done_on: None,
            })],
            FormKind::FinishTask => vec![Command::FinishTask {
                number: self.chosen(lang, Field::Task, |p| match p {
                    Pick::Task(n) => Some(n),
                    _ => None,
                })?,
                on: date(Field::DoneOn)?,
            }],
            FormKind::Edit => vec![Command::Edit(self.edit_of(lang)?)],
            // a new case is opened whole, not changed by commands: see `Form::new_case`
            FormKind::NewCase => Vec::new(),
            FormKind::FixVisit | FormKind::FixTask | FormKind::FixAdjustment => {
                vec![self.fix_command(lang)?]
            }
            FormKind::Void | FormKind::Unvoid => vec![self.record_command(lang)?],
            // a talk is an event of no case: see `Form::talk_event`
            FormKind::Talk => Vec::new(),
            FormKind::Reopen => vec![Command::Reopen {
                deadline: None,
                to: self.chosen(lang, Field::Stage, |p| match p {
                    Pick::Stage(s) => Some(s),
                    _ => None,
                })?,
                reason: text(Field::Reason),
            }],
        })
    }

    /// The cursor's place in the focused text field, in cells from the field's start.
    pub fn cursor_cells(&self) -> Option<usize> {
        match self.focused()? {
            Value::Text { text, cursor } => {
                Some(text::width(&text.chars().take(*cursor).collect::<String>()))
            }
            Value::Choice { .. } | Value::Several { .. } => None,
        }
    }

    /// The verdict the acceptance form's figures give as typed so far (derived, as the
    /// domain derives it), or `None` while a figure is missing or not a number.
    pub fn verdict(&self, policy: &Policy) -> Option<Verdict> {
        if self.kind != FormKind::Accept {
            return None;
        }
        let number = |field: Field| self.get(field).parse::<u32>().ok();
        let mut standards = [false; 6];
        for (met, s) in standards.iter_mut().zip(Standard::ALL) {
            *met = self
                .fields
                .iter()
                .find(|f| f.slot == Slot::Standard(*s))
                .and_then(|f| f.value.picked())
                == Some(Pick::Met(true));
        }
        Some(crate::domain::verdict(
            number(Field::Score)?,
            number(Field::PollN)?,
            number(Field::PollDissatisfied)?,
            &standards,
            policy,
        ))
    }

    /// The line the acceptance form shows under its fields: the verdict its figures give,
    /// and what that verdict does to the deadline.
    pub fn verdict_line(&self, lang: Lang, policy: &Policy) -> Option<String> {
        if self.kind != FormKind::Accept {
            return None;
        }
        let Some(v) = self.verdict(policy) else {
            return Some(i18n::t(lang, Text::VerdictPending).to_string());
        };
        let on = dates::parse(self.get(Field::On));
        let then = match v {
            Verdict::Pass => i18n::t(lang, Text::VerdictPassCloses).to_string(),
            Verdict::BasicPass => match on {
                Some(on) => msg::verdict_basic_deadline(
                    lang,
                    crate::domain::due::add_months(on, policy.consolidation_months),
                ),
                None => String::new(),
            },
            Verdict::Fail => i18n::t(lang, Text::VerdictFailNeedsDeadline).to_string(),
        };
        Some(msg::verdict_preview(lang, v.label(lang), then))
    }
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
        let mut a = Form::adjust(&case(), Lang::Zh, today, true);
        assert!(!a.visible_fields().contains(&8));
        a.focus = 0;
        a.right();
        assert_eq!(a.visible_fields(), vec![0, 8]);
    }
}
