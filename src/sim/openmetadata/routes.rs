//! The HTTP surface: list, get by FQN and id, JSON Patch, create-or-update and delete of
//! tables, and a table's lineage (`lineage_routes.rs`), with the server's error shape
//! `{"code": N, "message": "…"}` (shared/reference/openmetadata-connectors.md §4.1-§4.4).
//!
//! Choices where the reference is silent (UNVERIFIED): `/api/v1/system/version` answers
//! without a token (the server's JWT filter exempts it); changes are recorded as made by
//! `admin`; an id that is not a UUID gets the entity 404.
//!
//! Handlers take the lock, compute the whole response and release it before returning;
//! no guard lives across an `.await`.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use uuid::Uuid;

use super::app::App;
use super::clock::{next_version, now_millis};
use super::errors::ApiError;
use super::fqn;
use super::lineage_routes;
use super::model::{Database, Entity, Schema, Table};
use super::paging::{self, Cursor, Include};
use super::patch;
use super::render::{self, Fields, Kind};
use super::state::{Anc, OmState};
use super::write;

/// Server version reported by `/api/v1/system/version`.
pub const SERVER_VERSION: &str = "1.6.1";

type Params = Query<HashMap<String, String>>;
type Reply = Result<axum::Json<Value>, ApiError>;

/// The OpenMetadata API routes over `app`.
pub fn routes(app: App) -> Router {
    let collections = [
        ("/api/v1/services/databaseServices", Kind::Service),
        ("/api/v1/databases", Kind::Database),
        ("/api/v1/databaseSchemas", Kind::Schema),
        ("/api/v1/tables", Kind::Table),
    ];
    let mut router = Router::new();
    for (base, kind) in collections {
        let mut list = get(move |s, q| list(kind, s, q));
        let mut by_id = get(move |s, p, q| get_by_id(kind, s, p, q));
        if kind != Kind::Service {
            by_id = by_id.patch(move |s, p, h, b| patch_entity(kind, s, p, h, b));
        }
        if kind == Kind::Table {
            list = list.put(write::put_table);
            by_id = by_id.delete(write::delete_table);
        }
        router = router
            .route(base, list)
            .route(
                &format!("{base}/name/{{*fqn}}"),
                get(move |s, p, q| get_by_name(kind, s, p, q)),
            )
            .route(&format!("{base}/{{id}}"), by_id);
    }
    router
        .route(
            "/api/v1/lineage/table/name/{*fqn}",
            get(lineage_routes::by_name),
        )
        .route("/api/v1/lineage/table/{id}", get(lineage_routes::by_id))
        .layer(middleware::from_fn_with_state(app.clone(), authenticate))
        .route("/api/v1/system/version", get(version))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "HTTP 404 Not Found") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "HTTP 405 Method Not Allowed",
            )
        })
        .with_state(app)
}

async fn authenticate(State(app): State<App>, request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token {
        None => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Not Authorized! Token not present",
        )
        .into_response(),
        Some(token) if token.trim() != app.jwt => {
            ApiError::new(StatusCode::UNAUTHORIZED, "Not Authorized! Invalid token").into_response()
        }
        Some(_) => next.run(request).await,
    }
}

async fn version() -> axum::Json<Value> {
    axum::Json(json!({"version": SERVER_VERSION, "revision": "sandbox", "timestamp": 0}))
}

fn include(params: &HashMap<String, String>) -> Result<Include, ApiError> {
    Include::parse(params.get("include").map(String::as_str)).map_err(ApiError::bad_request)
}

fn limit(params: &HashMap<String, String>) -> Result<usize, ApiError> {
    let Some(text) = params.get("limit") else {
        return Ok(10);
    };
    let value: i64 = text.trim().parse().map_err(|_| {
        ApiError::bad_request(format!("query param limit must be a number, got {text}"))
    })?;
    if value < 0 {
        return Err(ApiError::bad_request(
            "query param limit must be greater than or equal to 0",
        ));
    }
    if value > 1_000_000 {
        return Err(ApiError::bad_request(
            "query param limit must be less than or equal to 1000000",
        ));
    }
    Ok(value as usize)
}

fn cursor(params: &HashMap<String, String>) -> Result<Cursor, ApiError> {
    match (params.get("before"), params.get("after")) {
        (Some(_), Some(_)) => Err(ApiError::bad_request(
            "Only one of before or after query parameter allowed",
        )),
        (Some(before), None) => paging::decode_cursor(before)
            .map(Cursor::Before)
            .map_err(ApiError::bad_request),
        (None, Some(after)) => paging::decode_cursor(after)
            .map(Cursor::After)
            .map_err(ApiError::bad_request),
        (None, None) => Ok(Cursor::Start),
    }
}

