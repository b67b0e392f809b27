//! Trusted external issuers and the external credentials a learner keeps (issue 10 part 4;
//! docs/RECOGNITION.md, "Trusted external issuers").
//!
//! * **The list.** An authority (the platform, a province's admins —
//!   `policy::may_edit_trusted_issuers`) keeps the issuers whose credentials this registry
//!   recognises: a DID, a name, the OBv3 `achievementType`s each may issue, and the period
//!   of issue dates recognised. Anyone may read it.
//! * **Fetching.** The server fetches nothing on a caller's say-so. For an issuer on the list,
//!   and only for a credential of that issuer, it fetches the issuer's did:web document (the
//!   https URL derived from the DID) and, once the credential's proof has verified, the
//!   status lists the credential names on the same host (for a did:key issuer: https status
//!   lists named in the signed credential). https only, no redirects, a timeout and a size
//!   limit, a short in-memory cache ([`TrustedFetcher`]). Operator-configured mirrors
//!   (`RONGTONG_TRUST_MIRRORS`) may point a prefix elsewhere, for staging and tests.
//! * **Keeping a credential.** A learner uploads a presentation of the credential signed by
//!   its subject, with `domain` this registry's base URL and `challenge` their username here
//!   ([`verify_upload`]): that proves the credential is theirs and binds the upload to one
//!   account. A credential of a trusted issuer is kept only when every check passes (a
//!   tampered, revoked, expired or wrong-holder one is a 422 naming the check, nothing
//!   stored); one of an unlisted issuer is kept as `untrusted` — its documents never
//!   fetched — and never grounds a recognition.
//! * **Re-checking** ([`recheck`]): every kept credential is verified again with status lists
//!   fetched afresh; a credential found revoked, suspended or expired (or its issuer no
//!   longer trusted) suspends the recognitions resting on it through the cascade
//!   (`services::applications::source_status_changed`), and one in force again reinstates
//!   them.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diesel::prelude::*;
use rongtong_catalog::{OutcomeKey, ValidationErrors};
use rongtong_credentials::did::{NoResolver, Resolver};
use rongtong_credentials::verify::{PresentationOptions, VerifyOptions};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::{Principal, policy};
use crate::config::TrustConfig;
use crate::db::schema::external_credentials;
use crate::db::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};
use crate::models::accounts::{self, UserView};
use crate::models::applications::SourceKind;
use crate::models::trust::{self as m, ExternalRow, TrustedIssuerRow, TrustedIssuerView};
use crate::services::applications::{CheckedEvidence, EvidenceCheck};
use crate::services::credentials::fetch::HttpResolver;
use crate::services::credentials::issuance::IssueContext;

// ---------------------------------------------------------------- the list

/// The OBv3 `AchievementType` vocabulary (Open Badges 3.0 §B.1.2, CTDL's terms); an
/// extension term is `ext:` followed by letters and digits.
pub const ACHIEVEMENT_TYPES: &[&str] = &[
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
];

/// Longest issuer name.
pub const MAX_NAME: usize = 200;
/// Longest DID.
pub const MAX_DID: usize = 500;
/// Most achievement types on one entry.
pub const MAX_TYPES: usize = 40;

/// An entry of the trusted-issuer list, as an authority writes it (`POST` and `PUT`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustedIssuerInput {
    /// The issuer's DID: `did:web:…` (its document is fetched from the https URL the DID
    /// names) or `did:key:…` (nothing to fetch).
    pub did: String,
    /// Its name, e.g. `广东省职业技能鉴定指导中心`.
    pub name: String,
    /// OBv3 `achievementType`s it may issue (e.g. `Certification`, `Certificate`); empty or
    /// absent: any.
    #[serde(default)]
    pub achievement_types: Vec<String>,
    /// First issue date recognised (YYYY-MM-DD): credentials issued from this day on.
    pub valid_from: String,
    /// Last issue date recognised (YYYY-MM-DD); absent: open-ended.
    pub valid_until: Option<String>,
}

