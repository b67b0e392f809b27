//! 1EdTech Comprehensive Learner Record (CLR) 2.0 transcripts.
//!
//! A `ClrCredential` is a VC 2.0 credential, signed by the platform, whose `ClrSubject` (the
//! learner) carries
//!
//! * `verifiableCredential`: the learner's signed OBv3 credentials, embedded whole (each keeps
//!   its own `@context` `[VC v2, OB 3.0.3]` and its own proof);
//! * `achievement`: the achievements those credentials attest (and any others the transcript
//!   talks about), each listed once;
//! * `association`: typed links between achievements — a recognition (互认) is an
//!   `exactMatchOf` / `isPartOf` … from the source achievement to the target.
//!
//! `@context` is exactly `[VC v2, CLR 2.0.1, OB 3.0.3]` (see `contexts/README.md`). The shape
//! follows 1EdTech's examples (`shared/vectors/clr20/README.md` in the project's notes;
//! `docs/CREDENTIALS.md`, "CLR 2.0 transcripts").
//!
//! [`verify_clr`] checks the outer credential like any other (context, JSON-LD, issuer key,
//! proof, dates, status, trust), then the CLR's own shape (`clr` check), then **every
//! embedded credential** with the OBv3 checks, one report each, their signatures in one
//! Ed25519 batch and their status lists verified once for all. A transcript verifies only
//! when all of that passes: the platform's signature proves the transcript was not changed
//! since it was built, the inner proofs that each certificate is what its issuer signed.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::contexts::{self, CLR_V2P0_2_0_1, ContextPolicy, OB_V3P0_3_0_3, VC_V2};
use crate::did::Resolver;
use crate::fastpath::Expanded;
use crate::keys::SigningKey;
use crate::obv3::{IssuerProfile, Recipient};
use crate::proof::{self, ProofOptions, Reuse};
use crate::verify::{self, CHECK_CREDENTIALS, Check, Env, VerificationReport, VerifyOptions};
use crate::{Error, Result, canon, obv3};

/// Check name: the CLR's own shape (`ClrSubject`, where nested `@context`s may be, the
/// associations' ends).
pub const CHECK_CLR: &str = "clr";

/// `associationType` of a CLR 2.0 `Association` (its `AssociationType` enumeration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AssociationType {
    /// The source is an exact match of the target (a recognition that counts in full).
    ExactMatchOf,
    /// The source is a child of the target.
    IsChildOf,
    /// The source is a parent of the target.
    IsParentOf,
    /// The source is part of the target (e.g. modules that together make an assessment's
    /// training requirement).
    IsPartOf,
    /// The source is a peer of the target.
    IsPeerOf,
    /// The source is related to the target.
    IsRelatedTo,
    /// The source precedes the target.
    Precedes,
    /// The source was replaced by the target.
    ReplacedBy,
}

impl AssociationType {
    /// Every value, in the specification's order.
    pub const ALL: [AssociationType; 8] = [
        AssociationType::ExactMatchOf,
        AssociationType::IsChildOf,
        AssociationType::IsParentOf,
        AssociationType::IsPartOf,
        AssociationType::IsPeerOf,
        AssociationType::IsRelatedTo,
        AssociationType::Precedes,
        AssociationType::ReplacedBy,
    ];

    /// The term as written in the credential, e.g. `exactMatchOf`.
    pub fn as_str(self) -> &'static str {
        match self {
            AssociationType::ExactMatchOf => "exactMatchOf",
            AssociationType::IsChildOf => "isChildOf",
            AssociationType::IsParentOf => "isParentOf",
            AssociationType::IsPartOf => "isPartOf",
            AssociationType::IsPeerOf => "isPeerOf",
            AssociationType::IsRelatedTo => "isRelatedTo",
            AssociationType::Precedes => "precedes",
            AssociationType::ReplacedBy => "replacedBy",
        }
    }

    /// Parses the term (`exactMatchOf` …); `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// One link between two achievements of the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Association {
    /// How the source relates to the target.
    pub association_type: AssociationType,
    /// `sourceId`: the source achievement's id (e.g. the skill-level certificate's).
    pub source_id: String,
    /// `targetId`: the target achievement's id (e.g. the exempted course's).
    pub target_id: String,
}

