//! Alation as a [`Target`]: the client and the configuration the reads and writes need.

use crate::api::alation::{
    AlationClient, AlationConfig, MAX_COLUMNS_PER_WRITE, MAX_SCHEMAS_PER_WRITE,
    MAX_TABLES_PER_WRITE,
};
use crate::check::{CheckOutcome, check_http, without_userinfo};
use crate::config::AlationTarget;
use crate::core::model::Catalog;
use crate::core::objects::{Address, Object, ObjectKind};
use crate::core::plan::{Capabilities, CurrentState};
use crate::error::{Error, Result};
use crate::http::{HttpClient, HttpOptions};
use crate::progress::Counters;
use crate::target::{Target, TargetDescription, WriteLimits};

use super::write::AlationWriter;
use super::{CreateDatasourceAs, DatasourceLink, check, collisions, mapping, read, unwritten};

/// An Alation instance as the target of plans and applies.
pub struct Alation {
    client: AlationClient,
    /// The configuration `check` builds its own client from (few retries, so an
    /// unreachable server is told at once); `None` when built around a given client,
    /// which `check` then uses.
    config: Option<AlationTarget>,
    links: Vec<DatasourceLink>,
    create_as: CreateDatasourceAs,
    source_kind: String,
}

impl Alation {
    /// The target `config` describes; `source_kind` (`openmetadata`, `atlas`) names
    /// where the desired state comes from, in the marker of created data sources.
    pub fn new(config: &AlationTarget, source_kind: &str) -> Result<Alation> {
        Ok(Alation {
            client: client(config, config.http_options())?,
            config: Some(config.clone()),
            links: config.datasource_links.clone(),
            create_as: config.create_datasource_as,
            source_kind: source_kind.to_owned(),
        })
    }

    /// This target counting its requests, the objects it reads and the jobs it waits
    /// for into `progress` (not those of `check`).
    pub fn with_progress(mut self, progress: &Counters) -> Self {
        self.client = self.client.with_progress(progress);
        self
    }

    /// The target reached through `client` (also for `check`), with the
    /// `datasourceLinks` entries `links` and unlinked databases created as `create_as`.
    pub fn with_client(
        client: AlationClient,
        links: Vec<DatasourceLink>,
        create_as: CreateDatasourceAs,
        source_kind: &str,
    ) -> Alation {
        Alation {
            config: None,
            client,
            links,
            create_as,
            source_kind: source_kind.to_owned(),
        }
    }
}

/// The Alation client `target` describes (its job wait and parallelism included), over
/// HTTP with `options`.
fn client(target: &AlationTarget, options: HttpOptions) -> Result<AlationClient> {
    let http = HttpClient::new(&options).map_err(|e| Error::Usage(format!("target: {e}")))?;
    Ok(AlationClient::new(
        http,
        AlationConfig {
            base_url: target.host_port.clone(),
            auth: target.auth.clone(),
            page_size: target.pagination_limit,
            polling: target.limits.job_polling(),
        },
    )
    .with_parallelism(target.limits.parallelism.get()))
}

impl Target for Alation {
    type Writer<'a> = AlationWriter<'a>;

    fn describe(&self) -> TargetDescription {
        TargetDescription {
            system: "Alation",
            url: without_userinfo(self.client.base_url()),
        }
    }

    async fn check(&self) -> Vec<CheckOutcome> {
        let Some(config) = &self.config else {
            return check::check_alation(&self.client).await;
        };
        match client(config, check_http(config.http_options())) {
            Ok(check_client) => check::check_alation(&check_client).await,
            Err(err) => vec![CheckOutcome::failed("target", err.to_string())],
        }
    }

    fn name_conflicts(
        &self,
        catalog: &Catalog,
        file_of: &dyn Fn(&Address) -> String,
    ) -> Vec<(Address, String)> {
        collisions::key_collisions(catalog, &self.source_kind)
            .into_iter()
            .map(|c| {
                let message = c.describe(file_of);
                (c.second, message)
            })
            .collect()
    }

    fn project(&self, catalog: &Catalog) -> (Vec<Address>, Vec<Object>) {
        (
            mapping::desired_datasources(catalog),
            mapping::desired_objects(catalog),
        )
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            cannot_create: Vec::new(),
            cannot_delete: vec![(
                ObjectKind::Datasource,
                "metaform never deletes a whole data source in Alation; remove it there".into(),
            )],
        }
    }

    fn notices(&self, catalog: &Catalog) -> Vec<String> {
        unwritten::unwritten_notice(catalog).into_iter().collect()
    }

    async fn read_current(&self, catalog: &Catalog) -> Result<CurrentState> {
        read::read_current(
            &self.client,
            &catalog.databases,
            &self.links,
            self.create_as,
            &self.source_kind,
        )
        .await
        .map_err(|e| Error::Read {
            system: "Alation",
            message: e.to_string(),
        })
    }

    fn limits(&self) -> WriteLimits {
        WriteLimits {
            per_request: [
                1,
                MAX_SCHEMAS_PER_WRITE,
                MAX_TABLES_PER_WRITE,
                MAX_COLUMNS_PER_WRITE,
            ],
            deletes_together: true,
            // Each batch's requests also wait for a place among the client's.
            in_flight: self.client.parallelism(),
        }
    }

    fn writer<'a>(&'a self, catalog: &'a Catalog, current: &'a CurrentState) -> AlationWriter<'a> {
        AlationWriter::new(
            &self.client,
            self.create_as,
            &self.source_kind,
            catalog,
            current,
        )
    }
}
