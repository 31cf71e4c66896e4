//! Executing plan items against Alation.
//!
//! Order (SPEC §6): data sources first (their ids are learnt on creation), then
//! schemas, tables and columns, creates before updates at each level, deletes last.
//! Creates are POSTs of the complete object; updates are PATCHes of the changed fields
//! keyed by `key` (a column type change is a complete POST, see
//! [`payload::needs_upsert`]). A write never changes a field the plan does not show as
//! changing: complete payloads are built from the current state read before planning
//! with the item's changes on top ([`after`]), so an ignored or unchanged field keeps
//! its current value, and a field metaform does not manage keeps the value read
//! ([`unmanaged`]). Batches respect Alation's caps (1,000 schemas, 1,000 tables,
//! 10,000 columns per request) and every job is polled to its end.
//!
//! A failure does not stop the run: the items under a failed create are skipped, and
//! everything else goes on; running plan and apply again converges. A batch refused
//! because of its content (HTTP 400, 413 or 422, or a job reporting per-object errors)
//! is split in halves that are sent again, down to single items, so that every item
//! gets its own outcome and a refused item fails alone with its own message; at most
//! [`MAX_ISOLATION_REQUESTS`] extra requests are spent on one batch. Any other failure
//! (transport, server error, a failed job) is the whole batch's.
//!
//! A raised `stop` flag (SIGINT or SIGTERM) starts no new write request: the one in
//! flight ends (its job polled to its end or its timeout), and every item not reached
//! is reported not started.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::api::alation::{
    AlationClient, AlationError, MAX_COLUMNS_PER_WRITE, MAX_SCHEMAS_PER_WRITE,
    MAX_TABLES_PER_WRITE, RdbmsJobOutcome, WriteMode,
};
use crate::core::model::{Catalog, Database};
use crate::core::objects::{Address, Object, ObjectKind};
use crate::core::plan::{Action, CurrentState, Ownership, PlanItem};
use crate::http::HttpError;

use super::after;
use super::datasource::{self, NewDatasource};
use super::mapping::{self, field};
use super::payload::{self, ResolveReference, value_text};
use super::unmanaged;
use super::{CreateDatasourceAs, keys};

/// What happened to one plan item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemStatus {
    /// Alation confirmed the change.
    Applied,
    /// The change failed; the message says why (the job's message when there was one).
    Failed(String),
    /// Not attempted because a parent's creation failed; the message names it.
    Skipped(String),
    /// Needs no write (an orphan, a data source that already exists); says why.
    NoWrite(String),
    /// Not attempted because the apply was stopped before reaching it.
    NotStarted,
}

/// One plan item's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemOutcome {
    /// The item's action.
    pub action: Action,
    /// The item's object.
    pub address: Address,
    /// What happened.
    pub status: ItemStatus,
}

/// The result of executing a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// One outcome per plan item, in plan order.
    pub outcomes: Vec<ItemOutcome>,
    /// Write requests sent (creates, POSTs, PATCHes, PUTs, uploads; not job polls).
    pub write_requests: usize,
}

impl ApplyReport {
    /// Whether every item was applied or needed no write.
    pub fn is_success(&self) -> bool {
        self.outcomes
            .iter()
            .all(|o| matches!(o.status, ItemStatus::Applied | ItemStatus::NoWrite(_)))
    }
}

/// Extra requests spent at most on one refused batch to tell its refused items apart.
pub const MAX_ISOLATION_REQUESTS: usize = 200;

