//! What an issuing organisation's people do with its certificates — start a cohort issuance
//! job and follow it, revoke, suspend or reinstate a certificate, issue a skill-level
//! certificate — with the checks every path runs: the JSON routes (`routes::credentials`)
//! and the pages (`pages::college`) only translate. Who may do what is `auth::policy`
//! (`is_staff_of`, `may_read_credential`).

use diesel::OptionalExtension;
use rongtong_catalog::{OrgKind, SkillLevel};

use crate::app::AppState;
use crate::auth::{Principal, policy};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::accounts;
use crate::models::credentials::{self as m, CredentialRow, CredentialView, JobView};
use crate::services::credentials::issuance::{self, IssueContext, SkillLevelInput};
use crate::services::credentials::status::{self, StatusAction};

/// The longest reason of a status change, in characters.
pub const MAX_REASON: usize = 500;

/// Starts issuing training certificates for a cohort of a course (id, `code` — every version
/// of that code from the same provider — or `code@version`), optionally only of the given
/// learners (usernames or ids), in the background: records the job (held by this node) and
/// answers with it at once; the work runs on the blocking pool (`issuance::run_job`).
/// Completions that already have a certificate are skipped, so starting twice is harmless.
/// Only the provider's people may (403).
pub(crate) async fn start_cohort_job(state: &AppState, p: Principal, course: String, learners: Option<Vec<String>>) -> AppResult<JobView> {
    let app = state.0.clone();
    let (job, ids) = state
        .db
        .run(move |c| {
            let (org_id, course_id, ids) = issuance::cohort_completions(c, &course, learners.as_deref())?;
            p.ensure(policy::is_staff_of(&p, &org_id), "issue credentials of this organization")?;
            let job = m::create_job(c, &org_id, &course_id, &p.user_id, ids.len(), app.job_lease())?;
            Ok::<_, AppError>((job, ids))
        })
        .await?;
    let job_id = job.id.clone();
    let app = state.0.clone();
    let kek = state.kek.clone();
    tokio::task::spawn_blocking(move || {
        let ctx = IssueContext { base_url: app.base_url(), kek: &kek };
        if let Err(e) = issuance::run_job(&app.db, ctx, &job_id, app.job_lease(), &ids) {
            tracing::error!(error = %e, "issuance job could not record its progress");
        }
    });
    Ok(job)
}

/// A cohort job, for its organisation's people, the platform's admins and whoever asked for
/// it; "not found" for everybody else.
pub(crate) fn find_visible_job(c: &mut DbConnection, p: &Principal, id: &str) -> AppResult<JobView> {
    let job = m::find_job(c, id).optional()?.ok_or_else(|| AppError::NotFound(format!("job {id}")))?;
    if !(policy::is_staff_of(p, &job.org_id) || p.is_platform_admin() || job.requested_by == p.user_id) {
        return Err(AppError::NotFound(format!("job {id}")));
    }
    Ok(job)
}

/// Revokes, suspends or reinstates a certificate with a reason (required, at most
/// [`MAX_REASON`] characters): "not found" for whoever may not read it, 403 for a reader
/// who is not of the issuer, 409 for a change that makes no sense (`status::set_status`).
/// The status list and the recognitions resting on it change in the same transaction.
pub(crate) fn change_status(
    c: &mut DbConnection,
    base_url: &str,
    p: &Principal,
    id: &str,
    action: StatusAction,
    reason: &str,
) -> AppResult<CredentialView> {
    let mut errs = rongtong_catalog::ValidationErrors::new();
    rongtong_catalog::validate::check_text(&mut errs, "reason", reason, MAX_REASON);
    errs.into_result()?;
    let row = m::find_credential(c, id)?;
    if !policy::may_read_credential(p, &row.learner_id, &row.issuer_org_id) {
        return Err(AppError::NotFound(format!("credential {id}")));
    }
    p.ensure(policy::is_staff_of(p, &row.issuer_org_id), "change the status of this credential")?;
    crate::db::write_transaction(c, |c| status::set_status(c, &row, action, reason.trim()))?;
    let row = m::find_credential(c, &row.id)?;
    m::credential_views(c, base_url, vec![row], false)?.pop().ok_or_else(|| AppError::Internal("credential view".into()))
}

/// Issues a vocational skill-level certificate (职业技能等级证书) — only the staff of an
/// evaluation organisation (评价组织), for a learner account, for a level 1–5 and an
/// assessment date not in the future — or returns the one already issued for the same
/// learner, occupation and level. Returns the row and whether it was created now.
pub(crate) fn issue_skill_level(
    c: &mut DbConnection,
    ctx: IssueContext<'_>,
    p: &Principal,
    input: &SkillLevelInput,
) -> AppResult<(CredentialRow, bool)> {
    let level = SkillLevel::new(input.level).map_err(|e| AppError::invalid("level", e.to_string()))?;
    let assessed_on = input.assessed_on.unwrap_or_else(|| chrono::Utc::now().date_naive());
    if assessed_on > chrono::Utc::now().date_naive() {
        return Err(AppError::invalid("assessed_on", "cannot be in the future"));
    }
    let code = input
        .issuer
        .clone()
        .or_else(|| p.org.as_ref().map(|o| o.code.clone()))
        .ok_or_else(|| AppError::invalid("issuer", "name the issuing organization"))?;
    let org = accounts::find_org(c, &code).map_err(|_| AppError::invalid("issuer", format!("no organization {code}")))?;
    p.ensure(policy::is_staff_of(p, &org.id), &format!("issue credentials of {code}"))?;
    if org.kind() != OrgKind::EvaluationOrg {
        return Err(AppError::invalid(
            "issuer",
            format!("{code} is a {}; only evaluation organizations issue skill-level certificates", org.kind),
        ));
    }
    let learner = accounts::find_user(c, &input.learner).map_err(|_| AppError::invalid("learner", format!("no user {}", input.learner)))?;
    if learner.role != "learner" {
        return Err(AppError::invalid("learner", format!("{} is not a learner account", learner.username)));
    }
    issuance::in_write_transaction(c, |c| issuance::issue_skill_level(c, ctx, &org.id, &learner.id, &input.occupation, level, assessed_on))
}
