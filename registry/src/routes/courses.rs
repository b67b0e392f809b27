//! Micro-courses, their review workflow, curricula and completion records.

use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rongtong_catalog::{CourseInput, CourseStatus, CurriculumInput};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::{Caller, Principal, Role, policy};
use crate::error::{AppError, AppJson, AppPath, AppQuery, AppResult, ErrorBody};
use crate::models::accounts;
use crate::models::courses::{self as m, CompletionInput, CompletionView, CourseFilter, CourseView, CurriculumView};
use crate::models::pagination::{Page, PageParams};
use crate::routes::cached::{ListKind, cached_list};
use crate::services::courses as svc;

/// Lists courses. Anonymous callers see the published catalog; providers also see their
/// drafts, and region admins the courses waiting for their review.
/// Served from the list cache while the catalog stands still (`routes::cached`).
#[utoipa::path(get, path = "/courses", tag = "courses", params(CourseFilter), responses((status = 200, body = Page<CourseView>), (status = 304, description = "not modified (If-None-Match)"), (status = 400, body = ErrorBody)))]
pub async fn list_courses(
    state: AppState,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    AppQuery(f): AppQuery<CourseFilter>,
) -> AppResult<Response> {
    let (page, per_page, offset) = PageParams { page: f.page, per_page: f.per_page }.resolve()?;
    let who = caller.clone();
    cached_list(&state, ListKind::Courses, &caller, query, &headers, move |c| {
        let (items, total) = m::list_courses(c, &who, &f, per_page, offset)?;
        Ok(Page { items, total, page, per_page })
    })
    .await
}

/// Documentation of the course body (`catalog::CourseInput`).
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct CourseInputDoc {
    /// Course code, e.g. `ZNZZ-01`.
    code: String,
    /// Version (default `1`).
    version: Option<String>,
    /// Chinese title.
    title_zh: String,
    /// English title.
    title_en: Option<String>,
    /// Chinese description.
    description_zh: Option<String>,
    /// English description.
    description_en: Option<String>,
    /// Providing organization code.
    provider: String,
    /// Hours.
    hours: f64,
    /// Credits.
    credits: f64,
    /// `online`, `offline` or `blended` (default).
    delivery_mode: Option<String>,
    /// Skills taught: `{"skill": URI, "level": 1..5, "weight": 0..1}`.
    /// Optional: omitted means none (the body type reads it with `#[serde(default)]`).
    #[schema(required = false)]
    skills: Vec<serde_json::Value>,
    /// Prerequisite course codes.
    /// Optional: omitted means none (the body type reads it with `#[serde(default)]`).
    #[schema(required = false)]
    prerequisites: Vec<String>,
    /// Months the training certificate stays valid, 1–600; omit or `null` for no expiry.
    valid_months: Option<u32>,
}

/// Creates a course as a draft of its provider.
#[utoipa::path(post, path = "/courses", tag = "courses", request_body = CourseInputDoc, responses((status = 201, body = CourseView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_course(
    state: AppState,
    p: Principal,
    AppJson(input): AppJson<CourseInput>,
) -> AppResult<(StatusCode, AppJson<CourseView>)> {
    let view = state.db.run(move |c| svc::create_course(c, &p, &input)).await?;
    Ok((StatusCode::CREATED, AppJson(view)))
}

/// Shows a course by id, `code` (latest version) or `code@version`.
#[utoipa::path(get, path = "/courses/{id}", tag = "courses", params(("id" = String, Path)), responses((status = 200, body = CourseView), (status = 404, body = ErrorBody)))]
pub async fn find_course(state: AppState, caller: Caller, AppPath(id): AppPath<String>) -> AppResult<AppJson<CourseView>> {
    let view = state.db.run(move |c| m::find_visible_course(c, caller.principal(), &id)).await?;
    Ok(AppJson(view))
}

/// Replaces a draft course. Published courses are immutable: publish a new version.
#[utoipa::path(put, path = "/courses/{id}", tag = "courses", params(("id" = String, Path)), request_body = CourseInputDoc, responses((status = 200, body = CourseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn update_course(
    state: AppState,
    p: Principal,
    AppPath(id): AppPath<String>,
    AppJson(input): AppJson<CourseInput>,
) -> AppResult<AppJson<CourseView>> {
    let view = state.db.run(move |c| svc::update_course(c, &p, &id, &input)).await?;
    Ok(AppJson(view))
}

