//! Builders for our Open Badges 3.0 `AchievementCredential`s.
//!
//! Three kinds ([`CertificateKind`]): a training certificate (培训合格证书, course
//! completion), a vocational skill-level certificate (职业技能等级证书, occupation × level,
//! issued by an evaluation organisation) and a micro-credential. Every property is one the
//! `[VC v2, OB 3.0.3]` contexts define — no extension context — so any OBv3 verifier in
//! JSON-LD safe mode accepts them. The skill level is encoded with OB's rubric terms; see
//! `docs/CREDENTIALS.md` ("Skill level encoding"):
//!
//! * `achievement.resultDescription[0]`: `resultType` `RubricCriterionLevel`, one
//!   `rubricCriterionLevel` per national level (五级 … 一级, `level` = the official number),
//!   `requiredLevel` = the level this certificate attests;
//! * `credentialSubject.result[0]`: `resultDescription` → that description,
//!   `achievedLevel` → the level's id;
//! * an `alignment` to the occupation (`targetCode` = occupation code,
//!   `targetType` `ext:Occupation`) next to the skill alignments (`ceasn:Competency`).
//!
//! What an employer reads on the certificate — the learner's name, the course's credits and
//! hours, the grade, the certificate number, the expiry — is **in the signed data**, each in
//! the place OB 3.0 gives it (see [`CredentialSpec`] and `docs/CREDENTIALS.md`, "Certificate
//! details"). Every such input is optional; when all are absent the credential is
//! byte-for-byte what earlier versions built.

use rongtong_catalog::SkillLevel;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::contexts::{ContextPolicy, OB_V3P0_3_0_3, VC_V2};
use crate::keys::SigningKey;
use crate::proof::{self, ProofOptions};
use crate::status::StatusListEntry;
use crate::{Error, Result, canon};

/// Who issues: a DID we hold the key for.
#[derive(Debug, Clone, Default)]
pub struct IssuerProfile {
    /// The issuer's DID (`did:web:…` for organisations, `did:key:…` in tests).
    pub did: String,
    /// Display name, e.g. `江西开放大学`.
    pub name: String,
}

/// Who the credential is about.
#[derive(Debug, Clone)]
pub enum Recipient {
    /// The learner's own DID (e.g. their wallet's did:key): `credentialSubject.id`.
    Did(String),
    /// A salted hash of an identifier the learner can later prove (student number, phone…):
    /// `credentialSubject.identifier[0]` IdentityObject; the plaintext never appears.
    HashedIdentifier {
        /// The identifier in plaintext (hashed here, never stored in the credential).
        identifier: String,
        /// OB `IdentifierTypeEnum` value, e.g. `identifier`, `emailAddress`,
        /// `nationalIdentityNumber`, or an `ext:…` value.
        identity_type: String,
        /// Random salt (hex), stored in the credential so the learner can prove a match.
        salt: String,
    },
}

/// An empty DID, only so [`CredentialSpec`] can be written with `..Default::default()`:
/// [`build_credential`] refuses it, so a forgotten recipient can never be signed.
impl Default for Recipient {
    fn default() -> Self {
        Recipient::Did(String::new())
    }
}

/// OB's salted identity hash: `sha256$` + hex(SHA-256(identifier ‖ salt)).
pub fn identity_hash(identifier: &str, salt: &str) -> String {
    let mut h = Sha256::new();
    h.update(identifier.as_bytes());
    h.update(salt.as_bytes());
    format!("sha256${}", canon::hex_lower(&h.finalize()))
}

/// A fresh random salt (16 bytes, hex) for [`Recipient::HashedIdentifier`].
pub fn random_salt() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    canon::hex_lower(&b)
}

/// A link from the achievement to a node of a skills graph or framework.
#[derive(Debug, Clone)]
pub struct Alignment {
    /// `targetName`, e.g. the skill's name.
    pub target_name: String,
    /// `targetUrl`: the skill's URI.
    pub target_url: String,
    /// `targetFramework`, e.g. `融通技能图谱`.
    pub target_framework: Option<String>,
    /// `targetCode`, e.g. the skill's code.
    pub target_code: Option<String>,
    /// `targetType`: `ceasn:Competency` for skills (the default), `ext:…` otherwise.
    pub target_type: String,
}

