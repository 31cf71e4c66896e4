//! The OpenMetadata sandbox over real HTTP: paging, lookups by FQN, fields, auth, JSON
//! Patch, deletes, and seeding from OpenMetadata's sample data.

use std::collections::HashSet;
use std::path::PathBuf;

use metaform::sim::openmetadata::{GenerateSpec, OmState, generate, load_sample_data, router};
use metaform::sim::shared::Shared;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use serde_json::{Value, json};

const JWT: &str = "test-token";
const SHOPIFY: &str = "sample_data.ecommerce_db.shopify";

fn sample_data_dir() -> PathBuf {
    let beside = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/openmetadata-sample-data");
    if beside.exists() {
        beside
    } else {
        PathBuf::from("/work/shared/fixtures/openmetadata-sample-data")
    }
}

async fn serve(state: OmState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    let app = router(Shared::new(state), JWT.to_owned());
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

async fn serve_sample() -> String {
    serve(load_sample_data(&sample_data_dir()).expect("sample data loads")).await
}

thread_local! {
    /// One client per test thread (each test runs its own runtime on its own thread).
    static CLIENT: reqwest::Client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds");
}

fn client() -> reqwest::Client {
    CLIENT.with(Clone::clone)
}

async fn get_json(base: &str, path: &str) -> (StatusCode, Value) {
    let response = client()
        .get(format!("{base}{path}"))
        .bearer_auth(JWT)
        .send()
        .await
        .expect("request succeeds");
    let status = response.status();
    (status, response.json().await.expect("JSON body"))
}

/// Collects a listing page by page, following `after` cursors with the given page sizes;
/// returns the pages and the paging object of the last one.
async fn list_pages(base: &str, query: &str, sizes: &[usize]) -> (Vec<Vec<Value>>, Value) {
    let mut pages = Vec::new();
    let mut after: Option<String> = None;
    let mut last_paging = Value::Null;
    for step in 0.. {
        let limit = sizes[step % sizes.len()];
        let mut path = format!("/api/v1/tables?{query}&limit={limit}");
        if let Some(cursor) = &after {
            path.push_str(&format!("&after={cursor}"));
        }
        let (status, body) = get_json(base, &path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        pages.push(body["data"].as_array().expect("data array").clone());
        last_paging = body["paging"].clone();
        match last_paging["after"].as_str() {
            Some(cursor) => after = Some(cursor.to_owned()),
            None => break,
        }
    }
    (pages, last_paging)
}

/// Collects a whole listing by following `after` cursors with the given page sizes.
async fn list_forward(base: &str, query: &str, sizes: &[usize]) -> (Vec<Value>, Value) {
    let (pages, paging) = list_pages(base, query, sizes).await;
    (pages.into_iter().flatten().collect(), paging)
}

fn names(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_owned())
        .collect()
}

/// Paging the shopify schema five tables at a time returns its 16 tables once each.
#[tokio::test]
async fn lists_shopify_tables_in_pages() {
    let base = serve_sample().await;
    let (items, paging) = list_forward(&base, &format!("databaseSchema={SHOPIFY}"), &[5]).await;
    assert_eq!(paging["total"], 16);
    let found = names(&items);
    assert_eq!(found.len(), 16);
    assert_eq!(found.iter().collect::<HashSet<_>>().len(), 16);
    let mut sorted = found.clone();
    sorted.sort();
    assert_eq!(found, sorted, "listed by name");
    assert!(paging["before"].is_string(), "a later page points back");
    let (by_prefix, _) = list_forward(&base, &format!("database={SHOPIFY}"), &[100]).await;
    assert_eq!(
        names(&by_prefix),
        found,
        "a schema FQN works as database filter"
    );
    let (status, body) = get_json(&base, "/api/v1/tables?service=Glue&limit=0").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"data": [], "paging": {"total": 2}}));
    let (_, databases) = get_json(&base, "/api/v1/databases?service=sample_data").await;
    assert_eq!(
        databases["data"][0]["fullyQualifiedName"],
        "sample_data.ecommerce_db"
    );
    assert_eq!(databases["paging"], json!({"total": 1}));
    let (_, schemas) = get_json(&base, "/api/v1/databaseSchemas?database=Glue.default").await;
    assert_eq!(
        schemas["data"][0]["fullyQualifiedName"],
        "Glue.default.information_schema"
    );
    let (_, services) = get_json(&base, "/api/v1/services/databaseServices/name/Glue").await;
    assert_eq!(services["serviceType"], "Glue");
    let (_, first) = get_json(&base, "/api/v1/tables").await;
    assert_eq!(
        first["data"].as_array().map(Vec::len),
        Some(10),
        "limit defaults to 10"
    );
    assert!(first["paging"]["after"].is_string());
    assert!(
        first["paging"].get("before").is_none(),
        "no before without after"
    );
    let (status, _) = get_json(&base, "/api/v1/tables?limit=-1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get_json(&base, "/api/v1/tables?before=x&after=y").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// A table whose name holds dots and a slash is found by its quoted FQN, however `/` is sent.
#[tokio::test]
async fn gets_table_by_url_encoded_fqn() {
    let base = serve_sample().await;
    for path in [
        format!("/api/v1/tables/name/{SHOPIFY}.%22dim.api%2Fclient%22"),
        format!("/api/v1/tables/name/{SHOPIFY}.%22dim.api/client%22"),
    ] {
        let (status, table) = get_json(&base, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {table}");
        assert_eq!(table["name"], "dim.api/client");
        assert_eq!(
            table["fullyQualifiedName"],
            format!("{SHOPIFY}.\"dim.api/client\"")
        );
        assert_eq!(
            table["columns"][0]["fullyQualifiedName"],
            format!("{SHOPIFY}.\"dim.api/client\".api_client_id")
        );
        assert_eq!(table["databaseSchema"]["fullyQualifiedName"], SHOPIFY);
        assert_eq!(table["service"]["name"], "sample_data");
        assert_eq!(table["serviceType"], "BigQuery");
        let id = table["id"].as_str().expect("id");
        let (status, by_id) = get_json(&base, &format!("/api/v1/tables/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(by_id, table);
    }
    let (status, body) = get_json(&base, "/api/v1/nothing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], 404);
    let (status, body) = get_json(&base, "/api/v1/tables/name/sample_data.nope.t").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"code": 404, "message": "table instance for sample_data.nope.t not found"})
    );
}

/// Requests without the bearer token, or with another one, are refused with 401.
#[tokio::test]
async fn refuses_requests_without_valid_token() {
    let base = serve_sample().await;
    let url = format!("{base}/api/v1/tables");
    for request in [client().get(&url), client().get(&url).bearer_auth("wrong")] {
        let response = request.send().await.expect("request succeeds");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.expect("JSON body");
        assert_eq!(body["code"], 401);
        assert!(body["message"].is_string());
    }
    let (status, version) = get_json(&base, "/api/v1/system/version").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(version["version"], "1.6.1");
}

/// An unknown name in `fields` is refused with the server's 400 message.
#[tokio::test]
async fn refuses_unknown_field() {
    let base = serve_sample().await;
    let (status, body) = get_json(&base, "/api/v1/tables?fields=columns,%20bogus").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"code": 400, "message": "Invalid field name bogus"})
    );
    let (status, _) = get_json(&base, "/api/v1/databases?fields=columns").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Column tags need both `columns` and `tags`; constraints and view SQL only when asked.
