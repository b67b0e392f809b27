//! Pagination shared by every list endpoint: `?page=1&per_page=50`, and a body that carries
//! the total count so clients can render page links without a second request.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::AppError;

/// The highest page number a list accepts. With [`MAX_PER_PAGE`] it keeps the row offset far
/// inside both backends' integer range (`page × per_page` overflowed before this bound).
pub const MAX_PAGE: i64 = 1_000_000;

/// The largest page size.
pub const MAX_PER_PAGE: i64 = 500;

/// Query parameters for paging.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number, 1 to 1,000,000 (default 1).
    pub page: Option<i64>,
    /// Items per page, 1–500 (default 50).
    pub per_page: Option<i64>,
}

impl PageParams {
    /// Checks the bounds and returns `(page, per_page, offset)`.
    pub fn resolve(&self) -> Result<(i64, i64, i64), AppError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(50);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(AppError::bad_field("page", format!("must be between 1 and {MAX_PAGE}")));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(AppError::bad_field("per_page", format!("must be between 1 and {MAX_PER_PAGE}")));
        }
        Ok((page, per_page, (page - 1) * per_page))
    }
}

/// One page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// How many items match in all.
    pub total: i64,
    /// This page's number.
    pub page: i64,
    /// Page size.
    pub per_page: i64,
}
