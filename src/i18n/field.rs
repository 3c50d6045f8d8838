//! The sentences of field copies (SPEC §10): checkout, the outbox, sync and its conflicts.

use std::fmt::Display;

use super::Lang;

super::messages! {
    fn not_a_copy(dir) => "{dir} 不是外业副本（先用 zhengdun --db {dir} checkout 服务器 取一份）", "{dir} is no field copy (make one with zhengdun --db {dir} checkout SERVER)";
    fn not_empty(dir) => "{dir} 已有台账；外业副本须取到一个新的空目录（换一个 --db）", "{dir} already holds a ledger; a field copy goes into a new, empty directory (another --db)";
    fn rolled_back(server, ours, theirs) => "服务器 {server} 的台账被回退了（从旧副本恢复）：本副本上次已取到第{ours}条记录，服务器现只到第{theirs}条或记录不同；未取回任何旧数据，也未发送。请联系组织部核实服务器台账", "the ledger of the server {server} was rolled back (restored from an old copy): this copy last took event {ours}, the server now ends at {theirs} or holds another event there; nothing older was taken and nothing was sent. Ask the clerk to check the server's ledger";
    fn bad_copy(problem) => "服务器发来的台账不完整或被改动：{problem}；什么也没写入", "what the server sent does not hold together: {problem}; nothing was written";
    fn only_on_server() => "外业副本上只记录案件的变更；新建案件、导入和人员名册须在服务器上做", "a field copy records changes of cases only; new cases, imports and the roster are done on the server";
    fn no_such_queued(number) => "待同步清单中没有第{number}项（zhengdun sync --status 列出各项）", "the outbox holds no change {number} (zhengdun sync --status lists them)";
    fn other_account(account, connected) => "这些变更是账号 {account} 记录的，当前连接的是账号 {connected}；请用 {account} 同步", "these changes were made by the account {account}, and the account {connected} is connected; sync as {account}";
    fn not_owner(named, owner, login) => "这份外业副本是 {owner}（账号 {login}）的，副本上的变更都记在 {owner} 名下，不能用 --as / ZHENGDUN_AS 写成“{named}”：请去掉 --as（或取消 ZHENGDUN_AS）；{named} 请用自己的账号另取一份副本（zhengdun --db 目录 checkout 服务器）", "this field copy is {owner}'s (account {login}): every change on it is recorded as {owner}'s, so --as / ZHENGDUN_AS cannot name '{named}'; drop --as (or unset ZHENGDUN_AS), and let {named} take a copy of their own with their own account (zhengdun --db DIR checkout SERVER)";
    fn conflict_changed_meanwhile(by) => "取副本之后{by}已改动此案，阶段变更未合并", "{by} changed the case after the copy was taken: a stage change is not merged";
    fn conflict_task_not_found(number, measure) => "服务器上找不到第{number}项任务“{measure}”", "the server has no task #{number} \"{measure}\" as the copy had it";
    fn checkout_done(cases, server, seq) => "已从 {server} 取得外业副本：{cases}个案件，记录到第{seq}条", "field copy taken from {server}: {cases} cases, history up to event {seq}";
    fn sync_progress(done, total) => "同步中：已发送 {done}/{total} 项", "syncing: {done}/{total} sent";
    fn sync_taking() => "同步中：正在取回服务器上的变更", "syncing: taking the server's changes";
    fn sync_done(applied, conflicts, taken, seq) => "同步完成：{applied}项已写入服务器，{conflicts}项冲突或被拒（zhengdun sync --status 查看），取回{taken}个案件，记录到第{seq}条", "synced: {applied} applied on the server, {conflicts} conflicting or refused (see zhengdun sync --status), {taken} cases taken, history up to event {seq}";
    fn status_head(server, seq, waiting, conflicts) => "外业副本，来自 {server}，已取到第{seq}条记录；待发送{waiting}项，冲突或被拒{conflicts}项", "field copy of {server}, taken up to event {seq}; {waiting} waiting, {conflicts} conflicting or refused";
    fn status_waiting(number, case, what, on) => "{number}  待发送  {case}  {what}  {on}", "{number}  waiting  {case}  {what}  {on}";
    fn status_conflict(number, case, what, on, reason) => "{number}  冲突    {case}  {what}  {on}：{reason}", "{number}  conflict  {case}  {what}  {on}: {reason}";
    fn status_refused(number, case, what, on, reason) => "{number}  被拒    {case}  {what}  {on}：{reason}", "{number}  refused  {case}  {what}  {on}: {reason}";
    fn status_between(actor, at, what) => "      其间：{actor} {at} {what}", "      meanwhile: {actor} {at} {what}";
    fn dropped(number, case) => "已从待同步清单删除第{number}项（{case}）", "change {number} ({case}) taken out of the outbox";
    fn drop_confirm(number, case) => "删除第{number}项（{case}）？此变更将不再同步", "Drop change {number} ({case})? It will not be synced";
    fn sync_done_short(applied, conflicts, taken) => "同步完成：{applied}项已写入服务器，{conflicts}项冲突或被拒，取回{taken}个案件", "synced: {applied} applied on the server, {conflicts} conflicting or refused, {taken} cases taken";
    fn conflicts_title(count) => "冲突和被拒的变更（{count}项）", "Conflicting and refused changes ({count})";
    fn conflicts_none() => "没有冲突或被拒的变更", "no conflicting or refused changes";
    fn conflicts_keys() => "Enter 重做（打开表单）  D 删除  Esc 返回", "Enter redo (opens the form)  D drop  Esc back";
    fn not_through_server() => "checkout 和 sync 用 --db 指向外业副本，不经由服务器运行", "checkout and sync work on a field copy given by --db, not through a server";
    fn cannot_redo() => "这类变更不能在这里重做；请删除它，在案件上重新记录", "this kind of change cannot be redone from here: drop it and make it again on the case";
    fn to_sync(count) => "待同步 {count}", "{count} to sync";
    fn not_a_copy_here() => "这不是外业副本，无需同步", "this ledger is no field copy: there is nothing to sync";
}

/// Why a queued change was not applied, in words.
pub fn conflict(lang: Lang, c: &crate::domain::Conflict) -> String {
    use crate::domain::Conflict;
    match c {
        Conflict::ChangedMeanwhile { by } => {
            conflict_changed_meanwhile(lang, by.join(lang.list_separator()))
        }
        Conflict::TaskNotFound { number, measure } => {
            conflict_task_not_found(lang, number, measure)
        }
    }
}

/// What kind of change a command makes, for the outbox's lists.
pub fn command_kind(cmd: &crate::domain::Command) -> crate::domain::ChangeKind {
    use crate::domain::{ChangeKind, Command};
    match cmd {
        Command::Pair { .. } => ChangeKind::Paired,
        Command::Adjust(_) => ChangeKind::Adjusted,
        Command::NoAdjustment { .. } => ChangeKind::NoAdjustment,
        Command::AddTask(_) => ChangeKind::TaskAdded,
        Command::FinishTask { .. } => ChangeKind::TaskDone,
        Command::LogVisit(_) => ChangeKind::Visit,
        Command::Advance { .. } => ChangeKind::Advanced,
        Command::Accept { .. } => ChangeKind::Acceptance,
        Command::Reopen { .. } => ChangeKind::Reopened,
        // corrections and whatever else is added: an edit of the record
        _ => ChangeKind::Edited,
    }
}
