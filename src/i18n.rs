//! Every user-facing sentence, in Chinese and English, in one place. Code-list labels live
//! with their codes in `domain::codes`; this module holds everything else.

use crate::domain::{ChangeKind, Operation, Refusal, RelapseProblem, Role, Scope, Stage};
use crate::store::StoreError;

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
    ("f.households", "户数", "households"),
    ("f.population", "人口", "population"),
    ("f.party_members", "党员人数", "party members"),
    ("f.secretary_age", "书记年龄", "secretary's age"),
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
    ("f.login", "账户", "login"),
    ("f.role", "角色", "role"),
    ("user.unchanged", "{0} 已在名册中，未作改动", "{0} is in the roster as given; nothing changed"),
    ("user.empty", "人员名册为空", "the roster is empty"),
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
    // flat ledger import (CSV, xlsx)
    ("imp.place", "第{0}行，{1}列", "row {0}, column {1}"),
    ("imp.row", "第{0}行", "row {0}"),
    (
        "imp.no_header",
        "找不到表头行（应有“编号”“村”“阶段”等列）",
        "no header row found (expected columns such as 编号/id, 村/village, 阶段/stage)",
    ),
    ("imp.missing_columns", "表头缺少这些列：{0}", "the header has no column {0}"),
    (
        "imp.duplicate_column",
        "“{0}”和“{1}”是同一列，请删去其中一列",
        "'{0}' and '{1}' are the same column; delete one of them",
    ),
    ("imp.duplicate_id", "编号“{0}”重复，第{1}行已有", "duplicate id '{0}', first at row {1}"),
    ("imp.blank", "为空，此列必填", "is blank; this column is required"),
    (
        "imp.not_date",
        "“{0}”不是日期（可写作 2017-03-10、2017/3/10、2017年3月10日）",
        "'{0}' is not a date (use 2017-03-10, 2017/3/10, 2017年3月10日)",
    ),
    (
        "json.not_date",
        "“{0}”不是日期（写作 2017-03-10）",
        "'{0}' is not a date (write 2017-03-10)",
    ),
    (
        "json.not_ledger",
        "不是 zhengdun 台账：应为一个对象，含 \"format\": \"{0}\" 和 \"cases\": [...]",
        "not a zhengdun ledger: expected an object with \"format\": \"{0}\" and \"cases\": [...]",
    ),
    (
        "json.unknown_code",
        "“{0}”不是已知代码（可用：{1}）",
        "unknown code '{0}' (known: {1})",
    ),
    ("json.syntax", "JSON 格式有误（{0}）", "malformed JSON ({0})"),
    ("json.at", "第{0}行第{1}列", "line {0}, column {1}"),
    ("json.missing", "缺少 {0}，此项必填", "{0} is missing; it is required"),
    (
        "json.duplicate",
        "编号重复，与 {0} 相同",
        "duplicate id, first at {0}",
    ),
    (
        "imp.duplicate_across",
        "编号“{0}”在 {1} 和 {2} 中都有",
        "id '{0}' is in both {1} and {2}",
    ),
    ("imp.not_year", "“{0}”不是年度（例如 2017）", "'{0}' is not a year (e.g. 2017)"),
    (
        "imp.unknown_situation",
        "“{0}”不是认定情形（可填：{1}；或其代码）",
        "'{0}' is not a situation (use a Chinese label or a code: {1})",
    ),
    (
        "imp.unknown_stage",
        "“{0}”不是阶段（填 排查认定、领导包联、班子调整、验收销号）",
        "'{0}' is not a stage (use identified, paired, cadres_adjusted, accepted or 排查认定, 领导包联, 班子调整, 验收销号)",
    ),
    (
        "imp.adjustments_elsewhere",
        "台账导入：班子调整情况见原台账",
        "imported from a flat ledger: the adjustments are in the original ledger",
    ),
    (
        "imp.encoding",
        "既不是 UTF-8 也不是 GBK/GB18030 编码的文本；请在 Excel 中另存为“CSV UTF-8”",
        "is neither UTF-8 nor GBK/GB18030 text; save it from Excel as \"CSV UTF-8\"",
    ),
    ("imp.csv", "CSV 格式错误：{0}", "malformed CSV: {0}"),
    ("imp.xlsx", "无法读取此 xlsx 文件：{0}", "cannot read this xlsx file: {0}"),
    (
        "imp.no_sheet",
        "没有一张工作表带有台账表头（编号、村、阶段……）",
        "no sheet has a ledger header row (编号/id, 村/village, 阶段/stage …)",
    ),
    ("imp.more", "（另有{0}处问题）", "(and {0} more problem(s))"),
    ("imp.problems", "{1}：共{0}处问题（见上），未导入任何内容", "{1}: {0} problems (above); nothing was imported"),
    ("imp.sheet", "工作表“{0}”", "sheet '{0}'"),
    ("imp.sheet_place", "工作表“{0}”{1}", "sheet '{0}', {1}"),
    ("imp.sheet_cases", "{0}：工作表“{1}”，{2}个案件", "{0}: sheet '{1}', {2} cases"),
    ("imp.skipped", "{0}：跳过工作表“{1}”：{2}", "{0}: skipped sheet '{1}': {2}"),
    ("imp.skip.empty", "空表", "it is empty"),
    (
        "imp.skip.no_header",
        "没有台账表头（编号、村、阶段……）",
        "it has no ledger header row (编号/id, 村/village, 阶段/stage …)",
    ),
    (
        "imp.skip.annual",
        "年度统计表由案件算出，不导入",
        "the annual statistics are worked out from the cases, not imported",
    ),
    ("imp.unused", "{0}：未使用的列：{1}", "{0}: columns not used: {1}"),
    (
        "imp.made_ids",
        "{0}：没有编号列，按“年度-县简称-序号”编了{1}个编号（{2}……）",
        "{0}: no id column; made {1} ids from year, county and a number ({2} …)",
    ),
    ("imp.title_year", "{0}：没有年度列，年度取自标题：{1}", "{0}: no year column; the year {1} is taken from the title"),
    ("imp.due_words", "（完成时限：{0}）", " (due: {0})"),
    ("imp.invisible", "只有看不见的字符", "holds only invisible characters"),
    (
        "imp.date_range",
        "{0} 的年份不合理（应在1949至2200年之间）",
        "{0} is not a plausible date (years 1949–2200)",
    ),
    (
        "imp.identified_year",
        "认定日期 {0} 与年度 {1} 不符（应在该年度或前一年）",
        "identified on {0} does not fit the year {1} (it is in that year or the one before)",
    ),
    ("imp.no_such_case", "编号“{0}”不在台账表中", "id '{0}' is not on the cases sheet"),
    ("imp.not_number", "“{0}”不是整数", "'{0}' is not a whole number"),
    ("imp.unknown_value", "“{0}”不是可选的值（可填：{1}）", "'{0}' is not one of the values ({1})"),
    // xlsx export
    ("x.sheet.cases", "台账", "Cases"),
    ("x.sheet.tasks", "整改任务", "Plan tasks"),
    ("x.sheet.adjustments", "班子调整", "Adjustments"),
    ("x.sheet.visits", "走访督查", "Visits"),
    ("x.sheet.acceptance", "验收", "Acceptance"),
    ("x.sheet.annual", "整顿软弱涣散基层党组织情况", "Annual statistics"),
    (
        "x.title",
        "软弱涣散村党组织整顿台账（截至{0}）",
        "Ledger of weak and lax village Party branches under rectification (as of {0})",
    ),
    ("x.days_overdue", "逾期天数", "days_overdue"),
    ("x.task_no", "任务序号", "task"),
    ("x.overdue", "逾期", "overdue"),
    ("x.met", "达标", "met"),
    ("x.unmet", "未达标", "unmet"),
    ("x.year", "年度", "year"),
    ("x.unit", "单位", "unit"),
    ("x.screening", "排查整顿", "screening and rectification"),
    ("x.identified", "排查软弱涣散基层党组织（个）", "identified"),
    ("x.rectified", "整顿提升基层党组织（个）", "rectified"),
    ("x.types", "主要类型（个）", "main types (count)"),
    ("x.secretaries", "调整党组织书记（人）", "secretaries (persons)"),
    ("x.filled", "本年度已选配", "filled this year"),
    ("x.adjusted", "本年度已调整", "adjusted this year"),
    ("x.measures", "整顿措施", "measures"),
    ("x.units", "结对帮扶单位（个）", "paired units"),
    ("x.leaders", "挂点联系领导（人）", "linked leaders"),
    ("x.first_secretaries", "选派第一书记（人）", "first secretaries sent"),
    ("x.total", "总计", "Total"),
    (
        "x.note",
        "注：整顿提升 = 已验收销号；主要类型按认定情形计，一村多种情形的分别计入。",
        "Note: rectified = accepted; a case with several situations counts under each type.",
    ),
    // stats
    ("s.title", "统计（截至{0}）", "Statistics as of {0}"),
    ("s.stages", "各阶段案件数", "Cases by stage"),
    ("s.work", "班子调整与验收", "Cadre adjustments and acceptance"),
    ("s.cases", "总数", "cases"),
    ("s.overdue", "逾期", "overdue"),
    ("s.adjusted_cases", "已调整村", "adjusted"),
    ("s.adjusted_people", "调整人数", "persons"),
    ("s.secretaries", "调整书记", "secretaries"),
    ("s.attempts", "验收次数", "attempts"),
    ("s.total", "合计", "total"),
    ("s.talk_list", "逾期案件较多的乡镇（≥{0}个须约谈）", "Townships by overdue cases (admonition talk at ≥ {0})"),
    ("s.talk", "须约谈", "talk due"),
    ("s.max_days", "最长逾期", "max days"),
    ("s.events", "已记录", "recorded"),
    ("s.no_overdue", "无逾期案件。", "No overdue cases."),
    ("s.unvisited", "{0}天内未下村走访的县级包联领导", "Paired county leaders with no visit in {0} days"),
    ("s.leader", "县级领导", "county leader"),
    ("s.last_visit", "最近走访", "last visit"),
    ("s.days_without", "未走访天数", "days"),
    ("s.never", "从未", "never"),
    ("s.all_visited", "都已按时走访。", "All have visited in time."),
    ("s.empty", "台账中没有案件。", "The ledger has no cases."),
    ("s.more", " 等，另有{0}个", " … and {0} more"),
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
    (
        "r.relapse.no_such_case",
        "“反弹自”{0}：台账中没有这个编号",
        "relapse of {0}: no case with that id in the ledger",
    ),
    (
        "r.relapse.other_village",
        "“反弹自”{0}：那是另一个村的案件，应填同一村以前的案件",
        "relapse of {0}: that case is of another village; name an earlier case of the same village",
    ),
    (
        "r.relapse.not_earlier",
        "“反弹自”{0}：那个案件的认定日期不早于本案，应填以前的案件",
        "relapse of {0}: that case was not identified before this one; name an earlier case",
    ),
    (
        "e.locked",
        "台账 {0} 正被 {3} 的 zhengdun {2}（pid {1}）占用，等了 {4} 秒仍未释放；请稍后再试，或用 --wait 秒数 等得更久",
        "the ledger {0} is held by `zhengdun {2}` of {3} (pid {1}), not let go of in {4} s; try again later, or wait longer with --wait SECONDS",
    ),
    (
        "e.locked_tui",
        "台账 {0} 正在 {3} 的 zhengdun 界面中打开（pid {1}），请先在那里关闭",
        "the ledger {0} is open in the zhengdun screen of {3} (pid {1}); close it there first",
    ),
    (
        "e.disk.full",
        "台账 {0} 所在的磁盘已满（{1}）：请腾出空间后再试；已报告完成的修改都在，失败的这次修改请先用 show 查看是否已记入",
        "the disk holding the ledger {0} is full ({1}): free some space and try again; changes reported done are safe (check a failed one with `show` before repeating it)",
    ),
    (
        "e.disk.read_only",
        "台账 {0} 所在的磁盘是只读的（{1}）：只能查看，不能修改；请把它重新挂载为可写",
        "the disk holding the ledger {0} is read-only ({1}): it can be read, not changed; mount it writable",
    ),
    (
        "e.disk.denied",
        "没有权限使用台账 {0}（{1}）：请用台账所有者的账户运行，或检查目录的权限",
        "no permission to use the ledger {0} ({1}): run as the account that owns it, or check the directory's permissions",
    ),
    (
        "e.disk.gone",
        "台账 {0} 所在的磁盘没有响应（{1}）：请检查硬盘、挂载或网络后再试；已报告完成的修改都在",
        "the disk holding the ledger {0} does not answer ({1}): check the drive, the mount or the network, then try again; changes reported done are safe",
    ),
    (
        "w.read_copy",
        "注意：台账 {0} 所在的磁盘已满或只读，这次读的是它的副本；磁盘恢复之前不能修改",
        "note: the disk holding the ledger {0} is full or read-only; this was read from a copy, and nothing can be changed until the disk is fixed",
    ),
    (
        "w.close_failed",
        "注意：修改已保存，但关闭台账时出错：{0}",
        "note: the change is saved, but closing the ledger failed: {0}",
    ),
    (
        "e.stale",
        "案卷 {0} 在此表单打开之后已被修改：{1}",
        "case {0} was changed after this form was opened: {1}",
    ),
    ("e.stale_change", "{0} 于 {1} {2}", "{2} by {0} at {1}"),
    (
        "tui.stale_keep",
        "。所填内容已保留：再按 Ctrl-S 即在修改后的案卷上保存，Esc 放弃",
        ". What you typed is kept: Ctrl-S again saves it on the case as it is now, Esc drops it",
    ),
    (
        "e.unreachable",
        "无法连接台账服务器 {0}：{1}",
        "cannot reach the ledger server {0}: {1}",
    ),
    (
        "e.version",
        "台账服务器 {0} 使用协议版本 {1}，本程序为 {2}：请将两边的 zhengdun 更新到同一版本",
        "the ledger server {0} speaks protocol {1}, this zhengdun speaks {2}: bring both to the same version of zhengdun",
    ),
    (
        "e.account_unknown",
        "台账服务器不认识账号 {0}：请组织部管理员把它加入名册",
        "the ledger server does not know the account {0}: a clerk can add it to the roster",
    ),
    (
        "e.account_not_owner",
        "这个台账只对打开它的账号 {1} 开放，账号 {0} 无权连接",
        "this ledger is open only to the account that opened it ({1}); the account {0} may not connect",
    ),
    (
        "e.as_someone_else",
        "通过服务器时 --as 不能指定他人：账号 {1} 就是 {2}，不是 {0}",
        "over a server --as cannot name someone else: the account {1} is {2}, not {0}",
    ),
    (
        "e.protocol",
        "台账服务器 {0} 发来了无法读取的内容：{1}",
        "the ledger server {0} sent what this zhengdun cannot read: {1}",
    ),
    (
        "srv.in_use",
        "{0} 上已有台账服务器在运行",
        "a ledger server is already listening on {0}",
    ),
    (
        "srv.not_a_socket",
        "{0} 已存在且不是套接字：请用 --socket 指定别的路径",
        "{0} exists and is not a socket: give another path with --socket",
    ),
    (
        "srv.socket_io",
        "无法在 {0} 建立套接字：{1}（可用 --socket 指定路径）",
        "cannot make the socket {0}: {1} (give a path with --socket)",
    ),
    (
        "srv.not_through_a_ledger",
        "serve 与 proxy 不能通过另一个台账运行",
        "serve and proxy cannot run through another ledger",
    ),
    (
        "cfg.unreadable",
        "配置文件 {0} 无法读取：{1}",
        "the config file {0} cannot be read: {1}",
    ),
    ("srv.no_group", "没有名为 {0} 的用户组", "there is no group named {0}"),
    (
        "srv.serving",
        "台账 {0} 在 {1} 上提供服务（pid {2}）",
        "serving the ledger {0} on {1} (pid {2})",
    ),
    (
        "srv.stopped",
        "已停止：所有修改已写入磁盘",
        "stopped: every change is on disk",
    ),
    (
        "e.not_a_database",
        "{0} 不是 zhengdun 台账（其中有其他文件）；请用 --db 指定一个空目录或新目录",
        "{0} is not a zhengdun database (it holds other files); name an empty or new directory with --db",
    ),
    (
        "e.newer_schema",
        "{0} 由更新版本的 zhengdun 写入（格式 {1}，本版本只读到 {2}）；请升级 zhengdun",
        "{0} was written by a newer zhengdun (schema {1}, this build reads {2}); upgrade zhengdun",
    ),
    (
        "e.damaged",
        "{0} 中的台账已损坏（{1}）；请用备份恢复（zhengdun restore 文件）或重新导入导出文件",
        "the database in {0} is damaged ({1}); restore it from a backup (zhengdun restore FILE) or an export",
    ),
    (
        "e.corrupted",
        "台账已损坏（{0}）；请用备份恢复（zhengdun restore 文件）或重新导入导出文件",
        "the database is damaged ({0}); restore it from a backup (zhengdun restore FILE) or an export",
    ),
    (
        "e.not_found",
        "没有编号为“{0}”的案件",
        "no case with id '{0}'",
    ),
    (
        "cli.find_ids",
        "（可用 zhengdun list --search 查找编号）",
        " (find ids with zhengdun list --search)",
    ),
    (
        "e.no_ledger",
        "{0} 处没有台账：请检查 --db，或先导入一个（zhengdun --db {0} import 文件）",
        "no ledger at {0}: check --db, or start one with `zhengdun --db {0} import FILE`",
    ),
    (
        "e.duplicate",
        "编号为“{0}”的案件已在台账中",
        "a case with id '{0}' is already in the ledger",
    ),
    (
        "r.after_today",
        "{0}{1}晚于今天（{2}），请填写已发生的日期",
        "{0} {1} is after today ({2}): give the date it happened",
    ),
    (
        "r.before_identified",
        "{0}{1}早于认定日期（{2}）",
        "{0} {1} is before the case was identified ({2})",
    ),
    // the terminal interface
    (
        "tui.action.noop",
        "不做任何事（解除绑定）",
        "do nothing (unbinds a key)",
    ),
    ("tui.action.quit", "退出", "quit"),
    (
        "tui.action.help",
        "帮助：当前按键一览",
        "help: the keys in force",
    ),
    ("tui.action.back", "返回 / 清除", "back / clear"),
    ("tui.action.down", "下移", "move down"),
    ("tui.action.up", "上移", "move up"),
    ("tui.action.page_down", "下一页", "page down"),
    ("tui.action.page_up", "上一页", "page up"),
    ("tui.action.top", "到第一行", "go to the first row"),
    ("tui.action.bottom", "到最后一行", "go to the last row"),
    ("tui.action.open", "打开该村台账", "open the case"),
    (
        "tui.action.search",
        "搜索（村、乡镇、县、领导、编号，可用拼音）",
        "search (village, township, county, leaders, id; pinyin too)",
    ),
    ("tui.action.toggle_overdue", "只看逾期", "overdue only"),
    (
        "tui.action.toggle_mine",
        "只看我包联的（--as）",
        "mine only (paired with --as)",
    ),
    (
        "tui.action.cycle_stage",
        "按阶段筛选（轮换）",
        "filter by stage (cycles)",
    ),
    (
        "tui.action.pick_area",
        "按县、乡镇筛选",
        "filter by county / township",
    ),
    ("tui.action.cycle_sort", "切换排序", "change the sort order"),
    (
        "tui.action.clear_filters",
        "清除全部筛选",
        "clear all filters",
    ),
    (
        "tui.action.advance",
        "推进到下一阶段（填写所需材料）",
        "advance to the next stage (with what it needs)",
    ),
    ("tui.action.visit", "记录走访督查", "log a visit"),
    ("tui.action.add_task", "添加整改任务", "add a plan task"),
    ("tui.action.finish_task", "标记任务完成", "mark a task done"),
    (
        "tui.action.reopen",
        "退回到更早阶段",
        "reopen to an earlier stage",
    ),
    (
        "tui.action.pair",
        "登记包联（四个一）",
        "record the pairing",
    ),
    ("tui.action.next_tab", "下一个标签页", "next tab"),
    ("tui.action.prev_tab", "上一个标签页", "previous tab"),
    ("tui.action.submit", "保存", "save"),
    ("tui.action.next_field", "下一项", "next field"),
    ("tui.action.prev_field", "上一项", "previous field"),
    (
        "tui.action.left",
        "光标左移 / 上一个选项",
        "cursor left / previous choice",
    ),
    (
        "tui.action.right",
        "光标右移 / 下一个选项",
        "cursor right / next choice",
    ),
    (
        "tui.action.delete_back",
        "删除光标前的字",
        "delete before the cursor",
    ),
    (
        "tui.action.delete_forward",
        "删除光标处的字",
        "delete under the cursor",
    ),
    ("tui.action.confirm", "确认", "confirm"),
    ("tui.action.cancel", "取消", "cancel"),
    ("tui.short.noop", "无", "none"),
    ("tui.short.quit", "退出", "quit"),
    ("tui.short.help", "帮助", "help"),
    ("tui.short.back", "返回", "back"),
    ("tui.short.down", "下移", "down"),
    ("tui.short.up", "上移", "up"),
    ("tui.short.page_down", "下页", "page down"),
    ("tui.short.page_up", "上页", "page up"),
    ("tui.short.top", "首行", "top"),
    ("tui.short.bottom", "末行", "bottom"),
    ("tui.short.open", "打开", "open"),
    ("tui.short.search", "搜索", "search"),
    ("tui.short.toggle_overdue", "逾期", "overdue"),
    ("tui.short.toggle_mine", "我的", "mine"),
    ("tui.short.cycle_stage", "阶段", "stage"),
    ("tui.short.pick_area", "地区", "area"),
    ("tui.short.cycle_sort", "排序", "sort"),
    ("tui.short.clear_filters", "清筛选", "clear filters"),
    ("tui.short.advance", "推进", "advance"),
    ("tui.short.visit", "走访", "visit"),
    ("tui.short.add_task", "加任务", "add task"),
    ("tui.short.finish_task", "完成任务", "task done"),
    ("tui.short.reopen", "退回", "reopen"),
    ("tui.short.pair", "包联", "pair"),
    ("tui.short.next_tab", "切换", "next tab"),
    ("tui.short.prev_tab", "上一页签", "prev tab"),
    ("tui.short.submit", "保存", "save"),
    ("tui.short.next_field", "下一项", "next field"),
    ("tui.short.prev_field", "上一项", "prev field"),
    ("tui.short.left", "左", "left"),
    ("tui.short.right", "选择", "choose"),
    ("tui.short.delete_back", "删除", "delete"),
    ("tui.short.delete_forward", "删除", "delete"),
    ("tui.short.confirm", "确认", "yes"),
    ("tui.short.cancel", "取消", "cancel"),
    ("tui.form.visit", "记录走访", "Log a visit"),
    ("tui.form.pair", "包联（四个一）", "Pairing"),
    ("tui.form.adjust", "班子调整", "Cadre adjustment"),
    ("tui.form.accept", "验收", "Acceptance"),
    ("tui.form.add_task", "添加整改任务", "Add a plan task"),
    ("tui.form.finish_task", "任务完成", "Task done"),
    ("tui.form.reopen", "退回", "Reopen"),
    ("tui.adjust.record", "登记", "record"),
    ("tui.adjust.one", "调整一名干部", "a cadre adjusted"),
    ("tui.adjust.none", "无需调整", "no adjustment needed"),
    ("tui.none", "无", "none"),
    ("tui.yes", "达到", "met"),
    ("tui.no", "未达到", "not met"),
    ("tui.task", "任务", "task"),
    (
        "tui.bad_date",
        "{0}“{1}”不是日期（如 2017-09-15）",
        "{0} \"{1}\" is not a date (e.g. 2017-09-15)",
    ),
    (
        "tui.bad_number",
        "{0}“{1}”不是整数",
        "{0} \"{1}\" is not a whole number",
    ),
    ("tui.tab.overview", "概况", "Overview"),
    ("tui.tab.pairing", "包联", "Pairing"),
    ("tui.tab.tasks", "整改任务", "Tasks"),
    ("tui.tab.adjustments", "班子调整", "Adjustments"),
    ("tui.tab.visits", "走访督查", "Visits"),
    ("tui.tab.acceptance", "验收", "Acceptance"),
    ("tui.tab.history", "历史", "History"),
    ("tui.confirm", "请确认", "Confirm"),
    (
        "tui.confirm.discard",
        "放弃已填写的内容？",
        "Discard what was typed?",
    ),
    (
        "tui.confirm.advance",
        "{0}：由“{1}”进入“{2}”。此步记入历史，确认？",
        "{0}: move from {1} to {2}? This goes into the history.",
    ),
    (
        "tui.confirm.record",
        "{0}：保存“{1}”。此步记入历史，确认？",
        "{0}: save the {1}? This goes into the history.",
    ),
    ("tui.verdict_is", "验收结论：{0}。", "Verdict: {0}."),
    ("acceptance.voided", "（重新整顿前的验收，不再计入）", " (before a reopen: no longer counts)"),
    ("tui.msg.no_case", "没有选中的村", "no case selected"),
    (
        "tui.msg.no_open_task",
        "没有未完成的整改任务",
        "no open plan task",
    ),
    (
        "tui.msg.first_stage",
        "已在第一阶段，无法退回",
        "already at the first stage; nothing to reopen to",
    ),
    ("tui.msg.saved", "已保存：{0}（{1}）", "saved: {0} ({1})"),
    ("tui.msg.no_mine", "没有与“{0}”包联的村：启动时用 --as 姓名 指明你是谁", "no case is paired with \"{0}\": start with --as NAME to say who you are"),
    ("tui.not_closed", "暂不销号：{0}。", " Not closed yet: {0}."),
    ("tui.msg.now_at", "，已进入“{0}”", "; now at {0}"),
    ("tui.msg.advanced", "{0} 已进入“{1}”", "{0} is now at {1}"),
    ("tui.mode.list", "台账列表", "Ledger list"),
    ("tui.mode.detail", "村台账详情", "Case detail"),
    (
        "tui.mode.search",
        "搜索（直接输入）",
        "Search (type to search)",
    ),
    (
        "tui.mode.form",
        "表单（直接输入；选项按 空格 轮换）",
        "Forms (type; Space cycles a choice)",
    ),
    ("tui.mode.confirm", "确认框", "Confirmation"),
    ("tui.mode.picker", "地区选择", "Area picker"),
    ("tui.mode.dashboard", "工作概览", "Dashboard"),
    ("tui.action.dashboard", "工作概览：统计与问责提醒", "dashboard: counts and accountability"),
    ("tui.short.dashboard", "概览", "dashboard"),
    ("tui.dash.title", "工作概览 │ 截至 {0} │ 共{1}村，逾期{2}，已调整班子{3}", "Dashboard │ as of {0} │ {1} cases, {2} overdue, {3} cadres adjusted"),
    ("tui.dash.counting", "正在统计全部{0}村…", "counting all {0} cases…"),
    ("tui.dash.cases", "{0}村", "{0}"),
    ("tui.dash.overdue", "逾期{0}", "{0} late"),
    ("tui.dash.townships", "乡镇逾期排名（逾期≥{0}个须约谈）", "Townships by overdue cases (≥{0}: admonition talk)"),
    ("tui.dash.talk", "约谈", "talk"),
    ("tui.dash.longest", "最长{0}天", "max {0}d"),
    ("tui.dash.held", "已{0} {1}", "{0} held {1}"),
    ("tui.dash.leaders", "{0}天以上未走访的县级包联领导", "County leaders without a visit in {0} days"),
    ("tui.dash.never", "从未走访", "never visited"),
    ("tui.dash.last", "最近走访 {0}（{1}天前）", "last visit {0} ({1}d ago)"),
    ("tui.filter.leader", "领导：{0}", "leader: {0}"),
    (
        "tui.mode.help",
        "帮助（输入以筛选）",
        "Help (type to filter)",
    ),
    ("tui.too_small", "终端太小", "terminal too small"),
    ("tui.col.county", "县", "county"),
    ("tui.col.township", "乡镇", "township"),
    ("tui.col.leader", "县领导", "leader"),
    ("tui.col.due", "期限", "due"),
    ("tui.col.last_visit", "走访", "visited"),
    ("tui.closed", "已销号", "closed"),
    ("tui.days_overdue", "逾期{0}天", "{0}d late"),
    ("tui.due_today", "今天到期", "due today"),
    ("tui.days_left", "剩{0}天", "{0}d left"),
    ("tui.sort.most_overdue", "逾期最久", "most overdue"),
    ("tui.sort.due", "期限", "due date"),
    ("tui.sort.township", "乡镇", "township"),
    ("tui.sort.stage", "阶段", "stage"),
    ("tui.sort.relevance", "最匹配", "best match"),
    (
        "tui.title",
        "整顿软弱涣散村党组织台账 │ {0} │ {1}",
        "Weak village Party branches ledger │ {0} │ {1}",
    ),
    (
        "tui.empty_ledger",
        "台账为空：用 zhengdun import 台账.xlsx 导入，或 zhengdun --demo 试用示例",
        "the ledger is empty: zhengdun import ledger.xlsx brings one in; zhengdun --demo shows a sample",
    ),
    (
        "tui.empty",
        "没有符合条件的村（F 清除筛选）",
        "no case matches (F clears the filters)",
    ),
    (
        "tui.counts",
        "显示{0}/{1}村，逾期{2}",
        "{0}/{1} cases, {2} overdue",
    ),
    ("tui.filter.overdue", "逾期", "overdue"),
    ("tui.filter.mine", "我的({0})", "mine ({0})"),
    ("tui.filters", "筛选：", "filters: "),
    ("tui.sort", "排序：", "sort: "),
    ("tui.nothing", "（无）", "(none)"),
    (
        "tui.task_summary",
        "共{0}项，未完成{1}项；走访{2}次",
        "{0} tasks, {1} open; {2} visits",
    ),
    ("tui.done_on", "{0} 完成", "done {0}"),
    ("tui.task_overdue", "{0} 到期，已逾期", "due {0}, overdue"),
    ("tui.task_due", "{0} 到期", "due {0}"),
    ("tui.pick_area", "按地区筛选", "Filter by area"),
    ("tui.all", "全部", "all"),
    ("tui.help", "帮助", "Help"),
    ("tui.help_filter", "筛选按键：", "filter: "),
    ("tui.keymap_error", "按键配置有误：{0}", "keymap: {0}"),
    (
        "tui.stopped",
        "已被信号终止；此前保存的每项修改都在台账中，未完成的表单没有保存",
        "stopped by a signal; every change saved before it is in the ledger, an unfinished form was not saved",
    ),
    (
        "tui.prefs_error",
        "界面设置文件已忽略：{0}",
        "UI settings ignored: {0}",
    ),
    ("tui.change.opened", "立案", "opened"),
    ("tui.change.imported", "导入", "imported"),
    ("tui.change.paired", "包联", "paired"),
    ("tui.change.adjusted", "班子调整", "cadre adjusted"),
    (
        "tui.change.no_adjustment",
        "无需调整",
        "no adjustment needed",
    ),
    ("tui.change.task_added", "添加任务", "task added"),
    ("tui.change.task_done", "任务完成", "task done"),
    ("tui.change.visit", "走访督查", "visit"),
    ("tui.change.advanced", "推进", "advanced"),
    ("tui.change.acceptance", "验收", "acceptance"),
    ("tui.change.reopened", "退回", "reopened"),
    ("tui.change.edited", "修改", "edited"),
    ("tui.change.user_added", "添加人员", "user added"),
    ("tui.change.user_changed", "修改人员", "user changed"),
    ("tui.change.user_removed", "移除人员", "user removed"),
    // people and roles (SPEC §9)
    ("role.a.clerk", "组织部台账员", "a clerk"),
    ("role.a.leader", "县级包联领导", "a county leader"),
    ("role.a.township", "乡镇党委书记", "a township secretary"),
    ("role.a.auditor", "审核员", "an auditor"),
    ("role.may.clerk", "做任何事", "do anything"),
    (
        "role.may.township",
        "查看台账；对本乡镇的案件记录走访、添加和完成整改任务、录入包联和班子调整、推进到领导包联或班子调整",
        "read the ledger, and on the cases of its township log visits, add and finish plan tasks, record the pairing and cadre adjustments, and advance to paired or cadres adjusted",
    ),
    (
        "role.may.leader",
        "查看台账；对其包联的案件记录走访、添加和完成整改任务",
        "read the ledger, and on the cases it is the paired county leader of log visits and add and finish plan tasks",
    ),
    (
        "role.may.auditor",
        "查看台账、核验台账（zhengdun verify）",
        "read the ledger and verify it (zhengdun verify)",
    ),
    ("op.read", "查看台账", "read the ledger"),
    ("op.visit", "记录走访", "log a visit"),
    ("op.task_add", "添加整改任务", "add a plan task"),
    ("op.task_done", "完成整改任务", "mark a plan task done"),
    ("op.pair", "录入包联", "record the pairing"),
    ("op.adjust", "录入班子调整", "record a cadre adjustment"),
    ("op.advance_identified", "推进到排查认定", "advance to identified"),
    ("op.advance_paired", "推进到领导包联", "advance to paired"),
    ("op.advance_cadres_adjusted", "推进到班子调整", "advance to cadres adjusted"),
    ("op.advance_accepted", "推进到验收销号", "advance to accepted"),
    ("op.new", "新建案件", "open a case"),
    ("op.import", "导入台账", "import a ledger"),
    ("op.accept", "录入验收", "record an acceptance"),
    ("op.reopen", "退回案件", "reopen a case"),
    ("op.edit", "修改案件", "edit a case"),
    ("op.void", "作废案件", "void a case"),
    ("op.user", "查看或修改人员名册", "see or change the roster"),
    ("op.export", "导出台账", "export the ledger"),
    ("op.backup", "备份台账", "back up the ledger"),
    ("op.restore", "恢复备份", "restore a backup"),
    ("op.verify", "核验台账", "verify the ledger"),
    (
        "r.role_cannot",
        "账户 {0} 是{1}，不能{2}；{1}可以：{3}",
        "account {0} is {1} and cannot {2}; {1} may {3}",
    ),
    (
        "r.out_of_scope",
        "账户 {0} 是{1}，只能对{2}{3}；{4}",
        "account {0} is {1} and may {3} only on {2}; {4}",
    ),
    ("scope.own.township", "本乡镇（{0}）的案件", "the cases of its township ({0})"),
    (
        "scope.own.leader",
        "其包联的案件",
        "the cases it is the paired county leader of",
    ),
    ("scope.case.township", "本案属于{0}", "this case is in {0}"),
    (
        "scope.case.leader",
        "本案的县级包联领导是{0}",
        "this case's county leader is {0}",
    ),
    (
        "scope.case.leader_account",
        "本案的县级包联领导是{0}（账户 {1}）",
        "this case's county leader is {0} (account {1})",
    ),
    (
        "scope.case.no_leader",
        "本案尚未确定县级包联领导",
        "this case has no county leader yet",
    ),
    (
        "scope.case.shared_name",
        "本案的县级包联领导“{0}”未关联账户，名册中同名的领导有 {1}；台账员可用 zhengdun pair 编号 --county-leader-account 账户 指明",
        "this case names its county leader only as {0}, a name leaders {1} share; a clerk can say which with zhengdun pair ID --county-leader-account LOGIN",
    ),
    (
        "r.not_in_roster",
        "账户 {0} 不在本台账的人员名册中；请台账员添加：zhengdun user add {0} --name 姓名 --role 角色",
        "account {0} is not in this ledger's roster; a clerk can add it: zhengdun user add {0} --name NAME --role ROLE",
    ),
    ("r.no_such_account", "人员名册中没有账户 {0}", "the roster has no account {0}"),
    (
        "r.acting_as_other",
        "--as {2}：账户 {0} 在名册中是{1}，不能以他人名义操作",
        "--as {2}: account {0} is {1} in the roster and cannot act as someone else",
    ),
    (
        "r.visit_by_other",
        "账户 {0} 是{1}，只能记录本人的走访；代他人（{2}）记录须由台账员进行",
        "account {0} is {1} and logs only its own visits; only a clerk logs a visit by {2}",
    ),
    (
        "r.ambiguous_leader",
        "名册中有多位县级领导名为{0}（账户 {1}）：请用 --county-leader-account 账户 指明",
        "several county leaders are named {0} (accounts {1}): say which with --county-leader-account LOGIN",
    ),
    (
        "r.not_a_leader",
        "账户 {0} 不是名册中的县级包联领导",
        "account {0} is no county leader in the roster",
    ),
    (
        "r.last_clerk",
        "账户 {0} 是名册中最后一位台账员，名册至少要有一位",
        "account {0} is the last clerk of the roster, which needs at least one",
    ),
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

