//! Every user-facing sentence, in Chinese and English, in one place. Code-list labels live
//! with their codes in `domain::codes`; this module holds everything else.

use crate::domain::{Refusal, Stage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh_cn" | "cn" | "中文" => Some(Lang::Zh),
            "en" | "en-us" | "en_us" | "english" => Some(Lang::En),
            _ => None,
        }
    }
}

/// (key, Chinese, English). Keys are stable; `{0}`, `{1}` … are filled by [`tf`].
const STRINGS: &[(&str, &str, &str)] = &[
    // field names, used in guard messages and headers
    ("f.id", "编号", "id"),
    ("f.year", "年度", "year"),
    ("f.county", "县(市、区)", "county"),
    ("f.township", "乡镇(街道)", "township"),
    ("f.village", "村", "village"),
    ("f.situations", "软弱涣散情形", "situations"),
    ("f.problems", "主要问题", "problems"),
    ("f.identified_on", "认定日期", "identified on"),
    ("f.deadline", "转化期限", "deadline"),
    ("f.stage", "阶段", "stage"),
    ("f.county_leader", "县级包联领导", "county leader"),
    ("f.township_leader", "乡镇包村领导", "township leader"),
    ("f.first_secretary", "第一书记", "first secretary"),
    (
        "f.first_secretary_unit",
        "派出单位",
        "first secretary's unit",
    ),
    ("f.assisting_unit", "帮扶单位", "assisting unit"),
    ("f.paired_on", "包联日期", "paired on"),
    ("f.closed_on", "销号日期", "closed on"),
    ("f.relapse_of", "反弹自", "relapse of"),
    ("f.measure", "整改措施", "measure"),
    ("f.responsible", "责任人", "responsible"),
    ("f.due", "完成时限", "due"),
    ("f.done_on", "完成日期", "done on"),
    ("f.name", "姓名", "name"),
    ("f.post", "职务", "post"),
    ("f.reason", "原因", "reason"),
    ("f.action", "调整方式", "action"),
    ("f.on", "日期", "date"),
    ("f.replacement", "接任人", "replacement"),
    ("f.replacement_source", "接任人来源", "replacement source"),
    (
        "f.no_adjustment_reason",
        "无需调整的理由",
        "reason no adjustment was needed",
    ),
    ("f.by", "人员", "by"),
    ("f.kind", "类型", "kind"),
    ("f.findings", "发现问题", "findings"),
    ("f.score", "得分", "score"),
    ("f.poll_n", "测评人数", "poll size"),
    ("f.poll_dissatisfied", "不满意人数", "dissatisfied"),
    ("f.standards", "六项标准", "six standards"),
    ("f.verdict", "结论", "verdict"),
    ("f.new_deadline", "新转化期限", "new deadline"),
    ("f.edit", "修改内容", "the change"),
    ("f.acceptance", "验收记录", "acceptance attempt"),
    // short column headers for tables
    ("col.id", "编号", "id"),
    ("col.county", "县", "county"),
    ("col.township", "乡镇", "township"),
    ("col.village", "村", "village"),
    ("col.stage", "阶段", "stage"),
    ("col.county_leader", "包联领导", "leader"),
    ("col.due", "期限", "due"),
    ("col.last_visit", "最近走访", "last visit"),
    // refusals
    (
        "r.pairing_incomplete",
        "包联未完成：缺少{0}",
        "pairing incomplete: missing {0}",
    ),
    (
        "r.no_adjustment",
        "尚未记录班子调整，也未说明无需调整的理由",
        "no cadre adjustment recorded and no reason given why none was needed",
    ),
    (
        "r.no_pass",
        "还没有结论为“合格”的验收记录",
        "no acceptance attempt with verdict pass yet",
    ),
    (
        "r.tasks_open",
        "整改任务未完成：第{0}项",
        "plan tasks not done: #{0}",
    ),
    (
        "r.already_accepted",
        "该村已验收销号；如需改动请先退回",
        "the case is already accepted; reopen it first",
    ),
    (
        "r.not_ready",
        "验收须在“班子调整”阶段进行，该村现处于“{0}”",
        "acceptance comes after cadres_adjusted; the case is at {0}",
    ),
    (
        "r.fail_needs_deadline",
        "验收不合格：须给出新的转化期限",
        "verdict fail: give a new deadline",
    ),
    (
        "r.deadline_not_after",
        "新转化期限 {0} 须晚于验收日期 {1}",
        "the new deadline {0} must be after the attempt on {1}",
    ),
    (
        "r.reopen_not_earlier",
        "只能退回到更早的阶段：现处于“{0}”，要求退回到“{1}”",
        "reopen goes to an earlier stage: the case is at {0}, asked for {1}",
    ),
    ("r.empty", "{0}不能为空", "{0} is empty"),
    (
        "r.no_such_task",
        "没有第{0}项任务（共{1}项）",
        "no task #{0} (the plan has {1})",
    ),
    (
        "r.task_done",
        "第{0}项任务已完成",
        "task #{0} is already done",
    ),
    (
        "r.out_of_range",
        "{0} = {1} 超出范围（{2}）",
        "{0} = {1} is out of range ({2})",
    ),
    (
        "r.contradiction",
        "阶段为“{0}”，但{1}",
        "the stage is {0} but {1}",
    ),
    (
        "r.closed_but_open",
        "填写了销号日期，但尚未验收销号",
        "closed_on is set but the case is not accepted",
    ),
    ("r.invalid", "{0}无效：{1}", "invalid {0}: {1}"),
];

