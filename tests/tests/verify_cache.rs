//! What `POST /verify` keeps between requests — trusted issuers and DID documents per key
//! version, status lists that verified — never hides a change: a revocation, a suspension
//! and a new key read at once, on this node and when another node over the same database
//! made the change.

mod common;

use rongtong_tests::TestApp;
use serde_json::{Value, json};

async fn issue(app: &TestApp, token: &str, completion: &str) -> Value {
    let resp = app.post(&format!("/api/v1/completions/{completion}/credential"), Some(token), json!({})).await;
    assert!(resp.status == 201 || resp.status == 200, "{}", resp.text());
    resp.json
}

async fn verify(app: &TestApp, vc: &Value) -> Value {
    let r = app.post("/api/v1/verify", None, vc.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json
}

fn status_detail(report: &Value) -> String {
    report["checks"].as_array().and_then(|a| a.iter().find(|c| c["name"] == "status")).map(|c| c["detail"].to_string()).unwrap_or_default()
}

#[tokio::test]
async fn a_revocation_on_another_node_reads_revoked_at_once() {
    let (app, admin) = TestApp::with_demo();
    let other_node = app.sibling();
    let pxou = app.token_for("pxou-admin");
    let view = issue(&app, &pxou, &app.completion_id(&admin, "learner-li", "ZNZZ-01").await).await;
    let vc = view["credential"].clone();
    // Verified twice: the second time from what the first kept.
    assert_eq!(verify(&app, &vc).await["verified"], true);
    assert_eq!(verify(&app, &vc).await["verified"], true);

    let status = format!("/api/v1/credentials/{}/status", view["id"].as_str().expect("id"));
    let suspended = other_node.post(&status, Some(&pxou), json!({"action": "suspend", "reason": "核查中"})).await;
    assert_eq!(suspended.status, 200, "{}", suspended.text());
    let r = verify(&app, &vc).await;
    assert_eq!(r["verified"], false, "{r}");
    assert!(status_detail(&r).contains("suspended"), "{r}");

    assert_eq!(app.post(&status, Some(&pxou), json!({"action": "reinstate", "reason": "核查完毕"})).await.status, 200);
    assert_eq!(verify(&other_node, &vc).await["verified"], true, "the other node sees the reinstatement");
    assert_eq!(verify(&app, &vc).await["verified"], true);

    assert_eq!(other_node.post(&status, Some(&pxou), json!({"action": "revoke", "reason": "证书信息有误"})).await.status, 200);
    let r = verify(&app, &vc).await;
    assert_eq!(r["verified"], false, "{r}");
    assert!(status_detail(&r).contains("revoked"), "{r}");
}

#[tokio::test]
async fn a_key_rotated_on_another_node_verifies_at_once() {
    let (app, admin) = TestApp::with_demo();
    let other_node = app.sibling();
    let pxou = app.token_for("pxou-admin");
    let old = issue(&app, &pxou, &app.completion_id(&admin, "learner-li", "ZNZZ-01").await).await["credential"].clone();
    // This node now holds pxou's DID document with key-1 only.
    assert_eq!(verify(&app, &old).await["verified"], true);

    let rotated = other_node.post("/api/v1/organizations/pxou/keys", Some(&pxou), json!({})).await;
    assert_eq!(rotated.status, 201, "{}", rotated.text());
    let new = issue(&other_node, &pxou, &app.completion_id(&admin, "learner-li", "ZNZZ-02").await).await["credential"].clone();
    assert_eq!(new["proof"]["verificationMethod"], "did:web:rongtong.test:orgs:pxou#key-2");
    for vc in [&old, &new] {
        let r = verify(&app, vc).await;
        assert_eq!(r["verified"], true, "{r}");
        assert_eq!(r["trusted"], true, "{r}");
    }
}

#[tokio::test]
async fn a_first_issuer_is_trusted_at_once() {
    // An organisation gets its key when it first issues; the trusted list must follow.
    let (app, admin) = TestApp::with_demo();
    let other_node = app.sibling();
    let pxou = app.token_for("pxou-admin");
    let platform = verify(&app, &json!({"not": "a credential"})).await;
    assert_eq!(platform["verified"], false, "fills the key snapshot: {platform}");
    let cid = app.completion_id(&admin, "learner-li", "ZNZZ-01").await;
    let vc = issue(&other_node, &pxou, &cid).await["credential"].clone();
    let r = verify(&app, &vc).await;
    assert_eq!((r["verified"].clone(), r["trusted"].clone()), (json!(true), json!(true)), "{r}");
}