#[tokio::test]
async fn field_dependent_content_follows_fields() {
    let base = serve_sample().await;
    let path = format!("/api/v1/tables/name/{SHOPIFY}.dim_address");
    let (_, plain) = get_json(&base, &path).await;
    assert!(plain["columns"][0].get("tags").is_none());
    assert!(plain.get("tableConstraints").is_none());
    assert!(plain.get("tags").is_none());
    assert!(plain["database"]["id"].is_string());
    let (_, full) = get_json(
        &base,
        &format!("{path}?fields=columns,tags,tableConstraints"),
    )
    .await;
    assert_eq!(full["columns"][0]["tags"], json!([]));
    assert_eq!(full["tags"], json!([]));
    assert_eq!(
        full["tableConstraints"],
        json!([{"constraintType": "PRIMARY_KEY", "columns": ["address_id", "shop_id"]}])
    );
}

/// A JSON Patch of the description is applied and seen by the next GET.
#[tokio::test]
async fn patched_description_is_visible() {
    let base = serve_sample().await;
    let path = format!("/api/v1/tables/name/{SHOPIFY}.fact_order");
    let (_, table) = get_json(&base, &path).await;
    let id = table["id"].as_str().expect("id");
    let patch = json!([
        {"op": "replace", "path": "/description", "value": "Orders, **patched**."},
        {"op": "add", "path": "/columns/0/description", "value": "Order key."}
    ]);
    let response = client()
        .patch(format!("{base}/api/v1/tables/{id}"))
        .bearer_auth(JWT)
        .header("Content-Type", "application/json-patch+json")
        .body(patch.to_string())
        .send()
        .await
        .expect("request succeeds");
    assert_eq!(response.status(), StatusCode::OK);
    let (_, after) = get_json(&base, &path).await;
    assert_eq!(after["description"], "Orders, **patched**.");
    assert_eq!(after["columns"][0]["description"], "Order key.");
    assert_eq!(after["version"], 0.2);

    let rename = json!([{"op": "replace", "path": "/name", "value": "other"}]);
    let response = client()
        .patch(format!("{base}/api/v1/tables/{id}"))
        .bearer_auth(JWT)
        .header("Content-Type", "application/json-patch+json")
        .body(rename.to_string())
        .send()
        .await
        .expect("request succeeds");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

/// A PUT creates a table; a soft delete hides it unless `include=deleted|all`; a PUT
/// restores it; a hard delete removes it.
#[tokio::test]
async fn tables_can_be_created_and_dropped() {
    let base = serve_sample().await;
    let create = json!({
        "name": "new.table",
        "databaseSchema": SHOPIFY,
        "columns": [{"name": "id", "dataType": "BIGINT", "dataTypeDisplay": "bigint"}]
    });
    let response = client()
        .put(format!("{base}/api/v1/tables"))
        .bearer_auth(JWT)
        .json(&create)
        .send()
        .await
        .expect("request succeeds");
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.expect("JSON body");
    assert_eq!(
        created["fullyQualifiedName"],
        format!("{SHOPIFY}.\"new.table\"")
    );
    let id = created["id"].as_str().expect("id").to_owned();
    let count = |query: &'static str| {
        let base = base.clone();
        async move {
            let path = format!("/api/v1/tables?databaseSchema={SHOPIFY}&limit=0{query}");
            get_json(&base, &path).await.1["paging"]["total"].clone()
        }
    };
    assert_eq!(count("").await, 17);
    let delete = |hard: bool| {
        client()
            .delete(format!("{base}/api/v1/tables/{id}?hardDelete={hard}"))
            .bearer_auth(JWT)
            .send()
    };
    assert_eq!(
        delete(false).await.expect("request succeeds").status(),
        StatusCode::OK
    );
    assert_eq!(count("").await, 16);
    assert_eq!(count("&include=deleted").await, 1);
    assert_eq!(count("&include=all").await, 17);
    let put = || {
        client()
            .put(format!("{base}/api/v1/tables"))
            .bearer_auth(JWT)
            .json(&create)
            .send()
    };
    assert_eq!(
        put().await.expect("request succeeds").status(),
        StatusCode::OK
    );
    assert_eq!(count("").await, 17, "a PUT restores a soft-deleted table");
    assert_eq!(
        delete(true).await.expect("request succeeds").status(),
        StatusCode::OK
    );
    assert_eq!(count("&include=all").await, 16);
}

