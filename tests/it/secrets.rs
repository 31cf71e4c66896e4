//! Secrets never leave the process (SPEC §2): a whole snapshot/plan/apply/plan cycle with
//! debug logging and each Alation auth mode, `check`, and failing runs with wrong secrets, show
//! none of the configured secrets nor the tokens the client obtained in any output or in
//! any file it writes (state files, plan file, `.metaform/`).

use serde_json::{Value, json};

use crate::workspace::{AlationAuthMode, Config, Run, SECRET_VARIABLES, Workspace};

/// An access token created through the API from the seeded refresh token.
async fn access_token(workspace: &Workspace) -> String {
    let reply: Value = crate::support::client()
        .post(format!(
            "{}/integration/v1/createAPIAccessToken/",
            workspace.sandbox.alation_url()
        ))
        .json(&json!({
            "refresh_token": workspace.env("ALATION_REFRESH_TOKEN"),
            "user_id": workspace.env("ALATION_USER_ID").parse::<u64>().expect("a user id"),
        }))
        .send()
        .await
        .expect("the sandbox answers")
        .json()
        .await
        .expect("a JSON reply");
    reply["api_access_token"]
        .as_str()
        .expect("an access token in the reply")
        .to_owned()
}

/// Every refresh and access token the Alation sandbox has issued.
fn issued_tokens(workspace: &Workspace) -> Vec<String> {
    let state = serde_json::to_value(&*workspace.sandbox.alation_state().read())
        .expect("the Alation state serialises");
    ["refresh_tokens", "access_tokens"]
        .iter()
        .filter_map(|k| state[*k].as_object())
        .flat_map(|tokens| tokens.keys().cloned())
        .collect()
}

/// A cycle in all three Alation auth modes at debug (and trace) level, and runs with
/// wrong secrets, print and write no secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_output_or_file() {
    let workspace = Workspace::new().await;
    let access = access_token(&workspace).await;
    let debug = [("METAFORM_LOG", "debug"), ("ALATION_ACCESS_TOKEN", &access)];
    let mut runs: Vec<Run> = Vec::new();
    let mut step = async |args: &[&str], env: &[(&str, &str)]| {
        let run = workspace.run_with(args, env).await;
        assert_eq!(run.code, Some(0), "metaform {args:?}: {}", run.describe());
        runs.push(run);
    };

    step(&["snapshot"], &[("METAFORM_LOG", "trace")]).await;
    step(&["snapshot"], &debug).await;
    step(&["plan", "--out", "plan.json"], &debug).await;
    workspace.configure(&Config {
        auth: AlationAuthMode::Password,
        ..Config::default()
    });
    step(&["apply", "plan.json"], &debug).await;
    workspace.configure(&Config {
        auth: AlationAuthMode::AccessToken,
        ..Config::default()
    });
    step(&["plan", "--detailed-exitcode"], &debug).await;
    step(
        &["plan", "--format", "json"],
        &[("METAFORM_LOG", "trace"), debug[1]],
    )
    .await;
    workspace.configure(&Config {
        auth: AlationAuthMode::RefreshToken,
        ..Config::default()
    });
    step(&["apply", "--auto-approve"], &[("METAFORM_LOG", "trace")]).await;
    step(&["plan", "--format", "markdown"], &debug).await;
    step(&["check"], &debug).await;
    assert!(
        runs.iter().any(|r| r.stderr.contains("DEBUG")),
        "debug logging is on: {}",
        runs[1].describe()
    );

    // Wrong secrets are refused without being echoed.
    let wrong = [
        ("ALATION_REFRESH_TOKEN", "wrong-refresh-token-0123456789"),
        ("ALATION_PASSWORD", "wrong-password-0123456789"),
        ("ALATION_ACCESS_TOKEN", "wrong-access-token-0123456789"),
        ("OM_JWT_TOKEN", "wrong.jwt-token.0123456789"),
    ];
    let mut failed = Vec::new();
    for mode in [
        AlationAuthMode::RefreshToken,
        AlationAuthMode::Password,
        AlationAuthMode::AccessToken,
    ] {
        workspace.configure(&Config {
            auth: mode,
            ..Config::default()
        });
        failed.push(workspace.run_with(&["plan"], &wrong).await);
        failed.push(workspace.run_with(&["check"], &wrong).await);
    }
    failed.push(workspace.run_with(&["snapshot"], &wrong).await);
    for run in &failed {
        assert_eq!(run.code, Some(1), "{}", run.describe());
    }

    let mut secrets: Vec<String> = SECRET_VARIABLES
        .iter()
        .filter(|v| **v != "ALATION_USER_ID" && **v != "ALATION_USERNAME")
        .map(|v| workspace.env(v).to_owned())
        .chain(wrong.iter().map(|(_, value)| (*value).to_owned()))
        .chain(issued_tokens(&workspace))
        .collect();
    secrets.push(access);
    assert!(secrets.len() >= 10, "{secrets:?}");
    for run in runs.iter().chain(&failed) {
        for secret in &secrets {
            assert!(
                !run.stdout.contains(secret.as_str()) && !run.stderr.contains(secret.as_str()),
                "a secret in the output: {}",
                run.describe()
            );
        }
    }
    let files = workspace.files();
    assert!(
        files.keys().any(|p| p.starts_with(".metaform")),
        "{files:?}"
    );
    assert!(files.keys().any(|p| p.starts_with("state")), "{files:?}");
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a secret in `{}`",
                path.display()
            );
        }
    }
}