fn is_type(t: &str) -> bool {
    ACHIEVEMENT_TYPES.contains(&t)
        || t.strip_prefix("ext:")
            .is_some_and(|rest| !rest.is_empty() && rest.len() <= 100 && rest.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// An entry's fields once they passed the checks.
#[derive(Debug)]
struct Entry {
    did: String,
    name: String,
    types: Vec<String>,
    from: NaiveDate,
    until: Option<NaiveDate>,
}

/// Checks an entry, naming every bad field.
fn validate(input: &TrustedIssuerInput) -> Result<Entry, ValidationErrors> {
    use rongtong_catalog::validate::{check_text, parse_iso_date};
    let mut e = ValidationErrors::new();
    let did = input.did.trim().to_string();
    check_text(&mut e, "did", &did, MAX_DID);
    if did.starts_with("did:web:") {
        if let Err(err) = rongtong_credentials::did::did_web_to_url(&did) {
            e.push("did", err.to_string());
        } else if did.contains('#') || did.contains('?') {
            e.push("did", "a DID without a fragment or query");
        }
    } else if did.starts_with("did:key:") {
        if rongtong_credentials::did::did_key_public_key(&did).is_err() {
            e.push("did", "not a did:key of an Ed25519 key");
        }
    } else {
        e.push("did", "must be a did:web or did:key DID");
    }
    check_text(&mut e, "name", &input.name, MAX_NAME);
    e.check(input.achievement_types.len() <= MAX_TYPES, "achievement_types", format!("at most {MAX_TYPES}"));
    for (i, t) in input.achievement_types.iter().enumerate() {
        if !is_type(t) {
            e.push(
                format!("achievement_types[{i}]"),
                format!("`{t}` is not an OBv3 achievementType (e.g. Certificate, Certification, Badge, MicroCredential; or ext:Name)"),
            );
        } else if input.achievement_types[..i].contains(t) {
            e.push(format!("achievement_types[{i}]"), format!("{t} is listed twice"));
        }
    }
    let date = |e: &mut ValidationErrors, field: &str, v: Option<&str>| -> Option<NaiveDate> {
        let v = v?;
        let d = parse_iso_date(v);
        if d.is_none() {
            e.push(field, format!("`{v}` is not a date YYYY-MM-DD"));
        }
        d
    };
    let from = date(&mut e, "valid_from", Some(&input.valid_from));
    let until = date(&mut e, "valid_until", input.valid_until.as_deref());
    if let (Some(f), Some(u)) = (from, until) {
        e.check(f <= u, "valid_until", format!("must not be before valid_from ({f})"));
    }
    e.into_result()?;
    let from = from.ok_or_else(|| ValidationErrors::single("valid_from", "missing"))?;
    Ok(Entry { did, name: input.name.trim().to_string(), types: input.achievement_types.clone(), from, until })
}

fn row_from(id: String, added_by: Option<String>, created_at: String, input: &TrustedIssuerInput) -> AppResult<TrustedIssuerRow> {
    let e = validate(input)?;
    Ok(TrustedIssuerRow {
        id,
        achievement_types: serde_json::to_string(&e.types).map_err(|e| AppError::Internal(e.to_string()))?,
        valid_from: e.from.to_string(),
        valid_until: e.until.map(|d| d.to_string()),
        did: e.did,
        name: e.name,
        added_by,
        updated_at: now(),
        created_at,
    })
}

/// Refuses, with 422 on `did`, an issuer that is this registry itself: its own credentials
/// are verified from its own store and cited as `{"credential": id}`.
fn refuse_own(base_url: &str, did: &str, field: &str) -> AppResult<()> {
    if is_own(base_url, did) {
        return Err(AppError::invalid(field, format!("{did} is this registry's own DID: its credentials are verified here already")));
    }
    Ok(())
}

/// Whether `did` is this registry's platform DID or one of its organisations'.
fn is_own(base_url: &str, did: &str) -> bool {
    crate::services::credentials::keystore::platform_did(base_url).is_ok_and(|own| did == own || did.starts_with(&format!("{own}:")))
}

/// Adds an issuer to the list (authorities only). The operator (command line) passes `None`.
pub fn create_trusted(
    conn: &mut DbConnection,
    base_url: &str,
    p: Option<&Principal>,
    input: &TrustedIssuerInput,
) -> AppResult<TrustedIssuerRow> {
    if let Some(p) = p {
        p.ensure(policy::may_edit_trusted_issuers(p), "edit the trusted-issuer list (platform and province admins only)")?;
    }
    let at = now();
    let row = row_from(new_id(), p.map(|p| p.user_id.clone()), at, input)?;
    refuse_own(base_url, &row.did, "did")?;
    m::insert_trusted(conn, &row)?;
    fetcher().clear();
    Ok(row)
}

/// Replaces an entry (authorities only). Stored credentials of an issuer whose trust no
/// longer covers them stop grounding recognitions at once (see [`retrust`]). Run it in a
/// write transaction.
pub fn update_trusted(
    conn: &mut DbConnection,
    base_url: &str,
    p: Option<&Principal>,
    key: &str,
    input: &TrustedIssuerInput,
) -> AppResult<TrustedIssuerRow> {
    if let Some(p) = p {
        p.ensure(policy::may_edit_trusted_issuers(p), "edit the trusted-issuer list (platform and province admins only)")?;
    }
    let old = m::find_trusted(conn, key)?;
    let row = row_from(old.id.clone(), old.added_by.clone(), old.created_at.clone(), input)?;
    refuse_own(base_url, &row.did, "did")?;
    m::update_trusted(conn, &row)?;
    retrust(conn, &old.did)?;
    if row.did != old.did {
        retrust(conn, &row.did)?;
    }
    fetcher().clear();
    Ok(row)
}

/// Removes an issuer from the list (authorities only): its credentials kept in accounts read
/// `untrusted` from now on and the recognitions resting on them are suspended. Run it in a
/// write transaction.
pub fn delete_trusted(conn: &mut DbConnection, p: Option<&Principal>, key: &str) -> AppResult<TrustedIssuerRow> {
    if let Some(p) = p {
        p.ensure(policy::may_edit_trusted_issuers(p), "edit the trusted-issuer list (platform and province admins only)")?;
    }
    let row = m::find_trusted(conn, key)?;
    m::delete_trusted(conn, &row.id)?;
    retrust(conn, &row.did)?;
    fetcher().clear();
    Ok(row)
}

/// After the list changed for `did`: every kept credential of that issuer that the list no
/// longer covers becomes `untrusted` at once, and the recognitions resting on it are
/// suspended. (A credential the list now covers stays as it is until the next re-check,
/// which verifies it: trust alone does not make it valid.)
fn retrust(conn: &mut DbConnection, did: &str) -> AppResult<usize> {
    let entry = m::trusted_for(conn, did)?;
    let rows: Vec<ExternalRow> = external_credentials::table
        .filter(external_credentials::issuer_did.eq(did))
        .filter(external_credentials::trusted.eq(true))
        .select(ExternalRow::as_select())
        .load(conn)?;
    let mut changed = 0;
    for row in rows {
        let issued_on = row.issued_on.parse::<NaiveDate>().ok();
        let still = entry.as_ref().is_some_and(|e| issued_on.is_some_and(|d| e.covers(d)) && e.allows(row.achievement_type.as_deref()));
        if still {
            continue;
        }
        let mut checks: Vec<EvidenceCheck> = serde_json::from_str(&row.checks).unwrap_or_default();
        checks.retain(|c| c.name != "issuer_trust");
        checks.push(EvidenceCheck {
            name: "issuer_trust".into(),
            passed: false,
            detail: format!("{did} is no longer trusted for this credential"),
        });
        let checks = serde_json::to_string(&checks).map_err(|e| AppError::Internal(e.to_string()))?;
        m::record_check(conn, &row.id, &row.json, false, ExternalState::Untrusted.as_ref(), &checks, &now())?;
        crate::services::applications::source_status_changed(
            conn,
            SourceKind::External,
            &row.id,
            false,
            &format!("{}: its issuer {did} is no longer trusted", row.achievement_name),
        )?;
        changed += 1;
    }
    Ok(changed)
}

/// The list as the API shows it.
pub fn list_views(conn: &mut DbConnection) -> AppResult<Vec<TrustedIssuerView>> {
    let rows = m::list_trusted(conn)?;
    Ok(m::trusted_views(conn, rows)?)
}

/// One entry as the API shows it.
pub fn view(conn: &mut DbConnection, row: TrustedIssuerRow) -> AppResult<TrustedIssuerView> {
    m::trusted_views(conn, vec![row])?.pop().ok_or_else(|| AppError::Internal("trusted issuer view".into()))
}

// ---------------------------------------------------------------- fetching

/// The server's fetcher for trusted issuers' documents: [`HttpResolver::for_server`] (https
/// only, no redirects, timeout, size limit) behind a cache whose entries live
/// `RONGTONG_TRUST_CACHE_SECS`. It fetches only what a [`ScopedResolver`] lets through.
pub struct TrustedFetcher {
    http: HttpResolver,
    ttl: Duration,
    cache: Mutex<HashMap<String, (Instant, Value)>>,
}

impl std::fmt::Debug for TrustedFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedFetcher").field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

/// Most documents cached (then the cache empties and refills with those in use).
const CACHE_CAPACITY: usize = 1024;

impl TrustedFetcher {
    /// A fetcher with these settings.
    pub fn new(config: &TrustConfig) -> Self {
        TrustedFetcher {
            http: HttpResolver::for_server(config.mirrors.clone(), config.timeout, config.max_bytes),
            ttl: config.cache_ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Value)>> {
        // One map call per lock: a poisoned map is still consistent.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The document at `url`: from the cache if fetched after `not_before` (default: within
    /// the TTL), else fetched now.
    fn get(&self, url: &str, not_before: Option<Instant>) -> rongtong_credentials::Result<Value> {
        let fresh_after = not_before.or_else(|| Instant::now().checked_sub(self.ttl));
        if let Some((at, doc)) = self.lock().get(url).cloned()
            && fresh_after.is_none_or(|t| at >= t)
        {
            return Ok(doc);
        }
        let doc = self.http.get(url)?;
        let mut cache = self.lock();
        if cache.len() >= CACHE_CAPACITY && !cache.contains_key(url) {
            cache.clear();
        }
        cache.insert(url.to_string(), (Instant::now(), doc.clone()));
        Ok(doc)
    }

    /// Forgets every cached document (the list changed).
    pub fn clear(&self) {
        self.lock().clear();
    }
}

static FETCHER: OnceLock<TrustedFetcher> = OnceLock::new();

/// Sets up the process's fetcher from `config` (`serve` does at start-up, so a bad
/// `RONGTONG_TRUST_*` value stops it there). Returns false when it was already set up.
pub fn init(config: &TrustConfig) -> bool {
    FETCHER.set(TrustedFetcher::new(config)).is_ok()
}

/// The process's fetcher, set up from the environment on first use if [`init`] was not
/// called (commands, tests); a bad variable is logged and the defaults used.
pub fn fetcher() -> &'static TrustedFetcher {
    FETCHER.get_or_init(|| {
        let config = TrustConfig::from_env().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "trusted-issuer fetching uses the defaults");
            TrustConfig::default()
        });
        TrustedFetcher::new(&config)
    })
}

