//! The HTTP client every adapter uses: rustls, timeouts, TLS options, retries of
//! transient failures, bounded bodies and credentials kept to their origin.
//!
//! Adapters describe a request with a closure so that it can be rebuilt for each attempt;
//! the client retries what is safe to retry (the caller says so) and reports a failure
//! naming the endpoint and the last status.
//!
//! The client holds credentials for one origin only: a redirect to another scheme, host
//! or port is refused (naming both origins) instead of followed, since it would carry
//! the `TOKEN` header or re-post a refresh token there; a redirect within the origin is
//! followed. Bodies are read within [`HttpOptions::max_body_bytes`], and secrets the
//! adapters register are redacted from error bodies.
//!
//! Every request sent (each attempt) is counted in the client's [`Counters`], which the
//! commands read to show progress; the API clients count the objects their pages list
//! into the same counters ([`HttpClient::progress`]).

mod body;
pub mod origin;
mod redact;
mod retry;
mod transport;

pub(crate) use body::BodyError;
pub use retry::RetryPolicy;

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

use crate::progress::Counters;

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
    /// Largest response body read, in bytes, after decompression.
    pub max_body_bytes: u64,
}

/// Default of [`HttpOptions::max_body_bytes`]: 128 MiB, ample for a page of 1,000
/// objects with long descriptions, small enough never to exhaust memory.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 128 * 1024 * 1024;

/// How many redirects within the origin are followed.
const MAX_REDIRECTS: usize = 10;

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            verify_tls: true,
            ca_certificate: None,
            retry: RetryPolicy::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
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
    /// The server redirected to another origin, which would receive the credentials.
    #[error(
        "{endpoint}: refusing a redirect from {from} to another origin, {to}: credentials are only sent to {from}"
    )]
    CrossOrigin {
        /// `METHOD path` of the request.
        endpoint: String,
        /// The configured origin.
        from: String,
        /// The origin the server pointed to.
        to: String,
    },
    /// The response body is larger than the configured limit.
    #[error(
        "{endpoint}: the answer is larger than {limit} bytes (`maxResponseSize`), reading stopped"
    )]
    TooLarge {
        /// `METHOD path` of the request.
        endpoint: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The server answered with an error status.
    #[error("{endpoint}: HTTP {status}: {body} (after {attempts} attempt(s))")]
    Status {
        /// `METHOD path` of the request.
        endpoint: String,
        /// The last status.
        status: u16,
        /// The error body (truncated), as the server sent it, secrets redacted.
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
    max_body_bytes: u64,
    /// Connect and request timeouts, for messages.
    timeouts: (Duration, Duration),
    secrets: redact::Secrets,
    progress: Counters,
    /// When the server asked to be left alone until (`Retry-After`); clones share it.
    not_before: retry::NotBefore,
}

/// Why a redirect was refused; [`retry`] turns it into [`HttpError::CrossOrigin`].
#[derive(Debug, thiserror::Error)]
#[error("redirect from {from} to another origin, {to}")]
struct CrossOrigin {
    from: String,
    to: String,
}

/// Follows redirects within the origin of the first request, refuses the others.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        // The first request's URL is always there; without it nothing is followed.
        let Some(first) = attempt.previous().first() else {
            return attempt.stop();
        };
        if !origin::same_origin(first, attempt.url()) {
            let refused = CrossOrigin {
                from: origin::origin_of(first),
                to: origin::origin_of(attempt.url()),
            };
            return attempt.error(refused);
        }
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
        }
        attempt.follow()
    })
}

impl HttpClient {
    /// Builds a client from options.
    pub fn new(options: &HttpOptions) -> Result<Self, HttpError> {
        let mut builder = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .danger_accept_invalid_certs(!options.verify_tls)
            .redirect(redirect_policy())
            .user_agent(concat!("metaform/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &options.ca_certificate {
            let pem = std::fs::read(path).map_err(|e| {
                HttpError::Setup(format!(
                    "failed to read CA bundle `{}`: {e}",
                    path.display()
                ))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                HttpError::Setup(format!("invalid CA bundle `{}`: {e}", path.display()))
            })?;
            // A file without PEM blocks parses as an empty bundle: trusting nothing extra
            // silently is not what its author meant.
            if certs.is_empty() {
                return Err(HttpError::Setup(format!(
                    "no certificate in the CA bundle `{}`: expected PEM `-----BEGIN CERTIFICATE-----` blocks",
                    path.display()
                )));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let inner = builder.build().map_err(|e| {
            // reqwest says only "builder error"; the cause is in the source chain, and
            // with a CA bundle given, the bundle is the likely culprit.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            match &options.ca_certificate {
                Some(path) => HttpError::Setup(format!(
                    "cannot use the CA bundle `{}`: {text}",
                    path.display()
                )),
                None => HttpError::Setup(text),
            }
        })?;
        Ok(Self {
            inner,
            retry: options.retry.clone(),
            max_body_bytes: options.max_body_bytes,
            timeouts: (options.connect_timeout, options.timeout),
            secrets: redact::Secrets::default(),
            progress: Counters::new(),
            not_before: retry::NotBefore::default(),
        })
    }

    /// Registers a secret this client sends (a token, a password): it is redacted from
    /// every error body the servers send back. Clones share the registry.
    pub fn add_secret(&self, secret: &SecretString) {
        self.secrets.add(secret);
    }

    /// This client counting its requests into `progress` (fresh counters that nobody
    /// reads until then).
    pub fn with_progress(mut self, progress: &Counters) -> Self {
        self.progress = progress.clone();
        self
    }

    /// The counters this client's requests are counted in, for the API clients to count
    /// what they read in.
    pub fn progress(&self) -> &Counters {
        &self.progress
    }

    /// Reads the body of `response` (of the request named `endpoint`), at most
    /// [`HttpOptions::max_body_bytes`] after decompression. A body that breaks off is a
    /// [`HttpError::Transport`] after one attempt.
    pub async fn body(
        &self,
        endpoint: &str,
        response: reqwest::Response,
    ) -> Result<Vec<u8>, HttpError> {
        self.body_or_broken(endpoint, response)
            .await
            .map_err(|err| match err {
                BodyError::TooLarge(err) => err,
                BodyError::Broken(why) => HttpError::Transport {
                    endpoint: endpoint.to_owned(),
                    message: format!("reading the response body: {why}"),
                    attempts: 1,
                },
            })
    }

    /// Like [`HttpClient::body`], but tells a broken body (worth fetching again) apart.
    pub(crate) async fn body_or_broken(
        &self,
        endpoint: &str,
        response: reqwest::Response,
    ) -> Result<Vec<u8>, BodyError> {
        body::read(endpoint, response, self.max_body_bytes).await
    }

    /// The underlying reqwest client, for building requests.
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.inner
    }

    /// Sends the request that `build` makes, retrying transient failures (429 honouring
    /// `Retry-After`, 502/503/504, 500 when the request is repeatable, resets and
    /// timeouts) with jittered exponential backoff.
    ///
    /// A `Retry-After` holds back every request of this client and its clones, not only
    /// the one that got it: requests in flight together wait until the instant the server
    /// named before they are sent (again).
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
