//! The command line of SPEC §5, as clap definitions. Parsing only; `cli::run` acts.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::domain::{
    AccountabilityKind, AdjustAction, AdjustReason, Coded, Post, ReplacementSource, Role,
    Situation, Stage, VillageKind, VisitKind,
};
use crate::i18n::{parse_label, Label};
use crate::interchange::dates;

fn date(s: &str) -> Result<NaiveDate, String> {
    dates::parse(s).ok_or_else(|| format!("'{s}' is not a date (use YYYY-MM-DD, e.g. 2017-03-10)"))
}

/// A value of a code list as typed: its code or either of its labels.
fn code<T: Coded + Label>(s: &str) -> Result<T, String> {
    parse_label(s).ok_or_else(|| {
        let codes: Vec<&str> = T::ALL.iter().map(|v| v.code()).collect();
        format!("unknown code '{s}' ({})", codes.join(", "))
    })
}

/// A value typed to record, or `none` (`-`, 无) to clear the recorded one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrNone<T>(pub Option<T>);

fn none_word(s: &str) -> bool {
    matches!(s.trim(), "none" | "-" | "无" | "")
}

fn count_or_none(s: &str) -> Result<OrNone<u32>, String> {
    if none_word(s) {
        return Ok(OrNone(None));
    }
    s.trim()
        .parse()
        .map(|n| OrNone(Some(n)))
        .map_err(|_| format!("'{s}' is not a whole number (or none to clear it)"))
}

fn yes_no_or_none(s: &str) -> Result<OrNone<bool>, String> {
    if none_word(s) {
        return Ok(OrNone(None));
    }
    crate::interchange::table::yes_no(&crate::interchange::table::Cell::Text(s.to_string()))
        .map(|b| OrNone(Some(b)))
        .ok_or_else(|| format!("'{s}' is not yes or no (是/否; or none to clear it)"))
}

fn village_kind_or_none(s: &str) -> Result<OrNone<VillageKind>, String> {
    if none_word(s) {
        return Ok(OrNone(None));
    }
    crate::interchange::table::village_kind_of(s)
        .map(|k| OrNone(Some(k)))
        .ok_or_else(|| format!("'{s}' is neither village nor community (村/社区; or none)"))
}

