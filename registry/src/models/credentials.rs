//! Stored credentials, status lists, issuance jobs and the queries over them. The workflows
//! that sign and change them are in `services::credentials`; this module only reads and writes
//! rows.
//!
//! `credentials.completion_id` is unique, so a completion has at most one credential;
//! skill-level certificates are unique per learner × issuer × occupation × level (checked by
//! the issuance service before inserting).

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::schema::{
    completions, course_skills, courses, credentials, issuance_jobs, issuer_keys, occupation_skills, organizations, skills, status_lists,
    users,
};
use crate::db::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};

/// The public URL of a credential's page (`/credentials/{uuid}`): the share link and the
/// QR code's target.
pub fn public_url(base_url: &str, credential_id: &str) -> String {
    format!("{base_url}/credentials/{}", credential_id.strip_prefix("urn:uuid:").unwrap_or(credential_id))
}

/// The URL of a status list.
pub fn status_list_url(base_url: &str, list_id: &str) -> String {
    format!("{base_url}/status/{list_id}")
}

// ---------------------------------------------------------------- rows and views

/// What a certificate certifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, strum::Display, strum::EnumString, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CredentialKind {
    /// A training certificate (培训合格证书) for a completed micro-course.
    Training,
    /// A vocational skill-level certificate (职业技能等级证书) from an assessment.
    SkillLevel,
    /// A recognition (互认) of a target outcome under a conversion rule, resting on other
    /// credentials (docs/RECOGNITION.md, "Applications and decisions"). Never evidence itself.
    Recognition,
}

/// Whether a certificate is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, strum::Display, strum::EnumString, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CredentialStatus {
    /// In force.
    Active,
    /// Temporarily not in force.
    Suspended,
    /// Permanently withdrawn.
    Revoked,
}

impl CredentialStatus {
    /// The status of a row's flags: revocation is final and outranks a suspension.
    pub fn from_flags(revoked: bool, suspended: bool) -> CredentialStatus {
        if revoked {
            CredentialStatus::Revoked
        } else if suspended {
            CredentialStatus::Suspended
        } else {
            CredentialStatus::Active
        }
    }
}

/// Where a cohort issuance job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, strum::Display, strum::EnumString, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum JobState {
    /// Recorded, not started.
    Queued,
    /// Issuing.
    Running,
    /// Finished.
    Done,
    /// Stopped with an error, or interrupted.
    Failed,
}

/// A stored credential. Found by its id or its certificate number ([`find_credential`]).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = credentials)]
pub struct CredentialRow {
    /// `urn:uuid:…`.
    pub id: String,
    /// The completion it was issued for (training certificates).
    pub completion_id: Option<String>,
    /// Learner (user id).
    pub learner_id: String,
    /// Issuing organisation id.
    pub issuer_org_id: String,
    /// `training` or `skill_level`.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Occupation code (skill-level certificates).
    pub occupation_code: Option<String>,
    /// Level 1–5 (skill-level certificates).
    pub skill_level: Option<i32>,
    /// The signed credential JSON.
    pub json: String,
    /// Revocation list id.
    pub status_list_id: String,
    /// Index in both lists.
    pub status_index: i64,
    /// Revoked (final).
    pub revoked: bool,
    /// Suspended (reversible).
    pub suspended: bool,
    /// Reason of the last status change.
    pub status_reason: Option<String>,
    /// When the status last changed.
    pub status_changed_at: Option<String>,
    /// Issued at.
    pub issued_at: String,
    /// The human certificate number (证书编号), also in the signed document; `None` for
    /// certificates issued before numbers existed.
    pub certificate_number: Option<String>,
}

impl CredentialRow {
    /// Active, suspended or revoked.
    pub fn status(&self) -> CredentialStatus {
        CredentialStatus::from_flags(self.revoked, self.suspended)
    }

    /// What kind of certificate it is; an unknown stored kind reads as a training certificate
    /// (the only kind before skill-level certificates existed).
    pub fn kind(&self) -> CredentialKind {
        self.kind.parse().unwrap_or(CredentialKind::Training)
    }

    /// The credential JSON.
    pub fn document(&self) -> AppResult<Value> {
        serde_json::from_str(&self.json).map_err(|e| AppError::Internal(format!("stored credential {}: {e}", self.id)))
    }
}

/// A credential as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CredentialView {
    /// `urn:uuid:…`.
    pub id: String,
    /// Public page (HTML; JSON with `?format=json`): the share link.
    pub url: String,
    /// `training` (培训合格证书) or `skill_level` (职业技能等级证书).
    pub kind: CredentialKind,
    /// The certificate number people read and type (证书编号), e.g. `JX-PXOU-2026-000123`.
    pub certificate_number: Option<String>,
    /// Display name.
    pub name: String,
    /// Learner's username.
    pub learner: String,
    /// Issuing organisation code.
    pub issuer: String,
    /// Issuing organisation name.
    pub issuer_name: String,
    /// Completion record it was issued for.
    pub completion_id: Option<String>,
    /// Occupation code (skill-level).
    pub occupation_code: Option<String>,
    /// Level 1 (highest) – 5 (skill-level).
    pub skill_level: Option<i32>,
    /// `active`, `suspended` or `revoked`.
    pub status: CredentialStatus,
    /// Reason given for the last status change.
    pub status_reason: Option<String>,
    /// When the status last changed.
    pub status_changed_at: Option<String>,
    /// Issued at.
    pub issued_at: String,
    /// The signed credential (only when one credential is asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub credential: Option<Value>,
}

