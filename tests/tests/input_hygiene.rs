//! The bad-input catalogue: every JSON write endpoint against a list of hostile inputs. Each
//! must answer 4xx with the envelope naming the field at fault, and store nothing (the
//! tables the endpoint writes are counted before and after). Then NUL and control characters
//! in paths and query strings, bounded pagination, 413 with the envelope, a cohort larger
//! than any backend's bind-parameter limit, and the review levels on import. Runs on SQLite,
//! and on PostgreSQL with `TEST_DATABASE_URL`.

mod common;

use common::{CASTING, assert_envelope, course, demand_list, organization};
use rongtong_tests::{TestApp, enc};
use serde_json::{Value, json};

/// One write endpoint, a body it accepts, and which of its fields carry which rule.
struct Endpoint {
    name: &'static str,
    path: String,
    token: String,
    body: Value,
    /// Tables the endpoint writes: their row counts must not move on a refusal.
    tables: &'static [&'static str],
    /// A required single-line text field.
    text: &'static str,
    /// A field following the code pattern, if any.
    code: Option<&'static str>,
    /// A date field, if any.
    date: Option<&'static str>,
    /// An enum field, if any.
    enumeration: Option<&'static str>,
    /// For a change that adds no row: a resource whose JSON must not change on a refusal
    /// and must change on success.
    read: Option<String>,
}

/// A hostile variant of a body and the field the refusal must name.
fn hostile_cases(e: &Endpoint) -> Vec<(String, Value, String)> {
    let with = |field: &str, value: Value| {
        let mut b = e.body.clone();
        b[field] = value;
        b
    };
    let t = e.text;
    let mut cases = vec![
        ("NUL".to_string(), with(t, json!("bad\u{0}text")), t.to_string()),
        ("escape".to_string(), with(t, json!("\u{1b}[31mred")), t.to_string()),
        ("bell".to_string(), with(t, json!("ring\u{7}")), t.to_string()),
        ("C1 control".to_string(), with(t, json!("next\u{85}line")), t.to_string()),
        ("newline in a single-line field".to_string(), with(t, json!("two\nlines")), t.to_string()),
        ("oversized string".to_string(), with(t, json!("长".repeat(20_001))), t.to_string()),
        ("wrong type".to_string(), with(t, json!(42)), t.to_string()),
        ("unknown field".to_string(), with("is_admin", json!(true)), "is_admin".to_string()),
    ];
    let mut missing = e.body.clone();
    missing.as_object_mut().expect("object body").remove(t);
    cases.push(("missing field".into(), missing, t.to_string()));
    if let Some(c) = e.code {
        for bad in [".", "..", "../etc", "a/b", ".hidden"] {
            cases.push((format!("code {bad:?}"), with(c, json!(bad)), c.to_string()));
        }
    }
    if let Some(d) = e.date {
        for bad in ["27-03-31", "2027-3-31", "2027-02-30", "2027/03/31"] {
            cases.push((format!("date {bad:?}"), with(d, json!(bad)), d.to_string()));
        }
    }
    if let Some(f) = e.enumeration {
        cases.push(("unknown enum value".into(), with(f, json!("superuser")), f.to_string()));
    }
    cases
}

/// What a refusal must leave as it was: the row counts of the endpoint's tables, and the
/// resource it changes when it changes one in place.
async fn state(app: &TestApp, e: &Endpoint) -> (Vec<i64>, Value) {
    let read = match &e.read {
        Some(path) => app.get(path, Some(&e.token)).await.json,
        None => Value::Null,
    };
    (e.tables.iter().map(|t| app.count(t)).collect(), read)
}

