//! CRUD and validation through the API: every refusal names its field, lists page and filter.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

mod common;

use common::{CASTING, POUR, ROBOTICS, SAFETY, assert_envelope, course, demand_list, demo_list_id, item_strings, organization, uscc};
use rongtong_tests::{BASE_URL, TestApp, enc};
use serde_json::json;

// ---------------------------------------------------------------- course validation

#[tokio::test]
async fn a_course_with_bad_fields_is_422_naming_each_field() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let before = app.count("courses");
    let mut body = course("PX-BAD-01", "pxou");
    body["hours"] = json!(-3);
    body["credits"] = json!(5000);
    body["title_zh"] = json!("  ");
    body["skills"] = json!([{"skill": CASTING, "level": 4, "weight": 2.5}]);
    body["prerequisites"] = json!(["not a code!"]);
    let resp = app.post("/api/v1/courses", Some(&pxou), body).await;
    assert_envelope(&resp, 422, "validation");
    let mut fields = resp.error_fields();
    fields.sort();
    assert_eq!(fields, ["credits", "hours", "prerequisites[0]", "skills[0].weight", "title_zh"], "{}", resp.text());
    assert_eq!(app.count("courses"), before);
}

#[tokio::test]
async fn a_course_teaching_an_unknown_skill_uri_is_422_naming_the_skill() {
    let (app, _) = TestApp::with_demo();
    let mut body = course("PX-BAD-02", "pxou");
    body["skills"] = json!([{"skill": CASTING, "level": 4}, {"skill": "http://data.europa.eu/esco/skill/no-such-skill", "level": 4}]);
    let resp = app.post("/api/v1/courses", Some(&app.token_for("pxou-admin")), body).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["skills[1].skill"], "{}", resp.text());
}

#[tokio::test]
async fn a_course_skill_level_outside_1_to_5_is_422_naming_the_level() {
    let (app, _) = TestApp::with_demo();
    for level in [json!(0), json!(6), json!("高级"), json!(-1)] {
        let mut body = course("PX-BAD-03", "pxou");
        body["skills"] = json!([{"skill": CASTING, "level": level}]);
        let resp = app.post("/api/v1/courses", Some(&app.token_for("pxou-admin")), body).await;
        assert_envelope(&resp, 422, "validation");
        assert_eq!(resp.error_fields(), ["skills[0].level"], "level {level}: {}", resp.text());
    }
}

#[tokio::test]
async fn a_course_with_an_unknown_prerequisite_is_422_naming_it() {
    let (app, _) = TestApp::with_demo();
    let mut body = course("PX-BAD-04", "pxou");
    body["prerequisites"] = json!(["ZNZZ-01", "ZNZZ-99"]);
    let resp = app.post("/api/v1/courses", Some(&app.token_for("pxou-admin")), body).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["prerequisites[1]"], "{}", resp.text());
}

#[tokio::test]
async fn a_prerequisite_cycle_is_422() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    // A ← B ← C, then A is edited to require C.
    assert_eq!(app.post("/api/v1/courses", Some(&pxou), course("CYC-A", "pxou")).await.status, 201);
    let mut b = course("CYC-B", "pxou");
    b["prerequisites"] = json!(["CYC-A"]);
    assert_eq!(app.post("/api/v1/courses", Some(&pxou), b).await.status, 201);
    let mut c = course("CYC-C", "pxou");
    c["prerequisites"] = json!(["CYC-B"]);
    assert_eq!(app.post("/api/v1/courses", Some(&pxou), c).await.status, 201);
    let mut a = course("CYC-A", "pxou");
    a["prerequisites"] = json!(["CYC-C"]);
    let resp = app.put("/api/v1/courses/CYC-A", Some(&pxou), a).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["prerequisites"], "{}", resp.text());
    assert_eq!(app.get("/api/v1/courses/CYC-A", Some(&pxou)).await.json["prerequisites"], json!([]));
    // A course requiring itself directly.
    let mut own = course("CYC-D", "pxou");
    own["prerequisites"] = json!(["CYC-D"]);
    let resp = app.post("/api/v1/courses", Some(&pxou), own).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["prerequisites[0]"], "{}", resp.text());
}

#[tokio::test]
async fn a_duplicate_course_version_is_409_naming_code() {
    let (app, _) = TestApp::with_demo();
    let resp = app
        .post("/api/v1/courses", Some(&app.token_for("pxou-admin")), {
            let mut b = course("ZNZZ-01", "pxou");
            b["version"] = json!("2026.1");
            b
        })
        .await;
    assert_envelope(&resp, 409, "conflict");
    assert_eq!(resp.error_fields(), ["code"], "{}", resp.text());
}

