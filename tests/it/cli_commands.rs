//! `metaform demo`, `metaform check` and `metaform login alation`, run as the real
//! executable against sandboxes on 127.0.0.1.

use std::process::Stdio;

use metaform::sim::alation::Role;
use metaform::sim::{Sandbox, SandboxOptions, Seed};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::support::{client, start_sandbox};
use crate::workspace::{Run, Workspace};

const NO_CHANGES: &str = "No changes. The target matches the desired state.\n";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A `metaform` command with a clean environment for the variables these tests set.
fn metaform(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_metaform"));
    command
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("OM_JWT_TOKEN")
        .env_remove("ALATION_REFRESH_TOKEN")
        .env_remove("ALATION_PASSWORD")
        .stdin(Stdio::null());
    command
}

/// The username and password of the sandbox's user with `role`.
fn user(sandbox: &Sandbox, role: Role) -> (String, String) {
    let user = sandbox
        .credentials()
        .alation
        .users
        .iter()
        .find(|u| u.role == role)
        .expect("the sandbox has a user per role");
    (user.username.clone(), user.password.clone())
}

/// A refresh token of `username`, created through the API.
async fn refresh_token(sandbox: &Sandbox, username: &str, password: &str) -> (String, u64) {
    let answer: Value = client()
        .post(format!(
            "{}/integration/v1/createRefreshToken/",
            sandbox.alation_url()
        ))
        .json(&json!({"username": username, "password": password, "name": "test"}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        answer["refresh_token"].as_str().unwrap().to_owned(),
        answer["user_id"].as_u64().unwrap(),
    )
}

/// Runs `metaform check` in a project for `workspace`'s sandboxes, with the Alation
/// credentials of `user_id`.
async fn check(workspace: &Workspace, token: &str, user_id: u64) -> Run {
    let user_id = user_id.to_string();
    workspace
        .run_with(
            &["check"],
            &[
                ("ALATION_REFRESH_TOKEN", token),
                ("ALATION_USER_ID", &user_id),
            ],
        )
        .await
}

/// The demo runs snapshot, plan and apply against its own sandboxes and ends with a
/// plan that has no changes.
#[tokio::test]
async fn demo_converges_to_no_changes() {
    let output = metaform(&["demo"]).output().await.unwrap();
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.ends_with(NO_CHANGES), "{stdout}");
    assert!(stdout.contains("Plan: 66 to add, 0 to change, 0 to destroy."));
    for step in [
        "==> metaform snapshot",
        "==> metaform plan --out plan.json",
        "==> metaform apply plan.json",
        "==> metaform plan --detailed-exitcode",
    ] {
        assert!(stderr.contains(step), "{step} missing from:\n{stderr}");
    }
    assert!(stderr.contains("Apply: 66 applied, 0 failed"), "{stderr}");
}

/// `check` reports both ends reachable and a Server Admin able to write, and prints no
/// credential.
#[tokio::test(flavor = "multi_thread")]
async fn check_reports_both_ends_and_the_role() {
    let workspace = Workspace::builder()
        .sandbox(SandboxOptions {
            seed: Seed::Generated("1x1x1x1x1".parse().unwrap()),
            ..SandboxOptions::default()
        })
        .build()
        .await;
    let sandbox = &workspace.sandbox;
    let alation = &sandbox.credentials().alation;
    let output = check(
        &workspace,
        &alation.refresh_token,
        alation.refresh_token_user_id,
    )
    .await;
    let (stdout, stderr) = (&output.stdout, &output.stderr);
    assert_eq!(output.code, Some(0), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(lines.iter().all(|l| l.starts_with("ok  ")), "{stdout}");
    assert!(
        lines[0].starts_with("ok      source: OpenMetadata 1."),
        "{stdout}"
    );
    assert_eq!(
        lines[3],
        "ok      target: user `server.admin` has role Server Admin: it may write"
    );
    for secret in [
        &alation.refresh_token,
        &sandbox.credentials().openmetadata_jwt,
    ] {
        assert!(!stdout.contains(secret.as_str()) && !stderr.contains(secret.as_str()));
    }
    workspace.sandbox.shutdown().await.unwrap();
}

/// A Viewer's credentials pass authentication but fail the write check, with what to
/// ask for, and the command exits 1.
#[tokio::test(flavor = "multi_thread")]
async fn check_says_a_viewer_cannot_write() {
    let workspace = Workspace::builder()
        .sandbox(SandboxOptions {
            seed: Seed::Empty,
            ..SandboxOptions::default()
        })
        .build()
        .await;
    let sandbox = &workspace.sandbox;
    let (username, password) = user(sandbox, Role::Viewer);
    let (token, user_id) = refresh_token(sandbox, &username, &password).await;
    let output = check(&workspace, &token, user_id).await;
    let stdout = &output.stdout;
    assert_eq!(output.code, Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "ok      target: Alation at {} accepts the credentials of user `{username}` (id {user_id})",
            sandbox.alation_url()
        )),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(&format!(
            "failed  target: user `{username}` has role Viewer: it cannot write; ask an \
             Alation admin for Source Admin on the data sources\n"
        )),
        "{stdout}"
    );
    workspace.sandbox.shutdown().await.unwrap();
}

