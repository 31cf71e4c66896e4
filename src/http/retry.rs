//! Retries of transient failures with capped, jittered exponential backoff.

use std::time::{Duration, SystemTime};

use rand::Rng;

use super::{HttpClient, HttpError, Idempotency};

/// How transient failures are retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubled each time.
    pub base_delay: Duration,
    /// Upper bound of one backoff, and of an honoured `Retry-After`.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The jittered backoff before attempt `attempt + 1` (attempt counts from 1).
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let capped = exp.min(self.max_delay);
        // Full jitter between half and all of the capped delay.
        let millis = capped.as_millis() as u64;
        let jittered = rand::rng().random_range(millis / 2..=millis.max(1));
        Duration::from_millis(jittered)
    }
}

/// Statuses that mean "try again later".
///
/// 500 too (SPEC §6: "5xx"), but only for a request that may be repeated: the server
/// may have done part of the work before failing.
fn is_transient(status: u16, idempotency: Idempotency) -> bool {
    match status {
        429 | 502 | 503 | 504 => true,
        500 => idempotency == Idempotency::Repeatable,
        _ => false,
    }
}

/// Parses `Retry-After` as seconds or as an HTTP date.
pub(crate) fn retry_after(response: &reqwest::Response, now: SystemTime) -> Option<Duration> {
    let value = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = httpdate_parse(value)?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form servers send.
fn httpdate_parse(text: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts[..] else {
        return None;
    };
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == month)? as i64
        + 1;
    let day: i64 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms[..] else { return None };
    // Days from civil date (proleptic Gregorian), Howard Hinnant's algorithm.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + m * 60 + s;
    u64::try_from(secs)
        .ok()
        .map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s))
}

pub(super) async fn send<F>(
    client: &HttpClient,
    endpoint: &str,
    idempotency: Idempotency,
    build: F,
) -> Result<reqwest::Response, HttpError>
where
    F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
{
    let policy = &client.retry;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let last = attempt >= policy.max_attempts;
        match build(&client.inner).send().await {
            Ok(response) if response.status().is_success() => return Ok(response),
            Ok(response) => {
                let status = response.status().as_u16();
                // A status answer means the server decided; 429/503 say it did no work.
                if is_transient(status, idempotency) && !last {
                    let wait = retry_after(&response, SystemTime::now())
                        .map(|d| d.min(policy.max_delay))
                        .unwrap_or_else(|| policy.backoff(attempt));
                    tracing::debug!(endpoint, status, ?wait, "transient status, retrying");
                    tokio::time::sleep(wait).await;
                    continue;
                }
                let mut body = response.text().await.unwrap_or_default();
                if body.len() > 500 {
                    let cut = body.floor_char_boundary(500);
                    body.truncate(cut);
                    body.push('…');
                }
                return Err(HttpError::Status {
                    endpoint: endpoint.to_string(),
                    status,
                    body,
                    attempts: attempt,
                });
            }
            Err(err) => {
                let may_repeat = idempotency == Idempotency::Repeatable || err.is_connect();
                if may_repeat && !last {
                    let wait = policy.backoff(attempt);
                    tracing::debug!(endpoint, error = %err.without_url(), ?wait, "transport error, retrying");
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Err(HttpError::Transport {
                    endpoint: endpoint.to_string(),
                    message: describe(&err),
                    attempts: attempt,
                });
            }
        }
    }
}

/// A transport error in words, without the URL (which may carry query secrets).
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out".into()
    } else if err.is_connect() {
        "cannot connect".into()
    } else {
        let mut text = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_imf_fixdate() {
        let t = httpdate_parse("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
            784_111_777
        );
    }

    /// A 500 is retried when the request may be repeated, never when it may not;
    /// the other transient statuses always are.
    #[test]
    fn server_errors_are_retried_when_the_request_is_repeatable() {
        assert!(is_transient(500, Idempotency::Repeatable));
        assert!(!is_transient(500, Idempotency::Once));
        for status in [429, 502, 503, 504] {
            assert!(is_transient(status, Idempotency::Once));
        }
        assert!(!is_transient(404, Idempotency::Repeatable));
    }

    #[test]
    fn backoff_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
        };
        for attempt in 1..10 {
            assert!(p.backoff(attempt) <= Duration::from_millis(400));
        }
        assert!(p.backoff(1) >= Duration::from_millis(50));
    }
}