#[tokio::test]
async fn drafts_are_deleted_and_published_courses_are_not() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    assert_eq!(app.post("/api/v1/courses", Some(&pxou), course("PX-DEL-01", "pxou")).await.status, 201);
    let before = app.count("courses");
    assert_eq!(app.delete("/api/v1/courses/PX-DEL-01", Some(&pxou)).await.status, 204);
    assert_eq!(app.count("courses"), before - 1);
    assert_envelope(&app.get("/api/v1/courses/PX-DEL-01", Some(&pxou)).await, 404, "not_found");
    let resp = app.delete("/api/v1/courses/ZNZZ-01", Some(&pxou)).await;
    assert_envelope(&resp, 409, "conflict");
    assert_eq!(app.count("courses"), before - 1);
}

// ---------------------------------------------------------------- malformed requests

#[tokio::test]
async fn malformed_json_is_400_in_the_envelope_never_500() {
    let (app, token) = TestApp::with_demo();
    let cases: [(&str, Option<&str>, &[u8]); 5] = [
        ("/api/v1/courses", Some("application/json"), b"{\"code\": \"X\", "),
        ("/api/v1/courses", Some("application/json"), b"not json at all"),
        ("/api/v1/courses", Some("application/json"), b""),
        ("/api/v1/demand-lists", Some("application/json"), b"{\"title\": }"),
        ("/api/v1/organizations", None, b"{}"),
    ];
    for (path, ct, body) in cases {
        let resp = app.request(axum::http::Method::POST, path, Some(&token), ct, body.to_vec()).await;
        assert_envelope(&resp, 400, "bad_request");
        assert_eq!(resp.error_fields(), ["body"], "{path} {:?}: {}", String::from_utf8_lossy(body), resp.text());
    }
}

#[tokio::test]
async fn a_json_value_of_the_wrong_type_is_422_naming_the_field() {
    let (app, _) = TestApp::with_demo();
    let mut body = course("PX-BAD-05", "pxou");
    body["hours"] = json!("forty");
    let resp = app.post("/api/v1/courses", Some(&app.token_for("pxou-admin")), body).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["hours"], "{}", resp.text());

    let mut list = demand_list("x", "pxcast", "360300");
    list["items"][0]["headcount"] = json!(-2);
    let resp = app.post("/api/v1/demand-lists", Some(&app.token_for("pxcast-admin")), list).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["items[0].headcount"], "{}", resp.text());
}

#[tokio::test]
async fn an_unknown_route_is_404_in_the_envelope() {
    let (app, _) = TestApp::with_demo();
    for path in ["/api/v1/nope", "/api/v2/courses", "/no-such-page", "/api/v1/courses/ZNZZ-01/nope"] {
        let resp = app.get(path, None).await;
        assert_envelope(&resp, 404, "not_found");
        assert_eq!(resp.json["errors"][0]["detail"], "route not found", "{path}");
    }
}

#[tokio::test]
async fn an_unknown_method_on_a_known_route_is_405_in_the_envelope() {
    let (app, token) = TestApp::with_demo();
    let resp = app.request(axum::http::Method::PATCH, "/api/v1/courses", Some(&token), None, vec![]).await;
    assert_envelope(&resp, 405, "method_not_allowed");
    let resp = app.delete("/api/v1/health", None).await;
    assert_envelope(&resp, 405, "method_not_allowed");
}

#[tokio::test]
async fn bad_query_parameters_are_400_naming_them() {
    let (app, _) = TestApp::with_demo();
    for (path, field) in [
        ("/api/v1/courses?page=0", "page"),
        ("/api/v1/courses?per_page=501", "per_page"),
        ("/api/v1/demand-lists?per_page=0", "per_page"),
        ("/api/v1/courses?provider=nosuch", "provider"),
        ("/api/v1/skills?framework=nosuch", "framework"),
    ] {
        let resp = app.get(path, None).await;
        assert_envelope(&resp, 400, "bad_request");
        assert_eq!(resp.error_fields(), [field], "{path}: {}", resp.text());
    }
    // A value that does not parse at all.
    assert_envelope(&app.get("/api/v1/courses?page=two", None).await, 400, "bad_request");
    assert_envelope(&app.get("/api/v1/courses?region=36", None).await, 400, "bad_request");
}

// ---------------------------------------------------------------- organizations

#[tokio::test]
async fn a_duplicate_organization_code_is_409_naming_code() {
    let (app, admin) = TestApp::with_demo();
    let before = app.count("organizations");
    let resp = app.post("/api/v1/organizations", Some(&admin), organization("pxou", "college", "360300")).await;
    assert_envelope(&resp, 409, "conflict");
    assert_eq!(resp.error_fields(), ["code"], "{}", resp.text());
    assert_eq!(app.count("organizations"), before);
}

#[tokio::test]
async fn a_duplicate_uscc_is_409_naming_uscc() {
    let (app, admin) = TestApp::with_demo();
    let pxou_uscc = app.get("/api/v1/organizations/pxou", None).await.json["uscc"].as_str().unwrap().to_string();
    let mut body = organization("pxou2", "college", "360300");
    body["uscc"] = json!(pxou_uscc);
    let resp = app.post("/api/v1/organizations", Some(&admin), body).await;
    assert_envelope(&resp, 409, "conflict");
    assert_eq!(resp.error_fields(), ["uscc"], "{}", resp.text());
}

