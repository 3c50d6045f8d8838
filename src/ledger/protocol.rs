//! What a client and the county's server say to each other over a Unix socket (or an SSH
//! connection bridged to one): frames of a 4-byte big-endian length and that many bytes of
//! JSON, each one value of the types below, which are the domain's and the store's own
//! (cases, commands, refusals, events, summaries): no second set of shapes.
//!
//! A conversation: the client says [`Hello`] with its protocol version, the server answers
//! [`Welcome`] (who the connecting account acts as, the server's today and policy) or
//! refuses. Then the client sends [`Request`]s, one at a time, and the server sends
//! [`ToClient::Reply`] for each, and [`ToClient::Notice`] for every change anyone makes,
//! whenever it happens.
//!
//! One reply is more than one frame: [`Answer::Packed`] (the summaries a list or a TUI
//! starts on) is followed by one raw frame of their bytes in the store's packed form, so
//! that 100,000 summaries cross as 9 MB read without a parser instead of 30 MB of JSON;
//! [`Answer::Text`] and [`Answer::BackupPart`] likewise by the bytes of a text.
//!
//! A backup crosses in parts: [`Call::BackupBegin`] has the server write one consistent
//! backup of the whole ledger into a file of its own for this connection (held while
//! it is written, as an embedded backup is), and [`Call::BackupPart`] reads it a few MB at
//! a time, so that neither side holds a county's ledger whole and a slow client holds up
//! no one.
//!
//! A frame longer than [`MAX_FRAME`] is refused before it is read, and a frame that is not
//! one of these values ends the connection that sent it, nothing else.

use std::io::{self, Read, Write};
use std::sync::Arc;

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::domain::{
    AccountabilityEvent, Case, ChangeKind, Command, Person, QueuedChange, Summary,
};
use crate::i18n::Lang;
use crate::listing::Filter;
use crate::stats::Stats;
use crate::store::outbox::{Outcome, Taken};
use crate::store::{Backup, Ctx, Event, RestoreSummary, VerifyReport, VoidedCase};

use super::{CaseUpdate, Error, Head, Notice, UpdateReport};

/// The version of this protocol. A client and a server of different versions do not talk:
/// the one that notices says so in a sentence ([`Error::Version`]).
pub const PROTOCOL: u32 = 5;

/// The longest frame either side reads: room for a backup or an import of a county's whole
/// ledger (100,000 cases with their history is about 150 MB of JSON), and a bound on what a
/// broken or hostile peer can make the other allocate.
pub const MAX_FRAME: u32 = 512 * 1024 * 1024;

/// At most this many cases go in one frame of an import ([`Call::ImportPart`]): about 4 MB
/// of JSON, so that neither side ever holds more than a part of a large import in a frame.
pub const CASES_PER_FRAME: usize = 1_000;

/// The most bytes of a backup one [`Call::BackupPart`] gives.
pub const BACKUP_PART: usize = 4 * 1024 * 1024;

/// The client's first frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    /// The zhengdun version, for the message when the protocols differ.
    pub version: String,
    /// The name the client's user goes by with no server (`--as`, the config file, the
    /// account's full name: [`announce`]). A ledger a TUI serves to its own account's other
    /// processes records it, as the embedded ledger would; a county server names people by
    /// its roster and reads nothing of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The name this process's clients give in their [`Hello`].
static OWN_NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Sets the name this process's clients give a server (once; later calls change nothing).
pub fn announce(name: &str) {
    let _ = OWN_NAME.set(name.to_string());
}

impl Hello {
    pub fn ours() -> Hello {
        Hello {
            protocol: PROTOCOL,
            version: env!("CARGO_PKG_VERSION").to_string(),
            name: OWN_NAME.get().cloned(),
        }
    }
}

/// The server's answer to [`Hello`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Welcome {
    pub protocol: u32,
    pub version: String,
    /// The connection is refused (another protocol version, an account the server does
    /// not know): why. Nothing more is said on it.
    pub refused: Option<Error>,
    /// Who the connecting account acts as, the server's today and the county's policy:
    /// what every change made on this connection is made with.
    pub ctx: Option<Ctx>,
    /// Where the ledger is, for messages.
    pub location: String,
    /// The ledger's head as the connection began: a command's rollback check reads it here
    /// instead of asking for it in a round trip of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<Head>,
}

