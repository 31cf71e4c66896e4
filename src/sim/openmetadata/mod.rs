//! The OpenMetadata sandbox (shared/reference/openmetadata-connectors.md §4): the
//! database-service/database/schema/table part of the REST API and table lineage
//! (shared/reference/openmetadata-target-and-lineage.md §5), faithful enough for
//! OpenMetadata's own Python client and for our snapshot adapter.
//!
//! - `model.rs`: the stored entities (typed, compact); `state.rs`: the catalog and its
//!   indexes; `lineage.rs`: the edges between tables, indexed by either end; `fqn.rs`:
//!   how names and FQNs are spelled (the one place that decides it);
//! - `paging.rs`: ordered listing with cursors; `render.rs`: entities to JSON per `fields`;
//! - `app.rs`: what the handlers share; `errors.rs`: the error body; `clock.rs`: the
//!   stamps of a change;
//! - `routes.rs`: the HTTP API; `lineage_routes.rs`: a table's lineage; `patch.rs`: JSON
//!   Patch; `write.rs`: create and delete;
//! - `seed.rs`: loading OpenMetadata's sample data; `generate.rs`: synthetic catalogs.

mod app;
mod clock;
mod errors;
mod fqn;
mod generate;
mod lineage;
mod lineage_routes;
mod model;
mod paging;
mod patch;
mod render;
mod routes;
mod seed;
mod state;
mod write;

use std::str::FromStr;

use axum::Router;

use super::shared::Shared;

pub use generate::generate;
pub use routes::SERVER_VERSION;
pub use seed::load_sample_data;
pub use state::OmState;

/// Size of a generated catalog: `services x databases x schemas x tables x columns`
/// (databases per service, schemas per database, tables per schema, columns per table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateSpec {
    /// Number of database services.
    pub services: usize,
    /// Databases per service.
    pub databases: usize,
    /// Schemas per database.
    pub schemas: usize,
    /// Tables per schema.
    pub tables: usize,
    /// Columns per table.
    pub columns: usize,
}

impl FromStr for GenerateSpec {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let parts: Vec<usize> = text
            .split('x')
            .map(|p| p.trim().parse::<usize>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                format!("expected SERVICESxDATABASESxSCHEMASxTABLESxCOLUMNS, got `{text}`")
            })?;
        match parts[..] {
            [services, databases, schemas, tables, columns] => Ok(Self {
                services,
                databases,
                schemas,
                tables,
                columns,
            }),
            _ => Err(format!(
                "expected SERVICESxDATABASESxSCHEMASxTABLESxCOLUMNS, got `{text}`"
            )),
        }
    }
}

/// The OpenMetadata API router over `state`, accepting the bearer token `jwt`.
pub fn router(state: Shared<OmState>, jwt: String) -> Router {
    routes::routes(app::App { state, jwt })
}