/// A sample-data directory with a broken file is refused, naming the file.
#[test]
fn broken_sample_data_names_the_file() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for file in [
        "service.json",
        "database.json",
        "database_schema.json",
        "tables.json",
    ] {
        std::fs::copy(
            sample_data_dir().join("datasets").join(file),
            dir.path().join(file),
        )
        .expect("copy sample file");
    }
    std::fs::write(
        dir.path().join("tables.json"),
        "{\"tables\": [{\"name\": 1}]}",
    )
    .expect("write broken file");
    let error = load_sample_data(dir.path()).expect_err("broken tables.json is refused");
    assert!(error.contains("tables.json"), "{error}");
}

/// Random page sizes over a generated catalog list every table exactly once, both ways.
#[test]
fn paging_visits_every_table_once_in_both_directions() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let spec: GenerateSpec = "1x2x2x40x2".parse().expect("valid spec");
    let base = runtime.block_on(serve(generate(&spec)));
    let (all, _) = runtime.block_on(list_forward(&base, "include=all", &[1000]));
    assert_eq!(all.len(), 160);
    let ids: Vec<Value> = all.iter().map(|t| t["id"].clone()).collect();
    let mut runner = TestRunner::new(Config {
        cases: 16,
        ..Config::default()
    });
    let sizes = prop::collection::vec(1usize..=17, 1..6);
    runner
        .run(&sizes, |sizes| {
            runtime.block_on(async {
                let (pages, paging) = list_pages(&base, "include=all", &sizes).await;
                let forward: Vec<Value> = pages.iter().flatten().map(|t| t["id"].clone()).collect();
                prop_assert_eq!(&forward, &ids);
                // Walk back from the last page with `before` cursors.
                let last_page = pages.last().map_or(0, Vec::len);
                let mut backward: Vec<Value> = Vec::new();
                let mut before = paging["before"].as_str().map(str::to_owned);
                let mut step = 0;
                while let Some(cursor) = before {
                    let limit = sizes[step % sizes.len()];
                    step += 1;
                    let path = format!("/api/v1/tables?include=all&limit={limit}&before={cursor}");
                    let (_, body) = get_json(&base, &path).await;
                    let page: Vec<Value> = body["data"]
                        .as_array()
                        .expect("data array")
                        .iter()
                        .map(|t| t["id"].clone())
                        .collect();
                    prop_assert!(!page.is_empty());
                    backward.splice(0..0, page);
                    before = body["paging"]["before"].as_str().map(str::to_owned);
                }
                prop_assert_eq!(backward.len() + last_page, ids.len());
                prop_assert_eq!(&ids[..backward.len()], &backward[..]);
                Ok(())
            })
        })
        .expect("paging holds for every page-size sequence");
}

