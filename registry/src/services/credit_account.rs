//! The lifelong credit account (学分银行账户) and the CLR 2.0 transcript (issue 10 part 5).
//!
//! **The account** ([`account`]) lists every outcome a learner holds here — completion
//! records (with their training certificates), skill-level certificates, recognitions
//! (互认, with the rule and what they were converted from) and the credentials from other
//! systems kept in the account — each with its credits, date, provider and status, then the
//! totals by year, provider and kind and the conversions. Credits:
//!
//! * a passing completion (with or without its training certificate): the course's credits;
//! * a recognition: the rule's credits (also signed in the credential as `creditsEarned`);
//! * a skill-level certificate: 0 — the national skill standards state no credit value, and
//!   where a certificate is worth credits, a conversion rule says so (and the recognition
//!   carries them);
//! * an external credential: 0, listed (and marked when its issuer is not trusted).
//!
//! Only outcomes **in force** count towards the totals: a failed completion, a revoked or
//! suspended certificate, a suspended recognition (a source stopped being in force), an
//! expired certificate, an untrusted or invalid external credential are listed with their
//! status and `counts: false`. One course counts once: when a learner both completed a course
//! and had it recognised (or completed two versions), the earliest in-force outcome counts and
//! the others are listed with a note.
//!
//! **The transcript** ([`transcript`]) is a 1EdTech CLR 2.0 `ClrCredential` signed by the
//! platform's key (`did:web:<host>`): the learner's in-force credentials issued here embedded
//! whole (recognitions included), their achievements listed once, and each recognition as an
//! association from each source achievement to the recognised target:
//! `exactMatchOf` when one source exempts a course (it counts as the course, in full),
//! `isPartOf` otherwise (several sources that together meet the rule, or an assessment's
//! eligibility or exempted part). `POST /api/v1/verify` and `rongtong verify` check its
//! proof and every embedded credential's.
//!
//! Who may read either is `auth::policy::may_see_learner` (the learner and the admins of the
//! learner's region); the CLI acts as the local operator.

use std::collections::{BTreeMap, HashMap, HashSet};

use rongtong_catalog::{CompletionResult, OutcomeKey, RuleEffect};
use rongtong_credentials::clr::{self, Association, AssociationType, ClrSpec};
use rongtong_credentials::obv3::IssuerProfile;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::auth::{Principal, policy};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::accounts::{self, UserView};
use crate::models::credentials::CredentialKind;
use crate::models::credit_account::{self as m, CompletionRecord, CredentialRecord, ExternalRecord, RecognitionRecord};
use crate::services::credentials::issuance::{self, IssueContext};
use crate::services::credentials::keystore::{self, Owner};

/// The platform's name in the transcripts it signs.
pub const PLATFORM_NAME: &str = "融通学分银行平台 (Rongtong credit bank)";

/// What an account item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema, strum::Display, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ItemKind {
    /// A completion record without a training certificate (yet).
    Completion,
    /// A completion record with its training certificate (培训合格证书).
    TrainingCertificate,
    /// A vocational skill-level certificate (职业技能等级证书).
    SkillLevelCertificate,
    /// A recognition (互认) under a conversion rule.
    Recognition,
    /// A credential from another system kept in the account.
    ExternalCredential,
}

/// Whether an item is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, strum::Display, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ItemStatus {
    /// In force: counts towards the totals.
    InForce,
    /// A completion whose result is not a pass.
    NotPassed,
    /// Revoked by its issuer.
    Revoked,
    /// Suspended (a recognition: one of its sources is no longer in force).
    Suspended,
    /// Past its `validUntil`.
    Expired,
    /// An external credential whose issuer is not on the trusted list.
    Untrusted,
    /// An external credential that failed verification when last checked.
    Invalid,
}

/// The rule a recognition rests on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleRef {
    /// Rule id.
    pub id: String,
    /// Code, e.g. `JXOU-R-001`.
    pub code: String,
    /// Version.
    pub version: String,
    /// Title.
    pub title: String,
    /// Effect: `exempt_course`, `assessment_eligibility`, `exempt_assessment_part:theory` …
    pub effect: String,
    /// Credits the rule grants.
    pub credits: f64,
}

