//! A database linked to an existing, empty Alation data source: the plan adds its
//! schema, tables and top-level columns, apply stores them with quoted keys, keys,
//! foreign keys and HTML descriptions, and the next plan is empty.

use reqwest::Method;
use serde_json::{Value, json};

use super::{lines_starting, project, shopify_column_count};
use crate::workspace::Config;

/// A linked empty data source gets exactly the sample schema; apply stores keys, PK/FK and HTML, then converges.
#[tokio::test]
async fn linked_datasource_is_filled_and_converges() {
    let project = project().build().await;
    let token = project.alation_token().await;
    let created = project
        .alation(
            Method::POST,
            "/integration/v1/datasource/",
            Some(&token),
            Some(json!({"dbtype": "bigquery", "title": "shop", "is_virtual": true})),
        )
        .await;
    let ds = created["id"].as_u64().expect("a data source id");
    // Someone else's schema in the linked data source: managed, not owned, so kept.
    for (kind, item) in [
        ("schema", json!({"key": format!("{ds}.legacy")})),
        (
            "table",
            json!({"key": format!("{ds}.legacy.orders"), "title": "Old orders"}),
        ),
    ] {
        project
            .alation(
                Method::POST,
                &format!("/integration/v2/{kind}/?ds_id={ds}"),
                Some(&token),
                Some(json!([item])),
            )
            .await;
    }
    // The sample data has no foreign key: fact_order.customer_id -> dim_customer.customer_id.
    project
        .om_patch_table(
            "fact_order",
            json!([{"op": "add", "path": "/tableConstraints", "value": [{
                "constraintType": "FOREIGN_KEY",
                "columns": ["customer_id"],
                "referredColumns": ["sample_data.ecommerce_db.shopify.dim_customer.customer_id"],
            }]}]),
        )
        .await;
    project.configure(&Config {
        links: vec![(ds, "sample_data.ecommerce_db")],
        ..Config::default()
    });

    project.run_ok(&["snapshot"]).await;
    let plan = project
        .run_expect(&["plan", "--detailed-exitcode"], 2)
        .await;
    let groups = groups(&plan.stdout);
    let linked = groups
        .iter()
        .find(|(header, _)| header.contains("sample_data.ecommerce_db"))
        .map(|(_, body)| body.as_str())
        .unwrap_or_else(|| panic!("no group for the linked database:\n{}", plan.stdout));
    assert!(
        lines_starting(linked, "+ data source").is_empty(),
        "{linked}"
    );
    assert_eq!(lines_starting(linked, "+ schema").len(), 1, "{linked}");
    assert_eq!(lines_starting(linked, "+ table").len(), 16, "{linked}");
    assert_eq!(
        lines_starting(linked, "+ column").len(),
        shopify_column_count(),
        "{linked}"
    );
    assert_eq!(
        lines_starting(linked, "!"),
        [
            "! schema sample_data.ecommerce_db.legacy (not owned: data source is linked)",
            "! table sample_data.ecommerce_db.legacy.orders (not owned: data source is linked)",
        ],
        "{linked}"
    );
    assert_eq!(
        lines_starting(&plan.stdout, "~").len(),
        0,
        "{}",
        plan.stdout
    );
    assert_eq!(
        lines_starting(&plan.stdout, "-").len(),
        0,
        "{}",
        plan.stdout
    );
    // Glue is not linked: it gets a data source of its own.
    let glue = groups
        .iter()
        .find(|(header, _)| header.contains("Glue.default"))
        .map(|(_, body)| body.as_str())
        .expect("a group for Glue");
    assert_eq!(lines_starting(glue, "+ data source").len(), 1, "{glue}");

    project.run_ok(&["apply", "--auto-approve"]).await;
    let again = project.run_ok(&["plan", "--detailed-exitcode"]).await;
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);

    let tables = project
        .alation_list(&format!("/integration/v2/table/?ds_id={ds}"), &token)
        .await;
    let keys: Vec<&str> = tables.iter().filter_map(|t| t["key"].as_str()).collect();
    assert_eq!(keys.len(), 17, "{keys:?}");
    assert!(
        keys.contains(&format!("{ds}.legacy.orders").as_str()),
        "{keys:?}"
    );
    for key in [
        format!("{ds}.shopify.\"dim.api/client\""),
        format!("{ds}.shopify.\"dim.product.variant\""),
    ] {
        assert!(keys.contains(&key.as_str()), "{key} not in {keys:?}");
    }
    let columns = project
        .alation_list(&format!("/integration/v2/column/?ds_id={ds}"), &token)
        .await;
    assert_eq!(columns.len(), shopify_column_count());
    let column = |key: String| {
        columns
            .iter()
            .find(|c| c["key"] == key.as_str())
            .unwrap_or_else(|| panic!("no column {key}"))
            .clone()
    };
    for name in ["address_id", "shop_id"] {
        let c = column(format!("{ds}.shopify.dim_address.{name}"));
        assert_eq!(c["index"]["isPrimaryKey"], true, "{c}");
    }
    let city = column(format!("{ds}.shopify.dim_address.city"));
    assert_eq!(city["index"]["isPrimaryKey"], false, "{city}");
    let foreign = column(format!("{ds}.shopify.fact_order.customer_id"));
    assert_eq!(foreign["index"]["isForeignKey"], true, "{foreign}");
    assert_eq!(
        foreign["index"]["referencedColumnId"],
        format!("{ds}.shopify.dim_customer.customer_id").as_str(),
        "{foreign}"
    );

    let schemas = project
        .alation_list(&format!("/integration/v2/schema/?ds_id={ds}"), &token)
        .await;
    let shopify = schemas
        .iter()
        .find(|s| s["name"] == "shopify")
        .expect("the shopify schema");
    let description = shopify["description"].as_str().expect("a description");
    assert!(
        description.contains("<strong>mock</strong>"),
        "{description}"
    );
    assert!(!description.contains("**"), "{description}");

    let mut everything: Vec<Value> = Vec::new();
    for source in project.datasources(&token).await {
        let id = source["id"].as_u64().expect("an id");
        everything.extend(project.alation_objects_under(id, &token).await);
        everything.push(source);
    }
    let none: Vec<&Value> = everything
        .iter()
        .filter(|o| o["description"] == "None")
        .collect();
    assert!(none.is_empty(), "descriptions equal to \"None\": {none:?}");
}

/// The plan's groups: each `data source …` header line with the lines under it.
fn groups(text: &str) -> Vec<(String, String)> {
    let mut groups: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with("data source ") {
            groups.push((line.to_owned(), String::new()));
        } else if let Some((_, body)) = groups.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    groups
}
