//! What is wrong with a damaged ledger, as plain data: the detail of
//! [`StoreError::Damaged`](super::StoreError::Damaged) and each of `verify`'s findings.
//! [`Damage::message`](super::message) words it in the user's language; text that comes
//! from a library (a decoder's complaint, a panic of the engine) stays a value in it.

use serde::{Deserialize, Serialize};

use super::layout::Family;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Damage {
    /// The engine's files are there but its data file `db` is not.
    DataFileMissing,
    /// The engine panicked while opening its files.
    EngineCannotOpen,
    /// The engine panicked while reading.
    EngineFailed {
        what: String,
    },
    /// The engine found damaged data at this byte of its data file.
    BadBytesAt {
        byte: u64,
    },
    /// The engine found damage it could not place.
    CutShort,
    /// The engine's files could not be read.
    FilesUnreadable {
        why: String,
    },
    /// Another error of the engine while opening.
    Engine {
        what: String,
    },
    SchemaUnreadable,
    SchemaMissing,
    CounterUnreadable,
    /// A chunk of derived entries does not decode (its key as text).
    ChunkUnreadable {
        family: Family,
        key: String,
    },
    ImportUnreadable {
        why: String,
    },
    ImportOffHistory,
    /// A case record does not decode (its key as text).
    RecordUnreadable {
        key: String,
        why: String,
    },
    /// A key of a case's history index is not one.
    HistoryIndexKeyBad,
    /// A key of the history is not one.
    HistoryKeyMalformed,
    EventMissing {
        seq: u64,
        case: String,
    },
    EventUnreadable {
        seq: u64,
        why: String,
    },
    AccountabilityUnreadable {
        why: String,
    },
    /// The history does not end at the ledger's head (found by a backup).
    HistoryNotAtHead,
    RosterEntryUnreadable {
        login: String,
        why: String,
    },
    RosterEntryHoldsOther {
        login: String,
        account: String,
    },
    /// `verify`: an event not at its place in the numbering.
    EventOutOfPlace {
        seq: u64,
        expected: u64,
    },
    /// `verify`: an event that does not follow the one before it.
    ChainBroken {
        seq: u64,
        case: String,
    },
    /// `verify`: an event whose hash does not match it.
    EventAltered {
        seq: u64,
        case: String,
    },
    /// `verify`: the history is shorter than the ledger's count of events.
    HistoryCut {
        ends_at: u64,
        recorded: u64,
    },
    /// `verify`: two entries of one case in a family.
    EntryTwice {
        family: Family,
        case: String,
    },
    CaseUnreadable {
        case: String,
        why: String,
    },
    CaseWithoutHistory {
        case: String,
    },
    /// `verify`: a case's record names another last event than its history.
    CaseOutOfStep {
        case: String,
        changed_by: u64,
        history_ends: u64,
    },
    CaseAltered {
        case: String,
    },
    EntryStale {
        case: String,
        family: Family,
    },
    EntryOfNoCase {
        family: Family,
        case: String,
    },
    RosterAltered,
    /// A voided case without its void mark, or a mark of a case not voided.
    VoidMarkStale {
        case: String,
    },
    /// A void mark of an id the ledger has no case of.
    VoidMarkOfNoCase {
        case: String,
    },
    /// The township accountability events differ from what their last history event
    /// recorded.
    AccountabilityAltered,
}