async fn endpoints(app: &TestApp, admin: &str) -> Vec<Endpoint> {
    let pxou = app.token_for("pxou-admin");
    // A draft to move through review.
    let draft = app.post("/api/v1/courses", Some(&pxou), course("HYG-DRAFT", "pxou")).await;
    assert_eq!(draft.status, 201, "{}", draft.text());
    let list = app.post("/api/v1/demand-lists", Some(&app.token_for("pxcast-admin")), demand_list("卫生检查", "pxcast", "360300")).await;
    assert_eq!(list.status, 201, "{}", list.text());
    let list_id = list.json["id"].as_str().expect("id").to_string();
    let a = || admin.to_string();
    vec![
        Endpoint {
            name: "create region",
            path: "/api/v1/regions".into(),
            token: a(),
            body: json!({"code": "360399", "name_zh": "测试区", "name_en": "Test"}),
            tables: &["regions"],
            text: "name_zh",
            code: None,
            date: None,
            enumeration: None,
            read: None,
        },
        Endpoint {
            name: "create organization",
            path: "/api/v1/organizations".into(),
            token: a(),
            body: organization("hyg-org", "college", "360300"),
            tables: &["organizations"],
            text: "name_zh",
            code: Some("code"),
            date: None,
            enumeration: Some("kind"),
            read: None,
        },
        Endpoint {
            name: "create user",
            path: "/api/v1/users".into(),
            token: a(),
            body: json!({"username": "hyg-user", "display_name": "新用户", "role": "learner", "region": "360300"}),
            tables: &["users"],
            text: "display_name",
            code: Some("username"),
            date: None,
            enumeration: Some("role"),
            read: None,
        },
        Endpoint {
            name: "create token",
            path: "/api/v1/users/pxou-admin/tokens".into(),
            token: a(),
            body: json!({"name": "ops"}),
            tables: &["api_tokens"],
            text: "name",
            code: None,
            date: None,
            enumeration: None,
            read: None,
        },
        Endpoint {
            name: "create framework",
            path: "/api/v1/frameworks".into(),
            token: a(),
            body: json!({"code": "hyg-fw", "kind": "local", "name": "测试框架", "version": "1"}),
            tables: &["frameworks"],
            text: "name",
            code: Some("code"),
            date: None,
            enumeration: Some("kind"),
            read: None,
        },
        Endpoint {
            name: "create skill",
            path: "/api/v1/skills".into(),
            token: a(),
            body: json!({"framework": "esco", "skill_type": "knowledge", "label_zh": "卫生技能"}),
            tables: &["skills"],
            text: "label_zh",
            code: Some("framework"),
            date: None,
            enumeration: Some("skill_type"),
            read: None,
        },
        Endpoint {
            name: "create course",
            path: "/api/v1/courses".into(),
            token: pxou.clone(),
            body: course("HYG-01", "pxou"),
            tables: &["courses", "course_skills", "course_prerequisites"],
            text: "title_zh",
            code: Some("code"),
            date: None,
            enumeration: Some("delivery_mode"),
            read: None,
        },
        Endpoint {
            name: "submit a course for review",
            path: "/api/v1/courses/HYG-DRAFT/status".into(),
            token: pxou.clone(),
            body: json!({"status": "in_review", "comment": "请审核"}),
            tables: &["course_reviews"],
            text: "status",
            code: None,
            date: None,
            enumeration: Some("status"),
            read: None,
        },
        Endpoint {
            name: "create curriculum",
            path: "/api/v1/curricula".into(),
            token: pxou.clone(),
            body: json!({"code": "HYG-CUR", "title_zh": "卫生课程体系", "provider": "pxou", "modules": ["ZNZZ-01"]}),
            tables: &["curricula"],
            text: "title_zh",
            code: Some("code"),
            date: None,
            enumeration: None,
            read: None,
        },
        Endpoint {
            name: "record a completion",
            path: "/api/v1/completions".into(),
            token: pxou.clone(),
            body: json!({"learner": "learner-chen", "course": "ZNZZ-01", "result": "合格", "completed_on": "2026-03-01"}),
            tables: &["completions"],
            text: "result",
            code: None,
            date: Some("completed_on"),
            enumeration: None,
            read: None,
        },
        Endpoint {
            name: "create demand list",
            path: "/api/v1/demand-lists".into(),
            token: app.token_for("pxcast-admin"),
            body: {
                let mut b = demand_list("卫生需求", "pxcast", "360300");
                b["deadline"] = json!("2027-06-30");
                b
            },
            tables: &["demand_lists", "demand_items"],
            text: "title",
            code: Some("enterprise"),
            date: Some("deadline"),
            enumeration: None,
            read: None,
        },
        Endpoint {
            name: "change a demand list's status",
            path: format!("/api/v1/demand-lists/{list_id}/status"),
            token: app.token_for("pxcast-admin"),
            body: json!({"status": "published"}),
            tables: &["demand_lists"],
            text: "status",
            code: None,
            date: None,
            enumeration: Some("status"),
            read: Some(format!("/api/v1/demand-lists/{list_id}")),
        },
        Endpoint {
            name: "start an issuance job",
            path: "/api/v1/issuance-jobs".into(),
            token: pxou.clone(),
            body: json!({"course": "ZNZZ-01"}),
            tables: &["issuance_jobs", "credentials"],
            text: "course",
            code: None,
            date: None,
            enumeration: None,
            read: None,
        },
    ]
}

