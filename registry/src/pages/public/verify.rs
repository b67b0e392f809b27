//! The verifier for anyone: `/verify`. Paste or upload a credential, a presentation or a CLR
//! 2.0 transcript — or give a certificate's number, id or QR link — and see every check in
//! plain words, green or red, with an overall verdict.
//!
//! The work is `POST /api/v1/verify`'s, called once through
//! `services::credentials::verification`: the same size limits for the same visitor
//! (anonymous or signed in), the same bounded verifier pool, the same trusted-issuer list and
//! status lists. The page adds only what the store knows beside the signed document: why a
//! certificate issued here was revoked or suspended, and the link to its printable page.

use std::collections::HashMap;

use askama::Template;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rongtong_credentials::Check;
use serde::Deserialize;
use serde_json::Value;

use super::{given, parse_query};
use crate::app::AppState;
use crate::error::AppError;
use crate::models::credentials::{self as m, CredentialStatus};
use crate::pages::ctx::{CsrfMultipart, Ctx, PageResult, render};
use crate::pages::layout::{Chrome, FieldErrors};
use crate::services::credentials::verification::{self, VerifyResult};

/// Pasted text longer than this is not echoed back into the form (the page stays light).
const MAX_ECHO_BYTES: usize = 64 * 1024;

/// The longest certificate reference (number, id or link) looked up.
const MAX_REFERENCE_CHARS: usize = 500;

/// Each check's message keys: its name, what passing says, what failing says.
const CHECK_KEYS: &[(&str, &str, &str, &str)] = &[
    ("json", "public.verify.check.json", "public.verify.check.json.pass", "public.verify.check.json.fail"),
    ("context", "public.verify.check.context", "public.verify.check.context.pass", "public.verify.check.context.fail"),
    ("well_formed", "public.verify.check.well_formed", "public.verify.check.well_formed.pass", "public.verify.check.well_formed.fail"),
    ("json_ld", "public.verify.check.json_ld", "public.verify.check.json_ld.pass", "public.verify.check.json_ld.fail"),
    ("issuer_key", "public.verify.check.issuer_key", "public.verify.check.issuer_key.pass", "public.verify.check.issuer_key.fail"),
    ("holder_key", "public.verify.check.holder_key", "public.verify.check.holder_key.pass", "public.verify.check.holder_key.fail"),
    ("proof", "public.verify.check.proof", "public.verify.check.proof.pass", "public.verify.check.proof.fail"),
    ("dates", "public.verify.check.dates", "public.verify.check.dates.pass", "public.verify.check.dates.fail"),
    ("status", "public.verify.check.status", "public.verify.check.status.pass", "public.verify.check.status.fail"),
    ("issuer_trust", "public.verify.check.issuer_trust", "public.verify.check.issuer_trust.pass", "public.verify.check.issuer_trust.fail"),
    ("credentials", "public.verify.check.credentials", "public.verify.check.credentials.pass", "public.verify.check.credentials.fail"),
    ("clr", "public.verify.check.clr", "public.verify.check.clr.pass", "public.verify.check.clr.fail"),
];

/// The finer failures some checks tell apart, by the start of the verifier's detail.
const FAILURE_KEYS: &[(&str, &str, &str)] = &[
    ("dates", "expired", "public.verify.check.dates.expired"),
    ("dates", "not yet valid", "public.verify.check.dates.early"),
    ("status", "revoked", "public.verify.check.status.revoked"),
    ("status", "suspended", "public.verify.check.status.suspended"),
];

/// Keys of checks this page does not know by name (a newer verifier's).
const OTHER_CHECK: (&str, &str, &str) = ("public.verify.check.other", "public.verify.check.other.pass", "public.verify.check.other.fail");

/// One check, in plain words.
#[derive(Debug, Clone)]
pub(crate) struct CheckLine {
    /// The verifier's name for it (`proof`), for `data-check`.
    pub name: &'static str,
    /// `pass` (green), `fail` (red) or `warn` (an untrusted but authentic issuer).
    pub class: &'static str,
    /// Message key of what is checked.
    pub title_key: &'static str,
    /// Message key of the outcome in plain words.
    pub say_key: &'static str,
    /// The verifier's own words (technical).
    pub detail: String,
    /// Why the issuer revoked or suspended it (from this registry's store), if it did.
    pub reason: String,
}

