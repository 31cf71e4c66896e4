//! What kind of relation a table is, in the model's own words.
//!
//! A source maps its own vocabulary into [`TableKind`] once, and a target maps a
//! `TableKind` into its own once, so no adapter matches another system's strings. The
//! state files spell each kind as OpenMetadata's `TableType` enum does (`Regular`,
//! `View`, `MaterializedView`, …, shared/reference/openmetadata-connectors.md §1.6), the
//! vocabulary the files started with; a spelling the model does not know is kept as it
//! is ([`TableKind::Other`]), so a newer source never loses it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of a table: a base table, one of the kinds of view, or a storage flavour.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum TableKind {
    /// An ordinary table (`Regular`).
    #[default]
    Regular,
    /// A view (`View`).
    View,
    /// A secure view (`SecureView`, Snowflake's).
    SecureView,
    /// A materialized view (`MaterializedView`).
    MaterializedView,
    /// A table over external storage (`External`).
    External,
    /// A partitioned table (`Partitioned`).
    Partitioned,
    /// An Apache Iceberg table (`Iceberg`).
    Iceberg,
    /// A foreign table (`Foreign`).
    Foreign,
    /// A transient table (`Transient`).
    Transient,
    /// A local table (`Local`).
    Local,
    /// A dynamic table (`Dynamic`).
    Dynamic,
    /// A stream (`Stream`).
    Stream,
    /// A kind the model has no name for, kept exactly as the source spelled it.
    Other(String),
}

/// The known kinds with their state-file spellings.
const SPELLINGS: [(TableKind, &str); 12] = [
    (TableKind::Regular, "Regular"),
    (TableKind::View, "View"),
    (TableKind::SecureView, "SecureView"),
    (TableKind::MaterializedView, "MaterializedView"),
    (TableKind::External, "External"),
    (TableKind::Partitioned, "Partitioned"),
    (TableKind::Iceberg, "Iceberg"),
    (TableKind::Foreign, "Foreign"),
    (TableKind::Transient, "Transient"),
    (TableKind::Local, "Local"),
    (TableKind::Dynamic, "Dynamic"),
    (TableKind::Stream, "Stream"),
];

impl TableKind {
    /// The kind a state-file spelling names; an unknown spelling is [`TableKind::Other`].
    pub fn from_spelling(text: &str) -> Self {
        SPELLINGS
            .iter()
            .find(|(_, spelling)| *spelling == text)
            .map_or_else(|| Self::Other(text.to_owned()), |(kind, _)| kind.clone())
    }

    /// The state-file spelling.
    pub fn spelling(&self) -> &str {
        match self {
            Self::Other(text) => text,
            known => SPELLINGS
                .iter()
                .find(|(kind, _)| kind == known)
                .map_or("", |(_, spelling)| spelling),
        }
    }

    /// Whether this is a view of any kind (its definition is a query).
    pub fn is_view(&self) -> bool {
        matches!(self, Self::View | Self::SecureView | Self::MaterializedView)
    }
}

impl fmt::Display for TableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.spelling())
    }
}

impl From<String> for TableKind {
    fn from(text: String) -> Self {
        Self::from_spelling(&text)
    }
}

impl From<TableKind> for String {
    fn from(kind: TableKind) -> Self {
        kind.spelling().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every known spelling reads back as the same kind, and an unknown one is kept.
    #[test]
    fn spellings_round_trip() {
        for (kind, spelling) in &SPELLINGS {
            assert_eq!(&TableKind::from_spelling(spelling), kind);
            assert_eq!(kind.spelling(), *spelling);
        }
        let other = TableKind::from_spelling("HologresExternal");
        assert_eq!(other, TableKind::Other("HologresExternal".into()));
        assert_eq!(other.spelling(), "HologresExternal");
    }

    /// Views, secure views and materialized views are views; nothing else is.
    #[test]
    fn only_the_view_kinds_are_views() {
        let views: Vec<&str> = SPELLINGS
            .iter()
            .filter(|(kind, _)| kind.is_view())
            .map(|(_, spelling)| *spelling)
            .collect();
        assert_eq!(views, ["View", "SecureView", "MaterializedView"]);
        assert!(!TableKind::Other("view".into()).is_view());
    }

    /// Serde uses the spelling, so plan files and JSON keep the state files' words.
    #[test]
    fn serde_uses_the_spelling() {
        let json = serde_json::to_string(&TableKind::MaterializedView).expect("serialises");
        assert_eq!(json, "\"MaterializedView\"");
        let back: TableKind = serde_json::from_str("\"Stream\"").expect("parses");
        assert_eq!(back, TableKind::Stream);
    }
}
