//! `list --format json|csv`, `export` (json, csv) and `backup` write a large ledger a part
//! at a time: what they write is what the whole ledger written at once gives, byte for byte.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test fixtures: a failed step should stop the test with its message"
)]

use std::path::Path;
use std::process::Command;

use zhengdun::domain::{ChangeKind, Policy};
use zhengdun::i18n::Lang;
use zhengdun::ledger::{Ctx, Ledger, Local};

mod common;

const TODAY: &str = "2017-09-15";

fn ctx() -> Ctx {
    Ctx {
        today: chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap(),
        actor: "组织部".into(),
        policy: Policy::default(),
        person: None,
    }
}

/// A ledger of more cases than one part (500) holds, with a voided case among them.
fn ledger(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("db");
    let l = Local::open(&db, ctx()).unwrap();
    let sample = zhengdun::sample::generate(1_234, 5);
    l.import(sample.cases, sample.accountability, ChangeKind::Imported)
        .unwrap();
    let id = l.summaries().unwrap()[700].id().to_string();
    l.execute(
        &id,
        &[zhengdun::domain::Command::Void {
            on: ctx().today,
            reason: "重复录入".into(),
        }],
        None,
    )
    .unwrap();
    db
}

fn run(db: &Path, args: &[&str]) -> Vec<u8> {
    let out = common::on_ledger(db)
        .args(["--today", TODAY, "--lang", "zh", "--as", "组织部"])
        .args(args)
        .env_remove("ZHENGDUN_LANG")
        .output()
        .unwrap();
    common::succeeded(&out, args);
    out.stdout
}

#[test]
fn export_and_backup_written_in_parts_are_the_whole_ledger_written_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger(dir.path());
    let json = run(&db, &["export", "--format", "json"]);
    let csv_file = dir.path().join("out.csv");
    run(&db, &["export", "-o", csv_file.to_str().unwrap()]);
    let backup_file = dir.path().join("backup.json");
    run(&db, &["backup", backup_file.to_str().unwrap()]);

    let l = Local::open(&db, ctx()).unwrap();
    let (cases, acc) = l.export().unwrap();
    assert_eq!(cases.len(), 1_233, "the voided case is in no export");
    let mut want = zhengdun::interchange::json::Ledger::new(Some(ctx().today), cases.clone(), acc)
        .to_json()
        .unwrap();
    want.push('\n');
    assert_eq!(String::from_utf8(json).unwrap(), want);

    let refs: Vec<_> = cases.iter().collect();
    let mut want = b"\xEF\xBB\xBF".to_vec();
    zhengdun::interchange::csv::write(&mut want, &refs, Lang::Zh, &[]).unwrap();
    assert_eq!(std::fs::read(&csv_file).unwrap(), want);

    let b = l.backup(Some(ctx().today)).unwrap();
    assert_eq!(b.cases.len(), 1_234, "a backup keeps the voided case");
    assert_eq!(
        std::fs::read(&backup_file).unwrap(),
        zhengdun::backup::to_json(&b).unwrap()
    );

    // the parts cover every case once, in id order
    let mut after = None;
    let mut ids = Vec::new();
    loop {
        let (part, next) = l.export_part(after, 100).unwrap();
        ids.extend(part.into_iter().map(|c| c.id));
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(ids, cases.iter().map(|c| c.id.clone()).collect::<Vec<_>>());
}

#[test]
fn list_in_parts_is_the_list_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger(dir.path());
    let json = run(&db, &["list", "--format", "json"]);
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&json).unwrap();
    assert_eq!(listed.len(), 1_233);
    let table = String::from_utf8(run(&db, &["list", "--format", "csv"])).unwrap();
    assert_eq!(table.lines().count(), 1_234, "a header and a row per case");
    // most overdue first, the same order in both
    let first_csv_id = table.lines().nth(1).unwrap().split(',').next().unwrap();
    assert_eq!(listed[0]["id"], first_csv_id);
    let days: Vec<i64> = listed
        .iter()
        .map(|c| c["days_overdue"].as_i64().unwrap())
        .collect();
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "most overdue first");
    // a closed pipe ends the listing without a message
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} --db {} --today {TODAY} list --format json | head -c 100 >/dev/null",
            common::BIN,
            db.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `import` reads a CSV file a row at a time, once to check it and once to write it: the
