//! Recognition applications and signed decisions (认定申请与决定, issue 10 part 3).
//!
//! A learner applies for a target outcome with evidence. Every piece is verified (proof,
//! status, dates, holder, issuer trust — each failure named, nothing stored); the published
//! rules for the target are evaluated against what the evidence holds
//! (`rongtong_catalog::recognition::evaluate_rule`) and the best rule that fires is cited.
//! An automatic rule decides at once; otherwise a reviewer of the rule's owner approves or
//! rejects. An approval issues a signed recognition credential
//! (`issuance::issue_recognition`) resting on the evidence that met the rule's sources.
//!
//! The cascade ([`source_status_changed`]): when a credential stops being in force, every
//! approved recognition resting on it is suspended with that reason, in the same
//! transaction as the change, so its status list says so at once; reinstating the source
//! reinstates the recognitions whose every source is in force again.

use chrono::NaiveDate;
use rongtong_catalog::recognition::{Holding, SourceCheck, evaluate_rule};
use rongtong_catalog::{OutcomeKey, ValidationErrors};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::auth::{Principal, policy};
use crate::db::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};
use crate::models::accounts;
use crate::models::applications::{self as m, ApplicationRow, ApplicationState, EvidenceRow, SourceKind};
use crate::models::credentials::{self as cm, CredentialKind, CredentialRow};
use crate::models::recognition::{self as rm, RuleView};
use crate::services::credentials::issuance::{self, IssueContext, RecognitionIssue};
use crate::services::credentials::resolver::DbResolver;
use crate::services::credentials::status::{StatusAction, set_status};

/// Most pieces of evidence in one application (a rule has at most 50 sources).
pub const MAX_EVIDENCE: usize = 50;
/// Longest reviewer comment.
pub const MAX_COMMENT: usize = 2_000;

/// One piece of evidence, as the learner names it: exactly one of the three.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceInput {
    /// One of the learner's credentials issued here: its id (`urn:uuid:…`) or certificate number.
    pub credential: Option<String>,
    /// A credential from another system already kept in the learner's account (its id there).
    pub external: Option<String>,
    /// A signed credential (JSON) — one issued here, or by a trusted external issuer.
    #[schema(value_type = Option<Object>)]
    pub document: Option<Value>,
}

/// An application.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    /// The applicant's username; defaults to the caller (learners apply only for themselves).
    pub learner: Option<String>,
    /// Target outcome key, e.g. `course:GYJQR-04` or `standard:6-18-02-01:4`.
    #[schema(value_type = String)]
    pub target: OutcomeKey,
    /// A rule code, to cite that rule; default: the best published rule for the target that
    /// the evidence meets (automatic first, then most credits, then code).
    pub rule: Option<String>,
    /// One to 50 pieces of evidence.
    pub evidence: Vec<EvidenceInput>,
}

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Approve: the recognition credential is issued.
    Approve,
    /// Reject, with a comment.
    Reject,
}

/// The body of `POST /recognition-applications/{id}/decision`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `approve` or `reject`.
    pub decision: Decision,
    /// Why (required to reject).
    pub comment: Option<String>,
}

/// One verification check of a piece of evidence.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EvidenceCheck {
    /// `proof`, `status`, `dates`, `holder`, `issuer_trust`, …
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// What was found.
    pub detail: String,
}

/// A piece of evidence that passed every check: what it holds.
#[derive(Debug, Clone)]
pub struct CheckedEvidence {
    /// Where it is kept.
    pub kind: SourceKind,
    /// `credentials.id` or `external_credentials.id`.
    pub source_id: String,
    /// The outcome it holds.
    pub outcome: OutcomeKey,
    /// The level held, for external achievements that state one.
    pub level: Option<rongtong_catalog::SkillLevel>,
    /// Its name.
    pub name: String,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// The checks.
    pub checks: Vec<EvidenceCheck>,
}

