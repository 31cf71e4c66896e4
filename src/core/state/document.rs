//! The serde shape of state files, used for parsing and for the JSON Schema.
//!
//! Field names are OpenMetadata's camelCase names. Every struct denies unknown fields,
//! so a misspelt key is an error with its line rather than silently ignored. Names
//! carry their source position ([`Spanned`]) so that checks can point at them.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema as JsonSchemaDoc, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};
use serde_saphyr::{Location, Spanned};

use super::API_VERSION;
use crate::core::model::{
    Column, ColumnConstraint, ColumnLineage, ConstraintType, Database, Schema, Table,
    TableConstraint, TableKind, Upstream,
};

/// The `apiVersion` of a state file; only [`API_VERSION`] is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersion;

impl<'de> Deserialize<'de> for ApiVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let found = String::deserialize(deserializer)?;
        if found == API_VERSION {
            Ok(ApiVersion)
        } else {
            Err(serde::de::Error::custom(format!(
                "unsupported apiVersion `{found}`: expected `{API_VERSION}`"
            )))
        }
    }
}

impl JsonSchema for ApiVersion {
    fn schema_name() -> Cow<'static, str> {
        "ApiVersion".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> JsonSchemaDoc {
        json_schema!({ "type": "string", "const": API_VERSION })
    }
}

/// The `kind` of `_database.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum DatabaseKind {
    /// A database.
    Database,
}

/// The `kind` of a schema file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum SchemaKind {
    /// A database schema with its tables.
    DatabaseSchema,
}

/// `state/<service>/<database>/_database.yaml`: the database itself.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatabaseDoc {
    /// Always `metaform/v1`.
    pub api_version: ApiVersion,
    /// Always `Database`.
    pub kind: DatabaseKind,
    /// Name of the source service, e.g. `sample_data`.
    #[schemars(with = "String")]
    pub service: Spanned<String>,
    /// The source service's type, e.g. `BigQuery`.
    pub service_type: Option<String>,
    /// Database name, exactly as the source has it.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Human-friendly name.
    pub display_name: Option<String>,
    /// Fully qualified tag names, sorted.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Markdown description.
    pub description: Option<String>,
}

/// `state/<service>/<database>/<schema>.yaml`: a schema with its tables.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SchemaDoc {
    /// Always `metaform/v1`.
    pub api_version: ApiVersion,
    /// Always `DatabaseSchema`.
    pub kind: SchemaKind,
    /// Schema name, exactly as the source has it.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Human-friendly name.
    pub display_name: Option<String>,
    /// Fully qualified tag names, sorted.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Markdown description.
    pub description: Option<String>,
    /// Tables and views, ordered by name.
    #[serde(default)]
    pub tables: Vec<TableDoc>,
}

/// A table or view.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TableDoc {
    /// Table name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Human-friendly name.
    pub display_name: Option<String>,
    /// OpenMetadata table type, e.g. `Regular`, `View`.
    pub table_type: String,
    /// Fully qualified tag names, sorted.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Markdown description.
    pub description: Option<String>,
    /// View definition (SQL).
    pub view_definition: Option<String>,
    /// Table-level constraints, in source order.
    #[serde(default)]
    pub table_constraints: Vec<ConstraintDoc>,
    /// The tables this one is computed from (its upstream lineage), by table.
    #[serde(default)]
    pub upstream: Vec<UpstreamDoc>,
    /// Columns, ordered by ordinal position.
    #[serde(default)]
    pub columns: Vec<ColumnDoc>,
}

/// A table-level constraint.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConstraintDoc {
    /// `PRIMARY_KEY`, `FOREIGN_KEY`, `UNIQUE`, `SORT_KEY`, `DIST_KEY` or `CLUSTER_KEY`.
    pub constraint_type: ConstraintType,
    /// Local column names.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub columns: Vec<Spanned<String>>,
    /// Referenced columns of a foreign key: `[service, database, schema, table, column]`.
    #[serde(default)]
    #[schemars(with = "Vec<Vec<String>>")]
    pub referred_columns: Vec<Spanned<Vec<String>>>,
}

/// One lineage edge into the table: the upstream table it is computed from, and how.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpstreamDoc {
    /// The upstream table: `[service, database, schema, table]`.
    #[schemars(with = "Vec<String>")]
    pub table: Spanned<Vec<String>>,
    /// Which upstream columns each column of this table comes from, by `to`.
    #[serde(default)]
    pub columns: Vec<ColumnLineageDoc>,
    /// The SQL that moves the data.
    pub sql: Option<String>,
    /// The pipeline or process that moves the data, as the source names it.
    pub pipeline: Option<String>,
}

/// Column-level lineage of an edge: a column of this table and the upstream columns it
/// is computed from.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ColumnLineageDoc {
    /// Names of the upstream table's columns, sorted.
    #[schemars(with = "Vec<String>")]
    pub from: Spanned<Vec<String>>,
    /// Name of this table's column.
    #[schemars(with = "String")]
    pub to: Spanned<String>,
}

/// A column; nested members are its `children`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ColumnDoc {
    /// Column name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Human-friendly name.
    pub display_name: Option<String>,
    /// OpenMetadata `dataType`, e.g. `VARCHAR`.
    pub data_type: String,
    /// Full type as the source displays it, e.g. `varchar(100)`.
    pub data_type_display: Option<String>,
    /// Length for char/varchar/binary types.
    pub data_length: Option<u64>,
    /// 1-based position in the table.
    pub ordinal_position: Option<u32>,
    /// `NULL`, `NOT_NULL`, `UNIQUE` or `PRIMARY_KEY`.
    pub constraint: Option<ColumnConstraint>,
    /// Fully qualified tag names, sorted.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Markdown description.
    pub description: Option<String>,
    /// Nested members, in source order.
    #[serde(default)]
    pub children: Vec<ColumnDoc>,
}