impl CheckLine {
    fn of(check: &Check, stored: Option<&(CredentialStatus, Option<String>)>) -> CheckLine {
        let (title_key, pass_key, fail_key) =
            CHECK_KEYS.iter().find(|(name, ..)| *name == check.name).map_or(OTHER_CHECK, |(_, title, pass, fail)| (*title, *pass, *fail));
        let say_key = if check.passed {
            pass_key
        } else {
            FAILURE_KEYS
                .iter()
                .find(|(name, start, _)| *name == check.name && check.detail.starts_with(start))
                .map_or(fail_key, |(_, _, key)| *key)
        };
        let reason = match stored {
            Some((CredentialStatus::Revoked | CredentialStatus::Suspended, Some(r))) if check.name == "status" && !check.passed => {
                r.clone()
            }
            _ => String::new(),
        };
        let class = match (check.passed, check.name) {
            (true, _) => "pass",
            (false, "issuer_trust") => "warn",
            (false, _) => "fail",
        };
        CheckLine { name: check.name, class, title_key, say_key, detail: check.detail.clone(), reason }
    }
}

/// One credential inside a presentation or transcript.
#[derive(Debug, Clone)]
pub(crate) struct EmbeddedLine {
    /// Its position (from 1).
    pub number: usize,
    /// Its name, else its id.
    pub name: String,
    /// Every check passed.
    pub verified: bool,
    /// Its checks.
    pub checks: Vec<CheckLine>,
    /// Its printable page, when this registry issued it.
    pub certificate: Option<String>,
}

/// The verdict and every check.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// Every check passed (issuer trust aside).
    pub verified: bool,
    /// Authentic, but its issuer is not on this registry's trusted-issuer list.
    pub untrusted: bool,
    /// Message key of what was verified (credential, presentation, transcript).
    pub kind_key: &'static str,
    /// Message key of the verdict banner.
    pub verdict_key: &'static str,
    /// Why it was revoked or suspended, for the banner (empty when not).
    pub reason: String,
    /// The document's name, when it has one.
    pub name: String,
    /// The document's own checks.
    pub checks: Vec<CheckLine>,
    /// The credentials inside, each with its checks.
    pub credentials: Vec<EmbeddedLine>,
    /// The printable certificate page, when this registry issued it.
    pub certificate: Option<String>,
}

/// The printable page of a credential this registry holds (`/credentials/{uuid}`).
fn certificate_href(id: &str) -> String {
    m::public_url("", id)
}

impl Outcome {
    /// The outcome of `result` for a document whose own `id` is `id`; `stored` holds the
    /// status and reason of every credential involved that this registry issued.
    fn of(result: &VerifyResult, id: Option<&str>, name: String, stored: &HashMap<String, (CredentialStatus, Option<String>)>) -> Outcome {
        let lookup = |id: Option<&str>| id.and_then(|i| stored.get(i));
        let checks: Vec<CheckLine> = result.checks.iter().map(|c| CheckLine::of(c, lookup(id))).collect();
        let credentials: Vec<EmbeddedLine> = result
            .credentials
            .iter()
            .map(|e| EmbeddedLine {
                number: e.index + 1,
                name: e.name.clone().or_else(|| e.id.clone()).unwrap_or_default(),
                verified: e.report.verified,
                checks: e.report.checks.iter().map(|c| CheckLine::of(c, lookup(e.id.as_deref()))).collect(),
                certificate: e.id.as_deref().filter(|i| stored.contains_key(*i)).map(certificate_href),
            })
            .collect();
        let status_failure = checks.iter().chain(credentials.iter().flat_map(|e| e.checks.iter())).find(|c| {
            c.name == "status" && matches!(c.say_key, "public.verify.check.status.revoked" | "public.verify.check.status.suspended")
        });
        let verdict_key = match (result.verified, status_failure.map(|c| c.say_key)) {
            (true, _) => "public.verify.verdict.ok",
            (false, Some("public.verify.check.status.revoked")) => "public.verify.verdict.revoked",
            (false, Some(_)) => "public.verify.verdict.suspended",
            (false, None) => "public.verify.verdict.bad",
        };
        Outcome {
            verified: result.verified,
            untrusted: result.verified && result.trusted == Some(false),
            kind_key: match result.kind {
                "presentation" => "public.verify.kind.presentation",
                "clr" => "public.verify.kind.clr",
                _ => "public.verify.kind.credential",
            },
            verdict_key,
            reason: status_failure.map(|c| c.reason.clone()).unwrap_or_default(),
            name,
            checks,
            credentials,
            certificate: id.filter(|i| stored.contains_key(*i)).map(certificate_href),
        }
    }
}

