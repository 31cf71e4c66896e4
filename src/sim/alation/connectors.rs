//! The installed OCF connectors, `GET /integration/v2/connectors/`
//! (shared/reference/alation-api.md §4.1).
//!
//! The list holds every connector name of OpenMetadata AlationSink's
//! `SERVICE_TYPE_MAPPER` with its exact spelling and case
//! (shared/reference/openmetadata-connectors.md §1.6), plus two more, as a real instance
//! would have connectors nobody maps to.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::app::App;
use super::auth::authenticate;
use super::errors::ApiResult;

/// An installed connector.
pub(super) struct Connector {
    pub(super) id: u64,
    pub(super) name: &'static str,
    /// The `dbtype` the v1 data-source API shows for sources of this connector.
    pub(super) dbtype: &'static str,
    version: &'static str,
}

/// Every installed connector, ids from 1.
pub(super) const CONNECTORS: &[Connector] = &[
    c(1, "Oracle OCF connector", "oracle", "1.6.2"),
    c(2, "Starburst Trino OCF Connector", "trino", "1.3.1"),
    c(3, "Databricks OCF Connector", "databricks", "2.1.0"),
    c(
        4,
        "Databricks Unity Catalog OCF Connector",
        "unity",
        "1.2.4",
    ),
    c(5, "Snowflake OCF connector", "snowflake", "2.2.3"),
    c(6, "SQL Server OCF Connector", "sqlserver", "2.0.1"),
    c(7, "PostgreSQL OCF Connector", "postgresql", "1.7.0"),
    c(8, "MySQL OCF Connector", "mysql", "1.5.2"),
    c(9, "Azure SQL DB OCF Connector", "sqlserver", "1.1.0"),
    c(10, "Saphana OCF connector", "saphana", "1.0.9"),
    c(11, "DB2 OCF Connector", "db2", "1.4.0"),
    c(12, "AWS Glue OCF Connector", "glue", "1.3.3"),
    c(13, "BigQuery OCF Connector", "bigquery", "2.0.4"),
    c(14, "Amazon Redshift OCF Connector", "redshift", "1.8.0"),
    c(15, "Teradata OCF Connector", "teradata", "1.2.0"),
];

const fn c(id: u64, name: &'static str, dbtype: &'static str, version: &'static str) -> Connector {
    Connector {
        id,
        name,
        dbtype,
        version,
    }
}

/// The connector with `id`.
pub(super) fn connector(id: u64) -> Option<&'static Connector> {
    CONNECTORS.iter().find(|c| c.id == id)
}

/// `GET /integration/v2/connectors/` (not paginated).
pub(super) async fn list(State(app): State<App>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    authenticate(&app.state.read(), &headers, app.now())?;
    Ok(Json(Value::Array(
        CONNECTORS
            .iter()
            .map(|c| {
                json!({
                    "id": c.id,
                    "name": c.name,
                    "uses_agent": false,
                    "connector_version": c.version,
                    "connector_category": "RDBMS",
                })
            })
            .collect(),
    )))
}
