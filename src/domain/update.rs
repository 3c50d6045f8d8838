//! A revised ledger brought into the ledger (`import --update`): what a clerk would type to
//! turn a case as recorded into the case as the revised file has it, as [`Command`]s for the
//! one domain path, in the order a clerk would type them (corrections, pairing, plan tasks,
//! visits, adjustments, stage moves, acceptance attempts).
//!
//! An update adds and corrects; it never removes what is recorded: a blank cell, or a visit,
//! task or adjustment the file does not list, leaves the record as it is. It moves a case
//! forward only, through the guards; a backward move is refused (that is a `reopen`, with
//! its reason).

use serde::{Deserialize, Serialize};

use super::case::{Case, Pairing, Profile};
use super::codes::{Stage, Verdict};
use super::machine::{Command, Edit, ProfileEdit, Refusal};

/// What an update does to one case: the commands, then — through the guards, one
/// `advance` at a time — the stage the file has the case at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Update {
    pub commands: Vec<Command>,
    pub to: Stage,
}

impl Update {
    /// Whether the update changes nothing of the case as recorded.
    pub fn is_nothing(&self, recorded: &Case) -> bool {
        self.commands.is_empty() && self.to <= recorded.stage
    }
}

/// The commands that turn `old` (as recorded) into `new` (as the file has it): none when
/// the file says nothing new, or why the file's case cannot be reached from the recorded
/// one by moving forward.
pub fn commands_between(old: &Case, new: &Case) -> Result<Update, Refusal> {
    if new.year != old.year {
        return Err(Refusal::YearChanged {
            recorded: old.year,
            file: new.year,
        });
    }
    if new.stage < old.stage {
        return Err(Refusal::Backwards {
            from: old.stage,
            to: new.stage,
        });
    }
    let mut out = Vec::new();
    if let Some(edit) = edit_between(old, new) {
        out.push(Command::Edit(edit));
    }
    if let Some(pair) = pair_between(old.pairing.as_ref(), new.pairing.as_ref()) {
        // Pairing a case at 排查认定 moves it to 领导包联: only when the file says so.
        if old.stage == Stage::Identified && new.stage == Stage::Identified {
            return Err(Refusal::PairingWouldAdvance);
        }
        out.push(pair);
    }
    // plan tasks, matched by their measure: new ones added, then those the file has done
    let mut tasks = old.tasks.clone();
    for t in &new.tasks {
        if !tasks.iter().any(|o| o.measure == t.measure) {
            out.push(Command::AddTask(super::case::Task {
                done_on: None,
                ..t.clone()
            }));
            tasks.push(super::case::Task {
                done_on: None,
                ..t.clone()
            });
        }
    }
    for t in &new.tasks {
        let Some(on) = t.done_on else { continue };
        if let Some((i, _)) = tasks
            .iter()
            .enumerate()
            .find(|(_, o)| o.measure == t.measure && o.done_on.is_none())
        {
            out.push(Command::FinishTask { number: i + 1, on });
            if let Some(o) = tasks.get_mut(i) {
                o.done_on = Some(on);
            }
        }
    }
    for v in &new.visits {
        if !old.visits.contains(v) {
            out.push(Command::LogVisit(v.clone()));
        }
    }
    for a in &new.adjustments {
        if !old.adjustments.contains(a) {
            out.push(Command::Adjust(a.clone()));
        }
    }
    let reason = |c: &Case| {
        c.no_adjustment_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string)
    };
    if let Some(r) = reason(new).filter(|r| reason(old).as_ref() != Some(r)) {
        // a flat ledger's row past 班子调整 says only that the adjustments are elsewhere:
        // a case that has them recorded needs no such reason
        if old.adjustments.is_empty() || new.adjustments.len() > old.adjustments.len() {
            out.push(Command::NoAdjustment { reason: r });
        }
    }
    // the acceptance attempts the record lacks (a pass closes the case); the stage moves
    // the file asks for beyond them are the store's, one `advance` at a time
    let mut stage = old.stage;
    let before_acceptance = new.stage.min(Stage::CadresAdjusted);
    if stage == Stage::Identified && out.iter().any(|c| matches!(c, Command::Pair { .. })) {
        stage = Stage::Paired;
    }
    let new_attempts: Vec<_> = new
        .acceptance
        .iter()
        .filter(|a| !old.acceptance.contains(a))
        .collect();
    // acceptance comes at 班子调整: move there first when there are attempts to record
    let before_acceptance = if new_attempts.is_empty() {
        stage
    } else {
        before_acceptance
    };
    while stage < before_acceptance {
        out.push(Command::Advance { from: stage });
        stage = stage.next().unwrap_or(Stage::Accepted);
    }
    for a in new_attempts {
        out.push(Command::Accept {
            on: a.on,
            by: a.by.clone(),
            score: u32::from(a.score),
            poll_n: a.poll_n,
            dissatisfied: a.poll_dissatisfied,
            standards: a.standards,
            new_deadline: (a.verdict == Verdict::Fail)
                .then_some(new.deadline)
                .flatten(),
        });
    }
    Ok(Update {
        commands: out,
        to: new.stage,
    })
}

