//! The run of one apply: the phases and steps in order, the batches of a step in flight
//! together, isolation of refused items, skips under failed parents, the stop flag and
//! the progress hook.
//!
//! The items are split by data source into lanes. A phase runs every lane through its
//! steps, each lane on its own: a lane starts its next step once every batch of its
//! current one has ended (so a child is sent only after its parent's batch succeeded),
//! while other lanes are at other steps. The batches of one step are in flight
//! together. All lanes share one bound, the target's [`WriteLimits::in_flight`]; a free
//! place goes to the first lane (in data source order) with a batch ready.
//!
//! Three phases, each ending before the next starts: the data sources (so that every id
//! is known before any object is written, a foreign key to another data source
//! included), then the creates and updates of the schemas, tables and columns, then the
//! deletes.
//!
//! The batches are futures on the apply's own task, not spawned tasks: the writer's
//! waits (requests, jobs) overlap, and the engine's state needs no lock. Outcomes are
//! recorded by the engine alone, as each batch ends.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::core::model::Catalog;
use crate::core::objects::ObjectKind;
use crate::core::plan::{Action, CurrentState, PlanItem, datasource_of};
use crate::target::{Batch, BatchOutcome, ItemStatus, Target, WriteLimits, Writer};

use super::report::{ApplyReport, ItemOutcome};

/// Extra requests spent at most on one refused chunk to tell its refused items apart.
pub const MAX_ISOLATION_REQUESTS: usize = 200;

/// How far an apply has come, told after every batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Items with an outcome so far.
    pub done: usize,
    /// Items in the apply.
    pub total: usize,
}

/// One step: an action on one kind, or on every kind (`None`: deletes sent together).
type Step = (Action, Option<ObjectKind>);

const KINDS: [ObjectKind; 4] = [
    ObjectKind::Datasource,
    ObjectKind::Schema,
    ObjectKind::Table,
    ObjectKind::Column,
];

/// Executes `items` (in [`Plan::apply_order`](crate::core::plan::Plan::apply_order), or
/// any order: the engine orders them; owned or borrowed) against `target`. `catalog` is the desired catalog
/// the plan was made from and `current` the state read before planning. Once `stop` is
/// raised, no new batch starts; those in flight end and are reported. `progress` hears
/// after every batch.
pub async fn apply<T: Target, I: Borrow<PlanItem>>(
    target: &T,
    items: &[I],
    catalog: &Catalog,
    current: &CurrentState,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(Progress),
) -> ApplyReport {
    let writer = target.writer(catalog, current);
    let limits = target.limits();
    let items: Vec<&PlanItem> = items.iter().map(Borrow::borrow).collect();
    let mut run = Run {
        limits,
        items: &items,
        status: vec![None; items.len()],
        done: 0,
        budgets: Vec::new(),
        stop,
        progress,
    };
    let mut lanes: BTreeMap<Vec<String>, Lane<'_>> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        if !item.action.writes() {
            run.set(i, ItemStatus::NoWrite(item.reason.clone()));
            continue;
        }
        let datasource = datasource_of(&item.address)
            .map(|a| a.path)
            .unwrap_or_default();
        lanes.entry(datasource).or_default().items.push(i);
    }
    let mut lanes: Vec<Lane<'_>> = lanes.into_values().collect();
    let datasources = [
        (Action::Create, Some(ObjectKind::Datasource)),
        (Action::Update, Some(ObjectKind::Datasource)),
    ];
    let objects: Vec<Step> = KINDS[1..]
        .iter()
        .flat_map(|&kind| [(Action::Create, Some(kind)), (Action::Update, Some(kind))])
        .collect();
    let deletes: Vec<Step> = if limits.deletes_together {
        vec![(Action::Delete, None)]
    } else {
        KINDS
            .iter()
            .rev()
            .map(|&k| (Action::Delete, Some(k)))
            .collect()
    };
    for steps in [&datasources[..], &objects, &deletes] {
        run.phase(&writer, &mut lanes, steps).await;
    }
    let stopped = run.stopped();
    let write_requests = writer.write_requests();
    let outcomes = items
        .iter()
        .zip(run.status)
        .map(|(item, status)| ItemOutcome {
            action: item.action,
            address: item.address.clone(),
            status: status.unwrap_or_else(|| {
                if stopped {
                    ItemStatus::NotStarted
                } else {
                    ItemStatus::NoWrite("nothing to do".into())
                }
            }),
        })
        .collect();
    ApplyReport {
        outcomes,
        write_requests,
    }
}

