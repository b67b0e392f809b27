//! Recognition applications (认定申请) and decisions: apply, list, show, decide.
//!
//! The workflow and its rules are `services::applications`; who may see or decide is
//! `auth::policy` (`may_see_learner`, `may_decide_recognition`).

use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::auth::{Principal, policy};
use crate::error::{AppError, AppJson, AppPath, AppQuery, AppResult, ErrorBody};
use crate::models::applications::{self as m, ApplicationScope, ApplicationState};
use crate::models::pagination::{Page, PageParams};
use crate::services::applications::{self as svc, ApplicationInput, ApplicationView, DecisionInput};
use crate::services::credentials::issuance::IssueContext;

/// Applies for recognition of a target outcome with evidence (the learner's credentials here,
/// or a signed credential). Each piece is verified — proof, status, dates, holder, issuer
/// trust — and the published rules for the target are evaluated; the best rule that the
/// evidence meets is cited. An automatic rule approves at once (the answer then carries the
/// signed recognition credential); otherwise the application waits for a reviewer of the
/// rule's owner. A failed check, no rule met, or a second open application for the same
/// target is a 4xx naming the field; nothing is stored. Learners apply only for themselves.
#[utoipa::path(post, path = "/recognition-applications", tag = "recognition", request_body = ApplicationInput, responses((status = 201, body = ApplicationView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_recognition_application(
    state: AppState,
    p: Principal,
    AppJson(input): AppJson<ApplicationInput>,
) -> AppResult<(StatusCode, AppJson<ApplicationView>)> {
    let kek = state.kek.clone();
    let base = state.base_url().to_string();
    let view = state
        .db
        .run(move |c| {
            let ctx = IssueContext { base_url: &base, kek: &kek };
            let id = crate::db::write_transaction(c, |c| svc::apply(c, ctx, &p, &input))?;
            svc::find_visible(c, &p, &id)
        })
        .await?;
    Ok((StatusCode::CREATED, AppJson(view)))
}

/// Filter of the application list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ApplicationFilter {
    /// `pending`, `approved`, `rejected` or `suspended`.
    #[param(value_type = Option<String>)]
    pub state: Option<ApplicationState>,
    /// Only for this target outcome key.
    pub target: Option<String>,
    /// Only this learner's (username); learners always see only their own.
    pub learner: Option<String>,
    /// Page (from 1).
    pub page: Option<i64>,
    /// Items per page (1–200).
    pub per_page: Option<i64>,
}

/// Lists applications, newest first: a learner their own; an organisation's people, region
/// admins and the platform the applications their reviewers decide (the rules' owners they
/// cover) — the review queue with `?state=pending`.
#[utoipa::path(get, path = "/recognition-applications", tag = "recognition", params(ApplicationFilter), responses((status = 200, body = Page<ApplicationView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_recognition_applications(
    state: AppState,
    p: Principal,
    AppQuery(f): AppQuery<ApplicationFilter>,
) -> AppResult<AppJson<Page<ApplicationView>>> {
    let (page, per_page, offset) = PageParams { page: f.page, per_page: f.per_page }.resolve()?;
    if let Some(t) = &f.target {
        t.parse::<rongtong_catalog::OutcomeKey>().map_err(|e| AppError::bad_field("target", e.0))?;
    }
    let (items, total) = state
        .db
        .run(move |c| {
            let mut scope = ApplicationScope { state: f.state, target: f.target.clone(), ..Default::default() };
            if p.role == crate::auth::Role::Learner {
                scope.learner_id = Some(p.user_id.clone());
            } else {
                scope.owner_ids = crate::models::accounts::covered_org_ids(c, &policy::coverage(Some(&p)))?;
            }
            if let Some(u) = &f.learner {
                let learner = crate::models::accounts::find_user(c, u).map_err(|e| match e {
                    AppError::NotFound(_) => AppError::bad_field("learner", format!("no user {u}")),
                    other => other,
                })?;
                if scope.learner_id.as_ref().is_some_and(|own| own != &learner.id) {
                    return Err(AppError::Forbidden(format!("{} may see only their own applications", p.username)));
                }
                scope.learner_id = Some(learner.id);
            }
            let (rows, total) = m::list_applications(c, &scope, per_page, offset)?;
            Ok::<_, AppError>((svc::views(c, rows)?, total))
        })
        .await?;
    Ok(AppJson(Page { items, total, page, per_page }))
}

/// Shows an application: to the learner, the admins of the learner's region and the
/// reviewers of the rule's owner; "not found" for everybody else.
#[utoipa::path(get, path = "/recognition-applications/{id}", tag = "recognition", params(("id" = String, Path)), responses((status = 200, body = ApplicationView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn find_recognition_application(
    state: AppState,
    p: Principal,
    AppPath(id): AppPath<String>,
) -> AppResult<AppJson<ApplicationView>> {
    let view = state.db.run(move |c| svc::find_visible(c, &p, &id)).await?;
    Ok(AppJson(view))
}

/// Decides a pending application (`approve` or `reject` with a comment): only a reviewer of
/// the rule's owner. Approval issues the signed recognition credential. A decided
/// application is a 409: deciding twice never yields two credentials.
#[utoipa::path(post, path = "/recognition-applications/{id}/decision", tag = "recognition", params(("id" = String, Path)), request_body = DecisionInput, responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_recognition_decision(
    state: AppState,
    p: Principal,
    AppPath(id): AppPath<String>,
    AppJson(input): AppJson<DecisionInput>,
) -> AppResult<AppJson<ApplicationView>> {
    let kek = state.kek.clone();
    let base = state.base_url().to_string();
    let view = state
        .db
        .run(move |c| {
            let ctx = IssueContext { base_url: &base, kek: &kek };
            crate::db::write_transaction(c, |c| svc::decide(c, ctx, &p, &id, &input))?;
            svc::find_visible(c, &p, &id)
        })
        .await?;
    Ok(AppJson(view))
}