/// A source a recognition was converted from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceRef {
    /// `credential` (issued here) or `external`.
    pub kind: String,
    /// Its id (a credential id here, or the external credential's id in the account).
    pub source: String,
    /// The outcome it holds, e.g. `standard:6-31-01-10:4`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Its name.
    pub name: String,
}

/// One outcome in the account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountItem {
    /// What it is.
    pub kind: ItemKind,
    /// The credential's id (`urn:uuid:…`), else the completion's or external credential's id.
    pub id: String,
    /// Its name as shown to people.
    pub name: String,
    /// The outcome key it holds, e.g. `course:GYJQR-04`, `standard:6-31-01-10:4`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Credits (学分) it is worth.
    pub credits: f64,
    /// When it was earned (YYYY-MM-DD): completion, assessment, decision or issue date.
    pub date: String,
    /// Who provided or granted it: an organisation code, or an external issuer's DID.
    pub provider: String,
    /// The provider's name.
    pub provider_name: String,
    /// In force or why not.
    pub status: ItemStatus,
    /// Whether it counts towards the totals (in force, and not a course already counted).
    pub counts: bool,
    /// Why it does not count, or what to know about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Completions: the completion record's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion: Option<String>,
    /// Completions: the recorded result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The certificate number (证书编号).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_number: Option<String>,
    /// Recognitions: the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleRef>,
    /// Recognitions: the application.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    /// Recognitions: what it was converted from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub converted_from: Vec<SourceRef>,
    /// External credentials: whether the issuer was trusted when last checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted: Option<bool>,
}

/// Credits and counted items under one key.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Total {
    /// The year, provider code or kind.
    pub key: String,
    /// A name for people (the provider's), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Credits of the counted items.
    pub credits: f64,
    /// Counted items.
    pub items: usize,
}

/// The totals of the counted items.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Totals {
    /// All credits.
    pub credits: f64,
    /// Counted items.
    pub items: usize,
    /// By year, oldest first.
    pub by_year: Vec<Total>,
    /// By provider, by code.
    pub by_provider: Vec<Total>,
    /// By kind.
    pub by_kind: Vec<Total>,
}

/// One conversion: what was converted into what, under which rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Conversion {
    /// The recognition credential.
    pub credential: String,
    /// `CODE@VERSION` of the rule.
    pub rule: String,
    /// The rule's effect.
    pub effect: String,
    /// The sources.
    pub from: Vec<SourceRef>,
    /// The target outcome key.
    pub to: String,
    /// The target's name.
    pub to_name: String,
    /// Credits granted.
    pub credits: f64,
    /// In force or why not.
    pub status: ItemStatus,
}

/// A learner's lifelong credit account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    /// The learner's username.
    pub learner: String,
    /// Their name.
    pub display_name: String,
    /// Every outcome, oldest first.
    pub items: Vec<AccountItem>,
    /// Totals of the items that count.
    pub totals: Totals,
    /// The recognitions as conversions.
    pub conversions: Vec<Conversion>,
}

/// The learner `username` (a learner account; 404 otherwise), when `who` may see their
/// records (`policy::may_see_learner`; 403 otherwise). `who` `None`: the local operator.
pub fn visible_learner(conn: &mut DbConnection, who: Option<&Principal>, username: &str) -> AppResult<UserView> {
    let learner = accounts::find_user(conn, username)?;
    if learner.role != "learner" {
        return Err(AppError::NotFound(format!("learner {username}")));
    }
    if let Some(p) = who {
        let region = learner.region.as_deref().and_then(|r| r.parse().ok());
        p.ensure(
            policy::may_see_learner(p, &learner.id, region.as_ref()),
            &format!("see the credit account of learner {}", learner.username),
        )?;
    }
    Ok(learner)
}

/// The date part (YYYY-MM-DD) of an RFC 3339 timestamp or date.
fn day(ts: &str) -> String {
    ts.get(..10).unwrap_or(ts).to_string()
}

/// Whether a signed document's `validUntil` is past.
fn expired(doc: &Value, now: chrono::DateTime<chrono::Utc>) -> bool {
    doc.get("validUntil").and_then(Value::as_str).and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()).is_some_and(|t| t < now)
}

