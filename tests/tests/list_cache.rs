//! The public lists' response cache (`routes::cached`): a write is visible on the very next
//! request — on this node, on another node over the same database, and for writes that bypass
//! the API — the cache never shows one caller's drafts to another, and the lists carry an
//! `ETag` that revalidates to `304`.

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use common::{CASTING, course, demand_list};
use rongtong_tests::{TestApp, TestResponse};
use serde_json::json;

fn header(resp: &TestResponse, name: &str) -> String {
    resp.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

fn codes(resp: &TestResponse) -> Vec<String> {
    resp.json["items"].as_array().expect("items").iter().map(|c| c["code"].as_str().unwrap_or_default().to_string()).collect()
}

async fn get_if_none_match(app: &TestApp, path: &str, etag: &str) -> TestResponse {
    let req = Request::get(path).header(header::IF_NONE_MATCH, etag).body(Body::empty()).expect("request");
    app.send(req).await
}

#[tokio::test]
async fn a_write_shows_in_the_cached_course_list_at_once() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let before = app.get("/api/v1/courses?per_page=100", None).await;
    assert_eq!(before.status, 200, "{}", before.text());
    let queries = app.db.queries_run();
    assert_eq!(app.get("/api/v1/courses?per_page=100", None).await.bytes, before.bytes, "served again, unchanged");
    // From the cache: the version read, and the pool's checkout test on PostgreSQL.
    assert!(app.db.queries_run() - queries <= 2, "{} statements for a cached list", app.db.queries_run() - queries);
    let znzz = |r: &TestResponse| r.json["items"].as_array().unwrap().iter().find(|c| c["code"] == "ZNZZ-01").unwrap()["status"].clone();
    assert_eq!(znzz(&before), "published");

    let archived = app.post("/api/v1/courses/ZNZZ-01/status", Some(&pxou), json!({"status": "archived"})).await;
    assert_eq!(archived.status, 200, "{}", archived.text());
    let after = app.get("/api/v1/courses?per_page=100", None).await;
    assert_eq!(znzz(&after), "archived", "the archived status shows on the next request");
}

#[tokio::test]
async fn drafts_show_to_their_provider_at_once_and_never_to_others() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    // Fill the cache for both kinds of caller first.
    let anon_before = app.get("/api/v1/courses?per_page=100", None).await;
    let own_before = app.get("/api/v1/courses?per_page=100", Some(&pxou)).await;
    assert!(!codes(&own_before).contains(&"PX-NEW-01".to_string()));

    assert_eq!(app.post("/api/v1/courses", Some(&pxou), course("PX-NEW-01", "pxou")).await.status, 201);
    let own = app.get("/api/v1/courses?per_page=100", Some(&pxou)).await;
    assert!(codes(&own).contains(&"PX-NEW-01".to_string()), "the provider sees its new draft: {:?}", codes(&own));
    let anon = app.get("/api/v1/courses?per_page=100", None).await;
    assert!(!codes(&anon).contains(&"PX-NEW-01".to_string()), "a draft is not public");
    assert_eq!(anon.json["total"], anon_before.json["total"]);
    // Another organisation's admin, same query string: not the provider's view.
    let other = app.token_for("pxcast-admin");
    assert!(!codes(&app.get("/api/v1/courses?per_page=100", Some(&other)).await).contains(&"PX-NEW-01".to_string()));
}

