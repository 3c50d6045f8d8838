//! The command line: parses arguments, opens the ledger, and turns each subcommand into
//! domain [`Command`]s through the same [`Ledger::execute`] the TUI uses.

pub mod args;
pub mod field;
pub(crate) mod output;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use chrono::NaiveDate;
use clap::Parser;

pub use args::{Cli, Cmd};
use args::{ExportFormat, ListArgs, ListFormat, ShowFormat, StatsFormat, TaskOp, UserOp};

use crate::domain::{
    AccountabilityEvent, Adjustment, Case, ChangeKind, Command, DueStatus, Edit, Field, Person,
    Policy, Stage, Summary, Task, Visit,
};
use crate::i18n::{self, msg, Label, Lang, Text};
use crate::interchange::{self, json::Ledger as LedgerFile};
use crate::ledger::{Ctx, Ledger, Local, Remote};
use crate::listing::{self, Filter, Sort};
use crate::session;

/// The sample ledger shipped in the binary, for `--demo`.
pub const SAMPLE: &str = include_str!("../../sample-data/liaocheng-2017.json");

pub use crate::session::{exit, Env, Failure};

/// The run's [`Env`] from the command line: language, ledger directory, policy, actor, today.
pub fn env_from_cli(cli: &Cli) -> Result<Env, Failure> {
    let lang = match &cli.lang {
        Some(l) => {
            Lang::parse(l).ok_or_else(|| Failure::input(msg::lang_unknown(Lang::default(), l)))?
        }
        None => Lang::Zh,
    };
    let db_dir = match &cli.db {
        Some(d) => d.clone(),
        None => session::default_db_dir()?,
    };
    let policy = session::load_policy(cli.policy.as_deref(), &db_dir, lang)?;
    let through_server = server_of(cli, lang)?.is_some();
    let actor = session::actor(cli.actor.as_deref(), through_server, lang)?;
    // what this process's clients call themselves on a TUI's own ledger
    crate::ledger::protocol::announce(&actor);
    Ok(Env {
        lang,
        db_dir,
        wait: std::time::Duration::from_secs(cli.wait),
        command: cli.cmd.as_ref().map_or("tui", Cmd::name),
        asked: cli.actor.clone().filter(|a| !a.trim().is_empty()),
        ctx: Ctx {
            today: cli
                .today
                .unwrap_or_else(|| chrono::Local::now().date_naive()),
            actor,
            policy,
            // the embedded ledger: see `Ctx::person`
            person: None,
        },
    })
}

/// Parses the process arguments and runs; clap's own errors are cut to one line.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let (message, help) = one_line(&e.render().to_string());
            crate::session::say(format!("zhengdun: {message} (see {help})"));
            return ExitCode::from(exit::BAD_INPUT);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            // a failure already told another way (a proxy's, to its client) has no line
            if !f.message.is_empty() {
                crate::session::say(format!("zhengdun: {}", crate::text::clean(&f.message)));
            }
            ExitCode::from(f.code)
        }
    }
}

/// clap's message on one line ("the following required arguments were not provided:
/// --year <YEAR>, --county <COUNTY>"), and the help to see ("zhengdun new --help", from
/// its usage line).
fn one_line(clap_text: &str) -> (String, String) {
    let mut out = String::new();
    let mut help = "zhengdun --help".to_string();
    for line in clap_text.lines().map(str::trim) {
        if let Some(usage) = line.strip_prefix("Usage:") {
            let words: Vec<&str> = usage.split_whitespace().take(2).collect();
            if let [bin, sub] = words[..] {
                if !sub.starts_with(['-', '[', '<']) {
                    help = format!("{bin} {sub} --help");
                }
            }
            break;
        }
        if line.is_empty() || line.starts_with("For more information") {
            continue;
        }
        if !out.is_empty() {
            out.push_str(if out.ends_with(':') { " " } else { ", " });
        }
        out.push_str(line.trim_start_matches("error: "));
    }
    if out.is_empty() {
        out = "error".to_string();
    }
    (out, help)
}

pub fn run(mut cli: Cli) -> Result<(), Failure> {
    if cli.demo {
        return demo(cli);
    }
    let mut env = env_from_cli(&cli)?;
    match &cli.cmd {
        Some(Cmd::Serve { socket, group }) => {
            let opts = crate::server::ServeOptions {
                socket: socket.clone(),
                group: group.clone(),
                today: cli.today,
            };
            return crate::server::serve(&env, opts);
        }
        Some(Cmd::Proxy { socket }) => {
            let default = PathBuf::from(crate::server::DEFAULT_SOCKET);
            return crate::server::proxy::proxy(socket.as_ref().unwrap_or(&default), env.lang);
        }
        // a field copy's own commands open the copy, and reach the server themselves
        Some(Cmd::Checkout { server, mine }) => return field::checkout(&env, server, *mine),
        Some(Cmd::Sync { status, drop }) => return field::sync(&env, *status, *drop),
        _ => {}
    }
    let cmd = cli.cmd.take();
    if let Some(server) = server_of(&cli, env.lang)? {
        let remote = Remote::connect_in(&server, cli.today, env.lang).map_err(env.failed())?;
        return run_remote(&mut env, &cli, cmd, remote);
    }
    let Some(cmd) = cmd else {
        return crate::tui::run(&env, cli.keymap.as_deref());
    };
    // A command that only reads never creates a ledger (a mistyped --db would otherwise
    // report an empty one), and one that fails, or a dry run, leaves no new ledger behind.
    let created = first_missing(&env.db_dir);
    if created.is_some() && cmd.only_reads() {
        let dir = env.db_dir.display().to_string();
        return Err(Failure::input(i18n::msg::store_no_ledger(env.lang, &dir)));
    }
    // held by a server of this account (a `serve`, or a TUI): through it
    if let Some(remote) = Remote::for_db(&env.db_dir, cli.today, env.lang) {
        return run_remote(&mut env, &cli, Some(cmd), remote);
    }
    let ledger = if cmd.only_reads() {
        env.open_to_read()?
    } else {
        env.open()?
    };
    // a field copy's owner acts on it
    env.ctx.actor = ledger.ctx().actor.clone();
    let bulk = matches!(
        cmd,
        Cmd::Import { dry_run: false, .. } | Cmd::Restore { .. }
    );
    let dry_run = matches!(cmd, Cmd::Import { dry_run: true, .. });
    let result = watched(&env, &ledger, cmd);
    let closed = match (&result, created) {
        // After a bulk write, let the engine take its snapshot now rather than at the next open.
        (Ok(()), _) if bulk => ledger.checkpoint().and_then(Local::close),
        (_, Some(root)) if result.is_err() || dry_run => {
            remove_new_ledger(ledger, &env.db_dir, &root);
            Ok(())
        }
        _ => ledger.close(),
    };
    // What was printed stands: a change reported done is durable before it is reported,
    // so a disk that fails while the ledger closes is worth a warning, not an exit code
    // that says the command failed.
    if let (Ok(()), Err(e)) = (&result, closed) {
        let why = Failure::ledger(e, env.lang).message;
        crate::session::say(format!(
            "zhengdun: {}",
            i18n::msg::warn_close_failed(env.lang, why)
        ));
    }
    result
}

/// A command, told first when the ledger was rolled back since this account last saw it,
/// and remembering where the ledger is after it. A restore brings an older state back on
/// purpose: the one who restores is not told (see [`session::Seen::restored`]); those who
/// saw a later state are, when they next use it. A command that only reads shows the ledger
/// as the check found it, and the check remembered that: it asks no second time (through a
/// server, one round trip less).
fn watched(env: &Env, ledger: &dyn Ledger, cmd: Cmd) -> Result<(), Failure> {
    let mut seen = session::Seen::load();
    let restoring = matches!(cmd, Cmd::Restore { .. });
    let reads = cmd.only_reads();
    if !restoring {
        if let Some(back) = seen.check(ledger) {
            let said = back.message(env.lang);
            crate::session::say(format!("zhengdun: {}", crate::text::clean(&said)));
        }
    }
    let result = run_command(env, ledger, cmd);
    match (&result, restoring) {
        (Ok(()), true) => seen.restored(ledger),
        (Ok(()), false) if !reads => seen.remember(ledger),
        _ => {}
    }
    result
}