/// A stored credential's status (revoked, suspended, expired or in force).
fn credential_status(c: &CredentialRecord, doc: &Value, now: chrono::DateTime<chrono::Utc>) -> ItemStatus {
    if c.revoked {
        ItemStatus::Revoked
    } else if c.suspended {
        ItemStatus::Suspended
    } else if expired(doc, now) {
        ItemStatus::Expired
    } else {
        ItemStatus::InForce
    }
}

/// Everything about a learner's records the account and the transcript need, read with a
/// fixed number of queries.
struct Records {
    completions: Vec<CompletionRecord>,
    credentials: Vec<(CredentialRecord, Value)>,
    recognitions: Vec<RecognitionRecord>,
    sources: HashMap<String, Vec<SourceRef>>,
    external: Vec<ExternalRecord>,
}

fn load(conn: &mut DbConnection, learner_id: &str) -> AppResult<Records> {
    let completions = m::completions_of(conn, learner_id)?;
    let credentials = m::credentials_of(conn, learner_id)?
        .into_iter()
        .map(|c| {
            let doc = serde_json::from_str(&c.json).map_err(|e| AppError::Internal(format!("stored credential {}: {e}", c.id)))?;
            Ok((c, doc))
        })
        .collect::<AppResult<Vec<_>>>()?;
    let recognitions = m::recognitions_of(conn, learner_id)?;
    let ids: Vec<String> = recognitions.iter().map(|r| r.application_id.clone()).collect();
    let mut sources: HashMap<String, Vec<SourceRef>> = HashMap::new();
    for (application, kind, source, outcome, name) in m::sources_of(conn, &ids)? {
        sources.entry(application).or_default().push(SourceRef { kind, source, outcome, name });
    }
    let external = m::external_of(conn, learner_id)?;
    Ok(Records { completions, credentials, recognitions, sources, external })
}

fn blank_item(kind: ItemKind, id: String, name: String, date: String) -> AccountItem {
    AccountItem {
        kind,
        id,
        name,
        outcome: None,
        credits: 0.0,
        date,
        provider: String::new(),
        provider_name: String::new(),
        status: ItemStatus::InForce,
        counts: false,
        note: None,
        completion: None,
        result: None,
        certificate_number: None,
        rule: None,
        application: None,
        converted_from: Vec::new(),
        trusted: None,
    }
}

