//! Round trips: issue our three kinds of OBv3 credential, verify them, tamper with every
//! field and see verification fail; bad input never panics.

mod common;

use rongtong_catalog::SkillLevel;
use rongtong_credentials::contexts::{self, ContextPolicy};
use rongtong_credentials::did::{DidDocumentBuilder, MapResolver, did_web_to_url};
use rongtong_credentials::obv3::{
    self, AchievementSpec, Alignment, CertificateKind, CredentialSpec, Grade, GradeType, IssuerProfile, Recipient,
};
use rongtong_credentials::proof::{self, Canonicalizer, ProofOptions};
use rongtong_credentials::status::{self, StatusList, StatusListEntry, StatusPurpose};
use rongtong_credentials::verify::{self, PresentationOptions, VerifyOptions, create_presentation, parse_now, verify_str};
use rongtong_credentials::{SigningKey, canon, fastpath, verify_batch};
use serde_json::Value;

const LIST_URL: &str = "https://rongtong.example/status/1";
const SUSP_URL: &str = "https://rongtong.example/status/2";
const CREATED: &str = "2026-01-15T08:00:00Z";

fn now() -> chrono::DateTime<chrono::Utc> {
    parse_now("2026-06-01T00:00:00Z").expect("now")
}

fn issuer_key() -> SigningKey {
    SigningKey::from_seed(&[42u8; 32])
}

fn spec(kind: CertificateKind, recipient: Recipient, index: u64) -> CredentialSpec {
    let key = issuer_key();
    CredentialSpec {
        id: "urn:uuid:0b3d7c2e-8f1a-4c6e-9d2b-5a7e1f3c9b40".into(),
        issuer: IssuerProfile { did: key.did_key(), name: "江西开放大学".into() },
        recipient,
        achievement: AchievementSpec {
            id: "https://rongtong.example/achievements/robot-ops-l4".into(),
            kind,
            name_zh: "工业机器人系统运维员".into(),
            name_en: Some("Industrial robot system operator".into()),
            description: "完成工业机器人日常维护与故障排查。\nMaintains six-axis robots.".into(),
            criteria_narrative: "通过理论考试与实操考核（≥60 分）。".into(),
            alignments: vec![Alignment {
                target_framework: Some("融通技能图谱".into()),
                target_code: Some("SK-0042".into()),
                ..Alignment::competency("机器人预防性维护", "https://rongtong.example/skills/SK-0042")
            }],
            credits_available: Some(2.0),
            hours: None,
        },
        valid_from: "2026-01-15T00:00:00Z".into(),
        valid_until: Some("2029-01-15T00:00:00Z".into()),
        status: vec![
            StatusListEntry::new(StatusPurpose::Revocation, index, LIST_URL),
            StatusListEntry::new(StatusPurpose::Suspension, index, SUSP_URL),
        ],
        ..Default::default()
    }
}

fn skill_level() -> CertificateKind {
    CertificateKind::SkillLevel {
        occupation_code: "6-31-01-10".into(),
        occupation_name: "工业机器人系统运维员".into(),
        occupation_url: "https://rongtong.example/occupations/6-31-01-10".into(),
        level: SkillLevel::L4,
    }
}

fn hashed() -> Recipient {
    Recipient::HashedIdentifier {
        identifier: "36010219900101123X".into(),
        identity_type: "identifier".into(),
        salt: "5f2b9c0e1d7a4e38".into(),
    }
}

fn signed_list(purpose: StatusPurpose, url: &str, set: &[usize]) -> Value {
    let key = issuer_key();
    let mut list = StatusList::new(status::MIN_STATUS_LIST_ENTRIES).expect("list");
    for i in set {
        list.set(*i, true).expect("set");
    }
    status::issue_status_list_credential(
        url,
        &key.did_key(),
        &key,
        &key.public_key().did_key_verification_method(),
        purpose,
        &list,
        "2026-01-01T00:00:00Z",
        CREATED,
    )
    .expect("sign list")
}

fn resolver(revoked: &[usize], suspended: &[usize]) -> MapResolver {
    let mut r = MapResolver::new();
    r.insert(LIST_URL, signed_list(StatusPurpose::Revocation, LIST_URL, revoked));
    r.insert(SUSP_URL, signed_list(StatusPurpose::Suspension, SUSP_URL, suspended));
    r
}

fn issue(spec: &CredentialSpec) -> Value {
    let key = issuer_key();
    obv3::issue(spec, &key, &key.public_key().did_key_verification_method(), CREATED).expect("issue")
}