impl Alignment {
    /// An alignment to a competency (`ceasn:Competency`).
    pub fn competency(name: impl Into<String>, url: impl Into<String>) -> Self {
        Alignment {
            target_name: name.into(),
            target_url: url.into(),
            target_framework: None,
            target_code: None,
            target_type: "ceasn:Competency".into(),
        }
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(["Alignment"]));
        m.insert("targetName".into(), self.target_name.clone().into());
        m.insert("targetUrl".into(), self.target_url.clone().into());
        if let Some(f) = &self.target_framework {
            m.insert("targetFramework".into(), f.clone().into());
        }
        if let Some(c) = &self.target_code {
            m.insert("targetCode".into(), c.clone().into());
        }
        m.insert("targetType".into(), self.target_type.clone().into());
        Value::Object(m)
    }
}

/// Which of our three certificates this is.
///
/// The kind decides `achievementType` (OB 3.0 `AchievementType`, whose terms are CTDL's):
///
/// * a training certificate is `Certificate`;
/// * a skill-level certificate is `Certification` — CTDL's "credential awarded by an
///   authoritative body for demonstrating the knowledge, skills, and abilities to perform
///   specific tasks or an occupation": what 职业技能等级认定 attests, an **assessment** result,
///   not a course completion. Not `Course`/`CertificateOfCompletion` (completion), not
///   `Assessment` (that names the evaluation itself, not the credential awarded for passing
///   it), and not `License` (legal authority to practise, which 职业资格 licences of
///   regulated trades grant and a skill-level certificate does not). Its criteria narrative
///   (the caller's words) should likewise say what was assessed, not what was attended;
/// * a micro-credential is `MicroCredential`;
/// * a recognition towards an assessment — eligibility to sit it (申报条件) or a part exempted
///   (免考) — is `Assessment`: it is about the assessment itself, exactly what the word
///   names, and so never reads as the certificate awarded for passing it.
#[derive(Debug, Clone, Default)]
pub enum CertificateKind {
    /// 培训合格证书: completed a course (`achievementType` `Certificate`).
    #[default]
    Training,
    /// 职业技能等级证书: passed a skill-level assessment for an occupation
    /// (`achievementType` `Certification`).
    SkillLevel {
        /// Occupation code of 国家职业分类大典, e.g. `6-31-01-03`.
        occupation_code: String,
        /// Occupation name, e.g. `工业机器人系统运维员`.
        occupation_name: String,
        /// URI of the occupation (our catalog's URL for it).
        occupation_url: String,
        /// The level attested.
        level: SkillLevel,
    },
    /// A micro-credential (`achievementType` `MicroCredential`).
    Micro,
    /// Something granted towards a skill-level assessment — eligibility to sit it, or one
    /// part exempted — by a recognition (`achievementType` `Assessment`).
    Assessment,
}

/// What was achieved (`credentialSubject.achievement`).
///
/// Everything here describes the achievement, the same for every learner who earns it; what
/// one learner earned is on [`CredentialSpec`].
#[derive(Debug, Clone, Default)]
pub struct AchievementSpec {
    /// Absolute URI of the achievement definition (same for every learner).
    pub id: String,
    /// Kind of certificate.
    pub kind: CertificateKind,
    /// Name in Chinese (shown first).
    pub name_zh: String,
    /// Optional English name; OB `name` is a plain string (the OB context has no language
    /// maps), so `name` = `中文名 (English name)`.
    pub name_en: Option<String>,
    /// Description (Markdown allowed).
    pub description: String,
    /// `criteria.narrative`: what the learner had to do.
    pub criteria_narrative: String,
    /// Skill alignments.
    pub alignments: Vec<Alignment>,
    /// `achievement.creditsAvailable`: the course's credits (学分), omitted when `None`.
    /// OB types it as a float (`xsd:float`), so half credits are fine; a whole number is
    /// written as a JSON integer (`2`, not `2.0`). Must be finite and ≥ 0.
    pub credits_available: Option<f64>,
    /// The course's learning hours (学时), omitted when `None`. OB 3.0 has no hours
    /// property, so they are a `ResultDescription` (id [`hours_result_description_id`]) of
    /// `resultType` `ext:LearningHours` with `valueMax` = these hours; the learner's
    /// completed hours ([`CredentialSpec::hours_completed`]) are its `Result`. Must be finite
    /// and ≥ 0.
    pub hours: Option<f64>,
}