/// The verify page: the form, and the outcome when something was verified.
#[derive(Template)]
#[template(path = "web/public/verify.html")]
pub(crate) struct VerifyPage {
    c: Chrome,
    /// The certificate reference asked for.
    credential: String,
    /// The pasted document, echoed when small.
    document: String,
    challenge: String,
    domain: String,
    errors: FieldErrors,
    outcome: Option<Outcome>,
    /// The visitor's limit for a presentation or transcript, in KiB.
    max_kib: usize,
    /// The visitor's limit for a lone credential, in KiB.
    lone_kib: usize,
}

impl VerifyPage {
    fn new(ctx: &Ctx, state: &AppState) -> VerifyPage {
        let limits = &state.config.server.limits;
        let anonymous = ctx.principal().is_none();
        let max = verification::max_bytes(limits, anonymous);
        VerifyPage {
            c: Chrome::new(ctx, "public.verify.title"),
            credential: String::new(),
            document: String::new(),
            challenge: String::new(),
            domain: String::new(),
            errors: FieldErrors::none(),
            outcome: None,
            max_kib: max / 1024,
            lone_kib: if anonymous { limits.verify_max_bytes / 4 / 1024 } else { max / 1024 },
        }
    }

    fn respond(self, status: StatusCode) -> PageResult<Response> {
        Ok((status, render(&self)?).into_response())
    }
}

/// The document inside a wrapper (`{"presentation": …}`, `{"verifiableCredential": …}`), as
/// the verifier unwraps it.
fn unwrapped(body: &Value) -> &Value {
    match body {
        Value::Object(o) if o.contains_key("presentation") => &o["presentation"],
        Value::Object(o) if o.contains_key("verifiableCredential") && !o.contains_key("@context") => &o["verifiableCredential"],
        other => other,
    }
}

/// A document's `id` and the name to show (its own, else its achievement's).
fn id_and_name(doc: &Value) -> (Option<String>, String) {
    let id = doc.get("id").and_then(Value::as_str).map(str::to_string);
    let name =
        doc.get("name").or_else(|| doc.pointer("/credentialSubject/achievement/name")).and_then(Value::as_str).unwrap_or("").to_string();
    (id, name)
}

/// Verifies `body` (the same work as `POST /api/v1/verify`) and reads, in one query, the
/// stored status of every credential involved that this registry issued.
async fn run(state: &AppState, body: Value, challenge: Option<String>, domain: Option<String>) -> PageResult<Outcome> {
    let (id, name) = id_and_name(unwrapped(&body));
    let result = verification::verify_document(state, body, challenge, domain).await?;
    let ids: Vec<String> = id.iter().cloned().chain(result.credentials.iter().filter_map(|e| e.id.clone())).collect();
    let stored = state.db.run(move |c| m::status_reasons(c, &ids).map_err(AppError::from)).await?;
    Ok(Outcome::of(&result, id.as_deref(), name, &stored))
}

/// `?credential=` of the verify page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct VerifyQuery {
    credential: Option<String>,
}

/// What a certificate reference names: its number (JX-PXOU-2026-000123), its id (a UUID,
/// `urn:uuid:…`), or its page's address (a QR code's or share link's `…/credentials/{id}`).
fn credential_key(reference: &str) -> &str {
    match reference.rsplit_once("/credentials/") {
        Some((_, rest)) => rest.split(['?', '#', '/']).next().unwrap_or(rest),
        None => reference,
    }
}

