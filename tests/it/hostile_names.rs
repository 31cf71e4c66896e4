//! Names a real source can hold but a careless writer would mangle, served by a small
//! OpenMetadata-shaped server over real HTTP: line breaks, tabs and terminal escapes in
//! names, the same table listed twice, and names too long for one file-name component.
//! `snapshot` must never write a file that `validate` or `plan` refuses.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::routing::get;
use serde_json::{Value, json};

use crate::workspace::Workspace;

/// One schema the server lists: its name and its tables' names.
struct FakeSchema {
    name: String,
    tables: Vec<String>,
}

fn table(name: &str) -> Value {
    json!({
        "name": name,
        "fullyQualifiedName": format!("svc.db.s.{name}"),
        "tableType": "Regular",
        "columns": [
            { "name": "id", "dataType": "INT", "ordinalPosition": 1 },
            { "name": "note\u{1b}[2J", "dataType": "VARCHAR", "dataLength": 10, "ordinalPosition": 2 }
        ]
    })
}

fn list(data: Vec<Value>) -> Json<Value> {
    let total = data.len();
    Json(json!({ "data": data, "paging": { "total": total } }))
}

/// Serves service `svc`, database `db` (names given) and `schemas`; the table list of
/// schema number `i` is answered for the FQN `svc.db.s<i>`; no table has lineage.
async fn serve(database: &str, schemas: Vec<FakeSchema>) -> String {
    let schemas = Arc::new(schemas);
    let database = database.to_owned();
    let app = axum::Router::new()
        .route(
            "/api/v1/system/version",
            get(|| async { Json(json!({ "version": "1.6.1" })) }),
        )
        .route(
            "/api/v1/services/databaseServices",
            get(|| async { list(vec![json!({ "name": "svc", "serviceType": "Mysql" })]) }),
        )
        .route(
            "/api/v1/databases",
            get(move || {
                let name = database.clone();
                async move { list(vec![json!({ "name": name, "fullyQualifiedName": "svc.db" })]) }
            }),
        )
        .route(
            "/api/v1/databaseSchemas",
            get(|State(schemas): State<Arc<Vec<FakeSchema>>>| async move {
                list(
                    schemas
                        .iter()
                        .enumerate()
                        .map(|(i, s)| json!({ "name": s.name, "fullyQualifiedName": format!("svc.db.s{i}") }))
                        .collect(),
                )
            }),
        )
        .route(
            "/api/v1/tables",
            get(
                |State(schemas): State<Arc<Vec<FakeSchema>>>,
                 Query(query): Query<BTreeMap<String, String>>| async move {
                    let fqn = query.get("databaseSchema").cloned().unwrap_or_default();
                    let tables = fqn
                        .strip_prefix("svc.db.s")
                        .and_then(|i| i.parse::<usize>().ok())
                        .and_then(|i| schemas.get(i))
                        .map(|s| s.tables.iter().map(|t| table(t)).collect())
                        .unwrap_or_default();
                    list(tables)
                },
            ),
        )
        .route(
            "/api/v1/lineage/table/name/{*fqn}",
            get(|| async {
                let entity = json!({ "id": "00000000-0000-0000-0000-000000000001", "type": "table" });
                Json(json!({ "entity": entity, "nodes": [], "upstreamEdges": [], "downstreamEdges": [] }))
            }),
        )
        .with_state(schemas);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/api")
}

/// A project whose source is the server at `source` and whose target is the (empty)
/// Alation sandbox.
async fn project(source: &str) -> Workspace {
    let workspace = Workspace::builder()
        .sandbox(metaform::sim::SandboxOptions::default())
        .build()
        .await;
    let config = format!(
        "source:\n  type: openmetadata\n  hostPort: {source}\n  auth: {{ jwtToken: \"${{OM_JWT_TOKEN}}\" }}\ntarget:\n  type: alation\n  hostPort: {}\n  auth: {{ refreshToken: \"${{ALATION_REFRESH_TOKEN}}\", userId: \"${{ALATION_USER_ID}}\" }}\n",
        workspace.sandbox.alation_url()
    );
    workspace.write("metaform.yaml", config.as_bytes());
    workspace
}

fn state_files(workspace: &Workspace) -> BTreeMap<PathBuf, Vec<u8>> {
    workspace
        .files()
        .into_iter()
        .filter(|(path, _)| path.starts_with("state"))
        .collect()
}