/// Everything needed to build one credential.
///
/// The optional certificate details (`learner_name` … `certificate_number`, and
/// `valid_until`) are signed like everything else: changing any of them breaks the proof.
#[derive(Debug, Clone, Default)]
pub struct CredentialSpec {
    /// `urn:uuid:…` of this credential (the registry assigns it).
    pub id: String,
    /// Issuer profile.
    pub issuer: IssuerProfile,
    /// The learner.
    pub recipient: Recipient,
    /// The achievement.
    pub achievement: AchievementSpec,
    /// `validFrom` (RFC 3339 with zone, e.g. `2026-01-15T00:00:00Z`).
    pub valid_from: String,
    /// Optional `validUntil` (VC 2.0 §4.9; RFC 3339 with zone), for certificates that
    /// expire. Must be later than `valid_from`. Verifiers fail the `dates` check from then on.
    pub valid_until: Option<String>,
    /// Status entries (revocation and/or suspension).
    pub status: Vec<StatusListEntry>,
    /// The learner's name as printed on the certificate (e.g. `李明轩`), so an employer can
    /// match the certificate to the person in front of them. Written as an **un-hashed** OB
    /// `IdentityObject` (`identityType` `name`, `hashed` false, `identityHash` = the name, no
    /// salt) appended to `credentialSubject.identifier`, after the hashed identifier when
    /// there is one. Only the name: never put an identity-card number here.
    pub learner_name: Option<String>,
    /// `credentialSubject.creditsEarned`: the credits this learner earned (float, like
    /// `creditsAvailable`); at most `achievement.credits_available` when that is given.
    pub credits_earned: Option<f64>,
    /// The learning hours this learner completed: a `Result` (`value` = the hours as a
    /// decimal string) pointing at the achievement's hours description (see
    /// [`AchievementSpec::hours`]); at most `achievement.hours` when that is given.
    pub hours_completed: Option<f64>,
    /// The learner's grade (合格, 优秀, pass, 85 …): a `ResultDescription` in the achievement and
    /// the learner's `Result` with `value`. See [`Grade`].
    pub grade: Option<Grade>,
    /// The human-readable certificate number (e.g. `JX-PXOU-2026-000123`), as
    /// `credentialSubject.licenseNumber` — OB's "license number that was issued with this
    /// credential", the one property for a number that belongs to this award (not
    /// `achievement.humanCode`, which is the same for every learner, and not `id`, which is
    /// the machine identifier). The builder takes the string as given (non-empty).
    pub certificate_number: Option<String>,
}

/// OB 3.0 `ResultType` of a grade's `ResultDescription`.
///
/// Chinese assessments grade either on a named scale (优秀/良好/中等/及格/不及格, or
/// 合格/不合格) or in points (85). A named scale is what OB calls a letter grade ("The result is
/// a letter grade", e.g. `A`): a grade word from an ordered scale, printed as awarded.
/// `Status` is not for grades (its `Result` needs a `ResultStatusType` such as `Completed`,
/// not free text), and `RubricScore` needs a rubric with points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GradeType {
    /// `LetterGrade`: a grade word or letter (优秀, 合格, pass, A).
    #[default]
    LetterGrade,
    /// `RawScore`: points, e.g. `85`.
    RawScore,
    /// `Percent`: a percentage, e.g. `85` out of 100 when the scale is known to be percent.
    Percent,
    /// `PerformanceLevel`: a level of performance (e.g. `熟练 / proficient`).
    PerformanceLevel,
}

