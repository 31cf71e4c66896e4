//! The Relational Integration API v2: filters, paging, upserts, PATCH and job results.

use metaform::sim::alation::AlationOptions;
use reqwest::Method;
use serde_json::{Value, json};

use super::support::{Sandbox, start};

/// A sandbox with a virtual source holding schema `s` and table `s.t`.
async fn with_table() -> (Sandbox, String, u64) {
    let sb = start(AlationOptions::default()).await;
    let token = sb.admin_token().await;
    let ds = sb.datasource(&token, true).await;
    sb.write(
        Method::POST,
        "schema",
        ds,
        &token,
        json!([{"key": format!("{ds}.s")}]),
    )
    .await;
    sb.write(
        Method::POST,
        "table",
        ds,
        &token,
        json!([{"key": format!("{ds}.s.t")}]),
    )
    .await;
    (sb, token, ds)
}

fn columns(ds: u64, n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({"key": format!("{ds}.s.t.c{i:04}"), "column_type": "int", "position": i + 1}))
            .collect(),
    )
}

/// X-Next-Page is relative, keeps every filter and walks all pages in id order.
#[tokio::test]
async fn paging_follows_x_next_page() {
    let (sb, token, ds) = with_table().await;
    sb.write(Method::POST, "column", ds, &token, columns(ds, 250))
        .await;
    let first = sb
        .get(
            &format!("/integration/v2/column/?ds_id={ds}&table_id=1&limit=100"),
            &token,
        )
        .await;
    let next = first.headers["x-next-page"].to_str().expect("header");
    assert!(next.starts_with("/integration/v2/column/?"), "{next}");
    assert!(next.contains(&format!("ds_id={ds}")) && next.contains("table_id=1"));
    assert!(next.contains("skip=100") && next.contains("limit=100"));
    let (items, pages) = sb
        .list_all(
            &format!("/integration/v2/column/?ds_id={ds}&limit=100"),
            &token,
        )
        .await;
    assert_eq!(pages, 3);
    let ids: Vec<u64> = items.iter().filter_map(|c| c["id"].as_u64()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted);
    assert_eq!(ids.len(), 250);
    let default = sb
        .get(&format!("/integration/v2/column/?ds_id={ds}"), &token)
        .await;
    assert_eq!(default.body.as_array().expect("array").len(), 100);
    let clamped = sb
        .get(
            &format!("/integration/v2/column/?ds_id={ds}&limit=5000"),
            &token,
        )
        .await;
    assert_eq!(clamped.status, 200);
    assert_eq!(clamped.body.as_array().expect("array").len(), 250);
}

/// An unknown query parameter is answered 400 `400006` naming it.
#[tokio::test]
async fn unknown_parameter_is_400006() {
    let (sb, token, _) = with_table().await;
    let reply = sb.get("/integration/v2/table/?ids=1&limit=5", &token).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body,
        json!({"detail": "Invalid query parameters: [ids]", "code": "400006"})
    );
    let ok = sb
        .get("/integration/v2/column/?table_name__icontains=T", &token)
        .await;
    assert_eq!(ok.status, 200);
    let wrong_kind = sb.get("/integration/v2/schema/?table_id=1", &token).await;
    assert_eq!(wrong_kind.body["code"], "400006");
}

/// Filters combine: repeated values match any, different parameters all.
#[tokio::test]
async fn filters_select_objects() {
    let (sb, token, ds) = with_table().await;
    sb.write(Method::POST, "column", ds, &token, columns(ds, 5))
        .await;
    let by_ids = sb.get("/integration/v2/column/?id=2&id=4", &token).await;
    let names: Vec<&str> = by_ids
        .body
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["c0001", "c0003"]);
    let combined = sb
        .get(
            "/integration/v2/column/?name__istartswith=C000&id__gte=3&order_by=-id",
            &token,
        )
        .await;
    let ids: Vec<u64> = combined
        .body
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["id"].as_u64())
        .collect();
    assert_eq!(ids, [5, 4, 3]);
    let by_table = sb
        .get(
            "/integration/v2/column/?table_name=S.T&fields=id,key",
            &token,
        )
        .await;
    assert_eq!(by_table.body.as_array().expect("array").len(), 5);
    assert_eq!(
        by_table.body[0],
        json!({"id": 1, "key": format!("{ds}.s.t.c0000")})
    );
}

