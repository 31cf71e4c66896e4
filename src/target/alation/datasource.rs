//! Creating the data source of a database: virtual (`dbtype` by service type) or OCF
//! (connector by service type), always carrying the marker that finds it again.

use crate::api::alation::wire::{NewOcfDatasource, NewVirtualDatasource};
use crate::api::alation::{AlationClient, AlationError};

use super::CreateDatasourceAs;
use super::keys;

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
    /// Source service name.
    pub service: &'a str,
    /// Database name.
    pub database: &'a str,
    /// The source's service type.
    pub service_type: Option<&'a str>,
    /// Desired title.
    pub title: String,
}

/// Creates the data source and returns its id, counting write requests in `writes`.
///
/// When the answer does not carry the id, it is found by its marker.
pub async fn create(
    client: &AlationClient,
    new: &NewDatasource<'_>,
    create_as: CreateDatasourceAs,
    writes: &mut usize,
) -> Result<i64, AlationError> {
    let marker = keys::marker(new.service, new.database);
    let id = match create_as {
        CreateDatasourceAs::Virtual => {
            *writes += 1;
            client
                .create_virtual_datasource(&NewVirtualDatasource {
                    dbtype: virtual_dbtype(new.service_type).to_string(),
                    title: new.title.clone(),
                    uri: marker.clone(),
                    is_virtual: true,
                })
                .await?
        }
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
            *writes += 1;
            client
                .create_ocf_datasource(&NewOcfDatasource {
                    connector_id: connector.id,
                    title: new.title.clone(),
                    uri: marker.clone(),
                    db_username: "metaform".into(),
                })
                .await?
        }
    };
    if let Some(id) = id {
        return Ok(id);
    }
    let listed = match create_as {
        CreateDatasourceAs::Virtual => client.native_datasources().await?,
        CreateDatasourceAs::Ocf => client.ocf_datasources().await?,
    };
    listed
        .iter()
        .filter(|d| d.uri.as_deref() == Some(marker.as_str()))
        .map(|d| d.id)
        .min()
        .ok_or_else(|| AlationError::Protocol {
            endpoint: "POST datasource".into(),
            message: format!(
                "the created data source (uri `{marker}`) has no id and is not listed"
            ),
        })
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
