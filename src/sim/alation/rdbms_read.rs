//! `GET /integration/v2/{schema,table,column}/` with Alation's filters
//! (shared/reference/alation-api.md §5, §6).
//!
//! Filters: `id`, `name`, `ds_id` and, for tables and columns, `schema_id`,
//! `schema_name`, `table_id`, `table_name`, each with the documented suffixes
//! (`__gt|gte|lt|lte` on ids; `__iexact|contains|icontains|startswith|istartswith|
//! endswith|iendswith` on names). A repeated parameter matches any of its values;
//! different parameters must all match. Also `order_by` (`id`, `name`, `-id`, `-name`;
//! default `id`), `fields`/`values` (comma-separated response fields), `custom_fields`
//! (a JSON list of `{"field_id"[, "value"]}`), `exclude_deleted_ref` (nothing is
//! soft-deleted here), `limit` and `skip`. Anything else is 400 `400006`.
//! Choice on an UNVERIFIED point: a column's `table_name` is shown as the lower-cased
//! `schema.table`, as in the documented example, and the `table_name` filter matches
//! either that or the bare table name, ignoring case.
//!
//! A page costs O(page), not O(instance): the deepest single-valued `ds_id`,
//! `schema_id` or `table_id` filter picks an index of `index.rs` (the other parent
//! filters are checked once against that parent), single-valued `id` filters cut its
//! range, and when nothing else filters, the `skip`/`limit` window is sliced straight out
//! of it. Other filters are checked while walking the index in id order, only as far as
//! the page; `order_by=name` sorts what they keep. A malformed number in an id filter
//! runs the filters one after another over every object, so that its 400 comes exactly
//! when it always has (only once an object reaches that filter).

use std::cmp::Reverse;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::app::App;
use super::auth::authenticate;
use super::errors::{ApiError, ApiResult};
use super::index::Parent;
use super::keys::Kind;
use super::paging::{Window, page_headers, paginate, window};
use super::render::{Item, item, project, qualified_table_name};
use super::request::{query_pairs, query_value};
use super::state::{AlationState, CustomFieldValue, Table};

/// Parameters that are not filters.
const PLAIN: [&str; 7] = [
    "limit",
    "skip",
    "order_by",
    "fields",
    "values",
    "custom_fields",
    "exclude_deleted_ref",
];
const ID_OPS: [&str; 5] = ["", "gt", "gte", "lt", "lte"];
const NAME_OPS: [&str; 8] = [
    "",
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
];

/// The filterable attributes of one object.
struct Row<'a> {
    id: u64,
    ds_id: u64,
    name: &'a str,
    schema_id: Option<u64>,
    schema_name: Option<&'a str>,
    table_id: Option<u64>,
    table: Option<&'a Table>,
    custom_fields: &'a [CustomFieldValue],
}

