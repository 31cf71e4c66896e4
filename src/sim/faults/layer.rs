//! The fault layer: a tower middleware in front of a sandbox's router.
//!
//! A dropped connection has no HTTP answer, so this service has an error type: the
//! sandbox's own connection loop (hyper) closes the connection when a service fails,
//! and the client sees the connection end before any response. A lost answer is the
//! same error returned after the router has handled the request (its state change made
//! and its job created) and its response has been discarded unsent.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::Response;
use tower::{Layer, Service};

use super::{Fault, FaultConfig};

/// Which API a fault answer imitates, for its error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Dropwizard-style `{"code": N, "message": ...}`.
    OpenMetadata,
    /// Django REST framework-style `{"detail": ...}`.
    Alation,
}

impl Flavor {
    /// The decision stream of this sandbox: each has its own sequence under one seed.
    fn stream(self) -> u64 {
        match self {
            Flavor::OpenMetadata => 1,
            Flavor::Alation => 2,
        }
    }

    fn body(self, status: StatusCode, retry_after_secs: u64) -> String {
        let message = if status == StatusCode::TOO_MANY_REQUESTS {
            match self {
                // Django REST framework's throttling message (alation-api.md §12: UNVERIFIED).
                Flavor::Alation => format!(
                    "Request was throttled. Expected available in {retry_after_secs} second{}.",
                    if retry_after_secs == 1 { "" } else { "s" }
                ),
                Flavor::OpenMetadata => "Too many requests".to_owned(),
            }
        } else {
            status
                .canonical_reason()
                .unwrap_or("Server error")
                .to_owned()
        };
        let body = match self {
            Flavor::OpenMetadata => {
                serde_json::json!({"code": status.as_u16(), "message": message})
            }
            Flavor::Alation => serde_json::json!({"detail": message}),
        };
        body.to_string()
    }
}

/// One injected fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRecord {
    /// Position of the request among this sandbox's requests in scope, from 0.
    pub index: u64,
    /// The request's method.
    pub method: String,
    /// The request's path.
    pub path: String,
    /// What it got.
    pub fault: Fault,
}

/// The faults a sandbox injected, most recent last (the last [`FaultLog::CAPACITY`]).
#[derive(Debug, Clone, Default)]
pub struct FaultLog {
    records: Arc<Mutex<VecDeque<FaultRecord>>>,
}

impl FaultLog {
    /// How many records are kept.
    pub const CAPACITY: usize = 10_000;

    /// A copy of the records.
    pub fn records(&self) -> Vec<FaultRecord> {
        self.lock().iter().cloned().collect()
    }

    fn push(&self, record: FaultRecord) {
        let mut records = self.lock();
        if records.len() == Self::CAPACITY {
            records.pop_front();
        }
        records.push_back(record);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<FaultRecord>> {
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The error that makes the connection loop close a connection without answering.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
pub struct ConnectionDropped;

/// A tower layer injecting the faults of a [`FaultConfig`] into one sandbox.
#[derive(Clone)]
pub struct FaultLayer {
    shared: Arc<LayerState>,
}

struct LayerState {
    config: FaultConfig,
    flavor: Flavor,
    /// Requests in scope seen so far.
    counter: AtomicU64,
    log: FaultLog,
}

impl FaultLayer {
    /// A layer for the sandbox of this flavor.
    pub fn new(config: FaultConfig, flavor: Flavor) -> Self {
        Self {
            shared: Arc::new(LayerState {
                config,
                flavor,
                counter: AtomicU64::new(0),
                log: FaultLog::default(),
            }),
        }
    }

    /// The faults injected so far.
    pub fn log(&self) -> FaultLog {
        self.shared.log.clone()
    }
}

impl<S> Layer<S> for FaultLayer {
    type Service = FaultService<S>;
    fn layer(&self, inner: S) -> FaultService<S> {
        FaultService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service of [`FaultLayer`].
#[derive(Clone)]
pub struct FaultService<S> {
    inner: S,
    shared: Arc<LayerState>,
}

impl<S, B> Service<Request<B>> for FaultService<S>
where
    S: Service<Request<B>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = ConnectionDropped;
    type Future = Pin<Box<dyn Future<Output = Result<Response, ConnectionDropped>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), ConnectionDropped>> {
        match self.inner.poll_ready(cx) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(())),
            Poll::Ready(Err(never)) => match never {},
            Poll::Pending => Poll::Pending,
        }
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone that was made ready is the one to call (tower's readiness contract).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let fault = self.shared.decide(&request);
        let flavor = self.shared.flavor;
        Box::pin(async move {
            match fault {
                None => {}
                Some(Fault::Latency { millis }) => {
                    tokio::time::sleep(Duration::from_millis(millis)).await;
                }
                Some(Fault::Drop) => return Err(ConnectionDropped),
                Some(Fault::Lost) => {
                    let handled = match inner.call(request).await {
                        Ok(response) => response,
                        Err(never) => match never {},
                    };
                    drop(handled);
                    return Err(ConnectionDropped);
                }
                Some(Fault::RateLimit { retry_after_secs }) => {
                    let mut response =
                        error_response(flavor, StatusCode::TOO_MANY_REQUESTS, retry_after_secs);
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                    return Ok(response);
                }
                Some(Fault::ServerError { status }) => {
                    let status =
                        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                    return Ok(error_response(flavor, status, 0));
                }
            }
            match inner.call(request).await {
                Ok(response) => Ok(response),
                Err(never) => match never {},
            }
        })
    }
}

impl LayerState {
    /// Counts the request if it is in scope, decides its fault and records it.
    fn decide<B>(&self, request: &Request<B>) -> Option<Fault> {
        if !self.config.injects_request_faults() {
            return None;
        }
        let (method, path) = (request.method().as_str(), request.uri().path());
        if !self.config.scope.contains(method, path) {
            return None;
        }
        let index = self.counter.fetch_add(1, Ordering::Relaxed);
        let fault = self.config.decide(self.flavor.stream(), index)?;
        tracing::debug!(index, method, path, %fault, "injecting a fault");
        self.log.push(FaultRecord {
            index,
            method: method.to_owned(),
            path: path.to_owned(),
            fault,
        });
        Some(fault)
    }
}

fn error_response(flavor: Flavor, status: StatusCode, retry_after_secs: u64) -> Response {
    let mut response = Response::new(Body::from(flavor.body(status, retry_after_secs)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
