//! Who may do what: one test per role and tenant boundary, on real HTTP responses.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use common::{assert_envelope, course, demand_list, demo_list_id, item_strings, organization};
use rongtong_tests::TestApp;
use serde_json::json;

// ---------------------------------------------------------------- authentication

#[tokio::test]
async fn a_write_without_a_token_is_401_in_the_error_envelope() {
    let (app, _) = TestApp::with_demo();
    let before = app.count("courses");
    let resp = app.post("/api/v1/courses", None, course("ANON-01", "pxou")).await;
    assert_envelope(&resp, 401, "unauthorized");
    assert_eq!(app.count("courses"), before);
    // Reading stays public.
    assert_eq!(app.get("/api/v1/courses", None).await.status, 200);
}

#[tokio::test]
async fn an_unknown_token_is_401() {
    let (app, _) = TestApp::with_demo();
    let resp = app
        .post("/api/v1/courses", Some("rt_0000000000000000000000000000000000000000000000000000000000000000"), course("X-01", "pxou"))
        .await;
    assert_envelope(&resp, 401, "unauthorized");
    // Even a public read: a bad token is an error, not silently anonymous.
    assert_envelope(&app.get("/api/v1/courses", Some("not-a-token")).await, 401, "unauthorized");
    // The lists that are the same for every caller too (issue 9: they ignored a bad token).
    for path in ["/api/v1/skills", "/api/v1/occupations", "/api/v1/frameworks"] {
        assert_envelope(&app.get(path, Some("not-a-token")).await, 401, "unauthorized");
    }
}

#[tokio::test]
async fn a_malformed_authorization_header_is_401() {
    let (app, token) = TestApp::with_demo();
    for value in [format!("Basic {token}"), format!("Token {token}"), "Bearer ".to_string(), token.clone()] {
        let req = Request::get("/api/v1/me").header(header::AUTHORIZATION, value.as_str()).body(Body::empty()).expect("request");
        let resp = app.send(req).await;
        assert_envelope(&resp, 401, "unauthorized");
    }
    // Not even valid header text.
    let req = Request::get("/api/v1/me").header(header::AUTHORIZATION, &b"Bearer \xff\xfe"[..]).body(Body::empty()).expect("request");
    assert_envelope(&app.send(req).await, 401, "unauthorized");
    // The same token, well-formed, works.
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json["username"], "admin");
}

// ---------------------------------------------------------------- drafts are private

#[tokio::test]
async fn a_draft_course_is_404_to_anonymous_and_other_tenants_and_visible_to_its_owner() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let created = app.post("/api/v1/courses", Some(&pxou), course("PXOU-DRAFT-01", "pxou")).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json["status"], "draft");
    let id = created.json["id"].as_str().unwrap();

    for key in ["PXOU-DRAFT-01", id] {
        let path = format!("/api/v1/courses/{key}");
        assert_envelope(&app.get(&path, None).await, 404, "not_found");
        for outsider in ["jxou-admin", "gzrobot-admin", "learner-li", "jxeval-admin"] {
            let resp = app.get(&path, Some(&app.token_for(outsider))).await;
            assert_envelope(&resp, 404, "not_found");
        }
        for insider in ["pxou-admin", "px-admin", "jx-admin", "admin"] {
            let resp = app.get(&path, Some(&app.token_for(insider))).await;
            assert_eq!(resp.status, 200, "{insider}: {}", resp.text());
            assert_eq!(resp.json["code"], "PXOU-DRAFT-01");
        }
    }

    // Lists agree with single reads.
    let anon = app.get("/api/v1/courses?provider=pxou", None).await;
    assert!(!item_strings(&anon.json, "code").contains(&"PXOU-DRAFT-01".to_string()), "{}", anon.text());
    assert!(item_strings(&anon.json, "status").iter().all(|s| s == "published"), "{}", anon.text());
    let other = app.get("/api/v1/courses?provider=pxou", Some(&app.token_for("jxou-admin"))).await;
    assert!(!item_strings(&other.json, "code").contains(&"PXOU-DRAFT-01".to_string()), "{}", other.text());
    let own = app.get("/api/v1/courses?provider=pxou", Some(&pxou)).await;
    assert!(item_strings(&own.json, "code").contains(&"PXOU-DRAFT-01".to_string()), "{}", own.text());
    // Asking for drafts anonymously gives none.
    let drafts = app.get("/api/v1/courses?status=draft", None).await;
    assert_eq!(drafts.json["total"], 0, "{}", drafts.text());
}

