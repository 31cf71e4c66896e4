//! `POST` and `PATCH /integration/v2/{schema,table,column}/?ds_id=N`
//! (shared/reference/alation-api.md §5, §6).
//!
//! Both take a JSON array and answer 202 `{"job_id": N}`; the job result is
//! `[{"response", "mapping", "errors"}]` (§6.4). Items that are malformed (not an object,
//! no `key`, a column without `column_type`, a key that does not parse or names another
//! data source, a field of the wrong type) reject the whole request with 400 `400010`
//! and one error object per item. Choices on UNVERIFIED points: an item whose parent is
//! missing (a table without its schema, a column without its table) or a PATCH item
//! naming no existing object is not written and is reported as a string in the job
//! result's `errors`, while the job still ends `successful`; payload limits apply to
//! PATCH as to POST; a payload over its limit is answered 400 `400000`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::app::App;
use super::auth::authenticate_writer;
use super::clock::Clock;
use super::errors::{ApiError, ApiResult};
use super::fields::Fields;
use super::items::{ColumnFields, SchemaFields, TableFields};
use super::jobs::{self, Outcome};
use super::keys::{Kind, ObjectKey};
use super::request::{json_body, query_pairs, query_value};
use super::state::AlationState;

/// The largest POST or PATCH body of each kind (§5: hard limits).
fn max_items(kind: Kind) -> usize {
    match kind {
        Kind::Schema | Kind::Table => 1_000,
        Kind::Column => 10_000,
    }
}

/// The fields of one item, by kind.
enum ItemFields {
    Schema(SchemaFields),
    Table(TableFields),
    Column(ColumnFields),
}

/// Which object a PATCH item names.
enum Target {
    Id(u64),
    Key(String, ObjectKey),
}

/// `POST /integration/v2/{kind}/?ds_id=N`: full-replace upsert by key.
pub(super) async fn post(
    app: State<App>,
    headers: HeaderMap,
    raw: RawQuery,
    body: Bytes,
    kind: Kind,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (app, ds_id, items) = prepare(app, &headers, raw, &body, kind)?;
    let parsed = read_all(&items, |item| read_post_item(item, kind, ds_id))?;
    let job = Job {
        kind,
        verb: "upsert",
        done: "Upserted",
    };
    run(&app, job, &parsed, |state, (key_text, key, fields)| {
        upsert(state, key, key_text, fields).map(|id| json!({"id": id, "key": key_text}))
    })
}

/// `PATCH /integration/v2/{kind}/?ds_id=N`: only the given fields of existing objects.
pub(super) async fn patch(
    app: State<App>,
    headers: HeaderMap,
    raw: RawQuery,
    body: Bytes,
    kind: Kind,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (app, ds_id, items) = prepare(app, &headers, raw, &body, kind)?;
    let parsed = read_all(&items, |item| read_patch_item(item, kind, ds_id))?;
    let job = Job {
        kind,
        verb: "update",
        done: "Updated",
    };
    run(&app, job, &parsed, |state, (target, fields)| {
        update(state, kind, ds_id, target, fields).map(|(id, key)| json!({"id": id, "key": key}))
    })
}

/// Reads every item, or rejects the whole request with one error object per item
/// (`{}` for the items that were fine).
fn read_all<T>(items: &[Value], read: impl Fn(&Value) -> Result<T, Value>) -> ApiResult<Vec<T>> {
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        match read(item) {
            Ok(p) => {
                parsed.push(p);
                errors.push(json!({}));
            }
            Err(e) => errors.push(e),
        }
    }
    if parsed.len() < items.len() {
        return Err(ApiError::invalid_input(errors));
    }
    Ok(parsed)
}

/// What a write job does, for its messages: `verb` in a failure, `done` in a success.
struct Job {
    kind: Kind,
    verb: &'static str,
    done: &'static str,
}

/// Runs one write job and answers 202 with its id. An injected failure writes nothing;
/// otherwise `write` stores each item and gives its mapping entry or an error string.
fn run<T>(
    app: &App,
    job: Job,
    parsed: &[T],
    mut write: impl FnMut(&mut AlationState, &T) -> Result<Value, String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let mut state = app.state.write();
    let started = app.now();
    let job_id = jobs::next_job_id(&mut state);
    let outcome = if jobs::should_fail(&app.options, job_id) {
        failed(job.kind, job.verb, &app.options.clock, started)
    } else {
        let mut mapping = Vec::new();
        let mut errors = Vec::new();
        for item in parsed {
            match write(&mut state, item) {
                Ok(entry) => mapping.push(entry),
                Err(e) => errors.push(Value::String(e)),
            }
        }
        let response = format!(
            "{} {} {} objects.",
            job.done,
            mapping.len(),
            job.kind.otype()
        );
        succeeded(response, mapping, errors, &app.options.clock, started)
    };
    jobs::record(&mut state, job_id, None, outcome);
    Ok((StatusCode::ACCEPTED, Json(json!({"job_id": job_id}))))
}

