//! A name the target refuses fails only its own item: the other items of its batch
//! are sent again without it and applied, and the next plan shows only the refused one.

use reqwest::Method;
use serde_json::{Value, json};

use super::project;

const TABLE: &str = "sample_data.ecommerce_db.shopify.refusals";

/// One blank column name in a batch: the good columns are applied, the blank one fails with its own message, exit 3.
#[tokio::test]
async fn a_refused_name_fails_only_its_own_item() {
    let project = project().build().await;
    project.run_ok(&["snapshot"]).await;
    project.run_ok(&["apply", "--auto-approve"]).await;
    project
        .openmetadata(
            Method::PUT,
            "/v1/tables",
            Some(json!({"name": "refusals", "databaseSchema": "sample_data.ecommerce_db.shopify",
                "columns": [{"name": "id", "dataType": "INT"},
                            {"name": "   ", "dataType": "INT"},
                            {"name": "label", "dataType": "VARCHAR", "dataTypeDisplay": "varchar(20)"},
                            {"name": "note", "dataType": "VARCHAR", "dataTypeDisplay": "varchar(50)"}]})),
        )
        .await;
    project.run_ok(&["snapshot"]).await;

    let apply = project.run_expect(&["apply", "--auto-approve"], 3).await;
    let failures: Vec<&str> = apply
        .stderr
        .lines()
        .filter(|l| l.contains("creating `"))
        .collect();
    assert_eq!(failures.len(), 1, "{}", apply.stderr);
    assert!(
        failures[0].contains(&format!("creating `{TABLE}.")) && failures[0].contains("   "),
        "{}",
        apply.stderr
    );
    assert!(failures[0].contains("empty name"), "{}", apply.stderr);
    for good in ["id", "label", "note"] {
        assert!(
            !failures[0].contains(&format!(".{good}`")),
            "{}",
            apply.stderr
        );
    }

    let token = project.alation_token().await;
    let ds = project.datasource_id(&token, "ecommerce_db").await;
    let columns: Vec<String> = project
        .alation_list(&format!("/integration/v2/column/?ds_id={ds}"), &token)
        .await
        .iter()
        .filter_map(|c| c["key"].as_str())
        .filter(|k| k.starts_with(&format!("{ds}.shopify.refusals.")))
        .map(str::to_owned)
        .collect();
    let mut expected: Vec<String> = ["id", "label", "note"]
        .iter()
        .map(|c| format!("{ds}.shopify.refusals.{c}"))
        .collect();
    expected.sort();
    let mut columns = columns;
    columns.sort();
    assert_eq!(columns, expected);

    let plan = project.run_ok(&["plan", "--format", "json"]).await;
    let plan: Value = serde_json::from_str(&plan.stdout).expect("a JSON plan");
    let items = plan["items"].as_array().expect("plan items");
    assert_eq!(items.len(), 1, "{plan}");
    assert_eq!(items[0]["action"], "create", "{plan}");
    let address = items[0]["address"].as_str().expect("an address");
    assert!(
        address.starts_with(&format!("{TABLE}.")) && address.contains("   "),
        "{address}"
    );
}
