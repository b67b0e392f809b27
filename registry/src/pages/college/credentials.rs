//! `/org/credentials` and `/org/issuance`: the certificates the organisation issued
//! (filtered by status and course), one certificate with its revoke / suspend / reinstate
//! form, an evaluation organisation's skill-level certificate form, and cohort issuance —
//! the courses whose completions have no certificate yet, the job started for one of them,
//! and the job's page with a live progress bar (`data-poll` on its JSON progress).
//!
//! Every action is `services::credentials::actions`, the API's: the same issuance job as
//! `POST /issuance-jobs`, the same status change as `POST /credentials/{id}/status`, the same
//! skill-level issuance as `POST /credentials/skill-level`.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use rongtong_catalog::OrgKind;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::form::{self, Fields};
use super::{Pager, Part, key, member, notice, page_of};
use crate::app::AppState;
use crate::auth::OrgScope;
use crate::error::AppError;
use crate::models::courses::{self as courses_m, CompletionView, ProviderCompletions};
use crate::models::credentials::{self as m, CredentialStatus, CredentialView, IssuedFilter, JobState, JobView};
use crate::pages::ctx::{CsrfForm, Ctx, PageResult, render};
use crate::pages::layout::{Chrome, FieldErrors};
use crate::services::credentials::actions;
use crate::services::credentials::issuance::{IssueContext, SkillLevelInput};
use crate::services::credentials::status::StatusAction;

/// The message key of a certificate status.
fn status_key(s: CredentialStatus) -> &'static str {
    match s {
        CredentialStatus::Active => "college.credential.active",
        CredentialStatus::Suspended => "college.credential.suspended",
        CredentialStatus::Revoked => "college.credential.revoked",
    }
}

/// The certificate's id as its pages' addresses carry it: the UUID without `urn:uuid:`.
fn short_id(id: &str) -> &str {
    id.strip_prefix("urn:uuid:").unwrap_or(id)
}

/// `?status=&course=&page=` of the certificate list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// `active`, `suspended` or `revoked`; anything else lists all.
    pub status: Option<String>,
    /// A course code.
    pub course: Option<String>,
    /// Page (from 1).
    pub page: Option<i64>,
}

/// The skill-level certificate form's fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SkillLevelForm {
    /// Learner username.
    #[serde(default)]
    pub learner: String,
    /// Occupation code or URI.
    #[serde(default)]
    pub occupation: String,
    /// Level number.
    #[serde(default)]
    pub level: String,
    /// Assessment date.
    #[serde(default)]
    pub assessed_on: String,
}

/// The certificate list (and, for an evaluation organisation, the skill-level form).
#[derive(Template)]
#[template(path = "web/college/credentials.html")]
pub struct CredentialsPage {
    c: Chrome,
    org: OrgScope,
    /// True for an evaluation organisation (skill-level certificates, no courses).
    evaluator: bool,
    items: Vec<CredentialView>,
    total: i64,
    status: String,
    course: String,
    pager: Pager,
    form: SkillLevelForm,
    errors: FieldErrors,
    levels: Vec<(String, &'static str)>,
    /// Occupations to pick from: (code or URI, label).
    occupations: Vec<(String, String)>,
}

impl CredentialsPage {
    /// A certificate's status in the page's language.
    pub fn status_label(&self, s: &CredentialStatus) -> &'static str {
        self.c.t(status_key(*s))
    }

    /// The certificate's page.
    pub fn href(&self, id: &str) -> String {
        format!("/org/credentials/{}", short_id(id))
    }
}