/// Names with a line break, a tab and a terminal escape are written so that `validate`
/// and `plan` accept them, and the plan shows them escaped, never raw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_of_names_with_control_characters_reads_back() {
    let source = serve(
        "db",
        vec![FakeSchema {
            name: "sales\tq1".into(),
            tables: vec![
                "line\nbreak".into(),
                "carriage\rreturn".into(),
                "escape\u{1b}]0;owned\u{7}".into(),
                "bidi\u{202e}txt.exe".into(),
            ],
        }],
    )
    .await;
    let workspace = project(&source).await;
    let snapshot = workspace.run(&["snapshot"]).await;
    assert_eq!(snapshot.code, Some(0), "{}", snapshot.describe());
    let validate = workspace.run(&["validate"]).await;
    assert_eq!(validate.code, Some(0), "{}", validate.describe());
    let plan = workspace.run(&["plan"]).await;
    assert_eq!(plan.code, Some(0), "{}", plan.describe());
    assert!(plan.stdout.contains("line\\nbreak"), "{}", plan.describe());
    for raw in ['\u{1b}', '\u{7}', '\r', '\u{202e}'] {
        assert!(
            !plan.stdout.contains(raw) && !plan.stderr.contains(raw),
            "{raw:?} printed raw: {}",
            plan.describe()
        );
    }
    let markdown = workspace.run(&["plan", "--format", "markdown"]).await;
    assert_eq!(markdown.code, Some(0), "{}", markdown.describe());
    assert!(
        !markdown.stdout.contains('\u{1b}') && !markdown.stdout.contains('\u{202e}'),
        "{}",
        markdown.describe()
    );
}

/// A source listing the same table twice is an error naming it, and nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_table_in_the_listing_is_refused_by_snapshot() {
    let source = serve(
        "db",
        vec![FakeSchema {
            name: "shop".into(),
            tables: vec!["orders".into(), "customers".into(), "orders".into()],
        }],
    )
    .await;
    let workspace = project(&source).await;
    let snapshot = workspace.run(&["snapshot"]).await;
    assert_eq!(snapshot.code, Some(1), "{}", snapshot.describe());
    assert!(
        snapshot.stderr.contains("svc.db.shop.orders") && snapshot.stderr.contains("twice"),
        "{}",
        snapshot.describe()
    );
    assert!(
        !snapshot.stderr.contains("panicked"),
        "{}",
        snapshot.describe()
    );
    assert!(state_files(&workspace).is_empty());
}

/// A 31-character Japanese schema name (279 bytes once percent-encoded) and an equally
/// long database name get shortened file names that validate, plan, and a second
/// snapshot leaves byte for byte as they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_japanese_names_fit_the_file_system() {
    let long = "売上データの月次集計と地域別の顧客分析のためのスキーマ名前です".to_string();
    assert_eq!(long.chars().count(), 31);
    let source = serve(
        &format!("{long}_db"),
        vec![
            FakeSchema {
                name: long.clone(),
                tables: vec!["orders".into()],
            },
            FakeSchema {
                name: format!("{long}2"),
                tables: vec!["orders".into()],
            },
        ],
    )
    .await;
    let workspace = project(&source).await;
    let snapshot = workspace.run(&["snapshot"]).await;
    assert_eq!(snapshot.code, Some(0), "{}", snapshot.describe());
    let first = state_files(&workspace);
    assert_eq!(first.len(), 3, "{:?}", first.keys());
    for path in first.keys() {
        for part in path.components() {
            assert!(part.as_os_str().len() <= 255, "{}", path.display());
        }
    }
    let validate = workspace.run(&["validate"]).await;
    assert_eq!(validate.code, Some(0), "{}", validate.describe());
    let plan = workspace.run(&["plan"]).await;
    assert_eq!(plan.code, Some(0), "{}", plan.describe());
    assert!(plan.stdout.contains(&long), "{}", plan.describe());
    let again = workspace.run(&["snapshot"]).await;
    assert_eq!(again.code, Some(0), "{}", again.describe());
    assert!(
        again.stderr.contains("0 file(s) written"),
        "{}",
        again.describe()
    );
    assert_eq!(state_files(&workspace), first);
}
