//! One fault-matrix cycle: snapshot, plan and apply, run as the real `metaform` binary
//! against in-process sandboxes that inject faults under a seed, then a fault-free
//! verification that the target holds exactly the desired catalog.
//!
//! Shared by the integration test (20 seeds) and `examples/fault_matrix.rs` (any
//! number of seeds), so both measure the same thing. The seed also picks the cycle's
//! [`Variant`]: creating a catalog in virtual data sources, deleting what the source
//! dropped from an applied one (`prune: owned`), or creating in OCF data sources and
//! then seeing the source's drops become orphans.
//!
//! The verification never goes through the faulty sandbox: it is shut down (saving its
//! state), and a fault-free sandbox is started from the saved file for the last `plan`;
//! the stored objects are read from that sandbox's state directly. Data sources are
//! counted per marker (the `uri` `metaform://openmetadata/<fqn>`): more than one for a
//! database is a duplicate, reported as such; the objects are compared in the one with
//! the lowest id, which is the one `plan` binds.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use metaform::core::objects::ObjectKind;
use metaform::sim::faults::{Fault, FaultConfig};
use metaform::sim::{Sandbox, SandboxOptions, Seed};
use metaform::target::alation::{keys, mapping};

pub use super::config::Endpoints;
use super::config::{Config, Secrets};

/// The catalog every cycle starts from: 2 databases, 4 schemas, 16 tables, 80 columns.
pub const CATALOG: &str = "1x2x2x4x5";

/// The faults of a cycle under `seed`: 10% of requests get a 429 (Retry-After 1 s), a
/// 5xx, a dropped connection, a lost answer (handled, then dropped) or 20 ms of
/// latency; access tokens live 2 s; 10% of jobs fail.
pub fn fault_spec(seed: u64) -> String {
    format!(
        "seed={seed},rate=0.1,kinds=429+5xx+drop+latency+lost,latency_ms=20,retry_after=1,\
         token_ttl=2,job_failure_rate=0.1"
    )
}

/// Runs of each step under faults; an apply that still exits 3 is run once more after
/// the faults stop.
const ATTEMPTS: usize = 5;

/// What a cycle does under faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The catalog is created in virtual data sources.
    Create,
    /// The catalog is applied without faults, the source drops tables and columns, and
    /// the deletes (`prune: owned`, in virtual data sources) run under faults.
    Delete,
    /// The catalog is created in OCF data sources under faults, then the source drops
    /// tables and columns and the next cycle, under faults too, must leave them as
    /// orphans.
    Ocf,
}

impl Variant {
    /// The variant of the cycle under `seed`: the three in turn.
    pub fn of(seed: u64) -> Variant {
        match seed % 3 {
            1 => Variant::Create,
            2 => Variant::Delete,
            _ => Variant::Ocf,
        }
    }

    /// The `createDatasourceAs` of its configuration.
    fn create_as(self) -> &'static str {
        match self {
            Variant::Ocf => "ocf",
            Variant::Create | Variant::Delete => "virtual",
        }
    }
}

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
    /// What the cycle did.
    pub variant: Variant,
    /// Request faults the sandboxes injected (their fault logs).
    pub faults_injected: usize,
    /// Of those, answers lost after the request was handled.
    pub lost_answers: usize,
    /// Of those, answers lost to a data source create (the data source exists, the
    /// client does not know it).
    pub lost_datasource_creates: usize,
    /// Alation jobs that ended failed.
    pub failed_jobs: usize,
    /// Access tokens renewed after expiring: tokens issued beyond one per `plan` or
    /// `apply` run.
    pub token_renewals: usize,
    /// `command exit-code` of every run under faults, in order.
    pub runs: Vec<(String, i32)>,
    /// How it ended.
    pub outcome: Outcome,
    /// Objects the source dropped during the cycle (deleted, or orphans for OCF).
    pub dropped: usize,
    /// Dropped objects still in Alation as orphans (OCF data sources only).
    pub orphans: usize,
    /// Data sources beyond the first carrying a database's marker, as
    /// `marker: [ids]` (all of its data sources).
    pub duplicates: Vec<String>,
    /// Desired objects (data sources included) missing from Alation after the cycle.
    pub missing: Vec<Vec<String>>,
    /// Objects in Alation that are neither desired nor an allowed orphan.
    pub unexpected: Vec<Vec<String>>,
}