/// Executes `items` in Alation. `catalog` is the desired catalog the plan was made
/// from and `current` the state [`super::read_current`] read before planning: its
/// data sources and the values every write keeps where the plan changes nothing. Once
/// `stop` is raised, no new write request starts.
pub async fn apply(
    client: &AlationClient,
    items: &[PlanItem],
    catalog: &Catalog,
    current: &CurrentState,
    create_as: CreateDatasourceAs,
    stop: &AtomicBool,
) -> ApplyReport {
    let desired = mapping::desired_objects(catalog);
    let mut run = Run {
        client,
        items,
        desired: desired.iter().map(|o| (&o.address, o)).collect(),
        current: current.objects.iter().map(|o| (&o.address, o)).collect(),
        current_objects: &current.objects,
        databases: catalog
            .databases
            .iter()
            .map(|d| (vec![d.service.clone(), d.name.clone()], d))
            .collect(),
        ds_ids: HashMap::new(),
        ownership: HashMap::new(),
        status: vec![None; items.len()],
        failed: Vec::new(),
        writes: 0,
        stop,
    };
    for binding in &current.datasources {
        run.ownership
            .insert(binding.address.path.clone(), binding.ownership);
        if let Some(id) = binding.target_id.as_deref().and_then(|id| id.parse().ok()) {
            run.ds_ids.insert(binding.address.path.clone(), id);
        }
    }
    for (i, item) in items.iter().enumerate() {
        if item.action == Action::Orphan {
            run.status[i] = Some(ItemStatus::NoWrite(item.reason.clone()));
        }
    }
    run.datasources(create_as).await;
    for kind in [ObjectKind::Schema, ObjectKind::Table, ObjectKind::Column] {
        run.writes_of(kind, Action::Create).await;
        run.writes_of(kind, Action::Update).await;
    }
    run.deletes().await;
    let unreached: fn() -> ItemStatus = if run.stopped() {
        || ItemStatus::NotStarted
    } else {
        || ItemStatus::NoWrite("nothing to do".into())
    };
    let outcomes = items
        .iter()
        .zip(run.status)
        .map(|(item, status)| ItemOutcome {
            action: item.action,
            address: item.address.clone(),
            status: status.unwrap_or_else(unreached),
        })
        .collect();
    ApplyReport {
        outcomes,
        write_requests: run.writes,
    }
}

struct Run<'a> {
    client: &'a AlationClient,
    items: &'a [PlanItem],
    desired: HashMap<&'a Address, &'a Object>,
    /// What Alation held when the plan was made, by address.
    current: HashMap<&'a Address, &'a Object>,
    current_objects: &'a [Object],
    databases: HashMap<Vec<String>, &'a Database>,
    /// Data source path -> Alation id (known or just created).
    ds_ids: HashMap<Vec<String>, i64>,
    ownership: HashMap<Vec<String>, Ownership>,
    status: Vec<Option<ItemStatus>>,
    /// Paths whose creation failed: everything under them is skipped.
    failed: Vec<Vec<String>>,
    writes: usize,
    /// Raised when no new write may start.
    stop: &'a AtomicBool,
}

/// A batch ready to send: item indexes and their payloads.
struct Batch<T> {
    indexes: Vec<usize>,
    payloads: Vec<T>,
}

impl<T> Default for Batch<T> {
    fn default() -> Self {
        Self {
            indexes: Vec::new(),
            payloads: Vec::new(),
        }
    }
}

