//! `/admin/organizations`: the organisations and accounts of the administrator's region, a
//! form to register an organisation and one to create an account (the same checks and
//! errors as `POST /organizations` and `POST /users`: `services::accounts`), and for an
//! account without a password a button that mints a one-time invitation link — shown once —
//! with which its owner chooses a password (`/invite/{token}`). Passwords are never shown or
//! set here: the operator resets them (`rongtong user passwd`).

use std::collections::HashSet;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rongtong_catalog::{OrgKind, OrganizationInput, RegionCode};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{PER_PAGE, admin, kind_key, page_offset, tr};
use crate::app::AppState;
use crate::auth::{Principal, Role, policy};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::extract::json_input;
use crate::models::accounts::{self as m, OrgFilter, UserInput};
use crate::pages::ctx::{CsrfForm, Ctx, PageResult, render};
use crate::pages::layout::{Chrome, FieldErrors};
use crate::services::accounts as svc;

/// `?org_page=&user_page=&done=` of the page.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    org_page: Option<String>,
    #[serde(default)]
    user_page: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

/// The organisation form's fields, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct OrgForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    uscc: String,
}

/// The account form's fields, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    opt_in: Option<String>,
}

/// An option of a `<select>`: value, and either a message key or a text.
struct Choice {
    value: String,
    key: Option<&'static str>,
    text: String,
}

/// An organisation row.
struct OrgLine {
    code: String,
    name_zh: String,
    name_en: String,
    kind_key: &'static str,
    region: String,
    region_name: String,
}

/// An account row.
struct UserLine {
    id: String,
    username: String,
    display_name: String,
    role_key: &'static str,
    org: String,
    region: String,
    has_password: bool,
    /// Whether this administrator may send it an invitation now.
    invitable: bool,
}

/// The page.
#[derive(Template)]
#[template(path = "web/admin/organizations.html")]
struct OrganizationsPage {
    c: Chrome,
    region_name: String,
    orgs: Vec<OrgLine>,
    org_total: i64,
    org_page: i64,
    org_pages: i64,
    users: Vec<UserLine>,
    user_total: i64,
    user_page: i64,
    user_pages: i64,
    kinds: Vec<Choice>,
    roles: Vec<Choice>,
    regions: Vec<Choice>,
    org_form: OrgForm,
    org_errors: FieldErrors,
    user_form: UserForm,
    user_errors: FieldErrors,
}

/// The one-time invitation link.
#[derive(Template)]
#[template(path = "web/admin/invitation.html")]
struct InvitationPage {
    c: Chrome,
    username: String,
    url: String,
    expires: String,
}

fn role_key(role: &str) -> &'static str {
    match role.parse::<Role>() {
        Ok(Role::PlatformAdmin) => tr("role.platform_admin"),
        Ok(Role::RegionAdmin) => tr("role.region_admin"),
        Ok(Role::OrgAdmin) => tr("role.org_admin"),
        Ok(Role::OrgStaff) => tr("role.org_staff"),
        Ok(Role::Learner) | Err(_) => tr("role.learner"),
    }
}

/// What the forms' failure is: the form's own errors, or `None` for an error page.
struct Refused {
    org: Option<(OrgForm, FieldErrors)>,
    user: Option<(UserForm, FieldErrors)>,
}

/// The regions a form offers: the administrator's region and those directly inside it (the
/// platform: every region).
fn region_choices(c: &mut DbConnection, region: Option<&RegionCode>) -> AppResult<Vec<Choice>> {
    let mut list = Vec::new();
    if let Some(r) = region {
        list.push(m::find_region(c, r.as_str())?);
    }
    list.extend(m::list_regions(c, region.map(RegionCode::as_str), 1_000, 0)?.0);
    if region.is_none() {
        list.sort_by(|a, b| a.code.cmp(&b.code));
    }
    Ok(list.into_iter().map(|r| Choice { value: r.code.clone(), key: None, text: format!("{} {}", r.code, r.name_zh) }).collect())
}

