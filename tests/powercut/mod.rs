//! A file system that loses power: a FUSE file system in memory (on `fuser`, no libfuse)
//! that keeps two images of its tree. The live image is what programs see; the durable one
//! is what a disk would still hold after the power went. A write, a truncation or a change
//! of a directory (create, mkdir, unlink, rename) changes the live image at once and waits
//! in a queue until `fsync`/`fdatasync` of its file, or `fsync` of its directory, makes it
//! durable — the strict reading of POSIX: a file's fsync does not make its name durable,
//! its directory's fsync does. Mode changes are durable at once (they decide nothing here).
//!
//! A **cut** throws the queue away: the live image becomes the durable one. A torn cut lets
//! some of the queue reach the disk first — a prefix in order, or any of it out of order —
//! and a write that reaches it may arrive in part, sector by sector, as drives tear them.
//!
//! A cut can also land **inside** a running program: [`PowerCut::arm`] freezes the file system
//! at the n-th write or fsync (that operation is not done), [`PowerCut::freeze`] at a moment
//! of the caller's choosing. Frozen, it answers nothing, so the program can run no further
//! than the cut; the caller kills it ([`PowerCut::kill_frozen`]: every held request then fails,
//! which the killed process never sees), and [`PowerCut::restore`] brings the durable image
//! back as the disk after the cut. [`Plan::FailAt`] and [`Plan::GoneFrom`] make a disk that
//! fails once, or goes away, instead.
//!
//! Needs `/dev/fuse` and root (mount(2); otherwise fuser tries `fusermount3`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test support: the file system's images are indexed by inodes it holds"
)]
#![allow(dead_code)]

use crate::common::rng::Rng;
use std::collections::{BTreeMap, HashMap};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo, LockOwner,
    OpenFlags, RenameFlags, ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyEmpty,
    ReplyEntry, ReplyOpen, ReplyStatfs, ReplyWrite, Request, WriteFlags,
};

const ROOT: u64 = 1;
/// Nothing is cached by the kernel: after a cut, every look-up asks again.
const TTL: Duration = Duration::ZERO;
/// The unit a torn write arrives in.
const SECTOR: usize = 512;

/// What a torn cut lets through of the writes not yet synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tear {
    /// Nothing: every unsynced change is lost.
    None,
    /// A random prefix of the queue, in order, the last write of it possibly in part.
    InOrder,
    /// Any of the queue, out of order, each write possibly in part.
    Scattered,
}

/// Which operations a plan counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Writes of data (`write`).
    Write,
    /// `fsync`, `fdatasync` and a directory's `fsync`.
    Sync,
    /// Any operation that changes something or makes it durable.
    Change,
}

/// What happens at the n-th operation of a kind (counted from 1, from when it is armed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// The power goes before it is done.
    FreezeAt(Kind, u64),
    /// It fails with EIO; the disk goes on working.
    FailAt(Kind, u64),
    /// It and every operation after it fail with EIO: the disk went away.
    GoneFrom(Kind, u64),
}

#[derive(Clone, Debug)]
enum Content {
    File(Vec<u8>),
    Dir(BTreeMap<OsString, u64>),
}

#[derive(Clone, Debug)]
struct Node {
    content: Content,
    mode: u16,
    mtime: SystemTime,
}

impl Node {
    fn file(mode: u16) -> Node {
        Node {
            content: Content::File(Vec::new()),
            mode,
            mtime: SystemTime::now(),
        }
    }

    fn dir(mode: u16) -> Node {
        Node {
            content: Content::Dir(BTreeMap::new()),
            mode,
            mtime: SystemTime::now(),
        }
    }
}

type Image = HashMap<u64, Node>;

/// A change not yet durable.
#[derive(Clone, Debug)]
enum Pending {
    Data {
        ino: u64,
        at: u64,
        bytes: Vec<u8>,
    },
    Len {
        ino: u64,
        len: u64,
    },
    /// `name` in `dir` comes to name `ino` (a new file or directory, a rename's target).
    Link {
        dir: u64,
        name: OsString,
        ino: u64,
        node: Node,
    },
    Unlink {
        dir: u64,
        name: OsString,
    },
}

impl Pending {
    fn of_file(&self, file: u64) -> bool {
        matches!(self, Pending::Data { ino, .. } | Pending::Len { ino, .. } if *ino == file)
    }

    fn of_dir(&self, d: u64) -> bool {
        matches!(self, Pending::Link { dir, .. } | Pending::Unlink { dir, .. } if *dir == d)
    }
}

