//! The terminal interface. Until it lands, the demo prints the ledger as a table.

use crate::cli::{Env, Failure};

pub fn run(env: &Env, _keymap: Option<&std::path::Path>) -> Result<(), Failure> {
    let store = env.open()?;
    let cmd = crate::cli::Cmd::List(Default::default());
    crate::cli::run_command(env, &store, cmd)
}
