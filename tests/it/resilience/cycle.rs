//! One fault-matrix cycle: snapshot, plan and apply, run as the real `metaform` binary
//! against in-process sandboxes that inject faults under a seed, then a fault-free
//! verification that the target holds exactly the desired catalog.
//!
//! Shared by the integration test (20 seeds) and `examples/fault_matrix.rs` (any
//! number of seeds), so both measure the same thing.
//!
//! The verification never goes through the faulty sandbox: it is shut down (saving its
//! state), and a fault-free sandbox is started from the saved file for the last `plan`;
//! the stored objects are read from that sandbox's state directly.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use metaform::core::objects::ObjectKind;
use metaform::sim::faults::FaultConfig;
use metaform::sim::{Sandbox, SandboxOptions, Seed};
use metaform::target::alation::{keys, mapping};

/// The catalog every cycle starts from: 2 databases, 4 schemas, 16 tables, 80 columns.
pub const CATALOG: &str = "1x2x2x4x5";

/// The faults of a cycle under `seed`: 10% of requests get a 429 (Retry-After 1 s), a
/// 5xx, a dropped connection or 20 ms of latency; access tokens live 2 s; 10% of
/// jobs fail.
pub fn fault_spec(seed: u64) -> String {
    format!(
        "seed={seed},rate=0.1,kinds=429+5xx+drop+latency,latency_ms=20,retry_after=1,\
         token_ttl=2,job_failure_rate=0.1"
    )
}

/// Runs of each step under faults; an apply that still exits 3 is run once more after
/// the faults stop.
const ATTEMPTS: usize = 5;

/// How a cycle ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every command succeeded at its first run and the target converged.
    Converged,
    /// The first apply exited 3 (partial); running it again converged.
    Exit3ThenConverged,
    /// A command exited 1 (an error before any write, or a read that failed); running
    /// it again converged. The text is the first error line.
    ErrorThenConverged(String),
    /// Every apply under faults exited 3 (the same faults kept hitting); the re-run
    /// once they stopped converged. The text is the last failure.
    ConvergedOnceFaultsStopped(String),
    /// The target did not converge; the text says why.
    NotConverged(String),
}

/// What one cycle did and found.
#[derive(Debug, Clone)]
pub struct CycleReport {
    /// The fault seed.
    pub seed: u64,
    /// Request faults the sandboxes injected (their fault logs).
    pub faults_injected: usize,
    /// Alation jobs that ended failed.
    pub failed_jobs: usize,
    /// Access tokens renewed after expiring: tokens issued beyond one per `plan` or
    /// `apply` run.
    pub token_renewals: usize,
    /// `command exit-code` of every run under faults, in order.
    pub runs: Vec<(String, i32)>,
    /// How it ended.
    pub outcome: Outcome,
    /// Desired objects missing from Alation after the cycle.
    pub missing: Vec<Vec<String>>,
    /// Objects in Alation that are not desired.
    pub unexpected: Vec<Vec<String>>,
}

impl CycleReport {
    /// Objects lost or wrongly present: must be 0.
    pub fn data_lost(&self) -> usize {
        self.missing.len() + self.unexpected.len()
    }

    /// A one-paragraph description, for failure messages.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "seed {}: {:?}, {} request fault(s), {} failed job(s), {} token renewal(s), runs:",
            self.seed, self.outcome, self.faults_injected, self.failed_jobs, self.token_renewals
        );
        for (command, code) in &self.runs {
            let _ = write!(text, " {command}={code}");
        }
        if self.data_lost() > 0 {
            let _ = write!(
                text,
                "; missing {:?}; unexpected {:?}",
                self.missing, self.unexpected
            );
        }
        text
    }
}

