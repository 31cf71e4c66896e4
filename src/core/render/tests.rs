//! Renderer output: text, JSON and Markdown of the same plan.

use crate::core::objects::Value;
use crate::core::plan::fixtures::{LINKED, OWNED, binding, current, desired, html, obj, text};
use crate::core::plan::{Plan, Policy, plan};

use super::*;

fn example() -> Plan {
    let want = desired(
        "svc.db",
        vec![
            obj("svc.db.s", &[("title", text("S"))]),
            obj("svc.db.s.new", &[("title", text("N"))]),
            obj(
                "svc.db.s.t",
                &[("description", html("<p>line one</p>\n<p>line 2</p>\n"))],
            ),
            obj(
                "svc.db.s.t.c",
                &[
                    ("nullable", Value::Bool(false)),
                    ("position", Value::Int(2)),
                ],
            ),
        ],
    );
    let have = current(
        binding("svc.db", Some("23"), OWNED),
        vec![
            obj("svc.db.s", &[("title", text("S"))]),
            obj(
                "svc.db.s.t",
                &[("description", html("<p>line one</p>\n<p>line two</p>\n"))],
            ),
            obj("svc.db.s.t.c", &[("nullable", Value::Bool(true))]),
            obj("svc.db.s.old", &[]),
        ],
    );
    let policy = Policy {
        force: true,
        ..Policy::default()
    };
    plan(&want, &have, &policy).unwrap()
}

/// Text output is terraform style, grouped by data source, with the summary line.
#[test]
fn text_output() {
    let expected = "\
data source svc.db (target id 23, owned)
  + table svc.db.s.new
  - table svc.db.s.old
  ~ table svc.db.s.t
      description:
          <p>line one</p>
        - <p>line two</p>
        + <p>line 2</p>
  ~ column svc.db.s.t.c
      nullable: true -> false
      position: (none) -> 2

Plan: 1 to add, 2 to change, 1 to destroy.
";
    assert_eq!(render_text(&example(), false), expected);
}

/// Colour appears only when asked for.
#[test]
fn colour_only_on_request() {
    let plain = render_text(&example(), false);
    let coloured = render_text(&example(), true);
    assert!(!plain.contains('\u{1b}'));
    assert!(
        coloured.contains("\u{1b}[32m+ table svc.db.s.new"),
        "{coloured}"
    );
}

/// An empty plan says so; orphans are listed with their reason but are not changes.
#[test]
fn no_changes_and_orphans() {
    let empty = Plan {
        datasources: vec![],
        items: vec![],
        notices: vec![],
    };
    assert_eq!(
        render_text(&empty, false),
        "No changes. The target matches the desired state.\n"
    );
    let want = desired("svc.db", vec![]);
    let have = current(
        binding("svc.db", Some("5"), LINKED),
        vec![obj("svc.db.s", &[])],
    );
    let plan = plan(&want, &have, &Policy::default()).unwrap();
    assert_eq!(
        render_text(&plan, false),
        "data source svc.db (target id 5, linked)\n  ! schema svc.db.s (not owned: data source is linked)\n\n\
         No changes. Nothing will be created, changed or destroyed.\n\
         1 object is no longer desired but will not be deleted (marked !).\n"
    );
}

/// Long values are cut in text output and kept whole in JSON.
#[test]
fn long_values_cut_in_text_whole_in_json() {
    let long = "x".repeat(500);
    let want = desired("svc.db", vec![obj("svc.db.s", &[("title", text(&long))])]);
    let have = current(
        binding("svc.db", Some("1"), OWNED),
        vec![obj("svc.db.s", &[])],
    );
    let plan = plan(
        &want,
        &have,
        &Policy {
            force: true,
            ..Policy::default()
        },
    )
    .unwrap();
    let shown = render_text(&plan, false);
    assert!(shown.contains("… (500 chars)"), "{shown}");
    assert!(!shown.contains(&long));
    assert!(render_json(&plan).contains(&long));
}

/// JSON is versioned, keys in a fixed order, values plain.
#[test]
fn json_output() {
    let json = render_json(&example());
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["format_version"], "1");
    assert_eq!(value["summary"]["add"], 1);
    assert_eq!(value["summary"]["has_changes"], true);
    let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        vec!["format_version", "summary", "datasources", "items"]
    );
    let item = &value["items"][3];
    let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        vec!["address", "kind", "path", "action", "reason", "changes"]
    );
    assert_eq!(item["address"], "svc.db.s.t.c");
    assert_eq!(item["changes"][0]["before"], true);
    assert_eq!(item["changes"][1]["after"], 2);
    assert_eq!(value["datasources"][0]["target_id"], "23");
    assert_eq!(render_json(&example()), json);
}

