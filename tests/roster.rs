//! The roster in the store and on the command line (SPEC §9): every change of the roster a
//! history event in the one hash chain, checked by `verify` and kept by `backup`/`restore`;
//! the store authorising each change for the person acting (as the server sets it), with
//! history recording the roster name and the account; and `user add|list|remove|history`
//! through the real binary.
//!
//! The server's own tests drive the same store paths with real accounts; what they need is
//! here: [`Ctx::with_person`], [`Store::person`] (an account → its person, or the refusal),
//! [`Store::ensure_clerk`] (the account that runs `serve`), [`Person::check_as`].
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::path::Path;
use std::process::{Command as Process, Output};

use zhengdun::domain::*;
use zhengdun::store::{Ctx, Damage, Store, StoreError, ROSTER_EVENTS};

mod common;
use common::people::{auditor, clerk, leader, person, township};
use common::{d, BIN};

/// Two cases of 阳谷县: A-1 in 阿城镇 paired with 王建国, A-2 in 七级镇 paired with 李四.
const LEDGER: &str = r#"{
  "format": "zhengdun/1",
  "as_of": "2017-06-15",
  "cases": [
    { "id": "A-1", "year": 2017, "county": "阳谷县", "township": "阿城镇", "village": "前进村",
      "situations": ["secretary_unfit"], "identified_on": "2017-02-10", "stage": "paired",
      "pairing": { "county_leader": "王建国", "township_leader": "李明", "first_secretary": "张伟",
                   "first_secretary_unit": "县财政局", "paired_on": "2017-03-01" } },
    { "id": "A-2", "year": 2017, "county": "阳谷县", "township": "七级镇", "village": "后屯村",
      "situations": ["poor_service"], "identified_on": "2017-02-10", "stage": "paired",
      "pairing": { "county_leader": "李四", "township_leader": "高峰", "first_secretary": "杨帆",
                   "first_secretary_unit": "县农业农村局", "paired_on": "2017-03-01" } }
  ]
}"#;

/// The embedded owner's context: no person, nothing checked.
fn owner() -> Ctx {
    Ctx {
        today: d("2017-06-15"),
        actor: "owner".into(),
        policy: Policy::default(),
        person: None,
    }
}

fn as_person(p: Person) -> Ctx {
    owner().with_person(p)
}

/// A store with a roster of four, and the two cases imported by the owner after it.
fn ledger(dir: &Path) -> Store {
    let store = Store::open(dir).unwrap();
    let parsed = zhengdun::interchange::json::parse(
        LEDGER,
        "l.json",
        &Policy::default(),
        zhengdun::i18n::Lang::En,
    )
    .unwrap();
    for p in [clerk(), leader(), township(), auditor()] {
        store
            .change_roster(&RosterChange::Add(p), &owner())
            .unwrap()
            .unwrap();
    }
    store
        .insert(parsed.cases, ChangeKind::Imported, &owner())
        .unwrap();
    store
}

fn visit(by: &str, findings: &str) -> Command {
    Command::LogVisit(Visit {
        on: d("2017-05-01"),
        by: by.into(),
        kind: VisitKind::Unannounced,
        findings: findings.into(),
    })
}

