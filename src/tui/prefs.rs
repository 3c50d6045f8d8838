//! The list's filters and sort, remembered between runs in a small JSON file next to the
//! database directory (`<db>.tui.json`), never inside it: the sled directory holds only
//! what the store writes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::listing::{Filter, Sort};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// Overdue, stage, county, township, and a leader chosen on the dashboard.
    pub filter: Filter,
    /// Only the cases paired with the `--as` name.
    pub mine: bool,
    pub sort: Sort,
    #[serde(skip)]
    path: Option<PathBuf>,
}

impl Prefs {
    /// Where the preferences of the ledger in `db_dir` live.
    pub fn path_for(db_dir: &Path) -> Option<PathBuf> {
        let name = db_dir.file_name()?.to_string_lossy().into_owned();
        Some(db_dir.with_file_name(format!("{name}.tui.json")))
    }

    /// Reads the preferences; a missing file means the defaults, a damaged one is reported
    /// and replaced by the defaults (they are a convenience, not data).
    pub fn load(path: Option<PathBuf>) -> (Prefs, Option<String>) {
        let mut problem = None;
        let mut prefs = match path.as_deref().map(std::fs::read_to_string) {
            Some(Ok(text)) => match serde_json::from_str::<Prefs>(&text) {
                Ok(p) => p,
                Err(e) => {
                    problem = path.as_ref().map(|p| format!("{}: {e}", p.display()));
                    Prefs::default()
                }
            },
            _ => Prefs::default(),
        };
        prefs.path = path;
        (prefs, problem)
    }

    /// Writes the file (when there is one); an error is a one-line message.
    pub fn save(&self) -> Result<(), String> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        let tmp = path.with_extension("json.tmp");
        // a TUI through a server has no ledger directory of its own: the directory the
        // preferences go in may not be there yet
        path.parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&tmp, text))
            .and_then(|_| std::fs::rename(&tmp, path))
            .map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_they_go_in_is_made_when_missing() {
        let dir = tempfile::tempdir().unwrap();
        let path = Prefs::path_for(&dir.path().join("share/zhengdun/ledger")).unwrap();
        let (mut prefs, problem) = Prefs::load(Some(path.clone()));
        assert!(problem.is_none());
        prefs.mine = true;
        prefs.save().unwrap();
        assert!(Prefs::load(Some(path)).0.mine);
    }

    #[test]
    fn filters_survive_a_restart_and_live_beside_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("ledger");
        let path = Prefs::path_for(&db).unwrap();
        assert_eq!(path, dir.path().join("ledger.tui.json"));
        let (mut p, problem) = Prefs::load(Some(path.clone()));
        assert!(problem.is_none());
        p.filter.overdue = true;
        p.filter.county = Some("阳谷县".into());
        p.mine = true;
        p.sort = Sort::Township;
        p.save().unwrap();
        let (q, _) = Prefs::load(Some(path.clone()));
        assert!(q.filter.overdue && q.mine);
        assert_eq!(q.filter.county.as_deref(), Some("阳谷县"));
        assert_eq!(q.sort, Sort::Township);
        std::fs::write(&path, "{ not json").unwrap();
        let (r, problem) = Prefs::load(Some(path));
        assert!(problem.is_some() && !r.filter.overdue);
    }
}
