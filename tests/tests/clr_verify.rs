//! `POST /api/v1/verify` with CLR 2.0 transcripts (issue 10 part 5): a transcript embedding
//! credentials this registry issued verifies with one report per embedded credential; a
//! re-signed transcript with one tampered credential fails and names it; the body limits
//! (anonymous 1 MiB for a transcript, authenticated 8 MiB) — on the real router and store
//! (SQLite, or PostgreSQL with TEST_DATABASE_URL).

mod common;

use common::assert_envelope;
use rongtong_credentials::SigningKey;
use rongtong_credentials::clr::{self, Association, AssociationType, ClrSpec};
use rongtong_credentials::obv3::{IssuerProfile, Recipient};
use rongtong_tests::TestApp;
use serde_json::{Value, json};

/// Issues `learner`'s certificate of course `code`; returns (the API's view, the credential).
async fn issued(app: &TestApp, admin: &str, issuer: &str, learner: &str, code: &str) -> (Value, Value) {
    let cid = app.completion_id(admin, learner, code).await;
    let resp = app.post(&format!("/api/v1/completions/{cid}/credential"), Some(issuer), json!({})).await;
    assert!(resp.status == 201 || resp.status == 200, "{}", resp.text());
    (resp.json.clone(), resp.json["credential"].clone())
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"].as_array().and_then(|a| a.iter().find(|c| c["name"] == name)).unwrap_or_else(|| panic!("no check {name}: {report}"))
}

/// A transcript signed by a did:key "platform" (not one of this registry's issuers, so
/// `issuer_trust` fails — reported, not part of `verified`), embedding `credentials`.
fn transcript(credentials: Vec<Value>, description: Option<String>) -> Value {
    let key = SigningKey::from_seed(&[9u8; 32]);
    let ach = |c: &Value| c["credentialSubject"]["achievement"]["id"].as_str().expect("achievement id").to_string();
    let associations = match credentials.as_slice() {
        [a, b, ..] => vec![Association { association_type: AssociationType::IsPartOf, source_id: ach(a), target_id: ach(b) }],
        _ => vec![],
    };
    let spec = ClrSpec {
        id: "urn:uuid:55555555-0000-4000-8000-000000000001".into(),
        issuer: IssuerProfile { did: key.did_key(), name: "融通平台".into() },
        recipient: Recipient::Did("did:key:z6MkhcEz8GCrbxyPuzHbBhZGbgdHYUxpNvvftMUAVFxPzNQa".into()),
        learner_name: Some("李明轩".into()),
        name: "学习成果档案 (learner record)".into(),
        description,
        valid_from: "2026-01-01T00:00:00Z".into(),
        credentials,
        extra_achievements: vec![],
        associations,
    };
    clr::issue_clr(&spec, &key, &key.public_key().did_key_verification_method(), "2026-01-01T08:00:00Z").expect("issue transcript")
}

