//! Retries of transient failures with capped, jittered exponential backoff.
//!
//! A `Retry-After` is the server's word about the client, not about one request: with
//! several requests in flight, the others would keep hammering a server that asked for
//! a pause. So the instant it names is kept in the client ([`NotBefore`], shared by its
//! clones), and every attempt of every request waits for it before it is sent. Backoff
//! after a failure without `Retry-After` stays with the request that failed.

use std::time::{Duration, SystemTime};

use rand::Rng;

use super::{CrossOrigin, HttpClient, HttpError, Idempotency};

/// How much of an error body is read: far more than is shown (500 characters), so the
/// secrets in it are redacted whole before it is shortened.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

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

/// The earliest instant the next request may be sent, set from `Retry-After`.
#[derive(Debug, Clone, Default)]
pub(super) struct NotBefore(std::sync::Arc<std::sync::Mutex<Option<tokio::time::Instant>>>);

impl NotBefore {
    /// Holds every request back for `wait` from now (never shortens a longer pause).
    fn set(&self, wait: Duration) {
        let until = tokio::time::Instant::now() + wait;
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none_or(|t| t < until) {
            *guard = Some(until);
        }
    }

    /// Waits until the instant a `Retry-After` named has passed.
    async fn wait(&self) {
        loop {
            let until = *self.0.lock().unwrap_or_else(|e| e.into_inner());
            match until {
                Some(t) if t > tokio::time::Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }
}

/// Statuses that mean "try again later".
///
/// 429 and 503 say the work was not done. 500, 502 and 504 too (SPEC §6: "5xx"), but
/// only for a request that may be repeated: the server, or the one behind a gateway
/// that gave up waiting, may have done the work before the failure.
fn is_transient(status: u16, idempotency: Idempotency) -> bool {
    match status {
        429 | 503 => true,
        500 | 502 | 504 => idempotency == Idempotency::Repeatable,
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

/// Parses an HTTP date: the IMF-fixdate servers send (`Sun, 06 Nov 1994 08:49:37 GMT`)
/// and the obsolete RFC 850 and asctime forms RFC 9110 §5.6.7 says recipients accept.
/// Out-of-range fields yield `None`: a server's header must not crash the client.
fn httpdate_parse(text: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(text).ok()
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
        client.progress.request();
        client.not_before.wait().await;
        match build(&client.inner).send().await {
            Ok(response) if response.status().is_success() => return Ok(response),
            Ok(response) => {
                let status = response.status().as_u16();
                // A status answer means the server decided; see `is_transient`.
                if is_transient(status, idempotency) && !last {
                    match retry_after(&response, SystemTime::now()) {
                        Some(asked) => {
                            let wait = asked.min(policy.max_delay);
                            tracing::debug!(
                                endpoint,
                                status,
                                ?wait,
                                "Retry-After, every request waits"
                            );
                            client.not_before.set(wait);
                        }
                        None => {
                            let wait = policy.backoff(attempt);
                            tracing::debug!(endpoint, status, ?wait, "transient status, retrying");
                            tokio::time::sleep(wait).await;
                        }
                    }
                    continue;
                }
                let raw = super::body::read_prefix(response, ERROR_BODY_LIMIT).await;
                let raw = client.secrets.redact(&String::from_utf8_lossy(&raw));
                let mut body = one_line(&raw);
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
                if let Some(refused) = cross_origin(&err) {
                    return Err(HttpError::CrossOrigin {
                        endpoint: endpoint.to_string(),
                        from: refused.from.clone(),
                        to: refused.to.clone(),
                    });
                }
                let may_repeat = idempotency == Idempotency::Repeatable || err.is_connect();
                let message = match (err.is_timeout(), err.is_connect()) {
                    (true, true) => format!(
                        "timed out connecting, after {} (`timeouts.connect`)",
                        humantime::format_duration(client.timeouts.0)
                    ),
                    (true, false) => format!(
                        "timed out after {} (`timeouts.request`)",
                        humantime::format_duration(client.timeouts.1)
                    ),
                    _ => super::transport::describe(err),
                };
                if may_repeat && !last {
                    let wait = policy.backoff(attempt);
                    tracing::debug!(endpoint, error = %message, ?wait, "transport error, retrying");
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Err(HttpError::Transport {
                    endpoint: endpoint.to_string(),
                    message,
                    attempts: attempt,
                });
            }
        }
    }
}

/// An error body on one line: an HTML page (a proxy's, or a server that is not the API
/// configured) reduced to its text, and runs of whitespace collapsed.
fn one_line(body: &str) -> String {
    let html = body.trim_start().starts_with('<');
    let mut text = String::with_capacity(body.len());
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' if html => in_tag = true,
            '>' if html && in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if in_tag => {}
            _ => text.push(c),
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The refused redirect behind a transport error, if that is what it is.
fn cross_origin(err: &reqwest::Error) -> Option<&CrossOrigin> {
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<CrossOrigin>() {
            return Some(refused);
        }
        source = s.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An IMF-fixdate `Retry-After` parses to its instant.
    #[test]
    fn parses_imf_fixdate() {
        let t = httpdate_parse("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
            784_111_777
        );
    }

    /// The obsolete RFC 850 and asctime forms parse to the same instant.
    #[test]
    fn parses_obsolete_http_dates() {
        let fixdate = httpdate_parse("Sun, 06 Nov 1994 08:49:37 GMT");
        assert!(fixdate.is_some());
        assert_eq!(httpdate_parse("Sunday, 06-Nov-94 08:49:37 GMT"), fixdate);
        assert_eq!(httpdate_parse("Sun Nov  6 08:49:37 1994"), fixdate);
    }

    /// A 500, 502 or 504 is retried when the request may be repeated, never when it may
    /// not (the work may have been done); 429 and 503 always are.
    #[test]
    fn server_errors_are_retried_when_the_request_is_repeatable() {
        for status in [500, 502, 504] {
            assert!(is_transient(status, Idempotency::Repeatable));
            assert!(!is_transient(status, Idempotency::Once));
        }
        for status in [429, 503] {
            assert!(is_transient(status, Idempotency::Once));
        }
        assert!(!is_transient(404, Idempotency::Repeatable));
    }

    /// A `Retry-After` date with out-of-range fields is ignored, not an overflow.
    #[test]
    fn absurd_retry_after_dates_are_ignored() {
        for text in [
            "Sun, 06 Nov 99999999999999999 08:49:37 GMT",
            "Sun, 06 Nov 1994 999999999999999:49:37 GMT",
            "Sun, -9223372036854775808 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(httpdate_parse(text), None, "{text}");
        }
    }

    /// An HTML error page becomes one line of its text; JSON keeps its content.
    #[test]
    fn error_bodies_fit_on_one_line() {
        assert_eq!(
            one_line(
                "<!DOCTYPE HTML>\n<html><body>\n  <h1>Error</h1>\n  <p>Code: 501</p>\n</body></html>\n"
            ),
            "Error Code: 501"
        );
        assert_eq!(
            one_line("{\"detail\": \"a < b\",\n \"code\": \"400\"}"),
            "{\"detail\": \"a < b\", \"code\": \"400\"}"
        );
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

    #[tokio::test]
    async fn a_reset_is_described_without_the_url() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                drop(socket);
            }
        });
        let options = crate::http::HttpOptions {
            retry: RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            },
            ..crate::http::HttpOptions::default()
        };
        let client = HttpClient::new(&options).unwrap();
        let url = format!("http://{addr}/secret-path?token=abc");
        let err = client
            .send("GET /x", Idempotency::Once, |c| c.get(&url))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("GET /x: "), "{err}");
        assert!(!err.contains("secret-path"), "{err}");
        assert!(!err.contains("token=abc"), "{err}");
    }
}