#[derive(Debug, Parser)]
#[command(
    name = "zhengdun",
    version,
    about = "整顿 — ledger of weak and lax village Party branches under rectification",
    args_conflicts_with_subcommands = false
)]
pub struct Cli {
    /// Database directory (default: the platform's data directory)
    #[arg(long, global = true, env = "ZHENGDUN_DB", value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Review the ledger as of this date instead of today
    #[arg(long, global = true, env = "ZHENGDUN_TODAY", value_name = "DATE", value_parser = date)]
    pub today: Option<NaiveDate>,
    /// Your name: recorded in history, and "mine" in the TUI
    #[arg(long = "as", global = true, env = "ZHENGDUN_AS", value_name = "NAME")]
    pub actor: Option<String>,
    /// Interface language: zh or en
    #[arg(long, global = true, env = "ZHENGDUN_LANG", value_name = "zh|en")]
    pub lang: Option<String>,
    /// Policy numbers to use instead of <db>/policy.toml
    #[arg(long, global = true, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// A keymap file that overrides single default keys
    #[arg(long, global = true, value_name = "FILE")]
    pub keymap: Option<PathBuf>,
    /// How long to wait for the ledger while another command holds it, in seconds
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 10)]
    pub wait: u64,
    /// Work through the county's ledger server: its socket, or ssh://[user@]host[/socket]
    /// (default: `server = "…"` in the config file, unless --db is given)
    #[arg(long, global = true, env = "ZHENGDUN_SERVER", value_name = "SERVER")]
    pub server: Option<String>,
    /// Open a throw-away copy of the sample ledger, as of its date
    #[arg(long)]
    pub demo: bool,
    #[command(subcommand)]
    pub cmd: Option<Cmd>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Json,
    Csv,
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ListFormat {
    #[default]
    Table,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Import ledgers (.json, .csv, .xlsx): all or nothing
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Check and report what would be imported, write nothing
        #[arg(long)]
        dry_run: bool,
        /// Bring a revised ledger in: open its new cases, and record what changed in the
        /// others as the commands a clerk would type (edit, pair, task, visit, adjust,
        /// advance, accept), one history event each; all or nothing
        #[arg(long)]
        update: bool,
    },
    /// Export the whole ledger
    Export {
        /// json, csv or xlsx (default: by the output file's extension, else json)
        #[arg(long, value_enum)]
        format: Option<ExportFormat>,
        /// Output file (default: standard output; required for xlsx)
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The filtered ledger, most overdue first
    List(ListArgs),
    /// One case with its history
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "text")]
        format: ShowFormat,
    },
    /// Counts by county and township: stages, overdue, cadres adjusted, acceptance results,
    /// and the accountability list
    Stats {
        #[arg(long, value_enum, default_value = "table")]
        format: StatsFormat,
        /// Only the cases of this campaign year, and the accountability events of that year
        #[arg(long, value_name = "YEAR")]
        year: Option<i32>,
    },
    /// Records an accountability event of a township Party secretary: an admonition talk
    /// (约谈), a formal warning (诫勉) or accountability (问责) (clerk only)
    Talk(TalkArgs),
    /// Checks the database and the history chain
    Verify,
    /// Writes a consistent snapshot of the whole ledger, with its full history, to FILE
    Backup {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Brings back a backup (cases and full history) into an empty ledger (--db NEW_DIR)
    Restore {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Opens a case at `identified`
    New(NewArgs),
    /// Records or updates the pairing (四个一); from `identified` also advances to `paired`
    Pair(PairArgs),
    /// Records a cadre adjustment, or (--none) why none was needed, or (--fix N) corrects
    /// recorded adjustment N
    Adjust(AdjustArgs),
    /// Plan tasks (一村一策): add, done, fix (corrects task N)
    Task {
        id: String,
        #[command(subcommand)]
        op: TaskOp,
    },
    /// Logs a field visit, or (--fix N) corrects recorded visit N
    Visit(VisitArgs),
    /// Moves a case to the next stage if its guard holds
    Advance { id: String },
    /// Records an acceptance attempt and prints the verdict
    Accept(AcceptArgs),
    /// Corrects a case's recorded fields; the history keeps what was there before
    Edit(EditArgs),
    /// The roster: which accounts are which people, in which role (clerk only)
    User {
        #[command(subcommand)]
        op: UserOp,
    },
    /// Runs the county's ledger server on --db: the one process that opens it, serving
    /// clients (--server) over a Unix socket until SIGTERM or SIGINT
    Serve {
        /// The socket to listen on (default: /run/zhengdun/zhengdun.sock)
        #[arg(long, value_name = "PATH")]
        socket: Option<PathBuf>,
        /// Let this group's members reach the socket too
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
    },
    /// Bridges standard input and output to the server's socket (what --server ssh://… runs
    /// on the county machine)
    Proxy {
        /// The server's socket (default: /run/zhengdun/zhengdun.sock)
        #[arg(long, value_name = "PATH")]
        socket: Option<PathBuf>,
    },
    /// Makes --db DIR (new or empty) a field copy of the server's ledger, to work offline:
    /// every case (or with --mine those of your scope) with its history, checked
    Checkout {
        /// The server: its socket, or ssh://[user@]host[/socket]
        #[arg(value_name = "SERVER")]
        server: String,
        /// Only the cases of your scope (your township's, or those you are paired with)
        #[arg(long)]
        mine: bool,
    },
    /// Sends the field copy's queued changes to its server and takes the server's changes
    Sync {
        /// List what waits and what conflicts, send nothing
        #[arg(long, conflicts_with = "drop")]
        status: bool,
        /// Take change N out of the outbox (see --status): it will not be sent
        #[arg(long, value_name = "N")]
        drop: Option<u64>,
    },
    /// Moves a case back to an earlier stage, with a new conversion deadline
    Reopen {
        id: String,
        #[arg(long, value_parser = code::<Stage>)]
        to: Stage,
        #[arg(long)]
        reason: String,
        /// The new conversion deadline (default: today + the policy's months of
        /// consolidation, 6 unless policy.toml says otherwise)
        #[arg(long, value_parser = date)]
        deadline: Option<NaiveDate>,
    },
    /// Takes a case entered by mistake off the list and out of every count and export;
    /// it stays in the history (clerk only)
    Void {
        id: String,
        /// Why the case is void (e.g. 重复录入)
        #[arg(long)]
        reason: String,
        #[arg(long, value_parser = date)]
        on: Option<NaiveDate>,
    },
    /// Brings a voided case back onto the list (clerk only)
    Unvoid {
        id: String,
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Debug, Args, Default, Clone)]
pub struct ListArgs {
    /// Only overdue cases
    #[arg(long)]
    pub overdue: bool,
    #[arg(long, value_parser = code::<Stage>)]
    pub stage: Option<Stage>,
    /// Cases of the counties whose name holds this (阳谷 finds 阳谷县)
    #[arg(long)]
    pub county: Option<String>,
    /// Cases of the townships whose name holds this (莘亭 finds 莘亭街道)
    #[arg(long)]
    pub township: Option<String>,
    /// Cases paired with a leader whose name holds this (county leader, township leader or
    /// first secretary)
    #[arg(long)]
    pub leader: Option<String>,
    /// Search village, township, county, leaders and id, in Chinese or pinyin
    #[arg(long)]
    pub search: Option<String>,
    /// The cases voided as entered by mistake (on no other list), with who voided them,
    /// when and why; --county and --township narrow it
    #[arg(long, conflicts_with_all = ["overdue", "stage", "leader", "search"])]
    pub voided: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct TalkArgs {
    /// The township (as the ledger names it)
    #[arg(long)]
    pub township: String,
    /// The township's county (needed only when several counties have a township so named)
    #[arg(long)]
    pub county: Option<String>,
    /// The township Party secretary talked to
    #[arg(long)]
    pub person: String,
    /// talk (约谈), admonish (诫勉) or accountability (问责)
    #[arg(long, value_parser = talk_kind)]
    pub kind: AccountabilityKind,
    #[arg(long)]
    pub reason: String,
    /// The cases it is about (repeat, or separate with commas)
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    pub cases: Vec<String>,
    #[arg(long, value_parser = date)]
    pub on: Option<NaiveDate>,
}

/// An accountability kind as typed: `talk`, `admonish` (SPEC §11's word for 诫勉, whose code
/// in files is `warning`), `accountability`, or a label.
fn talk_kind(s: &str) -> Result<AccountabilityKind, String> {
    if s.trim().eq_ignore_ascii_case("admonish") {
        return Ok(AccountabilityKind::Warning);
    }
    code::<AccountabilityKind>(s).map_err(|_| {
        format!("unknown kind '{s}' (talk, admonish, accountability; 约谈, 诫勉, 问责)")
    })
}

#[derive(Debug, Args)]
pub struct EditArgs {
    pub id: String,
    #[arg(long)]
    pub problems: Option<String>,
    #[arg(long, value_parser = date)]
    pub deadline: Option<NaiveDate>,
    /// Situation codes or labels (repeat, or separate with commas): replace the recorded ones
    #[arg(long = "situations", num_args = 1.., value_delimiter = ',', value_parser = code::<Situation>)]
    pub situations: Option<Vec<Situation>>,
    #[arg(long)]
    pub village: Option<String>,
    #[arg(long)]
    pub township: Option<String>,
    #[arg(long)]
    pub county: Option<String>,
    /// 村 or 社区: village or community (none clears it)
    #[arg(long, value_parser = village_kind_or_none)]
    pub village_kind: Option<OrNone<VillageKind>>,
    /// 建档立卡贫困村: yes or no (是/否; none clears it)
    #[arg(long, value_parser = yes_no_or_none)]
    pub poor_village: Option<OrNone<bool>>,
    /// 户数 (none clears it)
    #[arg(long, value_parser = count_or_none)]
    pub households: Option<OrNone<u32>>,
    /// 人口 (none clears it)
    #[arg(long, value_parser = count_or_none)]
    pub population: Option<OrNone<u32>>,
    /// 党员人数 (none clears it)
    #[arg(long, value_parser = count_or_none)]
    pub party_members: Option<OrNone<u32>>,
    /// 书记年龄 (none clears it)
    #[arg(long, value_parser = count_or_none)]
    pub secretary_age: Option<OrNone<u32>>,
}

impl EditArgs {
    /// The profile fields the edit sets or clears.
    pub fn profile(&self) -> crate::domain::ProfileEdit {
        crate::domain::ProfileEdit {
            village_kind: self.village_kind.map(|v| v.0),
            poor_village: self.poor_village.map(|v| v.0),
            households: self.households.map(|v| v.0),
            population: self.population.map(|v| v.0),
            party_members: self.party_members.map(|v| v.0),
            secretary_age: self.secretary_age.map(|v| v.0),
        }
    }
}

#[derive(Debug, Args)]
pub struct NewArgs {
    #[arg(long)]
    pub id: String,
    #[arg(long)]
    pub year: i32,
    #[arg(long)]
    pub county: String,
    #[arg(long)]
    pub township: String,
    #[arg(long)]
    pub village: String,
    /// Situation codes or labels (repeat, or separate with commas)
    #[arg(long = "situation", required = true, num_args = 1.., value_delimiter = ',', value_parser = code::<Situation>)]
    pub situations: Vec<Situation>,
    #[arg(long, value_parser = date)]
    pub identified_on: NaiveDate,
    #[arg(long)]
    pub problems: Option<String>,
    #[arg(long, value_parser = date)]
    pub deadline: Option<NaiveDate>,
    /// Id of an earlier case of the same village that this one is a relapse of
    #[arg(long)]
    pub relapse_of: Option<String>,
}

#[derive(Debug, Args)]
pub struct PairArgs {
    pub id: String,
    #[arg(long)]
    pub county_leader: Option<String>,
    /// The county leader's account (login) in the roster: says which of two leaders of one
    /// name is meant ("" unlinks)
    #[arg(long, value_name = "LOGIN")]
    pub county_leader_account: Option<String>,
    #[arg(long)]
    pub township_leader: Option<String>,
    #[arg(long)]
    pub first_secretary: Option<String>,
    /// The first secretary's sending unit
    #[arg(long)]
    pub unit: Option<String>,
    #[arg(long)]
    pub assisting_unit: Option<String>,
    #[arg(long, value_parser = date)]
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Args)]
pub struct AdjustArgs {
    pub id: String,
    /// No adjustment was needed, for this reason
    #[arg(long, value_name = "REASON", conflicts_with_all = ["name", "post", "reason", "action", "replacement", "source", "fix"])]
    pub none: Option<String>,
    /// Correct recorded adjustment N (numbered from 1, as in `show`) instead of recording a
    /// new one: the options given replace what it says, the history keeps what it said
    #[arg(long, value_name = "N")]
    pub fix: Option<usize>,
    #[arg(long, required_unless_present_any = ["none", "fix"])]
    pub name: Option<String>,
    #[arg(long, required_unless_present_any = ["none", "fix"], value_parser = code::<Post>)]
    pub post: Option<Post>,
    #[arg(long, required_unless_present_any = ["none", "fix"], value_parser = code::<AdjustReason>)]
    pub reason: Option<AdjustReason>,
    #[arg(long, required_unless_present_any = ["none", "fix"], value_parser = code::<AdjustAction>)]
    pub action: Option<AdjustAction>,
    /// Who took the post ("" with --fix: nobody)
    #[arg(long)]
    pub replacement: Option<String>,
    #[arg(long, value_parser = code::<ReplacementSource>)]
    pub source: Option<ReplacementSource>,
    #[arg(long, value_parser = date)]
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Subcommand)]
pub enum TaskOp {
    /// Adds a plan task
    Add {
        #[arg(long)]
        measure: String,
        #[arg(long)]
        responsible: String,
        #[arg(long, value_parser = date)]
        due: NaiveDate,
    },
    /// Marks task N (numbered from 1, as in `show`) done
    Done {
        n: usize,
        #[arg(long, value_parser = date)]
        on: Option<NaiveDate>,
    },
    /// Corrects task N (numbered from 1, as in `show`): the options given replace what it
    /// says, the history keeps what it said
    Fix {
        n: usize,
        #[arg(long)]
        measure: Option<String>,
        #[arg(long)]
        responsible: Option<String>,
        #[arg(long, value_parser = date)]
        due: Option<NaiveDate>,
        /// The day it was really done
        #[arg(long, value_parser = date, conflicts_with = "not_done")]
        done_on: Option<NaiveDate>,
        /// It was marked done by mistake: not done yet
        #[arg(long)]
        not_done: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserOp {
    /// Adds an account to the roster, or changes its entry
    Add {
        /// The operating-system login name of the account
        login: String,
        #[arg(long)]
        name: String,
        /// clerk, leader, township or auditor
        #[arg(long, value_parser = code::<Role>)]
        role: Role,
        #[arg(long)]
        county: Option<String>,
        /// Required for the township role
        #[arg(long)]
        township: Option<String>,
    },
    /// Lists the roster
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: StatsFormat,
    },
    /// Removes an account from the roster
    Remove { login: String },
    /// The roster's history: every change, who made it and when
    History,
}

#[derive(Debug, Args)]
pub struct VisitArgs {
    pub id: String,
    /// Correct recorded visit N (numbered from 1, as in `show`) instead of logging a new
    /// one: the options given replace what it says, the history keeps what it said
    #[arg(long, value_name = "N")]
    pub fix: Option<usize>,
    #[arg(long, required_unless_present = "fix", value_parser = code::<VisitKind>)]
    pub kind: Option<VisitKind>,
    #[arg(long, required_unless_present = "fix")]
    pub findings: Option<String>,
    #[arg(long)]
    pub by: Option<String>,
    #[arg(long, value_parser = date)]
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Args)]
pub struct AcceptArgs {
    pub id: String,
    #[arg(long)]
    pub score: u32,
    #[arg(long)]
    pub poll_n: u32,
    #[arg(long)]
    pub dissatisfied: u32,
    /// Six 1/0 flags in the order of SPEC §4, e.g. 111101
    #[arg(long, value_parser = standards)]
    pub standards: [bool; 6],
    #[arg(long)]
    pub by: Option<String>,
    #[arg(long, value_parser = date)]
    pub on: Option<NaiveDate>,
    #[arg(long, value_parser = date)]
    pub new_deadline: Option<NaiveDate>,
}

