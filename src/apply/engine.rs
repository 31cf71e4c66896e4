//! The run of one apply: steps in order, batches per data source, isolation of refused
//! items, skips under failed parents, the stop flag and the progress hook.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

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

/// Executes `items` (in [`Plan::apply_order`](crate::core::plan::Plan::apply_order), or
/// any order: the engine orders them) against `target`. `catalog` is the desired catalog
/// the plan was made from and `current` the state read before planning. Once `stop` is
/// raised, no new batch starts. `progress` hears after every batch.
pub async fn apply<T: Target>(
    target: &T,
    items: &[PlanItem],
    catalog: &Catalog,
    current: &CurrentState,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(Progress),
) -> ApplyReport {
    let mut run = Run {
        writer: target.writer(catalog, current),
        limits: target.limits(),
        items,
        status: vec![None; items.len()],
        done: 0,
        failed: Vec::new(),
        applied: Vec::new(),
        stop,
        progress,
    };
    for (i, item) in items.iter().enumerate() {
        if !item.action.writes() {
            run.set(i, ItemStatus::NoWrite(item.reason.clone()));
        }
    }
    let kinds = [
        ObjectKind::Datasource,
        ObjectKind::Schema,
        ObjectKind::Table,
        ObjectKind::Column,
    ];
    for kind in kinds {
        run.step(Action::Create, Some(kind)).await;
        run.step(Action::Update, Some(kind)).await;
    }
    if run.limits.deletes_together {
        run.step(Action::Delete, None).await;
    } else {
        for kind in kinds.into_iter().rev() {
            run.step(Action::Delete, Some(kind)).await;
        }
    }
    let stopped = run.stopped();
    let write_requests = run.writer.write_requests();
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

struct Run<'a, W> {
    writer: W,
    limits: WriteLimits,
    items: &'a [PlanItem],
    status: Vec<Option<ItemStatus>>,
    done: usize,
    /// Paths whose creation failed: everything under them is skipped.
    failed: Vec<Vec<String>>,
    /// Creates and updates the target confirmed, for targets whose later writes (a
    /// full-content delete) must carry them.
    applied: Vec<&'a PlanItem>,
    stop: &'a AtomicBool,
    progress: &'a mut dyn FnMut(Progress),
}

impl<'a, W: Writer> Run<'a, W> {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Every item of `action` and `kind` (any kind when `None`), per data source and
    /// batch key, in chunks of the target's limit.
    async fn step(&mut self, action: Action, kind: Option<ObjectKind>) {
        if self.stopped() {
            return;
        }
        let items = self.items;
        let mut groups: BTreeMap<(Vec<String>, u8), Vec<usize>> = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            if item.action != action
                || kind.is_some_and(|k| k != item.address.kind)
                || self.status[i].is_some()
            {
                continue;
            }
            if let Some(skip) = self.skip_reason(&item.address.path) {
                self.set(i, ItemStatus::Skipped(skip));
                continue;
            }
            if let Err(message) = self.writer.prepare(item) {
                self.fail(i, message);
                continue;
            }
            let datasource = datasource_of(&item.address)
                .map(|a| a.path)
                .unwrap_or_default();
            // Deletes sent together are one batch per data source, whatever their keys.
            let key = if kind.is_none() {
                0
            } else {
                self.writer.batch_key(item)
            };
            groups.entry((datasource, key)).or_default().push(i);
        }
        let limit = kind.map_or(usize::MAX, |k| self.limits.of(k));
        for indexes in groups.into_values() {
            for chunk in indexes.chunks(limit) {
                if self.stopped() {
                    return;
                }
                self.send(action, kind, chunk).await;
            }
        }
    }

    /// Sends one chunk; a chunk refused for its content is sent again in halves until
    /// each refused item is alone and fails with its own answer.
    async fn send(&mut self, action: Action, kind: Option<ObjectKind>, chunk: &[usize]) {
        let items = self.items;
        let mut budget = MAX_ISOLATION_REQUESTS;
        let mut pending = vec![chunk.to_vec()];
        while let Some(group) = pending.pop() {
            if self.stopped() {
                break;
            }
            let batch_items: Vec<&PlanItem> = group.iter().map(|&i| &items[i]).collect();
            let applied = std::mem::take(&mut self.applied);
            let outcome = self
                .writer
                .write(Batch {
                    action,
                    kind,
                    items: &batch_items,
                    applied: &applied,
                })
                .await;
            self.applied = applied;
            match outcome {
                BatchOutcome::Each(statuses) if statuses.len() == group.len() => {
                    for (&i, status) in group.iter().zip(statuses) {
                        self.record(i, status);
                    }
                }
                BatchOutcome::Each(statuses) => {
                    let message = format!(
                        "the target answered {} outcome(s) for a batch of {}",
                        statuses.len(),
                        group.len()
                    );
                    for &i in &group {
                        self.fail(i, message.clone());
                    }
                }
                BatchOutcome::Refused(_) if group.len() > 1 && budget >= 2 => {
                    budget -= 2;
                    let (first, second) = group.split_at(group.len() / 2);
                    pending.push(second.to_vec());
                    pending.push(first.to_vec());
                    continue;
                }
                BatchOutcome::Refused(message) if group.len() > 1 => {
                    let message = format!(
                        "not written: a batch of {} was refused and the refused items could not be told apart within {MAX_ISOLATION_REQUESTS} requests; the last answer: {message}",
                        group.len()
                    );
                    for &i in &group {
                        self.fail(i, message.clone());
                    }
                }
                BatchOutcome::Refused(message) | BatchOutcome::Failed(message) => {
                    for &i in &group {
                        self.fail(i, message.clone());
                    }
                }
            }
            (self.progress)(Progress {
                done: self.done,
                total: self.items.len(),
            });
        }
    }

    fn record(&mut self, i: usize, status: ItemStatus) {
        match status {
            ItemStatus::Failed(message) => self.fail(i, message),
            ItemStatus::Applied => {
                let item = &self.items[i];
                if matches!(item.action, Action::Create | Action::Update) {
                    self.applied.push(item);
                }
                self.set(i, ItemStatus::Applied);
            }
            other => self.set(i, other),
        }
    }

    fn fail(&mut self, i: usize, message: String) {
        if self.items[i].action == Action::Create {
            self.failed.push(self.items[i].address.path.clone());
        }
        self.set(i, ItemStatus::Failed(message));
    }

    fn set(&mut self, i: usize, status: ItemStatus) {
        if self.status[i].is_none() {
            self.done += 1;
        }
        self.status[i] = Some(status);
    }

    fn skip_reason(&self, path: &[String]) -> Option<String> {
        self.failed
            .iter()
            .find(|f| path.len() > f.len() && path.starts_with(f))
            .map(|f| format!("parent failed: `{}`", display_path(f)))
    }
}

/// A path as the plan shows addresses: parts joined by `.`, a part with a `.` quoted.
fn display_path(path: &[String]) -> String {
    crate::core::objects::Address {
        kind: ObjectKind::Datasource,
        path: path.to_vec(),
    }
    .to_string()
}
