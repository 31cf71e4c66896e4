//! Snapshotting the OpenMetadata sandbox, seeded with OpenMetadata's sample data, over
//! real HTTP on 127.0.0.1.

use std::path::PathBuf;
use std::time::Duration;

use metaform::api::openmetadata::OpenMetadataClient;
use metaform::config::{Filters, NameFilter};
use metaform::core::model::{Catalog, Database};
use metaform::http::{HttpClient, HttpOptions, RetryPolicy};
use metaform::sim::openmetadata::{load_sample_data, router};
use metaform::sim::shared::Shared;
use metaform::source::openmetadata::snapshot;
use secrecy::SecretString;

const JWT: &str = "sandbox-jwt-for-tests";

/// The sample data directory: `shared/` beside the repository, else the machine-wide copy.
fn sample_data() -> PathBuf {
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/openmetadata-sample-data");
    if beside.exists() {
        beside
    } else {
        PathBuf::from("/work/shared/fixtures/openmetadata-sample-data")
    }
}

/// Serves the sandbox with the sample data on an ephemeral port; returns its `hostPort`.
async fn serve_sample_data() -> String {
    let state = load_sample_data(&sample_data()).expect("the sample data loads");
    let app = router(Shared::new(state), JWT.to_owned());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/api")
}

/// A client of the sandbox at `host_port` with `token`, retrying briefly.
pub(crate) fn client(host_port: &str, token: &str) -> OpenMetadataClient {
    let options = HttpOptions {
        retry: RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        },
        ..HttpOptions::default()
    };
    let http = HttpClient::new(&options).unwrap();
    OpenMetadataClient::new(http, host_port, SecretString::from(token)).unwrap()
}

fn database<'a>(catalog: &'a Catalog, service: &str, name: &str) -> &'a Database {
    catalog
        .databases
        .iter()
        .find(|d| d.service == service && d.name == name)
        .unwrap_or_else(|| panic!("no database {service}.{name} in {catalog:#?}"))
}

/// The sample data snapshot holds both services, with decoded names and Markdown kept.
#[tokio::test]
async fn snapshot_reads_the_sample_data() {
    let host_port = serve_sample_data().await;
    let catalog = snapshot(&client(&host_port, JWT), &Filters::default())
        .await
        .unwrap();

    let ecommerce = database(&catalog, "sample_data", "ecommerce_db");
    assert_eq!(ecommerce.schemas.len(), 1);
    let shopify = &ecommerce.schemas[0];
    assert_eq!(shopify.name, "shopify");
    assert_eq!(shopify.tables.len(), 16);
    let names: Vec<&str> = shopify.tables.iter().map(|t| t.name.as_str()).collect();
    assert!(names.contains(&"dim.api/client"), "{names:?}");
    assert!(names.contains(&"dim.product.variant"), "{names:?}");
    assert!(names.is_sorted(), "{names:?}");
    assert!(
        ecommerce
            .description
            .as_deref()
            .is_some_and(|d| d.contains("**mock**"))
    );
    let dim_address = shopify
        .tables
        .iter()
        .find(|t| t.name == "dim_address")
        .unwrap();
    assert_eq!(dim_address.columns.len(), 12);
    assert!(!dim_address.constraints.is_empty());

    let glue: Vec<&Database> = catalog
        .databases
        .iter()
        .filter(|d| d.service == "Glue")
        .collect();
    let glue_tables: Vec<&str> = glue
        .iter()
        .flat_map(|d| &d.schemas)
        .flat_map(|s| &s.tables)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(glue_tables, ["marketing", "sales"]);
}

/// Small pages give the same catalog as one page: every `after` cursor is followed.
#[tokio::test]
async fn small_pages_give_the_same_catalog() {
    let host_port = serve_sample_data().await;
    let whole = snapshot(&client(&host_port, JWT), &Filters::default())
        .await
        .unwrap();
    let paged = snapshot(
        &client(&host_port, JWT).with_page_size(3),
        &Filters::default(),
    )
    .await
    .unwrap();
    assert_eq!(whole, paged);
}

/// Database, schema and table filters drop what they exclude, exclude winning.
#[tokio::test]
async fn filters_exclude_as_configured() {
    let host_port = serve_sample_data().await;
    let filters = Filters {
        databases: NameFilter::new(&["ECOMMERCE"], &[]).unwrap(),
        schemas: NameFilter::default(),
        tables: NameFilter::new(&["dim", "fact_sale"], &["dim\\.", "dim_staff"]).unwrap(),
    };
    let catalog = snapshot(&client(&host_port, JWT), &filters).await.unwrap();
    assert_eq!(catalog.databases.len(), 1);
    let names: Vec<&str> = catalog.databases[0].schemas[0]
        .tables
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "dim_address",
            "dim_address_clean",
            "dim_customer",
            "dim_location",
            "fact_sale"
        ]
    );

    let no_schemas = Filters {
        schemas: NameFilter::new(&[], &["shop"]).unwrap(),
        ..Filters::default()
    };
    let catalog = snapshot(&client(&host_port, JWT), &no_schemas)
        .await
        .unwrap();
    assert!(
        database(&catalog, "sample_data", "ecommerce_db")
            .schemas
            .is_empty()
    );
}