/// Generated foreign keys point at columns of generated tables, views carry their SQL, and
/// tables with dotted, quoted or non-ASCII names are found by FQN.
#[tokio::test]
async fn generated_catalog_is_consistent() {
    let spec: GenerateSpec = "1x1x1x50x4".parse().expect("valid spec");
    let base = serve(generate(&spec)).await;
    let query = "fields=tableConstraints,schemaDefinition";
    let (tables, paging) = list_forward(&base, query, &[1000]).await;
    assert_eq!(paging["total"], 50);
    let fqns: HashSet<String> = tables
        .iter()
        .map(|t| t["fullyQualifiedName"].as_str().expect("fqn").to_owned())
        .collect();
    let referred: Vec<&str> = tables
        .iter()
        .flat_map(|t| t["tableConstraints"].as_array().into_iter().flatten())
        .filter(|c| c["constraintType"] == "FOREIGN_KEY")
        .flat_map(|c| c["referredColumns"].as_array().expect("referred columns"))
        .map(|c| c.as_str().expect("column FQN"))
        .collect();
    assert!(!referred.is_empty());
    for column in referred {
        let table = column.strip_suffix(".id").expect("refers to an id column");
        assert!(fqns.contains(table), "{column} refers to a listed table");
    }
    assert!(
        tables
            .iter()
            .any(|t| t["tableType"] == "View" && t["schemaDefinition"].is_string())
    );
    for name in tables.iter().map(|t| t["name"].as_str().expect("name")) {
        if name.is_ascii() && !name.contains('.') && !name.contains("__reserved__") {
            continue;
        }
        let fqn = tables
            .iter()
            .find(|t| t["name"] == name)
            .and_then(|t| t["fullyQualifiedName"].as_str())
            .expect("fqn");
        let encoded =
            percent_encoding::utf8_percent_encode(fqn, percent_encoding::NON_ALPHANUMERIC);
        let (status, table) = get_json(&base, &format!("/api/v1/tables/name/{encoded}")).await;
        assert_eq!(status, StatusCode::OK, "{fqn}");
        assert_eq!(table["name"], name);
    }
}

