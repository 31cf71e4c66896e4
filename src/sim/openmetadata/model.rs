//! The stored entities, typed and compact so that a catalog of 100,000 tables fits in
//! memory; JSON is produced per request (see `render.rs`).
//!
//! Closed vocabularies (data types, constraints, table types) are one-byte indexes into
//! the server's enum lists (shared/reference/openmetadata-connectors.md §4.5), so reading
//! a value outside the list fails like the server's schema validation does.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use uuid::Uuid;

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident, $kind:literal, [$($value:literal),* $(,)?]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name(u8);

        impl $name {
            /// Every value the server accepts.
            pub const VALUES: &'static [&'static str] = &[$($value),*];

            /// The value spelled `text`, if the server accepts it.
            pub fn parse(text: &str) -> Option<Self> {
                Self::VALUES.iter().position(|v| *v == text).map(|i| Self(i as u8))
            }

            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                Self::VALUES[usize::from(self.0)]
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!("invalid {} `{text}`", $kind))
                })
            }
        }
    };
}

string_enum!(
    /// A column's `dataType` (2.0.7.0 enum).
    DataType, "dataType", [
    "NUMBER", "TINYINT", "SMALLINT", "INT", "BIGINT", "BYTEINT", "BYTES", "FLOAT", "DOUBLE",
    "DECIMAL", "NUMERIC", "TIMESTAMP", "TIMESTAMPZ", "TIME", "DATE", "DATETIME", "INTERVAL",
    "STRING", "MEDIUMTEXT", "TEXT", "CHAR", "LONG", "VARCHAR", "BOOLEAN", "BINARY", "VARBINARY",
    "ARRAY", "BLOB", "LONGBLOB", "MEDIUMBLOB", "MAP", "STRUCT", "UNION", "SET", "GEOGRAPHY",
    "ENUM", "JSON", "UUID", "VARIANT", "GEOMETRY", "BYTEA", "AGGREGATEFUNCTION", "ERROR",
    "FIXED", "RECORD", "NULL", "SUPER", "HLLSKETCH", "PG_LSN", "PG_SNAPSHOT", "TSQUERY",
    "TXID_SNAPSHOT", "XML", "MACADDR", "TSVECTOR", "UNKNOWN", "CIDR", "INET", "CLOB", "ROWID",
    "LOWCARDINALITY", "YEAR", "POINT", "POLYGON", "TUPLE", "SPATIAL", "TABLE", "NTEXT", "IMAGE",
    "IPV4", "IPV6", "DATETIMERANGE", "HLL", "LARGEINT", "QUANTILE_STATE", "AGG_STATE", "BITMAP",
    "UINT", "BIT", "MONEY", "MEASURE HIDDEN", "MEASURE VISIBLE", "MEASURE", "KPI", "HEIRARCHY",
    "HIERARCHYID"
]);

string_enum!(
    /// A column's `constraint`.
    ColumnConstraint, "column constraint", ["NULL", "NOT_NULL", "UNIQUE", "PRIMARY_KEY"]
);

string_enum!(
    /// A table constraint's `constraintType`.
    ConstraintType, "constraintType",
    ["UNIQUE", "PRIMARY_KEY", "FOREIGN_KEY", "SORT_KEY", "DIST_KEY", "CLUSTER_KEY"]
);

string_enum!(
    /// A table constraint's `relationshipType`.
    RelationshipType, "relationshipType",
    ["ONE_TO_ONE", "ONE_TO_MANY", "MANY_TO_ONE", "MANY_TO_MANY"]
);

string_enum!(
    /// A table's `tableType`.
    TableType, "tableType", [
    "Regular", "External", "Dynamic", "View", "SecureView", "MaterializedView", "Iceberg",
    "Local", "Partitioned", "Foreign", "Transient", "Stream", "Stage", "SemanticView"
]);

impl DataType {
    /// `UNKNOWN`.
    pub const UNKNOWN: Self = Self(55);
}

impl ColumnConstraint {
    /// `PRIMARY_KEY`.
    pub const PRIMARY_KEY: Self = Self(3);
}

impl ConstraintType {
    /// `PRIMARY_KEY`.
    pub const PRIMARY_KEY: Self = Self(1);
    /// `FOREIGN_KEY`.
    pub const FOREIGN_KEY: Self = Self(2);
}

impl RelationshipType {
    /// `MANY_TO_ONE`.
    pub const MANY_TO_ONE: Self = Self(2);
}