/// A wrong JWT is a clear 401 error that does not echo the token.
#[tokio::test]
async fn wrong_jwt_is_rejected_without_echoing_it() {
    let host_port = serve_sample_data().await;
    let err = snapshot(
        &client(&host_port, "not-the-right-token"),
        &Filters::default(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("OpenMetadata rejected the JWT (401)"), "{err}");
    assert!(!err.contains("not-the-right-token"), "{err}");
}

/// Reads every generated state file under `dir`, by relative path.
fn state_files(dir: &std::path::Path) -> std::collections::BTreeMap<PathBuf, String> {
    let mut files = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let text = std::fs::read_to_string(&path).unwrap();
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), text);
            }
        }
    }
    files
}

/// `metaform snapshot` writes one file per schema and database, and a second run
/// with no source change rewrites nothing.
#[tokio::test]
async fn snapshot_command_writes_stable_state_files() {
    let host_port = serve_sample_data().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("metaform.yaml");
    std::fs::write(
        &config,
        format!(
            "source:\n  type: openmetadata\n  hostPort: {host_port}\n  auth: {{ jwtToken: \"${{OM_JWT_TOKEN}}\" }}\n"
        ),
    )
    .unwrap();
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
    let first = run().await.unwrap();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let state = dir.path().join("state");
    let written = state_files(&state);
    let paths: Vec<String> = written
        .keys()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "Glue/default/_database.yaml",
            "Glue/default/information_schema.yaml",
            "sample_data/ecommerce_db/_database.yaml",
            "sample_data/ecommerce_db/shopify.yaml",
        ]
    );
    let shopify = &written[&PathBuf::from("sample_data/ecommerce_db/shopify.yaml")];
    assert!(shopify.contains("- name: dim.api/client"), "{shopify}");
    assert!(!shopify.contains(JWT));

    let second = run().await.unwrap();
    assert_eq!(second.status.code(), Some(0));
    assert_eq!(state_files(&state), written);
}

/// One upstream edge as lineage.json states it: the upstream table's decoded path, the
/// SQL and the pipeline FQN.
type ExpectedEdge = (Vec<String>, Option<String>, Option<String>);

/// The table-to-table edges of the sample data's `lineage/lineage.json`, by the decoded
/// path of the downstream table, each list sorted.
fn expected_sample_lineage() -> std::collections::BTreeMap<Vec<String>, Vec<ExpectedEdge>> {
    let text = std::fs::read_to_string(sample_data().join("lineage/lineage.json")).unwrap();
    let edges: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut expected = std::collections::BTreeMap::<_, Vec<ExpectedEdge>>::new();
    for edge in edges {
        if edge["from"]["type"] != "table" || edge["to"]["type"] != "table" {
            continue;
        }
        let path = |end: &serde_json::Value| {
            metaform::api::openmetadata::fqn::split_decoded(end["fqn"].as_str().unwrap()).unwrap()
        };
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        expected.entry(path(&edge["to"])).or_default().push((
            path(&edge["from"]),
            text(&edge["sql_query"]),
            text(&edge["edge_meta"]["fqn"]),
        ));
    }
    for edges in expected.values_mut() {
        edges.sort();
    }
    expected
}

/// Every table of a catalog with its decoded path.
fn tables_by_path(catalog: &Catalog) -> Vec<(Vec<String>, &metaform::core::model::Table)> {
    let mut tables = Vec::new();
    for db in &catalog.databases {
        for schema in &db.schemas {
            for table in &schema.tables {
                let path = [&db.service, &db.name, &schema.name, &table.name]
                    .map(String::clone)
                    .to_vec();
                tables.push((path, table));
            }
        }
    }
    tables
}

/// The upstream edges of a model table in the shape of [`ExpectedEdge`], with no column
/// pairs (the sample data has none).
fn edges_of(table: &metaform::core::model::Table) -> Vec<ExpectedEdge> {
    table
        .upstream
        .iter()
        .map(|u| {
            assert!(u.columns.is_empty(), "{u:?}");
            (u.table.clone(), u.sql.clone(), u.pipeline.clone())
        })
        .collect()
}

/// The snapshot of the sample data gives each table exactly the upstream edges of
/// lineage.json, with their SQL and pipeline, and no edge to any other table.
#[tokio::test]
async fn snapshot_reads_the_lineage_of_the_sample_data() {
    let expected = expected_sample_lineage();
    let edges: usize = expected.values().map(Vec::len).sum();
    assert!(edges > 0, "lineage.json holds table-to-table edges");
    let host_port = serve_sample_data().await;
    let catalog = snapshot(&client(&host_port, JWT), &Filters::default())
        .await
        .unwrap();
    let mut found = 0;
    for (path, table) in tables_by_path(&catalog) {
        let want = expected.get(&path).cloned().unwrap_or_default();
        assert_eq!(edges_of(table), want, "upstream of {path:?}");
        found += table.upstream.len();
    }
    assert_eq!(found, edges, "every edge of lineage.json is read");
}

