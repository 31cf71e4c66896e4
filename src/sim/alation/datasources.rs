//! Data sources: the native/virtual v1 API and the OCF v2 API, sharing one id space
//! (shared/reference/alation-api.md §4).
//!
//! Choices on UNVERIFIED points, made once here:
//! - `GET /integration/v1/datasource/` lists every data source (OCF ones show the
//!   `dbtype` of their connector); `GET /integration/v2/datasource/` lists OCF sources
//!   only; `GET|PUT|DELETE /integration/v2/datasource/{id}/` accept any data source id.
//! - `GET|PUT|DELETE /integration/v1/datasource/{id}/` exist (§4.2 lists "Change or update
//!   Data Source details" and "Delete a Data Source" without their paths; these are the
//!   likely ones) and, like v2, accept any data source id, answering v1 objects.
//! - Both `PUT`s are partial: only the fields given change. The v1 `PUT` takes the v1
//!   create fields except `dbtype`, `is_virtual` and `deployment_setup_complete`.
//! - `DELETE` answers 204 with no body and removes the source's schemas, tables and
//!   columns; the v1 and v2 creates answer 201 with the created object.
//! - Passwords are accepted and never stored or shown.
//! - `include_hidden` on the v1 list takes effect for Server Admins only (§4.2: "Only
//!   supported for users with Server Admin role"); others never see hidden sources.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::app::App;
use super::auth::{authenticate, authenticate_writer};
use super::connectors::connector;
use super::errors::{ApiError, ApiResult};
use super::fields::Fields;
use super::paging::paginate;
use super::request::{json_body, query_flag, query_pairs};
use super::state::{AlationState, DataSource, IdSpace, Role};

/// `GET /integration/v1/datasource/?include_undeployed=&include_hidden=`.
pub(super) async fn v1_list(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let pairs = query_pairs(raw.as_deref());
    let state = app.state.read();
    let user = authenticate(&state, &headers, app.now())?;
    let hidden = query_flag(&pairs, "include_hidden") && user.role == Role::ServerAdmin;
    let undeployed = query_flag(&pairs, "include_undeployed");
    let items: Vec<Value> = state
        .datasources
        .values()
        .filter(|d| hidden || !d.is_hidden)
        .filter(|d| undeployed || d.deployment_setup_complete)
        .map(v1_json)
        .collect();
    let page = paginate("/integration/v1/datasource/", &pairs, items)?;
    Ok((page.headers, Json(page.items)).into_response())
}

/// `POST /integration/v1/datasource/`: a native or (with `is_virtual`) virtual source.
pub(super) async fn v1_create(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let user = authenticate_writer(&app.state.read(), &headers, app.now())?;
    let body = json_body(&body)?;
    let mut fields = Fields::new(&body).map_err(|e| ApiError::invalid_input(vec![e]))?;
    let is_virtual = fields.boolean("is_virtual").flatten().unwrap_or(false);
    let deployed = fields
        .boolean("deployment_setup_complete")
        .flatten()
        .unwrap_or(true);
    let dbtype = fields.required_text("dbtype").map(|t| t.to_lowercase());
    let uri = fields.text("uri").flatten();
    let needs_address = !is_virtual && uri.is_none();
    let host = if needs_address {
        fields.required_text("host")
    } else {
        fields.text("host").flatten()
    };
    let port = match fields.integer("port").flatten() {
        Some(p) => u64::try_from(p).ok(),
        None if needs_address => {
            fields.error("port", "This field is required.");
            None
        }
        None => None,
    };
    let db_username = if !is_virtual && deployed {
        fields.required_text("db_username")
    } else {
        fields.text("db_username").flatten()
    };
    let title = if deployed {
        fields.required_text("title")
    } else {
        fields.text("title").flatten()
    };
    let source = DataSource {
        dbtype,
        uri,
        host,
        port,
        dbname: fields.text("dbname").flatten(),
        db_username,
        title: title.unwrap_or_default(),
        description: fields.text("description").flatten().unwrap_or_default(),
        private: fields.boolean("private").flatten().unwrap_or(false),
        is_hidden: fields.boolean("is_hidden").flatten().unwrap_or(false),
        is_virtual,
        deployment_setup_complete: deployed,
        ..DataSource::default()
    };
    if let Some(errors) = fields.into_errors() {
        return Err(ApiError::invalid_input(vec![errors]));
    }
    let mut state = app.state.write();
    let created = insert(&mut state, source, user.id);
    Ok((StatusCode::CREATED, Json(v1_json(&created))))
}

/// `GET /integration/v1/datasource/{id}/`.
pub(super) async fn v1_get(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let state = app.state.read();
    authenticate(&state, &headers, app.now())?;
    Ok(Json(v1_json(existing(&state, &id)?)))
}

