//! The layers of `src/`, checked: every `crate::…` path a module names must point at a
//! module it may import (like ArchUnit's layer rules). Imports point one way:
//!
//! domain ← store ← ledger ← session ← cli / tui, with the leaves (text, i18n, interchange,
//! and the pure views over the domain: search, listing, stats) importable from any layer
//! above the domain and importing no layer above them.
//!
//! Test code (from a file's first `#[cfg(test)]` on) is not checked: tests may reach
//! anywhere.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "setup helpers outside #[test]: a failed step should stop the test with its message"
)]

use std::collections::BTreeMap;
use std::path::Path;

/// Each top-level module of `src/` and the modules it may name besides itself.
const ALLOWED: &[(&str, &[&str])] = &[
    // the core: pure, and knows nothing of the rest
    ("domain", &[]),
    ("par", &[]),
    ("panics", &[]),
    ("text", &[]),
    // leaves
    ("i18n", &["domain", "text"]),
    ("search", &["domain"]),
    ("listing", &["domain", "search"]),
    ("stats", &["domain", "i18n", "text"]),
    (
        "interchange",
        &["domain", "i18n", "text", "stats", "panics"],
    ),
    ("sample", &["domain", "interchange"]),
    // the store owns sled
    ("store", &["domain", "i18n", "panics", "par"]),
    // the one interface to a ledger, and what a run works with
    (
        "ledger",
        &[
            "domain",
            "store",
            "search",
            "stats",
            "listing",
            "i18n",
            "interchange",
        ],
    ),
    ("backup", &["ledger", "interchange"]),
    ("session", &["domain", "i18n", "ledger"]),
    // the county's server: one more client of the ledger, through the same interface
    (
        "server",
        &[
            "domain",
            "i18n",
            "text",
            "search",
            "listing",
            "interchange",
            "ledger",
            "session",
        ],
    ),
    // the faces: through the ledger, never the store
    (
        "tui",
        &[
            "domain",
            "i18n",
            "text",
            "search",
            "listing",
            "stats",
            "ledger",
            "session",
            "interchange",
            "server",
        ],
    ),
    (
        "cli",
        &[
            "domain",
            "i18n",
            "text",
            "search",
            "listing",
            "stats",
            "ledger",
            "session",
            "interchange",
            "backup",
            "tui",
            "server",
        ],
    ),
];

/// Imports that break the rules today and are being removed; the test fails on any other,
/// and on one listed here that is no longer there (so the list only shrinks).
const KNOWN: &[(&str, &str)] = &[];

/// The modules `source` names through `crate::`, each with its first line.
fn named_modules(source: &str) -> BTreeMap<String, usize> {
    let code = match source.find("#[cfg(test)]") {
        Some(at) => &source[..at],
        None => source,
    };
    let mut found = BTreeMap::new();
    for (n, line) in code.lines().enumerate() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.entry(name).or_insert(n + 1);
            }
        }
        // `use crate::{a, b}` names several
        if let Some(group) = line.strip_prefix("use crate::{") {
            for name in group
                .split([',', '}', ' '])
                .map(|w| w.split("::").next().unwrap_or(""))
            {
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    found.entry(name.to_string()).or_insert(n + 1);
                }
            }
        }
    }
    found
}

/// The top-level module a file of `src/` belongs to (`src/tui/view/list.rs` → `tui`).
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    match name {
        "lib" | "main" => None,
        other => Some(other.to_string()),
    }
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every import that the table does not allow: (module, imported, where).
fn violations(src: &Path) -> Vec<(String, String, String)> {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let Some(module) = module_of(rel) else {
            continue;
        };
        let may = allowed.get(module.as_str()).unwrap_or_else(|| {
            panic!(
                "src/{}: module {module} has no row in ALLOWED",
                rel.display()
            )
        });
        let source = std::fs::read_to_string(&file).unwrap();
        for (named, line) in named_modules(&source) {
            if named != module && !may.contains(&named.as_str()) {
                out.push((
                    module.clone(),
                    named,
                    format!("src/{}:{line}", rel.display()),
                ));
            }
        }
    }
    out
}

#[test]
fn imports_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    let unexpected: Vec<_> = found
        .iter()
        .filter(|(m, n, _)| !KNOWN.contains(&(m.as_str(), n.as_str())))
        .map(|(m, n, at)| format!("{at}: {m} must not import {n}"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "imports against the layers:\n{}",
        unexpected.join("\n")
    );
    let gone: Vec<_> = KNOWN
        .iter()
        .filter(|(m, n)| !found.iter().any(|(fm, fn_, _)| fm == m && fn_ == n))
        .collect();
    assert!(gone.is_empty(), "fixed, remove from KNOWN: {gone:?}");
}

#[test]
fn the_checker_sees_a_wrong_import() {
    let dir = tempfile::tempdir().unwrap();
    let domain = dir.path().join("domain");
    std::fs::create_dir_all(&domain).unwrap();
    std::fs::write(
        domain.join("case.rs"),
        "use crate::store::Store;\nfn f() { crate::tui::run(); }\n#[cfg(test)]\nmod tests { use crate::cli; }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("text.rs"),
        "use crate::{domain::Case, text};\n",
    )
    .unwrap();
    let found = violations(dir.path());
    let pairs: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|(m, n, at)| (m.as_str(), n.as_str(), at.as_str()))
        .collect();
    assert!(
        pairs.contains(&("domain", "store", "src/domain/case.rs:1")),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("domain", "tui", "src/domain/case.rs:2")),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("text", "domain", "src/text.rs:1")),
        "{pairs:?}"
    );
    assert!(
        !pairs.iter().any(|(_, n, _)| *n == "cli"),
        "test code is not checked"
    );
}