/// An application as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationView {
    /// Id.
    pub id: String,
    /// The applicant's username.
    pub learner: String,
    /// Target outcome key.
    pub target: String,
    /// `pending`, `approved`, `rejected` or `suspended`.
    pub state: String,
    /// The rule cited.
    pub rule: AppliedRule,
    /// The rule's owner (organisation code), whose reviewers decide.
    pub owner: String,
    /// The owner's name.
    pub owner_name: String,
    /// The evidence that met the rule's sources, each with its checks.
    pub evidence: Vec<EvidenceView>,
    /// The evaluation when the learner applied: every published rule for the target, whether
    /// it fires, and why each source counts or not.
    #[schema(value_type = Object)]
    pub proposal: Value,
    /// The signed recognition credential (id), once approved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    /// Who decided (username); absent when decided automatically or not yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// When.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// The reviewer's comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Why the recognition is suspended (a source is no longer in force).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

/// The rule an application cites.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppliedRule {
    /// Rule id.
    pub id: String,
    /// Code.
    pub code: String,
    /// Version.
    pub version: String,
    /// Title.
    pub title: String,
    /// Effect.
    pub effect: String,
    /// Credits granted.
    pub credits: f64,
    /// Decided without a reviewer.
    pub automatic: bool,
}

impl From<RuleView> for AppliedRule {
    fn from(rule: RuleView) -> Self {
        AppliedRule {
            id: rule.id,
            code: rule.code,
            version: rule.version,
            title: rule.title,
            effect: rule.effect,
            credits: rule.credits,
            automatic: rule.automatic,
        }
    }
}

/// A piece of evidence as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceView {
    /// `credential` (issued here) or `external`.
    pub kind: String,
    /// Its id (a credential id here, or the external credential's id in the account).
    pub source: String,
    /// The outcome it holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Its name.
    pub name: String,
    /// Issue date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<String>,
    /// The checks when the learner applied.
    pub checks: Vec<EvidenceCheck>,
}

// ---------------------------------------------------------------- evidence

fn failed_checks(checks: &[EvidenceCheck]) -> Vec<String> {
    checks.iter().filter(|c| !c.passed).map(|c| format!("{}: {}", c.name, c.detail)).collect()
}

/// The date part of an RFC 3339 timestamp.
fn date_of(ts: &str) -> Option<NaiveDate> {
    ts.get(..10)?.parse().ok()
}

/// The outcome a credential issued here holds: `course:{code}` for a training certificate,
/// `standard:{occupation}:{level}` for a skill-level certificate. Recognitions hold none:
/// a recognition never grounds another (the cascade would otherwise have to follow chains).
pub fn local_outcome(conn: &mut DbConnection, row: &CredentialRow) -> AppResult<Option<OutcomeKey>> {
    Ok(match row.kind() {
        CredentialKind::Training => match &row.completion_id {
            Some(c) => cm::course_code_of_completion(conn, c)?.map(|code| OutcomeKey::Course { code }),
            None => None,
        },
        CredentialKind::SkillLevel => match (&row.occupation_code, row.skill_level) {
            (Some(code), Some(level)) => rongtong_catalog::SkillLevel::new(u8::try_from(level).unwrap_or(0))
                .ok()
                .map(|level| OutcomeKey::Standard { occupation: code.clone(), level }),
            _ => None,
        },
        CredentialKind::Recognition => None,
    })
}

/// Verifies a credential issued here — the stored document, or `uploaded` when the learner
/// sent the document itself (a changed copy then fails `proof`) — and that it is the
/// learner's. Returns the checks; the caller refuses the application if any failed.
fn check_local(
    conn: &mut DbConnection,
    ctx: IssueContext<'_>,
    learner_id: &str,
    row: &CredentialRow,
    uploaded: Option<&Value>,
) -> AppResult<Vec<EvidenceCheck>> {
    let stored: Value;
    let doc = match uploaded {
        Some(d) => d,
        None => {
            stored = serde_json::from_str(&row.json).map_err(|e| AppError::Internal(format!("stored credential {}: {e}", row.id)))?;
            &stored
        }
    };
    let options = rongtong_credentials::verify::VerifyOptions {
        trusted_issuers: Some(cm::trusted_issuers(conn)?),
        ..rongtong_credentials::verify::VerifyOptions::obv3()
    };
    let report = {
        let resolver = DbResolver::new(conn, ctx);
        rongtong_credentials::verify(doc, &resolver, chrono::Utc::now(), &options)
    };
    let mut checks: Vec<EvidenceCheck> =
        report.checks.into_iter().map(|c| EvidenceCheck { name: c.name.to_string(), passed: c.passed, detail: c.detail }).collect();
    let holder = row.learner_id == learner_id;
    checks.push(EvidenceCheck {
        name: "holder".into(),
        passed: holder,
        detail: if holder { "issued to the applicant".into() } else { "issued to another learner".into() },
    });
    Ok(checks)
}

