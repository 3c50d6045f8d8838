//! People and roles in the domain (SPEC §9): every row and column of the role table, whose
//! case a case is (a township's, a county leader's by account — two people can both be
//! 王建国), the roster's own rules, and the refusals in both languages.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use zhengdun::domain::*;
use zhengdun::i18n::{refusal, Lang};

mod common;
use common::d;
use common::people::{auditor, clerk, leader, person, township};

fn roster() -> Roster {
    Roster::new(vec![
        clerk(),
        township(),
        leader(),
        auditor(),
        person("lisi", "李四", Role::Leader, "阳谷县", ""),
    ])
}

/// A case at `stage`, paired (to `county_leader`, linked to `account`) from `paired` on,
/// with everything its guards need.
fn case_in(township: &str, county_leader: &str, account: Option<&str>, stage: Stage) -> Case {
    let mut c = Case::identified(
        format!("2017-YG-{township}"),
        2017,
        "阳谷县",
        township,
        "前进村",
        vec![Situation::SecretaryUnfit],
        d("2017-03-10"),
    );
    c.pairing = Some(Pairing {
        county_leader: county_leader.into(),
        county_leader_account: account.map(String::from),
        township_leader: "李明".into(),
        first_secretary: "张伟".into(),
        first_secretary_unit: "县财政局".into(),
        assisting_unit: String::new(),
        paired_on: Some(d("2017-03-25")),
    });
    let accepted = stage == Stage::Accepted;
    c.tasks.push(Task {
        measure: "规范三会一课".into(),
        responsible: "李明".into(),
        due: d("2017-06-30"),
        done_on: accepted.then(|| d("2017-06-01")),
    });
    c.no_adjustment_reason = Some("班子结构合理".into());
    c.stage = stage;
    c.closed_on = accepted.then(|| d("2017-09-01"));
    c
}

/// The case that is every role's own: in 阿城镇, paired with 王建国 (account wangjg).
fn own(stage: Stage) -> Case {
    case_in("阿城镇", "王建国", Some("wangjg"), stage)
}

/// A case that is no role's own: in 七级镇, paired with 李四 (account lisi).
fn foreign(stage: Stage) -> Case {
    case_in("七级镇", "李四", Some("lisi"), stage)
}

fn visit(by: &str) -> Command {
    Command::LogVisit(Visit {
        on: d("2017-05-01"),
        by: by.into(),
        kind: VisitKind::Unannounced,
        findings: "三会一课记录不全".into(),
    })
}

/// SPEC §9's role table as the SPEC writes it, one row per command: clerk, township, leader,
/// auditor. `all` on every case, `own` on its own cases only, `-` never.
const TABLE: &[(&str, [&str; 4])] = &[
    (
        "list, show, stats, TUI reading",
        ["all", "all", "all", "all"],
    ),
    ("visit", ["all", "own", "own", "-"]),
    ("task add", ["all", "own", "own", "-"]),
    ("task done", ["all", "own", "own", "-"]),
    ("pair", ["all", "own", "-", "-"]),
    ("adjust", ["all", "own", "-", "-"]),
    ("advance to paired", ["all", "own", "-", "-"]),
    ("advance to cadres_adjusted", ["all", "own", "-", "-"]),
    ("new", ["all", "-", "-", "-"]),
    ("import", ["all", "-", "-", "-"]),
    ("accept", ["all", "-", "-", "-"]),
    ("reopen", ["all", "-", "-", "-"]),
    ("edit", ["all", "-", "-", "-"]),
    ("void", ["all", "-", "-", "-"]),
    ("user", ["all", "-", "-", "-"]),
    ("export", ["all", "-", "-", "-"]),
    ("backup", ["all", "-", "-", "-"]),
    ("verify", ["all", "-", "-", "all"]),
];

/// What a row asks, for `person`: a command on a case (the case made by the function given,
/// own or foreign), or an operation on the whole ledger.
enum Asked {
    OnCase(Command, Stage),
    Ledger(Operation),
}

