//! Sentences put together from several parts: refusals, the due text, a cadre adjustment,
//! an acceptance verdict and a history event's details.

use chrono::{Datelike, NaiveDate};

use crate::domain::policy::PolicyError;
use crate::domain::{
    AdjustAction, AdjustReason, Adjustment, Case, ChangeKind, DueState, Field, Operation, Post,
    Refusal, RelapseProblem, ReplacementSource, Role, Scope, Situation, Stage, Verdict, VisitKind,
};

use super::{msg, Label, Lang, Text};

/// Field labels joined as a list.
pub fn fields(lang: Lang, names: &[Field]) -> String {
    names
        .iter()
        .map(|n| n.label(lang))
        .collect::<Vec<_>>()
        .join(lang.list_separator())
}

/// A date in few cells: `09-30` this year, `16-09-30` in another.
pub fn short_date(d: NaiveDate, today: NaiveDate) -> String {
    if d.year() == today.year() {
        d.format("%m-%d").to_string()
    } else {
        d.format("%y-%m-%d").to_string()
    }
}

/// The due text of a case: the one the CLI's table, `show` and the TUI's list all print.
pub fn due_text(lang: Lang, due: DueState, today: NaiveDate) -> String {
    match due {
        DueState::Closed => Text::Closed.get(lang).to_string(),
        DueState::NoDate => "—".into(),
        DueState::Overdue(d, n) => {
            format!("{} {}", short_date(d, today), msg::days_overdue(lang, n))
        }
        DueState::Today => format!("{} {}", short_date(today, today), Text::DueToday.get(lang)),
        DueState::Left(d, n) => format!("{} {}", short_date(d, today), msg::days_left(lang, n)),
    }
}

/// One cadre adjustment as a line people read: date, name, post (reason, action), and the
/// replacement with where they came from. Shared by `show` and the TUI.
pub fn adjustment_line(a: &Adjustment, lang: Lang) -> String {
    format!(
        "{}  {}",
        a.on,
        adjustment_words(
            lang,
            &a.name,
            a.post,
            a.reason,
            a.action,
            a.replacement.as_deref(),
            a.replacement_source
        )
    )
}

fn adjustment_words(
    lang: Lang,
    name: &str,
    post: Post,
    reason: AdjustReason,
    action: AdjustAction,
    replacement: Option<&str>,
    source: Option<ReplacementSource>,
) -> String {
    let mut s = msg::adjustment(
        lang,
        name,
        post.label(lang),
        reason.label(lang),
        action.label(lang),
    );
    if let Some(r) = replacement {
        s.push_str(&format!(" → {r}"));
        if let Some(src) = source {
            s.push_str(&msg::parenthesised(lang, src.label(lang)));
        }
    }
    s
}

/// The verdict of a case's `i`th acceptance attempt as shown, marked when a reopen voided it.
pub fn attempt_verdict(lang: Lang, case: &Case, i: usize) -> String {
    let Some(a) = case.acceptance.get(i) else {
        return String::new();
    };
    let mut v = a.verdict.label(lang).to_string();
    if i < case.voided_attempts {
        v.push_str(Text::AcceptanceVoided.get(lang));
    }
    v
}

/// What kind of change a history event records, in the user's language.
pub fn change_label(lang: Lang, kind: ChangeKind) -> &'static str {
    kind.label(lang)
}