/// `GET /verify`: the form; with `?credential=` (a certificate number, id or its QR link)
/// the stored certificate is verified — every check, its live revocation status with the
/// issuer's reason — with a link to its printable page. An unknown reference is shown beside
/// the field (404).
pub(crate) async fn find_verify(state: AppState, ctx: Ctx, RawQuery(raw): RawQuery) -> PageResult<Response> {
    let q: VerifyQuery = parse_query(raw.as_deref())?;
    let mut page = VerifyPage::new(&ctx, &state);
    let Some(reference) = given(&q.credential) else { return page.respond(StatusCode::OK) };
    page.credential = reference.chars().take(MAX_REFERENCE_CHARS).collect();
    if reference.chars().count() > MAX_REFERENCE_CHARS {
        page.errors = FieldErrors { items: vec![("credential".into(), ctx.t("public.verify.error.reference_long").into())] };
        return page.respond(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let key = credential_key(reference).to_string();
    let found = state.db.run(move |c| m::find_credential(c, &key)).await;
    let row = match found {
        Ok(row) => row,
        Err(AppError::NotFound(_)) => {
            page.errors = FieldErrors { items: vec![("credential".into(), ctx.t("public.verify.error.unknown").into())] };
            return page.respond(StatusCode::NOT_FOUND);
        }
        Err(e) => return Err(e.into()),
    };
    page.outcome = Some(run(&state, row.document()?, None, None).await?);
    page.respond(StatusCode::OK)
}

/// `POST /verify` (multipart: `document` pasted, or `file` uploaded — the file wins —
/// with optional `challenge` and `domain` for a presentation): verifies it and shows every
/// check. Nothing given, too large for this visitor, or not JSON is shown beside the field
/// (422, 413, 400) with the form as it was; nothing is stored.
pub(crate) async fn create_verify(state: AppState, ctx: Ctx, form: CsrfMultipart) -> PageResult<Response> {
    let mut page = VerifyPage::new(&ctx, &state);
    page.challenge = form.field("challenge").to_string();
    page.domain = form.field("domain").to_string();
    let (field, bytes): (&str, &[u8]) = match form.file("file") {
        Some((_, _, bytes)) => ("file", bytes),
        None => ("document", form.field("document").as_bytes()),
    };
    if field == "document" && bytes.len() <= MAX_ECHO_BYTES {
        page.document = form.field("document").to_string();
    }
    if bytes.is_empty() {
        page.errors = FieldErrors { items: vec![("document".into(), ctx.t("public.verify.error.empty").into())] };
        return page.respond(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let body = match verification::parse_document(bytes, ctx.principal().is_none(), &state.config.server.limits) {
        Ok(body) => body,
        Err(e) => {
            let lead = match &e {
                AppError::PayloadTooLarge => ctx.t("public.verify.error.too_large"),
                AppError::BadRequest { .. } => ctx.t("public.verify.error.not_json"),
                _ => ctx.t("public.verify.error.shape"),
            };
            let detail = match &e {
                AppError::PayloadTooLarge => format!("{} / {} KiB", page.lone_kib, page.max_kib),
                AppError::BadRequest { detail, .. } => detail.clone(),
                other => other.to_string(),
            };
            page.errors = FieldErrors { items: vec![(field.into(), format!("{lead} {detail}"))] };
            return page.respond(e.status_code());
        }
    };
    let given_text = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let (challenge, domain) = (given_text(&page.challenge), given_text(&page.domain));
    page.outcome = Some(run(&state, body, challenge, domain).await?);
    page.respond(StatusCode::OK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::i18n::{Lang, lookup};

    #[test]
    fn a_reference_may_be_a_number_an_id_or_a_link() {
        assert_eq!(credential_key("JX-PXOU-2026-000123"), "JX-PXOU-2026-000123");
        assert_eq!(credential_key("urn:uuid:0190-ab"), "urn:uuid:0190-ab");
        assert_eq!(credential_key("https://rongtong.example/credentials/0190-ab?format=json"), "0190-ab");
        assert_eq!(credential_key("https://rongtong.example/credentials/0190-ab#top"), "0190-ab");
    }

    #[test]
    fn every_message_a_check_can_get_is_in_the_catalogue() {
        let keys = CHECK_KEYS.iter().flat_map(|(_, a, b, c)| [*a, *b, *c]).chain(FAILURE_KEYS.iter().map(|(_, _, k)| *k)).chain([
            OTHER_CHECK.0,
            OTHER_CHECK.1,
            OTHER_CHECK.2,
        ]);
        for key in keys {
            assert_ne!(lookup(Lang::Zh, key), "??", "{key}");
        }
    }

    #[test]
    fn a_revoked_status_reads_red_with_the_reason_and_an_untrusted_issuer_amber() {
        let revoked = Check { name: "status", passed: false, detail: "revoked (https://x/status/1 index 3)".into() };
        let stored = (CredentialStatus::Revoked, Some("failed re-assessment".to_string()));
        let line = CheckLine::of(&revoked, Some(&stored));
        assert_eq!(
            (line.class, line.say_key, line.reason.as_str()),
            ("fail", "public.verify.check.status.revoked", "failed re-assessment")
        );
        let expired = Check { name: "dates", passed: false, detail: "expired: validUntil 2020-01-01T00:00:00Z has passed".into() };
        assert_eq!(CheckLine::of(&expired, None).say_key, "public.verify.check.dates.expired");
        let untrusted = Check { name: "issuer_trust", passed: false, detail: "did:web:x is not on the trust list".into() };
        assert_eq!(CheckLine::of(&untrusted, None).class, "warn");
    }
}