/// Everything the page shows, in a fixed number of queries (orgs, users, their organisations'
/// codes, who has a password, the regions' names, the region choices).
fn load(
    c: &mut DbConnection,
    chrome: Chrome,
    p: &Principal,
    region: Option<&RegionCode>,
    q: &ListQuery,
    refused: Refused,
) -> AppResult<OrganizationsPage> {
    let (org_page, org_offset) = page_offset(q.org_page.as_deref());
    let (user_page, user_offset) = page_offset(q.user_page.as_deref());
    let (orgs, org_total) = m::list_orgs(c, &OrgFilter { region: region.cloned(), ..Default::default() }, PER_PAGE, org_offset)?;
    let (users, user_total) = m::list_users(c, &policy::coverage(Some(p)), None, PER_PAGE, user_offset)?;
    let org_ids: Vec<String> = users.iter().filter_map(|u| u.org_id.clone()).collect();
    let codes = m::org_codes(c, &org_ids)?;
    let passwords: HashSet<String> = crate::models::sessions::with_password(c, &users.iter().map(|u| u.id.clone()).collect::<Vec<_>>())?;
    let mut region_codes: Vec<String> = orgs.iter().map(|o| o.region.clone()).collect();
    region_codes.extend(region.map(|r| r.to_string()));
    let names = crate::models::reports::region_names(c, &region_codes)?;
    let mut user_lines = Vec::with_capacity(users.len());
    for u in users {
        let has_password = passwords.contains(&u.id);
        let invitable = policy::may_invite(p, &u.id, has_password) && svc::can_manage_user(c, p, &u)?;
        user_lines.push(UserLine {
            role_key: role_key(&u.role),
            org: u.org_id.as_ref().and_then(|id| codes.get(id).cloned()).unwrap_or_default(),
            region: u.region.clone().unwrap_or_default(),
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            has_password,
            invitable,
        });
    }
    let kinds = [OrgKind::College, OrgKind::TrainingCenter, OrgKind::Enterprise, OrgKind::EvaluationOrg, OrgKind::Authority]
        .into_iter()
        .map(|k| Choice { value: k.as_ref().to_string(), key: Some(kind_key(k.as_ref())), text: String::new() })
        .collect();
    let mut roles = vec![Role::OrgAdmin, Role::OrgStaff, Role::Learner, Role::RegionAdmin];
    if p.is_platform_admin() {
        roles.push(Role::PlatformAdmin);
    }
    let roles =
        roles.into_iter().map(|r| Choice { value: r.as_ref().to_string(), key: Some(role_key(r.as_ref())), text: String::new() }).collect();
    let (org_form, org_errors) = refused.org.unwrap_or_default();
    let (user_form, user_errors) = refused.user.unwrap_or_default();
    Ok(OrganizationsPage {
        c: chrome,
        region_name: region.map(|r| names.get(r.as_str()).map_or_else(|| r.to_string(), |n| n.0.clone())).unwrap_or_default(),
        orgs: orgs
            .into_iter()
            .map(|o| OrgLine {
                kind_key: kind_key(&o.kind),
                region_name: names.get(&o.region).map(|n| n.0.clone()).unwrap_or_default(),
                code: o.code,
                name_zh: o.name_zh,
                name_en: o.name_en.unwrap_or_default(),
                region: o.region,
            })
            .collect(),
        org_total,
        org_page,
        org_pages: (org_total + PER_PAGE - 1) / PER_PAGE,
        users: user_lines,
        user_total,
        user_page,
        user_pages: (user_total + PER_PAGE - 1) / PER_PAGE,
        kinds,
        roles,
        regions: region_choices(c, region)?,
        org_form,
        org_errors,
        user_form,
        user_errors,
    })
}

/// Renders the page (`status`: 200, or the refused form's error status).
async fn show(state: &AppState, ctx: &Ctx, q: ListQuery, refused: Refused, status: StatusCode) -> PageResult<Response> {
    let (p, region) = admin(ctx)?;
    let notice = match q.done.as_deref() {
        Some("org") => Some(tr("admin.orgs.created")),
        Some("user") => Some(tr("admin.users.created")),
        _ => None,
    };
    let chrome = Chrome::new(ctx, "admin.orgs.title").with_notice(notice);
    let page = state.db.run(move |c| load(c, chrome, &p, region.as_ref(), &q, refused)).await?;
    Ok((status, render(&page)?).into_response())
}

/// `GET /admin/organizations`: the organisations and accounts of my region, and the forms.
pub(super) async fn list_organizations(state: AppState, ctx: Ctx, Query(q): Query<ListQuery>) -> PageResult<Response> {
    show(&state, &ctx, q, Refused { org: None, user: None }, StatusCode::OK).await
}

