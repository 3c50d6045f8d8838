//! How the store lays its values out in sled: the keys, the compressed case record, and the
//! chunks the list summaries are kept in. Nothing here touches sled itself.

use chrono::NaiveDate;

use crate::domain::{Counted, DueInputs, Stage, Summary, SUMMARY_NAMES};

pub fn case_key(id: &str) -> Vec<u8> {
    [b"c/", id.as_bytes()].concat()
}

/// The mark of a voided case (`v/<id>`, empty): such a case has no summary, and the mark
/// lets its id be found without regard to letter case and kept from being taken again.
pub fn void_key(id: &str) -> Vec<u8> {
    [VOID_PREFIX, id.as_bytes()].concat()
}

pub const VOID_PREFIX: &[u8] = b"v/";

pub fn event_key(seq: u64) -> Vec<u8> {
    [b"h/".as_slice(), &seq.to_be_bytes()].concat()
}

/// The index entries of one case: `x/<id>\0`, then each event's number.
pub fn index_prefix(id: &str) -> Vec<u8> {
    [b"x/", id.as_bytes(), b"\0"].concat()
}

pub fn index_key(id: &str, seq: u64) -> Vec<u8> {
    [index_prefix(id), seq.to_be_bytes().to_vec()].concat()
}

/// A case record on disk: [`COMPRESSED`], the number of the case's last event (u64), the
/// length of the case's JSON (u32, both little endian), then the JSON's LZ4 block: a third
/// of the bytes for sled to write on an import, and compressed on every core.
///
/// Schema 1 wrote `{"last_event":N,"case":…}` as it is; it starts with `{` and is still read.
pub fn encode_record(last_event: u64, case_json: &[u8]) -> Vec<u8> {
    let packed = lz4_flex::block::compress(case_json);
    let mut out = Vec::with_capacity(packed.len() + 13);
    out.push(COMPRESSED);
    out.extend_from_slice(&last_event.to_le_bytes());
    out.extend_from_slice(&(case_json.len() as u32).to_le_bytes());
    out.extend_from_slice(&packed);
    out
}

/// Sets the last event's number in a record from [`encode_record`], which a large import
/// encodes (on every core) before the history gives the numbers out.
pub fn set_last_event(record: &mut [u8], last_event: u64) {
    if let Some(b) = record.get_mut(1..9) {
        b.copy_from_slice(&last_event.to_le_bytes());
    }
}

const COMPRESSED: u8 = 1;
/// No case record comes near this; a larger length is damage, not a record to allocate for.
const MAX_RECORD: usize = 64 << 20;

/// What a stored record holds, whichever schema wrote it.
pub enum StoredRecord<'a> {
    /// Schema 1: the whole record as JSON.
    Json(&'a [u8]),
    /// Schema 2: the last event's number and the case's JSON.
    Compressed { last_event: u64, case_json: Vec<u8> },
}

pub fn read_record(v: &[u8]) -> Result<StoredRecord<'_>, String> {
    if v.first() != Some(&COMPRESSED) {
        return Ok(StoredRecord::Json(v));
    }
    let cut = "the record is cut short";
    let (last_event, rest) = v.get(1..).and_then(<[u8]>::split_first_chunk).ok_or(cut)?;
    let (len, compressed) = rest.split_first_chunk().ok_or(cut)?;
    let last_event = u64::from_le_bytes(*last_event);
    let len = u32::from_le_bytes(*len) as usize;
    if len > MAX_RECORD {
        return Err(format!("the record claims {len} bytes"));
    }
    let mut case_json = vec![0; len];
    match lz4_flex::block::decompress_into(compressed, &mut case_json) {
        Ok(n) if n == len => Ok(StoredRecord::Compressed {
            last_event,
            case_json,
        }),
        Ok(n) => Err(format!("the record holds {n} of its {len} bytes")),
        Err(e) => Err(format!("the record does not decompress: {e}")),
    }
}

