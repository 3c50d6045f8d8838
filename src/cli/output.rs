//! How the CLI prints cases: tables in terminal cells, and the JSON shapes of SPEC §5.

use serde_json::{json, Value};

use crate::domain::{Case, DueState, DueStatus, Field, Person, Stage, Summary, Verdict};
use crate::i18n::{self, msg, t, Label, Lang, Text};
use crate::interchange;
use crate::ledger::{Ctx, Event, VoidedCase};
use crate::text::{clean, pad, widest, width};

/// The due column: the due text the TUI shows too.
pub fn due_cell(stage: Stage, due: &DueStatus, today: chrono::NaiveDate, lang: Lang) -> String {
    i18n::due_text(lang, DueState::of(stage, due, today), today)
}

/// The list as a table. The id column is as wide as the widest id shown (12 cells at
/// least): an id is what the user types next (`show ID`), so it is never cut; the stage
/// and due columns take their widest text shown, in either language.
pub fn list_table(cases: &[&Summary], due: &[DueStatus], ctx: &Ctx, lang: Lang) -> String {
    let dues: Vec<String> = cases
        .iter()
        .zip(due)
        .map(|(c, d)| due_cell(c.stage(), d, ctx.today, lang))
        .collect();
    let mut cols: [(Text, usize); 8] = [
        (Text::ColId, 12),
        (Text::ColCounty, 8),
        (Text::ColTownship, 12),
        (Text::ColVillage, 12),
        (Text::ColStage, 8),
        (Text::ColCountyLeader, 8),
        (Text::ColDue, 16),
        (Text::ColLastVisit, 10),
    ];
    cols[0].1 = widest(cases.iter().map(|c| c.id())).max(12);
    cols[4].1 = widest(cases.iter().map(|c| c.stage().label(lang))).max(8);
    cols[6].1 = widest(dues.iter().map(String::as_str)).max(16);
    let mut out = String::new();
    let head: Vec<String> = cols.iter().map(|(h, w)| pad(t(lang, *h), *w)).collect();
    out.push_str(head.join(" ").trim_end());
    out.push('\n');
    for (c, d) in cases.iter().zip(dues) {
        let values = [
            c.id().to_string(),
            c.county().to_string(),
            c.township().to_string(),
            c.village().to_string(),
            c.stage().label(lang).to_string(),
            c.county_leader().to_string(),
            d,
            c.last_visit.map(|d| d.to_string()).unwrap_or_default(),
        ];
        let cells: Vec<String> = values
            .iter()
            .zip(cols)
            .map(|(v, (_, w))| pad(v, w))
            .collect();
        out.push_str(cells.join(" ").trim_end());
        out.push('\n');
    }
    let overdue = due.iter().filter(|d| d.overdue()).count();
    out.push_str(&msg::list_total(lang, cases.len(), overdue, ctx.today));
    out
}

/// `list --voided` as a table: each voided case with the day it was voided, who voided it
/// and why (the minute it was recorded is in the JSON and CSV); then how many, and how to
/// bring one back. Narrow enough for 80 columns with a short reason.
pub fn voided_table(cases: &[VoidedCase], lang: Lang) -> String {
    if cases.is_empty() {
        return t(lang, Text::VoidedNone).to_string();
    }
    let mut cols: [(Text, usize); 7] = [
        (Text::ColId, 12),
        (Text::ColCounty, 8),
        (Text::ColTownship, 10),
        (Text::ColVillage, 10),
        (Text::ColVoidedOn, 10),
        (Text::ColVoidedBy, 6),
        (Text::ColVoidReason, 0),
    ];
    cols[0].1 = widest(cases.iter().map(|v| v.case.id.as_str())).max(12);
    let rows: Vec<[String; 7]> = cases
        .iter()
        .map(|v| {
            let c = &v.case;
            let (on, reason) = c
                .voided
                .as_ref()
                .map(|x| (x.on.to_string(), x.reason.clone()))
                .unwrap_or_default();
            let by = v.by.clone().unwrap_or_default();
            [
                c.id.clone(),
                c.county.clone(),
                c.township.clone(),
                c.village.clone(),
                on,
                by,
                reason,
            ]
        })
        .collect();
    cols[5].1 = widest(rows.iter().map(|r| r[5].as_str())).max(6);
    cols[6].1 = widest(rows.iter().map(|r| r[6].as_str())).max(4);
    let mut out = String::new();
    let head: Vec<String> = cols.iter().map(|(h, w)| pad(t(lang, *h), *w)).collect();
    out.push_str(head.join(" ").trim_end());
    out.push('\n');
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .zip(cols)
            .map(|(v, (_, w))| pad(&clean(v), w))
            .collect();
        out.push_str(cells.join(" ").trim_end());
        out.push('\n');
    }
    let first = cases
        .first()
        .map(|v| v.case.id.as_str())
        .unwrap_or_default();
    out.push_str(&msg::voided_total(lang, cases.len(), first));
    out
}