/// The JSON Schema of a state file (either kind), as pretty-printed JSON.
pub fn json_schema() -> String {
    let mut generator = SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator();
    let database = generator.subschema_for::<DatabaseDoc>();
    let schema = generator.subschema_for::<SchemaDoc>();
    let root = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "metaform state file",
        "description": "`_database.yaml` (kind Database) or `<schema>.yaml` (kind DatabaseSchema) under state/<service>/<database>/.",
        "oneOf": [database, schema],
        "$defs": generator.take_definitions(true),
    });
    let mut text = serde_json::to_string_pretty(&root).unwrap_or_default();
    text.push('\n');
    text
}

/// `value` with no position: a document built from the model, not read from a file.
fn unplaced<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Location::UNKNOWN, Location::UNKNOWN)
}

impl SchemaDoc {
    /// The document of `schema`, as if read from its file but without positions, so that
    /// the checks of a file can run on the model without rendering and parsing it.
    pub fn from_model(schema: Schema) -> SchemaDoc {
        SchemaDoc {
            api_version: ApiVersion,
            kind: SchemaKind::DatabaseSchema,
            name: unplaced(schema.name),
            display_name: schema.display_name,
            tags: schema.tags,
            description: schema.description,
            tables: schema
                .tables
                .into_iter()
                .map(TableDoc::from_model)
                .collect(),
        }
    }
}

impl TableDoc {
    fn from_model(table: Table) -> TableDoc {
        TableDoc {
            name: unplaced(table.name),
            display_name: table.display_name,
            table_type: table.table_type.spelling().to_owned(),
            tags: table.tags,
            description: table.description,
            view_definition: table.view_definition,
            table_constraints: table
                .constraints
                .into_iter()
                .map(|c| ConstraintDoc {
                    constraint_type: c.constraint_type,
                    columns: c.columns.into_iter().map(unplaced).collect(),
                    referred_columns: c.referred_columns.into_iter().map(unplaced).collect(),
                })
                .collect(),
            upstream: table
                .upstream
                .into_iter()
                .map(|u| UpstreamDoc {
                    table: unplaced(u.table),
                    columns: u
                        .columns
                        .into_iter()
                        .map(|c| ColumnLineageDoc {
                            from: unplaced(c.from),
                            to: unplaced(c.to),
                        })
                        .collect(),
                    sql: u.sql,
                    pipeline: u.pipeline,
                })
                .collect(),
            columns: table
                .columns
                .into_iter()
                .map(ColumnDoc::from_model)
                .collect(),
        }
    }
}

impl ColumnDoc {
    fn from_model(column: Column) -> ColumnDoc {
        ColumnDoc {
            name: unplaced(column.name),
            display_name: column.display_name,
            data_type: column.data_type,
            data_type_display: column.data_type_display,
            data_length: column.data_length,
            ordinal_position: column.ordinal_position,
            constraint: column.constraint,
            tags: column.tags,
            description: column.description,
            children: column
                .children
                .into_iter()
                .map(ColumnDoc::from_model)
                .collect(),
        }
    }
}

impl DatabaseDoc {
    /// The database this file describes, with no schemas yet.
    pub fn into_model(self) -> Database {
        Database {
            tags: self.tags,
            service: self.service.value,
            service_type: self.service_type,
            name: self.name.value,
            display_name: self.display_name,
            description: self.description,
            schemas: Vec::new(),
        }
    }
}

impl SchemaDoc {
    /// The schema this file describes.
    pub fn into_model(self) -> Schema {
        Schema {
            tags: self.tags,
            name: self.name.value,
            display_name: self.display_name,
            description: self.description,
            tables: self.tables.into_iter().map(TableDoc::into_model).collect(),
        }
    }
}

impl TableDoc {
    fn into_model(self) -> Table {
        Table {
            upstream: self
                .upstream
                .into_iter()
                .map(UpstreamDoc::into_model)
                .collect(),
            name: self.name.value,
            display_name: self.display_name,
            description: self.description,
            table_type: TableKind::from_spelling(&self.table_type),
            view_definition: self.view_definition,
            constraints: self
                .table_constraints
                .into_iter()
                .map(|c| TableConstraint {
                    constraint_type: c.constraint_type,
                    columns: c.columns.into_iter().map(|s| s.value).collect(),
                    referred_columns: c.referred_columns.into_iter().map(|s| s.value).collect(),
                })
                .collect(),
            tags: self.tags,
            columns: self
                .columns
                .into_iter()
                .map(ColumnDoc::into_model)
                .collect(),
        }
    }
}

impl UpstreamDoc {
    fn into_model(self) -> Upstream {
        Upstream {
            table: self.table.value,
            columns: self
                .columns
                .into_iter()
                .map(|c| ColumnLineage {
                    from: c.from.value,
                    to: c.to.value,
                })
                .collect(),
            sql: self.sql,
            pipeline: self.pipeline,
        }
    }
}

impl ColumnDoc {
    fn into_model(self) -> Column {
        Column {
            name: self.name.value,
            display_name: self.display_name,
            data_type: self.data_type,
            data_type_display: self.data_type_display,
            data_length: self.data_length,
            description: self.description,
            ordinal_position: self.ordinal_position,
            constraint: self.constraint,
            tags: self.tags,
            children: self
                .children
                .into_iter()
                .map(ColumnDoc::into_model)
                .collect(),
        }
    }
}