impl Row<'_> {
    fn number(&self, field: &str) -> Option<u64> {
        match field {
            "id" => Some(self.id),
            "ds_id" => Some(self.ds_id),
            "schema_id" => self.schema_id,
            "table_id" => self.table_id,
            _ => None,
        }
    }

    /// The values a name filter compares with; a column's table matches by its bare or
    /// its qualified name.
    fn texts(&self, state: &AlationState, field: &str) -> Vec<String> {
        match field {
            "name" => vec![self.name.to_string()],
            "schema_name" => self.schema_name.map(str::to_string).into_iter().collect(),
            "table_name" => self
                .table
                .map(|t| vec![qualified_table_name(state, t), t.name.to_string()])
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

/// A parsed filter: attribute, operator and accepted values.
struct Filter {
    field: String,
    op: String,
    values: Vec<String>,
}

impl Filter {
    /// Whether every value of an id filter is a number (name filters always are fine).
    fn numbers_parse(&self) -> bool {
        !self.field.ends_with("id") || self.values.iter().all(|v| v.trim().parse::<u64>().is_ok())
    }
}

/// `GET /integration/v2/{kind}/`.
pub(super) async fn list(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    kind: Kind,
) -> ApiResult<Response> {
    let state = app.state.read();
    authenticate(&state, &headers, app.now())?;
    let pairs = query_pairs(raw.as_deref());
    let filters = parse_filters(&pairs, kind)?;
    let wanted_fields = projection(&pairs);
    let custom = custom_field_filter(&pairs)?;
    let order = query_value(&pairs, "order_by").unwrap_or("id");
    let path = format!("/integration/v2/{}/", path_segment(kind));
    let (ids, page_headers) = if filters.iter().all(Filter::numbers_parse) {
        let order = Order::parse(order)?;
        let window = window(&pairs)?;
        let (ids, more) = select(&state, kind, &filters, &custom, order, window)?;
        (ids, page_headers(&path, &pairs, window, more))
    } else {
        // A malformed number is an error only once an object reaches its filter: the
        // filters run one after another over every object, as they always have.
        let ids = scan(&state, kind, state.children.all(kind), &filters, &custom)?;
        let ids = sorted(&state, kind, ids, Order::parse(order)?);
        let page = paginate(&path, &pairs, ids)?;
        (page.items, page.headers)
    };
    let items: Vec<Item<'_>> = ids
        .iter()
        .filter_map(|id| item(&state, kind, *id))
        .collect();
    let body = match wanted_fields.as_deref() {
        None => Json(items).into_response(),
        Some(fields) => {
            let projected: Vec<Value> = items.iter().map(|i| project(i, fields)).collect();
            Json(projected).into_response()
        }
    };
    Ok((page_headers, body).into_response())
}

/// `order_by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Id,
    IdDescending,
    Name,
    NameDescending,
}

impl Order {
    fn parse(text: &str) -> ApiResult<Order> {
        match text {
            "id" => Ok(Order::Id),
            "-id" => Ok(Order::IdDescending),
            "name" => Ok(Order::Name),
            "-name" => Ok(Order::NameDescending),
            other => Err(ApiError::bad_request(format!(
                "order_by must be one of id, -id, name, -name; got `{other}`"
            ))),
        }
    }
}

/// The ids of one page and whether more follow: from the narrowest index the filters
/// allow, walking only as far as the page when the order is by id.
fn select(
    state: &AlationState,
    kind: Kind,
    filters: &[Filter],
    custom: &[Value],
    order: Order,
    window: Window,
) -> ApiResult<(Vec<u64>, bool)> {
    let (ids, served) = candidates(state, kind, filters);
    let rest: Vec<&Filter> = filters
        .iter()
        .zip(&served)
        .filter(|(_, served)| !**served)
        .map(|(f, _)| f)
        .collect();
    if rest.is_empty() && custom.is_empty() {
        let (start, end) = (window.skip.min(ids.len()), window.end().min(ids.len()));
        let page = match order {
            Order::Id => ids[start..end].to_vec(),
            Order::IdDescending => ids
                .iter()
                .rev()
                .skip(start)
                .take(end - start)
                .copied()
                .collect(),
            Order::Name | Order::NameDescending => {
                let ids = sorted(state, kind, ids.to_vec(), order);
                ids[start..end].to_vec()
            }
        };
        return Ok((page, window.end() < ids.len()));
    }
    let keep = |id: u64| -> ApiResult<bool> {
        let Some(row) = row(state, kind, id) else {
            return Ok(false);
        };
        for f in &rest {
            if !matches(state, &row, f)? {
                return Ok(false);
            }
        }
        Ok(custom
            .iter()
            .all(|c| has_custom_field(row.custom_fields, c)))
    };
    let walk: Box<dyn Iterator<Item = &u64>> = match order {
        Order::Id => Box::new(ids.iter()),
        Order::IdDescending => Box::new(ids.iter().rev()),
        Order::Name | Order::NameDescending => {
            let mut kept = Vec::new();
            for id in ids {
                if keep(*id)? {
                    kept.push(*id);
                }
            }
            let kept = sorted(state, kind, kept, order);
            let more = window.end() < kept.len();
            let page = kept.into_iter().skip(window.skip).take(window.limit);
            return Ok((page.collect(), more));
        }
    };
    let (mut seen, mut page) = (0usize, Vec::new());
    for id in walk {
        if !keep(*id)? {
            continue;
        }
        if seen >= window.end() {
            return Ok((page, true));
        }
        if seen >= window.skip {
            page.push(*id);
        }
        seen += 1;
    }
    Ok((page, false))
}

/// The ids that may match, ascending, and which filters they satisfy by construction:
/// the deepest single-valued parent filter picks the index, the other parent filters
/// are checked once against that parent, and single-valued id filters cut the range.
fn candidates<'a>(
    state: &'a AlationState,
    kind: Kind,
    filters: &[Filter],
) -> (&'a [u64], Vec<bool>) {
    let mut served = vec![false; filters.len()];
    let single = |field: &str| {
        filters
            .iter()
            .position(|f| f.field == field && f.op.is_empty() && f.values.len() == 1)
            .and_then(|at| Some((at, filters[at].values[0].trim().parse::<u64>().ok()?)))
    };
    let parents = [
        ("table_id", Parent::Table),
        ("schema_id", Parent::Schema),
        ("ds_id", Parent::DataSource),
    ];
    let mut ids = state.children.all(kind);
    if let Some((at, parent, id)) = parents
        .iter()
        .find_map(|(field, parent)| single(field).map(|(at, id)| (at, *parent, id)))
    {
        served[at] = true;
        ids = state.children.under(kind, parent, id);
        let lineage = match parent {
            Parent::Table => state.tables.get(&id).map(|t| (t.ds_id, Some(t.schema_id))),
            Parent::Schema => state.schemas.get(&id).map(|s| (s.ds_id, None)),
            Parent::DataSource => Some((id, None)),
        };
        for (field, value) in [
            ("ds_id", lineage.map(|l| l.0)),
            ("schema_id", lineage.and_then(|l| l.1)),
        ] {
            if let (Some((at, want)), Some(have)) = (single(field), value) {
                served[at] = true;
                if want != have {
                    ids = &[];
                }
            }
        }
    }
    for (at, f) in filters.iter().enumerate() {
        let want = match (f.field.as_str(), f.values.as_slice()) {
            ("id", [value]) => value.trim().parse::<u64>().ok(),
            _ => None,
        };
        let Some(want) = want else { continue };
        let (start, end) = match f.op.as_str() {
            "gt" => (ids.partition_point(|id| *id <= want), ids.len()),
            "gte" => (ids.partition_point(|id| *id < want), ids.len()),
            "lt" => (0, ids.partition_point(|id| *id < want)),
            "lte" => (0, ids.partition_point(|id| *id <= want)),
            _ => (
                ids.partition_point(|id| *id < want),
                ids.partition_point(|id| *id <= want),
            ),
        };
        ids = &ids[start..end.max(start)];
        served[at] = true;
    }
    (ids, served)
}