/// GET items have the documented shapes, with parents' ids and names.
#[tokio::test]
async fn items_have_documented_fields() {
    let (sb, token, ds) = with_table().await;
    sb.write(
        Method::POST,
        "column",
        ds,
        &token,
        json!([{"key": format!("{ds}.s.t.id"), "column_type": "int", "title": "Id",
                "description": "<p>x</p>", "position": "3",
                "index": {"isPrimaryKey": true}}]),
    )
    .await;
    let column = &sb.get("/integration/v2/column/", &token).await.body[0];
    assert_eq!(column["url"], "/attribute/1/");
    assert_eq!(column["description"], "<p>x</p>");
    assert_eq!(column["position"], 3);
    assert_eq!(column["nullable"], false);
    assert_eq!(column["table_id"], 1);
    assert_eq!(column["schema_id"], 1);
    assert_eq!(column["table_name"], "s.t");
    assert_eq!(
        column["index"],
        json!({"isPrimaryKey": true, "isForeignKey": false, "referencedColumnId": null,
               "isOtherIndex": false})
    );
    let table = &sb.get("/integration/v2/table/", &token).await.body[0];
    assert_eq!(table["table_type"], "TABLE");
    assert_eq!(table["schema_name"], "s");
    assert_eq!(table["key"], format!("{ds}.s.t"));
}

/// POST replaces every field: omitted fields go back to their defaults.
#[tokio::test]
async fn post_is_full_replace() {
    let (sb, token, ds) = with_table().await;
    let key = format!("{ds}.s.t");
    sb.write(Method::POST, "table", ds, &token,
        json!([{"key": key, "title": "T", "description": "D", "table_type": "VIEW", "sql": "select 1"}]))
        .await;
    let job = sb
        .write(
            Method::POST,
            "table",
            ds,
            &token,
            json!([{"key": key, "title": "T2"}]),
        )
        .await;
    assert_eq!(job["status"], "successful");
    assert_eq!(job["result"][0]["response"], "Upserted 1 table objects.");
    assert_eq!(job["result"][0]["mapping"], json!([{"id": 1, "key": key}]));
    let table = &sb.get("/integration/v2/table/", &token).await.body[0];
    assert_eq!(table["title"], "T2");
    assert_eq!(table["description"], "");
    assert_eq!(table["table_type"], "TABLE");
    assert_eq!(table["sql"], Value::Null);
}

/// PATCH changes only given fields, by id or key; unknown objects are job errors.
#[tokio::test]
async fn patch_changes_given_fields() {
    let (sb, token, ds) = with_table().await;
    sb.write(
        Method::POST,
        "table",
        ds,
        &token,
        json!([{"key": format!("{ds}.s.t"), "title": "T", "description": "D"}]),
    )
    .await;
    let job = sb
        .write(
            Method::PATCH,
            "table",
            ds,
            &token,
            json!([{"id": 1, "title": "New"}, {"key": format!("{ds}.s.nope"), "title": "x"}]),
        )
        .await;
    assert_eq!(job["status"], "successful");
    assert_eq!(job["result"][0]["response"], "Updated 1 table objects.");
    assert_eq!(
        job["result"][0]["errors"].as_array().expect("errors").len(),
        1
    );
    let table = &sb.get("/integration/v2/table/", &token).await.body[0];
    assert_eq!(table["title"], "New");
    assert_eq!(table["description"], "D");
    let bad = sb
        .send(
            Method::PATCH,
            &format!("/integration/v2/table/?ds_id={ds}"),
            Some(&token),
            Some(json!([{"title": "no id"}])),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["code"], "400010");
}

/// Missing parents are reported in the job result and not written; jobs run before finishing.
#[tokio::test]
async fn missing_parent_is_a_job_error() {
    let (sb, token, ds) = with_table().await;
    let reply = sb
        .post(
            &format!("/integration/v2/column/?ds_id={ds}"),
            Some(&token),
            json!([{"key": format!("{ds}.s.missing.c"), "column_type": "int"},
                   {"key": format!("{ds}.s.t.c"), "column_type": "int"}]),
        )
        .await;
    assert_eq!(reply.status, 202);
    let id = reply.body["job_id"].as_u64().expect("job id");
    let first = sb
        .get(&format!("/api/v1/bulk_metadata/job/?id={id}"), &token)
        .await;
    assert_eq!(first.body["status"], "running");
    let done = sb
        .get(&format!("/api/v1/bulk_metadata/job/?id={id}"), &token)
        .await;
    assert_eq!(done.body["status"], "successful");
    assert!(
        done.body["msg"]
            .as_str()
            .expect("msg")
            .starts_with("Job finished in")
    );
    let result = &done.body["result"][0];
    assert_eq!(result["mapping"].as_array().expect("mapping").len(), 1);
    assert!(
        result["errors"][0]
            .as_str()
            .expect("error")
            .contains("Missing table")
    );
    let all = sb.get("/integration/v2/column/", &token).await;
    assert_eq!(all.body.as_array().expect("array").len(), 1);
}

