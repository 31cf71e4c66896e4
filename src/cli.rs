//! Command-line types (clap derive). Parsing only: behaviour lives in [`crate::commands`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::sim::faults::FaultConfig;
use crate::sim::openmetadata::GenerateSpec;

/// metaform: keep data catalogs in sync the GitOps way.
#[derive(Debug, Parser)]
#[command(name = "metaform", version, about)]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once per process: the size of the enum does not matter"
)]
pub enum Command {
    /// Serve local simulators of the OpenMetadata and Alation REST APIs on loopback.
    Sandbox(SandboxArgs),
    /// Print a shell completion script to stdout.
    Completions(CompletionsArgs),
}

/// Flags of `metaform completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Flags of `metaform sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Seed the OpenMetadata sandbox from sample-data-shaped JSON in this directory.
    #[arg(long, value_name = "DIR", conflicts_with = "generate")]
    pub data: Option<PathBuf>,
    /// Seed the OpenMetadata sandbox with a generated catalog,
    /// `services x databases x schemas x tables x columns`, e.g. `1x2x3x100x20`.
    #[arg(long, value_name = "SPEC")]
    pub generate: Option<GenerateSpec>,
    /// Keep the sandboxes' state in this file across restarts (written atomically).
    /// When it exists, it is loaded instead of seeding.
    #[arg(long, value_name = "FILE")]
    pub persist: Option<PathBuf>,
    /// Port of the OpenMetadata API (0: ephemeral).
    #[arg(long, default_value_t = 8585)]
    pub openmetadata_port: u16,
    /// Port of the Alation API (0: ephemeral).
    #[arg(long, default_value_t = 8586)]
    pub alation_port: u16,
    /// Fault injection, deterministic under its seed, e.g.
    /// `seed=7,rate=0.1,kinds=429+5xx+drop+latency,latency_ms=50`. Other keys:
    /// `retry_after` (seconds), `paths` and `methods` (the requests in scope, `+`-joined;
    /// a path is a prefix, or a glob with `*`), `token_ttl` (seconds), `job_failure_rate`.
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<FaultConfig>,
    /// Lifetime of Alation API access tokens, in seconds (default: 24 hours).
    #[arg(long, value_name = "SECONDS")]
    pub access_token_ttl: Option<u64>,
    /// Lifetime of Alation refresh tokens, in seconds (default: 60 days).
    #[arg(long, value_name = "SECONDS")]
    pub refresh_token_ttl: Option<u64>,
    /// The bearer token the OpenMetadata sandbox accepts (default: a random JWT per start,
    /// or the persisted one).
    #[arg(
        long,
        value_name = "JWT",
        env = "METAFORM_SANDBOX_JWT",
        hide_env_values = true
    )]
    pub openmetadata_jwt: Option<String>,
}