fn refusal(e: StoreError) -> Refusal {
    match e {
        StoreError::Refused { refusal, .. } | StoreError::Denied(refusal) => refusal,
        other => panic!("not a refusal: {other}"),
    }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Process::new(BIN)
        .arg("--db")
        .arg(dir)
        .args(["--today", "2017-06-15"])
        .args(args)
        .env_remove("ZHENGDUN_LANG")
        .env_remove("ZHENGDUN_AS")
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = run(dir, args);
    assert!(
        o.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn refused(dir: &Path, args: &[&str]) -> (i32, String) {
    let o = run(dir, args);
    assert!(!o.status.success(), "{args:?} should fail");
    assert!(o.stdout.is_empty(), "{args:?} printed {:?}", o.stdout);
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    (o.status.code().unwrap(), err)
}

#[test]
fn the_store_authorises_each_change_for_the_person_acting() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ledger(&tmp.path().join("db"));
    // the import linked 王建国, the one leader of that name, to his account
    let a1 = store.require("A-1").unwrap();
    assert_eq!(
        a1.pairing.unwrap().county_leader_account.as_deref(),
        Some("wangjg")
    );
    // a leader on his own case: recorded with his roster name and account
    let (case, ev) = store
        .execute(
            "A-1",
            &visit("wangjg", "三会一课记录不全"),
            &as_person(leader()),
        )
        .unwrap();
    assert_eq!(case.visits[0].by, "王建国");
    assert_eq!(
        (ev.actor.as_str(), ev.account.as_deref()),
        ("王建国", Some("wangjg"))
    );
    // ...not on another's, nor beyond what a leader may do
    let e = store
        .execute("A-2", &visit("王建国", "走访"), &as_person(leader()))
        .unwrap_err();
    assert!(matches!(refusal(e), Refusal::OutOfScope { .. }));
    let e = store
        .execute(
            "A-1",
            &Command::Advance {
                from: Stage::Paired,
            },
            &as_person(leader()),
        )
        .unwrap_err();
    assert!(matches!(
        refusal(e),
        Refusal::RoleCannot {
            operation: Operation::Advance(Stage::CadresAdjusted),
            ..
        }
    ));
    // a township secretary adjusts in its township, in none other
    let none = Command::NoAdjustment {
        reason: "班子结构合理".into(),
    };
    store.execute("A-1", &none, &as_person(township())).unwrap();
    assert!(store.execute("A-2", &none, &as_person(township())).is_err());
    // nothing refused was written: one visit, and A-2 untouched
    assert_eq!(store.require("A-1").unwrap().visits.len(), 1);
    assert_eq!(store.history("A-2").unwrap().len(), 1);
    // ledger-wide operations: import, backup, roster changes are a clerk's; verify an auditor's too
    let denied = |r: zhengdun::store::Result<_>| match r {
        Err(StoreError::Denied(Refusal::RoleCannot { .. })) => {}
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("let through"),
    };
    denied(
        store
            .insert(Vec::new(), ChangeKind::Imported, &as_person(leader()))
            .map(drop),
    );
    denied(store.check_import(&[], &as_person(township())));
    denied(store.backup(None, &as_person(auditor())).map(drop));
    denied(
        store
            .change_roster(
                &RosterChange::Remove {
                    login: "audit".into(),
                },
                &as_person(township()),
            )
            .map(drop),
    );
    denied(store.people(&as_person(leader())).map(drop));
    assert!(store
        .verify(&as_person(auditor()))
        .unwrap()
        .problems
        .is_empty());
    denied(store.verify(&as_person(leader())).map(drop));
    store.backup(None, &as_person(clerk())).unwrap();
}

#[test]
fn the_roster_as_it_is_now_decides_and_an_unknown_account_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ledger(&tmp.path().join("db"));
    let ctx = as_person(leader());
    store.execute("A-1", &visit("王建国", "一"), &ctx).unwrap();
    // the clerk takes the account out: the same connection is refused at once
    store
        .change_roster(
            &RosterChange::Remove {
                login: "wangjg".into(),
            },
            &as_person(clerk()),
        )
        .unwrap()
        .unwrap();
    let r = refusal(
        store
            .execute("A-1", &visit("王建国", "二"), &ctx)
            .unwrap_err(),
    );
    assert_eq!(
        r,
        Refusal::NotInRoster {
            login: "wangjg".into()
        }
    );
    // what the server asks of a connecting account
    assert_eq!(store.person("zhangli").unwrap(), clerk());
    let e = store.person("nobody").unwrap_err();
    assert_eq!(
        e.message(zhengdun::i18n::Lang::En),
        "account nobody is not in this ledger's roster; a clerk can add it: zhengdun user add nobody --name NAME --role ROLE"
    );
    assert_eq!(
        zhengdun::session::Failure::store(e, zhengdun::i18n::Lang::Zh).code,
        1
    );
}

/// The account that runs `serve` is a clerk: added when missing, promoted when it had
/// another role, each a recorded change, and nothing recorded when it is one already.
#[test]
fn the_serving_account_is_made_a_clerk() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(&tmp.path().join("db")).unwrap();
    let ev = store.ensure_clerk("zdsrv", "组织部").unwrap().unwrap();
    assert_eq!(ev.change.kind, ChangeKind::UserAdded);
    assert_eq!(ev.account.as_deref(), Some("zdsrv"));
    assert_eq!(store.person("zdsrv").unwrap().role, Role::Clerk);
    assert!(store.ensure_clerk("zdsrv", "组织部").unwrap().is_none());
    store
        .change_roster(&RosterChange::Add(leader()), &owner())
        .unwrap();
    let ev = store.ensure_clerk("wangjg", "x").unwrap().unwrap();
    assert_eq!(ev.change.kind, ChangeKind::UserChanged);
    let p = store.person("wangjg").unwrap();
    assert_eq!((p.role, p.name.as_str()), (Role::Clerk, "王建国"));
    assert!(store.verify(&owner()).unwrap().problems.is_empty());
}