/// Everything needed to build one transcript.
#[derive(Debug, Clone, Default)]
pub struct ClrSpec {
    /// `urn:uuid:…` of the transcript.
    pub id: String,
    /// The signer: the platform (`did:web:<host>`).
    pub issuer: IssuerProfile,
    /// The learner (`ClrSubject.id` or its hashed `identifier`), as on a certificate.
    pub recipient: Recipient,
    /// The learner's printed name, an un-hashed `IdentityObject` as on a certificate.
    pub learner_name: Option<String>,
    /// `name`, e.g. `李明轩的学习成果档案 (learner record)`.
    pub name: String,
    /// Optional `description`.
    pub description: Option<String>,
    /// `validFrom` (RFC 3339 with zone): when the transcript was made.
    pub valid_from: String,
    /// The learner's signed OBv3 credentials, embedded unchanged.
    pub credentials: Vec<Value>,
    /// Achievements to list besides those of the credentials (e.g. a target known only by
    /// its outcome). Each needs an absolute `id` and `type` `Achievement`.
    pub extra_achievements: Vec<Value>,
    /// The associations; both ends must be listed achievements.
    pub associations: Vec<Association>,
}

/// True when `doc`'s `type` includes `ClrCredential`.
pub fn is_clr(doc: &Value) -> bool {
    verify::types(doc).contains(&"ClrCredential")
}

fn achievement_of(credential: &Value) -> Option<&Value> {
    credential.get("credentialSubject")?.get("achievement")
}

/// Builds the unsigned `ClrCredential`.
///
/// The achievements are those of the embedded credentials (in their order, each id once),
/// then `extra_achievements`. Refuses a transcript a verifier would reject: an embedded
/// document that is not a signed OBv3 credential with `@context` `[VC v2, OB 3.0.3]`, an
/// association whose end is not a listed achievement, a malformed id or date.
pub fn build_clr(spec: &ClrSpec) -> Result<Value> {
    if !spec.id.starts_with("urn:uuid:") {
        return Err(Error::Malformed("transcript id must be a urn:uuid".into()));
    }
    proof::check_date_time(&spec.valid_from)?;
    if spec.name.trim().is_empty() {
        return Err(Error::Malformed("transcript name must not be empty".into()));
    }
    if !spec.issuer.did.starts_with("did:") {
        return Err(Error::Malformed(format!("issuer `{}` is not a DID", spec.issuer.did)));
    }
    let mut achievements: Vec<Value> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (i, c) in spec.credentials.iter().enumerate() {
        embedded_credential_shape(c).map_err(|e| Error::Malformed(format!("credential {i}: {e}")))?;
        if let Some(a) = achievement_of(c)
            && let Some(id) = a.get("id").and_then(Value::as_str)
            && seen.insert(id.to_string())
        {
            achievements.push(a.clone());
        }
    }
    for (i, a) in spec.extra_achievements.iter().enumerate() {
        let id = a.get("id").and_then(Value::as_str).filter(|s| canon::is_absolute_iri(s));
        let Some(id) = id else {
            return Err(Error::Malformed(format!("extra achievement {i} needs an absolute id")));
        };
        if !verify::types(a).contains(&"Achievement") {
            return Err(Error::Malformed(format!("extra achievement {i} needs type Achievement")));
        }
        if seen.insert(id.to_string()) {
            achievements.push(a.clone());
        }
    }
    for (i, a) in spec.associations.iter().enumerate() {
        for (end, id) in [("sourceId", &a.source_id), ("targetId", &a.target_id)] {
            if !seen.contains(id.as_str()) {
                return Err(Error::Malformed(format!("association {i}: {end} `{id}` is not a listed achievement")));
            }
        }
        if a.source_id == a.target_id {
            return Err(Error::Malformed(format!("association {i} links `{}` to itself", a.source_id)));
        }
    }
    let mut subject = Map::new();
    if let Recipient::Did(did) = &spec.recipient {
        if !did.starts_with("did:") {
            return Err(Error::Malformed(format!("recipient `{did}` is not a DID")));
        }
        subject.insert("id".into(), did.clone().into());
    }
    subject.insert("type".into(), json!(["ClrSubject"]));
    let identifiers = obv3::subject_identifiers(&spec.recipient, spec.learner_name.as_deref())?;
    if !identifiers.is_empty() {
        subject.insert("identifier".into(), Value::Array(identifiers));
    }
    subject.insert("verifiableCredential".into(), Value::Array(spec.credentials.clone()));
    subject.insert("achievement".into(), Value::Array(achievements));
    if !spec.associations.is_empty() {
        let list = spec
            .associations
            .iter()
            .map(|a| {
                json!({
                    "type": "Association",
                    "associationType": a.association_type.as_str(),
                    "sourceId": a.source_id,
                    "targetId": a.target_id,
                })
            })
            .collect();
        subject.insert("association".into(), Value::Array(list));
    }
    let mut m = Map::new();
    m.insert("@context".into(), json!([VC_V2, CLR_V2P0_2_0_1, OB_V3P0_3_0_3]));
    m.insert("id".into(), spec.id.clone().into());
    m.insert("type".into(), json!(["VerifiableCredential", "ClrCredential"]));
    m.insert("issuer".into(), json!({"id": spec.issuer.did, "type": ["Profile"], "name": spec.issuer.name}));
    m.insert("validFrom".into(), spec.valid_from.clone().into());
    m.insert("name".into(), spec.name.clone().into());
    if let Some(d) = &spec.description {
        m.insert("description".into(), d.clone().into());
    }
    m.insert("credentialSubject".into(), Value::Object(subject));
    let doc = Value::Object(m);
    canon::check_absolute_ids(&doc)?;
    Ok(doc)
}

