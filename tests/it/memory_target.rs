//! A target that lives in memory and records what it is asked to do, written against
//! the public [`Target`] seam only: the plan engine and the apply engine run on it
//! unchanged, which is what adding a system takes. Its tests pin the apply engine's
//! behaviour (order, batches, skips, isolation of refused items, the stop flag,
//! capabilities) without any system's own rules in the way.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};

use metaform::apply::{self, ApplyReport, Progress};
use metaform::check::CheckOutcome;
use metaform::core::model::{Catalog, Table};
use metaform::core::objects::{Address, Fields, Object, ObjectKind, Value};
use metaform::core::plan::{
    self, Action, Capabilities, CurrentState, DatasourceBinding, Ownership, Plan, PlanItem, Policy,
    Prune,
};
use metaform::error::Result;
use metaform::target::{
    Batch, BatchOutcome, ItemStatus, Target, TargetDescription, WriteLimits, Writer,
};

use crate::support::model;

/// One write request the target received: its action, kind and addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Request {
    action: Action,
    kind: Option<ObjectKind>,
    addresses: Vec<String>,
}

/// Everything in memory: the objects it holds, the data sources it knows, what it refuses.
#[derive(Default)]
struct MemoryTarget {
    /// Data source path -> id.
    datasources: RefCell<BTreeMap<Vec<String>, String>>,
    objects: RefCell<BTreeMap<Address, Object>>,
    requests: RefCell<Vec<Request>>,
    capabilities: Capabilities,
    limits: Option<WriteLimits>,
    /// Addresses whose presence in a batch makes the target refuse the whole batch.
    refused: Vec<String>,
    /// Addresses whose create fails.
    failing: Vec<String>,
    /// Whether a write yields to the runtime before it ends, so that the engine can
    /// have other batches in flight meanwhile.
    pausing: bool,
    /// Batches being written now, and the most there ever were.
    in_flight: Cell<usize>,
    most_in_flight: Cell<usize>,
    /// Every write's start and end, in the order they happened.
    events: RefCell<Vec<Event>>,
}

/// A write starting or ending: its kind and the data source of its first item.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    Start(Option<ObjectKind>, String),
    End(Option<ObjectKind>, String),
}

impl MemoryTarget {
    fn requests(&self) -> Vec<Request> {
        self.requests.borrow().clone()
    }
}

impl Target for MemoryTarget {
    type Writer<'a> = MemoryWriter<'a>;

    fn describe(&self) -> TargetDescription {
        TargetDescription {
            system: "Memory",
            url: "memory://".into(),
        }
    }

    async fn check(&self) -> Vec<CheckOutcome> {
        vec![CheckOutcome::ok("target", "in memory".into())]
    }

    fn name_conflicts(
        &self,
        _catalog: &Catalog,
        _file_of: &dyn Fn(&Address) -> String,
    ) -> Vec<(Address, String)> {
        Vec::new()
    }

    fn project(&self, catalog: &Catalog) -> (Vec<Address>, Vec<Object>) {
        let mut datasources = Vec::new();
        let mut objects = Vec::new();
        for db in &catalog.databases {
            let ds = vec![db.service.clone(), db.name.clone()];
            datasources.push(address(ObjectKind::Datasource, ds.clone()));
            for schema in &db.schemas {
                let schema_path = [ds.clone(), vec![schema.name.clone()]].concat();
                objects.push(object(ObjectKind::Schema, schema_path.clone(), &[]));
                for table in &schema.tables {
                    let table_path = [schema_path.clone(), vec![table.name.clone()]].concat();
                    let tags: BTreeSet<String> = table.tags.iter().cloned().collect();
                    let mut fields = vec![("tags", Value::Set(tags))];
                    if let Some(description) = &table.description {
                        fields.push(("description", Value::Text(description.clone())));
                    }
                    objects.push(object(ObjectKind::Table, table_path.clone(), &fields));
                    for column in &table.columns {
                        let path = [table_path.clone(), vec![column.name.clone()]].concat();
                        let fields = [("type", Value::Text(column.data_type.clone()))];
                        objects.push(object(ObjectKind::Column, path, &fields));
                    }
                }
            }
        }
        (datasources, objects)
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    fn notices(&self, _catalog: &Catalog) -> Vec<String> {
        Vec::new()
    }

    async fn read_current(&self, catalog: &Catalog) -> Result<CurrentState> {
        let known = self.datasources.borrow();
        let datasources = catalog
            .databases
            .iter()
            .map(|db| {
                let path = vec![db.service.clone(), db.name.clone()];
                DatasourceBinding {
                    target_id: known.get(&path).cloned(),
                    address: address(ObjectKind::Datasource, path),
                    ownership: Ownership::Owned,
                    cannot_delete: None,
                }
            })
            .collect();
        let objects = self.objects.borrow().values().cloned().collect();
        Ok(CurrentState {
            datasources,
            objects,
        })
    }

    fn limits(&self) -> WriteLimits {
        self.limits.unwrap_or(WriteLimits {
            per_request: [1, 100, 100, 100],
            deletes_together: false,
            in_flight: 4,
        })
    }

    fn writer<'a>(&'a self, _catalog: &'a Catalog, _current: &'a CurrentState) -> MemoryWriter<'a> {
        MemoryWriter {
            target: self,
            writes: Cell::new(0),
        }
    }
}

