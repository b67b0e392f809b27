//! Verifiable Presentations: a learner bundles some of their own credentials for a verifier,
//! signed with their holder key and bound to the verifier's challenge and domain.
//!
//! One workflow for `POST /api/v1/presentations` and the wallet page's presentation maker
//! (`/my/wallet/present`): the same checks, the same errors (fields `credentials`,
//! `challenge`), the same signature.

use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::{Principal, policy};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::credentials as m;
use crate::services::credentials::keystore::{self, Kek};

/// Most credentials in one presentation.
pub const MAX_CREDENTIALS: usize = 50;

/// What a learner presents to a verifier.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresentationInput {
    /// Ids of the learner's own credentials to include.
    pub credentials: Vec<String>,
    /// The verifier's challenge (nonce).
    pub challenge: String,
    /// The verifier's domain.
    #[serde(default)]
    pub domain: Option<String>,
}

/// Checks what needs no database: who asks (learners only, 403) and the input (422 naming
/// `challenge` or `credentials`).
fn check_input(p: &Principal, input: &PresentationInput) -> AppResult<()> {
    if !policy::has_wallet(p) {
        return Err(AppError::Forbidden("only learners present their credentials".into()));
    }
    let mut errs = rongtong_catalog::ValidationErrors::new();
    rongtong_catalog::validate::check_text(&mut errs, "challenge", &input.challenge, 500);
    errs.check(
        !input.credentials.is_empty() && input.credentials.len() <= MAX_CREDENTIALS,
        "credentials",
        format!("give 1 to {MAX_CREDENTIALS} credential ids"),
    );
    errs.into_result()?;
    Ok(())
}

/// Builds and signs the presentation: every credential must be the learner's own (another's
/// is "not found"); the holder key (a `did:key`, generated on first use and stored
/// encrypted) signs it with the verifier's challenge and domain. Runs [`check_input`] first.
pub fn create_presentation(conn: &mut DbConnection, kek: &Kek, p: &Principal, input: &PresentationInput) -> AppResult<Value> {
    check_input(p, input)?;
    let mut docs = Vec::with_capacity(input.credentials.len());
    for id in &input.credentials {
        let row = m::find_credential(conn, id)?;
        // Signed with the holder's key: only the learner themself presents.
        if !policy::may_act_as_learner(p, &row.learner_id) {
            return Err(AppError::NotFound(format!("credential {id}")));
        }
        docs.push(row.document()?);
    }
    let holder = crate::db::write_transaction(conn, |c| keystore::holder_key(c, kek, &p.user_id))?;
    let now = crate::db::now();
    rongtong_credentials::create_presentation(
        docs,
        &holder.did,
        &holder.key,
        &holder.verification_method,
        &input.challenge,
        input.domain.as_deref(),
        &now,
    )
    .map_err(|e| AppError::Internal(format!("signing presentation: {e}")))
}