/// One cadre adjustment as a line people read: date, name, post (reason, action), and the
/// replacement with where they came from. Shared by `show` and the TUI.
pub fn adjustment_line(a: &crate::domain::Adjustment, lang: Lang) -> String {
    let sep = match lang {
        Lang::Zh => "，",
        Lang::En => ", ",
    };
    let mut s = format!(
        "{}  {} {}（{}{sep}{}）",
        a.on,
        a.name,
        a.post.label(lang),
        a.reason.label(lang),
        a.action.label(lang)
    );
    if let Some(r) = &a.replacement {
        s.push_str(&format!(" → {r}"));
        if let Some(src) = a.replacement_source {
            s.push_str(&format!("（{}）", src.label(lang)));
        }
    }
    s
}

/// The verdict of a case's `i`th acceptance attempt as shown, marked when a reopen voided it.
pub fn attempt_verdict(lang: Lang, case: &crate::domain::Case, i: usize) -> String {
    let Some(a) = case.acceptance.get(i) else {
        return String::new();
    };
    let mut v = a.verdict.label(lang).to_string();
    if i < case.voided_attempts {
        v.push_str(t(lang, "acceptance.voided"));
    }
    v
}

/// What kind of change a history event records, in the user's language.
pub fn change_label(lang: Lang, kind: ChangeKind) -> String {
    t(lang, &format!("tui.change.{}", kind.code())).to_string()
}

