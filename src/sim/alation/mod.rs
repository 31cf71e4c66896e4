//! The Alation sandbox (shared/reference/alation-api.md): tokens and users with roles,
//! native, virtual and OCF data sources, the Relational Integration API v2 for schemas,
//! tables and columns, the Virtual Data Source API and the Jobs API.
//!
//! It exists to hold metaform's Alation client (and allie-sdk, unchanged) to Alation's
//! documented behaviour: DRF-style error bodies, `TOKEN` header auth, `X-Next-Page`
//! paging, full-replace POST upserts by case-insensitive key, async jobs that report
//! `running` before they finish, and deterministic job failures under a seed.
//!
//! - `state.rs`: what is stored (users, tokens, data sources, objects, jobs); `keys.rs`:
//!   object keys; `key_index.rs`: ids by key; `store.rs`: upserts and lookups by key; `by_id.rs`: objects by id in
//!   a dense vector; `index.rs`: object ids by parent, so that a list page costs O(page);
//! - `app.rs`: what the handlers share; `errors.rs`: the error body; `clock.rs`: time and
//!   its printed forms; `request.rs`: JSON bodies and query pairs; `paging.rs`: paging;
//! - `routes.rs`: the route table; the handlers: `auth.rs`, `datasources.rs`,
//!   `connectors.rs`, `rdbms_read.rs` (with `render.rs` for the objects it shows),
//!   `rdbms_write.rs` (with `items.rs` and `fields.rs` for request bodies), `vds.rs` and
//!   `jobs.rs`.

mod app;
mod auth;
mod by_id;
mod clock;
mod connectors;
mod datasources;
mod errors;
mod fields;
mod index;
mod items;
mod jobs;
mod key_index;
mod keys;
mod paging;
mod rdbms_read;
mod rdbms_write;
mod render;
mod request;
mod routes;
mod state;
mod store;
mod vds;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;

pub use clock::Clock;
pub use state::{AlationCredentials, AlationState, Role, UserCredential};

use super::shared::Shared;

/// Alation behaviour that a test or the command line may tune.
#[derive(Debug, Clone)]
pub struct AlationOptions {
    /// Lifetime of an API access token (Alation's default: 24 hours).
    pub access_token_ttl: Duration,
    /// Lifetime of a refresh token (Alation's default: 60 days).
    pub refresh_token_ttl: Duration,
    /// Share of asynchronous jobs that fail (0.0 to 1.0); a failing job writes nothing.
    pub job_failure_rate: f64,
    /// Seed for passwords, tokens and which jobs fail.
    pub seed: u64,
    /// The sandbox's time (the wall clock unless a test advances it).
    pub clock: Clock,
}

impl Default for AlationOptions {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(24 * 3600),
            refresh_token_ttl: Duration::from_secs(60 * 24 * 3600),
            job_failure_rate: 0.0,
            seed: 0,
            clock: Clock::default(),
        }
    }
}

/// The Alation API router over `state`.
pub fn router(state: Shared<AlationState>, options: AlationOptions) -> Router {
    routes::routes(app::App {
        state,
        options: Arc::new(options),
    })
}
