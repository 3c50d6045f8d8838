//! Every change to a case, from the TUI: the forms' commands are checked on a copy of the
//! case first (so a refusal shows in place before anything is asked or written), confirmed
//! when they move the case to another stage, and then asked of the ledger as one
//! [`Effect::Execute`] — the same domain path as the command line, one atomic durable write
//! for all of a form's commands. Changes pushed by the ledger land here too.

use std::sync::Arc;

use chrono::Datelike;

use crate::domain::{self, due_status_of, Case, Stage, Summary};
use crate::i18n;
use crate::i18n::{Label, Text};
use crate::ledger::{self, Link, Notice};
use crate::search::{Field, Typing};

use super::action::Action;
use super::app::{App, Confirm, Effect, Effects, Message, Overlay, Pending, Problem, Screen, Then};
use super::form::{Form, FormKind, Slot};

impl App {
    /// The actions on one case, from the list or the detail: on the open case at once,
    /// on the selected row once it is read.
    pub(super) fn case_action(&mut self, action: Action) -> Result<Effects, Problem> {
        let acts = matches!(
            action,
            Action::Advance
                | Action::Visit
                | Action::AddTask
                | Action::FinishTask
                | Action::Reopen
                | Action::Pair
                | Action::Edit
                | Action::Adjust
                | Action::Accept
                | Action::Void
        );
        if !acts {
            return Ok(Vec::new());
        }
        let Some(i) = self.current() else {
            return Err(Problem::Say(self.t(Text::MsgNoCase)));
        };
        if let Some(d) = self.detail().filter(|d| d.case == i) {
            let case = d.full.clone();
            return self.start(action, i, case);
        }
        let Some(s) = self.summaries.get(i) else {
            return Ok(Vec::new());
        };
        Ok(vec![Effect::Load {
            id: s.id().to_string(),
            history: false,
            then: Then::Act(action),
        }])
    }

    /// Starts `action` on case `i`, read whole: opens its form, or asks to confirm an
    /// advance whose guard already holds.
    pub(super) fn start(
        &mut self,
        action: Action,
        i: usize,
        case: Case,
    ) -> Result<Effects, Problem> {
        let (lang, today, actor) = (self.lang, self.ctx.today, self.ctx.actor.clone());
        let form = match action {
            Action::Visit => Form::visit(&case, lang, today, &actor),
            Action::Pair => Form::pair(&case, lang, today),
            Action::AddTask => Form::add_task(&case, lang, &actor),
            Action::FinishTask => Form::finish_task(&case, lang, today)
                .ok_or_else(|| Problem::Say(self.t(Text::MsgNoOpenTask)))?,
            Action::Reopen => Form::reopen(&case, lang)
                .ok_or_else(|| Problem::Say(self.t(Text::MsgFirstStage)))?,
            Action::Edit => Form::edit(&case, lang),
            Action::Void => Form::void(&case, lang, today),
            Action::Adjust => {
                if case.stage == Stage::Accepted {
                    return Err(Problem::Say(i18n::refusal(
                        lang,
                        &domain::Refusal::AlreadyAccepted,
                    )));
                }
                Form::adjust(&case, lang, today, false)
            }
            Action::Accept => {
                let refusal = match case.stage {
                    Stage::CadresAdjusted => None,
                    Stage::Accepted => Some(domain::Refusal::AlreadyAccepted),
                    stage => Some(domain::Refusal::NotReadyForAcceptance { stage }),
                };
                if let Some(r) = refusal {
                    return Err(Problem::Say(i18n::refusal(lang, &r)));
                }
                Form::accept(&case, lang, today, &actor)
            }
            Action::Advance => match self.start_advance(i, &case)? {
                Some(form) => form,
                None => return Ok(Vec::new()),
            },
            _ => return Ok(Vec::new()),
        };
        self.message = None;
        self.overlays
            .push(Overlay::Form(Box::new(form), Box::new(case)));
        Ok(Vec::new())
    }

