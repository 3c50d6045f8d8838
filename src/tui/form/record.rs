//! The forms of the record itself rather than of a case's work (SPEC §11): voiding a case
//! entered by mistake, bringing a voided case back, and a township accountability event
//! (`talk`: 约谈, 诫勉, 问责 of a township Party secretary). Their inputs are the same
//! pieces as every form's ([`Form::input`], [`Value`]); a void and an unvoid are commands
//! of the case, a talk is the event [`Form::talk_event`] describes.

use chrono::NaiveDate;

use super::{date_text, FieldError, Form, FormKind, Input, Pick, Slot, Value};
use crate::domain::{AccountabilityEvent, AccountabilityKind, Case, Command, Field};
use crate::i18n::{msg, Label, Lang, Text};
use crate::ledger::VoidedCase;

/// How the unvoid form shows a voided case: its id, village, the day it was voided and why.
fn voided_label(v: &VoidedCase) -> String {
    let case = &v.case;
    match &case.voided {
        Some(why) => format!(
            "{} {} {} {}",
            case.id,
            case.village,
            date_text(why.on),
            crate::text::clean(&why.reason)
        ),
        None => format!("{} {}", case.id, case.village),
    }
}

impl Form {
    /// Voiding `case`: why (required, as SPEC §11 asks) and on what day (today).
    pub fn void(case: &Case, lang: Lang, today: NaiveDate) -> Form {
        let fields = vec![
            Form::input(lang, Field::Reason, Value::text("")),
            Form::input(lang, Field::On, Value::text(&date_text(today))),
        ];
        Form::new(FormKind::Void, case, fields, 0, false)
    }

    /// Bringing a voided case back: it is on no list, so it is picked among the voided
    /// cases (`voided`, as `Ledger::voided` lists them: id, village, the day it was voided
    /// and why), or named by its id typed below, with why, if it is worth saying. The case
    /// voided last here (`last`) is the one offered first.
    pub fn unvoid(lang: Lang, today: NaiveDate, voided: &[VoidedCase], last: &str) -> Form {
        let mut options: Vec<(Pick, String)> = voided
            .iter()
            .enumerate()
            .map(|(i, v)| (Pick::Voided(Some(i)), voided_label(v)))
            .collect();
        options.push((Pick::Voided(None), Text::UnvoidById.get(lang).to_string()));
        let offered = voided
            .iter()
            .position(|v| !last.is_empty() && v.case.id.eq_ignore_ascii_case(last));
        // with nothing to pick, the id is typed
        let index = offered.unwrap_or(if voided.is_empty() { voided.len() } else { 0 });
        let typed = if offered.is_none() { last } else { "" };
        let fields = vec![
            Input {
                slot: Slot::Voided,
                label: Slot::Voided.label(lang).to_string(),
                value: Value::Choice { options, index },
                multiline: false,
            },
            Form::input(lang, Field::Id, Value::text(typed)),
            Form::input(lang, Field::Reason, Value::text("")),
        ];
        // the case offered: why; nothing to pick: the id; else the choice
        let focus = if offered.is_some() || !typed.is_empty() {
            2
        } else {
            usize::from(voided.is_empty())
        };
        let mut form = Form::new(FormKind::Unvoid, &super::draft(today), fields, focus, false);
        form.voided = voided.iter().map(|v| v.case.id.clone()).collect();
        form
    }

    /// A talk with the secretary of `township` (of `county`), about `cases` (ids, comma
    /// separated; those the form was opened on), on `today`.
    pub fn talk(lang: Lang, today: NaiveDate, county: &str, township: &str, cases: &str) -> Form {
        let kinds = AccountabilityKind::ALL;
        let fields = vec![
            Form::input(lang, Field::Township, Value::text(township)),
            Form::input(lang, Field::County, Value::text(county)),
            Form::input(lang, Field::Person, Value::text("")),
            Form::input(
                lang,
                Field::Kind,
                Value::choice(kinds, Pick::Talk, |k| k.label(lang), 0),
            ),
            Form::input(lang, Field::Reason, Value::text("")),
            Form::input(lang, Field::Cases, Value::text(cases)),
            Form::input(lang, Field::On, Value::text(&date_text(today))),
        ];
        let mut form = Form::new(FormKind::Talk, &super::draft(today), fields, 0, false);
        // the first empty field (the person, usually) takes the cursor
        if let Some(i) = form.fields.iter().position(|f| f.value.typed().is_empty()) {
            form.focus = i;
        }
        form
    }