/// Checks the caller, `ds_id` and the body's shape and size.
fn prepare(
    State(app): State<App>,
    headers: &HeaderMap,
    RawQuery(raw): RawQuery,
    body: &[u8],
    kind: Kind,
) -> ApiResult<(App, u64, Vec<Value>)> {
    let pairs = query_pairs(raw.as_deref());
    let ds_id = {
        let state = app.state.read();
        authenticate_writer(&state, headers, app.now())?;
        let ds = query_value(&pairs, "ds_id")
            .ok_or_else(|| ApiError::bad_request("The ds_id query parameter is required."))?;
        let ds_id: u64 = ds
            .trim()
            .parse()
            .map_err(|_| ApiError::bad_request(format!("ds_id must be an integer, got `{ds}`")))?;
        if !state.datasources.contains_key(&ds_id) {
            return Err(ApiError::not_found(format!(
                "Data source with id {ds_id} does not exist"
            )));
        }
        ds_id
    };
    let items = match json_body(body)? {
        Value::Array(items) => items,
        other => {
            return Err(ApiError::bad_request(format!(
                "The request body must be wrapped in an array, got {}.",
                type_name(&other)
            )));
        }
    };
    if items.len() > max_items(kind) {
        return Err(ApiError::bad_request(format!(
            "At most {} {kind} objects may be sent in one request, got {}.",
            max_items(kind),
            items.len()
        )));
    }
    Ok((app, ds_id, items))
}

fn read_post_item(
    item: &Value,
    kind: Kind,
    ds_id: u64,
) -> Result<(String, ObjectKey, ItemFields), Value> {
    let mut f = Fields::new(item)?;
    let key_text = match f.text("key") {
        Some(Some(k)) if !k.is_empty() => Some(k),
        _ => {
            f.error("key", "400068: API Key is a required input");
            None
        }
    };
    let key = key_text.as_deref().and_then(|k| {
        ObjectKey::parse(k, kind, ds_id)
            .map_err(|e| f.error("key", e))
            .ok()
    });
    let fields = read_fields(&mut f, kind, true);
    match (f.into_errors(), key_text, key) {
        (None, Some(text), Some(key)) => Ok((text, key, fields)),
        (errors, _, _) => Err(errors.unwrap_or_else(|| json!({}))),
    }
}

fn read_patch_item(item: &Value, kind: Kind, ds_id: u64) -> Result<(Target, ItemFields), Value> {
    let mut f = Fields::new(item)?;
    let id = f.integer("id").flatten();
    let key_text = f.text("key").flatten();
    let target = match (id, key_text) {
        (Some(id), _) => u64::try_from(id).ok().map(Target::Id),
        (None, Some(text)) => ObjectKey::parse(&text, kind, ds_id)
            .map_err(|e| f.error("key", e))
            .ok()
            .map(|key| Target::Key(text, key)),
        (None, None) => {
            f.error("non_field_errors", "Either id or key is required.");
            None
        }
    };
    let fields = read_fields(&mut f, kind, false);
    match (f.into_errors(), target) {
        (None, Some(target)) => Ok((target, fields)),
        (errors, _) => Err(errors.unwrap_or_else(|| json!({"id": ["Invalid id."]}))),
    }
}

fn read_fields(f: &mut Fields<'_>, kind: Kind, post: bool) -> ItemFields {
    match kind {
        Kind::Schema => ItemFields::Schema(SchemaFields::read(f)),
        Kind::Table => ItemFields::Table(TableFields::read(f)),
        Kind::Column => ItemFields::Column(ColumnFields::read(f, post)),
    }
}

fn upsert(
    state: &mut AlationState,
    key: &ObjectKey,
    key_text: &str,
    fields: &ItemFields,
) -> Result<u64, String> {
    match fields {
        ItemFields::Schema(fs) => state.upsert_schema(key, key_text, |s| {
            s.reset();
            fs.apply(s);
        }),
        ItemFields::Table(fs) => state.upsert_table(key, key_text, |t| {
            t.reset();
            fs.apply(t);
        }),
        ItemFields::Column(fs) => state.upsert_column(key, key_text, |c| {
            c.reset();
            fs.apply(c);
        }),
    }
}

/// Applies a PATCH item; answers the object's id and key.
fn update(
    state: &mut AlationState,
    kind: Kind,
    ds_id: u64,
    target: &Target,
    fields: &ItemFields,
) -> Result<(u64, String), String> {
    let id = match target {
        Target::Id(id) => Some(*id),
        Target::Key(_, key) => state.find(kind, key),
    };
    let missing = || match target {
        Target::Id(id) => format!("{kind} with id {id} does not exist in data source {ds_id}"),
        Target::Key(text, _) => format!("{kind} with key {text} does not exist"),
    };
    let id = id.ok_or_else(missing)?;
    match fields {
        ItemFields::Schema(fs) => {
            let s = state.schemas.get_mut(&id).filter(|s| s.ds_id == ds_id);
            let s = s.ok_or_else(missing)?;
            fs.apply(s);
            Ok((s.id, s.key.to_string()))
        }
        ItemFields::Table(fs) => {
            let t = state.tables.get_mut(&id).filter(|t| t.ds_id == ds_id);
            let t = t.ok_or_else(missing)?;
            fs.apply(t);
            Ok((t.id, t.key.to_string()))
        }
        ItemFields::Column(fs) => {
            let c = state.columns.get_mut(&id).filter(|c| c.ds_id == ds_id);
            let c = c.ok_or_else(missing)?;
            fs.apply(c);
            Ok((c.id, c.key.to_string()))
        }
    }
}

fn succeeded(
    response: String,
    mapping: Vec<Value>,
    errors: Vec<Value>,
    clock: &Clock,
    started: i64,
) -> Outcome {
    Outcome {
        succeeded: true,
        msg: jobs::finished_msg(clock, started),
        result: json!([{"response": response, "mapping": mapping, "errors": errors}]),
    }
}

fn failed(kind: Kind, verb: &str, clock: &Clock, started: i64) -> Outcome {
    let reason = format!(
        "Job failed: the {verb} of {} objects was aborted (injected failure); nothing was written.",
        kind.otype()
    );
    Outcome {
        succeeded: false,
        msg: format!("{reason} {}", jobs::finished_msg(clock, started)),
        result: json!([{"response": reason, "mapping": [], "errors": [reason]}]),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
