//! People and roles (SPEC §9): the roster maps operating-system accounts to people, and
//! [`authorize`] decides, before [`super::apply`], whether a person may do what they ask.
//! The table of SPEC §9 is [`grant`]; everything else here says whose case a case is.
//!
//! # Whose case it is
//!
//! A township secretary's cases are those of its township (and of its county, when its
//! roster entry names one: 城关镇 is in many counties).
//!
//! A county leader's cases are those it is the *paired county leader* of, and that is decided
//! by account, never by display name alone: two people can both be 王建国. A case therefore
//! records its county leader's roster account ([`super::Pairing::county_leader_account`]):
//! `pair --county-leader-account LOGIN` says which account is meant, and a `pair` or an
//! `import` that names a county leader links it by itself when the roster has exactly one
//! leader of that name ([`Roster::resolve_pair`], [`Roster::link_leader`]); two leaders of
//! one name are refused until the clerk says which.
//!
//! A case paired before its leader joined the roster (a ledger imported, then the people
//! added) names only a display name. Such a case is the leader's when the roster has no other
//! leader of that name in that county: the one person the name can mean. When a second
//! 王建国 joins, neither acts on the unlinked cases until the clerk links them, so a name
//! never hands one person's villages to another.

use serde::{Deserialize, Serialize};

use super::case::Case;
use super::codes::{Role, Stage};
use super::field::Field;
use super::machine::{Change, ChangeKind, Command, Refusal};

/// One account of the roster, and the person behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// The operating-system login name: who the kernel says connected.
    pub login: String,
    /// The name history records and "mine" means.
    pub name: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub township: Option<String>,
}

impl Person {
    /// A roster entry as typed: the login an account name (no spaces or control characters),
    /// a name, and a township for a township secretary. Text is trimmed; empty places are
    /// `None`.
    pub fn checked(mut self) -> Result<Person, Refusal> {
        self.login = self.login.trim().to_string();
        self.name = self.name.trim().to_string();
        let trim = |o: Option<String>| {
            o.map(|s| s.trim().to_string())
                .filter(|s: &String| !s.is_empty())
        };
        self.county = trim(self.county);
        self.township = trim(self.township);
        if self.login.is_empty() {
            return Err(Refusal::Empty {
                field: Field::Login,
            });
        }
        if self.login.chars().count() > 64
            || self
                .login
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '/')
        {
            return Err(Refusal::BadLogin {
                login: self.login.clone(),
            });
        }
        if self.name.is_empty() {
            return Err(Refusal::Empty { field: Field::Name });
        }
        if self.role == Role::Township && self.township.is_none() {
            return Err(Refusal::Empty {
                field: Field::Township,
            });
        }
        Ok(self)
    }

    /// Whether `--as NAME` may stand for this person: only its own roster name or login
    /// (SPEC §9: over a server, history records the account's roster name).
    pub fn check_as(&self, asked: &str) -> Result<(), Refusal> {
        let asked = asked.trim();
        if asked.is_empty() || asked == self.name || asked == self.login {
            Ok(())
        } else {
            Err(Refusal::ActingAsOther {
                login: self.login.clone(),
                name: self.name.clone(),
                asked: asked.to_string(),
            })
        }
    }

    /// The command as this person signs it: a visit or an acceptance whose `by` is left
    /// empty or given as the login is by the roster name.
    pub fn sign(&self, cmd: &Command) -> Command {
        let mut cmd = cmd.clone();
        let by = match &mut cmd {
            Command::LogVisit(v) => &mut v.by,
            Command::Accept { by, .. } => by,
            _ => return cmd,
        };
        if by.trim().is_empty() || by.trim() == self.login {
            *by = self.name.clone();
        }
        cmd
    }

    fn in_county(&self, county: &str) -> bool {
        self.county.as_deref().is_none_or(|c| c == county.trim())
    }
}

/// Everyone who may use a ledger, by login.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Roster {
    people: Vec<Person>,
}

