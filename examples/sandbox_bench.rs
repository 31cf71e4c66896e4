//! Cost of a large sandbox: time to ready and peak memory, or the time to read it back.
//!
//! ```sh
//! cargo run --release --example sandbox_bench -- [SPEC] [--persist FILE | --pages]
//! ```
//! SPEC is `services x databases x schemas x tables x columns` (default `1x1x10x10000x20`:
//! 100,000 tables of 20 columns). With `--persist FILE` (which must not exist yet), the
//! start also writes the state file, and a second start loads it back.
//!
//! With `--pages`, the bench instead loads the same catalog into the Alation sandbox
//! (one virtual data source, written over HTTP in the largest batches allowed), then reads
//! it back as metaform does: every schema, table and column list of the data source page
//! by page (`limit=1000`, following `X-Next-Page`), and every OpenMetadata table listing
//! by `databaseSchema=` (`limit=100`, following `paging.after`). It prints, per listing,
//! the requests, the total time and the time per page, then the peak RSS.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a developer tool's report, not the product's output, which goes through the Printer"
)]

use std::path::PathBuf;
use std::time::Instant;

use metaform::sim::openmetadata::GenerateSpec;
use metaform::sim::{Sandbox, SandboxOptions, Seed};

const DEFAULT_SPEC: &str = "1x1x10x10000x20";

fn main() -> Result<(), String> {
    let mut spec = DEFAULT_SPEC.to_owned();
    let mut persist: Option<PathBuf> = None;
    let mut pages = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--persist" => persist = Some(args.next().ok_or("--persist needs a FILE")?.into()),
            "--pages" => pages = true,
            _ => spec = arg,
        }
    }
    let spec: GenerateSpec = spec.parse()?;
    if let Some(path) = persist.as_ref().filter(|p| p.exists()) {
        return Err(format!("`{}` exists; give a new file", path.display()));
    }
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let options = SandboxOptions {
            seed: Seed::Generated(spec),
            persist: persist.clone(),
            ..SandboxOptions::default()
        };
        let tables = spec.services * spec.databases * spec.schemas * spec.tables;
        println!("catalog: {tables} tables x {} columns", spec.columns);
        let (sandbox, elapsed) = timed_start(options.clone()).await?;
        if pages {
            println!("ready in {elapsed:.2?} (generate)");
            page_bench::run(&sandbox, &spec).await?;
            return sandbox.shutdown().await.map_err(|e| e.to_string());
        }
        println!(
            "ready in {elapsed:.2?} (generate{})",
            if persist.is_some() { " + save" } else { "" }
        );
        sandbox.shutdown().await.map_err(|e| e.to_string())?;
        if let Some(path) = &persist {
            let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
            println!("state file: {:.1} MiB", size as f64 / (1 << 20) as f64);
            let (sandbox, elapsed) = timed_start(options).await?;
            println!("ready in {elapsed:.2?} (load)");
            sandbox.shutdown().await.map_err(|e| e.to_string())?;
        }
        Ok::<(), String>(())
    })?;
    println!("peak RSS: {}", peak_rss());
    Ok(())
}

async fn timed_start(options: SandboxOptions) -> Result<(Sandbox, std::time::Duration), String> {
    let started = Instant::now();
    let sandbox = Sandbox::start(options).await.map_err(|e| e.to_string())?;
    Ok((sandbox, started.elapsed()))
}

/// `VmHWM` of this process (Linux), e.g. `412345 kB`.
fn peak_rss() -> String {
    status("VmHWM")
}

/// A field of `/proc/self/status` (Linux), e.g. `VmRSS` -> `412345 kB`.
fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix(field)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .map(|v| v.trim().to_owned())
            })
        })
        .unwrap_or_else(|| "unknown (no /proc/self/status)".to_owned())
}

/// `--pages`: the cost of reading every list page of a large catalog.
mod page_bench {
    use std::time::{Duration, Instant};

