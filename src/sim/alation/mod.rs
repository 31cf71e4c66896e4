//! The Alation sandbox (shared/reference/alation-api.md): tokens and users with roles,
//! native, virtual and OCF data sources, the Relational Integration API v2 for schemas,
//! tables and columns, the Virtual Data Source API and the Jobs API.
//!
//! It exists to hold metaform's Alation client (and allie-sdk, unchanged) to Alation's
//! documented behaviour: DRF-style error bodies, `TOKEN` header auth, `X-Next-Page`
//! paging, full-replace POST upserts by case-insensitive key, async jobs that report
//! `running` before they finish, and deterministic job failures under a seed.

mod auth;
mod clock;
mod connectors;
mod datasources;
mod errors;
mod fields;
mod items;
mod jobs;
mod keys;
mod paging;
mod rdbms_read;
mod rdbms_write;
mod request;
mod state;
mod store;
mod vds;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use state::{AlationCredentials, AlationState, Role, UserCredential};

use super::shared::Shared;
use keys::Kind;
use request::Ctx;

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
}

impl Default for AlationOptions {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(24 * 3600),
            refresh_token_ttl: Duration::from_secs(60 * 24 * 3600),
            job_failure_rate: 0.0,
            seed: 0,
        }
    }
}

/// The largest request body accepted: a 10,000-column POST with long descriptions must
/// fit (axum's default of 2 MiB does not).
const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

/// The Alation API router over `state`.
pub fn router(state: Shared<AlationState>, options: AlationOptions) -> Router {
    let ctx = Ctx {
        shared: state,
        options: Arc::new(options),
    };
    Router::new()
        .route(
            "/integration/v1/createRefreshToken/",
            post(auth::create_refresh_token),
        )
        .route(
            "/integration/v1/regenRefreshToken/",
            post(auth::regen_refresh_token),
        )
        .route(
            "/integration/v1/validateRefreshToken/",
            post(auth::validate_refresh_token),
        )
        .route(
            "/integration/v1/createAPIAccessToken/",
            post(auth::create_access_token),
        )
        .route(
            "/integration/v1/validateAPIAccessToken/",
            post(auth::validate_access_token),
        )
        .route(
            "/integration/v1/revokeAPIAccessTokens/",
            post(auth::revoke_access_tokens),
        )
        .route("/integration/v1/userinfo/", get(auth::userinfo))
        .route(
            "/integration/v1/datasource/",
            get(datasources::v1_list).post(datasources::v1_create),
        )
        .route(
            "/integration/v1/datasource/{id}/",
            get(datasources::v1_get)
                .put(datasources::v1_update)
                .delete(datasources::delete),
        )
        .route(
            "/integration/v2/datasource/",
            get(datasources::v2_list).post(datasources::v2_create),
        )
        .route(
            "/integration/v2/datasource/{id}/",
            get(datasources::v2_get)
                .put(datasources::v2_update)
                .delete(datasources::delete),
        )
        .route("/integration/v2/connectors/", get(connectors::list))
        .merge(rdbms_routes("schema", Kind::Schema))
        .merge(rdbms_routes("table", Kind::Table))
        .merge(rdbms_routes("column", Kind::Column))
        .route(
            "/api/v1/bulk_metadata/extraction/{ds_id}",
            post(vds::upload),
        )
        .route("/api/v1/bulk_metadata/job/", get(jobs::get_job))
        .fallback(errors::unknown_route)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(ctx)
}

/// GET, POST and PATCH on `/integration/v2/<segment>/`.
fn rdbms_routes(segment: &str, kind: Kind) -> Router<Ctx> {
    Router::new().route(
        &format!("/integration/v2/{segment}/"),
        get(move |s, h, q| rdbms_read::list(s, h, q, kind))
            .post(move |s, h, q, b| rdbms_write::post(s, h, q, b, kind))
            .patch(move |s, h, q, b| rdbms_write::patch(s, h, q, b, kind)),
    )
}
