//! Verifying what someone hands the registry — a credential, a presentation or a CLR 2.0
//! transcript — once, for both doors: `POST /api/v1/verify` (JSON) and the public verify page
//! (`/verify`, pasted or uploaded). Both read the document within the same limits
//! ([`parse_document`]) and verify it the same way ([`verify_document`]): against this
//! registry's store (its DID documents and status lists, its trusted-issuer list), inside
//! the bounded verifier pool (`App::verify_slots`).

use rongtong_credentials::verify::{PresentationOptions, VerifyOptions};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::config::ServerLimits;
use crate::error::{AppError, AppResult};
use crate::services::credentials::issuance::IssueContext;
use crate::services::credentials::resolver::DbResolver;

/// The verification answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyResult {
    /// Every check passed (issuer trust aside).
    pub verified: bool,
    /// `credential`, `presentation` or `clr` (a CLR 2.0 `ClrCredential` transcript).
    pub kind: &'static str,
    /// The issuer is one of this registry's organisations.
    pub trusted: Option<bool>,
    /// Every check, named: context, well_formed, json_ld, issuer_key, proof, dates, status,
    /// issuer_trust (presentations: holder_key, proof, credentials; transcripts: the
    /// credential checks, then clr and credentials).
    #[schema(value_type = Vec<Object>)]
    pub checks: Vec<rongtong_credentials::Check>,
    /// For a presentation or a transcript: one report per embedded credential, in order —
    /// `index` (from 0), `id`, `name`, `verified`, `trusted`, `checks`, `valid_from`,
    /// `valid_until` — so a failure names the credential and the check.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub credentials: Vec<rongtong_credentials::clr::EmbeddedReport>,
}

/// True when `doc`'s `type` names a Verifiable Presentation.
fn is_presentation(doc: &Value) -> bool {
    match doc.get("type") {
        Some(Value::String(t)) => t == "VerifiablePresentation",
        Some(Value::Array(a)) => a.iter().any(|t| t == "VerifiablePresentation"),
        _ => false,
    }
}

/// The most bytes a caller may send: anonymous callers `RONGTONG_VERIFY_MAX_BYTES`,
/// authenticated ones `RONGTONG_VERIFY_AUTH_MAX_BYTES` (large CLRs).
pub(crate) fn max_bytes(limits: &ServerLimits, anonymous: bool) -> usize {
    if anonymous { limits.verify_max_bytes } else { limits.verify_auth_max_bytes }
}

/// Parses a document to verify within the caller's limits (docs/OPERATIONS.md): at most
/// [`max_bytes`], a lone credential from an anonymous caller a quarter of it (presentations
/// and transcripts carry many credentials); the text's depth and array lengths are checked
/// before a `Value` is built. Errors name the field `body`: 413 too large, 422 a shape over
/// the limits, 400 not JSON.
pub(crate) fn parse_document(bytes: &[u8], anonymous: bool, limits: &ServerLimits) -> AppResult<Value> {
    if bytes.len() > max_bytes(limits, anonymous) {
        return Err(AppError::PayloadTooLarge);
    }
    crate::limits::check_json_shape(bytes).map_err(|e| AppError::invalid("body", e.to_string()))?;
    let value: Value = serde_json::from_slice(bytes).map_err(|e| AppError::bad_field("body", format!("not JSON: {e}")))?;
    let is_container = value.get("presentation").is_some() || is_presentation(&value) || rongtong_credentials::clr::is_clr(&value);
    if anonymous && !is_container && bytes.len() > limits.verify_max_bytes / 4 {
        return Err(AppError::PayloadTooLarge);
    }
    Ok(value)
}

/// Per-credential reports of a presentation, with each credential's position, id and name.
fn embedded_reports(vp: &Value, reports: Vec<rongtong_credentials::VerificationReport>) -> Vec<rongtong_credentials::clr::EmbeddedReport> {
    let docs: Vec<&Value> = match vp.get("verifiableCredential") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
        None => vec![],
    };
    reports
        .into_iter()
        .enumerate()
        .map(|(index, report)| {
            let field = |f: &str| docs.get(index).and_then(|d| d.get(f)).and_then(Value::as_str).map(str::to_string);
            rongtong_credentials::clr::EmbeddedReport { index, id: field("id"), name: field("name"), report }
        })
        .collect()
}

/// Verifies a parsed document: a credential, a presentation, a CLR transcript, or a wrapper
/// (`{"verifiableCredential": …}` / `{"presentation": …, "challenge", "domain"}`; the
/// wrapper's challenge and domain win over `challenge` and `domain`). Waits for a slot of the
/// verifier pool, then holds it on the blocking thread until the work is done.
pub(crate) async fn verify_document(
    state: &AppState,
    body: Value,
    challenge: Option<String>,
    domain: Option<String>,
) -> AppResult<VerifyResult> {
    // The bounded pool: wait for a slot here (a client that gives up stops waiting), then
    // hold it inside the blocking work, so it is only freed when the work is.
    let permit = state.verify_slots.clone().acquire_owned().await.map_err(|e| AppError::Internal(e.to_string()))?;
    let app = state.clone();
    state
        .db
        .run(move |c| {
            let _permit = permit;
            // Taken apart by value: a document is never copied.
            let (doc, challenge, domain) = match body {
                Value::Object(mut o) if o.contains_key("presentation") => {
                    let challenge = o.get("challenge").and_then(Value::as_str).map(str::to_string).or(challenge);
                    let domain = o.get("domain").and_then(Value::as_str).map(str::to_string).or(domain);
                    (o.remove("presentation").unwrap_or_default(), challenge, domain)
                }
                Value::Object(mut o) if o.contains_key("verifiableCredential") && !o.contains_key("@context") => {
                    (o.remove("verifiableCredential").unwrap_or_default(), challenge, domain)
                }
                other => (other, challenge, domain),
            };
            // Trusted issuers and DID documents as of the store's key version, status lists
            // read afresh (a verified list is reused only while the store serves the same one).
            let keys = app.verifier.keys(c)?;
            let options = VerifyOptions {
                trusted_issuers: Some(keys.trusted.clone()),
                status_lists: Some(app.verifier.status_lists.clone()),
                ..VerifyOptions::obv3()
            };
            let ctx = IssueContext { base_url: app.base_url(), kek: &app.kek };
            let resolver = DbResolver::with_keys(c, ctx, keys);
            let now = chrono::Utc::now();
            Ok::<_, AppError>(if is_presentation(&doc) {
                let challenge =
                    challenge.or_else(|| doc.pointer("/proof/challenge").and_then(Value::as_str).map(str::to_string)).unwrap_or_default();
                let domain = domain.or_else(|| doc.pointer("/proof/domain").and_then(Value::as_str).map(str::to_string));
                let r = rongtong_credentials::verify_presentation(
                    &doc,
                    &resolver,
                    now,
                    &PresentationOptions { challenge, domain, credentials: options },
                );
                let credentials = embedded_reports(&doc, r.credentials);
                VerifyResult { verified: r.verified, kind: "presentation", trusted: None, checks: r.checks, credentials }
            } else if rongtong_credentials::clr::is_clr(&doc) {
                let r = rongtong_credentials::clr::verify_clr(&doc, &resolver, now, &options);
                VerifyResult { verified: r.verified, kind: "clr", trusted: r.trusted, checks: r.checks, credentials: r.credentials }
            } else {
                let r = rongtong_credentials::verify(&doc, &resolver, now, &options);
                VerifyResult { verified: r.verified, kind: "credential", trusted: r.trusted, checks: r.checks, credentials: vec![] }
            })
        })
        .await
}
