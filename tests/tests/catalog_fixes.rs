//! Issue 8, "Matching and catalogue fixes found on real ESCO data": duplicate skills are
//! refused and near duplicates flagged, minted skill URIs resolve, a fresh database knows
//! China's regions, every list is a page, alignment takes a curriculum alone, and courses and
//! occupations carry a certificate validity.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use common::{CASTING, assert_envelope, course};
use rongtong_catalog::csvio::{SkillIndex, parse_courses};
use rongtong_tests::{BASE_URL, TestApp, TestResponse};
use serde_json::{Value, json};

/// Creates a local framework `code` as the Jiangxi province admin; returns the token.
async fn framework(app: &TestApp, code: &str) -> String {
    let jx = app.token_for("jx-admin");
    let fw =
        app.post("/api/v1/frameworks", Some(&jx), json!({"code": code, "kind": "local", "name": "江西测试框架", "version": "1"})).await;
    assert_eq!(fw.status, 201, "{}", fw.text());
    jx
}

fn skill(framework: &str, zh: &str, en: Option<&str>, alt: &[&str]) -> Value {
    json!({"framework": framework, "label_zh": zh, "label_en": en, "alt_labels": alt, "skill_type": "skill/competence"})
}

async fn get_accept(app: &TestApp, path: &str, accept: &str) -> TestResponse {
    app.send(Request::get(path).header(header::ACCEPT, accept).body(Body::empty()).unwrap()).await
}

// ---------------------------------------------------------------- duplicates

#[tokio::test]
async fn a_label_that_a_skill_of_the_framework_has_is_a_409_naming_that_skill() {
    let (app, _) = TestApp::with_demo();
    let jx = framework(&app, "jx-dup").await;
    let first = app.post("/api/v1/skills", Some(&jx), skill("jx-dup", "消失模铸造", Some("lost foam casting"), &["实型铸造"])).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let uri = first.json["uri"].as_str().unwrap().to_string();

    // Same label once normalised (blanks, case, punctuation, full-width), in each field.
    for (body, field) in [
        (skill("jx-dup", "消失模 铸造", None, &[]), "label_zh"),
        (skill("jx-dup", "气化模铸造", Some("Lost-Foam Casting"), &[]), "label_en"),
        (skill("jx-dup", "气化模铸造", None, &["实型 铸造"]), "alt_labels"),
    ] {
        let resp = app.post("/api/v1/skills", Some(&jx), body).await;
        assert_envelope(&resp, 409, "conflict");
        assert_eq!(resp.error_fields(), [field], "{}", resp.text());
        let detail = resp.json["errors"][0]["detail"].as_str().unwrap();
        assert!(detail.contains(&uri), "{detail}");
    }
    let detail = app.post("/api/v1/skills", Some(&jx), skill("jx-dup", "消失模铸造", None, &[])).await.json["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(detail.contains("消失模铸造") && detail.contains(&uri), "{detail}");
    assert_eq!(app.get("/api/v1/skills?framework=jx-dup", None).await.json["total"], 1);

    // Another framework may have the same label.
    framework(&app, "jx-other").await;
    let elsewhere = app.post("/api/v1/skills", Some(&jx), skill("jx-other", "消失模铸造", None, &[])).await;
    assert_eq!(elsewhere.status, 201, "{}", elsewhere.text());

    // Changing a skill: its own labels are no duplicate, another skill's are.
    let id = first.json["id"].as_str().unwrap();
    let same = app.put(&format!("/api/v1/skills/{id}"), Some(&jx), skill("jx-dup", "消失模铸造", Some("lost foam casting"), &[])).await;
    assert_eq!(same.status, 200, "{}", same.text());
    let second = app.post("/api/v1/skills", Some(&jx), skill("jx-dup", "压力铸造", None, &[])).await;
    assert_eq!(second.status, 201, "{}", second.text());
    let second_id = second.json["id"].as_str().unwrap();
    let clash =
        app.put(&format!("/api/v1/skills/{second_id}"), Some(&jx), skill("jx-dup", "压力铸造", Some("LOST FOAM CASTING"), &[])).await;
    assert_envelope(&clash, 409, "conflict");
    assert_eq!(clash.error_fields(), ["label_en"]);
}

#[tokio::test]
async fn a_near_duplicate_is_stored_and_returned_with_a_warning() {
    let (app, _) = TestApp::with_demo();
    let jx = framework(&app, "jx-near").await;
    let first = app.post("/api/v1/skills", Some(&jx), skill("jx-near", "浇注金属液", Some("pour molten metal into moulds"), &[])).await;
    assert_eq!(first.status, 201);
    assert!(first.json.get("warnings").is_none(), "no warnings key without candidates: {}", first.text());
    let existing = first.json["uri"].as_str().unwrap();

    let near = app.post("/api/v1/skills", Some(&jx), skill("jx-near", "浇铸金属液", None, &[])).await;
    assert_eq!(near.status, 201, "{}", near.text());
    assert_eq!(near.json["label_zh"], "浇铸金属液", "the skill view is the body");
    let warnings = near.json["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{}", near.text());
    let w = &warnings[0];
    assert_eq!(
        (w["existing_uri"].as_str(), w["existing_label"].as_str(), w["label"].as_str()),
        (Some(existing), Some("浇注金属液"), Some("浇铸金属液"))
    );
    let similarity = w["similarity"].as_f64().unwrap();
    assert!((rongtong_catalog::NEAR_DUPLICATE_THRESHOLD..1.0).contains(&similarity), "{similarity}");
    // Stored.
    let id = near.json["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/api/v1/skills/{id}"), None).await.status, 200);
    // Distinct skills are not flagged ("焊接" and "钎焊" look alike and are different).
    let weld = app.post("/api/v1/skills", Some(&jx), skill("jx-near", "焊接", None, &[])).await;
    let braze = app.post("/api/v1/skills", Some(&jx), skill("jx-near", "钎焊", None, &[])).await;
    assert!(weld.json.get("warnings").is_none() && braze.json.get("warnings").is_none(), "{}", braze.text());
}

