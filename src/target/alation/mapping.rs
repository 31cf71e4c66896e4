//! The catalog as Alation sees it: desired [`Catalog`] -> [`Object`]s, and Alation's
//! GET items -> the same [`Object`]s, so that reading back after an apply gives exactly
//! the desired set. Pure functions, no I/O.
//!
//! Mapping (SPEC §4; OpenMetadata's AlationSink, reference/openmetadata-connectors.md
//! §1.6, with its bugs fixed):
//! - data source `title` = database displayName or name;
//! - schema / table / column `title` = displayName or name; `description` = the
//!   Markdown as HTML ([`Value::Html`]), absent when there is none (never "None");
//! - table `table_type` = `VIEW` for View, SecureView and MaterializedView, else
//!   `TABLE`; `sql` = the view definition when present;
//! - column (top-level only; nested members stay inside their parent's type):
//!   `column_type` = dataTypeDisplay or dataType, lower case; `position`; `nullable`
//!   false for NOT_NULL and PRIMARY_KEY columns (column or table constraint), else true;
//!   `primary_key` = `Bool(true)` for a column in the primary key (column constraint or
//!   a table PRIMARY_KEY constraint), absent otherwise; `foreign_key` = the referenced
//!   column as [`keys::reference_text`] of its address path, absent otherwise. The
//!   writer resolves it to the Alation key `<ds_id>.<schema>.<table>.<column>` of the
//!   referenced column once that data source's id is known.
//!
//! Addresses use names, never Alation ids: `[service, database, schema, table, column]`.
//! A current object also keeps the Alation fields metaform does not manage
//! ([`super::unmanaged`]), outside its fields: they are carried, never compared.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::alation::wire::{ColumnItem, SchemaItem, TableItem};
use crate::core::model::{
    Catalog, Column, ColumnConstraint, ConstraintType, Database, Schema, Table,
};
use crate::core::normalize::markdown_to_html;
use crate::core::objects::{Address, Field, Fields, Object, ObjectKind, Value};

use super::{keys, unmanaged};

/// Names of the fields metaform manages in Alation.
pub mod field {
    /// Title of any object.
    pub const TITLE: &str = "title";
    /// HTML description of a schema, table or column.
    pub const DESCRIPTION: &str = "description";
    /// `TABLE` or `VIEW`.
    pub const TABLE_TYPE: &str = "table_type";
    /// A view's SQL.
    pub const SQL: &str = "sql";
    /// A column's type.
    pub const COLUMN_TYPE: &str = "column_type";
    /// A column's 1-based position.
    pub const POSITION: &str = "position";
    /// Whether a column allows nulls.
    pub const NULLABLE: &str = "nullable";
    /// `true` for a primary-key column; absent otherwise.
    pub const PRIMARY_KEY: &str = "primary_key";
    /// The referenced column of a foreign key; absent otherwise.
    pub const FOREIGN_KEY: &str = "foreign_key";
}

/// The prefix of a foreign key read from Alation whose referenced column lies outside
/// the data sources in scope: `alation:<key>`.
pub const OUTSIDE_REFERENCE: &str = "alation:";

/// The desired objects of a whole catalog, parents before children.
pub fn desired_objects(catalog: &Catalog) -> Vec<Object> {
    let mut objects = Vec::new();
    for database in &catalog.databases {
        database_objects(database, &mut objects);
    }
    objects
}

/// The addresses (`[service, database]`) of the desired data sources, one per database.
pub fn desired_datasources(catalog: &Catalog) -> Vec<Address> {
    catalog
        .databases
        .iter()
        .map(|d| Address {
            kind: ObjectKind::Datasource,
            path: vec![d.service.clone(), d.name.clone()],
        })
        .collect()
}

/// The desired objects of one database: its data source, then its schemas, tables
/// and columns.
pub fn database_objects(database: &Database, out: &mut Vec<Object>) {
    let ds_path = vec![database.service.clone(), database.name.clone()];
    out.push(datasource_object(
        &ds_path,
        title(&database.name, database.display_name.as_deref()),
    ));
    for schema in &database.schemas {
        out.push(desired_schema(&ds_path, schema));
        for table in &schema.tables {
            let table_path = child(&child(&ds_path, &schema.name), &table.name);
            out.push(desired_table(&table_path, table));
            let primary = primary_key_columns(table);
            for column in &table.columns {
                out.push(desired_column(&table_path, table, &primary, column));
            }
        }
    }
}