/// A change of the roster, as a clerk asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RosterChange {
    /// Adds an account, or replaces the entry of one already there.
    Add(Person),
    Remove {
        login: String,
    },
}

impl Roster {
    /// The roster of these people, in login order (a login given twice: the last entry).
    pub fn new(people: Vec<Person>) -> Roster {
        let mut people: Vec<Person> = people.into_iter().rev().collect();
        people.sort_by(|a, b| a.login.cmp(&b.login));
        people.dedup_by(|later, first| later.login == first.login);
        Roster { people }
    }

    pub fn people(&self) -> &[Person] {
        &self.people
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    pub fn get(&self, login: &str) -> Option<&Person> {
        self.people
            .binary_search_by(|p| p.login.as_str().cmp(login))
            .ok()
            .and_then(|i| self.people.get(i))
    }

    /// The person an account is, or the refusal a connecting account not in the roster gets:
    /// it names the account and says that a clerk can add it.
    pub fn person(&self, login: &str) -> Result<&Person, Refusal> {
        self.get(login).ok_or_else(|| Refusal::NotInRoster {
            login: login.to_string(),
        })
    }

    /// The logins of the leaders called `name` who may lead a case in `county`.
    pub fn leaders_named(&self, name: &str, county: &str) -> Vec<&str> {
        let name = name.trim();
        self.people
            .iter()
            .filter(|p| p.role == Role::Leader && p.name == name && p.in_county(county))
            .map(|p| p.login.as_str())
            .collect()
    }

    /// A `pair` command with its county leader's account filled in from the roster:
    /// an account given must be a leader's (and gives the name when none is typed); a name
    /// given (or, on a case not linked yet, the name it has) is linked when exactly one
    /// leader has it; a new name shared by several leaders is refused, naming their logins.
    pub fn resolve_pair(&self, cmd: &Command, case: &Case) -> Result<Command, Refusal> {
        let Command::Pair {
            county_leader,
            county_leader_account,
            ..
        } = cmd
        else {
            return Ok(cmd.clone());
        };
        let mut cmd = cmd.clone();
        let current = case.pairing.as_ref();
        let linked = current.and_then(|p| p.county_leader_account.as_deref());
        match county_leader_account.as_deref().map(str::trim) {
            Some("") => return Ok(cmd),
            Some(login) => {
                let leader = self
                    .get(login)
                    .filter(|p| p.role == Role::Leader)
                    .ok_or_else(|| Refusal::NotALeader {
                        login: login.to_string(),
                    })?;
                if county_leader.as_deref().is_none_or(|n| n.trim().is_empty()) {
                    set_pair(&mut cmd, Some(leader.name.clone()), login);
                }
                return Ok(cmd);
            }
            None => {}
        }
        let current_name = current.map(|p| p.county_leader.as_str()).unwrap_or("");
        let (name, changed) = match county_leader.as_deref().map(str::trim) {
            Some(n) if n != current_name => (n, true),
            _ if linked.is_some() => return Ok(cmd),
            _ => (current_name, false),
        };
        match self.leaders_named(name, &case.county)[..] {
            [login] => set_pair(&mut cmd, None, login),
            [] => {}
            ref several if changed => {
                return Err(Refusal::AmbiguousLeader {
                    name: name.to_string(),
                    logins: several.iter().map(|l| l.to_string()).collect(),
                })
            }
            // an unlinked case keeps its name; its leader is linked when the clerk says which
            _ => {}
        }
        Ok(cmd)
    }

    /// Links an imported case's county leader to the one roster leader of that name, if
    /// there is exactly one; a case already linked, or a name no leader or several have,
    /// is left as it is.
    pub fn link_leader(&self, case: &mut Case) {
        let county = case.county.clone();
        let Some(p) = case.pairing.as_mut() else {
            return;
        };
        if p.county_leader_account.is_none() {
            if let [login] = self.leaders_named(&p.county_leader, &county)[..] {
                p.county_leader_account = Some(login.to_string());
            }
        }
    }

    /// The roster after `change`, and the history event's change (`None` when an entry is
    /// added again as it is: nothing changes, nothing is recorded); refused when it would
    /// remove the last clerk of a roster that has one.
    pub fn apply(&self, change: &RosterChange) -> Result<Option<(Roster, Change)>, Refusal> {
        let mut people = self.people.clone();
        let (kind, login, detail) = match change {
            RosterChange::Add(p) => {
                let p = p.clone().checked()?;
                let detail = describe(&p);
                let kind = match self.get(&p.login) {
                    None => ChangeKind::UserAdded,
                    Some(before) if before == &p => return Ok(None),
                    Some(_) => ChangeKind::UserChanged,
                };
                let login = p.login.clone();
                people.retain(|q| q.login != p.login);
                people.push(p);
                (kind, login, detail)
            }
            RosterChange::Remove { login } => {
                let login = login.trim();
                let gone = self.get(login).ok_or_else(|| Refusal::NoSuchAccount {
                    login: login.to_string(),
                })?;
                let detail = describe(gone);
                people.retain(|q| q.login != login);
                (ChangeKind::UserRemoved, login.to_string(), detail)
            }
        };
        let after = Roster::new(people);
        let clerks = |r: &Roster| r.people.iter().filter(|p| p.role == Role::Clerk).count();
        if clerks(self) > 0 && clerks(&after) == 0 {
            return Err(Refusal::LastClerk { login });
        }
        Ok(Some((
            after,
            Change {
                kind,
                from: Stage::Identified,
                to: Stage::Identified,
                detail,
                note: String::new(),
            },
        )))
    }
}

fn set_pair(cmd: &mut Command, name: Option<String>, login: &str) {
    if let Command::Pair {
        county_leader,
        county_leader_account,
        ..
    } = cmd
    {
        if let Some(n) = name {
            *county_leader = Some(n);
        }
        *county_leader_account = Some(login.to_string());
    }
}

/// A roster entry as a history event records it: data, language-neutral.
fn describe(p: &Person) -> String {
    let mut s = format!("{} {} {}", p.login, p.role.code(), p.name);
    if let Some(c) = &p.county {
        s.push_str(&format!(" county={c}"));
    }
    if let Some(t) = &p.township {
        s.push_str(&format!(" township={t}"));
    }
    s
}

/// What someone asks to do, at the grain of SPEC §9's role table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// `list`, `show`, `stats`, the TUI: open to every role.
    Read,
    Visit,
    AddTask,
    FinishTask,
    Pair,
    /// A cadre adjustment, or why none was needed.
    Adjust,
    /// `advance` into this stage.
    Advance(Stage),
    New,
    Import,
    Accept,
    Reopen,
    Edit,
    Void,
    /// `talk`: a township accountability event (约谈, 诫勉, 问责).
    Talk,
    /// `user add`, `user list`, `user remove`.
    Roster,
    Export,
    Backup,
    /// A backup brought back into an empty ledger, as an import is.
    Restore,
    Verify,
}

