//! OpenMetadata JSON shapes, as the server sends them (shared/reference/openmetadata-connectors.md
//! §4.2, §4.5; lineage: shared/reference/openmetadata-target-and-lineage.md §5.2-§5.3).
//!
//! Only the fields a snapshot needs are declared. Unknown fields are ignored (the server
//! adds fields between versions), enum-like values stay strings here and are checked
//! where they are mapped, so that a new value names the entity it came from.

use serde::Deserialize;

/// One page of a list endpoint: `{"data": [...], "paging": {...}}`.
#[derive(Debug, Deserialize)]
pub struct EntityList<T> {
    /// The entities of this page.
    pub data: Vec<T>,
    /// Cursors and total; absent on some servers' last pages.
    #[serde(default)]
    pub paging: Option<Paging>,
}

/// Cursor paging of list endpoints.
#[derive(Debug, Default, Deserialize)]
pub struct Paging {
    /// Opaque cursor of the next page; absent or null on the last page.
    #[serde(default)]
    pub after: Option<String>,
    /// Number of entities matching the filter at request time.
    #[serde(default)]
    pub total: Option<u64>,
}

/// `GET /api/v1/system/version`.
#[derive(Debug, Deserialize)]
pub struct ServerVersion {
    /// E.g. `1.5.11`.
    pub version: String,
}

/// A reference to another entity.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityReference {
    /// The referenced entity's id.
    #[serde(default)]
    pub id: Option<String>,
    /// The referenced entity's type, e.g. `table`, `pipeline`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Whether the referenced entity is soft-deleted.
    #[serde(default)]
    pub deleted: Option<bool>,
    /// The referenced entity's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The referenced entity's FQN.
    #[serde(default)]
    pub fully_qualified_name: Option<String>,
}

/// A `DatabaseService`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseService {
    /// Service name (also its FQN).
    pub name: String,
    /// Service type, e.g. `BigQuery`, `Glue`.
    #[serde(default)]
    pub service_type: Option<String>,
}

/// A `Database`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Database {
    /// Stored name.
    pub name: String,
    /// FQN, `service.database`.
    #[serde(default)]
    pub fully_qualified_name: Option<String>,
    /// Human-friendly name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Markdown description.
    #[serde(default)]
    pub description: Option<String>,
    /// Service type, e.g. `BigQuery`.
    #[serde(default)]
    pub service_type: Option<String>,
    /// Tags (only when requested with `fields=tags`).
    #[serde(default)]
    pub tags: Option<Vec<TagLabel>>,
}

/// A `DatabaseSchema`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseSchema {
    /// Stored name.
    pub name: String,
    /// FQN, `service.database.schema`.
    #[serde(default)]
    pub fully_qualified_name: Option<String>,
    /// Human-friendly name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Markdown description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags (only when requested with `fields=tags`).
    #[serde(default)]
    pub tags: Option<Vec<TagLabel>>,
}

/// A `Table`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Table {
    /// Stored name.
    pub name: String,
    /// FQN, `service.database.schema.table`.
    #[serde(default)]
    pub fully_qualified_name: Option<String>,
    /// Human-friendly name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Markdown description.
    #[serde(default)]
    pub description: Option<String>,
    /// `Regular`, `View`, ...
    #[serde(default)]
    pub table_type: Option<String>,
    /// Columns (always returned by the server).
    #[serde(default)]
    pub columns: Vec<Column>,
    /// Table constraints (only when requested with `fields=tableConstraints`).
    #[serde(default)]
    pub table_constraints: Option<Vec<TableConstraint>>,
    /// DDL or view SQL (only when requested with `fields=schemaDefinition`).
    #[serde(default)]
    pub schema_definition: Option<String>,
    /// Tags (only when requested with `fields=tags`).
    #[serde(default)]
    pub tags: Option<Vec<TagLabel>>,
}

/// A `Column`, possibly with nested children.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Column {
    /// Stored name.
    pub name: String,
    /// Human-friendly name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `dataType` enum value, e.g. `VARCHAR`.
    pub data_type: String,
    /// E.g. `varchar(100)`.
    #[serde(default)]
    pub data_type_display: Option<String>,
    /// Length for char/varchar/binary types.
    #[serde(default)]
    pub data_length: Option<i64>,
    /// Markdown description.
    #[serde(default)]
    pub description: Option<String>,
    /// 1-based position.
    #[serde(default)]
    pub ordinal_position: Option<i64>,
    /// `NULL`, `NOT_NULL`, `UNIQUE` or `PRIMARY_KEY`.
    #[serde(default)]
    pub constraint: Option<String>,
    /// Tags (populated when a table is read with both `columns` and `tags`).
    #[serde(default)]
    pub tags: Option<Vec<TagLabel>>,
    /// Nested members of STRUCT/MAP/UNION columns.
    #[serde(default)]
    pub children: Option<Vec<Column>>,
}

/// A `TableConstraint`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableConstraint {
    /// `PRIMARY_KEY`, `FOREIGN_KEY`, ...
    pub constraint_type: String,
    /// Local column names (stored form).
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// Referenced column FQNs of a foreign key.
    #[serde(default)]
    pub referred_columns: Option<Vec<String>>,
}

/// A `TagLabel`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagLabel {
    /// The tag's FQN, e.g. `PII.Sensitive`.
    #[serde(rename = "tagFQN")]
    pub tag_fqn: String,
}

/// `GET /api/v1/lineage/{entityType}/name/{fqn}`: an entity's lineage graph (§5.3).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityLineage {
    /// The entity asked about.
    pub entity: EntityReference,
    /// The other entities the edges reach.
    #[serde(default)]
    pub nodes: Vec<EntityReference>,
    /// Edges towards the entity's sources.
    #[serde(default)]
    pub upstream_edges: Vec<Edge>,
}

/// An edge of an [`EntityLineage`]; its ends are bare entity ids.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Edge {
    /// Id of the upstream entity.
    pub from_entity: String,
    /// Id of the downstream entity.
    pub to_entity: String,
    /// How the data moves.
    #[serde(default)]
    pub lineage_details: Option<LineageDetails>,
}

/// An edge's `lineageDetails`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineageDetails {
    /// The SQL that moves the data.
    #[serde(default)]
    pub sql_query: Option<String>,
    /// Column-level lineage.
    #[serde(default)]
    pub columns_lineage: Option<Vec<ColumnLineage>>,
    /// The pipeline (or stored procedure) that moves the data.
    #[serde(default)]
    pub pipeline: Option<EntityReference>,
}

/// One column mapping of an edge, by column FQNs.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnLineage {
    /// Upstream column FQNs.
    #[serde(default)]
    pub from_columns: Option<Vec<String>>,
    /// Downstream column FQN.
    #[serde(default)]
    pub to_column: Option<String>,
}