/// A history event's recorded details in the user's language. The details are stored as
/// language-neutral data (codes, dates, names; the history's hashes cover them as written),
/// so the codes in them are put in words here; details of another shape are shown as stored.
pub fn history_detail(lang: Lang, kind: ChangeKind, detail: &str) -> String {
    let words: Vec<&str> = detail.split(' ').collect();
    let worded = match kind {
        ChangeKind::Visit => visit_detail(lang, &words),
        ChangeKind::Adjusted => adjusted_detail(lang, &words),
        ChangeKind::Acceptance => acceptance_detail(lang, &words),
        ChangeKind::Edited => Some(edited_detail(lang, detail)),
        ChangeKind::VisitFixed => fixed_detail(lang, detail, |w| visit_detail(lang, w)),
        ChangeKind::AdjustmentFixed => fixed_detail(lang, detail, |w| adjusted_detail(lang, w)),
        ChangeKind::TaskFixed => fixed_detail(lang, detail, |w| Some(task_detail(lang, w))),
        ChangeKind::Reopened => reopened_detail(lang, &words),
        ChangeKind::Voided => Some(msg::history_voided(lang, detail)),
        ChangeKind::Accountability => talk_detail(lang, &words),
        ChangeKind::Imported => detail
            .parse::<usize>()
            .ok()
            .map(|n| msg::history_imported_events(lang, n)),
        ChangeKind::Unvoided => detail
            .split_once(' ')
            .map(|(on, reason)| msg::history_unvoided(lang, on, reason)),
        ChangeKind::UserAdded | ChangeKind::UserChanged | ChangeKind::UserRemoved => {
            user_detail(lang, &words)
        }
        _ => None,
    };
    worded.unwrap_or_else(|| detail.to_string())
}

/// `#2 <before> => <after>`, each side worded by `side` (its words split at spaces).
fn fixed_detail(
    lang: Lang,
    detail: &str,
    side: impl Fn(&[&str]) -> Option<String>,
) -> Option<String> {
    let (number, rest) = detail.strip_prefix('#')?.split_once(' ')?;
    let (before, after) = rest.split_once(" => ")?;
    let word = |s: &str| side(&s.split(' ').collect::<Vec<_>>()).unwrap_or_else(|| s.to_string());
    Some(msg::history_fixed(lang, number, word(before), word(after)))
}

/// `measure / responsible / due / done` (done a date or `-`), as a task correction
/// records it: only the not-done mark is put in words.
fn task_detail(lang: Lang, words: &[&str]) -> String {
    let text = words.join(" ");
    match text.strip_suffix(" / -") {
        Some(open) => format!("{open} / {}", Text::HistoryNotDone.get(lang)),
        None => text,
    }
}

/// `2017-06-15 talk 阳谷县 阿城镇 张三 [B-1,B-2]`
fn talk_detail(lang: Lang, words: &[&str]) -> Option<String> {
    let [on, kind, county, township, rest @ ..] = words else {
        return None;
    };
    let kind = crate::domain::AccountabilityKind::parse(kind)?;
    let (person, cases) = match rest {
        [person @ .., last] if last.starts_with('[') && last.ends_with(']') => (
            person.join(" "),
            Some(last.trim_matches(['[', ']']).replace(',', " ")),
        ),
        person => (person.join(" "), None),
    };
    let mut s = msg::history_talk(lang, on, kind.label(lang), county, township, person);
    if let Some(cases) = cases {
        s.push_str(&msg::history_talk_cases(lang, cases));
    }
    Some(s)
}

/// `paired deadline 2018-06-01`
fn reopened_detail(lang: Lang, words: &[&str]) -> Option<String> {
    let [stage, "deadline", d] = words else {
        return None;
    };
    Some(msg::history_reopened(
        lang,
        crate::domain::Stage::parse(stage)?.label(lang),
        d,
    ))
}

/// `2017-09-15 unannounced 张娜`
fn visit_detail(lang: Lang, words: &[&str]) -> Option<String> {
    let [on, kind, by @ ..] = words else {
        return None;
    };
    let kind = VisitKind::parse(kind)?;
    Some(format!("{on} {} {}", kind.label(lang), by.join(" ")))
}

/// `赵某 secretary aging removed 2017-06-01 -> 刘某 business_leader`
fn adjusted_detail(lang: Lang, words: &[&str]) -> Option<String> {
    let at = words.iter().position(|w| is_date(w))?;
    let (before, after) = words.split_at(at);
    let [name @ .., post, reason, action] = before else {
        return None;
    };
    let (on, rest) = after.split_first()?;
    let (replacement, source) = match rest {
        [] => (None, None),
        ["->", who @ .., last] => match ReplacementSource::parse(last) {
            Some(s) => (Some(who.join(" ")), Some(s)),
            None => (Some([who, &[*last]].concat().join(" ")), None),
        },
        ["->"] => (None, None),
        _ => return None,
    };
    let words = adjustment_words(
        lang,
        &name.join(" "),
        Post::parse(post)?,
        AdjustReason::parse(reason)?,
        AdjustAction::parse(action)?,
        replacement.as_deref().filter(|r| !r.is_empty()),
        source,
    );
    Some(format!("{on}  {words}"))
}

