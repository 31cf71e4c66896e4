//! `metaform validate`: check every state file offline and report each problem as
//! `file:line:column: message`. With `--config` naming an Alation target, names that
//! the target would hold as one object are problems too (the same check `plan` makes).

use std::path::{Path, PathBuf};

use crate::cli::ValidateArgs;
use crate::commands::state_dir::collect_files;
use crate::config::{Config, TargetConfig};
use crate::core::model::{Catalog, Column};
use crate::core::objects::Address;
use crate::core::state::file_name::is_encoding_of;
use crate::core::state::{self, DATABASE_FILE, EXTENSION, Problem};
use crate::error::Result;
use crate::exit_status::ExitStatus;
use crate::output::{ColorChoice, Printer};
use crate::source;
use crate::target::{AnyTarget, Target};

fn count_columns(columns: &[Column]) -> usize {
    columns.iter().map(|c| 1 + count_columns(&c.children)).sum()
}

fn summary(files: usize, catalog: &Catalog) -> String {
    let schemas = catalog.databases.iter().flat_map(|d| &d.schemas);
    let tables: Vec<_> = schemas.clone().flat_map(|s| &s.tables).collect();
    let columns: usize = tables.iter().map(|t| count_columns(&t.columns)).sum();
    format!(
        "{files} state files are valid: {} databases, {} schemas, {} tables, {columns} columns.",
        catalog.databases.len(),
        schemas.count(),
        tables.len(),
    )
}

/// Runs `metaform validate`: exit 0 when every file is valid, 1 when any problem is found.
pub fn run(args: ValidateArgs) -> Result<ExitStatus> {
    let config = args.config.as_deref().map(Config::load).transpose()?;
    let dir = match (args.state, &config) {
        (Some(dir), _) => dir,
        (None, Some(config)) => config.state_dir.clone(),
        (None, None) => PathBuf::from("state"),
    };
    let (files, mut problems) = collect_files(&dir)?;
    let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    let loaded = state::load(files);
    problems.extend(loaded.problems);
    let target = match &config {
        Some(config) => match &config.target {
            Some(target @ TargetConfig::Alation(_)) => Some(AnyTarget::from_config(
                target,
                source::kind_of(config.source.as_ref().map(|s| &s.connection)),
                &config.file,
            )?),
            _ => None,
        },
        None => None,
    };
    if let Some(target) = target.as_ref().filter(|_| problems.is_empty()) {
        problems.extend(name_conflict_problems(&dir, &paths, |file_of| {
            target.name_conflicts(&loaded.catalog, file_of)
        }));
    }
    let printer = Printer::new(ColorChoice::Never);
    if problems.is_empty() {
        printer.info(&summary(loaded.files, &loaded.catalog));
        return Ok(ExitStatus::Success);
    }
    for problem in &problems {
        printer.info(&problem.in_dir(&dir).to_string());
    }
    printer.error(&format!(
        "{} problem(s) in the state files under `{}`",
        problems.len(),
        dir.display()
    ));
    Ok(ExitStatus::Failure)
}

/// The name conflicts `conflicts` finds (given how to name an object's state file), each
/// a problem of the reported object's state file naming both objects and both files.
/// `files` are the state files' paths relative to the state directory `dir`, as the
/// problems are; the messages name them under `dir`.
pub(super) fn name_conflict_problems(
    dir: &Path,
    files: &[PathBuf],
    conflicts: impl FnOnce(&dyn Fn(&Address) -> String) -> Vec<(Address, String)>,
) -> Vec<Problem> {
    let file_of = |address: &Address| -> PathBuf {
        state_file_of(files, address).unwrap_or_else(|| PathBuf::from("?"))
    };
    let shown = |address: &Address| dir.join(file_of(address)).display().to_string();
    conflicts(&shown)
        .into_iter()
        .map(|(address, message)| Problem::file(file_of(&address), message))
        .collect()
}

/// The state file among `files` that holds the object at `address`: its schema's file,
/// or its database's `_database.yaml` for a database.
fn state_file_of(files: &[PathBuf], address: &Address) -> Option<PathBuf> {
    let (own, names) = match address.path.as_slice() {
        [service, database] => (None, [service, database]),
        [service, database, schema, ..] => (Some(schema), [service, database]),
        _ => return None,
    };
    files
        .iter()
        .find(|path| {
            let parts: Vec<String> = path
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let [service, database, file] = parts.as_slice() else {
                return false;
            };
            let stem = file.strip_suffix(&format!(".{EXTENSION}"));
            is_encoding_of(service, names[0])
                && is_encoding_of(database, names[1])
                && match own {
                    None => file == DATABASE_FILE,
                    Some(schema) => {
                        file != DATABASE_FILE && stem.is_some_and(|s| is_encoding_of(s, schema))
                    }
                }
        })
        .cloned()
}
