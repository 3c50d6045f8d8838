//! The state machine of SPEC §3: every change to a case is a [`Command`] applied by
//! [`apply`], which yields the new case and the history [`Change`], or a [`Refusal`] that
//! names what is missing. The CLI and the TUI both come through here.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::case::{
    Acceptance, AccountabilityEvent, Adjustment, Case, Pairing, Profile, Standards, Task, Visit,
    Voided,
};
use super::codes::*;
use super::due::add_months;
use super::field::Field;
use super::policy::Policy;
use super::roster::{Operation, Scope};

/// A change someone asks for. Every date it records is in the command, filled in by whoever
/// made it (the CLI's `--on`, default today; the form's date field): [`apply`] reads
/// "today" only to refuse dates in the future and for the day a stage move is made, so a
/// command kept and applied later (a field copy's sync) records the same dates.
/// Serialisable, so that a client can send it to the county's server as it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Records or updates the 四个一 pairing; from `identified` it also advances to `paired`.
    /// `None` keeps what is recorded (`on`: the pairing date, needed when there is none).
    Pair {
        county_leader: Option<String>,
        /// The county leader's roster account: `Some("")` unlinks it. Left `None`, a
        /// changed county leader is unlinked, and the store links the name when the roster
        /// has exactly one leader of that name ([`super::Roster::resolve_pair`]).
        county_leader_account: Option<String>,
        township_leader: Option<String>,
        first_secretary: Option<String>,
        first_secretary_unit: Option<String>,
        assisting_unit: Option<String>,
        on: Option<NaiveDate>,
    },
    Adjust(Adjustment),
    NoAdjustment {
        reason: String,
    },
    AddTask(Task),
    FinishTask {
        number: usize,
        on: NaiveDate,
    },
    LogVisit(Visit),
    /// Moves the case to the stage after `from`, the stage the person saw it at: a case
    /// that is no longer at `from` (someone moved it meanwhile, or an earlier advance of a
    /// field copy's outbox did) is refused, so two advances never move a case two stages.
    Advance {
        from: Stage,
    },
    Accept {
        on: NaiveDate,
        by: String,
        score: u32,
        poll_n: u32,
        dissatisfied: u32,
        standards: Standards,
        new_deadline: Option<NaiveDate>,
    },
    /// Moves back to an earlier stage with a new conversion deadline: `deadline`, or by
    /// default the day of the reopen + the policy's months of consolidation.
    Reopen {
        to: Stage,
        reason: String,
        #[serde(default)]
        deadline: Option<NaiveDate>,
    },
    Edit(Edit),
    /// Corrects recorded visit `number` (from 1, as `show` numbers them) to read as
    /// `visit`; the history keeps what it said before.
    FixVisit {
        number: usize,
        visit: Visit,
    },
    /// Corrects plan task `number` to read as `task` (a `done_on` of `None` takes back a
    /// task marked done by mistake).
    FixTask {
        number: usize,
        task: Task,
    },
    /// Corrects cadre adjustment `number` to read as `adjustment`.
    FixAdjustment {
        number: usize,
        adjustment: Adjustment,
    },
    /// Takes a case entered by mistake off the list and out of every count (SPEC §11).
    Void {
        on: NaiveDate,
        reason: String,
    },
    /// Brings a voided case back.
    Unvoid {
        #[serde(default)]
        reason: String,
    },
}

/// Fields of a case that may be corrected after it is opened (`None`: left as recorded).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Edit {
    pub county: Option<String>,
    pub township: Option<String>,
    pub village: Option<String>,
    pub problems: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub situations: Option<Vec<Situation>>,
    pub relapse_of: Option<String>,
    /// The village's profile (SPEC §2), each field set, cleared (`Some(None)`) or left.
    #[serde(default)]
    pub profile: ProfileEdit,
}

/// Corrections of the village's profile: `Some(Some(v))` records a value, `Some(None)` clears
/// the recorded one, `None` leaves it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProfileEdit {
    pub village_kind: Option<Option<VillageKind>>,
    pub poor_village: Option<Option<bool>>,
    pub households: Option<Option<u32>>,
    pub population: Option<Option<u32>>,
    pub party_members: Option<Option<u32>>,
    pub secretary_age: Option<Option<u32>>,
}

impl ProfileEdit {
    pub fn is_empty(&self) -> bool {
        *self == ProfileEdit::default()
    }

    /// The edit that turns `from` into `to`: the fields that differ.
    pub fn between(from: &Profile, to: &Profile) -> ProfileEdit {
        fn diff<T: PartialEq + Copy>(a: Option<T>, b: Option<T>) -> Option<Option<T>> {
            (a != b).then_some(b)
        }
        ProfileEdit {
            village_kind: diff(from.village_kind, to.village_kind),
            poor_village: diff(from.poor_village, to.poor_village),
            households: diff(from.households, to.households),
            population: diff(from.population, to.population),
            party_members: diff(from.party_members, to.party_members),
            secretary_age: diff(from.secretary_age, to.secretary_age),
        }
    }

