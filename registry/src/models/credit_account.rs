//! The rows behind a learner's lifelong credit account (学分银行账户) and CLR transcript
//! (issue 10 part 5): one query per kind of record, each for one learner, so an account costs
//! a fixed handful of statements however many records it holds (no N+1).
//!
//! What the rows mean — what counts, for how many credits — is `services::credit_account`.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    completions, courses, credentials, external_credentials, organizations, recognition_applications, recognition_evidence,
    recognition_rules,
};

/// One completion record with its course and provider.
#[derive(Debug, Clone, Queryable)]
pub struct CompletionRecord {
    /// Completion id.
    pub id: String,
    /// Course code.
    pub code: String,
    /// Course version.
    pub version: String,
    /// Course title (Chinese).
    pub title_zh: String,
    /// The course's credits (学分).
    pub credits: f64,
    /// Recorded result (合格, 85, …).
    pub result: String,
    /// Completion date (YYYY-MM-DD).
    pub completed_on: String,
    /// Provider code.
    pub provider: String,
    /// Provider name (Chinese).
    pub provider_name: String,
}

/// A learner's completion records, oldest first.
pub fn completions_of(conn: &mut DbConnection, learner_id: &str) -> QueryResult<Vec<CompletionRecord>> {
    completions::table
        .inner_join(courses::table.inner_join(organizations::table))
        .filter(completions::learner_id.eq(learner_id))
        .order((completions::completed_on, completions::id))
        .select((
            completions::id,
            courses::code,
            courses::version,
            courses::title_zh,
            courses::credits,
            completions::result,
            completions::completed_on,
            organizations::code,
            organizations::name_zh,
        ))
        .load(conn)
}

/// One credential issued here with its issuer.
#[derive(Debug, Clone, Queryable)]
pub struct CredentialRecord {
    /// `urn:uuid:…`.
    pub id: String,
    /// `training`, `skill_level` or `recognition`.
    pub kind: String,
    /// The completion (training certificates).
    pub completion_id: Option<String>,
    /// Display name.
    pub name: String,
    /// Occupation code (skill-level certificates).
    pub occupation_code: Option<String>,
    /// Level (skill-level certificates).
    pub skill_level: Option<i32>,
    /// Revoked.
    pub revoked: bool,
    /// Suspended.
    pub suspended: bool,
    /// Why the status last changed.
    pub status_reason: Option<String>,
    /// Issued at (RFC 3339).
    pub issued_at: String,
    /// 证书编号.
    pub certificate_number: Option<String>,
    /// The signed document (JSON text).
    pub json: String,
    /// Issuer code.
    pub issuer: String,
    /// Issuer name (Chinese).
    pub issuer_name: String,
}

/// Every credential issued here to a learner, oldest first.
pub fn credentials_of(conn: &mut DbConnection, learner_id: &str) -> QueryResult<Vec<CredentialRecord>> {
    credentials::table
        .inner_join(organizations::table)
        .filter(credentials::learner_id.eq(learner_id))
        .order((credentials::issued_at, credentials::id))
        .select((
            credentials::id,
            credentials::kind,
            credentials::completion_id,
            credentials::name,
            credentials::occupation_code,
            credentials::skill_level,
            credentials::revoked,
            credentials::suspended,
            credentials::status_reason,
            credentials::issued_at,
            credentials::certificate_number,
            credentials::json,
            organizations::code,
            organizations::name_zh,
        ))
        .load(conn)
}

/// One decided recognition (an application with its credential) and its rule.
#[derive(Debug, Clone, Queryable)]
pub struct RecognitionRecord {
    /// Application id.
    pub application_id: String,
    /// Target outcome key.
    pub target: String,
    /// `approved` or `suspended`.
    pub state: String,
    /// Why suspended.
    pub status_reason: Option<String>,
    /// The recognition credential.
    pub credential_id: String,
    /// When decided.
    pub decided_at: Option<String>,
    /// Rule id.
    pub rule_id: String,
    /// Rule code.
    pub rule_code: String,
    /// Rule version.
    pub rule_version: String,
    /// Rule title.
    pub rule_title: String,
    /// Rule effect.
    pub effect: String,
    /// Credits the rule grants.
    pub credits: f64,
    /// The rule's owner (code), who granted the recognition.
    pub owner: String,
    /// The owner's name (Chinese).
    pub owner_name: String,
}

/// A learner's recognitions that were granted (approved, or approved then suspended), with
/// their rules, oldest first. Pending and rejected applications are not outcomes.
pub fn recognitions_of(conn: &mut DbConnection, learner_id: &str) -> QueryResult<Vec<RecognitionRecord>> {
    recognition_applications::table
        .inner_join(recognition_rules::table.inner_join(organizations::table))
        .filter(recognition_applications::learner_id.eq(learner_id))
        .filter(recognition_applications::credential_id.is_not_null())
        .order((recognition_applications::decided_at, recognition_applications::id))
        .select((
            recognition_applications::id,
            recognition_applications::target,
            recognition_applications::state,
            recognition_applications::status_reason,
            recognition_applications::credential_id.assume_not_null(),
            recognition_applications::decided_at,
            recognition_rules::id,
            recognition_rules::code,
            recognition_rules::version,
            recognition_rules::title,
            recognition_rules::effect,
            recognition_rules::credits,
            organizations::code,
            organizations::name_zh,
        ))
        .load(conn)
}

/// One source of a recognition: (application id, source kind, source id, outcome, name).
pub type SourceRecord = (String, String, String, Option<String>, String);

/// The evidence of these applications (what each recognition was converted from), in
/// application and position order.
pub fn sources_of(conn: &mut DbConnection, application_ids: &[String]) -> QueryResult<Vec<SourceRecord>> {
    let mut out = Vec::new();
    for chunk in super::bind_chunks(application_ids, 1) {
        out.extend(
            recognition_evidence::table
                .filter(recognition_evidence::application_id.eq_any(chunk))
                .order((recognition_evidence::application_id, recognition_evidence::position))
                .select((
                    recognition_evidence::application_id,
                    recognition_evidence::source_kind,
                    recognition_evidence::source_id,
                    recognition_evidence::outcome,
                    recognition_evidence::name,
                ))
                .load::<SourceRecord>(conn)?,
        );
    }
    Ok(out)
}

/// One credential from another system kept in the learner's account.
#[derive(Debug, Clone, Queryable)]
pub struct ExternalRecord {
    /// Id in the account.
    pub id: String,
    /// Issuer DID.
    pub issuer_did: String,
    /// Issuer name, when known.
    pub issuer_name: Option<String>,
    /// The achievement's id.
    pub achievement_id: String,
    /// The achievement's name.
    pub achievement_name: String,
    /// The issuer was trusted when last checked.
    pub trusted: bool,
    /// `valid`, `untrusted`, `revoked`, `suspended`, `expired` or `invalid` (last check).
    pub state: String,
    /// Issue date (YYYY-MM-DD).
    pub issued_on: String,
}

/// A learner's external credentials, oldest first.
pub fn external_of(conn: &mut DbConnection, learner_id: &str) -> QueryResult<Vec<ExternalRecord>> {
    external_credentials::table
        .filter(external_credentials::learner_id.eq(learner_id))
        .order((external_credentials::issued_on, external_credentials::id))
        .select((
            external_credentials::id,
            external_credentials::issuer_did,
            external_credentials::issuer_name,
            external_credentials::achievement_id,
            external_credentials::achievement_name,
            external_credentials::trusted,
            external_credentials::state,
            external_credentials::issued_on,
        ))
        .load(conn)
}