#[tokio::test]
async fn a_uscc_with_a_bad_check_digit_is_422_naming_uscc() {
    let (app, admin) = TestApp::with_demo();
    let good = uscc("91360300RT0000077");
    let last = good.chars().last().unwrap();
    let bad = format!("{}{}", &good[..17], if last == '0' { '1' } else { '0' });
    for value in [bad.as_str(), "91360300RT00000", "91360300RT000007I"] {
        let mut body = organization("pxnew", "enterprise", "360300");
        body["uscc"] = json!(value);
        let resp = app.post("/api/v1/organizations", Some(&admin), body).await;
        assert_envelope(&resp, 422, "validation");
        assert_eq!(resp.error_fields(), ["uscc"], "{value}: {}", resp.text());
    }
    let mut body = organization("pxnew", "enterprise", "360300");
    body["uscc"] = json!(good);
    let resp = app.post("/api/v1/organizations", Some(&admin), body).await;
    assert_eq!(resp.status, 201, "{}", resp.text());
    assert_eq!(resp.json["uscc"], good.as_str());
}

#[tokio::test]
async fn an_organization_in_an_unknown_region_is_422_naming_region() {
    let (app, admin) = TestApp::with_demo();
    // 360302 (安源区) is a real county, but the catalog holds provinces and cities only;
    // "36030" is no code at all.
    let resp = app.post("/api/v1/organizations", Some(&admin), organization("jjnew", "enterprise", "360302")).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["region"], "{}", resp.text());
    let resp = app.post("/api/v1/organizations", Some(&admin), organization("jjnew", "enterprise", "36030")).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["region"], "{}", resp.text());
}

#[tokio::test]
async fn organizations_are_filtered_by_kind_and_region() {
    let (app, _) = TestApp::with_demo();
    let enterprises = app.get("/api/v1/organizations?kind=enterprise", None).await;
    assert_eq!(item_strings(&enterprises.json, "code"), ["gzrobot", "pxcast"], "{}", enterprises.text());
    let colleges = app.get("/api/v1/organizations?kind=college", None).await;
    assert_eq!(item_strings(&colleges.json, "code"), ["jxou", "pxou"]);
    let pingxiang = app.get("/api/v1/organizations?region=360300", None).await;
    assert_eq!(item_strings(&pingxiang.json, "code"), ["pxcast", "pxou"]);
    let jiangxi = app.get("/api/v1/organizations?region=360000", None).await;
    assert_eq!(jiangxi.json["total"], 6);
    let both = app.get("/api/v1/organizations?kind=enterprise&region=360700", None).await;
    assert_eq!(item_strings(&both.json, "code"), ["gzrobot"]);
}

// ---------------------------------------------------------------- pagination and filters

#[tokio::test]
async fn course_lists_page_with_a_total() {
    let (app, _) = TestApp::with_demo();
    let all = app.get("/api/v1/courses?per_page=500", None).await;
    let codes = item_strings(&all.json, "code");
    assert_eq!(codes.len(), 11);
    let page2 = app.get("/api/v1/courses?per_page=4&page=2", None).await;
    assert_eq!(page2.status, 200, "{}", page2.text());
    assert_eq!((page2.json["total"].as_i64(), page2.json["page"].as_i64(), page2.json["per_page"].as_i64()), (Some(11), Some(2), Some(4)));
    assert_eq!(item_strings(&page2.json, "code"), codes[4..8]);
    let page3 = app.get("/api/v1/courses?per_page=4&page=3", None).await;
    assert_eq!(item_strings(&page3.json, "code"), codes[8..]);
    let beyond = app.get("/api/v1/courses?per_page=4&page=9", None).await;
    assert_eq!(beyond.json["items"], json!([]));
    assert_eq!(beyond.json["total"], 11);
    let default = app.get("/api/v1/courses", None).await;
    assert_eq!((default.json["page"].as_i64(), default.json["per_page"].as_i64()), (Some(1), Some(50)));
}

#[tokio::test]
async fn courses_are_filtered_by_provider_skill_and_region() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.get("/api/v1/courses?provider=pxou", None).await;
    assert_eq!(item_strings(&pxou.json, "code"), ["ZNZZ-01", "ZNZZ-02", "ZNZZ-03", "ZNZZ-04", "ZNZZ-05"]);
    let robotics = app.get(&format!("/api/v1/courses?skill={}", enc(ROBOTICS)), None).await;
    assert_eq!(item_strings(&robotics.json, "code"), ["GYJQR-01", "GYJQR-03"], "{}", robotics.text());
    let pour = app.get(&format!("/api/v1/courses?skill={}", enc(POUR)), None).await;
    assert_eq!(item_strings(&pour.json, "code"), ["ZNZZ-03", "ZNZZ-05"], "{}", pour.text());
    let safety_px = app.get(&format!("/api/v1/courses?skill={}&region=360300", enc(SAFETY)), None).await;
    assert_eq!(item_strings(&safety_px.json, "code"), ["ZNZZ-01", "ZNZZ-03"], "{}", safety_px.text());
    let pingxiang = app.get("/api/v1/courses?region=360300", None).await;
    assert_eq!(pingxiang.json["total"], 5);
    // The province includes its cities: jxou (360000) and pxou (360300).
    let jiangxi = app.get("/api/v1/courses?region=360000", None).await;
    assert_eq!(jiangxi.json["total"], 11);
    let ganzhou = app.get("/api/v1/courses?region=360700", None).await;
    assert_eq!(ganzhou.json["total"], 0);
}

