//! Data Integrity proofs with the EdDSA cryptosuites.
//!
//! * `eddsa-rdfc-2022` (create and verify): `hashData = SHA-256(canonical proof config) ‖
//!   SHA-256(canonical document)`, both RDFC-1.0 N-Quads, the proof config canonicalised
//!   with the document's `@context`; Ed25519 over those 64 bytes; `proofValue` = `z` +
//!   base58btc(signature).
//! * `eddsa-jcs-2022` (verify; create is offered for tests and interop): the same with
//!   RFC 8785 JSON canonicalisation instead of RDF, and the proof carries `@context`.
//!
//! Proof checks follow Data Integrity 1.0 §4.4: `type`, `cryptosuite`, `verificationMethod`,
//! `proofPurpose` present; purpose, `challenge` and `domain` as expected; `created` a valid
//! date-time; then the cryptosuite. Signatures are checked with `verify_strict`.

use std::cell::RefCell;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::contexts::{self, ContextPolicy};
use crate::keys::{PublicKey, SigningKey};
use crate::{Error, Result, canon, fastpath};

/// The cryptosuite we issue with.
pub const EDDSA_RDFC_2022: &str = "eddsa-rdfc-2022";
/// The JSON-canonicalisation cryptosuite we also accept.
pub const EDDSA_JCS_2022: &str = "eddsa-jcs-2022";

/// Which canonicaliser computes the RDF canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Canonicalizer {
    /// The fast path for the allow-listed contexts, falling back to the generic path for
    /// anything it does not recognise. Same bytes as [`Canonicalizer::Generic`] (tested).
    #[default]
    Auto,
    /// Always the generic JSON-LD processor (json-ld + RDFC-1.0).
    Generic,
}

/// Canonical N-Quads of a document with an allow-listed context.
pub fn canonical_nquads(doc: &Value, policy: ContextPolicy, canonicalizer: Canonicalizer) -> Result<String> {
    if canonicalizer == Canonicalizer::Auto {
        let list = contexts::check_contexts(doc, policy)?;
        if let Some(quads) = fastpath::try_expand(doc, list) {
            return canon::canonicalize(&quads);
        }
    }
    canon::canonical_nquads(doc, policy)
}

/// The intermediate values of a cryptosuite: what is hashed and signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashData {
    /// Canonical proof configuration (N-Quads for rdfc, JSON for jcs).
    pub canonical_proof_config: String,
    /// Canonical unsecured document.
    pub canonical_document: String,
    /// SHA-256 of the canonical proof configuration.
    pub proof_hash: [u8; 32],
    /// SHA-256 of the canonical document.
    pub document_hash: [u8; 32],
}

impl HashData {
    /// `proof_hash ‖ document_hash`: the 64 bytes that are signed.
    pub fn combined(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.proof_hash);
        out[32..].copy_from_slice(&self.document_hash);
        out
    }

    fn new(canonical_proof_config: String, canonical_document: String) -> Self {
        let proof_hash = Sha256::digest(canonical_proof_config.as_bytes()).into();
        let document_hash = Sha256::digest(canonical_document.as_bytes()).into();
        HashData { canonical_proof_config, canonical_document, proof_hash, document_hash }
    }
}

/// Options for a new proof.
#[derive(Debug, Clone)]
pub struct ProofOptions {
    /// `eddsa-rdfc-2022` (default) or `eddsa-jcs-2022`.
    pub cryptosuite: String,
    /// The key's URL, e.g. `did:key:z6Mk…#z6Mk…` or `did:web:…#key-1`.
    pub verification_method: String,
    /// `assertionMethod` (credentials) or `authentication` (presentations).
    pub proof_purpose: String,
    /// `created`, an XML Schema date-time with time zone; optional.
    pub created: Option<String>,
    /// Presentation replay protection.
    pub challenge: Option<String>,
    /// Presentation audience.
    pub domain: Option<String>,
}