    /// `a`: when the next stage's guard already holds, confirm and move; otherwise the form
    /// that records what the next stage needs.
    fn start_advance(&mut self, i: usize, case: &Case) -> Result<Option<Form>, Problem> {
        let (lang, today) = (self.lang, self.ctx.today);
        let Some(to) = case.stage.next() else {
            return Err(Problem::Say(i18n::refusal(
                lang,
                &domain::Refusal::AlreadyAccepted,
            )));
        };
        match domain::guard(case, to) {
            Ok(()) => {
                self.overlays.push(Overlay::Confirm(Confirm {
                    message: i18n::msg::confirm_advance(
                        lang,
                        &case.village,
                        case.stage.label(lang),
                        to.label(lang),
                    ),
                    pending: Pending::Advance(i),
                }));
                Ok(None)
            }
            Err(r @ domain::Refusal::TasksOpen { .. }) => {
                Err(Problem::Say(i18n::refusal(lang, &r)))
            }
            Err(_) => Ok(Some(match case.stage {
                Stage::Identified => Form::pair(case, lang, today),
                Stage::Paired => Form::adjust(case, lang, today, true),
                _ => Form::accept(case, lang, today, &self.ctx.actor),
            })),
        }
    }

    /// `n`: the new-case form, with the county and township of the case selected and the
    /// id after the last of its series.
    pub(super) fn start_new_case(&mut self) {
        let today = self.ctx.today;
        let near = self.selected_case();
        let id = near
            .map(|s| next_id(&self.summaries, s.id(), today.year()))
            .unwrap_or_default();
        let (county, township) = near
            .map(|s| (s.county().to_string(), s.township().to_string()))
            .unwrap_or_default();
        let form = Form::new_case(self.lang, today, &id, &county, &township);
        self.message = None;
        self.overlays.push(Overlay::Form(
            Box::new(form),
            Box::new(super::form::draft(today)),
        ));
    }

    /// `U` in the list, once the voided cases are read: the unvoid form, offering them
    /// (the case voided last here first).
    pub(super) fn start_unvoid(&mut self, voided: &[crate::ledger::VoidedCase]) {
        let id = self.last_voided.clone().unwrap_or_default();
        let form = Form::unvoid(self.lang, self.ctx.today, voided, &id);
        self.open_form(form);
    }

    /// `T`: the talk form, on the township of the dashboard row selected, or of the case
    /// open or selected (and about that case).
    pub(super) fn start_talk(&mut self) {
        let (lang, today) = (self.lang, self.ctx.today);
        let on_dashboard = self.dashboard().map(|board| {
            let f = board.filter().unwrap_or_default();
            (f.county.unwrap_or_default(), f.township.unwrap_or_default())
        });
        let form = match on_dashboard {
            Some((county, township)) => Form::talk(lang, today, &county, &township, ""),
            None => {
                let (county, township, id) = self
                    .selected_case()
                    .map(|s| (s.county(), s.township(), s.id()))
                    .unwrap_or_default();
                Form::talk(lang, today, county, township, id)
            }
        };
        self.open_form(form);
    }

    /// Opens a form of no case (it opens on the empty case of today).
    fn open_form(&mut self, form: Form) {
        self.message = None;
        self.overlays.push(Overlay::Form(
            Box::new(form),
            Box::new(super::form::draft(self.ctx.today)),
        ));
    }

    /// How the status bar names `action` of the list: its name and the key it is on.
    pub(super) fn action_hint(&self, action: Action) -> String {
        let name = action.short(self.lang);
        match self
            .keymap
            .keys_for(super::keymap::Mode::List, action)
            .first()
        {
            Some(key) => i18n::msg::action_key(self.lang, name, key),
            None => format!("“{name}”"),
        }
    }

