//! A secret that a server echoes back in an error body is redacted before it is printed.

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::{get, post};

use super::server::{Hostile, Project};

/// A server answering every token request and the version with an error status whose
/// body repeats the request: headers and body.
async fn echoing() -> Hostile {
    let echo = |status: StatusCode| {
        move |headers: axum::http::HeaderMap, body: Bytes| async move {
            let mut text = format!("{headers:?} ");
            text.push_str(&String::from_utf8_lossy(&body));
            (
                status,
                format!("{{\"detail\": {}}}", serde_json::json!(text)),
            )
        }
    };
    Hostile::serve(
        Router::new()
            .route(
                "/integration/v1/createAPIAccessToken/",
                post(echo(StatusCode::UNAUTHORIZED)),
            )
            .route(
                "/integration/v1/createRefreshToken/",
                post(echo(StatusCode::UNAUTHORIZED)),
            )
            .route("/api/v1/system/version", get(echo(StatusCode::BAD_REQUEST))),
    )
    .await
}

/// Alation echoing the refresh token or the password in a 401 body, and OpenMetadata
/// echoing the JWT in a 400 body, print `[redacted]` instead.
#[tokio::test]
async fn echoed_secret_was_printed() {
    let server = echoing().await;
    let url = &server.url;
    let secrets = [
        ("OM_JWT_TOKEN", "echoed.jwt-secret.0123456789"),
        ("ALATION_REFRESH_TOKEN", "echoed-refresh-secret-0123456789"),
        ("ALATION_PASSWORD", "echoed password \"secret\" 0123456789"),
    ];
    let source = format!(
        "source:\n  type: openmetadata\n  hostPort: {url}/api\n  auth: {{ jwtToken: \"${{OM_JWT_TOKEN}}\" }}\n"
    );
    for auth in [
        r#"{ refreshToken: "${ALATION_REFRESH_TOKEN}", userId: 7 }"#,
        r#"{ username: admin, password: "${ALATION_PASSWORD}", projectName: metaform }"#,
    ] {
        let project = Project::new(&format!(
            "{source}target:\n  type: alation\n  hostPort: {url}\n  auth: {auth}\n"
        ));
        let run = project.run(&["check"], &secrets).await;
        assert_eq!(run.code, Some(1), "{run:?}");
        assert!(run.output.contains("HTTP 401"), "{run:?}");
        assert!(run.output.contains("HTTP 400"), "{run:?}");
        assert!(run.output.contains("[redacted]"), "{run:?}");
        for (_, secret) in secrets {
            assert!(!run.output.contains(secret), "{secret} printed: {run:?}");
            let escaped = serde_json::json!(secret).to_string();
            assert!(!run.output.contains(escaped.trim_matches('"')), "{run:?}");
        }
    }
}
