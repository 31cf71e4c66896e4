//! Creating the data source of a database: virtual (`dbtype` by service type) or OCF
//! (connector by service type), always carrying the marker that finds it again, and
//! never twice: a create whose outcome is unknown is looked up before it is sent again.

use std::time::Duration;

use crate::api::alation::wire::{NewOcfDatasource, NewVirtualDatasource};
use crate::api::alation::{AlationClient, AlationError};
use crate::http::HttpError;

use super::{CreateDatasourceAs, keys, read};

/// The Alation `dbtype` of a virtual data source for an OpenMetadata service type.
///
/// Alation documents `mysql, oracle, postgresql, sqlserver, redshift, teradata,
/// snowflake` (reference §4.2; other values UNVERIFIED). SQL Server, Redshift and
/// Snowflake use two-part schema names in keys (`<ds>.<db>.<schema>`, §2.2), which
/// metaform's `<ds_id>.<schema>` keys (SPEC §4) do not fit, so they and every other
/// service type get `mysql`, as AlationSink falls back to MySQL.
pub fn virtual_dbtype(service_type: Option<&str>) -> &'static str {
    match service_type.map(str::to_ascii_lowercase).as_deref() {
        Some("oracle") => "oracle",
        Some("postgres") => "postgresql",
        Some("teradata") => "teradata",
        _ => "mysql",
    }
}

/// The OCF connector name for an OpenMetadata service type: AlationSink's
/// `SERVICE_TYPE_MAPPER` (reference openmetadata-connectors.md §1.6), exact spelling.
pub fn ocf_connector_name(service_type: Option<&str>) -> &'static str {
    match service_type.unwrap_or_default() {
        "Oracle" => "Oracle OCF connector",
        "Databricks" => "Databricks OCF Connector",
        "Snowflake" => "Snowflake OCF connector",
        "Postgres" => "PostgreSQL OCF Connector",
        "AzureSQL" => "Azure SQL DB OCF Connector",
        "Db2" => "DB2 OCF Connector",
        "BigQuery" => "BigQuery OCF Connector",
        "Trino" => "Starburst Trino OCF Connector",
        "UnityCatalog" => "Databricks Unity Catalog OCF Connector",
        "Mssql" => "SQL Server OCF Connector",
        "SapHana" => "Saphana OCF connector",
        "Glue" => "AWS Glue OCF Connector",
        _ => "MySQL OCF Connector",
    }
}

/// What a data source is created from.
pub struct NewDatasource<'a> {
    /// The kind of source the desired state came from, for the marker.
    pub source_kind: &'a str,
    /// Source service name.
    pub service: &'a str,
    /// Database name.
    pub database: &'a str,
    /// The source's service type.
    pub service_type: Option<&'a str>,
    /// Desired title.
    pub title: String,
}

/// Sends of one data source create whose answers were lost, the first included.
const CREATE_ATTEMPTS: u32 = 3;

/// The body of a data source create.
enum Request {
    Virtual(NewVirtualDatasource),
    Ocf(NewOcfDatasource),
}

/// Creates the data source and returns its id, counting write requests in `writes`.
///
/// The POST is never repeated blindly: a second delivery would make a second data
/// source. When its outcome is unknown (no answer, a timeout, a reset, a 5xx such as a
/// gateway's 504, an unreadable answer) the server may have created it, so the data
/// sources are listed and one carrying the marker is taken; only when none does is the
/// POST sent again, up to [`CREATE_ATTEMPTS`] times. An answer without the id is
/// resolved by the marker too. The lookup assumes Alation lists a data source as soon
/// as its create returned (UNVERIFIED; if it did not, the next run's read still finds
/// the data source by its marker, and the apply lock keeps other applies from this
/// machine out meanwhile).
pub async fn create(
    client: &AlationClient,
    new: &NewDatasource<'_>,
    create_as: CreateDatasourceAs,
    writes: &mut usize,
) -> Result<i64, AlationError> {
    let marker = keys::marker(new.source_kind, new.service, new.database);
    let request = match create_as {
        CreateDatasourceAs::Virtual => Request::Virtual(NewVirtualDatasource {
            dbtype: virtual_dbtype(new.service_type).to_string(),
            title: new.title.clone(),
            uri: marker.clone(),
            is_virtual: true,
        }),
        CreateDatasourceAs::Ocf => {
            let name = ocf_connector_name(new.service_type);
            let connectors = client.connectors().await?;
            let connector = connectors.iter().find(|c| c.name == name).ok_or_else(|| {
                AlationError::Precondition(format!(
                    "no OCF connector named `{name}` is installed in Alation (needed for \
                     service type `{}`); install it or use `createDatasourceAs: virtual`",
                    new.service_type.unwrap_or("unknown")
                ))
            })?;
            Request::Ocf(NewOcfDatasource {
                connector_id: connector.id,
                title: new.title.clone(),
                uri: marker.clone(),
                db_username: "metaform".into(),
            })
        }
    };
    let mut attempt = 1;
    loop {
        *writes += 1;
        let sent = match &request {
            Request::Virtual(body) => client.create_virtual_datasource(body).await,
            Request::Ocf(body) => client.create_ocf_datasource(body).await,
        };
        let err = match sent {
            Ok(Some(id)) => return Ok(id),
            Ok(None) => {
                return find_by_marker(client, &marker).await?.ok_or_else(|| {
                    AlationError::Protocol {
                        endpoint: "POST datasource".into(),
                        message: format!(
                            "the created data source (uri `{marker}`) has no id and is not listed"
                        ),
                    }
                });
            }
            Err(err) if outcome_unknown(&err) => err,
            Err(err) => return Err(err),
        };
        match find_by_marker(client, &marker).await {
            Ok(Some(id)) => {
                tracing::debug!(id, "data source created although its answer was lost");
                return Ok(id);
            }
            Ok(None) => {}
            // Whether it was created is unknown: the next run's read will tell.
            Err(lookup) => {
                tracing::debug!(error = %lookup, "cannot look up the data source after a failed create");
                return Err(err);
            }
        }
        // A 2xx whose body was lost was a create: not finding it is no reason to repeat it.
        let answered_ok = matches!(err, AlationError::Protocol { .. });
        if answered_ok || attempt >= CREATE_ATTEMPTS {
            return Err(err);
        }
        tracing::debug!(error = %err, attempt, "data source not created, sending its create again");
        tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt))).await;
        attempt += 1;
    }
}

/// Whether a failed create may have created the data source all the same.
fn outcome_unknown(err: &AlationError) -> bool {
    match err {
        AlationError::Http(HttpError::Transport { .. }) => true,
        AlationError::Http(HttpError::Status { status, .. }) => *status >= 500,
        AlationError::Protocol { .. } => true,
        _ => false,
    }
}

/// The id of the data source carrying `marker` (the lowest, if several do).
async fn find_by_marker(client: &AlationClient, marker: &str) -> Result<Option<i64>, AlationError> {
    let known = read::known_datasources(client).await?;
    Ok(read::carrying(&known, marker).first().map(|(ds, _)| ds.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Service types map to dbtypes with one-part schema keys and to AlationSink's connector names.
    #[test]
    fn service_types_choose_single_part_schema_dbtypes() {
        assert_eq!(virtual_dbtype(Some("Postgres")), "postgresql");
        assert_eq!(virtual_dbtype(Some("Snowflake")), "mysql");
        assert_eq!(virtual_dbtype(None), "mysql");
        assert_eq!(
            ocf_connector_name(Some("BigQuery")),
            "BigQuery OCF Connector"
        );
        assert_eq!(ocf_connector_name(Some("Hive")), "MySQL OCF Connector");
    }
}
