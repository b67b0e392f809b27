//! Verifiable credentials end to end: issue from completion records, read the public JSON
//! back and verify it through the API, revoke, suspend, rotate keys, present — on the real
//! router and store (SQLite, or PostgreSQL with TEST_DATABASE_URL).

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use common::assert_envelope;
use rongtong_tests::{BASE_URL, TestApp};
use serde_json::{Value, json};

fn path_of(url: &str) -> String {
    url.strip_prefix(BASE_URL).unwrap_or(url).to_string()
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"].as_array().and_then(|a| a.iter().find(|c| c["name"] == name)).unwrap_or_else(|| panic!("no check {name}: {report}"))
}

async fn issue(app: &TestApp, token: &str, completion: &str) -> Value {
    let resp = app.post(&format!("/api/v1/completions/{completion}/credential"), Some(token), json!({})).await;
    assert!(resp.status == 201 || resp.status == 200, "{}", resp.text());
    resp.json
}

#[tokio::test]
async fn issued_credential_verifies_and_revocation_shows_in_the_status_list() {
    let (app, admin) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let cid = app.completion_id(&admin, "learner-li", "ZNZZ-01").await;

    let resp = app.post(&format!("/api/v1/completions/{cid}/credential"), Some(&pxou), json!({})).await;
    assert_eq!(resp.status, 201, "{}", resp.text());
    let view = resp.json.clone();
    assert_eq!(view["kind"], "training");
    assert_eq!(view["status"], "active");
    assert_eq!(view["issuer"], "pxou");
    let vc = view["credential"].clone();
    assert_eq!(vc["issuer"]["id"], "did:web:rongtong.test:orgs:pxou");
    assert_eq!(vc["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    // The learner's username is only present hashed.
    assert!(!vc.to_string().contains("learner-li"), "{vc}");
    assert!(vc["credentialSubject"]["identifier"][0]["identityHash"].as_str().is_some_and(|h| h.starts_with("sha256$")));

    // Idempotent: a retry returns the same credential with 200.
    let again = app.post(&format!("/api/v1/completions/{cid}/credential"), Some(&pxou), json!({})).await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json["id"], view["id"]);
    assert_eq!(app.count("credentials"), 1);

    // The public JSON (content negotiation and ?format=json) is the stored credential.
    let public = path_of(view["url"].as_str().expect("url"));
    let by_query = app.get(&format!("{public}?format=json"), None).await;
    assert_eq!(by_query.status, 200, "{}", by_query.text());
    assert_eq!(by_query.json, vc);
    let req = Request::get(&public).header(header::ACCEPT, "application/ld+json").body(Body::empty()).expect("request");
    let by_accept = app.send(req).await;
    assert_eq!(by_accept.status, 200);
    assert!(by_accept.content_type.starts_with("application/ld+json"), "{}", by_accept.content_type);
    assert_eq!(by_accept.json, vc);

    // DID document and status lists are served where the credential points.
    let did = app.get("/orgs/pxou/did.json", None).await;
    assert_eq!(did.status, 200, "{}", did.text());
    assert_eq!(did.json["id"], "did:web:rongtong.test:orgs:pxou");
    let list_url = vc["credentialStatus"][0]["statusListCredential"].as_str().expect("status list url");
    let list = app.get(&path_of(list_url), None).await;
    assert_eq!(list.status, 200, "{}", list.text());
    assert_eq!(list.json["credentialSubject"]["statusPurpose"], "revocation");

    // Verify through the API: every named check passes, and the issuer is trusted.
    let report = app.post("/api/v1/verify", None, vc.clone()).await;
    assert_eq!(report.status, 200, "{}", report.text());
    assert_eq!(report.json["verified"], true, "{}", report.text());
    for name in ["proof", "issuer_key", "dates", "status", "issuer_trust"] {
        assert_eq!(check(&report.json, name)["passed"], true, "{name}: {}", report.text());
    }

    // Revoke: the next verification fails on status, at once.
    let revoked = app
        .post(
            &format!("/api/v1/credentials/{}/status", view["id"].as_str().expect("id")),
            Some(&pxou),
            json!({"action": "revoke", "reason": "成绩作废"}),
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.text());
    assert_eq!(revoked.json["status"], "revoked");
    let report = app.post("/api/v1/verify", None, vc.clone()).await;
    assert_eq!(report.json["verified"], false, "{}", report.text());
    assert_eq!(check(&report.json, "status")["passed"], false);
    assert_eq!(check(&report.json, "proof")["passed"], true);
    // Revocation is final.
    let reinstate = app
        .post(
            &format!("/api/v1/credentials/{}/status", view["id"].as_str().expect("id")),
            Some(&pxou),
            json!({"action": "reinstate", "reason": "x"}),
        )
        .await;
    assert_envelope(&reinstate, 409, "conflict");
    // The page says so.
    let page = app.get(&public, None).await;
    assert!(page.text().contains("已撤销"), "{}", page.text());
}

#[tokio::test]
async fn suspension_is_reversible() {
    let (app, admin) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let cid = app.completion_id(&admin, "learner-zhang", "ZNZZ-03").await;
    let view = issue(&app, &pxou, &cid).await;
    let id = view["id"].as_str().expect("id");
    let status = format!("/api/v1/credentials/{id}/status");
    assert_eq!(app.post(&status, Some(&pxou), json!({"action": "suspend", "reason": "核查中"})).await.json["status"], "suspended");
    let r = app.post("/api/v1/verify", None, view["credential"].clone()).await;
    assert_eq!(r.json["verified"], false);
    assert!(check(&r.json, "status")["detail"].as_str().is_some_and(|d| d.contains("suspend")), "{}", r.text());
    assert_eq!(app.post(&status, Some(&pxou), json!({"action": "reinstate", "reason": "核查完毕"})).await.json["status"], "active");
    let r = app.post("/api/v1/verify", None, view["credential"].clone()).await;
    assert_eq!(r.json["verified"], true, "{}", r.text());
    // A reason is required.
    assert_envelope(&app.post(&status, Some(&pxou), json!({"action": "suspend", "reason": ""})).await, 422, "validation");
}

#[tokio::test]
async fn only_the_issuing_organization_issues_and_revokes_and_learners_see_only_theirs() {
    let (app, admin) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let cid = app.completion_id(&admin, "learner-li", "ZNZZ-01").await;
    // Another organization, a learner, even the platform admin: not their signature.
    for outsider in ["jxou-admin", "jxeval-admin", "learner-li", "admin", "px-admin"] {
        let resp = app.post(&format!("/api/v1/completions/{cid}/credential"), Some(&app.token_for(outsider)), json!({})).await;
        assert_envelope(&resp, 403, "forbidden");
    }
    assert_envelope(&app.post(&format!("/api/v1/completions/{cid}/credential"), None, json!({})).await, 401, "unauthorized");
    assert_eq!(app.count("credentials"), 0);

    let view = issue(&app, &pxou, &cid).await;
    let id = view["id"].as_str().expect("id");
    let status = format!("/api/v1/credentials/{id}/status");
    assert_envelope(
        &app.post(&status, Some(&app.token_for("jxou-admin")), json!({"action": "revoke", "reason": "x"})).await,
        404,
        "not_found",
    );
    assert_envelope(
        &app.post(&status, Some(&app.token_for("learner-li")), json!({"action": "revoke", "reason": "x"})).await,
        403,
        "forbidden",
    );

    // The learner sees and downloads their own; another learner sees nothing of it.
    let li = app.token_for("learner-li");
    let mine = app.get("/api/v1/credentials", Some(&li)).await;
    assert_eq!(mine.json["total"], 1, "{}", mine.text());
    let one = app.get(&format!("/api/v1/credentials/{id}"), Some(&li)).await;
    assert_eq!(one.status, 200);
    assert_eq!(one.json["credential"], view["credential"]);
    let zhang = app.token_for("learner-zhang");
    assert_eq!(app.get("/api/v1/credentials", Some(&zhang)).await.json["total"], 0);
    assert_envelope(&app.get(&format!("/api/v1/credentials/{id}"), Some(&zhang)).await, 404, "not_found");
    assert_eq!(app.get("/api/v1/credentials", Some(&app.token_for("jxou-admin"))).await.json["total"], 0);
    assert_eq!(app.get("/api/v1/credentials", Some(&pxou)).await.json["total"], 1);
}

#[tokio::test]
async fn the_public_page_is_a_printable_chinese_certificate_with_a_qr_code() {
    let (app, admin) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let cid = app.completion_id(&admin, "learner-li", "ZNZZ-01").await;
    let view = issue(&app, &pxou, &cid).await;
    let page = app.get(&path_of(view["url"].as_str().expect("url")), None).await;
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"), "{}", page.content_type);
    let html = page.text();
    for needle in ["培训合格证书", "Training Certificate", "铸造工艺基础", "<svg", "size: A4", "已验证", "萍乡"] {
        assert!(html.contains(needle), "{needle} missing: {html}");
    }
    assert_envelope(&app.get("/credentials/00000000-0000-4000-8000-000000000000", None).await, 404, "not_found");
}

#[tokio::test]
async fn tampering_and_bad_input_fail_with_named_checks_or_4xx() {
    let (app, admin) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let cid = app.completion_id(&admin, "learner-li", "ZNZZ-02").await;
    let vc = issue(&app, &pxou, &cid).await["credential"].clone();

    let mut tampered = vc.clone();
    tampered["credentialSubject"]["achievement"]["name"] = json!("高级技师");
    let r = app.post("/api/v1/verify", None, tampered).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["verified"], false);
    assert_eq!(check(&r.json, "proof")["passed"], false, "{}", r.text());

    let mut undefined = vc.clone();
    undefined["nickname"] = json!("x");
    let r = app.post("/api/v1/verify", None, undefined).await;
    assert_eq!(r.json["verified"], false);
    assert_eq!(check(&r.json, "json_ld")["passed"], false, "{}", r.text());

    let mut relative = vc.clone();
    relative["credentialSubject"]["achievement"]["id"] = json!("achievements/42");
    let r = app.post("/api/v1/verify", None, relative).await;
    assert_eq!(r.json["verified"], false);
    assert!(
        r.json["checks"].as_array().expect("checks").iter().any(|c| c["passed"] == false
            && c["detail"].as_str().is_some_and(|d| d.contains("achievements/42") || d.contains("absolute") || d.contains("relative"))),
        "{}",
        r.text()
    );

    let mut suite = vc.clone();
    suite["proof"]["cryptosuite"] = json!("ecdsa-rdfc-2019");
    let r = app.post("/api/v1/verify", None, suite).await;
    assert_eq!(check(&r.json, "proof")["passed"], false, "{}", r.text());

    let mut future = vc.clone();
    future["validFrom"] = json!("2999-01-01T00:00:00Z");
    let r = app.post("/api/v1/verify", None, future).await;
    assert_eq!(check(&r.json, "dates")["passed"], false, "{}", r.text());

    // A foreign did:web issuer: nothing is fetched, the key check fails by name.
    let mut foreign = vc.clone();
    foreign["issuer"]["id"] = json!("did:web:evil.example");
    foreign["proof"]["verificationMethod"] = json!("did:web:evil.example#key-1");
    let r = app.post("/api/v1/verify", None, foreign).await;
    assert_eq!(check(&r.json, "issuer_key")["passed"], false, "{}", r.text());
    assert_eq!(check(&r.json, "issuer_trust")["passed"], false, "{}", r.text());

    let r = app.post_bytes("/api/v1/verify", None, "application/json", b"{not json".to_vec()).await;
    assert_envelope(&r, 400, "bad_request");
    let r = app.post("/api/v1/verify", None, json!([1, 2])).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["verified"], false);
    let big = vec![b' '; 9 * 1024 * 1024];
    let r = app.post_bytes("/api/v1/verify", None, "application/json", big).await;
    assert_envelope(&r, 413, "payload_too_large");
}

