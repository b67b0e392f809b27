//! The pages of a college, training centre or evaluation organisation (issue 11;
//! `docs/WEB.md`, "The college, training centre and evaluation organisation"): an
//! organisation's people do their work on them, through the same services and policy as the
//! JSON API (`services::courses`, `services::credentials::actions`, `services::recognition`,
//! `services::applications`, `services::matching`).
//!
//! - `/org/courses` ([`courses`]): courses of any status with their review stage; create and
//!   edit drafts (skills with levels 五级…一级), submit for review, the review trail;
//! - `/org/curricula` ([`curricula`]);
//! - `/org/completions` ([`completions`]): record one completion, or upload a CSV file (all
//!   or nothing, every bad row shown);
//! - `/org/credentials` and `/org/issuance` ([`credentials`]): the certificates the
//!   organisation issued, revoke / suspend / reinstate with a reason; cohort issuance with a
//!   live progress bar; an evaluation organisation's skill-level certificates;
//! - `/org/alignment` ([`alignment`]): the courses against a region's published demand;
//! - `/org/recognition` ([`recognition`]): the organisation's recognition rules and the
//!   applications waiting for its decision.
//!
//! Which pages a person sees follows the navigation (`layout::role_nav`): colleges and
//! training centres all of them, an evaluation organisation its certificates and recognition,
//! everybody else none (403). What they may see and do on a page is the services' policy:
//! another organisation's draft is "not found" here as in the API.

use axum::Router;
use axum::routing::{get, post};
use rongtong_catalog::OrgKind;

use super::ctx::{Ctx, PageError, PageResult};
use crate::app::AppState;
use crate::auth::{OrgScope, Principal, Role};
use crate::error::AppError;

mod alignment;
mod completions;
mod courses;
mod credentials;
mod curricula;
mod form;
mod recognition;

/// This area's page routes (merged into the web application by `pages::routes`).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/org/courses", get(courses::list_courses).post(courses::create_course))
        .route("/org/courses/new", get(courses::new_course))
        .route("/org/courses/{id}", get(courses::find_course).post(courses::update_course))
        .route("/org/courses/{id}/edit", get(courses::edit_course))
        .route("/org/courses/{id}/status", post(courses::update_course_status))
        .route("/org/curricula", get(curricula::list_curricula).post(curricula::create_curriculum))
        .route("/org/curricula/new", get(curricula::new_curriculum))
        .route("/org/curricula/{id}", get(curricula::edit_curriculum).post(curricula::update_curriculum))
        .route("/org/completions", get(completions::list_completions).post(completions::create_completion))
        .route("/org/completions/upload", post(completions::create_completion_upload))
        .route("/org/credentials", get(credentials::list_credentials))
        .route("/org/credentials/skill-level", post(credentials::create_skill_level_credential))
        .route("/org/credentials/{id}", get(credentials::find_credential))
        .route("/org/credentials/{id}/status", post(credentials::update_credential_status))
        .route("/org/issuance", get(credentials::list_cohorts).post(credentials::create_issuance_job))
        .route("/org/issuance/{job}", get(credentials::find_issuance_job))
        .route("/org/issuance/{job}/progress", get(credentials::find_issuance_progress))
        .route("/org/alignment", get(alignment::find_alignment))
        .route("/org/recognition", get(recognition::list_recognition))
        .route("/org/recognition/rules", post(recognition::create_rule))
        .route("/org/recognition/rules/new", get(recognition::new_rule))
        .route("/org/recognition/rules/{id}/status", post(recognition::update_rule_status))
        .route("/org/recognition/applications/{id}/decision", post(recognition::create_decision))
}

/// Which part of the area a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Courses, curricula, completions, alignment: course providers only.
    Teaching,
    /// Certificates and recognition: course providers and evaluation organisations.
    Certifying,
}

/// The signed-in person and their organisation, when this part of the area is theirs: an
/// admin or staff of a college or training centre (every page), or of an evaluation
/// organisation (certificates and recognition). Anyone else signed in gets 403; nobody
/// signed in is sent to the login page.
fn member(ctx: &Ctx, part: Part) -> PageResult<(Principal, OrgScope)> {
    let p = ctx.require()?;
    let org = match (&p.role, &p.org) {
        (Role::OrgAdmin | Role::OrgStaff, Some(org)) => org,
        _ => return Err(PageError(AppError::Forbidden(format!("{} does not work for a college or evaluation organisation", p.username)))),
    };
    let fits = org.kind.provides_courses() || (org.kind == OrgKind::EvaluationOrg && part == Part::Certifying);
    if !fits {
        return Err(PageError(AppError::Forbidden(format!("these pages are not for a {} organisation", org.kind))));
    }
    Ok((p.clone(), org.clone()))
}

/// The one-time notice a redirect asked for with `?done=…`, as a message key.
fn notice(ctx: &Ctx) -> Option<&'static str> {
    let query = ctx.here.split_once('?').map(|(_, q)| q).unwrap_or("");
    let done = form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "done").map(|(_, v)| v.into_owned())?;
    Some(match done.as_str() {
        "created" => "college.notice.created",
        "saved" => "college.notice.saved",
        "submitted" => "college.notice.submitted",
        "withdrawn" => "college.notice.withdrawn",
        "recorded" => "college.notice.recorded",
        "status" => "college.notice.status",
        "issued" => "college.notice.issued",
        "decided" => "college.notice.decided",
        _ => return None,
    })
}

/// A path parameter as a key: one holding a control character names nothing here (404),
/// before any query sees it (the API's `AppPath` refuses the same).
fn key(id: String) -> PageResult<String> {
    match rongtong_catalog::validate::forbidden_char(&id, false) {
        Some(_) => Err(PageError(AppError::NotFound("page".into()))),
        None => Ok(id),
    }
}

/// A page number from `?page=` (1 when absent or not a number ≥ 1), and its offset.
fn page_of(page: Option<i64>) -> (i64, i64) {
    let page = page.filter(|p| *p >= 1).unwrap_or(1);
    (page, (page - 1) * PER_PAGE)
}

/// Items per page of every list here.
const PER_PAGE: i64 = 50;

/// Previous and next page links of a list, as query strings (`None` at either end).
#[derive(Debug, Clone, Default)]
struct Pager {
    prev: Option<String>,
    next: Option<String>,
}

impl Pager {
    /// The pager of page `page` of `total` items, keeping the other query parameters `keep`.
    fn new(page: i64, total: i64, keep: &[(&str, &str)]) -> Pager {
        let link = |n: i64| {
            let mut q = form_urlencoded::Serializer::new(String::new());
            for (k, v) in keep.iter().filter(|(_, v)| !v.is_empty()) {
                q.append_pair(k, v);
            }
            q.append_pair("page", &n.to_string());
            format!("?{}", q.finish())
        };
        Pager { prev: (page > 1).then(|| link(page - 1)), next: (page * PER_PAGE < total).then(|| link(page + 1)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_start_at_one_and_link_both_ways() {
        assert_eq!(page_of(None), (1, 0));
        assert_eq!(page_of(Some(0)), (1, 0));
        assert_eq!(page_of(Some(3)), (3, 100));
        let p = Pager::new(2, 120, &[("status", "draft"), ("q", "")]);
        assert_eq!(p.prev.as_deref(), Some("?status=draft&page=1"));
        assert_eq!(p.next.as_deref(), Some("?status=draft&page=3"));
        let last = Pager::new(3, 120, &[]);
        assert!(last.next.is_none());
    }
}
