//! Differential test: the fast path and the generic JSON-LD path must give byte-identical
//! canonical N-Quads on many generated credentials and proof configurations — and the fast
//! path must never accept a document the generic path rejects.

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use rongtong_credentials::contexts::{self, ContextPolicy};
use rongtong_credentials::{canon, fastpath};
use serde_json::{Value, json};

static FAST_TAKEN: AtomicUsize = AtomicUsize::new(0);
static GENERIC_OK: AtomicUsize = AtomicUsize::new(0);

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ]{0,20}",
        "\\PC{0,12}",
        "[\\x00-\\x1f\"\\\\\\x7f]{0,6}",
        Just("职业技能等级证书 · 工业机器人".to_string()),
        Just("line1\nline2\r\t\"quoted\" \\".to_string()),
    ]
}

fn iri() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,8}".prop_map(|s| format!("https://rongtong.example/{s}")),
        "[0-9a-f]{8}".prop_map(|s| format!("urn:uuid:{s}-0000-4000-8000-000000000000")),
        "[a-zA-Z0-9]{4,12}".prop_map(|s| format!("did:key:z6Mk{s}")),
        "[a-z]{1,6}".prop_map(|s| format!("did:web:rongtong.example:orgs:{s}")),
    ]
}

fn alignment() -> impl Strategy<Value = Value> {
    (
        text(),
        iri(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        prop_oneof![Just("ceasn:Competency"), Just("ext:SkillNode"), Just("CFItem")],
    )
        .prop_map(|(name, url, fw, code, ty)| {
            let mut a = json!({"type": ["Alignment"], "targetName": name, "targetUrl": url, "targetType": ty});
            if let Some(f) = fw {
                a["targetFramework"] = f.into();
            }
            if let Some(c) = code {
                a["targetCode"] = c.into();
            }
            a
        })
}

/// Small mutations, some of which make the document invalid (both paths must then fail).
#[derive(Debug, Clone)]
enum Mutation {
    None,
    UndefinedTerm,
    RelativeId,
    UndefinedType,
    FloatCredits,
    NestedContext,
    ValueObject,
    ListValue,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => Just(Mutation::None),
        1 => Just(Mutation::UndefinedTerm),
        1 => Just(Mutation::RelativeId),
        1 => Just(Mutation::UndefinedType),
        1 => Just(Mutation::FloatCredits),
        1 => Just(Mutation::NestedContext),
        1 => Just(Mutation::ValueObject),
        1 => Just(Mutation::ListValue),
    ]
}

prop_compose! {
    fn credential()(
        id in iri(), issuer in iri(), issuer_name in text(), name in text(), desc in text(),
        narrative in text(), subject_id in proptest::option::of(iri()), aligns in proptest::collection::vec(alignment(), 0..4),
        credits in proptest::option::of(0u32..1000), tags in proptest::collection::vec(text(), 0..3),
        hashed in any::<bool>(), salt in text(), level in 1u8..=5, with_status in any::<bool>(), index in 0u64..200_000,
        until in any::<bool>(), ach_type in prop_oneof![Just("Certificate"), Just("Certification"), Just("MicroCredential"), Just("ext:Foo")],
        image in proptest::option::of(iri()), human_code in proptest::option::of(text()), earned in proptest::option::of(0i64..50),
        cred_type in prop_oneof![Just("AchievementCredential"), Just("OpenBadgeCredential")],
        mutation in mutation(),
    ) -> (Value, Mutation) {
        let ach_id = format!("{id}/achievement");
        let mut achievement = json!({
            "id": ach_id, "type": ["Achievement"], "achievementType": ach_type, "name": name,
            "description": desc, "criteria": {"narrative": narrative},
            "resultDescription": [{
                "id": format!("{ach_id}#skill-level"), "type": ["ResultDescription"], "name": "level",
                "resultType": "RubricCriterionLevel",
                "rubricCriterionLevel": [{"id": format!("{ach_id}#level-{level}"), "type": ["RubricCriterionLevel"], "name": "L", "level": level.to_string()}],
                "requiredLevel": format!("{ach_id}#level-{level}")
            }],
        });
        if !aligns.is_empty() { achievement["alignment"] = Value::Array(aligns); }
        if let Some(c) = credits { achievement["creditsAvailable"] = c.into(); }
        if !tags.is_empty() { achievement["tag"] = tags.into(); }
        if let Some(i) = image { achievement["image"] = json!({"id": i, "type": "Image", "caption": "c"}); }
        if let Some(h) = human_code { achievement["humanCode"] = h.into(); }
        let mut subject = json!({"type": ["AchievementSubject"], "achievement": achievement,
            "result": [{"type": ["Result"], "resultDescription": format!("{ach_id}#skill-level"), "achievedLevel": format!("{ach_id}#level-{level}")}]});
        if let Some(s) = subject_id { subject["id"] = s.into(); }
        if hashed {
            subject["identifier"] = json!([{"type": "IdentityObject", "hashed": true, "identityHash": format!("sha256${salt}"), "identityType": "identifier", "salt": salt}]);
        }
        if let Some(e) = earned { subject["creditsEarned"] = e.into(); subject["activityStartDate"] = "2025-09-01".into(); }
        let mut vc = json!({
            "@context": [contexts::VC_V2, contexts::OB_V3P0_3_0_3],
            "id": id, "type": ["VerifiableCredential", cred_type], "name": name,
            "issuer": {"id": issuer, "type": ["Profile"], "name": issuer_name},
            "validFrom": "2026-01-15T00:00:00Z", "credentialSubject": subject,
        });
        if until { vc["validUntil"] = "2030-01-01T00:00:00+08:00".into(); }
        if with_status {
            vc["credentialStatus"] = json!({"id": format!("https://rongtong.example/status/1#{index}"), "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation", "statusListIndex": index.to_string(), "statusListCredential": "https://rongtong.example/status/1"});
        }
        match mutation {
            Mutation::None => {}
            Mutation::UndefinedTerm => vc["credentialSubject"]["skillLevel"] = level.into(),
            Mutation::RelativeId => vc["credentialSubject"]["achievement"]["id"] = "achievements/3".into(),
            Mutation::UndefinedType => vc["credentialSubject"]["type"] = json!(["AchievementSubject", "SkillThing"]),
            Mutation::FloatCredits => vc["credentialSubject"]["achievement"]["creditsAvailable"] = json!(1.5),
            Mutation::NestedContext => vc["credentialSubject"]["@context"] = json!({"@protected": true}),
            Mutation::ValueObject => vc["name"] = json!({"@value": "x", "@language": "zh-CN"}),
            Mutation::ListValue => vc["credentialSubject"]["achievement"]["resultDescription"][0]["allowedValue"] = json!(["a", "b"]),
        }
        (vc, mutation)
    }
}

