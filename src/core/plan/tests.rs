//! Behaviour of the plan engine and its policy.

use super::fixtures::{
    LINKED, OWNED, UNDELETABLE, addr, binding, current, desired, html, obj, text,
};
use super::*;
use crate::core::normalize::markdown_to_html;
use crate::core::objects::{ObjectKind, Value};

fn lenient() -> Policy {
    Policy {
        max_delete_percent: 100.0,
        max_update_percent: 100.0,
        ..Policy::default()
    }
}

fn actions(plan: &Plan) -> Vec<(Action, String)> {
    plan.items
        .iter()
        .map(|i| (i.action, i.address.to_string()))
        .collect()
}

fn refused(result: Result<Plan, PlanError>) -> (Vec<PolicyViolation>, String) {
    match result {
        Err(e @ PlanError::Refused { .. }) => {
            let message = e.to_string();
            let PlanError::Refused { violations, .. } = e else {
                unreachable!()
            };
            (violations, message)
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A new data source is created with everything under it, parents before children.
#[test]
fn new_datasource_creates_everything() {
    let want = desired(
        "svc.db",
        vec![
            obj("svc.db.s.t.c", &[("column_type", text("int"))]),
            obj("svc.db.s", &[("title", text("S"))]),
            obj("svc.db.s.t", &[("title", text("T"))]),
        ],
    );
    let have = current(binding("svc.db", None, OWNED), vec![]);
    let plan = plan(&want, &have, &Policy::default()).unwrap();
    assert_eq!(
        actions(&plan),
        vec![
            (Action::Create, "svc.db".to_string()),
            (Action::Create, "svc.db.s".to_string()),
            (Action::Create, "svc.db.s.t".to_string()),
            (Action::Create, "svc.db.s.t.c".to_string()),
        ]
    );
    assert_eq!(plan.items[1].changes[0].after, Some(text("S")));
    assert_eq!(plan.items[1].changes[0].before, None);
    assert_eq!(
        plan.summary(),
        Summary {
            add: 4,
            change: 0,
            destroy: 0,
            orphan: 0,
            missing: 0
        }
    );
}

/// An update lists only the changed fields with before and after; unchanged objects vanish.
#[test]
fn update_lists_only_changed_fields() {
    let want = desired(
        "svc.db",
        vec![
            obj(
                "svc.db.s",
                &[("title", text("S")), ("description", html("new"))],
            ),
            obj("svc.db.s.t", &[("title", text("T"))]),
        ],
    );
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![
            obj(
                "svc.db.s",
                &[("title", text("S")), ("description", html("old"))],
            ),
            obj("svc.db.s.t", &[("title", text("T"))]),
        ],
    );
    let plan = plan(&want, &have, &lenient()).unwrap();
    assert_eq!(plan.items.len(), 1);
    let item = &plan.items[0];
    assert_eq!(item.action, Action::Update);
    assert_eq!(
        item.changes,
        vec![FieldChange {
            field: "description".into(),
            before: Some(html("old")),
            after: Some(html("new")),
        }]
    );
}

/// A field absent from the desired object clears the current value.
#[test]
fn absent_desired_field_clears_current_value() {
    let want = desired("svc.db", vec![obj("svc.db.s", &[])]);
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![obj("svc.db.s", &[("description", html("<p>x</p>"))])],
    );
    let plan = plan(&want, &have, &lenient()).unwrap();
    assert_eq!(plan.items[0].changes[0].after, None);
    assert_eq!(plan.items[0].changes[0].before, Some(html("<p>x</p>")));
}

/// Empty text equals no value, and rich text compares in canonical form.
#[test]
fn empty_and_canonical_values_are_unchanged() {
    let rendered = markdown_to_html("This **mock** db");
    let want = desired(
        "svc.db",
        vec![obj(
            "svc.db.s",
            &[("description", Value::Html(rendered)), ("sql", text(""))],
        )],
    );
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![obj(
            "svc.db.s",
            &[
                (
                    "description",
                    html("<p>This <strong>mock</strong> db</p>\n"),
                ),
                ("title", html("")),
            ],
        )],
    );
    let plan = plan(&want, &have, &Policy::default()).unwrap();
    assert!(plan.items.is_empty(), "{:?}", plan.items);
    assert!(!plan.has_changes());
}