fn all_kinds() -> Vec<(&'static str, CredentialSpec)> {
    vec![
        (
            "training",
            spec(CertificateKind::Training, Recipient::Did("did:key:z6MkhcEz8GCrbxyPuzHbBhZGbgdHYUxpNvvftMUAVFxPzNQa".into()), 1234),
        ),
        ("skill-level", spec(skill_level(), hashed(), 99_000)),
        ("micro", spec(CertificateKind::Micro, hashed(), 7)),
    ]
}

#[test]
fn issued_credentials_verify() {
    let r = resolver(&[], &[]);
    for (name, s) in all_kinds() {
        let vc = issue(&s);
        let report = verify::verify(&vc, &r, now(), &VerifyOptions::obv3());
        assert!(report.verified, "{name}: {report:#?}");
        assert_eq!(
            vc["@context"],
            serde_json::json!(["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"])
        );
    }
}

#[test]
fn skill_level_is_encoded_with_ob_terms() {
    let vc = issue(&spec(skill_level(), hashed(), 5));
    let subject = &vc["credentialSubject"];
    let achievement = &subject["achievement"];
    assert_eq!(achievement["achievementType"], "Certification");
    let rd = &achievement["resultDescription"][0];
    assert_eq!(rd["resultType"], "RubricCriterionLevel");
    assert_eq!(rd["rubricCriterionLevel"].as_array().expect("levels").len(), 5);
    let achieved = subject["result"][0]["achievedLevel"].as_str().expect("achievedLevel");
    let level = rd["rubricCriterionLevel"]
        .as_array()
        .expect("levels")
        .iter()
        .find(|l| l["id"] == achieved)
        .expect("achieved level is one of the rubric levels");
    assert_eq!(level["level"], "4");
    assert_eq!(rd["requiredLevel"], achieved);
    let id = &subject["identifier"][0];
    assert_eq!(id["identityHash"], obv3::identity_hash("36010219900101123X", "5f2b9c0e1d7a4e38"));
    assert!(id["identityHash"].as_str().expect("hash").starts_with("sha256$"));
    assert!(!vc.to_string().contains("36010219900101123X"), "plaintext identifier must not appear");
}

/// Every leaf of the credential (including the proof options, excluding proofValue) is
/// changed in turn; each change must make verification fail.
#[test]
fn tampering_any_field_fails() {
    let r = resolver(&[], &[]);
    let vc = issue(&spec(skill_level(), hashed(), 99_000));
    let mut paths = Vec::new();
    collect_leaves(&vc, &mut Vec::new(), &mut paths);
    assert!(paths.len() > 40, "{} leaves", paths.len());
    for path in paths {
        if path.last().map(String::as_str) == Some("proofValue") {
            continue;
        }
        let mut t = vc.clone();
        let leaf = pointer_mut(&mut t, &path);
        *leaf = match leaf.clone() {
            Value::String(s) if s.contains(':') => Value::String(format!("{s}x")),
            Value::String(s) => Value::String(format!("{s}!")),
            Value::Bool(b) => Value::Bool(!b),
            Value::Number(n) => Value::from(n.as_u64().unwrap_or(0) + 1),
            other => other,
        };
        let report = verify::verify(&t, &r, now(), &VerifyOptions::obv3());
        assert!(!report.verified, "changing {path:?} must fail verification");
    }
}

fn collect_leaves(v: &Value, here: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| {
            here.push(k.clone());
            collect_leaves(x, here, out);
            here.pop();
        }),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| {
            here.push(i.to_string());
            collect_leaves(x, here, out);
            here.pop();
        }),
        _ => out.push(here.clone()),
    }
}

fn pointer_mut<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    let ptr: String = path.iter().map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1"))).collect();
    v.pointer_mut(&ptr).expect("path exists")
}

#[test]
fn revoked_and_suspended_fail_status() {
    let vc = issue(&spec(CertificateKind::Training, hashed(), 1234));
    let revoked = verify::verify(&vc, &resolver(&[1234], &[]), now(), &VerifyOptions::obv3());
    assert!(!revoked.verified && revoked.check("status").expect("ran").detail.contains("revoked"), "{revoked:?}");
    let suspended = verify::verify(&vc, &resolver(&[], &[1234]), now(), &VerifyOptions::obv3());
    assert!(!suspended.verified && suspended.check("status").expect("ran").detail.contains("suspended"), "{suspended:?}");
    let neighbour = verify::verify(&vc, &resolver(&[1233, 1235], &[]), now(), &VerifyOptions::obv3());
    assert!(neighbour.verified, "neighbouring bits do not matter: {neighbour:?}");
}