/// A store error in the user's language; a refusal as [`refusal`] words it, without the
/// case (the caller names it where it needs to).
pub fn store_error(lang: Lang, e: &StoreError) -> String {
    match e {
        StoreError::Refused { refusal: r, .. } => refusal(lang, r),
        StoreError::Locked {
            dir,
            holder,
            waited,
        } => tf(
            lang,
            if holder.is_session() {
                "e.locked_tui"
            } else {
                "e.locked"
            },
            &[
                dir,
                &holder.pid,
                &holder.command,
                &holder.account,
                &waited.to_string(),
            ],
        ),
        StoreError::Disk {
            dir,
            problem,
            detail,
        } => {
            use crate::store::disk::DiskProblem;
            let key = match problem {
                DiskProblem::Full => "e.disk.full",
                DiskProblem::ReadOnly => "e.disk.read_only",
                DiskProblem::Denied => "e.disk.denied",
                DiskProblem::Gone => "e.disk.gone",
            };
            tf(lang, key, &[dir, detail])
        }
        StoreError::NotADatabase { dir } => tf(lang, "e.not_a_database", &[dir]),
        StoreError::NewerSchema {
            dir,
            found,
            supported,
        } => tf(
            lang,
            "e.newer_schema",
            &[dir, &found.to_string(), &supported.to_string()],
        ),
        StoreError::Damaged { dir, detail } => tf(lang, "e.damaged", &[dir, detail]),
        StoreError::Corrupted(detail) => tf(lang, "e.corrupted", &[detail]),
        StoreError::NotFound(id) => tf(lang, "e.not_found", &[id]),
        StoreError::Duplicate(id) => tf(lang, "e.duplicate", &[id]),
        StoreError::Io(message) => message.clone(),
        StoreError::BadBackup { file, problem } => format!("{file}: {problem}"),
        StoreError::Denied(r) => refusal(lang, r),
        StoreError::Stale { id, since } => {
            let changes: Vec<String> = since
                .iter()
                .map(|e| {
                    // "2017-09-15T10:20:00+08:00" → "2017-09-15 10:20"
                    let at = e.at.get(..16).unwrap_or(&e.at).replace('T', " ");
                    tf(
                        lang,
                        "e.stale_change",
                        &[&e.actor, &at, &change_label(lang, e.change.kind)],
                    )
                })
                .collect();
            let sep = if lang == Lang::Zh { "；" } else { "; " };
            tf(lang, "e.stale", &[id, &changes.join(sep)])
        }
    }
}