/// Text, booleans and integers compare exactly, and a type change is a change.
#[test]
fn scalars_compare_exactly() {
    let want = desired(
        "svc.db",
        vec![obj(
            "svc.db.s.t.c",
            &[
                ("column_type", text("INT")),
                ("nullable", Value::Bool(true)),
                ("position", Value::Int(2)),
                ("title", text("x")),
            ],
        )],
    );
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![obj(
            "svc.db.s.t.c",
            &[
                ("column_type", text("int")),
                ("nullable", Value::Bool(true)),
                ("position", Value::Int(3)),
                ("title", html("x")),
            ],
        )],
    );
    let plan = plan(&want, &have, &lenient()).unwrap();
    let fields: Vec<&str> = plan.items[0]
        .changes
        .iter()
        .map(|c| c.field.as_str())
        .collect();
    assert_eq!(fields, vec!["column_type", "position", "title"]);
}

/// Undesired objects of an owned, deletable data source are deleted under prune: owned.
#[test]
fn owned_objects_are_deleted() {
    let want = desired("svc.db", vec![obj("svc.db.s", &[])]);
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![
            obj("svc.db.s", &[]),
            obj("svc.db.s.gone", &[("title", text("G"))]),
            obj("svc.db.s.gone.c", &[]),
        ],
    );
    let plan = plan(&want, &have, &lenient()).unwrap();
    assert_eq!(
        actions(&plan),
        vec![
            (Action::Delete, "svc.db.s.gone".to_string()),
            (Action::Delete, "svc.db.s.gone.c".to_string()),
        ]
    );
    assert_eq!(plan.items[0].changes[0].before, Some(text("G")));
    let order: Vec<String> = plan
        .apply_order()
        .iter()
        .map(|i| i.address.to_string())
        .collect();
    assert_eq!(order, vec!["svc.db.s.gone.c", "svc.db.s.gone"]);
}

/// Undesired objects that are not deletable become orphans, each with its reason.
#[test]
fn orphans_carry_their_reason() {
    let cases = [
        (LINKED, Prune::Owned, "not owned: data source is linked"),
        (
            UNDELETABLE,
            Prune::Owned,
            "cannot be deleted through the API: OCF data source",
        ),
        (OWNED, Prune::Never, "prune: never"),
    ];
    for (ownership, prune, reason) in cases {
        let want = desired("svc.db", vec![]);
        let have = current(
            binding("svc.db", Some("7"), ownership),
            vec![obj("svc.db.s", &[])],
        );
        let policy = Policy {
            prune,
            ..Policy::default()
        };
        let plan = plan(&want, &have, &policy).unwrap();
        assert_eq!(plan.items[0].action, Action::Orphan);
        assert_eq!(plan.items[0].reason, reason);
        assert!(!plan.has_changes());
        assert_eq!(plan.summary().orphan, 1);
    }
}

/// A protected address is never deleted, not even with --force; the message names both.
#[test]
fn protect_refuses_even_when_forced() {
    let want = desired("svc.db", vec![obj("svc.db.s", &[])]);
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![obj("svc.db.s", &[]), obj("svc.db.s.keep", &[])],
    );
    let policy = Policy {
        protect: vec!["svc.db.s.k*".into()],
        force: true,
        ..lenient()
    };
    let (violations, message) = refused(plan(&want, &have, &policy));
    assert_eq!(
        violations,
        vec![PolicyViolation::Protected {
            pattern: "svc.db.s.k*".into(),
            address: addr("svc.db.s.keep"),
        }]
    );
    assert!(message.contains("`svc.db.s.keep`") && message.contains("`svc.db.s.k*`"));
    assert!(message.contains("policy.protect"));
}

/// Deletes above maxDeletePercent are refused naming the rule and --force; --force passes.
#[test]
fn delete_percentage_needs_force() {
    let want = desired("svc.db", vec![obj("svc.db.a", &[]), obj("svc.db.b", &[])]);
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![
            obj("svc.db.a", &[]),
            obj("svc.db.b", &[]),
            obj("svc.db.c", &[]),
            obj("svc.db.d", &[]),
        ],
    );
    let policy = Policy::default();
    let (violations, message) = refused(plan(&want, &have, &policy));
    assert!(matches!(
        &violations[..],
        [PolicyViolation::TooManyDeletes(Excess {
            count: 2,
            total: 4,
            ..
        })]
    ));
    assert!(message.contains("maxDeletePercent 30%"), "{message}");
    assert!(
        message.contains("--force") && message.contains("50.0%"),
        "{message}"
    );
    let forced = Policy {
        force: true,
        ..policy
    };
    assert_eq!(plan(&want, &have, &forced).unwrap().summary().destroy, 2);
}