#[tokio::test]
async fn a_draft_demand_list_is_404_to_anonymous_and_other_tenants_and_visible_to_its_owner() {
    let (app, _) = TestApp::with_demo();
    let pxcast = app.token_for("pxcast-admin");
    let created = app.post("/api/v1/demand-lists", Some(&pxcast), demand_list("草稿清单", "pxcast", "360300")).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json["status"], "draft");
    let path = format!("/api/v1/demand-lists/{}", created.json["id"].as_str().unwrap());

    assert_envelope(&app.get(&path, None).await, 404, "not_found");
    for outsider in ["gzrobot-admin", "pxou-admin", "learner-zhang"] {
        assert_envelope(&app.get(&path, Some(&app.token_for(outsider))).await, 404, "not_found");
    }
    for insider in ["pxcast-admin", "px-admin", "admin"] {
        let resp = app.get(&path, Some(&app.token_for(insider))).await;
        assert_eq!(resp.status, 200, "{insider}: {}", resp.text());
    }
    // The CSV export of a draft is just as private.
    let export = format!("/api/v1/exports/demand-lists/{}", created.json["id"].as_str().unwrap());
    assert_envelope(&app.get(&export, None).await, 404, "not_found");

    // Anonymous lists show the two published demo lists only; the owner also sees the draft.
    let anon = app.get("/api/v1/demand-lists", None).await;
    assert_eq!(anon.json["total"], 2, "{}", anon.text());
    assert!(item_strings(&anon.json, "status").iter().all(|s| s == "published"));
    let other = app.get("/api/v1/demand-lists", Some(&app.token_for("gzrobot-admin"))).await;
    assert_eq!(other.json["total"], 2, "{}", other.text());
    let own = app.get("/api/v1/demand-lists", Some(&pxcast)).await;
    assert_eq!(own.json["total"], 3, "{}", own.text());
}

#[tokio::test]
async fn a_closed_demand_list_stays_public() {
    let (app, _) = TestApp::with_demo();
    let id = demo_list_id(&app, "pxcast").await;
    let closed =
        app.post(&format!("/api/v1/demand-lists/{id}/status"), Some(&app.token_for("pxcast-admin")), json!({"status": "closed"})).await;
    assert_eq!(closed.status, 200, "{}", closed.text());
    let anon = app.get(&format!("/api/v1/demand-lists/{id}"), None).await;
    assert_eq!(anon.status, 200, "{}", anon.text());
    assert_eq!(anon.json["status"], "closed");
    let listed = app.get("/api/v1/demand-lists?status=closed", None).await;
    assert_eq!(item_strings(&listed.json, "id"), [id]);
}

// ---------------------------------------------------------------- region admins

#[tokio::test]
async fn a_city_admin_registers_organizations_in_its_city_only() {
    let (app, _) = TestApp::with_demo();
    let px = app.token_for("px-admin");
    let ok = app.post("/api/v1/organizations", Some(&px), organization("pxnew", "training_center", "360300")).await;
    assert_eq!(ok.status, 201, "{}", ok.text());
    assert_eq!(ok.json["region"], "360300");
    let before = app.count("organizations");
    for region in ["360700", "360000", "360100"] {
        let resp = app.post("/api/v1/organizations", Some(&px), organization(&format!("gz{region}"), "enterprise", region)).await;
        assert_envelope(&resp, 403, "forbidden");
    }
    assert_eq!(app.count("organizations"), before);
}

#[tokio::test]
async fn the_province_admin_registers_organizations_in_any_city_of_the_province() {
    let (app, _) = TestApp::with_demo();
    let jx = app.token_for("jx-admin");
    for (code, region) in [("pxnew", "360300"), ("gznew", "360700"), ("jxnew", "360000")] {
        let resp = app.post("/api/v1/organizations", Some(&jx), organization(code, "enterprise", region)).await;
        assert_eq!(resp.status, 201, "{code}: {}", resp.text());
    }
    // But not outside Jiangxi (Beijing 110000 is not even in the demo catalog).
    let resp = app.post("/api/v1/organizations", Some(&jx), organization("bjnew", "enterprise", "110000")).await;
    assert_envelope(&resp, 403, "forbidden");
}