/// A data source object with its title.
pub fn datasource_object(ds_path: &[String], title: String) -> Object {
    let mut fields = Fields::new();
    fields.insert(Field::from_static(field::TITLE), Value::Text(title));
    object(ObjectKind::Datasource, ds_path.to_vec(), fields)
}

fn desired_schema(ds_path: &[String], schema: &Schema) -> Object {
    let mut fields = Fields::new();
    fields.insert(
        Field::from_static(field::TITLE),
        Value::Text(title(&schema.name, schema.display_name.as_deref())),
    );
    insert_description(&mut fields, schema.description.as_deref());
    object(ObjectKind::Schema, child(ds_path, &schema.name), fields)
}

fn desired_table(table_path: &[String], table: &Table) -> Object {
    let mut fields = Fields::new();
    fields.insert(
        Field::from_static(field::TITLE),
        Value::Text(title(&table.name, table.display_name.as_deref())),
    );
    insert_description(&mut fields, table.description.as_deref());
    let table_type = if table.table_type.is_view() {
        "VIEW"
    } else {
        "TABLE"
    };
    fields.insert(
        Field::from_static(field::TABLE_TYPE),
        Value::Text(table_type.into()),
    );
    if let Some(sql) = table
        .view_definition
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        fields.insert(Field::from_static(field::SQL), Value::Text(sql.to_string()));
    }
    object(ObjectKind::Table, table_path.to_vec(), fields)
}

/// A desired column of `table`, whose primary key columns are `primary_key`.
fn desired_column(
    table_path: &[String],
    table: &Table,
    primary_key: &BTreeSet<&str>,
    column: &Column,
) -> Object {
    let mut fields = Fields::new();
    fields.insert(
        Field::from_static(field::TITLE),
        Value::Text(title(&column.name, column.display_name.as_deref())),
    );
    insert_description(&mut fields, column.description.as_deref());
    let column_type = column
        .data_type_display
        .as_deref()
        .filter(|t| !t.is_empty())
        .unwrap_or(&column.data_type)
        .to_lowercase();
    fields.insert(
        Field::from_static(field::COLUMN_TYPE),
        Value::Text(column_type),
    );
    if let Some(position) = column.ordinal_position.filter(|p| *p > 0) {
        fields.insert(
            Field::from_static(field::POSITION),
            Value::Int(i64::from(position)),
        );
    }
    let primary = primary_key.contains(column.name.as_str());
    let not_null = primary || column.constraint == Some(ColumnConstraint::NotNull);
    fields.insert(Field::from_static(field::NULLABLE), Value::Bool(!not_null));
    if primary {
        fields.insert(Field::from_static(field::PRIMARY_KEY), Value::Bool(true));
    }
    if let Some(referred) = referred_column(table, &column.name) {
        fields.insert(
            Field::from_static(field::FOREIGN_KEY),
            Value::Text(keys::reference_text(referred)),
        );
    }
    object(ObjectKind::Column, child(table_path, &column.name), fields)
}

/// Columns in the primary key: a PRIMARY_KEY column constraint, or a member of a table
/// PRIMARY_KEY constraint (composite keys, which AlationSink ignored).
fn primary_key_columns(table: &Table) -> BTreeSet<&str> {
    let mut names: BTreeSet<&str> = table
        .columns
        .iter()
        .filter(|c| c.constraint == Some(ColumnConstraint::PrimaryKey))
        .map(|c| c.name.as_str())
        .collect();
    for constraint in &table.constraints {
        if constraint.constraint_type == ConstraintType::PrimaryKey {
            names.extend(constraint.columns.iter().map(String::as_str));
        }
    }
    names
}

/// The column a foreign key of `table` on `column` refers to, as its full path.
fn referred_column<'t>(table: &'t Table, column: &str) -> Option<&'t [String]> {
    table
        .constraints
        .iter()
        .filter(|c| c.constraint_type == ConstraintType::ForeignKey)
        .find_map(|c| {
            let i = c.columns.iter().position(|name| name == column)?;
            c.referred_columns
                .get(i)
                .map(Vec::as_slice)
                .filter(|path| path.len() == 5)
        })
}