impl ProofOptions {
    /// `eddsa-rdfc-2022` + `assertionMethod`, as for every credential we issue.
    pub fn assertion(verification_method: impl Into<String>, created: Option<String>) -> Self {
        ProofOptions {
            cryptosuite: EDDSA_RDFC_2022.into(),
            verification_method: verification_method.into(),
            proof_purpose: "assertionMethod".into(),
            created,
            challenge: None,
            domain: None,
        }
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), "DataIntegrityProof".into());
        m.insert("cryptosuite".into(), self.cryptosuite.clone().into());
        if let Some(c) = &self.created {
            m.insert("created".into(), c.clone().into());
        }
        m.insert("verificationMethod".into(), self.verification_method.clone().into());
        m.insert("proofPurpose".into(), self.proof_purpose.clone().into());
        if let Some(c) = &self.challenge {
            m.insert("challenge".into(), c.clone().into());
        }
        if let Some(d) = &self.domain {
            m.insert("domain".into(), d.clone().into());
        }
        Value::Object(m)
    }
}

fn context_of(doc: &Value) -> Result<Value> {
    doc.get("@context").cloned().ok_or_else(|| Error::Malformed("document has no @context".into()))
}

/// eddsa-rdfc-2022 hashing (§3.2.3–3.2.5).
///
/// Arguments: `unsecured` the document without `proof`; `proof_options` the proof without
/// `proofValue` (and without `@context`); `policy`, `canonicalizer`.
/// Returns both canonical forms and hashes.
pub fn hash_data_rdfc(unsecured: &Value, proof_options: &Value, policy: ContextPolicy, canonicalizer: Canonicalizer) -> Result<HashData> {
    let mut config = proof_options.clone();
    let obj = config.as_object_mut().ok_or_else(|| Error::Proof("proof must be an object".into()))?;
    obj.remove("proofValue");
    obj.insert("@context".into(), context_of(unsecured)?);
    let canonical_config = canonical_nquads(&config, policy, canonicalizer)?;
    let canonical_doc = canonical_nquads(unsecured, policy, canonicalizer)?;
    Ok(HashData::new(canonical_config, canonical_doc))
}

/// eddsa-jcs-2022 hashing (§3.3.3–3.3.5). `proof_options` must already carry `@context`
/// when the document has one; the document is hashed with `@context = proof.@context`.
pub fn hash_data_jcs(unsecured: &Value, proof_options: &Value) -> Result<HashData> {
    let mut config = proof_options.clone();
    let obj = config.as_object_mut().ok_or_else(|| Error::Proof("proof must be an object".into()))?;
    obj.remove("proofValue");
    let mut doc = unsecured.clone();
    if let Some(pctx) = obj.get("@context") {
        let dctx =
            unsecured.get("@context").and_then(Value::as_array).ok_or_else(|| Error::Proof("document @context must be a list".into()))?;
        let pctx_list = pctx.as_array().ok_or_else(|| Error::Proof("proof @context must be a list".into()))?;
        if dctx.len() < pctx_list.len() || dctx[..pctx_list.len()] != pctx_list[..] {
            return Err(Error::Proof("document @context does not start with the proof's @context".into()));
        }
        if let Some(d) = doc.as_object_mut() {
            d.insert("@context".into(), pctx.clone());
        }
    }
    let jcs = |v: &Value| serde_json_canonicalizer::to_string(v).map_err(|e| Error::Canonicalization(e.to_string()));
    Ok(HashData::new(jcs(&config)?, jcs(&doc)?))
}

/// Splits a secured document into (unsecured document, proof object).
pub fn split_proof(doc: &Value) -> Result<(Value, Value)> {
    let obj = doc.as_object().ok_or_else(|| Error::Malformed("document must be a JSON object".into()))?;
    let proof = obj.get("proof").ok_or_else(|| Error::Proof("no proof".into()))?;
    if !proof.is_object() {
        return Err(Error::Proof("exactly one proof object is supported (no proof sets or chains)".into()));
    }
    let mut unsecured = obj.clone();
    unsecured.remove("proof");
    Ok((Value::Object(unsecured), proof.clone()))
}