async fn send_patch(base: &str, collection: &str, id: &str, patch: Value) -> (StatusCode, Value) {
    let response = client()
        .patch(format!("{base}/api/v1/{collection}/{id}"))
        .bearer_auth(JWT)
        .header("Content-Type", "application/json-patch+json")
        .body(patch.to_string())
        .send()
        .await
        .expect("request succeeds");
    let status = response.status();
    (status, response.json().await.expect("JSON body"))
}

/// Patches of tags, constraints and nested columns are re-validated, and an invalid result
/// is refused without changing the entity.
#[tokio::test]
async fn patches_are_validated() {
    let base = serve_sample().await;
    let path = format!("/api/v1/tables/name/{SHOPIFY}.dim_customer?fields=tags,tableConstraints");
    let (_, table) = get_json(&base, &path).await;
    let id = table["id"].as_str().expect("id");
    let invalid = json!([{"op": "replace", "path": "/columns/0/dataType", "value": "NOPE"}]);
    let (status, body) = send_patch(&base, "tables", id, invalid).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], 400);
    assert_eq!(
        get_json(&base, &path).await.1,
        table,
        "a refused patch changes nothing"
    );

    let label = json!({"tagFQN": "PII.Sensitive", "source": "Classification",
                       "labelType": "Manual", "state": "Confirmed"});
    let foreign_key = json!({"constraintType": "FOREIGN_KEY", "columns": ["customer_id"],
                             "referredColumns": [format!("{SHOPIFY}.fact_order.customer_id")]});
    let valid = json!([
        {"op": "add", "path": "/tags/0", "value": label},
        {"op": "add", "path": "/tableConstraints", "value": [foreign_key]},
        {"op": "add", "path": "/columns/0/tags", "value": [label]}
    ]);
    let (status, _) = send_patch(&base, "tables", id, valid).await;
    assert_eq!(status, StatusCode::OK);
    let (_, after) = get_json(&base, &format!("{path},columns")).await;
    assert_eq!(after["tags"], json!([label]));
    assert_eq!(after["tableConstraints"], json!([foreign_key]));
    assert_eq!(after["columns"][0]["tags"], json!([label]));

    let (_, database) = get_json(&base, "/api/v1/databases/name/sample_data.ecommerce_db").await;
    let database_id = database["id"].as_str().expect("id");
    let describe = json!([{"op": "replace", "path": "/description", "value": "Shop data."}]);
    let (status, patched) = send_patch(&base, "databases", database_id, describe).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patched["description"], "Shop data.");
}

/// The lineage answer of `fqn` (percent-encoded as the Python client does) at these depths.
async fn lineage(base: &str, fqn: &str, upstream: i64, downstream: i64) -> (StatusCode, Value) {
    let encoded = percent_encoding::utf8_percent_encode(fqn, percent_encoding::NON_ALPHANUMERIC);
    let query = format!("upstreamDepth={upstream}&downstreamDepth={downstream}");
    get_json(
        base,
        &format!("/api/v1/lineage/table/name/{encoded}?{query}"),
    )
    .await
}