/// A [`Resolver`] that lets through only the URLs one verification may fetch (the trusted
/// issuer's DID document, then its status lists); anything else is refused without a
/// connection.
struct ScopedResolver<'f> {
    fetcher: &'f TrustedFetcher,
    allowed: Vec<String>,
    not_before: Option<Instant>,
    /// A permitted fetch failed (network, size, not JSON): the verdict is not the issuer's.
    failed: Cell<bool>,
}

impl Resolver for ScopedResolver<'_> {
    fn get(&self, url: &str) -> rongtong_credentials::Result<Value> {
        let url = url.split('#').next().unwrap_or_default();
        if !self.allowed.iter().any(|a| a == url) {
            return Err(rongtong_credentials::Error::Resolve {
                url: url.to_string(),
                reason: "not fetched: only a trusted issuer's DID document and its own status lists are".into(),
            });
        }
        let r = self.fetcher.get(url, self.not_before);
        if r.is_err() {
            self.failed.set(true);
        }
        r
    }
}

/// The host of an https URL.
fn host_of(url: &str) -> Option<&str> {
    url.strip_prefix("https://")?.split(['/', '?', '#']).next().filter(|h| !h.is_empty())
}

/// The status-list URLs of a credential that its (trusted) issuer may have us fetch: https,
/// and for a did:web issuer on the host of its DID document.
fn status_urls(vc: &Value, issuer: &str) -> Vec<String> {
    let did_host = rongtong_credentials::did::did_web_to_url(issuer).ok().and_then(|u| host_of(&u).map(str::to_string));
    let entries = match vc.get("credentialStatus") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
        None => vec![],
    };
    entries
        .into_iter()
        .filter_map(|e| e.get("statusListCredential").and_then(Value::as_str))
        .filter(|u| match (&did_host, host_of(u)) {
            (Some(d), Some(h)) => d == h,
            (None, Some(_)) => issuer.starts_with("did:key:"),
            _ => false,
        })
        .map(|u| u.split('#').next().unwrap_or_default().to_string())
        .collect()
}

// ---------------------------------------------------------------- verifying

/// Where a kept external credential stands, from its last check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, strum::Display, strum::EnumString, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ExternalState {
    /// Every check passed: it can ground a recognition.
    Valid,
    /// Its issuer is not on the trusted list (for its issue date and kind): kept, never
    /// fetched, never grounds a recognition.
    Untrusted,
    /// Its issuer's revocation list says so.
    Revoked,
    /// Its issuer's suspension list says so.
    Suspended,
    /// Past its `validUntil`.
    Expired,
    /// Another check failed (proof, key, kind…).
    Invalid,
}

/// What a credential says about itself, as kept.
#[derive(Debug, Clone)]
struct Facts {
    credential_id: String,
    issuer_did: String,
    issuer_name: Option<String>,
    achievement_id: String,
    achievement_name: String,
    achievement_type: Option<String>,
    level: Option<i32>,
    issued_on: NaiveDate,
    valid_until: Option<String>,
}

