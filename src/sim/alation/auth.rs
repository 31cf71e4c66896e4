//! Users, refresh tokens and API access tokens (shared/reference/alation-api.md §3).
//!
//! Resource endpoints take the access token in the `TOKEN` header (any case); a missing,
//! unknown, revoked or expired token is answered 403 `403000` (§2.5). The token endpoints
//! answer 401 `401000`. Choices on UNVERIFIED points: `createRefreshToken` answers 201 and
//! rejects a bad login with 401 "Invalid username or password."; an expired refresh token
//! cannot create access tokens (401, same body as an unknown one); the validate endpoints
//! report an expired or revoked token with 200 and `token_status` `EXPIRED`/`REVOKED`;
//! `regenRefreshToken` revokes the old refresh token and answers 200 with the new one.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::app::App;
use super::clock::iso;
use super::errors::{ApiError, ApiResult};
use super::request::json_body;
use super::state::{AccessToken, AlationState, RefreshToken, TokenStatus, User, micros};

const INVALID_REFRESH: &str = "Refresh token provided is invalid.";
const INVALID_ACCESS: &str = "API Access Token provided is invalid.";

/// The user behind the `TOKEN` header, if the token is active and unexpired at `now`
/// (microseconds since the epoch, the sandbox's clock).
pub(super) fn authenticate(state: &AlationState, headers: &HeaderMap, now: i64) -> ApiResult<User> {
    let token = headers
        .get("token")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(ApiError::not_authenticated)?;
    let access = state
        .access_tokens
        .get(token)
        .filter(|t| t.status == TokenStatus::Active && t.expires_at > now)
        .ok_or_else(ApiError::not_authenticated)?;
    state
        .users
        .iter()
        .find(|u| u.id == access.user_id)
        .cloned()
        .ok_or_else(ApiError::not_authenticated)
}

/// The authenticated user, who must hold a role that may write.
pub(super) fn authenticate_writer(
    state: &AlationState,
    headers: &HeaderMap,
    now: i64,
) -> ApiResult<User> {
    let user = authenticate(state, headers, now)?;
    if user.role.can_write() {
        Ok(user)
    } else {
        Err(ApiError::forbidden())
    }
}

/// `GET /integration/v1/userinfo/`: the authenticated user.
pub(super) async fn userinfo(State(app): State<App>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let state = app.state.read();
    let user = authenticate(&state, &headers, app.now())?;
    Ok(Json(json!({
        "id": user.id,
        "profile_id": user.id,
        "username": user.username,
        "display_name": user.username,
        "email": format!("{}@example.com", user.username),
        "first_name": user.username,
        "last_name": "",
        "title": "",
        "role": user.role.api_name(),
        "url": format!("/user/{}/", user.id),
        "ts_created": iso(user.created_at),
        "last_login": null,
    })))
}

/// `POST /integration/v1/createRefreshToken/` with `{username, password, name}`.
pub(super) async fn create_refresh_token(
    State(app): State<App>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let body = json_body(&body)?;
    let field = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or_default();
    let (username, password, name) = (field("username"), field("password"), field("name"));
    let mut state = app.state.write();
    let user_id = state
        .users
        .iter()
        .find(|u| u.username == username && u.password == password)
        .map(|u| u.id)
        .ok_or_else(|| ApiError::unauthorized("Invalid username or password."))?;
    let now = app.now();
    let token = state.new_refresh_token(user_id, name, now, &app.options);
    Ok((StatusCode::CREATED, Json(refresh_json(&token, now))))
}

/// `POST /integration/v1/validateRefreshToken/` with `{refresh_token, user_id}`.
pub(super) async fn validate_refresh_token(
    State(app): State<App>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (token, user_id) = refresh_request(&body)?;
    let mut state = app.state.write();
    let now = app.now();
    let found = find_refresh(&mut state, &token, user_id)?;
    found.last_used_at = Some(now);
    Ok(Json(refresh_json(found, now)))
}

/// `POST /integration/v1/createAPIAccessToken/` with `{refresh_token, user_id}`.
pub(super) async fn create_access_token(
    State(app): State<App>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (token, user_id) = refresh_request(&body)?;
    let mut state = app.state.write();
    let now = app.now();
    let refresh = active_refresh(&mut state, &token, user_id, now)?;
    let access = AccessToken {
        token: state.random_token(40),
        user_id: refresh.user_id,
        refresh_token: refresh.token,
        created_at: now,
        expires_at: now.saturating_add(micros(app.options.access_token_ttl)),
        status: TokenStatus::Active,
    };
    state
        .access_tokens
        .insert(access.token.clone(), access.clone());
    Ok(Json(access_json(&access, now)))
}

