//! The HTTP client every adapter uses: rustls, timeouts, TLS options and retries of
//! transient failures.
//!
//! Adapters describe a request with a closure so that it can be rebuilt for each attempt;
//! the client retries what is safe to retry (the caller says so) and reports a failure
//! naming the endpoint and the last status.

mod retry;

pub use retry::RetryPolicy;

use std::path::PathBuf;
use std::time::Duration;

/// How to build the client.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Verify TLS certificates (on unless the user says `verifySSL: ignore`).
    pub verify_tls: bool,
    /// Extra CA bundle (PEM) to trust.
    pub ca_certificate: Option<PathBuf>,
    /// Retry policy for transient failures.
    pub retry: RetryPolicy,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            verify_tls: true,
            ca_certificate: None,
            retry: RetryPolicy::default(),
        }
    }
}

/// A failed HTTP exchange, after retries.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The client could not be built (bad CA bundle, ...).
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),
    /// No response: connection refused or reset, timeout, DNS.
    #[error("{endpoint}: {message} (after {attempts} attempt(s))")]
    Transport {
        /// `METHOD path` of the request.
        endpoint: String,
        /// What went wrong, without URL query strings or headers.
        message: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The server answered with an error status.
    #[error("{endpoint}: HTTP {status}: {body} (after {attempts} attempt(s))")]
    Status {
        /// `METHOD path` of the request.
        endpoint: String,
        /// The last status.
        status: u16,
        /// The error body (truncated), as the server sent it.
        body: String,
        /// How many attempts were made.
        attempts: u32,
    },
}

impl HttpError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Whether a request may be sent again after a transient failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Repeating the request has the same effect as sending it once.
    Repeatable,
    /// Sending it twice could do the work twice: never retried once it may have arrived.
    Once,
}

/// A configured HTTP client with retries.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    retry: RetryPolicy,
}

impl HttpClient {
    /// Builds a client from options.
    pub fn new(options: &HttpOptions) -> Result<Self, HttpError> {
        let mut builder = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .danger_accept_invalid_certs(!options.verify_tls)
            .user_agent(concat!("metaform/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &options.ca_certificate {
            let pem = std::fs::read(path).map_err(|e| {
                HttpError::Setup(format!(
                    "failed to read CA bundle `{}`: {e}",
                    path.display()
                ))
            })?;
            for cert in reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                HttpError::Setup(format!("invalid CA bundle `{}`: {e}", path.display()))
            })? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let inner = builder
            .build()
            .map_err(|e| HttpError::Setup(e.to_string()))?;
        Ok(Self {
            inner,
            retry: options.retry.clone(),
        })
    }

    /// The underlying reqwest client, for building requests.
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.inner
    }

    /// Sends the request that `build` makes, retrying transient failures (429 honouring
    /// `Retry-After`, 502/503/504, 500 when the request is repeatable, resets and
    /// timeouts) with jittered exponential backoff.
    ///
    /// `endpoint` names the request in errors, e.g. `GET /api/v1/tables`; it must not
    /// contain secrets. A non-success status that is not transient is returned as
    /// [`HttpError::Status`] at once.
    pub async fn send<F>(
        &self,
        endpoint: &str,
        idempotency: Idempotency,
        build: F,
    ) -> Result<reqwest::Response, HttpError>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        retry::send(self, endpoint, idempotency, build).await
    }
}