/// Signs `doc` (which must not have a proof yet) and returns it with an embedded proof.
///
/// The document is canonicalised with the strict policy first, so a document with
/// undefined terms, a context outside the allow-list or a relative IRI is refused rather than
/// signed (a verifier in safe mode would reject it).
pub fn add_proof(doc: &Value, key: &SigningKey, options: &ProofOptions, policy: ContextPolicy) -> Result<Value> {
    if !doc.is_object() {
        return Err(Error::Malformed("document must be a JSON object".into()));
    }
    add_proof_owned(doc.clone(), key, options, policy)
}

/// [`add_proof`] on a document the caller gives up, so that a large one (a CLR transcript)
/// is not copied to receive its proof.
pub(crate) fn add_proof_owned(mut doc: Value, key: &SigningKey, options: &ProofOptions, policy: ContextPolicy) -> Result<Value> {
    let obj = doc.as_object().ok_or_else(|| Error::Malformed("document must be a JSON object".into()))?;
    if obj.contains_key("proof") {
        return Err(Error::Proof("document already has a proof".into()));
    }
    if let Some(c) = &options.created {
        check_date_time(c)?;
    }
    let mut proof = options.to_json();
    let hash = match options.cryptosuite.as_str() {
        EDDSA_RDFC_2022 => hash_data_rdfc(&doc, &proof, policy, Canonicalizer::Auto)?,
        EDDSA_JCS_2022 => {
            // JCS hashes JSON, but the credential must still mean what it says: run the
            // strict JSON-LD expansion too (undefined terms, relative IRIs).
            canonical_nquads(&doc, policy, Canonicalizer::Auto)?;
            if let (Some(p), Some(ctx)) = (proof.as_object_mut(), obj.get("@context")) {
                p.insert("@context".into(), ctx.clone());
            }
            hash_data_jcs(&doc, &proof)?
        }
        other => return Err(Error::Proof(format!("unsupported cryptosuite `{other}`"))),
    };
    let sig = key.sign(&hash.combined());
    if let Some(p) = proof.as_object_mut() {
        p.insert("proofValue".into(), format!("z{}", bs58::encode(sig).into_string()).into());
    }
    if let Some(out) = doc.as_object_mut() {
        out.insert("proof".into(), proof);
    }
    Ok(doc)
}

/// What the verifier expects of a proof.
#[derive(Debug, Clone, Default)]
pub struct ExpectedProof {
    /// `assertionMethod` or `authentication`.
    pub purpose: String,
    /// Required `challenge` (presentations).
    pub challenge: Option<String>,
    /// Required `domain` (presentations).
    pub domain: Option<String>,
}

/// The proof's fields, parsed and checked against expectations (Data Integrity §4.4 steps
/// before the cryptosuite).
#[derive(Debug, Clone)]
pub struct ParsedProof {
    /// `cryptosuite`.
    pub cryptosuite: String,
    /// `verificationMethod`.
    pub verification_method: String,
    /// The signature bytes from `proofValue`.
    pub signature: Vec<u8>,
}

