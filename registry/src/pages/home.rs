//! The home page: what Rongtong is, a search box over the public catalogue, and what the
//! registry holds.

use askama::Template;
use axum::response::{IntoResponse, Response};

use super::ctx::{Ctx, PageResult, render};
use super::layout::Chrome;
use crate::app::AppState;
use crate::models::catalog::{self, PublicCounts};

/// The home page.
#[derive(Template)]
#[template(path = "web/home.html")]
pub struct HomePage {
    c: Chrome,
    counts: PublicCounts,
}

/// `GET /`: the home page.
pub async fn find_home(state: AppState, ctx: Ctx) -> PageResult<Response> {
    let counts = state.db.run(|c| catalog::public_counts(c).map_err(crate::error::AppError::from)).await?;
    Ok(render(&HomePage { c: Chrome::new(&ctx, "home.title"), counts })?.into_response())
}
