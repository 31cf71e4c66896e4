//! A typed client of the Alation REST APIs metaform needs: authentication, data
//! sources, the Relational Integration API v2 (schemas, tables, columns), the Virtual
//! Data Source API and the Jobs API (shared/reference/alation-api.md).
//!
//! Every request goes through the retrying [`HttpClient`]; this module adds what is
//! specific to Alation: the `TOKEN` header and its renewal, `X-Next-Page` paging, and
//! polling asynchronous jobs to their end so that a write is only reported done once
//! Alation says it succeeded.
//!
//! Choices made where the reference marks a fact UNVERIFIED (each is explained where it
//! is implemented):
//! - a 403 with code `403000` on a resource call means an expired access token
//!   (`AlationClient::request`);
//! - `X-Next-Page` is a relative path carrying every filter; an absolute URL is
//!   followed only on the configured origin and under the base URL's path, and refused
//!   otherwise (`next_page`): the token goes with the request;
//! - a page already read, or an empty page that still points to a next one, means the
//!   paging does not end and is an error (`get_all`); Alation gives no total count;
//! - any job status other than `running`/`queued`/`pending`/`successful` ends the job
//!   as a failure, and per-object `errors` fail a successful job (`jobs`);
//! - a column's `position` is written as a string, as the POST documentation types it
//!   ([`wire::ColumnWrite`]);
//! - a virtual data source's title is set with `PUT /integration/v1/datasource/{id}/`
//!   (`datasource`);
//! - the async answer of a write may have any 2xx status.
//! - `userinfo`'s `role` may be spelt `SOURCE_ADMIN` or `Source Admin` (`user`).

mod auth;
mod datasource;
mod error;
mod jobs;
mod pages;
mod rdbms;
mod user;
pub mod wire;

use std::time::Duration;

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};

use crate::http::{HttpClient, HttpError, Idempotency};

pub use auth::AlationAuth;
pub use error::AlationError;
pub use jobs::{JobPolling, RdbmsJobOutcome};
pub use rdbms::{MAX_COLUMNS_PER_WRITE, MAX_SCHEMAS_PER_WRITE, MAX_TABLES_PER_WRITE, WriteMode};
pub use user::{AlationRole, UserInfo};

use auth::TokenStore;

/// Alation's hard cap on objects per GET page (`alation.api.catalog.limit`, §2.3).
pub const MAX_PAGE_SIZE: u32 = 1000;

/// How to reach one Alation instance.
#[derive(Debug, Clone)]
pub struct AlationConfig {
    /// Base URL, e.g. `https://alation.example.com`; a trailing `/` is ignored.
    pub base_url: String,
    /// How to authenticate.
    pub auth: AlationAuth,
    /// Objects per GET page; capped at [`MAX_PAGE_SIZE`].
    pub page_size: u32,
    /// How asynchronous jobs are polled.
    pub polling: JobPolling,
}

/// A request body.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// No body.
    None,
    /// A JSON document.
    Json(Vec<u8>),
    /// JSON Lines (the Virtual Data Source upload).
    JsonLines(Vec<u8>),
}

/// Requests in flight at once when [`AlationClient::with_parallelism`] is not called.
pub const DEFAULT_PARALLELISM: usize = 8;

/// A client of one Alation instance; cheap to clone and safe to share between tasks.
///
/// Clones share one bound on the requests in flight ([`AlationClient::with_parallelism`]):
/// a permit is held from sending a resource request until its answer is read.
#[derive(Debug, Clone)]
pub struct AlationClient {
    http: HttpClient,
    base_url: String,
    page_size: u32,
    polling: JobPolling,
    tokens: std::sync::Arc<TokenStore>,
    parallelism: usize,
    in_flight: std::sync::Arc<tokio::sync::Semaphore>,
}

/// A place among the requests in flight, held until the answer is read.
pub(crate) type InFlight = tokio::sync::OwnedSemaphorePermit;

impl AlationClient {
    /// Builds a client. No request is made until the first call, which authenticates.
    /// The configured secrets are registered with `http` for redaction.
    pub fn new(http: HttpClient, config: AlationConfig) -> Self {
        match &config.auth {
            AlationAuth::AccessToken(token) | AlationAuth::RefreshToken { token, .. } => {
                http.add_secret(token);
            }
            AlationAuth::Password { password, .. } => http.add_secret(password),
        }
        Self {
            http,
            base_url: config.base_url.trim_end_matches('/').to_string(),
            page_size: config.page_size.clamp(1, MAX_PAGE_SIZE),
            polling: config.polling,
            tokens: std::sync::Arc::new(TokenStore::new(config.auth)),
            parallelism: DEFAULT_PARALLELISM,
            in_flight: std::sync::Arc::new(tokio::sync::Semaphore::new(DEFAULT_PARALLELISM)),
        }
    }

