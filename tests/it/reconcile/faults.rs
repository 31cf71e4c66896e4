//! Failed jobs make apply exit 3 with the job's message, and the next run converges;
//! a catalog beyond one request's limits is applied in batches Alation accepts.

use std::time::Duration;

use metaform::sim::faults::{Fault, FaultConfig, FaultKind, Scope};
use metaform::sim::{SandboxOptions, Seed};

use super::lines_starting;
use crate::support;
use crate::workspace::Workspace;

/// A workspace over the sample data whose sandboxes inject `faults`.
async fn sample_data_with(faults: FaultConfig) -> Workspace {
    Workspace::builder()
        .sandbox(SandboxOptions {
            seed: Seed::SampleData(support::sample_data_dir()),
            faults,
            ..SandboxOptions::default()
        })
        .build()
        .await
}

/// Failing jobs make apply exit 3 naming the job's failure; after a restart without faults it converges.
#[tokio::test]
async fn failed_jobs_exit_3_and_the_next_apply_converges() {
    let persisted = tempfile::tempdir().expect("a temporary directory");
    let file = persisted.path().join("sandbox.json");
    let options = |faults: FaultConfig| SandboxOptions {
        seed: Seed::SampleData(support::sample_data_dir()),
        persist: Some(file.clone()),
        faults,
        ..SandboxOptions::default()
    };
    let project = Workspace::builder()
        .sandbox(options(FaultConfig {
            seed: 5,
            job_failure_rate: Some(0.5),
            ..FaultConfig::default()
        }))
        .build()
        .await;
    project.run_ok(&["snapshot"]).await;
    let partial = project.run_expect(&["apply", "--auto-approve"], 3).await;
    assert!(
        partial
            .stderr
            .contains("(injected failure); nothing was written"),
        "{}",
        partial.stderr
    );
    assert!(partial.stderr.contains(" failed"), "{}", partial.stderr);

    let project = project.restart(options(FaultConfig::default())).await;
    let remaining = project
        .run_expect(&["plan", "--detailed-exitcode"], 2)
        .await;
    assert!(
        !lines_starting(&remaining.stdout, "+").is_empty(),
        "{}",
        remaining.stdout
    );
    project.run_ok(&["apply", "--auto-approve"]).await;
    let again = project.run_ok(&["plan", "--detailed-exitcode"]).await;
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

/// 1,200 tables and 12,000 columns in one schema are applied in requests Alation accepts, and converge.
#[tokio::test]
async fn catalog_over_request_limits_is_applied_in_batches() {
    let spec = "1x1x1x1200x10".parse().expect("a generate spec");
    let project = Workspace::builder()
        .sandbox(SandboxOptions {
            seed: Seed::Generated(spec),
            ..SandboxOptions::default()
        })
        .build()
        .await;
    project.run_ok(&["snapshot"]).await;
    let applied = project.run_ok(&["apply", "--auto-approve"]).await;
    assert!(
        applied
            .stdout
            .contains("Plan: 13202 to add, 0 to change, 0 to destroy."),
        "{}",
        applied.stdout.lines().last().unwrap_or_default()
    );
    // The sandbox answers 400 to a request over the limits; the count shows full
    // batches: a data source, a schema, 1,000 + 200 tables, 10,000 + 2,000 columns.
    assert!(
        applied
            .stderr
            .contains("13202 applied, 0 failed, 0 skipped (6 write request(s))"),
        "{}",
        applied.stderr
    );
    let again = project.run_ok(&["plan", "--detailed-exitcode"]).await;
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

/// Server errors (500 included) and rate limits on reads are retried: snapshot, apply and plan all succeed.
#[tokio::test]
async fn server_errors_on_reads_are_retried() {
    let project = sample_data_with(FaultConfig {
        seed: 11,
        rate: 0.3,
        kinds: vec![FaultKind::ServerError, FaultKind::RateLimit],
        retry_after_secs: 0,
        scope: Scope {
            paths: Vec::new(),
            methods: vec!["GET".into()],
        },
        ..FaultConfig::default()
    })
    .await;
    project.run_ok(&["snapshot"]).await;
    project.run_ok(&["apply", "--auto-approve"]).await;
    let again = project.run_ok(&["plan", "--detailed-exitcode"]).await;
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
    let served_500 = project
        .sandbox
        .alation_faults()
        .records()
        .iter()
        .chain(project.sandbox.openmetadata_faults().records().iter())
        .any(|r| r.fault == Fault::ServerError { status: 500 });
    assert!(served_500, "no 500 was injected: choose another seed");
}

/// A connection reset while exchanging the refresh token for an access token is retried.
#[tokio::test]
async fn reset_during_token_exchange_is_retried() {
    let project = sample_data_with(FaultConfig {
        seed: 2,
        rate: 0.5,
        kinds: vec![FaultKind::Drop],
        scope: Scope {
            paths: vec!["/integration/v1/createAPIAccessToken/".into()],
            methods: vec!["POST".into()],
        },
        ..FaultConfig::default()
    })
    .await;
    project.run_ok(&["snapshot"]).await;
    for _ in 0..3 {
        project
            .run_expect(&["plan", "--detailed-exitcode"], 2)
            .await;
    }
    let drops = project.sandbox.alation_faults().records();
    assert!(
        drops.iter().any(|r| r.fault == Fault::Drop),
        "no reset was injected: choose another seed"
    );
}

/// An access token expiring mid-apply is renewed from the refresh token, never by creating another refresh token.
#[tokio::test]
async fn expired_access_token_is_renewed_without_new_refresh_token() {
    let persisted = tempfile::tempdir().expect("a temporary directory");
    let file = persisted.path().join("sandbox.json");
    let project = Workspace::builder()
        .sandbox(SandboxOptions {
            seed: Seed::SampleData(support::sample_data_dir()),
            persist: Some(file.clone()),
            faults: FaultConfig {
                rate: 1.0,
                kinds: vec![FaultKind::Latency],
                latency: Duration::from_millis(150),
                scope: Scope {
                    paths: vec!["/integration/v2/".into()],
                    methods: vec!["POST".into()],
                },
                access_token_ttl: Some(Duration::from_millis(300)),
                ..FaultConfig::default()
            },
            ..SandboxOptions::default()
        })
        .build()
        .await;
    project.run_ok(&["snapshot"]).await;
    project.run_ok(&["apply", "--auto-approve"]).await;
    let again = project.run_ok(&["plan", "--detailed-exitcode"]).await;
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
    project
        .sandbox
        .shutdown()
        .await
        .expect("the sandboxes shut down");
    let saved: serde_json::Value =
        serde_json::from_slice(&super::read(&file)).expect("a JSON sandbox state");
    let tokens = |name: &str| saved["alation"][name].as_object().map_or(0, |m| m.len());
    assert_eq!(tokens("refresh_tokens"), 1);
    // One access token per run (apply, plan) would be 2: more means renewals.
    assert!(tokens("access_tokens") > 2, "{}", tokens("access_tokens"));
}

/// A killed apply loses nothing: the next plan adds exactly what Alation is missing, and apply converges.
#[tokio::test]
async fn killed_apply_loses_nothing() {
    let project = sample_data_with(FaultConfig {
        rate: 1.0,
        kinds: vec![FaultKind::Latency],
        latency: Duration::from_millis(300),
        scope: Scope {
            paths: vec!["/integration/v2/".into()],
            methods: vec!["POST".into()],
        },
        ..FaultConfig::default()
    })
    .await;
    project.run_ok(&["snapshot"]).await;
    let full = project.run_ok(&["plan", "--format", "json"]).await;
    let full: serde_json::Value = serde_json::from_str(&full.stdout).expect("a JSON plan");
    let mut apply = project
        .command(&["apply", "--auto-approve"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("apply starts");
    tokio::time::sleep(Duration::from_millis(700)).await;
    apply.kill().expect("apply is killed");
    tokio::task::spawn_blocking(move || apply.wait())
        .await
        .expect("the wait's thread")
        .expect("apply ends");

    let token = project.alation_token().await;
    let mut stored = 0;
    for source in project.datasources(&token).await {
        let id = source["id"].as_u64().expect("an id");
        stored += 1 + project.alation_objects_under(id, &token).await.len();
    }
    let rest = project.run_ok(&["plan", "--format", "json"]).await;
    let rest: serde_json::Value = serde_json::from_str(&rest.stdout).expect("a JSON plan");
    assert_eq!(rest["summary"]["change"], 0, "{}", rest["summary"]);
    assert_eq!(
        rest["summary"]["add"].as_u64().expect("a count") + stored as u64,
        full["summary"]["add"].as_u64().expect("a count"),
        "stored {stored}"
    );
    project.run_ok(&["apply", "--auto-approve"]).await;
    let again = project.run_ok(&["plan", "--detailed-exitcode"]).await;
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}