    /// Applies the edit, with one history part per field changed (`households 120 -> 130`,
    /// `-` for no value).
    fn apply(&self, p: &mut Profile, parts: &mut Vec<String>) {
        fn set<T: Copy + PartialEq>(
            field: Field,
            now: &mut Option<T>,
            to: Option<Option<T>>,
            shown: impl Fn(T) -> String,
            parts: &mut Vec<String>,
        ) {
            let Some(to) = to else { return };
            let show = |v: Option<T>| v.map_or_else(|| "-".to_string(), &shown);
            parts.push(format!("{} {} -> {}", field.code(), show(*now), show(to)));
            *now = to;
        }
        let n = |v: u32| v.to_string();
        set(
            Field::VillageKind,
            &mut p.village_kind,
            self.village_kind,
            |k: VillageKind| k.code().to_string(),
            parts,
        );
        set(
            Field::PoorVillage,
            &mut p.poor_village,
            self.poor_village,
            |b: bool| b.to_string(),
            parts,
        );
        set(
            Field::Households,
            &mut p.households,
            self.households,
            n,
            parts,
        );
        set(
            Field::Population,
            &mut p.population,
            self.population,
            n,
            parts,
        );
        set(
            Field::PartyMembers,
            &mut p.party_members,
            self.party_members,
            n,
            parts,
        );
        set(
            Field::SecretaryAge,
            &mut p.secretary_age,
            self.secretary_age,
            n,
            parts,
        );
    }
}

/// The youngest and oldest a village Party secretary is taken to be: an age outside is a
/// typing slip (5 for 50, 450 for 45).
pub const SECRETARY_AGES: std::ops::RangeInclusive<u32> = 18..=100;

/// A profile's values as a ledger can mean them: a secretary's age in [`SECRETARY_AGES`],
/// no more party members than people.
pub fn check_profile(p: &Profile) -> Result<(), Refusal> {
    if let Some(age) = p.secretary_age.filter(|a| !SECRETARY_AGES.contains(a)) {
        return Err(Refusal::OutOfRange {
            field: Field::SecretaryAge,
            value: age as i64,
            range: format!("{}–{}", SECRETARY_AGES.start(), SECRETARY_AGES.end()),
        });
    }
    if let (Some(members), Some(people)) = (p.party_members, p.population) {
        if members > people {
            return Err(Refusal::OutOfRange {
                field: Field::PartyMembers,
                value: members as i64,
                range: format!("0–{people}"),
            });
        }
    }
    Ok(())
}

/// What kind of history event a change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Opened,
    Imported,
    Paired,
    Adjusted,
    NoAdjustment,
    TaskAdded,
    TaskDone,
    Visit,
    Advanced,
    Acceptance,
    Reopened,
    Edited,
    VisitFixed,
    TaskFixed,
    AdjustmentFixed,
    Voided,
    Unvoided,
    /// A township accountability event (约谈, 诫勉, 问责): an event of no case.
    Accountability,
    /// The roster changes (SPEC §9): events of no case, chained with the rest.
    UserAdded,
    UserChanged,
    UserRemoved,
}

impl ChangeKind {
    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::Opened => "opened",
            ChangeKind::Imported => "imported",
            ChangeKind::Paired => "paired",
            ChangeKind::Adjusted => "adjusted",
            ChangeKind::NoAdjustment => "no_adjustment",
            ChangeKind::TaskAdded => "task_added",
            ChangeKind::TaskDone => "task_done",
            ChangeKind::Visit => "visit",
            ChangeKind::Advanced => "advanced",
            ChangeKind::Acceptance => "acceptance",
            ChangeKind::Reopened => "reopened",
            ChangeKind::Edited => "edited",
            ChangeKind::VisitFixed => "visit_fixed",
            ChangeKind::TaskFixed => "task_fixed",
            ChangeKind::AdjustmentFixed => "adjustment_fixed",
            ChangeKind::Voided => "voided",
            ChangeKind::Unvoided => "unvoided",
            ChangeKind::Accountability => "accountability",
            ChangeKind::UserAdded => "user_added",
            ChangeKind::UserChanged => "user_changed",
            ChangeKind::UserRemoved => "user_removed",
        }
    }
}

/// The history-worthy description of one change: the store adds time, actor and hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub from: Stage,
    pub to: Stage,
    /// The values recorded, as data (dates, codes, names), language-neutral.
    pub detail: String,
    /// The person's own words: a reopen reason, a no-adjustment reason.
    #[serde(default)]
    pub note: String,
}

