//! CLR 2.0 transcripts and recognition credentials: build, sign, verify; a tampered inner
//! credential, a tampered transcript, a wrong context, a re-signed transcript with a bad
//! inner credential; and the generic canonicaliser agrees with the fast path on them.
#![allow(missing_docs)]

use rongtong_catalog::SkillLevel;
use rongtong_credentials::clr::{self, Association, AssociationType, ClrSpec, verify_clr};
use rongtong_credentials::contexts::{self, ContextPolicy};
use rongtong_credentials::did::NoResolver;
use rongtong_credentials::fastpath;
use rongtong_credentials::obv3::{self, AchievementSpec, CertificateKind, CredentialSpec, IssuerProfile, Recipient};
use rongtong_credentials::proof::{self, Canonicalizer};
use rongtong_credentials::recognition::{self, EvidenceSource, RecognitionSpec};
use rongtong_credentials::verify::{VerifyOptions, parse_now};
use rongtong_credentials::{SigningKey, verify};
use serde_json::{Value, json};

const CREATED: &str = "2026-06-01T08:00:00Z";

fn now() -> chrono::DateTime<chrono::Utc> {
    parse_now("2026-07-01T00:00:00Z").expect("now")
}

fn learner() -> Recipient {
    Recipient::HashedIdentifier { identifier: "2024-0042".into(), identity_type: "identifier".into(), salt: "5f2b9c0e1d7a4e38".into() }
}

fn skill_cert(key: &SigningKey) -> Value {
    let spec = CredentialSpec {
        id: "urn:uuid:11111111-0000-4000-8000-000000000001".into(),
        issuer: IssuerProfile { did: key.did_key(), name: "江西省职业技能鉴定中心".into() },
        recipient: learner(),
        achievement: AchievementSpec {
            id: "https://rongtong.example/achievements/standards/6-31-01-10/level-4".into(),
            kind: CertificateKind::SkillLevel {
                occupation_code: "6-31-01-10".into(),
                occupation_name: "工业机器人系统运维员".into(),
                occupation_url: "https://rongtong.example/occupations/6-31-01-10".into(),
                level: SkillLevel::L4,
            },
            name_zh: "工业机器人系统运维员（四级）".into(),
            description: "职业技能等级认定".into(),
            criteria_narrative: "理论知识与操作技能考核均合格。".into(),
            ..Default::default()
        },
        valid_from: "2026-01-15T00:00:00Z".into(),
        learner_name: Some("李明轩".into()),
        ..Default::default()
    };
    obv3::issue(&spec, key, &key.public_key().did_key_verification_method(), "2026-01-15T08:00:00Z").expect("issue skill")
}

fn training_cert(key: &SigningKey, i: u32) -> Value {
    let spec = CredentialSpec {
        id: format!("urn:uuid:22222222-0000-4000-8000-{i:012}"),
        issuer: IssuerProfile { did: key.did_key(), name: "江西开放大学".into() },
        recipient: learner(),
        achievement: AchievementSpec {
            id: format!("https://rongtong.example/achievements/courses/ROB-{i}/v1"),
            kind: CertificateKind::Training,
            name_zh: format!("工业机器人运维 模块 {i}"),
            description: "培训合格".into(),
            criteria_narrative: "完成全部学时并考核合格。".into(),
            credits_available: Some(2.0),
            hours: Some(32.0),
            ..Default::default()
        },
        valid_from: "2026-03-01T00:00:00Z".into(),
        learner_name: Some("李明轩".into()),
        credits_earned: Some(2.0),
        hours_completed: Some(32.0),
        ..Default::default()
    };
    obv3::issue(&spec, key, &key.public_key().did_key_verification_method(), "2026-03-01T08:00:00Z").expect("issue training")
}