#[tokio::test]
async fn every_write_endpoint_refuses_the_bad_input_catalogue_and_stores_nothing() {
    let (app, admin) = TestApp::with_demo();
    let mut checked = 0;
    for e in endpoints(&app, &admin).await {
        for (case, body, field) in hostile_cases(&e) {
            let before = state(&app, &e).await;
            let resp = app.post(&e.path, Some(&e.token), body).await;
            let what = format!("{} / {case}: {}", e.name, resp.text());
            assert!(resp.status.is_client_error(), "{what}");
            assert!(resp.json["errors"].is_array(), "{what}");
            assert!(resp.error_fields().contains(&field), "expected field {field}: {what}");
            assert_eq!(state(&app, &e).await, before, "something was stored: {what}");
            checked += 1;
        }
        // The untouched body is accepted: the refusals above were the hostile parts' doing.
        let before = state(&app, &e).await;
        let ok = app.post(&e.path, Some(&e.token), e.body.clone()).await;
        assert!(ok.status.is_success(), "{}: the valid body fails: {}", e.name, ok.text());
        assert_ne!(state(&app, &e).await, before, "{}: the valid body stored nothing", e.name);
    }
    assert!(checked > 150, "only {checked} cases ran");
}

#[tokio::test]
async fn nested_fields_are_named_by_their_path() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let before = app.count("courses");
    let mut body = course("HYG-NEST", "pxou");
    body["skills"][0]["level"] = json!("expert");
    let resp = app.post("/api/v1/courses", Some(&pxou), body).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["skills[0].level"]);
    let mut body = course("HYG-NEST", "pxou");
    body["skills"][0]["secret"] = json!(1);
    let resp = app.post("/api/v1/courses", Some(&pxou), body).await;
    assert_eq!(resp.error_fields(), ["skills[0].secret"], "{}", resp.text());
    let mut body = course("HYG-NEST", "pxou");
    body["skills"][0]["skill"] = json!(format!("{CASTING}\u{0}"));
    let resp = app.post("/api/v1/courses", Some(&pxou), body).await;
    assert_eq!(resp.error_fields(), ["skills[0].skill"], "{}", resp.text());
    assert_eq!(app.count("courses"), before);
}

#[tokio::test]
async fn text_is_stored_in_nfc_and_descriptions_keep_their_lines() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let mut body = course("HYG-NFC", "pxou");
    body["title_zh"] = json!("Cafe\u{301} 课程");
    body["description_zh"] = json!("第一行\n第二行\t缩进");
    let created = app.post("/api/v1/courses", Some(&pxou), body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json["title_zh"], "Caf\u{e9} 课程");
    assert_eq!(created.json["description_zh"], "第一行\n第二行\t缩进");
}

