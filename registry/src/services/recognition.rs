//! Conversion rules (转换规则): the checks against the store that every path (API, CSV
//! import, CLI, demo) runs, the review workflow, the CSV and JSON-LD exports.
//!
//! The pure rules — key syntax, field validation, evaluation — are
//! `rongtong_catalog::recognition`; who may own a rule's target is `auth::policy`.

use std::collections::HashSet;

use rongtong_catalog::csvio::{self, RowError};
use rongtong_catalog::{CourseStatus, OutcomeKey, ReviewStage, RuleEffect, RuleInput, RuleStatus, ValidationErrors};
use serde_json::{Value, json};

use crate::auth::{Principal, policy};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::accounts::{self, OrgRow};
use crate::models::recognition::{self as m, RuleRow, RuleView};
use crate::services::import::{ImportReport, file_error};
use crate::services::review;

/// A rule that passed the store checks: its owner and the credits it grants.
pub(crate) struct Checked {
    /// The owning organisation.
    pub owner: OrgRow,
    /// Credits: as given, else the target course's for `exempt_course`, else 0.
    pub credits: f64,
}

/// Checks what a rule cites against the store, naming each bad field: the owner exists; the
/// target exists, is published and is the owner's to recognise (`policy::may_own_rule_target`);
/// every source is a published course, a known occupation standard, or an achievement of an
/// issuer on the trusted-issuer list (`services::trust`; the issuer's achievement kinds are
/// checked on the learner's credential, which states its kind). An external outcome is never
/// a target.
pub(crate) fn check_rule(conn: &mut DbConnection, input: &RuleInput) -> AppResult<Result<Checked, ValidationErrors>> {
    let mut e = ValidationErrors::new();
    let Ok(owner) = accounts::find_org(conn, &input.owner) else {
        e.push("owner", format!("no organization {}", input.owner));
        return Ok(Err(e));
    };
    let mut course_codes = Vec::new();
    let mut occupation_codes = Vec::new();
    for key in std::iter::once(&input.target).chain(input.sources.iter().map(|s| &s.outcome)) {
        match key {
            OutcomeKey::Course { code } => course_codes.push(code.clone()),
            OutcomeKey::Standard { occupation, .. } => occupation_codes.push(occupation.clone()),
            OutcomeKey::External { .. } => {}
        }
    }
    let courses = m::public_courses(conn, &course_codes)?;
    let occupations = m::known_occupations(conn, &occupation_codes)?;
    let known = |key: &OutcomeKey| -> Result<(), String> {
        match key {
            OutcomeKey::Course { code } if courses.contains_key(code) => Ok(()),
            OutcomeKey::Course { code } => Err(format!("course:{code} is not a published course")),
            OutcomeKey::Standard { occupation, .. } if occupations.contains(occupation) => Ok(()),
            OutcomeKey::Standard { occupation, .. } => Err(format!("no occupation with the code {occupation} in the catalogue")),
            OutcomeKey::External { .. } => Err("an external achievement is another system's to grant; it can only be a source".into()),
        }
    };
    // An external source: an achievement of an issuer on the trusted list (services::trust).
    let source_known = |conn: &mut DbConnection, key: &OutcomeKey| -> AppResult<Result<(), String>> {
        match key {
            OutcomeKey::External { issuer, .. } => Ok(if crate::services::trust::is_trusted_today(conn, issuer)? {
                Ok(())
            } else {
                Err(format!("{issuer} is not on the trusted-issuer list (GET /api/v1/trusted-issuers); an authority adds it first"))
            }),
            other => Ok(known(other)),
        }
    };
    if let Err(why) = known(&input.target) {
        e.push("target", why);
    } else {
        let target_owner = match &input.target {
            OutcomeKey::Course { code } => match courses.get(code) {
                Some(c) => {
                    let provider = accounts::find_org(conn, &c.provider_id)?;
                    policy::TargetOwner::Course { provider_id: provider.id.clone(), provider_region: provider.region_code()? }
                }
                None => policy::TargetOwner::Standard,
            },
            _ => policy::TargetOwner::Standard,
        };
        if !policy::may_own_rule_target(owner.kind(), &owner.id, &owner.region_code()?, &target_owner) {
            e.push(
                "target",
                format!(
                    "{} is not {}'s to recognise: a course's rules belong to its provider, a standard's to an evaluation organisation, or either to an authority of its region",
                    input.target, input.owner
                ),
            );
        }
    }
    for (i, s) in input.sources.iter().enumerate() {
        if let Err(why) = source_known(conn, &s.outcome)? {
            e.push(format!("sources[{i}].outcome"), why);
        }
    }
    let credits = match (input.credits, &input.target, input.effect) {
        (Some(c), _, _) => c,
        (None, OutcomeKey::Course { code }, RuleEffect::ExemptCourse) => courses.get(code).map_or(0.0, |c| c.credits),
        _ => 0.0,
    };
    Ok(if e.is_empty() { Ok(Checked { owner, credits }) } else { Err(e) })
}

