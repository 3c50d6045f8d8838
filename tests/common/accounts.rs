//! The OS accounts the tests run clients as: made with `useradd` when missing (the tests
//! run as root, as CI does), in the group `users` that a server started with
//! `--group users` lets in; and a home of each account's own for its processes.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

use super::{text, BIN};

pub fn am_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Not root: no other accounts to be. Says so, so the test can skip; CI runs as root, so
/// there the test may not skip.
pub fn skip_unless_root(test: &str) -> bool {
    if am_root() {
        return false;
    }
    assert!(
        std::env::var("CI").is_err(),
        "{test}: in CI this must run as root"
    );
    println!("{test}: not root, so no other accounts to run clients as; skipping");
    true
}

/// The uid of `login`, if the account exists.
pub fn uid_of(login: &str) -> Option<u32> {
    let out = Command::new("id").args(["-u", login]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    text(&out.stdout).trim().parse().ok()
}

/// An account of this machine for the tests (no home, no login), made when missing, in the
/// group `users`: its uid.
pub fn account(login: &str) -> u32 {
    account_with(login, &[])
}

/// The same, made with this full name (the GECOS field) when missing.
pub fn account_named(login: &str, full_name: &str) -> u32 {
    account_with(login, &["-c", full_name])
}

fn account_with(login: &str, flags: &[&str]) -> u32 {
    if let Some(uid) = uid_of(login) {
        return uid;
    }
    let out = Command::new("useradd")
        .args(["-M", "-N", "-g", "users", "-s", "/usr/sbin/nologin"])
        .args(flags)
        .arg(login)
        .output()
        .unwrap();
    // another test binary may have made it meanwhile
    uid_of(login).unwrap_or_else(|| panic!("useradd {login}: {}", text(&out.stderr)))
}

/// The gid of the group `users`.
pub fn users() -> u32 {
    zhengdun::server::identity::group_id("users").expect("a group 'users'")
}

/// A home directory of the account's own (`None`: this account) for the test's processes
/// (its config file and state are looked for there), under the system's temporary
/// directory.
pub fn home_of(uid: Option<u32>) -> PathBuf {
    let name = match uid {
        Some(u) => format!("zhengdun-field-home-{u}"),
        None => format!(
            "zhengdun-field-home-{}",
            rustix::process::geteuid().as_raw()
        ),
    };
    let home = std::env::temp_dir().join(name);
    if !home.exists() {
        std::fs::create_dir_all(&home).unwrap();
        if let Some(u) = uid {
            std::os::unix::fs::chown(&home, Some(u), None).unwrap();
        }
    }
    home
}

/// The binary as `uid` (`None`: this account) of the group `users`, at its home, on the
/// sample's day, reaching no server but the one it is told.
pub fn client(uid: Option<u32>) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_remove("ZHENGDUN_SERVER")
        .env("ZHENGDUN_TODAY", super::SAMPLE_DAY)
        .env("HOME", home_of(uid))
        .env("XDG_CONFIG_HOME", home_of(uid).join(".config"));
    if let Some(uid) = uid {
        cmd.uid(uid).gid(users());
    }
    cmd
}
