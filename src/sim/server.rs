//! The connection loop serving one sandbox: HTTP/1.1 on a bound listener, until shutdown.
//!
//! It is hyper's connection API rather than `axum::serve` because the dropped-connection
//! and lost-answer faults need a service that can fail: hyper closes the connection when
//! it does, and the client sees the connection end without an answer.

use std::time::Duration;

use axum::http::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::Service;

use super::faults::ConnectionDropped;

/// How long shutdown waits for requests in flight before closing their connections.
const GRACE: Duration = Duration::from_secs(10);

/// Serves `service` on `listener` until `shutdown` turns true, then stops accepting,
/// lets requests in flight finish (within [`GRACE`]) and closes idle connections.
pub async fn serve<S>(listener: TcpListener, service: S, mut shutdown: watch::Receiver<bool>)
where
    S: Service<Request<Incoming>, Response = Response, Error = ConnectionDropped>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    // Small JSON answers: do not wait for Nagle.
                    let _ = stream.set_nodelay(true);
                    let connection = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service.clone()));
                    let connection = graceful.watch(connection);
                    tokio::spawn(async move {
                        if let Err(err) = connection.await {
                            tracing::debug!("connection closed: {err}");
                        }
                    });
                }
                Err(err) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!("accepting a connection failed: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = stopped(&mut shutdown) => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after {GRACE:?}; closing their connections");
    }
}

/// Resolves once `shutdown` turns true (or its sender is gone).
pub async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: drop it here, not across a caller's await.
    let _ = shutdown.wait_for(|stop| *stop).await.map(|_| ());
}
