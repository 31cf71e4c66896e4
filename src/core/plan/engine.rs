//! The diff: desired objects against current objects, under ownership and policy.
//!
//! Decisions made here, in one place:
//! - Addresses match exactly (case-sensitive, path by path). Targets must report names
//!   as the target stores them and project desired names the same way; Alation's
//!   case-insensitive keys are the target adapter's business, not the engine's.
//! - The desired state is authoritative for every managed field: a field absent on the
//!   desired side while present on the current side is cleared (an update to "no
//!   value"). Targets must therefore read back only the fields they manage.
//! - An empty text or rich-text value equals no value (Alation answers `""` for a missing
//!   description; SPEC §4 forbids sending the text "None").
//! - Rich text (`Value::Html`) compares by `canonical_html`; everything else exactly.
//! - `policy.ignore` applies to updates only; a create sets every desired field.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::core::normalize::canonical_html;
use crate::core::objects::{Address, Fields, Object, ObjectKind, Value};

use super::capabilities::Capabilities;
use super::datasource::datasource_path;
use super::item::{Action, CurrentState, DatasourceBinding, FieldChange, Ownership, PlanItem};
use super::planned::Plan;
use super::policy::{self, Policy, PolicyViolation, Prune};
use rustc_hash::FxBuildHasher;

/// What the target should hold: the data sources in scope and their objects, as the
/// target adapter projects them from the desired catalog, with what the target can do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DesiredState {
    /// Addresses (`[service, database]`) of the desired data sources.
    pub datasources: Vec<Address>,
    /// Desired objects with the fields the target manages.
    pub objects: Vec<Object>,
    /// What the target can create and delete.
    pub capabilities: Capabilities,
    /// What the desired state holds that the target does not reconcile, said once per
    /// plan (e.g. tags for a target that does not write them yet).
    pub notices: Vec<String>,
}

/// Which side of the comparison an input problem is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The desired state.
    Desired,
    /// The target's current state.
    Current,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Desired => "desired",
            Side::Current => "current",
        })
    }
}

/// Why no plan came out.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// An object address that does not lie below a data source, or a data source
    /// address that is not `[service, database]`.
    #[error(
        "address `{address}` in the {side} state is malformed: a data source is `service.database` and every other object lies below one"
    )]
    BadAddress {
        /// The address.
        address: Address,
        /// Where it came from.
        side: Side,
    },
    /// An object (or desired data source) whose data source has no binding.
    #[error(
        "`{address}` in the {side} state belongs to data source `{datasource}`, which is not among the data sources read from the target"
    )]
    Unbound {
        /// The object.
        address: Address,
        /// Its data source.
        datasource: Address,
        /// Where it came from.
        side: Side,
    },
    /// The same address twice on one side.
    #[error("object `{address}` appears twice in the {side} state")]
    Duplicate {
        /// The address.
        address: Address,
        /// Where it came from.
        side: Side,
    },
    /// The plan breaks the policy; the plan is kept so it can still be shown.
    #[error("{}", refusal(violations))]
    Refused {
        /// Every rule the plan breaks.
        violations: Vec<PolicyViolation>,
        /// The refused plan, for display.
        plan: Box<Plan>,
    },
}

fn refusal(violations: &[PolicyViolation]) -> String {
    let lines: Vec<String> = violations.iter().map(ToString::to_string).collect();
    lines.join("\n")
}

/// Computes the plan that turns `current` into `desired` under `policy`.
///
/// Creates for desired objects the target lacks (and for a desired data source with no
/// target id), updates with only the changed fields, deletes of undesired owned objects
/// when pruning, orphans (with the reason) for undesired objects that stay. A plan that
/// breaks the policy comes back as [`PlanError::Refused`], carrying the plan.
pub fn plan(
    desired: &DesiredState,
    current: &CurrentState,
    policy: &Policy,
) -> Result<Plan, PlanError> {
    plan_of(
        &desired.datasources,
        Objects::Borrowed(&desired.objects),
        &desired.capabilities,
        &desired.notices,
        current,
        policy,
    )
}

