//! Awkward names travel unchanged from OpenMetadata to Alation keys: OpenMetadata's
//! `__reserved__` encodings decoded, dots quoted, quotes escaped.

use reqwest::Method;
use serde_json::json;

use super::project;

/// Names with `::`, `>`, quotes, dots and non-ASCII letters reach Alation exactly and converge.
#[tokio::test]
async fn awkward_names_reach_alation_exactly() {
    let project = project().build().await;
    for table in [
        json!({"name": "café::v2>x", "databaseSchema": "sample_data.ecommerce_db.shopify",
               "columns": [{"name": "a.b", "dataType": "INT"},
                           {"name": "ünï", "dataType": "VARCHAR", "dataTypeDisplay": "VARCHAR(10)"}]}),
        json!({"name": "with \"quote\".dot", "databaseSchema": "sample_data.ecommerce_db.shopify",
               "columns": [{"name": "id", "dataType": "INT", "constraint": "PRIMARY_KEY"}]}),
    ] {
        project
            .openmetadata(Method::PUT, "/v1/tables", Some(table))
            .await;
    }
    project.run_ok(&["snapshot"]).await;
    let state = String::from_utf8(super::read(
        &project.path("state/sample_data/ecommerce_db/shopify.yaml"),
    ))
    .expect("UTF-8");
    assert!(!state.contains("__reserved__"), "{state}");
    project.run_ok(&["apply", "--auto-approve"]).await;
    let again = project.run_ok(&["plan", "--detailed-exitcode"]).await;
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);

    let token = project.alation_token().await;
    let ds = project.datasource_id(&token, "ecommerce_db").await;
    let keys: Vec<String> = project
        .alation_objects_under(ds, &token)
        .await
        .iter()
        .filter_map(|o| o["key"].as_str().map(str::to_owned))
        .collect();
    for key in [
        format!("{ds}.shopify.café::v2>x"),
        format!("{ds}.shopify.café::v2>x.\"a.b\""),
        format!("{ds}.shopify.café::v2>x.ünï"),
        format!("{ds}.shopify.\"with \\\"quote\\\".dot\""),
        format!("{ds}.shopify.\"with \\\"quote\\\".dot\".id"),
    ] {
        assert!(keys.contains(&key), "{key} not stored");
    }
}

/// Backslashes in names reach Alation exactly and converge (`a\b` once read back as `ab`).
#[tokio::test]
async fn backslashes_in_names_round_trip() {
    let project = project().build().await;
    project
        .openmetadata(
            Method::PUT,
            "/v1/tables",
            Some(
                json!({"name": "back\\slash", "databaseSchema": "sample_data.ecommerce_db.shopify",
                "columns": [{"name": "a\\b", "dataType": "INT"},
                            {"name": "c\\\"d.e", "dataType": "INT"},
                            {"name": "trailing\\", "dataType": "INT"}]}),
            ),
        )
        .await;
    project.run_ok(&["snapshot"]).await;
    project.run_ok(&["apply", "--auto-approve"]).await;
    let again = project.run_ok(&["plan", "--detailed-exitcode"]).await;
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);

    let token = project.alation_token().await;
    let ds = project.datasource_id(&token, "ecommerce_db").await;
    let names: Vec<String> = project
        .alation_list(&format!("/integration/v2/column/?ds_id={ds}"), &token)
        .await
        .iter()
        .filter(|c| {
            c["key"]
                .as_str()
                .is_some_and(|k| k.starts_with(&format!("{ds}.shopify.")) && k.contains("slash"))
        })
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect();
    for name in ["a\\b", "c\\\"d.e", "trailing\\"] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} not stored: {names:?}"
        );
    }
}
