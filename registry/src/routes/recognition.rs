//! The outcome catalogue and conversion rules (转换规则): CRUD, review, CSV and JSON-LD.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rongtong_catalog::{RuleInput, RuleStatus};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::{Caller, Principal};
use crate::error::{AppError, AppJson, AppPath, AppQuery, AppResult, ErrorBody};
use crate::models::courses::ReviewView;
use crate::models::pagination::{Page, PageParams};
use crate::models::recognition::{self as m, OutcomeFilter, OutcomeView, RuleFilter, RuleView};
use crate::services::import::ImportReport;
use crate::services::recognition as svc;

/// The outcome catalogue (学习成果名录): every outcome a rule may cite — each course code
/// with a published version (`course:{code}`), then each occupation with a 职业分类大典 code
/// at levels 5 to 1 (`standard:{code}:{level}`). Derived from the courses and occupations on
/// each call, never stored apart. Public.
#[utoipa::path(get, path = "/outcomes", tag = "recognition", params(OutcomeFilter), responses((status = 200, body = Page<OutcomeView>), (status = 400, body = ErrorBody)))]
pub async fn list_outcomes(state: AppState, AppQuery(f): AppQuery<OutcomeFilter>) -> AppResult<AppJson<Page<OutcomeView>>> {
    let (page, per_page, offset) = PageParams { page: f.page, per_page: f.per_page }.resolve()?;
    let (items, total) = state.db.run(move |c| m::list_outcomes(c, &f, per_page, offset)).await?;
    Ok(AppJson(Page { items, total, page, per_page }))
}

/// Lists rules: published and retired ones for everybody; drafts and rules in review for
/// those who cover the owner (its people, the admins of its region, the platform).
#[utoipa::path(get, path = "/recognition-rules", tag = "recognition", params(RuleFilter), responses((status = 200, body = Page<RuleView>), (status = 400, body = ErrorBody)))]
pub async fn list_recognition_rules(
    state: AppState,
    caller: Caller,
    AppQuery(f): AppQuery<RuleFilter>,
) -> AppResult<AppJson<Page<RuleView>>> {
    let (page, per_page, offset) = PageParams { page: f.page, per_page: f.per_page }.resolve()?;
    let (items, total) = state.db.run(move |c| m::list_rules(c, &caller, &f, per_page, offset)).await?;
    Ok(AppJson(Page { items, total, page, per_page }))
}

/// Documentation of the rule body (`catalog::RuleInput`).
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct RuleInputDoc {
    /// Rule code, e.g. `JXOU-R-001`; a code belongs to one owner.
    code: String,
    /// Version (default `1`).
    version: Option<String>,
    /// Owning organisation code: the target's provider (a course), an evaluation
    /// organisation (a standard) or an authority of the region.
    owner: String,
    /// Title.
    title: String,
    /// Description.
    description: Option<String>,
    /// Target outcome key: `course:{code}` for `exempt_course`, `standard:{occupation}:{level}` otherwise.
    target: String,
    /// `exempt_course`, `assessment_eligibility`, `exempt_assessment_part:theory` or `exempt_assessment_part:practical`.
    effect: String,
    /// `{"outcome": KEY, "min_level": 1..5 (external only), "within_years": 1..50}`, at least one.
    sources: Vec<serde_json::Value>,
    /// Credits granted, 0–1000; omitted: the course's credits for `exempt_course`, else 0.
    credits: Option<f64>,
    /// Decided without a reviewer (default false).
    automatic: Option<bool>,
}

/// Creates a rule as a draft of its owner. A rule citing unknown or unpublished outcomes, or
/// a target that is not its owner's, is refused (422 naming the field); nothing is stored.
/// A new version of an existing code is created the same way (same owner, new `version`).
#[utoipa::path(post, path = "/recognition-rules", tag = "recognition", request_body = RuleInputDoc, responses((status = 201, body = RuleView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_recognition_rule(
    state: AppState,
    p: Principal,
    AppJson(input): AppJson<RuleInput>,
) -> AppResult<(StatusCode, AppJson<RuleView>)> {
    input.validate()?;
    let view = state
        .db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                let checked = svc::check_for(c, &p, &input)?;
                let id = m::insert_rule(c, &checked.owner.id, &input, checked.credits, RuleStatus::Draft)?;
                m::find_rule(c, &id)
            })
        })
        .await?;
    Ok((StatusCode::CREATED, AppJson(view)))
}