#[test]
fn pairing_through_the_store_links_the_leader_by_account() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ledger(&tmp.path().join("db"));
    let clerk = as_person(clerk());
    store
        .change_roster(
            &RosterChange::Add(person("wangjg2", "王建国", Role::Leader, "", "")),
            &clerk,
        )
        .unwrap();
    let pair = |leader: Option<&str>, account: Option<&str>| Command::Pair {
        county_leader: leader.map(String::from),
        county_leader_account: account.map(String::from),
        township_leader: None,
        first_secretary: None,
        first_secretary_unit: None,
        assisting_unit: None,
        on: None,
    };
    // A-2's new leader is a name two leaders share: refused, naming both
    let r = refusal(
        store
            .execute("A-2", &pair(Some("王建国"), None), &clerk)
            .unwrap_err(),
    );
    assert_eq!(
        r,
        Refusal::AmbiguousLeader {
            name: "王建国".into(),
            logins: vec!["wangjg".into(), "wangjg2".into()]
        }
    );
    // the account says which; then that 王建国, and only he, acts on A-2
    let (case, ev) = store
        .execute("A-2", &pair(None, Some("wangjg2")), &clerk)
        .unwrap();
    let p = case.pairing.unwrap();
    assert_eq!(
        (p.county_leader.as_str(), p.county_leader_account.as_deref()),
        ("王建国", Some("wangjg2"))
    );
    assert!(
        ev.change.detail.starts_with("王建国 [wangjg2] / 高峰"),
        "{}",
        ev.change.detail
    );
    let second = as_person(person("wangjg2", "王建国", Role::Leader, "", ""));
    store
        .execute("A-2", &visit("王建国", "走访"), &second)
        .unwrap();
    assert!(store
        .execute("A-2", &visit("王建国", "走访"), &as_person(leader()))
        .is_err());
    // A-1 was linked to wangjg at its import: still his alone
    store
        .execute("A-1", &visit("王建国", "走访"), &as_person(leader()))
        .unwrap();
    assert!(store
        .execute("A-1", &visit("王建国", "走访"), &second)
        .is_err());
}

/// A clerk records a visit made by a leader: the event's actor is the clerk, the visit's
/// `by` the leader, and `show` prints both.
#[test]
fn a_clerk_records_a_visit_by_another_and_history_shows_both() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("db");
    {
        let store = ledger(&dir);
        let (_, ev) = store
            .execute(
                "A-1",
                &visit("王建国", "三会一课记录不全"),
                &as_person(clerk()),
            )
            .unwrap();
        assert_eq!(
            (ev.actor.as_str(), ev.account.as_deref()),
            ("张丽", Some("zhangli"))
        );
    }
    let shown = ok(&dir, &["--lang", "en", "show", "A-1"]);
    let line = shown
        .lines()
        .find(|l| l.contains(" visit 2017-05-01"))
        .unwrap_or_else(|| panic!("no visit in the history:\n{shown}"));
    assert!(
        // the recorded code `unannounced`, shown by its label
        line.contains("张丽(zhangli) visit 2017-05-01 unannounced inspection 王建国"),
        "{line}"
    );
    assert!(
        shown.contains("2017-05-01 unannounced inspection 王建国: 三会一课记录不全"),
        "{shown}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&dir, &["show", "A-1", "--format", "json"])).unwrap();
    let last = &json["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["actor"].as_str(), last["account"].as_str()),
        (Some("张丽"), Some("zhangli"))
    );
    assert_eq!(json["visits"][0]["by"], "王建国");
}