#[test]
fn status_list_with_bad_proof_fails() {
    let vc = issue(&spec(CertificateKind::Training, hashed(), 1234));
    let mut r = resolver(&[], &[]);
    let mut list = r.documents[LIST_URL].clone();
    list["validFrom"] = "2026-01-02T00:00:00Z".into();
    r.insert(LIST_URL, list);
    let report = verify::verify(&vc, &r, now(), &VerifyOptions::obv3());
    let st = report.check("status").expect("ran");
    assert!(!st.passed && st.detail.contains("STATUS_VERIFICATION_ERROR"), "{st:?}");
    let missing = verify::verify(&vc, &MapResolver::new(), now(), &VerifyOptions::obv3());
    assert!(missing.check("status").expect("ran").detail.contains("STATUS_RETRIEVAL_ERROR"));
}

#[test]
fn dates_are_checked() {
    let vc = issue(&spec(CertificateKind::Micro, hashed(), 1));
    let r = resolver(&[], &[]);
    let early = verify::verify(&vc, &r, parse_now("2026-01-01T00:00:00Z").expect("t"), &VerifyOptions::obv3());
    assert!(early.failed("dates") && !early.verified);
    let late = verify::verify(&vc, &r, parse_now("2029-01-15T00:00:00Z").expect("t"), &VerifyOptions::obv3());
    assert!(late.failed("dates") && late.check("dates").expect("ran").detail.contains("expired"));
}

#[test]
fn refuses_to_sign_undefined_terms_and_relative_iris() {
    let key = issuer_key();
    let vm = key.public_key().did_key_verification_method();
    let base = obv3::build_credential(&spec(CertificateKind::Training, hashed(), 1)).expect("build");
    let opts = ProofOptions::assertion(vm, Some(CREATED.into()));
    let mut undefined = base.clone();
    undefined["credentialSubject"]["skillLevel"] = "4".into();
    assert!(proof::add_proof(&undefined, &key, &opts, ContextPolicy::OpenBadges).is_err(), "undefined term");
    let mut undefined_top = base.clone();
    undefined_top["skillLevel"] = "4".into();
    assert!(proof::add_proof(&undefined_top, &key, &opts, ContextPolicy::OpenBadges).is_err(), "undefined top-level term");
    let mut bad_type = base.clone();
    bad_type["credentialSubject"]["achievement"]["type"] = serde_json::json!(["Achievement", "SkillThing"]);
    assert!(proof::add_proof(&bad_type, &key, &opts, ContextPolicy::OpenBadges).is_err(), "undefined type");
    let mut relative = base.clone();
    relative["credentialSubject"]["achievement"]["id"] = "achievements/3".into();
    assert!(proof::add_proof(&relative, &key, &opts, ContextPolicy::OpenBadges).is_err(), "relative id");
    let mut relative_image = base.clone();
    relative_image["credentialSubject"]["achievement"]["image"] = serde_json::json!({"id": "img.png", "type": "Image"});
    assert!(proof::add_proof(&relative_image, &key, &opts, ContextPolicy::OpenBadges).is_err(), "relative image id");
    let mut relative_ref = base.clone();
    relative_ref["credentialSubject"]["source"] = "orgs/3".into();
    assert!(proof::add_proof(&relative_ref, &key, &opts, ContextPolicy::OpenBadges).is_err(), "relative @id-typed value");
    let mut extra_ctx = base.clone();
    extra_ctx["@context"].as_array_mut().expect("ctx").push("https://example.com/ctx".into());
    assert!(proof::add_proof(&extra_ctx, &key, &opts, ContextPolicy::OpenBadges).is_err(), "context not allowed");
    assert!(proof::add_proof(&base, &key, &opts, ContextPolicy::OpenBadges).is_ok());
}

#[test]
fn bad_input_gives_failed_checks_not_panics() {
    let r = resolver(&[], &[]);
    let o = VerifyOptions::obv3();
    let j = verify_str("{not json", &r, now(), &o);
    assert!(!j.verified && j.failed("json"));
    for text in ["null", "[]", "42", "{}", r#"{"@context": 5}"#, r#"{"proof": []}"#] {
        let rep = verify_str(text, &r, now(), &o);
        assert!(!rep.verified, "{text}");
    }
    let vc = issue(&spec(CertificateKind::Training, hashed(), 3));
    let mut suite = vc.clone();
    suite["proof"]["cryptosuite"] = "ecdsa-rdfc-2019".into();
    let rep = verify::verify(&suite, &r, now(), &o);
    assert!(rep.failed("proof") && rep.check("proof").expect("ran").detail.contains("unknown cryptosuite"), "{rep:?}");
    let mut undefined = vc.clone();
    undefined["credentialSubject"]["skillLevel"] = "4".into();
    let rep = verify::verify(&undefined, &r, now(), &o);
    assert!(rep.failed("json_ld"), "{rep:?}");
    let mut relative = vc.clone();
    relative["credentialSubject"]["achievement"]["id"] = "achievements/3".into();
    let rep = verify::verify(&relative, &r, now(), &o);
    assert!(rep.failed("json_ld") && rep.failed("well_formed"), "{rep:?}");
    let mut no_proof = vc.clone();
    no_proof.as_object_mut().expect("obj").remove("proof");
    assert!(verify::verify(&no_proof, &r, now(), &o).failed("proof"));
    let mut bad_pv = vc.clone();
    bad_pv["proof"]["proofValue"] = "z0OIl".into();
    assert!(verify::verify(&bad_pv, &r, now(), &o).failed("proof"));
    let mut bad_vm = vc;
    bad_vm["proof"]["verificationMethod"] = "did:key:zzz#zzz".into();
    assert!(verify::verify(&bad_vm, &r, now(), &o).failed("issuer_key"));
}