    /// The unvoid form confirmed: an id is named, and it is none of the cases on the list
    /// (those are not voided).
    fn check_unvoid(&self, form: &Form) -> Result<(), Problem> {
        let lang = self.lang;
        let id = form.unvoid_id();
        let on_list = self
            .summaries
            .iter()
            .any(|s| s.id().eq_ignore_ascii_case(id));
        let refusal = match id.is_empty() {
            true => Some(domain::Refusal::Empty {
                field: domain::Field::Id,
            }),
            false => on_list.then_some(domain::Refusal::NotVoided),
        };
        match refusal {
            Some(r) => Err(Problem::InForm {
                message: i18n::refusal_on(lang, i18n::Surface::Screen, &r),
                field: Some(Slot::Data(domain::Field::Id)),
            }),
            None => Ok(()),
        }
    }

    /// The talk form's event, checked by the domain as the ledger will check it.
    fn talk_of(&self, form: &Form) -> Result<domain::AccountabilityEvent, Problem> {
        let event = form.talk_event(self.lang).map_err(|e| Problem::InForm {
            message: e.message,
            field: Some(e.slot),
        })?;
        domain::check_accountability(&event, self.ctx.today).map_err(|r| Problem::InForm {
            message: i18n::refusal_on(self.lang, i18n::Surface::Screen, &r),
            field: r.field().map(Slot::Data),
        })
    }

    /// The new-case form confirmed: the case it describes, checked as the store will check
    /// it (the domain's refusals, and an id already taken), then opened.
    fn submit_new_case(&self, form: &Form) -> Result<Effects, Problem> {
        let (lang, today, policy) = (self.lang, self.ctx.today, &self.ctx.policy);
        let in_form = |r: domain::Refusal| Problem::InForm {
            message: i18n::refusal(lang, &r),
            field: r.field().map(Slot::Data),
        };
        let (base, edit) = form
            .new_case_parts(lang, today)
            .map_err(|e| Problem::InForm {
                message: e.message,
                field: Some(e.slot),
            })?;
        let (case, _) =
            domain::apply(&base, &domain::Command::Edit(edit), today, policy).map_err(in_form)?;
        domain::check_case(&case, policy).map_err(in_form)?;
        // ids are unique without regard to letter case
        if self
            .summaries
            .iter()
            .any(|s| s.id().eq_ignore_ascii_case(&case.id))
        {
            return Err(Problem::InForm {
                message: crate::ledger::StoreError::Duplicate(case.id.clone()).message(lang),
                field: Some(Slot::Data(domain::Field::Id)),
            });
        }
        Ok(vec![Effect::Open {
            case: Box::new(case),
        }])
    }

    /// A new case was opened: the form closes, the summaries are read again and the case
    /// opens.
    pub(super) fn opened(&mut self, id: String) -> Effects {
        self.close_form();
        vec![
            Effect::ReloadAll,
            Effect::Load {
                id,
                history: true,
                then: Then::Created,
            },
        ]
    }