    /// This client counting its requests, the objects its lists read and the jobs it
    /// waits for into `progress`.
    pub fn with_progress(mut self, progress: &crate::progress::Counters) -> Self {
        self.http = self.http.with_progress(progress);
        self
    }

    /// The same client with at most `parallelism` (at least 1) resource requests in
    /// flight at once, across all its clones made from now on; list pages are fetched
    /// that many at a time.
    pub fn with_parallelism(mut self, parallelism: usize) -> Self {
        let parallelism = parallelism.max(1);
        self.parallelism = parallelism;
        self.in_flight = std::sync::Arc::new(tokio::sync::Semaphore::new(parallelism));
        self
    }

    /// How many resource requests may be in flight at once.
    pub fn parallelism(&self) -> usize {
        self.parallelism
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Registers a secret obtained at run time (a token) for redaction.
    pub(crate) fn add_secret(&self, secret: &SecretString) {
        self.http.add_secret(secret);
    }

    /// Sends a resource request with the `TOKEN` header.
    ///
    /// When Alation answers 403 with code `403000` (an expired or revoked access
    /// token, §2.5), the access token is renewed once from the refresh token and the
    /// request repeated; a new refresh token is never created here.
    ///
    /// Waits for a place among the requests in flight; the caller keeps the returned
    /// [`InFlight`] until it has read the answer.
    pub(crate) async fn request(
        &self,
        method: Method,
        path_and_query: &str,
        idempotency: Idempotency,
        body: Body,
    ) -> Result<(reqwest::Response, InFlight), AlationError> {
        let endpoint = endpoint_name(&method, path_and_query);
        let permit = std::sync::Arc::clone(&self.in_flight)
            .acquire_owned()
            .await
            .expect("the in-flight semaphore is never closed");
        let mut renewed = false;
        loop {
            let (token, generation) = self.tokens.access_token(self).await?;
            let url = format!("{}{}", self.base_url, path_and_query);
            let result = self
                .http
                .send(&endpoint, idempotency, |c| {
                    let request = c
                        .request(method.clone(), &url)
                        .header("TOKEN", token.expose_secret());
                    with_body(request, &body)
                })
                .await;
            match result {
                Err(err) if !renewed && is_expired_token(&err) => {
                    tracing::debug!(endpoint, "access token rejected, renewing it once");
                    self.tokens.renew(self, generation).await?;
                    renewed = true;
                }
                Err(err) => return Err(AlationError::Http(err)),
                Ok(response) => return Ok((response, permit)),
            }
        }
    }

    /// Sends a request to a token endpoint (no `TOKEN` header) and decodes the answer.
    ///
    /// Exchanging a refresh token for an access token may be repeated (`Repeatable`):
    /// a second exchange only leaves an unused access token behind. Creating a refresh
    /// token may not (`Once`), so that Alation's list of refresh tokens does not grow.
    pub(crate) async fn token_request<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        idempotency: Idempotency,
        body: serde_json::Value,
    ) -> Result<T, AlationError> {
        let endpoint = endpoint_name(&Method::POST, path);
        let url = format!("{}{}", self.base_url, path);
        let bytes = serde_json::to_vec(&body).map_err(|e| AlationError::decode(&endpoint, e))?;
        let response = self
            .http
            .send(&endpoint, idempotency, |c| {
                with_body(c.post(&url), &Body::Json(bytes.clone()))
            })
            .await
            .map_err(AlationError::Http)?;
        self.decode(&endpoint, response).await
    }