/// One question of a client, with the number its reply will carry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub id: u64,
    pub call: Call,
}

/// What a client asks: one for each method of [`super::Ledger`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Call {
    Summaries,
    Select {
        filter: Filter,
        search: Option<String>,
        today: NaiveDate,
    },
    Case(String),
    Cases(Option<Vec<String>>),
    History(String),
    Accountability,
    /// The voided cases, with who voided them when.
    Voided,
    Search(String),
    Stats(NaiveDate, Option<i32>),
    Talk(AccountabilityEvent),
    ListCsv {
        filter: Filter,
        search: Option<String>,
        today: NaiveDate,
        lang: Lang,
    },
    Execute {
        id: String,
        commands: Vec<Command>,
        expected: Option<String>,
    },
    CheckImport(Vec<Case>),
    Update {
        opened: Vec<Case>,
        updates: Vec<CaseUpdate>,
        write: bool,
    },
    Import {
        cases: Vec<Case>,
        accountability: Vec<AccountabilityEvent>,
        kind: ChangeKind,
    },
    /// Begins an import whose cases follow in parts ([`Call::ImportPart`], then
    /// [`Call::ImportEnd`]), on this connection: refused at once for a role that may not
    /// import. With `write` false the cases are only checked (`import --dry-run`).
    ImportBegin {
        kind: ChangeKind,
        write: bool,
    },
    /// The next cases of the import begun (at most [`CASES_PER_FRAME`]), checked as they
    /// come: a refusal ends the import, and nothing of it is kept.
    ImportPart(Vec<Case>),
    /// Every case sent, and the accountability events that come with them: the import
    /// checked whole and, when it is to be written, written (all of it, or none), answered
    /// with how many cases were opened.
    ImportEnd {
        accountability: Vec<AccountabilityEvent>,
    },
    /// The import begun is given up (the client's files had a problem): nothing is kept.
    ImportAbandon,
    /// A backup (as of the date) taken for this connection, to be read with
    /// [`Call::BackupPart`]; a later one replaces it, the end of the connection drops it.
    BackupBegin(Option<NaiveDate>),
    /// The bytes of this connection's backup from byte `from` on: a part of at most
    /// [`BACKUP_PART`] bytes, empty at its end.
    BackupPart {
        from: u64,
    },
    Restore {
        backup: Backup,
        file: String,
    },
    Verify,
    Export,
    ExportPart {
        after: Option<String>,
        limit: usize,
    },
    Roster,
    AddPerson(Person),
    RemovePerson(String),
    RosterHistory,
    Flush,
    /// A field copy takes the server's events after one it has (SPEC §10).
    Take {
        after: u64,
        after_hash: String,
        mine: bool,
        also: Vec<String>,
    },
    /// Whether the server still holds the event a field copy last took (else its ledger
    /// was rolled back); answered with its head's number.
    Holds {
        after: u64,
        after_hash: String,
    },
    /// A field copy's queued change, to apply once.
    ApplyQueued(Box<QueuedChange>),
    /// Where the ledger's history is now.
    Head,
}

/// Summaries in the store's packed form ([`crate::store::layout::pack_summaries`]), or the
/// bytes of a text to print. The reply holds how many and how long; the bytes follow it as one raw frame of their own,
/// under the same bound ([`encode_reply`], [`read_to_client`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Packed {
    pub count: usize,
    pub len: u64,
    #[serde(skip)]
    pub bytes: Arc<Vec<u8>>,
}

impl Packed {
    pub fn of(summaries: &[Summary]) -> Packed {
        Packed::from_bytes(
            summaries.len(),
            Arc::new(crate::store::layout::pack_summaries(summaries)),
        )
    }

    pub fn from_bytes(count: usize, bytes: Arc<Vec<u8>>) -> Packed {
        Packed {
            count,
            len: bytes.len() as u64,
            bytes,
        }
    }

