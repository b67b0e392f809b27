//! Verifiable credentials over HTTP: issuance (single and cohort jobs), the learner's
//! wallet (list, download, presentations), revocation and suspension, verification, and
//! the public documents verifiers fetch (DID documents, status lists, credential pages).
//!
//! Who may do what: only the issuing organisation's admins and staff issue, revoke or
//! suspend its credentials (not region or platform admins: a certificate is the
//! organisation's signature); learners see only their own credentials; verification and
//! the public documents need no token. Signing keys are loaded inside the handler's
//! database closure and dropped (zeroized) there; no response or error ever carries one.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::{Principal, Role, policy};
use crate::db::DbConnection;
use crate::error::{AppError, AppJson, AppPath, AppQuery, AppResult, ErrorBody};
use crate::models::accounts;
use crate::models::credentials::{self as m, CredentialScope, CredentialView, JobView};
use crate::models::pagination::{Page, PageParams};
use crate::services::credentials::actions;
use crate::services::credentials::issuance::{self, IssueContext, IssueReport, SkillLevelInput};
use crate::services::credentials::keystore::{self, Owner};
use crate::services::credentials::status::{self, StatusAction};
use crate::services::credentials::verification::{self, VerifyResult};

fn credential_view(c: &mut DbConnection, base: &str, row: m::CredentialRow, with_json: bool) -> AppResult<CredentialView> {
    m::credential_views(c, base, vec![row], with_json)?.pop().ok_or_else(|| AppError::Internal("credential view".into()))
}

// ---------------------------------------------------------------- issuance

/// Issues the training certificate for one completion record, or returns the one already
/// issued (200 instead of 201): retrying never creates a second credential.
#[utoipa::path(post, path = "/completions/{id}/credential", tag = "credentials", params(("id" = String, Path, description = "completion id")), responses((status = 201, body = CredentialView), (status = 200, body = CredentialView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_completion_credential(
    state: AppState,
    p: Principal,
    AppPath(id): AppPath<String>,
) -> AppResult<(StatusCode, AppJson<CredentialView>)> {
    let kek = state.kek.clone();
    let base = state.base_url().to_string();
    let (created, view) = state
        .db
        .run(move |c| {
            let provider =
                crate::models::courses::completion_provider(c, &id)?.ok_or_else(|| AppError::NotFound(format!("completion {id}")))?;
            p.ensure(policy::is_staff_of(&p, &provider), "issue credentials of this organization")?;
            let ctx = IssueContext { base_url: &base, kek: &kek };
            let report = issue_one(c, ctx, &id)?;
            let cid = report.credentials.first().map(|(_, c)| c.clone()).ok_or_else(|| AppError::Internal("no credential".into()))?;
            let row = m::find_credential(c, &cid)?;
            Ok::<_, AppError>((report.issued > 0, credential_view(c, &base, row, true)?))
        })
        .await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, AppJson(view)))
}

/// Issues for one completion; a concurrent duplicate returns the winner's.
fn issue_one(c: &mut DbConnection, ctx: IssueContext<'_>, completion_id: &str) -> AppResult<IssueReport> {
    let ids = [completion_id.to_string()];
    issuance::in_write_transaction(c, |c| issuance::issue_for_completions(c, ctx, &ids, issuance::NotPassed::Refuse))
}

/// Issues a vocational skill-level certificate (职业技能等级证书). Only the staff of an
/// evaluation organisation (评价组织) may; idempotent per learner, occupation and level.
#[utoipa::path(post, path = "/credentials/skill-level", tag = "credentials", request_body = SkillLevelInput, responses((status = 201, body = CredentialView), (status = 200, body = CredentialView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_skill_level_credential(
    state: AppState,
    p: Principal,
    AppJson(input): AppJson<SkillLevelInput>,
) -> AppResult<(StatusCode, AppJson<CredentialView>)> {
    let kek = state.kek.clone();
    let base = state.base_url().to_string();
    let (created, view) = state
        .db
        .run(move |c| {
            let ctx = IssueContext { base_url: &base, kek: &kek };
            let (row, created) = actions::issue_skill_level(c, ctx, &p, &input)?;
            Ok::<_, AppError>((created, credential_view(c, &base, row, true)?))
        })
        .await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, AppJson(view)))
}

