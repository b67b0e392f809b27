//! Issuing certificates: training certificates (培训合格证书) from completion records, one at
//! a time or for a cohort in a background job, and skill-level certificates (职业技能等级证书)
//! from evaluation organisations.
//!
//! Issuance is **idempotent**: a completion has at most one credential, so issuing again
//! returns the credential already issued; skill-level certificates are unique per learner ×
//! issuer × occupation × level. The recipient is the learner's `did:key` when they have a
//! holder key, otherwise a salted SHA-256 of their username (never a plain identity number).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use rongtong_catalog::{CompletionResult, SkillLevel};
use rongtong_credentials::obv3::{self, AchievementSpec, Alignment, CertificateKind, CredentialSpec, Grade, IssuerProfile, Recipient};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Db, DbConnection, now};
use crate::error::{AppError, AppResult};
use crate::models::credentials::{
    self as m, AlignedSkill, CompletionForIssue, CredentialKind, CredentialRow, JobLease, JobProgress, JobState,
};
use crate::services::credentials::keystore::{self, ActiveKey, Kek, Owner};
use crate::services::credentials::status::{allocate_many, status_entries};

/// What issuing needs besides a connection: the public base URL and the KEK.
#[derive(Debug, Clone, Copy)]
pub struct IssueContext<'a> {
    /// Public base URL, without a trailing slash.
    pub base_url: &'a str,
    /// Key-encryption key.
    pub kek: &'a Kek,
}

/// The outcome of issuing for a set of completions.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct IssueReport {
    /// Credentials created now.
    pub issued: usize,
    /// Completions that already had one (returned, not re-issued).
    pub skipped: usize,
    /// (completion id, credential id) for every completion that has a credential.
    pub credentials: Vec<(String, String)>,
    /// (completion id, recorded result) of completions left out because they were not passed.
    pub not_passed: Vec<(String, String)>,
}

/// What to do with a completion whose result is not a pass: a certificate of the course says
/// the learner passed (培训合格证书), so one is never issued for a fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotPassed {
    /// Refuse the whole request (422 naming the completion and its result): one issuance.
    Refuse,
    /// Leave it out and report it: a cohort.
    Skip,
}

/// Whether a recorded result is a pass: `rongtong_catalog`'s rule, the one matching uses.
/// A result that reads as neither pass nor fail is not a pass.
fn passed(result: &str) -> bool {
    CompletionResult::parse(result).is_ok_and(|r| r.is_pass())
}

/// `n` fresh certificate numbers of an issuer: `{province letters}-{ORG CODE}-{year}-{sequence}`,
/// e.g. `JX-PXOU-2026-000123`, the sequence per issuer and year. People read them off paper
/// and type them into the verify page, so they are short, upper case and unambiguous.
fn certificate_numbers(conn: &mut DbConnection, org_id: &str, n: usize) -> AppResult<Vec<String>> {
    use chrono::Datelike;
    let (code, region) = m::issuer_code_and_region(conn, org_id)?;
    let letters = region.parse::<rongtong_catalog::RegionCode>().ok().and_then(|r| r.province_letters()).unwrap_or("CN");
    let year = chrono::Utc::now().year();
    let first = m::reserve_certificate_sequence(conn, org_id, year, n)?;
    Ok((0..n as i64).map(|k| format!("{letters}-{}-{year}-{:06}", code.to_uppercase(), first + k)).collect())
}

/// `validUntil` of a certificate valid `months` from `valid_from` (YYYY-MM-DD), if it expires.
fn valid_until(valid_from: &str, months: Option<i32>) -> Option<String> {
    let months = u32::try_from(months?).ok().filter(|m| *m > 0)?;
    let from: chrono::NaiveDate = valid_from.parse().ok()?;
    Some(format!("{}T00:00:00Z", from.checked_add_months(chrono::Months::new(months))?))
}

fn issuer_profile(conn: &mut DbConnection, ctx: IssueContext<'_>, org_id: &str) -> AppResult<(IssuerProfile, ActiveKey)> {
    let (code, name) = m::issuer_names(conn, org_id)?;
    let did = keystore::org_did(ctx.base_url, &code)?;
    let key = keystore::active_issuer_key(conn, ctx.kek, Owner::Org(org_id), &did)?;
    Ok((IssuerProfile { did, name }, key))
}