/// Turns rows into views (two lookups for usernames and organisations).
pub fn credential_views(
    conn: &mut DbConnection,
    base_url: &str,
    rows: Vec<CredentialRow>,
    with_json: bool,
) -> AppResult<Vec<CredentialView>> {
    let learner_ids: Vec<String> = rows.iter().map(|r| r.learner_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let org_ids: Vec<String> = rows.iter().map(|r| r.issuer_org_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let mut names: HashMap<String, String> = HashMap::new();
    for chunk in learner_ids.chunks(500) {
        names.extend(users::table.filter(users::id.eq_any(chunk)).select((users::id, users::username)).load::<(String, String)>(conn)?);
    }
    let orgs: HashMap<String, (String, String)> = organizations::table
        .filter(organizations::id.eq_any(&org_ids))
        .select((organizations::id, organizations::code, organizations::name_zh))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, code, name)| (id, (code, name)))
        .collect();
    rows.into_iter()
        .map(|r| {
            let (issuer, issuer_name) = orgs.get(&r.issuer_org_id).cloned().unwrap_or_default();
            Ok(CredentialView {
                url: public_url(base_url, &r.id),
                kind: r.kind(),
                certificate_number: r.certificate_number.clone(),
                name: r.name.clone(),
                learner: names.get(&r.learner_id).cloned().unwrap_or_default(),
                issuer,
                issuer_name,
                completion_id: r.completion_id.clone(),
                occupation_code: r.occupation_code.clone(),
                skill_level: r.skill_level,
                status: r.status(),
                status_reason: r.status_reason.clone(),
                status_changed_at: r.status_changed_at.clone(),
                issued_at: r.issued_at.clone(),
                credential: if with_json { Some(r.document()?) } else { None },
                id: r.id,
            })
        })
        .collect()
}

/// A credential by `urn:uuid:…` or bare UUID.
pub fn find_credential(conn: &mut DbConnection, id: &str) -> AppResult<CredentialRow> {
    let full = if id.starts_with("urn:uuid:") { id.to_string() } else { format!("urn:uuid:{id}") };
    credentials::table
        .filter(credentials::id.eq(&full).or(credentials::certificate_number.eq(id)))
        .select(CredentialRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("credential {id}")))
}

/// The stored status and its reason of each of these credentials (`urn:uuid:…` ids) that
/// this registry issued, in one query: what a verifier's red "revoked" line adds — why.
pub fn status_reasons(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, (CredentialStatus, Option<String>)>> {
    let rows: Vec<(String, bool, bool, Option<String>)> = credentials::table
        .filter(credentials::id.eq_any(ids))
        .select((credentials::id, credentials::revoked, credentials::suspended, credentials::status_reason))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, revoked, suspended, reason)| (id, (CredentialStatus::from_flags(revoked, suspended), reason))).collect())
}

/// What of a credential's row its public page depends on besides the signed document, which
/// never changes: its status. Every status change moves it (`status_changed_at` at least),
/// so a page rendered for one stamp is current exactly while the row still has that stamp.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = credentials)]
pub struct CredentialStamp {
    /// `urn:uuid:…`.
    pub id: String,
    /// Revoked (final).
    pub revoked: bool,
    /// Suspended (reversible).
    pub suspended: bool,
    /// Reason of the last status change.
    pub status_reason: Option<String>,
    /// When the status last changed.
    pub status_changed_at: Option<String>,
}

impl CredentialRow {
    /// This row's [`CredentialStamp`].
    pub fn stamp(&self) -> CredentialStamp {
        CredentialStamp {
            id: self.id.clone(),
            revoked: self.revoked,
            suspended: self.suspended,
            status_reason: self.status_reason.clone(),
            status_changed_at: self.status_changed_at.clone(),
        }
    }
}

/// The [`CredentialStamp`] of a credential found like [`find_credential`]: one indexed read
/// of five small columns, without the signed JSON.
pub fn find_credential_stamp(conn: &mut DbConnection, id: &str) -> AppResult<CredentialStamp> {
    let full = if id.starts_with("urn:uuid:") { id.to_string() } else { format!("urn:uuid:{id}") };
    credentials::table
        .filter(credentials::id.eq(&full).or(credentials::certificate_number.eq(id)))
        .select(CredentialStamp::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("credential {id}")))
}

/// Which credentials a listing covers.
#[derive(Debug, Clone, Default)]
pub struct CredentialScope {
    /// Only this learner's.
    pub learner_id: Option<String>,
    /// Only these issuers'.
    pub issuer_org_ids: Option<Vec<String>>,
}

/// A boxed query over credentials, on either backend.
type CredentialQuery<'a> = credentials::BoxedQuery<'a, <DbConnection as diesel::Connection>::Backend>;