/// The ids among `ids` that every filter admits, each filter in turn over the survivors.
fn scan(
    state: &AlationState,
    kind: Kind,
    ids: &[u64],
    filters: &[Filter],
    custom: &[Value],
) -> ApiResult<Vec<u64>> {
    let mut rows: Vec<Row<'_>> = ids.iter().filter_map(|id| row(state, kind, *id)).collect();
    for f in filters {
        let mut kept = Vec::with_capacity(rows.len());
        for row in rows {
            if matches(state, &row, f)? {
                kept.push(row);
            }
        }
        rows = kept;
    }
    rows.retain(|r| custom.iter().all(|c| has_custom_field(r.custom_fields, c)));
    Ok(rows.iter().map(|r| r.id).collect())
}

/// `ids` (ascending) in `order`; names tie by id.
fn sorted(state: &AlationState, kind: Kind, mut ids: Vec<u64>, order: Order) -> Vec<u64> {
    let name = |id: &u64| row(state, kind, *id).map(|r| r.name).unwrap_or_default();
    match order {
        Order::Id => {}
        Order::IdDescending => ids.sort_by_key(|id| Reverse(*id)),
        Order::Name => ids.sort_by(|a, b| name(a).cmp(name(b)).then(a.cmp(b))),
        Order::NameDescending => ids.sort_by(|a, b| name(b).cmp(name(a)).then(a.cmp(b))),
    }
    ids
}

fn path_segment(kind: Kind) -> &'static str {
    match kind {
        Kind::Schema => "schema",
        Kind::Table => "table",
        Kind::Column => "column",
    }
}

/// Attributes a kind may be filtered on.
fn filterable(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Schema => &["id", "ds_id", "name"],
        Kind::Table => &["id", "ds_id", "name", "schema_id", "schema_name"],
        Kind::Column => &["id", "ds_id", "name", "schema_id", "table_id", "table_name"],
    }
}