#[tokio::test]
async fn reimporting_esco_updates_by_uri_and_is_no_duplicate() {
    let (app, admin) = TestApp::with_demo();
    let skills = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../registry/demo/esco-sample/skills_en.csv")).unwrap();
    let boundary = "XyZ";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"skills_en.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&skills);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let resp = app.post_bytes("/api/v1/imports/esco", Some(&admin), &format!("multipart/form-data; boundary={boundary}"), body).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!((resp.json["skills_created"].as_u64(), resp.json["skills_updated"].as_u64()), (Some(0), Some(26)));
}

// ---------------------------------------------------------------- minted URIs

#[tokio::test]
async fn a_minted_skill_uri_resolves_to_json_ld_and_to_html() {
    let (app, _) = TestApp::with_demo();
    let jx = framework(&app, "jx-uri").await;
    let created = app.post("/api/v1/skills", Some(&jx), skill("jx-uri", "型砂<检验>", Some("sand testing & control"), &["型砂检测"])).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let uri = created.json["uri"].as_str().unwrap().to_string();
    let path = uri.strip_prefix(BASE_URL).expect("minted under the base URL").to_string();
    assert!(path.starts_with("/skills/"), "{path}");

    for accept in ["application/ld+json", "*/*", "application/json"] {
        let ld = get_accept(&app, &path, accept).await;
        assert_eq!(ld.status, 200, "{accept}: {}", ld.text());
        assert_eq!(ld.content_type, "application/ld+json", "{accept}");
        let doc = &ld.json;
        assert_eq!(doc["@context"]["skos"], "http://www.w3.org/2004/02/skos/core#");
        assert_eq!(doc["@id"], uri.as_str());
        assert_eq!(doc["@type"], "skos:Concept");
        assert_eq!(doc["prefLabel"], json!({"zh": "型砂<检验>", "en": "sand testing & control"}));
        assert_eq!(doc["altLabel"], json!(["型砂检测"]));
        assert_eq!(doc["inScheme"], format!("{BASE_URL}/frameworks/jx-uri"));
    }
    let no_accept = app.get(&path, None).await;
    assert_eq!(no_accept.content_type, "application/ld+json");

    let html = get_accept(&app, &path, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8").await;
    assert_eq!(html.status, 200);
    assert!(html.content_type.starts_with("text/html"), "{}", html.content_type);
    let page = html.text();
    assert!(page.contains("型砂&lt;检验&gt;") && page.contains("sand testing &amp; control"), "{page}");
    assert!(!page.contains("<检验>"), "labels are escaped");
    assert!(page.contains(&uri));
    // `?format=jsonld` wins over a browser's Accept.
    let forced = get_accept(&app, &format!("{path}?format=jsonld"), "text/html").await;
    assert_eq!(forced.content_type, "application/ld+json");

    // An ESCO skill by its id: @id is its own URI, inScheme the ESCO scheme.
    let esco = app.get(&format!("/api/v1/skills/{}", rongtong_tests::enc(CASTING)), None).await;
    let esco_doc = app.get(&format!("/skills/{}", esco.json["id"].as_str().unwrap()), None).await;
    assert_eq!(esco_doc.json["@id"], CASTING);
    assert_eq!(esco_doc.json["inScheme"], "http://data.europa.eu/esco/concept-scheme/skills");

    assert_envelope(&app.get("/skills/no-such-skill", None).await, 404, "not_found");
    assert_envelope(&get_accept(&app, "/skills/no-such-skill", "text/html").await, 404, "not_found");
}

// ---------------------------------------------------------------- regions

#[tokio::test]
async fn a_fresh_database_knows_the_provinces_and_prefecture_level_cities() {
    let app = TestApp::new();
    let shenzhen = app.get("/api/v1/regions/440300", None).await;
    assert_eq!(shenzhen.status, 200, "{}", shenzhen.text());
    assert_eq!(
        (shenzhen.json["name_zh"].as_str(), shenzhen.json["level"].as_str(), shenzhen.json["parent"].as_str()),
        (Some("深圳市"), Some("city"), Some("440000"))
    );
    assert_eq!(app.get("/api/v1/regions/440000", None).await.json["name_zh"], "广东省");
    let all = app.get("/api/v1/regions?per_page=500", None).await;
    assert_eq!(all.json["total"], 367, "34 provinces and 333 prefecture-level divisions");
    assert_eq!(app.count("regions"), 367);
    // Idempotent: migrating again seeds nothing and keeps what is there.
    let report = app.db.migrate().unwrap();
    assert_eq!((report.applied.len(), report.regions_seeded), (0, 0));
    assert_eq!(app.count("regions"), 367);
}

#[tokio::test]
async fn the_demo_seeds_over_the_regions_and_adds_english_names() {
    let (app, _) = TestApp::with_demo();
    assert_eq!(app.count("regions"), 367);
    let nanchang = app.get("/api/v1/regions/360100", None).await.json;
    assert_eq!((nanchang["name_zh"].as_str(), nanchang["name_en"].as_str()), (Some("南昌市"), Some("Nanchang")));
    // A region the demo does not name keeps its seeded row.
    assert_eq!(app.get("/api/v1/regions/360200", None).await.json["name_zh"], "景德镇市");
}

// ---------------------------------------------------------------- pages

#[tokio::test]
async fn curricula_and_regions_are_pages_like_every_other_list() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let body = json!({"code": "ZNZZ-CERT", "title_zh": "智能铸造微专业", "provider": "pxou", "modules": ["ZNZZ-01", "ZNZZ-02"]});
    assert_eq!(app.post("/api/v1/curricula", Some(&pxou), body).await.status, 201);

    let curricula = app.get("/api/v1/curricula", None).await;
    assert_eq!(curricula.status, 200, "{}", curricula.text());
    assert_eq!(
        (curricula.json["total"].as_i64(), curricula.json["page"].as_i64(), curricula.json["per_page"].as_i64()),
        (Some(1), Some(1), Some(50))
    );
    assert_eq!(curricula.json["items"][0]["code"], "ZNZZ-CERT");
    let past_the_end = app.get("/api/v1/curricula?page=2&per_page=1", None).await;
    assert_eq!((past_the_end.json["items"].as_array().map(Vec::len), past_the_end.json["total"].as_i64()), (Some(0), Some(1)));

    let regions = app.get("/api/v1/regions?page=2&per_page=10", None).await;
    assert_eq!(regions.status, 200, "{}", regions.text());
    assert_eq!(
        (regions.json["total"].as_i64(), regions.json["page"].as_i64(), regions.json["per_page"].as_i64()),
        (Some(367), Some(2), Some(10))
    );
    assert_eq!(regions.json["items"].as_array().unwrap().len(), 10);
    let jiangxi = app.get("/api/v1/regions?parent=360000", None).await;
    assert_eq!(jiangxi.json["total"], 11);
    assert_envelope(&app.get("/api/v1/regions?per_page=0", None).await, 400, "bad_request");
    assert_envelope(&app.get("/api/v1/curricula?page=0", None).await, 400, "bad_request");
}