/// Deletes a draft course that nobody has completed. Anything else is archived instead.
#[utoipa::path(delete, path = "/courses/{id}", tag = "courses", params(("id" = String, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete_course(state: AppState, p: Principal, AppPath(id): AppPath<String>) -> AppResult<StatusCode> {
    state
        .db
        .run(move |c| {
            let row = m::find_visible_course_row(c, Some(&p), &id)?;
            let org = accounts::find_org(c, &row.provider_id)?;
            p.ensure(p.can_edit_org_content(&org.id, &org.region_code()?), "delete this course")?;
            if row.status() != CourseStatus::Draft {
                return Err(AppError::conflict("status", "only draft courses can be deleted; archive it instead"));
            }
            let done = m::count_completions(c, &row.id)?;
            if done > 0 {
                return Err(AppError::conflict("id", "learners have completed this course; archive it instead"));
            }
            m::delete_course(c, &row.id)?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// The new status: `draft`, `in_review`, `published` or `archived`.
    #[schema(value_type = String)]
    pub status: CourseStatus,
    /// Why (shown to the provider when a review sends a course back).
    #[serde(default)]
    pub comment: Option<String>,
}

/// Moves a course through review (三级审核). The provider submits (draft → in_review) and
/// may withdraw. The course then waits for each level of its chain in turn — the admins of
/// the provider's city (for a provider inside a city), of its province, then the platform —
/// and each level's `{"status": "published"}` approves it at that level; the last approval
/// publishes it. Any reviewer of the chain may send it back (in_review → draft, with a
/// comment). The provider or an admin archives it.
#[utoipa::path(post, path = "/courses/{id}/status", tag = "courses", params(("id" = String, Path)), request_body = StatusInput, responses((status = 200, body = CourseView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn update_course_status(
    state: AppState,
    p: Principal,
    AppPath(id): AppPath<String>,
    AppJson(input): AppJson<StatusInput>,
) -> AppResult<AppJson<CourseView>> {
    let view = state.db.run(move |c| svc::change_status(c, &p, &id, input.status, input.comment.as_deref())).await?;
    Ok(AppJson(view))
}

/// A course's review history, oldest first: who submitted, approved at which level, or
/// sent it back and why. Visible to whoever may see the course.
#[utoipa::path(get, path = "/courses/{id}/reviews", tag = "courses", params(("id" = String, Path)), responses((status = 200, body = Vec<m::ReviewView>), (status = 404, body = ErrorBody)))]
pub async fn list_course_reviews(state: AppState, caller: Caller, AppPath(id): AppPath<String>) -> AppResult<AppJson<Vec<m::ReviewView>>> {
    let history = state
        .db
        .run(move |c| {
            let row = m::find_visible_course_row(c, caller.principal(), &id)?;
            Ok::<_, AppError>(m::review_history(c, &row.id)?)
        })
        .await?;
    Ok(AppJson(history))
}

/// Filter for curricula.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CurriculumFilter {
    /// Provider organization code.
    pub provider: Option<String>,
    /// Page number (from 1).
    pub page: Option<i64>,
    /// Page size (1–500, default 50).
    pub per_page: Option<i64>,
}

/// Documentation of the curriculum body (`catalog::CurriculumInput`).
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct CurriculumInputDoc {
    /// Code, unique per provider.
    code: String,
    /// Chinese title.
    title_zh: String,
    /// English title.
    title_en: Option<String>,
    /// Providing organization code.
    provider: String,
    /// Course codes in teaching order.
    modules: Vec<String>,
}

/// Lists curricula (public).
#[utoipa::path(get, path = "/curricula", tag = "courses", params(CurriculumFilter), responses((status = 200, body = Page<CurriculumView>), (status = 400, body = ErrorBody)))]
pub async fn list_curricula(state: AppState, AppQuery(f): AppQuery<CurriculumFilter>) -> AppResult<AppJson<Page<CurriculumView>>> {
    let (page, per_page, offset) = PageParams { page: f.page, per_page: f.per_page }.resolve()?;
    let (items, total) = state.db.run(move |c| m::list_curricula(c, f.provider.as_deref(), per_page, offset)).await?;
    Ok(AppJson(Page { items, total, page, per_page }))
}

