//! Tokens, roles and the `TOKEN` header.

use std::time::Duration;

use metaform::sim::alation::{AlationOptions, Role};
use serde_json::json;

use super::support::start;

const NOT_AUTHENTICATED: &str = "Authentication credentials were not provided.";

/// The refresh-token flow validates, creates an access token and identifies the user.
#[tokio::test]
async fn refresh_token_flow_authenticates() {
    let sb = start(AlationOptions::default()).await;
    let body = json!({"refresh_token": sb.creds.refresh_token,
                      "user_id": sb.creds.refresh_token_user_id.to_string()});
    let valid = sb
        .post("/integration/v1/validateRefreshToken/", None, body.clone())
        .await;
    assert_eq!(valid.status, 200);
    assert_eq!(valid.body["token_status"], "ACTIVE");
    assert_eq!(valid.body["refresh_token"], sb.creds.refresh_token);
    let access = sb
        .post("/integration/v1/createAPIAccessToken/", None, body)
        .await;
    assert_eq!(access.status, 200);
    let token = access.body["api_access_token"].as_str().expect("token");
    assert!(
        access.body["token_expires_at"]
            .as_str()
            .expect("expiry")
            .ends_with('Z')
    );
    let me = sb.get("/integration/v1/userinfo/?limit=1000", token).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["id"], sb.creds.refresh_token_user_id);
    assert_eq!(me.body["role"], "SERVER_ADMIN");
}

/// validateAPIAccessToken echoes the token, with a null or numeric-string user id.
#[tokio::test]
async fn validate_access_token_echoes_token() {
    let sb = start(AlationOptions::default()).await;
    let token = sb.admin_token().await;
    for user_id in [
        json!(null),
        json!(sb.creds.refresh_token_user_id.to_string()),
    ] {
        let reply = sb
            .post(
                "/integration/v1/validateAPIAccessToken/",
                None,
                json!({"api_access_token": token, "user_id": user_id}),
            )
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["api_access_token"], token);
        assert_eq!(reply.body["token_status"], "ACTIVE");
    }
    let bad = sb
        .post(
            "/integration/v1/validateAPIAccessToken/",
            None,
            json!({"api_access_token": "nope", "user_id": null}),
        )
        .await;
    assert_eq!(bad.status, 401);
    assert_eq!(
        bad.body,
        json!({"detail": "API Access Token provided is invalid.", "code": "401000"})
    );
}

/// Unknown refresh tokens and bad logins are answered 401 `401000`.
#[tokio::test]
async fn bad_credentials_are_401() {
    let sb = start(AlationOptions::default()).await;
    let reply = sb
        .post(
            "/integration/v1/createAPIAccessToken/",
            None,
            json!({"refresh_token": "wrong", "user_id": 1}),
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.body,
        json!({"detail": "Refresh token provided is invalid.", "code": "401000"})
    );
    let user = sb.user(Role::Viewer);
    let login = sb
        .post(
            "/integration/v1/createRefreshToken/",
            None,
            json!({"username": user.username, "password": "wrong", "name": "x"}),
        )
        .await;
    assert_eq!(login.status, 401);
    assert_eq!(login.body["code"], "401000");
}

/// A missing or unknown TOKEN header is answered 403 `403000`; the header name is case-insensitive.
#[tokio::test]
async fn resource_calls_need_a_token() {
    let sb = start(AlationOptions::default()).await;
    let none = sb
        .send(reqwest::Method::GET, "/integration/v2/schema/", None, None)
        .await;
    assert_eq!(none.status, 403);
    assert_eq!(
        none.body,
        json!({"detail": NOT_AUTHENTICATED, "code": "403000"})
    );
    let bad = sb.get("/integration/v2/schema/", "not-a-token").await;
    assert_eq!(bad.status, 403);
    let token = sb.admin_token().await;
    let lower = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .get(format!("{}/integration/v2/schema/", sb.url))
        .header("token", &token)
        .send()
        .await
        .expect("request");
    assert_eq!(lower.status().as_u16(), 200);
}

