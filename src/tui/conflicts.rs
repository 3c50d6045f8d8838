//! A field copy in the TUI (SPEC §10): the sync key with its progress in the status bar,
//! and the screen of the changes that came back from the server not applied, where each
//! is redone as a new change (its form, filled in with what it asked) or dropped (after a
//! confirmation). Only the user drops a change.

use crate::domain::{Case, Command, Stage};
use crate::i18n::{self, field};
use crate::ledger::field::progress_line;
use crate::ledger::{QueueState, SyncStep};

use super::action::Action;
use super::app::Then;
use super::app::{
    App, Confirm, Conflicts, Effect, Effects, Msg, Overlay, Pending, Problem, Screen,
};
use super::form::{Form, Pick, Prefill, Slot};

impl App {
    /// `S` and `C` on the list or a case: a sync, or the conflicts screen.
    pub(super) fn field_action(&mut self, action: Action) -> Effects {
        match action {
            Action::Sync => {
                self.say(progress_line(
                    self.lang,
                    SyncStep::Sending { done: 0, total: 0 },
                ));
                vec![Effect::Sync]
            }
            Action::Conflicts => vec![Effect::LoadOutbox],
            _ => Vec::new(),
        }
    }

    /// What a sync, the outbox or a drop gave.
    pub(super) fn field_msg(&mut self, msg: Msg) -> Result<Effects, Problem> {
        match msg {
            Msg::Syncing(step) => {
                self.say(progress_line(self.lang, step));
                Ok(Vec::new())
            }
            Msg::Synced(result) => {
                let report = result?;
                self.say(field::sync_done_short(
                    self.lang,
                    report.applied,
                    report.kept,
                    report.taken,
                ));
                let mut effects = vec![Effect::ReloadAll];
                // what came back not applied is shown at once
                if report.kept > 0 || matches!(self.screen, Screen::Conflicts(_)) {
                    effects.push(Effect::LoadOutbox);
                }
                Ok(effects)
            }
            Msg::Outbox(queued) => {
                let items: Vec<_> = queued
                    .into_iter()
                    .filter(|q| q.state != QueueState::Waiting)
                    .collect();
                let selected = match &self.screen {
                    Screen::Conflicts(c) => c.selected.min(items.len().saturating_sub(1)),
                    _ => 0,
                };
                self.screen = Screen::Conflicts(Conflicts { items, selected });
                Ok(Vec::new())
            }
            Msg::Dropped(q) => {
                self.say(field::dropped(self.lang, q.number, &q.change.case_id));
                Ok(vec![Effect::LoadOutbox])
            }
            _ => Ok(Vec::new()),
        }
    }

    /// The conflicts screen's keys.
    pub(super) fn update_conflicts(&mut self, action: Action) -> Result<Effects, Problem> {
        let lang = self.lang;
        let Screen::Conflicts(c) = &mut self.screen else {
            return Ok(Vec::new());
        };
        match action {
            Action::Down => c.selected = (c.selected + 1).min(c.items.len().saturating_sub(1)),
            Action::Up => c.selected = c.selected.saturating_sub(1),
            Action::Open => {
                if let Some(q) = c.items.get(c.selected) {
                    return Ok(vec![Effect::Load {
                        id: q.change.case_id.clone(),
                        history: false,
                        then: Then::Redo,
                    }]);
                }
            }
            Action::DropQueued => {
                if let Some(q) = c.items.get(c.selected) {
                    let message = field::drop_confirm(lang, q.number, &q.change.case_id);
                    let pending = Pending::DropQueued(q.number);
                    self.overlays
                        .push(Overlay::Confirm(Confirm { message, pending }));
                }
            }
            Action::Sync | Action::Conflicts => return Ok(self.field_action(action)),
            Action::Back => {
                self.screen = Screen::List;
                self.message = None;
            }
            Action::Quit => self.quit = true,
            _ => {}
        }
        Ok(Vec::new())
    }

