//! What the desired state holds that the Alation target does not write yet: tags (on
//! databases, schemas, tables and columns) and table lineage (`upstream:` edges).
//!
//! Alation has homes for both (tags through its tagging API, lineage as dataflows,
//! SPEC §1), but this target does not plan them yet. Rather than one line per object,
//! a plan run says so once, with counts, so that a reviewer knows the plan is not the
//! whole desired state. Pure: the caller decides where the notice is shown.

use crate::core::model::{Catalog, Column};

/// One sentence naming what is in `catalog` but not planned by the Alation target, with
/// counts: tags counted per object that carries them (one tag on three columns is three),
/// lineage counted per upstream edge. `None` when the catalog holds neither.
pub fn unwritten_notice(catalog: &Catalog) -> Option<String> {
    let (tags, edges) = counts(catalog);
    let tags_part = (tags > 0).then(|| plural(tags, "tag", "tags"));
    let edges_part = (edges > 0).then(|| plural(edges, "lineage edge", "lineage edges"));
    let (what, held, verb) = match (tags_part, edges_part) {
        (Some(t), Some(e)) => ("tags or lineage", format!("{t} and {e}"), "are"),
        (Some(t), None) => ("tags", t, if tags == 1 { "is" } else { "are" }),
        (None, Some(e)) => ("lineage", e, if edges == 1 { "is" } else { "are" }),
        (None, None) => return None,
    };
    Some(format!(
        "the Alation target does not write {what} yet: {held} in the desired state {verb} not planned"
    ))
}

/// (tag assignments, lineage edges) in `catalog`.
fn counts(catalog: &Catalog) -> (usize, usize) {
    let mut tags = 0;
    let mut edges = 0;
    for db in &catalog.databases {
        tags += db.tags.len();
        for schema in &db.schemas {
            tags += schema.tags.len();
            for table in &schema.tables {
                tags += table.tags.len() + column_tags(&table.columns);
                edges += table.upstream.len();
            }
        }
    }
    (tags, edges)
}

fn column_tags(columns: &[Column]) -> usize {
    columns
        .iter()
        .map(|c| c.tags.len() + column_tags(&c.children))
        .sum()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{Database, Table, Upstream};
    use crate::core::model_builders as builders;

    fn column(tags: &[&str], children: Vec<Column>) -> Column {
        Column {
            tags: tags.iter().map(|t| t.to_string()).collect(),
            children,
            ..builders::column("c", "INT")
        }
    }

    fn edge(table: &str) -> Upstream {
        Upstream {
            table: vec!["svc".into(), "db".into(), "s".into(), table.into()],
            columns: vec![],
            sql: None,
            pipeline: None,
        }
    }

    /// A catalog with `db_tags` on its database, one tag on its schema, and one table
    /// with the given tags, columns and edges.
    fn catalog(
        db_tags: &[&str],
        table_tags: &[&str],
        columns: Vec<Column>,
        upstream: Vec<Upstream>,
    ) -> Catalog {
        let strings = |t: &[&str]| t.iter().map(|t| t.to_string()).collect();
        builders::catalog(vec![Database {
            tags: strings(db_tags),
            ..builders::database(
                "svc",
                "db",
                vec![builders::schema(
                    "s",
                    vec![Table {
                        tags: strings(table_tags),
                        upstream,
                        ..builders::table("t", columns)
                    }],
                )],
            )
        }])
    }

    /// Tags at every level (nested columns included) and edges are counted once each,
    /// in one sentence.
    #[test]
    fn counts_tags_at_every_level_and_edges() {
        let mut with_both = catalog(
            &["Tier.Tier1"],
            &["PII.Sensitive", "Tier.Tier2"],
            vec![column(
                &["PII.None"],
                vec![column(&["PII.Sensitive"], vec![])],
            )],
            vec![edge("a"), edge("b")],
        );
        with_both.databases[0].schemas[0].tags = vec!["Domain.Sales".into()];
        assert_eq!(
            unwritten_notice(&with_both).as_deref(),
            Some(
                "the Alation target does not write tags or lineage yet: 6 tags and 2 lineage edges in the desired state are not planned"
            )
        );
    }

    /// Only what is there is named, in the singular for one.
    #[test]
    fn names_only_what_is_there() {
        let one_tag = catalog(&["Tier.Tier1"], &[], vec![], vec![]);
        assert_eq!(
            unwritten_notice(&one_tag).as_deref(),
            Some(
                "the Alation target does not write tags yet: 1 tag in the desired state is not planned"
            )
        );
        let one_edge = catalog(&[], &[], vec![column(&[], vec![])], vec![edge("a")]);
        assert_eq!(
            unwritten_notice(&one_edge).as_deref(),
            Some(
                "the Alation target does not write lineage yet: 1 lineage edge in the desired state is not planned"
            )
        );
        let both_single = catalog(&[], &["x"], vec![], vec![edge("a")]);
        assert_eq!(
            unwritten_notice(&both_single).as_deref(),
            Some(
                "the Alation target does not write tags or lineage yet: 1 tag and 1 lineage edge in the desired state are not planned"
            )
        );
    }

    /// A catalog without tags or lineage (and an empty one) gives no notice.
    #[test]
    fn nothing_unwritten_gives_no_notice() {
        assert_eq!(unwritten_notice(&Catalog::default()), None);
        let plain = catalog(&[], &[], vec![column(&[], vec![])], vec![]);
        assert_eq!(unwritten_notice(&plain), None);
    }
}