/// Writes to a [`MemoryTarget`], one request per batch.
struct MemoryWriter<'a> {
    target: &'a MemoryTarget,
    writes: Cell<usize>,
}

impl Writer for MemoryWriter<'_> {
    fn prepare(&self, _item: &PlanItem) -> std::result::Result<(), String> {
        Ok(())
    }

    /// Keeps updates of the description apart from other updates, as a target with
    /// two kinds of write would.
    fn batch_key(&self, item: &PlanItem) -> u8 {
        u8::from(item.changes.iter().any(|c| c.field == "description"))
    }

    async fn write(&self, batch: Batch<'_>) -> BatchOutcome {
        self.writes.set(self.writes.get() + 1);
        let addresses: Vec<String> = batch.items.iter().map(|i| i.address.to_string()).collect();
        self.target.requests.borrow_mut().push(Request {
            action: batch.action,
            kind: batch.kind,
            addresses: addresses.clone(),
        });
        let target = self.target;
        let datasource = batch
            .items
            .first()
            .map(|i| i.address.path[..2].join("."))
            .unwrap_or_default();
        target
            .events
            .borrow_mut()
            .push(Event::Start(batch.kind, datasource.clone()));
        target.in_flight.set(target.in_flight.get() + 1);
        target
            .most_in_flight
            .set(target.most_in_flight.get().max(target.in_flight.get()));
        if target.pausing {
            for _ in 0..3 {
                tokio::task::yield_now().await;
            }
        }
        target.in_flight.set(target.in_flight.get() - 1);
        target
            .events
            .borrow_mut()
            .push(Event::End(batch.kind, datasource));
        if let Some(bad) = addresses.iter().find(|a| target.refused.contains(a)) {
            return BatchOutcome::Refused(format!("`{bad}` is refused"));
        }
        let statuses = batch
            .items
            .iter()
            .map(|item| self.write_one(item))
            .collect();
        BatchOutcome::Each(statuses)
    }

    fn write_requests(&self) -> usize {
        self.writes.get()
    }
}

impl MemoryWriter<'_> {
    fn write_one(&self, item: &PlanItem) -> ItemStatus {
        let shown = item.address.to_string();
        if item.action == Action::Create && self.target.failing.contains(&shown) {
            return ItemStatus::Failed(format!("cannot create `{shown}`"));
        }
        if item.address.kind == ObjectKind::Datasource {
            let mut known = self.target.datasources.borrow_mut();
            let id = (known.len() + 1).to_string();
            known.insert(item.address.path.clone(), id);
            return ItemStatus::Applied;
        }
        let mut objects = self.target.objects.borrow_mut();
        match item.action {
            Action::Delete => {
                objects.remove(&item.address);
            }
            _ => {
                let object = objects.entry(item.address.clone()).or_insert(Object {
                    address: item.address.clone(),
                    fields: Fields::new(),
                    unmanaged: None,
                });
                for change in &item.changes {
                    match &change.after {
                        Some(value) => object.fields.insert(change.field.clone(), value.clone()),
                        None => object.fields.remove(&change.field),
                    };
                }
            }
        }
        ItemStatus::Applied
    }
}

fn address(kind: ObjectKind, path: Vec<String>) -> Address {
    Address { kind, path }
}

fn object(kind: ObjectKind, path: Vec<String>, fields: &[(&str, Value)]) -> Object {
    Object {
        address: address(kind, path),
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect(),
        unmanaged: None,
    }
}

fn table(name: &str, columns: &[&str]) -> Table {
    Table {
        description: Some(format!("The {name} table.")),
        tags: vec!["Tier.Tier1".into()],
        ..model::table(
            name,
            columns.iter().map(|c| model::column(c, "INT")).collect(),
        )
    }
}

