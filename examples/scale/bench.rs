//! The benchmark's steps, shared by `examples/scale.rs` and its smoke test in
//! `tests/it/scale_example.rs`: the sandbox started, the workspace written, each
//! `metaform` command run and measured, and the checks that must hold.

use std::path::{Path, PathBuf};

use metaform::api::alation::{MAX_COLUMNS_PER_WRITE, MAX_SCHEMAS_PER_WRITE, MAX_TABLES_PER_WRITE};
use metaform::sim::openmetadata::GenerateSpec;

use super::config::{Config, Endpoints};
use super::edit;
use super::measure::{self, Run};
use super::report::{self, Row};
use super::sandbox::{SandboxProcess, Usage};

/// What to run.
pub struct Options {
    /// The catalog, as `metaform sandbox --generate` takes it.
    pub spec: GenerateSpec,
    /// Latency injected for the last no-change plan, in milliseconds (none: not run).
    pub latency_ms: Option<u64>,
}

/// What a run measured.
pub struct Outcome {
    /// The measured steps, in order.
    pub rows: Vec<Row>,
    /// The sandbox's time to its ready line, in seconds.
    pub sandbox_ready_secs: f64,
    /// The sandbox's usage over the whole run (before the latency run).
    pub sandbox: Usage,
    /// The checks that did not hold.
    pub failures: Vec<String>,
    /// Why the run stopped early, if it did.
    pub error: Option<String>,
}

/// Runs every step with `binary` in `workspace` (an empty directory).
pub fn run(binary: &Path, workspace: &Path, options: &Options) -> Outcome {
    let mut bench = Bench {
        binary: binary.to_owned(),
        workspace: workspace.to_owned(),
        env: Vec::new(),
        outcome: Outcome {
            rows: Vec::new(),
            sandbox_ready_secs: 0.0,
            sandbox: Usage::default(),
            failures: Vec::new(),
            error: None,
        },
    };
    if let Err(err) = bench.all(options) {
        bench.outcome.error = Some(err);
    }
    bench.outcome
}

/// The fewest write requests that create `spec` in an empty Alation: per data source,
/// one creating it, then one per batch of schemas, of tables and of columns.
pub fn minimum_first_apply_writes(spec: &GenerateSpec) -> u64 {
    let batches = |count: usize, limit: usize| count.div_ceil(limit) as u64;
    let (schemas, tables) = (spec.schemas, spec.schemas * spec.tables);
    let per_datasource = 1
        + batches(schemas, MAX_SCHEMAS_PER_WRITE)
        + batches(tables, MAX_TABLES_PER_WRITE)
        + batches(tables * spec.columns, MAX_COLUMNS_PER_WRITE);
    (spec.services * spec.databases) as u64 * per_datasource
}

/// A run under way.
struct Bench {
    binary: PathBuf,
    workspace: PathBuf,
    /// The secrets `metaform.yaml` refers to.
    env: Vec<(&'static str, String)>,
    outcome: Outcome,
}

impl Bench {
    fn all(&mut self, options: &Options) -> Result<(), String> {
        let state_file = self.workspace.join("sandbox.json");
        let mut args = vec!["--generate".to_owned(), spec_text(&options.spec)];
        if options.latency_ms.is_some() {
            args.extend(["--persist".to_owned(), state_file.display().to_string()]);
        }
        let sandbox = self.start_sandbox(&args, "sandbox.log")?;
        self.outcome.sandbox_ready_secs = sandbox.ready_after.as_secs_f64();
        let outcome = self.workflow(&sandbox, &options.spec);
        self.outcome.sandbox = sandbox.usage();
        outcome.and(sandbox.stop())?;
        if let Some(millis) = options.latency_ms {
            self.with_latency(&state_file, millis)?;
        }
        Ok(())
    }

    /// The measured steps against `sandbox`.
    fn workflow(&mut self, sandbox: &SandboxProcess, spec: &GenerateSpec) -> Result<(), String> {
        let snapshot = self.step(sandbox, "snapshot", &["snapshot"], 0)?;
        let written = files_written(&snapshot.output);
        let again = self.step(sandbox, "snapshot again", &["snapshot"], 0)?;
        if files_written(&again.output) != Some(0) {
            self.fail(format!(
                "the second snapshot wrote files (the first wrote {written:?}): {}",
                again.tail(1)
            ));
        }
        self.step(sandbox, "first plan", &["plan"], 0)?;
        let full_plan = ["plan", "--out", "full-plan.json"];
        self.step(sandbox, "first plan --out", &full_plan, 0)?;
        let size = std::fs::metadata(self.workspace.join("full-plan.json")).map_or(0, |m| m.len());
        if let Some(row) = self.outcome.rows.last_mut() {
            row.step = format!("first plan --out ({:.1} MiB)", report::mebibytes(size));
        }
        let apply = self.step(sandbox, "first apply", &["apply", "--auto-approve"], 0)?;
        self.check_writes(&apply, minimum_first_apply_writes(spec));
        let plan = ["plan", "--detailed-exitcode"];
        self.step(sandbox, "no-change plan", &plan, 0)?;
        let edited = edit::edit_one_table_description(&self.workspace.join("state"))?;
        eprintln!("edited one table description in {}", edited.display());
        self.step(sandbox, "one-change plan", &plan, 2)?;
        let one_change = ["plan", "--out", "plan.json"];
        self.step(sandbox, "one-change plan --out", &one_change, 0)?;
        let apply = self.step(sandbox, "apply plan.json", &["apply", "plan.json"], 0)?;
        self.check_writes(&apply, 1);
        Ok(())
    }