/// One page of the credentials `build` selects, newest first, and their total.
fn credential_page<'a>(
    conn: &mut DbConnection,
    build: impl Fn() -> CredentialQuery<'a>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<CredentialRow>, i64)> {
    let total: i64 = build().count().get_result(conn)?;
    let rows = build()
        .order((credentials::issued_at.desc(), credentials::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(CredentialRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Lists credentials, newest first.
pub fn list_credentials(
    conn: &mut DbConnection,
    scope: &CredentialScope,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<CredentialRow>, i64)> {
    let build = || {
        let mut q = credentials::table.into_boxed();
        if let Some(l) = &scope.learner_id {
            q = q.filter(credentials::learner_id.eq(l.clone()));
        }
        if let Some(o) = &scope.issuer_org_ids {
            q = q.filter(credentials::issuer_org_id.eq_any(o.clone()));
        }
        q
    };
    credential_page(conn, build, limit, offset)
}

/// Which of an issuer's certificates a page lists.
#[derive(Debug, Clone, Default)]
pub struct IssuedFilter {
    /// Only those in this status.
    pub status: Option<CredentialStatus>,
    /// Only training certificates of this course code (any version).
    pub course_code: Option<String>,
}

/// The certificates an organisation issued, newest first, a page at a time, and their total.
pub fn list_issued(
    conn: &mut DbConnection,
    issuer_org_id: &str,
    f: &IssuedFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<CredentialRow>, i64)> {
    let build = || {
        let mut q = credentials::table.filter(credentials::issuer_org_id.eq(issuer_org_id.to_string())).into_boxed();
        q = match f.status {
            None => q,
            Some(CredentialStatus::Revoked) => q.filter(credentials::revoked.eq(true)),
            Some(CredentialStatus::Suspended) => q.filter(credentials::revoked.eq(false)).filter(credentials::suspended.eq(true)),
            Some(CredentialStatus::Active) => q.filter(credentials::revoked.eq(false)).filter(credentials::suspended.eq(false)),
        };
        if let Some(code) = &f.course_code {
            let of_course = completions::table
                .inner_join(courses::table)
                .filter(courses::code.eq(code.clone()))
                .filter(courses::provider_id.eq(issuer_org_id.to_string()))
                .select(completions::id.nullable());
            q = q.filter(credentials::completion_id.eq_any(of_course));
        }
        q
    };
    credential_page(conn, build, limit, offset)
}

/// Every credential, in batches, for `rongtong export credentials`.
pub fn all_credentials(conn: &mut DbConnection, after: Option<&str>, limit: i64) -> QueryResult<Vec<CredentialRow>> {
    let mut q = credentials::table.into_boxed();
    if let Some(a) = after {
        q = q.filter(credentials::id.gt(a.to_string()));
    }
    q.order(credentials::id.asc()).limit(limit).select(CredentialRow::as_select()).load(conn)
}

// ---------------------------------------------------------------- issuance jobs

/// A cohort issuance job and its progress.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = issuance_jobs)]
pub struct JobView {
    /// Id.
    pub id: String,
    /// Issuing organisation id.
    pub org_id: String,
    /// Course id.
    pub course_id: String,
    /// Who asked.
    pub requested_by: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// Completions in the cohort.
    pub total: i32,
    /// Processed so far.
    pub done: i32,
    /// Credentials created.
    pub issued: i32,
    /// Completions that already had a credential.
    pub skipped: i32,
    /// Why it failed.
    pub error: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last progress.
    pub updated_at: String,
    /// Completions left out because their result is not a pass (no certificate certifies a fail).
    pub not_passed: i32,
    /// The server node running it (`RONGTONG_NODE_ID`).
    pub owner: Option<String>,
    /// Until when the owner's lease holds: renewed while the job runs; once past, a job still
    /// `queued` or `running` was cut off and reads as `failed`.
    pub lease_expires_at: Option<String>,
}

/// A job's counts so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobProgress {
    /// Completions processed.
    pub done: usize,
    /// Credentials created.
    pub issued: usize,
    /// Completions that already had a credential.
    pub skipped: usize,
    /// Completions left out as not passed.
    pub not_passed: usize,
}

/// Which node holds a job, and until when.
#[derive(Debug, Clone, Copy)]
pub struct JobLease<'a> {
    /// The node's id.
    pub owner: &'a str,
    /// How long a lease lasts from its last renewal.
    pub duration: std::time::Duration,
}

impl JobLease<'_> {
    /// The expiry of a lease renewed now, as stored.
    pub fn expires_at(&self) -> String {
        let d = chrono::Duration::from_std(self.duration).unwrap_or(chrono::Duration::seconds(60));
        (chrono::Utc::now() + d).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}

/// Records a queued job, held by `lease`'s node (the node that recorded it runs it).
pub fn create_job(
    conn: &mut DbConnection,
    org_id: &str,
    course_id: &str,
    requested_by: &str,
    total: usize,
    lease: JobLease<'_>,
) -> QueryResult<JobView> {
    let id = new_id();
    let ts = now();
    diesel::insert_into(issuance_jobs::table)
        .values((
            issuance_jobs::id.eq(&id),
            issuance_jobs::org_id.eq(org_id),
            issuance_jobs::course_id.eq(course_id),
            issuance_jobs::requested_by.eq(requested_by),
            issuance_jobs::state.eq(JobState::Queued.as_ref()),
            issuance_jobs::total.eq(total as i32),
            issuance_jobs::created_at.eq(&ts),
            issuance_jobs::updated_at.eq(&ts),
            issuance_jobs::owner.eq(lease.owner),
            issuance_jobs::lease_expires_at.eq(lease.expires_at()),
        ))
        .execute(conn)?;
    find_job(conn, &id)
}

/// A job recorded before leases existed (no `lease_expires_at`) that has recorded no
/// progress for this long was cut off.
pub const JOB_STALE_AFTER_MINUTES: i64 = 10;

/// Why a job whose lease expired reads as failed.
const LEASE_EXPIRED: &str = "interrupted: the server running it stopped (its lease expired); start the job again — \
                             completions that already have a credential are skipped";

/// Whether a job's lease has run out at `now` (RFC 3339 text; leases are stored in UTC, so
/// text order is time order).
fn lease_expired(job: &JobView, now: &chrono::DateTime<chrono::Utc>) -> bool {
    if !matches!(job.state.parse(), Ok(JobState::Queued | JobState::Running)) {
        return false;
    }
    match &job.lease_expires_at {
        Some(until) => chrono::DateTime::parse_from_rfc3339(until).is_ok_and(|t| t < *now),
        None => chrono::DateTime::parse_from_rfc3339(&job.updated_at)
            .is_ok_and(|t| *now - t.with_timezone(&chrono::Utc) > chrono::Duration::minutes(JOB_STALE_AFTER_MINUTES)),
    }
}

/// A job by id. A queued or running job whose lease has expired is marked `failed` here, by
/// whoever looks: its node stopped renewing the lease, so it is not running any more. The
/// update names the lease it saw, so a renewal that came in meanwhile wins.
pub fn find_job(conn: &mut DbConnection, id: &str) -> QueryResult<JobView> {
    let job: JobView = issuance_jobs::table.find(id).select(JobView::as_select()).first(conn)?;
    if !lease_expired(&job, &chrono::Utc::now()) {
        return Ok(job);
    }
    let mut q = diesel::update(issuance_jobs::table.find(id).filter(issuance_jobs::state.eq(&job.state))).into_boxed();
    q = match &job.lease_expires_at {
        Some(until) => q.filter(issuance_jobs::lease_expires_at.eq(until.clone())),
        None => q.filter(issuance_jobs::lease_expires_at.is_null()).filter(issuance_jobs::updated_at.eq(job.updated_at.clone())),
    };
    q.set((
        issuance_jobs::state.eq(JobState::Failed.as_ref()),
        issuance_jobs::error.eq(Some(LEASE_EXPIRED)),
        issuance_jobs::updated_at.eq(now()),
    ))
    .execute(conn)?;
    issuance_jobs::table.find(id).select(JobView::as_select()).first(conn)
}

/// Marks failed every queued or running job whose lease has expired, and every one `own_node`
/// holds: a node that starts runs none yet, so a job it holds was cut off by its own crash.
/// Returns how many. Jobs other live nodes hold keep their unexpired leases.
pub fn expire_job_leases(conn: &mut DbConnection, own_node: &str) -> QueryResult<usize> {
    let now_text = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let legacy_cutoff =
        (chrono::Utc::now() - chrono::Duration::minutes(JOB_STALE_AFTER_MINUTES)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    diesel::update(
        issuance_jobs::table.filter(issuance_jobs::state.eq_any([JobState::Queued.as_ref(), JobState::Running.as_ref()])).filter(
            issuance_jobs::owner
                .eq(own_node)
                .or(issuance_jobs::lease_expires_at.lt(&now_text))
                .or(issuance_jobs::lease_expires_at.is_null().and(issuance_jobs::updated_at.lt(&legacy_cutoff))),
        ),
    )
    .set((
        issuance_jobs::state.eq(JobState::Failed.as_ref()),
        issuance_jobs::error.eq(Some(LEASE_EXPIRED)),
        issuance_jobs::updated_at.eq(now()),
    ))
    .execute(conn)
}

/// Records a job's state and progress, and renews its lease, if `lease`'s node still holds
/// the job and it is still queued or running. Returns 0 when it does not: another node found
/// the lease expired and marked the job failed, and the caller must stop working on it.
pub fn update_job(
    conn: &mut DbConnection,
    job_id: &str,
    lease: JobLease<'_>,
    state: JobState,
    progress: JobProgress,
    error: Option<String>,
) -> QueryResult<usize> {
    diesel::update(
        issuance_jobs::table
            .find(job_id)
            .filter(issuance_jobs::owner.eq(lease.owner))
            .filter(issuance_jobs::state.eq_any([JobState::Queued.as_ref(), JobState::Running.as_ref()])),
    )
    .set((
        issuance_jobs::state.eq(state.as_ref()),
        issuance_jobs::done.eq(progress.done as i32),
        issuance_jobs::issued.eq(progress.issued as i32),
        issuance_jobs::skipped.eq(progress.skipped as i32),
        issuance_jobs::not_passed.eq(progress.not_passed as i32),
        issuance_jobs::error.eq(error),
        issuance_jobs::updated_at.eq(now()),
        issuance_jobs::lease_expires_at.eq(lease.expires_at()),
    ))
    .execute(conn)
}

/// Renews a job's lease (the heartbeat), under the same condition as [`update_job`]; 0 when
/// the node no longer holds it.
pub fn renew_job_lease(conn: &mut DbConnection, job_id: &str, lease: JobLease<'_>) -> QueryResult<usize> {
    diesel::update(
        issuance_jobs::table
            .find(job_id)
            .filter(issuance_jobs::owner.eq(lease.owner))
            .filter(issuance_jobs::state.eq_any([JobState::Queued.as_ref(), JobState::Running.as_ref()])),
    )
    .set(issuance_jobs::lease_expires_at.eq(lease.expires_at()))
    .execute(conn)
}

/// How many issuance jobs are in each state, every state listed (zero when none), for the
/// `/metrics` gauge. A job cut off by a stopped server counts as `queued` or `running` until
/// somebody looks at it ([`find_job`] marks it `failed` then).
pub fn count_jobs_by_state(conn: &mut DbConnection) -> QueryResult<Vec<(JobState, i64)>> {
    let rows: Vec<(String, i64)> =
        issuance_jobs::table.group_by(issuance_jobs::state).select((issuance_jobs::state, diesel::dsl::count_star())).load(conn)?;
    let count = |state: JobState| rows.iter().filter(|(s, _)| s.as_str() == state.as_ref()).map(|(_, n)| n).sum();
    Ok([JobState::Queued, JobState::Running, JobState::Done, JobState::Failed].into_iter().map(|s| (s, count(s))).collect())
}

// ---------------------------------------------------------------- issuance queries

/// The DIDs this registry issues with (the platform and every organisation with a key):
/// the `issuer_trust` check's list.
pub fn trusted_issuers(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    issuer_keys::table.filter(issuer_keys::owner_kind.ne("learner")).select(issuer_keys::did).distinct().load(conn)
}

/// What issuing a training certificate needs to know about one completion.
#[derive(Debug, Clone, Queryable)]
pub struct CompletionForIssue {
    /// Completion id.
    pub completion_id: String,
    /// Learner (user id).
    pub learner_id: String,
    /// Learner username (the hashed identifier when they have no holder DID).
    pub username: String,
    /// Learner display name (printed, and signed as an un-hashed name identifier).
    pub display_name: String,
    /// Course id.
    pub course_id: String,
    /// Course code.
    pub code: String,
    /// Course version.
    pub version: String,
    /// Course title (zh).
    pub title_zh: String,
    /// Course title (en).
    pub title_en: Option<String>,
    /// Course hours.
    pub hours: f64,
    /// Course credits.
    pub credits: f64,
    /// Provider organisation id.
    pub provider_id: String,
    /// The recorded result, as typed (parsed by `rongtong_catalog`).
    pub result: String,
    /// Completion date, YYYY-MM-DD.
    pub completed_on: String,
    /// How long the course's certificate is valid, in months (`None`: no expiry).
    pub valid_months: Option<i32>,
}

/// The completions among `ids` (chunked, so any number of ids stays under the backends'
/// bound-parameter limits), with what issuance needs.
pub fn completions_for_issue(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<CompletionForIssue>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            completions::table
                .inner_join(courses::table)
                .inner_join(users::table.on(users::id.eq(completions::learner_id)))
                .filter(completions::id.eq_any(chunk))
                .select((
                    completions::id,
                    completions::learner_id,
                    users::username,
                    users::display_name,
                    courses::id,
                    courses::code,
                    courses::version,
                    courses::title_zh,
                    courses::title_en,
                    courses::hours,
                    courses::credits,
                    courses::provider_id,
                    completions::result,
                    completions::completed_on,
                    courses::valid_months,
                ))
                .load::<CompletionForIssue>(conn)?,
        );
    }
    Ok(out)
}