/// Builds and signs a transcript with `eddsa-rdfc-2022` (the platform's key).
///
/// Arguments: `spec`; `key` and `verification_method` the platform's; `created` the proof
/// time (RFC 3339). The embedded credentials are not re-verified here: the caller embeds
/// the learner's stored credentials (verifiers check them, see [`verify_clr`]).
pub fn issue_clr(spec: &ClrSpec, key: &SigningKey, verification_method: &str, created: &str) -> Result<Value> {
    proof::add_proof_owned(
        build_clr(spec)?,
        key,
        &ProofOptions::assertion(verification_method, Some(created.to_string())),
        ContextPolicy::OpenBadges,
    )
}

/// What an embedded document must be before it is put in a transcript or checked in one:
/// a JSON object with `@context` exactly `[VC v2, OB 3.0.3]`, an OBv3 credential type and one
/// proof object.
fn embedded_credential_shape(c: &Value) -> std::result::Result<(), String> {
    if !c.is_object() {
        return Err("not a JSON object".into());
    }
    match contexts::check_contexts(c, ContextPolicy::OpenBadges) {
        Ok(l) if l == [VC_V2, OB_V3P0_3_0_3] => {}
        Ok(_) => return Err("@context must be [VC v2, OB 3.0.3]".into()),
        Err(e) => return Err(e.to_string()),
    }
    let t = verify::types(c);
    if !t.contains(&"AchievementCredential") && !t.contains(&"OpenBadgeCredential") {
        return Err("type must include AchievementCredential or OpenBadgeCredential".into());
    }
    if !c.get("proof").is_some_and(Value::is_object) {
        return Err("has no proof object".into());
    }
    Ok(())
}