#[tokio::test]
async fn rotation_keeps_old_keys_in_the_did_document() {
    let (app, admin) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let old = issue(&app, &pxou, &app.completion_id(&admin, "learner-li", "ZNZZ-01").await).await["credential"].clone();
    let rotated = app.post("/api/v1/organizations/pxou/keys", Some(&pxou), json!({})).await;
    assert_eq!(rotated.status, 201, "{}", rotated.text());
    assert_eq!(rotated.json["verification_method"], "did:web:rongtong.test:orgs:pxou#key-2");
    let new = issue(&app, &pxou, &app.completion_id(&admin, "learner-li", "ZNZZ-02").await).await["credential"].clone();
    assert_eq!(old["proof"]["verificationMethod"], "did:web:rongtong.test:orgs:pxou#key-1");
    assert_eq!(new["proof"]["verificationMethod"], "did:web:rongtong.test:orgs:pxou#key-2");
    let doc = app.get("/orgs/pxou/did.json", None).await.json;
    let assertion: Vec<&str> = doc["assertionMethod"].as_array().expect("list").iter().filter_map(Value::as_str).collect();
    assert_eq!(assertion, ["did:web:rongtong.test:orgs:pxou#key-1", "did:web:rongtong.test:orgs:pxou#key-2"]);
    for vc in [old, new] {
        let r = app.post("/api/v1/verify", None, vc).await;
        assert_eq!(r.json["verified"], true, "{}", r.text());
    }
    // Only the organization's admin rotates.
    assert_envelope(&app.post("/api/v1/organizations/pxou/keys", Some(&app.token_for("jxou-admin")), json!({})).await, 403, "forbidden");
    // The platform DID document is served too.
    let platform = app.get("/.well-known/did.json", None).await;
    assert_eq!(platform.status, 200, "{}", platform.text());
    assert_eq!(platform.json["id"], "did:web:rongtong.test");
}

