//! No list costs more queries for more rows: every GET list route is requested with few and
//! with many rows, and the number of statements the request sent (counted by the pool's
//! connections, `Db::queries_run`) must be the same. An N+1 — a query per row — fails here.

mod common;

use common::{CASTING, POUR, course, demand_list, organization};
use rongtong_tests::{TestApp, enc};
use serde_json::json;

/// Statements sent while answering `path`, and the rows it listed.
async fn measure(app: &TestApp, path: &str, token: Option<&str>) -> (u64, usize) {
    let before = app.db.queries_run();
    let resp = app.get(path, token).await;
    let queries = app.db.queries_run() - before;
    assert_eq!(resp.status, 200, "{path}: {}", resp.text());
    let rows =
        resp.json["items"].as_array().or(resp.json.as_array()).unwrap_or_else(|| panic!("{path} is not a list: {}", resp.text())).len();
    (queries, rows)
}

/// The same count for `few` rows and `many` rows (many at least eight more: the demo publishes 11 courses).
#[track_caller]
fn assert_flat(route: &str, (q_few, few): (u64, usize), (q_many, many): (u64, usize)) {
    assert!(few >= 1 && many >= few + 8, "{route}: {few} vs {many} rows is no test of growth");
    assert_eq!(q_few, q_many, "{route}: {q_few} queries for {few} rows but {q_many} for {many}");
}

/// A paginated list: 2 rows per page against 20 (a warm-up request first, so a token's
/// first use, which may record itself, is not counted). The warm-up asks for another page
/// size: the public lists keep a body per query string (`routes::cached`), and both measured
/// requests must render theirs.
async fn paged(app: &TestApp, route: &str, path: &str, token: Option<&str>) {
    let sep = if path.contains('?') { '&' } else { '?' };
    measure(app, &format!("{path}{sep}per_page=1"), token).await;
    let few = measure(app, &format!("{path}{sep}per_page=2"), token).await;
    let many = measure(app, &format!("{path}{sep}per_page=20"), token).await;
    assert_flat(route, few, many);
}

#[tokio::test]
async fn no_list_sends_more_queries_for_more_rows() {
    let (app, admin) = TestApp::with_demo();
    let admin = Some(admin.as_str());
    let (jx, pxou, pxcast) = (app.token_for("jx-admin"), app.token_for("pxou-admin"), app.token_for("pxcast-admin"));

    // Rows enough for pages of 20.
    for i in 0..20 {
        let code = format!("qc-org-{i:02}");
        let r = app.post("/api/v1/organizations", admin, organization(&code, "enterprise", "360300")).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let r = app
            .post("/api/v1/users", admin, json!({"username": format!("qc-user-{i:02}"), "display_name": "测试", "role": "learner"}))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let c = format!("QC-{i:02}");
        let r = app.post("/api/v1/courses", Some(&pxou), course(&c, "pxou")).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let r = app.post("/api/v1/demand-lists", Some(&pxcast), demand_list(&format!("需求 {i}"), "pxcast", "360300")).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let r = app
            .post(
                "/api/v1/curricula",
                Some(&pxou),
                json!({"code": format!("QC-CUR-{i:02}"), "title_zh": "课程体系", "provider": "pxou", "modules": ["ZNZZ-01", "ZNZZ-02"]}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let occupation = json!({"code": format!("6-31-01-{:02}", 50 + i), "label_zh": "测试职业", "skills": [{"skill": POUR, "kind": "essential", "min_level": 4}]});
        let r = app.post("/api/v1/occupations", Some(&jx), occupation).await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    {
        let mut conn = app.db.conn().expect("conn");
        let kek = rongtong_registry::services::credentials::keystore::Kek::generate();
        rongtong_registry::services::demo::seed_credentials(&mut conn, rongtong_tests::BASE_URL, &kek).expect("demo credentials");
    }

    paged(&app, "regions", "/api/v1/regions", None).await;
    paged(&app, "organizations", "/api/v1/organizations", None).await;
    paged(&app, "users", "/api/v1/users", admin).await;
    paged(&app, "skills", "/api/v1/skills", None).await;
    paged(&app, "occupations", "/api/v1/occupations", None).await;
    paged(&app, "courses (public)", "/api/v1/courses", None).await;
    paged(&app, "courses (provider, drafts too)", "/api/v1/courses", Some(&pxou)).await;
    paged(&app, "curricula", "/api/v1/curricula", None).await;
    paged(&app, "demand lists", "/api/v1/demand-lists", Some(&pxcast)).await;
    paged(&app, "credentials", "/api/v1/credentials", admin).await;

    // Lists without pages: measured before and after adding rows.
    let tokens = "/api/v1/users/learner-li/tokens";
    app.token_for("learner-li");
    measure(&app, tokens, admin).await;
    let few = measure(&app, tokens, admin).await;
    for _ in 0..12 {
        app.token_for("learner-li");
    }
    assert_flat("tokens", few, measure(&app, tokens, admin).await);

    let frameworks = "/api/v1/frameworks";
    let few = measure(&app, frameworks, None).await;
    for i in 0..12 {
        let r = app
            .post(frameworks, Some(&jx), json!({"code": format!("qc-fw-{i}"), "kind": "local", "name": "测试框架", "version": "1"}))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    assert_flat("frameworks", few, measure(&app, frameworks, None).await);

    let relations = format!("/api/v1/skills/{}/relations", enc(POUR));
    let r = app.post(&relations, Some(&jx), json!({"kind": "related", "to": CASTING})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let few = measure(&app, &relations, None).await;
    let skills = app.get("/api/v1/skills?per_page=20", None).await;
    for s in
        skills.json["items"].as_array().expect("skills").iter().filter_map(|s| s["uri"].as_str()).filter(|u| *u != POUR && *u != CASTING)
    {
        app.post(&relations, Some(&jx), json!({"kind": "related", "to": s})).await;
    }
    assert_flat("skill relations", few, measure(&app, &relations, None).await);

    let reviews = "/api/v1/courses/QC-00/reviews";
    let status = "/api/v1/courses/QC-00/status";
    let r = app.post(status, Some(&pxou), json!({"status": "in_review"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let few = measure(&app, reviews, Some(&pxou)).await;
    for _ in 0..6 {
        let r = app.post(status, Some(&pxou), json!({"status": "draft", "comment": "再改改"})).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let r = app.post(status, Some(&pxou), json!({"status": "in_review"})).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    assert_flat("course reviews", few, measure(&app, reviews, Some(&pxou)).await);

    let completions = "/api/v1/completions";
    let few = measure(&app, completions, Some(&pxou)).await;
    for i in 0..12 {
        let record = json!({"learner": format!("qc-user-{i:02}"), "course": "ZNZZ-01", "result": "合格", "completed_on": "2026-03-01"});
        let r = app.post("/api/v1/completions", Some(&pxou), record).await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    assert_flat("completions", few, measure(&app, completions, Some(&pxou)).await);
}