/// completion id → credential id, for the completions among `ids` that already have one.
pub fn credentials_of_completions(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, String>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let done: Vec<(Option<String>, String)> = credentials::table
            .filter(credentials::completion_id.eq_any(chunk))
            .select((credentials::completion_id, credentials::id))
            .load(conn)?;
        out.extend(done.into_iter().filter_map(|(c, id)| Some((c?, id))));
    }
    Ok(out)
}

/// A skill as a credential aligns to it: (URI, zh label, en label).
pub type AlignedSkill = (String, Option<String>, Option<String>);

/// course id → its skills, ordered by URI, for the courses among `course_ids`.
pub fn course_skill_labels(conn: &mut DbConnection, course_ids: &[String]) -> QueryResult<HashMap<String, Vec<AlignedSkill>>> {
    let mut out: HashMap<String, Vec<AlignedSkill>> = HashMap::new();
    for chunk in course_ids.chunks(500) {
        let rows: Vec<(String, String, Option<String>, Option<String>)> = course_skills::table
            .inner_join(skills::table)
            .filter(course_skills::course_id.eq_any(chunk))
            .order((course_skills::course_id, skills::uri))
            .select((course_skills::course_id, skills::uri, skills::label_zh, skills::label_en))
            .load(conn)?;
        for (cid, uri, zh, en) in rows {
            out.entry(cid).or_default().push((uri, zh, en));
        }
    }
    Ok(out)
}