prop_compose! {
    fn proof_config()(vm in iri(), created in proptest::option::of(Just("2026-01-15T08:00:00Z")),
        purpose in prop_oneof![Just("assertionMethod"), Just("authentication")], challenge in proptest::option::of(text()),
        domain in proptest::option::of(text()), ob in any::<bool>()) -> Value {
        let mut p = json!({"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
            "verificationMethod": format!("{vm}#key-1"), "proofPurpose": purpose});
        if let Some(c) = created { p["created"] = c.into(); }
        if let Some(c) = challenge { p["challenge"] = c.into(); }
        if let Some(d) = domain { p["domain"] = d.into(); }
        p["@context"] = if ob { json!([contexts::VC_V2, contexts::OB_V3P0_3_0_3]) } else { json!([contexts::VC_V2]) };
        p
    }
}

fn compare(doc: &Value) -> Result<(), TestCaseError> {
    let list = contexts::check_contexts(doc, ContextPolicy::OpenBadges).expect("allow-listed");
    let generic = canon::canonical_nquads(doc, ContextPolicy::OpenBadges);
    if let Some(quads) = fastpath::try_expand(doc, list) {
        FAST_TAKEN.fetch_add(1, Ordering::Relaxed);
        let fast = canon::canonicalize(&quads).expect("canonicalise fast quads");
        match generic {
            Ok(g) => prop_assert_eq!(fast, g),
            Err(e) => prop_assert!(false, "fast path accepted what the generic path rejects: {e}"),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn fast_path_equals_generic_on_credentials((doc, mutation) in credential()) {
        if canon::canonical_nquads(&doc, ContextPolicy::OpenBadges).is_ok() {
            GENERIC_OK.fetch_add(1, Ordering::Relaxed);
        }
        compare(&doc)?;
        if matches!(mutation, Mutation::None) {
            let list = contexts::check_contexts(&doc, ContextPolicy::OpenBadges).expect("ctx");
            prop_assert!(fastpath::try_expand(&doc, list).is_some(), "unmutated credential must take the fast path");
        }
    }

    #[test]
    fn fast_path_equals_generic_on_proof_configs(cfg in proof_config()) {
        compare(&cfg)?;
        let list = contexts::check_contexts(&cfg, ContextPolicy::OpenBadges).expect("ctx");
        prop_assert!(fastpath::try_expand(&cfg, list).is_some());
    }
}

#[test]
fn differential_test_is_not_vacuous() {
    // Run a fixed batch so the counters mean something regardless of test order.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..40 {
        let (doc, _) = credential().new_tree(&mut runner).expect("gen").current();
        if canon::canonical_nquads(&doc, ContextPolicy::OpenBadges).is_ok() {
            GENERIC_OK.fetch_add(1, Ordering::Relaxed);
        }
        compare(&doc).expect("same");
    }
    assert!(FAST_TAKEN.load(Ordering::Relaxed) >= 15, "fast path taken {} times", FAST_TAKEN.load(Ordering::Relaxed));
    assert!(GENERIC_OK.load(Ordering::Relaxed) >= 15);
}