/// The national skill level an OBv3 achievement states (as Rongtong's skill-level
/// certificates do, `credentials::obv3`): the subject's result pointing at the
/// `RubricCriterionLevel` description, its `achievedLevel` one of that rubric's levels.
fn level_of(subject: &Value) -> Option<i32> {
    let list = |v: &Value| -> Vec<Value> {
        match v {
            Value::Array(a) => a.clone(),
            Value::Null => vec![],
            other => vec![other.clone()],
        }
    };
    let descriptions = list(&subject["achievement"]["resultDescription"]);
    let d = descriptions.iter().find(|d| d["resultType"] == "RubricCriterionLevel")?;
    let id = d["id"].as_str()?;
    let results = list(&subject["result"]);
    let achieved = results.iter().find(|r| r["resultDescription"].as_str() == Some(id))?["achievedLevel"].as_str()?.to_string();
    let level = list(&d["rubricCriterionLevel"]).into_iter().find(|l| l["id"].as_str() == Some(&achieved))?;
    let n: u8 = level["level"].as_str()?.parse().ok()?;
    rongtong_catalog::SkillLevel::new(n).ok().map(|l| i32::from(l.number()))
}

/// Reads what a credential must state to be kept; a 422 on `field` naming what is missing.
fn facts(vc: &Value, field: &str) -> AppResult<Facts> {
    let bad = |what: &str| AppError::invalid(field, format!("well_formed: {what}"));
    let credential_id = vc.get("id").and_then(Value::as_str).ok_or_else(|| bad("the credential has no `id`"))?.to_string();
    let issuer_did = rongtong_credentials::verify::issuer_id(vc).ok_or_else(|| bad("no issuer"))?.to_string();
    let subject = match vc.get("credentialSubject") {
        Some(s @ Value::Object(_)) => s,
        _ => return Err(bad("one credentialSubject object")),
    };
    let achievement = subject.get("achievement").ok_or_else(|| bad("credentialSubject.achievement missing"))?;
    let achievement_id = achievement.get("id").and_then(Value::as_str).ok_or_else(|| bad("achievement.id missing"))?.to_string();
    let achievement_name = achievement
        .get("name")
        .and_then(Value::as_str)
        .or_else(|| vc.get("name").and_then(Value::as_str))
        .ok_or_else(|| bad("achievement.name missing"))?
        .to_string();
    let issued_on = vc
        .get("validFrom")
        .and_then(Value::as_str)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc).date_naive())
        .ok_or_else(|| bad("validFrom missing or not a date-time"))?;
    let key = OutcomeKey::External { issuer: issuer_did.clone(), achievement: achievement_id.clone() };
    if let Err(e) = key.to_string().parse::<OutcomeKey>() {
        return Err(bad(&format!("its achievement cannot be cited as {key}: {e}")));
    }
    Ok(Facts {
        credential_id,
        issuer_name: vc.pointer("/issuer/name").and_then(Value::as_str).map(str::to_string),
        achievement_type: achievement.get("achievementType").and_then(Value::as_str).map(str::to_string),
        level: level_of(subject),
        valid_until: vc.get("validUntil").and_then(Value::as_str).map(str::to_string),
        issuer_did,
        achievement_id,
        achievement_name,
        issued_on,
    })
}

/// The outcome of verifying an external credential.
#[derive(Debug, Clone)]
struct Verdict {
    trusted: bool,
    state: ExternalState,
    checks: Vec<EvidenceCheck>,
    /// Checks that fail even without trust: the document is malformed or (did:key) forged.
    broken: Vec<String>,
    /// A permitted fetch failed: the verdict says nothing about the issuer's view.
    unreachable: bool,
}

fn check(name: &str, passed: bool, detail: impl Into<String>) -> EvidenceCheck {
    EvidenceCheck { name: name.into(), passed, detail: detail.into() }
}

fn from_report(r: rongtong_credentials::VerificationReport) -> Vec<EvidenceCheck> {
    r.checks.into_iter().map(|c| check(c.name, c.passed, c.detail)).collect()
}

/// The state a set of checks amounts to.
fn state_of(checks: &[EvidenceCheck]) -> ExternalState {
    let failed = |n: &str| checks.iter().find(|c| c.name == n && !c.passed);
    if ["context", "well_formed", "json_ld", "issuer_key", "proof", "achievement_type"].iter().any(|n| failed(n).is_some()) {
        return ExternalState::Invalid;
    }
    if let Some(c) = failed("status") {
        return if c.detail.starts_with("revoked") {
            ExternalState::Revoked
        } else if c.detail.starts_with("suspended") {
            ExternalState::Suspended
        } else {
            ExternalState::Invalid
        };
    }
    if let Some(c) = failed("dates") {
        return if c.detail.starts_with("expired") { ExternalState::Expired } else { ExternalState::Invalid };
    }
    if failed("issuer_trust").is_some() {
        return ExternalState::Untrusted;
    }
    ExternalState::Valid
}

/// The verdict on a credential of an issuer the list does not cover: checked offline only (a
/// did:key proof can still be checked; a did:web document is never fetched).
fn untrusted(vc: &Value, f: &Facts, entry: Option<&TrustedIssuerRow>, now: chrono::DateTime<chrono::Utc>) -> Verdict {
    let options = VerifyOptions { skip_status: true, ..VerifyOptions::obv3() };
    let mut checks = from_report(rongtong_credentials::verify(vc, &NoResolver, now, &options));
    let web = !f.issuer_did.starts_with("did:key:");
    if web {
        for c in checks.iter_mut().filter(|c| c.name == "issuer_key" || c.name == "proof") {
            c.passed = false;
            c.detail = "not checked: the issuer is not trusted, so its DID document is never fetched".into();
        }
    }
    let broken = checks
        .iter()
        .filter(|c| !c.passed && (["context", "well_formed", "json_ld"].contains(&c.name.as_str()) || (!web && c.name != "dates")))
        .map(|c| format!("{}: {}", c.name, c.detail))
        .collect();
    let why = match entry {
        Some(e) => format!(
            "{} is trusted only for credentials issued {} to {}, not on {}",
            f.issuer_did,
            e.valid_from,
            e.valid_until.as_deref().unwrap_or("(open)"),
            f.issued_on
        ),
        None => format!("{} is not on this registry's trusted-issuer list", f.issuer_did),
    };
    checks.push(check("issuer_trust", false, why));
    Verdict { trusted: false, state: ExternalState::Untrusted, checks, broken, unreachable: false }
}

