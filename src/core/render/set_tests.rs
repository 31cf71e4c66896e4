//! How a set value's change reads: adds and removes in text and Markdown, both sets as
//! arrays in JSON.

use crate::core::plan::fixtures::{OWNED, binding, current, desired, obj, set};
use crate::core::plan::{Plan, Policy, plan};

use super::*;

/// A plan changing a table's tags, adding a schema's and clearing a column's.
fn tag_changes() -> Plan {
    let want = desired(
        "svc.db",
        vec![
            obj("svc.db.s", &[("tags", set(&["Tier.Tier1", "a, b"]))]),
            obj(
                "svc.db.s.t",
                &[("tags", set(&["PII.Sensitive", "Tier.Tier2"]))],
            ),
            obj("svc.db.s.t.c", &[]),
        ],
    );
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![
            obj("svc.db.s", &[]),
            obj(
                "svc.db.s.t",
                &[("tags", set(&["Tier.Tier1", "Tier.Tier2"]))],
            ),
            obj("svc.db.s.t.c", &[("tags", set(&["PII.None"]))]),
        ],
    );
    let policy = Policy {
        max_update_percent: 100.0,
        ..Policy::default()
    };
    plan(&want, &have, &policy).unwrap()
}

/// Text shows a set change as its adds, then its removes, each name escaped and
/// quoted when it holds a separator.
#[test]
fn text_shows_set_changes_as_adds_and_removes() {
    let text = render_text(&tag_changes(), false);
    assert!(
        text.contains("  ~ schema svc.db.s\n      tags: +Tier.Tier1, +\"a, b\"\n"),
        "{text}"
    );
    assert!(
        text.contains("  ~ table svc.db.s.t\n      tags: +PII.Sensitive, -Tier.Tier1\n"),
        "{text}"
    );
    assert!(
        text.contains("  ~ column svc.db.s.t.c\n      tags: -PII.None\n"),
        "{text}"
    );
}

/// Markdown shows the same adds and removes inside its diff block.
#[test]
fn markdown_shows_set_changes_as_adds_and_removes() {
    let md = render_markdown(&tag_changes());
    assert!(
        md.contains("~ table svc.db.s.t\n    tags: +PII.Sensitive, -Tier.Tier1\n"),
        "{md}"
    );
}

/// JSON keeps both sides of a set change as sorted arrays (null when absent).
#[test]
fn json_keeps_sets_as_arrays() {
    let json: serde_json::Value = serde_json::from_str(&render_json(&tag_changes())).unwrap();
    let change = |i: usize| &json["items"][i]["changes"][0];
    assert_eq!(
        change(1)["before"],
        serde_json::json!(["Tier.Tier1", "Tier.Tier2"])
    );
    assert_eq!(
        change(1)["after"],
        serde_json::json!(["PII.Sensitive", "Tier.Tier2"])
    );
    assert_eq!(change(0)["before"], serde_json::Value::Null);
    assert_eq!(change(2)["after"], serde_json::Value::Null);
}

/// A long set change is cut after a fixed number of names, with a count of the rest,
/// and names cannot inject terminal escapes.
#[test]
fn long_set_changes_are_cut_and_escaped() {
    let many: Vec<String> = (0..30).map(|i| format!("T.t{i:02}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let want = desired("svc.db", vec![obj("svc.db.s", &[("tags", set(&many))])]);
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![obj("svc.db.s", &[("tags", set(&["\u{1b}[2J"]))])],
    );
    let text = render_text(
        &plan(
            &want,
            &have,
            &Policy {
                max_update_percent: 100.0,
                ..Policy::default()
            },
        )
        .unwrap(),
        false,
    );
    assert!(
        text.contains("+T.t09, … 20 more added, -\"\\u{1b}[2J\"\n"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "{text}");
}