fn write_at(bytes: &mut Vec<u8>, at: u64, data: &[u8]) {
    let at = at as usize;
    if bytes.len() < at + data.len() {
        bytes.resize(at + data.len(), 0);
    }
    bytes[at..at + data.len()].copy_from_slice(data);
}

/// Applies `p` to `image`; `part` keeps only some sectors of a write (torn).
fn apply(image: &mut Image, p: &Pending, part: Option<&[bool]>) {
    match p {
        Pending::Data { ino, at, bytes } => {
            let node = image.entry(*ino).or_insert_with(|| Node::file(0o600));
            if let Content::File(f) = &mut node.content {
                match part {
                    None => write_at(f, *at, bytes),
                    Some(keep) => {
                        for (i, chunk) in bytes.chunks(SECTOR).enumerate() {
                            if keep.get(i).copied().unwrap_or(false) {
                                write_at(f, *at + (i * SECTOR) as u64, chunk);
                            }
                        }
                    }
                }
            }
        }
        Pending::Len { ino, len } => {
            let node = image.entry(*ino).or_insert_with(|| Node::file(0o600));
            if let Content::File(f) = &mut node.content {
                f.resize(*len as usize, 0);
            }
        }
        Pending::Link {
            dir,
            name,
            ino,
            node,
        } => {
            image.entry(*ino).or_insert_with(|| match node.content {
                // Its data is durable by its own fsync; its entries by theirs.
                Content::File(_) => Node::file(node.mode),
                Content::Dir(_) => Node::dir(node.mode),
            });
            if let Some(Node {
                content: Content::Dir(d),
                ..
            }) = image.get_mut(dir)
            {
                d.insert(name.clone(), *ino);
            }
        }
        Pending::Unlink { dir, name } => {
            if let Some(Node {
                content: Content::Dir(d),
                ..
            }) = image.get_mut(dir)
            {
                d.remove(name);
            }
        }
    }
}

/// Drops what no name reaches any more.
fn collect(image: &mut Image) {
    let mut seen = std::collections::HashSet::new();
    let mut todo = vec![ROOT];
    while let Some(ino) = todo.pop() {
        if !seen.insert(ino) {
            continue;
        }
        if let Some(Node {
            content: Content::Dir(d),
            ..
        }) = image.get(&ino)
        {
            todo.extend(d.values().copied());
        }
    }
    image.retain(|ino, _| seen.contains(ino));
}

/// What a cut leaves: the durable image with some of the queue torn through it.
fn cut_image(durable: &Image, pending: &[Pending], tear: Tear, rng: &mut Rng) -> (Image, usize) {
    let mut image = durable.clone();
    let mut through = 0;
    let sectors = |p: &Pending, rng: &mut Rng, all: bool| -> Option<Vec<bool>> {
        match p {
            Pending::Data { bytes, .. } if bytes.len() > SECTOR => {
                let n = bytes.len().div_ceil(SECTOR);
                Some((0..n).map(|_| all || rng.below(2) == 0).collect())
            }
            _ => None,
        }
    };
    match tear {
        Tear::None => {}
        Tear::InOrder => {
            let n = rng.below(pending.len() as u64 + 1) as usize;
            for (i, p) in pending.iter().take(n).enumerate() {
                // The last one that gets through may get through in part: a prefix of its
                // sectors, as a drive writes them in order.
                let part = if i + 1 == n {
                    sectors(p, rng, true).map(|mut s| {
                        let keep = rng.below(s.len() as u64 + 1) as usize;
                        s.iter_mut().skip(keep).for_each(|b| *b = false);
                        s
                    })
                } else {
                    None
                };
                apply(&mut image, p, part.as_deref());
                through += 1;
            }
        }
        Tear::Scattered => {
            for p in pending {
                if rng.below(2) == 0 {
                    let part = if rng.below(2) == 0 {
                        sectors(p, rng, false)
                    } else {
                        None
                    };
                    apply(&mut image, p, part.as_deref());
                    through += 1;
                }
            }
        }
    }
    collect(&mut image);
    (image, through)
}

type Held = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Counts {
    writes: u64,
    syncs: u64,
    changes: u64,
}

