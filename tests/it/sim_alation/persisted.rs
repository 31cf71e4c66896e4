//! The state survives serialisation, as the sandbox persists it to a file.

use metaform::sim::alation::{AlationOptions, AlationState};
use reqwest::Method;
use serde_json::json;

use super::support::{serve, start};

/// A state written to JSON and read back serves the same objects and credentials.
#[tokio::test]
async fn state_round_trips_through_json() {
    let sb = start(AlationOptions::default()).await;
    let token = sb.admin_token().await;
    let ds = sb.datasource(&token, true).await;
    sb.write(
        Method::POST,
        "schema",
        ds,
        &token,
        json!([{"key": format!(r#"{ds}."A.b""#)}]),
    )
    .await;
    let text = serde_json::to_string(&*sb.state.read()).expect("serialise");
    let restored: AlationState = serde_json::from_str(&text).expect("deserialise");
    assert_eq!(restored.credentials(), sb.creds);
    let again = serve(restored, AlationOptions::default()).await;
    let schemas = again.get("/integration/v2/schema/", &token).await;
    assert_eq!(schemas.status, 200, "access tokens survive");
    assert_eq!(schemas.body[0]["name"], "A.b");
    let job = again
        .write(
            Method::POST,
            "schema",
            ds,
            &token,
            json!([{"key": format!(r#"{ds}."a.B""#)}]),
        )
        .await;
    assert_eq!(
        job["result"][0]["mapping"][0]["id"], 1,
        "key index survives"
    );
}
