//! Trusted external issuers (issue 10 part 4) within one registry: the list and who edits
//! it, credentials from other systems kept in a learner's account — trusted, untrusted,
//! tampered, wrong holder, expired, of a kind the issuer may not issue — what is fetched
//! (nothing for an unlisted issuer; for a listed one only its own URLs), and such a
//! credential grounding a recognition until its issuer is removed from the list.
//!
//! The external issuers here are `did:key` issuers built in the test (nothing to fetch), and
//! did:web issuers at local ports that count connections. The two-registry journey over real
//! HTTP (did:web documents and status lists fetched from another Rongtong server) is
//! `registry/tests/trust_two_servers.rs`.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rongtong_catalog::SkillLevel;
use rongtong_credentials::SigningKey;
use rongtong_credentials::obv3::{self, AchievementSpec, CertificateKind, CredentialSpec, IssuerProfile, Recipient};
use rongtong_tests::{BASE_URL, TestApp, enc};
use serde_json::{Value, json};

const ACHIEVEMENT: &str = "https://gd.example/achievements/occupations/6-31-01-10/level-3";

/// A skill-level certificate (level 3, `Certification`) of `issuer` (its DID is `issuer_did`,
/// signed with `key`) for the subject DID `subject`.
fn certificate(key: &SigningKey, issuer_did: &str, vm: &str, subject: &str, valid_until: Option<&str>) -> Value {
    let spec = CredentialSpec {
        id: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        issuer: IssuerProfile { did: issuer_did.into(), name: "广东省职业技能鉴定指导中心".into() },
        recipient: Recipient::Did(subject.into()),
        achievement: AchievementSpec {
            id: ACHIEVEMENT.into(),
            kind: CertificateKind::SkillLevel {
                occupation_code: "6-31-01-10".into(),
                occupation_name: "工业机器人系统运维员".into(),
                occupation_url: "https://gd.example/occupations/6-31-01-10".into(),
                level: SkillLevel::L3,
            },
            name_zh: "工业机器人系统运维员（三级）".into(),
            description: "职业技能等级认定".into(),
            criteria_narrative: "理论知识与操作技能考核均合格。".into(),
            ..Default::default()
        },
        valid_from: "2026-03-01T00:00:00Z".into(),
        valid_until: valid_until.map(str::to_string),
        ..Default::default()
    };
    obv3::issue(&spec, key, vm, "2026-03-01T08:00:00Z").unwrap()
}

/// A did:key issuer's certificate.
fn key_certificate(issuer: &SigningKey, subject: &str, valid_until: Option<&str>) -> Value {
    certificate(issuer, &issuer.did_key(), &issuer.public_key().did_key_verification_method(), subject, valid_until)
}

/// A presentation of `vc` signed by `holder`, for `challenge` at `domain`.
fn present(vc: &Value, holder: &SigningKey, challenge: &str, domain: &str) -> Value {
    rongtong_credentials::create_presentation(
        vec![vc.clone()],
        &holder.did_key(),
        holder,
        &holder.public_key().did_key_verification_method(),
        challenge,
        Some(domain),
        "2026-11-30T00:00:00Z",
    )
    .unwrap()
}

fn issuer_key() -> SigningKey {
    SigningKey::from_seed(&[11; 32])
}

fn holder_key() -> SigningKey {
    SigningKey::from_seed(&[22; 32])
}

fn uploads(learner: &str) -> String {
    format!("/api/v1/learners/{learner}/external-credentials")
}

fn entry(did: &str) -> Value {
    json!({"did": did, "name": "广东省职业技能鉴定指导中心", "achievement_types": ["Certification"], "valid_from": "2026-01-01"})
}

/// A TCP port that counts the connections made to it (and closes each at once).
fn counting_port() -> (u16, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (port, count)
}

