//! A saved plan is applied as reviewed, and refused, without a write, when the target
//! drifted or the desired state changed since it was saved.

use reqwest::Method;
use serde_json::json;

use super::{project, read};

const CUSTOMER: &str = "sample_data.ecommerce_db.shopify.dim_customer";

/// `apply plan.json` applies a saved plan; a drifted object or an edited state file makes it refuse with no write.
#[tokio::test]
async fn saved_plan_applies_and_stale_plans_are_refused() {
    let project = project().build().await;
    project.run_ok(&["snapshot"]).await;
    project.run_ok(&["plan", "--out", "plan.json"]).await;
    let saved = String::from_utf8(read(&project.path("plan.json"))).expect("UTF-8");
    let credentials = project.sandbox.credentials();
    assert!(!saved.contains(&credentials.alation.refresh_token));
    assert!(!saved.contains(&credentials.openmetadata_jwt));
    project.run_ok(&["apply", "plan.json"]).await;
    let converged = project.run_ok(&["plan", "--detailed-exitcode"]).await;
    assert!(
        converged.stdout.contains("No changes."),
        "{}",
        converged.stdout
    );

    // A reviewed change to dim_customer, then a steward edits its title in Alation.
    project
        .om_patch_table(
            "dim_customer",
            json!([{"op": "replace", "path": "/description", "value": "Customers, one row each."}]),
        )
        .await;
    project.run_ok(&["snapshot"]).await;
    project
        .run_expect(&["plan", "--out", "drifted.json", "--detailed-exitcode"], 2)
        .await;
    let token = project.alation_token().await;
    let ds = project.datasource_id(&token, "ecommerce_db").await;
    let job = project
        .alation(
            Method::PATCH,
            &format!("/integration/v2/table/?ds_id={ds}"),
            Some(&token),
            Some(json!([{"key": format!("{ds}.shopify.dim_customer"), "title": "Customers"}])),
        )
        .await;
    assert!(job["job_id"].is_u64(), "{job}");
    let before = project.alation_objects_under(ds, &token).await;
    assert!(
        before.iter().any(|o| o["title"] == "Customers"),
        "the title edit was not stored"
    );

    let refused = project.run_expect(&["apply", "drifted.json"], 1).await;
    assert!(refused.stderr.contains("stale"), "{}", refused.stderr);
    assert!(refused.stderr.contains(CUSTOMER), "{}", refused.stderr);
    assert!(
        refused.stderr.ends_with(
            "\n\nhint: save a fresh plan with `metaform plan --out drifted.json`, review it, then apply that\n"
        ),
        "{}",
        refused.stderr
    );
    assert_eq!(project.alation_objects_under(ds, &token).await, before);

    // A fresh plan, then a hand edit of the state file.
    project
        .run_expect(&["plan", "--out", "edited.json", "--detailed-exitcode"], 2)
        .await;
    let file = project.path("state/sample_data/ecommerce_db/shopify.yaml");
    let text = String::from_utf8(read(&file)).expect("UTF-8");
    assert!(text.contains("one row each"), "{text}");
    std::fs::write(&file, text.replace("one row each", "one row per customer"))
        .expect("edit the state file");
    let refused = project.run_expect(&["apply", "edited.json"], 1).await;
    assert!(
        refused.stderr.contains("the desired state changed"),
        "{}",
        refused.stderr
    );
    assert_eq!(project.alation_objects_under(ds, &token).await, before);
}