/// Values derived from each case and kept in chunks of consecutive ids, written in the same
/// batch as the case: a whole-ledger read takes a few thousand values instead of one per
/// case, in id order, and a change rewrites one chunk of at most [`CHUNK_MAX`] entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Family {
    /// `s/`: the list summaries ([`Summary::encode`]), read at every open.
    Summaries,
    /// `k/`: what the counts read of each case (`domain::Counted`, JSON), read by the
    /// dashboard and `stats`; its chunks are LZ4-compressed.
    Counts,
    /// `r/`: each case's own fields ([`crate::domain::Case::own_fields`], JSON), all a row
    /// of the flat ledger shows: a server keeps every case's CSV row ready from them
    /// without reading the whole cases, a tenth of the bytes; LZ4-compressed like counts.
    Rows,
}

impl Family {
    pub const ALL: [Family; 3] = [Family::Summaries, Family::Counts, Family::Rows];

    pub fn prefix(self) -> &'static [u8] {
        match self {
            Family::Summaries => b"s/",
            Family::Counts => b"k/",
            Family::Rows => b"r/",
        }
    }

    /// A chunk's key is the prefix and the first id it may hold: the first chunk's is the
    /// prefix alone, and a chunk that grows past [`CHUNK_MAX`] is split into chunks of half
    /// that, each keyed by its first id. A case's entry lives in the chunk with the
    /// greatest key not above the prefix and its id.
    pub fn key(self, first_id: &str) -> Vec<u8> {
        [self.prefix(), first_id.as_bytes()].concat()
    }

    /// The chunks `entries` (id order) are written as: one under `key` if they fit, else
    /// pieces of half a chunk, the first under `key`.
    pub fn split(self, key: Vec<u8>, entries: Vec<(String, Vec<u8>)>) -> Vec<(Vec<u8>, Vec<u8>)> {
        if entries.len() <= CHUNK_MAX {
            return vec![(key, self.encode(&entries))];
        }
        entries
            .chunks(CHUNK_MAX / 2)
            .enumerate()
            .map(|(n, piece)| {
                // `chunks` yields no empty piece: each after the first has a first id.
                let k = match piece.first() {
                    Some((id, _)) if n > 0 => self.key(id),
                    _ => key.clone(),
                };
                (k, self.encode(piece))
            })
            .collect()
    }

    /// A chunk's bytes: for each entry its id's length (u16), the id, the value's length
    /// (u32, both little endian) and the value, in id order; LZ4-compressed for counts.
    fn encode(self, entries: &[(String, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::with_capacity(entries.iter().map(|(k, e)| k.len() + e.len() + 6).sum());
        for (id, e) in entries {
            out.extend_from_slice(&(id.len() as u16).to_le_bytes());
            out.extend_from_slice(id.as_bytes());
            out.extend_from_slice(&(e.len() as u32).to_le_bytes());
            out.extend_from_slice(e);
        }
        match self {
            Family::Summaries => out,
            Family::Counts | Family::Rows => lz4_flex::block::compress_prepend_size(&out),
        }
    }

    /// A chunk's entries (id, value) in order; `None` for bytes [`Family::encode`] did not
    /// write.
    pub fn entries(self, v: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::new();
        self.for_each_entry(v, |id, value| {
            out.push((id.to_string(), value.to_vec()));
            Some(())
        })?;
        Some(out)
    }

    /// Passes a chunk's entries (id, value) to `f` in order, without copying them; `None`
    /// for bytes [`Family::encode`] did not write, or as soon as `f` returns `None`.
    pub fn for_each_entry(
        self,
        v: &[u8],
        mut f: impl FnMut(&str, &[u8]) -> Option<()>,
    ) -> Option<()> {
        let unpacked;
        let v = match self {
            Family::Summaries => v,
            Family::Counts | Family::Rows => {
                let len = u32::from_le_bytes(v.get(..4)?.try_into().ok()?) as usize;
                if len > MAX_RECORD {
                    return None;
                }
                let mut out = vec![0; len];
                if lz4_flex::block::decompress_into(v.get(4..)?, &mut out).ok()? != len {
                    return None;
                }
                unpacked = out;
                &unpacked[..]
            }
        };
        let mut at = 0;
        while at < v.len() {
            let n = u16::from_le_bytes(v.get(at..at + 2)?.try_into().ok()?) as usize;
            let id = std::str::from_utf8(v.get(at + 2..at + 2 + n)?).ok()?;
            at += 2 + n;
            let m = u32::from_le_bytes(v.get(at..at + 4)?.try_into().ok()?) as usize;
            let value = v.get(at + 4..(at + 4).checked_add(m)?)?;
            at += 4 + m;
            f(id, value)?;
        }
        Some(())
    }
}

/// At most this many entries to a chunk: about 8 KB of summaries, small enough that sled
/// keeps a node of them in its log rather than in a file of its own.
pub const CHUNK_MAX: usize = 64;

/// The values of one chunk of `family`, each checked against the id it is filed under;
/// `None` for bytes that are no such chunk.
fn decode_chunk<T>(
    family: Family,
    v: &[u8],
    decode: impl Fn(&[u8]) -> Option<T>,
    id_of: fn(&T) -> &str,
) -> Option<Vec<T>> {
    let mut out = Vec::with_capacity(CHUNK_MAX);
    family.for_each_entry(v, |id, bytes| {
        out.push(decode(bytes).filter(|t| id_of(t) == id)?);
        Some(())
    })?;
    Some(out)
}

pub fn decode_summaries(v: &[u8]) -> Option<Vec<Summary>> {
    decode_chunk(Family::Summaries, v, decode_summary, |s| s.id())
}

/// A summary's compact binary form: fixed fields, then length-prefixed names.
pub fn encode_summary(s: &Summary) -> Vec<u8> {
    let parts = s.parts();
    let mut b = Vec::with_capacity(64 + parts.iter().map(|p| p.len()).sum::<usize>());
    b.push(s.due.stage as u8);
    b.extend_from_slice(&s.year.to_le_bytes());
    for d in [
        Some(s.due.identified_on),
        s.due.paired_on,
        Some(s.due.deadline),
        s.due.first_open_task_due,
        s.last_visit,
    ] {
        b.extend_from_slice(&date_code(d).to_le_bytes());
    }
    for part in parts {
        b.extend_from_slice(&(part.len() as u32).to_le_bytes());
        b.extend_from_slice(part.as_bytes());
    }
    b
}

/// The inverse of [`encode_summary`]; `None` for bytes it did not write.
pub fn decode_summary(b: &[u8]) -> Option<Summary> {
    let mut r = Reader { b, at: 0 };
    let stage = *Stage::ALL.get(usize::from(*r.take(1)?.first()?))?;
    let year = i32::from_le_bytes(r.take(4)?.try_into().ok()?);
    let mut dates = [None; 5];
    for d in dates.iter_mut() {
        *d = date_of(i32::from_le_bytes(r.take(4)?.try_into().ok()?))?;
    }
    // The names are copied into one buffer and checked as UTF-8 once; each must still
    // end on a character boundary.
    let mut text = Vec::with_capacity(b.len().saturating_sub(r.at + 4 * SUMMARY_NAMES));
    let mut ends = [0; SUMMARY_NAMES];
    for end in ends.iter_mut() {
        let n = u32::from_le_bytes(r.take(4)?.try_into().ok()?) as usize;
        text.extend_from_slice(r.take(n)?);
        *end = text.len() as u32;
    }
    if r.at != b.len() {
        return None;
    }
    let [identified_on, paired_on, deadline, first_open_task_due, last_visit] = dates;
    let due = DueInputs {
        stage,
        identified_on: identified_on?,
        paired_on,
        deadline: deadline?,
        first_open_task_due,
    };
    Summary::from_packed(String::from_utf8(text).ok()?, ends, year, last_visit, due)
}

/// Many summaries in one buffer, in order: each [`encode_summary`]'s bytes with their
/// length (u32, little endian) before them. What a server sends a client for its list.
pub fn pack_summaries(summaries: &[Summary]) -> Vec<u8> {
    let mut out = Vec::with_capacity(summaries.len() * 96);
    for s in summaries {
        let b = encode_summary(s);
        out.extend_from_slice(&(b.len() as u32).to_le_bytes());
        out.extend_from_slice(&b);
    }
    out
}

/// The inverse of [`pack_summaries`]; `None` for bytes it did not write. Decoded on up to
/// one thread per core (a county's 100,000 summaries are read at every TUI start).
pub fn unpack_summaries(b: &[u8]) -> Option<Vec<Summary>> {
    let mut parts = Vec::new();
    let mut rest = b;
    while let Some((len, after)) = rest.split_first_chunk::<4>() {
        let n = u32::from_le_bytes(*len) as usize;
        parts.push(after.get(..n)?);
        rest = after.get(n..)?;
    }
    if !rest.is_empty() {
        return None;
    }
    let chunks: Vec<&[&[u8]]> = parts.chunks(4096).collect();
    crate::par::map(chunks, |chunk| {
        chunk
            .iter()
            .map(|b| decode_summary(b))
            .collect::<Option<Vec<Summary>>>()
    })
    .into_iter()
    .try_fold(Vec::with_capacity(parts.len()), |mut all, part| {
        all.extend(part?);
        Some(all)
    })
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
}

/// Days since 0001-01-01 (CE day count), with `i32::MIN` for "none".
fn date_code(d: Option<NaiveDate>) -> i32 {
    use chrono::Datelike;
    d.map_or(i32::MIN, |d| d.num_days_from_ce())
}

/// `Some(None)` for "none", `None` for a code that is no date.
fn date_of(code: i32) -> Option<Option<NaiveDate>> {
    if code == i32::MIN {
        Some(None)
    } else {
        NaiveDate::from_num_days_from_ce_opt(code).map(Some)
    }
}

pub fn decode_counts(v: &[u8]) -> Option<Vec<Counted>> {
    decode_chunk(
        Family::Counts,
        v,
        |b| serde_json::from_slice(b).ok(),
        |c| &c.id,
    )
}

/// The cases' own fields in a chunk of [`Family::Rows`].
pub fn decode_rows(v: &[u8]) -> Option<Vec<crate::domain::Case>> {
    decode_chunk(
        Family::Rows,
        v,
        |b| serde_json::from_slice(b).ok(),
        |c| &c.id,
    )
}

/// What is wrong with a chunk that does not decode, for a message.
pub fn unreadable_chunk(family: Family, key: &[u8]) -> super::Damage {
    super::Damage::ChunkUnreadable {
        family,
        key: String::from_utf8_lossy(key).escape_debug().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::Names;

    #[test]
    fn summaries_encode_decode_round_trip_and_refuse_garbage() {
        let s = Summary::new(
            Names {
                id: "2017-YG-003",
                county: "阳谷县",
                township: "阿城镇",
                village: "前进村",
                county_leader: "王建国",
                township_leader: "",
                first_secretary: "张伟",
            },
            2017,
            NaiveDate::from_ymd_opt(2017, 4, 2),
            DueInputs {
                stage: Stage::Paired,
                identified_on: NaiveDate::from_ymd_opt(2017, 3, 10).unwrap(),
                paired_on: NaiveDate::from_ymd_opt(2017, 3, 25),
                deadline: NaiveDate::from_ymd_opt(2017, 12, 31).unwrap(),
                first_open_task_due: None,
            },
        );
        assert_eq!(
            (
                s.id(),
                s.county(),
                s.village(),
                s.township_leader(),
                s.first_secretary()
            ),
            ("2017-YG-003", "阳谷县", "前进村", "", "张伟")
        );
        let b = encode_summary(&s);
        assert_eq!(decode_summary(&b), Some(s.clone()));
        // many at once, as a server sends them; cut or padded, refused
        let many: Vec<Summary> = std::iter::repeat_n(s.clone(), 5000).collect();
        let packed = pack_summaries(&many);
        assert_eq!(unpack_summaries(&packed), Some(many));
        assert_eq!(unpack_summaries(&packed[..packed.len() - 1]), None);
        assert_eq!(unpack_summaries(&[]), Some(Vec::new()));
        assert_eq!(unpack_summaries(&[1, 0, 0, 0, 7]), None);
        assert_eq!(decode_summary(&b[..b.len() - 1]), None);
        assert_eq!(decode_summary(b"garbage"), None);
        let mut extra = b.clone();
        extra.push(0);
        assert_eq!(decode_summary(&extra), None);
        // names one after another: UTF-8 each, then UTF-8 together but "阳" cut between the
        // id and the county
        let header = 1 + 4 + 5 * 4; // stage, year, five dates
        let with_names = |names: [&[u8]; 7]| {
            let mut v = b[..header].to_vec();
            for part in names {
                v.extend_from_slice(&(part.len() as u32).to_le_bytes());
                v.extend_from_slice(part);
            }
            v
        };
        let yang = "阳".as_bytes();
        let whole = decode_summary(&with_names([b"A-1", yang, b"", b"", b"", b"", b"x"]));
        assert_eq!(
            whole
                .as_ref()
                .map(|s| (s.id(), s.county(), s.township(), s.first_secretary())),
            Some(("A-1", "阳", "", "x"))
        );
        let cut = with_names([&yang[..2], &yang[2..], b"", b"", b"", b"", b""]);
        assert_eq!(decode_summary(&cut), None);
    }

    use super::*;

    #[test]
    fn records_round_trip_and_damage_is_refused() {
        let mut v = encode_record(0, br#"{"id":"A-1"}"#);
        set_last_event(&mut v, 7);
        match read_record(&v) {
            Ok(StoredRecord::Compressed {
                last_event,
                case_json,
            }) => assert_eq!((last_event, &case_json[..]), (7, &br#"{"id":"A-1"}"#[..])),
            _ => panic!("not read back"),
        }
        // schema 1 records are plain JSON
        assert!(matches!(
            read_record(b"{\"a\":1}"),
            Ok(StoredRecord::Json(b"{\"a\":1}"))
        ));
        assert!(read_record(&v[..3]).is_err());
        assert!(read_record(&v[..v.len() - 2]).is_err());
        let mut huge = v.clone();
        huge[9..13].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(read_record(&huge).is_err());
    }

    #[test]
    fn full_chunks_split_in_halves_keyed_by_their_first_id() {
        for family in Family::ALL {
            let entries: Vec<(String, Vec<u8>)> = (0..CHUNK_MAX + 1)
                .map(|n| (format!("A-{n:04}"), vec![n as u8; 3]))
                .collect();
            let one = family.split(family.key(""), entries[..CHUNK_MAX].to_vec());
            assert_eq!(one.len(), 1);
            assert_eq!(
                family.entries(&one[0].1).unwrap(),
                entries[..CHUNK_MAX].to_vec()
            );
            let pieces = family.split(family.key(""), entries.clone());
            let keys: Vec<Vec<u8>> = pieces.iter().map(|(k, _)| k.clone()).collect();
            let half = CHUNK_MAX / 2;
            assert_eq!(
                keys,
                vec![
                    family.key(""),
                    family.key(&format!("A-{half:04}")),
                    family.key(&format!("A-{:04}", 2 * half))
                ]
            );
            let back: Vec<_> = pieces
                .iter()
                .flat_map(|(_, v)| family.entries(v).unwrap())
                .collect();
            assert_eq!(back, entries);
            let bytes = &pieces[0].1;
            assert_eq!(family.entries(&bytes[..bytes.len() - 1]), None);
        }
    }
}