impl GradeType {
    /// The OB `resultType` term.
    pub fn as_str(self) -> &'static str {
        match self {
            GradeType::LetterGrade => "LetterGrade",
            GradeType::RawScore => "RawScore",
            GradeType::Percent => "Percent",
            GradeType::PerformanceLevel => "PerformanceLevel",
        }
    }
}

/// A learner's grade.
///
/// In the credential: `achievement.resultDescription[]` gets
/// `{"id": "<achievement id>#grade", "type": ["ResultDescription"], "name": "考核结果 (assessment result)", "resultType": <grade_type>}`
/// and `credentialSubject.result[]` gets
/// `{"type": ["Result"], "resultDescription": "<achievement id>#grade", "value": <value>}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grade {
    /// The grade exactly as awarded and printed (non-empty).
    pub value: String,
    /// Which kind of grade it is.
    pub grade_type: GradeType,
}

impl Grade {
    /// A grade from free text: a plain number (`85`, `92.5`) is a [`GradeType::RawScore`],
    /// anything else (`优秀`, `合格`, `pass`, `A`) a [`GradeType::LetterGrade`]. Use the
    /// struct directly when the scale is known to be percent or performance levels.
    pub fn from_text(value: impl Into<String>) -> Self {
        let value: String = value.into();
        let t = value.trim();
        let numeric = !t.is_empty()
            && t.chars().all(|c| c.is_ascii_digit() || c == '.')
            && t.chars().filter(|c| *c == '.').count() <= 1
            && t.chars().next().is_some_and(|c| c.is_ascii_digit())
            && t.chars().last().is_some_and(|c| c.is_ascii_digit());
        let grade_type = if numeric { GradeType::RawScore } else { GradeType::LetterGrade };
        Grade { value, grade_type }
    }
}

impl AchievementSpec {
    fn name(&self) -> String {
        match &self.name_en {
            Some(en) if !en.is_empty() => format!("{} ({en})", self.name_zh),
            _ => self.name_zh.clone(),
        }
    }

    /// The achievement JSON; `extra_descriptions` (hours, grade) follow the skill-level
    /// description in `resultDescription`.
    fn to_json(&self, extra_descriptions: Vec<Value>) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), self.id.clone().into());
        m.insert("type".into(), json!(["Achievement"]));
        let achievement_type = match self.kind {
            CertificateKind::Training => "Certificate",
            CertificateKind::SkillLevel { .. } => "Certification",
            CertificateKind::Micro => "MicroCredential",
            CertificateKind::Assessment => "Assessment",
        };
        m.insert("achievementType".into(), achievement_type.into());
        m.insert("name".into(), self.name().into());
        m.insert("description".into(), self.description.clone().into());
        m.insert("criteria".into(), json!({"narrative": self.criteria_narrative}));
        let mut alignments: Vec<Value> = Vec::new();
        let mut descriptions: Vec<Value> = Vec::new();
        if let CertificateKind::SkillLevel { occupation_code, occupation_name, occupation_url, level } = &self.kind {
            alignments.push(json!({
                "type": ["Alignment"],
                "targetName": occupation_name,
                "targetUrl": occupation_url,
                "targetFramework": "中华人民共和国职业分类大典",
                "targetCode": occupation_code,
                "targetType": "ext:Occupation",
            }));
            descriptions.push(level_result_description(&self.id, *level));
        }
        descriptions.extend(extra_descriptions);
        if !descriptions.is_empty() {
            m.insert("resultDescription".into(), Value::Array(descriptions));
        }
        alignments.extend(self.alignments.iter().map(Alignment::to_json));
        if !alignments.is_empty() {
            m.insert("alignment".into(), Value::Array(alignments));
        }
        if let Some(c) = self.credits_available {
            m.insert("creditsAvailable".into(), json_number(c));
        }
        m.insert("inLanguage".into(), "zh-CN".into());
        Value::Object(m)
    }
}