fn hashed_recipient(username: &str) -> Recipient {
    Recipient::HashedIdentifier { identifier: username.to_string(), identity_type: "identifier".into(), salt: obv3::random_salt() }
}

/// learner id → recipient: their holder DID, or a salted hash of their username.
pub(crate) fn recipients(conn: &mut DbConnection, learners: &[(String, String)]) -> AppResult<HashMap<String, Recipient>> {
    let ids: Vec<String> = learners.iter().map(|(id, _)| id.clone()).collect();
    let dids = m::learner_dids(conn, &ids)?;
    Ok(learners
        .iter()
        .map(|(id, username)| {
            let r = match dids.get(id) {
                Some(did) => Recipient::Did(did.clone()),
                None => hashed_recipient(username),
            };
            (id.clone(), r)
        })
        .collect())
}

fn alignments(skills: &[AlignedSkill]) -> Vec<Alignment> {
    skills
        .iter()
        .map(|(uri, zh, en)| {
            let mut a = Alignment::competency(zh.clone().or(en.clone()).unwrap_or_else(|| uri.clone()), uri.clone());
            a.target_framework = Some("融通技能图谱".into());
            a
        })
        .collect()
}

/// Signs specs on every core (`std::thread::scope`; the key is shared read-only) and
/// serialises them there too. Returns the credentials' JSON text.
fn sign_all(specs: &[CredentialSpec], key: &ActiveKey, created: &str) -> AppResult<Vec<String>> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(specs.len().max(1));
    let chunk = specs.len().div_ceil(threads).max(1);
    let results: Vec<AppResult<Vec<String>>> = std::thread::scope(|s| {
        let handles: Vec<_> = specs
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|spec| {
                            obv3::issue(spec, &key.key, &key.verification_method, created)
                                .map(|v| v.to_string())
                                .map_err(|e| AppError::Internal(format!("signing {}: {e}", spec.id)))
                        })
                        .collect::<AppResult<Vec<String>>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(AppError::Internal("signing thread panicked".into())))).collect()
    });
    let mut out = Vec::with_capacity(specs.len());
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// How many times [`in_write_transaction`] runs an issuance again after a conflict.
const CONFLICT_RETRIES: usize = 3;

/// Runs an issuance in a write transaction ([`crate::db::write_transaction`]), again when it
/// ends in a conflict. Two nodes may both find a completion without a credential and both try
/// to issue it; the loser's insert hits the unique index on `credentials.completion_id` (a
/// 409) and its transaction rolls back, allocations and certificate numbers included. Run
/// again, it finds the winner's credential and returns it as skipped. Every path that issues
/// (the API, a job, `rongtong issue`) calls this, so none of them fails on such a race.
pub fn in_write_transaction<T>(conn: &mut DbConnection, mut f: impl FnMut(&mut DbConnection) -> AppResult<T>) -> AppResult<T> {
    let mut tries = 0;
    loop {
        match crate::db::write_transaction(conn, &mut f) {
            Err(AppError::Conflict { .. }) if tries < CONFLICT_RETRIES => tries += 1,
            other => return other,
        }
    }
}

