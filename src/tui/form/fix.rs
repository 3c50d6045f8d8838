//! The correction forms: a recorded visit, plan task or cadre adjustment, opened with what
//! it says, corrected in place and saved as the domain's correcting command for that
//! number (`FixVisit`, `FixTask`, `FixAdjustment`); the history keeps what it said before.

use chrono::NaiveDate;

use super::{date_text, FieldError, Form, FormKind, Input, Pick, Value};
use crate::domain::{
    AdjustAction, AdjustReason, Adjustment, Case, Command, Field, Post, ReplacementSource, Task,
    Visit, VisitKind,
};
use crate::i18n::{self, Label, Lang, Text};

/// The choice of `all` with `now` chosen.
fn choice_at<T: Copy + PartialEq>(
    all: &[T],
    now: T,
    pick: impl Fn(T) -> Pick,
    label: impl Fn(T) -> &'static str,
) -> Value {
    let at = all.iter().position(|v| *v == now).unwrap_or(0);
    Value::choice(all, pick, label, at)
}

impl Form {
    fn fix(kind: FormKind, case: &Case, fields: Vec<Input>, number: usize) -> Form {
        let mut form = Form::new(kind, case, fields, 0, false);
        form.entry = Some(number);
        form
    }

    /// Visit `number` (from 1, in the order recorded) as recorded, to correct; `None` when
    /// the case has no such visit.
    pub fn fix_visit(case: &Case, lang: Lang, number: usize) -> Option<Form> {
        let v = case.visits.get(number.checked_sub(1)?)?;
        let fields = vec![
            Form::input(lang, Field::Findings, Value::text(&v.findings)),
            Form::input(
                lang,
                Field::Kind,
                choice_at(VisitKind::ALL, v.kind, Pick::Kind, |k| k.label(lang)),
            ),
            Form::input(lang, Field::On, Value::text(&date_text(v.on))),
            Form::input(lang, Field::By, Value::text(&v.by)),
        ];
        Some(Form::fix(FormKind::FixVisit, case, fields, number))
    }

    /// Plan task `number` as recorded, to correct; an empty done date takes back a task
    /// marked done by mistake.
    pub fn fix_task(case: &Case, lang: Lang, number: usize) -> Option<Form> {
        let t = case.tasks.get(number.checked_sub(1)?)?;
        let fields = vec![
            Form::input(lang, Field::Measure, Value::text(&t.measure)),
            Form::input(lang, Field::Responsible, Value::text(&t.responsible)),
            Form::input(lang, Field::Due, Value::text(&date_text(t.due))),
            Form::input(
                lang,
                Field::DoneOn,
                Value::text(&t.done_on.map(date_text).unwrap_or_default()),
            ),
        ];
        Some(Form::fix(FormKind::FixTask, case, fields, number))
    }

    /// Cadre adjustment `number` as recorded, to correct.
    pub fn fix_adjustment(case: &Case, lang: Lang, number: usize) -> Option<Form> {
        let a = case.adjustments.get(number.checked_sub(1)?)?;
        let mut sources = vec![(
            Pick::Source(None),
            i18n::t(lang, Text::NoneChoice).to_string(),
        )];
        sources.extend(
            ReplacementSource::ALL
                .iter()
                .map(|s| (Pick::Source(Some(*s)), s.label(lang).to_string())),
        );
        let source_at = sources
            .iter()
            .position(|(p, _)| *p == Pick::Source(a.replacement_source))
            .unwrap_or(0);
        let fields = vec![
            Form::input(lang, Field::Name, Value::text(&a.name)),
            Form::input(
                lang,
                Field::Post,
                choice_at(Post::ALL, a.post, Pick::Post, |v| v.label(lang)),
            ),
            Form::input(
                lang,
                Field::Reason,
                choice_at(AdjustReason::ALL, a.reason, Pick::Reason, |v| v.label(lang)),
            ),
            Form::input(
                lang,
                Field::Action,
                choice_at(AdjustAction::ALL, a.action, Pick::Action, |v| v.label(lang)),
            ),
            Form::input(
                lang,
                Field::Replacement,
                Value::text(a.replacement.as_deref().unwrap_or("")),
            ),
            Form::input(
                lang,
                Field::ReplacementSource,
                Value::Choice {
                    options: sources,
                    index: source_at,
                },
            ),
            Form::input(lang, Field::On, Value::text(&date_text(a.on))),
        ];
        Some(Form::fix(FormKind::FixAdjustment, case, fields, number))
    }