    /// Ctrl-S: check the values and the guard on a copy first, so a refusal shows in place
    /// before anything is asked or written; stage moves are confirmed first.
    pub(super) fn submit_form(&mut self) -> Result<Effects, Problem> {
        let (Some(form), Some(before)) = (self.form(), self.form_case()) else {
            return Ok(Vec::new());
        };
        let lang = self.lang;
        let confirm = match form.kind {
            FormKind::NewCase => return self.submit_new_case(form),
            FormKind::Unvoid => {
                self.check_unvoid(form)?;
                form.commands(lang).map_err(|e| Problem::InForm {
                    message: e.message,
                    field: Some(e.slot),
                })?;
                Some(i18n::msg::confirm_unvoid(lang, form.unvoid_id()))
            }
            FormKind::Talk => {
                let e = self.talk_of(form)?;
                Some(i18n::msg::confirm_talk(
                    lang,
                    e.kind.label(lang),
                    &e.person,
                    &e.township,
                ))
            }
            _ => None,
        };
        if let Some(message) = confirm {
            self.overlays.push(Overlay::Confirm(Confirm {
                message,
                pending: Pending::SubmitForm,
            }));
            return Ok(Vec::new());
        }
        let cmds = form.commands(self.lang).map_err(|e| Problem::InForm {
            message: e.message,
            field: Some(e.slot),
        })?;
        let mut after = before.clone();
        for cmd in &cmds {
            let (c, _) =
                domain::apply(&after, cmd, self.ctx.today, &self.ctx.policy).map_err(|r| {
                    Problem::InForm {
                        message: i18n::refusal(self.lang, &r),
                        field: r.field().map(Slot::Data),
                    }
                })?;
            after = c;
        }
        let needs_confirm = form.moves_stage
            || matches!(
                form.kind,
                FormKind::Accept | FormKind::Reopen | FormKind::Void
            );
        if !needs_confirm {
            return self.run_form();
        }
        let mut message = if form.kind == FormKind::Void {
            let unvoid = self.action_hint(Action::Unvoid);
            i18n::msg::confirm_void(lang, &before.id, &before.village, unvoid)
        } else if after.stage != before.stage {
            i18n::msg::confirm_advance(
                lang,
                &before.village,
                before.stage.label(lang),
                after.stage.label(lang),
            )
        } else {
            i18n::msg::confirm_record(lang, &before.village, i18n::t(lang, form.kind.title()))
        };
        if form.kind == FormKind::Accept {
            if let Some(a) = after.acceptance.last() {
                let mut verdict = i18n::msg::verdict_is(lang, a.verdict.label(lang));
                if a.verdict != domain::Verdict::Pass {
                    // a basic pass or a fail moves the deadline: say to when
                    verdict.push_str(&i18n::msg::deadline_becomes(
                        lang,
                        after.effective_deadline(),
                    ));
                } else if after.stage != Stage::Accepted {
                    // a pass that cannot close the case yet says why (open plan tasks)
                    if let Err(r) = domain::guard(&after, Stage::Accepted) {
                        verdict.push_str(&i18n::msg::not_closed(lang, i18n::refusal(lang, &r)));
                    }
                }
                message = format!("{verdict} {message}");
            }
        }
        self.overlays.push(Overlay::Confirm(Confirm {
            message,
            pending: Pending::SubmitForm,
        }));
        Ok(Vec::new())
    }

    /// The open form's commands, asked of the ledger as one atomic change.
    pub(super) fn run_form(&mut self) -> Result<Effects, Problem> {
        let (Some(form), Some(before)) = (self.form(), self.form_case()) else {
            return Ok(Vec::new());
        };
        if form.kind == FormKind::Talk {
            let event = self.talk_of(form)?;
            return Ok(vec![Effect::Talk(Box::new(event))]);
        }
        let commands = form.commands(self.lang).map_err(|e| Problem::InForm {
            message: e.message,
            field: Some(e.slot),
        })?;
        if form.kind == FormKind::Unvoid {
            // a voided case is on no list: it is named by its id, as it is now
            return Ok(vec![Effect::Execute {
                id: form.unvoid_id().to_string(),
                commands,
                expected: None,
                then: Then::Unvoided,
            }]);
        }
        let then = match form.kind {
            FormKind::Void => Then::Voided,
            _ => Then::Saved {
                title: self.t(form.kind.title()),
                from: before.stage,
            },
        };
        Ok(vec![Effect::Execute {
            id: form.case_id.clone(),
            commands,
            expected: Some(crate::ledger::case_version(before)),
            then,
        }])
    }

    /// A voided case is back: the form closes, the list is read again (it is on it once
    /// more) and the case opens, saying so.
    pub(super) fn unvoided(&mut self, case: Case) -> Effects {
        self.close_form();
        if self
            .last_voided
            .as_deref()
            .is_some_and(|id| id.eq_ignore_ascii_case(&case.id))
        {
            self.last_voided = None;
        }
        vec![
            Effect::ReloadAll,
            Effect::Load {
                id: case.id,
                history: true,
                then: Then::Unvoided,
            },
        ]
    }

    /// A talk was recorded: the form closes, the status bar says what, and the dashboard
    /// (which lists the talks) counts again.
    pub(super) fn talked(&mut self, event: crate::ledger::Event) -> Effects {
        self.close_form();
        let lang = self.lang;
        self.say(i18n::msg::talk_recorded(
            lang,
            i18n::history_detail(lang, event.change.kind, &event.change.detail),
        ));
        self.dashboard_stats = None;
        match self.dashboard() {
            Some(_) => vec![Effect::Count],
            None => Vec::new(),
        }
    }