/// An expired access token is answered 403 and validates as EXPIRED.
#[tokio::test]
async fn expired_access_token_is_rejected() {
    let options = AlationOptions {
        access_token_ttl: Duration::from_secs(300),
        ..AlationOptions::default()
    };
    let sb = start(options).await;
    let token = sb.admin_token().await;
    assert_eq!(sb.get("/integration/v2/table/", &token).await.status, 200);
    sb.clock.advance(Duration::from_secs(400));
    let expired = sb.get("/integration/v2/table/", &token).await;
    assert_eq!(expired.status, 403);
    assert_eq!(expired.body["code"], "403000");
    let status = sb
        .post(
            "/integration/v1/validateAPIAccessToken/",
            None,
            json!({"api_access_token": token, "user_id": null}),
        )
        .await;
    assert_eq!(status.body["token_status"], "EXPIRED");
}

/// Revoking access tokens locks them out; regenerating a refresh token retires the old one.
#[tokio::test]
async fn revoke_and_regenerate() {
    let sb = start(AlationOptions::default()).await;
    let token = sb.admin_token().await;
    let body = json!({"refresh_token": sb.creds.refresh_token,
                      "user_id": sb.creds.refresh_token_user_id});
    let revoked = sb
        .post("/integration/v1/revokeAPIAccessTokens/", None, body.clone())
        .await;
    assert_eq!(revoked.status, 200);
    assert!(
        revoked.body["detail"]
            .as_str()
            .expect("detail")
            .starts_with("Revoked")
    );
    assert_eq!(
        sb.get("/integration/v1/userinfo/", &token).await.status,
        403
    );
    let regen = sb
        .post("/integration/v1/regenRefreshToken/", None, body.clone())
        .await;
    assert_eq!(regen.status, 200);
    let new = regen.body["refresh_token"].as_str().expect("new token");
    assert_ne!(new, sb.creds.refresh_token);
    let old = sb
        .post("/integration/v1/createAPIAccessToken/", None, body)
        .await;
    assert_eq!(old.status, 401);
    let fresh = sb
        .post(
            "/integration/v1/createAPIAccessToken/",
            None,
            json!({"refresh_token": new, "user_id": sb.creds.refresh_token_user_id}),
        )
        .await;
    assert_eq!(fresh.status, 200);
}

/// Every role can read; only Source, Catalog and Server Admins can write.
#[tokio::test]
async fn only_admin_roles_write() {
    let sb = start(AlationOptions::default()).await;
    let admin = sb.admin_token().await;
    let ds = sb.datasource(&admin, true).await;
    for role in Role::ALL {
        let token = sb.token_for(role).await;
        let me = sb.get("/integration/v1/userinfo/", &token).await;
        assert_eq!(me.body["role"], role.api_name());
        assert_eq!(sb.get("/integration/v2/schema/", &token).await.status, 200);
        let write = sb
            .post(
                &format!("/integration/v2/schema/?ds_id={ds}"),
                Some(&token),
                json!([{"key": format!("{ds}.s")}]),
            )
            .await;
        if role.can_write() {
            assert_eq!(write.status, 202, "{role:?}: {}", write.body);
        } else {
            assert_eq!(write.status, 403, "{role:?}");
            assert_eq!(
                write.body,
                json!({"detail": "You do not have permission to perform this action.",
                       "code": "403000"})
            );
        }
    }
}

/// An expired refresh token validates as EXPIRED and can no longer create access tokens.
#[tokio::test]
async fn expired_refresh_token_is_rejected() {
    let options = AlationOptions {
        refresh_token_ttl: Duration::from_secs(300),
        ..AlationOptions::default()
    };
    let sb = start(options).await;
    sb.clock.advance(Duration::from_secs(400));
    let body = json!({"refresh_token": sb.creds.refresh_token,
                      "user_id": sb.creds.refresh_token_user_id});
    let status = sb
        .post("/integration/v1/validateRefreshToken/", None, body.clone())
        .await;
    assert_eq!(status.status, 200);
    assert_eq!(status.body["token_status"], "EXPIRED");
    let access = sb
        .post("/integration/v1/createAPIAccessToken/", None, body)
        .await;
    assert_eq!(access.status, 401);
    assert_eq!(access.body["code"], "401000");
}
