//! The `metaform` binary: parse the command line, run it, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = metaform::cli::Cli::parse();
    metaform::commands::run(cli)
}