#[tokio::test]
async fn demand_lists_are_filtered_by_region_a_province_including_its_cities() {
    let (app, _) = TestApp::with_demo();
    let pingxiang = app.get("/api/v1/demand-lists?region=360300", None).await;
    assert_eq!(item_strings(&pingxiang.json, "enterprise"), ["pxcast"], "{}", pingxiang.text());
    let ganzhou = app.get("/api/v1/demand-lists?region=360700", None).await;
    assert_eq!(item_strings(&ganzhou.json, "enterprise"), ["gzrobot"]);
    let jiangxi = app.get("/api/v1/demand-lists?region=360000", None).await;
    assert_eq!(jiangxi.json["total"], 2);
    let nanchang = app.get("/api/v1/demand-lists?region=360100", None).await;
    assert_eq!(nanchang.json["total"], 0);
    let by_skill = app.get(&format!("/api/v1/demand-lists?skill={}", enc(ROBOTICS)), None).await;
    assert_eq!(item_strings(&by_skill.json, "enterprise"), ["gzrobot"]);
    let paged = app.get("/api/v1/demand-lists?per_page=1&page=2", None).await;
    assert_eq!(paged.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(paged.json["total"], 2);
}

// ---------------------------------------------------------------- skills

#[tokio::test]
async fn a_new_skill_gets_a_uri_under_the_base_url_and_is_found_by_its_alt_labels() {
    let (app, _) = TestApp::with_demo();
    let jx = app.token_for("jx-admin");
    let fw = app
        .post(
            "/api/v1/frameworks",
            Some(&jx),
            json!({"code": "jx-casting", "kind": "local", "name": "江西铸造技能框架", "version": "2026"}),
        )
        .await;
    assert_eq!(fw.status, 201, "{}", fw.text());
    let created = app
        .post(
            "/api/v1/skills",
            Some(&jx),
            json!({
                "framework": "jx-casting",
                "label_zh": "消失模铸造",
                "label_en": "lost foam casting",
                "alt_labels": ["实型铸造", "Evaporative Pattern Casting"],
                "skill_type": "skill/competence",
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let uri = created.json["uri"].as_str().unwrap().to_string();
    assert!(uri.starts_with(&format!("{BASE_URL}/skills/")), "{uri}");
    assert!(uri.len() > format!("{BASE_URL}/skills/").len());
    assert_eq!(created.json["framework"], "jx-casting");
    assert_eq!(created.json["alt_labels"], json!(["实型铸造", "Evaporative Pattern Casting"]));

    for q in ["实型铸造", "实型", "evaporative pattern", "EVAPORATIVE", "lost foam", "消失模"] {
        let found = app.get(&format!("/api/v1/skills?q={}", enc(q)), None).await;
        assert_eq!(item_strings(&found.json, "uri"), std::slice::from_ref(&uri), "q={q}: {}", found.text());
    }
    // Fetch it back by URI and by id.
    let by_uri = app.get(&format!("/api/v1/skills/{}", enc(&uri)), None).await;
    assert_eq!(by_uri.status, 200, "{}", by_uri.text());
    assert_eq!(by_uri.json["label_zh"], "消失模铸造");
    let by_id = app.get(&format!("/api/v1/skills/{}", created.json["id"].as_str().unwrap()), None).await;
    assert_eq!(by_id.json["uri"], uri.as_str());
    let in_fw = app.get("/api/v1/skills?framework=jx-casting", None).await;
    assert_eq!(in_fw.json["total"], 1);
    // The same URI twice is a conflict.
    let again = app
        .post("/api/v1/skills", Some(&jx), json!({"uri": uri, "framework": "jx-casting", "label_zh": "重复", "skill_type": "knowledge"}))
        .await;
    assert_envelope(&again, 409, "conflict");
    assert_eq!(again.error_fields(), ["uri"]);
}

#[tokio::test]
async fn a_skill_without_labels_or_with_a_bad_uri_is_422() {
    let (app, admin) = TestApp::with_demo();
    let resp = app.post("/api/v1/skills", Some(&admin), json!({"framework": "esco", "skill_type": "knowledge", "uri": "skills/3"})).await;
    assert_envelope(&resp, 422, "validation");
    let mut fields = resp.error_fields();
    fields.sort();
    assert_eq!(fields, ["label_zh", "uri"], "{}", resp.text());
    let resp = app.post("/api/v1/skills", Some(&admin), json!({"framework": "nosuch", "skill_type": "knowledge", "label_zh": "x"})).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["framework"]);
}

#[tokio::test]
async fn skill_relations_are_created_and_listed_from_both_ends() {
    let (app, _) = TestApp::with_demo();
    let jx = app.token_for("jx-admin");
    let path = format!("/api/v1/skills/{}/relations", enc(POUR));
    assert_eq!(app.get(&path, None).await.json, json!([]));
    let created = app.post(&path, Some(&jx), json!({"kind": "related", "to": CASTING})).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json, json!([{"from": POUR, "kind": "related", "to": CASTING}]));
    let broader = app.post(&path, Some(&jx), json!({"kind": "prerequisite", "to": SAFETY})).await;
    assert_eq!(broader.json.as_array().unwrap().len(), 2, "{}", broader.text());
    // Seen from the other end too.
    let casting = app.get(&format!("/api/v1/skills/{}/relations", enc(CASTING)), None).await;
    assert_eq!(casting.json, json!([{"from": POUR, "kind": "related", "to": CASTING}]));
    // Twice is once.
    let again = app.post(&path, Some(&jx), json!({"kind": "related", "to": CASTING})).await;
    assert_eq!(again.json.as_array().unwrap().len(), 2);

    let unknown = app.post(&path, Some(&jx), json!({"kind": "related", "to": "http://data.europa.eu/esco/skill/nope"})).await;
    assert_envelope(&unknown, 422, "validation");
    assert_eq!(unknown.error_fields(), ["to"]);
    let itself = app.post(&path, Some(&jx), json!({"kind": "related", "to": POUR})).await;
    assert_envelope(&itself, 422, "validation");
    assert_eq!(itself.error_fields(), ["to"]);
    assert_envelope(&app.post(&path, Some(&app.token_for("px-admin")), json!({"kind": "related", "to": SAFETY})).await, 403, "forbidden");
    assert_envelope(&app.get("/api/v1/skills/nope/relations", None).await, 404, "not_found");
}

// ---------------------------------------------------------------- occupations

#[tokio::test]
async fn occupations_carry_their_skill_requirements() {
    let (app, _) = TestApp::with_demo();
    let foundry = app.get("/api/v1/occupations/6-18-02-01", None).await;
    assert_eq!(foundry.status, 200, "{}", foundry.text());
    assert_eq!(foundry.json["label_zh"], "铸造工");
    assert!(foundry.json["skills"].as_array().unwrap().len() >= 6, "{}", foundry.text());

    let jx = app.token_for("jx-admin");
    let body = json!({
        "code": "6-31-01-03",
        "label_zh": "工业机器人系统操作员",
        "skills": [
            {"skill": ROBOTICS, "kind": "essential", "min_level": 4},
            {"skill": SAFETY, "kind": "optional", "min_level": 5},
        ],
    });
    let created = app.post("/api/v1/occupations", Some(&jx), body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert!(created.json["uri"].as_str().unwrap().starts_with(&format!("{BASE_URL}/occupations/")), "{}", created.text());
    let fetched = app.get("/api/v1/occupations/6-31-01-03", None).await;
    let reqs: Vec<(String, String, u64)> = fetched.json["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["skill"].as_str().unwrap().to_string(), s["kind"].as_str().unwrap().to_string(), s["min_level"].as_u64().unwrap()))
        .collect();
    assert_eq!(reqs, [(ROBOTICS.to_string(), "essential".to_string(), 4), (SAFETY.to_string(), "optional".to_string(), 5)]);
    let search = app.get(&format!("/api/v1/occupations?q={}", enc("操作员")), None).await;
    assert_eq!(item_strings(&search.json, "code"), ["6-31-01-03"]);
    // A 大典 code names one occupation: another occupation may not take the demo's 6-31-01-10.
    let taken = json!({"label_zh": "另一个运维员", "code": "6-31-01-10", "skills": []});
    let resp = app.post("/api/v1/occupations", Some(&jx), taken).await;
    assert_eq!(resp.status, 409, "{}", resp.text());
    assert_eq!(resp.json["errors"][0]["field"], "code", "{}", resp.text());

    let bad = json!({"label_zh": "x", "code": "6_31", "skills": [{"skill": "http://data.europa.eu/esco/skill/nope", "kind": "essential", "min_level": 4}]});
    let resp = app.post("/api/v1/occupations", Some(&jx), bad).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["code"], "{}", resp.text());
    let unknown =
        json!({"label_zh": "x", "skills": [{"skill": "http://data.europa.eu/esco/skill/nope", "kind": "essential", "min_level": 4}]});
    let resp = app.post("/api/v1/occupations", Some(&jx), unknown).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["skills[0].skill"], "{}", resp.text());
    assert_envelope(&app.post("/api/v1/occupations", Some(&app.token_for("pxou-admin")), json!({"label_zh": "x"})).await, 403, "forbidden");
}

// ---------------------------------------------------------------- curricula

#[tokio::test]
async fn curricula_are_created_read_updated_and_deleted() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let body = json!({"code": "ZNZZ-CERT", "title_zh": "智能铸造微专业", "provider": "pxou", "modules": ["ZNZZ-01", "ZNZZ-02"]});
    let created = app.post("/api/v1/curricula", Some(&pxou), body.clone()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json["modules"], json!(["ZNZZ-01", "ZNZZ-02"]));
    assert_eq!((created.json["total_hours"].as_f64(), created.json["total_credits"].as_f64()), (Some(80.0), Some(5.0)));
    let id = created.json["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/curricula/{id}");

    assert_eq!(app.get(&path, None).await.json["code"], "ZNZZ-CERT");
    let listed = app.get("/api/v1/curricula?provider=pxou", None).await;
    assert_eq!(listed.json["items"].as_array().unwrap().len(), 1, "{}", listed.text());
    assert_eq!(listed.json["total"], 1);
    assert_eq!(app.get("/api/v1/curricula?provider=jxou", None).await.json["items"], json!([]));

    let dup = app.post("/api/v1/curricula", Some(&pxou), body).await;
    assert_envelope(&dup, 409, "conflict");
    assert_eq!(dup.error_fields(), ["code"]);

    let updated = app
        .put(&path, Some(&pxou), json!({"code": "ZNZZ-CERT", "title_zh": "智能铸造微专业（2027）", "provider": "pxou", "modules": ["ZNZZ-01", "ZNZZ-03", "ZNZZ-02"]}))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text());
    assert_eq!(updated.json["modules"], json!(["ZNZZ-01", "ZNZZ-03", "ZNZZ-02"]));
    assert_eq!(updated.json["total_hours"].as_f64(), Some(128.0));

    let bad = app
        .put(
            &path,
            Some(&pxou),
            json!({"code": "ZNZZ-CERT", "title_zh": "x", "provider": "pxou", "modules": ["ZNZZ-01", "ZNZZ-77", "ZNZZ-01"]}),
        )
        .await;
    assert_envelope(&bad, 422, "validation");
    assert_eq!(bad.error_fields(), ["modules[2]"], "{}", bad.text());
    let unknown = app
        .put(&path, Some(&pxou), json!({"code": "ZNZZ-CERT", "title_zh": "x", "provider": "pxou", "modules": ["ZNZZ-01", "ZNZZ-77"]}))
        .await;
    assert_envelope(&unknown, 422, "validation");
    assert_eq!(unknown.error_fields(), ["modules[1]"], "{}", unknown.text());
    let empty =
        app.post("/api/v1/curricula", Some(&pxou), json!({"code": "EMPTY", "title_zh": "x", "provider": "pxou", "modules": []})).await;
    assert_envelope(&empty, 422, "validation");
    assert_eq!(empty.error_fields(), ["modules"]);

    let jxou = app.token_for("jxou-admin");
    assert_envelope(
        &app.put(&path, Some(&jxou), json!({"code": "ZNZZ-CERT", "title_zh": "x", "provider": "pxou", "modules": ["ZNZZ-01"]})).await,
        403,
        "forbidden",
    );
    assert_envelope(&app.delete(&path, Some(&jxou)).await, 403, "forbidden");

    assert_eq!(app.delete(&path, Some(&pxou)).await.status, 204);
    assert_envelope(&app.get(&path, None).await, 404, "not_found");
    // The courses stay.
    assert_eq!(app.get("/api/v1/courses/ZNZZ-01", None).await.status, 200);
}