/// A role as a sentence names it ("a county leader"; 县级包联领导).
pub fn role_phrase(lang: Lang, role: Role) -> String {
    t(lang, &format!("role.a.{}", role.code())).to_string()
}

/// What someone asks to do, as a verb phrase ("advance to paired"; 推进到领导包联).
pub fn operation(lang: Lang, op: Operation) -> String {
    t(lang, &format!("op.{}", op.code())).to_string()
}

fn scope(lang: Lang, s: &Scope) -> (String, String) {
    let own = match s {
        Scope::Township { mine, .. } => tf(lang, "scope.own.township", &[mine]),
        Scope::Leader { .. } | Scope::SharedName { .. } => t(lang, "scope.own.leader").to_string(),
    };
    let case = match s {
        Scope::Township { case, .. } => tf(lang, "scope.case.township", &[case]),
        Scope::Leader { case_leader, .. } if case_leader.is_empty() => {
            t(lang, "scope.case.no_leader").to_string()
        }
        Scope::Leader {
            case_leader,
            account: Some(a),
        } => tf(lang, "scope.case.leader_account", &[case_leader, a]),
        Scope::Leader { case_leader, .. } => tf(lang, "scope.case.leader", &[case_leader]),
        Scope::SharedName { name, logins } => {
            tf(lang, "scope.case.shared_name", &[name, &logins.join(", ")])
        }
    };
    (own, case)
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
        Refusal::AfterToday {
            field: f,
            date,
            today,
        } => tf(
            lang,
            "r.after_today",
            &[&field(lang, f), &date.to_string(), &today.to_string()],
        ),
        Refusal::BeforeIdentified {
            field: f,
            date,
            identified_on,
        } => tf(
            lang,
            "r.before_identified",
            &[
                &field(lang, f),
                &date.to_string(),
                &identified_on.to_string(),
            ],
        ),
        Refusal::Relapse { of, problem } => {
            let key = match problem {
                RelapseProblem::NoSuchCase => "r.relapse.no_such_case",
                RelapseProblem::OtherVillage => "r.relapse.other_village",
                RelapseProblem::NotEarlier => "r.relapse.not_earlier",
            };
            tf(lang, key, &[of])
        }
        Refusal::Invalid { field: f, problem } => {
            tf(lang, "r.invalid", &[&field(lang, f), problem])
        }
        Refusal::RoleCannot {
            login,
            role,
            operation: op,
        } => tf(
            lang,
            "r.role_cannot",
            &[
                login,
                &role_phrase(lang, *role),
                &operation(lang, *op),
                t(lang, &format!("role.may.{}", role.code())),
            ],
        ),
        Refusal::OutOfScope {
            login,
            role,
            operation: op,
            scope: s,
        } => {
            let (own, case) = scope(lang, s);
            tf(
                lang,
                "r.out_of_scope",
                &[
                    login,
                    &role_phrase(lang, *role),
                    &own,
                    &operation(lang, *op),
                    &case,
                ],
            )
        }
        Refusal::NotInRoster { login } => tf(lang, "r.not_in_roster", &[login]),
        Refusal::NoSuchAccount { login } => tf(lang, "r.no_such_account", &[login]),
        Refusal::ActingAsOther { login, name, asked } => {
            tf(lang, "r.acting_as_other", &[login, name, asked])
        }
        Refusal::VisitByOther { login, role, by } => tf(
            lang,
            "r.visit_by_other",
            &[login, &role_phrase(lang, *role), by],
        ),
        Refusal::AmbiguousLeader { name, logins } => {
            tf(lang, "r.ambiguous_leader", &[name, &logins.join(", ")])
        }
        Refusal::NotALeader { login } => tf(lang, "r.not_a_leader", &[login]),
        Refusal::LastClerk { login } => tf(lang, "r.last_clerk", &[login]),
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
