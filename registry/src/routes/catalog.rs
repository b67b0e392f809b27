//! Skill frameworks, skills, relations and occupations: the shared catalog. Reading is
//! public; editing is for the platform and province admins.

use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rongtong_catalog::skill::mint_skill_uri;
use rongtong_catalog::{FrameworkInput, OccupationInput, SkillInput, SkillRelation, SkillRelationKind};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::{Caller, Principal};
use crate::db::new_id;
use crate::error::{AppError, AppJson, AppPath, AppQuery, AppResult, ErrorBody};
use crate::models::catalog::{self as m, FrameworkView, OccupationFilter, OccupationView, RelationView, SkillFilter, SkillView};
use crate::models::pagination::{Page, PageParams};
use crate::routes::cached::{ListKind, cached_list};
use crate::services::catalog::{SkillWritten, check_duplicates};

/// Lists skill frameworks (ESCO, national standards, local frameworks) with versions.
#[utoipa::path(get, path = "/frameworks", tag = "catalog", responses((status = 200, body = Vec<FrameworkView>), (status = 304, description = "not modified (If-None-Match)")))]
pub async fn list_frameworks(state: AppState, _caller: Caller, headers: HeaderMap) -> AppResult<Response> {
    // The same for every caller: kept and served as the anonymous list. `_caller` is taken all
    // the same: a bad token is a 401 here as on every other route (no lookup without one).
    cached_list(&state, ListKind::Frameworks, &Caller::Anonymous, None, &headers, |c| m::list_frameworks(c).map_err(AppError::from)).await
}

/// Documentation of the framework body (`catalog::FrameworkInput`).
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct FrameworkInputDoc {
    /// Short code, e.g. `gb-6-31-01-10`.
    code: String,
    /// `esco`, `national` or `local`.
    kind: String,
    /// Name.
    name: String,
    /// Version label.
    version: String,
    /// The framework's URI.
    uri: Option<String>,
}

/// Creates a framework, or updates the one with the same code (a new version label).
#[utoipa::path(post, path = "/frameworks", tag = "catalog", request_body = FrameworkInputDoc, responses((status = 201, body = FrameworkView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_framework(
    state: AppState,
    p: Principal,
    AppJson(input): AppJson<FrameworkInput>,
) -> AppResult<(StatusCode, AppJson<FrameworkView>)> {
    p.ensure(p.can_edit_catalog(), "edit the skills catalog")?;
    Ok((StatusCode::CREATED, AppJson(state.db.run(move |c| m::upsert_framework(c, &input)).await?)))
}

/// Searches skills by label in Chinese or English (alternative labels included), by
/// framework and type. Exact label matches come first.
/// Served from the list cache while the catalog stands still (`routes::cached`).
#[utoipa::path(get, path = "/skills", tag = "catalog", params(SkillFilter), responses((status = 200, body = Page<SkillView>), (status = 304, description = "not modified (If-None-Match)"), (status = 400, body = ErrorBody)))]
pub async fn list_skills(
    state: AppState,
    _caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    AppQuery(f): AppQuery<SkillFilter>,
) -> AppResult<Response> {
    let (page, per_page, offset) = PageParams { page: f.page, per_page: f.per_page }.resolve()?;
    // The same for every caller: kept and served as the anonymous list.
    cached_list(&state, ListKind::Skills, &Caller::Anonymous, query, &headers, move |c| {
        let (items, total) = m::list_skills(c, &f, per_page, offset)?;
        Ok(Page { items, total, page, per_page })
    })
    .await
}

/// Documentation of the skill body (`catalog::SkillInput`).
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct SkillInputDoc {
    /// Absolute URI; omit to mint `{RONGTONG_BASE_URL}/skills/{uuid}`.
    uri: Option<String>,
    /// Framework code.
    framework: String,
    /// Chinese preferred label.
    label_zh: Option<String>,
    /// English preferred label.
    label_en: Option<String>,
    /// Alternative labels.
    /// Optional: omitted means none (the body type reads it with `#[serde(default)]`).
    #[schema(required = false)]
    alt_labels: Vec<String>,
    /// Description.
    description: Option<String>,
    /// `knowledge` or `skill/competence`.
    skill_type: String,
    /// ESCO reuse level.
    reuse_level: Option<String>,
    /// `released` (default), `draft` or `deprecated`.
    status: Option<String>,
}