/// A voided case in the interchange shape (its `voided` day and reason included) plus who
/// voided it (`voided_by`) and when (`voided_at`, RFC 3339).
pub fn voided_json(v: &VoidedCase) -> Result<Value, serde_json::Error> {
    let mut out = serde_json::to_value(&v.case)?;
    if let Value::Object(m) = &mut out {
        m.insert("voided_by".into(), json!(v.by));
        m.insert("voided_at".into(), json!(v.at));
    }
    Ok(out)
}

/// A case in the interchange shape plus `overdue` and `days_overdue`. Plain data does not
/// fail to serialise, but if it ever did the command reports it instead of printing `null`.
pub fn case_json(c: &Case, due: &DueStatus) -> Result<Value, serde_json::Error> {
    let mut v = serde_json::to_value(c)?;
    if let Value::Object(m) = &mut v {
        m.insert("overdue".into(), json!(due.overdue()));
        m.insert("days_overdue".into(), json!(due.days_overdue));
    }
    Ok(v)
}

pub fn show_json(c: &Case, history: &[Event], ctx: &Ctx) -> Result<String, serde_json::Error> {
    let due = crate::domain::due_status(c, ctx.today, &ctx.policy);
    let mut v = case_json(c, &due)?;
    if let Value::Object(m) = &mut v {
        m.insert("history".into(), serde_json::to_value(history)?);
    }
    serde_json::to_string_pretty(&v)
}

fn line(out: &mut String, label: &str, value: &str) {
    let label = clean(label);
    out.push_str(&pad(&label, 14.max(width(&label))));
    out.push(' ');
    out.push_str(&clean(value));
    out.push('\n');
}