/// The skills an occupation requires, ordered by URI.
pub fn occupation_skill_labels(conn: &mut DbConnection, occupation_id: &str) -> QueryResult<Vec<AlignedSkill>> {
    occupation_skills::table
        .inner_join(skills::table)
        .filter(occupation_skills::occupation_id.eq(occupation_id))
        .order(skills::uri)
        .select((skills::uri, skills::label_zh, skills::label_en))
        .load(conn)
}

/// learner id → holder `did:key`, for the learners among `ids` that have a holder key.
pub fn learner_dids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, String>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(Option<String>, String)> = issuer_keys::table
            .filter(issuer_keys::owner_kind.eq("learner"))
            .filter(issuer_keys::owner_id.eq_any(chunk))
            .select((issuer_keys::owner_id, issuer_keys::did))
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(|(o, d)| Some((o?, d))));
    }
    Ok(out)
}

/// An organisation's (code, Chinese name), as an issuer profile needs them.
pub fn issuer_names(conn: &mut DbConnection, org_id: &str) -> QueryResult<(String, String)> {
    organizations::table.find(org_id).select((organizations::code, organizations::name_zh)).first(conn)
}

/// Reserves `n` consecutive certificate numbers' sequence values for an issuer in a year and
/// returns the first. The counter row is created on first use and bumped in the caller's
/// transaction: the `UPDATE` locks the row until commit (PostgreSQL) or runs under the
/// write lock (SQLite), so concurrent issuers of one organisation queue on it and never share
/// a value; two first uses race on the primary key, and the loser bumps the winner's row.
pub fn reserve_certificate_sequence(conn: &mut DbConnection, org_id: &str, year: i32, n: usize) -> QueryResult<i64> {
    use crate::db::schema::certificate_counters as cc;
    let bumped = diesel::update(cc::table.find((org_id, year))).set(cc::next_value.eq(cc::next_value + n as i64)).execute(conn)?;
    if bumped == 0 {
        // In a savepoint: on PostgreSQL a failed statement aborts the whole transaction
        // unless it is rolled back to a savepoint.
        let insert = conn.transaction(|c| {
            diesel::insert_into(cc::table)
                .values((cc::issuer_org_id.eq(org_id), cc::year.eq(year), cc::next_value.eq(1 + n as i64)))
                .execute(c)
        });
        match insert {
            Ok(_) => return Ok(1),
            // Another transaction created it first: bump that one.
            Err(e) if crate::db::is_unique_violation(&e) => {
                diesel::update(cc::table.find((org_id, year))).set(cc::next_value.eq(cc::next_value + n as i64)).execute(conn)?;
            }
            Err(e) => return Err(e),
        }
    }
    let next: i64 = cc::table.find((org_id, year)).select(cc::next_value).first(conn)?;
    Ok(next - n as i64)
}

