//! Alation's JSON shapes for the endpoints metaform uses (shared/reference/alation-api.md
//! §4, §6, §9, §10). Read types accept missing and `null` fields; write types skip what
//! is `None`, so a payload carries exactly the fields the caller set.
//!
//! Fields metaform does not manage but must carry through a full-replace POST (§5:
//! comments from the database, custom fields, partitions, ...) are read as untyped JSON,
//! so an unexpected shape never breaks a read (boxed: an absent one costs a word per
//! item), and written back through each write type's `unmanaged` map.

use serde::{Deserialize, Serialize};

/// A data source as both list endpoints (v1 native/virtual, v2 OCF) return it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Datasource {
    /// Its id.
    pub id: i64,
    /// Display title.
    #[serde(default)]
    pub title: Option<String>,
    /// The URI; metaform stores its marker here.
    #[serde(default)]
    pub uri: Option<String>,
    /// Database type (v1 only).
    #[serde(default)]
    pub dbtype: Option<String>,
    /// Whether it is a virtual data source (v1 only).
    #[serde(default)]
    pub is_virtual: Option<bool>,
    /// Its OCF connector (v2 only).
    #[serde(default)]
    pub connector_id: Option<i64>,
}

/// `POST /integration/v1/datasource/` body for a virtual data source (§4.2).
#[derive(Debug, Clone, Serialize)]
pub struct NewVirtualDatasource {
    /// One of Alation's native database types, lower case.
    pub dbtype: String,
    /// Display title.
    pub title: String,
    /// Marker tying it to its source database.
    pub uri: String,
    /// Always true.
    pub is_virtual: bool,
}

/// `POST /integration/v2/datasource/` body (§4.1).
#[derive(Debug, Clone, Serialize)]
pub struct NewOcfDatasource {
    /// The OCF connector's id.
    pub connector_id: i64,
    /// Display title.
    pub title: String,
    /// Marker tying it to its source database.
    pub uri: String,
    /// Required by the API; metaform does not extract metadata, so it is a placeholder.
    pub db_username: String,
}

/// `PUT /integration/v{1,2}/datasource/{id}/` body: only the title is managed.
#[derive(Debug, Clone, Serialize)]
pub struct DatasourceTitle {
    /// New title.
    pub title: String,
}

/// An installed OCF connector (`GET /integration/v2/connectors/`).
#[derive(Debug, Clone, Deserialize)]
pub struct Connector {
    /// Its id.
    pub id: i64,
    /// Its name, e.g. `PostgreSQL OCF Connector`.
    pub name: String,
}

/// A schema from `GET /integration/v2/schema/`.
#[derive(Debug, Clone, Deserialize)]
pub struct SchemaItem {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// HTML description.
    #[serde(default)]
    pub description: Option<String>,
    /// Its key.
    #[serde(default)]
    pub key: Option<String>,
    /// Comment from the database (unmanaged).
    #[serde(default)]
    pub db_comment: Option<Box<serde_json::Value>>,
    /// Custom field values, `[{"field_id", "value", "field_name"}]` (unmanaged).
    #[serde(default)]
    pub custom_fields: Option<Box<serde_json::Value>>,
}

/// A table from `GET /integration/v2/table/`.
#[derive(Debug, Clone, Deserialize)]
pub struct TableItem {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// HTML description.
    #[serde(default)]
    pub description: Option<String>,
    /// `TABLE`, `VIEW` or `SYNONYM`.
    #[serde(default)]
    pub table_type: Option<String>,
    /// Its schema's id.
    pub schema_id: i64,
    /// DDL or view SQL.
    #[serde(default)]
    pub sql: Option<String>,
    /// Comment from the database (unmanaged).
    #[serde(default)]
    pub table_comment: Option<Box<serde_json::Value>>,
    /// Data-source-specific type name, e.g. `MATERIALIZED_VIEW` (unmanaged; GET may not
    /// return it).
    #[serde(default)]
    pub table_type_name: Option<Box<serde_json::Value>>,
    /// Owner (unmanaged; GET may not return it).
    #[serde(default)]
    pub owner: Option<Box<serde_json::Value>>,
    /// A synonym's base table key (unmanaged).
    #[serde(default)]
    pub base_table_key: Option<Box<serde_json::Value>>,
    /// Partition definition (unmanaged).
    #[serde(default)]
    pub partition_definition: Option<Box<serde_json::Value>>,
    /// Partition columns (unmanaged).
    #[serde(default)]
    pub partition_columns: Option<Box<serde_json::Value>>,
    /// Custom field values (unmanaged).
    #[serde(default)]
    pub custom_fields: Option<Box<serde_json::Value>>,
}