/// The server to work through: `--server` or `ZHENGDUN_SERVER`; else, unless `--db` names a
/// ledger, `server = "…"` in the user's config file.
fn server_of(cli: &Cli, lang: Lang) -> Result<Option<String>, Failure> {
    if let Some(s) = cli.server.as_ref().filter(|s| !s.trim().is_empty()) {
        return Ok(Some(s.trim().to_string()));
    }
    if cli.db.is_some() {
        return Ok(None);
    }
    Ok(session::Config::load(lang)?.server)
}

/// A command, or the TUI, through a server: the person and the policy are the server's, and
/// so is today, unless `--today` asks to review the ledger as of another day.
fn run_remote(env: &mut Env, cli: &Cli, cmd: Option<Cmd>, remote: Remote) -> Result<(), Failure> {
    let person = remote.ctx().actor.clone();
    if let Some(named) = cli.actor.as_ref().filter(|a| !a.trim().is_empty()) {
        if named.trim() != person {
            let account = crate::session::login_name().unwrap_or_else(|| person.clone());
            return Err(Failure::ledger(
                crate::ledger::Error::Account {
                    account,
                    refusal: crate::ledger::AccountRefusal::NotYou {
                        named: named.trim().to_string(),
                        person,
                    },
                },
                env.lang,
            ));
        }
    }
    env.ctx = remote.ctx().clone();
    match cmd {
        None => crate::tui::run_on(env, cli.keymap.as_deref(), Box::new(remote)),
        Some(cmd) => watched(env, &remote, cmd),
    }
}