/// Bad requests: unknown ds_id is 404, bodies over the limit or without keys are 400.
#[tokio::test]
async fn bad_writes_are_rejected() {
    let (sb, token, ds) = with_table().await;
    let unknown = sb
        .post("/integration/v2/schema/?ds_id=0", Some(&token), json!([]))
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.body,
        json!({"detail": "Data source with id 0 does not exist", "code": "404000"})
    );
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({"key": format!("{ds}.s{i}")}))
        .collect();
    let over = sb
        .post(
            &format!("/integration/v2/schema/?ds_id={ds}"),
            Some(&token),
            json!(many),
        )
        .await;
    assert_eq!(over.status, 400);
    let no_key = sb
        .post(
            &format!("/integration/v2/schema/?ds_id={ds}"),
            Some(&token),
            json!([{"title": "x"}]),
        )
        .await;
    assert_eq!(no_key.status, 400);
    assert_eq!(
        no_key.body["errors"][0]["key"][0],
        "400068: API Key is a required input"
    );
    let other_ds = sb
        .post(
            &format!("/integration/v2/schema/?ds_id={ds}"),
            Some(&token),
            json!([{"key": "999.s"}]),
        )
        .await;
    assert_eq!(other_ds.body["code"], "400010");
}

/// Quoted keys keep dots in names and stay distinct from unquoted multipart keys.
#[tokio::test]
async fn quoted_keys_round_trip() {
    let sb = start(AlationOptions::default()).await;
    let token = sb.admin_token().await;
    let ds = sb.datasource(&token, true).await;
    let schema = format!(r#"{ds}."HR.2017""#);
    let table = format!(r#"{schema}."Employees.FullTime""#);
    sb.write(Method::POST, "schema", ds, &token, json!([{"key": schema}]))
        .await;
    let job = sb
        .write(Method::POST, "table", ds, &token, json!([{"key": table}]))
        .await;
    assert_eq!(job["result"][0]["errors"], json!([]));
    let got = &sb.get("/integration/v2/table/", &token).await.body[0];
    assert_eq!(got["name"], "Employees.FullTime");
    assert_eq!(got["schema_name"], "HR.2017");
    assert_eq!(got["key"], table);
    let multipart = sb
        .write(
            Method::POST,
            "table",
            ds,
            &token,
            json!([{"key": format!("{ds}.HR.2017.x")}]),
        )
        .await;
    assert_eq!(
        multipart["result"][0]["errors"]
            .as_array()
            .expect("errors")
            .len(),
        1
    );
}

/// With a failure rate of 1 every job fails with a message and writes nothing.
#[tokio::test]
async fn failing_jobs_write_nothing() {
    let sb = start(AlationOptions {
        job_failure_rate: 1.0,
        seed: 7,
        ..AlationOptions::default()
    })
    .await;
    let token = sb.admin_token().await;
    let ds = sb.datasource(&token, true).await;
    let job = sb
        .write(
            Method::POST,
            "schema",
            ds,
            &token,
            json!([{"key": format!("{ds}.s")}]),
        )
        .await;
    assert_eq!(job["status"], "failed");
    assert!(job["msg"].as_str().expect("msg").contains("failed"));
    assert_eq!(
        sb.get("/integration/v2/schema/", &token).await.body,
        json!([])
    );
}

/// Which jobs fail is decided by the seed alone: the same seed fails the same jobs.
#[tokio::test]
async fn job_failures_follow_the_seed() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let options = AlationOptions {
            job_failure_rate: 0.5,
            seed: 42,
            ..AlationOptions::default()
        };
        let sb = start(options).await;
        let token = sb.admin_token().await;
        let ds = sb.datasource(&token, true).await;
        let mut statuses = Vec::new();
        for i in 0..12 {
            let job = sb
                .write(
                    Method::POST,
                    "schema",
                    ds,
                    &token,
                    json!([{"key": format!("{ds}.s{i}")}]),
                )
                .await;
            statuses.push(job["status"].as_str().unwrap_or_default().to_string());
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].iter().any(|s| s == "failed") && runs[0].iter().any(|s| s == "successful"));
}