#[tokio::test]
async fn org_admins_and_learners_cannot_register_organizations() {
    let (app, _) = TestApp::with_demo();
    for who in ["pxou-admin", "learner-li"] {
        let resp = app.post("/api/v1/organizations", Some(&app.token_for(who)), organization("nope", "college", "360300")).await;
        assert_envelope(&resp, 403, "forbidden");
    }
}

#[tokio::test]
async fn only_the_platform_and_province_admins_edit_the_skills_catalog() {
    let (app, _) = TestApp::with_demo();
    let skill = |label: &str| json!({"framework": "esco", "label_zh": label, "skill_type": "knowledge"});
    for who in ["px-admin", "pxou-admin", "learner-li"] {
        let resp = app.post("/api/v1/skills", Some(&app.token_for(who)), skill("不许")).await;
        assert_envelope(&resp, 403, "forbidden");
    }
    for who in ["jx-admin", "admin"] {
        let resp = app.post("/api/v1/skills", Some(&app.token_for(who)), skill(&format!("可以 {who}"))).await;
        assert_eq!(resp.status, 201, "{who}: {}", resp.text());
    }
}

// ---------------------------------------------------------------- organization content

#[tokio::test]
async fn a_college_admin_edits_its_own_courses_only() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let jxou = app.token_for("jxou-admin");

    let created = app.post("/api/v1/courses", Some(&pxou), course("PX-NEW-01", "pxou")).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let mut body = course("PX-NEW-01", "pxou");
    body["hours"] = json!(24);
    let edited = app.put("/api/v1/courses/PX-NEW-01", Some(&pxou), body).await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    assert_eq!(edited.json["hours"], 24.0);

    // jxou's content: neither create, edit, delete nor submit.
    assert_envelope(&app.post("/api/v1/courses", Some(&pxou), course("JX-BY-PX", "jxou")).await, 403, "forbidden");
    let jx_draft = app.post("/api/v1/courses", Some(&jxou), course("JX-NEW-01", "jxou")).await;
    assert_eq!(jx_draft.status, 201, "{}", jx_draft.text());
    let mut hijack = course("JX-NEW-01", "jxou");
    hijack["title_zh"] = json!("被改了");
    // A draft does not exist for outsiders: editing or deleting it is a 404 like reading it,
    // not a 403 that would confirm the code is taken.
    assert_envelope(&app.put("/api/v1/courses/JX-NEW-01", Some(&pxou), hijack).await, 404, "not_found");
    assert_envelope(&app.delete("/api/v1/courses/JX-NEW-01", Some(&pxou)).await, 404, "not_found");
    let submit = app.post("/api/v1/courses/JX-NEW-01/status", Some(&pxou), json!({"status": "in_review"})).await;
    assert_envelope(&submit, 404, "not_found"); // a draft does not exist for outsiders
    // A published jxou course is just as off limits.
    assert_envelope(&app.put("/api/v1/courses/GYJQR-01", Some(&pxou), course("GYJQR-01", "jxou")).await, 403, "forbidden");
    let still = app.get("/api/v1/courses/JX-NEW-01", Some(&jxou)).await;
    assert_eq!(still.json["title_zh"], "测试课程 JX-NEW-01");
    assert_eq!(still.json["status"], "draft");
}

