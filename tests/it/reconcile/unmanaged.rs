//! Alation fields metaform neither reads into the plan nor manages (comments from the
//! database, custom fields, partitions, other indexes) survive its complete writes: the
//! full-replace POST of a column type change and the Virtual Data Source upload of a
//! delete. The plan never shows them.

use reqwest::Method;
use serde_json::{Value, json};

use super::curated::{assert_no_changes, delete_and_apply, ecommerce_id, find, retype};
use super::project;
use crate::workspace::Workspace;

/// A value of a custom field, as a POST or PATCH carries it and a GET returns it.
const PII: &str = "PII";

/// The unmanaged fields set on each object: (kind, key suffix, PATCH body fields).
fn curated(ds: u64) -> Vec<(&'static str, String, Value)> {
    vec![
        (
            "schema",
            format!("{ds}.shopify"),
            json!({"db_comment": "Shop front schema",
                   "custom_fields": [{"field_id": 8, "value": [{"otype": "user", "oid": 1}]}]}),
        ),
        (
            "table",
            format!("{ds}.shopify.dim_location"),
            json!({"table_comment": "Locations from the database",
                   "partition_definition": "PARTITION BY shop_id",
                   "partition_columns": ["shop_id"],
                   "custom_fields": [{"field_id": 10087, "value": PII}]}),
        ),
        (
            "column",
            format!("{ds}.shopify.dim_location.name"),
            json!({"column_comment": "name from the database",
                   "index": {"isOtherIndex": true},
                   "custom_fields": [{"field_id": 10087, "value": PII},
                                     {"field_id": 10090, "value": ["a", "b"]}]}),
        ),
    ]
}

/// Column and table comments, custom fields, partitions and other-index flags set in Alation survive a column type change and a delete's upload.
#[tokio::test]
async fn unmanaged_fields_survive_column_type_changes_and_uploads() {
    let project = project().build().await;
    project.run_ok(&["snapshot"]).await;
    project.run_ok(&["apply", "--auto-approve"]).await;
    let token = project.alation_token().await;
    let ds = ecommerce_id(&project, &token).await;
    for (kind, key, fields) in curated(ds) {
        let mut item = fields.clone();
        item["key"] = json!(key);
        let job = project
            .alation(
                Method::PATCH,
                &format!("/integration/v2/{kind}/?ds_id={ds}"),
                Some(&token),
                Some(json!([item])),
            )
            .await;
        assert!(job["job_id"].is_u64(), "{job}");
    }
    assert_unmanaged(&project, &token, ds, "after setting them").await;
    assert_no_changes(&project).await;

    // (a) A column type change: the column is re-POSTed, which resets what it omits.
    retype(&project, "dim_location", &["name"]).await;
    project.run_ok(&["snapshot"]).await;
    let plan = project.run_ok(&["plan"]).await;
    for hidden in [
        "column_comment",
        "custom_fields",
        "table_comment",
        "db_comment",
    ] {
        assert!(!plan.stdout.contains(hidden), "{}", plan.stdout);
    }
    project.run_ok(&["apply", "--auto-approve"]).await;
    let retyped = find(
        &project,
        &token,
        ds,
        "column",
        &format!("{ds}.shopify.dim_location.name"),
    )
    .await
    .expect("dim_location.name");
    assert_eq!(retyped["column_type"], "text", "{retyped}");
    assert_unmanaged(&project, &token, ds, "after a column type change").await;
    assert_no_changes(&project).await;

    // (b) A delete elsewhere in the data source: one Virtual Data Source upload.
    delete_and_apply(&project, &token, ds, "raw_order").await;
    assert_unmanaged(&project, &token, ds, "after a delete's upload").await;
    assert_no_changes(&project).await;
}

/// Fails unless every unmanaged field set by [`curated`] reads back as set.
async fn assert_unmanaged(project: &Workspace, token: &str, ds: u64, when: &str) {
    for (kind, key, fields) in curated(ds) {
        let object = find(project, token, ds, kind, &key)
            .await
            .unwrap_or_else(|| panic!("{key} is gone {when}"));
        for (name, value) in fields.as_object().expect("fields") {
            let got = match name.as_str() {
                "index" => json!({"isOtherIndex": object["index"]["isOtherIndex"]}),
                // A GET adds each custom field's name.
                "custom_fields" => Value::Array(
                    object["custom_fields"]
                        .as_array()
                        .map(|values| {
                            values
                                .iter()
                                .map(|v| json!({"field_id": v["field_id"], "value": v["value"]}))
                                .collect()
                        })
                        .unwrap_or_default(),
                ),
                _ => object[name].clone(),
            };
            assert_eq!(&got, value, "{key} {name} {when}: {object}");
        }
    }
}