/// Sets `key` to the trimmed text, or leaves it out when empty (an optional field not given).
fn put(obj: &mut Map<String, Value>, key: &str, text: &str, optional: bool) {
    let t = text.trim();
    if !(optional && t.is_empty()) {
        obj.insert(key.to_string(), Value::String(t.to_string()));
    }
}

/// The organisation the form describes, read as `POST /organizations` reads its body.
fn org_input(f: &OrgForm) -> AppResult<OrganizationInput> {
    let mut o = Map::new();
    put(&mut o, "code", &f.code, false);
    put(&mut o, "kind", &f.kind, false);
    put(&mut o, "name_zh", &f.name_zh, false);
    put(&mut o, "name_en", &f.name_en, true);
    put(&mut o, "region", &f.region, false);
    put(&mut o, "uscc", &f.uscc, true);
    json_input(Value::Object(o))
}

/// The account the form describes, read as `POST /users` reads its body.
fn user_input(f: &UserForm) -> AppResult<UserInput> {
    let mut o = Map::new();
    put(&mut o, "username", &f.username, false);
    put(&mut o, "display_name", &f.display_name, false);
    put(&mut o, "role", &f.role, false);
    put(&mut o, "org", &f.org, true);
    put(&mut o, "region", &f.region, true);
    o.insert("opt_in".into(), Value::Bool(f.opt_in.as_deref().is_some_and(|v| !v.is_empty())));
    json_input(Value::Object(o))
}

/// A refused form comes back with its errors beside the fields and nothing stored; anything
/// else that is not the form's fault (403, 404, 500) is an error page.
fn form_error(e: AppError) -> Result<(FieldErrors, StatusCode), AppError> {
    match FieldErrors::from_error(&e) {
        Some(errors) => Ok((errors, e.status_code())),
        None => Err(e),
    }
}

/// `POST /admin/organizations`: registers an organisation inside my region.
pub(super) async fn create_organization(state: AppState, ctx: Ctx, CsrfForm(form): CsrfForm<OrgForm>) -> PageResult<Response> {
    let (p, _) = admin(&ctx)?;
    let result = match org_input(&form) {
        Ok(input) => state.db.run(move |c| svc::create_organization(c, &p, &input).map(|_| ())).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/organizations?done=org").into_response()),
        Err(e) => {
            let (errors, status) = form_error(e)?;
            show(&state, &ctx, ListQuery::default(), Refused { org: Some((form, errors)), user: None }, status).await
        }
    }
}

/// `POST /admin/organizations/users`: creates an account inside my region (without a
/// password: its owner chooses one through an invitation).
pub(super) async fn create_user(state: AppState, ctx: Ctx, CsrfForm(form): CsrfForm<UserForm>) -> PageResult<Response> {
    let (p, _) = admin(&ctx)?;
    let result = match user_input(&form) {
        Ok(input) => state.db.run(move |c| svc::create_user(c, &p, &input).map(|_| ())).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/organizations?done=user").into_response()),
        Err(e) => {
            let (errors, status) = form_error(e)?;
            show(&state, &ctx, ListQuery::default(), Refused { org: None, user: Some((form, errors)) }, status).await
        }
    }
}

/// `POST /admin/organizations/users/{id}/invitation`: mints a one-time link for an account
/// I manage that has no password yet, and shows it once (it is stored only as its hash).
pub(super) async fn create_invitation(
    state: AppState,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<crate::pages::signin::EmptyForm>,
) -> PageResult<Response> {
    let (p, _) = admin(&ctx)?;
    let cfg = state.config.web.clone();
    let (token, expires, user) = state.db.run(move |c| svc::invite(c, &cfg, &p, &id)).await?;
    let page = InvitationPage {
        c: Chrome::new(&ctx, "admin.invite.title"),
        url: format!("{}/invite/{token}", state.base_url()),
        expires: expires.format("%Y-%m-%d %H:%M UTC").to_string(),
        username: user.username,
    };
    let mut resp = render(&page)?.into_response();
    // The link is a secret: never kept by any cache, never sent on as a referrer.
    resp.headers_mut().insert(axum::http::header::REFERRER_POLICY, axum::http::HeaderValue::from_static("no-referrer"));
    Ok(resp)
}
