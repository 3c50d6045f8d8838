//! The terminal interface (SPEC §7): the ledger list, search, filters, case detail, forms
//! for every action, and help generated from the keymap in force.
//!
//! - [`action`]: the `Action` enum, the contract between keymap, help and state;
//! - [`keymap`]: key strings, `keymaps/default.toml` and user overrides;
//! - [`app`]: the state and `update`, which changes cases only through `Store::execute`;
//! - [`form`]: the forms and the commands they become; `changes`: running them;
//! - [`view`]: pure drawing, `render(&App, &mut Frame)`;
//! - [`terminal`]: the event loop and terminal restoration.

pub mod action;
pub mod app;
mod changes;
pub mod dashboard;
pub mod form;
pub mod keymap;
pub mod prefs;
pub mod terminal;
pub mod view;

use std::path::Path;

pub use app::App;
pub use view::render;

use crate::cli::{Env, Failure};
use crate::store::Store;

/// Builds the app on an open store, as `zhengdun` does at start (no terminal involved):
/// the entry point for tests and benchmarks.
pub fn app_from_store(
    env: &Env,
    store: Store,
    keymap: keymap::Keymap,
    prefs: prefs::Prefs,
) -> Result<App, Failure> {
    App::new(store, env.ctx.clone(), env.lang, keymap, prefs)
        .map_err(|e| Failure::store(e, env.lang))
}

/// `zhengdun` without a subcommand: everything that can fail before the screen is taken
/// over (keymap, database lock) fails here, on a normal terminal, with one line.
pub fn run(env: &Env, keymap: Option<&Path>) -> Result<(), Failure> {
    let keys = keymap::Keymap::load(keymap).map_err(|e| {
        Failure::input(crate::i18n::tf(
            env.lang,
            "tui.keymap_error",
            &[&e.to_string()],
        ))
    })?;
    let store = env.open()?;
    let (prefs, problem) = prefs::Prefs::load(prefs::Prefs::path_for(&env.db_dir));
    let mut app = app_from_store(env, store, keys, prefs)?;
    if let Some(p) = problem {
        app.message = Some(app::Message {
            text: crate::i18n::tf(env.lang, "tui.prefs_error", &[&p]),
            error: true,
        });
    }
    terminal::run(&mut app).map_err(|e| match e.kind() {
        std::io::ErrorKind::Interrupted => Failure {
            code: crate::cli::exit::STOPPED,
            message: crate::i18n::t(env.lang, "tui.stopped").to_string(),
        },
        _ => Failure {
            code: crate::cli::exit::DATABASE,
            message: format!("terminal: {e}"),
        },
    })?;
    app.store.sync().map_err(|e| Failure::store(e, env.lang))
}
