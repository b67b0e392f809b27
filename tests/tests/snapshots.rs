//! Response bodies as clients see them, pinned with insta. Ids, timestamps, the backend name
//! and the server version are redacted, so the same snapshots hold on SQLite and PostgreSQL.
//!
//! Update with `INSTA_UPDATE=always cargo test -p rongtong-tests --test snapshots`, then
//! review the `.snap` files in `tests/tests/snapshots/`.

mod common;

use common::{CASTING, demo_list_id};
use rongtong_tests::{TestApp, backend_name};
use serde_json::json;

#[tokio::test]
async fn course_znzz_02() {
    let (app, _) = TestApp::with_demo();
    let resp = app.get("/api/v1/courses/ZNZZ-02", None).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    insta::assert_json_snapshot!("course_znzz_02", resp.json, {
        ".id" => "[id]",
        ".created_at" => "[timestamp]",
        ".updated_at" => "[timestamp]",
    });
}

#[tokio::test]
async fn health() {
    let app = TestApp::new();
    let resp = app.get("/api/v1/health", None).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json["database"], backend_name());
    assert_eq!(resp.json["version"], env!("CARGO_PKG_VERSION"));
    insta::assert_json_snapshot!("health", resp.json, {
        ".database" => "[backend]",
        ".version" => "[version]",
    });
}

#[tokio::test]
async fn validation_error_envelope() {
    let (app, _) = TestApp::with_demo();
    let body = json!({
        "code": "BAD CODE",
        "title_zh": "",
        "provider": "pxou",
        "hours": 0,
        "credits": 1,
        "skills": [{"skill": CASTING, "level": 4, "weight": 0}],
        "prerequisites": ["ZNZZ-01", "BAD CODE"],
    });
    let resp = app.post("/api/v1/courses", Some(&app.token_for("pxou-admin")), body).await;
    assert_eq!(resp.status, 422, "{}", resp.text());
    insta::assert_json_snapshot!("validation_error_envelope", resp.json);
}

#[tokio::test]
async fn csv_rejection_envelope() {
    let (app, _) = TestApp::with_demo();
    let csv = "\
code,title_zh,provider,hours,credits,skills,prerequisites
SNAP-01,好课程,pxou,16,1,铸造工艺@4,
SNAP-02,学时不对,pxou,-4,1,铸造工艺@4,
SNAP-03,技能不存在,pxou,16,1,不存在的技能@4,
SNAP-04,机构不存在,nosuch,16,1,铸造工艺@4,
SNAP-05,先修不存在,pxou,16,1,铸造工艺@四级,NOPE-01
SNAP-01,代码重复,pxou,16,1,铸造工艺@4,
";
    let resp = app.post_bytes("/api/v1/imports/courses", Some(&app.token_for("pxou-admin")), "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(resp.status, 422, "{}", resp.text());
    insta::assert_json_snapshot!("csv_rejection_envelope", resp.json);
}

#[tokio::test]
async fn demand_list_pxcast() {
    let (app, _) = TestApp::with_demo();
    let id = demo_list_id(&app, "pxcast").await;
    let resp = app.get(&format!("/api/v1/demand-lists/{id}"), None).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    insta::assert_json_snapshot!("demand_list_pxcast", resp.json, {
        ".id" => "[id]",
        ".created_at" => "[timestamp]",
        ".updated_at" => "[timestamp]",
        ".items[].id" => "[id]",
    });
}
