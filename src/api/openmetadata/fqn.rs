//! OpenMetadata names and fully qualified names (FQNs).
//!
//! Two encodings meet here (shared/reference/openmetadata-connectors.md §1.6 and §4.5):
//! - An FQN joins names with `.`; a name containing `.` is wrapped in double quotes
//!   (Java `FullyQualifiedName`, Python `fqn._build`/`fqn.split`).
//! - OpenMetadata stores characters that would break FQNs or entity links as
//!   `__reserved__…__` tokens; its Python client decodes them when it reads entities
//!   (`custom_basemodel_validation.revert_separators`). The FQNs the server returns are
//!   built from the stored (encoded) names, so every part is decoded after splitting.

/// The reserved-token encodings, in the order the Python client reverts them.
///
/// `colon`, `arrow` and `quote` are defined in OpenMetadata's
/// `metadata/ingestion/models/custom_basemodel_validation.py` (`RESERVED_*_KEYWORD`);
/// `newline`, `carriage_return` and `tab` were added in openmetadata-ingestion 2.0.7.0
/// (shared/reference/openmetadata-connectors.md §1.6).
pub const RESERVED_TOKENS: [(&str, &str); 6] = [
    ("__reserved__colon__", "::"),
    ("__reserved__arrow__", ">"),
    ("__reserved__quote__", "\""),
    ("__reserved__newline__", "\n"),
    ("__reserved__carriage_return__", "\r"),
    ("__reserved__tab__", "\t"),
];

/// Decodes the `__reserved__…__` tokens of a stored name into the characters they stand for.
pub fn decode_name(stored: &str) -> String {
    if !stored.contains("__reserved__") {
        return stored.to_owned();
    }
    RESERVED_TOKENS
        .iter()
        .fold(stored.to_owned(), |name, (token, text)| {
            name.replace(token, text)
        })
}

/// An FQN that cannot be split into names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fully qualified name `{fqn}`: {reason}")]
pub struct FqnError {
    /// The FQN as given.
    pub fqn: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Splits an FQN into its names, removing the quotes around quoted parts.
///
/// The names are returned as stored (not decoded); see [`split_decoded`].
/// A quoted part may contain `.`; quotes never appear inside a part (OpenMetadata's FQN
/// grammar forbids them, the stored form of `"` is `__reserved__quote__`).
pub fn split(fqn: &str) -> Result<Vec<String>, FqnError> {
    let error = |reason| FqnError {
        fqn: fqn.to_owned(),
        reason,
    };
    let mut parts = Vec::new();
    let mut chars = fqn.chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some(c) => part.push(c),
                    None => return Err(error("unterminated quoted name")),
                }
            }
            match chars.next() {
                None => {
                    parts.push(part);
                    return Ok(parts);
                }
                Some('.') => {}
                Some(_) => return Err(error("a quoted name must be followed by `.`")),
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        if part.is_empty() {
                            return Err(error("empty name"));
                        }
                        parts.push(part);
                        return Ok(parts);
                    }
                    Some('.') => break,
                    Some('"') => return Err(error("a quote inside an unquoted name")),
                    Some(c) => part.push(c),
                }
            }
        }
        if part.is_empty() {
            return Err(error("empty name"));
        }
        parts.push(part);
    }
}

/// Splits an FQN and decodes each name (see [`decode_name`]).
pub fn split_decoded(fqn: &str) -> Result<Vec<String>, FqnError> {
    Ok(split(fqn)?.iter().map(|part| decode_name(part)).collect())
}

/// Quotes a stored name for use as one part of an FQN: wrapped in `"` when it contains `.`.
pub fn quote_name(name: &str) -> String {
    if name.contains('.') {
        format!("\"{name}\"")
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain FQNs split on dots.
    #[test]
    fn splits_plain_parts() {
        assert_eq!(
            split("sample_data.ecommerce_db.shopify.dim_address").unwrap(),
            ["sample_data", "ecommerce_db", "shopify", "dim_address"]
        );
    }

    /// A quoted part keeps its dots and slashes and loses its quotes.
    #[test]
    fn splits_quoted_parts() {
        assert_eq!(
            split("sample_data.ecommerce_db.shopify.\"dim.api/client\".id").unwrap(),
            [
                "sample_data",
                "ecommerce_db",
                "shopify",
                "dim.api/client",
                "id"
            ]
        );
        assert_eq!(split("\"a.b\"").unwrap(), ["a.b"]);
        assert_eq!(split("\"a.b\".\"c.d\"").unwrap(), ["a.b", "c.d"]);
    }

    /// Malformed FQNs are errors that name the FQN, never panics.
    #[test]
    fn rejects_malformed_fqns() {
        for bad in ["", "a..b", "a.", ".a", "\"a.b", "\"a.b\"c", "a\"b"] {
            let err = split(bad).unwrap_err();
            assert_eq!(err.fqn, bad);
            assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
        }
    }

    /// Quoting round-trips through splitting.
    #[test]
    fn quote_then_split_round_trips() {
        let names = ["svc", "dim.product.variant", "магазин", "dim(shop)"];
        let fqn = names.map(quote_name).join(".");
        assert_eq!(fqn, "svc.\"dim.product.variant\".магазин.dim(shop)");
        assert_eq!(split(&fqn).unwrap(), names);
    }

    /// Every reserved token decodes to its character; other text is untouched.
    #[test]
    fn decodes_reserved_tokens() {
        assert_eq!(
            decode_name("dim___reserved__colon____reserved__arrow__address"),
            "dim_::>address"
        );
        assert_eq!(
            decode_name("say__reserved__quote__hi__reserved__quote__"),
            "say\"hi\""
        );
        assert_eq!(
            decode_name("a__reserved__newline__b__reserved__carriage_return__c__reserved__tab__d"),
            "a\nb\rc\td"
        );
        assert_eq!(decode_name("dim.api/client"), "dim.api/client");
        assert_eq!(
            decode_name("__reserved__unknown__"),
            "__reserved__unknown__"
        );
    }

    /// FQN parts are decoded after splitting, so an encoded quote never breaks the split.
    #[test]
    fn split_decoded_decodes_each_part() {
        assert_eq!(
            split_decoded("svc.db.sch.\"t__reserved__quote__x.y\".c__reserved__colon__d").unwrap(),
            ["svc", "db", "sch", "t\"x.y", "c::d"]
        );
    }
}