/// An edge whose upstream table is filtered out of the snapshot is still read: lineage
/// crosses the scope of a snapshot.
#[tokio::test]
async fn lineage_from_a_filtered_out_table_is_kept() {
    let expected = expected_sample_lineage();
    let (downstream, edges) = expected
        .iter()
        .find(|(_, edges)| edges.len() > 1)
        .expect("a table with two upstream tables");
    let name = downstream.last().unwrap();
    let filters = Filters {
        tables: NameFilter::new(&[&format!("^{}$", regex_escape(name))], &[]).unwrap(),
        ..Filters::default()
    };
    let host_port = serve_sample_data().await;
    let catalog = snapshot(&client(&host_port, JWT), &filters).await.unwrap();
    let tables = tables_by_path(&catalog);
    assert_eq!(tables.len(), 1, "{tables:?}");
    assert_eq!(&tables[0].0, downstream);
    assert_eq!(&edges_of(tables[0].1), edges);
}

/// `text` with the regular-expression metacharacters escaped.
fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escape = "\\.+*?()|[]{}^$".contains(c);
            escape.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

/// Serves a generated catalog on an ephemeral port; returns its `hostPort`.
async fn serve_generated(spec: &str) -> String {
    let spec: metaform::sim::openmetadata::GenerateSpec = spec.parse().unwrap();
    let app = router(
        Shared::new(metaform::sim::openmetadata::generate(&spec)),
        JWT.to_owned(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/api")
}

/// The snapshot of a generated catalog carries tags on databases, schemas, tables and
/// columns and upstream edges with column pairs and SQL, whose ends are tables and
/// columns of the catalog; two sandboxes of one spec give the same catalog.
#[tokio::test]
async fn generated_catalog_has_tags_and_lineage_deterministically() {
    const SPEC: &str = "1x2x2x10x4";
    let first = snapshot(
        &client(&serve_generated(SPEC).await, JWT),
        &Filters::default(),
    )
    .await
    .unwrap();
    let second = snapshot(
        &client(&serve_generated(SPEC).await, JWT),
        &Filters::default(),
    )
    .await
    .unwrap();
    assert_eq!(first, second, "the same spec gives the same catalog");

    assert!(first.databases.iter().any(|d| !d.tags.is_empty()));
    assert!(first.databases.iter().any(|d| d.tags.is_empty()));
    let schemas: Vec<_> = first.databases.iter().flat_map(|d| &d.schemas).collect();
    assert!(schemas.iter().any(|s| !s.tags.is_empty()));
    assert!(schemas.iter().any(|s| s.tags.is_empty()));
    let tables = tables_by_path(&first);
    assert!(tables.iter().any(|(_, t)| !t.tags.is_empty()));
    assert!(
        tables
            .iter()
            .any(|(_, t)| t.columns.iter().any(|c| !c.tags.is_empty()))
    );

    let with_upstream = tables
        .iter()
        .filter(|(_, t)| !t.upstream.is_empty())
        .count();
    assert!(
        with_upstream > 0 && with_upstream < tables.len(),
        "a fraction of the tables has upstream edges ({with_upstream} of {})",
        tables.len()
    );
    assert!(tables.iter().any(|(_, t)| t.upstream.len() == 2));
    let edges: Vec<_> = tables
        .iter()
        .flat_map(|(path, t)| t.upstream.iter().map(move |u| (path, *t, u)))
        .collect();
    assert!(edges.iter().any(|(_, _, u)| u.sql.is_some()));
    assert!(edges.iter().any(|(_, _, u)| !u.columns.is_empty()));
    for (path, table, upstream) in edges {
        assert_ne!(&upstream.table, path, "no table is its own upstream");
        let (_, from) = tables
            .iter()
            .find(|(p, _)| *p == upstream.table)
            .unwrap_or_else(|| {
                panic!(
                    "upstream {:?} of {path:?} is in the catalog",
                    upstream.table
                )
            });
        for pair in &upstream.columns {
            assert!(table.columns.iter().any(|c| c.name == pair.to), "{pair:?}");
            for name in &pair.from {
                assert!(from.columns.iter().any(|c| &c.name == name), "{pair:?}");
            }
        }
    }
}

/// The snapshot keeps at most the client's parallelism of lineage requests in flight
/// (before, a fixed 8 whatever was configured).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lineage_concurrency_ignored_the_parallelism_setting() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let state = load_sample_data(&sample_data()).expect("the sample data loads");
    let open = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (o, m) = (Arc::clone(&open), Arc::clone(&most));
    let app = router(Shared::new(state), JWT.to_owned()).layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let (open, most) = (Arc::clone(&o), Arc::clone(&m));
            async move {
                let counted = request.uri().path().starts_with("/api/v1/lineage/");
                if counted {
                    let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                let response = next.run(request).await;
                if counted {
                    open.fetch_sub(1, Ordering::SeqCst);
                }
                response
            }
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = client(&format!("http://{addr}/api"), JWT).with_parallelism(3);
    snapshot(&client, &Filters::default()).await.unwrap();
    let most = most.load(Ordering::SeqCst);
    assert!(
        (2..=3).contains(&most),
        "{most} lineage requests in flight at most, with a parallelism of 3"
    );
}