fn asked(row: &str, person: &Person) -> Asked {
    use Asked::*;
    let by = person.name.as_str();
    match row {
        "list, show, stats, TUI reading" => Ledger(Operation::Read),
        "visit" => OnCase(visit(by), Stage::Paired),
        "task add" => OnCase(
            Command::AddTask(Task {
                measure: "建立党员活动室".into(),
                responsible: "李明".into(),
                due: d("2017-08-31"),
                done_on: None,
            }),
            Stage::Paired,
        ),
        "task done" => OnCase(
            Command::FinishTask {
                number: 1,
                on: d("2017-06-01"),
            },
            Stage::Paired,
        ),
        "pair" => OnCase(
            Command::Pair {
                county_leader: None,
                county_leader_account: None,
                township_leader: None,
                first_secretary: Some("刘洋".into()),
                first_secretary_unit: None,
                assisting_unit: None,
                on: None,
            },
            Stage::Paired,
        ),
        "adjust" => OnCase(
            Command::Adjust(Adjustment {
                name: "赵老三".into(),
                post: Post::Secretary,
                reason: AdjustReason::Aging,
                action: AdjustAction::Removed,
                on: d("2017-05-01"),
                replacement: None,
                replacement_source: None,
            }),
            Stage::Paired,
        ),
        "advance to paired" => OnCase(
            Command::Advance {
                from: Stage::Identified,
            },
            Stage::Identified,
        ),
        "advance to cadres_adjusted" => OnCase(
            Command::Advance {
                from: Stage::Paired,
            },
            Stage::Paired,
        ),
        "new" => Ledger(Operation::New),
        "import" => Ledger(Operation::Import),
        "accept" => OnCase(
            Command::Accept {
                on: d("2017-09-01"),
                by: by.into(),
                score: 85,
                poll_n: 15,
                dissatisfied: 2,
                standards: [true; 6],
                new_deadline: None,
            },
            Stage::CadresAdjusted,
        ),
        "reopen" => OnCase(
            Command::Reopen {
                deadline: None,
                to: Stage::Paired,
                reason: "回头看发现反弹".into(),
            },
            Stage::Accepted,
        ),
        "edit" => OnCase(
            Command::Edit(Edit {
                problems: Some("书记长期外出".into()),
                ..Edit::default()
            }),
            Stage::Paired,
        ),
        "void" => Ledger(Operation::Void),
        "user" => Ledger(Operation::Roster),
        "export" => Ledger(Operation::Export),
        "backup" => Ledger(Operation::Backup),
        "verify" => Ledger(Operation::Verify),
        other => panic!("no command for the row {other}"),
    }
}

