//! `GET /metrics` (outside `/api/v1`): Prometheus text; what it holds is in [`crate::metrics`].

use axum::http::header;
use axum::response::IntoResponse;

use crate::app::AppState;
use crate::error::AppError;
use crate::metrics::{CONTENT_TYPE, Figures};

/// The service's metrics for a Prometheus scrape. Needs no token (see [`crate::metrics`]).
/// It answers even when the store does not: the job gauges then keep their last values,
/// and the trouble shows in the request and pool figures and in the log.
pub async fn find_metrics(state: AppState) -> impl IntoResponse {
    let jobs = state.db.run(|c| crate::models::credentials::count_jobs_by_state(c).map_err(AppError::from)).await;
    let jobs = jobs.inspect_err(|e| tracing::warn!(error = %e, "metrics: cannot count issuance jobs")).ok();
    let figures = Figures { snapshot: state.matching.current_info(), jobs, pool: state.db.pool_state() };
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], state.metrics.render(&figures))
}