impl CycleReport {
    /// Objects lost or wrongly present: must be 0.
    pub fn data_lost(&self) -> usize {
        self.missing.len() + self.unexpected.len()
    }

    /// Duplicate data sources: must be 0.
    pub fn duplicate_datasources(&self) -> usize {
        self.duplicates.len()
    }

    /// Whether the cycle ended as it must: converged, nothing lost, no duplicate.
    pub fn is_clean(&self) -> bool {
        !matches!(self.outcome, Outcome::NotConverged(_))
            && self.data_lost() == 0
            && self.duplicates.is_empty()
    }

    /// A one-paragraph description, for failure messages.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "seed {} ({:?}): {:?}, {} request fault(s) ({} lost answer(s), {} to data source \
             creates), {} failed job(s), {} token renewal(s), {} dropped, {} orphan(s), runs:",
            self.seed,
            self.variant,
            self.outcome,
            self.faults_injected,
            self.lost_answers,
            self.lost_datasource_creates,
            self.failed_jobs,
            self.token_renewals,
            self.dropped,
            self.orphans
        );
        for (command, code) in &self.runs {
            let _ = write!(text, " {command}={code}");
        }
        if !self.duplicates.is_empty() {
            let _ = write!(text, "; DUPLICATE data sources {:?}", self.duplicates);
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
        self.configure_as(endpoints, "virtual");
    }

    /// Writes a configuration for these endpoints and credentials that creates data
    /// sources as `create_as` (`virtual` or `ocf`) and deletes owned objects. The
    /// secrets are in the file: the runs set no environment.
    pub fn configure_as(&self, endpoints: &Endpoints, create_as: &'static str) {
        let config = Config {
            secrets: Secrets::Inline,
            create_as: Some(create_as),
            state: Some("state/"),
            policy: Some(
                "  prune: owned\n  maxDeletePercent: 100\n  maxUpdatePercent: 100\n".into(),
            ),
            ..Config::default()
        };
        std::fs::write(self.config(), config.render(endpoints))
            .expect("the configuration is written");
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
                    keys::marker("openmetadata", &d.service, &d.name),
                    vec![d.service.clone(), d.name.clone()],
                )
            })
            .collect();
        Desired { objects, markers }
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
    /// The desired objects absent from `stored` (data sources included), and the stored
    /// ones neither desired nor in `orphans`.
    pub fn compare(
        &self,
        stored: &Stored,
        orphans: &BTreeSet<Vec<String>>,
    ) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
        let mut missing: Vec<_> = self
            .markers
            .iter()
            .filter(|(marker, _)| !stored.datasources.contains_key(*marker))
            .map(|(_, path)| path.clone())
            .collect();
        missing.extend(self.objects.difference(&stored.objects).cloned());
        let unexpected = stored
            .objects
            .difference(&self.objects)
            .filter(|path| !orphans.contains(*path))
            .cloned()
            .collect();
        (missing, unexpected)
    }
}

/// What an Alation sandbox stores for the desired data sources.
#[derive(Debug, Default)]
pub struct Stored {
    /// Marker -> the ids of every data source carrying it, lowest first.
    pub datasources: BTreeMap<String, Vec<u64>>,
    /// The schemas, tables and columns in the first data source of each marker, as
    /// address paths `[service, database, schema(, table(, column))]`.
    pub objects: BTreeSet<Vec<String>>,
}

impl Stored {
    /// `marker: [ids]` of each marker carried by more than one data source.
    pub fn duplicates(&self) -> Vec<String> {
        self.datasources
            .iter()
            .filter(|(_, ids)| ids.len() > 1)
            .map(|(marker, ids)| format!("{marker}: {ids:?}"))
            .collect()
    }
}

