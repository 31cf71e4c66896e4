//! Alation object keys, the marker of created data sources, and the text form of a
//! foreign key's referenced column.
//!
//! Keys (shared/reference/alation-api.md §2.2): `<ds_id>.<schema>[.<table>[.<column>]]`.
//! Quoting rule chosen here, from the documented examples: a name containing `.` is
//! wrapped in double quotes (`7."HR.2017"`); a `"` inside a name is escaped as `\"`
//! whether or not the name is quoted (`3.CORP_DW.REP\"CLIENT`). The documentation's
//! `COU\"\.NTRY` makes the backslash an escape character, so a backslash in a name is
//! itself escaped, as `\\` (`a\b` -> `7.s.a\\b`); written as it is, Alation would read
//! `\b` as an escaped `b` and store `ab`. Other characters, spaces included, are written
//! as they are. The documentation states no rule beyond its examples (UNVERIFIED: the
//! escaping of a backslash is inferred from the backslash being the escape character);
//! this is their most literal reading. Alation looks keys up case-insensitively.

/// One name as a key part.
pub fn key_part(name: &str) -> String {
    let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
    if name.contains('.') {
        format!("\"{escaped}\"")
    } else {
        escaped
    }
}

/// `<ds_id>.<schema>`.
pub fn schema_key(ds_id: i64, schema: &str) -> String {
    format!("{ds_id}.{}", key_part(schema))
}

/// `<ds_id>.<schema>.<table>`.
pub fn table_key(ds_id: i64, schema: &str, table: &str) -> String {
    format!("{}.{}", schema_key(ds_id, schema), key_part(table))
}

/// `<ds_id>.<schema>.<table>.<column>`.
pub fn column_key(ds_id: i64, schema: &str, table: &str, column: &str) -> String {
    format!("{}.{}", table_key(ds_id, schema, table), key_part(column))
}

/// Splits a key into its data source id and names; `None` when it is not a key.
///
/// Understands the quoting of [`key_part`]: a backslash escapes the next character,
/// inside or outside quotes (`\"`, `\\`, and `\.` as in the documentation's
/// `COU\"\.NTRY`).
pub fn parse_key(key: &str) -> Option<(i64, Vec<String>)> {
    let mut parts = split_quoted(key, true)?;
    if parts.is_empty() {
        return None;
    }
    let ds_id = parts.remove(0).parse().ok()?;
    Some((ds_id, parts))
}

