//! Schemas, tables and columns as the Relational Integration API shows them
//! (shared/reference/alation-api.md §6.1-6.3), serialised straight from the stored
//! objects.
//!
//! A list page of 1,000 columns is written field by field into the response, without a
//! tree of JSON values in between (a map per object, a string per key): that tree cost
//! more than the rest of a page. Only a `fields`/`values` projection goes through a
//! [`Value`], to drop what was not asked for.

use serde::Serialize;
use serde_json::Value;

use super::keys::Kind;
use super::state::{AlationState, Column, ColumnIndex, CustomFieldValue, Schema, Table};

/// One object of a list page.
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum Item<'a> {
    Schema(SchemaItem<'a>),
    Table(TableItem<'a>),
    Column(ColumnItem<'a>),
}

/// A custom field value as objects show it.
#[derive(Serialize)]
pub(super) struct CustomFieldItem<'a> {
    value: &'a Value,
    field_id: u64,
    field_name: Option<&'static str>,
}

/// A schema (§6.1).
#[derive(Serialize)]
pub(super) struct SchemaItem<'a> {
    id: u64,
    name: &'a str,
    title: &'a str,
    description: &'a str,
    ds_id: u64,
    key: &'a str,
    url: String,
    custom_fields: Vec<CustomFieldItem<'a>>,
    db_comment: Option<&'a str>,
}

/// A table (§6.2).
#[derive(Serialize)]
pub(super) struct TableItem<'a> {
    id: u64,
    name: &'a str,
    title: &'a str,
    description: &'a str,
    ds_id: u64,
    key: &'a str,
    url: String,
    custom_fields: Vec<CustomFieldItem<'a>>,
    table_type: &'a str,
    table_type_name: Option<&'a str>,
    schema_id: u64,
    schema_name: Option<&'a str>,
    base_table_key: Option<&'a str>,
    sql: Option<&'a str>,
    partition_columns: &'a [String],
    partition_definition: Option<&'a str>,
    table_comment: &'a str,
    owner: Option<&'a str>,
}

/// A column (§6.3).
#[derive(Serialize)]
pub(super) struct ColumnItem<'a> {
    id: u64,
    name: &'a str,
    title: &'a str,
    description: &'a str,
    ds_id: u64,
    key: &'a str,
    url: String,
    custom_fields: Vec<CustomFieldItem<'a>>,
    column_type: &'a str,
    column_comment: Option<&'a str>,
    index: &'a ColumnIndex,
    nullable: bool,
    schema_id: u64,
    table_id: u64,
    table_name: Option<String>,
    position: Option<i64>,
}

/// The object `id` of `kind`, as a list shows it.
pub(super) fn item(state: &AlationState, kind: Kind, id: u64) -> Option<Item<'_>> {
    match kind {
        Kind::Schema => state.schemas.get(&id).map(|s| Item::Schema(schema(s))),
        Kind::Table => state.tables.get(&id).map(|t| Item::Table(table(state, t))),
        Kind::Column => state
            .columns
            .get(&id)
            .map(|c| Item::Column(column(state, c))),
    }
}

/// `item` with only the `fields` asked for (all when `None`).
pub(super) fn project(item: &Item<'_>, fields: &[String]) -> Value {
    match serde_json::to_value(item) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .filter(|(k, _)| fields.contains(k))
            .collect(),
        Ok(other) => other,
        Err(_) => Value::Null,
    }
}

/// `schema.table`, lower-cased, as a column's `table_name` shows it.
pub(super) fn qualified_table_name(state: &AlationState, table: &Table) -> String {
    let schema = state
        .schemas
        .get(&table.schema_id)
        .map(|s| &*s.name)
        .unwrap_or_default();
    format!("{schema}.{}", table.name).to_lowercase()
}

fn custom_fields(values: &[CustomFieldValue]) -> Vec<CustomFieldItem<'_>> {
    values
        .iter()
        .map(|v| CustomFieldItem {
            value: &v.value,
            field_id: v.field_id,
            field_name: None,
        })
        .collect()
}

fn schema(s: &Schema) -> SchemaItem<'_> {
    SchemaItem {
        id: s.id,
        name: &s.name,
        title: &s.title,
        description: &s.description,
        ds_id: s.ds_id,
        key: &s.key,
        url: format!("/schema/{}/", s.id),
        custom_fields: custom_fields(&s.custom_fields),
        db_comment: s.db_comment.as_deref(),
    }
}

fn table<'a>(state: &'a AlationState, t: &'a Table) -> TableItem<'a> {
    TableItem {
        id: t.id,
        name: &t.name,
        title: &t.title,
        description: &t.description,
        ds_id: t.ds_id,
        key: &t.key,
        url: format!("/table/{}/", t.id),
        custom_fields: custom_fields(&t.custom_fields),
        table_type: &t.table_type,
        table_type_name: t.table_type_name.as_deref(),
        schema_id: t.schema_id,
        schema_name: state.schemas.get(&t.schema_id).map(|s| &*s.name),
        base_table_key: t.base_table_key.as_deref(),
        sql: t.sql.as_deref(),
        partition_columns: &t.partition_columns,
        partition_definition: t.partition_definition.as_deref(),
        table_comment: &t.table_comment,
        owner: t.owner.as_deref(),
    }
}

fn column<'a>(state: &'a AlationState, c: &'a Column) -> ColumnItem<'a> {
    ColumnItem {
        id: c.id,
        name: &c.name,
        title: &c.title,
        description: &c.description,
        ds_id: c.ds_id,
        key: &c.key,
        url: format!("/attribute/{}/", c.id),
        custom_fields: custom_fields(&c.custom_fields),
        column_type: &c.column_type,
        column_comment: c.column_comment.as_deref(),
        index: &c.index,
        nullable: c.nullable,
        schema_id: c.schema_id,
        table_id: c.table_id,
        table_name: state
            .tables
            .get(&c.table_id)
            .map(|t| qualified_table_name(state, t)),
        position: c.position,
    }
}