    /// A change went through: the case's summary, due status and search keys are brought
    /// up to date, the form closes, and the status bar says what was done. The open detail
    /// reads its history again.
    pub(super) fn executed(
        &mut self,
        id: &str,
        case: Case,
        then: Then,
    ) -> Result<Effects, Problem> {
        let Some(i) = self.position(id) else {
            return Ok(Vec::new());
        };
        let stage = case.stage;
        let village = case.village.clone();
        let reread = self.put_case(i, case);
        match then {
            Then::Saved { title, from } => {
                self.close_form();
                let mut msg = i18n::msg::msg_saved(self.lang, &title, id);
                if stage != from {
                    msg.push_str(&i18n::msg::msg_now_at(self.lang, stage.label(self.lang)));
                }
                self.say(msg);
            }
            Then::Advanced => self.say(i18n::msg::msg_advanced(
                self.lang,
                &village,
                stage.label(self.lang),
            )),
            Then::Voided => {
                self.close_form();
                self.last_voided = Some(id.to_string());
                let unvoid = self.action_hint(Action::Unvoid);
                self.say(i18n::msg::msg_voided(self.lang, id, &village, unvoid));
            }
            _ => {}
        }
        Ok(reread)
    }

    /// Puts a case as the ledger now has it in place of summary `i`, refreshing the rows
    /// when its place in them may have changed. Returns the read of its history when its
    /// detail is open.
    fn put_case(&mut self, i: usize, case: Case) -> Effects {
        // a voided case leaves the list and every count: the list is read anew
        if case.voided.is_some() {
            return vec![Effect::ReloadAll];
        }
        let summary = Summary::of(&case);
        let Some(old_summary) = self.summaries.get(i).cloned() else {
            return Vec::new();
        };
        let old_due = self.due.get(i).copied();
        let new_due = due_status_of(&summary.due, self.ctx.today, &self.ctx.policy);
        if let Some(d) = self.due.get_mut(i) {
            *d = new_due;
        }
        // Copies the list only if the index is still being built from it.
        if let Some(s) = Arc::make_mut(&mut self.summaries).get_mut(i) {
            *s = summary.clone();
        }
        self.dashboard_stats = None;
        match self.index.as_mut() {
            Some(ix) => ix.update(i, &summary),
            None => self.changed_before_index.push(i),
        }
        let mut effects = Vec::new();
        if let Some(d) = self.detail_mut().filter(|d| d.case == i) {
            d.full = case.clone();
            effects.push(Effect::Load {
                id: case.id.clone(),
                history: true,
                then: Then::ShowHistory,
            });
        }
        // The rows depend on a case's due status, stage and names (sort keys, filters and
        // search keys); a visit or a task often changes none of them, and then the list
        // of a hundred thousand cases need not be sorted again.
        let same_names = Field::ALL
            .iter()
            .all(|f| f.of(&summary) == f.of(&old_summary));
        if Some(new_due) != old_due || summary.stage() != old_summary.stage() || !same_names {
            if !same_names {
                // the remembered hits of the search box may no longer hold
                self.typing = Typing::new();
            }
            self.refresh_rows();
        }
        effects
    }

    /// The open form's change was refused because someone changed the case after the form
    /// opened: the form says who changed what and when, keeps what was typed, and is put on
    /// the case as it is now, so that a second Ctrl-S saves it there knowingly.
    pub(super) fn stale(&mut self, id: &str, e: crate::ledger::Error) -> Effects {
        self.show(Problem::Ledger(e));
        let keep = self.t(Text::StaleKeep);
        if let Some(f) = self.form_mut() {
            if let Some(error) = f.error.as_mut() {
                error.push_str(&keep);
            }
        }
        vec![Effect::Load {
            id: id.to_string(),
            history: false,
            then: Then::Rebase,
        }]
    }

