//! A learner's lifelong credit account (学分银行账户) and CLR 2.0 transcript (issue 10 part 5).
//!
//! What they hold and how credits count is `services::credit_account`; who may read them is
//! `auth::policy::may_see_learner` (the learner and the admins of the learner's region).

use serde_json::Value;

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{AppJson, AppPath, AppResult, ErrorBody};
use crate::services::credentials::issuance::IssueContext;
use crate::services::credit_account::{self as svc, AccountView};

/// A learner's credit account: every outcome (completions with their training certificates,
/// skill-level certificates, recognitions with their rule and sources, external credentials)
/// with credits, date, provider and status; totals of the outcomes in force by year, provider
/// and kind; the conversions. For the learner and the admins of the learner's region.
#[utoipa::path(get, path = "/learners/{username}/account", tag = "credentials", params(("username" = String, Path, description = "the learner's username or id")), responses((status = 200, body = AccountView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn find_learner_account(state: AppState, p: Principal, AppPath(username): AppPath<String>) -> AppResult<AppJson<AccountView>> {
    let view = state
        .db
        .run(move |c| {
            let learner = svc::visible_learner(c, Some(&p), &username)?;
            svc::account(c, &learner)
        })
        .await?;
    Ok(AppJson(view))
}

/// A learner's transcript: a 1EdTech CLR 2.0 `ClrCredential` signed by the platform, embedding
/// every credential of theirs in force (recognitions included), each achievement listed once,
/// each recognition as an association from its sources to its target. Verify it with
/// `POST /verify`. 409 when the learner holds no credential in force. For the learner and the
/// admins of the learner's region.
#[utoipa::path(get, path = "/learners/{username}/transcript", tag = "credentials", params(("username" = String, Path, description = "the learner's username or id")), responses((status = 200, description = "The signed ClrCredential (JSON-LD)", body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn find_learner_transcript(state: AppState, p: Principal, AppPath(username): AppPath<String>) -> AppResult<AppJson<Value>> {
    let kek = state.kek.clone();
    let base = state.base_url().to_string();
    let doc = state
        .db
        .run(move |c| {
            let learner = svc::visible_learner(c, Some(&p), &username)?;
            let ctx = IssueContext { base_url: &base, kek: &kek };
            // The platform's key is generated on first use.
            crate::db::write_transaction(c, |c| svc::transcript(c, ctx, &learner))
        })
        .await?;
    Ok(AppJson(doc))
}
