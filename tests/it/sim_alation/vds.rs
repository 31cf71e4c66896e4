//! Virtual Data Source uploads.

use metaform::sim::alation::AlationOptions;
use serde_json::{Value, json};

use super::support::{Sandbox, start};

async fn upload(sb: &Sandbox, token: &str, ds: u64, query: &str, lines: &[Value]) -> Value {
    let body: Vec<String> = lines.iter().map(Value::to_string).collect();
    let reply = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .post(format!(
            "{}/api/v1/bulk_metadata/extraction/{ds}?{query}",
            sb.url
        ))
        .header("Token", token)
        .header("Content-Type", "application/json; charset=utf-8")
        .body(body.join("\n"))
        .send()
        .await
        .expect("upload");
    assert!(reply.status().is_success());
    let name: Value = reply.json().await.expect("JSON");
    let name = name["job_name"].as_str().expect("job_name").to_string();
    let encoded: String =
        percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    sb.finish_job(&format!("name={encoded}"), token).await
}

/// An upload writes parents before children, reports bad lines, and remove_not_seen deletes the rest.
#[tokio::test]
async fn upload_then_remove_not_seen() {
    let sb = start(AlationOptions::default()).await;
    let token = sb.admin_token().await;
    let ds = sb.datasource(&token, true).await;
    let lines = [
        json!({"key": format!("{ds}.a"), "title": "A"}),
        json!({"key": format!("{ds}.a.t"), "table_type": "TABLE"}),
        json!({"key": format!("{ds}.a.t.c1"), "column_type": "int", "position": 1}),
        json!({"key": format!("{ds}.a.t.c2"), "column_type": "char"}),
        json!({"key": format!("{ds}.a.t.pk"), "index_type": "PRIMARY", "column_names": ["c1"]}),
        json!({"key": format!("{ds}.a.nope.c"), "column_type": "int"}),
    ];
    let job = upload(
        &sb,
        &token,
        ds,
        "set_title_descs=true&remove_not_seen=false",
        &lines,
    )
    .await;
    assert_eq!(job["status"], "successful");
    let report: Value =
        serde_json::from_str(job["result"].as_str().expect("a JSON string")).expect("JSON");
    assert_eq!(report["number_received"], 6);
    assert_eq!(report["error_objects"].as_array().expect("errors").len(), 1);
    let columns = sb.get("/integration/v2/column/", &token).await.body;
    assert_eq!(columns.as_array().expect("array").len(), 2);
    assert_eq!(columns[0]["index"]["isPrimaryKey"], true);
    assert_eq!(
        sb.get("/integration/v2/schema/", &token).await.body[0]["title"],
        "A"
    );
    let job = upload(
        &sb,
        &token,
        ds,
        "set_title_descs=false&remove_not_seen=true",
        &lines[..3],
    )
    .await;
    assert_eq!(job["status"], "successful");
    let columns = sb.get("/integration/v2/column/", &token).await.body;
    let names: Vec<&str> = columns
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["c1"]);
    assert_eq!(
        sb.get("/integration/v2/schema/", &token).await.body[0]["title"],
        "A"
    );
}

/// Only virtual data sources accept uploads; an unknown one gets the documented error.
#[tokio::test]
async fn upload_needs_a_virtual_source() {
    let sb = start(AlationOptions::default()).await;
    let token = sb.admin_token().await;
    let native = sb.datasource(&token, false).await;
    let reply = sb
        .post(
            &format!("/api/v1/bulk_metadata/extraction/{native}"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 400);
    let unknown = sb
        .post(
            "/api/v1/bulk_metadata/extraction/0",
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(unknown.body, json!({"error": "Cannot find Datasource"}));
}

/// An upload sets the comments its lines carry and leaves custom fields, schema comments and partitions alone.
#[tokio::test]
async fn upload_leaves_what_a_line_cannot_carry() {
    let sb = start(AlationOptions::default()).await;
    let token = sb.admin_token().await;
    let ds = sb.datasource(&token, true).await;
    let lines = [
        json!({"key": format!("{ds}.a")}),
        json!({"key": format!("{ds}.a.t"), "table_type": "TABLE", "table_comment": "tc"}),
        json!({"key": format!("{ds}.a.t.c"), "column_type": "int", "column_comment": "cc"}),
    ];
    upload(
        &sb,
        &token,
        ds,
        "set_title_descs=false&remove_not_seen=false",
        &lines,
    )
    .await;
    let custom = json!([{"field_id": 10087, "value": "PII"}]);
    for (kind, key, extra) in [
        ("schema", format!("{ds}.a"), json!({"db_comment": "sc"})),
        (
            "table",
            format!("{ds}.a.t"),
            json!({"partition_definition": "p"}),
        ),
        ("column", format!("{ds}.a.t.c"), json!({})),
    ] {
        let mut item = extra;
        item["key"] = json!(key);
        item["custom_fields"] = custom.clone();
        sb.write(reqwest::Method::PATCH, kind, ds, &token, json!([item]))
            .await;
    }
    upload(
        &sb,
        &token,
        ds,
        "set_title_descs=false&remove_not_seen=true",
        &lines,
    )
    .await;
    let schema = &sb.get("/integration/v2/schema/", &token).await.body[0];
    assert_eq!(schema["db_comment"], "sc", "{schema}");
    let table = &sb.get("/integration/v2/table/", &token).await.body[0];
    assert_eq!(table["table_comment"], "tc", "{table}");
    assert_eq!(table["partition_definition"], "p", "{table}");
    let column = &sb.get("/integration/v2/column/", &token).await.body[0];
    assert_eq!(column["column_comment"], "cc", "{column}");
    for object in [schema, table, column] {
        assert_eq!(object["custom_fields"][0]["value"], "PII", "{object}");
    }
}
