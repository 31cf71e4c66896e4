//! The fault matrix over any number of seeds: each cycle runs `metaform snapshot`,
//! `plan` and `apply` against sandboxes injecting 10% request faults (429 with
//! Retry-After, 5xx, dropped connections, lost answers, latency), expiring access
//! tokens and failing jobs, then checks without faults that the target converged, holds
//! one data source per database and lost nothing. A third of the cycles delete what
//! the source dropped (virtual data sources, `prune: owned`), a third create OCF data
//! sources and leave the source's drops as orphans.
//!
//! ```sh
//! cargo build --release && cargo run --release --example fault_matrix -- 500
//! ```
//!
//! Arguments: the number of seeds (default 20) and optionally the first seed
//! (default 1). The `metaform` binary is taken from `METAFORM_BIN`, else from beside
//! the example's own directory (`target/<profile>/metaform`).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a developer tool's report, not the product's output, which goes through the Printer"
)]

#[path = "../tests/it/workspace/config.rs"]
#[allow(
    dead_code,
    reason = "shared with the integration tests, which use all of it"
)]
mod config;
#[path = "../tests/it/resilience/cycle.rs"]
#[allow(
    dead_code,
    reason = "shared with the integration tests, which use all of it"
)]
mod cycle;
#[path = "support/metaform_bin.rs"]
mod metaform_bin;

use std::process::ExitCode;
use std::time::Instant;

use std::sync::Mutex;

use cycle::{Totals, run_cycles};

/// Cycles run at once.
const WORKERS: usize = 8;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let parse = |arg: Option<String>, default: u64, what: &str| match arg {
        None => Ok(default),
        Some(text) => text
            .parse::<u64>()
            .map_err(|_| format!("{what} must be a whole number, got `{text}`")),
    };
    let (count, first) = match (
        parse(args.next(), 20, "the number of seeds"),
        parse(args.next(), 1, "the first seed"),
    ) {
        (Ok(count), Ok(first)) => (count, first),
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let binary = match metaform_bin::metaform_binary() {
        Ok(binary) => binary,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let totals = Mutex::new(Totals::default());
    run_cycles(&runtime, &binary, first..first + count, WORKERS, |report| {
        if !report.is_clean() {
            println!("{}", report.describe());
        }
        if let Ok(mut totals) = totals.lock() {
            totals.add(&report);
        }
    });
    let totals = totals.into_inner().unwrap_or_default();
    for line in totals.lines() {
        println!("{line}");
    }
    println!("elapsed:                       {:.1?}", started.elapsed());
    if totals.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