/// `POST /integration/v1/validateAPIAccessToken/` with `{api_access_token, user_id}`;
/// `user_id` may be null. The token is echoed, as allie-sdk uses the echoed value.
pub(super) async fn validate_access_token(
    State(app): State<App>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = json_body(&body)?;
    let token = body
        .get("api_access_token")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let user_id = user_id_of(&body).map_err(|_| ApiError::unauthorized(INVALID_ACCESS))?;
    let state = app.state.read();
    let access = state
        .access_tokens
        .get(token)
        .filter(|t| user_id.is_none_or(|id| id == t.user_id))
        .ok_or_else(|| ApiError::unauthorized(INVALID_ACCESS))?;
    Ok(Json(access_json(access, app.now())))
}

/// `POST /integration/v1/revokeAPIAccessTokens/` with `{refresh_token, user_id}`.
pub(super) async fn revoke_access_tokens(
    State(app): State<App>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (token, user_id) = refresh_request(&body)?;
    let mut state = app.state.write();
    let refresh = find_refresh(&mut state, &token, user_id)?.clone();
    for access in state
        .access_tokens
        .values_mut()
        .filter(|a| a.refresh_token == refresh.token)
    {
        access.status = TokenStatus::Revoked;
    }
    Ok(Json(json!({
        "detail": format!(
            "Revoked active access tokens for refresh token: '{}' with id: {}",
            refresh.name, refresh.user_id
        )
    })))
}

/// `POST /integration/v1/regenRefreshToken/` with `{refresh_token, user_id}`.
pub(super) async fn regen_refresh_token(
    State(app): State<App>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (token, user_id) = refresh_request(&body)?;
    let mut state = app.state.write();
    let now = app.now();
    let old = active_refresh(&mut state, &token, user_id, now)?;
    if let Some(t) = state.refresh_tokens.get_mut(&old.token) {
        t.status = TokenStatus::Revoked;
    }
    let new = state.new_refresh_token(old.user_id, &old.name, now, &app.options);
    Ok(Json(refresh_json(&new, now)))
}

/// `refresh_token` and the optional `user_id` of a token request.
fn refresh_request(body: &Bytes) -> ApiResult<(String, Option<u64>)> {
    let body = json_body(body)?;
    let token = body
        .get("refresh_token")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let user_id = user_id_of(&body).map_err(|_| ApiError::unauthorized(INVALID_REFRESH))?;
    Ok((token, user_id))
}

/// `user_id` as an integer or a numeric string; `None` when absent or null.
fn user_id_of(body: &Value) -> Result<Option<u64>, ()> {
    match body.get("user_id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or(()),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| ()),
        Some(_) => Err(()),
    }
}

fn find_refresh<'a>(
    state: &'a mut AlationState,
    token: &str,
    user_id: Option<u64>,
) -> ApiResult<&'a mut RefreshToken> {
    state
        .refresh_tokens
        .get_mut(token)
        .filter(|t| user_id.is_none_or(|id| id == t.user_id))
        .ok_or_else(|| ApiError::unauthorized(INVALID_REFRESH))
}

fn active_refresh(
    state: &mut AlationState,
    token: &str,
    user_id: Option<u64>,
    now: i64,
) -> ApiResult<RefreshToken> {
    let found = find_refresh(state, token, user_id)?;
    if found.status != TokenStatus::Active || found.expires_at <= now {
        return Err(ApiError::unauthorized(INVALID_REFRESH));
    }
    found.last_used_at = Some(now);
    Ok(found.clone())
}

fn status_text(status: TokenStatus, expires_at: i64, now: i64) -> &'static str {
    match status {
        TokenStatus::Revoked => "REVOKED",
        TokenStatus::Active if expires_at <= now => "EXPIRED",
        TokenStatus::Active => "ACTIVE",
    }
}

fn refresh_json(t: &RefreshToken, now: i64) -> Value {
    json!({
        "user_id": t.user_id,
        "created_at": iso(t.created_at),
        "token_expires_at": iso(t.expires_at),
        "token_status": status_text(t.status, t.expires_at, now),
        "last_used_at": t.last_used_at.map(iso),
        "name": t.name,
        "refresh_token": t.token,
    })
}

fn access_json(t: &AccessToken, now: i64) -> Value {
    json!({
        "user_id": t.user_id,
        "created_at": iso(t.created_at),
        "token_expires_at": iso(t.expires_at),
        "token_status": status_text(t.status, t.expires_at, now),
        "api_access_token": t.token,
    })
}