impl TableType {
    /// `Regular`.
    pub const REGULAR: Self = Self(0);
    /// `View`.
    pub const VIEW: Self = Self(3);
}

/// A column, in the wire shape without `fullyQualifiedName` (derived from the table's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Column {
    /// Stored (encoded) column name.
    pub name: Box<str>,
    /// Optional display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Box<str>>,
    /// Data type.
    pub data_type: DataType,
    /// Element type of an array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub array_data_type: Option<DataType>,
    /// Length of char/varchar/binary types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_length: Option<i32>,
    /// Precision of numeric types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<i32>,
    /// Scale of numeric types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<i32>,
    /// Source spelling of the type, e.g. `varchar(20)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type_display: Option<Box<str>>,
    /// Markdown description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Box<str>>,
    /// Tag labels.
    #[serde(default)]
    pub tags: Box<[Value]>,
    /// Column constraint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<ColumnConstraint>,
    /// Position in the table, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordinal_position: Option<i32>,
    /// Nested fields of struct/map/union columns.
    #[serde(default, skip_serializing_if = "<[Column]>::is_empty")]
    pub children: Box<[Column]>,
}

/// A table constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableConstraint {
    /// Kind of constraint.
    pub constraint_type: ConstraintType,
    /// Local column names.
    #[serde(default)]
    pub columns: Vec<String>,
    /// Column FQNs referred to by a foreign key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referred_columns: Option<Vec<String>>,
    /// Cardinality of a foreign key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship_type: Option<RelationshipType>,
}

/// What every stored entity has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Common {
    /// Entity id.
    pub id: Uuid,
    /// Stored (encoded) name.
    pub name: Box<str>,
    /// Fully qualified name (see `fqn.rs`).
    pub fully_qualified_name: Box<str>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Box<str>>,
    /// Markdown description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Box<str>>,
    /// Tag labels.
    #[serde(default)]
    pub tags: Vec<Value>,
    /// Entity version (0.1, 0.2, … as the server counts minor changes).
    pub version: f64,
    /// Last change, epoch milliseconds.
    pub updated_at: i64,
    /// Who made the last change.
    pub updated_by: Box<str>,
    /// Soft-deleted.
    #[serde(default)]
    pub deleted: bool,
}

impl Common {
    /// The common fields of an entity created before the sandbox starts (seeded or
    /// generated): id from type and FQN, version 0.1, changed by `admin` at `updated_at`,
    /// no display name or tags, not deleted.
    pub fn initial(
        name: &str,
        fqn: &str,
        type_name: &str,
        description: Option<String>,
        updated_at: i64,
    ) -> Self {
        Self {
            id: entity_id(type_name, fqn),
            name: name.into(),
            fully_qualified_name: fqn.into(),
            display_name: None,
            description: description.map(Into::into),
            tags: Vec::new(),
            version: 0.1,
            updated_at,
            updated_by: "admin".into(),
            deleted: false,
        }
    }
}

/// A database service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    /// Common fields.
    #[serde(flatten)]
    pub common: Common,
    /// `serviceConnection.config.type`, e.g. `BigQuery`.
    pub service_type: Box<str>,
}

/// A database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Database {
    /// Common fields.
    #[serde(flatten)]
    pub common: Common,
    /// Id of the owning service.
    pub service: Uuid,
}

/// A database schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    /// Common fields.
    #[serde(flatten)]
    pub common: Common,
    /// Id of the owning database.
    pub database: Uuid,
}

/// A table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Table {
    /// Common fields.
    #[serde(flatten)]
    pub common: Common,
    /// Id of the owning schema.
    pub database_schema: Uuid,
    /// Table type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_type: Option<TableType>,
    /// Columns.
    pub columns: Vec<Column>,
    /// Table constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub table_constraints: Vec<TableConstraint>,
    /// SQL of a view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_definition: Option<Box<str>>,
}

/// A lineage edge between two tables: `fromEntity` is upstream of `toEntity`
/// (shared/reference/openmetadata-target-and-lineage.md §5.2-§5.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineageEdge {
    /// Id of the upstream table.
    pub from_entity: Uuid,
    /// Id of the downstream table.
    pub to_entity: Uuid,
    /// How the data moves; a stored edge always has details, as on the server.
    pub lineage_details: LineageDetails,
}

