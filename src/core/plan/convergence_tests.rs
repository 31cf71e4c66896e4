//! The convergence property: applying a plan to the current state leaves nothing to plan.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::fixtures::{LINKED, OWNED, Stance, UNDELETABLE, addr, binding};
use super::*;
use crate::core::normalize::{canonical_html, markdown_to_html};
use crate::core::objects::{Object, Value};

fn address() -> impl Strategy<Value = String> {
    (0..3u8, prop::option::of((0..3u8, prop::option::of(0..3u8)))).prop_map(
        |(s, rest)| match rest {
            None => format!("svc.db.s{s}"),
            Some((t, None)) => format!("svc.db.s{s}.t{t}"),
            Some((t, Some(c))) => format!("svc.db.s{s}.t{t}.c{c}"),
        },
    )
}

fn fields() -> impl Strategy<Value = BTreeMap<String, Value>> {
    let descriptions = prop::sample::select(vec![
        String::new(),
        "a  b".to_string(),
        "<p>a b</p>".to_string(),
        markdown_to_html("This **mock** db"),
        "<p>one</p>\n<p>two</p>".to_string(),
    ]);
    (
        prop::option::of(descriptions),
        prop::option::of(prop::sample::select(vec!["T", "U", ""])),
        prop::option::of(0..3i64),
    )
        .prop_map(|(description, title, position)| {
            let mut fields = BTreeMap::new();
            if let Some(d) = description {
                fields.insert("description".to_string(), Value::Html(d));
            }
            if let Some(t) = title {
                fields.insert("title".to_string(), Value::Text(t.to_string()));
            }
            if let Some(p) = position {
                fields.insert("position".to_string(), Value::Int(p));
            }
            fields
        })
}

fn objects() -> impl Strategy<Value = Vec<Object>> {
    prop::collection::btree_map(address(), fields(), 0..10).prop_map(|map| {
        map.into_iter()
            .map(|(a, fields)| Object {
                address: addr(&a),
                fields: fields.into_iter().collect(),
                unmanaged: None,
            })
            .collect()
    })
}

/// How the simulated target stores rich text: sanitised, one paragraph wrapped.
fn echo(value: &Value) -> Value {
    match value {
        Value::Html(html) => {
            let canonical = canonical_html(html);
            if canonical.contains("<p>") {
                Value::Html(canonical)
            } else {
                Value::Html(format!("<p>{canonical}</p>"))
            }
        }
        other => other.clone(),
    }
}

/// Executes `plan` on `state` the way a target would.
fn execute(plan: &Plan, state: &mut CurrentState) {
    for item in plan.apply_order() {
        let position = state.objects.iter().position(|o| o.address == item.address);
        match item.action {
            Action::Create if item.address.path.len() == 2 => {
                for bound in &mut state.datasources {
                    if bound.address == item.address {
                        bound.target_id = Some("new".to_string());
                    }
                }
            }
            Action::Create => state.objects.push(Object {
                address: item.address.clone(),
                fields: item
                    .changes
                    .iter()
                    .filter_map(|c| c.after.as_ref().map(|v| (c.field.clone(), echo(v))))
                    .collect(),
                unmanaged: None,
            }),
            Action::Update => {
                let object = &mut state.objects[position.expect("updated object exists")];
                for change in &item.changes {
                    match &change.after {
                        Some(value) => object.fields.insert(change.field.clone(), echo(value)),
                        None => object.fields.remove(&change.field),
                    };
                }
            }
            Action::Delete => {
                state
                    .objects
                    .remove(position.expect("deleted object exists"));
            }
            Action::Orphan | Action::Missing => {}
        }
    }
}

fn ownerships() -> impl Strategy<Value = (Stance, Prune, bool)> {
    (
        prop::sample::select(vec![OWNED, UNDELETABLE, LINKED]),
        prop::sample::select(vec![Prune::Owned, Prune::Never]),
        any::<bool>(),
    )
}

proptest! {
    /// After applying a plan, planning again finds no changes (orphans may remain).
    #[test]
    fn applying_a_plan_converges(
        desired_objects in objects(),
        current_objects in objects(),
        (ownership, prune, bound) in ownerships(),
    ) {
        let policy = Policy { prune, force: true, ..Policy::default() };
        let want = DesiredState { datasources: vec![addr("svc.db")], objects: desired_objects, ..DesiredState::default() };
        let target_id = bound.then_some("7");
        let current_objects = if bound { current_objects } else { Vec::new() };
        let mut state = CurrentState {
            datasources: vec![binding("svc.db", target_id, ownership)],
            objects: current_objects,
        };
        let first = plan(&want, &state, &policy).unwrap();
        execute(&first, &mut state);
        let second = plan(&want, &state, &policy).unwrap();
        prop_assert!(!second.has_changes(), "left over: {:?}", second.items);
        let orphans_before = first.summary().orphan;
        prop_assert_eq!(second.summary().orphan, orphans_before);
    }
}
