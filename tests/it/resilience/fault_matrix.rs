//! The fault matrix: snapshot, plan and apply under 20 fault seeds, each cycle ending
//! converged with nothing lost (`examples/fault_matrix.rs` runs any number of seeds).

use std::sync::Mutex;

use super::cycle::{Outcome, Totals, run_cycles};

/// Seeds CI runs.
const SEEDS: u64 = 20;

/// Cycles run at once.
const WORKERS: usize = 4;

/// Under 10% request faults, expiring tokens and failing jobs, every cycle converges
/// (at once, or after a re-run of the command that failed) and loses no object.
#[test]
fn every_seed_converges_without_data_loss() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_metaform"));
    let seen = Mutex::new((Totals::default(), Vec::new()));
    run_cycles(&runtime, binary, 1..SEEDS + 1, WORKERS, |report| {
        eprintln!("{}", report.describe());
        let mut seen = seen.lock().expect("no cycle panicked");
        seen.0.add(&report);
        if matches!(report.outcome, Outcome::NotConverged(_)) || report.data_lost() > 0 {
            seen.1.push(report.describe());
        }
    });
    let (totals, failures) = seen.into_inner().expect("no cycle panicked");
    eprintln!("{totals:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        totals.faults > 0,
        "no request fault was injected: {totals:?}"
    );
    assert!(totals.failed_jobs > 0, "no job failed: {totals:?}");
    assert!(
        totals.token_renewals > 0,
        "no access token expired: {totals:?}"
    );
}
