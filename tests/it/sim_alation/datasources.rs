//! Native, virtual and OCF data sources, and the connector list.

use metaform::sim::alation::{AlationOptions, Role};
use reqwest::Method;
use serde_json::{Value, json};

use super::support::start;

/// Every connector name OpenMetadata's AlationSink maps to is installed.
#[tokio::test]
async fn connectors_include_alationsink_names() {
    let sb = start(AlationOptions::default()).await;
    let token = sb.admin_token().await;
    let reply = sb.get("/integration/v2/connectors/", &token).await;
    assert_eq!(reply.status, 200);
    let names: Vec<&str> = reply
        .body
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    for name in [
        "Oracle OCF connector",
        "Starburst Trino OCF Connector",
        "Databricks OCF Connector",
        "Databricks Unity Catalog OCF Connector",
        "Snowflake OCF connector",
        "SQL Server OCF Connector",
        "PostgreSQL OCF Connector",
        "MySQL OCF Connector",
        "Azure SQL DB OCF Connector",
        "Saphana OCF connector",
        "DB2 OCF Connector",
        "AWS Glue OCF Connector",
        "BigQuery OCF Connector",
    ] {
        assert!(names.contains(&name), "missing connector {name}");
    }
}

/// v1 lists carry deployment_setup_complete and is_virtual, and hide hidden/undeployed sources by default.
#[tokio::test]
async fn v1_lists_native_and_virtual_sources() {
    let sb = start(AlationOptions::default()).await;
    let token = sb.admin_token().await;
    let virtual_id = sb.datasource(&token, true).await;
    let native_id = sb.datasource(&token, false).await;
    let hidden = sb
        .post(
            "/integration/v1/datasource/",
            Some(&token),
            json!({"dbtype": "mysql", "title": "h", "is_virtual": true, "is_hidden": true}),
        )
        .await;
    let undeployed = sb
        .post(
            "/integration/v1/datasource/",
            Some(&token),
            json!({"dbtype": "mysql", "deployment_setup_complete": false, "is_virtual": true}),
        )
        .await;
    let list = sb.get("/integration/v1/datasource/", &token).await;
    let items = list.body.as_array().expect("array");
    let ids: Vec<u64> = items.iter().filter_map(|d| d["id"].as_u64()).collect();
    assert_eq!(ids, [virtual_id, native_id]);
    assert_eq!(items[0]["is_virtual"], true);
    assert_eq!(items[0]["deployment_setup_complete"], true);
    assert_eq!(items[1]["dbtype"], "postgresql");
    let all = sb
        .get(
            "/integration/v1/datasource/?include_hidden=true&include_undeployed=true",
            &token,
        )
        .await;
    assert_eq!(all.body.as_array().expect("array").len(), 4);
    assert!(
        all.body
            .as_array()
            .expect("array")
            .iter()
            .any(|d| d["id"] == hidden.body["id"])
    );
    assert!(
        all.body
            .as_array()
            .expect("array")
            .iter()
            .any(|d| d["id"] == undeployed.body["id"])
    );
    let missing = sb
        .post(
            "/integration/v1/datasource/",
            Some(&token),
            json!({"title": "x"}),
        )
        .await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.body["code"], "400010");
}