impl Operation {
    /// The operation a case command is, on `case` as it is before the command.
    pub fn of(cmd: &Command, case: &Case) -> Operation {
        match cmd {
            Command::LogVisit(_) => Operation::Visit,
            Command::AddTask(_) => Operation::AddTask,
            Command::FinishTask { .. } => Operation::FinishTask,
            Command::Pair { .. } => Operation::Pair,
            Command::Adjust(_) | Command::NoAdjustment { .. } => Operation::Adjust,
            // an accepted case goes nowhere: the state machine says so, to a clerk
            Command::Advance { .. } => {
                Operation::Advance(case.stage.next().unwrap_or(Stage::Accepted))
            }
            Command::Accept { .. } => Operation::Accept,
            Command::Reopen { .. } => Operation::Reopen,
            Command::Edit(_) => Operation::Edit,
            // a correction is allowed to whoever may record such an entry (the clerk; a
            // township or a leader on its own cases, a visit only of its own)
            Command::FixVisit { .. } => Operation::Visit,
            Command::FixTask { .. } => Operation::AddTask,
            Command::FixAdjustment { .. } => Operation::Adjust,
            Command::Void { .. } | Command::Unvoid { .. } => Operation::Void,
        }
    }

    /// A stable code, for messages and their translations.
    pub fn code(self) -> &'static str {
        match self {
            Operation::Read => "read",
            Operation::Visit => "visit",
            Operation::AddTask => "task_add",
            Operation::FinishTask => "task_done",
            Operation::Pair => "pair",
            Operation::Adjust => "adjust",
            Operation::Advance(Stage::Identified) => "advance_identified",
            Operation::Advance(Stage::Paired) => "advance_paired",
            Operation::Advance(Stage::CadresAdjusted) => "advance_cadres_adjusted",
            Operation::Advance(Stage::Accepted) => "advance_accepted",
            Operation::New => "new",
            Operation::Import => "import",
            Operation::Accept => "accept",
            Operation::Reopen => "reopen",
            Operation::Edit => "edit",
            Operation::Void => "void",
            Operation::Talk => "talk",
            Operation::Roster => "user",
            Operation::Export => "export",
            Operation::Backup => "backup",
            Operation::Restore => "restore",
            Operation::Verify => "verify",
        }
    }

    /// Every operation, for tests and help.
    pub const ALL: [Operation; 22] = [
        Operation::Read,
        Operation::Visit,
        Operation::AddTask,
        Operation::FinishTask,
        Operation::Pair,
        Operation::Adjust,
        Operation::Advance(Stage::Identified),
        Operation::Advance(Stage::Paired),
        Operation::Advance(Stage::CadresAdjusted),
        Operation::Advance(Stage::Accepted),
        Operation::New,
        Operation::Import,
        Operation::Accept,
        Operation::Reopen,
        Operation::Edit,
        Operation::Void,
        Operation::Talk,
        Operation::Roster,
        Operation::Export,
        Operation::Backup,
        Operation::Restore,
        Operation::Verify,
    ];
}