/// `PUT /integration/v1/datasource/{id}/`, applied as a partial update.
pub(super) async fn v1_update(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    authenticate_writer(&app.state.read(), &headers, app.now())?;
    let body = json_body(&body)?;
    let mut fields = Fields::new(&body).map_err(|e| ApiError::invalid_input(vec![e]))?;
    let title = fields.text("title");
    let description = fields.text("description");
    let uri = fields.text("uri");
    let host = fields.text("host");
    let port = fields.integer("port");
    let dbname = fields.text("dbname");
    let db_username = fields.text("db_username");
    let private = fields.boolean("private");
    let is_hidden = fields.boolean("is_hidden");
    fields.text("db_password");
    if let Some(Some(p)) = port
        && u64::try_from(p).is_err()
    {
        fields.error("port", "Ensure this value is greater than or equal to 0.");
    }
    if let Some(errors) = fields.into_errors() {
        return Err(ApiError::invalid_input(vec![errors]));
    }
    let mut state = app.state.write();
    let ds_id = existing(&state, &id)?.id;
    let source = state
        .datasources
        .get_mut(&ds_id)
        .ok_or_else(|| ApiError::not_found("Not found."))?;
    if let Some(v) = title {
        source.title = v.unwrap_or_default();
    }
    if let Some(v) = description {
        source.description = v.unwrap_or_default();
    }
    if let Some(v) = uri {
        source.uri = v;
    }
    if let Some(v) = host {
        source.host = v;
    }
    if let Some(v) = port {
        source.port = v.and_then(|p| u64::try_from(p).ok());
    }
    if let Some(v) = dbname {
        source.dbname = v;
    }
    if let Some(v) = db_username {
        source.db_username = v;
    }
    if let Some(v) = private {
        source.private = v.unwrap_or(false);
    }
    if let Some(v) = is_hidden {
        source.is_hidden = v.unwrap_or(false);
    }
    Ok(Json(v1_json(source)))
}

/// `GET /integration/v2/datasource/?include_hidden=&exclude_suspended=`: OCF sources.
pub(super) async fn v2_list(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let pairs = query_pairs(raw.as_deref());
    let state = app.state.read();
    authenticate(&state, &headers, app.now())?;
    let hidden = query_flag(&pairs, "include_hidden");
    let items: Vec<Value> = state
        .datasources
        .values()
        .filter(|d| d.connector_id.is_some())
        .filter(|d| hidden || !d.is_hidden)
        .map(v2_json)
        .collect();
    let page = paginate("/integration/v2/datasource/", &pairs, items)?;
    Ok((page.headers, Json(page.items)).into_response())
}

/// `GET /integration/v2/datasource/{id}/`.
pub(super) async fn v2_get(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let state = app.state.read();
    authenticate(&state, &headers, app.now())?;
    Ok(Json(v2_json(existing(&state, &id)?)))
}

/// `POST /integration/v2/datasource/`: an OCF source bound to a connector.
pub(super) async fn v2_create(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let user = authenticate_writer(&app.state.read(), &headers, app.now())?;
    let body = json_body(&body)?;
    let mut fields = Fields::new(&body).map_err(|e| ApiError::invalid_input(vec![e]))?;
    let connector_id = ocf_connector(&mut fields, true);
    let source = DataSource {
        connector_id,
        title: fields.required_text("title").unwrap_or_default(),
        db_username: fields.required_text("db_username"),
        uri: fields.required_text("uri"),
        description: fields.text("description").flatten().unwrap_or_default(),
        private: fields.boolean("private").flatten().unwrap_or(false),
        is_hidden: fields.boolean("is_hidden").flatten().unwrap_or(false),
        deployment_setup_complete: true,
        ..DataSource::default()
    };
    fields.text("db_password");
    if let Some(errors) = fields.into_errors() {
        return Err(ApiError::invalid_input(vec![errors]));
    }
    let mut state = app.state.write();
    let created = insert(&mut state, source, user.id);
    Ok((StatusCode::CREATED, Json(v2_json(&created))))
}

