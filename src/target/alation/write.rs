//! Executing plan items against Alation.
//!
//! Order (SPEC §6): data sources first (their ids are learnt on creation), then
//! schemas, tables and columns, creates before updates at each level, deletes last.
//! Creates are POSTs of the complete desired object; updates are PATCHes of the changed
//! fields keyed by `key` (a column type change is a complete POST, see
//! [`payload::needs_upsert`]). Batches respect Alation's caps (1,000 schemas, 1,000
//! tables, 10,000 columns per request) and every job is polled to its end.
//!
//! A failure does not stop the run: the items of a failed batch are reported failed
//! with the job's message, the items under a failed create are skipped, and everything
//! else goes on; running plan and apply again converges.
//!
//! A raised `stop` flag (SIGINT or SIGTERM) starts no new write request: the one in
//! flight ends (its job polled to its end or its timeout), and every item not reached
//! is reported not started.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::api::alation::{
    AlationClient, AlationError, MAX_COLUMNS_PER_WRITE, MAX_SCHEMAS_PER_WRITE,
    MAX_TABLES_PER_WRITE, WriteMode,
};
use crate::core::model::{Catalog, Database};
use crate::core::objects::{Address, Object, ObjectKind};
use crate::core::plan::{Action, DatasourceBinding, Ownership, PlanItem};

use super::datasource::{self, NewDatasource};
use super::mapping::{self, field};
use super::payload::{self, ResolveReference, value_text};
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

