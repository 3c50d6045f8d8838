//! Who is at the other end of a connection: the kernel says which account (SO_PEERCRED,
//! as tmux's `server-acl.c` asks with `getpeereid`), and [`Access::who`] says which person
//! of the roster that account is, or refuses it naming the account. It is the one place an
//! account becomes a person; what the person may do is the domain's to check, change by
//! change, against the roster as it is then.

use std::ffi::CString;

use crate::domain::{Person, Roster};
use crate::ledger::{AccountRefusal, Error};

/// The account of the process at the other end of a Unix socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    pub uid: u32,
    pub pid: i32,
}

impl Peer {
    pub fn of(stream: &std::os::unix::net::UnixStream) -> std::io::Result<Peer> {
        let cred = rustix::net::sockopt::socket_peercred(stream)?;
        Ok(Peer {
            uid: cred.uid.as_raw(),
            pid: cred.pid.as_raw_nonzero().get(),
        })
    }
}

/// Who acts on a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    /// The account's login name.
    pub account: String,
    /// Its roster entry; `None` on a TUI's own ledger, served to the account that opened
    /// it, which is the embedded ledger's owner as much as the TUI is (nothing is checked).
    pub person: Option<Person>,
    /// On a TUI's own ledger, the name the client goes by ([`crate::ledger::protocol::Hello`]),
    /// as it would on the embedded ledger.
    pub named: Option<String>,
}

impl Who {
    /// The name history records: the roster's, else the one the client gave on a TUI's
    /// own ledger, else the account's.
    pub fn name(&self) -> &str {
        match (&self.person, &self.named) {
            (Some(p), _) => &p.name,
            (None, Some(n)) => n,
            (None, None) => &self.account,
        }
    }
}

/// Who may connect to a server.
#[derive(Debug, Clone)]
pub enum Access {
    /// `zhengdun serve`: every account that can reach the socket (its mode and group let
    /// in the server's own account and `--group`'s members) and that has a name.
    Accounts,
    /// A TUI serving its own ledger: the account that opened it, nobody else.
    Owner { uid: u32 },
}

impl Access {
    /// Who the peer's account is by `roster`, or the refusal that names the account.
    pub fn who(&self, peer: Peer, roster: &Roster) -> Result<Who, Error> {
        let account = account_name(peer.uid);
        let refused = |refusal| Error::Account {
            account: account
                .clone()
                .unwrap_or_else(|| format!("uid {}", peer.uid)),
            refusal,
        };
        let Some(login) = account.clone() else {
            return Err(refused(AccountRefusal::Unknown));
        };
        match self {
            Access::Owner { uid } if peer.uid != *uid => {
                let owner = account_name(*uid).unwrap_or_else(|| format!("uid {uid}"));
                Err(refused(AccountRefusal::NotOwner { owner }))
            }
            Access::Owner { .. } => Ok(Who {
                account: login,
                person: None,
                named: None,
            }),
            Access::Accounts => match roster.get(&login) {
                Some(p) => Ok(Who {
                    account: login,
                    person: Some(p.clone()),
                    named: None,
                }),
                None => Err(refused(AccountRefusal::Unknown)),
            },
        }
    }
}

/// The login name of an account, through the system's name service.
pub fn account_name(uid: u32) -> Option<String> {
    crate::session::passwd_entry(uid).map(|(login, _)| login)
}

/// The id of a group by its name, through the system's name service.
pub fn group_id(name: &str) -> Option<u32> {
    let cname = CString::new(name).ok()?;
    let mut size = 4096;
    while size <= 1 << 20 {
        let mut buf = vec![0 as libc::c_char; size];
        // SAFETY: `group` is plain C data, for which all zeroes is a valid value.
        let mut grp: libc::group = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::group = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call, `cname` is NUL-terminated, and
        // `buf.len()` is the size of `buf`.
        let rc = unsafe {
            libc::getgrnam_r(
                cname.as_ptr(),
                &mut grp,
                buf.as_mut_ptr(),
                buf.len(),
                &mut found,
            )
        };
        if rc == libc::ERANGE {
            size *= 4;
            continue;
        }
        if rc != 0 || found.is_null() {
            return None;
        }
        return Some(grp.gr_gid);
    }
    None
}

/// The account this process runs as.
pub fn own_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_own_account_has_a_name_and_root_group_an_id() {
        assert!(account_name(own_uid()).is_some_and(|n| !n.is_empty()));
        assert_eq!(group_id("root"), Some(0));
        assert_eq!(group_id("no-such-group-zhengdun"), None);
        assert_eq!(account_name(4_000_000_000), None);
    }

    #[test]
    fn an_owner_only_server_refuses_another_account_naming_both() {
        let access = Access::Owner { uid: own_uid() };
        let me = Peer {
            uid: own_uid(),
            pid: 1,
        };
        let roster = Roster::default();
        assert!(access.who(me, &roster).is_ok());
        let other = Peer {
            uid: own_uid() + 1,
            pid: 1,
        };
        assert!(matches!(
            access.who(other, &roster),
            Err(Error::Account {
                refusal: AccountRefusal::NotOwner { .. },
                ..
            })
        ));
    }
}