    /// The summaries; what is wrong when the bytes are not as many as said.
    pub fn summaries(&self) -> Result<Vec<Summary>, String> {
        let all = crate::store::layout::unpack_summaries(&self.bytes)
            .ok_or_else(|| "the packed summaries do not decode".to_string())?;
        match all.len() == self.count {
            true => Ok(all),
            false => Err(format!(
                "{} packed summaries where the reply said {}",
                all.len(),
                self.count
            )),
        }
    }
}

/// What a call gave.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Answer {
    /// Summaries, the bytes after the reply.
    Packed(Packed),
    /// Text to print (a CSV list), the bytes after the reply.
    Text(Packed),
    Case(Box<Case>),
    Cases(Vec<Case>),
    History(Vec<Event>),
    Accountability(Vec<AccountabilityEvent>),
    Voided(Vec<VoidedCase>),
    Ids(Vec<String>),
    Stats(Box<Stats>),
    Count(usize),
    /// A backup taken for the connection: how long its file is, and how many cases and
    /// history events it holds.
    BackupTaken {
        len: u64,
        cases: usize,
        events: usize,
    },
    /// A part of the backup taken, its bytes after the reply.
    BackupPart(Packed),
    Restored(RestoreSummary),
    Verified(VerifyReport),
    Exported(Vec<Case>, Vec<AccountabilityEvent>),
    Updated(UpdateReport),
    ExportPart(Vec<Case>, Option<String>),
    People(Vec<Person>),
    /// A roster change: its history event (`None`: the entry was already as given).
    Recorded(Option<Box<Event>>),
    Done,
    Taken(Box<Taken>),
    Outcome(Box<Outcome>),
    Head(Head),
}

/// What the server sends after its [`Welcome`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ToClient {
    Reply {
        id: u64,
        result: Result<Answer, Error>,
    },
    Notice(Notice),
}

/// Why a frame could not be read.
#[derive(Debug)]
pub enum FrameError {
    /// The connection failed, or ended in the middle of a frame.
    Io(io::Error),
    /// The length says more than [`MAX_FRAME`]: nothing of it was read.
    TooLarge(u64),
    /// The bytes are not the value expected.
    Malformed(String),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Io(e) => write!(f, "{e}"),
            FrameError::TooLarge(n) => {
                write!(f, "a frame of {n} bytes is over the bound of {MAX_FRAME}")
            }
            FrameError::Malformed(e) => write!(f, "a malformed frame: {e}"),
        }
    }
}

impl From<io::Error> for FrameError {
    fn from(e: io::Error) -> Self {
        FrameError::Io(e)
    }
}

/// Writes one value as one frame, and flushes it.
pub fn write_frame<W: Write + ?Sized, T: Serialize>(w: &mut W, value: &T) -> io::Result<()> {
    w.write_all(&encode(value)?)?;
    w.flush()
}

/// One value as the bytes of its frame, length first.
pub fn encode<T: Serialize>(value: &T) -> io::Result<Vec<u8>> {
    let mut frame = vec![0u8; 4];
    serde_json::to_writer(&mut frame, value).map_err(io::Error::other)?;
    let len = u32::try_from(frame.len() - 4)
        .ok()
        .filter(|n| *n <= MAX_FRAME)
        .ok_or_else(|| {
            io::Error::other(FrameError::TooLarge(frame.len() as u64 - 4).to_string())
        })?;
    if let Some(head) = frame.get_mut(..4) {
        head.copy_from_slice(&len.to_be_bytes());
    }
    Ok(frame)
}

/// The frames of one message to a client, to be written one after another with nothing
/// between them: the message, and for a reply of [`Answer::Packed`] its bytes (a length,
/// then the bytes themselves, shared, not copied).
pub fn encode_to_client(message: &ToClient) -> io::Result<Vec<Arc<Vec<u8>>>> {
    let mut frames = vec![Arc::new(encode(message)?)];
    if let ToClient::Reply {
        result: Ok(Answer::Packed(p) | Answer::Text(p) | Answer::BackupPart(p)),
        ..
    } = message
    {
        let len = u32::try_from(p.bytes.len())
            .ok()
            .filter(|n| *n <= MAX_FRAME)
            .ok_or_else(|| io::Error::other(FrameError::TooLarge(p.len).to_string()))?;
        frames.push(Arc::new(len.to_be_bytes().to_vec()));
        frames.push(Arc::clone(&p.bytes));
    }
    Ok(frames)
}

