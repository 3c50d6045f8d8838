//! Damaged databases, through the real binary: flipped bytes, cut files, missing files, a
//! foreign directory, a newer schema. Each ends, in bounded time, either in a clear one-line
//! message and exit code 3 (what is wrong, and to restore from a backup or an export), or —
//! where the damage touched nothing live — in the same ledger as before. Never a panic.
//! Also: `verify` names what was tampered with, and backup/restore round-trips.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use zhengdun::store::{layout, Store};

mod common;
use common::BIN;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary, killing it if it has not ended after a generous bound: a hang fails.
fn zd(db: &Path, args: &[&str]) -> Run {
    let out_dir = tempfile::tempdir().unwrap();
    let (o, e) = (out_dir.path().join("o"), out_dir.path().join("e"));
    let mut child = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(["--lang", "en", "--today", "2017-04-01", "--as", "test"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&o).unwrap())
        .stderr(fs::File::create(&e).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("zhengdun {args:?} on {} hung", db.display());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: fs::read_to_string(o).unwrap(),
        stderr: fs::read_to_string(e).unwrap(),
    }
}

fn ledger(n: usize) -> String {
    let cases: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id":"2017-D-{i:04}","year":2017,"county":"阳谷县","township":"阿城镇","village":"第{i}村","situations":["poor_service"],"problems":"{}","identified_on":"2017-03-10","stage":"identified"}}"#,
                "组织涣散".repeat(i % 7)
            )
        })
        .collect();
    format!(r#"{{"format":"zhengdun/1","cases":[{}]}}"#, cases.join(","))
}