/// The items of the account, before counting.
fn items_of(r: &Records, now: chrono::DateTime<chrono::Utc>) -> (Vec<AccountItem>, Vec<Conversion>) {
    let mut items = Vec::new();
    let by_completion: HashMap<&str, &(CredentialRecord, Value)> =
        r.credentials.iter().filter_map(|p| Some((p.0.completion_id.as_deref()?, p))).collect();
    for c in &r.completions {
        let cert = by_completion.get(c.id.as_str()).copied();
        let name = format!("{}（{}@{}）", c.title_zh, c.code, c.version);
        let mut item = match cert {
            Some((cred, _)) => blank_item(ItemKind::TrainingCertificate, cred.id.clone(), name, c.completed_on.clone()),
            None => blank_item(ItemKind::Completion, c.id.clone(), name, c.completed_on.clone()),
        };
        item.outcome = Some(OutcomeKey::Course { code: c.code.clone() }.to_string());
        item.credits = if c.credits.is_finite() { c.credits.max(0.0) } else { 0.0 };
        item.provider.clone_from(&c.provider);
        item.provider_name.clone_from(&c.provider_name);
        item.completion = Some(c.id.clone());
        item.result = Some(c.result.clone());
        let passed = CompletionResult::parse(&c.result).is_ok_and(|x| x.is_pass());
        item.status = match cert {
            _ if !passed => ItemStatus::NotPassed,
            Some((cred, doc)) => credential_status(cred, doc, now),
            None => ItemStatus::InForce,
        };
        if let Some((cred, _)) = cert {
            item.certificate_number.clone_from(&cred.certificate_number);
            if item.status != ItemStatus::InForce {
                item.note = cred.status_reason.clone();
            }
        }
        items.push(item);
    }
    for (c, doc) in r.credentials.iter().filter(|(c, _)| c.kind.parse::<CredentialKind>().ok() == Some(CredentialKind::SkillLevel)) {
        let date = doc.get("validFrom").and_then(Value::as_str).map_or_else(|| day(&c.issued_at), day);
        let mut item = blank_item(ItemKind::SkillLevelCertificate, c.id.clone(), c.name.clone(), date);
        if let (Some(occupation), Some(level)) = (&c.occupation_code, c.skill_level) {
            item.outcome = Some(format!("standard:{occupation}:{level}"));
        }
        item.provider.clone_from(&c.issuer);
        item.provider_name.clone_from(&c.issuer_name);
        item.status = credential_status(c, doc, now);
        item.certificate_number.clone_from(&c.certificate_number);
        if item.status != ItemStatus::InForce {
            item.note.clone_from(&c.status_reason);
        }
        items.push(item);
    }
    let credentials: HashMap<&str, &(CredentialRecord, Value)> = r.credentials.iter().map(|p| (p.0.id.as_str(), p)).collect();
    let mut conversions = Vec::new();
    for rec in &r.recognitions {
        let cred = credentials.get(rec.credential_id.as_str()).copied();
        let date = cred
            .and_then(|(_, doc)| doc.get("validFrom").and_then(Value::as_str))
            .or(rec.decided_at.as_deref())
            .map(day)
            .unwrap_or_default();
        let name = cred.map_or_else(|| rec.rule_title.clone(), |(c, _)| c.name.clone());
        let mut item = blank_item(ItemKind::Recognition, rec.credential_id.clone(), name, date);
        item.outcome = Some(rec.target.clone());
        item.credits = if rec.credits.is_finite() { rec.credits.max(0.0) } else { 0.0 };
        item.provider.clone_from(&rec.owner);
        item.provider_name.clone_from(&rec.owner_name);
        item.status = match cred {
            Some((c, doc)) if rec.state == "approved" => credential_status(c, doc, now),
            Some((c, _)) if c.revoked => ItemStatus::Revoked,
            _ => ItemStatus::Suspended,
        };
        if item.status != ItemStatus::InForce {
            item.note = rec.status_reason.clone().or_else(|| cred.and_then(|(c, _)| c.status_reason.clone()));
        }
        item.certificate_number = cred.and_then(|(c, _)| c.certificate_number.clone());
        item.rule = Some(RuleRef {
            id: rec.rule_id.clone(),
            code: rec.rule_code.clone(),
            version: rec.rule_version.clone(),
            title: rec.rule_title.clone(),
            effect: rec.effect.clone(),
            credits: item.credits,
        });
        item.application = Some(rec.application_id.clone());
        item.converted_from = r.sources.get(&rec.application_id).cloned().unwrap_or_default();
        conversions.push(Conversion {
            credential: rec.credential_id.clone(),
            rule: format!("{}@{}", rec.rule_code, rec.rule_version),
            effect: rec.effect.clone(),
            from: item.converted_from.clone(),
            to: rec.target.clone(),
            to_name: item.name.clone(),
            credits: item.credits,
            status: item.status,
        });
        items.push(item);
    }
    for e in &r.external {
        let mut item = blank_item(ItemKind::ExternalCredential, e.id.clone(), e.achievement_name.clone(), day(&e.issued_on));
        item.outcome = Some(OutcomeKey::External { issuer: e.issuer_did.clone(), achievement: e.achievement_id.clone() }.to_string());
        item.provider.clone_from(&e.issuer_did);
        item.provider_name = e.issuer_name.clone().unwrap_or_else(|| e.issuer_did.clone());
        item.trusted = Some(e.trusted);
        item.status = match (e.trusted, e.state.as_str()) {
            (false, _) | (_, "untrusted") => ItemStatus::Untrusted,
            (true, "valid") => ItemStatus::InForce,
            (true, "revoked") => ItemStatus::Revoked,
            (true, "suspended") => ItemStatus::Suspended,
            (true, "expired") => ItemStatus::Expired,
            _ => ItemStatus::Invalid,
        };
        if !e.trusted {
            item.note = Some("发证方不在可信名单中 (the issuer is not on the trusted list)".into());
        }
        items.push(item);
    }
    items.sort_by(|a, b| (&a.date, a.kind, &a.id).cmp(&(&b.date, b.kind, &b.id)));
    (items, conversions)
}

