//! Listings after random writes agree with a simple model of the stored objects: the
//! indexes the sandbox keeps by parent never drift from the objects themselves.
//!
//! The model reads the objects from the serialised state (which holds no index) and
//! filters, orders and pages them naively.

use metaform::sim::alation::AlationOptions;
use proptest::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::runtime::Runtime;

use super::support::{Sandbox, start};

/// One write: POSTs, a Virtual Data Source upload that removes what it does not name,
/// or the deletion of a data source. Numbers pick names from a small pool so that
/// writes collide, update and delete.
#[derive(Debug, Clone)]
enum Op {
    Schemas(usize, Vec<u8>),
    Tables(usize, u8, Vec<u8>),
    Columns(usize, u8, u8, Vec<u8>),
    Tree(usize, u8, u8, Vec<u8>),
    Upload(usize, Vec<(u8, u8, u8)>),
    DeleteSource(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let names = || prop::collection::vec(0u8..4, 1..5);
    prop_oneof![
        1 => (0usize..2, names()).prop_map(|(d, n)| Op::Schemas(d, n)),
        1 => (0usize..2, 0u8..4, names()).prop_map(|(d, s, n)| Op::Tables(d, s, n)),
        1 => (0usize..2, 0u8..4, 0u8..4, names()).prop_map(|(d, s, t, n)| Op::Columns(d, s, t, n)),
        4 => (0usize..2, 0u8..4, 0u8..4, names()).prop_map(|(d, s, t, n)| Op::Tree(d, s, t, n)),
        2 => (
            0usize..2,
            prop::collection::vec((0u8..3, 0u8..3, 0u8..3), 0..6)
        )
            .prop_map(|(d, l)| Op::Upload(d, l)),
        1 => (0usize..2).prop_map(Op::DeleteSource),
    ]
}

/// One listing request: kind, filters and ordering; ids are drawn from the live ones.
#[derive(Debug, Clone)]
struct Query {
    kind: usize,
    ds: Option<usize>,
    schema: Option<usize>,
    table: Option<usize>,
    id_gt: Option<u64>,
    id_lte: Option<u64>,
    name: Option<u8>,
    order: usize,
    limit: usize,
    skip: usize,
}

fn query() -> impl Strategy<Value = Query> {
    (
        (
            0usize..3,
            prop::option::of(0usize..3),
            prop::option::of(0usize..40),
        ),
        (prop::option::of(0usize..40), prop::option::of(0u64..60)),
        (prop::option::of(0u64..60), prop::option::of(0u8..4)),
        (0usize..4, 1usize..7, 0usize..12),
    )
        .prop_map(
            |((kind, ds, schema), (table, id_gt), (id_lte, name), (order, limit, skip))| Query {
                kind,
                ds,
                schema,
                table,
                id_gt,
                id_lte,
                name,
                order,
                limit,
                skip,
            },
        )
}

const KINDS: [&str; 3] = ["schema", "table", "column"];
const ORDERS: [&str; 4] = ["id", "-id", "name", "-name"];

/// A stored object as the model sees it.
#[derive(Debug, Clone)]
struct Object {
    id: u64,
    ds_id: u64,
    schema_id: Option<u64>,
    table_id: Option<u64>,
    name: String,
}

/// The objects of each kind, read from the serialised state.
fn model(sb: &Sandbox) -> [Vec<Object>; 3] {
    let state = serde_json::to_value(&*sb.state.read()).expect("state serialises");
    ["schemas", "tables", "columns"].map(|field| {
        let mut objects: Vec<Object> = state[field]
            .as_object()
            .expect("an object map")
            .values()
            .map(|o| Object {
                id: o["id"].as_u64().expect("id"),
                ds_id: o["ds_id"].as_u64().expect("ds_id"),
                schema_id: o["schema_id"].as_u64(),
                table_id: o["table_id"].as_u64(),
                name: o["name"].as_str().expect("name").to_string(),
            })
            .collect();
        objects.sort_by_key(|o| o.id);
        objects
    })
}

/// The query string of `q` and the model's answer to it (every page).
fn expected(q: &Query, objects: &[Vec<Object>; 3], sources: &[u64]) -> (String, Vec<u64>) {
    let pick = |n: Option<usize>, pool: &[u64]| n.map(|n| pool.get(n).copied().unwrap_or(n as u64));
    let schema_ids: Vec<u64> = objects[0].iter().map(|o| o.id).collect();
    let table_ids: Vec<u64> = objects[1].iter().map(|o| o.id).collect();
    let ds = pick(q.ds, sources);
    let schema = pick(q.schema, &schema_ids).filter(|_| q.kind > 0);
    let table = pick(q.table, &table_ids).filter(|_| q.kind > 1);
    let name = q
        .name
        .map(|n| ["s", "t", "c"][q.kind].to_string() + &n.to_string());
    let numbers = [
        ("ds_id", ds),
        ("schema_id", schema),
        ("table_id", table),
        ("id__gt", q.id_gt),
        ("id__lte", q.id_lte),
    ];
    let mut params: Vec<String> = numbers
        .iter()
        .filter_map(|(field, v)| v.map(|v| format!("{field}={v}")))
        .collect();
    params.extend(name.iter().map(|v| format!("name={v}")));
    params.push(format!("order_by={}", ORDERS[q.order]));
    let mut hits: Vec<&Object> = objects[q.kind]
        .iter()
        .filter(|o| ds.is_none_or(|v| o.ds_id == v))
        .filter(|o| schema.is_none_or(|v| o.schema_id == Some(v)))
        .filter(|o| table.is_none_or(|v| o.table_id == Some(v)))
        .filter(|o| q.id_gt.is_none_or(|v| o.id > v))
        .filter(|o| q.id_lte.is_none_or(|v| o.id <= v))
        .filter(|o| name.as_ref().is_none_or(|v| o.name == *v))
        .collect();
    match q.order {
        1 => hits.reverse(),
        2 => hits.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id))),
        3 => hits.sort_by(|a, b| b.name.cmp(&a.name).then(a.id.cmp(&b.id))),
        _ => {}
    }
    (params.join("&"), hits.iter().map(|o| o.id).collect())
}