/// Why a command was refused. Every variant names what is missing or wrong; the
/// localized sentences live in `i18n`. Serialisable, so that a server's refusal reaches its
/// client as the same value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum Refusal {
    #[error("pairing incomplete: missing {}", .missing.iter().map(|f| f.code()).collect::<Vec<_>>().join(", "))]
    PairingIncomplete { missing: Vec<Field> },
    #[error("no cadre adjustment recorded and no reason why none was needed")]
    NoAdjustment,
    #[error("no acceptance attempt with verdict pass")]
    NoPassingAcceptance,
    #[error("plan tasks not done: {numbers:?}")]
    TasksOpen { numbers: Vec<usize> },
    #[error("the case is already accepted")]
    AlreadyAccepted,
    #[error("acceptance needs stage cadres_adjusted; the case is at {stage:?}")]
    NotReadyForAcceptance { stage: Stage },
    #[error("verdict fail: a new deadline is required")]
    FailNeedsNewDeadline,
    #[error("the new deadline {new_deadline} must be after the attempt on {on}")]
    DeadlineNotAfter {
        new_deadline: NaiveDate,
        on: NaiveDate,
    },
    /// An advance asked from one stage of a case that is at another.
    #[error("the advance was asked from {from:?}, but the case is at {at:?}")]
    AdvanceFromElsewhere { from: Stage, at: Stage },
    #[error("reopen goes to an earlier stage; the case is at {from:?}, asked for {to:?}")]
    ReopenNotEarlier { from: Stage, to: Stage },
    #[error("{field} is empty")]
    Empty { field: Field },
    #[error("no task {number}; the plan has {count}")]
    NoSuchTask { number: usize, count: usize },
    #[error("task {number} is already done")]
    TaskAlreadyDone { number: usize },
    #[error("{field} = {value} is out of range ({range})")]
    OutOfRange {
        field: Field,
        value: i64,
        range: String,
    },
    #[error("the case is at {stage:?} but {cause}")]
    Contradiction { stage: Stage, cause: Box<Refusal> },
    #[error("closed_on is set but the case is not accepted")]
    ClosedButOpen,
    #[error("{field} {date} is after today ({today})")]
    AfterToday {
        field: Field,
        date: NaiveDate,
        today: NaiveDate,
    },
    #[error("{field} {date} is before the case was identified ({identified_on})")]
    BeforeIdentified {
        field: Field,
        date: NaiveDate,
        identified_on: NaiveDate,
    },
    #[error("relapse_of {of}: {problem:?}")]
    Relapse { of: String, problem: RelapseProblem },
    /// A date no ledger means (year 0017 or 9999), as an import finds it.
    #[error("invalid {field}: {date} is not a plausible date")]
    ImplausibleDate { field: Field, date: NaiveDate },
    /// A case identified after its campaign year, or more than a year before it.
    #[error("invalid identified_on: {identified_on} does not fit the year {year}")]
    IdentifiedOutsideYear { identified_on: NaiveDate, year: i32 },
    /// A name of invisible characters only (zero-width spaces and the like).
    #[error("invalid {field}: it holds only invisible characters")]
    Invisible { field: Field },
    #[error("acceptance attempt #{number}: score {score}, dissatisfied {dissatisfied}/{poll_n}")]
    BadAttempt {
        number: usize,
        score: u8,
        dissatisfied: u32,
        poll_n: u32,
    },
    #[error(
        "acceptance attempt #{number} on {on}: verdict {recorded:?}, the figures give {derived:?}"
    )]
    VerdictNotDerived {
        number: usize,
        on: NaiveDate,
        recorded: Verdict,
        derived: Verdict,
    },
    #[error("id {id:?}: at most 64 characters, no spaces or control characters")]
    BadId { id: String },
    /// A roster account name that cannot be one: empty of spaces, `/` and control
    /// characters, at most 64 characters.
    #[error("login {login:?} is no account name (no spaces, at most 64 characters)")]
    BadLogin { login: String },
    /// The account's role may never do this (SPEC §9's role table).
    #[error("account {login} is a {role:?} and cannot {operation:?}")]
    RoleCannot {
        login: String,
        role: Role,
        operation: Operation,
    },
    /// The role may do this on its own cases only, and this case is not one of them.
    #[error("account {login} is a {role:?} and cannot {operation:?} on this case: {scope:?}")]
    OutOfScope {
        login: String,
        role: Role,
        operation: Operation,
        scope: Scope,
    },
    /// The connecting account has no entry in the roster.
    #[error("account {login} is not in the roster; a clerk can add it with zhengdun user add")]
    NotInRoster { login: String },
    /// `user remove` of an account the roster does not hold.
    #[error("the roster has no account {login}")]
    NoSuchAccount { login: String },
    /// `--as NAME` naming someone other than the account's own roster entry.
    #[error("--as {asked}: account {login} is {name} in the roster")]
    ActingAsOther {
        login: String,
        name: String,
        asked: String,
    },
    /// Someone other than a clerk recording a visit made by another person.
    #[error("account {login} is a {role:?}; only a clerk records a visit by {by}")]
    VisitByOther {
        login: String,
        role: Role,
        by: String,
    },
    /// A county leader named only by a name several leaders of the roster share.
    #[error("several leaders are named {name}: {}", .logins.join(", "))]
    AmbiguousLeader { name: String, logins: Vec<String> },
    /// `--county-leader-account` naming an account that is no leader of the roster.
    #[error("account {login} is no leader in the roster")]
    NotALeader { login: String },
    /// A roster change that would leave the ledger with no clerk.
    #[error("account {login} is the last clerk")]
    LastClerk { login: String },
    /// A correction of a visit, task or adjustment the case does not have.
    #[error("no {field} {number}; the case has {count}")]
    NoSuchEntry {
        field: Field,
        number: usize,
        count: usize,
    },
    /// A correction that leaves everything as it was.
    #[error("{field} {number} already reads so")]
    Unchanged { field: Field, number: usize },
    /// A change to a case that was voided; only `unvoid` applies.
    #[error("the case was voided on {on}: {reason}")]
    Voided { on: NaiveDate, reason: String },
    /// `unvoid` of a case that is not voided.
    #[error("the case is not voided")]
    NotVoided,
    /// An update (`import --update`) that would move a case back: that is a `reopen`.
    #[error("the update would move the case back from {from:?} to {to:?}")]
    Backwards { from: Stage, to: Stage },
    /// An update that gives a case another campaign year: a new case, not a correction.
    #[error("the update gives the year {file}; the case is of {recorded}")]
    YearChanged { recorded: i32, file: i32 },
    /// An update naming the leaders of a case it keeps at `identified`: pairing them
    /// would move it to `paired`.
    #[error("the update names the leaders but keeps the case at identified")]
    PairingWouldAdvance,
    /// A reopen's new deadline before the day of the reopen.
    #[error("the new deadline {deadline} is before today ({today})")]
    DeadlinePast {
        deadline: NaiveDate,
        today: NaiveDate,
    },
    /// A second case of a village in one year that is not a relapse (SPEC §11).
    /// `place` names the county, the township and the village.
    #[error("{place} already has case {other} in {year}")]
    SameVillageYear {
        other: String,
        year: i32,
        place: String,
    },
    /// A `talk` of a township the ledger has no case of.
    #[error("no case of township {township}")]
    UnknownTownship { township: String },
    /// A `talk` of a township several counties have, without `--county`.
    #[error("township {township} is in several counties: {}", .counties.join(", "))]
    TownshipInCounties {
        township: String,
        counties: Vec<String>,
    },
    /// A `talk` linking a case of another township.
    #[error("case {case} is of {township}, not of the township talked to")]
    CaseOfOtherTownship { case: String, township: String },
    /// A recorded entry that someone other than a clerk may not correct: a visit by
    /// another person.
    #[error("account {login} is a {role:?}; only a clerk corrects a visit by {by}")]
    FixOfOther {
        login: String,
        role: Role,
        by: String,
    },
}

