//! OpenMetadata as a [`Source`]: its client and what a snapshot reads with it.

use crate::api::openmetadata::OpenMetadataClient;
use crate::check::{CheckOutcome, without_userinfo};
use crate::config::{Filters, OpenMetadataConnection};
use crate::error::{Error, Result};
use crate::http::HttpClient;
use crate::progress::Counters;
use crate::source::{CatalogSink, Source};

use super::check::check_openmetadata;

/// The kind of source, as markers name it.
pub const KIND: &str = "openmetadata";

/// An OpenMetadata server as the source of snapshots.
pub struct OpenMetadataSource {
    connection: OpenMetadataConnection,
    client: OpenMetadataClient,
}

impl OpenMetadataSource {
    /// The source `connection` describes.
    pub fn new(connection: &OpenMetadataConnection) -> Result<OpenMetadataSource> {
        let http = HttpClient::new(&connection.http_options())
            .map_err(|e| Error::Usage(format!("source: {e}")))?;
        let client =
            OpenMetadataClient::new(http, &connection.host_port, connection.jwt_token.clone())
                .map_err(|e| Error::Usage(e.to_string()))?
                .with_parallelism(connection.limits.parallelism.get());
        Ok(OpenMetadataSource {
            connection: connection.clone(),
            client,
        })
    }

    /// This source counting its requests and the entities it reads into `progress`.
    pub fn with_progress(mut self, progress: &Counters) -> Self {
        self.client = self.client.with_progress(progress);
        self
    }
}

impl Source for OpenMetadataSource {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn describe(&self) -> String {
        format!(
            "OpenMetadata at {}",
            without_userinfo(&self.connection.host_port)
        )
    }

    async fn check(&self) -> Vec<CheckOutcome> {
        check_openmetadata("source", &self.connection).await
    }

    async fn snapshot(&self, filters: &Filters, sink: &mut impl CatalogSink) -> Result<()> {
        super::snapshot_into(&self.client, filters, sink)
            .await
            .map_err(|e| match e {
                super::SourceError::Sink(e) => e,
                e => Error::Read {
                    system: "OpenMetadata",
                    message: e.to_string(),
                },
            })
    }
}
