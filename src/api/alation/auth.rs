//! Authentication: the three ways a user can give credentials, and the access token
//! kept for the run (shared/reference/alation-api.md §3).
//!
//! - An access token is used as is.
//! - A refresh token (with its user id) is exchanged for an access token once per run
//!   (`createAPIAccessToken`).
//! - A username and password create ONE refresh token per run (`createRefreshToken`,
//!   named after the project), which is then exchanged for an access token. OpenMetadata's
//!   AlationSink created a new refresh token before every call (its bug B7); here the
//!   refresh token lives as long as the client.
//!
//! Every token obtained is registered with the HTTP client, so that a server echoing
//! it in an error body does not get it printed.
//!
//! When a resource call is refused because the access token expired, it is renewed from
//! the refresh token once ([`TokenStore::renew`]); concurrent callers that saw the same
//! expired token share one renewal.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;

use super::{AlationClient, AlationError};
use crate::http::Idempotency;

/// The credentials metaform authenticates with.
#[derive(Debug, Clone)]
pub enum AlationAuth {
    /// An API access token, sent as is in the `TOKEN` header; it cannot be renewed.
    AccessToken(SecretString),
    /// A refresh token and the id of the user it belongs to.
    RefreshToken {
        /// The refresh token.
        token: SecretString,
        /// Its user's id.
        user_id: u64,
    },
    /// A username and password: a refresh token named `project_name` is created once.
    Password {
        /// The user name.
        username: String,
        /// The password.
        password: SecretString,
        /// The name given to the created refresh token.
        project_name: String,
    },
}

/// The tokens of a run.
#[derive(Debug)]
pub(super) struct TokenStore {
    auth: AlationAuth,
    state: Mutex<TokenState>,
}

#[derive(Debug, Default)]
struct TokenState {
    access: Option<SecretString>,
    refresh: Option<(SecretString, u64)>,
    /// Bumped at every new access token, so a caller can tell whether the token it
    /// saw refused has already been replaced.
    generation: u64,
}

/// `createRefreshToken` answer; other fields are ignored.
#[derive(Deserialize)]
struct RefreshTokenAnswer {
    refresh_token: Option<String>,
    user_id: Option<serde_json::Value>,
    status: Option<String>,
    detail: Option<String>,
}

/// `createAPIAccessToken` answer; other fields are ignored.
#[derive(Deserialize)]
struct AccessTokenAnswer {
    api_access_token: Option<String>,
    status: Option<String>,
    detail: Option<String>,
}

impl TokenStore {
    pub(super) fn new(auth: AlationAuth) -> Self {
        let mut state = TokenState::default();
        match &auth {
            AlationAuth::AccessToken(token) => state.access = Some(token.clone()),
            AlationAuth::RefreshToken { token, user_id } => {
                state.refresh = Some((token.clone(), *user_id));
            }
            AlationAuth::Password { .. } => {}
        }
        Self {
            auth,
            state: Mutex::new(state),
        }
    }

    /// The current access token and its generation, obtaining one first if needed.
    pub(super) async fn access_token(
        &self,
        client: &AlationClient,
    ) -> Result<(SecretString, u64), AlationError> {
        let mut state = self.state.lock().await;
        if let Some(token) = &state.access {
            return Ok((token.clone(), state.generation));
        }
        self.obtain(client, &mut state).await?;
        let token = state.access.clone().ok_or_else(no_token)?;
        Ok((token, state.generation))
    }

    /// Replaces the access token of generation `seen`, which Alation refused; a no-op
    /// when another caller already replaced it.
    pub(super) async fn renew(
        &self,
        client: &AlationClient,
        seen: u64,
    ) -> Result<(), AlationError> {
        let mut state = self.state.lock().await;
        if state.generation != seen {
            return Ok(());
        }
        if matches!(self.auth, AlationAuth::AccessToken(_)) {
            return Err(AlationError::Auth(
                "Alation refused the access token (403 403000: expired or revoked) and no \
                 refresh token is configured to renew it; configure `refreshToken` and `userId`"
                    .into(),
            ));
        }
        state.access = None;
        self.obtain(client, &mut state).await
    }

    async fn obtain(
        &self,
        client: &AlationClient,
        state: &mut TokenState,
    ) -> Result<(), AlationError> {
        if state.refresh.is_none()
            && let AlationAuth::Password {
                username,
                password,
                project_name,
            } = &self.auth
        {
            state.refresh =
                Some(create_refresh_token(client, username, password, project_name).await?);
        }
        let Some((refresh, user_id)) = &state.refresh else {
            return Err(no_token());
        };
        let answer: AccessTokenAnswer = client
            .token_request(
                "/integration/v1/createAPIAccessToken/",
                Idempotency::Repeatable,
                json!({"refresh_token": refresh.expose_secret(), "user_id": user_id}),
            )
            .await?;
        let token = answer
            .api_access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                refused(
                    "createAPIAccessToken",
                    answer.status.as_deref(),
                    answer.detail.as_deref(),
                )
            })?;
        let token = SecretString::from(token);
        client.add_secret(&token);
        state.access = Some(token);
        state.generation += 1;
        Ok(())
    }
}

impl AlationClient {
    /// Creates one refresh token named `project_name` for `username` with `password`
    /// (`createRefreshToken`, §3) and returns it with its user's id. Each call creates a
    /// new token in Alation, so call it once and keep the result (`metaform login`).
    pub async fn create_refresh_token(
        &self,
        username: &str,
        password: &SecretString,
        project_name: &str,
    ) -> Result<(SecretString, u64), AlationError> {
        create_refresh_token(self, username, password, project_name).await
    }
}

async fn create_refresh_token(
    client: &AlationClient,
    username: &str,
    password: &SecretString,
    project_name: &str,
) -> Result<(SecretString, u64), AlationError> {
    let answer: RefreshTokenAnswer = client
        .token_request(
            "/integration/v1/createRefreshToken/",
            Idempotency::Once,
            json!({"username": username, "password": password.expose_secret(), "name": project_name}),
        )
        .await?;
    let token = answer.refresh_token.filter(|t| !t.is_empty());
    // `user_id` may come back as a number or a numeric string (§3).
    let user_id = answer.user_id.as_ref().and_then(|v| match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    });
    match (token, user_id) {
        (Some(token), Some(user_id)) => {
            let token = SecretString::from(token);
            client.add_secret(&token);
            Ok((token, user_id))
        }
        _ => Err(refused(
            "createRefreshToken",
            answer.status.as_deref(),
            answer.detail.as_deref(),
        )),
    }
}

fn refused(call: &str, status: Option<&str>, detail: Option<&str>) -> AlationError {
    // Alation may answer 200 with `{"status": "failed", ...}` for logical errors (§2.5).
    let why = detail.or(status).unwrap_or("no token in the answer");
    AlationError::Auth(format!("{call} did not return a token: {why}"))
}

fn no_token() -> AlationError {
    AlationError::Auth("no access token could be obtained".into())
}