/// Verifies an external credential (see the module docs for what is fetched).
/// `not_before`: reuse no document fetched before this instant (a re-check's start).
fn judge(vc: &Value, f: &Facts, entry: Option<&TrustedIssuerRow>, not_before: Option<Instant>) -> Verdict {
    let now = chrono::Utc::now();
    let Some(entry) = entry.filter(|e| e.covers(f.issued_on)) else { return untrusted(vc, f, entry, now) };
    let did_doc: Vec<String> = rongtong_credentials::did::did_web_to_url(&f.issuer_did).into_iter().collect();
    let scoped = |allowed: Vec<String>| ScopedResolver { fetcher: fetcher(), allowed, not_before, failed: Cell::new(false) };
    // First the proof (the DID document only); the status lists only for a credential that
    // is what its issuer signed.
    let first_resolver = scoped(did_doc.clone());
    let first = rongtong_credentials::verify(vc, &first_resolver, now, &VerifyOptions { skip_status: true, ..VerifyOptions::obv3() });
    let mut unreachable = first_resolver.failed.get();
    let mut checks = if first.checks.iter().any(|c| !c.passed && c.name != "dates") {
        let mut c = from_report(first);
        c.push(check("status", false, "not checked: the credential does not verify"));
        c
    } else {
        let mut allowed = did_doc;
        allowed.extend(status_urls(vc, &f.issuer_did));
        let second = scoped(allowed);
        let r = rongtong_credentials::verify(vc, &second, now, &VerifyOptions::obv3());
        unreachable |= second.failed.get();
        from_report(r)
    };
    let allows = entry.allows(f.achievement_type.as_deref());
    checks.push(check(
        "achievement_type",
        allows,
        if allows {
            format!("{} may issue {}", entry.name, f.achievement_type.as_deref().unwrap_or("(untyped achievements)"))
        } else {
            format!(
                "{} is trusted for {} only, not {}",
                entry.name,
                entry.types().join(", "),
                f.achievement_type.as_deref().unwrap_or("an achievement without achievementType")
            )
        },
    ));
    checks.push(check("issuer_trust", true, format!("{} ({}) is on the trusted-issuer list", f.issuer_did, entry.name)));
    let state = state_of(&checks);
    Verdict { trusted: true, state, checks, broken: Vec::new(), unreachable }
}

// ---------------------------------------------------------------- holder binding

fn is_presentation(doc: &Value) -> bool {
    match doc.get("type") {
        Some(Value::String(t)) => t == "VerifiablePresentation",
        Some(Value::Array(a)) => a.iter().any(|t| t == "VerifiablePresentation"),
        _ => false,
    }
}

/// The credential inside an upload, and the proof that it is the learner's (see the module
/// docs): a presentation signed by the credential's subject (a did:key, resolved offline)
/// with `domain` this registry's base URL and `challenge` the learner's username, or a bare
/// credential whose subject is the learner's own holder DID here.
fn unwrap_holder(
    conn: &mut DbConnection,
    base_url: &str,
    learner: &UserView,
    doc: &Value,
    field: &str,
) -> AppResult<(Value, EvidenceCheck)> {
    let holder_err = |why: String| AppError::invalid(field, format!("holder: {why}"));
    let subject_of = |vc: &Value| vc.pointer("/credentialSubject/id").and_then(Value::as_str).map(str::to_string);
    if is_presentation(doc) {
        let creds = match doc.get("verifiableCredential") {
            Some(Value::Array(a)) => a.clone(),
            Some(v @ Value::Object(_)) => vec![v.clone()],
            _ => vec![],
        };
        if creds.len() != 1 {
            return Err(AppError::invalid(format!("{field}.verifiableCredential"), "present exactly one credential per upload"));
        }
        let holder = doc.get("holder").and_then(Value::as_str).unwrap_or_default().to_string();
        if !holder.starts_with("did:key:") {
            return Err(holder_err(format!(
                "the presentation's holder must be a did:key (got `{holder}`): a holder's did:web would be fetched on a caller's say-so"
            )));
        }
        let options = PresentationOptions {
            challenge: learner.username.clone(),
            domain: Some(base_url.to_string()),
            credentials: VerifyOptions { skip_status: true, ..VerifyOptions::obv3() },
        };
        let report = rongtong_credentials::verify_presentation(doc, &NoResolver, chrono::Utc::now(), &options);
        let failed: Vec<String> =
            report.checks.iter().filter(|c| !c.passed && c.name != "credentials").map(|c| format!("{}: {}", c.name, c.detail)).collect();
        if !failed.is_empty() {
            return Err(holder_err(format!(
                "the presentation does not verify (it must be signed by the holder with challenge `{}` and domain `{base_url}`): {}",
                learner.username,
                failed.join("; ")
            )));
        }
        let vc = creds.into_iter().next().unwrap_or_default();
        match subject_of(&vc) {
            Some(s) if s == holder => {
                Ok((vc, check("holder", true, format!("presented by its subject {holder}, for {} at {base_url}", learner.username))))
            }
            Some(s) => Err(holder_err(format!("the credential was issued to {s}, not to the presentation's holder {holder}"))),
            None => Err(holder_err("the credential names no subject DID, so no presentation can show it is yours".into())),
        }
    } else {
        let own = crate::models::credentials::learner_dids(conn, std::slice::from_ref(&learner.id))?.remove(&learner.id);
        match (subject_of(doc), own) {
            (Some(s), Some(own)) if s == own => {
                Ok((doc.clone(), check("holder", true, format!("its subject is your holder DID here ({own})"))))
            }
            _ => Err(holder_err(format!(
                "a bare credential cannot show it is yours: send a VerifiablePresentation of it signed by its subject, with challenge `{}` and domain `{base_url}`",
                learner.username
            ))),
        }
    }
}

// ---------------------------------------------------------------- keeping

/// An upload that verified, ready to store.
#[derive(Debug, Clone)]
pub struct Verified {
    learner_id: String,
    vc: Value,
    facts: Facts,
    /// The issuer was trusted for it.
    pub trusted: bool,
    state: ExternalState,
    checks: Vec<EvidenceCheck>,
}