// ---------------------------------------------------------------- alignment

#[tokio::test]
async fn alignment_takes_a_curriculum_alone_and_uses_its_provider() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let body = json!({"code": "ZNZZ-CERT", "title_zh": "智能铸造微专业", "provider": "pxou", "modules": ["ZNZZ-01", "ZNZZ-02"]});
    let created = app.post("/api/v1/curricula", Some(&pxou), body).await;
    let id = created.json["id"].as_str().unwrap();
    let resp = app.get(&format!("/api/v1/matching/alignment?curriculum={id}"), None).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    // pxou is in Pingxiang: its city is the default region.
    assert_eq!(resp.json["result"]["region"], "360300");
    assert_eq!(resp.json["result"]["courses"].as_array().unwrap().len(), 2, "{}", resp.text());
    let unknown = app.get("/api/v1/matching/alignment?curriculum=nope", None).await;
    assert_envelope(&unknown, 422, "validation");
    assert_eq!(unknown.error_fields(), ["curriculum"]);
}

// ---------------------------------------------------------------- valid_months

#[tokio::test]
async fn a_course_validity_round_trips_through_the_api() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let mut body = course("VM-01", "pxou");
    body["valid_months"] = json!(24);
    let created = app.post("/api/v1/courses", Some(&pxou), body.clone()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json["valid_months"], 24);
    let id = created.json["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/api/v1/courses/{id}"), Some(&pxou)).await.json["valid_months"], 24);
    body["valid_months"] = json!(36);
    assert_eq!(app.put(&format!("/api/v1/courses/{id}"), Some(&pxou), body.clone()).await.json["valid_months"], 36);
    body.as_object_mut().unwrap().remove("valid_months");
    let cleared = app.put(&format!("/api/v1/courses/{id}"), Some(&pxou), body.clone()).await;
    assert_eq!(cleared.status, 200, "{}", cleared.text());
    assert_eq!(cleared.json["valid_months"], Value::Null);
    for bad in [0, 601] {
        body["valid_months"] = json!(bad);
        let resp = app.put(&format!("/api/v1/courses/{id}"), Some(&pxou), body.clone()).await;
        assert_envelope(&resp, 422, "validation");
        assert_eq!(resp.error_fields(), ["valid_months"]);
    }
}