struct State {
    live: Image,
    durable: Image,
    pending: Vec<Pending>,
    next_ino: u64,
    counts: Counts,
    /// The plan and the counts when it was armed.
    plan: Option<(Plan, Counts, Tear)>,
    /// The disk as the cut left it, while frozen.
    frozen: Option<Image>,
    /// Frozen and its program killed: every request fails at once.
    dead: bool,
    held: Vec<Held>,
    gone: bool,
    rng: Rng,
    /// Of the last cut: (changes queued, changes that got through).
    last_cut: (usize, usize),
}

impl State {
    /// Counts an operation of `kind`; what the plan says to do with it.
    fn count(&mut self, kind: Kind) -> Verdict {
        if self.gone {
            return Verdict::Fail;
        }
        match kind {
            Kind::Write => self.counts.writes += 1,
            Kind::Sync => self.counts.syncs += 1,
            Kind::Change => {}
        }
        self.counts.changes += 1;
        let Some((plan, at, tear)) = &self.plan else {
            return Verdict::Go;
        };
        let (plan, tear) = (*plan, *tear);
        let count = |k: Kind, c: &Counts| match k {
            Kind::Write => c.writes,
            Kind::Sync => c.syncs,
            Kind::Change => c.changes,
        };
        let hit =
            |k: Kind, n: u64| k_matches(k, kind) && count(k, &self.counts) - count(k, at) == n;
        match plan {
            Plan::FreezeAt(k, n) if hit(k, n) => {
                self.plan = None;
                self.freeze(tear);
                Verdict::Hold
            }
            Plan::FailAt(k, n) if hit(k, n) => {
                self.plan = None;
                Verdict::Fail
            }
            Plan::GoneFrom(k, n) if hit(k, n) => {
                self.plan = None;
                self.gone = true;
                Verdict::Fail
            }
            _ => Verdict::Go,
        }
    }

    fn freeze(&mut self, tear: Tear) {
        if self.frozen.is_none() {
            let (image, through) = cut_image(&self.durable, &self.pending, tear, &mut self.rng);
            self.last_cut = (self.pending.len(), through);
            self.frozen = Some(image);
        }
    }

    fn queue(&mut self, p: Pending) {
        apply(&mut self.live, &p, None);
        self.pending.push(p);
    }

    /// Makes the queued changes that `which` picks durable, in order.
    fn commit(&mut self, which: impl Fn(&Pending) -> bool) {
        let (now, later): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(which);
        for p in &now {
            apply(&mut self.durable, p, None);
        }
        self.pending = later;
    }

    fn attr(&self, ino: u64) -> Option<FileAttr> {
        let node = self.live.get(&ino)?;
        let (kind, size, nlink) = match &node.content {
            Content::File(f) => (FileType::RegularFile, f.len() as u64, 1),
            Content::Dir(_) => (FileType::Directory, 0, 2),
        };
        Some(FileAttr {
            ino: INodeNo(ino),
            size,
            blocks: size.div_ceil(512),
            atime: node.mtime,
            mtime: node.mtime,
            ctime: node.mtime,
            crtime: node.mtime,
            kind,
            perm: node.mode,
            nlink,
            uid: 0,
            gid: 0,
            rdev: 0,
            blksize: 4096,
            flags: 0,
        })
    }

    fn child(&self, parent: u64, name: &OsStr) -> Option<u64> {
        match &self.live.get(&parent)?.content {
            Content::Dir(d) => d.get(name).copied(),
            Content::File(_) => None,
        }
    }
}

fn k_matches(planned: Kind, seen: Kind) -> bool {
    planned == Kind::Change || planned == seen
}

enum Verdict {
    Go,
    Hold,
    Fail,
}

