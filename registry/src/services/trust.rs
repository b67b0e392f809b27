//! Trusted external issuers and the external credentials a learner keeps (issue 10 part 4).
//!
//! What recognition needs from them: a credential kept in a learner's account grounds a
//! recognition only when its issuer was on the trusted list and it was valid when last
//! checked (`external_credentials.trusted` and `state`).

use diesel::prelude::*;
use rongtong_catalog::OutcomeKey;
use serde_json::Value;

use crate::db::DbConnection;
use crate::db::schema::external_credentials;
use crate::error::{AppError, AppResult};
use crate::models::applications::SourceKind;
use crate::services::applications::{CheckedEvidence, EvidenceCheck};
use crate::services::credentials::issuance::IssueContext;

/// An external credential (position `i` of an application's evidence), by its id in the
/// learner's account: it must be the learner's, from a trusted issuer, and valid.
pub fn external_evidence(
    conn: &mut DbConnection,
    _ctx: IssueContext<'_>,
    learner_id: &str,
    i: usize,
    id: &str,
) -> AppResult<CheckedEvidence> {
    let field = format!("evidence[{i}].external");
    type Row = (String, String, String, String, Option<i32>, bool, String, String, String);
    let row: Option<Row> = external_credentials::table
        .filter(external_credentials::id.eq(id))
        .filter(external_credentials::learner_id.eq(learner_id))
        .select((
            external_credentials::id,
            external_credentials::issuer_did,
            external_credentials::achievement_id,
            external_credentials::achievement_name,
            external_credentials::level,
            external_credentials::trusted,
            external_credentials::state,
            external_credentials::checks,
            external_credentials::issued_on,
        ))
        .first(conn)
        .optional()?;
    let Some((id, issuer, achievement, name, level, trusted, state, checks, issued_on)) = row else {
        return Err(AppError::invalid(&field, format!("no external credential {id} in the applicant's account")));
    };
    if !trusted {
        return Err(AppError::invalid(
            &field,
            format!("issuer_trust: {issuer} is not a trusted issuer; its credentials never ground a recognition"),
        ));
    }
    if state != "valid" {
        return Err(AppError::invalid(&field, format!("status: this credential is {state}")));
    }
    let checks: Vec<EvidenceCheck> = serde_json::from_str(&checks).unwrap_or_default();
    Ok(CheckedEvidence {
        kind: SourceKind::External,
        source_id: id,
        outcome: OutcomeKey::External { issuer, achievement },
        level: level.and_then(|l| u8::try_from(l).ok()).and_then(|l| rongtong_catalog::SkillLevel::new(l).ok()),
        name,
        issued_on: issued_on.parse().map_err(|_| AppError::Internal(format!("external credential {field}: bad issue date")))?,
        checks,
    })
}

/// A credential document not issued here (position `i` of an application's evidence).
pub fn document_evidence(
    _conn: &mut DbConnection,
    _ctx: IssueContext<'_>,
    _learner_id: &str,
    i: usize,
    doc: &Value,
) -> AppResult<CheckedEvidence> {
    let issuer = doc.pointer("/issuer/id").or_else(|| doc.get("issuer")).and_then(Value::as_str).unwrap_or("(none)");
    Err(AppError::invalid(format!("evidence[{i}].document"), format!("issuer_trust: {issuer} is not a trusted issuer")))
}

/// Why an external credential is not in force (`None` when it is).
pub fn external_not_in_force(conn: &mut DbConnection, id: &str) -> AppResult<Option<&'static str>> {
    let (trusted, state): (bool, String) =
        external_credentials::table.find(id).select((external_credentials::trusted, external_credentials::state)).first(conn)?;
    Ok(match (trusted, state.as_str()) {
        (true, "valid") => None,
        (false, _) => Some("from an issuer no longer trusted"),
        (_, "revoked") => Some("revoked"),
        (_, "suspended") => Some("suspended"),
        (_, "expired") => Some("expired"),
        _ => Some("not valid"),
    })
}

/// The external credential's own id (what a recognition's `evidence` cites).
pub fn external_credential_id(conn: &mut DbConnection, id: &str) -> AppResult<String> {
    Ok(external_credentials::table.find(id).select(external_credentials::credential_id).first(conn)?)
}