/// The FQN of the node with `id` in a lineage answer.
fn node_fqn(answer: &Value, id: &Value) -> String {
    answer["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["id"] == *id)
        .and_then(|n| n["fullyQualifiedName"].as_str())
        .unwrap_or_else(|| panic!("node {id} in {answer}"))
        .to_owned()
}

/// The sample data's lineage.json edges are served upstream and downstream in the
/// EntityLineage shape: ids in edges, references in `nodes`, SQL and pipeline in
/// `lineageDetails`; by FQN and by id alike.
#[tokio::test]
async fn serves_the_sample_lineage() {
    let base = serve_sample().await;
    let text = std::fs::read_to_string(sample_data_dir().join("lineage/lineage.json"))
        .expect("lineage.json");
    let edges: Vec<Value> = serde_json::from_str(&text).expect("lineage.json parses");
    let target = format!("{SHOPIFY}.\"dim.product\"");
    let mut want: Vec<(String, String, String)> = edges
        .iter()
        .filter(|e| e["to"]["fqn"] == target.as_str() && e["from"]["type"] == "table")
        .map(|e| {
            let text = |v: &Value| v.as_str().expect("text").to_owned();
            (
                text(&e["from"]["fqn"]),
                text(&e["sql_query"]),
                text(&e["edge_meta"]["fqn"]),
            )
        })
        .collect();
    want.sort();
    assert!(want.len() > 1, "{want:?}");

    let (status, answer) = lineage(&base, &target, 1, 0).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["entity"]["fullyQualifiedName"], target.as_str());
    assert_eq!(answer["entity"]["type"], "table");
    assert_eq!(answer["downstreamEdges"], json!([]));
    let mut got: Vec<(String, String, String)> = answer["upstreamEdges"]
        .as_array()
        .expect("upstream edges")
        .iter()
        .map(|edge| {
            assert_eq!(edge["toEntity"], answer["entity"]["id"]);
            let details = &edge["lineageDetails"];
            assert_eq!(details["pipeline"]["type"], "pipeline");
            (
                node_fqn(&answer, &edge["fromEntity"]),
                details["sqlQuery"].as_str().expect("sql").to_owned(),
                details["pipeline"]["fullyQualifiedName"]
                    .as_str()
                    .expect("pipeline")
                    .to_owned(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(got, want);
    assert_eq!(answer["nodes"].as_array().map(Vec::len), Some(want.len()));

    let id = answer["entity"]["id"].as_str().expect("id");
    let (status, by_id) = get_json(
        &base,
        &format!("/api/v1/lineage/table/{id}?upstreamDepth=1&downstreamDepth=0"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_id, answer);

    let source = format!("{SHOPIFY}.raw_customer");
    let downstream = edges
        .iter()
        .filter(|e| e["from"]["fqn"] == source.as_str())
        .count();
    let (_, answer) = lineage(&base, &source, 0, 1).await;
    assert_eq!(answer["upstreamEdges"], json!([]));
    assert_eq!(
        answer["downstreamEdges"].as_array().map(Vec::len),
        Some(downstream)
    );
}

/// An unknown table is the server's 404 body; depths outside 0..=3 are refused with 400.
#[tokio::test]
async fn lineage_refuses_unknown_tables_and_deep_requests() {
    let base = serve_sample().await;
    let (status, body) = lineage(&base, &format!("{SHOPIFY}.nope"), 1, 0).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"code": 404, "message": format!("table instance for {SHOPIFY}.nope not found")})
    );
    let unknown_id = "/api/v1/lineage/table/00000000-0000-0000-0000-000000000000";
    let (status, body) = get_json(&base, unknown_id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], 404);
    let table = format!("{SHOPIFY}.raw_customer");
    assert_eq!(lineage(&base, &table, 3, 3).await.0, StatusCode::OK);
    for (up, down) in [(4, 0), (0, 4), (-1, 1)] {
        let (status, body) = lineage(&base, &table, up, down).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{up}/{down}: {body}");
        assert_eq!(body["code"], 400);
    }
}

/// Upstream edges at depth 2 and 3 are those of depth 1 followed from each upstream node,
/// on a generated catalog whose lineage has chains.
#[tokio::test]
async fn lineage_depth_follows_upstream_chains() {
    let spec: GenerateSpec = "1x1x2x20x4".parse().expect("valid spec");
    let base = serve(generate(&spec)).await;
    let (tables, _) = list_forward(&base, "", &[1000]).await;
    let mut direct: std::collections::HashMap<String, Vec<String>> = Default::default();
    for table in &tables {
        let fqn = table["fullyQualifiedName"].as_str().expect("fqn");
        let (status, answer) = lineage(&base, fqn, 1, 0).await;
        assert_eq!(status, StatusCode::OK);
        let upstream = answer["upstreamEdges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| node_fqn(&answer, &e["fromEntity"]))
            .collect();
        direct.insert(fqn.to_owned(), upstream);
    }
    let edges: usize = direct.values().map(Vec::len).sum();
    assert!(edges > 0, "the generated catalog has lineage");
    let mut chained = 0;
    for (fqn, _) in direct.iter().filter(|(_, up)| !up.is_empty()) {
        for depth in [2, 3] {
            // Breadth-first over the depth-1 answers.
            let mut want = HashSet::new();
            let mut frontier = vec![fqn.clone()];
            for _ in 0..depth {
                let mut next = Vec::new();
                for node in frontier {
                    for up in &direct[&node] {
                        if want.insert((up.clone(), node.clone())) {
                            next.push(up.clone());
                        }
                    }
                }
                frontier = next;
            }
            let (_, answer) = lineage(&base, fqn, depth, 0).await;
            let got: HashSet<(String, String)> = answer["upstreamEdges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| {
                    let to = if e["toEntity"] == answer["entity"]["id"] {
                        fqn.clone()
                    } else {
                        node_fqn(&answer, &e["toEntity"])
                    };
                    (node_fqn(&answer, &e["fromEntity"]), to)
                })
                .collect();
            assert_eq!(got, want, "{fqn} at depth {depth}");
            if want.len() > direct[fqn].len() {
                chained += 1;
            }
        }
    }
    assert!(chained > 0, "some lineage is deeper than one edge");
}

/// A hard-deleted table leaves no edge behind in its neighbours' lineage.
#[tokio::test]
async fn hard_delete_removes_the_edges_of_a_table() {
    let base = serve_sample().await;
    let source = format!("{SHOPIFY}.raw_customer");
    let (_, before) = lineage(&base, &source, 0, 1).await;
    let id = before["entity"]["id"].as_str().expect("id").to_owned();
    let downstream = before["downstreamEdges"].as_array().expect("edges").clone();
    assert!(!downstream.is_empty());
    let response = client()
        .delete(format!("{base}/api/v1/tables/{id}?hardDelete=true"))
        .bearer_auth(JWT)
        .send()
        .await
        .expect("delete answers");
    assert_eq!(response.status(), StatusCode::OK);
    for edge in downstream {
        let to = node_fqn(&before, &edge["toEntity"]);
        let (_, answer) = lineage(&base, &to, 1, 0).await;
        let from: Vec<&Value> = answer["upstreamEdges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| &e["fromEntity"])
            .collect();
        assert!(!from.contains(&&json!(id)), "{to}: {answer}");
    }
}

/// A table in a list page is the same JSON, keys in the same order, as the table read
/// alone, for every combination of fields (pages are serialised straight from the
/// store, single tables through JSON values).
#[tokio::test]
async fn listed_tables_equal_tables_read_alone() {
    let base = serve_sample().await;
    for fields in [
        "",
        "columns",
        "tags",
        "columns,tags",
        "columns,tags,tableConstraints,schemaDefinition,owners,followers",
    ] {
        let (status, page) = get_json(
            &base,
            &format!("/api/v1/tables?databaseSchema={SHOPIFY}&limit=1000&fields={fields}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let listed = page["data"].as_array().expect("data");
        assert!(listed.len() > 5);
        for table in listed {
            let id = table["id"].as_str().expect("id");
            let (status, alone) =
                get_json(&base, &format!("/api/v1/tables/{id}?fields={fields}")).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(
                serde_json::to_string(table).unwrap(),
                serde_json::to_string(&alone).unwrap(),
                "fields={fields}"
            );
        }
    }
}