/// One database `svc.db` with schemas `a` (tables `t`, `u`) and `b` (table `v`).
fn catalog() -> Catalog {
    Catalog {
        databases: vec![model::database(
            "svc",
            "db",
            vec![
                model::schema(
                    "a",
                    vec![table("t", &["c1", "c2", "c3"]), table("u", &["c1", "c2"])],
                ),
                model::schema("b", vec![table("v", &["c1"])]),
            ],
        )],
    }
}

/// Plans `catalog` against what `target` holds, with `policy`.
async fn plan_of(
    target: &MemoryTarget,
    catalog: &Catalog,
    policy: &Policy,
) -> (Plan, CurrentState) {
    let desired = target.desired_state(catalog);
    let current = target.read_current(catalog).await.expect("read");
    let plan = plan::plan(&desired, &current, policy).expect("a plan");
    (plan, current)
}

/// Plans and applies, with `stop` and a progress hook.
async fn plan_and_apply(
    target: &MemoryTarget,
    catalog: &Catalog,
    policy: &Policy,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(Progress),
) -> (Plan, ApplyReport) {
    let (plan, current) = plan_of(target, catalog, policy).await;
    let items: Vec<PlanItem> = plan.apply_order().into_iter().cloned().collect();
    let report = apply::apply(target, &items, catalog, &current, stop, progress).await;
    (plan, report)
}

fn status_of<'a>(report: &'a ApplyReport, shown: &str) -> &'a ItemStatus {
    &report
        .outcomes
        .iter()
        .find(|o| o.address.to_string() == shown)
        .unwrap_or_else(|| panic!("no outcome for `{shown}`"))
        .status
}

/// A target written against the seam alone is planned, applied parents first in
/// batches of its own limits, and converges: the next plan has no changes.
#[tokio::test]
async fn an_in_memory_target_is_applied_in_order_and_in_batches_and_converges() {
    let target = MemoryTarget {
        limits: Some(WriteLimits {
            per_request: [1, 1, 100, 2],
            deletes_together: false,
            in_flight: 4,
        }),
        ..MemoryTarget::default()
    };
    let catalog = catalog();
    let never = AtomicBool::new(false);
    let (plan, report) =
        plan_and_apply(&target, &catalog, &Policy::default(), &never, &mut |_| {}).await;
    assert_eq!(plan.summary().add, 1 + 2 + 3 + 6, "{plan:?}");
    assert!(report.is_success(), "{report:?}");
    let kinds: Vec<Option<ObjectKind>> = target.requests().iter().map(|r| r.kind).collect();
    let sizes: Vec<usize> = target
        .requests()
        .iter()
        .map(|r| r.addresses.len())
        .collect();
    // One data source, two schemas one by one, one table request, columns two at a time.
    assert_eq!(
        kinds,
        [
            Some(ObjectKind::Datasource),
            Some(ObjectKind::Schema),
            Some(ObjectKind::Schema),
            Some(ObjectKind::Table),
            Some(ObjectKind::Column),
            Some(ObjectKind::Column),
            Some(ObjectKind::Column),
        ]
    );
    assert_eq!(sizes, [1, 1, 1, 3, 2, 2, 2]);
    assert_eq!(report.write_requests, 7);

    let (again, _) = plan_of(&target, &catalog, &Policy::default()).await;
    assert!(!again.has_changes(), "{again:?}");
    assert!(again.items.is_empty(), "{again:?}");
}

/// Tags diff as a set: one tag added and one removed is one change of one field.
#[tokio::test]
async fn set_valued_fields_converge_field_by_field() {
    let target = MemoryTarget::default();
    let mut catalog = catalog();
    let never = AtomicBool::new(false);
    plan_and_apply(&target, &catalog, &Policy::default(), &never, &mut |_| {}).await;
    catalog.databases[0].schemas[0].tables[0].tags = vec!["PII.Sensitive".into()];
    let (plan, report) =
        plan_and_apply(&target, &catalog, &Policy::default(), &never, &mut |_| {}).await;
    assert_eq!(plan.items.len(), 1, "{plan:?}");
    assert_eq!(plan.items[0].action, Action::Update);
    assert_eq!(plan.items[0].changes.len(), 1);
    assert_eq!(plan.items[0].changes[0].field, "tags");
    assert!(report.is_success(), "{report:?}");
    let (again, _) = plan_of(&target, &catalog, &Policy::default()).await;
    assert!(again.items.is_empty(), "{again:?}");
}