#[test]
fn did_web_issuer_survives_key_rotation() {
    let did = "did:web:rongtong.example:orgs:jxou";
    let old = SigningKey::from_seed(&[5u8; 32]);
    let new = SigningKey::from_seed(&[6u8; 32]);
    let mut s = spec(CertificateKind::Training, hashed(), 10);
    s.issuer.did = did.into();
    s.status.clear();
    let vc = obv3::issue(&s, &old, &format!("{did}#key-1"), CREATED).expect("issue");
    let mut r = MapResolver::new();
    let url = did_web_to_url(did).expect("url");
    r.insert(url.clone(), DidDocumentBuilder::new(did).key("key-1", old.public_key(), true).build());
    assert!(verify::verify(&vc, &r, now(), &VerifyOptions::obv3()).verified, "before rotation");
    r.insert(url.clone(), DidDocumentBuilder::new(did).key("key-1", old.public_key(), false).key("key-2", new.public_key(), true).build());
    assert!(verify::verify(&vc, &r, now(), &VerifyOptions::obv3()).verified, "after rotation, old key still listed");
    r.insert(url, DidDocumentBuilder::new(did).key("key-2", new.public_key(), true).build());
    let gone = verify::verify(&vc, &r, now(), &VerifyOptions::obv3());
    assert!(gone.failed("issuer_key"), "old key removed: {gone:?}");
}

#[test]
fn presentation_round_trip() {
    let holder = SigningKey::from_seed(&[9u8; 32]);
    let r = resolver(&[], &[]);
    let mut s = spec(CertificateKind::Micro, Recipient::Did(holder.did_key()), 77);
    s.id = "urn:uuid:7d3f6f0e-2b9c-4a51-8e3a-0c1d2e3f4a5b".into();
    let vc = issue(&s);
    let vp = create_presentation(
        vec![vc],
        &holder.did_key(),
        &holder,
        &holder.public_key().did_key_verification_method(),
        "nonce-1",
        Some("verifier.rongtong.example"),
        CREATED,
    )
    .expect("vp");
    let opts = PresentationOptions {
        challenge: "nonce-1".into(),
        domain: Some("verifier.rongtong.example".into()),
        credentials: VerifyOptions::obv3(),
    };
    let rep = verify::verify_presentation(&vp, &r, now(), &opts);
    assert!(rep.verified, "{rep:#?}");
    let replay = PresentationOptions { challenge: "nonce-2".into(), ..opts.clone() };
    assert!(!verify::verify_presentation(&vp, &r, now(), &replay).verified);
    let mut swapped = vp.clone();
    swapped["holder"] = issuer_key().did_key().into();
    assert!(!verify::verify_presentation(&swapped, &r, now(), &opts).verified);
    let revoked = verify::verify_presentation(&vp, &resolver(&[77], &[]), now(), &opts);
    assert!(!revoked.verified, "a revoked credential inside makes the VP fail");
}

#[test]
fn batch_verification_names_the_bad_one() {
    let r = resolver(&[], &[]);
    let mut docs: Vec<Value> = (0..12)
        .map(|i| {
            let mut s = spec(CertificateKind::Training, hashed(), 1000 + i);
            s.id = format!("urn:uuid:00000000-0000-4000-8000-{i:012}");
            issue(&s)
        })
        .collect();
    let all = verify_batch(&docs, &r, now(), &VerifyOptions::obv3());
    assert!(all.iter().all(|rep| rep.verified && rep.check("proof").expect("ran").detail.contains("batch")));
    docs[5]["name"] = "篡改".into();
    let reports = verify_batch(&docs, &r, now(), &VerifyOptions::obv3());
    for (i, rep) in reports.iter().enumerate() {
        assert_eq!(rep.verified, i != 5, "doc {i}: {rep:?}");
    }
    assert!(reports[5].failed("proof"));
}

/// Serves the revocation list from a queue: each call takes the next document (the last
/// one repeats); everything else from the map.
struct Changing {
    lists: std::cell::RefCell<Vec<Value>>,
    rest: MapResolver,
}