/// Takes away a ledger this command created and left empty. While the store is open this
/// process holds the ledger's lock, so no other process has it open: the directory is moved
/// aside under the lock (a process that comes later makes its own), then removed, and the
/// directories made above it are removed while they are empty.
fn remove_new_ledger(ledger: Local, dir: &Path, root: &Path) {
    let Some(name) = dir.file_name().filter(|_| ledger.is_empty()) else {
        let _ = ledger.close();
        return;
    };
    let aside = dir.with_file_name(format!(
        ".{}.removed-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    if fs::rename(dir, &aside).is_err() {
        let _ = ledger.close();
        return;
    }
    let _ = ledger.close();
    let _ = fs::remove_dir_all(&aside);
    for d in dir.ancestors().skip(1) {
        if !d.starts_with(root) || fs::remove_dir(d).is_err() {
            break;
        }
    }
}

/// The outermost directory of `dir` (itself or an ancestor) that does not exist yet.
fn first_missing(dir: &Path) -> Option<PathBuf> {
    let mut missing = None;
    for d in dir.ancestors().filter(|d| !d.as_os_str().is_empty()) {
        // A directory that cannot be looked at (a disk gone away) is not a missing one: the
        // store says what is wrong with it.
        if !matches!(fs::metadata(d), Err(e) if e.kind() == std::io::ErrorKind::NotFound) {
            break;
        }
        missing = Some(d.to_path_buf());
    }
    missing
}

/// `--demo`: the sample ledger in a throw-away database, "today" = its `as_of`.
fn demo(cli: Cli) -> Result<(), Failure> {
    let ledger = interchange::json::parse(
        SAMPLE,
        "sample-data/liaocheng-2017.json",
        &Policy::default(),
        Lang::En,
    )
    .map_err(|e| Failure::input(e.to_string()))?;
    let tmp = tempfile::Builder::new()
        .prefix("zhengdun-demo-")
        .tempdir()
        .context("cannot create a temporary directory for the demo")?;
    // gone with the process, even when a hung-up terminal makes the TUI end at once
    crate::session::throw_away_at_exit(tmp.path());
    let mut env = env_from_cli(&cli)?;
    env.db_dir = tmp.path().join("ledger");
    if cli.today.is_none() {
        if let Some(as_of) = ledger.as_of {
            env.ctx.today = as_of;
        }
    }
    env.open()?
        .import(ledger.cases, ledger.accountability, ChangeKind::Imported)
        .map_err(env.failed())?;
    match cli.cmd {
        None => crate::tui::run(&env, cli.keymap.as_deref()),
        Some(cmd) => run_command(&env, &env.open()?, cmd),
    }
}

pub fn run_command(env: &Env, ledger: &dyn Ledger, cmd: Cmd) -> Result<(), Failure> {
    let ctx = &env.ctx;
    let lang = env.lang;
    let today = ctx.today;
    let by = |b: Option<String>| b.unwrap_or_else(|| ctx.actor.clone());
    let exec = |id: &str, c: Command| ledger.execute(id, &[c], None).map_err(env.failed());
    match cmd {
        Cmd::Import {
            files,
            dry_run,
            update: true,
        } => import_update(env, ledger, &files, dry_run),
        Cmd::Import { files, dry_run, .. } => import(env, ledger, &files, dry_run),
        Cmd::Export { format, output } => export(env, ledger, format, output.as_deref()),
        Cmd::List(a) => list(env, ledger, &a),
        Cmd::Show { id, format } => {
            let case = ledger.case(&id).map_err(env.failed())?;
            let history = ledger.history(&id).map_err(env.failed())?;
            let text = match format {
                ShowFormat::Json => {
                    output::show_json(&case, &history, ctx).map_err(|e| anyhow!(e))?
                }
                ShowFormat::Text => output::show_text(&case, &history, ctx, lang),
            };
            print(&text)
        }
        Cmd::Stats { format, year } => {
            let s = ledger.stats(today, year).map_err(env.failed())?;
            print(&match format {
                StatsFormat::Json => serde_json::to_string_pretty(&s).map_err(|e| anyhow!(e))?,
                StatsFormat::Table => crate::stats::table(&s, lang),
            })
        }
        Cmd::Verify => {
            let r = ledger.verify().map_err(env.failed())?;
            if r.problems.is_empty() {
                print(&msg::verify_ok(lang, ledger.location(), r.cases, r.events))
            } else {
                let mut out = std::io::stdout().lock();
                for p in &r.problems {
                    let _ = writeln!(out, "{}", p.message(lang));
                }
                Err(Failure {
                    code: exit::DATABASE,
                    message: msg::verify_failed(lang, r.problems.len(), ledger.location()),
                })
            }
        }
        Cmd::Backup { file } => backup(env, ledger, &file),
        Cmd::Restore { file } => restore(env, ledger, &file),
        Cmd::New(a) => {
            let case = Case {
                problems: a.problems.unwrap_or_default(),
                deadline: a.deadline,
                relapse_of: a.relapse_of,
                ..Case::identified(
                    a.id.trim().to_string(),
                    a.year,
                    a.county.trim().to_string(),
                    a.township.trim().to_string(),
                    a.village.trim().to_string(),
                    a.situations,
                    a.identified_on,
                )
            };
            let id = case.id.clone();
            ledger
                .import(vec![case], Vec::new(), ChangeKind::Opened)
                .map_err(env.failed())?;
            print(&id)
        }
        Cmd::Pair(a) => {
            // a first pairing is dated today unless --on says otherwise; a later one keeps
            // its date unless --on gives a new one
            let paired_on = ledger
                .case(&a.id)
                .map_err(env.failed())?
                .pairing
                .and_then(|p| p.paired_on);
            let on = a.on.or(paired_on.is_none().then_some(today));
            let c = exec(
                &a.id,
                Command::Pair {
                    county_leader: a.county_leader,
                    county_leader_account: a.county_leader_account,
                    township_leader: a.township_leader,
                    first_secretary: a.first_secretary,
                    first_secretary_unit: a.unit,
                    assisting_unit: a.assisting_unit,
                    on,
                },
            )?;
            print(&format!("{} {}", c.id, c.stage.label(lang)))
        }
        Cmd::Adjust(a) if a.fix.is_some() => fix_adjustment(env, ledger, a),
        Cmd::Adjust(a) => {
            let cmd = match a.none {
                Some(reason) => Command::NoAdjustment { reason },
                None => Command::Adjust(Adjustment {
                    // clap requires these unless --none is given
                    name: a.name.unwrap_or_default(),
                    post: a
                        .post
                        .ok_or_else(|| Failure::input(msg::option_required(lang, "--post")))?,
                    reason: a
                        .reason
                        .ok_or_else(|| Failure::input(msg::option_required(lang, "--reason")))?,
                    action: a
                        .action
                        .ok_or_else(|| Failure::input(msg::option_required(lang, "--action")))?,
                    on: a.on.unwrap_or(today),
                    replacement: a.replacement,
                    replacement_source: a.source,
                }),
            };
            let c = exec(&a.id, cmd)?;
            print(&format!("{} {}", c.id, c.stage.label(lang)))
        }
        Cmd::Task { id, op } => {
            let cmd = match op {
                TaskOp::Add {
                    measure,
                    responsible,
                    due,
                } => Command::AddTask(Task {
                    measure,
                    responsible,
                    due,
                    done_on: None,
                }),
                TaskOp::Done { n, on } => Command::FinishTask {
                    number: n,
                    on: on.unwrap_or(today),
                },
                TaskOp::Fix {
                    n,
                    measure,
                    responsible,
                    due,
                    done_on,
                    not_done,
                } => {
                    let (case, old) = recorded(env, ledger, &id, n, Field::Task, |c| &c.tasks)?;
                    let task = Task {
                        measure: measure.unwrap_or(old.measure),
                        responsible: responsible.unwrap_or(old.responsible),
                        due: due.unwrap_or(old.due),
                        done_on: if not_done {
                            None
                        } else {
                            done_on.or(old.done_on)
                        },
                    };
                    let c = correct(env, ledger, &case, Command::FixTask { number: n, task })?;
                    return print(&msg::fixed(lang, &c.id, Field::Task.label(lang), n));
                }
            };
            let c = exec(&id, cmd)?;
            print(&format!("{} {}", c.id, c.tasks.len()))
        }
        Cmd::Visit(a) => match a.fix {
            Some(n) => {
                let (case, old) = recorded(env, ledger, &a.id, n, Field::Visits, |c| &c.visits)?;
                let visit = Visit {
                    on: a.on.unwrap_or(old.on),
                    by: a.by.unwrap_or(old.by),
                    kind: a.kind.unwrap_or(old.kind),
                    findings: a.findings.unwrap_or(old.findings),
                };
                let c = correct(env, ledger, &case, Command::FixVisit { number: n, visit })?;
                print(&msg::fixed(lang, &c.id, Field::Visits.label(lang), n))
            }
            None => {
                let c = exec(
                    &a.id,
                    Command::LogVisit(Visit {
                        on: a.on.unwrap_or(today),
                        by: by(a.by),
                        // clap requires these unless --fix is given
                        kind: a
                            .kind
                            .ok_or_else(|| Failure::input(msg::option_required(lang, "--kind")))?,
                        findings: a.findings.ok_or_else(|| {
                            Failure::input(msg::option_required(lang, "--findings"))
                        })?,
                    }),
                )?;
                print(&format!("{} {}", c.id, c.visits.len()))
            }
        },
        Cmd::Advance { id } => {
            // from the stage the case is at as this command sees it
            let seen = ledger.case(&id).map_err(env.failed())?;
            let c = exec(&seen.id, Command::Advance { from: seen.stage })?;
            print(&format!("{} {}", c.id, c.stage.label(lang)))
        }
        Cmd::Accept(a) => {
            let c = exec(
                &a.id,
                Command::Accept {
                    on: a.on.unwrap_or(today),
                    by: by(a.by),
                    score: a.score,
                    poll_n: a.poll_n,
                    dissatisfied: a.dissatisfied,
                    standards: a.standards,
                    new_deadline: a.new_deadline,
                },
            )?;
            print(&output::accept_result(&c, lang))
        }
        Cmd::Edit(a) => {
            let profile = a.profile();
            let edit = Edit {
                county: a.county,
                township: a.township,
                village: a.village,
                problems: a.problems,
                deadline: a.deadline,
                situations: a.situations,
                relapse_of: None,
                profile,
            };
            let c = exec(&a.id, Command::Edit(edit))?;
            print(&format!("{} {}", c.id, c.stage.label(lang)))
        }
        Cmd::User { op } => user(env, ledger, op),
        Cmd::Reopen {
            id,
            to,
            reason,
            deadline,
        } => {
            let c = exec(
                &id,
                Command::Reopen {
                    to,
                    reason,
                    deadline,
                },
            )?;
            print(&msg::reopened(
                lang,
                &c.id,
                c.stage.label(lang),
                c.effective_deadline(),
            ))
        }
        Cmd::Talk(a) => {
            let event = AccountabilityEvent {
                on: a.on.unwrap_or(today),
                county: a.county.unwrap_or_default(),
                township: a.township,
                person: a.person,
                kind: a.kind,
                reason: a.reason,
                cases: a.cases,
            };
            let ev = ledger.talk(event).map_err(env.failed())?;
            print(&msg::talk_recorded(
                lang,
                i18n::history_detail(lang, ev.change.kind, &ev.change.detail),
            ))
        }
        Cmd::Void { id, reason, on } => {
            let c = exec(
                &id,
                Command::Void {
                    on: on.unwrap_or(today),
                    reason,
                },
            )?;
            print(&msg::voided(lang, &c.id))
        }
        Cmd::Unvoid { id, reason } => {
            let reason = reason.unwrap_or_default();
            let c = exec(&id, Command::Unvoid { reason })?;
            print(&msg::unvoided(lang, &c.id, c.stage.label(lang)))
        }
        // `run` starts these before any ledger is opened
        Cmd::Serve { .. } | Cmd::Proxy { .. } => {
            Err(Failure::input(i18n::t(lang, Text::ServerNotThroughALedger)))
        }
        Cmd::Checkout { .. } | Cmd::Sync { .. } => {
            Err(Failure::input(i18n::field::not_through_server(lang)))
        }
    }
}

/// The case and its recorded entry `number` (from 1) of the list `of` picks, for a
/// correction that changes only what its options give; a number the case has no entry of
/// is refused as the domain words it.
fn recorded<T: Clone>(
    env: &Env,
    ledger: &dyn Ledger,
    id: &str,
    number: usize,
    field: Field,
    of: impl Fn(&Case) -> &Vec<T>,
) -> Result<(Case, T), Failure> {
    let case = ledger.case(id).map_err(env.failed())?;
    let list = of(&case);
    match number.checked_sub(1).and_then(|i| list.get(i)).cloned() {
        Some(entry) => Ok((case, entry)),
        None => Err(Failure::store(
            crate::ledger::StoreError::Refused {
                id: case.id.clone(),
                refusal: crate::domain::Refusal::NoSuchEntry {
                    field,
                    number,
                    count: list.len(),
                },
            },
            env.lang,
        )),
    }
}

/// A correction, made on the case as it was read: refused if someone changed it meanwhile.
fn correct(env: &Env, ledger: &dyn Ledger, case: &Case, cmd: Command) -> Result<Case, Failure> {
    let version = crate::ledger::case_version(case);
    ledger
        .execute(&case.id, &[cmd], Some(&version))
        .map_err(env.failed())
}

/// `adjust ID --fix N …`: the recorded adjustment with the options given put in its place.
fn fix_adjustment(env: &Env, ledger: &dyn Ledger, a: args::AdjustArgs) -> Result<(), Failure> {
    let n = a.fix.unwrap_or_default();
    let (case, old) = recorded(env, ledger, &a.id, n, Field::Adjustments, |c| {
        &c.adjustments
    })?;
    let replacement = match a.replacement {
        Some(r) if r.trim().is_empty() => None,
        Some(r) => Some(r),
        None => old.replacement.clone(),
    };
    let adjustment = Adjustment {
        name: a.name.unwrap_or(old.name),
        post: a.post.unwrap_or(old.post),
        reason: a.reason.unwrap_or(old.reason),
        action: a.action.unwrap_or(old.action),
        on: a.on.unwrap_or(old.on),
        replacement_source: match replacement {
            None => None,
            Some(_) => a.source.or(old.replacement_source),
        },
        replacement,
    };
    let c = correct(
        env,
        ledger,
        &case,
        Command::FixAdjustment {
            number: n,
            adjustment,
        },
    )?;
    print(&msg::fixed(
        env.lang,
        &c.id,
        Field::Adjustments.label(env.lang),
        n,
    ))
}

/// Bytes for standard output that end with their line break (a CSV list): into a pipe or a
/// file as they are, onto a terminal as [`print`] puts text.
fn print_bytes(b: &[u8]) -> Result<(), Failure> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        return print(String::from_utf8_lossy(b).trim_end());
    }
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = std::io::stdout().lock().write_all(b);
    Ok(())
}

