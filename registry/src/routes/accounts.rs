//! Regions, organizations, accounts and API tokens.

use axum::http::StatusCode;
use rongtong_catalog::{OrganizationInput, Region};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::{Principal, Role, policy};
use crate::error::{AppError, AppJson, AppPath, AppQuery, AppResult};
use crate::models::accounts::{self as m, CreatedToken, OrgFilter, OrgView, RegionView, TokenView, UserInput, UserView};
use crate::models::pagination::{Page, PageParams};
use crate::services::accounts as svc;

/// Filter for listing regions.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionFilter {
    /// Only the direct children of this region.
    pub parent: Option<String>,
    /// Page number (from 1).
    pub page: Option<i64>,
    /// Page size (1–500, default 50).
    pub per_page: Option<i64>,
}

/// Lists regions (province → city) in code order, optionally the children of one. A fresh
/// database already holds every GB/T 2260 province and prefecture-level city.
#[utoipa::path(get, path = "/regions", tag = "accounts", params(RegionFilter), responses((status = 200, body = Page<RegionView>), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list_regions(state: AppState, AppQuery(f): AppQuery<RegionFilter>) -> AppResult<AppJson<Page<RegionView>>> {
    let (page, per_page, offset) = PageParams { page: f.page, per_page: f.per_page }.resolve()?;
    let (items, total) = state.db.run(move |c| m::list_regions(c, f.parent.as_deref(), per_page, offset).map_err(AppError::from)).await?;
    Ok(AppJson(Page { items, total, page, per_page }))
}

/// Shows one region.
#[utoipa::path(get, path = "/regions/{code}", tag = "accounts", params(("code" = String, Path, description = "GB/T 2260 code")), responses((status = 200, body = RegionView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn find_region(state: AppState, AppPath(code): AppPath<String>) -> AppResult<AppJson<RegionView>> {
    Ok(AppJson(state.db.run(move |c| m::find_region(c, &code)).await?))
}

/// Adds or renames a region. Platform admins add provinces; a province admin adds the
/// cities and counties of its province.
#[utoipa::path(post, path = "/regions", tag = "accounts", request_body = RegionInputDoc, responses((status = 201, body = RegionView), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_region(state: AppState, p: Principal, AppJson(input): AppJson<Region>) -> AppResult<(StatusCode, AppJson<RegionView>)> {
    let allowed = p.is_platform_admin() || input.code.parent().is_some_and(|parent| p.administers_region(&parent));
    p.ensure(allowed, "create or rename this region")?;
    input.validate()?;
    let view = state.db.run(move |c| m::upsert_region(c, &input)).await?;
    Ok((StatusCode::CREATED, AppJson(view)))
}

/// The JSON body of a region (documentation only: the handler reads `catalog::Region`).
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct RegionInputDoc {
    /// GB/T 2260 code.
    code: String,
    /// Chinese name.
    name_zh: String,
    /// English name.
    name_en: String,
}

/// Lists organizations, filtered by kind, region (a province includes its cities) and text.
/// Public: organizations are part of the shared catalog.
#[utoipa::path(get, path = "/organizations", tag = "accounts", params(OrgFilter), responses((status = 200, body = Page<OrgView>)))]
pub async fn list_organizations(state: AppState, AppQuery(f): AppQuery<OrgFilter>) -> AppResult<AppJson<Page<OrgView>>> {
    let (page, per_page, offset) = PageParams { page: f.page, per_page: f.per_page }.resolve()?;
    let (rows, total) = state.db.run(move |c| m::list_orgs(c, &f, per_page, offset).map_err(AppError::from)).await?;
    Ok(AppJson(Page { items: rows.into_iter().map(OrgView::from).collect(), total, page, per_page }))
}