#[test]
fn verify_checks_the_roster_against_its_history() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ledger(&tmp.path().join("db"));
    let r = store.verify(&owner()).unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    // two imported cases, four people added
    assert_eq!(r.events, 6);
    let history = store.roster_history(&owner()).unwrap();
    assert_eq!(history.len(), 4);
    assert!(history
        .iter()
        .all(|e| e.case_id == ROSTER_EVENTS && e.change.kind == ChangeKind::UserAdded));
    // an entry altered behind the history's back: a leader made a clerk
    let key = b"u/wangjg";
    let good = store.raw().get(key).unwrap().unwrap();
    let mut forged = leader();
    forged.role = Role::Clerk;
    store
        .raw()
        .insert(key, serde_json::to_vec(&forged).unwrap())
        .unwrap();
    let problems = store.verify(&owner()).unwrap().problems;
    assert_eq!(problems, vec![Damage::RosterAltered]);
    assert_eq!(
        problems[0].message(zhengdun::i18n::Lang::En),
        "the roster differs from what its history recorded: it was altered"
    );
    // an entry removed, or one added, likewise
    store.raw().remove(key).unwrap();
    assert_eq!(store.verify(&owner()).unwrap().problems.len(), 1);
    store.raw().insert(key, good).unwrap();
    assert!(store.verify(&owner()).unwrap().problems.is_empty());
    store
        .raw()
        .insert(b"u/intruder", serde_json::to_vec(&clerk()).unwrap())
        .unwrap();
    assert_eq!(store.verify(&owner()).unwrap().problems.len(), 1);
    // an unreadable entry is named
    store.raw().insert(b"u/intruder", b"{".to_vec()).unwrap();
    let problems = store.verify(&owner()).unwrap().problems;
    assert!(
        matches!(&problems[0], Damage::RosterEntryUnreadable { login, .. } if login == "intruder"),
        "{problems:?}"
    );
    store.raw().remove(b"u/intruder").unwrap();
    // a roster event altered breaks the chain like any other
    let seq = history[1].seq;
    let ev_key = [b"h/".as_slice(), &seq.to_be_bytes()].concat();
    let mut ev = history[1].clone();
    ev.change.detail = "wangjg clerk 王建国".into();
    store
        .raw()
        .insert(ev_key, serde_json::to_vec(&ev).unwrap())
        .unwrap();
    let problems = store.verify(&owner()).unwrap().problems;
    assert!(
        problems
            .iter()
            .any(|p| matches!(p, Damage::EventAltered { seq: s, .. } if *s == seq)),
        "{problems:?}"
    );
}

#[test]
fn backup_and_restore_keep_the_roster_and_its_history() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ledger(&tmp.path().join("db"));
    store
        .change_roster(
            &RosterChange::Remove {
                login: "audit".into(),
            },
            &as_person(clerk()),
        )
        .unwrap();
    let backup = store.backup(None, &owner()).unwrap();
    assert_eq!(backup.roster.len(), 3);
    let restored = Store::open(&tmp.path().join("restored")).unwrap();
    restored
        .restore(backup.clone(), "b.json", &owner())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(restored.roster().unwrap(), store.roster().unwrap());
    assert_eq!(
        restored.roster_history(&owner()).unwrap(),
        store.roster_history(&owner()).unwrap()
    );
    assert!(restored.verify(&owner()).unwrap().problems.is_empty());
    // a roster edited in the backup is refused, and nothing is written
    let mut edited = backup.clone();
    edited.roster[0].role = Role::Clerk;
    edited.roster.sort_by(|a, b| a.login.cmp(&b.login));
    for bad in [
        edited,
        Backup {
            roster: Vec::new(),
            ..backup.clone()
        },
    ] {
        let fresh = Store::open(&tmp.path().join(format!("r{}", bad.roster.len()))).unwrap();
        let e = fresh.restore(bad, "b.json", &owner()).unwrap_err();
        assert!(e.to_string().contains("roster differs"), "{e}");
        assert!(fresh.roster().unwrap().is_empty());
        assert!(fresh.is_empty());
    }
    // only a clerk restores
    // (an empty ledger has no roster yet, so a person acting is refused as unknown there)
    let fresh = Store::open(&tmp.path().join("by-leader")).unwrap();
    assert!(matches!(
        fresh.restore(backup, "b.json", &as_person(leader())),
        Err(StoreError::Denied(Refusal::NotInRoster { .. }))
    ));
}

use zhengdun::store::Backup;

