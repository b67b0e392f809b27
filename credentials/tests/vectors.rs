//! Known-answer tests on the copied W3C and OBv3 harness vectors; each assertion names the
//! vector file it checks.

mod common;

use common::{hex, json, read, seed_from_hex, vectors_dir};
use rongtong_credentials::contexts::ContextPolicy;
use rongtong_credentials::did::{FileResolver, NoResolver, Resolver};
use rongtong_credentials::proof::{self, Canonicalizer, ProofOptions};
use rongtong_credentials::verify::{self, PresentationOptions, VerifyOptions, parse_now};
use rongtong_credentials::{SigningKey, canon};
use serde_json::Value;

const RDFC: &str = "vc-di-eddsa/eddsa-rdfc-2022";
const JCS: &str = "vc-di-eddsa/eddsa-jcs-2022";
const H: &str = "obv3-harness";

fn w3c_key() -> SigningKey {
    let kp = json("vc-di-eddsa/keyPair.json");
    let key = SigningKey::from_multibase(kp["privateKeyMultibase"].as_str().expect("secret")).expect("keyPair.json privateKeyMultibase");
    assert_eq!(key.public_key().to_multibase(), kp["publicKeyMultibase"].as_str().expect("public"), "keyPair.json: public key from seed");
    key
}

fn proof_options_without_context(rel: &str) -> Value {
    let mut p = json(rel);
    p.as_object_mut().expect("object").remove("@context");
    p
}

#[test]
fn w3c_rdfc_vector_reproduced_with_both_canonicalisers() {
    let unsigned = json("vc-di-eddsa/unsigned.json");
    let options = proof_options_without_context(&format!("{RDFC}/proofConfigDataInt.json"));
    for c in [Canonicalizer::Generic, Canonicalizer::Auto] {
        let h = proof::hash_data_rdfc(&unsigned, &options, ContextPolicy::W3cExamples, c).expect("hash unsigned.json");
        assert_eq!(h.canonical_document, read(&format!("{RDFC}/canonDocDataInt.txt")), "canonDocDataInt.txt ({c:?})");
        assert_eq!(h.canonical_proof_config, read(&format!("{RDFC}/proofCanonDataInt.txt")), "proofCanonDataInt.txt ({c:?})");
        assert_eq!(hex(&h.document_hash), read(&format!("{RDFC}/docHashDataInt.txt")).trim(), "docHashDataInt.txt");
        assert_eq!(hex(&h.proof_hash), read(&format!("{RDFC}/proofHashDataInt.txt")).trim(), "proofHashDataInt.txt");
        assert_eq!(hex(&h.combined()), read(&format!("{RDFC}/combinedHashDataInt.txt")).trim(), "combinedHashDataInt.txt");
        let sig = w3c_key().sign(&h.combined());
        assert_eq!(hex(&sig), read(&format!("{RDFC}/sigHexDataInt.txt")).trim(), "sigHexDataInt.txt");
        assert_eq!(
            format!("z{}", bs58::encode(sig).into_string()),
            read(&format!("{RDFC}/sigBTC58DataInt.txt")).trim(),
            "sigBTC58DataInt.txt"
        );
    }
}