/// What an Alation sandbox stores under the desired data sources; read from its state,
/// never through the (faulty) API.
pub fn stored_objects(sandbox: &Sandbox, desired: &Desired) -> Stored {
    let state = serde_json::to_value(&*sandbox.alation_state().read())
        .expect("the Alation state serialises");
    stored_objects_in(&state, desired)
}

/// [`stored_objects`] over a serialised Alation state.
pub fn stored_objects_in(state: &serde_json::Value, desired: &Desired) -> Stored {
    let entries = |name: &str| -> Vec<serde_json::Value> {
        state[name]
            .as_object()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    };
    let id = |v: &serde_json::Value, field: &str| v[field].as_u64().unwrap_or(u64::MAX);
    let name = |v: &serde_json::Value| v["name"].as_str().unwrap_or_default().to_owned();
    let mut stored = Stored::default();
    for ds in entries("datasources") {
        if let Some(marker) = ds["uri"]
            .as_str()
            .filter(|m| desired.markers.contains_key(*m))
        {
            let ids = stored.datasources.entry(marker.to_owned()).or_default();
            ids.push(id(&ds, "id"));
            ids.sort_unstable();
        }
    }
    let mut paths: BTreeMap<(&str, u64), Vec<String>> = stored
        .datasources
        .iter()
        .map(|(marker, ids)| (("ds", ids[0]), desired.markers[marker].clone()))
        .collect();
    for (kind, parent_kind, parent_field) in [
        ("schemas", "ds", "ds_id"),
        ("tables", "schemas", "schema_id"),
        ("columns", "tables", "table_id"),
    ] {
        for item in entries(kind) {
            if let Some(parent) = paths.get(&(parent_kind, id(&item, parent_field))) {
                let mut path = parent.clone();
                path.push(name(&item));
                stored.objects.insert(path.clone());
                paths.insert((kind, id(&item, "id")), path);
            }
        }
    }
    stored
}

/// Drops, in the OpenMetadata sandbox, a quarter of the tables and the last column of
/// some others, chosen by `seed`; never a table or column that a constraint names.
pub fn drop_from_source(sandbox: &Sandbox, seed: u64) {
    let mut state = sandbox.openmetadata_state().write();
    let slots: Vec<u32> = (0..u32::try_from(state.tables.len()).unwrap_or(u32::MAX))
        .filter(|slot| state.tables.get(*slot).is_some())
        .collect();
    let referred: BTreeSet<String> = state
        .tables
        .iter()
        .flat_map(|t| &t.table_constraints)
        .flat_map(|c| c.referred_columns.iter().flatten())
        .map(|column| column.to_string())
        .collect();
    for slot in slots {
        let pick = (u64::from(slot) + seed) % 12;
        let Some(table) = state.tables.get(slot) else {
            continue;
        };
        let fqn = format!("{}.", table.common.fully_qualified_name);
        if pick.is_multiple_of(4) && !referred.iter().any(|c| c.starts_with(&fqn)) {
            state.remove_table(slot);
        } else if pick.is_multiple_of(3)
            && let Some(table) = state.tables.get_mut(slot)
            && table.columns.len() > 1
            && let Some(last) = table.columns.last()
            && last.constraint.is_none()
            && !table
                .table_constraints
                .iter()
                .any(|c| c.columns.iter().any(|n| *n == *last.name))
            && !referred.contains(&format!("{fqn}{}", last.name))
        {
            table.columns.pop();
        }
    }
}

/// Starts sandboxes on a runtime that outlives this call.
pub fn start(runtime: &tokio::runtime::Runtime, options: SandboxOptions) -> Sandbox {
    runtime
        .block_on(Sandbox::start(options))
        .unwrap_or_else(|err| panic!("the sandboxes did not start: {err}"))
}

/// The runs of the commands under faults, and what they said.
#[derive(Default)]
struct Runs {
    /// `command exit-code`, in order.
    codes: Vec<(String, i32)>,
    /// The first error other than a partial apply.
    first_error: Option<String>,
    /// The last failure.
    last_failure: String,
    /// Whether an apply exited 3.
    apply_partial: bool,
}