/// The payloads OpenMetadata's AlationSink sends are accepted: string positions, empty index, "None" texts.
#[tokio::test]
async fn openmetadata_sink_payloads_are_accepted() {
    let sb = start(AlationOptions::default()).await;
    let user = sb.user(metaform::sim::alation::Role::SourceAdmin);
    let refresh = sb
        .post(
            "/integration/v1/createRefreshToken/",
            None,
            json!({"username": user.username, "password": user.password, "name": "Test"}),
        )
        .await;
    let access = sb
        .post("/integration/v1/createAPIAccessToken/", None,
            json!({"refresh_token": refresh.body["refresh_token"], "user_id": refresh.body["user_id"]}))
        .await;
    let token = access.body["api_access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let ds = sb
        .post("/integration/v2/datasource/", Some(&token),
            json!({"uri": "None", "connector_id": 13, "db_username": "Test", "title": "ecommerce_db",
                   "description": "None"}))
        .await;
    assert_eq!(ds.status, 201, "{}", ds.body);
    let ds = ds.body["id"].as_u64().expect("id");
    sb.write(
        Method::POST,
        "schema",
        ds,
        &token,
        json!([{"key": format!("{ds}.shopify"), "title": "shopify", "description": "None"}]),
    )
    .await;
    sb.write(Method::POST, "table", ds, &token,
        json!([{"key": format!(r#"{ds}.shopify."dim.product.variant""#), "title": "dim.product.variant",
                "description": "None", "table_type": "VIEW"}])).await;
    let job = sb
        .write(
            Method::POST,
            "column",
            ds,
            &token,
            json!([{"key": format!(r#"{ds}.shopify."dim.product.variant".address_id"#),
                    "column_type": "numeric", "title": "address_id", "description": "None",
                    "position": "1", "index": {}}]),
        )
        .await;
    assert_eq!(job["result"][0]["errors"], json!([]));
    let column = &sb.get("/integration/v2/column/", &token).await.body[0];
    assert_eq!(column["position"], 1);
    assert_eq!(column["table_name"], "shopify.dim.product.variant");
}

/// A full 10,000-column POST (several MiB) is accepted; unknown paths get a JSON 404.
#[tokio::test]
async fn large_column_batches_fit() {
    let (sb, token, ds) = with_table().await;
    let description = "<p>".to_string() + &"x".repeat(400) + "</p>";
    let items: Vec<Value> = (0..10_000)
        .map(|i| {
            json!({"key": format!("{ds}.s.t.c{i}"), "column_type": "int",
                        "description": description})
        })
        .collect();
    let job = sb
        .write(Method::POST, "column", ds, &token, json!(items))
        .await;
    assert_eq!(
        job["result"][0]["response"],
        "Upserted 10000 attribute objects."
    );
    let unknown = sb.get("/integration/v2/nothing/", &token).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.body,
        json!({"detail": "Not found.", "code": "404000"})
    );
}

/// POST resets what it omits beyond the basics too: comments, custom fields, partitions and isOtherIndex.
#[tokio::test]
async fn post_resets_comments_and_custom_fields() {
    let (sb, token, ds) = with_table().await;
    let custom = json!([{"field_id": 10087, "value": "PII"}]);
    sb.write(
        Method::PATCH,
        "schema",
        ds,
        &token,
        json!([{"key": format!("{ds}.s"), "db_comment": "sc", "custom_fields": custom}]),
    )
    .await;
    sb.write(
        Method::PATCH,
        "table",
        ds,
        &token,
        json!([{"key": format!("{ds}.s.t"), "table_comment": "tc", "partition_definition": "p",
                "partition_columns": ["c"], "custom_fields": custom}]),
    )
    .await;
    sb.write(
        Method::POST,
        "column",
        ds,
        &token,
        json!([{"key": format!("{ds}.s.t.c"), "column_type": "int", "column_comment": "cc",
                "index": {"isOtherIndex": true}, "custom_fields": custom}]),
    )
    .await;
    let column = &sb.get("/integration/v2/column/", &token).await.body[0];
    assert_eq!(column["column_comment"], "cc", "{column}");
    assert_eq!(column["index"]["isOtherIndex"], true, "{column}");
    assert_eq!(column["custom_fields"][0]["value"], "PII", "{column}");
    for kind in ["schema", "table"] {
        let object = &sb
            .get(&format!("/integration/v2/{kind}/"), &token)
            .await
            .body[0];
        assert_eq!(object["custom_fields"][0]["value"], "PII", "{object}");
    }

    for (kind, key) in [
        ("schema", format!("{ds}.s")),
        ("table", format!("{ds}.s.t")),
    ] {
        sb.write(Method::POST, kind, ds, &token, json!([{"key": key}]))
            .await;
    }
    sb.write(
        Method::POST,
        "column",
        ds,
        &token,
        json!([{"key": format!("{ds}.s.t.c"), "column_type": "bigint"}]),
    )
    .await;
    let schema = &sb.get("/integration/v2/schema/", &token).await.body[0];
    assert_eq!(schema["db_comment"], Value::Null, "{schema}");
    assert_eq!(schema["custom_fields"], json!([]), "{schema}");
    let table = &sb.get("/integration/v2/table/", &token).await.body[0];
    assert_eq!(table["table_comment"], "", "{table}");
    assert_eq!(table["partition_definition"], Value::Null, "{table}");
    assert_eq!(table["partition_columns"], json!([]), "{table}");
    assert_eq!(table["custom_fields"], json!([]), "{table}");
    let column = &sb.get("/integration/v2/column/", &token).await.body[0];
    assert_eq!(column["column_comment"], Value::Null, "{column}");
    assert_eq!(column["index"]["isOtherIndex"], false, "{column}");
    assert_eq!(column["custom_fields"], json!([]), "{column}");
}
