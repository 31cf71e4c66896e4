//! The repository is its own GitOps example: `state/` holds the desired state of the
//! sandbox's generated catalog (the demo's default size) and `examples/metaform.yaml`
//! points at it and at the sandbox's default ports. These tests keep both from rotting:
//! `state/` must be byte for byte what `metaform snapshot` writes today, the
//! configuration must load, and the walk-through of the README (plan, apply, plan again)
//! must converge.
//!
//! The catalog's size and the ports are read from the command line's own defaults
//! (`metaform demo --generate`, `metaform sandbox --openmetadata-port/--alation-port`),
//! so a change there shows up here. After a deliberate change of what snapshot writes,
//! `METAFORM_UPDATE_EXAMPLE_STATE=1 cargo test --test it example_state` rewrites
//! `state/` from the snapshot; review and commit the diff.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Parser;
use metaform::cli::{Cli, Command};
use metaform::config::{Config, SourceConnection, TargetConfig};
use metaform::sim::openmetadata::GenerateSpec;
use metaform::sim::{SandboxOptions, Seed};
use secrecy::ExposeSecret;

use crate::workspace::Workspace;

/// Set to rewrite the committed `state/` from the snapshot instead of failing.
const UPDATE_VARIABLE: &str = "METAFORM_UPDATE_EXAMPLE_STATE";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The committed example configuration, relative to the repository.
const EXAMPLE_CONFIG: &str = "examples/metaform.yaml";

/// The size of the demo's generated catalog when `--generate` is not given.
fn default_catalog() -> GenerateSpec {
    match Cli::try_parse_from(["metaform", "demo"]).map(|cli| cli.command) {
        Ok(Command::Demo(args)) => args.generate,
        other => panic!("`metaform demo` parses as the demo: {other:?}"),
    }
}

/// The OpenMetadata and Alation base URLs of a sandbox on its default ports, as
/// `examples/metaform.yaml` names them.
fn default_urls() -> (String, String) {
    match Cli::try_parse_from(["metaform", "sandbox"]).map(|cli| cli.command) {
        Ok(Command::Sandbox(args)) => (
            format!("http://127.0.0.1:{}/api", args.openmetadata_port),
            format!("http://127.0.0.1:{}", args.alation_port),
        ),
        other => panic!("`metaform sandbox` parses as the sandbox: {other:?}"),
    }
}

/// Sandboxes on ephemeral ports holding the example catalog, and beside them a project
/// laid out as the repository is: `examples/metaform.yaml` (the committed one, its URLs
/// turned to the ephemeral ports) and `state/` (empty).
async fn example_project() -> Workspace {
    let workspace = Workspace::builder()
        .sandbox(SandboxOptions {
            seed: Seed::Generated(default_catalog()),
            ..SandboxOptions::default()
        })
        .build()
        .await;
    let mut text = std::fs::read_to_string(repo().join(EXAMPLE_CONFIG)).expect("read the example");
    let (openmetadata, alation) = default_urls();
    for (default, ephemeral) in [
        (openmetadata, workspace.sandbox.openmetadata_url()),
        (alation, workspace.sandbox.alation_url()),
    ] {
        let found = text.matches(&format!("hostPort: {default}\n")).count();
        assert_eq!(
            found, 1,
            "{EXAMPLE_CONFIG} names `hostPort: {default}` once (the sandbox's default port)"
        );
        text = text.replace(
            &format!("hostPort: {default}\n"),
            &format!("hostPort: {ephemeral}\n"),
        );
    }
    workspace.write(EXAMPLE_CONFIG, text.as_bytes());
    workspace
}