/// cases imported are the file's, and a file whose problems come after a thousand good rows
/// were read (and handed to the check) still has every problem named by the row a
/// spreadsheet shows (CRLF line ends and a blank line counted) and nothing written.
#[test]
fn a_csv_file_read_row_by_row_imports_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger(dir.path());
    let exported = run(&db, &["export", "--format", "csv"]);
    let good = dir.path().join("good.csv");
    std::fs::write(&good, &exported).unwrap();
    let new = dir.path().join("new");
    run(&new, &["import", good.to_str().unwrap()]);
    assert_eq!(run(&new, &["export", "--format", "csv"]), exported);

    // written again with CRLF, a blank line under the header, the 2nd case's stage and
    // the last case's 认定日期 spoilt
    let mut records: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(exported.as_slice())
        .records()
        .map(|r| r.unwrap())
        .collect();
    let n = records.len();
    let spoil = |r: &mut csv::StringRecord, col: usize, value: &str| {
        let mut cells: Vec<String> = r.iter().map(String::from).collect();
        cells[col] = value.to_string();
        *r = csv::StringRecord::from(cells);
    };
    spoil(&mut records[2], 9, "验收中");
    spoil(&mut records[n - 1], 7, "2017-02-30");
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for r in &records {
        w.write_record(r).unwrap();
    }
    let mut text = w.into_inner().unwrap();
    let header_end = text.windows(2).position(|b| b == b"\r\n").unwrap() + 2;
    text.splice(header_end..header_end, *b"\r\n");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, text).unwrap();
    let refused = dir.path().join("refused");
    let flags = ["--today", TODAY, "--lang", "zh", "--as", "组织部"];
    let (ok, _, err) = common::run_on(&refused, &flags, &["import", bad.to_str().unwrap()]);
    assert!(!ok);
    // the header is row 1, a blank row 2, so the 2nd case is row 4 and the last one n + 1
    assert!(err.contains("第4行，阶段列"), "{err}");
    assert!(err.contains(&format!("第{}行，认定日期列", n + 1)), "{err}");
    assert!(err.contains("共2处问题"), "{err}");
    let (ok, out, err) = common::run_on(&refused, &flags, &["export", "--format", "csv"]);
    assert!(
        !ok || out.lines().count() <= 1,
        "nothing is written: {out}{err}"
    );
}

/// Writes what it is given, and makes a change through another connection when the first
/// part of a backup arrives.
struct ChangingMidway<'a> {
    bytes: Vec<u8>,
    change: Option<Box<dyn FnOnce() + 'a>>,
}

impl std::io::Write for ChangingMidway<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(change) = self.change.take() {
            change();
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_backup_through_the_server_comes_in_parts_as_one_snapshot_and_restores_equal() {
    use zhengdun::ledger::protocol::BACKUP_PART;
    use zhengdun::ledger::Remote;
    let dir = tempfile::tempdir().unwrap();
    let db = ledger(dir.path());
    let socket = dir.path().join("s.sock");
    let mut serve = common::on_ledger(&db);
    serve
        .args(["serve", "--today", TODAY, "--socket"])
        .arg(&socket)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // the server's first start puts its account in the roster: the embedded backup after it
    common::server::Server::start(&mut serve, &socket).stop();
    let local_file = dir.path().join("local.json");
    run(&db, &["backup", local_file.to_str().unwrap()]);
    let local = std::fs::read(&local_file).unwrap();
    assert!(
        local.len() > BACKUP_PART,
        "the backup is more than one part ({} bytes)",
        local.len()
    );
    let held = zhengdun::backup::parse(std::str::from_utf8(&local).unwrap(), "local").unwrap();

    let server = common::server::Server::start(&mut serve, &socket);
    let through = dir.path().join("through.json");
    let out = common::zhengdun()
        .args(["--server", socket.to_str().unwrap(), "--lang", "zh"])
        .args(["--today", TODAY, "backup", through.to_str().unwrap()])
        .env_remove("ZHENGDUN_LANG")
        .output()
        .unwrap();
    common::succeeded(&out, "backup through the server");
    assert!(
        std::fs::read(&through).unwrap() == local,
        "a backup through the server is the embedded one, byte for byte"
    );

    // a change made while the parts are read is not in the backup: it was taken before
    let reader = Remote::connect(socket.to_str().unwrap(), Some(ctx().today)).unwrap();
    let writer = Remote::connect(socket.to_str().unwrap(), Some(ctx().today)).unwrap();
    let id = writer.summaries().unwrap()[3].id().to_string();
    let changed = std::cell::Cell::new(false);
    let mut out = ChangingMidway {
        bytes: Vec::new(),
        change: Some(Box::new(|| {
            writer
                .execute(
                    &id,
                    &[zhengdun::domain::Command::Void {
                        on: ctx().today,
                        reason: "录入有误".into(),
                    }],
                    None,
                )
                .unwrap();
            changed.set(true);
        })),
    };
    let (cases, events) = reader.backup_to(Some(ctx().today), &mut out).unwrap();
    assert!(changed.get());
    assert_eq!((cases, events), (1_234, held.history.len()));
    assert!(
        out.bytes == local,
        "the backup is the ledger as it was taken"
    );
    drop(out);
    drop((reader, writer, server));

    // and it restores into an empty ledger equal to the one backed up
    let restored = dir.path().join("restored");
    run(&restored, &["restore", through.to_str().unwrap()]);
    let again = dir.path().join("again.json");
    run(&restored, &["backup", again.to_str().unwrap()]);
    assert!(std::fs::read(&again).unwrap() == local);
}
