//! Recognition across systems (issue 10 part 4) with two real Rongtong servers — two
//! provinces' registries, each its own process and database — talking HTTP:
//!
//! A (`https://a.rongtong.test`) issues a learner a skill-level certificate; B
//! (`https://b.rongtong.test`) trusts A's evaluation organisation; a B college publishes a
//! rule citing A's achievement; the learner presents the certificate to B (a presentation
//! signed by the subject, for B's domain and their B username) and applies; B verifies it by
//! fetching A's did:web document and status lists (through the operator's mirror of A's
//! public URL to where A listens) and approves at once; A revokes the certificate; B's
//! re-check fetches the status list afresh and suspends the recognition, whose status list
//! then says so.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

mod common;

use std::time::Duration;

use common::DemoServer;
use serde_json::{Value, json};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(60))).build().into()
}

/// One request; returns the status and the JSON body.
fn call(method: &str, url: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    let agent = agent();
    let auth = token.map(|t| format!("Bearer {t}"));
    let result = match (method, body) {
        ("GET", _) => {
            let mut r = agent.get(url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call()
        }
        (_, body) => {
            let mut r = agent.post(url).header("Content-Type", "application/json");
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.send(body.map(Value::to_string).unwrap_or_else(|| "{}".into()))
        }
    };
    let mut r = result.expect("the server answers");
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn token(server: &DemoServer, user: &str) -> String {
    let out = server.rongtong(&["token", "create", "--user", user]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[test]
fn a_certificate_of_province_a_is_recognised_in_b_and_its_revocation_in_a_suspends_the_recognition_in_b() {
    let a = DemoServer::start("https://a.rongtong.test");
    let mirror = format!("https://a.rongtong.test/={}/", a.local);
    let b = DemoServer::start_with("https://b.rongtong.test", &[("RONGTONG_TRUST_MIRRORS", &mirror)]);
    let (a_api, b_api) = (format!("{}/api/v1", a.local), format!("{}/api/v1", b.local));

    // --- In A: the learner gets a holder key (their first presentation makes it), then a
    // skill-level certificate issued to that DID.
    let li_a = token(&a, "learner-li");
    let (status, mine) = call("GET", &format!("{a_api}/credentials"), Some(&li_a), None);
    assert_eq!(status, 200, "{mine}");
    let any = mine["items"][0]["id"].as_str().expect("li holds a demo certificate in A").to_string();
    let (status, first) =
        call("POST", &format!("{a_api}/presentations"), Some(&li_a), Some(&json!({"credentials": [any], "challenge": "warm-up"})));
    assert_eq!(status, 201, "{first}");
    let holder = first["holder"].as_str().unwrap().to_string();
    let eval_a = token(&a, "jxeval-admin");
    let (status, cert) = call(
        "POST",
        &format!("{a_api}/credentials/skill-level"),
        Some(&eval_a),
        Some(&json!({"learner": "learner-li", "occupation": "6-31-01-10", "level": 2, "assessed_on": "2026-10-15"})),
    );
    assert_eq!(status, 201, "{cert}");
    let vc = cert["credential"].clone();
    assert_eq!(vc["credentialSubject"]["id"], holder.as_str(), "issued to the learner's holder DID");
    let issuer = vc["issuer"]["id"].as_str().unwrap().to_string();
    assert_eq!(issuer, "did:web:a.rongtong.test:orgs:jxeval");
    let achievement = vc["credentialSubject"]["achievement"]["id"].as_str().unwrap().to_string();
    let cert_id = vc["id"].as_str().unwrap().to_string();
    let (status, vp) = call(
        "POST",
        &format!("{a_api}/presentations"),
        Some(&li_a),
        Some(&json!({"credentials": [cert_id], "challenge": "learner-li", "domain": "https://b.rongtong.test"})),
    );
    assert_eq!(status, 201, "{vp}");

    // --- In B: the authority trusts A's evaluation organisation; a college publishes a rule
    // citing A's achievement.
    let (status, listed) = call(
        "POST",
        &format!("{b_api}/trusted-issuers"),
        Some(&b.token),
        Some(&json!({"did": issuer, "name": "A 省职业技能鉴定中心", "achievement_types": ["Certification"], "valid_from": "2026-01-01"})),
    );
    assert_eq!(status, 201, "{listed}");
    assert_eq!(listed["did_document"], "https://a.rongtong.test/orgs/jxeval/did.json");
    let bad = b.rongtong(&["trust", "add", "https://a.rongtong.test", "--name", "A", "--from", "2026-01-01"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("did: must be a did:web or did:key DID"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let out = b.rongtong(&["trust", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&issuer), "{}", String::from_utf8_lossy(&out.stdout));
    let source = format!("external:{issuer}#{achievement}");
    let jxou_b = token(&b, "jxou-admin");
    let (status, rule) = call(
        "POST",
        &format!("{b_api}/recognition-rules"),
        Some(&jxou_b),
        Some(&json!({"code": "JXOU-R-950", "owner": "jxou", "title": "A 省二级证书免修 GYJQR-06", "target": "course:GYJQR-06",
                     "effect": "exempt_course", "automatic": true, "sources": [{"outcome": source, "min_level": 2}]})),
    );
    assert_eq!(status, 201, "{rule}");
    let out = b.rongtong(&["rules", "publish", "JXOU-R-950"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // --- The learner keeps the certificate in their B account: verified by fetching A's
    // DID document and status lists.
    let li_b = token(&b, "learner-li");
    let (status, kept) = call("POST", &format!("{b_api}/learners/learner-li/external-credentials"), Some(&li_b), Some(&vp));
    assert_eq!(status, 201, "{kept}");
    assert_eq!((&kept["trusted"], &kept["state"], &kept["level"]), (&json!(true), &json!("valid"), &json!(2)), "{kept}");
    assert_eq!(kept["outcome"], source.as_str());
    let checks = kept["checks"].as_array().unwrap();
    for name in ["issuer_key", "proof", "status", "dates", "issuer_trust", "achievement_type", "holder"] {
        assert!(checks.iter().any(|c| c["name"] == name && c["passed"] == true), "{name} passed: {kept}");
    }
    let status_check = checks.iter().find(|c| c["name"] == "status").unwrap();
    assert!(status_check["detail"].as_str().unwrap().contains("https://a.rongtong.test/status/"), "A's status lists: {status_check}");
    let external = kept["id"].as_str().unwrap().to_string();

    // --- B recognises it: the automatic rule approves at once; the recognition verifies in B.
    let (status, application) = call(
        "POST",
        &format!("{b_api}/recognition-applications"),
        Some(&li_b),
        Some(&json!({"target": "course:GYJQR-06", "evidence": [{"external": external}]})),
    );
    assert_eq!(status, 201, "{application}");
    assert_eq!(application["state"], "approved", "{application}");
    assert_eq!(application["rule"]["code"], "JXOU-R-950");
    let app_id = application["id"].as_str().unwrap().to_string();
    let recognition = application["credential"].as_str().unwrap().to_string();
    let (status, doc) = call("GET", &format!("{b_api}/credentials/{}", enc(&recognition)), Some(&b.token), None);
    assert_eq!(status, 200, "{doc}");
    let rvc = doc["credential"].clone();
    assert_eq!(rvc["evidence"][0]["id"], cert_id.as_str(), "the recognition cites A's certificate");
    let (_, report) = call("POST", &format!("{b_api}/verify"), None, Some(&rvc));
    assert_eq!(report["verified"], true, "{report}");

    // --- A revokes the certificate. B has not looked yet; its re-check fetches A's status
    // list afresh and suspends the recognition.
    let (status, revoked) = call(
        "POST",
        &format!("{a_api}/credentials/{}/status", enc(&cert_id)),
        Some(&eval_a),
        Some(&json!({"action": "revoke", "reason": "鉴定材料不实"})),
    );
    assert_eq!(status, 200, "{revoked}");
    let (_, before) = call("GET", &format!("{b_api}/recognition-applications/{app_id}"), Some(&li_b), None);
    assert_eq!(before["state"], "approved", "B only learns of it by re-checking: {before}");
    let (status, recheck) = call("POST", &format!("{b_api}/trusted-issuers/recheck"), Some(&b.token), None);
    assert_eq!(status, 200, "{recheck}");
    assert_eq!((&recheck["changed"], &recheck["suspended"], &recheck["unreachable"]), (&json!(1), &json!(1), &json!(0)), "{recheck}");
    assert_eq!(recheck["changes"][0]["after"], "revoked", "{recheck}");
    let (_, after) = call("GET", &format!("{b_api}/recognition-applications/{app_id}"), Some(&li_b), None);
    assert_eq!(after["state"], "suspended", "{after}");
    assert!(after["status_reason"].as_str().unwrap().contains("revoked"), "{after}");
    let (_, report) = call("POST", &format!("{b_api}/verify"), None, Some(&rvc));
    assert_eq!(report["verified"], false, "B's status list says so: {report}");
    let (_, kept_now) = call("GET", &format!("{b_api}/learners/learner-li/external-credentials/{external}"), Some(&li_b), None);
    assert_eq!(kept_now["state"], "revoked", "{kept_now}");
    // The revoked certificate cannot ground a new application either.
    let (status, refused) = call(
        "POST",
        &format!("{b_api}/recognition-applications"),
        Some(&li_b),
        Some(&json!({"target": "course:GYJQR-06", "evidence": [{"external": external}]})),
    );
    assert!(status == 409 || status == 422, "{status} {refused}");

    // The command-line re-check (same mirror configuration) finds nothing new to change.
    let out = b.rongtong(&["trust", "recheck"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("checked 1: 0 changed, 0 unreachable"), "{text}");
}
