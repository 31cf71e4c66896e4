//! `metaform snapshot`: read the source catalog and write it as desired-state files
//! (SPEC §3), which are then reviewed and committed like code.
//!
//! The catalog is never held whole: each schema is rendered and staged (or found
//! unchanged) as soon as the source has read it, and dropped; the staged files are moved
//! into place only once everything was read ([`StateWriter`]), so a failed snapshot
//! leaves the state directory as it was.

use crate::cli::SnapshotArgs;
use crate::config::{Config, VerifySsl};
use crate::core::model::{Database, Schema};
use crate::error::{Error, Result};
use crate::exit_status::ExitStatus;
use crate::output::{ColorChoice, Printer};
use crate::progress::Counters;
use crate::source::{AnySource, CatalogSink, Source};

use super::state_dir::StateWriter;

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
    let mut sink = StateDirSink {
        dir: &config.state_dir,
        writer: None,
    };
    runtime.block_on(source.snapshot(&source_config.filters, &mut sink))?;
    drop(reading);
    let writer = sink.writer.ok_or_else(|| {
        Error::Usage("the source gave no databases to write (a source bug)".into())
    })?;
    let (written, counts) = writer.finish()?;
    printer.info(&format!(
        "Snapshot: {} database(s), {} schema(s), {} table(s) in `{}`: {} file(s) written, {} unchanged, {} removed.",
        counts.databases,
        counts.schemas,
        counts.tables,
        config.state_dir.display(),
        written.written.len(),
        written.unchanged,
        written.removed.len()
    ));
    Ok(ExitStatus::Success)
}

/// Streams what the source reads into the state directory: the writer is opened when the
/// databases are known, then takes each schema as it arrives.
struct StateDirSink<'a> {
    dir: &'a std::path::Path,
    writer: Option<StateWriter>,
}

impl CatalogSink for StateDirSink<'_> {
    fn begin(&mut self, databases: &[Database]) -> Result<()> {
        self.writer = Some(StateWriter::begin(self.dir, databases)?);
        Ok(())
    }

    fn schema(&mut self, database: usize, schema: usize, content: Schema) -> Result<()> {
        match &mut self.writer {
            Some(writer) => writer.write_schema(database, schema, content),
            None => Err(Error::Usage(
                "the source gave a schema before its databases (a source bug)".into(),
            )),
        }
    }
}
