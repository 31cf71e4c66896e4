//! The canonical catalog model: what a source produces and what desired-state files hold.
//!
//! The shape follows OpenMetadata's entities (shared/reference/openmetadata-connectors.md
//! §4.5) because that is the richest source; names are stored decoded, exactly as the
//! source system shows them (dots, quotes, slashes, unicode). Descriptions are kept in
//! the source's Markdown; conversion to a target's format belongs to the target adapter.

use serde::{Deserialize, Serialize};

pub use super::table_kind::TableKind;

/// A whole desired catalog: every database of every source service in scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// Databases, ordered by (service, name).
    pub databases: Vec<Database>,
}

/// A database of a source service (an OpenMetadata `Database`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Database {
    /// Name of the source service, e.g. `sample_data`.
    pub service: String,
    /// The source service's type as the source names it, e.g. `BigQuery`, `Glue`.
    pub service_type: Option<String>,
    /// Database name, e.g. `ecommerce_db`.
    pub name: String,
    /// Human-friendly name, when the source has one.
    pub display_name: Option<String>,
    /// Markdown description; `None` when the source has none (never the text "None").
    pub description: Option<String>,
    /// Fully qualified tag names (classification tags or glossary terms), sorted.
    pub tags: Vec<String>,
    /// Schemas, ordered by name.
    pub schemas: Vec<Schema>,
}

/// A schema of a database (an OpenMetadata `DatabaseSchema`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// Schema name.
    pub name: String,
    /// Human-friendly name.
    pub display_name: Option<String>,
    /// Markdown description.
    pub description: Option<String>,
    /// Fully qualified tag names (classification tags or glossary terms), sorted.
    pub tags: Vec<String>,
    /// Tables, ordered by name.
    pub tables: Vec<Table>,
}

/// A table or view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Table name.
    pub name: String,
    /// Human-friendly name.
    pub display_name: Option<String>,
    /// Markdown description.
    pub description: Option<String>,
    /// What kind of relation it is (a table, a view, …).
    pub table_type: TableKind,
    /// View definition (SQL), when the source has one.
    pub view_definition: Option<String>,
    /// Table-level constraints (primary keys, foreign keys, ...), in source order.
    pub constraints: Vec<TableConstraint>,
    /// Fully qualified tag names, sorted.
    pub tags: Vec<String>,
    /// The tables this one is computed from (its upstream lineage), sorted by table.
    pub upstream: Vec<Upstream>,
    /// Columns, ordered by ordinal position (then source order).
    pub columns: Vec<Column>,
}

/// One lineage edge into a table: the upstream table it is computed from, and how.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Upstream {
    /// The upstream table, as a path of decoded names `[service, database, schema, table]`.
    pub table: Vec<String>,
    /// Which columns of the upstream table each column of this table comes from, sorted
    /// by `to`.
    pub columns: Vec<ColumnLineage>,
    /// The SQL that moves the data, when the source has it.
    pub sql: Option<String>,
    /// The pipeline or process that moves the data, as the source names it.
    pub pipeline: Option<String>,
}

/// Column-level lineage of one edge: a column of the downstream table and the upstream
/// columns it is computed from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ColumnLineage {
    /// Names of the upstream table's columns, sorted.
    pub from: Vec<String>,
    /// Name of the downstream (this table's) column.
    pub to: String,
}

/// A column; nested columns (STRUCT, MAP, ARRAY, UNION members) are its `children`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Column name (`-` for an unnamed struct member, as OpenMetadata does).
    pub name: String,
    /// Human-friendly name.
    pub display_name: Option<String>,
    /// OpenMetadata `dataType` enum value, e.g. `VARCHAR`, `STRUCT`.
    pub data_type: String,
    /// Full type as the source displays it, e.g. `varchar(100)`, `struct<a:int>`.
    pub data_type_display: Option<String>,
    /// Length for char/varchar/binary types.
    pub data_length: Option<u64>,
    /// Markdown description.
    pub description: Option<String>,
    /// 1-based position in the table, when the source gives one.
    pub ordinal_position: Option<u32>,
    /// Column-level constraint.
    pub constraint: Option<ColumnConstraint>,
    /// Fully qualified tag names, sorted.
    pub tags: Vec<String>,
    /// Nested members, in source order.
    pub children: Vec<Column>,
}

/// OpenMetadata's column-level constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ColumnConstraint {
    /// Nullable.
    Null,
    /// Not nullable.
    NotNull,
    /// Unique values.
    Unique,
    /// Part of the primary key.
    PrimaryKey,
}

/// A table-level constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableConstraint {
    /// The kind of constraint.
    pub constraint_type: ConstraintType,
    /// Local column names.
    pub columns: Vec<String>,
    /// Referenced columns of a foreign key, each as a path of decoded names
    /// `[service, database, schema, table, column]`.
    pub referred_columns: Vec<Vec<String>>,
}

/// OpenMetadata's table constraint types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConstraintType {
    /// Unique key.
    Unique,
    /// Primary key.
    PrimaryKey,
    /// Foreign key.
    ForeignKey,
    /// Sort key.
    SortKey,
    /// Distribution key.
    DistKey,
    /// Clustering key.
    ClusterKey,
}
