//! OpenMetadata entities -> the canonical model.
//!
//! Names are decoded (`__reserved__…__`, see [`fqn::decode_name`]); Markdown descriptions
//! are kept as they are, an empty one becomes `None` (never the text "None"); columns are
//! ordered by `ordinalPosition`, then source order; tags are sorted and deduplicated;
//! foreign-key targets become decoded name paths.
//!
//! Choices on facts the reference leaves open:
//! - `schemaDefinition` is kept as the view definition only for `View`, `SecureView` and
//!   `MaterializedView`; for other tables it is DDL, which no target stores.
//! - A constraint value this version does not know (a newer server's enum) is skipped with
//!   a warning naming the table, rather than failing the whole snapshot.
//!
//! Lineage (shared/reference/openmetadata-target-and-lineage.md §5.3): of the edges into
//! the table, those from a table become [`model::Upstream`]s; edges from other entities
//! (a dashboard, a pipeline, a topic) and from soft-deleted tables are skipped and
//! counted. Column FQNs become column names relative to their table; a nested column
//! (OpenMetadata allows lineage on struct members) is named by its path joined with `.`,
//! the model having no other place for it. Several mappings to one column are merged.
//! An edge naming no known node, a table FQN that is not `service.database.schema.table`,
//! or a column FQN outside its table is an error naming the table: the answer is broken.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::api::openmetadata::{fqn, wire};
use crate::core::model::{self, TableKind};

/// A table whose content cannot be represented.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("table `{table}`: {message}")]
pub struct ConvertError {
    /// The table's FQN (or name).
    pub table: String,
    /// What is wrong.
    pub message: String,
}

/// Text that is absent when empty or blank.
fn text(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// A database of `service`.
pub fn database(
    service: &wire::DatabaseService,
    db: wire::Database,
    schemas: Vec<model::Schema>,
) -> model::Database {
    model::Database {
        tags: tags(db.tags),
        service: fqn::decode_name(&service.name),
        service_type: text(db.service_type).or_else(|| service.service_type.clone()),
        name: fqn::decode_name(&db.name),
        display_name: text(db.display_name),
        description: text(db.description),
        schemas,
    }
}

/// A schema with its tables.
pub fn schema(schema: wire::DatabaseSchema, tables: Vec<model::Table>) -> model::Schema {
    model::Schema {
        tags: tags(schema.tags),
        name: fqn::decode_name(&schema.name),
        display_name: text(schema.display_name),
        description: text(schema.description),
        tables,
    }
}

/// A table with its columns, constraints and tags.
pub fn table(table: wire::Table) -> Result<model::Table, ConvertError> {
    let label = table
        .fully_qualified_name
        .clone()
        .unwrap_or_else(|| table.name.clone());
    // OpenMetadata's `TableType` names are the model's spellings (core::table_kind).
    let table_type = text(table.table_type)
        .map(|t| TableKind::from_spelling(&t))
        .unwrap_or_default();
    let view_definition = if table_type.is_view() {
        text(table.schema_definition)
    } else {
        None
    };
    let mut constraints = Vec::new();
    for constraint in table.table_constraints.unwrap_or_default() {
        if let Some(c) = table_constraint(constraint, &label)? {
            constraints.push(c);
        }
    }
    let mut columns: Vec<model::Column> = table
        .columns
        .into_iter()
        .map(|c| column(c, &label))
        .collect();
    // Stable: equal or absent positions keep their source order, absent ones last.
    columns.sort_by_key(|c| (c.ordinal_position.is_none(), c.ordinal_position));
    Ok(model::Table {
        upstream: Vec::new(),
        name: fqn::decode_name(&table.name),
        display_name: text(table.display_name),
        description: text(table.description),
        table_type,
        view_definition,
        constraints,
        tags: tags(table.tags),
        columns,
    })
}

fn column(column: wire::Column, table: &str) -> model::Column {
    let constraint = column.constraint.as_deref().and_then(|c| match c {
        "NULL" => Some(model::ColumnConstraint::Null),
        "NOT_NULL" => Some(model::ColumnConstraint::NotNull),
        "UNIQUE" => Some(model::ColumnConstraint::Unique),
        "PRIMARY_KEY" => Some(model::ColumnConstraint::PrimaryKey),
        other => {
            tracing::warn!(
                table,
                column = column.name,
                constraint = other,
                "unknown column constraint skipped"
            );
            None
        }
    });
    model::Column {
        name: fqn::decode_name(&column.name),
        display_name: text(column.display_name),
        data_type: column.data_type,
        data_type_display: text(column.data_type_display),
        data_length: column.data_length.and_then(|l| u64::try_from(l).ok()),
        description: text(column.description),
        ordinal_position: column.ordinal_position.and_then(|p| u32::try_from(p).ok()),
        constraint,
        tags: tags(column.tags),
        children: column
            .children
            .unwrap_or_default()
            .into_iter()
            .map(|c| self::column(c, table))
            .collect(),
    }
}

fn table_constraint(
    constraint: wire::TableConstraint,
    table: &str,
) -> Result<Option<model::TableConstraint>, ConvertError> {
    let constraint_type = match constraint.constraint_type.as_str() {
        "UNIQUE" => model::ConstraintType::Unique,
        "PRIMARY_KEY" => model::ConstraintType::PrimaryKey,
        "FOREIGN_KEY" => model::ConstraintType::ForeignKey,
        "SORT_KEY" => model::ConstraintType::SortKey,
        "DIST_KEY" => model::ConstraintType::DistKey,
        "CLUSTER_KEY" => model::ConstraintType::ClusterKey,
        other => {
            tracing::warn!(
                table,
                constraint = other,
                "unknown table constraint skipped"
            );
            return Ok(None);
        }
    };
    let referred_columns = constraint
        .referred_columns
        .unwrap_or_default()
        .iter()
        .map(|referred| fqn::split_decoded(referred))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ConvertError {
            table: table.to_owned(),
            message: format!("foreign key: {e}"),
        })?;
    Ok(Some(model::TableConstraint {
        constraint_type,
        columns: constraint
            .columns
            .unwrap_or_default()
            .iter()
            .map(|c| fqn::decode_name(c))
            .collect(),
        referred_columns,
    }))
}

