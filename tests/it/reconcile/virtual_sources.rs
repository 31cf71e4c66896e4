//! Without `datasourceLinks`, each database becomes one virtual data source, created
//! once and found again by its marker after someone renames it in Alation.

use reqwest::Method;
use serde_json::json;

use super::project;

/// The first apply creates one virtual data source per database; after a rename the next runs create none.
#[tokio::test]
async fn created_datasource_is_found_again_after_rename() {
    let project = project().build().await;
    let token = project.alation_token().await;
    let before = project.datasources(&token).await.len();

    project.run_ok(&["snapshot"]).await;
    project.run_ok(&["apply", "--auto-approve"]).await;
    let created = project.datasources(&token).await;
    assert_eq!(created.len(), before + 2, "{created:?}");
    assert!(
        created.iter().all(|d| d["is_virtual"] == true),
        "{created:?}"
    );
    let shop = created
        .iter()
        .find(|d| d["title"] == "ecommerce_db")
        .unwrap_or_else(|| panic!("no ecommerce_db data source in {created:?}"));
    let id = shop["id"].as_u64().expect("an id");

    project
        .alation(
            Method::PUT,
            &format!("/integration/v2/datasource/{id}/"),
            Some(&token),
            Some(json!({"title": "Shop (renamed by a steward)"})),
        )
        .await;
    let plan = project.run_ok(&["plan"]).await;
    assert!(!plan.stdout.contains("+ data source"), "{}", plan.stdout);
    project.run_ok(&["apply", "--auto-approve"]).await;
    let after = project.datasources(&token).await;
    assert_eq!(after.len(), created.len(), "{after:?}");
    let again = project.run_ok(&["plan", "--detailed-exitcode"]).await;
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}