// ---------------------------------------------------------------- demand lists

#[tokio::test]
async fn a_demand_list_is_created_published_and_closed() {
    let (app, _) = TestApp::with_demo();
    let pxcast = app.token_for("pxcast-admin");
    let created = app.post("/api/v1/demand-lists", Some(&pxcast), demand_list("2027年熔炼岗位需求", "pxcast", "360300")).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json["status"], "draft");
    assert_eq!(created.json["total_headcount"], 3);
    assert_eq!(created.json["items"][0]["skills"][0]["label_zh"], "铸造工艺");
    let id = created.json["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/demand-lists/{id}");
    let status = format!("{path}/status");

    let published = app.post(&status, Some(&pxcast), json!({"status": "published"})).await;
    assert_eq!(published.status, 200, "{}", published.text());
    assert_eq!(app.get(&path, None).await.json["status"], "published");
    assert_eq!(app.get("/api/v1/demand-lists", None).await.json["total"], 3);

    // A published list may still be edited.
    let mut more = demand_list("2027年熔炼岗位需求", "pxcast", "360300");
    more["items"][0]["headcount"] = json!(5);
    let edited = app.put(&path, Some(&pxcast), more.clone()).await;
    assert_eq!(edited.json["total_headcount"], 5, "{}", edited.text());

    let closed = app.post(&status, Some(&pxcast), json!({"status": "closed"})).await;
    assert_eq!(closed.json["status"], "closed", "{}", closed.text());
    let again = app.post(&status, Some(&pxcast), json!({"status": "closed"})).await;
    assert_envelope(&again, 409, "conflict");
    assert_eq!(again.error_fields(), ["status"]);
    assert_envelope(&app.post(&status, Some(&pxcast), json!({"status": "draft"})).await, 409, "conflict");
    assert_envelope(&app.put(&path, Some(&pxcast), more).await, 409, "conflict");
    // Only drafts are deleted.
    assert_envelope(&app.delete(&path, Some(&pxcast)).await, 409, "conflict");
    // Reopening is allowed.
    assert_eq!(app.post(&status, Some(&pxcast), json!({"status": "published"})).await.json["status"], "published");
}