/// [`plan`], taking the desired objects to create out of `desired` instead of copying
/// them: their addresses and fields move into the create items, and each leaves behind
/// an empty object (no path, no fields). For a caller that needs the desired objects no
/// more (a first apply of a large catalog holds its objects once, not twice). The plan
/// is the one [`plan`] gives.
pub fn plan_taking(
    desired: &mut DesiredState,
    current: &CurrentState,
    policy: &Policy,
) -> Result<Plan, PlanError> {
    let DesiredState {
        datasources,
        objects,
        capabilities,
        notices,
    } = desired;
    plan_of(
        datasources,
        Objects::Taken(objects),
        capabilities,
        notices,
        current,
        policy,
    )
}

/// The desired objects, to copy from or to take the created ones out of.
enum Objects<'a> {
    Borrowed(&'a [Object]),
    Taken(&'a mut [Object]),
}

fn plan_of(
    datasources: &[Address],
    mut objects: Objects<'_>,
    capabilities: &Capabilities,
    notices: &[String],
    current: &CurrentState,
    policy: &Policy,
) -> Result<Plan, PlanError> {
    let bindings: BTreeMap<&Address, &DatasourceBinding> = current
        .datasources
        .iter()
        .map(|binding| (&binding.address, binding))
        .collect();
    let by_path = Bindings::new(&bindings);
    let desired_datasources = desired_datasources(datasources, &by_path)?;
    let mut items = Vec::new();
    let mut creates = Vec::new();
    let mut current_counts: BTreeMap<&Address, usize> = BTreeMap::new();
    {
        let view: &[Object] = match &objects {
            Objects::Borrowed(objects) => objects,
            Objects::Taken(objects) => objects,
        };
        let wanted = index(view, &by_path, Side::Desired)?;
        let held = index(&current.objects, &by_path, Side::Current)?;

        for (address, binding) in &desired_datasources {
            if binding.target_id.is_none()
                && !wanted.contains_key(address)
                && !held.contains_key(address)
            {
                let mut item = PlanItem {
                    action: Action::Create,
                    address: (*address).clone(),
                    changes: Vec::new(),
                    reason: "data source does not exist in the target yet".to_string(),
                };
                if let Some(why) = capabilities.create_refusal(ObjectKind::Datasource) {
                    item.action = Action::Missing;
                    item.reason = missing_reason(why);
                }
                items.push(item);
            }
        }
        // Both sides were checked by `index` (bound, once each): walk them in input order.
        for (i, want) in view.iter().enumerate() {
            let binding = by_path.of(&want.address, Side::Desired)?;
            match held.get(&want.address) {
                Some(have) => items.extend(update(want, have, policy)),
                // A bound data source exists even when the target reports no fields.
                None if want.address.kind == ObjectKind::Datasource
                    && binding.target_id.is_some() => {}
                None => creates.push(i),
            }
        }
        for have in &current.objects {
            let address = &have.address;
            let binding = by_path.of(address, Side::Current)?;
            *current_counts.entry(&binding.address).or_default() += 1;
            if !wanted.contains_key(address) && !desired_datasources.contains_key(address) {
                items.push(removal(have, binding, policy, capabilities));
            }
        }
    }
    items.reserve(creates.len());
    for i in creates {
        let mut item = match &mut objects {
            Objects::Borrowed(objects) => create(&objects[i]),
            Objects::Taken(objects) => create_taken(&mut objects[i]),
        };
        if let Some(why) = capabilities.create_refusal(item.address.kind) {
            item.action = Action::Missing;
            item.reason = missing_reason(why);
        }
        items.push(item);
    }
    items.sort_by(|a, b| (&a.address.path, a.address.kind).cmp(&(&b.address.path, b.address.kind)));
    missing_below_missing(&mut items);

    let mut in_scope: BTreeMap<&Address, &DatasourceBinding> = desired_datasources;
    for item in &items {
        if let Some(path) = datasource_path(&item.address)
            && let Some(binding) = by_path.get(path)
        {
            in_scope.entry(&binding.address).or_insert(binding);
        }
    }
    let plan = Plan {
        datasources: in_scope.into_values().cloned().collect(),
        items,
        notices: notices.to_vec(),
    };
    let violations = policy::check(policy, &plan.items, &current_counts);
    if violations.is_empty() {
        Ok(plan)
    } else {
        Err(PlanError::Refused {
            violations,
            plan: Box::new(plan),
        })
    }
}

/// The data source bindings by `[service, database]`, looked up without allocating.
/// Of two bindings with one address, the later one counts (as in a map built from them).
struct Bindings<'a> {
    by_path: HashMap<&'a [String], &'a DatasourceBinding, FxBuildHasher>,
}

