//! The Alation sandbox (shared/reference/alation-api.md).

use std::time::Duration;

use axum::Router;
use serde::{Deserialize, Serialize};

use super::shared::Shared;

/// Alation behaviour that a test or the command line may tune.
#[derive(Debug, Clone)]
pub struct AlationOptions {
    /// Lifetime of an API access token (Alation's default: 24 hours).
    pub access_token_ttl: Duration,
    /// Lifetime of a refresh token (Alation's default: 60 days).
    pub refresh_token_ttl: Duration,
}

impl Default for AlationOptions {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(24 * 3600),
            refresh_token_ttl: Duration::from_secs(60 * 24 * 3600),
        }
    }
}

/// Everything the Alation sandbox stores.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct AlationState {}

impl AlationState {
    /// The initial state: users per role and a ready refresh token.
    pub fn seeded(_options: &AlationOptions) -> Self {
        Self::default()
    }
}

/// The Alation API router over `state`.
pub fn router(_state: Shared<AlationState>, _options: AlationOptions) -> Router {
    Router::new()
}
