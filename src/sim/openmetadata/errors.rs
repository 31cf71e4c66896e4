//! The server's error body `{"code": N, "message": "…"}`
//! (shared/reference/openmetadata-connectors.md §4.1), for every handler.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::render::Kind;

/// An error response in the server's shape.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// A 400 with `message`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// The server's 404 for an entity of `kind` named or identified by `key`.
    pub fn not_found(kind: Kind, key: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            format!("{} instance for {key} not found", kind.type_name()),
        )
    }

    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"code": self.status.as_u16(), "message": self.message});
        (self.status, axum::Json(body)).into_response()
    }
}
