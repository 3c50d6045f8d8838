//! Power cuts: first the power-cut file system of `tests/powercut/` on its own.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

mod powercut;

use std::fs;
use std::io::Write;

use powercut::{Kind, Plan, PowerCut, Tear};

fn mounted(test: &str, seed: u64) -> Option<(tempfile::TempDir, PowerCut)> {
    if !PowerCut::available(test) {
        return None;
    }
    let tmp = tempfile::Builder::new()
        .prefix("zhengdun-powercut-")
        .tempdir()
        .expect("tempdir");
    let fs = PowerCut::mount(tmp.path(), seed).expect("mount the power-cut file system");
    Some((tmp, fs))
}

fn write_file(path: &std::path::Path, bytes: &[u8], sync: bool) {
    let mut f = fs::File::create(path).unwrap();
    f.write_all(bytes).unwrap();
    if sync {
        f.sync_all().unwrap();
    }
}

fn sync_dir(path: &std::path::Path) {
    fs::File::open(path).unwrap().sync_all().unwrap();
}

/// The file system itself: what was synced survives a cut, what was not is lost; a name is
/// durable by its directory's fsync; a torn cut lets part of the queue through; a planned
/// failure fails one operation.
#[test]
fn the_file_system_keeps_what_was_synced_and_loses_what_was_not() {
    let Some((_tmp, fs)) = mounted("powercut fs", 7) else {
        return;
    };
    let root = fs.path().to_path_buf();
    write_file(&root.join("synced"), b"kept", true);
    write_file(&root.join("named-only"), b"lost data", false);
    sync_dir(&root);
    write_file(&root.join("unnamed"), b"synced, but its name is not", true);
    // More written to the synced file after its fsync: lost.
    fs::OpenOptions::new()
        .append(true)
        .open(root.join("synced"))
        .unwrap()
        .write_all(b" and more")
        .unwrap();
    assert_eq!(fs::read(root.join("synced")).unwrap(), b"kept and more");
    fs.cut(Tear::None);
    assert_eq!(fs::read(root.join("synced")).unwrap(), b"kept");
    assert_eq!(fs::read(root.join("named-only")).unwrap(), b"");
    assert!(!root.join("unnamed").exists());

    // A torn cut in order: a prefix of 64 writes of 1 KiB gets through, the last maybe in part.
    let path = root.join("torn");
    write_file(&path, b"", true);
    sync_dir(&root);
    let mut f = fs::OpenOptions::new().write(true).open(&path).unwrap();
    for i in 0..64u8 {
        f.write_all(&[i + 1; 1024]).unwrap();
    }
    drop(f);
    fs.cut(Tear::InOrder);
    let torn = fs::read(&path).unwrap();
    let whole = torn.len() / 1024;
    for (i, chunk) in torn.chunks(1024).enumerate() {
        if i < whole {
            assert!(
                chunk.iter().all(|b| *b == i as u8 + 1),
                "write {i} is not whole"
            );
        }
    }
    assert!(torn.len() <= 64 * 1024);
    println!(
        "powercut fs: a torn cut kept {} of 64 KiB written (queued/through: {:?})",
        torn.len() / 1024,
        fs.last_cut()
    );

    // A failing fsync: the second one from now.
    fs.arm(Plan::FailAt(Kind::Sync, 2), Tear::None);
    let f = fs::File::open(&path).unwrap();
    assert!(f.sync_all().is_ok());
    assert!(f.sync_all().is_err());
    assert!(f.sync_all().is_ok());
    // A disk that goes away, and comes back.
    fs.set_gone(true);
    assert!(fs::read(root.join("synced")).is_err());
    fs.set_gone(false);
    assert_eq!(fs::read(root.join("synced")).unwrap(), b"kept");
}