/// An empty desired state for a data source with objects is refused, not a silent wipe.
#[test]
fn empty_desired_state_does_not_wipe() {
    let want = desired("svc.db", vec![]);
    let objects: Vec<_> = (0..50).map(|i| obj(&format!("svc.db.s{i}"), &[])).collect();
    let have = current(binding("svc.db", Some("7"), OWNED), objects);
    let (violations, _) = refused(plan(&want, &have, &Policy::default()));
    assert!(matches!(
        &violations[..],
        [PolicyViolation::TooManyDeletes(Excess {
            count: 50,
            total: 50,
            ..
        })]
    ));
}

/// Updates above maxUpdatePercent are refused; the refused plan is kept for display.
#[test]
fn update_percentage_is_refused_with_plan() {
    let want = desired(
        "svc.db",
        vec![
            obj("svc.db.a", &[("title", text("new"))]),
            obj("svc.db.b", &[]),
        ],
    );
    let have = current(
        binding("svc.db", Some("7"), LINKED),
        vec![
            obj("svc.db.a", &[("title", text("old"))]),
            obj("svc.db.b", &[]),
        ],
    );
    let policy = Policy {
        max_update_percent: 40.0,
        ..Policy::default()
    };
    match plan(&want, &have, &policy) {
        Err(PlanError::Refused { violations, plan }) => {
            assert!(matches!(
                &violations[..],
                [PolicyViolation::TooManyUpdates(_)]
            ));
            assert!(violations[0].to_string().contains("maxUpdatePercent 40%"));
            assert_eq!(plan.summary().change, 1);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let at_limit = Policy {
        max_update_percent: 50.0,
        ..Policy::default()
    };
    assert!(plan(&want, &have, &at_limit).is_ok());
}

/// Ignore rules drop matching field changes, and an update left empty disappears.
#[test]
fn ignore_drops_field_changes() {
    let want = desired(
        "svc.db",
        vec![
            obj(
                "svc.db.a",
                &[("title", text("A")), ("description", html("x"))],
            ),
            obj("svc.db.b", &[("description", html("y"))]),
        ],
    );
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![
            obj("svc.db.a", &[("title", text("old"))]),
            obj("svc.db.b", &[]),
        ],
    );
    let policy = Policy {
        ignore: vec!["svc.db.*:description".parse().unwrap()],
        ..lenient()
    };
    let plan = plan(&want, &have, &policy).unwrap();
    assert_eq!(plan.items.len(), 1);
    assert_eq!(plan.items[0].changes.len(), 1);
    assert_eq!(plan.items[0].changes[0].field, "title");
}

/// Ignore rules parse as `address-glob:field`, splitting at the last colon.
#[test]
fn ignore_rule_parses() {
    let rule: IgnoreRule = "svc.db.a::b:description".parse().unwrap();
    assert_eq!(rule.address, "svc.db.a::b");
    assert_eq!(rule.field, "description");
    let error = "no-colon".parse::<IgnoreRule>().unwrap_err();
    assert!(error.contains("address-glob:field"), "{error}");
    assert!(":x".parse::<IgnoreRule>().is_err());
}

/// The same inputs in any order give the same plan, in tree order by data source.
#[test]
fn order_is_deterministic() {
    let objects = vec![
        obj("svc.db2.s", &[]),
        obj("svc.db.s.t.c", &[]),
        obj("svc.db.s", &[]),
        obj("svc.db.r", &[]),
        obj("svc.db.s.t", &[]),
    ];
    let mut reversed = objects.clone();
    reversed.reverse();
    let bindings = vec![
        binding("svc.db2", None, OWNED),
        binding("svc.db", None, OWNED),
    ];
    let make = |objects: Vec<_>| {
        let want = DesiredState {
            datasources: vec![addr("svc.db2"), addr("svc.db")],
            objects,
            ..DesiredState::default()
        };
        let have = CurrentState {
            datasources: bindings.clone(),
            objects: vec![],
        };
        plan(&want, &have, &Policy::default()).unwrap()
    };
    let a = make(objects);
    assert_eq!(a, make(reversed));
    let order: Vec<String> = a.items.iter().map(|i| i.address.to_string()).collect();
    assert_eq!(
        order,
        vec![
            "svc.db",
            "svc.db.r",
            "svc.db.s",
            "svc.db.s.t",
            "svc.db.s.t.c",
            "svc.db2",
            "svc.db2.s"
        ]
    );
    let groups = a.groups();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].binding.address, addr("svc.db"));
    assert_eq!(groups[0].items.len(), 5);
    let kinds: Vec<_> = a
        .apply_order()
        .iter()
        .map(|i| i.address.path.len())
        .collect();
    assert_eq!(kinds, vec![2, 2, 3, 3, 3, 4, 5]);
    let borrowed: Vec<PlanItem> = a.apply_order().into_iter().cloned().collect();
    assert_eq!(a.into_apply_order(), borrowed);
}