#[tokio::test]
async fn an_enterprise_admin_cannot_touch_another_enterprises_demand_lists() {
    let (app, _) = TestApp::with_demo();
    let gz = app.token_for("gzrobot-admin");
    let id = demo_list_id(&app, "pxcast").await;
    let path = format!("/api/v1/demand-lists/{id}");
    let before = app.get(&path, None).await;

    assert_envelope(&app.put(&path, Some(&gz), demand_list("改别人的清单", "pxcast", "360300")).await, 403, "forbidden");
    assert_envelope(&app.post(&format!("{path}/status"), Some(&gz), json!({"status": "closed"})).await, 403, "forbidden");
    assert_envelope(&app.delete(&path, Some(&gz)).await, 403, "forbidden");
    assert_envelope(&app.post("/api/v1/demand-lists", Some(&gz), demand_list("冒名清单", "pxcast", "360300")).await, 403, "forbidden");
    // pxcast's draft does not exist for gzrobot: every verb answers 404, and it is unchanged.
    let px = app.token_for("pxcast-admin");
    let draft = app.post("/api/v1/demand-lists", Some(&px), demand_list("草稿清单", "pxcast", "360300")).await;
    assert_eq!(draft.status, 201, "{}", draft.text());
    let draft_path = format!("/api/v1/demand-lists/{}", draft.json["id"].as_str().expect("id"));
    assert_envelope(&app.get(&draft_path, Some(&gz)).await, 404, "not_found");
    assert_envelope(&app.put(&draft_path, Some(&gz), demand_list("改别人的草稿", "pxcast", "360300")).await, 404, "not_found");
    assert_envelope(&app.post(&format!("{draft_path}/status"), Some(&gz), json!({"status": "published"})).await, 404, "not_found");
    assert_envelope(&app.delete(&draft_path, Some(&gz)).await, 404, "not_found");
    assert_eq!(app.get(&draft_path, Some(&px)).await.json["title"], "草稿清单");
    let import = app
        .post_bytes(
            "/api/v1/imports/demand?enterprise=pxcast&title=x",
            Some(&gz),
            "text/csv",
            b"position,headcount,essential_skills\nx,1,casting processes@4\n".to_vec(),
        )
        .await;
    assert_envelope(&import, 403, "forbidden");

    let after = app.get(&path, None).await;
    assert_eq!(after.json, before.json, "the list changed");
    // Its own enterprise's admin may.
    let own = app.put(&path, Some(&app.token_for("pxcast-admin")), demand_list("改名后的清单", "pxcast", "360300")).await;
    assert_eq!(own.status, 200, "{}", own.text());
}

#[tokio::test]
async fn an_enterprise_cannot_provide_courses() {
    let (app, admin) = TestApp::with_demo();
    let before = app.count("courses");
    for token in [app.token_for("pxcast-admin"), admin] {
        let resp = app.post("/api/v1/courses", Some(&token), course("PXCAST-01", "pxcast")).await;
        assert_envelope(&resp, 422, "validation");
        assert_eq!(resp.error_fields(), ["provider"], "{}", resp.text());
    }
    assert_eq!(app.count("courses"), before);
}

// ---------------------------------------------------------------- learners

#[tokio::test]
async fn learners_see_only_their_own_completion_records() {
    let (app, _) = TestApp::with_demo();
    let li = app.token_for("learner-li");
    let own = app.get("/api/v1/completions", Some(&li)).await;
    assert_eq!(own.status, 200, "{}", own.text());
    let records = own.json.as_array().unwrap();
    let mut codes: Vec<&str> = records.iter().map(|r| r["course_code"].as_str().unwrap()).collect();
    codes.sort_unstable();
    assert_eq!(codes, ["ZNZZ-01", "ZNZZ-02"]);
    assert!(records.iter().all(|r| r["learner"] == "learner-li"));

    let explicit = app.get("/api/v1/completions?learner=learner-li", Some(&li)).await;
    assert_eq!(explicit.json, own.json);
    assert_envelope(&app.get("/api/v1/completions?learner=learner-zhang", Some(&li)).await, 403, "forbidden");
    assert_envelope(&app.get("/api/v1/completions", None).await, 401, "unauthorized");

    // Another learner's records are their own business.
    let zhang = app.get("/api/v1/completions", Some(&app.token_for("learner-zhang"))).await;
    assert_eq!(zhang.json.as_array().unwrap().len(), 5, "{}", zhang.text());
    assert!(zhang.json.as_array().unwrap().iter().all(|r| r["learner"] == "learner-zhang"));
}

