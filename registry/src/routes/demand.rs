//! Talent-demand lists (人才需求清单): enterprises publish what they need. The writes are
//! `services::demand`'s, shared with the enterprise's web pages.

use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rongtong_catalog::{DemandListInput, DemandStatus};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::{Caller, Principal};
use crate::error::{AppError, AppJson, AppPath, AppQuery, AppResult, ErrorBody};
use crate::models::demand::{self as m, DemandFilter, DemandListView};
use crate::models::pagination::{Page, PageParams};
use crate::routes::cached::{ListKind, cached_list};
use crate::services::demand as svc;

/// Lists demand lists with their positions. Anonymous callers see published (and closed)
/// lists; an enterprise also sees its drafts.
/// Served from the list cache while the data stands still (`routes::cached`).
#[utoipa::path(get, path = "/demand-lists", tag = "demand", params(DemandFilter), responses((status = 200, body = Page<DemandListView>), (status = 304, description = "not modified (If-None-Match)"), (status = 400, body = ErrorBody)))]
pub async fn list_demand_lists(
    state: AppState,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    AppQuery(f): AppQuery<DemandFilter>,
) -> AppResult<Response> {
    let (page, per_page, offset) = PageParams { page: f.page, per_page: f.per_page }.resolve()?;
    let who = caller.clone();
    cached_list(&state, ListKind::DemandLists, &caller, query, &headers, move |c| {
        let (items, total) = m::list_lists(c, &who, &f, per_page, offset)?;
        Ok(Page { items, total, page, per_page })
    })
    .await
}

/// Documentation of the demand-list body (`catalog::DemandListInput`).
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct DemandListInputDoc {
    /// Title.
    title: String,
    /// Enterprise code.
    enterprise: String,
    /// Region code.
    region: String,
    /// Industry.
    industry: Option<String>,
    /// Deadline (YYYY-MM-DD).
    deadline: Option<String>,
    /// Positions: `{"position", "occupation", "headcount", "region", "deadline", "skills": [{"skill": URI, "kind": "essential"|"optional", "min_level": 1..5}]}`.
    /// Optional: omitted means none (the body type reads it with `#[serde(default)]`).
    #[schema(required = false)]
    items: Vec<serde_json::Value>,
}

/// Creates a demand list as a draft of the enterprise.
#[utoipa::path(post, path = "/demand-lists", tag = "demand", request_body = DemandListInputDoc, responses((status = 201, body = DemandListView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_demand_list(
    state: AppState,
    p: Principal,
    AppJson(input): AppJson<DemandListInput>,
) -> AppResult<(StatusCode, AppJson<DemandListView>)> {
    let view = state.db.run(move |c| svc::create_list(c, &p, &input)).await?;
    Ok((StatusCode::CREATED, AppJson(view)))
}

/// Shows a demand list with its positions and required skills.
#[utoipa::path(get, path = "/demand-lists/{id}", tag = "demand", params(("id" = String, Path)), responses((status = 200, body = DemandListView), (status = 404, body = ErrorBody)))]
pub async fn find_demand_list(state: AppState, caller: Caller, AppPath(id): AppPath<String>) -> AppResult<AppJson<DemandListView>> {
    let view = state
        .db
        .run(move |c| {
            let row = m::find_visible_list_row(c, caller.principal(), &id)?;
            Ok::<_, AppError>(m::list_views(c, vec![row])?.remove(0))
        })
        .await?;
    Ok(AppJson(view))
}

/// Replaces a demand list (draft or published; closed lists are kept as they were).
#[utoipa::path(put, path = "/demand-lists/{id}", tag = "demand", params(("id" = String, Path)), request_body = DemandListInputDoc, responses((status = 200, body = DemandListView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn update_demand_list(
    state: AppState,
    p: Principal,
    AppPath(id): AppPath<String>,
    AppJson(input): AppJson<DemandListInput>,
) -> AppResult<AppJson<DemandListView>> {
    let view = state.db.run(move |c| svc::update_list(c, &p, &id, &input)).await?;
    Ok(AppJson(view))
}

/// Deletes a draft demand list; published lists are closed instead.
#[utoipa::path(delete, path = "/demand-lists/{id}", tag = "demand", params(("id" = String, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete_demand_list(state: AppState, p: Principal, AppPath(id): AppPath<String>) -> AppResult<StatusCode> {
    state.db.run(move |c| svc::delete_list(c, &p, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandStatusInput {
    /// `draft`, `published` or `closed`.
    #[schema(value_type = String)]
    pub status: DemandStatus,
}

/// Publishes, closes, reopens or unpublishes a demand list.
#[utoipa::path(post, path = "/demand-lists/{id}/status", tag = "demand", params(("id" = String, Path)), request_body = DemandStatusInput, responses((status = 200, body = DemandListView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn update_demand_status(
    state: AppState,
    p: Principal,
    AppPath(id): AppPath<String>,
    AppJson(input): AppJson<DemandStatusInput>,
) -> AppResult<AppJson<DemandListView>> {
    let view = state.db.run(move |c| svc::set_status(c, &p, &id, input.status)).await?;
    Ok(AppJson(view))
}
