//! Paging is bounded: a cursor or `X-Next-Page` that cycles, or that goes on past the
//! advertised total or past an empty page, is an error naming the endpoint.

use std::collections::HashMap;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use serde_json::json;

use super::server::Hostile;
use super::{access, alation, openmetadata};

/// Runs `future`, failing the test if it does not end in 10 s (an endless paging).
async fn bounded<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), future)
        .await
        .expect("the paging ends")
}

/// An OpenMetadata server whose database-service pages point to `next(after)`, with
/// one service a page and `total` advertised.
async fn om_server(total: u64, next: fn(Option<&str>) -> String) -> Hostile {
    Hostile::serve(Router::new().route(
        "/api/v1/services/databaseServices",
        get(
            move |Query(query): Query<HashMap<String, String>>| async move {
                let after = query.get("after").map(String::as_str);
                Json(json!({
                    "data": [{"name": format!("svc-{}", after.unwrap_or("first"))}],
                    "paging": {"after": next(after), "total": total},
                }))
            },
        ),
    ))
    .await
}

/// An `after` cursor cycling A, B, A, ... is an error naming the endpoint.
#[tokio::test]
async fn openmetadata_cursor_cycle_was_followed_forever() {
    let server = om_server(1000, |after| match after {
        Some("A") => "B".into(),
        _ => "A".into(),
    })
    .await;
    let err = bounded(openmetadata(&format!("{}/api", server.url)).database_services())
        .await
        .expect_err("a cycle is refused")
        .to_string();
    assert!(
        err.contains("GET /api/v1/services/databaseServices"),
        "{err}"
    );
    assert!(err.contains("cursor"), "{err}");
}

/// Fresh cursors going on past the advertised `total` are an error naming the endpoint.
#[tokio::test]
async fn openmetadata_cursor_past_the_total_was_followed_forever() {
    let server = om_server(2, |after| {
        let n: u64 = after.and_then(|a| a.parse().ok()).unwrap_or(0);
        (n + 1).to_string()
    })
    .await;
    let err = bounded(openmetadata(&format!("{}/api", server.url)).database_services())
        .await
        .expect_err("paging past the total is refused")
        .to_string();
    assert!(
        err.contains("GET /api/v1/services/databaseServices"),
        "{err}"
    );
    assert!(err.contains("total"), "{err}");
}

/// An Alation server whose schema pages carry `items(skip)` and point to `next(skip)`.
async fn alation_server(items: fn(u64) -> serde_json::Value, next: fn(u64) -> String) -> Hostile {
    Hostile::serve(Router::new().route(
        "/integration/v2/schema/",
        get(
            move |Query(query): Query<HashMap<String, String>>| async move {
                let skip: u64 = query.get("skip").and_then(|s| s.parse().ok()).unwrap_or(0);
                ([("X-Next-Page", next(skip))], Json(items(skip)))
            },
        ),
    ))
    .await
}

/// An `X-Next-Page` cycling between two pages is an error naming the endpoint.
#[tokio::test]
async fn alation_next_page_cycle_is_refused() {
    let server = alation_server(
        |skip| json!([{"id": skip + 1, "name": format!("s{skip}")}]),
        |skip| {
            format!(
                "/integration/v2/schema/?ds_id=1&limit=1&skip={}",
                (skip + 1) % 2
            )
        },
    )
    .await;
    let err = bounded(alation(&server.url, access()).schemas(1))
        .await
        .expect_err("a cycle is refused")
        .to_string();
    assert!(err.contains("GET /integration/v2/schema/"), "{err}");
}

/// Empty pages that keep pointing to a further page are an error naming the endpoint.
#[tokio::test]
async fn alation_empty_pages_were_followed_forever() {
    let server = alation_server(
        |_| json!([]),
        |skip| format!("/integration/v2/schema/?ds_id=1&limit=1&skip={}", skip + 1),
    )
    .await;
    let err = bounded(alation(&server.url, access()).schemas(1))
        .await
        .expect_err("endless empty pages are refused")
        .to_string();
    assert!(err.contains("GET /integration/v2/schema/"), "{err}");
    assert!(err.contains("empty page"), "{err}");
}

/// A server that sorts by id but ignores the `id__gte`/`id__lt` windows of a concurrent
/// read is an error naming the endpoint, not objects read twice.
#[tokio::test]
async fn alation_id_windows_ignored_gave_duplicates() {
    let server = Hostile::serve(Router::new().route(
        "/integration/v2/schema/",
        get(
            move |Query(query): Query<HashMap<String, String>>| async move {
                let skip: u64 = query.get("skip").and_then(|s| s.parse().ok()).unwrap_or(0);
                let mut ids = vec![1u64, 2, 3];
                if query.get("order_by").map(String::as_str) == Some("-id") {
                    ids.reverse();
                }
                let items: Vec<_> = ids
                    .into_iter()
                    .skip(skip as usize)
                    .take(1)
                    .map(|id| json!({"id": id, "name": format!("s{id}")}))
                    .collect();
                let next = if skip < 2 {
                    format!("/integration/v2/schema/?ds_id=1&limit=1&skip={}", skip + 1)
                } else {
                    String::new()
                };
                ([("X-Next-Page", next)], Json(items))
            },
        ),
    ))
    .await;
    let err = bounded(alation(&server.url, access()).schemas(1))
        .await
        .expect_err("objects outside their window are refused")
        .to_string();
    assert!(err.contains("GET /integration/v2/schema/"), "{err}");
    assert!(err.contains("id__gte"), "{err}");
}