/// Why a `relapse_of` cannot stand: it names an earlier case of the same village (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RelapseProblem {
    NoSuchCase,
    OtherVillage,
    NotEarlier,
}

/// Checks a case's `relapse_of` against the case it names (`None` when there is none).
pub fn check_relapse(case: &Case, earlier: Option<&Case>) -> Result<(), Refusal> {
    check_relapse_at(
        case,
        earlier.map(|e| {
            (
                [e.county.as_str(), &e.township, &e.village],
                e.identified_on,
            )
        }),
    )
}

/// [`check_relapse`] with only what it reads of the earlier case: its county, township and
/// village, and the day it was identified.
pub fn check_relapse_at(
    case: &Case,
    earlier: Option<([&str; 3], NaiveDate)>,
) -> Result<(), Refusal> {
    let Some(of) = &case.relapse_of else {
        return Ok(());
    };
    let problem = match earlier {
        None => RelapseProblem::NoSuchCase,
        Some((place, _)) if place != [case.county.as_str(), &case.township, &case.village] => {
            RelapseProblem::OtherVillage
        }
        Some((_, identified_on)) if identified_on >= case.identified_on => {
            RelapseProblem::NotEarlier
        }
        Some(_) => return Ok(()),
    };
    Err(Refusal::Relapse {
        of: of.clone(),
        problem,
    })
}

/// The derived acceptance verdict (SPEC §3): never typed in.
pub fn verdict(
    score: u32,
    poll_n: u32,
    dissatisfied: u32,
    standards: &Standards,
    policy: &Policy,
) -> Verdict {
    let score_ok = score >= policy.pass_mark as u32;
    let poll_ok =
        (dissatisfied as u64) * 100 <= (policy.max_dissatisfied_percent as u64) * (poll_n as u64);
    match (score_ok && poll_ok, standards.iter().all(|s| *s)) {
        (true, true) => Verdict::Pass,
        (true, false) => Verdict::BasicPass,
        (false, _) => Verdict::Fail,
    }
}

fn non_empty(field: Field, s: &str) -> Result<(), Refusal> {
    if s.trim().is_empty() {
        Err(Refusal::Empty { field })
    } else {
        Ok(())
    }
}

/// The date of something done during the rectification: not after today, and not before
/// the case was identified.
fn happened(case: &Case, field: Field, date: NaiveDate, today: NaiveDate) -> Result<(), Refusal> {
    not_after_today(field, date, today)?;
    not_before_identification(field, case, date)
}

fn not_after_today(field: Field, date: NaiveDate, today: NaiveDate) -> Result<(), Refusal> {
    if date > today {
        return Err(Refusal::AfterToday { field, date, today });
    }
    Ok(())
}

fn not_before_identification(field: Field, case: &Case, date: NaiveDate) -> Result<(), Refusal> {
    if date < case.identified_on {
        return Err(Refusal::BeforeIdentified {
            field,
            date,
            identified_on: case.identified_on,
        });
    }
    Ok(())
}

impl Refusal {
    /// The field the refusal is about, when it is about one.
    pub fn field(&self) -> Option<Field> {
        match self {
            Refusal::Empty { field }
            | Refusal::OutOfRange { field, .. }
            | Refusal::AfterToday { field, .. }
            | Refusal::BeforeIdentified { field, .. }
            | Refusal::ImplausibleDate { field, .. }
            | Refusal::Invisible { field } => Some(*field),
            Refusal::IdentifiedOutsideYear { .. } => Some(Field::IdentifiedOn),
            Refusal::BadAttempt { .. } => Some(Field::Acceptance),
            Refusal::VerdictNotDerived { .. } => Some(Field::Verdict),
            Refusal::BadId { .. } => Some(Field::Id),
            Refusal::BadLogin { .. } => Some(Field::Login),
            Refusal::PairingIncomplete { missing } => missing.first().copied(),
            Refusal::FailNeedsNewDeadline | Refusal::DeadlineNotAfter { .. } => {
                Some(Field::NewDeadline)
            }
            Refusal::Contradiction { cause, .. } => cause.field(),
            Refusal::NoSuchEntry { field, .. } | Refusal::Unchanged { field, .. } => Some(*field),
            Refusal::DeadlinePast { .. } => Some(Field::Deadline),
            Refusal::SameVillageYear { .. } => Some(Field::Village),
            Refusal::UnknownTownship { .. } => Some(Field::Township),
            Refusal::TownshipInCounties { .. } => Some(Field::County),
            Refusal::CaseOfOtherTownship { .. } => Some(Field::Cases),
            _ => None,
        }
    }

