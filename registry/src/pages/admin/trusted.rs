//! `/admin/trusted-issuers`: the trusted external issuers — whose certificates this registry
//! recognises — and, for the platform's and the provinces' admins
//! (`policy::may_edit_trusted_issuers`), forms to add, edit and remove entries and a button
//! that re-checks every external credential kept in learners' accounts. A city's admin
//! reads the list (it is public anyway) and is refused (403) any change. Every change is
//! the same workflow as the JSON API's (`services::trust`).

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{admin, tr};
use crate::app::AppState;
use crate::auth::{Principal, policy};
use crate::error::AppResult;
use crate::extract::json_input;
use crate::models::trust::{self as m, TrustedIssuerView};
use crate::pages::ctx::{CsrfForm, Ctx, PageResult, render};
use crate::pages::layout::{Chrome, FieldErrors};
use crate::services::trust::{self as svc, RecheckReport, TrustedIssuerInput};

/// `?done=` after a change.
#[derive(Debug, Default, Deserialize)]
pub(super) struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// An entry's fields, as typed (`achievement_types` separated by commas or spaces).
#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct IssuerForm {
    #[serde(default)]
    did: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    achievement_types: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
}

impl IssuerForm {
    fn of(v: &TrustedIssuerView) -> IssuerForm {
        IssuerForm {
            did: v.did.clone(),
            name: v.name.clone(),
            achievement_types: v.achievement_types.join(", "),
            valid_from: v.valid_from.clone(),
            valid_until: v.valid_until.clone().unwrap_or_default(),
        }
    }

    /// The entry, read as `POST /trusted-issuers` reads its body.
    fn input(&self) -> AppResult<TrustedIssuerInput> {
        let mut o = Map::new();
        o.insert("did".into(), Value::String(self.did.trim().to_string()));
        o.insert("name".into(), Value::String(self.name.trim().to_string()));
        let types: Vec<Value> = self
            .achievement_types
            .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .map(|t| Value::String(t.to_string()))
            .collect();
        o.insert("achievement_types".into(), Value::Array(types));
        o.insert("valid_from".into(), Value::String(self.valid_from.trim().to_string()));
        if !self.valid_until.trim().is_empty() {
            o.insert("valid_until".into(), Value::String(self.valid_until.trim().to_string()));
        }
        json_input(Value::Object(o))
    }
}

/// The list (with the add form), or one entry's edit form.
#[derive(Template)]
#[template(path = "web/admin/trusted.html")]
struct TrustedPage {
    c: Chrome,
    /// The list; empty on the edit page.
    issuers: Vec<TrustedIssuerView>,
    /// True on the list page.
    listing: bool,
    may_edit: bool,
    /// Where the form posts.
    action: String,
    /// The id of the entry being edited (empty when adding).
    editing: String,
    form: IssuerForm,
    errors: FieldErrors,
    report: Option<RecheckReport>,
}