/// Creates a skill. Without a `uri`, one is minted under the configured base URL
/// (`{base}/skills/{id}`, which resolves to the skill as JSON-LD or HTML).
///
/// A label (Chinese, English or alternative) equal to a label of another skill of the same
/// framework once normalised is a 409 naming the field and the existing skill. Labels that
/// are only similar are stored, and the similar skills come back in `warnings`.
#[utoipa::path(post, path = "/skills", tag = "catalog", request_body = SkillInputDoc, responses((status = 201, body = SkillWritten, description = "the skill, with `warnings` listing near-duplicate skills of the framework when there are any"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "the URI exists, or a label duplicates one of an existing skill of the framework"), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_skill(
    state: AppState,
    p: Principal,
    AppJson(mut input): AppJson<SkillInput>,
) -> AppResult<(StatusCode, AppJson<SkillWritten>)> {
    p.ensure(p.can_edit_catalog(), "edit the skills catalog")?;
    input.validate()?;
    if input.uri.is_none() {
        input.uri = Some(mint_skill_uri(state.base_url(), &new_id()));
    }
    let written = state
        .db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                let fw = m::find_framework(c, &input.framework)
                    .map_err(|_| AppError::invalid("framework", format!("no framework {}", input.framework)))?;
                let uri = input.uri.clone().unwrap_or_default();
                if m::find_skill_row(c, &uri).is_ok() {
                    return Err(AppError::conflict("uri", format!("skill {uri} exists; use PUT /api/v1/skills/{{id}} to change it")));
                }
                let warnings = check_duplicates(c, &fw.id, &input, None)?;
                m::upsert_skill(c, &fw.id, &input)?;
                Ok(SkillWritten { skill: m::find_skill(c, &uri)?, warnings })
            })
        })
        .await?;
    Ok((StatusCode::CREATED, AppJson(written)))
}

/// Shows one skill by id or URI (URL-encode a URI).
#[utoipa::path(get, path = "/skills/{id}", tag = "catalog", params(("id" = String, Path, description = "skill id or URI")), responses((status = 200, body = SkillView), (status = 404, body = ErrorBody)))]
pub async fn find_skill(state: AppState, AppPath(id): AppPath<String>) -> AppResult<AppJson<SkillView>> {
    Ok(AppJson(state.db.run(move |c| m::find_skill(c, &id)).await?))
}

/// Replaces a skill's labels, description and type. The URI never changes. Labels are
/// checked against the framework's other skills as on creation (409 for an exact duplicate,
/// `warnings` for near ones).
#[utoipa::path(put, path = "/skills/{id}", tag = "catalog", params(("id" = String, Path)), request_body = SkillInputDoc, responses((status = 200, body = SkillWritten), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn update_skill(
    state: AppState,
    p: Principal,
    AppPath(id): AppPath<String>,
    AppJson(mut input): AppJson<SkillInput>,
) -> AppResult<AppJson<SkillWritten>> {
    p.ensure(p.can_edit_catalog(), "edit the skills catalog")?;
    input.validate()?;
    let written = state
        .db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                let row = m::find_skill_row(c, &id)?;
                if input.uri.as_deref().is_some_and(|u| u != row.uri) {
                    return Err(AppError::invalid("uri", "a skill's URI cannot change"));
                }
                input.uri = Some(row.uri.clone());
                let fw = m::find_framework(c, &input.framework)
                    .map_err(|_| AppError::invalid("framework", format!("no framework {}", input.framework)))?;
                let warnings = check_duplicates(c, &fw.id, &input, Some(&row.id))?;
                m::upsert_skill(c, &fw.id, &input)?;
                Ok(SkillWritten { skill: m::find_skill(c, &row.uri)?, warnings })
            })
        })
        .await?;
    Ok(AppJson(written))
}

/// Lists the relations (broader, prerequisite, related, exact/close match) of a skill.
#[utoipa::path(get, path = "/skills/{id}/relations", tag = "catalog", params(("id" = String, Path)), responses((status = 200, body = Vec<RelationView>), (status = 404, body = ErrorBody)))]
pub async fn list_skill_relations(state: AppState, AppPath(id): AppPath<String>) -> AppResult<AppJson<Vec<RelationView>>> {
    Ok(AppJson(
        state
            .db
            .run(move |c| {
                let row = m::find_skill_row(c, &id)?;
                m::relations_of(c, &row.id).map_err(AppError::from)
            })
            .await?,
    ))
}

