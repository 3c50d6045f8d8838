//! `checkout` and `sync` (SPEC §10): a field copy made from the county's server, and its
//! outbox sent back.

use std::io::IsTerminal;
use std::path::Path;

use crate::i18n::{field, msg};
use crate::ledger::field::{describe, progress_line};
use crate::ledger::{self, Ledger, Local, QueueState, Remote};

use super::{first_missing, print, remove_new_ledger, Env, Failure};

/// `zhengdun --db DIR checkout SERVER [--mine]`.
pub fn checkout(env: &Env, server: &str, mine: bool) -> Result<(), Failure> {
    let address = address(server);
    let remote = Remote::connect(&address, None).map_err(env.failed())?;
    let created = first_missing(&env.db_dir);
    let copy = env.open()?;
    match ledger::field::checkout(&copy, &remote, &address, mine) {
        Ok(n) => {
            let (seq, _) = copy
                .store()
                .head()
                .map_err(|e| Failure::store(e, env.lang))?;
            let copy = copy.checkpoint().map_err(env.failed())?;
            copy.close().map_err(env.failed())?;
            print(&field::checkout_done(env.lang, n, &address, seq))
        }
        Err(e) => {
            match created {
                Some(root) => remove_new_ledger(copy, &env.db_dir, &root),
                None => {
                    let _ = copy.close();
                }
            }
            Err(Failure::ledger(e, env.lang))
        }
    }
}

/// A socket path as the copy keeps it: absolute, so that a sync from another directory
/// finds it.
fn address(server: &str) -> String {
    if server.starts_with("ssh://") {
        return server.to_string();
    }
    std::path::absolute(Path::new(server))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| server.to_string())
}

/// `zhengdun --db DIR sync [--status | --drop N]`.
pub fn sync(env: &Env, status: bool, drop: Option<u64>) -> Result<(), Failure> {
    if first_missing(&env.db_dir).is_some() {
        let dir = env.db_dir.display().to_string();
        return Err(Failure::input(msg::store_no_ledger(env.lang, &dir)));
    }
    let copy = env.open()?;
    let result = sync_on(env, &copy, status, drop);
    let _ = copy.close();
    result
}

fn sync_on(env: &Env, copy: &Local, status: bool, drop: Option<u64>) -> Result<(), Failure> {
    let lang = env.lang;
    if copy.field_copy().map_err(env.failed())?.is_none() {
        return Err(Failure::ledger(copy.not_a_copy(), lang));
    }
    if let Some(n) = drop {
        let q = copy.drop_queued(n).map_err(env.failed())?;
        return print(&field::dropped(lang, q.number, &q.change.case_id));
    }
    if !status {
        let tell = std::io::stderr().is_terminal();
        let report = copy
            .sync(&mut |step| {
                if tell {
                    crate::session::say(progress_line(lang, step));
                }
            })
            .map_err(env.failed())?;
        print(&field::sync_done(
            lang,
            report.applied,
            report.kept,
            report.taken,
            report.head_seq,
        ))?;
    }
    let outbox = copy.outbox().map_err(env.failed())?;
    if status {
        let Some(fc) = copy.field_copy().map_err(env.failed())? else {
            return Ok(());
        };
        let waiting = outbox
            .iter()
            .filter(|q| q.state == QueueState::Waiting)
            .count();
        print(&field::status_head(
            lang,
            &fc.server,
            fc.head_seq,
            waiting,
            outbox.len() - waiting,
        ))?;
    }
    for q in outbox
        .iter()
        .filter(|q| status || q.state != QueueState::Waiting)
    {
        print(&describe(lang, q).join("\n"))?;
    }
    Ok(())
}