/// The file system as fuser drives it; [`PowerCut`] is the handle the tests hold.
struct Fs(Arc<Mutex<State>>);

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs `op` unless the power is off (its reply is held, or failed when the program is
/// dead) or the plan says otherwise. `fail` replies with an error.
macro_rules! guarded {
    ($self:ident, $kind:expr, $reply:ident, $state:ident => $body:block) => {{
        let mut $state = lock(&$self.0);
        if $state.dead || $state.gone {
            drop($state);
            $reply.error(Errno::EIO);
            return;
        }
        if $state.frozen.is_some() {
            $state.held.push(Box::new(move || $reply.error(Errno::EIO)));
            return;
        }
        let verdict = match $kind {
            Some(k) => $state.count(k),
            None => Verdict::Go,
        };
        match verdict {
            Verdict::Go => $body,
            Verdict::Hold => {
                $state.held.push(Box::new(move || $reply.error(Errno::EIO)));
            }
            Verdict::Fail => {
                drop($state);
                $reply.error(Errno::EIO);
            }
        }
    }};
}

impl Filesystem for Fs {
    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        guarded!(self, None, reply, s => {
            match s.child(parent.0, name).and_then(|i| s.attr(i)) {
                Some(a) => reply.entry(&TTL, &a, Generation(0)),
                None => reply.error(Errno::ENOENT),
            }
        })
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        guarded!(self, None, reply, s => {
            match s.attr(ino.0) {
                Some(a) => reply.attr(&TTL, &a),
                None => reply.error(Errno::ENOENT),
            }
        })
    }

    fn setattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<fuser::TimeOrNow>,
        _mtime: Option<fuser::TimeOrNow>,
        _ctime: Option<SystemTime>,
        _fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        let kind = size.map(|_| Kind::Change);
        guarded!(self, kind, reply, s => {
            if !s.live.contains_key(&ino.0) {
                reply.error(Errno::ENOENT);
                return;
            }
            if let Some(len) = size {
                s.queue(Pending::Len { ino: ino.0, len });
            }
            if let Some(mode) = mode {
                let s = &mut *s;
                for image in [&mut s.live, &mut s.durable] {
                    if let Some(n) = image.get_mut(&ino.0) {
                        n.mode = (mode & 0o7777) as u16;
                    }
                }
            }
            match s.attr(ino.0) {
                Some(a) => reply.attr(&TTL, &a),
                None => reply.error(Errno::ENOENT),
            }
        })
    }

    fn mkdir(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        reply: ReplyEntry,
    ) {
        guarded!(self, Some(Kind::Change), reply, s => {
            if s.child(parent.0, name).is_some() {
                reply.error(Errno::EEXIST);
                return;
            }
            let ino = s.next_ino;
            s.next_ino += 1;
            let node = Node::dir((mode & !umask & 0o7777) as u16);
            s.live.insert(ino, node.clone());
            s.queue(Pending::Link { dir: parent.0, name: name.to_owned(), ino, node });
            match s.attr(ino) {
                Some(a) => reply.entry(&TTL, &a, Generation(0)),
                None => reply.error(Errno::EIO),
            }
        })
    }

    fn create(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        flags: i32,
        reply: ReplyCreate,
    ) {
        guarded!(self, Some(Kind::Change), reply, s => {
            let ino = match s.child(parent.0, name) {
                Some(_) if flags & libc::O_EXCL != 0 => {
                    reply.error(Errno::EEXIST);
                    return;
                }
                Some(ino) => ino,
                None => {
                    let ino = s.next_ino;
                    s.next_ino += 1;
                    let node = Node::file((mode & !umask & 0o7777) as u16);
                    s.live.insert(ino, node.clone());
                    s.queue(Pending::Link { dir: parent.0, name: name.to_owned(), ino, node });
                    ino
                }
            };
            match s.attr(ino) {
                Some(a) => reply.created(&TTL, &a, Generation(0), FileHandle(ino), FopenFlags::FOPEN_DIRECT_IO),
                None => reply.error(Errno::EIO),
            }
        })
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        guarded!(self, Some(Kind::Change), reply, s => {
            if s.child(parent.0, name).is_none() {
                reply.error(Errno::ENOENT);
                return;
            }
            s.queue(Pending::Unlink { dir: parent.0, name: name.to_owned() });
            reply.ok();
        })
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        guarded!(self, Some(Kind::Change), reply, s => {
            let Some(ino) = s.child(parent.0, name) else {
                reply.error(Errno::ENOENT);
                return;
            };
            if matches!(&s.live[&ino].content, Content::Dir(d) if !d.is_empty()) {
                reply.error(Errno::ENOTEMPTY);
                return;
            }
            s.queue(Pending::Unlink { dir: parent.0, name: name.to_owned() });
            reply.ok();
        })
    }

    fn rename(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        _flags: RenameFlags,
        reply: ReplyEmpty,
    ) {
        guarded!(self, Some(Kind::Change), reply, s => {
            let Some(ino) = s.child(parent.0, name) else {
                reply.error(Errno::ENOENT);
                return;
            };
            let node = s.live[&ino].clone();
            // One change of two entries; a torn cut may keep either half (as a journal
            // without the rename's atomicity would: the tests then see both names or none).
            s.queue(Pending::Link { dir: newparent.0, name: newname.to_owned(), ino, node });
            s.queue(Pending::Unlink { dir: parent.0, name: name.to_owned() });
            reply.ok();
        })
    }

    fn open(&self, _req: &Request, ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        guarded!(self, None, reply, s => {
            if s.live.contains_key(&ino.0) {
                reply.opened(FileHandle(ino.0), FopenFlags::FOPEN_DIRECT_IO);
            } else {
                reply.error(Errno::ENOENT);
            }
        })
    }

    fn read(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        guarded!(self, None, reply, s => {
            match s.live.get(&ino.0).map(|n| &n.content) {
                Some(Content::File(f)) => {
                    let from = (offset as usize).min(f.len());
                    let to = (from + size as usize).min(f.len());
                    reply.data(&f[from..to]);
                }
                Some(Content::Dir(_)) => reply.error(Errno::EISDIR),
                None => reply.error(Errno::ENOENT),
            }
        })
    }

    fn write(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyWrite,
    ) {
        guarded!(self, Some(Kind::Write), reply, s => {
            if !matches!(s.live.get(&ino.0).map(|n| &n.content), Some(Content::File(_))) {
                reply.error(Errno::EBADF);
                return;
            }
            s.queue(Pending::Data { ino: ino.0, at: offset, bytes: data.to_vec() });
            reply.written(data.len() as u32);
        })
    }

    fn flush(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _lock_owner: LockOwner,
        reply: ReplyEmpty,
    ) {
        // close() makes nothing durable, and a dying program closes its files: never held.
        reply.ok();
    }

    fn fsync(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        guarded!(self, Some(Kind::Sync), reply, s => {
            s.commit(|p| p.of_file(ino.0));
            reply.ok();
        })
    }

    fn fsyncdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        guarded!(self, Some(Kind::Sync), reply, s => {
            s.commit(|p| p.of_dir(ino.0));
            reply.ok();
        })
    }

    fn opendir(&self, _req: &Request, ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        guarded!(self, None, reply, s => {
            match s.live.get(&ino.0).map(|n| &n.content) {
                Some(Content::Dir(_)) => reply.opened(FileHandle(ino.0), FopenFlags::empty()),
                Some(Content::File(_)) => reply.error(Errno::ENOTDIR),
                None => reply.error(Errno::ENOENT),
            }
        })
    }

    fn readdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        let s = lock(&self.0);
        if s.dead || s.gone {
            drop(s);
            reply.error(Errno::EIO);
            return;
        }
        let Some(Content::Dir(d)) = s.live.get(&ino.0).map(|n| &n.content) else {
            drop(s);
            reply.error(Errno::ENOTDIR);
            return;
        };
        let mut entries = vec![
            (ino.0, FileType::Directory, OsString::from(".")),
            (ino.0, FileType::Directory, OsString::from("..")),
        ];
        for (name, child) in d {
            let kind = match s.live.get(child).map(|n| &n.content) {
                Some(Content::Dir(_)) => FileType::Directory,
                _ => FileType::RegularFile,
            };
            entries.push((*child, kind, name.clone()));
        }
        drop(s);
        for (i, (child, kind, name)) in entries.into_iter().enumerate().skip(offset as usize) {
            if reply.add(INodeNo(child), (i + 1) as u64, kind, name) {
                break;
            }
        }
        reply.ok();
    }

    fn statfs(&self, _req: &Request, _ino: INodeNo, reply: ReplyStatfs) {
        reply.statfs(1 << 20, 1 << 19, 1 << 19, 1 << 16, 1 << 15, 4096, 255, 4096);
    }
}