    /// GETs one JSON document.
    pub(crate) async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path_and_query: &str,
    ) -> Result<T, AlationError> {
        let endpoint = endpoint_name(&Method::GET, path_and_query);
        let (response, _in_flight) = self
            .request(
                Method::GET,
                path_and_query,
                Idempotency::Repeatable,
                Body::None,
            )
            .await?;
        self.decode(&endpoint, response).await
    }

    /// GETs every page of a list, starting at `path_and_query` (which must carry its
    /// filters) with `limit` added, then following the relative `X-Next-Page` header
    /// until it is absent (§2.3). A next page on another origin, a page already read,
    /// and an empty page pointing to a next one are errors naming the endpoint.
    pub(crate) async fn get_all<T: serde::de::DeserializeOwned>(
        &self,
        path_and_query: &str,
    ) -> Result<Vec<T>, AlationError> {
        self.follow(self.with_limit(path_and_query, self.page_size), Vec::new())
            .await
    }

    /// `path_and_query` with `limit=<limit>` added.
    pub(crate) fn with_limit(&self, path_and_query: &str, limit: u32) -> String {
        let separator = if path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{path_and_query}{separator}limit={limit}")
    }

    /// The objects per GET page.
    pub(crate) fn page_size(&self) -> u32 {
        self.page_size
    }

    /// `items` (already read) and every page from `first` on, following `X-Next-Page`;
    /// see [`AlationClient::get_all`] for what is refused.
    pub(crate) async fn follow<T: serde::de::DeserializeOwned>(
        &self,
        first: String,
        items: Vec<T>,
    ) -> Result<Vec<T>, AlationError> {
        self.follow_mapped(first, items, Ok).await
    }

    /// Like [`follow`](Self::follow), each page's objects turned by `per_page` (which
    /// may refuse the page) before they join `items`.
    pub(crate) async fn follow_mapped<T: serde::de::DeserializeOwned, U>(
        &self,
        first: String,
        mut items: Vec<U>,
        mut per_page: impl FnMut(Vec<T>) -> Result<Vec<U>, AlationError>,
    ) -> Result<Vec<U>, AlationError> {
        let mut seen = std::collections::HashSet::new();
        let mut next = Some(first);
        while let Some(page) = next.take() {
            if !seen.insert(page.clone()) {
                return Err(self.refuse(
                    &page,
                    format!("`X-Next-Page` points back to `{page}`, a page already read"),
                ));
            }
            let (batch, further) = self.get_page::<T>(&page).await?;
            next = further;
            self.http.progress().objects_read(batch.len());
            items.extend(per_page(batch)?);
        }
        Ok(items)
    }

    /// One page of a list: its objects and the next page, if any. An empty page that
    /// points to a further one is refused: the paging would not end.
    pub(crate) async fn get_page<T: serde::de::DeserializeOwned>(
        &self,
        page: &str,
    ) -> Result<(Vec<T>, Option<String>), AlationError> {
        let base = reqwest::Url::parse(&self.base_url)
            .map_err(|e| self.refuse(page, format!("invalid base URL: {e}")))?;
        let endpoint = endpoint_name(&Method::GET, page);
        let (response, _in_flight) = self
            .request(Method::GET, page, Idempotency::Repeatable, Body::None)
            .await?;
        let next = match response.headers().get("x-next-page").map(|v| v.to_str()) {
            Some(Ok(value)) => next_page(&base, value).map_err(|m| self.refuse(page, m))?,
            Some(Err(_)) => return Err(self.refuse(page, "`X-Next-Page` is not text".into())),
            None => None,
        };
        let batch: Vec<T> = self.decode(&endpoint, response).await?;
        if batch.is_empty()
            && let Some(further) = &next
        {
            return Err(self.refuse(
                page,
                format!(
                    "an empty page points to a further page `{further}`: the paging does not end"
                ),
            ));
        }
        Ok((batch, next))
    }

    /// A protocol error about the list `page` belongs to.
    pub(crate) fn refuse(&self, page: &str, message: String) -> AlationError {
        AlationError::Protocol {
            endpoint: endpoint_name(&Method::GET, page),
            message,
        }
    }

    /// Sends a write whose answer is JSON and decodes it.
    pub(crate) async fn write_json<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path_and_query: &str,
        idempotency: Idempotency,
        body: Body,
    ) -> Result<T, AlationError> {
        let endpoint = endpoint_name(&method, path_and_query);
        let (response, _in_flight) = self
            .request(method, path_and_query, idempotency, body)
            .await?;
        self.decode(&endpoint, response).await
    }

    /// Decodes a JSON answer read within the body limit, naming the endpoint when it is
    /// not what was expected.
    async fn decode<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &str,
        response: reqwest::Response,
    ) -> Result<T, AlationError> {
        let bytes = self.http.body(endpoint, response).await?;
        serde_json::from_slice(&bytes).map_err(|e| AlationError::decode(endpoint, e))
    }

    /// The polling settings.
    pub(crate) fn polling(&self) -> &JobPolling {
        &self.polling
    }
}

/// `METHOD path` for error messages: the query string is dropped, so nothing a caller
/// put there can leak.
fn endpoint_name(method: &Method, path_and_query: &str) -> String {
    let path = path_and_query.split('?').next().unwrap_or(path_and_query);
    format!("{method} {path}")
}

fn with_body(request: reqwest::RequestBuilder, body: &Body) -> reqwest::RequestBuilder {
    // Alation's clients send this content type on every request, JSON Lines included (§2.1).
    let request = request.header(
        reqwest::header::CONTENT_TYPE,
        "application/json; charset=utf-8",
    );
    match body {
        Body::None => request,
        Body::Json(bytes) | Body::JsonLines(bytes) => request.body(bytes.clone()),
    }
}