#[tokio::test]
async fn an_empty_demand_list_cannot_be_published_and_a_draft_can_be_deleted() {
    let (app, _) = TestApp::with_demo();
    let pxcast = app.token_for("pxcast-admin");
    let mut body = demand_list("空清单", "pxcast", "360300");
    body["items"] = json!([]);
    let created = app.post("/api/v1/demand-lists", Some(&pxcast), body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let path = format!("/api/v1/demand-lists/{}", created.json["id"].as_str().unwrap());
    let resp = app.post(&format!("{path}/status"), Some(&pxcast), json!({"status": "published"})).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["items"]);
    assert_eq!(app.delete(&path, Some(&pxcast)).await.status, 204);
    assert_envelope(&app.get(&path, Some(&pxcast)).await, 404, "not_found");
}

#[tokio::test]
async fn a_demand_list_with_bad_items_is_422_naming_each() {
    let (app, _) = TestApp::with_demo();
    let before = app.count("demand_lists");
    let body = json!({
        "title": "坏清单",
        "enterprise": "pxcast",
        "region": "360300",
        "items": [
            {"position": "铸造工", "headcount": 2, "skills": [{"skill": "http://data.europa.eu/esco/skill/nope", "kind": "essential", "min_level": 4}]},
            {"position": "", "headcount": 0, "skills": []},
            {"position": "质检员", "headcount": 1, "region": "360302", "skills": [{"skill": CASTING, "kind": "optional", "min_level": 3}]},
        ],
    });
    let resp = app.post("/api/v1/demand-lists", Some(&app.token_for("pxcast-admin")), body.clone()).await;
    assert_envelope(&resp, 422, "validation");
    let mut fields = resp.error_fields();
    fields.sort();
    assert_eq!(fields, ["items[1].headcount", "items[1].position", "items[1].skills"], "{}", resp.text());
    // With item 1 fixed, the store-level checks name the unknown skill and region.
    let mut fixed = body;
    fixed["items"][1] = json!({"position": "浇注工", "headcount": 1, "skills": [{"skill": POUR, "kind": "essential", "min_level": 4}]});
    let resp = app.post("/api/v1/demand-lists", Some(&app.token_for("pxcast-admin")), fixed).await;
    assert_envelope(&resp, 422, "validation");
    let mut fields = resp.error_fields();
    fields.sort();
    assert_eq!(fields, ["items[0].skills[0].skill", "items[2].region"], "{}", resp.text());
    assert_eq!(app.count("demand_lists"), before);
    // Only enterprises publish demand.
    let resp = app.post("/api/v1/demand-lists", Some(&app.token_for("pxou-admin")), demand_list("x", "pxou", "360300")).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["enterprise"]);
}

