//! `snapshot`, `plan` and `apply` end to end: the real `metaform` binary against both
//! sandboxes over HTTP, seeded from the OpenMetadata sample data, with a `metaform.yaml`
//! in a temporary directory whose secrets come from `${ENV}` references.

mod changes;
mod collisions;
mod curated;
mod datasource_identity;
mod faults;
mod linked;
mod names;
mod refused_names;
mod saved_plan;
mod snapshot;
mod unmanaged;
mod virtual_sources;

use std::path::{Path, PathBuf};

use metaform::sim::{Sandbox, SandboxOptions, Seed};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support;

/// A temporary project directory beside running sandboxes.
pub struct Project {
    pub sandbox: Sandbox,
    pub dir: tempfile::TempDir,
    http: reqwest::Client,
}

/// How `metaform.yaml` is written.
#[derive(Default)]
pub struct Settings {
    /// `datasourceLinks`: Alation data source id -> OpenMetadata database FQN.
    pub links: Vec<(u64, &'static str)>,
    /// `createDatasourceAs` (`virtual` when `None`).
    pub create_as: Option<&'static str>,
    /// The `policy:` block's body, indented by two spaces, when set.
    pub policy: Option<&'static str>,
}

/// What a command did.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Project {
    /// Sandboxes seeded from the sample data and a virtual-data-source configuration.
    pub async fn sample() -> Project {
        Project::start(SandboxOptions {
            seed: Seed::SampleData(support::sample_data_dir()),
            ..SandboxOptions::default()
        })
        .await
    }

    /// Sandboxes started with `options`, and a default configuration.
    pub async fn start(options: SandboxOptions) -> Project {
        let project = Project {
            sandbox: support::start_sandbox_with(options).await,
            dir: tempfile::tempdir().expect("a temporary directory"),
            http: support::client(),
        };
        project.configure(&Settings::default());
        project
    }

    /// Replaces the sandboxes (e.g. restarted from a persisted file), keeping the directory.
    pub async fn restart(self, options: SandboxOptions) -> Project {
        self.sandbox
            .shutdown()
            .await
            .expect("the sandboxes shut down");
        let project = Project {
            sandbox: support::start_sandbox_with(options).await,
            dir: self.dir,
            http: self.http,
        };
        project.configure(&Settings::default());
        project
    }

    /// A path inside the project directory.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes `metaform.yaml` for the running sandboxes.
    pub fn configure(&self, settings: &Settings) {
        let mut text = format!(
            "source:\n  type: openmetadata\n  hostPort: {}\n  auth: {{ jwtToken: \"${{OM_JWT_TOKEN}}\" }}\n\
             target:\n  type: alation\n  hostPort: {}\n  createDatasourceAs: {}\n  \
             auth: {{ refreshToken: \"${{ALATION_REFRESH_TOKEN}}\", userId: {} }}\n",
            self.sandbox.openmetadata_url(),
            self.sandbox.alation_url(),
            settings.create_as.unwrap_or("virtual"),
            self.sandbox.credentials().alation.refresh_token_user_id,
        );
        if !settings.links.is_empty() {
            text.push_str("  datasourceLinks:\n");
            for (id, fqn) in &settings.links {
                text.push_str(&format!("    \"{id}\": {fqn}\n"));
            }
        }
        text.push_str("state: state/\n");
        if let Some(policy) = settings.policy {
            text.push_str(&format!("policy:\n{policy}"));
        }
        std::fs::write(self.path("metaform.yaml"), text).expect("write metaform.yaml");
    }

    /// Runs `metaform <args> --config metaform.yaml` in the project directory, with the
    /// sandbox secrets in its environment only.
    pub async fn run(&self, args: &[&str]) -> Run {
        let mut command = assert_cmd::Command::from_std(self.command(args));
        // The sandboxes serve on this runtime: wait for the process off it.
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("the command's thread")
            .expect("the metaform binary runs");
        let run = Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        let credentials = self.sandbox.credentials();
        for secret in [
            &credentials.openmetadata_jwt,
            &credentials.alation.refresh_token,
        ] {
            assert!(
                !run.stdout.contains(secret.as_str()) && !run.stderr.contains(secret.as_str()),
                "metaform {args:?} printed a secret"
            );
        }
        run
    }