async fn credentials_page(
    state: &AppState,
    ctx: &Ctx,
    org: OrgScope,
    q: ListQuery,
    form: SkillLevelForm,
    errors: FieldErrors,
) -> PageResult<CredentialsPage> {
    let (page, offset) = page_of(q.page);
    let status = q.status.as_deref().and_then(|s| s.parse::<CredentialStatus>().ok());
    let course =
        q.course.as_deref().map(str::trim).filter(|c| !c.is_empty() && rongtong_catalog::validate::forbidden_char(c, false).is_none());
    let filter = IssuedFilter { status, course_code: course.map(String::from) };
    let evaluator = org.kind == OrgKind::EvaluationOrg;
    let base = state.base_url().to_string();
    let org_id = org.id.clone();
    let (items, total, occupations) = state
        .db
        .run(move |c| {
            let (rows, total) = m::list_issued(c, &org_id, &filter, super::PER_PAGE, offset)?;
            let items = m::credential_views(c, &base, rows, false)?;
            let occupations = if evaluator {
                let f = crate::models::catalog::OccupationFilter::default();
                crate::models::catalog::list_occupations(c, &f, 500, 0)?
                    .0
                    .into_iter()
                    .map(|o| {
                        let label = o.label_zh.clone().or(o.label_en.clone()).unwrap_or_default();
                        (o.code.unwrap_or(o.uri), label)
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Ok::<_, AppError>((items, total, occupations))
        })
        .await?;
    let status = status.map(|s| s.as_ref().to_string()).unwrap_or_default();
    let course = course.unwrap_or("").to_string();
    let pager = Pager::new(page, total, &[("status", &status), ("course", &course)]);
    let mut form = form;
    if form.assessed_on.is_empty() {
        form.assessed_on = chrono::Utc::now().date_naive().to_string();
    }
    Ok(CredentialsPage {
        c: Chrome::new(ctx, "college.credentials.title").with_notice(notice(ctx)),
        org,
        evaluator,
        items,
        total,
        status,
        course,
        pager,
        form,
        errors,
        levels: super::courses::levels(ctx.lang),
        occupations,
    })
}

/// `GET /org/credentials`: the certificates the organisation issued, newest first, 50 a page.
pub async fn list_credentials(state: AppState, ctx: Ctx, Query(q): Query<ListQuery>) -> PageResult<Response> {
    let (_, org) = member(&ctx, Part::Certifying)?;
    let page = credentials_page(&state, &ctx, org, q, SkillLevelForm::default(), FieldErrors::none()).await?;
    Ok(render(&page)?.into_response())
}

/// `POST /org/credentials/skill-level`: issues a skill-level certificate of the evaluation
/// organisation (`actions::issue_skill_level`); errors beside the fields, nothing issued.
pub async fn create_skill_level_credential(state: AppState, ctx: Ctx, CsrfForm(f): CsrfForm<SkillLevelForm>) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Certifying)?;
    let mut body = Map::new();
    body.insert("learner".into(), Value::String(f.learner.trim().to_string()));
    body.insert("occupation".into(), Value::String(f.occupation.trim().to_string()));
    body.insert("level".into(), form::number(&f.level));
    form::put_opt(&mut body, "assessed_on", f.assessed_on.trim());
    let kek = state.kek.clone();
    let base = state.base_url().to_string();
    let result = match form::input::<SkillLevelInput>(body) {
        Ok(input) => {
            state
                .db
                .run(move |c| {
                    let ctx = IssueContext { base_url: &base, kek: &kek };
                    actions::issue_skill_level(c, ctx, &p, &input).map(|(row, _)| row.id)
                })
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/org/credentials/{}?done=issued", short_id(&id))).into_response()),
        Err(e) => {
            let status = e.status_code();
            let errors = FieldErrors::from_error(&e).ok_or(e)?;
            let page = credentials_page(&state, &ctx, org, ListQuery::default(), f, errors).await?;
            Ok((status, render(&page)?).into_response())
        }
    }
}

/// One certificate, with its status form.
#[derive(Template)]
#[template(path = "web/college/credential.html")]
pub struct CredentialPage {
    c: Chrome,
    item: CredentialView,
    /// The actions its status allows: (value, message key).
    actions: Vec<(&'static str, &'static str)>,
    reason: String,
    errors: FieldErrors,
}

impl CredentialPage {
    /// The certificate's status in the page's language.
    pub fn status_label(&self) -> &'static str {
        self.c.t(status_key(self.item.status))
    }

    /// The form's address.
    pub fn action(&self) -> String {
        format!("/org/credentials/{}/status", short_id(&self.item.id))
    }
}

/// The organisation's own certificate `id`: one it did not issue is "not found" here (a
/// learner's other certificates are not its business).
fn own_credential(c: &mut crate::db::DbConnection, base: &str, org: &OrgScope, id: &str) -> crate::error::AppResult<CredentialView> {
    let row = m::find_credential(c, id)?;
    if row.issuer_org_id != org.id {
        return Err(AppError::NotFound(format!("credential {id}")));
    }
    m::credential_views(c, base, vec![row], false)?.pop().ok_or_else(|| AppError::Internal("credential view".into()))
}

fn credential_page(ctx: &Ctx, item: CredentialView, reason: String, errors: FieldErrors) -> CredentialPage {
    let actions = match item.status {
        CredentialStatus::Active => vec![("suspend", "college.credential.suspend"), ("revoke", "college.credential.revoke")],
        CredentialStatus::Suspended => vec![("reinstate", "college.credential.reinstate"), ("revoke", "college.credential.revoke")],
        CredentialStatus::Revoked => Vec::new(),
    };
    let title = item.certificate_number.clone().unwrap_or_else(|| item.name.clone());
    let c = Chrome::new(ctx, "college.credential.title").titled(title).with_notice(notice(ctx));
    CredentialPage { c, item, actions, reason, errors }
}

/// `GET /org/credentials/{id}`: one of the organisation's certificates.
pub async fn find_credential(state: AppState, ctx: Ctx, Path(id): Path<String>) -> PageResult<Response> {
    let (_, org) = member(&ctx, Part::Certifying)?;
    let id = key(id)?;
    let base = state.base_url().to_string();
    let item = state.db.run(move |c| own_credential(c, &base, &org, &id)).await?;
    Ok(render(&credential_page(&ctx, item, String::new(), FieldErrors::none()))?.into_response())
}

/// The status form's fields.
#[derive(Debug, Deserialize)]
pub struct StatusForm {
    /// `revoke`, `suspend` or `reinstate`.
    #[serde(default)]
    pub action: String,
    /// Why (required).
    #[serde(default)]
    pub reason: String,
}

/// `POST /org/credentials/{id}/status`: revokes, suspends or reinstates the certificate with
/// a reason (`actions::change_status`); a missing reason or a change its status does not
/// allow is shown beside the field, nothing changed.
pub async fn update_credential_status(
    state: AppState,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<StatusForm>,
) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Certifying)?;
    let id = key(id)?;
    let base = state.base_url().to_string();
    let mut body = Map::new();
    body.insert("action".into(), Value::String(f.action.trim().to_string()));
    body.insert("reason".into(), Value::String(f.reason.clone()));
    let (o, key_id, b) = (org.clone(), id.clone(), base.clone());
    let result = match form::input::<ChangeInput>(body) {
        Ok(input) => {
            state
                .db
                .run(move |c| {
                    own_credential(c, &b, &o, &key_id)?;
                    actions::change_status(c, &b, &p, &key_id, input.action, &input.reason)
                })
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(view) => Ok(Redirect::to(&format!("/org/credentials/{}?done=status", short_id(&view.id))).into_response()),
        Err(e) => {
            let status = e.status_code();
            let errors = FieldErrors::from_error(&e).ok_or(e)?;
            let item = state.db.run(move |c| own_credential(c, &base, &org, &id)).await?;
            Ok((status, render(&credential_page(&ctx, item, f.reason, errors))?).into_response())
        }
    }
}