#[test]
fn every_row_and_column_of_the_role_table() {
    let roster = roster();
    let people = [clerk(), township(), leader(), auditor()];
    let mut checked = 0;
    for (row, cells) in TABLE {
        for (p, cell) in people.iter().zip(cells) {
            let at = format!("row '{row}', column {}", p.role.code());
            match asked(row, p) {
                Asked::Ledger(op) => {
                    let got = authorize_ledger(p, op);
                    match *cell {
                        "all" => assert_eq!(got, Ok(()), "{at}"),
                        _ => assert!(
                            matches!(got, Err(Refusal::RoleCannot { ref login, role, operation })
                                if *login == p.login && role == p.role && operation == op),
                            "{at}: {got:?}"
                        ),
                    }
                    checked += 1;
                }
                Asked::OnCase(cmd, stage) => {
                    for (whose, case) in [("own", own(stage)), ("foreign", foreign(stage))] {
                        let at = format!("{at}, {whose} case");
                        let got = authorize(p, &roster, &cmd, &case);
                        match (*cell, whose) {
                            ("all", _) | ("own", "own") => assert_eq!(got, Ok(()), "{at}"),
                            ("own", _) => assert!(
                                matches!(got, Err(Refusal::OutOfScope { ref login, role, .. })
                                    if *login == p.login && role == p.role),
                                "{at}: {got:?}"
                            ),
                            _ => assert!(
                                matches!(got, Err(Refusal::RoleCannot { role, .. }) if role == p.role),
                                "{at}: {got:?}"
                            ),
                        }
                        // what is allowed, the state machine then takes as it would from anyone
                        if got.is_ok() {
                            apply(&case, &cmd, d("2017-11-15"), &Policy::default())
                                .unwrap_or_else(|r| panic!("{at}: {r:?}"));
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 4 * (8 + 2 * 10));
}

/// Every operation the domain knows has a rule, and the table above reaches each one that a
/// command or ledger operation of the SPEC names (restore goes with import; nothing advances
/// into `identified`; advancing into `accepted` is acceptance).
#[test]
fn every_operation_has_a_rule_and_clerks_may_do_all() {
    for op in Operation::ALL {
        assert_eq!(grant(Role::Clerk, op), Grant::All, "{op:?}");
        assert_eq!(
            grant(Role::Auditor, op) == Grant::All,
            matches!(op, Operation::Read | Operation::Verify),
            "{op:?}"
        );
    }
    for op in [
        Operation::Restore,
        Operation::Advance(Stage::Identified),
        Operation::Advance(Stage::Accepted),
    ] {
        for role in [Role::Township, Role::Leader, Role::Auditor] {
            assert_eq!(grant(role, op), Grant::No, "{op:?} {role:?}");
        }
    }
    // an accepted case advances nowhere: for the table it is acceptance, a clerk's
    let accepted = own(Stage::Accepted);
    assert!(matches!(
        authorize(
            &township(),
            &roster(),
            &Command::Advance {
                from: Stage::Accepted
            },
            &accepted
        ),
        Err(Refusal::RoleCannot { .. })
    ));
}

#[test]
fn a_township_is_its_own_township_in_its_own_county() {
    let r = roster();
    let cmd = visit("李明");
    assert_eq!(
        authorize(&township(), &r, &cmd, &own(Stage::Paired)),
        Ok(())
    );
    // the same township name in another county is another township
    let mut elsewhere = own(Stage::Paired);
    elsewhere.county = "莘县".into();
    assert_eq!(
        authorize(&township(), &r, &cmd, &elsewhere),
        Err(Refusal::OutOfScope {
            login: "liming".into(),
            role: Role::Township,
            operation: Operation::Visit,
            scope: Scope::Township {
                mine: "阳谷县 阿城镇".into(),
                case: "莘县 阿城镇".into(),
            },
        })
    );
    // an entry that names no county takes the township in any county
    let mut anywhere = township();
    anywhere.county = None;
    assert_eq!(authorize(&anywhere, &r, &cmd, &elsewhere), Ok(()));
}

/// Two people can both be 王建国: a leader's cases are decided by account.
#[test]
fn a_leader_is_the_account_a_case_is_linked_to_not_a_name() {
    let other = person("wangjg2", "王建国", Role::Leader, "阳谷县", "");
    let one = roster();
    let two = Roster::new([one.people().to_vec(), vec![other.clone()]].concat());
    let linked = own(Stage::Paired);
    let cmd = |p: &Person| visit(&p.name);
    // linked to wangjg: his, never the other 王建国's, whatever the roster
    assert_eq!(authorize(&leader(), &two, &cmd(&leader()), &linked), Ok(()));
    assert_eq!(
        authorize(&other, &two, &cmd(&other), &linked),
        Err(Refusal::OutOfScope {
            login: "wangjg2".into(),
            role: Role::Leader,
            operation: Operation::Visit,
            scope: Scope::Leader {
                case_leader: "王建国".into(),
                account: Some("wangjg".into()),
            },
        })
    );
    // named but not linked (paired before the roster): the one leader of that name...
    let unlinked = case_in("阿城镇", "王建国", None, Stage::Paired);
    assert_eq!(
        authorize(&leader(), &one, &cmd(&leader()), &unlinked),
        Ok(())
    );
    // ...and nobody's once two share it, until a clerk says which
    for p in [&leader(), &other] {
        assert_eq!(
            authorize(p, &two, &cmd(p), &unlinked),
            Err(Refusal::OutOfScope {
                login: p.login.clone(),
                role: Role::Leader,
                operation: Operation::Visit,
                scope: Scope::SharedName {
                    name: "王建国".into(),
                    logins: vec!["wangjg".into(), "wangjg2".into()],
                },
            })
        );
    }
    // a leader of another county is not the 王建国 of this one
    let mut elsewhere = unlinked.clone();
    elsewhere.county = "莘县".into();
    assert!(matches!(
        authorize(&leader(), &one, &cmd(&leader()), &elsewhere),
        Err(Refusal::OutOfScope {
            scope: Scope::Leader { account: None, .. },
            ..
        })
    ));
    // a case with no county leader yet is no leader's
    let mut bare = unlinked;
    bare.pairing = None;
    assert!(matches!(
        authorize(&leader(), &one, &cmd(&leader()), &bare),
        Err(Refusal::OutOfScope { .. })
    ));
}

fn pair(leader: Option<&str>, account: Option<&str>) -> Command {
    Command::Pair {
        county_leader: leader.map(String::from),
        county_leader_account: account.map(String::from),
        township_leader: Some("李明".into()),
        first_secretary: Some("张伟".into()),
        first_secretary_unit: Some("县财政局".into()),
        assisting_unit: None,
        on: Some(d("2017-03-25")),
    }
}

fn pairing_after(case: &Case, cmd: &Command) -> Pairing {
    let (after, _) = apply(case, cmd, d("2017-11-15"), &Policy::default()).unwrap();
    after.pairing.unwrap()
}

#[test]
fn pairing_links_the_county_leader_to_an_account() {
    let one = roster();
    let two = Roster::new(
        [
            one.people().to_vec(),
            vec![person("wangjg2", "王建国", Role::Leader, "", "")],
        ]
        .concat(),
    );
    let fresh = {
        let mut c = own(Stage::Identified);
        c.pairing = None;
        c
    };
    // a name one leader has is linked to that leader
    let cmd = one
        .resolve_pair(&pair(Some("王建国"), None), &fresh)
        .unwrap();
    let p = pairing_after(&fresh, &cmd);
    assert_eq!(
        (p.county_leader.as_str(), p.county_leader_account.as_deref()),
        ("王建国", Some("wangjg"))
    );
    // a name two leaders have is refused, naming them
    assert_eq!(
        two.resolve_pair(&pair(Some("王建国"), None), &fresh),
        Err(Refusal::AmbiguousLeader {
            name: "王建国".into(),
            logins: vec!["wangjg".into(), "wangjg2".into()],
        })
    );
    // an account says which, and gives the name when none is typed
    let cmd = two
        .resolve_pair(&pair(None, Some("wangjg2")), &fresh)
        .unwrap();
    let p = pairing_after(&fresh, &cmd);
    assert_eq!(
        (p.county_leader.as_str(), p.county_leader_account.as_deref()),
        ("王建国", Some("wangjg2"))
    );
    // only a leader's account will do
    assert_eq!(
        two.resolve_pair(&pair(None, Some("liming")), &fresh),
        Err(Refusal::NotALeader {
            login: "liming".into()
        })
    );
    // a name no leader has is kept as a name, linked to nobody
    let cmd = two.resolve_pair(&pair(Some("赵六"), None), &fresh).unwrap();
    assert_eq!(pairing_after(&fresh, &cmd).county_leader_account, None);
    // a new county leader unlinks the old one's account, even with no roster to ask
    let linked = own(Stage::Paired);
    let cmd = Roster::default()
        .resolve_pair(&pair(Some("赵六"), None), &linked)
        .unwrap();
    assert_eq!(pairing_after(&linked, &cmd).county_leader_account, None);
    // the same name again keeps the link, even when the name is shared
    let cmd = two
        .resolve_pair(&pair(Some("王建国"), None), &linked)
        .unwrap();
    assert_eq!(
        pairing_after(&linked, &cmd)
            .county_leader_account
            .as_deref(),
        Some("wangjg")
    );
    // an import links what the roster can tell, and leaves the rest
    let mut imported = case_in("阿城镇", "王建国", None, Stage::Paired);
    one.link_leader(&mut imported);
    assert_eq!(
        imported
            .pairing
            .as_ref()
            .unwrap()
            .county_leader_account
            .as_deref(),
        Some("wangjg")
    );
    let mut shared = case_in("阿城镇", "王建国", None, Stage::Paired);
    two.link_leader(&mut shared);
    assert_eq!(shared.pairing.unwrap().county_leader_account, None);
}

#[test]
fn only_a_clerk_records_a_visit_by_someone_else() {
    let r = roster();
    let case = own(Stage::Paired);
    assert_eq!(authorize(&clerk(), &r, &visit("王建国"), &case), Ok(()));
    assert_eq!(
        authorize(&leader(), &r, &visit("李四"), &case),
        Err(Refusal::VisitByOther {
            login: "wangjg".into(),
            role: Role::Leader,
            by: "李四".into(),
        })
    );
    // a visit by the login, or by nobody in particular, is signed with the roster name
    for by in ["wangjg", "", "  "] {
        let signed = leader().sign(&visit(by));
        assert_eq!(signed, visit("王建国"), "by '{by}'");
        assert_eq!(authorize(&leader(), &r, &signed, &case), Ok(()));
    }
}

#[test]
fn as_may_name_only_the_account_itself() {
    let p = leader();
    for ok in ["王建国", "wangjg", " 王建国 ", ""] {
        assert_eq!(p.check_as(ok), Ok(()), "--as '{ok}'");
    }
    let r = p.check_as("李四").unwrap_err();
    assert!(r.is_bad_value(), "exit 2");
    assert_eq!(
        refusal(Lang::En, &r),
        "--as 李四: account wangjg is 王建国 in the roster and cannot act as someone else"
    );
    assert_eq!(
        refusal(Lang::Zh, &r),
        "--as 李四：账户 wangjg 在名册中是王建国，不能以他人名义操作"
    );
}

#[test]
fn the_roster_checks_its_entries_and_keeps_a_clerk() {
    let r = Roster::new(vec![clerk()]);
    // added: a history change naming the entry
    let (r2, change) = r
        .apply(&RosterChange::Add(person(
            " wangjg ",
            " 王建国",
            Role::Leader,
            "阳谷县",
            " ",
        )))
        .unwrap()
        .unwrap();
    assert_eq!(change.kind, ChangeKind::UserAdded);
    assert_eq!(change.detail, "wangjg leader 王建国 county=阳谷县");
    assert_eq!(r2.get("wangjg"), Some(&leader()));
    // the same again changes nothing; a new role is a change
    assert_eq!(r2.apply(&RosterChange::Add(leader())), Ok(None));
    let mut promoted = leader();
    promoted.role = Role::Clerk;
    let (_, change) = r2.apply(&RosterChange::Add(promoted)).unwrap().unwrap();
    assert_eq!(change.kind, ChangeKind::UserChanged);
    // the last clerk stays, removed or demoted
    let last = Refusal::LastClerk {
        login: "zhangli".into(),
    };
    assert_eq!(
        r2.apply(&RosterChange::Remove {
            login: "zhangli".into()
        }),
        Err(last.clone())
    );
    let mut demoted = clerk();
    demoted.role = Role::Auditor;
    assert_eq!(r2.apply(&RosterChange::Add(demoted)), Err(last));
    // removing: a change, or a refusal naming the account
    let (r3, change) = r2
        .apply(&RosterChange::Remove {
            login: "wangjg".into(),
        })
        .unwrap()
        .unwrap();
    assert_eq!((change.kind, r3), (ChangeKind::UserRemoved, r.clone()));
    assert_eq!(
        r.apply(&RosterChange::Remove {
            login: "nobody".into()
        }),
        Err(Refusal::NoSuchAccount {
            login: "nobody".into()
        })
    );
    // entries that cannot be
    for (bad, want) in [
        (person("", "王建国", Role::Leader, "", ""), Field::Login),
        (
            person("wang jg", "王建国", Role::Leader, "", ""),
            Field::Login,
        ),
        (person("wangjg", " ", Role::Leader, "", ""), Field::Name),
        (
            person("liming", "李明", Role::Township, "阳谷县", ""),
            Field::Township,
        ),
    ] {
        let got = r.apply(&RosterChange::Add(bad)).unwrap_err();
        assert_eq!(got.field(), Some(want), "{got:?}");
        assert!(got.is_bad_value());
    }
    // an account not in the roster is refused, named, with what a clerk can do
    assert_eq!(
        r.person("wangjg"),
        Err(Refusal::NotInRoster {
            login: "wangjg".into()
        })
    );
}

#[test]
fn roster_types_cross_a_socket_as_json() {
    let p = township();
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(
        json,
        r#"{"login":"liming","name":"李明","role":"township","county":"阳谷县","township":"阿城镇"}"#
    );
    assert_eq!(serde_json::from_str::<Person>(&json).unwrap(), p);
    let r = roster();
    let back: Roster = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(back, r);
    for op in Operation::ALL {
        let back: Operation = serde_json::from_str(&serde_json::to_string(&op).unwrap()).unwrap();
        assert_eq!(back, op);
    }
    assert!(serde_json::from_str::<Person>(r#"{"login":"a","name":"b","role":"boss"}"#).is_err());
}

/// A refusal names the role and what it may do, in Chinese and in English.
#[test]
fn refusals_name_the_role_and_what_it_may_do_in_both_languages() {
    let r = roster();
    let cases = [
        (
            authorize(&leader(), &r, &Command::Advance { from: Stage::Paired }, &own(Stage::Paired)),
            "账户 wangjg 是县级包联领导，不能推进到班子调整；县级包联领导可以：查看台账；对其包联的案件记录走访、添加和完成整改任务",
            "account wangjg is a county leader and cannot advance to cadres adjusted; a county leader may read the ledger, and on the cases it is the paired county leader of log visits and add and finish plan tasks",
        ),
        (
            authorize_ledger(&auditor(), Operation::Export),
            "账户 audit 是审核员，不能导出台账；审核员可以：查看台账、核验台账（zhengdun verify）",
            "account audit is an auditor and cannot export the ledger; an auditor may read the ledger and verify it (zhengdun verify)",
        ),
        (
            authorize_ledger(&township(), Operation::Roster),
            "账户 liming 是乡镇党委书记，不能查看或修改人员名册；乡镇党委书记可以：查看台账；对本乡镇的案件记录走访、添加和完成整改任务、录入包联和班子调整、推进到领导包联或班子调整",
            "account liming is a township secretary and cannot see or change the roster; a township secretary may read the ledger, and on the cases of its township log visits, add and finish plan tasks, record the pairing and cadre adjustments, and advance to paired or cadres adjusted",
        ),
        (
            authorize(&township(), &r, &visit("李明"), &foreign(Stage::Paired)),
            "账户 liming 是乡镇党委书记，只能对本乡镇（阳谷县 阿城镇）的案件记录走访；本案属于阳谷县 七级镇",
            "account liming is a township secretary and may log a visit only on the cases of its township (阳谷县 阿城镇); this case is in 阳谷县 七级镇",
        ),
        (
            authorize(&leader(), &r, &visit("王建国"), &foreign(Stage::Paired)),
            "账户 wangjg 是县级包联领导，只能对其包联的案件记录走访；本案的县级包联领导是李四（账户 lisi）",
            "account wangjg is a county leader and may log a visit only on the cases it is the paired county leader of; this case's county leader is 李四 (account lisi)",
        ),
        (
            Err(Refusal::OutOfScope {
                login: "wangjg".into(),
                role: Role::Leader,
                operation: Operation::AddTask,
                scope: Scope::SharedName {
                    name: "王建国".into(),
                    logins: vec!["wangjg".into(), "wangjg2".into()],
                },
            }),
            "账户 wangjg 是县级包联领导，只能对其包联的案件添加整改任务；本案的县级包联领导“王建国”未关联账户，名册中同名的领导有 wangjg, wangjg2；台账员可用 zhengdun pair 编号 --county-leader-account 账户 指明",
            "account wangjg is a county leader and may add a plan task only on the cases it is the paired county leader of; this case names its county leader only as 王建国, a name leaders wangjg, wangjg2 share; a clerk can say which with zhengdun pair ID --county-leader-account LOGIN",
        ),
        (
            Err(r.person("nobody").unwrap_err()),
            "账户 nobody 不在本台账的人员名册中；请台账员添加：zhengdun user add nobody --name 姓名 --role 角色",
            "account nobody is not in this ledger's roster; a clerk can add it: zhengdun user add nobody --name NAME --role ROLE",
        ),
        (
            authorize(&leader(), &r, &visit("李四"), &own(Stage::Paired)),
            "账户 wangjg 是县级包联领导，只能记录本人的走访；代他人（李四）记录须由台账员进行",
            "account wangjg is a county leader and logs only its own visits; only a clerk logs a visit by 李四",
        ),
    ];
    for (got, zh, en) in cases {
        let r = got.unwrap_err();
        assert_eq!(refusal(Lang::Zh, &r), zh);
        assert_eq!(refusal(Lang::En, &r), en);
        // a rule, not a bad value: exit 1
        assert!(!r.is_bad_value(), "{r:?}");
    }
}

/// Corrections (SPEC §11) go to whoever may record such an entry: a visit, a task or an
/// adjustment of one's own cases, and a visit only of one's own; void, unvoid and talk are a
/// clerk's.
#[test]
fn who_may_correct_void_and_talk() {
    let roster = roster();
    let mut case = own(Stage::CadresAdjusted);
    case.visits.push(Visit {
        on: d("2017-05-01"),
        by: "王建国".into(),
        kind: VisitKind::Unannounced,
        findings: "三会一课记录不全".into(),
    });
    case.visits.push(Visit {
        on: d("2017-05-02"),
        by: "李明".into(),
        kind: VisitKind::Visit,
        findings: "走访".into(),
    });
    case.adjustments.push(Adjustment {
        name: "孙某".into(),
        post: Post::Secretary,
        reason: AdjustReason::Aging,
        action: AdjustAction::Removed,
        on: d("2017-04-01"),
        replacement: None,
        replacement_source: None,
    });
    let fix_visit = |n: usize, by: &str| Command::FixVisit {
        number: n,
        visit: Visit {
            on: d("2017-05-03"),
            by: by.into(),
            kind: VisitKind::Visit,
            findings: "更正".into(),
        },
    };
    let fix_adjustment = Command::FixAdjustment {
        number: 1,
        adjustment: Adjustment {
            name: "孙某某".into(),
            ..case.adjustments[0].clone()
        },
    };
    let fix_task = Command::FixTask {
        number: 1,
        task: Task {
            measure: "规范“三会一课”".into(),
            ..case.tasks[0].clone()
        },
    };
    let ok = |p: &Person, cmd: &Command, c: &Case| authorize(p, &roster, cmd, c);
    // the leader: its own visit, its case's tasks; not another's visit, not an adjustment
    assert!(ok(&leader(), &fix_visit(1, "王建国"), &case).is_ok());
    assert!(ok(&leader(), &fix_task, &case).is_ok());
    let r = ok(&leader(), &fix_visit(2, "王建国"), &case).unwrap_err();
    assert!(
        matches!(&r, Refusal::FixOfOther { by, .. } if by == "李明"),
        "{r:?}"
    );
    assert!(
        refusal(Lang::Zh, &r).contains("台账员"),
        "{}",
        refusal(Lang::Zh, &r)
    );
    let r = ok(&leader(), &fix_visit(1, "李明"), &case).unwrap_err();
    assert!(matches!(r, Refusal::FixOfOther { .. }));
    assert!(matches!(
        ok(&leader(), &fix_adjustment, &case),
        Err(Refusal::RoleCannot { .. })
    ));
    assert!(matches!(
        ok(&leader(), &fix_task, &foreign(Stage::CadresAdjusted)),
        Err(Refusal::OutOfScope { .. })
    ));
    // the township: adjustments of its own township
    assert!(ok(&township(), &fix_adjustment, &case).is_ok());
    assert!(ok(&township(), &fix_visit(2, "李明"), &case).is_ok());
    // the clerk: anything, a visit by anyone
    assert!(ok(&clerk(), &fix_visit(2, "王建国"), &case).is_ok());
    let void = Command::Void {
        on: d("2017-06-01"),
        reason: "重复录入".into(),
    };
    let unvoid = Command::Unvoid {
        reason: String::new(),
    };
    for cmd in [&void, &unvoid] {
        assert!(ok(&clerk(), cmd, &case).is_ok());
        for p in [township(), leader(), auditor()] {
            assert!(matches!(
                ok(&p, cmd, &case),
                Err(Refusal::RoleCannot { .. })
            ));
        }
    }
    assert!(authorize_ledger(&clerk(), Operation::Talk).is_ok());
    for p in [township(), leader(), auditor()] {
        let r = authorize_ledger(&p, Operation::Talk).unwrap_err();
        assert!(refusal(Lang::En, &r).contains("record an accountability talk"));
    }
}
