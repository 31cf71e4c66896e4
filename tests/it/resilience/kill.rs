//! A killed apply loses nothing (SPEC §6): `metaform apply` is SIGKILLed at random
//! points of a large apply against `metaform sandbox --persist` in another process;
//! after each kill the next `plan` lists exactly the desired objects Alation lacks,
//! the apply lock does not block, and the next `apply` converges.
//!
//! Kill points: `METAFORM_KILL_POINTS` (default [`DEFAULT_KILL_POINTS`], to keep the
//! suite's time in debug builds; `METAFORM_KILL_POINTS=20` runs the full set).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::cycle::{Desired, Endpoints, Workspace};

/// The catalog: 4 schemas, 1,600 tables, 16,000 columns.
const CATALOG: &str = "1x1x4x400x10";

/// Every Alation request waits this long, so that an apply lasts a few seconds.
const FAULTS: &str =
    "seed=1,rate=1,kinds=latency,latency_ms=40,paths=/integration/+/api/v1/bulk_metadata/";

/// Kill points when `METAFORM_KILL_POINTS` is unset.
const DEFAULT_KILL_POINTS: usize = 3;

/// Seed of the kill delays.
const KILL_SEED: u64 = 20;

/// `metaform sandbox` running as a child process.
pub(super) struct SandboxProcess {
    child: Child,
    /// Where it listens and what it accepts.
    pub(super) endpoints: Endpoints,
}

impl SandboxProcess {
    /// Starts `metaform sandbox` on ephemeral ports, persisting to `persist`, and reads
    /// its endpoints and credentials from stdout.
    fn start(persist: &Path) -> SandboxProcess {
        Self::start_with(persist, CATALOG, FAULTS)
    }

    /// [`SandboxProcess::start`] with this generated catalog and these faults.
    pub(super) fn start_with(persist: &Path, catalog: &str, faults: &str) -> SandboxProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_metaform"))
            .args(["sandbox", "--openmetadata-port", "0", "--alation-port", "0"])
            .args(["--generate", catalog, "--faults", faults])
            .arg("--persist")
            .arg(persist)
            .env_remove("METAFORM_SANDBOX_JWT")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the sandbox starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (mut openmetadata_url, mut alation_url, mut jwt) = (None, None, None);
        let mut refresh = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("the sandbox's stdout reads");
            if let Some(rest) = line.strip_prefix("sandbox ready: ") {
                for part in rest.split_whitespace() {
                    if let Some(url) = part.strip_prefix("openmetadata=") {
                        openmetadata_url = Some(url.to_owned());
                    } else if let Some(url) = part.strip_prefix("alation=") {
                        alation_url = Some(url.to_owned());
                    }
                }
            } else if let Some(token) = line.strip_prefix("openmetadata jwt: ") {
                jwt = Some(token.to_owned());
            } else if let Some(rest) = line.strip_prefix("alation refresh token: ") {
                let field = |name: &str| {
                    rest.split_whitespace()
                        .find_map(|p| p.strip_prefix(name))
                        .map(str::to_owned)
                };
                refresh = field("user_id=").zip(field("refresh_token="));
                break;
            }
        }
        let (user_id, refresh_token) = refresh.expect("the sandbox prints a refresh token");
        SandboxProcess {
            child,
            endpoints: Endpoints {
                openmetadata_url: openmetadata_url.expect("an OpenMetadata URL"),
                openmetadata_jwt: jwt.expect("an OpenMetadata JWT"),
                alation_url: alation_url.expect("an Alation URL"),
                refresh_token,
                user_id: user_id.parse().expect("a numeric user id"),
            },
        }
    }

    /// Stops it with SIGTERM, so that it saves its state, and waits for it.
    pub(super) fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "SIGTERM was not delivered");
        let status = self.child.wait().expect("the sandbox ends");
        assert!(status.success(), "the sandbox exited with {status}");
    }
}