fn recognition(key: &SigningKey, source: &Value) -> Value {
    let spec = RecognitionSpec {
        credential: CredentialSpec {
            id: "urn:uuid:33333333-0000-4000-8000-000000000001".into(),
            issuer: IssuerProfile { did: key.did_key(), name: "江西开放大学".into() },
            recipient: learner(),
            achievement: AchievementSpec {
                id: "https://rongtong.example/achievements/courses/ROB-9/v1".into(),
                kind: CertificateKind::Training,
                name_zh: "工业机器人运维 模块 9".into(),
                description: "培训合格".into(),
                criteria_narrative: String::new(),
                credits_available: Some(3.0),
                ..Default::default()
            },
            valid_from: "2026-05-01T00:00:00Z".into(),
            credits_earned: Some(3.0),
            ..Default::default()
        },
        rule_code: "JXOU-R-2026-001".into(),
        rule_version: 2,
        sources: vec![EvidenceSource {
            id: source["id"].as_str().expect("id").into(),
            name: source["name"].as_str().expect("name").into(),
            narrative: None,
        }],
    };
    recognition::issue_recognition(&spec, key, &key.public_key().did_key_verification_method(), "2026-05-01T08:00:00Z")
        .expect("issue recognition")
}

struct Keys {
    platform: SigningKey,
    evaluator: SigningKey,
    college: SigningKey,
}

fn keys() -> Keys {
    Keys {
        platform: SigningKey::from_seed(&[1u8; 32]),
        evaluator: SigningKey::from_seed(&[2u8; 32]),
        college: SigningKey::from_seed(&[3u8; 32]),
    }
}

fn transcript(k: &Keys, credentials: Vec<Value>, associations: Vec<Association>) -> Value {
    let spec = ClrSpec {
        id: "urn:uuid:44444444-0000-4000-8000-000000000001".into(),
        issuer: IssuerProfile { did: k.platform.did_key(), name: "融通平台".into() },
        recipient: learner(),
        learner_name: Some("李明轩".into()),
        name: "李明轩的学习成果档案 (learner record)".into(),
        description: None,
        valid_from: "2026-06-01T00:00:00Z".into(),
        credentials,
        extra_achievements: vec![],
        associations,
    };
    clr::issue_clr(&spec, &k.platform, &k.platform.public_key().did_key_verification_method(), CREATED).expect("issue clr")
}

fn sample() -> (Keys, Value) {
    let k = keys();
    let skill = skill_cert(&k.evaluator);
    let rec = recognition(&k.college, &skill);
    let t1 = training_cert(&k.college, 1);
    let assoc = Association {
        association_type: AssociationType::ExactMatchOf,
        source_id: skill["credentialSubject"]["achievement"]["id"].as_str().expect("id").into(),
        target_id: rec["credentialSubject"]["achievement"]["id"].as_str().expect("id").into(),
    };
    let doc = transcript(&k, vec![skill, t1, rec], vec![assoc]);
    (k, doc)
}

fn failed_checks(r: &rongtong_credentials::VerificationReport) -> Vec<&str> {
    r.checks.iter().filter(|c| !c.passed).map(|c| c.name).collect()
}

#[test]
fn transcript_round_trip_verifies_outer_and_every_inner_credential() {
    let (_, doc) = sample();
    assert_eq!(doc["@context"], json!(contexts::CLR_LIST));
    assert_eq!(doc["credentialSubject"]["association"][0]["associationType"], "exactMatchOf");
    // Three distinct achievements: the skill level, module 1, module 9 (the recognition's).
    assert_eq!(doc["credentialSubject"]["achievement"].as_array().map(Vec::len), Some(3));
    let r = verify_clr(&doc, &NoResolver, now(), &VerifyOptions::obv3());
    assert!(r.verified, "{r:#?}");
    assert_eq!(r.credentials.len(), 3);
    assert!(r.credentials.iter().all(|c| c.report.verified));
    for name in ["context", "json_ld", "issuer_key", "proof", "clr", "credentials"] {
        assert!(r.checks.iter().any(|c| c.name == name && c.passed), "outer check {name} passed: {:#?}", r.checks);
    }
    // verify() on a CLR is the whole verification too, not only the outer proof.
    let whole = verify(&doc, &NoResolver, now(), &VerifyOptions::obv3());
    assert!(whole.verified, "{whole:#?}");
    assert!(whole.check("credentials").is_some_and(|c| c.passed));
}

