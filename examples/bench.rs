//! The national-scale benchmark (SPEC §8): figures, not a timed test.
//!
//! `cargo run --release --example bench -- --cases N [--seed S] [--json]`
//!
//! 1. generates N cases and imports their interchange JSON into a temporary database through
//!    the real path (`interchange::json::parse` + `Store::insert`), timed as `import_s`;
//! 2. in a fresh process (so that its peak memory is the app's, not the import's): opens the
//!    database (`Store::open` + load every case's summary + build the search index), types queries
//!    one character at a time through `search::Typing`, records 50 visits through
//!    `Store::execute` (each flushed and fsynced), and reads its peak RSS (VmHWM).
//!
//! 3. in the same process, after closing that store: the TUI as `zhengdun` starts it
//!    (`Store::open` + `tui::Tui::new` + the first frame into a headless 80×24
//!    terminal) as `open_first_frame_ms`; one frame after moving the selection at 80×24 and
//!    200×60 (`frame_ms` is the larger median); the first `/` (taking the search index
//!    built in the background since open); and the dashboard (`d`), first and cached.
//! 4. in one more fresh process, the TUI's start again, as a user meets it (memory not yet
//!    touched by an earlier open): the `open_first_frame_ms` the summary reports.
//!
//! `--field` measures a field copy's sync instead (SPEC §10): a `serve` process on the N
//! cases, a field copy checked out of it (timed), 1,000 visits queued on the copy (one
//! durable write each), and the sync that sends them and takes the server's changes back.

use std::path::{Path, PathBuf};
use std::process::{Command as Process, ExitCode};
use std::time::Instant;

use chrono::NaiveDate;
use zhengdun::domain::{ChangeKind, Command, Policy, Visit, VisitKind};
use zhengdun::i18n::Lang;
use zhengdun::interchange::json;
use zhengdun::sample::generate;
use zhengdun::search::{SearchIndex, Typing};
use zhengdun::store::{Ctx, Store};

const USAGE: &str = "usage: bench --cases N [--seed S] [--json] [--field]";

/// Queries typed one character at a time: pinyin (full, initials, a name) and Chinese as an
/// input method sends it (whole characters).
const TYPED: &[&str] = &[
    "yangguxian",
    "shenxian",
    "qjc",
    "wangzhuang",
    "zhangwei",
    "2017-sx-0",
];
const TYPED_ZH: &[&[&str]] = &[
    &["阳", "阳谷", "阳谷县"],
    &["王", "王庄", "王庄村"],
    &["前", "前进", "前进村"],
];
/// Times each typed sequence is repeated, for stable percentiles.
const ROUNDS: usize = 15;
const DURABLE_ACTIONS: usize = 50;

/// Frames drawn per terminal size for the frame median.
const FRAMES: usize = 200;

/// TUI_FIGURES: the TUI through its real code paths, headless (ratatui's `TestBackend`).
fn tui_figures(dir: &Path, today: NaiveDate) -> Result<serde_json::Value, String> {
    tui_figures_on(dir, today, None)
}

