//! Catalog values for the integration tests, as `src/core/model_builders.rs` gives them
//! to the unit tests (which these cannot see): each builder takes what a test names an
//! object by and gives every other field its empty value, so that a field added to the
//! model is added here once. A test sets what it cares about with struct update syntax.

use metaform::core::model::{Column, Database, Schema, Table, TableKind};

/// A database `name` of service `service` (no service type), holding `schemas`.
pub fn database(service: &str, name: &str, schemas: Vec<Schema>) -> Database {
    Database {
        service: service.into(),
        service_type: None,
        name: name.into(),
        display_name: None,
        description: None,
        tags: Vec::new(),
        schemas,
    }
}

/// A schema `name` holding `tables`.
pub fn schema(name: &str, tables: Vec<Table>) -> Schema {
    Schema {
        name: name.into(),
        display_name: None,
        description: None,
        tags: Vec::new(),
        tables,
    }
}

/// A regular table `name` with `columns`, no constraints, tags or upstream tables.
pub fn table(name: &str, columns: Vec<Column>) -> Table {
    Table {
        name: name.into(),
        display_name: None,
        description: None,
        table_type: TableKind::Regular,
        view_definition: None,
        constraints: Vec::new(),
        tags: Vec::new(),
        upstream: Vec::new(),
        columns,
    }
}

/// A column `name` of type `data_type`, without position, length or constraint.
pub fn column(name: &str, data_type: &str) -> Column {
    Column {
        name: name.into(),
        display_name: None,
        data_type: data_type.into(),
        data_type_display: None,
        data_length: None,
        description: None,
        ordinal_position: None,
        constraint: None,
        tags: Vec::new(),
        children: Vec::new(),
    }
}
