//! Every change to a case, from the TUI: the forms' commands are checked on a copy of the
//! case first (so a refusal shows in place before anything is asked or written), confirmed
//! when they move the case to another stage, and then run through `Store::execute` — the
//! same path as the command line — one durable batch each.

use std::sync::Arc;

use crate::domain::{self, due_status_of, Case, Command, Stage, Summary};
use crate::i18n;
use crate::search::{Field, Typing};
use crate::store::StoreError;

use super::action::Action;
use super::app::{App, Confirm, Pending};
use super::form::{Form, FormKind};

impl App {
    /// The actions on one case, from the list or the detail.
    pub(super) fn case_action(&mut self, action: Action) {
        let Some(i) = self.current() else {
            if matches!(
                action,
                Action::Advance
                    | Action::Visit
                    | Action::AddTask
                    | Action::FinishTask
                    | Action::Reopen
                    | Action::Pair
            ) {
                self.warn(self.t("tui.msg.no_case"));
            }
            return;
        };
        let Some(full) = self.load(i) else {
            return;
        };
        let case = &full;
        let (lang, today, actor) = (self.lang, self.ctx.today, self.ctx.actor.clone());
        let form = match action {
            Action::Visit => Some(Form::visit(case, lang, today, &actor)),
            Action::Pair => Some(Form::pair(case, lang, today)),
            Action::AddTask => Some(Form::add_task(case, lang, &actor)),
            Action::FinishTask => {
                let f = Form::finish_task(case, lang, today);
                if f.is_none() {
                    self.warn(self.t("tui.msg.no_open_task"));
                }
                f
            }
            Action::Reopen => {
                let f = Form::reopen(case, lang);
                if f.is_none() {
                    self.warn(self.t("tui.msg.first_stage"));
                }
                f
            }
            Action::Advance => self.start_advance(i, case),
            _ => None,
        };
        if form.is_some() {
            self.message = None;
            self.form = form;
        }
    }

    /// `a`: when the next stage's guard already holds, confirm and move; otherwise open
    /// the form that records what the next stage needs.
    fn start_advance(&mut self, i: usize, case: &Case) -> Option<Form> {
        let (lang, today) = (self.lang, self.ctx.today);
        let Some(to) = case.stage.next() else {
            self.warn(i18n::refusal(lang, &domain::Refusal::AlreadyAccepted));
            return None;
        };
        match domain::guard(case, to) {
            Ok(()) => {
                self.confirm = Some(Confirm {
                    message: i18n::tf(
                        lang,
                        "tui.confirm.advance",
                        &[&case.village, case.stage.label(lang), to.label(lang)],
                    ),
                    pending: Pending::Advance(i),
                });
                None
            }
            Err(domain::Refusal::TasksOpen { numbers }) => {
                self.warn(i18n::refusal(lang, &domain::Refusal::TasksOpen { numbers }));
                None
            }
            Err(_) => Some(match case.stage {
                Stage::Identified => Form::pair(case, lang, today),
                Stage::Paired => Form::adjust(case, lang, today),
                _ => Form::accept(case, lang, today, &self.ctx.actor),
            }),
        }
    }

    /// Ctrl-S: check the values and the guard on a copy first, so a refusal shows in place
    /// before anything is asked or written; stage moves are confirmed first.
    pub(super) fn submit_form(&mut self) {
        let Some(form) = self.form.as_ref() else {
            return;
        };
        let Some(i) = self.position(&form.case_id) else {
            return;
        };
        let cmds = match form.commands(self.lang) {
            Ok(c) => c,
            Err(e) => {
                self.set_form_error(e.message, Some(&e.field));
                return;
            }
        };
        let Some(before) = self.load(i) else {
            return;
        };
        let Some(form) = self.form.as_ref() else {
            return;
        };
        let mut after = before.clone();
        for cmd in &cmds {
            match domain::apply(&after, cmd, self.ctx.today, &self.ctx.policy) {
                Ok((c, _)) => after = c,
                Err(r) => {
                    let msg = i18n::refusal(self.lang, &r);
                    self.set_form_error(msg, r.field());
                    return;
                }
            }
        }
        let needs_confirm =
            form.moves_stage || form.kind == FormKind::Accept || form.kind == FormKind::Reopen;
        if !needs_confirm {
            self.run_form();
            return;
        }
        let lang = self.lang;
        let mut message = if after.stage != before.stage {
            i18n::tf(
                lang,
                "tui.confirm.advance",
                &[
                    &before.village,
                    before.stage.label(lang),
                    after.stage.label(lang),
                ],
            )
        } else {
            i18n::tf(
                lang,
                "tui.confirm.record",
                &[&before.village, i18n::t(lang, form.kind.title_key())],
            )
        };
        if form.kind == FormKind::Accept {
            if let Some(a) = after.acceptance.last() {
                let mut verdict = i18n::tf(lang, "tui.verdict_is", &[a.verdict.label(lang)]);
                // a pass that cannot close the case yet says why (open plan tasks)
                if after.stage != Stage::Accepted {
                    if let Err(r) = domain::guard(&after, Stage::Accepted) {
                        verdict.push_str(&i18n::tf(
                            lang,
                            "tui.not_closed",
                            &[&i18n::refusal(lang, &r)],
                        ));
                    }
                }
                message = format!("{verdict} {message}");
            }
        }
        self.confirm = Some(Confirm {
            message,
            pending: Pending::SubmitForm,
        });
    }