#[tokio::test]
async fn an_over_long_query_parameter_is_a_422_naming_it() {
    let (app, admin) = TestApp::with_demo();
    let long = "铸".repeat(2_001);
    for (path, field) in [
        (format!("/api/v1/skills?q={}", enc(&long)), "q"),
        (format!("/api/v1/courses?per_page=10&provider={}", "p".repeat(2_001)), "provider"),
        (format!("/api/v1/courses?{}=1", "x".repeat(2_001)), "query"),
    ] {
        for token in [Some(admin.as_str()), None] {
            let resp = app.get(&path, token).await;
            assert_envelope(&resp, 422, "validation");
            assert_eq!(resp.error_fields(), [field], "{}", resp.text());
        }
    }
    // A write refused on its query string stores nothing.
    let path = format!("/api/v1/imports/demand?enterprise=pxcast&title={}", enc(&long));
    let before = app.count("demand_lists");
    let resp = app.post_bytes(&path, Some(&app.token_for("pxcast-admin")), "text/csv", b"position,headcount\nx,1\n".to_vec()).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["title"]);
    assert_eq!(app.count("demand_lists"), before);
    // 2,000 characters pass the bound (and find nothing).
    let resp = app.get(&format!("/api/v1/skills?q={}", enc(&"铸".repeat(2_000))), None).await;
    assert_eq!((resp.status.as_u16(), resp.json["total"].as_i64()), (200, Some(0)), "{}", resp.text());
}

#[tokio::test]
async fn nul_and_control_characters_in_paths_and_queries_are_400s_naming_the_parameter() {
    let (app, admin) = TestApp::with_demo();
    for (path, field) in [
        ("/api/v1/courses/ZNZZ-01%00", "id"),
        ("/api/v1/organizations/pxou%01", "code"),
        ("/api/v1/skills?q=%00", "q"),
        ("/api/v1/courses?q=a%0Ab", "q"),
        ("/api/v1/courses?provider=px%1Bou", "provider"),
    ] {
        let resp = app.get(path, Some(&admin)).await;
        assert_envelope(&resp, 400, "bad_request");
        assert_eq!(resp.error_fields(), [field], "{path}");
        // Anonymous readers get the same answer, never a 500.
        assert_eq!(app.get(path, None).await.status, 400, "{path}");
    }
    let status_list = app.get("/status/x%00", None).await;
    assert_envelope(&status_list, 400, "bad_request");
    // A path parameter in a write, before any body or SQL.
    let before = app.count("course_reviews");
    let resp = app.post("/api/v1/courses/ZNZZ-01%00/status", Some(&admin), json!({"status": "archived"})).await;
    assert_envelope(&resp, 400, "bad_request");
    assert_eq!(app.count("course_reviews"), before);
    // A demand import's title comes in the query string.
    let path = format!("/api/v1/imports/demand?enterprise=pxcast&title={}", enc("标题\u{0}"));
    let before = app.count("demand_lists");
    let resp = app.post_bytes(&path, Some(&app.token_for("pxcast-admin")), "text/csv", b"position,headcount\nx,1\n".to_vec()).await;
    assert_envelope(&resp, 400, "bad_request");
    assert_eq!(resp.error_fields(), ["title"]);
    assert_eq!(app.count("demand_lists"), before);
}

#[tokio::test]
async fn pagination_is_bounded_and_names_the_parameter() {
    let (app, _) = TestApp::with_demo();
    for (query, field) in [
        ("page=9223372036854775807", "page"),
        ("page=99999999999999999999", "page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1000001", "page"),
        ("per_page=501", "per_page"),
        ("per_page=0", "per_page"),
        ("page=abc", "page"),
    ] {
        for list in ["/api/v1/courses", "/api/v1/skills", "/api/v1/organizations", "/api/v1/demand-lists"] {
            let resp = app.get(&format!("{list}?{query}"), None).await;
            assert_envelope(&resp, 400, "bad_request");
            assert_eq!(resp.error_fields(), [field], "{list}?{query}");
        }
    }
    let last = app.get("/api/v1/courses?page=1000000&per_page=500", None).await;
    assert_eq!(last.status, 200, "{}", last.text());
    assert_eq!(last.json["items"], json!([]));
}