/// Checks one piece of evidence (position `i`) and what it holds. Any failed check is a 422
/// naming `evidence[i]` and the check; nothing is stored.
pub fn check_evidence(
    conn: &mut DbConnection,
    ctx: IssueContext<'_>,
    learner_id: &str,
    i: usize,
    input: &EvidenceInput,
) -> AppResult<CheckedEvidence> {
    let given = usize::from(input.credential.is_some()) + usize::from(input.external.is_some()) + usize::from(input.document.is_some());
    if given != 1 {
        return Err(AppError::invalid(format!("evidence[{i}]"), "give exactly one of credential, external or document"));
    }
    if let Some(id) = &input.external {
        return crate::services::trust::external_evidence(conn, ctx, learner_id, i, id);
    }
    let (row, uploaded, field) = if let Some(id) = &input.credential {
        let field = format!("evidence[{i}].credential");
        let row = cm::find_credential(conn, id).map_err(|e| match e {
            AppError::NotFound(_) => AppError::invalid(&field, format!("no credential {id} here")),
            other => other,
        })?;
        (row, None, field)
    } else {
        let doc = input.document.as_ref().unwrap_or(&Value::Null);
        let field = format!("evidence[{i}].document");
        // A presentation carries a credential from another system (trust::document_evidence).
        if crate::services::trust::is_presentation_document(doc) {
            return crate::services::trust::document_evidence(conn, ctx, learner_id, i, doc);
        }
        let Some(id) = doc.get("id").and_then(Value::as_str) else {
            return Err(AppError::invalid(&field, "a credential document with an `id`"));
        };
        match cm::find_credential(conn, id) {
            Ok(row) => (row, Some(doc), field),
            Err(AppError::NotFound(_)) => return crate::services::trust::document_evidence(conn, ctx, learner_id, i, doc),
            Err(e) => return Err(e),
        }
    };
    if row.learner_id != learner_id {
        // Named plainly but without saying whose it is.
        return Err(AppError::invalid(&field, "holder: this credential was issued to another learner"));
    }
    if row.kind() == CredentialKind::Recognition {
        return Err(AppError::invalid(&field, "a recognition cannot ground another recognition; cite the credentials it rests on"));
    }
    let checks = check_local(conn, ctx, learner_id, &row, uploaded)?;
    let failed = failed_checks(&checks);
    if !failed.is_empty() {
        return Err(AppError::invalid(&field, format!("failed: {}", failed.join("; "))));
    }
    let Some(outcome) = local_outcome(conn, &row)? else {
        return Err(AppError::invalid(&field, "this credential holds no outcome a rule can cite"));
    };
    let doc: Value = serde_json::from_str(&row.json).unwrap_or(Value::Null);
    let issued_on = doc.get("validFrom").and_then(Value::as_str).and_then(date_of).or_else(|| date_of(&row.issued_at));
    Ok(CheckedEvidence {
        kind: SourceKind::Credential,
        source_id: row.id.clone(),
        outcome,
        level: None,
        name: row.name.clone(),
        issued_on: issued_on.ok_or_else(|| AppError::Internal(format!("credential {} has no issue date", row.id)))?,
        checks,
    })
}

// ---------------------------------------------------------------- choosing the rule

/// The evaluation of every published rule for a target against the evidence.
struct Proposal {
    /// Index into `rules` of the rule cited, if one fires.
    chosen: Option<usize>,
    rules: Vec<RuleView>,
    /// Per rule: fires, and per source its check.
    evaluations: Vec<(bool, Vec<SourceCheck>)>,
}

