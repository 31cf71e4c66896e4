//! OpenMetadata as a source: read every database service's databases, schemas and tables
//! into the canonical model, applying the configured filters, and hand each schema to a
//! [`CatalogSink`] as soon as it is complete.
//!
//! Services, databases and schemas are listed first, one after another (they are few),
//! with their tags, and given to the sink. Then schemas are read [`SCHEMAS_IN_FLIGHT`] at
//! a time, each on a task of its own (so pages are decoded on the runtime's worker
//! threads): its tables, page after page (a cursor cannot be split), each page converted
//! as it arrives, then each kept table's upstream lineage, one request per table
//! (upstream depth 1; shared/reference/openmetadata-target-and-lineage.md §5.3: the REST
//! API has no bulk edge listing, only the search index, which may lag behind it). The
//! client keeps at most its `parallelism` of requests in flight over all of them, so while
//! one schema's pages are listed another's lineage fills the other slots. Memory holds the
//! skeleton of the catalog plus at most [`SCHEMAS_IN_FLIGHT`] schemas' tables, whatever
//! the size of the catalog.
//!
//! An edge whose upstream table the filters leave out is kept: lineage crosses the scope
//! of a snapshot. Edges from entities other than tables (a dashboard, a pipeline) are
//! skipped and counted in a debug trace. A lineage request that fails (a 404 included:
//! the table was deleted after it was listed) fails the snapshot, naming the endpoint and
//! the table; a snapshot never writes a table's lineage as empty because it could not be
//! read.
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
use crate::core::model::{Catalog, Database, Schema, Table};
use crate::source::{CatalogSink, CollectCatalog};

pub use adapter::{KIND, OpenMetadataSource};
pub use convert::ConvertError;

/// How many schemas are read at once: two, so that one schema's page-by-page table
/// listing overlaps another's lineage requests, while memory holds at most two schemas'
/// tables (a schema can hold tens of thousands).
pub const SCHEMAS_IN_FLIGHT: usize = 2;

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
    /// The sink refused what was read (e.g. a state file could not be written).
    #[error(transparent)]
    Sink(crate::error::Error),
}

/// The first name in `names` that occurs twice.
fn repeated<'a>(names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::HashSet::new();
    names.into_iter().find(|name| !seen.insert(*name))
}

fn duplicate(kind: &'static str, address: String) -> Result<(), SourceError> {
    Err(SourceError::Duplicate { kind, address })
}

/// Refuses databases or schemas listed twice: such a snapshot would write a state file
/// that `validate` and every later `plan` refuse.
fn check_unique_containers(databases: &[Database]) -> Result<(), SourceError> {
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
        if let Some(name) = repeated(db.schemas.iter().map(|s| s.name.as_str())) {
            return duplicate("schema", format!("{}.{}.{name}", db.service, db.name));
        }
    }
    Ok(())
}

/// Refuses tables listed twice in one schema, or columns twice in one table; `prefix`
/// is the schema's `service.database.schema`.
fn check_unique_tables(prefix: &str, tables: &[Table]) -> Result<(), SourceError> {
    if let Some(name) = repeated(tables.iter().map(|t| t.name.as_str())) {
        return duplicate("table", format!("{prefix}.{name}"));
    }
    for table in tables {
        if let Some(name) = repeated(table.columns.iter().map(|c| c.name.as_str())) {
            return duplicate("column", format!("{prefix}.{}.{name}", table.name));
        }
    }
    Ok(())
}

/// Reads the catalog the server holds, filtered, as one [`Catalog`] (which holds it
/// whole: [`snapshot_into`] streams it instead).
pub async fn snapshot(
    client: &OpenMetadataClient,
    filters: &Filters,
) -> Result<Catalog, SourceError> {
    let mut sink = CollectCatalog::default();
    snapshot_into(client, filters, &mut sink).await?;
    Ok(sink.catalog)
}