/// An organisation's code and region, for its certificate numbers.
pub fn issuer_code_and_region(conn: &mut DbConnection, org_id: &str) -> QueryResult<(String, String)> {
    organizations::table.find(org_id).select((organizations::code, organizations::region)).first(conn)
}

/// The skill-level certificate already issued to a learner by an issuer for an occupation
/// and level, if any.
pub fn find_skill_level_credential(
    conn: &mut DbConnection,
    learner_id: &str,
    org_id: &str,
    occupation_code: &str,
    level: i32,
) -> QueryResult<Option<CredentialRow>> {
    credentials::table
        .filter(credentials::learner_id.eq(learner_id))
        .filter(credentials::issuer_org_id.eq(org_id))
        .filter(credentials::occupation_code.eq(occupation_code))
        .filter(credentials::skill_level.eq(level))
        .select(CredentialRow::as_select())
        .first(conn)
        .optional()
}

/// Stores issued credentials (chunked under the bound-parameter limits).
pub fn insert_credentials(conn: &mut DbConnection, rows: &[CredentialRow]) -> QueryResult<()> {
    // One bind per column of `credentials`.
    for chunk in super::bind_chunks(rows, 32) {
        crate::insert_batch!(conn, credentials::table, chunk)?;
    }
    Ok(())
}

/// The course ids of a cohort: `course_id` alone, or every version of its code from the
/// same provider.
pub fn course_versions(conn: &mut DbConnection, code: &str, provider_id: &str) -> QueryResult<Vec<String>> {
    courses::table.filter(courses::code.eq(code)).filter(courses::provider_id.eq(provider_id)).select(courses::id).load(conn)
}