#[tokio::test]
async fn providers_see_completions_of_their_own_courses_only() {
    let (app, admin) = TestApp::with_demo();
    let pxou = app.get("/api/v1/completions", Some(&app.token_for("pxou-admin"))).await;
    assert_eq!(pxou.status, 200, "{}", pxou.text());
    assert!(pxou.json.as_array().unwrap().iter().all(|r| r["course_code"].as_str().unwrap().starts_with("ZNZZ-")), "{}", pxou.text());
    let all = app.get("/api/v1/completions", Some(&admin)).await;
    // li 2 + zhang 5 + wang 4 + liu 6 + chen 0.
    assert_eq!(all.json.as_array().unwrap().len(), 17, "{}", all.text());
    assert_eq!(pxou.json.as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn learners_cannot_write_catalog_content() {
    let (app, _) = TestApp::with_demo();
    let li = app.token_for("learner-li");
    assert_envelope(&app.post("/api/v1/courses", Some(&li), course("LI-01", "pxou")).await, 403, "forbidden");
    assert_envelope(&app.post("/api/v1/demand-lists", Some(&li), demand_list("x", "pxcast", "360300")).await, 403, "forbidden");
    let completion = json!({"learner": "learner-li", "course": "ZNZZ-03", "result": "合格", "completed_on": "2026-01-05"});
    assert_envelope(&app.post("/api/v1/completions", Some(&li), completion).await, 403, "forbidden");
    assert_envelope(&app.get("/api/v1/users", Some(&li)).await, 403, "forbidden");
}

// ---------------------------------------------------------------- people and tokens

#[tokio::test]
async fn an_org_admin_creates_staff_for_its_own_organization_only() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let staff = json!({"username": "pxou-teacher", "display_name": "萍乡老师", "role": "org_staff", "org": "pxou"});
    let created = app.post("/api/v1/users", Some(&pxou), staff).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json["role"], "org_staff");

    let before = app.count("users");
    let foreign = json!({"username": "jxou-mole", "display_name": "卧底", "role": "org_staff", "org": "jxou"});
    assert_envelope(&app.post("/api/v1/users", Some(&pxou), foreign).await, 403, "forbidden");
    let promote = json!({"username": "px-boss", "display_name": "越权", "role": "region_admin", "region": "360300"});
    assert_envelope(&app.post("/api/v1/users", Some(&pxou), promote).await, 403, "forbidden");
    assert_eq!(app.count("users"), before);

    // The new staff member edits pxou content but cannot manage people.
    let teacher = app.token_for("pxou-teacher");
    assert_eq!(app.post("/api/v1/courses", Some(&teacher), course("PX-STAFF-01", "pxou")).await.status, 201);
    let more = json!({"username": "pxou-teacher2", "display_name": "x", "role": "org_staff", "org": "pxou"});
    assert_envelope(&app.post("/api/v1/users", Some(&teacher), more).await, 403, "forbidden");
}

#[tokio::test]
async fn a_token_secret_is_shown_once_and_a_revoked_token_is_refused() {
    let (app, admin) = TestApp::with_demo();
    let li = app.token_for("learner-li");
    let created = app.post("/api/v1/users/learner-li/tokens", Some(&li), json!({"name": "phone"})).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let secret = created.json["token_secret"].as_str().expect("secret").to_string();
    assert!(secret.starts_with("rt_") && secret.len() == 67, "{secret}");
    let id = created.json["id"].as_str().unwrap().to_string();

    let listed = app.get("/api/v1/users/learner-li/tokens", Some(&li)).await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    let tokens = listed.json.as_array().unwrap();
    assert!(tokens.iter().any(|t| t["id"] == id.as_str() && t["name"] == "phone" && t["revoked"] == false), "{}", listed.text());
    assert!(tokens.iter().all(|t| t.get("token_secret").is_none()), "{}", listed.text());
    assert!(!listed.text().contains(&secret), "the secret leaked into the listing");
    // The admin's view of the same list does not show it either.
    assert!(!app.get("/api/v1/users/learner-li/tokens", Some(&admin)).await.text().contains(&secret));

    let me = app.get("/api/v1/me", Some(&secret)).await;
    assert_eq!(me.json["username"], "learner-li", "{}", me.text());

    // Another learner can neither list, mint nor revoke li's tokens.
    let zhang = app.token_for("learner-zhang");
    assert_envelope(&app.get("/api/v1/users/learner-li/tokens", Some(&zhang)).await, 403, "forbidden");
    assert_envelope(&app.post("/api/v1/users/learner-li/tokens", Some(&zhang), json!({"name": "steal"})).await, 403, "forbidden");
    assert_envelope(&app.delete(&format!("/api/v1/tokens/{id}"), Some(&zhang)).await, 403, "forbidden");
    assert_eq!(app.get("/api/v1/me", Some(&secret)).await.status, 200);

    let revoked = app.delete(&format!("/api/v1/tokens/{id}"), Some(&li)).await;
    assert_eq!(revoked.status, 204, "{}", revoked.text());
    assert_envelope(&app.get("/api/v1/me", Some(&secret)).await, 401, "unauthorized");
    let listed = app.get("/api/v1/users/learner-li/tokens", Some(&li)).await;
    assert!(listed.json.as_array().unwrap().iter().any(|t| t["id"] == id.as_str() && t["revoked"] == true), "{}", listed.text());
    // li's other token still works.
    assert_eq!(app.get("/api/v1/me", Some(&li)).await.status, 200);
    assert_envelope(&app.delete("/api/v1/tokens/no-such-token", Some(&li)).await, 404, "not_found");
}