    /// Shows what is wrong in the form, with the cursor on the field it is about.
    fn set_form_error(&mut self, e: String, field: Option<&str>) {
        if let Some(f) = self.form.as_mut() {
            f.error = Some(e);
            if let Some(name) = field {
                f.focus_on(name);
            }
        }
    }

    pub(super) fn run_form(&mut self) {
        let Some(form) = self.form.as_ref() else {
            return;
        };
        let cmds = match form.commands(self.lang) {
            Ok(c) => c,
            Err(e) => {
                self.set_form_error(e.message, Some(&e.field));
                return;
            }
        };
        let id = form.case_id.clone();
        let title = self.t(form.kind.title_key());
        let before = self.summary(&id).map(|s| s.stage());
        if self.execute(&id, &cmds) {
            self.form = None;
            let mut msg = i18n::tf(self.lang, "tui.msg.saved", &[&title, &id]);
            if let Some(now) = self
                .summary(&id)
                .map(|s| s.stage())
                .filter(|s| Some(*s) != before)
            {
                msg.push_str(&i18n::tf(
                    self.lang,
                    "tui.msg.now_at",
                    &[now.label(self.lang)],
                ));
            }
            self.say(msg);
        }
    }

    /// Runs commands through the store, one durable batch each, and updates the view of
    /// the case. Returns whether all of them went through; a refusal lands in the open form
    /// (or the status bar), with the form kept as typed.
    pub(super) fn execute(&mut self, id: &str, cmds: &[Command]) -> bool {
        let Some(i) = self.position(id) else {
            return false;
        };
        let mut ok = true;
        let (old_due, old_summary) = (self.due[i], self.summaries[i].clone());
        for cmd in cmds {
            match self.store.execute(id, cmd, &self.ctx) {
                Ok((case, _)) => {
                    let summary = Summary::of(&case);
                    self.due[i] = due_status_of(&summary.due, self.ctx.today, &self.ctx.policy);
                    // Copies the list only if the index is still being built from it.
                    Arc::make_mut(&mut self.summaries)[i] = summary;
                    self.dashboard_stats = None;
                    match self.index.as_mut() {
                        Some(ix) => ix.update(i, &self.summaries[i]),
                        None => self.changed_before_index.push(i),
                    }
                    if let Some(d) = self.detail.as_mut().filter(|d| d.case == i) {
                        d.full = case;
                    }
                }
                Err(e) => {
                    let msg = i18n::store_error(self.lang, &e);
                    if self.form.is_some() {
                        let field = match &e {
                            StoreError::Refused { refusal, .. } => refusal.field(),
                            _ => None,
                        };
                        self.set_form_error(msg, field);
                    } else {
                        self.warn(msg);
                    }
                    ok = false;
                    break;
                }
            }
        }
        if ok && cmds == [Command::Advance] {
            let c = &self.summaries[i];
            self.say(i18n::tf(
                self.lang,
                "tui.msg.advanced",
                &[c.village(), c.stage().label(self.lang)],
            ));
        }
        if let Some(d) = self.detail.as_mut().filter(|d| d.case == i) {
            d.history = self.store.history(id).unwrap_or_default();
        }
        // The rows depend on a case's due status, stage and names (sort keys, filters and
        // search keys); a visit or a task often changes none of them, and then the list
        // of a hundred thousand cases need not be sorted again.
        let new = &self.summaries[i];
        let same_names = Field::ALL.iter().all(|f| f.of(new) == f.of(&old_summary));
        if self.due[i] != old_due || new.stage() != old_summary.stage() || !same_names {
            if !same_names {
                // the remembered hits of the search box may no longer hold
                self.typing = Typing::new();
            }
            self.refresh_rows();
        }
        ok
    }
}