/// A mounted power-cut file system; unmounted when dropped.
pub struct PowerCut {
    state: Arc<Mutex<State>>,
    path: PathBuf,
    /// The kernel's control file that aborts this mount's connection, if fusectl is there.
    abort: Option<PathBuf>,
    session: Option<fuser::BackgroundSession>,
}

impl PowerCut {
    /// Mounts an empty file system on `dir` (an empty directory); `seed` drives the tears.
    pub fn mount(dir: &Path, seed: u64) -> std::io::Result<PowerCut> {
        let mut image = Image::new();
        image.insert(ROOT, Node::dir(0o755));
        let state = Arc::new(Mutex::new(State {
            live: image.clone(),
            durable: image,
            pending: Vec::new(),
            next_ino: ROOT + 1,
            counts: Counts::default(),
            plan: None,
            frozen: None,
            dead: false,
            held: Vec::new(),
            gone: false,
            rng: Rng(seed),
            last_cut: (0, 0),
        }));
        let mut config = fuser::Config::default();
        config.mount_options = vec![
            fuser::MountOption::FSName("zhengdun-powercut".into()),
            fuser::MountOption::NoAtime,
        ];
        let session = fuser::spawn_mount(Fs(state.clone()), dir, &config)?;
        Ok(PowerCut {
            state,
            abort: abort_file(dir),
            path: dir.to_path_buf(),
            session: Some(session),
        })
    }