/// The corrections of the case's own fields: those the file gives and the record differs
/// in (a blank in the file is no correction).
fn edit_between(old: &Case, new: &Case) -> Option<Edit> {
    let text =
        |o: &str, n: &str| (!n.trim().is_empty() && n.trim() != o.trim()).then(|| n.to_string());
    let edit = Edit {
        county: text(&old.county, &new.county),
        township: text(&old.township, &new.township),
        village: text(&old.village, &new.village),
        problems: text(&old.problems, &new.problems),
        deadline: new
            .deadline
            .filter(|d| Some(*d) != old.deadline && stage_keeps(new)),
        situations: (new.situations != old.situations).then(|| new.situations.clone()),
        relapse_of: new
            .relapse_of
            .clone()
            .filter(|r| old.relapse_of.as_ref() != Some(r)),
        profile: profile_between(&old.profile, &new.profile),
    };
    (edit != Edit::default()).then_some(edit)
}

/// A deadline in the file is a correction unless an acceptance attempt it brings sets it.
fn stage_keeps(new: &Case) -> bool {
    !new.acceptance.iter().any(|a| a.verdict != Verdict::Pass)
}

/// The profile fields the file gives that differ from the record.
fn profile_between(old: &Profile, new: &Profile) -> ProfileEdit {
    fn given<T: PartialEq + Copy>(o: Option<T>, n: Option<T>) -> Option<Option<T>> {
        n.filter(|n| Some(*n) != o).map(Some)
    }
    ProfileEdit {
        village_kind: given(old.village_kind, new.village_kind),
        poor_village: given(old.poor_village, new.poor_village),
        households: given(old.households, new.households),
        population: given(old.population, new.population),
        party_members: given(old.party_members, new.party_members),
        secretary_age: given(old.secretary_age, new.secretary_age),
    }
}

