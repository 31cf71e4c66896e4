//! Seeding from OpenMetadata's sample data (`ingestion/examples/sample_data/`): the
//! create-shaped entities there become stored entities as the server would make them.
//!
//! Every directory (the given one and any below it) holding `tables.json` is one set:
//! `service.json` or `database_service.json`, `database.json`, `database_schema.json`
//! and `tables.json`. Parent references inside the files are ignored: the service,
//! database and schema of a set are the ones of its directory. Ids are uuid v5 of the
//! entity type and FQN, so a seed is the same on every run; `serviceType` is the service's
//! `serviceConnection.config.type`.
//!
//! Every `lineage.json` below the directory (the sample data has `lineage/lineage.json`)
//! is read after all sets: a list of `{"from": {"fqn", "type"}, "to": {"fqn", "type"},
//! "sql_query"?, "edge_meta"?: {"fqn", "type"}}`, as OpenMetadata's sample-data source
//! reads it (it sends `lineageDetails` with `sqlQuery` and `edge_meta` as the `pipeline`).
//! The file holds no column lineage. Edges between two stored tables are kept; the others
//! (an end that is not a table, or not in the catalog) are skipped and counted in a
//! debug trace.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::fqn;
use super::model::{
    Column, Common, Database, Entity, EntityLink, LineageDetails, LineageEdge, Schema, Service,
    Table, TableConstraint, TableType, encode_column_names, validate_columns, validate_name,
};
use super::state::{Collection, OmState};

/// `updatedAt` of seeded entities that carry none.
const SEED_TIME: i64 = 1_700_000_000_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServiceFile {
    service_name: String,
    #[serde(default)]
    description: Option<String>,
    service_connection: Connection,
}

#[derive(Deserialize)]
struct Connection {
    config: ConnectionConfig,
}

#[derive(Deserialize)]
struct ConnectionConfig {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Container {
    name: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    tags: Option<Vec<Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SampleTable {
    name: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    table_type: Option<TableType>,
    columns: Vec<Column>,
    #[serde(default)]
    table_constraints: Option<Vec<TableConstraint>>,
    #[serde(default)]
    tags: Option<Vec<Value>>,
    #[serde(default)]
    schema_definition: Option<String>,
    #[serde(default)]
    version: Option<f64>,
    #[serde(default)]
    updated_at: Option<i64>,
    #[serde(default)]
    updated_by: Option<String>,
}

/// One or many objects, as the sample files hold either.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    Many(Vec<T>),
    One(T),
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            Self::Many(items) => items,
            Self::One(item) => vec![item],
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TablesFile {
    Wrapped { tables: Vec<SampleTable> },
    Bare(Vec<SampleTable>),
}

/// One edge of `lineage.json`.
#[derive(Deserialize)]
struct SampleEdge {
    from: SampleEnd,
    to: SampleEnd,
    #[serde(default)]
    sql_query: Option<String>,
    #[serde(default)]
    edge_meta: Option<SampleEnd>,
}

/// An entity named in `lineage.json`, by FQN and type.
#[derive(Deserialize)]
struct SampleEnd {
    fqn: String,
    #[serde(rename = "type")]
    kind: String,
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Collects, below `dir` and in path order, the set directories and the lineage files.
fn set_directories(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    lineage: &mut Vec<PathBuf>,
) -> Result<(), String> {
    let entries =
        fs::read_dir(dir).map_err(|e| format!("cannot read directory {}: {e}", dir.display()))?;
    let mut children = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read directory {}: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            children.push(path);
        }
    }
    if dir.join("tables.json").is_file() {
        out.push(dir.to_path_buf());
    }
    if dir.join("lineage.json").is_file() {
        lineage.push(dir.join("lineage.json"));
    }
    children.sort();
    for child in children {
        set_directories(&child, out, lineage)?;
    }
    Ok(())
}

fn new_common(name: &str, fqn: &str, type_name: &str, description: Option<String>) -> Common {
    Common::initial(name, fqn, type_name, description, SEED_TIME)
}

fn container(item: Container, fqn: &str, type_name: &str, file: &Path) -> Result<Common, String> {
    let name = fqn::encode_name(&item.name);
    validate_name(&name).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut common = new_common(&name, fqn, type_name, item.description);
    common.display_name = item.display_name.map(Into::into);
    common.tags = item.tags.unwrap_or_default();
    Ok(common)
}

/// Stores the databases or schemas listed in `file` under `parent_fqn` (keeping any
/// already stored) and gives the FQN and id of the first, the parent of the set's
/// next level. `what` names the level in messages.
fn seed_containers<T: Entity>(
    state: &mut OmState,
    file: &Path,
    parent_fqn: &str,
    type_name: &str,
    what: &str,
    stored: fn(&OmState) -> &Collection<T>,
    add: impl Fn(&mut OmState, Common) -> Result<u32, String>,
) -> Result<(String, Uuid), String> {
    let items = read_json::<OneOrMany<Container>>(file)?.into_vec();
    let mut fqns = Vec::new();
    for item in items {
        let item_fqn = fqn::child(parent_fqn, &fqn::encode_name(&item.name));
        let common = container(item, &item_fqn, type_name, file)?;
        if stored(state).slot_by_fqn(&item_fqn).is_none() {
            add(state, common).map_err(|e| format!("{}: {e}", file.display()))?;
        }
        fqns.push(item_fqn);
    }
    let first = fqns
        .into_iter()
        .next()
        .ok_or_else(|| format!("{}: no {what}", file.display()))?;
    let collection = stored(state);
    let id = collection
        .slot_by_fqn(&first)
        .and_then(|slot| collection.get(slot))
        .map(|e| e.common().id)
        .ok_or_else(|| format!("{}: {what} not stored", file.display()))?;
    Ok((first, id))
}

fn load_set(state: &mut OmState, dir: &Path) -> Result<(), String> {
    let service_file = ["service.json", "database_service.json"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "{}: missing service.json or database_service.json",
                dir.display()
            )
        })?;
    let database_file = dir.join("database.json");
    let schema_file = dir.join("database_schema.json");
    let tables_file = dir.join("tables.json");

    let service: ServiceFile = read_json(&service_file)?;
    let service_name = fqn::encode_name(&service.service_name);
    validate_name(&service_name).map_err(|e| format!("{}: {e}", service_file.display()))?;
    let service_fqn = fqn::quote_name(&service_name);
    let service_id = match state.services.slot_by_fqn(&service_fqn) {
        Some(slot) => state.services.get(slot).map(|s| s.common.id),
        None => None,
    };
    let service_id = match service_id {
        Some(id) => id,
        None => {
            let common = new_common(
                &service_name,
                &service_fqn,
                "databaseService",
                service.description,
            );
            let id = common.id;
            state.add_service(Service {
                common,
                service_type: service.service_connection.config.kind.into(),
            })?;
            id
        }
    };

    let (database_fqn, database_id) = seed_containers(
        state,
        &database_file,
        &service_fqn,
        "database",
        "database",
        |s| &s.databases,
        |s, common| {
            s.add_database(Database {
                common,
                service: service_id,
            })
        },
    )?;
    let (schema_fqn, schema_id) = seed_containers(
        state,
        &schema_file,
        &database_fqn,
        "databaseSchema",
        "schema",
        |s| &s.schemas,
        |s, common| {
            s.add_schema(Schema {
                common,
                database: database_id,
            })
        },
    )?;

    let tables = match read_json::<TablesFile>(&tables_file)? {
        TablesFile::Wrapped { tables } | TablesFile::Bare(tables) => tables,
    };
    for sample in tables {
        let at = |e: String| format!("{}: table `{}`: {e}", tables_file.display(), sample.name);
        let name = fqn::encode_name(&sample.name);
        validate_name(&name).map_err(at)?;
        let table_fqn = fqn::child(&schema_fqn, &name);
        let mut columns = sample.columns.clone();
        encode_column_names(&mut columns);
        validate_columns(&columns).map_err(at)?;
        let mut common = new_common(&name, &table_fqn, "table", sample.description.clone());
        common.display_name = sample.display_name.clone().map(Into::into);
        common.tags = sample.tags.clone().unwrap_or_default();
        common.version = sample.version.unwrap_or(0.1);
        common.updated_at = sample.updated_at.unwrap_or(SEED_TIME);
        if let Some(by) = &sample.updated_by {
            common.updated_by = by.as_str().into();
        }
        let mut constraints = sample.table_constraints.clone().unwrap_or_default();
        for constraint in &mut constraints {
            for column in &mut constraint.columns {
                *column = fqn::encode_name(column);
            }
        }
        state
            .add_table(Table {
                common,
                database_schema: schema_id,
                table_type: sample.table_type,
                columns,
                table_constraints: constraints,
                schema_definition: sample.schema_definition.clone().map(Into::into),
            })
            .map_err(at)?;
    }
    Ok(())
}