/// A working directory with a configuration file pointing at a running sandbox.
pub struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    /// A fresh, empty workspace.
    pub fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    /// The workspace directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The configuration file.
    pub fn config(&self) -> PathBuf {
        self.path().join("metaform.yaml")
    }

    /// The desired-state directory.
    pub fn state_dir(&self) -> PathBuf {
        self.path().join("state")
    }

    /// The sandbox's state file.
    pub fn persist_file(&self) -> PathBuf {
        self.path().join("sandbox.json")
    }

    /// Writes a configuration for these endpoints and credentials.
    pub fn configure(&self, endpoints: &Endpoints) {
        let text = format!(
            "source:\n  type: openmetadata\n  hostPort: {}\n  auth: {{ jwtToken: \"{}\" }}\n\
             target:\n  type: alation\n  hostPort: {}\n  auth: {{ refreshToken: \"{}\", userId: {} }}\n\
             state: state/\npolicy:\n  maxDeletePercent: 100\n  maxUpdatePercent: 100\n",
            endpoints.openmetadata_url,
            endpoints.openmetadata_jwt,
            endpoints.alation_url,
            endpoints.refresh_token,
            endpoints.user_id
        );
        std::fs::write(self.config(), text).expect("the configuration is written");
    }

    /// Runs `metaform <args> --config <file>` and waits for it.
    pub fn run(&self, binary: &Path, args: &[&str]) -> Output {
        self.command(binary, args)
            .output()
            .expect("the metaform binary runs")
    }

    /// `metaform <args> --config <file>`, without colour, ready to start.
    pub fn command(&self, binary: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(binary);
        command
            .args(args)
            .arg("--config")
            .arg(self.config())
            .env("NO_COLOR", "1")
            .env_remove("METAFORM_LOG");
        command
    }

    /// The desired objects of the state directory below data sources, as address
    /// paths, and the marker of each desired data source with its path.
    pub fn desired(&self) -> Desired {
        let catalog = metaform::commands::state_dir::read_state_dir(&self.state_dir())
            .expect("the state directory reads");
        let objects = mapping::desired_objects(&catalog)
            .into_iter()
            .filter(|o| o.address.kind != ObjectKind::Datasource)
            .map(|o| o.address.path)
            .collect();
        let markers = catalog
            .databases
            .iter()
            .map(|d| {
                (
                    keys::marker(&d.service, &d.name),
                    vec![d.service.clone(), d.name.clone()],
                )
            })
            .collect();
        Desired { objects, markers }
    }
}

/// Where the sandboxes listen and what they accept.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// OpenMetadata base URL (with `/api`).
    pub openmetadata_url: String,
    /// OpenMetadata bearer token.
    pub openmetadata_jwt: String,
    /// Alation base URL.
    pub alation_url: String,
    /// An Alation refresh token.
    pub refresh_token: String,
    /// Its user id.
    pub user_id: u64,
}

impl Endpoints {
    /// The endpoints of an in-process sandbox.
    pub fn of(sandbox: &Sandbox) -> Endpoints {
        let credentials = sandbox.credentials();
        Endpoints {
            openmetadata_url: sandbox.openmetadata_url().to_owned(),
            openmetadata_jwt: credentials.openmetadata_jwt.clone(),
            alation_url: sandbox.alation_url().to_owned(),
            refresh_token: credentials.alation.refresh_token.clone(),
            user_id: credentials.alation.refresh_token_user_id,
        }
    }
}

/// The desired catalog, as the comparison needs it.
pub struct Desired {
    /// Paths `[service, database, schema(, table(, column))]`.
    pub objects: BTreeSet<Vec<String>>,
    /// Data source marker -> `[service, database]`.
    pub markers: std::collections::BTreeMap<String, Vec<String>>,
}

impl Desired {
    /// The desired objects absent from `stored`, and the stored ones not desired.
    pub fn compare(&self, stored: &BTreeSet<Vec<String>>) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
        (
            self.objects.difference(stored).cloned().collect(),
            stored.difference(&self.objects).cloned().collect(),
        )
    }
}

/// The schemas, tables and columns an Alation sandbox stores under the desired data
/// sources, as address paths; read from its state, never through the (faulty) API. A
/// second data source carrying a database's marker shows as an extra path.
pub fn stored_objects(sandbox: &Sandbox, desired: &Desired) -> BTreeSet<Vec<String>> {
    let state = serde_json::to_value(&*sandbox.alation_state().read())
        .expect("the Alation state serialises");
    stored_objects_in(&state, desired)
}

