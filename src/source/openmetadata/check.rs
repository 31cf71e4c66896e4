//! `metaform check` for OpenMetadata: the server's version (which needs no token), then
//! a listing of database services (which does). Nothing is written, and no credential
//! appears in the output.

use crate::api::openmetadata::{OmError, OpenMetadataClient};
use crate::check::{CheckOutcome, check_http, without_userinfo};
use crate::config::OpenMetadataConnection;
use crate::http::HttpClient;

/// The server's version, then whether the JWT is accepted.
pub async fn check_openmetadata(
    side: &'static str,
    om: &OpenMetadataConnection,
) -> Vec<CheckOutcome> {
    let url = without_userinfo(&om.host_port);
    let client = match HttpClient::new(&check_http(om.http_options()))
        .map_err(|e| e.to_string())
        .and_then(|http| {
            OpenMetadataClient::new(http, &om.host_port, om.jwt_token.clone())
                .map_err(|e| e.to_string())
        }) {
        Ok(client) => client,
        Err(message) => {
            return vec![CheckOutcome::failed(
                side,
                format!("{message}; check `{side}.hostPort`"),
            )];
        }
    };
    let version = match client.check_version().await {
        Ok(version) => version,
        Err(err) => {
            return vec![CheckOutcome::failed(
                side,
                format!(
                    "cannot reach OpenMetadata at {url}: {err}; check `{side}.hostPort` (it ends in `/api`)"
                ),
            )];
        }
    };
    let mut outcomes = vec![CheckOutcome::ok(
        side,
        format!("OpenMetadata {version} answers at {url}"),
    )];
    outcomes.push(match client.database_services().await {
        Ok(services) => CheckOutcome::ok(
            side,
            format!(
                "the JWT is accepted: {} database service(s) visible",
                services.len()
            ),
        ),
        Err(err @ OmError::Unauthorized { .. }) => CheckOutcome::failed(
            side,
            format!(
                "{err}; check `{side}.auth.jwtToken`: use the JWT of a bot (OpenMetadata: Settings > Bots)"
            ),
        ),
        Err(err) => CheckOutcome::failed(side, format!("cannot list database services: {err}")),
    });
    outcomes
}
