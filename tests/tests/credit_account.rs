//! The lifelong credit account (学分银行账户) and CLR 2.0 transcripts (issue 10 part 5) end to
//! end, and recognitions as matching evidence: what the account lists and counts (the demo's
//! approved recognition, a revoked certificate, a suspended recognition), who may read it,
//! the signed transcript verifying (and failing with one tampered credential), and a
//! recognised course holding its skills and counting as done in the gap and the path.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

use rongtong_tests::{TestApp, TestResponse, enc};
use serde_json::{Value, json};

/// ESCO "assemble mechatronic units" (taught by GYJQR-04 at 三级; chen holds it only through
/// the recognition).
const MECHATRONIC: &str = "http://data.europa.eu/esco/skill/d88cb3f1-8e02-4618-bf32-4b0488066934";

fn demo() -> (TestApp, String) {
    TestApp::with_demo_credentials()
}

async fn account(app: &TestApp, learner: &str, token: &str) -> TestResponse {
    app.get(&format!("/api/v1/learners/{learner}/account"), Some(token)).await
}

fn items_of<'a>(r: &'a TestResponse, kind: &str) -> Vec<&'a Value> {
    r.json["items"].as_array().unwrap().iter().filter(|i| i["kind"] == kind).collect()
}

fn total<'a>(r: &'a TestResponse, by: &str, key: &str) -> &'a Value {
    r.json["totals"][by].as_array().unwrap().iter().find(|t| t["key"] == key).unwrap_or_else(|| panic!("no {by} {key}: {}", r.text()))
}