/// A bound data source with no reported fields is neither created nor deleted.
#[test]
fn bound_datasource_is_left_alone() {
    let want = desired("svc.db", vec![obj("svc.db", &[("title", text("DB"))])]);
    let have = current(binding("svc.db", Some("7"), OWNED), vec![]);
    assert!(
        plan(&want, &have, &Policy::default())
            .unwrap()
            .items
            .is_empty()
    );

    let want = desired("svc.db", vec![]);
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![obj("svc.db", &[("title", text("DB"))])],
    );
    assert!(
        plan(&want, &have, &Policy::default())
            .unwrap()
            .items
            .is_empty()
    );
}

/// Objects outside the bound data sources, and duplicates, are input errors.
#[test]
fn bad_inputs_are_errors() {
    let want = desired("svc.db", vec![obj("svc.other.s", &[])]);
    let have = current(binding("svc.db", None, OWNED), vec![]);
    let error = plan(&want, &have, &Policy::default()).unwrap_err();
    assert!(matches!(
        error,
        PlanError::Unbound {
            side: Side::Desired,
            ..
        }
    ));
    assert!(error.to_string().contains("`svc.other`"), "{error}");

    let want = desired("svc.db", vec![obj("svc.db.s", &[]), obj("svc.db.s", &[])]);
    let error = plan(&want, &have, &Policy::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "object `svc.db.s` appears twice in the desired state"
    );

    let twice = DesiredState {
        datasources: vec![addr("svc.db"), addr("svc.db")],
        objects: vec![],
        ..DesiredState::default()
    };
    let error = plan(&twice, &have, &Policy::default()).unwrap_err();
    assert!(matches!(error, PlanError::Duplicate { .. }));

    let mut short = obj("svc.db.s", &[]);
    short.address.path.truncate(1);
    let have = current(binding("svc.db", None, OWNED), vec![short]);
    let error = plan(&desired("svc.db", vec![]), &have, &Policy::default()).unwrap_err();
    assert!(matches!(
        error,
        PlanError::BadAddress {
            side: Side::Current,
            ..
        }
    ));
}

/// Objects below a desired parent the target lacks are creates, parent first.
#[test]
fn children_of_new_parents_are_creates() {
    let want = desired(
        "svc.db",
        vec![
            obj("svc.db.old", &[]),
            obj("svc.db.new.t", &[]),
            obj("svc.db.new", &[]),
            obj("svc.db.new.t.c", &[]),
        ],
    );
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![obj("svc.db.old", &[])],
    );
    let plan = plan(&want, &have, &Policy::default()).unwrap();
    assert_eq!(
        actions(&plan),
        vec![
            (Action::Create, "svc.db.new".to_string()),
            (Action::Create, "svc.db.new.t".to_string()),
            (Action::Create, "svc.db.new.t.c".to_string()),
        ]
    );
}

