//! A 429 with `Retry-After` pauses every request of the client, not only the one that
//! got it: with several requests in flight, the others must not keep hammering.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use metaform::http::{HttpClient, HttpOptions, Idempotency, RetryPolicy};

use super::server::Hostile;

/// A server whose first `/limited` request is answered 429 `Retry-After: 1`; every
/// request's arrival is logged (path, time).
async fn limiting_server(log: Arc<Mutex<Vec<(String, Instant)>>>) -> Hostile {
    let first = Arc::new(Mutex::new(true));
    let seen = Arc::clone(&log);
    let limited = move || {
        let (first, seen) = (Arc::clone(&first), Arc::clone(&seen));
        async move {
            seen.lock()
                .unwrap()
                .push(("limited".into(), Instant::now()));
            let mut first = first.lock().unwrap();
            if std::mem::take(&mut *first) {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("Retry-After", "1")],
                    "slow down",
                )
                    .into_response()
            } else {
                "ok".into_response()
            }
        }
    };
    let other = move || {
        let seen = Arc::clone(&log);
        async move {
            seen.lock().unwrap().push(("other".into(), Instant::now()));
            "ok"
        }
    };
    Hostile::serve(
        Router::new()
            .route("/limited", get(limited))
            .route("/other", get(other)),
    )
    .await
}

/// After one request got 429 `Retry-After: 1`, another request of the same client (a
/// clone, as concurrent readers hold) waits out the second instead of being sent at once.
#[tokio::test]
async fn retry_after_was_ignored_by_concurrent_requests() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let server = limiting_server(Arc::clone(&log)).await;
    let client = HttpClient::new(&HttpOptions {
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(5),
        },
        ..HttpOptions::default()
    })
    .expect("HTTP client");
    let limited_url = format!("{}/limited", server.url);
    let other_url = format!("{}/other", server.url);
    let first = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .send("GET /limited", Idempotency::Repeatable, |c| {
                    c.get(&limited_url)
                })
                .await
                .map(|r| r.status().as_u16())
        })
    };
    // Wait until the 429 has been answered, then send another request.
    let started = Instant::now();
    while log.lock().unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no request arrived"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let other = client
        .send("GET /other", Idempotency::Repeatable, |c| c.get(&other_url))
        .await
        .expect("the other request succeeds");
    assert_eq!(other.status().as_u16(), 200);
    assert_eq!(first.await.unwrap().expect("retried after the pause"), 200);
    let log = log.lock().unwrap().clone();
    let limited_at = log[0].1;
    let other_at = log
        .iter()
        .find(|(path, _)| path == "other")
        .expect("the other request arrived")
        .1;
    let gap = other_at.duration_since(limited_at);
    assert!(
        gap >= Duration::from_millis(900),
        "the other request was sent {gap:?} after the 429 that asked for 1 s"
    );
    let retried_at = log
        .iter()
        .filter(|(path, _)| path == "limited")
        .nth(1)
        .expect("the limited request was retried")
        .1;
    assert!(retried_at.duration_since(limited_at) >= Duration::from_millis(900));
}