impl Run<'_> {
    /// Whether the apply was stopped: no new write may start.
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    async fn datasources(&mut self, create_as: CreateDatasourceAs) {
        let mut ocf_ids: Option<Vec<i64>> = None;
        for (i, item) in self.items.iter().enumerate() {
            if item.address.kind != ObjectKind::Datasource {
                continue;
            }
            if self.stopped() {
                break;
            }
            let path = &item.address.path;
            let result = match item.action {
                Action::Create if self.ds_ids.contains_key(path) => {
                    // Never a second data source for one database.
                    self.status[i] = Some(ItemStatus::NoWrite(format!(
                        "data source already exists (id {})",
                        self.ds_ids[path]
                    )));
                    continue;
                }
                Action::Create => self.create_datasource(path, create_as).await,
                Action::Update => {
                    if ocf_ids.is_none() {
                        match self.client.ocf_datasources().await {
                            Ok(list) => ocf_ids = Some(list.iter().map(|d| d.id).collect()),
                            Err(err) => {
                                self.status[i] = Some(ItemStatus::Failed(err.to_string()));
                                continue;
                            }
                        }
                    }
                    let ocf = ocf_ids.as_deref().unwrap_or_default();
                    self.retitle_datasource(path, ocf).await
                }
                Action::Delete => Err(
                    "deleting a whole data source is not supported; remove it in Alation".into(),
                ),
                Action::Orphan => continue,
            };
            self.status[i] = Some(match result {
                Ok(()) => ItemStatus::Applied,
                Err(message) => {
                    if item.action == Action::Create {
                        self.failed.push(path.clone());
                    }
                    ItemStatus::Failed(message)
                }
            });
        }
    }

    async fn create_datasource(
        &mut self,
        path: &[String],
        create_as: CreateDatasourceAs,
    ) -> Result<(), String> {
        let [service, database] = path else {
            return Err(format!("`{}` is not a data source path", path.join(".")));
        };
        let title = self
            .desired_object(ObjectKind::Datasource, path)
            .and_then(|o| o.fields.get(field::TITLE))
            .map(value_text)
            .unwrap_or_else(|| database.clone());
        let service_type = self
            .databases
            .get(path)
            .and_then(|d| d.service_type.as_deref());
        let new = NewDatasource {
            service,
            database,
            service_type,
            title,
        };
        let id = datasource::create(self.client, &new, create_as, &mut self.writes)
            .await
            .map_err(|e| e.to_string())?;
        self.ds_ids.insert(path.to_vec(), id);
        Ok(())
    }

    async fn retitle_datasource(&mut self, path: &[String], ocf: &[i64]) -> Result<(), String> {
        let id = self.ds_id(path)?;
        let title = self
            .desired_object(ObjectKind::Datasource, path)
            .and_then(|o| o.fields.get(field::TITLE))
            .map(value_text)
            .ok_or_else(|| "no desired title".to_string())?;
        self.writes += 1;
        self.client
            .set_datasource_title(id, ocf.contains(&id), &title)
            .await
            .map_err(|e| e.to_string())
    }

    /// Sends every `action` (Create or Update) item of `kind`, per data source, batched.
    async fn writes_of(&mut self, kind: ObjectKind, action: Action) {
        if self.stopped() {
            return;
        }
        // (data source id, upsert?) -> item indexes, in plan order.
        let mut groups: BTreeMap<(i64, bool), Vec<usize>> = BTreeMap::new();
        for (i, item) in self.items.iter().enumerate() {
            if item.address.kind != kind || item.action != action {
                continue;
            }
            if let Some(skip) = self.skip_reason(&item.address.path) {
                self.status[i] = Some(ItemStatus::Skipped(skip));
                continue;
            }
            match self.ds_id(&item.address.path[..item.address.path.len().min(2)]) {
                Ok(id) => {
                    let upsert =
                        action == Action::Create || payload::needs_upsert(kind, &item.changes);
                    groups.entry((id, upsert)).or_default().push(i);
                }
                Err(message) => self.status[i] = Some(ItemStatus::Failed(message)),
            }
        }
        for ((ds_id, upsert), indexes) in groups {
            let mode = if upsert {
                WriteMode::Upsert
            } else {
                WriteMode::Patch
            };
            match kind {
                ObjectKind::Schema => {
                    let batch = self.build(&indexes, ds_id, |key, item, after, _| {
                        Ok(if upsert {
                            payload::schema_upsert(key, after)
                        } else {
                            payload::schema_patch(key, &item.changes)
                        })
                    });
                    self.send(batch, MAX_SCHEMAS_PER_WRITE, |c, chunk| {
                        Box::pin(c.write_schemas(ds_id, mode, chunk))
                    })
                    .await;
                }
                ObjectKind::Table => {
                    let batch = self.build(&indexes, ds_id, |key, item, after, _| {
                        Ok(if upsert {
                            payload::table_upsert(key, after)
                        } else {
                            payload::table_patch(key, &item.changes)
                        })
                    });
                    self.send(batch, MAX_TABLES_PER_WRITE, |c, chunk| {
                        Box::pin(c.write_tables(ds_id, mode, chunk))
                    })
                    .await;
                }
                ObjectKind::Column => {
                    let batch = self.build(&indexes, ds_id, |key, item, after, resolve| {
                        if upsert {
                            payload::column_upsert(key, after, resolve)
                        } else {
                            payload::column_patch(key, &item.changes, after, resolve)
                        }
                    });
                    self.send(batch, MAX_COLUMNS_PER_WRITE, |c, chunk| {
                        Box::pin(c.write_columns(ds_id, mode, chunk))
                    })
                    .await;
                }
                ObjectKind::Datasource => {}
            }
        }
    }

    /// Builds the payloads of `indexes` from what each item leaves behind (the current
    /// object with the item's changes, [`after::item_after`]); an item whose payload
    /// cannot be built fails alone.
    fn build<T>(
        &mut self,
        indexes: &[usize],
        ds_id: i64,
        make: impl Fn(String, &PlanItem, &Object, &ResolveReference<'_>) -> Result<T, String>,
    ) -> Batch<T> {
        let ds_ids = &self.ds_ids;
        let resolve = |text: &str| resolve_reference(ds_ids, text);
        let mut batch = Batch::default();
        let mut failures = Vec::new();
        for &i in indexes {
            let item = &self.items[i];
            let after = after::item_after(self.current.get(&item.address).copied(), item);
            let key = object_key(ds_id, &item.address.path);
            match make(key, item, &after, &resolve) {
                Ok(payload) => {
                    batch.indexes.push(i);
                    batch.payloads.push(payload);
                }
                Err(message) => failures.push((i, message)),
            }
        }
        for (i, message) in failures {
            self.fail(i, message);
        }
        batch
    }

    /// Sends a batch in chunks of `cap` and records each item's outcome.
    ///
    /// A chunk refused because of its content ([`is_refusal`]) is split in halves that
    /// are sent again, until each refused item is alone and fails with its own answer;
    /// the rest are applied. Sending an item again is safe: a POST is a full-replace
    /// upsert and a PATCH sets fields, so a part a job did write is written again with
    /// the same values.
    async fn send<T: Clone>(
        &mut self,
        batch: Batch<T>,
        cap: usize,
        write: impl for<'c> Fn(
            &'c AlationClient,
            &'c [T],
        ) -> std::pin::Pin<
            Box<
                dyn std::future::Future<Output = Result<RdbmsJobOutcome, AlationError>> + Send + 'c,
            >,
        >,
    ) {
        let positions: Vec<usize> = (0..batch.indexes.len()).collect();
        for chunk in positions.chunks(cap) {
            let mut budget = MAX_ISOLATION_REQUESTS;
            let mut pending = vec![chunk.to_vec()];
            while let Some(group) = pending.pop() {
                if self.stopped() {
                    break;
                }
                let payloads: Vec<T> = group.iter().map(|&p| batch.payloads[p].clone()).collect();
                self.writes += 1;
                let result = write(self.client, &payloads).await;
                let outcome = match result {
                    Ok(_) => ItemStatus::Applied,
                    Err(err) if group.len() > 1 && is_refusal(&err) && budget >= 2 => {
                        budget -= 2;
                        let (first, second) = group.split_at(group.len() / 2);
                        pending.push(second.to_vec());
                        pending.push(first.to_vec());
                        continue;
                    }
                    Err(err) if group.len() > 1 && is_refusal(&err) => ItemStatus::Failed(format!(
                        "not written: a batch of {} was refused and the refused items could not be told apart within {MAX_ISOLATION_REQUESTS} requests; the last answer: {err}",
                        group.len()
                    )),
                    Err(err) => ItemStatus::Failed(err.to_string()),
                };
                for &p in &group {
                    let i = batch.indexes[p];
                    if let ItemStatus::Failed(message) = &outcome {
                        self.fail(i, message.clone());
                    } else {
                        self.status[i] = Some(outcome.clone());
                    }
                }
            }
        }
    }

    /// Deletes through the Virtual Data Source API, one upload per data source.
    ///
    /// The upload uses `remove_not_seen=true`, which removes every object of the data
    /// source that the upload does not list (reference §8, §9). So it lists what the
    /// data source holds once this apply is done ([`after::datasource_after`]): the
    /// objects read before planning, minus the deleted ones, with the creates and updates
    /// Alation confirmed above; anything left out would be deleted too, and anything
    /// else the plan does not show would be written. Each line carries the current value
    /// of every field the plan leaves alone, and `set_title_descs=false` leaves titles and
    /// descriptions (written by the PATCHes and POSTs above) untouched: a curated or
    /// ignored one survives. Only owned virtual data sources are uploaded to; the plan
    /// never deletes elsewhere, and an item that asks is refused.
    async fn deletes(&mut self) {
        let mut groups: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
        for (i, item) in self.items.iter().enumerate() {
            if item.action != Action::Delete || item.address.kind == ObjectKind::Datasource {
                continue;
            }
            let ds_path = item.address.path[..item.address.path.len().min(2)].to_vec();
            groups.entry(ds_path).or_default().push(i);
        }
        for (ds_path, indexes) in groups {
            if self.stopped() {
                break;
            }
            let result = self.upload_after(&ds_path).await;
            for i in indexes {
                self.status[i] = Some(match &result {
                    Ok(()) => ItemStatus::Applied,
                    Err(message) => ItemStatus::Failed(message.clone()),
                });
            }
        }
    }

    async fn upload_after(&mut self, ds_path: &[String]) -> Result<(), String> {
        if self.ownership.get(ds_path) != Some(&Ownership::Owned { deletable: true }) {
            return Err(format!(
                "`{}` is not an owned virtual data source: Alation offers no delete here",
                keys::reference_text(ds_path)
            ));
        }
        let ds_id = self.ds_id(ds_path)?;
        let applied: Vec<&PlanItem> = self
            .items
            .iter()
            .zip(&self.status)
            .filter(|(item, status)| {
                matches!(item.action, Action::Create | Action::Update)
                    && matches!(status, Some(ItemStatus::Applied))
            })
            .map(|(item, _)| item)
            .collect();
        let deleted: Vec<&Address> = self
            .items
            .iter()
            .filter(|item| item.action == Action::Delete)
            .map(|item| &item.address)
            .collect();
        let after = after::datasource_after(ds_path, self.current_objects, &applied, &deleted);
        let lines: Vec<_> = after
            .iter()
            .map(|o| payload::vds_object(object_key(ds_id, &o.address.path), o))
            .collect();
        self.writes += 1;
        self.client
            .upload_virtual_datasource(ds_id, &lines, false, true)
            .await
            .map_err(|e| e.to_string())?;
        self.restore_key_flags(ds_id, &after).await
    }

    /// Sets the index object (key flags, `isOtherIndex`) of the data source's columns
    /// that have one again after an upload.
    ///
    /// A column line of the upload has no index fields (reference §9) and may reset them
    /// (UNVERIFIED; the sandbox does). Re-sending them with PATCH is harmless if it did
    /// not, so the result converges either way.
    async fn restore_key_flags(&mut self, ds_id: i64, after: &[Object]) -> Result<(), String> {
        let ds_ids = &self.ds_ids;
        let resolve = |text: &str| resolve_reference(ds_ids, text);
        let mut patches = Vec::new();
        for object in after.iter().filter(|o| {
            o.address.kind == ObjectKind::Column
                && (o.fields.contains_key(field::PRIMARY_KEY)
                    || o.fields.contains_key(field::FOREIGN_KEY)
                    || unmanaged::is_other_index(o).is_some())
        }) {
            let key = object_key(ds_id, &object.address.path);
            patches.push(payload::column_key_flags(key, object, &resolve)?);
        }
        for chunk in patches.chunks(MAX_COLUMNS_PER_WRITE) {
            self.writes += 1;
            self.client
                .write_columns(ds_id, WriteMode::Patch, chunk)
                .await
                .map_err(|e| format!("objects deleted, but restoring key flags failed: {e}"))?;
        }
        Ok(())
    }

    fn fail(&mut self, i: usize, message: String) {
        if self.items[i].action == Action::Create {
            self.failed.push(self.items[i].address.path.clone());
        }
        self.status[i] = Some(ItemStatus::Failed(message));
    }

    fn skip_reason(&self, path: &[String]) -> Option<String> {
        self.failed
            .iter()
            .find(|f| path.len() > f.len() && path.starts_with(f))
            .map(|f| format!("parent failed: `{}`", keys::reference_text(f)))
    }

    fn ds_id(&self, ds_path: &[String]) -> Result<i64, String> {
        self.ds_ids.get(ds_path).copied().ok_or_else(|| {
            format!(
                "data source `{}` has no Alation id (not created?)",
                keys::reference_text(ds_path)
            )
        })
    }

    fn desired_object(&self, kind: ObjectKind, path: &[String]) -> Option<&Object> {
        self.desired
            .get(&Address {
                kind,
                path: path.to_vec(),
            })
            .copied()
    }
}