/// Checks a rule for the API: fields, then the store, then the caller's right to write for
/// its owner (403), and that the code is not another owner's (409).
pub(crate) fn check_for(conn: &mut DbConnection, p: &Principal, input: &RuleInput) -> AppResult<Checked> {
    input.validate()?;
    let checked = check_rule(conn, input)?.map_err(AppError::Validation)?;
    p.ensure(
        p.can_edit_org_content(&checked.owner.id, &checked.owner.region_code()?),
        &format!("write recognition rules of {}", input.owner),
    )?;
    if let Some(other) = m::code_owner(conn, &input.code)?
        && other != checked.owner.id
    {
        return Err(AppError::conflict("code", format!("rule code {} belongs to another organisation", input.code)));
    }
    Ok(checked)
}

/// A draft rule made from a suggestion (`GET /recognition-rules/suggestions`) in one step:
/// the reviewer names the target and the sources it picked (a suggestion's `source`, or the
/// courses of a suggested course set) and everything else has a default.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestionDraft {
    /// Target outcome key.
    #[schema(value_type = String)]
    pub target: OutcomeKey,
    /// Source outcome keys (one to 50).
    #[schema(value_type = Vec<String>)]
    pub sources: Vec<OutcomeKey>,
    /// Owning organisation code; default: the target course's provider, or for a standard the
    /// caller's own organisation.
    pub owner: Option<String>,
    /// Effect; default `exempt_course` for a course target, `assessment_eligibility` for a standard.
    #[schema(value_type = Option<String>)]
    pub effect: Option<RuleEffect>,
    /// Rule code; default `{OWNER}-S-{n}`, the first number free.
    pub code: Option<String>,
    /// Title; default "sources → target".
    pub title: Option<String>,
}

/// Makes the rule a [`SuggestionDraft`] describes and checks it as `POST /recognition-rules`
/// would (the caller must write for the owner); the caller stores it as a draft.
pub(crate) fn rule_from_suggestion(conn: &mut DbConnection, p: &Principal, d: &SuggestionDraft) -> AppResult<(RuleInput, Checked)> {
    let owner = match (&d.owner, &d.target) {
        (Some(o), _) => o.clone(),
        (None, OutcomeKey::Course { code }) => {
            let course = m::public_courses(conn, std::slice::from_ref(code))?
                .remove(code)
                .ok_or_else(|| AppError::invalid("target", format!("{} is not a published course", d.target)))?;
            accounts::find_org(conn, &course.provider_id)?.code
        }
        (None, _) => p
            .org
            .as_ref()
            .map(|o| o.code.clone())
            .ok_or_else(|| AppError::invalid("owner", "name the organisation that will own the rule"))?,
    };
    let code = match &d.code {
        Some(c) => c.clone(),
        None => {
            let prefix = format!("{}-S-", owner.to_uppercase());
            let mut n = 1;
            while m::code_owner(conn, &format!("{prefix}{n:03}"))?.is_some() {
                n += 1;
            }
            format!("{prefix}{n:03}")
        }
    };
    let effect = d.effect.unwrap_or(match d.target {
        OutcomeKey::Course { .. } => RuleEffect::ExemptCourse,
        _ => RuleEffect::AssessmentEligibility,
    });
    let title = d.title.clone().unwrap_or_else(|| {
        let sources: Vec<String> = d.sources.iter().map(ToString::to_string).collect();
        format!("{} → {}", sources.join(" + "), d.target)
    });
    let input = RuleInput {
        code,
        version: "1".into(),
        owner,
        title,
        description: Some("由技能图谱建议生成的草稿 (drafted from a skills-graph suggestion)".into()),
        target: d.target.clone(),
        effect,
        sources: d.sources.iter().cloned().map(rongtong_catalog::RuleSource::new).collect(),
        credits: None,
        automatic: false,
    };
    let checked = check_for(conn, p, &input)?;
    Ok((input, checked))
}

