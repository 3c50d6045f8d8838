//! A store error in the user's language. The store's errors are plain data; this is where
//! they become sentences, so that `i18n` stays a leaf that knows nothing of the store.

use crate::i18n::{self, msg, Lang};

use super::disk::DiskProblem;
use super::StoreError;

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
            StoreError::Damaged { dir, detail } => msg::store_damaged(lang, dir, detail),
            StoreError::Corrupted(detail) => msg::store_corrupted(lang, detail),
            StoreError::NotFound(id) => msg::store_not_found(lang, id),
            StoreError::Duplicate(id) => msg::store_duplicate(lang, id),
            StoreError::Io(message) => message.clone(),
            StoreError::BadBackup { file, problem } => format!("{file}: {problem}"),
            StoreError::Denied(r) => i18n::refusal(lang, r),
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