#[test]
fn w3c_rdfc_signed_vector_signs_and_verifies() {
    let key = w3c_key();
    let unsigned = json("vc-di-eddsa/unsigned.json");
    let opts = json(&format!("{RDFC}/proofConfigDataInt.json"));
    let options = ProofOptions {
        cryptosuite: "eddsa-rdfc-2022".into(),
        verification_method: opts["verificationMethod"].as_str().expect("vm").into(),
        proof_purpose: "assertionMethod".into(),
        created: opts["created"].as_str().map(str::to_string),
        challenge: None,
        domain: None,
    };
    let signed = proof::add_proof(&unsigned, &key, &options, ContextPolicy::W3cExamples).expect("sign");
    let expected = json(&format!("{RDFC}/signedDataInt.json"));
    assert_eq!(signed["proof"]["proofValue"], expected["proof"]["proofValue"], "signedDataInt.json proofValue");
    let exp = proof::ExpectedProof { purpose: "assertionMethod".into(), ..Default::default() };
    proof::verify_proof_with_key(&expected, &key.public_key(), &exp, ContextPolicy::W3cExamples, Canonicalizer::Auto)
        .expect("signedDataInt.json cryptosuite verifies");
    // Full VC verification: its issuer is not the did:key's controller, so the issuer_key
    // check must fail (as in Digital Bazaar's verifier; see the vectors README).
    let now = parse_now("2024-01-01T00:00:00Z").expect("now");
    let report = verify::verify(&expected, &NoResolver, now, &VerifyOptions { policy: ContextPolicy::W3cExamples, ..Default::default() });
    assert!(!report.verified, "signedDataInt.json: issuer is not the key controller");
    assert!(report.failed("issuer_key"), "signedDataInt.json: {report:?}");
    assert!(!report.failed("proof"), "signedDataInt.json: {report:?}");
}

#[test]
fn w3c_jcs_vector_reproduced_and_verifies() {
    let unsigned = json("vc-di-eddsa/unsigned.json");
    let config = json(&format!("{JCS}/proofConfigJCS.json"));
    let h = proof::hash_data_jcs(&unsigned, &config).expect("jcs hash");
    assert_eq!(h.canonical_document, read(&format!("{JCS}/canonDocJCS.txt")), "canonDocJCS.txt");
    assert_eq!(h.canonical_proof_config, read(&format!("{JCS}/proofCanonJCS.txt")), "proofCanonJCS.txt");
    assert_eq!(hex(&h.document_hash), read(&format!("{JCS}/docHashJCS.txt")).trim(), "docHashJCS.txt");
    assert_eq!(hex(&h.proof_hash), read(&format!("{JCS}/proofHashJCS.txt")).trim(), "proofHashJCS.txt");
    assert_eq!(hex(&h.combined()), read(&format!("{JCS}/combinedHashJCS.txt")).trim(), "combinedHashJCS.txt");
    let sig = w3c_key().sign(&h.combined());
    assert_eq!(hex(&sig), read(&format!("{JCS}/sigHexJCS.txt")).trim(), "sigHexJCS.txt");
    assert_eq!(format!("z{}", bs58::encode(sig).into_string()), read(&format!("{JCS}/sigBTC58JCS.txt")).trim(), "sigBTC58JCS.txt");
    let signed = json(&format!("{JCS}/signedJCS.json"));
    let exp = proof::ExpectedProof { purpose: "assertionMethod".into(), ..Default::default() };
    proof::verify_proof_with_key(&signed, &w3c_key().public_key(), &exp, ContextPolicy::W3cExamples, Canonicalizer::Auto)
        .expect("signedJCS.json verifies");
    let mut tampered = signed.clone();
    tampered["name"] = "Alumni Credential!".into();
    assert!(
        proof::verify_proof_with_key(&tampered, &w3c_key().public_key(), &exp, ContextPolicy::W3cExamples, Canonicalizer::Auto).is_err(),
        "signedJCS.json tampered must fail"
    );
}

