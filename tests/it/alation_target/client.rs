//! The client's authentication and paging against the Alation sandbox.

use std::time::Duration;

use metaform::api::alation::wire::{NewVirtualDatasource, TableWrite};
use metaform::api::alation::{AlationAuth, AlationError, WriteMode};
use metaform::sim::alation::{AlationOptions, Role};
use metaform::target::alation::CreateDatasourceAs;
use metaform::target::alation::mapping::desired_objects;
use secrecy::SecretString;

use super::support::{Sandbox, assert_all_applied, converge, read_current, sample_catalog, sorted};

/// The access token lifetime of the expiry tests; the sandbox's clock is moved past it.
const TOKEN_TTL: Duration = Duration::from_secs(60);

/// Username and password create exactly one refresh token for the whole run.
#[tokio::test]
async fn password_auth_creates_one_refresh_token_per_run() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let admin = sandbox
        .credentials
        .users
        .iter()
        .find(|u| u.role == Role::ServerAdmin)
        .expect("a server admin")
        .clone();
    let client = sandbox.client(
        AlationAuth::Password {
            username: admin.username,
            password: SecretString::from(admin.password),
            project_name: "metaform".into(),
        },
        1000,
    );
    let (report, _) = converge(&client, &sample_catalog(), &[], CreateDatasourceAs::Virtual).await;
    assert_all_applied(&report);
    assert_eq!(sandbox.count("POST /integration/v1/createRefreshToken/"), 1);
    assert_eq!(
        sandbox.count("POST /integration/v1/createAPIAccessToken/"),
        1
    );
}

/// An expired access token is renewed from the refresh token, without a new refresh token.
#[tokio::test]
async fn expired_access_tokens_are_renewed_once() {
    let sandbox = Sandbox::start(AlationOptions {
        access_token_ttl: TOKEN_TTL,
        ..AlationOptions::default()
    })
    .await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    client.native_datasources().await.expect("first call");
    sandbox.clock.advance(TOKEN_TTL + Duration::from_secs(1));
    client
        .native_datasources()
        .await
        .expect("call after expiry");
    assert_eq!(
        sandbox.count("POST /integration/v1/createAPIAccessToken/"),
        2
    );
    assert_eq!(sandbox.count("POST /integration/v1/createRefreshToken/"), 0);
}

/// An access token given as is cannot be renewed: its expiry is a clear error.
#[tokio::test]
async fn a_plain_access_token_that_expires_is_an_error() {
    let sandbox = Sandbox::start(AlationOptions {
        access_token_ttl: TOKEN_TTL,
        ..AlationOptions::default()
    })
    .await;
    // Obtain an access token the way a user would, then use it as is.
    let token: serde_json::Value = reqwest::Client::new()
        .post(format!(
            "{}/integration/v1/createAPIAccessToken/",
            sandbox.url
        ))
        .json(&serde_json::json!({
            "refresh_token": sandbox.credentials.refresh_token,
            "user_id": sandbox.credentials.refresh_token_user_id,
        }))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    let token = token["api_access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let client = sandbox.client(
        AlationAuth::AccessToken(SecretString::from(token.clone())),
        1000,
    );
    client.native_datasources().await.expect("valid token");
    sandbox.clock.advance(TOKEN_TTL + Duration::from_secs(1));
    let err = client.native_datasources().await.expect_err("expired");
    let text = err.to_string();
    assert!(text.contains("refresh token"), "{text}");
    assert!(!text.contains(&token), "the token leaks: {text}");
}

/// Reads follow `X-Next-Page` through every page.
#[tokio::test]
async fn reads_follow_every_page() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 2);
    let catalog = sample_catalog();
    let (report, after) = converge(&client, &catalog, &[], CreateDatasourceAs::Virtual).await;
    assert_all_applied(&report);
    assert_eq!(sorted(desired_objects(&catalog)), after.objects);
    // Six columns in pages of two, read once after the apply.
    assert!(sandbox.count("GET /integration/v2/column/") >= 3);
}

/// A rejected login is an error that names the call and never shows the password.
#[tokio::test]
async fn rejected_logins_never_show_the_password() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let password = "not-the-password-3141";
    let client = sandbox.client(
        AlationAuth::Password {
            username: "server.admin".into(),
            password: SecretString::from(password.to_string()),
            project_name: "metaform".into(),
        },
        1000,
    );
    let err = client.native_datasources().await.expect_err("bad login");
    let text = format!("{err} {err:?}");
    assert!(text.contains("createRefreshToken"), "{text}");
    assert!(!text.contains(password), "the password leaks: {text}");
}

/// Per-object errors in a successful job's result make the write an error carrying them.
#[tokio::test]
async fn per_object_job_errors_fail_the_write() {
    let sandbox = Sandbox::start(AlationOptions::default()).await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let ds_id = client
        .create_virtual_datasource(&NewVirtualDatasource {
            dbtype: "mysql".into(),
            title: "Scratch".into(),
            uri: "metaform://test/scratch".into(),
            is_virtual: true,
        })
        .await
        .expect("create")
        .expect("id");
    let orphan = TableWrite {
        key: format!("{ds_id}.missing_schema.t"),
        title: Some("t".into()),
        table_type: Some("TABLE".into()),
        ..TableWrite::default()
    };
    let err = client
        .write_tables(ds_id, WriteMode::Upsert, &[orphan])
        .await
        .expect_err("the schema does not exist");
    assert!(
        matches!(&err, AlationError::ObjectErrors { message, .. } if message.contains("missing_schema")),
        "{err}"
    );
}

/// Concurrent requests that meet the same expired token share one renewal.
#[tokio::test]
async fn concurrent_requests_share_one_token_renewal() {
    let sandbox = Sandbox::start(AlationOptions {
        access_token_ttl: TOKEN_TTL,
        ..AlationOptions::default()
    })
    .await;
    let client = sandbox.client(sandbox.refresh_auth(), 1000);
    let catalog = sample_catalog();
    let (report, _) = converge(&client, &catalog, &[], CreateDatasourceAs::Virtual).await;
    assert_all_applied(&report);
    let before = sandbox.count("POST /integration/v1/createAPIAccessToken/");
    sandbox.clock.advance(TOKEN_TTL + Duration::from_secs(1));
    // Both data source lists (v1 and v2) are read at once, with the same expired token.
    let current = read_current(
        &client,
        &catalog.databases,
        &[],
        CreateDatasourceAs::Virtual,
    )
    .await
    .expect("read after expiry");
    assert_eq!(sorted(desired_objects(&catalog)), current.objects);
    assert_eq!(
        sandbox.count("POST /integration/v1/createAPIAccessToken/"),
        before + 1
    );
}
