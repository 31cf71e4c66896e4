//! Hostile servers: redirects to another origin, server-given URLs, endless and
//! decompression-bomb bodies, cycling cursors, hung connections and secrets echoed in
//! error bodies. Each test stands up a small server of its own on 127.0.0.1 and checks
//! that the client keeps its credentials, its memory and its time.

mod bodies;
mod paging;
mod rate_limits;
mod redirects;
mod secrets;
mod server;
mod timeouts;
mod tls;

use std::time::Duration;

use metaform::api::alation::{AlationAuth, AlationClient, AlationConfig, JobPolling};
use metaform::api::openmetadata::OpenMetadataClient;
use metaform::http::{HttpClient, HttpOptions, RetryPolicy};
use secrecy::SecretString;

/// The access token the Alation clients of these tests send.
pub const TOKEN: &str = "hostile-test-access-token-0123456789";
/// The refresh token the Alation clients of these tests send.
pub const REFRESH: &str = "hostile-test-refresh-token-0123456789";

/// HTTP options with a single attempt and short timeouts, so a failure is immediate.
pub fn options() -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        ..HttpOptions::default()
    }
}

/// An Alation client of `url` with `auth`.
pub fn alation(url: &str, auth: AlationAuth) -> AlationClient {
    AlationClient::new(
        HttpClient::new(&options()).expect("the HTTP client builds"),
        AlationConfig {
            base_url: url.to_owned(),
            auth,
            page_size: 1,
            polling: JobPolling::default(),
        },
    )
}

/// Access-token authentication with [`TOKEN`].
pub fn access() -> AlationAuth {
    AlationAuth::AccessToken(SecretString::from(TOKEN))
}

/// Refresh-token authentication with [`REFRESH`].
pub fn refresh() -> AlationAuth {
    AlationAuth::RefreshToken {
        token: SecretString::from(REFRESH),
        user_id: 7,
    }
}

/// An OpenMetadata client of `url` (which ends in `/api`).
pub fn openmetadata(url: &str) -> OpenMetadataClient {
    OpenMetadataClient::new(
        HttpClient::new(&options()).expect("the HTTP client builds"),
        url,
        SecretString::from(TOKEN),
    )
    .expect("a valid hostPort")
}

/// The JSON `userinfo` answer of an admin.
pub fn userinfo() -> serde_json::Value {
    serde_json::json!({"id": 7, "username": "admin", "role": "SERVER_ADMIN"})
}
