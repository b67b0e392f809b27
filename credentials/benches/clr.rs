//! Benchmarks of CLR 2.0 transcripts (issue 10): a transcript of 200 credentials built and
//! signed (target ≤ 30 ms), verified with every inner proof (target ≤ 200 × one credential),
//! and one credential verified alone for the ratio. Every credential carries a revocation
//! status entry, as the registry's do; the status list is resolved from memory.
//! Run: `cargo bench -p rongtong-credentials --bench clr`.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rongtong_catalog::SkillLevel;
use rongtong_credentials::clr::{self, Association, AssociationType, ClrSpec};
use rongtong_credentials::did::MapResolver;
use rongtong_credentials::obv3::{self, AchievementSpec, Alignment, CertificateKind, CredentialSpec, IssuerProfile, Recipient};
use rongtong_credentials::status::{self, StatusList, StatusListEntry, StatusPurpose};
use rongtong_credentials::verify::{self, VerifyOptions, parse_now};
use rongtong_credentials::SigningKey;
use serde_json::Value;

const LIST: &str = "https://rongtong.example/status/1";

fn credential(key: &SigningKey, i: u32) -> Value {
    let skill = i % 5 == 0;
    let spec = CredentialSpec {
        id: format!("urn:uuid:00000000-0000-4000-8000-{i:012}"),
        issuer: IssuerProfile { did: key.did_key(), name: "江西开放大学".into() },
        recipient: Recipient::HashedIdentifier { identifier: "2024-0042".into(), identity_type: "identifier".into(), salt: "5f2b9c0e1d7a4e38".into() },
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

fn spec(key: &SigningKey, credentials: Vec<Value>) -> ClrSpec {
    let ach = |c: &Value| c["credentialSubject"]["achievement"]["id"].as_str().expect("id").to_string();
    let associations = credentials
        .windows(2)
        .step_by(10)
        .map(|w| Association { association_type: AssociationType::ExactMatchOf, source_id: ach(&w[0]), target_id: ach(&w[1]) })
        .collect();
    ClrSpec {
        id: "urn:uuid:44444444-0000-4000-8000-000000000001".into(),
        issuer: IssuerProfile { did: key.did_key(), name: "融通平台".into() },
        recipient: Recipient::HashedIdentifier { identifier: "2024-0042".into(), identity_type: "identifier".into(), salt: "5f2b9c0e1d7a4e38".into() },
        learner_name: Some("李明轩".into()),
        name: "李明轩的学习成果档案 (learner record)".into(),
        description: None,
        valid_from: "2026-06-01T00:00:00Z".into(),
        credentials,
        extra_achievements: vec![],
        associations,
    }
}

fn benches(c: &mut Criterion) {
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

    let mut g = c.benchmark_group("clr");
    g.sample_size(20);
    g.bench_function("verify_one_credential", |b| b.iter(|| verify::verify(black_box(&one), &resolver, now, &options)));
    g.bench_function("build_and_sign_200", |b| b.iter(|| clr::issue_clr(black_box(&s), &platform, &pvm, "2026-06-01T08:00:00Z")));
    g.bench_function("verify_200", |b| b.iter(|| clr::verify_clr(black_box(&transcript), &resolver, now, &options)));
    // Where the time goes: expanding the whole transcript (fast path) and canonicalising it
    // (the embedded credentials' name IdentityObjects are alike: the full RDFC-1.0 runs).
    let (unsecured, _) = rongtong_credentials::proof::split_proof(&transcript).expect("split");
    let quads = rongtong_credentials::fastpath::try_expand(&unsecured, rongtong_credentials::contexts::CLR_LIST).expect("fast path");
    g.bench_function("part/fast_expand_200", |b| {
        b.iter(|| rongtong_credentials::fastpath::try_expand(black_box(&unsecured), rongtong_credentials::contexts::CLR_LIST))
    });
    g.bench_function("part/canonicalize_200", |b| b.iter(|| rongtong_credentials::canon::canonicalize(black_box(&quads))));
    g.finish();
}

criterion_group!(clr_benches, benches);
criterion_main!(clr_benches);