// ---------------------------------------------------------------- completions

#[tokio::test]
async fn completions_are_recorded_once_and_only_for_published_courses() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let record = |course: &str| json!({"learner": "learner-chen", "course": course, "result": "合格", "completed_on": "2026-03-01", "assessor": "王老师"});

    let created = app.post("/api/v1/completions", Some(&pxou), record("ZNZZ-01")).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!((created.json["learner"].as_str(), created.json["course_code"].as_str()), (Some("learner-chen"), Some("ZNZZ-01")));
    assert_eq!(created.json["completed_on"], "2026-03-01");
    let before = app.count("completions");

    let twice = app.post("/api/v1/completions", Some(&pxou), record("ZNZZ-01")).await;
    assert_envelope(&twice, 409, "conflict");
    assert_eq!(twice.error_fields(), ["course"]);

    assert_eq!(app.post("/api/v1/courses", Some(&pxou), course("PX-UNPUB-01", "pxou")).await.status, 201);
    let draft = app.post("/api/v1/completions", Some(&pxou), record("PX-UNPUB-01")).await;
    assert_envelope(&draft, 409, "conflict");
    assert_eq!(draft.error_fields(), ["course"]);

    // The learner sees the new record.
    let chen = app.get("/api/v1/completions", Some(&app.token_for("learner-chen"))).await;
    assert_eq!(chen.json.as_array().unwrap().len(), 1, "{}", chen.text());

    let mut future = record("ZNZZ-02");
    future["completed_on"] = json!("2999-01-01");
    let resp = app.post("/api/v1/completions", Some(&pxou), future).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["completed_on"]);
    let mut not_learner = record("ZNZZ-02");
    not_learner["learner"] = json!("jxou-admin");
    let resp = app.post("/api/v1/completions", Some(&pxou), not_learner).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["learner"]);
    let resp = app.post("/api/v1/completions", Some(&pxou), record("NOPE-01")).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["course"]);
    // jxou cannot certify pxou's courses.
    assert_envelope(&app.post("/api/v1/completions", Some(&app.token_for("jxou-admin")), record("ZNZZ-02")).await, 403, "forbidden");
    assert_eq!(app.count("completions"), before);
}