impl rongtong_credentials::did::Resolver for Changing {
    fn get(&self, url: &str) -> rongtong_credentials::Result<Value> {
        let mut lists = self.lists.borrow_mut();
        match url {
            LIST_URL if lists.len() > 1 => Ok(lists.remove(0)),
            LIST_URL => Ok(lists[0].clone()),
            _ => rongtong_credentials::did::Resolver::get(&self.rest, url),
        }
    }
}

#[test]
fn batch_reuses_a_verified_status_list_only_while_it_is_the_same_document() {
    let docs: Vec<Value> = (0..4).map(|i| issue(&spec(CertificateKind::Training, hashed(), 2000 + i))).collect();
    // Shared lists: revoked 2001 and 2003 are told apart from 2000 and 2002 by their bits.
    let reports = verify_batch(&docs, &resolver(&[2001, 2003], &[]), now(), &VerifyOptions::obv3());
    assert_eq!(reports.iter().map(|r| r.verified).collect::<Vec<_>>(), [true, false, true, false]);
    // The list changes between credentials: a clean list, then one whose proof is broken,
    // then a list revoking 2002. Each credential is judged by the document it was served.
    let clean = signed_list(StatusPurpose::Revocation, LIST_URL, &[]);
    let mut broken = clean.clone();
    broken["validFrom"] = "2026-01-02T00:00:00Z".into();
    let revoking = signed_list(StatusPurpose::Revocation, LIST_URL, &[2002]);
    let r = Changing { lists: std::cell::RefCell::new(vec![clean, broken, revoking]), rest: resolver(&[], &[]) };
    let reports = verify_batch(&docs, &r, now(), &VerifyOptions::obv3());
    let status: Vec<String> = reports.iter().map(|r| r.check("status").expect("ran").detail.clone()).collect();
    assert!(reports[0].verified, "{status:?}");
    assert!(status[1].contains("STATUS_VERIFICATION_ERROR"), "{status:?}");
    assert!(status[2].starts_with("revoked"), "{status:?}");
    assert!(reports[3].verified, "{status:?}");
}

#[test]
fn jcs_credentials_verify_and_are_held_to_the_same_json_ld_rules() {
    let key = issuer_key();
    let vm = key.public_key().did_key_verification_method();
    let r = resolver(&[], &[]);
    let base = obv3::build_credential(&spec(CertificateKind::Micro, hashed(), 4)).expect("build");
    let opts = ProofOptions { cryptosuite: proof::EDDSA_JCS_2022.into(), ..ProofOptions::assertion(vm.clone(), Some(CREATED.into())) };
    let signed = proof::add_proof(&base, &key, &opts, ContextPolicy::OpenBadges).expect("sign jcs");
    assert!(signed["proof"].get("@context").is_some(), "eddsa-jcs-2022 proofs carry @context");
    let rep = verify::verify(&signed, &r, now(), &VerifyOptions::obv3());
    assert!(rep.verified, "{rep:#?}");
    // A JCS signature over a document with an undefined term (signed by hand, bypassing
    // add_proof's checks) must still fail the json_ld check.
    let mut bad = base.clone();
    bad["credentialSubject"]["skillLevel"] = "4".into();
    let mut proof_opts = serde_json::json!({"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
        "created": CREATED, "verificationMethod": vm, "proofPurpose": "assertionMethod"});
    proof_opts["@context"] = bad["@context"].clone();
    let h = proof::hash_data_jcs(&bad, &proof_opts).expect("hash");
    proof_opts["proofValue"] = format!("z{}", bs58::encode(key.sign(&h.combined())).into_string()).into();
    bad["proof"] = proof_opts;
    let rep = verify::verify(&bad, &r, now(), &VerifyOptions::obv3());
    assert!(!rep.verified && rep.failed("json_ld"), "{rep:#?}");
}

/// A certificate with every optional detail: name, credits, hours, grade, number, expiry.
fn detailed(kind: CertificateKind, recipient: Recipient) -> CredentialSpec {
    let mut s = spec(kind, recipient, 4321);
    s.achievement.credits_available = Some(2.5);
    s.achievement.hours = Some(32.0);
    s.learner_name = Some("李明轩".into());
    s.credits_earned = Some(2.5);
    s.hours_completed = Some(32.0);
    s.grade = Some(Grade::from_text("优秀"));
    s.certificate_number = Some("JX-PXOU-2026-000123".into());
    s.valid_until = Some("2028-01-15T00:00:00Z".into());
    s
}

fn detailed_kinds() -> Vec<(&'static str, CredentialSpec)> {
    vec![
        ("training, hashed", detailed(CertificateKind::Training, hashed())),
        (
            "training, did",
            detailed(CertificateKind::Training, Recipient::Did("did:key:z6MkhcEz8GCrbxyPuzHbBhZGbgdHYUxpNvvftMUAVFxPzNQa".into())),
        ),
        ("skill-level", detailed(skill_level(), hashed())),
        ("micro", detailed(CertificateKind::Micro, hashed())),
    ]
}