/// Executes `items` in Alation. `catalog` is the desired catalog the plan was made
/// from and `bindings` the data sources [`super::read_current`] found. Once `stop` is
/// raised, no new write request starts.
pub async fn apply(
    client: &AlationClient,
    items: &[PlanItem],
    catalog: &Catalog,
    bindings: &[DatasourceBinding],
    create_as: CreateDatasourceAs,
    stop: &AtomicBool,
) -> ApplyReport {
    let desired = mapping::desired_objects(catalog);
    let mut run = Run {
        client,
        items,
        desired: desired.iter().map(|o| (&o.address, o)).collect(),
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
    for binding in bindings {
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
    run.deletes(&desired).await;
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
                    let batch = self.build(&indexes, ds_id, upsert, |key, item, object, _| {
                        Ok(match (upsert, object) {
                            (true, Some(o)) => payload::schema_upsert(key, o),
                            _ => payload::schema_patch(key, &item.changes),
                        })
                    });
                    self.send(batch, MAX_SCHEMAS_PER_WRITE, action, |c, chunk| {
                        Box::pin(c.write_schemas(ds_id, mode, chunk))
                    })
                    .await;
                }
                ObjectKind::Table => {
                    let batch = self.build(&indexes, ds_id, upsert, |key, item, object, _| {
                        Ok(match (upsert, object) {
                            (true, Some(o)) => payload::table_upsert(key, o),
                            _ => payload::table_patch(key, &item.changes),
                        })
                    });
                    self.send(batch, MAX_TABLES_PER_WRITE, action, |c, chunk| {
                        Box::pin(c.write_tables(ds_id, mode, chunk))
                    })
                    .await;
                }
                ObjectKind::Column => {
                    let batch =
                        self.build(&indexes, ds_id, upsert, |key, item, object, resolve| {
                            let object = object.ok_or("no desired column to write")?;
                            if upsert {
                                payload::column_upsert(key, object, resolve)
                            } else {
                                payload::column_patch(key, &item.changes, object, resolve)
                            }
                        });
                    self.send(batch, MAX_COLUMNS_PER_WRITE, action, |c, chunk| {
                        Box::pin(c.write_columns(ds_id, mode, chunk))
                    })
                    .await;
                }
                ObjectKind::Datasource => {}
            }
        }
    }

    /// Builds the payloads of `indexes`; an item whose payload cannot be built fails alone.
    fn build<T>(
        &mut self,
        indexes: &[usize],
        ds_id: i64,
        upsert: bool,
        make: impl Fn(String, &PlanItem, Option<&Object>, &ResolveReference<'_>) -> Result<T, String>,
    ) -> Batch<T> {
        let ds_ids = &self.ds_ids;
        let resolve = |text: &str| resolve_reference(ds_ids, text);
        let mut batch = Batch::default();
        let mut failures = Vec::new();
        for &i in indexes {
            let item = &self.items[i];
            let object = self.desired.get(&item.address).copied();
            if upsert && object.is_none() {
                failures.push((i, "no desired object to write".to_string()));
                continue;
            }
            let key = object_key(ds_id, &item.address.path);
            match make(key, item, object, &resolve) {
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
    async fn send<T, O>(
        &mut self,
        batch: Batch<T>,
        cap: usize,
        action: Action,
        write: impl for<'c> Fn(
            &'c AlationClient,
            &'c [T],
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<O, AlationError>> + Send + 'c>,
        >,
    ) {
        for (indexes, payloads) in batch.indexes.chunks(cap).zip(batch.payloads.chunks(cap)) {
            if self.stopped() {
                break;
            }
            self.writes += 1;
            let result = write(self.client, payloads).await;
            for &i in indexes {
                match &result {
                    Ok(_) => self.status[i] = Some(ItemStatus::Applied),
                    Err(err) => {
                        if action == Action::Create {
                            self.failed.push(self.items[i].address.path.clone());
                        }
                        self.status[i] = Some(ItemStatus::Failed(err.to_string()));
                    }
                }
            }
        }
    }

    /// Deletes through the Virtual Data Source API, one upload per data source.
    ///
    /// The upload uses `remove_not_seen=true`, which removes every object of the data
    /// source that the upload does not list (reference §8, §9). So it must list the
    /// complete desired content of the data source, never only the survivors near the
    /// deleted objects: anything left out would be deleted too. With
    /// `set_title_descs=true` the titles and descriptions in it are the desired ones,
    /// so it cannot revert what the writes above set. Only owned virtual data sources
    /// are uploaded to; the plan never deletes elsewhere, and an item that asks is
    /// refused.
    async fn deletes(&mut self, desired: &[Object]) {
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
            let result = self.upload_desired(&ds_path, desired).await;
            for i in indexes {
                self.status[i] = Some(match &result {
                    Ok(()) => ItemStatus::Applied,
                    Err(message) => ItemStatus::Failed(message.clone()),
                });
            }
        }
    }

    async fn upload_desired(
        &mut self,
        ds_path: &[String],
        desired: &[Object],
    ) -> Result<(), String> {
        if self.ownership.get(ds_path) != Some(&Ownership::Owned { deletable: true }) {
            return Err(format!(
                "`{}` is not an owned virtual data source: Alation offers no delete here",
                keys::reference_text(ds_path)
            ));
        }
        let ds_id = self.ds_id(ds_path)?;
        // Parents come before children in `desired`, as the upload requires.
        let objects: Vec<_> = desired
            .iter()
            .filter(|o| o.address.kind != ObjectKind::Datasource)
            .filter(|o| o.address.path.starts_with(ds_path))
            .map(|o| payload::vds_object(object_key(ds_id, &o.address.path), o))
            .collect();
        self.writes += 1;
        self.client
            .upload_virtual_datasource(ds_id, &objects, true)
            .await
            .map_err(|e| e.to_string())?;
        self.restore_key_flags(ds_path, ds_id, desired).await
    }

    /// Sets the key flags of the data source's key columns again after an upload.
    ///
    /// A column line of the upload has no key flags (reference §9) and may reset them
    /// (UNVERIFIED; the sandbox does). Re-sending them with PATCH is harmless if it did
    /// not, so the result converges either way.
    async fn restore_key_flags(
        &mut self,
        ds_path: &[String],
        ds_id: i64,
        desired: &[Object],
    ) -> Result<(), String> {
        let ds_ids = &self.ds_ids;
        let resolve = |text: &str| resolve_reference(ds_ids, text);
        let mut patches = Vec::new();
        for object in desired.iter().filter(|o| {
            o.address.kind == ObjectKind::Column
                && o.address.path.starts_with(ds_path)
                && (o.fields.contains_key(field::PRIMARY_KEY)
                    || o.fields.contains_key(field::FOREIGN_KEY))
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

/// A foreign key's reference text -> the referenced column's key.
fn resolve_reference(ds_ids: &HashMap<Vec<String>, i64>, text: &str) -> Result<String, String> {
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