/// Publishes an automatic jxou rule exempting GYJQR-06 for the external achievement.
async fn publish_external_rule(app: &TestApp, admin: &str, code: &str, source: &str) -> String {
    let jxou = app.token_for("jxou-admin");
    let body = json!({
        "code": code, "owner": "jxou", "title": "广东三级证书免修 GYJQR-06", "target": "course:GYJQR-06",
        "effect": "exempt_course", "automatic": true, "sources": [{"outcome": source, "min_level": 3}],
    });
    let created = app.post("/api/v1/recognition-rules", Some(&jxou), body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json["id"].as_str().unwrap().to_string();
    let province = app.token_for("jx-admin");
    for (who, s) in [(&jxou, "in_review"), (&province.to_string(), "published"), (&admin.to_string(), "published")] {
        let r = app.post(&format!("/api/v1/recognition-rules/{id}/status"), Some(who), json!({"status": s})).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    id
}

#[tokio::test]
async fn the_trusted_issuer_list_is_public_and_only_authorities_edit_it() {
    let (app, admin) = TestApp::with_demo();
    let did = issuer_key().did_key();
    assert_eq!(app.get("/api/v1/trusted-issuers", None).await.json, json!([]));
    for who in ["jxou-admin", "jxeval-admin", "px-admin", "learner-li"] {
        let r = app.post("/api/v1/trusted-issuers", Some(&app.token_for(who)), entry(&did)).await;
        assert_eq!(r.status, 403, "{who}: {}", r.text());
    }
    assert_eq!(app.post("/api/v1/trusted-issuers", None, entry(&did)).await.status, 401);
    assert_eq!(app.count("trusted_issuers"), 0, "nothing stored on a refusal");
    let province = app.token_for("jx-admin");
    let made = app.post("/api/v1/trusted-issuers", Some(&province), entry(&did)).await;
    assert_eq!(made.status, 201, "{}", made.text());
    assert_eq!(made.json["added_by"], "jx-admin");
    assert!(made.json.get("did_document").is_none(), "a did:key has no document to fetch");
    let again = app.post("/api/v1/trusted-issuers", Some(&admin), entry(&did)).await;
    assert_eq!((again.status.as_u16(), again.error_fields()), (409, vec!["did".to_string()]), "{}", again.text());
    let web = app.post("/api/v1/trusted-issuers", Some(&admin), entry("did:web:gd.example:orgs:gdeval")).await;
    assert_eq!(web.status, 201, "{}", web.text());
    assert_eq!(web.json["did_document"], "https://gd.example/orgs/gdeval/did.json");
    // Anyone reads the list and an entry, by id or DID.
    let list = app.get("/api/v1/trusted-issuers", None).await;
    assert_eq!(list.json.as_array().unwrap().len(), 2, "{}", list.text());
    let id = made.json["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/api/v1/trusted-issuers/{id}"), None).await.json["did"], did.as_str());
    assert_eq!(app.get(&format!("/api/v1/trusted-issuers/{}", enc(&did)), None).await.json["id"], id);
    // Editing and removing: authorities only.
    let mut changed = entry(&did);
    changed["achievement_types"] = json!(["Certification", "Certificate"]);
    let college = app.token_for("jxou-admin");
    assert_eq!(app.put(&format!("/api/v1/trusted-issuers/{id}"), Some(&college), changed.clone()).await.status, 403);
    let put = app.put(&format!("/api/v1/trusted-issuers/{id}"), Some(&admin), changed).await;
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(put.json["achievement_types"], json!(["Certification", "Certificate"]));
    assert_eq!(app.delete(&format!("/api/v1/trusted-issuers/{id}"), Some(&college)).await.status, 403);
    assert_eq!(app.delete(&format!("/api/v1/trusted-issuers/{id}"), Some(&province)).await.status, 204);
    assert_eq!(app.get(&format!("/api/v1/trusted-issuers/{id}"), None).await.status, 404);
    // The re-check is the authorities' too.
    assert_eq!(app.post("/api/v1/trusted-issuers/recheck", Some(&college), json!({})).await.status, 403);
    assert_eq!(app.post("/api/v1/trusted-issuers/recheck", Some(&admin), json!({})).await.status, 200);
}

