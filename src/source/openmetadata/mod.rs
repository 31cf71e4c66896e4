//! OpenMetadata as a source: read every database service's databases, schemas and tables
//! into the canonical [`Catalog`], applying the configured filters.
//!
//! Services, databases and schemas are listed one after another (they are few), with
//! their tags; the tables, which carry most of the data, are fetched for up to
//! `parallelism` schemas at once (the client's, from the `parallelism` setting). Each schema's tables are converted as soon as
//! they arrive, so memory holds the model of the catalog plus at most that many schemas'
//! raw pages.
//!
//! Then each kept table's upstream lineage is read, one request per table (upstream depth
//! 1; shared/reference/openmetadata-target-and-lineage.md §5.3), up to
//! `parallelism` at once; each answer is converted as it arrives. An edge whose
//! upstream table the filters leave out is kept: lineage crosses the scope of a snapshot.
//! Edges from entities other than tables (a dashboard, a pipeline) are skipped and counted
//! in a debug trace. A lineage request that fails (a 404 included: the table was deleted
//! after it was listed) fails the snapshot, naming the endpoint and the table; a snapshot
//! never writes a table's lineage as empty because it could not be read.
//!
//! An object listed twice (a server bug, or two names that decode to one) is an error
//! naming it: the state files hold each object once.
//!
//! Filters follow OpenMetadata's `filter_by_database`/`filter_by_schema`/`filter_by_table`:
//! on the database, schema and table names respectively (the decoded names users see).

mod adapter;
pub mod check;
mod convert;

use futures::StreamExt;

use crate::api::openmetadata::{OmError, OpenMetadataClient, fqn, wire};
use crate::config::Filters;
use crate::core::model::{Catalog, Database, Table};

pub use adapter::{KIND, OpenMetadataSource};
pub use convert::ConvertError;

/// A failed snapshot.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A request failed.
    #[error(transparent)]
    Api(#[from] OmError),
    /// An entity could not be represented in the model.
    #[error(transparent)]
    Convert(#[from] ConvertError),
    /// The source listed one object twice (or two objects whose decoded names are equal).
    #[error(
        "{kind} `{address}` appears twice in the source's listing; a snapshot holds each object once, so nothing is written"
    )]
    Duplicate {
        /// `database`, `schema`, `table` or `column`.
        kind: &'static str,
        /// `service.database[.schema[.table[.column]]]`.
        address: String,
    },
}

/// The first name in `names` that occurs twice.
fn repeated<'a>(names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::HashSet::new();
    names.into_iter().find(|name| !seen.insert(*name))
}

/// Refuses a catalog in which one parent holds two children of one name: such a
/// snapshot would write a state file that `validate` and every later `plan` refuse.
fn check_unique(databases: &[Database]) -> Result<(), SourceError> {
    let duplicate = |kind, address: String| Err(SourceError::Duplicate { kind, address });
    let keys = databases
        .iter()
        .map(|d| (d.service.as_str(), d.name.as_str()));
    let mut seen = std::collections::HashSet::new();
    for (service, name) in keys {
        if !seen.insert((service, name)) {
            return duplicate("database", format!("{service}.{name}"));
        }
    }
    for db in databases {
        let prefix = format!("{}.{}", db.service, db.name);
        if let Some(name) = repeated(db.schemas.iter().map(|s| s.name.as_str())) {
            return duplicate("schema", format!("{prefix}.{name}"));
        }
        for schema in &db.schemas {
            let prefix = format!("{prefix}.{}", schema.name);
            if let Some(name) = repeated(schema.tables.iter().map(|t| t.name.as_str())) {
                return duplicate("table", format!("{prefix}.{name}"));
            }
            for table in &schema.tables {
                if let Some(name) = repeated(table.columns.iter().map(|c| c.name.as_str())) {
                    return duplicate("column", format!("{prefix}.{}.{name}", table.name));
                }
            }
        }
    }
    Ok(())
}