fn print(s: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = writeln!(out, "{}", for_terminal(s));
    Ok(())
}

/// Output on its way to standard output: when that is a terminal, control characters that
/// imported or typed text may carry (escape sequences, bells, carriage returns, C1 codes) are
/// neutralised, line breaks kept; into a pipe or file the data goes unchanged.
pub fn for_terminal(s: &str) -> std::borrow::Cow<'_, str> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        neutralise(s)
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Every control character except the line break becomes U+FFFD.
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n') {
        return std::borrow::Cow::Borrowed(s);
    }
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect::<String>()
        .into()
}

/// Reads and checks every file first; writes only when all are good. The files are read as
/// they come, twice (checked, then written part by part: see [`ImportFiles`]), so that a
/// ledger of 100,000 cases is never held whole.
fn import(env: &Env, ledger: &dyn Ledger, files: &[PathBuf], dry_run: bool) -> Result<(), Failure> {
    let mut source = ImportFiles::new(env, files);
    let done = match dry_run {
        // what the import would be refused for (it checks the same itself)
        true => ledger.check_import_from(&mut source).map(|()| 0),
        false => ledger.import_from(&mut source, ChangeKind::Imported),
    };
    if let Some(failure) = source.failure.take() {
        return Err(failure);
    }
    done.map_err(
        |e| match same_village_rows(env.lang, &e, &|id| source.place(id)) {
            // a second case of a village in one year, both the files': both rows named
            Some(message) => Failure {
                message,
                ..Failure::ledger(e, env.lang)
            },
            None => Failure::ledger(e, env.lang),
        },
    )?;
    let mut report = String::new();
    for (name, n) in &source.per_file {
        report.push_str(&msg::import_file_cases(env.lang, name, n));
        report.push('\n');
    }
    // what each reader did besides reading cases: sheets skipped, columns not used, ids made
    for note in &source.notes {
        report.push_str(&crate::text::clean(note));
        report.push('\n');
    }
    let stages: Vec<String> = Stage::ALL
        .iter()
        .zip(source.by_stage)
        .map(|(s, n)| format!("{} {n}", s.label(env.lang)))
        .collect();
    let n: usize = source.per_file.iter().map(|(_, n)| n).sum();
    let stages = stages.join(env.lang.list_separator());
    match dry_run {
        true => report.push_str(&msg::import_dry_run(env.lang, n, stages)),
        false => report.push_str(&msg::import_done(env.lang, n, stages)),
    }
    print(&report)
}

/// The files of an `import` as the ledger reads them, a case at a time, once for each pass
/// it makes. The first pass also counts the cases of each file and by stage, and keeps what
/// the readers said and the accountability events. A file's own problems (and an id in two
/// files) are said before the ledger's refusal of a case, as when the files were read whole
/// first; such a problem ends the pass, and is kept in [`ImportFiles::failure`].
struct ImportFiles<'a> {
    env: &'a Env,
    files: &'a [PathBuf],
    passes: usize,
    per_file: Vec<(String, usize)>,
    notes: Vec<String>,
    by_stage: [usize; 4],
    accountability: Vec<crate::domain::AccountabilityEvent>,
    /// What the first pass learnt of each xlsx workbook that the second needs again (its
    /// merged regions, where its cases' details are), so that it reads each sheet once.
    workbooks: std::collections::HashMap<usize, interchange::xlsx::Known>,
    failure: Option<Failure>,
    /// Each case's file (by its number), its place in the files' order and its place in
    /// its file (the first pass's): what the refusal of a second case of a village in one
    /// year names, and what finds an id in two files. Held compactly: 100,000 of them.
    place_of: std::collections::HashMap<Box<str>, (u32, u32, Box<str>)>,
}

impl<'a> ImportFiles<'a> {
    fn new(env: &'a Env, files: &'a [PathBuf]) -> Self {
        ImportFiles {
            env,
            files,
            passes: 0,
            per_file: Vec::new(),
            notes: Vec::new(),
            by_stage: [0; 4],
            accountability: Vec::new(),
            workbooks: Default::default(),
            failure: None,
            place_of: Default::default(),
        }
    }

    /// A case's file, place in it and place in the files' order, as the first pass read it.
    fn place(&self, id: &str) -> Option<RowAt> {
        let (file, at, place) = self.place_of.get(id)?;
        let file = self.files.get(*file as usize)?.display().to_string();
        Some((file, place.to_string(), *at as usize))
    }

    /// Ends the pass with a problem of the files; the import says it as it is.
    fn fail(&mut self, failure: Failure) -> Result<(), crate::ledger::StoreError> {
        let said = crate::ledger::StoreError::Io(failure.message.clone());
        self.failure = Some(failure);
        Err(said)
    }
}

impl crate::ledger::CaseSource for ImportFiles<'_> {
    fn pass(
        &mut self,
        each: &mut dyn FnMut(Case) -> Result<(), crate::ledger::StoreError>,
    ) -> Result<(), crate::ledger::StoreError> {
        let first = self.passes == 0;
        self.passes += 1;
        let env = self.env;
        // the ledger's first refusal, said once every file is read
        let mut refused = None;
        for (i, f) in self.files.iter().enumerate() {
            let name = f.display().to_string();
            let mut across = None;
            let mut n = 0usize;
            let mut by_stage = [0usize; 4];
            let (files, place_of) = (self.files, &mut self.place_of);
            let mut feed = |c: Case, place: String| {
                n += 1;
                if first {
                    let at = (i as u32, place_of.len() as u32, place.into_boxed_str());
                    let earlier = place_of.insert(c.id.clone().into_boxed_str(), at);
                    if let Some(k) = by_stage.get_mut(c.stage.index()) {
                        *k += 1;
                    }
                    // Each file has no id twice (its reader checks); across files, say which two.
                    if let (None, Some((f0, ..))) = (&across, earlier) {
                        let earlier = files.get(f0 as usize).map(|f| f.display().to_string());
                        across = Some(Failure::input(i18n::msg::import_duplicate_across(
                            env.lang,
                            &c.id,
                            earlier.unwrap_or_default(),
                            &name,
                        )));
                    }
                }
                if refused.is_none() && across.is_none() {
                    refused = each(c).err();
                }
            };
            let known = self.workbooks.entry(i).or_default();
            let read = read_cases(f, env, known, &mut feed);
            let (said, accountability) = match read {
                Ok(read) => read,
                Err(failure) => return self.fail(failure),
            };
            if let Some(failure) = across {
                return self.fail(failure);
            }
            if first {
                self.per_file.push((name, n));
                self.notes.extend(said);
                self.accountability.extend(accountability);
                for (all, k) in self.by_stage.iter_mut().zip(by_stage) {
                    *all += k;
                }
            }
        }
        refused.map_or(Ok(()), Err)
    }

    fn accountability(&mut self) -> Vec<crate::domain::AccountabilityEvent> {
        self.accountability.clone()
    }
}

