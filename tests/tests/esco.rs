//! ESCO import through the API: a multipart upload of the official CSV files.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use common::{CASTING, POUR, ROBOTIC_COMPONENTS, ROBOTICS, assert_envelope};
use rongtong_registry::auth::Role;
use rongtong_tests::{TestApp, TestResponse, enc};
use serde_json::{Value, json};

const SKILLS: (&str, &[u8]) = ("skills_en.csv", include_bytes!("../../registry/demo/esco-sample/skills_en.csv"));
const OCCUPATIONS: (&str, &[u8]) = ("occupations_en.csv", include_bytes!("../../registry/demo/esco-sample/occupations_en.csv"));
const OCCUPATION_SKILLS: (&str, &[u8]) =
    ("occupationSkillRelations_en.csv", include_bytes!("../../catalog/tests/data/occupationSkillRelations_en.csv"));
const BROADER: (&str, &[u8]) =
    ("broaderRelationsSkillPillar_en.csv", include_bytes!("../../catalog/tests/data/broaderRelationsSkillPillar_en.csv"));
const SKILL_SKILL: (&str, &[u8]) = ("skillSkillRelations_en.csv", include_bytes!("../../catalog/tests/data/skillSkillRelations_en.csv"));
const ALL: [(&str, &[u8]); 5] = [SKILLS, OCCUPATIONS, OCCUPATION_SKILLS, BROADER, SKILL_SKILL];

const BOUNDARY: &str = "----rongtong-esco-test-7MA4YWxkTrZu0gW";
const CASTING_MACHINE_OPERATOR: &str = "http://data.europa.eu/esco/occupation/25206eaa-04da-4fd6-bac7-173d7eb142dc";
const MEASURE_FURNACE: &str = "http://data.europa.eu/esco/skill/1a0d7ac7-71d6-4efd-84d3-199f88821bc3";
const MAINTAIN_FURNACE: &str = "http://data.europa.eu/esco/skill/1e82d6b1-9f46-498e-a53e-d9aa7ebbae50";
const MAINTAIN_ROBOTS: &str = "http://data.europa.eu/esco/skill/7341904f-5913-470c-8c53-bc832df248ec";

