//! Trusted external issuers and the external credentials in learners' accounts (issue 10
//! part 4): the list (anyone reads it, authorities edit it), its re-check, and a learner's
//! uploads.
//!
//! The workflow and what is fetched is `services::trust`; who may do what is `auth::policy`
//! (`may_edit_trusted_issuers`, `may_act_as_learner`, `may_see_learner`).

use axum::http::StatusCode;
use serde_json::Value;

use crate::app::AppState;
use crate::auth::{Principal, policy};
use crate::error::{AppError, AppJson, AppPath, AppResult, ErrorBody};
use crate::models::trust::{self as m, TrustedIssuerView};
use crate::services::trust::{self as svc, ExternalView, RecheckReport, TrustedIssuerInput};

/// Lists the trusted external issuers — public: anyone may see whose certificates this
/// registry recognises, for which kinds of achievement and which issue dates.
#[utoipa::path(get, path = "/trusted-issuers", tag = "recognition", responses((status = 200, body = Vec<TrustedIssuerView>)))]
pub async fn list_trusted_issuers(state: AppState) -> AppResult<AppJson<Vec<TrustedIssuerView>>> {
    Ok(AppJson(state.db.run(svc::list_views).await?))
}

/// Adds an issuer to the trusted list (platform and province admins). Its did:web document
/// and status lists become the only documents the server fetches for its credentials.
/// A DID already listed is a 409; bad fields a 422 naming each.
#[utoipa::path(post, path = "/trusted-issuers", tag = "recognition", request_body = TrustedIssuerInput, responses((status = 201, body = TrustedIssuerView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_trusted_issuer(
    state: AppState,
    p: Principal,
    AppJson(input): AppJson<TrustedIssuerInput>,
) -> AppResult<(StatusCode, AppJson<TrustedIssuerView>)> {
    let base = state.base_url().to_string();
    let view = state
        .db
        .run(move |c| {
            let row = crate::db::write_transaction(c, |c| svc::create_trusted(c, &base, Some(&p), &input))?;
            svc::view(c, row)
        })
        .await?;
    Ok((StatusCode::CREATED, AppJson(view)))
}

/// Shows one trusted issuer, by id or DID (a DID with a port keeps its `%3A`: send it as
/// `%253A`).
#[utoipa::path(get, path = "/trusted-issuers/{id}", tag = "recognition", params(("id" = String, Path, description = "id or DID")), responses((status = 200, body = TrustedIssuerView), (status = 404, body = ErrorBody)))]
pub async fn find_trusted_issuer(state: AppState, AppPath(id): AppPath<String>) -> AppResult<AppJson<TrustedIssuerView>> {
    let view = state
        .db
        .run(move |c| {
            let row = m::find_trusted(c, &id)?;
            svc::view(c, row)
        })
        .await?;
    Ok(AppJson(view))
}

/// Replaces a trusted issuer's entry (platform and province admins). Credentials kept in
/// learners' accounts that the entry no longer covers stop grounding recognitions at once:
/// the recognitions resting on them are suspended.
#[utoipa::path(put, path = "/trusted-issuers/{id}", tag = "recognition", params(("id" = String, Path, description = "id or DID")), request_body = TrustedIssuerInput, responses((status = 200, body = TrustedIssuerView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn update_trusted_issuer(
    state: AppState,
    p: Principal,
    AppPath(id): AppPath<String>,
    AppJson(input): AppJson<TrustedIssuerInput>,
) -> AppResult<AppJson<TrustedIssuerView>> {
    let base = state.base_url().to_string();
    let view = state
        .db
        .run(move |c| {
            let row = crate::db::write_transaction(c, |c| svc::update_trusted(c, &base, Some(&p), &id, &input))?;
            svc::view(c, row)
        })
        .await?;
    Ok(AppJson(view))
}

/// Removes an issuer from the trusted list (platform and province admins): its credentials
/// in learners' accounts read `untrusted` from now on, and the recognitions resting on them
/// are suspended.
#[utoipa::path(delete, path = "/trusted-issuers/{id}", tag = "recognition", params(("id" = String, Path, description = "id or DID")), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete_trusted_issuer(state: AppState, p: Principal, AppPath(id): AppPath<String>) -> AppResult<StatusCode> {
    state.db.run(move |c| crate::db::write_transaction(c, |c| svc::delete_trusted(c, Some(&p), &id))).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Re-checks every external credential kept in learners' accounts (platform and province
/// admins; `rongtong trust recheck` and `RONGTONG_TRUST_RECHECK_MINUTES` do the same): the
/// trusted issuers' DID documents and status lists are fetched afresh; a credential found
/// revoked, suspended or expired suspends the recognitions resting on it, one in force again
/// reinstates them. An issuer that cannot be reached leaves its credentials as they were.
#[utoipa::path(post, path = "/trusted-issuers/recheck", tag = "recognition", responses((status = 200, body = RecheckReport), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_trusted_issuer_recheck(state: AppState, p: Principal) -> AppResult<AppJson<RecheckReport>> {
    p.ensure(policy::may_edit_trusted_issuers(&p), "re-check external credentials (platform and province admins only)")?;
    Ok(AppJson(state.db.run(svc::recheck).await?))
}

