//! The region and platform administrators' pages (issue 11; `docs/WEB.md`, "Region and
//! platform administrators"): the review queue of their level ([`reviews`]), the
//! organisations and people of their region ([`organizations`]), the regional dashboard
//! with its charts and CSV downloads ([`dashboard`]), and the trusted-issuer list
//! ([`trusted`]).
//!
//! Every page opens only for the principals `auth::policy::admin_scope` names — region admins
//! over their region, platform admins over every region — and is 403 for everybody else.
//! Each then calls the same services as the JSON API, so the pages and the API give the same
//! answers and errors.

use axum::Router;
use axum::routing::{get, post};
use rongtong_catalog::RegionCode;

use super::ctx::{Ctx, PageError};
use crate::app::AppState;
use crate::auth::{Principal, policy};
use crate::error::AppError;

pub(crate) mod charts;
mod dashboard;
mod organizations;
mod reviews;
mod trusted;

/// This area's page routes (merged into the web application by `pages::routes`).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/reviews", get(reviews::list_reviews))
        .route("/admin/reviews/courses/{id}", post(reviews::update_course_review))
        .route("/admin/reviews/rules/{id}", post(reviews::update_rule_review))
        .route("/admin/organizations", get(organizations::list_organizations).post(organizations::create_organization))
        .route("/admin/organizations/users", post(organizations::create_user))
        .route("/admin/organizations/users/{id}/invitation", post(organizations::create_invitation))
        .route("/admin/dashboard", get(dashboard::find_dashboard))
        .route("/admin/dashboard/{file}", get(dashboard::find_dashboard_csv))
        .route("/admin/trusted-issuers", get(trusted::list_trusted_issuers).post(trusted::create_trusted_issuer))
        .route("/admin/trusted-issuers/recheck", post(trusted::create_recheck))
        .route("/admin/trusted-issuers/{id}", get(trusted::find_trusted_issuer).post(trusted::update_trusted_issuer))
        .route("/admin/trusted-issuers/{id}/delete", post(trusted::delete_trusted_issuer))
}

/// The signed-in administrator and the region they administer (`None`: every region), or
/// 403 for anyone else (a redirect to sign in for nobody).
fn admin(ctx: &Ctx) -> Result<(Principal, Option<RegionCode>), PageError> {
    let p = ctx.require()?;
    match policy::admin_scope(p) {
        Some(region) => Ok((p.clone(), region)),
        None => Err(PageError(AppError::Forbidden(format!("{} is not a region or platform administrator", p.username)))),
    }
}

/// `?page=` of a paginated page, from 1 (read as text: a bad number is the first page, not
/// an error).
#[derive(Debug, Default, serde::Deserialize)]
struct PageQuery {
    #[serde(default)]
    page: Option<String>,
    /// A one-time notice after a redirect (a message-key suffix the page knows).
    #[serde(default)]
    done: Option<String>,
}

/// Items per page of the administrators' lists.
const PER_PAGE: i64 = 50;

/// Page number and offset of `?page=` (bad or missing: the first page).
fn page_offset(page: Option<&str>) -> (i64, i64) {
    let page = page.and_then(|p| p.trim().parse::<i64>().ok()).filter(|p| (1..=1_000_000).contains(p)).unwrap_or(1);
    (page, (page - 1) * PER_PAGE)
}

/// A message key chosen in code rather than in a template: returned as is, and marked so that
/// the catalogue test (`pages::i18n`) checks that it exists.
const fn tr(key: &'static str) -> &'static str {
    key
}

/// The message key of an organisation kind (`college`, …).
fn kind_key(kind: &str) -> &'static str {
    match kind {
        "college" => tr("admin.kind.college"),
        "training_center" => tr("admin.kind.training_center"),
        "enterprise" => tr("admin.kind.enterprise"),
        "evaluation_org" => tr("admin.kind.evaluation_org"),
        "authority" => tr("admin.kind.authority"),
        _ => tr("admin.kind.other"),
    }
}
