//! Alation's DRF-style error bodies `{"detail", "code"}` (shared/reference/alation-api.md §2.5).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An error answer of the Alation sandbox: a status and a JSON body.
#[derive(Debug)]
pub(super) struct ApiError {
    status: StatusCode,
    body: Value,
}

/// The result type of every handler.
pub(super) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// `{"detail": detail, "code": code}` with `status`.
    pub(super) fn new(status: StatusCode, detail: impl Into<String>, code: &str) -> Self {
        Self {
            status,
            body: json!({"detail": detail.into(), "code": code}),
        }
    }

    /// An arbitrary body, for the few endpoints that answer in another shape (§2.5, VDS).
    pub(super) fn with_body(status: StatusCode, body: Value) -> Self {
        Self { status, body }
    }

    /// 403 for a missing, unknown, expired or revoked access token (§2.5).
    pub(super) fn not_authenticated() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Authentication credentials were not provided.",
            "403000",
        )
    }

    /// 403 for a role that may not write (DRF's permission message).
    pub(super) fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "You do not have permission to perform this action.",
            "403000",
        )
    }

    /// 400 `400006` naming the unknown query parameters (§2.5).
    pub(super) fn invalid_query(names: &[String]) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            format!("Invalid query parameters: [{}]", names.join(", ")),
            "400006",
        )
    }

    /// 400 `400000` with a plain message.
    pub(super) fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail, "400000")
    }

    /// 400 `400010` with one `{field: [messages]}` entry per input item (§2.5).
    pub(super) fn invalid_input(errors: Vec<Value>) -> Self {
        Self::with_body(
            StatusCode::BAD_REQUEST,
            json!({
                "detail": "Incorrect input data. Please fix the errors and post the data.",
                "errors": errors,
                "code": "400010",
            }),
        )
    }

    /// 401 `401000` from the token endpoints (§3).
    pub(super) fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail, "401000")
    }

    /// 404 `404000`.
    pub(super) fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail, "404000")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// Any path the sandbox does not serve: 404 `{"detail": "Not found.", "code": "404000"}`.
pub(super) async fn unknown_route() -> ApiError {
    ApiError::not_found("Not found.")
}
