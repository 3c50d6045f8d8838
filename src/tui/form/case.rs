//! The forms of a case's own fields (its names, situations, problems, deadline, relapse and
//! the village's profile): the edit form (`Command::Edit`, from the overview) and the
//! new-case form. Both are made from one table, [`CASE_FIELDS`], so that a field added
//! to the domain's `Edit` is added to both forms in one place: a row in the table, an arm in
//! [`shown`] (what the case records) and one in [`Form::put`] (a changed value into the
//! `Edit`). The new-case form is those fields with the id, the year and the identification
//! date before them; the case it opens is the empty case of that id with the same `Edit`
//! applied, so both forms refuse what the domain refuses, in the same words.

use chrono::{Datelike, NaiveDate};

use super::{date_text, FieldError, Form, FormKind, Input, Pick, Slot, Value};
use crate::domain::{Case, Edit, Field, Refusal, Situation, VillageKind};
use crate::i18n::{self, msg, Label, Lang, Text};
use crate::interchange::dates;

/// The fields of a case that the edit form corrects and the new-case form fills in, in
/// the forms' order.
const CASE_FIELDS: &[Field] = &[
    Field::County,
    Field::Township,
    Field::Village,
    Field::Situations,
    Field::Problems,
    Field::Deadline,
    Field::RelapseOf,
    Field::VillageKind,
    Field::PoorVillage,
    Field::Households,
    Field::Population,
    Field::PartyMembers,
    Field::SecretaryAge,
];

/// A number of the profile as a text to edit (empty: not recorded).
fn count(n: Option<u32>) -> Value {
    Value::text(&n.map(|n| n.to_string()).unwrap_or_default())
}

/// A choice whose first option is "not said".
fn unsaid_or(lang: Lang, none: Pick, options: Vec<(Pick, String)>, now: Pick) -> Value {
    let mut all = vec![(none, i18n::t(lang, Text::NotGiven).to_string())];
    all.extend(options);
    let index = all.iter().position(|(p, _)| *p == now).unwrap_or(0);
    Value::Choice {
        options: all,
        index,
    }
}

/// The input of `field` showing what `case` records.
fn shown(case: &Case, field: Field, lang: Lang) -> Value {
    match field {
        Field::County => Value::text(&case.county),
        Field::Township => Value::text(&case.township),
        Field::Village => Value::text(&case.village),
        Field::Situations => Value::several(
            Situation::ALL,
            Pick::Situation,
            |s| s.label(lang),
            |s| case.situations.contains(&s),
        ),
        Field::Problems => Value::text(&case.problems),
        Field::Deadline => Value::text(&date_text(case.effective_deadline())),
        Field::RelapseOf => Value::text(case.relapse_of.as_deref().unwrap_or("")),
        Field::VillageKind => unsaid_or(
            lang,
            Pick::VillageKind(None),
            VillageKind::ALL
                .iter()
                .map(|k| (Pick::VillageKind(Some(*k)), k.label(lang).to_string()))
                .collect(),
            Pick::VillageKind(case.profile.village_kind),
        ),
        Field::PoorVillage => unsaid_or(
            lang,
            Pick::Yes(None),
            vec![
                (Pick::Yes(Some(true)), i18n::t(lang, Text::Yes).to_string()),
                (Pick::Yes(Some(false)), i18n::t(lang, Text::No).to_string()),
            ],
            Pick::Yes(case.profile.poor_village),
        ),
        Field::Households => count(case.profile.households),
        Field::Population => count(case.profile.population),
        Field::PartyMembers => count(case.profile.party_members),
        Field::SecretaryAge => count(case.profile.secretary_age),
        _ => Value::text(""),
    }
}

/// What a new case is before anything is typed: the case a new-case form opens on.
pub fn draft(today: NaiveDate) -> Case {
    Case::identified("", today.year(), "", "", "", Vec::new(), today)
}

impl Form {
    fn case_inputs(case: &Case, lang: Lang) -> Vec<Input> {
        CASE_FIELDS
            .iter()
            .map(|&f| Form::input(lang, f, shown(case, f, lang)))
            .collect()
    }

    /// The case's own fields as recorded, to correct. The deadline shows the one in force
    /// (31 Dec of the year when none was given); left as it is, it stays unset.
    pub fn edit(case: &Case, lang: Lang) -> Form {
        Form::new(
            FormKind::Edit,
            case,
            Form::case_inputs(case, lang),
            0,
            false,
        )
    }

    /// A new case: county and township as given (those of the case selected in the list,
    /// for a clerk entering a township's villages one after another), the year and the
    /// identification date today's, the id as suggested.
    pub fn new_case(lang: Lang, today: NaiveDate, id: &str, county: &str, township: &str) -> Form {
        let mut case = draft(today);
        case.county = county.to_string();
        case.township = township.to_string();
        let mut fields = vec![
            Form::input(lang, Field::Id, Value::text(id)),
            Form::input(lang, Field::Year, Value::text(&today.year().to_string())),
            Form::input(lang, Field::IdentifiedOn, Value::text(&date_text(today))),
        ];
        fields.extend(Form::case_inputs(&case, lang));
        // left empty, the deadline is the default one (31 Dec of the year typed)
        if let Some(deadline) = fields
            .iter_mut()
            .find(|f| f.slot == Slot::Data(Field::Deadline))
        {
            deadline.value = Value::text("");
        }
        let mut form = Form::new(FormKind::NewCase, &draft(today), fields, 0, false);
        // the first empty field (the village, usually) takes the cursor
        if let Some(i) = form
            .fields
            .iter()
            .position(|f| f.value.display().is_empty())
        {
            form.focus = i;
        }
        form
    }

