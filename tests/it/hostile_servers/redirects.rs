//! Credentials never leave the configured origin: redirects to another scheme, host or
//! port are refused naming both origins, and server-given URLs are compared as origins.

use axum::Json;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{any, get};

use super::server::Hostile;
use super::{REFRESH, TOKEN, access, alation, refresh, userinfo};

/// A server that answers everything with `status` and `Location: location`.
fn redirecting(status: StatusCode, location: String) -> Router {
    Router::new().fallback(any(move || {
        let location = location.clone();
        async move { (status, [(header::LOCATION, location)]) }
    }))
}

/// A server that would accept anything (the place a hostile redirect points to).
fn collector() -> Router {
    Router::new().fallback(any(|| async { Json(userinfo()) }))
}

/// A 302 and a 307 to another port never carry the `TOKEN` header there; the error
/// names both origins.
#[tokio::test]
async fn cross_origin_redirect_carried_the_token() {
    for status in [StatusCode::FOUND, StatusCode::TEMPORARY_REDIRECT] {
        let evil = Hostile::serve(collector()).await;
        let origin = Hostile::serve(redirecting(
            status,
            format!("{}/integration/v1/userinfo/", evil.url),
        ))
        .await;
        let err = alation(&origin.url, access())
            .userinfo()
            .await
            .expect_err("a redirect to another origin is refused")
            .to_string();
        assert!(
            evil.seen().iter().all(|s| !s.text.contains(TOKEN)),
            "the token reached the other origin: {:?}",
            evil.seen()
        );
        assert!(evil.seen().is_empty(), "{:?}", evil.seen());
        assert!(
            err.contains(&origin.url) && err.contains(&evil.url),
            "{err}"
        );
        assert!(err.contains("GET /integration/v1/userinfo/"), "{err}");
    }
}

/// A 307 on `createAPIAccessToken` never re-posts the refresh token to another port.
#[tokio::test]
async fn cross_origin_307_reposted_the_refresh_token() {
    let evil = Hostile::serve(collector()).await;
    let origin = Hostile::serve(redirecting(
        StatusCode::TEMPORARY_REDIRECT,
        format!("{}/integration/v1/createAPIAccessToken/", evil.url),
    ))
    .await;
    let err = alation(&origin.url, refresh())
        .userinfo()
        .await
        .expect_err("a redirect to another origin is refused")
        .to_string();
    assert!(
        evil.seen().iter().all(|s| !s.text.contains(REFRESH)),
        "the refresh token reached the other origin: {:?}",
        evil.seen()
    );
    assert!(evil.seen().is_empty(), "{:?}", evil.seen());
    assert!(
        err.contains(&origin.url) && err.contains(&evil.url),
        "{err}"
    );
    assert!(!err.contains(REFRESH), "{err}");
}

/// A redirect within the configured origin is followed, with the token.
#[tokio::test]
async fn same_origin_redirects_are_followed() {
    let router = Router::new()
        .route(
            "/integration/v1/userinfo/",
            get(|| async {
                (
                    StatusCode::TEMPORARY_REDIRECT,
                    [(header::LOCATION, "/moved/userinfo/")],
                )
            }),
        )
        .route(
            "/moved/userinfo/",
            get(|headers: HeaderMap| async move {
                match headers.get("TOKEN").and_then(|v| v.to_str().ok()) {
                    Some(TOKEN) => Json(userinfo()).into_response(),
                    _ => StatusCode::UNAUTHORIZED.into_response(),
                }
            }),
        );
    let origin = Hostile::serve(router).await;
    let user = alation(&origin.url, access())
        .userinfo()
        .await
        .expect("a same-origin redirect is followed");
    assert_eq!(user.username, "admin");
}

/// An `X-Next-Page` of `http://127.0.0.1:P@127.0.0.1:Q/...` (the configured origin as
/// user and password of another) is refused, and the other port sees nothing.
#[tokio::test]
async fn x_next_page_prefix_was_followed_to_another_origin() {
    let evil =
        Hostile::serve(Router::new().fallback(any(|| async { Json(serde_json::json!([])) }))).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let next = format!(
        "http://127.0.0.1:{port}@127.0.0.1:{}/integration/v2/schema/?ds_id=1&skip=1",
        evil.port
    );
    let origin = Hostile::serve_on(
        listener,
        Router::new().fallback(any(move || {
            let next = next.clone();
            async move {
                (
                    [("X-Next-Page", next)],
                    Json(serde_json::json!([{"id": 1, "name": "s"}])),
                )
            }
        })),
    );
    let err = alation(&origin.url, access())
        .schemas(1)
        .await
        .expect_err("a next page on another origin is refused")
        .to_string();
    assert!(evil.seen().is_empty(), "{:?}", evil.seen());
    assert!(err.contains("GET /integration/v2/schema/"), "{err}");
    assert!(
        err.contains(&origin.url) && err.contains(&format!("127.0.0.1:{}", evil.port)),
        "{err}"
    );
}