/// What a role may do with an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// On every case.
    All,
    /// On its own cases: a township's, or those a leader is the paired county leader of.
    OwnCases,
    No,
}

/// SPEC §9's role table, row by row (clerk, township, leader, auditor).
pub fn grant(role: Role, op: Operation) -> Grant {
    use Grant::{All, No, OwnCases as Own};
    let [clerk, township, leader, auditor] = match op {
        Operation::Read => [All, All, All, All],
        Operation::Visit | Operation::AddTask | Operation::FinishTask => [All, Own, Own, No],
        Operation::Pair
        | Operation::Adjust
        | Operation::Advance(Stage::Paired | Stage::CadresAdjusted) => [All, Own, No, No],
        // Nothing advances into `identified`, and advancing into `accepted` is acceptance.
        Operation::Advance(Stage::Identified | Stage::Accepted)
        | Operation::New
        | Operation::Import
        | Operation::Accept
        | Operation::Reopen
        | Operation::Edit
        | Operation::Void
        | Operation::Talk
        | Operation::Roster
        | Operation::Export
        | Operation::Backup
        | Operation::Restore => [All, No, No, No],
        Operation::Verify => [All, No, No, All],
    };
    match role {
        Role::Clerk => clerk,
        Role::Township => township,
        Role::Leader => leader,
        Role::Auditor => auditor,
    }
}

/// Why a case is not one of a person's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// A township secretary's township (and county), and the case's.
    Township { mine: String, case: String },
    /// The case's county leader: its name, and its account when it is linked.
    Leader {
        case_leader: String,
        account: Option<String>,
    },
    /// The case names its county leader by a name several leaders of the roster share, and
    /// is linked to none of them.
    SharedName { name: String, logins: Vec<String> },
}

