//! The canonical emitter: model -> state-file text.
//!
//! A general YAML serialiser leaves choices open (quoting, block styles, folding) that
//! would make snapshots churn; this one writes the fixed shape of a state file in
//! exactly one way: keys in a fixed order, absent optional fields and empty lists
//! omitted, two-space indentation, list items indented under their key, LF line ends,
//! one trailing newline, and the string styles of [`super::scalar`].

use super::scalar::{self, Style};
use super::{API_VERSION, GENERATED_HEADER};
use crate::core::model::{
    Column, ColumnConstraint, ColumnLineage, ConstraintType, Database, Schema, Table,
    TableConstraint, Upstream,
};

/// A value of the fixed file shape.
enum Node<'a> {
    /// Text in the style [`scalar::style`] picks (a literal block for multi-line text).
    Str(&'a str),
    /// Text that stays on its line (plain or double-quoted): names and list items, which
    /// are easier to read and grep on one line even when they hold a line break.
    Line(&'a str),
    Int(u64),
    /// A list of strings written inline, `[a, b]`.
    Flow(&'a [String]),
    Seq(Vec<Node<'a>>),
    Map(Vec<(&'static str, Node<'a>)>),
}

/// Collects the entries of a mapping, skipping absent and empty values.
#[derive(Default)]
struct Entries<'a>(Vec<(&'static str, Node<'a>)>);

impl<'a> Entries<'a> {
    fn str(mut self, key: &'static str, value: &'a str) -> Self {
        self.0.push((key, Node::Str(value)));
        self
    }
    fn line(mut self, key: &'static str, value: &'a str) -> Self {
        self.0.push((key, Node::Line(value)));
        self
    }
    fn opt(self, key: &'static str, value: Option<&'a str>) -> Self {
        match value {
            Some(v) => self.str(key, v),
            None => self,
        }
    }
    fn int(mut self, key: &'static str, value: Option<u64>) -> Self {
        if let Some(v) = value {
            self.0.push((key, Node::Int(v)));
        }
        self
    }
    fn seq(mut self, key: &'static str, items: Vec<Node<'a>>) -> Self {
        if !items.is_empty() {
            self.0.push((key, Node::Seq(items)));
        }
        self
    }
    fn strs(self, key: &'static str, items: &'a [String]) -> Self {
        self.seq(key, items.iter().map(|s| Node::Line(s)).collect())
    }
    fn flow(mut self, key: &'static str, items: &'a [String]) -> Self {
        self.0.push((key, Node::Flow(items)));
        self
    }
    fn node(self) -> Node<'a> {
        Node::Map(self.0)
    }
}

fn column_constraint_name(c: ColumnConstraint) -> &'static str {
    match c {
        ColumnConstraint::Null => "NULL",
        ColumnConstraint::NotNull => "NOT_NULL",
        ColumnConstraint::Unique => "UNIQUE",
        ColumnConstraint::PrimaryKey => "PRIMARY_KEY",
    }
}

fn constraint_type_name(c: ConstraintType) -> &'static str {
    match c {
        ConstraintType::Unique => "UNIQUE",
        ConstraintType::PrimaryKey => "PRIMARY_KEY",
        ConstraintType::ForeignKey => "FOREIGN_KEY",
        ConstraintType::SortKey => "SORT_KEY",
        ConstraintType::DistKey => "DIST_KEY",
        ConstraintType::ClusterKey => "CLUSTER_KEY",
    }
}

fn column_node(c: &Column) -> Node<'_> {
    Entries::default()
        .line("name", &c.name)
        .opt("displayName", c.display_name.as_deref())
        .str("dataType", &c.data_type)
        .opt("dataTypeDisplay", c.data_type_display.as_deref())
        .int("dataLength", c.data_length)
        .int("ordinalPosition", c.ordinal_position.map(u64::from))
        .opt("constraint", c.constraint.map(column_constraint_name))
        .strs("tags", &c.tags)
        .opt("description", c.description.as_deref())
        .seq("children", c.children.iter().map(column_node).collect())
        .node()
}

fn constraint_node(c: &TableConstraint) -> Node<'_> {
    Entries::default()
        .str("constraintType", constraint_type_name(c.constraint_type))
        .strs("columns", &c.columns)
        .seq(
            "referredColumns",
            c.referred_columns.iter().map(|p| Node::Flow(p)).collect(),
        )
        .node()
}

