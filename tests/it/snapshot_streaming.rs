//! The snapshot at scale: schemas handed over as soon as they are read, requests in
//! flight bounded by the parallelism over every listing, and a failed snapshot leaving
//! the state directory as it was, over real HTTP against the OpenMetadata sandbox.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metaform::config::Filters;
use metaform::core::model::{Database, Schema};
use metaform::sim::openmetadata::{GenerateSpec, generate, router};
use metaform::sim::shared::Shared;
use metaform::source::CatalogSink;
use metaform::source::openmetadata::snapshot_into;

use crate::openmetadata_source::client;

const JWT: &str = "sandbox-jwt-for-tests";

/// Serves a generated catalog of `spec` behind `layer`; returns its `hostPort`.
async fn serve<F, Fut>(spec: &str, layer: F) -> String
where
    F: Fn(Request, Next) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Response> + Send + 'static,
{
    let spec: GenerateSpec = spec.parse().unwrap();
    let app = router(Shared::new(generate(&spec)), JWT.to_owned())
        .layer(axum::middleware::from_fn(layer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/api")
}

/// The schema FQNs whose tables were asked for, in the order first asked.
type Listed = Arc<Mutex<Vec<String>>>;

/// A sink noting, when each schema arrives, how many schemas' tables had been asked for.
struct Recorder {
    listed: Listed,
    seen_at_arrival: Vec<usize>,
    schemas: usize,
}

impl CatalogSink for Recorder {
    fn begin(&mut self, databases: &[Database]) -> metaform::error::Result<()> {
        self.schemas = databases.iter().map(|d| d.schemas.len()).sum();
        Ok(())
    }

    fn schema(&mut self, _: usize, _: usize, content: Schema) -> metaform::error::Result<()> {
        assert!(
            !content.tables.is_empty(),
            "a schema arrives with its tables"
        );
        let listed = self.listed.lock().unwrap().len();
        self.seen_at_arrival.push(listed);
        Ok(())
    }
}

/// Schemas reach the sink while later schemas are still unread (before, the whole
/// catalog was read, then written: memory held all of it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_held_the_whole_catalog_before_writing() {
    let listed: Listed = Arc::default();
    let seen = Arc::clone(&listed);
    let host_port = serve("1x1x8x6x3", move |request: Request, next: Next| {
        let seen = Arc::clone(&seen);
        async move {
            let query = request.uri().query().unwrap_or_default();
            let schema = query
                .split('&')
                .find(|p| p.starts_with("databaseSchema="))
                .map(str::to_owned);
            if let (Some(schema), "/api/v1/tables") = (schema, request.uri().path()) {
                let mut seen = seen.lock().unwrap();
                if !seen.contains(&schema) {
                    seen.push(schema);
                }
            }
            next.run(request).await
        }
    })
    .await;
    let mut sink = Recorder {
        listed,
        seen_at_arrival: Vec::new(),
        schemas: 0,
    };
    snapshot_into(&client(&host_port, JWT), &Filters::default(), &mut sink)
        .await
        .unwrap();
    assert_eq!(sink.schemas, 8);
    assert_eq!(sink.seen_at_arrival.len(), 8, "every schema arrives once");
    assert!(
        sink.seen_at_arrival[0] <= 3,
        "the first schema arrived after {} of 8 schemas were listed",
        sink.seen_at_arrival[0]
    );
}

/// At most the client's parallelism of requests is in flight over table listings and
/// lineage of every schema together, and more than one is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_exceeded_the_parallelism() {
    let open = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (o, m) = (Arc::clone(&open), Arc::clone(&most));
    let host_port = serve("1x1x4x12x2", move |request: Request, next: Next| {
        let (open, most) = (Arc::clone(&o), Arc::clone(&m));
        async move {
            let now = open.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(15)).await;
            let response = next.run(request).await;
            open.fetch_sub(1, Ordering::SeqCst);
            response
        }
    })
    .await;
    let client = client(&host_port, JWT).with_parallelism(3);
    let catalog = metaform::source::openmetadata::snapshot(&client, &Filters::default())
        .await
        .unwrap();
    let tables: usize = catalog.databases[0]
        .schemas
        .iter()
        .map(|s| s.tables.len())
        .sum();
    assert_eq!(tables, 48);
    let most = most.load(Ordering::SeqCst);
    assert!(
        (2..=3).contains(&most),
        "{most} requests in flight at most, with a parallelism of 3"
    );
}

/// Every file (hidden ones included) under `dir`, by relative path, with its bytes.
fn tree(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.push((path.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    files.sort();
    files
}

/// A lineage read that fails after some schemas were already rendered and staged leaves
/// the state directory exactly as it was, without temporary files; the next snapshot
/// then writes everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_snapshot_left_staged_files_behind() {
    let lineage = Arc::new(AtomicUsize::new(0));
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (l, f) = (Arc::clone(&lineage), Arc::clone(&failing));
    let host_port = serve("1x1x4x10x2", move |request: Request, next: Next| {
        let (lineage, failing) = (Arc::clone(&l), Arc::clone(&f));
        async move {
            if request.uri().path().starts_with("/api/v1/lineage/")
                && lineage.fetch_add(1, Ordering::SeqCst) >= 30
                && failing.load(Ordering::SeqCst)
            {
                return (
                    axum::http::StatusCode::NOT_FOUND,
                    r#"{"code":404,"message":"table instance for x not found"}"#,
                )
                    .into_response();
            }
            next.run(request).await
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("metaform.yaml");
    std::fs::write(
        &config,
        format!(
            "source:\n  type: openmetadata\n  hostPort: {host_port}\n  auth: {{ jwtToken: \"${{OM_JWT_TOKEN}}\" }}\n  parallelism: 2\n"
        ),
    )
    .unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir_all(state.join("notes")).unwrap();
    std::fs::write(state.join("notes/README.md"), "hand-written\n").unwrap();
    let before = tree(&state);
    let run = || {
        let config = config.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_metaform"))
                .arg("snapshot")
                .arg("--config")
                .arg(&config)
                .env("OM_JWT_TOKEN", JWT)
                .output()
                .unwrap()
        })
    };
    let failed = run().await.unwrap();
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("/lineage/table/name/"), "{stderr}");
    assert_eq!(tree(&state), before, "the state directory is untouched");

    failing.store(false, Ordering::SeqCst);
    let done = run().await.unwrap();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&done.stdout),
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(
        done.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let files = tree(&state);
    assert_eq!(files.len(), 1 + 1 + 4, "{files:?}");
    assert!(
        files
            .iter()
            .all(|(path, _)| !path.file_name().unwrap().to_string_lossy().starts_with('.')),
        "{files:?}"
    );
    assert!(output.contains("5 file(s) written"), "{output}");
}