    /// `metaform <args> --config metaform.yaml` in the project directory, with the
    /// sandbox secrets in its environment only.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_metaform"));
        command
            .args(args)
            .arg("--config")
            .arg(self.path("metaform.yaml"))
            .current_dir(self.dir.path())
            .env("OM_JWT_TOKEN", &self.sandbox.credentials().openmetadata_jwt)
            .env(
                "ALATION_REFRESH_TOKEN",
                &self.sandbox.credentials().alation.refresh_token,
            )
            .env("NO_COLOR", "1");
        command
    }

    /// Runs a command and requires exit code `code`.
    pub async fn run_ok(&self, args: &[&str], code: i32) -> Run {
        let run = self.run(args).await;
        assert_eq!(
            run.code,
            Some(code),
            "metaform {args:?}\nstdout:\n{}\nstderr:\n{}",
            run.stdout,
            run.stderr
        );
        run
    }

    /// An Alation API access token from the sandbox's refresh token.
    pub async fn alation_token(&self) -> String {
        let credentials = &self.sandbox.credentials().alation;
        let reply = self
            .alation(
                Method::POST,
                "/integration/v1/createAPIAccessToken/",
                None,
                Some(json!({"refresh_token": credentials.refresh_token,
                            "user_id": credentials.refresh_token_user_id})),
            )
            .await;
        reply["api_access_token"]
            .as_str()
            .expect("api_access_token")
            .to_owned()
    }

    /// An Alation request; requires a 2xx answer and returns its JSON body.
    pub async fn alation(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Value {
        let mut request = self.http.request(
            method.clone(),
            format!("{}{path}", self.sandbox.alation_url()),
        );
        if let Some(token) = token {
            request = request.header("TOKEN", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the Alation sandbox answers");
        let status = response.status();
        let text = response.text().await.expect("a response body");
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("a JSON body")
        }
    }

    /// Every item of an Alation listing, following `X-Next-Page`.
    pub async fn alation_list(&self, first: &str, token: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut next = Some(first.to_owned());
        while let Some(path) = next {
            let response = self
                .http
                .get(format!("{}{path}", self.sandbox.alation_url()))
                .header("TOKEN", token)
                .send()
                .await
                .expect("the Alation sandbox answers");
            assert!(response.status().is_success(), "GET {path}");
            next = response
                .headers()
                .get("x-next-page")
                .map(|v| v.to_str().expect("an ASCII header").to_owned());
            let page: Value = response.json().await.expect("a JSON page");
            items.extend(page.as_array().expect("a JSON array").iter().cloned());
        }
        items
    }

    /// Every schema, table and column Alation holds under data source `ds`.
    pub async fn alation_objects(&self, ds: u64, token: &str) -> Vec<Value> {
        let mut all = Vec::new();
        for kind in ["schema", "table", "column"] {
            all.extend(
                self.alation_list(&format!("/integration/v2/{kind}/?ds_id={ds}"), token)
                    .await,
            );
        }
        all
    }

    /// The data sources Alation lists (v1).
    pub async fn datasources(&self, token: &str) -> Vec<Value> {
        self.alation_list("/integration/v1/datasource/", token)
            .await
    }

    /// The id of the data source titled `title`; panics when Alation has none.
    pub async fn datasource_id(&self, token: &str, title: &str) -> u64 {
        self.datasources(token)
            .await
            .into_iter()
            .find(|d| d["title"] == title)
            .and_then(|d| d["id"].as_u64())
            .unwrap_or_else(|| panic!("the {title} data source"))
    }

    /// An OpenMetadata request; requires a 2xx answer and returns its JSON body. A
    /// PATCH body is sent as a JSON Patch, any other as JSON.
    pub async fn openmetadata(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(
                method.clone(),
                format!("{}{path}", self.sandbox.openmetadata_url()),
            )
            .bearer_auth(&self.sandbox.credentials().openmetadata_jwt);
        if let Some(body) = body {
            let content_type = if method == Method::PATCH {
                "application/json-patch+json"
            } else {
                "application/json"
            };
            request = request
                .header("Content-Type", content_type)
                .body(body.to_string());
        }
        let response = request
            .send()
            .await
            .expect("the OpenMetadata sandbox answers");
        let status = response.status();
        let text = response.text().await.expect("a response body");
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).expect("a JSON body")
    }

    /// The OpenMetadata table `fqn` (a sample-data table of `shopify`) with its columns.
    pub async fn om_table(&self, name: &str) -> Value {
        let fqn = format!("sample_data.ecommerce_db.shopify.{name}");
        let encoded: String = fqn
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'_' | b'-' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        self.openmetadata(
            Method::GET,
            &format!("/v1/tables/name/{encoded}?fields=columns,tableConstraints"),
            None,
        )
        .await
    }

    /// Applies a JSON Patch to the OpenMetadata table `name` of `shopify`.
    pub async fn om_patch_table(&self, name: &str, patch: Value) -> Value {
        let id = self.om_table(name).await["id"]
            .as_str()
            .expect("a table id")
            .to_owned();
        self.openmetadata(Method::PATCH, &format!("/v1/tables/{id}"), Some(patch))
            .await
    }
}

/// The count of top-level columns of the `shopify` tables in the sample data.
pub fn shopify_column_count() -> usize {
    let path = support::sample_data_dir().join("datasets/tables.json");
    let text = std::fs::read_to_string(&path).expect("the sample tables");
    let doc: Value = serde_json::from_str(&text).expect("JSON sample tables");
    doc["tables"]
        .as_array()
        .expect("a table list")
        .iter()
        .map(|t| t["columns"].as_array().map_or(0, Vec::len))
        .sum()
}

/// The lines of `text` that start, after indentation, with `prefix`, without indentation.
pub fn lines_starting<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with(prefix))
        .collect()
}

/// The bytes of a file.
pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}
