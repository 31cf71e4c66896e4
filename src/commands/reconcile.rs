//! What `plan` and `apply` share: load the configuration and the desired state, refuse
//! names that Alation would hold as one object (before any request), read the target's
//! current state, and compute the plan (SPEC §5).

use std::path::{Path, PathBuf};

use crate::api::alation::{AlationClient, AlationConfig};
use crate::config::{AlationTarget, Config, TargetConfig, VerifySsl};
use crate::core::model::Catalog;
use crate::core::plan::{self, CurrentState, DesiredState, Plan, PlanError, Policy};
use crate::error::{Error, Result};
use crate::http::{HttpClient, HttpOptions};
use crate::output::Printer;
use crate::target::alation::{self, collisions, mapping};

/// A loaded configuration with its desired catalog and a client of the target.
pub struct Session {
    /// The validated configuration.
    pub config: Config,
    /// The desired catalog read from the state directory.
    pub catalog: Catalog,
    /// The Alation client.
    pub client: AlationClient,
    /// The Alation target: how unlinked databases are created, and `datasourceLinks`.
    pub target: AlationTarget,
    /// The policy of SPEC §5.3 (`force` from the command line).
    pub policy: Policy,
    /// The runtime the adapters run on.
    pub runtime: tokio::runtime::Runtime,
}

/// The inputs and the outcome of planning.
pub struct Planned {
    /// The desired objects, as the target sees them.
    pub desired: DesiredState,
    /// What the target holds now.
    pub current: CurrentState,
    /// The plan, or why the policy refuses it.
    pub outcome: std::result::Result<Plan, PlanError>,
}

impl Session {
    /// Loads the configuration at `config_path` and the desired state it names, and
    /// builds the target's client. `force` lifts the percentage guards.
    pub fn open(config_path: &Path, force: bool, printer: &Printer) -> Result<Session> {
        let config = Config::load(config_path)?;
        let target = match config.target()? {
            TargetConfig::Alation(target) => target.clone(),
            TargetConfig::OpenMetadata(_) => {
                return Err(Error::Usage(format!(
                    "{}: `target.type: openmetadata` is not supported by plan and apply yet; use `type: alation`",
                    config.file.display()
                )));
            }
        };
        if target.tls.verify == VerifySsl::Ignore {
            printer.warn(
                "`target.verifySSL: ignore`: TLS certificates of the target are not verified",
            );
        }
        let catalog = super::state_dir::read_state_dir(&config.state_dir)?;
        refuse_key_collisions(&config.state_dir, &catalog)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let client = alation_client(&target, target.http_options())?;
        let policy = Policy {
            force,
            ..config.policy.clone()
        };
        Ok(Session {
            config,
            catalog,
            client,
            target,
            policy,
            runtime,
        })
    }

    /// The desired objects of the catalog, as the target sees them.
    pub fn desired(&self) -> DesiredState {
        DesiredState {
            datasources: mapping::desired_datasources(&self.catalog),
            objects: mapping::desired_objects(&self.catalog),
        }
    }

    /// Reads the target's current state for the desired databases.
    pub fn read_current(&self) -> Result<CurrentState> {
        self.runtime
            .block_on(alation::read_current(
                &self.client,
                &self.catalog.databases,
                &self.target.datasource_links,
                self.target.create_datasource_as,
            ))
            .map_err(|e| Error::Service(format!("reading Alation: {e}")))
    }

    /// Reads the current state and computes the plan.
    pub fn plan(&self) -> Result<Planned> {
        let desired = self.desired();
        let current = self.read_current()?;
        let outcome = plan::plan(&desired, &current, &self.policy);
        if let Err(
            err @ (PlanError::BadAddress { .. }
            | PlanError::Unbound { .. }
            | PlanError::Duplicate { .. }),
        ) = &outcome
        {
            return Err(Error::Usage(err.to_string()));
        }
        Ok(Planned {
            desired,
            current,
            outcome,
        })
    }
}

/// Refuses a desired catalog holding names that Alation would hold as one object
/// ([`collisions::key_collisions`]), before any request: every apply would overwrite or
/// re-create one with the other. Each collision names both objects and their files.
fn refuse_key_collisions(dir: &Path, catalog: &Catalog) -> Result<()> {
    if collisions::key_collisions(catalog).is_empty() {
        return Ok(());
    }
    let (files, _) = super::state_dir::collect_files(dir)?;
    let paths: Vec<PathBuf> = files.into_iter().map(|f| f.path).collect();
    let lines: Vec<String> = super::validate::key_collision_problems(dir, &paths, catalog)
        .iter()
        .map(|p| p.in_dir(dir).to_string())
        .collect();
    Err(Error::Usage(format!(
        "{} name collision(s) in the state files under `{}`:\n{}",
        lines.len(),
        dir.display(),
        lines.join("\n")
    )))
}

/// The Alation client the target configuration describes (its job wait included), over
/// HTTP with `options`.
pub(super) fn alation_client(
    target: &AlationTarget,
    options: HttpOptions,
) -> Result<AlationClient> {
    let http = HttpClient::new(&options).map_err(|e| Error::Usage(format!("target: {e}")))?;
    Ok(AlationClient::new(
        http,
        AlationConfig {
            base_url: target.host_port.clone(),
            auth: target.auth.clone(),
            page_size: target.pagination_limit,
            polling: target.limits.job_polling(),
        },
    ))
}