/// A ledger of 400 cases with a few actions, and its export (what "unchanged" means).
fn make_db(root: &Path) -> (PathBuf, String) {
    let db = root.join("ledger");
    let file = root.join("in.json");
    fs::write(&file, ledger(400)).unwrap();
    let r = zd(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for i in 0..5 {
        let id = format!("2017-D-{i:04}");
        let r = zd(
            &db,
            &[
                "visit",
                &id,
                "--kind",
                "unannounced",
                "--findings",
                "见到书记",
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let export = zd(&db, &["export", "--format", "json"]);
    assert_eq!(export.code, 0);
    (db, export.stdout)
}

/// The last event and the case JSON of a record as the store writes it.
fn compressed_record(v: &[u8]) -> (u64, Vec<u8>) {
    match layout::read_record(v).unwrap() {
        layout::StoredRecord::Compressed {
            last_event,
            case_json,
        } => (last_event, case_json),
        layout::StoredRecord::Json(_) => panic!("the store wrote an uncompressed record"),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// The damaged-database message: one line, exit 3, says what and what to do.
fn assert_damaged(r: &Run, what: &str, context: &str) {
    assert_eq!(r.code, 3, "{context}: exit {} with {}", r.code, r.stderr);
    let msg = r.stderr.trim_end();
    assert!(
        !msg.contains("panicked") && !msg.contains("RUST_BACKTRACE"),
        "{context}: {msg}"
    );
    assert_eq!(msg.lines().count(), 1, "{context}: not one line: {msg}");
    assert!(
        msg.contains(what),
        "{context}: '{msg}' does not say '{what}'"
    );
    println!("{context}: {msg}");
    assert!(
        msg.contains("restore it from a backup") || msg.contains("upgrade"),
        "{context}: {msg}"
    );
}

/// Either the same ledger as before (the damage hit no live data), or the damaged message.
/// Returns whether the damage was reported.
fn same_or_damaged(db: &Path, before: &str, context: &str) -> bool {
    let v = zd(db, &["verify"]);
    if v.code == 0 {
        let now = zd(db, &["export", "--format", "json"]);
        if now.code == 0 {
            assert_eq!(
                now.stdout, before,
                "{context}: verify passed but the ledger changed"
            );
            return false;
        }
        assert_damaged(&now, "damaged", context);
        return true;
    }
    if v.code == 3 && v.stderr.contains("verify found") {
        assert!(
            !v.stdout.trim().is_empty(),
            "{context}: verify named no problem"
        );
        return true;
    }
    assert_damaged(&v, "damaged", context);
    true
}

/// Flips bits at `n` places of `path` chosen by `seed` (splitmix64).
fn flip(path: &Path, seed: u64, n: usize) {
    let mut bytes = fs::read(path).unwrap();
    let mut s = seed;
    let mut next = || {
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for _ in 0..n {
        let i = (next() % bytes.len() as u64) as usize;
        bytes[i] ^= 1 << (next() % 8);
    }
    fs::write(path, bytes).unwrap();
}

#[test]
fn flipped_bytes_are_reported_or_harmless() {
    let root = tempfile::tempdir().unwrap();
    let (db, before) = make_db(root.path());
    let mut reported = 0;
    let rounds = 24;
    for seed in 0..rounds {
        let copy = root.path().join(format!("flip{seed}"));
        copy_dir(&db, &copy);
        // From a single bit to many: a single one often lands in space sled no longer uses.
        let n = [1, 4, 32, 256][seed as usize % 4];
        flip(&copy.join("db"), seed, n);
        if same_or_damaged(&copy, &before, &format!("seed {seed}, {n} flipped bits")) {
            reported += 1;
        }
        fs::remove_dir_all(&copy).unwrap();
    }
    // 256 flipped bits over a file this size always hit live data.
    assert!(
        reported >= rounds / 4,
        "only {reported} of {rounds} damaged files were noticed"
    );
    println!("flipped bytes: {reported} of {rounds} damaged files reported, the rest unchanged");
}

#[test]
fn a_cut_data_file_is_reported() {
    let root = tempfile::tempdir().unwrap();
    let (db, before) = make_db(root.path());
    let len = fs::metadata(db.join("db")).unwrap().len();
    let mut reported = 0;
    let cuts = [0, 100, len / 10, len / 3, len / 2, len * 2 / 3, len * 4 / 5];
    for (i, keep) in cuts.into_iter().enumerate() {
        let copy = root.path().join(format!("cut{i}"));
        copy_dir(&db, &copy);
        fs::OpenOptions::new()
            .write(true)
            .open(copy.join("db"))
            .unwrap()
            .set_len(keep)
            .unwrap();
        let context = format!("db cut to {keep} of {len} bytes");
        if keep <= 100 {
            // Without its header the file cannot be read at all.
            assert_damaged(&zd(&copy, &["verify"]), "is damaged (its ", &context);
            reported += 1;
        } else if same_or_damaged(&copy, &before, &context) {
            // sled reuses the file's space, so a cut may only remove space it no longer uses.
            reported += 1;
        }
    }
    assert!(
        reported >= 4,
        "only {reported} of {} cut files were noticed",
        cuts.len()
    );
    // Cutting only the unused tail of the file changes nothing.
    let copy = root.path().join("cut-tail");
    copy_dir(&db, &copy);
    let bytes = fs::read(copy.join("db")).unwrap();
    let used = sled_log_end(&bytes);
    println!(
        "unused tail: {} of {} bytes",
        bytes.len() - used,
        bytes.len()
    );
    fs::write(copy.join("db"), &bytes[..used]).unwrap();
    assert!(!same_or_damaged(&copy, &before, "unused tail cut"));
}

/// sled's segments (0.34: 512 KiB, the store does not change it) and the header that
/// starts each one.
const SEGMENT: usize = 512 * 1024;
const SEGMENT_HEADER: usize = 20;

/// Where what sled wrote into the file's last segment ends: after its last message. The
/// bytes after it are unused (a freed segment is zeroed before it is used again), while
/// the last message itself may well end in zero bytes — so "the last byte that is not
/// zero" is not where the used part ends.
fn sled_log_end(bytes: &[u8]) -> usize {
    let start = bytes.len().saturating_sub(1) / SEGMENT * SEGMENT;
    if bytes[start..].iter().take(SEGMENT_HEADER).all(|b| *b == 0) {
        return start; // a freed segment, all of it unused
    }
    // a message: crc32 (4 bytes), kind (1; 0 marks no message), then as sled's varints
    // its length, segment number and page id, then the length's bytes
    let mut at = start + SEGMENT_HEADER;
    loop {
        let Some(&kind) = bytes.get(at + 4) else {
            return bytes.len();
        };
        if kind == 0 {
            return at;
        }
        let mut p = at + 5;
        let mut varint = || {
            let first = bytes[p];
            let (value, size) = match first {
                0..=240 => (u64::from(first), 1),
                241..=248 => (
                    240 + 256 * (u64::from(first) - 241) + u64::from(bytes[p + 1]),
                    2,
                ),
                249 => (
                    2288 + 256 * u64::from(bytes[p + 1]) + u64::from(bytes[p + 2]),
                    3,
                ),
                _ => {
                    let n = usize::from(first - 247);
                    let mut le = [0u8; 8];
                    le[..n].copy_from_slice(&bytes[p + 1..p + 1 + n]);
                    (u64::from_le_bytes(le), n + 1)
                }
            };
            p += size;
            value
        };
        let len = varint();
        let _segment = varint();
        let _page = varint();
        at = p + usize::try_from(len).unwrap();
        if at >= bytes.len() {
            return bytes.len();
        }
    }
}

#[test]
fn missing_files() {
    let root = tempfile::tempdir().unwrap();
    let (db, before) = make_db(root.path());

    let copy = root.path().join("no-db");
    copy_dir(&db, &copy);
    fs::remove_file(copy.join("db")).unwrap();
    assert_damaged(
        &zd(&copy, &["list"]),
        "the data file 'db' is missing",
        "db removed",
    );
    // Also without the lock file of an earlier run.
    fs::remove_file(copy.join("zhengdun.lock")).unwrap();
    assert_damaged(
        &zd(&copy, &["list"]),
        "the data file 'db' is missing",
        "db and lock removed",
    );

    // sled rebuilds its small 'conf' file and its snapshots from the data file: nothing lost.
    for gone in ["conf", "snap"] {
        let copy = root.path().join(format!("no-{gone}"));
        copy_dir(&db, &copy);
        for e in fs::read_dir(&copy).unwrap() {
            let e = e.unwrap();
            if e.file_name().to_string_lossy().starts_with(gone) {
                fs::remove_file(e.path()).unwrap();
            }
        }
        assert!(!same_or_damaged(&copy, &before, &format!("{gone} removed")));
    }
}

#[test]
fn a_snapshot_left_half_written_by_a_killed_process_is_ignored() {
    // sled writes snapshots to snap.<lsn>.generating and renames them when complete; a kill
    // in between leaves a cut one behind, which sled 0.34 would read and call corruption.
    let root = tempfile::tempdir().unwrap();
    let (db, before) = make_db(root.path());
    for name in [
        "snap.0000000000000001.generating",
        "snap.FFFFFFFFFFFFFFFF.generating",
    ] {
        fs::write(db.join(name), b"half a snapshot").unwrap();
    }
    assert!(!same_or_damaged(&db, &before, "half-written snapshots"));
    let left: Vec<String> = fs::read_dir(&db)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".generating"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn damaged_snapshot_files_are_reported() {
    let root = tempfile::tempdir().unwrap();
    let (db, _) = make_db(root.path());
    let snaps: Vec<PathBuf> = fs::read_dir(&db)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("snap.")
        })
        .collect();
    assert!(!snaps.is_empty(), "sled wrote no snapshot here");
    for (i, how) in ["flip", "cut"].iter().enumerate() {
        let copy = root.path().join(format!("snap{i}"));
        copy_dir(&db, &copy);
        for s in &snaps {
            let p = copy.join(s.file_name().unwrap());
            if *how == "flip" {
                flip(&p, 7, 3);
            } else {
                fs::OpenOptions::new()
                    .write(true)
                    .open(&p)
                    .unwrap()
                    .set_len(20)
                    .unwrap();
            }
        }
        assert_damaged(&zd(&copy, &["list"]), "damaged", &format!("snapshot {how}"));
    }
}

#[test]
fn not_a_database() {
    let root = tempfile::tempdir().unwrap();
    let foreign = root.path().join("photos");
    fs::create_dir(&foreign).unwrap();
    fs::write(foreign.join("a.jpg"), b"\xff\xd8").unwrap();
    let r = zd(&foreign, &["list"]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains("is not a zhengdun database"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--db"), "{}", r.stderr);
    assert!(
        fs::read_dir(&foreign).unwrap().count() == 1,
        "something was written into a foreign directory"
    );

    let file = root.path().join("notes.txt");
    fs::write(&file, "x").unwrap();
    let r = zd(&file, &["list"]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains("is not a zhengdun database"),
        "{}",
        r.stderr
    );

    // A data file of random bytes where sled's would be.
    let (db, _) = make_db(root.path());
    let len = fs::metadata(db.join("db")).unwrap().len() as usize;
    let noise: Vec<u8> = (0..len)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    fs::write(db.join("db"), noise).unwrap();
    assert_damaged(&zd(&db, &["list"]), "damaged", "random data file");
}

#[test]
fn a_newer_schema_is_refused_with_upgrade_advice() {
    let root = tempfile::tempdir().unwrap();
    let (db, _) = make_db(root.path());
    {
        let store = Store::open(&db).unwrap();
        store
            .raw()
            .insert(b"m/schema", &99u64.to_be_bytes())
            .unwrap();
        store.sync().unwrap();
    }
    let r = zd(&db, &["list"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let newer = format!(
        "newer zhengdun (schema 99, this build reads {})",
        zhengdun::store::SCHEMA_VERSION
    );
    assert!(r.stderr.contains(&newer), "{}", r.stderr);
    assert!(r.stderr.contains("upgrade zhengdun"), "{}", r.stderr);
    // An unreadable schema mark is damage, not a version.
    {
        let store = Store::open(&root.path().join("other")).unwrap();
        store.raw().insert(b"m/schema", b"v2".as_slice()).unwrap();
        store.sync().unwrap();
    }
    assert_damaged(
        &zd(&root.path().join("other"), &["list"]),
        "unreadable schema version",
        "bad schema",
    );
}

#[test]
fn verify_names_what_was_tampered_with() {
    let root = tempfile::tempdir().unwrap();
    let (db, _) = make_db(root.path());
    let key = |id: &str| [b"c/".as_slice(), id.as_bytes()].concat();
    {
        let store = Store::open(&db).unwrap();
        let raw = store.raw();
        // An edited case record, written back as the store writes records.
        let v = raw.get(key("2017-D-0001")).unwrap().unwrap();
        let (last_event, case_json) = compressed_record(&v);
        let edited = String::from_utf8(case_json)
            .unwrap()
            .replace("第1村", "第9村");
        raw.insert(
            key("2017-D-0001"),
            layout::encode_record(last_event, edited.as_bytes()),
        )
        .unwrap();
        // A record that no longer decodes.
        raw.insert(key("2017-D-0002"), b"{not json".as_slice())
            .unwrap();
        // The last history event removed.
        let last = raw.scan_prefix(b"h/").last().unwrap().unwrap().0;
        raw.remove(last).unwrap();
        store.sync().unwrap();
    }
    let r = zd(&db, &["verify"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("case 2017-D-0001 differs from what its history recorded"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("case 2017-D-0002 is unreadable"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("the latest events were removed"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("verify found 4 problem(s)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("restore from a backup"), "{}", r.stderr);
}

#[test]
fn backup_and_restore_bring_back_cases_and_history() {
    let root = tempfile::tempdir().unwrap();
    let (db, before) = make_db(root.path());
    let file = root.path().join("backup.json");
    let r = zd(&db, &["backup", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("400 cases, 405 history events"),
        "{}",
        r.stdout
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // The ledger stays usable after a backup.
    assert_eq!(
        zd(
            &db,
            &[
                "visit",
                "2017-D-0009",
                "--kind",
                "routine",
                "--findings",
                "x"
            ]
        )
        .code,
        0
    );

    let restored = root.path().join("restored");
    let r = zd(&restored, &["restore", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("restored 400 cases, 405 history events"),
        "{}",
        r.stdout
    );
    assert_eq!(zd(&restored, &["verify"]).code, 0);
    assert_eq!(
        zd(&restored, &["export", "--format", "json"]).stdout,
        before
    );
    let show = zd(&restored, &["show", "2017-D-0003"]);
    assert!(show.stdout.contains("见到书记"), "{}", show.stdout);
    // A change after restore continues the chain.
    assert_eq!(
        zd(
            &restored,
            &[
                "visit",
                "2017-D-0003",
                "--kind",
                "routine",
                "--findings",
                "y"
            ]
        )
        .code,
        0
    );
    assert_eq!(zd(&restored, &["verify"]).code, 0);

    // Restoring into a ledger that already holds cases is refused, and writes nothing.
    let r = zd(&restored, &["restore", file.to_str().unwrap()]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("is not empty"), "{}", r.stderr);

    // An edited backup is refused, and nothing is written.
    let edited = root.path().join("edited.json");
    fs::write(
        &edited,
        fs::read_to_string(&file).unwrap().replace("第5村", "第6村"),
    )
    .unwrap();
    let empty = root.path().join("empty");
    let r = zd(&empty, &["restore", edited.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("case 2017-D-0005 differs from what its history recorded"),
        "{}",
        r.stderr
    );
    assert!(
        !empty.exists(),
        "a refused restore into a new ledger leaves none"
    );

    // `import` takes a backup's cases into another ledger.
    let other = root.path().join("other");
    let r = zd(&other, &["import", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("imported 400 cases"), "{}", r.stdout);
}

#[test]
fn the_database_and_exports_are_private() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let (db, _) = make_db(root.path());
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&db), 0o700);
        let mut seen = 0;
        for e in fs::read_dir(&db).unwrap() {
            let p = e.unwrap().path();
            let m = mode(&p);
            assert_eq!(m & 0o077, 0, "{} is mode {m:o}", p.display());
            seen += 1;
        }
        assert!(seen >= 3);
        let out = root.path().join("out.json");
        assert_eq!(
            zd(
                &db,
                &["export", "--format", "json", "-o", out.to_str().unwrap()]
            )
            .code,
            0
        );
        assert_eq!(mode(&out), 0o600);
        let out = root.path().join("out.csv");
        assert_eq!(
            zd(
                &db,
                &["export", "--format", "csv", "-o", out.to_str().unwrap()]
            )
            .code,
            0
        );
        assert_eq!(mode(&out), 0o600);
    }
}

/// A ledger written by schema 1 (one summary per `s/<id>`, records as plain JSON) opens,
/// is brought up to the current schema in one step, and reads and verifies as before.
#[test]
fn a_schema_1_ledger_is_upgraded_when_opened() {
    use zhengdun::domain::Summary;
    let root = tempfile::tempdir().unwrap();
    let (db, export) = make_db(root.path());
    let list = zd(&db, &["list", "--format", "csv"]).stdout;
    {
        let store = Store::open(&db).unwrap();
        let raw = store.raw();
        // schema 1 had one summary per case, and no counts or rows
        for prefix in [b"s/", b"k/", b"r/"] {
            for kv in raw.scan_prefix(prefix) {
                raw.remove(kv.unwrap().0).unwrap();
            }
        }
        for kv in raw.scan_prefix(b"c/") {
            let (k, v) = kv.unwrap();
            let (last_event, case_json) = compressed_record(&v);
            let case: zhengdun::domain::Case = serde_json::from_slice(&case_json).unwrap();
            let id = case.id.clone();
            raw.insert(
                [b"s/", id.as_bytes()].concat(),
                zhengdun::store::layout::encode_summary(&Summary::of(&case)),
            )
            .unwrap();
            let old = serde_json::json!({ "last_event": last_event, "case": case });
            raw.insert(k, serde_json::to_vec(&old).unwrap()).unwrap();
        }
        raw.insert(b"m/schema", &1u64.to_be_bytes()).unwrap();
        store.sync().unwrap();
    }
    let r = zd(&db, &["list", "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, list);
    assert_eq!(zd(&db, &["export", "--format", "json"]).stdout, export);
    let v = zd(&db, &["verify"]);
    assert!(
        v.stdout.contains("400 cases") && v.stdout.contains("chain intact"),
        "{}",
        v.stdout
    );
    let store = Store::open(&db).unwrap();
    let schema = store.raw().get(b"m/schema").unwrap().unwrap();
    assert_eq!(
        schema.as_ref(),
        &zhengdun::store::SCHEMA_VERSION.to_be_bytes()
    );
    assert_eq!(store.summaries().unwrap().len(), 400);
    assert_eq!(store.counted().unwrap().len(), 400);
    let mut rows = 0;
    store.for_each_row(|_| rows += 1).unwrap();
    assert_eq!(rows, 400);
    // A change after the upgrade writes the new layout beside the old records.
    drop(store);
    let r = zd(
        &db,
        &[
            "visit",
            "2017-D-0300",
            "--kind",
            "visit",
            "--findings",
            "升级后走访",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(zd(&db, &["verify"]).stdout.contains("chain intact"));
}

/// A ledger written by schema 2 (no rows family: each case's own fields) gains it when
/// opened, and lists and verifies as before.
#[test]
fn a_schema_2_ledger_gains_its_rows_when_opened() {
    let root = tempfile::tempdir().unwrap();
    let (db, _) = make_db(root.path());
    let list = zd(&db, &["list", "--format", "csv"]).stdout;
    {
        let store = Store::open(&db).unwrap();
        let raw = store.raw();
        for kv in raw.scan_prefix(b"r/") {
            raw.remove(kv.unwrap().0).unwrap();
        }
        raw.insert(b"m/schema", &2u64.to_be_bytes()).unwrap();
        store.sync().unwrap();
    }
    let v = zd(&db, &["verify"]);
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    assert!(v.stdout.contains("chain intact"), "{}", v.stdout);
    assert_eq!(zd(&db, &["list", "--format", "csv"]).stdout, list);
    let store = Store::open(&db).unwrap();
    let mut rows = 0;
    store.for_each_row(|_| rows += 1).unwrap();
    assert_eq!(rows, 400);
}

/// A large import is written in parts behind a marker: a process that dies after a part
/// (debug builds: ZHENGDUN_TEST_DIE_IN_IMPORT) leaves nothing of the import once the ledger
/// is opened again, and the same import then goes through whole.
#[test]
fn an_import_that_dies_between_its_parts_leaves_nothing() {
    if !cfg!(debug_assertions) {
        println!("the forced death exists in debug builds only; skipping");
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let (db, before) = make_db(root.path());
    let big = root.path().join("big.json");
    // other ids of other villages: a village has one case a year
    let more = ledger(6_000)
        .replace("2017-D-", "2018-E-")
        .replace(r#""village":"第"#, r#""village":"新第"#);
    fs::write(&big, more).unwrap();
    let out = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .args(["--lang", "en", "--today", "2017-04-01", "import"])
        .arg(&big)
        .env("ZHENGDUN_TEST_DIE_IN_IMPORT", "1")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the import was to die");
    // The first part is in sled, behind the marker (read with sled itself: opening the
    // ledger would undo it).
    {
        let raw = open_raw(&db);
        assert!(raw.get(b"m/importing").unwrap().is_some());
        assert_eq!(raw.scan_prefix(b"c/2018-E-").count(), 5_000);
        // and so are its summaries, counts and rows, in their chunks
        for family in layout::Family::ALL {
            let entries: usize = raw
                .scan_prefix(family.prefix())
                .map(|kv| {
                    let entries = family.entries(&kv.unwrap().1).unwrap();
                    entries
                        .iter()
                        .filter(|(id, _)| id.starts_with("2018-E-"))
                        .count()
                })
                .sum();
            assert_eq!(entries, 5_000);
        }
    }
    {
        let store = Store::open(&db).unwrap();
        assert!(store.raw().get(b"m/importing").unwrap().is_none());
        assert_eq!(store.raw().scan_prefix(b"c/2018-E-").count(), 0);
        let mut summaries = 0;
        store.for_each_summary(|_| summaries += 1).unwrap();
        assert_eq!(summaries, 400);
        let mut rows = 0;
        store.for_each_row(|_| rows += 1).unwrap();
        assert_eq!(rows, 400);
    }
    let r = zd(&db, &["export", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, before);
    let v = zd(&db, &["verify"]);
    assert!(
        v.stdout.contains("400 cases") && v.stdout.contains("chain intact"),
        "{}",
        v.stdout
    );
    let r = zd(&db, &["import", big.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = zd(&db, &["verify"]);
    assert!(
        v.stdout.contains("6400 cases") && v.stdout.contains("chain intact"),
        "{}",
        v.stdout
    );
}

/// The cases of an import as a file that is changed while it is read: the second pass (the
/// one that writes) finds case `changed` other than the first pass checked it.
struct ChangedBetweenPasses {
    cases: Vec<zhengdun::domain::Case>,
    passes: usize,
    changed: usize,
}

impl zhengdun::ledger::CaseSource for ChangedBetweenPasses {
    fn pass(
        &mut self,
        each: &mut dyn FnMut(zhengdun::domain::Case) -> Result<(), zhengdun::ledger::StoreError>,
    ) -> Result<(), zhengdun::ledger::StoreError> {
        self.passes += 1;
        for (i, c) in self.cases.iter().enumerate() {
            let mut c = c.clone();
            if self.passes > 1 && i == self.changed {
                c.problems.push_str("（改动）");
            }
            each(c)?;
        }
        Ok(())
    }
}

/// An import that fails after some of its parts are written (here: the file changed
/// between the pass that checked it and the pass that writes it) takes back what the parts
/// wrote at once: the ledger is as before, its history chain intact, the import refused
/// with the case where the file changed.
#[test]
fn an_import_that_fails_between_its_parts_takes_them_back() {
    use zhengdun::ledger::{Ctx, Ledger, Local, StoreError};
    let root = tempfile::tempdir().unwrap();
    let (db, before) = make_db(root.path());
    let more = ledger(6_000)
        .replace("2017-D-", "2018-E-")
        .replace(r#""village":"第"#, r#""village":"新第"#);
    let policy = zhengdun::domain::Policy::default();
    let file =
        zhengdun::interchange::json::parse(&more, "more.json", &policy, zhengdun::i18n::Lang::En)
            .unwrap();
    let mut source = ChangedBetweenPasses {
        cases: file.cases,
        passes: 0,
        changed: 5_500,
    };
    {
        let ctx = Ctx {
            today: chrono::NaiveDate::from_ymd_opt(2017, 4, 1).unwrap(),
            actor: "test".into(),
            policy,
            person: None,
        };
        let l = Local::open(&db, ctx).unwrap();
        let e = l
            .import_from(&mut source, zhengdun::domain::ChangeKind::Imported)
            .unwrap_err();
        assert!(
            matches!(&e, zhengdun::ledger::Error::Store(StoreError::ImportChanged { id: Some(id) }) if id == "2018-E-5500"),
            "{e:?}"
        );
        assert!(e.to_string().contains("2018-E-5500"), "{e}");
        assert_eq!(source.passes, 2);
    }
    {
        let raw = open_raw(&db);
        assert!(raw.get(b"m/importing").unwrap().is_none());
        assert_eq!(raw.scan_prefix(b"c/2018-E-").count(), 0);
        assert_eq!(raw.scan_prefix(b"x/2018-E-").count(), 0);
    }
    let r = zd(&db, &["export", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, before);
    let v = zd(&db, &["verify"]);
    assert!(
        v.stdout.contains("400 cases") && v.stdout.contains("chain intact"),
        "{}",
        v.stdout
    );
}

/// The ledger's sled opened by itself, to look under the store. A ledger dropped in this
/// process lets go of sled's file lock only when sled's own background thread has ended,
/// which may be a moment later: the lock is waited for, up to 10 s.
fn open_raw(db: &std::path::Path) -> sled::Db {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match sled::Config::new().path(db).open() {
            Ok(raw) => return raw,
            Err(e)
                if std::time::Instant::now() < until && e.to_string().contains("acquire lock") =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            Err(e) => panic!("cannot open {} with sled: {e}", db.display()),
        }
    }
}