/// OCF sources: create 201, get, partial PUT, DELETE 204 removing the source's objects.
#[tokio::test]
async fn ocf_source_lifecycle() {
    let sb = start(AlationOptions::default()).await;
    let token = sb.admin_token().await;
    let native = sb.datasource(&token, true).await;
    let created = sb
        .post(
            "/integration/v2/datasource/",
            Some(&token),
            json!({"connector_id": 7, "title": "Sales", "db_username": "svc",
                   "uri": "postgresql://db:5432/sales", "description": "<p>d</p>"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_u64().expect("id");
    assert!(id > native, "one id space across v1 and v2");
    assert_eq!(created.body["connector_id"], 7);
    let put = sb
        .send(
            Method::PUT,
            &format!("/integration/v2/datasource/{id}/"),
            Some(&token),
            Some(json!({"title": "Sales EDW"})),
        )
        .await;
    assert_eq!(put.status, 200);
    assert_eq!(put.body["title"], "Sales EDW");
    assert_eq!(put.body["description"], "<p>d</p>");
    assert_eq!(put.body["uri"], "postgresql://db:5432/sales");
    let list = sb.get("/integration/v2/datasource/", &token).await;
    let ids: Vec<&Value> = list
        .body
        .as_array()
        .expect("array")
        .iter()
        .map(|d| &d["id"])
        .collect();
    assert_eq!(ids, [&json!(id)]);
    sb.write(
        Method::POST,
        "schema",
        id,
        &token,
        json!([{"key": format!("{id}.s")}]),
    )
    .await;
    sb.write(
        Method::POST,
        "table",
        id,
        &token,
        json!([{"key": format!("{id}.s.t")}]),
    )
    .await;
    let deleted = sb
        .send(
            Method::DELETE,
            &format!("/integration/v2/datasource/{id}/"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.body, Value::Null);
    let gone = sb
        .get(&format!("/integration/v2/datasource/{id}/"), &token)
        .await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.body["code"], "404000");
    let tables = sb
        .get(&format!("/integration/v2/table/?ds_id={id}"), &token)
        .await;
    assert_eq!(tables.body, json!([]));
    let bad = sb
        .post(
            "/integration/v2/datasource/",
            Some(&token),
            json!({"connector_id": 999, "title": "x", "db_username": "u", "uri": "x://"}),
        )
        .await;
    assert_eq!(bad.status, 400);
}

/// Virtual sources over v1 by id: get, partial PUT, DELETE 204 removing the source's objects.
#[tokio::test]
async fn v1_virtual_source_lifecycle() {
    let sb = start(AlationOptions::default()).await;
    let token = sb.admin_token().await;
    let id = sb.datasource(&token, true).await;
    let path = format!("/integration/v1/datasource/{id}/");
    let got = sb.get(&path, &token).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body["is_virtual"], true);
    assert_eq!(got.body["title"], "virtual");
    let put = sb
        .send(
            Method::PUT,
            &path,
            Some(&token),
            Some(json!({"title": "Warehouse", "description": "<p>d</p>"})),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(put.body["title"], "Warehouse");
    assert_eq!(put.body["description"], "<p>d</p>");
    assert_eq!(put.body["dbtype"], "postgresql");
    assert_eq!(put.body["is_virtual"], true);
    assert_eq!(put.body["deployment_setup_complete"], true);
    let retitled = sb
        .send(
            Method::PUT,
            &path,
            Some(&token),
            Some(json!({"title": "Warehouse 2"})),
        )
        .await;
    assert_eq!(
        retitled.body["description"], "<p>d</p>",
        "absent fields stay"
    );
    let list = sb.get("/integration/v1/datasource/", &token).await;
    assert_eq!(list.body[0]["title"], "Warehouse 2");
    sb.write(
        Method::POST,
        "schema",
        id,
        &token,
        json!([{"key": format!("{id}.s")}]),
    )
    .await;
    let deleted = sb.send(Method::DELETE, &path, Some(&token), None).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.body, Value::Null);
    let gone = sb.get(&path, &token).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.body["code"], "404000");
    let schemas = sb
        .get(&format!("/integration/v2/schema/?ds_id={id}"), &token)
        .await;
    assert_eq!(schemas.body, json!([]));
}

/// The v1 PUT rejects ill-typed fields with 400, unknown ids with 404, and readers with 403.
#[tokio::test]
async fn v1_update_refusals() {
    let sb = start(AlationOptions::default()).await;
    let token = sb.admin_token().await;
    let id = sb.datasource(&token, false).await;
    let path = format!("/integration/v1/datasource/{id}/");
    let bad = sb
        .send(
            Method::PUT,
            &path,
            Some(&token),
            Some(json!({"title": 5, "port": "x"})),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(bad.body["code"], "400010");
    assert_eq!(sb.get(&path, &token).await.body["title"], "native");
    let missing = sb
        .send(
            Method::PUT,
            "/integration/v1/datasource/9999/",
            Some(&token),
            Some(json!({"title": "x"})),
        )
        .await;
    assert_eq!(missing.status, 404);
    let viewer = sb.token_for(Role::Viewer).await;
    let denied = sb
        .send(
            Method::PUT,
            &path,
            Some(&viewer),
            Some(json!({"title": "x"})),
        )
        .await;
    assert_eq!(denied.status, 403);
    let delete_denied = sb.send(Method::DELETE, &path, Some(&viewer), None).await;
    assert_eq!(delete_denied.status, 403);
    assert_eq!(sb.get(&path, &viewer).await.body["title"], "native");
}
