//! Conversion rules (转换规则, issue 10 part 1) end to end: the outcome catalogue, CRUD,
//! the review, rights, bad input, CSV import/export and the CTDL JSON-LD export.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

use axum::http::{Method, Request, header};
use rongtong_tests::{TestApp, enc};
use serde_json::{Value, json};

fn rule(code: &str, owner: &str, target: &str, effect: &str, sources: &[&str]) -> Value {
    json!({
        "code": code,
        "owner": owner,
        "title": format!("{code} 测试规则"),
        "target": target,
        "effect": effect,
        "sources": sources.iter().map(|s| json!({"outcome": s})).collect::<Vec<_>>(),
    })
}

#[tokio::test]
async fn the_demo_publishes_rules_both_ways() {
    let (app, _) = TestApp::with_demo();
    let r = app.get("/api/v1/recognition-rules?status=published", None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json["total"], 4, "{}", r.text());
    let exempt = app.get("/api/v1/recognition-rules/JXOU-R-001", None).await;
    assert_eq!(exempt.json["target"], "course:GYJQR-04");
    assert_eq!(exempt.json["effect"], "exempt_course");
    assert_eq!(exempt.json["credits"], 2.5, "an exemption without credits grants the course's");
    assert_eq!(exempt.json["automatic"], true);
    assert_eq!(exempt.json["sources"], json!([{"outcome": "standard:6-31-01-10:4", "within_years": 5}]));
    let eligible = app.get("/api/v1/recognition-rules/JXEVAL-R-001", None).await;
    assert_eq!(eligible.json["owner"], "jxeval");
    assert_eq!(eligible.json["effect"], "assessment_eligibility");
    assert_eq!(eligible.json["sources"].as_array().unwrap().len(), 5);
    // Filter by a source outcome: a standard at any level finds the rules citing it.
    let citing = app.get(&format!("/api/v1/recognition-rules?source={}", enc("standard:6-31-01-10:1")), None).await;
    assert_eq!(citing.json["total"], 2, "{}", citing.text());
}

