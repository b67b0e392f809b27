//! Signing in and out, the language switch, invitations and changing one's password.
//! The rules (throttling, hashing, what a password change revokes) are `auth::session`'s;
//! these handlers only translate between forms and those functions.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::ctx::{CsrfForm, Ctx, LANG_COOKIE, PageResult, SESSION_COOKIE, local_path, render};
use super::i18n::Lang;
use super::layout::{Chrome, FieldErrors};
use crate::app::AppState;
use crate::auth::Role;
use crate::auth::session::{self, SignInError};
use crate::error::AppError;
use rongtong_catalog::OrgKind;

/// `?next=` on the login page.
#[derive(Debug, Deserialize)]
pub struct NextParam {
    /// Where to go after signing in (a local path).
    pub next: Option<String>,
}

/// The login form.
#[derive(Template)]
#[template(path = "web/login.html")]
pub struct LoginPage {
    c: Chrome,
    username: String,
    next: String,
    /// A message key for what went wrong, if anything.
    problem: Option<&'static str>,
    /// When a lockout ends (HH:MM UTC), for the lockout message.
    until: String,
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    /// Username.
    #[serde(default)]
    pub username: String,
    /// Password.
    #[serde(default)]
    pub password: String,
    /// Where to go next.
    pub next: Option<String>,
}

/// `GET /login`: the sign-in form (signed-in visitors go straight on).
pub async fn find_login(ctx: Ctx, Query(q): Query<NextParam>) -> PageResult<Response> {
    if ctx.principal().is_some() {
        return Ok(Redirect::to(&local_path(q.next.as_deref())).into_response());
    }
    let page = LoginPage {
        c: Chrome::new(&ctx, "login.title"),
        username: String::new(),
        next: local_path(q.next.as_deref()),
        problem: None,
        until: String::new(),
    };
    Ok(render(&page)?.into_response())
}

/// Where a role starts after signing in, when no page was asked for.
fn home_of(p: &crate::auth::Principal) -> &'static str {
    match (p.role, p.org.as_ref().map(|o| o.kind)) {
        (Role::Learner, _) => "/my/wallet",
        (Role::PlatformAdmin | Role::RegionAdmin, _) => "/admin/dashboard",
        (_, Some(OrgKind::Enterprise)) => "/org/demand",
        (_, Some(OrgKind::College | OrgKind::TrainingCenter)) => "/org/courses",
        (_, Some(OrgKind::EvaluationOrg)) => "/org/credentials",
        _ => "/",
    }
}

/// `POST /login`: checks the password (throttled per username and per address) and opens
/// a session: `rt_session` is set and the browser goes where it was going.
pub async fn create_login(state: AppState, ctx: Ctx, CsrfForm(form): CsrfForm<LoginForm>) -> PageResult<Response> {
    let ip = ctx.ip.clone();
    let username = form.username.trim().to_string();
    let outcome = session::sign_in(&state.db, &state.config.web, &username, &form.password, ip).await?;
    match outcome {
        Ok(new) => {
            let next = match form.next.as_deref() {
                Some(n) if n != "/" && !n.is_empty() => local_path(Some(n)),
                _ => home_of(&new.principal).to_string(),
            };
            let cookie = ctx.cookie(SESSION_COOKIE, new.cookie, None);
            let mut resp = Redirect::to(&next).into_response();
            resp.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.to_string()))?);
            Ok(resp)
        }
        Err(why) => {
            let (status, problem, until) = match why {
                SignInError::BadCredentials => (StatusCode::UNAUTHORIZED, "login.bad", String::new()),
                SignInError::Locked(t) => (StatusCode::TOO_MANY_REQUESTS, "login.locked", t.format("%H:%M UTC").to_string()),
            };
            let page = LoginPage {
                c: Chrome::new(&ctx, "login.title"),
                username,
                next: local_path(form.next.as_deref()),
                problem: Some(problem),
                until,
            };
            Ok((status, render(&page)?).into_response())
        }
    }
}

/// The sign-out form carries only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

/// `POST /logout`: ends the session in the store and clears the cookie.
pub async fn create_logout(state: AppState, ctx: Ctx, CsrfForm(_): CsrfForm<EmptyForm>) -> PageResult<Response> {
    if let Some(s) = ctx.session.clone() {
        state.db.run(move |c| session::end_session(c, &s.id_hash)).await?;
    }
    let mut resp = Redirect::to("/").into_response();
    let gone = ctx.cookie(SESSION_COOKIE, String::new(), Some(cookie::time::Duration::ZERO));
    resp.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&gone).map_err(|e| AppError::Internal(e.to_string()))?);
    Ok(resp)
}

/// `GET /lang/{code}?next=`: remembers the language (a year) and goes back.
pub async fn find_lang(ctx: Ctx, Path(code): Path<String>, Query(q): Query<NextParam>) -> PageResult<Response> {
    let lang = Lang::parse(&code).ok_or_else(|| AppError::NotFound(format!("language {code}")))?;
    let mut resp = Redirect::to(&local_path(q.next.as_deref())).into_response();
    let c = ctx.cookie(LANG_COOKIE, lang.code().to_string(), Some(cookie::time::Duration::days(365)));
    resp.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&c).map_err(|e| AppError::Internal(e.to_string()))?);
    Ok(resp)
}