/// A cohort issuance request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobInput {
    /// Course id, `code` (every version) or `code@version`.
    pub course: String,
    /// Only these learners (usernames or ids); default: everyone who completed it.
    #[serde(default)]
    pub learners: Option<Vec<String>>,
}

/// Starts issuing training certificates for a whole cohort in the background and answers
/// 202 with the job; poll `GET /issuance-jobs/{id}` for progress. Idempotent like single
/// issuance: completions that already have a credential are skipped.
#[utoipa::path(post, path = "/issuance-jobs", tag = "credentials", request_body = JobInput, responses((status = 202, body = JobView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_issuance_job(
    state: AppState,
    p: Principal,
    AppJson(input): AppJson<JobInput>,
) -> AppResult<(StatusCode, AppJson<JobView>)> {
    let job = actions::start_cohort_job(&state, p, input.course, input.learners).await?;
    Ok((StatusCode::ACCEPTED, AppJson(job)))
}

/// Shows a cohort issuance job's progress (its organisation's people only).
#[utoipa::path(get, path = "/issuance-jobs/{id}", tag = "credentials", params(("id" = String, Path)), responses((status = 200, body = JobView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn find_issuance_job(state: AppState, p: Principal, AppPath(id): AppPath<String>) -> AppResult<AppJson<JobView>> {
    let job = state.db.run(move |c| actions::find_visible_job(c, &p, &id)).await?;
    Ok(AppJson(job))
}

// ---------------------------------------------------------------- reading and status

/// Filter of the credential list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CredentialFilter {
    /// Page (1-based).
    pub page: Option<i64>,
    /// Items per page (1–500).
    pub per_page: Option<i64>,
}

/// Lists credentials: a learner sees their own; an organisation's people see those it
/// issued; a platform admin sees all; a region admin those of organisations in the region.
#[utoipa::path(get, path = "/credentials", tag = "credentials", params(CredentialFilter), responses((status = 200, body = Page<CredentialView>), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_credentials(
    state: AppState,
    p: Principal,
    AppQuery(f): AppQuery<CredentialFilter>,
) -> AppResult<AppJson<Page<CredentialView>>> {
    let (page, per_page, offset) = PageParams { page: f.page, per_page: f.per_page }.resolve()?;
    let base = state.base_url().to_string();
    let (items, total) = state
        .db
        .run(move |c| {
            let scope = match p.role {
                Role::Learner => CredentialScope { learner_id: Some(p.user_id.clone()), issuer_org_ids: None },
                _ => CredentialScope { learner_id: None, issuer_org_ids: accounts::covered_org_ids(c, &policy::coverage(Some(&p)))? },
            };
            let (rows, total) = m::list_credentials(c, &scope, per_page, offset)?;
            Ok::<_, AppError>((m::credential_views(c, &base, rows, false)?, total))
        })
        .await?;
    Ok(AppJson(Page { items, total, page, per_page }))
}

/// Shows one credential with its signed JSON (the learner's download). 404 for anyone but
/// its learner, its issuer's people and platform admins.
#[utoipa::path(get, path = "/credentials/{id}", tag = "credentials", params(("id" = String, Path)), responses((status = 200, body = CredentialView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn find_credential(state: AppState, p: Principal, AppPath(id): AppPath<String>) -> AppResult<AppJson<CredentialView>> {
    let base = state.base_url().to_string();
    let view = state
        .db
        .run(move |c| {
            let row = m::find_credential(c, &id)?;
            if !policy::may_read_credential(&p, &row.learner_id, &row.issuer_org_id) {
                return Err(AppError::NotFound(format!("credential {id}")));
            }
            credential_view(c, &base, row, true)
        })
        .await?;
    Ok(AppJson(view))
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// `revoke` (final), `suspend` or `reinstate`.
    pub action: StatusAction,
    /// Why (required; kept with the credential).
    pub reason: String,
}

