//! Writes a generated sample ledger as interchange JSON.
//!
//! `cargo run --example gen-sample -- --cases N --seed S [-o FILE]` (stdout without `-o`).
//! The shipped `sample-data/liaocheng-2017.json` is
//! `--cases 272 --seed 2017 -o sample-data/liaocheng-2017.json`.

use std::io::Write;
use std::process::ExitCode;

use zhengdun::sample::{generate, SAMPLE_CASES, SAMPLE_SEED};

const USAGE: &str = "usage: gen-sample [--cases N] [--seed S] [-o FILE]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-sample: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut cases = SAMPLE_CASES;
    let mut seed = SAMPLE_SEED;
    let mut out: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value ({USAGE})"))
        };
        match a.as_str() {
            "--cases" => {
                let v = value("--cases")?;
                cases = v
                    .parse()
                    .map_err(|_| format!("--cases '{v}' is not a whole number"))?;
            }
            "--seed" => {
                let v = value("--seed")?;
                seed = v
                    .parse()
                    .map_err(|_| format!("--seed '{v}' is not a whole number"))?;
            }
            "-o" | "--output" => out = Some(value("-o")?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument '{other}' ({USAGE})")),
        }
    }
    let mut json = generate(cases, seed)
        .to_json()
        .map_err(|e| format!("the sample does not serialise: {e}"))?;
    json.push('\n');
    match out {
        Some(path) => std::fs::write(&path, json).map_err(|e| format!("{path}: {e}")),
        None => std::io::stdout()
            .lock()
            .write_all(json.as_bytes())
            .map_err(|e| format!("stdout: {e}")),
    }
}
