//! The CLR benchmark's data, shared by `benches/clr.rs` (criterion, wall clock) and
//! `examples/clr_cpu_time.rs` (on-CPU time): 200 certificates of one learner, each with a
//! revocation entry on one in-memory status list, and the signed transcript of them.
#![allow(dead_code)]

use rongtong_catalog::SkillLevel;
use rongtong_credentials::SigningKey;
use rongtong_credentials::clr::{self, Association, AssociationType, ClrSpec};
use rongtong_credentials::did::MapResolver;
use rongtong_credentials::obv3::{self, AchievementSpec, Alignment, CertificateKind, CredentialSpec, IssuerProfile, Recipient};
use rongtong_credentials::status::{self, StatusList, StatusListEntry, StatusPurpose};
use rongtong_credentials::verify::{self, VerifyOptions, parse_now};
use serde_json::Value;

const LIST: &str = "https://rongtong.example/status/1";

pub fn credential(key: &SigningKey, i: u32) -> Value {
    let skill = i.is_multiple_of(5);
    let spec = CredentialSpec {
        id: format!("urn:uuid:00000000-0000-4000-8000-{i:012}"),
        issuer: IssuerProfile { did: key.did_key(), name: "江西开放大学".into() },
        recipient: Recipient::HashedIdentifier {
            identifier: "2024-0042".into(),
            identity_type: "identifier".into(),
            salt: "5f2b9c0e1d7a4e38".into(),
        },
        achievement: AchievementSpec {
            id: format!("https://rongtong.example/achievements/courses/C-{i:04}/v1"),
            kind: if skill {
                CertificateKind::SkillLevel {
                    occupation_code: "6-31-01-10".into(),
                    occupation_name: "工业机器人系统运维员".into(),
                    occupation_url: "https://rongtong.example/occupations/6-31-01-10".into(),
                    level: SkillLevel::L4,
                }
            } else {
                CertificateKind::Training
            },
            name_zh: format!("课程 {i}"),
            name_en: Some(format!("Course {i}")),
            description: "完成课程全部学习任务。".into(),
            criteria_narrative: "完成全部学时并考核合格。".into(),
            alignments: vec![
                Alignment::competency(format!("技能 {i}-a"), format!("https://rongtong.example/skills/SK-{i:04}a")),
                Alignment::competency(format!("技能 {i}-b"), format!("https://rongtong.example/skills/SK-{i:04}b")),
            ],
            credits_available: Some(2.0),
            hours: Some(32.0),
        },
        valid_from: "2026-01-15T00:00:00Z".into(),
        status: vec![StatusListEntry::new(StatusPurpose::Revocation, u64::from(i) * 7 + 3, LIST)],
        learner_name: Some("李明轩".into()),
        credits_earned: Some(2.0),
        hours_completed: Some(32.0),
        grade: Some(obv3::Grade::from_text("合格")),
        certificate_number: Some(format!("JX-PXOU-2026-{i:06}")),
        ..Default::default()
    };
    obv3::issue(&spec, key, &key.public_key().did_key_verification_method(), "2026-01-15T08:00:00Z").expect("issue")
}

pub fn spec(key: &SigningKey, credentials: Vec<Value>) -> ClrSpec {
    let ach = |c: &Value| c["credentialSubject"]["achievement"]["id"].as_str().expect("id").to_string();
    let associations = credentials
        .windows(2)
        .step_by(10)
        .map(|w| Association { association_type: AssociationType::ExactMatchOf, source_id: ach(&w[0]), target_id: ach(&w[1]) })
        .collect();
    ClrSpec {
        id: "urn:uuid:44444444-0000-4000-8000-000000000001".into(),
        issuer: IssuerProfile { did: key.did_key(), name: "融通平台".into() },
        recipient: Recipient::HashedIdentifier {
            identifier: "2024-0042".into(),
            identity_type: "identifier".into(),
            salt: "5f2b9c0e1d7a4e38".into(),
        },
        learner_name: Some("李明轩".into()),
        name: "李明轩的学习成果档案 (learner record)".into(),
        description: None,
        valid_from: "2026-06-01T00:00:00Z".into(),
        credentials,
        extra_achievements: vec![],
        associations,
    }
}

/// Everything a CLR measurement needs.
pub struct Fixture {
    pub now: chrono::DateTime<chrono::Utc>,
    pub platform: SigningKey,
    pub pvm: String,
    pub resolver: MapResolver,
    pub options: VerifyOptions,
    /// One of the 200 certificates, verified alone for the ratio.
    pub one: Value,
    /// The transcript's inputs.
    pub spec: ClrSpec,
    /// The signed transcript.
    pub transcript: Value,
}

/// Builds the fixture and checks that everything in it verifies.
pub fn fixture() -> Fixture {
    let now = parse_now("2026-06-01T00:00:00Z").expect("now");
    let issuer = SigningKey::from_seed(&[42u8; 32]);
    let platform = SigningKey::from_seed(&[43u8; 32]);
    let pvm = platform.public_key().did_key_verification_method();
    let list = StatusList::new(131_072).expect("list");
    let list_vc = status::issue_status_list_credential(
        LIST,
        &issuer.did_key(),
        &issuer,
        &issuer.public_key().did_key_verification_method(),
        StatusPurpose::Revocation,
        &list,
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00Z",
    )
    .expect("list vc");
    let mut resolver = MapResolver::new();
    resolver.insert(LIST, list_vc);
    let options = VerifyOptions::obv3();
    let credentials: Vec<Value> = (0..200).map(|i| credential(&issuer, i)).collect();
    let one = credentials[1].clone();
    assert!(verify::verify(&one, &resolver, now, &options).verified);
    let s = spec(&platform, credentials);
    let transcript = clr::issue_clr(&s, &platform, &pvm, "2026-06-01T08:00:00Z").expect("clr");
    let r = clr::verify_clr(&transcript, &resolver, now, &options);
    assert!(r.verified && r.credentials.len() == 200, "{:?}", r.checks);

    Fixture { now, platform, pvm, resolver, options, one, spec: s, transcript }
}
