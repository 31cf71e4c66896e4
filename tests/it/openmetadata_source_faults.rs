//! Snapshotting an OpenMetadata sandbox that injects transient faults: the retries in
//! the client make the result identical to a fault-free run.

use std::path::PathBuf;
use std::time::Duration;

use metaform::api::openmetadata::OpenMetadataClient;
use metaform::config::Filters;
use metaform::http::{HttpClient, HttpOptions, RetryPolicy};
use metaform::sim::{Sandbox, SandboxOptions, Seed};
use metaform::source::openmetadata::snapshot;
use secrecy::SecretString;

/// The sample data directory: `shared/` beside the repository, else the machine-wide copy.
fn sample_data() -> PathBuf {
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/openmetadata-sample-data");
    if beside.exists() {
        beside
    } else {
        PathBuf::from("/work/shared/fixtures/openmetadata-sample-data")
    }
}

fn client(sandbox: &Sandbox) -> OpenMetadataClient {
    let options = HttpOptions {
        retry: RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        },
        ..HttpOptions::default()
    };
    OpenMetadataClient::new(
        HttpClient::new(&options).unwrap(),
        sandbox.openmetadata_url(),
        SecretString::from(sandbox.credentials().openmetadata_jwt.clone()),
    )
    .unwrap()
    .with_page_size(3)
}

/// 429s, 5xx answers and dropped connections on a third of the requests leave the
/// snapshot unchanged.
#[tokio::test]
async fn snapshot_survives_transient_faults() {
    let clean = Sandbox::start(SandboxOptions {
        seed: Seed::SampleData(sample_data()),
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let faulty = Sandbox::start(SandboxOptions {
        seed: Seed::SampleData(sample_data()),
        faults: "seed=7,rate=0.3,kinds=429+5xx+drop,retry_after=0"
            .parse()
            .unwrap(),
        ..SandboxOptions::default()
    })
    .await
    .unwrap();

    let expected = snapshot(&client(&clean), &Filters::default())
        .await
        .unwrap();
    let got = snapshot(&client(&faulty), &Filters::default())
        .await
        .unwrap();
    assert_eq!(got, expected);
    assert!(!faulty.openmetadata_faults().records().is_empty());

    clean.shutdown().await.unwrap();
    faulty.shutdown().await.unwrap();
}

/// Lineage requests that keep failing end the snapshot with an error naming the lineage
/// endpoint and the table, after the client's retries.
#[tokio::test]
async fn failing_lineage_names_the_endpoint_and_table() {
    let faulty = Sandbox::start(SandboxOptions {
        seed: Seed::SampleData(sample_data()),
        faults: "seed=1,rate=1,kinds=5xx,paths=/api/v1/lineage/*"
            .parse()
            .unwrap(),
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let err = snapshot(&client(&faulty), &Filters::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("GET /api/v1/lineage/table/name/")
            && err.contains("?upstreamDepth=1&downstreamDepth=0")
            && err.contains("(after 8 attempt(s))"),
        "{err}"
    );
    let table = err
        .split("/lineage/table/name/")
        .nth(1)
        .and_then(|rest| rest.split('?').next())
        .unwrap_or_default();
    assert!(
        table.starts_with("Glue.default.")
            || table.starts_with("sample_data.ecommerce_db.shopify."),
        "the error names a table of the catalog: {err}"
    );
    faulty.shutdown().await.unwrap();
}
