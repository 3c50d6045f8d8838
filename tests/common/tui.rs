//! A small hand-made Chinese ledger and helpers that drive the app without a terminal.

use chrono::NaiveDate;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use zhengdun::domain::*;
use zhengdun::i18n::Lang;
use zhengdun::ledger::Ctx;
use zhengdun::ledger::Local;
use zhengdun::session::Env;
use zhengdun::store::Store;
use zhengdun::tui::keymap::{Key, Keymap};
use zhengdun::tui::prefs::Prefs;
use zhengdun::tui::{render, Tui};

pub use super::d;

pub fn today() -> NaiveDate {
    d("2017-09-15")
}

fn pairing(
    leader: &str,
    township_leader: &str,
    secretary: &str,
    unit: &str,
    on: &str,
) -> Option<Pairing> {
    Some(Pairing {
        county_leader: leader.into(),
        county_leader_account: None,
        township_leader: township_leader.into(),
        first_secretary: secretary.into(),
        first_secretary_unit: unit.into(),
        assisting_unit: String::new(),
        paired_on: Some(d(on)),
    })
}

fn case(
    id: &str,
    county: &str,
    township: &str,
    village: &str,
    identified: &str,
    stage: Stage,
) -> Case {
    Case {
        problems: "村两委班子不团结，内耗严重，群众意见大；集体经济薄弱。".into(),
        stage,
        ..Case::identified(
            id,
            2017,
            county,
            township,
            village,
            vec![Situation::SecretaryUnfit, Situation::PoorService],
            d(identified),
        )
    }
}

/// The `n`th of a run of plain cases (2017-T-00000, 2017-T-00001 …) identified on `day`,
/// for ledgers that need many.
pub fn numbered(n: u32, day: NaiveDate) -> Case {
    Case::identified(
        format!("2017-T-{n:05}"),
        2017,
        "阳谷县",
        "阿城镇",
        format!("第{n}村"),
        vec![Situation::PoorService],
        day,
    )
}

/// Six cases: overdue and not, at every stage, two counties, one leader with three.
pub fn cases() -> Vec<Case> {
    let mut a = case(
        "2017-YG-003",
        "阳谷县",
        "阿城镇",
        "前进村",
        "2017-03-10",
        Stage::Paired,
    );
    a.pairing = pairing("王建国", "李明", "张伟", "县财政局", "2017-03-25");
    a.visits.push(Visit {
        on: d("2017-06-02"),
        by: "王建国".into(),
        kind: VisitKind::Unannounced,
        findings: "书记长期不在村，活动场所大门紧锁。".into(),
    });
    let b = case(
        "2017-YG-007",
        "阳谷县",
        "阿城镇",
        "鸳鸯湖村",
        "2017-03-12",
        Stage::Identified,
    );
    let mut c = case(
        "2017-DE-002",
        "东阿县",
        "铜城街道",
        "王楼村",
        "2017-03-01",
        Stage::CadresAdjusted,
    );
    c.pairing = pairing("王建国", "赵强", "刘洋", "县农业局", "2017-04-01");
    c.adjustments.push(Adjustment {
        name: "孙某".into(),
        post: Post::Secretary,
        reason: AdjustReason::Aging,
        action: AdjustAction::Removed,
        on: d("2017-05-01"),
        replacement: Some("周某".into()),
        replacement_source: Some(ReplacementSource::Returnee),
    });
    c.tasks.push(Task {
        measure: "建设村级活动场所".into(),
        responsible: "刘洋".into(),
        due: d("2017-08-31"),
        done_on: None,
    });
    let s = case(
        "2017-SX-001",
        "莘县",
        "燕店镇",
        "东阿村",
        "2017-08-30",
        Stage::Identified,
    );
    let mut e = case(
        "2017-SX-004",
        "莘县",
        "古城镇",
        "后屯村",
        "2017-03-05",
        Stage::Paired,
    );
    e.pairing = pairing("王建国", "陈刚", "马丽", "县教育局", "2017-07-01");
    let mut f = case(
        "2017-DE-009",
        "东阿县",
        "姜楼镇",
        "南街村",
        "2017-02-20",
        Stage::Accepted,
    );
    f.pairing = pairing("李华", "钱进", "吴敏", "县人社局", "2017-03-01");
    f.no_adjustment_reason = Some("班子结构合理，无需调整".into());
    f.acceptance.push(Acceptance {
        on: d("2017-08-20"),
        by: "县委组织部".into(),
        score: 88,
        poll_n: 40,
        poll_dissatisfied: 3,
        standards: [true; 6],
        verdict: Verdict::Pass,
    });
    f.closed_on = Some(d("2017-08-20"));
    vec![a, b, c, s, e, f]
}

pub fn ctx() -> Ctx {
    Ctx {
        today: today(),
        actor: "王建国".into(),
        policy: Policy::default(),
        person: None,
    }
}