#[test]
fn tampered_inner_credential_fails_outer_proof_and_names_the_inner_credential() {
    let (_, mut doc) = sample();
    doc["credentialSubject"]["verifiableCredential"][1]["credentialSubject"]["achievement"]["name"] = json!("高级技师 (tampered)");
    let r = verify_clr(&doc, &NoResolver, now(), &VerifyOptions::obv3());
    assert!(!r.verified);
    assert!(r.checks.iter().any(|c| c.name == "proof" && !c.passed), "outer proof fails: {:#?}", r.checks);
    let f = r.failures();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, 1);
    assert_eq!(f[0].1, Some("urn:uuid:22222222-0000-4000-8000-000000000001"));
    assert_eq!(f[0].2, vec!["proof"]);
    let summary = r.checks.iter().find(|c| c.name == "credentials").expect("credentials check");
    assert!(
        !summary.passed && summary.detail.contains("credential 1 (urn:uuid:22222222-0000-4000-8000-000000000001) fails proof"),
        "{summary:?}"
    );
}

/// The transcript's verification reuses each embedded credential's own expansion (see
/// `fastpath::try_expand_reusing`): a change to an embedded credential must still fail both
/// the transcript's proof and the credential's, whichever part of it changed — its claims,
/// its proof, or one of two identical copies (matched by identity, never by content).
#[test]
fn tampered_embedded_credential_fails_the_outer_and_its_own_proof_despite_reuse() {
    let k = keys();
    let t1 = training_cert(&k.college, 1);
    // The same certificate twice: each copy must be checked on its own bytes.
    let doc = transcript(&k, vec![skill_cert(&k.evaluator), t1.clone(), t1], vec![]);
    let r = verify_clr(&doc, &NoResolver, now(), &VerifyOptions::obv3());
    assert!(r.verified, "{r:#?}");
    type Tamper = fn(&mut Value);
    let tampers: [(&str, Tamper); 5] = [
        ("claim", |c| c["credentialSubject"]["creditsEarned"] = json!(20)),
        ("achievement", |c| c["credentialSubject"]["achievement"]["name"] = json!("工业机器人运维 模块 99")),
        ("identifier", |c| c["credentialSubject"]["identifier"][0]["identityHash"] = json!("sha256$00")),
        ("proofValue", |c| {
            // Another base58 digit in the middle: still 64 bytes, another signature.
            let mut pv = c["proof"]["proofValue"].as_str().expect("proofValue").to_string();
            let other = if &pv[10..11] == "A" { "B" } else { "A" };
            pv.replace_range(10..11, other);
            c["proof"]["proofValue"] = json!(pv);
        }),
        ("created", |c| c["proof"]["created"] = json!("2026-03-02T08:00:00Z")),
    ];
    for (what, tamper) in tampers {
        let mut d = doc.clone();
        tamper(&mut d["credentialSubject"]["verifiableCredential"][2]);
        for canonicalizer in [Canonicalizer::Auto, Canonicalizer::Generic] {
            let r = verify_clr(&d, &NoResolver, now(), &VerifyOptions { canonicalizer, ..VerifyOptions::obv3() });
            assert!(!r.verified, "{what}");
            assert!(r.checks.iter().any(|c| c.name == "proof" && !c.passed), "{what}: outer proof fails: {:#?}", r.checks);
            assert_eq!(
                r.failures(),
                vec![(2, Some("urn:uuid:22222222-0000-4000-8000-000000000001"), vec!["proof"])],
                "{what}: only the tampered copy fails, on its proof"
            );
        }
    }
}

#[test]
fn re_signed_transcript_with_a_tampered_inner_credential_still_fails() {
    // The platform (or whoever holds its key) cannot vouch for a changed certificate: the
    // outer proof is fine, the inner one is not.
    let k = keys();
    let skill = skill_cert(&k.evaluator);
    let mut t1 = training_cert(&k.college, 1);
    t1["credentialSubject"]["creditsEarned"] = json!(20);
    let doc = transcript(&k, vec![skill, t1], vec![]);
    let r = verify_clr(&doc, &NoResolver, now(), &VerifyOptions::obv3());
    assert!(!r.verified);
    assert!(r.checks.iter().any(|c| c.name == "proof" && c.passed), "outer proof passes: {:#?}", r.checks);
    assert_eq!(r.failures(), vec![(1, Some("urn:uuid:22222222-0000-4000-8000-000000000001"), vec!["proof"])]);
    let whole = verify(&doc, &NoResolver, now(), &VerifyOptions::obv3());
    assert_eq!(failed_checks(&whole), vec!["credentials"]);
}