#[tokio::test]
async fn an_occupation_validity_round_trips_through_the_api() {
    let (app, admin) = TestApp::with_demo();
    let body = json!({"code": "6-18-02-09", "label_zh": "有效期测试工", "valid_months": 60,
        "skills": [{"skill": CASTING, "kind": "essential", "min_level": 4}]});
    let created = app.post("/api/v1/occupations", Some(&admin), body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json["valid_months"], 60);
    let read = app.get(&format!("/api/v1/occupations/{}", created.json["id"].as_str().unwrap()), None).await;
    assert_eq!(read.json["valid_months"], 60);
    let listed = app.get("/api/v1/occupations?q=6-18-02-09", None).await;
    assert_eq!(listed.json["items"][0]["valid_months"], 60);
    let bad = app.post("/api/v1/occupations", Some(&admin), json!({"label_zh": "太久", "valid_months": 601})).await;
    assert_envelope(&bad, 422, "validation");
    assert_eq!(bad.error_fields(), ["valid_months"]);
}

#[tokio::test]
async fn a_course_validity_round_trips_through_csv_with_chinese_or_english_headers() {
    let (app, admin) = TestApp::with_demo();
    let csv = "课程代码,课程名称,提供机构,学时,学分,技能,有效期（月）\nVM-CSV-1,有效期课程一,pxou,8,0.5,铸造工艺@4,24\nVM-CSV-2,有效期课程二,pxou,8,0.5,铸造工艺@4,\n";
    let resp = app.post_bytes("/api/v1/imports/courses?publish=true", Some(&admin), "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(app.get("/api/v1/courses/VM-CSV-1", None).await.json["valid_months"], 24);
    assert_eq!(app.get("/api/v1/courses/VM-CSV-2", None).await.json["valid_months"], Value::Null);

    let export = app.get("/api/v1/exports/courses.csv?provider=pxou", None).await;
    let text = export.text();
    let header = text.lines().next().unwrap();
    assert!(header.ends_with(",delivery_mode,valid_months"), "{header}");
    let mut index = SkillIndex::new();
    index.insert(CASTING, Some("铸造工艺"), Some("casting processes"));
    let parsed = parse_courses(&export.bytes, &index).unwrap();
    let months: Vec<(String, Option<u32>)> =
        parsed.rows.iter().filter(|(_, c)| c.code.starts_with("VM-")).map(|(_, c)| (c.code.clone(), c.valid_months)).collect();
    assert_eq!(months, [("VM-CSV-1".to_string(), Some(24)), ("VM-CSV-2".to_string(), None)]);

    let bad = "code,title_zh,provider,hours,credits,valid_months\nVM-CSV-3,坏有效期,pxou,8,0.5,0\n";
    let resp = app.post_bytes("/api/v1/imports/courses", Some(&admin), "text/csv", bad.as_bytes().to_vec()).await;
    assert_envelope(&resp, 422, "csv_row");
    assert_eq!(resp.json["errors"][0]["field"], "valid_months", "{}", resp.text());
}