/// [`stored_objects`] over a serialised Alation state.
pub fn stored_objects_in(state: &serde_json::Value, desired: &Desired) -> BTreeSet<Vec<String>> {
    use std::collections::BTreeMap;
    let entries = |name: &str| -> Vec<serde_json::Value> {
        state[name]
            .as_object()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    };
    let id = |v: &serde_json::Value, field: &str| v[field].as_u64().unwrap_or(u64::MAX);
    let name = |v: &serde_json::Value| v["name"].as_str().unwrap_or_default().to_owned();
    let mut paths: BTreeMap<(&str, u64), Vec<String>> = BTreeMap::new();
    let mut objects = BTreeSet::new();
    for ds in entries("datasources") {
        if let Some(path) = ds["uri"].as_str().and_then(|uri| desired.markers.get(uri)) {
            if paths.values().any(|p| p == path) {
                // A second data source for one database: never allowed (SPEC §4.1).
                let mut duplicate = path.clone();
                duplicate.push(format!("<duplicate data source {}>", id(&ds, "id")));
                objects.insert(duplicate);
            }
            paths.insert(("ds", id(&ds, "id")), path.clone());
        }
    }
    for (kind, parent_kind, parent_field) in [
        ("schemas", "ds", "ds_id"),
        ("tables", "schemas", "schema_id"),
        ("columns", "tables", "table_id"),
    ] {
        for item in entries(kind) {
            if let Some(parent) = paths.get(&(parent_kind, id(&item, parent_field))) {
                let mut path = parent.clone();
                path.push(name(&item));
                objects.insert(path.clone());
                paths.insert((kind, id(&item, "id")), path);
            }
        }
    }
    objects
}

/// Starts sandboxes on a runtime that outlives this call.
pub fn start(runtime: &tokio::runtime::Runtime, options: SandboxOptions) -> Sandbox {
    runtime
        .block_on(Sandbox::start(options))
        .unwrap_or_else(|err| panic!("the sandboxes did not start: {err}"))
}

/// Runs one cycle under fault seed `seed` with the `metaform` binary at `binary`.
pub fn run_cycle(runtime: &tokio::runtime::Runtime, binary: &Path, seed: u64) -> CycleReport {
    let workspace = Workspace::new();
    let faults: FaultConfig = fault_spec(seed).parse().expect("a valid fault spec");
    let faulty = start(
        runtime,
        SandboxOptions {
            seed: Seed::Generated(CATALOG.parse().expect("a valid catalog spec")),
            persist: Some(workspace.persist_file()),
            faults,
            ..SandboxOptions::default()
        },
    );
    workspace.configure(&Endpoints::of(&faulty));

    let mut runs = Vec::new();
    let mut first_error: Option<String> = None;
    let mut last_failure = String::new();
    let mut apply_partial = false;
    let steps: [(&str, &[&str], &[i32]); 3] = [
        ("snapshot", &["snapshot"], &[0]),
        ("plan", &["plan", "--detailed-exitcode"], &[0, 2]),
        ("apply", &["apply", "--auto-approve"], &[0]),
    ];
    let mut failed_step = None;
    for (name, args, ok) in steps {
        let mut done = false;
        for _ in 0..ATTEMPTS {
            let output = workspace.run(binary, args);
            let code = output.status.code().unwrap_or(-1);
            runs.push((name.to_owned(), code));
            if ok.contains(&code) {
                done = true;
                break;
            }
            last_failure = first_line(&output, name, code);
            if name == "apply" && code == 3 {
                apply_partial = true;
            } else if first_error.is_none() {
                first_error = Some(first_line(&output, name, code));
            }
        }
        if !done {
            failed_step = Some(name);
            break;
        }
    }
    let faults_injected =
        faulty.alation_faults().records().len() + faulty.openmetadata_faults().records().len();
    let (failed_jobs, tokens_issued) = {
        let state = serde_json::to_value(&*faulty.alation_state().read())
            .expect("the Alation state serialises");
        let failed = state["jobs"].as_object().map_or(0, |jobs| {
            jobs.values().filter(|j| j["succeeded"] == false).count()
        });
        let tokens = state["access_tokens"].as_object().map_or(0, |t| t.len());
        (failed, tokens)
    };
    let alation_runs = runs
        .iter()
        .filter(|(command, _)| command != "snapshot")
        .count();
    runtime
        .block_on(faulty.shutdown())
        .expect("the faulty sandbox saves its state");

    // Verification, without faults, from the saved state.
    let clean = start(
        runtime,
        SandboxOptions {
            persist: Some(workspace.persist_file()),
            ..SandboxOptions::default()
        },
    );
    workspace.configure(&Endpoints::of(&clean));
    let mut rerun_without_faults = false;
    if failed_step == Some("apply") && runs.last().is_some_and(|(_, code)| *code == 3) {
        let rerun = workspace.run(binary, &["apply", "--auto-approve"]);
        rerun_without_faults = rerun.status.success();
        if !rerun_without_faults {
            last_failure = first_line(
                &rerun,
                "apply without faults",
                rerun.status.code().unwrap_or(-1),
            );
        }
    }
    let verify = workspace.run(binary, &["plan", "--detailed-exitcode"]);
    let plan_code = verify.status.code().unwrap_or(-1);
    let (missing, unexpected) = if workspace.state_dir().is_dir() {
        let desired = workspace.desired();
        desired.compare(&stored_objects(&clean, &desired))
    } else {
        (Vec::new(), Vec::new())
    };
    runtime
        .block_on(clean.shutdown())
        .expect("the verifying sandbox stops");

    let outcome = if rerun_without_faults && plan_code == 0 {
        Outcome::ConvergedOnceFaultsStopped(last_failure)
    } else if let Some(step) = failed_step {
        Outcome::NotConverged(format!(
            "`{step}` failed {ATTEMPTS} times under faults: {}",
            last_failure
        ))
    } else if plan_code != 0 {
        Outcome::NotConverged(format!(
            "the fault-free plan after the cycle exited {plan_code}: {}",
            String::from_utf8_lossy(&verify.stdout)
        ))
    } else if let Some(error) = first_error {
        Outcome::ErrorThenConverged(error)
    } else if apply_partial {
        Outcome::Exit3ThenConverged
    } else {
        Outcome::Converged
    };
    CycleReport {
        seed,
        faults_injected,
        failed_jobs,
        token_renewals: tokens_issued.saturating_sub(alation_runs),
        runs,
        outcome,
        missing,
        unexpected,
    }
}