    /// The selected conflict redone on case `i` as it is now: the form of its kind, filled
    /// in with what it asked (an advance: the advance as `a` starts it).
    pub(super) fn redo(&mut self, i: usize, case: Case) -> Result<Effects, Problem> {
        let Screen::Conflicts(c) = &self.screen else {
            return Ok(Vec::new());
        };
        let Some(q) = c.items.get(c.selected) else {
            return Ok(Vec::new());
        };
        let commands = q.change.commands.clone();
        let (lang, today, actor) = (self.lang, self.ctx.today, self.ctx.actor.clone());
        let date = |d: chrono::NaiveDate| Prefill::Text(d.format("%Y-%m-%d").to_string());
        let text = |s: &str| Prefill::Text(s.to_string());
        let advances = commands
            .iter()
            .any(|c| matches!(c, Command::Advance { .. }));
        let first = commands.first().cloned();
        let (mut form, fills): (Form, Vec<(Slot, Prefill)>) = match first {
            Some(Command::LogVisit(v)) => (
                Form::visit(&case, lang, today, &actor),
                vec![
                    (
                        Slot::from(crate::domain::Field::Findings),
                        text(&v.findings),
                    ),
                    (
                        crate::domain::Field::Kind.into(),
                        Prefill::Pick(Pick::Kind(v.kind)),
                    ),
                    (crate::domain::Field::On.into(), date(v.on)),
                ],
            ),
            Some(Command::AddTask(t)) => (
                Form::add_task(&case, lang, &actor),
                vec![
                    (crate::domain::Field::Measure.into(), text(&t.measure)),
                    (
                        crate::domain::Field::Responsible.into(),
                        text(&t.responsible),
                    ),
                    (crate::domain::Field::Due.into(), date(t.due)),
                ],
            ),
            Some(Command::FinishTask { number, on }) => (
                Form::finish_task(&case, lang, today)
                    .ok_or_else(|| Problem::Say(self.t(i18n::Text::MsgNoOpenTask)))?,
                vec![
                    (
                        crate::domain::Field::Task.into(),
                        Prefill::Pick(Pick::Task(number)),
                    ),
                    (crate::domain::Field::DoneOn.into(), date(on)),
                ],
            ),
            Some(Command::Pair {
                county_leader,
                township_leader,
                first_secretary,
                first_secretary_unit,
                assisting_unit,
                on,
                ..
            }) => {
                let mut fills = Vec::new();
                for (f, v) in [
                    (crate::domain::Field::CountyLeader, county_leader),
                    (crate::domain::Field::TownshipLeader, township_leader),
                    (crate::domain::Field::FirstSecretary, first_secretary),
                    (
                        crate::domain::Field::FirstSecretaryUnit,
                        first_secretary_unit,
                    ),
                    (crate::domain::Field::AssistingUnit, assisting_unit),
                ] {
                    if let Some(v) = v {
                        fills.push((f.into(), Prefill::Text(v)));
                    }
                }
                if let Some(on) = on {
                    fills.push((crate::domain::Field::PairedOn.into(), date(on)));
                }
                (Form::pair(&case, lang, today), fills)
            }
            Some(Command::Adjust(a)) => (
                Form::adjust(&case, lang, today, advances && case.stage == Stage::Paired),
                vec![
                    (Slot::Record, Prefill::Pick(Pick::Adjusted(true))),
                    (crate::domain::Field::Name.into(), text(&a.name)),
                    (
                        crate::domain::Field::Post.into(),
                        Prefill::Pick(Pick::Post(a.post)),
                    ),
                    (
                        crate::domain::Field::Reason.into(),
                        Prefill::Pick(Pick::Reason(a.reason)),
                    ),
                    (
                        crate::domain::Field::Action.into(),
                        Prefill::Pick(Pick::Action(a.action)),
                    ),
                    (
                        crate::domain::Field::Replacement.into(),
                        text(a.replacement.as_deref().unwrap_or("")),
                    ),
                    (
                        crate::domain::Field::ReplacementSource.into(),
                        Prefill::Pick(Pick::Source(a.replacement_source)),
                    ),
                    (crate::domain::Field::On.into(), date(a.on)),
                ],
            ),
            Some(Command::NoAdjustment { reason }) => (
                Form::adjust(&case, lang, today, advances && case.stage == Stage::Paired),
                vec![
                    (Slot::Record, Prefill::Pick(Pick::Adjusted(false))),
                    (
                        crate::domain::Field::NoAdjustmentReason.into(),
                        text(&reason),
                    ),
                ],
            ),
            Some(Command::Accept {
                on,
                by,
                score,
                poll_n,
                dissatisfied,
                standards,
                new_deadline,
            }) => {
                let mut fills = vec![
                    (crate::domain::Field::On.into(), date(on)),
                    (crate::domain::Field::By.into(), text(&by)),
                    (crate::domain::Field::Score.into(), text(&score.to_string())),
                    (
                        crate::domain::Field::PollN.into(),
                        text(&poll_n.to_string()),
                    ),
                    (
                        crate::domain::Field::PollDissatisfied.into(),
                        text(&dissatisfied.to_string()),
                    ),
                ];
                for (s, met) in crate::domain::Standard::ALL.iter().zip(standards) {
                    fills.push((Slot::Standard(*s), Prefill::Pick(Pick::Met(met))));
                }
                if let Some(d) = new_deadline {
                    fills.push((crate::domain::Field::NewDeadline.into(), date(d)));
                }
                (Form::accept(&case, lang, today, &actor), fills)
            }
            Some(Command::Reopen { to, reason, .. }) => (
                Form::reopen(&case, lang)
                    .ok_or_else(|| Problem::Say(self.t(i18n::Text::MsgFirstStage)))?,
                vec![
                    (
                        crate::domain::Field::Stage.into(),
                        Prefill::Pick(Pick::Stage(to)),
                    ),
                    (crate::domain::Field::Reason.into(), text(&reason)),
                ],
            ),
            Some(Command::Advance { .. }) => return self.start(Action::Advance, i, case),
            _ => return Err(Problem::Say(field::cannot_redo(lang))),
        };
        for (slot, value) in fills {
            form.prefill(slot, value);
        }
        self.message = None;
        self.overlays
            .push(Overlay::Form(Box::new(form), Box::new(case)));
        Ok(Vec::new())
    }
}