/// A schema read from Alation, under the data source at `ds_path`.
pub fn current_schema(ds_path: &[String], item: &SchemaItem) -> Object {
    let mut fields = Fields::new();
    insert_text(&mut fields, field::TITLE, item.title.as_deref());
    insert_html(&mut fields, item.description.as_deref());
    let mut schema = object(ObjectKind::Schema, child(ds_path, &item.name), fields);
    schema.unmanaged = unmanaged::schema(item);
    schema
}

/// A table read from Alation, under its schema's path.
pub fn current_table(schema_path: &[String], item: &TableItem) -> Object {
    let mut fields = Fields::new();
    insert_text(&mut fields, field::TITLE, item.title.as_deref());
    insert_html(&mut fields, item.description.as_deref());
    insert_text(&mut fields, field::TABLE_TYPE, item.table_type.as_deref());
    insert_text(&mut fields, field::SQL, item.sql.as_deref());
    let mut table = object(ObjectKind::Table, child(schema_path, &item.name), fields);
    table.unmanaged = unmanaged::table(item);
    table
}

/// A column read from Alation, under its table's path. `datasources` maps the data
/// source ids in scope to their paths, to turn a referenced column's key back into an
/// address; a key outside them is kept as [`OUTSIDE_REFERENCE`]`<key>` (it never equals
/// a desired value, so the plan corrects it unless `policy.ignore` keeps it).
pub fn current_column(
    table_path: &[String],
    item: &ColumnItem,
    datasources: &BTreeMap<i64, Vec<String>>,
) -> Object {
    let mut fields = Fields::new();
    insert_text(&mut fields, field::TITLE, item.title.as_deref());
    insert_html(&mut fields, item.description.as_deref());
    insert_text(&mut fields, field::COLUMN_TYPE, item.column_type.as_deref());
    let position = match &item.position {
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    if let Some(position) = position.filter(|p| *p > 0) {
        fields.insert(Field::from_static(field::POSITION), Value::Int(position));
    }
    if let Some(nullable) = item.nullable {
        fields.insert(Field::from_static(field::NULLABLE), Value::Bool(nullable));
    }
    let index = item.index.clone().unwrap_or_default();
    if index.is_primary_key == Some(true) {
        fields.insert(Field::from_static(field::PRIMARY_KEY), Value::Bool(true));
    }
    if let Some(key) = index
        .referenced_column_id
        .as_deref()
        .filter(|k| index.is_foreign_key == Some(true) && !k.is_empty())
    {
        let resolved = keys::parse_key(key).and_then(|(ds_id, names)| {
            let ds_path = datasources.get(&ds_id)?;
            (names.len() == 3).then(|| [ds_path.as_slice(), names.as_slice()].concat())
        });
        let text = match resolved {
            Some(path) => keys::reference_text(&path),
            None => format!("{OUTSIDE_REFERENCE}{key}"),
        };
        fields.insert(Field::from_static(field::FOREIGN_KEY), Value::Text(text));
    }
    let mut column = object(ObjectKind::Column, child(table_path, &item.name), fields);
    column.unmanaged = unmanaged::column(item);
    column
}

/// An object's title: its display name, else its name.
pub(super) fn title(name: &str, display_name: Option<&str>) -> String {
    display_name
        .filter(|d| !d.trim().is_empty())
        .unwrap_or(name)
        .to_string()
}

fn insert_description(fields: &mut Fields, markdown: Option<&str>) {
    let html = markdown.map(markdown_to_html);
    insert_html(fields, html.as_deref());
}

fn insert_html(fields: &mut Fields, html: Option<&str>) {
    if let Some(html) = html.map(str::trim).filter(|h| !h.is_empty()) {
        fields.insert(
            Field::from_static(field::DESCRIPTION),
            Value::Html(html.to_string()),
        );
    }
}

fn insert_text(fields: &mut Fields, name: &'static str, text: Option<&str>) {
    if let Some(text) = text.filter(|t| !t.is_empty()) {
        fields.insert(Field::from_static(name), Value::Text(text.to_string()));
    }
}

/// `path` with `name` below it, allocated to its exact length (an address is kept for
/// every object, so no spare capacity).
fn child(path: &[String], name: &str) -> Vec<String> {
    let mut child = Vec::with_capacity(path.len() + 1);
    child.extend_from_slice(path);
    child.push(name.to_string());
    child
}

fn object(kind: ObjectKind, path: Vec<String>, mut fields: Fields) -> Object {
    fields.shrink_to_fit();
    Object {
        address: Address { kind, path },
        fields,
        unmanaged: None,
    }
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
