//! Trusted external issuers and the external credentials learners keep (issue 10 part 4):
//! rows, views and queries.
//!
//! The workflow — who may edit the list, verifying and storing an external credential,
//! the re-check and its cascade — is `services::trust`; this module only stores and reads.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::{external_credentials, recognition_evidence, trusted_issuers, users};
use crate::db::{DbConnection, is_unique_violation};
use crate::error::{AppError, AppResult};

/// One entry of the trusted-issuer list, as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = trusted_issuers)]
#[diesel(treat_none_as_null = true)]
pub struct TrustedIssuerRow {
    /// Id.
    pub id: String,
    /// The issuer's DID (`did:web:…` or `did:key:…`), unique.
    pub did: String,
    /// Its name, as people read it.
    pub name: String,
    /// JSON array of the OBv3 `achievementType`s it may issue; empty: any.
    pub achievement_types: String,
    /// First day (YYYY-MM-DD) whose credentials are recognised.
    pub valid_from: String,
    /// Last day (YYYY-MM-DD) whose credentials are recognised; NULL: open-ended.
    pub valid_until: Option<String>,
    /// Who added it (NULL: the operator, from the command line).
    pub added_by: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl TrustedIssuerRow {
    /// The achievement types, parsed (a malformed column reads as "any", which is what an
    /// empty list means; only this module writes it).
    pub fn types(&self) -> Vec<String> {
        serde_json::from_str(&self.achievement_types).unwrap_or_default()
    }

    /// Whether a credential issued on `issued_on` falls inside the entry's period.
    pub fn covers(&self, issued_on: chrono::NaiveDate) -> bool {
        let from = self.valid_from.parse::<chrono::NaiveDate>().ok();
        let until = self.valid_until.as_deref().and_then(|d| d.parse::<chrono::NaiveDate>().ok());
        from.is_none_or(|f| issued_on >= f) && until.is_none_or(|u| issued_on <= u)
    }

    /// Whether `achievement_type` is one the issuer may issue (an empty list allows any).
    pub fn allows(&self, achievement_type: Option<&str>) -> bool {
        let types = self.types();
        types.is_empty() || achievement_type.is_some_and(|t| types.iter().any(|x| x == t))
    }
}

/// A trusted issuer as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrustedIssuerView {
    /// Id.
    pub id: String,
    /// The issuer's DID.
    pub did: String,
    /// Name.
    pub name: String,
    /// OBv3 `achievementType`s it may issue; empty: any.
    pub achievement_types: Vec<String>,
    /// First day whose credentials are recognised (YYYY-MM-DD).
    pub valid_from: String,
    /// Last day whose credentials are recognised; absent: open-ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// The https URL of its DID document (did:web), the only document fetched for it besides
    /// its status lists; absent for did:key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_document: Option<String>,
    /// Who added it (username); absent when the operator did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_by: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

/// Turns rows into views (one query for the usernames).
pub fn trusted_views(conn: &mut DbConnection, rows: Vec<TrustedIssuerRow>) -> QueryResult<Vec<TrustedIssuerView>> {
    let ids: Vec<String> = rows.iter().filter_map(|r| r.added_by.clone()).collect();
    let names: std::collections::HashMap<String, String> = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::username))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| TrustedIssuerView {
            achievement_types: r.types(),
            did_document: rongtong_credentials::did::did_web_to_url(&r.did).ok(),
            added_by: r.added_by.as_ref().and_then(|u| names.get(u).cloned()),
            id: r.id,
            did: r.did,
            name: r.name,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

/// The whole list, by name (it is short: one entry per trusted issuer).
pub fn list_trusted(conn: &mut DbConnection) -> QueryResult<Vec<TrustedIssuerRow>> {
    trusted_issuers::table.order((trusted_issuers::name, trusted_issuers::did)).select(TrustedIssuerRow::as_select()).load(conn)
}

/// An entry by id or DID (404 when there is none).
pub fn find_trusted(conn: &mut DbConnection, key: &str) -> AppResult<TrustedIssuerRow> {
    trusted_issuers::table
        .filter(trusted_issuers::id.eq(key).or(trusted_issuers::did.eq(key)))
        .select(TrustedIssuerRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("trusted issuer {key}")))
}

/// The entry for a DID, if it is on the list.
pub fn trusted_for(conn: &mut DbConnection, did: &str) -> QueryResult<Option<TrustedIssuerRow>> {
    trusted_issuers::table.filter(trusted_issuers::did.eq(did)).select(TrustedIssuerRow::as_select()).first(conn).optional()
}

/// Adds an entry; a DID already listed is a 409 naming `did`.
pub fn insert_trusted(conn: &mut DbConnection, row: &TrustedIssuerRow) -> AppResult<()> {
    match diesel::insert_into(trusted_issuers::table).values(row).execute(conn) {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(AppError::conflict("did", format!("{} is already on the list", row.did))),
        Err(e) => Err(e.into()),
    }
}

