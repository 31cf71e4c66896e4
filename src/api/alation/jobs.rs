//! Polling asynchronous jobs to their end (shared/reference/alation-api.md §6.4, §9, §10).
//!
//! A write is done only when its job says `successful` and reports no per-object
//! errors; OpenMetadata's AlationSink never looked, so its failures went unnoticed.

use std::time::Duration;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use super::wire::{JobHandle, JobStatus};
use super::{AlationClient, AlationError, poll_delay};

/// How jobs are polled: a pause doubling from `initial_delay` to `max_delay`, for at
/// most `timeout` in all.
///
/// The default starts at 20 ms: a small write's job often ends within milliseconds, and
/// a first pause of 100 ms (then 200 ms) made every such write wait 0.3 s; a long job
/// is still polled at most every 3 s after a few doublings.
#[derive(Debug, Clone)]
pub struct JobPolling {
    /// Pause before the first poll.
    pub initial_delay: Duration,
    /// Longest pause between polls.
    pub max_delay: Duration,
    /// Give up (with an error) after this long.
    pub timeout: Duration,
}

impl Default for JobPolling {
    fn default() -> Self {
        Self {
            initial_delay: Duration::from_millis(20),
            max_delay: Duration::from_secs(3),
            timeout: Duration::from_secs(30 * 60),
        }
    }
}

/// What a successful schema/table/column job reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RdbmsJobOutcome {
    /// `(id, key)` of every object written.
    pub mapping: Vec<(i64, String)>,
    /// The `response` lines, e.g. `Upserted 8 table objects.`.
    pub responses: Vec<String>,
}

#[derive(Deserialize)]
struct RdbmsResult {
    #[serde(default)]
    response: Option<String>,
    #[serde(default)]
    mapping: Vec<MappingEntry>,
    #[serde(default)]
    errors: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct MappingEntry {
    id: i64,
    key: String,
}

#[derive(Deserialize)]
struct VdsResult {
    #[serde(default)]
    error_objects: Vec<serde_json::Value>,
    #[serde(default)]
    error: Option<String>,
}

impl AlationClient {
    /// Polls the job a Relational Integration write started and checks its result.
    pub(crate) async fn finish_rdbms_job(
        &self,
        endpoint: &str,
        handle: JobHandle,
    ) -> Result<RdbmsJobOutcome, AlationError> {
        let (query, job) = job_query(endpoint, &handle)?;
        let status = self.poll(endpoint, &query, &job).await?;
        let results: Vec<RdbmsResult> = match status.result {
            Some(serde_json::Value::Array(items)) => items
                .into_iter()
                .filter_map(|item| serde_json::from_value(item).ok())
                .collect(),
            _ => Vec::new(),
        };
        let mut outcome = RdbmsJobOutcome::default();
        let mut errors = Vec::new();
        for result in results {
            outcome.responses.extend(result.response);
            outcome
                .mapping
                .extend(result.mapping.into_iter().map(|m| (m.id, m.key)));
            errors.extend(result.errors.iter().map(compact));
        }
        if !errors.is_empty() {
            return Err(AlationError::ObjectErrors {
                endpoint: endpoint.to_string(),
                job,
                message: format!(
                    "{}; errors: {}",
                    status.msg.unwrap_or_default(),
                    errors.join("; ")
                ),
            });
        }
        Ok(outcome)
    }

    /// Polls a Virtual Data Source upload's job; per-line errors make it a failure.
    pub(crate) async fn finish_vds_job(
        &self,
        endpoint: &str,
        handle: JobHandle,
    ) -> Result<(), AlationError> {
        let (query, job) = job_query(endpoint, &handle)?;
        let status = self.poll(endpoint, &query, &job).await?;
        // The result is a JSON-encoded string (§9); an object is accepted too.
        let result: Option<VdsResult> = match &status.result {
            Some(serde_json::Value::String(text)) => serde_json::from_str(text).ok(),
            Some(value @ serde_json::Value::Object(_)) => {
                serde_json::from_value(value.clone()).ok()
            }
            _ => None,
        };
        if let Some(result) = result
            && (!result.error_objects.is_empty() || result.error.is_some())
        {
            let mut parts: Vec<String> = result.error_objects.iter().map(compact).collect();
            parts.extend(result.error);
            return Err(AlationError::Job {
                endpoint: endpoint.to_string(),
                job,
                message: parts.join("; "),
            });
        }
        Ok(())
    }

    /// Polls `GET /api/v1/bulk_metadata/job/?<query>` until the job ends.
    async fn poll(
        &self,
        endpoint: &str,
        query: &str,
        job: &str,
    ) -> Result<JobStatus, AlationError> {
        let polling = self.polling().clone();
        let started = tokio::time::Instant::now();
        let _waiting = self.http.progress().job_waiting();
        let mut attempt = 0;
        loop {
            tokio::time::sleep(poll_delay(&polling, attempt)).await;
            attempt += 1;
            let status: JobStatus = self
                .get_json(&format!("/api/v1/bulk_metadata/job/?{query}"))
                .await?;
            match status.status.to_ascii_lowercase().as_str() {
                "successful" => return Ok(status),
                "running" | "queued" | "pending" => {}
                // `failed`, and `partially_successful` which some producers use (§10).
                other => {
                    let mut message = status.msg.clone().unwrap_or_else(|| other.to_string());
                    if let Some(result) = &status.result {
                        message = format!("{message}; result: {}", compact(result));
                    }
                    return Err(AlationError::Job {
                        endpoint: endpoint.to_string(),
                        job: job.to_string(),
                        message,
                    });
                }
            }
            if started.elapsed() >= polling.timeout {
                return Err(AlationError::JobTimeout {
                    endpoint: endpoint.to_string(),
                    job: job.to_string(),
                    seconds: polling.timeout.as_secs(),
                });
            }
        }
    }
}

/// The job query (`id=N` or `name=<url-encoded>`) and the job's name for messages.
fn job_query(endpoint: &str, handle: &JobHandle) -> Result<(String, String), AlationError> {
    if let Some(id) = &handle.job_id {
        let id = match id {
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let encoded = utf8_percent_encode(&id, NON_ALPHANUMERIC).to_string();
        return Ok((format!("id={encoded}"), id));
    }
    if let Some(name) = &handle.job_name {
        // Names contain `#` and must be URL-encoded (§9).
        let encoded = utf8_percent_encode(name, NON_ALPHANUMERIC).to_string();
        return Ok((format!("name={encoded}"), name.clone()));
    }
    Err(AlationError::Protocol {
        endpoint: endpoint.to_string(),
        message: "the answer carries neither `job_id` nor `job_name`".into(),
    })
}

/// A JSON value on one line, shortened for messages.
fn compact(value: &serde_json::Value) -> String {
    let mut text = match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.len() > 300 {
        let cut = text.floor_char_boundary(300);
        text.truncate(cut);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// VDS job names (with `#`) are URL-encoded when polled.
    #[test]
    fn job_names_are_url_encoded() {
        let handle = JobHandle {
            job_id: None,
            job_name: Some("MetadataExtraction#1_x".into()),
        };
        let (query, job) = job_query("POST /x", &handle).unwrap();
        assert_eq!(query, "name=MetadataExtraction%231%5Fx");
        assert_eq!(job, "MetadataExtraction#1_x");
    }

    /// An async answer without a job handle is a protocol error.
    #[test]
    fn a_handle_without_a_job_is_an_error() {
        let handle = JobHandle {
            job_id: None,
            job_name: None,
        };
        assert!(job_query("POST /x", &handle).is_err());
    }
}
