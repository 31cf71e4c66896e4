//! Request counters of a sandbox, served on `GET /__metaform/stats` of each API.
//!
//! A benchmark (`examples/scale.rs`) needs how many requests a client made and how many
//! of them wrote, counted by the server rather than by the client under test. The
//! counting layer sits in front of everything else, the fault layer included, so it
//! counts every request that arrived, faulted ones too.
//!
//! `/__metaform/` is the sandbox's own namespace, part of neither emulated API (neither
//! OpenMetadata nor Alation has such a path): the stats request is answered here, is
//! not counted, and never gets a fault. The answer is
//! `{"requests": N, "writes": W, "authentication": A, "byMethod": {"GET": n, …}}`, the
//! totals since the sandbox started. An authentication request is one to Alation's
//! token endpoints (`/integration/v1/…Token…/`): it creates or checks a token but
//! changes no catalog object, so it is not a write. A write is any other request whose
//! method is not GET, HEAD or OPTIONS, whatever its answer.

use std::future::{Ready, ready};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::response::Response;
use futures::future::Either;
use tower::{Layer, Service};

use super::faults::Flavor;

/// The path of the stats route, on both APIs.
pub const STATS_PATH: &str = "/__metaform/stats";

/// The methods counted by name; any other is counted as `OTHER`.
const METHODS: [Method; 7] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

/// A tower layer counting the requests of one sandbox and serving [`STATS_PATH`].
#[derive(Clone)]
pub struct StatsLayer {
    counters: Arc<Counters>,
}

struct Counters {
    flavor: Flavor,
    requests: AtomicU64,
    writes: AtomicU64,
    authentication: AtomicU64,
    /// One per [`METHODS`] entry, then one for any other method.
    by_method: [AtomicU64; METHODS.len() + 1],
}

impl StatsLayer {
    /// A layer for the sandbox of this flavor, with every counter at zero.
    pub fn new(flavor: Flavor) -> Self {
        Self {
            counters: Arc::new(Counters {
                flavor,
                requests: AtomicU64::new(0),
                writes: AtomicU64::new(0),
                authentication: AtomicU64::new(0),
                by_method: Default::default(),
            }),
        }
    }
}

impl<S> Layer<S> for StatsLayer {
    type Service = StatsService<S>;
    fn layer(&self, inner: S) -> StatsService<S> {
        StatsService {
            inner,
            counters: Arc::clone(&self.counters),
        }
    }
}

/// The service of [`StatsLayer`].
#[derive(Clone)]
pub struct StatsService<S> {
    inner: S,
    counters: Arc<Counters>,
}

impl<S, B> Service<Request<B>> for StatsService<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if request.uri().path() == STATS_PATH {
            return Either::Left(ready(Ok(self.counters.answer(request.method()))));
        }
        self.counters.count(request.method(), request.uri().path());
        Either::Right(self.inner.call(request))
    }
}

impl Counters {
    fn count(&self, method: &Method, path: &str) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let slot = METHODS
            .iter()
            .position(|known| known == method)
            .unwrap_or(METHODS.len());
        self.by_method[slot].fetch_add(1, Ordering::Relaxed);
        if self.is_authentication(path) {
            self.authentication.fetch_add(1, Ordering::Relaxed);
        } else if !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            self.writes.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn is_authentication(&self, path: &str) -> bool {
        match self.flavor {
            Flavor::Alation => path.starts_with("/integration/v1/") && path.contains("Token"),
            // A bearer JWT on every request: no token endpoint.
            Flavor::OpenMetadata => false,
        }
    }

    /// The stats as JSON for a GET, else 405.
    fn answer(&self, method: &Method) -> Response {
        if method != Method::GET {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET"));
            return response;
        }
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let mut by_method = serde_json::Map::new();
        let names = METHODS.iter().map(Method::as_str).chain(["OTHER"]);
        for (name, counter) in names.zip(&self.by_method) {
            if load(counter) > 0 {
                by_method.insert(name.to_owned(), load(counter).into());
            }
        }
        let body = serde_json::json!({
            "requests": load(&self.requests),
            "writes": load(&self.writes),
            "authentication": load(&self.authentication),
            "byMethod": by_method,
        });
        let mut response = Response::new(Body::from(body.to_string()));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}