/// One data source's items and how far they have come.
#[derive(Default)]
struct Lane<'a> {
    /// Indexes of the data source's items that write.
    items: Vec<usize>,
    /// The next step of the current phase to start.
    next_step: usize,
    /// The current step's batches not sent yet.
    ready: VecDeque<Pending>,
    /// The current step's batches in flight.
    in_flight: usize,
    /// Paths whose creation failed: everything under them is skipped.
    failed: HashSet<Vec<String>>,
    /// Creates and updates the target confirmed, for the deletes of a target whose
    /// delete is a full-content upload.
    applied: Vec<&'a PlanItem>,
}

/// A batch to send: items of one step of one lane, and the isolation budget of the
/// chunk it comes from.
struct Pending {
    step: Step,
    items: Vec<usize>,
    budget: usize,
}

/// The engine's state, which only the driving loop changes.
struct Run<'a, 'p> {
    limits: WriteLimits,
    items: &'a [&'a PlanItem],
    status: Vec<Option<ItemStatus>>,
    done: usize,
    /// Isolation requests left, per chunk.
    budgets: Vec<usize>,
    stop: &'p AtomicBool,
    progress: &'p mut dyn FnMut(Progress),
}

impl<'a> Run<'a, '_> {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Runs every lane through `steps`, with up to the target's limit of batches in
    /// flight; returns once none is, and none is ready or the run is stopped.
    async fn phase<W: Writer>(&mut self, writer: &W, lanes: &mut [Lane<'a>], steps: &[Step]) {
        for lane in lanes.iter_mut() {
            lane.next_step = 0;
        }
        let items = self.items;
        let in_flight = self.limits.in_flight.max(1);
        let mut flying = FuturesUnordered::new();
        loop {
            while !self.stopped() && flying.len() < in_flight {
                let Some((l, pending)) = self.next_ready(writer, lanes, steps) else {
                    break;
                };
                let lane = &mut lanes[l];
                lane.in_flight += 1;
                let (action, kind) = pending.step;
                // Only deletes carry what was applied before (see `Batch::applied`).
                let applied = if action == Action::Delete {
                    lane.applied.clone()
                } else {
                    Vec::new()
                };
                flying.push(async move {
                    let batch_items: Vec<&PlanItem> =
                        pending.items.iter().map(|&i| items[i]).collect();
                    let outcome = writer
                        .write(Batch {
                            action,
                            kind,
                            items: &batch_items,
                            applied: &applied,
                        })
                        .await;
                    (l, pending, outcome)
                });
            }
            let Some((l, pending, outcome)) = flying.next().await else {
                break;
            };
            let lane = &mut lanes[l];
            lane.in_flight -= 1;
            self.settle(lane, pending, outcome);
            (self.progress)(Progress {
                done: self.done,
                total: self.items.len(),
            });
        }
    }

    /// The first lane's next batch: one already formed, else, when the lane's current
    /// step has no batch left in flight, the first of its next step with any.
    fn next_ready<W: Writer>(
        &mut self,
        writer: &W,
        lanes: &mut [Lane<'a>],
        steps: &[Step],
    ) -> Option<(usize, Pending)> {
        for (l, lane) in lanes.iter_mut().enumerate() {
            loop {
                if let Some(pending) = lane.ready.pop_front() {
                    return Some((l, pending));
                }
                if lane.in_flight > 0 || lane.next_step >= steps.len() {
                    break;
                }
                let step = steps[lane.next_step];
                lane.next_step += 1;
                self.form(writer, lane, step);
            }
        }
        None
    }

    /// The batches of one lane's step: its items of the step's action and kind (any
    /// kind when `None`) that have no outcome yet, by the writer's batch key, in chunks
    /// of the target's limit. Items under a failed create are skipped, and items the
    /// writer cannot prepare fail alone.
    fn form<W: Writer>(&mut self, writer: &W, lane: &mut Lane<'a>, step: Step) {
        let (action, kind) = step;
        let items = self.items;
        let mut groups: BTreeMap<u8, Vec<usize>> = BTreeMap::new();
        for n in 0..lane.items.len() {
            let i = lane.items[n];
            let item = items[i];
            if item.action != action
                || kind.is_some_and(|k| k != item.address.kind)
                || self.status[i].is_some()
            {
                continue;
            }
            if let Some(skip) = skip_reason(&lane.failed, &item.address.path) {
                self.set(i, ItemStatus::Skipped(skip));
                continue;
            }
            if let Err(message) = writer.prepare(item) {
                self.fail(lane, i, message);
                continue;
            }
            // Deletes sent together are one batch per data source, whatever their keys.
            let key = if kind.is_none() {
                0
            } else {
                writer.batch_key(item)
            };
            groups.entry(key).or_default().push(i);
        }
        let limit = kind.map_or(usize::MAX, |k| self.limits.of(k));
        for indexes in groups.into_values() {
            for chunk in indexes.chunks(limit) {
                lane.ready.push_back(Pending {
                    step,
                    items: chunk.to_vec(),
                    budget: self.budgets.len(),
                });
                self.budgets.push(MAX_ISOLATION_REQUESTS);
            }
        }
    }

    /// Records what one batch came to; a batch refused for its content goes back to
    /// the front of its lane in halves, until each refused item is alone and fails with
    /// its own answer.
    fn settle(&mut self, lane: &mut Lane<'a>, pending: Pending, outcome: BatchOutcome) {
        let group = &pending.items;
        match outcome {
            BatchOutcome::Each(statuses) if statuses.len() == group.len() => {
                for (&i, status) in group.iter().zip(statuses) {
                    self.record(lane, i, status);
                }
            }
            BatchOutcome::Each(statuses) => {
                let message = format!(
                    "the target answered {} outcome(s) for a batch of {}",
                    statuses.len(),
                    group.len()
                );
                for &i in group {
                    self.fail(lane, i, message.clone());
                }
            }
            BatchOutcome::Refused(_) if group.len() > 1 && self.budgets[pending.budget] >= 2 => {
                self.budgets[pending.budget] -= 2;
                let (first, second) = group.split_at(group.len() / 2);
                for half in [second, first] {
                    lane.ready.push_front(Pending {
                        step: pending.step,
                        items: half.to_vec(),
                        budget: pending.budget,
                    });
                }
            }
            BatchOutcome::Refused(message) if group.len() > 1 => {
                let message = format!(
                    "not written: a batch of {} was refused and the refused items could not be told apart within {MAX_ISOLATION_REQUESTS} requests; the last answer: {message}",
                    group.len()
                );
                for &i in group {
                    self.fail(lane, i, message.clone());
                }
            }
            BatchOutcome::Refused(message) | BatchOutcome::Failed(message) => {
                for &i in group {
                    self.fail(lane, i, message.clone());
                }
            }
        }
    }

    fn record(&mut self, lane: &mut Lane<'a>, i: usize, status: ItemStatus) {
        match status {
            ItemStatus::Failed(message) => self.fail(lane, i, message),
            ItemStatus::Applied => {
                let item = self.items[i];
                if matches!(item.action, Action::Create | Action::Update) {
                    lane.applied.push(item);
                }
                self.set(i, ItemStatus::Applied);
            }
            other => self.set(i, other),
        }
    }

    fn fail(&mut self, lane: &mut Lane<'a>, i: usize, message: String) {
        if self.items[i].action == Action::Create {
            lane.failed.insert(self.items[i].address.path.clone());
        }
        self.set(i, ItemStatus::Failed(message));
    }

    fn set(&mut self, i: usize, status: ItemStatus) {
        if self.status[i].is_none() {
            self.done += 1;
        }
        self.status[i] = Some(status);
    }
}

/// Why the object at `path` is skipped: a failed create above it.
fn skip_reason(failed: &HashSet<Vec<String>>, path: &[String]) -> Option<String> {
    if failed.is_empty() {
        return None;
    }
    (1..path.len())
        .map(|n| &path[..n])
        .find(|parent| failed.contains(*parent))
        .map(|f| format!("parent failed: `{}`", display_path(f)))
}

/// A path as the plan shows addresses: parts joined by `.`, a part with a `.` quoted.
fn display_path(path: &[String]) -> String {
    crate::core::objects::Address {
        kind: ObjectKind::Datasource,
        path: path.to_vec(),
    }
    .to_string()
}