/// Suspends chen's skill-level certificate (the recognition's source) as its issuer.
async fn suspend_chens_source(app: &TestApp, chen: &str) {
    let mine = app.get("/api/v1/recognition-applications", Some(chen)).await;
    let source = mine.json["items"][0]["evidence"][0]["source"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/credentials/{}/status", enc(&source)),
            Some(&app.token_for("jxeval-admin")),
            json!({"action": "suspend", "reason": "复核中"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn chens_account_counts_the_recognised_credits_and_says_what_was_converted() {
    let (app, _) = demo();
    let chen = app.token_for("learner-chen");
    let r = account(&app, "learner-chen", &chen).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json["learner"], "learner-chen");
    let certs = items_of(&r, "skill_level_certificate");
    assert_eq!(certs.len(), 1, "{}", r.text());
    assert_eq!(certs[0]["outcome"], "standard:6-31-01-10:4");
    assert_eq!((certs[0]["credits"].as_f64(), &certs[0]["status"], &certs[0]["counts"]), (Some(0.0), &json!("in_force"), &json!(true)));
    assert_eq!(certs[0]["provider"], "jxeval");
    let recs = items_of(&r, "recognition");
    assert_eq!(recs.len(), 1, "{}", r.text());
    let rec = recs[0];
    assert_eq!(rec["outcome"], "course:GYJQR-04");
    assert_eq!(rec["credits"], 2.5);
    assert_eq!((&rec["status"], &rec["counts"]), (&json!("in_force"), &json!(true)));
    assert_eq!((&rec["rule"]["code"], &rec["rule"]["effect"]), (&json!("JXOU-R-001"), &json!("exempt_course")));
    assert_eq!(rec["provider"], "jxou", "granted by the rule's owner");
    assert_eq!(rec["converted_from"][0]["outcome"], "standard:6-31-01-10:4");
    assert_eq!(rec["converted_from"][0]["source"], certs[0]["id"]);
    // Totals: the 2.5 recognised credits, by year, provider and kind.
    assert_eq!(r.json["totals"]["credits"], 2.5, "{}", r.text());
    assert_eq!(r.json["totals"]["items"], 2);
    assert_eq!(total(&r, "by_kind", "recognition")["credits"], 2.5);
    assert_eq!(total(&r, "by_kind", "skill_level_certificate")["credits"], 0.0);
    assert_eq!(total(&r, "by_provider", "jxou")["credits"], 2.5);
    assert_eq!(total(&r, "by_provider", "jxou")["name"], "江西示范开放大学");
    let years: f64 = r.json["totals"]["by_year"].as_array().unwrap().iter().map(|t| t["credits"].as_f64().unwrap()).sum();
    assert_eq!(years, 2.5);
    let conversions = r.json["conversions"].as_array().unwrap();
    assert_eq!(conversions.len(), 1);
    assert_eq!((&conversions[0]["rule"], &conversions[0]["to"]), (&json!("JXOU-R-001@1"), &json!("course:GYJQR-04")));
    assert_eq!(conversions[0]["from"][0]["outcome"], "standard:6-31-01-10:4");
}

#[tokio::test]
async fn a_revoked_certificate_and_a_suspended_recognition_are_listed_but_not_counted() {
    let (app, admin) = demo();
    // learner-liu: six jxou modules, the GYJQR-06 certificate revoked (demo).
    let liu = account(&app, "learner-liu", &admin).await;
    assert_eq!(liu.status, 200, "{}", liu.text());
    let certs = items_of(&liu, "training_certificate");
    assert_eq!(certs.len(), 6, "{}", liu.text());
    let revoked = certs.iter().find(|c| c["outcome"] == "course:GYJQR-06").unwrap();
    assert_eq!((&revoked["status"], &revoked["counts"]), (&json!("revoked"), &json!(false)));
    assert!(revoked["note"].as_str().unwrap().contains("成绩复核"), "the reason is shown: {revoked}");
    // 2 + 3 + 4 + 2.5 + 3 (GYJQR-01 … 05); GYJQR-06's 1.5 does not count.
    assert_eq!(liu.json["totals"]["credits"], 14.5, "{}", liu.text());
    assert_eq!(liu.json["totals"]["items"], 5);
    assert_eq!(total(&liu, "by_provider", "jxou")["items"], 5);

    // chen's source suspended: the recognition is suspended too and its credits go.
    let chen = app.token_for("learner-chen");
    suspend_chens_source(&app, &chen).await;
    let r = account(&app, "learner-chen", &chen).await;
    let rec = items_of(&r, "recognition")[0].clone();
    assert_eq!((&rec["status"], &rec["counts"]), (&json!("suspended"), &json!(false)));
    assert!(rec["note"].as_str().unwrap().contains("复核中"), "{rec}");
    assert_eq!(r.json["totals"]["credits"], 0.0, "{}", r.text());
    assert_eq!(r.json["totals"]["items"], 0);
    assert_eq!(r.json["conversions"][0]["status"], "suspended");
}

#[tokio::test]
async fn a_course_both_completed_and_recognised_counts_once_the_earliest() {
    let (app, admin) = demo();
    // A completion dated before the recognition (granted today): the completion counts.
    let record =
        json!({"learner": "learner-chen", "course": "GYJQR-04", "result": "合格", "completed_on": "2026-01-05", "assessor": "周立新"});
    let created = app.post("/api/v1/completions", Some(&app.token_for("jxou-admin")), record).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let r = account(&app, "learner-chen", &admin).await;
    let completion = items_of(&r, "completion")[0].clone();
    assert_eq!((&completion["status"], &completion["counts"]), (&json!("in_force"), &json!(true)), "{}", r.text());
    let rec = items_of(&r, "recognition")[0].clone();
    assert_eq!((&rec["status"], &rec["counts"]), (&json!("in_force"), &json!(false)), "{}", r.text());
    assert!(rec["note"].as_str().unwrap().contains("counts once"), "{rec}");
    assert_eq!(r.json["totals"]["credits"], 2.5, "{}", r.text());
    assert_eq!(total(&r, "by_kind", "completion")["credits"], 2.5);
}

#[tokio::test]
async fn only_the_learner_and_the_admins_of_their_region_see_the_account_and_transcript() {
    let (app, admin) = demo();
    for what in ["account", "transcript"] {
        let url = format!("/api/v1/learners/learner-chen/{what}");
        assert_eq!(app.get(&url, Some(&app.token_for("learner-chen"))).await.status, 200, "{what}: the learner");
        assert_eq!(app.get(&url, Some(&admin)).await.status, 200, "{what}: the platform");
        // chen lives in 鹰潭 (360600): the province's admin covers him, Pingxiang's does not.
        assert_eq!(app.get(&url, Some(&app.token_for("jx-admin"))).await.status, 200, "{what}: the province");
        let other_region = app.get(&url, Some(&app.token_for("px-admin"))).await;
        assert_eq!(other_region.status, 403, "{what}: {}", other_region.text());
        let other_learner = app.get(&url, Some(&app.token_for("learner-zhang"))).await;
        assert_eq!(other_learner.status, 403, "{what}: {}", other_learner.text());
        assert_eq!(app.get(&url, Some(&app.token_for("jxou-admin"))).await.status, 403, "{what}: a provider");
        assert_eq!(app.get(&url, None).await.status, 401, "{what}: anonymous");
        assert_eq!(app.get(&format!("/api/v1/learners/nobody/{what}"), Some(&admin)).await.status, 404);
        assert_eq!(app.get(&format!("/api/v1/learners/jx-admin/{what}"), Some(&admin)).await.status, 404, "not a learner");
    }
}

#[tokio::test]
async fn the_transcript_is_a_signed_clr_that_verifies_and_fails_with_one_tampered_credential() {
    let (app, _) = demo();
    let chen = app.token_for("learner-chen");
    let r = app.get("/api/v1/learners/learner-chen/transcript", Some(&chen)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let clr = r.json.clone();
    assert_eq!(clr["type"], json!(["VerifiableCredential", "ClrCredential"]));
    assert!(clr["issuer"]["id"].as_str().unwrap().starts_with("did:web:"), "signed by the platform: {}", clr["issuer"]);
    assert!(!clr["issuer"]["id"].as_str().unwrap().contains(":orgs:"));
    let inner = clr["credentialSubject"]["verifiableCredential"].as_array().unwrap();
    assert_eq!(inner.len(), 2, "the skill-level certificate and the recognition");
    let ach = |c: &Value| c.pointer("/credentialSubject/achievement/id").and_then(Value::as_str).unwrap().to_string();
    let (cert, rec) = if inner[0]["evidence"].is_array() { (&inner[1], &inner[0]) } else { (&inner[0], &inner[1]) };
    let achievements: Vec<&str> =
        clr["credentialSubject"]["achievement"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(achievements.len(), 2, "{achievements:?}");
    assert_eq!(
        clr["credentialSubject"]["association"],
        json!([{"type": "Association", "associationType": "exactMatchOf", "sourceId": ach(cert), "targetId": ach(rec)}])
    );
    let v = app.post("/api/v1/verify", None, clr.clone()).await;
    assert_eq!(v.status, 200, "{}", v.text());
    assert_eq!((&v.json["kind"], &v.json["verified"]), (&json!("clr"), &json!(true)), "{}", v.text());
    assert_eq!(v.json["trusted"], true, "the platform is one of this registry's issuers");
    assert_eq!(v.json["credentials"].as_array().unwrap().len(), 2);

    // One embedded credential changed: its own proof fails (and the transcript's).
    let mut tampered = clr.clone();
    tampered["credentialSubject"]["verifiableCredential"][1]["credentialSubject"]["achievement"]["name"] = json!("高级技师 (tampered)");
    let v = app.post("/api/v1/verify", None, tampered).await;
    assert_eq!(v.json["verified"], false, "{}", v.text());
    let reports = v.json["credentials"].as_array().unwrap();
    assert_eq!(reports[0]["verified"], true);
    assert_eq!(reports[1]["verified"], false, "{}", v.text());

    // With the source suspended nothing is in force: no transcript.
    suspend_chens_source(&app, &chen).await;
    let none = app.get("/api/v1/learners/learner-chen/transcript", Some(&chen)).await;
    assert_eq!(none.status, 409, "{}", none.text());
    assert_eq!(none.error_fields(), ["learner"]);
    // Zhang: the skill-level certificate and five training certificates, no recognition.
    let zhang = app.get("/api/v1/learners/learner-zhang/transcript", Some(&app.token_for("learner-zhang"))).await;
    assert_eq!(zhang.json["credentialSubject"]["verifiableCredential"].as_array().unwrap().len(), 6, "{}", zhang.text());
    assert!(zhang.json["credentialSubject"].get("association").is_none());
    assert_eq!(app.post("/api/v1/verify", None, zhang.json.clone()).await.json["verified"], true);
}

#[tokio::test]
async fn a_recognised_course_is_evidence_and_a_done_prerequisite_until_its_source_is_suspended() {
    let (app, _) = demo();
    let item = {
        let lists = app.get("/api/v1/demand-lists", None).await;
        let items: Vec<Value> =
            lists.json["items"].as_array().unwrap().iter().flat_map(|l| l["items"].as_array().unwrap().clone()).collect();
        items.iter().find(|i| i["position"] == "工业机器人装调技术员").unwrap()["id"].as_str().unwrap().to_string()
    };
    let chen = app.token_for("learner-chen");
    let gap_url = format!("/api/v1/matching/gap?learner=learner-chen&demand_item={item}");
    let path_url = format!("/api/v1/matching/path?learner=learner-chen&demand_item={item}");
    let gap = app.get(&gap_url, Some(&chen)).await;
    assert_eq!(gap.status, 200, "{}", gap.text());
    let met = gap.json["result"]["met"].as_array().unwrap().iter().find(|m| m["skill"] == MECHATRONIC).cloned();
    let met = met.unwrap_or_else(|| panic!("the recognised course's skill is met: {}", gap.text()));
    let evidence = met["matched"]["evidence"].as_str().unwrap();
    assert!(evidence.starts_with("recognition urn:uuid:") && evidence.contains("recognised via rule JXOU-R-001@1"), "{evidence}");
    assert_eq!(met["matched"]["kind"], "recognition");
    let path = app.get(&path_url, Some(&chen)).await;
    assert_eq!(path.status, 200, "{}", path.text());
    let steps: Vec<&str> = path.json["result"]["steps"].as_array().unwrap().iter().map(|s| s["course"].as_str().unwrap()).collect();
    assert!(steps.contains(&"GYJQR-05@2026.1"), "{}", path.text());
    assert!(!steps.contains(&"GYJQR-04@2026.1"), "the recognised course is done, never proposed: {}", path.text());
    let gyjqr05 = path.json["result"]["steps"].as_array().unwrap().iter().find(|s| s["course"] == "GYJQR-05@2026.1").unwrap().clone();
    assert!(
        gyjqr05["prerequisites"].as_array().unwrap().iter().any(|p| p == "GYJQR-04@2026.1"),
        "GYJQR-04 counts as a done prerequisite: {gyjqr05}"
    );

    // The source suspended: the recognition is withdrawn, so is what it proved.
    suspend_chens_source(&app, &chen).await;
    let gap = app.get(&gap_url, Some(&chen)).await;
    assert!(gap.json["result"]["met"].as_array().unwrap().iter().all(|m| m["skill"] != MECHATRONIC), "{}", gap.text());
    assert!(!gap.text().contains("recognised via rule"), "{}", gap.text());
    let path = app.get(&path_url, Some(&chen)).await;
    let steps: Vec<&str> = path.json["result"]["steps"].as_array().unwrap().iter().map(|s| s["course"].as_str().unwrap()).collect();
    assert!(steps.contains(&"GYJQR-04@2026.1"), "{}", path.text());
}

/// Statements sent for chen's account, and its items.
async fn measure(app: &TestApp, token: &str) -> (u64, usize) {
    let before = app.db.queries_run();
    let r = account(app, "learner-chen", token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    (app.db.queries_run() - before, r.json["items"].as_array().unwrap().len())
}

#[tokio::test]
async fn an_account_costs_the_same_queries_for_more_records() {
    let (app, admin) = demo();
    measure(&app, &admin).await; // warm-up: a token's first use may record itself
    let (few_q, few) = measure(&app, &admin).await;
    // Ten more completions for chen, half of them with their training certificate.
    let courses = ["ZNZZ-01", "ZNZZ-02", "ZNZZ-03", "ZNZZ-04", "ZNZZ-05", "GYJQR-01", "GYJQR-02", "GYJQR-03", "GYJQR-05", "GYJQR-06"];
    for (i, code) in courses.iter().enumerate() {
        let provider = if code.starts_with("ZNZZ") { "pxou-admin" } else { "jxou-admin" };
        let token = app.token_for(provider);
        let record = json!({"learner": "learner-chen", "course": code, "result": "合格", "completed_on": "2026-03-01", "assessor": "测试"});
        let created = app.post("/api/v1/completions", Some(&token), record).await;
        assert_eq!(created.status, 201, "{}", created.text());
        if i % 2 == 0 {
            let id = created.json["id"].as_str().unwrap();
            let issued = app.post(&format!("/api/v1/completions/{id}/credential"), Some(&token), json!({})).await;
            assert_eq!(issued.status, 201, "{}", issued.text());
        }
    }
    let (many_q, many) = measure(&app, &admin).await;
    assert_eq!((few, many), (2, 12));
    assert_eq!(few_q, many_q, "{few_q} queries for {few} items but {many_q} for {many}");
}
