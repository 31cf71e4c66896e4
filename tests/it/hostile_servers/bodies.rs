//! Every response body is bounded, after decompression too: an endless body and a gzip
//! bomb make the command exit 1 naming the endpoint, quickly and without big memory.

use std::io::Write;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::header;
use axum::routing::get;

use super::server::{Hostile, Project};

/// `metaform check` of an OpenMetadata source at `url` with a 1 MiB response limit.
async fn check(url: &str) -> super::server::Run {
    let project = Project::new(&format!(
        "source:\n  type: openmetadata\n  hostPort: {url}/api\n  auth: {{ jwtToken: \"${{OM_JWT_TOKEN}}\" }}\n  maxResponseSize: 1MiB\n"
    ));
    project
        .run(&["check"], &[("OM_JWT_TOKEN", super::TOKEN)])
        .await
}

/// An endless body (JSON whitespace, forever) is an exit 1 naming the endpoint.
#[tokio::test]
async fn endless_body_was_read_until_memory_ran_out() {
    let server = Hostile::serve(
        Router::new().route("/api/v1/system/version", get(|| async { endless_body() })),
    )
    .await;
    let run = check(&server.url).await;
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.output.contains("GET /api/v1/system/version"), "{run:?}");
    assert!(run.output.contains("1048576 bytes"), "{run:?}");
    assert!(run.elapsed < Duration::from_secs(20), "{run:?}");
}

/// A small gzip body that inflates past the limit is an exit 1 naming the endpoint.
#[tokio::test]
async fn gzip_bomb_was_inflated_without_limit() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..16 {
        encoder.write_all(&zeros).expect("compress");
    }
    let bomb = Bytes::from(encoder.finish().expect("compress"));
    assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
    let server = Hostile::serve(Router::new().route(
        "/api/v1/system/version",
        get(move || {
            let bomb = bomb.clone();
            async move { ([(header::CONTENT_ENCODING, "gzip")], bomb) }
        }),
    ))
    .await;
    let run = check(&server.url).await;
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.output.contains("GET /api/v1/system/version"), "{run:?}");
    assert!(run.output.contains("1048576 bytes"), "{run:?}");
    assert!(run.elapsed < Duration::from_secs(20), "{run:?}");
}

/// An endless Alation answer is an error naming the endpoint once the limit is read.
#[tokio::test]
async fn endless_alation_answer_is_cut_at_the_limit() {
    let server = Hostile::serve(Router::new().route(
        "/integration/v1/userinfo/",
        get(|| async { endless_body() }),
    ))
    .await;
    let options = metaform::http::HttpOptions {
        max_body_bytes: 1 << 20,
        ..super::options()
    };
    let client = metaform::api::alation::AlationClient::new(
        metaform::http::HttpClient::new(&options).expect("the HTTP client builds"),
        metaform::api::alation::AlationConfig {
            base_url: server.url.clone(),
            auth: super::access(),
            page_size: 1,
            polling: metaform::api::alation::JobPolling::default(),
        },
    );
    let err = client.userinfo().await.expect_err("too large").to_string();
    assert_eq!(
        err,
        "GET /integration/v1/userinfo/: the answer is larger than 1048576 bytes (`maxResponseSize`), reading stopped"
    );
}

/// A body that never ends: JSON whitespace, 64 KiB a chunk, forever.
fn endless_body() -> Body {
    let chunk = Bytes::from(vec![b' '; 64 * 1024]);
    Body::from_stream(futures::stream::repeat_with(move || {
        Ok::<_, std::io::Error>(chunk.clone())
    }))
}