/// Verifies an upload for `learner` (the document is a presentation or a credential; `field`
/// names it in errors). Fetches only for a trusted issuer; refuses — 422 on `field`, naming
/// the failed checks — a credential of a trusted issuer that fails any check, a malformed
/// or (did:key) forged one of any issuer, a wrong holder, and one issued by this registry.
/// Writes nothing: call outside a transaction, then [`store`] in one.
pub fn verify_upload(conn: &mut DbConnection, base_url: &str, learner: &UserView, doc: &Value, field: &str) -> AppResult<Verified> {
    if !doc.is_object() {
        return Err(AppError::invalid(field, "a VerifiablePresentation (or a credential) as a JSON object"));
    }
    let (vc, holder) = unwrap_holder(conn, base_url, learner, doc, field)?;
    let f = facts(&vc, field)?;
    if is_own(base_url, &f.issuer_did) {
        return Err(AppError::invalid(field, "issued by this registry: cite it as {\"credential\": id} instead"));
    }
    let entry = m::trusted_for(conn, &f.issuer_did)?;
    let verdict = judge(&vc, &f, entry.as_ref(), None);
    let failed: Vec<String> = if verdict.trusted {
        verdict.checks.iter().filter(|c| !c.passed).map(|c| format!("{}: {}", c.name, c.detail)).collect()
    } else {
        verdict.broken.clone()
    };
    if !failed.is_empty() {
        return Err(AppError::invalid(field, format!("failed: {}", failed.join("; "))));
    }
    let mut checks = verdict.checks;
    checks.push(holder);
    Ok(Verified { learner_id: learner.id.clone(), vc, facts: f, trusted: verdict.trusted, state: verdict.state, checks })
}

/// Keeps a verified upload in the learner's account: a new row, or the same credential's row
/// brought up to date. Returns the row and whether it is new. Run it in a write transaction.
pub fn store(conn: &mut DbConnection, v: &Verified) -> AppResult<(ExternalRow, bool)> {
    let json = v.vc.to_string();
    let checks = serde_json::to_string(&v.checks).map_err(|e| AppError::Internal(e.to_string()))?;
    let at = now();
    if let Some(old) = m::find_external_by_credential(conn, &v.learner_id, &v.facts.credential_id)? {
        if old.issuer_did != v.facts.issuer_did || old.achievement_id != v.facts.achievement_id {
            return Err(AppError::conflict("credential", "another credential with this id is already in this account"));
        }
        let was = old.trusted && old.state == ExternalState::Valid.as_ref();
        m::record_check(conn, &old.id, &json, v.trusted, v.state.as_ref(), &checks, &at)?;
        let is = v.trusted && v.state == ExternalState::Valid;
        if was != is {
            crate::services::applications::source_status_changed(
                conn,
                SourceKind::External,
                &old.id,
                is,
                &format!("{} is {}", old.achievement_name, v.state),
            )?;
        }
        let row = m::external_by_id(conn, &old.id)?.ok_or_else(|| AppError::Internal("external credential vanished".into()))?;
        return Ok((row, false));
    }
    let f = &v.facts;
    let row = ExternalRow {
        id: new_id(),
        learner_id: v.learner_id.clone(),
        credential_id: f.credential_id.clone(),
        issuer_did: f.issuer_did.clone(),
        issuer_name: f.issuer_name.clone(),
        achievement_id: f.achievement_id.clone(),
        achievement_name: f.achievement_name.clone(),
        achievement_type: f.achievement_type.clone(),
        level: f.level,
        json,
        trusted: v.trusted,
        state: v.state.as_ref().to_string(),
        checks,
        issued_on: f.issued_on.to_string(),
        valid_until: f.valid_until.clone(),
        checked_at: at.clone(),
        created_at: at,
    };
    m::insert_external(conn, &row)?;
    Ok((row, true))
}

/// An external credential as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExternalView {
    /// Its id in the account (what `{"external": id}` evidence names).
    pub id: String,
    /// The credential's own id.
    pub credential_id: String,
    /// The issuer's DID.
    pub issuer: String,
    /// The issuer's name, as the credential states it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_name: Option<String>,
    /// The outcome key a rule cites: `external:{issuer}#{achievement_id}`.
    pub outcome: String,
    /// `credentialSubject.achievement.id`.
    pub achievement_id: String,
    /// The achievement's name.
    pub achievement_name: String,
    /// Its OBv3 `achievementType`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub achievement_type: Option<String>,
    /// The national skill level (1–5) it states.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<i32>,
    /// The issuer was trusted for it when last checked.
    pub trusted: bool,
    /// `valid`, `untrusted`, `revoked`, `suspended`, `expired` or `invalid`.
    pub state: String,
    /// Each check of the last verification.
    pub checks: Vec<EvidenceCheck>,
    /// Issue date (`validFrom`).
    pub issued_on: String,
    /// `validUntil`, if it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// When last checked.
    pub checked_at: String,
    /// When stored.
    pub created_at: String,
    /// The credential itself (on `GET …/{id}` and the upload's answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub credential: Option<Value>,
}

/// A row as the API shows it.
pub fn external_view(row: ExternalRow, with_json: bool) -> ExternalView {
    ExternalView {
        outcome: OutcomeKey::External { issuer: row.issuer_did.clone(), achievement: row.achievement_id.clone() }.to_string(),
        checks: serde_json::from_str(&row.checks).unwrap_or_default(),
        credential: with_json.then(|| serde_json::from_str(&row.json).unwrap_or(Value::Null)),
        id: row.id,
        credential_id: row.credential_id,
        issuer: row.issuer_did,
        issuer_name: row.issuer_name,
        achievement_id: row.achievement_id,
        achievement_name: row.achievement_name,
        achievement_type: row.achievement_type,
        level: row.level,
        trusted: row.trusted,
        state: row.state,
        issued_on: row.issued_on,
        valid_until: row.valid_until,
        checked_at: row.checked_at,
        created_at: row.created_at,
    }
}

