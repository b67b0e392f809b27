//! `/admin/reviews`: the courses and recognition rules waiting at the administrator's own
//! review level (三级审核: city → province → platform), each with its trail, an approve button
//! and a send-back form with a comment.
//!
//! The queue is the API's course list with `?status=in_review&review_stage=<my level>&region=
//! <my region>` (`Principal::review_level`), and each decision is the same workflow as
//! `POST /courses/{id}/status` (`services::course_review`) or `POST
//! /recognition-rules/{id}/status` (`services::recognition::change_status`): a level that
//! is not the one the course awaits gets 403 (shown as a page), a course the administrator
//! does not cover is "not found".

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rongtong_catalog::{CourseStatus, ReviewStage, RuleStatus};
use serde::Deserialize;

use super::{PER_PAGE, PageQuery, admin, page_offset, tr};
use crate::app::AppState;
use crate::auth::{Caller, Principal};
use crate::error::{AppError, AppResult};
use crate::models::courses::{self as courses_m, CourseFilter, ReviewView};
use crate::models::recognition::{self as rules_m, RuleFilter};
use crate::pages::ctx::{CsrfForm, Ctx, PageResult, render};
use crate::pages::layout::{Chrome, FieldErrors};
use crate::services::review;

/// One step of a trail, ready to show.
struct Step {
    at: String,
    by: String,
    from_key: &'static str,
    to_key: &'static str,
    stage_key: Option<&'static str>,
    comment: Option<String>,
}

/// A course or rule waiting for this administrator.
struct Item {
    id: String,
    code: String,
    version: String,
    title: String,
    owner: String,
    owner_name: String,
    updated_at: String,
    trail: Vec<Step>,
    /// The send-back form's errors and comment, when it was just refused.
    errors: FieldErrors,
    comment: String,
}

/// The review queue.
#[derive(Template)]
#[template(path = "web/admin/reviews.html")]
struct ReviewsPage {
    c: Chrome,
    /// The level's message key; `None` for an administrator who reviews at no level.
    level_key: Option<&'static str>,
    /// The region reviewed (empty: every region).
    region_name: String,
    /// Courses, then recognition rules.
    sections: Vec<Section>,
    page: i64,
    pages: i64,
}

/// The courses or the rules of the queue.
struct Section {
    /// `courses` or `rules`: the path segment of its forms and the `data-queue` attribute.
    kind: &'static str,
    heading_key: &'static str,
    items: Vec<Item>,
    total: i64,
}

/// A decision: `approve` or `send_back`, and a comment.
#[derive(Debug, Deserialize)]
pub(super) struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

fn status_key(s: &str) -> &'static str {
    match s {
        "draft" => tr("admin.status.draft"),
        "in_review" => tr("admin.status.in_review"),
        "published" => tr("admin.status.published"),
        "archived" => tr("admin.status.archived"),
        "retired" => tr("admin.status.retired"),
        _ => tr("admin.status.other"),
    }
}

/// The message key of a review level.
pub(super) fn stage_key(s: ReviewStage) -> &'static str {
    match s {
        ReviewStage::City => tr("admin.stage.city"),
        ReviewStage::Province => tr("admin.stage.province"),
        ReviewStage::Platform => tr("admin.stage.platform"),
    }
}

fn steps(trail: Vec<ReviewView>) -> Vec<Step> {
    trail
        .into_iter()
        .map(|r| Step {
            from_key: status_key(&r.from_status),
            to_key: status_key(&r.to_status),
            stage_key: r.stage.as_deref().and_then(|s| s.parse().ok()).map(stage_key),
            at: r.at,
            by: r.by,
            comment: r.comment,
        })
        .collect()
}

/// Which item's send-back form was refused, and why.
struct Refused {
    kind: &'static str,
    id: String,
    comment: String,
    errors: FieldErrors,
}

/// The queue of one administrator.
#[derive(Default)]
struct Queue {
    /// The level they review at (`None`: none).
    stage: Option<ReviewStage>,
    region_name: String,
    courses: Vec<Item>,
    course_total: i64,
    rules: Vec<Item>,
    rule_total: i64,
}

/// Loads the queue of `p` (one page of courses; rules, which are few, up to a page) with
/// their trails: five queries whatever the number of items.
fn load(c: &mut crate::db::DbConnection, p: &Principal, page: i64, offset: i64, refused: Option<&Refused>) -> AppResult<Queue> {
    let Some((stage, region)) = p.review_level() else { return Ok(Queue::default()) };
    let region_name = match &region {
        Some(r) => crate::models::reports::region_names(c, &[r.to_string()])?.remove(r.as_str()).map_or_else(|| r.to_string(), |n| n.0),
        None => String::new(),
    };
    let caller = Caller::User(p.clone());
    let filter = CourseFilter {
        status: Some(CourseStatus::InReview),
        review_stage: Some(stage),
        region: region.clone(),
        page: Some(page),
        per_page: Some(PER_PAGE),
        ..Default::default()
    };
    let (courses, course_total) = courses_m::list_courses(c, &caller, &filter, PER_PAGE, offset)?;
    let mut trails = courses_m::review_histories(c, &courses.iter().map(|v| v.id.clone()).collect::<Vec<_>>())?;
    let rule_filter = RuleFilter {
        status: Some(RuleStatus::InReview),
        review_stage: Some(stage),
        region,
        per_page: Some(PER_PAGE),
        ..Default::default()
    };
    let (rules, rule_total) = rules_m::list_rules(c, &caller, &rule_filter, PER_PAGE, 0)?;
    let mut rule_trails = rules_m::review_histories(c, &rules.iter().map(|v| v.id.clone()).collect::<Vec<_>>())?;
    // A row: id, code, version, title, owner's code and name, last change; with the
    // send-back form's refusal when it was this row's.
    let item = |kind: &str, [id, code, version, title, owner, owner_name, updated_at]: [String; 7], trail: Vec<ReviewView>| {
        let refusal = refused.filter(|r| r.kind == kind && r.id == id);
        Item {
            errors: refusal.map(|r| r.errors.clone()).unwrap_or_default(),
            comment: refusal.map(|r| r.comment.clone()).unwrap_or_default(),
            trail: steps(trail),
            id,
            code,
            version,
            title,
            owner,
            owner_name,
            updated_at,
        }
    };
    let courses = courses
        .into_iter()
        .map(|v| {
            let trail = trails.remove(&v.id).unwrap_or_default();
            item("course", [v.id, v.code, v.version, v.title_zh, v.provider, v.provider_name, v.updated_at], trail)
        })
        .collect();
    let rules = rules
        .into_iter()
        .map(|v| {
            let trail = rule_trails.remove(&v.id).unwrap_or_default();
            item("rule", [v.id, v.code, v.version, v.title, v.owner, v.owner_name, v.updated_at], trail)
        })
        .collect();
    Ok(Queue { stage: Some(stage), region_name, courses, course_total, rules, rule_total })
}