    /// The no-change plan against a sandbox restarted from `state_file` with `millis`
    /// of latency on every request.
    fn with_latency(&mut self, state_file: &Path, millis: u64) -> Result<(), String> {
        let args = [
            "--persist".to_owned(),
            state_file.display().to_string(),
            "--faults".to_owned(),
            format!("rate=1,kinds=latency,latency_ms={millis}"),
        ];
        let sandbox = self.start_sandbox(&args, "sandbox-latency.log")?;
        let label = format!("no-change plan, {millis} ms latency");
        let outcome = self
            .step(&sandbox, &label, &["plan", "--detailed-exitcode"], 0)
            .map(drop);
        outcome.and(sandbox.stop())
    }

    /// Starts `metaform sandbox args…` and points `metaform.yaml` at it.
    fn start_sandbox(&mut self, args: &[String], log: &str) -> Result<SandboxProcess, String> {
        eprintln!("starting: metaform sandbox {}", args.join(" "));
        let sandbox = SandboxProcess::start(&self.binary, args, &self.workspace.join(log))?;
        let config = Config::default().render(&sandbox.endpoints);
        std::fs::write(self.workspace.join("metaform.yaml"), config)
            .map_err(|e| format!("cannot write metaform.yaml: {e}"))?;
        self.env = environment(&sandbox.endpoints);
        Ok(sandbox)
    }

    /// Runs `metaform args…`, measured, and records its row; an exit code other than
    /// `expected` ends the run, since every later step relies on this one.
    fn step(
        &mut self,
        sandbox: &SandboxProcess,
        label: &str,
        args: &[&str],
        expected: i32,
    ) -> Result<Run, String> {
        eprintln!("running: metaform {}", args.join(" "));
        let (traffic, cpu) = (sandbox.traffic()?, sandbox.usage().cpu);
        let run = measure::run(&self.binary, &self.workspace, &self.env, args)?;
        let (traffic, cpu) = (sandbox.traffic()? - traffic, sandbox.usage().cpu - cpu);
        self.outcome
            .rows
            .push(Row::new(label.to_owned(), &run, cpu, traffic));
        if run.code != Some(expected) {
            return Err(format!(
                "`metaform {}` exited with {:?}, expected {expected}:\n{}",
                args.join(" "),
                run.code,
                run.tail(20)
            ));
        }
        Ok(run)
    }

    /// Records the minimum beside the last row's writes, and a failed check when the
    /// sandbox received another number of writes or the apply reported another.
    fn check_writes(&mut self, apply: &Run, minimum: u64) {
        let Some(row) = self.outcome.rows.last_mut() else {
            return;
        };
        row.minimum_writes = Some(minimum);
        let (received, reported) = (row.writes(), reported_writes(&apply.output));
        if received != minimum || reported != Some(received) {
            let message = format!(
                "{}: {received} write request(s) received, {reported:?} reported by the apply, minimum {minimum}",
                row.step
            );
            self.fail(message);
        }
    }

    fn fail(&mut self, message: String) {
        self.outcome.failures.push(message);
    }
}

/// `services x databases x schemas x tables x columns`, as the sandbox takes it.
pub fn spec_text(spec: &GenerateSpec) -> String {
    format!(
        "{}x{}x{}x{}x{}",
        spec.services, spec.databases, spec.schemas, spec.tables, spec.columns
    )
}

/// The variables `metaform.yaml` takes the secrets from (it holds `${ENV}` references).
fn environment(endpoints: &Endpoints) -> Vec<(&'static str, String)> {
    vec![
        ("OM_JWT_TOKEN", endpoints.openmetadata_jwt.clone()),
        ("ALATION_REFRESH_TOKEN", endpoints.refresh_token.clone()),
        ("ALATION_USER_ID", endpoints.user_id.to_string()),
    ]
}

/// `N` from snapshot's summary `…: N file(s) written, …`.
fn files_written(output: &str) -> Option<u64> {
    number_before(output, " file(s) written")
}

/// `N` from apply's summary `… (N write request(s)).`.
fn reported_writes(output: &str) -> Option<u64> {
    number_before(output, " write request(s)")
}

/// The number just before the last occurrence of `marker` in `text`.
fn number_before(text: &str, marker: &str) -> Option<u64> {
    let before = &text[..text.rfind(marker)?];
    let start = before
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    before[start..].parse().ok()
}