    /// The case the unvoid form brings back: the id typed, else the voided case picked.
    pub fn unvoid_id(&self) -> &str {
        match self.get(Field::Id) {
            "" => self
                .fields
                .iter()
                .find(|f| f.slot == Slot::Voided)
                .and_then(|f| match f.value.picked() {
                    Some(Pick::Voided(Some(i))) => self.voided.get(i),
                    _ => None,
                })
                .map_or("", String::as_str),
            typed => typed,
        }
    }

    /// The command of a void or unvoid form.
    pub(super) fn record_command(&self, lang: Lang) -> Result<Command, FieldError> {
        let reason = self.get(Field::Reason).to_string();
        Ok(match self.kind {
            FormKind::Void => Command::Void {
                on: self.date_of(lang, Field::On)?,
                reason,
            },
            _ => {
                if self.unvoid_id().is_empty() {
                    return Err(FieldError {
                        slot: Slot::Data(Field::Id),
                        message: msg::refusal_empty(lang, Field::Id.label(lang)),
                    });
                }
                Command::Unvoid { reason }
            }
        })
    }

    /// The accountability event the talk form describes (checked by the domain when it is
    /// recorded, and before, by the app, on a copy).
    pub fn talk_event(&self, lang: Lang) -> Result<AccountabilityEvent, FieldError> {
        let text = |field: Field| self.get(field).to_string();
        Ok(AccountabilityEvent {
            on: self.date_of(lang, Field::On)?,
            county: text(Field::County),
            township: text(Field::Township),
            person: text(Field::Person),
            kind: self.chosen(lang, Field::Kind, |p| match p {
                Pick::Talk(k) => Some(k),
                _ => None,
            })?,
            reason: text(Field::Reason),
            cases: self
                .get(Field::Cases)
                .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Situation;
    use crate::interchange::dates;

    fn d(s: &str) -> NaiveDate {
        dates::parse(s).unwrap_or_default()
    }

    #[test]
    fn a_void_needs_its_reason_and_a_talk_reads_its_cases() {
        let today = d("2017-09-15");
        let case = Case::identified(
            "2017-YG-003",
            2017,
            "阳谷县",
            "阿城镇",
            "前进村",
            vec![Situation::Other],
            d("2017-03-10"),
        );
        let mut f = Form::void(&case, Lang::Zh, today);
        f.insert_str("重复录入");
        assert_eq!(
            f.commands(Lang::Zh),
            Ok(vec![Command::Void {
                on: today,
                reason: "重复录入".into()
            }])
        );
        let u = Form::unvoid(Lang::Zh, today, &[], "");
        assert_eq!(
            u.commands(Lang::Zh).map_err(|e| e.slot),
            Err(Slot::Data(Field::Id))
        );
        // the voided cases are offered, the one voided last here first; a typed id wins
        let voided = |id: &str, reason: &str| VoidedCase {
            case: Case {
                voided: Some(crate::domain::Voided {
                    on: d("2017-09-01"),
                    reason: reason.into(),
                }),
                ..Case::identified(id, 2017, "阳谷县", "阿城镇", "前进村", vec![], today)
            },
            by: None,
            at: None,
        };
        let list = [
            voided("2017-YG-003", "重复录入"),
            voided("2017-YG-009", "村名错"),
        ];
        let mut u = Form::unvoid(Lang::Zh, today, &list, "2017-yg-009");
        assert_eq!(
            (u.fields[u.focus].slot, u.unvoid_id()),
            (Slot::Data(Field::Reason), "2017-YG-009")
        );
        u.focus_on(Slot::Voided);
        assert_eq!(
            u.fields[0].value.display(),
            "2017-YG-009 前进村 2017-09-01 村名错"
        );
        u.right();
        assert_eq!(u.unvoid_id(), "", "the last option is the id typed below");
        u.right();
        assert_eq!(u.unvoid_id(), "2017-YG-003");
        u.focus_on(Slot::Data(Field::Id));
        u.insert_str("2017-YG-050");
        assert_eq!(u.unvoid_id(), "2017-YG-050");
        let mut t = Form::talk(Lang::Zh, today, "阳谷县", "阿城镇", "2017-YG-003");
        assert_eq!(t.fields[t.focus].slot, Slot::Data(Field::Person));
        t.insert_str("李明");
        t.focus_on(Slot::Data(Field::Kind));
        t.right();
        t.focus_on(Slot::Data(Field::Cases));
        t.end();
        t.insert_str("，2017-YG-007 ");
        let e = t.talk_event(Lang::Zh).map_err(|e| e.message);
        let e = e.unwrap_or_else(|m| panic!("{m}"));
        assert_eq!(
            (e.person.as_str(), e.kind, e.cases),
            (
                "李明",
                AccountabilityKind::Warning,
                vec!["2017-YG-003".to_string(), "2017-YG-007".to_string()]
            )
        );
    }
}