// ---------------------------------------------------------------- misc reads

#[tokio::test]
async fn regions_list_the_province_and_its_cities() {
    let (app, _) = TestApp::with_demo();
    let cities = app.get("/api/v1/regions?parent=360000", None).await;
    let codes: Vec<&str> = cities.json["items"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    // Every prefecture-level city of Jiangxi (GB/T 2260), seeded with the schema.
    assert_eq!(codes, ["360100", "360200", "360300", "360400", "360500", "360600", "360700", "360800", "360900", "361000", "361100"]);
    assert_eq!(cities.json["total"], 11);
    let pingxiang = app.get("/api/v1/regions/360300", None).await.json;
    // The demo's English names are applied over the seeded rows.
    assert_eq!((pingxiang["name_zh"].as_str(), pingxiang["name_en"].as_str()), (Some("萍乡市"), Some("Pingxiang")));
    assert_envelope(&app.get("/api/v1/regions/999999", None).await, 404, "not_found");
}

#[tokio::test]
async fn a_demo_demand_list_shows_its_positions_in_file_order() {
    let (app, _) = TestApp::with_demo();
    let id = demo_list_id(&app, "pxcast").await;
    let list = app.get(&format!("/api/v1/demand-lists/{id}"), None).await;
    let positions: Vec<&str> = list.json["items"].as_array().unwrap().iter().map(|i| i["position"].as_str().unwrap()).collect();
    assert_eq!(positions, ["铸造工", "熔炼浇注工", "铸造质检员"]);
    assert_eq!(list.json["total_headcount"], 14);
    assert_eq!(list.json["deadline"], "2027-04-30");
}

#[tokio::test]
async fn a_draft_of_a_new_version_does_not_hide_the_published_version() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let mut next = course("ZNZZ-01", "pxou");
    next["version"] = json!("2027.1");
    let draft = app.post("/api/v1/courses", Some(&pxou), next).await;
    assert_eq!(draft.status, 201, "{}", draft.text());

    // For the public, `ZNZZ-01` is still the published 2026.1.
    let public = app.get("/api/v1/courses/ZNZZ-01", None).await;
    assert_eq!(public.status, 200, "{}", public.text());
    assert_eq!((public.json["version"].as_str(), public.json["status"].as_str()), (Some("2026.1"), Some("published")));
    assert_envelope(&app.get("/api/v1/courses/ZNZZ-01@2027.1", None).await, 404, "not_found");
    let learner = app.get("/api/v1/courses/ZNZZ-01", Some(&app.token_for("learner-chen"))).await;
    assert_eq!(learner.json["version"], "2026.1", "{}", learner.text());
    // The provider works on its newest version.
    let own = app.get("/api/v1/courses/ZNZZ-01", Some(&pxou)).await;
    assert_eq!((own.json["version"].as_str(), own.json["status"].as_str()), (Some("2027.1"), Some("draft")), "{}", own.text());

    // Completions recorded by code go to the version learners can take.
    let record = json!({"learner": "learner-chen", "course": "ZNZZ-01", "result": "合格", "completed_on": "2026-03-01"});
    let done = app.post("/api/v1/completions", Some(&pxou), record).await;
    assert_eq!(done.status, 201, "{}", done.text());
    assert_eq!(done.json["course_version"], "2026.1");
}

#[tokio::test]
async fn text_search_ignores_case_on_every_backend() {
    // SQLite's LIKE ignores ASCII case and PostgreSQL's does not: the API must not differ.
    let (app, _) = TestApp::with_demo();
    for (path, total) in [
        ("/api/v1/courses?q=znzz", 5),
        ("/api/v1/courses?q=ZNZZ", 5),
        ("/api/v1/courses?q=robot%20maintenance", 1),
        ("/api/v1/organizations?q=PXOU", 1),
        ("/api/v1/organizations?q=demo%20open%20university", 2),
        ("/api/v1/occupations?q=FOUNDRY", 2),
    ] {
        let resp = app.get(path, None).await;
        assert_eq!(resp.json["total"], total, "{path}: {}", resp.text());
    }
}

#[tokio::test]
async fn text_search_treats_like_wildcards_literally() {
    let (app, _) = TestApp::with_demo();
    for path in ["/api/v1/organizations?q=_", "/api/v1/organizations?q=%25", "/api/v1/courses?q=_", "/api/v1/skills?q=%25"] {
        let resp = app.get(path, None).await;
        assert_eq!(resp.json["total"], 0, "{path}: {}", resp.text());
    }
}