async fn render_queue(
    state: &AppState,
    ctx: &Ctx,
    page: Option<&str>,
    notice: Option<&'static str>,
    refused: Option<Refused>,
) -> PageResult<Response> {
    let (p, _) = admin(ctx)?;
    let (page, offset) = page_offset(page);
    let refused_status = refused.is_some();
    let Queue { stage, region_name, courses, course_total, rules, rule_total } =
        state.db.run(move |c| load(c, &p, page, offset, refused.as_ref())).await?;
    let page = ReviewsPage {
        c: Chrome::new(ctx, "admin.reviews.title").with_notice(notice),
        level_key: stage.map(stage_key),
        region_name,
        sections: vec![
            Section { kind: "courses", heading_key: tr("admin.reviews.courses"), items: courses, total: course_total },
            Section { kind: "rules", heading_key: tr("admin.reviews.rules"), items: rules, total: rule_total },
        ],
        page,
        pages: (course_total + PER_PAGE - 1) / PER_PAGE,
    };
    let status = if refused_status { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

/// `GET /admin/reviews`: the queue of my review level.
pub(super) async fn list_reviews(state: AppState, ctx: Ctx, Query(q): Query<PageQuery>) -> PageResult<Response> {
    let notice = match q.done.as_deref() {
        Some("approved") => Some(tr("admin.reviews.approved")),
        Some("sent_back") => Some(tr("admin.reviews.sent_back")),
        _ => None,
    };
    render_queue(&state, &ctx, q.page.as_deref(), notice, None).await
}

/// The status a decision asks for (`field`: `decision`).
fn requested(decision: &str) -> AppResult<CourseStatus> {
    match decision {
        "approve" => Ok(CourseStatus::Published),
        "send_back" => Ok(CourseStatus::Draft),
        other => Err(AppError::bad_field("decision", format!("`{other}` is neither approve nor send_back"))),
    }
}

/// After a decision: back to the queue with a notice, or the queue again with the comment's
/// error beside it (nothing changed), or an error page (403 for a level not mine, 404 for a
/// course I do not cover, 409 for one no longer in review).
async fn decided(
    state: AppState,
    ctx: Ctx,
    kind: &'static str,
    id: String,
    form: DecisionForm,
    result: AppResult<()>,
) -> PageResult<Response> {
    match result {
        Ok(()) => {
            let done = if form.decision == "approve" { "approved" } else { "sent_back" };
            Ok(Redirect::to(&format!("/admin/reviews?done={done}")).into_response())
        }
        Err(e @ AppError::Validation(_)) => {
            let errors = FieldErrors::from_error(&e).unwrap_or_default();
            render_queue(&state, &ctx, None, None, Some(Refused { kind, id, comment: form.comment, errors })).await
        }
        Err(e) => Err(e.into()),
    }
}

fn comment_of(form: &DecisionForm) -> Option<String> {
    Some(form.comment.trim().to_string()).filter(|c| !c.is_empty())
}

/// `POST /admin/reviews/courses/{id}`: approve the course at my level, or send it back to
/// its provider with a comment.
pub(super) async fn update_course_review(
    state: AppState,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> PageResult<Response> {
    let (p, _) = admin(&ctx)?;
    let to = requested(&form.decision)?;
    let comment = comment_of(&form);
    let key = id.clone();
    let result = match review::check_comment(comment.as_deref()) {
        Err(e) => Err(e),
        Ok(()) => state.db.run(move |c| crate::services::courses::change_status(c, &p, &key, to, comment.as_deref()).map(|_| ())).await,
    };
    decided(state, ctx, "course", id, form, result).await
}

/// `POST /admin/reviews/rules/{id}`: approve the recognition rule at my level, or send it
/// back to its owner with a comment.
pub(super) async fn update_rule_review(
    state: AppState,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> PageResult<Response> {
    let (p, _) = admin(&ctx)?;
    let to = match requested(&form.decision)? {
        CourseStatus::Published => RuleStatus::Published,
        _ => RuleStatus::Draft,
    };
    let comment = comment_of(&form);
    let key = id.clone();
    let result = match review::check_comment(comment.as_deref()) {
        Err(e) => Err(e),
        Ok(()) => {
            state
                .db
                .run(move |c| {
                    let row = rules_m::find_rule_row(c, &key)?;
                    crate::services::recognition::change_status(c, &p, &row, to, comment.as_deref())
                })
                .await
        }
    };
    decided(state, ctx, "rule", id, form, result).await
}
