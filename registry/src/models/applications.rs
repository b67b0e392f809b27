//! Recognition applications (认定申请) and their evidence (issue 10 part 3): rows and queries.
//!
//! The workflow — checking evidence, choosing the rule, deciding, the cascade — is
//! `services::applications`; this module only stores and reads.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{recognition_applications, recognition_evidence};
use crate::db::{DbConnection, is_unique_violation, now};
use crate::error::{AppError, AppResult};

/// Where an application is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, strum::Display, strum::EnumString, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ApplicationState {
    /// Waiting for a reviewer of the rule's owner.
    Pending,
    /// Approved: the recognition credential is issued.
    Approved,
    /// Rejected by a reviewer (with a comment).
    Rejected,
    /// Approved, then a source stopped being in force: the recognition credential is
    /// suspended (`status_reason` says why).
    Suspended,
}

/// What a piece of evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, strum::Display, strum::EnumString, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SourceKind {
    /// A credential issued by this registry (`credentials.id`).
    Credential,
    /// A credential from another system kept in the learner's account (`external_credentials.id`).
    External,
}

/// An application as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = recognition_applications)]
pub struct ApplicationRow {
    /// Id.
    pub id: String,
    /// The applicant.
    pub learner_id: String,
    /// Target outcome key.
    pub target: String,
    /// [`ApplicationState`] (wire form).
    pub state: String,
    /// `learner_id target` while pending, else NULL (one open application per learner and target).
    pub open_key: Option<String>,
    /// The rule the decision rests on.
    pub rule_id: String,
    /// The rule's owner, whose reviewers decide.
    pub owner_id: String,
    /// The evaluation when the learner applied (JSON).
    pub proposal: String,
    /// The recognition credential, once approved.
    pub credential_id: Option<String>,
    /// Who decided (NULL: decided automatically, or not yet).
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// The reviewer's comment.
    pub decision_comment: Option<String>,
    /// Why a recognition is suspended.
    pub status_reason: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl ApplicationRow {
    /// The state as a type.
    pub fn state(&self) -> ApplicationState {
        self.state.parse().unwrap_or(ApplicationState::Pending)
    }
}

/// One piece of evidence as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = recognition_evidence)]
pub struct EvidenceRow {
    /// The application.
    pub application_id: String,
    /// Position in the learner's list.
    pub position: i32,
    /// [`SourceKind`] (wire form).
    pub source_kind: String,
    /// `credentials.id` or `external_credentials.id`.
    pub source_id: String,
    /// The outcome key it holds.
    pub outcome: Option<String>,
    /// Its name, as shown to people.
    pub name: String,
    /// Issue date (YYYY-MM-DD).
    pub issued_on: Option<String>,
    /// The checks when the learner applied (JSON array of `{name, passed, detail}`).
    pub checks: String,
}

/// The key that makes a pending application unique per learner and target.
pub fn open_key(learner_id: &str, target: &str) -> String {
    format!("{learner_id} {target}")
}

/// Stores an application and its evidence. A second open application for the same learner
/// and target (also one racing in on another node) is a 409 naming `target`.
pub fn insert_application(conn: &mut DbConnection, row: &ApplicationRow, evidence: &[EvidenceRow]) -> AppResult<()> {
    match diesel::insert_into(recognition_applications::table).values(row).execute(conn) {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::conflict("target", format!("an application for {} is already open", row.target)));
        }
        Err(e) => return Err(e.into()),
    }
    // At most 50 rows: one statement each keeps to what both backends' diesel supports.
    for e in evidence {
        diesel::insert_into(recognition_evidence::table).values(e).execute(conn)?;
    }
    Ok(())
}

/// An application by id (404 when there is none).
pub fn find_application(conn: &mut DbConnection, id: &str) -> AppResult<ApplicationRow> {
    recognition_applications::table
        .find(id)
        .select(ApplicationRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("application {id}")))
}

/// An application by id, its row locked until the transaction ends (PostgreSQL; SQLite's
/// write transaction holds the whole database), so two reviewers deciding at once queue and
/// the second sees the first's decision.
pub fn lock_application(conn: &mut DbConnection, id: &str) -> AppResult<ApplicationRow> {
    let row = match conn {
        DbConnection::Postgres(c) => {
            recognition_applications::table.find(id).select(ApplicationRow::as_select()).for_update().first(c).optional()?
        }
        DbConnection::Sqlite(c) => recognition_applications::table.find(id).select(ApplicationRow::as_select()).first(c).optional()?,
    };
    row.ok_or_else(|| AppError::NotFound(format!("application {id}")))
}