/// Whether a failure is Alation's answer to an expired or invalid access token:
/// 403 with code `403000` (§2.5).
fn is_expired_token(err: &HttpError) -> bool {
    let HttpError::Status {
        status: 403, body, ..
    } = err
    else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("code").and_then(|c| c.as_str().map(str::to_owned)))
        .is_some_and(|code| code == "403000")
}

/// The next page from `X-Next-Page`, as a path and query under `base`: a relative path
/// carrying every filter (§2.3), or an absolute URL on `base`'s origin and under its
/// path. Another origin is refused, naming both: the request would carry the token. An
/// empty value ends the paging.
fn next_page(base: &reqwest::Url, value: &str) -> Result<Option<String>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    // A path (not `//host`, a network-path reference naming another host).
    if value.starts_with('/') && !value.starts_with("//") {
        return Ok(Some(value.to_string()));
    }
    let url = base
        .join(value)
        .map_err(|e| format!("`X-Next-Page` is not a URL: {e}"))?;
    let configured = crate::http::origin::origin_of(base);
    if !crate::http::origin::same_origin(base, &url) {
        return Err(format!(
            "`X-Next-Page` points to another origin, {}, than the configured {configured}: not followed",
            crate::http::origin::origin_of(&url)
        ));
    }
    let prefix = base.path().trim_end_matches('/');
    let path = url.path();
    let Some(rest) = path.strip_prefix(prefix).filter(|r| r.starts_with('/')) else {
        return Err(format!(
            "`X-Next-Page` points to `{path}`, outside the base URL's path `{prefix}/` of {configured}"
        ));
    };
    Ok(Some(match url.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_string(),
    }))
}

/// The pause before poll number `attempt` (from 0): doubling from `initial` to `max`.
pub(crate) fn poll_delay(polling: &JobPolling, attempt: u32) -> Duration {
    polling
        .initial_delay
        .saturating_mul(1u32 << attempt.min(16))
        .min(polling.max_delay)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Endpoint names in errors never carry the query string.
    #[test]
    fn endpoint_names_drop_the_query() {
        assert_eq!(
            endpoint_name(&Method::GET, "/integration/v2/table/?ds_id=1&limit=5"),
            "GET /integration/v2/table/"
        );
    }

    /// Only a 403 with code `403000` triggers a token renewal.
    #[test]
    fn only_403000_means_an_expired_token() {
        let status = |status, body: &str| HttpError::Status {
            endpoint: "GET /x".into(),
            status,
            body: body.into(),
            attempts: 1,
        };
        assert!(is_expired_token(&status(
            403,
            r#"{"detail": "Authentication credentials were not provided.", "code": "403000"}"#
        )));
        assert!(!is_expired_token(&status(403, "forbidden")));
        assert!(!is_expired_token(&status(
            401,
            r#"{"detail": "x", "code": "403000"}"#
        )));
    }

    /// `X-Next-Page` may be relative or absolute on this instance; another origin, even
    /// one that starts with the base URL as a string, is refused; an empty value ends the
    /// paging.
    #[test]
    fn next_pages_become_relative_paths() {
        let text = "http://127.0.0.1:9/alation";
        let base = reqwest::Url::parse(text).unwrap();
        let page = "/integration/v2/table/?ds_id=1&limit=2&skip=2";
        assert_eq!(next_page(&base, page).unwrap().as_deref(), Some(page));
        assert_eq!(
            next_page(&base, &format!("{text}{page}"))
                .unwrap()
                .as_deref(),
            Some(page)
        );
        for other in [
            format!("https://other.example{page}"),
            format!("http://127.0.0.1:9@127.0.0.1:10{page}"),
            format!("//127.0.0.1:10{page}"),
            format!("https://127.0.0.1:9/alation{page}"),
            format!("http://127.0.0.1:9{page}"),
        ] {
            let err = next_page(&base, &other).unwrap_err();
            assert!(err.contains("http://127.0.0.1:9"), "{err}");
        }
        assert_eq!(next_page(&base, " ").unwrap(), None);
    }

    /// Job polling backs off exponentially up to its cap.
    #[test]
    fn poll_delays_double_up_to_the_cap() {
        let polling = JobPolling {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            timeout: Duration::from_secs(1),
        };
        assert_eq!(poll_delay(&polling, 0), Duration::from_millis(100));
        assert_eq!(poll_delay(&polling, 1), Duration::from_millis(200));
        assert_eq!(poll_delay(&polling, 5), Duration::from_millis(350));
    }
}