impl Runs {
    /// Runs snapshot, plan and apply, each up to [`ATTEMPTS`] times until it succeeds;
    /// the step that never did, if any.
    fn steps(&mut self, workspace: &Workspace, binary: &Path) -> Option<&'static str> {
        let steps: [(&'static str, &[&str], &[i32]); 3] = [
            ("snapshot", &["snapshot"], &[0]),
            ("plan", &["plan", "--detailed-exitcode"], &[0, 2]),
            ("apply", &["apply", "--auto-approve"], &[0]),
        ];
        for (name, args, ok) in steps {
            let mut done = false;
            for _ in 0..ATTEMPTS {
                let output = workspace.run(binary, args);
                let code = output.status.code().unwrap_or(-1);
                self.codes.push((name.to_owned(), code));
                if ok.contains(&code) {
                    done = true;
                    break;
                }
                self.last_failure = first_line(&output, name, code);
                if name == "apply" && code == 3 {
                    self.apply_partial = true;
                } else if self.first_error.is_none() {
                    self.first_error = Some(first_line(&output, name, code));
                }
            }
            if !done {
                return Some(name);
            }
        }
        None
    }
}

/// Applies the generated catalog without faults and drops part of it from the source,
/// leaving the state in the workspace's persist file; the desired objects before the
/// drop, or why the setup failed.
fn applied_then_dropped(
    runtime: &tokio::runtime::Runtime,
    binary: &Path,
    workspace: &Workspace,
    seed: u64,
) -> Result<BTreeSet<Vec<String>>, String> {
    let setup = start(
        runtime,
        SandboxOptions {
            seed: Seed::Generated(CATALOG.parse().expect("a valid catalog spec")),
            persist: Some(workspace.persist_file()),
            ..SandboxOptions::default()
        },
    );
    workspace.configure_as(&Endpoints::of(&setup), Variant::Delete.create_as());
    let mut result = Ok(());
    for (name, args) in [
        ("snapshot", &["snapshot"][..]),
        ("apply", &["apply", "--auto-approve"][..]),
    ] {
        let output = workspace.run(binary, args);
        if !output.status.success() {
            let code = output.status.code().unwrap_or(-1);
            result = Err(first_line(&output, &format!("setup {name}"), code));
            break;
        }
    }
    let before = result.map(|()| workspace.desired().objects);
    drop_from_source(&setup, seed);
    runtime
        .block_on(setup.shutdown())
        .expect("the setup sandbox saves its state");
    before
}