/// The set-a-password form (invitation or change).
#[derive(Template)]
#[template(path = "web/password.html")]
pub struct PasswordPage {
    c: Chrome,
    /// Where the form posts.
    action: String,
    /// True when the current password is asked for (a change, not an invitation).
    ask_current: bool,
    /// For whom (an invitation names the account).
    username: String,
    errors: FieldErrors,
}

/// A password form's fields.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    /// The current password (changes only).
    #[serde(default)]
    pub current_password: String,
    /// The new password.
    #[serde(default)]
    pub new_password: String,
    /// The new password again.
    #[serde(default)]
    pub confirm_password: String,
}

fn mismatch(form: &PasswordForm) -> Option<FieldErrors> {
    (form.new_password != form.confirm_password)
        .then(|| FieldErrors { items: vec![("confirm_password".into(), "the two new passwords differ".into())] })
}

/// `GET /invite/{token}`: the invited person chooses a password.
pub async fn find_invitation(state: AppState, ctx: Ctx, Path(token): Path<String>) -> PageResult<Response> {
    let username = state
        .db
        .run(move |c| -> crate::error::AppResult<_> {
            let id = session::invitation_user(c, &token)?.ok_or_else(|| AppError::NotFound("invitation (used or expired)".into()))?;
            Ok(crate::models::accounts::find_user(c, &id)?.username)
        })
        .await?;
    let page = PasswordPage {
        c: Chrome::new(&ctx, "invite.title"),
        action: ctx.here.clone(),
        ask_current: false,
        username,
        errors: FieldErrors::none(),
    };
    Ok(render(&page)?.into_response())
}

/// `POST /invite/{token}`: sets the password, uses up the link and signs the person in.
pub async fn create_invitation_password(
    state: AppState,
    ctx: Ctx,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> PageResult<Response> {
    let cfg = state.config.web.clone();
    let result = match mismatch(&form) {
        Some(errors) => Err(errors),
        None => {
            let password = form.new_password.clone();
            let t = token.clone();
            match state.db.run(move |c| session::accept_invitation(c, &cfg, &t, &password)).await {
                Ok(cookie) => Ok(cookie),
                // The API names the field `password`; the form calls it `new_password`.
                Err(AppError::Validation(mut v)) => {
                    v.errors.iter_mut().for_each(|e| e.field = "new_password".into());
                    Err(FieldErrors::from_error(&AppError::Validation(v)).unwrap_or_default())
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    match result {
        Ok(cookie) => {
            let mut resp = Redirect::to("/").into_response();
            let c = ctx.cookie(SESSION_COOKIE, cookie, None);
            resp.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&c).map_err(|e| AppError::Internal(e.to_string()))?);
            Ok(resp)
        }
        Err(errors) => {
            let page = PasswordPage {
                c: Chrome::new(&ctx, "invite.title"),
                action: ctx.here.clone(),
                ask_current: false,
                username: String::new(),
                errors,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// `GET /me/password`: change one's own password.
pub async fn find_password(ctx: Ctx) -> PageResult<Response> {
    let p = ctx.require()?;
    let changed = ctx.here.ends_with("?changed=1");
    let c = Chrome::new(&ctx, "password.title").with_notice(changed.then_some("password.changed"));
    let page =
        PasswordPage { c, action: "/me/password".into(), ask_current: true, username: p.username.clone(), errors: FieldErrors::none() };
    Ok(render(&page)?.into_response())
}

/// `POST /me/password`: checks the current password, sets the new one — which ends every
/// session of the account, on every device — and keeps this browser signed in with a new one.
pub async fn update_password(state: AppState, ctx: Ctx, CsrfForm(form): CsrfForm<PasswordForm>) -> PageResult<Response> {
    let p = ctx.require()?.clone();
    let errors = match mismatch(&form) {
        Some(e) => e,
        None => {
            let cfg = state.config.web.clone();
            let (current, new) = (form.current_password.clone(), form.new_password.clone());
            let principal = p.clone();
            match state.db.run(move |c| session::change_own_password(c, &cfg, &principal, &current, &new)).await {
                Ok(cookie) => {
                    let mut resp = Redirect::to("/me/password?changed=1").into_response();
                    let c = ctx.cookie(SESSION_COOKIE, cookie, None);
                    resp.headers_mut()
                        .append(header::SET_COOKIE, HeaderValue::from_str(&c).map_err(|e| AppError::Internal(e.to_string()))?);
                    return Ok(resp);
                }
                Err(e) => FieldErrors::from_error(&e).ok_or(e)?,
            }
        }
    };
    let page = PasswordPage {
        c: Chrome::new(&ctx, "password.title"),
        action: "/me/password".into(),
        ask_current: true,
        username: p.username,
        errors,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}