/// [`tui_figures`], on the ledger itself or (with `server`) through a server's socket.
fn tui_figures_on(
    dir: &Path,
    today: NaiveDate,
    server: Option<&Path>,
) -> Result<serde_json::Value, String> {
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    use zhengdun::tui::keymap::{Code, Key, Keymap};
    use zhengdun::tui::prefs::Prefs;

    let env = zhengdun::session::Env {
        lang: Lang::Zh,
        ctx: ctx(today),
        db_dir: dir.join("db"),
        wait: std::time::Duration::ZERO,
        command: "tui",
        asked: None,
    };
    let keymap = Keymap::default_keys().map_err(|e| e.to_string())?;
    fn err(e: impl std::fmt::Display) -> String {
        e.to_string()
    }

    // As `tui::run` does: open the store, build the app, draw the first frame.
    let t = Instant::now();
    let ledger: Box<dyn zhengdun::ledger::Ledger> = match server {
        None => Box::new(env.open().map_err(|f| f.message)?),
        Some(socket) => Box::new(
            zhengdun::ledger::Remote::connect(&socket.display().to_string(), Some(today))
                .map_err(|e| e.to_string())?,
        ),
    };
    let mut app =
        zhengdun::tui::Tui::new(ledger, &env, keymap, Prefs::default()).map_err(|f| f.message)?;
    app.dispatch(zhengdun::tui::Msg::Resize(80, 24));
    let mut small = Terminal::new(TestBackend::new(80, 24)).map_err(err)?;
    small
        .draw(|f| zhengdun::tui::render(&app.app, f))
        .map_err(err)?;
    let first_frame_ms = ms(t);

    let key = |c: char| Key::plain(Code::Char(c));
    let mut frame_median = |w: u16, h: u16| -> Result<f64, String> {
        let mut term = Terminal::new(TestBackend::new(w, h)).map_err(err)?;
        app.dispatch(zhengdun::tui::Msg::Resize(w, h));
        let mut times = Vec::with_capacity(FRAMES);
        for n in 0..FRAMES {
            // down the list, then back up: a new selection and, past a page, a scroll
            app.handle_key(key(if (n / 50) % 2 == 0 { 'j' } else { 'k' }));
            let t = Instant::now();
            term.draw(|f| zhengdun::tui::render(&app.app, f))
                .map_err(err)?;
            times.push(ms(t));
        }
        times.sort_by(|a, b| a.total_cmp(b));
        Ok(percentile(&times, 0.5))
    };
    let frame_80 = frame_median(80, 24)?;
    let frame_200 = frame_median(200, 60)?;

    let t = Instant::now();
    app.handle_key(key('/'));
    let first_search_ms = ms(t);
    let t = Instant::now();
    for c in "yanggu".chars() {
        app.handle_key(key(c));
    }
    small
        .draw(|f| zhengdun::tui::render(&app.app, f))
        .map_err(err)?;
    let typed_ms = ms(t);
    app.handle_key(Key::plain(Code::Esc));
    app.handle_key(Key::plain(Code::Esc));

    // Search keystrokes in the TUI, measured as the search alone is (the same queries, one
    // character at a time, ROUNDS times): each key from the search box to the new rows,
    // without drawing them (the frame is measured above).
    let mut keystrokes: Vec<f64> = Vec::new();
    let typed = TYPED
        .iter()
        .copied()
        .chain(TYPED_ZH.iter().filter_map(|s| s.last().copied()));
    let typed: Vec<&str> = typed.collect();
    for _ in 0..ROUNDS {
        for q in &typed {
            app.handle_key(key('/'));
            for c in q.chars() {
                let t = Instant::now();
                app.handle_key(key(c));
                keystrokes.push(ms(t));
            }
            app.handle_key(Key::plain(Code::Esc));
            app.handle_key(Key::plain(Code::Esc));
        }
    }
    keystrokes.sort_by(|a, b| a.total_cmp(b));

    let t = Instant::now();
    app.handle_key(key('d'));
    let dashboard_ms = ms(t);
    if app.app.dashboard().is_none() {
        return Err("the dashboard did not open".into());
    }
    app.handle_key(Key::plain(Code::Esc));
    let t = Instant::now();
    app.handle_key(key('d'));
    let dashboard_cached_ms = ms(t);

    Ok(serde_json::json!({
        "open_first_frame_ms": round(first_frame_ms, 1),
        "frame_80x24_ms": round(frame_80, 2),
        "frame_200x60_ms": round(frame_200, 2),
        "frame_ms": round(frame_80.max(frame_200), 2),
        "first_search_ms": round(first_search_ms, 1),
        "typed_yanggu_ms": round(typed_ms, 1),
        "tui_keystrokes": keystrokes.len(),
        "tui_keystroke_p50_ms": round(percentile(&keystrokes, 0.5), 2),
        "tui_keystroke_p99_ms": round(percentile(&keystrokes, 0.99), 2),
        "dashboard_ms": round(dashboard_ms, 1),
        "dashboard_cached_ms": round(dashboard_cached_ms, 2),
    }))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::from(2)
        }
    }
}

struct Args {
    cases: usize,
    seed: u64,
    json: bool,
    phase: Option<String>,
    dir: Option<PathBuf>,
    field: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        cases: 100_000,
        seed: 1,
        json: false,
        phase: None,
        dir: None,
        field: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| format!("{name} needs a value ({USAGE})"))
        };
        match arg.as_str() {
            "--cases" => {
                let v = value("--cases")?;
                a.cases = v
                    .parse()
                    .map_err(|_| format!("--cases '{v}' is not a whole number"))?;
            }
            "--seed" => {
                let v = value("--seed")?;
                a.seed = v
                    .parse()
                    .map_err(|_| format!("--seed '{v}' is not a whole number"))?;
            }
            "--json" => a.json = true,
            "--field" => a.field = true,
            "--phase" => a.phase = Some(value("--phase")?),
            "--dir" => a.dir = Some(PathBuf::from(value("--dir")?)),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument '{other}' ({USAGE})")),
        }
    }
    Ok(a)
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted
        .get(i.min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(f64::NAN)
}

