//! Set values (tags, upstream tables): compared as sets, hashed and saved deterministically.

use super::fixtures::{OWNED, binding, current, desired, obj, set, text};
use super::*;
use crate::core::objects::Value;

/// Sets compare as sets: order of insertion does not matter, an empty set is no value
/// (like empty text), and a set is never equal to text.
#[test]
fn sets_compare_as_sets() {
    let ab = set(&["a", "b"]);
    let ba = Value::Set(["b", "a"].iter().map(|s| s.to_string()).collect());
    assert!(same_value(Some(&ab), Some(&ba)));
    assert!(same_value(Some(&set(&[])), None));
    assert!(same_value(None, Some(&set(&[]))));
    assert!(same_value(Some(&set(&[])), Some(&text(""))));
    assert!(!same_value(Some(&set(&["a"])), Some(&set(&["b"]))));
    assert!(!same_value(Some(&set(&["a"])), Some(&text("a"))));
    assert!(!same_value(Some(&set(&["a"])), None));
}

/// An empty desired set against no value plans nothing; a changed set is one field
/// change carrying both sets.
#[test]
fn set_fields_plan_as_one_change() {
    let want = desired(
        "svc.db",
        vec![
            obj("svc.db.s", &[("tags", set(&[]))]),
            obj(
                "svc.db.s.t",
                &[("tags", set(&["PII.Sensitive", "Tier.Tier2"]))],
            ),
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
        ],
    );
    let policy = Policy {
        max_update_percent: 100.0,
        ..Policy::default()
    };
    let plan = plan(&want, &have, &policy).unwrap();
    assert_eq!(plan.items.len(), 1, "{:?}", plan.items);
    assert_eq!(
        plan.items[0].changes,
        [FieldChange {
            field: "tags".into(),
            before: Some(set(&["Tier.Tier1", "Tier.Tier2"])),
            after: Some(set(&["PII.Sensitive", "Tier.Tier2"])),
        }]
    );
}

/// The desired-state hash covers set values unambiguously (`{"a,b"}` is not `{a, b}`,
/// a set is not text) and independently of insertion order.
#[test]
fn set_values_hash_deterministically() {
    let hash = |value: Value| {
        desired_sha256(&desired(
            "svc.db",
            vec![obj("svc.db.s", &[("tags", value)])],
        ))
    };
    let ab = hash(set(&["a", "b"]));
    let ba = hash(Value::Set(
        ["b", "a"].iter().map(|s| s.to_string()).collect(),
    ));
    assert_eq!(ab, ba);
    assert_ne!(ab, hash(set(&["a,b"])));
    assert_ne!(ab, hash(set(&["a\u{1f}b"])));
    assert_ne!(hash(set(&["a", "b", ""])), ab);
    assert_ne!(hash(set(&["a"])), hash(text("a")));
}

/// A saved plan with a set change is written as `{"type": "set", "value": [...]}`,
/// sorted, and reads back identical.
#[test]
fn set_values_round_trip_in_plan_files() {
    let want = desired(
        "svc.db",
        vec![obj("svc.db.s", &[("tags", set(&["b", "a"]))])],
    );
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![obj("svc.db.s", &[])],
    );
    let plan = plan(
        &want,
        &have,
        &Policy {
            max_update_percent: 100.0,
            ..Policy::default()
        },
    )
    .unwrap();
    let file = PlanFile::new(&plan, &want, &have);
    let text = file.to_json();
    assert!(
        text.contains("\"after\": {\n            \"type\": \"set\",\n            \"value\": [\n              \"a\",\n              \"b\"\n            ]"),
        "{text}"
    );
    assert_eq!(PlanFile::from_json(&text).unwrap(), file);
}