/// The pairing fields the file names that differ from the record, as one `pair`.
fn pair_between(old: Option<&Pairing>, new: Option<&Pairing>) -> Option<Command> {
    let new = new?;
    let blank = Pairing::default();
    let old = old.unwrap_or(&blank);
    let text = |o: &str, n: &str| {
        (!n.trim().is_empty() && n.trim() != o.trim()).then(|| n.trim().to_string())
    };
    let on = new.paired_on.filter(|d| Some(*d) != old.paired_on);
    let cmd = Command::Pair {
        county_leader: text(&old.county_leader, &new.county_leader),
        county_leader_account: None,
        township_leader: text(&old.township_leader, &new.township_leader),
        first_secretary: text(&old.first_secretary, &new.first_secretary),
        first_secretary_unit: text(&old.first_secretary_unit, &new.first_secretary_unit),
        assisting_unit: text(&old.assisting_unit, &new.assisting_unit),
        on,
    };
    let nothing = Command::Pair {
        county_leader: None,
        county_leader_account: None,
        township_leader: None,
        first_secretary: None,
        first_secretary_unit: None,
        assisting_unit: None,
        on: None,
    };
    (cmd != nothing).then_some(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{apply, Policy, Situation};
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn identified() -> Case {
        Case::identified(
            "2017-YG-001",
            2017,
            "阳谷县",
            "阿城镇",
            "前进村",
            vec![Situation::SecretaryUnfit],
            d("2017-03-10"),
        )
    }

    fn paired(mut c: Case) -> Case {
        c.stage = Stage::Paired;
        c.pairing = Some(Pairing {
            county_leader: "王建国".into(),
            county_leader_account: None,
            township_leader: "李乡".into(),
            first_secretary: "孙伟".into(),
            first_secretary_unit: "县财政局".into(),
            assisting_unit: String::new(),
            paired_on: Some(d("2017-03-25")),
        });
        c
    }

    fn commands(old: &Case, new: &Case) -> Result<Vec<Command>, Refusal> {
        commands_between(old, new).map(|u| u.commands)
    }

    /// The commands, applied one by one, then advances, reach the file's case (as far as
    /// a file says).
    fn reach(old: &Case, new: &Case) -> Case {
        let mut c = old.clone();
        let Ok(u) = commands_between(old, new) else {
            return c;
        };
        let mut cmds = u.commands.into_iter();
        loop {
            let cmd = match cmds.next() {
                Some(cmd) => cmd,
                None if c.stage < u.to => Command::Advance { from: c.stage },
                None => break,
            };
            match apply(&c, &cmd, d("2017-09-15"), &Policy::default()) {
                Ok((after, _)) => c = after,
                Err(r) => {
                    return Case {
                        problems: format!("{r}"),
                        ..c
                    }
                }
            }
        }
        c
    }

    #[test]
    fn nothing_new_is_no_command() {
        let c = paired(identified());
        assert_eq!(commands(&c, &c), Ok(vec![]));
        // blanks in the file correct nothing
        let mut blank = c.clone();
        blank.problems.clear();
        blank.pairing = None;
        assert_eq!(commands(&c, &blank), Ok(vec![]));
    }

    #[test]
    fn a_pairing_and_a_correction_reach_the_file() {
        let old = identified();
        let mut new = paired(identified());
        new.problems = "书记长期外出".into();
        new.profile.households = Some(320);
        let cmds = commands(&old, &new).unwrap_or_default();
        assert!(matches!(cmds.first(), Some(Command::Edit(_))));
        assert!(matches!(cmds.get(1), Some(Command::Pair { .. })));
        assert_eq!(cmds.len(), 2, "pairing advances: {cmds:?}");
        let got = reach(&old, &new);
        assert_eq!(got.stage, Stage::Paired);
        assert_eq!(got.pairing, new.pairing);
        assert_eq!(got.problems, "书记长期外出");
        assert_eq!(got.profile.households, Some(320));
    }

    #[test]
    fn moves_forward_through_the_guards_and_never_back() {
        let old = paired(identified());
        let mut new = old.clone();
        new.stage = Stage::CadresAdjusted;
        new.no_adjustment_reason = Some("班子健全".into());
        assert_eq!(
            commands_between(&old, &new),
            Ok(Update {
                commands: vec![Command::NoAdjustment {
                    reason: "班子健全".into()
                }],
                to: Stage::CadresAdjusted
            })
        );
        assert_eq!(reach(&old, &new).stage, Stage::CadresAdjusted);
        assert_eq!(
            commands_between(&new, &old),
            Err(Refusal::Backwards {
                from: Stage::CadresAdjusted,
                to: Stage::Paired
            })
        );
        let mut other_year = old.clone();
        other_year.year = 2018;
        assert!(matches!(
            commands_between(&old, &other_year),
            Err(Refusal::YearChanged { .. })
        ));
        // leaders named on a case the file keeps at 排查认定
        assert_eq!(
            commands_between(
                &identified(),
                &Case {
                    stage: Stage::Identified,
                    ..old
                }
            ),
            Err(Refusal::PairingWouldAdvance)
        );
    }

    #[test]
    fn tasks_are_added_and_finished_by_their_measure() {
        let mut old = paired(identified());
        old.tasks.push(crate::domain::Task {
            measure: "选优配强班子".into(),
            responsible: "李乡".into(),
            due: d("2017-06-30"),
            done_on: None,
        });
        let mut new = old.clone();
        new.tasks[0].done_on = Some(d("2017-06-20"));
        new.tasks.push(crate::domain::Task {
            measure: "发展集体经济".into(),
            responsible: "孙伟".into(),
            due: d("2017-11-30"),
            done_on: Some(d("2017-09-01")),
        });
        let cmds = commands(&old, &new).unwrap_or_default();
        assert_eq!(cmds.len(), 3, "{cmds:?}");
        let got = reach(&old, &new);
        assert_eq!(got.tasks, new.tasks);
    }
}