fn depth(anc: Anc) -> u8 {
    match anc {
        Anc::Service(_) => 0,
        Anc::Database(_) => 1,
        Anc::Schema(_) => 2,
    }
}

/// The scope selected by the parent filters: `Ok(None)` lists everything, `Err(())` means
/// the filters select nothing (shared/reference/openmetadata-connectors.md §4.4).
fn filter_scope(
    state: &OmState,
    kind: Kind,
    params: &HashMap<String, String>,
) -> Result<Option<Anc>, ()> {
    let mut wanted: Vec<Anc> = Vec::new();
    if kind != Kind::Service
        && let Some(name) = params.get("service")
    {
        let slot = state
            .services
            .slot_by_fqn(&fqn::quote_name(name))
            .or_else(|| state.services.slot_by_fqn(name))
            .ok_or(())?;
        wanted.push(Anc::Service(slot));
    }
    if matches!(kind, Kind::Schema | Kind::Table)
        && let Some(prefix) = params.get("database")
    {
        // A prefix match on the FQN: any ancestor above the listed kind qualifies.
        let anc = state.resolve_parent(prefix).ok_or(())?;
        if kind == Kind::Schema && matches!(anc, Anc::Schema(_)) {
            return Err(());
        }
        wanted.push(anc);
    }
    if kind == Kind::Table
        && let Some(name) = params.get("databaseSchema")
    {
        wanted.push(Anc::Schema(state.schemas.slot_by_fqn(name).ok_or(())?));
    }
    let Some(deepest) = wanted.iter().copied().max_by_key(|a| depth(*a)) else {
        return Ok(None);
    };
    let lineage = state.ancestors_of(deepest);
    if wanted.iter().all(|a| *a == deepest || lineage.contains(a)) {
        Ok(Some(deepest))
    } else {
        Err(())
    }
}

fn deleted_fn(state: &OmState, kind: Kind) -> impl Fn(u32) -> bool + '_ {
    move |slot| match kind {
        Kind::Service => state.services.is_deleted(slot),
        Kind::Database => state.databases.is_deleted(slot),
        Kind::Schema => state.schemas.is_deleted(slot),
        Kind::Table => state.tables.is_deleted(slot),
    }
}

/// One page of a list endpoint, as the server sends it.
#[derive(serde::Serialize)]
struct ListPage<T> {
    data: Vec<T>,
    paging: serde_json::Map<String, Value>,
}

async fn list(
    kind: Kind,
    State(app): State<App>,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let fields = Fields::parse(kind, params.get("fields").map(String::as_str))
        .map_err(ApiError::bad_request)?;
    let limit = limit(&params)?;
    let include = include(&params)?;
    let cursor = cursor(&params)?;
    let state = app.state.read();
    let scope = match filter_scope(&state, kind, &params) {
        Err(()) => None,
        Ok(anc) => match kind {
            Kind::Service => state.services.scope(anc),
            Kind::Database => state.databases.scope(anc),
            Kind::Schema => state.schemas.scope(anc),
            Kind::Table => state.tables.scope(anc),
        },
    };
    let page = paging::page(scope, include, limit, &cursor, deleted_fn(&state, kind));
    let mut paging = serde_json::Map::new();
    if let Some(before) = page.before {
        paging.insert("before".into(), json!(before));
    }
    if let Some(after) = page.after {
        paging.insert("after".into(), json!(after));
    }
    paging.insert("total".into(), json!(page.total));
    // Tables are serialised straight from the store: a page of them is large.
    if kind == Kind::Table {
        let data = page
            .slots
            .iter()
            .filter_map(|slot| render::table_view(&state, *slot, &fields))
            .collect();
        return Ok(axum::Json(ListPage { data, paging }).into_response());
    }
    let data: Vec<Value> = page
        .slots
        .iter()
        .filter_map(|slot| render::entity(&state, kind, *slot, &fields))
        .collect();
    Ok(axum::Json(ListPage { data, paging }).into_response())
}

fn slot_of(state: &OmState, kind: Kind, id: Option<&Uuid>, fqn: Option<&str>) -> Option<u32> {
    macro_rules! find {
        ($c:expr) => {
            match (id, fqn) {
                (Some(id), _) => $c.slot_by_id(id),
                (None, Some(name)) => $c.slot_by_fqn(name),
                (None, None) => None,
            }
        };
    }
    match kind {
        Kind::Service => find!(state.services)
            .or_else(|| fqn.and_then(|n| state.services.slot_by_fqn(&fqn::quote_name(n)))),
        Kind::Database => find!(state.databases),
        Kind::Schema => find!(state.schemas),
        Kind::Table => find!(state.tables),
    }
}

