//! The fault matrix: snapshot, plan and apply under 20 fault seeds, creates, deletes and
//! OCF orphans in turn, each cycle ending converged with one data source per database
//! and nothing lost (`examples/fault_matrix.rs` runs any number of seeds).

use std::sync::Mutex;

use super::cycle::{Desired, Totals, run_cycles, stored_objects};

/// Seeds CI runs.
const SEEDS: u64 = 20;

/// Cycles run at once.
const WORKERS: usize = 8;

/// Under 10% request faults (lost answers included), expiring tokens and failing jobs,
/// every cycle converges (at once, or after a re-run of the command that failed),
/// creates no duplicate data source and loses no object, deletes and orphans included.
#[test]
fn every_seed_converges_without_data_loss() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_metaform"));
    let seen = Mutex::new((Totals::default(), Vec::new()));
    run_cycles(&runtime, binary, 1..SEEDS + 1, WORKERS, |report| {
        eprintln!("{}", report.describe());
        let mut seen = seen.lock().expect("no cycle panicked");
        seen.0.add(&report);
        if !report.is_clean() {
            seen.1.push(report.describe());
        }
    });
    let (totals, failures) = seen.into_inner().expect("no cycle panicked");
    eprintln!("{}", totals.lines().join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(totals.is_clean(), "{totals:?}");
    assert!(
        totals.faults > 0,
        "no request fault was injected: {totals:?}"
    );
    assert!(totals.lost_answers > 0, "no answer was lost: {totals:?}");
    assert!(totals.failed_jobs > 0, "no job failed: {totals:?}");
    assert!(
        totals.delete_cycles > 0 && totals.ocf_cycles > 0 && totals.orphans > 0,
        "deletes and OCF orphans were not both tested: {totals:?}"
    );
    assert!(
        totals.token_renewals > 0,
        "no access token expired: {totals:?}"
    );
}

/// The matrix sees a second data source carrying a database's marker: it is reported
/// as a duplicate (both ids), and objects are compared in the first one only.
#[test]
fn matrix_reports_a_duplicate_data_source() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let sandbox = super::cycle::start(&runtime, metaform::sim::SandboxOptions::default());
    let marker = "metaform://openmetadata/svc.db";
    let desired = Desired {
        objects: [vec!["svc".into(), "db".into(), "sales".into()]].into(),
        markers: [(marker.to_owned(), vec!["svc".into(), "db".into()])].into(),
    };
    let alation = sandbox.credentials().alation.clone();
    let base = sandbox.alation_url().to_owned();
    let ids: Vec<u64> = runtime.block_on(async {
        let http = crate::support::client();
        let token = &crate::support::alation_access_token(
            &base,
            &alation.refresh_token,
            alation.refresh_token_user_id,
        )
        .await;
        let mut ids = Vec::new();
        for title in ["first", "second"] {
            let created: serde_json::Value = http
                .post(format!("{base}/integration/v1/datasource/"))
                .header("TOKEN", token)
                .json(&serde_json::json!({
                    "dbtype": "mysql", "title": title, "is_virtual": true, "uri": marker,
                }))
                .send()
                .await
                .expect("a data source answer")
                .json()
                .await
                .expect("a JSON data source");
            ids.push(created["id"].as_u64().expect("an id"));
        }
        ids
    });
    let stored = stored_objects(&sandbox, &desired);
    assert_eq!(stored.duplicates(), [format!("{marker}: {ids:?}")]);
    let (missing, unexpected) = desired.compare(&stored, &Default::default());
    assert_eq!(
        missing,
        [vec!["svc".to_owned(), "db".into(), "sales".into()]]
    );
    assert!(unexpected.is_empty(), "{unexpected:?}");
    runtime
        .block_on(sandbox.shutdown())
        .expect("the sandbox stops");
}
