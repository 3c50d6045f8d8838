//! How the CLI prints cases: tables in terminal cells, and the JSON shapes of SPEC §5.

use serde_json::{json, Value};

use crate::domain::{Case, DueStatus, Person, Stage, Summary, Verdict};
use crate::i18n::{self, field, t, Lang};
use crate::ledger::{Ctx, Event};
use crate::text::{clean, pad, widest, width};

/// The due column: the next due date and days left (+) or overdue (−).
pub fn due_cell(due: &DueStatus, today: chrono::NaiveDate, lang: Lang) -> String {
    match (due.next_due, due.days_left(today)) {
        (Some(d), _) if due.overdue() => match lang {
            Lang::Zh => format!("{} 逾期{}天", d.format("%m-%d"), due.days_overdue),
            Lang::En => format!("{} {}d late", d.format("%m-%d"), due.days_overdue),
        },
        (Some(d), Some(left)) => match lang {
            Lang::Zh => format!("{} 剩{}天", d.format("%m-%d"), left),
            Lang::En => format!("{} {}d left", d.format("%m-%d"), left),
        },
        _ => "—".to_string(),
    }
}

/// The list as a table. The id column is as wide as the widest id shown (12 cells at
/// least): an id is what the user types next (`show ID`), so it is never cut; the stage
/// column takes the widest stage shown, in either language.
pub fn list_table(cases: &[&Summary], due: &[DueStatus], ctx: &Ctx, lang: Lang) -> String {
    let mut cols: [(&str, usize); 8] = [
        ("id", 12),
        ("county", 8),
        ("township", 12),
        ("village", 12),
        ("stage", 8),
        ("county_leader", 8),
        ("due", 16),
        ("last_visit", 10),
    ];
    cols[0].1 = widest(cases.iter().map(|c| c.id())).max(12);
    cols[4].1 = widest(cases.iter().map(|c| c.stage().label(lang))).max(8);
    let mut out = String::new();
    let head: Vec<String> = cols
        .iter()
        .map(|(name, w)| pad(t(lang, &format!("col.{name}")), *w))
        .collect();
    out.push_str(head.join(" ").trim_end());
    out.push('\n');
    for (c, d) in cases.iter().zip(due) {
        let values = [
            c.id().to_string(),
            c.county().to_string(),
            c.township().to_string(),
            c.village().to_string(),
            c.stage().label(lang).to_string(),
            c.county_leader().to_string(),
            due_cell(d, ctx.today, lang),
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
    out.push_str(&match lang {
        Lang::Zh => format!(
            "共 {} 个，逾期 {} 个（截至 {}）",
            cases.len(),
            overdue,
            ctx.today
        ),
        Lang::En => format!(
            "{} cases, {} overdue (as of {})",
            cases.len(),
            overdue,
            ctx.today
        ),
    });
    out
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

pub fn list_json(cases: &[&Case], due: &[DueStatus]) -> Result<String, serde_json::Error> {
    let arr = cases
        .iter()
        .zip(due)
        .map(|(c, d)| case_json(c, d))
        .collect::<Result<Vec<Value>, _>>()?;
    serde_json::to_string_pretty(&arr)
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
    let f = |n: &str| field(lang, n);
    o.push_str(&clean(&format!(
        "{}  {} {} {}",
        c.id, c.county, c.township, c.village
    )));
    o.push('\n');
    line(&mut o, &f("year"), &c.year.to_string());
    line(&mut o, &f("stage"), c.stage.label(lang));
    line(
        &mut o,
        &f("situations"),
        &c.situations
            .iter()
            .map(|s| s.label(lang))
            .collect::<Vec<_>>()
            .join("；"),
    );
    if !c.problems.is_empty() {
        line(&mut o, &f("problems"), &c.problems);
    }
    line(&mut o, &f("identified_on"), &c.identified_on.to_string());
    line(&mut o, &f("deadline"), &c.effective_deadline().to_string());
    line(
        &mut o,
        match lang {
            Lang::Zh => "期限",
            Lang::En => "due",
        },
        &due_cell(&due, ctx.today, lang),
    );
    if let Some(p) = &c.pairing {
        let leader = match &p.county_leader_account {
            Some(a) => format!("{}（{a}）", p.county_leader),
            None => p.county_leader.clone(),
        };
        line(&mut o, &f("county_leader"), &leader);
        line(&mut o, &f("township_leader"), &p.township_leader);
        line(
            &mut o,
            &f("first_secretary"),
            &format!("{}（{}）", p.first_secretary, p.first_secretary_unit),
        );
        if !p.assisting_unit.is_empty() {
            line(&mut o, &f("assisting_unit"), &p.assisting_unit);
        }
        if let Some(d) = p.paired_on {
            line(&mut o, &f("paired_on"), &d.to_string());
        }
    }
    if let Some(d) = c.closed_on {
        line(&mut o, &f("closed_on"), &d.to_string());
    }
    if let Some(r) = &c.relapse_of {
        line(&mut o, &f("relapse_of"), r);
    }
    let section = |o: &mut String, zh: &str, en: &str| {
        o.push('\n');
        o.push_str(match lang {
            Lang::Zh => zh,
            Lang::En => en,
        });
        o.push('\n');
    };
    if !c.tasks.is_empty() {
        section(&mut o, "整改任务", "Plan tasks");
        for (i, t) in c.tasks.iter().enumerate() {
            let state = match t.done_on {
                Some(d) => format!("✓ {d}"),
                None if t.is_overdue(ctx.today) => match lang {
                    Lang::Zh => "逾期".into(),
                    Lang::En => "overdue".into(),
                },
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
        section(&mut o, "班子调整", "Cadre adjustments");
        for a in &c.adjustments {
            o.push_str(&clean(&format!("  {}", i18n::adjustment_line(a, lang))));
            o.push('\n');
        }
        if let Some(r) = &c.no_adjustment_reason {
            o.push_str(&clean(&format!("  {}: {r}", f("no_adjustment_reason"))));
            o.push('\n');
        }
    }
    if !c.visits.is_empty() {
        section(&mut o, "走访督查", "Visits");
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
        section(&mut o, "验收", "Acceptance");
        for (i, a) in c.acceptance.iter().enumerate() {
            let stds: String = a
                .standards
                .iter()
                .map(|b| if *b { '1' } else { '0' })
                .collect();
            o.push_str(&clean(&format!(
                "  {} {} {}分 {}/{} {} {}",
                a.on,
                a.by,
                a.score,
                a.poll_dissatisfied,
                a.poll_n,
                stds,
                i18n::attempt_verdict(lang, c, i)
            )));
            o.push('\n');
        }
    }
    if !history.is_empty() {
        section(&mut o, "历史记录", "History");
        for e in history {
            o.push_str(&history_line(e, lang));
            o.push('\n');
        }
    }
    o.trim_end().to_string()
}

/// One history event as `show` and `user history` print it: time, who (with the account,
/// when it came through a server), what, the values and the note.
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
        s.push_str(&format!(" {}", e.change.detail));
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
    let head = ["login", "name", "role", "county", "township"].map(|f| field(lang, f));
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
        (Verdict::Pass, Stage::Accepted) => match lang {
            Lang::Zh => format!(
                "已销号 {}",
                c.closed_on.map(|d| d.to_string()).unwrap_or_default()
            ),
            Lang::En => format!(
                "closed {}",
                c.closed_on.map(|d| d.to_string()).unwrap_or_default()
            ),
        },
        (Verdict::Pass, _) => {
            let open: Vec<String> = c.open_tasks().map(|(n, _)| n.to_string()).collect();
            match lang {
                Lang::Zh => format!("整改任务第{}项未完成，暂不销号", open.join(", ")),
                Lang::En => format!("not closed: plan tasks {} are not done", open.join(", ")),
            }
        }
        _ => match lang {
            Lang::Zh => format!("转化期限 {}", c.effective_deadline()),
            Lang::En => format!("deadline {}", c.effective_deadline()),
        },
    };
    format!("{} {} {}", c.id, a.verdict.label(lang), tail)
}