/// Whether `case` is one of `person`'s own (see the module's notes).
fn own_case(person: &Person, roster: &Roster, case: &Case) -> Result<(), Scope> {
    match person.role {
        Role::Township => {
            let mine = person.township.as_deref().unwrap_or("");
            if mine == case.township.trim() && person.in_county(&case.county) {
                Ok(())
            } else {
                let place = |county: Option<&str>, township: &str| match county {
                    Some(c) => format!("{c} {township}"),
                    None => township.to_string(),
                };
                Err(Scope::Township {
                    mine: place(person.county.as_deref(), mine),
                    case: place(Some(&case.county), &case.township),
                })
            }
        }
        Role::Leader => {
            let pairing = case.pairing.as_ref();
            let name = pairing.map(|p| p.county_leader.trim()).unwrap_or("");
            match pairing.and_then(|p| p.county_leader_account.as_deref()) {
                Some(account) if account == person.login => Ok(()),
                Some(account) => Err(Scope::Leader {
                    case_leader: name.to_string(),
                    account: Some(account.to_string()),
                }),
                None if name.is_empty()
                    || name != person.name
                    || !person.in_county(&case.county) =>
                {
                    Err(Scope::Leader {
                        case_leader: name.to_string(),
                        account: None,
                    })
                }
                None => match roster.leaders_named(name, &case.county)[..] {
                    [only] if only == person.login => Ok(()),
                    ref logins => Err(Scope::SharedName {
                        name: name.to_string(),
                        logins: logins.iter().map(|l| l.to_string()).collect(),
                    }),
                },
            }
        }
        // no own cases: the table gives these roles all or nothing
        Role::Clerk | Role::Auditor => Ok(()),
    }
}

/// Whether `case` is in `person`'s scope: all cases for a clerk or an auditor, its
/// township's for a township secretary, those it is the paired county leader of for a
/// leader. What a field copy made with `--mine` holds.
pub fn in_scope(person: &Person, roster: &Roster, case: &Case) -> bool {
    own_case(person, roster, case).is_ok()
}

/// Whether `person` may apply `cmd` to `case` as it is now: SPEC §9's table, the scope of a
/// township or a leader, and — for anyone but a clerk — a visit only by themselves. Called
/// by the store before [`super::apply`], so every way into the ledger passes it. `cmd` is
/// as [`Person::sign`] left it.
pub fn authorize(
    person: &Person,
    roster: &Roster,
    cmd: &Command,
    case: &Case,
) -> Result<(), Refusal> {
    let operation = Operation::of(cmd, case);
    match grant(person.role, operation) {
        Grant::All => {}
        Grant::No => return Err(cannot(person, operation)),
        Grant::OwnCases => own_case(person, roster, case).map_err(|scope| Refusal::OutOfScope {
            login: person.login.clone(),
            role: person.role,
            operation,
            scope,
        })?,
    }
    let own = |by: &str| by == person.name || by == person.login;
    if let Command::LogVisit(v) = cmd {
        let by = v.by.trim();
        if person.role != Role::Clerk && !own(by) {
            return Err(Refusal::VisitByOther {
                login: person.login.clone(),
                role: person.role,
                by: by.to_string(),
            });
        }
    }
    if let Command::FixVisit { number, visit } = cmd {
        let recorded = number
            .checked_sub(1)
            .and_then(|i| case.visits.get(i))
            .map_or("", |v| v.by.trim());
        if person.role != Role::Clerk {
            for by in [recorded, visit.by.trim()] {
                if !own(by) {
                    return Err(Refusal::FixOfOther {
                        login: person.login.clone(),
                        role: person.role,
                        by: by.to_string(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Whether `person` may do an operation on the whole ledger (new, import, user, export,
/// backup, restore, verify, reading).
pub fn authorize_ledger(person: &Person, operation: Operation) -> Result<(), Refusal> {
    match grant(person.role, operation) {
        Grant::All => Ok(()),
        Grant::OwnCases | Grant::No => Err(cannot(person, operation)),
    }
}

fn cannot(person: &Person, operation: Operation) -> Refusal {
    Refusal::RoleCannot {
        login: person.login.clone(),
        role: person.role,
        operation,
    }
}
