//! Writing batches of plan items to Alation, for the apply engine ([`crate::apply`]).
//!
//! Creates are POSTs of the complete object; updates are PATCHes of the changed fields
//! keyed by `key` (a column type change is a complete POST, see
//! [`payload::needs_upsert`], so the two go in separate batches). A write never changes
//! a field the plan does not show as changing: complete payloads are built from the
//! current state read before planning with the item's changes on top ([`after`]), so
//! an ignored or unchanged field keeps its current value, and a field metaform does not
//! manage keeps the value read ([`unmanaged`]). Every job is polled to its end.
//!
//! A batch refused because of its content (HTTP 400, 413 or 422, or a job reporting
//! per-object errors) is answered [`BatchOutcome::Refused`], which the engine sends again
//! in halves; any other failure (transport, server error, a failed job) is the whole
//! batch's. Data sources are created one at a time, their ids learnt for what follows.

use std::collections::HashMap;

use crate::api::alation::wire::ColumnWrite;
use crate::api::alation::{
    AlationClient, AlationError, MAX_COLUMNS_PER_WRITE, RdbmsJobOutcome, WriteMode,
};
use crate::core::model::{Catalog, Database};
use crate::core::objects::{Address, Object, ObjectKind};
use crate::core::plan::{Action, CurrentState, Ownership, PlanItem};
use crate::http::HttpError;
use crate::target::{Batch, BatchOutcome, ItemStatus, Writer};

use super::after;
use super::datasource::{self, NewDatasource};
use super::mapping::{self, field};
use super::payload::{self, value_text};
use super::unmanaged;
use super::{CreateDatasourceAs, keys};

/// Writes one apply's batches to Alation; learns the ids of the data sources it creates.
pub struct AlationWriter<'a> {
    client: &'a AlationClient,
    create_as: CreateDatasourceAs,
    source_kind: &'a str,
    desired: HashMap<Address, Object>,
    /// What Alation held when the plan was made, by address.
    current: HashMap<&'a Address, &'a Object>,
    current_objects: &'a [Object],
    databases: HashMap<Vec<String>, &'a Database>,
    /// Data source path -> Alation id (known or just created).
    ds_ids: HashMap<Vec<String>, i64>,
    /// Data source paths whose objects may be deleted (owned virtual data sources).
    deletable: Vec<Vec<String>>,
    /// Ids of the OCF data sources, listed once when a data source is retitled.
    ocf_ids: Option<Vec<i64>>,
    writes: usize,
}

impl<'a> AlationWriter<'a> {
    /// A writer for a plan made from `catalog` against `current`.
    pub fn new(
        client: &'a AlationClient,
        create_as: CreateDatasourceAs,
        source_kind: &'a str,
        catalog: &'a Catalog,
        current: &'a CurrentState,
    ) -> Self {
        let mut writer = AlationWriter {
            client,
            create_as,
            source_kind,
            desired: mapping::desired_datasource_objects(catalog)
                .into_iter()
                .map(|o| (o.address.clone(), o))
                .collect(),
            current: current.objects.iter().map(|o| (&o.address, o)).collect(),
            current_objects: &current.objects,
            databases: catalog
                .databases
                .iter()
                .map(|d| (vec![d.service.clone(), d.name.clone()], d))
                .collect(),
            ds_ids: HashMap::new(),
            deletable: Vec::new(),
            ocf_ids: None,
            writes: 0,
        };
        for binding in &current.datasources {
            if binding.ownership == Ownership::Owned && binding.cannot_delete.is_none() {
                writer.deletable.push(binding.address.path.clone());
            }
            if let Some(id) = binding.target_id.as_deref().and_then(|id| id.parse().ok()) {
                writer.ds_ids.insert(binding.address.path.clone(), id);
            }
        }
        writer
    }
}

impl Writer for AlationWriter<'_> {
    fn prepare(&mut self, item: &PlanItem) -> Result<(), String> {
        match item.address.kind {
            ObjectKind::Datasource => Ok(()),
            ObjectKind::Column if item.action != Action::Delete => {
                // Only a column's payload can fail to build (a foreign key whose data
                // source is not in Alation): it fails alone, before any batch.
                let ds_id = self.ds_id(ds_path(&item.address))?;
                self.column_payload(ds_id, item).map(|_| ())
            }
            _ => self.ds_id(ds_path(&item.address)).map(|_| ()),
        }
    }

    /// Complete writes (creates, column type changes) apart from partial ones
    /// (PATCHes); deletes of one data source all go in its one upload.
    fn batch_key(&self, item: &PlanItem) -> u8 {
        match item.action {
            Action::Create => 1,
            Action::Update => u8::from(payload::needs_upsert(item.address.kind, &item.changes)),
            _ => 0,
        }
    }

    async fn write(&mut self, batch: Batch<'_>) -> BatchOutcome {
        match (batch.action, batch.kind) {
            (Action::Delete, _) => self.deletes(&batch).await,
            (_, Some(ObjectKind::Datasource)) => self.datasources(&batch).await,
            (action, Some(kind)) => self.objects(action, kind, batch.items).await,
            (_, None) => BatchOutcome::Failed("a batch of no one kind".into()),
        }
    }

    fn write_requests(&self) -> usize {
        self.writes
    }
}