/// A kind the target declares it cannot create is reported missing, with what lies
/// under it, and nothing of it is sent.
#[tokio::test]
async fn what_the_target_cannot_create_is_missing_and_never_sent() {
    let target = MemoryTarget {
        capabilities: Capabilities {
            cannot_create: vec![(ObjectKind::Table, "tables come from a connector".into())],
            cannot_delete: Vec::new(),
        },
        ..MemoryTarget::default()
    };
    let never = AtomicBool::new(false);
    let (plan, report) =
        plan_and_apply(&target, &catalog(), &Policy::default(), &never, &mut |_| {}).await;
    assert_eq!(plan.summary().missing, 3 + 6, "{plan:?}");
    assert_eq!(plan.summary().add, 1 + 2);
    assert!(report.is_success(), "{report:?}");
    assert!(
        target
            .requests()
            .iter()
            .all(|r| !matches!(r.kind, Some(ObjectKind::Table | ObjectKind::Column))),
        "{:?}",
        target.requests()
    );
}

/// A failed create skips what lies under it, and everything else is applied; the
/// report is partial (exit 3) and the next apply converges.
#[tokio::test]
async fn a_failed_create_skips_what_lies_under_it() {
    let target = MemoryTarget {
        failing: vec!["svc.db.a".into()],
        ..MemoryTarget::default()
    };
    let catalog = catalog();
    let never = AtomicBool::new(false);
    let (_, report) =
        plan_and_apply(&target, &catalog, &Policy::default(), &never, &mut |_| {}).await;
    assert!(
        matches!(status_of(&report, "svc.db.a"), ItemStatus::Failed(m) if m.contains("cannot create"))
    );
    assert_eq!(
        status_of(&report, "svc.db.a.t.c1"),
        &ItemStatus::Skipped("parent failed: `svc.db.a`".into())
    );
    assert_eq!(status_of(&report, "svc.db.b.v.c1"), &ItemStatus::Applied);
    assert_eq!(report.counts().skipped, 2 + 5);
    assert_eq!(
        report.exit_status(),
        metaform::exit_status::ExitStatus::Partial
    );
}

/// A batch the target refuses for its content is split until the refused item is
/// alone: it fails with the target's message, the others are applied.
#[tokio::test]
async fn a_refused_batch_is_split_until_the_refused_item_fails_alone() {
    let target = MemoryTarget {
        refused: vec!["svc.db.a.u.c1".into()],
        ..MemoryTarget::default()
    };
    let never = AtomicBool::new(false);
    let (_, report) =
        plan_and_apply(&target, &catalog(), &Policy::default(), &never, &mut |_| {}).await;
    assert_eq!(
        status_of(&report, "svc.db.a.u.c1"),
        &ItemStatus::Failed("`svc.db.a.u.c1` is refused".into())
    );
    assert_eq!(report.counts().failed, 1);
    assert_eq!(report.counts().applied, report.outcomes.len() - 1);
    let column_requests = target
        .requests()
        .iter()
        .filter(|r| r.kind == Some(ObjectKind::Column))
        .count();
    assert!(column_requests > 1, "{:?}", target.requests());
}

/// A stop raised during the apply starts no new batch: what was not reached is
/// reported not started, and the progress hook heard every batch.
#[tokio::test]
async fn a_raised_stop_starts_no_new_batch() {
    let target = MemoryTarget::default();
    let stop = AtomicBool::new(false);
    let mut heard = Vec::new();
    let (plan, report) = plan_and_apply(&target, &catalog(), &Policy::default(), &stop, &mut |p| {
        heard.push(p);
        if p.done >= 3 {
            stop.store(true, Ordering::SeqCst);
        }
    })
    .await;
    let total = plan.apply_order().len();
    // Data source (1), schemas (2): then stopped before the tables.
    assert_eq!(heard.len(), 2, "{heard:?}");
    assert_eq!(heard[1], Progress { done: 3, total });
    assert_eq!(report.counts().applied, 3);
    assert_eq!(report.counts().not_started, total - 3);
    assert_eq!(target.requests().len(), 2);
}