/// Checks the proof object's shape and expectations.
pub fn parse_proof(proof: &Value, expected: &ExpectedProof) -> Result<ParsedProof> {
    let field =
        |name: &str| proof.get(name).and_then(Value::as_str).ok_or_else(|| Error::Proof(format!("proof.{name} missing or not a string")));
    if field("type")? != "DataIntegrityProof" {
        return Err(Error::Proof("proof.type must be DataIntegrityProof".into()));
    }
    let suite = field("cryptosuite")?;
    if suite != EDDSA_RDFC_2022 && suite != EDDSA_JCS_2022 {
        return Err(Error::Proof(format!("unknown cryptosuite `{suite}`")));
    }
    let vm = field("verificationMethod")?;
    let purpose = field("proofPurpose")?;
    if purpose != expected.purpose {
        return Err(Error::Proof(format!("proofPurpose `{purpose}`, expected `{}`", expected.purpose)));
    }
    for (name, want) in [("challenge", &expected.challenge), ("domain", &expected.domain)] {
        if let Some(want) = want {
            let got = proof.get(name);
            let ok = match got {
                Some(Value::String(s)) => s == want,
                Some(Value::Array(a)) if name == "domain" => a.iter().any(|d| d.as_str() == Some(want)),
                _ => false,
            };
            if !ok {
                return Err(Error::Proof(format!("proof.{name} does not match `{want}`")));
            }
        }
    }
    if let Some(c) = proof.get("created") {
        check_date_time(c.as_str().ok_or_else(|| Error::Proof("created must be a string".into()))?)?;
    }
    let pv = field("proofValue")?;
    let body = pv.strip_prefix('z').ok_or_else(|| Error::Proof("proofValue must be multibase base58btc ('z')".into()))?;
    let signature = bs58::decode(body).into_vec().map_err(|e| Error::Proof(format!("proofValue: {e}")))?;
    if signature.len() != 64 {
        return Err(Error::Proof("signature must be 64 bytes".into()));
    }
    Ok(ParsedProof { cryptosuite: suite.to_string(), verification_method: vm.to_string(), signature })
}

/// Computes the hash data of a secured document for its cryptosuite.
pub fn hash_secured(
    unsecured: &Value,
    proof: &Value,
    suite: &str,
    policy: ContextPolicy,
    canonicalizer: Canonicalizer,
) -> Result<HashData> {
    match suite {
        EDDSA_RDFC_2022 => hash_data_rdfc(unsecured, proof, policy, canonicalizer),
        EDDSA_JCS_2022 => {
            canonical_nquads(unsecured, policy, canonicalizer)?;
            hash_data_jcs(unsecured, proof)
        }
        other => Err(Error::Proof(format!("unknown cryptosuite `{other}`"))),
    }
}

/// Hash data of a secured document, computed in place (the fast path skips `proof` instead
/// of cloning the document); same result as [`split_proof`] + [`hash_secured`].
pub fn hash_secured_document(
    doc: &Value,
    proof: &Value,
    suite: &str,
    policy: ContextPolicy,
    canonicalizer: Canonicalizer,
) -> Result<HashData> {
    hash_secured_document_with(doc, proof, suite, policy, canonicalizer, Reuse::None, None).map(|(h, _)| h)
}

/// Canonical proof configurations already computed in one verification call, by
/// configuration (the proof without `proofValue`, with the document's `@context`), policy
/// and canonicaliser. The credentials of one transcript or batch usually share theirs (same
/// issuer key, same `created`), so it is canonicalised once instead of once per credential.
#[derive(Default)]
pub(crate) struct ProofConfigs(RefCell<Vec<(Value, ContextPolicy, Canonicalizer, String)>>);

impl ProofConfigs {
    /// At most this many configurations are kept (then new ones are computed each time).
    const CAPACITY: usize = 16;

    fn canonical(&self, config: Value, policy: ContextPolicy, canonicalizer: Canonicalizer) -> Result<String> {
        let known = self.0.borrow().iter().find(|(v, p, c, _)| *v == config && *p == policy && *c == canonicalizer).map(|k| k.3.clone());
        if let Some(k) = known {
            return Ok(k);
        }
        let canonical = canonical_nquads(&config, policy, canonicalizer)?;
        let mut kept = self.0.borrow_mut();
        if kept.len() < Self::CAPACITY {
            kept.push((config, policy, canonicalizer, canonical.clone()));
        }
        Ok(canonical)
    }
}