#[tokio::test]
async fn cohort_job_and_skill_level_certificate() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let job = app.post("/api/v1/issuance-jobs", Some(&pxou), json!({"course": "ZNZZ-01"})).await;
    assert_eq!(job.status, 202, "{}", job.text());
    let id = job.json["id"].as_str().expect("id").to_string();
    let mut last = Value::Null;
    for _ in 0..200 {
        last = app.get(&format!("/api/v1/issuance-jobs/{id}"), Some(&pxou)).await.json;
        if last["state"] == "done" || last["state"] == "failed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(last["state"], "done", "{last}");
    assert_eq!(last["total"], 2);
    assert_eq!(last["issued"], 2);
    // A second run issues nothing new.
    let job2 = app.post("/api/v1/issuance-jobs", Some(&pxou), json!({"course": "ZNZZ-01"})).await;
    let id2 = job2.json["id"].as_str().expect("id").to_string();
    for _ in 0..200 {
        last = app.get(&format!("/api/v1/issuance-jobs/{id2}"), Some(&pxou)).await.json;
        if last["state"] == "done" || last["state"] == "failed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!((last["issued"].clone(), last["skipped"].clone()), (json!(0), json!(2)), "{last}");
    assert_eq!(app.count("credentials"), 2);

    // A job whose server stopped mid-way reports itself failed, with what to do, once its
    // lease has expired (its node stopped renewing it); a job whose lease holds is left alone.
    {
        use diesel::prelude::*;
        use rongtong_registry::db::schema::issuance_jobs;
        let mut conn = app.db.conn().expect("conn");
        let expired = (chrono::Utc::now() - chrono::Duration::seconds(1)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        diesel::update(issuance_jobs::table.find(&id))
            .set((issuance_jobs::state.eq("running"), issuance_jobs::done.eq(1), issuance_jobs::lease_expires_at.eq(&expired)))
            .execute(&mut conn)
            .expect("simulate a cut-off job");
        diesel::update(issuance_jobs::table.find(&id2))
            .set(issuance_jobs::state.eq("running"))
            .execute(&mut conn)
            .expect("simulate a running job");
    }
    let cut = app.get(&format!("/api/v1/issuance-jobs/{id}"), Some(&pxou)).await.json;
    assert_eq!(cut["state"], "failed", "{cut}");
    assert!(cut["error"].as_str().is_some_and(|e| e.starts_with("interrupted")), "{cut}");
    assert_eq!(app.get(&format!("/api/v1/issuance-jobs/{id2}"), Some(&pxou)).await.json["state"], "running");
    assert_envelope(
        &app.post("/api/v1/issuance-jobs", Some(&app.token_for("jxou-admin")), json!({"course": "ZNZZ-01"})).await,
        403,
        "forbidden",
    );

    // Skill level: only an evaluation organization.
    let body = json!({"learner": "learner-zhang", "occupation": "6-18-02-01", "level": 4});
    assert_envelope(&app.post("/api/v1/credentials/skill-level", Some(&pxou), body.clone()).await, 422, "validation");
    let eval = app.token_for("jxeval-admin");
    let r = app.post("/api/v1/credentials/skill-level", Some(&eval), body.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json["kind"], "skill_level");
    assert_eq!(r.json["credential"]["credentialSubject"]["achievement"]["achievementType"], "Certification");
    assert_eq!(app.post("/api/v1/credentials/skill-level", Some(&eval), body).await.status, 200);
    let v = app.post("/api/v1/verify", None, r.json["credential"].clone()).await;
    assert_eq!(v.json["verified"], true, "{}", v.text());
    assert_envelope(
        &app.post(
            "/api/v1/credentials/skill-level",
            Some(&eval),
            json!({"learner": "learner-zhang", "occupation": "6-18-02-01", "level": 9}),
        )
        .await,
        422,
        "validation",
    );
}

#[tokio::test]
async fn a_learner_presents_to_a_verifier() {
    let (app, admin) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let view = issue(&app, &pxou, &app.completion_id(&admin, "learner-li", "ZNZZ-01").await).await;
    let li = app.token_for("learner-li");
    let body = json!({"credentials": [view["id"]], "challenge": "c-123", "domain": "hr.example"});
    let vp = app.post("/api/v1/presentations", Some(&li), body.clone()).await;
    assert_eq!(vp.status, 201, "{}", vp.text());
    assert!(vp.json["holder"].as_str().is_some_and(|h| h.starts_with("did:key:z6Mk")));
    let ok = app.post("/api/v1/verify", None, json!({"presentation": vp.json, "challenge": "c-123", "domain": "hr.example"})).await;
    assert_eq!(ok.json["verified"], true, "{}", ok.text());
    assert_eq!(ok.json["kind"], "presentation");
    let replay = app.post("/api/v1/verify", None, json!({"presentation": vp.json, "challenge": "other", "domain": "hr.example"})).await;
    assert_eq!(replay.json["verified"], false, "{}", replay.text());
    // Not someone else's credential.
    assert_envelope(&app.post("/api/v1/presentations", Some(&app.token_for("learner-zhang")), body).await, 404, "not_found");
}

#[tokio::test]
async fn demo_credentials_cover_each_kind_and_one_is_revoked() {
    let (app, _) = TestApp::with_demo();
    let n = {
        let mut conn = app.db.conn().expect("conn");
        let kek = rongtong_registry::services::credentials::keystore::Kek::generate();
        let n = rongtong_registry::services::demo::seed_credentials(&mut conn, BASE_URL, &kek).expect("seed");
        assert_eq!(rongtong_registry::services::demo::seed_credentials(&mut conn, BASE_URL, &kek).expect("again"), n, "idempotent");
        n
    };
    // 17 training certificates, two skill-level certificates (zhang's 铸造工, chen's
    // 工业机器人系统运维员) and chen's recognition of GYJQR-04.
    assert_eq!(n, 20);
    let admin = app.token_for("admin");
    let all = app.get("/api/v1/credentials?per_page=100", Some(&admin)).await.json;
    let items = all["items"].as_array().expect("items");
    let of_kind = |k: &str| items.iter().filter(|c| c["kind"] == k).count();
    assert_eq!((of_kind("training"), of_kind("skill_level"), of_kind("recognition")), (17, 2, 1));
    assert!(items.iter().any(|c| c["kind"] == "skill_level" && c["issuer"] == "jxeval"));
    assert_eq!(items.iter().filter(|c| c["status"] == "revoked").count(), 1);
    // The revoked one is learner-liu's GYJQR-06; her five others stay active.
    let liu: Vec<&Value> = items.iter().filter(|c| c["learner"] == rongtong_registry::services::demo::REVOKED_LEARNER).collect();
    assert_eq!(liu.len(), 6);
    assert_eq!(liu.iter().filter(|c| c["status"] == "active").count(), 5);
}

/// Issue 8: certificates issued for failed completions before issuance knew pass from fail
/// are revoked by the release's data repair, once, through the status list.
#[tokio::test]
async fn the_upgrade_revokes_certificates_issued_for_failed_results_once() {
    use diesel::prelude::*;
    use rongtong_registry::db::schema::completions;
    use rongtong_registry::services::upgrade;

    let (app, _) = TestApp::with_demo();
    let college = app.token_for("pxou-admin");
    let completion = app.completion_id(&college, "learner-li", "ZNZZ-01").await;
    let vc = issue(&app, &college, &completion).await;
    let id = vc["id"].as_str().expect("id").to_string();
    // As stored before the fix: the completion's result was a fail all along.
    let repaired = {
        let mut conn = app.db.conn().expect("conn");
        diesel::update(completions::table.find(&completion)).set(completions::result.eq("不合格")).execute(&mut conn).expect("update");
        let first = upgrade::run_data_repairs(&mut conn).expect("repair");
        let second = upgrade::run_data_repairs(&mut conn).expect("again");
        assert!(second.is_empty(), "a repair runs once: {second:?}");
        first
    };
    assert_eq!(repaired, vec![("revoke_certificates_of_failed_completions".to_string(), 1)]);
    let admin = app.token_for("admin");
    let view = app.get(&format!("/api/v1/credentials/{}", id.trim_start_matches("urn:uuid:")), Some(&admin)).await;
    assert_eq!(view.json["status"], "revoked", "{}", view.text());
    assert_eq!(view.json["status_reason"], upgrade::FAILED_RESULT_REASON);
    // Every verifier sees it: the status list says revoked.
    let doc = app.get(&path_of(&format!("{BASE_URL}/credentials/{}?format=json", id.trim_start_matches("urn:uuid:"))), None).await.json;
    let report = app.post("/api/v1/verify", None, doc).await.json;
    assert_eq!(report["verified"], false, "{report}");
    assert_eq!(check(&report, "status")["passed"], false, "{report}");
}
