//! Creating, updating and deleting tables: `PUT /api/v1/tables` (create-or-update from a
//! CreateTable body; a PUT of a soft-deleted table restores it) and
//! `DELETE /api/v1/tables/{id}` (soft by default, `hardDelete=true` removes), so that tests
//! can add and drop tables.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::app::App;
use super::clock::{next_version, now_millis};
use super::errors::ApiError;
use super::fqn;
use super::model::{
    Column, Common, Table, TableConstraint, TableType, encode_column_names, entity_id,
    validate_columns, validate_name,
};
use super::render::{self, Fields, Kind};

/// The CreateTable request body (the fields the sandbox keeps).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateTable {
    name: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    table_type: Option<TableType>,
    columns: Vec<Column>,
    #[serde(default)]
    table_constraints: Option<Vec<TableConstraint>>,
    database_schema: String,
    #[serde(default)]
    tags: Option<Vec<Value>>,
    #[serde(default)]
    schema_definition: Option<String>,
}

/// `PUT /api/v1/tables`: creates the table (201) or updates the one with that FQN (200).
pub async fn put_table(
    State(app): State<App>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut create: CreateTable = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid CreateTable body: {e}")))?;
    let name = fqn::encode_name(&create.name);
    validate_name(&name).map_err(ApiError::bad_request)?;
    encode_column_names(&mut create.columns);
    validate_columns(&create.columns).map_err(ApiError::bad_request)?;
    let mut state = app.state.write();
    let schema_slot = state
        .schemas
        .slot_by_fqn(&create.database_schema)
        .ok_or_else(|| ApiError::not_found(Kind::Schema, &create.database_schema))?;
    let schema = state
        .schemas
        .get(schema_slot)
        .ok_or_else(|| ApiError::not_found(Kind::Schema, &create.database_schema))?;
    let table_fqn = fqn::child(&schema.common.fully_qualified_name, &name);
    let schema_id = schema.common.id;
    let existing = state.tables.slot_by_fqn(&table_fqn);
    let now = now_millis();
    let (slot, status) = match existing {
        Some(slot) => {
            let table = state
                .tables
                .get_mut(slot)
                .ok_or_else(|| ApiError::not_found(Kind::Table, &table_fqn))?;
            let mut next = table.clone();
            next.common.display_name = create.display_name.map(Into::into);
            next.common.description = create.description.map(Into::into);
            if let Some(tags) = create.tags {
                next.common.tags = tags;
            }
            next.table_type = create.table_type;
            next.columns = create.columns;
            next.table_constraints = create.table_constraints.unwrap_or_default();
            next.schema_definition = create.schema_definition.map(Into::into);
            // A PUT of a soft-deleted table restores it, as the server's updater does.
            let restore = table.common.deleted;
            if next != *table || restore {
                next.common.version = next_version(next.common.version);
                next.common.updated_at = now;
                next.common.updated_by = "admin".into();
                *table = next;
            }
            if restore {
                state.set_table_deleted(slot, false);
            }
            (slot, StatusCode::OK)
        }
        None => {
            let id = entity_id(
                "table",
                &format!("{table_fqn}@{now}#{}", state.tables.len()),
            );
            let table = Table {
                common: Common {
                    id,
                    name: name.into(),
                    fully_qualified_name: table_fqn.clone().into(),
                    display_name: create.display_name.map(Into::into),
                    description: create.description.map(Into::into),
                    tags: create.tags.unwrap_or_default(),
                    version: 0.1,
                    updated_at: now,
                    updated_by: "admin".into(),
                    deleted: false,
                },
                database_schema: schema_id,
                table_type: create.table_type,
                columns: create.columns,
                table_constraints: create.table_constraints.unwrap_or_default(),
                schema_definition: create.schema_definition.map(Into::into),
            };
            let slot = state.add_table(table).map_err(ApiError::bad_request)?;
            (slot, StatusCode::CREATED)
        }
    };
    let body = render::table(&state, slot, &Fields::all(Kind::Table))
        .ok_or_else(|| ApiError::not_found(Kind::Table, &table_fqn))?;
    Ok((status, Json(body)))
}

/// `DELETE /api/v1/tables/{id}`: soft delete (`deleted: true`, still listed with
/// `include=deleted|all`), or removal with `hardDelete=true`.
pub async fn delete_table(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let hard = params.get("hardDelete").is_some_and(|v| v == "true");
    let uuid = Uuid::parse_str(&id).map_err(|_| ApiError::not_found(Kind::Table, &id))?;
    let find = |state: &super::state::OmState| {
        state
            .tables
            .slot_by_id(&uuid)
            .filter(|slot| hard || !state.tables.is_deleted(*slot))
            .ok_or_else(|| ApiError::not_found(Kind::Table, &id))
    };
    // Refuse under the read lock, so that a failed request records no change.
    find(&app.state.read())?;
    let mut state = app.state.write();
    let slot = find(&state)?;
    if !hard {
        if let Some(table) = state.tables.get_mut(slot) {
            table.common.version = next_version(table.common.version);
            table.common.updated_at = now_millis();
            table.common.updated_by = "admin".into();
        }
        state.set_table_deleted(slot, true);
    }
    let body = render::table(&state, slot, &Fields::default())
        .ok_or_else(|| ApiError::not_found(Kind::Table, &id))?;
    if hard {
        state.remove_table(slot);
    }
    Ok(Json(body))
}