fn evaluate(rules: Vec<RuleView>, evidence: &[CheckedEvidence], today: NaiveDate) -> AppResult<Proposal> {
    let holdings: Vec<Holding> =
        evidence.iter().map(|e| Holding { outcome: e.outcome.clone(), level: e.level, issued_on: e.issued_on, in_force: true }).collect();
    let mut evaluations = Vec::with_capacity(rules.len());
    for r in &rules {
        let sources = r.to_input()?.sources;
        evaluations.push(evaluate_rule(&sources, &holdings, today));
    }
    // Automatic first (decided at once), then the most credits, then the code.
    let chosen = (0..rules.len()).filter(|&k| evaluations[k].0).min_by(|&a, &b| {
        let (ra, rb) = (&rules[a], &rules[b]);
        rb.automatic.cmp(&ra.automatic).then(rb.credits.total_cmp(&ra.credits)).then(ra.code.cmp(&rb.code))
    });
    Ok(Proposal { chosen, rules, evaluations })
}

fn proposal_json(p: &Proposal, evidence: &[CheckedEvidence]) -> Value {
    let rules: Vec<Value> = p
        .rules
        .iter()
        .zip(&p.evaluations)
        .map(|(r, (fires, checks))| {
            let sources: Vec<Value> = r
                .sources
                .iter()
                .zip(checks)
                .map(|(s, c)| {
                    let mut v = json!({"outcome": s.outcome, "check": c});
                    if let SourceCheck::Held { holding } = c {
                        v["evidence"] = json!(evidence[*holding].name);
                    }
                    v
                })
                .collect();
            json!({"rule": format!("{}@{}", r.code, r.version), "title": r.title, "automatic": r.automatic, "credits": r.credits, "fires": fires, "sources": sources})
        })
        .collect();
    json!({
        "chosen": p.chosen.map(|k| format!("{}@{}", p.rules[k].code, p.rules[k].version)),
        "rules": rules,
    })
}