fn column_lineage_node(c: &ColumnLineage) -> Node<'_> {
    Entries::default()
        .flow("from", &c.from)
        .line("to", &c.to)
        .node()
}

fn upstream_node(u: &Upstream) -> Node<'_> {
    Entries::default()
        .flow("table", &u.table)
        .seq(
            "columns",
            u.columns.iter().map(column_lineage_node).collect(),
        )
        .opt("sql", u.sql.as_deref())
        .opt("pipeline", u.pipeline.as_deref())
        .node()
}

fn table_node(t: &Table) -> Node<'_> {
    Entries::default()
        .line("name", &t.name)
        .opt("displayName", t.display_name.as_deref())
        .str("tableType", t.table_type.spelling())
        .strs("tags", &t.tags)
        .opt("description", t.description.as_deref())
        .opt("viewDefinition", t.view_definition.as_deref())
        .seq(
            "tableConstraints",
            t.constraints.iter().map(constraint_node).collect(),
        )
        .seq("upstream", t.upstream.iter().map(upstream_node).collect())
        .seq("columns", t.columns.iter().map(column_node).collect())
        .node()
}

fn header(kind: &'static str) -> Entries<'static> {
    Entries::default()
        .str("apiVersion", API_VERSION)
        .str("kind", kind)
}

/// The text of `_database.yaml` for a database (its schemas are not included).
pub fn emit_database(db: &Database) -> String {
    let entries = header("Database")
        .line("service", &db.service)
        .opt("serviceType", db.service_type.as_deref())
        .line("name", &db.name)
        .opt("displayName", db.display_name.as_deref())
        .strs("tags", &db.tags)
        .opt("description", db.description.as_deref());
    document(entries)
}

/// The text of the file of one schema, with its tables and columns.
pub fn emit_schema(schema: &Schema) -> String {
    let entries = header("DatabaseSchema")
        .line("name", &schema.name)
        .opt("displayName", schema.display_name.as_deref())
        .strs("tags", &schema.tags)
        .opt("description", schema.description.as_deref())
        .seq("tables", schema.tables.iter().map(table_node).collect());
    document(entries)
}

fn document(entries: Entries<'_>) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str(GENERATED_HEADER);
    out.push('\n');
    for (key, value) in &entries.0 {
        push_entry(&mut out, 0, key, value);
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// Writes `key: value` at `level`; the key's indentation is written by the caller.
fn push_entry(out: &mut String, level: usize, key: &str, value: &Node<'_>) {
    out.push_str(key);
    out.push(':');
    match value {
        Node::Seq(items) => {
            out.push('\n');
            for item in items {
                indent(out, level + 2);
                push_item(out, level + 2, item);
            }
        }
        other => {
            out.push(' ');
            push_inline(out, level, other);
        }
    }
}

/// Writes `- item` whose dash is at column `level` (already indented).
fn push_item(out: &mut String, level: usize, item: &Node<'_>) {
    out.push_str("- ");
    match item {
        Node::Map(entries) => {
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    indent(out, level + 2);
                }
                push_entry(out, level + 2, key, value);
            }
        }
        other => push_inline(out, level, other),
    }
}

/// Writes a scalar or flow value after `key: ` or `- `, ending the line; a literal
/// block's lines are indented two spaces beyond `level`.
fn push_inline(out: &mut String, level: usize, value: &Node<'_>) {
    match value {
        Node::Str(s) => match scalar::style(s) {
            Style::Plain => out.push_str(s),
            Style::Quoted => scalar::push_quoted(out, s),
            Style::Literal(chomp) => {
                out.push('|');
                out.push_str(chomp);
                for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
                    out.push('\n');
                    if !line.is_empty() {
                        indent(out, level + 2);
                        out.push_str(line);
                    }
                }
            }
        },
        Node::Line(s) if scalar::is_plain(s, false) => out.push_str(s),
        Node::Line(s) => scalar::push_quoted(out, s),
        Node::Int(n) => out.push_str(&n.to_string()),
        Node::Flow(items) => scalar::push_flow_list(out, items),
        // Lists and mappings only occur as mapping values and list items.
        Node::Seq(_) | Node::Map(_) => {}
    }
    out.push('\n');
}