    /// The ledger changed: read again the cases it names (all summaries, when it names a
    /// case this app has not seen).
    pub(super) fn changed(&mut self, notice: Notice) -> Effects {
        if notice.case_ids.iter().all(|id| self.position(id).is_some()) {
            vec![Effect::Refresh(notice.case_ids)]
        } else {
            vec![Effect::ReloadAll]
        }
    }

    /// The server went away (said in the status bar until it is back; a form being typed
    /// stays as it is), or is back: then everything is read again, the open case included,
    /// since anything may have changed meanwhile.
    pub(super) fn link(&mut self, link: Link) -> Effects {
        match link {
            Link::Lost(e) => {
                self.offline = Some(match &e {
                    ledger::Error::Unreachable {
                        detail: ledger::Broken::Closed,
                        ..
                    } => Text::ServerLost.get(self.lang).to_string(),
                    ledger::Error::Unreachable { detail, .. } => {
                        i18n::msg::server_lost(self.lang, detail.message(self.lang))
                    }
                    other => other.message(self.lang),
                });
                Vec::new()
            }
            Link::Back => {
                self.offline = None;
                // a save refused while the server was away may be tried again now
                if let Some(f) = self.form_mut() {
                    f.error = None;
                }
                self.message = Some(Message {
                    text: Text::ServerBack.get(self.lang).to_string(),
                    error: false,
                });
                let open = self
                    .detail()
                    .and_then(|d| self.summaries.get(d.case))
                    .map(|s| s.id().to_string());
                let mut effects = vec![Effect::ReloadAll];
                effects.extend(open.map(|id| Effect::Refresh(vec![id])));
                effects
            }
        }
    }

    pub(super) fn refreshed(&mut self, cases: Vec<Case>) -> Effects {
        let mut effects = Vec::new();
        for case in cases {
            if let Some(i) = self.position(&case.id) {
                effects.extend(self.put_case(i, case));
            }
        }
        effects
    }

    /// Every summary anew (cases were added): the selection stays on the same case, the
    /// open detail on its case, and the search index is rebuilt in the background.
    pub(super) fn reloaded(&mut self, summaries: Vec<Summary>) {
        let open = self
            .detail()
            .and_then(|d| self.summaries.get(d.case))
            .map(|s| s.id().to_string());
        let selected = self.selected_case().map(|s| s.id().to_string());
        self.summaries = Arc::new(summaries);
        self.due = crate::listing::statuses(&self.summaries, self.ctx.today, &self.ctx.policy);
        self.index = None;
        self.changed_before_index.clear();
        self.typing = Typing::new();
        self.dashboard_stats = None;
        self.start_index_job();
        let reopened = open.and_then(|id| self.position(&id));
        match (&mut self.screen, reopened) {
            (Screen::Detail(d), Some(i)) => d.case = i,
            (Screen::Detail(_), None) => self.screen = Screen::List,
            (Screen::Dashboard { back_to, .. }, _) => *back_to = None,
            (Screen::List | Screen::Conflicts(_), _) => {}
        }
        self.rows.clear();
        self.refresh_rows();
        if let Some(pos) = selected
            .and_then(|id| self.position(&id))
            .and_then(|i| self.rows.iter().position(|&r| r == i))
        {
            self.selected = pos;
            self.scroll_into_view();
        }
    }
}

/// The id after the last of `like`'s series: `2017-YG-003` gives the highest `2017-YG-NNN`
/// held plus one, as many digits wide. Empty when `like` is of another year than `year` or
/// does not end in a number, so that nothing wrong is suggested.
fn next_id(summaries: &[Summary], like: &str, year: i32) -> String {
    let Some((series, digits)) = like.rsplit_once('-') else {
        return String::new();
    };
    let numbered = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
    if !numbered || !series.starts_with(&year.to_string()) {
        return String::new();
    }
    let prefix = format!("{series}-");
    let last = summaries
        .iter()
        .filter_map(|s| s.id().strip_prefix(&prefix)?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    format!("{prefix}{:0width$}", last + 1, width = digits.len())
}
