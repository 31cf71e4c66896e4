//! Sources: read a system into the canonical [`crate::core::model::Catalog`], behind the
//! [`Source`] seam.
//!
//! [`AnySource`] is the source a configuration names, dispatched statically: adding a
//! system is writing its adapter (a module implementing [`Source`]) and one arm of
//! [`AnySource`] and of its `impl`.

pub mod openmetadata;

use crate::check::CheckOutcome;
use crate::config::{Filters, SourceConnection};
use crate::core::model::{Catalog, Database, Schema};
use crate::error::{Error, Result};
use crate::progress::Counters;

/// A source system: OpenMetadata, Apache Atlas, ….
#[expect(
    async_fn_in_trait,
    reason = "dispatched statically and driven on one task: no `Send` bound is needed"
)]
pub trait Source {
    /// The kind of source, as the markers of created data sources name it
    /// (`openmetadata`, `atlas`).
    fn kind(&self) -> &'static str;

    /// Which system and where, without credentials.
    fn describe(&self) -> String;

    /// Checks the connection and the credentials.
    async fn check(&self) -> Vec<CheckOutcome>;

    /// Reads the catalog the source holds, filtered, into `sink`: first its databases
    /// and schemas, then each schema with its tables as soon as it is read, so that a
    /// large catalog never has to be held whole.
    async fn snapshot(&self, filters: &Filters, sink: &mut impl CatalogSink) -> Result<()>;
}

/// Where a snapshot delivers what it reads.
///
/// [`CatalogSink::begin`] is called once, then [`CatalogSink::schema`] once for each
/// schema of it, in no particular order. An error from either stops the snapshot.
pub trait CatalogSink {
    /// The databases in scope, in canonical order, each with its schemas (in canonical
    /// order, their tables still empty).
    fn begin(&mut self, databases: &[Database]) -> Result<()>;

    /// Schema `schema` of database `database` (positions in the list given to
    /// [`CatalogSink::begin`]), with all its tables and their lineage.
    fn schema(&mut self, database: usize, schema: usize, content: Schema) -> Result<()>;
}

/// A [`CatalogSink`] that assembles the whole [`Catalog`] (for small catalogs and tests).
#[derive(Debug, Default)]
pub struct CollectCatalog {
    /// What was read so far.
    pub catalog: Catalog,
}

impl CatalogSink for CollectCatalog {
    fn begin(&mut self, databases: &[Database]) -> Result<()> {
        self.catalog.databases = databases.to_vec();
        Ok(())
    }

    fn schema(&mut self, database: usize, schema: usize, content: Schema) -> Result<()> {
        self.catalog.databases[database].schemas[schema] = content;
        Ok(())
    }
}

/// The source a configuration names.
pub enum AnySource {
    /// An OpenMetadata server.
    OpenMetadata(openmetadata::OpenMetadataSource),
}

impl AnySource {
    /// The source `connection` names; `file` is the configuration file, for messages.
    pub fn from_config(connection: &SourceConnection, file: &std::path::Path) -> Result<AnySource> {
        match connection {
            SourceConnection::OpenMetadata(om) => Ok(AnySource::OpenMetadata(
                openmetadata::OpenMetadataSource::new(om)?,
            )),
            SourceConnection::Atlas(_) => Err(Error::Unsupported {
                file: file.to_path_buf(),
                side: "source",
                kind: "atlas",
            }),
        }
    }

    /// This source counting its requests and the objects it reads into `progress`.
    pub fn with_progress(self, progress: &Counters) -> AnySource {
        match self {
            AnySource::OpenMetadata(s) => AnySource::OpenMetadata(s.with_progress(progress)),
        }
    }
}

impl Source for AnySource {
    fn kind(&self) -> &'static str {
        match self {
            AnySource::OpenMetadata(s) => s.kind(),
        }
    }

    fn describe(&self) -> String {
        match self {
            AnySource::OpenMetadata(s) => s.describe(),
        }
    }

    async fn check(&self) -> Vec<CheckOutcome> {
        match self {
            AnySource::OpenMetadata(s) => s.check().await,
        }
    }

    async fn snapshot(&self, filters: &Filters, sink: &mut impl CatalogSink) -> Result<()> {
        match self {
            AnySource::OpenMetadata(s) => s.snapshot(filters, sink).await,
        }
    }
}

/// The source kind the configuration's `source.type` names, without connecting:
/// `openmetadata` when there is no source section (the state files were written by an
/// OpenMetadata snapshot before sources were configurable).
pub fn kind_of(connection: Option<&SourceConnection>) -> &'static str {
    match connection {
        Some(SourceConnection::Atlas(_)) => "atlas",
        Some(SourceConnection::OpenMetadata(_)) | None => openmetadata::KIND,
    }
}