/// The status change as the API reads it (`POST /credentials/{id}/status`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeInput {
    action: StatusAction,
    reason: String,
}

// ---------------------------------------------------------------- cohort issuance

/// `?course=` of the cohort page.
#[derive(Debug, Default, Deserialize)]
pub struct CohortQuery {
    /// A course id: choose learners among its completions without a certificate.
    pub course: Option<String>,
}

/// A course with completions still to certify.
#[derive(Debug, Clone)]
pub struct Cohort {
    /// Course id.
    pub course_id: String,
    /// Code.
    pub code: String,
    /// Version.
    pub version: String,
    /// Chinese title.
    pub title: String,
    /// Completions without a certificate.
    pub uncertified: i64,
}

/// Cohort issuance: the courses with completions still to certify, or one course's learners.
#[derive(Template)]
#[template(path = "web/college/cohorts.html")]
pub struct CohortsPage {
    c: Chrome,
    cohorts: Vec<Cohort>,
    /// The course whose learners are listed, if one was chosen.
    chosen: Option<Cohort>,
    /// Its completions without a certificate (at most [`MAX_CHOICES`]).
    completions: Vec<CompletionView>,
    /// Why starting a job was refused, if it was.
    problem: String,
}

/// The most learners listed to choose from (a larger cohort is issued whole).
const MAX_CHOICES: i64 = 500;