/// `2017-11-20 92 1/50 111111 pass`, with ` deadline 2018-05-20` after a verdict other
/// than pass.
fn acceptance_detail(lang: Lang, words: &[&str]) -> Option<String> {
    let (on, score, poll, standards, verdict, rest) = match words {
        [on, score, poll, standards, verdict, rest @ ..] => {
            (on, score, poll, standards, verdict, rest)
        }
        _ => return None,
    };
    let (dissatisfied, poll_n) = poll.split_once('/')?;
    let met = standards.chars().filter(|c| *c == '1').count();
    let verdict = Verdict::parse(verdict)?;
    let mut s = msg::history_acceptance(
        lang,
        on,
        score,
        dissatisfied,
        poll_n,
        met,
        standards.chars().count(),
        verdict.label(lang),
    );
    match rest {
        [] => {}
        ["deadline", d] => s.push_str(&msg::history_new_deadline(lang, d)),
        _ => return None,
    }
    Some(s)
}

/// `problems; deadline 2017-11-30; situations poor_service,other; relapse_of 2016-YG-001`,
/// `village 前进村 -> 前进新村`
fn edited_detail(lang: Lang, detail: &str) -> String {
    detail
        .split("; ")
        .map(|part| {
            let (name, value) = part.split_once(' ').unwrap_or((part, ""));
            let Some(field) = Field::parse(name) else {
                return part.to_string();
            };
            let value = match field {
                Field::Situations => value
                    .split(',')
                    .map(|c| Situation::parse(c).map_or(c, |s| s.label(lang)))
                    .collect::<Vec<_>>()
                    .join(lang.list_separator()),
                Field::VillageKind | Field::PoorVillage => value
                    .split(" -> ")
                    .map(|v| match v {
                        "true" => crate::i18n::t(lang, crate::i18n::Text::Yes),
                        "false" => crate::i18n::t(lang, crate::i18n::Text::No),
                        v => crate::domain::VillageKind::parse(v).map_or(v, |k| k.label(lang)),
                    })
                    .collect::<Vec<_>>()
                    .join(" → "),
                _ => value.replace(" -> ", " → "),
            };
            if value.is_empty() {
                field.label(lang).to_string()
            } else {
                format!("{} {value}", field.label(lang))
            }
        })
        .collect::<Vec<_>>()
        .join(match lang {
            Lang::Zh => "；",
            Lang::En => "; ",
        })
}

/// `wangjg leader 王建国 county=阳谷县 township=城关镇`: a roster entry as recorded.
fn user_detail(lang: Lang, words: &[&str]) -> Option<String> {
    let [login, role, rest @ ..] = words else {
        return None;
    };
    let role = Role::parse(role)?;
    let mut name = Vec::new();
    let mut places = Vec::new();
    for w in rest {
        if let Some(c) = w.strip_prefix("county=") {
            places.push(msg::labelled(lang, Field::County.label(lang), c));
        } else if let Some(t) = w.strip_prefix("township=") {
            places.push(msg::labelled(lang, Field::Township.label(lang), t));
        } else {
            name.push(*w);
        }
    }
    let mut s = format!("{login} {} {}", role.label(lang), name.join(" "));
    for p in places {
        s.push(' ');
        s.push_str(&p);
    }
    Some(s)
}

fn is_date(s: &str) -> bool {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// Where a sentence is said: what it tells the user to do differs between the command
/// line (an option, a subcommand) and the screen (a form's field, an action of the keymap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    CommandLine,
    Screen,
}

/// The localized sentence for a refusal, as the command line says it.
pub fn refusal(lang: Lang, r: &Refusal) -> String {
    refusal_on(lang, Surface::CommandLine, r)
}

