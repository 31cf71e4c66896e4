//! The HTTP surface: the route table of the Alation API (token endpoints, data sources
//! v1 and v2, connectors, the Relational Integration API v2, the Virtual Data Source
//! upload and the Jobs API), with Alation's error body for unknown routes and a body
//! limit large enough for the biggest batches.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::app::App;
use super::errors;
use super::keys::Kind;
use super::{auth, connectors, datasources, jobs, rdbms_read, rdbms_write, vds};

/// The largest request body accepted: a 10,000-column POST with long descriptions must
/// fit (axum's default of 2 MiB does not).
const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

/// The Alation API routes over `app`.
pub(super) fn routes(app: App) -> Router {
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
        .with_state(app)
}

/// GET, POST and PATCH on `/integration/v2/<segment>/`.
fn rdbms_routes(segment: &str, kind: Kind) -> Router<App> {
    Router::new().route(
        &format!("/integration/v2/{segment}/"),
        get(move |s, h, q| rdbms_read::list(s, h, q, kind))
            .post(move |s, h, q, b| rdbms_write::post(s, h, q, b, kind))
            .patch(move |s, h, q, b| rdbms_write::patch(s, h, q, b, kind)),
    )
}