#[test]
fn obv3_trace_reproduced() {
    let trace = json(&format!("{H}/trace.json"));
    let cred = json(&format!("{H}/credential.json"));
    let (unsecured, proof_obj) = proof::split_proof(&cred).expect("split");
    for c in [Canonicalizer::Generic, Canonicalizer::Auto] {
        let h = proof::hash_data_rdfc(&unsecured, &proof_obj, ContextPolicy::OpenBadges, c).expect("hash credential.json");
        assert_eq!(h.canonical_proof_config, trace["canonicalProofConfig"].as_str().expect("s"), "trace.json canonicalProofConfig ({c:?})");
        assert_eq!(h.canonical_document, trace["canonicalDocument"].as_str().expect("s"), "trace.json canonicalDocument ({c:?})");
        assert_eq!(hex(&h.proof_hash), trace["proofConfigHashHex"].as_str().expect("s"), "trace.json proofConfigHashHex");
        assert_eq!(hex(&h.document_hash), trace["documentHashHex"].as_str().expect("s"), "trace.json documentHashHex");
        assert_eq!(hex(&h.combined()), trace["hashDataHex"].as_str().expect("s"), "trace.json hashDataHex");
    }
    // Re-sign with the published test seed: Ed25519 is deterministic.
    let issuer = json(&format!("{H}/issuer.json"));
    let key = SigningKey::from_seed(&seed_from_hex(issuer["seedHex"].as_str().expect("seed")));
    assert_eq!(key.did_key(), issuer["did"].as_str().expect("did"), "issuer.json did");
    let resigned = proof::add_proof(
        &unsecured,
        &key,
        &ProofOptions::assertion(issuer["verificationMethod"].as_str().expect("vm"), Some("2026-01-15T08:00:00Z".into())),
        ContextPolicy::OpenBadges,
    )
    .expect("sign");
    assert_eq!(resigned["proof"]["proofValue"], trace["proofValue"], "trace.json proofValue");
}

fn now() -> chrono::DateTime<chrono::Utc> {
    parse_now("2026-06-01T00:00:00Z").expect("now")
}

fn harness_resolver() -> FileResolver {
    FileResolver::new("https://issuer.example/", vectors_dir().join("obv3-harness/http"))
}

fn verdict(file: &str) -> verify::VerificationReport {
    verify::verify(&json(&format!("{H}/{file}")), &harness_resolver(), now(), &VerifyOptions::obv3())
}

#[test]
fn harness_valid_credentials_verify() {
    for file in ["credential.json", "credential-status.json", "credential-didweb.json"] {
        let r = verdict(file);
        assert!(r.verified, "{file} must verify: {r:#?}");
        assert_eq!(r.trusted, None, "{file}");
    }
    let r = verdict("credential-status.json");
    assert!(r.check("status").expect("status ran").detail.contains("bit 42"), "credential-status.json: {r:?}");
}

#[test]
fn harness_tampered_and_wrong_key_fail_the_proof_check() {
    for file in ["tampered.json", "wrong-key.json"] {
        let r = verdict(file);
        assert!(!r.verified, "{file} must not verify");
        assert!(r.failed("proof"), "{file}: {r:#?}");
        assert!(!r.failed("context") && !r.failed("well_formed") && !r.failed("json_ld"), "{file}: only the proof fails: {r:#?}");
    }
}

#[test]
fn harness_revoked_credential_fails_status() {
    let r = verdict("credential-revoked.json");
    assert!(!r.verified, "credential-revoked.json");
    let status = r.check("status").expect("status ran");
    assert!(!status.passed && status.detail.contains("revoked"), "credential-revoked.json: {status:?}");
    assert!(!r.failed("proof"), "credential-revoked.json: signature itself is fine");
}

#[test]
fn harness_short_status_list_is_a_length_error() {
    let r = verdict("credential-shortlist.json");
    assert!(!r.verified, "credential-shortlist.json");
    let status = r.check("status").expect("status ran");
    assert!(status.detail.contains("STATUS_LIST_LENGTH_ERROR"), "credential-shortlist.json: {status:?}");
}

#[test]
fn harness_did_web_needs_the_resolver() {
    let doc = json(&format!("{H}/credential-didweb.json"));
    let r = verify::verify(&doc, &NoResolver, now(), &VerifyOptions::obv3());
    assert!(r.failed("issuer_key"), "credential-didweb.json without resolver: {r:?}");
    assert!(harness_resolver().get("https://issuer.example/.well-known/did.json").is_ok(), "http/.well-known/did.json served");
}

