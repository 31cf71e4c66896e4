//! Desired objects that Alation would hold as one: found before anything is written.
//!
//! Alation finds schemas, tables and columns by key, and "when Alation goes to look up
//! objects by a key, it will lower case the key that it was provided"
//! (shared/reference/alation-api.md §2.2). Two desired objects whose keys differ only
//! in case (`Orders` and `orders` in one schema, `ID` and `id` in one table) are
//! therefore one object there: each apply writes one over the other, or deletes and
//! re-creates it, and the plan never settles. So such pairs are refused, in `plan`
//! (hence `apply`) and in `validate`, before any request.
//!
//! Two keys are taken as one when they are equal after Alation's normalisation as
//! chosen here (only the lower-casing is documented; the rest is UNVERIFIED and chosen
//! so that a doubtful pair is refused rather than lost):
//! - the whole key is trimmed of leading and trailing whitespace (Alation's API is
//!   Django REST framework, whose `CharField` trims by default), so a column `id ` is
//!   the column `id`;
//! - it is lower-cased (Unicode, like Python's `str.lower`);
//! - it is split into names by Alation's key syntax ([`keys::parse_key`]), so two
//!   spellings of one name, quoted or escaped, are one name.
//!
//! Keys are made by [`keys`], the same functions the writes use, so a change there
//! changes what collides here.
//!
//! Data sources are found by their marker ([`keys::marker`]), compared exactly: two
//! databases with one marker (possible with quotes and dots in names, e.g. service
//! `p.`, database `z"` and service `"p`, database `.z`) would share one data source.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use crate::core::model::Catalog;
use crate::core::objects::{Address, ObjectKind};

use super::keys;

/// Two desired objects that are one object in Alation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    /// The object met first, in catalog order.
    pub first: Address,
    /// The object that collides with it.
    pub second: Address,
    /// What they share, e.g. ``the key `<ds>.shop.orders` `` (keys are shown
    /// normalised, with `<ds>` for the data source id).
    pub shared: String,
}

impl Collision {
    /// The refusal in words, naming both objects and, through `file_of`, the state
    /// file of each.
    pub fn describe(&self, file_of: &dyn Fn(&Address) -> String) -> String {
        let reason = match self.first.kind {
            ObjectKind::Datasource => "both would be bound to one data source",
            _ => "Alation keys ignore case and surrounding whitespace",
        };
        format!(
            "{} `{}` (in `{}`) and {} `{}` (in `{}`) are one object in Alation ({reason}; \
             both have {}): rename or remove one of them; nothing is written while they collide",
            kind_word(self.first.kind),
            keys::reference_text(&self.first.path),
            file_of(&self.first),
            kind_word(self.second.kind),
            keys::reference_text(&self.second.path),
            file_of(&self.second),
            self.shared,
        )
    }
}

fn kind_word(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Datasource => "database",
        ObjectKind::Schema => "schema",
        ObjectKind::Table => "table",
        ObjectKind::Column => "column",
    }
}

/// Every pair of desired objects of `catalog` (from a source of `source_kind`) that
/// Alation would hold as one; each
/// object that collides with an earlier one is reported once, against the first, and
/// what lies under it is not reported again (under `SALES` and `Sales`, every table
/// collides too). Pure: no I/O.
pub fn key_collisions(catalog: &Catalog, source_kind: &str) -> Vec<Collision> {
    // (kind, data source path, normalised identity) -> first address.
    let mut seen: BTreeMap<(ObjectKind, Vec<String>, Vec<String>), Address> = BTreeMap::new();
    let mut found: Vec<Collision> = Vec::new();
    for address in addresses(catalog) {
        if found
            .iter()
            .any(|c| address.path.starts_with(&c.second.path))
        {
            continue;
        }
        let (scope, identity, shared) = match identity(&address, source_kind) {
            Some(parts) => parts,
            None => continue,
        };
        match seen.entry((address.kind, scope, identity)) {
            Entry::Vacant(entry) => {
                entry.insert(address);
            }
            Entry::Occupied(entry) => found.push(Collision {
                first: entry.get().clone(),
                second: address,
                shared,
            }),
        }
    }
    found
}

/// The addresses of the objects Alation would hold for `catalog`, parents before
/// children: data sources, schemas, tables and top-level columns (nested members stay
/// inside their parent's type, as in [`super::mapping`]).
fn addresses(catalog: &Catalog) -> Vec<Address> {
    let mut out = Vec::new();
    let mut push = |kind, path: &[&String]| {
        out.push(Address {
            kind,
            path: path.iter().map(|p| (*p).clone()).collect(),
        })
    };
    for db in &catalog.databases {
        push(ObjectKind::Datasource, &[&db.service, &db.name]);
        for schema in &db.schemas {
            push(ObjectKind::Schema, &[&db.service, &db.name, &schema.name]);
            for table in &schema.tables {
                let table_path = [&db.service, &db.name, &schema.name, &table.name];
                push(ObjectKind::Table, &table_path);
                for column in &table.columns {
                    let [s, d, sc, t] = table_path;
                    push(ObjectKind::Column, &[s, d, sc, t, &column.name]);
                }
            }
        }
    }
    out
}

