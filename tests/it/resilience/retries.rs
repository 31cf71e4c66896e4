//! Transient failures the fault matrix found unretried: a 500 on a read, and a
//! dropped connection on the access-token exchange.

use metaform::api::alation::{AlationAuth, AlationClient, AlationConfig, JobPolling};
use metaform::http::{HttpClient, HttpOptions, RetryPolicy};
use metaform::sim::faults::{Fault, FaultConfig};
use metaform::sim::{Sandbox, SandboxOptions};
use secrecy::SecretString;

/// A fault spec for `path` whose first request in scope gets `first` and whose second
/// gets none, in whichever decision stream the Alation sandbox uses.
fn first_request_fault(path: &str, kinds: &str, first: Fault) -> FaultConfig {
    (0..10_000)
        .map(|seed| {
            format!("seed={seed},rate=0.5,kinds={kinds},paths={path}")
                .parse::<FaultConfig>()
                .expect("a valid fault spec")
        })
        .find(|config| {
            (1..=2).all(|stream| {
                config.decide(stream, 0) == Some(first) && config.decide(stream, 1).is_none()
            })
        })
        .expect("some seed gives the fault first")
}

fn client(sandbox: &Sandbox) -> AlationClient {
    let options = HttpOptions {
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: std::time::Duration::from_millis(10),
            max_delay: std::time::Duration::from_millis(50),
        },
        ..HttpOptions::default()
    };
    let credentials = &sandbox.credentials().alation;
    AlationClient::new(
        HttpClient::new(&options).expect("the HTTP client builds"),
        AlationConfig {
            base_url: sandbox.alation_url().to_owned(),
            auth: AlationAuth::RefreshToken {
                token: SecretString::from(credentials.refresh_token.clone()),
                user_id: credentials.refresh_token_user_id,
            },
            page_size: 100,
            polling: JobPolling::default(),
        },
    )
}

/// A 500 answer to a GET is retried (SPEC §6: 5xx are transient).
#[tokio::test]
async fn server_error_500_on_a_read_is_retried() {
    let faults = first_request_fault(
        "/integration/v1/datasource/",
        "5xx",
        Fault::ServerError { status: 500 },
    );
    let sandbox = Sandbox::start(SandboxOptions {
        faults,
        ..SandboxOptions::default()
    })
    .await
    .expect("the sandboxes start");
    let listed = client(&sandbox).native_datasources().await;
    assert!(listed.is_ok(), "{listed:?}");
    assert_eq!(sandbox.alation_faults().records().len(), 1);
}

/// A dropped connection on `createAPIAccessToken` is retried: exchanging a refresh
/// token twice creates no second refresh token.
#[tokio::test]
async fn access_token_exchange_survives_a_dropped_connection() {
    let faults = first_request_fault("/integration/v1/createAPIAccessToken/", "drop", Fault::Drop);
    let sandbox = Sandbox::start(SandboxOptions {
        faults,
        ..SandboxOptions::default()
    })
    .await
    .expect("the sandboxes start");
    let listed = client(&sandbox).native_datasources().await;
    assert!(listed.is_ok(), "{listed:?}");
    assert_eq!(sandbox.alation_faults().records().len(), 1);
}