#[tokio::test]
async fn a_transcript_verifies_with_every_embedded_credential_reported() {
    let (app, admin) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let (view, one) = issued(&app, &admin, &pxou, "learner-li", "ZNZZ-01").await;
    let (_, two) = issued(&app, &admin, &pxou, "learner-li", "ZNZZ-02").await;
    let doc = transcript(vec![one.clone(), two.clone()], None);
    let r = app.post("/api/v1/verify", None, doc.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json["kind"], "clr", "{}", r.text());
    assert_eq!(r.json["verified"], true, "{}", r.text());
    for name in ["context", "json_ld", "issuer_key", "proof", "dates", "clr", "credentials"] {
        assert_eq!(check(&r.json, name)["passed"], true, "{name}: {}", r.text());
    }
    // The platform here is a did:key, not one of this registry's issuers: reported only.
    assert_eq!(r.json["trusted"], false);
    let inner = r.json["credentials"].as_array().expect("credentials");
    assert_eq!(inner.len(), 2);
    for (i, (c, src)) in inner.iter().zip([&one, &two]).enumerate() {
        assert_eq!(c["index"], i);
        assert_eq!(c["id"], src["id"]);
        assert_eq!(c["name"], src["name"]);
        assert_eq!(c["verified"], true, "{c}");
        // Inner credentials are this registry's, so trusted, and their status lists were read.
        assert_eq!(c["trusted"], true, "{c}");
        assert_eq!(check(c, "status")["passed"], true, "{c}");
    }

    // A transcript re-signed around a tampered credential: the outer proof holds, the
    // embedded one fails, named by position, id and check.
    let mut bad = two.clone();
    bad["credentialSubject"]["achievement"]["name"] = json!("高级技师 (tampered)");
    let doc = transcript(vec![one.clone(), bad], None);
    let r = app.post("/api/v1/verify", None, doc).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["verified"], false, "{}", r.text());
    assert_eq!(check(&r.json, "proof")["passed"], true, "{}", r.text());
    let summary = check(&r.json, "credentials");
    assert_eq!(summary["passed"], false);
    let detail = summary["detail"].as_str().expect("detail");
    assert!(detail.contains(&format!("credential 1 ({}) fails proof", two["id"].as_str().expect("id"))), "{detail}");
    assert_eq!(r.json["credentials"][0]["verified"], true);
    assert_eq!(r.json["credentials"][1]["verified"], false);
    assert_eq!(check(&r.json["credentials"][1], "proof")["passed"], false);

    // Tampering after signing breaks the transcript's own proof too.
    let mut doc = transcript(vec![one.clone(), two.clone()], None);
    doc["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["creditsEarned"] = json!(99);
    let r = app.post("/api/v1/verify", None, doc).await;
    assert_eq!(r.json["verified"], false);
    assert_eq!(check(&r.json, "proof")["passed"], false, "{}", r.text());
    assert_eq!(r.json["credentials"][0]["verified"], false);
    // A revoked embedded credential fails by status.
    let id = view["id"].as_str().expect("id");
    let revoke =
        app.post(&format!("/api/v1/credentials/{id}/status"), Some(&pxou), json!({"action": "revoke", "reason": "成绩作废"})).await;
    assert_eq!(revoke.status, 200, "{}", revoke.text());
    let r = app.post("/api/v1/verify", None, transcript(vec![one, two], None)).await;
    assert_eq!(r.json["verified"], false);
    assert_eq!(check(&r.json["credentials"][0], "status")["passed"], false, "{}", r.text());
    assert_eq!(r.json["credentials"][1]["verified"], true);
}

#[tokio::test]
async fn transcripts_may_be_larger_than_a_lone_credential_and_larger_still_with_a_token() {
    let (app, admin) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let (_, one) = issued(&app, &admin, &pxou, "learner-li", "ZNZZ-01").await;
    // ≈ 400 KiB: over a lone credential's 256 KiB, within the anonymous 1 MiB.
    let doc = transcript(vec![one.clone()], Some("备注".repeat(400 * 1024 / 6)));
    let size = doc.to_string().len();
    assert!(size > 256 * 1024 && size < 1024 * 1024, "{size}");
    let r = app.post("/api/v1/verify", None, doc).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json["verified"], true, "{}", r.text());
    // A lone credential that large is refused anonymously.
    let mut big = one.clone();
    big["description"] = json!("备注".repeat(400 * 1024 / 6));
    assert_envelope(&app.post("/api/v1/verify", None, big).await, 413, "payload_too_large");
    // ≈ 1.5 MiB: only with a token.
    let doc = transcript(vec![one], Some("备注".repeat(1536 * 1024 / 6)));
    assert!(doc.to_string().len() > 1024 * 1024);
    assert_envelope(&app.post("/api/v1/verify", None, doc.clone()).await, 413, "payload_too_large");
    let r = app.post("/api/v1/verify", Some(&pxou), doc).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json["kind"], "clr");
    assert_eq!(r.json["verified"], true, "{}", r.text());
}
