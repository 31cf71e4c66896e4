//! `metaform fmt`: rewrite every state file in canonical form (parse, order, emit), or
//! with `--check` list the files that are not.

use std::path::Path;

use crate::cli::FmtArgs;
use crate::commands::state_dir::{collect_files, write_atomically};
use crate::core::state::emit::{emit_database, emit_schema};
use crate::core::state::parse::{parse_database, parse_schema};
use crate::core::state::{DATABASE_FILE, Problem, canonicalize_schema};
use crate::error::Result;
use crate::exit_status::ExitStatus;
use crate::output::{ColorChoice, Printer};

/// The canonical text of one state file.
fn canonical(rel: &Path, text: &str) -> Result<String, Problem> {
    if rel.file_name().is_some_and(|n| n == DATABASE_FILE) {
        Ok(emit_database(&parse_database(rel, text)?.into_model()))
    } else {
        let mut schema = parse_schema(rel, text)?.into_model();
        canonicalize_schema(&mut schema);
        Ok(emit_schema(&schema))
    }
}

/// Runs `metaform fmt`: prints each file that changed (or would change, with `--check`)
/// on stdout. Exit 1 when a file cannot be parsed, or with `--check` when any would change.
pub fn run(args: FmtArgs) -> Result<ExitStatus> {
    let printer = Printer::new(ColorChoice::Never);
    let (files, mut problems) = collect_files(&args.state)?;
    let mut changed = 0;
    for file in &files {
        match canonical(&file.path, &file.text) {
            Ok(text) if text == file.text => {}
            Ok(text) => {
                let path = args.state.join(&file.path);
                if !args.check {
                    write_atomically(&path, text.as_bytes())?;
                }
                printer.data(&path.display().to_string())?;
                changed += 1;
            }
            Err(problem) => problems.push(problem),
        }
    }
    for problem in &problems {
        printer.info(&problem.in_dir(&args.state).to_string());
    }
    let verb = if args.check {
        "would be reformatted"
    } else {
        "reformatted"
    };
    printer.info(&format!("{changed} of {} state files {verb}.", files.len()));
    if !problems.is_empty() {
        printer.error(&format!("{} file(s) could not be parsed", problems.len()));
        return Ok(ExitStatus::Failure);
    }
    Ok(ExitStatus::success_if(!(args.check && changed > 0)))
}
