//! A store error in the user's language. The store's errors are plain data; this is where
//! they become sentences, so that `i18n` stays a leaf that knows nothing of the store.

use crate::i18n::{self, msg, Lang, Text};

use super::disk::DiskProblem;
use super::layout::Family;
use super::{Damage, StoreError};

impl StoreError {
    /// The error in `lang`; a refusal as `i18n::refusal` words it, without the case (the
    /// caller names it where it needs to).
    pub fn message(&self, lang: Lang) -> String {
        match self {
            StoreError::Refused { refusal: r, .. } => i18n::refusal(lang, r),
            StoreError::Locked { dir, holder, .. } if holder.is_session() => {
                msg::store_locked_tui(lang, dir, &holder.pid, &holder.account)
            }
            StoreError::Locked {
                dir,
                holder,
                waited,
            } => msg::store_locked(
                lang,
                dir,
                &holder.pid,
                &holder.command,
                &holder.account,
                waited,
            ),
            StoreError::Disk {
                dir,
                problem,
                detail,
            } => match problem {
                DiskProblem::Full => msg::store_disk_full(lang, dir, detail),
                DiskProblem::ReadOnly => msg::store_disk_read_only(lang, dir, detail),
                DiskProblem::Denied => msg::store_disk_denied(lang, dir, detail),
                DiskProblem::Gone => msg::store_disk_gone(lang, dir, detail),
            },
            StoreError::NotADatabase { dir } => msg::store_not_a_database(lang, dir),
            StoreError::NotEmpty { dir } => msg::store_not_empty(lang, dir),
            StoreError::NewerSchema {
                dir,
                found,
                supported,
            } => msg::store_newer_schema(lang, dir, found, supported),
            StoreError::Damaged { dir, detail } => {
                msg::store_damaged(lang, dir, detail.message(lang))
            }
            StoreError::Corrupted(detail) => msg::store_corrupted(lang, detail.message(lang)),
            StoreError::NotFound(id) => msg::store_not_found(lang, id),
            StoreError::Duplicate(id) => msg::store_duplicate(lang, id),
            StoreError::Io(message) => message.clone(),
            StoreError::BadBackup { file, problem } => format!("{file}: {problem}"),
            StoreError::Denied(r) => i18n::refusal(lang, r),
            StoreError::Field(e) => e.message(lang),
            StoreError::ImportChanged { id: Some(id) } => msg::store_import_changed_at(lang, id),
            StoreError::ImportChanged { id: None } => {
                i18n::t(lang, Text::StoreImportChangedAfter).to_string()
            }
            StoreError::Stale { id, since } => {
                let changes: Vec<String> = since
                    .iter()
                    .map(|e| {
                        // "2017-09-15T10:20:00+08:00" → "2017-09-15 10:20"
                        let at = e.at.get(..16).unwrap_or(&e.at).replace('T', " ");
                        msg::store_stale_change(
                            lang,
                            &e.actor,
                            at,
                            i18n::change_label(lang, e.change.kind),
                        )
                    })
                    .collect();
                let sep = match lang {
                    Lang::Zh => "；",
                    Lang::En => "; ",
                };
                msg::store_stale(lang, id, changes.join(sep))
            }
        }
    }
}

