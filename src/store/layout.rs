//! How the store lays its values out in sled: the keys, the compressed case record, and the
//! chunks the list summaries are kept in. Nothing here touches sled itself.

use std::collections::BTreeMap;

use crate::domain::Summary;

pub fn case_key(id: &str) -> Vec<u8> {
    [b"c/", id.as_bytes()].concat()
}

pub fn event_key(seq: u64) -> Vec<u8> {
    [b"h/".as_slice(), &seq.to_be_bytes()].concat()
}

pub fn index_key(id: &str, seq: u64) -> Vec<u8> {
    [b"x/", id.as_bytes(), b"\0", &seq.to_be_bytes()].concat()
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
    let header = v.get(1..13).ok_or("the record is cut short")?;
    let last_event = u64::from_le_bytes(header[..8].try_into().unwrap_or_default());
    let len = u32::from_le_bytes(header[8..].try_into().unwrap_or_default()) as usize;
    if len > MAX_RECORD {
        return Err(format!("the record claims {len} bytes"));
    }
    let mut case_json = vec![0; len];
    match lz4_flex::block::decompress_into(&v[13..], &mut case_json) {
        Ok(n) if n == len => Ok(StoredRecord::Compressed {
            last_event,
            case_json,
        }),
        Ok(n) => Err(format!("the record holds {n} of its {len} bytes")),
        Err(e) => Err(format!("the record does not decompress: {e}")),
    }
}

/// The list summaries are kept in chunks of consecutive ids, so a list of the whole ledger
/// reads a few thousand values rather than one per case, in id order, and a change
/// rewrites one chunk of at most this many summaries (about 8 KB: small enough that sled
/// keeps a node of them in its log rather than in a file of its own).
pub const CHUNK_MAX: usize = 64;

/// A chunk's key is `s/` and the first id it may hold: the first chunk's is `s/` alone, and
/// a chunk that grows past [`CHUNK_MAX`] is split into chunks of half that, each keyed by
/// its first id. A case's summary lives in the chunk with the greatest key not above
/// `s/<id>`.
pub fn chunk_key(first_id: &str) -> Vec<u8> {
    [b"s/", first_id.as_bytes()].concat()
}

/// The chunks `entries` (id order) are written as: one under `key` if they fit, else
/// pieces of half a chunk, the first under `key`.
pub fn split_chunk(key: Vec<u8>, entries: Vec<(String, Vec<u8>)>) -> Vec<(Vec<u8>, Vec<u8>)> {
    if entries.len() <= CHUNK_MAX {
        return vec![(key, encode_chunk(&entries))];
    }
    entries
        .chunks(CHUNK_MAX / 2)
        .enumerate()
        .map(|(n, piece)| {
            let k = if n == 0 {
                key.clone()
            } else {
                chunk_key(&piece[0].0)
            };
            (k, encode_chunk(piece))
        })
        .collect()
}

/// A chunk's bytes: each summary's length (u32, little endian) and its
/// [`Summary::encode`] bytes, in id order.
fn encode_chunk(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.iter().map(|(_, e)| e.len() + 4).sum());
    for (_, e) in entries {
        out.extend_from_slice(&(e.len() as u32).to_le_bytes());
        out.extend_from_slice(e);
    }
    out
}

/// The summaries of one chunk; `None` for bytes [`encode_chunk`] did not write.
pub fn decode_chunk(v: &[u8], out: &mut Vec<Summary>) -> Option<()> {
    let mut at = 0;
    while at < v.len() {
        let n = u32::from_le_bytes(v.get(at..at + 4)?.try_into().ok()?) as usize;
        at += 4;
        out.push(Summary::decode(v.get(at..at.checked_add(n)?)?)?);
        at += n;
    }
    Some(())
}

/// A chunk's entries by id, ready to be changed and written back.
pub fn chunk_entries(v: &[u8]) -> Option<BTreeMap<String, Vec<u8>>> {
    let mut summaries = Vec::new();
    decode_chunk(v, &mut summaries)?;
    Some(
        summaries
            .into_iter()
            .map(|s| {
                let bytes = s.encode();
                (s.id, bytes)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
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
        let entries: Vec<(String, Vec<u8>)> = (0..CHUNK_MAX + 1)
            .map(|n| (format!("A-{n:04}"), vec![n as u8]))
            .collect();
        assert_eq!(
            split_chunk(chunk_key(""), entries[..CHUNK_MAX].to_vec()).len(),
            1
        );
        let pieces = split_chunk(chunk_key(""), entries);
        let keys: Vec<Vec<u8>> = pieces.iter().map(|(k, _)| k.clone()).collect();
        let half = CHUNK_MAX / 2;
        assert_eq!(
            keys,
            vec![
                chunk_key(""),
                chunk_key(&format!("A-{half:04}")),
                chunk_key(&format!("A-{:04}", 2 * half))
            ]
        );
        assert_eq!(pieces[2].1, vec![1, 0, 0, 0, CHUNK_MAX as u8]);
    }
}