/// The desired objects present in Alation, data sources included, read through its
/// REST API: paths `[service, database(, schema(, table(, column)))]`.
pub(super) async fn present_objects(
    endpoints: &Endpoints,
    desired: &Desired,
) -> BTreeSet<Vec<String>> {
    let http = super::super::support::client();
    let base = &endpoints.alation_url;
    let token = super::super::support::alation_access_token(
        base,
        &endpoints.refresh_token,
        &endpoints.user_id,
    )
    .await;
    let get_all = |first: String| {
        let (http, token) = (http.clone(), token.clone());
        async move {
            let mut items = Vec::new();
            let mut next = Some(first);
            while let Some(page) = next.take() {
                let response = http
                    .get(format!("{base}{page}"))
                    .header("TOKEN", &token)
                    .send()
                    .await
                    .expect("a page answers");
                assert!(response.status().is_success(), "GET {page}: {response:?}");
                next = response
                    .headers()
                    .get("x-next-page")
                    .and_then(|v| v.to_str().ok())
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned);
                let batch: Vec<serde_json::Value> = response.json().await.expect("a JSON page");
                items.extend(batch);
            }
            items
        }
    };
    let mut present = BTreeSet::new();
    for ds in
        get_all("/integration/v1/datasource/?include_undeployed=true&include_hidden=true".into())
            .await
    {
        let Some(ds_path) = ds["uri"].as_str().and_then(|uri| desired.markers.get(uri)) else {
            continue;
        };
        present.insert(ds_path.clone());
        let ds_id = ds["id"].as_i64().expect("a data source id");
        let mut paths = std::collections::BTreeMap::new();
        // Ids are counted per kind: a parent is looked up by its kind and id.
        for (kind, parent) in [
            ("schema", None),
            ("table", Some(("schema", "schema_id"))),
            ("column", Some(("table", "table_id"))),
        ] {
            for item in get_all(format!("/integration/v2/{kind}/?ds_id={ds_id}&limit=1000")).await {
                let parent_path = match parent {
                    None => Some(ds_path.clone()),
                    Some((parent_kind, field)) => paths
                        .get(&(parent_kind, item[field].as_i64().unwrap_or(-1)))
                        .cloned(),
                };
                let Some(mut path) = parent_path else {
                    continue;
                };
                path.push(item["name"].as_str().unwrap_or_default().to_owned());
                paths.insert((kind, item["id"].as_i64().unwrap_or(-1)), path.clone());
                present.insert(path);
            }
        }
    }
    present
}