impl Damage {
    /// What is damaged, in `lang`: the detail of a damaged-ledger message, or one line of
    /// `verify`'s findings.
    pub fn message(&self, lang: Lang) -> String {
        let text = |t: Text| t.get(lang).to_string();
        let family = |f: &Family| family(lang, *f);
        match self {
            Damage::DataFileMissing => text(Text::DamageDataFileMissing),
            Damage::EngineCannotOpen => text(Text::DamageEngineCannotOpen),
            Damage::EngineFailed { what } => msg::damage_engine_failed(lang, what),
            Damage::BadBytesAt { byte } => msg::damage_bad_bytes_at(lang, byte),
            Damage::CutShort => text(Text::DamageCutShort),
            Damage::FilesUnreadable { why } => msg::damage_files_unreadable(lang, why),
            Damage::Engine { what } => msg::damage_engine(lang, what),
            Damage::SchemaUnreadable => text(Text::DamageSchemaUnreadable),
            Damage::SchemaMissing => text(Text::DamageSchemaMissing),
            Damage::CounterUnreadable => text(Text::DamageCounterUnreadable),
            Damage::ChunkUnreadable { family: f, key } => {
                msg::damage_chunk_unreadable(lang, family(f), key)
            }
            Damage::ImportUnreadable { why } => msg::damage_import_unreadable(lang, why),
            Damage::ImportOffHistory => text(Text::DamageImportOffHistory),
            Damage::RecordUnreadable { key, why } => msg::damage_record_unreadable(lang, key, why),
            Damage::HistoryIndexKeyBad => text(Text::DamageHistoryIndexKeyBad),
            Damage::HistoryKeyMalformed => text(Text::DamageHistoryKeyMalformed),
            Damage::EventMissing { seq, case } => msg::damage_event_missing(lang, seq, case),
            Damage::EventUnreadable { seq, why } => msg::damage_event_unreadable(lang, seq, why),
            Damage::AccountabilityUnreadable { why } => {
                msg::damage_accountability_unreadable(lang, why)
            }
            Damage::HistoryNotAtHead => text(Text::DamageHistoryNotAtHead),
            Damage::RosterEntryUnreadable { login, why } => {
                msg::damage_roster_entry_unreadable(lang, login, why)
            }
            Damage::RosterEntryHoldsOther { login, account } => {
                msg::damage_roster_entry_holds_other(lang, login, account)
            }
            Damage::EventOutOfPlace { seq, expected } => {
                msg::damage_event_out_of_place(lang, seq, expected)
            }
            Damage::ChainBroken { seq, case } => msg::damage_chain_broken(lang, seq, case),
            Damage::EventAltered { seq, case } => msg::damage_event_altered(lang, seq, case),
            Damage::HistoryCut { ends_at, recorded } => {
                msg::damage_history_cut(lang, ends_at, recorded)
            }
            Damage::EntryTwice { family: f, case } => {
                msg::damage_entry_twice(lang, family(f), case)
            }
            Damage::CaseUnreadable { case, why } => msg::damage_case_unreadable(lang, case, why),
            Damage::CaseWithoutHistory { case } => msg::damage_case_without_history(lang, case),
            Damage::CaseOutOfStep {
                case,
                changed_by,
                history_ends,
            } => msg::damage_case_out_of_step(lang, case, changed_by, history_ends),
            Damage::CaseAltered { case } => msg::damage_case_altered(lang, case),
            Damage::EntryStale { case, family: f } => {
                msg::damage_entry_stale(lang, case, family(f))
            }
            Damage::EntryOfNoCase { family: f, case } => {
                msg::damage_entry_of_no_case(lang, family(f), case)
            }
            Damage::RosterAltered => text(Text::DamageRosterAltered),
            Damage::VoidMarkStale { case } => msg::damage_void_mark_stale(lang, case),
            Damage::VoidMarkOfNoCase { case } => msg::damage_void_mark_of_no_case(lang, case),
            Damage::AccountabilityAltered => text(Text::DamageAccountabilityAltered),
        }
    }
}

/// A family of derived entries as a verify line names it.
fn family(lang: Lang, f: Family) -> &'static str {
    match f {
        Family::Summaries => Text::FamilySummaries.get(lang),
        Family::Counts => Text::FamilyCounts.get(lang),
        Family::Rows => Text::FamilyRows.get(lang),
    }
}

impl super::outbox::FieldError {
    pub fn message(&self, lang: Lang) -> String {
        use super::outbox::FieldError;
        use crate::i18n::field;
        match self {
            FieldError::NotACopy { dir } => field::not_a_copy(lang, dir),
            FieldError::NotEmpty { dir } => field::not_empty(lang, dir),
            FieldError::RolledBack {
                server,
                ours,
                theirs,
            } => field::rolled_back(lang, server, ours, theirs),
            FieldError::BadCopy { problem } => field::bad_copy(lang, problem),
            FieldError::OnlyOnServer => field::only_on_server(lang),
            FieldError::NoSuchQueued { number } => field::no_such_queued(lang, number),
            FieldError::OtherAccount { account, connected } => {
                field::other_account(lang, account, connected)
            }
            FieldError::NotOwner {
                named,
                owner,
                login,
            } => field::not_owner(lang, named, owner, login),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_is_worded_in_chinese_with_its_values_and_in_english() {
        let damage = Damage::CaseOutOfStep {
            case: "2017-YG-003".into(),
            changed_by: 7,
            history_ends: 5,
        };
        assert_eq!(
            damage.message(Lang::Zh),
            "案件 2017-YG-003 最后由事件 7 修改，但其历史止于事件 5"
        );
        assert_eq!(
            damage.message(Lang::En),
            "case 2017-YG-003 was last changed by event 7 but its history ends at event 5"
        );
        let chunk = Damage::ChunkUnreadable {
            family: Family::Counts,
            key: "k/".into(),
        };
        assert_eq!(chunk.message(Lang::Zh), "统计数据块 k/ 无法读取");
        let e = StoreError::Damaged {
            dir: "/db".into(),
            detail: Damage::CutShort,
        };
        assert!(e.message(Lang::Zh).contains("（其文件已损坏或不完整）"));
        assert!(!e.message(Lang::Zh).contains("its files"));
    }
}