/// Creates a curriculum: a college programme of ordered modules (course codes).
#[utoipa::path(post, path = "/curricula", tag = "courses", request_body = CurriculumInputDoc, responses((status = 201, body = CurriculumView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_curriculum(
    state: AppState,
    p: Principal,
    AppJson(input): AppJson<CurriculumInput>,
) -> AppResult<(StatusCode, AppJson<CurriculumView>)> {
    let view = state.db.run(move |c| svc::create_curriculum(c, &p, &input)).await?;
    Ok((StatusCode::CREATED, AppJson(view)))
}

/// Shows a curriculum.
#[utoipa::path(get, path = "/curricula/{id}", tag = "courses", params(("id" = String, Path)), responses((status = 200, body = CurriculumView), (status = 404, body = ErrorBody)))]
pub async fn find_curriculum(state: AppState, AppPath(id): AppPath<String>) -> AppResult<AppJson<CurriculumView>> {
    Ok(AppJson(state.db.run(move |c| m::find_curriculum(c, &id).map(|(v, _)| v)).await?))
}

/// Replaces a curriculum's title and modules.
#[utoipa::path(put, path = "/curricula/{id}", tag = "courses", params(("id" = String, Path)), request_body = CurriculumInputDoc, responses((status = 200, body = CurriculumView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn update_curriculum(
    state: AppState,
    p: Principal,
    AppPath(id): AppPath<String>,
    AppJson(input): AppJson<CurriculumInput>,
) -> AppResult<AppJson<CurriculumView>> {
    let view = state.db.run(move |c| svc::update_curriculum(c, &p, &id, &input)).await?;
    Ok(AppJson(view))
}

/// Deletes a curriculum (its courses stay).
#[utoipa::path(delete, path = "/curricula/{id}", tag = "courses", params(("id" = String, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete_curriculum(state: AppState, p: Principal, AppPath(id): AppPath<String>) -> AppResult<StatusCode> {
    state
        .db
        .run(move |c| {
            let (current, provider_id) = m::find_curriculum(c, &id)?;
            let org = accounts::find_org(c, &provider_id)?;
            p.ensure(p.can_edit_org_content(&org.id, &org.region_code()?), "delete this curriculum")?;
            m::delete_curriculum(c, &current.id)?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Filter for completion records.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompletionFilter {
    /// Learner username or id (admins and providers only; learners always see their own).
    pub learner: Option<String>,
}

/// Lists completion records: learners see their own; a provider sees those of its courses;
/// platform admins see all.
#[utoipa::path(get, path = "/completions", tag = "courses", params(CompletionFilter), responses((status = 200, body = Vec<CompletionView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "no such learner")), security(("bearer" = [])))]
pub async fn list_completions(
    state: AppState,
    p: Principal,
    AppQuery(f): AppQuery<CompletionFilter>,
) -> AppResult<AppJson<Vec<CompletionView>>> {
    let rows = state
        .db
        .run(move |c| {
            let learner_id = match &f.learner {
                Some(l) => Some(accounts::find_user(c, l)?.id),
                None => None,
            };
            match p.role {
                Role::Learner => {
                    if learner_id.as_ref().is_some_and(|l| *l != p.user_id) {
                        return Err(AppError::Forbidden("learners see only their own records".into()));
                    }
                    Ok(m::list_completions(c, Some(&p.user_id), None)?)
                }
                _ => {
                    let orgs = accounts::covered_org_ids(c, &policy::coverage(Some(&p)))?;
                    Ok(m::list_completions(c, learner_id.as_deref(), orgs.as_deref())?)
                }
            }
        })
        .await?;
    Ok(AppJson(rows))
}

/// Records that a learner completed a course. Only the course provider's people (or an
/// admin of its region) may; each learner completes a course once.
#[utoipa::path(post, path = "/completions", tag = "courses", request_body = CompletionInput, responses((status = 201, body = CompletionView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_completion(
    state: AppState,
    p: Principal,
    AppJson(input): AppJson<CompletionInput>,
) -> AppResult<(StatusCode, AppJson<CompletionView>)> {
    let view = state.db.run(move |c| svc::record_completion(c, &p, &input)).await?;
    Ok((StatusCode::CREATED, AppJson(view)))
}