    /// Whether input `i` differs from what the form opened with (text compared trimmed).
    fn changed(&self, i: usize) -> bool {
        match (self.fields.get(i).map(|f| &f.value), self.initial.get(i)) {
            (Some(now), Some(then)) => now.display().trim() != then.display().trim(),
            _ => false,
        }
    }

    /// The edit the changed inputs ask for; unchanged ones stay `None`, so that the
    /// history says only what was corrected.
    pub(super) fn edit_of(&self, lang: Lang) -> Result<Edit, FieldError> {
        let mut edit = Edit::default();
        for (i, input) in self.fields.iter().enumerate() {
            if let Slot::Data(field) = input.slot {
                if self.changed(i) {
                    self.put(&mut edit, field, lang)?;
                }
            }
        }
        Ok(edit)
    }

    /// Puts the value of `field`'s input into `edit`.
    fn put(&self, edit: &mut Edit, field: Field, lang: Lang) -> Result<(), FieldError> {
        let text = || Some(self.get(field).to_string());
        // a profile count: empty clears it
        let count = || -> Result<Option<Option<u32>>, FieldError> {
            match self.get(field) {
                "" => Ok(Some(None)),
                s => s.parse().map(|n| Some(Some(n))).map_err(|_| FieldError {
                    slot: Slot::Data(field),
                    message: msg::bad_number(lang, field.label(lang), s),
                }),
            }
        };
        let p = &mut edit.profile;
        match field {
            Field::VillageKind => {
                p.village_kind = Some(self.chosen(lang, field, |p| match p {
                    Pick::VillageKind(k) => Some(k),
                    _ => None,
                })?)
            }
            Field::PoorVillage => {
                p.poor_village = Some(self.chosen(lang, field, |p| match p {
                    Pick::Yes(y) => Some(y),
                    _ => None,
                })?)
            }
            Field::Households => p.households = count()?,
            Field::Population => p.population = count()?,
            Field::PartyMembers => p.party_members = count()?,
            Field::SecretaryAge => p.secretary_age = count()?,
            _ => {}
        }
        match field {
            Field::County => edit.county = text(),
            Field::Township => edit.township = text(),
            Field::Village => edit.village = text(),
            Field::Problems => edit.problems = text(),
            Field::RelapseOf => edit.relapse_of = text(),
            Field::Deadline => edit.deadline = Some(self.date_of(lang, field)?),
            Field::Situations => {
                let inputs = self.fields.iter().find(|f| f.slot == Slot::Data(field));
                edit.situations = Some(
                    inputs
                        .map(|f| f.value.checked())
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|p| match p {
                            Pick::Situation(s) => Some(s),
                            _ => None,
                        })
                        .collect(),
                );
            }
            _ => {}
        }
        Ok(())
    }

    /// The new case the form describes: the empty case of its id, year and identification
    /// date, and the edit that fills in the rest (to be applied by the domain, which
    /// refuses what is missing or wrong, in the form's order). Optional fields left empty
    /// stay unset: the deadline is then 31 Dec of the year.
    pub fn new_case_parts(&self, lang: Lang, today: NaiveDate) -> Result<(Case, Edit), FieldError> {
        let id = self.get(Field::Id);
        if id.is_empty() {
            return Err(FieldError {
                slot: Slot::Data(Field::Id),
                message: msg::refusal_empty(lang, Field::Id.label(lang)),
            });
        }
        let year_text = self.get(Field::Year);
        let year = year_text.parse::<i32>().map_err(|_| FieldError {
            slot: Slot::Data(Field::Year),
            message: msg::bad_number(lang, Field::Year.label(lang), year_text),
        })?;
        let on = self.date_of(lang, Field::IdentifiedOn)?;
        if on > today {
            let r = Refusal::AfterToday {
                field: Field::IdentifiedOn,
                date: on,
                today,
            };
            return Err(FieldError {
                slot: Slot::Data(Field::IdentifiedOn),
                message: crate::i18n::refusal(lang, &r),
            });
        }
        let case = Case::identified(id, year, "", "", "", Vec::new(), on);
        let mut edit = Edit::default();
        for (i, input) in self.fields.iter().enumerate() {
            let Slot::Data(field) = input.slot else {
                continue;
            };
            // what every case has goes in even when empty, so that the domain names it
            let required = matches!(
                field,
                Field::County | Field::Township | Field::Village | Field::Situations
            );
            let filled = match &input.value {
                Value::Text { text, .. } => !text.trim().is_empty(),
                Value::Several { .. } | Value::Choice { .. } => self.changed(i),
            };
            if CASE_FIELDS.contains(&field) && (filled || required) {
                self.put(&mut edit, field, lang)?;
            }
        }
        Ok((case, edit))
    }

    /// The date typed in `field`'s input, or what is wrong with it.
    pub(super) fn date_of(&self, lang: Lang, field: Field) -> Result<NaiveDate, FieldError> {
        let wrong = |message| FieldError {
            slot: Slot::Data(field),
            message,
        };
        match self.get(field) {
            "" => Err(wrong(msg::refusal_empty(lang, field.label(lang)))),
            s => dates::parse(s).ok_or_else(|| wrong(msg::bad_date(lang, field.label(lang), s))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{apply, Command, Policy, Stage};

    fn d(s: &str) -> NaiveDate {
        dates::parse(s).unwrap()
    }

    fn case() -> Case {
        Case {
            problems: "班子不团结".into(),
            ..Case::identified(
                "2017-YG-003",
                2017,
                "阳谷县",
                "阿城镇",
                "前进村",
                vec![Situation::Disunited],
                d("2017-03-10"),
            )
        }
    }

    fn focus(f: &mut Form, field: Field) {
        f.focus_on(Slot::Data(field));
    }

    fn retype(f: &mut Form, field: Field, s: &str) {
        focus(f, field);
        f.end();
        f.delete_to_start();
        f.insert_str(s);
    }

    #[test]
    fn the_edit_form_asks_only_for_what_changed() {
        let mut f = Form::edit(&case(), Lang::Zh);
        assert_eq!(f.edit_of(Lang::Zh).unwrap(), Edit::default());
        retype(&mut f, Field::Village, "前进新村");
        retype(&mut f, Field::Deadline, "2018-06-30");
        focus(&mut f, Field::Situations);
        f.right();
        f.insert_str(" ");
        let edit = f.edit_of(Lang::Zh).unwrap();
        assert_eq!(
            edit,
            Edit {
                village: Some("前进新村".into()),
                deadline: Some(d("2018-06-30")),
                situations: Some(vec![Situation::SecretaryUnfit, Situation::Disunited]),
                ..Edit::default()
            }
        );
        let cmds = f.commands(Lang::Zh).unwrap();
        assert_eq!(cmds, vec![Command::Edit(edit)]);
        retype(&mut f, Field::Deadline, "明年");
        let e = f.commands(Lang::Zh).unwrap_err();
        assert_eq!(e.slot, Slot::Data(Field::Deadline));
    }

    /// The village's profile in the same form: a count typed, a choice made, a count
    /// emptied clears it, and a count that is no number is named.
    #[test]
    fn the_profile_is_edited_in_the_same_form() {
        let mut c = case();
        c.profile.party_members = Some(31);
        let mut f = Form::edit(&c, Lang::Zh);
        retype(&mut f, Field::Households, "320");
        retype(&mut f, Field::PartyMembers, "");
        focus(&mut f, Field::PoorVillage);
        f.right();
        let edit = f.edit_of(Lang::Zh).unwrap();
        assert_eq!(edit.profile.households, Some(Some(320)));
        assert_eq!(edit.profile.party_members, Some(None));
        assert_eq!(edit.profile.poor_village, Some(Some(true)));
        assert_eq!(edit.profile.village_kind, None, "untouched");
        let (after, _) = apply(
            &c,
            &Command::Edit(edit),
            d("2017-09-15"),
            &Policy::default(),
        )
        .unwrap();
        assert_eq!(
            (after.profile.households, after.profile.party_members),
            (Some(320), None)
        );
        retype(&mut f, Field::SecretaryAge, "五十");
        let e = f.edit_of(Lang::Zh).unwrap_err();
        assert_eq!(e.slot, Slot::Data(Field::SecretaryAge));
    }

    #[test]
    fn a_new_case_is_the_empty_case_with_the_edit_applied() {
        let today = d("2017-09-15");
        let mut f = Form::new_case(Lang::Zh, today, "2017-YG-010", "阳谷县", "阿城镇");
        assert_eq!(f.fields[f.focus].slot, Slot::Data(Field::Village));
        f.insert_str("后河村");
        focus(&mut f, Field::Situations);
        f.insert_str(" ");
        let (base, edit) = f.new_case_parts(Lang::Zh, today).unwrap();
        let (c, _) = apply(&base, &Command::Edit(edit), today, &Policy::default()).unwrap();
        assert_eq!(
            (c.id.as_str(), c.year, c.county.as_str(), c.village.as_str()),
            ("2017-YG-010", 2017, "阳谷县", "后河村")
        );
        assert_eq!(
            (c.stage, c.situations.clone(), c.deadline, c.identified_on),
            (
                Stage::Identified,
                vec![Situation::LeadershipIncomplete],
                None,
                today
            )
        );
        retype(&mut f, Field::IdentifiedOn, "2017-10-01");
        let e = f.new_case_parts(Lang::Zh, today).unwrap_err();
        assert_eq!(e.slot, Slot::Data(Field::IdentifiedOn));
        assert!(e.message.contains("2017-10-01"), "{}", e.message);
    }
}
