//! A project directory wired to running sandboxes: a `metaform.yaml` whose secrets come
//! from the environment, the state directory, and the real binary run inside it. The
//! bad-input, secrets and policy tests drive the command line through it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use metaform::sim::{Sandbox, SandboxOptions, Seed};
use serde_json::Value;

use crate::support::{sample_data_dir, start_sandbox_with};

/// The environment variables the configuration files read their secrets from.
pub const SECRET_VARIABLES: [&str; 5] = [
    "OM_JWT_TOKEN",
    "ALATION_REFRESH_TOKEN",
    "ALATION_USER_ID",
    "ALATION_USERNAME",
    "ALATION_PASSWORD",
];

/// How `metaform.yaml` authenticates to Alation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlationAuthMode {
    /// `refreshToken` + `userId`.
    RefreshToken,
    /// `username` + `password` + `projectName`.
    Password,
    /// `accessToken` (the value given to [`Workspace::write_config`]).
    AccessToken,
}

/// One run of the binary.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
}

impl Run {
    /// Both streams, for assertion messages.
    pub fn describe(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            truncate(&self.stdout),
            truncate(&self.stderr)
        )
    }
}

fn truncate(text: &str) -> &str {
    &text[..text.floor_char_boundary(4000)]
}

/// A temporary project directory next to sandboxes seeded with the sample data.
pub struct Workspace {
    /// The sandboxes.
    pub sandbox: Sandbox,
    /// The project directory (`metaform.yaml`, `state/`).
    pub dir: PathBuf,
    _temp: tempfile::TempDir,
    env: BTreeMap<String, String>,
}

impl Workspace {
    /// Sandboxes with the sample data, and a project configured for them
    /// (refresh-token auth), not yet snapshotted.
    pub async fn new() -> Workspace {
        Self::with_options(SandboxOptions {
            seed: Seed::SampleData(sample_data_dir()),
            ..SandboxOptions::default()
        })
        .await
    }

    /// A project for sandboxes started with `options`.
    pub async fn with_options(options: SandboxOptions) -> Workspace {
        let sandbox = start_sandbox_with(options).await;
        let temp = tempfile::tempdir().expect("a temporary directory");
        let credentials = sandbox.credentials().clone();
        let admin = credentials
            .alation
            .users
            .iter()
            .find(|u| u.user_id == credentials.alation.refresh_token_user_id)
            .expect("the seeded refresh token has a user");
        let env = BTreeMap::from(
            [
                ("OM_JWT_TOKEN", credentials.openmetadata_jwt.clone()),
                (
                    "ALATION_REFRESH_TOKEN",
                    credentials.alation.refresh_token.clone(),
                ),
                ("ALATION_USER_ID", admin.user_id.to_string()),
                ("ALATION_USERNAME", admin.username.clone()),
                ("ALATION_PASSWORD", admin.password.clone()),
            ]
            .map(|(k, v)| (k.to_owned(), v)),
        );
        let workspace = Workspace {
            sandbox,
            dir: temp.path().to_path_buf(),
            _temp: temp,
            env,
        };
        workspace.write_config(AlationAuthMode::RefreshToken, "", "");
        workspace
    }

    /// The value of one of [`SECRET_VARIABLES`].
    pub fn env(&self, name: &str) -> &str {
        &self.env[name]
    }

    /// Writes `metaform.yaml` for the sandboxes with the given Alation auth, `target_extra`
    /// lines added under `target:` (indented by the caller) and `extra` top-level lines.
    pub fn write_config(&self, auth: AlationAuthMode, target_extra: &str, extra: &str) {
        let auth = match auth {
            AlationAuthMode::RefreshToken => {
                r#"{ refreshToken: "${ALATION_REFRESH_TOKEN}", userId: "${ALATION_USER_ID}" }"#
            }
            AlationAuthMode::Password => {
                r#"{ username: "${ALATION_USERNAME}", password: "${ALATION_PASSWORD}", projectName: metaform-test }"#
            }
            AlationAuthMode::AccessToken => r#"{ accessToken: "${ALATION_ACCESS_TOKEN}" }"#,
        };
        let text = format!(
            "source:\n  type: openmetadata\n  hostPort: {}\n  auth: {{ jwtToken: \"${{OM_JWT_TOKEN}}\" }}\ntarget:\n  type: alation\n  hostPort: {}\n  auth: {auth}\n{target_extra}{extra}",
            self.sandbox.openmetadata_url(),
            self.sandbox.alation_url(),
        );
        self.write("metaform.yaml", text.as_bytes());
    }

    /// Writes a file of the project, creating its directories.
    pub fn write(&self, rel: impl AsRef<Path>, contents: &[u8]) {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create the directory");
        }
        std::fs::write(&path, contents).expect("write the file");
    }

    /// Runs `metaform ARGS` in the project directory with the secret variables set and
    /// any `extra_env`.
    pub async fn run_with(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Run {
        run_metaform(&self.dir, args, &self.env, extra_env).await
    }

    /// Runs `metaform ARGS` in another directory with the secret variables set.
    pub async fn run_in(&self, dir: &Path, args: &[&str]) -> Run {
        run_metaform(dir, args, &self.env, &[]).await
    }

    /// Runs `metaform ARGS` in the project directory.
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[]).await
    }

    /// Runs `metaform ARGS` and fails the test unless it exits 0.
    pub async fn run_ok(&self, args: &[&str]) -> Run {
        let run = self.run(args).await;
        assert_eq!(run.code, Some(0), "metaform {args:?}: {}", run.describe());
        run
    }

    /// Snapshots the source and applies it to Alation, so that the target holds the
    /// desired state.
    pub async fn converge(&self) {
        self.run_ok(&["snapshot"]).await;
        self.run_ok(&["apply", "--auto-approve"]).await;
    }

    /// What the Alation sandbox holds as catalog content: data sources, schemas, tables,
    /// columns and jobs (not the tokens, which reads create too).
    pub fn alation_objects(&self) -> Value {
        let state = serde_json::to_value(&*self.sandbox.alation_state().read())
            .expect("the Alation state serialises");
        let keep = ["datasources", "schemas", "tables", "columns", "jobs"];
        Value::Object(
            keep.iter()
                .map(|k| ((*k).to_owned(), state[*k].clone()))
                .collect(),
        )
    }

    /// Every file under the project directory with its bytes, by relative path.
    pub fn files(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        collect(&self.dir, Path::new(""), &mut out);
        out
    }
}

async fn run_metaform(
    dir: &Path,
    args: &[&str],
    env: &BTreeMap<String, String>,
    extra_env: &[(&str, &str)],
) -> Run {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_metaform"))
        .args(args)
        .current_dir(dir)
        .env_remove("METAFORM_LOG")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .envs(env)
        .envs(extra_env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("metaform runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn collect(root: &Path, rel: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    for entry in entries.flatten() {
        let rel = rel.join(entry.file_name());
        let path = root.join(&rel);
        if path.is_dir() {
            collect(root, &rel, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.insert(rel, bytes);
        }
    }
}