#[test]
fn tampered_outer_fields_fail_the_outer_proof_only() {
    let (_, mut doc) = sample();
    doc["credentialSubject"]["association"][0]["associationType"] = json!("isPartOf");
    let r = verify_clr(&doc, &NoResolver, now(), &VerifyOptions::obv3());
    assert!(!r.verified);
    assert!(r.checks.iter().any(|c| c.name == "proof" && !c.passed));
    assert!(r.credentials.iter().all(|c| c.report.verified), "inner credentials are intact");
    let (_, mut doc) = sample();
    doc["name"] = json!("别人的档案");
    assert!(!verify_clr(&doc, &NoResolver, now(), &VerifyOptions::obv3()).verified);
}

#[test]
fn wrong_context_is_refused() {
    let (_, doc) = sample();
    // Outer context without CLR: not on the allow-list.
    let mut d = doc.clone();
    d["@context"] = json!([contexts::VC_V2, contexts::OB_V3P0_3_0_3]);
    let r = verify_clr(&d, &NoResolver, now(), &VerifyOptions::obv3());
    assert!(!r.verified);
    assert!(r.checks.iter().any(|c| c.name == "context" && !c.passed));
    // CLR and OB swapped.
    let mut d = doc.clone();
    d["@context"] = json!([contexts::VC_V2, contexts::OB_V3P0_3_0_3, contexts::CLR_V2P0_2_0_1]);
    assert!(verify_clr(&d, &NoResolver, now(), &VerifyOptions::obv3()).checks.iter().any(|c| c.name == "context" && !c.passed));
    // An inline context inside the transcript could redefine terms under the platform's
    // signature: refused by the `clr` check, and the builder never signs one.
    let mut d = doc.clone();
    d["credentialSubject"]["achievement"][0]["@context"] = json!({"name": "urn:example:other-name"});
    let r = verify_clr(&d, &NoResolver, now(), &VerifyOptions::obv3());
    assert!(r.checks.iter().any(|c| c.name == "clr" && !c.passed && c.detail.contains("@context")), "{:#?}", r.checks);
    // Also inside an embedded credential, even an allow-listed list (which the credential's
    // own expansion accepts, and the transcript's verification reuses that expansion).
    let mut d = doc.clone();
    d["credentialSubject"]["verifiableCredential"][1]["credentialSubject"]["achievement"]["@context"] =
        json!([contexts::VC_V2, contexts::OB_V3P0_3_0_3]);
    let r = verify_clr(&d, &NoResolver, now(), &VerifyOptions::obv3());
    let expected = "$.credentialSubject.verifiableCredential[1].credentialSubject.achievement: @context";
    assert!(r.checks.iter().any(|c| c.name == "clr" && !c.passed && c.detail.contains(expected)), "{:#?}", r.checks);
    // Also on the ClrSubject itself, even an allow-listed list.
    let mut d = doc.clone();
    d["credentialSubject"]["@context"] = json!([contexts::VC_V2, contexts::OB_V3P0_3_0_3]);
    let r = verify_clr(&d, &NoResolver, now(), &VerifyOptions::obv3());
    assert!(r.checks.iter().any(|c| c.name == "clr" && !c.passed && c.detail.contains("$.credentialSubject")), "{:#?}", r.checks);
    // An embedded credential with another context list.
    let k = keys();
    let mut skill = skill_cert(&k.evaluator);
    skill["@context"] = json!([contexts::VC_V2]);
    let spec = ClrSpec {
        id: "urn:uuid:44444444-0000-4000-8000-000000000002".into(),
        issuer: IssuerProfile { did: k.platform.did_key(), name: "融通平台".into() },
        recipient: learner(),
        name: "x".into(),
        valid_from: "2026-06-01T00:00:00Z".into(),
        credentials: vec![skill],
        ..Default::default()
    };
    let e = clr::build_clr(&spec).expect_err("refused");
    assert!(e.to_string().contains("credential 0"), "{e}");
}