#[tokio::test]
async fn bad_entries_are_refused_naming_each_field() {
    let (app, admin) = TestApp::with_demo();
    let r = app
        .post(
            "/api/v1/trusted-issuers",
            Some(&admin),
            json!({"did": "https://gd.example", "name": "", "achievement_types": ["Certification", "Diplomma"],
                   "valid_from": "2026-02-30", "valid_until": "2026-01-01"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    for f in ["did", "name", "achievement_types[1]", "valid_from"] {
        assert!(r.error_fields().iter().any(|x| x == f), "{f} not named: {}", r.text());
    }
    let r = app
        .post(
            "/api/v1/trusted-issuers",
            Some(&admin),
            json!({"did": "did:web:gd.example", "name": "广东", "valid_from": "2026-06-01", "valid_until": "2026-01-01"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.error_fields()), (422, vec!["valid_until".to_string()]), "{}", r.text());
    let r = app
        .post("/api/v1/trusted-issuers", Some(&admin), json!({"did": "did:key:zNotAKey", "name": "x", "valid_from": "2026-01-01"}))
        .await;
    assert_eq!((r.status.as_u16(), r.error_fields()), (422, vec!["did".to_string()]), "{}", r.text());
    // This registry's own DID is verified from its own store, never "trusted" as external.
    let own = app
        .post(
            "/api/v1/trusted-issuers",
            Some(&admin),
            json!({"did": "did:web:rongtong.test:orgs:jxou", "name": "x", "valid_from": "2026-01-01"}),
        )
        .await;
    assert_eq!((own.status.as_u16(), own.error_fields()), (422, vec!["did".to_string()]), "{}", own.text());
    let r = app
        .post(
            "/api/v1/trusted-issuers",
            Some(&admin),
            json!({"did": "did:web:gd.example", "name": "x", "valid_from": "2026-01-01", "colour": "red"}),
        )
        .await;
    assert_eq!(r.status.as_u16() / 100, 4, "{}", r.text());
    assert_eq!(app.count("trusted_issuers"), 0);
}

#[tokio::test]
async fn an_unlisted_issuers_credential_is_kept_untrusted_without_any_fetch_and_grounds_nothing() {
    let (app, admin) = TestApp::with_demo();
    let li = app.token_for("learner-li");
    let (port, connections) = counting_port();
    let did = format!("did:web:127.0.0.1%3A{port}:orgs:gdeval");
    let key = issuer_key();
    let vc = certificate(&key, &did, &format!("{did}#key-1"), &holder_key().did_key(), None);
    let vp = present(&vc, &holder_key(), "learner-li", BASE_URL);
    let r = app.post(&uploads("learner-li"), Some(&li), vp).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json["trusted"], false);
    assert_eq!(r.json["state"], "untrusted");
    assert_eq!(r.json["outcome"], format!("external:{did}#{ACHIEVEMENT}"));
    assert_eq!(r.json["level"], 3, "the level the certificate states");
    let checks = r.json["checks"].as_array().unwrap();
    let named = |n: &str| checks.iter().find(|c| c["name"] == n).cloned().unwrap();
    assert_eq!(named("issuer_trust")["passed"], false);
    assert!(named("issuer_key")["detail"].as_str().unwrap().contains("never fetched"), "{}", r.text());
    assert_eq!(named("holder")["passed"], true);
    // Never grounds a recognition: as kept evidence, or sent along with the application.
    let id = r.json["id"].as_str().unwrap().to_string();
    let apply =
        app.post("/api/v1/recognition-applications", Some(&li), json!({"target": "course:GYJQR-04", "evidence": [{"external": id}]})).await;
    assert_eq!(apply.status, 422, "{}", apply.text());
    assert_eq!(apply.error_fields(), ["evidence[0].external"]);
    assert!(apply.text().contains("issuer_trust"), "{}", apply.text());
    let vp = present(&vc, &holder_key(), "learner-li", BASE_URL);
    let apply =
        app.post("/api/v1/recognition-applications", Some(&li), json!({"target": "course:GYJQR-04", "evidence": [{"document": vp}]})).await;
    assert_eq!(apply.status, 422, "{}", apply.text());
    assert_eq!(apply.error_fields(), ["evidence[0].document"]);
    assert!(apply.text().contains("issuer_trust"), "{}", apply.text());
    // A rule cannot cite it either.
    let jxou = app.token_for("jxou-admin");
    let rule = json!({"code": "JXOU-R-900", "owner": "jxou", "title": "t", "target": "course:GYJQR-06", "effect": "exempt_course",
                      "sources": [{"outcome": format!("external:{did}#{ACHIEVEMENT}")}]});
    let r = app.post("/api/v1/recognition-rules", Some(&jxou), rule).await;
    assert_eq!((r.status.as_u16(), r.error_fields()), (422, vec!["sources[0].outcome".to_string()]), "{}", r.text());
    // The re-check leaves it untrusted, still without a connection.
    let recheck = app.post("/api/v1/trusted-issuers/recheck", Some(&admin), json!({})).await;
    assert_eq!(recheck.status, 200, "{}", recheck.text());
    assert_eq!(recheck.json["checked"], 1);
    assert_eq!(recheck.json["changed"], 0);
    assert_eq!(connections.load(Ordering::SeqCst), 0, "nothing was fetched for an unlisted issuer");
    // The learner and the admins of the learner's region see it; other accounts do not.
    assert_eq!(app.get(&uploads("learner-li"), Some(&li)).await.json.as_array().unwrap().len(), 1);
    assert_eq!(app.get(&uploads("learner-li"), Some(&app.token_for("px-admin"))).await.status, 200);
    assert_eq!(app.get(&uploads("learner-li"), Some(&app.token_for("learner-zhang"))).await.status, 404);
    assert_eq!(app.get(&uploads("learner-li"), Some(&jxou)).await.status, 404);
    let one = app.get(&format!("{}/{id}", uploads("learner-li")), Some(&li)).await;
    assert_eq!(one.json["credential"]["id"], vc["id"], "{}", one.text());
    // Only the learner removes it from the account.
    assert_eq!(app.delete(&format!("{}/{id}", uploads("learner-li")), Some(&app.token_for("px-admin"))).await.status, 403);
    assert_eq!(app.delete(&format!("{}/{id}", uploads("learner-li")), Some(&li)).await.status, 204);
    assert_eq!(app.count("external_credentials"), 0);
}

#[tokio::test]
async fn a_listed_did_web_issuer_is_fetched_only_at_its_own_url() {
    let (app, admin) = TestApp::with_demo();
    let li = app.token_for("learner-li");
    let (port, did_host) = counting_port();
    let (other_port, other_host) = counting_port();
    let did = format!("did:web:127.0.0.1%3A{port}");
    let mut spec_vc = certificate(&issuer_key(), &did, &format!("{did}#key-1"), &holder_key().did_key(), None);
    // A status list on another host: not the issuer's, never fetched (the proof fails first
    // anyway — the issuer's document cannot be had — and its status is then not checked).
    spec_vc["credentialStatus"] = json!({"id": format!("https://127.0.0.1:{other_port}/status/1#5"), "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "5", "statusListCredential": format!("https://127.0.0.1:{other_port}/status/1")});
    let r =
        app.post("/api/v1/trusted-issuers", Some(&admin), json!({"did": did, "name": "本地测试签发方", "valid_from": "2026-01-01"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let before = app.count("external_credentials");
    let r = app.post(&uploads("learner-li"), Some(&li), present(&spec_vc, &holder_key(), "learner-li", BASE_URL)).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.error_fields(), ["body"]);
    assert!(r.text().contains("issuer_key"), "the issuer's document could not be fetched: {}", r.text());
    assert!(did_host.load(Ordering::SeqCst) >= 1, "the trusted issuer's own did:web URL was tried");
    assert_eq!(other_host.load(Ordering::SeqCst), 0, "a URL the credential names on another host is never fetched");
    assert_eq!(app.count("external_credentials"), before, "nothing stored on a refusal");
}

#[tokio::test]
async fn tampered_wrong_holder_expired_and_disallowed_credentials_are_refused_by_check() {
    let (app, admin) = TestApp::with_demo();
    let li = app.token_for("learner-li");
    let issuer = issuer_key();
    let r = app.post("/api/v1/trusted-issuers", Some(&admin), entry(&issuer.did_key())).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let vc = key_certificate(&issuer, &holder_key().did_key(), None);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "tampered",
            {
                let mut t = vc.clone();
                t["credentialSubject"]["achievement"]["name"] = json!("工业机器人系统运维员（一级）");
                present(&t, &holder_key(), "learner-li", BASE_URL)
            },
            "proof",
        ),
        ("presented by someone else", present(&vc, &SigningKey::from_seed(&[33; 32]), "learner-li", BASE_URL), "holder"),
        ("bound to another account", present(&vc, &holder_key(), "learner-zhang", BASE_URL), "holder"),
        ("bound to another registry", present(&vc, &holder_key(), "learner-li", "https://other.example"), "holder"),
        ("a bare credential", vc.clone(), "holder"),
        (
            "expired",
            present(
                &key_certificate(&issuer, &holder_key().did_key(), Some("2026-06-01T00:00:00Z")),
                &holder_key(),
                "learner-li",
                BASE_URL,
            ),
            "dates",
        ),
        (
            "a tampered presentation",
            {
                let mut p = present(&vc, &holder_key(), "learner-li", BASE_URL);
                p["holder"] = json!(SigningKey::from_seed(&[44; 32]).did_key());
                p
            },
            "holder",
        ),
    ];
    for (what, body, check) in cases {
        let r = app.post(&uploads("learner-li"), Some(&li), body).await;
        assert_eq!(r.status, 422, "{what}: {}", r.text());
        assert_eq!(r.error_fields(), ["body"], "{what}: {}", r.text());
        assert!(r.text().contains(&format!("{check}:")), "{what}: expected {check}: {}", r.text());
    }
    // A kind the issuer may not issue.
    let mut narrow = entry(&issuer.did_key());
    narrow["achievement_types"] = json!(["Badge"]);
    assert_eq!(app.put(&format!("/api/v1/trusted-issuers/{}", enc(&issuer.did_key())), Some(&admin), narrow).await.status, 200);
    let r = app.post(&uploads("learner-li"), Some(&li), present(&vc, &holder_key(), "learner-li", BASE_URL)).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("achievement_type:"), "{}", r.text());
    // Someone else cannot keep credentials in li's account, not even an administrator.
    let r = app.post(&uploads("learner-li"), Some(&admin), present(&vc, &holder_key(), "learner-li", BASE_URL)).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(app.count("external_credentials"), 0, "nothing stored on any refusal");
}

#[tokio::test]
async fn a_trusted_credential_grounds_a_recognition_until_its_issuer_is_removed() {
    let (app, admin) = TestApp::with_demo();
    let li = app.token_for("learner-li");
    let issuer = issuer_key();
    let source = format!("external:{}#{ACHIEVEMENT}", issuer.did_key());
    // Kept before its issuer is trusted: untrusted; the re-check after trusting it verifies it.
    let vc = key_certificate(&issuer, &holder_key().did_key(), None);
    let kept = app.post(&uploads("learner-li"), Some(&li), present(&vc, &holder_key(), "learner-li", BASE_URL)).await;
    assert_eq!((kept.status.as_u16(), &kept.json["state"]), (201, &json!("untrusted")), "{}", kept.text());
    let id = kept.json["id"].as_str().unwrap().to_string();
    let r = app.post("/api/v1/trusted-issuers", Some(&admin), entry(&issuer.did_key())).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let recheck = app.post("/api/v1/trusted-issuers/recheck", Some(&admin), json!({})).await;
    assert_eq!(recheck.json["changed"], 1, "{}", recheck.text());
    assert_eq!(recheck.json["changes"][0]["after"], "valid");
    let now = app.get(&format!("{}/{id}", uploads("learner-li")), Some(&li)).await;
    assert_eq!((&now.json["trusted"], &now.json["state"]), (&json!(true), &json!("valid")), "{}", now.text());
    assert!(
        now.json["checks"].as_array().unwrap().iter().any(|c| c["name"] == "holder" && c["passed"] == true),
        "the upload's holder check is kept"
    );
    // Uploading it again is idempotent.
    let again = app.post(&uploads("learner-li"), Some(&li), present(&vc, &holder_key(), "learner-li", BASE_URL)).await;
    assert_eq!((again.status.as_u16(), &again.json["id"]), (200, &json!(id)), "{}", again.text());
    // A rule citing the trusted achievement; the kept credential meets it at once.
    publish_external_rule(&app, &admin, "JXOU-R-901", &source).await;
    let apply =
        app.post("/api/v1/recognition-applications", Some(&li), json!({"target": "course:GYJQR-06", "evidence": [{"external": id}]})).await;
    assert_eq!(apply.status, 201, "{}", apply.text());
    assert_eq!(apply.json["state"], "approved", "{}", apply.text());
    assert_eq!(apply.json["evidence"][0]["kind"], "external");
    let app_id = apply.json["id"].as_str().unwrap().to_string();
    let recognition = apply.json["credential"].as_str().unwrap().to_string();
    let doc = app.get(&format!("/api/v1/credentials/{}", enc(&recognition)), Some(&admin)).await;
    let rvc = doc.json["credential"].clone();
    assert_eq!(rvc["evidence"][0]["id"], vc["id"], "the recognition cites the external credential by its own id");
    assert_eq!(app.post("/api/v1/verify", None, rvc.clone()).await.json["verified"], true);
    // Kept credentials an application cites stay in the account.
    assert_eq!(app.delete(&format!("{}/{id}", uploads("learner-li")), Some(&li)).await.status, 409);
    // Removing the issuer from the list suspends the recognition at once.
    assert_eq!(app.delete(&format!("/api/v1/trusted-issuers/{}", enc(&issuer.did_key())), Some(&admin)).await.status, 204);
    let after = app.get(&format!("/api/v1/recognition-applications/{app_id}"), Some(&li)).await;
    assert_eq!(after.json["state"], "suspended", "{}", after.text());
    assert!(after.json["status_reason"].as_str().unwrap().contains("no longer trusted"), "{}", after.text());
    assert_eq!(app.post("/api/v1/verify", None, rvc.clone()).await.json["verified"], false);
    // Trusted again and re-checked: in force again, the recognition reinstated.
    assert_eq!(app.post("/api/v1/trusted-issuers", Some(&admin), entry(&issuer.did_key())).await.status, 201);
    let recheck = app.post("/api/v1/trusted-issuers/recheck", Some(&admin), json!({})).await;
    assert_eq!(recheck.json["reinstated"], 1, "{}", recheck.text());
    assert_eq!(app.get(&format!("/api/v1/recognition-applications/{app_id}"), Some(&li)).await.json["state"], "approved");
    assert_eq!(app.post("/api/v1/verify", None, rvc).await.json["verified"], true);
}

#[tokio::test]
async fn an_application_can_carry_the_presentation_itself() {
    let (app, admin) = TestApp::with_demo();
    let zhang = app.token_for("learner-zhang");
    let issuer = issuer_key();
    assert_eq!(app.post("/api/v1/trusted-issuers", Some(&admin), entry(&issuer.did_key())).await.status, 201);
    publish_external_rule(&app, &admin, "JXOU-R-902", &format!("external:{}#{ACHIEVEMENT}", issuer.did_key())).await;
    let holder = SigningKey::from_seed(&[55; 32]);
    let vc = key_certificate(&issuer, &holder.did_key(), None);
    // Refused applications keep nothing, not even the credential they carried.
    let wrong_target = app
        .post(
            "/api/v1/recognition-applications",
            Some(&zhang),
            json!({"target": "course:GYJQR-05", "evidence": [{"document": present(&vc, &holder, "learner-zhang", BASE_URL)}]}),
        )
        .await;
    assert_eq!(wrong_target.status, 422, "{}", wrong_target.text());
    assert_eq!(app.count("external_credentials"), 0);
    let r = app
        .post(
            "/api/v1/recognition-applications",
            Some(&zhang),
            json!({"target": "course:GYJQR-06", "evidence": [{"document": present(&vc, &holder, "learner-zhang", BASE_URL)}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json["state"], "approved", "{}", r.text());
    let kept = app.get(&uploads("learner-zhang"), Some(&zhang)).await;
    assert_eq!(kept.json.as_array().unwrap().len(), 1, "kept in the account: {}", kept.text());
    assert_eq!(r.json["evidence"][0]["source"], kept.json[0]["id"]);
}