/// Administrators manage learners' accounts but never act as them: a learner's token could
/// sign presentations with the learner's holder key.
#[tokio::test]
async fn administrators_never_mint_a_learners_token_or_present_for_them() {
    let (app, admin) = TestApp::with_demo();
    for who in [admin.clone(), app.token_for("px-admin"), app.token_for("pxou-admin")] {
        let resp = app.post("/api/v1/users/learner-li/tokens", Some(&who), json!({"name": "as-li"})).await;
        assert_envelope(&resp, 403, "forbidden");
    }
    // They still revoke a learner's tokens (a lost phone), and mint their staff's.
    let li = app.token_for("learner-li");
    let created = app.post("/api/v1/users/learner-li/tokens", Some(&li), json!({"name": "phone"})).await;
    let id = created.json["id"].as_str().expect("id").to_string();
    assert_eq!(app.delete(&format!("/api/v1/tokens/{id}"), Some(&admin)).await.status, 204);
    assert_eq!(app.post("/api/v1/users/pxou-admin/tokens", Some(&admin), json!({"name": "ops"})).await.status, 201);
}

// ---------------------------------------------------------------- course review

#[tokio::test]
async fn a_city_course_passes_three_review_levels_before_it_is_public() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin"); // a college in Pingxiang (360300)
    let (px, jx, admin) = (app.token_for("px-admin"), app.token_for("jx-admin"), app.token_for("admin"));
    let created = app.post("/api/v1/courses", Some(&pxou), course("PX-REVIEW-01", "pxou")).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let status = "/api/v1/courses/PX-REVIEW-01/status";

    let submitted = app.post(status, Some(&pxou), json!({"status": "in_review"})).await;
    assert_eq!(submitted.status, 200, "{}", submitted.text());
    assert_eq!((&submitted.json["status"], &submitted.json["review_stage"]), (&json!("in_review"), &json!("city")));
    // Still invisible to the public while in review.
    assert_envelope(&app.get("/api/v1/courses/PX-REVIEW-01", None).await, 404, "not_found");

    // The provider cannot approve its own course; another college cannot even see it.
    assert_envelope(&app.post(status, Some(&pxou), json!({"status": "published"})).await, 403, "forbidden");
    assert_envelope(&app.post(status, Some(&app.token_for("jxou-admin")), json!({"status": "published"})).await, 404, "not_found");
    // Levels are not skipped: the province and the platform wait for the city.
    for early in [&jx, &admin] {
        let resp = app.post(status, Some(early), json!({"status": "published"})).await;
        assert_envelope(&resp, 403, "forbidden");
        assert!(resp.text().contains("city"), "{}", resp.text());
    }
    // The city's queue holds it; the province's does not yet.
    let queue = app.get("/api/v1/courses?review_stage=city&region=360300", Some(&px)).await;
    assert_eq!(item_strings(&queue.json, "code"), ["PX-REVIEW-01"], "{}", queue.text());
    assert_eq!(app.get("/api/v1/courses?review_stage=province", Some(&jx)).await.json["total"], 0);

    // City, then province: still in review, one level further each time.
    let city = app.post(status, Some(&px), json!({"status": "published", "comment": "市级审核通过"})).await;
    assert_eq!((&city.json["status"], &city.json["review_stage"]), (&json!("in_review"), &json!("province")), "{}", city.text());
    assert_envelope(&app.post(status, Some(&px), json!({"status": "published"})).await, 403, "forbidden");
    // Submitting again is no way back to the first level.
    let resubmit = app.post(status, Some(&pxou), json!({"status": "in_review"})).await;
    assert_envelope(&resubmit, 409, "conflict");
    assert_eq!(app.get("/api/v1/courses/PX-REVIEW-01", Some(&pxou)).await.json["review_stage"], "province");
    let province = app.post(status, Some(&jx), json!({"status": "published", "comment": "省级审核通过"})).await;
    assert_eq!((&province.json["status"], &province.json["review_stage"]), (&json!("in_review"), &json!("platform")));
    assert_envelope(&app.get("/api/v1/courses/PX-REVIEW-01", None).await, 404, "not_found");
    // The platform's approval publishes it.
    let published = app.post(status, Some(&admin), json!({"status": "published", "comment": "同意发布"})).await;
    assert_eq!(published.status, 200, "{}", published.text());
    assert_eq!(published.json["status"], "published");
    assert!(published.json.get("review_stage").is_none(), "{}", published.text());
    assert_eq!(app.get("/api/v1/courses/PX-REVIEW-01", None).await.json["status"], "published");

    // The trail: who acted, at which level, with what comment — public once published.
    let trail = app.get("/api/v1/courses/PX-REVIEW-01/reviews", None).await;
    assert_eq!(trail.status, 200, "{}", trail.text());
    let steps: Vec<(String, String, String)> = trail
        .json
        .as_array()
        .expect("array")
        .iter()
        .map(|r| {
            (r["by"].as_str().unwrap_or("").into(), r["stage"].as_str().unwrap_or("-").into(), r["to_status"].as_str().unwrap_or("").into())
        })
        .collect();
    let expected = [
        ("pxou-admin", "-", "in_review"),
        ("px-admin", "city", "in_review"),
        ("jx-admin", "province", "in_review"),
        ("admin", "platform", "published"),
    ];
    assert_eq!(steps, expected.map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())));
    assert_eq!(trail.json[1]["comment"], "市级审核通过");

    // published → draft and published → in_review are not transitions.
    for to in ["draft", "in_review", "published"] {
        let resp = app.post(status, Some(&px), json!({"status": to})).await;
        assert_envelope(&resp, 409, "conflict");
        assert_eq!(resp.error_fields(), ["status"]);
    }
    // Published courses are immutable.
    assert_envelope(&app.put("/api/v1/courses/PX-REVIEW-01", Some(&pxou), course("PX-REVIEW-01", "pxou")).await, 409, "conflict");
    // Archiving is allowed to the provider.
    let archived = app.post(status, Some(&pxou), json!({"status": "archived"})).await;
    assert_eq!(archived.json["status"], "archived", "{}", archived.text());
}

