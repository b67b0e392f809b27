//! Liveness and readiness.

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::db::Backend;
use crate::error::{AppError, AppJson, AppResult};

/// Health report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// Server version.
    pub version: &'static str,
}

/// Reports whether the service and its database are up. Load balancers poll it.
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = Health), (status = 503, body = crate::error::ErrorBody)))]
pub async fn find_health(state: AppState) -> AppResult<AppJson<Health>> {
    use diesel::connection::SimpleConnection;
    state.db.run(|c| c.batch_execute("SELECT 1").map_err(|e| AppError::Unavailable(e.to_string()))).await?;
    Ok(AppJson(Health {
        status: "ok",
        database: match state.db.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        },
        version: env!("CARGO_PKG_VERSION"),
    }))
}