fn get_one(
    app: &App,
    kind: Kind,
    id: Option<&Uuid>,
    name: Option<&str>,
    key: &str,
    params: &HashMap<String, String>,
) -> Reply {
    let fields = Fields::parse(kind, params.get("fields").map(String::as_str))
        .map_err(ApiError::bad_request)?;
    let include = include(params)?;
    let state = app.state.read();
    let slot = slot_of(&state, kind, id, name)
        .filter(|slot| include.admits(deleted_fn(&state, kind)(*slot)))
        .ok_or_else(|| ApiError::not_found(kind, key))?;
    render::entity(&state, kind, slot, &fields)
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found(kind, key))
}

async fn get_by_name(
    kind: Kind,
    State(app): State<App>,
    Path(name): Path<String>,
    Query(params): Params,
) -> Reply {
    let name = name.strip_prefix('/').unwrap_or(&name);
    get_one(&app, kind, None, Some(name), name, &params)
}

async fn get_by_id(
    kind: Kind,
    State(app): State<App>,
    Path(id): Path<String>,
    Query(params): Params,
) -> Reply {
    let uuid = Uuid::parse_str(&id).map_err(|_| ApiError::not_found(kind, &id))?;
    get_one(&app, kind, Some(&uuid), None, &id, &params)
}

async fn patch_entity(
    kind: Kind,
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("application/json-patch+json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "HTTP 415 Unsupported Media Type",
        ));
    }
    let operations: Vec<patch::Operation> = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid JSON Patch document: {e}")))?;
    let uuid = Uuid::parse_str(&id).map_err(|_| ApiError::not_found(kind, &id))?;
    let all = Fields::all(kind);
    // Compute under the read lock; take the write lock only to store a real change.
    let (slot, change) = {
        let state = app.state.read();
        let slot = slot_of(&state, kind, Some(&uuid), None)
            .ok_or_else(|| ApiError::not_found(kind, &id))?;
        let before = render::entity(&state, kind, slot, &all)
            .ok_or_else(|| ApiError::not_found(kind, &id))?;
        let mut doc = before.clone();
        patch::apply(&mut doc, &operations).map_err(ApiError::bad_request)?;
        patch::check_fixed(&before, &doc).map_err(ApiError::bad_request)?;
        let change = match kind {
            Kind::Service => None,
            Kind::Database => patched(state.databases.get(slot), &doc, |_, _| Ok(()))?
                .map(|(old, new)| Change::Database(old, new)),
            Kind::Schema => patched(state.schemas.get(slot), &doc, |_, _| Ok(()))?
                .map(|(old, new)| Change::Schema(old, new)),
            Kind::Table => patched(state.tables.get(slot), &doc, |table, doc| {
                let changes = patch::table_changes(doc)?;
                table.columns = changes.columns;
                table.table_constraints = changes.table_constraints;
                table.table_type = changes.table_type;
                table.schema_definition = changes.schema_definition;
                Ok(())
            })?
            .map(|(old, new)| Change::Table(old, new)),
        };
        (slot, change)
    };
    if let Some(change) = change {
        let mut state = app.state.write();
        match change {
            Change::Database(old, new) => store(state.databases.get_mut(slot), &old, new)?,
            Change::Schema(old, new) => store(state.schemas.get_mut(slot), &old, new)?,
            Change::Table(old, new) => store(state.tables.get_mut(slot), &old, new)?,
        }
    }
    let state = app.state.read();
    render::entity(&state, kind, slot, &all)
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found(kind, &id))
}

/// A patched entity: what it was and what it becomes.
enum Change {
    Database(Database, Database),
    Schema(Schema, Schema),
    Table(Table, Table),
}

/// The entity with the patched `doc` applied, with version and time bumped, if it changed.
fn patched<T: Entity + Clone + PartialEq>(
    entity: Option<&T>,
    doc: &Value,
    specific: impl Fn(&mut T, &Value) -> Result<(), String>,
) -> Result<Option<(T, T)>, ApiError> {
    let Some(entity) = entity else {
        return Err(ApiError::bad_request("the entity was removed meanwhile"));
    };
    let mut next = entity.clone();
    patch::update_common(next.common_mut(), doc).map_err(ApiError::bad_request)?;
    specific(&mut next, doc).map_err(ApiError::bad_request)?;
    if next == *entity {
        return Ok(None);
    }
    let common = next.common_mut();
    common.version = next_version(common.version);
    common.updated_at = now_millis();
    common.updated_by = "admin".into();
    Ok(Some((entity.clone(), next)))
}

/// Stores `new` in place of `old`, unless the entity changed since `old` was read.
fn store<T: PartialEq>(slot: Option<&mut T>, old: &T, new: T) -> Result<(), ApiError> {
    match slot {
        Some(current) if *current == *old => {
            *current = new;
            Ok(())
        }
        _ => Err(ApiError::new(
            StatusCode::CONFLICT,
            "the entity changed while the patch was applied; retry",
        )),
    }
}