    /// Whether the refusal is about a value as typed (empty, out of range, malformed, a
    /// date that cannot be), rather than a rule of the state machine.
    pub fn is_bad_value(&self) -> bool {
        matches!(
            self,
            Refusal::Empty { .. }
                | Refusal::OutOfRange { .. }
                | Refusal::BadAttempt { .. }
                | Refusal::VerdictNotDerived { .. }
                | Refusal::BadId { .. }
                | Refusal::BadLogin { .. }
                | Refusal::NoSuchTask { .. }
                | Refusal::AfterToday { .. }
                | Refusal::BeforeIdentified { .. }
                | Refusal::ImplausibleDate { .. }
                | Refusal::IdentifiedOutsideYear { .. }
                | Refusal::Invisible { .. }
                | Refusal::DeadlineNotAfter { .. }
                | Refusal::Relapse { .. }
                | Refusal::NoSuchAccount { .. }
                | Refusal::ActingAsOther { .. }
                | Refusal::NotALeader { .. }
                | Refusal::NoSuchEntry { .. }
                | Refusal::Unchanged { .. }
                | Refusal::DeadlinePast { .. }
                | Refusal::UnknownTownship { .. }
                | Refusal::TownshipInCounties { .. }
                | Refusal::CaseOfOtherTownship { .. }
        )
    }

    /// Whether the refusal is of who asks (a role that may not do this, or not on this
    /// case), not of what was asked: nothing typed can change it. (A visit recorded as
    /// made by someone else is not one: the visitor typed can be corrected.)
    pub fn is_not_allowed(&self) -> bool {
        matches!(
            self,
            Refusal::RoleCannot { .. }
                | Refusal::OutOfScope { .. }
                | Refusal::NotInRoster { .. }
                | Refusal::FixOfOther { .. }
        )
    }
}

fn not_accepted(case: &Case) -> Result<(), Refusal> {
    if case.stage == Stage::Accepted {
        Err(Refusal::AlreadyAccepted)
    } else {
        Ok(())
    }
}

/// The §3 guard for moving `case` into `to`, checked against the case's data.
pub fn guard(case: &Case, to: Stage) -> Result<(), Refusal> {
    match to {
        Stage::Identified => Ok(()),
        Stage::Paired => {
            let missing = case
                .pairing
                .as_ref()
                .map(|p| p.missing())
                .unwrap_or_else(|| Pairing::default().missing());
            if missing.is_empty() {
                Ok(())
            } else {
                Err(Refusal::PairingIncomplete { missing })
            }
        }
        Stage::CadresAdjusted => {
            let reason = case.no_adjustment_reason.as_deref().unwrap_or("");
            if case.adjustments.is_empty() && reason.trim().is_empty() {
                Err(Refusal::NoAdjustment)
            } else {
                Ok(())
            }
        }
        Stage::Accepted => {
            if !case
                .counting_attempts()
                .iter()
                .any(|a| a.verdict == Verdict::Pass)
            {
                return Err(Refusal::NoPassingAcceptance);
            }
            let numbers: Vec<usize> = case.open_tasks().map(|(n, _)| n).collect();
            if !numbers.is_empty() {
                return Err(Refusal::TasksOpen { numbers });
            }
            Ok(())
        }
    }
}