    /// The correcting command of a correction form.
    pub(super) fn fix_command(&self, lang: Lang) -> Result<Command, FieldError> {
        let number = self.entry.unwrap_or(0);
        let text = |field: Field| self.get(field).to_string();
        let optional_date = |field: Field| -> Result<Option<NaiveDate>, FieldError> {
            match self.get(field) {
                "" => Ok(None),
                _ => self.date_of(lang, field).map(Some),
            }
        };
        Ok(match self.kind {
            FormKind::FixVisit => Command::FixVisit {
                number,
                visit: Visit {
                    on: self.date_of(lang, Field::On)?,
                    by: text(Field::By),
                    kind: self.chosen(lang, Field::Kind, |p| match p {
                        Pick::Kind(k) => Some(k),
                        _ => None,
                    })?,
                    findings: text(Field::Findings),
                },
            },
            FormKind::FixTask => Command::FixTask {
                number,
                task: Task {
                    measure: text(Field::Measure),
                    responsible: text(Field::Responsible),
                    due: self.date_of(lang, Field::Due)?,
                    done_on: optional_date(Field::DoneOn)?,
                },
            },
            _ => Command::FixAdjustment {
                number,
                adjustment: Adjustment {
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
                    on: self.date_of(lang, Field::On)?,
                    replacement: Some(text(Field::Replacement)).filter(|r| !r.is_empty()),
                    replacement_source: self.chosen(
                        lang,
                        Field::ReplacementSource,
                        |p| match p {
                            Pick::Source(v) => Some(v),
                            _ => None,
                        },
                    )?,
                },
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Situation;
    use crate::interchange::dates;

    fn d(s: &str) -> NaiveDate {
        dates::parse(s).unwrap()
    }

    fn case() -> Case {
        let mut c = Case::identified(
            "2017-YG-003",
            2017,
            "阳谷县",
            "阿城镇",
            "前进村",
            vec![Situation::Disunited],
            d("2017-03-10"),
        );
        c.visits.push(Visit {
            on: d("2017-06-02"),
            by: "王建国".into(),
            kind: VisitKind::Unannounced,
            findings: "书记长期不在村".into(),
        });
        c.tasks.push(Task {
            measure: "建设村级活动场所".into(),
            responsible: "刘洋".into(),
            due: d("2017-08-31"),
            done_on: Some(d("2017-08-20")),
        });
        c
    }

    #[test]
    fn a_correction_opens_with_what_is_recorded_and_asks_for_its_number() {
        let c = case();
        let mut f = Form::fix_visit(&c, Lang::Zh, 1).unwrap();
        assert_eq!(
            f.fields[1].value.display(),
            VisitKind::Unannounced.label(Lang::Zh)
        );
        f.end();
        f.insert_str("，活动场所大门紧锁");
        assert_eq!(
            f.commands(Lang::Zh).unwrap(),
            vec![Command::FixVisit {
                number: 1,
                visit: Visit {
                    findings: "书记长期不在村，活动场所大门紧锁".into(),
                    ..c.visits[0].clone()
                }
            }]
        );
        assert!(Form::fix_visit(&c, Lang::Zh, 2).is_none());
        assert!(Form::fix_visit(&c, Lang::Zh, 0).is_none());
        // a task marked done by mistake: its done date emptied
        let mut t = Form::fix_task(&c, Lang::Zh, 1).unwrap();
        t.focus = 3;
        t.end();
        t.delete_to_start();
        match &t.commands(Lang::Zh).unwrap()[..] {
            [Command::FixTask { number: 1, task }] => assert_eq!(task.done_on, None),
            other => panic!("{other:?}"),
        }
    }
}