/// Shows one organization by code (or id).
#[utoipa::path(get, path = "/organizations/{code}", tag = "accounts", params(("code" = String, Path)), responses((status = 200, body = OrgView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn find_organization(state: AppState, AppPath(code): AppPath<String>) -> AppResult<AppJson<OrgView>> {
    Ok(AppJson(state.db.run(move |c| m::find_org(c, &code)).await?.into()))
}

/// Registers an organization. Platform admins anywhere; region admins inside their region.
#[utoipa::path(post, path = "/organizations", tag = "accounts", request_body = OrgInputDoc, responses((status = 201, body = OrgView), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_organization(
    state: AppState,
    p: Principal,
    AppJson(input): AppJson<OrganizationInput>,
) -> AppResult<(StatusCode, AppJson<OrgView>)> {
    let row = state.db.run(move |c| svc::create_organization(c, &p, &input)).await?;
    Ok((StatusCode::CREATED, AppJson(row.into())))
}

/// Documentation of the organization body (`catalog::OrganizationInput`).
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct OrgInputDoc {
    /// Short unique code.
    code: String,
    /// `college`, `training_center`, `enterprise`, `evaluation_org` or `authority`.
    kind: String,
    /// Chinese name.
    name_zh: String,
    /// English name.
    name_en: Option<String>,
    /// GB/T 2260 region code.
    region: String,
    /// 18-character Unified Social Credit Code (check digit verified).
    uscc: Option<String>,
}

/// Replaces an organization's details (its code never changes). Its admin, or an admin of
/// its region; moving it to another region needs rights there too.
#[utoipa::path(put, path = "/organizations/{code}", tag = "accounts", params(("code" = String, Path)), request_body = OrgInputDoc, responses((status = 200, body = OrgView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_organization(
    state: AppState,
    p: Principal,
    AppPath(code): AppPath<String>,
    AppJson(input): AppJson<OrganizationInput>,
) -> AppResult<AppJson<OrgView>> {
    let row = state
        .db
        .run(move |c| {
            let org = m::find_org(c, &code)?;
            p.ensure(p.can_manage_org(&org.id, &org.region_code()?), "manage this organization")?;
            if input.region.as_str() != org.region {
                p.ensure(p.administers_region(&input.region), "move organizations into that region")?;
            }
            if input.code != org.code {
                return Err(AppError::invalid("code", "an organization's code cannot change"));
            }
            m::update_org(c, &org.id, &input)
        })
        .await?;
    Ok(AppJson(row.into()))
}

/// The account behind the token.
#[utoipa::path(get, path = "/me", tag = "accounts", responses((status = 200, body = UserView), (status = 401, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn find_me(state: AppState, p: Principal) -> AppResult<AppJson<UserView>> {
    let id = p.user_id.clone();
    Ok(AppJson(state.db.run(move |c| m::find_user(c, &id)).await?))
}

/// Filter for listing accounts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Only this role.
    pub role: Option<Role>,
    /// Page number (from 1).
    pub page: Option<i64>,
    /// Page size (1–500).
    pub per_page: Option<i64>,
}

/// Lists the accounts the caller manages: all for platform admins, those inside the region
/// for region admins, the organization's people for its admin.
#[utoipa::path(get, path = "/users", tag = "accounts", params(UserFilter), responses((status = 200, body = Page<UserView>), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn list_users(state: AppState, p: Principal, AppQuery(f): AppQuery<UserFilter>) -> AppResult<AppJson<Page<UserView>>> {
    p.ensure(matches!(p.role, Role::PlatformAdmin | Role::RegionAdmin | Role::OrgAdmin), "list accounts")?;
    let (page, per_page, offset) = PageParams { page: f.page, per_page: f.per_page }.resolve()?;
    let (items, total) = state
        .db
        .run(move |c| {
            let (items, total) = m::list_users(c, &policy::coverage(Some(&p)), f.role, per_page, offset)?;
            Ok::<_, AppError>((items, total))
        })
        .await?;
    Ok(AppJson(Page { items, total, page, per_page }))
}

