//! Command-line types (clap derive). Parsing only: behaviour lives in [`crate::commands`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::output::ColorChoice;
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
    /// Show what apply would change in the target, and why. Never writes to a catalog.
    Plan(PlanArgs),
    /// Execute a saved plan, or plan and ask for confirmation, then apply.
    Apply(ApplyArgs),
    /// Print a shell completion script to stdout.
    Completions(CompletionsArgs),
    /// Check that the source and the target answer and accept the credentials, and that
    /// the target's user may write.
    Check(CheckArgs),
    /// Exchange a username and password for a refresh token to store as a CI secret.
    Login(LoginArgs),
    /// Snapshot, plan, apply and plan again against local sandboxes, narrated.
    Demo(DemoArgs),
}

/// Output formats of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// Terraform-style lines, coloured on a terminal.
    Text,
    /// Versioned, stable JSON.
    Json,
    /// Markdown for a pull-request comment (under 60,000 characters).
    Markdown,
}

/// Flags of `metaform plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The configuration file.
    #[arg(long, value_name = "FILE", default_value = crate::config::DEFAULT_CONFIG_FILE)]
    pub config: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Save the plan, with checksums of what it relied on, for `metaform apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Allow a plan over the `maxDeletePercent`/`maxUpdatePercent` limits (never `protect`).
    #[arg(long)]
    pub force: bool,
    /// Requests in flight at once to each system, 1 to 64 (default: `parallelism` of the
    /// source/target in the configuration, else 8).
    #[arg(long, value_name = "N")]
    pub parallelism: Option<crate::config::Parallelism>,
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Flags of `metaform apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved by `metaform plan --out`; without it, apply plans and asks first.
    #[arg(value_name = "PLAN")]
    pub plan: Option<PathBuf>,
    /// The configuration file.
    #[arg(long, value_name = "FILE", default_value = crate::config::DEFAULT_CONFIG_FILE)]
    pub config: PathBuf,
    /// Apply without asking (for CI).
    #[arg(long)]
    pub auto_approve: bool,
    /// Allow a plan over the `maxDeletePercent`/`maxUpdatePercent` limits (never `protect`).
    #[arg(long)]
    pub force: bool,
    /// Requests in flight at once to each system, 1 to 64 (default: `parallelism` of the
    /// source/target in the configuration, else 8).
    #[arg(long, value_name = "N")]
    pub parallelism: Option<crate::config::Parallelism>,
    /// Seconds to wait for another apply against the same target to finish.
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub lock_wait: u64,
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Flags of `metaform validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Directory of the desired-state files [default: the configuration's `state`, or
    /// `state`].
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// A configuration file: with an Alation target, names that Alation would hold as
    /// one object are reported too. Read offline; its `${ENV}` references must be set.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
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
    /// `seed=7,rate=0.1,kinds=429+5xx+drop+latency+lost,latency_ms=50`. Other keys:
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
    /// Requests in flight at once to each system, 1 to 64 (default: `parallelism` of the
    /// source/target in the configuration, else 8).
    #[arg(long, value_name = "N")]
    pub parallelism: Option<crate::config::Parallelism>,
}

/// Flags of `metaform check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The configuration file.
    #[arg(long, value_name = "FILE", default_value = crate::config::DEFAULT_CONFIG_FILE)]
    pub config: PathBuf,
}

/// Arguments of `metaform login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The system to log in to.
    #[command(subcommand)]
    pub system: LoginSystem,
}

/// The systems `metaform login` creates credentials for.
#[derive(Debug, Subcommand)]
pub enum LoginSystem {
    /// Create an Alation refresh token (`createRefreshToken`) and print it once.
    ///
    /// The password is read from standard input with `--password-stdin`, else from the
    /// `ALATION_PASSWORD` environment variable; never from a flag, which would leave it in
    /// the shell history and the process list.
    Alation(LoginAlationArgs),
}

/// Flags of `metaform login alation`.
#[derive(Debug, Args)]
pub struct LoginAlationArgs {
    /// Base URL of the Alation instance, e.g. `https://alation.example.com`.
    #[arg(long, value_name = "URL")]
    pub host: String,
    /// The Alation user.
    #[arg(long, value_name = "USER")]
    pub username: String,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// The name given to the refresh token in Alation (shown under the user's API tokens).
    #[arg(long, value_name = "NAME")]
    pub project_name: String,
}

/// Flags of `metaform demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the workspace (configuration, state files, plan, sandbox state) in this
    /// directory, which must be empty or absent, instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Size of the generated OpenMetadata catalog,
    /// `services x databases x schemas x tables x columns`.
    #[arg(long, value_name = "SPEC", default_value = "1x2x2x3x4")]
    pub generate: GenerateSpec,
}