/// Id of a level's `RubricCriterionLevel` under an achievement.
pub fn level_id(achievement_id: &str, level: SkillLevel) -> String {
    format!("{achievement_id}#level-{}", level.number())
}

/// Id of the skill-level `ResultDescription` under an achievement.
pub fn level_result_description_id(achievement_id: &str) -> String {
    format!("{achievement_id}#skill-level")
}

fn level_result_description(achievement_id: &str, required: SkillLevel) -> Value {
    let levels: Vec<Value> = SkillLevel::ALL_ASCENDING
        .iter()
        .map(|l| {
            json!({
                "id": level_id(achievement_id, *l),
                "type": ["RubricCriterionLevel"],
                "name": format!("{} ({})", l.name_zh(), l.name_en()),
                "level": l.number().to_string(),
            })
        })
        .collect();
    json!({
        "id": level_result_description_id(achievement_id),
        "type": ["ResultDescription"],
        "name": "国家职业技能等级 (national vocational skill level; 1 = highest)",
        "resultType": "RubricCriterionLevel",
        "rubricCriterionLevel": levels,
        "requiredLevel": level_id(achievement_id, required),
    })
}

/// Id of the learning-hours `ResultDescription` under an achievement.
pub fn hours_result_description_id(achievement_id: &str) -> String {
    format!("{achievement_id}#hours")
}

/// Id of the grade `ResultDescription` under an achievement.
pub fn grade_result_description_id(achievement_id: &str) -> String {
    format!("{achievement_id}#grade")
}

/// `resultType` of the learning-hours description. OB 3.0 has no property for hours; its
/// `ResultType` enumeration "can be extended with new, proprietary terms [that] must start
/// with the substring 'ext:'". `resultType` is a plain literal in the OB 3.0.3 context (no
/// `@vocab` coercion), so the term expands strictly with no extension context.
pub const LEARNING_HOURS_RESULT_TYPE: &str = "ext:LearningHours";

/// A number as JSON: whole numbers as integers (`2`, not `2.0`: the same value to JSON-LD,
/// which writes both as `"2"`, but what earlier versions wrote and what people expect to
/// read), others as the shortest round-trip float.
fn json_number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 { Value::from(x as i64) } else { Value::from(x) }
}

/// A number as OB's `String` values want it: plain decimal, shortest round trip, no
/// exponent (`32`, `1.5`, `0.25`).
fn decimal_string(x: f64) -> String {
    match json_number(x) {
        Value::Number(n) if n.is_i64() => n.to_string(),
        _ => format!("{x}"),
    }
}

fn check_amount(field: &str, x: Option<f64>) -> Result<()> {
    match x {
        Some(v) if !v.is_finite() || v < 0.0 => Err(Error::Malformed(format!("{field} must be a finite number ≥ 0, not {v}"))),
        _ => Ok(()),
    }
}

fn check_at_most(earned_field: &str, earned: Option<f64>, available_field: &str, available: Option<f64>) -> Result<()> {
    match (earned, available) {
        (Some(e), Some(a)) if e > a => Err(Error::Malformed(format!("{earned_field} ({e}) exceeds {available_field} ({a})"))),
        _ => Ok(()),
    }
}

fn check_text(field: &str, s: Option<&str>) -> Result<()> {
    match s {
        Some(t) if t.trim().is_empty() => Err(Error::Malformed(format!("{field} must not be empty"))),
        _ => Ok(()),
    }
}