/// Every detail is signed, expands strictly under `[VC v2, OB 3.0.3]`, takes the fast path,
/// and verifies with either canonicaliser.
#[test]
fn certificate_details_sign_and_verify_on_both_paths() {
    let r = resolver(&[], &[]);
    let generic = VerifyOptions { canonicalizer: Canonicalizer::Generic, ..VerifyOptions::obv3() };
    for (name, s) in detailed_kinds() {
        let unsigned = obv3::build_credential(&s).expect("build");
        let list = contexts::check_contexts(&unsigned, ContextPolicy::OpenBadges).expect("ctx");
        let quads = fastpath::try_expand(&unsigned, list).unwrap_or_else(|| panic!("{name}: the fast path must cover every detail"));
        assert_eq!(
            canon::canonicalize(&quads).expect("fast"),
            canon::canonical_nquads(&unsigned, ContextPolicy::OpenBadges).expect("generic"),
            "{name}: fast and generic N-Quads differ"
        );
        let vc = issue(&s);
        for (path, options) in [("fast", VerifyOptions::obv3()), ("generic", generic.clone())] {
            let report = verify::verify(&vc, &r, now(), &options);
            assert!(report.verified, "{name} ({path}): {report:#?}");
            assert_eq!(report.valid_from.as_deref(), Some("2026-01-15T00:00:00Z"));
            assert_eq!(report.valid_until.as_deref(), Some("2028-01-15T00:00:00Z"));
        }
    }
}