/// Revokes, suspends or reinstates a credential — its issuing organisation's people only.
/// The status list reflects the change at once (the next `GET /status/{list}` is re-signed).
#[utoipa::path(post, path = "/credentials/{id}/status", tag = "credentials", params(("id" = String, Path)), request_body = StatusChange, responses((status = 200, body = CredentialView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn update_credential_status(
    state: AppState,
    p: Principal,
    AppPath(id): AppPath<String>,
    AppJson(input): AppJson<StatusChange>,
) -> AppResult<AppJson<CredentialView>> {
    let base = state.base_url().to_string();
    let view = state.db.run(move |c| actions::change_status(c, &base, &p, &id, input.action, &input.reason)).await?;
    Ok(AppJson(view))
}

/// Rotates an organisation's issuing key (its admins): new credentials use `key-N+1`; old
/// keys stay in the DID document so everything signed before keeps verifying.
#[utoipa::path(post, path = "/organizations/{code}/keys", tag = "credentials", params(("code" = String, Path, description = "organization code (or id)")), responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_org_key(state: AppState, p: Principal, AppPath(code): AppPath<String>) -> AppResult<(StatusCode, AppJson<Value>)> {
    let kek = state.kek.clone();
    let base = state.base_url().to_string();
    let doc = state
        .db
        .run(move |c| {
            let org = accounts::find_org(c, &code)?;
            p.ensure(p.role == Role::OrgAdmin && policy::is_staff_of(&p, &org.id), "rotate this organization's key")?;
            let did = keystore::org_did(&base, &org.code)?;
            let row = crate::db::write_transaction(c, |c| keystore::rotate_issuer_key(c, &kek, Owner::Org(&org.id), &did))?;
            let doc = keystore::did_document(c, &did)?.unwrap_or(Value::Null);
            Ok::<_, AppError>(json!({"did": did, "verification_method": row.verification_method(), "did_document": doc}))
        })
        .await?;
    Ok((StatusCode::CREATED, AppJson(doc)))
}

// ---------------------------------------------------------------- presentations and verification

pub use crate::services::credentials::presentation::PresentationInput;

/// Builds a Verifiable Presentation of the learner's own credentials, signed with their
/// holder key (a `did:key` generated on first use and stored encrypted), bound to the
/// verifier's challenge and domain (`services::credentials::presentation`, which the wallet
/// page's presentation maker calls too).
#[utoipa::path(post, path = "/presentations", tag = "credentials", request_body = PresentationInput, responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_presentation(
    state: AppState,
    p: Principal,
    AppJson(input): AppJson<PresentationInput>,
) -> AppResult<(StatusCode, AppJson<Value>)> {
    let kek = state.kek.clone();
    let vp = state.db.run(move |c| crate::services::credentials::presentation::create_presentation(c, &kek, &p, &input)).await?;
    Ok((StatusCode::CREATED, AppJson(vp)))
}

/// Query options of `POST /verify`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyParams {
    /// For a presentation: the challenge you issued (default: the one in its proof).
    pub challenge: Option<String>,
    /// For a presentation: your domain.
    pub domain: Option<String>,
}

/// Verifies a credential, presentation or CLR 2.0 transcript (the body is the document
/// itself, or `{"verifiableCredential": …}` / `{"presentation": …, "challenge", "domain"}`).
/// A transcript (`type` `ClrCredential`) is verified whole: its own proof and every embedded
/// credential, each reported in `credentials`. Anonymous callers may send up to
/// `RONGTONG_VERIFY_MAX_BYTES` (1 MiB) for a presentation or transcript, a quarter of it for a
/// lone credential; authenticated callers up to `RONGTONG_VERIFY_AUTH_MAX_BYTES` (8 MiB, for
/// large transcripts). Always
/// 200 with every check named when the body is JSON; malformed JSON is a 400. DID documents
/// and status lists of this registry are read from its store; nothing is fetched from
/// other hosts (foreign did:web issuers fail `issuer_key`).
#[utoipa::path(post, path = "/verify", tag = "credentials", params(VerifyParams), request_body(content = Value, description = "any JSON document: a credential, a presentation or a wrapper; anything else is reported as not well-formed"), responses((status = 200, body = VerifyResult), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 429, description = "over the per-address rate limit; `Retry-After` says when", body = ErrorBody)))]
pub async fn create_verification(
    state: AppState,
    caller: crate::auth::Caller,
    AppQuery(params): AppQuery<VerifyParams>,
    body: axum::body::Body,
) -> AppResult<AppJson<VerifyResult>> {
    let body = read_verify_body(&state, &caller, body).await?;
    Ok(AppJson(verification::verify_document(&state, body, params.challenge, params.domain).await?))
}