/// The CLR's own shape: `ClrCredential` with an id and `validFrom`, one `ClrSubject` with a
/// `verifiableCredential` list, nested `@context` only at the root of each embedded credential
/// (and then `[VC v2, OB 3.0.3]`: anything else could redefine terms under the platform's
/// signature), every association between listed achievements with a known type.
///
/// `expanded` tells embedded credentials already known to hold no nested `@context` (their
/// expansion saw every object of theirs but the proof), whose keys are not walked again.
fn clr_shape(doc: &Value, expanded: &Expanded<'_>) -> std::result::Result<String, String> {
    let obj = doc.as_object().ok_or("not a JSON object")?;
    if !obj.get("id").and_then(Value::as_str).is_some_and(canon::is_absolute_iri) {
        return Err("a ClrCredential needs an absolute id".into());
    }
    if !obj.contains_key("validFrom") {
        return Err("validFrom missing".into());
    }
    let subject = match obj.get("credentialSubject") {
        Some(s @ Value::Object(_)) => s,
        _ => return Err("credentialSubject must be one ClrSubject object".into()),
    };
    if !verify::types(subject).contains(&"ClrSubject") {
        return Err("credentialSubject.type must include ClrSubject".into());
    }
    let creds = match subject.get("verifiableCredential") {
        Some(Value::Array(a)) => a.as_slice(),
        Some(v @ Value::Object(_)) => std::slice::from_ref(v),
        _ => return Err("credentialSubject.verifiableCredential missing".into()),
    };
    // The paths are built only where there is an `@context` to find (one string per key of
    // every credential was a tenth of this check).
    if subject.get("@context").is_some() {
        return Err("$.credentialSubject: @context is only allowed at the root of the transcript and of each embedded credential".into());
    }
    for (k, v) in obj {
        if k != "@context" && k != "credentialSubject" && has_context(v) {
            no_nested_context(v, &format!("$.{k}"))?;
        }
    }
    for (k, v) in subject.as_object().into_iter().flatten() {
        if k != "verifiableCredential" && has_context(v) {
            no_nested_context(v, &format!("$.credentialSubject.{k}"))?;
        }
    }
    for (i, c) in creds.iter().enumerate() {
        embedded_credential_shape(c).map_err(|e| format!("credentialSubject.verifiableCredential[{i}] {e}"))?;
        let known_clean = c.as_object().is_some_and(|o| expanded.no_nested_context(o));
        for (k, v) in c.as_object().into_iter().flatten() {
            if k != "@context" && (!known_clean || k == "proof") && has_context(v) {
                no_nested_context(v, &format!("$.credentialSubject.verifiableCredential[{i}].{k}"))?;
            }
        }
    }
    let listed: HashSet<&str> = verify::one_or_many(subject.get("achievement")).iter().filter_map(|a| a.get("id")?.as_str()).collect();
    let associations = verify::one_or_many(subject.get("association"));
    for (i, a) in associations.iter().enumerate() {
        let t = a.get("associationType").and_then(Value::as_str).unwrap_or_default();
        if AssociationType::parse(t).is_none() {
            return Err(format!("association[{i}]: associationType `{t}` is not a CLR 2.0 AssociationType"));
        }
        for end in ["sourceId", "targetId"] {
            match a.get(end).and_then(Value::as_str) {
                Some(id) if listed.contains(id) => {}
                Some(id) => return Err(format!("association[{i}].{end} `{id}` is not a listed achievement")),
                None => return Err(format!("association[{i}].{end} missing")),
            }
        }
    }
    Ok(format!("ClrSubject with {} credential(s), {} achievement(s), {} association(s)", creds.len(), listed.len(), associations.len()))
}

/// Refuses `@context` anywhere in `v` (whose path is `path`).
fn no_nested_context(v: &Value, path: &str) -> std::result::Result<(), String> {
    if !has_context(v) {
        // Nothing to refuse below: skip building the paths (one string per JSON key).
        return Ok(());
    }
    match v {
        Value::Object(o) => {
            if o.contains_key("@context") {
                return Err(format!("{path}: @context is only allowed at the root of the transcript and of each embedded credential"));
            }
            o.iter().try_for_each(|(k, x)| no_nested_context(x, &format!("{path}.{k}")))
        }
        Value::Array(a) => a.iter().enumerate().try_for_each(|(i, x)| no_nested_context(x, &format!("{path}[{i}]"))),
        _ => Ok(()),
    }
}

/// Whether `v` holds an `@context` key anywhere (the cheap test before [`no_nested_context`]
/// looks for where).
fn has_context(v: &Value) -> bool {
    match v {
        Value::Object(o) => o.contains_key("@context") || o.values().any(has_context),
        Value::Array(a) => a.iter().any(has_context),
        _ => false,
    }
}

/// The report on one embedded credential.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EmbeddedReport {
    /// Its position in `credentialSubject.verifiableCredential` (from 0).
    pub index: usize,
    /// Its `id`, if it has one.
    pub id: Option<String>,
    /// Its `name`, if it has one.
    pub name: Option<String>,
    /// Every check of it, as for a credential verified alone.
    #[serde(flatten)]
    pub report: VerificationReport,
}

/// The outcome of verifying a transcript.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClrReport {
    /// The outer checks all passed (trust aside) and every embedded credential verified.
    pub verified: bool,
    /// Whether the transcript's signer is on the caller's trust list (`None`: no list).
    pub trusted: Option<bool>,
    /// The transcript's own checks: those of [`verify::verify`], then `clr` and
    /// `credentials`.
    pub checks: Vec<Check>,
    /// One report per embedded credential, in order.
    pub credentials: Vec<EmbeddedReport>,
}