/// Why no rule fires, in words: each rule and its unmet sources.
fn why_not(p: &Proposal) -> String {
    p.rules
        .iter()
        .zip(&p.evaluations)
        .map(|(r, (_, checks))| {
            let unmet: Vec<String> = r
                .sources
                .iter()
                .zip(checks)
                .filter(|(_, c)| !c.is_held())
                .map(|(s, c)| {
                    let why = match c {
                        SourceCheck::Missing => "not in the evidence".to_string(),
                        SourceCheck::TooOld { not_before, .. } => format!("issued before {not_before}"),
                        SourceCheck::LevelTooLow { held, required, .. } => {
                            format!("level {} held, {} required", held.map_or("none".into(), |l| l.number().to_string()), required.number())
                        }
                        SourceCheck::NotInForce { .. } => "not in force".into(),
                        SourceCheck::Held { .. } => String::new(),
                    };
                    format!("{} ({why})", s.outcome)
                })
                .collect();
            format!("{}@{}: {}", r.code, r.version, unmet.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

// ---------------------------------------------------------------- applying

fn evidence_rows(application_id: &str, evidence: &[&CheckedEvidence]) -> AppResult<Vec<EvidenceRow>> {
    evidence
        .iter()
        .enumerate()
        .map(|(k, e)| {
            Ok(EvidenceRow {
                application_id: application_id.to_string(),
                position: i32::try_from(k).unwrap_or(i32::MAX),
                source_kind: e.kind.as_ref().to_string(),
                source_id: e.source_id.clone(),
                outcome: Some(e.outcome.to_string()),
                name: e.name.clone(),
                issued_on: Some(e.issued_on.to_string()),
                checks: serde_json::to_string(&e.checks).map_err(|e| AppError::Internal(e.to_string()))?,
            })
        })
        .collect()
}

/// Applies for a target (see the module docs). Run it in a write transaction: a refusal
/// stores nothing. Returns the application's id.
pub fn apply(conn: &mut DbConnection, ctx: IssueContext<'_>, p: &Principal, input: &ApplicationInput) -> AppResult<String> {
    let learner = match &input.learner {
        Some(u) => accounts::find_user(conn, u).map_err(|e| match e {
            AppError::NotFound(_) => AppError::invalid("learner", format!("no user {u}")),
            other => other,
        })?,
        None => accounts::find_user(conn, &p.user_id)?,
    };
    p.ensure(policy::may_act_as_learner(p, &learner.id), "apply for recognition for another learner (learners apply only for themselves)")?;
    let mut e = ValidationErrors::new();
    e.check(!input.evidence.is_empty(), "evidence", "give at least one piece of evidence");
    e.check(input.evidence.len() <= MAX_EVIDENCE, "evidence", format!("at most {MAX_EVIDENCE} pieces"));
    e.into_result()?;
    let target = input.target.to_string();
    if !m::learner_applications_for(conn, &learner.id, &target, &[ApplicationState::Approved, ApplicationState::Suspended])?.is_empty() {
        return Err(AppError::conflict("target", format!("{target} is already recognised for {}", learner.username)));
    }
    let mut rules = rm::published_rules_for_target(conn, &target)?;
    if let Some(code) = &input.rule {
        rules.retain(|r| &r.code == code);
        if rules.is_empty() {
            return Err(AppError::invalid("rule", format!("no published rule {code} for {target}")));
        }
    }
    if rules.is_empty() {
        return Err(AppError::invalid("target", format!("no published rule grants {target}")));
    }
    let mut evidence = Vec::with_capacity(input.evidence.len());
    for (i, piece) in input.evidence.iter().enumerate() {
        let checked = check_evidence(conn, ctx, &learner.id, i, piece)?;
        if evidence.iter().any(|x: &CheckedEvidence| x.kind == checked.kind && x.source_id == checked.source_id) {
            return Err(AppError::invalid(format!("evidence[{i}]"), "given twice"));
        }
        evidence.push(checked);
    }
    let today = chrono::Utc::now().date_naive();
    let proposal = evaluate(rules, &evidence, today)?;
    let Some(k) = proposal.chosen else {
        return Err(AppError::invalid("evidence", format!("no published rule for {target} is met: {}", why_not(&proposal))));
    };
    let rule = &proposal.rules[k];
    // Only the evidence that met the rule's sources is kept: what the recognition rests on.
    let mut used: Vec<usize> = proposal.evaluations[k]
        .1
        .iter()
        .filter_map(|c| match c {
            SourceCheck::Held { holding } => Some(*holding),
            _ => None,
        })
        .collect();
    used.sort_unstable();
    used.dedup();
    let used: Vec<&CheckedEvidence> = used.into_iter().map(|h| &evidence[h]).collect();
    let owner = accounts::find_org(conn, &rule.owner)?;
    let id = new_id();
    let at = now();
    let row = ApplicationRow {
        id: id.clone(),
        learner_id: learner.id.clone(),
        target: target.clone(),
        state: ApplicationState::Pending.as_ref().to_string(),
        open_key: Some(m::open_key(&learner.id, &target)),
        rule_id: rule.id.clone(),
        owner_id: owner.id.clone(),
        proposal: proposal_json(&proposal, &evidence).to_string(),
        credential_id: None,
        decided_by: None,
        decided_at: None,
        decision_comment: None,
        status_reason: None,
        created_at: at.clone(),
        updated_at: at,
    };
    m::insert_application(conn, &row, &evidence_rows(&id, &used)?)?;
    if rule.automatic {
        approve(conn, ctx, &row, None, Some(&format!("automatic under rule {}@{}", rule.code, rule.version)))?;
    }
    Ok(id)
}

// ---------------------------------------------------------------- deciding

/// Whether every piece of an application's evidence is still in force (for an approval, or
/// a reinstatement). Returns the first that is not, with why.
fn first_not_in_force(conn: &mut DbConnection, evidence: &[EvidenceRow]) -> AppResult<Option<String>> {
    let today = chrono::Utc::now();
    for e in evidence {
        let why = match e.source_kind.parse::<SourceKind>() {
            Ok(SourceKind::Credential) => {
                let row = cm::find_credential(conn, &e.source_id)?;
                let doc: Value = serde_json::from_str(&row.json).unwrap_or(Value::Null);
                let expired = doc
                    .get("validUntil")
                    .and_then(Value::as_str)
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .is_some_and(|t| t < today);
                if row.revoked {
                    Some("revoked")
                } else if row.suspended {
                    Some("suspended")
                } else if expired {
                    Some("expired")
                } else {
                    None
                }
            }
            Ok(SourceKind::External) => crate::services::trust::external_not_in_force(conn, &e.source_id)?,
            Err(_) => Some("unknown"),
        };
        if let Some(why) = why {
            return Ok(Some(format!("{} is {why}", e.name)));
        }
    }
    Ok(None)
}

/// Approves a pending application: issues the recognition credential and records the
/// decision. `reviewer`: `None` for an automatic rule.
fn approve(
    conn: &mut DbConnection,
    ctx: IssueContext<'_>,
    app: &ApplicationRow,
    reviewer: Option<&str>,
    comment: Option<&str>,
) -> AppResult<()> {
    let evidence = m::evidence_of(conn, std::slice::from_ref(&app.id))?;
    if let Some(why) = first_not_in_force(conn, &evidence)? {
        return Err(AppError::conflict("decision", format!("cannot approve: {why} since the application")));
    }
    let rule = rm::find_rule(conn, &app.rule_id)?;
    let mut sources = Vec::with_capacity(evidence.len());
    for e in &evidence {
        let credential_id = match e.source_kind.parse::<SourceKind>() {
            Ok(SourceKind::External) => crate::services::trust::external_credential_id(conn, &e.source_id)?,
            _ => e.source_id.clone(),
        };
        sources.push(rongtong_credentials::recognition::EvidenceSource {
            id: credential_id,
            name: e.name.clone(),
            narrative: e.issued_on.as_ref().map(|d| format!("{} 颁发 (issued {d})", e.outcome.clone().unwrap_or_default())),
        });
    }
    let credential = issuance::issue_recognition(conn, ctx, &RecognitionIssue { rule: &rule, learner_id: &app.learner_id, sources })?;
    m::record_decision(conn, &app.id, ApplicationState::Approved, reviewer, comment, Some(&credential.id))?;
    Ok(())
}

/// Decides a pending application: only the reviewers of the rule's owner (its people, the
/// admins of its region, the platform — `policy::may_decide_recognition`). Deciding twice
/// is a 409 and never issues a second credential: the row is locked and its state read
/// again inside the transaction. Run it in a write transaction.
pub fn decide(conn: &mut DbConnection, ctx: IssueContext<'_>, p: &Principal, id: &str, input: &DecisionInput) -> AppResult<()> {
    let mut e = ValidationErrors::new();
    rongtong_catalog::validate::check_multiline_text(&mut e, "comment", input.comment.as_deref(), MAX_COMMENT);
    if input.decision == Decision::Reject {
        e.check(input.comment.as_deref().is_some_and(|c| !c.trim().is_empty()), "comment", "say why the application is rejected");
    }
    e.into_result()?;
    let app = m::lock_application(conn, id)?;
    let owner = accounts::find_org(conn, &app.owner_id)?;
    if !may_see(conn, p, &app)? {
        return Err(AppError::NotFound(format!("application {id}")));
    }
    p.ensure(policy::may_decide_recognition(p, &owner.id, &owner.region_code()?), "decide applications to this rule's owner")?;
    if app.state() != ApplicationState::Pending {
        return Err(AppError::conflict("decision", format!("this application is already {}", app.state)));
    }
    match input.decision {
        Decision::Approve => approve(conn, ctx, &app, Some(&p.user_id), input.comment.as_deref()),
        Decision::Reject => {
            m::record_decision(conn, &app.id, ApplicationState::Rejected, Some(&p.user_id), input.comment.as_deref(), None)?;
            Ok(())
        }
    }
}

// ---------------------------------------------------------------- the cascade

/// Called whenever a source's standing changes (a credential here revoked, suspended or
/// reinstated; an external credential found revoked): suspends every approved recognition
/// resting on it (`in_force` false), or reinstates the suspended ones whose every source is
/// in force again (`in_force` true). Runs in the caller's transaction, so the recognition's
/// status list changes with the source's. Returns the applications changed.
pub fn source_status_changed(conn: &mut DbConnection, kind: SourceKind, source_id: &str, in_force: bool, reason: &str) -> AppResult<usize> {
    let mut changed = 0;
    if !in_force {
        for app in m::resting_on(conn, kind, source_id, &[ApplicationState::Approved])? {
            let why = format!("来源证书已失效 (a source is no longer in force): {reason}");
            if let Some(cid) = &app.credential_id {
                let row = cm::find_credential(conn, cid)?;
                if !row.revoked && !row.suspended {
                    set_status(conn, &row, StatusAction::Suspend, &why)?;
                }
            }
            m::set_state(conn, &app.id, ApplicationState::Suspended, Some(&why))?;
            changed += 1;
        }
    } else {
        for app in m::resting_on(conn, kind, source_id, &[ApplicationState::Suspended])? {
            let evidence = m::evidence_of(conn, std::slice::from_ref(&app.id))?;
            if first_not_in_force(conn, &evidence)?.is_some() {
                continue;
            }
            if let Some(cid) = &app.credential_id {
                let row = cm::find_credential(conn, cid)?;
                if row.suspended && !row.revoked {
                    set_status(conn, &row, StatusAction::Reinstate, "every source is in force again")?;
                }
            }
            m::set_state(conn, &app.id, ApplicationState::Approved, None)?;
            changed += 1;
        }
    }
    Ok(changed)
}

// ---------------------------------------------------------------- reading

/// Whether `p` may see an application: the learner, the admins of the learner's region, and
/// the reviewers of the rule's owner.
pub fn may_see(conn: &mut DbConnection, p: &Principal, app: &ApplicationRow) -> AppResult<bool> {
    if policy::is_self(p, &app.learner_id) {
        return Ok(true);
    }
    let learner = accounts::find_user(conn, &app.learner_id)?;
    let learner_region = learner.region.as_deref().and_then(|r| r.parse().ok());
    if policy::may_see_learner(p, &app.learner_id, learner_region.as_ref()) {
        return Ok(true);
    }
    let owner = accounts::find_org(conn, &app.owner_id)?;
    Ok(policy::may_decide_recognition(p, &owner.id, &owner.region_code()?))
}

/// Turns rows into views: the evidence, the applicants' and deciders' usernames and the rules
/// each in one batched read, however many rows (a list has no query per row).
pub fn views(conn: &mut DbConnection, rows: Vec<ApplicationRow>) -> AppResult<Vec<ApplicationView>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut evidence: std::collections::HashMap<String, Vec<EvidenceView>> = std::collections::HashMap::new();
    for e in m::evidence_of(conn, &ids)? {
        evidence.entry(e.application_id.clone()).or_default().push(EvidenceView {
            kind: e.source_kind,
            source: e.source_id,
            outcome: e.outcome,
            name: e.name,
            issued_on: e.issued_on,
            checks: serde_json::from_str(&e.checks).unwrap_or_default(),
        });
    }
    let people: Vec<String> = rows.iter().flat_map(|r| std::iter::once(r.learner_id.clone()).chain(r.decided_by.clone())).collect();
    let names = accounts::usernames(conn, &people)?;
    let rule_ids: Vec<String> = rows.iter().map(|r| r.rule_id.clone()).collect();
    let rules = rm::rules_by_id(conn, &rule_ids)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let rule =
            rules.get(&r.rule_id).cloned().ok_or_else(|| AppError::Internal(format!("application {}: no rule {}", r.id, r.rule_id)))?;
        out.push(ApplicationView {
            evidence: evidence.remove(&r.id).unwrap_or_default(),
            learner: names.get(&r.learner_id).cloned().unwrap_or_default(),
            target: r.target,
            state: r.state,
            owner: rule.owner.clone(),
            owner_name: rule.owner_name.clone(),
            rule: AppliedRule::from(rule),
            proposal: serde_json::from_str(&r.proposal).unwrap_or(Value::Null),
            credential: r.credential_id,
            decided_by: r.decided_by.as_ref().and_then(|u| names.get(u).cloned()),
            decided_at: r.decided_at,
            comment: r.decision_comment,
            status_reason: r.status_reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
            id: r.id,
        });
    }
    Ok(out)
}

/// One application the caller may see (404 otherwise, so its existence does not leak).
pub fn find_visible(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<ApplicationView> {
    let row = m::find_application(conn, id)?;
    if !may_see(conn, p, &row)? {
        return Err(AppError::NotFound(format!("application {id}")));
    }
    Ok(views(conn, vec![row])?.remove(0))
}