/// Reads and parses a `POST /verify` body within the caller's limits (docs/OPERATIONS.md,
/// `verification::parse_document`): the body is read up to the caller's maximum, never more.
async fn read_verify_body(state: &AppState, caller: &crate::auth::Caller, body: axum::body::Body) -> AppResult<Value> {
    let limits = &state.config.server.limits;
    let anonymous = matches!(caller, crate::auth::Caller::Anonymous);
    let bytes = axum::body::to_bytes(body, verification::max_bytes(limits, anonymous)).await.map_err(|e| {
        use std::error::Error as _;
        // `to_bytes` says "length limit exceeded" through its source; anything else is the
        // connection failing mid-body.
        if e.source().is_some_and(|s| s.is::<http_body_util::LengthLimitError>()) {
            AppError::PayloadTooLarge
        } else {
            AppError::bad_field("body", format!("the request body could not be read: {e}"))
        }
    })?;
    verification::parse_document(&bytes, anonymous, limits)
}

// ---------------------------------------------------------------- public documents

pub(crate) fn ld_json(v: Value, media: &'static str) -> Response {
    ([(header::CONTENT_TYPE, media), (header::CACHE_CONTROL, "no-cache")], v.to_string()).into_response()
}

/// The platform's DID document (`did:web:<host>`), with every key it ever used.
#[utoipa::path(get, path = "/.well-known/did.json", tag = "public", responses((status = 200, body = Object, content_type = "application/did+json"), (status = 404, body = ErrorBody)))]
pub async fn find_platform_did(state: AppState) -> AppResult<Response> {
    let kek = state.kek.clone();
    let base = state.base_url().to_string();
    let doc = state
        .db
        .run(move |c| {
            let did = keystore::platform_did(&base)?;
            // The platform DID always resolves: give it a key on first request.
            if keystore::did_document(c, &did)?.is_none() {
                crate::db::write_transaction(c, |c| keystore::active_issuer_key(c, &kek, Owner::Platform, &did).map(|_| ()))?;
            }
            keystore::did_document(c, &did)?.ok_or_else(|| AppError::NotFound("DID document".into()))
        })
        .await?;
    Ok(ld_json(doc, "application/did+json"))
}

/// An organisation's DID document (`did:web:<host>:orgs:<code>`): every key, retired ones
/// included, under `assertionMethod`. 404 until the organisation has issued something.
#[utoipa::path(get, path = "/orgs/{code}/did.json", tag = "public", params(("code" = String, Path)), responses((status = 200, body = Object, content_type = "application/did+json"), (status = 404, body = ErrorBody)))]
pub async fn find_org_did(state: AppState, AppPath(code): AppPath<String>) -> AppResult<Response> {
    let base = state.base_url().to_string();
    let doc = state
        .db
        .run(move |c| {
            let did = keystore::org_did(&base, &code).map_err(|_| AppError::NotFound(format!("DID document of {code}")))?;
            keystore::did_document(c, &did)?.ok_or_else(|| AppError::NotFound(format!("DID document of {code}")))
        })
        .await?;
    Ok(ld_json(doc, "application/did+json"))
}

/// A signed `BitstringStatusListCredential` (revocation or suspension), re-signed after
/// every status change.
#[utoipa::path(get, path = "/status/{id}", tag = "public", params(("id" = String, Path)), responses((status = 200, body = Object, content_type = "application/vc+ld+json"), (status = 404, body = ErrorBody)))]
pub async fn find_status_list(state: AppState, AppPath(id): AppPath<String>) -> AppResult<Response> {
    let kek = state.kek.clone();
    let base = state.base_url().to_string();
    let vc = state
        .db
        .run(move |c| {
            let ctx = IssueContext { base_url: &base, kek: &kek };
            status::status_list_credential(c, ctx, &id)?.ok_or_else(|| AppError::NotFound(format!("status list {id}")))
        })
        .await?;
    Ok(ld_json(vc, "application/vc+ld+json"))
}