/// The Alation key of the object at `path` (`[service, database, schema, ...]`).
fn object_key(ds_id: i64, path: &[String]) -> String {
    match path {
        [_, _, schema] => keys::schema_key(ds_id, schema),
        [_, _, schema, table] => keys::table_key(ds_id, schema, table),
        [_, _, schema, table, column, ..] => keys::column_key(ds_id, schema, table, column),
        _ => ds_id.to_string(),
    }
}

/// Whether Alation refused a write because of what it carries, so that the items
/// sent without the refused one may succeed: a 400, 413 or 422 answer, or a job that
/// reported errors for some objects. Transport failures, server errors, auth and a
/// failed job are the whole request's.
fn is_refusal(err: &AlationError) -> bool {
    match err {
        AlationError::Http(HttpError::Status { status, .. }) => {
            matches!(status, 400 | 413 | 422)
        }
        AlationError::ObjectErrors { .. } => true,
        _ => false,
    }
}

/// A foreign key's reference text -> the referenced column's key. A reference read
/// from Alation outside the data sources in scope ([`mapping::OUTSIDE_REFERENCE`]) is
/// written back as the key it was read as.
fn resolve_reference(ds_ids: &HashMap<Vec<String>, i64>, text: &str) -> Result<String, String> {
    if let Some(key) = text.strip_prefix(mapping::OUTSIDE_REFERENCE) {
        return Ok(key.to_string());
    }
    let path = keys::parse_reference(text)
        .filter(|p| p.len() == 5)
        .ok_or_else(|| format!("foreign key reference `{text}` is not a column address"))?;
    let ds_id = ds_ids.get(&path[..2]).ok_or_else(|| {
        format!(
            "foreign key references `{text}`, whose data source is not in Alation; \
             include its database in scope"
        )
    })?;
    Ok(keys::column_key(*ds_id, &path[2], &path[3], &path[4]))
}