/// `login alation` prints only a refresh token and its user id on stdout; the token then
/// creates access tokens, and the password appears nowhere.
#[tokio::test(flavor = "multi_thread")]
async fn login_prints_a_working_refresh_token() {
    let sandbox = start_sandbox(Seed::Empty).await;
    let (username, password) = user(&sandbox, Role::SourceAdmin);
    let mut child = metaform(&[
        "login",
        "alation",
        "--host",
        sandbox.alation_url(),
        "--username",
        &username,
        "--password-stdin",
        "--project-name",
        "ci",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{password}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stdout.contains(&password) && !stderr.contains(&password));
    let lines: Vec<&str> = stdout.lines().collect();
    let [token_line, user_line] = lines[..] else {
        panic!("expected two lines on stdout, got:\n{stdout}");
    };
    let token = token_line.strip_prefix("ALATION_REFRESH_TOKEN=").unwrap();
    let user_id: u64 = user_line
        .strip_prefix("ALATION_USER_ID=")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        stderr.contains("store ALATION_REFRESH_TOKEN as a secret"),
        "{stderr}"
    );

    let answer: Value = client()
        .post(format!(
            "{}/integration/v1/createAPIAccessToken/",
            sandbox.alation_url()
        ))
        .json(&json!({"refresh_token": token, "user_id": user_id}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        answer["api_access_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    sandbox.shutdown().await.unwrap();
}

/// A wrong password from `ALATION_PASSWORD` fails with exit 1, naming the endpoint and
/// never the password.
#[tokio::test(flavor = "multi_thread")]
async fn login_with_a_wrong_password_fails_without_echoing_it() {
    let sandbox = start_sandbox(Seed::Empty).await;
    let output = metaform(&[
        "login",
        "alation",
        "--host",
        sandbox.alation_url(),
        "--username",
        "viewer",
        "--project-name",
        "ci",
    ])
    .env("ALATION_PASSWORD", "not-the-password-42")
    .output()
    .await
    .unwrap();
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("POST /integration/v1/createRefreshToken/: HTTP 401"),
        "{stderr}"
    );
    assert!(!stderr.contains("not-the-password-42"));
    sandbox.shutdown().await.unwrap();
}

/// `demo --keep DIR` leaves a workspace that can be carried on with, says how, and
/// refuses a directory that is not empty.
#[tokio::test]
async fn demo_keeps_its_workspace_when_asked() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("workspace");
    let keep = dir.to_str().unwrap();
    let output = metaform(&["demo", "--keep", keep, "--generate", "1x1x1x2x2"])
        .output()
        .await
        .unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for file in ["metaform.yaml", "plan.json", "sandbox.json", "sandbox.env"] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    assert!(dir.join("state").is_dir());
    assert!(
        stderr.contains(&format!("metaform sandbox --persist {keep}/sandbox.json")),
        "{stderr}"
    );

    let again = metaform(&["demo", "--keep", keep]).output().await.unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("the directory is not empty"),
        "{}",
        text(&again.stderr)
    );
}

/// Unreachable servers fail both checks quickly, naming the endpoint and the key to fix.
#[tokio::test]
async fn check_reports_unreachable_servers() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("metaform.yaml");
    std::fs::write(
        &config,
        format!(
            "source:\n  type: openmetadata\n  hostPort: http://{addr}/api\n  auth: {{ jwtToken: jwt-value }}\n\
             target:\n  type: alation\n  hostPort: http://{addr}\n  auth: {{ accessToken: token-value }}\n"
        ),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let output = metaform(&["check", "--config", config.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with(&format!(
            "failed  source: cannot reach OpenMetadata at http://{addr}/api: GET /api/v1/system/version: cannot connect"
        )),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "failed  target: Alation at http://{addr}: GET /integration/v1/userinfo/: cannot connect"
        )),
        "{stdout}"
    );
    assert!(!stdout.contains("jwt-value") && !stdout.contains("token-value"));
}
