//! Pagination shared by every list endpoint: `?page=1&per_page=50`, and a body that carries
//! the total count so clients can render page links without a second request.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::AppError;

/// Query parameters for paging.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number (default 1).
    pub page: Option<i64>,
    /// Items per page, 1–500 (default 50).
    pub per_page: Option<i64>,
}

impl PageParams {
    /// Checks the bounds and returns `(page, per_page, offset)`.
    pub fn resolve(&self) -> Result<(i64, i64, i64), AppError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(50);
        if page < 1 {
            return Err(AppError::bad_field("page", "must be 1 or more"));
        }
        if !(1..=500).contains(&per_page) {
            return Err(AppError::bad_field("per_page", "must be between 1 and 500"));
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