/// Decides which items count (in force; a course once, its earliest in-force outcome) and
/// sums them by year, provider and kind.
fn count(items: &mut [AccountItem]) -> Totals {
    let mut counted_courses: HashMap<String, String> = HashMap::new();
    for item in items.iter_mut() {
        if item.status != ItemStatus::InForce {
            continue;
        }
        let course = item.outcome.as_deref().filter(|o| o.starts_with("course:")).map(str::to_string);
        if let Some(course) = course {
            if let Some(first) = counted_courses.get(&course) {
                item.note = Some(format!("同一课程只计一次学分 (a course counts once: already counted by {first})"));
                continue;
            }
            counted_courses.insert(course, item.id.clone());
        }
        item.counts = true;
    }
    let mut by_year: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    let mut by_provider: BTreeMap<String, (String, f64, usize)> = BTreeMap::new();
    let mut by_kind: BTreeMap<ItemKind, (f64, usize)> = BTreeMap::new();
    let (mut credits, mut n) = (0.0, 0);
    for item in items.iter().filter(|i| i.counts) {
        credits += item.credits;
        n += 1;
        let y = by_year.entry(item.date.get(..4).unwrap_or("????").to_string()).or_default();
        y.0 += item.credits;
        y.1 += 1;
        let p = by_provider.entry(item.provider.clone()).or_insert_with(|| (item.provider_name.clone(), 0.0, 0));
        p.1 += item.credits;
        p.2 += 1;
        let k = by_kind.entry(item.kind).or_default();
        k.0 += item.credits;
        k.1 += 1;
    }
    Totals {
        credits,
        items: n,
        by_year: by_year.into_iter().map(|(key, (credits, items))| Total { key, name: None, credits, items }).collect(),
        by_provider: by_provider.into_iter().map(|(key, (name, credits, items))| Total { key, name: Some(name), credits, items }).collect(),
        by_kind: by_kind.into_iter().map(|(k, (credits, items))| Total { key: k.to_string(), name: None, credits, items }).collect(),
    }
}

/// A learner's credit account (see the module docs). Read-only; a fixed number of queries.
pub fn account(conn: &mut DbConnection, learner: &UserView) -> AppResult<AccountView> {
    let records = load(conn, &learner.id)?;
    let (mut items, conversions) = items_of(&records, chrono::Utc::now());
    let totals = count(&mut items);
    Ok(AccountView { learner: learner.username.clone(), display_name: learner.display_name.clone(), items, totals, conversions })
}

/// The association from a recognition's sources to its target (see the module docs).
pub fn association_type(effect: &str, sources: usize) -> AssociationType {
    match effect.parse::<RuleEffect>() {
        Ok(RuleEffect::ExemptCourse) if sources == 1 => AssociationType::ExactMatchOf,
        _ => AssociationType::IsPartOf,
    }
}

fn achievement_id(doc: &Value) -> Option<&str> {
    doc.pointer("/credentialSubject/achievement/id").and_then(Value::as_str)
}

