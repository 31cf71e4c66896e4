//! The writable fields of schemas, tables and columns in POST and PATCH bodies
//! (shared/reference/alation-api.md §6.1-6.3), and their defaults.
//!
//! POST is a full-replace upsert (§5): the object is [reset](Schema::reset) and then
//! the given fields are applied; PATCH applies the given fields only. Defaults follow the
//! docs: `table_type` TABLE, `table_comment` empty text, `nullable` false (the docs'
//! "Defaults to False"), other optional texts null. `description` is HTML, stored as
//! given. Choices on UNVERIFIED points: PATCH may change `column_type`; an `index`
//! object in PATCH changes only the index fields it names.

use serde_json::Value;

use super::fields::{Fields, Given};
use super::state::{Column, ColumnIndex, CustomFieldValue, Schema, Table};

/// Table types the API accepts.
const TABLE_TYPES: [&str; 3] = ["TABLE", "VIEW", "SYNONYM"];

impl Schema {
    /// A schema with default fields.
    pub(super) fn blank(id: u64, ds_id: u64, name: Box<str>, key: Box<str>) -> Self {
        Self {
            id,
            ds_id,
            name,
            key,
            title: Box::default(),
            description: Box::default(),
            db_comment: None,
            custom_fields: Vec::new(),
        }
    }

    /// Resets every field but the identity (id, data source, name, key).
    pub(super) fn reset(&mut self) {
        *self = Self::blank(self.id, self.ds_id, self.name.clone(), self.key.clone());
    }
}

impl Table {
    /// A table with default fields.
    pub(super) fn blank(
        id: u64,
        ds_id: u64,
        schema_id: u64,
        name: Box<str>,
        key: Box<str>,
    ) -> Self {
        Self {
            id,
            ds_id,
            schema_id,
            name,
            key,
            title: Box::default(),
            description: Box::default(),
            table_type: "TABLE".into(),
            table_type_name: None,
            sql: None,
            table_comment: Box::default(),
            owner: None,
            base_table_key: None,
            partition_definition: None,
            partition_columns: Vec::new(),
            custom_fields: Vec::new(),
        }
    }

    /// Resets every field but the identity (id, parents, name, key).
    pub(super) fn reset(&mut self) {
        *self = Self::blank(
            self.id,
            self.ds_id,
            self.schema_id,
            self.name.clone(),
            self.key.clone(),
        );
    }
}

impl Column {
    /// A column with default fields.
    pub(super) fn blank(
        id: u64,
        ds_id: u64,
        parents: (u64, u64),
        name: Box<str>,
        key: Box<str>,
    ) -> Self {
        Self {
            id,
            ds_id,
            schema_id: parents.0,
            table_id: parents.1,
            name,
            key,
            column_type: Box::default(),
            title: Box::default(),
            description: Box::default(),
            column_comment: None,
            nullable: false,
            position: None,
            index: ColumnIndex::default(),
            custom_fields: Vec::new(),
        }
    }

    /// Resets every field but the identity (id, parents, name, key).
    pub(super) fn reset(&mut self) {
        *self = Self::blank(
            self.id,
            self.ds_id,
            (self.schema_id, self.table_id),
            self.name.clone(),
            self.key.clone(),
        );
    }
}

/// Writable schema fields.
pub(super) struct SchemaFields {
    title: Given<String>,
    description: Given<String>,
    db_comment: Given<String>,
    custom_fields: Given<Vec<CustomFieldValue>>,
}

impl SchemaFields {
    /// Reads the schema fields of a body item.
    pub(super) fn read(f: &mut Fields<'_>) -> Self {
        Self {
            title: f.text("title"),
            description: f.text("description"),
            db_comment: f.text("db_comment"),
            custom_fields: f.custom_fields(),
        }
    }

    /// Applies the given fields.
    pub(super) fn apply(&self, s: &mut Schema) {
        set_text(&mut s.title, &self.title);
        set_text(&mut s.description, &self.description);
        set_text_or_null(&mut s.db_comment, &self.db_comment);
        set_list(&mut s.custom_fields, &self.custom_fields);
    }
}

/// Writable table fields.
pub(super) struct TableFields {
    title: Given<String>,
    description: Given<String>,
    table_type: Given<String>,
    table_type_name: Given<String>,
    sql: Given<String>,
    table_comment: Given<String>,
    owner: Given<String>,
    base_table_key: Given<String>,
    partition_definition: Given<String>,
    partition_columns: Given<Vec<String>>,
    custom_fields: Given<Vec<CustomFieldValue>>,
}