/// A new relation from the skill in the path.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelationInput {
    /// `broader`, `prerequisite`, `related`, `exact_match` or `close_match`.
    #[schema(value_type = String)]
    pub kind: SkillRelationKind,
    /// The target skill's URI.
    pub to: String,
}

/// Relates the skill in the path to another (e.g. an exact match across frameworks, which
/// the matching engine counts as full equivalence for 互通互认).
#[utoipa::path(post, path = "/skills/{id}/relations", tag = "catalog", params(("id" = String, Path)), request_body = RelationInput, responses((status = 201, body = Vec<RelationView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_skill_relation(
    state: AppState,
    p: Principal,
    AppPath(id): AppPath<String>,
    AppJson(input): AppJson<RelationInput>,
) -> AppResult<(StatusCode, AppJson<Vec<RelationView>>)> {
    p.ensure(p.can_edit_catalog(), "edit the skills catalog")?;
    let views = state
        .db
        .run(move |c| {
            let row = m::find_skill_row(c, &id)?;
            m::insert_relation(c, &SkillRelation { from: row.uri.clone(), kind: input.kind, to: input.to })?;
            m::relations_of(c, &row.id).map_err(AppError::from)
        })
        .await?;
    Ok((StatusCode::CREATED, AppJson(views)))
}

/// Lists occupations (职业), searchable by label or 大典 code.
/// Served from the list cache while the catalog stands still (`routes::cached`).
#[utoipa::path(get, path = "/occupations", tag = "catalog", params(OccupationFilter), responses((status = 200, body = Page<OccupationView>), (status = 304, description = "not modified (If-None-Match)")))]
pub async fn list_occupations(
    state: AppState,
    _caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    AppQuery(f): AppQuery<OccupationFilter>,
) -> AppResult<Response> {
    let (page, per_page, offset) = PageParams { page: f.page, per_page: f.per_page }.resolve()?;
    // The same for every caller: kept and served as the anonymous list.
    cached_list(&state, ListKind::Occupations, &Caller::Anonymous, query, &headers, move |c| {
        let (items, total) = m::list_occupations(c, &f, per_page, offset)?;
        Ok(Page { items, total, page, per_page })
    })
    .await
}

/// Documentation of the occupation body (`catalog::OccupationInput`).
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct OccupationInputDoc {
    /// URI; minted under the base URL when omitted.
    uri: Option<String>,
    /// 职业分类大典 code, e.g. `6-18-02-01`.
    code: Option<String>,
    /// Chinese label.
    label_zh: Option<String>,
    /// English label.
    label_en: Option<String>,
    /// Description.
    description: Option<String>,
    /// Required skills: `{"skill": URI, "kind": "essential"|"optional", "min_level": 1..5}`.
    /// Optional: omitted means none (the body type reads it with `#[serde(default)]`).
    #[schema(required = false)]
    skills: Vec<serde_json::Value>,
    /// Months a skill-level certificate for the occupation stays valid, 1–600; omit or
    /// `null` for no expiry.
    valid_months: Option<u32>,
}

/// Creates an occupation, or updates the one with the same URI.
#[utoipa::path(post, path = "/occupations", tag = "catalog", request_body = OccupationInputDoc, responses((status = 201, body = OccupationView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "the occupation code (职业分类大典) is already used by another occupation"), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_occupation(
    state: AppState,
    p: Principal,
    AppJson(mut input): AppJson<OccupationInput>,
) -> AppResult<(StatusCode, AppJson<OccupationView>)> {
    p.ensure(p.can_edit_catalog(), "edit the skills catalog")?;
    if input.uri.is_none() {
        input.uri = Some(format!("{}/occupations/{}", state.base_url(), new_id()));
    }
    let view = state
        .db
        .run(move |c| {
            let (id, _) = m::upsert_occupation(c, &input)?;
            m::find_occupation(c, &id)
        })
        .await?;
    Ok((StatusCode::CREATED, AppJson(view)))
}

/// Shows an occupation with its required skills, by id, URI or 大典 code.
#[utoipa::path(get, path = "/occupations/{id}", tag = "catalog", params(("id" = String, Path)), responses((status = 200, body = OccupationView), (status = 404, body = ErrorBody)))]
pub async fn find_occupation(state: AppState, AppPath(id): AppPath<String>) -> AppResult<AppJson<OccupationView>> {
    Ok(AppJson(state.db.run(move |c| m::find_occupation(c, &id)).await?))
}