#[tokio::test]
async fn a_province_level_course_starts_at_the_province_and_a_return_restarts_the_chain() {
    let (app, _) = TestApp::with_demo();
    let jxou = app.token_for("jxou-admin"); // the provincial open university (360000)
    let (jx, admin) = (app.token_for("jx-admin"), app.token_for("admin"));
    assert_eq!(app.post("/api/v1/courses", Some(&jxou), course("JX-REVIEW-01", "jxou")).await.status, 201);
    let status = "/api/v1/courses/JX-REVIEW-01/status";
    let submitted = app.post(status, Some(&jxou), json!({"status": "in_review"})).await;
    assert_eq!(submitted.json["review_stage"], "province", "no city level for a provincial provider: {}", submitted.text());
    // A city admin is no reviewer of it (and cannot see it).
    assert_envelope(&app.post(status, Some(&app.token_for("px-admin")), json!({"status": "published"})).await, 404, "not_found");
    assert_eq!(app.post(status, Some(&jx), json!({"status": "published"})).await.json["review_stage"], "platform");
    // The platform sends it back; resubmitted, it starts again at the province.
    let back = app.post(status, Some(&admin), json!({"status": "draft", "comment": "请补充考核方式"})).await;
    assert_eq!(back.json["status"], "draft", "{}", back.text());
    let again = app.post(status, Some(&jxou), json!({"status": "in_review"})).await;
    assert_eq!(again.json["review_stage"], "province");
    let trail = app.get("/api/v1/courses/JX-REVIEW-01/reviews", Some(&jxou)).await;
    assert_eq!(trail.json[2]["stage"], "platform");
    assert_eq!(trail.json[2]["comment"], "请补充考核方式");
    // Outsiders do not see an unpublished course's trail.
    assert_envelope(&app.get("/api/v1/courses/JX-REVIEW-01/reviews", None).await, 404, "not_found");
}