impl TableFields {
    /// Reads the table fields of a body item.
    pub(super) fn read(f: &mut Fields<'_>) -> Self {
        let table_type = f.text("table_type").map(|t| t.map(|t| t.to_uppercase()));
        if let Some(Some(t)) = &table_type
            && !TABLE_TYPES.contains(&t.as_str())
        {
            f.error("table_type", format!("\"{t}\" is not a valid choice."));
        }
        Self {
            title: f.text("title"),
            description: f.text("description"),
            table_type,
            table_type_name: f.text("table_type_name"),
            sql: f.text("sql"),
            table_comment: f.text("table_comment"),
            owner: f.text("owner"),
            base_table_key: f.text("base_table_key"),
            partition_definition: f.text("partition_definition"),
            partition_columns: f.text_list("partition_columns"),
            custom_fields: f.custom_fields(),
        }
    }

    /// Applies the given fields.
    pub(super) fn apply(&self, t: &mut Table) {
        set_text(&mut t.title, &self.title);
        set_text(&mut t.description, &self.description);
        if let Some(v) = &self.table_type {
            t.table_type = v.as_deref().unwrap_or("TABLE").into();
        }
        set_text_or_null(&mut t.table_type_name, &self.table_type_name);
        set_text_or_null(&mut t.sql, &self.sql);
        set_text(&mut t.table_comment, &self.table_comment);
        set_text_or_null(&mut t.owner, &self.owner);
        set_text_or_null(&mut t.base_table_key, &self.base_table_key);
        set_text_or_null(&mut t.partition_definition, &self.partition_definition);
        set_list(&mut t.partition_columns, &self.partition_columns);
        set_list(&mut t.custom_fields, &self.custom_fields);
    }
}

/// The given fields of an `index` object.
struct IndexFields {
    primary: Given<bool>,
    foreign: Given<bool>,
    referenced: Given<String>,
    other: Given<bool>,
}

/// Writable column fields.
pub(super) struct ColumnFields {
    column_type: Given<String>,
    title: Given<String>,
    description: Given<String>,
    column_comment: Given<String>,
    nullable: Given<bool>,
    position: Given<i64>,
    index: Given<IndexFields>,
    custom_fields: Given<Vec<CustomFieldValue>>,
}

impl ColumnFields {
    /// Reads the column fields of a body item; `column_type` is required on POST.
    pub(super) fn read(f: &mut Fields<'_>, type_required: bool) -> Self {
        let column_type = if type_required {
            f.required_text("column_type").map(Some)
        } else {
            f.text("column_type")
        };
        let index = f.object("index").map(|o| o.map(read_index));
        if let Some(Some(Err(message))) = &index {
            f.error("index", message.clone());
        }
        Self {
            column_type,
            title: f.text("title"),
            description: f.text("description"),
            column_comment: f.text("column_comment"),
            nullable: f.boolean("nullable"),
            position: f.integer("position"),
            index: index.map(|o| o.and_then(Result::ok)),
            custom_fields: f.custom_fields(),
        }
    }

    /// Applies the given fields.
    pub(super) fn apply(&self, c: &mut Column) {
        set_text(&mut c.column_type, &self.column_type);
        set_text(&mut c.title, &self.title);
        set_text(&mut c.description, &self.description);
        set_text_or_null(&mut c.column_comment, &self.column_comment);
        if let Some(v) = self.nullable {
            c.nullable = v.unwrap_or(false);
        }
        set(&mut c.position, &self.position);
        match &self.index {
            None => {}
            Some(None) => c.index = ColumnIndex::default(),
            Some(Some(i)) => {
                set_flag(&mut c.index.is_primary_key, i.primary);
                set_flag(&mut c.index.is_foreign_key, i.foreign);
                set_text_or_null(&mut c.index.referenced_column_id, &i.referenced);
                set_flag(&mut c.index.is_other_index, i.other);
            }
        }
        set_list(&mut c.custom_fields, &self.custom_fields);
    }
}

fn read_index(value: &Value) -> Result<IndexFields, String> {
    let flag = |name: &str| match value.get(name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Bool(b)) => Ok(Some(Some(*b))),
        Some(_) => Err(format!("{name} must be a boolean.")),
    };
    let referenced = match value.get("referencedColumnId") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => return Err("referencedColumnId must be a string.".into()),
    };
    Ok(IndexFields {
        primary: flag("isPrimaryKey")?,
        foreign: flag("isForeignKey")?,
        referenced,
        other: flag("isOtherIndex")?,
    })
}

fn set<T: Clone>(target: &mut Option<T>, given: &Given<T>) {
    if let Some(v) = given {
        target.clone_from(v);
    }
}

fn set_text(target: &mut Box<str>, given: &Given<String>) {
    if let Some(v) = given {
        *target = v.as_deref().unwrap_or_default().into();
    }
}

fn set_text_or_null(target: &mut Option<Box<str>>, given: &Given<String>) {
    if let Some(v) = given {
        *target = v.as_deref().map(Box::from);
    }
}

fn set_list<T: Clone>(target: &mut Vec<T>, given: &Given<Vec<T>>) {
    if let Some(v) = given {
        *target = v.clone().unwrap_or_default();
    }
}

fn set_flag(target: &mut bool, given: Given<bool>) {
    if let Some(v) = given {
        *target = v.unwrap_or(false);
    }
}
