//! The OpenMetadata sandbox (shared/reference/openmetadata-connectors.md §4).

use std::path::Path;
use std::str::FromStr;

use axum::Router;
use serde::{Deserialize, Serialize};

use super::shared::Shared;

/// Everything the OpenMetadata sandbox stores.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct OmState {}

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
pub fn router(_state: Shared<OmState>, _jwt: String) -> Router {
    Router::new()
}

/// Loads OpenMetadata sample-data-shaped JSON from `dir`.
pub fn load_sample_data(dir: &Path) -> Result<OmState, String> {
    Err(format!(
        "loading sample data from `{}` is not supported",
        dir.display()
    ))
}

/// A deterministic synthetic catalog of the given size.
pub fn generate(_spec: &GenerateSpec) -> OmState {
    OmState::default()
}
