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
    /// Read the source catalog into the desired-state files.
    Snapshot(SnapshotArgs),
    /// Serve local simulators of the OpenMetadata and Alation REST APIs on loopback.
    Sandbox(SandboxArgs),
    /// Check every desired-state file offline; report problems as `file:line:column: message`.
    Validate(ValidateArgs),
    /// Rewrite desired-state files in canonical form.
    Fmt(FmtArgs),
    /// Print the JSON Schema of a file metaform reads.
    Schema(SchemaArgs),
    /// Print a shell completion script to stdout.
    Completions(CompletionsArgs),
}

/// Flags of `metaform validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Directory of the desired-state files.
    #[arg(long, value_name = "DIR", default_value = "state")]
    pub state: PathBuf,
}

/// Flags of `metaform fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Directory of the desired-state files.
    #[arg(long, value_name = "DIR", default_value = "state")]
    pub state: PathBuf,
    /// Change nothing; list the files that are not canonical and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
}

/// Arguments of `metaform schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which file's schema to print.
    #[command(subcommand)]
    pub document: SchemaDocument,
}

/// The documents `metaform schema` describes.
#[derive(Debug, Subcommand)]
pub enum SchemaDocument {
    /// A desired-state file (`_database.yaml` or `<schema>.yaml`).
    State,
    /// The configuration file (`metaform.yaml`).
    Config,
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

/// Flags of `metaform snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The configuration file; relative paths in it are resolved against its directory.
    #[arg(long, value_name = "FILE", default_value = crate::config::DEFAULT_CONFIG_FILE)]
    pub config: PathBuf,
}