/// What [`hash_secured_document_with`] does with the fast path's expansions, for a CLR
/// transcript: its embedded credentials are expanded once, by their own verification
/// (`Keep`), and the transcript's expansion takes those quads (`Take`).
pub(crate) enum Reuse<'a, 'd> {
    /// Nothing kept, nothing taken.
    None,
    /// Keep this document's expansion (it is embedded in a transcript).
    Keep,
    /// Take the embedded credentials' expansions from here.
    Take(&'a mut fastpath::Expanded<'d>),
}

/// [`hash_secured_document`], with the document's expansion kept or embedded expansions
/// taken as `reuse` says, and the canonical proof configuration taken from `configs` when
/// computed already. Same hash data either way: an expansion is only taken for the very
/// JSON object it was made from, in the same context (see [`fastpath::try_expand_reusing`]).
pub(crate) fn hash_secured_document_with<'d>(
    doc: &'d Value,
    proof: &Value,
    suite: &str,
    policy: ContextPolicy,
    canonicalizer: Canonicalizer,
    reuse: Reuse<'_, 'd>,
    configs: Option<&ProofConfigs>,
) -> Result<(HashData, Option<fastpath::EmbeddedQuads<'d>>)> {
    if suite == EDDSA_RDFC_2022 && canonicalizer == Canonicalizer::Auto {
        let list = contexts::check_contexts(doc, policy)?;
        let config = || -> Result<String> {
            let mut config = proof.clone();
            let obj = config.as_object_mut().ok_or_else(|| Error::Proof("proof must be an object".into()))?;
            obj.remove("proofValue");
            obj.insert("@context".into(), context_of(doc)?);
            match configs {
                Some(c) => c.canonical(config, policy, canonicalizer),
                None => canonical_nquads(&config, policy, canonicalizer),
            }
        };
        match reuse {
            Reuse::Keep => {
                if let Some(mut e) = fastpath::try_expand_embedded(doc, list, Some("proof")) {
                    let (canonical, first) = canon::canonicalize_parts(&[e.quads()], false, None)?;
                    e.set_first_degree(first);
                    return Ok((HashData::new(config()?, canonical), Some(e)));
                }
            }
            Reuse::Take(expanded) => {
                if let Some(r) = fastpath::try_expand_reusing(doc, list, Some("proof"), expanded) {
                    let parts: Vec<&[canon::Quad]> = r.parts.iter().map(Vec::as_slice).collect();
                    let (canonical, _) = canon::canonicalize_parts(&parts, false, Some(&r.known))?;
                    return Ok((HashData::new(config()?, canonical), None));
                }
            }
            Reuse::None => {
                if let Some(quads) = fastpath::try_expand_skipping(doc, list, Some("proof")) {
                    return Ok((HashData::new(config()?, canon::canonicalize(&quads)?), None));
                }
            }
        }
    }
    let (unsecured, proof) = split_proof(doc)?;
    Ok((hash_secured(&unsecured, &proof, suite, policy, canonicalizer)?, None))
}

/// Verifies the cryptosuite part of a secured document against a known key.
///
/// Arguments: `doc` the secured document; `key` the public key the verification method
/// resolved to; `expected` purpose/challenge/domain; `policy`; `canonicalizer`.
/// Returns `Ok(())` when the signature verifies (`verify_strict`).
pub fn verify_proof_with_key(
    doc: &Value,
    key: &PublicKey,
    expected: &ExpectedProof,
    policy: ContextPolicy,
    canonicalizer: Canonicalizer,
) -> Result<()> {
    let (unsecured, proof) = split_proof(doc)?;
    let parsed = parse_proof(&proof, expected)?;
    let hash = hash_secured(&unsecured, &proof, &parsed.cryptosuite, policy, canonicalizer)?;
    key.verify_strict(&hash.combined(), &parsed.signature)
}

/// Checks an `xsd:dateTimeStamp`-like value: RFC 3339 with a time zone.
pub fn check_date_time(s: &str) -> Result<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::parse_from_rfc3339(s).map_err(|e| Error::Malformed(format!("`{s}` is not a date-time with time zone: {e}")))
}
