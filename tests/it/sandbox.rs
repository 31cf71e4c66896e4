//! The sandbox runner: the `metaform sandbox` command, its ready line, and state that
//! survives a restart.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use metaform::sim::openmetadata::GenerateSpec;
use metaform::sim::{SandboxOptions, Seed};

use crate::support::{client, sample_data_dir, start_sandbox, start_sandbox_with};

/// Starts `metaform sandbox` with `args` on ephemeral ports.
fn spawn_sandbox(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_metaform"))
        .args(["sandbox", "--openmetadata-port", "0", "--alation-port", "0"])
        .args(args)
        .env_remove("METAFORM_SANDBOX_JWT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the metaform binary starts")
}

/// The first `count` lines of the child's stdout, waiting at most a minute.
fn read_lines(stdout: ChildStdout, count: usize) -> Vec<String> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let lines: Vec<String> = BufReader::new(stdout)
            .lines()
            .take(count)
            .map_while(Result::ok)
            .collect();
        let _ = send.send(lines);
    });
    receive
        .recv_timeout(Duration::from_secs(60))
        .expect("the sandbox printed its ready line in time")
}

/// Asks the child to terminate as Ctrl-C or a service manager would.
fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// `metaform sandbox` prints exactly the ready line first, and both URLs answer HTTP.
#[tokio::test]
async fn command_prints_the_ready_line() {
    let mut child = spawn_sandbox(&[]);
    let lines = read_lines(child.stdout.take().expect("stdout is piped"), 2);
    let ready = regex::Regex::new(
        r"^sandbox ready: openmetadata=(http://127\.0\.0\.1:\d+/api) alation=(http://127\.0\.0\.1:\d+)$",
    )
    .expect("valid regex");
    let captures = ready
        .captures(&lines[0])
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert!(lines[1].starts_with("openmetadata jwt: ey"), "{lines:?}");
    let client = crate::support::client();
    for url in [&captures[1], &captures[2]] {
        let response = client.get(url).send().await;
        assert!(response.is_ok(), "{url}: {response:?}");
    }
    child.kill().expect("kill");
    child.wait().expect("wait");
}

/// SIGTERM shuts the command down cleanly, and a persisted sandbox restarts with the
/// same OpenMetadata token, so configured clients keep working across invocations.
#[cfg(unix)]
#[test]
fn command_persists_across_restarts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("sandbox.json");
    let state = state.to_str().expect("UTF-8 temp path");
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let mut child = spawn_sandbox(&["--persist", state]);
        let lines = read_lines(child.stdout.take().expect("stdout is piped"), 2);
        assert!(lines[0].starts_with("sandbox ready: "), "{lines:?}");
        tokens.push(lines[1].clone());
        terminate(&child);
        let status = child.wait().expect("wait");
        assert!(status.success(), "exit status {status}");
        assert!(std::path::Path::new(state).is_file());
    }
    assert_eq!(tokens[0], tokens[1]);
}

/// A change made while running is saved and loaded back by the next start, with the
/// same token, whatever that start's seed says.
#[tokio::test]
async fn persisted_state_survives_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sandbox.json");
    let spec: GenerateSpec = "1x1x2x3x4".parse().expect("valid spec");
    let first = start_sandbox_with(SandboxOptions {
        seed: Seed::Generated(spec),
        persist: Some(path.clone()),
        ..SandboxOptions::default()
    })
    .await;
    // A write through the live state, as a handler would make.
    drop(first.alation_state().write());
    let before = (
        first.credentials().openmetadata_jwt.clone(),
        serde_json::to_value(&*first.openmetadata_state().read()).expect("encodable"),
        serde_json::to_value(&*first.alation_state().read()).expect("encodable"),
    );
    first
        .shutdown()
        .await
        .expect("clean shutdown with a final save");

    let second = start_sandbox_with(SandboxOptions {
        seed: Seed::Empty,
        persist: Some(path.clone()),
        ..SandboxOptions::default()
    })
    .await;
    let after = (
        second.credentials().openmetadata_jwt.clone(),
        serde_json::to_value(&*second.openmetadata_state().read()).expect("encodable"),
        serde_json::to_value(&*second.alation_state().read()).expect("encodable"),
    );
    assert_eq!(before, after);
    second.shutdown().await.expect("clean shutdown");
}