pub fn standards(s: &str) -> Result<[bool; 6], String> {
    let bits: Vec<char> = s.trim().chars().collect();
    if bits.len() != 6 || bits.iter().any(|c| *c != '0' && *c != '1') {
        return Err(format!("'{s}' must be six 1/0 flags, e.g. 111101"));
    }
    let mut out = [false; 6];
    for (o, b) in out.iter_mut().zip(bits) {
        *o = b == '1';
    }
    Ok(out)
}

impl Cmd {
    /// The subcommand's name, as the lock file records who holds the ledger.
    pub fn name(&self) -> &'static str {
        match self {
            Cmd::Import { .. } => "import",
            Cmd::Export { .. } => "export",
            Cmd::List(_) => "list",
            Cmd::Show { .. } => "show",
            Cmd::Stats { .. } => "stats",
            Cmd::Verify => "verify",
            Cmd::Backup { .. } => "backup",
            Cmd::Restore { .. } => "restore",
            Cmd::New(_) => "new",
            Cmd::Pair(_) => "pair",
            Cmd::Adjust(_) => "adjust",
            Cmd::Task { .. } => "task",
            Cmd::Visit(_) => "visit",
            Cmd::Advance { .. } => "advance",
            Cmd::Accept(_) => "accept",
            Cmd::Reopen { .. } => "reopen",
            Cmd::Void { .. } => "void",
            Cmd::Talk(_) => "talk",
            Cmd::Unvoid { .. } => "unvoid",
            Cmd::Edit(_) => "edit",
            Cmd::User { .. } => "user",
            Cmd::Serve { .. } => "serve",
            Cmd::Proxy { .. } => "proxy",
            Cmd::Checkout { .. } => "checkout",
            Cmd::Sync { .. } => "sync",
        }
    }

    /// Whether the command only reads the ledger.
    pub fn only_reads(&self) -> bool {
        matches!(
            self,
            Cmd::Export { .. }
                | Cmd::List(_)
                | Cmd::Show { .. }
                | Cmd::Stats { .. }
                | Cmd::Verify
                | Cmd::Backup { .. }
                | Cmd::User {
                    op: UserOp::List { .. } | UserOp::History
                }
        )
    }
}
