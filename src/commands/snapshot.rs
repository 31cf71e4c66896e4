//! `metaform snapshot`: read the source catalog and write it as desired-state files
//! (SPEC §3), which are then reviewed and committed like code.

use crate::cli::SnapshotArgs;
use crate::config::{Config, VerifySsl};
use crate::error::{Error, Result};
use crate::exit_status::ExitStatus;
use crate::output::{ColorChoice, Printer};
use crate::progress::Counters;
use crate::source::{AnySource, Source};

/// Runs the snapshot command.
pub fn run(args: SnapshotArgs) -> Result<ExitStatus> {
    let config = Config::load(&args.config)?.with_parallelism(args.parallelism);
    let source_config = config.source()?;
    let printer = Printer::new(ColorChoice::Auto);
    if source_config.connection.tls().verify == VerifySsl::Ignore {
        printer.warn("`source.verifySSL: ignore`: TLS certificates of the source are not verified");
    }
    let counters = Counters::new();
    let source =
        AnySource::from_config(&source_config.connection, &config.file)?.with_progress(&counters);
    let runtime = tokio::runtime::Runtime::new().map_err(Error::Runtime)?;
    let reading = printer.progress("snapshot", &counters);
    let catalog = runtime.block_on(source.snapshot(&source_config.filters))?;
    drop(reading);
    let written = super::state_dir::write_state_dir(&config.state_dir, &catalog)?;
    let schemas: usize = catalog.databases.iter().map(|d| d.schemas.len()).sum();
    let tables: usize = catalog
        .databases
        .iter()
        .flat_map(|d| &d.schemas)
        .map(|s| s.tables.len())
        .sum();
    printer.info(&format!(
        "Snapshot: {} database(s), {schemas} schema(s), {tables} table(s) in `{}`: {} file(s) written, {} unchanged, {} removed.",
        catalog.databases.len(),
        config.state_dir.display(),
        written.written.len(),
        written.unchanged,
        written.removed.len()
    ));
    Ok(ExitStatus::Success)
}