/// Issues training certificates (培训合格证书) for completion records, signed by each course
/// provider's active key. Completions that already have a credential are skipped and their
/// credential returned: a retry never creates a second one. Run it inside a transaction.
///
/// Arguments: `completion_ids` (unknown ids are a 422); `not_passed`, what to do with a
/// completion that was not passed. Returns an [`IssueReport`].
/// Complexity: one query per 500 completions, signing spread over all cores.
pub fn issue_for_completions(
    conn: &mut DbConnection,
    ctx: IssueContext<'_>,
    completion_ids: &[String],
    not_passed: NotPassed,
) -> AppResult<IssueReport> {
    let mut report = IssueReport::default();
    let mut existing = m::credentials_of_completions(conn, completion_ids)?;
    let infos = m::completions_for_issue(conn, completion_ids)?;
    let found: HashSet<&str> = infos.iter().map(|i| i.completion_id.as_str()).collect();
    if let Some(missing) = completion_ids.iter().find(|id| !found.contains(id.as_str())) {
        return Err(AppError::invalid("completion", format!("no completion record {missing}")));
    }
    for i in infos.iter().filter(|i| !passed(&i.result)) {
        if not_passed == NotPassed::Refuse && !existing.contains_key(&i.completion_id) {
            return Err(AppError::invalid(
                "completion",
                format!(
                    "completion {} records the result `{}`, which is not a pass: a training certificate (培训合格证书) certifies a pass",
                    i.completion_id,
                    i.result.trim()
                ),
            ));
        }
        report.not_passed.push((i.completion_id.clone(), i.result.trim().to_string()));
    }
    let todo: Vec<&CompletionForIssue> = infos.iter().filter(|i| !existing.contains_key(&i.completion_id) && passed(&i.result)).collect();
    report.skipped = infos.iter().filter(|i| existing.contains_key(&i.completion_id)).count();

    let course_ids: Vec<String> = todo.iter().map(|i| i.course_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let course_skills = m::course_skill_labels(conn, &course_ids)?;
    let learners: Vec<(String, String)> = todo.iter().map(|i| (i.learner_id.clone(), i.username.clone())).collect();
    let recips = recipients(conn, &learners)?;

    // Issuers in a fixed order: each locks its status list row, and two transactions that
    // lock the same rows in different orders could deadlock on PostgreSQL.
    let mut by_org: BTreeMap<String, Vec<&CompletionForIssue>> = BTreeMap::new();
    for i in &todo {
        by_org.entry(i.provider_id.clone()).or_default().push(i);
    }
    let issued_at = now();
    for (org_id, items) in by_org {
        let (issuer, key) = issuer_profile(conn, ctx, &org_id)?;
        let slots = allocate_many(conn, &issuer.did, items.len())?;
        let numbers = certificate_numbers(conn, &org_id, items.len())?;
        let specs: Vec<CredentialSpec> = items
            .iter()
            .zip(slots.iter().zip(numbers))
            .map(|(i, ((list, index), number))| {
                // The same learner may complete several courses of one batch: recipients are reused.
                let recipient = recips.get(&i.learner_id).cloned().unwrap_or_else(|| hashed_recipient(&i.username));
                let skills = course_skills.get(&i.course_id).map(|s| alignments(s)).unwrap_or_default();
                training_spec(ctx.base_url, &issuer, i, recipient, skills, (list, *index), number)
            })
            .collect();
        let docs = sign_all(&specs, &key, &issued_at)?;
        let rows: Vec<CredentialRow> = items
            .iter()
            .zip(specs.iter().zip(docs))
            .zip(&slots)
            .map(|((i, (spec, doc)), (list, index))| CredentialRow {
                id: spec.id.clone(),
                completion_id: Some(i.completion_id.clone()),
                learner_id: i.learner_id.clone(),
                issuer_org_id: org_id.clone(),
                kind: CredentialKind::Training.to_string(),
                name: spec.achievement.name_zh.clone(),
                occupation_code: None,
                skill_level: None,
                json: doc,
                status_list_id: list.clone(),
                status_index: *index as i64,
                revoked: false,
                suspended: false,
                status_reason: None,
                status_changed_at: None,
                issued_at: issued_at.clone(),
                certificate_number: spec.certificate_number.clone(),
            })
            .collect();
        m::insert_credentials(conn, &rows)?;
        report.issued += rows.len();
        existing.extend(rows.into_iter().map(|r| (r.completion_id.unwrap_or_default(), r.id)));
    }
    report.credentials = completion_ids.iter().filter_map(|c| Some((c.clone(), existing.get(c)?.clone()))).collect();
    Ok(report)
}

/// The signed content of a training certificate: everything an employer reads on it — who,
/// which course, its hours and credits, the grade, the number, the validity — is in the signed
/// document, so the printed page and any verifier show what was signed, not today's rows.
fn training_spec(
    base_url: &str,
    issuer: &IssuerProfile,
    i: &CompletionForIssue,
    recipient: Recipient,
    alignments: Vec<Alignment>,
    (list, index): (&str, u64),
    certificate_number: String,
) -> CredentialSpec {
    let credits = (i.credits > 0.0).then_some(i.credits);
    let hours = (i.hours > 0.0).then_some(i.hours);
    let result = i.result.trim();
    CredentialSpec {
        id: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        issuer: issuer.clone(),
        recipient,
        achievement: AchievementSpec {
            id: format!("{base_url}/achievements/courses/{}/{}", enc_segment(&i.code), enc_segment(&i.version)),
            kind: CertificateKind::Training,
            name_zh: i.title_zh.clone(),
            name_en: i.title_en.clone(),
            description: format!("完成微课程《{}》（{} 学时，{} 学分）的学习并考核合格。", i.title_zh, i.hours, i.credits),
            criteria_narrative: format!("完成全部 {} 学时的学习，并通过考核。", i.hours),
            alignments,
            credits_available: credits,
            hours,
        },
        valid_from: format!("{}T00:00:00Z", i.completed_on),
        valid_until: valid_until(&i.completed_on, i.valid_months),
        status: status_entries(base_url, list, index),
        learner_name: Some(i.display_name.clone()).filter(|n| !n.trim().is_empty()),
        credits_earned: credits,
        hours_completed: hours,
        grade: (!result.is_empty()).then(|| Grade::from_text(result)),
        certificate_number: Some(certificate_number),
    }
}

/// Percent-encodes a path segment (course codes are plain, but stay safe).
fn enc_segment(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// A skill-level certificate request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillLevelInput {
    /// Learner username or id.
    pub learner: String,
    /// Occupation code, URI or id.
    pub occupation: String,
    /// Level 1 (highest) – 5.
    pub level: u8,
    /// Issuing evaluation organisation code (defaults to the caller's organisation).
    #[serde(default)]
    pub issuer: Option<String>,
    /// Date of the assessment, YYYY-MM-DD (default today).
    #[serde(default, with = "rongtong_catalog::validate::iso_date::option")]
    #[schema(value_type = Option<String>)]
    pub assessed_on: Option<chrono::NaiveDate>,
}

/// Issues a vocational skill-level certificate (职业技能等级证书) from an evaluation
/// organisation, or returns the one already issued for the same learner, occupation and
/// level (idempotent). Returns the row and whether it was created now.
pub fn issue_skill_level(
    conn: &mut DbConnection,
    ctx: IssueContext<'_>,
    org_id: &str,
    learner_id: &str,
    occupation_key: &str,
    level: SkillLevel,
    assessed_on: chrono::NaiveDate,
) -> AppResult<(CredentialRow, bool)> {
    let occupation = crate::models::catalog::find_occupation(conn, occupation_key).map_err(|e| match e {
        AppError::NotFound(_) => AppError::invalid("occupation", format!("no occupation {occupation_key}")),
        other => other,
    })?;
    let (occ_id, uri, code, label_zh, label_en) =
        (occupation.id, occupation.uri, occupation.code, occupation.label_zh, occupation.label_en);
    let valid_months = occupation.valid_months.and_then(|m| i32::try_from(m).ok());
    let occ_code = code.clone().unwrap_or_else(|| uri.clone());
    if let Some(row) = m::find_skill_level_credential(conn, learner_id, org_id, &occ_code, level.number() as i32)? {
        return Ok((row, false));
    }
    let learner = crate::models::accounts::find_user(conn, learner_id)?;
    let (issuer, key) = issuer_profile(conn, ctx, org_id)?;
    let (list, index) =
        allocate_many(conn, &issuer.did, 1)?.into_iter().next().ok_or_else(|| AppError::Internal("no status slot".into()))?;
    // Allocation locked the issuer's status list, so every other issuer of this organisation
    // waits here: look again, in case one issued the same certificate since our first look
    // (no unique index covers it). A conflict rolls this transaction back, and
    // [`in_write_transaction`] runs it again, which then returns that certificate.
    if m::find_skill_level_credential(conn, learner_id, org_id, &occ_code, level.number() as i32)?.is_some() {
        return Err(AppError::conflict("level", "issued concurrently"));
    }
    let number = certificate_numbers(conn, org_id, 1)?.pop();
    let recipient = recipients(conn, &[(learner_id.to_string(), learner.username.clone())])?
        .remove(learner_id)
        .ok_or_else(|| AppError::Internal("no recipient".into()))?;
    let occ_name = label_zh.clone().or(label_en.clone()).unwrap_or_else(|| occ_code.clone());
    // Skills the occupation requires, as alignments after the occupation itself.
    let skills = m::occupation_skill_labels(conn, &occ_id)?;
    let ach_id = format!("{}/achievements/occupations/{}/level-{}", ctx.base_url, enc_segment(&occ_code), level.number());
    let spec = CredentialSpec {
        id: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        issuer,
        recipient,
        achievement: AchievementSpec {
            id: ach_id,
            kind: CertificateKind::SkillLevel {
                occupation_code: occ_code.clone(),
                occupation_name: occ_name.clone(),
                occupation_url: uri,
                level,
            },
            name_zh: format!("{occ_name}（{}）", level.name_zh()),
            name_en: label_en.map(|en| format!("{en}, {}", level.name_en())),
            description: format!("经职业技能等级认定，{occ_name}达到{}。", level.name_zh()),
            criteria_narrative: "通过职业技能等级认定：理论知识考试与操作技能考核均合格。".into(),
            alignments: alignments(&skills),
            ..Default::default()
        },
        valid_from: format!("{assessed_on}T00:00:00Z"),
        valid_until: valid_until(&assessed_on.to_string(), valid_months),
        status: status_entries(ctx.base_url, &list, index),
        learner_name: Some(learner.display_name.clone()).filter(|n| !n.trim().is_empty()),
        certificate_number: number,
        ..Default::default()
    };
    let issued_at = now();
    let doc =
        obv3::issue(&spec, &key.key, &key.verification_method, &issued_at).map_err(|e| AppError::Internal(format!("signing: {e}")))?;
    let row = CredentialRow {
        id: spec.id.clone(),
        completion_id: None,
        learner_id: learner_id.to_string(),
        issuer_org_id: org_id.to_string(),
        kind: CredentialKind::SkillLevel.to_string(),
        name: spec.achievement.name_zh.clone(),
        occupation_code: Some(occ_code),
        skill_level: Some(level.number() as i32),
        json: doc.to_string(),
        status_list_id: list,
        status_index: index as i64,
        revoked: false,
        suspended: false,
        status_reason: None,
        status_changed_at: None,
        issued_at,
        certificate_number: spec.certificate_number.clone(),
    };
    m::insert_credentials(conn, std::slice::from_ref(&row))?;
    Ok((row, true))
}

/// What [`issue_recognition`] needs: the rule cited, the learner, and the source credentials
/// the recognition rests on (for its `evidence`).
pub struct RecognitionIssue<'a> {
    /// The published rule.
    pub rule: &'a crate::models::recognition::RuleView,
    /// The learner's id.
    pub learner_id: &'a str,
    /// The sources.
    pub sources: Vec<rongtong_credentials::recognition::EvidenceSource>,
}