/// The evidence of some applications, in application and position order.
pub fn evidence_of(conn: &mut DbConnection, application_ids: &[String]) -> QueryResult<Vec<EvidenceRow>> {
    let mut out = Vec::new();
    for chunk in application_ids.chunks(500) {
        out.extend(
            recognition_evidence::table
                .filter(recognition_evidence::application_id.eq_any(chunk))
                .order((recognition_evidence::application_id, recognition_evidence::position))
                .select(EvidenceRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Which applications a list shows.
#[derive(Debug, Clone, Default)]
pub struct ApplicationScope {
    /// Only this learner's.
    pub learner_id: Option<String>,
    /// Only those decided by one of these owners (`None`: any owner).
    pub owner_ids: Option<Vec<String>>,
    /// Only in this state.
    pub state: Option<ApplicationState>,
    /// Only for this target.
    pub target: Option<String>,
}

/// A page of applications, newest first, and the total.
pub fn list_applications(
    conn: &mut DbConnection,
    scope: &ApplicationScope,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<ApplicationRow>, i64)> {
    let build = || {
        let mut q = recognition_applications::table.into_boxed();
        if let Some(l) = &scope.learner_id {
            q = q.filter(recognition_applications::learner_id.eq(l.clone()));
        }
        if let Some(o) = &scope.owner_ids {
            q = q.filter(recognition_applications::owner_id.eq_any(o.clone()));
        }
        if let Some(s) = scope.state {
            q = q.filter(recognition_applications::state.eq(s.as_ref().to_string()));
        }
        if let Some(t) = &scope.target {
            q = q.filter(recognition_applications::target.eq(t.clone()));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows = build()
        .order((recognition_applications::created_at.desc(), recognition_applications::id))
        .limit(limit)
        .offset(offset)
        .select(ApplicationRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// A learner's applications in a state, for a target (at most a few).
pub fn learner_applications_for(
    conn: &mut DbConnection,
    learner_id: &str,
    target: &str,
    states: &[ApplicationState],
) -> QueryResult<Vec<ApplicationRow>> {
    let states: Vec<String> = states.iter().map(|s| s.as_ref().to_string()).collect();
    recognition_applications::table
        .filter(recognition_applications::learner_id.eq(learner_id))
        .filter(recognition_applications::target.eq(target))
        .filter(recognition_applications::state.eq_any(states))
        .select(ApplicationRow::as_select())
        .load(conn)
}

/// Records a decision: the new state, who (NULL: automatic), the comment and, on approval,
/// the recognition credential. Closes the application (`open_key` NULL).
pub fn record_decision(
    conn: &mut DbConnection,
    id: &str,
    state: ApplicationState,
    decided_by: Option<&str>,
    comment: Option<&str>,
    credential_id: Option<&str>,
) -> QueryResult<usize> {
    let at = now();
    diesel::update(recognition_applications::table.find(id))
        .set((
            recognition_applications::state.eq(state.as_ref()),
            recognition_applications::open_key.eq(None::<String>),
            recognition_applications::decided_by.eq(decided_by),
            recognition_applications::decided_at.eq(Some(&at)),
            recognition_applications::decision_comment.eq(comment),
            recognition_applications::credential_id.eq(credential_id),
            recognition_applications::updated_at.eq(&at),
        ))
        .execute(conn)
}

/// Moves an approved application to suspended or back, with the reason (NULL when reinstated).
pub fn set_state(conn: &mut DbConnection, id: &str, state: ApplicationState, reason: Option<&str>) -> QueryResult<usize> {
    diesel::update(recognition_applications::table.find(id))
        .set((
            recognition_applications::state.eq(state.as_ref()),
            recognition_applications::status_reason.eq(reason),
            recognition_applications::updated_at.eq(now()),
        ))
        .execute(conn)
}

/// The applications (in the given states) whose evidence includes this source.
pub fn resting_on(
    conn: &mut DbConnection,
    kind: SourceKind,
    source_id: &str,
    states: &[ApplicationState],
) -> QueryResult<Vec<ApplicationRow>> {
    let states: Vec<String> = states.iter().map(|s| s.as_ref().to_string()).collect();
    recognition_applications::table
        .inner_join(recognition_evidence::table)
        .filter(recognition_evidence::source_kind.eq(kind.as_ref()))
        .filter(recognition_evidence::source_id.eq(source_id))
        .filter(recognition_applications::state.eq_any(states))
        .select(ApplicationRow::as_select())
        .distinct()
        .order(recognition_applications::id)
        .load(conn)
}