/// Replaces an entry's fields (same id); another entry's DID is a 409 naming `did`.
pub fn update_trusted(conn: &mut DbConnection, row: &TrustedIssuerRow) -> AppResult<()> {
    match diesel::update(trusted_issuers::table.find(&row.id)).set(row).execute(conn) {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(AppError::conflict("did", format!("{} is already on the list", row.did))),
        Err(e) => Err(e.into()),
    }
}

/// Removes an entry.
pub fn delete_trusted(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(trusted_issuers::table.find(id)).execute(conn)
}

/// An external credential kept in a learner's account, as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = external_credentials)]
pub struct ExternalRow {
    /// Id (what `{"external": id}` evidence names).
    pub id: String,
    /// The learner whose account keeps it.
    pub learner_id: String,
    /// The credential's own `id`.
    pub credential_id: String,
    /// Its issuer's DID.
    pub issuer_did: String,
    /// The issuer's name, as the credential states it.
    pub issuer_name: Option<String>,
    /// `credentialSubject.achievement.id`.
    pub achievement_id: String,
    /// The achievement's name.
    pub achievement_name: String,
    /// Its OBv3 `achievementType`.
    pub achievement_type: Option<String>,
    /// The national skill level (1–5) the achievement states, if any.
    pub level: Option<i32>,
    /// The credential (JSON).
    pub json: String,
    /// The issuer was on the trusted list (for the credential's issue date) when last checked.
    pub trusted: bool,
    /// [`crate::services::trust::ExternalState`] (wire form).
    pub state: String,
    /// The checks of the last verification (JSON array of `{name, passed, detail}`).
    pub checks: String,
    /// `validFrom` (YYYY-MM-DD).
    pub issued_on: String,
    /// `validUntil`, as the credential states it.
    pub valid_until: Option<String>,
    /// When last checked.
    pub checked_at: String,
    /// When stored.
    pub created_at: String,
}

/// A learner's external credential with this credential id, if kept.
pub fn find_external_by_credential(conn: &mut DbConnection, learner_id: &str, credential_id: &str) -> QueryResult<Option<ExternalRow>> {
    external_credentials::table
        .filter(external_credentials::learner_id.eq(learner_id))
        .filter(external_credentials::credential_id.eq(credential_id))
        .select(ExternalRow::as_select())
        .first(conn)
        .optional()
}

/// An external credential of a learner by id (404 when the learner keeps none such).
pub fn find_external(conn: &mut DbConnection, learner_id: &str, id: &str) -> AppResult<ExternalRow> {
    external_credentials::table
        .filter(external_credentials::id.eq(id))
        .filter(external_credentials::learner_id.eq(learner_id))
        .select(ExternalRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("external credential {id}")))
}

/// Stores a new external credential; the same credential twice in one account is a 409.
pub fn insert_external(conn: &mut DbConnection, row: &ExternalRow) -> AppResult<()> {
    match diesel::insert_into(external_credentials::table).values(row).execute(conn) {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => {
            Err(AppError::conflict("credential", format!("{} is already in this account", row.credential_id)))
        }
        Err(e) => Err(e.into()),
    }
}

/// Records a new verification of a kept credential: the document (a re-upload may carry a
/// newer copy), trust, state, checks and when.
pub fn record_check(
    conn: &mut DbConnection,
    id: &str,
    json: &str,
    trusted: bool,
    state: &str,
    checks: &str,
    at: &str,
) -> QueryResult<usize> {
    diesel::update(external_credentials::table.find(id))
        .set((
            external_credentials::json.eq(json),
            external_credentials::trusted.eq(trusted),
            external_credentials::state.eq(state),
            external_credentials::checks.eq(checks),
            external_credentials::checked_at.eq(at),
        ))
        .execute(conn)
}

/// A learner's external credentials, newest first.
pub fn list_external(conn: &mut DbConnection, learner_id: &str) -> QueryResult<Vec<ExternalRow>> {
    external_credentials::table
        .filter(external_credentials::learner_id.eq(learner_id))
        .order((external_credentials::created_at.desc(), external_credentials::id))
        .select(ExternalRow::as_select())
        .load(conn)
}

/// Every kept external credential's id, for the re-check (read one by one after).
pub fn all_external_ids(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    external_credentials::table.order(external_credentials::id).select(external_credentials::id).load(conn)
}

/// An external credential by id alone (the re-check).
pub fn external_by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ExternalRow>> {
    external_credentials::table.find(id).select(ExternalRow::as_select()).first(conn).optional()
}

/// Whether any application's evidence cites this external credential.
pub fn external_is_cited(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        recognition_evidence::table.filter(recognition_evidence::source_kind.eq("external")).filter(recognition_evidence::source_id.eq(id)),
    ))
    .get_result(conn)
}

/// Removes an external credential from an account.
pub fn delete_external(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(external_credentials::table.find(id)).execute(conn)
}