/// A column from `GET /integration/v2/column/`.
#[derive(Debug, Clone, Deserialize)]
pub struct ColumnItem {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// HTML description.
    #[serde(default)]
    pub description: Option<String>,
    /// Type, e.g. `varchar(100)`.
    #[serde(default)]
    pub column_type: Option<String>,
    /// Whether nulls are allowed.
    #[serde(default)]
    pub nullable: Option<bool>,
    /// Position in the table; documented as a string on write, returned as a number.
    #[serde(default)]
    pub position: Option<serde_json::Value>,
    /// Key flags.
    #[serde(default)]
    pub index: Option<ColumnIndex>,
    /// Its table's id.
    pub table_id: i64,
    /// Comment from the database (unmanaged).
    #[serde(default)]
    pub column_comment: Option<Box<serde_json::Value>>,
    /// Custom field values (unmanaged).
    #[serde(default)]
    pub custom_fields: Option<Box<serde_json::Value>>,
}

/// A column's index object (§6.3): the key flags metaform manages, and
/// `isOtherIndex`, kept as it is.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ColumnIndex {
    /// Part of the primary key.
    #[serde(rename = "isPrimaryKey", default)]
    pub is_primary_key: Option<bool>,
    /// A foreign key.
    #[serde(rename = "isForeignKey", default)]
    pub is_foreign_key: Option<bool>,
    /// The referenced column's key, `<ds_id>.<schema>.<table>.<column>`.
    #[serde(rename = "referencedColumnId", default)]
    pub referenced_column_id: Option<String>,
    /// Part of another index: not managed, kept as read (omitted when unknown).
    #[serde(
        rename = "isOtherIndex",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub is_other_index: Option<bool>,
}

/// A schema to POST (complete) or PATCH (changed fields only), keyed by `key`.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SchemaWrite {
    /// `<ds_id>.<schema>`.
    pub key: String,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// HTML description (`""` clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Unmanaged fields carried unchanged (`db_comment`, `custom_fields`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub unmanaged: Option<Box<serde_json::Map<String, serde_json::Value>>>,
}

/// A table to POST or PATCH, keyed by `key`.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct TableWrite {
    /// `<ds_id>.<schema>.<table>`.
    pub key: String,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// HTML description (`""` clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `TABLE` or `VIEW`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_type: Option<String>,
    /// View SQL (`""` clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// Unmanaged fields carried unchanged (`table_comment`, `custom_fields`, ...).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub unmanaged: Option<Box<serde_json::Map<String, serde_json::Value>>>,
}

/// A column to POST or PATCH, keyed by `key`.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ColumnWrite {
    /// `<ds_id>.<schema>.<table>.<column>`.
    pub key: String,
    /// Type; required on POST.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column_type: Option<String>,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// HTML description (`""` clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether nulls are allowed (Alation's POST default is false, so always sent on POST).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    /// Position, sent as a string as the POST documentation types it (§6.3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// Key flags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<ColumnIndex>,
    /// Unmanaged fields carried unchanged (`column_comment`, `custom_fields`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub unmanaged: Option<Box<serde_json::Map<String, serde_json::Value>>>,
}

/// One line of a Virtual Data Source upload (§9): schema, table, view or column.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct VdsObject {
    /// The object's key.
    pub key: String,
    /// Title (applied with `set_title_descs=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description (applied with `set_title_descs=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `TABLE` or `VIEW` for tables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_type: Option<String>,
    /// A view's SQL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view_sql: Option<String>,
    /// A column's type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column_type: Option<String>,
    /// A column's position (a positive integer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    /// Whether a column allows nulls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    /// A table's comment from the database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_comment: Option<String>,
    /// A column's comment from the database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column_comment: Option<String>,
    /// A table's owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_owner: Option<String>,
}

/// The answer that starts an asynchronous job (§2.4).
#[derive(Debug, Clone, Deserialize)]
pub struct JobHandle {
    /// Relational Integration jobs.
    #[serde(default)]
    pub job_id: Option<serde_json::Value>,
    /// Virtual Data Source jobs.
    #[serde(default)]
    pub job_name: Option<String>,
}

/// `GET /api/v1/bulk_metadata/job/` (§10).
#[derive(Debug, Clone, Deserialize)]
pub struct JobStatus {
    /// `running`, `successful` or `failed`.
    pub status: String,
    /// Human-readable message.
    #[serde(default)]
    pub msg: Option<String>,
    /// Producer-specific result.
    #[serde(default)]
    pub result: Option<serde_json::Value>,
}

/// An object of a Relational Integration list, known by its id.
pub trait Identified {
    /// Its id.
    fn id(&self) -> i64;
}

impl Identified for SchemaItem {
    fn id(&self) -> i64 {
        self.id
    }
}

impl Identified for TableItem {
    fn id(&self) -> i64 {
        self.id
    }
}

impl Identified for ColumnItem {
    fn id(&self) -> i64 {
        self.id
    }
}
