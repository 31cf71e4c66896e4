//! `GET /api/v1/lineage/table/name/{fqn}` and `GET /api/v1/lineage/table/{id}`: a
//! table's lineage in the EntityLineage shape
//! (shared/reference/openmetadata-target-and-lineage.md §5.1, §5.3).
//!
//! - `upstreamDepth` and `downstreamDepth` default to 1 and must be 0 to 3 (else 400);
//!   each direction is walked breadth-first to its depth, every edge answered once.
//! - `entity` is the table (404 in the server's body if unknown or soft-deleted);
//!   `nodes` are the other tables reached, soft-deleted ones included (`deleted: true`);
//!   edges name their ends by bare id.
//! - A pipeline in `lineageDetails` is rendered as an EntityReference built from its type
//!   and FQN: the sandbox stores no pipelines (its id is derived like every seeded id).
//!
//! The cost of an answer is O(edges and nodes reached), whatever the catalog's size.
//! Choice (UNVERIFIED): the 400 for a depth out of range uses the server's usual error
//! body, `{"code": 400, "message": "query param upstreamDepth must be …"}`.

use std::collections::{HashMap, HashSet};

use axum::extract::{Path, Query, State};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::app::App;
use super::errors::ApiError;
use super::lineage::Direction;
use super::model::{EntityLink, LineageDetails, LineageEdge, entity_id};
use super::render::{self, Kind};
use super::state::OmState;

type Params = Query<HashMap<String, String>>;
type Reply = Result<axum::Json<Value>, ApiError>;

/// The deepest lineage the server answers for in each direction.
const MAX_DEPTH: u8 = 3;

/// `GET /api/v1/lineage/table/name/{fqn}`.
pub async fn by_name(State(app): State<App>, Path(fqn): Path<String>, params: Params) -> Reply {
    let fqn = fqn.strip_prefix('/').unwrap_or(&fqn);
    let depths = depths(&params)?;
    let state = app.state.read();
    let slot = state.tables.slot_by_fqn(fqn);
    answer(&state, slot, fqn, depths)
}

/// `GET /api/v1/lineage/table/{id}`.
pub async fn by_id(State(app): State<App>, Path(id): Path<String>, params: Params) -> Reply {
    let depths = depths(&params)?;
    let uuid = Uuid::parse_str(&id).map_err(|_| ApiError::not_found(Kind::Table, &id))?;
    let state = app.state.read();
    let slot = state.tables.slot_by_id(&uuid);
    answer(&state, slot, &id, depths)
}

/// The `upstreamDepth` and `downstreamDepth` parameters.
fn depths(params: &HashMap<String, String>) -> Result<(u8, u8), ApiError> {
    let depth = |name: &str| {
        let Some(text) = params.get(name) else {
            return Ok(1);
        };
        let value: i64 = text.trim().parse().map_err(|_| {
            ApiError::bad_request(format!("query param {name} must be a number, got {text}"))
        })?;
        if value < 0 {
            return Err(ApiError::bad_request(format!(
                "query param {name} must be greater than or equal to 0"
            )));
        }
        u8::try_from(value)
            .ok()
            .filter(|v| *v <= MAX_DEPTH)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "query param {name} must be less than or equal to {MAX_DEPTH}"
                ))
            })
    };
    Ok((depth("upstreamDepth")?, depth("downstreamDepth")?))
}

fn answer(state: &OmState, slot: Option<u32>, key: &str, (up, down): (u8, u8)) -> Reply {
    let table = slot
        .filter(|slot| !state.tables.is_deleted(*slot))
        .and_then(|slot| state.tables.get(slot))
        .ok_or_else(|| ApiError::not_found(Kind::Table, key))?;
    let root = table.common.id;
    let upstream = state.lineage.walk(root, Direction::Upstream, up);
    let downstream = state.lineage.walk(root, Direction::Downstream, down);
    let mut seen = HashSet::new();
    let nodes: Vec<Value> = upstream
        .nodes
        .iter()
        .chain(&downstream.nodes)
        .filter(|id| seen.insert(**id))
        .filter_map(|id| state.tables.slot_by_id(id))
        .filter_map(|slot| state.tables.get(slot))
        .map(|node| render::reference(Kind::Table, node))
        .collect();
    let edges = |edges: &[&LineageEdge]| -> Vec<Value> { edges.iter().map(|e| edge(e)).collect() };
    Ok(axum::Json(json!({
        "entity": render::reference(Kind::Table, table),
        "nodes": nodes,
        "upstreamEdges": edges(&upstream.edges),
        "downstreamEdges": edges(&downstream.edges),
    })))
}

fn edge(edge: &LineageEdge) -> Value {
    json!({
        "fromEntity": edge.from_entity,
        "toEntity": edge.to_entity,
        "lineageDetails": details(&edge.lineage_details),
    })
}

fn details(details: &LineageDetails) -> Value {
    let mut value = serde_json::to_value(details).unwrap_or(Value::Null);
    if let (Value::Object(map), Some(pipeline)) = (&mut value, &details.pipeline) {
        map.insert("pipeline".into(), link(pipeline));
    }
    value
}

/// An EntityReference to an entity the sandbox does not store.
fn link(link: &EntityLink) -> Value {
    let fqn = &*link.fully_qualified_name;
    let mut map = Map::new();
    map.insert("id".into(), json!(entity_id(&link.kind, fqn)));
    map.insert("type".into(), json!(link.kind));
    map.insert("name".into(), json!(super::fqn::last_name(fqn)));
    map.insert("fullyQualifiedName".into(), json!(fqn));
    map.insert("deleted".into(), json!(false));
    Value::Object(map)
}