impl ClrReport {
    /// The transcript's verdict as one [`VerificationReport`] (what [`verify::verify`]
    /// returns for a CLR): the per-credential reports are summed up in the `credentials`
    /// check.
    pub fn into_report(self) -> VerificationReport {
        let mut r = VerificationReport::from_checks(self.checks);
        r.verified = self.verified;
        r.trusted = self.trusted;
        r
    }

    /// The embedded credentials that failed, each with the names of its failed checks.
    pub fn failures(&self) -> Vec<(usize, Option<&str>, Vec<&'static str>)> {
        self.credentials
            .iter()
            .filter(|c| !c.report.verified)
            .map(|c| (c.index, c.id.as_deref(), c.report.checks.iter().filter(|k| !k.passed).map(|k| k.name).collect()))
            .collect()
    }
}

/// Verifies a transcript: the outer credential (every check of [`verify::verify`]), its
/// CLR shape, and every embedded credential (OBv3 checks, `options.trusted_issuers`
/// reported per credential).
///
/// Arguments: `doc` the `ClrCredential`; `resolver` for did:web documents and status lists;
/// `now`; `options` (the OBv3 requirement applies to the embedded credentials; the outer one
/// is a `ClrCredential`, checked by `clr`).
/// Returns the report; never panics. Complexity: one canonicalisation of the whole transcript
/// plus one per embedded credential, one Ed25519 check plus one batch for the embedded ones,
/// each distinct status list once.
pub fn verify_clr(doc: &Value, resolver: &dyn Resolver, now: DateTime<Utc>, options: &VerifyOptions) -> ClrReport {
    let env = Env::new(resolver);
    let inner_docs: Vec<&Value> = doc
        .get("credentialSubject")
        .map(|s| verify::one_or_many(s.get("verifiableCredential")))
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.is_object())
        .collect();
    // The embedded credentials first: each is expanded for its own proof, and the transcript's
    // expansion then takes those quads (the very same JSON objects, see
    // `fastpath::try_expand_reusing`) instead of expanding every credential a second time.
    let mut expanded = Expanded::default();
    let inner_options = VerifyOptions { require_obv3: true, ..options.clone() };
    let reports = if inner_docs.is_empty() {
        Vec::new()
    } else {
        verify::verify_batch_keeping(&inner_docs, &env, now, &inner_options, Some(&mut expanded))
    };
    let outer_options = VerifyOptions { require_obv3: false, ..options.clone() };
    let outer = verify::verify_one_reusing(doc, &env, now, &outer_options, Reuse::Take(&mut expanded));
    let mut checks = outer.checks;
    // The allow-list has other lists too; a transcript has exactly the CLR one.
    if let Some(c) = checks.iter_mut().find(|c| c.name == verify::CHECK_CONTEXT && c.passed)
        && contexts::check_contexts(doc, options.policy).ok() != Some(contexts::CLR_LIST)
    {
        *c = Check::fail(verify::CHECK_CONTEXT, "a ClrCredential's @context must be [VC v2, CLR 2.0.1, OB 3.0.3]");
    }
    let shape = clr_shape(doc, &expanded);
    let shape_ok = shape.is_ok();
    checks.push(match shape {
        Ok(d) => Check::pass(CHECK_CLR, d),
        Err(e) => Check::fail(CHECK_CLR, e),
    });
    let credentials: Vec<EmbeddedReport> = inner_docs
        .iter()
        .zip(reports)
        .enumerate()
        .map(|(index, (c, report))| EmbeddedReport {
            index,
            id: c.get("id").and_then(Value::as_str).map(str::to_string),
            name: c.get("name").and_then(Value::as_str).map(str::to_string),
            report,
        })
        .collect();
    let failed: Vec<String> = credentials
        .iter()
        .filter(|c| !c.report.verified)
        .map(|c| {
            let names: Vec<&str> =
                c.report.checks.iter().filter(|k| !k.passed && k.name != verify::CHECK_ISSUER_TRUST).map(|k| k.name).collect();
            format!("credential {} ({}) fails {}", c.index, c.id.as_deref().unwrap_or("no id"), names.join(", "))
        })
        .collect();
    checks.push(if credentials.is_empty() {
        Check::fail(CHECK_CREDENTIALS, "no embedded credential")
    } else if failed.is_empty() {
        Check::pass(CHECK_CREDENTIALS, format!("{} embedded credential(s) verify", credentials.len()))
    } else {
        Check::fail(CHECK_CREDENTIALS, format!("{} of {}: {}", failed.len(), credentials.len(), failed.join("; ")))
    });
    let verified = shape_ok && checks.iter().filter(|c| c.name != verify::CHECK_ISSUER_TRUST).all(|c| c.passed);
    ClrReport { verified, trusted: outer.trusted, checks, credentials }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::obv3::{AchievementSpec, CertificateKind, CredentialSpec};
    use crate::proof::{Canonicalizer, HashData};

    fn certificate(key: &SigningKey, i: u32) -> Value {
        let spec = CredentialSpec {
            id: format!("urn:uuid:22222222-0000-4000-8000-{i:012}"),
            issuer: IssuerProfile { did: key.did_key(), name: "江西开放大学".into() },
            recipient: Recipient::HashedIdentifier {
                identifier: "2024-0042".into(),
                identity_type: "identifier".into(),
                salt: "5f2b".into(),
            },
            achievement: AchievementSpec {
                id: format!("https://rongtong.example/achievements/courses/ROB-{i}/v1"),
                kind: CertificateKind::Training,
                name_zh: format!("模块 {i}"),
                description: "培训合格".into(),
                criteria_narrative: "完成全部学时并考核合格。".into(),
                credits_available: Some(1.5),
                ..Default::default()
            },
            valid_from: "2026-03-01T00:00:00Z".into(),
            learner_name: Some("李明轩".into()),
            ..Default::default()
        };
        obv3::issue(&spec, key, &key.public_key().did_key_verification_method(), "2026-03-01T08:00:00Z").expect("issue")
    }

    fn hash<'d>(doc: &'d Value, reuse: Reuse<'_, 'd>) -> (HashData, Option<crate::fastpath::EmbeddedQuads<'d>>) {
        let p = &doc["proof"];
        let suite = proof::EDDSA_RDFC_2022;
        proof::hash_secured_document_with(doc, p, suite, ContextPolicy::OpenBadges, Canonicalizer::Auto, reuse, None).expect("hash")
    }

    /// The transcript's hash data are the same whether it takes its credentials' expansions
    /// or expands them itself, and the same as the generic canonicaliser's; and it does take
    /// them (else the speed-up is gone and this test says so).
    #[test]
    fn taking_the_credentials_expansions_changes_nothing_in_the_hash() {
        let (college, platform) = (SigningKey::from_seed(&[3u8; 32]), SigningKey::from_seed(&[1u8; 32]));
        let t = certificate(&college, 1);
        let spec = ClrSpec {
            id: "urn:uuid:44444444-0000-4000-8000-000000000001".into(),
            issuer: IssuerProfile { did: platform.did_key(), name: "融通平台".into() },
            recipient: Recipient::HashedIdentifier {
                identifier: "2024-0042".into(),
                identity_type: "identifier".into(),
                salt: "5f2b".into(),
            },
            learner_name: Some("李明轩".into()),
            name: "档案".into(),
            valid_from: "2026-06-01T00:00:00Z".into(),
            // A credential twice (two identical copies), and another.
            credentials: vec![t.clone(), certificate(&college, 2), t],
            ..Default::default()
        };
        let doc = issue_clr(&spec, &platform, &platform.public_key().did_key_verification_method(), "2026-06-01T08:00:00Z").expect("clr");
        let inner: Vec<&Value> = verify::one_or_many(doc["credentialSubject"].get("verifiableCredential"));
        let mut expanded = Expanded::default();
        for c in &inner {
            let (kept, e) = hash(c, Reuse::Keep);
            assert_eq!(kept, hash(c, Reuse::None).0, "a credential's own hash");
            expanded.push(e.expect("kept"));
        }
        let (taken, _) = hash(&doc, Reuse::Take(&mut expanded));
        assert_eq!(expanded.taken(), 3, "every credential's expansion taken");
        assert_eq!(taken, hash(&doc, Reuse::None).0);
        let (unsecured, p) = proof::split_proof(&doc).expect("split");
        let generic = proof::hash_secured(&unsecured, &p, proof::EDDSA_RDFC_2022, ContextPolicy::OpenBadges, Canonicalizer::Generic);
        assert_eq!(taken, generic.expect("generic"));
    }
}