/// The unsigned parts of a learner's transcript: the in-force credentials, the extra
/// achievements (external sources) and the associations.
fn transcript_spec(records: &Records, now: chrono::DateTime<chrono::Utc>) -> (Vec<Value>, Vec<Value>, Vec<Association>) {
    let in_force = |c: &CredentialRecord, doc: &Value| credential_status(c, doc, now) == ItemStatus::InForce;
    let approved: HashMap<&str, &RecognitionRecord> =
        records.recognitions.iter().filter(|r| r.state == "approved").map(|r| (r.credential_id.as_str(), r)).collect();
    let mut embedded = Vec::new();
    let mut listed: HashSet<String> = HashSet::new();
    // The certificates first, in issue order, then the recognitions: sources before what
    // they ground, whatever second they were issued in.
    let is_recognition = |c: &CredentialRecord| c.kind.parse::<CredentialKind>().ok() == Some(CredentialKind::Recognition);
    let ordered =
        records.credentials.iter().filter(|(c, _)| !is_recognition(c)).chain(records.credentials.iter().filter(|(c, _)| is_recognition(c)));
    for (c, doc) in ordered {
        if !in_force(c, doc) || (is_recognition(c) && !approved.contains_key(c.id.as_str())) {
            continue;
        }
        if let Some(a) = achievement_id(doc) {
            listed.insert(a.to_string());
        }
        embedded.push(doc.clone());
    }
    let docs: HashMap<&str, &Value> = records.credentials.iter().map(|(c, d)| (c.id.as_str(), d)).collect();
    let external: HashMap<&str, &ExternalRecord> = records.external.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut extra = Vec::new();
    let mut associations = Vec::new();
    for (c, doc) in &records.credentials {
        let Some(rec) = approved.get(c.id.as_str()) else { continue };
        if !in_force(c, doc) {
            continue;
        }
        let Some(target) = achievement_id(doc) else { continue };
        let sources = records.sources.get(&rec.application_id).map_or(&[][..], Vec::as_slice);
        let kind = association_type(&rec.effect, sources.len());
        for s in sources {
            let source = match s.kind.as_str() {
                "credential" => docs.get(s.source.as_str()).and_then(|d| {
                    let a = d.pointer("/credentialSubject/achievement")?;
                    let id = a.get("id")?.as_str()?;
                    if listed.insert(id.to_string()) {
                        // A source not embedded (not in force) is still named.
                        extra.push(a.clone());
                    }
                    Some(id.to_string())
                }),
                _ => external.get(s.source.as_str()).filter(|e| rongtong_credentials::canon::is_absolute_iri(&e.achievement_id)).map(|e| {
                    if listed.insert(e.achievement_id.clone()) {
                        extra.push(json!({
                            "id": e.achievement_id,
                            "type": ["Achievement"],
                            "name": e.achievement_name,
                            "description": format!("外部凭证，发证方 {} (external credential issued by {})", e.issuer_name.as_deref().unwrap_or(&e.issuer_did), e.issuer_did),
                            "criteria": {"narrative": "见发证方的凭证 (see the issuer's credential)"},
                        }));
                    }
                    e.achievement_id.clone()
                }),
            };
            if let Some(source) = source.filter(|s| s != target) {
                associations.push(Association { association_type: kind, source_id: source, target_id: target.to_string() });
            }
        }
    }
    (embedded, extra, associations)
}

/// Builds and signs a learner's CLR 2.0 transcript with the platform's key (generated on
/// first use: run it in a write transaction). See the module docs for what it holds.
pub fn transcript(conn: &mut DbConnection, ctx: IssueContext<'_>, learner: &UserView) -> AppResult<Value> {
    let records = load(conn, &learner.id)?;
    let now = chrono::Utc::now();
    let (credentials, extra_achievements, associations) = transcript_spec(&records, now);
    if credentials.is_empty() {
        return Err(AppError::conflict(
            "learner",
            format!("{} holds no credential in force: a transcript needs at least one", learner.username),
        ));
    }
    let did = keystore::platform_did(ctx.base_url)?;
    let key = keystore::active_issuer_key(conn, ctx.kek, Owner::Platform, &did)?;
    let recipient = issuance::recipients(conn, &[(learner.id.clone(), learner.username.clone())])?
        .remove(&learner.id)
        .ok_or_else(|| AppError::Internal("no recipient".into()))?;
    let display = Some(learner.display_name.clone()).filter(|n| !n.trim().is_empty());
    let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let spec = ClrSpec {
        id: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        issuer: IssuerProfile { did, name: PLATFORM_NAME.into() },
        recipient,
        name: format!("{}的学习成果档案 (learner record)", display.as_deref().unwrap_or(&learner.username)),
        learner_name: display,
        description: Some("学分银行账户中在效的全部证书，以及互认所依据的转换关系。(Every credential in force in the learner's credit account, and the conversions recognitions rest on.)".into()),
        valid_from: stamp.clone(),
        credentials,
        extra_achievements,
        associations,
    };
    clr::issue_clr(&spec, &key.key, &key.verification_method, &stamp)
        .map_err(|e| AppError::Internal(format!("signing the transcript: {e}")))
}
