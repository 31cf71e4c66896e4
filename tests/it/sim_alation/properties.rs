//! Properties of paging and upserts over random inputs.

use metaform::sim::alation::AlationOptions;
use proptest::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::runtime::Runtime;

use super::support::{Sandbox, start};

fn sandbox() -> (Runtime, Sandbox, String) {
    let rt = Runtime::new().expect("tokio runtime");
    let (sb, token) = rt.block_on(async {
        let sb = start(AlationOptions::default()).await;
        let token = sb.admin_token().await;
        (sb, token)
    });
    (rt, sb, token)
}

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(16)
}

/// Every table of a data source, in id order.
async fn tables(sb: &Sandbox, token: &str, ds: u64) -> Value {
    sb.get(
        &format!("/integration/v2/table/?ds_id={ds}&limit=1000"),
        token,
    )
    .await
    .body
}

proptest! {
    #![proptest_config(config())]

    /// Following X-Next-Page returns every object exactly once, whatever the page size.
    #[test]
    fn paging_returns_each_object_once(count in 0usize..60, limit in 1usize..25) {
        let (rt, sb, token) = sandbox();
        let (ids, expected) = rt.block_on(async {
            let ds = sb.datasource(&token, true).await;
            let schemas: Vec<Value> = (0..count).map(|i| json!({"key": format!("{ds}.s{i}")})).collect();
            let job = sb.write(Method::POST, "schema", ds, &token, json!(schemas)).await;
            let expected: Vec<u64> = job["result"][0]["mapping"].as_array().expect("mapping")
                .iter().filter_map(|m| m["id"].as_u64()).collect();
            let (items, pages) = sb
                .list_all(&format!("/integration/v2/schema/?ds_id={ds}&limit={limit}"), &token)
                .await;
            assert_eq!(pages, count.div_ceil(limit).max(1));
            let ids: Vec<u64> = items.iter().filter_map(|s| s["id"].as_u64()).collect();
            (ids, expected)
        });
        prop_assert_eq!(ids, expected);
    }

    /// Posting the same batch twice leaves the same state as posting it once.
    #[test]
    fn post_upsert_is_idempotent(
        batch in prop::collection::vec(("[a-c]{1,2}", prop::option::of("[a-z ]{0,8}"), prop::bool::ANY), 1..12)
    ) {
        let (rt, sb, token) = sandbox();
        let (once, twice) = rt.block_on(async {
            let ds = sb.datasource(&token, true).await;
            sb.write(Method::POST, "schema", ds, &token, json!([{"key": format!("{ds}.s")}])).await;
            let items: Vec<Value> = batch.iter().map(|(name, title, view)| {
                let mut item = json!({"key": format!("{ds}.s.{name}"),
                                      "table_type": if *view { "VIEW" } else { "TABLE" }});
                if let Some(title) = title {
                    item["title"] = json!(title);
                }
                item
            }).collect();
            sb.write(Method::POST, "table", ds, &token, json!(items)).await;
            let once = tables(&sb, &token, ds).await;
            sb.write(Method::POST, "table", ds, &token, json!(items)).await;
            (once, tables(&sb, &token, ds).await)
        });
        prop_assert_eq!(once, twice);
    }

    /// A key posted again in another case updates the object instead of adding one.
    #[test]
    fn keys_are_case_insensitive(name in "[a-zA-Z]{1,10}", flips in prop::collection::vec(prop::bool::ANY, 10)) {
        let (rt, sb, token) = sandbox();
        let other: String = name.chars().zip(flips.iter().cycle()).map(|(c, flip)| {
            if *flip { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }
        }).collect();
        let (all, key) = rt.block_on(async {
            let ds = sb.datasource(&token, true).await;
            sb.write(Method::POST, "schema", ds, &token, json!([{"key": format!("{ds}.S")}])).await;
            sb.write(Method::POST, "table", ds, &token,
                json!([{"key": format!("{ds}.S.{name}"), "title": "first"}])).await;
            let key = format!("{ds}.s.{other}");
            sb.write(Method::POST, "table", ds, &token, json!([{"key": key, "title": "second"}])).await;
            (tables(&sb, &token, ds).await, key)
        });
        let all = all.as_array().cloned().unwrap_or_default();
        prop_assert_eq!(all.len(), 1);
        prop_assert_eq!(&all[0]["title"], "second");
        prop_assert_eq!(&all[0]["key"], &json!(key));
    }
}