/// Where each detail lands, per docs/CREDENTIALS.md ("Certificate details").
#[test]
fn certificate_details_are_where_ob_puts_them() {
    let vc = issue(&detailed(CertificateKind::Training, hashed()));
    let subject = &vc["credentialSubject"];
    let achievement = &subject["achievement"];
    let ach = achievement["id"].as_str().expect("achievement id");
    assert_eq!(vc["validUntil"], "2028-01-15T00:00:00Z");
    assert_eq!(subject["identifier"][0]["hashed"], true, "the hashed identifier stays first");
    assert_eq!(
        subject["identifier"][1],
        serde_json::json!({"type": "IdentityObject", "hashed": false, "identityHash": "李明轩", "identityType": "name"})
    );
    assert_eq!(achievement["creditsAvailable"], 2.5);
    assert_eq!(subject["creditsEarned"], 2.5);
    assert_eq!(subject["licenseNumber"], "JX-PXOU-2026-000123");
    assert_eq!(
        achievement["resultDescription"],
        serde_json::json!([
            {"id": format!("{ach}#hours"), "type": ["ResultDescription"], "name": "学时 (learning hours)",
             "resultType": "ext:LearningHours", "valueMax": "32"},
            {"id": format!("{ach}#grade"), "type": ["ResultDescription"], "name": "考核结果 (assessment result)",
             "resultType": "LetterGrade"},
        ])
    );
    assert_eq!(
        subject["result"],
        serde_json::json!([
            {"type": ["Result"], "resultDescription": format!("{ach}#hours"), "value": "32"},
            {"type": ["Result"], "resultDescription": format!("{ach}#grade"), "value": "优秀"},
        ])
    );
    assert_eq!(achievement["achievementType"], "Certificate");
    // Whole numbers stay JSON integers: `2`, never `2.0`.
    let mut whole = detailed(CertificateKind::Training, hashed());
    whole.achievement.credits_available = Some(2.0);
    whole.credits_earned = Some(2.0);
    let text = obv3::build_credential(&whole).expect("build").to_string();
    assert!(text.contains(r#""creditsAvailable":2,"#) || text.contains(r#""creditsAvailable":2}"#), "{text}");
    assert!(text.contains(r#""creditsEarned":2,"#) || text.contains(r#""creditsEarned":2}"#), "{text}");
}

/// A skill-level certificate reads as an assessment (`Certification`), its level result
/// first, then the grade.
#[test]
fn skill_level_details_read_as_an_assessment() {
    let mut s = detailed(skill_level(), Recipient::Did("did:key:z6MkhcEz8GCrbxyPuzHbBhZGbgdHYUxpNvvftMUAVFxPzNQa".into()));
    s.achievement.hours = None;
    s.hours_completed = None;
    s.grade = Some(Grade { value: "合格".into(), grade_type: GradeType::LetterGrade });
    let vc = issue(&s);
    let subject = &vc["credentialSubject"];
    assert_eq!(subject["achievement"]["achievementType"], "Certification");
    assert_eq!(subject["id"], "did:key:z6MkhcEz8GCrbxyPuzHbBhZGbgdHYUxpNvvftMUAVFxPzNQa");
    assert_eq!(subject["identifier"].as_array().expect("identifier").len(), 1, "only the name beside the DID");
    let rds: Vec<&str> = subject["achievement"]["resultDescription"]
        .as_array()
        .expect("descriptions")
        .iter()
        .map(|d| d["resultType"].as_str().expect("resultType"))
        .collect();
    assert_eq!(rds, ["RubricCriterionLevel", "LetterGrade"]);
    assert!(subject["result"][0]["achievedLevel"].is_string());
    assert_eq!(subject["result"][1]["value"], "合格");
    assert!(verify::verify(&vc, &resolver(&[], &[]), now(), &VerifyOptions::obv3()).verified);
}

/// Changing or removing any detail breaks the proof (and only the proof: the document is
/// still well-formed and expands).
#[test]
fn altering_any_detail_breaks_the_proof() {
    let r = resolver(&[], &[]);
    let vc = issue(&detailed(CertificateKind::Training, hashed()));
    let changes: Vec<(&str, Value)> = vec![
        ("/credentialSubject/identifier/1/identityHash", "李明".into()),
        ("/credentialSubject/identifier/1/hashed", true.into()),
        ("/credentialSubject/achievement/creditsAvailable", 3.5.into()),
        ("/credentialSubject/creditsEarned", 2.into()),
        ("/credentialSubject/achievement/resultDescription/0/valueMax", "48".into()),
        ("/credentialSubject/result/0/value", "48".into()),
        ("/credentialSubject/achievement/resultDescription/1/resultType", "RawScore".into()),
        ("/credentialSubject/result/1/value", "良好".into()),
        ("/credentialSubject/licenseNumber", "JX-PXOU-2026-000124".into()),
        ("/validUntil", "2099-01-15T00:00:00Z".into()),
    ];
    for (path, value) in changes {
        let mut t = vc.clone();
        let leaf = t.pointer_mut(path).unwrap_or_else(|| panic!("{path} is in the credential"));
        assert_ne!(*leaf, value, "{path}: the change must change something");
        *leaf = value;
        let report = verify::verify(&t, &r, now(), &VerifyOptions::obv3());
        assert!(!report.verified && report.failed("proof"), "changing {path} must break the proof: {report:#?}");
        assert!(!report.failed("json_ld") && !report.failed("well_formed"), "{path}: {report:#?}");
    }
    for (parent, key) in [
        ("/credentialSubject", "licenseNumber"),
        ("/credentialSubject", "creditsEarned"),
        ("/credentialSubject/achievement", "creditsAvailable"),
        ("", "validUntil"),
    ] {
        let mut t = vc.clone();
        let obj = if parent.is_empty() { &mut t } else { t.pointer_mut(parent).expect("parent") };
        obj.as_object_mut().expect("object").remove(key).expect("present");
        let report = verify::verify(&t, &r, now(), &VerifyOptions::obv3());
        assert!(report.failed("proof"), "removing {parent}/{key} must break the proof");
    }
    let mut t = vc.clone();
    t["credentialSubject"]["identifier"].as_array_mut().expect("ids").remove(1);
    assert!(verify::verify(&t, &r, now(), &VerifyOptions::obv3()).failed("proof"), "removing the name must break the proof");
}

/// From `validUntil` on, `dates` fails and says why; every other check still passes, and
/// the report carries the period for display.
#[test]
fn expired_credential_fails_dates_with_a_clear_detail() {
    let r = resolver(&[], &[]);
    let mut s = detailed(CertificateKind::Training, hashed());
    s.valid_until = Some("2027-01-15T00:00:00+08:00".into());
    let vc = issue(&s);
    let before = verify::verify(&vc, &r, parse_now("2027-01-14T15:59:59Z").expect("t"), &VerifyOptions::obv3());
    assert!(before.verified, "{before:#?}");
    assert!(before.check("dates").expect("ran").detail.contains("until 2027-01-14T16:00:00Z"), "{before:#?}");
    for at in ["2027-01-14T16:00:00Z", "2027-03-01T00:00:00Z"] {
        let report = verify::verify(&vc, &r, parse_now(at).expect("t"), &VerifyOptions::obv3());
        assert!(!report.verified, "{at}");
        let failed: Vec<&str> = report.checks.iter().filter(|c| !c.passed).map(|c| c.name).collect();
        assert_eq!(failed, ["dates"], "{at}: only the dates check fails");
        let detail = &report.check("dates").expect("ran").detail;
        assert_eq!(detail, &format!("expired: validUntil 2027-01-14T16:00:00Z has passed (now {at})"));
        assert_eq!(report.valid_until.as_deref(), Some("2027-01-15T00:00:00+08:00"));
        assert_eq!(report.valid_from.as_deref(), Some("2026-01-15T00:00:00Z"));
    }
    let early = verify::verify(&vc, &r, parse_now("2026-01-01T00:00:00Z").expect("t"), &VerifyOptions::obv3());
    let detail = &early.check("dates").expect("ran").detail;
    assert!(detail.starts_with("not yet valid: validFrom 2026-01-15T00:00:00Z"), "{detail}");
    let batch = verify_batch(&[vc], &r, parse_now("2027-03-01T00:00:00Z").expect("t"), &VerifyOptions::obv3());
    assert!(batch[0].failed("dates") && batch[0].valid_until.is_some());
}

/// The builder refuses details that cannot be true rather than sign them.
#[test]
fn refuses_untrue_details() {
    let ok = detailed(CertificateKind::Training, hashed());
    assert!(obv3::build_credential(&ok).is_ok());
    let mut cases: Vec<(&str, CredentialSpec)> = Vec::new();
    let mut c = ok.clone();
    c.credits_earned = Some(3.0);
    cases.push(("more credits earned than available", c));
    let mut c = ok.clone();
    c.hours_completed = Some(40.0);
    cases.push(("more hours than the course has", c));
    let mut c = ok.clone();
    c.achievement.credits_available = Some(-1.0);
    cases.push(("negative credits", c));
    let mut c = ok.clone();
    c.achievement.hours = Some(f64::NAN);
    cases.push(("NaN hours", c));
    let mut c = ok.clone();
    c.learner_name = Some("  ".into());
    cases.push(("blank name", c));
    let mut c = ok.clone();
    c.certificate_number = Some(String::new());
    cases.push(("empty number", c));
    let mut c = ok.clone();
    c.grade = Some(Grade::from_text(""));
    cases.push(("empty grade", c));
    let mut c = ok.clone();
    c.valid_until = Some(c.valid_from.clone());
    cases.push(("validUntil not after validFrom", c));
    let mut c = ok.clone();
    c.recipient = Recipient::default();
    cases.push(("no recipient", c));
    for (name, c) in cases {
        assert!(obv3::build_credential(&c).is_err(), "{name} must be refused");
    }
}

/// With no detail given, the builder writes exactly what it wrote before the details existed
/// (`tests/vectors/rongtong-obv3/`, built by the previous version).
#[test]
fn absent_details_change_nothing() {
    for (name, s) in all_kinds() {
        let built = obv3::build_credential(&s).expect("build");
        let golden = common::read(&format!("rongtong-obv3/{name}.json"));
        assert_eq!(serde_json::to_string_pretty(&built).expect("json") + "\n", golden, "{name}");
    }
}

#[test]
fn a_shared_status_list_cache_reuses_a_list_only_while_its_verdict_stands() {
    use rongtong_credentials::VerifiedStatusLists;
    let vc = issue(&spec(CertificateKind::Training, hashed(), 1234));
    let shared = std::sync::Arc::new(VerifiedStatusLists::default());
    let options = VerifyOptions { status_lists: Some(shared.clone()), ..VerifyOptions::obv3() };
    let status = |r: &rongtong_credentials::VerificationReport| r.check("status").expect("ran").clone();
    let first = verify::verify(&vc, &resolver(&[], &[]), now(), &options);
    assert!(first.verified, "{first:?}");
    assert_eq!(shared.len(), 2, "both lists kept");
    let again = verify::verify(&vc, &resolver(&[], &[]), now(), &options);
    assert_eq!(again.checks, first.checks, "the kept lists give the same report");

    // The list re-issued with the credential's bit set is another document: verified afresh.
    let revoked = verify::verify(&vc, &resolver(&[1234], &[]), now(), &options);
    assert!(!status(&revoked).passed && status(&revoked).detail.starts_with("revoked"), "{revoked:?}");
    // A document for the URL whose proof fails is not the kept one either.
    let mut r = resolver(&[], &[]);
    let mut broken = r.documents[LIST_URL].clone();
    broken["validFrom"] = "2026-01-02T00:00:00Z".into();
    r.insert(LIST_URL, broken);
    assert!(status(&verify::verify(&vc, &r, now(), &options)).detail.contains("STATUS_VERIFICATION_ERROR"));
    // Before the list's own validFrom its dates check fails, kept or not.
    let early = parse_now("2025-12-01T00:00:00Z").expect("now");
    let fresh = verify::verify(&vc, &resolver(&[], &[]), early, &VerifyOptions::obv3());
    let kept = verify::verify(&vc, &resolver(&[], &[]), early, &options);
    assert!(!status(&fresh).passed, "{fresh:?}");
    assert_eq!(status(&kept), status(&fresh));
}