impl<'a> Bindings<'a> {
    fn new(bindings: &BTreeMap<&'a Address, &'a DatasourceBinding>) -> Self {
        Bindings {
            by_path: bindings
                .iter()
                .filter(|(address, _)| {
                    address.kind == ObjectKind::Datasource && address.path.len() == 2
                })
                .map(|(address, binding)| (address.path.as_slice(), *binding))
                .collect(),
        }
    }

    fn get(&self, datasource_path: &[String]) -> Option<&'a DatasourceBinding> {
        self.by_path.get(datasource_path).copied()
    }

    /// The binding of `address`'s data source, or why there is none.
    fn of(&self, address: &Address, side: Side) -> Result<&'a DatasourceBinding, PlanError> {
        let path = datasource_path(address).ok_or_else(|| PlanError::BadAddress {
            address: address.clone(),
            side,
        })?;
        self.get(path).ok_or_else(|| PlanError::Unbound {
            address: address.clone(),
            datasource: Address {
                kind: ObjectKind::Datasource,
                path: path.to_vec(),
            },
            side,
        })
    }
}

/// The desired data sources with their bindings, checked: well formed, bound, once each.
fn desired_datasources<'a>(
    datasources: &'a [Address],
    bindings: &Bindings<'a>,
) -> Result<BTreeMap<&'a Address, &'a DatasourceBinding>, PlanError> {
    let mut checked = BTreeMap::new();
    for address in datasources {
        if address.kind != ObjectKind::Datasource || address.path.len() != 2 {
            return Err(PlanError::BadAddress {
                address: address.clone(),
                side: Side::Desired,
            });
        }
        let binding = bindings.of(address, Side::Desired)?;
        if checked.insert(address, binding).is_some() {
            return Err(PlanError::Duplicate {
                address: address.clone(),
                side: Side::Desired,
            });
        }
    }
    Ok(checked)
}

/// The update (if any) that brings a desired object the target holds about.
fn update(want: &Object, have: &Object, policy: &Policy) -> Option<PlanItem> {
    let mut item = PlanItem {
        action: Action::Update,
        address: want.address.clone(),
        changes: field_changes(&want.fields, &have.fields),
        reason: "differs from the desired state".to_string(),
    };
    policy::drop_ignored(policy, &mut item);
    (!item.changes.is_empty()).then_some(item)
}

/// The objects of one side by address, checked: each bound, each once.
fn index<'a>(
    objects: &'a [Object],
    bindings: &Bindings<'_>,
    side: Side,
) -> Result<HashMap<&'a Address, &'a Object, FxBuildHasher>, PlanError> {
    let mut indexed = HashMap::with_capacity_and_hasher(objects.len(), FxBuildHasher);
    for object in objects {
        bindings.of(&object.address, side)?;
        if indexed.insert(&object.address, object).is_some() {
            return Err(PlanError::Duplicate {
                address: object.address.clone(),
                side,
            });
        }
    }
    Ok(indexed)
}

/// The create of `want`, its address and fields taken out (see [`plan_taking`]).
fn create_taken(want: &mut Object) -> PlanItem {
    let address = Address {
        kind: want.address.kind,
        path: std::mem::take(&mut want.address.path),
    };
    PlanItem {
        action: Action::Create,
        address,
        changes: std::mem::take(&mut want.fields)
            .into_iter()
            .map(|(field, value)| FieldChange {
                field,
                before: None,
                after: Some(value),
            })
            .collect(),
        reason: CREATE_REASON.to_string(),
    }
}

/// Why a desired object is created.
const CREATE_REASON: &str = "not in the target";

fn create(want: &Object) -> PlanItem {
    PlanItem {
        action: Action::Create,
        address: want.address.clone(),
        changes: want
            .fields
            .iter()
            .map(|(field, value)| FieldChange {
                field: field.clone(),
                before: None,
                after: Some(value.clone()),
            })
            .collect(),
        reason: CREATE_REASON.to_string(),
    }
}