/// The sentence for `key` in `lang`; the key itself when it is unknown (a bug, but a
/// visible one rather than a panic).
pub fn t(lang: Lang, key: &str) -> &str {
    match STRINGS.iter().find(|(k, _, _)| *k == key) {
        Some((_, zh, en)) => match lang {
            Lang::Zh => zh,
            Lang::En => en,
        },
        None => key,
    }
}

/// [`t`] with `{0}`, `{1}` … replaced by `args`.
pub fn tf(lang: Lang, key: &str, args: &[&str]) -> String {
    let mut s = t(lang, key).to_string();
    for (i, a) in args.iter().enumerate() {
        s = s.replace(&format!("{{{i}}}"), a);
    }
    s
}

/// The label of a field name such as `county_leader`.
pub fn field(lang: Lang, name: &str) -> String {
    let key = format!("f.{name}");
    let label = t(lang, &key);
    if label == key {
        name.to_string()
    } else {
        label.to_string()
    }
}

fn fields(lang: Lang, names: &[&str]) -> String {
    let sep = match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    };
    names
        .iter()
        .map(|n| field(lang, n))
        .collect::<Vec<_>>()
        .join(sep)
}

fn stage(lang: Lang, s: Stage) -> &'static str {
    s.label(lang)
}

/// The localized sentence for a refusal.
pub fn refusal(lang: Lang, r: &Refusal) -> String {
    match r {
        Refusal::PairingIncomplete { missing } => {
            tf(lang, "r.pairing_incomplete", &[&fields(lang, missing)])
        }
        Refusal::NoAdjustment => t(lang, "r.no_adjustment").to_string(),
        Refusal::NoPassingAcceptance => t(lang, "r.no_pass").to_string(),
        Refusal::TasksOpen { numbers } => {
            let n: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
            tf(lang, "r.tasks_open", &[&n.join(", ")])
        }
        Refusal::AlreadyAccepted => t(lang, "r.already_accepted").to_string(),
        Refusal::NotReadyForAcceptance { stage: s } => tf(lang, "r.not_ready", &[stage(lang, *s)]),
        Refusal::FailNeedsNewDeadline => t(lang, "r.fail_needs_deadline").to_string(),
        Refusal::DeadlineNotAfter { new_deadline, on } => tf(
            lang,
            "r.deadline_not_after",
            &[&new_deadline.to_string(), &on.to_string()],
        ),
        Refusal::ReopenNotEarlier { from, to } => tf(
            lang,
            "r.reopen_not_earlier",
            &[stage(lang, *from), stage(lang, *to)],
        ),
        Refusal::Empty { field: f } => tf(lang, "r.empty", &[&field(lang, f)]),
        Refusal::NoSuchTask { number, count } => tf(
            lang,
            "r.no_such_task",
            &[&number.to_string(), &count.to_string()],
        ),
        Refusal::TaskAlreadyDone { number } => tf(lang, "r.task_done", &[&number.to_string()]),
        Refusal::OutOfRange {
            field: f,
            value,
            range,
        } => tf(
            lang,
            "r.out_of_range",
            &[&field(lang, f), &value.to_string(), range],
        ),
        Refusal::Contradiction { stage: s, cause } => tf(
            lang,
            "r.contradiction",
            &[stage(lang, *s), &refusal(lang, cause)],
        ),
        Refusal::ClosedButOpen => t(lang, "r.closed_but_open").to_string(),
        Refusal::Invalid { field: f, problem } => {
            tf(lang, "r.invalid", &[&field(lang, f), problem])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique() {
        let mut keys: Vec<&str> = STRINGS.iter().map(|(k, _, _)| *k).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(n, keys.len());
    }

    #[test]
    fn refusals_name_the_missing_fields_in_both_languages() {
        let r = Refusal::PairingIncomplete {
            missing: vec!["first_secretary", "first_secretary_unit"],
        };
        assert_eq!(refusal(Lang::Zh, &r), "包联未完成：缺少第一书记、派出单位");
        assert_eq!(
            refusal(Lang::En, &r),
            "pairing incomplete: missing first secretary, first secretary's unit"
        );
    }
}