/// The completion ids of the given courses, optionally only of the given learners (ids),
/// ordered by id.
pub fn completion_ids_of(conn: &mut DbConnection, course_ids: &[String], learner_ids: Option<&[String]>) -> QueryResult<Vec<String>> {
    let Some(learners) = learner_ids else {
        return completions::table
            .filter(completions::course_id.eq_any(course_ids))
            .order(completions::id)
            .select(completions::id)
            .load(conn);
    };
    // A cohort names any number of learners: one query per chunk, merged in id order.
    let mut out: Vec<String> = Vec::new();
    for chunk in super::bind_chunks(learners, 1) {
        out.extend(
            completions::table
                .filter(completions::course_id.eq_any(course_ids))
                .filter(completions::learner_id.eq_any(chunk))
                .select(completions::id)
                .load::<String>(conn)?,
        );
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Marks a credential's status in its row.
pub fn set_credential_status(conn: &mut DbConnection, id: &str, revoked: bool, suspended: bool, reason: &str) -> QueryResult<usize> {
    diesel::update(credentials::table.find(id))
        .set((
            credentials::revoked.eq(revoked),
            credentials::suspended.eq(suspended),
            credentials::status_reason.eq(reason),
            credentials::status_changed_at.eq(now()),
        ))
        .execute(conn)
}

// ---------------------------------------------------------------- status list rows

/// An issuer's revocation list that still has room below `max_used`: (id, allocation
/// bitmap, used count), newest first — locked for the caller's write transaction.
///
/// Allocation reads the bitmap, sets bits and writes it back, so two transactions that read
/// the same row would erase each other's bits. On PostgreSQL the row is read `FOR UPDATE`: a
/// second node's allocator waits here until the first commits, then reads its bits. On SQLite
/// the caller's `BEGIN IMMEDIATE` ([`crate::db::write_transaction`]) already serialises
/// writers, and SQLite has no row locks (diesel offers `for_update` on PostgreSQL only, hence
/// the match on the backend here).
pub fn lock_open_revocation_list(conn: &mut DbConnection, issuer_did: &str, max_used: i32) -> QueryResult<Option<(String, Vec<u8>, i32)>> {
    let q = status_lists::table
        .filter(status_lists::issuer_did.eq(issuer_did))
        .filter(status_lists::purpose.eq("revocation"))
        .filter(status_lists::used.lt(max_used))
        .order((status_lists::created_at.desc(), status_lists::id.desc()))
        .select((status_lists::id, status_lists::allocated, status_lists::used));
    match conn {
        DbConnection::Postgres(c) => q.for_update().first(c).optional(),
        DbConnection::Sqlite(c) => q.first(c).optional(),
    }
}

/// Creates an empty list (all bits clear) of `size` entries.
pub fn insert_status_list(conn: &mut DbConnection, id: &str, issuer_did: &str, purpose: &str, size: usize) -> QueryResult<usize> {
    let zero = vec![0u8; size / 8];
    let ts = now();
    diesel::insert_into(status_lists::table)
        .values((
            status_lists::id.eq(id),
            status_lists::issuer_did.eq(issuer_did),
            status_lists::purpose.eq(purpose),
            status_lists::size.eq(size as i32),
            status_lists::used.eq(0),
            status_lists::bits.eq(&zero),
            status_lists::allocated.eq(&zero),
            status_lists::created_at.eq(&ts),
            status_lists::updated_at.eq(&ts),
        ))
        .execute(conn)
}

/// Writes a list's allocation bitmap and used count.
pub fn update_allocation(conn: &mut DbConnection, id: &str, allocated: &[u8], used: i32) -> QueryResult<usize> {
    diesel::update(status_lists::table.find(id))
        .set((status_lists::allocated.eq(allocated), status_lists::used.eq(used), status_lists::updated_at.eq(now())))
        .execute(conn)
}

/// A list's status bits, locked for the caller's write transaction (see
/// [`lock_open_revocation_list`]: revoking and suspending read, flip and write the bitmap back).
pub fn lock_status_bits(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<u8>> {
    let q = status_lists::table.find(id).select(status_lists::bits);
    match conn {
        DbConnection::Postgres(c) => q.for_update().first(c),
        DbConnection::Sqlite(c) => q.first(c),
    }
}

/// Writes a list's status bits and drops its cached signed credential, so the next read
/// re-signs it.
pub fn update_status_bits(conn: &mut DbConnection, id: &str, bits: &[u8]) -> QueryResult<usize> {
    diesel::update(status_lists::table.find(id))
        .set((status_lists::bits.eq(bits), status_lists::credential.eq(None::<String>), status_lists::updated_at.eq(now())))
        .execute(conn)
}

/// Every revocation list's id, in id order (each has a suspension twin).
pub fn revocation_list_ids(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    status_lists::table.filter(status_lists::purpose.eq("revocation")).order(status_lists::id).select(status_lists::id).load(conn)
}

/// A list's stored state as audit and repair compare it: (size, allocation bitmap, used
/// count, status bits), locked for the caller's write transaction when `lock` is set (see
/// [`lock_open_revocation_list`]).
pub type ListState = (i32, Vec<u8>, i32, Vec<u8>);

/// A list's [`ListState`], `None` if there is no such list.
pub fn list_state(conn: &mut DbConnection, id: &str, lock: bool) -> QueryResult<Option<ListState>> {
    let q = status_lists::table.find(id).select((status_lists::size, status_lists::allocated, status_lists::used, status_lists::bits));
    match conn {
        DbConnection::Postgres(c) if lock => q.for_update().first(c).optional(),
        DbConnection::Postgres(c) => q.first(c).optional(),
        DbConnection::Sqlite(c) => q.first(c).optional(),
    }
}

/// The credentials holding an index in a list pair: (credential id, index, revoked,
/// suspended), by index.
pub fn credential_slots(conn: &mut DbConnection, revocation_list_id: &str) -> QueryResult<Vec<(String, i64, bool, bool)>> {
    credentials::table
        .filter(credentials::status_list_id.eq(revocation_list_id))
        .order((credentials::status_index, credentials::id))
        .select((credentials::id, credentials::status_index, credentials::revoked, credentials::suspended))
        .load(conn)
}

/// The status list ids that credentials name but no list row has.
pub fn missing_status_lists(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    credentials::table
        .filter(diesel::dsl::not(credentials::status_list_id.eq_any(status_lists::table.select(status_lists::id))))
        .select(credentials::status_list_id)
        .distinct()
        .order(credentials::status_list_id)
        .load(conn)
}

/// Writes a revocation list's allocation bitmap, used count and status bits at once (the
/// repair), dropping its cached signed credential.
pub fn write_list_state(conn: &mut DbConnection, id: &str, allocated: &[u8], used: i32, bits: &[u8]) -> QueryResult<usize> {
    diesel::update(status_lists::table.find(id))
        .set((
            status_lists::allocated.eq(allocated),
            status_lists::used.eq(used),
            status_lists::bits.eq(bits),
            status_lists::credential.eq(None::<String>),
            status_lists::updated_at.eq(now()),
        ))
        .execute(conn)
}

/// A status list as published: (issuer DID, purpose, bits, cached signed credential, updated at).
pub type StatusListRow = (String, String, Vec<u8>, Option<String>, String);

/// A status list by id.
pub fn find_status_list(conn: &mut DbConnection, id: &str) -> QueryResult<Option<StatusListRow>> {
    status_lists::table
        .find(id)
        .select((status_lists::issuer_did, status_lists::purpose, status_lists::bits, status_lists::credential, status_lists::updated_at))
        .first(conn)
        .optional()
}

/// Caches a list's signed credential.
pub fn cache_status_list_credential(conn: &mut DbConnection, id: &str, vc: &str) -> QueryResult<usize> {
    diesel::update(status_lists::table.find(id)).set(status_lists::credential.eq(vc)).execute(conn)
}

// ---------------------------------------------------------------- data repairs

/// The names of the data repairs still to run (see `services::upgrade`).
pub fn pending_data_repairs(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    use crate::db::schema::data_repairs;
    data_repairs::table.order(data_repairs::name).select(data_repairs::name).load(conn)
}

/// Marks a data repair done.
pub fn finish_data_repair(conn: &mut DbConnection, name: &str) -> QueryResult<usize> {
    use crate::db::schema::data_repairs;
    diesel::delete(data_repairs::table.find(name)).execute(conn)
}

/// Training certificates not revoked, with the result their completion records.
pub fn unrevoked_training_certificates_with_results(conn: &mut DbConnection) -> QueryResult<Vec<(CredentialRow, String)>> {
    credentials::table
        .inner_join(completions::table.on(completions::id.nullable().eq(credentials::completion_id)))
        .filter(credentials::revoked.eq(false))
        .order(credentials::id)
        .select((CredentialRow::as_select(), completions::result))
        .load(conn)
}

/// How many credentials the store holds.
pub fn count_credentials(conn: &mut DbConnection) -> QueryResult<i64> {
    credentials::table.count().get_result(conn)
}

/// Every completion id, in id order.
pub fn all_completion_ids(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    completions::table.order(completions::id).select(completions::id).load(conn)
}

/// The id of a learner's completion of a course, if any.
pub fn completion_of(conn: &mut DbConnection, learner_id: &str, course_id: &str) -> QueryResult<Option<String>> {
    completions::table
        .filter(completions::learner_id.eq(learner_id))
        .filter(completions::course_id.eq(course_id))
        .select(completions::id)
        .first(conn)
        .optional()
}

/// The course code of a completion (what a training certificate holds: `course:{code}`).
pub fn course_code_of_completion(conn: &mut DbConnection, completion_id: &str) -> QueryResult<Option<String>> {
    completions::table
        .inner_join(courses::table.on(courses::id.eq(completions::course_id)))
        .filter(completions::id.eq(completion_id))
        .select(courses::code)
        .first(conn)
        .optional()
}

/// A course version as a recognition credential names it.
#[derive(Debug, Clone, Queryable)]
pub struct CourseForRecognition {
    /// Course id.
    pub id: String,
    /// Version.
    pub version: String,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: Option<String>,
    /// Learning hours.
    pub hours: f64,
}

/// The latest published (or archived) version of a course code.
pub fn latest_public_course(conn: &mut DbConnection, code: &str) -> QueryResult<Option<CourseForRecognition>> {
    courses::table
        .filter(courses::code.eq(code))
        .filter(courses::status.eq_any(["published", "archived"]))
        .order((courses::status.desc(), courses::created_at.desc()))
        .select((courses::id, courses::version, courses::title_zh, courses::title_en, courses::hours))
        .first(conn)
        .optional()
}
