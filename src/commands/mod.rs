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

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
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
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