/// The paths `plan --format json` plans to create; panics on any other action.
pub(super) fn planned_creates(workspace: &Workspace) -> BTreeSet<Vec<String>> {
    let output = workspace.run(
        Path::new(env!("CARGO_BIN_EXE_metaform")),
        &["plan", "--format", "json"],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "plan failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).expect("plan JSON");
    let items = plan["items"].as_array().expect("plan items");
    items
        .iter()
        .map(|item| {
            assert_eq!(item["action"], "create", "after a kill: {item}");
            item["path"]
                .as_array()
                .expect("a path")
                .iter()
                .map(|p| p.as_str().expect("a path part").to_owned())
                .collect()
        })
        .collect()
}

/// Once the target holds still (the same objects before and after a plan): the desired
/// objects and data sources Alation lacks, and the creates the next plan lists. A job an
/// interrupted apply started may still be running in Alation when it is called.
pub(super) fn missing_and_planned(
    runtime: &tokio::runtime::Runtime,
    endpoints: &Endpoints,
    desired: &Desired,
    workspace: &Workspace,
) -> (BTreeSet<Vec<String>>, BTreeSet<Vec<String>>) {
    let mut all_desired = desired.objects.clone();
    all_desired.extend(desired.markers.values().cloned());
    settled(|| {
        let before = runtime.block_on(present_objects(endpoints, desired));
        let creates = planned_creates(workspace);
        let after = runtime.block_on(present_objects(endpoints, desired));
        (before == after).then(|| {
            let missing: BTreeSet<_> = all_desired.difference(&after).cloned().collect();
            (missing, creates)
        })
    })
}

/// The first `Some` of `attempt`, retried while the target is still changing.
pub(super) fn settled<T>(mut attempt: impl FnMut() -> Option<T>) -> T {
    for _ in 0..20 {
        if let Some(value) = attempt() {
            return value;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("the target kept changing for 20 attempts after the kill")
}

/// The kill points to run.
fn kill_points() -> usize {
    std::env::var("METAFORM_KILL_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_KILL_POINTS)
}

/// Restores the sandbox's state file to `pristine` and starts it again.
fn restart_from(pristine: &Path, workspace: &Workspace) -> SandboxProcess {
    std::fs::copy(pristine, workspace.persist_file()).expect("the pristine state is restored");
    let sandbox = SandboxProcess::start(&workspace.persist_file());
    workspace.configure(&sandbox.endpoints);
    sandbox
}

/// An apply SIGKILLed at random points loses nothing: the next plan creates exactly
/// the desired objects Alation lacks, and the next apply (not blocked by the lock)
/// converges.
#[test]
fn killed_apply_loses_nothing() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_metaform"));
    let workspace = Workspace::new();
    let pristine = workspace.path().join("pristine.json");

    // A sandbox with the catalog, the desired state, and a copy of the empty target.
    let sandbox = SandboxProcess::start(&workspace.persist_file());
    workspace.configure(&sandbox.endpoints);
    let snapshot = workspace.run(&binary, &["snapshot"]);
    assert!(snapshot.status.success(), "{snapshot:?}");
    sandbox.stop();
    std::fs::copy(workspace.persist_file(), &pristine).expect("the state is copied");
    let desired = workspace.desired();

    // How long a whole apply takes.
    let sandbox = restart_from(&pristine, &workspace);
    let started = Instant::now();
    let full = workspace.run(&binary, &["apply", "--auto-approve"]);
    let duration = started.elapsed();
    assert!(full.status.success(), "{full:?}");
    sandbox.stop();

    let mut rng = ChaCha8Rng::seed_from_u64(KILL_SEED);
    let mut outcomes = Vec::new();
    for point in 0..kill_points() {
        let sandbox = restart_from(&pristine, &workspace);
        let delay = Duration::from_millis(rng.random_range(0..duration.as_millis() as u64));
        let mut apply = workspace
            .command(&binary, &["apply", "--auto-approve"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("apply starts");
        std::thread::sleep(delay);
        let finished = apply.try_wait().expect("apply is waited for").is_some();
        apply.kill().ok();
        apply.wait().expect("the killed apply ends");

        // A job the killed apply started may still be running in Alation: compare
        // once the target holds still (the same objects before and after the plan).
        let (missing, creates) =
            missing_and_planned(&runtime, &sandbox.endpoints, &desired, &workspace);
        let unplanned: Vec<_> = missing.difference(&creates).take(5).collect();
        let superfluous: Vec<_> = creates.difference(&missing).take(5).collect();
        assert!(
            unplanned.is_empty() && superfluous.is_empty(),
            "kill point {point} after {delay:?}: {} missing, {} planned; missing but not \
             planned (first 5): {unplanned:?}; planned but present (first 5): {superfluous:?}",
            missing.len(),
            creates.len()
        );
        let again = workspace.run(&binary, &["apply", "--auto-approve"]);
        assert!(
            again.status.success(),
            "kill point {point}: the next apply failed: {}",
            String::from_utf8_lossy(&again.stderr)
        );
        let check = workspace.run(&binary, &["plan", "--detailed-exitcode"]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "kill point {point}: not converged"
        );
        outcomes.push(format!(
            "kill {point} at {delay:?}: {} missing{}",
            missing.len(),
            if finished {
                " (apply had finished)"
            } else {
                ""
            }
        ));
        sandbox.stop();
    }
    eprintln!("full apply {duration:?}\n{}", outcomes.join("\n"));
}