fn as_course(s: RuleStatus) -> CourseStatus {
    match s {
        RuleStatus::Draft => CourseStatus::Draft,
        RuleStatus::InReview => CourseStatus::InReview,
        RuleStatus::Published => CourseStatus::Published,
        RuleStatus::Retired => CourseStatus::Archived,
    }
}

fn as_rule(s: CourseStatus) -> RuleStatus {
    match s {
        CourseStatus::Draft => RuleStatus::Draft,
        CourseStatus::InReview => RuleStatus::InReview,
        CourseStatus::Published => RuleStatus::Published,
        CourseStatus::Archived => RuleStatus::Retired,
    }
}

/// Moves a rule through review, by the course review's rules (`services::review::decide`,
/// the owner's region deciding the chain): the owner submits, each level approves in turn,
/// the platform's approval publishes, any reviewer of the chain sends it back; the owner
/// retires a published rule. Unpublished rules are "not found" for outsiders.
pub(crate) fn change_status(
    conn: &mut DbConnection,
    p: &Principal,
    row: &RuleRow,
    requested: RuleStatus,
    comment: Option<&str>,
) -> AppResult<()> {
    let owner = accounts::find_org(conn, &row.owner_id)?;
    let region = owner.region_code()?;
    let owner_side = p.can_edit_org_content(&owner.id, &region);
    let reviews_at = |stage| p.reviews_at(stage, &region);
    let may_review = [ReviewStage::City, ReviewStage::Province, ReviewStage::Platform].into_iter().any(reviews_at);
    let visible = owner_side || row.is_public() || (may_review && row.status() == RuleStatus::InReview);
    if !visible {
        return Err(AppError::NotFound(format!("recognition rule {}", row.id)));
    }
    let awaiting = row.review_stage.as_deref().and_then(|s| s.parse::<ReviewStage>().ok());
    let actor = review::Actor { provider_side: owner_side, reviews_at: &reviews_at };
    let review::Decision { to, acted_as, next } = review::decide(as_course(row.status()), as_course(requested), awaiting, &region, &actor)?;
    crate::db::write_transaction(conn, |c| m::set_rule_status(c, row, as_rule(to), Some(&p.user_id), comment, acted_as, next))
}

/// Imports rules from a CSV file, all or nothing: every row is checked (fields, then the
/// store, then `actor`'s right to write for the owner — `None` is the local operator), and
/// any bad row refuses the file with every row error. New rules are drafts; a draft of the
/// same code and version is replaced; with `publish`, they are published at once (platform
/// or operator only, as for courses), retiring older versions.
pub fn import_rules(conn: &mut DbConnection, bytes: &[u8], actor: Option<&Principal>, publish: bool) -> AppResult<ImportReport> {
    // Checks and writes in one transaction, so a rule checked is the rule stored.
    crate::db::write_transaction(conn, |c| import_in_transaction(c, bytes, actor, publish))
}