/// Reads the catalog the server holds, filtered.
pub async fn snapshot(
    client: &OpenMetadataClient,
    filters: &Filters,
) -> Result<Catalog, SourceError> {
    let version = client.check_version().await?;
    tracing::info!(version, "OpenMetadata server");

    // Databases and their schemas (ordered by name), tables still to be fetched.
    let mut databases: Vec<(Database, Vec<String>)> = Vec::new();
    for service in client.database_services().await? {
        for db in client.databases(&service.name).await? {
            if !filters.databases.keeps(&fqn::decode_name(&db.name)) {
                tracing::debug!(database = db.name, "database filtered out");
                continue;
            }
            let db_fqn = db.fully_qualified_name.clone().unwrap_or_else(|| {
                format!(
                    "{}.{}",
                    fqn::quote_name(&service.name),
                    fqn::quote_name(&db.name)
                )
            });
            let mut schemas = Vec::new();
            for schema in client.schemas(&db_fqn).await? {
                if !filters.schemas.keeps(&fqn::decode_name(&schema.name)) {
                    tracing::debug!(schema = schema.name, "schema filtered out");
                    continue;
                }
                let schema_fqn = schema
                    .fully_qualified_name
                    .clone()
                    .unwrap_or_else(|| format!("{db_fqn}.{}", fqn::quote_name(&schema.name)));
                schemas.push((convert::schema(schema, Vec::new()), schema_fqn));
            }
            schemas.sort_by(|a, b| a.0.name.cmp(&b.0.name));
            let (schemas, schema_fqns) = schemas.into_iter().unzip();
            databases.push((convert::database(&service, db, schemas), schema_fqns));
        }
    }
    databases.sort_by(|a, b| (&a.0.service, &a.0.name).cmp(&(&b.0.service, &b.0.name)));
    let (mut databases, schema_fqns): (Vec<Database>, Vec<Vec<String>>) =
        databases.into_iter().unzip();

    let pending = schema_fqns.into_iter().enumerate().flat_map(|(d, fqns)| {
        fqns.into_iter()
            .enumerate()
            .map(move |(s, schema_fqn)| (d, s, schema_fqn))
    });
    let mut fetches = futures::stream::iter(pending.map(|(d, s, schema_fqn)| async move {
        let tables = schema_tables(client, &schema_fqn, filters).await;
        (d, s, tables)
    }))
    .buffer_unordered(client.parallelism());
    // Every kept table by position, with its FQN, for the lineage requests.
    let mut table_fqns: Vec<(usize, usize, usize, String)> = Vec::new();
    while let Some((d, s, tables)) = fetches.next().await {
        let (tables, fqns): (Vec<Table>, Vec<String>) = tables?.into_iter().unzip();
        databases[d].schemas[s].tables = tables;
        table_fqns.extend(
            fqns.into_iter()
                .enumerate()
                .map(|(t, table_fqn)| (d, s, t, table_fqn)),
        );
    }
    drop(fetches);
    check_unique(&databases)?;

    read_lineage(client, &mut databases, table_fqns).await?;
    let tables: usize = databases
        .iter()
        .flat_map(|d| &d.schemas)
        .map(|s| s.tables.len())
        .sum();
    tracing::info!(databases = databases.len(), tables, "snapshot read");
    Ok(Catalog { databases })
}

/// Reads the upstream lineage of every table in `tables` (position and FQN) into
/// `databases`, the client's parallelism of requests at a time.
async fn read_lineage(
    client: &OpenMetadataClient,
    databases: &mut [Database],
    tables: Vec<(usize, usize, usize, String)>,
) -> Result<(), SourceError> {
    let mut fetches =
        futures::stream::iter(tables.into_iter().map(|(d, s, t, table_fqn)| async move {
            let upstream = match client.table_upstream(&table_fqn).await {
                Ok(lineage) => {
                    let endpoint = client.table_upstream_endpoint(&table_fqn);
                    convert::upstream(lineage, &table_fqn, &endpoint).map_err(SourceError::from)
                }
                Err(err) => Err(err.into()),
            };
            (d, s, t, upstream)
        }))
        .buffer_unordered(client.parallelism());
    let (mut edges, mut not_tables, mut deleted) = (0, 0, 0);
    while let Some((d, s, t, upstream)) = fetches.next().await {
        let upstream = upstream?;
        edges += upstream.edges.len();
        not_tables += upstream.not_tables;
        deleted += upstream.deleted;
        databases[d].schemas[s].tables[t].upstream = upstream.edges;
    }
    tracing::debug!(
        edges,
        skipped_not_tables = not_tables,
        skipped_deleted = deleted,
        "upstream lineage read; edges from other entities and deleted tables skipped"
    );
    Ok(())
}

/// The kept tables of one schema, converted and ordered by name, each with its FQN.
async fn schema_tables(
    client: &OpenMetadataClient,
    schema_fqn: &str,
    filters: &Filters,
) -> Result<Vec<(Table, String)>, SourceError> {
    let raw: Vec<wire::Table> = client.tables(schema_fqn).await?;
    let mut tables = Vec::with_capacity(raw.len());
    for table in raw {
        if filters.tables.keeps(&fqn::decode_name(&table.name)) {
            let table_fqn = table
                .fully_qualified_name
                .clone()
                .unwrap_or_else(|| format!("{schema_fqn}.{}", fqn::quote_name(&table.name)));
            tables.push((convert::table(table)?, table_fqn));
        }
    }
    tables.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    Ok(tables)
}

#[cfg(test)]
mod tests;