/// An edge's `lineageDetails`, without the server-computed `assetEdges`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineageDetails {
    /// The SQL that moves the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_query: Option<Box<str>>,
    /// Column-level lineage.
    #[serde(default)]
    pub columns_lineage: Vec<ColumnLineage>,
    /// The pipeline (or stored procedure) that moves the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<EntityLink>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Box<str>>,
    /// Where the edge comes from (`Manual`, `QueryLineage`, …).
    pub source: Box<str>,
    /// Creation time, epoch milliseconds.
    pub created_at: i64,
    /// Who created the edge.
    pub created_by: Box<str>,
    /// Last change, epoch milliseconds.
    pub updated_at: i64,
    /// Who made the last change.
    pub updated_by: Box<str>,
}

impl LineageDetails {
    /// Details of an edge created before the sandbox starts (seeded or generated): source
    /// `Manual` (the server's default), created and updated by `admin` at `at`.
    pub fn initial(
        sql_query: Option<String>,
        columns_lineage: Vec<ColumnLineage>,
        pipeline: Option<EntityLink>,
        at: i64,
    ) -> Self {
        Self {
            sql_query: sql_query.map(Into::into),
            columns_lineage,
            pipeline,
            description: None,
            source: "Manual".into(),
            created_at: at,
            created_by: "admin".into(),
            updated_at: at,
            updated_by: "admin".into(),
        }
    }
}

/// One column mapping of an edge: a column of the downstream table and the upstream
/// columns it is computed from, all as column FQNs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnLineage {
    /// Upstream column FQNs.
    #[serde(default)]
    pub from_columns: Vec<Box<str>>,
    /// Downstream column FQN (optional in the schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_column: Option<Box<str>>,
}

/// A reference to an entity the sandbox does not store (a pipeline), by type and FQN;
/// rendered as an EntityReference whose id is derived from both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityLink {
    /// Entity type, e.g. `pipeline`.
    #[serde(rename = "type")]
    pub kind: Box<str>,
    /// The entity's FQN.
    pub fully_qualified_name: Box<str>,
}

/// Access to the common fields of every entity kind.
pub trait Entity {
    /// The common fields.
    fn common(&self) -> &Common;
    /// The common fields, mutably.
    fn common_mut(&mut self) -> &mut Common;
}

macro_rules! entity {
    ($($t:ty),*) => {$(
        impl Entity for $t {
            fn common(&self) -> &Common { &self.common }
            fn common_mut(&mut self) -> &mut Common { &mut self.common }
        }
    )*};
}
entity!(Service, Database, Schema, Table);

/// Checks what JSON Schema validation would reject in a column tree.
pub fn validate_columns(columns: &[Column]) -> Result<(), String> {
    for column in columns {
        if column.name.is_empty() {
            return Err("column name must not be empty".into());
        }
        if column.name.contains("::") {
            return Err(format!(
                "column name `{}` must not contain `::`",
                column.name
            ));
        }
        validate_columns(&column.children)?;
    }
    Ok(())
}

/// Checks an entity name (EntityName: 1..256 characters, no `::`, `>` or `"`).
pub fn validate_name(name: &str) -> Result<(), String> {
    let length = name.chars().count();
    if !(1..=256).contains(&length) {
        return Err(format!("name `{name}` must be 1 to 256 characters long"));
    }
    if name.contains("::") || name.contains('>') || name.contains('"') {
        return Err(format!("name `{name}` must not contain `::`, `>` or `\"`"));
    }
    Ok(())
}

/// The deterministic id of an entity of `type_name` with this FQN (uuid v5).
pub fn entity_id(type_name: &str, fqn: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("openmetadata:{type_name}:{fqn}").as_bytes(),
    )
}

/// Replaces reserved separators in every column name, children and constraints included.
pub fn encode_column_names(columns: &mut [Column]) {
    for column in columns {
        column.name = super::fqn::encode_name(&column.name).into_boxed_str();
        encode_column_names(&mut column.children);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The named constants spell the values they are named after.
    #[test]
    fn constants_match_their_names() {
        assert_eq!(DataType::UNKNOWN.as_str(), "UNKNOWN");
        assert_eq!(ColumnConstraint::PRIMARY_KEY.as_str(), "PRIMARY_KEY");
        assert_eq!(ConstraintType::PRIMARY_KEY.as_str(), "PRIMARY_KEY");
        assert_eq!(ConstraintType::FOREIGN_KEY.as_str(), "FOREIGN_KEY");
        assert_eq!(RelationshipType::MANY_TO_ONE.as_str(), "MANY_TO_ONE");
        assert_eq!(TableType::REGULAR.as_str(), "Regular");
        assert_eq!(TableType::VIEW.as_str(), "View");
        assert!(DataType::parse("varchar").is_none());
    }
}