/// Tags of a `fields=tags` answer: fully qualified names, sorted, each once.
fn tags(labels: Option<Vec<wire::TagLabel>>) -> Vec<String> {
    let mut tags: Vec<String> = labels
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.tag_fqn)
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

/// The upstream edges of one table, and how many edges into it were skipped.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Upstreams {
    /// Edges from tables, sorted.
    pub edges: Vec<model::Upstream>,
    /// Edges from entities that are not tables.
    pub not_tables: usize,
    /// Edges from soft-deleted tables.
    pub deleted: usize,
}

/// The edges into the table `table_fqn` of its lineage answer, read from `endpoint`
/// (named in errors).
pub fn upstream(
    lineage: wire::EntityLineage,
    table_fqn: &str,
    endpoint: &str,
) -> Result<Upstreams, ConvertError> {
    let error = |message: String| ConvertError {
        table: table_fqn.to_owned(),
        message: format!("upstream lineage from `{endpoint}`: {message}"),
    };
    let root = lineage
        .entity
        .id
        .ok_or_else(|| error("the answer's `entity` has no id".into()))?;
    let nodes: HashMap<String, &wire::EntityReference> = lineage
        .nodes
        .iter()
        .filter_map(|n| n.id.as_ref().map(|id| (id.to_ascii_lowercase(), n)))
        .collect();
    // The table's own FQN is split only to read column names, when there are some.
    let mapped = |edge: &wire::Edge| {
        edge.lineage_details
            .as_ref()
            .and_then(|d| d.columns_lineage.as_ref())
            .is_some_and(|c| !c.is_empty())
    };
    let this = if lineage.upstream_edges.iter().any(mapped) {
        fqn::split(table_fqn).map_err(|e| error(e.to_string()))?
    } else {
        Vec::new()
    };
    let mut found = Upstreams::default();
    for edge in &lineage.upstream_edges {
        if !edge.to_entity.eq_ignore_ascii_case(&root) {
            continue;
        }
        let node = nodes
            .get(&edge.from_entity.to_ascii_lowercase())
            .ok_or_else(|| {
                error(format!(
                    "an edge comes from `{}`, which is not among the nodes",
                    edge.from_entity
                ))
            })?;
        if node.kind.as_deref() != Some("table") {
            found.not_tables += 1;
            continue;
        }
        if node.deleted == Some(true) {
            found.deleted += 1;
            continue;
        }
        let from_fqn = node.fully_qualified_name.as_deref().ok_or_else(|| {
            error(format!(
                "the node `{}` has no fullyQualifiedName",
                edge.from_entity
            ))
        })?;
        let from = fqn::split(from_fqn).map_err(|e| error(e.to_string()))?;
        if from.len() != 4 {
            return Err(error(format!(
                "the upstream table `{from_fqn}` is not named service.database.schema.table"
            )));
        }
        let details = edge.lineage_details.as_ref();
        let mut columns: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for mapping in details
            .and_then(|d| d.columns_lineage.as_deref())
            .unwrap_or_default()
        {
            let Some(to) = &mapping.to_column else {
                continue;
            };
            let to = column_name(to, &this).map_err(&error)?;
            let sources = columns.entry(to).or_default();
            for column in mapping.from_columns.as_deref().unwrap_or_default() {
                sources.insert(column_name(column, &from).map_err(&error)?);
            }
        }
        found.edges.push(model::Upstream {
            table: from.iter().map(|part| fqn::decode_name(part)).collect(),
            columns: columns
                .into_iter()
                .map(|(to, from)| model::ColumnLineage {
                    from: from.into_iter().collect(),
                    to,
                })
                .collect(),
            sql: text(details.and_then(|d| d.sql_query.clone())),
            pipeline: details.and_then(|d| d.pipeline.as_ref()).and_then(|p| {
                text(p.fully_qualified_name.clone()).or_else(|| text(p.name.clone()))
            }),
        });
    }
    found.edges.sort();
    found.edges.dedup();
    Ok(found)
}

/// The decoded name of the column `column_fqn` of the table split into `table`; a nested
/// column's path joined with `.`.
fn column_name(column_fqn: &str, table: &[String]) -> Result<String, String> {
    let parts = fqn::split(column_fqn).map_err(|e| e.to_string())?;
    match parts.strip_prefix(table) {
        Some(path) if !path.is_empty() => Ok(path
            .iter()
            .map(|part| fqn::decode_name(part))
            .collect::<Vec<_>>()
            .join(".")),
        _ => Err(format!(
            "the column `{column_fqn}` is not a column of `{}`",
            table
                .iter()
                .map(|p| fqn::quote_name(p))
                .collect::<Vec<_>>()
                .join(".")
        )),
    }
}
