//! The Virtual Data Source API: `POST /api/v1/bulk_metadata/extraction/<ds_id>`
//! (shared/reference/alation-api.md §9).
//!
//! The body is JSON Lines, parents before children. A line is an index if it has
//! `index_type`, a column if it has `column_type`, a table if it has `table_type`, and a
//! schema otherwise. Technical fields of existing objects are replaced (a column's
//! index flags included); titles and descriptions change only with
//! `set_title_descs=true`. Fields a line has no place for (custom fields, a schema's
//! `db_comment`, partitions, `base_table_key`, `table_type_name`) are left alone
//! (UNVERIFIED: custom fields are catalog metadata, not the technical metadata an
//! extraction replaces). Indexes are not stored as
//! objects: they set the index flags of the columns they name (PRIMARY → primary key,
//! `is_foreign_key` → foreign key with `referencedColumnId` from
//! `foreign_key_table_name` + column, others → other index). Bad lines go to
//! `error_objects` and the job still succeeds (§9). Choices on UNVERIFIED points:
//! `remove_not_seen=true` deletes every schema, table and column of the data source not
//! named in the upload (hard delete); only virtual data sources accept uploads (400
//! `{"error": …}` otherwise, the shape of the documented bad-id answer).

use std::collections::BTreeSet;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::app::App;
use super::auth::authenticate_writer;
use super::clock::{self, Clock};
use super::errors::{ApiError, ApiResult};
use super::index::Parent;
use super::jobs::{self, Outcome};
use super::keys::{Kind, ObjectKey};
use super::request::{query_flag, query_pairs};
use super::state::AlationState;

/// What one upload asks for.
struct Upload {
    ds_id: u64,
    set_title_descs: bool,
    remove_not_seen: bool,
}

/// Ids named by an upload, per kind.
#[derive(Default)]
struct Seen {
    schemas: BTreeSet<u64>,
    tables: BTreeSet<u64>,
    columns: BTreeSet<u64>,
}

/// `POST /api/v1/bulk_metadata/extraction/<ds_id>?set_title_descs=&remove_not_seen=`.
pub(super) async fn upload(
    State(app): State<App>,
    headers: HeaderMap,
    Path(ds): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let pairs = query_pairs(raw.as_deref());
    let mut state = app.state.write();
    authenticate_writer(&state, &headers, app.now())?;
    let source = ds
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|id| state.datasources.get(&id));
    let Some(source) = source else {
        return Err(vds_error("Cannot find Datasource"));
    };
    if !source.is_virtual {
        return Err(vds_error(&format!(
            "Data source {} is not a virtual data source",
            source.id
        )));
    }
    let upload = Upload {
        ds_id: source.id,
        set_title_descs: query_flag(&pairs, "set_title_descs"),
        remove_not_seen: query_flag(&pairs, "remove_not_seen"),
    };
    let text = String::from_utf8_lossy(&body);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let started = app.now();
    let job_id = jobs::next_job_id(&mut state);
    let name = format!(
        "MetadataExtraction#{}_{}-{job_id}",
        upload.ds_id,
        clock::iso(started).replace([':', '.'], "-")
    );
    let outcome = if jobs::should_fail(&app.options, job_id) {
        let report = json!({
            "number_received": lines.len(),
            "updated_objects": 0,
            "error_objects": [],
            "error": "Extraction aborted (injected failure); nothing was written.",
        });
        Outcome {
            succeeded: false,
            msg: format!(
                "Job failed. {}",
                jobs::finished_msg(&app.options.clock, started)
            ),
            result: Value::String(report.to_string()),
        }
    } else {
        apply(&mut state, &upload, &lines, &app.options.clock, started)
    };
    jobs::record(&mut state, job_id, Some(name.clone()), outcome);
    Ok((StatusCode::ACCEPTED, Json(json!({"job_name": name}))))
}

fn vds_error(message: &str) -> ApiError {
    ApiError::with_body(StatusCode::BAD_REQUEST, json!({"error": message}))
}

fn apply(
    state: &mut AlationState,
    upload: &Upload,
    lines: &[&str],
    clock: &Clock,
    started: i64,
) -> Outcome {
    let mut seen = Seen::default();
    let mut errors = Vec::new();
    let mut updated = 0usize;
    for (n, line) in lines.iter().enumerate() {
        match apply_line(state, upload, line, &mut seen) {
            Ok(()) => updated += 1,
            Err(e) => errors.push(Value::String(format!("Line {n}. {e}"))),
        }
    }
    if upload.remove_not_seen {
        remove_not_seen(state, upload.ds_id, &seen);
    }
    let error = (!errors.is_empty()).then(|| format!("{} errors were ignored", errors.len()));
    let report = json!({
        "number_received": lines.len(),
        "updated_objects": updated,
        "error_objects": errors,
        "error": error,
    });
    Outcome {
        succeeded: true,
        msg: jobs::finished_msg(clock, started),
        result: Value::String(report.to_string()),
    }
}

