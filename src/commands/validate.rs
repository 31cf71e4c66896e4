//! `metaform validate`: check every state file offline and report each problem as
//! `file:line:column: message`.

use crate::cli::ValidateArgs;
use crate::commands::state_dir::collect_files;
use crate::core::model::{Catalog, Column};
use crate::core::state;
use crate::error::Result;

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
pub fn run(args: ValidateArgs) -> Result<u8> {
    let (files, mut problems) = collect_files(&args.state)?;
    let loaded = state::load(files);
    problems.extend(loaded.problems);
    if problems.is_empty() {
        eprintln!("{}", summary(loaded.files, &loaded.catalog));
        return Ok(0);
    }
    for problem in &problems {
        eprintln!("{}", problem.in_dir(&args.state));
    }
    eprintln!(
        "error: {} problem(s) in the state files under `{}`",
        problems.len(),
        args.state.display()
    );
    Ok(1)
}
