//! Benchmarks: verify one OBv3 credential (fast path and generic path), sign one, and
//! re-verify a batch; and how verification scales with a document's alignments. Run: `cargo bench -p rongtong-credentials --bench verify`.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rongtong_catalog::SkillLevel;
use rongtong_credentials::did::NoResolver;
use rongtong_credentials::obv3::{self, AchievementSpec, Alignment, CertificateKind, CredentialSpec, IssuerProfile, Recipient};
use rongtong_credentials::proof::Canonicalizer;
use rongtong_credentials::verify::{self, VerifyOptions, parse_now};
use rongtong_credentials::{SigningKey, verify_batch};
use serde_json::Value;

fn harness_credential() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/obv3-harness/credential.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

fn spec(i: u32) -> CredentialSpec {
    let key = SigningKey::from_seed(&[42u8; 32]);
    CredentialSpec {
        id: format!("urn:uuid:00000000-0000-4000-8000-{i:012}"),
        issuer: IssuerProfile { did: key.did_key(), name: "江西开放大学".into() },
        recipient: Recipient::HashedIdentifier {
            identifier: format!("student-{i}"),
            identity_type: "identifier".into(),
            salt: "5f2b9c0e1d7a4e38".into(),
        },
        achievement: AchievementSpec {
            id: "https://rongtong.example/achievements/robot-ops-l4".into(),
            kind: CertificateKind::SkillLevel {
                occupation_code: "6-31-01-10".into(),
                occupation_name: "工业机器人系统运维员".into(),
                occupation_url: "https://rongtong.example/occupations/6-31-01-10".into(),
                level: SkillLevel::L4,
            },
            name_zh: "工业机器人系统运维员（四级）".into(),
            name_en: Some("Industrial robot system operator, level 4".into()),
            description: "完成工业机器人日常维护与故障排查。".into(),
            criteria_narrative: "通过理论考试与实操考核。".into(),
            alignments: vec![Alignment::competency("机器人预防性维护", "https://rongtong.example/skills/SK-0042")],
            credits_available: Some(2.0),
            hours: None,
        },
        valid_from: "2026-01-15T00:00:00Z".into(),
        valid_until: None,
        status: vec![],
        ..Default::default()
    }
}

/// A skill-level credential with `n` distinct alignments: the shape of the issue-9 attack on
/// `POST /api/v1/verify` (10k alignments took 7.7 s, 40k 96 s, before the canonicaliser
/// indexed its blank nodes).
fn spec_with_alignments(n: usize) -> CredentialSpec {
    let mut s = spec(0);
    s.achievement.alignments =
        (0..n).map(|i| Alignment::competency(format!("技能 {i}"), format!("https://rongtong.example/skills/SK-{i:05}"))).collect();
    s
}

/// Verification time against the number of alignments: linear means the 10k case costs
/// about 10× the 1k case (docs/PERFORMANCE.md, "Verifier").
fn scaling(c: &mut Criterion) {
    let now = parse_now("2026-06-01T00:00:00Z").expect("now");
    let key = SigningKey::from_seed(&[42u8; 32]);
    let vm = key.public_key().did_key_verification_method();
    let fast = VerifyOptions::obv3();
    let mut g = c.benchmark_group("verify_alignments");
    g.sample_size(10);
    for n in [1_000usize, 10_000] {
        let vc = obv3::issue(&spec_with_alignments(n), &key, &vm, "2026-01-15T08:00:00Z").expect("issue");
        assert!(verify::verify(&vc, &NoResolver, now, &fast).verified);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("{n}"), |b| b.iter(|| verify::verify(black_box(&vc), &NoResolver, now, &fast)));
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    let now = parse_now("2026-06-01T00:00:00Z").expect("now");
    let harness = harness_credential();
    let key = SigningKey::from_seed(&[42u8; 32]);
    let vm = key.public_key().did_key_verification_method();
    let ours = obv3::issue(&spec(0), &key, &vm, "2026-01-15T08:00:00Z").expect("issue");
    let fast = VerifyOptions::obv3();
    let generic = VerifyOptions { canonicalizer: Canonicalizer::Generic, ..VerifyOptions::obv3() };
    assert!(verify::verify(&harness, &NoResolver, now, &fast).verified);
    assert!(verify::verify(&ours, &NoResolver, now, &fast).verified);

    let mut g = c.benchmark_group("credentials");
    g.bench_function("verify_obv3_fast_path/harness", |b| b.iter(|| verify::verify(black_box(&harness), &NoResolver, now, &fast)));
    g.bench_function("verify_obv3_fast_path/skill_level", |b| b.iter(|| verify::verify(black_box(&ours), &NoResolver, now, &fast)));
    g.bench_function("verify_obv3_generic_path/harness", |b| b.iter(|| verify::verify(black_box(&harness), &NoResolver, now, &generic)));
    g.bench_function("sign_obv3/skill_level", |b| {
        let s = spec(1);
        b.iter(|| obv3::issue(black_box(&s), &key, &vm, "2026-01-15T08:00:00Z"))
    });
    // Components of one verification, to see where the time goes.
    let (unsecured, proof_obj) = rongtong_credentials::proof::split_proof(&harness).expect("split");
    let list = rongtong_credentials::contexts::check_contexts(&unsecured, Default::default()).expect("ctx");
    g.bench_function("part/fast_expand_document", |b| b.iter(|| rongtong_credentials::fastpath::try_expand(black_box(&unsecured), list)));
    let quads = rongtong_credentials::fastpath::try_expand(&unsecured, list).expect("fast");
    g.bench_function("part/canonicalize_document", |b| b.iter(|| rongtong_credentials::canon::canonicalize(black_box(&quads))));
    g.bench_function("part/hash_data_rdfc_fast", |b| {
        b.iter(|| rongtong_credentials::proof::hash_data_rdfc(black_box(&unsecured), &proof_obj, Default::default(), Canonicalizer::Auto))
    });
    let vm_url = proof_obj["verificationMethod"].as_str().expect("vm").to_string();
    g.bench_function("part/retrieve_did_key_method", |b| {
        b.iter(|| rongtong_credentials::did::retrieve_verification_method(black_box(&vm_url), "assertionMethod", &NoResolver))
    });
    let pk = key.public_key();
    let sig = key.sign(&[1u8; 64]);
    g.bench_function("part/ed25519_verify_strict", |b| b.iter(|| pk.verify_strict(black_box(&[1u8; 64]), &sig)));
    let docs: Vec<Value> = (0..64).map(|i| obv3::issue(&spec(i), &key, &vm, "2026-01-15T08:00:00Z").expect("issue")).collect();
    g.throughput(Throughput::Elements(docs.len() as u64));
    g.bench_function("verify_batch_64", |b| b.iter(|| verify_batch(black_box(&docs), &NoResolver, now, &fast)));
    g.bench_function("verify_one_by_one_64", |b| {
        b.iter(|| docs.iter().map(|d| verify::verify(black_box(d), &NoResolver, now, &fast).verified).filter(|v| *v).count())
    });
    g.finish();
}

criterion_group!(credentials, benches, scaling);
criterion_main!(credentials);