    use metaform::sim::Sandbox;
    use metaform::sim::openmetadata::GenerateSpec;
    use serde_json::{Value, json};

    /// The page size metaform asks Alation for.
    const ALATION_PAGE: usize = 1_000;
    /// The page size metaform asks OpenMetadata's table listing for.
    const OM_TABLE_PAGE: usize = 100;
    /// The largest column batch Alation accepts.
    const COLUMN_BATCH: usize = 10_000;
    /// The largest schema or table batch Alation accepts.
    const TABLE_BATCH: usize = 1_000;

    struct Client {
        http: reqwest::Client,
        alation: String,
        openmetadata: String,
        token: String,
        jwt: String,
    }

    /// Loads the catalog into Alation, then pages through every listing.
    pub(super) async fn run(sandbox: &Sandbox, spec: &GenerateSpec) -> Result<(), String> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|e| e.to_string())?;
        let creds = &sandbox.credentials().alation;
        let access: Value = http
            .post(format!(
                "{}/integration/v1/createAPIAccessToken/",
                sandbox.alation_url()
            ))
            .json(&json!({"refresh_token": creds.refresh_token,
                          "user_id": creds.refresh_token_user_id}))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let client = Client {
            http,
            alation: sandbox.alation_url().trim_end_matches('/').to_owned(),
            openmetadata: sandbox.openmetadata_url().trim_end_matches('/').to_owned(),
            token: access["api_access_token"]
                .as_str()
                .ok_or("no api_access_token")?
                .to_owned(),
            jwt: sandbox.credentials().openmetadata_jwt.clone(),
        };
        let started = Instant::now();
        let ds = client.load(spec).await?;
        println!(
            "Alation loaded in {:.2?}; RSS now {}",
            started.elapsed(),
            super::status("VmRSS")
        );
        for kind in ["schema", "table", "column"] {
            let path = format!("/integration/v2/{kind}/?ds_id={ds}&limit={ALATION_PAGE}");
            let (requests, objects, time) = client.alation_pages(&path).await?;
            report(&format!("Alation {kind}s"), requests, objects, time);
        }
        let (requests, objects, time) = client.openmetadata_tables().await?;
        report("OpenMetadata tables", requests, objects, time);
        Ok(())
    }

    fn report(what: &str, requests: usize, objects: usize, time: Duration) {
        let per_page = time / u32::try_from(requests.max(1)).unwrap_or(u32::MAX);
        println!(
            "{what:<20} {objects:>9} objects  {requests:>5} requests  {time:>10.2?} total  {per_page:>9.2?} per page"
        );
    }

    impl Client {
        /// One virtual data source holding `spec`'s schemas, tables and columns.
        async fn load(&self, spec: &GenerateSpec) -> Result<u64, String> {
            let created = self
                .alation_send(
                    reqwest::Method::POST,
                    "/integration/v1/datasource/",
                    json!({"dbtype": "postgresql", "title": "bench", "is_virtual": true}),
                )
                .await?;
            let ds = created["id"].as_u64().ok_or("no data source id")?;
            let schemas = spec.services * spec.databases * spec.schemas;
            let schema_items: Vec<Value> = (0..schemas)
                .map(|s| json!({"key": format!("{ds}.s{s}")}))
                .collect();
            self.write("schema", ds, schema_items, TABLE_BATCH).await?;
            let tables: Vec<Value> = (0..schemas)
                .flat_map(|s| (0..spec.tables).map(move |t| (s, t)))
                .map(|(s, t)| json!({"key": format!("{ds}.s{s}.t{t}"), "table_type": "TABLE"}))
                .collect();
            self.write("table", ds, tables, TABLE_BATCH).await?;
            let mut batch = Vec::with_capacity(COLUMN_BATCH);
            for s in 0..schemas {
                for t in 0..spec.tables {
                    for c in 0..spec.columns {
                        batch.push(json!({"key": format!("{ds}.s{s}.t{t}.c{c}"),
                                          "column_type": "varchar(64)"}));
                        if batch.len() == COLUMN_BATCH {
                            self.write("column", ds, std::mem::take(&mut batch), COLUMN_BATCH)
                                .await?;
                        }
                    }
                }
            }
            self.write("column", ds, batch, COLUMN_BATCH).await?;
            Ok(ds)
        }

        async fn write(
            &self,
            kind: &str,
            ds: u64,
            items: Vec<Value>,
            batch: usize,
        ) -> Result<(), String> {
            for chunk in items.chunks(batch) {
                let path = format!("/integration/v2/{kind}/?ds_id={ds}");
                self.alation_send(reqwest::Method::POST, &path, json!(chunk))
                    .await?;
            }
            Ok(())
        }

        async fn alation_send(
            &self,
            method: reqwest::Method,
            path: &str,
            body: Value,
        ) -> Result<Value, String> {
            let response = self
                .http
                .request(method, format!("{}{path}", self.alation))
                .header("TOKEN", &self.token)
                .json(&body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !response.status().is_success() {
                return Err(format!("{path}: {}", response.status()));
            }
            response.json().await.map_err(|e| e.to_string())
        }

        /// Follows `X-Next-Page` from `path`: (requests, objects, time).
        async fn alation_pages(&self, path: &str) -> Result<(usize, usize, Duration), String> {
            let started = Instant::now();
            let (mut requests, mut objects) = (0, 0);
            let mut next = Some(path.to_owned());
            while let Some(page) = next.take() {
                let response = self
                    .http
                    .get(format!("{}{page}", self.alation))
                    .header("TOKEN", &self.token)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                requests += 1;
                next = response
                    .headers()
                    .get("X-Next-Page")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let items: Vec<Value> = response.json().await.map_err(|e| e.to_string())?;
                objects += items.len();
            }
            Ok((requests, objects, started.elapsed()))
        }

        /// Every table of every schema, listed by `databaseSchema=` as a snapshot does.
        async fn openmetadata_tables(&self) -> Result<(usize, usize, Duration), String> {
            let (_, schemas) = self
                .openmetadata_pages("/v1/databaseSchemas", &[], 1_000)
                .await?;
            let started = Instant::now();
            let (mut requests, mut objects) = (0, 0);
            for schema in &schemas {
                let fqn = schema["fullyQualifiedName"]
                    .as_str()
                    .ok_or("schema without FQN")?;
                let query = [
                    ("databaseSchema", fqn),
                    ("fields", "columns,tableConstraints,schemaDefinition,tags"),
                ];
                let (pages, tables) = self
                    .openmetadata_pages("/v1/tables", &query, OM_TABLE_PAGE)
                    .await?;
                requests += pages;
                objects += tables.len();
            }
            Ok((requests, objects, started.elapsed()))
        }

        /// Follows `paging.after`: (requests, entities).
        async fn openmetadata_pages(
            &self,
            path: &str,
            query: &[(&str, &str)],
            limit: usize,
        ) -> Result<(usize, Vec<Value>), String> {
            let (mut requests, mut entities) = (0, Vec::new());
            let mut after: Option<String> = None;
            loop {
                let mut request = self
                    .http
                    .get(format!("{}{path}", self.openmetadata))
                    .bearer_auth(&self.jwt)
                    .query(query)
                    .query(&[("limit", limit.to_string())]);
                if let Some(cursor) = &after {
                    request = request.query(&[("after", cursor)]);
                }
                let response = request.send().await.map_err(|e| e.to_string())?;
                if !response.status().is_success() {
                    return Err(format!("{path}: {}", response.status()));
                }
                let page: Value = response.json().await.map_err(|e| e.to_string())?;
                requests += 1;
                if let Some(data) = page["data"].as_array() {
                    entities.extend(data.iter().cloned());
                }
                match page["paging"]["after"].as_str() {
                    Some(cursor) if !cursor.is_empty() => after = Some(cursor.to_owned()),
                    _ => return Ok((requests, entities)),
                }
            }
        }
    }
}