/// A `multipart/form-data` body with one file part per `(file name, bytes)`, written by hand.
fn multipart(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(app: &TestApp, token: Option<&str>, files: &[(&str, &[u8])]) -> TestResponse {
    let mut req = Request::post("/api/v1/imports/esco").header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"));
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    app.send(req.body(Body::from(multipart(files))).expect("request")).await
}

fn counts(app: &TestApp) -> [i64; 5] {
    ["frameworks", "skills", "occupations", "occupation_skills", "skill_relations"].map(|t| app.count(t))
}

/// The report without the file list, as `(key, number)` pairs.
fn numbers(report: &Value) -> Value {
    json!({
        "skills_created": report["skills_created"], "skills_updated": report["skills_updated"],
        "occupations_created": report["occupations_created"], "occupations_updated": report["occupations_updated"],
        "relations_added": report["relations_added"], "skipped": report["skipped"],
    })
}

#[tokio::test]
async fn an_esco_upload_imports_skills_occupations_and_relations() {
    let app = TestApp::new();
    let admin = app.user_with_token("root", Role::PlatformAdmin, None, None);
    let resp = upload(&app, Some(&admin), &ALL).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    let mut files: Vec<&str> = resp.json["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    files.sort_unstable();
    let mut expected: Vec<&str> = ALL.iter().map(|(n, _)| *n).collect();
    expected.sort_unstable();
    assert_eq!(files, expected);
    // 26 skills, 5 occupations; 2 skill→skill broader rows (3 rows with skill groups skipped)
    // and 4 related rows.
    assert_eq!(
        numbers(&resp.json),
        json!({"skills_created": 26, "skills_updated": 0, "occupations_created": 5, "occupations_updated": 0, "relations_added": 6, "skipped": 3})
    );
    // 20 occupation–skill rows, one of them a duplicate (essential and optional): 19 requirements.
    assert_eq!(counts(&app), [1, 26, 5, 19, 6]);
    let frameworks = app.get("/api/v1/frameworks", None).await;
    assert_eq!(frameworks.json[0]["code"], "esco");
    let skill = app.get(&format!("/api/v1/skills/{}", enc(CASTING)), None).await;
    assert_eq!(
        (skill.json["label_en"].as_str(), skill.json["framework"].as_str(), skill.json["skill_type"].as_str()),
        (Some("casting processes"), Some("esco"), Some("knowledge"))
    );
}

#[tokio::test]
async fn imported_occupations_get_their_requirements() {
    let app = TestApp::new();
    let admin = app.user_with_token("root", Role::PlatformAdmin, None, None);
    assert_eq!(upload(&app, Some(&admin), &ALL).await.status, 200);
    let occ = app.get(&format!("/api/v1/occupations/{}", enc(CASTING_MACHINE_OPERATOR)), None).await;
    assert_eq!(occ.status, 200, "{}", occ.text());
    assert_eq!(occ.json["label_en"], "casting machine operator");
    let reqs: Vec<(&str, &str, u64)> = occ.json["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["skill"].as_str().unwrap(), s["kind"].as_str().unwrap(), s["min_level"].as_u64().unwrap()))
        .collect();
    // Listed both essential and optional: essential wins. ESCO has no levels: 4 by default.
    assert_eq!(reqs.len(), 5, "{reqs:?}");
    assert!(reqs.contains(&(CASTING, "essential", 4)), "{reqs:?}");
    assert!(reqs.contains(&(POUR, "essential", 4)), "{reqs:?}");
    assert_eq!(reqs.iter().filter(|r| r.1 == "optional").count(), 1, "{reqs:?}");
    assert!(reqs.iter().all(|r| r.2 == 4));
    let listed = app.get("/api/v1/occupations", None).await;
    assert_eq!(listed.json["total"], 5);
}

#[tokio::test]
async fn broader_and_related_relations_are_visible_on_the_skills() {
    let app = TestApp::new();
    let admin = app.user_with_token("root", Role::PlatformAdmin, None, None);
    assert_eq!(upload(&app, Some(&admin), &ALL).await.status, 200);
    let app = &app;
    let relations = |uri: &str| {
        let path = format!("/api/v1/skills/{}/relations", enc(uri));
        async move { app.get(&path, None).await.json }
    };
    assert_eq!(relations(MEASURE_FURNACE).await, json!([{"from": MEASURE_FURNACE, "kind": "broader", "to": MAINTAIN_FURNACE}]));
    assert_eq!(
        relations(ROBOTIC_COMPONENTS).await,
        json!([
            {"from": ROBOTIC_COMPONENTS, "kind": "broader", "to": ROBOTICS},
            {"from": MAINTAIN_ROBOTS, "kind": "related", "to": ROBOTIC_COMPONENTS},
        ])
    );
    // A skill whose only broader concept is a skill group gets none.
    let casting = relations(CASTING).await;
    assert!(casting.as_array().unwrap().iter().all(|r| r["kind"] == "related"), "{casting}");
}

#[tokio::test]
async fn reimporting_the_same_files_changes_nothing() {
    let app = TestApp::new();
    let admin = app.user_with_token("root", Role::PlatformAdmin, None, None);
    assert_eq!(upload(&app, Some(&admin), &ALL).await.status, 200);
    let before = counts(&app);
    let occupation_before = app.get(&format!("/api/v1/occupations/{}", enc(CASTING_MACHINE_OPERATOR)), None).await.json;
    let again = upload(&app, Some(&admin), &ALL).await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(
        numbers(&again.json),
        json!({"skills_created": 0, "skills_updated": 26, "occupations_created": 0, "occupations_updated": 5, "relations_added": 0, "skipped": 3})
    );
    assert_eq!(counts(&app), before);
    assert_eq!(app.get(&format!("/api/v1/occupations/{}", enc(CASTING_MACHINE_OPERATOR)), None).await.json, occupation_before);
}

#[tokio::test]
async fn an_esco_update_keeps_the_chinese_labels_and_codes_added_here() {
    let (app, admin) = TestApp::with_demo();
    let skill_path = format!("/api/v1/skills/{}", enc(CASTING));
    let skill_before = app.get(&skill_path, None).await.json;
    assert_eq!(skill_before["label_zh"], "铸造工艺");
    let occupation_before = app.get("/api/v1/occupations/6-18-02-01", None).await.json;
    assert_eq!(occupation_before["label_zh"], "铸造工");
    let before = counts(&app);

    // The demo already holds the ESCO sample; uploading it again (e.g. a new ESCO release)
    // must not wipe the project's Chinese translations or the 职业分类大典 codes.
    let resp = upload(&app, Some(&admin), &[SKILLS, OCCUPATIONS]).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!((resp.json["skills_created"].as_u64(), resp.json["skills_updated"].as_u64()), (Some(0), Some(26)));
    assert_eq!(app.get(&skill_path, None).await.json, skill_before);
    assert_eq!(app.get("/api/v1/occupations/6-18-02-01", None).await.json, occupation_before);
    let zh = app.get(&format!("/api/v1/skills?q={}", enc("铸造工艺")), None).await;
    assert_eq!(zh.json["items"][0]["uri"], CASTING, "{}", zh.text());
    assert_eq!(counts(&app), before);

    // Relation files alone add to the catalog already there.
    let resp = upload(&app, Some(&admin), &[BROADER, SKILL_SKILL]).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json["relations_added"], 6);
}

#[tokio::test]
async fn only_catalog_editors_may_import_esco() {
    let (app, _) = TestApp::with_demo();
    let before = counts(&app);
    for who in ["px-admin", "pxou-admin", "learner-li"] {
        let resp = upload(&app, Some(&app.token_for(who)), &ALL).await;
        assert_envelope(&resp, 403, "forbidden");
    }
    assert_envelope(&upload(&app, None, &ALL).await, 401, "unauthorized");
    assert_eq!(counts(&app), before);
    let resp = upload(&app, Some(&app.token_for("jx-admin")), &ALL).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
}

#[tokio::test]
async fn a_bad_esco_upload_is_422_and_stores_nothing() {
    let app = TestApp::new();
    let admin = app.user_with_token("root", Role::PlatformAdmin, None, None);
    let resp = upload(&app, Some(&admin), &[SKILLS, ("skills_fr.csv", b"x")]).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["skills_fr.csv"], "{}", resp.text());
    let resp = upload(&app, Some(&admin), &[]).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["body"], "{}", resp.text());
    // Occupation–skill relations need their occupations.
    let resp = upload(&app, Some(&admin), &[SKILLS, OCCUPATION_SKILLS]).await;
    assert_envelope(&resp, 422, "validation");
    assert!(resp.text().contains("occupations_en.csv"), "{}", resp.text());
    // A relation to a skill that is not in the uploaded skills file is a row error.
    let broken = b"conceptType,conceptUri,broaderType,broaderUri\nKnowledgeSkillCompetence,http://data.europa.eu/esco/skill/e17d2415-e79f-4907-908e-5511b515fa3c,KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/nope\n";
    let resp = upload(&app, Some(&admin), &[SKILLS, ("broaderRelationsSkillPillar_en.csv", broken)]).await;
    assert_envelope(&resp, 422, "csv_row");
    assert_eq!(resp.json["errors"][0]["row"], 2, "{}", resp.text());
    assert_eq!(resp.json["errors"][0]["field"], "broaderRelationsSkillPillar_en.csv: broaderUri", "{}", resp.text());
    assert_eq!(counts(&app), [0, 0, 0, 0, 0]);
    // Not multipart at all.
    let resp = app.post_bytes("/api/v1/imports/esco", Some(&admin), "text/csv", SKILLS.1.to_vec()).await;
    assert_envelope(&resp, 400, "bad_request");
    assert_eq!(resp.error_fields(), ["body"], "{}", resp.text());
}
