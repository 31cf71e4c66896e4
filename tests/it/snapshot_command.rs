//! `metaform snapshot` failures: configuration errors and unreachable servers are
//! reported with their file, line or endpoint, exit code 1, and no secret.

use std::process::{Command, Output};
use std::time::Duration;

use metaform::api::openmetadata::OpenMetadataClient;
use metaform::config::Filters;
use metaform::http::{HttpClient, HttpOptions, RetryPolicy};
use metaform::source::openmetadata::snapshot;
use secrecy::SecretString;

fn run_snapshot(config_text: &str, envs: &[(&str, &str)]) -> (Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("metaform.yaml");
    std::fs::write(&config, config_text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_metaform"))
        .arg("snapshot")
        .arg("--config")
        .arg(&config)
        .env_remove("OM_JWT_TOKEN")
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr)
        .replace(&*config.to_string_lossy(), "metaform.yaml");
    (output, stderr)
}

/// A misspelt key fails the command with the key's line and exit code 1.
#[test]
fn unknown_key_fails_with_its_line() {
    let (output, stderr) = run_snapshot(
        "source:\n  type: openmetadata\n  hostPort: http://127.0.0.1:9/api\n  auth: { jwtToken: t }\n  filter: {}\n",
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr,
        "error: metaform.yaml:5:3: unknown field `filter`, expected one of type, hostPort, auth, filters, verifySSL, caCertificate, timeouts, maxResponseSize, parallelism\n"
    );
}

/// An unset variable is named; a secret from another variable never appears.
#[test]
fn unset_variable_fails_without_leaking_secrets() {
    let (output, stderr) = run_snapshot(
        "source:\n  type: openmetadata\n  hostPort: ${OM_HOST}\n  auth: { jwtToken: \"${OM_JWT_TOKEN}\" }\n",
        &[("OM_JWT_TOKEN", "very-secret-jwt")],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr,
        "error: metaform.yaml:3:13: `source.hostPort`: environment variable `OM_HOST` is not set\n"
    );
}

/// A missing configuration file is named.
#[test]
fn missing_config_file_is_named() {
    let output = Command::new(env!("CARGO_BIN_EXE_metaform"))
        .args(["snapshot", "--config", "does-not-exist/metaform.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            "error: does-not-exist/metaform.yaml: cannot read the configuration file: "
        ),
        "{stderr}"
    );
}

/// An unreachable server is an error naming the endpoint, after the retries.
#[tokio::test]
async fn unreachable_server_names_the_endpoint() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let options = HttpOptions {
        retry: RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
        },
        ..HttpOptions::default()
    };
    let client = OpenMetadataClient::new(
        HttpClient::new(&options).unwrap(),
        &format!("http://{addr}/api"),
        SecretString::from("token-value"),
    )
    .unwrap();
    let err = snapshot(&client, &Filters::default())
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!("GET /api/v1/system/version: cannot connect to {addr} (after 2 attempt(s))")
    );
}