/// Turns every create below a missing object into a missing object too: what lies
/// under an object the target cannot create cannot be created either. `items` are in
/// tree order, so a parent comes before its children.
fn missing_below_missing(items: &mut [PlanItem]) {
    let mut missing: std::collections::BTreeSet<Vec<String>> = std::collections::BTreeSet::new();
    for item in items.iter_mut() {
        let path = &item.address.path;
        if item.action == Action::Create
            && let Some(parent) = (2..path.len())
                .map(|n| &path[..n])
                .find(|prefix| missing.contains(*prefix))
        {
            item.reason = format!(
                "missing in the target, not creatable: its parent `{}` is missing",
                Address {
                    kind: ObjectKind::Datasource,
                    path: parent.to_vec(),
                }
            );
            item.action = Action::Missing;
        }
        if item.action == Action::Missing {
            missing.insert(item.address.path.clone());
        }
    }
}

/// Why a desired object the target lacks is not created.
fn missing_reason(why: &str) -> String {
    format!("missing in the target, not creatable: {why}")
}

fn removal(
    have: &Object,
    binding: &DatasourceBinding,
    policy: &Policy,
    capabilities: &Capabilities,
) -> PlanItem {
    let refusal = binding
        .cannot_delete
        .as_deref()
        .or_else(|| capabilities.delete_refusal(have.address.kind));
    let (action, reason) = match (binding.ownership, refusal, policy.prune) {
        (Ownership::Linked, _, _) => (Action::Orphan, "not owned: data source is linked".into()),
        (Ownership::Owned, Some(why), _) => (
            Action::Orphan,
            format!("cannot be deleted through the API: {why}"),
        ),
        (Ownership::Owned, None, Prune::Never) => (Action::Orphan, "prune: never".into()),
        (Ownership::Owned, None, Prune::Owned) => (
            Action::Delete,
            "no longer in the desired state (owned, prune: owned)".into(),
        ),
    };
    PlanItem {
        action,
        address: have.address.clone(),
        changes: have
            .fields
            .iter()
            .map(|(field, value)| FieldChange {
                field: field.clone(),
                before: Some(value.clone()),
                after: None,
            })
            .collect(),
        reason,
    }
}

/// The fields whose desired value differs from the current one, in field-name order:
/// one walk over both sorted lists, allocating only for a change.
fn field_changes(want: &Fields, have: &Fields) -> Vec<FieldChange> {
    let (want, have) = (want.as_slice(), have.as_slice());
    let mut changes = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < want.len() || j < have.len() {
        let order = match (want.get(i), have.get(j)) {
            (Some((w, _)), Some((h, _))) => w.cmp(h),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        let (field, after, before) = match order {
            Ordering::Less => {
                i += 1;
                (&want[i - 1].0, Some(&want[i - 1].1), None)
            }
            Ordering::Greater => {
                j += 1;
                (&have[j - 1].0, None, Some(&have[j - 1].1))
            }
            Ordering::Equal => {
                i += 1;
                j += 1;
                (&want[i - 1].0, Some(&want[i - 1].1), Some(&have[j - 1].1))
            }
        };
        if !same_value(after, before) {
            changes.push(FieldChange {
                field: field.clone(),
                before: before.cloned(),
                after: after.cloned(),
            });
        }
    }
    changes
}

/// A value in the form in which values compare.
#[derive(PartialEq)]
enum Comparable<'a> {
    Text(&'a str),
    Html(String),
    Bool(bool),
    Int(i64),
    Set(&'a std::collections::BTreeSet<String>),
}

fn comparable(value: Option<&Value>) -> Option<Comparable<'_>> {
    match value? {
        Value::Text(text) if text.is_empty() => None,
        Value::Text(text) => Some(Comparable::Text(text)),
        Value::Html(html) => {
            let canonical = canonical_html(html);
            (!canonical.is_empty()).then_some(Comparable::Html(canonical))
        }
        Value::Bool(b) => Some(Comparable::Bool(*b)),
        Value::Int(i) => Some(Comparable::Int(*i)),
        Value::Set(items) if items.is_empty() => None,
        Value::Set(items) => Some(Comparable::Set(items)),
    }
}

/// Whether two field values are the same for planning purposes: empty text, empty rich
/// text and an empty set are no value; rich text compares in canonical form; sets compare
/// as sets; a value of another type is a change.
pub fn same_value(a: Option<&Value>, b: Option<&Value>) -> bool {
    // The same bytes are the same value in every form: rich text equal to the letter
    // (the common case, a target echoing what was written) skips canonicalisation.
    if let (Some(Value::Html(x)), Some(Value::Html(y))) = (a, b)
        && x == y
    {
        return true;
    }
    comparable(a) == comparable(b)
}