/// Checks the optional certificate details before anything is built: a certificate must
/// not say what cannot be true (negative credits, more hours earned than the course has, an
/// expiry before it starts, an empty name or number).
fn check_details(spec: &CredentialSpec) -> Result<()> {
    let a = &spec.achievement;
    check_amount("creditsAvailable", a.credits_available)?;
    check_amount("creditsEarned", spec.credits_earned)?;
    check_amount("hours", a.hours)?;
    check_amount("hours completed", spec.hours_completed)?;
    check_at_most("creditsEarned", spec.credits_earned, "creditsAvailable", a.credits_available)?;
    check_at_most("hours completed", spec.hours_completed, "the course's hours", a.hours)?;
    check_text("learner name", spec.learner_name.as_deref())?;
    check_text("certificate number", spec.certificate_number.as_deref())?;
    check_text("grade", spec.grade.as_ref().map(|g| g.value.as_str()))?;
    if let Recipient::Did(did) = &spec.recipient
        && !did.starts_with("did:")
    {
        return Err(Error::Malformed(format!("recipient `{did}` is not a DID")));
    }
    Ok(())
}

/// The subject's `IdentityObject`s: the hashed identifier of a [`Recipient::HashedIdentifier`],
/// then the printed name (un-hashed) — the same on a certificate and on a CLR transcript.
pub(crate) fn subject_identifiers(recipient: &Recipient, learner_name: Option<&str>) -> Result<Vec<Value>> {
    check_text("learner name", learner_name)?;
    let mut identifiers: Vec<Value> = Vec::new();
    if let Recipient::HashedIdentifier { identifier, identity_type, salt } = recipient {
        identifiers.push(json!({
            "type": "IdentityObject",
            "hashed": true,
            "identityHash": identity_hash(identifier, salt),
            "identityType": identity_type,
            "salt": salt,
        }));
    }
    if let Some(name) = learner_name {
        identifiers.push(json!({
            "type": "IdentityObject",
            "hashed": false,
            "identityHash": name,
            "identityType": "name",
        }));
    }
    Ok(identifiers)
}

/// Builds the unsigned credential JSON.
///
/// Arguments: the spec. Returns the `AchievementCredential` with `@context` exactly
/// `[VC v2, OB 3.0.3]`, or an error if an id is not an absolute IRI or a date is malformed.
pub fn build_credential(spec: &CredentialSpec) -> Result<Value> {
    if !spec.id.starts_with("urn:uuid:") {
        return Err(Error::Malformed("credential id must be a urn:uuid".into()));
    }
    let from = proof::check_date_time(&spec.valid_from)?;
    if let Some(u) = &spec.valid_until
        && proof::check_date_time(u)? <= from
    {
        return Err(Error::Malformed(format!("validUntil {u} must be later than validFrom {}", spec.valid_from)));
    }
    check_details(spec)?;
    let ach_id = &spec.achievement.id;
    // Results (after the skill level's) and the descriptions they point at, in one order.
    let mut descriptions: Vec<Value> = Vec::new();
    let mut results: Vec<Value> = Vec::new();
    if spec.achievement.hours.is_some() || spec.hours_completed.is_some() {
        let mut d = Map::new();
        d.insert("id".into(), hours_result_description_id(ach_id).into());
        d.insert("type".into(), json!(["ResultDescription"]));
        d.insert("name".into(), "学时 (learning hours)".into());
        d.insert("resultType".into(), LEARNING_HOURS_RESULT_TYPE.into());
        if let Some(h) = spec.achievement.hours {
            d.insert("valueMax".into(), decimal_string(h).into());
        }
        descriptions.push(Value::Object(d));
        if let Some(h) = spec.hours_completed {
            results.push(json!({
                "type": ["Result"],
                "resultDescription": hours_result_description_id(ach_id),
                "value": decimal_string(h),
            }));
        }
    }
    if let Some(g) = &spec.grade {
        descriptions.push(json!({
            "id": grade_result_description_id(ach_id),
            "type": ["ResultDescription"],
            "name": "考核结果 (assessment result)",
            "resultType": g.grade_type.as_str(),
        }));
        results.push(json!({
            "type": ["Result"],
            "resultDescription": grade_result_description_id(ach_id),
            "value": g.value,
        }));
    }
    let mut subject = Map::new();
    match &spec.recipient {
        Recipient::Did(did) => {
            subject.insert("id".into(), did.clone().into());
        }
        Recipient::HashedIdentifier { .. } => {}
    }
    subject.insert("type".into(), json!(["AchievementSubject"]));
    let identifiers = subject_identifiers(&spec.recipient, spec.learner_name.as_deref())?;
    if !identifiers.is_empty() {
        subject.insert("identifier".into(), Value::Array(identifiers));
    }
    subject.insert("achievement".into(), spec.achievement.to_json(descriptions));
    if let CertificateKind::SkillLevel { level, .. } = &spec.achievement.kind {
        results.insert(
            0,
            json!({
                "type": ["Result"],
                "resultDescription": level_result_description_id(ach_id),
                "achievedLevel": level_id(ach_id, *level),
            }),
        );
    }
    if !results.is_empty() {
        subject.insert("result".into(), Value::Array(results));
    }
    if let Some(c) = spec.credits_earned {
        subject.insert("creditsEarned".into(), json_number(c));
    }
    if let Some(n) = &spec.certificate_number {
        subject.insert("licenseNumber".into(), n.clone().into());
    }
    let mut m = Map::new();
    m.insert("@context".into(), json!([VC_V2, OB_V3P0_3_0_3]));
    m.insert("id".into(), spec.id.clone().into());
    m.insert("type".into(), json!(["VerifiableCredential", "AchievementCredential"]));
    m.insert("name".into(), spec.achievement.name().into());
    m.insert("issuer".into(), json!({"id": spec.issuer.did, "type": ["Profile"], "name": spec.issuer.name}));
    m.insert("validFrom".into(), spec.valid_from.clone().into());
    if let Some(u) = &spec.valid_until {
        m.insert("validUntil".into(), u.clone().into());
    }
    m.insert("credentialSubject".into(), Value::Object(subject));
    match spec.status.len() {
        0 => {}
        1 => {
            m.insert("credentialStatus".into(), spec.status[0].to_json());
        }
        _ => {
            m.insert("credentialStatus".into(), Value::Array(spec.status.iter().map(StatusListEntry::to_json).collect()));
        }
    }
    let doc = Value::Object(m);
    canon::check_absolute_ids(&doc)?;
    Ok(doc)
}