/// Markdown has the summary, a table per data source and a diff block.
#[test]
fn markdown_output() {
    let md = render_markdown(&example());
    assert!(md.starts_with("## metaform plan\n\n**Plan: 1 to add, 2 to change, 1 to destroy.**"));
    assert!(
        md.contains("| `svc.db` (target id 23, owned) | 1 | 2 | 1 | 0 |"),
        "{md}"
    );
    assert!(
        md.contains("```diff\n+ table svc.db.s.new\n- table svc.db.s.old\n"),
        "{md}"
    );
    assert!(md.contains("    nullable: true -> false\n"));
    assert!(!md.contains("Truncated"));
}

/// A huge plan stays under 60,000 characters and says how many items were left out.
#[test]
fn markdown_truncates_under_budget() {
    let description = "d".repeat(70);
    let objects = (0..3000)
        .map(|i| {
            obj(
                &format!("svc.db.s.t{i:04}"),
                &[("description", html(&description))],
            )
        })
        .collect();
    let want = desired("svc.db", objects);
    let have = current(binding("svc.db", None, OWNED), vec![]);
    let plan = plan(&want, &have, &Policy::default()).unwrap();
    let md = render_markdown(&plan);
    assert!(md.chars().count() < 60_000, "{}", md.len());
    let shown = md.lines().filter(|l| l.starts_with("+ table")).count();
    let note = format!(
        "**Truncated:** {} of 3001 items are not shown",
        3001 - shown - 1
    );
    assert!(md.contains(&note), "{note} / {}", &md[md.len() - 400..]);
    assert!(md.trim_end().ends_with("`--format json`)."));
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
}

/// Control characters in names are escaped, so they cannot restyle a terminal.
#[test]
fn names_cannot_inject_escapes() {
    let want = desired("svc.db", vec![obj("svc.db.bad\u{1b}[31mname\nx", &[])]);
    let have = current(binding("svc.db", Some("1"), OWNED), vec![]);
    let plan = plan(&want, &have, &Policy::default()).unwrap();
    let shown = render_text(&plan, false);
    assert!(
        shown.contains("+ schema svc.db.bad\\u{1b}[31mname\\nx\n"),
        "{shown}"
    );
    assert!(!render_markdown(&plan).contains('\u{1b}'));
}

/// Bidirectional overrides and C1 controls in names and values are escaped in text and
/// Markdown, so a name cannot read in another order than it is stored.
#[test]
fn bidi_overrides_in_names_and_values_are_escaped() {
    let want = desired(
        "svc.db",
        vec![obj(
            "svc.db.s\u{202e}gpj.exe",
            &[("title", text("t\u{2066}x\u{9b}y"))],
        )],
    );
    let have = current(
        binding("svc.db", Some("1"), OWNED),
        vec![obj("svc.db.s\u{202e}gpj.exe", &[("title", text("old"))])],
    );
    let policy = Policy {
        force: true,
        ..Policy::default()
    };
    let plan = plan(&want, &have, &policy).unwrap();
    for shown in [render_text(&plan, false), render_markdown(&plan)] {
        assert!(shown.contains("s\\u{202e}gpj.exe"), "{shown}");
        assert!(shown.contains("\"t\\u{2066}x\\u{9b}y\""), "{shown}");
        assert!(
            !shown.contains(['\u{202e}', '\u{2066}', '\u{9b}']),
            "{shown}"
        );
    }
}

/// A target's notice is said once, before the summary, which stays the last line; the
/// Markdown and JSON forms carry it too.
#[test]
fn notices_come_once_before_the_summary() {
    let plan = Plan {
        datasources: vec![],
        items: vec![],
        notices: vec!["tags are not written".into()],
    };
    assert_eq!(
        render_text(&plan, false),
        "Note: tags are not written.\n\nNo changes. The target matches the desired state.\n"
    );
    assert_eq!(
        render_markdown(&plan)
            .matches("Note: tags are not written.")
            .count(),
        1
    );
    let json: serde_json::Value = serde_json::from_str(&render_json(&plan)).unwrap();
    assert_eq!(json["notices"], serde_json::json!(["tags are not written"]));
}
