//! Recognition applications and signed decisions (issue 10 part 3) end to end: applying with
//! evidence, automatic and reviewed decisions, the signed recognition credential, rights, bad
//! evidence, deciding twice, and the cascade when a source is revoked.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

use rongtong_tests::{TestApp, enc};
use serde_json::{Value, json};

/// The demo with its certificates and applications, and the platform admin's token.
fn demo() -> (TestApp, String) {
    TestApp::with_demo_credentials()
}

/// A learner's credential id by name (as the learner's own list shows it).
async fn credential_named(app: &TestApp, token: &str, learner: &str, name_part: &str) -> String {
    let r = app.get("/api/v1/credentials?per_page=200", Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str().unwrap_or_default().contains(name_part))
        .unwrap_or_else(|| panic!("{learner} has no credential named like {name_part}: {}", r.text()))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn verify(app: &TestApp, doc: &Value) -> Value {
    let r = app.post("/api/v1/verify", None, doc.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json
}

#[tokio::test]
async fn the_demo_holds_one_approved_and_one_pending_application() {
    let (app, admin) = demo();
    let all = app.get("/api/v1/recognition-applications", Some(&admin)).await;
    assert_eq!(all.status, 200, "{}", all.text());
    assert_eq!(all.json["total"], 2, "{}", all.text());
    let by_state = |s: &str| all.json["items"].as_array().unwrap().iter().find(|a| a["state"] == s).cloned().unwrap();
    let approved = by_state("approved");
    assert_eq!(approved["learner"], "learner-chen");
    assert_eq!(approved["target"], "course:GYJQR-04");
    assert_eq!(approved["rule"]["code"], "JXOU-R-001");
    assert_eq!(approved["comment"], "automatic under rule JXOU-R-001@1");
    assert!(approved.get("decided_by").is_none(), "an automatic decision has no reviewer");
    let pending = by_state("pending");
    assert_eq!(pending["learner"], "learner-zhang");
    assert_eq!(pending["rule"]["code"], "JXEVAL-R-002");
    assert_eq!(pending["owner"], "jxeval");
    assert_eq!(pending["evidence"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_automatic_rule_issues_a_signed_recognition_that_verifies_and_reads_as_one() {
    let (app, admin) = demo();
    let chen = app.token_for("learner-chen");
    let mine = app.get("/api/v1/recognition-applications", Some(&chen)).await;
    assert_eq!(mine.json["total"], 1, "chen sees only his own: {}", mine.text());
    let credential = mine.json["items"][0]["credential"].as_str().unwrap().to_string();
    let doc = app.get(&format!("/api/v1/credentials/{}", enc(&credential)), Some(&admin)).await;
    assert_eq!(doc.status, 200, "{}", doc.text());
    let vc = doc.json["credential"].clone();
    let narrative = vc.pointer("/credentialSubject/achievement/criteria/narrative").and_then(Value::as_str).unwrap();
    assert!(narrative.contains("JXOU-R-001") && narrative.contains("非课程完成"), "{narrative}");
    assert_eq!(vc["issuer"]["id"].as_str().unwrap().rsplit(':').next(), Some("jxou"), "issued by the rule's owner");
    let evidence = vc["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0]["genre"], "Recognition source");
    assert_eq!(vc.pointer("/credentialSubject/achievement/creditsAvailable"), Some(&json!(2.5)));
    let report = verify(&app, &vc).await;
    assert_eq!(report["verified"], true, "{report}");
}

#[tokio::test]
async fn a_reviewed_application_is_decided_once_by_the_owners_reviewers_only() {
    let (app, admin) = demo();
    let zhang = app.token_for("learner-zhang");
    let pending = app.get("/api/v1/recognition-applications?state=pending", Some(&admin)).await;
    let id = pending.json["items"][0]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/recognition-applications/{id}/decision");
    // The learner cannot decide; another organisation's admin cannot even see it.
    let own = app.post(&path, Some(&zhang), json!({"decision": "approve"})).await;
    assert_eq!(own.status, 403, "{}", own.text());
    let college = app.token_for("jxou-admin");
    let other = app.post(&path, Some(&college), json!({"decision": "approve"})).await;
    assert_eq!(other.status, 404, "{}", other.text());
    // Rejecting needs a reason.
    let eval = app.token_for("jxeval-admin");
    let bare = app.post(&path, Some(&eval), json!({"decision": "reject"})).await;
    assert_eq!(bare.status, 422, "{}", bare.text());
    assert_eq!(bare.error_fields(), ["comment"]);
    let before = app.count("credentials");
    let ok = app.post(&path, Some(&eval), json!({"decision": "approve", "comment": "成绩单核验无误"})).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json["state"], "approved");
    assert_eq!(ok.json["decided_by"], "jxeval-admin");
    assert_eq!(app.count("credentials"), before + 1);
    let again = app.post(&path, Some(&eval), json!({"decision": "approve"})).await;
    assert_eq!(again.status, 409, "{}", again.text());
    assert_eq!(app.count("credentials"), before + 1, "deciding twice never yields two credentials");
    // The recognition of an assessment part reads as such.
    let cred = app.get(&format!("/api/v1/credentials/{}", enc(ok.json["credential"].as_str().unwrap())), Some(&admin)).await;
    let vc = cred.json["credential"].clone();
    assert_eq!(vc.pointer("/credentialSubject/achievement/achievementType"), Some(&json!("Assessment")), "{vc}");
    assert!(vc.pointer("/credentialSubject/achievement/name").and_then(Value::as_str).unwrap().contains("理论知识考试免考"));
}

#[tokio::test]
async fn bad_evidence_is_refused_by_name_and_nothing_is_stored() {
    let (app, _) = demo();
    let li = app.token_for("learner-li");
    let zhang = app.token_for("learner-zhang");
    let before = app.count("recognition_applications");
    // Someone else's credential.
    let zhang_cert = credential_named(&app, &zhang, "learner-zhang", "铸造工").await;
    let r = app
        .post("/api/v1/recognition-applications", Some(&li), json!({"target": "course:GYJQR-04", "evidence": [{"credential": zhang_cert}]}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.error_fields(), ["evidence[0].credential"]);
    assert!(r.text().contains("another learner"), "{}", r.text());
    // Evidence that meets no rule: each rule's unmet source named.
    let li_cert = credential_named(&app, &li, "learner-li", "").await;
    let r = app
        .post(
            "/api/v1/recognition-applications",
            Some(&li),
            json!({"target": "standard:6-18-02-01:4", "evidence": [{"credential": li_cert}]}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.error_fields(), ["evidence"]);
    assert!(r.text().contains("JXEVAL-R-001@1") && r.text().contains("not in the evidence"), "{}", r.text());
    // A tampered copy of one's own credential fails its proof.
    let doc = app.get(&format!("/api/v1/credentials/{}", enc(&li_cert)), Some(&li)).await;
    let mut vc = doc.json["credential"].clone();
    vc["credentialSubject"]["achievement"]["name"] = json!("铸造工（一级）");
    let r = app
        .post("/api/v1/recognition-applications", Some(&li), json!({"target": "standard:6-18-02-01:4", "evidence": [{"document": vc}]}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.error_fields(), ["evidence[0].document"]);
    assert!(r.text().contains("proof"), "{}", r.text());
    // No rule for the target; a target that is not a key; applying for another learner.
    let r = app
        .post("/api/v1/recognition-applications", Some(&li), json!({"target": "course:ZNZZ-01", "evidence": [{"credential": li_cert}]}))
        .await;
    assert_eq!((r.status.as_u16(), r.error_fields()), (422, vec!["target".to_string()]), "{}", r.text());
    let r = app.post("/api/v1/recognition-applications", Some(&li), json!({"target": "nonsense", "evidence": []})).await;
    assert_eq!((r.status.as_u16(), r.error_fields()), (422, vec!["target".to_string()]), "{}", r.text());
    let admin = app.token_for("jxou-admin");
    let r = app
        .post(
            "/api/v1/recognition-applications",
            Some(&admin),
            json!({"learner": "learner-li", "target": "course:GYJQR-04", "evidence": [{"credential": li_cert}]}),
        )
        .await;
    assert_eq!(r.status, 403, "administrators never apply for a learner: {}", r.text());
    assert_eq!(app.count("recognition_applications"), before, "nothing stored on a refusal");
}

#[tokio::test]
async fn a_second_open_application_for_the_same_target_is_a_conflict() {
    let (app, _) = demo();
    let zhang = app.token_for("learner-zhang");
    let mine = app.get("/api/v1/recognition-applications?state=pending", Some(&zhang)).await;
    let evidence: Vec<Value> =
        mine.json["items"][0]["evidence"].as_array().unwrap().iter().map(|e| json!({"credential": e["source"]})).collect();
    let r = app
        .post(
            "/api/v1/recognition-applications",
            Some(&zhang),
            json!({"target": "standard:6-18-02-01:4", "rule": "JXEVAL-R-002", "evidence": evidence}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(r.error_fields(), ["target"]);
}

#[tokio::test]
async fn revoking_a_source_suspends_the_recognition_and_reinstating_restores_it() {
    let (app, admin) = demo();
    let chen = app.token_for("learner-chen");
    let mine = app.get("/api/v1/recognition-applications", Some(&chen)).await;
    let app_id = mine.json["items"][0]["id"].as_str().unwrap().to_string();
    let recognition = mine.json["items"][0]["credential"].as_str().unwrap().to_string();
    let source = mine.json["items"][0]["evidence"][0]["source"].as_str().unwrap().to_string();
    let eval = app.token_for("jxeval-admin");
    let status_path = format!("/api/v1/credentials/{}/status", enc(&source));
    let r = app.post(&status_path, Some(&eval), json!({"action": "suspend", "reason": "复核中"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let after = app.get(&format!("/api/v1/recognition-applications/{app_id}"), Some(&chen)).await;
    assert_eq!(after.json["state"], "suspended", "{}", after.text());
    assert!(after.json["status_reason"].as_str().unwrap().contains("复核中"), "the learner is told why: {}", after.text());
    let doc = app.get(&format!("/api/v1/credentials/{}", enc(&recognition)), Some(&admin)).await;
    let vc = doc.json["credential"].clone();
    let report = verify(&app, &vc).await;
    assert_eq!(report["verified"], false, "its status list says so at once: {report}");
    // Reinstating the source reinstates the recognition.
    let r = app.post(&status_path, Some(&eval), json!({"action": "reinstate", "reason": "复核通过"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let back = app.get(&format!("/api/v1/recognition-applications/{app_id}"), Some(&chen)).await;
    assert_eq!(back.json["state"], "approved", "{}", back.text());
    assert_eq!(verify(&app, &vc).await["verified"], true);
    // Revocation is final: the recognition stays suspended.
    let r = app.post(&status_path, Some(&eval), json!({"action": "revoke", "reason": "证书作废"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let gone = app.get(&format!("/api/v1/recognition-applications/{app_id}"), Some(&chen)).await;
    assert_eq!(gone.json["state"], "suspended");
    assert!(gone.json["status_reason"].as_str().unwrap().contains("revoked"), "{}", gone.text());
    assert_eq!(verify(&app, &vc).await["verified"], false);
}

#[tokio::test]
async fn the_public_page_of_a_recognition_says_recognition_not_completion() {
    let (app, _) = demo();
    let chen = app.token_for("learner-chen");
    let mine = app.get("/api/v1/recognition-applications", Some(&chen)).await;
    let credential = mine.json["items"][0]["credential"].as_str().unwrap().to_string();
    let page = app.get(&format!("/credentials/{}", enc(&credential)), None).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("学分互认证明") && html.contains("JXOU-R-001 第 1 版") && html.contains("非课程完成"), "{html}");
    assert!(!html.contains("培训合格证书"), "a recognition never reads as a training certificate");
}

#[tokio::test]
async fn a_revoked_source_is_a_named_failed_check() {
    let (app, _) = demo();
    let liu = app.token_for("learner-liu");
    let list = app.get("/api/v1/credentials?per_page=100", Some(&liu)).await;
    let revoked =
        list.json["items"].as_array().unwrap().iter().find(|c| c["status"] == "revoked").unwrap()["id"].as_str().unwrap().to_string();
    let before = app.count("recognition_applications");
    let r = app
        .post("/api/v1/recognition-applications", Some(&liu), json!({"target": "course:GYJQR-04", "evidence": [{"credential": revoked}]}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.error_fields(), ["evidence[0].credential"]);
    assert!(r.text().contains("status:") && r.text().contains("revoked"), "the failed check is named: {}", r.text());
    assert_eq!(app.count("recognition_applications"), before);
}

/// The list reads evidence, people and rules in batches: a second row costs no more queries.
#[tokio::test]
async fn the_application_list_sends_no_query_per_row() {
    let (app, admin) = demo();
    let measure = |per_page: usize| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let before = app.db.queries_run();
            let r = app.get(&format!("/api/v1/recognition-applications?per_page={per_page}"), Some(&admin)).await;
            assert_eq!(r.json["items"].as_array().unwrap().len(), per_page, "{}", r.text());
            app.db.queries_run() - before
        }
    };
    measure(1).await; // the token's first use
    assert_eq!(measure(1).await, measure(2).await, "one more application, more queries");
}