    /// Whether FUSE can be mounted here; says why not when it cannot (so a test can skip,
    /// except in CI, where it must not).
    pub fn available(test: &str) -> bool {
        let ok = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/fuse")
            .is_ok();
        if !ok {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: /dev/fuse cannot be opened (run as root, with the fuse module loaded)"
            );
            println!("{test}: /dev/fuse cannot be opened here; skipping");
        }
        ok
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A power cut with nothing running: what was not synced is lost, or torn through.
    pub fn cut(&self, tear: Tear) {
        let mut s = lock(&self.state);
        s.freeze(tear);
        drop(s);
        self.restore();
    }

    /// Arms a plan, counting from now; `tear` is how a freeze it makes tears the queue.
    pub fn arm(&self, plan: Plan, tear: Tear) {
        let mut s = lock(&self.state);
        let at = Counts {
            writes: s.counts.writes,
            syncs: s.counts.syncs,
            changes: s.counts.changes,
        };
        s.plan = Some((plan, at, tear));
    }

    pub fn disarm(&self) {
        lock(&self.state).plan = None;
    }

    /// The power goes now, whatever is running.
    pub fn freeze(&self, tear: Tear) {
        lock(&self.state).freeze(tear);
    }

    pub fn frozen(&self) -> bool {
        lock(&self.state).frozen.is_some()
    }

    /// After the program on a frozen file system has been sent SIGKILL: its held requests
    /// fail (it dies before it sees that), and so does anything it still asks while dying.
    pub fn kill_frozen(&self) {
        let held = {
            let mut s = lock(&self.state);
            s.dead = true;
            std::mem::take(&mut s.held)
        };
        for reply in held {
            reply();
        }
    }

    /// The power comes back: the disk is what the cut left, nothing is queued, the disk
    /// answers again.
    pub fn restore(&self) {
        let held = {
            let mut s = lock(&self.state);
            if let Some(image) = s.frozen.take() {
                s.durable = image.clone();
                s.live = image;
            } else {
                s.live = s.durable.clone();
            }
            s.pending.clear();
            s.dead = false;
            s.gone = false;
            s.plan = None;
            std::mem::take(&mut s.held)
        };
        for reply in held {
            reply();
        }
    }

    /// The disk goes away (every operation fails with EIO) or comes back.
    pub fn set_gone(&self, gone: bool) {
        lock(&self.state).gone = gone;
    }

    /// Operations seen so far: (writes, syncs, all changes and syncs).
    pub fn counts(&self) -> (u64, u64, u64) {
        let s = lock(&self.state);
        (s.counts.writes, s.counts.syncs, s.counts.changes)
    }

    /// Changes waiting for an fsync now.
    pub fn queued(&self) -> usize {
        lock(&self.state).pending.len()
    }

    /// Of the last cut: (changes that were queued, changes that got through torn).
    pub fn last_cut(&self) -> (usize, usize) {
        lock(&self.state).last_cut
    }
}

/// The fusectl file that aborts the connection of the FUSE mount on `dir`: at the end, a
/// request that a test left waiting (it panicked with the file system frozen) fails instead
/// of hanging the test process. fusectl is mounted when it is not (root only).
fn abort_file(dir: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let connections = Path::new("/sys/fs/fuse/connections");
    if std::fs::read_dir(connections).ok()?.next().is_none() {
        let _ = std::process::Command::new("mount")
            .args(["-t", "fusectl", "none"])
            .arg(connections)
            .output();
    }
    let dev = std::fs::metadata(dir).ok()?.dev();
    let minor = ((dev >> 12) & 0xffff_ff00) | (dev & 0xff);
    Some(connections.join(minor.to_string()).join("abort"))
}

impl Drop for PowerCut {
    fn drop(&mut self) {
        self.restore();
        if let Some(abort) = &self.abort {
            let _ = std::fs::write(abort, "1");
        }
        if let Some(s) = self.session.take() {
            let _ = s.umount_and_join();
        }
    }
}