/// Turns a suggestion into a draft rule in one step (issue 10 part 2): `{"target": …,
/// "sources": [the suggestion's source]}` (or a suggested course set's courses) and the rest
/// defaults — owner (the target course's provider, or the caller's organisation), effect,
/// code (`{OWNER}-S-{n}`), title. Checked and stored exactly as `POST /recognition-rules`: a
/// draft of its owner, for that owner's people and the admins of its region.
#[utoipa::path(post, path = "/recognition-rules/suggestions", tag = "recognition", request_body = svc::SuggestionDraft, responses((status = 201, body = RuleView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_recognition_rule_from_suggestion(
    state: AppState,
    p: Principal,
    AppJson(draft): AppJson<svc::SuggestionDraft>,
) -> AppResult<(StatusCode, AppJson<RuleView>)> {
    let view = state
        .db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                let (input, checked) = svc::rule_from_suggestion(c, &p, &draft)?;
                let id = m::insert_rule(c, &checked.owner.id, &input, checked.credits, RuleStatus::Draft)?;
                m::find_rule(c, &id)
            })
        })
        .await?;
    Ok((StatusCode::CREATED, AppJson(view)))
}

/// Output format of a rule.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RuleFormat {
    /// `jsonld` for the CTDL JSON-LD document whatever the `Accept` header says; `json` for the API view.
    pub format: Option<String>,
}

fn wants_jsonld(headers: &HeaderMap, format: Option<&str>) -> AppResult<bool> {
    match format {
        Some("jsonld") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(AppError::bad_field("format", format!("`{other}`: use json or jsonld"))),
        None => Ok(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/ld+json"))),
    }
}

fn jsonld_response(doc: serde_json::Value) -> Response {
    let mut r = ([(header::CONTENT_TYPE, "application/ld+json")], doc.to_string()).into_response();
    r.headers_mut().insert(header::VARY, HeaderValue::from_static("accept"));
    r
}

/// Shows a rule by id, `code` (latest version the caller may see) or `code@version`. With
/// `Accept: application/ld+json` (or `?format=jsonld`): the rule as a CTDL
/// `ceterms:TransferValueProfile` (docs/RECOGNITION.md has the mapping).
#[utoipa::path(get, path = "/recognition-rules/{id}", tag = "recognition", params(("id" = String, Path), RuleFormat), responses((status = 200, description = "the rule (application/json), or its CTDL JSON-LD document (application/ld+json)", content((RuleView = "application/json"), (serde_json::Value = "application/ld+json"))), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn find_recognition_rule(
    state: AppState,
    caller: Caller,
    headers: HeaderMap,
    AppPath(id): AppPath<String>,
    AppQuery(q): AppQuery<RuleFormat>,
) -> AppResult<Response> {
    let jsonld = wants_jsonld(&headers, q.format.as_deref())?;
    let view = state
        .db
        .run(move |c| {
            let row = m::find_visible_rule_row(c, caller.principal(), &id)?;
            Ok::<_, AppError>(m::rule_views(c, vec![row])?.remove(0))
        })
        .await?;
    if jsonld {
        return Ok(jsonld_response(svc::rule_document(state.base_url(), &view)));
    }
    let mut r = AppJson(view).into_response();
    r.headers_mut().insert(header::VARY, HeaderValue::from_static("accept"));
    Ok(r)
}

/// Replaces a draft rule. Published rules are immutable: create a new version instead.
#[utoipa::path(put, path = "/recognition-rules/{id}", tag = "recognition", params(("id" = String, Path)), request_body = RuleInputDoc, responses((status = 200, body = RuleView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn update_recognition_rule(
    state: AppState,
    p: Principal,
    AppPath(id): AppPath<String>,
    AppJson(input): AppJson<RuleInput>,
) -> AppResult<AppJson<RuleView>> {
    input.validate()?;
    let view = state
        .db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                let row = m::find_visible_rule_row(c, Some(&p), &id)?;
                let checked = svc::check_for(c, &p, &input)?;
                if checked.owner.id != row.owner_id || input.code != row.code || input.version != row.version {
                    return Err(AppError::invalid("code", "owner, code and version of a rule cannot change; create a new version"));
                }
                if row.status() != RuleStatus::Draft {
                    return Err(AppError::conflict(
                        "status",
                        format!("only draft rules can be edited; this one is {} — create a new version instead", row.status),
                    ));
                }
                m::update_rule(c, &row.id, &input, checked.credits)?;
                m::find_rule(c, &row.id)
            })
        })
        .await?;
    Ok(AppJson(view))
}