#[tokio::test]
async fn bodies_over_the_limit_get_the_envelope_json_and_csv_alike() {
    let (app, admin) = TestApp::with_demo();
    let big = vec![b' '; 9 * 1024 * 1024];
    let mut json_body = b"{\"name_zh\":\"".to_vec();
    json_body.extend_from_slice(&big);
    let resp = app.post_bytes("/api/v1/regions", Some(&admin), "application/json", json_body).await;
    assert_envelope(&resp, 413, "payload_too_large");
    let resp = app.post_bytes("/api/v1/imports/courses", Some(&admin), "text/csv", big).await;
    assert_envelope(&resp, 413, "payload_too_large");
}

#[tokio::test]
async fn a_missing_or_wrong_content_type_is_a_400_naming_the_body() {
    let (app, admin) = TestApp::with_demo();
    let resp = app.post_bytes("/api/v1/regions", Some(&admin), "text/plain", br#"{"code":"360399"}"#.to_vec()).await;
    assert_envelope(&resp, 400, "bad_request");
    assert_eq!(resp.error_fields(), ["body"]);
    let resp = app.post_bytes("/api/v1/regions", Some(&admin), "application/json", b"{not json".to_vec()).await;
    assert_envelope(&resp, 400, "bad_request");
}

#[tokio::test]
async fn csv_cells_follow_the_same_rules_with_row_and_column() {
    let (app, admin) = TestApp::with_demo();
    let before = app.count("courses");
    let csv = "code,title_zh,provider,hours,credits\nHYG-CSV-1,好课,pxou,8,1\n..,坏代码,pxou,8,1\nHYG-CSV-3,坏\u{1b}标题,pxou,8,1\n";
    let resp = app.post_bytes("/api/v1/imports/courses", Some(&admin), "text/csv", csv.as_bytes().to_vec()).await;
    assert_envelope(&resp, 422, "csv_row");
    let rows: Vec<(u64, String)> = resp.json["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["row"].as_u64().unwrap_or(0), e["field"].as_str().unwrap_or("").to_string()))
        .collect();
    assert_eq!(rows, [(3, "code".to_string()), (4, "title_zh".to_string())]);
    assert_eq!(app.count("courses"), before);
}

/// Only the platform publishes on import, and the trail says so; a city or province admin
/// cannot skip the levels above them.
#[tokio::test]
async fn an_import_publishes_only_through_the_platform_and_leaves_a_trail() {
    let (app, admin) = TestApp::with_demo();
    let csv = "code,title_zh,provider,hours,credits\nHYG-PUB-1,萍乡的课,pxou,10,1\n";
    for who in ["px-admin", "jx-admin", "pxou-admin"] {
        let before = (app.count("courses"), app.count("course_reviews"));
        let resp =
            app.post_bytes("/api/v1/imports/courses?publish=true", Some(&app.token_for(who)), "text/csv", csv.as_bytes().to_vec()).await;
        assert_envelope(&resp, 403, "forbidden");
        assert_eq!((app.count("courses"), app.count("course_reviews")), before, "{who}");
    }
    // Without publish, the city admin imports a draft that then waits for review.
    let draft = app.post_bytes("/api/v1/imports/courses", Some(&app.token_for("px-admin")), "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(draft.status, 200, "{}", draft.text());
    assert_eq!(app.get("/api/v1/courses/HYG-PUB-1", Some(&admin)).await.json["status"], "draft");

    let csv = "code,title_zh,provider,hours,credits\nHYG-PUB-2,平台发布的课,pxou,10,1\n";
    let resp = app.post_bytes("/api/v1/imports/courses?publish=true", Some(&admin), "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    let course = app.get("/api/v1/courses/HYG-PUB-2", None).await;
    assert_eq!(course.json["status"], "published");
    let id = course.json["id"].as_str().expect("id");
    let trail = app.get(&format!("/api/v1/courses/{id}/reviews"), Some(&admin)).await;
    assert_eq!(trail.status, 200, "{}", trail.text());
    let steps = trail.json.as_array().expect("trail");
    assert_eq!(steps.len(), 1, "{}", trail.text());
    assert_eq!(
        (&steps[0]["from_status"], &steps[0]["to_status"], &steps[0]["stage"]),
        (&json!("draft"), &json!("published"), &json!("platform"))
    );
    assert_eq!(steps[0]["by"], "admin");
    assert!(steps[0]["comment"].as_str().is_some_and(|c| c.contains("directly")), "{}", trail.text());
}

/// Presentations are signed with a learner's holder key: only that learner makes one.
#[tokio::test]
async fn administrators_never_present_a_learners_credentials() {
    let (app, admin) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let li = app.token_for("learner-li");
    let done = app.get("/api/v1/completions?learner=learner-li", Some(&admin)).await;
    let completion = done.json.as_array().and_then(|a| a.iter().find(|c| c["course_code"] == "ZNZZ-01")).expect("li completed ZNZZ-01");
    let cred =
        app.post(&format!("/api/v1/completions/{}/credential", completion["id"].as_str().expect("id")), Some(&pxou), json!({})).await;
    assert!(cred.status.is_success(), "{}", cred.text());
    let id = cred.json["id"].as_str().expect("id").to_string();
    let body = json!({"credentials": [id], "challenge": "nonce-1"});
    for who in [admin.clone(), app.token_for("px-admin"), pxou.clone()] {
        assert_envelope(&app.post("/api/v1/presentations", Some(&who), body.clone()).await, 403, "forbidden");
    }
    // Another learner cannot either (the credential is not theirs).
    assert_envelope(&app.post("/api/v1/presentations", Some(&app.token_for("learner-zhang")), body.clone()).await, 404, "not_found");
    let vp = app.post("/api/v1/presentations", Some(&li), body).await;
    assert_eq!(vp.status, 201, "{}", vp.text());
}

/// A cohort larger than SQLite's 32,766 and near PostgreSQL's 65,535 bind parameters once
/// each learner takes one or two: 16,400 learners named in one job.
#[tokio::test]
async fn an_issuance_job_over_16400_named_learners_is_accepted() {
    use diesel::RunQueryDsl;
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let course_id = app.get("/api/v1/courses/ZNZZ-01", None).await.json["id"].as_str().expect("id").to_string();
    let recorder = app.get("/api/v1/users/pxou-admin", Some(&pxou)).await.json["id"].as_str().expect("id").to_string();
    const N: usize = 16_400;
    {
        let mut conn = app.db.conn().expect("conn");
        let ts = "2026-03-02T00:00:00Z";
        for start in (0..N).step_by(1000) {
            let users: Vec<String> = (start..(start + 1000).min(N))
                .map(|i| format!("('hyg-u{i}','cohort-{i}','学员{i}','learner',NULL,'360300',false,'{ts}')"))
                .collect();
            diesel::sql_query(format!(
                "INSERT INTO users (id, username, display_name, role, org_id, region, opt_in, created_at) VALUES {}",
                users.join(",")
            ))
            .execute(&mut *conn)
            .expect("insert learners");
            let done: Vec<String> = (start..(start + 1000).min(N))
                .map(|i| format!("('hyg-c{i:05}','hyg-u{i}','{course_id}','合格','2026-03-01',NULL,'{recorder}','{ts}')"))
                .collect();
            diesel::sql_query(format!(
                "INSERT INTO completions (id, learner_id, course_id, result, completed_on, assessor, recorded_by, created_at) VALUES {}",
                done.join(",")
            ))
            .execute(&mut *conn)
            .expect("insert completions");
        }
    }
    let learners: Vec<String> = (0..N).map(|i| format!("cohort-{i}")).collect();
    let resp = app.post("/api/v1/issuance-jobs", Some(&pxou), json!({"course": "ZNZZ-01", "learners": learners})).await;
    assert_eq!(resp.status, 202, "{}", resp.text());
    assert_eq!(resp.json["total"], N, "{}", resp.text());
}
