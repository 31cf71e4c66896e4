//! Sources: read a system into the canonical [`crate::core::model::Catalog`], behind the
//! [`Source`] seam.
//!
//! [`AnySource`] is the source a configuration names, dispatched statically: adding a
//! system is writing its adapter (a module implementing [`Source`]) and one arm of
//! [`AnySource`] and of its `impl`.

pub mod openmetadata;

use crate::check::CheckOutcome;
use crate::config::{Filters, SourceConnection};
use crate::core::model::Catalog;
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

    /// Reads the catalog the source holds, filtered.
    async fn snapshot(&self, filters: &Filters) -> Result<Catalog>;
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

    async fn snapshot(&self, filters: &Filters) -> Result<Catalog> {
        match self {
            AnySource::OpenMetadata(s) => s.snapshot(filters).await,
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