/// Deletes a draft rule. Anything else is retired instead.
#[utoipa::path(delete, path = "/recognition-rules/{id}", tag = "recognition", params(("id" = String, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete_recognition_rule(state: AppState, p: Principal, AppPath(id): AppPath<String>) -> AppResult<StatusCode> {
    state
        .db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                let row = m::find_visible_rule_row(c, Some(&p), &id)?;
                let owner = crate::models::accounts::find_org(c, &row.owner_id)?;
                p.ensure(p.can_edit_org_content(&owner.id, &owner.region_code()?), "delete this rule")?;
                if row.status() != RuleStatus::Draft {
                    return Err(AppError::conflict("status", "only draft rules can be deleted; retire it instead"));
                }
                m::delete_rule(c, &row.id)?;
                Ok::<_, AppError>(())
            })
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A rule's status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleStatusInput {
    /// `in_review` (submit), `published` (approve at the awaited level), `draft` (withdraw
    /// or send back) or `retired`.
    #[schema(value_type = String)]
    pub status: RuleStatus,
    /// Why (shown to the owner when a review sends a rule back).
    #[serde(default)]
    pub comment: Option<String>,
}

/// Moves a rule through review (三级审核), exactly as courses: the owner submits; the
/// admins of the owner's city (if any), province, then the platform approve in turn with
/// `{"status": "published"}`; the last approval publishes it and retires the version of the
/// same code published before. Any reviewer of the chain, or the owner, sends it back to
/// draft. The owner retires a published rule.
#[utoipa::path(post, path = "/recognition-rules/{id}/status", tag = "recognition", params(("id" = String, Path)), request_body = RuleStatusInput, responses((status = 200, body = RuleView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn update_recognition_rule_status(
    state: AppState,
    p: Principal,
    AppPath(id): AppPath<String>,
    AppJson(input): AppJson<RuleStatusInput>,
) -> AppResult<AppJson<RuleView>> {
    crate::services::review::check_comment(input.comment.as_deref())?;
    let view = state
        .db
        .run(move |c| {
            let row = m::find_rule_row(c, &id)?;
            svc::change_status(c, &p, &row, input.status, input.comment.as_deref())?;
            m::find_rule(c, &row.id)
        })
        .await?;
    Ok(AppJson(view))
}

/// A rule's review history, oldest first.
#[utoipa::path(get, path = "/recognition-rules/{id}/reviews", tag = "recognition", params(("id" = String, Path)), responses((status = 200, body = Vec<ReviewView>), (status = 404, body = ErrorBody)))]
pub async fn list_recognition_rule_reviews(
    state: AppState,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> AppResult<AppJson<Vec<ReviewView>>> {
    let history = state
        .db
        .run(move |c| {
            let row = m::find_visible_rule_row(c, caller.principal(), &id)?;
            Ok::<_, AppError>(m::review_history(c, &row.id)?)
        })
        .await?;
    Ok(AppJson(history))
}

/// Options of a rule upload.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RuleImportParams {
    /// Publish the rules at once (platform admins only; others import drafts and submit them).
    #[serde(default)]
    pub publish: bool,
}

/// Imports rules from a CSV body (one rule per row, Chinese or English headers; see
/// docs/RECOGNITION.md). All or nothing: any bad row refuses the file with 422 listing every
/// bad row and column. New rules are drafts; a draft with the same code and version is replaced.
#[utoipa::path(post, path = "/imports/recognition-rules", tag = "imports", params(RuleImportParams), request_body(content = String, content_type = "text/csv"), responses((status = 200, body = ImportReport), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_recognition_rule_import(
    state: AppState,
    p: Principal,
    AppQuery(params): AppQuery<RuleImportParams>,
    body: Bytes,
) -> AppResult<AppJson<ImportReport>> {
    let report = state.db.run(move |c| svc::import_rules(c, &body, Some(&p), params.publish)).await?;
    Ok(AppJson(report))
}

/// Filter of the rule exports.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RuleExportParams {
    /// Only this owner's rules.
    pub owner: Option<String>,
}

/// Downloads the published rules as CSV (UTF-8 with BOM), in the import format.
#[utoipa::path(get, path = "/exports/recognition-rules.csv", tag = "imports", params(RuleExportParams), responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody)))]
pub async fn find_recognition_rule_export(state: AppState, AppQuery(params): AppQuery<RuleExportParams>) -> AppResult<Response> {
    let bytes = state.db.run(move |c| svc::export_rules(c, params.owner.as_deref())).await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"recognition-rules.csv\"".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// Downloads the published rules as one CTDL JSON-LD document (`@graph` of
/// `ceterms:TransferValueProfile`), for other registries.
#[utoipa::path(get, path = "/exports/recognition-rules.jsonld", tag = "imports", params(RuleExportParams), responses((status = 200, content_type = "application/ld+json", body = serde_json::Value, description = "the published rules as one CTDL JSON-LD graph"), (status = 400, body = ErrorBody)))]
pub async fn find_recognition_rule_jsonld_export(state: AppState, AppQuery(params): AppQuery<RuleExportParams>) -> AppResult<Response> {
    let rules = state.db.run(move |c| m::published_rules(c, params.owner.as_deref())).await?;
    Ok(jsonld_response(svc::rules_graph(state.base_url(), &rules)))
}