#[test]
fn user_commands_through_the_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ledger");
    let db = dir.as_path();
    // listing a roster that does not exist makes no ledger
    let (code, _) = refused(db, &["user", "list"]);
    assert_eq!(code, 2);
    assert!(!db.exists());
    let f = tmp.path().join("l.json");
    std::fs::write(&f, LEDGER).unwrap();
    ok(db, &["import", f.to_str().unwrap()]);
    assert_eq!(ok(db, &["user", "list"]).trim(), "人员名册为空");
    let added = ok(
        db,
        &[
            "user",
            "add",
            "wangjg",
            "--name",
            "王建国",
            "--role",
            "leader",
            "--county",
            "阳谷县",
        ],
    );
    // the recorded `leader county=阳谷县`, shown by their labels
    assert_eq!(
        added.trim(),
        "添加人员 wangjg 县级包联领导 王建国 县(市、区)：阳谷县"
    );
    ok(
        db,
        &[
            "user",
            "add",
            "zhangli",
            "--name",
            "张丽",
            "--role",
            "组织部台账员",
        ],
    );
    ok(
        db,
        &[
            "--lang",
            "en",
            "user",
            "add",
            "liming",
            "--name",
            "李明",
            "--role",
            "township",
            "--county",
            "阳谷县",
            "--township",
            "阿城镇",
        ],
    );
    // the same again: nothing changes, nothing is recorded
    let again = ok(
        db,
        &[
            "--lang", "en", "user", "add", "zhangli", "--name", "张丽", "--role", "clerk",
        ],
    );
    assert_eq!(
        again.trim(),
        "zhangli is in the roster as given; nothing changed"
    );
    assert_eq!(
        ok(db, &["user", "list"]),
        "账户     姓名    角色          县(市、区)  乡镇(街道)\n\
         liming   李明    乡镇党委书记  阳谷县      阿城镇\n\
         wangjg   王建国  县级包联领导  阳谷县\n\
         zhangli  张丽    组织部台账员\n"
    );
    let json: Vec<Person> =
        serde_json::from_str(&ok(db, &["user", "list", "--format", "json"])).unwrap();
    assert_eq!(json.len(), 3);
    assert_eq!(json[1], leader());
    // what cannot be: refused with one line, exit 2 for a bad value, 1 for a rule
    let (code, err) = refused(
        db,
        &[
            "--lang", "en", "user", "add", "x", "--name", "某", "--role", "township",
        ],
    );
    assert_eq!((code, err.trim()), (2, "zhengdun: township is empty"));
    let (code, _) = refused(db, &["user", "add", "x", "--name", "某", "--role", "boss"]);
    assert_eq!(code, 2);
    let (code, err) = refused(db, &["--lang", "en", "user", "remove", "nobody"]);
    assert_eq!(
        (code, err.trim()),
        (2, "zhengdun: the roster has no account nobody")
    );
    let (code, err) = refused(db, &["user", "remove", "zhangli"]);
    assert_eq!(
        (code, err.trim()),
        (
            1,
            "zhengdun: 账户 zhangli 是名册中最后一位台账员，名册至少要有一位"
        )
    );
    let removed = ok(db, &["--lang", "en", "user", "remove", "liming"]);
    assert_eq!(
        removed.trim(),
        // the recorded `township county=… township=…`, shown by their labels
        "user removed liming township secretary 李明 county: 阳谷县 township: 阿城镇"
    );
    // each change an event of the roster's history, and of the one chain verify checks
    let history = ok(db, &["--lang", "en", "user", "history"]);
    let kinds: Vec<&str> = history
        .lines()
        .map(|l| l.split_whitespace().nth(2).unwrap_or(""))
        .collect();
    assert_eq!(kinds, ["user", "user", "user", "user"], "{history}");
    assert!(history
        .lines()
        .last()
        .unwrap()
        .contains("user removed liming"));
    let verified = ok(db, &["--lang", "en", "verify"]);
    assert!(
        verified.contains("2 cases, 6 history events, chain intact"),
        "{verified}"
    );
    // a case's history holds its own events only
    assert!(!ok(db, &["show", "A-1"]).contains("添加人员"));
    // pair names the account; a name the roster's one leader has is linked by itself
    let pair = ok(db, &["pair", "A-2", "--county-leader", "王建国"]);
    assert!(pair.starts_with("A-2"), "{pair}");
    let case: serde_json::Value =
        serde_json::from_str(&ok(db, &["show", "A-2", "--format", "json"])).unwrap();
    assert_eq!(case["pairing"]["county_leader_account"], "wangjg");
    assert!(ok(db, &["show", "A-2"]).contains("王建国（wangjg）"));
    let (code, err) = refused(
        db,
        &[
            "--lang",
            "en",
            "pair",
            "A-2",
            "--county-leader-account",
            "zhangli",
        ],
    );
    assert_eq!(
        (code, err.trim()),
        (
            2,
            "zhengdun: A-2: account zhangli is no county leader in the roster"
        )
    );
    // backup and restore carry the roster
    let b = tmp.path().join("b.json");
    ok(db, &["backup", b.to_str().unwrap()]);
    let restored = tmp.path().join("restored");
    ok(&restored, &["restore", b.to_str().unwrap()]);
    assert_eq!(ok(&restored, &["user", "list"]), ok(db, &["user", "list"]));
    assert_eq!(
        ok(&restored, &["user", "history"]),
        ok(db, &["user", "history"])
    );
    assert!(ok(&restored, &["--lang", "en", "verify"]).contains("chain intact"));
}