/// The databases in scope with their schemas (no tables yet), in canonical order, and
/// the FQN of every schema, by position.
async fn skeleton(
    client: &OpenMetadataClient,
    filters: &Filters,
) -> Result<(Vec<Database>, Vec<Vec<String>>), SourceError> {
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
    Ok(databases.into_iter().unzip())
}

/// Reads the catalog the server holds, filtered, into `sink`, schema by schema.
pub async fn snapshot_into(
    client: &OpenMetadataClient,
    filters: &Filters,
    sink: &mut impl CatalogSink,
) -> Result<(), SourceError> {
    let version = client.check_version().await?;
    tracing::info!(version, "OpenMetadata server");

    let (mut databases, schema_fqns) = skeleton(client, filters).await?;
    check_unique_containers(&databases)?;
    sink.begin(&databases).map_err(SourceError::Sink)?;

    let mut pending = Vec::new();
    for (d, fqns) in schema_fqns.into_iter().enumerate() {
        for (s, schema_fqn) in fqns.into_iter().enumerate() {
            let db = &databases[d];
            let prefix = format!("{}.{}.{}", db.service, db.name, db.schemas[s].name);
            pending.push((d, s, schema_fqn, prefix));
        }
    }
    let mut reads = futures::stream::iter(pending.into_iter().map(|(d, s, schema_fqn, prefix)| {
        let (client, filters) = (client.clone(), filters.clone());
        let task = tokio::spawn(async move {
            let tables = read_schema(&client, &schema_fqn, &prefix, &filters).await;
            (d, s, tables)
        });
        async move {
            task.await
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()))
        }
    }))
    .buffer_unordered(SCHEMAS_IN_FLIGHT);
    let (mut tables, mut edges) = (0, 0);
    while let Some((d, s, read)) = reads.next().await {
        let read = read?;
        tables += read.len();
        edges += read.iter().map(|t| t.upstream.len()).sum::<usize>();
        let mut schema = std::mem::replace(&mut databases[d].schemas[s], empty_schema());
        schema.tables = read;
        sink.schema(d, s, schema).map_err(SourceError::Sink)?;
    }
    tracing::info!(databases = databases.len(), tables, edges, "snapshot read");
    Ok(())
}

/// What stays of a schema in the skeleton once it has been handed over.
fn empty_schema() -> Schema {
    Schema {
        name: String::new(),
        display_name: None,
        description: None,
        tags: Vec::new(),
        tables: Vec::new(),
    }
}

/// The kept tables of one schema (`prefix` is its decoded `service.database.schema`),
/// ordered by name, with their upstream lineage.
async fn read_schema(
    client: &OpenMetadataClient,
    schema_fqn: &str,
    prefix: &str,
    filters: &Filters,
) -> Result<Vec<Table>, SourceError> {
    let listed = schema_tables(client, schema_fqn, filters).await?;
    let (tables, fqns): (Vec<Table>, Vec<String>) = listed.into_iter().unzip();
    check_unique_tables(prefix, &tables)?;
    let mut fetches = futures::stream::iter(tables.into_iter().zip(fqns).map(
        |(mut table, table_fqn)| async move {
            let lineage = client.table_upstream(&table_fqn).await?;
            let endpoint = client.table_upstream_endpoint(&table_fqn);
            let upstream = convert::upstream(lineage, &table_fqn, &endpoint)?;
            table.upstream = upstream.edges;
            Ok::<_, SourceError>((table, upstream.not_tables, upstream.deleted))
        },
    ))
    .buffered(client.parallelism());
    let mut read = Vec::new();
    let (mut not_tables, mut deleted) = (0, 0);
    while let Some(table) = fetches.next().await {
        let (table, skipped_not_tables, skipped_deleted) = table?;
        not_tables += skipped_not_tables;
        deleted += skipped_deleted;
        read.push(table);
    }
    tracing::debug!(
        schema = prefix,
        skipped_not_tables = not_tables,
        skipped_deleted = deleted,
        "upstream lineage read; edges from other entities and deleted tables skipped"
    );
    Ok(read)
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