/// `command (exit N): first error line`.
fn first_line(output: &Output, command: &str, code: i32) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("error"))
        .or_else(|| stderr.lines().next())
        .unwrap_or_default();
    format!("{command} (exit {code}): {line}")
}

/// Runs the cycles of `seeds` on `workers` threads (the cycles mostly wait on
/// Retry-After and latency, so they overlap well), calling `report` for each as it ends.
pub fn run_cycles(
    runtime: &tokio::runtime::Runtime,
    binary: &Path,
    seeds: std::ops::Range<u64>,
    workers: usize,
    report: impl Fn(CycleReport) + Sync,
) {
    let next = std::sync::Mutex::new(seeds);
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| {
                loop {
                    let seed = next.lock().map(|mut seeds| seeds.next());
                    match seed {
                        Ok(Some(seed)) => report(run_cycle(runtime, binary, seed)),
                        _ => break,
                    }
                }
            });
        }
    });
}

/// Totals over many cycles, as the example prints them.
#[derive(Debug, Default, Clone)]
pub struct Totals {
    /// Cycles run.
    pub cycles: usize,
    /// Request faults injected.
    pub faults: usize,
    /// Alation jobs that ended failed.
    pub failed_jobs: usize,
    /// Access tokens renewed after expiring.
    pub token_renewals: usize,
    /// Cycles that converged at once.
    pub converged: usize,
    /// Cycles whose apply exited 3 and converged on a re-run.
    pub exit3_then_converged: usize,
    /// Cycles where a command exited 1 and converged on a re-run.
    pub error_then_converged: usize,
    /// Cycles whose applies kept exiting 3 under faults and converged once they stopped.
    pub converged_once_faults_stopped: usize,
    /// Cycles that did not converge.
    pub not_converged: usize,
    /// Objects lost or wrongly present, over all cycles.
    pub data_lost: usize,
}

impl Totals {
    /// Adds one cycle.
    pub fn add(&mut self, report: &CycleReport) {
        self.cycles += 1;
        self.faults += report.faults_injected;
        self.failed_jobs += report.failed_jobs;
        self.token_renewals += report.token_renewals;
        self.data_lost += report.data_lost();
        match report.outcome {
            Outcome::Converged => self.converged += 1,
            Outcome::Exit3ThenConverged => self.exit3_then_converged += 1,
            Outcome::ErrorThenConverged(_) => self.error_then_converged += 1,
            Outcome::ConvergedOnceFaultsStopped(_) => self.converged_once_faults_stopped += 1,
            Outcome::NotConverged(_) => self.not_converged += 1,
        }
    }
}