/// Issues a recognition (互认) credential: an OBv3 `AchievementCredential` of the rule's
/// target, signed by the rule's owner, whose criteria name the rule and version and whose
/// `evidence` lists the source credentials (`rongtong_credentials::recognition`). A course
/// target is the course's achievement (its latest published version), with the rule's
/// credits; a standard target is the assessment's eligibility or the exempted part
/// (`achievementType` `Assessment`), never the skill-level certificate itself. It gets its
/// own status entries. Run it inside the decision's write transaction.
pub fn issue_recognition(conn: &mut DbConnection, ctx: IssueContext<'_>, r: &RecognitionIssue<'_>) -> AppResult<CredentialRow> {
    use rongtong_catalog::{AssessmentPart, OutcomeKey, RuleEffect};
    let rule = r.rule;
    let bad = |what: &str| AppError::Internal(format!("rule {}: {what}", rule.id));
    let target: OutcomeKey = rule.target.parse().map_err(|_| bad("target"))?;
    let effect: RuleEffect = rule.effect.parse().map_err(|_| bad("effect"))?;
    let owner = crate::models::accounts::find_org(conn, &rule.owner)?;
    let learner = crate::models::accounts::find_user(conn, r.learner_id)?;
    let credits = (rule.credits > 0.0).then_some(rule.credits);
    let achievement = match &target {
        OutcomeKey::Course { code } => {
            let course = m::latest_public_course(conn, code)?
                .ok_or_else(|| AppError::conflict("target", format!("course {code} is no longer published")))?;
            let skills = m::course_skill_labels(conn, std::slice::from_ref(&course.id))?.remove(&course.id).unwrap_or_default();
            AchievementSpec {
                id: format!("{}/achievements/courses/{}/{}", ctx.base_url, enc_segment(code), enc_segment(&course.version)),
                kind: CertificateKind::Training,
                name_zh: course.title_zh.clone(),
                name_en: course.title_en.clone(),
                description: format!("微课程《{}》经互认免修，计 {} 学分。", course.title_zh, rule.credits),
                criteria_narrative: String::new(),
                alignments: alignments(&skills),
                credits_available: credits,
                hours: (course.hours > 0.0).then_some(course.hours),
            }
        }
        OutcomeKey::Standard { occupation, level } => {
            let occ = crate::models::catalog::find_occupation(conn, occupation)?;
            let occ_name = occ.label_zh.clone().or(occ.label_en.clone()).unwrap_or_else(|| occupation.clone());
            let (slug, what_zh, what_en) = match effect {
                RuleEffect::AssessmentEligibility => {
                    ("eligibility", "申报条件（培训要求）已满足", "assessment eligibility (training requirement met)")
                }
                RuleEffect::ExemptAssessmentPart(AssessmentPart::Theory) => {
                    ("theory-exempt", "理论知识考试免考", "theory examination exempted")
                }
                RuleEffect::ExemptAssessmentPart(AssessmentPart::Practical) => {
                    ("practical-exempt", "操作技能考核免考", "practical assessment exempted")
                }
                RuleEffect::ExemptCourse => return Err(bad("exempt_course on a standard")),
            };
            AchievementSpec {
                id: format!("{}/achievements/occupations/{}/level-{}/{slug}", ctx.base_url, enc_segment(occupation), level.number()),
                kind: CertificateKind::Assessment,
                name_zh: format!("{occ_name}（{}）{what_zh}", level.name_zh()),
                name_en: occ.label_en.as_ref().map(|en| format!("{en}, {}: {what_en}", level.name_en())),
                description: format!("职业技能等级认定：{occ_name}（{}）{what_zh}。", level.name_zh()),
                criteria_narrative: String::new(),
                alignments: alignments(&m::occupation_skill_labels(conn, &occ.id)?),
                credits_available: credits,
                hours: None,
            }
        }
        OutcomeKey::External { .. } => return Err(bad("an external target")),
    };
    let (issuer, key) = issuer_profile(conn, ctx, &owner.id)?;
    let (list, index) =
        allocate_many(conn, &issuer.did, 1)?.into_iter().next().ok_or_else(|| AppError::Internal("no status slot".into()))?;
    let number = certificate_numbers(conn, &owner.id, 1)?.pop();
    let recipient = recipients(conn, &[(learner.id.clone(), learner.username.clone())])?
        .remove(&learner.id)
        .ok_or_else(|| AppError::Internal("no recipient".into()))?;
    let today = chrono::Utc::now().date_naive();
    let name_zh = achievement.name_zh.clone();
    let spec = rongtong_credentials::recognition::RecognitionSpec {
        credential: CredentialSpec {
            id: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
            issuer,
            recipient,
            achievement,
            valid_from: format!("{today}T00:00:00Z"),
            status: status_entries(ctx.base_url, &list, index),
            learner_name: Some(learner.display_name.clone()).filter(|n| !n.trim().is_empty()),
            credits_earned: credits,
            certificate_number: number,
            ..Default::default()
        },
        rule_code: rule.code.clone(),
        rule_version: rule.version.parse().map_err(|_| bad("version is not a number"))?,
        sources: r.sources.clone(),
    };
    let issued_at = now();
    let doc = rongtong_credentials::recognition::issue_recognition(&spec, &key.key, &key.verification_method, &issued_at)
        .map_err(|e| AppError::Internal(format!("signing: {e}")))?;
    let row = CredentialRow {
        id: spec.credential.id.clone(),
        completion_id: None,
        learner_id: learner.id.clone(),
        issuer_org_id: owner.id.clone(),
        kind: CredentialKind::Recognition.to_string(),
        name: name_zh,
        occupation_code: None,
        skill_level: None,
        json: doc.to_string(),
        status_list_id: list,
        status_index: index as i64,
        revoked: false,
        suspended: false,
        status_reason: None,
        status_changed_at: None,
        issued_at,
        certificate_number: spec.credential.certificate_number.clone(),
    };
    m::insert_credentials(conn, std::slice::from_ref(&row))?;
    Ok(row)
}

