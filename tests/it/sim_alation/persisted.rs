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

/// A finished job's report (kept as JSON text) is served the same before and after the
/// state is written to JSON and read back.
#[tokio::test]
async fn job_reports_survive_persistence() {
    let sb = start(AlationOptions::default()).await;
    let token = sb.admin_token().await;
    let ds = sb.datasource(&token, true).await;
    let items = json!([{"key": format!("{ds}.s")}, {"key": format!(r#"{ds}."x.y""#)}]);
    let path = format!("/integration/v2/schema/?ds_id={ds}");
    let reply = sb
        .send(Method::POST, &path, Some(&token), Some(items))
        .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    let query = format!("id={}", reply.body["job_id"]);
    let job = sb.finish_job(&query, &token).await;
    assert_eq!(job["status"], "successful", "{job}");
    assert_eq!(
        job["result"][0]["mapping"][1]["key"],
        format!(r#"{ds}."x.y""#)
    );
    let text = serde_json::to_string(&*sb.state.read()).expect("serialise");
    let restored: AlationState = serde_json::from_str(&text).expect("deserialise");
    let again = serve(restored, AlationOptions::default()).await;
    let polled = again.finish_job(&query, &token).await;
    assert_eq!(polled, job, "the same report after a reload");
}
