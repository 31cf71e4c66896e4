//! Asynchronous jobs and `GET /api/v1/bulk_metadata/job/` (shared/reference/alation-api.md
//! §10).
//!
//! A job's writes are applied when it is submitted; the first poll of every job reports
//! `running` (without `result`) and later polls report the final `successful` or `failed`
//! body. With `job_failure_rate` set, whether a job fails is a pure function of the seed
//! and the job id; a failing job writes nothing. Choice on an UNVERIFIED point: an
//! unknown job id or name is answered 404 `404000`.
//!
//! Jobs are kept for the life of the instance, as Alation keeps them, so a job's result
//! is stored as its JSON text: a column job's mapping names up to 10,000 objects, and as
//! a tree of JSON values the mappings of one full upload would outweigh the catalog.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::value::{RawValue, to_raw_value};
use serde_json::{Value, json};

use super::AlationOptions;
use super::app::App;
use super::auth::authenticate;
use super::clock::{self, Clock};
use super::errors::{ApiError, ApiResult};
use super::request::{query_pairs, query_value};
use super::state::{AlationState, IdSpace, Job};

/// The final report of a job.
pub(super) struct Outcome {
    pub(super) succeeded: bool,
    pub(super) msg: String,
    pub(super) result: Value,
}

/// Whether job `id` is one of the jobs chosen to fail.
pub(super) fn should_fail(options: &AlationOptions, id: u64) -> bool {
    if options.job_failure_rate <= 0.0 {
        return false;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ id.wrapping_mul(0xD1B5_4A32_D192_ED03));
    rng.random::<f64>() < options.job_failure_rate
}

/// Reserves the next job id.
pub(super) fn next_job_id(state: &mut AlationState) -> u64 {
    state.next_id(IdSpace::Job)
}

/// Records a finished job under `id` (and `name`, for Virtual Data Source jobs).
pub(super) fn record(state: &mut AlationState, id: u64, name: Option<String>, outcome: Outcome) {
    // A `Value` always has a JSON text; `null` would only stand in for an impossible error.
    let result = to_raw_value(&outcome.result).unwrap_or_else(|_| RawValue::NULL.to_owned());
    state.jobs.insert(
        id,
        Job {
            id,
            name,
            polls: 0,
            succeeded: outcome.succeeded,
            msg: outcome.msg,
            result,
        },
    );
}

/// The body of a finished job's poll.
#[derive(Serialize)]
struct Finished<'a> {
    status: &'static str,
    msg: &'a str,
    result: &'a RawValue,
}

/// `Job finished in … seconds at …`, as Alation words it (§6.4), for a job that
/// started at `started` and ends now on `clock`.
pub(super) fn finished_msg(clock: &Clock, started: i64) -> String {
    let now = clock.now_micros();
    let secs = (now - started) as f64 / 1e6;
    format!(
        "Job finished in {secs:.6} seconds at {}",
        clock::job_time(now)
    )
}

/// `GET /api/v1/bulk_metadata/job/?id=N` or `?name=…`.
pub(super) async fn get_job(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let pairs = query_pairs(raw.as_deref());
    let mut state = app.state.write();
    authenticate(&state, &headers, app.now())?;
    let job = if let Some(id) = query_value(&pairs, "id") {
        let id: u64 = id
            .trim()
            .parse()
            .map_err(|_| ApiError::bad_request(format!("job id must be an integer, got `{id}`")))?;
        state.jobs.get_mut(&id)
    } else if let Some(name) = query_value(&pairs, "name") {
        state
            .jobs
            .values_mut()
            .find(|j| j.name.as_deref() == Some(name))
    } else {
        return Err(ApiError::bad_request("Either id or name is required."));
    };
    let job = job.ok_or_else(|| ApiError::not_found("Job does not exist."))?;
    job.polls += 1;
    if job.polls == 1 {
        let running = json!({"status": "running", "msg": "Job is running."});
        return Ok(Json(running).into_response());
    }
    let status = if job.succeeded {
        "successful"
    } else {
        "failed"
    };
    let body = Finished {
        status,
        msg: &job.msg,
        result: &job.result,
    };
    Ok(Json(body).into_response())
}
