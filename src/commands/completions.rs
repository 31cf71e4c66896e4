//! `metaform completions <shell>`: print a completion script generated from the
//! command-line definition itself, so it can never drift from the real flags.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::error::{Error, Result};
use crate::exit_status::ExitStatus;
use crate::output::{ColorChoice, Printer};

/// Runs the completions command.
pub fn run(args: CompletionsArgs) -> Result<ExitStatus> {
    let mut command = Cli::command();
    let name = command.get_name().to_owned();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    let script = String::from_utf8(script)
        .map_err(|err| Error::Service(format!("the completion script is not UTF-8: {err}")))?;
    Printer::new(ColorChoice::Never).data(&script)?;
    Ok(ExitStatus::Success)
}