/// A memory figure of this process from /proc/self/status, in MB (Linux).
fn status_mb(key: &str) -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Peak resident memory of this process, in MB (VmHWM).
fn peak_rss_mb() -> Option<f64> {
    status_mb("VmHWM:")
}

fn ctx(today: NaiveDate) -> Ctx {
    Ctx {
        today,
        actor: "bench".into(),
        policy: Policy::default(),
        person: None,
    }
}

fn run() -> Result<(), String> {
    let a = parse_args()?;
    match a.phase.as_deref() {
        Some("import") => phase_import(&a),
        Some("measure") => phase_measure(&a),
        Some("first-frame") => phase_first_frame(&a),
        Some("serve") => phase_serve(&a),
        Some("server") => phase_server(&a),
        Some("field") => phase_field(&a),
        Some(other) => Err(format!("unknown phase '{other}'")),
        None => orchestrate(&a),
    }
}

/// Runs one phase in a child process and returns the JSON object it printed last.
fn child(a: &Args, phase: &str, dir: &Path) -> Result<serde_json::Value, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Process::new(exe)
        .args([
            "--phase",
            phase,
            "--cases",
            &a.cases.to_string(),
            "--seed",
            &a.seed.to_string(),
            "--dir",
        ])
        .arg(dir)
        .output()
        .map_err(|e| format!("cannot run the {phase} phase: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "{phase} phase failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let last = stdout.lines().last().unwrap_or("");
    serde_json::from_str(last).map_err(|e| format!("{phase} phase printed '{last}': {e}"))
}

fn orchestrate(a: &Args) -> Result<(), String> {
    let tmp = tempfile::Builder::new()
        .prefix("zhengdun-bench-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let dir = tmp.path().to_path_buf();
    let import = child(a, "import", &dir)?;
    if a.field {
        let field = child(a, "field", &dir)?;
        let get = |k: &str| field.get(k).cloned().unwrap_or(serde_json::Value::Null);
        println!("cases                      {}", a.cases);
        println!(
            "import (parse + insert)    {} s",
            get_of(&import, "import_s")
        );
        println!(
            "checkout (whole ledger)    {} s ({} cases, {} events)",
            get("checkout_s"),
            get("copied_cases"),
            get("copied_events")
        );
        println!(
            "queue on the copy          {} changes in {} ms ({} ms each, each durable)",
            get("queued"),
            get("queue_ms"),
            get("queue_each_ms")
        );
        println!(
            "sync                       {} s for {} queued changes ({} applied, {} ms each), {} cases taken back",
            get("sync_s"),
            get("queued"),
            get("applied"),
            get("sync_each_ms"),
            get("taken")
        );
        if a.json {
            println!("{field}");
        }
        return Ok(());
    }
    let measure = child(a, "measure", &dir)?;
    let fresh = child(a, "first-frame", &dir)?;
    let server = child(a, "server", &dir)?;
    let get = |v: &serde_json::Value, k: &str| v.get(k).cloned().unwrap_or(serde_json::Value::Null);
    let summary = serde_json::json!({
        "cases": a.cases,
        "open_first_frame_ms": get(&fresh, "open_first_frame_ms"),
        "open_ms": get(&measure, "open_ms"),
        "keystroke_p50_ms": get(&measure, "keystroke_p50_ms"),
        "keystroke_p99_ms": get(&measure, "keystroke_p99_ms"),
        "frame_ms": get(&measure, "frame_ms"),
        "durable_action_p50_ms": get(&measure, "durable_action_p50_ms"),
        "peak_rss_mb": get(&measure, "peak_rss_mb"),
        "import_s": get(&import, "import_s"),
        "server": server.clone(),
    });
    println!("cases                      {}", a.cases);
    println!(
        "generate                   {} s",
        get(&import, "generate_s")
    );
    println!("json size                  {} MB", get(&import, "json_mb"));
    println!(
        "import (parse + insert)    {} s   (peak RSS of the import: {} MB)",
        get(&import, "import_s"),
        get(&import, "peak_rss_mb")
    );
    println!(
        "open (store + load + index) {} ms = {} + {} + {}",
        get(&measure, "open_ms"),
        get(&measure, "store_open_ms"),
        get(&measure, "load_ms"),
        get(&measure, "index_ms")
    );
    println!(
        "open + first frame (TUI)   {} ms in a fresh process, {} ms after an earlier open (store + summaries + first 80×24 frame; no index yet)",
        get(&fresh, "open_first_frame_ms"),
        get(&measure, "open_first_frame_ms")
    );
    println!(
        "first / (TUI)              {} ms (takes the index built in the background since open); typing yanggu + frame {} ms",
        get(&measure, "first_search_ms"),
        get(&measure, "typed_yanggu_ms")
    );
    println!(
        "dashboard d (TUI)          {} ms first (reads the counts kept for every case), {} ms cached; peak RSS with the TUI part {} MB",
        get(&measure, "dashboard_ms"),
        get(&measure, "dashboard_cached_ms"),
        get(&measure, "peak_rss_with_tui_mb")
    );
    println!(
        "search keystroke           p50 {} ms, p99 {} ms, max {} ms ({} keystrokes); in the TUI (key to new rows) p50 {} ms, p99 {} ms ({} keystrokes)",
        get(&measure, "keystroke_p50_ms"),
        get(&measure, "keystroke_p99_ms"),
        get(&measure, "keystroke_max_ms"),
        get(&measure, "keystrokes"),
        get(&measure, "tui_keystroke_p50_ms"),
        get(&measure, "tui_keystroke_p99_ms"),
        get(&measure, "tui_keystrokes")
    );
    println!(
        "frame (TUI, median)        {} ms at 80×24, {} ms at 200×60",
        get(&measure, "frame_80x24_ms"),
        get(&measure, "frame_200x60_ms")
    );
    println!(
        "durable action (visit)     p50 {} ms, p99 {} ms",
        get(&measure, "durable_action_p50_ms"),
        get(&measure, "durable_action_p99_ms")
    );
    println!(
        "peak RSS (open + use)      {} MB (after loading the cases: {} MB; search index: {} MB)",
        get(&measure, "peak_rss_mb"),
        get(&measure, "rss_after_load_mb"),
        get(&measure, "index_mb")
    );
    println!(
        "through the server (TUI)   open + first frame {} ms; frame {} ms at 80×24, {} ms at 200×60; typing yanggu + frame {} ms",
        get(&server, "open_first_frame_ms"),
        get(&server, "frame_80x24_ms"),
        get(&server, "frame_200x60_ms"),
        get(&server, "typed_yanggu_ms")
    );
    println!(
        "  search keystroke         p50 {} ms, p99 {} ms ({} keystrokes in the TUI, key to new rows)",
        get(&server, "tui_keystroke_p50_ms"),
        get(&server, "tui_keystroke_p99_ms"),
        get(&server, "tui_keystrokes")
    );
    println!(
        "  its parts                connect + welcome {} ms; all summaries, packed, median of 5: {} ms; the server listened {} s after start, its ready CSV rows {} s later",
        get(&server, "connect_ms"),
        get(&server, "summaries_ms"),
        get(&server, "listening_s"),
        get(&server, "rows_ready_s")
    );
    println!(
        "30 clients writing at once {} acknowledged durable visits: p50 {} ms, p99 {} ms, max {} ms; peak server RSS {} MB",
        get(&server, "writes"),
        get(&server, "write_p50_ms"),
        get(&server, "write_p99_ms"),
        get(&server, "write_max_ms"),
        get(&server, "server_peak_rss_mb")
    );
    println!(
        "  its parts                one client alone first: p50 {} ms, max {} ms (a group of one: the change and its fsync); server RSS once its CSV rows were ready {} MB, after the TUI {} MB, after the writes {} MB",
        get(&server, "write_alone_p50_ms"),
        get(&server, "write_alone_max_ms"),
        get(&server, "server_rows_ready_rss_mb"),
        get(&server, "server_tui_rss_mb"),
        get(&server, "server_writes_rss_mb")
    );
    // Other work on the machine inflates every wall-clock figure above: say how much there was.
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        println!(
            "load average               {} on {cores} cores",
            load.join(" ")
        );
    }
    if a.json {
        println!("{summary}");
    }
    Ok(())
}

fn get_of(v: &serde_json::Value, k: &str) -> serde_json::Value {
    v.get(k).cloned().unwrap_or(serde_json::Value::Null)
}

/// Changes queued on the field copy for the sync figure.
const QUEUED: usize = 1_000;

/// FIELD_FIGURES: a server on the ledger, a field copy of it, 1,000 visits queued on the
/// copy, and their sync.
fn phase_field(a: &Args) -> Result<(), String> {
    use zhengdun::ledger::{Ledger, Local, Remote};
    let dir = a.dir.as_ref().ok_or("--dir is required")?;
    let today_s = std::fs::read_to_string(dir.join("today")).map_err(|e| e.to_string())?;
    let today = NaiveDate::parse_from_str(today_s.trim(), "%Y-%m-%d").map_err(|e| e.to_string())?;
    let socket = dir.join("server.sock");
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut server = std::process::Command::new(exe)
        .args(["--phase", "serve", "--dir"])
        .arg(dir)
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let started = Instant::now();
    while std::os::unix::net::UnixStream::connect(&socket).is_err() {
        if started.elapsed().as_secs() > 120 {
            let _ = server.kill();
            return Err("the server never listened".into());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let figures = (|| -> Result<serde_json::Value, String> {
        let address = socket.display().to_string();
        let remote = Remote::connect(&address, None).map_err(|e| e.to_string())?;
        let copy = Local::open(&dir.join("copy"), ctx(today)).map_err(|e| e.to_string())?;
        let t = Instant::now();
        let copied = zhengdun::ledger::field::checkout(&copy, &remote, &address, false)
            .map_err(|e| e.to_string())?;
        let (events, _) = copy.store().head().map_err(|e| e.to_string())?;
        // as `zhengdun checkout` does: the engine's snapshot after the bulk write
        let copy = copy.checkpoint().map_err(|e| e.to_string())?;
        let checkout_s = t.elapsed().as_secs_f64();
        drop(remote);
        let ids: Vec<String> = {
            let all = copy.summaries().map_err(|e| e.to_string())?;
            all.iter()
                .step_by((all.len() / QUEUED).max(1))
                .take(QUEUED)
                .map(|s| s.id().to_string())
                .collect()
        };
        let t = Instant::now();
        for (n, id) in ids.iter().enumerate() {
            let visit = Command::LogVisit(Visit {
                on: today,
                by: String::new(),
                kind: VisitKind::Visit,
                findings: format!("外业走访 {n}"),
            });
            copy.execute(id, &[visit], None)
                .map_err(|e| e.to_string())?;
        }
        let queue_ms = ms(t);
        let t = Instant::now();
        let report = copy.sync(&mut |_| {}).map_err(|e| e.to_string())?;
        let sync_s = t.elapsed().as_secs_f64();
        Ok(serde_json::json!({
            "copied_cases": copied,
            "copied_events": events,
            "checkout_s": round(checkout_s, 2),
            "queued": ids.len(),
            "queue_ms": round(queue_ms, 0),
            "queue_each_ms": round(queue_ms / ids.len().max(1) as f64, 2),
            "applied": report.applied,
            "taken": report.taken,
            "sync_s": round(sync_s, 2),
            "sync_each_ms": round(sync_s * 1000.0 / ids.len().max(1) as f64, 2),
        }))
    })();
    let _ = server.kill();
    let _ = server.wait();
    println!("{}", figures?);
    Ok(())
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

fn phase_import(a: &Args) -> Result<(), String> {
    let dir = a.dir.as_ref().ok_or("--dir is required")?;
    let t = Instant::now();
    let ledger = generate(a.cases, a.seed);
    let text = serde_json::to_string(&ledger).map_err(|e| e.to_string())?;
    let generate_s = t.elapsed().as_secs_f64();
    let file = dir.join("ledger.json");
    std::fs::write(&file, &text).map_err(|e| format!("{}: {e}", file.display()))?;
    let json_mb = text.len() as f64 / 1e6;
    drop(text);
    drop(ledger);

    let t = Instant::now();
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let policy = Policy::default();
    let ledger = json::parse(&text, "ledger.json", &policy, Lang::En).map_err(|e| e.to_string())?;
    drop(text);
    let today = ledger.as_of.ok_or("the generated ledger has no as_of")?;
    let store = Store::open(&dir.join("db")).map_err(|e| e.to_string())?;
    // As `zhengdun import` does: one atomic write, then the engine's snapshot.
    let n = store
        .import(
            ledger.cases,
            &ledger.accountability,
            ChangeKind::Imported,
            &ctx(today),
        )
        .map_err(|e| e.to_string())?;
    store.checkpoint().map_err(|e| e.to_string())?;
    let import_s = t.elapsed().as_secs_f64();
    std::fs::write(dir.join("today"), today.to_string()).map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::json!({
            "imported": n,
            "generate_s": round(generate_s, 2),
            "json_mb": round(json_mb, 1),
            "import_s": round(import_s, 2),
            "peak_rss_mb": peak_rss_mb().map(|m| round(m, 1)),
        })
    );
    Ok(())
}

/// The TUI's start as a user meets it: a fresh process (no memory of an earlier open)
/// opens the ledger and draws the first frame.
fn phase_first_frame(a: &Args) -> Result<(), String> {
    let dir = a.dir.as_ref().ok_or("--dir is required")?;
    let today_s = std::fs::read_to_string(dir.join("today")).map_err(|e| e.to_string())?;
    let today = NaiveDate::parse_from_str(today_s.trim(), "%Y-%m-%d").map_err(|e| e.to_string())?;
    let tui = tui_figures(dir, today)?;
    println!(
        "{}",
        serde_json::json!({ "open_first_frame_ms": tui.get("open_first_frame_ms") })
    );
    Ok(())
}

/// The county's server on the bench's ledger (until it is killed): the `server` phase's
/// other process.
fn phase_serve(a: &Args) -> Result<(), String> {
    let dir = a.dir.as_ref().ok_or("--dir is required")?;
    let today_s = std::fs::read_to_string(dir.join("today")).map_err(|e| e.to_string())?;
    let today = NaiveDate::parse_from_str(today_s.trim(), "%Y-%m-%d").map_err(|e| e.to_string())?;
    let env = zhengdun::session::Env {
        lang: Lang::En,
        ctx: ctx(today),
        db_dir: dir.join("db"),
        wait: std::time::Duration::ZERO,
        command: "serve",
        asked: None,
    };
    let opts = zhengdun::server::ServeOptions {
        socket: Some(dir.join("server.sock")),
        group: None,
        today: Some(today),
    };
    zhengdun::server::serve(&env, opts).map_err(|f| f.message)
}

/// Writers at once in the server phase, each logging this many visits.
const WRITERS: usize = 30;
const WRITES_EACH: usize = 20;

/// SERVER_FIGURES: a `serve` process on the ledger; the TUI through it, then 30 clients
/// each logging visits at once (every one acknowledged only once durable), and the
/// server's peak memory.
fn phase_server(a: &Args) -> Result<(), String> {
    let dir = a.dir.as_ref().ok_or("--dir is required")?;
    let today_s = std::fs::read_to_string(dir.join("today")).map_err(|e| e.to_string())?;
    let today = NaiveDate::parse_from_str(today_s.trim(), "%Y-%m-%d").map_err(|e| e.to_string())?;
    let socket = dir.join("server.sock");
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut server = std::process::Command::new(exe)
        .args(["--phase", "serve", "--dir"])
        .arg(dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let started = Instant::now();
    while std::os::unix::net::UnixStream::connect(&socket).is_err() {
        if started.elapsed().as_secs() > 120 {
            let _ = server.kill();
            return Err("the server never listened".into());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let listening_s = started.elapsed().as_secs_f64();
    // The server builds its ready CSV rows in the background once it listens: the figures
    // are of a server that has them (its log says when).
    let (ready, rows_ready) = std::sync::mpsc::channel();
    if let Some(log) = server.stderr.take() {
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(log).lines().map_while(Result::ok) {
                if line.contains("list rows ready") {
                    let _ = ready.send(());
                }
            }
        });
    }
    let rows_ready_s = rows_ready
        .recv_timeout(std::time::Duration::from_secs(300))
        .ok()
        .map(|()| round(started.elapsed().as_secs_f64() - listening_s, 2));
    let rows_rss = server_mb(server.id(), "VmRSS:");
    let result = server_figures(dir, today, &socket, server.id()).map(|mut v| {
        if let Some(o) = v.as_object_mut() {
            o.insert("listening_s".into(), round(listening_s, 2).into());
            o.insert("rows_ready_s".into(), rows_ready_s.into());
            o.insert("server_rows_ready_rss_mb".into(), rows_rss.into());
        }
        v
    });
    let _ = server.kill();
    let _ = server.wait();
    println!("{}", result?);
    Ok(())
}

/// A memory figure of the server process from /proc/PID/status, in whole MB (Linux).
fn server_mb(pid: u32, key: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(round(kb / 1024.0, 0))
}

/// Durable visits of `id` through the server, one after another, each timed until acknowledged.
fn log_visits(socket: &Path, id: &str, today: NaiveDate, n: usize) -> Result<Vec<f64>, String> {
    use zhengdun::ledger::Ledger;
    let remote = zhengdun::ledger::Remote::connect(&socket.display().to_string(), None)
        .map_err(|e| e.to_string())?;
    let mut times = Vec::with_capacity(n);
    for k in 0..n {
        let visit = zhengdun::domain::Command::LogVisit(zhengdun::domain::Visit {
            on: today,
            by: "王建国".into(),
            kind: zhengdun::domain::VisitKind::Visit,
            findings: format!("并发走访 {k}"),
        });
        let t = Instant::now();
        remote
            .execute(id, &[visit], None)
            .map_err(|e| e.to_string())?;
        times.push(ms(t));
    }
    Ok(times)
}

fn server_figures(
    dir: &Path,
    today: NaiveDate,
    socket: &Path,
    pid: u32,
) -> Result<serde_json::Value, String> {
    // The parts of a TUI's start through the server, on their own.
    let t = Instant::now();
    let remote = zhengdun::ledger::Remote::connect(&socket.display().to_string(), Some(today))
        .map_err(|e| e.to_string())?;
    let connect_ms = ms(t);
    let mut summaries_ms = Vec::new();
    for _ in 0..5 {
        use zhengdun::ledger::Ledger;
        let t = Instant::now();
        remote.summaries().map_err(|e| e.to_string())?;
        summaries_ms.push(ms(t));
    }
    summaries_ms.sort_by(|a, b| a.total_cmp(b));
    drop(remote);
    let mut figures = tui_figures_on(dir, today, Some(socket))?;
    if let Some(o) = figures.as_object_mut() {
        o.insert("connect_ms".into(), round(connect_ms, 2).into());
        o.insert(
            "summaries_ms".into(),
            round(percentile(&summaries_ms, 0.5), 1).into(),
        );
    }
    let ids: Vec<String> = {
        let remote = zhengdun::ledger::Remote::connect(&socket.display().to_string(), None)
            .map_err(|e| e.to_string())?;
        use zhengdun::ledger::Ledger;
        let all = remote.summaries().map_err(|e| e.to_string())?;
        all.iter()
            .step_by((all.len() / WRITERS).max(1))
            .take(WRITERS)
            .map(|s| s.id().to_string())
            .collect()
    };
    let tui_rss = server_mb(pid, "VmRSS:");
    // One client alone first: what a durable change through the server costs with no one
    // to wait for (a group of one), the floor under the figures of 30 at once.
    let mut alone = match ids.first() {
        Some(id) => log_visits(socket, id, today, WRITES_EACH)?,
        None => Vec::new(),
    };
    alone.sort_by(|a, b| a.total_cmp(b));
    let writers: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let socket = socket.to_path_buf();
            std::thread::spawn(move || log_visits(&socket, &id, today, WRITES_EACH))
        })
        .collect();
    let mut times = Vec::new();
    for w in writers {
        times.extend(w.join().map_err(|_| "a writer failed".to_string())??);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let peak = server_mb(pid, "VmHWM:");
    if let Some(o) = figures.as_object_mut() {
        o.insert("server_tui_rss_mb".into(), tui_rss.into());
        o.insert(
            "server_writes_rss_mb".into(),
            server_mb(pid, "VmRSS:").into(),
        );
        o.insert(
            "write_alone_p50_ms".into(),
            round(percentile(&alone, 0.5), 2).into(),
        );
        o.insert(
            "write_alone_max_ms".into(),
            round(alone.last().copied().unwrap_or(0.0), 2).into(),
        );
        o.insert("writes".into(), times.len().into());
        o.insert(
            "write_p50_ms".into(),
            round(percentile(&times, 0.5), 2).into(),
        );
        o.insert(
            "write_p99_ms".into(),
            round(percentile(&times, 0.99), 2).into(),
        );
        o.insert(
            "write_max_ms".into(),
            round(times.last().copied().unwrap_or(0.0), 2).into(),
        );
        o.insert("server_peak_rss_mb".into(), peak.into());
    }
    Ok(figures)
}

fn phase_measure(a: &Args) -> Result<(), String> {
    let dir = a.dir.as_ref().ok_or("--dir is required")?;
    let today_s = std::fs::read_to_string(dir.join("today")).map_err(|e| e.to_string())?;
    let today = NaiveDate::parse_from_str(today_s.trim(), "%Y-%m-%d").map_err(|e| e.to_string())?;

    let t = Instant::now();
    let store = Store::open(&dir.join("db")).map_err(|e| e.to_string())?;
    let store_open_ms = ms(t);
    let t1 = Instant::now();
    // What the TUI and `list` read on open: the per-case summaries, not the full cases.
    let cases = store.summaries().map_err(|e| e.to_string())?;
    let load_ms = ms(t1);
    let rss_loaded = status_mb("VmRSS:");
    let t2 = Instant::now();
    let index = SearchIndex::build(&cases);
    let index_ms = ms(t2);
    let rss_indexed = status_mb("VmRSS:");
    let open_ms = ms(t);
    if index.len() != a.cases {
        return Err(format!(
            "the database holds {} cases, expected {}",
            index.len(),
            a.cases
        ));
    }

    // Keystrokes: each prefix of each query, as the search box sees it while typing.
    let mut sequences: Vec<Vec<String>> = TYPED
        .iter()
        .map(|q| {
            q.char_indices()
                .map(|(i, c)| q[..i + c.len_utf8()].to_string())
                .collect()
        })
        .collect();
    sequences.extend(
        TYPED_ZH
            .iter()
            .map(|s| s.iter().map(|q| q.to_string()).collect()),
    );
    let mut times: Vec<f64> = Vec::new();
    let mut hits_seen = 0usize;
    for _ in 0..ROUNDS {
        for seq in &sequences {
            let mut typing = Typing::new();
            for q in seq {
                let t = Instant::now();
                hits_seen += typing.update(&index, q).len();
                times.push(ms(t));
            }
        }
    }
    times.sort_by(|a, b| a.total_cmp(b));

    // Durable actions: a visit, through the one path for changes (apply + batch + fsync).
    let ctx = ctx(today);
    let mut durable: Vec<f64> = Vec::new();
    for k in 0..DURABLE_ACTIONS {
        let id = cases
            .get((k * 7919) % cases.len().max(1))
            .ok_or_else(|| "the database holds no cases".to_string())?
            .id();
        let cmd = Command::LogVisit(Visit {
            on: today,
            by: "bench".into(),
            kind: VisitKind::Visit,
            findings: format!("基准测试走访第{}次", k + 1),
        });
        let t = Instant::now();
        store.execute(id, &cmd, &ctx).map_err(|e| e.to_string())?;
        durable.push(ms(t));
    }
    durable.sort_by(|a, b| a.total_cmp(b));
    // Peak memory of open + search + actions, before the TUI part (reported on its own,
    // dashboard included).
    let peak_before_tui = peak_rss_mb();
    // The TUI opens the database itself, as `zhengdun` would: close this handle first.
    drop((store, index, cases));
    let tui = tui_figures(dir, today)?;
    let tui_get = |k: &str| tui.get(k).cloned().unwrap_or(serde_json::Value::Null);

    println!(
        "{}",
        serde_json::json!({
            "store_open_ms": round(store_open_ms, 1),
            "load_ms": round(load_ms, 1),
            "index_ms": round(index_ms, 1),
            "open_ms": round(open_ms, 1),
            "open_first_frame_ms": tui_get("open_first_frame_ms"),
            "frame_ms": tui_get("frame_ms"),
            "frame_80x24_ms": tui_get("frame_80x24_ms"),
            "frame_200x60_ms": tui_get("frame_200x60_ms"),
            "first_search_ms": tui_get("first_search_ms"),
            "typed_yanggu_ms": tui_get("typed_yanggu_ms"),
            "tui_keystrokes": tui_get("tui_keystrokes"),
            "tui_keystroke_p50_ms": tui_get("tui_keystroke_p50_ms"),
            "tui_keystroke_p99_ms": tui_get("tui_keystroke_p99_ms"),
            "dashboard_ms": tui_get("dashboard_ms"),
            "dashboard_cached_ms": tui_get("dashboard_cached_ms"),
            "keystrokes": times.len(),
            "hits_seen": hits_seen,
            "keystroke_p50_ms": round(percentile(&times, 0.5), 2),
            "keystroke_p99_ms": round(percentile(&times, 0.99), 2),
            "keystroke_max_ms": round(percentile(&times, 1.0), 2),
            "durable_action_p50_ms": round(percentile(&durable, 0.5), 2),
            "durable_action_p99_ms": round(percentile(&durable, 0.99), 2),
            "peak_rss_mb": peak_before_tui.map(|m| round(m, 1)),
            "peak_rss_with_tui_mb": peak_rss_mb().map(|m| round(m, 1)),
            "rss_after_load_mb": rss_loaded.map(|m| round(m, 1)),
            "index_mb": rss_loaded.zip(rss_indexed).map(|(a, b)| round(b - a, 1)),
        })
    );
    Ok(())
}