/// Stores the table-to-table edges of a `lineage.json` whose ends are stored tables.
fn load_lineage(state: &mut OmState, file: &Path) -> Result<(), String> {
    let edges: Vec<SampleEdge> = read_json(file)?;
    let table_id = |state: &OmState, end: &SampleEnd| {
        (end.kind == "table")
            .then(|| state.tables.slot_by_fqn(&end.fqn))
            .flatten()
            .and_then(|slot| state.tables.get(slot))
            .map(|t| t.common.id)
    };
    let mut skipped = 0_usize;
    for edge in edges {
        let (Some(from), Some(to)) = (table_id(state, &edge.from), table_id(state, &edge.to))
        else {
            skipped += 1;
            continue;
        };
        let pipeline = edge.edge_meta.map(|meta| EntityLink {
            kind: meta.kind.into(),
            fully_qualified_name: meta.fqn.into(),
        });
        state
            .add_lineage(LineageEdge {
                from_entity: from,
                to_entity: to,
                lineage_details: LineageDetails::initial(
                    edge.sql_query,
                    Vec::new(),
                    pipeline,
                    SEED_TIME,
                ),
            })
            .map_err(|e| format!("{}: {e}", file.display()))?;
    }
    tracing::debug!(
        file = %file.display(),
        skipped,
        "lineage edges not between two stored tables skipped"
    );
    Ok(())
}

/// Reads every sample-data set under `dir`, then its lineage, into a new state.
pub fn load_sample_data(dir: &Path) -> Result<OmState, String> {
    let mut sets = Vec::new();
    let mut lineage = Vec::new();
    set_directories(dir, &mut sets, &mut lineage)?;
    if sets.is_empty() {
        return Err(format!(
            "{}: no sample data set (a directory with tables.json) found",
            dir.display()
        ));
    }
    let mut state = OmState::default();
    for set in sets {
        load_set(&mut state, &set)?;
    }
    for file in lineage {
        load_lineage(&mut state, &file)?;
    }
    Ok(state)
}