/// The localized sentence for a refusal, in the words of the surface it is said on.
pub fn refusal_on(lang: Lang, surface: Surface, r: &Refusal) -> String {
    let stage = |s: crate::domain::Stage| s.label(lang);
    match r {
        Refusal::PairingIncomplete { missing } => {
            msg::refusal_pairing_incomplete(lang, fields(lang, missing))
        }
        Refusal::NoAdjustment => Text::RefusalNoAdjustment.get(lang).to_string(),
        Refusal::NoPassingAcceptance => Text::RefusalNoPass.get(lang).to_string(),
        Refusal::TasksOpen { numbers } => {
            let n: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
            msg::refusal_tasks_open(lang, n.join(lang.list_separator()))
        }
        Refusal::AlreadyAccepted => Text::RefusalAlreadyAccepted.get(lang).to_string(),
        Refusal::NotReadyForAcceptance { stage: s } => msg::refusal_not_ready(lang, stage(*s)),
        Refusal::FailNeedsNewDeadline => Text::RefusalFailNeedsDeadline.get(lang).to_string(),
        Refusal::DeadlineNotAfter { new_deadline, on } => {
            msg::refusal_deadline_not_after(lang, new_deadline, on)
        }
        Refusal::AdvanceFromElsewhere { from, at } => {
            msg::refusal_advance_from_elsewhere(lang, stage(*from), stage(*at))
        }
        Refusal::ReopenNotEarlier { from, to } => {
            msg::refusal_reopen_not_earlier(lang, stage(*from), stage(*to))
        }
        Refusal::Empty { field: f } => msg::refusal_empty(lang, f.label(lang)),
        Refusal::NoSuchTask { number, count } => msg::refusal_no_such_task(lang, number, count),
        Refusal::TaskAlreadyDone { number } => msg::refusal_task_done(lang, number),
        Refusal::OutOfRange {
            field: f,
            value,
            range,
        } => msg::refusal_out_of_range(lang, f.label(lang), value, range),
        Refusal::Contradiction { stage: s, cause } => {
            msg::refusal_contradiction(lang, stage(*s), refusal(lang, cause))
        }
        Refusal::ClosedButOpen => Text::RefusalClosedButOpen.get(lang).to_string(),
        Refusal::AfterToday {
            field: f,
            date,
            today,
        } => msg::refusal_after_today(lang, f.label(lang), date, today),
        Refusal::BeforeIdentified {
            field: f,
            date,
            identified_on,
        } => msg::refusal_before_identified(lang, f.label(lang), date, identified_on),
        Refusal::Relapse { of, problem } => match problem {
            RelapseProblem::NoSuchCase => msg::refusal_relapse_no_such_case(lang, of),
            RelapseProblem::OtherVillage => msg::refusal_relapse_other_village(lang, of),
            RelapseProblem::NotEarlier => msg::refusal_relapse_not_earlier(lang, of),
        },
        Refusal::ImplausibleDate { field: f, date } => {
            msg::refusal_invalid(lang, f.label(lang), msg::refusal_date_range(lang, date))
        }
        Refusal::IdentifiedOutsideYear {
            identified_on,
            year,
        } => msg::refusal_invalid(
            lang,
            Field::IdentifiedOn.label(lang),
            msg::refusal_identified_year(lang, identified_on, year),
        ),
        Refusal::Invisible { field: f } => {
            msg::refusal_invalid(lang, f.label(lang), Text::Invisible.get(lang))
        }
        Refusal::BadAttempt {
            number,
            score,
            dissatisfied,
            poll_n,
        } => msg::refusal_bad_attempt(lang, number, score, dissatisfied, poll_n),
        Refusal::VerdictNotDerived {
            number,
            on,
            recorded,
            derived,
        } => msg::refusal_verdict_not_derived(
            lang,
            number,
            on,
            recorded.label(lang),
            derived.label(lang),
        ),
        Refusal::BadId { id } => msg::refusal_bad_id(lang, id.escape_debug()),
        Refusal::BadLogin { login } => msg::refusal_bad_login(lang, login.escape_debug()),
        Refusal::RoleCannot {
            login,
            role,
            operation: op,
        } => msg::refusal_role_cannot(
            lang,
            login,
            role_phrase(lang, *role),
            operation(lang, *op),
            role_may(lang, *role),
        ),
        Refusal::OutOfScope {
            login,
            role,
            operation: op,
            scope: s,
        } => {
            let (own, case) = scope(lang, s);
            msg::refusal_out_of_scope(
                lang,
                login,
                role_phrase(lang, *role),
                own,
                operation(lang, *op),
                case,
            )
        }
        Refusal::NotInRoster { login } => msg::refusal_not_in_roster(lang, login),
        Refusal::NoSuchAccount { login } => msg::refusal_no_such_account(lang, login),
        Refusal::ActingAsOther { login, name, asked } => {
            msg::refusal_acting_as_other(lang, login, name, asked)
        }
        Refusal::VisitByOther { login, role, by } => {
            msg::refusal_visit_by_other(lang, login, role_phrase(lang, *role), by)
        }
        Refusal::AmbiguousLeader { name, logins } => {
            msg::refusal_ambiguous_leader(lang, name, logins.join(", "))
        }
        Refusal::NotALeader { login } => msg::refusal_not_a_leader(lang, login),
        Refusal::LastClerk { login } => msg::refusal_last_clerk(lang, login),
        Refusal::NoSuchEntry {
            field: f,
            number,
            count,
        } => msg::refusal_no_such_entry(lang, f.label(lang), number, count),
        Refusal::Unchanged { field: f, number } => {
            msg::refusal_unchanged(lang, f.label(lang), number)
        }
        Refusal::Voided { on, reason } => match surface {
            Surface::CommandLine => msg::refusal_voided(lang, on, reason),
            Surface::Screen => {
                msg::refusal_voided_screen(lang, on, reason, Text::ActionUnvoid.get(lang))
            }
        },
        Refusal::NotVoided => Text::RefusalNotVoided.get(lang).to_string(),
        Refusal::DeadlinePast { deadline, today } => {
            msg::refusal_deadline_past(lang, deadline, today)
        }
        Refusal::SameVillageYear { other, year, place } => match surface {
            Surface::CommandLine => msg::refusal_same_village_year(lang, place, year, other),
            Surface::Screen => msg::refusal_same_village_year_screen(
                lang,
                place,
                year,
                other,
                crate::domain::Field::RelapseOf.label(lang),
            ),
        },
        Refusal::UnknownTownship { township } => msg::refusal_unknown_township(lang, township),
        Refusal::TownshipInCounties { township, counties } => {
            msg::refusal_township_in_counties(lang, township, counties.join(lang.list_separator()))
        }
        Refusal::CaseOfOtherTownship { case, township } => {
            msg::refusal_case_of_other_township(lang, case, township)
        }
        Refusal::FixOfOther { login, role, by } => {
            msg::refusal_fix_of_other(lang, login, role_phrase(lang, *role), by)
        }
        Refusal::Backwards { from, to } => msg::refusal_backwards(lang, stage(*from), stage(*to)),
        Refusal::YearChanged { recorded, file } => msg::refusal_year_changed(lang, file, recorded),
        Refusal::PairingWouldAdvance => Text::RefusalPairingWouldAdvance.get(lang).to_string(),
    }
}