/// A kind the target cannot create is planned as missing, with the target's reason,
/// and so is everything under it; nothing of it is written or counted as a change.
#[test]
fn objects_the_target_cannot_create_are_missing() {
    let mut want = desired(
        "svc.db",
        vec![
            obj("svc.db.s", &[("title", text("S"))]),
            obj("svc.db.s.t", &[("title", text("T"))]),
            obj("svc.db.s.t.c", &[("column_type", text("int"))]),
        ],
    );
    want.capabilities.cannot_create = vec![(
        ObjectKind::Table,
        "tables come from their connector".to_string(),
    )];
    let have = current(binding("svc.db", Some("7"), OWNED), vec![]);
    let plan = plan(&want, &have, &Policy::default()).unwrap();
    assert_eq!(
        actions(&plan),
        [
            (Action::Create, "svc.db.s".to_string()),
            (Action::Missing, "svc.db.s.t".to_string()),
            (Action::Missing, "svc.db.s.t.c".to_string()),
        ]
    );
    assert_eq!(
        plan.items[1].reason,
        "missing in the target, not creatable: tables come from their connector"
    );
    assert_eq!(
        plan.items[2].reason,
        "missing in the target, not creatable: its parent `svc.db.s.t` is missing"
    );
    assert_eq!((plan.summary().add, plan.summary().missing), (1, 2));
    assert_eq!(plan.apply_order().len(), 1);
}

/// A kind the target cannot delete stays as an orphan with the target's reason, even
/// in an owned data source under `prune: owned`.
#[test]
fn objects_the_target_cannot_delete_are_orphans() {
    let mut want = desired("svc.db", vec![]);
    want.capabilities.cannot_delete =
        vec![(ObjectKind::Table, "tables are never deleted".to_string())];
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![
            obj("svc.db.s", &[]),
            obj("svc.db.s.t", &[("title", text("T"))]),
        ],
    );
    let policy = Policy {
        prune: Prune::Owned,
        ..lenient()
    };
    let plan = plan(&want, &have, &policy).unwrap();
    assert_eq!(
        actions(&plan),
        [
            (Action::Delete, "svc.db.s".to_string()),
            (Action::Orphan, "svc.db.s.t".to_string()),
        ]
    );
    assert_eq!(
        plan.items[1].reason,
        "cannot be deleted through the API: tables are never deleted"
    );
}

/// The target's notices reach the plan once, whatever the number of objects.
#[test]
fn notices_are_carried_once() {
    let mut want = desired("svc.db", vec![obj("svc.db.s", &[]), obj("svc.db.t", &[])]);
    want.notices = vec!["tags are not written".to_string()];
    let have = current(binding("svc.db", Some("7"), OWNED), vec![]);
    let plan = plan(&want, &have, &Policy::default()).unwrap();
    assert_eq!(plan.notices, ["tags are not written"]);
}

/// Taking the created objects out of the desired state gives the plan that copying
/// them gives, and leaves those objects empty.
#[test]
fn plan_taking_gives_the_plan_of_plan() {
    let mut want = desired(
        "svc.db",
        vec![
            obj("svc.db", &[("title", text("DB"))]),
            obj(
                "svc.db.s",
                &[("title", text("S")), ("description", html("new"))],
            ),
            obj("svc.db.s.t", &[("title", text("T"))]),
            obj(
                "svc.db.s.t.c",
                &[("title", text("C")), ("position", Value::Int(1))],
            ),
            obj("svc.db.s.u", &[("title", text("U"))]),
        ],
    );
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![
            obj(
                "svc.db.s",
                &[("title", text("S")), ("description", html("old"))],
            ),
            obj("svc.db.s.u", &[("title", text("U"))]),
            obj("svc.db.s.gone", &[("title", text("G"))]),
        ],
    );
    let copied = plan(&want, &have, &lenient()).unwrap();
    let taken = plan_taking(&mut want, &have, &lenient()).unwrap();
    assert_eq!(taken, copied);
    let actions: Vec<Action> = taken.items.iter().map(|i| i.action).collect();
    assert!(actions.contains(&Action::Create) && actions.contains(&Action::Delete));
    // The data source (bound), the schema (updated) and `u` (unchanged) stay; the
    // created table and column are taken.
    let left: Vec<usize> = want.objects.iter().map(|o| o.fields.len()).collect();
    assert_eq!(left, vec![1, 2, 0, 0, 1]);
    assert!(want.objects[3].address.path.is_empty());
}