/// A fresh database with the hand-made cases, and the app on it (the tempdir must live).
pub fn app_with(lang: Lang, keymap: Keymap) -> (tempfile::TempDir, Tui) {
    build(cases(), lang, keymap)
}

pub fn app_with_cases(cases: Vec<Case>) -> (tempfile::TempDir, Tui) {
    build(cases, Lang::Zh, Keymap::default_keys().unwrap())
}

fn build(cases: Vec<Case>, lang: Lang, keymap: Keymap) -> (tempfile::TempDir, Tui) {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    store.insert(cases, ChangeKind::Imported, &ctx()).unwrap();
    (dir, tui_on(store, ctx(), lang, keymap))
}

/// The store of the ledger in `dir` (an app's, once the app is dropped).
pub fn store_in(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("ledger")).unwrap()
}

/// The app in Chinese with the default keys on an open store, acting as `ctx` says.
pub fn tui_as(store: Store, ctx: Ctx) -> Tui {
    tui_on(store, ctx, Lang::Zh, Keymap::default_keys().unwrap())
}

/// The app on an open store, as `zhengdun` builds it.
pub fn tui_on(store: Store, ctx: Ctx, lang: Lang, keymap: Keymap) -> Tui {
    let env = Env {
        lang,
        ctx: ctx.clone(),
        db_dir: store.dir().to_path_buf(),
        wait: std::time::Duration::ZERO,
        command: "tui",
        asked: None,
    };
    let ledger = Box::new(Local::new(store, ctx));
    Tui::new(ledger, &env, keymap, Prefs::default()).unwrap()
}

pub fn app() -> (tempfile::TempDir, Tui) {
    app_with(Lang::Zh, Keymap::default_keys().unwrap())
}

/// Drives the app with a key sequence: `<…>` and single characters are keys; a longer
/// word is typed character by character (Chinese included, as an input method sends it).
pub fn press(app: &mut Tui, keys: &str) {
    for token in keys.split(' ').filter(|t| !t.is_empty()) {
        if token.starts_with('<') || token.chars().count() == 1 {
            let key = Key::parse(token).unwrap_or_else(|e| panic!("{e}"));
            app.handle_key(key);
        } else {
            for c in token.chars() {
                app.handle_key(Key::parse(&c.to_string()).unwrap());
            }
        }
    }
}

/// Renders into a `w`×`h` test terminal and returns the backend (for snapshots).
pub fn draw(app: &mut Tui, w: u16, h: u16) -> TestBackend {
    app.dispatch(zhengdun::tui::Msg::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render(&app.app, f)).unwrap();
    t.backend().clone()
}

/// The screen as plain text lines.
pub fn screen(app: &mut Tui, w: u16, h: u16) -> String {
    let b = draw(app, w, h);
    let buf = b.buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        let mut x = 0;
        while x < w {
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            // a wide character covers the next cell too
            x += zhengdun::text::width(sym).max(1) as u16;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The shipped sample ledger (Liaocheng 2017), as of its own date, seen by `actor`.
pub fn sample_app(actor: &str) -> (tempfile::TempDir, Tui) {
    let ledger = zhengdun::interchange::json::parse(
        zhengdun::cli::SAMPLE,
        "sample",
        &Policy::default(),
        Lang::En,
    )
    .expect("the shipped sample parses");
    let ctx = Ctx {
        today: ledger.as_of.expect("the sample has an as_of date"),
        actor: actor.into(),
        policy: Policy::default(),
        person: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("ledger")).unwrap();
    store
        .import(
            ledger.cases,
            &ledger.accountability,
            ChangeKind::Imported,
            &ctx,
        )
        .unwrap();
    (
        dir,
        tui_on(store, ctx, Lang::Zh, Keymap::default_keys().unwrap()),
    )
}

/// The screen as plain text, each line with matched characters (drawn underlined) followed
/// by a line with `^` under every such cell — styles made visible for snapshots.
pub fn screen_with_marks(app: &mut Tui, w: u16, h: u16) -> String {
    use ratatui::style::Modifier;
    let text = screen(app, w, h);
    let b = draw(app, w, h);
    let buf = b.buffer();
    let mut out = String::new();
    for (y, line) in text.lines().enumerate() {
        out.push_str(line);
        out.push('\n');
        let mut marks = String::new();
        let mut x = 0;
        while x < w {
            let cell = &buf[(x, y as u16)];
            let cells = zhengdun::text::width(cell.symbol()).max(1);
            let m = if cell.modifier.contains(Modifier::UNDERLINED) {
                '^'
            } else {
                ' '
            };
            marks.extend(std::iter::repeat_n(m, cells));
            x += cells as u16;
        }
        if marks.contains('^') {
            out.push_str(marks.trim_end());
            out.push('\n');
        }
    }
    out
}
