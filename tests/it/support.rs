//! What every integration test needs: sandboxes on ephemeral loopback ports, an HTTP
//! client for them, the sample data, and catalog builders (`model`).

pub mod model;

use std::path::{Path, PathBuf};
use std::time::Duration;

use metaform::sim::{Sandbox, SandboxOptions, Seed};

/// Both sandboxes on ephemeral loopback ports, seeded with `seed`, without faults.
pub async fn start_sandbox(seed: Seed) -> Sandbox {
    start_sandbox_with(SandboxOptions {
        seed,
        ..SandboxOptions::default()
    })
    .await
}

/// Both sandboxes with these options (the addresses should keep port 0).
pub async fn start_sandbox_with(options: SandboxOptions) -> Sandbox {
    match Sandbox::start(options).await {
        Ok(sandbox) => sandbox,
        Err(err) => panic!("the sandboxes did not start: {err}"),
    }
}

/// A client for the sandboxes: no proxy, and a timeout so that a hang fails the test.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("the HTTP client builds")
}

/// An Alation API access token, exchanged from a refresh token at `base` (the sandbox's
/// Alation URL).
pub async fn alation_access_token(
    base: &str,
    refresh_token: &str,
    user_id: impl serde::Serialize,
) -> String {
    let answer: serde_json::Value = client()
        .post(format!("{base}/integration/v1/createAPIAccessToken/"))
        .json(&serde_json::json!({ "refresh_token": refresh_token, "user_id": user_id }))
        .send()
        .await
        .expect("createAPIAccessToken answers")
        .json()
        .await
        .expect("a JSON token answer");
    answer["api_access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

/// The OpenMetadata sample data: `<repo>/../shared/fixtures/openmetadata-sample-data`,
/// else `/work/shared/fixtures/openmetadata-sample-data`.
pub fn sample_data_dir() -> PathBuf {
    const RELATIVE: &str = "../shared/fixtures/openmetadata-sample-data";
    let beside_repo = Path::new(env!("CARGO_MANIFEST_DIR")).join(RELATIVE);
    if beside_repo.is_dir() {
        beside_repo
    } else {
        PathBuf::from("/work/shared/fixtures/openmetadata-sample-data")
    }
}
