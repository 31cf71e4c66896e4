//! `metaform snapshot`: read the source catalog and write it as desired-state files
//! (SPEC §3), which are then reviewed and committed like code.

use crate::api::openmetadata::OpenMetadataClient;
use crate::cli::SnapshotArgs;
use crate::config::{Config, SourceConnection, VerifySsl};
use crate::error::{Error, Result};
use crate::exit_status::ExitStatus;
use crate::http::HttpClient;
use crate::output::{ColorChoice, Printer};
use crate::source;

/// Runs the snapshot command.
pub fn run(args: SnapshotArgs) -> Result<ExitStatus> {
    let config = Config::load(&args.config)?;
    let source = config.source()?;
    let printer = Printer::new(ColorChoice::Auto);
    let runtime = tokio::runtime::Runtime::new().map_err(Error::Runtime)?;
    let catalog = match &source.connection {
        SourceConnection::OpenMetadata(om) => {
            if om.tls.verify == VerifySsl::Ignore {
                printer.warn(
                    "`source.verifySSL: ignore`: TLS certificates of the source are not verified",
                );
            }
            let http = HttpClient::new(&om.http_options())
                .map_err(|e| Error::Usage(format!("source: {e}")))?;
            let client = OpenMetadataClient::new(http, &om.host_port, om.jwt_token.clone())
                .map_err(|e| Error::Usage(e.to_string()))?;
            runtime
                .block_on(source::openmetadata::snapshot(&client, &source.filters))
                .map_err(|e| Error::Service(e.to_string()))?
        }
        SourceConnection::Atlas(_) => {
            return Err(Error::Usage(format!(
                "{}: `snapshot` reads an openmetadata source; `source.type: atlas` is not supported by it",
                config.file.display()
            )));
        }
    };
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