/// Every file under `dir` with its bytes, by path relative to `dir`.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, rel: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
            return;
        };
        for entry in entries {
            let rel = rel.join(entry.expect("a directory entry").file_name());
            let path = root.join(&rel);
            if path.is_dir() {
                walk(root, &rel, out);
            } else {
                out.insert(rel, std::fs::read(&path).expect("read the file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, Path::new(""), &mut out);
    out
}

/// How `committed` differs from `written`, one line per file: `differs` (with its first
/// differing line), `missing` (written, not committed) or `extra` (committed, not written).
fn differences(
    committed: &BTreeMap<PathBuf, Vec<u8>>,
    written: &BTreeMap<PathBuf, Vec<u8>>,
) -> Vec<String> {
    let mut lines = Vec::new();
    for (path, bytes) in written {
        match committed.get(path) {
            None => lines.push(format!("missing: state/{}", path.display())),
            Some(old) if old != bytes => lines.push(format!(
                "differs: state/{}: {}",
                path.display(),
                first_difference(old, bytes)
            )),
            Some(_) => {}
        }
    }
    for path in committed.keys().filter(|p| !written.contains_key(*p)) {
        lines.push(format!("extra:   state/{}", path.display()));
    }
    lines
}

/// The first line where `old` and `new` differ, both versions quoted.
fn first_difference(old: &[u8], new: &[u8]) -> String {
    let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    let (mut old_lines, mut new_lines) = (old.split('\n'), new.split('\n'));
    for n in 1.. {
        match (old_lines.next(), new_lines.next()) {
            (Some(a), Some(b)) if a == b => {}
            (None, None) => break,
            (a, b) => {
                return format!(
                    "line {n}: committed {:?}, snapshot {:?}",
                    a.unwrap_or("<end of file>"),
                    b.unwrap_or("<end of file>")
                );
            }
        }
    }
    "the bytes differ".to_owned()
}

/// Replaces the committed `state/` with `written`.
fn update_committed(state: &Path, written: &BTreeMap<PathBuf, Vec<u8>>) {
    if state.exists() {
        std::fs::remove_dir_all(state).expect("remove the old state/");
    }
    for (rel, bytes) in written {
        let path = state.join(rel);
        std::fs::create_dir_all(path.parent().expect("a file has a parent"))
            .expect("create the directory");
        std::fs::write(&path, bytes).expect("write the file");
    }
}

/// The committed `state/` is byte for byte what `metaform snapshot` writes with
/// `examples/metaform.yaml` from the sandbox's default generated catalog.
#[tokio::test]
async fn committed_example_state_is_what_snapshot_writes() {
    let workspace = example_project().await;
    workspace
        .run_ok(&["snapshot", "--config", EXAMPLE_CONFIG])
        .await;
    let written = tree(&workspace.dir.join("state"));
    assert!(!written.is_empty(), "the snapshot wrote no state files");
    let committed_dir = repo().join("state");
    let differences = differences(&tree(&committed_dir), &written);
    if differences.is_empty() {
        return;
    }
    if std::env::var_os(UPDATE_VARIABLE).is_some() {
        update_committed(&committed_dir, &written);
        eprintln!(
            "rewrote state/ from the snapshot:\n{}",
            differences.join("\n")
        );
        return;
    }
    panic!(
        "state/ is not what `metaform snapshot --config {EXAMPLE_CONFIG}` writes from the \
         sandbox's generated catalog ({} file(s)):\n{}\n\
         If the change is intended, run `{UPDATE_VARIABLE}=1 cargo test --test it \
         example_state` and commit the new state/.",
        differences.len(),
        differences.join("\n")
    );
}

/// `examples/metaform.yaml` loads with its secrets from the environment, names the
/// sandbox's default ports, and resolves `state` to the repository's `state/`.
#[test]
fn example_config_loads_with_secrets_from_the_environment() {
    let path = repo().join(EXAMPLE_CONFIG);
    let text = std::fs::read_to_string(&path).expect("read the example");
    let env = |name: &str| match name {
        "OM_JWT_TOKEN" => Some("jwt-from-the-environment".to_owned()),
        "ALATION_REFRESH_TOKEN" => Some("refresh-from-the-environment".to_owned()),
        _ => None,
    };
    let config = Config::parse(&text, &path, &env).unwrap_or_else(|e| panic!("{e}"));
    let (openmetadata, alation) = default_urls();
    match config.source.as_ref().map(|s| &s.connection) {
        Some(SourceConnection::OpenMetadata(om)) => {
            assert_eq!(om.host_port, openmetadata);
            assert_eq!(om.jwt_token.expose_secret(), "jwt-from-the-environment");
        }
        other => panic!("the source is OpenMetadata: {other:?}"),
    }
    match &config.target {
        Some(TargetConfig::Alation(target)) => assert_eq!(target.host_port, alation),
        other => panic!("the target is Alation: {other:?}"),
    }
    assert_eq!(
        config
            .state_dir
            .canonicalize()
            .expect("the state directory exists"),
        repo().join("state").canonicalize().expect("state/ exists")
    );
    // The secrets are references: without the variables the file does not load.
    let unset = Config::parse(&text, &path, &|_| None).expect_err("the secrets are variables");
    assert!(
        unset.message.contains("OM_JWT_TOKEN"),
        "the error names the variable: {unset}"
    );
}

/// `metaform validate --config examples/metaform.yaml` accepts the committed `state/`.
#[test]
fn committed_example_state_validates() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_metaform"))
        .args(["validate", "--config", EXAMPLE_CONFIG])
        .current_dir(repo())
        .env("OM_JWT_TOKEN", "jwt")
        .env("ALATION_REFRESH_TOKEN", "refresh-token")
        .output()
        .expect("metaform runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(" state files are valid: "), "{stderr}");
}

/// The README's walk-through converges: with the committed `state/`, the first plan
/// adds everything, apply applies it all, and the next plan shows no changes.
#[tokio::test]
async fn example_walkthrough_converges() {
    let workspace = example_project().await;
    for (rel, bytes) in tree(&repo().join("state")) {
        workspace.write(Path::new("state").join(rel), &bytes);
    }
    let config = ["--config", EXAMPLE_CONFIG];
    let first = workspace.run(&[&["plan"][..], &config].concat()).await;
    assert_eq!(first.code, Some(0), "{}", first.describe());
    assert!(
        first.stdout.contains(" to add, 0 to change, 0 to destroy."),
        "{}",
        first.describe()
    );
    let apply = workspace
        .run(&[&["apply", "--auto-approve"][..], &config].concat())
        .await;
    assert_eq!(apply.code, Some(0), "{}", apply.describe());
    assert!(
        format!("{}{}", apply.stdout, apply.stderr).contains(" 0 failed, 0 skipped"),
        "{}",
        apply.describe()
    );
    let again = workspace
        .run(&[&["plan", "--detailed-exitcode"][..], &config].concat())
        .await;
    assert_eq!(again.code, Some(0), "{}", again.describe());
    assert!(again.stdout.contains("No changes."), "{}", again.describe());
}
