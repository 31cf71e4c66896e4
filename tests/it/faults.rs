//! Fault injection: deterministic under a seed, scoped, and seen by clients as the real
//! failures they imitate.

use std::time::{Duration, Instant};

use metaform::sim::faults::{Fault, FaultConfig, FaultRecord};
use metaform::sim::{Sandbox, SandboxOptions, Seed};

use crate::support::{client, start_sandbox_with};

async fn sandbox_with_faults(spec: &str) -> Sandbox {
    let faults: FaultConfig = spec.parse().expect("valid fault spec");
    start_sandbox_with(SandboxOptions {
        seed: Seed::Empty,
        faults,
        ..SandboxOptions::default()
    })
    .await
}

/// What a client saw: a status, or `None` when the request failed without one.
async fn outcomes(sandbox: &Sandbox, requests: usize) -> Vec<Option<u16>> {
    let client = client();
    let url = format!("{}/integration/v2/table/?limit=10", sandbox.alation_url());
    let mut seen = Vec::with_capacity(requests);
    for _ in 0..requests {
        seen.push(
            client
                .get(&url)
                .send()
                .await
                .ok()
                .map(|r| r.status().as_u16()),
        );
    }
    seen
}

/// The same seed gives the same faults in the same order; another seed does not.
#[tokio::test]
async fn seeded_faults_repeat() {
    const SPEC: &str = "rate=0.5,kinds=429+5xx+drop,seed=";
    let mut runs: Vec<(Vec<Option<u16>>, Vec<FaultRecord>)> = Vec::new();
    for seed in [7, 7, 8] {
        let sandbox = sandbox_with_faults(&format!("{SPEC}{seed}")).await;
        let seen = outcomes(&sandbox, 40).await;
        let log = sandbox.alation_faults().records();
        sandbox.shutdown().await.expect("clean shutdown");
        runs.push((seen, log));
    }
    let (seen, log) = &runs[0];
    assert!(log.len() >= 5, "a rate of 0.5 gives faults: {log:?}");
    assert!(log.iter().all(|r| r.index < 40), "one decision per request");
    assert!(seen.contains(&None), "some connections are dropped");
    assert!(seen.iter().flatten().any(|s| *s == 429));
    assert_eq!(runs[0], runs[1]);
    assert_ne!(runs[0].1, runs[2].1);
}

/// A rate-limit answer is 429 with `Retry-After` in seconds and a DRF-style body.
#[tokio::test]
async fn rate_limit_carries_retry_after() {
    let sandbox = sandbox_with_faults("rate=1,kinds=429,retry_after=3").await;
    let response = client()
        .get(format!(
            "{}/integration/v1/userinfo/",
            sandbox.alation_url()
        ))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "3");
    let body: serde_json::Value = response.json().await.expect("JSON body");
    assert_eq!(
        body["detail"],
        "Request was throttled. Expected available in 3 seconds."
    );
}

/// A dropped connection reaches the client as an error, not as a response.
#[tokio::test]
async fn dropped_connection_is_a_client_error() {
    let sandbox = sandbox_with_faults("rate=1,kinds=drop").await;
    let result = client()
        .get(format!("{}/v1/tables", sandbox.openmetadata_url()))
        .send()
        .await;
    let err = result.expect_err("no response on a dropped connection");
    assert!(!err.is_timeout(), "{err}");
    let log = sandbox.openmetadata_faults().records();
    assert_eq!(log.len(), 1, "the client did not resend: {log:?}");
    assert_eq!(log[0].fault, Fault::Drop);
    assert_eq!(log[0].path, "/api/v1/tables");
}

/// Only requests in scope are faulted and counted.
#[tokio::test]
async fn faults_stay_in_scope() {
    let sandbox =
        sandbox_with_faults("rate=1,kinds=5xx,paths=/integration/v2/table/,methods=GET").await;
    let client = client();
    let base = sandbox.alation_url();
    let outside = [
        client
            .get(format!("{base}/integration/v2/schema/"))
            .send()
            .await,
        client
            .post(format!("{base}/integration/v2/table/"))
            .send()
            .await,
    ];
    for response in outside {
        let status = response.expect("an answer").status().as_u16();
        assert!(!(500..=504).contains(&status), "out of scope got {status}");
    }
    let inside = client
        .get(format!("{base}/integration/v2/table/?ds_id=1"))
        .send()
        .await
        .expect("an answer");
    assert!([500, 502, 503, 504].contains(&inside.status().as_u16()));
    let log = sandbox.alation_faults().records();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].index, log[0].method.as_str()), (0, "GET"));
}

/// A latency fault delays the answer by the configured time and changes nothing else.
#[tokio::test]
async fn latency_delays_the_answer() {
    let sandbox = sandbox_with_faults("rate=1,kinds=latency,latency_ms=300").await;
    let started = Instant::now();
    let response = client()
        .get(format!("{}/v1/tables", sandbox.openmetadata_url()))
        .send()
        .await
        .expect("an answer");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(!response.status().is_server_error());
    assert_eq!(
        sandbox.openmetadata_faults().records()[0].fault,
        Fault::Latency { millis: 300 }
    );
}

/// A lost answer: the request is handled in full (the data source is created, the
/// write's job runs and changes the catalog), then the connection ends without an answer.
#[tokio::test]
async fn lost_answer_changes_state_but_never_answers() {
    let sandbox = sandbox_with_faults(
        "rate=1,kinds=lost,methods=POST,paths=/integration/v1/datasource/+/integration/v2/schema/",
    )
    .await;
    let http = client();
    let base = sandbox.alation_url();
    let alation = &sandbox.credentials().alation;
    let token = &crate::support::alation_access_token(
        base,
        &alation.refresh_token,
        alation.refresh_token_user_id,
    )
    .await;
    let marker = "metaform://openmetadata/svc.lost_db";

    let created = http
        .post(format!("{base}/integration/v1/datasource/"))
        .header("TOKEN", token)
        .json(&serde_json::json!({
            "dbtype": "mysql", "title": "lost", "is_virtual": true, "uri": marker,
        }))
        .send()
        .await;
    assert!(created.is_err(), "no answer: {created:?}");
    let state = || serde_json::to_value(&*sandbox.alation_state().read()).expect("JSON state");
    let datasources: Vec<_> = state()["datasources"]
        .as_object()
        .expect("data sources")
        .values()
        .filter(|ds| ds["uri"] == marker)
        .cloned()
        .collect();
    assert_eq!(datasources.len(), 1, "created once: {datasources:?}");
    let ds_id = datasources[0]["id"].as_u64().expect("an id");

    let wrote = http
        .post(format!("{base}/integration/v2/schema/?ds_id={ds_id}"))
        .header("TOKEN", token)
        .json(&serde_json::json!([{"key": format!("{ds_id}.sales"), "title": "Sales"}]))
        .send()
        .await;
    assert!(wrote.is_err(), "no answer: {wrote:?}");
    let state = state();
    let jobs: Vec<_> = state["jobs"].as_object().expect("jobs").values().collect();
    assert_eq!(jobs.len(), 1, "the write's job was created: {jobs:?}");
    assert!(
        state["schemas"]
            .as_object()
            .expect("schemas")
            .values()
            .any(|s| s["name"] == "sales" && s["ds_id"] == ds_id && s["title"] == "Sales"),
        "the schema was written: {}",
        state["schemas"]
    );
    let log = sandbox.alation_faults().records();
    assert_eq!(
        log.iter().map(|r| r.fault).collect::<Vec<_>>(),
        [Fault::Lost, Fault::Lost],
        "{log:?}"
    );
}