/// The scope an object's identity is unique in, the identity, and its description.
fn identity(address: &Address, source_kind: &str) -> Option<(Vec<String>, Vec<String>, String)> {
    let path = &address.path;
    if address.kind == ObjectKind::Datasource {
        let [service, database] = path.as_slice() else {
            return None;
        };
        let marker = keys::marker(source_kind, service, database);
        let shared = format!("the data source marker `{marker}`");
        return Some((Vec::new(), vec![marker], shared));
    }
    let key = match path.as_slice() {
        [_, _, schema] => keys::schema_key(0, schema),
        [_, _, schema, table] => keys::table_key(0, schema, table),
        [_, _, schema, table, column] => keys::column_key(0, schema, table, column),
        _ => return None,
    };
    let normalised = normalise_key(&key);
    let identity = match keys::parse_key(&normalised) {
        Some((_, names)) => names,
        None => vec![normalised.clone()],
    };
    let shown = normalised.strip_prefix('0').unwrap_or(&normalised);
    let shared = format!("the key `<ds>{shown}`");
    Some((path[..2].to_vec(), identity, shared))
}

/// A key as Alation looks it up (see the module documentation).
fn normalise_key(key: &str) -> String {
    key.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::Table;
    use crate::core::model_builders::{self as build, catalog, column, database, schema};

    fn table(name: &str, columns: &[&str]) -> Table {
        build::table(name, columns.iter().map(|c| column(c, "INT")).collect())
    }

    fn pairs(catalog: &Catalog) -> Vec<(String, String)> {
        key_collisions(catalog, "openmetadata")
            .into_iter()
            .map(|c| {
                (
                    keys::reference_text(&c.first.path),
                    keys::reference_text(&c.second.path),
                )
            })
            .collect()
    }

    fn pair(a: &str, b: &str) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    /// Tables and columns whose names differ only in case collide; other names do not.
    #[test]
    fn names_differing_in_case_collide() {
        let c = catalog(vec![database(
            "svc",
            "db",
            vec![schema(
                "shop",
                vec![
                    table("Orders", &["ID", "id", "Name"]),
                    table("orders", &["x"]),
                    table("order", &["x"]),
                ],
            )],
        )]);
        assert_eq!(
            pairs(&c),
            [
                pair("svc.db.shop.Orders.ID", "svc.db.shop.Orders.id"),
                pair("svc.db.shop.Orders", "svc.db.shop.orders"),
            ]
        );
        let found = key_collisions(&c, "openmetadata");
        assert_eq!(found[1].shared, "the key `<ds>.shop.orders`");
        assert_eq!(found[0].first.kind, ObjectKind::Column);
    }

    /// Schemas collide in one database, never across databases, and what lies under the
    /// second is not reported again; non-ASCII case folds too.
    #[test]
    fn schemas_collide_only_within_one_data_source() {
        let c = catalog(vec![
            database(
                "svc",
                "a",
                vec![
                    schema("Sales", vec![table("t", &["c"])]),
                    schema("SALES", vec![table("t", &["c"])]),
                ],
            ),
            database("svc", "b", vec![schema("sales", vec![])]),
            database(
                "svc",
                "c",
                vec![schema("ÉTÉ", vec![]), schema("été", vec![])],
            ),
        ]);
        assert_eq!(
            pairs(&c),
            [
                pair("svc.a.Sales", "svc.a.SALES"),
                pair("svc.c.ÉTÉ", "svc.c.été")
            ]
        );
    }

    /// A trailing space is trimmed with the key; a name with a dot is quoted, so `a.b`
    /// and a name with literal quotes stay apart, and so do the same names in other tables.
    #[test]
    fn trimmed_and_quoted_names() {
        let c = catalog(vec![database(
            "svc",
            "db",
            vec![schema(
                "s",
                vec![
                    table("t", &["id", "id ", "a.b", "\"a.b\"", "a\"b"]),
                    table("u", &["id"]),
                ],
            )],
        )]);
        assert_eq!(pairs(&c), [pair("svc.db.s.t.id", "svc.db.s.t.id ")]);
    }

    /// Two databases whose data source markers are equal collide.
    #[test]
    fn databases_sharing_a_marker_collide() {
        let c = catalog(vec![
            database("p.", "z\"", vec![]),
            database("\"p", ".z", vec![]),
            database("p", "z", vec![]),
        ]);
        let found = key_collisions(&c, "openmetadata");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].first.path, ["p.", "z\""]);
        assert_eq!(found[0].second.path, ["\"p", ".z"]);
        assert!(found[0].shared.contains("metaform://openmetadata/"));
    }
}