/// Applies one command to a case. Returns the new case and the change to record, or the
/// refusal; the input case is never modified, so a refusal leaves nothing half-done.
pub fn apply(
    case: &Case,
    cmd: &Command,
    today: NaiveDate,
    policy: &Policy,
) -> Result<(Case, Change), Refusal> {
    if let (Some(v), false) = (&case.voided, matches!(cmd, Command::Unvoid { .. })) {
        return Err(Refusal::Voided {
            on: v.on,
            reason: v.reason.clone(),
        });
    }
    let mut c = case.clone();
    let from = case.stage;
    let (kind, detail, note) = match cmd {
        Command::Pair {
            county_leader,
            county_leader_account,
            township_leader,
            first_secretary,
            first_secretary_unit,
            assisting_unit,
            on,
        } => {
            not_accepted(case)?;
            let mut p = c.pairing.take().unwrap_or_default();
            let leader_changed = county_leader
                .as_deref()
                .is_some_and(|l| l.trim() != p.county_leader);
            match county_leader_account.as_deref().map(str::trim) {
                Some("") => p.county_leader_account = None,
                Some(login) => p.county_leader_account = Some(login.to_string()),
                // a new leader's account is not the old one's
                None if leader_changed => p.county_leader_account = None,
                None => {}
            }
            let set = |field: &mut String, v: &Option<String>| {
                if let Some(v) = v {
                    *field = v.trim().to_string();
                }
            };
            set(&mut p.county_leader, county_leader);
            set(&mut p.township_leader, township_leader);
            set(&mut p.first_secretary, first_secretary);
            set(&mut p.first_secretary_unit, first_secretary_unit);
            set(&mut p.assisting_unit, assisting_unit);
            if let Some(on) = *on {
                happened(case, Field::PairedOn, on, today)?;
                p.paired_on = Some(on);
            }
            let missing = p.missing();
            if !missing.is_empty() {
                return Err(Refusal::PairingIncomplete { missing });
            }
            if p.paired_on.is_none() {
                return Err(Refusal::Empty {
                    field: Field::PairedOn,
                });
            }
            let detail = format!(
                "{}{} / {} / {} ({}) / {} @ {}",
                p.county_leader,
                p.county_leader_account
                    .as_ref()
                    .map(|a| format!(" [{a}]"))
                    .unwrap_or_default(),
                p.township_leader,
                p.first_secretary,
                p.first_secretary_unit,
                p.assisting_unit,
                p.paired_on.map(|d| d.to_string()).unwrap_or_default()
            );
            c.pairing = Some(p);
            if c.stage == Stage::Identified {
                c.stage = Stage::Paired;
            }
            (ChangeKind::Paired, detail, String::new())
        }
        Command::Adjust(a) => {
            not_accepted(case)?;
            non_empty(Field::Name, &a.name)?;
            happened(case, Field::On, a.on, today)?;
            let detail = adjustment_detail(a);
            c.adjustments.push(a.clone());
            (ChangeKind::Adjusted, detail, String::new())
        }
        Command::NoAdjustment { reason } => {
            not_accepted(case)?;
            non_empty(Field::NoAdjustmentReason, reason)?;
            c.no_adjustment_reason = Some(reason.trim().to_string());
            (
                ChangeKind::NoAdjustment,
                String::new(),
                reason.trim().to_string(),
            )
        }
        Command::AddTask(t) => {
            not_accepted(case)?;
            non_empty(Field::Measure, &t.measure)?;
            let detail = format!("#{} {}", c.tasks.len() + 1, task_detail(t));
            c.tasks.push(t.clone());
            (ChangeKind::TaskAdded, detail, String::new())
        }
        Command::FinishTask { number, on } => {
            let count = c.tasks.len();
            let task = number
                .checked_sub(1)
                .and_then(|i| c.tasks.get_mut(i))
                .ok_or(Refusal::NoSuchTask {
                    number: *number,
                    count,
                })?;
            if task.done_on.is_some() {
                return Err(Refusal::TaskAlreadyDone { number: *number });
            }
            let on = *on;
            happened(case, Field::DoneOn, on, today)?;
            task.done_on = Some(on);
            (
                ChangeKind::TaskDone,
                format!("#{number} {on}"),
                String::new(),
            )
        }
        Command::LogVisit(v) => {
            non_empty(Field::Findings, &v.findings)?;
            non_empty(Field::By, &v.by)?;
            // A visit may predate the identification (the investigation); it cannot be after today.
            not_after_today(Field::On, v.on, today)?;
            let detail = visit_detail(v);
            c.visits.push(v.clone());
            (ChangeKind::Visit, detail, v.findings.clone())
        }
        Command::Advance { from } => {
            if *from != case.stage {
                return Err(Refusal::AdvanceFromElsewhere {
                    from: *from,
                    at: case.stage,
                });
            }
            let to = case.stage.next().ok_or(Refusal::AlreadyAccepted)?;
            guard(case, to)?;
            c.stage = to;
            if to == Stage::Accepted {
                c.closed_on = Some(today);
            }
            (ChangeKind::Advanced, String::new(), String::new())
        }
        Command::Accept {
            on,
            by,
            score,
            poll_n,
            dissatisfied,
            standards,
            new_deadline,
        } => {
            if case.stage != Stage::CadresAdjusted {
                return Err(match case.stage {
                    Stage::Accepted => Refusal::AlreadyAccepted,
                    stage => Refusal::NotReadyForAcceptance { stage },
                });
            }
            if *score > 100 {
                return Err(Refusal::OutOfRange {
                    field: Field::Score,
                    value: *score as i64,
                    range: "0–100".into(),
                });
            }
            if *poll_n == 0 {
                return Err(Refusal::OutOfRange {
                    field: Field::PollN,
                    value: 0,
                    range: "≥ 1".into(),
                });
            }
            if dissatisfied > poll_n {
                return Err(Refusal::OutOfRange {
                    field: Field::PollDissatisfied,
                    value: *dissatisfied as i64,
                    range: format!("0–{poll_n}"),
                });
            }
            let on = *on;
            happened(case, Field::On, on, today)?;
            let v = verdict(*score, *poll_n, *dissatisfied, standards, policy);
            match v {
                Verdict::Fail => {
                    let nd = new_deadline.ok_or(Refusal::FailNeedsNewDeadline)?;
                    if nd <= on {
                        return Err(Refusal::DeadlineNotAfter {
                            new_deadline: nd,
                            on,
                        });
                    }
                    c.deadline = Some(nd);
                }
                Verdict::BasicPass => {
                    c.deadline = Some(add_months(on, policy.consolidation_months));
                }
                Verdict::Pass => {}
            }
            c.acceptance.push(Acceptance {
                on,
                by: by.trim().to_string(),
                score: *score as u8,
                poll_n: *poll_n,
                poll_dissatisfied: *dissatisfied,
                standards: *standards,
                verdict: v,
            });
            let mut detail = format!(
                "{} {} {}/{} {} {}",
                on,
                score,
                dissatisfied,
                poll_n,
                standards
                    .iter()
                    .map(|b| if *b { '1' } else { '0' })
                    .collect::<String>(),
                v.code()
            );
            if v == Verdict::Pass && guard(&c, Stage::Accepted).is_ok() {
                c.stage = Stage::Accepted;
                c.closed_on = Some(on);
            } else if v != Verdict::Pass {
                detail.push_str(&format!(" deadline {}", c.effective_deadline()));
            }
            (ChangeKind::Acceptance, detail, String::new())
        }
        Command::Reopen {
            to,
            reason,
            deadline,
        } => {
            if *to >= case.stage {
                return Err(Refusal::ReopenNotEarlier {
                    from: case.stage,
                    to: *to,
                });
            }
            non_empty(Field::Reason, reason)?;
            let deadline = match *deadline {
                Some(d) if d < today => {
                    return Err(Refusal::DeadlinePast { deadline: d, today });
                }
                Some(d) => d,
                None => add_months(today, policy.consolidation_months),
            };
            c.stage = *to;
            c.closed_on = None;
            c.voided_attempts = c.acceptance.len();
            c.deadline = Some(deadline);
            c.reopened_on = Some(today);
            (
                ChangeKind::Reopened,
                format!("{} deadline {deadline}", to.code()),
                reason.trim().to_string(),
            )
        }
        Command::Edit(e) => {
            let mut parts = Vec::new();
            for (field, now, to) in [
                (Field::County, &mut c.county, &e.county),
                (Field::Township, &mut c.township, &e.township),
                (Field::Village, &mut c.village, &e.village),
            ] {
                if let Some(to) = to {
                    non_empty(field, to)?;
                    parts.push(format!("{field} {} -> {}", now, to.trim()));
                    *now = to.trim().to_string();
                }
            }
            if let Some(p) = &e.problems {
                c.problems = p.clone();
                parts.push("problems".to_string());
            }
            if let Some(d) = e.deadline {
                not_before_identification(Field::Deadline, case, d)?;
                c.deadline = Some(d);
                parts.push(format!("deadline {d}"));
            }
            if let Some(s) = &e.situations {
                if s.is_empty() {
                    return Err(Refusal::Empty {
                        field: Field::Situations,
                    });
                }
                c.situations = s.clone();
                parts.push(format!(
                    "situations {}",
                    s.iter().map(|s| s.code()).collect::<Vec<_>>().join(",")
                ));
            }
            if let Some(r) = &e.relapse_of {
                c.relapse_of = if r.trim().is_empty() {
                    None
                } else {
                    Some(r.trim().to_string())
                };
                parts.push(format!("relapse_of {r}"));
            }
            e.profile.apply(&mut c.profile, &mut parts);
            check_profile(&c.profile)?;
            if parts.is_empty() {
                return Err(Refusal::Empty { field: Field::Edit });
            }
            (ChangeKind::Edited, parts.join("; "), String::new())
        }
        Command::FixVisit { number, visit: v } => {
            let count = c.visits.len();
            let old = entry(&mut c.visits, Field::Visits, *number, count)?;
            if *old == *v {
                return Err(Refusal::Unchanged {
                    field: Field::Visits,
                    number: *number,
                });
            }
            non_empty(Field::Findings, &v.findings)?;
            non_empty(Field::By, &v.by)?;
            not_after_today(Field::On, v.on, today)?;
            let note = if old.findings != v.findings {
                format!("{} => {}", old.findings, v.findings)
            } else {
                String::new()
            };
            let detail = format!("#{number} {} => {}", visit_detail(old), visit_detail(v));
            *old = v.clone();
            (ChangeKind::VisitFixed, detail, note)
        }
        Command::FixTask { number, task: t } => {
            let count = c.tasks.len();
            let old = entry(&mut c.tasks, Field::Task, *number, count)?;
            if *old == *t {
                return Err(Refusal::Unchanged {
                    field: Field::Task,
                    number: *number,
                });
            }
            non_empty(Field::Measure, &t.measure)?;
            if let Some(on) = t.done_on {
                happened(case, Field::DoneOn, on, today)?;
            }
            let done = |t: &Task| t.done_on.map_or("-".to_string(), |d| d.to_string());
            let detail = format!(
                "#{number} {} / {} => {} / {}",
                task_detail(old),
                done(old),
                task_detail(t),
                done(t)
            );
            *old = t.clone();
            // an accepted case has every task done (SPEC §3)
            if c.stage == Stage::Accepted && t.done_on.is_none() {
                return Err(Refusal::Contradiction {
                    stage: c.stage,
                    cause: Box::new(Refusal::TasksOpen {
                        numbers: vec![*number],
                    }),
                });
            }
            (ChangeKind::TaskFixed, detail, String::new())
        }
        Command::FixAdjustment {
            number,
            adjustment: a,
        } => {
            let count = c.adjustments.len();
            let old = entry(&mut c.adjustments, Field::Adjustments, *number, count)?;
            if *old == *a {
                return Err(Refusal::Unchanged {
                    field: Field::Adjustments,
                    number: *number,
                });
            }
            non_empty(Field::Name, &a.name)?;
            happened(case, Field::On, a.on, today)?;
            let detail = format!(
                "#{number} {} => {}",
                adjustment_detail(old),
                adjustment_detail(a)
            );
            *old = a.clone();
            (ChangeKind::AdjustmentFixed, detail, String::new())
        }
        Command::Void { on, reason } => {
            non_empty(Field::Reason, reason)?;
            not_after_today(Field::On, *on, today)?;
            c.voided = Some(Voided {
                on: *on,
                reason: reason.trim().to_string(),
            });
            (
                ChangeKind::Voided,
                on.to_string(),
                reason.trim().to_string(),
            )
        }
        Command::Unvoid { reason } => {
            let Some(v) = c.voided.take() else {
                return Err(Refusal::NotVoided);
            };
            (
                ChangeKind::Unvoided,
                format!("{} {}", v.on, v.reason),
                reason.trim().to_string(),
            )
        }
    };
    let to = c.stage;
    Ok((
        c,
        Change {
            kind,
            from,
            to,
            detail,
            note,
        },
    ))
}

