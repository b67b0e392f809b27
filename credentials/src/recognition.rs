//! Recognition credentials (互认): the signed record that a learner's credentials count for
//! a target outcome under a published conversion rule (转换规则).
//!
//! A recognition is an ordinary OBv3 `AchievementCredential` **of the target** (the exempted
//! course, the assessment eligibility …), issued by the rule's owner, so any OBv3 verifier
//! accepts it. It reads as a recognition, not a completion, by three things that are all in
//! the signed data and all defined by the `[VC v2, OB 3.0.3]` contexts:
//!
//! * `credentialSubject.achievement.criteria.narrative` starts with the rule's code and
//!   version ([`criteria_narrative`]);
//! * `evidence[]` lists the source credentials (`id` = the source credential's `urn:uuid`,
//!   `name`, `genre` [`RECOGNITION_EVIDENCE_GENRE`]);
//! * the credential's `description` says it is a recognition under that rule.
//!
//! It has its own status entries (so it can be suspended when a source is revoked) and
//! verifies like any other credential ([`crate::verify`]).

use serde_json::{Value, json};

use crate::keys::SigningKey;
use crate::obv3::{self, CredentialSpec};
use crate::proof::{self, ProofOptions};
use crate::{Error, Result, canon};

/// `genre` of each `Evidence` entry naming a source credential; what marks a credential as a
/// recognition ([`is_recognition`]).
pub const RECOGNITION_EVIDENCE_GENRE: &str = "Recognition source";

/// A source credential the recognition rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceSource {
    /// The source credential's id (`urn:uuid:…`, or an external credential's id).
    pub id: String,
    /// Its name as shown to people (e.g. `工业机器人系统运维员（四级）`).
    pub name: String,
    /// Optional: who issued it, when, at what level …
    pub narrative: Option<String>,
}

/// Everything needed to build a recognition credential.
#[derive(Debug, Clone, Default)]
pub struct RecognitionSpec {
    /// The credential of the target outcome: its issuer is the rule's owner, its achievement
    /// the target (e.g. the course's achievement), its status entries its own. Its
    /// `criteria_narrative` is appended after the rule's sentence (may be empty).
    pub credential: CredentialSpec,
    /// The rule's code, e.g. `JXOU-R-2026-001`.
    pub rule_code: String,
    /// The rule's version (from 1).
    pub rule_version: u32,
    /// The source credentials (at least one).
    pub sources: Vec<EvidenceSource>,
}

/// The criteria narrative of a recognition: the rule and version first, then `extra`.
pub fn criteria_narrative(rule_code: &str, rule_version: u32, extra: &str) -> String {
    let head = format!(
        "依据互认规则 {rule_code} 第 {rule_version} 版认定，非课程完成。(Recognised under conversion rule {rule_code} version {rule_version}; not a completion.)"
    );
    if extra.trim().is_empty() { head } else { format!("{head}\n\n{extra}") }
}

fn check_field(field: &str, s: &str) -> Result<()> {
    if s.trim().is_empty() {
        return Err(Error::Malformed(format!("{field} must not be empty")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::Malformed(format!("{field} must not contain control characters")));
    }
    Ok(())
}

/// Builds the unsigned recognition credential (see the module doc for its shape).
pub fn build_recognition(spec: &RecognitionSpec) -> Result<Value> {
    check_field("rule code", &spec.rule_code)?;
    if spec.rule_version == 0 {
        return Err(Error::Malformed("rule version starts at 1".into()));
    }
    if spec.sources.is_empty() {
        return Err(Error::Malformed("a recognition needs at least one source credential".into()));
    }
    let mut evidence = Vec::with_capacity(spec.sources.len());
    for (i, s) in spec.sources.iter().enumerate() {
        if !canon::is_absolute_iri(&s.id) {
            return Err(Error::Malformed(format!("source {i}: `{}` is not an absolute IRI", s.id)));
        }
        check_field(&format!("source {i} name"), &s.name)?;
        let mut e = json!({"id": s.id, "type": ["Evidence"], "name": s.name, "genre": RECOGNITION_EVIDENCE_GENRE});
        if let Some(n) = &s.narrative {
            check_field(&format!("source {i} narrative"), n)?;
            e["narrative"] = n.clone().into();
        }
        evidence.push(e);
    }
    let mut credential = spec.credential.clone();
    credential.achievement.criteria_narrative =
        criteria_narrative(&spec.rule_code, spec.rule_version, &credential.achievement.criteria_narrative);
    let mut doc = obv3::build_credential(&credential)?;
    let Some(obj) = doc.as_object_mut() else {
        return Err(Error::Malformed("credential is not an object".into()));
    };
    obj.insert(
        "description".into(),
        format!(
            "互认：依据规则 {} 第 {} 版 (recognition under rule {} version {})",
            spec.rule_code, spec.rule_version, spec.rule_code, spec.rule_version
        )
        .into(),
    );
    obj.insert("evidence".into(), Value::Array(evidence));
    canon::check_absolute_ids(&doc)?;
    Ok(doc)
}

/// Builds and signs a recognition credential with `eddsa-rdfc-2022` (the rule owner's key).
pub fn issue_recognition(spec: &RecognitionSpec, key: &SigningKey, verification_method: &str, created: &str) -> Result<Value> {
    let doc = build_recognition(spec)?;
    proof::add_proof(
        &doc,
        key,
        &ProofOptions::assertion(verification_method, Some(created.to_string())),
        crate::contexts::ContextPolicy::OpenBadges,
    )
}

/// True when `doc` is a recognition: some `evidence` entry has genre
/// [`RECOGNITION_EVIDENCE_GENRE`]. (Whether it is authentic is [`crate::verify`]'s job.)
pub fn is_recognition(doc: &Value) -> bool {
    crate::verify::one_or_many(doc.get("evidence"))
        .iter()
        .any(|e| e.get("genre").and_then(Value::as_str) == Some(RECOGNITION_EVIDENCE_GENRE))
}

/// The ids of the source credentials a recognition cites (its `evidence` of genre
/// [`RECOGNITION_EVIDENCE_GENRE`]), in order.
pub fn source_ids(doc: &Value) -> Vec<&str> {
    crate::verify::one_or_many(doc.get("evidence"))
        .into_iter()
        .filter(|e| e.get("genre").and_then(Value::as_str) == Some(RECOGNITION_EVIDENCE_GENRE))
        .filter_map(|e| e.get("id")?.as_str())
        .collect()
}