impl AlationWriter<'_> {
    /// Creates or retitles data sources, one after another.
    async fn datasources(&mut self, batch: &Batch<'_>) -> BatchOutcome {
        let mut statuses = Vec::with_capacity(batch.items.len());
        for item in batch.items {
            let path = &item.address.path;
            let result = match item.action {
                Action::Create if self.ds_ids.contains_key(path) => {
                    // Never a second data source for one database.
                    statuses.push(ItemStatus::NoWrite(format!(
                        "data source already exists (id {})",
                        self.ds_ids[path]
                    )));
                    continue;
                }
                Action::Create => self.create_datasource(path).await,
                _ => self.retitle_datasource(path).await,
            };
            statuses.push(match result {
                Ok(()) => ItemStatus::Applied,
                Err(message) => ItemStatus::Failed(message),
            });
        }
        BatchOutcome::Each(statuses)
    }

    async fn create_datasource(&mut self, path: &[String]) -> Result<(), String> {
        let [service, database] = path else {
            return Err(format!("`{}` is not a data source path", path.join(".")));
        };
        let title = self.desired_title(path).unwrap_or_else(|| database.clone());
        let service_type = self
            .databases
            .get(path)
            .and_then(|d| d.service_type.as_deref());
        let new = NewDatasource {
            source_kind: self.source_kind,
            service,
            database,
            service_type,
            title,
        };
        let id = datasource::create(self.client, &new, self.create_as, &mut self.writes)
            .await
            .map_err(|e| e.to_string())?;
        self.ds_ids.insert(path.to_vec(), id);
        Ok(())
    }

    async fn retitle_datasource(&mut self, path: &[String]) -> Result<(), String> {
        if self.ocf_ids.is_none() {
            let list = self
                .client
                .ocf_datasources()
                .await
                .map_err(|e| e.to_string())?;
            self.ocf_ids = Some(list.iter().map(|d| d.id).collect());
        }
        let id = self.ds_id(path)?;
        let title = self
            .desired_title(path)
            .ok_or_else(|| "no desired title".to_string())?;
        let ocf = self.ocf_ids.as_deref().unwrap_or_default().contains(&id);
        self.writes += 1;
        self.client
            .set_datasource_title(id, ocf, &title)
            .await
            .map_err(|e| e.to_string())
    }

    /// One request of schemas, tables or columns of one data source.
    async fn objects(
        &mut self,
        action: Action,
        kind: ObjectKind,
        items: &[&PlanItem],
    ) -> BatchOutcome {
        let Some(first) = items.first() else {
            return BatchOutcome::Each(Vec::new());
        };
        let ds_id = match self.ds_id(ds_path(&first.address)) {
            Ok(id) => id,
            Err(message) => return BatchOutcome::Failed(message),
        };
        let upsert = action == Action::Create || payload::needs_upsert(kind, &first.changes);
        let mode = if upsert {
            WriteMode::Upsert
        } else {
            WriteMode::Patch
        };
        let result = match kind {
            ObjectKind::Schema => {
                let payloads = self.build(items, ds_id, |key, item, after| {
                    if upsert {
                        payload::schema_upsert(key, after)
                    } else {
                        payload::schema_patch(key, &item.changes)
                    }
                });
                self.sent(self.client.write_schemas(ds_id, mode, &payloads).await)
            }
            ObjectKind::Table => {
                let payloads = self.build(items, ds_id, |key, item, after| {
                    if upsert {
                        payload::table_upsert(key, after)
                    } else {
                        payload::table_patch(key, &item.changes)
                    }
                });
                self.sent(self.client.write_tables(ds_id, mode, &payloads).await)
            }
            ObjectKind::Column => {
                let payloads: Result<Vec<_>, String> = items
                    .iter()
                    .map(|item| self.column_payload(ds_id, item))
                    .collect();
                match payloads {
                    Ok(payloads) => {
                        self.sent(self.client.write_columns(ds_id, mode, &payloads).await)
                    }
                    Err(message) => return BatchOutcome::Failed(message),
                }
            }
            ObjectKind::Datasource => return BatchOutcome::Failed("not an object batch".into()),
        };
        match result {
            Ok(()) => BatchOutcome::applied(items.len()),
            Err(err) if is_refusal(&err) => BatchOutcome::Refused(err.to_string()),
            Err(err) => BatchOutcome::Failed(err.to_string()),
        }
    }

    /// Counts one write request and drops the job's outcome.
    fn sent(&mut self, result: Result<RdbmsJobOutcome, AlationError>) -> Result<(), AlationError> {
        self.writes += 1;
        result.map(|_| ())
    }

    /// The payloads of `items`, each built from what the item leaves behind (the current
    /// object with the item's changes, [`after::item_after`]).
    fn build<T>(
        &self,
        items: &[&PlanItem],
        ds_id: i64,
        make: impl Fn(String, &PlanItem, &Object) -> T,
    ) -> Vec<T> {
        items
            .iter()
            .map(|item| {
                let after = after::item_after(self.current.get(&item.address).copied(), item);
                make(object_key(ds_id, &item.address.path), item, &after)
            })
            .collect()
    }

    /// A column's payload: complete for a create or a type change, else its changes.
    fn column_payload(&self, ds_id: i64, item: &PlanItem) -> Result<ColumnWrite, String> {
        let ds_ids = &self.ds_ids;
        let resolve = |text: &str| resolve_reference(ds_ids, text);
        let after = after::item_after(self.current.get(&item.address).copied(), item);
        let key = object_key(ds_id, &item.address.path);
        if self.batch_key(item) == 1 {
            payload::column_upsert(key, &after, &resolve)
        } else {
            payload::column_patch(key, &item.changes, &after, &resolve)
        }
    }

    /// Deletes through the Virtual Data Source API, one upload for the batch's data
    /// source.
    ///
    /// The upload uses `remove_not_seen=true`, which removes every object of the data
    /// source that the upload does not list (reference §8, §9). So it lists what the
    /// data source holds once this apply is done ([`after::datasource_after`]): the
    /// objects read before planning, minus the deleted ones, with the creates and updates
    /// Alation confirmed before; anything left out would be deleted too, and anything
    /// else the plan does not show would be written. Each line carries the current value
    /// of every field the plan leaves alone, and `set_title_descs=false` leaves titles and
    /// descriptions (written by the PATCHes and POSTs before) untouched: a curated or
    /// ignored one survives. Only owned virtual data sources are uploaded to; the plan
    /// never deletes elsewhere, and a batch that asks is refused.
    async fn deletes(&mut self, batch: &Batch<'_>) -> BatchOutcome {
        let Some(first) = batch.items.first() else {
            return BatchOutcome::Each(Vec::new());
        };
        if batch
            .items
            .iter()
            .any(|i| i.address.kind == ObjectKind::Datasource)
        {
            return BatchOutcome::Failed(
                "deleting a whole data source is not supported; remove it in Alation".into(),
            );
        }
        let ds_path = ds_path(&first.address).to_vec();
        match self.upload_after(&ds_path, batch).await {
            Ok(()) => BatchOutcome::applied(batch.items.len()),
            Err(message) => BatchOutcome::Failed(message),
        }
    }

    async fn upload_after(&mut self, ds_path: &[String], batch: &Batch<'_>) -> Result<(), String> {
        if !self.deletable.iter().any(|p| p == ds_path) {
            return Err(format!(
                "`{}` is not an owned virtual data source: Alation offers no delete here",
                keys::reference_text(ds_path)
            ));
        }
        let ds_id = self.ds_id(ds_path)?;
        let deleted: Vec<&Address> = batch.items.iter().map(|item| &item.address).collect();
        let after = after::datasource_after(ds_path, self.current_objects, batch.applied, &deleted);
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

    fn ds_id(&self, ds_path: &[String]) -> Result<i64, String> {
        self.ds_ids.get(ds_path).copied().ok_or_else(|| {
            format!(
                "data source `{}` has no Alation id (not created?)",
                keys::reference_text(ds_path)
            )
        })
    }

    fn desired_title(&self, path: &[String]) -> Option<String> {
        self.desired
            .get(&Address {
                kind: ObjectKind::Datasource,
                path: path.to_vec(),
            })
            .and_then(|o| o.fields.get(field::TITLE))
            .map(value_text)
    }
}

/// The `[service, database]` part of an object's address.
fn ds_path(address: &Address) -> &[String] {
    &address.path[..address.path.len().min(2)]
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
