//! One module per subcommand: gather inputs, call the core or the sandboxes, render.

mod apply;
mod check;
mod completions;
mod demo;
mod fmt;
mod login;
mod plan;
mod reconcile;
mod sandbox;
mod schema;
mod snapshot;
pub mod state_dir;
mod validate;

use std::io::IsTerminal;
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::exit_status::ExitStatus;
use crate::output::{ColorChoice, Printer};

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    init_logging();
    let result = match cli.command {
        Command::Sandbox(args) => sandbox::run(args),
        Command::Snapshot(args) => snapshot::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Apply(args) => apply::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Check(args) => check::run(args),
        Command::Login(args) => login::run(args),
        Command::Demo(args) => demo::run(args),
    };
    let status = match result {
        Ok(status) => status,
        Err(err) => {
            let printer = Printer::new(ColorChoice::Never);
            printer.error(&err.to_string());
            if let Some(hint) = err.hint() {
                printer.hint(&hint);
            }
            ExitStatus::Failure
        }
    };
    ExitCode::from(status)
}

/// Logs to stderr, filtered by `METAFORM_LOG` (tracing's filter syntax, e.g. `debug` or
/// `metaform=debug`); warnings only by default. Secrets never reach a log line: they are
/// `SecretString`s, and transport errors are logged without their URL.
fn init_logging() {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // Fails only when a subscriber is already installed, which leaves that one in place.
    let _ = match tracing_subscriber::EnvFilter::try_from_env("METAFORM_LOG") {
        Ok(filter) => builder.with_env_filter(filter).try_init(),
        // Warnings read like the other messages: no timestamp, no module path.
        Err(_) => builder
            .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
            .without_time()
            .with_target(false)
            .try_init(),
    };
}