/// Reads one ledger file by its extension, handing each case to `each` as it is read (a
/// JSON ledger as it comes, a CSV file or a workbook a row at a time; any other file read
/// whole first) with its place in the file (a row as the spreadsheet numbers it,
/// `cases[N]`); returns what its reader said about how it read it, and the file's
/// accountability events. `known` is what an earlier pass over a workbook learnt of it.
fn read_cases(
    path: &Path,
    env: &Env,
    known: &mut interchange::xlsx::Known,
    each: &mut dyn FnMut(Case, String),
) -> Result<(Vec<String>, Vec<crate::domain::AccountabilityEvent>), Failure> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut fed = 0usize;
    let opts = interchange::ReadOptions {
        policy: &env.ctx.policy,
        lang: env.lang,
        today: Some(env.ctx.today),
    };
    if ext == "csv" || ext == "txt" {
        // a row at a time; every problem of the file is said once it is read to the end
        let name = path.display().to_string();
        let file = fs::File::open(path).map_err(|e| Failure::input(format!("{name}: {e}")))?;
        let said = interchange::csv::stream(file, &name, &opts, each)
            .map_err(|errors| import_problems(&name, &errors, env.lang))?;
        return Ok((said, Vec::new()));
    }
    if matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "ods") {
        // a sheet at a time, a row at a time (xls and ods sheets read whole); every problem
        // of the workbook is said once it is read to the end
        let name = path.display().to_string();
        let said = interchange::xlsx::stream_file(path, &name, &opts, known, each)
            .map_err(|errors| import_problems(&name, &errors, env.lang))?;
        return Ok((said, Vec::new()));
    }
    if ext == "json" {
        if let Ok(file) = fs::File::open(path) {
            let read = interchange::json::stream(file, &opts, &mut |c| {
                each(c, format!("cases[{fed}]"));
                fed += 1;
            });
            if let Some(read) = read {
                return Ok((Vec::new(), read.accountability));
            }
        }
    }
    // read whole: a backup, and every problem worded
    let (file, said, places) = read_ledger_placed(path, env)?;
    file.cases
        .into_iter()
        .zip(places)
        .skip(fed)
        .for_each(|(c, place)| each(c, place));
    Ok((said, file.accountability))
}

/// A case's file, its place in the file, and its place in the files' order.
type RowAt = (String, String, usize);

/// The refusal of a second case of a village in one year when both cases are rows of the
/// files imported (`import` and `import --update` alike): both rows in the files' order,
/// the village, the year and the fix. `None` for any other error, or when the first case
/// is not the files' (the ledger held it: the refusal names it as it is).
/// `at` gives a case's row.
fn same_village_rows(
    lang: Lang,
    e: &crate::ledger::Error,
    at: &dyn Fn(&str) -> Option<RowAt>,
) -> Option<String> {
    use crate::domain::Refusal;
    use crate::ledger::{Error, StoreError};
    let Error::Store(StoreError::Refused {
        id,
        refusal: Refusal::SameVillageYear { other, year, place },
    }) = e
    else {
        return None;
    };
    let row = |(file, place, _): &RowAt| format!("{file}: {place}");
    let (at, first_at) = (at(id)?, at(other)?);
    let (mut a, mut b) = ((other, &first_at), (id, &at));
    if at.2 < first_at.2 {
        std::mem::swap(&mut a, &mut b);
    }
    // the second row's file is said again only when it is another file
    let second = match a.1 .0 == b.1 .0 {
        true => b.1 .1.clone(),
        false => row(b.1),
    };
    Some(msg::update_same_village(
        lang,
        row(a.1),
        a.0,
        second,
        b.0,
        place,
        year,
        id,
        other,
    ))
}

/// What the cases of an `import --update` come to, part by part as the files are read:
/// the cases to open, the updates of those the ledger has, how many are unchanged, each
/// case's refusal, and every case's file and place in the files' order.
#[derive(Default)]
struct Sorted {
    opened: Vec<Case>,
    updates: Vec<crate::ledger::CaseUpdate>,
    unchanged: usize,
    problems: Vec<String>,
    place_of: std::collections::HashMap<String, (String, String)>,
    order: Vec<String>,
}

impl Sorted {
    /// Sorts one part of the file `file`'s cases (each with its place in the file) against
    /// the ledger's records of them, read for this part only; `part` is left empty.
    fn part(
        &mut self,
        env: &Env,
        ledger: &dyn Ledger,
        held: &std::collections::HashMap<String, String>,
        file: &str,
        part: &mut Vec<(String, Case)>,
    ) -> Result<(), Failure> {
        let known: Vec<String> = part
            .iter()
            .filter_map(|(_, c)| held.get(&c.id.to_ascii_lowercase()).cloned())
            .collect();
        let recorded: std::collections::HashMap<String, Case> = match known.is_empty() {
            true => Default::default(),
            false => ledger
                .cases(Some(&known))
                .map_err(env.failed())?
                .into_iter()
                .map(|c| (c.id.clone(), c))
                .collect(),
        };
        for (place, mut case) in part.drain(..) {
            let old = held
                .get(&case.id.to_ascii_lowercase())
                .and_then(|id| recorded.get(id));
            if let Some(old) = old {
                case.id = old.id.clone();
            }
            self.place_of
                .insert(case.id.clone(), (file.to_string(), place.clone()));
            self.order.push(case.id.clone());
            let Some(old) = old else {
                self.opened.push(case);
                continue;
            };
            match crate::domain::commands_between(old, &case) {
                Ok(u) if u.is_nothing(old) => self.unchanged += 1,
                Ok(update) => self.updates.push(crate::ledger::CaseUpdate {
                    id: old.id.clone(),
                    update,
                    expected: Some(crate::ledger::case_version(old)),
                }),
                Err(r) => self.problems.push(format!(
                    "{file}: {}: {}",
                    msg::update_place(env.lang, &place, &case.id),
                    i18n::refusal(env.lang, &r)
                )),
            }
        }
        Ok(())
    }
}

/// `import --update`: every file read (a part at a time) and checked first; each of its
/// cases that the ledger has becomes the commands that bring the recorded case to the file's (see
/// [`crate::domain::commands_between`]), the others are opened; then all of it goes through
/// the domain's path in one atomic write, or — with `--dry-run`, or on the first refusal —
/// nothing. Every refusal names the file, the sheet and row, the case and how to fix it.
fn import_update(
    env: &Env,
    ledger: &dyn Ledger,
    files: &[PathBuf],
    dry_run: bool,
) -> Result<(), Failure> {
    use std::collections::HashMap;
    let lang = env.lang;
    // the cases the ledger holds, by id without regard to letter case
    let held: HashMap<String, String> = ledger
        .summaries()
        .map_err(env.failed())?
        .iter()
        .map(|s| (s.id().to_ascii_lowercase(), s.id().to_string()))
        .collect();
    let mut sorted = Sorted::default();
    let mut notes = Vec::new();
    let mut file_of: HashMap<String, String> = HashMap::new();
    // the files' cases as they are read, a part at a time: only what each part comes to
    // (the cases it opens, the commands of those it changes) is kept
    for f in files {
        let name = f.display().to_string();
        let mut part: Vec<(String, Case)> = Vec::with_capacity(PART);
        let mut failure = None;
        let (said, _) = read_cases(f, env, &mut Default::default(), &mut |c, place| {
            if failure.is_some() {
                return;
            }
            if let Some(first) = file_of.insert(c.id.to_ascii_lowercase(), name.clone()) {
                failure = Some(Failure::input(msg::import_duplicate_across(
                    lang, &c.id, &first, &name,
                )));
                return;
            }
            part.push((place, c));
            if part.len() == PART {
                failure = sorted.part(env, ledger, &held, &name, &mut part).err();
            }
        })?;
        if let Some(failure) = failure {
            return Err(failure);
        }
        sorted.part(env, ledger, &held, &name, &mut part)?;
        notes.extend(said);
    }
    let Sorted {
        opened,
        updates,
        unchanged,
        problems,
        place_of,
        order,
    } = sorted;
    if let [one] = problems.as_slice() {
        return Err(Failure {
            code: exit::REFUSED,
            message: one.clone(),
        });
    }
    if !problems.is_empty() {
        let mut err = std::io::stderr().lock();
        for p in &problems {
            let _ = writeln!(err, "zhengdun: {}", crate::text::clean(p));
        }
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        return Err(Failure {
            code: exit::REFUSED,
            message: msg::import_problems(lang, problems.len(), names.join(lang.list_separator())),
        });
    }
    let stage_of: HashMap<String, Stage> = opened.iter().map(|c| (c.id.clone(), c.stage)).collect();
    let report = ledger.update(opened, updates, !dry_run).map_err(|e| {
        use crate::domain::Refusal;
        let (at, refusal) = match &e {
            crate::ledger::Error::Store(crate::ledger::StoreError::Refused { id, refusal }) => {
                (place_of.get(id).map(|at| (id, at)), Some(refusal))
            }
            _ => (None, None),
        };
        let row = |(file, place): &(String, String)| format!("{file}: {place}");
        let twice = same_village_rows(lang, &e, &|id| {
            let (file, place) = place_of.get(id)?;
            let pos = order.iter().position(|o| o == id)?;
            Some((file.clone(), place.clone(), pos))
        });
        let hint = match refusal {
            Some(Refusal::SameVillageYear { .. }) => Text::UpdateNothingWritten,
            _ => Text::UpdateRefusedHint,
        };
        let at = at.map(|(_, at)| at.clone());
        let f = Failure::ledger(e, lang);
        match (twice, at) {
            (Some(message), _) => Failure { message, ..f },
            (None, Some(at)) => Failure {
                message: format!("{}: {}{}", row(&at), f.message, i18n::t(lang, hint)),
                ..f
            },
            (None, None) => f,
        }
    })?;
    let mut out = String::new();
    for note in &notes {
        out.push_str(&crate::text::clean(note));
        out.push('\n');
    }
    let place = |id: &str| {
        place_of
            .get(id)
            .map(|(file, place)| format!("{file}: {place}"))
            .unwrap_or_default()
    };
    // case by case, in the file's order
    let changed: HashMap<&str, &Vec<crate::domain::Change>> = report
        .changed
        .iter()
        .map(|(id, c)| (id.as_str(), c))
        .collect();
    let opened: std::collections::HashSet<&str> =
        report.opened.iter().map(String::as_str).collect();
    let mut count = 0;
    for id in &order {
        if opened.contains(id.as_str()) {
            let stage = stage_of.get(id).map_or("", |s| s.label(lang));
            out.push_str(&msg::update_opened(lang, place(id), id, stage));
            out.push('\n');
            continue;
        }
        let Some(changes) = changed.get(id.as_str()) else {
            continue;
        };
        count += changes.len();
        let texts: Vec<String> = changes
            .iter()
            .map(|c| output::change_text(c, lang))
            .collect();
        let sep = match lang {
            Lang::Zh => "；",
            Lang::En => "; ",
        };
        out.push_str(&msg::update_case(lang, place(id), id, texts.join(sep)));
        out.push('\n');
    }
    let (o, c) = (report.opened.len(), report.changed.len());
    out.push_str(&if dry_run {
        msg::update_dry_run(lang, o, c, count, unchanged)
    } else {
        msg::update_done(lang, o, c, count, unchanged)
    });
    print(&out)
}

