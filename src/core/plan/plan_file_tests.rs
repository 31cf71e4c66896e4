//! Behaviour of saved plans: round trip, staleness and damaged files.

use super::fixtures::{OWNED, binding, current, desired, html, obj, text};
use super::*;

fn example() -> (DesiredState, CurrentState, Plan) {
    let want = desired(
        "svc.db",
        vec![
            obj("svc.db.s", &[("description", html("new"))]),
            obj("svc.db.s.t", &[("title", text("T"))]),
            obj("svc.db.s.u", &[]),
        ],
    );
    let have = current(
        binding("svc.db", Some("7"), OWNED),
        vec![
            obj("svc.db.s", &[("description", html("<p>old</p>"))]),
            obj("svc.db.s.u", &[]),
        ],
    );
    let policy = Policy {
        max_update_percent: 100.0,
        ..Policy::default()
    };
    let plan = plan(&want, &have, &policy).unwrap();
    (want, have, plan)
}

/// A saved plan reads back identical, with hashes for every planned object.
#[test]
fn round_trip() {
    let (want, have, plan) = example();
    let file = PlanFile::new(&plan, &want, &have);
    let text = file.to_json();
    assert!(
        text.starts_with("{\n  \"format_version\": \"1\",\n"),
        "{text}"
    );
    let back = PlanFile::from_json(&text).unwrap();
    assert_eq!(back, file);
    assert_eq!(back.plan(), plan);
    assert_eq!(back.before_hashes.len(), 2);
    assert_eq!(back.desired_sha256, desired_sha256(&want));
    assert!(stale_objects(&back, &have).is_empty());
}

/// A changed `before` value, or an object created meanwhile, makes the plan stale.
#[test]
fn staleness_names_drifted_objects() {
    let (want, have, plan) = example();
    let file = PlanFile::new(&plan, &want, &have);

    let mut edited = have.clone();
    edited.objects[0] = obj("svc.db.s", &[("description", html("edited in the UI"))]);
    assert_eq!(
        stale_objects(&file, &edited),
        vec![plan.items[0].address.clone()]
    );

    let mut created = have.clone();
    created
        .objects
        .push(obj("svc.db.s.t", &[("title", text("T"))]));
    assert_eq!(
        stale_objects(&file, &created),
        vec![plan.items[1].address.clone()]
    );

    let mut reformatted = have.clone();
    reformatted.objects[0] = obj("svc.db.s", &[("description", html("old"))]);
    assert!(stale_objects(&file, &reformatted).is_empty());

    let mut unrelated = have;
    unrelated.objects[1] = obj("svc.db.s.u", &[("title", text("changed"))]);
    assert!(stale_objects(&file, &unrelated).is_empty());
}

/// A data source created by someone else between plan and apply makes the plan stale.
#[test]
fn datasource_created_meanwhile_is_stale() {
    let want = desired("svc.db", vec![]);
    let have = current(binding("svc.db", None, OWNED), vec![]);
    let plan = plan(&want, &have, &Policy::default()).unwrap();
    let file = PlanFile::new(&plan, &want, &have);
    let bound = current(binding("svc.db", Some("9"), OWNED), vec![]);
    assert_eq!(stale_objects(&file, &bound).len(), 1);
}

/// Truncated JSON is refused with its position; an edited one by its checksum.
#[test]
fn damaged_files_are_refused() {
    let (want, have, plan) = example();
    let text = PlanFile::new(&plan, &want, &have).to_json();

    let error = PlanFile::from_json(&text[..text.len() / 2]).unwrap_err();
    assert!(matches!(error, PlanFileError::Invalid { .. }));
    assert_eq!(error.to_string().matches(" line ").count(), 1, "{error}");

    let edited = text.replace("\"new\"", "\"evil\"");
    assert_ne!(edited, text);
    assert_eq!(
        PlanFile::from_json(&edited).unwrap_err(),
        PlanFileError::Checksum
    );

    let future = text.replace("\"format_version\": \"1\"", "\"format_version\": \"9\"");
    let error = PlanFile::from_json(&future).unwrap_err();
    assert_eq!(error, PlanFileError::Version { found: "9".into() });

    let error = PlanFile::from_json("{}").unwrap_err();
    assert!(error.to_string().contains("format_version"), "{error}");
}

/// The desired-state hash ignores input order and sees every field change.
#[test]
fn desired_hash_is_order_free() {
    let (want, _, _) = example();
    let mut reversed = want.clone();
    reversed.objects.reverse();
    assert_eq!(desired_sha256(&want), desired_sha256(&reversed));
    let mut changed = want.clone();
    changed.objects[1] = obj("svc.db.s.t", &[("title", text("T2"))]);
    assert_ne!(desired_sha256(&want), desired_sha256(&changed));
}

/// sha256_hex gives the standard lowercase digest.
#[test]
fn sha256_hex_known_vector() {
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

/// The freshness check refuses a changed desired state or drifted objects, naming them.
#[test]
fn freshness_check_names_the_cause() {
    let (want, have, plan) = example();
    let file = PlanFile::new(&plan, &want, &have);
    assert_eq!(check_fresh(&file, &want, &have), Ok(()));

    let mut changed = want.clone();
    changed.objects.pop();
    assert_eq!(
        check_fresh(&file, &changed, &have),
        Err(StalePlan::DesiredChanged)
    );

    let mut edited = have.clone();
    edited.objects[0] = obj("svc.db.s", &[("description", html("edited in the UI"))]);
    let error = check_fresh(&file, &want, &edited).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the saved plan is stale: 1 object changed in the target since it was planned: \
         `svc.db.s`; run `metaform plan` again"
    );
}

/// A file whose item was edited (checksum recomputed or not) is not the plan the same
/// inputs give again; the unedited file is.
#[test]
fn edited_items_are_not_the_recomputed_plan() {
    let (want, have, plan) = example();
    let file = PlanFile::new(&plan, &want, &have);
    assert_eq!(check_items(&file, &plan), Ok(()));

    let mut edited = file.clone();
    edited.items[0].changes[0].after = Some(html("<p>evil</p>"));
    let error = check_items(&edited, &plan).unwrap_err();
    assert_eq!(
        error,
        StalePlan::ItemsDiffer {
            address: Some(file.items[0].address.clone())
        }
    );
    assert!(
        error.to_string().contains("first difference at `svc.db"),
        "{error}"
    );

    let mut shortened = file.clone();
    shortened.items.pop();
    assert!(check_items(&shortened, &plan).is_err());
}