/// The OpenMetadata fully qualified name of a database: `service.database`, a part
/// containing `.` wrapped in double quotes.
pub fn database_fqn(service: &str, database: &str) -> String {
    [service, database]
        .iter()
        .map(|p| {
            if p.contains('.') {
                format!("\"{p}\"")
            } else {
                (*p).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The `uri` metaform gives a data source it creates: `metaform://<source-kind>/<fqn>`,
/// the kind of source the desired state came from (`openmetadata`, `atlas`) and the
/// database's identity in it. A data source whose `uri` equals it is the one created
/// for that database, even after it was renamed in Alation. Markers written before the
/// source kind was configurable are `metaform://openmetadata/<fqn>`, which is what an
/// OpenMetadata source gives, so they keep being found.
pub fn marker(source_kind: &str, service: &str, database: &str) -> String {
    format!(
        "metaform://{source_kind}/{}",
        database_fqn(service, database)
    )
}

/// The text of a foreign key's referenced column in an object: its address path
/// `[service, database, schema, table, column]` joined by `.`, a part containing `.`,
/// `"` or `\` wrapped in double quotes with `"` and `\` backslash-escaped. For plain
/// names it reads like an OpenMetadata FQN.
pub fn reference_text(path: &[String]) -> String {
    path.iter()
        .map(|p| {
            if p.contains(['.', '"', '\\']) {
                format!("\"{}\"", p.replace('\\', "\\\\").replace('"', "\\\""))
            } else {
                p.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Parses [`reference_text`] back into its path.
pub fn parse_reference(text: &str) -> Option<Vec<String>> {
    split_quoted(text, false)
}

/// Splits on `.` outside double quotes; inside quotes `\"` and `\\` are literal.
/// With `key_escapes` (Alation keys), a backslash escapes any next character, inside
/// or outside quotes, and a lone trailing backslash is not a key.
fn split_quoted(text: &str, key_escapes: bool) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if key_escapes => current.push(chars.next()?),
            '\\' if quoted && matches!(chars.peek(), Some('"') | Some('\\')) => {
                current.extend(chars.next());
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut current)),
            other => current.push(other),
        }
    }
    if quoted {
        return None;
    }
    parts.push(current);
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|p| p.to_string()).collect()
    }

    /// A name containing `.` is double-quoted inside a key.
    #[test]
    fn names_with_dots_are_quoted() {
        assert_eq!(
            table_key(34, "shopify", "dim.product.variant"),
            "34.shopify.\"dim.product.variant\""
        );
        assert_eq!(
            table_key(34, "shopify", "dim.api/client"),
            "34.shopify.\"dim.api/client\""
        );
        assert_eq!(
            column_key(7, "HR.2017", "Employees.FullTime", "Name.short"),
            "7.\"HR.2017\".\"Employees.FullTime\".\"Name.short\""
        );
    }

    /// A backslash in a name is escaped, so that Alation does not read it as an escape.
    #[test]
    fn backslashes_are_escaped() {
        assert_eq!(table_key(7, "s", "a\\b"), "7.s.a\\\\b");
        assert_eq!(table_key(7, "s", "a\\.b"), "7.s.\"a\\\\.b\"");
        for names in [
            path(&["s", "a\\b", "trailing\\"]),
            path(&["s\\", "c\\\"d.e", "\\"]),
        ] {
            let key = column_key(3, &names[0], &names[1], &names[2]);
            assert_eq!(parse_key(&key), Some((3, names)), "{key}");
        }
        assert_eq!(parse_key("3.s.t\\"), None);
    }

    /// Spaces, unicode and punctuation other than `.`, `"` and `\` stay as they are.
    #[test]
    fn other_names_are_written_as_they_are() {
        assert_eq!(
            column_key(34, "shopify", "dim_::>address", "магазин"),
            "34.shopify.dim_::>address.магазин"
        );
        assert_eq!(
            column_key(7, "Human Resources", "Employees", "First Name"),
            "7.Human Resources.Employees.First Name"
        );
    }

    /// A `"` in a name is escaped as `\"`, inside or outside quotes.
    #[test]
    fn quotes_are_backslash_escaped() {
        assert_eq!(
            table_key(3, "CORP_DW", "REP\"CLIENT"),
            "3.CORP_DW.REP\\\"CLIENT"
        );
        assert_eq!(table_key(3, "s", "a\".b"), "3.s.\"a\\\".b\"");
    }

    /// Keys parse back into their data source id and names.
    #[test]
    fn keys_parse_back_into_names() {
        for names in [
            path(&["shopify", "dim.product.variant", "id"]),
            path(&["HR.2017", "REP\"CLIENT", "a\".b"]),
            path(&["s", "t", "c"]),
        ] {
            let key = column_key(12, &names[0], &names[1], &names[2]);
            assert_eq!(parse_key(&key), Some((12, names)), "{key}");
        }
        assert_eq!(
            parse_key("3.CORP_DW.REP\\\"CLIENT.COU\\\"\\.NTRY"),
            Some((3, path(&["CORP_DW", "REP\"CLIENT", "COU\".NTRY"])))
        );
        assert_eq!(parse_key("x.s"), None);
        assert_eq!(parse_key("1.\"open"), None);
    }

    /// Foreign key reference texts parse back into their path.
    #[test]
    fn references_round_trip() {
        let p = path(&[
            "sample_data",
            "ecommerce_db",
            "shopify",
            "dim.a\"b\\c",
            "id",
        ]);
        let text = reference_text(&p);
        assert_eq!(
            text,
            "sample_data.ecommerce_db.shopify.\"dim.a\\\"b\\\\c\".id"
        );
        assert_eq!(parse_reference(&text), Some(p));
    }

    /// The data source marker carries the database FQN.
    #[test]
    fn markers_carry_the_database_fqn() {
        assert_eq!(
            marker("openmetadata", "sample_data", "ecommerce_db"),
            "metaform://openmetadata/sample_data.ecommerce_db"
        );
        assert_eq!(database_fqn("svc", "db.v2"), "svc.\"db.v2\"");
    }
}