/// Reads one message of the server, with the bytes that follow a reply of
/// [`Answer::Packed`]; `Ok(None)` at a clean end.
pub fn read_to_client<R: Read + ?Sized>(r: &mut R) -> Result<Option<ToClient>, FrameError> {
    let mut message: ToClient = match read(r)? {
        Some(m) => m,
        None => return Ok(None),
    };
    if let ToClient::Reply {
        result: Ok(Answer::Packed(p) | Answer::Text(p) | Answer::BackupPart(p)),
        ..
    } = &mut message
    {
        let body = read_frame(r)?
            .ok_or_else(|| FrameError::Io(io::Error::from(io::ErrorKind::UnexpectedEof)))?;
        if body.len() as u64 != p.len {
            return Err(FrameError::Malformed(format!(
                "{} bytes of packed summaries where the reply said {}",
                body.len(),
                p.len
            )));
        }
        p.bytes = Arc::new(body);
    }
    Ok(Some(message))
}

/// Reads the bytes of one frame. `Ok(None)` when the connection ended cleanly before it (the
/// other side closed between frames). Memory grows with what arrives, never with what the
/// length only claims.
pub fn read_frame<R: Read + ?Sized>(r: &mut R) -> Result<Option<Vec<u8>>, FrameError> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < len.len() {
        let Some(rest) = len.get_mut(got..) else {
            break;
        };
        match r.read(rest) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let len = u32::from_be_bytes(len);
    if len > MAX_FRAME {
        return Err(FrameError::TooLarge(u64::from(len)));
    }
    let mut body = Vec::with_capacity((len as usize).min(64 * 1024));
    r.take(u64::from(len)).read_to_end(&mut body)?;
    if body.len() != len as usize {
        return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
    }
    Ok(Some(body))
}

/// The value in a frame's bytes.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, FrameError> {
    serde_json::from_slice(body).map_err(|e| FrameError::Malformed(e.to_string()))
}

/// Reads one frame and the value in it; `Ok(None)` at a clean end.
pub fn read<R: Read + ?Sized, T: DeserializeOwned>(r: &mut R) -> Result<Option<T>, FrameError> {
    match read_frame(r)? {
        Some(body) => decode(&body).map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_round_trips_and_a_cut_or_oversized_one_is_an_error() {
        let hello = Hello::ours();
        let bytes = encode(&hello).unwrap();
        assert_eq!(&bytes[..4], &((bytes.len() - 4) as u32).to_be_bytes());
        let back: Hello = read(&mut &bytes[..]).unwrap().unwrap();
        assert_eq!(back, hello);
        assert!(read::<_, Hello>(&mut &[][..]).unwrap().is_none());
        assert!(matches!(
            read::<_, Hello>(&mut &bytes[..bytes.len() - 1]),
            Err(FrameError::Io(_))
        ));
        let huge = (MAX_FRAME + 1).to_be_bytes();
        assert!(matches!(
            read_frame(&mut &huge[..]),
            Err(FrameError::TooLarge(_))
        ));
        // packed summaries: the reply, then their bytes as a frame of their own
        let reply = ToClient::Reply {
            id: 7,
            result: Ok(Answer::Packed(Packed::from_bytes(
                0,
                Arc::new(b"abc".to_vec()),
            ))),
        };
        let sent: Vec<u8> = encode_to_client(&reply)
            .unwrap()
            .iter()
            .flat_map(|f| f.iter().copied())
            .collect();
        let Some(ToClient::Reply {
            id: 7,
            result: Ok(Answer::Packed(p)),
        }) = read_to_client(&mut &sent[..]).unwrap()
        else {
            panic!("not the reply sent");
        };
        assert_eq!(&p.bytes[..], b"abc");
        assert!(p.summaries().is_err());
        assert!(matches!(
            read_to_client(&mut &sent[..sent.len() - 1]),
            Err(FrameError::Io(_))
        ));
        let mut junk = 3u32.to_be_bytes().to_vec();
        junk.extend_from_slice(b"{x}");
        assert!(matches!(
            read::<_, Hello>(&mut &junk[..]),
            Err(FrameError::Malformed(_))
        ));
    }
}