/// The learner an `…/learners/{username}/external-credentials` path names (404 when none).
pub fn learner_of(conn: &mut DbConnection, username: &str) -> AppResult<UserView> {
    let u = accounts::find_user(conn, username)?;
    if u.role != "learner" {
        return Err(AppError::NotFound(format!("learner {username}")));
    }
    Ok(u)
}

/// Removes an external credential from the learner's account (the learner only); one an
/// application cites is a 409 (the decision rests on it).
pub fn remove_external(conn: &mut DbConnection, p: &Principal, learner: &UserView, id: &str) -> AppResult<()> {
    p.ensure(policy::may_act_as_learner(p, &learner.id), "change another learner's account")?;
    let row = m::find_external(conn, &learner.id, id)?;
    if m::external_is_cited(conn, &row.id)? {
        return Err(AppError::conflict("id", "a recognition application cites this credential; it stays in the account"));
    }
    m::delete_external(conn, &row.id)?;
    Ok(())
}

// ---------------------------------------------------------------- re-checking

/// What a re-check found.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct RecheckReport {
    /// External credentials checked.
    pub checked: usize,
    /// Whose state or trust changed.
    pub changed: usize,
    /// Left as they were because a trusted issuer's document could not be fetched.
    pub unreachable: usize,
    /// Recognitions suspended because a source stopped being in force.
    pub suspended: usize,
    /// Recognitions reinstated because every source is in force again.
    pub reinstated: usize,
    /// One line per credential whose state changed.
    pub changes: Vec<RecheckChange>,
}

/// One credential whose state changed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecheckChange {
    /// Its id in the account.
    pub id: String,
    /// The credential's own id.
    pub credential_id: String,
    /// Its issuer.
    pub issuer: String,
    /// State before.
    pub before: String,
    /// State now.
    pub after: String,
}

/// Verifies every kept external credential again, fetching each trusted issuer's documents
/// afresh (once per run), and records the result; the recognitions resting on a credential
/// that stopped (or resumed) being in force are suspended (or reinstated) in the same
/// transaction as its new state. A credential whose issuer could not be reached keeps its
/// state (a network failure is not a revocation). The holder check of the upload is kept.
/// Each credential is its own transaction; the fetching happens outside them.
pub fn recheck(conn: &mut DbConnection) -> AppResult<RecheckReport> {
    let start = Instant::now();
    let mut report = RecheckReport::default();
    let mut entries: HashMap<String, Option<TrustedIssuerRow>> = HashMap::new();
    for id in m::all_external_ids(conn)? {
        let Some(row) = m::external_by_id(conn, &id)? else { continue };
        report.checked += 1;
        let vc: Value = serde_json::from_str(&row.json).map_err(|e| AppError::Internal(format!("external credential {id}: {e}")))?;
        let entry = match entries.get(&row.issuer_did) {
            Some(e) => e.clone(),
            None => {
                let e = m::trusted_for(conn, &row.issuer_did)?;
                entries.insert(row.issuer_did.clone(), e.clone());
                e
            }
        };
        let f = match facts(&vc, "credential") {
            Ok(f) => f,
            Err(e) => return Err(AppError::Internal(format!("external credential {id} no longer reads: {e}"))),
        };
        let verdict = judge(&vc, &f, entry.as_ref(), Some(start));
        if verdict.unreachable {
            report.unreachable += 1;
            continue;
        }
        let mut checks = verdict.checks;
        let old_checks: Vec<EvidenceCheck> = serde_json::from_str(&row.checks).unwrap_or_default();
        checks.extend(old_checks.into_iter().filter(|c| c.name == "holder"));
        let checks_json = serde_json::to_string(&checks).map_err(|e| AppError::Internal(e.to_string()))?;
        let was = row.trusted && row.state == ExternalState::Valid.as_ref();
        let is = verdict.trusted && verdict.state == ExternalState::Valid;
        let changed = row.trusted != verdict.trusted || row.state != verdict.state.as_ref();
        let moved = crate::db::write_transaction(conn, |c| -> AppResult<usize> {
            m::record_check(c, &row.id, &row.json, verdict.trusted, verdict.state.as_ref(), &checks_json, &now())?;
            if was == is {
                return Ok(0);
            }
            let why = if verdict.trusted {
                format!("{} from {} is {}", row.achievement_name, row.issuer_did, verdict.state)
            } else {
                format!("{}: its issuer {} is no longer trusted", row.achievement_name, row.issuer_did)
            };
            crate::services::applications::source_status_changed(c, SourceKind::External, &row.id, is, &why)
        })?;
        if is {
            report.reinstated += moved;
        } else {
            report.suspended += moved;
        }
        if changed {
            report.changed += 1;
            report.changes.push(RecheckChange {
                id: row.id.clone(),
                credential_id: row.credential_id.clone(),
                issuer: row.issuer_did.clone(),
                before: row.state.clone(),
                after: verdict.state.to_string(),
            });
        }
    }
    Ok(report)
}

// ---------------------------------------------------------------- as evidence

/// An external credential kept in the learner's account, as evidence (`field` names it in
/// errors): it must be the learner's, from a trusted issuer, and valid when last checked.
fn kept_evidence(conn: &mut DbConnection, learner_id: &str, field: &str, id: &str) -> AppResult<CheckedEvidence> {
    let row = m::find_external(conn, learner_id, id).map_err(|e| match e {
        AppError::NotFound(_) => AppError::invalid(field, format!("no external credential {id} in the applicant's account")),
        other => other,
    })?;
    if !row.trusted {
        return Err(AppError::invalid(
            field,
            format!("issuer_trust: {} is not a trusted issuer; its credentials never ground a recognition", row.issuer_did),
        ));
    }
    if row.state != ExternalState::Valid.as_ref() {
        return Err(AppError::invalid(field, format!("status: this credential is {}", row.state)));
    }
    let checks: Vec<EvidenceCheck> = serde_json::from_str(&row.checks).unwrap_or_default();
    Ok(CheckedEvidence {
        kind: SourceKind::External,
        outcome: OutcomeKey::External { issuer: row.issuer_did, achievement: row.achievement_id },
        level: row.level.and_then(|l| u8::try_from(l).ok()).and_then(|l| rongtong_catalog::SkillLevel::new(l).ok()),
        name: row.achievement_name,
        issued_on: row.issued_on.parse().map_err(|_| AppError::Internal(format!("external credential {field}: bad issue date")))?,
        source_id: row.id,
        checks,
    })
}