fn apply_line(
    state: &mut AlationState,
    upload: &Upload,
    line: &str,
    seen: &mut Seen,
) -> Result<(), String> {
    let item: Value = serde_json::from_str(line).map_err(|e| format!("Invalid JSON: {e}"))?;
    let key_text = item
        .get("key")
        .and_then(Value::as_str)
        .ok_or("Missing key")?
        .to_string();
    let text = |name: &str| item.get(name).and_then(Value::as_str).map(Box::<str>::from);
    let titles = upload.set_title_descs;
    let (title, description) = (text("title"), text("description"));
    let set_titles = |t: &mut Box<str>, d: &mut Box<str>| {
        if titles {
            *t = title.as_deref().unwrap_or_default().into();
            *d = description.as_deref().unwrap_or_default().into();
        }
    };
    if item.get("index_type").is_some() {
        let key = ObjectKey::parse(&key_text, Kind::Column, upload.ds_id)
            .map_err(|e| format!("Key: {key_text}. {e}"))?;
        return apply_index(state, &key, &key_text, &item);
    }
    if item.get("column_type").is_some() {
        let key = parse(&key_text, Kind::Column, upload.ds_id)?;
        let position = item.get("position").and_then(|p| match p {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        let id = state.upsert_column(&key, &key_text, |c| {
            c.column_type = text("column_type").unwrap_or_default();
            c.position = position;
            c.column_comment = text("column_comment");
            c.nullable = item
                .get("nullable")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            c.index = Default::default();
            set_titles(&mut c.title, &mut c.description);
        })?;
        seen.columns.insert(id);
    } else if item.get("table_type").is_some() {
        let key = parse(&key_text, Kind::Table, upload.ds_id)?;
        let table_type = text("table_type").unwrap_or_default().to_uppercase();
        let id = state.upsert_table(&key, &key_text, |t| {
            t.table_type = if table_type == "VIEW" {
                "VIEW"
            } else {
                "TABLE"
            }
            .into();
            t.table_comment = text("table_comment").unwrap_or_default();
            t.owner = text("db_owner");
            t.sql = text("view_sql").or_else(|| text("definition_sql"));
            set_titles(&mut t.title, &mut t.description);
        })?;
        seen.tables.insert(id);
    } else {
        let key = parse(&key_text, Kind::Schema, upload.ds_id)?;
        let id = state.upsert_schema(&key, &key_text, |s| {
            set_titles(&mut s.title, &mut s.description);
        })?;
        seen.schemas.insert(id);
    }
    Ok(())
}

fn parse(key_text: &str, kind: Kind, ds_id: u64) -> Result<ObjectKey, String> {
    ObjectKey::parse(key_text, kind, ds_id).map_err(|e| format!("Key: {key_text}. {e}"))
}

/// Sets the index flags of the columns an index line names.
fn apply_index(
    state: &mut AlationState,
    key: &ObjectKey,
    key_text: &str,
    item: &Value,
) -> Result<(), String> {
    let table_key = key.parent(Kind::Column).unwrap_or_else(|| key.clone());
    let index_name = key.name(Kind::Column);
    if state.find(Kind::Table, &table_key).is_none() {
        return Err(format!(
            "Key: {key_text}. Missing table \"{}\" for index \"{index_name}\". Make sure that table data uploaded/mentioned before index data",
            table_key.name(Kind::Table)
        ));
    }
    let names: Vec<String> = item
        .get("column_names")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        return Err(format!(
            "Key: {key_text}. column_names must be a non-empty list"
        ));
    }
    let index_type = item.get("index_type").and_then(Value::as_str).unwrap_or("");
    let foreign = item.get("is_foreign_key").and_then(Value::as_bool) == Some(true);
    let fk_table = item.get("foreign_key_table_name").and_then(Value::as_str);
    let fk_columns: Vec<&str> = item
        .get("foreign_key_column_names")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (i, name) in names.iter().enumerate() {
        let mut parts = table_key.parts.clone();
        parts.push(name.clone());
        let column_key = ObjectKey {
            ds_id: key.ds_id,
            parts,
        };
        let column = state
            .find(Kind::Column, &column_key)
            .and_then(|id| state.columns.get_mut(&id))
            .ok_or_else(|| {
                format!("Key: {key_text}. Missing column \"{name}\" for index \"{index_name}\"")
            })?;
        if foreign {
            column.index.is_foreign_key = true;
            column.index.referenced_column_id = match (fk_table, fk_columns.get(i)) {
                (Some(t), Some(c)) => Some(format!("{t}.{c}").into()),
                _ => None,
            };
        } else if index_type.eq_ignore_ascii_case("PRIMARY")
            || index_type.eq_ignore_ascii_case("PARTITIONED_PRIMARY")
        {
            column.index.is_primary_key = true;
        } else {
            column.index.is_other_index = true;
        }
    }
    Ok(())
}

/// Deletes every object of the data source that the upload did not name.
fn remove_not_seen(state: &mut AlationState, ds_id: u64, seen: &Seen) {
    let unseen = |state: &AlationState, kind: Kind, seen: &BTreeSet<u64>| -> Vec<u64> {
        let ids = state.children.under(kind, Parent::DataSource, ds_id);
        ids.iter()
            .filter(|id| !seen.contains(id))
            .copied()
            .collect()
    };
    let columns = unseen(state, Kind::Column, &seen.columns);
    state.delete_columns(&columns);
    let tables = unseen(state, Kind::Table, &seen.tables);
    state.delete_tables(&tables);
    let schemas = unseen(state, Kind::Schema, &seen.schemas);
    state.delete_schemas(&schemas);
}