fn parse_filters(pairs: &[(String, String)], kind: Kind) -> ApiResult<Vec<Filter>> {
    let mut filters: Vec<Filter> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for (param, value) in pairs {
        if PLAIN.contains(&param.as_str()) {
            continue;
        }
        let (field, op) = param.split_once("__").unwrap_or((param.as_str(), ""));
        let ops: &[&str] = if field.ends_with("id") {
            &ID_OPS
        } else {
            &NAME_OPS
        };
        if !filterable(kind).contains(&field) || !ops.contains(&op) {
            if !unknown.contains(param) {
                unknown.push(param.clone());
            }
            continue;
        }
        match filters.iter_mut().find(|f| f.field == field && f.op == op) {
            Some(f) => f.values.push(value.clone()),
            None => filters.push(Filter {
                field: field.to_string(),
                op: op.to_string(),
                values: vec![value.clone()],
            }),
        }
    }
    if unknown.is_empty() {
        Ok(filters)
    } else {
        Err(ApiError::invalid_query(&unknown))
    }
}

fn matches(state: &AlationState, row: &Row<'_>, f: &Filter) -> ApiResult<bool> {
    if f.field.ends_with("id") {
        let Some(have) = row.number(&f.field) else {
            return Ok(false);
        };
        for value in &f.values {
            let want: u64 = value.trim().parse().map_err(|_| {
                ApiError::bad_request(format!("{} must be an integer, got `{value}`", f.field))
            })?;
            let hit = match f.op.as_str() {
                "gt" => have > want,
                "gte" => have >= want,
                "lt" => have < want,
                "lte" => have <= want,
                _ => have == want,
            };
            if hit {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    let texts = row.texts(state, &f.field);
    let ignore_case = f.op.starts_with('i') || (f.field == "table_name" && f.op.is_empty());
    Ok(f.values.iter().any(|want| {
        texts.iter().any(|have| {
            let (have, want) = if ignore_case {
                (have.to_lowercase(), want.to_lowercase())
            } else {
                (have.clone(), want.clone())
            };
            match f.op.trim_start_matches('i') {
                "contains" => have.contains(&want),
                "startswith" => have.starts_with(&want),
                "endswith" => have.ends_with(&want),
                _ => have == want,
            }
        })
    }))
}

/// `fields` or `values`: the response fields to keep.
fn projection(pairs: &[(String, String)]) -> Option<Vec<String>> {
    query_value(pairs, "fields")
        .or_else(|| query_value(pairs, "values"))
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
}

fn custom_field_filter(pairs: &[(String, String)]) -> ApiResult<Vec<Value>> {
    let Some(text) = query_value(pairs, "custom_fields") else {
        return Ok(Vec::new());
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(item @ Value::Object(_)) => Ok(vec![item]),
        _ => Err(ApiError::bad_request(format!(
            "custom_fields must be a JSON list of {{\"field_id\", \"value\"}}, got `{text}`"
        ))),
    }
}

fn has_custom_field(values: &[CustomFieldValue], wanted: &Value) -> bool {
    let field_id = wanted.get("field_id").and_then(Value::as_u64);
    values.iter().any(|v| {
        Some(v.field_id) == field_id && wanted.get("value").is_none_or(|want| *want == v.value)
    })
}

/// The filterable attributes of the object `id` of `kind`.
fn row(state: &AlationState, kind: Kind, id: u64) -> Option<Row<'_>> {
    match kind {
        Kind::Schema => state.schemas.get(&id).map(|s| Row {
            id: s.id,
            ds_id: s.ds_id,
            name: &s.name,
            schema_id: None,
            schema_name: None,
            table_id: None,
            table: None,
            custom_fields: &s.custom_fields,
        }),
        Kind::Table => state.tables.get(&id).map(|t| Row {
            id: t.id,
            ds_id: t.ds_id,
            name: &t.name,
            schema_id: Some(t.schema_id),
            schema_name: state.schemas.get(&t.schema_id).map(|s| &*s.name),
            table_id: None,
            table: None,
            custom_fields: &t.custom_fields,
        }),
        Kind::Column => state.columns.get(&id).map(|c| Row {
            id: c.id,
            ds_id: c.ds_id,
            name: &c.name,
            schema_id: Some(c.schema_id),
            schema_name: None,
            table_id: Some(c.table_id),
            table: state.tables.get(&c.table_id),
            custom_fields: &c.custom_fields,
        }),
    }
}