/// A role as a sentence names it ("a county leader"; 县级包联领导).
pub fn role_phrase(lang: Lang, role: Role) -> &'static str {
    match lang {
        Lang::Zh => role.zh(),
        Lang::En => match role {
            Role::Clerk => "a clerk",
            Role::Leader => "a county leader",
            Role::Township => "a township secretary",
            Role::Auditor => "an auditor",
        },
    }
}

/// What a role may do, as SPEC §9's role table says it.
fn role_may(lang: Lang, role: Role) -> &'static str {
    match (role, lang) {
        (Role::Clerk, Lang::Zh) => "做任何事",
        (Role::Clerk, Lang::En) => "do anything",
        (Role::Township, Lang::Zh) => {
            "查看台账；对本乡镇的案件记录走访、添加和完成整改任务、录入包联和班子调整、推进到领导包联或班子调整"
        }
        (Role::Township, Lang::En) => {
            "read the ledger, and on the cases of its township log visits, add and finish plan tasks, record the pairing and cadre adjustments, and advance to paired or cadres adjusted"
        }
        (Role::Leader, Lang::Zh) => "查看台账；对其包联的案件记录走访、添加和完成整改任务",
        (Role::Leader, Lang::En) => {
            "read the ledger, and on the cases it is the paired county leader of log visits and add and finish plan tasks"
        }
        (Role::Auditor, Lang::Zh) => "查看台账、核验台账（zhengdun verify）",
        (Role::Auditor, Lang::En) => "read the ledger and verify it (zhengdun verify)",
    }
}