/// Reads one ledger file by its extension, with what its reader says about how it read it
/// and where each case is in it (its sheet and row; its place in a JSON file's list).
pub fn read_ledger_placed(
    path: &Path,
    env: &Env,
) -> Result<(LedgerFile, Vec<String>, Vec<String>), Failure> {
    let name = path.display().to_string();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if matches!(
        ext.as_str(),
        "csv" | "txt" | "xlsx" | "xlsm" | "xls" | "ods"
    ) {
        let opts = interchange::ReadOptions {
            policy: &env.ctx.policy,
            lang: env.lang,
            today: Some(env.ctx.today),
        };
        let read = read_table(path, &name, &ext, &opts)
            .map_err(|errors| import_problems(&name, &errors, env.lang))?;
        return Ok((
            LedgerFile::new(None, read.cases, vec![]),
            read.notes,
            read.places,
        ));
    }
    let (file, notes) = read_ledger_noted(path, env)?;
    let places = (0..file.cases.len())
        .map(|i| format!("cases[{i}]"))
        .collect();
    Ok((file, notes, places))
}

/// Reads one ledger file by its extension.
pub fn read_ledger(path: &Path, env: &Env) -> Result<LedgerFile, Failure> {
    read_ledger_noted(path, env).map(|(l, _)| l)
}

/// Reads one ledger file by its extension, with what its reader says about how it read it
/// (sheets skipped and why, columns not used, ids made).
pub fn read_ledger_noted(path: &Path, env: &Env) -> Result<(LedgerFile, Vec<String>), Failure> {
    let name = path.display().to_string();
    let opts = interchange::ReadOptions {
        policy: &env.ctx.policy,
        lang: env.lang,
        today: Some(env.ctx.today),
    };
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "json" => {
            let text =
                fs::read_to_string(path).map_err(|e| Failure::input(format!("{name}: {e}")))?;
            let text = crate::backup::as_ledger(&text, &name).map_err(Failure::input)?;
            interchange::json::import(&text, &name, &opts)
                .map(|l| (l, Vec::new()))
                .map_err(|e| Failure::input(e.to_string()))
        }
        "csv" | "txt" | "xlsx" | "xlsm" | "xls" | "ods" => {
            let read = read_table(path, &name, &ext, &opts)
                .map_err(|errors| import_problems(&name, &errors, env.lang))?;
            Ok((LedgerFile::new(None, read.cases, vec![]), read.notes))
        }
        _ if path.is_dir() => Err(Failure::input(msg::import_directory(env.lang, &name))),
        "" => Err(Failure::input(msg::import_no_ending(env.lang, &name))),
        other => Err(Failure::input(msg::import_bad_ending(
            env.lang, &name, other,
        ))),
    }
}

/// Reads a CSV file or a workbook whole (a workbook from its file, a sheet at a time, as
/// [`interchange::xlsx::stream_file`] reads it).
fn read_table(
    path: &Path,
    name: &str,
    ext: &str,
    opts: &interchange::ReadOptions,
) -> Result<interchange::Imported, Vec<interchange::InputError>> {
    if ext == "csv" || ext == "txt" {
        let bytes = fs::read(path).map_err(|e| {
            vec![interchange::InputError {
                file: name.to_string(),
                place: String::new(),
                problem: e.to_string(),
            }]
        })?;
        return interchange::csv::import(&bytes, name, opts);
    }
    let mut read = interchange::Imported::default();
    let each = &mut |c, place| {
        read.cases.push(c);
        read.places.push(place);
    };
    let notes = interchange::xlsx::stream_file(path, name, opts, &mut Default::default(), each)?;
    read.notes = notes;
    Ok(read)
}

/// One problem is the message; several are listed on stderr, one line each (a clerk fixes
/// them in one pass), and the message counts them.
fn import_problems(name: &str, errors: &[interchange::InputError], lang: Lang) -> Failure {
    const SHOWN: usize = 100;
    if errors.len() <= 1 {
        return Failure::input(interchange::summary(errors, lang));
    }
    let mut err = std::io::stderr().lock();
    for e in errors.iter().take(SHOWN) {
        let _ = writeln!(err, "zhengdun: {}", crate::text::clean(&e.to_string()));
    }
    let n = errors.len().to_string();
    Failure::input(i18n::msg::import_problems(lang, &n, name))
}

fn export(
    env: &Env,
    ledger: &dyn Ledger,
    format: Option<ExportFormat>,
    output: Option<&Path>,
) -> Result<(), Failure> {
    // without --format, the output file's extension decides (台账.xlsx is a workbook)
    let by_extension = output
        .and_then(|p| p.extension())
        .map(|e| e.to_string_lossy().to_lowercase())
        .and_then(|e| match e.as_str() {
            "xlsx" => Some(ExportFormat::Xlsx),
            "csv" => Some(ExportFormat::Csv),
            "json" => Some(ExportFormat::Json),
            _ => None,
        });
    let format = format.or(by_extension).unwrap_or(ExportFormat::Json);
    use std::io::{self, IsTerminal};
    if format == ExportFormat::Xlsx && output.is_none() && io::stdout().is_terminal() {
        return Err(Failure::input(i18n::t(env.lang, Text::XlsxNeedsOutput)));
    }
    export_streamed(env, ledger, format, output)
}