#[tokio::test]
async fn the_province_admin_may_review_a_city_course_and_send_it_back() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    assert_eq!(app.post("/api/v1/courses", Some(&pxou), course("PX-BACK-01", "pxou")).await.status, 201);
    let status = "/api/v1/courses/PX-BACK-01/status";
    assert_eq!(app.post(status, Some(&pxou), json!({"status": "in_review"})).await.status, 200);
    let back = app.post(status, Some(&app.token_for("jx-admin")), json!({"status": "draft", "comment": "请补充课程简介"})).await;
    assert_eq!(back.status, 200, "{}", back.text());
    assert_eq!(back.json["status"], "draft");
    // draft → published skips review.
    assert_envelope(&app.post(status, Some(&app.token_for("px-admin")), json!({"status": "published"})).await, 409, "conflict");
    // The admin of another city is no reviewer: for Ganzhou the Pingxiang course does not exist.
    let gz = app.user_with_token("gz-admin", rongtong_registry::auth::Role::RegionAdmin, None, Some("360700"));
    assert_eq!(app.post(status, Some(&pxou), json!({"status": "in_review"})).await.status, 200);
    assert_envelope(&app.post(status, Some(&gz), json!({"status": "published"})).await, 404, "not_found");
    assert_eq!(app.get("/api/v1/courses/PX-BACK-01", Some(&pxou)).await.json["status"], "in_review");
}

#[tokio::test]
async fn outsiders_cannot_probe_the_status_of_a_private_course() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    assert_eq!(app.post("/api/v1/courses", Some(&pxou), course("PX-SECRET-01", "pxou")).await.status, 201);
    // A draft does not exist for outsiders (GET is 404), so a status change asked by someone
    // with no rights over it is a 404 too, not a 409 or 403 revealing the course and its
    // status ("a draft course can move to …").
    for who in ["learner-li", "gzrobot-admin", "jxou-admin"] {
        for to in ["published", "in_review", "archived"] {
            let resp = app.post("/api/v1/courses/PX-SECRET-01/status", Some(&app.token_for(who)), json!({"status": to})).await;
            assert_envelope(&resp, 404, "not_found");
            assert!(!resp.text().contains("draft"), "{who}: {}", resp.text());
        }
    }
    assert_eq!(app.get("/api/v1/courses/PX-SECRET-01", Some(&pxou)).await.json["status"], "draft");
    // A published course is public: an outsider's attempt is a plain 403.
    assert_envelope(
        &app.post("/api/v1/courses/ZNZZ-01/status", Some(&app.token_for("learner-li")), json!({"status": "archived"})).await,
        403,
        "forbidden",
    );
    // The provider itself gets the 409 explaining the workflow.
    assert_envelope(&app.post("/api/v1/courses/PX-SECRET-01/status", Some(&pxou), json!({"status": "published"})).await, 409, "conflict");
}

#[tokio::test]
async fn an_anonymous_write_is_told_to_authenticate_before_its_body_is_judged() {
    let (app, _) = TestApp::with_demo();
    // Malformed and invalid bodies alike: without a token the answer is 401, not 400/422.
    for body in ["{not json", r#"{"code": ""}"#] {
        let resp = app.request(axum::http::Method::POST, "/api/v1/courses", None, Some("application/json"), body.as_bytes().to_vec()).await;
        assert_eq!(resp.status, 401, "{body}: {}", resp.text());
        assert_eq!(resp.error_codes(), ["unauthorized"]);
    }
}
