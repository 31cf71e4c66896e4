//! Values curated in Alation on fields the plan does not change survive every write:
//! the Virtual Data Source upload of a delete, the complete POST of a column type
//! change, and a re-apply of a saved plan (issue: a write never changes a field the
//! plan does not show as changing).

use reqwest::Method;
use serde_json::{Value, json};

use super::project;
use crate::workspace::{Config, Workspace};

const SHOP: &str = "sample_data.ecommerce_db.shopify";

/// The `policy` block: title and description of one column and one table are ignored.
const IGNORE: &str = "  ignore:\n    - \"sample_data.ecommerce_db.shopify.dim_location.name:description\"\n    \
     - \"sample_data.ecommerce_db.shopify.dim_location.name:title\"\n    \
     - \"sample_data.ecommerce_db.shopify.dim_customer:description\"\n    \
     - \"sample_data.ecommerce_db.shopify.dim_customer:title\"\n";

const COLUMN_TITLE: &str = "POS location (curated)";
const COLUMN_DESCRIPTION: &str = "<p>Curated by a steward: the <b>shop-front</b> name.</p>";
const TABLE_TITLE: &str = "Customers (curated)";
const TABLE_DESCRIPTION: &str = "<p>Curated by a steward: one row per customer.</p>";

/// Curated ignored titles and descriptions survive a delete's upload, a column type change and a saved-plan re-apply.
#[tokio::test]
async fn curated_ignored_values_survive_deletes_type_changes_and_reapplies() {
    let project = project()
        .config(Config {
            policy: Some(IGNORE.into()),
            ..Config::default()
        })
        .build()
        .await;
    project.run_ok(&["snapshot"]).await;
    project.run_ok(&["apply", "--auto-approve"]).await;
    let token = project.alation_token().await;
    let ds = ecommerce_id(&project, &token).await;
    let column_key = format!("{ds}.shopify.dim_location.name");
    let table_key = format!("{ds}.shopify.dim_customer");
    let other_key = format!("{ds}.shopify.dim_location.shop_id");
    curate(
        &project,
        &token,
        ds,
        "column",
        &column_key,
        COLUMN_TITLE,
        COLUMN_DESCRIPTION,
    )
    .await;
    curate(
        &project,
        &token,
        ds,
        "table",
        &table_key,
        TABLE_TITLE,
        TABLE_DESCRIPTION,
    )
    .await;
    assert_no_changes(&project).await;
    assert_curated(&project, &token, ds, "after curating").await;

    // (a) A delete in the same data source: one Virtual Data Source upload.
    delete_and_apply(&project, &token, ds, "raw_order").await;
    assert_curated(&project, &token, ds, "after a delete").await;
    assert_no_changes(&project).await;

    // (b) Column type changes: of the ignored column, and of a column that is not
    // ignored, whose title and description the plan does not change.
    let other = find(&project, &token, ds, "column", &other_key)
        .await
        .expect("dim_location.shop_id");
    retype(&project, "dim_location", &["name", "shop_id"]).await;
    project.run_ok(&["snapshot"]).await;
    let plan = project.run_ok(&["plan", "--format", "json"]).await;
    let plan: Value = serde_json::from_str(&plan.stdout).expect("a JSON plan");
    let items = plan["items"].as_array().expect("plan items");
    assert_eq!(items.len(), 2, "{plan}");
    for item in items {
        let fields: Vec<&str> = item["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .filter_map(|c| c["field"].as_str())
            .collect();
        assert_eq!(fields, ["column_type"], "{item}");
    }
    project.run_ok(&["apply", "--auto-approve"]).await;
    assert_curated(&project, &token, ds, "after a type change").await;
    let retyped = find(&project, &token, ds, "column", &other_key)
        .await
        .expect("dim_location.shop_id");
    assert_eq!(retyped["column_type"], "text", "{retyped}");
    for field in ["title", "description", "nullable", "position"] {
        assert_eq!(retyped[field], other[field], "shop_id {field}: {retyped}");
    }
    assert_no_changes(&project).await;

    // (c) A full re-apply through a saved plan, while the source edits the ignored
    // fields and another description.
    for (table, patch) in [
        (
            "dim_customer",
            json!([{"op": "replace", "path": "/description", "value": "Source text."}]),
        ),
        (
            "dim_location",
            json!([
                {"op": "replace", "path": "/columns/2/description", "value": "Source name."},
                {"op": "replace", "path": "/columns/1/description", "value": "The shop."},
            ]),
        ),
    ] {
        project.om_patch_table(table, patch).await;
    }
    project.run_ok(&["snapshot"]).await;
    project.run_ok(&["plan", "--out", "plan.json"]).await;
    project.run_ok(&["apply", "plan.json"]).await;
    assert_curated(&project, &token, ds, "after a saved-plan apply").await;
    let described = find(&project, &token, ds, "column", &other_key)
        .await
        .expect("dim_location.shop_id");
    assert_eq!(described["description"], "<p>The shop.</p>", "{described}");
    project.run_ok(&["apply", "--auto-approve"]).await;
    assert_curated(&project, &token, ds, "after a second apply").await;
    assert_no_changes(&project).await;
}

/// `metaform plan --detailed-exitcode` exits 0 with "No changes.".
pub(super) async fn assert_no_changes(project: &Workspace) {
    let plan = project.run_ok(&["plan", "--detailed-exitcode"]).await;
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
}

/// Fails unless the curated title and description are still on both objects.
async fn assert_curated(project: &Workspace, token: &str, ds: u64, when: &str) {
    for (kind, key, title, description) in [
        (
            "column",
            format!("{ds}.shopify.dim_location.name"),
            COLUMN_TITLE,
            COLUMN_DESCRIPTION,
        ),
        (
            "table",
            format!("{ds}.shopify.dim_customer"),
            TABLE_TITLE,
            TABLE_DESCRIPTION,
        ),
    ] {
        let object = find(project, token, ds, kind, &key)
            .await
            .unwrap_or_else(|| panic!("{key} is gone {when}"));
        assert_eq!(object["title"], title, "{key} {when}: {object}");
        assert_eq!(object["description"], description, "{key} {when}: {object}");
    }
}

/// A steward's edit in Alation: PATCH the title and description of one object.
async fn curate(
    project: &Workspace,
    token: &str,
    ds: u64,
    kind: &str,
    key: &str,
    title: &str,
    description: &str,
) {
    let job = project
        .alation(
            Method::PATCH,
            &format!("/integration/v2/{kind}/?ds_id={ds}"),
            Some(token),
            Some(json!([{"key": key, "title": title, "description": description}])),
        )
        .await;
    assert!(job["job_id"].is_u64(), "{job}");
}

/// The Alation object of `kind` whose key is `key`.
pub(super) async fn find(
    project: &Workspace,
    token: &str,
    ds: u64,
    kind: &str,
    key: &str,
) -> Option<Value> {
    project
        .alation_list(&format!("/integration/v2/{kind}/?ds_id={ds}"), token)
        .await
        .into_iter()
        .find(|o| o["key"] == key)
}

/// The id of the data source created for `ecommerce_db`.
pub(super) async fn ecommerce_id(project: &Workspace, token: &str) -> u64 {
    project.datasource_id(token, "ecommerce_db").await
}

/// Deletes the `shopify` table `name` in OpenMetadata, snapshots and applies, and checks
/// that Alation no longer holds it (one Virtual Data Source upload).
pub(super) async fn delete_and_apply(project: &Workspace, token: &str, ds: u64, name: &str) {
    drop_table(project, name).await;
    project.run_ok(&["snapshot"]).await;
    project.run_ok(&["apply", "--auto-approve"]).await;
    let key = format!("{ds}.shopify.{name}");
    assert!(
        find(project, token, ds, "table", &key).await.is_none(),
        "{name} was not deleted"
    );
}

/// Deletes the `shopify` table `name` in OpenMetadata.
async fn drop_table(project: &Workspace, name: &str) {
    let table = project.om_table(name).await;
    let id = table["id"].as_str().expect("a table id");
    project
        .openmetadata(Method::DELETE, &format!("/v1/tables/{id}"), None)
        .await;
}

/// Changes the type of `columns` of the `shopify` table `table` to TEXT in OpenMetadata.
pub(super) async fn retype(project: &Workspace, table: &str, columns: &[&str]) {
    let doc = project.om_table(table).await;
    let names: Vec<&str> = doc["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    let mut patch = Vec::new();
    for column in columns {
        let index = names
            .iter()
            .position(|n| n == column)
            .unwrap_or_else(|| panic!("no column {column} in {SHOP}.{table}"));
        patch.push(
            json!({"op": "replace", "path": format!("/columns/{index}/dataType"), "value": "TEXT"}),
        );
        patch.push(json!({"op": "replace", "path": format!("/columns/{index}/dataTypeDisplay"), "value": "text"}));
    }
    project.om_patch_table(table, Value::Array(patch)).await;
}