/// Deletes go columns first, kind by kind; a target that deletes by full-content
/// upload gets them together, one batch per data source, whatever its batch keys.
#[tokio::test]
async fn deletes_go_children_first_or_together() {
    for together in [false, true] {
        let target = MemoryTarget {
            limits: Some(WriteLimits {
                per_request: [1, 100, 100, 100],
                deletes_together: together,
                in_flight: 4,
            }),
            ..MemoryTarget::default()
        };
        let mut catalog = catalog();
        let never = AtomicBool::new(false);
        plan_and_apply(&target, &catalog, &Policy::default(), &never, &mut |_| {}).await;
        let before = target.requests().len();
        catalog.databases[0].schemas.remove(0);
        let prune = Policy {
            prune: Prune::Owned,
            max_delete_percent: 100.0,
            ..Policy::default()
        };
        let (plan, report) = plan_and_apply(&target, &catalog, &prune, &never, &mut |_| {}).await;
        assert_eq!(plan.summary().destroy, 1 + 2 + 5, "{plan:?}");
        assert!(report.is_success(), "{report:?}");
        let deletes: Vec<Request> = target.requests()[before..].to_vec();
        let kinds: Vec<Option<ObjectKind>> = deletes.iter().map(|r| r.kind).collect();
        if together {
            assert_eq!(kinds, [None], "{deletes:?}");
        } else {
            assert_eq!(
                kinds,
                [
                    Some(ObjectKind::Column),
                    Some(ObjectKind::Table),
                    Some(ObjectKind::Schema),
                ],
                "{deletes:?}"
            );
        }
        let (again, _) = plan_of(&target, &catalog, &prune).await;
        assert!(again.items.is_empty(), "{again:?}");
    }
}

/// Batches of one step are in flight together, up to the target's limit, and across
/// data sources; yet a batch of children starts only once every batch of their parents'
/// kind in their data source has ended, and a failed create still skips its children.
#[tokio::test]
async fn batches_overlap_yet_children_wait_for_their_parents() {
    let target = MemoryTarget {
        limits: Some(WriteLimits {
            per_request: [1, 1, 1, 1],
            deletes_together: false,
            in_flight: 3,
        }),
        pausing: true,
        failing: vec!["svc.db.a.u".into()],
        ..MemoryTarget::default()
    };
    let mut catalog = catalog();
    let mut other = catalog.databases[0].clone();
    other.name = "db2".into();
    catalog.databases.push(other);
    let never = AtomicBool::new(false);
    let (plan, report) =
        plan_and_apply(&target, &catalog, &Policy::default(), &never, &mut |_| {}).await;
    assert_eq!(target.most_in_flight.get(), 3, "batches in flight at most");
    assert_eq!(
        status_of(&report, "svc.db.a.u.c1"),
        &ItemStatus::Skipped("parent failed: `svc.db.a.u`".into())
    );
    assert_eq!(report.counts().failed, 1);
    assert_eq!(report.counts().skipped, 2);
    assert_eq!(report.counts().applied, plan.apply_order().len() - 3);
    let events = target.events.borrow();
    let order = [
        ObjectKind::Datasource,
        ObjectKind::Schema,
        ObjectKind::Table,
        ObjectKind::Column,
    ];
    for ds in ["svc.db", "svc.db2"] {
        let at = |event: &Event| events.iter().position(|e| e == event);
        for pair in order.windows(2) {
            let last_parent_end = events
                .iter()
                .rposition(|e| *e == Event::End(Some(pair[0]), ds.into()))
                .expect("a parent batch");
            let first_child_start = at(&Event::Start(Some(pair[1]), ds.into())).expect("a child");
            assert!(
                last_parent_end < first_child_start,
                "{ds}: a {:?} batch started before the {:?} batches ended: {events:?}",
                pair[1],
                pair[0]
            );
        }
    }
    let first_of_db2 = events
        .iter()
        .position(|e| *e == Event::Start(Some(ObjectKind::Schema), "svc.db2".into()))
        .expect("db2's schemas");
    let last_of_db = events
        .iter()
        .rposition(|e| matches!(e, Event::End(_, ds) if ds == "svc.db"))
        .expect("db's batches");
    assert!(
        first_of_db2 < last_of_db,
        "the data sources were written one after the other: {events:?}"
    );
}

/// A stop raised while several batches are in flight starts no new one, and those in
/// flight end and are reported applied; only what was never sent is not started.
#[tokio::test]
async fn a_stop_lets_the_batches_in_flight_end_and_be_reported() {
    let target = MemoryTarget {
        limits: Some(WriteLimits {
            per_request: [1, 1, 1, 1],
            deletes_together: false,
            in_flight: 3,
        }),
        pausing: true,
        ..MemoryTarget::default()
    };
    let stop = AtomicBool::new(false);
    // Data source, schemas and tables: 1 + 2 + 3 items; the first column batch ends.
    let (plan, report) = plan_and_apply(&target, &catalog(), &Policy::default(), &stop, &mut |p| {
        if p.done == 7 {
            stop.store(true, Ordering::SeqCst);
        }
    })
    .await;
    let total = plan.apply_order().len();
    // Three column batches were in flight when the stop came: all three are reported.
    assert_eq!(report.counts().applied, 1 + 2 + 3 + 3, "{report:?}");
    assert_eq!(report.counts().not_started, total - 9);
    assert_eq!(target.requests().len(), 9);
    assert_eq!(report.write_requests, 9);
}