/// The completion ids of a cohort: every completion of the course (id, `code` — every
/// version of that code from the same provider — or `code@version`), optionally only of
/// the given learners (usernames or ids). Returns (provider org id, course id, completion ids).
pub fn cohort_completions(
    conn: &mut DbConnection,
    course_key: &str,
    learners: Option<&[String]>,
) -> AppResult<(String, String, Vec<String>)> {
    let course = crate::models::courses::find_course_row(conn, course_key)
        .map_err(|_| AppError::invalid("course", format!("no course {course_key}")))?;
    let course_ids: Vec<String> = if course.id == course_key || course_key.contains('@') {
        vec![course.id.clone()]
    } else {
        m::course_versions(conn, &course.code, &course.provider_id)?
    };
    let learner_ids = match learners {
        Some(ls) => {
            let ids = crate::models::accounts::user_ids(conn, ls)?;
            if ids.len() < ls.len() {
                return Err(AppError::invalid("learners", "some learners are unknown"));
            }
            Some(ids)
        }
        None => None,
    };
    let ids = m::completion_ids_of(conn, &course_ids, learner_ids.as_deref())?;
    Ok((course.provider_id, course.id, ids))
}

/// Runs a cohort job on this node: issues in chunks of 200 completions, each chunk in its
/// own transaction, recording progress after each. Completions that were not passed are left
/// out and counted. A failure marks the job `failed` with the reason; credentials issued
/// before it stay (re-running the job skips them).
///
/// The job is held under `lease` (recorded when the job was created): a heartbeat thread
/// renews it every third of its duration, on its own connection, so a slow chunk never lets
/// it lapse while this node lives. If another node nevertheless found it expired and marked
/// the job failed, the renewal or the next progress update finds the job no longer held, and
/// the work stops after the chunk in hand (which is complete and committed, so nothing is
/// half done). `db` needs a pool of two connections.
pub fn run_job(db: &Db, ctx: IssueContext<'_>, job_id: &str, lease: JobLease<'_>, completion_ids: &[String]) -> AppResult<()> {
    let lost = AtomicBool::new(false);
    let (finished, heartbeat_stop) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        let lost = &lost;
        s.spawn(move || {
            let every = (lease.duration / 3).max(std::time::Duration::from_millis(100));
            while let Err(mpsc::RecvTimeoutError::Timeout) = heartbeat_stop.recv_timeout(every) {
                let renewed = db.conn().map_err(AppError::from).and_then(|mut c| Ok(m::renew_job_lease(&mut c, job_id, lease)?));
                match renewed {
                    Ok(0) => return lost.store(true, Ordering::SeqCst),
                    Ok(_) => {}
                    // Try again at the next beat; the lease outlasts two missed ones.
                    Err(e) => tracing::warn!(job = job_id, error = %e, "could not renew the job's lease"),
                }
            }
        });
        let result = db.conn().map_err(AppError::from).and_then(|mut conn| run_chunks(&mut conn, ctx, job_id, lease, completion_ids, lost));
        drop(finished);
        result
    })
}

