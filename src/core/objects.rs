//! Target-level objects: the flat, field-by-field form in which plans compare catalogs.
//!
//! A target adapter projects the desired [`Catalog`](super::model::Catalog) into
//! [`Object`]s with the fields it manages (for Alation: title, description as HTML,
//! table_type, sql, column_type, position, nullable, keys, ...), and reads its current
//! state into the same shape. The plan engine diffs the two without knowing the target.
//! Values a target holds but metaform does not manage ride along on the current
//! objects ([`Object::unmanaged`]) without ever being diffed.
//!
//! Catalogs run to millions of objects, so an object is kept small: its fields are a
//! [`Fields`] list sorted by name (one allocation, not a map's node per object), and a
//! field's name is a [`Field`], one interned string shared by every object.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

mod fields;

pub use fields::{Field, Fields};

/// The kind of a reconciled object, in apply order (parents first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// A data source (Alation) or database (OpenMetadata).
    Datasource,
    /// A schema.
    Schema,
    /// A table or view.
    Table,
    /// A column.
    Column,
}

/// The address of an object: its data source's source identity followed by decoded names.
///
/// `path` is `[service, database]` for a data source, then the schema, table and column
/// names. Displayed like an OpenMetadata FQN: parts joined by `.`, a part containing `.`
/// wrapped in double quotes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Address {
    /// The object's kind.
    pub kind: ObjectKind,
    /// Decoded names from the service down to the object.
    pub path: Vec<String>,
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.path.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            if part.contains('.') {
                write!(f, "\"{part}\"")?;
            } else {
                f.write_str(part)?;
            }
        }
        Ok(())
    }
}

/// A managed field's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    /// Plain text compared exactly.
    Text(String),
    /// Rich text (HTML) compared in canonical form (see `core::normalize`).
    Html(String),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A set of strings (tags, upstream tables), compared as a set; an empty set is no
    /// value, like empty text. Written `{"type": "set", "value": ["a", "b"]}`, sorted.
    Set(BTreeSet<String>),
}

/// One object with the fields the target manages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    /// Where the object is.
    pub address: Address,
    /// Managed fields by name; an absent field means "no value".
    pub fields: Fields,
    /// What the target holds on the object but metaform does not manage (for Alation:
    /// comments from the database, custom fields, ...), in the target's own write form.
    /// Read with the current state only so that a complete write (one that resets what
    /// it leaves out) can carry it unchanged; never compared, planned or shown. `None`
    /// when there is nothing, so that an object without such values costs one word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmanaged: Option<Box<Unmanaged>>,
}

/// A target's values on an object that metaform carries but does not manage, by the
/// target's field name, as JSON in the form the target's writes take.
pub type Unmanaged = serde_json::Map<String, serde_json::Value>;