#[test]
fn associations_must_link_listed_achievements() {
    let k = keys();
    let skill = skill_cert(&k.evaluator);
    let spec = ClrSpec {
        id: "urn:uuid:44444444-0000-4000-8000-000000000003".into(),
        issuer: IssuerProfile { did: k.platform.did_key(), name: "融通平台".into() },
        recipient: learner(),
        name: "x".into(),
        valid_from: "2026-06-01T00:00:00Z".into(),
        credentials: vec![skill.clone()],
        associations: vec![Association {
            association_type: AssociationType::IsPartOf,
            source_id: skill["credentialSubject"]["achievement"]["id"].as_str().expect("id").into(),
            target_id: "https://rongtong.example/achievements/unknown".into(),
        }],
        ..Default::default()
    };
    let e = clr::build_clr(&spec).expect_err("refused");
    assert!(e.to_string().contains("targetId"), "{e}");
    // With the target listed as an extra achievement it builds and verifies.
    let mut ok = spec.clone();
    ok.extra_achievements = vec![json!({
        "id": "https://rongtong.example/achievements/unknown", "type": ["Achievement"], "name": "目标", "description": "d",
        "criteria": {"narrative": "n"}
    })];
    let doc = clr::issue_clr(&ok, &k.platform, &k.platform.public_key().did_key_verification_method(), CREATED).expect("issue");
    assert!(verify_clr(&doc, &NoResolver, now(), &VerifyOptions::obv3()).verified);
    assert_eq!(AssociationType::parse("isPartOf"), Some(AssociationType::IsPartOf));
    assert_eq!(AssociationType::parse("partOf"), None);
}

#[test]
fn recognition_credential_verifies_and_reads_as_a_recognition() {
    let k = keys();
    let skill = skill_cert(&k.evaluator);
    let rec = recognition(&k.college, &skill);
    let r = verify(&rec, &NoResolver, now(), &VerifyOptions::obv3());
    assert!(r.verified, "{r:#?}");
    assert!(recognition::is_recognition(&rec));
    assert!(!recognition::is_recognition(&skill));
    assert_eq!(recognition::source_ids(&rec), vec!["urn:uuid:11111111-0000-4000-8000-000000000001"]);
    let narrative = rec["credentialSubject"]["achievement"]["criteria"]["narrative"].as_str().expect("narrative");
    assert!(narrative.contains("JXOU-R-2026-001") && narrative.contains("第 2 版") && narrative.contains("version 2"), "{narrative}");
    assert_eq!(rec["evidence"][0]["name"], "工业机器人系统运维员（四级）");
    // Evidence is signed.
    let mut t = rec.clone();
    t["evidence"][0]["id"] = json!("urn:uuid:99999999-0000-4000-8000-000000000001");
    assert!(failed_checks(&verify(&t, &NoResolver, now(), &VerifyOptions::obv3())).contains(&"proof"));
    // A recognition without a source is refused.
    let spec = RecognitionSpec { rule_code: "R".into(), rule_version: 1, ..Default::default() };
    assert!(recognition::build_recognition(&spec).is_err());
}

#[test]
fn generic_and_fast_canonicalisers_agree_on_transcripts_and_recognitions() {
    let (k, doc) = sample();
    let (unsecured, _) = proof::split_proof(&doc).expect("split");
    let generic = proof::canonical_nquads(&unsecured, ContextPolicy::OpenBadges, Canonicalizer::Generic).expect("generic");
    let auto = proof::canonical_nquads(&unsecured, ContextPolicy::OpenBadges, Canonicalizer::Auto).expect("auto");
    assert_eq!(generic, auto);
    assert!(fastpath::try_expand(&unsecured, contexts::CLR_LIST).is_some(), "the fast path takes a transcript");
    // The inner credentials' proofs are named graphs of the transcript's dataset.
    assert!(generic.lines().any(|l| l.contains("<https://w3id.org/security#proof>")), "proof graphs present");
    let r = verify_clr(&doc, &NoResolver, now(), &VerifyOptions { canonicalizer: Canonicalizer::Generic, ..VerifyOptions::obv3() });
    assert!(r.verified, "{r:#?}");
    let rec = recognition(&k.college, &skill_cert(&k.evaluator));
    let (u, _) = proof::split_proof(&rec).expect("split");
    assert_eq!(
        proof::canonical_nquads(&u, ContextPolicy::OpenBadges, Canonicalizer::Generic).expect("generic"),
        proof::canonical_nquads(&u, ContextPolicy::OpenBadges, Canonicalizer::Auto).expect("auto")
    );
}
