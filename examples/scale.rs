//! The scale benchmark: the whole workflow on a generated catalog of any size, each
//! step measured on the real binary.
//!
//! ```sh
//! cargo build --release && cargo run --release --example scale -- 1x1x10x10000x20
//! ```
//!
//! SPEC is `services x databases x schemas x tables x columns` (schemas per database,
//! tables per schema, columns per table), as `metaform sandbox --generate` takes it.
//! The benchmark starts `metaform sandbox --generate SPEC` as a child process, writes a
//! workspace (a temporary directory, or `--keep DIR`) whose `metaform.yaml` points at
//! both APIs, and runs the `metaform` binary in it, one child process per step:
//! snapshot, snapshot again (must write nothing), the first plan, the first plan saved
//! (`plan --out`, against the still empty Alation), the first apply, a no-change plan
//! (`--detailed-exitcode` must exit 0), a one-change plan (one table's description
//! edited in one state file), that change saved (`plan --out`) and applied
//! (`apply plan.json`). With `--latency-ms N` the sandbox keeps its state in the
//! workspace, and after the run it is restarted from that state with N ms of latency
//! injected into every request, for the no-change plan once more: what concurrency
//! buys against a real, remote Alation.
//!
//! The steps are in `scale/bench.rs`, which a smoke test (`tests/it/scale_example.rs`)
//! also runs at a tiny size. For each step it prints the metaform process's wall time, CPU time (user + system)
//! and peak resident set (from `wait4`), the sandbox's CPU time during the step, the
//! requests each API received and the write requests among them (counted by the
//! sandbox, `GET /__metaform/stats`) beside the fewest the step can make: per data
//! source, one request creating it plus one per batch of schemas, tables and columns
//! at Alation's batch limits. Then the sandbox's CPU time and peak resident set over
//! the whole run. It exits 1 when a step fails or a check does not hold.
//!
//! The `metaform` binary is taken from `METAFORM_BIN`, else from beside the example's
//! own directory (`target/release/metaform`), which `cargo run --example` does not
//! build: `cargo build --release` first.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a developer tool's report, not the product's output, which goes through the Printer"
)]

#[path = "scale/bench.rs"]
mod bench;
#[path = "../tests/it/workspace/config.rs"]
#[allow(
    dead_code,
    reason = "shared with the integration tests, which use all of it"
)]
mod config;
#[path = "scale/edit.rs"]
mod edit;
#[path = "scale/measure.rs"]
mod measure;
#[path = "support/metaform_bin.rs"]
mod metaform_bin;
#[path = "scale/report.rs"]
mod report;
#[path = "scale/sandbox.rs"]
mod sandbox;

use std::path::PathBuf;
use std::process::ExitCode;

use bench::Options;

const USAGE: &str = "usage: scale SPEC [--latency-ms N] [--keep DIR]   (SPEC e.g. 1x1x10x10000x20)";

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The benchmark; `Ok(false)` when a step failed or a check did not hold.
fn run() -> Result<bool, String> {
    let (options, keep) = options()?;
    let binary = metaform_bin::metaform_binary()?;
    let temporary;
    let workspace = match &keep {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
            if std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_some()) {
                return Err(format!(
                    "`{}` is not empty: give a new directory",
                    dir.display()
                ));
            }
            dir.clone()
        }
        None => {
            temporary = tempfile::Builder::new()
                .prefix("metaform-scale-")
                .tempdir()
                .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
            temporary.path().to_path_buf()
        }
    };
    let spec = &options.spec;
    let databases = spec.services * spec.databases;
    let tables = databases * spec.schemas * spec.tables;
    println!(
        "catalog {}: {databases} database(s), {} schema(s), {tables} table(s), {} column(s)",
        bench::spec_text(spec),
        databases * spec.schemas,
        tables * spec.columns
    );
    println!("metaform: {}", binary.display());
    println!(
        "workspace: {}{}",
        workspace.display(),
        if keep.is_some() { " (kept)" } else { "" }
    );

    let outcome = bench::run(&binary, &workspace, &options);
    println!("sandbox ready in {:.2} s", outcome.sandbox_ready_secs);
    println!();
    for line in report::table(&outcome.rows) {
        println!("{line}");
    }
    println!(
        "sandbox, whole run (generating the catalog included): CPU {:.2} s, peak RSS {:.1} MiB{}",
        outcome.sandbox.cpu.as_secs_f64(),
        report::mebibytes(outcome.sandbox.peak_rss),
        if options.latency_ms.is_some() {
            " (persisting its state for the latency run: its saves are included)"
        } else {
            ""
        }
    );
    for failure in &outcome.failures {
        println!("check failed: {failure}");
    }
    if let Some(err) = outcome.error {
        return Err(err);
    }
    Ok(outcome.failures.is_empty())
}

/// Parses the command line: the options and `--keep DIR`.
fn options() -> Result<(Options, Option<PathBuf>), String> {
    let mut spec = None;
    let mut latency_ms = None;
    let mut keep = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--latency-ms" => {
                let value = args.next().ok_or("--latency-ms needs a number")?;
                latency_ms = Some(
                    value
                        .parse()
                        .map_err(|_| format!("--latency-ms: not a whole number: `{value}`"))?,
                );
            }
            "--keep" => keep = Some(PathBuf::from(args.next().ok_or("--keep needs a DIR")?)),
            "-h" | "--help" => return Err(USAGE.into()),
            _ if spec.is_none() && !arg.starts_with('-') => spec = Some(arg.parse()?),
            _ => return Err(format!("unexpected argument `{arg}`\n{USAGE}")),
        }
    }
    let spec = spec.ok_or(USAGE)?;
    Ok((Options { spec, latency_ms }, keep))
}