#[tokio::test]
async fn the_outcome_catalogue_lists_courses_then_standards_across_pages() {
    let (app, _) = TestApp::with_demo();
    let courses = app.get("/api/v1/outcomes?kind=course&per_page=500", None).await;
    assert_eq!(courses.status, 200, "{}", courses.text());
    assert_eq!(courses.json["total"], 11);
    let first = &courses.json["items"][0];
    assert_eq!(first["key"], "course:GYJQR-01");
    assert_eq!(first["owner"], "jxou");
    assert_eq!(first["credits"], 2.0);
    let standards = app.get("/api/v1/outcomes?kind=standard&q=6-18-02-01", None).await;
    let keys: Vec<&str> = standards.json["items"].as_array().unwrap().iter().map(|o| o["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        ["standard:6-18-02-01:5", "standard:6-18-02-01:4", "standard:6-18-02-01:3", "standard:6-18-02-01:2", "standard:6-18-02-01:1"]
    );
    // Two occupations have codes: 11 courses + 2 × 5 standards; page 4 of 3 spans the seam.
    let all = app.get("/api/v1/outcomes?per_page=3&page=4", None).await;
    assert_eq!(all.json["total"], 21, "{}", all.text());
    let keys: Vec<&str> = all.json["items"].as_array().unwrap().iter().map(|o| o["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["course:ZNZZ-04", "course:ZNZZ-05", "standard:6-18-02-01:5"]);
    let bad = app.get("/api/v1/outcomes?kind=thing", None).await;
    assert_eq!(bad.status.as_u16() / 100, 4, "{}", bad.text());
}

#[tokio::test]
async fn a_rule_is_created_reviewed_at_each_level_published_and_versioned() {
    let (app, admin) = TestApp::with_demo();
    let jxou = app.token_for("jxou-admin");
    let province = app.token_for("jx-admin");
    let city = app.token_for("px-admin");
    let body = rule("JXOU-R-100", "jxou", "course:GYJQR-06", "exempt_course", &["standard:6-31-01-10:4"]);
    let created = app.post("/api/v1/recognition-rules", Some(&jxou), body.clone()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json["status"], "draft");
    assert_eq!(created.json["credits"], 1.5);
    let id = created.json["id"].as_str().unwrap().to_string();
    // A draft exists only for its owner's side.
    assert_eq!(app.get(&format!("/api/v1/recognition-rules/{id}"), None).await.status, 404);
    assert_eq!(app.get(&format!("/api/v1/recognition-rules/{id}"), Some(&jxou)).await.status, 200);
    let mut edited = body.clone();
    edited["title"] = json!("改过的标题");
    edited["automatic"] = json!(true);
    let put = app.put(&format!("/api/v1/recognition-rules/{id}"), Some(&jxou), edited).await;
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(put.json["title"], "改过的标题");

    let status = |s: &str| json!({"status": s});
    let submitted = app.post(&format!("/api/v1/recognition-rules/{id}/status"), Some(&jxou), status("in_review")).await;
    assert_eq!(submitted.status, 200, "{}", submitted.text());
    assert_eq!(submitted.json["review_stage"], "province", "jxou sits at province level: no city review");
    // A city admin outside the chain does not see it; the platform cannot skip the province.
    assert_eq!(app.post(&format!("/api/v1/recognition-rules/{id}/status"), Some(&city), status("published")).await.status, 404);
    assert_eq!(app.post(&format!("/api/v1/recognition-rules/{id}/status"), Some(&admin), status("published")).await.status, 403);
    let approved = app.post(&format!("/api/v1/recognition-rules/{id}/status"), Some(&province), status("published")).await;
    assert_eq!(approved.json["status"], "in_review", "{}", approved.text());
    assert_eq!(approved.json["review_stage"], "platform");
    let published = app.post(&format!("/api/v1/recognition-rules/{id}/status"), Some(&admin), status("published")).await;
    assert_eq!(published.json["status"], "published", "{}", published.text());
    let reviews = app.get(&format!("/api/v1/recognition-rules/{id}/reviews"), None).await;
    let stages: Vec<&str> = reviews.json.as_array().unwrap().iter().filter_map(|r| r["stage"].as_str()).collect();
    assert_eq!(stages, ["province", "platform"], "{}", reviews.text());

    // Published is immutable; a new version replaces it once published.
    let frozen = app.put(&format!("/api/v1/recognition-rules/{id}"), Some(&jxou), body.clone()).await;
    assert_eq!(frozen.status, 409, "{}", frozen.text());
    assert_eq!(app.delete(&format!("/api/v1/recognition-rules/{id}"), Some(&jxou)).await.status, 409);
    let mut v2 = body.clone();
    v2["version"] = json!("2");
    let v2 = app.post("/api/v1/recognition-rules", Some(&jxou), v2).await;
    assert_eq!(v2.status, 201, "{}", v2.text());
    let v2_id = v2.json["id"].as_str().unwrap().to_string();
    for (who, s) in [(&jxou, "in_review"), (&province, "published"), (&admin, "published")] {
        let r = app.post(&format!("/api/v1/recognition-rules/{v2_id}/status"), Some(who), status(s)).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    assert_eq!(app.get(&format!("/api/v1/recognition-rules/{id}"), None).await.json["status"], "retired");
    assert_eq!(app.get("/api/v1/recognition-rules/JXOU-R-100", None).await.json["version"], "2");
    assert_eq!(app.get("/api/v1/recognition-rules/JXOU-R-100@1", None).await.json["status"], "retired");
    // A retired rule cannot come back.
    let back = app.post(&format!("/api/v1/recognition-rules/{id}/status"), Some(&jxou), status("draft")).await;
    assert_eq!(back.status, 409, "{}", back.text());
}

#[tokio::test]
async fn only_the_targets_owner_or_an_authority_of_its_region_writes_its_rules() {
    let (app, _) = TestApp::with_demo();
    let before = app.count("recognition_rules");
    let pxou = app.token_for("pxou-admin");
    let jxeval = app.token_for("jxeval-admin");
    let learner = app.token_for("learner-zhang");
    // Writing for another organisation: 403.
    let r = app
        .post("/api/v1/recognition-rules", Some(&pxou), rule("X-1", "jxou", "course:GYJQR-06", "exempt_course", &["course:ZNZZ-01"]))
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = app
        .post("/api/v1/recognition-rules", Some(&learner), rule("X-1", "jxou", "course:GYJQR-06", "exempt_course", &["course:ZNZZ-01"]))
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    // Its own organisation, but a target it does not own: 422 naming the target.
    let r = app
        .post("/api/v1/recognition-rules", Some(&pxou), rule("X-2", "pxou", "course:GYJQR-06", "exempt_course", &["course:ZNZZ-01"]))
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.error_fields(), ["target"]);
    let r = app
        .post(
            "/api/v1/recognition-rules",
            Some(&pxou),
            rule("X-3", "pxou", "standard:6-18-02-01:4", "assessment_eligibility", &["course:ZNZZ-01"]),
        )
        .await;
    assert_eq!(r.error_fields(), ["target"], "a college does not own an assessment: {}", r.text());
    let r = app
        .post(
            "/api/v1/recognition-rules",
            Some(&jxeval),
            rule("X-4", "jxeval", "course:ZNZZ-05", "exempt_course", &["standard:6-18-02-01:4"]),
        )
        .await;
    assert_eq!(r.error_fields(), ["target"], "{}", r.text());
    // A code belongs to one owner.
    let r = app
        .post(
            "/api/v1/recognition-rules",
            Some(&pxou),
            rule("JXOU-R-001", "pxou", "course:ZNZZ-05", "exempt_course", &["standard:6-18-02-01:4"]),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(app.count("recognition_rules"), before, "nothing stored on refusal");
    // The province's authority may own a rule on a course of its region; the evaluation
    // organisation one on a standard.
    let auth = app.token_for("jxauth-admin");
    let r = app
        .post(
            "/api/v1/recognition-rules",
            Some(&auth),
            rule("JXAUTH-1", "jxauth", "course:ZNZZ-05", "exempt_course", &["standard:6-18-02-01:3"]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = app
        .post(
            "/api/v1/recognition-rules",
            Some(&jxeval),
            rule("JXEVAL-9", "jxeval", "standard:6-31-01-10:4", "exempt_assessment_part:practical", &["course:GYJQR-04"]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    // Other tenants do not see these drafts.
    let listed = app.get("/api/v1/recognition-rules?status=draft", Some(&pxou)).await;
    assert_eq!(listed.json["total"], 0, "{}", listed.text());
}

#[tokio::test]
async fn rules_citing_unknown_or_unpublished_outcomes_are_refused_naming_the_field() {
    let (app, _) = TestApp::with_demo();
    let jxou = app.token_for("jxou-admin");
    let before = app.count("recognition_rules");
    // An unpublished course: a draft of jxou.
    let draft = json!({"code": "GYJQR-99", "title_zh": "草稿", "provider": "jxou", "hours": 8, "credits": 0.5});
    assert_eq!(app.post("/api/v1/courses", Some(&jxou), draft).await.status, 201);
    let cases: Vec<(Value, &str)> = vec![
        (rule("B-1", "jxou", "course:GYJQR-06", "exempt_course", &["course:NOPE-1"]), "sources[0].outcome"),
        (rule("B-2", "jxou", "course:GYJQR-06", "exempt_course", &["standard:9-99-99-99:4"]), "sources[0].outcome"),
        (rule("B-3", "jxou", "course:GYJQR-06", "exempt_course", &["course:GYJQR-99"]), "sources[0].outcome"),
        (rule("B-4", "jxou", "course:GYJQR-99", "exempt_course", &["course:GYJQR-01"]), "target"),
        (rule("B-5", "jxou", "course:GYJQR-06", "exempt_course", &["course:GYJQR-06"]), "sources[0].outcome"),
        (rule("B-6", "jxou", "course:GYJQR-06", "exempt_course", &[]), "sources"),
        (rule("B-7", "jxou", "course:GYJQR-06", "assessment_eligibility", &["course:GYJQR-01"]), "target"),
        (rule("B-8", "jxou", "course:GYJQR-06", "exempt_course", &["external:did:web:other.example#x"]), "sources[0].outcome"),
        (rule("B-9", "jxou", "course GYJQR-06", "exempt_course", &["course:GYJQR-01"]), "target"),
        (rule("B-10", "jxou", "course:GYJQR-06", "exempt_everything", &["course:GYJQR-01"]), "effect"),
    ];
    for (body, field) in cases {
        let r = app.post("/api/v1/recognition-rules", Some(&jxou), body.clone()).await;
        assert!(matches!(r.status.as_u16(), 400 | 422), "{body}: {}", r.text());
        assert!(r.error_fields().iter().any(|f| f == field), "{body}: expected {field}, got {}", r.text());
    }
    let mut bad = rule("B-11", "jxou", "course:GYJQR-06", "exempt_course", &["course:GYJQR-01"]);
    bad["sources"][0]["within_years"] = json!(0);
    bad["credits"] = json!(-1);
    bad["title"] = json!("a\u{0007}b");
    let r = app.post("/api/v1/recognition-rules", Some(&jxou), bad).await;
    assert!(matches!(r.status.as_u16(), 400 | 422), "{}", r.text());
    assert_eq!(app.count("recognition_rules"), before, "nothing stored on refusal");
}

const GOOD_CSV: &str = "规则编号,版本,所属机构,规则名称,目标成果,认定效力,来源成果,学分,自动认定\n\
    PX-R-1,1,pxou,铸造工证书免修熔炼与浇注,course:ZNZZ-03,免修,standard:6-18-02-01:4[years=3],,是\n\
    PX-R-2,1,pxou,铸造工证书免修造型与制芯,course:ZNZZ-02,exempt_course,standard:6-18-02-01:3,2,否\n";

#[tokio::test]
async fn a_rule_csv_is_imported_all_or_nothing_with_row_and_column_errors() {
    let (app, admin) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let before = app.count("recognition_rules");
    let bad = format!(
        "{GOOD_CSV}PX-R-3,1,pxou,未知来源,course:ZNZZ-04,免修,course:NOPE-9,,\n\
         PX-R-4,1,pxou,别人的课程,course:GYJQR-04,免修,standard:6-18-02-01:4,,\n\
         PX-R-5,1,pxou,坏效力,course:ZNZZ-04,全免,standard:6-18-02-01:4,,也许\n"
    );
    let r = app.post_bytes("/api/v1/imports/recognition-rules", Some(&pxou), "text/csv", bad.into_bytes()).await;
    assert_eq!(r.status, 422, "{}", r.text());
    let errors: Vec<(i64, &str)> =
        r.json["errors"].as_array().unwrap().iter().map(|e| (e["row"].as_i64().unwrap(), e["field"].as_str().unwrap())).collect();
    assert!(errors.contains(&(4, "来源成果")), "{errors:?}");
    assert!(errors.contains(&(5, "目标成果")), "{errors:?}");
    assert!(errors.contains(&(6, "认定效力")) && errors.contains(&(6, "自动认定")), "{errors:?}");
    assert!(errors.iter().all(|(row, _)| *row >= 4), "good rows carry no error: {errors:?}");
    assert_eq!(app.count("recognition_rules"), before, "a bad file stores nothing");

    // Another tenant's rows are row errors too.
    let jxou = app.token_for("jxou-admin");
    let r = app.post_bytes("/api/v1/imports/recognition-rules", Some(&jxou), "text/csv", GOOD_CSV.as_bytes().to_vec()).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json["errors"][0]["field"], "所属机构");
    // Only the platform publishes on import.
    let r = app.post_bytes("/api/v1/imports/recognition-rules?publish=true", Some(&pxou), "text/csv", GOOD_CSV.as_bytes().to_vec()).await;
    assert_eq!(r.status, 403, "{}", r.text());

    let r = app.post_bytes("/api/v1/imports/recognition-rules", Some(&pxou), "text/csv", GOOD_CSV.as_bytes().to_vec()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!((r.json["created"].as_i64(), r.json["rows_read"].as_i64()), (Some(2), Some(2)));
    let drafts = app.get("/api/v1/recognition-rules?owner=pxou&status=draft", Some(&pxou)).await;
    assert_eq!(drafts.json["total"], 2, "{}", drafts.text());
    assert_eq!(drafts.json["items"][0]["credits"], 3.0, "ZNZZ-03's credits: {}", drafts.text());
    // Importing again replaces the drafts.
    let r = app.post_bytes("/api/v1/imports/recognition-rules", Some(&pxou), "text/csv", GOOD_CSV.as_bytes().to_vec()).await;
    assert_eq!(r.json["updated"], 2, "{}", r.text());
    // The platform publishes directly, and the export carries them.
    let r = app.post_bytes("/api/v1/imports/recognition-rules?publish=true", Some(&admin), "text/csv", GOOD_CSV.as_bytes().to_vec()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let csv = app.get("/api/v1/exports/recognition-rules.csv", None).await;
    assert_eq!(csv.status, 200);
    assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
    let text = csv.text();
    assert_eq!(text.trim_end().lines().count(), 1 + 6, "{text}");
    assert!(text.contains("PX-R-1,1,pxou,") && text.contains("standard:6-18-02-01:4[years=3]"), "{text}");
    // What was exported imports again (as drafts of new versions would; here: nothing new).
    let published_again = app.post_bytes("/api/v1/imports/recognition-rules", Some(&pxou), "text/csv", csv.bytes.clone()).await;
    assert_eq!(published_again.status, 422, "published versions are never overwritten: {}", published_again.text());
    assert!(published_again.json["errors"].as_array().unwrap().iter().all(|e| e["field"] == "version" || e["field"] == "owner"));
}

#[tokio::test]
async fn published_rules_export_as_ctdl_transfer_value_profiles() {
    let (app, _) = TestApp::with_demo();
    let req = Request::builder()
        .method(Method::GET)
        .uri("/api/v1/recognition-rules/JXEVAL-R-001")
        .header(header::ACCEPT, "application/ld+json")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.content_type, "application/ld+json");
    let doc = &r.json;
    assert_eq!(doc["@context"]["ceterms"], "https://purl.org/ctdl/terms/");
    assert_eq!(doc["@type"], "ceterms:TransferValueProfile");
    assert_eq!(doc["ceterms:codedNotation"], "JXEVAL-R-001");
    assert_eq!(doc["ceterms:ownedBy"]["ceterms:codedNotation"], "jxeval");
    assert_eq!(doc["ceterms:transferValueFor"][0]["@type"], "ceterms:Certification");
    assert_eq!(doc["ceterms:transferValueFor"][0]["ceterms:occupationType"]["ceterms:codedNotation"], "6-18-02-01");
    let from = doc["ceterms:transferValueFrom"].as_array().unwrap();
    assert_eq!(from.len(), 5);
    assert!(from.iter().all(|s| s["@type"] == "ceterms:Course"), "{doc}");
    assert_eq!(from[0]["@id"], "https://rongtong.test/api/v1/courses/ZNZZ-01");
    assert_eq!(doc["rt:effect"], "assessment_eligibility");
    // The same by query parameter; the plain JSON view by default.
    let q = app.get("/api/v1/recognition-rules/JXEVAL-R-001?format=jsonld", None).await;
    assert_eq!(q.json["@type"], "ceterms:TransferValueProfile");
    assert_eq!(app.get("/api/v1/recognition-rules/JXEVAL-R-001", None).await.json["code"], "JXEVAL-R-001");
    assert_eq!(app.get("/api/v1/recognition-rules/JXEVAL-R-001?format=xml", None).await.status, 400);
    let graph = app.get("/api/v1/exports/recognition-rules.jsonld", None).await;
    assert_eq!(graph.status, 200, "{}", graph.text());
    assert_eq!(graph.json["@graph"].as_array().unwrap().len(), 4);
    let exempt = graph.json["@graph"].as_array().unwrap().iter().find(|r| r["ceterms:codedNotation"] == "JXOU-R-001").unwrap();
    assert_eq!(exempt["ceterms:transferValue"][0]["ceterms:value"], 2.5);
    assert_eq!(exempt["ceterms:transferValueFrom"][0]["rt:withinYears"], 5);
}