/// `export`, written as the cases are read, a part at a time: a ledger of 100,000 cases is
/// never held whole. The first part is read before anything is written, so that a refusal
/// (an export is a clerk's) leaves no half output. The xlsx workbook's sheets keep their rows
/// in temporary files beside the output (or in the system's temporary directory, for standard
/// output) until the workbook is put together at the end.
fn export_streamed(
    env: &Env,
    ledger: &dyn Ledger,
    format: ExportFormat,
    output: Option<&Path>,
) -> Result<(), Failure> {
    let (first, mut next) = ledger.export_part(None, PART).map_err(env.failed())?;
    let accountability = match format {
        ExportFormat::Json => ledger.accountability().map_err(env.failed())?,
        _ => Vec::new(),
    };
    let mut first = Some(first);
    let parts = std::iter::from_fn(move || {
        if let Some(part) = first.take() {
            return Some(Ok(part));
        }
        let after = next.take()?;
        match ledger.export_part(Some(after), PART) {
            Ok((part, then)) => {
                next = then;
                Some(Ok(part))
            }
            Err(e) => Some(Err(Failure::ledger(e, env.lang).message)),
        }
    });
    let cases = parts.flat_map(|part| match part {
        Ok(cases) => cases.into_iter().map(Ok).collect::<Vec<_>>(),
        Err(e) => vec![Err(e)],
    });
    stream_out(output, env.lang, |out| match format {
        ExportFormat::Csv => {
            // With a BOM, Excel on Chinese Windows opens the UTF-8 file without garbling
            // it; a script reading standard output gets plain UTF-8.
            if output.is_some() {
                out.write_all(b"\xEF\xBB\xBF").map_err(io_failure)?;
            }
            let mut w =
                interchange::csv::Writer::new(&mut *out, env.lang, &[]).map_err(io_failure)?;
            for c in cases {
                w.case(&c.map_err(Failure::input)?, Vec::new())
                    .map_err(io_failure)?;
            }
            w.finish().map_err(io_failure)
        }
        ExportFormat::Xlsx => {
            let spill = output.map(output_dir);
            let failed = |e| xlsx_failure(env.lang, spill, e);
            let mut w =
                interchange::xlsx::Writer::new(spill, env.ctx.today, &env.ctx.policy, env.lang)
                    .map_err(failed)?;
            for c in cases {
                w.case(&c.map_err(Failure::input)?).map_err(failed)?;
            }
            w.finish(out).map_err(failed)
        }
        ExportFormat::Json => {
            let ledger = interchange::json::StreamedLedger {
                format: interchange::json::FORMAT,
                as_of: Some(env.ctx.today),
                cases: interchange::json::Streamed::new(cases),
                accountability: &accountability,
            };
            let mut ser = serde_json::Serializer::pretty(&mut *out);
            serde::Serialize::serialize(&ledger, &mut ser)
                .map_err(|e| Failure::input(e.to_string()))?;
            writeln!(out).map_err(io_failure)
        }
    })
}

/// Applies the list filters of the CLI to the ledger's summaries (and, with `--search`, to
/// the ids of its hits): the selected ones in order, with their due status.
pub fn select(
    summaries: &[Summary],
    a: &ListArgs,
    search_hits: Option<&[String]>,
    today: NaiveDate,
    policy: &Policy,
) -> Vec<(usize, DueStatus)> {
    let due = listing::statuses(summaries, today, policy);
    // the store gives summaries in id order
    let hits: Option<Vec<usize>> = search_hits.map(|ids| {
        ids.iter()
            .filter_map(|id| summaries.binary_search_by(|s| s.id().cmp(id)).ok())
            .collect()
    });
    let filter = list_filter(a);
    listing::select(summaries, &due, &filter, hits.as_deref(), Sort::MostOverdue)
        .into_iter()
        .filter_map(|i| due.get(i).map(|d| (i, *d)))
        .collect()
}

/// What `list`'s options narrow the list to.
fn list_filter(a: &ListArgs) -> Filter {
    Filter {
        overdue: a.overdue,
        stage: a.stage,
        county: a.county.clone(),
        township: a.township.clone(),
        leader: a.leader.clone(),
        partial: true,
    }
}