async fn cohorts_page(state: &AppState, ctx: &Ctx, org: OrgScope, course: Option<String>, problem: String) -> PageResult<CohortsPage> {
    let (cohorts, completions) = state
        .db
        .run(move |c| {
            let cohorts: Vec<Cohort> = courses_m::uncertified_by_course(c, &org.id)?
                .into_iter()
                .map(|(course_id, code, version, title, uncertified)| Cohort { course_id, code, version, title, uncertified })
                .collect();
            let completions = match course.filter(|id| cohorts.iter().any(|k| &k.course_id == id)) {
                Some(id) => {
                    let f = ProviderCompletions { course_id: Some(id), uncertified: true };
                    courses_m::provider_completions(c, &org.id, &f, MAX_CHOICES, 0)?.0
                }
                None => Vec::new(),
            };
            Ok::<_, AppError>((cohorts, completions))
        })
        .await?;
    let chosen = completions.first().and_then(|v| cohorts.iter().find(|k| k.course_id == v.course_id)).cloned();
    let c = Chrome::new(ctx, "college.issuance.title").with_notice(notice(ctx));
    Ok(CohortsPage { c, cohorts, chosen, completions, problem })
}

/// `GET /org/issuance`: the courses whose completions have no certificate yet, each with a
/// button issuing for all of them; `?course=` lists that course's learners to choose from.
pub async fn list_cohorts(state: AppState, ctx: Ctx, Query(q): Query<CohortQuery>) -> PageResult<Response> {
    let (_, org) = member(&ctx, Part::Teaching)?;
    let page = cohorts_page(&state, &ctx, org, q.course, String::new()).await?;
    Ok(render(&page)?.into_response())
}

/// `POST /org/issuance`: starts the cohort job for a course — every completion without a
/// certificate, or only the learners ticked — exactly as `POST /issuance-jobs`, and goes to
/// the job's page.
pub async fn create_issuance_job(state: AppState, ctx: Ctx, CsrfForm(fields): CsrfForm<Vec<(String, String)>>) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Teaching)?;
    let f = Fields(fields);
    let course = f.get("course").to_string();
    let learners = f.all("learners");
    let learners = (!learners.is_empty()).then_some(learners);
    let result = match rongtong_catalog::validate::forbidden_char(&course, false) {
        Some(_) => Err(AppError::invalid("course", "not a course id")),
        None => actions::start_cohort_job(&state, p, course.clone(), learners).await,
    };
    match result {
        Ok(job) => Ok(Redirect::to(&format!("/org/issuance/{}", job.id)).into_response()),
        Err(e @ (AppError::Validation(_) | AppError::Conflict { .. })) => {
            let status = e.status_code();
            let page = cohorts_page(&state, &ctx, org, Some(course), e.to_string()).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A job's page: its progress bar while it runs, its counts when it is done.
#[derive(Template)]
#[template(path = "web/college/job.html")]
pub struct JobPage {
    c: Chrome,
    job: JobView,
    finished: bool,
    /// The course's code and version.
    course: String,
}

/// Whether a job has stopped (done, or failed).
fn finished(job: &JobView) -> bool {
    matches!(job.state.parse(), Ok(JobState::Done | JobState::Failed))
}

/// `GET /org/issuance/{job}`: a cohort job (`actions::find_visible_job`: its organisation's
/// people, whoever asked for it).
pub async fn find_issuance_job(state: AppState, ctx: Ctx, Path(job): Path<String>) -> PageResult<Response> {
    let (p, _) = member(&ctx, Part::Certifying)?;
    let id = key(job)?;
    let (job, course) = state
        .db
        .run(move |c| {
            let job = actions::find_visible_job(c, &p, &id)?;
            let course = courses_m::find_course_row(c, &job.course_id).map(|r| format!("{}@{}", r.code, r.version)).unwrap_or_default();
            Ok::<_, AppError>((job, course))
        })
        .await?;
    let c = Chrome::new(&ctx, "college.job.title").titled(course.clone());
    Ok(render(&JobPage { c, finished: finished(&job), job, course })?.into_response())
}

/// What the progress bar polls.
#[derive(Debug, Serialize)]
pub struct Progress {
    /// Completions processed.
    pub done: i32,
    /// Completions in the cohort.
    pub total: i32,
    /// The job has stopped (done or failed).
    pub finished: bool,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
}

/// `GET /org/issuance/{job}/progress`: `{"done", "total", "finished", "state"}` for the
/// page's progress bar (`app.js` polls it while the job runs); same visibility as the job.
pub async fn find_issuance_progress(state: AppState, ctx: Ctx, Path(job): Path<String>) -> PageResult<Response> {
    let (p, _) = member(&ctx, Part::Certifying)?;
    let id = key(job)?;
    let job = state.db.run(move |c| actions::find_visible_job(c, &p, &id)).await?;
    Ok(Json(Progress { done: job.done, total: job.total, finished: finished(&job), state: job.state }).into_response())
}