/// Characters that print nothing: zero-width spaces and joiners, the word joiner, the byte
/// order mark and the soft hyphen. A name of these and spaces looks blank.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}')
}

/// The text without invisible characters and surrounding spaces: what a reader sees of it.
pub fn visible(s: &str) -> String {
    let s: String = s.chars().filter(|c| !invisible(*c)).collect();
    s.trim().to_string()
}

/// A name as typed for `field`: refused when it is empty, or holds only invisible
/// characters; else trimmed.
pub fn checked_name(field: Field, s: &str) -> Result<String, Refusal> {
    if s.trim().is_empty() {
        return Err(Refusal::Empty { field });
    }
    if visible(s).is_empty() {
        return Err(Refusal::Invisible { field });
    }
    Ok(s.trim().to_string())
}

/// A township accountability event as recorded (`talk`): a township, a person and a reason
/// that can be read, a date not after today; text trimmed, linked ids without repeats.
/// Whether the township and the cases are the ledger's is the store's to check.
pub fn check_accountability(
    e: &AccountabilityEvent,
    today: NaiveDate,
) -> Result<AccountabilityEvent, Refusal> {
    let mut e = e.clone();
    e.township = checked_name(Field::Township, &e.township)?;
    e.person = checked_name(Field::Person, &e.person)?;
    e.reason = checked_name(Field::Reason, &e.reason)?;
    e.county = e.county.trim().to_string();
    not_after_today(Field::On, e.on, today)?;
    let mut seen = std::collections::HashSet::new();
    e.cases = e
        .cases
        .iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty() && seen.insert(c.to_ascii_lowercase()))
        .collect();
    Ok(e)
}