/// Creates an account. Who may create whom follows the tenancy rules: region admins inside
/// their region, organization admins for their own organization (colleges also enrol learners).
#[utoipa::path(post, path = "/users", tag = "accounts", request_body = UserInput, responses((status = 201, body = UserView), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn create_user(state: AppState, p: Principal, AppJson(input): AppJson<UserInput>) -> AppResult<(StatusCode, AppJson<UserView>)> {
    let view = state.db.run(move |c| svc::create_user(c, &p, &input)).await?;
    Ok((StatusCode::CREATED, AppJson(view)))
}

/// Shows an account: one's own, or one the caller manages.
#[utoipa::path(get, path = "/users/{id}", tag = "accounts", params(("id" = String, Path, description = "user id or username")), responses((status = 200, body = UserView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn find_user(state: AppState, p: Principal, AppPath(id): AppPath<String>) -> AppResult<AppJson<UserView>> {
    let user = state
        .db
        .run(move |c| {
            let user = m::find_user(c, &id)?;
            p.ensure(svc::can_manage_user(c, &p, &user)?, "see this account")?;
            Ok::<_, AppError>(user)
        })
        .await?;
    Ok(AppJson(user))
}

/// Body for a new token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// A label to recognise the token by, e.g. `ci-import`.
    pub name: String,
}

/// Mints an API token for an account (one's own, or one the caller manages). The secret is
/// in this response only.
#[utoipa::path(post, path = "/users/{id}/tokens", tag = "accounts", params(("id" = String, Path)), request_body = TokenInput, responses((status = 201, body = CreatedToken), (status = 403, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn create_token(
    state: AppState,
    p: Principal,
    AppPath(id): AppPath<String>,
    AppJson(input): AppJson<TokenInput>,
) -> AppResult<(StatusCode, AppJson<CreatedToken>)> {
    let mut errs = rongtong_catalog::ValidationErrors::new();
    rongtong_catalog::validate::check_text(&mut errs, "name", &input.name, 100);
    errs.into_result()?;
    let created = state
        .db
        .run(move |c| {
            let user = m::find_user(c, &id)?;
            p.ensure(svc::can_manage_user(c, &p, &user)?, "create tokens for this account")?;
            // A learner's token acts as the learner (presentations are signed with their
            // holder key): only the learner mints one, never an administrator.
            if user.role == Role::Learner.as_ref() && !policy::may_act_as_learner(&p, &user.id) {
                return Err(AppError::Forbidden("administrators never act as learners: only the learner mints their own tokens".into()));
            }
            m::create_token(c, &user.id, input.name.trim())
        })
        .await?;
    Ok((StatusCode::CREATED, AppJson(created)))
}

/// Lists an account's tokens (never their secrets).
#[utoipa::path(get, path = "/users/{id}/tokens", tag = "accounts", params(("id" = String, Path)), responses((status = 200, body = Vec<TokenView>), (status = 403, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn list_tokens(state: AppState, p: Principal, AppPath(id): AppPath<String>) -> AppResult<AppJson<Vec<TokenView>>> {
    let tokens = state
        .db
        .run(move |c| {
            let user = m::find_user(c, &id)?;
            p.ensure(svc::can_manage_user(c, &p, &user)?, "see this account's tokens")?;
            Ok::<_, AppError>(m::list_tokens(c, &user.id)?)
        })
        .await?;
    Ok(AppJson(tokens))
}

/// Revokes a token at once.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "accounts", params(("id" = String, Path)), responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn delete_token(state: AppState, p: Principal, AppPath(id): AppPath<String>) -> AppResult<StatusCode> {
    state
        .db
        .run(move |c| {
            let owner = m::token_owner(c, &id)?.ok_or_else(|| AppError::NotFound(format!("token {id}")))?;
            let user = m::find_user(c, &owner)?;
            p.ensure(svc::can_manage_user(c, &p, &user)?, "revoke this token")?;
            m::revoke_token(c, &id)?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