#[tokio::test]
async fn a_write_on_another_node_shows_at_once() {
    let (app, token) = TestApp::with_demo();
    let other_node = app.sibling();
    let pxcast = app.token_for("pxcast-admin");
    let lists = |r: &TestResponse| r.json["total"].as_i64().expect("total");
    let skills = app.get("/api/v1/skills?q=%E9%93%B8%E9%80%A0", None).await; // 铸造
    let demand = app.get("/api/v1/demand-lists", None).await;
    let courses = app.get("/api/v1/courses", None).await;

    // A skill, a published demand list and an archived course, all written through the other node.
    let skill = other_node
        .post(
            "/api/v1/skills",
            Some(&token),
            json!({"framework": "esco", "label_zh": "铸造缺陷分析", "label_en": "casting defect analysis", "skill_type": "skill/competence"}),
        )
        .await;
    assert_eq!(skill.status, 201, "{}", skill.text());
    let created = other_node.post("/api/v1/demand-lists", Some(&pxcast), demand_list("铸造岗位", "pxcast", "360300")).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json["id"].as_str().expect("id");
    let published = other_node.post(&format!("/api/v1/demand-lists/{id}/status"), Some(&pxcast), json!({"status": "published"})).await;
    assert_eq!(published.status, 200, "{}", published.text());
    let pxou = app.token_for("pxou-admin");
    assert_eq!(other_node.post("/api/v1/courses/ZNZZ-01/status", Some(&pxou), json!({"status": "archived"})).await.status, 200);

    assert_eq!(lists(&app.get("/api/v1/skills?q=%E9%93%B8%E9%80%A0", None).await), lists(&skills) + 1);
    assert_eq!(lists(&app.get("/api/v1/demand-lists", None).await), lists(&demand) + 1);
    assert_ne!(app.get("/api/v1/courses", None).await.bytes, courses.bytes);
}

#[tokio::test]
async fn a_write_straight_to_the_store_shows_at_once() {
    // What the CLI, an import or a repair does: no request passes through the app.
    let (app, _) = TestApp::with_demo();
    let occupations = app.get("/api/v1/occupations", None).await;
    let frameworks = app.get("/api/v1/frameworks", None).await;
    {
        use diesel::connection::SimpleConnection;
        let mut conn = app.db.conn().expect("conn");
        conn.batch_execute("UPDATE occupations SET label_zh = '改过的职业' WHERE uri = (SELECT MIN(uri) FROM occupations)")
            .expect("update");
        conn.batch_execute("UPDATE frameworks SET name = '改过的框架' WHERE code = 'esco'").expect("update");
    }
    let after = app.get("/api/v1/occupations", None).await;
    assert_ne!(after.bytes, occupations.bytes);
    assert!(after.text().contains("改过的职业"));
    assert!(app.get("/api/v1/frameworks", None).await.text().contains("改过的框架"), "frameworks move the version too (migration 000008)");
    assert_ne!(frameworks.text(), "");
}

#[tokio::test]
async fn lists_carry_an_etag_and_answer_304_until_the_data_changes() {
    let (app, token) = TestApp::with_demo();
    let path = format!("/api/v1/courses?skill={}", rongtong_tests::enc(CASTING));
    let first = app.get(&path, None).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.content_type, "application/json");
    let etag = header(&first, "etag");
    assert!(etag.starts_with('"') && etag.ends_with('"'), "strong ETag: {etag}");
    assert_eq!(header(&first, "cache-control"), "public, no-cache");
    assert_eq!(header(&first, "vary"), "Authorization");
    let again = get_if_none_match(&app, &path, &etag).await;
    assert_eq!(again.status, 304);
    assert!(again.bytes.is_empty());
    assert_eq!(header(&again, "etag"), etag);

    // With a token: the caller's own view, private.
    assert_eq!(header(&app.get(&path, Some(&token)).await, "cache-control"), "private, no-cache");

    let pxou = app.token_for("pxou-admin");
    assert_eq!(app.post("/api/v1/courses/ZNZZ-01/status", Some(&pxou), json!({"status": "archived"})).await.status, 200);
    let changed = get_if_none_match(&app, &path, &etag).await;
    assert_eq!(changed.status, 200, "the list changed: a new body, not a 304");
    assert_ne!(header(&changed, "etag"), etag);
}

#[tokio::test]
async fn a_refused_filter_is_not_cached() {
    let (app, token) = TestApp::with_demo();
    let resp = app.get("/api/v1/courses?provider=nobody", None).await;
    assert_eq!(resp.status, 400, "{}", resp.text());
    assert_eq!(resp.error_fields(), ["provider"]);
    let org = app.post("/api/v1/organizations", Some(&token), common::organization("nobody", "college", "360300")).await;
    assert_eq!(org.status, 201, "{}", org.text());
    let resp = app.get("/api/v1/courses?provider=nobody", None).await;
    assert_eq!((resp.status.as_u16(), resp.json["total"].as_i64()), (200, Some(0)));
}
