//! Checks on parsed documents that YAML and serde cannot express: names that are
//! empty or repeat within their parent, constraints naming columns that do not exist,
//! foreign keys pointing at missing columns, and malformed `upstream:` lineage edges
//! (an upstream table that is not four names, two edges from one upstream table, a
//! column pair into a column the table does not have or from no column at all).
//!
//! An upstream table is not required to be in the state: lineage often crosses into
//! services or databases outside the snapshot's scope.
//!
//! Names may hold any character, line breaks and other controls included: OpenMetadata
//! stores them (its `__reserved__newline__` and `__reserved__tab__` tokens), the emitter
//! writes them double-quoted with escapes, and output shows them escaped
//! ([`crate::core::escape`]), so they round-trip and `snapshot` never writes a name that
//! `validate` refuses.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_saphyr::Spanned;

use super::Problem;
use super::document::{ColumnDoc, DatabaseDoc, SchemaDoc, TableDoc, UpstreamDoc};
use super::scalar::flow_list;
use crate::core::model::ConstraintType;

fn at<T>(file: &Path, spanned: &Spanned<T>, message: String) -> Problem {
    Problem::at(
        file,
        spanned.referenced.line(),
        spanned.referenced.column(),
        message,
    )
}

/// Reports an empty name.
fn check_name(file: &Path, what: &str, name: &Spanned<String>, out: &mut Vec<Problem>) {
    if name.value.is_empty() {
        out.push(at(file, name, format!("{what} name is empty")));
    }
}

/// Reports names that occur twice among siblings.
fn check_unique<'a>(
    file: &Path,
    what: &str,
    names: impl Iterator<Item = &'a Spanned<String>>,
    out: &mut Vec<Problem>,
) {
    let mut seen = HashMap::new();
    for name in names {
        if let Some(first) = seen.insert(name.value.as_str(), name.referenced.line()) {
            out.push(at(
                file,
                name,
                format!(
                    "duplicate {what} name `{}` (first at line {first})",
                    name.value
                ),
            ));
        }
    }
}

/// Checks the fields of a `_database.yaml`.
pub fn check_database(file: &Path, doc: &DatabaseDoc, out: &mut Vec<Problem>) {
    check_name(file, "service", &doc.service, out);
    check_name(file, "database", &doc.name, out);
}

/// Checks one schema file on its own.
pub fn check_schema(file: &Path, doc: &SchemaDoc, out: &mut Vec<Problem>) {
    check_name(file, "schema", &doc.name, out);
    check_unique(file, "table", doc.tables.iter().map(|t| &t.name), out);
    for table in &doc.tables {
        check_table(file, table, out);
    }
}

fn check_columns(file: &Path, columns: &[ColumnDoc], out: &mut Vec<Problem>) {
    check_unique(file, "column", columns.iter().map(|c| &c.name), out);
    for column in columns {
        check_name(file, "column", &column.name, out);
        check_columns(file, &column.children, out);
    }
}

fn check_table(file: &Path, table: &TableDoc, out: &mut Vec<Problem>) {
    check_name(file, "table", &table.name, out);
    check_columns(file, &table.columns, out);
    let columns: HashSet<&str> = table
        .columns
        .iter()
        .map(|c| c.name.value.as_str())
        .collect();
    for constraint in &table.table_constraints {
        for column in &constraint.columns {
            if !columns.contains(column.value.as_str()) {
                out.push(at(
                    file,
                    column,
                    format!(
                        "constraint column `{}` is not a column of table `{}`",
                        column.value, table.name.value
                    ),
                ));
            }
        }
        let foreign = constraint.constraint_type == ConstraintType::ForeignKey;
        for path in &constraint.referred_columns {
            if path.value.len() != 5 {
                out.push(at(
                    file,
                    path,
                    format!(
                        "a referred column is [service, database, schema, table, column]; found {} names",
                        path.value.len()
                    ),
                ));
            } else if !foreign {
                out.push(at(
                    file,
                    path,
                    "referredColumns are only allowed on a FOREIGN_KEY constraint".into(),
                ));
            }
        }
    }
    check_upstream(file, table, &columns, out);
}

/// Checks the `upstream:` edges of a table whose top-level column names are `columns`.
fn check_upstream(file: &Path, table: &TableDoc, columns: &HashSet<&str>, out: &mut Vec<Problem>) {
    let name = &table.name.value;
    let mut seen: HashMap<&[String], u64> = HashMap::new();
    for edge in &table.upstream {
        let path = &edge.table;
        if path.value.len() != 4 {
            out.push(at(
                file,
                path,
                format!(
                    "upstream table {} of table `{name}` is not [service, database, schema, table]: found {} names",
                    flow_list(&path.value),
                    path.value.len()
                ),
            ));
        } else if let Some(first) = seen.insert(&path.value, path.referenced.line()) {
            out.push(at(
                file,
                path,
                format!(
                    "duplicate upstream table {} of table `{name}` (first at line {first})",
                    flow_list(&path.value)
                ),
            ));
        }
        check_column_pairs(file, name, edge, columns, out);
    }
}

fn check_column_pairs(
    file: &Path,
    table: &str,
    edge: &UpstreamDoc,
    columns: &HashSet<&str>,
    out: &mut Vec<Problem>,
) {
    for pair in &edge.columns {
        let to = &pair.to.value;
        if !columns.contains(to.as_str()) {
            out.push(at(
                file,
                &pair.to,
                format!("lineage column `{to}` is not a column of table `{table}`"),
            ));
        }
        if pair.from.value.is_empty() {
            out.push(at(
                file,
                &pair.from,
                format!(
                    "lineage of column `{to}` of table `{table}` from {} names no upstream column (`from` is empty)",
                    flow_list(&edge.table.value)
                ),
            ));
        }
    }
}

/// All columns of the parsed state, for resolving foreign keys across files.
#[derive(Default)]
pub struct ColumnIndex<'a> {
    schemas: HashSet<[&'a str; 3]>,
    columns: HashSet<[&'a str; 5]>,
}

impl<'a> ColumnIndex<'a> {
    /// Adds a schema file's tables and top-level columns.
    pub fn add(&mut self, db: &'a DatabaseDoc, schema: &'a SchemaDoc) {
        let prefix = [
            db.service.value.as_str(),
            db.name.value.as_str(),
            schema.name.value.as_str(),
        ];
        self.schemas.insert(prefix);
        for table in &schema.tables {
            for column in &table.columns {
                self.columns.insert([
                    prefix[0],
                    prefix[1],
                    prefix[2],
                    table.name.value.as_str(),
                    column.name.value.as_str(),
                ]);
            }
        }
    }

    /// Reports foreign keys of `schema` whose referenced schema is in the state but whose
    /// table or column is not. References to schemas outside the state are not checked.
    pub fn check_references(&self, file: &Path, schema: &SchemaDoc, out: &mut Vec<Problem>) {
        let references = schema
            .tables
            .iter()
            .flat_map(|t| &t.table_constraints)
            .flat_map(|c| &c.referred_columns);
        for path in references {
            let [service, database, schema_name, table, column] = path.value.as_slice() else {
                continue;
            };
            let in_state =
                self.schemas
                    .contains(&[service.as_str(), database.as_str(), schema_name.as_str()]);
            let key = [
                service.as_str(),
                database.as_str(),
                schema_name.as_str(),
                table.as_str(),
                column.as_str(),
            ];
            if in_state && !self.columns.contains(&key) {
                out.push(at(
                    file,
                    path,
                    format!(
                        "referred column `{table}.{column}` does not exist in schema `{schema_name}` of `{service}/{database}`"
                    ),
                ));
            }
        }
    }
}