/// Lists the credentials from other systems kept in a learner's account, newest first: the
/// learner and the admins of the learner's region.
#[utoipa::path(get, path = "/learners/{username}/external-credentials", tag = "recognition", params(("username" = String, Path)), responses((status = 200, body = Vec<ExternalView>), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_external_credentials(
    state: AppState,
    p: Principal,
    AppPath(username): AppPath<String>,
) -> AppResult<AppJson<Vec<ExternalView>>> {
    let items = state
        .db
        .run(move |c| {
            let learner = visible_learner(c, &p, &username)?;
            let rows = m::list_external(c, &learner.id)?;
            Ok::<_, AppError>(rows.into_iter().map(|r| svc::external_view(r, false)).collect())
        })
        .await?;
    Ok(AppJson(items))
}

/// The learner `username`, if `p` may see their records (404 otherwise, so an account's
/// existence does not leak).
fn visible_learner(c: &mut crate::db::DbConnection, p: &Principal, username: &str) -> AppResult<crate::models::accounts::UserView> {
    let learner = svc::learner_of(c, username)?;
    let region = learner.region.as_deref().and_then(|r| r.parse().ok());
    if !policy::may_see_learner(p, &learner.id, region.as_ref()) {
        return Err(AppError::NotFound(format!("learner {username}")));
    }
    Ok(learner)
}

/// Keeps a credential from another system in the learner's account (the learner only). The
/// body is a `VerifiablePresentation` of one credential, signed by the credential's subject
/// (a `did:key`) with `challenge` = the learner's username here and `domain` = this
/// registry's base URL — the proof that it is theirs — or a bare credential whose subject is
/// the learner's holder DID here. A credential of a trusted issuer is verified (its DID
/// document and status lists fetched) and kept only if every check passes; one of an
/// unlisted issuer is kept as `untrusted` without fetching anything and never grounds a
/// recognition. A failed check is a 422 naming it; nothing is stored. 201 when new, 200 when
/// the same credential was already kept (its check brought up to date).
#[utoipa::path(post, path = "/learners/{username}/external-credentials", tag = "recognition", params(("username" = String, Path)), request_body(content = Value, description = "a VerifiablePresentation of one credential (or a bare credential)"), responses((status = 201, body = ExternalView), (status = 200, body = ExternalView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_external_credential(
    state: AppState,
    p: Principal,
    AppPath(username): AppPath<String>,
    AppJson(doc): AppJson<Value>,
) -> AppResult<(StatusCode, AppJson<ExternalView>)> {
    let base = state.base_url().to_string();
    let (created, view) = state
        .db
        .run(move |c| {
            let learner = svc::learner_of(c, &username)?;
            p.ensure(policy::may_act_as_learner(&p, &learner.id), "keep credentials in another learner's account")?;
            // Verified (and fetched) outside the transaction; stored inside one.
            let verified = svc::verify_upload(c, &base, &learner, &doc, "body")?;
            let (row, created) = crate::db::write_transaction(c, |c| svc::store(c, &verified))?;
            Ok::<_, AppError>((created, svc::external_view(row, true)))
        })
        .await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, AppJson(view)))
}

/// Shows one external credential in a learner's account, with the credential itself: the
/// learner and the admins of the learner's region.
#[utoipa::path(get, path = "/learners/{username}/external-credentials/{id}", tag = "recognition", params(("username" = String, Path), ("id" = String, Path)), responses((status = 200, body = ExternalView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn find_external_credential(
    state: AppState,
    p: Principal,
    AppPath((username, id)): AppPath<(String, String)>,
) -> AppResult<AppJson<ExternalView>> {
    let view = state
        .db
        .run(move |c| {
            let learner = visible_learner(c, &p, &username)?;
            Ok::<_, AppError>(svc::external_view(m::find_external(c, &learner.id, &id)?, true))
        })
        .await?;
    Ok(AppJson(view))
}

/// Removes an external credential from the learner's account (the learner only); one that an
/// application cites stays (409).
#[utoipa::path(delete, path = "/learners/{username}/external-credentials/{id}", tag = "recognition", params(("username" = String, Path), ("id" = String, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete_external_credential(
    state: AppState,
    p: Principal,
    AppPath((username, id)): AppPath<(String, String)>,
) -> AppResult<StatusCode> {
    state
        .db
        .run(move |c| {
            let learner = visible_learner(c, &p, &username)?;
            crate::db::write_transaction(c, |c| svc::remove_external(c, &p, &learner, &id))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