/// Builds and signs a credential with `eddsa-rdfc-2022`.
///
/// Arguments: `spec`; `key` the issuer's key; `verification_method` its URL in the
/// issuer's DID document (e.g. `did:web:rongtong.example:orgs:jxou#key-2`); `created` the
/// proof time (RFC 3339). Returns the signed credential. Fails rather than sign anything
/// a strict verifier would reject.
pub fn issue(spec: &CredentialSpec, key: &SigningKey, verification_method: &str, created: &str) -> Result<Value> {
    let doc = build_credential(spec)?;
    proof::add_proof(&doc, key, &ProofOptions::assertion(verification_method, Some(created.to_string())), ContextPolicy::OpenBadges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_from_text() {
        for (text, ty) in [
            ("85", GradeType::RawScore),
            ("92.5", GradeType::RawScore),
            (" 60 ", GradeType::RawScore),
            ("优秀", GradeType::LetterGrade),
            ("合格", GradeType::LetterGrade),
            ("pass", GradeType::LetterGrade),
            ("A", GradeType::LetterGrade),
            ("1.2.3", GradeType::LetterGrade),
            (".5", GradeType::LetterGrade),
            ("85分", GradeType::LetterGrade),
        ] {
            let g = Grade::from_text(text);
            assert_eq!((g.value.as_str(), g.grade_type), (text, ty), "{text}");
        }
    }

    #[test]
    fn numbers_are_written_as_integers_when_whole() {
        assert_eq!(json_number(2.0).to_string(), "2");
        assert_eq!(json_number(0.0).to_string(), "0");
        assert_eq!(json_number(1.5).to_string(), "1.5");
        assert_eq!(decimal_string(32.0), "32");
        assert_eq!(decimal_string(1.5), "1.5");
        assert_eq!(decimal_string(1e-7), "0.0000001");
        assert_eq!(decimal_string(1e21), "1000000000000000000000");
    }
}