/// What someone asks to do, as a verb phrase ("advance to paired"; 推进到领导包联).
pub fn operation(lang: Lang, op: Operation) -> &'static str {
    let (zh, en) = match op {
        Operation::Read => ("查看台账", "read the ledger"),
        Operation::Visit => ("记录走访", "log a visit"),
        Operation::AddTask => ("添加整改任务", "add a plan task"),
        Operation::FinishTask => ("完成整改任务", "mark a plan task done"),
        Operation::Pair => ("录入包联", "record the pairing"),
        Operation::Adjust => ("录入班子调整", "record a cadre adjustment"),
        Operation::Advance(Stage::Identified) => ("推进到排查认定", "advance to identified"),
        Operation::Advance(Stage::Paired) => ("推进到领导包联", "advance to paired"),
        Operation::Advance(Stage::CadresAdjusted) => {
            ("推进到班子调整", "advance to cadres adjusted")
        }
        Operation::Advance(Stage::Accepted) => ("推进到验收销号", "advance to accepted"),
        Operation::New => ("新建案件", "open a case"),
        Operation::Import => ("导入台账", "import a ledger"),
        Operation::Accept => ("录入验收", "record an acceptance"),
        Operation::Reopen => ("退回案件", "reopen a case"),
        Operation::Edit => ("修改案件", "edit a case"),
        Operation::Void => ("作废案件", "void a case"),
        Operation::Talk => ("记录约谈问责", "record an accountability talk"),
        Operation::Roster => ("查看或修改人员名册", "see or change the roster"),
        Operation::Export => ("导出台账", "export the ledger"),
        Operation::Backup => ("备份台账", "back up the ledger"),
        Operation::Restore => ("恢复备份", "restore a backup"),
        Operation::Verify => ("核验台账", "verify the ledger"),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// Whose cases a role may act on, and why this case is not one of them.
fn scope(lang: Lang, s: &Scope) -> (String, String) {
    let own = match s {
        Scope::Township { mine, .. } => msg::scope_own_township(lang, mine),
        Scope::Leader { .. } | Scope::SharedName { .. } => {
            Text::ScopeOwnLeader.get(lang).to_string()
        }
    };
    let case = match s {
        Scope::Township { case, .. } => msg::scope_case_township(lang, case),
        Scope::Leader { case_leader, .. } if case_leader.is_empty() => {
            Text::ScopeCaseNoLeader.get(lang).to_string()
        }
        Scope::Leader {
            case_leader,
            account: Some(a),
        } => msg::scope_case_leader_account(lang, case_leader, a),
        Scope::Leader { case_leader, .. } => msg::scope_case_leader(lang, case_leader),
        Scope::SharedName { name, logins } => {
            msg::scope_case_shared_name(lang, name, logins.join(", "))
        }
    };
    (own, case)
}

/// A `policy.toml` that cannot be used, in the user's language.
pub fn policy_error(lang: Lang, e: &PolicyError) -> String {
    match e {
        PolicyError::Parse { path, message } => msg::policy_unreadable(lang, path, message),
        PolicyError::Range {
            path,
            field,
            value,
            range,
        } => msg::policy_out_of_range(lang, path, field, value, range),
    }
}