pub fn show_text(c: &Case, history: &[Event], ctx: &Ctx, lang: Lang) -> String {
    let due = crate::domain::due_status(c, ctx.today, &ctx.policy);
    let mut o = String::new();
    let f = |n: Field| n.label(lang);
    o.push_str(&clean(&format!(
        "{}  {} {} {}",
        c.id, c.county, c.township, c.village
    )));
    o.push('\n');
    if let Some(v) = &c.voided {
        o.push_str(&clean(&msg::show_voided(lang, &c.id, v.on, &v.reason)));
        o.push('\n');
    }
    line(&mut o, f(Field::Year), &c.year.to_string());
    line(&mut o, f(Field::Stage), c.stage.label(lang));
    line(
        &mut o,
        f(Field::Situations),
        &c.situations
            .iter()
            .map(|s| s.label(lang))
            .collect::<Vec<_>>()
            // several Chinese labels contain 、 themselves
            .join(match lang {
                Lang::Zh => "；",
                Lang::En => "; ",
            }),
    );
    if !c.problems.is_empty() {
        line(&mut o, f(Field::Problems), &c.problems);
    }
    line(&mut o, f(Field::IdentifiedOn), &c.identified_on.to_string());
    line(
        &mut o,
        f(Field::Deadline),
        &c.effective_deadline().to_string(),
    );
    line(
        &mut o,
        t(lang, Text::ColDue),
        &due_cell(c.stage, &due, ctx.today, lang),
    );
    if let Some(p) = &c.pairing {
        let leader = match &p.county_leader_account {
            Some(a) => format!("{}{}", p.county_leader, msg::parenthesised(lang, a)),
            None => p.county_leader.clone(),
        };
        line(&mut o, f(Field::CountyLeader), &leader);
        line(&mut o, f(Field::TownshipLeader), &p.township_leader);
        line(
            &mut o,
            f(Field::FirstSecretary),
            &format!(
                "{}{}",
                p.first_secretary,
                msg::parenthesised(lang, &p.first_secretary_unit)
            ),
        );
        if !p.assisting_unit.is_empty() {
            line(&mut o, f(Field::AssistingUnit), &p.assisting_unit);
        }
        if let Some(d) = p.paired_on {
            line(&mut o, f(Field::PairedOn), &d.to_string());
        }
    }
    if let Some(d) = c.closed_on {
        line(&mut o, f(Field::ClosedOn), &d.to_string());
    }
    if let Some(r) = &c.relapse_of {
        line(&mut o, f(Field::RelapseOf), r);
    }
    // the village's profile, what of it is recorded
    let profile = interchange::csv::profile_row(c, lang);
    for (field, value) in interchange::csv::PROFILE.iter().zip(&profile) {
        if !value.is_empty() {
            line(&mut o, f(*field), value);
        }
    }
    let section = |o: &mut String, title: Text| {
        o.push('\n');
        o.push_str(t(lang, title));
        o.push('\n');
    };
    if !c.tasks.is_empty() {
        section(&mut o, Text::ShowTasks);
        for (i, t) in c.tasks.iter().enumerate() {
            let state = match t.done_on {
                Some(d) => format!("✓ {d}"),
                None if t.is_overdue(ctx.today) => i18n::t(lang, Text::TaskOverdue).into(),
                None => String::new(),
            };
            o.push_str(&clean(&format!(
                "{:>3}. {}  {}  {}  {}",
                i + 1,
                t.measure,
                t.responsible,
                t.due,
                state
            )));
            o.push('\n');
        }
    }
    if !c.adjustments.is_empty() || c.no_adjustment_reason.is_some() {
        section(&mut o, Text::ShowAdjustments);
        for a in &c.adjustments {
            o.push_str(&clean(&format!("  {}", i18n::adjustment_line(a, lang))));
            o.push('\n');
        }
        if let Some(r) = &c.no_adjustment_reason {
            let line = msg::labelled(lang, f(Field::NoAdjustmentReason), r);
            o.push_str(&clean(&format!("  {line}")));
            o.push('\n');
        }
    }
    if !c.visits.is_empty() {
        section(&mut o, Text::ShowVisits);
        for v in &c.visits {
            o.push_str(&clean(&format!(
                "  {} {} {}: {}",
                v.on,
                v.kind.label(lang),
                v.by,
                v.findings
            )));
            o.push('\n');
        }
    }
    if !c.acceptance.is_empty() {
        section(&mut o, Text::ShowAcceptance);
        for (i, a) in c.acceptance.iter().enumerate() {
            let stds: String = a
                .standards
                .iter()
                .map(|b| if *b { '1' } else { '0' })
                .collect();
            o.push_str(&clean(&format!(
                "  {} {} {}",
                a.on,
                a.by,
                msg::show_attempt(
                    lang,
                    a.score,
                    a.poll_dissatisfied,
                    a.poll_n,
                    stds,
                    i18n::attempt_verdict(lang, c, i)
                )
            )));
            o.push('\n');
        }
    }
    if !history.is_empty() {
        section(&mut o, Text::ShowHistory);
        for e in history {
            o.push_str(&history_line(e, lang));
            o.push('\n');
        }
    }
    o.trim_end().to_string()
}

/// One history event as `show` and `user history` print it: time, who (with the account,
/// when it came through a server), what, the values and the note.
/// One change as a line of `import --update`'s report: what it is, the stage move, the
/// values, the person's words.
pub fn change_text(c: &crate::domain::Change, lang: Lang) -> String {
    let mut s = i18n::change_label(lang, c.kind).to_string();
    if c.from != c.to {
        s.push_str(&format!(" {}→{}", c.from.label(lang), c.to.label(lang)));
    }
    if !c.detail.is_empty() {
        s.push(' ');
        s.push_str(&i18n::history_detail(lang, c.kind, &c.detail));
    }
    if !c.note.is_empty() {
        s.push_str(&format!(" — {}", c.note));
    }
    clean(&s)
}