/// Applies `op` to the data sources in `sources`; a deleted one is replaced by a new one
/// (its id added to `all`).
async fn apply(sb: &Sandbox, token: &str, sources: &mut [u64; 2], all: &mut Vec<u64>, op: &Op) {
    match op {
        Op::Schemas(d, names) => {
            let ds = sources[*d];
            let items: Vec<Value> = names
                .iter()
                .map(|n| json!({"key": format!("{ds}.s{n}")}))
                .collect();
            sb.write(Method::POST, "schema", ds, token, json!(items))
                .await;
        }
        Op::Tree(d, s, t, names) => {
            let ds = sources[*d];
            let schema = json!([{"key": format!("{ds}.s{s}")}]);
            sb.write(Method::POST, "schema", ds, token, schema).await;
            let table = json!([{"key": format!("{ds}.s{s}.t{t}"), "table_type": "TABLE"}]);
            sb.write(Method::POST, "table", ds, token, table).await;
            let items: Vec<Value> = names
                .iter()
                .map(|n| json!({"key": format!("{ds}.s{s}.t{t}.c{n}"), "column_type": "int"}))
                .collect();
            sb.write(Method::POST, "column", ds, token, json!(items))
                .await;
        }
        Op::Tables(d, s, names) => {
            let ds = sources[*d];
            let items: Vec<Value> = names
                .iter()
                .map(|n| json!({"key": format!("{ds}.s{s}.t{n}"), "table_type": "TABLE"}))
                .collect();
            sb.write(Method::POST, "table", ds, token, json!(items))
                .await;
        }
        Op::Columns(d, s, t, names) => {
            let ds = sources[*d];
            let items: Vec<Value> = names
                .iter()
                .map(|n| json!({"key": format!("{ds}.s{s}.t{t}.c{n}"), "column_type": "int"}))
                .collect();
            sb.write(Method::POST, "column", ds, token, json!(items))
                .await;
        }
        Op::Upload(d, lines) => {
            let ds = sources[*d];
            let mut body = Vec::new();
            for (s, t, c) in lines {
                body.push(json!({"key": format!("{ds}.s{s}")}));
                body.push(json!({"key": format!("{ds}.s{s}.t{t}"), "table_type": "TABLE"}));
                body.push(json!({"key": format!("{ds}.s{s}.t{t}.c{c}"), "column_type": "int"}));
            }
            let body: Vec<String> = body.iter().map(Value::to_string).collect();
            let reply = reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client")
                .post(format!(
                    "{}/api/v1/bulk_metadata/extraction/{ds}?remove_not_seen=true",
                    sb.url
                ))
                .header("Token", token)
                .body(body.join("\n"))
                .send()
                .await
                .expect("upload");
            assert!(reply.status().is_success(), "upload: {}", reply.status());
        }
        Op::DeleteSource(d) => {
            let path = format!("/integration/v1/datasource/{}/", sources[*d]);
            let reply = sb.send(Method::DELETE, &path, Some(token), None).await;
            assert_eq!(reply.status, 204, "{}", reply.body);
            sources[*d] = sb.datasource(token, true).await;
            all.push(sources[*d]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// After random writes, uploads and deletions, every listing (filters by parent, id
    /// range and name; every order; any limit and skip) returns what the model of the
    /// stored objects says, page by page.
    #[test]
    fn indexed_listing_matches_the_stored_objects(
        ops in prop::collection::vec(op(), 1..14),
        queries in prop::collection::vec(query(), 12),
    ) {
        let rt = Runtime::new().expect("tokio runtime");
        let failures = rt.block_on(async {
            let sb = start(AlationOptions::default()).await;
            let token = sb.admin_token().await;
            let mut sources = [0; 2];
            for slot in &mut sources {
                *slot = sb.datasource(&token, true).await;
            }
            let mut ids = sources.to_vec();
            let mut failures = Vec::new();
            for op in &ops {
                apply(&sb, &token, &mut sources, &mut ids, op).await;
                let objects = model(&sb);
                for q in &queries {
                    let (params, want) = expected(q, &objects, &ids);
                    let kind = KINDS[q.kind];
                    let first = format!("/integration/v2/{kind}/?{params}&limit={}", q.limit);
                    let (items, _) = sb.list_all(&first, &token).await;
                    let got: Vec<u64> = items.iter().filter_map(|i| i["id"].as_u64()).collect();
                    if got != want {
                        failures.push(format!("after {op:?}: {first}: {got:?} != {want:?}"));
                    }
                    let one = format!("/integration/v2/{kind}/?{params}&limit={}&skip={}", q.limit, q.skip);
                    let page = sb.get(&one, &token).await;
                    let got: Vec<u64> = page.body.as_array().expect("a JSON array")
                        .iter().filter_map(|i| i["id"].as_u64()).collect();
                    let window: Vec<u64> = want.iter().skip(q.skip).take(q.limit).copied().collect();
                    let more = want.len() > q.skip + q.limit;
                    if got != window || page.headers.contains_key("x-next-page") != more {
                        failures.push(format!("after {op:?}: {one}: {got:?} != {window:?} (more: {more})"));
                    }
                }
            }
            failures
        });
        prop_assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