/// An external credential (position `i` of an application's evidence), by its id in the
/// learner's account: it must be the learner's, from a trusted issuer, and valid.
pub fn external_evidence(
    conn: &mut DbConnection,
    _ctx: IssueContext<'_>,
    learner_id: &str,
    i: usize,
    id: &str,
) -> AppResult<CheckedEvidence> {
    kept_evidence(conn, learner_id, &format!("evidence[{i}].external"), id)
}

/// A credential document not issued here (position `i` of an application's evidence): a
/// presentation of it signed by its subject (or a bare credential whose subject is the
/// learner's holder DID here), verified as an upload ([`verify_upload`]), kept in the
/// learner's account, then used. An untrusted issuer's is refused (`issuer_trust`). Runs in
/// the application's transaction, so a refused application keeps nothing; the issuer's
/// documents are fetched inside it (bounded by `RONGTONG_TRUST_TIMEOUT_SECS`, usually cached).
pub fn document_evidence(
    conn: &mut DbConnection,
    ctx: IssueContext<'_>,
    learner_id: &str,
    i: usize,
    doc: &Value,
) -> AppResult<CheckedEvidence> {
    let field = format!("evidence[{i}].document");
    let learner = accounts::find_user(conn, learner_id)?;
    let verified = verify_upload(conn, ctx.base_url, &learner, doc, &field)?;
    if !verified.trusted {
        let issuer = &verified.facts.issuer_did;
        return Err(AppError::invalid(
            &field,
            format!("issuer_trust: {issuer} is not a trusted issuer; its credentials never ground a recognition"),
        ));
    }
    let (row, _) = store(conn, &verified)?;
    kept_evidence(conn, learner_id, &field, &row.id)
}

/// Whether a document is a presentation (applications hand those to [`document_evidence`]).
pub fn is_presentation_document(doc: &Value) -> bool {
    is_presentation(doc)
}

/// Why an external credential is not in force (`None` when it is).
pub fn external_not_in_force(conn: &mut DbConnection, id: &str) -> AppResult<Option<&'static str>> {
    let (trusted, state): (bool, String) =
        external_credentials::table.find(id).select((external_credentials::trusted, external_credentials::state)).first(conn)?;
    Ok(match (trusted, state.parse::<ExternalState>()) {
        (true, Ok(ExternalState::Valid)) => None,
        (false, _) => Some("from an issuer no longer trusted"),
        (_, Ok(ExternalState::Revoked)) => Some("revoked"),
        (_, Ok(ExternalState::Suspended)) => Some("suspended"),
        (_, Ok(ExternalState::Expired)) => Some("expired"),
        _ => Some("not valid"),
    })
}

/// The external credential's own id (what a recognition's `evidence` cites).
pub fn external_credential_id(conn: &mut DbConnection, id: &str) -> AppResult<String> {
    Ok(external_credentials::table.find(id).select(external_credentials::credential_id).first(conn)?)
}

/// Whether `did` is on the trusted list today (a rule may cite its achievements).
pub fn is_trusted_today(conn: &mut DbConnection, did: &str) -> AppResult<bool> {
    let today = chrono::Utc::now().date_naive();
    Ok(m::trusted_for(conn, did)?
        .is_some_and(|e| e.valid_until.as_deref().and_then(|u| u.parse::<NaiveDate>().ok()).is_none_or(|u| today <= u)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(did: &str) -> TrustedIssuerInput {
        TrustedIssuerInput {
            did: did.into(),
            name: "广东省职业技能鉴定指导中心".into(),
            achievement_types: vec!["Certification".into()],
            valid_from: "2026-01-01".into(),
            valid_until: Some("2028-12-31".into()),
        }
    }

    #[test]
    fn an_entry_names_every_bad_field() {
        assert!(validate(&input("did:web:gd.example:orgs:gdeval")).is_ok());
        let mut bad = input("https://gd.example");
        bad.name = " ".into();
        bad.achievement_types = vec!["Diploma".into(), "Degreee".into(), "Diploma".into()];
        bad.valid_from = "2026-13-01".into();
        bad.valid_until = Some("2025-01-01".into());
        let e = validate(&bad).expect_err("refused");
        let fields: Vec<String> = e.errors.iter().map(|i| i.field.clone()).collect();
        for f in ["did", "name", "achievement_types[1]", "achievement_types[2]", "valid_from"] {
            assert!(fields.iter().any(|x| x == f), "{f} not named in {fields:?}");
        }
        let mut backwards = input("did:web:gd.example");
        backwards.valid_until = Some("2025-12-31".into());
        let e = validate(&backwards).expect_err("refused");
        assert_eq!(e.errors.iter().map(|i| i.field.as_str()).collect::<Vec<_>>(), ["valid_until"]);
    }

    #[test]
    fn status_lists_are_fetched_only_from_the_issuers_own_host() {
        let vc = serde_json::json!({"credentialStatus": [
            {"statusListCredential": "https://gd.example/status/1"},
            {"statusListCredential": "https://evil.example/status/1"},
            {"statusListCredential": "http://gd.example/status/2"},
        ]});
        assert_eq!(status_urls(&vc, "did:web:gd.example:orgs:gdeval"), ["https://gd.example/status/1"]);
        assert_eq!(status_urls(&vc, "did:web:other.example"), Vec::<String>::new());
    }

    #[test]
    fn the_state_follows_the_worst_failed_check() {
        let c = |n: &str, passed: bool, d: &str| check(n, passed, d);
        assert_eq!(state_of(&[c("proof", true, ""), c("status", true, "")]), ExternalState::Valid);
        assert_eq!(state_of(&[c("status", false, "revoked (https://x/status/1 index 3)")]), ExternalState::Revoked);
        assert_eq!(state_of(&[c("status", false, "suspended (…)")]), ExternalState::Suspended);
        assert_eq!(state_of(&[c("dates", false, "expired: validUntil …")]), ExternalState::Expired);
        assert_eq!(state_of(&[c("dates", false, "expired"), c("proof", false, "bad")]), ExternalState::Invalid);
    }
}