/// The page of `p` (the list, or `editing`'s form), with a form's errors or a re-check report.
#[allow(clippy::too_many_arguments, reason = "one renderer for every state of the page")]
async fn show(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    editing: Option<String>,
    form: Option<IssuerForm>,
    errors: FieldErrors,
    report: Option<RecheckReport>,
    status: StatusCode,
    notice: Option<&'static str>,
) -> PageResult<Response> {
    let key = editing.clone();
    let (issuers, current) = state
        .db
        .run(move |c| -> AppResult<_> {
            match key {
                Some(id) => {
                    let row = m::find_trusted(c, &id)?;
                    Ok((Vec::new(), Some(svc::view(c, row)?)))
                }
                None => Ok((svc::list_views(c)?, None)),
            }
        })
        .await?;
    let title = if current.is_some() { "admin.trusted.edit" } else { "admin.trusted.title" };
    let page = TrustedPage {
        c: Chrome::new(ctx, title).with_notice(notice),
        listing: current.is_none(),
        may_edit: policy::may_edit_trusted_issuers(p),
        action: current.as_ref().map_or_else(|| "/admin/trusted-issuers".to_string(), |v| format!("/admin/trusted-issuers/{}", v.id)),
        editing: current.as_ref().map(|v| v.id.clone()).unwrap_or_default(),
        form: form.or_else(|| current.as_ref().map(IssuerForm::of)).unwrap_or_default(),
        errors,
        report,
        issuers,
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /admin/trusted-issuers`: the list, and for those who may edit it the add form and the
/// re-check button.
pub(super) async fn list_trusted_issuers(state: AppState, ctx: Ctx, Query(q): Query<DoneQuery>) -> PageResult<Response> {
    let (p, _) = admin(&ctx)?;
    let notice = match q.done.as_deref() {
        Some("created") => Some(tr("admin.trusted.created")),
        Some("updated") => Some(tr("admin.trusted.updated")),
        Some("deleted") => Some(tr("admin.trusted.deleted")),
        _ => None,
    };
    show(&state, &ctx, &p, None, None, FieldErrors::none(), None, StatusCode::OK, notice).await
}

/// The administrator, when they may change the list (403 otherwise).
fn editor(ctx: &Ctx) -> PageResult<Principal> {
    let (p, _) = admin(ctx)?;
    p.ensure(policy::may_edit_trusted_issuers(&p), "edit the trusted-issuer list (platform and province admins only)")?;
    Ok(p)
}

/// After a change: back to the list with a notice, or the form again with each field's error
/// beside it (nothing stored), or an error page.
async fn changed(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    editing: Option<String>,
    form: IssuerForm,
    result: AppResult<()>,
    done: &str,
) -> PageResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/trusted-issuers?done={done}")).into_response()),
        Err(e) => match FieldErrors::from_error(&e) {
            Some(errors) => show(state, ctx, p, editing, Some(form), errors, None, e.status_code(), None).await,
            None => Err(e.into()),
        },
    }
}

/// `POST /admin/trusted-issuers`: adds an issuer to the list.
pub(super) async fn create_trusted_issuer(state: AppState, ctx: Ctx, CsrfForm(form): CsrfForm<IssuerForm>) -> PageResult<Response> {
    let p = editor(&ctx)?;
    let base = state.base_url().to_string();
    let result = match form.input() {
        Ok(input) => {
            let who = p.clone();
            state.db.run(move |c| crate::db::write_transaction(c, |c| svc::create_trusted(c, &base, Some(&who), &input)).map(|_| ())).await
        }
        Err(e) => Err(e),
    };
    changed(&state, &ctx, &p, None, form, result, "created").await
}

/// `GET /admin/trusted-issuers/{id}`: one entry's edit form.
pub(super) async fn find_trusted_issuer(state: AppState, ctx: Ctx, Path(id): Path<String>) -> PageResult<Response> {
    let p = editor(&ctx)?;
    show(&state, &ctx, &p, Some(id), None, FieldErrors::none(), None, StatusCode::OK, None).await
}

/// `POST /admin/trusted-issuers/{id}`: replaces the entry; credentials it no longer covers
/// stop grounding recognitions at once.
pub(super) async fn update_trusted_issuer(
    state: AppState,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<IssuerForm>,
) -> PageResult<Response> {
    let p = editor(&ctx)?;
    let base = state.base_url().to_string();
    let result = match form.input() {
        Ok(input) => {
            let (who, key) = (p.clone(), id.clone());
            state
                .db
                .run(move |c| crate::db::write_transaction(c, |c| svc::update_trusted(c, &base, Some(&who), &key, &input)).map(|_| ()))
                .await
        }
        Err(e) => Err(e),
    };
    changed(&state, &ctx, &p, Some(id), form, result, "updated").await
}

/// `POST /admin/trusted-issuers/{id}/delete`: removes the issuer; its credentials read
/// `untrusted` from now on and the recognitions resting on them are suspended.
pub(super) async fn delete_trusted_issuer(
    state: AppState,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<crate::pages::signin::EmptyForm>,
) -> PageResult<Response> {
    let p = editor(&ctx)?;
    state.db.run(move |c| crate::db::write_transaction(c, |c| svc::delete_trusted(c, Some(&p), &id)).map(|_| ())).await?;
    Ok(Redirect::to("/admin/trusted-issuers?done=deleted").into_response())
}

/// `POST /admin/trusted-issuers/recheck`: verifies every kept external credential afresh
/// (as `rongtong trust recheck`) and shows what changed.
pub(super) async fn create_recheck(
    state: AppState,
    ctx: Ctx,
    CsrfForm(_): CsrfForm<crate::pages::signin::EmptyForm>,
) -> PageResult<Response> {
    let p = editor(&ctx)?;
    let report = state.db.run(svc::recheck).await?;
    show(&state, &ctx, &p, None, None, FieldErrors::none(), Some(report), StatusCode::OK, Some(tr("admin.trusted.rechecked"))).await
}