fn list(env: &Env, ledger: &dyn Ledger, a: &ListArgs) -> Result<(), Failure> {
    if a.voided {
        return list_voided(env, ledger, a);
    }
    if a.format == ListFormat::Csv {
        // a server writes it from the rows it keeps ready: this process only prints
        let filter = list_filter(a);
        let ready = ledger
            .list_csv(&filter, a.search.as_deref(), env.ctx.today, env.lang)
            .map_err(env.failed())?;
        if let Some(csv) = ready {
            return print_bytes(&csv);
        }
    }
    let summaries = ledger.summaries().map_err(env.failed())?;
    let hits = match &a.search {
        Some(q) => Some(ledger.search(q).map_err(env.failed())?),
        None => None,
    };
    let sel = select(
        &summaries,
        a,
        hits.as_deref(),
        env.ctx.today,
        &env.ctx.policy,
    );
    let due: Vec<DueStatus> = sel.iter().map(|(_, d)| *d).collect();
    if a.format == ListFormat::Table {
        let rows: Vec<&Summary> = sel.iter().filter_map(|(i, _)| summaries.get(*i)).collect();
        return print(&output::list_table(&rows, &due, &env.ctx, env.lang));
    }
    // JSON and CSV carry whole cases: read a part at a time and written as they come, so
    // that a list of 100,000 cases is never held whole
    let ids: Vec<String> = sel
        .iter()
        .filter_map(|(i, _)| summaries.get(*i).map(|s| s.id().to_string()))
        .collect();
    drop(summaries);
    let cases = ids.chunks(PART).flat_map(|part| {
        let read = ledger.cases(Some(part)).map_err(env.failed());
        let (cases, err) = match read {
            Ok(c) => (c, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        cases.into_iter().map(Ok).chain(err.map(Err))
    });
    let with_due = cases.zip(&due);
    stream_out(None, env.lang, |out| match a.format {
        ListFormat::Json => {
            let items = with_due.map(|(c, d)| match c {
                Ok(c) => output::case_json(&c, d).map_err(|e| e.to_string()),
                Err(f) => Err(f.message),
            });
            let mut ser = serde_json::Serializer::pretty(&mut *out);
            serde::Serialize::serialize(&interchange::json::Streamed::new(items), &mut ser)
                .map_err(|e| Failure::input(e.to_string()))?;
            writeln!(out).map_err(io_failure)
        }
        _ => {
            let header = [i18n::t(env.lang, Text::XlsxDaysOverdue)];
            let mut w =
                interchange::csv::Writer::new(&mut *out, env.lang, &header).map_err(io_failure)?;
            for (c, d) in with_due {
                w.case(&c?, vec![d.days_overdue.to_string()])
                    .map_err(io_failure)?;
            }
            w.finish().map_err(io_failure)
        }
    })
}

/// `list --voided`: the cases voided as entered by mistake, in id order, with who voided
/// them, when and why, narrowed by a part of the county's or township's name.
fn list_voided(env: &Env, ledger: &dyn Ledger, a: &ListArgs) -> Result<(), Failure> {
    let holds = |asked: &Option<String>, name: &str| {
        asked.as_deref().is_none_or(|q| name.contains(q.trim()))
    };
    let mut cases = ledger.voided().map_err(env.failed())?;
    cases.retain(|v| holds(&a.county, &v.case.county) && holds(&a.township, &v.case.township));
    match a.format {
        ListFormat::Table => print(&output::voided_table(&cases, env.lang)),
        ListFormat::Json => {
            let items: Vec<serde_json::Value> = cases
                .iter()
                .map(output::voided_json)
                .collect::<Result<_, _>>()
                .map_err(|e| Failure::input(e.to_string()))?;
            print(&serde_json::to_string_pretty(&items).map_err(|e| anyhow!(e))?)
        }
        ListFormat::Csv => stream_out(None, env.lang, |out| {
            let lang = env.lang;
            let header = [
                i18n::t(lang, Text::CsvVoidedOn),
                i18n::t(lang, Text::CsvVoidReason),
                i18n::t(lang, Text::CsvVoidedBy),
                i18n::t(lang, Text::CsvVoidedAt),
            ];
            let mut w =
                interchange::csv::Writer::new(&mut *out, lang, &header).map_err(io_failure)?;
            for v in &cases {
                let (on, reason) = v
                    .case
                    .voided
                    .as_ref()
                    .map(|x| (x.on.to_string(), x.reason.clone()))
                    .unwrap_or_default();
                let extra = vec![
                    on,
                    reason,
                    v.by.clone().unwrap_or_default(),
                    v.at.clone().unwrap_or_default(),
                ];
                w.case(&v.case, extra).map_err(io_failure)?;
            }
            w.finish().map_err(io_failure)
        }),
    }
}

/// How many whole cases a list or an export reads at a time.
const PART: usize = 500;

fn io_failure(e: std::io::Error) -> Failure {
    Failure::input(e.to_string())
}

/// The directory a file is written in.
fn output_dir(file: &Path) -> &Path {
    file.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A full disk under `dir` (named in full), said as such (exit 3, as for the ledger's own disk).
fn disk_full(lang: Lang, dir: &Path, detail: impl std::fmt::Display) -> Failure {
    let dir = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    Failure {
        code: exit::DATABASE,
        message: msg::output_disk_full(lang, dir.display(), detail),
    }
}

/// The workbook writer's failure: a full disk under its temporary files (`dir`, else the
/// system's temporary directory) or the output is said as such.
fn xlsx_failure(lang: Lang, dir: Option<&Path>, e: interchange::xlsx::WriteError) -> Failure {
    use crate::ledger::DiskProblem;
    let errno = match &e {
        interchange::xlsx::WriteError::Spilled(text) => crate::ledger::os_error_in_text(text),
        other => other.io().and_then(std::io::Error::raw_os_error),
    };
    let io = errno.map(std::io::Error::from_raw_os_error);
    match io.as_ref().and_then(DiskProblem::of) {
        Some(DiskProblem::Full) => {
            let tmp = std::env::temp_dir();
            disk_full(
                lang,
                dir.unwrap_or(&tmp),
                io.map(|e| e.to_string()).unwrap_or_default(),
            )
        }
        _ => Failure::input(format!("xlsx: {e}")),
    }
}

/// Writes output as it is made: into `file` (readable by its owner only, through a
/// temporary file renamed into place, so a failed write leaves no half file; a full disk is
/// said as such), or to standard output — where a terminal gets its control characters
/// neutralised (collected first: nobody reads 100,000 cases on a terminal), and a closed pipe
/// (`| head`) ends the writing without a message.
fn stream_out(
    file: Option<&Path>,
    lang: Lang,
    write: impl FnOnce(&mut (dyn Write + Send)) -> Result<(), Failure>,
) -> Result<(), Failure> {
    use std::io::{BufWriter, IsTerminal};
    if let Some(path) = file {
        let name = path.display().to_string();
        let dir = output_dir(path);
        let failed = |e: std::io::Error| match crate::ledger::DiskProblem::of(&e) {
            Some(crate::ledger::DiskProblem::Full) => {
                let f = disk_full(lang, dir, &e);
                Failure {
                    message: format!("{name}: {}", f.message),
                    ..f
                }
            }
            _ => Failure::input(format!("{name}: {e}")),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".zhengdun-export-")
            .tempfile_in(dir)
            .map_err(failed)?;
        let mut w = BufWriter::new(DiskWatch {
            out: tmp,
            full: None,
        });
        let written = write(&mut w);
        if let Some(e) = w.get_mut().full.take() {
            return Err(failed(e));
        }
        written.map_err(|f| Failure {
            message: format!("{name}: {}", f.message),
            ..f
        })?;
        let tmp = w.into_inner().map_err(|e| failed(e.into_error()))?.out;
        tmp.as_file().sync_all().map_err(failed)?;
        tmp.persist(path).map_err(|e| failed(e.error))?;
        return Ok(());
    }
    let stdout = std::io::stdout();
    if stdout.is_terminal() {
        let mut buf = Vec::new();
        write(&mut buf)?;
        let text = String::from_utf8_lossy(&buf);
        let _ = stdout.lock().write_all(neutralise(&text).as_bytes());
        return Ok(());
    }
    let mut w = BufWriter::new(PipeWatch {
        out: stdout,
        closed: false,
    });
    match write(&mut w).and_then(|()| w.flush().map_err(io_failure)) {
        Err(_) if w.get_ref().closed => Ok(()),
        r => r,
    }
}

/// A file being written that keeps the error of a write that failed on a full disk, for the
/// message (the writer on top of it may put it in other words). It writes to the file itself:
/// a temporary file's own errors carry its path, no longer the system's error number.
struct DiskWatch {
    out: tempfile::NamedTempFile,
    full: Option<std::io::Error>,
}

impl Write for DiskWatch {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.out.as_file_mut().write(buf);
        self.note(r)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.out.as_file_mut().flush();
        self.note(r)
    }
}

impl DiskWatch {
    fn note<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r {
            if self.full.is_none()
                && crate::ledger::DiskProblem::of(e) == Some(crate::ledger::DiskProblem::Full)
            {
                self.full = e.raw_os_error().map(std::io::Error::from_raw_os_error);
            }
        }
        r
    }
}

/// Standard output that notes when the reader went away (a closed pipe). The write that
/// finds it gone fails; what is written after it goes nowhere without another error (the
/// workbook's zip writer would print its failed finish on standard error as it is dropped).
struct PipeWatch<W> {
    out: W,
    closed: bool,
}

impl<W: Write> Write for PipeWatch<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let r = self.out.write(buf);
        self.closed |= matches!(&r, Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe);
        r
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.out.flush();
        self.closed |= matches!(&r, Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe);
        r
    }
}

/// `user add|list|remove|history`: the roster (SPEC §9).
fn user(env: &Env, ledger: &dyn Ledger, op: UserOp) -> Result<(), Failure> {
    let lang = env.lang;
    let changed = |ev: &crate::ledger::Event| {
        format!(
            "{} {}",
            i18n::change_label(lang, ev.change.kind),
            i18n::history_detail(lang, ev.change.kind, &ev.change.detail)
        )
    };
    match op {
        UserOp::Add {
            login,
            name,
            role,
            county,
            township,
        } => {
            let person = Person {
                login,
                name,
                role,
                county,
                township,
            };
            let shown = person.login.clone();
            match ledger.add_person(person).map_err(env.failed())? {
                Some(ev) => print(&changed(&ev)),
                None => print(&i18n::msg::user_unchanged(lang, shown)),
            }
        }
        UserOp::Remove { login } => {
            let ev = ledger.remove_person(&login).map_err(env.failed())?;
            print(&changed(&ev))
        }
        UserOp::List { format } => {
            let people = ledger.roster().map_err(env.failed())?;
            match format {
                StatsFormat::Json => {
                    // Plain data: serialising cannot fail.
                    print(&serde_json::to_string_pretty(&people).unwrap_or_default())
                }
                StatsFormat::Table if people.is_empty() => print(i18n::t(lang, Text::UserEmpty)),
                StatsFormat::Table => print(&output::roster_table(&people, lang)),
            }
        }
        UserOp::History => {
            let events = ledger.roster_history().map_err(env.failed())?;
            let lines: Vec<String> = events
                .iter()
                .map(|e| output::history_line(e, lang))
                .collect();
            print(&lines.join("\n"))
        }
    }
}

/// `backup FILE`: one consistent snapshot, written private and synced.
fn backup(env: &Env, ledger: &dyn Ledger, file: &Path) -> Result<(), Failure> {
    let mut counts = (0, 0);
    stream_out(Some(file), env.lang, |out| {
        counts = ledger
            .backup_to(Some(env.ctx.today), out)
            .map_err(env.failed())?;
        Ok(())
    })?;
    let (cases, events) = counts;
    print(&msg::backup_done(env.lang, file.display(), cases, events))
}

/// `restore FILE`: a backup into an empty ledger, history and all.
fn restore(env: &Env, ledger: &dyn Ledger, file: &Path) -> Result<(), Failure> {
    let name = file.display().to_string();
    let text = fs::read_to_string(file).map_err(|e| Failure::input(format!("{name}: {e}")))?;
    let b = crate::backup::parse(&text, &name).map_err(Failure::input)?;
    let r = ledger.restore(b, &name).map_err(env.failed())?;
    let v = ledger.verify().map_err(env.failed())?;
    if !v.problems.is_empty() {
        return Err(Failure {
            code: exit::DATABASE,
            message: msg::restore_verify_failed(
                env.lang,
                v.problems
                    .iter()
                    .map(|p| p.message(env.lang))
                    .collect::<Vec<_>>()
                    .join(match env.lang {
                        Lang::Zh => "；",
                        Lang::En => "; ",
                    }),
            ),
        });
    }
    print(&msg::restore_done(
        env.lang,
        r.cases,
        r.events,
        r.accountability,
        ledger.location(),
    ))
}
