//! Schemas, tables and columns: paged reads, POST/PATCH writes and the Virtual Data
//! Source upload (shared/reference/alation-api.md §5, §6, §9).

use reqwest::Method;
use serde::Serialize;

use super::jobs::RdbmsJobOutcome;
use super::wire::{
    ColumnItem, ColumnWrite, JobHandle, SchemaItem, SchemaWrite, TableItem, TableWrite, VdsObject,
};
use super::{AlationClient, AlationError, Body};
use crate::http::Idempotency;

/// Alation's hard caps on objects per POST/PATCH (§5).
pub const MAX_SCHEMAS_PER_WRITE: usize = 1000;
/// See [`MAX_SCHEMAS_PER_WRITE`].
pub const MAX_TABLES_PER_WRITE: usize = 1000;
/// See [`MAX_SCHEMAS_PER_WRITE`].
pub const MAX_COLUMNS_PER_WRITE: usize = 10_000;

/// Whether a Relational Integration write creates (POST) or updates (PATCH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// `POST`: a full-replace upsert by key; fields left out are reset to defaults, so
    /// every item must be complete. Repeating it writes the same values again.
    Upsert,
    /// `PATCH` (Alation 2025.3+): sets the given fields of the objects named by key.
    /// Repeating it sets the same values again.
    Patch,
}

impl WriteMode {
    fn method(self) -> Method {
        match self {
            WriteMode::Upsert => Method::POST,
            WriteMode::Patch => Method::PATCH,
        }
    }
}

impl AlationClient {
    /// Every schema of data source `ds_id`.
    pub async fn schemas(&self, ds_id: i64) -> Result<Vec<SchemaItem>, AlationError> {
        self.get_all_windowed(&format!("/integration/v2/schema/?ds_id={ds_id}"))
            .await
    }

    /// Every table of data source `ds_id`.
    pub async fn tables(&self, ds_id: i64) -> Result<Vec<TableItem>, AlationError> {
        self.get_all_windowed(&format!("/integration/v2/table/?ds_id={ds_id}"))
            .await
    }

    /// Every column of data source `ds_id`.
    pub async fn columns(&self, ds_id: i64) -> Result<Vec<ColumnItem>, AlationError> {
        self.columns_mapped(ds_id, Some).await
    }

    /// Every column of data source `ds_id`, each turned by `map` as its page arrives (so
    /// that the columns are never all held as read); those mapped to `None` left out.
    pub async fn columns_mapped<U, F>(&self, ds_id: i64, map: F) -> Result<Vec<U>, AlationError>
    where
        U: Send + 'static,
        F: Fn(ColumnItem) -> Option<U> + Send + Sync + 'static,
    {
        self.get_all_windowed_map(&format!("/integration/v2/column/?ds_id={ds_id}"), map)
            .await
    }

    /// Writes schemas (at most [`MAX_SCHEMAS_PER_WRITE`]) and waits for the job.
    pub async fn write_schemas(
        &self,
        ds_id: i64,
        mode: WriteMode,
        items: &[SchemaWrite],
    ) -> Result<RdbmsJobOutcome, AlationError> {
        self.write_rdbms("schema", ds_id, mode, items, MAX_SCHEMAS_PER_WRITE)
            .await
    }

    /// Writes tables (at most [`MAX_TABLES_PER_WRITE`]) and waits for the job.
    pub async fn write_tables(
        &self,
        ds_id: i64,
        mode: WriteMode,
        items: &[TableWrite],
    ) -> Result<RdbmsJobOutcome, AlationError> {
        self.write_rdbms("table", ds_id, mode, items, MAX_TABLES_PER_WRITE)
            .await
    }

    /// Writes columns (at most [`MAX_COLUMNS_PER_WRITE`]) and waits for the job.
    pub async fn write_columns(
        &self,
        ds_id: i64,
        mode: WriteMode,
        items: &[ColumnWrite],
    ) -> Result<RdbmsJobOutcome, AlationError> {
        self.write_rdbms("column", ds_id, mode, items, MAX_COLUMNS_PER_WRITE)
            .await
    }

    async fn write_rdbms<T: Serialize>(
        &self,
        kind: &str,
        ds_id: i64,
        mode: WriteMode,
        items: &[T],
        cap: usize,
    ) -> Result<RdbmsJobOutcome, AlationError> {
        let method = mode.method();
        let path = format!("/integration/v2/{kind}/?ds_id={ds_id}");
        let endpoint = format!("{method} /integration/v2/{kind}/");
        if items.len() > cap {
            return Err(AlationError::Protocol {
                endpoint,
                message: format!(
                    "{} objects exceed the limit of {cap} per request",
                    items.len()
                ),
            });
        }
        let body = serde_json::to_vec(items).map_err(|e| AlationError::decode(&endpoint, e))?;
        // Safe to repeat (see `WriteMode`): a POST is a full-replace upsert by key and a
        // PATCH sets the given fields, so a second delivery writes the same values.
        let handle: JobHandle = self
            .write_json(method, &path, Idempotency::Repeatable, Body::Json(body))
            .await?;
        self.finish_rdbms_job(&endpoint, handle).await
    }

    /// Uploads the complete technical metadata of virtual data source `ds_id` (§9),
    /// parents before children, and waits for the job. With `set_title_descs`, the
    /// titles and descriptions of the lines are written; without, they are left as they
    /// are. With `remove_not_seen`, every object of the data source that is not in
    /// `objects` is removed.
    pub async fn upload_virtual_datasource(
        &self,
        ds_id: i64,
        objects: &[VdsObject],
        set_title_descs: bool,
        remove_not_seen: bool,
    ) -> Result<(), AlationError> {
        let path = format!(
            "/api/v1/bulk_metadata/extraction/{ds_id}?set_title_descs={set_title_descs}&remove_not_seen={remove_not_seen}"
        );
        let endpoint = "POST /api/v1/bulk_metadata/extraction/".to_string();
        let mut body = Vec::new();
        for (i, object) in objects.iter().enumerate() {
            if i > 0 {
                body.push(b'\n');
            }
            serde_json::to_writer(&mut body, object)
                .map_err(|e| AlationError::decode(&endpoint, e))?;
        }
        // Safe to repeat: the upload declares the whole content the data source is to
        // have, so a second delivery leaves it in the same state.
        let handle: JobHandle = self
            .write_json(
                Method::POST,
                &path,
                Idempotency::Repeatable,
                Body::JsonLines(body),
            )
            .await?;
        self.finish_vds_job(&endpoint, handle).await
    }
}