/// A corrupt state file stops the start with an error naming the file.
#[tokio::test]
async fn corrupt_state_file_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sandbox.json");
    std::fs::write(&path, b"{ not json").expect("write");
    let err = metaform::sim::Sandbox::start(SandboxOptions {
        persist: Some(path.clone()),
        ..SandboxOptions::default()
    })
    .await
    .err()
    .expect("a corrupt file is refused");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

/// Two sandboxes run side by side on distinct ephemeral ports, each with its own token.
#[tokio::test]
async fn sandboxes_use_ephemeral_ports() {
    let a = start_sandbox(Seed::Empty).await;
    let b = start_sandbox(Seed::Empty).await;
    assert_ne!(a.openmetadata_url(), b.openmetadata_url());
    assert_ne!(a.alation_url(), b.alation_url());
    assert!(a.openmetadata_url().ends_with("/api"));
    assert_ne!(
        a.credentials().openmetadata_jwt,
        b.credentials().openmetadata_jwt
    );
}

/// The sample data the sandboxes are seeded from is where the tests look for it.
#[test]
fn sample_data_is_found() {
    let dir = sample_data_dir();
    assert!(dir.join("datasets").is_dir(), "{}", dir.display());
}

/// A configured OpenMetadata token replaces the random one.
#[tokio::test]
async fn configured_token_is_used() {
    let sandbox = start_sandbox_with(SandboxOptions {
        openmetadata_jwt: Some("configured.jwt.token".to_owned().into()),
        ..SandboxOptions::default()
    })
    .await;
    assert_eq!(
        sandbox.credentials().openmetadata_jwt,
        "configured.jwt.token"
    );
}

/// `GET /__metaform/stats` on each API counts the requests that arrived, faulted ones
/// too, by method, with writes and Alation's token requests apart; the stats request
/// is neither counted nor faulted.
#[tokio::test]
async fn stats_route_counts_requests_and_writes() {
    let sandbox = start_sandbox_with(SandboxOptions {
        faults: "rate=1,kinds=5xx".parse().expect("valid fault spec"),
        ..SandboxOptions::default()
    })
    .await;
    let http = client();
    let stats = |base: String| {
        let http = http.clone();
        async move {
            let answer = http
                .get(format!("{base}/__metaform/stats"))
                .send()
                .await
                .expect("the stats route answers");
            assert_eq!(answer.status(), 200, "the stats route is never faulted");
            answer
                .json::<serde_json::Value>()
                .await
                .expect("a JSON body")
        }
    };
    let (openmetadata, alation) = (
        sandbox
            .openmetadata_url()
            .trim_end_matches("/api")
            .to_owned(),
        sandbox.alation_url().to_owned(),
    );
    let zero = serde_json::json!({"requests": 0, "writes": 0, "authentication": 0, "byMethod": {}});
    assert_eq!(stats(openmetadata.clone()).await, zero);
    assert_eq!(stats(alation.clone()).await, zero);

    let send = |request: reqwest::RequestBuilder| async move {
        let status = request.send().await.expect("an answer").status();
        assert!(status.is_server_error(), "faulted: {status}");
    };
    send(http.get(format!("{openmetadata}/api/v1/databases"))).await;
    send(http.post(format!("{alation}/integration/v1/createAPIAccessToken/"))).await;
    send(http.get(format!("{alation}/integration/v2/datasource/"))).await;
    send(http.post(format!("{alation}/integration/v2/schema/?ds_id=1"))).await;
    send(http.patch(format!("{alation}/integration/v2/table/?ds_id=1"))).await;

    for _ in 0..2 {
        assert_eq!(
            stats(openmetadata.clone()).await,
            serde_json::json!({"requests": 1, "writes": 0, "authentication": 0, "byMethod": {"GET": 1}})
        );
        assert_eq!(
            stats(alation.clone()).await,
            serde_json::json!({
                "requests": 4, "writes": 2, "authentication": 1,
                "byMethod": {"GET": 1, "PATCH": 1, "POST": 2}
            })
        );
    }
}
