//! The shipped keymaps parse, every action is reachable from the default keys, and the
//! help overlay lists every binding in force — generated, so it cannot drift.

mod common;

use std::collections::HashSet;

use common::tui::*;
use zhengdun::tui::action::Action;
use zhengdun::tui::keymap::{Keymap, Mode};

#[test]
fn every_shipped_keymap_file_parses() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("keymaps");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            Keymap::with_overrides(&text, &path.display().to_string())
                .unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
    }
    assert!(n >= 1);
}

#[test]
fn every_action_is_bound_by_default_and_listed_in_help() {
    let k = Keymap::default_keys().unwrap();
    let bound: HashSet<Action> = Mode::ALL
        .iter()
        .flat_map(|m| k.bindings(*m).iter().map(|b| b.action))
        .collect();
    for a in Action::ALL {
        if *a != Action::Noop {
            assert!(bound.contains(a), "{a:?} has no default key");
        }
    }
    let (_d, mut app) = app();
    press(&mut app, "?");
    let rows = app.app.help_rows();
    let total: usize = Mode::ALL.iter().map(|m| k.bindings(*m).len()).sum();
    assert_eq!(rows.len(), total, "help lists every binding");
    for m in Mode::ALL {
        for b in k.bindings(m) {
            let key = b.key.to_string();
            let desc = b.action.description(app.app.lang);
            assert!(rows.contains(&(m, key.clone(), desc)), "{m:?} {key}");
        }
    }
}

#[test]
fn a_user_override_changes_behaviour_and_help() {
    let user = "[list]\nkeymap = [\n  { on = \"n\", run = \"down\", desc = \"下一个\" },\n  { on = \"j\", run = \"noop\" },\n]\n";
    let keymap = Keymap::with_overrides(user, "mine.toml").unwrap();
    let (_d, mut app) = app_with(zhengdun::i18n::Lang::Zh, keymap);
    press(&mut app, "j");
    assert_eq!(app.app.selected, 0, "j is unbound");
    press(&mut app, "n");
    assert_eq!(app.app.selected, 1);
    press(&mut app, "?");
    let rows = app.app.help_rows();
    assert!(rows.iter().any(|(m, k, _)| *m == Mode::List && k == "n"));
    assert!(!rows.iter().any(|(m, k, _)| *m == Mode::List && k == "j"));
}
