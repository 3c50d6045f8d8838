//! The backup file: [`Backup`] as JSON. A backup is a superset of the interchange ledger
//! (`cases`, `accountability`, `as_of`) plus the full history, so `restore` brings back
//! everything and `import` can still take its cases into another ledger.

use crate::interchange::json::{Ledger, FORMAT};
use crate::ledger::{Backup, BACKUP_FORMAT};

/// The backup file's bytes. Plain data does not fail to serialise, but if it ever did the
/// caller reports it: an empty backup is never written.
pub fn to_json(b: &Backup) -> Result<Vec<u8>, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(b)?;
    s.push('\n');
    Ok(s.into_bytes())
}

/// Parses a backup file, with the place of the first problem.
pub fn parse(text: &str, file: &str) -> Result<Backup, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str::<Backup>(text).map_err(|e| {
        let msg = e.to_string();
        let problem = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        if format_of(text).as_deref() == Some(FORMAT) {
            format!(
                "{file}: this is an export, not a backup; bring it in with zhengdun import {file}"
            )
        } else {
            format!(
                "{file}: line {}, column {}: {problem} (is this a zhengdun backup?)",
                e.line(),
                e.column()
            )
        }
    })
}

/// The `format` field of a JSON document, when it has one at the top.
fn format_of(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Head {
        format: String,
    }
    serde_json::from_str::<Head>(text).ok().map(|h| h.format)
}

/// For `import`: a backup file becomes the interchange ledger of its cases and
/// accountability (the history stays behind: `restore` brings that back). Any other text
/// is returned as it is, for the interchange parser to judge.
pub fn as_ledger(text: &str, file: &str) -> Result<String, String> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if format_of(body).as_deref() != Some(BACKUP_FORMAT) {
        return Ok(text.to_string());
    }
    let b = parse(body, file)?;
    Ledger::new(b.as_of, b.cases, b.accountability)
        .to_json()
        .map_err(|e| format!("{file}: {e}"))
}