/// Recorded entry `number` (from 1) of a list of `count`, or the refusal that says there is
/// none.
fn entry<T>(list: &mut [T], field: Field, number: usize, count: usize) -> Result<&mut T, Refusal> {
    number
        .checked_sub(1)
        .and_then(|i| list.get_mut(i))
        .ok_or(Refusal::NoSuchEntry {
            field,
            number,
            count,
        })
}

/// A visit as history records it: `2017-09-15 unannounced 张娜`.
fn visit_detail(v: &Visit) -> String {
    format!("{} {} {}", v.on, v.kind.code(), v.by)
}

/// A task as history records it: `measure / responsible / due`.
fn task_detail(t: &Task) -> String {
    format!("{} / {} / {}", t.measure, t.responsible, t.due)
}

/// An adjustment as history records it: `赵某 secretary aging removed 2017-06-01 -> 刘某
/// business_leader`.
fn adjustment_detail(a: &Adjustment) -> String {
    let detail = format!(
        "{} {} {} {} {}{}",
        a.name,
        a.post.code(),
        a.reason.code(),
        a.action.code(),
        a.on,
        a.replacement
            .as_ref()
            .map(|r| format!(
                " -> {r} {}",
                a.replacement_source.map(|s| s.code()).unwrap_or("")
            ))
            .unwrap_or_default()
    );
    detail.trim_end().to_string()
}

/// Checks that a whole case, as opened or imported, is well formed and that its stage
/// agrees with its data (SPEC §6: "a case whose stage contradicts its data is refused").
pub fn check_case(case: &Case, policy: &Policy) -> Result<(), Refusal> {
    check_id(&case.id)?;
    non_empty(Field::County, &case.county)?;
    non_empty(Field::Township, &case.township)?;
    non_empty(Field::Village, &case.village)?;
    if case.situations.is_empty() {
        return Err(Refusal::Empty {
            field: Field::Situations,
        });
    }
    if !(1949..=2200).contains(&case.year) {
        return Err(Refusal::OutOfRange {
            field: Field::Year,
            value: case.year as i64,
            range: "1949–2200".into(),
        });
    }
    check_profile(&case.profile)?;
    let contradiction = |cause: Refusal| Refusal::Contradiction {
        stage: case.stage,
        cause: Box::new(cause),
    };
    if let Some(d) = case.deadline {
        not_before_identification(Field::Deadline, case, d)?;
    }
    if case.voided_attempts > case.acceptance.len() {
        return Err(Refusal::OutOfRange {
            field: Field::VoidedAttempts,
            value: case.voided_attempts as i64,
            range: format!("0–{}", case.acceptance.len()),
        });
    }
    for (i, a) in case.acceptance.iter().enumerate() {
        if a.score > 100 || a.poll_n == 0 || a.poll_dissatisfied > a.poll_n {
            return Err(Refusal::BadAttempt {
                number: i + 1,
                score: a.score,
                dissatisfied: a.poll_dissatisfied,
                poll_n: a.poll_n,
            });
        }
        let derived = verdict(
            a.score as u32,
            a.poll_n,
            a.poll_dissatisfied,
            &a.standards,
            policy,
        );
        if derived != a.verdict {
            return Err(Refusal::VerdictNotDerived {
                number: i + 1,
                on: a.on,
                recorded: a.verdict,
                derived,
            });
        }
    }
    // A case accepted before it came into this ledger (a flat CSV/xlsx row with its 销号日期)
    // has no attempt on record, and none is invented; one with attempts must have passed one.
    let accepted_elsewhere = case.stage == Stage::Accepted && case.acceptance.is_empty();
    let mut through = Stage::Identified;
    while through < case.stage {
        through = through.next().unwrap_or(Stage::Accepted);
        match guard(case, through) {
            Err(Refusal::NoPassingAcceptance) if accepted_elsewhere => {
                let numbers: Vec<usize> = case.open_tasks().map(|(n, _)| n).collect();
                if !numbers.is_empty() {
                    return Err(contradiction(Refusal::TasksOpen { numbers }));
                }
            }
            r => r.map_err(contradiction)?,
        }
    }
    if case.stage >= Stage::Paired && case.pairing.as_ref().and_then(|p| p.paired_on).is_none() {
        return Err(contradiction(Refusal::Empty {
            field: Field::PairedOn,
        }));
    }
    match (case.stage == Stage::Accepted, case.closed_on.is_some()) {
        (true, false) => {
            return Err(contradiction(Refusal::Empty {
                field: Field::ClosedOn,
            }))
        }
        (false, true) => return Err(contradiction(Refusal::ClosedButOpen)),
        _ => {}
    }
    Ok(())
}

/// Ids are typed by people and used in file names and commands: no spaces, no control
/// characters, at most 64 characters.
pub fn check_id(id: &str) -> Result<(), Refusal> {
    if id.is_empty() {
        return Err(Refusal::Empty { field: Field::Id });
    }
    if id.chars().count() > 64 || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Refusal::BadId { id: id.to_string() });
    }
    Ok(())
}
