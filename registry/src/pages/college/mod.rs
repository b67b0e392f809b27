//! The college pages of the web application (issue 11).

use axum::Router;

use crate::app::AppState;

/// This area's page routes (merged into the web application by `pages::routes`).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
}