#[test]
fn harness_presentation_verifies_with_challenge_and_domain() {
    let vp = json(&format!("{H}/presentation.json"));
    let opts = PresentationOptions {
        challenge: "challenge-123".into(),
        domain: Some("verifier.example".into()),
        credentials: VerifyOptions::obv3(),
    };
    let r = verify::verify_presentation(&vp, &harness_resolver(), now(), &opts);
    assert!(r.verified, "presentation.json: {r:#?}");
    let wrong = PresentationOptions { challenge: "other".into(), ..opts.clone() };
    let r = verify::verify_presentation(&vp, &harness_resolver(), now(), &wrong);
    assert!(!r.verified && r.checks.iter().any(|c| c.name == "holder_key" && !c.passed), "presentation.json with wrong challenge: {r:?}");
    let wrong_domain = PresentationOptions { domain: Some("evil.example".into()), ..opts };
    assert!(!verify::verify_presentation(&vp, &harness_resolver(), now(), &wrong_domain).verified, "presentation.json wrong domain");
}

#[test]
fn harness_trust_list_is_reported_separately() {
    let doc = json(&format!("{H}/credential.json"));
    let issuer = json(&format!("{H}/issuer.json"));
    let trusted = VerifyOptions { trusted_issuers: Some(vec![issuer["did"].as_str().expect("did").into()]), ..VerifyOptions::obv3() };
    let r = verify::verify(&doc, &harness_resolver(), now(), &trusted);
    assert!(r.verified && r.trusted == Some(true), "credential.json trusted: {r:?}");
    let untrusted = VerifyOptions { trusted_issuers: Some(vec!["did:web:other.example".into()]), ..VerifyOptions::obv3() };
    let r = verify::verify(&doc, &harness_resolver(), now(), &untrusted);
    assert!(r.verified && r.trusted == Some(false), "credential.json untrusted but authentic: {r:?}");
    assert!(r.failed("issuer_trust"));
}

#[test]
fn harness_generic_and_fast_canonical_forms_agree() {
    for file in ["credential.json", "credential-status.json", "credential-didweb.json", "credential-revoked.json", "http/status/1"] {
        let doc = json(&format!("{H}/{file}"));
        let (u, _) = proof::split_proof(&doc).expect("split");
        let g = canon::canonical_nquads(&u, ContextPolicy::OpenBadges).expect("generic");
        let quads = canon::expand_to_quads(&u, ContextPolicy::OpenBadges).expect("quads");
        assert_eq!(canon::canonicalize_full(&quads).expect("full"), g, "{file}: first-degree labelling equals full RDFC-1.0");
        let f = proof::canonical_nquads(&u, ContextPolicy::OpenBadges, Canonicalizer::Auto).expect("auto");
        assert_eq!(g, f, "{file}");
        let (_, p) = proof::split_proof(&doc).expect("split");
        let in_place =
            proof::hash_secured_document(&doc, &p, "eddsa-rdfc-2022", ContextPolicy::OpenBadges, Canonicalizer::Auto).expect("in place");
        let split = proof::hash_secured(&u, &p, "eddsa-rdfc-2022", ContextPolicy::OpenBadges, Canonicalizer::Generic).expect("split");
        assert_eq!(in_place, split, "{file}: in-place fast hashing equals split + generic");
    }
}

#[test]
fn fast_path_handles_the_harness_credentials_and_w3c_vector() {
    use rongtong_credentials::{contexts, fastpath};
    for file in ["credential.json", "credential-status.json", "credential-didweb.json", "http/status/1"] {
        let (u, p) = proof::split_proof(&json(&format!("{H}/{file}"))).expect("split");
        let list = contexts::check_contexts(&u, ContextPolicy::OpenBadges).expect("ctx");
        assert!(fastpath::try_expand(&u, list).is_some(), "{file}: fast path taken for the document");
        let mut cfg = p.clone();
        cfg.as_object_mut().expect("obj").remove("proofValue");
        cfg["@context"] = u["@context"].clone();
        assert!(fastpath::try_expand(&cfg, list).is_some(), "{file}: fast path taken for the proof config");
    }
    let unsigned = json("vc-di-eddsa/unsigned.json");
    let list = contexts::check_contexts(&unsigned, ContextPolicy::W3cExamples).expect("ctx");
    // The examples context uses @vocab, which the fast path leaves to the generic path.
    assert!(fastpath::try_expand(&unsigned, list).is_none(), "unsigned.json uses @vocab");
}