fn import_in_transaction(conn: &mut DbConnection, bytes: &[u8], actor: Option<&Principal>, publish: bool) -> AppResult<ImportReport> {
    let direct = match publish {
        true => Some(review::direct_publish(actor.is_none(), &|stage| {
            actor.is_some_and(|p| stage == ReviewStage::Platform && p.role == crate::auth::Role::PlatformAdmin)
        })?),
        false => None,
    };
    let file = csvio::parse_rules(bytes).map_err(file_error)?;
    let mut report = ImportReport { encoding: file.encoding.to_string(), skipped_blank: file.outcome.skipped, ..Default::default() };
    let mut errors: Vec<RowError> = file.outcome.errors.clone();
    let mut bad_rows: HashSet<usize> = errors.iter().map(|e| e.row).collect();
    let column = |name: &str| file.headers.row_errors(0, ValidationErrors::single(name, "")).pop().map(|e| e.column).unwrap_or_default();
    let mut seen = HashSet::new();
    let mut good: Vec<(RuleInput, Checked, Option<RuleRow>)> = Vec::new();
    for (row, input) in &file.outcome.rows {
        let mut row_errors = Vec::new();
        if !seen.insert((input.code.clone(), input.version.clone())) {
            row_errors.push(RowError::new(
                *row,
                column("version"),
                format!("rule {} version {} appears twice in the file", input.code, input.version),
            ));
        }
        match check_rule(conn, input)? {
            Err(errs) => row_errors.extend(file.headers.row_errors(*row, errs)),
            Ok(checked) => {
                let region = checked.owner.region_code()?;
                if let Some(p) = actor
                    && !p.can_edit_org_content(&checked.owner.id, &region)
                {
                    row_errors.push(RowError::new(
                        *row,
                        column("owner"),
                        format!("{} may not write recognition rules of {}", p.username, input.owner),
                    ));
                }
                if let Some(other) = m::code_owner(conn, &input.code)?
                    && other != checked.owner.id
                {
                    row_errors.push(RowError::new(
                        *row,
                        column("code"),
                        format!("rule code {} belongs to another organisation", input.code),
                    ));
                }
                let existing = match m::find_rule_row(conn, &format!("{}@{}", input.code, input.version)) {
                    Ok(r) if r.code == input.code && r.version == input.version => Some(r),
                    _ => None,
                };
                if let Some(r) = &existing
                    && r.status() != RuleStatus::Draft
                {
                    row_errors.push(RowError::new(
                        *row,
                        column("version"),
                        format!("rule {} version {} is {}; a change needs a new version", input.code, input.version, r.status),
                    ));
                }
                if row_errors.is_empty() {
                    good.push((input.clone(), checked, existing));
                }
            }
        }
        if !row_errors.is_empty() {
            bad_rows.insert(*row);
            errors.extend(row_errors);
        }
    }
    report.rows_read = good.len() + bad_rows.len();
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(AppError::CsvRows(errors));
    }
    {
        let c = &mut *conn;
        for (input, checked, existing) in &good {
            let id = match existing {
                Some(r) => {
                    m::update_rule(c, &r.id, input, checked.credits)?;
                    report.updated += 1;
                    r.id.clone()
                }
                None => {
                    report.created += 1;
                    m::insert_rule(c, &checked.owner.id, input, checked.credits, RuleStatus::Draft)?
                }
            };
            if let Some(stage) = direct {
                let row = m::find_rule_row(c, &id)?;
                m::publish_directly(c, &row, actor.map(|p| p.user_id.as_str()), stage)?;
            }
        }
    }
    report.stored = !good.is_empty();
    Ok(report)
}

/// The published rules as CSV, in the import format (UTF-8 with BOM).
pub fn export_rules(conn: &mut DbConnection, owner: Option<&str>) -> AppResult<Vec<u8>> {
    let views = m::published_rules(conn, owner)?;
    let inputs = views.iter().map(RuleView::to_input).collect::<AppResult<Vec<_>>>()?;
    let mut out = Vec::new();
    csvio::write_rules(&mut out, &inputs, &csvio::ExportOptions::default()).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(out)
}

