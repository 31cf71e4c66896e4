//! What `plan` and `apply` share: load the configuration and the desired state, refuse
//! names that the target would hold as one object (before any request), read the
//! target's current state, and compute the plan (SPEC §5). Everything here talks to the
//! target through the [`Target`] seam. The target counts its requests, the objects it
//! reads and the jobs it waits for in [`Session::progress`], shown while it reads.

use std::path::{Path, PathBuf};

use crate::config::{Config, Parallelism, VerifySsl};
use crate::core::model::Catalog;
use crate::core::plan::{self, CurrentState, DesiredState, Plan, PlanError, Policy};
use crate::error::{Error, Result};
use crate::output::Printer;
use crate::progress::Counters;
use crate::source;
use crate::target::{AnyTarget, Target};

/// A loaded configuration with its desired catalog and its target.
pub struct Session {
    /// The validated configuration.
    pub config: Config,
    /// The desired catalog read from the state directory.
    pub catalog: Catalog,
    /// The target.
    pub target: AnyTarget,
    /// The policy of SPEC §5.3 (`force` from the command line).
    pub policy: Policy,
    /// The runtime the adapters run on.
    pub runtime: tokio::runtime::Runtime,
    /// What the target has done so far: requests, objects read, jobs waiting.
    pub progress: Counters,
    /// The command's name, which labels its progress.
    label: &'static str,
    printer: Printer,
}

/// Leaves `value` to the end of the process instead of dropping it: a command that is
/// about to exit would otherwise spend its last seconds freeing a catalog of millions of
/// objects one allocation at a time. Only for values whose drop does nothing else (no
/// file, lock or connection to close).
pub fn keep_until_exit<T>(value: T) {
    let _kept = std::mem::ManuallyDrop::new(value);
}

/// The inputs and the outcome of planning.
pub struct Planned {
    /// The desired state, its objects to create taken out by the plan
    /// ([`plan::plan_taking`]): kept only to be left to the end of the process.
    pub desired: DesiredState,
    /// The desired state's sha256 ([`plan::desired_sha256`]), when asked for.
    pub desired_sha256: Option<String>,
    /// What the target holds now.
    pub current: CurrentState,
    /// The plan, or why the policy refuses it.
    pub outcome: std::result::Result<Plan, PlanError>,
}

impl Session {
    /// Loads the configuration at `config_path` and the desired state it names, and
    /// builds the target. `force` lifts the percentage guards; `parallelism` (the flag)
    /// overrides the configured one; `label` (the command's name) labels the progress
    /// shown with `printer`.
    pub fn open(
        config_path: &Path,
        force: bool,
        parallelism: Option<Parallelism>,
        label: &'static str,
        printer: &Printer,
    ) -> Result<Session> {
        let config = Config::load(config_path)?.with_parallelism(parallelism);
        let target_config = config.target()?;
        if target_config.tls().verify == VerifySsl::Ignore {
            printer.warn(
                "`target.verifySSL: ignore`: TLS certificates of the target are not verified",
            );
        }
        let source_kind = source::kind_of(config.source.as_ref().map(|s| &s.connection));
        let progress = Counters::new();
        let target = AnyTarget::from_config(target_config, source_kind, &config.file)?
            .with_progress(&progress);
        let catalog = super::state_dir::read_state_dir(&config.state_dir)?;
        refuse_name_conflicts(&config.state_dir, &catalog, &target)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let policy = Policy {
            force,
            ..config.policy.clone()
        };
        Ok(Session {
            config,
            catalog,
            target,
            policy,
            runtime,
            progress,
            label,
            printer: printer.clone(),
        })
    }

    /// The desired objects of the catalog, as the target sees them.
    pub fn desired(&self) -> DesiredState {
        self.target.desired_state(&self.catalog)
    }

    /// Reads the target's current state for the desired databases, showing progress.
    pub fn read_current(&self) -> Result<CurrentState> {
        let _reading = self.printer.progress(self.label, &self.progress);
        self.runtime
            .block_on(self.target.read_current(&self.catalog))
    }

    /// Reads the current state and computes the plan, with the desired state's sha256
    /// when `with_sha256` (to save the plan). The created objects move from the desired
    /// state into the plan, so that a first plan holds them once.
    pub fn plan(&self, with_sha256: bool) -> Result<Planned> {
        let mut desired = self.desired();
        let desired_sha256 = with_sha256.then(|| plan::desired_sha256(&desired));
        let current = self.read_current()?;
        let outcome = plan_checked(&mut desired, &current, &self.policy)?;
        Ok(Planned {
            desired,
            desired_sha256,
            current,
            outcome,
        })
    }
}

/// The plan of `desired` against `current`; an input that cannot be planned at all
/// (a malformed, unbound or repeated address) is an error, a policy refusal is kept.
fn plan_checked(
    desired: &mut DesiredState,
    current: &CurrentState,
    policy: &Policy,
) -> Result<std::result::Result<Plan, PlanError>> {
    let outcome = plan::plan_taking(desired, current, policy);
    if let Err(
        err @ (PlanError::BadAddress { .. }
        | PlanError::Unbound { .. }
        | PlanError::Duplicate { .. }),
    ) = &outcome
    {
        return Err(Error::Plan(err.clone()));
    }
    Ok(outcome)
}

/// Refuses a desired catalog holding names that the target would hold as one object,
/// before any request: every apply would overwrite or re-create one with the other.
/// Each conflict names both objects and their files.
fn refuse_name_conflicts(dir: &Path, catalog: &Catalog, target: &impl Target) -> Result<()> {
    if target
        .name_conflicts(catalog, &|_| String::new())
        .is_empty()
    {
        return Ok(());
    }
    let (files, _) = super::state_dir::collect_files(dir)?;
    let paths: Vec<PathBuf> = files.into_iter().map(|f| f.path).collect();
    let lines: Vec<String> = super::validate::name_conflict_problems(dir, &paths, |file_of| {
        target.name_conflicts(catalog, file_of)
    })
    .iter()
    .map(|p| p.in_dir(dir).to_string())
    .collect();
    if lines.is_empty() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{} name collision(s) in the state files under `{}`:\n{}",
        lines.len(),
        dir.display(),
        lines.join("\n")
    )))
}
