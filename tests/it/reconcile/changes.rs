//! Source edits reach the plan as exactly the changed objects, with before and after;
//! with OCF data sources a dropped table is reported as an orphan and kept.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use super::{lines_starting, project};
use crate::workspace::{Config, Workspace};

const SHOP: &str = "sample_data.ecommerce_db.shopify";

/// Edit, drop, add and retype in OpenMetadata: the plan holds exactly those changes, and apply converges.
#[tokio::test]
async fn source_edits_plan_exactly_and_converge() {
    let project = project().build().await;
    project.run_ok(&["snapshot"]).await;
    project.run_ok(&["apply", "--auto-approve"]).await;

    project
        .om_patch_table(
            "dim_customer",
            json!([{"op": "replace", "path": "/description", "value": "Customers, **one row each**."}]),
        )
        .await;
    let dropped = drop_table(&project, "raw_order").await;
    project
        .om_patch_table(
            "dim_staff",
            json!([{"op": "add", "path": "/columns/-", "value": {
                "name": "nickname", "dataType": "VARCHAR", "dataTypeDisplay": "VARCHAR(64)",
                "constraint": "NULL"}}]),
        )
        .await;
    let location = project.om_table("dim_location").await;
    let index = column_index(&location, "name");
    project
        .om_patch_table(
            "dim_location",
            json!([
                {"op": "replace", "path": format!("/columns/{index}/dataType"), "value": "TEXT"},
                {"op": "replace", "path": format!("/columns/{index}/dataTypeDisplay"), "value": "text"},
            ]),
        )
        .await;

    project.run_ok(&["snapshot"]).await;

    // The policy guards see the drop: a low delete limit refuses the plan unless
    // forced, and a protected address is refused even when forced.
    project.configure(&Config {
        policy: Some("  maxDeletePercent: 5\n".into()),
        ..Config::default()
    });
    let refused = project.run_expect(&["plan"], 1).await;
    let rule = format!("refusing to delete {} of ", dropped.len() + 1);
    assert!(refused.stderr.contains(&rule), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("policy.maxDeletePercent 5%"),
        "{}",
        refused.stderr
    );
    project.run_ok(&["plan", "--force"]).await;
    project.configure(&Config {
        policy: Some("  protect: [\"*.raw_order\"]\n".into()),
        ..Config::default()
    });
    let protected = project.run_expect(&["plan", "--force"], 1).await;
    assert!(
        protected.stderr.contains(&format!(
            "refusing to delete `{SHOP}.raw_order`: it matches the policy.protect pattern `*.raw_order`"
        )),
        "{}",
        protected.stderr
    );
    project.configure(&Config::default());

    let plan = project.run_ok(&["plan", "--format", "json"]).await;
    let plan: Value = serde_json::from_str(&plan.stdout).expect("a JSON plan");
    let items = plan["items"].as_array().expect("plan items");
    let found: BTreeSet<(String, String)> = items
        .iter()
        .map(|i| {
            (
                i["action"].as_str().unwrap().to_owned(),
                i["address"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
    expected.insert(("update".into(), format!("{SHOP}.dim_customer")));
    expected.insert(("delete".into(), format!("{SHOP}.raw_order")));
    for column in &dropped {
        expected.insert(("delete".into(), format!("{SHOP}.raw_order.{column}")));
    }
    expected.insert(("create".into(), format!("{SHOP}.dim_staff.nickname")));
    expected.insert(("update".into(), format!("{SHOP}.dim_location.name")));
    assert_eq!(found, expected);
    assert_eq!(items.len(), expected.len());
    assert_eq!(plan["summary"]["add"], 1);
    assert_eq!(plan["summary"]["change"], 2);
    assert_eq!(plan["summary"]["destroy"], dropped.len() + 1);

    let change = |address: String, field: &str| -> (Value, Value) {
        let item = items
            .iter()
            .find(|i| i["address"] == address.as_str())
            .expect("a planned item");
        let changes = item["changes"].as_array().expect("changes");
        assert_eq!(changes.len(), 1, "{item}");
        let c = &changes[0];
        assert_eq!(c["field"], field, "{item}");
        (c["before"].clone(), c["after"].clone())
    };
    let (before, after) = change(format!("{SHOP}.dim_customer"), "description");
    assert!(before.as_str().unwrap().starts_with("<p>"), "{before}");
    assert_eq!(after, "<p>Customers, <strong>one row each</strong>.</p>");
    let (before, after) = change(format!("{SHOP}.dim_location.name"), "column_type");
    assert_ne!(before, after);
    assert_eq!(after, "text");
    let created = items
        .iter()
        .find(|i| i["action"] == "create")
        .expect("the added column");
    let column_type = created["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["field"] == "column_type")
        .expect("a column_type");
    assert_eq!(column_type["after"], "varchar(64)", "{created}");

    project.run_ok(&["apply", "--auto-approve"]).await;
    let again = project.run_ok(&["plan", "--detailed-exitcode"]).await;
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

/// With `createDatasourceAs: ocf`, a dropped table is an orphan (`!`) and stays in Alation.
#[tokio::test]
async fn ocf_dropped_table_is_an_orphan_and_kept() {
    let project = project()
        .config(Config {
            create_as: Some("ocf"),
            ..Config::default()
        })
        .build()
        .await;
    project.run_ok(&["snapshot"]).await;
    project.run_ok(&["apply", "--auto-approve"]).await;
    let dropped = drop_table(&project, "raw_order").await;
    project.run_ok(&["snapshot"]).await;

    // Orphans are reported, not changes: the plan has nothing to apply.
    let plan = project.run_ok(&["plan", "--detailed-exitcode"]).await;
    let orphans = lines_starting(&plan.stdout, "!");
    assert_eq!(orphans.len(), dropped.len() + 1, "{}", plan.stdout);
    let reason = "(cannot be deleted through the API: OCF data source)";
    assert!(orphans.iter().all(|l| l.ends_with(reason)), "{orphans:?}");
    assert!(
        orphans[0].starts_with(&format!("! table {SHOP}.raw_order ")),
        "{orphans:?}"
    );
    assert!(
        lines_starting(&plan.stdout, "-").is_empty(),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains(&format!(
            "{} objects are no longer desired but will not be deleted (marked !).",
            dropped.len() + 1
        )),
        "{}",
        plan.stdout
    );
    project.run_ok(&["apply", "--auto-approve"]).await;

    let token = project.alation_token().await;
    let source = project
        .datasources(&token)
        .await
        .into_iter()
        .find(|d| d["title"] == "ecommerce_db")
        .expect("the ecommerce_db data source");
    let tables = project
        .alation_list(
            &format!("/integration/v2/table/?ds_id={}", source["id"]),
            &token,
        )
        .await;
    assert!(
        tables.iter().any(|t| t["name"] == "raw_order"),
        "raw_order was removed"
    );
}

/// Deletes the `shopify` table `name` in OpenMetadata; returns its column names.
async fn drop_table(project: &Workspace, name: &str) -> Vec<String> {
    let table = project.om_table(name).await;
    let id = table["id"].as_str().expect("a table id");
    project
        .openmetadata(Method::DELETE, &format!("/v1/tables/{id}"), None)
        .await;
    table["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["name"].as_str().expect("a column name").to_owned())
        .collect()
}

/// The position of column `name` in an OpenMetadata table.
fn column_index(table: &Value, name: &str) -> usize {
    table["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .position(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}