/// Runs one cycle under fault seed `seed` with the `metaform` binary at `binary`.
pub fn run_cycle(runtime: &tokio::runtime::Runtime, binary: &Path, seed: u64) -> CycleReport {
    let variant = Variant::of(seed);
    let workspace = Workspace::new();
    let faults: FaultConfig = fault_spec(seed).parse().expect("a valid fault spec");
    let mut runs = Runs::default();
    // The desired objects before the source dropped some, in the variants that drop.
    let mut before = None;
    let mut failed_step = None;
    let seed_of_faulty = match variant {
        Variant::Delete => match applied_then_dropped(runtime, binary, &workspace, seed) {
            Ok(objects) => {
                before = Some(objects);
                // Started from the saved state.
                Seed::Empty
            }
            Err(failure) => {
                runs.last_failure = failure;
                failed_step = Some("setup");
                Seed::Empty
            }
        },
        Variant::Create | Variant::Ocf => {
            Seed::Generated(CATALOG.parse().expect("a valid catalog spec"))
        }
    };
    let faulty = start(
        runtime,
        SandboxOptions {
            seed: seed_of_faulty,
            persist: Some(workspace.persist_file()),
            faults,
            ..SandboxOptions::default()
        },
    );
    workspace.configure_as(&Endpoints::of(&faulty), variant.create_as());
    if failed_step.is_none() {
        failed_step = runs.steps(&workspace, binary);
    }
    if variant == Variant::Ocf && failed_step.is_none() {
        before = Some(workspace.desired().objects);
        drop_from_source(&faulty, seed);
        failed_step = runs.steps(&workspace, binary);
    }
    let alation_log = faulty.alation_faults().records();
    let openmetadata_log = faulty.openmetadata_faults().records();
    let faults_injected = alation_log.len() + openmetadata_log.len();
    let lost: Vec<_> = alation_log
        .iter()
        .chain(&openmetadata_log)
        .filter(|r| r.fault == Fault::Lost)
        .collect();
    let lost_datasource_creates = lost
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/datasource/"))
        .count();
    let (failed_jobs, tokens_issued) = {
        let state = serde_json::to_value(&*faulty.alation_state().read())
            .expect("the Alation state serialises");
        let failed = state["jobs"].as_object().map_or(0, |jobs| {
            jobs.values().filter(|j| j["succeeded"] == false).count()
        });
        let tokens = state["access_tokens"].as_object().map_or(0, |t| t.len());
        (failed, tokens)
    };
    // Tokens of the setup's runs are in the saved state too.
    let token_runs = runs
        .codes
        .iter()
        .filter(|(command, _)| command != "snapshot")
        .count()
        + usize::from(variant == Variant::Delete);
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
    workspace.configure_as(&Endpoints::of(&clean), variant.create_as());
    let mut rerun_without_faults = false;
    if failed_step == Some("apply") && runs.codes.last().is_some_and(|(_, code)| *code == 3) {
        let rerun = workspace.run(binary, &["apply", "--auto-approve"]);
        rerun_without_faults = rerun.status.success();
        if !rerun_without_faults {
            runs.last_failure = first_line(
                &rerun,
                "apply without faults",
                rerun.status.code().unwrap_or(-1),
            );
        }
    }
    let verify = workspace.run(binary, &["plan", "--detailed-exitcode"]);
    let plan_code = verify.status.code().unwrap_or(-1);
    let mut stored = Stored::default();
    let (mut missing, mut unexpected) = (Vec::new(), Vec::new());
    let (mut dropped, mut orphans) = (BTreeSet::new(), 0);
    if workspace.state_dir().is_dir() {
        let desired = workspace.desired();
        stored = stored_objects(&clean, &desired);
        if let Some(before) = &before {
            dropped = before.difference(&desired.objects).cloned().collect();
        }
        // Only an OCF data source keeps what the source dropped, as orphans.
        let allowed = if variant == Variant::Ocf {
            dropped.clone()
        } else {
            BTreeSet::new()
        };
        orphans = stored.objects.intersection(&allowed).count();
        (missing, unexpected) = desired.compare(&stored, &allowed);
    }
    runtime
        .block_on(clean.shutdown())
        .expect("the verifying sandbox stops");

    let outcome = if rerun_without_faults && plan_code == 0 {
        Outcome::ConvergedOnceFaultsStopped(runs.last_failure.clone())
    } else if failed_step == Some("setup") {
        Outcome::NotConverged(format!(
            "the fault-free setup failed: {}",
            runs.last_failure
        ))
    } else if let Some(step) = failed_step {
        Outcome::NotConverged(format!(
            "`{step}` failed {ATTEMPTS} times under faults: {}",
            runs.last_failure
        ))
    } else if plan_code != 0 {
        Outcome::NotConverged(format!(
            "the fault-free plan after the cycle exited {plan_code}: {}{}",
            String::from_utf8_lossy(&verify.stdout),
            String::from_utf8_lossy(&verify.stderr)
        ))
    } else if variant != Variant::Create && dropped.is_empty() {
        Outcome::NotConverged("the source dropped nothing: no delete or orphan was tested".into())
    } else if variant == Variant::Ocf && orphans != dropped.len() {
        Outcome::NotConverged(format!(
            "only {orphans} of the {} objects the source dropped are left as orphans",
            dropped.len()
        ))
    } else if let Some(error) = runs.first_error.clone() {
        Outcome::ErrorThenConverged(error)
    } else if runs.apply_partial {
        Outcome::Exit3ThenConverged
    } else {
        Outcome::Converged
    };
    CycleReport {
        seed,
        variant,
        faults_injected,
        lost_answers: lost.len(),
        lost_datasource_creates,
        failed_jobs,
        token_renewals: tokens_issued.saturating_sub(token_runs),
        runs: runs.codes,
        outcome,
        dropped: dropped.len(),
        orphans,
        duplicates: stored.duplicates(),
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
    /// Of those, cycles deleting in virtual data sources.
    pub delete_cycles: usize,
    /// Of those, cycles with OCF data sources.
    pub ocf_cycles: usize,
    /// Request faults injected.
    pub faults: usize,
    /// Of those, answers lost after the request was handled.
    pub lost_answers: usize,
    /// Of those, answers lost to a data source create.
    pub lost_datasource_creates: usize,
    /// Alation jobs that ended failed.
    pub failed_jobs: usize,
    /// Access tokens renewed after expiring.
    pub token_renewals: usize,
    /// Objects the source dropped (deleted in virtual data sources, orphans in OCF ones).
    pub dropped: usize,
    /// Dropped objects left as orphans in OCF data sources.
    pub orphans: usize,
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
    /// Duplicate data sources (beyond one per database), over all cycles.
    pub duplicate_datasources: usize,
    /// Desired objects missing from Alation, over all cycles.
    pub objects_lost: usize,
    /// Objects in Alation neither desired nor an allowed orphan, over all cycles.
    pub objects_unexpected: usize,
}

impl Totals {
    /// Adds one cycle.
    pub fn add(&mut self, report: &CycleReport) {
        self.cycles += 1;
        self.delete_cycles += usize::from(report.variant == Variant::Delete);
        self.ocf_cycles += usize::from(report.variant == Variant::Ocf);
        self.faults += report.faults_injected;
        self.lost_answers += report.lost_answers;
        self.lost_datasource_creates += report.lost_datasource_creates;
        self.failed_jobs += report.failed_jobs;
        self.token_renewals += report.token_renewals;
        self.dropped += report.dropped;
        self.orphans += report.orphans;
        self.duplicate_datasources += report.duplicate_datasources();
        self.objects_lost += report.missing.len();
        self.objects_unexpected += report.unexpected.len();
        match report.outcome {
            Outcome::Converged => self.converged += 1,
            Outcome::Exit3ThenConverged => self.exit3_then_converged += 1,
            Outcome::ErrorThenConverged(_) => self.error_then_converged += 1,
            Outcome::ConvergedOnceFaultsStopped(_) => self.converged_once_faults_stopped += 1,
            Outcome::NotConverged(_) => self.not_converged += 1,
        }
    }

    /// Whether every cycle converged with nothing lost and no duplicate.
    pub fn is_clean(&self) -> bool {
        self.not_converged == 0
            && self.duplicate_datasources == 0
            && self.objects_lost == 0
            && self.objects_unexpected == 0
    }

    /// The figures, one per line.
    pub fn lines(&self) -> Vec<String> {
        let converged = self.cycles - self.not_converged;
        [
            ("cycles run", self.cycles),
            ("  deleting (virtual, prune)", self.delete_cycles),
            ("  with OCF data sources", self.ocf_cycles),
            ("request faults injected", self.faults),
            ("  of which lost answers", self.lost_answers),
            ("    to data source creates", self.lost_datasource_creates),
            ("jobs failed by the sandbox", self.failed_jobs),
            ("access tokens renewed", self.token_renewals),
            ("objects dropped by the source", self.dropped),
            ("  left as orphans (OCF)", self.orphans),
            ("cycles converged", converged),
            ("  at once", self.converged),
            ("  exit 3, then converged", self.exit3_then_converged),
            ("  exit 1, then converged", self.error_then_converged),
            (
                "  exit 3 until faults stopped",
                self.converged_once_faults_stopped,
            ),
            ("not converged", self.not_converged),
            ("duplicate data sources", self.duplicate_datasources),
            ("objects lost", self.objects_lost),
            ("objects wrongly present", self.objects_unexpected),
        ]
        .into_iter()
        .map(|(label, n)| format!("{:<31}{n}", format!("{label}:")))
        .collect()
    }
}
