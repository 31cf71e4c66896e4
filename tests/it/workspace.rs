//! The one project kit of the command-line tests: a temporary project directory wired to
//! sandboxes started in process on ephemeral ports, a `metaform.yaml` written from a
//! [`Config`] whose secrets come from the environment, and the real binary run inside
//! it. Every run is checked for leaked secrets.
//!
//! ```ignore
//! let workspace = Workspace::builder()
//!     .sandbox(SandboxOptions { faults, ..SandboxOptions::default() })
//!     .config(Config { create_as: Some("ocf"), ..Config::default() })
//!     .build()
//!     .await;
//! workspace.run_ok(&["snapshot"]).await;
//! ```

pub mod config;
mod remote;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use metaform::sim::{Sandbox, SandboxOptions, Seed};
use serde_json::Value;

use crate::support::{client, sample_data_dir, start_sandbox_with};

pub use config::{AlationAuthMode, Config, Endpoints};

/// The environment variables the configuration files read their secrets from.
pub const SECRET_VARIABLES: [&str; 5] = [
    "OM_JWT_TOKEN",
    "ALATION_REFRESH_TOKEN",
    "ALATION_USER_ID",
    "ALATION_USERNAME",
    "ALATION_PASSWORD",
];

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

/// How a [`Workspace`] is set up: the sandboxes' options (the sample data by default)
/// and the configuration file.
pub struct WorkspaceBuilder {
    options: SandboxOptions,
    config: Config,
    explicit_config: bool,
}

impl WorkspaceBuilder {
    /// Starts the sandboxes with `options` (their addresses should keep port 0).
    pub fn sandbox(mut self, options: SandboxOptions) -> WorkspaceBuilder {
        self.options = options;
        self
    }

    /// Writes `config` as `metaform.yaml` (and again after a [`Workspace::restart`]).
    pub fn config(mut self, config: Config) -> WorkspaceBuilder {
        self.config = config;
        self
    }

    /// Gives every command `--config` with the absolute path of `metaform.yaml` (as a
    /// job that keeps it elsewhere would), so that `validate` reads it and messages
    /// show absolute paths.
    pub fn explicit_config(mut self) -> WorkspaceBuilder {
        self.explicit_config = true;
        self
    }

    /// Starts the sandboxes and writes the project, not yet snapshotted.
    pub async fn build(self) -> Workspace {
        let temp = tempfile::tempdir().expect("a temporary directory");
        let workspace = Workspace::around(
            start_sandbox_with(self.options).await,
            temp,
            self.config,
            self.explicit_config,
        );
        workspace.configure(&workspace.config);
        workspace
    }
}

/// A temporary project directory next to running sandboxes.
pub struct Workspace {
    /// The sandboxes.
    pub sandbox: Sandbox,
    /// The project directory (`metaform.yaml`, `state/`).
    pub dir: PathBuf,
    temp: tempfile::TempDir,
    config: Config,
    explicit_config: bool,
    env: BTreeMap<String, String>,
    http: reqwest::Client,
}

impl Workspace {
    /// A project for sandboxes seeded with the sample data, with the default [`Config`].
    pub fn builder() -> WorkspaceBuilder {
        WorkspaceBuilder {
            options: SandboxOptions {
                seed: Seed::SampleData(sample_data_dir()),
                ..SandboxOptions::default()
            },
            config: Config::default(),
            explicit_config: false,
        }
    }

    /// The default project: sample data, refresh-token auth, not yet snapshotted.
    pub async fn new() -> Workspace {
        Self::builder().build().await
    }

    fn around(
        sandbox: Sandbox,
        temp: tempfile::TempDir,
        config: Config,
        explicit_config: bool,
    ) -> Workspace {
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
        Workspace {
            sandbox,
            dir: temp.path().to_path_buf(),
            temp,
            config,
            explicit_config,
            env,
            http: client(),
        }
    }

    /// Replaces the sandboxes (e.g. restarted from a persisted file), keeping the
    /// directory, and writes the configuration the workspace was built with for them.
    pub async fn restart(self, options: SandboxOptions) -> Workspace {
        self.sandbox
            .shutdown()
            .await
            .expect("the sandboxes shut down");
        let workspace = Workspace::around(
            start_sandbox_with(options).await,
            self.temp,
            self.config,
            self.explicit_config,
        );
        workspace.configure(&workspace.config);
        workspace
    }

    /// The value of one of [`SECRET_VARIABLES`].
    pub fn env(&self, name: &str) -> &str {
        &self.env[name]
    }

    /// A path inside the project directory.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.join(relative)
    }

    /// Writes `metaform.yaml` from `config` for the running sandboxes.
    pub fn configure(&self, config: &Config) {
        let text = config.render(&Endpoints::of(&self.sandbox));
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

    /// `metaform ARGS` in the project directory with the secret variables set, without
    /// colour or logging (and with `--config` when [`WorkspaceBuilder::explicit_config`]),
    /// ready to start.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_metaform"));
        command
            .args(args)
            .args(
                self.explicit_config
                    .then(|| ["--config".into(), self.path("metaform.yaml")])
                    .into_iter()
                    .flatten(),
            )
            .current_dir(&self.dir)
            .env_remove("METAFORM_LOG")
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .envs(&self.env)
            .stdin(std::process::Stdio::null());
        command
    }

    /// Runs `metaform ARGS` in the project directory with the secret variables set and
    /// any `extra_env`.
    pub async fn run_with(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Run {
        let mut command = self.command(args);
        command.envs(extra_env.iter().copied());
        self.finish(args, command).await
    }

    /// Runs `metaform ARGS` in another directory with the secret variables set.
    pub async fn run_in(&self, dir: &Path, args: &[&str]) -> Run {
        let mut command = self.command(args);
        command.current_dir(dir);
        self.finish(args, command).await
    }

    /// Runs `metaform ARGS` in the project directory.
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[]).await
    }

    /// Runs `metaform ARGS` and fails the test unless it exits 0.
    pub async fn run_ok(&self, args: &[&str]) -> Run {
        self.run_expect(args, 0).await
    }

    /// Runs `metaform ARGS` and fails the test unless it exits `code`.
    pub async fn run_expect(&self, args: &[&str], code: i32) -> Run {
        let run = self.run(args).await;
        assert_eq!(
            run.code,
            Some(code),
            "metaform {args:?}: {}",
            run.describe()
        );
        run
    }

    /// Waits for `command` off the runtime the sandboxes serve on, and fails the test if
    /// its output shows the OpenMetadata JWT or the Alation refresh token.
    async fn finish(&self, args: &[&str], command: std::process::Command) -> Run {
        let output = tokio::process::Command::from(command)
            .output()
            .await
            .expect("metaform runs");
        let run = Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        for secret in [self.env("OM_JWT_TOKEN"), self.env("ALATION_REFRESH_TOKEN")] {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "metaform {args:?} printed a secret"
            );
        }
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