pub fn history_line(e: &Event, lang: Lang) -> String {
    let stage = if e.change.from != e.change.to {
        format!(" {}→{}", e.change.from.label(lang), e.change.to.label(lang))
    } else {
        String::new()
    };
    let who = match &e.account {
        Some(a) if *a != e.actor => format!("{}({a})", e.actor),
        _ => e.actor.clone(),
    };
    let mut s = format!(
        "  {} {} {}{}",
        e.at,
        who,
        i18n::change_label(lang, e.change.kind),
        stage
    );
    if !e.change.detail.is_empty() {
        s.push(' ');
        s.push_str(&i18n::history_detail(lang, e.change.kind, &e.change.detail));
    }
    if !e.change.note.is_empty() {
        s.push_str(&format!(" — {}", e.change.note));
    }
    clean(&s)
}

/// The roster as `user list` prints it: one account a line, columns aligned in cells.
pub fn roster_table(people: &[Person], lang: Lang) -> String {
    let rows: Vec<[String; 5]> = people
        .iter()
        .map(|p| {
            [
                p.login.clone(),
                p.name.clone(),
                p.role.label(lang).to_string(),
                p.county.clone().unwrap_or_default(),
                p.township.clone().unwrap_or_default(),
            ]
            .map(|c| clean(&c))
        })
        .collect();
    let head = [
        Field::Login,
        Field::Name,
        Field::Role,
        Field::County,
        Field::Township,
    ]
    .map(|f| f.label(lang).to_string());
    let mut widths = head.each_ref().map(|h| width(h));
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(width(c));
        }
    }
    let line = |cells: &[String; 5]| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| pad(c, *w)).collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = line(&head);
    for r in &rows {
        out.push('\n');
        out.push_str(&line(r));
    }
    out
}

/// What `accept` prints: the verdict, and whether the case closed.
pub fn accept_result(c: &Case, lang: Lang) -> String {
    let Some(a) = c.acceptance.last() else {
        return String::new();
    };
    let tail = match (a.verdict, c.stage) {
        (Verdict::Pass, Stage::Accepted) => {
            msg::accept_closed(lang, c.closed_on.map(|d| d.to_string()).unwrap_or_default())
        }
        (Verdict::Pass, _) => {
            let open: Vec<String> = c.open_tasks().map(|(n, _)| n.to_string()).collect();
            msg::accept_tasks_open(lang, open.join(lang.list_separator()))
        }
        _ => msg::accept_deadline(lang, c.effective_deadline()),
    };
    format!("{} {} {}", c.id, a.verdict.label(lang), tail)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    /// The CLI's due column and the TUI's are one text: the same for every due state.
    #[test]
    fn cli_and_tui_write_the_same_due_text() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let today = d("2017-09-15");
        let dues = [
            (Some(d("2017-09-10")), 5),
            (Some(d("2017-09-15")), 0),
            (Some(d("2017-10-01")), 0),
            (Some(d("2018-01-02")), 0),
            (Some(d("2016-12-31")), 258),
            (None, 0),
        ];
        for stage in Stage::ALL {
            for (next_due, days_overdue) in dues {
                let due = DueStatus {
                    next_due,
                    days_overdue,
                };
                for lang in [Lang::Zh, Lang::En] {
                    let cli = due_cell(*stage, &due, today, lang);
                    let (tui, overdue) =
                        crate::tui::view::list::due_text(*stage, &due, today, lang);
                    assert_eq!(cli, tui, "{stage:?} {due:?} {lang:?}");
                    assert_eq!(overdue, due.overdue() && *stage != Stage::Accepted);
                }
            }
        }
        assert_eq!(
            due_cell(
                Stage::Paired,
                &DueStatus {
                    next_due: Some(d("2017-09-10")),
                    days_overdue: 5
                },
                today,
                Lang::Zh
            ),
            "09-10 逾期5天"
        );
    }
}