/// `PUT /integration/v2/datasource/{id}/`, applied as a partial update.
pub(super) async fn v2_update(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    authenticate_writer(&app.state.read(), &headers, app.now())?;
    let body = json_body(&body)?;
    let mut fields = Fields::new(&body).map_err(|e| ApiError::invalid_input(vec![e]))?;
    let connector_id = ocf_connector(&mut fields, false);
    let title = fields.text("title");
    let description = fields.text("description");
    let uri = fields.text("uri");
    let db_username = fields.text("db_username");
    let private = fields.boolean("private");
    fields.text("db_password");
    fields.text("compose_default_uri");
    if let Some(errors) = fields.into_errors() {
        return Err(ApiError::invalid_input(vec![errors]));
    }
    let mut state = app.state.write();
    let ds_id = existing(&state, &id)?.id;
    let source = state
        .datasources
        .get_mut(&ds_id)
        .ok_or_else(|| ApiError::not_found("Not found."))?;
    if connector_id.is_some() {
        source.connector_id = connector_id;
    }
    if let Some(v) = title {
        source.title = v.unwrap_or_default();
    }
    if let Some(v) = description {
        source.description = v.unwrap_or_default();
    }
    if let Some(v) = uri {
        source.uri = v;
    }
    if let Some(v) = db_username {
        source.db_username = v;
    }
    if let Some(v) = private {
        source.private = v.unwrap_or(false);
    }
    Ok(Json(v2_json(source)))
}

/// `DELETE /integration/v1/datasource/{id}/` and `/integration/v2/datasource/{id}/`: 204,
/// with everything in the source.
pub(super) async fn delete(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let mut state = app.state.write();
    authenticate_writer(&state, &headers, app.now())?;
    let ds_id = existing(&state, &id)?.id;
    state.delete_datasource(ds_id);
    Ok(StatusCode::NO_CONTENT)
}

/// Reads `connector_id`, which must name an installed connector.
fn ocf_connector(fields: &mut Fields<'_>, required: bool) -> Option<u64> {
    match fields.integer("connector_id") {
        Some(Some(id)) => match u64::try_from(id).ok().and_then(connector) {
            Some(c) => Some(c.id),
            None => {
                fields.error(
                    "connector_id",
                    format!("Connector with id {id} does not exist."),
                );
                None
            }
        },
        _ if required && !fields.has("connector_id") => {
            fields.error("connector_id", "This field is required.");
            None
        }
        _ => None,
    }
}

fn insert(state: &mut AlationState, mut source: DataSource, owner: u64) -> DataSource {
    source.id = state.next_id(IdSpace::DataSource);
    source.owner_id = owner;
    state.datasources.insert(source.id, source.clone());
    source
}

/// The data source named by a path segment, or 404.
pub(super) fn existing<'a>(state: &'a AlationState, id: &str) -> ApiResult<&'a DataSource> {
    id.trim()
        .parse::<u64>()
        .ok()
        .and_then(|id| state.datasources.get(&id))
        .ok_or_else(|| ApiError::not_found("Not found."))
}

/// Fields both APIs show.
fn common_json(d: &DataSource) -> serde_json::Map<String, Value> {
    let value = json!({
        "id": d.id,
        "uri": d.uri,
        "db_username": d.db_username,
        "title": d.title,
        "description": d.description,
        "private": d.private,
        "is_hidden": d.is_hidden,
        "deleted": false,
        "is_gone": false,
        "otype": "data",
        "url": format!("/data/{}/", d.id),
        "qualified_name": "",
        "owner_ids": [d.owner_id],
        "latest_extraction_time": null,
        "latest_extraction_successful": null,
        "limit_schemas": "",
        "exclude_schemas": "",
        "remove_filtered_schemas": false,
        "cron_extraction": null,
        "disable_auto_extraction": true,
        "supports_explain": false,
        "supports_profiling": false,
        "supports_compose": false,
        "enabled_in_compose": false,
        "builtin_datasource": null,
    });
    match value {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// A v1 (native) data-source item; always carries `deployment_setup_complete` (§4.2).
fn v1_json(d: &DataSource) -> Value {
    let mut map = common_json(d);
    let dbtype = d.dbtype.clone().or_else(|| {
        d.connector_id
            .and_then(connector)
            .map(|c| c.dbtype.to_string())
    });
    map.insert("dbtype".into(), json!(dbtype));
    map.insert("host".into(), json!(d.host));
    map.insert("port".into(), json!(d.port));
    map.insert("dbname".into(), json!(d.dbname));
    map.insert("is_virtual".into(), json!(d.is_virtual));
    map.insert(
        "deployment_setup_complete".into(),
        json!(d.deployment_setup_complete),
    );
    map.insert("is_hive".into(), json!(false));
    map.insert("metastore_uri".into(), Value::Null);
    map.insert("jdbc_driver".into(), Value::Null);
    Value::Object(map)
}

/// A v2 (OCF) data-source object.
fn v2_json(d: &DataSource) -> Value {
    let mut map = common_json(d);
    map.insert("connector_id".into(), json!(d.connector_id));
    map.insert("uses_ocf_agent".into(), json!(false));
    Value::Object(map)
}
