use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::*;
use crate::domain::{ChangeKind, DueState, Field, Refusal, Situation, Stage};

/// The `{name}`s a template fills in.
fn placeholders(template: &str) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.insert(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    out
}

#[test]
fn every_text_has_both_languages() {
    for t in Text::ALL {
        assert!(!t.get(Lang::Zh).trim().is_empty(), "{t:?} has no Chinese");
        assert!(!t.get(Lang::En).trim().is_empty(), "{t:?} has no English");
    }
}

#[test]
fn every_message_has_both_languages_with_its_values() {
    assert!(msg::TEMPLATES.len() > 80);
    for (name, params, zh, en) in msg::TEMPLATES {
        assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{name}");
        let used: BTreeSet<&str> = placeholders(zh).union(&placeholders(en)).copied().collect();
        let params: BTreeSet<&str> = params.iter().copied().collect();
        assert_eq!(used, params, "{name}: a parameter neither template shows");
    }
}

#[test]
fn every_label_has_both_languages() {
    for (zh, en) in labels::ALL_LABELS {
        assert!(
            !zh.trim().is_empty() && !en.trim().is_empty(),
            "{zh} / {en}"
        );
    }
    for f in Field::ALL {
        assert!(!f.label(Lang::Zh).is_empty() && !f.label(Lang::En).is_empty());
    }
}

#[test]
fn labels_and_codes_parse_back() {
    for s in Situation::ALL {
        assert_eq!(parse_label::<Situation>(s.code()), Some(*s));
        assert_eq!(parse_label::<Situation>(s.zh()), Some(*s));
        assert_eq!(parse_label::<Situation>(s.en()), Some(*s));
    }
    assert_eq!(parse_label::<Stage>("领导包联"), Some(Stage::Paired));
    assert_eq!(parse_label::<Stage>("nonsense"), None);
}

#[test]
fn refusals_name_the_missing_fields_in_both_languages() {
    let r = Refusal::PairingIncomplete {
        missing: vec![Field::FirstSecretary, Field::FirstSecretaryUnit],
    };
    assert_eq!(refusal(Lang::Zh, &r), "包联未完成：缺少第一书记、派出单位");
    assert_eq!(
        refusal(Lang::En, &r),
        "pairing incomplete: missing first secretary, first secretary's unit"
    );
}

fn has_ascii_word(s: &str) -> bool {
    s.split(|c: char| !c.is_ascii_alphabetic())
        .any(|w| w.len() >= 2)
}

#[test]
fn history_details_in_chinese_carry_no_english_code_words() {
    let cases = [
        (ChangeKind::Visit, "2017-09-15 unannounced 张娜"),
        (
            ChangeKind::Adjusted,
            "赵某 secretary aging removed 2017-06-01 -> 刘某 business_leader",
        ),
        (
            ChangeKind::Adjusted,
            "赵某 member vacancy filled 2017-06-01",
        ),
        (ChangeKind::Acceptance, "2017-11-20 92 1/50 111111 pass"),
        (
            ChangeKind::Acceptance,
            "2017-11-20 70 9/50 110111 fail deadline 2018-05-20",
        ),
        (
            ChangeKind::Edited,
            "problems; deadline 2017-11-30; situations poor_service,other; relapse_of 2016-YG-001",
        ),
    ];
    for (kind, detail) in cases {
        let zh = history_detail(Lang::Zh, kind, detail);
        assert!(!has_ascii_word(&zh.replace("YG", "")), "{kind:?}: {zh}");
        assert_ne!(zh, detail);
    }
    assert_eq!(
        history_detail(Lang::Zh, ChangeKind::Visit, "2017-09-15 unannounced 张娜"),
        "2017-09-15 明察暗访 张娜"
    );
    assert_eq!(
        history_detail(
            Lang::Zh,
            ChangeKind::Adjusted,
            "赵某 secretary aging removed 2017-06-01 -> 刘某 business_leader"
        ),
        "2017-06-01  赵某 书记（年龄老化，免职） → 刘某（致富带头人）"
    );
    // a shape the renderer does not know is shown as stored, never dropped
    assert_eq!(
        history_detail(Lang::Zh, ChangeKind::Visit, "odd"),
        "odd".to_string()
    );
}

#[test]
fn due_texts_in_both_languages() {
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let today = d("2017-09-15");
    let cases = [
        (
            DueState::Overdue(d("2017-09-10"), 5),
            "09-10 逾期5天",
            "09-10 5d late",
        ),
        (
            DueState::Left(d("2018-01-02"), 109),
            "18-01-02 剩109天",
            "18-01-02 109d left",
        ),
        (DueState::Today, "09-15 今天到期", "09-15 due today"),
        (DueState::Closed, "已销号", "closed"),
    ];
    for (state, zh, en) in cases {
        assert_eq!(due_text(Lang::Zh, state, today), zh);
        assert_eq!(due_text(Lang::En, state, today), en);
    }
}

#[test]
fn roster_events_and_refusals_in_both_languages() {
    use crate::domain::{Operation, Role};
    assert_eq!(
        history_detail(
            Lang::Zh,
            ChangeKind::UserAdded,
            "wangjg leader 王建国 county=阳谷县"
        ),
        "wangjg 县级包联领导 王建国 县(市、区)：阳谷县"
    );
    assert_eq!(
        history_detail(
            Lang::En,
            ChangeKind::UserRemoved,
            "liming township 李明 county=阳谷县 township=阿城镇"
        ),
        "liming township secretary 李明 county: 阳谷县 township: 阿城镇"
    );
    assert_eq!(Role::Auditor.label(Lang::Zh), "审核员");
    assert_eq!(parse_label::<Role>("组织部台账员"), Some(Role::Clerk));
    for op in Operation::ALL {
        assert!(!has_ascii_word(
            operation(Lang::Zh, op).replace("zhengdun", "").as_str()
        ));
        assert!(!operation(Lang::En, op).is_empty());
    }
    let r = Refusal::RoleCannot {
        login: "chenjing".into(),
        role: Role::Auditor,
        operation: Operation::Edit,
    };
    assert_eq!(
        refusal(Lang::Zh, &r),
        "账户 chenjing 是审核员，不能修改案件；审核员可以：查看台账、核验台账（zhengdun verify）"
    );
    assert_eq!(
        refusal(Lang::En, &r),
        "account chenjing is an auditor and cannot edit a case; an auditor may read the ledger and verify it (zhengdun verify)"
    );
}