/// The JSON-LD context of the rule export: CTDL (`ceterms:`) terms, with the few Rongtong
/// terms under `rt:` (see docs/RECOGNITION.md for the mapping).
pub(crate) fn jsonld_context() -> Value {
    json!({
        "ceterms": "https://purl.org/ctdl/terms/",
        "rt": "https://w3id.org/rongtong/terms#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
    })
}

/// An outcome key as a CTDL node: a course is a `ceterms:Course`, a standard a
/// `ceterms:Certification` at a level, an external achievement a `ceterms:Credential`.
fn outcome_node(base_url: &str, key: &str) -> Value {
    let parsed = key.parse::<OutcomeKey>().ok();
    match parsed {
        Some(OutcomeKey::Course { code }) => json!({
            "@type": "ceterms:Course",
            "@id": format!("{base_url}/api/v1/courses/{code}"),
            "ceterms:codedNotation": code,
            "rt:outcomeKey": key,
        }),
        Some(OutcomeKey::Standard { occupation, level }) => json!({
            "@type": "ceterms:Certification",
            "ceterms:occupationType": { "@type": "ceterms:CredentialAlignmentObject", "ceterms:codedNotation": occupation, "ceterms:frameworkName": {"zh-CN": "中华人民共和国职业分类大典"} },
            "ceterms:credentialLevelType": { "@type": "ceterms:CredentialAlignmentObject", "ceterms:codedNotation": level.number().to_string(), "ceterms:targetNodeName": {"zh-CN": level.name_zh(), "en": level.name_en()} },
            "rt:outcomeKey": key,
        }),
        _ => json!({ "@type": "ceterms:Credential", "rt:outcomeKey": key }),
    }
}

/// One rule as a CTDL `ceterms:TransferValueProfile`: the sources are `transferValueFrom`
/// (all required: a `ceterms:ConditionProfile` would say "all of"), the target is
/// `transferValueFor`, the credits are `transferValue` (a `ceterms:ValueProfile` in credit
/// units).
pub(crate) fn rule_jsonld(base_url: &str, r: &RuleView) -> Value {
    json!({
        "@type": "ceterms:TransferValueProfile",
        "@id": format!("{base_url}/api/v1/recognition-rules/{}", r.id),
        "ceterms:ctid": format!("rt-{}", r.id),
        "ceterms:name": { "zh-CN": r.title },
        "ceterms:description": r.description.as_ref().map(|d| json!({ "zh-CN": d })),
        "ceterms:codedNotation": r.code,
        "ceterms:versionIdentifier": r.version,
        "ceterms:ownedBy": { "@type": "ceterms:CredentialOrganization", "ceterms:name": { "zh-CN": r.owner_name }, "ceterms:codedNotation": r.owner },
        "ceterms:transferValueFor": [outcome_node(base_url, &r.target)],
        "ceterms:transferValueFrom": r.sources.iter().map(|s| {
            let mut node = outcome_node(base_url, &s.outcome);
            if let Some(l) = s.min_level { node["rt:minLevel"] = json!(l); }
            if let Some(y) = s.within_years { node["rt:withinYears"] = json!(y); }
            node
        }).collect::<Vec<_>>(),
        "ceterms:transferValue": [{
            "@type": "ceterms:ValueProfile",
            "ceterms:value": r.credits,
            "ceterms:creditUnitType": { "@type": "ceterms:CredentialAlignmentObject", "ceterms:targetNodeName": { "zh-CN": "学分", "en": "credit" } },
        }],
        "rt:effect": r.effect,
        "rt:automatic": r.automatic,
        "rt:status": r.status,
    })
}

/// One rule as a JSON-LD document.
pub(crate) fn rule_document(base_url: &str, r: &RuleView) -> Value {
    let mut doc = rule_jsonld(base_url, r);
    doc["@context"] = jsonld_context();
    doc
}

/// Every published rule as one JSON-LD document (`@graph`).
pub(crate) fn rules_graph(base_url: &str, rules: &[RuleView]) -> Value {
    json!({ "@context": jsonld_context(), "@graph": rules.iter().map(|r| rule_jsonld(base_url, r)).collect::<Vec<_>>() })
}
