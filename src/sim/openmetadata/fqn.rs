//! Names and fully qualified names, spelled as OpenMetadata stores them.
//!
//! This is the one place where the sandbox decides how names are written
//! (shared/reference/openmetadata-connectors.md §4.5 "FQN rules"):
//! - Names are stored with the ingestion framework's reserved-keyword encoding
//!   (`custom_basemodel_validation.py`): `::` becomes `__reserved__colon__`, `>` becomes
//!   `__reserved__arrow__` and `"` becomes `__reserved__quote__`. The Python client encodes
//!   names before it creates entities; the sandbox encodes what it seeds or generates the
//!   same way, so stored names never hold those characters.
//! - A fully qualified name joins the parts with `.`; a part containing `.` is wrapped in
//!   double quotes (`FullyQualifiedName.quoteName` on the server).

/// The `::` replacement.
pub const RESERVED_COLON: &str = "__reserved__colon__";
/// The `>` replacement.
pub const RESERVED_ARROW: &str = "__reserved__arrow__";
/// The `"` replacement.
pub const RESERVED_QUOTE: &str = "__reserved__quote__";

/// Replaces the reserved separators of a raw name by their stored keywords.
pub fn encode_name(raw: &str) -> String {
    raw.replace("::", RESERVED_COLON)
        .replace('>', RESERVED_ARROW)
        .replace('"', RESERVED_QUOTE)
}

/// Quotes one FQN part as the server does: a name holding `.` is wrapped in `"…"`.
pub fn quote_name(name: &str) -> String {
    if name.contains('.') {
        format!("\"{name}\"")
    } else {
        name.to_owned()
    }
}

/// Appends `name` as the last part of the FQN `parent`.
pub fn child(parent: &str, name: &str) -> String {
    format!("{parent}.{}", quote_name(name))
}

/// The last part of an FQN, unquoted: the entity's own name.
pub fn last_name(fqn: &str) -> &str {
    match fqn.strip_suffix('"') {
        Some(quoted) => quoted
            .rfind('"')
            .map_or(quoted, |start| &quoted[start + 1..]),
        None => fqn.rsplit('.').next().unwrap_or(fqn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The last part is found past dots inside quotes, and its quotes are removed.
    #[test]
    fn last_name_is_the_unquoted_last_part() {
        assert_eq!(
            last_name("sample_airflow.dim_address_etl"),
            "dim_address_etl"
        );
        assert_eq!(last_name("svc.db.sch.\"dim.product\""), "dim.product");
        assert_eq!(last_name("alone"), "alone");
    }

    /// Reserved separators are replaced by the ingestion framework's keywords.
    #[test]
    fn encodes_reserved_separators() {
        assert_eq!(
            encode_name("a::b>c\"d\""),
            "a__reserved__colon__b__reserved__arrow__c__reserved__quote__d__reserved__quote__"
        );
        assert_eq!(encode_name("plain_name"), "plain_name");
    }

    /// Only parts holding a dot are quoted.
    #[test]
    fn quotes_parts_with_dots() {
        assert_eq!(quote_name("dim.api/client"), "\"dim.api/client\"");
        assert_eq!(quote_name("dim_api"), "dim_api");
        assert_eq!(
            child("sample_data.ecommerce_db.shopify", "dim.shop"),
            "sample_data.ecommerce_db.shopify.\"dim.shop\""
        );
    }
}
