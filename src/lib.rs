//! zhengdun (整顿): a keyboard-driven ledger for the rectification of weak and lax village
//! Party branches.
//!
//! Layers, from the inside out:
//! - [`domain`]: cases, code lists, the state machine, due dates, policy (no I/O);
//! - [`store`]: owns sled; one atomic, durable batch per change, hash-chained history;
//! - [`interchange`]: the JSON, CSV and xlsx formats;
//! - [`cli`] and `tui`: the two faces, which both change cases only through
//!   [`store::Store::execute`] and [`store::Store::insert`].

pub mod backup;
pub mod cli;
pub mod domain;
pub mod i18n;
pub mod interchange;
pub mod ledger;
pub mod listing;
pub mod panics;
pub mod par;
pub mod sample;
pub mod search;
pub mod server;
pub mod session;
pub mod stats;
pub mod store;
pub mod text;
pub mod tui;