fn run_chunks(
    conn: &mut DbConnection,
    ctx: IssueContext<'_>,
    job_id: &str,
    lease: JobLease<'_>,
    completion_ids: &[String],
    lost: &AtomicBool,
) -> AppResult<()> {
    let stop = |updated: usize| {
        if updated == 0 || lost.load(Ordering::SeqCst) {
            tracing::warn!(job = job_id, "job no longer held by this node (its lease expired): stopping");
            return true;
        }
        false
    };
    let mut progress = JobProgress::default();
    if stop(m::update_job(conn, job_id, lease, JobState::Running, progress, None)?) {
        return Ok(());
    }
    for chunk in completion_ids.chunks(200) {
        match in_write_transaction(conn, |c| issue_for_completions(c, ctx, chunk, NotPassed::Skip)) {
            Ok(r) => {
                progress.done += chunk.len();
                progress.issued += r.issued;
                progress.skipped += r.skipped;
                progress.not_passed += r.not_passed.len();
                if stop(m::update_job(conn, job_id, lease, JobState::Running, progress, None)?) {
                    return Ok(());
                }
            }
            Err(e) => {
                tracing::error!(job = job_id, error = %e, "issuance job failed");
                let shown = match e {
                    AppError::Internal(_) => "internal error (see the server log)".to_string(),
                    other => other.to_string(),
                };
                m::update_job(conn, job_id, lease, JobState::Failed, progress, Some(shown))?;
                return Ok(());
            }
        }
    }
    m::update_job(conn, job_id, lease, JobState::Done, progress, None)?;
    Ok(())
}
