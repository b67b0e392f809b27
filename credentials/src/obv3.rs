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

use rongtong_catalog::SkillLevel;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::contexts::{ContextPolicy, OB_V3P0_3_0_3, VC_V2};
use crate::keys::SigningKey;
use crate::proof::{self, ProofOptions};
use crate::status::StatusListEntry;
use crate::{Error, Result, canon};

/// Who issues: a DID we hold the key for.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
pub enum CertificateKind {
    /// 培训合格证书: completed a course (`achievementType` `Certificate`).
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
}

/// What was achieved (`credentialSubject.achievement`).
#[derive(Debug, Clone)]
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
    /// `creditsAvailable` (学分/学时 equivalent), if any.
    pub credits_available: Option<u32>,
}

/// Everything needed to build one credential.
#[derive(Debug, Clone)]
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
    /// Optional `validUntil`.
    pub valid_until: Option<String>,
    /// Status entries (revocation and/or suspension).
    pub status: Vec<StatusListEntry>,
}

impl AchievementSpec {
    fn name(&self) -> String {
        match &self.name_en {
            Some(en) if !en.is_empty() => format!("{} ({en})", self.name_zh),
            _ => self.name_zh.clone(),
        }
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), self.id.clone().into());
        m.insert("type".into(), json!(["Achievement"]));
        let achievement_type = match self.kind {
            CertificateKind::Training => "Certificate",
            CertificateKind::SkillLevel { .. } => "Certification",
            CertificateKind::Micro => "MicroCredential",
        };
        m.insert("achievementType".into(), achievement_type.into());
        m.insert("name".into(), self.name().into());
        m.insert("description".into(), self.description.clone().into());
        m.insert("criteria".into(), json!({"narrative": self.criteria_narrative}));
        let mut alignments: Vec<Value> = Vec::new();
        if let CertificateKind::SkillLevel { occupation_code, occupation_name, occupation_url, level } = &self.kind {
            alignments.push(json!({
                "type": ["Alignment"],
                "targetName": occupation_name,
                "targetUrl": occupation_url,
                "targetFramework": "中华人民共和国职业分类大典",
                "targetCode": occupation_code,
                "targetType": "ext:Occupation",
            }));
            m.insert("resultDescription".into(), json!([level_result_description(&self.id, *level)]));
        }
        alignments.extend(self.alignments.iter().map(Alignment::to_json));
        if !alignments.is_empty() {
            m.insert("alignment".into(), Value::Array(alignments));
        }
        if let Some(c) = self.credits_available {
            m.insert("creditsAvailable".into(), c.into());
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

/// Builds the unsigned credential JSON.
///
/// Arguments: the spec. Returns the `AchievementCredential` with `@context` exactly
/// `[VC v2, OB 3.0.3]`, or an error if an id is not an absolute IRI or a date is malformed.
pub fn build_credential(spec: &CredentialSpec) -> Result<Value> {
    if !spec.id.starts_with("urn:uuid:") {
        return Err(Error::Malformed("credential id must be a urn:uuid".into()));
    }
    proof::check_date_time(&spec.valid_from)?;
    if let Some(u) = &spec.valid_until {
        proof::check_date_time(u)?;
    }
    let mut subject = Map::new();
    match &spec.recipient {
        Recipient::Did(did) => {
            subject.insert("id".into(), did.clone().into());
        }
        Recipient::HashedIdentifier { .. } => {}
    }
    subject.insert("type".into(), json!(["AchievementSubject"]));
    if let Recipient::HashedIdentifier { identifier, identity_type, salt } = &spec.recipient {
        subject.insert(
            "identifier".into(),
            json!([{
                "type": "IdentityObject",
                "hashed": true,
                "identityHash": identity_hash(identifier, salt),
                "identityType": identity_type,
                "salt": salt,
            }]),
        );
    }
    subject.insert("achievement".into(), spec.achievement.to_json());
    if let CertificateKind::SkillLevel { level, .. } = &spec.achievement.kind {
        subject.insert(
            "result".into(),
            json!([{
                "type": ["Result"],
                "resultDescription": level_result_description_id(&spec.achievement.id),
                "achievedLevel": level_id(&spec.achievement.id, *level),
            }]),
        );
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
