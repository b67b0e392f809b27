//! A course's status change (三级审核) as a workflow: what `POST /courses/{id}/status` and the
//! review pages (`/admin/reviews`) both run, so the two cannot disagree.
//!
//! The rules themselves are [`super::review::decide`] (who may move a course where, and which
//! level it awaits next) and `auth::policy` (who covers the provider); this function loads
//! the course, asks them, and records the decision.

use rongtong_catalog::{CourseStatus, ReviewStage};

use crate::auth::Principal;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::accounts;
use crate::models::courses::{self as m, CourseView};
use crate::services::review;

/// Moves course `id` (id, `code` or `code@version`) to `requested` as `p`, with an optional
/// comment (the caller checked it with [`review::check_comment`]), and returns the course as
/// it is now. An unpublished course of a provider `p` does not cover is "not found" (404),
/// exactly like a course that does not exist: no 403 or 409 reveals it. A reviewer approves
/// at the level the course awaits only (403 otherwise: levels are not skipped).
pub(crate) fn change_status(
    conn: &mut DbConnection,
    p: &Principal,
    id: &str,
    requested: CourseStatus,
    comment: Option<&str>,
) -> AppResult<CourseView> {
    let row = m::find_course_row(conn, id)?;
    let org = accounts::find_org(conn, &row.provider_id)?;
    let region = org.region_code()?;
    let provider_side = p.can_edit_org_content(&org.id, &region);
    if !provider_side && !matches!(row.status(), CourseStatus::Published | CourseStatus::Archived) {
        return Err(AppError::NotFound(format!("course {id}")));
    }
    let awaiting = row.review_stage.as_deref().and_then(|s| s.parse::<ReviewStage>().ok());
    let reviews_at = |stage| p.reviews_at(stage, &region);
    let actor = review::Actor { provider_side, reviews_at: &reviews_at };
    let review::Decision { to, acted_as, next } = review::decide(row.status(), requested, awaiting, &region, &actor)?;
    crate::db::write_transaction(conn, |c| m::set_course_status(c, &row, to, &p.user_id, comment, acted_as, next))?;
    m::find_course(conn, &row.id)
}
