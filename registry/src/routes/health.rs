//! Liveness (`/health`) and readiness (`/ready`).
//!
//! They answer different questions, so an orchestrator can act on each: `/health` says the
//! process answers (restart it if not) and never touches the database, so a slow or absent
//! database does not get a healthy process killed; `/ready` says it can serve (send it
//! traffic): a database round trip succeeds and every migration this binary embeds is applied.

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::db::Backend;
use crate::error::{AppError, AppJson, AppResult};

/// Health report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`: the process answers.
    pub status: &'static str,
    /// `sqlite` or `postgres` (from the configured URL; the database is not contacted).
    pub database: &'static str,
    /// Server version.
    pub version: &'static str,
}

/// Readiness report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// Always `ready` (otherwise the answer is a 503 error envelope).
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// Server version.
    pub version: &'static str,
}

fn backend_name(state: &AppState) -> &'static str {
    match state.db.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// Liveness: the process answers. Cheap and without a database round trip; use
/// `/api/v1/ready` to learn whether the service can serve requests.
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = Health)))]
pub async fn find_health(state: AppState) -> AppJson<Health> {
    AppJson(Health { status: "ok", database: backend_name(&state), version: env!("CARGO_PKG_VERSION") })
}

/// Readiness: a database connection answers and no migration is pending. 503 with the error
/// envelope (code `unavailable`) otherwise; load balancers route traffic by it.
#[utoipa::path(get, path = "/ready", tag = "health", responses((status = 200, body = Readiness), (status = 503, body = crate::error::ErrorBody)))]
pub async fn find_ready(state: AppState) -> AppResult<AppJson<Readiness>> {
    let pending =
        state.db.run(|c| crate::db::has_pending_migrations(c).map_err(|e| AppError::Unavailable(format!("readiness check: {e}")))).await?;
    if pending {
        return Err(AppError::Unavailable("the database has pending migrations (run `rongtong migrate`)".into()));
    }
    Ok(AppJson(Readiness { status: "ready", database: backend_name(&state), version: env!("CARGO_PKG_VERSION") }))
}
